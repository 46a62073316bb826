//! Readers of the validated list regions of a borrowed packet ([`crate::BorrowedList::raw`]): each
//! reads one item and advances the region past it, or gives `None` at its end (or when the
//! region is not one the parser validated).
//!
//! They are a cursor a caller can keep as plain data (a pointer and a length) between calls,
//! which is what a foreign-language iterator needs; Rust code iterates the
//! [`crate::BorrowedList`] itself.

use crate::list_items::{self, next_item};
use crate::packet::subscribe::{read_subscription, Subscription};
use crate::packet::unsubscribe::read_filter;
use crate::packet_type::PacketType;
use crate::properties::{next_in_section, PropertyId, UserProperty};
use crate::reason::ReasonCode;
use crate::storage::Borrowed;
use crate::string::MqttStr;
use crate::version::ProtocolVersion;

// These check every item as the parser did (a borrowed packet's own lists trust their
// regions instead): they also read regions a caller keeps, for example a C caller's, which
// the parser may not have made.

/// Reads the next subscription (topic filter and options byte) of a SUBSCRIBE payload region
/// decoded under `version`.
pub fn next_subscription<'a>(
    raw: &mut &'a [u8],
    version: ProtocolVersion,
) -> Option<Subscription<Borrowed<'a>>> {
    next_item(raw, PacketType::Subscribe, |r| {
        read_subscription(r, version)
    })
}

/// Reads the next topic filter of an UNSUBSCRIBE payload region.
pub fn next_topic_filter<'a>(raw: &mut &'a [u8]) -> Option<MqttStr<&'a [u8]>> {
    next_item(raw, PacketType::Unsubscribe, read_filter)
}

/// Reads the next reason code of a SUBACK or UNSUBACK payload region.
pub fn next_reason_code(raw: &mut &[u8]) -> Option<ReasonCode> {
    list_items::reason_code(raw, 0)
}

/// Reads the next User Property of a properties region, skipping the other properties.
pub fn next_user_property<'a>(raw: &mut &'a [u8]) -> Option<UserProperty<Borrowed<'a>>> {
    next_in_section(raw, PropertyId::UserProperty, |r| {
        Some(UserProperty {
            name: r.string("").ok()?,
            value: r.string("").ok()?,
        })
    })
}

/// Reads the next Subscription Identifier of a properties region, skipping the other
/// properties.
pub fn next_subscription_identifier(raw: &mut &[u8]) -> Option<u32> {
    list_items::subscription_identifier(raw, 0)
}
