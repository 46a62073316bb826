//! How a decoded packet holds its bytes: owned and shared ([`Owned`], backed by
//! [`bytes::Bytes`]) or borrowed from the caller's buffer ([`Borrowed`]).
//!
//! Every packet type is generic over a [`Storage`], so that one encoder serves both forms.
//! There is one parser, and it builds borrowed packets: [`crate::parse`] and the streaming
//! [`crate::Decoder`] read a `&[u8]` without allocating at all, and an owned packet is such a
//! view made owned (`PacketRef::to_owned`, `PacketRef::to_shared`, or the decoder's
//! `next_packet`, whose fields are zero-copy slices of the frame it split off its buffer). A
//! borrowed packet holds its lists (subscriptions, reason codes, user properties), its
//! properties and a CONNECT as the validated regions they were read from, walked on demand,
//! which is what keeps it allocation-free and small.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt;
use core::hash::Hash;

use crate::list_kind::ListKind;
use crate::packet::{ConnectSlot, ConnectView};
use crate::property_slot::PropertySlot;
use crate::property_view::PropertyView;
#[cfg(feature = "alloc")]
use {
    crate::packet::Connect,
    crate::property_slot::BoxedProperties,
    alloc::{boxed::Box, vec::Vec},
    bytes::Bytes,
};

pub(crate) mod sealed {
    /// Keeps the storage traits to the codec's own types.
    pub trait Sealed {}
}

/// Where a packet's strings, binary fields and lists live. Implemented by [`Owned`] and
/// [`Borrowed`] only.
pub trait Storage: sealed::Sealed + Clone + fmt::Debug + PartialEq + Eq {
    /// A byte field: the topic, the payload, a string's bytes.
    type Bytes: Clone + fmt::Debug + PartialEq + Eq + Hash + AsRef<[u8]> + Default;
    /// A list field (subscriptions, reason codes, user properties), named by its
    /// [`ListKind`]: a `Vec` of the items in an owned packet, a [`BorrowedList`] in a borrowed
    /// one.
    type List<K: ListKind>: Clone + fmt::Debug + PartialEq + Eq + Default;
    /// A packet's properties: [`BoxedProperties`] (absent until set) in an owned packet,
    /// a [`PropertyView`] (the validated region, read on demand) in a borrowed one.
    type Props: PropertySlot<Self>;

    /// How a packet holds a CONNECT: boxed in an owned packet (`Box`), so that [`crate::Packet`]
    /// is sized by its common variants and cheap to move; a [`ConnectView`] in a borrowed one,
    /// so that a view stays small and parsing allocates nothing.
    type ConnectBox: ConnectSlot<Self>;

    #[doc(hidden)]
    fn for_each<K: ListKind>(list: &Self::List<K>, f: impl FnMut(&K::Item<Self>));
    #[doc(hidden)]
    fn len<K: ListKind>(list: &Self::List<K>) -> usize;
    /// The sum of `f` over the items, or the first error: the encoder's sizing walk, with the
    /// running sum a value of the loop (kept in a register) rather than a variable the walk's
    /// closure writes through a reference (which the compiler tends to keep in memory).
    #[doc(hidden)]
    fn try_sum<K: ListKind, E>(
        list: &Self::List<K>,
        f: impl FnMut(&K::Item<Self>) -> Result<usize, E>,
    ) -> Result<usize, E>;
}

/// The storage a packet type stands for when none is named (`Packet`, `Publish`, ...):
/// [`Owned`]. Without the `alloc` feature there is no owned form, and the borrowed one takes
/// its place only so that the types stay well-formed: a crate without `alloc` names
/// [`Borrowed`], because any crate in the build that turns `alloc` on makes the default
/// [`Owned`] again.
#[cfg(feature = "alloc")]
pub type DefaultStorage = Owned;
/// The storage a packet type stands for when none is named; without `alloc`, [`Borrowed`].
#[cfg(not(feature = "alloc"))]
pub type DefaultStorage = Borrowed<'static>;

