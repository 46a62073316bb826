//! The properties of a borrowed packet: the section the parser validated, read on demand.
//!
//! A [`crate::PacketRef`] is returned by value from every parse, so its size is a cost paid
//! on every packet. Holding the 27 properties as fields made each view some 300 bytes larger;
//! a [`PropertyView`] is the section itself (a slice), and each getter walks it to the
//! property it wants, trusting what the parser checked (no UTF-8 or range check again). A
//! caller building a borrowed packet to encode points the view at [`Properties`] of its own.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::list_items;
use crate::properties::{next_in_section, skip_value, Properties, PropertyId, UserProperty};
use crate::property_slot::PropertySlot;
use crate::storage::{sealed::Sealed, Borrowed, BorrowedList};
use crate::string::MqttStr;
use crate::topic::TopicName;
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
            // Nothing to read in a build without 5.0 (see `for_each`), and the call is left
            // out with what it would link.
            if !cfg!(feature = "v5") {
                return props;
            }
            let (mut subscription_ids, mut users) = (0usize, 0usize);
            PropertyView::wire(raw).for_each(|property| match property {
                $( Property::$variant(v) => props.$field = Some(v), )*
                Property::SubscriptionIdentifier(_) => {
                    subscription_ids = subscription_ids.saturating_add(1)
                }
                Property::UserProperty(_) => users = users.saturating_add(1),
            });
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

/// Reads a value of a section the parser validated for [`PropertyView::for_each`], by the
/// property's kind, with [`walk`]'s readers.
macro_rules! walk_value {
    (Byte, $rest:expr) => {
        walk::array::<1>(&mut $rest).map(|[b]| *b)
    };
    (U16, $rest:expr) => {
        walk::array::<2>(&mut $rest).map(|b| u16::from_be_bytes(*b))
    };
    (U32, $rest:expr) => {
        walk::array::<4>(&mut $rest).map(|b| u32::from_be_bytes(*b))
    };
    (Str, $rest:expr) => {
        walk::binary(&mut $rest).map(MqttStr::from_validated)
    };
    (Topic, $rest:expr) => {
        walk::binary(&mut $rest).map(|b| TopicName::from_validated(MqttStr::from_validated(b)))
    };
    (Bin, $rest:expr) => {
        walk::binary(&mut $rest)
    };
}

/// Readers of a section the parser validated, over the slice itself and in line on hosts: a
/// value comes back in registers, where the checking `Reader` returns its `Result` through
/// memory (and a 16-byte copy of a view read back from there waits on the two stores that
/// wrote it). A `None` ends the walk, which only a section not from the parser can cause.
mod walk {
    use crate::wire::varint::read_varint;

    /// The next `N` bytes.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    pub(super) fn array<'a, const N: usize>(rest: &mut &'a [u8]) -> Option<&'a [u8; N]> {
        let (value, tail) = rest.split_first_chunk::<N>()?;
        *rest = tail;
        Some(value)
    }

    /// Binary Data or a string's bytes: a Two Byte Integer length and that many bytes.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    pub(super) fn binary<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
        let len = u16::from_be_bytes(*array::<2>(rest)?);
        let (value, tail) = rest.split_at_checked(usize::from(len))?;
        *rest = tail;
        Some(value)
    }

    /// A Variable Byte Integer; one byte (every property identifier) without a call.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    pub(super) fn varint(rest: &mut &[u8]) -> Option<u32> {
        match rest.split_first() {
            Some((&b, tail)) if b < 0x80 => {
                *rest = tail;
                Some(u32::from(b))
            }
            _ => {
                let (value, used) = read_varint(rest).ok()?;
                *rest = rest.get(used..)?;
                Some(value)
            }
        }
    }
}

