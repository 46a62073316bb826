//! What C gives a heap-free session: its settings ([`mqtt_fixed_config`]) and its memory
//! ([`mqtt_fixed_storage`]: record arrays of opaque slot types sized in the header, and byte
//! buffers), made into the core's `FixedConfig` and `FixedStorage`.

use crate::c_args::bytes;
use crate::convert::version_of;
use crate::status::{self, mqtt_status, mqtt_status::*};
use crate::types::*;
use codec::client::{
    AliasSlot, FixedConfig, FixedStorage, FixedWill, InSlot, OutSlot, PendingSlot,
};
use codec::{MqttStr, QoS, TopicName};
use core::mem::{align_of, size_of};
use core::slice;

/// A record of one of our QoS 1 or 2 messages (in flight or queued). Opaque: give the
/// session an array of them, as many as messages may wait at once.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mqtt_out_slot {
    /// The record; not to be read or written by the caller.
    pub _opaque: [u32; 6],
}

/// A record of a QoS 1 or 2 message from the server whose flow is not over. Opaque: give
/// the session an array of them, as many as the server may send unacknowledged (the 5.0
/// Receive Maximum advertised).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mqtt_in_slot {
    /// The record; not to be read or written by the caller.
    pub _opaque: [u32; 3],
}

/// A record of a SUBSCRIBE or UNSUBSCRIBE awaiting its answer. Opaque: give the session an
/// array of them, as many as may be outstanding at once.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mqtt_pending_slot {
    /// The record; not to be read or written by the caller.
    pub _opaque: [u32; 3],
}

/// A record of a topic alias the server set (5.0). Opaque: give the session an array of
/// them, as many as the Topic Alias Maximum it advertises (none: no aliases).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mqtt_alias_slot {
    /// The record; not to be read or written by the caller.
    pub _opaque: [u32; 3],
}

const _: () = {
    assert!(size_of::<OutSlot>() == size_of::<mqtt_out_slot>());
    assert!(align_of::<OutSlot>() <= align_of::<mqtt_out_slot>());
    assert!(size_of::<InSlot>() == size_of::<mqtt_in_slot>());
    assert!(align_of::<InSlot>() <= align_of::<mqtt_in_slot>());
    assert!(size_of::<PendingSlot>() == size_of::<mqtt_pending_slot>());
    assert!(align_of::<PendingSlot>() <= align_of::<mqtt_pending_slot>());
    assert!(size_of::<AliasSlot>() == size_of::<mqtt_alias_slot>());
    assert!(align_of::<AliasSlot>() <= align_of::<mqtt_alias_slot>());
};

/// The settings of a heap-free session, read (and its strings and will topic checked) by
/// `mqtt_fixed_session_init()`. Nothing is
/// copied: the views (client identifier, user name, password, will) must stay valid and
/// unchanged as long as the session is used (string literals and static buffers do).
/// Start from `mqtt_fixed_config_default()`.
///
/// The limits the session advertises in a 5.0 CONNECT come from its storage: Receive
/// Maximum is the number of incoming records, Maximum Packet Size the receive buffer's
/// size, Topic Alias Maximum the number of alias records.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mqtt_fixed_config {
    /// The protocol version spoken: `MQTT_V3_1`, `MQTT_V3_1_1` or `MQTT_V5`.
    pub version: u8,
    /// The client identifier (UTF-8); empty asks the server to assign one (3.1.1 with a
    /// clean session, and 5.0); an assigned one of up to 64 bytes is kept for reconnects.
    pub client_id: mqtt_bytes,
    /// Keep alive in seconds; 0 turns it off.
    pub keep_alive: u16,
    /// Start with a new session on the first CONNECT (a reconnect resumes the session when
    /// the server may hold one).
    pub clean_start: bool,
    /// 5.0 Session Expiry Interval in seconds (0: the session ends with the connection).
    pub session_expiry_interval: u32,
    /// How many of our QoS 1 and 2 messages may be sent on one connection and not yet
    /// acknowledged (in 5.0 the server's Receive Maximum, if lower, wins; QoS 2 flows
    /// released on an earlier connection do not count); the outgoing records beyond it
    /// hold the queue.
    pub max_inflight: u16,
    /// The 5.0 Receive Maximum to advertise, at most one per incoming record; 0: one per
    /// record. With `auto_ack` off, records beyond it hold QoS 1 messages the server resends
    /// (DUP) after a reconnect; without a spare record such a resend is acknowledged at once.
    pub receive_maximum: u16,
    /// Acknowledge received QoS 1 and 2 messages as they are delivered; false: call
    /// `mqtt_fixed_session_ack()` with the event's `ack_id`.
    pub auto_ack: bool,
    /// 5.0 Request Problem Information.
    pub request_problem_information: bool,
    /// The user name (UTF-8), or absent (NULL `ptr`).
    pub username: mqtt_bytes,
    /// The password, or absent (NULL `ptr`).
    pub password: mqtt_bytes,
    /// A will is given in the `will_*` fields.
    pub has_will: bool,
    /// The will's topic (UTF-8).
    pub will_topic: mqtt_bytes,
    /// The will's payload.
    pub will_payload: mqtt_bytes,
    /// The will's QoS, 0 to 2.
    pub will_qos: u8,
    /// The will is published retained.
    pub will_retain: bool,
}