/// Owned storage: byte fields are [`Bytes`] (slices of the received frame when decoded,
/// so nothing is copied), lists are [`Vec`]s.
#[cfg(feature = "alloc")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Owned;

/// Borrowed storage: byte fields are `&'a [u8]` views into the caller's buffer and lists are
/// [`BorrowedList`]s, so parsing allocates nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Borrowed<'a>(core::marker::PhantomData<&'a [u8]>);

#[cfg(feature = "alloc")]
impl sealed::Sealed for Owned {}
impl sealed::Sealed for Borrowed<'_> {}

#[cfg(feature = "alloc")]
impl Storage for Owned {
    type Bytes = Bytes;
    type List<K: ListKind> = Vec<K::Item<Owned>>;
    type Props = BoxedProperties;
    type ConnectBox = Box<Connect<Owned>>;
    #[inline]
    fn for_each<K: ListKind>(list: &Vec<K::Item<Owned>>, f: impl FnMut(&K::Item<Owned>)) {
        list.iter().for_each(f);
    }
    fn len<K: ListKind>(list: &Vec<K::Item<Owned>>) -> usize {
        list.len()
    }
    #[inline]
    fn try_sum<K: ListKind, E>(
        list: &Vec<K::Item<Owned>>,
        f: impl FnMut(&K::Item<Owned>) -> Result<usize, E>,
    ) -> Result<usize, E> {
        sum_of(list.iter(), f)
    }
}

impl<'a> Storage for Borrowed<'a> {
    type Bytes = &'a [u8];
    type List<K: ListKind> = BorrowedList<'a, K::Item<Borrowed<'a>>>;
    type Props = PropertyView<'a>;
    type ConnectBox = ConnectView<'a>;
    #[inline]
    fn for_each<K: ListKind>(
        list: &BorrowedList<'a, K::Item<Self>>,
        mut f: impl FnMut(&K::Item<Self>),
    ) {
        // A slice is walked in place, as a `Vec` is: no item is made or copied. Smaller
        // targets keep one walk for both, as they keep flash (see `HOST_WALKS`).
        if !HOST_WALKS {
            return list.iter().for_each(|item| f(&item));
        }
        match list.slice() {
            Some(items) => items.iter().for_each(f),
            None => for_each_read(list, &mut f),
        }
    }
    fn len<K: ListKind>(list: &BorrowedList<'a, K::Item<Self>>) -> usize {
        list.len
    }
    #[inline(always)]
    fn try_sum<K: ListKind, E>(
        list: &BorrowedList<'a, K::Item<Self>>,
        mut f: impl FnMut(&K::Item<Self>) -> Result<usize, E>,
    ) -> Result<usize, E> {
        if !HOST_WALKS {
            return list
                .iter()
                .try_fold(0usize, |sum, item| Ok(sum.saturating_add(f(&item)?)));
        }
        match list.slice() {
            Some(items) => sum_of(items.iter(), f),
            None => sum_read(list, &mut f),
        }
    }
}

/// Whether the encoder walks a borrowed list made of a slice apart from one read item by
/// item (a copy of each walk per list kind, in and out of line): on 64-bit hosts, where a
/// SUBSCRIBE built from a slice then encodes as fast as an owned one (33 against 45 ns);
/// not on smaller targets, where the copies cost about 1 KB of flash in a firmware image
/// and one walk serves both.
const HOST_WALKS: bool = cfg!(target_pointer_width = "64");

/// `f` of each item of a list that is read item by item, out of line: in line, the walk of
/// a slice beside it kept the encoder's writer in memory rather than in registers.
#[inline(never)]
fn for_each_read<T: Clone>(list: &BorrowedList<'_, T>, f: &mut impl FnMut(&T)) {
    list.iter().for_each(|item| f(&item));
}

/// The sum of `f` over the items of a list that is read item by item, out of line (as
/// [`for_each_read`]).
#[inline(never)]
fn sum_read<T: Clone, E>(
    list: &BorrowedList<'_, T>,
    f: &mut impl FnMut(&T) -> Result<usize, E>,
) -> Result<usize, E> {
    list.iter()
        .try_fold(0usize, |sum, item| Ok(sum.saturating_add(f(&item)?)))
}

