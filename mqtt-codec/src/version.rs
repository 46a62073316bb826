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
    /// Returns `None` for any pair other than (`MQIsdp`, 3), (`MQTT`, 4) and (`MQTT`, 5), and
    /// for a version this build leaves out ([`ProtocolVersion::is_enabled`]).
    pub fn from_name_and_level(name: &[u8], level: u8) -> Option<Self> {
        let version = match (name, level) {
            (b"MQIsdp", 3) => ProtocolVersion::V3_1,
            (b"MQTT", 4) => ProtocolVersion::V3_1_1,
            (b"MQTT", 5) => ProtocolVersion::V5,
            _ => return None,
        };
        version.is_enabled().then_some(version)
    }

    /// True when this build speaks the version: 3.1 and 3.1.1 with the feature `v3`, 5.0
    /// with `v5` (both are default features). A version left out is refused like an unknown
    /// one: a CONNECT of it gets [`crate::DecodeError::UnsupportedProtocolLevel`], and
    /// encoding under it [`crate::EncodeError::LeftOut`].
    pub const fn is_enabled(self) -> bool {
        match self {
            ProtocolVersion::V3_1 | ProtocolVersion::V3_1_1 => cfg!(feature = "v3"),
            ProtocolVersion::V5 => cfg!(feature = "v5"),
        }
    }

    /// True for MQTT 5.0, the only version with properties and reason codes.
    pub const fn is_v5(self) -> bool {
        // Constant false without the `v5` feature, so that the 5.0 code is left out.
        cfg!(feature = "v5") && matches!(self, ProtocolVersion::V5)
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

impl Role {
    /// True when this build takes this side: with the feature `client` it parses what a
    /// server sends a client and encodes what a client sends; with `server`, the reverse
    /// (both are default features). A packet the build's sides never receive is refused as
    /// [`crate::DecodeError::UnexpectedPacket`]; one they never send, on encode, as
    /// [`crate::EncodeError::LeftOut`].
    pub const fn is_enabled(self) -> bool {
        match self {
            Role::Client => cfg!(feature = "client"),
            Role::Server => cfg!(feature = "server"),
        }
    }
}

#[cfg(not(any(feature = "v3", feature = "v5")))]
compile_error!("mqtt-codec needs at least one protocol version: the feature v3 or v5");
#[cfg(not(any(feature = "client", feature = "server")))]
compile_error!("mqtt-codec needs at least one side: the feature client or server");
