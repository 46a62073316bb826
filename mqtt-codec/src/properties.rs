//! MQTT 5.0 properties (§2.2.2, table 2-4): every property with its data type, the packets
//! that may carry it, the ones that may repeat, and the value ranges.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::{DecodeError, EncodeError};
use crate::list_kind::{SubscriptionIdentifiers, UserProperties};
use crate::packet_type::PacketType;
pub use crate::property_id::PropertyId;
use crate::property_id::{prop_text, Kind};
use crate::property_slot::PropertySlot;
use crate::property_view::PropertyView;
#[cfg(feature = "alloc")]
use crate::storage::Owned;
use crate::storage::Storage;
use crate::string::MqttStr;
use crate::topic::TopicName;
use crate::version::Role;
use crate::wire::reader::Reader;
use crate::wire::varint::{varint_len, MAX_VARINT};
use crate::wire::writer::Put;
use crate::wire::writer::{prefixed_len, put_prefixed, put_varint};
use core::fmt;

/// A User Property (0x26): a name and a value, both UTF-8 strings. Names may repeat and the
/// order is kept ([MQTT-3.3.2-17], [MQTT-3.3.2-18]).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct UserProperty<S: Storage = crate::storage::DefaultStorage> {
    /// The name.
    pub name: MqttStr<S::Bytes>,
    /// The value.
    pub value: MqttStr<S::Bytes>,
}

#[cfg(feature = "alloc")]
impl UserProperty<Owned> {
    /// A user property from two strings (copied). Fails on U+0000 or over 65,535 bytes.
    pub fn new(name: &str, value: &str) -> Result<Self, crate::StrError> {
        Ok(UserProperty {
            name: MqttStr::new(name)?,
            value: MqttStr::new(value)?,
        })
    }
}

impl<S: Storage> fmt::Debug for UserProperty<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({:?}, {:?})", self.name, self.value)
    }
}

/// Which property section is being read or written: it decides the allowed identifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PropContext {
    Packet(PacketType),
    Will,
}

impl PropContext {
    fn name(self) -> &'static str {
        match self {
            PropContext::Packet(t) => t.name(),
            PropContext::Will => "will properties",
        }
    }

    /// The allowed identifiers as a bit set (checklist §3, "Allowed-set lookup").
    fn allowed(self) -> u64 {
        match self {
            PropContext::Will => WILL_SET,
            PropContext::Packet(t) => match t {
                PacketType::Connect => CONNECT_SET,
                PacketType::ConnAck => CONNACK_SET,
                PacketType::Publish => PUBLISH_SET,
                PacketType::PubAck
                | PacketType::PubRec
                | PacketType::PubRel
                | PacketType::PubComp
                | PacketType::SubAck
                | PacketType::UnsubAck => ACK_SET,
                PacketType::Subscribe => SUBSCRIBE_SET,
                PacketType::Unsubscribe => UNSUBSCRIBE_SET,
                PacketType::Disconnect => DISCONNECT_SET,
                PacketType::Auth => AUTH_SET,
                PacketType::PingReq | PacketType::PingResp => 0,
            },
        }
    }

    fn allows(self, id: PropertyId) -> bool {
        self.allowed() & bit(id) != 0
    }
}

/// The property sections of table 2-4: a will, a packet type, or the six acknowledgements
/// together (they allow the same properties).
#[derive(Clone, Copy)]
enum Section {
    Will,
    Connect,
    ConnAck,
    Publish,
    Ack,
    Subscribe,
    Unsubscribe,
    Disconnect,
    Auth,
}

/// True when `sections` holds `section`.
// Evaluated at compile time only, on the table's constant lists.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn in_sections(sections: &[Section], section: Section) -> bool {
    let mut i = 0;
    while i < sections.len() {
        if sections[i] as u8 == section as u8 {
            return true;
        }
        i += 1;
    }
    false
}

/// The identifiers `section` allows, one bit each: the table's properties that list it, User
/// Property everywhere, Subscription Identifier in PUBLISH and SUBSCRIBE.
const fn section_set(section: Section) -> u64 {
    let subscription_id = match section {
        Section::Publish | Section::Subscribe => 1u64 << 0x0B,
        _ => 0,
    };
    table_set(section) | subscription_id | 1u64 << 0x26
}

