//! Why an MQTT-SN datagram was refused, or a message could not be encoded. Every variant
//! names the rule of `shared/spec/mqtt-sn.md` it enforces.
//!
//! MQTT-SN 1.2 has no way to report a malformed message: most errors mean "drop the
//! datagram". A few are answered with a return code instead (a CONNECT with an unknown
//! protocol id, a SUBSCRIBE with QoS −1, ...); [`SnError::answer`] gives that answer.

use super::message::Message;
use super::types::{MsgType, ReturnCode, SnQos};
use crate::string::StrError;
use crate::topic::TopicError;

/// Why a datagram is not a valid MQTT-SN 1.2 message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnError {
    /// Shorter than a Length and a MsgType (SN-HDR-5).
    #[error("datagram of {len} octets is too short for a header [SN-HDR-5]")]
    TooShort {
        /// The datagram's size.
        len: usize,
    },
    /// A 1-octet Length of 0, or a 3-octet Length below 4 (SN-HDR-5).
    #[error("Length {declared} is below the smallest message [SN-HDR-5]")]
    LengthTooSmall {
        /// The Length field's value.
        declared: usize,
    },
    /// The Length disagrees with the datagram's size (SN-HDR-4).
    #[error("Length says {declared} octets but the datagram has {actual} [SN-HDR-4]")]
    LengthMismatch {
        /// The Length field's value.
        declared: usize,
        /// The datagram's size.
        actual: usize,
    },
    /// A reserved MsgType (SN-HDR-6).
    #[error("reserved MsgType 0x{msg_type:02X} [SN-HDR-6]")]
    ReservedMsgType {
        /// The octet.
        msg_type: u8,
    },
    /// The message's size does not fit its layout (SN-MSG-1, §1.6).
    #[error("{msg_type} cannot be {len} octets long [SN-MSG-1]")]
    WrongSize {
        /// The message.
        msg_type: MsgType,
        /// The message's total size.
        len: usize,
    },
    /// The reserved TopicIdType `11` (SN-FLG-2).
    #[error("{msg_type} with the reserved TopicIdType 11 [SN-FLG-2]")]
    ReservedTopicIdType {
        /// The message.
        msg_type: MsgType,
        /// Its MsgId, for the SUBACK that answers a SUBSCRIBE.
        msg_id: u16,
    },
    /// QoS −1 where only a client's PUBLISH may carry it (SN-FLG-3).
    #[error("QoS -1 is not allowed in {msg_type} [SN-FLG-3]")]
    QosMinusOne {
        /// The message.
        msg_type: MsgType,
        /// Its MsgId, for the SUBACK that answers a SUBSCRIBE.
        msg_id: u16,
    },
    /// A QoS −1 PUBLISH naming a normal topic id (SN-PUB-2).
    #[error("a QoS -1 PUBLISH needs a predefined id or a short name [SN-PUB-2]")]
    QosMinusOneNormalTopic,
    /// A MsgId of 0x0000 where a reply is matched to it (SN-FLD-4).
    #[error("{msg_type} with MsgId 0 [SN-FLD-4]")]
    ZeroMsgId {
        /// The message.
        msg_type: MsgType,
    },
    /// A CONNECT whose ProtocolId is not 0x01 (SN-CON-1).
    #[error("CONNECT with ProtocolId 0x{id:02X}, not 0x01 [SN-CON-1]")]
    ProtocolId {
        /// The ProtocolId.
        id: u8,
    },
    /// A ClientId empty or longer than allowed (SN-FLD-2; 23 characters by default).
    #[error("{msg_type}: ClientId of {len} characters; 1 to {max} are allowed [SN-FLD-2]")]
    ClientIdLength {
        /// The message (CONNECT or PINGREQ).
        msg_type: MsgType,
        /// Its length in characters.
        len: usize,
        /// The longest allowed.
        max: usize,
    },
    /// A text field that is not a valid MQTT string (SN-FLD-2 for a ClientId, SN-FLD-3 for
    /// a topic).
    #[error("{field} of {msg_type}: {reason} [{}]", if *field == "ClientId" { "SN-FLD-2" } else { "SN-FLD-3" })]
    InvalidString {
        /// The message.
        msg_type: MsgType,
        /// The field.
        field: &'static str,
        /// Why.
        reason: StrError,
    },
    /// A topic name or filter that breaks the topic rules (SN-FLD-3, SN-REG-1, SN-SUB-1).
    #[error("{field} of {msg_type}: {reason} [SN-FLD-3]")]
    InvalidTopic {
        /// The message.
        msg_type: MsgType,
        /// The field.
        field: &'static str,
        /// Why.
        reason: TopicError,
        /// Its MsgId where an answer carries one (REGISTER, SUBSCRIBE).
        msg_id: u16,
    },
    /// A predefined id or short name that is not exactly 2 octets (SN-SUB-1).
    #[error("{msg_type}: a predefined id or short name is 2 octets, not {len} [SN-SUB-1]")]
    TopicIdLength {
        /// The message.
        msg_type: MsgType,
        /// The field's length.
        len: usize,
    },
    /// A flag that the message does not use was set, in strict mode (SN-FLG-1).
    #[error("{msg_type} with unused flag bits 0x{bits:02X} set [SN-FLG-1]")]
    UnusedFlags {
        /// The message.
        msg_type: MsgType,
        /// The bits set.
        bits: u8,
    },
    /// An encapsulation in the 3-octet Length form, or inside another one (SN-ENC-1).
    #[error("forwarder encapsulation: {0} [SN-ENC-1]")]
    Encapsulation(&'static str),
}

