//! The fourteen (fifteen in 5.0) control packet types and their fixed-header flag rules.

use crate::version::Role;
use core::fmt;

/// The control packet type held in bits 7–4 of the first byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum PacketType {
    /// Client request to connect.
    Connect = 1,
    /// Connect acknowledgement.
    ConnAck = 2,
    /// Publish message.
    Publish = 3,
    /// QoS 1 publish acknowledgement.
    PubAck = 4,
    /// QoS 2 publish received (part 1).
    PubRec = 5,
    /// QoS 2 publish release (part 2).
    PubRel = 6,
    /// QoS 2 publish complete (part 3).
    PubComp = 7,
    /// Subscribe request.
    Subscribe = 8,
    /// Subscribe acknowledgement.
    SubAck = 9,
    /// Unsubscribe request.
    Unsubscribe = 10,
    /// Unsubscribe acknowledgement.
    UnsubAck = 11,
    /// Ping request.
    PingReq = 12,
    /// Ping response.
    PingResp = 13,
    /// Disconnect notification.
    Disconnect = 14,
    /// Authentication exchange (MQTT 5.0 only).
    Auth = 15,
}

impl PacketType {
    /// The packet type for the upper nibble `value`, or `None` for the reserved type 0.
    pub const fn from_u8(value: u8) -> Option<PacketType> {
        Some(match value {
            1 => PacketType::Connect,
            2 => PacketType::ConnAck,
            3 => PacketType::Publish,
            4 => PacketType::PubAck,
            5 => PacketType::PubRec,
            6 => PacketType::PubRel,
            7 => PacketType::PubComp,
            8 => PacketType::Subscribe,
            9 => PacketType::SubAck,
            10 => PacketType::Unsubscribe,
            11 => PacketType::UnsubAck,
            12 => PacketType::PingReq,
            13 => PacketType::PingResp,
            14 => PacketType::Disconnect,
            15 => PacketType::Auth,
            _ => return None,
        })
    }

    /// The flag nibble every packet but PUBLISH must carry ([MQTT-2.2.2-1], [MQTT-2.1.3-1]).
    ///
    /// PUBREL, SUBSCRIBE and UNSUBSCRIBE carry `0010`; all others `0000`. PUBLISH's flags
    /// are DUP, QoS and RETAIN, and this returns `None` for it.
    pub const fn required_flags(self) -> Option<u8> {
        match self {
            PacketType::Publish => None,
            PacketType::PubRel | PacketType::Subscribe | PacketType::Unsubscribe => Some(0b0010),
            _ => Some(0),
        }
    }

    /// The upper-case name the specification uses, such as `PUBLISH`.
    pub const fn name(self) -> &'static str {
        match self {
            PacketType::Connect => "CONNECT",
            PacketType::ConnAck => "CONNACK",
            PacketType::Publish => "PUBLISH",
            PacketType::PubAck => "PUBACK",
            PacketType::PubRec => "PUBREC",
            PacketType::PubRel => "PUBREL",
            PacketType::PubComp => "PUBCOMP",
            PacketType::Subscribe => "SUBSCRIBE",
            PacketType::SubAck => "SUBACK",
            PacketType::Unsubscribe => "UNSUBSCRIBE",
            PacketType::UnsubAck => "UNSUBACK",
            PacketType::PingReq => "PINGREQ",
            PacketType::PingResp => "PINGRESP",
            PacketType::Disconnect => "DISCONNECT",
            PacketType::Auth => "AUTH",
        }
    }

    /// Whether a client may send this type (checklist §1.1, direction column).
    pub const fn sent_by_client(self) -> bool {
        !matches!(
            self,
            PacketType::ConnAck | PacketType::SubAck | PacketType::UnsubAck | PacketType::PingResp
        )
    }

    /// Whether this build receives this type: a client (feature `client`) receives what a
    /// server sends, a server (feature `server`) what a client sends.
    pub(crate) const fn received_in_build(self) -> bool {
        (Role::Client.is_enabled() && self.sent_by_server())
            || (Role::Server.is_enabled() && self.sent_by_client())
    }

    /// Whether this build sends this type: a client (feature `client`) sends what
    /// [`PacketType::sent_by_client`] allows, a server (feature `server`) what
    /// [`PacketType::sent_by_server`] allows. The encoder refuses any other type with
    /// [`crate::EncodeError::LeftOut`].
    pub const fn sent_in_build(self) -> bool {
        (Role::Client.is_enabled() && self.sent_by_client())
            || (Role::Server.is_enabled() && self.sent_by_server())
    }

    /// Whether a server may send this type. DISCONNECT is server-sent in 5.0 only; the
    /// caller checks the version.
    pub const fn sent_by_server(self) -> bool {
        !matches!(
            self,
            PacketType::Connect
                | PacketType::Subscribe
                | PacketType::Unsubscribe
                | PacketType::PingReq
        )
    }
}

impl fmt::Display for PacketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
