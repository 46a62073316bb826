//! Why a command to a client session was refused. Nothing is sent or changed when one is.

use crate::error::EncodeError;
use crate::topic::TopicError;

/// Why a client session ([`super::Session`], [`super::FixedSession`]) refused a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The command needs a connection (CONNACK received; `disconnect`: a CONNECT sent).
    #[error("not connected")]
    NotConnected,
    /// `connect` while connected or connecting: end the connection first
    /// (`connection_lost`).
    #[error("already connected or connecting")]
    AlreadyConnected,
    /// The authenticator could not start an exchange (a connect, a re-authentication):
    /// SCRAM has used up its nonces; give it a fresh one first.
    #[error("the authenticator cannot start an exchange (SCRAM: give it a fresh nonce)")]
    AuthenticatorNotReady,
    /// The command does not fit the session's state, or its configuration is invalid: the
    /// text says which.
    #[error("{0}")]
    State(&'static str),
    /// Every packet identifier is in use ([MQTT-2.3.1-2]).
    #[error("every packet identifier is in use")]
    NoPacketId,
    /// The in-flight window and the queue behind it are full.
    #[error("{0} QoS 1 and 2 messages already wait; the queue is full")]
    QueueFull(usize),
    /// Larger than the server's Maximum Packet Size ([MQTT-3.1.2-24]).
    #[error("the packet is {size} bytes, the server takes at most {max}")]
    PacketTooLarge {
        /// The packet's size.
        size: usize,
        /// The server's limit.
        max: u32,
    },
    /// Above the QoS the server supports (5.0 Maximum QoS, [MQTT-3.2.2-11]).
    #[error("QoS {0} is above the server's Maximum QoS")]
    QosNotSupported(u8),
    /// Retain, which the server does not support (5.0 Retain Available, [MQTT-3.2.2-14]).
    #[error("the server does not support retained messages")]
    RetainNotSupported,
    /// A SUBSCRIBE using what the server said in CONNACK it does not support: wildcards,
    /// shared subscriptions or Subscription Identifiers (5.0; sent, it would end the
    /// connection with 0xA2, 0x9E or 0xA1).
    #[error("the server does not support {0}")]
    SubscriptionNotSupported(&'static str),
    /// No received message waits for an acknowledgement with this identifier.
    #[error("no received message waits for acknowledgement {0}")]
    UnknownPacketId(u16),
    /// The transmit buffer of a [`super::FixedSession`] has no room for the packet yet: send
    /// what it holds ([`super::FixedSession::poll_transmit`]) and try again.
    #[error("the transmit buffer has {available} bytes free, the packet needs {needed}")]
    TransmitFull {
        /// The packet's size.
        needed: usize,
        /// The room left.
        available: usize,
    },
    /// A part of a [`super::FixedSession`]'s storage is full (it names which).
    #[error("{0} is full")]
    StorageFull(&'static str),
    /// A part of a [`super::FixedSession`]'s storage is smaller than the packet: it can
    /// never hold it, however much is sent or acknowledged (unlike
    /// [`SessionError::TransmitFull`] and [`SessionError::StorageFull`]).
    #[error("the packet needs {needed} bytes, {what} holds {capacity}")]
    StorageTooSmall {
        /// The part: "the transmit buffer", "the message storage".
        what: &'static str,
        /// The packet's size.
        needed: usize,
        /// The part's size.
        capacity: usize,
    },
    /// A topic name given as text is not a valid one.
    #[error("invalid topic: {0}")]
    Topic(TopicError),
    /// The packet breaks a rule of the codec.
    #[error("{0}")]
    Encode(EncodeError),
}

impl From<EncodeError> for SessionError {
    fn from(e: EncodeError) -> Self {
        SessionError::Encode(e)
    }
}
