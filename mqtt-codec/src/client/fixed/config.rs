//! What a [`super::FixedSession`] is told at creation, and the storage it is given.

use super::slots::{AliasSlot, InSlot, OutSlot, PendingSlot};
use crate::client::SessionError;
use crate::packet::{Connect, PacketRef, Will};
use crate::property_view::PropertyView;
use crate::qos::QoS;
use crate::storage::Borrowed;
use crate::string::MqttStr;
use crate::topic::TopicName;
use crate::version::ProtocolVersion;

/// The settings of a [`super::FixedSession`]: [`FixedConfig::new`] gives the defaults, the
/// fields are public to change what is needed. The limits the session advertises to the
/// server (5.0 Receive Maximum, Maximum Packet Size, Topic Alias Maximum) come from the
/// sizes of its [`FixedStorage`].
#[derive(Clone, Debug)]
pub struct FixedConfig<'s> {
    /// The protocol version spoken.
    pub version: ProtocolVersion,
    /// The client identifier; empty asks the server to assign one (3.1.1 with a clean
    /// session, and 5.0). An assigned one of up to 64 bytes is kept for the reconnects.
    pub client_id: &'s str,
    /// Keep alive in seconds; 0 turns it off.
    pub keep_alive: u16,
    /// Start with a new session (the first CONNECT; a reconnect resumes the session when
    /// there is one to resume).
    pub clean_start: bool,
    /// 5.0 Session Expiry Interval in seconds (0: the session ends with the connection).
    pub session_expiry_interval: u32,
    /// User name.
    pub username: Option<&'s str>,
    /// Password.
    pub password: Option<&'s [u8]>,
    /// The will.
    pub will: Option<FixedWill<'s>>,
    /// How many of our QoS 1 and 2 PUBLISHes may be sent on one connection and not yet
    /// acknowledged when the server does not say (3.x; in 5.0 the server's Receive Maximum,
    /// if lower, wins); QoS 2 flows released on an earlier connection do not count (§4.9).
    /// The outgoing records beyond this window hold the queue.
    pub max_inflight: u16,
    /// The 5.0 Receive Maximum to advertise, at most one per incoming record; 0 (the
    /// default): one per record. With manual acknowledgement, records beyond it hold QoS 1
    /// messages the server resends (DUP) after a reconnect, which it does not count; without
    /// such a spare record a resend is acknowledged at once, as with `auto_ack`.
    pub receive_maximum: u16,
    /// Acknowledge received QoS 1 and 2 messages as soon as they are delivered as events;
    /// off, the application calls [`super::FixedSession::ack`] and the session still sends
    /// the acknowledgements in the order the messages arrived ([MQTT-4.6.0-2] to
    /// [MQTT-4.6.0-4]).
    pub auto_ack: bool,
    /// 5.0 Request Problem Information; when false the server may put a Reason String or
    /// User Properties only on PUBLISH, CONNACK and DISCONNECT (PR-9).
    pub request_problem_information: bool,
}

impl<'s> FixedConfig<'s> {
    /// The defaults for `client_id` under `version`: keep alive 60 s, clean start, no
    /// session expiry, a window of 16, automatic acknowledgement.
    pub fn new(client_id: &'s str, version: ProtocolVersion) -> Self {
        FixedConfig {
            version,
            client_id,
            keep_alive: 60,
            clean_start: true,
            session_expiry_interval: 0,
            username: None,
            password: None,
            will: None,
            max_inflight: 16,
            receive_maximum: 0,
            auto_ack: true,
            request_problem_information: true,
        }
    }

    /// Checks that the first CONNECT of these settings can be encoded, so that what the
    /// encoder would refuse at every [`super::FixedSession::connect`] (a 3.1.1 password
    /// without a user name, an empty client identifier without a clean session in 3.1.1, a
    /// will topic that is no topic name, strings that are not MQTT strings) fails when the
    /// session is made.
    pub fn check(&self) -> Result<(), SessionError> {
        let text = |s: &'s str, what| {
            MqttStr::try_new(s.as_bytes()).map_err(|_| SessionError::State(what))
        };
        let parts = self.will.map(|w| w.parts());
        let connect = Connect::<Borrowed<'_>> {
            protocol_version: self.version,
            bridge: false,
            clean_start: self.clean_start,
            keep_alive: self.keep_alive,
            client_id: text(
                self.client_id,
                "the client identifier is not a valid string",
            )?,
            will: match &parts {
                Some(w) => Some(w.as_will()?),
                None => None,
            },
            username: match self.username {
                Some(u) => Some(text(u, "the user name is not a valid string")?),
                None => None,
            },
            password: self.password,
            properties: PropertyView::wire(&[]),
        };
        PacketRef::from(&connect).encoded_len(self.version)?;
        Ok(())
    }
}

