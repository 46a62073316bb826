//! Typed errors for decoding and encoding, each naming the rule that was broken.
//!
//! Every [`DecodeError`] means the connection must be closed (3.1.1 closes silently; 5.0
//! first sends the CONNACK or DISCONNECT reason code given by [`DecodeError::reason_code`]).
//! The messages cite the statement IDs of the specifications, 3.1.1 first, then 5.0.

use crate::error_kind::DecodeErrorKind;
use crate::packet_type::PacketType;
use crate::property_id::PropertyId;
use crate::reason::ReasonCode;
use crate::topic::TopicError;
use crate::version::{ProtocolVersion, Role};

/// Why a packet could not be decoded.
///
/// After any of these the stream cannot be resynchronised: the decoder stays failed and the
/// connection must be closed ([MQTT-4.8.0-1], [MQTT-4.13.1-1]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Packet type 0, or 15 before MQTT 5.0 (tab 2.1 / 2-1).
    #[error("reserved packet type {packet_type} (tab 2.1 / 2-1)")]
    ReservedPacketType {
        /// The upper nibble that was received.
        packet_type: u8,
    },
    /// A reserved flag bit in the fixed header has the wrong value ([MQTT-2.2.2-1], [MQTT-2.1.3-1]).
    #[error(
        "{packet_type} with invalid fixed-header flags {flags:#06b} [MQTT-2.2.2-1] [MQTT-2.1.3-1]"
    )]
    InvalidFlags {
        /// The packet type.
        packet_type: PacketType,
        /// The low nibble that was received.
        flags: u8,
    },
    /// PUBLISH with both QoS bits set ([MQTT-3.3.1-4]).
    #[error("PUBLISH with QoS 3 [MQTT-3.3.1-4]")]
    PublishQos3,
    /// PUBLISH with DUP set at QoS 0 ([MQTT-3.3.1-2]).
    #[error("PUBLISH with DUP set at QoS 0 [MQTT-3.3.1-2]")]
    DupWithQos0,
    /// A Variable Byte Integer longer than four bytes (§1.5.5, §2.2.3).
    #[error("{field}: variable byte integer longer than four bytes (§1.5.5)")]
    VarIntTooLong {
        /// Which integer: the remaining length, a property length...
        field: &'static str,
    },
    /// A Variable Byte Integer not in its shortest form ([MQTT-1.5.5-1]).
    #[error("{field}: variable byte integer not in its shortest form [MQTT-1.5.5-1]")]
    NonMinimalVarInt {
        /// Which integer.
        field: &'static str,
    },
    /// The packet is larger than the configured maximum packet size (5.0 reason 0x95).
    #[error("packet of {size} bytes exceeds the maximum packet size {max}")]
    PacketTooLarge {
        /// Total size declared by the fixed header.
        size: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The packet is larger than the fixed receive buffer of the decoder (a
    /// [`crate::SliceBuffer`]): refused from its fixed header, before any body byte is
    /// buffered (5.0 reason 0x95).
    #[error("packet of {size} bytes does not fit the decoder's buffer of {capacity}")]
    PacketExceedsBuffer {
        /// Total size declared by the fixed header; at least this much when the buffer is
        /// too small to hold the fixed header itself.
        size: usize,
        /// The buffer's capacity.
        capacity: usize,
    },
    /// A field runs past the end of the packet (RL-5, DT-1, DT-3).
    #[error("{packet_type}: {field} runs past the end of the packet")]
    UnexpectedEnd {
        /// The packet type.
        packet_type: PacketType,
        /// The field that was cut short.
        field: &'static str,
    },
    /// Bytes left over after the last field (RL-5).
    #[error("{packet_type}: {count} bytes left over after the last field")]
    TrailingBytes {
        /// The packet type.
        packet_type: PacketType,
        /// How many bytes were left.
        count: usize,
    },
    /// A remaining length the packet type never has (RL-6, CAK-2, ACK-3, PNG-2, DIS-2, UAK-2).
    #[error("{packet_type} with remaining length {length}, which this version does not allow")]
    InvalidRemainingLength {
        /// The packet type.
        packet_type: PacketType,
        /// The remaining length received.
        length: usize,
    },
    /// A string that is not well-formed UTF-8 ([MQTT-1.5.3-1], [MQTT-1.5.4-1]).
    #[error("{field} is not well-formed UTF-8 [MQTT-1.5.3-1] [MQTT-1.5.4-1]")]
    InvalidUtf8 {
        /// The field.
        field: &'static str,
    },
    /// A string containing U+0000 ([MQTT-1.5.3-2], [MQTT-1.5.4-2]).
    #[error("{field} contains U+0000 [MQTT-1.5.3-2] [MQTT-1.5.4-2]")]
    NullCharacter {
        /// The field.
        field: &'static str,
    },
    /// CONNECT protocol name other than `MQTT` or `MQIsdp` ([MQTT-3.1.2-1]).
    #[error("CONNECT with an unknown protocol name [MQTT-3.1.2-1]")]
    UnsupportedProtocolName,
    /// CONNECT protocol level this codec does not speak, or that does not go with the name
    /// ([MQTT-3.1.2-2]). A 3.1.1 server answers CONNACK 0x01, a 5.0 server 0x84.
    #[error("CONNECT with unsupported protocol level {level} [MQTT-3.1.2-2]")]
    UnsupportedProtocolLevel {
        /// The level byte received.
        level: u8,
    },
    /// CONNECT flags bit 0 is set ([MQTT-3.1.2-3]).
    #[error("CONNECT reserved flag bit 0 is set [MQTT-3.1.2-3]")]
    ConnectReservedFlag,
    /// Will QoS is non-zero without the Will Flag ([MQTT-3.1.2-13], 5.0 [MQTT-3.1.2-11]).
    #[error("CONNECT will QoS set without the will flag [MQTT-3.1.2-13] [MQTT-3.1.2-11]")]
    WillQosWithoutWill,
    /// Will Retain is set without the Will Flag ([MQTT-3.1.2-15], 5.0 [MQTT-3.1.2-13]).
    #[error("CONNECT will retain set without the will flag [MQTT-3.1.2-15] [MQTT-3.1.2-13]")]
    WillRetainWithoutWill,
    /// Will QoS 3 ([MQTT-3.1.2-14], 5.0 [MQTT-3.1.2-12]).
    #[error("CONNECT will QoS 3 [MQTT-3.1.2-14] [MQTT-3.1.2-12]")]
    WillQos3,
    /// 3.1.1: Password Flag without User Name Flag ([MQTT-3.1.2-22]).
    #[error("CONNECT password flag without user name flag [MQTT-3.1.2-22]")]
    PasswordWithoutUsername,
    /// 3.1.1: a zero-length client identifier with CleanSession 0 ([MQTT-3.1.3-7], [MQTT-3.1.3-8]).
    /// The server answers CONNACK 0x02 and closes.
    #[error("CONNECT with an empty client identifier requires clean session [MQTT-3.1.3-7] [MQTT-3.1.3-8]")]
    EmptyClientIdWithoutCleanSession,
    /// CONNACK acknowledge flags bits 7–1 are not zero ([MQTT-3.2.2-1]).
    #[error("CONNACK reserved acknowledge flags {flags:#04x} [MQTT-3.2.2-1]")]
    ConnAckReservedFlags {
        /// The acknowledge flags byte.
        flags: u8,
    },
    /// CONNACK with Session Present and a failure code ([MQTT-3.2.2-4], [MQTT-3.2.2-6]).
    #[error(
        "CONNACK with session present and failure code {code:#04x} (3.1.1 [MQTT-3.2.2-4], 5.0 [MQTT-3.2.2-6])"
    )]
    SessionPresentOnFailure {
        /// The return or reason code.
        code: u8,
    },
    /// A reason or return code that this packet type may not carry.
    #[error("{packet_type} with reason code {code:#04x}, which it may not carry")]
    InvalidReasonCode {
        /// The packet type.
        packet_type: PacketType,
        /// The code received.
        code: u8,
    },
    /// A DISCONNECT or AUTH reason code that only the other side may send (Tables 3-10, 3-11).
    #[error("{packet_type} reason code {code:#04x} may only be sent by the other side")]
    ReasonCodeFromWrongSide {
        /// The packet type.
        packet_type: PacketType,
        /// The code received.
        code: u8,
    },
    /// A packet identifier of zero ([MQTT-2.3.1-1], [MQTT-2.2.1-3], [MQTT-2.2.1-4]).
    #[error("{packet_type} with packet identifier 0 [MQTT-2.3.1-1] [MQTT-2.2.1-3]")]
    ZeroPacketId {
        /// The packet type.
        packet_type: PacketType,
    },
    /// A topic name that breaks the topic rules (§4.7).
    #[error("{field}: invalid topic name: {reason}")]
    InvalidTopicName {
        /// Which field held it: the PUBLISH topic, the will topic, a response topic.
        field: &'static str,
        /// What was wrong with it.
        reason: TopicError,
    },
    /// A topic filter that breaks the topic rules (§4.7, §4.8.2).
    #[error("invalid topic filter: {reason}")]
    InvalidTopicFilter {
        /// What was wrong with it.
        reason: TopicError,
    },
    /// 5.0 PUBLISH with an empty topic and no Topic Alias (§3.3.2.1).
    #[error("PUBLISH with an empty topic name and no topic alias (§3.3.2.1)")]
    EmptyTopicWithoutAlias,
    /// SUBSCRIBE, UNSUBSCRIBE, SUBACK or UNSUBACK without a single entry
    /// ([MQTT-3.8.3-3], [MQTT-3.10.3-2], [MQTT-3.9.3-1], §3.11.3).
    #[error("{packet_type} with an empty payload [MQTT-3.8.3-3] [MQTT-3.10.3-2] [MQTT-3.9.3-1]")]
    EmptyPayload {
        /// The packet type.
        packet_type: PacketType,
    },
    /// 3.1.1 SUBSCRIBE requested-QoS byte with reserved bits or QoS 3 ([MQTT-3-8.3-4]).
    #[error("SUBSCRIBE requested QoS byte {options:#04x} is invalid [MQTT-3-8.3-4]")]
    InvalidRequestedQos {
        /// The byte received.
        options: u8,
    },
    /// 5.0 subscription options with reserved bits 7–6 set ([MQTT-3.8.3-5]).
    #[error("SUBSCRIBE options {options:#04x} have reserved bits set [MQTT-3.8.3-5]")]
    SubscriptionOptionsReserved {
        /// The byte received.
        options: u8,
    },
    /// 5.0 subscription options with Maximum QoS 3 (§3.8.3.1).
    #[error("SUBSCRIBE options with maximum QoS 3 (§3.8.3.1)")]
    SubscriptionQos3,
    /// 5.0 subscription options with Retain Handling 3 (§3.8.3.1).
    #[error("SUBSCRIBE options with retain handling 3 (§3.8.3.1)")]
    RetainHandling3,
    /// 5.0 No Local on a shared subscription ([MQTT-3.8.3-4]).
    #[error("SUBSCRIBE with No Local on a shared subscription [MQTT-3.8.3-4]")]
    NoLocalOnSharedSubscription,
    /// A property identifier that MQTT 5.0 does not define (§2.2.2.2).
    #[error("unknown property identifier {id:#04x} (§2.2.2.2)")]
    UnknownProperty {
        /// The identifier received.
        id: u32,
    },
    /// A property this packet may not carry (§2.2.2.2, table 2-4).
    #[error("{property} is not allowed in {context} (table 2-4)")]
    PropertyNotAllowed {
        /// The property.
        property: PropertyId,
        /// The packet type, or "will properties".
        context: &'static str,
    },
    /// A property that may appear once appeared twice.
    #[error("{property} appears more than once")]
    DuplicateProperty {
        /// The property.
        property: PropertyId,
    },
    /// A property value outside its range, such as Receive Maximum 0 or Topic Alias 0.
    #[error("{property} has the invalid value {value}")]
    InvalidPropertyValue {
        /// The property.
        property: PropertyId,
        /// The value received.
        value: u32,
    },
    /// Authentication Data without Authentication Method (§3.1.2.11.10).
    #[error("authentication data without an authentication method (§3.1.2.11.10)")]
    AuthenticationDataWithoutMethod,
    /// AUTH with properties but no Authentication Method (§3.15.2.2).
    #[error("AUTH without an authentication method (§3.15.2.2)")]
    MissingAuthenticationMethod,
    /// A client sent a PUBLISH carrying a Subscription Identifier ([MQTT-3.3.4-6]).
    #[error("PUBLISH from a client carries a subscription identifier [MQTT-3.3.4-6]")]
    SubscriptionIdentifierFromClient,
    /// A server sent a DISCONNECT carrying a Session Expiry Interval ([MQTT-3.14.2-2]).
    #[error("DISCONNECT from a server carries a session expiry interval [MQTT-3.14.2-2]")]
    SessionExpiryFromServer,
    /// A packet that the peer's side never sends (tab 2.1 / 2-1).
    #[error("{packet_type} cannot be received by a {role:?} (tab 2.1)")]
    UnexpectedPacket {
        /// The packet type.
        packet_type: PacketType,
        /// The side that received it.
        role: Role,
    },
    /// The first packet from a client was not CONNECT ([MQTT-3.1.0-1]).
    #[error("first packet is {packet_type}, not CONNECT [MQTT-3.1.0-1]")]
    FirstPacketNotConnect {
        /// The packet type received.
        packet_type: PacketType,
    },
    /// A second CONNECT on the same connection ([MQTT-3.1.0-2]).
    #[error("second CONNECT on the connection [MQTT-3.1.0-2]")]
    SecondConnect,
    /// The decoder failed earlier; the connection must be closed.
    #[error("the decoder failed earlier ({first:?}) and must not be fed again")]
    Failed {
        /// The kind of the error that failed it ([`crate::Decoder::error`] has the error).
        first: DecodeErrorKind,
    },
}