const WILL_SET: u64 = section_set(Section::Will);
const CONNECT_SET: u64 = section_set(Section::Connect);
const CONNACK_SET: u64 = section_set(Section::ConnAck);
const PUBLISH_SET: u64 = section_set(Section::Publish);
const ACK_SET: u64 = section_set(Section::Ack);
const SUBSCRIBE_SET: u64 = section_set(Section::Subscribe);
const UNSUBSCRIBE_SET: u64 = section_set(Section::Unsubscribe);
const DISCONNECT_SET: u64 = section_set(Section::Disconnect);
const AUTH_SET: u64 = section_set(Section::Auth);

macro_rules! prop_type {
    (Byte) => {
        u8
    };
    (U16) => {
        u16
    };
    (U32) => {
        u32
    };
    (Str) => {
        MqttStr<S::Bytes>
    };
    (Topic) => {
        TopicName<S::Bytes>
    };
    (Bin) => {
        S::Bytes
    };
}

macro_rules! read_prop {
    (Byte, $r:expr, $name:expr) => {
        $r.u8($name)?
    };
    (U16, $r:expr, $name:expr) => {
        $r.u16($name)?
    };
    (U32, $r:expr, $name:expr) => {
        $r.u32($name)?
    };
    (Str, $r:expr, $name:expr) => {
        $r.string($name)?
    };
    (Topic, $r:expr, $name:expr) => {
        TopicName::from_validated($r.topic_name($name)?)
    };
    (Bin, $r:expr, $name:expr) => {
        $r.binary($name)?
    };
}

macro_rules! int_value {
    (Byte, $v:expr) => {
        Some(u32::from(*$v))
    };
    (U16, $v:expr) => {
        Some(u32::from(*$v))
    };
    (U32, $v:expr) => {
        Some(*$v)
    };
    ($other:ident, $v:expr) => {
        None::<u32>
    };
}

macro_rules! value_len {
    (Byte, $v:expr, $name:expr) => {
        1usize
    };
    (U16, $v:expr, $name:expr) => {
        2usize
    };
    (U32, $v:expr, $name:expr) => {
        4usize
    };
    (Str, $v:expr, $name:expr) => {
        prefixed_len($name, $v.as_bytes())?
    };
    (Topic, $v:expr, $name:expr) => {
        prefixed_len($name, $v.as_mqtt_str().as_bytes())?
    };
    (Bin, $v:expr, $name:expr) => {
        prefixed_len($name, $v.as_ref())?
    };
}

macro_rules! write_value {
    (Byte, $b:expr, $v:expr) => {
        $b.put_u8(*$v)
    };
    (U16, $b:expr, $v:expr) => {
        $b.put_u16(*$v)
    };
    (U32, $b:expr, $v:expr) => {
        $b.put_u32(*$v)
    };
    (Str, $b:expr, $v:expr) => {
        put_prefixed($b, $v.as_bytes())
    };
    (Topic, $b:expr, $v:expr) => {
        put_prefixed($b, $v.as_mqtt_str().as_bytes())
    };
    (Bin, $b:expr, $v:expr) => {
        put_prefixed($b, $v.as_ref())
    };
}

