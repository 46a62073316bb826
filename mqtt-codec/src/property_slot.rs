//! How a packet holds its properties: boxed and absent when empty in an owned packet,
//! inline in a borrowed one.
//!
//! [`Properties`] has a field for each of the 27 MQTT 5.0 properties, some 400 bytes. Held
//! inline, it made every owned [`crate::Packet`] nearly a kilobyte, and moving packets out
//! of the decoder cost more than parsing them (a third of an owned decode was `memcpy`). Most
//! packets carry no property at all (every 3.x packet, most 5.0 acknowledgements), so an
//! owned packet keeps them in a [`BoxedProperties`]: one pointer, null when there is none,
//! allocated on the first property set. A borrowed packet ([`crate::PacketRef`]) must not
//! allocate, so it keeps them inline in an [`InlineProperties`].
//!
//! Both dereference to [`Properties`], so reading and writing a field looks the same either
//! way: `publish.properties.content_type`, `publish.properties.topic_alias = Some(3)`.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::properties::Properties;
use crate::storage::Borrowed;
use core::fmt;
use core::ops::{Deref, DerefMut};

#[cfg(feature = "alloc")]
pub use boxed::BoxedProperties;

/// The owned slot, which allocates.
#[cfg(feature = "alloc")]
mod boxed {
    use super::*;
    use crate::storage::Owned;
    use alloc::boxed::Box;

    /// The properties of an owned packet: `None` until one is set, so a packet without
    /// properties stays small and costs no allocation.
    ///
    /// Reading an absent set gives an empty [`Properties`]; writing through `DerefMut` allocates
    /// it. Two values are equal when their properties are, boxed or not.
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
    pub struct BoxedProperties(pub(super) Option<Box<Properties<Owned>>>);

    /// What an absent [`BoxedProperties`] reads as.
    static NO_PROPERTIES: Properties<Owned> = Properties::EMPTY;

    impl BoxedProperties {
        /// True when no property is set; cheap when none was ever set.
        pub fn is_empty(&self) -> bool {
            match &self.0 {
                None => true,
                Some(p) => p.is_empty(),
            }
        }

        /// The properties, moved out.
        pub fn into_inner(self) -> Properties<Owned> {
            self.0.map_or_else(Properties::default, |b| *b)
        }
    }

    impl Deref for BoxedProperties {
        type Target = Properties<Owned>;
        fn deref(&self) -> &Properties<Owned> {
            self.0.as_deref().unwrap_or(&NO_PROPERTIES)
        }
    }

    impl DerefMut for BoxedProperties {
        fn deref_mut(&mut self) -> &mut Properties<Owned> {
            self.0.get_or_insert_with(Box::default)
        }
    }

    impl From<Properties<Owned>> for BoxedProperties {
        fn from(p: Properties<Owned>) -> Self {
            BoxedProperties((!p.is_empty()).then(|| Box::new(p)))
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

/// The properties of a borrowed packet, held inline so that parsing allocates nothing.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct InlineProperties<'a>(pub Properties<Borrowed<'a>>);

impl<'a> InlineProperties<'a> {
    /// True when no property is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The properties, moved out.
    pub fn into_inner(self) -> Properties<Borrowed<'a>> {
        self.0
    }
}

impl<'a> Deref for InlineProperties<'a> {
    type Target = Properties<Borrowed<'a>>;
    fn deref(&self) -> &Properties<Borrowed<'a>> {
        &self.0
    }
}

impl DerefMut for InlineProperties<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl<'a> From<Properties<Borrowed<'a>>> for InlineProperties<'a> {
    fn from(p: Properties<Borrowed<'a>>) -> Self {
        InlineProperties(p)
    }
}

impl fmt::Debug for InlineProperties<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
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
