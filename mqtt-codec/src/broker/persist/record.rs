//! The byte format of stored records: a session's state, one message of a session, one
//! retained message. Every record opens with its format version.
//!
//! A message travels as an MQTT 5.0 PUBLISH packet (topic, payload, QoS, retain and the
//! forwarded properties), so the codec's own strict parser checks it on the way back in.
//! Deadlines are stored as wall-clock milliseconds, since the caller's monotonic clock
//! starts again with the process.

use super::super::message::Message;
use super::super::session::{Delivery, OutState, Outgoing, Session, SubEntry};
use super::super::Millis;
use super::StoreError;
use crate::packet::{Packet, PacketId, PacketRef, SubscriptionOptions};
use crate::parse::{parse, ParseOptions, Status};
use crate::qos::QoS;
use crate::topic::{validate_topic_filter, TopicName};
use crate::version::ProtocolVersion;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

/// The format written; a record of another version is refused.
pub(super) const FORMAT: u8 = 1;

/// The longest Subscription Identifier (a four-byte variable byte integer).
const MAX_SUB_ID: u32 = 268_435_455;

/// Maps the caller's monotonic clock to wall-clock time for one write or one restore.
#[derive(Clone, Copy)]
pub(super) struct Clocks {
    pub(super) now: Millis,
    pub(super) wall_ms: u64,
}

impl Clocks {
    fn wall_of(self, at: Millis) -> u64 {
        self.wall_ms.saturating_add(at.saturating_sub(self.now))
    }

    fn monotonic_of(self, wall: u64) -> Millis {
        self.now.saturating_add(wall.saturating_sub(self.wall_ms))
    }
}

/// Where a stored message stands in its session.
pub(super) fn stamp_of(state: Option<OutState>, pid: u16) -> u32 {
    let code = match state {
        None => 0,
        Some(OutState::AwaitAck) => 1,
        Some(OutState::AwaitComp) => 2,
    };
    (code << 16) | u32::from(pid)
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn opt_u64(&mut self, v: Option<u64>) {
        match v {
            Some(v) => {
                self.u8(1);
                self.u64(v);
            }
            None => self.u8(0),
        }
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u32(b.len() as u32);
        self.0.extend_from_slice(b);
    }
    fn len(&mut self, n: usize) {
        self.u32(n as u32);
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StoreError> {
        if self.0.len() < n {
            return Err(StoreError::Truncated);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, StoreError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, StoreError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, StoreError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, StoreError> {
        let hi = u64::from(self.u32()?);
        Ok(hi << 32 | u64::from(self.u32()?))
    }
    fn flag(&mut self) -> Result<bool, StoreError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(StoreError::Invalid("a flag other than 0 or 1")),
        }
    }
    fn opt_u64(&mut self) -> Result<Option<u64>, StoreError> {
        Ok(match self.flag()? {
            true => Some(self.u64()?),
            false => None,
        })
    }
    fn bytes(&mut self) -> Result<&'a [u8], StoreError> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    /// A count of items each at least `min_size` bytes long: one the rest of the record
    /// cannot hold is refused before anything is reserved for it.
    fn count(&mut self, min_size: usize) -> Result<usize, StoreError> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_size) > self.0.len() {
            return Err(StoreError::Truncated);
        }
        Ok(n)
    }
    fn version(&mut self) -> Result<(), StoreError> {
        match self.u8()? {
            FORMAT => Ok(()),
            found => Err(StoreError::Version { found }),
        }
    }
    fn end(&self) -> Result<(), StoreError> {
        match self.0.is_empty() {
            true => Ok(()),
            false => Err(StoreError::Invalid("bytes after the end of the record")),
        }
    }
}

fn qos_of(byte: u8) -> Result<QoS, StoreError> {
    QoS::try_from(byte).map_err(|_| StoreError::Invalid("a QoS above 2"))
}

