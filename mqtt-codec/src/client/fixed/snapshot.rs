//! The heap-free session's state as bytes, in the format of the allocating session's
//! snapshot (`client/snapshot.rs`, either restores into the other), written into a buffer
//! of the caller's and read back into a new session's storage, so that a device keeps what
//! is in flight across a reboot.
//!
//! What the heap-free session does not keep is not written: the list of subscriptions (none
//! are written; one read sets only that the session had subscribed, so that a server
//! without the session is reported with `SubscriptionsLost`), and reports not yet polled.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::config::{FixedConfig, FixedStorage};
use super::session::FixedSession;
use super::slots::{In, InSlot, Out, OutSlot};
use super::table::Memory;
use crate::client::lifetime::Lifetime;
use crate::client::snapshot_format::{
    Reader, SnapshotError, FORMAT, FORMAT_WITHOUT_HELD, MAGIC, STAGE_HELD, STAGE_RELEASED,
    STAGE_SENT,
};
use crate::packet::{Packet, PacketId};
use crate::parse::{parse, ParseOptions, Status};
use crate::qos::QoS;

/// Writes into the caller's buffer, counting what does not fit.
struct Writer<'o> {
    out: &'o mut [u8],
    len: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.len.saturating_add(bytes.len());
        if let Some(dst) = self.out.get_mut(self.len..end) {
            dst.copy_from_slice(bytes);
        }
        self.len = end;
    }
    fn u8(&mut self, v: u8) {
        self.put(&[v]);
    }
    fn u16(&mut self, v: u16) {
        self.put(&v.to_be_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.put(&v.to_be_bytes());
    }
    fn frame(&mut self, bytes: &[u8]) {
        self.u32(u32::try_from(bytes.len()).unwrap_or(u32::MAX));
        self.put(bytes);
    }
}

impl<'s> FixedSession<'s> {
    /// The session's state as bytes, written into `out`: what is in flight (in the order
    /// first sent), what is queued, the server's QoS 2 messages not yet released, the client
    /// identifier. Returns the length, or [`SnapshotError::BufferTooSmall`] with the length
    /// needed. Take it at any time; after [`FixedSession::from_snapshot`] and `connect`,
    /// what was in flight is resent as after a reconnect. A QoS 2 message already delivered
    /// to the application counts as received even before its manual acknowledgement: the
    /// server's resend after the restore is not delivered again (exactly once), so an
    /// application that acknowledges by hand takes the snapshot with what it has
    /// processed. A QoS 1 message not yet acknowledged is delivered again (at least once).
    pub fn snapshot(&self, out: &mut [u8]) -> Result<usize, SnapshotError> {
        self.snapshot_with(out, self.client_id(), &[])
    }

    /// [`FixedSession::snapshot`] with the client identifier and the subscriptions (filter,
    /// options byte) of the caller's.
    pub(crate) fn snapshot_with(
        &self,
        out: &mut [u8],
        client_id: &str,
        subscriptions: &[(&str, u8)],
    ) -> Result<usize, SnapshotError> {
        let c = &self.core;
        let mut w = Writer { out, len: 0 };
        w.put(MAGIC);
        w.u8(if c.holds_ids() {
            FORMAT
        } else {
            FORMAT_WITHOUT_HELD
        });
        w.u8(c.config.version.level());
        // A CONNECT waiting, handed out or not: the snapshot may be the last one taken before
        // it goes out and the process ends, so it keeps the doubt either way.
        let connecting = matches!(c.state, crate::client::rules::State::Connecting { .. });
        let doubtful = c.lifetime.doubtful_if_ended_now(connecting);
        w.u8(u8::from(c.session_expected) | u8::from(doubtful) << 1);
        w.u16(c.next_id);
        let id = client_id.as_bytes();
        w.u16(u16::try_from(id.len()).unwrap_or(u16::MAX));
        w.put(id);
        let in_flight: fn(&OutSlot) -> bool = |o| o.in_flight() || o.holds_id();
        let records = c.outgoing.iter().filter(|o| in_flight(o)).count();
        let in_table = c.table_held_ids().count();
        w.u16(u16::try_from(records.saturating_add(in_table)).unwrap_or(0));
        for n in c.table_held_ids() {
            w.u8(STAGE_HELD);
            w.u16(n);
        }
        for o in oldest_first(&c.outgoing, c.next_order, in_flight) {
            if o.holds_id() {
                w.u8(STAGE_HELD);
                w.u16(o.packet_id);
            } else if matches!(o.state, Out::Released { .. }) {
                w.u8(STAGE_RELEASED);
                w.u16(o.packet_id);
            } else {
                w.u8(STAGE_SENT);
                w.frame(c.messages.get(o.frame));
            }
        }
        let queued: fn(&OutSlot) -> bool = |o| o.state == Out::Queued;
        w.u32(u32::try_from(c.outgoing.iter().filter(|o| queued(o)).count()).unwrap_or(0));
        for o in oldest_first(&c.outgoing, c.next_order, queued) {
            w.frame(c.messages.get(o.frame));
        }
        let released = |s: &&InSlot| matches!(s.state, In::Received | In::Owed { qos2: true, .. });
        let count = c.incoming.iter().filter(released).count();
        w.u16(u16::try_from(count).unwrap_or(0));
        for s in c.incoming.iter().filter(released) {
            w.u16(s.packet_id);
        }
        w.u32(u32::try_from(subscriptions.len()).unwrap_or(0));
        for (filter, options) in subscriptions {
            w.u16(u16::try_from(filter.len()).unwrap_or(u16::MAX));
            w.put(filter.as_bytes());
            w.u8(*options);
        }
        match w.len <= w.out.len() {
            true => Ok(w.len),
            false => Err(SnapshotError::BufferTooSmall { needed: w.len }),
        }
    }