/// The sum of `f` over `items`, or the first error.
#[inline]
fn sum_of<'i, T: 'i, E>(
    mut items: impl Iterator<Item = &'i T>,
    mut f: impl FnMut(&T) -> Result<usize, E>,
) -> Result<usize, E> {
    items.try_fold(0usize, |sum, item| Ok(sum.saturating_add(f(item)?)))
}

/// Reads the next item of a validated region and advances past it.
type ItemReader<'a, T> = fn(&mut &'a [u8], u8) -> Option<T>;

/// Where the items of a [`BorrowedList`] come from.
enum Items<'a, T> {
    /// A validated region of the received packet, read item by item.
    Wire {
        raw: &'a [u8],
        ctx: u8,
        next: ItemReader<'a, T>,
    },
    /// One item made from `bytes` and `tag`.
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    Single {
        bytes: &'a [u8],
        tag: u8,
        make: fn(&'a [u8], u8) -> Option<T>,
    },
    /// Items the caller made, in a slice.
    Slice(&'a [T]),
    /// Items the caller produces by index from its own data, for example a C array (the FFI
    /// layer).
    Indexed {
        data: &'a [u8],
        get: fn(&'a [u8], usize) -> Option<T>,
    },
}

/// A list inside a borrowed packet, readable without allocating.
///
/// A parsed packet's list is a region of the input that the parser has already validated,
/// read item by item on iteration. To encode a borrowed packet, build a list of a slice of
/// items ([`BorrowedList::from_slice`]) or from a function of the index
/// ([`BorrowedList::from_fn`]).
pub struct BorrowedList<'a, T> {
    items: Items<'a, T>,
    len: usize,
}

impl<'a, T> BorrowedList<'a, T> {
    /// A list of `len` items, item `i` being `get(data, i)` (a `None` ends the list early).
    ///
    /// `data` is whatever the items are made from: encoded items, an array of records, or
    /// nothing at all when `get` can make them from the index alone.
    pub fn from_fn(len: usize, data: &'a [u8], get: fn(&'a [u8], usize) -> Option<T>) -> Self {
        BorrowedList {
            items: Items::Indexed { data, get },
            len,
        }
    }

    /// A list of the items of a slice, walked in place when encoding: a SUBSCRIBE built from
    /// an array of subscriptions without allocating.
    ///
    /// ```
    /// use mqtt_codec::{
    ///     Borrowed, BorrowedList, Packet, PacketId, ProtocolVersion, QoS, Subscribe, Subscription,
    ///     SubscriptionOptions, TopicFilter,
    /// };
    ///
    /// let subscription = |filter: &'static [u8], qos| -> Result<_, mqtt_codec::TopicError> {
    ///     Ok(Subscription::<Borrowed<'_>> {
    ///         filter: TopicFilter::try_from_bytes(filter, false)?,
    ///         options: SubscriptionOptions::new(qos),
    ///     })
    /// };
    /// let subscriptions = [
    ///     subscription(b"PV/+/power", QoS::AtLeastOnce)?,
    ///     subscription(b"PV/#", QoS::AtMostOnce)?,
    /// ];
    /// let packet: Packet<Borrowed<'_>> = Packet::Subscribe(Subscribe {
    ///     packet_id: PacketId::new(3).unwrap(),
    ///     properties: Default::default(),
    ///     subscriptions: BorrowedList::from_slice(&subscriptions),
    /// });
    /// let mut buf = [0u8; 64];
    /// let n = packet.encode_to_slice(ProtocolVersion::V3_1_1, &mut buf)?;
    /// assert_eq!(&buf[..n], b"\x82\x16\0\x03\0\x0aPV/+/power\x01\0\x04PV/#\0");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_slice(items: &'a [T]) -> Self {
        BorrowedList {
            items: Items::Slice(items),
            len: items.len(),
        }
    }

    /// The items, when the list was made from a slice.
    fn slice(&self) -> Option<&'a [T]> {
        match self.items {
            Items::Slice(items) => Some(items),
            _ => None,
        }
    }

    /// A list of one item, `make(bytes, tag)`: a one-filter SUBSCRIBE or UNSUBSCRIBE built
    /// from a filter and its options byte, without allocating.
    #[cfg(feature = "client")]
    pub(crate) fn single(bytes: &'a [u8], tag: u8, make: fn(&'a [u8], u8) -> Option<T>) -> Self {
        BorrowedList {
            items: Items::Single { bytes, tag, make },
            len: 1,
        }
    }

    /// A list of `len` items read one after another from `raw` by `next`, which reads one
    /// item and advances the region past it (the readers of [`crate::region`] have this
    /// shape); `ctx` is passed to every call. Iterating reads each item once: a cursor, not a
    /// lookup by index. A `None` from `next` ends the list early.
    pub fn from_region(
        len: usize,
        raw: &'a [u8],
        ctx: u8,
        next: fn(&mut &'a [u8], u8) -> Option<T>,
    ) -> Self {
        BorrowedList {
            items: Items::Wire { raw, ctx, next },
            len,
        }
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the list has no items.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The items, in order, by value.
    pub fn iter(&self) -> BorrowedListIter<'a, T> {
        BorrowedListIter {
            items: match &self.items {
                Items::Wire { raw, ctx, next } => Items::Wire {
                    raw,
                    ctx: *ctx,
                    next: *next,
                },
                Items::Single { bytes, tag, make } => Items::Single {
                    bytes,
                    tag: *tag,
                    make: *make,
                },
                Items::Slice(items) => Items::Slice(items),
                Items::Indexed { data, get } => Items::Indexed { data, get: *get },
            },
            index: 0,
            len: self.len,
        }
    }

    /// For a list read from the wire, the raw encoded region its items are read from.
    pub fn raw(&self) -> Option<&'a [u8]> {
        match self.items {
            Items::Wire { raw, .. } => Some(raw),
            _ => None,
        }
    }
}