fn write_message(w: &mut Writer, msg: &Message, clocks: Clocks) {
    w.opt_u64(msg.expires_at.map(|at| clocks.wall_of(at)));
    match &msg.origin {
        Some(origin) => {
            w.u8(1);
            w.bytes(origin);
        }
        None => w.u8(0),
    }
    let mut publish = msg.to_publish(msg.qos, msg.retain, &[], clocks.now, true);
    // The expiry travels as the wall-clock deadline above; a will not yet published keeps
    // its interval in the frame instead (see `Message::from_will`).
    if msg.expires_at.is_some() {
        publish.properties.message_expiry_interval = None;
    }
    if msg.qos != QoS::AtMostOnce {
        publish.packet_id = PacketId::new(1);
    }
    let mut bytes = Vec::new();
    if Packet::Publish(publish)
        .encode(ProtocolVersion::V5, &mut bytes)
        .is_err()
    {
        // The message came from a PUBLISH or a will the codec accepted: it encodes.
        bytes.clear();
    }
    w.bytes(&bytes);
}

fn read_message(r: &mut Reader<'_>, clocks: Clocks) -> Result<Message, StoreError> {
    let expires_at = r.opt_u64()?.map(|wall| clocks.monotonic_of(wall));
    let origin = match r.flag()? {
        true => Some(Bytes::copy_from_slice(r.bytes()?)),
        false => None,
    };
    let frame = r.bytes()?;
    let publish = match parse(frame, &ParseOptions::new(ProtocolVersion::V5)) {
        Ok(Status::Complete((packet, used))) if used == frame.len() => match packet {
            PacketRef::Publish(p) => p.to_owned(),
            _ => return Err(StoreError::Invalid("a message that is not a PUBLISH")),
        },
        Ok(_) => return Err(StoreError::Truncated),
        Err(e) => return Err(StoreError::Message(e)),
    };
    if publish.topic.is_empty() {
        return Err(StoreError::Invalid("a message without a topic"));
    }
    let topic: TopicName = publish.topic.clone();
    let mut msg = Message::from_publish(&publish, topic, "", clocks.now);
    msg.expires_at = expires_at;
    msg.origin = origin;
    // Only a will not yet published is stored with an interval and no deadline.
    if let (None, Some(secs)) = (expires_at, publish.properties.message_expiry_interval) {
        msg.properties.message_expiry_interval = Some(secs);
    }
    Ok(msg)
}

/// A retained message.
pub(super) fn encode_retained(msg: &Message, clocks: Clocks) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.u8(FORMAT);
    write_message(&mut w, msg, clocks);
    w.0
}

pub(super) fn decode_retained(data: &[u8], clocks: Clocks) -> Result<Message, StoreError> {
    let mut r = Reader(data);
    r.version()?;
    let msg = read_message(&mut r, clocks)?;
    r.end()?;
    Ok(msg)
}

/// One message of a session: queued (`state` `None`) or in flight under `pid`.
pub(super) fn encode_delivery(
    d: &Delivery,
    state: Option<OutState>,
    pid: u16,
    clocks: Clocks,
) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.u8(FORMAT);
    w.u32(stamp_of(state, pid));
    w.u8(d.qos as u8);
    w.u8(u8::from(d.retain));
    w.len(d.sub_ids.len());
    for id in &d.sub_ids {
        w.u32(*id);
    }
    write_message(&mut w, &d.msg, clocks);
    w.0
}

/// A message of a session as read back: in flight under a packet identifier, or queued.
pub(super) enum StoredDelivery {
    Queued(Delivery),
    InFlight(u16, Outgoing),
}

