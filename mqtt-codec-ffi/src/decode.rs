//! Decoding: the one-shot, allocation-free [`mqtt_decode`] over the caller's buffer, and the
//! streaming [`mqtt_decoder`] handle.

use crate::convert::{fill_packet, parse_options, Arena, Wire};
use crate::guard;
use crate::status::{self, mqtt_status, mqtt_status::*};
use crate::types::*;
use codec::{Decoder, DecoderConfig, Packet, Status};
use core::slice;

/// Decodes one packet at the start of `buf` without allocating.
///
/// Returns `MQTT_OK` with the packet in `*out` and the bytes it used in `*bytes`;
/// `MQTT_NEED_MORE` with `*bytes` set to how many more bytes are needed at least (call again
/// with more); or a decode error (100 to 199: close the connection). The views in `*out` point
/// into `buf` and are valid as long as `buf` is. Lists are read with `mqtt_list_iter_init()`.
///
/// ```c
/// mqtt_decode_options opts = { MQTT_V5, MQTT_ROLE_CLIENT, 0 };
/// mqtt_packet p;
/// size_t n;
/// mqtt_status st = mqtt_decode(buf, len, &opts, &p, &n);
/// if (st == MQTT_OK && p.packet_type == MQTT_PACKET_PUBLISH)
///     printf("%.*s\n", (int)p.topic.len, (const char *)p.topic.ptr);
/// ```
///
/// # Safety
/// Each pointer must be NULL or valid: `buf` for `len` bytes, `opts` readable, `out` and
/// `bytes` writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_decode(
    buf: *const u8,
    len: usize,
    opts: *const mqtt_decode_options,
    out: *mut mqtt_packet,
    bytes: *mut usize,
) -> mqtt_status {
    guard(|| {
        if buf.is_null() || opts.is_null() || out.is_null() || bytes.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: all non-NULL; by the caller's contract `buf` holds `len` bytes, `opts` is
        // readable and `out` and `bytes` are writable, and none overlap the others.
        let (data, opts, out, bytes) = unsafe {
            (
                slice::from_raw_parts(buf, len),
                &*opts,
                &mut *out,
                &mut *bytes,
            )
        };
        // `out` is written once: filled with the packet (`fill_packet` clears it in place
        // and sets the fields), or cleared on every other outcome; building the struct aside
        // and copying it in cost more than the parse.
        let opts = match parse_options(opts) {
            Ok(o) => o,
            Err(s) => {
                *out = mqtt_packet::default();
                *bytes = 0;
                return s;
            }
        };
        match codec::parse(data, &opts) {
            Ok(Status::Complete((packet, used))) => {
                let level = match (&packet, opts.version) {
                    (Packet::Connect(c), _) => c.protocol_version.level(),
                    (_, Some(v)) => v.level(),
                    (_, None) => 0,
                };
                fill_packet(&packet, level, &mut Wire, out);
                *bytes = used;
                MQTT_OK
            }
            Ok(Status::Partial(n)) => {
                *out = mqtt_packet::default();
                *bytes = n;
                MQTT_NEED_MORE
            }
            Err(e) => {
                *out = mqtt_packet::default();
                *bytes = 0;
                status::of_decode(&e)
            }
        }
    })
}

/// A streaming decoder: feed it bytes in any chunks, take whole packets. Opaque; create with
/// `mqtt_decoder_new()`, free with `mqtt_decoder_free()`. It allocates (its buffer grows to
/// the largest packet, at most the maximum packet size). Not thread-safe: use one handle from
/// one thread at a time.
pub struct mqtt_decoder {
    decoder: Decoder,
    packet: Option<Packet>,
    arena: Arena,
}

/// Creates a streaming decoder for `opts` (version, receiving side and maximum packet size;
/// `MQTT_VERSION_UNKNOWN` learns the version from the first packet, which must be a CONNECT).
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
        let opts = match parse_options(unsafe { &*opts }) {
            Ok(o) => o,
            Err(s) => return s,
        };
        let decoder = Decoder::new(DecoderConfig {
            version: opts.version,
            role: opts.receiver,
            max_packet_size: opts.max_packet_size,
        });
        let handle = Box::new(mqtt_decoder {
            decoder,
            packet: None,
            arena: Arena::default(),
        });
        // SAFETY: as above.
        unsafe { out.write(Box::into_raw(handle)) };
        MQTT_OK
    })
}

/// Appends received bytes (copied into the decoder). Returns `MQTT_ERR_DECODER_FAILED` once
/// the decoder has failed (the bytes are ignored). Feeding does not invalidate the views of
/// the last packet.
///
/// ```c
/// ssize_t n = recv(fd, chunk, sizeof chunk, 0);
/// if (n > 0) mqtt_decoder_feed(d, chunk, (size_t)n);
/// ```
///
/// # Safety
/// `decoder` must be NULL or from `mqtt_decoder_new()` and not freed; `data` NULL or
/// readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn mqtt_decoder_feed(
    decoder: *mut mqtt_decoder,
    data: *const u8,
    len: usize,
) -> mqtt_status {
    guard(|| {
        if decoder.is_null() || data.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: non-NULL; a live handle and `len` readable bytes by the caller's contract.
        let (d, data) = unsafe { (&mut *decoder, slice::from_raw_parts(data, len)) };
        if d.decoder.error().is_some() {
            return MQTT_ERR_DECODER_FAILED;
        }
        d.decoder.feed(data);
        MQTT_OK
    })
}

