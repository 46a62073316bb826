//! The heap-free client session over the C ABI, [`mqtt_fixed_session`]: the core's
//! `FixedSession` in memory the caller gives, for firmware (and any C client that wants no
//! heap). The same protocol state as `mqtt_session`, with every limit the size of a piece
//! of the caller's storage, and the same events (`mqtt_session_event`).
//!
//! The struct is sized in the header so that C can place it anywhere (a static, the stack);
//! its bytes hold a magic word, the clock and the Rust state. The magic word is checked on
//! every call, so a zeroed session gives a status: C must initialise a session before use
//! and never copy one.

mod event;
mod storage;

pub use storage::*;

use crate::c_args::{bytes, put};
use crate::clock::Clock;
use crate::convert::{build_packet, Scratch};
use crate::session_event::mqtt_session_event;
use crate::status::{self, mqtt_status, mqtt_status::*};
use crate::types::*;
use crate::{guard, guard_or};
use codec::client::{FixedSession, SessionError, SnapshotError};
use codec::{Packet, PacketId, QoS, SubscriptionOptions};
use core::mem::{align_of, size_of};
use core::ptr;

/// The size of an [`mqtt_fixed_session`] in 64-bit words.
pub const MQTT_FIXED_SESSION_WORDS: usize = 112;

/// A heap-free client session: the MQTT protocol state of one client (packet identifiers,
/// the QoS 1 and 2 flows both ways and their resending after a reconnect, keep alive, the
/// server's topic aliases, flow control) in memory the caller gives, with no socket and no
/// clock of its own.
///
/// Made by `mqtt_fixed_session_init()` over an `mqtt_fixed_storage`; the fields are private
/// to the library. Zero it before first use (`= {0}`) so that a session used before
/// `mqtt_fixed_session_init()` is refused; never copy it (a copy is refused with
/// `MQTT_ERR_INVALID_ARGUMENT`: it would share the storage). Not thread-safe.
///
/// Time is a `uint32_t` millisecond tick that may wrap (what firmware timers give), passed
/// to every call that needs it, at least once every 2^31 ms.
///
/// The loop of a client:
///
/// ```c
/// mqtt_fixed_session_connect(&s, tick());
/// for (;;) {
///     const uint8_t *out;
///     size_t out_len, got, taken;
///     mqtt_session_event ev;
///     mqtt_fixed_session_transmit(&s, tick(), &out, &out_len);
///     write_all(out, out_len);
///     got = read_some(in, sizeof in); // waits at most until next_timeout
///     for (size_t at = 0; at < got; at += taken) {
///         mqtt_fixed_session_receive(&s, in + at, got - at, tick(), &taken);
///         do { // MQTT_END also means "no room to answer": transmit, then go on
///             while (mqtt_fixed_session_poll_event(&s, tick(), &ev) == MQTT_OK) handle(&ev);
///             mqtt_fixed_session_transmit(&s, tick(), &out, &out_len);
///             write_all(out, out_len);
///         } while (out_len > 0);
///     }
///     mqtt_fixed_session_handle_timeout(&s, tick());
/// }
/// ```
#[repr(C)]
pub struct mqtt_fixed_session {
    /// The session's state; not to be read or written by the caller.
    pub _opaque: [u64; MQTT_FIXED_SESSION_WORDS],
}

/// Set in a live session's first word.
const MAGIC: u64 = 0x6d71_7474_6673_6531;

#[repr(C)]
struct Live {
    magic: u64,
    /// Where `mqtt_fixed_session_init()` put it: a copy of the struct (which C makes with
    /// an assignment) is elsewhere and refused, since it would share the storage.
    at: usize,
    clock: Clock,
    session: FixedSession<'static>,
}

const _: () = assert!(size_of::<Live>() <= size_of::<mqtt_fixed_session>());
const _: () = assert!(align_of::<Live>() <= align_of::<mqtt_fixed_session>());

/// What `init` writes at `s`: the session behind its magic word and address.
fn live_of(s: *mut mqtt_fixed_session, session: FixedSession<'static>) -> Live {
    Live {
        magic: MAGIC,
        at: s as usize,
        clock: Clock::default(),
        session,
    }
}

