//! The streaming decoder of the C ABI, [`mqtt_decoder`]: the core's `Decoder` either over a
//! buffer the caller owns ([`mqtt_decoder_init`], no heap, for firmware) or over a buffer
//! that grows ([`mqtt_decoder_new`], feature `alloc`).
//!
//! The struct is sized in the header so that C can place it anywhere (a static, the stack);
//! its bytes hold a magic word and the Rust state. The magic word is checked on every call,
//! so a zeroed decoder, or one ended with `mqtt_decoder_free()`, gives a status; that is a
//! guard against mistakes, not a proof: C must initialise a decoder before use, never copy
//! one, and end each with `mqtt_decoder_free()`.

use crate::c_args::bytes;
use crate::convert::{fill_packet, parse_options, Wire};
use crate::status::{self, mqtt_status, mqtt_status::*};
use crate::types::*;
use crate::{guard, guard_or};
use codec::{DecodeError, Decoder, DecoderConfig, ProtocolVersion, RecvBuffer, SliceBuffer};
use core::mem::{align_of, size_of};
use core::slice;
#[cfg(feature = "alloc")]
use {
    crate::convert::Arena,
    alloc::boxed::Box,
    codec::{DefaultRecvBuffer, Packet},
};

/// The size of an [`mqtt_decoder`] in 64-bit words.
pub const MQTT_DECODER_WORDS: usize = 24;

/// A streaming decoder: feed it bytes in any chunks, take whole packets.
///
/// Two ways to make one:
/// - `mqtt_decoder_init()` over a buffer you own: nothing is allocated, the largest packet
///   is the buffer's size, and the struct lives wherever you put it (a static, the stack).
/// - `mqtt_decoder_new()` (hosts with a heap): the buffer grows to the largest packet, up
///   to the maximum packet size, and the decoder is freed with `mqtt_decoder_free()`.
///
/// The fields are private to the library. Zero it before first use (`= {0}`) so that a
/// decoder used before `mqtt_decoder_init()` is refused; never copy it (the copy and the
/// original would share state); end it with `mqtt_decoder_free()`. Not thread-safe: use one
/// decoder from one thread at a time.
#[repr(C)]
pub struct mqtt_decoder {
    /// The decoder's state; not to be read or written by the caller.
    pub _opaque: [u64; MQTT_DECODER_WORDS],
}

/// Set in a live decoder's first word.
const MAGIC: u64 = 0x6d71_7474_6465_6331;

/// What an [`mqtt_decoder`] holds after its magic word.
enum Inner {
    /// Over the caller's buffer.
    Fixed(Decoder<CallerBuffer>),
    /// Over a growable buffer, with the last packet kept alive for its views.
    #[cfg(feature = "alloc")]
    Heap(Box<HeapDecoder>),
}

/// The state of a decoder made by [`mqtt_decoder_new`].
#[cfg(feature = "alloc")]
struct HeapDecoder {
    decoder: Decoder<DefaultRecvBuffer>,
    packet: Option<Packet>,
    arena: Arena,
}

#[repr(C)]
struct Live {
    magic: u64,
    inner: Inner,
}

const _: () = assert!(size_of::<Live>() <= size_of::<mqtt_decoder>());
const _: () = assert!(align_of::<Live>() <= align_of::<mqtt_decoder>());

/// The caller's buffer of a decoder made by [`mqtt_decoder_init`].
struct CallerBuffer {
    ptr: *mut u8,
    cap: usize,
    start: usize,
    end: usize,
}

impl CallerBuffer {
    fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: `ptr` holds `cap` writable bytes, owned by the decoder from
        // `mqtt_decoder_init()` until the caller stops using it (the init contract).
        unsafe { slice::from_raw_parts_mut(self.ptr, self.cap) }
    }
}

impl CallerBuffer {
    /// Runs `f` on the buffer as the core's `SliceBuffer`, keeping its positions.
    fn with<R>(&mut self, f: impl FnOnce(&mut SliceBuffer<'_>) -> R) -> R {
        let (start, end) = (self.start, self.end);
        let mut slice = SliceBuffer::resume(self.bytes(), start, end);
        let out = f(&mut slice);
        (self.start, self.end) = slice.positions();
        out
    }
}

impl RecvBuffer for CallerBuffer {
    fn data(&self) -> &[u8] {
        let len = self.end.saturating_sub(self.start);
        // SAFETY: as in `bytes`; `start..end` lies within `cap` (the core's SliceBuffer keeps
        // it so) and was written by `append`.
        unsafe { slice::from_raw_parts(self.ptr.wrapping_add(self.start), len) }
    }

