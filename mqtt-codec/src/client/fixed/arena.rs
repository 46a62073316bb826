//! A byte area in which the session keeps variable-sized things (encoded PUBLISHes
//! awaiting acknowledgement, alias topics): stored at the end, freed in any order, and
//! packed towards the start when the end has no room left. The caller's area has a fixed
//! size; an owned one grows instead of packing while less than half of it is waste.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::wire::move_down::move_down;

/// Where some bytes lie in an [`Arena`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub(super) at: u32,
    pub(super) len: u32,
}

impl Span {
    /// Nothing stored.
    pub(super) const EMPTY: Span = Span { at: 0, len: 0 };

    fn range(self) -> core::ops::Range<usize> {
        let at = self.at as usize;
        at..at.saturating_add(self.len as usize)
    }
}

use super::table::Table;

/// A record that may own a [`Span`] of an arena.
pub(super) trait HasSpan {
    /// The record's span, if it holds one.
    fn span_mut(&mut self) -> Option<&mut Span>;
}

/// Bytes used from the start up to `end`, `live` of them by stored spans.
#[derive(Debug)]
pub(super) struct Arena<'s> {
    bytes: Table<'s, u8>,
    end: usize,
    live: usize,
}

impl<'s> Arena<'s> {
    pub(super) fn new(bytes: Table<'s, u8>) -> Self {
        Arena {
            bytes,
            end: 0,
            live: 0,
        }
    }

    /// The most bytes it can ever hold (an owned area's limit).
    pub(super) fn limit(&self) -> usize {
        self.bytes.limit()
    }

    /// The bytes of `span`.
    pub(super) fn get(&self, span: Span) -> &[u8] {
        self.bytes.get(span.range()).unwrap_or_default()
    }

    /// Room for `len` bytes, filled by `write` (which gets exactly `len` bytes and returns
    /// false to give the room back); packs the live spans of `records` first when the end
    /// has no room. `None` when even then there is none, or `write` failed.
    pub(super) fn store<R: HasSpan>(
        &mut self,
        len: usize,
        records: &mut [R],
        write: impl FnOnce(&mut [u8]) -> bool,
    ) -> Option<Span> {
        if self.bytes.len().saturating_sub(self.end) < len {
            let waste = self.end.saturating_sub(self.live);
            let grows = self.bytes.limit() > self.bytes.len();
            if !grows || waste >= self.bytes.len() / 2 {
                self.pack(records);
            }
            let needed = self.end.checked_add(len)?;
            self.bytes.grow_to(needed, 0);
        }
        let at = self.end;
        let end = at.checked_add(len)?;
        let room = self.bytes.get_mut(at..end)?;
        if !write(room) {
            return None;
        }
        self.end = end;
        self.live = self.live.saturating_add(len);
        Some(Span {
            at: u32::try_from(at).ok()?,
            len: u32::try_from(len).ok()?,
        })
    }

    /// Gives `span`'s bytes back (at once when they are the last ones stored, otherwise
    /// at the next packing).
    pub(super) fn free(&mut self, span: &mut Span) {
        self.live = self.live.saturating_sub(span.len as usize);
        if span.len > 0 && span.range().end == self.end {
            self.end = span.at as usize;
        }
        *span = Span::EMPTY;
    }

    /// Forgets everything stored (the records' spans must be dropped with it).
    pub(super) fn clear(&mut self) {
        self.end = 0;
        self.live = 0;
    }

    /// Moves the live spans of `records` to the start, in the order they lie, and updates
    /// them. Quadratic in the number of records, which is small; each byte moves once.
    fn pack<R: HasSpan>(&mut self, records: &mut [R]) {
        let mut end = 0usize;
        loop {
            // The live span that starts first at or after `end`: those before it are packed.
            let mut next: Option<&mut Span> = None;
            for r in records.iter_mut() {
                if let Some(span) = r.span_mut() {
                    if span.len > 0
                        && span.at as usize >= end
                        && next.as_ref().map_or(true, |n| span.at < n.at)
                    {
                        next = Some(span);
                    }
                }
            }
            let Some(span) = next else { break };
            let from = span.range();
            if from.end > self.bytes.len() {
                self.live = self.live.saturating_sub(span.len as usize);
                *span = Span::EMPTY;
                continue;
            }
            move_down(&mut self.bytes, from, end);
            span.at = end as u32;
            end = end.saturating_add(span.len as usize);
        }
        self.end = end;
        self.live = end;
    }
}

#[cfg(all(test, feature = "alloc"))]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    struct Rec(Span);

    impl HasSpan for Rec {
        fn span_mut(&mut self) -> Option<&mut Span> {
            Some(&mut self.0)
        }
    }

    /// An owned area in which one record's bytes are replaced again and again stays about
    /// the size of what is live: it packs once half of it is waste, instead of growing.
    #[test]
    fn an_owned_area_replacing_its_bytes_stays_bounded() {
        let mut arena = Arena::new(Table::owned(usize::MAX));
        let mut records = [Rec(Span::EMPTY), Rec(Span::EMPTY)];
        for round in 0..10_000u32 {
            let i = (round % 2) as usize;
            let mut old = records[i].0;
            arena.free(&mut old);
            records[i].0 = Span::EMPTY;
            let span = arena.store(100, &mut records, |room| {
                room.fill(round as u8);
                true
            });
            records[i].0 = span.expect("an owned area has room");
        }
        assert!(arena.bytes.len() <= 800, "grew to {}", arena.bytes.len());
        assert_eq!(arena.get(records[1].0), &[(9_999 % 256) as u8; 100][..]);
    }
}
