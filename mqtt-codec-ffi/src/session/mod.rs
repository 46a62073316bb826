//! The client session over the C ABI (feature `session`, hosts with a heap): the core's
//! sans-IO MQTT client state machine (`codec::client::Session`) behind an opaque
//! [`mqtt_session`] pointer.
//!
//! The caller owns the socket and the clock. Commands (`connect`, `publish`, `subscribe`,
//! `unsubscribe`, `ack`, `disconnect`), received bytes (`mqtt_session_receive`), the time
//! (`mqtt_session_handle_timeout`) and "the connection was lost" go in; bytes to write
//! (`mqtt_session_data_to_send`), events (`mqtt_session_poll_event`) and the next deadline
//! (`mqtt_session_next_timeout`) come out. Time is a `uint32_t` millisecond tick that may
//! wrap ([`clock`]).

mod auth;
mod config;
mod event;
mod outbox;

pub use auth::*;
pub use config::*;

use crate::c_args::{bytes, put};
use crate::clock::Clock;
use crate::convert::{build_packet, Scratch};
use crate::session_event::mqtt_session_event;
use crate::status::{self, mqtt_status, mqtt_status::*};
use crate::types::*;
use crate::{guard, guard_or};
use alloc::boxed::Box;
use alloc::vec::Vec;
use codec::client::Session;
use codec::{Packet, PacketId, ProtocolVersion};
use core::ptr;
use event::EventSlot;
use outbox::Outbox;

/// A client session: the MQTT protocol state of one client (packet identifiers, the QoS 1
/// and 2 flows both ways and their resending after a reconnect, keep alive, topic aliases,
/// flow control), with no socket and no clock of its own.
///
/// Made by `mqtt_session_new()` or `mqtt_session_from_snapshot()`, ended by
/// `mqtt_session_free()`. Opaque: only a pointer to it is handed out. Not thread-safe: use
/// one session from one thread at a time (different sessions are independent).
///
/// Every function taking a session takes `now`, the caller's millisecond tick (a
/// `uint32_t` that may wrap, as firmware timers and `clock_gettime()` truncated give): the
/// session keeps a 64-bit clock by adding the wrapped difference from the tick before, so a
/// tick must be passed at least once every 2^31 ms (24.8 days); a tick older than the last
/// one moves nothing.
///
/// The loop of a client:
///
/// ```c
/// mqtt_session_config cfg = mqtt_session_config_default();
/// mqtt_status st;
/// mqtt_session *s = mqtt_session_new(&cfg, &st);
/// mqtt_session_connect(s, tick());
/// for (;;) {
///     uint8_t out[1024], in[1024];
///     size_t n;
///     uint32_t wait;
///     mqtt_session_event ev;
///     do {
///         st = mqtt_session_data_to_send(s, out, sizeof out, &n);
///         write_all(fd, out, n);
///     } while (st == MQTT_MORE_TO_SEND);
///     if (mqtt_session_next_timeout(s, tick(), NULL, &wait) != MQTT_OK) wait = 1000;
///     if (wait_readable(fd, wait)) {
///         ssize_t got = recv(fd, in, sizeof in, 0);
///         if (got <= 0) mqtt_session_connection_lost(s, tick());
///         else mqtt_session_receive(s, in, (size_t)got, tick());
///     }
///     mqtt_session_handle_timeout(s, tick());
///     while (mqtt_session_poll_event(s, &ev) == MQTT_OK) handle(&ev);
/// }
/// ```
pub struct mqtt_session {
    magic: u64,
    session: Session,
    clock: Clock,
    outbox: Outbox,
    event: EventSlot,
}

/// Set in a live session.
const MAGIC: u64 = 0x6d71_7474_7365_7331;

// The C tests pass a pointer to 8 KiB of zeroes for a session, and expect it refused by its
// magic word: the word must lie within them.
const _: () = assert!(core::mem::size_of::<mqtt_session>() <= 8192);

