//! Packet identifiers kept out of use for the server's session: those of QoS 2 messages
//! that failed after the server may have taken them ([`Out::Held`]). Where the session has
//! an identifier table, the table keeps such an identifier and its record is free for
//! another message; without one, the record keeps it. Only the allocating session has a
//! table: without `alloc` the table's part is left out of the build (`TABLES`).

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::session::{mark, Core};
use super::slots::{Out, OutSlot, Pending};

/// Whether a session of this build can have an identifier table.
const TABLES: bool = cfg!(feature = "alloc");

impl Core<'_> {
    /// The record of identifier `n`, whose failure was just reported, keeps `n` held: in
    /// the identifier table when it covers `n` (the record is then free), else in itself.
    pub(super) fn hold_id(&mut self, index: usize, n: u16) {
        let in_table = TABLES && self.ids.get(usize::from(n / 64)).is_some();
        let Some(slot) = self.outgoing.get_mut(index) else {
            return;
        };
        if in_table {
            *slot = OutSlot::FREE;
        } else {
            slot.state = Out::Held;
        }
    }

    /// Identifiers the table holds for the server's session: marked, and no record's. The
    /// table has 1,024 words, most of them clear: only the set bits of the others are
    /// looked at (a snapshot asks three times).
    pub(super) fn table_held_ids(&self) -> impl Iterator<Item = u16> + '_ {
        let words: &[u64] = if TABLES { &self.ids } else { &[] };
        words
            .iter()
            .enumerate()
            .filter(|&(_, &bits)| bits != 0)
            .flat_map(move |(word, &bits)| {
                let base = u16::try_from(word).ok().and_then(|w| w.checked_mul(64));
                SetBits(bits).filter_map(move |bit| {
                    let n = base?.checked_add(bit)?;
                    (n != 0 && !self.record_has(n)).then_some(n)
                })
            })
    }

    /// Whether a record (an outgoing message, a SUBSCRIBE or UNSUBSCRIBE) has `n`.
    pub(super) fn record_has(&self, n: u16) -> bool {
        self.outgoing
            .iter()
            .any(|o| o.state != Out::Free && o.packet_id == n)
            || self
                .pending
                .iter()
                .any(|p| p.state != Pending::Free && p.packet_id == n)
    }

    /// Whether any identifier is held, in a record or in the table.
    pub(super) fn holds_ids(&self) -> bool {
        self.outgoing.iter().any(OutSlot::holds_id) || self.table_held_ids().next().is_some()
    }

    /// The server's session is gone: held identifiers are free again, and so are those
    /// whose failure is not reported yet. The table is made again from the records.
    pub(super) fn release_held(&mut self) {
        for o in self.outgoing.iter_mut() {
            match &mut o.state {
                Out::Held => *o = OutSlot::FREE,
                Out::Done { hold, .. } => *hold = false,
                _ => {}
            }
        }
        if !TABLES || self.ids.is_empty() {
            return;
        }
        for word in self.ids.iter_mut() {
            *word = 0;
        }
        let Core {
            ids,
            outgoing,
            pending,
            ..
        } = self;
        let outgoing_ids = outgoing.iter().filter(|o| o.state != Out::Free);
        let pending_ids = pending.iter().filter(|p| p.state != Pending::Free);
        let in_use = outgoing_ids
            .map(|o| o.packet_id)
            .chain(pending_ids.map(|p| p.packet_id));
        for n in in_use {
            mark(ids, n, true);
        }
    }
}

/// The set bits of a word, lowest first.
struct SetBits(u64);

impl Iterator for SetBits {
    type Item = u16;
    fn next(&mut self) -> Option<u16> {
        if self.0 == 0 {
            return None;
        }
        let bit = self.0.trailing_zeros();
        self.0 &= self.0.wrapping_sub(1);
        u16::try_from(bit).ok()
    }
}