macro_rules! define_properties {
    ($(
        ($id:literal, $variant:ident, $field:ident, $kind:ident, [$($section:ident),*],
            $name:literal $(, $note:literal)?)
    ),* $(,)?) => {
        /// The identifiers of the table's properties that `section` allows, one bit each.
        const fn table_set(section: Section) -> u64 {
            let mut bits = 0u64;
            $( if in_sections(&[$(Section::$section),*], section) {
                bits |= 1u64 << $id;
            } )*
            bits
        }

        /// The properties of an MQTT 5.0 packet or will. Every field is optional; which ones a
        /// packet may carry is table 2-4, checked on decode and on encode. Under MQTT 3.x the
        /// section does not exist and must stay empty.
        pub struct Properties<S: Storage = crate::storage::DefaultStorage> {
            $( #[doc = prop_text!($id, $name $(, $note)?)] pub $field: Option<prop_type!($kind)>, )*
            /// Subscription Identifiers (0x0B): one in SUBSCRIBE, any number in a
            /// server-to-client PUBLISH.
            pub subscription_identifiers: S::List<SubscriptionIdentifiers>,
            /// User Properties (0x26), in order.
            pub user_properties: S::List<UserProperties>,
        }


        #[cfg(feature = "alloc")]
        impl Properties<Owned> {
            /// No property set, as a constant.
            pub const EMPTY: Self = Properties {
                $( $field: None, )*
                subscription_identifiers: alloc::vec::Vec::new(),
                user_properties: alloc::vec::Vec::new(),
            };
        }

        // Clone and PartialEq are written out because a derive cannot see through the type
        // macro of a field.
        impl<S: Storage> Clone for Properties<S> {
            fn clone(&self) -> Self {
                Properties {
                    $( $field: self.$field.clone(), )*
                    subscription_identifiers: self.subscription_identifiers.clone(),
                    user_properties: self.user_properties.clone(),
                }
            }
        }

        impl<S: Storage> PartialEq for Properties<S> {
            fn eq(&self, other: &Self) -> bool {
                true $( && self.$field == other.$field )*
                    && self.subscription_identifiers == other.subscription_identifiers
                    && self.user_properties == other.user_properties
            }
        }

        impl<S: Storage> Eq for Properties<S> {}

        impl<S: Storage> Default for Properties<S> {
            fn default() -> Self {
                Properties {
                    $( $field: None, )*
                    subscription_identifiers: Default::default(),
                    user_properties: Default::default(),
                }
            }
        }

        impl<S: Storage> fmt::Debug for Properties<S> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut d = f.debug_struct("Properties");
                $( if let Some(v) = &self.$field { d.field(stringify!($field), v); } )*
                if S::len(&self.subscription_identifiers) > 0 {
                    d.field("subscription_identifiers", &self.subscription_identifiers);
                }
                if S::len(&self.user_properties) > 0 {
                    d.field("user_properties", &self.user_properties);
                }
                d.finish()
            }
        }

        impl<S: Storage> Properties<S> {
            /// True when no property is set.
            pub fn is_empty(&self) -> bool {
                true $( && self.$field.is_none() )*
                    && S::len(&self.subscription_identifiers) == 0
                    && S::len(&self.user_properties) == 0
            }

            /// Checks the set properties against `ctx` and the value ranges, and returns the
            /// encoded size of the section's content (without the Property Length).
            pub(crate) fn content_len(&self, ctx: PropContext) -> Result<usize, EncodeError> {
                self.content_len_in(ctx, ctx.allowed())
            }

            /// [`Properties::content_len`] given `allowed`, the set of `ctx`. Inlined where
            /// that set is a constant, each test against it folds away: a property it names
            /// is sized, any other that is set is an error.
            #[inline(always)]
            pub(crate) fn content_len_in(&self, ctx: PropContext, allowed: u64) -> Result<usize, EncodeError> {
                let mut len = 0usize;
                $( if let Some(v) = &self.$field {
                    let id = PropertyId::$variant;
                    allow_in(allowed, ctx, id)?;
                    if let Some(n) = int_value!($kind, v) {
                        check_value(id, n).map_err(|()| EncodeError::InvalidPropertyValue { property: id, value: n })?;
                    }
                    len = len.saturating_add(value_len!($kind, v, $name)).saturating_add(1);
                } )*
                // Where the lists may be, before what is in them: a list the context refuses
                // is named before a bad value in it.
                let count = S::len(&self.subscription_identifiers);
                if count > 0 {
                    allow_in(allowed, ctx, PropertyId::SubscriptionIdentifier)?;
                    if count > 1 && ctx != PropContext::Packet(PacketType::Publish) {
                        return Err(EncodeError::PropertyNotAllowed { property: PropertyId::SubscriptionIdentifier, context: "SUBSCRIBE more than once" });
                    }
                }
                if S::len(&self.user_properties) > 0 {
                    allow_in(allowed, ctx, PropertyId::UserProperty)?;
                }
                let ids = S::try_sum(&self.subscription_identifiers, |&id| {
                    if id == 0 || id > MAX_VARINT {
                        return Err(EncodeError::InvalidPropertyValue { property: PropertyId::SubscriptionIdentifier, value: id });
                    }
                    Ok(varint_len(id).saturating_add(1))
                })?;
                let users = S::try_sum(&self.user_properties, |p| {
                    let name = prefixed_len("user property name", p.name.as_bytes())?;
                    let value = prefixed_len("user property value", p.value.as_bytes())?;
                    Ok(name.saturating_add(value).saturating_add(1))
                })?;
                Ok(len.saturating_add(ids).saturating_add(users))
            }

            /// Writes the section's content (after [`Properties::content_len`] succeeded).
            #[inline]
            pub(crate) fn write_content(&self, buf: &mut impl Put) {
                self.write_content_in(u64::MAX, buf)
            }

            /// [`Properties::write_content`] of a set that [`Properties::content_len_in`]
            /// checked against `allowed`, so that only the properties `allowed` names can be
            /// set: where it is a constant, the others are not even looked at.
            #[inline(always)]
            pub(crate) fn write_content_in(&self, allowed: u64, buf: &mut impl Put) {
                $( if allowed & bit(PropertyId::$variant) != 0 {
                    if let Some(v) = &self.$field {
                        buf.put_u8($id);
                        write_value!($kind, buf, v);
                    }
                } )*
                if allowed & bit(PropertyId::SubscriptionIdentifier) != 0 {
                    S::for_each(&self.subscription_identifiers, |&id| {
                        buf.put_u8(0x0B);
                        put_varint(buf, id);
                    });
                }
                if allowed & bit(PropertyId::UserProperty) != 0 {
                    S::for_each(&self.user_properties, |p| {
                        buf.put_u8(0x26);
                        put_prefixed(buf, p.name.as_bytes());
                        put_prefixed(buf, p.value.as_bytes());
                    });
                }
            }
        }

        /// Reads and checks one single-instance property whose identifier was read already.
        fn check_single(id: PropertyId, r: &mut Reader<'_>) -> Result<(), DecodeError> {
            match id {
                $( PropertyId::$variant => {
                    let value = read_prop!($kind, r, $name);
                    if let Some(v) = int_value!($kind, &value) {
                        check_value(id, v).map_err(|()| DecodeError::InvalidPropertyValue { property: id, value: v })?;
                    }
                    let _ = value;
                } )*
                PropertyId::SubscriptionIdentifier | PropertyId::UserProperty => {}
            }
            Ok(())
        }
    };
}

