//! The properties of a borrowed packet: the section the parser validated, read on demand.
//!
//! A [`crate::PacketRef`] is returned by value from every parse, so its size is a cost paid
//! on every packet. Holding the 27 properties as fields made each view some 300 bytes larger;
//! a [`PropertyView`] is the section itself (a slice), and each getter walks it to the
//! property it wants, trusting what the parser checked (no UTF-8 or range check again). A
//! caller building a borrowed packet to encode points the view at [`Properties`] of its own.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::list_items;
use crate::packet_type::PacketType;
use crate::properties::{next_in_section, skip_value, Properties, PropertyId, UserProperty};
use crate::property_slot::PropertySlot;
use crate::storage::{sealed::Sealed, Borrowed, BorrowedList};
use crate::string::MqttStr;
use crate::topic::TopicName;
use crate::wire::reader::Reader;
use core::fmt;

/// The MQTT 5.0 properties of a borrowed packet ([`crate::PacketRef`]): a view of the
/// property section the parser validated, or of [`Properties`] the caller built.
///
/// Each property has a getter named like the [`Properties`] field, which reads the section
/// until it finds it; [`PropertyView::to_properties`] reads them all at once, and
/// [`PropertySlot::with`] lends them as a [`Properties`] to code that handles owned and
/// borrowed packets alike.
///
/// ```
/// use mqtt_codec::{parse, Packet, ParseOptions, ProtocolVersion, Status};
///
/// // A 5.0 PUBLISH on "a" with Topic Alias 3 and the payload "hi".
/// let buf = [0x30, 0x09, 0x00, 0x01, b'a', 0x03, 0x23, 0x00, 0x03, b'h', b'i'];
/// let Status::Complete((Packet::Publish(p), _)) = parse(&buf, &ParseOptions::new(ProtocolVersion::V5))? else {
///     panic!()
/// };
/// assert_eq!(p.properties.topic_alias(), Some(3));
/// assert_eq!(p.properties.content_type(), None);
/// assert!(p.properties.user_properties().is_empty());
/// # Ok::<(), mqtt_codec::DecodeError>(())
/// ```
#[derive(Clone, Copy)]
pub struct PropertyView<'a>(Repr<'a>);

#[derive(Clone, Copy)]
enum Repr<'a> {
    /// A section's content (without its Property Length) that the parser validated.
    Wire(&'a [u8]),
    /// Properties a caller built, to encode.
    Built(&'a Properties<Borrowed<'a>>),
}

impl<'a> PropertyView<'a> {
    /// A view of `properties`, for a borrowed packet that is to be encoded.
    pub fn new(properties: &'a Properties<Borrowed<'a>>) -> Self {
        PropertyView(Repr::Built(properties))
    }

    /// A view of a section's content that the parser validated.
    pub(crate) fn wire(raw: &'a [u8]) -> Self {
        PropertyView(Repr::Wire(raw))
    }

    /// True when no property is set.
    pub fn is_empty(&self) -> bool {
        match self.0 {
            Repr::Wire(raw) => raw.is_empty(),
            Repr::Built(p) => p.is_empty(),
        }
    }

    /// The encoded section content (without the Property Length) of a parsed packet, as it
    /// arrived; `None` for a view of built [`Properties`].
    pub fn raw(&self) -> Option<&'a [u8]> {
        match self.0 {
            Repr::Wire(raw) => Some(raw),
            Repr::Built(_) => None,
        }
    }

    /// Every property at once, read from the section.
    pub fn to_properties(&self) -> Properties<Borrowed<'a>> {
        match self.0 {
            Repr::Wire(raw) => read_validated(raw),
            Repr::Built(p) => p.clone(),
        }
    }

    /// Subscription Identifiers (0x0B), in order.
    pub fn subscription_identifiers(&self) -> BorrowedList<'a, u32> {
        match self.0 {
            Repr::Wire(raw) => BorrowedList::from_region(
                count(raw, PropertyId::SubscriptionIdentifier),
                raw,
                0,
                list_items::subscription_identifier,
            ),
            Repr::Built(p) => p.subscription_identifiers.clone(),
        }
    }

    /// User Properties (0x26), in order.
    pub fn user_properties(&self) -> BorrowedList<'a, UserProperty<Borrowed<'a>>> {
        match self.0 {
            Repr::Wire(raw) => BorrowedList::from_region(
                count(raw, PropertyId::UserProperty),
                raw,
                0,
                list_items::user_property,
            ),
            Repr::Built(p) => p.user_properties.clone(),
        }
    }
}

/// How many times `wanted` occurs in a validated section.
fn count(raw: &[u8], wanted: PropertyId) -> usize {
    let mut rest = raw;
    let mut n = 0usize;
    while next_in_section(&mut rest, wanted, |r| skip_value(r, wanted)).is_some() {
        n = n.saturating_add(1);
    }
    n
}

