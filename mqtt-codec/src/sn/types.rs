//! The small value types of MQTT-SN 1.2 (§5.2.2, §5.3): message types, the QoS levels with
//! −1, topic id types and return codes.

use core::fmt;

/// The MsgType octet of MQTT-SN 1.2 (§5.2.2, table 3). PUBCOMP (0x0E) comes before PUBREC
/// (0x0F), unlike MQTT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MsgType {
    /// ADVERTISE (0x00), gateway to all.
    Advertise = 0x00,
    /// SEARCHGW (0x01), client to all.
    SearchGw = 0x01,
    /// GWINFO (0x02).
    GwInfo = 0x02,
    /// CONNECT (0x04).
    Connect = 0x04,
    /// CONNACK (0x05).
    ConnAck = 0x05,
    /// WILLTOPICREQ (0x06).
    WillTopicReq = 0x06,
    /// WILLTOPIC (0x07).
    WillTopic = 0x07,
    /// WILLMSGREQ (0x08).
    WillMsgReq = 0x08,
    /// WILLMSG (0x09).
    WillMsg = 0x09,
    /// REGISTER (0x0A).
    Register = 0x0A,
    /// REGACK (0x0B).
    RegAck = 0x0B,
    /// PUBLISH (0x0C).
    Publish = 0x0C,
    /// PUBACK (0x0D).
    PubAck = 0x0D,
    /// PUBCOMP (0x0E).
    PubComp = 0x0E,
    /// PUBREC (0x0F).
    PubRec = 0x0F,
    /// PUBREL (0x10).
    PubRel = 0x10,
    /// SUBSCRIBE (0x12).
    Subscribe = 0x12,
    /// SUBACK (0x13).
    SubAck = 0x13,
    /// UNSUBSCRIBE (0x14).
    Unsubscribe = 0x14,
    /// UNSUBACK (0x15).
    UnsubAck = 0x15,
    /// PINGREQ (0x16).
    PingReq = 0x16,
    /// PINGRESP (0x17).
    PingResp = 0x17,
    /// DISCONNECT (0x18).
    Disconnect = 0x18,
    /// WILLTOPICUPD (0x1A).
    WillTopicUpd = 0x1A,
    /// WILLTOPICRESP (0x1B).
    WillTopicResp = 0x1B,
    /// WILLMSGUPD (0x1C).
    WillMsgUpd = 0x1C,
    /// WILLMSGRESP (0x1D).
    WillMsgResp = 0x1D,
    /// Forwarder Encapsulation (0xFE, §5.5).
    Encapsulated = 0xFE,
}

impl MsgType {
    /// The type of a MsgType octet; `None` for the reserved values 0x03, 0x11, 0x19,
    /// 0x1E–0xFD and 0xFF (SN-HDR-6).
    pub fn from_u8(value: u8) -> Option<Self> {
        use MsgType::*;
        Some(match value {
            0x00 => Advertise,
            0x01 => SearchGw,
            0x02 => GwInfo,
            0x04 => Connect,
            0x05 => ConnAck,
            0x06 => WillTopicReq,
            0x07 => WillTopic,
            0x08 => WillMsgReq,
            0x09 => WillMsg,
            0x0A => Register,
            0x0B => RegAck,
            0x0C => Publish,
            0x0D => PubAck,
            0x0E => PubComp,
            0x0F => PubRec,
            0x10 => PubRel,
            0x12 => Subscribe,
            0x13 => SubAck,
            0x14 => Unsubscribe,
            0x15 => UnsubAck,
            0x16 => PingReq,
            0x17 => PingResp,
            0x18 => Disconnect,
            0x1A => WillTopicUpd,
            0x1B => WillTopicResp,
            0x1C => WillMsgUpd,
            0x1D => WillMsgResp,
            0xFE => Encapsulated,
            _ => return None,
        })
    }

    /// The name the specification gives the message.
    pub fn name(self) -> &'static str {
        use MsgType::*;
        match self {
            Advertise => "ADVERTISE",
            SearchGw => "SEARCHGW",
            GwInfo => "GWINFO",
            Connect => "CONNECT",
            ConnAck => "CONNACK",
            WillTopicReq => "WILLTOPICREQ",
            WillTopic => "WILLTOPIC",
            WillMsgReq => "WILLMSGREQ",
            WillMsg => "WILLMSG",
            Register => "REGISTER",
            RegAck => "REGACK",
            Publish => "PUBLISH",
            PubAck => "PUBACK",
            PubComp => "PUBCOMP",
            PubRec => "PUBREC",
            PubRel => "PUBREL",
            Subscribe => "SUBSCRIBE",
            SubAck => "SUBACK",
            Unsubscribe => "UNSUBSCRIBE",
            UnsubAck => "UNSUBACK",
            PingReq => "PINGREQ",
            PingResp => "PINGRESP",
            Disconnect => "DISCONNECT",
            WillTopicUpd => "WILLTOPICUPD",
            WillTopicResp => "WILLTOPICRESP",
            WillMsgUpd => "WILLMSGUPD",
            WillMsgResp => "WILLMSGRESP",
            Encapsulated => "ENCAPSULATED",
        }
    }
}