crate::for_each_property!(define_properties);

/// Value ranges (PR-7): every Byte property is 0 or 1; Receive Maximum, Maximum Packet Size
/// and Topic Alias are not 0.
#[inline]
fn check_value(id: PropertyId, value: u32) -> Result<(), ()> {
    let ok = match id.kind() {
        Kind::Byte => value <= 1,
        _ => {
            !matches!(
                id,
                PropertyId::ReceiveMaximum | PropertyId::MaximumPacketSize | PropertyId::TopicAlias
            ) || value != 0
        }
    };
    if ok {
        Ok(())
    } else {
        Err(())
    }
}

#[inline]
fn allow(ctx: PropContext, id: PropertyId) -> Result<(), EncodeError> {
    allow_in(ctx.allowed(), ctx, id)
}

/// [`allow`] given `allowed`, the set of `ctx`.
#[inline(always)]
fn allow_in(allowed: u64, ctx: PropContext, id: PropertyId) -> Result<(), EncodeError> {
    if allowed & bit(id) != 0 {
        Ok(())
    } else {
        Err(EncodeError::PropertyNotAllowed {
            property: id,
            context: ctx.name(),
        })
    }
}

/// `id`'s bit in an allowed set.
#[inline(always)]
const fn bit(id: PropertyId) -> u64 {
    1u64 << (id as u8)
}

/// Reads a property section: the Property Length, then the properties, which must fill it
/// exactly (PR-1 … PR-7), and returns the validated section. `receiver` is the side the
/// packet is for, when known.
pub(crate) fn read_properties<'a>(
    r: &mut Reader<'a>,
    ctx: PropContext,
    receiver: Option<Role>,
) -> Result<PropertyView<'a>, DecodeError> {
    let len = r.varint("property length")? as usize;
    if len == 0 {
        return Ok(PropertyView::default());
    }
    let mut pr = r.split(len, "properties")?;
    let start = pr.position();
    walk_section(&mut pr, ctx, receiver)?;
    Ok(PropertyView::wire(pr.slice(start, pr.position())))
}

