//! `PropertyView::for_each` hands out every property of a 5.0 section once: what it gives,
//! gathered back into `Properties`, is the set the getters read one by one, for a parsed
//! section (in wire order, repeated properties included) and for a view of built
//! properties; `to_owned`, which walks with it, gives the same set.

mod support_gen;

use bytes::Bytes;
use mqtt_codec::{
    parse, MqttStr, ParseOptions, Properties, Property, PropertyView, ProtocolVersion, Status,
    TopicName, UserProperty,
};
use proptest::prelude::*;
use support_gen::{arb_packet, receiver_for};

/// An owned value of a property's borrowed one, by the property's kind.
macro_rules! owned {
    (Byte, $v:expr) => {
        $v
    };
    (U16, $v:expr) => {
        $v
    };
    (U32, $v:expr) => {
        $v
    };
    (Str, $v:expr) => {
        MqttStr::new($v.as_str()).expect("checked when parsed")
    };
    (Topic, $v:expr) => {
        TopicName::new($v.as_str()).expect("checked when parsed")
    };
    (Bin, $v:expr) => {
        Bytes::copy_from_slice($v)
    };
}

/// The properties `for_each` gives, gathered into an owned set.
macro_rules! gather_fn {
    ($( ($id:literal, $variant:ident, $field:ident, $kind:ident $(, $rest:tt)*) ),* $(,)?) => {
        fn gather(view: &PropertyView<'_>) -> Properties {
            let mut out: Properties = Properties::default();
            view.for_each(|property| match property {
                $( Property::$variant(v) => {
                    assert!(out.$field.is_none(), concat!(stringify!($field), " given twice"));
                    out.$field = Some(owned!($kind, v));
                } )*
                Property::SubscriptionIdentifier(id) => out.subscription_identifiers.push(id),
                Property::UserProperty(u) => out
                    .user_properties
                    .push(UserProperty::new(u.name.as_str(), u.value.as_str()).expect("valid")),
            });
            out
        }
    };
}
mqtt_codec::for_each_property!(gather_fn);

/// The set the getters read, one getter per property (each its own walk of the section).
macro_rules! getters_fn {
    ($( ($id:literal, $variant:ident, $field:ident, $kind:ident $(, $rest:tt)*) ),* $(,)?) => {
        fn by_getters(view: &PropertyView<'_>) -> Properties {
            let mut out: Properties = Properties::default();
            $( out.$field = view.$field().map(|v| owned!($kind, v)); )*
            out.subscription_identifiers = view.subscription_identifiers().iter().collect();
            out.user_properties = view
                .user_properties()
                .iter()
                .map(|u| UserProperty::new(u.name.as_str(), u.value.as_str()).expect("valid"))
                .collect();
            out
        }
    };
}
mqtt_codec::for_each_property!(getters_fn);

proptest! {
    #[test]
    fn for_each_gives_every_property_once(packet in arb_packet(ProtocolVersion::V5)) {
        let version = ProtocolVersion::V5;
        let bytes = packet.to_bytes(version).expect("generated packets encode");
        // A DISCONNECT that neither side may send is refused by both: nothing to read.
        let Ok(receiver) = receiver_for(&packet, version) else {
            return Ok(());
        };
        let opts = ParseOptions { receiver, ..ParseOptions::new(version) };
        let Ok(Status::Complete((view, _))) = parse(&bytes, &opts) else {
            panic!("generated packets parse");
        };
        if let Some(properties) = view.properties() {
            let read = by_getters(properties);
            prop_assert_eq!(&gather(properties), &read);
            // The same of a view over built properties, and of the set made owned.
            let built = properties.to_properties();
            prop_assert_eq!(&gather(&PropertyView::new(&built)), &read);
            prop_assert_eq!(&*properties.to_owned(), &read);
        }
    }
}

#[test]
fn for_each_keeps_the_order_of_the_wire() {
    // A PUBACK (id 1, success) whose properties are User Property b=2, Reason String "r",
    // User Property a=1: the user properties come out in wire order, around the string.
    let section = [
        0x26, 0x00, 0x01, b'b', 0x00, 0x01, b'2', 0x1F, 0x00, 0x01, b'r', 0x26, 0x00, 0x01, b'a',
        0x00, 0x01, b'1',
    ];
    let mut bytes = vec![0x40, (4 + section.len()) as u8, 0x00, 0x01, 0x00];
    bytes.push(section.len() as u8);
    bytes.extend_from_slice(&section);
    let Ok(Status::Complete((view, _))) = parse(&bytes, &ParseOptions::new(ProtocolVersion::V5))
    else {
        panic!("a valid PUBACK");
    };
    let mut seen = Vec::new();
    view.properties().expect("5.0 PUBACK").for_each(|p| {
        seen.push(match p {
            Property::UserProperty(u) => format!("{}={}", u.name.as_str(), u.value.as_str()),
            Property::ReasonString(r) => format!("reason {}", r.as_str()),
            other => format!("{other:?}"),
        })
    });
    assert_eq!(seen, ["b=2", "reason r", "a=1"]);
}