/// The live session at `s`, or the status to return.
///
/// # Safety
/// `s` must be NULL or point to an `mqtt_fixed_session` (zeroed, or initialised by
/// `mqtt_fixed_session_init()`), used through no other reference meanwhile.
unsafe fn live<'s>(s: *mut mqtt_fixed_session) -> Result<&'s mut Live, mqtt_status> {
    // SAFETY: the caller's contract.
    let live = unsafe { checked(s) }?.cast_mut();
    // SAFETY: `checked` found the whole `Live` that `mqtt_fixed_session_init` wrote there
    // (it fits and is aligned: the asserts above); used through no other reference by the
    // caller's contract.
    Ok(unsafe { &mut *live })
}

/// [`live`] for the functions that only read the session (a `const` pointer in C).
///
/// # Safety
/// As for [`live`], with no reference that writes to it meanwhile.
unsafe fn live_ref<'s>(s: *const mqtt_fixed_session) -> Result<&'s Live, mqtt_status> {
    // SAFETY: the caller's contract.
    let live = unsafe { checked(s) }?;
    // SAFETY: as in `live`, read only.
    Ok(unsafe { &*live })
}

/// The `Live` at `s`, once its marks say `mqtt_fixed_session_init` wrote it there.
///
/// # Safety
/// `s` must be NULL or point to a readable `mqtt_fixed_session`.
unsafe fn checked(s: *const mqtt_fixed_session) -> Result<*const Live, mqtt_status> {
    if s.is_null() {
        return Err(MQTT_ERR_NULL_POINTER);
    }
    let live = s.cast::<Live>();
    // A misplaced session is refused rather than read: unaligned loads fault on a Cortex-M0.
    if !live.is_aligned() {
        return Err(MQTT_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: the first word is read through the raw pointer before any reference is made,
    // so that a session never initialised is refused rather than used.
    if unsafe { ptr::addr_of!((*live).magic).read() } != MAGIC {
        return Err(MQTT_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: as above, the second word, written with the first by init.
    if unsafe { ptr::addr_of!((*live).at).read() } != s as usize {
        return Err(MQTT_ERR_INVALID_ARGUMENT);
    }
    Ok(live)
}

/// Runs `f` on the live session `h` (from [`live`]), under the ABI's panic guard.
fn with(
    h: Result<&mut Live, mqtt_status>,
    f: impl FnOnce(&mut Live) -> Result<mqtt_status, mqtt_status>,
) -> mqtt_status {
    guard(|| match h {
        Ok(h) => f(h).unwrap_or_else(|e| e),
        Err(e) => e,
    })
}

/// Makes a session at `*s` with the settings `*cfg` over the memory `*storage`, not
/// connected yet. Nothing is copied: `cfg`'s views and `storage`'s memory must stay valid,
/// and `storage`'s untouched by the caller, as long as the session is used (statics do).
/// `MQTT_ERR_INVALID_ARGUMENT` for an unknown version or QoS or for storage whose pieces
/// overlap, `MQTT_ERR_INVALID_STRING` for a client identifier, user name or will topic that
/// is not UTF-8; `*s` is left as it was on an error, but `storage`'s memory may have been
/// cleared: a storage belongs to one session, and a live session must not be made again
/// over its own storage. Settings a CONNECT cannot carry (a
/// 3.1.1 password without a user name, ...) are refused by `mqtt_fixed_session_connect()`,
/// with the status that names the rule. A session needs no freeing: stop using it (and its
/// storage) when done.
///
/// ```c
/// static mqtt_fixed_session s;
/// mqtt_fixed_config cfg = mqtt_fixed_config_default();
/// cfg.client_id.ptr = (const uint8_t *)"sensor-1";
/// cfg.client_id.len = 8;
/// if (mqtt_fixed_session_init(&s, &cfg, &st) != MQTT_OK) halt();
/// ```
///
/// # Safety
/// `s` must be NULL or writable for an `mqtt_fixed_session`; `cfg` and `storage` NULL or
/// readable, with the validity above.
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_init(
    s: *mut mqtt_fixed_session,
    cfg: *const mqtt_fixed_config,
    storage: *const mqtt_fixed_storage,
) -> mqtt_status {
    if s.is_null() || cfg.is_null() || storage.is_null() {
        return MQTT_ERR_NULL_POINTER;
    }
    if !s.cast::<Live>().is_aligned() {
        return MQTT_ERR_INVALID_ARGUMENT;
    }
    guard(|| {
        // SAFETY: non-NULL and readable, with views and memory valid for the session's
        // life, by the caller's contract.
        let made = unsafe { storage::fixed_config(&*cfg) }.and_then(|config| {
            // SAFETY: as above.
            let storage = unsafe { storage::fixed_storage(&*storage) }?;
            Ok(FixedSession::new(config, storage))
        });
        match made {
            Ok(session) => {
                // SAFETY: writable for an `mqtt_fixed_session` by the caller's contract,
                // which a `Live` fits with its alignment (the asserts above); written whole.
                unsafe { s.cast::<Live>().write(live_of(s, session)) };
                MQTT_OK
            }
            Err(e) => e,
        }
    })
}

/// Starts a connection: CONNECT goes to the transmit buffer (take it with
/// `mqtt_fixed_session_transmit()` once the socket is open). The first one starts as the
/// configuration says; a reconnect resumes the session when the server may hold one.
/// Nothing of the last connection carries over to this one but the session: the limits its
/// server gave are forgotten until the next CONNACK, and a CONNECT that never left the
/// transmit buffer (the socket failed to open) does not make the next one start clean.
/// `MQTT_ERR_SESSION_ALREADY_CONNECTED` while connected or connecting;
/// `MQTT_ERR_SESSION_STORAGE_TOO_SMALL` when the transmit buffer cannot hold the CONNECT;
/// `MQTT_ERR_SESSION_STORAGE_FULL` when the storage has no incoming record (at least one is
/// needed); `MQTT_ERR_SESSION_OTHER` while the packet the last connection lent (a message,
/// CONNECTED) waits to be polled, or two of its notices (its end, lost subscriptions) do
/// (poll the events first), or when the client identifier, user name or authentication
/// method is not a valid MQTT string.
///
/// # Safety
/// `s` must be NULL or a session (see `mqtt_fixed_session_init()`).
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_connect(
    s: *mut mqtt_fixed_session,
    now: u32,
) -> mqtt_status {
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        let now = h.clock.advance(now);
        match h.session.connect(now) {
            Ok(()) => Ok(MQTT_OK),
            // Events of the last connection wait to be polled.
            Err(SessionError::State(_)) => Err(MQTT_ERR_SESSION_OTHER),
            Err(e) => Err(status::of_session(&e)),
        }
    })
}

/// Publishes `payload` to `topic` at `qos` (0 to 2), retained or not. QoS 0 needs a
/// connection and goes to the transmit buffer at once (identifier 0); QoS 1 and 2 are
/// encoded into the message area, get their identifier in `*packet_id` (NULL if not
/// wanted), and are sent when the connection and the in-flight window allow; their end is
/// reported as `MQTT_SESSION_EVENT_PUBLISHED` or `MQTT_SESSION_EVENT_PUBLISH_FAILED`. The
/// topic and payload are copied. `MQTT_ERR_SESSION_QUEUE_FULL` when every outgoing record
/// is taken, `MQTT_ERR_SESSION_STORAGE_FULL` when the message area has no room; on an error
/// nothing is queued and `*packet_id` is 0.
///
/// ```c
/// uint16_t id;
/// mqtt_fixed_session_publish(&s, (const uint8_t *)"PV/sunshine", 11,
///                            (const uint8_t *)"42", 2, 1, false, tick(), &id);
/// ```
///
/// # Safety
/// `s` must be NULL or a session; `topic` readable for `topic_len` bytes; `payload` NULL
/// (with `payload_len` 0) or readable for `payload_len` bytes; `packet_id` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_publish(
    s: *mut mqtt_fixed_session,
    topic: *const u8,
    topic_len: usize,
    payload: *const u8,
    payload_len: usize,
    qos: u8,
    retain: bool,
    now: u32,
    packet_id: *mut u16,
) -> mqtt_status {
    // SAFETY: NULL or writable by the caller's contract.
    unsafe { put(packet_id, 0) };
    if topic.is_null() {
        return MQTT_ERR_NULL_POINTER;
    }
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        // SAFETY: readable for their lengths for this call (the session copies them).
        let (topic, payload) = unsafe { (bytes(topic, topic_len)?, bytes(payload, payload_len)?) };
        let topic = core::str::from_utf8(topic).map_err(|_| MQTT_ERR_INVALID_STRING)?;
        let qos = QoS::from_bits(qos).ok_or(MQTT_ERR_INVALID_ARGUMENT)?;
        let now = h.clock.advance(now);
        let id = h
            .session
            .publish_message(topic, payload, qos, retain, now)
            .map_err(|e| status::of_session(&e))?;
        // SAFETY: as above.
        unsafe { put(packet_id, id.map_or(0, PacketId::get)) };
        Ok(MQTT_OK)
    })
}

