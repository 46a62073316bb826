//! `--persistence DIR`: the broker core's records in redb, an embedded key-value store whose
//! commits are atomic and durable when they return (copy-on-write pages, checksummed, no
//! recovery log to replay). The core decides what to store; this file only writes it.

use mqtt_codec::broker::{StoreChange, StoredRecord};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use std::path::Path;

/// A session's own state, by client identifier.
const SESSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("sessions");
/// The messages of each session, by client identifier and sequence number.
const MESSAGES: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("messages");
/// Retained messages, by topic.
const RETAINED: TableDefinition<&str, &[u8]> = TableDefinition::new("retained");

/// The file inside the persistence directory.
const FILE: &str = "broker.redb";

/// The open store.
pub(crate) struct Store {
    db: Database,
}

/// Everything the store held when it was opened.
#[derive(Default)]
pub(crate) struct Contents {
    sessions: Vec<(String, Vec<u8>)>,
    messages: Vec<((String, u64), Vec<u8>)>,
    retained: Vec<(String, Vec<u8>)>,
}

impl Contents {
    /// The records, for `Broker::restore`.
    pub(crate) fn records(&self) -> impl Iterator<Item = StoredRecord<'_>> {
        let sessions = self.sessions.iter().map(|(c, r)| StoredRecord::Session {
            client_id: c,
            record: r,
        });
        let messages = self
            .messages
            .iter()
            .map(|((c, seq), r)| StoredRecord::Message {
                client_id: c,
                seq: *seq,
                record: r,
            });
        let retained = self.retained.iter().map(|(t, r)| StoredRecord::Retained {
            topic: t,
            record: r,
        });
        sessions.chain(messages).chain(retained)
    }
}

impl Store {
    /// Opens (or creates) the store in `dir` and reads everything in it. A second broker
    /// on the same directory is refused (redb locks the file).
    pub(crate) fn open(dir: &Path) -> Result<(Store, Contents), redb::Error> {
        std::fs::create_dir_all(dir).map_err(redb::Error::Io)?;
        let db = Database::create(dir.join(FILE))?;
        let tx = db.begin_write()?;
        tx.open_table(SESSIONS)?;
        tx.open_table(MESSAGES)?;
        tx.open_table(RETAINED)?;
        tx.commit()?;
        let mut contents = Contents::default();
        let rx = db.begin_read()?;
        for entry in rx.open_table(SESSIONS)?.iter()? {
            let (k, v) = entry?;
            contents
                .sessions
                .push((k.value().to_owned(), v.value().to_vec()));
        }
        for entry in rx.open_table(MESSAGES)?.iter()? {
            let (k, v) = entry?;
            let (client, seq) = k.value();
            contents
                .messages
                .push(((client.to_owned(), seq), v.value().to_vec()));
        }
        for entry in rx.open_table(RETAINED)?.iter()? {
            let (k, v) = entry?;
            contents
                .retained
                .push((k.value().to_owned(), v.value().to_vec()));
        }
        drop(rx);
        Ok((Store { db }, contents))
    }

    /// Writes `changes` in one transaction, durable when this returns.
    pub(crate) fn write(&self, changes: &[StoreChange]) -> Result<(), StoreWriteError> {
        // A change this loop cannot write would let the store drift from the broker.
        if let Some(unknown) = changes.iter().find(|c| !writable(c)) {
            return Err(StoreWriteError::Unknown(format!("{unknown:?}")));
        }
        self.write_all(changes).map_err(StoreWriteError::Store)
    }

    fn write_all(&self, changes: &[StoreChange]) -> Result<(), redb::Error> {
        let tx = self.db.begin_write()?;
        {
            let mut sessions = tx.open_table(SESSIONS)?;
            let mut messages = tx.open_table(MESSAGES)?;
            let mut retained = tx.open_table(RETAINED)?;
            for change in changes {
                match change {
                    StoreChange::Session { client_id, record } => {
                        sessions.insert(client_id.as_str(), record.as_slice())?;
                    }
                    StoreChange::SessionGone { client_id } => {
                        let id = client_id.as_str();
                        sessions.remove(id)?;
                        messages.retain_in((id, 0)..=(id, u64::MAX), |_, _| false)?;
                    }
                    StoreChange::Message {
                        client_id,
                        seq,
                        record,
                    } => {
                        messages.insert((client_id.as_str(), *seq), record.as_slice())?;
                    }
                    StoreChange::MessageGone { client_id, seq } => {
                        messages.remove((client_id.as_str(), *seq))?;
                    }
                    StoreChange::Retained { topic, record } => {
                        retained.insert(topic.as_str(), record.as_slice())?;
                    }
                    StoreChange::RetainedGone { topic } => {
                        retained.remove(topic.as_str())?;
                    }
                    _ => {} // refused by `write`
                }
            }
        }
        tx.commit()?;
        Ok(())
    }
}

/// A write that did not happen.
#[derive(Debug)]
pub(crate) enum StoreWriteError {
    /// The store failed.
    Store(redb::Error),
    /// A change of a kind this loop does not know how to write.
    Unknown(String),
    /// The task that wrote ended without saying how the write went.
    Lost(String),
}

impl std::fmt::Display for StoreWriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreWriteError::Store(e) => write!(f, "{e}"),
            StoreWriteError::Unknown(change) => {
                write!(f, "a store change this broker cannot write: {change}")
            }
            StoreWriteError::Lost(why) => write!(f, "the write task ended: {why}"),
        }
    }
}

impl std::error::Error for StoreWriteError {}

/// Whether `write_all` knows how to write `change`.
fn writable(change: &StoreChange) -> bool {
    matches!(
        change,
        StoreChange::Session { .. }
            | StoreChange::SessionGone { .. }
            | StoreChange::Message { .. }
            | StoreChange::MessageGone { .. }
            | StoreChange::Retained { .. }
            | StoreChange::RetainedGone { .. }
    )
}

/// Milliseconds of wall-clock time since the UNIX epoch: what the core measures expiry
/// against across a restart.
pub(crate) fn wall_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
