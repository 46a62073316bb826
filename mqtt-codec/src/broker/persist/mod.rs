//! Persistence, still sans-IO: the broker says what to store and reads back what was
//! stored; the I/O loop owns the store (an embedded database, a file, anything that commits
//! a batch of writes atomically).
//!
//! Turn it on with [`Broker::restore`] (from an empty store the first time). From then on,
//! after each batch of events call [`Broker::store_changes`], write the changes in one
//! transaction, and only once it is durable carry out the actions of the batch: a PUBACK or
//! PUBREC then never acknowledges a message the store does not hold yet, and a QoS 2 message
//! delivered before a crash is not delivered again after it. Commits may group any number of
//! events.
//!
//! Three kinds of record: a session's own state (subscriptions, expiry, will, the QoS 2
//! packet identifiers received and not released), one message of a session (queued or in
//! flight) keyed by the session and a sequence number, and one retained message keyed by
//! its topic. Sessions that end with their connection (Session Expiry Interval 0, a 3.x clean
//! session) are not stored. A session whose client was connected when the broker stopped
//! comes back as if the connection had been lost then: its will is published (after its
//! delay), its expiry starts.

mod record;

use super::session::Session;
use super::{Broker, Millis};
use crate::error::DecodeError;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use record::{Clocks, StoredDelivery};

/// One write for the store, from [`Broker::store_changes`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreChange {
    /// Put a session's own state.
    Session {
        /// The client identifier.
        client_id: String,
        /// The record.
        record: Vec<u8>,
    },
    /// Delete a session's state and every message stored for it.
    SessionGone {
        /// The client identifier.
        client_id: String,
    },
    /// Put one message of a session.
    Message {
        /// The client identifier.
        client_id: String,
        /// The message's key within the session (unique across sessions).
        seq: u64,
        /// The record.
        record: Vec<u8>,
    },
    /// Delete one message of a session.
    MessageGone {
        /// The client identifier.
        client_id: String,
        /// The message's key.
        seq: u64,
    },
    /// Put a retained message.
    Retained {
        /// Its topic.
        topic: String,
        /// The record.
        record: Vec<u8>,
    },
    /// Delete the retained message of a topic.
    RetainedGone {
        /// The topic.
        topic: String,
    },
}

/// One record read back from the store, for [`Broker::restore`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoredRecord<'a> {
    /// A session's own state.
    Session {
        /// The client identifier.
        client_id: &'a str,
        /// The record.
        record: &'a [u8],
    },
    /// One message of a session.
    Message {
        /// The client identifier.
        client_id: &'a str,
        /// The message's key.
        seq: u64,
        /// The record.
        record: &'a [u8],
    },
    /// A retained message.
    Retained {
        /// Its topic.
        topic: &'a str,
        /// The record.
        record: &'a [u8],
    },
}

/// A store that cannot be read back. The broker refuses it as a whole rather than start
/// from part of it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A record ends before its fields do.
    #[error("a stored record is cut short")]
    Truncated,
    /// A record of a format this version does not read.
    #[error("a stored record has format version {found}, this broker reads version 1")]
    Version {
        /// The version found.
        found: u8,
    },
    /// A field holds a value no write produces.
    #[error("a stored record is damaged: {0}")]
    Invalid(&'static str),
    /// A stored message is not a valid PUBLISH.
    #[error("a stored message is damaged: {0}")]
    Message(DecodeError),
    /// A message whose session is not in the store.
    #[error("a stored message belongs to client {0}, which has no stored session")]
    Orphan(String),
    /// A retained message filed under a topic other than its own.
    #[error("a stored retained message is filed under the wrong topic")]
    RetainedTopic,
    /// Two in-flight messages of a session under one packet identifier.
    #[error("client {0} has two stored messages in flight under one packet identifier")]
    PacketIdTwice(String),
}

/// The highest message sequence number a store may hold: one per delivery, so far beyond
/// any broker's lifetime, and far enough below `u64::MAX` that counting on never wraps.
const MAX_SEQ: u64 = 1 << 62;

/// What [`Broker::restore`] found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Restored {
    /// Sessions.
    pub sessions: usize,
    /// Messages queued or in flight, over all sessions.
    pub messages: usize,
    /// Retained messages.
    pub retained: usize,
}

