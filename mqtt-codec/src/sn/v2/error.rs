//! Why an MQTT-SN 2.0 datagram was refused. Each error says whether the draft calls it a
//! Malformed Packet (0x81: it cannot be parsed) or a Protocol Error (0x82: it parses, but a
//! value is not allowed), and names the draft's requirement or the reference's row.

use super::types::PacketType;
use crate::string::StrError;
use crate::topic::TopicError;

/// Why a datagram is not a valid MQTT-SN 2.0 packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Sn2Error {
    /// The header is broken: too short, a Length below the smallest packet, or one that
    /// disagrees with the datagram ([MQTT-SN-2.1.2-1]).
    #[error("header: {0}")]
    Header(crate::sn::SnError),
    /// A reserved packet type (SN2-2).
    #[error("reserved packet type 0x{0:02X} (SN2-2)")]
    ReservedType(u8),
    /// A packet whose size does not fit its layout: a field cut short or octets left over.
    #[error("{packet_type} cannot be {len} octets long")]
    WrongSize {
        /// The packet.
        packet_type: PacketType,
        /// Its total size.
        len: usize,
    },
    /// Reserved flag bits set (e.g. [MQTT-SN-3.1.2-1], [MQTT-SN-3.13.2-2]).
    #[error("{packet_type} with reserved flag bits 0x{bits:02X} set")]
    ReservedFlags {
        /// The packet.
        packet_type: PacketType,
        /// The bits set.
        bits: u8,
    },
    /// QoS `11` in a PUBLISH or a will, which 2.0 reserves (SN2-10).
    #[error("{0}: QoS 3 is reserved")]
    ReservedQos(PacketType),
    /// Topic Type `10`, reserved (SN2-11), or a type the packet does not allow.
    #[error("{packet_type}: Topic Type {bits:02b} is not allowed here")]
    TopicType {
        /// The packet.
        packet_type: PacketType,
        /// The bits.
        bits: u8,
    },
    /// A REGACK or SUBACK whose Topic Type is not `00` or `01`, or a SUBACK without an
    /// alias whose type is not `01` ([MQTT-SN-3.8.2.1-2]).
    #[error("{packet_type}: alias type {bits:02b} is not allowed here")]
    AliasType {
        /// The packet.
        packet_type: PacketType,
        /// The Topic Type bits.
        bits: u8,
    },
    /// A text field that is not valid UTF-8 or holds U+0000 (§1.7.4).
    #[error("{packet_type}: {field}: {reason}")]
    InvalidString {
        /// The packet.
        packet_type: PacketType,
        /// The field.
        field: &'static str,
        /// Why.
        reason: StrError,
    },
    /// A packet id of 0 ([MQTT-SN-2.2-1]).
    #[error("{0} with packet id 0 [MQTT-SN-2.2-1]")]
    ZeroPacketId(PacketType),
    /// A CONNECT of another protocol version ([MQTT-SN-3.1.5-2]: answer CONNACK 0x84).
    #[error("CONNECT for protocol version {0}, not 2 [MQTT-SN-3.1.5-2]")]
    UnsupportedVersion(u8),
    /// A keep alive of 0 ([MQTT-SN-3.1.6-4]).
    #[error("CONNECT with keep alive 0 [MQTT-SN-3.1.6-4]")]
    KeepAliveZero,
    /// A Maximum Packet Size of 1 to 9 ([MQTT-SN-3.1.7-1]).
    #[error("CONNECT with maximum packet size {0}; 0 or at least 10 [MQTT-SN-3.1.7-1]")]
    MaxPacketSize(u16),
    /// A topic name or filter that breaks the topic rules, or is empty ([MQTT-SN-4.7.1.3-1]).
    #[error("{packet_type}: {reason}")]
    InvalidTopic {
        /// The packet.
        packet_type: PacketType,
        /// Why.
        reason: TopicError,
    },
    /// DUP at QoS 0 or 1 ([MQTT-SN-3.6.2.2.3-1]).
    #[error("PUBLISH with DUP at QoS 0 or 1 [MQTT-SN-3.6.2.2.3-1]")]
    DupBelowQos2,
    /// A SUBSCRIBE with QoS 3 or Retain Handling 3 (SN2-13).
    #[error("SUBSCRIBE with QoS 3 or Retain Handling 3 (SN2-13)")]
    SubscriptionOptions,
    /// A CONNACK with Session Present and a failure ([MQTT-SN-3.2.2.1-5]).
    #[error("CONNACK with session present and reason code 0x{0:02X} [MQTT-SN-3.2.2.1-5]")]
    SessionPresentOnFailure(u8),
    /// A SLEEPREQ of 0 seconds ([MQTT-SN-3.15.4-1]).
    #[error("SLEEPREQ of 0 seconds [MQTT-SN-3.15.4-1]")]
    SleepZero,
    /// A Connection Encapsulation around a packet it may not carry ([MQTT-SN-3.18-3]).
    #[error("a connection encapsulation cannot carry {0} [MQTT-SN-3.18-3]")]
    EncapsulatedType(PacketType),
    /// An encapsulation's inner packet is broken, or is itself an encapsulation the draft
    /// does not allow there.
    #[error("encapsulation: {0}")]
    Encapsulation(&'static str),
    /// A PUBLISH with a packet id at QoS 0, or without one at QoS 1 or 2 (SN2-9; encoding
    /// only: on the wire the QoS decides whether the field is there).
    #[error("a QoS 0 PUBLISH has no packet id, a QoS 1 or 2 one has one (SN2-9)")]
    PacketIdPresence,
    /// An optional field that runs to the end of the packet, present but empty: on the wire
    /// it cannot be told from an absent one (encoding only; give `None`).
    #[error("{0} is empty; leave it out instead")]
    EmptyField(&'static str),
    /// A field too long for its length prefix (encoding only).
    #[error("{0} is too long for its length field")]
    FieldTooLong(&'static str),
    /// The output buffer is too small (encoding only).
    #[error("the packet needs {needed} octets, the buffer has {available}")]
    BufferTooSmall {
        /// The packet's size.
        needed: usize,
        /// The buffer's size.
        available: usize,
    },
}

impl Sn2Error {
    /// The 2.0 reason code the error stands for: 0x81 Malformed Packet, or 0x82 Protocol
    /// Error (0x84 Unsupported Protocol Version for a CONNECT of another version).
    pub fn reason_code(&self) -> u8 {
        match self {
            Sn2Error::UnsupportedVersion(_) => 0x84,
            Sn2Error::ZeroPacketId(_)
            | Sn2Error::KeepAliveZero
            | Sn2Error::MaxPacketSize(_)
            | Sn2Error::InvalidTopic { .. }
            | Sn2Error::DupBelowQos2
            | Sn2Error::SubscriptionOptions
            | Sn2Error::SessionPresentOnFailure(_)
            | Sn2Error::SleepZero
            | Sn2Error::AliasType { .. }
            | Sn2Error::EncapsulatedType(_) => 0x82,
            _ => 0x81,
        }
    }
}

impl From<crate::sn::SnError> for Sn2Error {
    fn from(e: crate::sn::SnError) -> Self {
        Sn2Error::Header(e)
    }
}