/// The live session behind `s`, or the status to return.
///
/// # Safety
/// `s` must be NULL or a session from `mqtt_session_new()` or
/// `mqtt_session_from_snapshot()` not yet freed, used through no other reference meanwhile.
unsafe fn live<'s>(s: *mut mqtt_session) -> Result<&'s mut mqtt_session, mqtt_status> {
    if s.is_null() {
        return Err(MQTT_ERR_NULL_POINTER);
    }
    // SAFETY: the magic word is read through the raw pointer before any reference is
    // made, so that a pointer to something else (readable, by the caller's contract) is
    // refused rather than used.
    if unsafe { ptr::addr_of!((*s).magic).read() } != MAGIC {
        return Err(MQTT_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: non-NULL with its magic word set: a live boxed session (the word is set only
    // by `boxed` and cleared by `mqtt_session_free`), used through no other reference.
    Ok(unsafe { &mut *s })
}

/// As [`live`], to read.
///
/// # Safety
/// As [`live`], but only read meanwhile.
unsafe fn live_ref<'s>(s: *const mqtt_session) -> Result<&'s mqtt_session, mqtt_status> {
    if s.is_null() {
        return Err(MQTT_ERR_NULL_POINTER);
    }
    // SAFETY: as in `live`.
    if unsafe { ptr::addr_of!((*s).magic).read() } != MAGIC {
        return Err(MQTT_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: as in `live`; only read meanwhile.
    Ok(unsafe { &*s })
}

/// Runs `f` on the live session `h` (from [`live`]), under the ABI's panic guard.
fn with(
    h: Result<&mut mqtt_session, mqtt_status>,
    f: impl FnOnce(&mut mqtt_session) -> Result<mqtt_status, mqtt_status>,
) -> mqtt_status {
    guard(|| match h {
        Ok(h) => f(h).unwrap_or_else(|e| e),
        Err(e) => e,
    })
}

fn boxed(session: Session) -> *mut mqtt_session {
    Box::into_raw(Box::new(mqtt_session {
        magic: MAGIC,
        session,
        clock: Clock::default(),
        outbox: Outbox::default(),
        event: EventSlot::default(),
    }))
}

/// Creates a session with the settings in `*cfg` (copied: its views need not outlive the
/// call), not connected yet. Returns NULL on error, with the reason in `*status` (which may
/// be NULL): `MQTT_ERR_NULL_POINTER`, `MQTT_ERR_INVALID_ARGUMENT` (an unknown version), or
/// the rule the CONNECT it would send breaks (`MQTT_ERR_INVALID_STRING`,
/// `MQTT_ERR_PASSWORD_WITHOUT_USERNAME`, `MQTT_ERR_NOT_REPRESENTABLE` for will properties
/// before 5.0, ...). Free it with `mqtt_session_free()`.
///
/// ```c
/// mqtt_session_config cfg = mqtt_session_config_default();
/// mqtt_status st;
/// cfg.client_id.ptr = (const uint8_t *)"sensor-1";
/// cfg.client_id.len = 8;
/// mqtt_session *s = mqtt_session_new(&cfg, &st);
/// if (s == NULL) fprintf(stderr, "%s\n", mqtt_status_str(st));
/// ```
///
/// # Safety
/// `cfg` must be NULL or readable, with every view in it valid; `status` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_new(
    cfg: *const mqtt_session_config,
    status: *mut mqtt_status,
) -> *mut mqtt_session {
    let (s, st) = guard_or((ptr::null_mut(), MQTT_ERR_INTERNAL), || {
        if cfg.is_null() {
            return (ptr::null_mut(), MQTT_ERR_NULL_POINTER);
        }
        // SAFETY: non-NULL; readable with valid views by the caller's contract.
        match unsafe { config::session_config(&*cfg) } {
            Ok(c) => (boxed(Session::new(c)), MQTT_OK),
            Err(e) => (ptr::null_mut(), e),
        }
    });
    // SAFETY: NULL or writable by the caller's contract.
    unsafe { put(status, st) };
    s
}

/// Ends a session and frees it, with the views of its last event. NULL is ignored; a
/// session must not be used (or freed) again afterwards.
///
/// ```c
/// mqtt_session_free(s);
/// s = NULL;
/// ```
///
/// # Safety
/// `s` must be NULL or a session from `mqtt_session_new()` or `mqtt_session_from_snapshot()`
/// not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_free(s: *mut mqtt_session) {
    guard_or((), || {
        // SAFETY: the caller's contract.
        let Ok(h) = (unsafe { live(s) }) else {
            return;
        };
        h.magic = 0;
        // SAFETY: a live session was made by Box::into_raw in `boxed`, and is freed once
        // (the caller's contract).
        drop(unsafe { Box::from_raw(s) });
    })
}

/// Starts a connection: queues CONNECT (take it with `mqtt_session_data_to_send()` once the
/// socket is open). The first one starts as the configuration says; a reconnect resumes the
/// session when the server may hold one. Bytes of an earlier connection not yet taken are
/// dropped. Fails with `MQTT_ERR_SESSION_ALREADY_CONNECTED` while connected or connecting
/// (call `mqtt_session_connection_lost()` first), `MQTT_ERR_SESSION_AUTH_NOT_READY` when
/// SCRAM has no fresh nonce (`mqtt_session_set_scram()`).
///
/// ```c
/// if (mqtt_session_connect(s, tick()) != MQTT_OK) abort();
/// ```
///
/// # Safety
/// `s` must be NULL or a live session.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_connect(s: *mut mqtt_session, now: u32) -> mqtt_status {
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        let now = h.clock.advance(now);
        // What the session still held goes to the outbox, so that only the new CONNECT
        // is left in the session when it is accepted.
        h.outbox.absorb(&mut h.session);
        match h.session.connect(now) {
            Ok(()) => {
                h.outbox.clear();
                Ok(MQTT_OK)
            }
            Err(e) => Err(status::of_session(&e)),
        }
    })
}

