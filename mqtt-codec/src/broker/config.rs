//! What a broker operator can set, like mosquitto.conf.

use super::acl::Acl;
use super::passwords::Passwords;
use super::sn_gateway::SnGatewayConfig;
use crate::qos::QoS;

/// Broker limits and capabilities. The defaults suit a small reference broker.
#[derive(Clone, Debug)]
pub struct BrokerConfig {
    /// The largest packet accepted from a client, header included (announced to 5.0 clients
    /// as Maximum Packet Size).
    pub max_packet_size: usize,
    /// How many QoS 1 and 2 PUBLISHes a 5.0 client may have unacknowledged towards us
    /// (Receive Maximum, announced in CONNACK and enforced with 0x93).
    pub receive_maximum: u16,
    /// The most QoS 1 and 2 messages in flight (sent, not yet acknowledged) towards one
    /// client, as mosquitto's `max_inflight_messages`: a 5.0 client's Receive Maximum may
    /// lower it, never raise it. The rest wait in the session's queue (`max_queued`), so a
    /// client that acknowledges nothing holds at most this many plus that many messages.
    pub max_inflight: u16,
    /// The highest Topic Alias a 5.0 client may use towards us (0 disables aliases).
    pub topic_alias_maximum: u16,
    /// The longest keep alive a client may use, in seconds, as mosquitto's `max_keepalive`:
    /// a 5.0 client asking for more, or for 0 (none), is told this value in CONNACK (Server
    /// Keep Alive) and held to it; a 3.1 or 3.1.1 client asking for more or for 0 is refused
    /// with CONNACK 0x02 (identifier rejected), since 3.x cannot be told. `None` or `Some(0)`:
    /// no limit (mosquitto's 0).
    pub max_keepalive: Option<u16>,
    /// The highest QoS granted and accepted.
    pub max_qos: QoS,
    /// Whether retained messages are supported.
    pub retain_available: bool,
    /// How many QoS 1 and 2 messages wait per session (while offline or while the in-flight
    /// window is full) before new ones are dropped and counted.
    pub max_queued: usize,
    /// How many QoS 1 and 2 messages may wait in the queues of connected sessions, all
    /// together, before the broker stops reading from the clients that publish into them
    /// ([`super::Action::PauseReading`]); reading resumes once the backlog is down to half.
    /// `usize::MAX` turns flow control off.
    pub max_backlog: usize,
    /// Access control; `None` lets every client read and write every topic.
    pub acl: Option<Acl>,
    /// The users who may connect with a user name, and their passwords (mosquitto's
    /// `password_file`). With it, a user name not in it or a wrong password is refused
    /// (5.0: CONNACK 0x86, 3.x: 0x04); without it, user names are taken as given while
    /// [`BrokerConfig::allow_anonymous`] is on, and refused with everyone else when it is off.
    pub passwords: Option<Passwords>,
    /// The most subscriptions one session may hold; a SUBSCRIBE entry past it is refused
    /// (SUBACK 0x97 Quota exceeded, 3.x: 0x80). `None`: no limit.
    pub max_subscriptions: Option<usize>,
    /// The most sessions held at once, connected or stored: what a client that connects under
    /// ever new identifiers would otherwise grow without end. A CONNECT that would start one
    /// more is refused (CONNACK 0x97 Quota exceeded; 3.x: 0x03 Server unavailable; MQTT-SN:
    /// Rejected, congestion); a client taking up or replacing its own session is not.
    /// `None`: no limit.
    pub max_sessions: Option<usize>,
    /// The longest a session outlives its connection, in seconds (mosquitto's
    /// `max_session_expiry_interval`, and its `persistent_client_expiration` for the 3.x and
    /// MQTT-SN sessions that otherwise never expire). A longer Session Expiry Interval is
    /// cut to it, and a 5.0 client is told the value used in its CONNACK (§3.2.2.3.2).
    /// `None`: as the client asks, forever included.
    pub max_session_expiry: Option<u32>,
    /// The most retained messages kept, and their total bytes (topic and payload). A retained PUBLISH
    /// past either is refused to a 5.0 client at QoS 1 or 2 (PUBACK/PUBREC 0x97 Quota
    /// exceeded, not delivered); from anyone else, who cannot be told, it is delivered but
    /// not kept, and what its topic held is dropped. `None`: no limit.
    pub max_retained: Option<usize>,
    /// See [`BrokerConfig::max_retained`].
    pub max_retained_bytes: Option<usize>,
    /// Whether a client may connect without a user name (mosquitto's `allow_anonymous`);
    /// refused otherwise with CONNACK 0x87 (5.0) or 0x05 (3.x). Off without
    /// [`BrokerConfig::passwords`], a user name proves nothing and every client is refused,
    /// as mosquitto does, but one that authenticates with SCRAM ([`BrokerConfig::scram`]).
    pub allow_anonymous: bool,
    /// Whether wildcard subscriptions are accepted; off, 5.0 clients are told in CONNACK and
    /// disconnected with 0xA2 if they subscribe with one, 3.x clients get SUBACK 0x80 for
    /// that filter.
    pub wildcard_subscriptions: bool,
    /// Whether 5.0 shared subscriptions are accepted; off, announced in CONNACK and a
    /// `$share/` filter disconnects with 0x9E.
    pub shared_subscriptions: bool,
    /// Whether 5.0 Subscription Identifiers are accepted; off, announced in CONNACK and a
    /// SUBSCRIBE carrying one disconnects with 0xA1.
    pub subscription_identifiers: bool,
    /// The MQTT-SN gateway ([`super::Broker::datagram_received`]).
    pub mqttsn: SnGatewayConfig,
    /// Enhanced authentication with SCRAM-SHA-256 (5.0); `None` refuses any
    /// Authentication Method with CONNACK 0x8C.
    pub scram: Option<super::ScramConfig>,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            max_packet_size: crate::DEFAULT_MAX_PACKET_SIZE,
            receive_maximum: 100,
            max_inflight: 100,
            topic_alias_maximum: 10,
            max_keepalive: None,
            max_qos: QoS::ExactlyOnce,
            retain_available: true,
            max_queued: 1000,
            max_backlog: 500,
            acl: None,
            passwords: None,
            max_subscriptions: None,
            max_sessions: None,
            max_session_expiry: None,
            max_retained: None,
            max_retained_bytes: None,
            allow_anonymous: true,
            mqttsn: SnGatewayConfig::default(),
            scram: None,
            wildcard_subscriptions: true,
            shared_subscriptions: true,
            subscription_identifiers: true,
        }
    }
}
