//! What both client sessions (the allocating [`super::Session`] and the heap-free
//! [`super::FixedSession`]) decide the same way: the limits CONNACK sets, the timers, the
//! QoS a SUBACK grants, and the checks of what the server sends.

use crate::error::DecodeError;
use crate::packet::Packet;
use crate::packet_type::PacketType;
use crate::properties::Properties;
use crate::property_slot::PropertySlot;
use crate::qos::QoS;
use crate::reason::ReasonCode;
use crate::storage::Storage;

/// Milliseconds of the caller's monotonic clock.
pub type Millis = u64;

/// How long a CONNECT waits for its CONNACK when there is no keep alive to go by.
const CONNECT_TIMEOUT_MS: Millis = 30_000;

/// Where the connection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum State {
    /// No connection: `connect` may be called.
    Idle,
    /// CONNECT sent, CONNACK awaited.
    Connecting { since: Millis },
    /// CONNACK accepted.
    Connected,
}

/// What the server told us in CONNACK.
#[derive(Clone, Copy, Debug)]
pub(super) struct ServerLimits {
    pub(super) receive_maximum: u16,
    pub(super) maximum_packet_size: Option<u32>,
    /// Used by the allocating session, which sets topic aliases towards the server.
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
    pub(super) topic_alias_maximum: u16,
    pub(super) maximum_qos: QoS,
    pub(super) retain_available: bool,
    /// Wildcard Subscription Available, Shared Subscription Available, Subscription
    /// Identifiers Available ([MQTT-3.2.2]: a SUBSCRIBE using what the server said it lacks
    /// is a Protocol Error the server ends the connection for).
    #[cfg_attr(not(feature = "v5"), allow(dead_code))]
    pub(super) wildcards_available: bool,
    #[cfg_attr(not(feature = "v5"), allow(dead_code))]
    pub(super) shared_available: bool,
    #[cfg_attr(not(feature = "v5"), allow(dead_code))]
    pub(super) subscription_ids_available: bool,
    pub(super) keep_alive: u16,
}

impl ServerLimits {
    /// Before any CONNACK: no limit but our own keep alive.
    pub(super) fn before_connack(keep_alive: u16) -> Self {
        ServerLimits {
            receive_maximum: u16::MAX,
            maximum_packet_size: None,
            topic_alias_maximum: 0,
            maximum_qos: QoS::ExactlyOnce,
            retain_available: true,
            wildcards_available: true,
            shared_available: true,
            subscription_ids_available: true,
            keep_alive,
        }
    }

    /// The limits of an accepted CONNACK's properties; `keep_alive` is what CONNECT asked.
    pub(super) fn from_connack<S: Storage>(p: &Properties<S>, keep_alive: u16) -> Self {
        ServerLimits {
            receive_maximum: p.receive_maximum.unwrap_or(u16::MAX),
            maximum_packet_size: p.maximum_packet_size,
            topic_alias_maximum: p.topic_alias_maximum.unwrap_or(0),
            maximum_qos: p
                .maximum_qos
                .and_then(QoS::from_bits)
                .unwrap_or(QoS::ExactlyOnce),
            retain_available: p.retain_available != Some(0),
            wildcards_available: p.wildcard_subscription_available != Some(0),
            shared_available: p.shared_subscription_available != Some(0),
            subscription_ids_available: p.subscription_identifier_available != Some(0),
            // Server Keep Alive replaces ours ([MQTT-3.2.2-21]).
            keep_alive: p.server_keep_alive.unwrap_or(keep_alive),
        }
    }

    /// How many of our QoS 1 and 2 PUBLISHes may be unacknowledged at once: the server's
    /// Receive Maximum or ours, whichever is lower, and at least one.
    pub(super) fn window(&self, max_inflight: u16) -> u16 {
        self.receive_maximum.min(max_inflight).max(1)
    }

    /// The keep alive in force, in milliseconds; `None` when it is off.
    pub(super) fn keep_alive_ms(&self) -> Option<Millis> {
        match self.keep_alive {
            0 => None,
            ka => Some(u64::from(ka) * 1000),
        }
    }

    /// Refuses a packet of `len` bytes that the server's Maximum Packet Size does not take.
    pub(super) fn check_len(&self, len: usize) -> Result<(), super::SessionError> {
        match self.maximum_packet_size {
            Some(max) if len > max as usize => {
                Err(super::SessionError::PacketTooLarge { size: len, max })
            }
            _ => Ok(()),
        }
    }
}

/// How long a CONNECT sent with `keep_alive` waits for its CONNACK.
pub(super) fn connect_timeout(keep_alive: u16) -> Millis {
    match keep_alive {
        0 => CONNECT_TIMEOUT_MS,
        ka => u64::from(ka) * 1000,
    }
}

