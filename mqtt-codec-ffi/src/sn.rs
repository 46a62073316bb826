//! MQTT-SN 1.2 over the C ABI: one flat message struct, parsed from a datagram in place
//! (views into the caller's buffer) and encoded into the caller's buffer; no heap.

use crate::c_args::{bytes, bytes_mut};
use crate::guard;
use crate::status::mqtt_status::{self, *};
use crate::types::mqtt_bytes;
use codec::sn::{
    Connect, Encapsulated, Message, Publish, Register, ReturnCode, SnEncodeError, SnError,
    SnOptions, SnQos, Subscribe, SubscribeTopic, TopicId, WillTopic,
};
use codec::{MqttStr, StrError};

/// MsgType ADVERTISE (0x00).
pub const MQTTSN_ADVERTISE: u8 = 0x00;
/// MsgType SEARCHGW (0x01).
pub const MQTTSN_SEARCHGW: u8 = 0x01;
/// MsgType GWINFO (0x02).
pub const MQTTSN_GWINFO: u8 = 0x02;
/// MsgType CONNECT (0x04).
pub const MQTTSN_CONNECT: u8 = 0x04;
/// MsgType CONNACK (0x05).
pub const MQTTSN_CONNACK: u8 = 0x05;
/// MsgType WILLTOPICREQ (0x06).
pub const MQTTSN_WILLTOPICREQ: u8 = 0x06;
/// MsgType WILLTOPIC (0x07).
pub const MQTTSN_WILLTOPIC: u8 = 0x07;
/// MsgType WILLMSGREQ (0x08).
pub const MQTTSN_WILLMSGREQ: u8 = 0x08;
/// MsgType WILLMSG (0x09).
pub const MQTTSN_WILLMSG: u8 = 0x09;
/// MsgType REGISTER (0x0A).
pub const MQTTSN_REGISTER: u8 = 0x0A;
/// MsgType REGACK (0x0B).
pub const MQTTSN_REGACK: u8 = 0x0B;
/// MsgType PUBLISH (0x0C).
pub const MQTTSN_PUBLISH: u8 = 0x0C;
/// MsgType PUBACK (0x0D).
pub const MQTTSN_PUBACK: u8 = 0x0D;
/// MsgType PUBCOMP (0x0E).
pub const MQTTSN_PUBCOMP: u8 = 0x0E;
/// MsgType PUBREC (0x0F).
pub const MQTTSN_PUBREC: u8 = 0x0F;
/// MsgType PUBREL (0x10).
pub const MQTTSN_PUBREL: u8 = 0x10;
/// MsgType SUBSCRIBE (0x12).
pub const MQTTSN_SUBSCRIBE: u8 = 0x12;
/// MsgType SUBACK (0x13).
pub const MQTTSN_SUBACK: u8 = 0x13;
/// MsgType UNSUBSCRIBE (0x14).
pub const MQTTSN_UNSUBSCRIBE: u8 = 0x14;
/// MsgType UNSUBACK (0x15).
pub const MQTTSN_UNSUBACK: u8 = 0x15;
/// MsgType PINGREQ (0x16).
pub const MQTTSN_PINGREQ: u8 = 0x16;
/// MsgType PINGRESP (0x17).
pub const MQTTSN_PINGRESP: u8 = 0x17;
/// MsgType DISCONNECT (0x18).
pub const MQTTSN_DISCONNECT: u8 = 0x18;
/// MsgType WILLTOPICUPD (0x1A).
pub const MQTTSN_WILLTOPICUPD: u8 = 0x1A;
/// MsgType WILLTOPICRESP (0x1B).
pub const MQTTSN_WILLTOPICRESP: u8 = 0x1B;
/// MsgType WILLMSGUPD (0x1C).
pub const MQTTSN_WILLMSGUPD: u8 = 0x1C;
/// MsgType WILLMSGRESP (0x1D).
pub const MQTTSN_WILLMSGRESP: u8 = 0x1D;
/// MsgType ENCAPSULATED (0xFE).
pub const MQTTSN_ENCAPSULATED: u8 = 0xFE;
/// `msg_type` of an [`mqttsn_message`] that holds no message: what `mqttsn_parse()` leaves
/// in `*answer` when a refused datagram is simply dropped (0xFF is reserved in MQTT-SN 1.2).
pub const MQTTSN_NO_MESSAGE: u8 = 0xFF;
/// TopicIdType `00`: a registered topic id (in SUBSCRIBE and UNSUBSCRIBE: a topic name in
/// `text`).
pub const MQTTSN_TOPIC_NORMAL: u8 = 0;
/// TopicIdType `01`: a predefined topic id.
pub const MQTTSN_TOPIC_PREDEFINED: u8 = 1;
/// TopicIdType `10`: a short topic name, its two octets in `topic_id` (big-endian: the first
/// character in the high byte).
pub const MQTTSN_TOPIC_SHORT: u8 = 2;

