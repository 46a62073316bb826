//! MQTT-SN 2.0 (the OASIS draft, CSD01) over the C ABI: one flat packet struct, parsed from
//! a datagram in place (views into the caller's buffer) and encoded into the caller's
//! buffer; no heap. The rules are the core's (`mqtt_codec::sn::v2`); this layer only moves
//! fields between the struct and the core's `Packet`.

use crate::c_args::{bytes, bytes_mut};
use crate::sn::view;
use crate::status::from_int;
use crate::status::mqtt_status::{self, *};
use crate::types::mqtt_bytes;
use crate::{guard, guard_or};
use codec::sn::v2::{
    self as v2, Ack, AliasKind, Auth, AuthBlock, ConnAck, Connect, Disconnect, Packet, PacketType,
    Protection, PubWos, Publish, RegAck, Register, Sn2Error, SubAck, Subscribe, Topic, Will,
};
use codec::sn::SnError;
use codec::{MqttStr, QoS, StrError};
use core::ffi::c_int;

/// `packet_type` of an [`mqttsn2_packet`] that holds no packet (0x00, which 2.0 reserves):
/// what `mqttsn2_parse()` leaves in `*out` when it refuses a datagram, and what a zeroed
/// struct holds.
pub const MQTTSN2_NO_PACKET: u8 = 0x00;
/// CONNECT (0x01).
pub const MQTTSN2_CONNECT: u8 = 0x01;
/// CONNACK (0x02).
pub const MQTTSN2_CONNACK: u8 = 0x02;
/// PUBLISH (0x03).
pub const MQTTSN2_PUBLISH: u8 = 0x03;
/// PUBACK (0x04).
pub const MQTTSN2_PUBACK: u8 = 0x04;
/// PUBREC (0x05).
pub const MQTTSN2_PUBREC: u8 = 0x05;
/// PUBREL (0x06).
pub const MQTTSN2_PUBREL: u8 = 0x06;
/// PUBCOMP (0x07).
pub const MQTTSN2_PUBCOMP: u8 = 0x07;
/// SUBSCRIBE (0x08).
pub const MQTTSN2_SUBSCRIBE: u8 = 0x08;
/// SUBACK (0x09).
pub const MQTTSN2_SUBACK: u8 = 0x09;
/// UNSUBSCRIBE (0x0A).
pub const MQTTSN2_UNSUBSCRIBE: u8 = 0x0A;
/// UNSUBACK (0x0B).
pub const MQTTSN2_UNSUBACK: u8 = 0x0B;
/// PINGREQ (0x0C).
pub const MQTTSN2_PINGREQ: u8 = 0x0C;
/// PINGRESP (0x0D).
pub const MQTTSN2_PINGRESP: u8 = 0x0D;
/// DISCONNECT (0x0E).
pub const MQTTSN2_DISCONNECT: u8 = 0x0E;
/// AUTH (0x0F).
pub const MQTTSN2_AUTH: u8 = 0x0F;
/// REGISTER (0x10).
pub const MQTTSN2_REGISTER: u8 = 0x10;
/// REGACK (0x11).
pub const MQTTSN2_REGACK: u8 = 0x11;
/// PUBWOS, publish without session (0x12).
pub const MQTTSN2_PUBWOS: u8 = 0x12;
/// SLEEPREQ (0x13).
pub const MQTTSN2_SLEEPREQ: u8 = 0x13;
/// SLEEPRESP (0x14).
pub const MQTTSN2_SLEEPRESP: u8 = 0x14;
/// WAKEUP (0x15).
pub const MQTTSN2_WAKEUP: u8 = 0x15;
/// ADVERTISE (0x16).
pub const MQTTSN2_ADVERTISE: u8 = 0x16;
/// SEARCHGW (0x17).
pub const MQTTSN2_SEARCHGW: u8 = 0x17;
/// GWINFO (0x18).
pub const MQTTSN2_GWINFO: u8 = 0x18;
/// Forwarder Encapsulation (0xFC).
pub const MQTTSN2_FORWARDER: u8 = 0xFC;
/// Connection Encapsulation (0xFE).
pub const MQTTSN2_CONNECTION: u8 = 0xFE;
/// Protection Encapsulation (0xFF).
pub const MQTTSN2_PROTECTION: u8 = 0xFF;

/// Topic Type `00`: a topic alias of the session, in `topic_alias`.
pub const MQTTSN2_TOPIC_ALIAS: u8 = 0;
/// Topic Type `01`: a predefined topic alias, in `topic_alias`.
pub const MQTTSN2_TOPIC_PREDEFINED: u8 = 1;
/// Topic Type `11`: the topic name (a filter in SUBSCRIBE and UNSUBSCRIBE), in `topic`.
pub const MQTTSN2_TOPIC_NAME: u8 = 3;

/// `alias_kind` `00`: the REGACK or SUBACK announces a session alias.
pub const MQTTSN2_ALIAS_SESSION: u8 = 0;
/// `alias_kind` `01`: the REGACK or SUBACK announces a predefined alias.
pub const MQTTSN2_ALIAS_PREDEFINED: u8 = 1;