/// The default settings: MQTT 3.1.1, no client identifier, keep alive 60 s, clean start, a
/// window of 16, automatic acknowledgement, no user name, password or will.
///
/// ```c
/// mqtt_fixed_config cfg = mqtt_fixed_config_default();
/// cfg.client_id.ptr = (const uint8_t *)"sensor-1";
/// cfg.client_id.len = 8;
/// ```
#[no_mangle]
pub extern "C" fn mqtt_fixed_config_default() -> mqtt_fixed_config {
    mqtt_fixed_config {
        version: MQTT_V3_1_1,
        client_id: mqtt_bytes::default(),
        keep_alive: 60,
        clean_start: true,
        session_expiry_interval: 0,
        max_inflight: 16,
        receive_maximum: 0,
        auto_ack: true,
        request_problem_information: true,
        username: mqtt_bytes::default(),
        password: mqtt_bytes::default(),
        has_will: false,
        will_topic: mqtt_bytes::default(),
        will_payload: mqtt_bytes::default(),
        will_qos: 0,
        will_retain: false,
    }
}

/// The memory of a heap-free session, all of it the caller's, used by the session from
/// `mqtt_fixed_session_init()` on and never touched by the caller meanwhile.
///
/// ```c
/// static mqtt_out_slot out[8];
/// static mqtt_in_slot in[8];
/// static mqtt_pending_slot pending[4];
/// static uint8_t messages[2048], rx[1024], tx[1024];
/// mqtt_fixed_storage st = {
///     .outgoing = out, .outgoing_count = 8, .messages = messages, .messages_len = sizeof messages,
///     .incoming = in, .incoming_count = 8, .pending = pending, .pending_count = 4,
///     .rx = rx, .rx_len = sizeof rx, .tx = tx, .tx_len = sizeof tx,
/// };
/// ```
///
/// The pieces must not overlap one another (`mqtt_fixed_session_init()` refuses that with
/// `MQTT_ERR_INVALID_ARGUMENT`): the receive and transmit buffers are two buffers.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mqtt_fixed_storage {
    /// Records of our QoS 1 and 2 messages, in flight and queued.
    pub outgoing: *mut mqtt_out_slot,
    /// How many.
    pub outgoing_count: usize,
    /// Those messages, encoded, until the server has them (their total size).
    pub messages: *mut u8,
    /// Its size in bytes.
    pub messages_len: usize,
    /// Records of the server's QoS 1 and 2 messages whose flow is not over.
    pub incoming: *mut mqtt_in_slot,
    /// How many: at least 1 (`connect` refuses 0). In 5.0 the Receive Maximum advertised
    /// (or `receive_maximum`, with the records beyond it for resends); in 3.x, which has no
    /// Receive Maximum, enough for the server's in-flight window (mosquitto's
    /// `max_inflight_messages`, 20 by default): a server sending more is disconnected.
    pub incoming_count: usize,
    /// Records of SUBSCRIBEs and UNSUBSCRIBEs awaiting their answer.
    pub pending: *mut mqtt_pending_slot,
    /// How many.
    pub pending_count: usize,
    /// Records of the server's topic aliases (5.0; NULL with 0: none).
    pub aliases: *mut mqtt_alias_slot,
    /// How many (the Topic Alias Maximum advertised).
    pub aliases_count: usize,
    /// The topics of those aliases (their total length).
    pub alias_topics: *mut u8,
    /// Its size in bytes.
    pub alias_topics_len: usize,
    /// The receive buffer: the largest packet accepted (5.0 Maximum Packet Size).
    pub rx: *mut u8,
    /// Its size in bytes.
    pub rx_len: usize,
    /// The transmit buffer: at least the largest packet sent.
    pub tx: *mut u8,
    /// Its size in bytes.
    pub tx_len: usize,
}