/// One MQTT-SN 1.2 message, flat: `msg_type` is the MsgType octet (0x0C PUBLISH, ...) and
/// says which fields mean something; the others are 0 or empty.
///
/// - `text`: CONNECT and PINGREQ ClientId, REGISTER TopicName, WILLTOPIC(UPD) WillTopic,
///   SUBSCRIBE and UNSUBSCRIBE topic filter (TopicIdType normal). Empty in a PINGREQ without a
///   ClientId and in the empty WILLTOPIC(UPD) that deletes the will.
/// - `data`: PUBLISH Data, WILLMSG(UPD) WillMsg, GWINFO GwAdd, and an encapsulation's inner
///   message (a whole datagram: parse it with `mqttsn_parse()`).
/// - `node_id`: an encapsulation's wireless node id.
/// - `topic_id`: the TopicId of PUBLISH, PUBACK, REGISTER, REGACK and SUBACK, and of
///   SUBSCRIBE and UNSUBSCRIBE with a predefined id or short name.
/// - `duration`: CONNECT keep-alive, ADVERTISE interval, DISCONNECT sleep (with
///   `has_duration`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mqttsn_message {
    /// The MsgType octet.
    pub msg_type: u8,
    /// DUP (PUBLISH, SUBSCRIBE).
    pub dup: bool,
    /// QoS -1, 0, 1 or 2 (PUBLISH; SUBSCRIBE, SUBACK, WILLTOPIC(UPD) 0 to 2).
    pub qos: i8,
    /// RETAIN (PUBLISH, WILLTOPIC(UPD)).
    pub retain: bool,
    /// The Will flag (CONNECT).
    pub will: bool,
    /// CleanSession (CONNECT).
    pub clean_session: bool,
    /// TopicIdType, one of `MQTTSN_TOPIC_*` (PUBLISH, SUBSCRIBE, UNSUBSCRIBE).
    pub topic_id_type: u8,
    /// ReturnCode: 0 accepted, 1 congestion, 2 invalid topic id, 3 not supported.
    pub return_code: u8,
    /// GwId (ADVERTISE, GWINFO).
    pub gw_id: u8,
    /// Radius (SEARCHGW; an encapsulation's Ctrl bits 1-0).
    pub radius: u8,
    /// DISCONNECT carries a sleep duration.
    pub has_duration: bool,
    /// Duration in seconds.
    pub duration: u16,
    /// TopicId, or a short name's two octets.
    pub topic_id: u16,
    /// MsgId.
    pub msg_id: u16,
    /// The text field (see above).
    pub text: mqtt_bytes,
    /// The binary field (see above).
    pub data: mqtt_bytes,
    /// An encapsulation's wireless node id.
    pub node_id: mqtt_bytes,
}

impl Default for mqttsn_message {
    fn default() -> Self {
        mqttsn_message {
            msg_type: MQTTSN_NO_MESSAGE,
            dup: false,
            qos: 0,
            retain: false,
            will: false,
            clean_session: false,
            topic_id_type: 0,
            return_code: 0,
            gw_id: 0,
            radius: 0,
            has_duration: false,
            duration: 0,
            topic_id: 0,
            msg_id: 0,
            text: mqtt_bytes::default(),
            data: mqtt_bytes::default(),
            node_id: mqtt_bytes::default(),
        }
    }
}