/// The QoS a SUBACK code grants, or `None` for a failure.
pub(super) fn granted(code: ReasonCode) -> Option<QoS> {
    match code {
        ReasonCode::Success => Some(QoS::AtMostOnce),
        ReasonCode::GrantedQoS1 => Some(QoS::AtLeastOnce),
        ReasonCode::GrantedQoS2 => Some(QoS::ExactlyOnce),
        _ => None,
    }
}

/// A 3.1.1 server's answer to a 5.0 CONNECT (`20 02 00 01`), which the 5.0 decoder refuses
/// with `err`; `first_bytes` are the first bytes the server sent on the connection.
pub(super) fn is_v3_answer(err: &DecodeError, first_bytes: &[u8]) -> bool {
    match err {
        DecodeError::InvalidReasonCode {
            packet_type: PacketType::ConnAck,
            code: 0x01,
        } => true,
        // The 5.0 decoder refuses a 2-byte CONNACK as such; its bytes are `00 01`.
        DecodeError::InvalidRemainingLength {
            packet_type: PacketType::ConnAck,
            length: 2,
        } => first_bytes == [0x20, 0x02, 0x00, 0x01],
        _ => false,
    }
}

/// PR-9: a 5.0 client that asked for no problem information (`requested` false) may get a
/// Reason String or User Property only on PUBLISH, CONNACK and DISCONNECT
/// ([MQTT-3.1.2-29]); otherwise, and in 3.x, anything goes.
pub(super) fn problem_information_allowed<S: Storage>(
    requested: bool,
    version: crate::version::ProtocolVersion,
    packet: &Packet<S>,
) -> bool {
    if requested || !version.is_v5() {
        return true;
    }
    let props = match packet {
        Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => {
            &a.properties
        }
        Packet::SubAck(s) => &s.properties,
        Packet::UnsubAck(u) => &u.properties,
        Packet::Auth(a) => &a.properties,
        _ => return true,
    };
    props.with(|p| p.reason_string.is_none() && S::len(&p.user_properties) == 0)
}

/// The reason a PUBCOMP completes our QoS 2 PUBLISH with. The server took the message with
/// its PUBREC; PUBCOMP only ends the flow. Its one failure code, 0x92, answers a PUBREL
/// resent after a reconnect when the first one was completed and its PUBCOMP lost: "not an
/// error during recovery" (5.0 §3.7.2.1), so the message is published.
pub(super) fn pubcomp_outcome(reason: ReasonCode) -> ReasonCode {
    if reason.is_error() {
        ReasonCode::Success
    } else {
        reason
    }
}

/// What time asks of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Due {
    /// Nothing yet.
    Nothing,
    /// Nothing was sent for the keep alive: PINGREQ.
    Ping,
    /// No CONNACK, or no PINGRESP, in time: the connection is lost.
    Lost,
}

/// The keep alive and CONNACK timers of a session.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Timers {
    /// When the last packet was written.
    pub(super) last_sent: Millis,
    /// When the last packet arrived.
    pub(super) last_received: Millis,
    /// When a PINGREQ went out that has had no PINGRESP yet.
    pub(super) ping_sent: Option<Millis>,
}

impl Timers {
    /// When the session must next be told the time, if ever; `keep_alive` is what
    /// CONNECT asked.
    pub(super) fn deadline(
        &self,
        state: State,
        keep_alive: u16,
        server: &ServerLimits,
    ) -> Option<Millis> {
        match state {
            State::Idle => None,
            State::Connecting { since } => Some(since.saturating_add(connect_timeout(keep_alive))),
            State::Connected => {
                let ka = server.keep_alive_ms()?;
                // A ping when nothing went out for the keep alive ([MQTT-3.1.2-23]), and
                // also when nothing came in (as paho does): a client that keeps publishing
                // to a server that died would otherwise never learn it.
                let quiet_since = self.last_sent.min(self.last_received);
                Some(self.ping_sent.unwrap_or(quiet_since).saturating_add(ka))
            }
        }
    }

    /// What is due at `now`: PINGREQ when nothing was sent, or nothing received, for the
    /// keep alive; the connection lost when no PINGRESP came within another keep alive, or
    /// no CONNACK in time.
    pub(super) fn due(
        &self,
        state: State,
        keep_alive: u16,
        server: &ServerLimits,
        now: Millis,
    ) -> Due {
        let Some(deadline) = self.deadline(state, keep_alive, server) else {
            return Due::Nothing;
        };
        match (now >= deadline, state, self.ping_sent) {
            (false, _, _) => Due::Nothing,
            (true, State::Connected, None) => Due::Ping,
            (true, _, _) => Due::Lost,
        }
    }
}
