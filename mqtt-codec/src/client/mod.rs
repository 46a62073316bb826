//! The client session (features `client` and `alloc`): the MQTT protocol state of one
//! client as a sans-IO state machine, in the manner of h11 and quinn-proto. Commands
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

mod auth;
mod config;
mod error;
mod event;
mod lent_buffer;
mod lifetime;
mod session;
mod snapshot;

#[cfg(feature = "scram")]
pub use auth::ScramAuthenticator;
pub use auth::{AuthError, Authenticator};
pub use config::SessionConfig;
pub use error::SessionError;
pub use event::{Event, PublishFailure};
pub use lent_buffer::LentBuffer;
pub use session::{Millis, Session};
pub use snapshot::SnapshotError;