/// What `mqttsn_parse()` accepts, and `mqttsn_encode_with()` writes, beyond the
/// specification's defaults.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mqttsn_options {
    /// The longest ClientId accepted; 0 means the specification's 23.
    pub max_client_id_len: usize,
    /// Refuse flag bits a message does not use (off: ignore them, as the specification
    /// allows).
    pub strict_flags: bool,
}

fn options(opts: Option<&mqttsn_options>) -> SnOptions {
    let mut o = SnOptions::DEFAULT;
    if let Some(c) = opts {
        if c.max_client_id_len > 0 {
            o.max_client_id_len = c.max_client_id_len;
        }
        o.strict_flags = c.strict_flags;
    }
    o
}

/// Parses one MQTT-SN 1.2 datagram into `*out`, whose views point into `buf`.
///
/// On a refused datagram it returns the error (300 to 349) and, when `answer` is not NULL,
/// fills `*answer` with the message MQTT-SN 1.2 answers with (CONNACK, SUBACK, REGACK or
/// WILLTOPICRESP "not supported"), or sets its `msg_type` to `MQTTSN_NO_MESSAGE` when the
/// datagram is just dropped. `opts` may be NULL for the defaults.
///
/// ```c
/// mqttsn_message m, answer;
/// if (mqttsn_parse(buf, n, NULL, &m, &answer) == MQTT_OK && m.msg_type == 0x0C)
///     handle_publish(m.topic_id, m.data.ptr, m.data.len);
/// ```
///
/// # Safety
/// `buf` must be NULL or readable for `len` bytes; `opts` NULL or readable; `out` NULL or
/// writable; `answer` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqttsn_parse(
    buf: *const u8,
    len: usize,
    opts: *const mqttsn_options,
    out: *mut mqttsn_message,
    answer: *mut mqttsn_message,
) -> mqtt_status {
    guard(|| {
        if out.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: `out` is non-NULL and writable by the caller's contract; written whole
        // before any reference is made.
        unsafe { out.write(mqttsn_message::default()) };
        if !answer.is_null() {
            // SAFETY: non-NULL and writable by the caller's contract.
            unsafe { answer.write(mqttsn_message::default()) };
        }
        // SAFETY: non-NULL; readable for `len` bytes, `opts` NULL or readable, `out`
        // writable (and initialised above), by the caller's contract.
        let data = match unsafe { bytes(buf, len) } {
            Ok(data) => data,
            Err(s) => return s,
        };
        // SAFETY: `opts` NULL or readable, `out` writable (and initialised above), by the
        // caller's contract.
        let (opts, out) = unsafe { (opts.as_ref(), &mut *out) };
        match codec::sn::parse_with(data, &options(opts)) {
            Ok(message) => {
                *out = of_message(&message);
                MQTT_OK
            }
            Err(e) => {
                if let (Some(reply), false) = (e.answer(), answer.is_null()) {
                    // SAFETY: non-NULL and writable by the caller's contract; initialised
                    // above.
                    unsafe { *answer = of_message(&reply) };
                }
                of_error(&e)
            }
        }
    })
}

/// The exact number of octets `mqttsn_encode()` writes for `message`, after checking every
/// rule the parser checks.
///
/// # Safety
/// `message` must be NULL or readable with valid views; `len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqttsn_encoded_len(
    message: *const mqttsn_message,
    len: *mut usize,
) -> mqtt_status {
    // SAFETY: the caller's contract, passed on.
    unsafe { mqttsn_encoded_len_with(message, core::ptr::null(), len) }
}

/// `mqttsn_encoded_len()` under `opts` (NULL for the defaults): a ClientId in CONNECT,
/// PINGREQ or an encapsulated message may be as long as `opts->max_client_id_len`, for a
/// gateway that takes longer ones than the specification's 23 (SN-FLD-2).
///
/// # Safety
/// As `mqttsn_encoded_len()`; `opts` NULL or readable.
#[no_mangle]
pub unsafe extern "C" fn mqttsn_encoded_len_with(
    message: *const mqttsn_message,
    opts: *const mqttsn_options,
    len: *mut usize,
) -> mqtt_status {
    guard(|| {
        if message.is_null() || len.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { len.write(0) };
        // SAFETY: non-NULL; readable with valid views for this call by the caller's contract.
        let message = match unsafe { to_message(&*message) } {
            Ok(m) => m,
            Err(s) => return s,
        };
        // SAFETY: NULL or readable by the caller's contract.
        let opts = options(unsafe { opts.as_ref() });
        match message.encoded_len_with(&opts) {
            Ok(n) => {
                // SAFETY: as above.
                unsafe { len.write(n) };
                MQTT_OK
            }
            Err(e) => of_encode_error(&e),
        }
    })
}