/// Reads the properties of a section, checking each against `ctx` (PR-1 … PR-7).
fn walk_section(
    pr: &mut Reader<'_>,
    ctx: PropContext,
    receiver: Option<Role>,
) -> Result<(), DecodeError> {
    let mut seen = 0u64;
    let publish = ctx == PropContext::Packet(PacketType::Publish);
    while !pr.is_empty() {
        let raw_id = pr.varint("property identifier")?;
        let id = PropertyId::from_u32(raw_id).ok_or(DecodeError::UnknownProperty { id: raw_id })?;
        if !ctx.allows(id) {
            return Err(DecodeError::PropertyNotAllowed {
                property: id,
                context: ctx.name(),
            });
        }
        let mask = bit(id);
        let may_repeat =
            id == PropertyId::UserProperty || (id == PropertyId::SubscriptionIdentifier && publish);
        if seen & mask != 0 && !may_repeat {
            return Err(DecodeError::DuplicateProperty { property: id });
        }
        seen |= mask;
        match id {
            PropertyId::SubscriptionIdentifier => {
                if publish && receiver == Some(Role::Server) {
                    return Err(DecodeError::SubscriptionIdentifierFromClient);
                }
                let value = pr.varint("subscription identifier")?;
                if value == 0 {
                    return Err(DecodeError::InvalidPropertyValue {
                        property: id,
                        value,
                    });
                }
            }
            PropertyId::UserProperty => {
                pr.string("user property name")?;
                pr.string("user property value")?;
            }
            _ => check_single(id, pr)?,
        }
    }
    Ok(())
}

/// Skips the value of a property in an already validated section.
pub(crate) fn skip_value(r: &mut Reader<'_>, id: PropertyId) -> Option<()> {
    match id.kind() {
        Kind::Byte => r.take(1, "").ok().map(drop),
        Kind::U16 => r.take(2, "").ok().map(drop),
        Kind::U32 => r.take(4, "").ok().map(drop),
        Kind::VarInt => r.varint("").ok().map(drop),
        Kind::Str | Kind::Bin => r.binary("").ok().map(drop),
        Kind::Pair => {
            r.binary("").ok()?;
            r.binary("").ok().map(drop)
        }
    }
}

/// Walks a validated property section to the next property `wanted` and reads it with `read`;
/// the borrowed lists use this to iterate without allocating.
pub(crate) fn next_in_section<'a, T>(
    raw: &mut &'a [u8],
    wanted: PropertyId,
    read: impl Fn(&mut Reader<'a>) -> Option<T>,
) -> Option<T> {
    let mut r = Reader::new(raw, PacketType::Publish);
    loop {
        let id = PropertyId::from_u32(r.varint("").ok()?)?;
        if id == wanted {
            let item = read(&mut r)?;
            let used = r.position();
            *raw = raw.get(used..).unwrap_or_default();
            return Some(item);
        }
        skip_value(&mut r, id)?;
    }
}

/// Reads the property section of a packet under `version`: present in 5.0, absent (empty)
/// in 3.x.
pub(crate) fn read_section<'a>(
    r: &mut Reader<'a>,
    ctx: PropContext,
    version: crate::ProtocolVersion,
    receiver: Option<Role>,
) -> Result<PropertyView<'a>, DecodeError> {
    if version.is_v5() {
        read_properties(r, ctx, receiver)
    } else {
        Ok(Default::default())
    }
}

/// The encoded size of a packet's property section under `version`, after checking it: in
/// 3.x there is no section, so any property fails as not representable.
pub(crate) fn encoded_section_len<S: Storage>(
    props: &S::Props,
    ctx: PropContext,
    version: crate::ProtocolVersion,
) -> Result<usize, EncodeError> {
    if props.is_empty() {
        Ok(if version.is_v5() { 1 } else { 0 })
    } else if version.is_v5() {
        Ok(section_len(slot_content_len::<S>(props, ctx)?))
    } else {
        Err(EncodeError::NotRepresentable {
            what: "properties",
            version,
        })
    }
}

