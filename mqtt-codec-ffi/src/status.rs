//! The one status enum of the C ABI, its text, and the mapping from the core's errors.

use codec::DecodeErrorKind as K;
use codec::{
    DecodeError, DecodeErrorKind, EncodeError, PacketType, PropertyId, StrError, TopicError,
};
use core::ffi::{c_char, c_int};

/// The result of every function of the C ABI that can fail.
///
/// `MQTT_OK` (0) is success. `MQTT_NEED_MORE` and `MQTT_END` are normal answers, not errors.
/// Decode errors (100 to 199) mean the connection must be closed; in MQTT 5.0 first send the
/// reason code given by `mqtt_decode_error_reason_code()`. Encode errors (200 to 299) mean the
/// packet breaks a rule or cannot be represented in the version asked for. MQTT-SN errors
/// (300 to 349) mean the datagram is dropped, unless `mqttsn_parse()` gave an answer to send.
/// MQTT-SN 2.0 errors (350 to 399) mean the datagram is refused; the reason code for the
/// DISCONNECT (or CONNACK) 2.0 may send first is `mqttsn2_error_reason_code()`. Client
/// session errors (400 to 439) mean the command was refused and nothing changed; snapshot
/// errors (440 to 449) that a snapshot could not be read back.
///
/// ```c
/// mqtt_status st = mqtt_decode(buf, len, &opts, &packet, &n);
/// if (st != MQTT_OK && st != MQTT_NEED_MORE) fprintf(stderr, "%s\n", mqtt_status_str(st));
/// ```
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum mqtt_status {
    /// Success.
    MQTT_OK = 0,
    /// Not enough bytes yet: a one-shot decode reports how many more it needs; a streaming
    /// decoder has no complete packet buffered.
    MQTT_NEED_MORE = 1,
    /// A list iterator has no more items; a session has no event waiting, or no deadline.
    MQTT_END = 2,
    /// `mqtt_session_data_to_send()` filled the buffer and more bytes wait: call it again.
    MQTT_MORE_TO_SEND = 3,
    /// A required pointer argument was NULL (or a view had a NULL pointer and a length).
    MQTT_ERR_NULL_POINTER = 10,
    /// The output buffer is too small; the size needed is reported.
    MQTT_ERR_BUFFER_TOO_SMALL = 11,
    /// An argument or a field of a packet struct is out of range (version, role, packet type,
    /// QoS, retain handling, list kind, ...).
    MQTT_ERR_INVALID_ARGUMENT = 12,
    /// An internal error was caught at the ABI boundary (a bug: please report it).
    MQTT_ERR_INTERNAL = 13,
    /// A string is not well-formed UTF-8, contains U+0000 or is longer than 65535 bytes.
    MQTT_ERR_INVALID_STRING = 20,
    /// A topic name or filter is empty.
    MQTT_ERR_TOPIC_EMPTY = 21,
    /// A topic name contains `+` or `#`.
    MQTT_ERR_TOPIC_WILDCARD_IN_NAME = 22,
    /// A topic filter has `#` other than as the whole last level.
    MQTT_ERR_TOPIC_MULTI_LEVEL_WILDCARD = 23,
    /// A topic filter has `+` not filling a whole level.
    MQTT_ERR_TOPIC_SINGLE_LEVEL_WILDCARD = 24,
    /// A malformed `$share/NAME/FILTER` shared subscription.
    MQTT_ERR_TOPIC_SHARED_SUBSCRIPTION = 25,
    /// Decode: reserved packet type 0 (or 15 before 5.0).
    MQTT_ERR_RESERVED_PACKET_TYPE = 100,
    /// Decode: invalid fixed-header flags for the packet type.
    MQTT_ERR_INVALID_FLAGS = 101,
    /// Decode: PUBLISH with QoS 3.
    MQTT_ERR_PUBLISH_QOS3 = 102,
    /// PUBLISH with DUP set at QoS 0.
    MQTT_ERR_DUP_WITH_QOS0 = 103,
    /// Decode: a Variable Byte Integer longer than four bytes.
    MQTT_ERR_VARINT_TOO_LONG = 104,
    /// Decode: a Variable Byte Integer not in its shortest form.
    MQTT_ERR_NON_MINIMAL_VARINT = 105,
    /// The packet exceeds the maximum packet size.
    MQTT_ERR_PACKET_TOO_LARGE = 106,
    /// Decode: a field runs past the end of the packet.
    MQTT_ERR_UNEXPECTED_END = 107,
    /// Decode: bytes left over after the last field.
    MQTT_ERR_TRAILING_BYTES = 108,
    /// Decode: a remaining length the packet type does not allow.
    MQTT_ERR_INVALID_REMAINING_LENGTH = 109,
    /// Decode: a string is not well-formed UTF-8.
    MQTT_ERR_INVALID_UTF8 = 110,
    /// Decode: a string contains U+0000.
    MQTT_ERR_NULL_CHARACTER = 111,
    /// Decode: CONNECT with an unknown protocol name.
    MQTT_ERR_UNSUPPORTED_PROTOCOL_NAME = 112,
    /// Decode: CONNECT with an unsupported protocol level.
    MQTT_ERR_UNSUPPORTED_PROTOCOL_LEVEL = 113,
    /// Decode: CONNECT reserved flag set.
    MQTT_ERR_CONNECT_RESERVED_FLAG = 114,
    /// Decode: CONNECT will QoS without the will flag.
    MQTT_ERR_WILL_QOS_WITHOUT_WILL = 115,
    /// Decode: CONNECT will retain without the will flag.
    MQTT_ERR_WILL_RETAIN_WITHOUT_WILL = 116,
    /// Decode: CONNECT will QoS 3.
    MQTT_ERR_WILL_QOS3 = 117,
    /// CONNECT password without user name (before 5.0).
    MQTT_ERR_PASSWORD_WITHOUT_USERNAME = 118,
    /// CONNECT with an empty client identifier and no clean session (3.1.1).
    MQTT_ERR_EMPTY_CLIENT_ID_WITHOUT_CLEAN_SESSION = 119,
    /// Decode: CONNACK reserved acknowledge flags set.
    MQTT_ERR_CONNACK_RESERVED_FLAGS = 120,
    /// CONNACK with session present and a failure code.
    MQTT_ERR_SESSION_PRESENT_ON_FAILURE = 121,
    /// A reason code the packet type may not carry.
    MQTT_ERR_INVALID_REASON_CODE = 122,
    /// Decode: a reason code only the other side may send.
    MQTT_ERR_REASON_CODE_FROM_WRONG_SIDE = 123,
    /// Packet identifier 0.
    MQTT_ERR_ZERO_PACKET_ID = 124,
    /// Decode: an invalid topic name.
    MQTT_ERR_INVALID_TOPIC_NAME = 125,
    /// Decode: an invalid topic filter.
    MQTT_ERR_INVALID_TOPIC_FILTER = 126,
    /// Decode: PUBLISH with an empty topic and no Topic Alias.
    MQTT_ERR_EMPTY_TOPIC_WITHOUT_ALIAS = 127,
    /// SUBACK (or 5.0 UNSUBACK) without any reason code.
    MQTT_ERR_EMPTY_PAYLOAD = 128,
    /// SUBSCRIBE or UNSUBSCRIBE without any topic filter.
    MQTT_ERR_EMPTY_SUBSCRIPTION_LIST = 129,
    /// Decode: an invalid requested QoS byte (before 5.0).
    MQTT_ERR_INVALID_REQUESTED_QOS = 130,
    /// Decode: subscription options with reserved bits set.
    MQTT_ERR_SUBSCRIPTION_OPTIONS_RESERVED = 131,
    /// Decode: subscription options with maximum QoS 3.
    MQTT_ERR_SUBSCRIPTION_QOS3 = 132,
    /// Decode: subscription options with retain handling 3.
    MQTT_ERR_RETAIN_HANDLING3 = 133,
    /// No Local on a shared subscription.
    MQTT_ERR_NO_LOCAL_ON_SHARED_SUBSCRIPTION = 134,
    /// Decode: an unknown property identifier.
    MQTT_ERR_UNKNOWN_PROPERTY = 135,
    /// A property the packet may not carry.
    MQTT_ERR_PROPERTY_NOT_ALLOWED = 136,
    /// Decode: a property that may appear once appears twice.
    MQTT_ERR_DUPLICATE_PROPERTY = 137,
    /// A property with an invalid value.
    MQTT_ERR_INVALID_PROPERTY_VALUE = 138,
    /// Topic Alias 0.
    MQTT_ERR_TOPIC_ALIAS_INVALID = 139,
    /// Decode: authentication data without an authentication method.
    MQTT_ERR_AUTHENTICATION_DATA_WITHOUT_METHOD = 140,
    /// AUTH (or CONNECT authentication data) without an authentication method.
    MQTT_ERR_MISSING_AUTHENTICATION_METHOD = 141,
    /// Decode: a PUBLISH from a client carries a Subscription Identifier.
    MQTT_ERR_SUBSCRIPTION_IDENTIFIER_FROM_CLIENT = 142,
    /// Decode: a DISCONNECT from a server carries a Session Expiry Interval.
    MQTT_ERR_SESSION_EXPIRY_FROM_SERVER = 143,
    /// Decode: a packet type this side cannot receive.
    MQTT_ERR_UNEXPECTED_PACKET = 144,
    /// Decode: the first packet is not a CONNECT.
    MQTT_ERR_FIRST_PACKET_NOT_CONNECT = 145,
    /// Decode: a second CONNECT on the connection.
    MQTT_ERR_SECOND_CONNECT = 146,
    /// Decode: the streaming decoder failed earlier; `mqtt_decoder_error()` gives why.
    MQTT_ERR_DECODER_FAILED = 147,
    /// The packet is larger than the buffer of a decoder made with `mqtt_decoder_init()`;
    /// refused from its fixed header (5.0: reason code 0x95, Packet too large).
    MQTT_ERR_PACKET_EXCEEDS_BUFFER = 148,
    /// Decode: another malformed packet (a rule added to the core after this header).
    MQTT_ERR_DECODE_OTHER = 199,
    /// Encode: something the version asked for cannot represent (properties before 5.0, ...).
    MQTT_ERR_NOT_REPRESENTABLE = 200,
    /// Encode: PUBLISH at QoS 1 or 2 without a packet identifier.
    MQTT_ERR_MISSING_PACKET_ID = 201,
    /// Encode: PUBLISH at QoS 0 with a packet identifier.
    MQTT_ERR_UNEXPECTED_PACKET_ID = 202,
    /// Encode: a field longer than 65535 bytes.
    MQTT_ERR_FIELD_TOO_LONG = 203,
    /// Encode: PUBLISH with an empty topic, under 3.x or without a 5.0 Topic Alias.
    MQTT_ERR_EMPTY_TOPIC = 204,
    /// Encode: UNSUBSCRIBE with an empty topic filter.
    MQTT_ERR_EMPTY_TOPIC_FILTER = 205,
    /// Encode: the library was built without this packet's version or without the side that
    /// sends it (the features `v3`, `v5`, `client`, `server`).
    MQTT_ERR_NOT_IN_BUILD = 206,
    /// Encode: another encoding error (a rule added to the core after this header).
    MQTT_ERR_ENCODE_OTHER = 299,
    /// MQTT-SN: a datagram shorter than its header [SN-HDR-5].
    MQTT_ERR_SN_TOO_SHORT = 300,
    /// MQTT-SN: a Length of 0, or a 3-octet Length below 4 [SN-HDR-5].
    MQTT_ERR_SN_LENGTH_TOO_SMALL = 301,
    /// MQTT-SN: the Length disagrees with the datagram's size [SN-HDR-4].
    MQTT_ERR_SN_LENGTH_MISMATCH = 302,
    /// MQTT-SN: a reserved MsgType [SN-HDR-6].
    MQTT_ERR_SN_RESERVED_MSG_TYPE = 303,
    /// MQTT-SN: a message whose size does not fit its layout [SN-MSG-1].
    MQTT_ERR_SN_WRONG_SIZE = 304,
    /// MQTT-SN: the reserved TopicIdType 11 [SN-FLG-2].
    MQTT_ERR_SN_RESERVED_TOPIC_ID_TYPE = 305,
    /// MQTT-SN: QoS -1 outside a client's PUBLISH [SN-FLG-3].
    MQTT_ERR_SN_QOS_MINUS_ONE = 306,
    /// MQTT-SN: a QoS -1 PUBLISH naming a normal topic id [SN-PUB-2].
    MQTT_ERR_SN_QOS_MINUS_ONE_NORMAL_TOPIC = 307,
    /// MQTT-SN: MsgId 0 where a reply is matched to it [SN-FLD-4].
    MQTT_ERR_SN_ZERO_MSG_ID = 308,
    /// MQTT-SN: CONNECT with a ProtocolId other than 0x01 [SN-CON-1].
    MQTT_ERR_SN_PROTOCOL_ID = 309,
    /// MQTT-SN: a ClientId empty or too long [SN-FLD-2].
    MQTT_ERR_SN_CLIENT_ID_LENGTH = 310,
    /// MQTT-SN: a text field that is not valid UTF-8 or holds U+0000 [SN-FLD-3].
    MQTT_ERR_SN_INVALID_STRING = 311,
    /// MQTT-SN: a topic name or filter breaking the topic rules [SN-FLD-3].
    MQTT_ERR_SN_INVALID_TOPIC = 312,
    /// MQTT-SN: a predefined id or short name that is not 2 octets [SN-SUB-1].
    MQTT_ERR_SN_TOPIC_ID_LENGTH = 313,
    /// MQTT-SN: unused flag bits set, in strict mode [SN-FLG-1].
    MQTT_ERR_SN_UNUSED_FLAGS = 314,
    /// MQTT-SN: a malformed or nested forwarder encapsulation [SN-ENC-1].
    MQTT_ERR_SN_ENCAPSULATION = 315,
    /// MQTT-SN encode: topic id 0x0000 or 0xFFFF, never assigned [SN-FLD-1].
    MQTT_ERR_SN_RESERVED_TOPIC_ID = 316,
    /// MQTT-SN encode: a QoS 0 or -1 PUBLISH with a MsgId or DUP [SN-FLD-4].
    MQTT_ERR_SN_QOS0_FIELDS = 317,
    /// MQTT-SN encode: a message over 65535 octets, or a field that does not fit its message.
    MQTT_ERR_SN_TOO_LONG = 318,
    /// MQTT-SN: another error (a rule added to the core after this header).
    MQTT_ERR_SN_OTHER = 349,
    /// MQTT-SN 2.0: a datagram shorter than its header [MQTT-SN-2.1.2-1].
    MQTT_ERR_SN2_TOO_SHORT = 350,
    /// MQTT-SN 2.0: a Length below the smallest packet [MQTT-SN-2.1.2-1].
    MQTT_ERR_SN2_LENGTH_TOO_SMALL = 351,
    /// MQTT-SN 2.0: the Length disagrees with the datagram's size [MQTT-SN-2.1.2-1].
    MQTT_ERR_SN2_LENGTH_MISMATCH = 352,
    /// MQTT-SN 2.0: a reserved packet type (0x00, 0x19 to 0xFB, 0xFD) (SN2-2).
    MQTT_ERR_SN2_RESERVED_TYPE = 353,
    /// MQTT-SN 2.0: a packet whose size does not fit its layout: a field cut short or octets
    /// left over (SN2-22).
    MQTT_ERR_SN2_WRONG_SIZE = 354,
    /// MQTT-SN 2.0: reserved flag bits set [MQTT-SN-3.1.2-1] [MQTT-SN-3.13.2-2].
    MQTT_ERR_SN2_RESERVED_FLAGS = 355,
    /// MQTT-SN 2.0: QoS `11` in a PUBLISH or a will, which 2.0 reserves (SN2-10).
    MQTT_ERR_SN2_RESERVED_QOS = 356,
    /// MQTT-SN 2.0: Topic Type `10` (reserved), or a type the packet does not allow (a
    /// session alias in PUBWOS) (SN2-11).
    MQTT_ERR_SN2_TOPIC_TYPE = 357,
    /// MQTT-SN 2.0: a REGACK or SUBACK whose Topic Type is not `00` or `01`, or a SUBACK
    /// without an alias whose type is not `01` [MQTT-SN-3.8.2.1-2].
    MQTT_ERR_SN2_ALIAS_TYPE = 358,
    /// MQTT-SN 2.0: a text field that is not valid UTF-8 or holds U+0000 (CSD01 1.7.4).
    MQTT_ERR_SN2_INVALID_STRING = 359,
    /// MQTT-SN 2.0: packet id 0 [MQTT-SN-2.2-1].
    MQTT_ERR_SN2_ZERO_PACKET_ID = 360,
    /// MQTT-SN 2.0: a CONNECT of a protocol version other than 2; answer CONNACK 0x84
    /// [MQTT-SN-3.1.5-2].
    MQTT_ERR_SN2_UNSUPPORTED_VERSION = 361,
    /// MQTT-SN 2.0: a CONNECT with keep alive 0 [MQTT-SN-3.1.6-4].
    MQTT_ERR_SN2_KEEP_ALIVE_ZERO = 362,
    /// MQTT-SN 2.0: a CONNECT with a Maximum Packet Size of 1 to 9 [MQTT-SN-3.1.7-1].
    MQTT_ERR_SN2_MAX_PACKET_SIZE = 363,
    /// MQTT-SN 2.0: a topic name or filter that breaks the topic rules, or is empty
    /// [MQTT-SN-4.7.1.3-1].
    MQTT_ERR_SN2_INVALID_TOPIC = 364,
    /// MQTT-SN 2.0: a PUBLISH with DUP at QoS 0 or 1 [MQTT-SN-3.6.2.2.3-1].
    MQTT_ERR_SN2_DUP_BELOW_QOS2 = 365,
    /// MQTT-SN 2.0: a SUBSCRIBE with QoS 3 or Retain Handling 3 (SN2-13).
    MQTT_ERR_SN2_SUBSCRIPTION_OPTIONS = 366,
    /// MQTT-SN 2.0: a CONNACK with Session Present and a failure [MQTT-SN-3.2.2.1-5].
    MQTT_ERR_SN2_SESSION_PRESENT_ON_FAILURE = 367,
    /// MQTT-SN 2.0: a SLEEPREQ of 0 seconds [MQTT-SN-3.15.4-1].
    MQTT_ERR_SN2_SLEEP_ZERO = 368,
    /// MQTT-SN 2.0: a Connection Encapsulation around a packet it may not carry
    /// [MQTT-SN-3.18-3].
    MQTT_ERR_SN2_ENCAPSULATED_TYPE = 369,
    /// MQTT-SN 2.0: a broken encapsulation: a forwarder encapsulation inside another, a
    /// reserved protection scheme (SN2-5).
    MQTT_ERR_SN2_ENCAPSULATION = 370,
    /// MQTT-SN 2.0 encode: a QoS 0 PUBLISH with a packet id, or a QoS 1 or 2 one without
    /// (`has_packet_id`) (SN2-9).
    MQTT_ERR_SN2_PACKET_ID_PRESENCE = 371,
    /// MQTT-SN 2.0 encode: a CONNACK assigned client id or a DISCONNECT reason string that is
    /// present (non-NULL `ptr`) but empty, which the wire cannot tell from an absent one:
    /// give a NULL `ptr` instead.
    MQTT_ERR_SN2_EMPTY_FIELD = 372,
    /// MQTT-SN 2.0 encode: a field too long for its length prefix, crypto material or a
    /// counter of a size the flags cannot announce, or a packet over 65535 octets (SN2-1).
    MQTT_ERR_SN2_FIELD_TOO_LONG = 373,
    /// MQTT-SN 2.0: another error (a rule added to the core after this header).
    MQTT_ERR_SN2_OTHER = 399,
    /// Session: the command needs a connection (CONNACK received): subscribe, unsubscribe,
    /// a QoS 0 publish; disconnect needs at least a CONNECT sent.
    MQTT_ERR_SESSION_NOT_CONNECTED = 400,
    /// Session: connect while connected or connecting (call
    /// `mqtt_session_connection_lost()` first).
    MQTT_ERR_SESSION_ALREADY_CONNECTED = 401,
    /// Session: every packet identifier is in use [MQTT-2.3.1-2].
    MQTT_ERR_SESSION_NO_PACKET_ID = 402,
    /// Session: the in-flight window and the queue behind it (`max_queued`) are full.
    MQTT_ERR_SESSION_QUEUE_FULL = 403,
    /// Session: the packet is larger than the server's Maximum Packet Size [MQTT-3.1.2-24].
    MQTT_ERR_SESSION_PACKET_TOO_LARGE = 404,
    /// Session: a QoS above the server's Maximum QoS [MQTT-3.2.2-11].
    MQTT_ERR_SESSION_QOS_NOT_SUPPORTED = 405,
    /// Session: retain, which the server does not support [MQTT-3.2.2-14].
    MQTT_ERR_SESSION_RETAIN_NOT_SUPPORTED = 406,
    /// Session: no received message waits for an acknowledgement with this identifier.
    MQTT_ERR_SESSION_UNKNOWN_PACKET_ID = 407,
    /// Heap-free session: the transmit buffer has no room for the packet yet; send what it
    /// holds (`mqtt_fixed_session_transmit()`) and try again.
    MQTT_ERR_SESSION_TRANSMIT_FULL = 408,
    /// Heap-free session: a part of its storage is full (no free pending record, or no room
    /// in the message area for one more QoS 1 or 2 message).
    MQTT_ERR_SESSION_STORAGE_FULL = 409,
    /// Heap-free session: a part of its storage (the transmit buffer, the message area) is
    /// smaller than the packet and can never hold it: a configuration to change, not a
    /// moment to wait for.
    MQTT_ERR_SESSION_STORAGE_TOO_SMALL = 410,
    /// Session: the authenticator cannot start an exchange: SCRAM used up its nonce; give a
    /// fresh one (`mqtt_session_set_scram()`) before each connect or re-authentication.
    MQTT_ERR_SESSION_AUTH_NOT_READY = 411,
    /// Session: a SUBSCRIBE using what the server said in CONNACK it lacks (5.0 Wildcard,
    /// Shared Subscription or Subscription Identifier Available 0); nothing was sent.
    MQTT_ERR_SESSION_SUBSCRIPTION_NOT_SUPPORTED = 412,
    /// Session: another refusal (a rule added to the core after this header).
    MQTT_ERR_SESSION_OTHER = 439,
    /// Snapshot: not a session snapshot (no `MQCS` magic).
    MQTT_ERR_SNAPSHOT_NOT_A_SNAPSHOT = 440,
    /// Snapshot: a format version this library does not read.
    MQTT_ERR_SNAPSHOT_FORMAT = 441,
    /// Snapshot: of a session of another protocol version than the configuration's.
    MQTT_ERR_SNAPSHOT_VERSION = 442,
    /// Snapshot: cut short, or a field that does not hold what it must.
    MQTT_ERR_SNAPSHOT_CORRUPT = 443,
    /// Snapshot: another error (a rule added to the core after this header).
    MQTT_ERR_SNAPSHOT_OTHER = 449,
}