    /// A session in `storage` restored from `snapshot` (of this session or of the allocating
    /// one, format version 1 to 3), with `config`, whose version must be the snapshot's and
    /// whose client identifier gives way to the snapshot's (up to 64 bytes). Call `connect`
    /// to resume. [`SnapshotError::StorageFull`] when the storage cannot hold what the
    /// snapshot holds.
    pub fn from_snapshot(
        config: FixedConfig<'s>,
        storage: FixedStorage<'s>,
        snapshot: &[u8],
    ) -> Result<Self, SnapshotError> {
        Self::restore(config, storage.into(), snapshot, false, &mut |_, _| Ok(()))
    }

    /// [`FixedSession::from_snapshot`] into `memory`; the snapshot's client identifier is
    /// the caller's when `caller_keeps_id`, and each subscription goes to `subscription`.
    pub(crate) fn restore(
        config: FixedConfig<'s>,
        memory: Memory<'s>,
        snapshot: &[u8],
        caller_keeps_id: bool,
        subscription: &mut dyn FnMut(&str, u8) -> Result<(), SnapshotError>,
    ) -> Result<Self, SnapshotError> {
        let version = config.version;
        let v5 = version.is_v5();
        let mut r = Reader(snapshot);
        let format = r.header(version)?;
        let flags = r.u8()?;
        let next_id = r.u16()?;
        let client_id = r.str()?;
        let mut session = FixedSession::in_memory(config, memory);
        let c = &mut session.core;
        if !caller_keeps_id && client_id != c.config.client_id {
            let dst =
                c.assigned_id
                    .get_mut(..client_id.len())
                    .ok_or(SnapshotError::StorageFull(
                        "client identifier (over 64 bytes)",
                    ))?;
            dst.copy_from_slice(client_id.as_bytes());
            c.assigned_len = Some(client_id.len());
        }
        c.session_expected = flags & 1 != 0;
        c.lifetime = Lifetime::restored(flags & 2 != 0, v5);
        c.next_id = next_id;
        let opts = ParseOptions::new(version);
        for _ in 0..r.u16()? {
            match (r.u8()?, format) {
                (STAGE_SENT, _) => {
                    let frame = r.frame()?;
                    c.restore_publish(frame, &opts, Out::Sent)?;
                }
                (STAGE_RELEASED, 1) => {
                    let (id, _) = publish_of(r.frame()?, &opts)?;
                    c.restore_released(id)?;
                }
                (STAGE_RELEASED, _) => {
                    let id = PacketId::new(r.u16()?)
                        .ok_or(SnapshotError::Corrupt("packet identifier 0"))?;
                    c.restore_released(id)?;
                }
                (STAGE_HELD, 3..) => {
                    let id = PacketId::new(r.u16()?)
                        .ok_or(SnapshotError::Corrupt("packet identifier 0"))?;
                    c.restore_held(id)?;
                }
                _ => return Err(SnapshotError::Corrupt("an unknown stage")),
            }
        }
        for _ in 0..r.u32()? {
            let frame = r.frame()?;
            c.restore_publish(frame, &opts, Out::Queued)?;
        }
        for _ in 0..r.u16()? {
            let id = r.u16()?;
            if id == 0 {
                return Err(SnapshotError::Corrupt("packet identifier 0"));
            }
            let order = c.order();
            let slot = c
                .incoming
                .free_index(|s| s.state == In::Free, InSlot::FREE)
                .and_then(|i| c.incoming.get_mut(i))
                .ok_or(SnapshotError::StorageFull("QoS 2 messages received"))?;
            *slot = InSlot {
                state: In::Received,
                packet_id: id,
                order,
            };
        }
        let subscriptions = r.u32()?;
        for _ in 0..subscriptions {
            let filter = r.str()?;
            subscription(filter, r.u8()?)?;
        }
        c.subscribed = subscriptions > 0;
        if !r.0.is_empty() {
            return Err(SnapshotError::Corrupt("bytes after the end"));
        }
        Ok(session)
    }
}