/// Publishes a PUBLISH the caller filled (`mqtt_packet_init(&p, MQTT_PACKET_PUBLISH)`), for
/// 5.0 properties: as `mqtt_fixed_session_publish()` with the packet's `topic`, `payload`,
/// `qos`, `retain` and `properties`; its `packet_id`, `dup` and Topic Alias are the
/// session's to set (it sets no alias), so those fields are ignored. Everything is copied.
///
/// # Safety
/// `s` must be NULL or a session; `packet` NULL or readable, with every view and list in
/// it valid for the call; `packet_id` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_publish_packet(
    s: *mut mqtt_fixed_session,
    packet: *const mqtt_packet,
    now: u32,
    packet_id: *mut u16,
) -> mqtt_status {
    // SAFETY: NULL or writable by the caller's contract.
    unsafe { put(packet_id, 0) };
    if packet.is_null() {
        return MQTT_ERR_NULL_POINTER;
    }
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        // SAFETY: non-NULL and readable by the caller's contract.
        let mut c = unsafe { *packet };
        if c.packet_type != MQTT_PACKET_PUBLISH {
            return Err(MQTT_ERR_INVALID_ARGUMENT);
        }
        c.dup = false;
        c.packet_id = u16::from(c.qos != 0);
        // Topic aliases are not the caller's to set (the session sets none).
        c.properties.has_topic_alias = false;
        c.properties.topic_alias = 0;
        let version = h.session.config().version;
        let mut scratch = Scratch::default();
        // SAFETY: every view and list valid for this call; the session copies the
        // packet into its message area (or the transmit buffer) before returning.
        let Packet::Publish(publish) = (unsafe { build_packet(&c, version, &mut scratch) })? else {
            return Err(MQTT_ERR_INTERNAL);
        };
        let now = h.clock.advance(now);
        let id = h
            .session
            .publish(publish, now)
            .map_err(|e| status::of_session(&e))?;
        // SAFETY: as above.
        unsafe { put(packet_id, id.map_or(0, PacketId::get)) };
        Ok(MQTT_OK)
    })
}

