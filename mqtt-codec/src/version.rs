//! Protocol versions and the CONNECT protocol name/level pairs that identify them.

use core::fmt;

/// The MQTT protocol version a connection speaks.
///
/// A client-side decoder is told its version; a server-side decoder learns it from the
/// protocol name and level of the first CONNECT packet (checklist §7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum ProtocolVersion {
    /// MQTT 3.1: protocol name `MQIsdp`, level 3.
    V3_1 = 3,
    /// MQTT 3.1.1: protocol name `MQTT`, level 4.
    V3_1_1 = 4,
    /// MQTT 5.0: protocol name `MQTT`, level 5.
    V5 = 5,
}

impl ProtocolVersion {
    /// The protocol level byte sent in CONNECT.
    pub const fn level(self) -> u8 {
        self as u8
    }

    /// The protocol name sent in CONNECT (`MQIsdp` for 3.1, `MQTT` otherwise).
    pub const fn protocol_name(self) -> &'static str {
        match self {
            ProtocolVersion::V3_1 => "MQIsdp",
            _ => "MQTT",
        }
    }

    /// Identifies the version from a CONNECT's protocol name and level.
    ///
    /// Returns `None` for any pair other than (`MQIsdp`, 3), (`MQTT`, 4) and (`MQTT`, 5).
    pub fn from_name_and_level(name: &[u8], level: u8) -> Option<Self> {
        match (name, level) {
            (b"MQIsdp", 3) => Some(ProtocolVersion::V3_1),
            (b"MQTT", 4) => Some(ProtocolVersion::V3_1_1),
            (b"MQTT", 5) => Some(ProtocolVersion::V5),
            _ => None,
        }
    }

    /// True for MQTT 5.0, the only version with properties and reason codes.
    pub const fn is_v5(self) -> bool {
        matches!(self, ProtocolVersion::V5)
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProtocolVersion::V3_1 => "3.1",
            ProtocolVersion::V3_1_1 => "3.1.1",
            ProtocolVersion::V5 => "5.0",
        })
    }
}

/// Which side of the connection a decoder sits on.
///
/// The side decides which packets may arrive (checklist FH-4): a server receives CONNECT,
/// SUBSCRIBE, PINGREQ...; a client receives CONNACK, SUBACK, PINGRESP... It also decides
/// direction-dependent rules such as Subscription Identifiers in PUBLISH (PUB-18).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// We are the client: packets come from a server.
    Client,
    /// We are the server: packets come from a client.
    Server,
}