use mqtt_status::*;

/// All statuses, in order (for tests and `mqtt_status_str`).
pub(crate) const ALL: &[mqtt_status] = &[
    MQTT_OK,
    MQTT_NEED_MORE,
    MQTT_END,
    MQTT_MORE_TO_SEND,
    MQTT_ERR_NULL_POINTER,
    MQTT_ERR_BUFFER_TOO_SMALL,
    MQTT_ERR_INVALID_ARGUMENT,
    MQTT_ERR_INTERNAL,
    MQTT_ERR_INVALID_STRING,
    MQTT_ERR_TOPIC_EMPTY,
    MQTT_ERR_TOPIC_WILDCARD_IN_NAME,
    MQTT_ERR_TOPIC_MULTI_LEVEL_WILDCARD,
    MQTT_ERR_TOPIC_SINGLE_LEVEL_WILDCARD,
    MQTT_ERR_TOPIC_SHARED_SUBSCRIPTION,
    MQTT_ERR_RESERVED_PACKET_TYPE,
    MQTT_ERR_INVALID_FLAGS,
    MQTT_ERR_PUBLISH_QOS3,
    MQTT_ERR_DUP_WITH_QOS0,
    MQTT_ERR_VARINT_TOO_LONG,
    MQTT_ERR_NON_MINIMAL_VARINT,
    MQTT_ERR_PACKET_TOO_LARGE,
    MQTT_ERR_UNEXPECTED_END,
    MQTT_ERR_TRAILING_BYTES,
    MQTT_ERR_INVALID_REMAINING_LENGTH,
    MQTT_ERR_INVALID_UTF8,
    MQTT_ERR_NULL_CHARACTER,
    MQTT_ERR_UNSUPPORTED_PROTOCOL_NAME,
    MQTT_ERR_UNSUPPORTED_PROTOCOL_LEVEL,
    MQTT_ERR_CONNECT_RESERVED_FLAG,
    MQTT_ERR_WILL_QOS_WITHOUT_WILL,
    MQTT_ERR_WILL_RETAIN_WITHOUT_WILL,
    MQTT_ERR_WILL_QOS3,
    MQTT_ERR_PASSWORD_WITHOUT_USERNAME,
    MQTT_ERR_EMPTY_CLIENT_ID_WITHOUT_CLEAN_SESSION,
    MQTT_ERR_CONNACK_RESERVED_FLAGS,
    MQTT_ERR_SESSION_PRESENT_ON_FAILURE,
    MQTT_ERR_INVALID_REASON_CODE,
    MQTT_ERR_REASON_CODE_FROM_WRONG_SIDE,
    MQTT_ERR_ZERO_PACKET_ID,
    MQTT_ERR_INVALID_TOPIC_NAME,
    MQTT_ERR_INVALID_TOPIC_FILTER,
    MQTT_ERR_EMPTY_TOPIC_WITHOUT_ALIAS,
    MQTT_ERR_EMPTY_PAYLOAD,
    MQTT_ERR_EMPTY_SUBSCRIPTION_LIST,
    MQTT_ERR_INVALID_REQUESTED_QOS,
    MQTT_ERR_SUBSCRIPTION_OPTIONS_RESERVED,
    MQTT_ERR_SUBSCRIPTION_QOS3,
    MQTT_ERR_RETAIN_HANDLING3,
    MQTT_ERR_NO_LOCAL_ON_SHARED_SUBSCRIPTION,
    MQTT_ERR_UNKNOWN_PROPERTY,
    MQTT_ERR_PROPERTY_NOT_ALLOWED,
    MQTT_ERR_DUPLICATE_PROPERTY,
    MQTT_ERR_INVALID_PROPERTY_VALUE,
    MQTT_ERR_TOPIC_ALIAS_INVALID,
    MQTT_ERR_AUTHENTICATION_DATA_WITHOUT_METHOD,
    MQTT_ERR_MISSING_AUTHENTICATION_METHOD,
    MQTT_ERR_SUBSCRIPTION_IDENTIFIER_FROM_CLIENT,
    MQTT_ERR_SESSION_EXPIRY_FROM_SERVER,
    MQTT_ERR_UNEXPECTED_PACKET,
    MQTT_ERR_FIRST_PACKET_NOT_CONNECT,
    MQTT_ERR_SECOND_CONNECT,
    MQTT_ERR_DECODER_FAILED,
    MQTT_ERR_PACKET_EXCEEDS_BUFFER,
    MQTT_ERR_DECODE_OTHER,
    MQTT_ERR_NOT_REPRESENTABLE,
    MQTT_ERR_MISSING_PACKET_ID,
    MQTT_ERR_UNEXPECTED_PACKET_ID,
    MQTT_ERR_FIELD_TOO_LONG,
    MQTT_ERR_EMPTY_TOPIC,
    MQTT_ERR_EMPTY_TOPIC_FILTER,
    MQTT_ERR_NOT_IN_BUILD,
    MQTT_ERR_ENCODE_OTHER,
    MQTT_ERR_SN_TOO_SHORT,
    MQTT_ERR_SN_LENGTH_TOO_SMALL,
    MQTT_ERR_SN_LENGTH_MISMATCH,
    MQTT_ERR_SN_RESERVED_MSG_TYPE,
    MQTT_ERR_SN_WRONG_SIZE,
    MQTT_ERR_SN_RESERVED_TOPIC_ID_TYPE,
    MQTT_ERR_SN_QOS_MINUS_ONE,
    MQTT_ERR_SN_QOS_MINUS_ONE_NORMAL_TOPIC,
    MQTT_ERR_SN_ZERO_MSG_ID,
    MQTT_ERR_SN_PROTOCOL_ID,
    MQTT_ERR_SN_CLIENT_ID_LENGTH,
    MQTT_ERR_SN_INVALID_STRING,
    MQTT_ERR_SN_INVALID_TOPIC,
    MQTT_ERR_SN_TOPIC_ID_LENGTH,
    MQTT_ERR_SN_UNUSED_FLAGS,
    MQTT_ERR_SN_ENCAPSULATION,
    MQTT_ERR_SN_RESERVED_TOPIC_ID,
    MQTT_ERR_SN_QOS0_FIELDS,
    MQTT_ERR_SN_TOO_LONG,
    MQTT_ERR_SN_OTHER,
    MQTT_ERR_SN2_TOO_SHORT,
    MQTT_ERR_SN2_LENGTH_TOO_SMALL,
    MQTT_ERR_SN2_LENGTH_MISMATCH,
    MQTT_ERR_SN2_RESERVED_TYPE,
    MQTT_ERR_SN2_WRONG_SIZE,
    MQTT_ERR_SN2_RESERVED_FLAGS,
    MQTT_ERR_SN2_RESERVED_QOS,
    MQTT_ERR_SN2_TOPIC_TYPE,
    MQTT_ERR_SN2_ALIAS_TYPE,
    MQTT_ERR_SN2_INVALID_STRING,
    MQTT_ERR_SN2_ZERO_PACKET_ID,
    MQTT_ERR_SN2_UNSUPPORTED_VERSION,
    MQTT_ERR_SN2_KEEP_ALIVE_ZERO,
    MQTT_ERR_SN2_MAX_PACKET_SIZE,
    MQTT_ERR_SN2_INVALID_TOPIC,
    MQTT_ERR_SN2_DUP_BELOW_QOS2,
    MQTT_ERR_SN2_SUBSCRIPTION_OPTIONS,
    MQTT_ERR_SN2_SESSION_PRESENT_ON_FAILURE,
    MQTT_ERR_SN2_SLEEP_ZERO,
    MQTT_ERR_SN2_ENCAPSULATED_TYPE,
    MQTT_ERR_SN2_ENCAPSULATION,
    MQTT_ERR_SN2_PACKET_ID_PRESENCE,
    MQTT_ERR_SN2_EMPTY_FIELD,
    MQTT_ERR_SN2_FIELD_TOO_LONG,
    MQTT_ERR_SN2_OTHER,
    MQTT_ERR_SESSION_NOT_CONNECTED,
    MQTT_ERR_SESSION_ALREADY_CONNECTED,
    MQTT_ERR_SESSION_NO_PACKET_ID,
    MQTT_ERR_SESSION_QUEUE_FULL,
    MQTT_ERR_SESSION_PACKET_TOO_LARGE,
    MQTT_ERR_SESSION_QOS_NOT_SUPPORTED,
    MQTT_ERR_SESSION_RETAIN_NOT_SUPPORTED,
    MQTT_ERR_SESSION_UNKNOWN_PACKET_ID,
    MQTT_ERR_SESSION_TRANSMIT_FULL,
    MQTT_ERR_SESSION_STORAGE_FULL,
    MQTT_ERR_SESSION_STORAGE_TOO_SMALL,
    MQTT_ERR_SESSION_AUTH_NOT_READY,
    MQTT_ERR_SESSION_SUBSCRIPTION_NOT_SUPPORTED,
    MQTT_ERR_SESSION_OTHER,
    MQTT_ERR_SNAPSHOT_NOT_A_SNAPSHOT,
    MQTT_ERR_SNAPSHOT_FORMAT,
    MQTT_ERR_SNAPSHOT_VERSION,
    MQTT_ERR_SNAPSHOT_CORRUPT,
    MQTT_ERR_SNAPSHOT_OTHER,
];

