//! The session's state as bytes, so that a device or a script keeps it across restarts: what
//! is in flight, what is queued, the QoS 2 messages received and not yet released, the
//! granted subscriptions and the client identifier.
//!
//! The format, all integers big-endian, the same for both sessions (a snapshot of one
//! restores into the other):
//!
//! ```text
//! "MQCS" | format version (2) | protocol level | flags (bit 0: a session is expected;
//!        |   bit 1: a CONNECT that may have made a new session went unanswered, so the
//!        |   next one starts clean)
//!        | next packet identifier (u16) | client identifier (u16 length + UTF-8)
//!        | in flight, in the order first sent: count (u16), each: stage 0 (PUBACK or
//!        |   PUBREC awaited) + PUBLISH (u32 length + bytes), or stage 1 (PUBCOMP awaited)
//!        |   + packet identifier (u16)
//!        | queued: count (u32), each: PUBLISH (u32 length + bytes)
//!        | QoS 2 received: count (u16), each: packet identifier (u16)
//!        | subscriptions: count (u32), each: filter (u16 length + UTF-8) + options byte
//! ```
//!
//! Each PUBLISH is its encoding under the session's version, packet identifier included.
//! Format version 1 differs only in a stage 1 entry, which held the whole PUBLISH; it is
//! still read. Any other version is refused with [`SnapshotError::Format`].

use super::config::SessionConfig;
use super::lifetime::Lifetime;
use super::session::{Outgoing, Session, Stage};
use super::snapshot_format::{Reader, SnapshotError, FORMAT, MAGIC, STAGE_RELEASED, STAGE_SENT};
use crate::packet::{Packet, PacketId, Publish, SubscriptionOptions};
use crate::parse::{ParseOptions, Status};
use crate::qos::QoS;
use crate::topic::{TopicFilter, TopicName};
use crate::version::ProtocolVersion;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

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

/// A QoS 1 or 2 PUBLISH from its encoding under `version`.
fn publish(bytes: &[u8], version: ProtocolVersion) -> Result<Publish, SnapshotError> {
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
        let entries: Vec<(&Outgoing, Option<Bytes>)> = inflight
            .iter()
            .filter_map(|(_, o)| match o.stage {
                Stage::Released => Some((*o, None)),
                Stage::Sent => encode(&o.publish).map(|b| (*o, Some(b))),
            })
            .collect();
        put_u16(&mut out, entries.len() as u16);
        for (o, bytes) in entries {
            match bytes {
                Some(bytes) => {
                    out.push(STAGE_SENT);
                    put_u32(&mut out, bytes.len() as u32);
                    out.extend_from_slice(&bytes);
                }
                None => {
                    out.push(STAGE_RELEASED);
                    put_u16(&mut out, o.publish.packet_id.map_or(0, PacketId::get));
                }
            }
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
        let version = config.version;
        let format = r.header(version)?;
        let flags = r.u8()?;
        let next_id = r.u16()?;
        let client_id = String::from(r.str()?);
        let mut session = Session::new(SessionConfig {
            client_id,
            ..config
        });
        session.session_expected = flags & 1 != 0;
        let v5 = session.config.version.is_v5();
        session.lifetime = Lifetime::restored(flags & 2 != 0, v5);
        session.next_id = next_id;
        for _ in 0..r.u16()? {
            let (stage, publish) = match (r.u8()?, format) {
                (STAGE_SENT, _) => (Stage::Sent, publish(r.frame()?, version)?),
                (STAGE_RELEASED, 1) => (Stage::Released, publish(r.frame()?, version)?),
                // Version 2 keeps the identifier alone: a stand-in message holds it (only
                // its PUBREL is sent again, and a later snapshot writes the identifier).
                (STAGE_RELEASED, _) => {
                    let id = PacketId::new(r.u16()?)
                        .ok_or(SnapshotError::Corrupt("packet identifier 0"))?;
                    let topic = TopicName::from_static("$released")
                        .map_err(|_| SnapshotError::Corrupt("stand-in topic"))?;
                    (
                        Stage::Released,
                        Publish::with_qos(topic, Bytes::new(), QoS::ExactlyOnce, id),
                    )
                }
                _ => return Err(SnapshotError::Corrupt("an unknown stage")),
            };
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
            let publish = publish(r.frame()?, version)?;
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
            let filter = String::from(r.str()?);
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
