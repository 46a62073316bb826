//! The client session (feature `client`): the MQTT protocol state of one client as a
//! sans-IO state machine, in the manner of h11 and quinn-proto. There is one machine:
//! [`FixedSession`] runs it in storage the caller gives and allocates nothing (firmware,
//! the C ABI); [`Session`] (feature `alloc`) runs it over storage it owns and grows, and
//! adds owned events, enhanced authentication, topic aliases towards the server and the
//! list of subscriptions made. Commands
//! (`connect`, `publish`, `subscribe`, `unsubscribe`, `ack`, `disconnect`), received bytes,
//! the current time and "the connection was lost" go in; bytes to send
//! ([`Session::poll_transmit`]), [`Event`]s and the next deadline
//! ([`Session::next_timeout`]) come out. No socket, no clock, no thread.
//!
//! After the server breaks a rule, the session sends the 5.0 reason code in DISCONNECT,
//! reports [`Event::Disconnected`] with it, and waits for the caller to close the socket and
//! `connect` again. What is in flight survives reconnects: with a resumed session it is
//! resent with DUP in its original order; with a session the server lost, it is reported
//! failed, and the subscriptions the application had are listed in
//! [`Event::SubscriptionsLost`] so that it can restore them. One case MQTT cannot tell
//! apart, a 5.0 session that expired and was replaced by a new one whose CONNACK was lost,
//! is avoided: after a CONNECT sent when the old session may have expired goes unanswered,
//! the next CONNECT starts clean and what was in flight is reported lost.

#[cfg(feature = "alloc")]
mod auth;
#[cfg(feature = "alloc")]
mod config;
mod error;
#[cfg(feature = "alloc")]
mod event;
mod failure;
mod fixed;
#[cfg(feature = "alloc")]
mod lent_buffer;
mod lifetime;
mod rules;
#[cfg(feature = "alloc")]
mod session;
#[cfg(feature = "alloc")]
mod snapshot;
mod snapshot_format;

#[cfg(feature = "scram")]
pub use auth::ScramAuthenticator;
#[cfg(feature = "alloc")]
pub use auth::{AuthError, Authenticator};
#[cfg(feature = "alloc")]
pub use config::SessionConfig;
pub use error::SessionError;
#[cfg(feature = "alloc")]
pub use event::Event;
pub use failure::PublishFailure;
pub use fixed::{
    AliasSlot, FixedConfig, FixedEvent, FixedSession, FixedStorage, FixedWill, InSlot, OutSlot,
    PendingSlot,
};
#[cfg(feature = "alloc")]
pub use lent_buffer::LentBuffer;
pub use rules::Millis;
#[cfg(feature = "alloc")]
pub use session::Session;
pub use snapshot_format::{snapshot_version, SnapshotError};