/// The will of a [`FixedConfig`]: what the server publishes when the connection ends
/// without DISCONNECT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedWill<'s> {
    /// The topic.
    pub topic: &'s str,
    /// The payload.
    pub payload: &'s [u8],
    /// The QoS it is published at.
    pub qos: QoS,
    /// Whether it is published retained.
    pub retain: bool,
}

/// Who connects, and how: what CONNECT carries beyond the session's settings. The
/// heap-free session takes it from its [`FixedConfig`], the allocating one from its own
/// configuration.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Identity<'a> {
    pub(crate) client_id: &'a str,
    pub(crate) username: Option<&'a str>,
    pub(crate) password: Option<&'a [u8]>,
    pub(crate) will: Option<WillParts<'a>>,
    /// 5.0 enhanced authentication: the method and the first data.
    pub(crate) auth: Option<(&'a str, &'a [u8])>,
}

impl<'s> FixedWill<'s> {
    /// The will as CONNECT carries it (no 5.0 will property).
    pub(super) fn parts(&self) -> WillParts<'s> {
        WillParts {
            topic: self.topic,
            payload: self.payload,
            qos: self.qos,
            retain: self.retain,
            properties: &[],
        }
    }
}

/// A will as [`Identity`] carries it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WillParts<'a> {
    pub(crate) topic: &'a str,
    pub(crate) payload: &'a [u8],
    pub(crate) qos: QoS,
    pub(crate) retain: bool,
    /// The 5.0 will properties, encoded (the section's content, checked already).
    pub(crate) properties: &'a [u8],
}

impl WillParts<'_> {
    /// The will as CONNECT carries it.
    pub(super) fn as_will(&self) -> Result<Will<Borrowed<'_>>, SessionError> {
        let topic =
            TopicName::try_from_bytes(self.topic.as_bytes()).map_err(SessionError::Topic)?;
        Ok(Will {
            topic,
            payload: self.payload,
            qos: self.qos,
            retain: self.retain,
            properties: PropertyView::wire(self.properties),
        })
    }
}

/// The memory of a [`super::FixedSession`], all of it the caller's: the session allocates
/// nothing. Fill the record arrays with their `FREE` value.
///
/// | field | holds | sizes |
/// |---|---|---|
/// | `outgoing` | our QoS 1 and 2 PUBLISHes, in flight and queued; the identifier of a QoS 2 one that failed on a resumed session, until that session ends (rare: see [`crate::client::PublishFailure::Refused`]) | the in-flight window plus the queue |
/// | `messages` | those PUBLISHes, encoded, until the server has them | their total size |
/// | `incoming` | the server's QoS 1 and 2 PUBLISHes not yet acknowledged, and QoS 2 ones awaiting PUBREL | 5.0 Receive Maximum advertised; at least 1 |
/// | `pending` | SUBSCRIBEs and UNSUBSCRIBEs awaiting their answer | how many may be outstanding |
/// | `aliases` | the server's topic aliases (5.0) | Topic Alias Maximum advertised (0: none) |
/// | `alias_topics` | their topics | their total length |
/// | `rx` | received bytes | the largest packet accepted (5.0 Maximum Packet Size) |
/// | `tx` | bytes to send | at least the largest packet sent |
///
/// MQTT 3.x has no Receive Maximum: there `incoming` must hold as many QoS 2 flows as the
/// server keeps in flight towards a client (mosquitto's `max_inflight_messages`, 20 by
/// default), and manually acknowledged QoS 1 messages; a server that sends more is
/// disconnected (the event says 0x93, Receive Maximum exceeded).
#[derive(Debug)]
pub struct FixedStorage<'s> {
    /// Our QoS 1 and 2 PUBLISHes.
    pub outgoing: &'s mut [OutSlot],
    /// Their encoded bytes.
    pub messages: &'s mut [u8],
    /// The server's QoS 1 and 2 PUBLISHes whose flow is not over.
    pub incoming: &'s mut [InSlot],
    /// SUBSCRIBEs and UNSUBSCRIBEs awaiting their answer.
    pub pending: &'s mut [PendingSlot],
    /// The server's topic aliases.
    pub aliases: &'s mut [AliasSlot],
    /// Their topics.
    pub alias_topics: &'s mut [u8],
    /// The receive buffer.
    pub rx: &'s mut [u8],
    /// The transmit buffer.
    pub tx: &'s mut [u8],
}