/// Subscribes to the `count` filters in `subs` (filter, QoS and 5.0 options each); the
/// SUBSCRIBE's identifier goes to `*packet_id` (NULL if not wanted), which
/// `MQTT_SESSION_EVENT_SUBSCRIBED` carries with one reason code per filter (0 on an error,
/// when nothing is sent). Needs a connection, a free pending record and room in the
/// transmit buffer.
///
/// ```c
/// mqtt_subscription sub = {{(const uint8_t *)"PV/#", 4}, 1, false, false, 0};
/// mqtt_fixed_session_subscribe(&s, &sub, 1, tick(), NULL);
/// ```
///
/// # Safety
/// `s` must be NULL or a session; `subs` NULL or readable for `count` elements with valid
/// views; `packet_id` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_subscribe(
    s: *mut mqtt_fixed_session,
    subs: *const mqtt_subscription,
    count: usize,
    now: u32,
    packet_id: *mut u16,
) -> mqtt_status {
    let p = mqtt_packet {
        packet_type: MQTT_PACKET_SUBSCRIBE,
        packet_id: 1,
        subscriptions: crate::mqtt_list_of_subscriptions(subs, count),
        ..mqtt_packet::default()
    };
    // SAFETY: the caller's contract.
    unsafe { request(s, subs.is_null(), &p, now, packet_id) }
}