/// Publishes the PUBLISH in `*packet` (type `MQTT_PACKET_PUBLISH`: topic, payload, qos,
/// retain and 5.0 properties; the session sets the packet identifier and DUP, and manages
/// topic aliases itself, so those fields are ignored).
fn publish_packet(h: &mut mqtt_session, p: &mqtt_packet, now: u32) -> Result<u16, mqtt_status> {
    if p.packet_type != MQTT_PACKET_PUBLISH {
        return Err(MQTT_ERR_INVALID_ARGUMENT);
    }
    if p.topic.len == 0 {
        return Err(MQTT_ERR_TOPIC_EMPTY);
    }
    let version = h.session.config().version;
    let mut c = *p;
    c.dup = false;
    c.packet_id = u16::from(c.qos != 0);
    c.properties.has_topic_alias = false;
    c.properties.topic_alias = 0;
    // Every rule now, rather than when a queued message goes out.
    // SAFETY: the views are valid for this call by the caller's contract (of the extern
    // functions calling this one).
    let Packet::Publish(publish) = (unsafe { checked_owned(&c, version) })? else {
        return Err(MQTT_ERR_INTERNAL);
    };
    let now = h.clock.advance(now);
    match h.session.publish_packet(publish, now) {
        Ok(id) => Ok(id.map_or(0, PacketId::get)),
        Err(e) => Err(status::of_session(&e)),
    }
}

/// Publishes `payload` to `topic` at `qos` (0 to 2), retained or not. QoS 0 needs a
/// connection (`MQTT_ERR_SESSION_NOT_CONNECTED` otherwise) and gives packet identifier 0;
/// QoS 1 and 2 get their identifier at once in `*packet_id` (NULL if not wanted) and are
/// sent when the connection and the in-flight window allow, or wait in the queue (across
/// reconnects) until then; their end is reported as `MQTT_SESSION_EVENT_PUBLISHED` or
/// `MQTT_SESSION_EVENT_PUBLISH_FAILED` with that identifier. The topic and payload are
/// copied. Nothing is queued on an error, and `*packet_id` is 0.
///
/// ```c
/// uint16_t id;
/// mqtt_session_publish(s, (const uint8_t *)"PV/sunshine", 11, (const uint8_t *)"42", 2,
///                      1, false, tick(), &id);
/// ```
///
/// # Safety
/// `s` must be NULL or a live session; `topic` NULL or readable for `topic_len` bytes;
/// `payload` NULL (with `payload_len` 0) or readable for `payload_len` bytes; `packet_id`
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_publish(
    s: *mut mqtt_session,
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
        // SAFETY: readable for their lengths by the caller's contract; only viewed for
        // this call (the session copies them).
        let (topic, payload) = unsafe { (bytes(topic, topic_len)?, bytes(payload, payload_len)?) };
        let p = mqtt_packet {
            packet_type: MQTT_PACKET_PUBLISH,
            qos,
            retain,
            topic: mqtt_bytes::of(topic),
            payload: mqtt_bytes::of(payload),
            ..mqtt_packet::default()
        };
        let id = publish_packet(h, &p, now)?;
        // SAFETY: as above.
        unsafe { put(packet_id, id) };
        Ok(MQTT_OK)
    })
}

