//! What a client session tells its application.

use super::failure::PublishFailure;
use crate::packet::{ConnAck, PacketId, Publish, Subscription};
use crate::reason::ReasonCode;
use alloc::vec::Vec;

/// Something the application is told. Events come out of [`super::Session::poll_event`] in
/// the order they happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// CONNACK accepted the connection.
    Connected {
        /// The server resumed a stored session.
        session_present: bool,
        /// The CONNACK (5.0 properties: limits, assigned client identifier, ...).
        connack: ConnAck,
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
        /// The PUBLISH (a topic alias resolved: `topic` is always the name).
        publish: Publish,
        /// With manual acknowledgement, the identifier to pass to
        /// [`super::Session::ack`] (QoS 1 and 2).
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
    /// SUBACK.
    Subscribed {
        /// The SUBSCRIBE's identifier.
        packet_id: PacketId,
        /// One code per filter: the granted QoS, or a failure.
        reason_codes: Vec<ReasonCode>,
    },
    /// UNSUBACK.
    Unsubscribed {
        /// The UNSUBSCRIBE's identifier.
        packet_id: PacketId,
        /// One code per filter (5.0; empty in 3.x, which has none).
        reason_codes: Vec<ReasonCode>,
    },
    /// The connection ended before this SUBSCRIBE's SUBACK: the server may or may not have
    /// made the subscriptions, and will not say; subscribe again to be sure. Comes just
    /// before [`Event::Disconnected`].
    SubscribeLost {
        /// The SUBSCRIBE's identifier, free again.
        packet_id: PacketId,
        /// What it asked for.
        subscriptions: Vec<Subscription>,
    },
    /// The connection ended before this UNSUBSCRIBE's UNSUBACK; unsubscribe again to be
    /// sure. Comes just before [`Event::Disconnected`].
    UnsubscribeLost {
        /// The UNSUBSCRIBE's identifier, free again.
        packet_id: PacketId,
    },
    /// The server did not resume the session on reconnect: these subscriptions, which the
    /// application had, are gone; subscribe again to restore them.
    SubscriptionsLost {
        /// The filters with the options they were granted with (as `SubscribeLost`'s, ready
        /// to subscribe again).
        subscriptions: Vec<Subscription>,
    },
    /// A re-authentication ([`super::Session::reauthenticate`]) succeeded.
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