impl DecodeError {
    /// The MQTT 5.0 reason code a server sends in CONNACK or DISCONNECT for this error
    /// ([`DecodeErrorKind::reason_code`]); for [`DecodeError::Failed`], the first error's.
    pub fn reason_code(&self) -> ReasonCode {
        match self {
            DecodeError::Failed { first } => first.reason_code(),
            other => other.kind().reason_code(),
        }
    }

    /// The MQTT 3.1/3.1.1 CONNACK return code to send before closing, if any
    /// ([`DecodeErrorKind::v3_connack_code`]); for [`DecodeError::Failed`], the first error's.
    pub fn v3_connack_code(&self) -> Option<u8> {
        match self {
            DecodeError::Failed { first } => first.v3_connack_code(),
            other => other.kind().v3_connack_code(),
        }
    }
}

/// Why a packet could not be encoded.
///
/// The encoder refuses to write a packet that breaks a rule, or that cannot be represented
/// in the requested protocol version; nothing is dropped silently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A field or value that the target version cannot carry.
    #[error("{what} cannot be represented in MQTT {version}")]
    NotRepresentable {
        /// What could not be represented.
        what: &'static str,
        /// The target version.
        version: ProtocolVersion,
    },
    /// A PUBLISH at QoS 1 or 2 without a packet identifier ([MQTT-2.3.1-1], [MQTT-2.2.1-3]).
    #[error("PUBLISH at QoS {0} needs a packet identifier [MQTT-2.3.1-1]")]
    MissingPacketId(crate::QoS),
    /// A PUBLISH at QoS 0 with a packet identifier ([MQTT-2.3.1-5], [MQTT-2.2.1-2]).
    #[error("PUBLISH at QoS 0 must not have a packet identifier [MQTT-2.3.1-5]")]
    UnexpectedPacketId,
    /// A PUBLISH with DUP at QoS 0 ([MQTT-3.3.1-2]).
    #[error("PUBLISH with DUP at QoS 0 [MQTT-3.3.1-2]")]
    DupWithQos0,
    /// A reason code the packet type may not carry.
    #[error("{packet_type} may not carry reason code {code}")]
    InvalidReasonCode {
        /// The packet type.
        packet_type: PacketType,
        /// The code.
        code: ReasonCode,
    },
    /// A property the packet may not carry (table 2-4).
    #[error("{property} is not allowed in {context} (table 2-4)")]
    PropertyNotAllowed {
        /// The property.
        property: PropertyId,
        /// The packet type, or "will properties".
        context: &'static str,
    },
    /// A property value outside its range, such as Receive Maximum 0.
    #[error("{property} has the invalid value {value}")]
    InvalidPropertyValue {
        /// The property.
        property: PropertyId,
        /// The value.
        value: u32,
    },
    /// A string or binary field longer than 65,535 bytes (§1.5.4, §1.5.6).
    #[error("{field} is {len} bytes long; the limit is 65535")]
    FieldTooLong {
        /// The field.
        field: &'static str,
        /// Its length.
        len: usize,
    },
    /// The packet would exceed the largest remaining length, 268,435,455 bytes, or the
    /// maximum packet size the caller gave.
    #[error("packet of {size} bytes exceeds the maximum {max}")]
    PacketTooLarge {
        /// The size the packet would have.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The output slice is too short.
    #[error("buffer of {available} bytes is too small for a packet of {needed}")]
    BufferTooSmall {
        /// Bytes the packet needs.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// SUBSCRIBE, UNSUBSCRIBE, SUBACK (or 5.0 UNSUBACK) without entries.
    #[error("{packet_type} needs at least one entry [MQTT-3.8.3-3] [MQTT-3.10.3-2]")]
    EmptyPayload {
        /// The packet type.
        packet_type: PacketType,
    },
    /// An empty PUBLISH topic: under 3.x at all, under 5.0 without a Topic Alias
    /// ([MQTT-4.7.3-1]).
    #[error(
        "PUBLISH with an empty topic, which MQTT 3.x never allows and 5.0 only with a topic alias [MQTT-4.7.3-1]"
    )]
    EmptyTopic,
    /// No Local on a shared subscription ([MQTT-3.8.3-4]).
    #[error("No Local on a shared subscription [MQTT-3.8.3-4]")]
    NoLocalOnSharedSubscription,
    /// A SUBSCRIBE topic filter the target version does not accept: in 5.0, a `$share/`
    /// filter that is not `$share/NAME/FILTER` ([MQTT-4.8.2-1], [MQTT-4.8.2-2]).
    #[error("invalid topic filter for MQTT {version}: {reason}")]
    InvalidTopicFilter {
        /// What is wrong with it.
        reason: TopicError,
        /// The target version.
        version: ProtocolVersion,
    },
    /// An empty UNSUBSCRIBE topic filter ([MQTT-4.7.3-1]).
    #[error("empty topic filter [MQTT-4.7.3-1]")]
    EmptyTopicFilter,
    /// 3.1.1: a password without a user name ([MQTT-3.1.2-22]).
    #[error("password without user name [MQTT-3.1.2-22]")]
    PasswordWithoutUsername,
    /// 3.1.1: an empty client identifier with clean session off ([MQTT-3.1.3-7]).
    #[error("empty client identifier requires clean session [MQTT-3.1.3-7]")]
    EmptyClientIdWithoutCleanSession,
    /// Authentication Data without Authentication Method (§3.1.2.11.10), or an AUTH with
    /// properties but no method (§3.15.2.2).
    #[error("authentication data or AUTH properties without an authentication method")]
    MissingAuthenticationMethod,
    /// CONNACK with Session Present and a failure code ([MQTT-3.2.2-4], [MQTT-3.2.2-6]).
    #[error("CONNACK with session present and a failure code (3.1.1 [MQTT-3.2.2-4], 5.0 [MQTT-3.2.2-6])")]
    SessionPresentOnFailure,
    /// A protocol version or a side this build leaves out (the features `v3`, `v5`,
    /// `client` and `server`): a CONNACK from a client-only build, any packet under 5.0
    /// from a 3.x-only one.
    #[error("{what} is left out of this build (features v3, v5, client, server)")]
    LeftOut {
        /// What was left out: the version, or the packet type for the build's sides.
        what: &'static str,
    },
}