/// The text of a status, NUL-terminated.
pub(crate) fn text(status: mqtt_status) -> &'static [u8] {
    match status {
        MQTT_OK => b"ok\0",
        MQTT_NEED_MORE => b"more bytes needed\0",
        MQTT_END => b"end of list\0",
        MQTT_MORE_TO_SEND => b"more bytes wait to be sent\0",
        MQTT_ERR_NULL_POINTER => b"null pointer argument\0",
        MQTT_ERR_BUFFER_TOO_SMALL => b"buffer too small\0",
        MQTT_ERR_INVALID_ARGUMENT => b"invalid argument\0",
        MQTT_ERR_INTERNAL => b"internal error\0",
        MQTT_ERR_INVALID_STRING => b"invalid MQTT string (UTF-8, U+0000 or too long)\0",
        MQTT_ERR_TOPIC_EMPTY => b"empty topic [MQTT-4.7.3-1]\0",
        MQTT_ERR_TOPIC_WILDCARD_IN_NAME => b"wildcard in a topic name [MQTT-4.7.1-1]\0",
        MQTT_ERR_TOPIC_MULTI_LEVEL_WILDCARD => b"'#' must be the whole last level [MQTT-4.7.1-2]\0",
        MQTT_ERR_TOPIC_SINGLE_LEVEL_WILDCARD => b"'+' must fill a whole level [MQTT-4.7.1-3]\0",
        MQTT_ERR_TOPIC_SHARED_SUBSCRIPTION => b"malformed $share/NAME/FILTER [MQTT-4.8.2-1]\0",
        MQTT_ERR_RESERVED_PACKET_TYPE => b"reserved packet type\0",
        MQTT_ERR_INVALID_FLAGS => b"invalid fixed-header flags [MQTT-2.2.2-1]\0",
        MQTT_ERR_PUBLISH_QOS3 => b"PUBLISH with QoS 3 [MQTT-3.3.1-4]\0",
        MQTT_ERR_DUP_WITH_QOS0 => b"PUBLISH with DUP at QoS 0 [MQTT-3.3.1-2]\0",
        MQTT_ERR_VARINT_TOO_LONG => b"variable byte integer longer than four bytes\0",
        MQTT_ERR_NON_MINIMAL_VARINT => b"variable byte integer not in its shortest form\0",
        MQTT_ERR_PACKET_TOO_LARGE => b"packet exceeds the maximum packet size\0",
        MQTT_ERR_UNEXPECTED_END => b"field runs past the end of the packet\0",
        MQTT_ERR_TRAILING_BYTES => b"bytes left over after the last field\0",
        MQTT_ERR_INVALID_REMAINING_LENGTH => b"remaining length not allowed for the packet\0",
        MQTT_ERR_INVALID_UTF8 => b"string is not well-formed UTF-8 [MQTT-1.5.3-1]\0",
        MQTT_ERR_NULL_CHARACTER => b"string contains U+0000 [MQTT-1.5.3-2]\0",
        MQTT_ERR_UNSUPPORTED_PROTOCOL_NAME => b"unknown protocol name [MQTT-3.1.2-1]\0",
        MQTT_ERR_UNSUPPORTED_PROTOCOL_LEVEL => b"unsupported protocol level [MQTT-3.1.2-2]\0",
        MQTT_ERR_CONNECT_RESERVED_FLAG => b"CONNECT reserved flag set [MQTT-3.1.2-3]\0",
        MQTT_ERR_WILL_QOS_WITHOUT_WILL => b"will QoS without will flag [MQTT-3.1.2-13]\0",
        MQTT_ERR_WILL_RETAIN_WITHOUT_WILL => b"will retain without will flag [MQTT-3.1.2-15]\0",
        MQTT_ERR_WILL_QOS3 => b"will QoS 3 [MQTT-3.1.2-14]\0",
        MQTT_ERR_PASSWORD_WITHOUT_USERNAME => b"password without user name [MQTT-3.1.2-22]\0",
        MQTT_ERR_EMPTY_CLIENT_ID_WITHOUT_CLEAN_SESSION => {
            b"empty client identifier without clean session [MQTT-3.1.3-7]\0"
        }
        MQTT_ERR_CONNACK_RESERVED_FLAGS => b"CONNACK reserved flags set [MQTT-3.2.2-1]\0",
        MQTT_ERR_SESSION_PRESENT_ON_FAILURE => {
            b"CONNACK session present with a failure code (3.1.1 [MQTT-3.2.2-4], 5.0 [MQTT-3.2.2-6])\0"
        }
        MQTT_ERR_INVALID_REASON_CODE => b"reason code not allowed in this packet\0",
        MQTT_ERR_REASON_CODE_FROM_WRONG_SIDE => b"reason code only the other side may send\0",
        MQTT_ERR_ZERO_PACKET_ID => b"packet identifier 0 [MQTT-2.3.1-1]\0",
        MQTT_ERR_INVALID_TOPIC_NAME => b"invalid topic name\0",
        MQTT_ERR_INVALID_TOPIC_FILTER => b"invalid topic filter\0",
        MQTT_ERR_EMPTY_TOPIC_WITHOUT_ALIAS => b"PUBLISH with an empty topic and no topic alias\0",
        MQTT_ERR_EMPTY_PAYLOAD => b"SUBACK or UNSUBACK without reason codes\0",
        MQTT_ERR_EMPTY_SUBSCRIPTION_LIST => {
            b"SUBSCRIBE or UNSUBSCRIBE without topic filters [MQTT-3.8.3-3] [MQTT-3.10.3-2]\0"
        }
        MQTT_ERR_INVALID_REQUESTED_QOS => b"invalid requested QoS byte\0",
        MQTT_ERR_SUBSCRIPTION_OPTIONS_RESERVED => b"subscription options reserved bits set\0",
        MQTT_ERR_SUBSCRIPTION_QOS3 => b"subscription options with QoS 3\0",
        MQTT_ERR_RETAIN_HANDLING3 => b"subscription options with retain handling 3\0",
        MQTT_ERR_NO_LOCAL_ON_SHARED_SUBSCRIPTION => {
            b"No Local on a shared subscription [MQTT-3.8.3-4]\0"
        }
        MQTT_ERR_UNKNOWN_PROPERTY => b"unknown property identifier\0",
        MQTT_ERR_PROPERTY_NOT_ALLOWED => b"property not allowed in this packet\0",
        MQTT_ERR_DUPLICATE_PROPERTY => b"property appears more than once\0",
        MQTT_ERR_INVALID_PROPERTY_VALUE => b"property has an invalid value\0",
        MQTT_ERR_TOPIC_ALIAS_INVALID => b"topic alias 0\0",
        MQTT_ERR_AUTHENTICATION_DATA_WITHOUT_METHOD => {
            b"authentication data without authentication method\0"
        }
        MQTT_ERR_MISSING_AUTHENTICATION_METHOD => b"missing authentication method\0",
        MQTT_ERR_SUBSCRIPTION_IDENTIFIER_FROM_CLIENT => {
            b"PUBLISH from a client with a subscription identifier [MQTT-3.3.4-6]\0"
        }
        MQTT_ERR_SESSION_EXPIRY_FROM_SERVER => {
            b"DISCONNECT from a server with a session expiry interval [MQTT-3.14.2-2]\0"
        }
        MQTT_ERR_UNEXPECTED_PACKET => b"packet type this side cannot receive\0",
        MQTT_ERR_FIRST_PACKET_NOT_CONNECT => b"first packet is not CONNECT [MQTT-3.1.0-1]\0",
        MQTT_ERR_SECOND_CONNECT => b"second CONNECT [MQTT-3.1.0-2]\0",
        MQTT_ERR_DECODER_FAILED => b"the decoder failed earlier; close the connection\0",
        MQTT_ERR_PACKET_EXCEEDS_BUFFER => b"packet larger than the decoder's buffer\0",
        MQTT_ERR_DECODE_OTHER => b"malformed packet\0",
        MQTT_ERR_NOT_REPRESENTABLE => b"cannot be represented in this protocol version\0",
        MQTT_ERR_MISSING_PACKET_ID => b"PUBLISH at QoS 1 or 2 needs a packet identifier\0",
        MQTT_ERR_UNEXPECTED_PACKET_ID => b"PUBLISH at QoS 0 must not have a packet identifier\0",
        MQTT_ERR_FIELD_TOO_LONG => b"field longer than 65535 bytes\0",
        MQTT_ERR_EMPTY_TOPIC => {
            b"PUBLISH with an empty topic (3.x: never; 5.0: only with a topic alias)\0"
        }
        MQTT_ERR_EMPTY_TOPIC_FILTER => b"empty topic filter [MQTT-4.7.3-1]\0",
        MQTT_ERR_NOT_IN_BUILD => b"left out of this build of the library\0",
        MQTT_ERR_ENCODE_OTHER => b"cannot encode the packet\0",
        MQTT_ERR_SN_TOO_SHORT => b"MQTT-SN datagram too short for a header [SN-HDR-5]\0",
        MQTT_ERR_SN_LENGTH_TOO_SMALL => b"MQTT-SN Length below the smallest message [SN-HDR-5]\0",
        MQTT_ERR_SN_LENGTH_MISMATCH => b"MQTT-SN Length disagrees with the datagram [SN-HDR-4]\0",
        MQTT_ERR_SN_RESERVED_MSG_TYPE => b"MQTT-SN reserved MsgType [SN-HDR-6]\0",
        MQTT_ERR_SN_WRONG_SIZE => b"MQTT-SN message of the wrong size [SN-MSG-1]\0",
        MQTT_ERR_SN_RESERVED_TOPIC_ID_TYPE => b"MQTT-SN reserved TopicIdType 11 [SN-FLG-2]\0",
        MQTT_ERR_SN_QOS_MINUS_ONE => b"MQTT-SN QoS -1 not allowed here [SN-FLG-3]\0",
        MQTT_ERR_SN_QOS_MINUS_ONE_NORMAL_TOPIC => {
            b"MQTT-SN QoS -1 PUBLISH needs a predefined id or short name [SN-PUB-2]\0"
        }
        MQTT_ERR_SN_ZERO_MSG_ID => b"MQTT-SN MsgId 0 [SN-FLD-4]\0",
        MQTT_ERR_SN_PROTOCOL_ID => b"MQTT-SN CONNECT ProtocolId is not 0x01 [SN-CON-1]\0",
        MQTT_ERR_SN_CLIENT_ID_LENGTH => b"MQTT-SN ClientId empty or too long [SN-FLD-2]\0",
        MQTT_ERR_SN_INVALID_STRING => b"MQTT-SN invalid text field [SN-FLD-3]\0",
        MQTT_ERR_SN_INVALID_TOPIC => b"MQTT-SN invalid topic name or filter [SN-FLD-3]\0",
        MQTT_ERR_SN_TOPIC_ID_LENGTH => {
            b"MQTT-SN predefined id or short name not 2 octets [SN-SUB-1]\0"
        }
        MQTT_ERR_SN_UNUSED_FLAGS => b"MQTT-SN unused flag bits set [SN-FLG-1]\0",
        MQTT_ERR_SN_ENCAPSULATION => b"MQTT-SN malformed forwarder encapsulation [SN-ENC-1]\0",
        MQTT_ERR_SN_RESERVED_TOPIC_ID => {
            b"MQTT-SN topic id 0x0000 or 0xFFFF is never assigned [SN-FLD-1]\0"
        }
        MQTT_ERR_SN_QOS0_FIELDS => {
            b"MQTT-SN QoS 0 or -1 PUBLISH has MsgId 0 and no DUP [SN-FLD-4]\0"
        }
        MQTT_ERR_SN_TOO_LONG => b"MQTT-SN message or field too long [SN-HDR-2]\0",
        MQTT_ERR_SN_OTHER => b"MQTT-SN error\0",
        MQTT_ERR_SN2_TOO_SHORT => {
            b"MQTT-SN 2.0 datagram too short for a header [MQTT-SN-2.1.2-1]\0"
        }
        MQTT_ERR_SN2_LENGTH_TOO_SMALL => {
            b"MQTT-SN 2.0 Length below the smallest packet [MQTT-SN-2.1.2-1]\0"
        }
        MQTT_ERR_SN2_LENGTH_MISMATCH => {
            b"MQTT-SN 2.0 Length disagrees with the datagram [MQTT-SN-2.1.2-1]\0"
        }
        MQTT_ERR_SN2_RESERVED_TYPE => b"MQTT-SN 2.0 reserved packet type (SN2-2)\0",
        MQTT_ERR_SN2_WRONG_SIZE => {
            b"MQTT-SN 2.0 packet of the wrong size for its layout (SN2-22)\0"
        }
        MQTT_ERR_SN2_RESERVED_FLAGS => b"MQTT-SN 2.0 reserved flag bits set [MQTT-SN-3.1.2-1]\0",
        MQTT_ERR_SN2_RESERVED_QOS => b"MQTT-SN 2.0 QoS 3 is reserved (SN2-10)\0",
        MQTT_ERR_SN2_TOPIC_TYPE => b"MQTT-SN 2.0 Topic Type not allowed here (SN2-11)\0",
        MQTT_ERR_SN2_ALIAS_TYPE => {
            b"MQTT-SN 2.0 REGACK or SUBACK alias type not allowed [MQTT-SN-3.8.2.1-2]\0"
        }
        MQTT_ERR_SN2_INVALID_STRING => {
            b"MQTT-SN 2.0 invalid text field: UTF-8 or U+0000 (CSD01 1.7.4)\0"
        }
        MQTT_ERR_SN2_ZERO_PACKET_ID => b"MQTT-SN 2.0 packet id 0 [MQTT-SN-2.2-1]\0",
        MQTT_ERR_SN2_UNSUPPORTED_VERSION => {
            b"MQTT-SN 2.0 CONNECT protocol version is not 2 [MQTT-SN-3.1.5-2]\0"
        }
        MQTT_ERR_SN2_KEEP_ALIVE_ZERO => {
            b"MQTT-SN 2.0 CONNECT with keep alive 0 [MQTT-SN-3.1.6-4]\0"
        }
        MQTT_ERR_SN2_MAX_PACKET_SIZE => {
            b"MQTT-SN 2.0 maximum packet size 1 to 9 [MQTT-SN-3.1.7-1]\0"
        }
        MQTT_ERR_SN2_INVALID_TOPIC => {
            b"MQTT-SN 2.0 invalid topic name or filter [MQTT-SN-4.7.1.3-1]\0"
        }
        MQTT_ERR_SN2_DUP_BELOW_QOS2 => {
            b"MQTT-SN 2.0 PUBLISH with DUP at QoS 0 or 1 [MQTT-SN-3.6.2.2.3-1]\0"
        }
        MQTT_ERR_SN2_SUBSCRIPTION_OPTIONS => {
            b"MQTT-SN 2.0 SUBSCRIBE with QoS 3 or retain handling 3 (SN2-13)\0"
        }
        MQTT_ERR_SN2_SESSION_PRESENT_ON_FAILURE => {
            b"MQTT-SN 2.0 CONNACK session present with a failure [MQTT-SN-3.2.2.1-5]\0"
        }
        MQTT_ERR_SN2_SLEEP_ZERO => b"MQTT-SN 2.0 SLEEPREQ of 0 seconds [MQTT-SN-3.15.4-1]\0",
        MQTT_ERR_SN2_ENCAPSULATED_TYPE => {
            b"MQTT-SN 2.0 packet not allowed in a connection encapsulation [MQTT-SN-3.18-3]\0"
        }
        MQTT_ERR_SN2_ENCAPSULATION => b"MQTT-SN 2.0 malformed encapsulation (SN2-5)\0",
        MQTT_ERR_SN2_PACKET_ID_PRESENCE => {
            b"MQTT-SN 2.0 QoS 0 PUBLISH has no packet id, QoS 1 and 2 have one (SN2-9)\0"
        }
        MQTT_ERR_SN2_EMPTY_FIELD => {
            b"MQTT-SN 2.0 present but empty optional field: leave it out (SN2-22)\0"
        }
        MQTT_ERR_SN2_FIELD_TOO_LONG => {
            b"MQTT-SN 2.0 field or packet too long for its length field (SN2-1)\0"
        }
        MQTT_ERR_SN2_OTHER => b"MQTT-SN 2.0 error\0",
        MQTT_ERR_SESSION_NOT_CONNECTED
        | MQTT_ERR_SESSION_ALREADY_CONNECTED
        | MQTT_ERR_SESSION_NO_PACKET_ID
        | MQTT_ERR_SESSION_QUEUE_FULL
        | MQTT_ERR_SESSION_PACKET_TOO_LARGE
        | MQTT_ERR_SESSION_QOS_NOT_SUPPORTED
        | MQTT_ERR_SESSION_RETAIN_NOT_SUPPORTED
        | MQTT_ERR_SESSION_UNKNOWN_PACKET_ID
        | MQTT_ERR_SESSION_TRANSMIT_FULL
        | MQTT_ERR_SESSION_STORAGE_FULL
        | MQTT_ERR_SESSION_STORAGE_TOO_SMALL
        | MQTT_ERR_SESSION_AUTH_NOT_READY
        | MQTT_ERR_SESSION_SUBSCRIPTION_NOT_SUPPORTED
        | MQTT_ERR_SESSION_OTHER
        | MQTT_ERR_SNAPSHOT_NOT_A_SNAPSHOT
        | MQTT_ERR_SNAPSHOT_FORMAT
        | MQTT_ERR_SNAPSHOT_VERSION
        | MQTT_ERR_SNAPSHOT_CORRUPT
        | MQTT_ERR_SNAPSHOT_OTHER => session_text(status),
    }
}