/// One MQTT-SN 2.0 packet, flat: `packet_type` is the packet type octet (`MQTTSN2_*`) and
/// says which fields mean something; after a parse the others are 0, false or NULL, and an
/// encode ignores them. A zeroed struct (`mqttsn2_packet p = {0};`) is the place to start
/// an encode from.
///
/// Which fields each packet uses (`x?`: optional, present when `has_x` is true):
/// - CONNECT: clean_start, address_may_change, server_may_suggest, packet_id,
///   protocol_version, keep_alive, max_packet_size, default_awake_messages?,
///   session_expiry?, the will (has_will, will_*), auth_method and auth_data (NULL
///   `auth_method.ptr`: none), client_id.
/// - CONNACK: session_present, packet_id, reason_code, session_expiry?,
///   server_keep_alive?, auth_method and auth_data, client_id (the assigned one; NULL `ptr`:
///   none).
/// - PUBLISH: dup, qos, retain, the topic (topic_type, then topic_alias or topic),
///   packet_id? (exactly at QoS 1 and 2), payload.
/// - PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK: packet_id, reason_code.
/// - SUBSCRIBE: no_local, qos, retain_as_published, retain_handling, packet_id, the topic (a
///   filter for `MQTTSN2_TOPIC_NAME`).
/// - SUBACK, REGACK: packet_id, alias_kind, alias?, reason_code.
/// - UNSUBSCRIBE: packet_id, the topic (a filter for `MQTTSN2_TOPIC_NAME`).
/// - PINGREQ: packet_id. PINGRESP: packet_id, messages_remaining?.
/// - DISCONNECT: packet_id?, session_expiry?, reason_code?, reason_string (NULL `ptr`:
///   none).
/// - AUTH: packet_id, reason_code, auth_method, auth_data.
/// - REGISTER: packet_id, alias?, topic (the name).
/// - PUBWOS: retain, the topic (predefined alias or name), payload.
/// - SLEEPREQ: retain_aliases, packet_id, duration. SLEEPRESP: packet_id, duration?,
///   reason_code.
/// - WAKEUP: nothing. ADVERTISE: gw_id, duration (at most 65535). SEARCHGW: address (the
///   network information). GWINFO: gw_id, address (the gateway's).
/// - Forwarder Encapsulation: address, inner. Connection Encapsulation: client_id, inner.
/// - Protection Encapsulation: tag_length, scheme, sender_id, random, crypto, counter,
///   protected_packet.
///
/// Views (`mqtt_bytes`) point into the parsed datagram; when encoding they point at the
/// caller's bytes. An optional text (CONNACK `client_id`, `reason_string`, `auth_method` in
/// CONNECT and CONNACK) is absent when its `ptr` is NULL; a present assigned client id or
/// reason string is not empty (the wire cannot tell one from an absent one). Reason codes
/// are the octet 2.0 carries (MQTT 5.0's, plus 0xE6 to 0xF4); where the layout lets one be
/// left off (the acknowledgements, REGACK, SLEEPRESP) it is left off when 0x00 and reads as
/// 0x00 when absent.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct mqttsn2_packet {
    /// The packet type octet, one of `MQTTSN2_*` (`MQTTSN2_NO_PACKET` after a refused parse).
    pub packet_type: u8,
    /// CONNECT: Clean Start (flag bit 0).
    pub clean_start: bool,
    /// CONNECT: the client's network address may change (flag bit 5; allows the Connection
    /// Encapsulation).
    pub address_may_change: bool,
    /// CONNECT: the server may suggest values (flag bit 6).
    pub server_may_suggest: bool,
    /// CONNACK: the server holds a session (only with reason code 0x00).
    pub session_present: bool,
    /// PUBLISH: DUP (only at QoS 2 in 2.0).
    pub dup: bool,
    /// PUBLISH, PUBWOS: Retain.
    pub retain: bool,
    /// PUBLISH: the QoS, 0 to 2; SUBSCRIBE: the maximum QoS, 0 to 2.
    pub qos: u8,
    /// SUBSCRIBE: No Local.
    pub no_local: bool,
    /// SUBSCRIBE: Retain As Published.
    pub retain_as_published: bool,
    /// SUBSCRIBE: Retain Handling, 0 to 2 (`MQTT_RETAIN_*`).
    pub retain_handling: u8,
    /// SLEEPREQ: keep the session's topic aliases while asleep.
    pub retain_aliases: bool,
    /// `packet_id` is present. Read when encoding only for PUBLISH (true exactly at QoS 1
    /// and 2) and DISCONNECT; a parse sets it for every packet that carries a packet id.
    pub has_packet_id: bool,
    /// The packet id (never 0): CONNECT, CONNACK, PUBLISH (QoS 1 and 2), the
    /// acknowledgements, SUBSCRIBE, SUBACK, UNSUBSCRIBE, PINGREQ, PINGRESP, DISCONNECT (with
    /// `has_packet_id`), AUTH, REGISTER, REGACK, SLEEPREQ, SLEEPRESP.
    pub packet_id: u16,
    /// DISCONNECT: `reason_code` is present (absent means 0x00). The other packets with a
    /// reason code always have one here.
    pub has_reason_code: bool,
    /// The reason code: CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK, SUBACK (the
    /// granted QoS or a failure), REGACK, DISCONNECT (with `has_reason_code`), AUTH,
    /// SLEEPRESP.
    pub reason_code: u8,
    /// CONNECT: the protocol version, 2; when encoding, 0 means 2.
    pub protocol_version: u8,
    /// CONNECT: keep alive in seconds (not 0).
    pub keep_alive: u16,
    /// CONNECT: the largest packet the client takes: 0 for no limit, else at least 10.
    pub max_packet_size: u16,
    /// CONNECT: `default_awake_messages` is present.
    pub has_default_awake_messages: bool,
    /// CONNECT: messages the client takes per wake-up (0: the server decides).
    pub default_awake_messages: u8,
    /// CONNECT, CONNACK, DISCONNECT: `session_expiry` is present.
    pub has_session_expiry: bool,
    /// CONNECT, CONNACK, DISCONNECT: the session expiry in seconds.
    pub session_expiry: u32,
    /// CONNACK: `server_keep_alive` is present.
    pub has_server_keep_alive: bool,
    /// CONNACK: the keep alive the server chose, in seconds.
    pub server_keep_alive: u16,
    /// SLEEPRESP: `duration` is present (the server changed it). A parse also sets it for
    /// SLEEPREQ and ADVERTISE, which always carry one.
    pub has_duration: bool,
    /// Seconds: SLEEPREQ the sleep (not 0), SLEEPRESP the sleep the server chose (with
    /// `has_duration`), ADVERTISE the time to the next one (at most 65535).
    pub duration: u32,
    /// ADVERTISE, GWINFO: the gateway's id.
    pub gw_id: u8,
    /// PINGRESP: `messages_remaining` is present.
    pub has_messages_remaining: bool,
    /// PINGRESP: messages still waiting for a sleeping client: 1 to 254, 0xFF for more, 0
    /// for none.
    pub messages_remaining: u8,
    /// PUBLISH, PUBWOS, SUBSCRIBE, UNSUBSCRIBE: the Topic Type, `MQTTSN2_TOPIC_ALIAS`,
    /// `MQTTSN2_TOPIC_PREDEFINED` or `MQTTSN2_TOPIC_NAME` (a PUBWOS takes no session alias).
    /// A parse sets `MQTTSN2_TOPIC_NAME` for REGISTER too; an encode of REGISTER ignores it.
    pub topic_type: u8,
    /// PUBLISH, PUBWOS, SUBSCRIBE, UNSUBSCRIBE: the alias, for the two alias types.
    pub topic_alias: u16,
    /// PUBLISH, PUBWOS: the topic name, for `MQTTSN2_TOPIC_NAME`; SUBSCRIBE, UNSUBSCRIBE: the
    /// topic filter, for `MQTTSN2_TOPIC_NAME`; REGISTER: the topic name.
    pub topic: mqtt_bytes,
    /// PUBLISH, PUBWOS: the payload.
    pub payload: mqtt_bytes,
    /// CONNECT: a will is present in the `will_*` fields.
    pub has_will: bool,
    /// CONNECT: the will QoS, 0 to 2.
    pub will_qos: u8,
    /// CONNECT: the will's Retain.
    pub will_retain: bool,
    /// CONNECT: the will topic's type, one of `MQTTSN2_TOPIC_*`.
    pub will_topic_type: u8,
    /// CONNECT: the will topic's alias, for the two alias types.
    pub will_topic_alias: u16,
    /// CONNECT: the will topic name, for `MQTTSN2_TOPIC_NAME`.
    pub will_topic: mqtt_bytes,
    /// CONNECT: the will payload (at most 65535 octets).
    pub will_payload: mqtt_bytes,
    /// CONNECT, CONNACK: the authentication method (at most 255 octets), NULL `ptr` when the
    /// packet carries no authentication; AUTH: the method (always there).
    pub auth_method: mqtt_bytes,
    /// CONNECT, CONNACK (with `auth_method`), AUTH: the authentication data.
    pub auth_data: mqtt_bytes,
    /// CONNECT: the client id (may be empty: the server assigns one); CONNACK: the client
    /// id the server assigned (NULL `ptr` when none; never empty,
    /// `MQTT_ERR_SN2_EMPTY_FIELD`); Connection Encapsulation: the client's id.
    pub client_id: mqtt_bytes,
    /// DISCONNECT: the reason string, NULL `ptr` when none (never empty,
    /// `MQTT_ERR_SN2_EMPTY_FIELD`).
    pub reason_string: mqtt_bytes,
    /// REGACK, SUBACK: the kind of alias announced, `MQTTSN2_ALIAS_SESSION` or
    /// `MQTTSN2_ALIAS_PREDEFINED`.
    pub alias_kind: u8,
    /// REGISTER, REGACK, SUBACK: `alias` is present (a server's REGISTER carries the alias
    /// it assigned, a client's none; a SUBACK for a wildcard or predefined subscription has
    /// none, and then `alias_kind` is `MQTTSN2_ALIAS_PREDEFINED`).
    pub has_alias: bool,
    /// REGISTER, REGACK, SUBACK: the alias.
    pub alias: u16,
    /// Forwarder Encapsulation: the forwarder's address information (at most 255 octets);
    /// GWINFO: the gateway's address (empty from a gateway); SEARCHGW: the network
    /// information (may be empty). Opaque octets.
    pub address: mqtt_bytes,
    /// Forwarder and Connection Encapsulation: the inner packet, a whole datagram (parse it
    /// with `mqttsn2_parse()`).
    pub inner: mqtt_bytes,
    /// Protection Encapsulation: the tag length code, flags bits 7-4 (0 provider-defined, 1
    /// the scheme's nominal size, 4 to 15 sixteen bits each; 2, 3 and above 15 are
    /// `MQTT_ERR_SN2_RESERVED_FLAGS`).
    pub tag_length: u8,
    /// Protection Encapsulation: the protection scheme.
    pub scheme: u8,
    /// Protection Encapsulation: the sender's id.
    pub sender_id: [u8; 8],
    /// Protection Encapsulation: the random octets.
    pub random: [u8; 4],
    /// Protection Encapsulation: the cryptographic material, 0, 2, 4 or 12 octets.
    pub crypto: mqtt_bytes,
    /// Protection Encapsulation: the monotonic counter, 0, 2 or 4 octets.
    pub counter: mqtt_bytes,
    /// Protection Encapsulation: the protected packet followed by its authentication tag,
    /// together (where one ends depends on the scheme: the application's to split).
    pub protected_packet: mqtt_bytes,
}

