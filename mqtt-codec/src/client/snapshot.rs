//! The session's state as bytes, so that a device or a script keeps it across restarts: what
//! is in flight, what is queued, the QoS 2 messages received and not yet released, the
//! granted subscriptions and the client identifier.
//!
//! The format, all integers big-endian, the same for both sessions (a snapshot of one
//! restores into the other):
//!
//! ```text
//! "MQCS" | format version (2, or 3) | protocol level | flags (bit 0: a session is expected;
//!        |   bit 1: a CONNECT that may have made a new session went unanswered, so the
//!        |   next one starts clean)
//!        | next packet identifier (u16) | client identifier (u16 length + UTF-8)
//!        | in flight, in the order first sent: count (u16), each: stage 0 (PUBACK or
//!        |   PUBREC awaited) + PUBLISH (u32 length + bytes), or stage 1 (PUBCOMP awaited)
//!        |   + packet identifier (u16), or stage 2 (format 3: a failed QoS 2 message's
//!        |   identifier, held for the server's session) + packet identifier (u16)
//!        | queued: count (u32), each: PUBLISH (u32 length + bytes)
//!        | QoS 2 received: count (u16), each: packet identifier (u16)
//!        | subscriptions: count (u32), each: filter (u16 length + UTF-8) + options byte
//! ```
//!
//! Each PUBLISH is its encoding under the session's version, packet identifier included.
//! Format version 3 is written only when a stage 2 entry is; otherwise it is version 2.
//! Format version 1 differs only in a stage 1 entry, which held the whole PUBLISH; it is
//! still read. Any other version is refused with [`SnapshotError::Format`].

use super::config::SessionConfig;
use super::session::{restored_machine, Session};
use super::snapshot_format::{Reader, SnapshotError};
use crate::packet::SubscriptionOptions;
use crate::topic::TopicFilter;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

impl Session {
    /// The session's state as bytes (see the module docs for the format). Take it after
    /// the connection ended, or at any time: what is in flight is resent after
    /// [`Session::from_snapshot`] and `connect`, as after a reconnect. Messages delivered
    /// and not yet acknowledged by hand: see [`super::FixedSession::snapshot`].
    pub fn snapshot(&self) -> Vec<u8> {
        let version = self.config.version;
        let subscriptions: Vec<(&str, u8)> = self
            .subscriptions
            .values()
            .map(|(filter, options)| (filter.as_str(), options.to_byte(version).unwrap_or(0)))
            .collect();
        let id = &self.config.client_id;
        let needed = match self.machine.snapshot_with(&mut [], id, &subscriptions) {
            Ok(n) | Err(SnapshotError::BufferTooSmall { needed: n }) => n,
            Err(_) => 0,
        };
        let mut out = alloc::vec![0; needed];
        let written = self.machine.snapshot_with(&mut out, id, &subscriptions);
        out.truncate(written.unwrap_or(0));
        out
    }

    /// A session restored from [`Session::snapshot`]'s bytes (or a heap-free session's),
    /// with `config`, whose version must be the snapshot's and whose client identifier
    /// gives way to the snapshot's. Call `connect` to resume.
    pub fn from_snapshot(config: SessionConfig, snapshot: &[u8]) -> Result<Session, SnapshotError> {
        let version = config.version;
        let mut r = Reader(snapshot);
        r.header(version)?;
        let (_flags, _next_id) = (r.u8()?, r.u16()?);
        let config = SessionConfig {
            client_id: String::from(r.str()?),
            ..config
        };
        let mut subscriptions = BTreeMap::new();
        let mut keep = |filter: &str, options: u8| {
            let options = SubscriptionOptions::from_byte(options, version)
                .map_err(|_| SnapshotError::Corrupt("invalid subscription options"))?;
            let parsed = TopicFilter::for_version(filter, version)
                .map_err(|_| SnapshotError::Corrupt("an invalid topic filter"))?;
            subscriptions.insert(String::from(filter), (parsed, options));
            Ok(())
        };
        let machine = restored_machine(&config, snapshot, &mut keep)?;
        let mut session = Session::around(config, machine);
        session.subscriptions = subscriptions;
        Ok(session)
    }
}