/// The text of a client session or snapshot status; a build without the client side never
/// returns one, and keeps one short text for them all rather than their table.
#[cfg(feature = "client")]
fn session_text(status: mqtt_status) -> &'static [u8] {
    match status {
        MQTT_ERR_SESSION_NOT_CONNECTED => b"session: not connected\0",
        MQTT_ERR_SESSION_ALREADY_CONNECTED => b"session: already connected or connecting\0",
        MQTT_ERR_SESSION_NO_PACKET_ID => {
            b"session: every packet identifier is in use [MQTT-2.3.1-2]\0"
        }
        MQTT_ERR_SESSION_QUEUE_FULL => b"session: the queue of QoS 1 and 2 messages is full\0",
        MQTT_ERR_SESSION_PACKET_TOO_LARGE => {
            b"session: larger than the server's Maximum Packet Size [MQTT-3.1.2-24]\0"
        }
        MQTT_ERR_SESSION_QOS_NOT_SUPPORTED => {
            b"session: QoS above the server's Maximum QoS [MQTT-3.2.2-11]\0"
        }
        MQTT_ERR_SESSION_RETAIN_NOT_SUPPORTED => {
            b"session: the server does not support retained messages [MQTT-3.2.2-14]\0"
        }
        MQTT_ERR_SESSION_UNKNOWN_PACKET_ID => {
            b"session: no received message waits for this acknowledgement\0"
        }
        MQTT_ERR_SESSION_TRANSMIT_FULL => {
            b"session: the transmit buffer is full; send what it holds first\0"
        }
        MQTT_ERR_SESSION_STORAGE_FULL => b"session: its storage is full\0",
        MQTT_ERR_SESSION_STORAGE_TOO_SMALL => {
            b"session: a part of its storage is smaller than the packet\0"
        }
        MQTT_ERR_SESSION_AUTH_NOT_READY => {
            b"session: the authenticator needs a fresh nonce before another exchange\0"
        }
        MQTT_ERR_SESSION_SUBSCRIPTION_NOT_SUPPORTED => {
            b"session: the server does not support this subscription (wildcards, shared, identifiers)\0"
        }
        MQTT_ERR_SESSION_OTHER => b"session: command refused\0",
        MQTT_ERR_SNAPSHOT_NOT_A_SNAPSHOT => b"not a session snapshot\0",
        MQTT_ERR_SNAPSHOT_FORMAT => b"snapshot of a format version this library does not read\0",
        MQTT_ERR_SNAPSHOT_VERSION => {
            b"snapshot of another protocol version than the configuration's\0"
        }
        MQTT_ERR_SNAPSHOT_CORRUPT => b"corrupt snapshot\0",
        MQTT_ERR_SNAPSHOT_OTHER => b"snapshot refused\0",
        _ => b"client session error\0",
    }
}