impl<T> Default for BorrowedList<'_, T> {
    /// An empty list; an empty slice, so that the encoder's walks of it stay in line.
    fn default() -> Self {
        BorrowedList::from_slice(&[])
    }
}

impl<T> Clone for BorrowedList<'_, T> {
    fn clone(&self) -> Self {
        let items = match &self.items {
            Items::Wire { raw, ctx, next } => Items::Wire {
                raw,
                ctx: *ctx,
                next: *next,
            },
            Items::Single { bytes, tag, make } => Items::Single {
                bytes,
                tag: *tag,
                make: *make,
            },
            Items::Slice(items) => Items::Slice(items),
            Items::Indexed { data, get } => Items::Indexed { data, get: *get },
        };
        BorrowedList {
            items,
            len: self.len,
        }
    }
}

impl<T: Clone> BorrowedListIter<'_, T> {
    fn next_item(&mut self) -> Option<T> {
        match &mut self.items {
            Items::Wire { raw, ctx, next } => next(raw, *ctx),
            Items::Single { bytes, tag, make } => make(bytes, *tag),
            Items::Slice(items) => items.get(self.index).cloned(),
            Items::Indexed { data, get } => get(data, self.index),
        }
    }
}

impl<T: Clone + PartialEq> PartialEq for BorrowedList<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl<T: Clone + Eq> Eq for BorrowedList<'_, T> {}

impl<T: Clone + fmt::Debug> fmt::Debug for BorrowedList<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T: Clone> IntoIterator for &BorrowedList<'a, T> {
    type Item = T;
    type IntoIter = BorrowedListIter<'a, T>;
    fn into_iter(self) -> BorrowedListIter<'a, T> {
        self.iter()
    }
}

/// Iterator over a [`BorrowedList`].
pub struct BorrowedListIter<'a, T> {
    items: Items<'a, T>,
    index: usize,
    len: usize,
}

impl<T: Clone> Iterator for BorrowedListIter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        if self.index >= self.len {
            return None;
        }
        let item = self.next_item()?;
        self.index = self.index.saturating_add(1);
        Some(item)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.len.saturating_sub(self.index);
        (0, Some(left))
    }
}