/// One property as [`PropertyView::for_each`] hands it out: its value, borrowed from the
/// section (or from the [`Properties`] a view was made of).
macro_rules! property_enum {
    ($( ($id:literal, $variant:ident, $field:ident, $kind:ident, [$($section:ident),*],
        $name:literal $(, $note:literal)?) ),* $(,)?) => {
        /// One MQTT 5.0 property of a section, with its value; made by
        /// [`PropertyView::for_each`].
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub enum Property<'a> {
            $(
                #[doc = concat!("The ", $name, " (", stringify!($id), ").")]
                $variant(view_type!($kind)),
            )*
            /// A Subscription Identifier (0x0B); a section may hold several.
            SubscriptionIdentifier(u32),
            /// A User Property (0x26); a section may hold several, in order.
            UserProperty(UserProperty<Borrowed<'a>>),
        }

        impl<'a> PropertyView<'a> {
            /// Calls `f` with every property once, without allocating: in the order of the
            /// section for a parsed packet (duplicates of the repeatable ones included, as
            /// they arrived), in table order then the Subscription Identifiers and the User
            /// Properties for a view of built [`Properties`]. One walk of the section, for a
            /// caller that wants every property (a getter walks it to the property it wants).
            ///
            /// ```
            /// use mqtt_codec::{parse, Packet, ParseOptions, Property, ProtocolVersion, Status};
            ///
            /// // A 5.0 PUBLISH on "a" with Topic Alias 3 and a User Property k=v.
            /// let buf = [0x30, 0x0f, 0x00, 0x01, b'a', 0x0a, 0x23, 0x00, 0x03, 0x26, 0x00, 0x01,
            ///     b'k', 0x00, 0x01, b'v', b'!'];
            /// let Status::Complete((Packet::Publish(p), _)) = parse(&buf, &ParseOptions::new(ProtocolVersion::V5))? else {
            ///     panic!()
            /// };
            /// let mut seen = Vec::new();
            /// p.properties.for_each(|property| match property {
            ///     Property::TopicAlias(alias) => seen.push(format!("alias {alias}")),
            ///     Property::UserProperty(u) => seen.push(format!("{}={}", u.name.as_str(), u.value.as_str())),
            ///     _ => {}
            /// });
            /// assert_eq!(seen, ["alias 3", "k=v"]);
            /// # Ok::<(), mqtt_codec::DecodeError>(())
            /// ```
            // In line on hosts, so that the caller's match on the property meets the one that
            // made it; on bare metal (flash counts there) the compiler decides.
            #[cfg_attr(not(target_os = "none"), inline(always))]
            pub fn for_each(&self, mut f: impl FnMut(Property<'a>)) {
                match self.0 {
                    Repr::Wire(raw) => {
                        // A build without 5.0 has only empty sections over wire bytes: each is made on
                        // a 5.0 path, and those are constant false there. Firmware that speaks 3.1.1
                        // alone then links no property reader.
                        if !cfg!(feature = "v5") {
                            return;
                        }
                        let mut rest = raw;
                        while let Some(id) = walk::varint(&mut rest).and_then(PropertyId::from_u32) {
                            let property = match id {
                                $( PropertyId::$variant => walk_value!($kind, rest).map(Property::$variant), )*
                                PropertyId::SubscriptionIdentifier => {
                                    walk::varint(&mut rest).map(Property::SubscriptionIdentifier)
                                }
                                PropertyId::UserProperty => walk::binary(&mut rest).and_then(|name| {
                                    let value = walk::binary(&mut rest)?;
                                    Some(Property::UserProperty(UserProperty {
                                        name: MqttStr::from_validated(name),
                                        value: MqttStr::from_validated(value),
                                    }))
                                }),
                            };
                            match property {
                                Some(property) => f(property),
                                None => break,
                            }
                        }
                    }
                    Repr::Built(p) => {
                        $( if let Some(v) = &p.$field {
                            f(Property::$variant(v.clone()));
                        } )*
                        p.subscription_identifiers.iter().for_each(|id| f(Property::SubscriptionIdentifier(id)));
                        p.user_properties.iter().for_each(|u| f(Property::UserProperty(u)));
                    }
                }
            }
        }
    };
}

crate::for_each_property!(property_enum);

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