/// Publishes a PUBLISH the caller filled (`mqtt_packet_init(&p, MQTT_PACKET_PUBLISH)`), for
/// 5.0 properties (Message Expiry Interval, Response Topic, User Properties, ...): as
/// `mqtt_session_publish()`, with the packet's `topic`, `payload`, `qos`, `retain` and
/// `properties`; its `packet_id`, `dup` and Topic Alias are the session's to set. Everything
/// is copied.
///
/// ```c
/// mqtt_packet p;
/// mqtt_packet_init(&p, MQTT_PACKET_PUBLISH);
/// p.topic = topic; p.payload = payload; p.qos = 1;
/// p.properties.has_message_expiry_interval = true;
/// p.properties.message_expiry_interval = 60;
/// mqtt_session_publish_packet(s, &p, tick(), &id);
/// ```
///
/// # Safety
/// `s` must be NULL or a live session; `packet` NULL or readable, with every view and list
/// in it valid; `packet_id` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_publish_packet(
    s: *mut mqtt_session,
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
        // SAFETY: non-NULL and readable with valid views by the caller's contract.
        let id = publish_packet(h, unsafe { &*packet }, now)?;
        // SAFETY: as above.
        unsafe { put(packet_id, id) };
        Ok(MQTT_OK)
    })
}

/// The request `p` describes, checked as the packet it would encode to under `version`
/// (every rule the encoder checks), and copied into an owned packet.
///
/// # Safety
/// Every view and list in `p` must be valid for the call.
unsafe fn checked_owned(p: &mqtt_packet, version: ProtocolVersion) -> Result<Packet, mqtt_status> {
    let mut scratch = Scratch::default();
    // SAFETY: the views and lists are valid for the call by this function's contract; the
    // owned copy is made before it returns.
    let packet = unsafe { build_packet(p, version, &mut scratch) }?;
    packet
        .encoded_len(version)
        .map_err(|e| status::of_encode(&e))?;
    Ok(packet.to_owned())
}

/// Subscribes to the `count` filters in `subs` (filter, QoS and 5.0 options each); the
/// SUBSCRIBE's identifier goes to `*packet_id` (NULL if not wanted), which
/// `MQTT_SESSION_EVENT_SUBSCRIBED` carries with one reason code per filter (0 on an error,
/// when nothing is sent). Needs a connection. Everything is copied.
///
/// ```c
/// mqtt_subscription sub = {{(const uint8_t *)"PV/#", 4}, 2, false, false, 0};
/// uint16_t id;
/// mqtt_session_subscribe(s, &sub, 1, tick(), &id);
/// ```
///
/// # Safety
/// `s` must be NULL or a live session; `subs` NULL or readable for `count` elements, with
/// every view in them valid; `packet_id` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_subscribe(
    s: *mut mqtt_session,
    subs: *const mqtt_subscription,
    count: usize,
    now: u32,
    packet_id: *mut u16,
) -> mqtt_status {
    // SAFETY: NULL or writable by the caller's contract.
    unsafe { put(packet_id, 0) };
    // NULL with 0 is an empty list (refused as one below).
    if subs.is_null() && count != 0 {
        return MQTT_ERR_NULL_POINTER;
    }
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        let version = h.session.config().version;
        // Checked as the SUBSCRIBE it makes (the session gives the real identifier).
        let p = mqtt_packet {
            packet_type: MQTT_PACKET_SUBSCRIBE,
            packet_id: 1,
            subscriptions: crate::mqtt_list_of_subscriptions(subs, count),
            ..mqtt_packet::default()
        };
        // SAFETY: `count` readable elements with valid views by the caller's contract.
        let Packet::Subscribe(subscribe) = (unsafe { checked_owned(&p, version) })? else {
            return Err(MQTT_ERR_INTERNAL);
        };
        let now = h.clock.advance(now);
        let id = h
            .session
            .subscribe(subscribe.subscriptions, now)
            .map_err(|e| status::of_session(&e))?;
        // SAFETY: as above.
        unsafe { put(packet_id, id.get()) };
        Ok(MQTT_OK)
    })
}