/// What the store holds of one session, to write only what changed.
#[derive(Debug, Default)]
struct StoredSession {
    /// A hash of the session record last written.
    record_hash: Option<u64>,
    /// Each stored message's sequence number and stamp (state and packet identifier).
    messages: BTreeMap<u64, u32>,
}

/// What the store holds, as far as the broker needs to know.
#[derive(Debug, Default)]
pub(crate) struct Stored {
    sessions: BTreeMap<String, StoredSession>,
}

/// FNV-1a: enough to tell a record from the one written before.
fn hash(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Whether the session outlives its connection and so is stored.
fn kept(s: &Session) -> bool {
    s.expiry_secs != 0
}

impl Broker {
    /// Reads back what the store holds and turns persistence on: from now on
    /// [`Broker::store_changes`] gives what to write. Call it once, before any connection,
    /// with the records in any order (an empty store the first time).
    ///
    /// `now` is the caller's monotonic clock, as for every other call, and `wall_ms` the
    /// wall-clock time in milliseconds since any fixed epoch (the UNIX one), the same at
    /// every start: expiry intervals keep running while the broker is down.
    ///
    /// A damaged store is refused as a whole, and the broker is left as it was.
    pub fn restore<'a>(
        &mut self,
        records: impl IntoIterator<Item = StoredRecord<'a>>,
        now: Millis,
        wall_ms: u64,
    ) -> Result<Restored, StoreError> {
        let clocks = Clocks { now, wall_ms };
        let mut sessions: BTreeMap<String, record::StoredSession> = BTreeMap::new();
        let mut messages: Vec<(String, StoredDelivery)> = Vec::new();
        let mut retained = Vec::new();
        for r in records {
            match r {
                StoredRecord::Session { client_id, record } => {
                    let s = record::decode_session(record, clocks)?;
                    sessions.insert(String::from(client_id), s);
                }
                StoredRecord::Message {
                    client_id,
                    seq,
                    record,
                } => {
                    // One per delivery: a store never gets anywhere near this many.
                    if seq > MAX_SEQ {
                        return Err(StoreError::Invalid(
                            "a message sequence number out of range",
                        ));
                    }
                    let d = record::decode_delivery(record, seq, clocks)?;
                    messages.push((String::from(client_id), d));
                }
                StoredRecord::Retained { topic, record } => {
                    let msg = record::decode_retained(record, clocks)?;
                    if msg.topic.as_str() != topic {
                        return Err(StoreError::RetainedTopic);
                    }
                    retained.push(msg);
                }
            }
        }
        // Queued messages in the order they were delivered.
        messages.sort_by_key(|(_, d)| match d {
            StoredDelivery::Queued(d) => d.seq,
            StoredDelivery::InFlight(_, o) => o.delivery.seq,
        });
        let mut stored = Stored::default();
        let mut max_seq = 0;
        let found = Restored {
            sessions: sessions.len(),
            messages: messages.len(),
            retained: retained.len(),
        };
        for (client_id, d) in messages {
            let Some(s) = sessions.get_mut(&client_id) else {
                return Err(StoreError::Orphan(client_id));
            };
            let entry = stored.sessions.entry(client_id.clone()).or_default();
            let (seq, stamp) = match d {
                StoredDelivery::Queued(d) => {
                    let seq = d.seq;
                    s.session.queue.push_back(d);
                    (seq, record::stamp_of(None, 0))
                }
                StoredDelivery::InFlight(pid, out) => {
                    let (seq, state) = (out.delivery.seq, out.state);
                    if s.session.inflight.insert(pid, out).is_some() {
                        return Err(StoreError::PacketIdTwice(client_id));
                    }
                    (seq, record::stamp_of(Some(state), pid))
                }
            };
            max_seq = max_seq.max(seq);
            entry.messages.insert(seq, stamp);
        }
        // Nothing fails from here on: the broker takes the state.
        self.clock = now;
        self.next_seq = self.next_seq.max(max_seq);
        self.sessions.track();
        self.retained.track();
        let mut lost = Vec::new();
        for (client_id, s) in sessions {
            // Restoring over a session already held replaces it whole.
            self.end_session(&client_id);
            for filter in s.session.subscriptions.keys() {
                self.subs.insert(&client_id, filter);
            }
            if s.was_connected {
                lost.push(client_id.clone());
            }
            stored.sessions.entry(client_id.clone()).or_default();
            let mut session = s.session;
            self.cap_restored_expiry(&mut session, now);
            self.sessions.insert(client_id.clone(), session);
            self.index_session(&client_id);
        }
        for msg in retained {
            self.keep_retained(msg);
        }
        self.sessions.take_changed();
        self.retained.take_changed();
        self.stored = Some(stored);
        for client_id in lost {
            self.connection_lost_while_down(&client_id, now);
        }
        self.run_timers(now);
        self.settle_timers();
        Ok(found)
    }

    /// A stored session brought within [`BrokerConfig::max_session_expiry`], which may
    /// have been lowered since it was stored: its interval, and the time it ends (which
    /// [`Broker::connection_lost_while_down`] sets again for a client that was connected).
    ///
    /// [`BrokerConfig::max_session_expiry`]: super::BrokerConfig::max_session_expiry
    fn cap_restored_expiry(&self, session: &mut Session, now: Millis) {
        let kept = self.kept_expiry(session.expiry_secs);
        if kept == session.expiry_secs {
            return;
        }
        session.expiry_secs = kept;
        let latest = now.saturating_add(u64::from(kept) * 1000);
        session.expire_at = Some(session.expire_at.map_or(latest, |at| at.min(latest)));
    }

    /// A session whose client was connected when the broker stopped: its connection ended
    /// then, abnormally.
    fn connection_lost_while_down(&mut self, client_id: &str, now: Millis) {
        let Some(session) = self.sessions.get_mut(client_id) else {
            return;
        };
        if session.will.is_some() {
            session.will_at = Some(now.saturating_add(session.will_delay_ms));
        }
        if session.expiry_secs != u32::MAX {
            session.expire_at = Some(now.saturating_add(u64::from(session.expiry_secs) * 1000));
        }
        self.index_session(client_id);
    }

    /// What changed since the last call (or [`Broker::restore`]), to write in one
    /// transaction before carrying out the actions polled since. Empty while persistence
    /// is off. `now` and `wall_ms` as for [`Broker::restore`].
    pub fn store_changes(&mut self, now: Millis, wall_ms: u64) -> Vec<StoreChange> {
        let mut out = Vec::new();
        let Some(mut stored) = self.stored.take() else {
            return out;
        };
        let clocks = Clocks { now, wall_ms };
        for client_id in self.sessions.take_changed() {
            match self.sessions.get(&client_id) {
                Some(s) if kept(s) => session_changes(&client_id, s, &mut stored, clocks, &mut out),
                _ => {
                    if stored.sessions.remove(&client_id).is_some() {
                        out.push(StoreChange::SessionGone { client_id });
                    }
                }
            }
        }
        for topic in self.retained.take_changed() {
            out.push(match self.retained.get(&topic) {
                Some(msg) => StoreChange::Retained {
                    record: record::encode_retained(msg, clocks),
                    topic,
                },
                None => StoreChange::RetainedGone { topic },
            });
        }
        self.stored = Some(stored);
        out
    }
}

