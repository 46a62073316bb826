//! The MQTT-SN 2.0 packets (CSD01), generic over where their bytes live, as the 1.2 ones
//! are: `&[u8]` views from [`super::parse`], `bytes::Bytes` once owned.

use super::types::{AliasKind, PacketType, Topic};
use crate::string::MqttStr;
use crate::QoS;

/// An MQTT-SN 2.0 packet. Reason codes are kept as their octet (2.0 uses MQTT 5.0's, plus
/// 0xE6–0xF4 of its own, SN2-16).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Packet<B: AsRef<[u8]>> {
    /// CONNECT.
    Connect(Connect<B>),
    /// CONNACK.
    ConnAck(ConnAck<B>),
    /// PUBLISH.
    Publish(Publish<B>),
    /// PUBACK.
    PubAck(Ack),
    /// PUBREC.
    PubRec(Ack),
    /// PUBREL.
    PubRel(Ack),
    /// PUBCOMP.
    PubComp(Ack),
    /// SUBSCRIBE.
    Subscribe(Subscribe<B>),
    /// SUBACK.
    SubAck(SubAck),
    /// UNSUBSCRIBE.
    Unsubscribe {
        /// The packet id.
        packet_id: u16,
        /// What to unsubscribe from.
        topic: Topic<B>,
    },
    /// UNSUBACK.
    UnsubAck(Ack),
    /// PINGREQ.
    PingReq {
        /// The packet id.
        packet_id: u16,
    },
    /// PINGRESP.
    PingResp {
        /// The PINGREQ's packet id.
        packet_id: u16,
        /// Messages still waiting for a sleeping client: 1–254, 0xFF for more, absent or 0
        /// for none.
        messages_remaining: Option<u8>,
    },
    /// DISCONNECT.
    Disconnect(Disconnect<B>),
    /// AUTH.
    Auth(Auth<B>),
    /// REGISTER.
    Register(Register<B>),
    /// REGACK.
    RegAck(RegAck),
    /// PUBWOS: publish without a session, handled as QoS 0.
    PubWos(PubWos<B>),
    /// SLEEPREQ.
    SleepReq {
        /// Keep the session's topic aliases while asleep.
        retain_aliases: bool,
        /// The packet id.
        packet_id: u16,
        /// Seconds to sleep (not 0).
        duration: u32,
    },
    /// SLEEPRESP.
    SleepResp {
        /// The SLEEPREQ's packet id.
        packet_id: u16,
        /// The duration the server chose, when it changed it.
        duration: Option<u32>,
        /// The reason code (absent on the wire: 0x00).
        reason_code: u8,
    },
    /// WAKEUP: the server has messages for a sleeping client.
    Wakeup,
    /// ADVERTISE.
    Advertise {
        /// The gateway's id.
        gw_id: u8,
        /// Seconds to the next ADVERTISE.
        duration: u16,
    },
    /// SEARCHGW.
    SearchGw {
        /// Network information, opaque (may be empty).
        info: B,
    },
    /// GWINFO.
    GwInfo {
        /// The gateway's id.
        gw_id: u8,
        /// The gateway's address, when a client answers; empty otherwise.
        gw_addr: B,
    },
    /// Forwarder Encapsulation (0xFC): an address, then a whole inner packet.
    Forwarder {
        /// The forwarder's address information, opaque.
        address: B,
        /// The inner packet, a whole datagram.
        packet: B,
    },
    /// Connection Encapsulation (0xFE): a client id, then a whole inner packet (PUBLISH,
    /// SUBSCRIBE, UNSUBSCRIBE, REGISTER, DISCONNECT, SLEEPREQ or PINGREQ).
    Connection {
        /// The client's id.
        client_id: MqttStr<B>,
        /// The inner packet, a whole datagram.
        packet: B,
    },
    /// Protection Encapsulation (0xFF).
    Protection(Protection<B>),
}

/// An acknowledgement that is a packet id and a reason code (PUBACK, PUBREC, PUBREL,
/// PUBCOMP, UNSUBACK). A reason code of 0x00 is left off the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ack {
    /// The packet id acknowledged.
    pub packet_id: u16,
    /// The reason code.
    pub reason_code: u8,
}

