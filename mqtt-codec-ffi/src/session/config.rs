//! The settings of a client session as a C struct, their defaults, and the core's
//! `SessionConfig` made of them (checked as the CONNECT the session will send, so that a
//! bad string or will is refused at creation rather than at `connect`).

use crate::convert::{build_packet, version_of, Scratch};
use crate::status::{self, mqtt_status, mqtt_status::*};
use crate::types::*;
use codec::client::SessionConfig;
use codec::Packet;

/// The settings of a client session, read once by `mqtt_session_new()` (the views are
/// copied: they need not outlive the call). Start from `mqtt_session_config_default()` and
/// change what you need.
///
/// | field | default |
/// |---|---|
/// | version | `MQTT_V3_1_1` |
/// | client_id | empty: the server assigns one (needs clean_start in 3.1.1) |
/// | keep_alive | 60 s |
/// | clean_start | true |
/// | session_expiry_interval | 0 |
/// | receive_maximum | 16 |
/// | max_inflight | 16 |
/// | max_queued | 1000 |
/// | max_packet_size | 1048576 (1 MiB) |
/// | topic_alias_maximum | 0 |
/// | auto_ack | true |
/// | request_problem_information | true |
/// | username, password | absent (NULL `ptr`) |
/// | has_will | false |
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mqtt_session_config {
    /// The protocol version spoken: `MQTT_V3_1`, `MQTT_V3_1_1` or `MQTT_V5`.
    pub version: u8,
    /// The client identifier (UTF-8); empty asks the server to assign one (3.1.1 with a
    /// clean session, and 5.0).
    pub client_id: mqtt_bytes,
    /// Keep alive in seconds; 0 turns it off. With it, the session sends PINGREQ when
    /// nothing went out, or nothing came in, for that long, and reports the connection
    /// lost when no PINGRESP comes within as long again.
    pub keep_alive: u16,
    /// Start with a new session on the first CONNECT (a reconnect resumes the session when
    /// the server may hold one).
    pub clean_start: bool,
    /// 5.0 Session Expiry Interval in seconds (0: the session ends with the connection;
    /// `0xFFFFFFFF`: never).
    pub session_expiry_interval: u32,
    /// How many QoS 1 and 2 messages the server may have unacknowledged towards us (5.0
    /// Receive Maximum); a server that exceeds it is disconnected with 0x93. At least 1
    /// (`mqtt_session_new()` refuses 0 with `MQTT_ERR_INVALID_ARGUMENT`).
    pub receive_maximum: u16,
    /// How many of our QoS 1 and 2 messages may be sent on one connection and not yet
    /// acknowledged (in 5.0 the server's Receive Maximum, if lower, wins; QoS 2 flows
    /// released on an earlier connection do not count). At least 1, as `receive_maximum`.
    pub max_inflight: u16,
    /// How many QoS 1 and 2 messages may wait behind the in-flight window (and while not
    /// connected) before `mqtt_session_publish()` refuses more with
    /// `MQTT_ERR_SESSION_QUEUE_FULL`.
    pub max_queued: usize,
    /// The largest packet accepted from the server, header included (5.0 Maximum Packet
    /// Size, and the limit of the session's decoder in every version); 0 means
    /// `MQTT_MAX_PACKET_SIZE`.
    pub max_packet_size: u32,
    /// The highest topic alias the server may use towards us (5.0; 0: none).
    pub topic_alias_maximum: u16,
    /// Acknowledge received QoS 1 and 2 messages as soon as they are delivered as events;
    /// false: call `mqtt_session_ack()` with the event's `ack_id` (the acknowledgements
    /// still go out in the order the messages came).
    pub auto_ack: bool,
    /// 5.0 Request Problem Information; false asks the server to put a Reason String or
    /// User Properties only on PUBLISH, CONNACK and DISCONNECT.
    pub request_problem_information: bool,
    /// The user name (UTF-8), or absent (NULL `ptr`).
    pub username: mqtt_bytes,
    /// The password, or absent (NULL `ptr`); before 5.0 it needs a user name.
    pub password: mqtt_bytes,
    /// A will is given in `will`.
    pub has_will: bool,
    /// The will (topic, payload, QoS, retain, and 5.0 will properties), if `has_will`.
    pub will: mqtt_will,
}