/// A string view of the configuration, kept for the session's life.
///
/// # Safety
/// A non-NULL view must stay valid and unchanged as long as the session is used.
unsafe fn kept_str(b: &mqtt_bytes) -> Result<&'static str, mqtt_status> {
    // SAFETY: the caller's contract: valid for the session's life, which 'static stands for.
    let raw = unsafe { bytes(b.ptr, b.len) }?;
    // Checked as an MQTT string now (UTF-8, no U+0000, at most 65535 bytes) rather than
    // refused when `connect` encodes it.
    let s = MqttStr::try_new(raw).map_err(|_| MQTT_ERR_INVALID_STRING)?;
    Ok(s.as_str_ref())
}

/// As [`kept_str`], absent for a NULL `ptr`.
///
/// # Safety
/// As [`kept_str`].
unsafe fn kept_opt<'s>(b: &mqtt_bytes) -> Result<Option<&'s [u8]>, mqtt_status> {
    if b.ptr.is_null() {
        return if b.len == 0 {
            Ok(None)
        } else {
            Err(MQTT_ERR_NULL_POINTER)
        };
    }
    // SAFETY: as in `kept_str`.
    unsafe { bytes(b.ptr, b.len) }.map(Some)
}

/// The core's configuration of `cfg`, borrowing its views for the session's life.
///
/// # Safety
/// The views in `cfg` must stay valid and unchanged as long as the session is used.
pub(super) unsafe fn fixed_config(
    cfg: &mqtt_fixed_config,
) -> Result<FixedConfig<'static>, mqtt_status> {
    let version = version_of(cfg.version).ok_or(MQTT_ERR_INVALID_ARGUMENT)?;
    // SAFETY: (whole block) the views live as long as the session by the caller's contract.
    unsafe {
        let mut c = FixedConfig::new(kept_str(&cfg.client_id)?, version);
        c.keep_alive = cfg.keep_alive;
        c.clean_start = cfg.clean_start;
        c.session_expiry_interval = cfg.session_expiry_interval;
        c.max_inflight = cfg.max_inflight;
        c.receive_maximum = cfg.receive_maximum;
        c.auto_ack = cfg.auto_ack;
        c.request_problem_information = cfg.request_problem_information;
        c.username = match cfg.username.ptr.is_null() && cfg.username.len == 0 {
            true => None,
            false => Some(kept_str(&cfg.username)?),
        };
        c.password = kept_opt(&cfg.password)?;
        if cfg.has_will {
            let topic = kept_str(&cfg.will_topic)?;
            TopicName::try_from_bytes(topic.as_bytes()).map_err(|e| status::of_topic(&e))?;
            c.will = Some(FixedWill {
                topic,
                payload: kept_opt(&cfg.will_payload)?.unwrap_or_default(),
                qos: QoS::from_bits(cfg.will_qos).ok_or(MQTT_ERR_INVALID_ARGUMENT)?,
                retain: cfg.will_retain,
            });
        }
        // What every CONNECT of these settings would be refused for (a 3.1.1 password
        // without a user name, ...) is reported by `connect`, with its status: checking it
        // here as well would cost firmware a second CONNECT encoder path (about 1 KB).
        Ok(c)
    }
}

/// `count` records of type `R` at `ptr`, each set to `free` first (the caller's memory may
/// hold anything).
///
/// # Safety
/// `ptr` must be NULL (with `count` 0) or point to `count` writable records of a C slot
/// type of `R`'s size and at least its alignment, the session's alone for its life.
unsafe fn records<C, R: Copy>(
    ptr: *mut C,
    count: usize,
    free: R,
) -> Result<&'static mut [R], mqtt_status> {
    if count == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(MQTT_ERR_NULL_POINTER);
    }
    if count > isize::MAX as usize / size_of::<C>().max(1) {
        return Err(MQTT_ERR_INVALID_ARGUMENT);
    }
    let ptr = ptr.cast::<R>();
    // Records carved out of a byte pool may be misaligned: a fault on cores that do not
    // forgive it (Cortex-M0), so refused here as `checked` refuses the storage itself.
    if !ptr.is_aligned() {
        return Err(MQTT_ERR_INVALID_ARGUMENT);
    }
    for i in 0..count {
        // SAFETY: within the caller's `count` records (same size as `R`, the asserts above),
        // aligned for `R`; written whole, so what was there before is never read.
        unsafe { ptr.add(i).write(free) };
    }
    // SAFETY: `count` initialised records, the session's alone for its life.
    Ok(unsafe { slice::from_raw_parts_mut(ptr, count) })
}

