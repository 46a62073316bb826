//! Readers of the validated list regions of a borrowed packet ([`crate::BorrowedList::raw`]): each
//! reads one item and advances the region past it, or gives `None` at its end (or when the
//! region is not one the parser validated).
//!
//! They are a cursor a caller can keep as plain data (a pointer and a length) between calls,
//! which is what a foreign-language iterator needs; Rust code iterates the
//! [`crate::BorrowedList`] itself.

use crate::packet::subscribe::Subscription;
use crate::packet_source::PacketSource;
use crate::properties::{next_in_section, PropertyId, UserProperty};
use crate::reason::ReasonCode;
use crate::storage::Borrowed;
use crate::string::MqttStr;
use crate::version::ProtocolVersion;

/// Reads the next subscription (topic filter and options byte) of a SUBSCRIBE payload region
/// decoded under `version`.
pub fn next_subscription<'a>(
    raw: &mut &'a [u8],
    version: ProtocolVersion,
) -> Option<Subscription<Borrowed<'a>>> {
    <&'a [u8] as PacketSource<'a>>::next_subscription()(raw, version.level())
}

/// Reads the next topic filter of an UNSUBSCRIBE payload region.
pub fn next_topic_filter<'a>(raw: &mut &'a [u8]) -> Option<MqttStr<&'a [u8]>> {
    <&'a [u8] as PacketSource<'a>>::next_filter()(raw, 0)
}

/// Reads the next reason code of a SUBACK or UNSUBACK payload region.
pub fn next_reason_code(raw: &mut &[u8]) -> Option<ReasonCode> {
    let (&first, rest) = raw.split_first()?;
    *raw = rest;
    ReasonCode::from_u8(first)
}

/// Reads the next User Property of a properties region, skipping the other properties.
pub fn next_user_property<'a>(raw: &mut &'a [u8]) -> Option<UserProperty<Borrowed<'a>>> {
    <&'a [u8] as PacketSource<'a>>::next_user_property()(raw, 0)
}

/// Reads the next Subscription Identifier of a properties region, skipping the other
/// properties.
pub fn next_subscription_identifier(raw: &mut &[u8]) -> Option<u32> {
    next_in_section(raw, PropertyId::SubscriptionIdentifier, |r| {
        r.varint("").ok()
    })
}