/// Parses one MQTT-SN 2.0 datagram into `*out`, whose views point into `buf`.
///
/// On a refused datagram it returns the error (350 to 399) and sets `out->packet_type` to
/// `MQTTSN2_NO_PACKET`; `mqttsn2_error_reason_code()` gives the reason code a DISCONNECT (or
/// CONNACK) would carry.
///
/// ```c
/// mqttsn2_packet p;
/// if (mqttsn2_parse(buf, n, &p) == MQTT_OK && p.packet_type == MQTTSN2_PUBLISH)
///     handle_publish(p.topic_type, p.topic_alias, p.payload.ptr, p.payload.len);
/// ```
///
/// # Safety
/// `buf` must be NULL or readable for `len` bytes; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqttsn2_parse(
    buf: *const u8,
    len: usize,
    out: *mut mqttsn2_packet,
) -> mqtt_status {
    guard(|| {
        if out.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: `out` is non-NULL and writable by the caller's contract; written whole.
        unsafe { out.write(mqttsn2_packet::default()) };
        // SAFETY: non-NULL and readable for `len` bytes by the caller's contract.
        let data = match unsafe { bytes(buf, len) } {
            Ok(data) => data,
            Err(s) => return s,
        };
        match v2::parse(data) {
            Ok(packet) => {
                let fields = of_packet(&packet);
                // SAFETY: as above.
                unsafe { out.write(fields) };
                MQTT_OK
            }
            Err(e) => of_error(&e),
        }
    })
}

/// The exact number of octets `mqttsn2_encode()` writes for `packet`, after checking every
/// rule the parser checks.
///
/// # Safety
/// `packet` must be NULL or readable, with valid views for the fields its type uses; `len`
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqttsn2_encoded_len(
    packet: *const mqttsn2_packet,
    len: *mut usize,
) -> mqtt_status {
    guard(|| {
        if packet.is_null() || len.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { len.write(0) };
        // SAFETY: non-NULL; readable, with valid views for this call, by the caller's
        // contract.
        let packet = match unsafe { to_packet(&*packet, None) } {
            Ok(p) => p,
            Err(s) => return s,
        };
        match packet.encoded_len() {
            Ok(n) => {
                // SAFETY: as above.
                unsafe { len.write(n) };
                MQTT_OK
            }
            Err(e) => of_error(&e),
        }
    })
}