/// An authentication method and its data (CONNECT, CONNACK).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AuthBlock<B: AsRef<[u8]>> {
    /// The method (at most 255 octets).
    pub method: MqttStr<B>,
    /// The data (at most 65,535 octets).
    pub data: B,
}

/// The will CONNECT carries.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Will<B: AsRef<[u8]>> {
    /// QoS 0 to 2.
    pub qos: QoS,
    /// Retain.
    pub retain: bool,
    /// The topic: an alias or the name.
    pub topic: Topic<B>,
    /// The payload.
    pub payload: B,
}

/// CONNECT.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Connect<B: AsRef<[u8]>> {
    /// Flag bit 0: start a new session.
    pub clean_start: bool,
    /// Flag bit 5: the client's network address may change (allows the Connection
    /// Encapsulation).
    pub address_may_change: bool,
    /// Flag bit 6: the server may suggest values (session expiry, keep alive, sleep).
    pub server_may_suggest: bool,
    /// The packet id (not 0).
    pub packet_id: u16,
    /// The protocol version: 2 for MQTT-SN 2.0.
    pub protocol_version: u8,
    /// Keep alive in seconds (not 0).
    pub keep_alive: u16,
    /// The largest packet the client takes: 0 for no limit, else at least 10.
    pub max_packet_size: u16,
    /// Messages the client takes per wake-up (0: the server decides).
    pub default_awake_messages: Option<u8>,
    /// Session expiry in seconds (absent: 0).
    pub session_expiry: Option<u32>,
    /// The will.
    pub will: Option<Will<B>>,
    /// Authentication.
    pub auth: Option<AuthBlock<B>>,
    /// The client id (may be empty: the server assigns one).
    pub client_id: MqttStr<B>,
}

/// CONNACK.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConnAck<B: AsRef<[u8]>> {
    /// The server holds a session for the client (only with reason code 0x00).
    pub session_present: bool,
    /// The CONNECT's (or AUTH's) packet id.
    pub packet_id: u16,
    /// The reason code.
    pub reason_code: u8,
    /// The session expiry the server chose.
    pub session_expiry: Option<u32>,
    /// The keep alive the server chose.
    pub server_keep_alive: Option<u16>,
    /// Authentication.
    pub auth: Option<AuthBlock<B>>,
    /// The client id the server assigned (the CONNECT had none).
    pub assigned_client_id: Option<MqttStr<B>>,
}

/// AUTH.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Auth<B: AsRef<[u8]>> {
    /// The packet id.
    pub packet_id: u16,
    /// 0x00 success, 0x18 continue, 0x19 re-authenticate.
    pub reason_code: u8,
    /// The method (at most 255 octets).
    pub method: MqttStr<B>,
    /// The data.
    pub data: B,
}

/// PUBLISH.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Publish<B: AsRef<[u8]>> {
    /// DUP (QoS 2 only in 2.0).
    pub dup: bool,
    /// QoS 0 to 2.
    pub qos: QoS,
    /// Retain.
    pub retain: bool,
    /// The topic.
    pub topic: Topic<B>,
    /// The packet id: present exactly at QoS 1 and 2.
    pub packet_id: Option<u16>,
    /// The payload.
    pub payload: B,
}

/// PUBWOS.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PubWos<B: AsRef<[u8]>> {
    /// Retain.
    pub retain: bool,
    /// The topic: a predefined alias or the name.
    pub topic: Topic<B>,
    /// The payload.
    pub payload: B,
}

/// SUBSCRIBE.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Subscribe<B: AsRef<[u8]>> {
    /// No Local.
    pub no_local: bool,
    /// The maximum QoS.
    pub qos: QoS,
    /// Retain As Published.
    pub retain_as_published: bool,
    /// Retain Handling, 0 to 2 (as MQTT 5.0's).
    pub retain_handling: u8,
    /// The packet id.
    pub packet_id: u16,
    /// A filter, or an alias.
    pub topic: Topic<B>,
}

