//! How a packet holds its properties ([`PropertySlot`]): boxed and absent when empty in an
//! owned packet, a view of the validated section in a borrowed one.
//!
//! [`Properties`] has a field for each of the 27 MQTT 5.0 properties, some 300 to 400 bytes.
//! Held inline, it made every owned [`crate::Packet`] nearly a kilobyte, and moving packets
//! out of the decoder cost more than parsing them (a third of an owned decode was `memcpy`).
//! Most packets carry no property at all (every 3.x packet, most 5.0 acknowledgements), so an
//! owned packet keeps them in a [`BoxedProperties`]: one pointer, null when there is none,
//! allocated on the first property set; it dereferences to [`Properties`], so
//! `publish.properties.topic_alias = Some(3)` reads as a field. A borrowed packet
//! ([`crate::PacketRef`]) keeps the section it was parsed from
//! ([`crate::PropertyView`]), read on demand, so that a view stays small.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::properties::Properties;
use crate::storage::{sealed::Sealed, Storage};
use core::fmt;
#[cfg(feature = "alloc")]
use core::ops::{Deref, DerefMut};

/// How a packet of storage `S` holds its properties: [`BoxedProperties`] in an owned packet,
/// [`crate::PropertyView`] in a borrowed one. Generic code reads them through
/// [`PropertySlot::with`].
pub trait PropertySlot<S: Storage>: Sealed + Clone + fmt::Debug + PartialEq + Eq + Default {
    /// True when no property is set.
    fn is_empty(&self) -> bool;

    /// Calls `f` with the properties as one [`Properties`]: an owned packet's in place, a
    /// borrowed packet's read from its section for the call.
    ///
    /// ```
    /// use mqtt_codec::{parse, Packet, ParseOptions, PropertySlot, ProtocolVersion, Status};
    ///
    /// // A 5.0 PUBACK with the Reason String "no".
    /// let buf = [0x40, 0x09, 0x00, 0x01, 0x10, 0x05, 0x1F, 0x00, 0x02, b'n', b'o'];
    /// let Status::Complete((Packet::PubAck(ack), _)) = parse(&buf, &ParseOptions::new(ProtocolVersion::V5))? else {
    ///     panic!()
    /// };
    /// assert_eq!(ack.properties.with(|p| p.reason_string.as_ref().map(|s| s.len())), Some(2));
    /// # Ok::<(), mqtt_codec::DecodeError>(())
    /// ```
    fn with<R>(&self, f: impl FnOnce(&Properties<S>) -> R) -> R;

    /// The encoded section content (without the Property Length) where the slot holds one
    /// the parser validated; the encoder copies it after checking it fits the packet.
    #[doc(hidden)]
    fn region(&self) -> Option<&[u8]>;

    /// True when the slot holds nothing at all (no set allocated, an empty section): a
    /// test without a walk over the fields, for the encoder's short forms. A slot that
    /// holds a set with nothing in it answers false; [`PropertySlot::is_empty`] sees it.
    #[doc(hidden)]
    fn is_bare(&self) -> bool;
}

#[cfg(feature = "alloc")]
pub use boxed::BoxedProperties;

/// The owned slot, which allocates.
#[cfg(feature = "alloc")]
mod boxed {
    use super::*;
    use crate::storage::Owned;
    use alloc::boxed::Box;
    use bytes::Bytes;

    /// The properties of an owned packet: `None` until one is set, so a packet without
    /// properties stays small and costs no allocation.
    ///
    /// Reading an absent set gives an empty [`Properties`]; writing through `DerefMut` allocates
    /// it. Two values are equal when their properties are, boxed or not.
    ///
    /// Properties converted from a parsed packet go out as they arrived, in their order,
    /// until they are written to (the specification lets a sender put them in any order, so
    /// a packet passed on or re-encoded is byte for byte the one received): a section whose
    /// order is not the encoder's own is kept beside the set for that.
    ///
    /// ```
    /// use mqtt_codec::{Publish, TopicName};
    ///
    /// let mut publish = Publish::new(TopicName::from_static("PV/data")?, "42.5");
    /// assert!(publish.properties.is_empty());
    /// publish.properties.message_expiry_interval = Some(60);
    /// assert_eq!(publish.properties.message_expiry_interval, Some(60));
    /// # Ok::<(), mqtt_codec::TopicError>(())
    /// ```
    #[derive(Clone, Default)]
    pub struct BoxedProperties(pub(super) Option<Box<Held>>);