/// Encodes `message` at the start of `out` (`cap` bytes) and sets `*written`. On
/// `MQTT_ERR_BUFFER_TOO_SMALL`, `*written` is the size needed; nothing is written on any
/// error.
///
/// ```c
/// mqttsn_message m = {0};
/// m.msg_type = 0x0C; m.qos = 1; m.topic_id_type = MQTTSN_TOPIC_PREDEFINED;
/// m.topic_id = 5; m.msg_id = 2; m.data.ptr = (const uint8_t *)"1"; m.data.len = 1;
/// size_t n;
/// if (mqttsn_encode(&m, out, sizeof out, &n) == MQTT_OK) sendto(sock, out, n, 0, gw, gwlen);
/// ```
///
/// A view of `message` that overlaps `out` (a datagram wrapped where it was received, say)
/// is refused with `MQTT_ERR_INVALID_ARGUMENT`: encode into another buffer.
///
/// # Safety
/// `message` must be NULL or readable with valid views; `out` NULL or writable for `cap`
/// bytes; `written` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqttsn_encode(
    message: *const mqttsn_message,
    out: *mut u8,
    cap: usize,
    written: *mut usize,
) -> mqtt_status {
    // SAFETY: the caller's contract, passed on.
    unsafe { mqttsn_encode_with(message, core::ptr::null(), out, cap, written) }
}

/// `mqttsn_encode()` under `opts` (NULL for the defaults; see
/// `mqttsn_encoded_len_with()`).
///
/// # Safety
/// As `mqttsn_encode()`; `opts` NULL or readable.
#[no_mangle]
pub unsafe extern "C" fn mqttsn_encode_with(
    message: *const mqttsn_message,
    opts: *const mqttsn_options,
    out: *mut u8,
    cap: usize,
    written: *mut usize,
) -> mqtt_status {
    guard(|| {
        if message.is_null() || written.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { written.write(0) };
        // SAFETY: non-NULL and readable by the caller's contract.
        let c = unsafe { &*message };
        if [c.text, c.data, c.node_id]
            .iter()
            .any(|v| v.overlaps(out, cap))
        {
            return MQTT_ERR_INVALID_ARGUMENT;
        }
        // SAFETY: readable with valid views for this call by the caller's contract.
        let message = match unsafe { to_message(c) } {
            Ok(m) => m,
            Err(s) => return s,
        };
        // SAFETY: non-NULL and writable for `cap` bytes by the caller's contract; no view of
        // `message` overlaps it (checked above).
        let buf = match unsafe { bytes_mut(out, cap) } {
            Ok(buf) => buf,
            Err(s) => return s,
        };
        // SAFETY: NULL or readable by the caller's contract.
        let opts = options(unsafe { opts.as_ref() });
        match message.encode_with(buf, &opts) {
            Ok(n) => {
                // SAFETY: as above.
                unsafe { written.write(n) };
                MQTT_OK
            }
            Err(SnEncodeError::BufferTooSmall { needed, .. }) => {
                // SAFETY: as above.
                unsafe { written.write(needed) };
                MQTT_ERR_BUFFER_TOO_SMALL
            }
            Err(e) => of_encode_error(&e),
        }
    })
}