/// The content length of a packet's property slot, after checking it; an owned packet's
/// absent set costs one pointer test instead of a walk over the 27 fields, and a parsed
/// section is only checked against `ctx` (the parser checked the rest).
pub(crate) fn slot_content_len<S: Storage>(
    props: &S::Props,
    ctx: PropContext,
) -> Result<usize, EncodeError> {
    slot_len::<S>(props, ctx, |p| p.content_len(ctx))
}

/// [`slot_content_len`] of a PUBLISH, whose allowed set is a constant here (the commonest
/// packet with properties; see [`Properties::content_len_in`]).
pub(crate) fn publish_slot_content_len<S: Storage>(props: &S::Props) -> Result<usize, EncodeError> {
    slot_len::<S>(props, PUBLISH_CONTEXT, |p| {
        p.content_len_in(PUBLISH_CONTEXT, PUBLISH_SET)
    })
}

const PUBLISH_CONTEXT: PropContext = PropContext::Packet(PacketType::Publish);

/// [`slot_content_len`] with the set of properties sized by `content_len`. A slot that
/// holds a set is sized by walking it, which an empty set passes with nothing counted: a
/// test of emptiness first would walk the set's 27 fields once more.
#[inline(always)]
fn slot_len<S: Storage>(
    props: &S::Props,
    ctx: PropContext,
    content_len: impl FnOnce(&Properties<S>) -> Result<usize, EncodeError>,
) -> Result<usize, EncodeError> {
    if props.is_bare() {
        Ok(0)
    } else if let Some(raw) = props.region() {
        check_region(raw, ctx)?;
        Ok(raw.len())
    } else {
        props.with(content_len)
    }
}

/// Checks that a validated section (read under some packet's context) fits `ctx`: every
/// identifier allowed there, a Subscription Identifier more than once only in a PUBLISH. Only
/// the parser makes such sections (their constructors take a private token), so the rest of
/// the rules held when it was read.
fn check_region(raw: &[u8], ctx: PropContext) -> Result<(), EncodeError> {
    let mut r = Reader::new(raw, PacketType::Publish);
    let mut subscription_ids = 0usize;
    while !r.is_empty() {
        let Some(id) = r.varint("").ok().and_then(PropertyId::from_u32) else {
            break;
        };
        allow(ctx, id)?;
        if id == PropertyId::SubscriptionIdentifier {
            subscription_ids = subscription_ids.saturating_add(1);
            if subscription_ids > 1 && ctx != PropContext::Packet(PacketType::Publish) {
                return Err(EncodeError::PropertyNotAllowed {
                    property: id,
                    context: "SUBSCRIBE more than once",
                });
            }
        }
        if skip_value(&mut r, id).is_none() {
            break;
        }
    }
    Ok(())
}

/// Writes a property section (Property Length and content) whose content length is `len`.
#[inline]
pub(crate) fn write_properties<S: Storage>(buf: &mut impl Put, props: &S::Props, len: usize) {
    write_section::<S, _>(buf, props, len, |p, buf| p.write_content(buf))
}

/// [`write_properties`] of a PUBLISH whose set [`publish_slot_content_len`] checked.
#[inline]
pub(crate) fn write_publish_properties<S: Storage>(
    buf: &mut impl Put,
    props: &S::Props,
    len: usize,
) {
    write_section::<S, _>(buf, props, len, |p, buf| {
        p.write_content_in(PUBLISH_SET, buf)
    })
}

/// [`write_properties`] with the set of properties written by `write_content`.
#[inline(always)]
fn write_section<S: Storage, B: Put>(
    buf: &mut B,
    props: &S::Props,
    len: usize,
    write_content: impl FnOnce(&Properties<S>, &mut B),
) {
    put_varint(buf, len as u32);
    // As in `slot_len`: an empty set that is there writes nothing on its own.
    if !props.is_bare() {
        match props.region() {
            Some(raw) => buf.put_slice(raw),
            None => props.with(|p| write_content(p, buf)),
        }
    }
}

/// The size of a property section with `content` bytes of properties.
pub(crate) fn section_len(content: usize) -> usize {
    content.saturating_add(varint_len(content as u32))
}
