//! What a [`super::FixedSession`] tells its application. Packets come as views into the
//! session's receive buffer, valid until the next call that changes the session.

use crate::client::PublishFailure;
use crate::packet::{ConnAck, PacketId, Publish, SubAck, UnsubAck};
use crate::reason::ReasonCode;
use crate::storage::Borrowed;

/// Something the application is told, from [`super::FixedSession::poll_event`], in the
/// order it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FixedEvent<'a> {
    /// CONNACK accepted the connection.
    Connected {
        /// The server resumed a stored session.
        session_present: bool,
        /// The CONNACK (5.0 properties: limits, assigned client identifier, ...).
        connack: ConnAck<Borrowed<'a>>,
    },
    /// CONNACK refused the connection.
    ConnectionRefused {
        /// Why (3.x return codes as their 5.0 equivalents).
        reason: ReasonCode,
        /// The server answered a 5.0 CONNECT in MQTT 3.1.1 (`20 02 00 01`): it does not speak
        /// 5.0; retry with 3.1.1.
        server_speaks_v3: bool,
    },
    /// A message from the server.
    Message {
        /// The PUBLISH, its topic alias resolved: `topic` is always the name.
        publish: Publish<Borrowed<'a>>,
        /// With manual acknowledgement, the identifier to pass to
        /// [`super::FixedSession::ack`] (QoS 1 and 2).
        ack: Option<PacketId>,
    },
    /// A QoS 1 or 2 PUBLISH of ours completed (PUBACK, or PUBCOMP).
    Published {
        /// Its identifier.
        packet_id: PacketId,
        /// The server's reason code (0x00, or 0x10 No matching subscribers).
        reason: ReasonCode,
    },
    /// A QoS 1 or 2 PUBLISH of ours will not complete.
    PublishFailed {
        /// Its identifier.
        packet_id: PacketId,
        /// Why.
        failure: PublishFailure,
    },
    /// SUBACK: one code per filter, the granted QoS or a failure.
    Subscribed(SubAck<Borrowed<'a>>),
    /// UNSUBACK (5.0: one code per filter; 3.x has none).
    Unsubscribed(UnsubAck<Borrowed<'a>>),
    /// The connection ended before this SUBSCRIBE's SUBACK: the server may or may not have
    /// made the subscriptions; subscribe again to be sure. Comes before
    /// [`FixedEvent::Disconnected`].
    SubscribeLost {
        /// The SUBSCRIBE's identifier, free again.
        packet_id: PacketId,
    },
    /// The connection ended before this UNSUBSCRIBE's UNSUBACK; unsubscribe again to be
    /// sure. Comes before [`FixedEvent::Disconnected`].
    UnsubscribeLost {
        /// The UNSUBSCRIBE's identifier, free again.
        packet_id: PacketId,
    },
    /// The server did not resume the session although it might have held one: the
    /// subscriptions made on it are gone; subscribe again. (The heap-free session keeps no
    /// list of them; the application knows what it subscribed to.)
    SubscriptionsLost,
    /// A re-authentication succeeded (5.0; the allocating session's, which authenticates).
    Reauthenticated,
    /// The connection ended.
    Disconnected {
        /// The reason: sent by the server (5.0 DISCONNECT), or the one this session sent
        /// when the server broke a rule (a failed enhanced authentication is 0x87 Not
        /// authorized here, while DISCONNECT carries 0x80, since 0x87 is a server's code);
        /// `None` when the connection was lost (the caller's `connection_lost`, or no
        /// answer to PINGREQ in time).
        reason: Option<ReasonCode>,
        /// The server sent DISCONNECT.
        by_server: bool,
    },
}

/// An event that holds no view, kept until it is polled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Notice {
    Refused {
        reason: ReasonCode,
        server_speaks_v3: bool,
    },
    SubscriptionsLost,
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
    Reauthenticated,
    Disconnected {
        reason: Option<ReasonCode>,
        by_server: bool,
    },
}

impl Notice {
    pub(super) fn event<'e>(self) -> FixedEvent<'e> {
        match self {
            Notice::Refused {
                reason,
                server_speaks_v3,
            } => FixedEvent::ConnectionRefused {
                reason,
                server_speaks_v3,
            },
            Notice::SubscriptionsLost => FixedEvent::SubscriptionsLost,
            Notice::Reauthenticated => FixedEvent::Reauthenticated,
            Notice::Disconnected { reason, by_server } => {
                FixedEvent::Disconnected { reason, by_server }
            }
        }
    }
}