/// Unsubscribes from the `count` topic filters in `filters`; the UNSUBSCRIBE's identifier
/// goes to `*packet_id` (NULL if not wanted), which `MQTT_SESSION_EVENT_UNSUBSCRIBED`
/// carries (0 on an error, when nothing is sent). Needs a connection. Everything is copied.
///
/// ```c
/// mqtt_bytes f = {(const uint8_t *)"PV/#", 4};
/// mqtt_session_unsubscribe(s, &f, 1, tick(), NULL);
/// ```
///
/// # Safety
/// `s` must be NULL or a live session; `filters` NULL or readable for `count` elements,
/// with every view in them valid; `packet_id` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_unsubscribe(
    s: *mut mqtt_session,
    filters: *const mqtt_bytes,
    count: usize,
    now: u32,
    packet_id: *mut u16,
) -> mqtt_status {
    // SAFETY: NULL or writable by the caller's contract.
    unsafe { put(packet_id, 0) };
    // NULL with 0 is an empty list (refused as one below).
    if filters.is_null() && count != 0 {
        return MQTT_ERR_NULL_POINTER;
    }
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        let version = h.session.config().version;
        let p = mqtt_packet {
            packet_type: MQTT_PACKET_UNSUBSCRIBE,
            packet_id: 1,
            topic_filters: crate::mqtt_list_of_topic_filters(filters, count),
            ..mqtt_packet::default()
        };
        // SAFETY: `count` readable elements with valid views by the caller's contract.
        let Packet::Unsubscribe(unsubscribe) = (unsafe { checked_owned(&p, version) })? else {
            return Err(MQTT_ERR_INTERNAL);
        };
        let now = h.clock.advance(now);
        let id = h
            .session
            .unsubscribe(unsubscribe.filters, now)
            .map_err(|e| status::of_session(&e))?;
        // SAFETY: as above.
        unsafe { put(packet_id, id.get()) };
        Ok(MQTT_OK)
    })
}

/// Acknowledges a received QoS 1 or 2 message, by the `ack_id` of its
/// `MQTT_SESSION_EVENT_MESSAGE` (with `auto_ack` off). The acknowledgements go out in the
/// order the messages came: one given early waits for those before it.
/// `MQTT_ERR_SESSION_UNKNOWN_PACKET_ID` when no message waits for this one.
///
/// ```c
/// if (ev.kind == MQTT_SESSION_EVENT_MESSAGE && ev.ack_id && stored(&ev))
///     mqtt_session_ack(s, ev.ack_id, tick());
/// ```
///
/// # Safety
/// `s` must be NULL or a live session.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_ack(
    s: *mut mqtt_session,
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

/// Ends the connection normally: queues DISCONNECT (no will is published); write it, then
/// close the socket. `MQTT_SESSION_EVENT_DISCONNECTED` follows. What is in flight is kept
/// for the next `mqtt_session_connect()`. `MQTT_ERR_SESSION_NOT_CONNECTED` when there is no
/// connection (nor a CONNECT sent).
///
/// ```c
/// mqtt_session_disconnect(s, tick());
/// do {
///     st = mqtt_session_data_to_send(s, out, sizeof out, &n);
///     write_all(fd, out, n); // the last bytes come with MQTT_OK
/// } while (st == MQTT_MORE_TO_SEND);
/// close(fd);
/// ```
///
/// # Safety
/// `s` must be NULL or a live session.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_disconnect(s: *mut mqtt_session, now: u32) -> mqtt_status {
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