/// The default settings (see `mqtt_session_config`): MQTT 3.1.1, no client identifier (the
/// server assigns one), keep alive 60 s, clean start, 16 in flight each way with 1000
/// queued, 1 MiB packets, automatic acknowledgement, no user name, password or will.
///
/// ```c
/// mqtt_session_config cfg = mqtt_session_config_default();
/// cfg.version = MQTT_V5;
/// cfg.client_id.ptr = (const uint8_t *)"sensor-1";
/// cfg.client_id.len = 8;
/// ```
#[no_mangle]
pub extern "C" fn mqtt_session_config_default() -> mqtt_session_config {
    mqtt_session_config {
        version: MQTT_V3_1_1,
        client_id: mqtt_bytes::default(),
        keep_alive: 60,
        clean_start: true,
        session_expiry_interval: 0,
        receive_maximum: 16,
        max_inflight: 16,
        max_queued: 1000,
        max_packet_size: 1024 * 1024,
        topic_alias_maximum: 0,
        auto_ack: true,
        request_problem_information: true,
        username: mqtt_bytes::default(),
        password: mqtt_bytes::default(),
        has_will: false,
        will: mqtt_will::default(),
    }
}

/// The core's configuration of `cfg`. Its client identifier, user name, password and will
/// are checked as the CONNECT they make (every rule the encoder knows), and copied.
///
/// # Safety
/// Every view and list in `cfg` must be valid for the call.
pub(super) unsafe fn session_config(
    cfg: &mqtt_session_config,
) -> Result<SessionConfig, mqtt_status> {
    let version = version_of(cfg.version).ok_or(MQTT_ERR_INVALID_ARGUMENT)?;
    let mut p = mqtt_packet {
        packet_type: MQTT_PACKET_CONNECT,
        protocol_version: cfg.version,
        clean_start: cfg.clean_start,
        keep_alive: cfg.keep_alive,
        client_id: cfg.client_id,
        username: cfg.username,
        password: cfg.password,
        has_will: cfg.has_will,
        ..mqtt_packet::default()
    };
    if cfg.has_will {
        p.will = cfg.will;
    }
    let mut scratch = Scratch::default();
    // SAFETY: the views are valid for this call by the caller's contract, and the packet
    // is made owned (copied) before it returns.
    let connect = unsafe { build_packet(&p, version, &mut scratch) }?;
    connect
        .encoded_len(version)
        .map_err(|e| status::of_encode(&e))?;
    let Packet::Connect(connect) = connect.to_owned() else {
        return Err(MQTT_ERR_INTERNAL);
    };
    let connect = *connect;
    let mut c = SessionConfig::new(connect.client_id.as_str(), version);
    c.keep_alive = cfg.keep_alive;
    c.clean_start = cfg.clean_start;
    c.session_expiry_interval = cfg.session_expiry_interval;
    c.username = connect.username.map(|u| u.as_str().into());
    c.password = connect.password;
    c.will = connect.will;
    c.receive_maximum = cfg.receive_maximum;
    c.max_inflight = cfg.max_inflight;
    c.max_queued = cfg.max_queued;
    c.max_packet_size = match cfg.max_packet_size {
        0 => MQTT_MAX_PACKET_SIZE as u32,
        n => n,
    };
    c.topic_alias_maximum = cfg.topic_alias_maximum;
    c.auto_ack = cfg.auto_ack;
    c.request_problem_information = cfg.request_problem_information;
    // A limit of 0 would let nothing through: refused here rather than at connect.
    // A CONNECT rule broken says which (a 3.1.1 password without a user name...).
    c.check().map_err(|e| match e {
        codec::client::SessionError::Encode(e) => crate::status::of_encode(&e),
        _ => MQTT_ERR_INVALID_ARGUMENT,
    })?;
    Ok(c)
}