/// As above, in a build without the client side.
#[cfg(not(feature = "client"))]
fn session_text(_: mqtt_status) -> &'static [u8] {
    b"client session error (no session in this build)\0"
}

/// The status with this numeric value.
pub(crate) fn from_int(status: c_int) -> Option<mqtt_status> {
    ALL.iter().copied().find(|&s| s as c_int == status)
}

/// The text of `status` as a C string.
pub(crate) fn c_text(status: c_int) -> *const c_char {
    let bytes: &'static [u8] = match from_int(status) {
        Some(s) => text(s),
        None => b"unknown status\0",
    };
    bytes.as_ptr().cast()
}

/// Each decode error kind with its status, one row each: read one way to report an error,
/// the other way to give a status's reason code.
const DECODE_STATUS: &[(DecodeErrorKind, mqtt_status)] = &[
    (K::ReservedPacketType, MQTT_ERR_RESERVED_PACKET_TYPE),
    (K::InvalidFlags, MQTT_ERR_INVALID_FLAGS),
    (K::PublishQos3, MQTT_ERR_PUBLISH_QOS3),
    (K::DupWithQos0, MQTT_ERR_DUP_WITH_QOS0),
    (K::VarIntTooLong, MQTT_ERR_VARINT_TOO_LONG),
    (K::NonMinimalVarInt, MQTT_ERR_NON_MINIMAL_VARINT),
    (K::PacketTooLarge, MQTT_ERR_PACKET_TOO_LARGE),
    (K::UnexpectedEnd, MQTT_ERR_UNEXPECTED_END),
    (K::TrailingBytes, MQTT_ERR_TRAILING_BYTES),
    (K::InvalidRemainingLength, MQTT_ERR_INVALID_REMAINING_LENGTH),
    (K::InvalidUtf8, MQTT_ERR_INVALID_UTF8),
    (K::NullCharacter, MQTT_ERR_NULL_CHARACTER),
    (
        K::UnsupportedProtocolName,
        MQTT_ERR_UNSUPPORTED_PROTOCOL_NAME,
    ),
    (
        K::UnsupportedProtocolLevel,
        MQTT_ERR_UNSUPPORTED_PROTOCOL_LEVEL,
    ),
    (K::ConnectReservedFlag, MQTT_ERR_CONNECT_RESERVED_FLAG),
    (K::WillQosWithoutWill, MQTT_ERR_WILL_QOS_WITHOUT_WILL),
    (K::WillRetainWithoutWill, MQTT_ERR_WILL_RETAIN_WITHOUT_WILL),
    (K::WillQos3, MQTT_ERR_WILL_QOS3),
    (
        K::PasswordWithoutUsername,
        MQTT_ERR_PASSWORD_WITHOUT_USERNAME,
    ),
    (
        K::EmptyClientIdWithoutCleanSession,
        MQTT_ERR_EMPTY_CLIENT_ID_WITHOUT_CLEAN_SESSION,
    ),
    (K::ConnAckReservedFlags, MQTT_ERR_CONNACK_RESERVED_FLAGS),
    (
        K::SessionPresentOnFailure,
        MQTT_ERR_SESSION_PRESENT_ON_FAILURE,
    ),
    (K::InvalidReasonCode, MQTT_ERR_INVALID_REASON_CODE),
    (
        K::ReasonCodeFromWrongSide,
        MQTT_ERR_REASON_CODE_FROM_WRONG_SIDE,
    ),
    (K::ZeroPacketId, MQTT_ERR_ZERO_PACKET_ID),
    (K::InvalidTopicName, MQTT_ERR_INVALID_TOPIC_NAME),
    (K::InvalidTopicFilter, MQTT_ERR_INVALID_TOPIC_FILTER),
    (
        K::EmptyTopicWithoutAlias,
        MQTT_ERR_EMPTY_TOPIC_WITHOUT_ALIAS,
    ),
    (K::EmptySubscriptionList, MQTT_ERR_EMPTY_SUBSCRIPTION_LIST),
    (K::EmptyPayload, MQTT_ERR_EMPTY_PAYLOAD),
    (K::InvalidRequestedQos, MQTT_ERR_INVALID_REQUESTED_QOS),
    (
        K::SubscriptionOptionsReserved,
        MQTT_ERR_SUBSCRIPTION_OPTIONS_RESERVED,
    ),
    (K::SubscriptionQos3, MQTT_ERR_SUBSCRIPTION_QOS3),
    (K::RetainHandling3, MQTT_ERR_RETAIN_HANDLING3),
    (
        K::NoLocalOnSharedSubscription,
        MQTT_ERR_NO_LOCAL_ON_SHARED_SUBSCRIPTION,
    ),
    (K::UnknownProperty, MQTT_ERR_UNKNOWN_PROPERTY),
    (K::PropertyNotAllowed, MQTT_ERR_PROPERTY_NOT_ALLOWED),
    (K::DuplicateProperty, MQTT_ERR_DUPLICATE_PROPERTY),
    (K::TopicAliasInvalid, MQTT_ERR_TOPIC_ALIAS_INVALID),
    (K::InvalidPropertyValue, MQTT_ERR_INVALID_PROPERTY_VALUE),
    (
        K::AuthenticationDataWithoutMethod,
        MQTT_ERR_AUTHENTICATION_DATA_WITHOUT_METHOD,
    ),
    (
        K::MissingAuthenticationMethod,
        MQTT_ERR_MISSING_AUTHENTICATION_METHOD,
    ),
    (
        K::SubscriptionIdentifierFromClient,
        MQTT_ERR_SUBSCRIPTION_IDENTIFIER_FROM_CLIENT,
    ),
    (
        K::SessionExpiryFromServer,
        MQTT_ERR_SESSION_EXPIRY_FROM_SERVER,
    ),
    (K::UnexpectedPacket, MQTT_ERR_UNEXPECTED_PACKET),
    (K::FirstPacketNotConnect, MQTT_ERR_FIRST_PACKET_NOT_CONNECT),
    (K::SecondConnect, MQTT_ERR_SECOND_CONNECT),
    (K::Failed, MQTT_ERR_DECODER_FAILED),
    (K::PacketExceedsBuffer, MQTT_ERR_PACKET_EXCEEDS_BUFFER),
];

