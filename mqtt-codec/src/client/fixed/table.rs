//! The memory of a session core: the caller's slices (the heap-free session, whose limits
//! are their sizes), or, with `alloc`, vectors that grow on demand up to a limit (the
//! allocating session, which starts small and pays only for what it holds).

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::recv_buffer::{RecvBuffer, SliceBuffer};
#[cfg(feature = "alloc")]
use alloc::vec::Vec;
use core::ops::{Deref, DerefMut};

/// Records or bytes of a session core.
#[derive(Debug)]
pub(crate) enum Table<'s, T> {
    /// The caller's, of a fixed size.
    Lent(&'s mut [T]),
    /// Owned, and growing (boxed, so that a heap-free session stays small where the
    /// allocating one is compiled in too).
    #[cfg(feature = "alloc")]
    Owned(alloc::boxed::Box<Grown<T>>),
}

/// An owned table: grows up to `limit` items; the search for a free one starts at
/// `cursor`, past the one found last, so that it does not walk the used ones every time.
#[cfg(feature = "alloc")]
#[derive(Debug)]
pub(crate) struct Grown<T> {
    items: Vec<T>,
    limit: usize,
    cursor: usize,
}

impl<T> Deref for Table<'_, T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        match self {
            Table::Lent(s) => s,
            #[cfg(feature = "alloc")]
            Table::Owned(grown) => &grown.items,
        }
    }
}

impl<T> DerefMut for Table<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        match self {
            Table::Lent(s) => s,
            #[cfg(feature = "alloc")]
            Table::Owned(grown) => &mut grown.items,
        }
    }
}

impl<T: Copy> Table<'_, T> {
    /// An owned table, empty, that grows up to `limit` items.
    #[cfg(feature = "alloc")]
    pub(crate) fn owned(limit: usize) -> Self {
        Table::Owned(alloc::boxed::Box::new(Grown {
            items: Vec::new(),
            limit,
            cursor: 0,
        }))
    }

    /// The most items the table can ever hold.
    pub(crate) fn limit(&self) -> usize {
        match self {
            Table::Lent(s) => s.len(),
            #[cfg(feature = "alloc")]
            Table::Owned(grown) => grown.limit,
        }
    }

    /// Makes the table at least `len` long, new items `fill` (an owned table grows by at
    /// least half again, so that growing item by item stays linear); false when it cannot.
    pub(crate) fn grow_to(&mut self, len: usize, fill: T) -> bool {
        match self {
            Table::Lent(s) => {
                let _ = fill;
                s.len() >= len
            }
            #[cfg(feature = "alloc")]
            Table::Owned(grown) => {
                let Grown { items, limit, .. } = &mut **grown;
                if items.len() >= len {
                    return true;
                }
                if len > *limit {
                    return false;
                }
                let ample = items.len().saturating_add(items.len() / 2).max(4);
                items.resize(len.max(ample).min(*limit), fill);
                true
            }
        }
    }

    /// The index of the first item `free` accepts, growing the table by one `fill` (itself
    /// free) when there is none.
    pub(crate) fn free_index(&mut self, free: impl Fn(&T) -> bool, fill: T) -> Option<usize> {
        let start = match self {
            Table::Lent(_) => 0,
            #[cfg(feature = "alloc")]
            Table::Owned(grown) => grown.cursor,
        };
        let len = self.len();
        let after = self.iter().skip(start).position(&free);
        let found = match after {
            Some(i) => Some(start.saturating_add(i)),
            None => self.iter().take(start).position(&free),
        };
        let index = match found {
            Some(i) => i,
            None if self.grow_to(len.checked_add(1)?, fill) => len,
            None => return None,
        };
        #[cfg(feature = "alloc")]
        if let Table::Owned(grown) = self {
            grown.cursor = index.saturating_add(1);
        }
        Some(index)
    }
}

