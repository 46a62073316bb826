//! The session's state as bytes, so that a device or a script keeps it across restarts: what
//! is in flight, what is queued, the QoS 2 messages received and not yet released, the
//! granted subscriptions and the client identifier.
//!
//! The format, all integers big-endian:
//!
//! ```text
//! "MQCS" | format version (1) | protocol level | flags (bit 0: a session is expected;
//!        |   bit 1: a CONNECT that may have made a new session went unanswered, so the
//!        |   next one starts clean)
//!        | next packet identifier (u16) | client identifier (u16 length + UTF-8)
//!        | in flight: count (u16), each: stage (0 sent, 1 released) + PUBLISH (u32 length + bytes)
//!        | queued: count (u32), each: PUBLISH (u32 length + bytes)
//!        | QoS 2 received: count (u16), each: packet identifier (u16)
//!        | subscriptions: count (u32), each: filter (u16 length + UTF-8) + options byte
//! ```
//!
//! Each PUBLISH is its encoding under the session's version, packet identifier included. A
//! snapshot of another format version is refused with [`SnapshotError::Format`]; this is the
//! first, and a later one will read it.

use super::config::SessionConfig;
use super::lifetime::Lifetime;
use super::session::{Outgoing, Session, Stage};
use crate::packet::{Packet, PacketId, Publish, SubscriptionOptions};
use crate::parse::{ParseOptions, Status};
use crate::topic::TopicFilter;
use crate::version::ProtocolVersion;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

const MAGIC: &[u8; 4] = b"MQCS";
const FORMAT: u8 = 1;

/// Why a snapshot was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// Not a session snapshot.
    #[error("not a session snapshot (no MQCS magic)")]
    NotASnapshot,
    /// A snapshot of a format version this library does not read.
    #[error("snapshot format version {0}; this library reads version 1")]
    Format(u8),
    /// A snapshot of a session of another protocol version than the configuration's.
    #[error(
        "the snapshot is of a protocol level {found} session, the configuration says {expected}"
    )]
    Version {
        /// The configuration's protocol level.
        expected: u8,
        /// The snapshot's.
        found: u8,
    },
    /// Cut short, or a field that does not hold what it must.
    #[error("corrupt snapshot: {0}")]
    Corrupt(&'static str),
}

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u16(out, u16::try_from(s.len()).unwrap_or(u16::MAX));
    out.extend_from_slice(
        s.as_bytes()
            .get(..usize::from(u16::MAX))
            .unwrap_or(s.as_bytes()),
    );
}

/// A reader over the snapshot that fails with [`SnapshotError::Corrupt`] when cut short.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let (head, rest) = self
            .0
            .split_at_checked(n)
            .ok_or(SnapshotError::Corrupt("cut short"))?;
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.take(1)?.first().copied().unwrap_or(0))
    }
    fn u16(&mut self) -> Result<u16, SnapshotError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, SnapshotError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn string(&mut self) -> Result<String, SnapshotError> {
        let len = self.u16()?;
        let bytes = self.take(usize::from(len))?;
        core::str::from_utf8(bytes)
            .map(String::from)
            .map_err(|_| SnapshotError::Corrupt("a string is not UTF-8"))
    }
    fn publish(&mut self, version: ProtocolVersion) -> Result<Publish, SnapshotError> {
        let len = self.u32()? as usize;
        let bytes = self.take(len)?;
        let opts = ParseOptions::new(version);
        match crate::parse_owned(bytes, &opts, Bytes::copy_from_slice) {
            Ok(Status::Complete((Packet::Publish(p), used)))
                if used == bytes.len() && p.packet_id.is_some() =>
            {
                Ok(p)
            }
            _ => Err(SnapshotError::Corrupt(
                "a message is not a QoS 1 or 2 PUBLISH",
            )),
        }
    }
}

