//! The client state machine, and the heap-free session that exposes it
//! ([`FixedSession`]): the protocol state in storage the caller gives ([`FixedStorage`]),
//! for firmware and the C ABI, with no allocator; every limit is the size of a piece of
//! that storage. The allocating [`super::Session`] runs the same machine over tables of its
//! own that grow (`table.rs`).
//!
//! What the heap-free session does not offer, though its machine has it for the
//! allocating one: an enhanced-authentication method (`exchange.rs`), topic aliases towards
//! the server, and a list of the subscriptions made (the application keeps its own;
//! [`FixedEvent::SubscriptionsLost`] says when to make them again). Its snapshots
//! ([`FixedSession::snapshot`]) are in the allocating session's format: either restores
//! into the other.

mod arena;
#[cfg(feature = "alloc")]
mod authentication;
mod config;
mod event;
mod exchange;
mod held_ids;
mod located;
#[cfg(feature = "alloc")]
mod outbound_aliases;
#[cfg(feature = "alloc")]
mod owned;
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