impl fmt::Display for MsgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The QoS field of the Flags octet (bits 6-5, §5.3.4): MQTT's three levels and MQTT-SN's
/// −1, a PUBLISH a client sends without a connection (§6.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SnQos {
    /// QoS −1 (`11`): publish without a connection, never acknowledged.
    WithoutConnection,
    /// QoS 0 (`00`).
    AtMostOnce,
    /// QoS 1 (`01`).
    AtLeastOnce,
    /// QoS 2 (`10`).
    ExactlyOnce,
}

impl SnQos {
    /// The level as a number: −1, 0, 1 or 2.
    pub fn level(self) -> i8 {
        match self {
            SnQos::WithoutConnection => -1,
            SnQos::AtMostOnce => 0,
            SnQos::AtLeastOnce => 1,
            SnQos::ExactlyOnce => 2,
        }
    }

    /// The level of a number −1 to 2.
    pub fn from_level(level: i8) -> Option<Self> {
        Some(match level {
            -1 => SnQos::WithoutConnection,
            0 => SnQos::AtMostOnce,
            1 => SnQos::AtLeastOnce,
            2 => SnQos::ExactlyOnce,
            _ => return None,
        })
    }

    /// The MQTT QoS this level is carried at inside a broker: −1 travels as 0 (SN-GW-7).
    pub fn to_mqtt(self) -> crate::QoS {
        match self {
            SnQos::WithoutConnection | SnQos::AtMostOnce => crate::QoS::AtMostOnce,
            SnQos::AtLeastOnce => crate::QoS::AtLeastOnce,
            SnQos::ExactlyOnce => crate::QoS::ExactlyOnce,
        }
    }

    pub(crate) fn from_flags(flags: u8) -> Self {
        match (flags >> 5) & 0b11 {
            0 => SnQos::AtMostOnce,
            1 => SnQos::AtLeastOnce,
            2 => SnQos::ExactlyOnce,
            _ => SnQos::WithoutConnection,
        }
    }

    pub(crate) fn flag_bits(self) -> u8 {
        let bits = match self {
            SnQos::AtMostOnce => 0,
            SnQos::AtLeastOnce => 1,
            SnQos::ExactlyOnce => 2,
            SnQos::WithoutConnection => 3,
        };
        bits << 5
    }
}

impl From<crate::QoS> for SnQos {
    fn from(qos: crate::QoS) -> Self {
        match qos {
            crate::QoS::AtMostOnce => SnQos::AtMostOnce,
            crate::QoS::AtLeastOnce => SnQos::AtLeastOnce,
            crate::QoS::ExactlyOnce => SnQos::ExactlyOnce,
        }
    }
}

/// The ReturnCode octet (§5.3.10). Values from 0x04 up are reserved; they are kept as
/// [`ReturnCode::Reserved`] and read as a rejection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReturnCode {
    /// 0x00 Accepted.
    Accepted,
    /// 0x01 Rejected: congestion (the client waits T_WAIT and retries).
    Congestion,
    /// 0x02 Rejected: invalid topic ID.
    InvalidTopicId,
    /// 0x03 Rejected: not supported.
    NotSupported,
    /// 0x04–0xFF, reserved.
    Reserved(u8),
}

impl ReturnCode {
    /// The code of an octet.
    pub fn from_u8(value: u8) -> Self {
        match value {
            0 => ReturnCode::Accepted,
            1 => ReturnCode::Congestion,
            2 => ReturnCode::InvalidTopicId,
            3 => ReturnCode::NotSupported,
            other => ReturnCode::Reserved(other),
        }
    }

    /// The octet.
    pub fn as_u8(self) -> u8 {
        match self {
            ReturnCode::Accepted => 0,
            ReturnCode::Congestion => 1,
            ReturnCode::InvalidTopicId => 2,
            ReturnCode::NotSupported => 3,
            ReturnCode::Reserved(v) => v,
        }
    }

    /// True for 0x00 only.
    pub fn is_accepted(self) -> bool {
        self == ReturnCode::Accepted
    }
}

/// How a PUBLISH (or a SUBACK, REGACK, PUBACK) names its topic (the TopicIdType bits 1-0 of
/// Flags, §5.3.4, and the TopicId field, §5.3.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TopicId {
    /// `00`: a topic id assigned with REGISTER.
    Normal(u16),
    /// `01`: a predefined topic id, configured on both sides (§6.7).
    Predefined(u16),
    /// `10`: a short topic name of exactly two octets, carried in place of an id (§6.7).
    Short([u8; 2]),
}

impl TopicId {
    /// The TopicIdType bits.
    pub fn type_bits(self) -> u8 {
        match self {
            TopicId::Normal(_) => 0b00,
            TopicId::Predefined(_) => 0b01,
            TopicId::Short(_) => 0b10,
        }
    }

    /// The two octets of the TopicId field.
    pub fn field(self) -> [u8; 2] {
        match self {
            TopicId::Normal(id) | TopicId::Predefined(id) => id.to_be_bytes(),
            TopicId::Short(name) => name,
        }
    }

    /// For a short name, the name as text (validated when parsed).
    pub fn short_name(&self) -> Option<&str> {
        match self {
            TopicId::Short(name) => core::str::from_utf8(name).ok(),
            _ => None,
        }
    }
}
