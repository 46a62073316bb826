//! How a decoded packet holds its bytes: owned and shared ([`Owned`], backed by
//! [`bytes::Bytes`]) or borrowed from the caller's buffer ([`Borrowed`]).
//!
//! Every packet type is generic over a [`Storage`], so one parser builds both forms: the
//! streaming [`crate::Decoder`] slices the frame it split off its buffer (zero copy, cheap to
//! clone and keep), and [`crate::parse`] borrows from a `&[u8]` without allocating at all. A
//! borrowed packet holds its lists (subscriptions, reason codes, user properties) as a
//! validated region that is walked lazily, which is what keeps it allocation-free.

use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;
use core::hash::Hash;

mod sealed {
    pub trait Sealed {}
}

/// Where a packet's strings, binary fields and lists live. Implemented by [`Owned`] and
/// [`Borrowed`] only.
pub trait Storage: sealed::Sealed + Clone + fmt::Debug + PartialEq + Eq {
    /// A byte field: the topic, the payload, a string's bytes.
    type Bytes: Clone + fmt::Debug + PartialEq + Eq + Hash + AsRef<[u8]> + Default;
    /// A list field: subscriptions, reason codes, user properties.
    type List<T: Clone + fmt::Debug + PartialEq + Eq>: Clone + fmt::Debug + PartialEq + Eq + Default;

    #[doc(hidden)]
    fn push<T: Clone + fmt::Debug + PartialEq + Eq>(list: &mut Self::List<T>, item: T);
    #[doc(hidden)]
    fn seal<T: Clone + fmt::Debug + PartialEq + Eq>(
        list: &mut Self::List<T>,
        raw: Self::Bytes,
        ctx: u8,
        next: fn(&mut Self::Bytes, u8) -> Option<T>,
    );
    #[doc(hidden)]
    fn for_each<T: Clone + fmt::Debug + PartialEq + Eq>(
        list: &Self::List<T>,
        f: &mut dyn FnMut(&T),
    );
    #[doc(hidden)]
    fn len<T: Clone + fmt::Debug + PartialEq + Eq>(list: &Self::List<T>) -> usize;
}

/// Owned storage: byte fields are [`Bytes`] (slices of the received frame when decoded,
/// so nothing is copied), lists are [`Vec`]s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Owned;

/// Borrowed storage: byte fields are `&'a [u8]` views into the caller's buffer and lists are
/// [`RawList`]s, so parsing allocates nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Borrowed<'a>(core::marker::PhantomData<&'a [u8]>);

impl sealed::Sealed for Owned {}
impl sealed::Sealed for Borrowed<'_> {}

impl Storage for Owned {
    type Bytes = Bytes;
    type List<T: Clone + fmt::Debug + PartialEq + Eq> = Vec<T>;

    fn push<T: Clone + fmt::Debug + PartialEq + Eq>(list: &mut Vec<T>, item: T) {
        list.push(item);
    }
    fn seal<T: Clone + fmt::Debug + PartialEq + Eq>(
        _: &mut Vec<T>,
        _: Bytes,
        _: u8,
        _: fn(&mut Bytes, u8) -> Option<T>,
    ) {
    }
    fn for_each<T: Clone + fmt::Debug + PartialEq + Eq>(list: &Vec<T>, f: &mut dyn FnMut(&T)) {
        list.iter().for_each(f);
    }
    fn len<T: Clone + fmt::Debug + PartialEq + Eq>(list: &Vec<T>) -> usize {
        list.len()
    }
}

impl<'a> Storage for Borrowed<'a> {
    type Bytes = &'a [u8];
    type List<T: Clone + fmt::Debug + PartialEq + Eq> = RawList<'a, T>;

    fn push<T: Clone + fmt::Debug + PartialEq + Eq>(list: &mut RawList<'a, T>, _item: T) {
        // The item was validated; the list re-reads it from the raw region on iteration.
        list.len += 1;
    }
    fn seal<T: Clone + fmt::Debug + PartialEq + Eq>(
        list: &mut RawList<'a, T>,
        raw: &'a [u8],
        ctx: u8,
        next: fn(&mut &'a [u8], u8) -> Option<T>,
    ) {
        list.raw = raw;
        list.ctx = ctx;
        list.next = Some(next);
    }
    fn for_each<T: Clone + fmt::Debug + PartialEq + Eq>(
        list: &RawList<'a, T>,
        f: &mut dyn FnMut(&T),
    ) {
        list.iter().for_each(|item| f(&item));
    }
    fn len<T: Clone + fmt::Debug + PartialEq + Eq>(list: &RawList<'a, T>) -> usize {
        list.len
    }
}

/// Reads the next item of a validated region and advances past it.
type ItemReader<'a, T> = fn(&mut &'a [u8], u8) -> Option<T>;

/// A list inside a borrowed packet: a region of the input that the parser has already
/// validated, read item by item on iteration without allocating.
pub struct RawList<'a, T> {
    raw: &'a [u8],
    len: usize,
    ctx: u8,
    next: Option<ItemReader<'a, T>>,
}

impl<'a, T> RawList<'a, T> {
    /// The number of items.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the list has no items.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The items, decoded one at a time from the validated region.
    pub fn iter(&self) -> RawListIter<'a, T> {
        RawListIter {
            rest: self.raw,
            remaining: self.len,
            ctx: self.ctx,
            next: self.next,
        }
    }

    /// The raw encoded region the items are read from.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }
}

impl<T> Default for RawList<'_, T> {
    fn default() -> Self {
        RawList {
            raw: &[],
            len: 0,
            ctx: 0,
            next: None,
        }
    }
}

impl<T> Clone for RawList<'_, T> {
    fn clone(&self) -> Self {
        RawList {
            raw: self.raw,
            len: self.len,
            ctx: self.ctx,
            next: self.next,
        }
    }
}

impl<T: PartialEq> PartialEq for RawList<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl<T: Eq> Eq for RawList<'_, T> {}

impl<T: fmt::Debug> fmt::Debug for RawList<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T> IntoIterator for &RawList<'a, T> {
    type Item = T;
    type IntoIter = RawListIter<'a, T>;
    fn into_iter(self) -> RawListIter<'a, T> {
        self.iter()
    }
}

/// Iterator over a [`RawList`].
pub struct RawListIter<'a, T> {
    rest: &'a [u8],
    remaining: usize,
    ctx: u8,
    next: Option<ItemReader<'a, T>>,
}

impl<T> Iterator for RawListIter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        if self.remaining == 0 {
            return None;
        }
        let item = (self.next?)(&mut self.rest, self.ctx)?;
        self.remaining -= 1;
        Some(item)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}