/// The connection was lost (the socket closed or failed, or the caller closed it): bytes
/// not yet written are dropped, and `MQTT_SESSION_EVENT_DISCONNECTED` follows if it was
/// open. What is in flight stays, to be resent after the next `mqtt_session_connect()` if
/// the server resumes the session.
///
/// ```c
/// if (recv(fd, in, sizeof in, 0) <= 0) mqtt_session_connection_lost(s, tick());
/// ```
///
/// # Safety
/// `s` must be NULL or a live session.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_connection_lost(
    s: *mut mqtt_session,
    now: u32,
) -> mqtt_status {
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        let now = h.clock.advance(now);
        h.session.connection_lost(now);
        h.outbox.clear();
        Ok(MQTT_OK)
    })
}

/// Bytes arrived from the server, in any chunks. They are handled at once: events and
/// answers (acknowledgements, PUBRELs, ...) follow. A server that breaks a rule is answered
/// (5.0: DISCONNECT with the reason code) and `MQTT_SESSION_EVENT_DISCONNECTED` says so;
/// the return value is `MQTT_OK` either way. Bytes while no connection is open are ignored.
///
/// ```c
/// ssize_t n = recv(fd, in, sizeof in, 0);
/// if (n > 0) mqtt_session_receive(s, in, (size_t)n, tick());
/// ```
///
/// # Safety
/// `s` must be NULL or a live session; `data` NULL or readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_receive(
    s: *mut mqtt_session,
    data: *const u8,
    len: usize,
    now: u32,
) -> mqtt_status {
    // NULL with 0 is nothing received.
    if data.is_null() && len != 0 {
        return MQTT_ERR_NULL_POINTER;
    }
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        // SAFETY: readable for `len` bytes by the caller's contract, for this call.
        let data = unsafe { bytes(data, len) }?;
        let now = h.clock.advance(now);
        h.session.receive(data, now);
        Ok(MQTT_OK)
    })
}

/// Time has passed: sends PINGREQ when nothing went out, or nothing came in, for the keep
/// alive, and reports the connection lost (`MQTT_SESSION_EVENT_DISCONNECTED` without a
/// reason) when no PINGRESP came within another keep alive, or no CONNACK in time. Call it at the deadline
/// `mqtt_session_next_timeout()` gives (calling it earlier or more often is harmless).
///
/// ```c
/// mqtt_session_handle_timeout(s, tick());
/// ```
///
/// # Safety
/// `s` must be NULL or a live session.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_handle_timeout(
    s: *mut mqtt_session,
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

/// When `mqtt_session_handle_timeout()` must be called next: `MQTT_OK` with the tick of the
/// deadline in `*deadline` and the milliseconds from `now` to it in `*wait_ms` (0 when it
/// has passed; counted from the latest tick given when `now` is older), or `MQTT_END` when
/// there is none (no connection, or no keep alive), both then set to 0. Either out pointer
/// may be NULL. A deadline is at most 65535 s away, so its tick is never ambiguous.
///
/// ```c
/// uint32_t wait;
/// int timeout_ms = mqtt_session_next_timeout(s, tick(), NULL, &wait) == MQTT_OK ? (int)wait : -1;
/// poll(&pfd, 1, timeout_ms);
/// ```
///
/// # Safety
/// `s` must be NULL or a live session; `deadline` and `wait_ms` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_next_timeout(
    s: *mut mqtt_session,
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