/// The status of a parse error.
fn of_error(e: &SnError) -> mqtt_status {
    match e {
        SnError::TooShort { .. } => MQTT_ERR_SN_TOO_SHORT,
        SnError::LengthTooSmall { .. } => MQTT_ERR_SN_LENGTH_TOO_SMALL,
        SnError::LengthMismatch { .. } => MQTT_ERR_SN_LENGTH_MISMATCH,
        SnError::ReservedMsgType { .. } => MQTT_ERR_SN_RESERVED_MSG_TYPE,
        SnError::WrongSize { .. } => MQTT_ERR_SN_WRONG_SIZE,
        SnError::ReservedTopicIdType { .. } => MQTT_ERR_SN_RESERVED_TOPIC_ID_TYPE,
        SnError::QosMinusOne { .. } => MQTT_ERR_SN_QOS_MINUS_ONE,
        SnError::QosMinusOneNormalTopic => MQTT_ERR_SN_QOS_MINUS_ONE_NORMAL_TOPIC,
        SnError::ZeroMsgId { .. } => MQTT_ERR_SN_ZERO_MSG_ID,
        SnError::ProtocolId { .. } => MQTT_ERR_SN_PROTOCOL_ID,
        SnError::ClientIdLength { .. } => MQTT_ERR_SN_CLIENT_ID_LENGTH,
        SnError::InvalidString { .. } => MQTT_ERR_SN_INVALID_STRING,
        SnError::InvalidTopic { .. } => MQTT_ERR_SN_INVALID_TOPIC,
        SnError::TopicIdLength { .. } => MQTT_ERR_SN_TOPIC_ID_LENGTH,
        SnError::UnusedFlags { .. } => MQTT_ERR_SN_UNUSED_FLAGS,
        SnError::Encapsulation(_) => MQTT_ERR_SN_ENCAPSULATION,
        _ => MQTT_ERR_SN_OTHER,
    }
}

/// The status of an encode error.
fn of_encode_error(e: &SnEncodeError) -> mqtt_status {
    match e {
        SnEncodeError::BufferTooSmall { .. } => MQTT_ERR_BUFFER_TOO_SMALL,
        SnEncodeError::TooLong { .. } | SnEncodeError::FieldTooLong(_) => MQTT_ERR_SN_TOO_LONG,
        SnEncodeError::Invalid(inner) => of_error(inner),
        SnEncodeError::ReservedTopicId { .. } => MQTT_ERR_SN_RESERVED_TOPIC_ID,
        SnEncodeError::Qos0Fields => MQTT_ERR_SN_QOS0_FIELDS,
        SnEncodeError::RadiusOutOfRange { .. } => MQTT_ERR_INVALID_ARGUMENT,
        _ => MQTT_ERR_SN_OTHER,
    }
}