pub(super) fn decode_delivery(
    data: &[u8],
    seq: u64,
    clocks: Clocks,
) -> Result<StoredDelivery, StoreError> {
    let mut r = Reader(data);
    r.version()?;
    let stamp = r.u32()?;
    let qos = qos_of(r.u8()?)?;
    let retain = r.flag()?;
    let n = r.count(4)?;
    let mut sub_ids = Vec::with_capacity(n);
    for _ in 0..n {
        let id = r.u32()?;
        if id == 0 || id > MAX_SUB_ID {
            return Err(StoreError::Invalid(
                "a subscription identifier out of range",
            ));
        }
        sub_ids.push(id);
    }
    let msg = read_message(&mut r, clocks)?;
    r.end()?;
    if qos > msg.qos || qos == QoS::AtMostOnce {
        return Err(StoreError::Invalid("a stored delivery's QoS"));
    }
    let delivery = Delivery {
        msg,
        qos,
        retain,
        sub_ids,
        seq,
    };
    let pid = (stamp & 0xFFFF) as u16;
    let state = match stamp >> 16 {
        0 if pid == 0 => return Ok(StoredDelivery::Queued(delivery)),
        1 => OutState::AwaitAck,
        2 if qos == QoS::ExactlyOnce => OutState::AwaitComp,
        _ => return Err(StoreError::Invalid("a stored delivery's state")),
    };
    if pid == 0 {
        return Err(StoreError::Invalid("packet identifier 0"));
    }
    Ok(StoredDelivery::InFlight(
        pid,
        Outgoing {
            delivery,
            state,
            awaiting_resend: false,
            released_before: false,
            released_at: 0,
        },
    ))
}

/// A session's own state: everything but its messages.
pub(super) fn encode_session(s: &Session, clocks: Clocks) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.u8(FORMAT);
    w.u8(u8::from(s.bridge) | u8::from(s.conn.is_some()) << 1);
    w.u32(s.expiry_secs);
    w.opt_u64(s.expire_at.map(|at| clocks.wall_of(at)));
    match &s.will {
        Some(will) => {
            w.u8(1);
            w.u64(s.will_delay_ms);
            w.opt_u64(s.will_at.map(|at| clocks.wall_of(at)));
            write_message(&mut w, will, clocks);
        }
        None => w.u8(0),
    }
    w.u16(s.next_pid);
    w.len(s.incoming_qos2.len());
    for id in &s.incoming_qos2 {
        w.u16(*id);
    }
    w.len(s.subscriptions.len());
    for (filter, entry) in s.subscriptions.iter() {
        w.bytes(filter.as_bytes());
        // Every option has a 5.0 encoding.
        w.u8(entry.options.to_byte(ProtocolVersion::V5).unwrap_or(0));
        w.u32(entry.id.unwrap_or(0));
        w.u8(u8::from(entry.shared));
    }
    w.0
}

/// A session as read back, without its messages; `was_connected` when its client was
/// connected at the time of the write.
pub(super) struct StoredSession {
    pub(super) session: Session,
    pub(super) was_connected: bool,
}