/// Copies the bytes to write to the connection into `buf`, as many as its `cap` bytes
/// hold, in order; `*written` says how many. Returns `MQTT_OK` when nothing more waits
/// (`*written` may be 0), or `MQTT_MORE_TO_SEND` when the rest waits for the next call.
/// Bytes copied out are the caller's to write: the session does not see the socket, so
/// keep what a short `send()` left and write it first.
///
/// ```c
/// uint8_t out[512];
/// size_t n;
/// mqtt_status st;
/// do {
///     st = mqtt_session_data_to_send(s, out, sizeof out, &n);
///     write_all(fd, out, n);
/// } while (st == MQTT_MORE_TO_SEND);
/// ```
///
/// # Safety
/// `s` must be NULL or a live session; `buf` NULL or writable for `cap` bytes; `written`
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_data_to_send(
    s: *mut mqtt_session,
    buf: *mut u8,
    cap: usize,
    written: *mut usize,
) -> mqtt_status {
    if written.is_null() {
        return MQTT_ERR_NULL_POINTER;
    }
    // SAFETY: non-NULL and writable by the caller's contract.
    unsafe { written.write(0) };
    // SAFETY: NULL (with 0: no room) or writable for `cap` bytes by the caller's contract,
    // for this call.
    let out = match unsafe { crate::c_args::bytes_mut(buf, cap) } {
        Ok(out) => out,
        Err(e) => return e,
    };
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        let (n, more) = h.outbox.copy_out(&mut h.session, out);
        // SAFETY: as above.
        unsafe { written.write(n) };
        Ok(if more { MQTT_MORE_TO_SEND } else { MQTT_OK })
    })
}

/// The next event, in the order they happened: `MQTT_OK` with it in `*out`, or `MQTT_END`
/// when none waits (`*out` cleared, kind `MQTT_SESSION_EVENT_NONE`). Its views and lists
/// stay valid until the next `mqtt_session_poll_event()` or `mqtt_session_free()`.
///
/// ```c
/// mqtt_session_event ev;
/// while (mqtt_session_poll_event(s, &ev) == MQTT_OK)
///     if (ev.kind == MQTT_SESSION_EVENT_MESSAGE)
///         printf("%.*s\n", (int)ev.payload.len, (const char *)ev.payload.ptr);
/// ```
///
/// # Safety
/// `s` must be NULL or a live session; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_poll_event(
    s: *mut mqtt_session,
    out: *mut mqtt_session_event,
) -> mqtt_status {
    if out.is_null() {
        return MQTT_ERR_NULL_POINTER;
    }
    // SAFETY: non-NULL and writable by the caller's contract (it may be uninitialised:
    // written whole, not assigned).
    unsafe { out.write(mqtt_session_event::default()) };
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        let Some(event) = h.session.poll_event() else {
            h.event.release();
            return Ok(MQTT_END);
        };
        let c = h.event.hold(event);
        // SAFETY: as above.
        unsafe { out.write(c) };
        Ok(MQTT_OK)
    })
}

/// Whether CONNACK accepted the connection and it has not ended; false for NULL.
///
/// ```c
/// if (mqtt_session_is_connected(s)) publish_readings(s);
/// ```
///
/// # Safety
/// `s` must be NULL or a live session.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_is_connected(s: *const mqtt_session) -> bool {
    guard_or(false, || {
        // SAFETY: the caller's contract.
        unsafe { live_ref(s) }.is_ok_and(|h| h.session.is_connected())
    })
}

/// How many QoS 1 and 2 messages of ours are in flight (sent, not completed) and queued
/// behind the window (or waiting for a connection). Either out pointer may be NULL.
///
/// ```c
/// size_t in_flight, queued;
/// mqtt_session_pending(s, &in_flight, &queued);
/// if (in_flight + queued == 0) mqtt_session_disconnect(s, tick());
/// ```
///
/// # Safety
/// `s` must be NULL or a live session; `in_flight` and `queued` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_pending(
    s: *const mqtt_session,
    in_flight: *mut usize,
    queued: *mut usize,
) -> mqtt_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let (f, q) = match unsafe { live_ref(s) } {
            Ok(h) => h.session.pending_publishes(),
            Err(e) => return e,
        };
        // SAFETY: NULL or writable by the caller's contract.
        unsafe {
            put(in_flight, f);
            put(queued, q);
        }
        MQTT_OK
    })
}