/// The flat struct of a message.
fn of_message(m: &Message<&[u8]>) -> mqttsn_message {
    let mut c = mqttsn_message {
        msg_type: m.msg_type() as u8,
        ..Default::default()
    };
    let topic = |c: &mut mqttsn_message, t: TopicId| {
        c.topic_id_type = t.type_bits();
        c.topic_id = u16::from_be_bytes(t.field());
    };
    let subscribe_topic = |c: &mut mqttsn_message, t: &SubscribeTopic<&[u8]>| {
        c.topic_id_type = t.type_bits();
        match t {
            SubscribeTopic::Name(name) => c.text = mqtt_bytes::of(name.as_bytes()),
            SubscribeTopic::Predefined(id) => c.topic_id = *id,
            SubscribeTopic::Short(name) => c.topic_id = u16::from_be_bytes(*name),
        }
    };
    let will = |c: &mut mqttsn_message, w: &Option<WillTopic<&[u8]>>| {
        if let Some(w) = w {
            c.qos = w.qos.level();
            c.retain = w.retain;
            c.text = mqtt_bytes::of(w.topic.as_bytes());
        }
    };
    match m {
        Message::Advertise { gw_id, duration } => {
            c.gw_id = *gw_id;
            c.duration = *duration;
        }
        Message::SearchGw { radius } => c.radius = *radius,
        Message::GwInfo { gw_id, gw_addr } => {
            c.gw_id = *gw_id;
            c.data = mqtt_bytes::of(gw_addr);
        }
        Message::Connect(k) => {
            c.will = k.will;
            c.clean_session = k.clean_session;
            c.duration = k.duration;
            c.text = mqtt_bytes::of(k.client_id.as_bytes());
        }
        Message::ConnAck { return_code }
        | Message::WillTopicResp { return_code }
        | Message::WillMsgResp { return_code } => c.return_code = return_code.as_u8(),
        Message::WillTopicReq | Message::WillMsgReq | Message::PingResp => {}
        Message::WillTopic(w) | Message::WillTopicUpd(w) => will(&mut c, w),
        Message::WillMsg { message } | Message::WillMsgUpd { message } => {
            c.data = mqtt_bytes::of(message)
        }
        Message::Register(r) => {
            c.topic_id = r.topic_id;
            c.msg_id = r.msg_id;
            c.text = mqtt_bytes::of(r.topic_name.as_bytes());
        }
        Message::RegAck {
            topic_id,
            msg_id,
            return_code,
        }
        | Message::PubAck {
            topic_id,
            msg_id,
            return_code,
        } => {
            c.topic_id = *topic_id;
            c.msg_id = *msg_id;
            c.return_code = return_code.as_u8();
        }
        Message::Publish(p) => {
            c.dup = p.dup;
            c.qos = p.qos.level();
            c.retain = p.retain;
            topic(&mut c, p.topic);
            c.msg_id = p.msg_id;
            c.data = mqtt_bytes::of(p.data);
        }
        Message::PubComp { msg_id }
        | Message::PubRec { msg_id }
        | Message::PubRel { msg_id }
        | Message::UnsubAck { msg_id } => c.msg_id = *msg_id,
        Message::Subscribe(s) => {
            c.dup = s.dup;
            c.qos = s.qos.level();
            c.msg_id = s.msg_id;
            subscribe_topic(&mut c, &s.topic);
        }
        Message::SubAck {
            qos,
            topic_id,
            msg_id,
            return_code,
        } => {
            c.qos = qos.level();
            c.topic_id = *topic_id;
            c.msg_id = *msg_id;
            c.return_code = return_code.as_u8();
        }
        Message::Unsubscribe { msg_id, topic } => {
            c.msg_id = *msg_id;
            subscribe_topic(&mut c, topic);
        }
        Message::PingReq { client_id } => {
            if let Some(id) = client_id {
                c.text = mqtt_bytes::of(id.as_bytes());
            }
        }
        Message::Disconnect { duration } => {
            c.has_duration = duration.is_some();
            c.duration = duration.unwrap_or(0);
        }
        Message::Encapsulated(e) => {
            c.radius = e.radius;
            c.node_id = mqtt_bytes::of(e.node_id);
            c.data = mqtt_bytes::of(e.message);
        }
    }
    c
}

/// The bytes of a view (empty for a NULL pointer with length 0).
///
/// # Safety
/// The view must be valid: NULL with length 0, or readable for `len` bytes during `'a`.
pub(crate) unsafe fn view<'a>(b: &mqtt_bytes) -> Result<&'a [u8], mqtt_status> {
    // SAFETY: the function's contract.
    unsafe { bytes(b.ptr, b.len) }
}

/// A text field: valid UTF-8 without U+0000.
fn text(bytes: &[u8]) -> Result<MqttStr<&[u8]>, mqtt_status> {
    MqttStr::try_new(bytes).map_err(|_: StrError| MQTT_ERR_SN_INVALID_STRING)
}

fn qos(level: i8) -> Result<SnQos, mqtt_status> {
    SnQos::from_level(level).ok_or(MQTT_ERR_INVALID_ARGUMENT)
}