/// The status of a decode error.
pub(crate) fn of_decode(e: &DecodeError) -> mqtt_status {
    let kind = e.kind();
    DECODE_STATUS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(MQTT_ERR_DECODE_OTHER, |&(_, s)| s)
}

/// The decode error kind `status` stands for, so that the core says which reason code it
/// carries (the binding holds no table of codes of its own).
pub(crate) fn decode_kind(status: mqtt_status) -> Option<DecodeErrorKind> {
    DECODE_STATUS
        .iter()
        .find(|(_, s)| *s == status)
        .map(|&(k, _)| k)
}

/// The status of an encode error.
pub(crate) fn of_encode(e: &EncodeError) -> mqtt_status {
    use EncodeError as E;
    match e {
        E::NotRepresentable { .. } => MQTT_ERR_NOT_REPRESENTABLE,
        E::MissingPacketId(_) => MQTT_ERR_MISSING_PACKET_ID,
        E::UnexpectedPacketId => MQTT_ERR_UNEXPECTED_PACKET_ID,
        E::DupWithQos0 => MQTT_ERR_DUP_WITH_QOS0,
        E::InvalidReasonCode { .. } => MQTT_ERR_INVALID_REASON_CODE,
        E::PropertyNotAllowed { .. } => MQTT_ERR_PROPERTY_NOT_ALLOWED,
        E::InvalidPropertyValue {
            property: PropertyId::TopicAlias,
            ..
        } => MQTT_ERR_TOPIC_ALIAS_INVALID,
        E::InvalidPropertyValue { .. } => MQTT_ERR_INVALID_PROPERTY_VALUE,
        E::FieldTooLong { .. } => MQTT_ERR_FIELD_TOO_LONG,
        E::PacketTooLarge { .. } => MQTT_ERR_PACKET_TOO_LARGE,
        E::BufferTooSmall { .. } => MQTT_ERR_BUFFER_TOO_SMALL,
        E::EmptyPayload {
            packet_type: PacketType::Subscribe | PacketType::Unsubscribe,
        } => MQTT_ERR_EMPTY_SUBSCRIPTION_LIST,
        E::EmptyPayload { .. } => MQTT_ERR_EMPTY_PAYLOAD,
        E::EmptyTopic => MQTT_ERR_EMPTY_TOPIC,
        E::NoLocalOnSharedSubscription => MQTT_ERR_NO_LOCAL_ON_SHARED_SUBSCRIPTION,
        E::EmptyTopicFilter => MQTT_ERR_EMPTY_TOPIC_FILTER,
        E::InvalidTopicFilter { reason, .. } => of_topic(reason),
        E::PasswordWithoutUsername => MQTT_ERR_PASSWORD_WITHOUT_USERNAME,
        E::EmptyClientIdWithoutCleanSession => MQTT_ERR_EMPTY_CLIENT_ID_WITHOUT_CLEAN_SESSION,
        E::MissingAuthenticationMethod => MQTT_ERR_MISSING_AUTHENTICATION_METHOD,
        E::SessionPresentOnFailure => MQTT_ERR_SESSION_PRESENT_ON_FAILURE,
        E::LeftOut { .. } => MQTT_ERR_NOT_IN_BUILD,
        _ => MQTT_ERR_ENCODE_OTHER,
    }
}