/// The writes that bring the store's copy of one session up to date.
fn session_changes(
    client_id: &str,
    s: &Session,
    stored: &mut Stored,
    clocks: Clocks,
    out: &mut Vec<StoreChange>,
) {
    let entry = stored.sessions.entry(String::from(client_id)).or_default();
    let record = record::encode_session(s, clocks);
    let h = hash(&record);
    if entry.record_hash != Some(h) {
        entry.record_hash = Some(h);
        out.push(StoreChange::Session {
            client_id: String::from(client_id),
            record,
        });
    }
    let queued = s.queue.iter().map(|d| (d, None, 0));
    let in_flight = s
        .inflight
        .iter()
        .map(|(pid, o)| (&o.delivery, Some(o.state), *pid));
    let mut now_held = BTreeMap::new();
    for (d, state, pid) in queued.chain(in_flight) {
        let stamp = record::stamp_of(state, pid);
        now_held.insert(d.seq, ());
        if entry.messages.insert(d.seq, stamp) != Some(stamp) {
            out.push(StoreChange::Message {
                client_id: String::from(client_id),
                seq: d.seq,
                record: record::encode_delivery(d, state, pid, clocks),
            });
        }
    }
    entry.messages.retain(|seq, _| {
        let keep = now_held.contains_key(seq);
        if !keep {
            out.push(StoreChange::MessageGone {
                client_id: String::from(client_id),
                seq: *seq,
            });
        }
        keep
    });
}