/// Reads a value the parser validated, without checking it again.
macro_rules! view_value {
    (Byte, $r:expr) => {
        $r.u8("").ok()
    };
    (U16, $r:expr) => {
        $r.u16("").ok()
    };
    (U32, $r:expr) => {
        $r.u32("").ok()
    };
    (Str, $r:expr) => {
        $r.binary("").ok().map(MqttStr::from_validated)
    };
    (Topic, $r:expr) => {
        $r.binary("")
            .ok()
            .map(|b| TopicName::from_validated(MqttStr::from_validated(b)))
    };
    (Bin, $r:expr) => {
        $r.binary("").ok()
    };
}

macro_rules! view_type {
    (Byte) => { u8 };
    (U16) => { u16 };
    (U32) => { u32 };
    (Str) => { MqttStr<&'a [u8]> };
    (Topic) => { TopicName<&'a [u8]> };
    (Bin) => { &'a [u8] };
}

/// Every property of a section the parser validated, as fields, read without checking
/// anything again; a section that did not come from the parser stops at its first
/// malformed property.
macro_rules! reader {
    ($( ($id:literal, $variant:ident, $field:ident, $kind:ident $(, $rest:tt)*) ),* $(,)?) => {
        fn read_validated(raw: &[u8]) -> Properties<Borrowed<'_>> {
            let mut props = Properties::default();
            // A build without 5.0 has only empty sections over wire bytes: each is made on
            // a 5.0 path, and those are constant false there. Firmware that speaks 3.1.1
            // alone then links no property reader.
            if !cfg!(feature = "v5") {
                return props;
            }
            let (mut subscription_ids, mut users) = (0usize, 0usize);
            let mut r = Reader::new(raw, PacketType::Publish);
            while let Some(id) = r.varint("").ok().and_then(PropertyId::from_u32) {
                let read = match id {
                    $( PropertyId::$variant => {
                        props.$field = view_value!($kind, r);
                        props.$field.is_some()
                    } )*
                    PropertyId::SubscriptionIdentifier | PropertyId::UserProperty => {
                        let n = if id == PropertyId::UserProperty { &mut users } else { &mut subscription_ids };
                        *n = n.saturating_add(1);
                        skip_value(&mut r, id).is_some()
                    }
                };
                if !read {
                    break;
                }
            }
            props.subscription_identifiers = BorrowedList::from_region(
                subscription_ids,
                raw,
                0,
                list_items::subscription_identifier,
            );
            props.user_properties = BorrowedList::from_region(
                users,
                raw,
                0,
                list_items::user_property,
            );
            props
        }
    };
}

crate::for_each_property!(reader);

macro_rules! getters {
    ($( ($id:literal, $variant:ident, $field:ident, $kind:ident, [$($section:ident),*],
        $name:literal $(, $note:literal)?) ),* $(,)?) => {
        impl<'a> PropertyView<'a> {
            $(
                #[doc = concat!("The ", $name, " (", stringify!($id), "), if present.")]
                pub fn $field(&self) -> Option<view_type!($kind)> {
                    match self.0 {
                        Repr::Wire(raw) => {
                            let mut rest = raw;
                            next_in_section(&mut rest, PropertyId::$variant, |r| view_value!($kind, r))
                        }
                        Repr::Built(p) => p.$field.clone(),
                    }
                }
            )*
        }
    };
}

crate::for_each_property!(getters);

impl Default for PropertyView<'_> {
    fn default() -> Self {
        PropertyView(Repr::Wire(&[]))
    }
}

impl<'a> From<&'a Properties<Borrowed<'a>>> for PropertyView<'a> {
    fn from(p: &'a Properties<Borrowed<'a>>) -> Self {
        PropertyView::new(p)
    }
}

impl Sealed for PropertyView<'_> {}

impl<'a> PropertySlot<Borrowed<'a>> for PropertyView<'a> {
    fn is_empty(&self) -> bool {
        PropertyView::is_empty(self)
    }

    fn with<R>(&self, f: impl FnOnce(&Properties<Borrowed<'a>>) -> R) -> R {
        match self.0 {
            Repr::Wire(raw) => f(&read_validated(raw)),
            Repr::Built(p) => f(p),
        }
    }

    fn region(&self) -> Option<&[u8]> {
        self.raw()
    }

    #[inline]
    fn is_bare(&self) -> bool {
        matches!(self.0, Repr::Wire(raw) if raw.is_empty())
    }
}

impl PartialEq for PropertyView<'_> {
    /// Equal when the properties are, however each view holds them.
    fn eq(&self, other: &Self) -> bool {
        match (self.0, other.0) {
            (Repr::Wire(a), Repr::Wire(b)) if a == b => true,
            _ => self.with(|a| other.with(|b| a == b)),
        }
    }
}

impl Eq for PropertyView<'_> {}

impl fmt::Debug for PropertyView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with(|p| p.fmt(f))
    }
}