/// Encodes `packet` at the start of `out` (`cap` bytes) and sets `*written`. On
/// `MQTT_ERR_BUFFER_TOO_SMALL`, `*written` is the size needed; nothing is written to `out`
/// on any error.
///
/// ```c
/// mqttsn2_packet p = {0};
/// p.packet_type = MQTTSN2_PUBLISH;
/// p.qos = 1; p.has_packet_id = true; p.packet_id = 2;
/// p.topic_type = MQTTSN2_TOPIC_PREDEFINED; p.topic_alias = 5;
/// p.payload.ptr = (const uint8_t *)"on"; p.payload.len = 2;
/// size_t n;
/// if (mqttsn2_encode(&p, out, sizeof out, &n) == MQTT_OK) sendto(sock, out, n, 0, gw, gwlen);
/// ```
///
/// A view the packet type uses that overlaps `out` (a datagram wrapped in a Forwarder
/// Encapsulation where it was received, say) is refused with `MQTT_ERR_INVALID_ARGUMENT`:
/// encode into another buffer.
///
/// # Safety
/// `packet` must be NULL or readable, with valid views for the fields its type uses; `out`
/// NULL or writable for `cap` bytes; `written` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqttsn2_encode(
    packet: *const mqttsn2_packet,
    out: *mut u8,
    cap: usize,
    written: *mut usize,
) -> mqtt_status {
    guard(|| {
        if packet.is_null() || written.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { written.write(0) };
        // SAFETY: non-NULL; readable, with valid views for this call, by the caller's
        // contract.
        let packet = match unsafe { to_packet(&*packet, Some((out, cap))) } {
            Ok(p) => p,
            Err(s) => return s,
        };
        // SAFETY: non-NULL and writable for `cap` bytes by the caller's contract; no view of
        // `packet` overlaps it (`to_packet` refused one that does).
        let buf = match unsafe { bytes_mut(out, cap) } {
            Ok(buf) => buf,
            Err(s) => return s,
        };
        match packet.encode(buf) {
            Ok(n) => {
                // SAFETY: as above.
                unsafe { written.write(n) };
                MQTT_OK
            }
            Err(Sn2Error::BufferTooSmall { needed, .. }) => {
                // SAFETY: as above.
                unsafe { written.write(needed) };
                MQTT_ERR_BUFFER_TOO_SMALL
            }
            Err(e) => of_error(&e),
        }
    })
}

/// The MQTT-SN 2.0 reason code that a refused datagram's status stands for (SN2-17): 0x81
/// Malformed Packet, 0x82 Protocol Error, or 0x84 Unsupported Protocol Version (a CONNECT of
/// another version, answered with CONNACK 0x84). Returns 0 for a status that is not a 2.0
/// parse error (including the encode-only `MQTT_ERR_SN2_PACKET_ID_PRESENCE`,
/// `MQTT_ERR_SN2_EMPTY_FIELD` and `MQTT_ERR_SN2_FIELD_TOO_LONG`); `MQTT_ERR_SN2_OTHER` gives
/// 0x81.
///
/// ```c
/// mqtt_status st = mqttsn2_parse(buf, n, &p);
/// if (st >= 350 && st < 400) send_disconnect(mqttsn2_error_reason_code(st));
/// ```
#[no_mangle]
pub extern "C" fn mqttsn2_error_reason_code(status: c_int) -> u8 {
    guard_or(0, || match from_int(status) {
        Some(MQTT_ERR_SN2_OTHER) => 0x81,
        Some(
            MQTT_ERR_SN2_PACKET_ID_PRESENCE
            | MQTT_ERR_SN2_EMPTY_FIELD
            | MQTT_ERR_SN2_FIELD_TOO_LONG,
        )
        | None => 0,
        Some(s) => representative(s).map_or(0, |e| e.reason_code()),
    })
}

/// The status of a 2.0 error.
fn of_error(e: &Sn2Error) -> mqtt_status {
    match e {
        Sn2Error::Header(SnError::TooShort { .. }) => MQTT_ERR_SN2_TOO_SHORT,
        Sn2Error::Header(SnError::LengthTooSmall { .. }) => MQTT_ERR_SN2_LENGTH_TOO_SMALL,
        Sn2Error::Header(SnError::LengthMismatch { .. }) => MQTT_ERR_SN2_LENGTH_MISMATCH,
        Sn2Error::ReservedType(_) => MQTT_ERR_SN2_RESERVED_TYPE,
        Sn2Error::WrongSize { .. } => MQTT_ERR_SN2_WRONG_SIZE,
        Sn2Error::ReservedFlags { .. } => MQTT_ERR_SN2_RESERVED_FLAGS,
        Sn2Error::ReservedQos(_) => MQTT_ERR_SN2_RESERVED_QOS,
        Sn2Error::TopicType { .. } => MQTT_ERR_SN2_TOPIC_TYPE,
        Sn2Error::AliasType { .. } => MQTT_ERR_SN2_ALIAS_TYPE,
        Sn2Error::InvalidString { .. } => MQTT_ERR_SN2_INVALID_STRING,
        Sn2Error::ZeroPacketId(_) => MQTT_ERR_SN2_ZERO_PACKET_ID,
        Sn2Error::UnsupportedVersion(_) => MQTT_ERR_SN2_UNSUPPORTED_VERSION,
        Sn2Error::KeepAliveZero => MQTT_ERR_SN2_KEEP_ALIVE_ZERO,
        Sn2Error::MaxPacketSize(_) => MQTT_ERR_SN2_MAX_PACKET_SIZE,
        Sn2Error::InvalidTopic { .. } => MQTT_ERR_SN2_INVALID_TOPIC,
        Sn2Error::DupBelowQos2 => MQTT_ERR_SN2_DUP_BELOW_QOS2,
        Sn2Error::SubscriptionOptions => MQTT_ERR_SN2_SUBSCRIPTION_OPTIONS,
        Sn2Error::SessionPresentOnFailure(_) => MQTT_ERR_SN2_SESSION_PRESENT_ON_FAILURE,
        Sn2Error::SleepZero => MQTT_ERR_SN2_SLEEP_ZERO,
        Sn2Error::EncapsulatedType(_) => MQTT_ERR_SN2_ENCAPSULATED_TYPE,
        Sn2Error::Encapsulation(_) => MQTT_ERR_SN2_ENCAPSULATION,
        Sn2Error::PacketIdPresence => MQTT_ERR_SN2_PACKET_ID_PRESENCE,
        Sn2Error::EmptyField(_) => MQTT_ERR_SN2_EMPTY_FIELD,
        Sn2Error::FieldTooLong(_) => MQTT_ERR_SN2_FIELD_TOO_LONG,
        Sn2Error::BufferTooSmall { .. } => MQTT_ERR_BUFFER_TOO_SMALL,
        _ => MQTT_ERR_SN2_OTHER,
    }
}