impl DecodeError {
    /// The kind of this error, without its values.
    pub fn kind(&self) -> DecodeErrorKind {
        use DecodeError as E;
        use DecodeErrorKind as K;
        match self {
            E::ReservedPacketType { .. } => K::ReservedPacketType,
            E::InvalidFlags { .. } => K::InvalidFlags,
            E::PublishQos3 => K::PublishQos3,
            E::DupWithQos0 => K::DupWithQos0,
            E::VarIntTooLong { .. } => K::VarIntTooLong,
            E::NonMinimalVarInt { .. } => K::NonMinimalVarInt,
            E::PacketTooLarge { .. } => K::PacketTooLarge,
            E::PacketExceedsBuffer { .. } => K::PacketExceedsBuffer,
            E::UnexpectedEnd { .. } => K::UnexpectedEnd,
            E::TrailingBytes { .. } => K::TrailingBytes,
            E::InvalidRemainingLength { .. } => K::InvalidRemainingLength,
            E::InvalidUtf8 { .. } => K::InvalidUtf8,
            E::NullCharacter { .. } => K::NullCharacter,
            E::UnsupportedProtocolName => K::UnsupportedProtocolName,
            E::UnsupportedProtocolLevel { .. } => K::UnsupportedProtocolLevel,
            E::ConnectReservedFlag => K::ConnectReservedFlag,
            E::WillQosWithoutWill => K::WillQosWithoutWill,
            E::WillRetainWithoutWill => K::WillRetainWithoutWill,
            E::WillQos3 => K::WillQos3,
            E::PasswordWithoutUsername => K::PasswordWithoutUsername,
            E::EmptyClientIdWithoutCleanSession => K::EmptyClientIdWithoutCleanSession,
            E::ConnAckReservedFlags { .. } => K::ConnAckReservedFlags,
            E::SessionPresentOnFailure { .. } => K::SessionPresentOnFailure,
            E::InvalidReasonCode { .. } => K::InvalidReasonCode,
            E::ReasonCodeFromWrongSide { .. } => K::ReasonCodeFromWrongSide,
            E::ZeroPacketId { .. } => K::ZeroPacketId,
            E::InvalidTopicName { .. } => K::InvalidTopicName,
            E::InvalidTopicFilter { .. } => K::InvalidTopicFilter,
            E::EmptyTopicWithoutAlias => K::EmptyTopicWithoutAlias,
            E::EmptyPayload {
                packet_type: PacketType::Subscribe | PacketType::Unsubscribe,
            } => K::EmptySubscriptionList,
            E::EmptyPayload { .. } => K::EmptyPayload,
            E::InvalidRequestedQos { .. } => K::InvalidRequestedQos,
            E::SubscriptionOptionsReserved { .. } => K::SubscriptionOptionsReserved,
            E::SubscriptionQos3 => K::SubscriptionQos3,
            E::RetainHandling3 => K::RetainHandling3,
            E::NoLocalOnSharedSubscription => K::NoLocalOnSharedSubscription,
            E::UnknownProperty { .. } => K::UnknownProperty,
            E::PropertyNotAllowed { .. } => K::PropertyNotAllowed,
            E::DuplicateProperty { .. } => K::DuplicateProperty,
            E::InvalidPropertyValue {
                property: PropertyId::TopicAlias,
                ..
            } => K::TopicAliasInvalid,
            E::InvalidPropertyValue { .. } => K::InvalidPropertyValue,
            E::AuthenticationDataWithoutMethod => K::AuthenticationDataWithoutMethod,
            E::MissingAuthenticationMethod => K::MissingAuthenticationMethod,
            E::SubscriptionIdentifierFromClient => K::SubscriptionIdentifierFromClient,
            E::SessionExpiryFromServer => K::SessionExpiryFromServer,
            E::UnexpectedPacket { .. } => K::UnexpectedPacket,
            E::FirstPacketNotConnect { .. } => K::FirstPacketNotConnect,
            E::SecondConnect => K::SecondConnect,
            E::Failed { .. } => K::Failed,
        }
    }
}