/// Unsubscribes from the `count` topic filters in `filters`; the UNSUBSCRIBE's identifier
/// goes to `*packet_id` (NULL if not wanted), which `MQTT_SESSION_EVENT_UNSUBSCRIBED`
/// carries (0 on an error, when nothing is sent). Needs a connection, a free pending record
/// and room in the transmit buffer.
///
/// # Safety
/// `s` must be NULL or a session; `filters` NULL or readable for `count` elements with
/// valid views; `packet_id` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_unsubscribe(
    s: *mut mqtt_fixed_session,
    filters: *const mqtt_bytes,
    count: usize,
    now: u32,
    packet_id: *mut u16,
) -> mqtt_status {
    let p = mqtt_packet {
        packet_type: MQTT_PACKET_UNSUBSCRIBE,
        packet_id: 1,
        topic_filters: crate::mqtt_list_of_topic_filters(filters, count),
        ..mqtt_packet::default()
    };
    // SAFETY: the caller's contract.
    unsafe { request(s, filters.is_null(), &p, now, packet_id) }
}

/// Sends the SUBSCRIBE or UNSUBSCRIBE `p` under an identifier of the session's.
///
/// # Safety
/// As the callers: `s` NULL or a session, `p`'s lists valid for the call unless `null`,
/// `packet_id` NULL or writable.
unsafe fn request(
    s: *mut mqtt_fixed_session,
    null: bool,
    p: &mqtt_packet,
    now: u32,
    packet_id: *mut u16,
) -> mqtt_status {
    // SAFETY: NULL or writable by the caller's contract.
    unsafe { put(packet_id, 0) };
    if null {
        return MQTT_ERR_NULL_POINTER;
    }
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        let version = h.session.config().version;
        let mut scratch = Scratch::default();
        // SAFETY: the lists are valid for this call; the packet is encoded into the
        // transmit buffer before it returns.
        let packet = unsafe { build_packet(p, version, &mut scratch) }?;
        let now = h.clock.advance(now);
        let id = match packet {
            Packet::Subscribe(sub) => h.session.subscribe_packet(sub, now),
            Packet::Unsubscribe(unsub) => h.session.unsubscribe_packet(unsub, now),
            _ => return Err(MQTT_ERR_INTERNAL),
        }
        .map_err(|e| status::of_session(&e))?;
        // SAFETY: as above.
        unsafe { put(packet_id, id.get()) };
        Ok(MQTT_OK)
    })
}

/// Subscribes to one filter at `qos` (no 5.0 option): the short form of
/// `mqtt_fixed_session_subscribe()`.
///
/// # Safety
/// `s` must be NULL or a session; `filter` readable for `filter_len` bytes; `packet_id`
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_subscribe_one(
    s: *mut mqtt_fixed_session,
    filter: *const u8,
    filter_len: usize,
    qos: u8,
    now: u32,
    packet_id: *mut u16,
) -> mqtt_status {
    // SAFETY: NULL or writable by the caller's contract.
    unsafe { put(packet_id, 0) };
    if filter.is_null() {
        return MQTT_ERR_NULL_POINTER;
    }
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        // SAFETY: readable for `filter_len` bytes for this call.
        let filter = unsafe { bytes(filter, filter_len) }?;
        let filter = core::str::from_utf8(filter).map_err(|_| MQTT_ERR_INVALID_STRING)?;
        let qos = QoS::from_bits(qos).ok_or(MQTT_ERR_INVALID_ARGUMENT)?;
        let now = h.clock.advance(now);
        let id = h
            .session
            .subscribe(filter, SubscriptionOptions::new(qos), now)
            .map_err(|e| status::of_session(&e))?;
        // SAFETY: as above.
        unsafe { put(packet_id, id.get()) };
        Ok(MQTT_OK)
    })
}

/// Acknowledges a received QoS 1 or 2 message by the `ack_id` of its event (with
/// `auto_ack` off); the acknowledgements go out in the order the messages came.
/// `MQTT_ERR_SESSION_UNKNOWN_PACKET_ID` when no message waits for this one.
///
/// # Safety
/// `s` must be NULL or a session.
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_ack(
    s: *mut mqtt_fixed_session,
    packet_id: u16,
    now: u32,
) -> mqtt_status {
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        let id = PacketId::new(packet_id).ok_or(MQTT_ERR_ZERO_PACKET_ID)?;
        let now = h.clock.advance(now);
        h.session.ack(id, now).map_err(|e| status::of_session(&e))?;
        Ok(MQTT_OK)
    })
}