/// SUBACK.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SubAck {
    /// The SUBSCRIBE's packet id.
    pub packet_id: u16,
    /// The alias the server will publish with, and its kind; `kind` alone (no alias) for a
    /// wildcard or predefined subscription.
    pub kind: AliasKind,
    /// The alias, when the server gives one.
    pub alias: Option<u16>,
    /// The granted QoS (0x00–0x02) or a failure (0x80 and up).
    pub reason_code: u8,
}

/// REGISTER.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Register<B: AsRef<[u8]>> {
    /// The packet id.
    pub packet_id: u16,
    /// The alias the server assigned (a client sends none).
    pub alias: Option<u16>,
    /// The topic name.
    pub topic_name: MqttStr<B>,
}

/// REGACK.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegAck {
    /// The REGISTER's packet id.
    pub packet_id: u16,
    /// The kind of alias.
    pub kind: AliasKind,
    /// The alias (from a server).
    pub alias: Option<u16>,
    /// The reason code (0x00 left off the wire).
    pub reason_code: u8,
}

/// DISCONNECT.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Disconnect<B: AsRef<[u8]>> {
    /// The packet id, when given.
    pub packet_id: Option<u16>,
    /// A new session expiry (from a client only).
    pub session_expiry: Option<u32>,
    /// The reason code, when given (absent: 0x00).
    pub reason_code: Option<u8>,
    /// A reason string.
    pub reason_string: Option<MqttStr<B>>,
}

/// Protection Encapsulation (0xFF): the header fields, then the protected packet and its
/// authentication tag together (where one ends and the other begins depends on the scheme
/// and, for AEAD schemes, on decryption, which is the application's).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Protection<B: AsRef<[u8]>> {
    /// Flags bits 7-4: the tag length code (0 provider-defined, 1 the scheme's nominal
    /// size, 4–15 sixteen bits each).
    pub tag_length: u8,
    /// The protection scheme.
    pub scheme: u8,
    /// The sender's id.
    pub sender_id: [u8; 8],
    /// The random octets.
    pub random: [u8; 4],
    /// Cryptographic material: 0, 2, 4 or 12 octets.
    pub crypto: B,
    /// The monotonic counter: 0, 2 or 4 octets.
    pub counter: B,
    /// The protected packet followed by the authentication tag.
    pub protected: B,
}

impl<B: AsRef<[u8]>> Packet<B> {
    /// The packet's type.
    pub fn packet_type(&self) -> PacketType {
        use PacketType as T;
        match self {
            Packet::Connect(_) => T::Connect,
            Packet::ConnAck(_) => T::ConnAck,
            Packet::Publish(_) => T::Publish,
            Packet::PubAck(_) => T::PubAck,
            Packet::PubRec(_) => T::PubRec,
            Packet::PubRel(_) => T::PubRel,
            Packet::PubComp(_) => T::PubComp,
            Packet::Subscribe(_) => T::Subscribe,
            Packet::SubAck(_) => T::SubAck,
            Packet::Unsubscribe { .. } => T::Unsubscribe,
            Packet::UnsubAck(_) => T::UnsubAck,
            Packet::PingReq { .. } => T::PingReq,
            Packet::PingResp { .. } => T::PingResp,
            Packet::Disconnect(_) => T::Disconnect,
            Packet::Auth(_) => T::Auth,
            Packet::Register(_) => T::Register,
            Packet::RegAck(_) => T::RegAck,
            Packet::PubWos(_) => T::PubWos,
            Packet::SleepReq { .. } => T::SleepReq,
            Packet::SleepResp { .. } => T::SleepResp,
            Packet::Wakeup => T::Wakeup,
            Packet::Advertise { .. } => T::Advertise,
            Packet::SearchGw { .. } => T::SearchGw,
            Packet::GwInfo { .. } => T::GwInfo,
            Packet::Forwarder { .. } => T::Forwarder,
            Packet::Connection { .. } => T::Connection,
            Packet::Protection(_) => T::Protection,
        }
    }
}