/// The status of a command a client session refused.
#[cfg(feature = "client")]
pub(crate) fn of_session(e: &codec::client::SessionError) -> mqtt_status {
    use codec::client::SessionError as E;
    match e {
        E::NotConnected => MQTT_ERR_SESSION_NOT_CONNECTED,
        E::AlreadyConnected => MQTT_ERR_SESSION_ALREADY_CONNECTED,
        E::AuthenticatorNotReady => MQTT_ERR_SESSION_AUTH_NOT_READY,
        E::SubscriptionNotSupported(_) => MQTT_ERR_SESSION_SUBSCRIPTION_NOT_SUPPORTED,
        // Re-authentication without an authenticated connection, or while one runs (the
        // header's promise for `mqtt_session_reauthenticate`); the session's other state
        // refusals (a configuration string it cannot send) land here too.
        E::State(_) => MQTT_ERR_SESSION_NOT_CONNECTED,
        E::NoPacketId => MQTT_ERR_SESSION_NO_PACKET_ID,
        E::QueueFull(_) => MQTT_ERR_SESSION_QUEUE_FULL,
        E::PacketTooLarge { .. } => MQTT_ERR_SESSION_PACKET_TOO_LARGE,
        E::QosNotSupported(_) => MQTT_ERR_SESSION_QOS_NOT_SUPPORTED,
        E::RetainNotSupported => MQTT_ERR_SESSION_RETAIN_NOT_SUPPORTED,
        E::UnknownPacketId(_) => MQTT_ERR_SESSION_UNKNOWN_PACKET_ID,
        E::TransmitFull { .. } => MQTT_ERR_SESSION_TRANSMIT_FULL,
        E::StorageFull(_) => MQTT_ERR_SESSION_STORAGE_FULL,
        E::StorageTooSmall { .. } => MQTT_ERR_SESSION_STORAGE_TOO_SMALL,
        E::Topic(e) => of_topic(e),
        E::Encode(e) => of_encode(e),
        _ => MQTT_ERR_SESSION_OTHER,
    }
}