/// The message of a flat struct the caller filled.
///
/// # Safety
/// Every view in `c` must be valid for `'a`.
unsafe fn to_message<'a>(c: &mqttsn_message) -> Result<Message<&'a [u8]>, mqtt_status> {
    use codec::sn::MsgType as T;
    // SAFETY: the views are valid for 'a by the function's contract.
    let (text_field, data, node_id) =
        unsafe { (view(&c.text)?, view(&c.data)?, view(&c.node_id)?) };
    let rc = ReturnCode::from_u8(c.return_code);
    let field = c.topic_id.to_be_bytes();
    let topic_id = || match c.topic_id_type {
        MQTTSN_TOPIC_NORMAL => Ok(TopicId::Normal(c.topic_id)),
        MQTTSN_TOPIC_PREDEFINED => Ok(TopicId::Predefined(c.topic_id)),
        MQTTSN_TOPIC_SHORT => Ok(TopicId::Short(field)),
        _ => Err(MQTT_ERR_INVALID_ARGUMENT),
    };
    let subscribe_topic = || match c.topic_id_type {
        MQTTSN_TOPIC_NORMAL => Ok(SubscribeTopic::Name(text(text_field)?)),
        MQTTSN_TOPIC_PREDEFINED => Ok(SubscribeTopic::Predefined(c.topic_id)),
        MQTTSN_TOPIC_SHORT => Ok(SubscribeTopic::Short(field)),
        _ => Err(MQTT_ERR_INVALID_ARGUMENT),
    };
    let will = || -> Result<Option<WillTopic<&'a [u8]>>, mqtt_status> {
        if text_field.is_empty() {
            return Ok(None);
        }
        Ok(Some(WillTopic {
            qos: qos(c.qos)?,
            retain: c.retain,
            topic: text(text_field)?,
        }))
    };
    let Some(msg_type) = T::from_u8(c.msg_type) else {
        return Err(MQTT_ERR_INVALID_ARGUMENT);
    };
    Ok(match msg_type {
        T::Advertise => Message::Advertise {
            gw_id: c.gw_id,
            duration: c.duration,
        },
        T::SearchGw => Message::SearchGw { radius: c.radius },
        T::GwInfo => Message::GwInfo {
            gw_id: c.gw_id,
            gw_addr: data,
        },
        T::Connect => Message::Connect(Connect {
            will: c.will,
            clean_session: c.clean_session,
            duration: c.duration,
            client_id: text(text_field)?,
        }),
        T::ConnAck => Message::ConnAck { return_code: rc },
        T::WillTopicReq => Message::WillTopicReq,
        T::WillTopic => Message::WillTopic(will()?),
        T::WillMsgReq => Message::WillMsgReq,
        T::WillMsg => Message::WillMsg { message: data },
        T::Register => Message::Register(Register {
            topic_id: c.topic_id,
            msg_id: c.msg_id,
            topic_name: text(text_field)?,
        }),
        T::RegAck => Message::RegAck {
            topic_id: c.topic_id,
            msg_id: c.msg_id,
            return_code: rc,
        },
        T::Publish => Message::Publish(Publish {
            dup: c.dup,
            qos: qos(c.qos)?,
            retain: c.retain,
            topic: topic_id()?,
            msg_id: c.msg_id,
            data,
        }),
        T::PubAck => Message::PubAck {
            topic_id: c.topic_id,
            msg_id: c.msg_id,
            return_code: rc,
        },
        T::PubComp => Message::PubComp { msg_id: c.msg_id },
        T::PubRec => Message::PubRec { msg_id: c.msg_id },
        T::PubRel => Message::PubRel { msg_id: c.msg_id },
        T::Subscribe => Message::Subscribe(Subscribe {
            dup: c.dup,
            qos: qos(c.qos)?,
            msg_id: c.msg_id,
            topic: subscribe_topic()?,
        }),
        T::SubAck => Message::SubAck {
            qos: qos(c.qos)?,
            topic_id: c.topic_id,
            msg_id: c.msg_id,
            return_code: rc,
        },
        T::Unsubscribe => Message::Unsubscribe {
            msg_id: c.msg_id,
            topic: subscribe_topic()?,
        },
        T::UnsubAck => Message::UnsubAck { msg_id: c.msg_id },
        T::PingReq => Message::PingReq {
            client_id: match text_field {
                [] => None,
                id => Some(text(id)?),
            },
        },
        T::PingResp => Message::PingResp,
        T::Disconnect => Message::Disconnect {
            duration: c.has_duration.then_some(c.duration),
        },
        T::WillTopicUpd => Message::WillTopicUpd(will()?),
        T::WillTopicResp => Message::WillTopicResp { return_code: rc },
        T::WillMsgUpd => Message::WillMsgUpd { message: data },
        T::WillMsgResp => Message::WillMsgResp { return_code: rc },
        T::Encapsulated => Message::Encapsulated(Encapsulated {
            radius: c.radius,
            node_id,
            message: data,
        }),
    })
}