#[cfg(feature = "alloc")]
impl Table<'_, u64> {
    /// An owned table of `n` bits, all clear.
    pub(crate) fn bits(n: usize) -> Self {
        let words = n.div_ceil(64);
        Table::Owned(alloc::boxed::Box::new(Grown {
            items: alloc::vec![0; words],
            limit: words,
            cursor: 0,
        }))
    }
}

/// The receive buffer of a session core: the caller's slice, or a growable one.
#[derive(Debug)]
pub(crate) enum Received<'s> {
    /// The caller's.
    Lent(SliceBuffer<'s>),
    /// Owned: grows as packets need (the decoder's maximum packet size bounds it).
    #[cfg(feature = "alloc")]
    Owned(bytes::BytesMut),
}

impl RecvBuffer for Received<'_> {
    #[inline]
    fn data(&self) -> &[u8] {
        match self {
            Received::Lent(b) => b.data(),
            #[cfg(feature = "alloc")]
            Received::Owned(b) => b.data(),
        }
    }
    #[inline]
    fn append(&mut self, bytes: &[u8]) -> usize {
        match self {
            Received::Lent(b) => b.append(bytes),
            #[cfg(feature = "alloc")]
            Received::Owned(b) => b.append(bytes),
        }
    }
    #[inline]
    fn consume(&mut self, n: usize) {
        match self {
            Received::Lent(b) => b.consume(n),
            #[cfg(feature = "alloc")]
            Received::Owned(b) => b.consume(n),
        }
    }
    fn clear(&mut self) {
        match self {
            Received::Lent(b) => b.clear(),
            #[cfg(feature = "alloc")]
            Received::Owned(b) => RecvBuffer::clear(b),
        }
    }
    fn capacity(&self) -> Option<usize> {
        match self {
            Received::Lent(b) => b.capacity(),
            #[cfg(feature = "alloc")]
            Received::Owned(b) => RecvBuffer::capacity(b),
        }
    }
    fn reserve(&mut self, n: usize) {
        match self {
            Received::Lent(b) => b.reserve(n),
            #[cfg(feature = "alloc")]
            Received::Owned(b) => RecvBuffer::reserve(b, n),
        }
    }
}

/// Everything a session core keeps, as tables.
#[derive(Debug)]
pub(crate) struct Memory<'s> {
    pub(crate) outgoing: Table<'s, super::OutSlot>,
    pub(crate) messages: Table<'s, u8>,
    pub(crate) incoming: Table<'s, super::InSlot>,
    pub(crate) pending: Table<'s, super::PendingSlot>,
    pub(crate) aliases: Table<'s, super::AliasSlot>,
    pub(crate) alias_topics: Table<'s, u8>,
    pub(crate) out_aliases: Table<'s, super::AliasSlot>,
    pub(crate) out_alias_topics: Table<'s, u8>,
    /// Which packet identifiers are in use, a bit each (owned: 1024 words); empty, the
    /// records are searched instead.
    pub(crate) ids: Table<'s, u64>,
    pub(crate) rx: Received<'s>,
    /// The largest packet accepted.
    pub(crate) rx_capacity: usize,
    pub(crate) tx: Table<'s, u8>,
}

impl<'s> From<super::FixedStorage<'s>> for Memory<'s> {
    fn from(storage: super::FixedStorage<'s>) -> Self {
        Memory {
            rx_capacity: storage.rx.len(),
            outgoing: Table::Lent(storage.outgoing),
            messages: Table::Lent(storage.messages),
            incoming: Table::Lent(storage.incoming),
            pending: Table::Lent(storage.pending),
            aliases: Table::Lent(storage.aliases),
            alias_topics: Table::Lent(storage.alias_topics),
            out_aliases: Table::Lent(&mut []),
            out_alias_topics: Table::Lent(&mut []),
            ids: Table::Lent(&mut []),
            rx: Received::Lent(SliceBuffer::new(storage.rx)),
            tx: Table::Lent(storage.tx),
        }
    }
}