    /// A boxed set and the section it was read from, when it must go out as it came (not
    /// when it was built, or has been written to since).
    #[derive(Clone, Default)]
    pub(super) struct Held {
        pub(super) set: Properties<Owned>,
        received: Option<Bytes>,
    }

    /// What an absent [`BoxedProperties`] reads as.
    static NO_PROPERTIES: Properties<Owned> = Properties::EMPTY;

    impl BoxedProperties {
        /// True when no property is set; cheap when none was ever set.
        #[inline]
        pub fn is_empty(&self) -> bool {
            match &self.0 {
                None => true,
                Some(p) => p.set.is_empty(),
            }
        }

        /// The properties, moved out.
        pub fn into_inner(self) -> Properties<Owned> {
            self.0.map_or_else(Properties::default, |b| b.set)
        }

        /// A set filled by `fill` in its box; `fill` returns the validated section content
        /// the set was read from when the set must keep it (see the type's docs), and the
        /// set must then equal that section's.
        pub(crate) fn filled(fill: impl FnOnce(&mut Properties<Owned>) -> Option<Bytes>) -> Self {
            // Filled in its box: the set is some 400 bytes, and returning it by value and
            // then boxing it copied it three times.
            let mut held = Box::<Held>::default();
            let received = fill(&mut held.set);
            if held.set.is_empty() {
                return BoxedProperties(None);
            }
            held.received = received;
            BoxedProperties(Some(held))
        }
    }

    impl Deref for BoxedProperties {
        type Target = Properties<Owned>;
        fn deref(&self) -> &Properties<Owned> {
            self.0.as_deref().map_or(&NO_PROPERTIES, |h| &h.set)
        }
    }

    impl DerefMut for BoxedProperties {
        /// The set, to be written to: the section it was read from no longer stands for it.
        fn deref_mut(&mut self) -> &mut Properties<Owned> {
            let held = self.0.get_or_insert_with(Box::default);
            held.received = None;
            &mut held.set
        }
    }

    impl Sealed for BoxedProperties {}

    impl PropertySlot<Owned> for BoxedProperties {
        #[inline]
        fn is_empty(&self) -> bool {
            BoxedProperties::is_empty(self)
        }
        fn with<R>(&self, f: impl FnOnce(&Properties<Owned>) -> R) -> R {
            f(self)
        }
        #[inline]
        fn region(&self) -> Option<&[u8]> {
            self.0.as_deref().and_then(|h| h.received.as_deref())
        }
        #[inline]
        fn is_bare(&self) -> bool {
            self.0.is_none()
        }
    }

    impl From<Box<Properties<Owned>>> for BoxedProperties {
        fn from(p: Box<Properties<Owned>>) -> Self {
            BoxedProperties::from(*p)
        }
    }

    impl From<Properties<Owned>> for BoxedProperties {
        fn from(set: Properties<Owned>) -> Self {
            BoxedProperties((!set.is_empty()).then(|| {
                Box::new(Held {
                    set,
                    received: None,
                })
            }))
        }
    }

    impl PartialEq for BoxedProperties {
        fn eq(&self, other: &Self) -> bool {
            **self == **other
        }
    }

    impl Eq for BoxedProperties {}

    impl PartialEq<Properties<Owned>> for BoxedProperties {
        fn eq(&self, other: &Properties<Owned>) -> bool {
            **self == *other
        }
    }

    impl fmt::Debug for BoxedProperties {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            (**self).fmt(f)
        }
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use alloc::boxed::Box;

    #[test]
    fn absent_properties_read_as_empty_and_compare_equal_to_empty_ones() {
        let absent = BoxedProperties::default();
        assert!(absent.0.is_none());
        assert!(absent.is_empty());
        assert_eq!(absent.topic_alias, None);
        let boxed_empty = BoxedProperties(Some(Box::default()));
        assert!(boxed_empty.region().is_none());
        assert_eq!(absent, boxed_empty);
        assert_eq!(absent, Properties::default());
    }

    #[test]
    fn writing_a_property_allocates_and_from_keeps_empty_sets_unboxed() {
        let mut slot = BoxedProperties(None);
        slot.topic_alias = Some(3);
        assert!(slot.0.is_some());
        assert!(!slot.is_empty());
        assert_eq!(slot.clone().into_inner().topic_alias, Some(3));
        assert!(BoxedProperties::from(Properties::default()).0.is_none());
    }
}