/// The records `pick` chooses, oldest first (orders count up to `next` and wrap). The
/// records are few: a scan per item rather than a sort, which would need room.
fn oldest_first<'a>(
    slots: &'a [OutSlot],
    next: u32,
    pick: fn(&OutSlot) -> bool,
) -> impl Iterator<Item = &'a OutSlot> + 'a {
    let total = slots.iter().filter(|o| pick(o)).count();
    (0..total).filter_map(move |k| {
        slots.iter().filter(|o| pick(o)).find(|o| {
            let older =
                |p: &&OutSlot| pick(p) && next.wrapping_sub(p.order) > next.wrapping_sub(o.order);
            slots.iter().filter(older).count() == k
        })
    })
}

/// The packet identifier and QoS of a QoS 1 or 2 PUBLISH encoded in `frame`, which must be
/// exactly one packet.
fn publish_of(frame: &[u8], opts: &ParseOptions) -> Result<(PacketId, QoS), SnapshotError> {
    match parse(frame, opts) {
        Ok(Status::Complete((Packet::Publish(p), used))) if used == frame.len() => p
            .packet_id
            .map(|id| (id, p.qos))
            .ok_or(SnapshotError::Corrupt(
                "a message is not a QoS 1 or 2 PUBLISH",
            )),
        _ => Err(SnapshotError::Corrupt(
            "a message is not a QoS 1 or 2 PUBLISH",
        )),
    }
}

impl super::session::Core<'_> {
    /// Our PUBLISH `frame`, read back into a record at `state` (Sent or Queued) and the
    /// message area, DUP clear as the session keeps it.
    fn restore_publish(
        &mut self,
        frame: &[u8],
        opts: &ParseOptions,
        state: Out,
    ) -> Result<(), SnapshotError> {
        let (id, qos) = publish_of(frame, opts)?;
        self.check_unused(id)?;
        // A message the transmit buffer cannot hold could never be sent again, and would
        // hold up every one behind it.
        if frame.len() > self.tx.limit() {
            return Err(SnapshotError::StorageFull("the transmit buffer"));
        }
        let index = self
            .outgoing
            .free_index(|o| o.state == Out::Free, OutSlot::FREE)
            .ok_or(SnapshotError::StorageFull("messages in flight or queued"))?;
        let span = self
            .messages
            .store(frame.len(), &mut self.outgoing, |room| {
                room.copy_from_slice(frame);
                if let Some(first) = room.first_mut() {
                    *first &= !0x08;
                }
                true
            })
            .ok_or(SnapshotError::StorageFull("message bytes"))?;
        let order = self.order();
        self.mark_id(id.get(), true);
        self.pump_due = true;
        if let Some(slot) = self.outgoing.get_mut(index) {
            *slot = OutSlot {
                state,
                packet_id: id.get(),
                qos,
                resend: false,
                order,
                frame: span,
            };
        }
        Ok(())
    }

    /// A QoS 2 message of ours whose PUBREL was sent, read back.
    fn restore_released(&mut self, id: PacketId) -> Result<(), SnapshotError> {
        self.check_unused(id)?;
        let order = self.order();
        let slot = self.free_out_slot()?;
        *slot = OutSlot {
            packet_id: id.get(),
            qos: QoS::ExactlyOnce,
            order,
            ..OutSlot::FREE
        };
        // The snapshot keeps the PUBLISHes' order only: PUBRELs go again in it.
        slot.release(order, false);
        self.mark_id(id.get(), true);
        Ok(())
    }

    /// A packet identifier kept out of use for the server's session ([`Out::Held`]), read
    /// back: into the identifier table where it covers it, else into a record.
    fn restore_held(&mut self, id: PacketId) -> Result<(), SnapshotError> {
        self.check_unused(id)?;
        let n = id.get();
        if let Some(word) = self
            .ids
            .get(usize::from(n / 64))
            .filter(|_| cfg!(feature = "alloc"))
        {
            if word & (1u64 << (n % 64)) != 0 {
                return Err(SnapshotError::Corrupt("a packet identifier twice"));
            }
            self.mark_id(n, true);
            return Ok(());
        }
        let order = self.order();
        let slot = self.free_out_slot()?;
        *slot = OutSlot {
            state: Out::Held,
            packet_id: id.get(),
            qos: QoS::ExactlyOnce,
            order,
            ..OutSlot::FREE
        };
        self.mark_id(id.get(), true);
        Ok(())
    }

    /// A free outgoing record, for a flow read back.
    fn free_out_slot(&mut self) -> Result<&mut OutSlot, SnapshotError> {
        self.outgoing
            .free_index(|o| o.state == Out::Free, OutSlot::FREE)
            .and_then(|i| self.outgoing.get_mut(i))
            .ok_or(SnapshotError::StorageFull("messages in flight or queued"))
    }

    fn check_unused(&self, id: PacketId) -> Result<(), SnapshotError> {
        match self
            .outgoing
            .iter()
            .any(|o| o.state != Out::Free && o.packet_id == id.get())
        {
            true => Err(SnapshotError::Corrupt("a packet identifier twice")),
            false => Ok(()),
        }
    }
}