/// Takes the next complete packet: `MQTT_OK` with it in `*out`, `MQTT_NEED_MORE` when no
/// whole packet is buffered, or a decode error (the decoder is then failed: close the
/// connection; later calls return `MQTT_ERR_DECODER_FAILED`).
///
/// The views and lists in `*out` point into the decoder and stay valid until the next
/// `mqtt_decoder_next()` or `mqtt_decoder_free()` on this handle.
///
/// ```c
/// mqtt_packet p;
/// mqtt_status st;
/// while ((st = mqtt_decoder_next(d, &p)) == MQTT_OK) handle(&p);
/// if (st != MQTT_NEED_MORE) close_connection(mqtt_decode_error_reason_code(st));
/// ```
///
/// # Safety
/// `decoder` must be NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_decoder_next(
    decoder: *mut mqtt_decoder,
    out: *mut mqtt_packet,
) -> mqtt_status {
    guard(|| {
        if decoder.is_null() || out.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: non-NULL; a live handle and a writable packet by the caller's contract.
        let (d, out) = unsafe { (&mut *decoder, &mut *out) };
        d.packet = None;
        // `out` is written once: filled with the packet, or cleared.
        match d.decoder.next_packet() {
            Ok(Some(packet)) => {
                let level = d.decoder.protocol_version().map_or(0, |v| v.level());
                fill_packet(&packet, level, &mut d.arena, out);
                // Moving the packet keeps its `Bytes` (and so the views) where they are.
                d.packet = Some(packet);
                MQTT_OK
            }
            Ok(None) => {
                *out = mqtt_packet::default();
                MQTT_NEED_MORE
            }
            Err(e) => {
                *out = mqtt_packet::default();
                status::of_decode(&e)
            }
        }
    })
}

/// The error that failed the decoder, or `MQTT_OK` while it has not failed.
///
/// ```c
/// mqtt_status why = mqtt_decoder_error(d);
/// ```
///
/// # Safety
/// `decoder` must be NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mqtt_decoder_error(decoder: *const mqtt_decoder) -> mqtt_status {
    guard(|| {
        if decoder.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: non-NULL and a live handle by the caller's contract.
        let d = unsafe { &*decoder };
        d.decoder.error().map_or(MQTT_OK, status::of_decode)
    })
}

/// The protocol level of the connection (`MQTT_V3_1`, `MQTT_V3_1_1`, `MQTT_V5`): given at
/// creation or learned from the CONNECT; 0 while unknown or for a NULL handle.
///
/// ```c
/// if (mqtt_decoder_version(d) == MQTT_V5) use_v5_features();
/// ```
///
/// # Safety
/// `decoder` must be NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mqtt_decoder_version(decoder: *const mqtt_decoder) -> u8 {
    crate::guard_or(0, || {
        if decoder.is_null() {
            return 0;
        }
        // SAFETY: non-NULL and a live handle by the caller's contract.
        let d = unsafe { &*decoder };
        d.decoder.protocol_version().map_or(0, |v| v.level())
    })
}

/// Changes the maximum packet size (header included), for example after a 5.0 CONNACK
/// negotiated one; 0 means `MQTT_MAX_PACKET_SIZE`.
///
/// ```c
/// mqtt_decoder_set_max_packet_size(d, 4096);
/// ```
///
/// # Safety
/// `decoder` must be NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mqtt_decoder_set_max_packet_size(
    decoder: *mut mqtt_decoder,
    max_packet_size: usize,
) -> mqtt_status {
    guard(|| {
        if decoder.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: non-NULL and a live handle by the caller's contract.
        let d = unsafe { &mut *decoder };
        d.decoder.set_max_packet_size(match max_packet_size {
            0 => MQTT_MAX_PACKET_SIZE,
            n => n,
        });
        MQTT_OK
    })
}

/// Frees a decoder and everything it holds (the views of its last packet end here). NULL is
/// ignored.
///
/// ```c
/// mqtt_decoder_free(d);
/// d = NULL;
/// ```
///
/// # Safety
/// `decoder` must be NULL or a live handle from `mqtt_decoder_new()`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn mqtt_decoder_free(decoder: *mut mqtt_decoder) {
    crate::guard_or((), || {
        if decoder.is_null() {
            return;
        }
        // SAFETY: made by Box::into_raw in mqtt_decoder_new and, by the caller's contract,
        // freed only once.
        drop(unsafe { Box::from_raw(decoder) });
    })
}