    fn append(&mut self, data: &[u8]) -> usize {
        self.with(|b| b.append(data))
    }

    fn consume(&mut self, n: usize) {
        self.with(|b| b.consume(n));
    }

    fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    fn capacity(&self) -> Option<usize> {
        Some(self.cap)
    }
}

fn config(opts: &mqtt_decode_options) -> Result<DecoderConfig, mqtt_status> {
    let opts = parse_options(opts)?;
    Ok(DecoderConfig {
        version: opts.version,
        role: opts.receiver,
        max_packet_size: opts.max_packet_size,
    })
}

/// Whether `d` holds a live decoder (its magic word is set), or the status to return.
///
/// # Safety
/// `d` must be NULL or point to a readable `mqtt_decoder` whose first word is initialised
/// (the caller's contract: a decoder that was initialised, or zeroed).
unsafe fn check_live(d: *const mqtt_decoder) -> Result<*const Live, mqtt_status> {
    if d.is_null() {
        return Err(MQTT_ERR_NULL_POINTER);
    }
    let live = d.cast::<Live>();
    // A misplaced handle is refused rather than read: unaligned loads fault on a Cortex-M0.
    if !live.is_aligned() {
        return Err(MQTT_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: `d` is large and aligned enough for `Live` (asserted above, and checked) and
    // its first word is initialised by the contract; any bit pattern is a valid u64.
    if unsafe { core::ptr::addr_of!((*live).magic).read() } != MAGIC {
        return Err(MQTT_ERR_INVALID_ARGUMENT);
    }
    Ok(live)
}

/// The live state of `d`, to change it, or the status to return.
///
/// # Safety
/// As [`check_live`], and `d` writable and not used through another reference meanwhile.
unsafe fn live<'d>(d: *mut mqtt_decoder) -> Result<&'d mut Inner, mqtt_status> {
    // SAFETY: the caller's contract.
    let live = unsafe { check_live(d) }?.cast_mut();
    // SAFETY: the magic word is only set by `mqtt_decoder_init`/`mqtt_decoder_new`, right
    // after writing a valid `Inner`, and cleared when it is dropped.
    Ok(unsafe { &mut (*live).inner })
}

/// The live state of `d`, to read it, or the status to return.
///
/// # Safety
/// As [`check_live`].
unsafe fn live_ref<'d>(d: *const mqtt_decoder) -> Result<&'d Inner, mqtt_status> {
    // SAFETY: the caller's contract.
    let live = unsafe { check_live(d) }?;
    // SAFETY: as in `live`.
    Ok(unsafe { &(*live).inner })
}

/// Writes a live decoder into `d`.
///
/// # Safety
/// `d` must point to a writable `mqtt_decoder`.
unsafe fn set_live(d: *mut mqtt_decoder, inner: Inner) {
    // SAFETY: the caller's contract; size and alignment are asserted above.
    unsafe {
        d.cast::<Live>().write(Live {
            magic: MAGIC,
            inner,
        })
    };
}

/// Makes a decoder in `*decoder` over `buf` (`cap` bytes) that never allocates: the largest
/// packet it takes is `cap` bytes (a larger one fails it with
/// `MQTT_ERR_PACKET_EXCEEDS_BUFFER` from its fixed header), and `opts->max_packet_size`
/// still applies. The decoder owns `buf` until it is no longer used; there is nothing to
/// free (`mqtt_decoder_free()` only marks it unusable).
///
/// ```c
/// static uint8_t rx[512];
/// static mqtt_decoder d;
/// mqtt_decode_options opts = { MQTT_V3_1_1, MQTT_ROLE_CLIENT, 0 };
/// if (mqtt_decoder_init(&d, rx, sizeof rx, &opts) != MQTT_OK) abort();
/// ```
///
/// # Safety
/// `decoder` must be NULL or writable; `buf` NULL or writable for `cap` bytes, and used by
/// nothing else while the decoder is; `opts` NULL or readable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_decoder_init(
    decoder: *mut mqtt_decoder,
    buf: *mut u8,
    cap: usize,
    opts: *const mqtt_decode_options,
) -> mqtt_status {
    guard(|| {
        if decoder.is_null() || buf.is_null() || opts.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // A slice of the buffer must be possible (at most isize::MAX bytes), and a decoder
        // that can hold nothing is a mistake.
        if cap == 0 || cap > isize::MAX as usize || !decoder.cast::<Live>().is_aligned() {
            return MQTT_ERR_INVALID_ARGUMENT;
        }
        // SAFETY: non-NULL and readable by the caller's contract.
        let config = match config(unsafe { &*opts }) {
            Ok(c) => c,
            Err(s) => return s,
        };
        let buffer = CallerBuffer {
            ptr: buf,
            cap,
            start: 0,
            end: 0,
        };
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { set_live(decoder, Inner::Fixed(Decoder::with_buffer(config, buffer))) };
        MQTT_OK
    })
}

/// Creates a decoder whose buffer grows as needed, for `opts` (version, receiving side and
/// maximum packet size; `MQTT_VERSION_UNKNOWN` learns the version from the first packet,
/// which must be a CONNECT). Free it with `mqtt_decoder_free()`. Needs a heap.
///
/// ```c
/// mqtt_decode_options opts = { MQTT_V3_1_1, MQTT_ROLE_CLIENT, 65536 };
/// mqtt_decoder *d;
/// if (mqtt_decoder_new(&opts, &d) != MQTT_OK) abort();
/// // ...
/// mqtt_decoder_free(d);
/// ```
///
/// # Safety
/// `opts` must be NULL or readable, `out` NULL or writable.
#[cfg(feature = "alloc")]
#[no_mangle]
pub unsafe extern "C" fn mqtt_decoder_new(
    opts: *const mqtt_decode_options,
    out: *mut *mut mqtt_decoder,
) -> mqtt_status {
    guard(|| {
        if opts.is_null() || out.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { out.write(core::ptr::null_mut()) };
        // SAFETY: non-NULL and readable by the caller's contract.
        let config = match config(unsafe { &*opts }) {
            Ok(c) => c,
            Err(s) => return s,
        };
        let heap = Box::new(HeapDecoder {
            decoder: Decoder::new(config),
            packet: None,
            arena: Arena::default(),
        });
        let handle = Box::into_raw(Box::new(mqtt_decoder {
            _opaque: [0; MQTT_DECODER_WORDS],
        }));
        // SAFETY: a fresh, writable allocation.
        unsafe { set_live(handle, Inner::Heap(heap)) };
        // SAFETY: as above.
        unsafe { out.write(handle) };
        MQTT_OK
    })
}

/// Appends as much of `data` as the decoder's buffer takes and says how much in `*taken`:
/// all of it for `mqtt_decoder_new()`; for `mqtt_decoder_init()`, what fits (take packets
/// out with `mqtt_decoder_next()`, then feed the rest). Returns `MQTT_ERR_DECODER_FAILED`
/// once the decoder has failed (nothing is taken). Invalidates the views of the last packet
/// of a decoder made by `mqtt_decoder_init()`.
///
/// ```c
/// n = recv(sock, chunk, sizeof chunk, 0);  // a buffer of the caller's, not the decoder's
/// size_t used = 0, taken;
/// while (used < n && mqtt_decoder_feed_some(&d, chunk + used, n - used, &taken) == MQTT_OK) {
///     used += taken;
///     while (mqtt_decoder_next(&d, &p) == MQTT_OK) handle(&p);
/// }
/// ```
///
/// # Safety
/// `decoder` must be NULL or a decoder made by `mqtt_decoder_init()` or `mqtt_decoder_new()`;
/// `data` NULL or readable for `len` bytes, and not in the buffer given to
/// `mqtt_decoder_init()`; `taken` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_decoder_feed_some(
    decoder: *mut mqtt_decoder,
    data: *const u8,
    len: usize,
    taken: *mut usize,
) -> mqtt_status {
    guard(|| {
        if taken.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { taken.write(0) };
        // SAFETY: the caller's contract.
        let inner = match unsafe { live(decoder) } {
            Ok(i) => i,
            Err(s) => return s,
        };
        // SAFETY: non-NULL and `len` readable bytes by the caller's contract.
        let data = match unsafe { bytes(data, len) } {
            Ok(data) => data,
            Err(s) => return s,
        };
        let n = match inner {
            Inner::Fixed(d) => feed(d, data),
            #[cfg(feature = "alloc")]
            Inner::Heap(h) => feed(&mut h.decoder, data),
        };
        match n {
            Some(n) => {
                // SAFETY: as above.
                unsafe { taken.write(n) };
                MQTT_OK
            }
            None => MQTT_ERR_DECODER_FAILED,
        }
    })
}

fn feed<B: RecvBuffer>(d: &mut Decoder<B>, data: &[u8]) -> Option<usize> {
    if d.error().is_some() {
        return None;
    }
    Some(d.feed(data))
}

/// Appends received bytes: all of them, or, for a decoder made by `mqtt_decoder_init()`
/// whose buffer cannot take them all, as many as fit with `MQTT_ERR_BUFFER_TOO_SMALL`
/// (`mqtt_decoder_feed_some()` says how many). Returns `MQTT_ERR_DECODER_FAILED` once the
/// decoder has failed (the bytes are ignored). Feeding a decoder made by
/// `mqtt_decoder_new()` does not invalidate the views of the last packet.
///
/// ```c
/// ssize_t n = recv(fd, chunk, sizeof chunk, 0);
/// if (n > 0) mqtt_decoder_feed(d, chunk, (size_t)n);
/// ```
///
/// # Safety
/// `decoder` must be NULL or a live decoder; `data` NULL or readable for `len` bytes, and
/// not in the buffer given to `mqtt_decoder_init()`.
#[no_mangle]
pub unsafe extern "C" fn mqtt_decoder_feed(
    decoder: *mut mqtt_decoder,
    data: *const u8,
    len: usize,
) -> mqtt_status {
    let mut taken = 0;
    // SAFETY: the caller's contract, and `taken` is writable.
    match unsafe { mqtt_decoder_feed_some(decoder, data, len, &mut taken) } {
        MQTT_OK if taken < len => MQTT_ERR_BUFFER_TOO_SMALL,
        st => st,
    }
}

/// Takes the next complete packet: `MQTT_OK` with it in `*out`, `MQTT_NEED_MORE` when no
/// whole packet is buffered, or a decode error (the decoder is then failed: close the
/// connection; later calls return `MQTT_ERR_DECODER_FAILED`).
///
/// The views and lists in `*out` point into the decoder's buffer. They stay valid until the
/// next `mqtt_decoder_next()` or `mqtt_decoder_free()`, and for a decoder made by
/// `mqtt_decoder_init()` also until the next feed.
///
/// ```c
/// mqtt_packet p;
/// mqtt_status st;
/// while ((st = mqtt_decoder_next(d, &p)) == MQTT_OK) handle(&p);
/// if (st != MQTT_NEED_MORE) close_connection(mqtt_decode_error_reason_code(st));
/// ```
///
/// # Safety
/// `decoder` must be NULL or a live decoder; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_decoder_next(
    decoder: *mut mqtt_decoder,
    out: *mut mqtt_packet,
) -> mqtt_status {
    guard(|| {
        if out.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        if !out.is_aligned() {
            return MQTT_ERR_INVALID_ARGUMENT;
        }
        // SAFETY: non-NULL and writable by the caller's contract; cleared through the raw
        // pointer before a reference is made (the caller's struct may be uninitialised).
        let out = unsafe {
            mqtt_packet::clear(out);
            &mut *out
        };
        // SAFETY: the caller's contract.
        let inner = match unsafe { live(decoder) } {
            Ok(i) => i,
            Err(s) => {
                return s;
            }
        };
        // `out` is cleared once, above, and filled with the packet; otherwise it stays so.
        let result = match inner {
            Inner::Fixed(d) => {
                let level = level(d.protocol_version());
                d.next_packet_ref().map(|p| match p {
                    Some(packet) => {
                        let level = level_of(&packet, level);
                        fill_packet(&packet, level, &mut Wire, out);
                        true
                    }
                    None => false,
                })
            }
            #[cfg(feature = "alloc")]
            Inner::Heap(h) => {
                h.packet = None;
                h.decoder.next_packet().map(|p| match p {
                    Some(packet) => {
                        let level = level(h.decoder.protocol_version());
                        fill_packet(&packet, level, &mut h.arena, out);
                        // Moving the packet keeps its `Bytes` (and so the views) in place.
                        h.packet = Some(packet);
                        true
                    }
                    None => false,
                })
            }
        };
        match result {
            Ok(true) => MQTT_OK,
            Ok(false) => MQTT_NEED_MORE,
            Err(e) => status::of_decode(&e),
        }
    })
}

