//! How a borrowed packet's lists read their items from the regions the parser validated:
//! one item per call, the region advanced past it, nothing checked again. Each has the
//! shape a [`crate::BorrowedList`] stores (`fn(&mut &[u8], u8)`, the byte being the
//! protocol level where the item depends on it), and gives `None` at the region's end.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::DecodeError;
use crate::packet::subscribe::{Subscription, SubscriptionOptions};
use crate::packet_type::PacketType;
use crate::properties::{next_in_section, PropertyId, UserProperty};
use crate::reason::ReasonCode;
use crate::storage::Borrowed;
use crate::string::MqttStr;
use crate::topic::TopicFilter;
use crate::version::ProtocolVersion;
use crate::wire::reader::Reader;

/// Reads one item of a region with `read` and advances past it.
pub(crate) fn next_item<'a, T>(
    raw: &mut &'a [u8],
    packet_type: PacketType,
    read: impl FnOnce(&mut Reader<'a>) -> Result<T, DecodeError>,
) -> Option<T> {
    let mut r = Reader::new(raw, packet_type);
    let item = read(&mut r).ok()?;
    *raw = raw.get(r.position()..).unwrap_or_default();
    Some(item)
}

/// The version a list's context byte stands for (its protocol level).
fn version_of(level: u8) -> ProtocolVersion {
    match level {
        3 => ProtocolVersion::V3_1,
        5 => ProtocolVersion::V5,
        _ => ProtocolVersion::V3_1_1,
    }
}

/// The next subscription (topic filter and options) of a SUBSCRIBE payload read under the
/// protocol level `level`.
pub(crate) fn subscription<'a>(
    raw: &mut &'a [u8],
    level: u8,
) -> Option<Subscription<Borrowed<'a>>> {
    next_item(raw, PacketType::Subscribe, |r| {
        let filter = MqttStr::from_validated(r.binary("")?);
        let byte = r.u8("")?;
        Ok(Subscription {
            filter: TopicFilter::from_validated(filter),
            options: SubscriptionOptions::from_byte(byte, version_of(level))?,
        })
    })
}

/// The next topic filter of an UNSUBSCRIBE payload.
pub(crate) fn topic_filter<'a>(raw: &mut &'a [u8], _: u8) -> Option<MqttStr<&'a [u8]>> {
    next_item(raw, PacketType::Unsubscribe, |r| {
        Ok(MqttStr::from_validated(r.binary("")?))
    })
}

/// The next reason code of a SUBACK or UNSUBACK payload.
pub(crate) fn reason_code(raw: &mut &[u8], _: u8) -> Option<ReasonCode> {
    let (&first, rest) = raw.split_first()?;
    *raw = rest;
    ReasonCode::from_u8(first)
}

/// The next User Property of a property section, the other properties skipped.
pub(crate) fn user_property<'a>(raw: &mut &'a [u8], _: u8) -> Option<UserProperty<Borrowed<'a>>> {
    next_in_section(raw, PropertyId::UserProperty, |r| {
        Some(UserProperty {
            name: MqttStr::from_validated(r.binary("").ok()?),
            value: MqttStr::from_validated(r.binary("").ok()?),
        })
    })
}

/// The next Subscription Identifier of a property section, the other properties skipped.
pub(crate) fn subscription_identifier(raw: &mut &[u8], _: u8) -> Option<u32> {
    next_in_section(raw, PropertyId::SubscriptionIdentifier, |r| {
        r.varint("").ok()
    })
}
