//! The heap-free client session ([`FixedSession`]): the same protocol state as
//! [`super::Session`] in storage the caller gives ([`FixedStorage`]), for firmware and the
//! C ABI. It needs no allocator: every limit is the size of a piece of that storage.
//!
//! What it leaves to the allocating session: enhanced authentication, topic aliases towards
//! the server (those from the server are kept), and a list of the subscriptions made (the
//! application keeps its own; [`FixedEvent::SubscriptionsLost`] says when to make them
//! again). Its snapshots ([`FixedSession::snapshot`]) are in the allocating session's
//! format: either restores into the other.

mod arena;
mod config;
mod event;
mod exchange;
mod located;
mod session;
mod slots;
mod snapshot;
mod table;

pub use config::{FixedConfig, FixedStorage, FixedWill};
#[cfg(feature = "alloc")]
pub(crate) use config::{Identity, WillParts};
pub use event::FixedEvent;
#[cfg(feature = "alloc")]
pub(crate) use exchange::Exchange;
pub use session::FixedSession;
pub use slots::{AliasSlot, InSlot, OutSlot, PendingSlot};
#[cfg(feature = "alloc")]
pub(crate) use table::{Memory, Received, Table};