fn level(version: Option<ProtocolVersion>) -> u8 {
    version.map_or(0, |v| v.level())
}

/// The level a packet was decoded under: its own for a CONNECT.
fn level_of(packet: &codec::PacketRef<'_>, connection: u8) -> u8 {
    match packet {
        codec::PacketRef::Connect(c) => c.protocol_version().level(),
        _ => connection,
    }
}

fn error_of(inner: &Inner) -> Option<&DecodeError> {
    match inner {
        Inner::Fixed(d) => d.error(),
        #[cfg(feature = "alloc")]
        Inner::Heap(h) => h.decoder.error(),
    }
}

fn version_of(inner: &Inner) -> Option<ProtocolVersion> {
    match inner {
        Inner::Fixed(d) => d.protocol_version(),
        #[cfg(feature = "alloc")]
        Inner::Heap(h) => h.decoder.protocol_version(),
    }
}

/// The error that failed the decoder, or `MQTT_OK` while it has not failed.
///
/// ```c
/// mqtt_status why = mqtt_decoder_error(d);
/// ```
///
/// # Safety
/// `decoder` must be NULL or a live decoder.
#[no_mangle]
pub unsafe extern "C" fn mqtt_decoder_error(decoder: *const mqtt_decoder) -> mqtt_status {
    guard(|| {
        // SAFETY: the caller's contract; the state is only read.
        match unsafe { live_ref(decoder) } {
            Ok(inner) => error_of(inner).map_or(MQTT_OK, status::of_decode),
            Err(s) => s,
        }
    })
}