/// Ends the connection normally: DISCONNECT goes to the transmit buffer (no will is
/// published); write it, then close the socket. `MQTT_SESSION_EVENT_DISCONNECTED` follows.
/// What is in flight is kept for the next `mqtt_fixed_session_connect()`.
/// `MQTT_ERR_SESSION_TRANSMIT_FULL` (nothing changed) when the transmit buffer has no room
/// for the DISCONNECT: transmit, then call it again.
///
/// # Safety
/// `s` must be NULL or a session.
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_disconnect(
    s: *mut mqtt_fixed_session,
    now: u32,
) -> mqtt_status {
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        let now = h.clock.advance(now);
        h.session
            .disconnect(now)
            .map_err(|e| status::of_session(&e))?;
        Ok(MQTT_OK)
    })
}

/// The connection was lost (the socket closed or failed): bytes not yet taken are dropped,
/// and `MQTT_SESSION_EVENT_DISCONNECTED` follows if it was open. What is in flight stays,
/// to be resent after the next `mqtt_fixed_session_connect()` if the server resumes the
/// session.
///
/// # Safety
/// `s` must be NULL or a session.
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_connection_lost(
    s: *mut mqtt_fixed_session,
    now: u32,
) -> mqtt_status {
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        let now = h.clock.advance(now);
        h.session.connection_lost(now);
        Ok(MQTT_OK)
    })
}

/// Bytes arrived from the server, in any chunks: as many as the receive buffer takes are
/// copied into it, and `*taken` says how many. Their packets are read by
/// `mqtt_fixed_session_poll_event()`; pass the rest again after polling. Between
/// connections what arrives is dropped (all of it is taken). `taken` is required
/// (`MQTT_ERR_NULL_POINTER` without it): bytes not taken and not passed again would break
/// the stream.
///
/// # Safety
/// `s` must be NULL or a session; `data` NULL (with `len` 0) or readable for `len` bytes;
/// `taken` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_receive(
    s: *mut mqtt_fixed_session,
    data: *const u8,
    len: usize,
    now: u32,
    taken: *mut usize,
) -> mqtt_status {
    if taken.is_null() {
        return MQTT_ERR_NULL_POINTER;
    }
    // SAFETY: writable by the caller's contract.
    unsafe { put(taken, 0) };
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        // SAFETY: readable for `len` bytes for this call.
        let data = unsafe { bytes(data, len) }?;
        let now = h.clock.advance(now);
        let n = h.session.receive(data, now);
        // SAFETY: as above.
        unsafe { put(taken, n) };
        Ok(MQTT_OK)
    })
}

/// The next event: `MQTT_OK` with it in `*out`, or `MQTT_END` when none can be told now (no
/// complete packet buffered, or the transmit buffer has no room for an answer: transmit
/// first). Reads the received packets one at a time and answers them (acknowledgements, ...)
/// into the transmit buffer. The event's views point into the session's buffers: valid
/// until the next call on the session. A server that breaks a rule is answered (5.0:
/// DISCONNECT with the reason code, in the transmit buffer: transmit it before closing the
/// socket) and `MQTT_SESSION_EVENT_DISCONNECTED` says so.
///
/// ```c
/// mqtt_session_event ev;
/// while (mqtt_fixed_session_poll_event(&s, tick(), &ev) == MQTT_OK)
///     if (ev.kind == MQTT_SESSION_EVENT_MESSAGE) show(ev.topic, ev.payload);
/// ```
///
/// # Safety
/// `s` must be NULL or a session; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_poll_event(
    s: *mut mqtt_fixed_session,
    now: u32,
    out: *mut mqtt_session_event,
) -> mqtt_status {
    if out.is_null() {
        return MQTT_ERR_NULL_POINTER;
    }
    // SAFETY: non-NULL and writable by the caller's contract (written whole).
    unsafe { out.write(mqtt_session_event::default()) };
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        let now = h.clock.advance(now);
        let Some(event) = h.session.poll_event(now) else {
            return Ok(MQTT_END);
        };
        // SAFETY: as above.
        unsafe { out.write(event::to_c(&event)) };
        Ok(MQTT_OK)
    })
}

