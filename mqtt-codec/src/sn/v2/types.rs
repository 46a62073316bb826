//! The small value types of MQTT-SN 2.0: packet types and topics.

use crate::string::MqttStr;
use core::fmt;

/// The packet type octet of MQTT-SN 2.0 (CSD01, SN2-2). The numbers differ from 1.2's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacketType {
    /// CONNECT (0x01).
    Connect = 0x01,
    /// CONNACK (0x02).
    ConnAck = 0x02,
    /// PUBLISH (0x03).
    Publish = 0x03,
    /// PUBACK (0x04).
    PubAck = 0x04,
    /// PUBREC (0x05).
    PubRec = 0x05,
    /// PUBREL (0x06).
    PubRel = 0x06,
    /// PUBCOMP (0x07).
    PubComp = 0x07,
    /// SUBSCRIBE (0x08).
    Subscribe = 0x08,
    /// SUBACK (0x09).
    SubAck = 0x09,
    /// UNSUBSCRIBE (0x0A).
    Unsubscribe = 0x0A,
    /// UNSUBACK (0x0B).
    UnsubAck = 0x0B,
    /// PINGREQ (0x0C).
    PingReq = 0x0C,
    /// PINGRESP (0x0D).
    PingResp = 0x0D,
    /// DISCONNECT (0x0E).
    Disconnect = 0x0E,
    /// AUTH (0x0F).
    Auth = 0x0F,
    /// REGISTER (0x10).
    Register = 0x10,
    /// REGACK (0x11).
    RegAck = 0x11,
    /// PUBWOS, publish without session (0x12).
    PubWos = 0x12,
    /// SLEEPREQ (0x13).
    SleepReq = 0x13,
    /// SLEEPRESP (0x14).
    SleepResp = 0x14,
    /// WAKEUP (0x15).
    Wakeup = 0x15,
    /// ADVERTISE (0x16).
    Advertise = 0x16,
    /// SEARCHGW (0x17).
    SearchGw = 0x17,
    /// GWINFO (0x18).
    GwInfo = 0x18,
    /// Forwarder Encapsulation (0xFC).
    Forwarder = 0xFC,
    /// Connection Encapsulation (0xFE).
    Connection = 0xFE,
    /// Protection Encapsulation (0xFF).
    Protection = 0xFF,
}

impl PacketType {
    /// The type of an octet; `None` for the reserved ones (0x00, 0x19–0xFB, 0xFD).
    pub fn from_u8(value: u8) -> Option<Self> {
        use PacketType::*;
        Some(match value {
            0x01 => Connect,
            0x02 => ConnAck,
            0x03 => Publish,
            0x04 => PubAck,
            0x05 => PubRec,
            0x06 => PubRel,
            0x07 => PubComp,
            0x08 => Subscribe,
            0x09 => SubAck,
            0x0A => Unsubscribe,
            0x0B => UnsubAck,
            0x0C => PingReq,
            0x0D => PingResp,
            0x0E => Disconnect,
            0x0F => Auth,
            0x10 => Register,
            0x11 => RegAck,
            0x12 => PubWos,
            0x13 => SleepReq,
            0x14 => SleepResp,
            0x15 => Wakeup,
            0x16 => Advertise,
            0x17 => SearchGw,
            0x18 => GwInfo,
            0xFC => Forwarder,
            0xFE => Connection,
            0xFF => Protection,
            _ => return None,
        })
    }

    /// The name the draft gives the packet.
    pub fn name(self) -> &'static str {
        use PacketType::*;
        match self {
            Connect => "CONNECT",
            ConnAck => "CONNACK",
            Publish => "PUBLISH",
            PubAck => "PUBACK",
            PubRec => "PUBREC",
            PubRel => "PUBREL",
            PubComp => "PUBCOMP",
            Subscribe => "SUBSCRIBE",
            SubAck => "SUBACK",
            Unsubscribe => "UNSUBSCRIBE",
            UnsubAck => "UNSUBACK",
            PingReq => "PINGREQ",
            PingResp => "PINGRESP",
            Disconnect => "DISCONNECT",
            Auth => "AUTH",
            Register => "REGISTER",
            RegAck => "REGACK",
            PubWos => "PUBWOS",
            SleepReq => "SLEEPREQ",
            SleepResp => "SLEEPRESP",
            Wakeup => "WAKEUP",
            Advertise => "ADVERTISE",
            SearchGw => "SEARCHGW",
            GwInfo => "GWINFO",
            Forwarder => "FORWARDER-ENCAPSULATION",
            Connection => "CONNECTION-ENCAPSULATION",
            Protection => "PROTECTION-ENCAPSULATION",
        }
    }
}

impl fmt::Display for PacketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A topic as 2.0 carries it (the Topic Type bits, SN2-11): a session alias, a predefined
/// alias, or the name (a filter in SUBSCRIBE and UNSUBSCRIBE). The two alias kinds have
/// separate number spaces.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Topic<B: AsRef<[u8]>> {
    /// `00`: a topic alias of the session.
    Alias(u16),
    /// `01`: a predefined topic alias.
    Predefined(u16),
    /// `11`: the topic name or filter itself.
    Name(MqttStr<B>),
}

impl<B: AsRef<[u8]>> Topic<B> {
    /// The Topic Type bits.
    pub fn type_bits(&self) -> u8 {
        match self {
            Topic::Alias(_) => 0b00,
            Topic::Predefined(_) => 0b01,
            Topic::Name(_) => 0b11,
        }
    }
}

/// Which kind of alias a REGACK or SUBACK announces (its Topic Type bits, `00` or `01`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AliasKind {
    /// `00`: a session alias.
    Session,
    /// `01`: a predefined alias.
    Predefined,
}

impl AliasKind {
    pub(crate) fn bits(self) -> u8 {
        match self {
            AliasKind::Session => 0,
            AliasKind::Predefined => 1,
        }
    }
}