/// The protocol level of the connection (`MQTT_V3_1`, `MQTT_V3_1_1`, `MQTT_V5`): given at
/// creation or learned from the CONNECT (also from one that failed a check after its
/// protocol name and level, so that a server can answer it in its version); 0 while
/// unknown or for a NULL or dead decoder.
///
/// ```c
/// if (mqtt_decoder_version(d) == MQTT_V5) use_v5_features();
/// ```
///
/// # Safety
/// `decoder` must be NULL or a live decoder.
#[no_mangle]
pub unsafe extern "C" fn mqtt_decoder_version(decoder: *const mqtt_decoder) -> u8 {
    guard_or(0, || {
        // SAFETY: the caller's contract; the state is only read.
        unsafe { live_ref(decoder) }.map_or(0, |inner| level(version_of(inner)))
    })
}

/// Changes the maximum packet size (header included), for example after a 5.0 CONNACK
/// negotiated one; 0 means `MQTT_MAX_PACKET_SIZE`. A decoder made by `mqtt_decoder_init()`
/// still refuses packets larger than its buffer.
///
/// ```c
/// mqtt_decoder_set_max_packet_size(d, 4096);
/// ```
///
/// # Safety
/// `decoder` must be NULL or a live decoder.
#[no_mangle]
pub unsafe extern "C" fn mqtt_decoder_set_max_packet_size(
    decoder: *mut mqtt_decoder,
    max_packet_size: usize,
) -> mqtt_status {
    guard(|| {
        let max = match max_packet_size {
            0 => MQTT_MAX_PACKET_SIZE,
            n => n,
        };
        // SAFETY: the caller's contract.
        match unsafe { live(decoder) } {
            Ok(Inner::Fixed(d)) => d.set_max_packet_size(max),
            #[cfg(feature = "alloc")]
            Ok(Inner::Heap(h)) => h.decoder.set_max_packet_size(max),
            Err(s) => return s,
        }
        MQTT_OK
    })
}

