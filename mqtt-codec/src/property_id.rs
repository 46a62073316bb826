//! The identifiers of the MQTT 5.0 properties (table 2-4) and their data types, generated
//! from the property table ([`crate::for_each_property`]). Below the errors, which name a
//! property, and the property sets, which read and write them.

use core::fmt;

/// The data type of a property (§2.2.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Byte,
    U16,
    U32,
    VarInt,
    Str,
    Bin,
    Pair,
}

macro_rules! prop_kind {
    (Byte) => {
        Kind::Byte
    };
    (U16) => {
        Kind::U16
    };
    (U32) => {
        Kind::U32
    };
    (Str) => {
        Kind::Str
    };
    (Topic) => {
        Kind::Str
    };
    (Bin) => {
        Kind::Bin
    };
}

/// The text of a row, "Name (0xNN, note).": the documentation of its variant and field.
macro_rules! prop_text {
    ($id:literal, $name:literal $(, $note:literal)?) => {
        concat!($name, " (", stringify!($id), $(", ", $note,)? ").")
    };
}

pub(crate) use prop_text;

macro_rules! define_property_id {
    ($(
        ($id:literal, $variant:ident, $field:ident, $kind:ident, [$($section:ident),*],
            $name:literal $(, $note:literal)?)
    ),* $(,)?) => {
        /// The identifier of an MQTT 5.0 property (table 2-4).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        #[non_exhaustive]
        pub enum PropertyId {
            $( #[doc = prop_text!($id, $name $(, $note)?)] $variant = $id, )*
            /// Subscription Identifier (0x0B, Variable Byte Integer).
            SubscriptionIdentifier = 0x0B,
            /// User Property (0x26, UTF-8 String Pair).
            UserProperty = 0x26,
        }

        impl PropertyId {
            /// The property with identifier `id`, or `None` for an undefined one.
            pub const fn from_u32(id: u32) -> Option<PropertyId> {
                match id {
                    $( $id => Some(PropertyId::$variant), )*
                    0x0B => Some(PropertyId::SubscriptionIdentifier),
                    0x26 => Some(PropertyId::UserProperty),
                    _ => None,
                }
            }

            /// The name the specification gives the property.
            pub const fn name(self) -> &'static str {
                match self {
                    $( PropertyId::$variant => $name, )*
                    PropertyId::SubscriptionIdentifier => "Subscription Identifier",
                    PropertyId::UserProperty => "User Property",
                }
            }

            /// The property's data type.
            pub(crate) fn kind(self) -> Kind {
                match self {
                    $( PropertyId::$variant => prop_kind!($kind), )*
                    PropertyId::SubscriptionIdentifier => Kind::VarInt,
                    PropertyId::UserProperty => Kind::Pair,
                }
            }
        }

    };
}

crate::for_each_property!(define_property_id);

impl fmt::Display for PropertyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (0x{:02X})", self.name(), *self as u8)
    }
}