/// An error that `status` stands for, so that the core says which reason code it carries
/// (the binding holds no table of codes of its own). `None` for a status that is not a 2.0
/// error of one variant.
fn representative(status: mqtt_status) -> Option<Sn2Error> {
    let t = PacketType::Publish;
    Some(match status {
        MQTT_ERR_SN2_TOO_SHORT => Sn2Error::Header(SnError::TooShort { len: 0 }),
        MQTT_ERR_SN2_LENGTH_TOO_SMALL => Sn2Error::Header(SnError::LengthTooSmall { declared: 0 }),
        MQTT_ERR_SN2_LENGTH_MISMATCH => Sn2Error::Header(SnError::LengthMismatch {
            declared: 0,
            actual: 0,
        }),
        MQTT_ERR_SN2_RESERVED_TYPE => Sn2Error::ReservedType(0),
        MQTT_ERR_SN2_WRONG_SIZE => Sn2Error::WrongSize {
            packet_type: t,
            len: 0,
        },
        MQTT_ERR_SN2_RESERVED_FLAGS => Sn2Error::ReservedFlags {
            packet_type: t,
            bits: 0,
        },
        MQTT_ERR_SN2_RESERVED_QOS => Sn2Error::ReservedQos(t),
        MQTT_ERR_SN2_TOPIC_TYPE => Sn2Error::TopicType {
            packet_type: t,
            bits: 0b10,
        },
        MQTT_ERR_SN2_ALIAS_TYPE => Sn2Error::AliasType {
            packet_type: PacketType::SubAck,
            bits: 0b10,
        },
        MQTT_ERR_SN2_INVALID_STRING => Sn2Error::InvalidString {
            packet_type: t,
            field: "topic",
            reason: StrError::InvalidUtf8,
        },
        MQTT_ERR_SN2_ZERO_PACKET_ID => Sn2Error::ZeroPacketId(t),
        MQTT_ERR_SN2_UNSUPPORTED_VERSION => Sn2Error::UnsupportedVersion(1),
        MQTT_ERR_SN2_KEEP_ALIVE_ZERO => Sn2Error::KeepAliveZero,
        MQTT_ERR_SN2_MAX_PACKET_SIZE => Sn2Error::MaxPacketSize(1),
        MQTT_ERR_SN2_INVALID_TOPIC => Sn2Error::InvalidTopic {
            packet_type: t,
            reason: codec::TopicError::Empty,
        },
        MQTT_ERR_SN2_DUP_BELOW_QOS2 => Sn2Error::DupBelowQos2,
        MQTT_ERR_SN2_SUBSCRIPTION_OPTIONS => Sn2Error::SubscriptionOptions,
        MQTT_ERR_SN2_SESSION_PRESENT_ON_FAILURE => Sn2Error::SessionPresentOnFailure(0x80),
        MQTT_ERR_SN2_SLEEP_ZERO => Sn2Error::SleepZero,
        MQTT_ERR_SN2_ENCAPSULATED_TYPE => Sn2Error::EncapsulatedType(PacketType::Connect),
        MQTT_ERR_SN2_ENCAPSULATION => Sn2Error::Encapsulation(""),
        MQTT_ERR_SN2_PACKET_ID_PRESENCE => Sn2Error::PacketIdPresence,
        MQTT_ERR_SN2_EMPTY_FIELD => Sn2Error::EmptyField(""),
        MQTT_ERR_SN2_FIELD_TOO_LONG => Sn2Error::FieldTooLong(""),
        _ => return None,
    })
}

/// The Topic Type, alias and name of a topic.
fn topic_fields(t: &Topic<&[u8]>) -> (u8, u16, mqtt_bytes) {
    match t {
        Topic::Alias(a) => (MQTTSN2_TOPIC_ALIAS, *a, mqtt_bytes::default()),
        Topic::Predefined(a) => (MQTTSN2_TOPIC_PREDEFINED, *a, mqtt_bytes::default()),
        Topic::Name(n) => (MQTTSN2_TOPIC_NAME, 0, mqtt_bytes::of(n.as_bytes())),
    }
}

fn kind_bits(kind: AliasKind) -> u8 {
    match kind {
        AliasKind::Session => MQTTSN2_ALIAS_SESSION,
        AliasKind::Predefined => MQTTSN2_ALIAS_PREDEFINED,
    }
}