pub(super) fn decode_session(data: &[u8], clocks: Clocks) -> Result<StoredSession, StoreError> {
    let mut r = Reader(data);
    r.version()?;
    let flags = r.u8()?;
    if flags & !3 != 0 {
        return Err(StoreError::Invalid("unknown session flags"));
    }
    let mut s = Session::new(0);
    s.conn = None;
    s.bridge = flags & 1 != 0;
    s.expiry_secs = r.u32()?;
    if s.expiry_secs == 0 {
        return Err(StoreError::Invalid(
            "a stored session that ends with its connection",
        ));
    }
    s.expire_at = r.opt_u64()?.map(|wall| clocks.monotonic_of(wall));
    if r.flag()? {
        s.will_delay_ms = r.u64()?;
        s.will_at = r.opt_u64()?.map(|wall| clocks.monotonic_of(wall));
        s.will = Some(read_message(&mut r, clocks)?);
    }
    s.next_pid = r.u16()?;
    for _ in 0..r.count(2)? {
        let id = r.u16()?;
        if id == 0 || !s.incoming_qos2.insert(id) {
            return Err(StoreError::Invalid("a received QoS 2 packet identifier"));
        }
    }
    for _ in 0..r.count(10)? {
        let filter = core::str::from_utf8(r.bytes()?)
            .map_err(|_| StoreError::Invalid("a subscription filter that is not UTF-8"))?;
        let options = SubscriptionOptions::from_byte(r.u8()?, ProtocolVersion::V5)
            .map_err(|_| StoreError::Invalid("invalid subscription options"))?;
        let id = match r.u32()? {
            0 => None,
            id if id <= MAX_SUB_ID => Some(id),
            _ => {
                return Err(StoreError::Invalid(
                    "a subscription identifier out of range",
                ))
            }
        };
        let shared = r.flag()?;
        // Under the rules it was accepted by: `$share/` is a plain filter to a 3.x client,
        // which may name a group 5.0 would refuse (`$share//t`, `$share/+/t`) and is still
        // routed as a share (see the SUBSCRIBE handler); only 5.0's rules make it stricter.
        validate_topic_filter(filter, shared)
            .or_else(|_| validate_topic_filter(filter, false))
            .map_err(|_| StoreError::Invalid("an invalid subscription filter"))?;
        let entry = SubEntry {
            options,
            id,
            shared,
        };
        if s.subscriptions
            .insert(String::from(filter), entry)
            .is_some()
        {
            return Err(StoreError::Invalid("a subscription filter twice"));
        }
    }
    r.end()?;
    Ok(StoredSession {
        session: s,
        was_connected: flags & 2 != 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::Publish;

    const CLOCKS: Clocks = Clocks {
        now: 5_000,
        wall_ms: 1_700_000_000_000,
    };

    fn message() -> Message {
        let mut p = Publish::new(TopicName::new("a/b").unwrap(), &b"payload"[..]);
        p.qos = QoS::ExactlyOnce;
        p.properties.content_type = Some("text/plain".try_into().unwrap());
        p.properties.message_expiry_interval = Some(60);
        Message::from_publish(&p, p.topic.clone(), "publisher", CLOCKS.now)
    }

    #[test]
    fn a_delivery_in_flight_reads_back_as_written() {
        let d = Delivery {
            msg: message(),
            qos: QoS::AtLeastOnce,
            retain: true,
            sub_ids: alloc::vec![7, 9],
            seq: 42,
        };
        let data = encode_delivery(&d, Some(OutState::AwaitAck), 12, CLOCKS);
        // A restart 10 s later, on a clock that started again.
        let later = Clocks {
            now: 100,
            wall_ms: CLOCKS.wall_ms + 10_000,
        };
        let StoredDelivery::InFlight(12, out) = decode_delivery(&data, 42, later).unwrap() else {
            panic!("not in flight under 12")
        };
        let got = out.delivery;
        assert_eq!(out.state, OutState::AwaitAck);
        assert_eq!(
            (got.qos, got.retain, got.sub_ids, got.seq),
            (d.qos, true, d.sub_ids, 42)
        );
        assert_eq!(got.msg.payload, d.msg.payload);
        assert_eq!(got.msg.origin.as_deref(), Some(&b"publisher"[..]));
        assert_eq!(
            got.msg.properties.content_type,
            d.msg.properties.content_type
        );
        // 60 s of expiry less the 10 s the broker was down.
        assert_eq!(got.msg.expires_at, Some(100 + 50_000));
    }

    #[test]
    fn a_record_of_another_format_or_cut_short_is_refused() {
        let data = encode_retained(&message(), CLOCKS);
        for cut in 0..data.len() {
            assert!(
                decode_retained(&data[..cut], CLOCKS).is_err(),
                "cut at {cut}"
            );
        }
        let mut other = data.clone();
        other[0] = 9;
        assert_eq!(
            decode_retained(&other, CLOCKS).unwrap_err(),
            StoreError::Version { found: 9 }
        );
        let mut longer = data;
        longer.push(0);
        assert!(decode_retained(&longer, CLOCKS).is_err());
    }
}