/// The bytes to write to the connection now, all of them, in order: `*data` points into
/// the session's transmit buffer (valid until the next call on the session) and `*len`
/// says how many (0: nothing). Taking them empties the buffer; queued messages and
/// acknowledgements are added as its room allows, so call it after every other call.
///
/// # Safety
/// `s` must be NULL or a session; `data` and `len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_transmit(
    s: *mut mqtt_fixed_session,
    now: u32,
    data: *mut *const u8,
    len: *mut usize,
) -> mqtt_status {
    // SAFETY: NULL or writable by the caller's contract.
    unsafe {
        put(data, ptr::null());
        put(len, 0);
    }
    if data.is_null() || len.is_null() {
        return MQTT_ERR_NULL_POINTER;
    }
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        let now = h.clock.advance(now);
        if let Some(bytes) = h.session.poll_transmit(now) {
            // SAFETY: as above.
            unsafe {
                put(data, bytes.as_ptr());
                put(len, bytes.len());
            }
        }
        Ok(MQTT_OK)
    })
}

/// Time has passed: PINGREQ when nothing went out, or nothing came in, for the keep alive;
/// the connection is reported lost when no PINGRESP came within another keep alive, or no
/// CONNACK in time.
///
/// # Safety
/// `s` must be NULL or a session.
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_handle_timeout(
    s: *mut mqtt_fixed_session,
    now: u32,
) -> mqtt_status {
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        let now = h.clock.advance(now);
        h.session.handle_timeout(now);
        Ok(MQTT_OK)
    })
}

/// When `mqtt_fixed_session_handle_timeout()` must be called next: `MQTT_OK` with the tick
/// of the deadline in `*deadline` and the milliseconds from `now` to it in `*wait_ms` (0
/// when it has passed), or `MQTT_END` when there is none; either out pointer may be NULL.
///
/// # Safety
/// `s` must be NULL or a session; `deadline` and `wait_ms` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_next_timeout(
    s: *mut mqtt_fixed_session,
    now: u32,
    deadline: *mut u32,
    wait_ms: *mut u32,
) -> mqtt_status {
    // SAFETY: NULL or writable by the caller's contract.
    unsafe {
        put(deadline, 0);
        put(wait_ms, 0);
    }
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        let now = h.clock.advance(now);
        let Some(at) = h.session.next_timeout() else {
            return Ok(MQTT_END);
        };
        let wait = u32::try_from(at.saturating_sub(now)).unwrap_or(u32::MAX);
        // SAFETY: as above.
        unsafe {
            put(deadline, Clock::tick_of(at));
            put(wait_ms, wait);
        }
        Ok(MQTT_OK)
    })
}

/// Whether CONNACK accepted the connection and it has not ended; false for NULL or a
/// session never initialised.
///
/// # Safety
/// `s` must be NULL or a session.
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_is_connected(s: *const mqtt_fixed_session) -> bool {
    guard_or(false, || {
        // SAFETY: the caller's contract.
        match unsafe { live_ref(s) } {
            Ok(h) => h.session.is_connected(),
            Err(_) => false,
        }
    })
}

/// How many of our QoS 1 and 2 messages are in flight (`*in_flight`) and queued behind
/// the window (`*queued`); either pointer may be NULL.
///
/// # Safety
/// `s` must be NULL or a session; `in_flight` and `queued` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_pending(
    s: *const mqtt_fixed_session,
    in_flight: *mut usize,
    queued: *mut usize,
) -> mqtt_status {
    // SAFETY: NULL or writable by the caller's contract.
    unsafe {
        put(in_flight, 0);
        put(queued, 0);
    }
    guard(|| {
        // SAFETY: the caller's contract.
        let (f, q) = match unsafe { live_ref(s) } {
            Ok(h) => h.session.pending_publishes(),
            Err(e) => return e,
        };
        // SAFETY: as above.
        unsafe {
            put(in_flight, f);
            put(queued, q);
        }
        MQTT_OK
    })
}