impl Session {
    /// The session's state as bytes (see the module docs for the format). Take it after
    /// the connection ended, or at any time: what is in flight is resent after
    /// [`Session::from_snapshot`] and `connect`, as after a reconnect.
    pub fn snapshot(&self) -> Vec<u8> {
        let version = self.config.version;
        let encode = |p: &Publish| Packet::Publish(p.clone()).to_bytes(version).ok();
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.push(FORMAT);
        out.push(version.level());
        let doubtful = self.lifetime.doubtful_if_ended_now(self.is_connecting());
        out.push(u8::from(self.session_expected) | u8::from(doubtful) << 1);
        put_u16(&mut out, self.next_id);
        put_str(&mut out, &self.config.client_id);
        let mut inflight: Vec<(&u64, &Outgoing)> =
            self.outgoing.values().map(|o| (&o.order, o)).collect();
        inflight.sort_by_key(|(order, _)| **order);
        let encoded: Vec<(u8, Bytes)> = inflight
            .iter()
            .filter_map(|(_, o)| {
                encode(&o.publish).map(|b| (u8::from(o.stage == Stage::Released), b))
            })
            .collect();
        put_u16(&mut out, encoded.len() as u16);
        for (stage, bytes) in encoded {
            out.push(stage);
            put_u32(&mut out, bytes.len() as u32);
            out.extend_from_slice(&bytes);
        }
        let queued: Vec<Bytes> = self.queued.iter().filter_map(|(_, p)| encode(p)).collect();
        put_u32(&mut out, queued.len() as u32);
        for bytes in queued {
            put_u32(&mut out, bytes.len() as u32);
            out.extend_from_slice(&bytes);
        }
        put_u16(&mut out, self.incoming_qos2.len() as u16);
        for id in &self.incoming_qos2 {
            put_u16(&mut out, *id);
        }
        put_u32(&mut out, self.subscriptions.len() as u32);
        for (filter, options) in self.subscriptions.values() {
            put_str(&mut out, filter.as_str());
            out.push(options.to_byte(version).unwrap_or(0));
        }
        out
    }

    /// A session restored from [`Session::snapshot`]'s bytes, with `config` (whose version
    /// must be the snapshot's). Call `connect` to resume.
    pub fn from_snapshot(config: SessionConfig, snapshot: &[u8]) -> Result<Session, SnapshotError> {
        let mut r = Reader(snapshot);
        if r.take(4).map_err(|_| SnapshotError::NotASnapshot)? != MAGIC {
            return Err(SnapshotError::NotASnapshot);
        }
        let format = r.u8()?;
        if format != FORMAT {
            return Err(SnapshotError::Format(format));
        }
        let version = config.version;
        let level = r.u8()?;
        if level != version.level() {
            return Err(SnapshotError::Version {
                expected: version.level(),
                found: level,
            });
        }
        let flags = r.u8()?;
        let next_id = r.u16()?;
        let client_id = r.string()?;
        let mut session = Session::new(SessionConfig {
            client_id,
            ..config
        });
        session.session_expected = flags & 1 != 0;
        let v5 = session.config.version.is_v5();
        session.lifetime = Lifetime::restored(flags & 2 != 0, v5);
        session.next_id = next_id;
        for _ in 0..r.u16()? {
            let stage = match r.u8()? {
                0 => Stage::Sent,
                1 => Stage::Released,
                _ => return Err(SnapshotError::Corrupt("an unknown stage")),
            };
            let publish = r.publish(version)?;
            let Some(id) = publish.packet_id else {
                return Err(SnapshotError::Corrupt("a message without identifier"));
            };
            session.next_order += 1;
            session.outgoing.insert(
                id.get(),
                Outgoing {
                    publish,
                    stage,
                    order: session.next_order,
                },
            );
        }
        for _ in 0..r.u32()? {
            let publish = r.publish(version)?;
            let Some(id) = publish.packet_id else {
                return Err(SnapshotError::Corrupt("a message without identifier"));
            };
            session.queued.push_back((id, publish));
        }
        for _ in 0..r.u16()? {
            let id = r.u16()?;
            if PacketId::new(id).is_none() {
                return Err(SnapshotError::Corrupt("packet identifier 0"));
            }
            session.incoming_qos2.insert(id);
        }
        for _ in 0..r.u32()? {
            let filter = r.string()?;
            let options = SubscriptionOptions::from_byte(r.u8()?, version)
                .map_err(|_| SnapshotError::Corrupt("invalid subscription options"))?;
            let parsed = TopicFilter::for_version(&filter, version)
                .map_err(|_| SnapshotError::Corrupt("an invalid topic filter"))?;
            session.subscriptions.insert(filter, (parsed, options));
        }
        if !r.0.is_empty() {
            return Err(SnapshotError::Corrupt("bytes after the end"));
        }
        Ok(session)
    }
}