/// `len` bytes at `ptr` for the session.
///
/// # Safety
/// `ptr` must be NULL (with `len` 0) or point to `len` writable bytes, the session's alone
/// for its life.
unsafe fn buffer(ptr: *mut u8, len: usize) -> Result<&'static mut [u8], mqtt_status> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(MQTT_ERR_NULL_POINTER);
    }
    if len > isize::MAX as usize {
        return Err(MQTT_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: non-NULL, `len` writable bytes, the session's alone for its life. A byte may
    // hold anything, so no initialisation is needed beyond what C gave.
    Ok(unsafe { slice::from_raw_parts_mut(ptr, len) })
}

/// The core's storage over the caller's memory.
///
/// # Safety
/// Every pointer in `st` must be NULL (with a count of 0) or point to as many writable
/// elements as its count says, none shared with another pointer, all the session's alone
/// as long as it is used.
pub(super) unsafe fn fixed_storage(
    st: &mqtt_fixed_storage,
) -> Result<FixedStorage<'static>, mqtt_status> {
    disjoint(st)?;
    // SAFETY: (whole block) the caller's contract, for each piece; no two share a byte.
    unsafe {
        Ok(FixedStorage {
            outgoing: records(st.outgoing, st.outgoing_count, OutSlot::FREE)?,
            messages: buffer(st.messages, st.messages_len)?,
            incoming: records(st.incoming, st.incoming_count, InSlot::FREE)?,
            pending: records(st.pending, st.pending_count, PendingSlot::FREE)?,
            aliases: records(st.aliases, st.aliases_count, AliasSlot::FREE)?,
            alias_topics: buffer(st.alias_topics, st.alias_topics_len)?,
            rx: buffer(st.rx, st.rx_len)?,
            tx: buffer(st.tx, st.tx_len)?,
        })
    }
}

/// Refuses storage whose pieces share memory (`MQTT_ERR_INVALID_ARGUMENT`): each becomes a
/// slice the session writes through, so shared bytes would corrupt what is sent (a receive
/// buffer doubling as the transmit buffer overwrites a queued PUBLISH).
fn disjoint(st: &mqtt_fixed_storage) -> Result<(), mqtt_status> {
    let pieces = pieces(st);
    // Each pair once (28 of them), rather than a sort, which would cost firmware its code.
    for (i, a) in pieces.iter().enumerate() {
        for b in pieces.iter().skip(i + 1) {
            if a.0 < b.1 && b.0 < a.1 {
                return Err(MQTT_ERR_INVALID_ARGUMENT);
            }
        }
    }
    Ok(())
}

/// Refuses `len` bytes at `data` that share memory with the storage
/// (`MQTT_ERR_INVALID_ARGUMENT`): a snapshot read back into storage it lies in would be
/// overwritten while it is read.
pub(crate) fn outside(
    st: &mqtt_fixed_storage,
    data: *const u8,
    len: usize,
) -> Result<(), mqtt_status> {
    let (start, end) = span(data, len);
    match pieces(st).iter().any(|p| start < p.1 && p.0 < end) {
        true => Err(MQTT_ERR_INVALID_ARGUMENT),
        false => Ok(()),
    }
}

/// The address range of `count` `T`s at `ptr`; empty for NULL or nothing.
fn span<T>(ptr: *const T, count: usize) -> (usize, usize) {
    let start = ptr as usize;
    let len = count.saturating_mul(size_of::<T>());
    match ptr.is_null() || len == 0 {
        true => (0, 0),
        false => (start, start.saturating_add(len)),
    }
}

/// The address ranges of the storage's pieces.
fn pieces(st: &mqtt_fixed_storage) -> [(usize, usize); 8] {
    [
        span(st.outgoing, st.outgoing_count),
        span(st.messages, st.messages_len),
        span(st.incoming, st.incoming_count),
        span(st.pending, st.pending_count),
        span(st.aliases, st.aliases_count),
        span(st.alias_topics, st.alias_topics_len),
        span(st.rx, st.rx_len),
        span(st.tx, st.tx_len),
    ]
}