/// The session's state as bytes, to keep across a reboot (what is in flight and queued, the
/// QoS 2 messages received and not released, the client identifier), in the format of
/// `mqtt_session_snapshot()`: restore it with `mqtt_fixed_session_init_from_snapshot()` or
/// `mqtt_session_from_snapshot()`. `*len` gets its size; with `buf` NULL and `cap` 0 only
/// the size, with a `cap` too small `MQTT_ERR_BUFFER_TOO_SMALL` (and the bytes that fitted).
///
/// ```c
/// static uint8_t snap[1024];
/// size_t n;
/// if (mqtt_fixed_session_snapshot(&s, snap, sizeof snap, &n) == MQTT_OK) flash_write(snap, n);
/// ```
///
/// # Safety
/// `s` must be NULL or a session; `buf` NULL (with `cap` 0) or writable for `cap` bytes,
/// none of them the session's storage; `len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_snapshot(
    s: *mut mqtt_fixed_session,
    buf: *mut u8,
    cap: usize,
    len: *mut usize,
) -> mqtt_status {
    if len.is_null() || (buf.is_null() && cap != 0) {
        return MQTT_ERR_NULL_POINTER;
    }
    // SAFETY: non-NULL and writable by the caller's contract.
    unsafe { len.write(0) };
    if cap > isize::MAX as usize {
        return MQTT_ERR_INVALID_ARGUMENT;
    }
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        // SAFETY: NULL (with `cap` 0) or writable for `cap` bytes by the caller's contract,
        // and not the session's storage, so no other reference to them is live.
        let out = unsafe { crate::c_args::bytes_mut(buf, cap) }?;
        let (n, status) = match h.session.snapshot(out) {
            Ok(n) => (n, MQTT_OK),
            Err(SnapshotError::BufferTooSmall { needed }) if buf.is_null() => (needed, MQTT_OK),
            Err(SnapshotError::BufferTooSmall { needed }) => (needed, MQTT_ERR_BUFFER_TOO_SMALL),
            Err(e) => return Err(status::of_snapshot(&e)),
        };
        // SAFETY: as above.
        unsafe { len.write(n) };
        Ok(status)
    })
}

/// As `mqtt_fixed_session_init()`, with the state of a snapshot (of
/// `mqtt_fixed_session_snapshot()` or `mqtt_session_snapshot()`, format 1 to 3) read back
/// into the storage: the configuration's version must be the snapshot's, its client
/// identifier gives way to the snapshot's. Call `mqtt_fixed_session_connect()` to resume.
/// `MQTT_ERR_SNAPSHOT_*` for a snapshot refused, `MQTT_ERR_SESSION_STORAGE_FULL` when the
/// storage cannot hold it; `*s` is left as it was on an error, but `storage`'s memory
/// was cleared and partly filled: a session that used it is gone with it (restore into
/// storage of its own, or make the session again). The snapshot's bytes are copied; they
/// must not lie in `storage` (`MQTT_ERR_INVALID_ARGUMENT`, `storage` untouched): read the
/// snapshot into a buffer of its own.
///
/// # Safety
/// As `mqtt_fixed_session_init()`; `data` NULL (with `len` 0) or readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn mqtt_fixed_session_init_from_snapshot(
    s: *mut mqtt_fixed_session,
    cfg: *const mqtt_fixed_config,
    storage: *const mqtt_fixed_storage,
    data: *const u8,
    len: usize,
) -> mqtt_status {
    if s.is_null() || cfg.is_null() || storage.is_null() {
        return MQTT_ERR_NULL_POINTER;
    }
    if !s.cast::<Live>().is_aligned() {
        return MQTT_ERR_INVALID_ARGUMENT;
    }
    guard(|| {
        // SAFETY: readable for `len` bytes for this call (the session copies what it keeps).
        let bytes = match unsafe { bytes(data, len) } {
            Ok(b) => b,
            Err(e) => return e,
        };
        // SAFETY: non-NULL and readable by the caller's contract.
        if let Err(e) = storage::outside(unsafe { &*storage }, data, len) {
            return e;
        }
        // SAFETY: non-NULL and readable, with views and memory valid for the session's
        // life, by the caller's contract.
        let made = unsafe { storage::fixed_config(&*cfg) }.and_then(|config| {
            // SAFETY: as above.
            let storage = unsafe { storage::fixed_storage(&*storage) }?;
            FixedSession::from_snapshot(config, storage, bytes).map_err(|e| status::of_snapshot(&e))
        });
        match made {
            Ok(session) => {
                // SAFETY: writable for an `mqtt_fixed_session` by the caller's contract,
                // which a `Live` fits with its alignment (the asserts above); written whole.
                unsafe { s.cast::<Live>().write(live_of(s, session)) };
                MQTT_OK
            }
            Err(e) => e,
        }
    })
}