/// Ends a decoder: frees one made by `mqtt_decoder_new()` (and the views of its last
/// packet), marks one made by `mqtt_decoder_init()` unusable (its buffer is the caller's
/// again). NULL is ignored, and so is ending a decoder from `mqtt_decoder_init()` twice; a
/// decoder from `mqtt_decoder_new()` is gone once freed and must not be passed again.
///
/// ```c
/// mqtt_decoder_free(d);
/// d = NULL;
/// ```
///
/// # Safety
/// `decoder` must be NULL or a decoder made by `mqtt_decoder_init()` or `mqtt_decoder_new()`
/// (and, for the latter, not used afterwards).
#[no_mangle]
pub unsafe extern "C" fn mqtt_decoder_free(decoder: *mut mqtt_decoder) {
    guard_or((), || {
        // SAFETY: the caller's contract.
        if unsafe { live(decoder) }.is_err() {
            return;
        }
        // SAFETY: a live decoder: its state is read out once and its magic cleared, so it
        // is dropped once.
        let live = unsafe { decoder.cast::<Live>().read() };
        // SAFETY: as above; writable by the caller's contract.
        unsafe { core::ptr::addr_of_mut!((*decoder.cast::<Live>()).magic).write(0) };
        match live.inner {
            Inner::Fixed(_) => {}
            #[cfg(feature = "alloc")]
            Inner::Heap(heap) => {
                drop(heap);
                // SAFETY: a heap decoder's struct was made by Box::into_raw in
                // mqtt_decoder_new, and is freed once (its magic is cleared above).
                drop(unsafe { Box::from_raw(decoder) });
            }
        }
    })
}