impl SnError {
    /// The rule of `shared/spec/mqtt-sn.md` this error enforces.
    pub fn rule(&self) -> &'static str {
        match self {
            SnError::TooShort { .. } | SnError::LengthTooSmall { .. } => "SN-HDR-5",
            SnError::LengthMismatch { .. } => "SN-HDR-4",
            SnError::ReservedMsgType { .. } => "SN-HDR-6",
            SnError::WrongSize { .. } => "SN-MSG-1",
            SnError::ReservedTopicIdType { .. } => "SN-FLG-2",
            SnError::QosMinusOne { .. } => "SN-FLG-3",
            SnError::QosMinusOneNormalTopic => "SN-PUB-2",
            SnError::ZeroMsgId { .. } => "SN-FLD-4",
            SnError::ProtocolId { .. } => "SN-CON-1",
            SnError::ClientIdLength { .. } => "SN-FLD-2",
            SnError::InvalidString {
                field: "ClientId", ..
            } => "SN-FLD-2",
            SnError::InvalidString { .. } | SnError::InvalidTopic { .. } => "SN-FLD-3",
            SnError::TopicIdLength { .. } => "SN-SUB-1",
            SnError::UnusedFlags { .. } => "SN-FLG-1",
            SnError::Encapsulation(_) => "SN-ENC-1",
        }
    }

    /// The message a gateway answers with instead of dropping the datagram, where the
    /// specification (or its recommendation) gives one: CONNACK "not supported" for a bad
    /// CONNECT or WILLTOPIC, SUBACK "not supported" for a bad SUBSCRIBE, REGACK "not
    /// supported" for a bad REGISTER, WILLTOPICRESP for a bad WILLTOPICUPD. `None`: drop it.
    pub fn answer(&self) -> Option<Message<&'static [u8]>> {
        let not_supported = ReturnCode::NotSupported;
        let connack = Message::ConnAck {
            return_code: not_supported,
        };
        let suback = |msg_id| Message::SubAck {
            qos: SnQos::AtMostOnce,
            topic_id: 0,
            msg_id,
            return_code: not_supported,
        };
        match *self {
            SnError::ProtocolId { .. }
            | SnError::ClientIdLength {
                msg_type: MsgType::Connect,
                ..
            }
            | SnError::InvalidString {
                msg_type: MsgType::Connect,
                ..
            } => Some(connack),
            SnError::QosMinusOne { msg_type, msg_id }
            | SnError::ReservedTopicIdType { msg_type, msg_id } => match msg_type {
                MsgType::Subscribe => Some(suback(msg_id)),
                MsgType::WillTopic => Some(connack),
                MsgType::WillTopicUpd => Some(Message::WillTopicResp {
                    return_code: not_supported,
                }),
                _ => None,
            },
            SnError::InvalidTopic {
                msg_type, msg_id, ..
            } => match msg_type {
                MsgType::Subscribe => Some(suback(msg_id)),
                MsgType::Register => Some(Message::RegAck {
                    topic_id: 0,
                    msg_id,
                    return_code: not_supported,
                }),
                MsgType::WillTopic => Some(connack),
                MsgType::WillTopicUpd => Some(Message::WillTopicResp {
                    return_code: not_supported,
                }),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Why a message cannot be encoded. Nothing is written when encoding fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnEncodeError {
    /// The output buffer is too small.
    #[error("the message needs {needed} octets, the buffer has {available}")]
    BufferTooSmall {
        /// The message's size.
        needed: usize,
        /// The buffer's size.
        available: usize,
    },
    /// Over 65,535 octets, the largest Length (SN-HDR-2).
    #[error("a message of {len} octets is over 65535 [SN-HDR-2]")]
    TooLong {
        /// The message's size.
        len: usize,
    },
    /// The message would not parse: the encoder checks the same rules as the parser.
    #[error("{0}")]
    Invalid(SnError),
    /// A PUBLISH, SUBSCRIBE, UNSUBSCRIBE or accepting REGACK naming topic id 0x0000 or
    /// 0xFFFF, or a REGISTER or SUBACK carrying 0xFFFF: ids that are never assigned
    /// (SN-FLD-1).
    #[error("topic id 0x{id:04X} is never assigned [SN-FLD-1]")]
    ReservedTopicId {
        /// The id.
        id: u16,
    },
    /// A QoS 0 or −1 PUBLISH with a MsgId other than 0x0000, or with DUP (SN-FLD-4,
    /// SN-FLG-4).
    #[error("a QoS 0 or -1 PUBLISH has MsgId 0 and no DUP [SN-FLD-4] [SN-FLG-4]")]
    Qos0Fields,
    /// A DISCONNECT's sleep duration, a GWINFO's address or a forwarder's node id does not
    /// fit the message.
    #[error("{0} does not fit the message")]
    FieldTooLong(&'static str),
    /// A forwarder's broadcast radius over 3: two bits of the Ctrl octet (SN-ENC-2).
    #[error("a broadcast radius of {radius} is over 3 [SN-ENC-2]")]
    RadiusOutOfRange {
        /// The radius given.
        radius: u8,
    },
    /// `ReturnCode::Reserved` holding one of the defined codes 0x00-0x03: written, it would
    /// read back as that code (an "accepted" the sender did not mean, §5.3.10).
    #[error(
        "ReturnCode::Reserved(0x{code:02X}) is a defined code, not a reserved one [SN 5.3.10]"
    )]
    DefinedCodeAsReserved {
        /// The octet.
        code: u8,
    },
}

impl From<SnError> for SnEncodeError {
    fn from(e: SnError) -> Self {
        SnEncodeError::Invalid(e)
    }
}