/// The flat struct of a packet.
fn of_packet(p: &Packet<&[u8]>) -> mqttsn2_packet {
    let mut c = mqttsn2_packet {
        packet_type: p.packet_type() as u8,
        ..Default::default()
    };
    fn id(c: &mut mqttsn2_packet, packet_id: u16) {
        c.has_packet_id = true;
        c.packet_id = packet_id;
    }
    fn topic(c: &mut mqttsn2_packet, t: &Topic<&[u8]>) {
        (c.topic_type, c.topic_alias, c.topic) = topic_fields(t);
    }
    fn expiry(c: &mut mqttsn2_packet, e: Option<u32>) {
        c.has_session_expiry = e.is_some();
        c.session_expiry = e.unwrap_or(0);
    }
    fn auth(c: &mut mqttsn2_packet, a: Option<&AuthBlock<&[u8]>>) {
        if let Some(a) = a {
            c.auth_method = mqtt_bytes::of(a.method.as_bytes());
            c.auth_data = mqtt_bytes::of(a.data);
        }
    }
    fn ack(c: &mut mqttsn2_packet, a: &Ack) {
        id(c, a.packet_id);
        c.reason_code = a.reason_code;
    }
    fn alias(c: &mut mqttsn2_packet, kind: AliasKind, a: Option<u16>) {
        c.alias_kind = kind_bits(kind);
        c.has_alias = a.is_some();
        c.alias = a.unwrap_or(0);
    }
    match p {
        Packet::Connect(k) => {
            c.clean_start = k.clean_start;
            c.address_may_change = k.address_may_change;
            c.server_may_suggest = k.server_may_suggest;
            id(&mut c, k.packet_id);
            c.protocol_version = k.protocol_version;
            c.keep_alive = k.keep_alive;
            c.max_packet_size = k.max_packet_size;
            c.has_default_awake_messages = k.default_awake_messages.is_some();
            c.default_awake_messages = k.default_awake_messages.unwrap_or(0);
            expiry(&mut c, k.session_expiry);
            if let Some(w) = &k.will {
                c.has_will = true;
                c.will_qos = w.qos as u8;
                c.will_retain = w.retain;
                (c.will_topic_type, c.will_topic_alias, c.will_topic) = topic_fields(&w.topic);
                c.will_payload = mqtt_bytes::of(w.payload);
            }
            auth(&mut c, k.auth.as_ref());
            c.client_id = mqtt_bytes::of(k.client_id.as_bytes());
        }
        Packet::ConnAck(a) => {
            c.session_present = a.session_present;
            id(&mut c, a.packet_id);
            c.reason_code = a.reason_code;
            expiry(&mut c, a.session_expiry);
            c.has_server_keep_alive = a.server_keep_alive.is_some();
            c.server_keep_alive = a.server_keep_alive.unwrap_or(0);
            auth(&mut c, a.auth.as_ref());
            c.client_id = mqtt_bytes::opt(a.assigned_client_id.as_ref().map(|s| s.as_bytes()));
        }
        Packet::Publish(m) => {
            c.dup = m.dup;
            c.qos = m.qos as u8;
            c.retain = m.retain;
            topic(&mut c, &m.topic);
            if let Some(packet_id) = m.packet_id {
                id(&mut c, packet_id);
            }
            c.payload = mqtt_bytes::of(m.payload);
        }
        Packet::PubAck(a)
        | Packet::PubRec(a)
        | Packet::PubRel(a)
        | Packet::PubComp(a)
        | Packet::UnsubAck(a) => ack(&mut c, a),
        Packet::Subscribe(s) => {
            c.no_local = s.no_local;
            c.qos = s.qos as u8;
            c.retain_as_published = s.retain_as_published;
            c.retain_handling = s.retain_handling;
            id(&mut c, s.packet_id);
            topic(&mut c, &s.topic);
        }
        Packet::SubAck(s) => {
            id(&mut c, s.packet_id);
            alias(&mut c, s.kind, s.alias);
            c.reason_code = s.reason_code;
        }
        Packet::Unsubscribe {
            packet_id,
            topic: t,
        } => {
            id(&mut c, *packet_id);
            topic(&mut c, t);
        }
        Packet::PingReq { packet_id } => id(&mut c, *packet_id),
        Packet::PingResp {
            packet_id,
            messages_remaining,
        } => {
            id(&mut c, *packet_id);
            c.has_messages_remaining = messages_remaining.is_some();
            c.messages_remaining = messages_remaining.unwrap_or(0);
        }
        Packet::Disconnect(d) => {
            if let Some(packet_id) = d.packet_id {
                id(&mut c, packet_id);
            }
            expiry(&mut c, d.session_expiry);
            c.has_reason_code = d.reason_code.is_some();
            c.reason_code = d.reason_code.unwrap_or(0);
            c.reason_string = mqtt_bytes::opt(d.reason_string.as_ref().map(|s| s.as_bytes()));
        }
        Packet::Auth(a) => {
            id(&mut c, a.packet_id);
            c.reason_code = a.reason_code;
            c.auth_method = mqtt_bytes::of(a.method.as_bytes());
            c.auth_data = mqtt_bytes::of(a.data);
        }
        Packet::Register(r) => {
            id(&mut c, r.packet_id);
            c.has_alias = r.alias.is_some();
            c.alias = r.alias.unwrap_or(0);
            c.topic_type = MQTTSN2_TOPIC_NAME;
            c.topic = mqtt_bytes::of(r.topic_name.as_bytes());
        }
        Packet::RegAck(r) => {
            id(&mut c, r.packet_id);
            alias(&mut c, r.kind, r.alias);
            c.reason_code = r.reason_code;
        }
        Packet::PubWos(m) => {
            c.retain = m.retain;
            topic(&mut c, &m.topic);
            c.payload = mqtt_bytes::of(m.payload);
        }
        Packet::SleepReq {
            retain_aliases,
            packet_id,
            duration,
        } => {
            c.retain_aliases = *retain_aliases;
            id(&mut c, *packet_id);
            c.has_duration = true;
            c.duration = *duration;
        }
        Packet::SleepResp {
            packet_id,
            duration,
            reason_code,
        } => {
            id(&mut c, *packet_id);
            c.has_duration = duration.is_some();
            c.duration = duration.unwrap_or(0);
            c.reason_code = *reason_code;
        }
        Packet::Wakeup => {}
        Packet::Advertise { gw_id, duration } => {
            c.gw_id = *gw_id;
            c.has_duration = true;
            c.duration = u32::from(*duration);
        }
        Packet::SearchGw { info } => c.address = mqtt_bytes::of(info),
        Packet::GwInfo { gw_id, gw_addr } => {
            c.gw_id = *gw_id;
            c.address = mqtt_bytes::of(gw_addr);
        }
        Packet::Forwarder { address, packet } => {
            c.address = mqtt_bytes::of(address);
            c.inner = mqtt_bytes::of(packet);
        }
        Packet::Connection { client_id, packet } => {
            c.client_id = mqtt_bytes::of(client_id.as_bytes());
            c.inner = mqtt_bytes::of(packet);
        }
        Packet::Protection(pr) => {
            c.tag_length = pr.tag_length;
            c.scheme = pr.scheme;
            c.sender_id = pr.sender_id;
            c.random = pr.random;
            c.crypto = mqtt_bytes::of(pr.crypto);
            c.counter = mqtt_bytes::of(pr.counter);
            c.protected_packet = mqtt_bytes::of(pr.protected);
        }
    }
    c
}

/// A text field: valid UTF-8 without U+0000, at most 65535 octets.
fn text(bytes: &[u8]) -> Result<MqttStr<&[u8]>, mqtt_status> {
    MqttStr::try_new(bytes).map_err(|e| match e {
        StrError::TooLong => MQTT_ERR_SN2_FIELD_TOO_LONG,
        _ => MQTT_ERR_SN2_INVALID_STRING,
    })
}

/// A QoS field, 0 to 2 (3 has no `QoS`: out of range).
fn qos(level: u8) -> Result<QoS, mqtt_status> {
    QoS::from_bits(level).ok_or(MQTT_ERR_INVALID_ARGUMENT)
}