/// The session's state as bytes, to keep across a restart (what is in flight and queued,
/// the QoS 2 messages received and not released, the granted subscriptions, the client
/// identifier): restore it with `mqtt_session_from_snapshot()`. With `buf` NULL and `cap`
/// 0, only the size is put in `*len`; with a `cap` too small, `MQTT_ERR_BUFFER_TOO_SMALL`
/// with the size in `*len` and nothing written.
///
/// ```c
/// size_t need;
/// mqtt_session_snapshot(s, NULL, 0, &need);
/// uint8_t *snap = malloc(need);
/// mqtt_session_snapshot(s, snap, need, &need);
/// ```
///
/// # Safety
/// `s` must be NULL or a live session; `buf` NULL or writable for `cap` bytes; `len` NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_snapshot(
    s: *const mqtt_session,
    buf: *mut u8,
    cap: usize,
    len: *mut usize,
) -> mqtt_status {
    guard(|| {
        if len.is_null() || (buf.is_null() && cap != 0) {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { len.write(0) };
        if cap > isize::MAX as usize {
            return MQTT_ERR_INVALID_ARGUMENT;
        }
        // SAFETY: the caller's contract.
        let snapshot: Vec<u8> = match unsafe { live_ref(s) } {
            Ok(h) => h.session.snapshot(),
            Err(e) => return e,
        };
        // SAFETY: as above.
        unsafe { len.write(snapshot.len()) };
        if buf.is_null() {
            return MQTT_OK;
        }
        if cap < snapshot.len() {
            return MQTT_ERR_BUFFER_TOO_SMALL;
        }
        // SAFETY: non-NULL and writable for `cap` bytes (at least the snapshot's length) by
        // the caller's contract; a fresh Vec does not overlap it.
        unsafe { ptr::copy_nonoverlapping(snapshot.as_ptr(), buf, snapshot.len()) };
        MQTT_OK
    })
}

/// A session restored from the bytes of `mqtt_session_snapshot()`, with the settings in
/// `*cfg` (whose version must be the snapshot's; the client identifier is the snapshot's).
/// Call `mqtt_session_connect()` to resume: what was in flight is resent if the server kept
/// the session. Returns NULL on error, with the reason in `*status` (NULL if not wanted):
/// the errors of `mqtt_session_new()` but for the client identifier's (`cfg`'s is not
/// checked), or `MQTT_ERR_SNAPSHOT_*`.
///
/// ```c
/// mqtt_session *s = mqtt_session_from_snapshot(&cfg, snap, snap_len, &st);
/// ```
///
/// # Safety
/// `cfg` must be NULL or readable, with every view in it valid; `data` NULL or readable for
/// `len` bytes; `status` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_from_snapshot(
    cfg: *const mqtt_session_config,
    data: *const u8,
    len: usize,
    status: *mut mqtt_status,
) -> *mut mqtt_session {
    let (s, st) = guard_or((ptr::null_mut(), MQTT_ERR_INTERNAL), || {
        // NULL with 0 is an empty view (refused below as no snapshot).
        if cfg.is_null() || (data.is_null() && len != 0) {
            return (ptr::null_mut(), MQTT_ERR_NULL_POINTER);
        }
        // SAFETY: non-NULL and readable by the caller's contract.
        let given = unsafe { &*cfg };
        // The snapshot's client identifier replaces the configuration's, which is not
        // checked: an empty one with clean start off is no error here.
        let cfg = mqtt_session_config {
            client_id: mqtt_bytes::of(b"snapshot"),
            ..*given
        };
        // SAFETY: views valid by the caller's contract (the identifier is a literal).
        let config = match unsafe { config::session_config(&cfg) } {
            Ok(c) => c,
            Err(e) => return (ptr::null_mut(), e),
        };
        // SAFETY: readable for `len` bytes by the caller's contract, for this call.
        let data = match unsafe { bytes(data, len) } {
            Ok(d) => d,
            Err(e) => return (ptr::null_mut(), e),
        };
        match Session::from_snapshot(config, data) {
            Ok(session) => (boxed(session), MQTT_OK),
            Err(e) => (ptr::null_mut(), status::of_snapshot(&e)),
        }
    });
    // SAFETY: NULL or writable by the caller's contract.
    unsafe { put(status, st) };
    s
}