/// The status of a snapshot a client session could not read back or write.
#[cfg(feature = "client")]
pub(crate) fn of_snapshot(e: &codec::client::SnapshotError) -> mqtt_status {
    use codec::client::SnapshotError as E;
    match e {
        E::NotASnapshot => MQTT_ERR_SNAPSHOT_NOT_A_SNAPSHOT,
        E::Format(_) => MQTT_ERR_SNAPSHOT_FORMAT,
        E::Version { .. } => MQTT_ERR_SNAPSHOT_VERSION,
        E::Corrupt(_) => MQTT_ERR_SNAPSHOT_CORRUPT,
        E::StorageFull(_) => MQTT_ERR_SESSION_STORAGE_FULL,
        E::BufferTooSmall { .. } => MQTT_ERR_BUFFER_TOO_SMALL,
        _ => MQTT_ERR_SNAPSHOT_OTHER,
    }
}

/// The status of a topic or string validation error.
pub(crate) fn of_topic(e: &TopicError) -> mqtt_status {
    match e {
        TopicError::Empty => MQTT_ERR_TOPIC_EMPTY,
        TopicError::String(_) => MQTT_ERR_INVALID_STRING,
        TopicError::WildcardInName => MQTT_ERR_TOPIC_WILDCARD_IN_NAME,
        TopicError::MultiLevelWildcard => MQTT_ERR_TOPIC_MULTI_LEVEL_WILDCARD,
        TopicError::SingleLevelWildcard => MQTT_ERR_TOPIC_SINGLE_LEVEL_WILDCARD,
        TopicError::SharedSubscription => MQTT_ERR_TOPIC_SHARED_SUBSCRIPTION,
        _ => MQTT_ERR_INVALID_STRING,
    }
}

/// The status of a string validation error.
pub(crate) fn of_str(_: StrError) -> mqtt_status {
    MQTT_ERR_INVALID_STRING
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_decode_status_but_other_stands_for_one_kind() {
        for &s in ALL {
            if (100..199).contains(&(s as i32)) && s != MQTT_ERR_DECODE_OTHER {
                assert!(decode_kind(s).is_some(), "{s:?}");
            }
        }
        for (i, (k, s)) in DECODE_STATUS.iter().enumerate() {
            let rest = &DECODE_STATUS[i + 1..];
            assert!(
                rest.iter().all(|(k2, s2)| k2 != k && s2 != s),
                "{k:?} {s:?}"
            );
        }
    }

    #[cfg(feature = "session")]
    #[test]
    fn every_session_and_snapshot_error_has_its_own_status_and_text() {
        use codec::client::{SessionError as E, SnapshotError as S};
        let session = [
            E::NotConnected,
            E::AlreadyConnected,
            E::AuthenticatorNotReady,
            E::SubscriptionNotSupported("wildcard subscriptions"),
            E::NoPacketId,
            E::QueueFull(1),
            E::PacketTooLarge { size: 2, max: 1 },
            E::QosNotSupported(2),
            E::RetainNotSupported,
            E::UnknownPacketId(1),
            E::TransmitFull {
                needed: 2,
                available: 1,
            },
            E::StorageFull("the message storage"),
            E::StorageTooSmall {
                what: "the transmit buffer",
                needed: 2,
                capacity: 1,
            },
            E::Encode(EncodeError::EmptyTopic),
        ];
        let snapshot = [
            S::NotASnapshot,
            S::Format(2),
            S::Version {
                expected: 4,
                found: 5,
            },
            S::Corrupt("cut short"),
        ];
        let mut seen: Vec<mqtt_status> = session
            .iter()
            .map(of_session)
            .chain(snapshot.iter().map(of_snapshot))
            .collect();
        seen.sort_by_key(|s| *s as i32);
        seen.dedup();
        assert_eq!(seen.len(), session.len() + snapshot.len());
        let mut texts: Vec<&[u8]> = seen.iter().map(|&s| text(s)).collect();
        texts.sort();
        texts.dedup();
        assert_eq!(texts.len(), seen.len());
    }

    #[test]
    fn every_status_has_a_nul_terminated_text() {
        for &s in ALL {
            let t = text(s);
            assert_eq!(t.last(), Some(&0));
            assert!(!t[..t.len() - 1].contains(&0));
            assert_eq!(from_int(s as c_int), Some(s));
        }
    }
}