fn alias_kind(bits: u8) -> Result<AliasKind, mqtt_status> {
    match bits {
        MQTTSN2_ALIAS_SESSION => Ok(AliasKind::Session),
        MQTTSN2_ALIAS_PREDEFINED => Ok(AliasKind::Predefined),
        _ => Err(MQTT_ERR_INVALID_ARGUMENT),
    }
}

/// The packet of a flat struct the caller filled. Only the views the packet type uses are
/// read; a field out of range for its Rust type (QoS 3, Topic Type `10`, an unknown packet
/// type, ...) is `MQTT_ERR_INVALID_ARGUMENT`, every rule after that is the core's, and so is
/// a view that overlaps `output` (the buffer an encoder will write).
///
/// # Safety
/// Every view in `c` that `c.packet_type` uses must be valid for `'a`.
unsafe fn to_packet<'a>(
    c: &mqttsn2_packet,
    output: Option<(*const u8, usize)>,
) -> Result<Packet<&'a [u8]>, mqtt_status> {
    use PacketType as T;
    let v = |b: &mqtt_bytes| -> Result<&'a [u8], mqtt_status> {
        // An encoder must not write where it reads (a datagram wrapped in place, say).
        if output.is_some_and(|(out, cap)| b.overlaps(out, cap)) {
            return Err(MQTT_ERR_INVALID_ARGUMENT);
        }
        // SAFETY: only called on the views the packet type uses, valid for 'a by the
        // function's contract.
        unsafe { view(b) }
    };
    // An optional view: absent when its pointer is NULL (and its length 0).
    let ov = |b: &mqtt_bytes| -> Result<Option<&'a [u8]>, mqtt_status> {
        match (b.ptr.is_null(), b.len) {
            (true, 0) => Ok(None),
            _ => v(b).map(Some),
        }
    };
    let topic = |bits: u8, alias: u16, name: &mqtt_bytes| match bits {
        MQTTSN2_TOPIC_ALIAS => Ok(Topic::Alias(alias)),
        MQTTSN2_TOPIC_PREDEFINED => Ok(Topic::Predefined(alias)),
        MQTTSN2_TOPIC_NAME => Ok(Topic::Name(text(v(name)?)?)),
        _ => Err(MQTT_ERR_INVALID_ARGUMENT),
    };
    let the_topic = || topic(c.topic_type, c.topic_alias, &c.topic);
    let auth_block = || -> Result<Option<AuthBlock<&'a [u8]>>, mqtt_status> {
        match ov(&c.auth_method)? {
            None => Ok(None),
            Some(method) => Ok(Some(AuthBlock {
                method: text(method)?,
                data: v(&c.auth_data)?,
            })),
        }
    };
    let optional_text = |b: &mqtt_bytes| ov(b)?.map(text).transpose();
    let id = c.packet_id;
    let ack = Ack {
        packet_id: id,
        reason_code: c.reason_code,
    };
    let session_expiry = c.has_session_expiry.then_some(c.session_expiry);
    let Some(packet_type) = T::from_u8(c.packet_type) else {
        return Err(MQTT_ERR_INVALID_ARGUMENT);
    };
    Ok(match packet_type {
        T::Connect => Packet::Connect(Connect {
            clean_start: c.clean_start,
            address_may_change: c.address_may_change,
            server_may_suggest: c.server_may_suggest,
            packet_id: id,
            protocol_version: match c.protocol_version {
                0 => 2,
                version => version,
            },
            keep_alive: c.keep_alive,
            max_packet_size: c.max_packet_size,
            default_awake_messages: c
                .has_default_awake_messages
                .then_some(c.default_awake_messages),
            session_expiry,
            will: match c.has_will {
                false => None,
                true => Some(Will {
                    qos: qos(c.will_qos)?,
                    retain: c.will_retain,
                    topic: topic(c.will_topic_type, c.will_topic_alias, &c.will_topic)?,
                    payload: v(&c.will_payload)?,
                }),
            },
            auth: auth_block()?,
            client_id: text(v(&c.client_id)?)?,
        }),
        T::ConnAck => Packet::ConnAck(ConnAck {
            session_present: c.session_present,
            packet_id: id,
            reason_code: c.reason_code,
            session_expiry,
            server_keep_alive: c.has_server_keep_alive.then_some(c.server_keep_alive),
            auth: auth_block()?,
            assigned_client_id: optional_text(&c.client_id)?,
        }),
        T::Publish => Packet::Publish(Publish {
            dup: c.dup,
            qos: qos(c.qos)?,
            retain: c.retain,
            topic: the_topic()?,
            packet_id: c.has_packet_id.then_some(id),
            payload: v(&c.payload)?,
        }),
        T::PubAck => Packet::PubAck(ack),
        T::PubRec => Packet::PubRec(ack),
        T::PubRel => Packet::PubRel(ack),
        T::PubComp => Packet::PubComp(ack),
        T::UnsubAck => Packet::UnsubAck(ack),
        T::Subscribe => Packet::Subscribe(Subscribe {
            no_local: c.no_local,
            qos: qos(c.qos)?,
            retain_as_published: c.retain_as_published,
            retain_handling: c.retain_handling,
            packet_id: id,
            topic: the_topic()?,
        }),
        T::SubAck => Packet::SubAck(SubAck {
            packet_id: id,
            kind: alias_kind(c.alias_kind)?,
            alias: c.has_alias.then_some(c.alias),
            reason_code: c.reason_code,
        }),
        T::Unsubscribe => Packet::Unsubscribe {
            packet_id: id,
            topic: the_topic()?,
        },
        T::PingReq => Packet::PingReq { packet_id: id },
        T::PingResp => Packet::PingResp {
            packet_id: id,
            messages_remaining: c.has_messages_remaining.then_some(c.messages_remaining),
        },
        T::Disconnect => Packet::Disconnect(Disconnect {
            packet_id: c.has_packet_id.then_some(id),
            session_expiry,
            reason_code: c.has_reason_code.then_some(c.reason_code),
            reason_string: optional_text(&c.reason_string)?,
        }),
        T::Auth => Packet::Auth(Auth {
            packet_id: id,
            reason_code: c.reason_code,
            method: text(v(&c.auth_method)?)?,
            data: v(&c.auth_data)?,
        }),
        T::Register => Packet::Register(Register {
            packet_id: id,
            alias: c.has_alias.then_some(c.alias),
            topic_name: text(v(&c.topic)?)?,
        }),
        T::RegAck => Packet::RegAck(RegAck {
            packet_id: id,
            kind: alias_kind(c.alias_kind)?,
            alias: c.has_alias.then_some(c.alias),
            reason_code: c.reason_code,
        }),
        T::PubWos => Packet::PubWos(PubWos {
            retain: c.retain,
            topic: the_topic()?,
            payload: v(&c.payload)?,
        }),
        T::SleepReq => Packet::SleepReq {
            retain_aliases: c.retain_aliases,
            packet_id: id,
            duration: c.duration,
        },
        T::SleepResp => Packet::SleepResp {
            packet_id: id,
            duration: c.has_duration.then_some(c.duration),
            reason_code: c.reason_code,
        },
        T::Wakeup => Packet::Wakeup,
        T::Advertise => Packet::Advertise {
            gw_id: c.gw_id,
            duration: u16::try_from(c.duration).map_err(|_| MQTT_ERR_INVALID_ARGUMENT)?,
        },
        T::SearchGw => Packet::SearchGw {
            info: v(&c.address)?,
        },
        T::GwInfo => Packet::GwInfo {
            gw_id: c.gw_id,
            gw_addr: v(&c.address)?,
        },
        T::Forwarder => Packet::Forwarder {
            address: v(&c.address)?,
            packet: v(&c.inner)?,
        },
        T::Connection => Packet::Connection {
            client_id: text(v(&c.client_id)?)?,
            packet: v(&c.inner)?,
        },
        T::Protection => Packet::Protection(Protection {
            tag_length: c.tag_length,
            scheme: c.scheme,
            sender_id: c.sender_id,
            random: c.random,
            crypto: v(&c.crypto)?,
            counter: v(&c.counter)?,
            protected: v(&c.protected_packet)?,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::ALL;

    #[test]
    fn type_constants_are_the_core_packet_types() {
        let constants = [
            MQTTSN2_CONNECT,
            MQTTSN2_CONNACK,
            MQTTSN2_PUBLISH,
            MQTTSN2_PUBACK,
            MQTTSN2_PUBREC,
            MQTTSN2_PUBREL,
            MQTTSN2_PUBCOMP,
            MQTTSN2_SUBSCRIBE,
            MQTTSN2_SUBACK,
            MQTTSN2_UNSUBSCRIBE,
            MQTTSN2_UNSUBACK,
            MQTTSN2_PINGREQ,
            MQTTSN2_PINGRESP,
            MQTTSN2_DISCONNECT,
            MQTTSN2_AUTH,
            MQTTSN2_REGISTER,
            MQTTSN2_REGACK,
            MQTTSN2_PUBWOS,
            MQTTSN2_SLEEPREQ,
            MQTTSN2_SLEEPRESP,
            MQTTSN2_WAKEUP,
            MQTTSN2_ADVERTISE,
            MQTTSN2_SEARCHGW,
            MQTTSN2_GWINFO,
            MQTTSN2_FORWARDER,
            MQTTSN2_CONNECTION,
            MQTTSN2_PROTECTION,
        ];
        let defined = (0..=u8::MAX).filter(|&b| PacketType::from_u8(b).is_some());
        assert!(defined.eq(constants.iter().copied()));
        assert!(PacketType::from_u8(MQTTSN2_NO_PACKET).is_none());
        assert_eq!(Topic::<&[u8]>::Alias(0).type_bits(), MQTTSN2_TOPIC_ALIAS);
        assert_eq!(
            Topic::<&[u8]>::Predefined(0).type_bits(),
            MQTTSN2_TOPIC_PREDEFINED
        );
        assert_eq!(
            Topic::Name(MqttStr::try_new(&b"a"[..]).unwrap()).type_bits(),
            MQTTSN2_TOPIC_NAME
        );
    }

    #[test]
    fn every_sn2_status_but_other_stands_for_one_error() {
        let sn2 = ALL
            .iter()
            .copied()
            .filter(|&s| (350..400).contains(&(s as i32)));
        for s in sn2 {
            if s == MQTT_ERR_SN2_OTHER {
                assert!(representative(s).is_none());
                continue;
            }
            let e = representative(s).unwrap_or_else(|| panic!("{s:?}"));
            assert_eq!(of_error(&e), s, "{e:?}");
        }
    }

    #[test]
    fn reason_codes_are_the_core_ones() {
        let code = |s: mqtt_status| mqttsn2_error_reason_code(s as c_int);
        assert_eq!(code(MQTT_ERR_SN2_RESERVED_QOS), 0x81);
        assert_eq!(code(MQTT_ERR_SN2_WRONG_SIZE), 0x81);
        assert_eq!(code(MQTT_ERR_SN2_KEEP_ALIVE_ZERO), 0x82);
        assert_eq!(code(MQTT_ERR_SN2_ZERO_PACKET_ID), 0x82);
        assert_eq!(code(MQTT_ERR_SN2_ALIAS_TYPE), 0x82);
        assert_eq!(code(MQTT_ERR_SN2_EMPTY_FIELD), 0);
        assert_eq!(code(MQTT_ERR_SN2_UNSUPPORTED_VERSION), 0x84);
        assert_eq!(code(MQTT_ERR_SN2_OTHER), 0x81);
        assert_eq!(code(MQTT_ERR_SN2_PACKET_ID_PRESENCE), 0);
        assert_eq!(code(MQTT_ERR_SN_WRONG_SIZE), 0);
        assert_eq!(code(MQTT_OK), 0);
        assert_eq!(mqttsn2_error_reason_code(-1), 0);
    }

    /// Every packet the core's vectors hold survives the flat struct both ways.
    #[test]
    fn the_flat_struct_round_trips() {
        let hex = [
            "0E 01 01 00 01 02 00 3C 01 00 64 65 76 31",
            "06 02 00 00 01 00",
            "0C 03 23 00 02 00 03 61 2F 62 68 69",
            "07 12 01 00 05 6F 6E",
            "03 0E 00",
            "04 0C 00 07",
            "09 13 00 00 08 00 00 0E 10",
            "0C FE 00 04 64 65 76 31 04 0C 00 07",
            "09 FC 02 12 34 04 0C 00 07",
        ];
        for h in hex {
            let bytes: Vec<u8> = h
                .split(' ')
                .map(|b| u8::from_str_radix(b, 16).unwrap())
                .collect();
            let parsed = v2::parse(&bytes).unwrap();
            let flat = of_packet(&parsed);
            // SAFETY: the views point into `bytes`, alive for the test.
            let back = unsafe { to_packet(&flat, None) }.unwrap();
            assert_eq!(back, parsed, "{h}");
        }
    }
}
