//! What the packet readers need of a [`Source`] beyond its bytes: the [`Storage`] of the
//! packets they build, and for a borrowed packet how each of its lists reads its next item
//! from the validated region it keeps.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::DecodeError;
use crate::packet::subscribe::{Subscription, SubscriptionOptions};
use crate::topic::TopicFilter;
use crate::packet_type::PacketType;
use crate::properties::{next_in_section, PropertyId, UserProperty};
use crate::reason::ReasonCode;
use crate::storage::{Borrowed, Storage};
use crate::string::MqttStr;
use crate::version::ProtocolVersion;
use crate::wire::reader::{Reader, Source, SrcBytes};

/// A [`Source`] that packets are read from: it names their storage (whose byte type is the
/// source's) and the item readers of their borrowed lists.
pub(crate) trait PacketSource<'r>: Source<'r> {
    /// The storage of the packets built from this source.
    type S: Storage<Bytes = <Self as Source<'r>>::Bytes>;

    /// How a borrowed list of Subscription Identifiers reads its next item.
    fn next_subscription_id() -> NextFn<'r, Self, u32>;
    /// How a borrowed list of User Properties reads its next item.
    fn next_user_property() -> NextFn<'r, Self, UserProperty<Self::S>>;
    /// How a borrowed list of subscriptions reads its next item.
    fn next_subscription() -> NextFn<'r, Self, Subscription<Self::S>>;
    /// How a borrowed list of UNSUBSCRIBE filters reads its next item.
    fn next_filter() -> NextFn<'r, Self, MqttStr<SrcBytes<'r, Self>>>;
    /// How a borrowed list of reason codes reads its next item.
    fn next_code() -> NextFn<'r, Self, ReasonCode>;
}

/// A [`PacketSource`] whose packets have the storage `S`, with the equality of the two byte
/// types spelled out for the compiler: what the reader returns is what `S` holds.
pub(crate) trait SourceOf<'r, S: Storage>:
    PacketSource<'r, S = S> + Source<'r, Bytes = <S as Storage>::Bytes>
{
}

impl<'r, S: Storage, T> SourceOf<'r, S> for T where
    T: PacketSource<'r, S = S> + Source<'r, Bytes = <S as Storage>::Bytes>
{
}

/// The item reader stored in a borrowed list (unused by owned lists, which hold the items).
pub(crate) type NextFn<'r, Src, T> = fn(&mut SrcBytes<'r, Src>, u8) -> Option<T>;

/// Reads one item of an already validated region and advances past it.
fn next_item<'a, T>(
    raw: &mut &'a [u8],
    packet_type: PacketType,
    read: impl FnOnce(&mut Reader<'a, &'a [u8]>) -> Result<T, DecodeError>,
) -> Option<T> {
    let mut r = Reader::new(*raw, packet_type);
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

impl<'a> PacketSource<'a> for &'a [u8] {
    type S = Borrowed<'a>;
    fn next_subscription_id() -> NextFn<'a, Self, u32> {
        |raw, _| {
            next_in_section(raw, PropertyId::SubscriptionIdentifier, |r| {
                r.varint("").ok()
            })
        }
    }
    fn next_user_property() -> NextFn<'a, Self, UserProperty<Borrowed<'a>>> {
        |raw, _| {
            next_in_section(raw, PropertyId::UserProperty, |r| {
                Some(UserProperty {
                    name: r.string("").ok()?,
                    value: r.string("").ok()?,
                })
            })
        }
    }
    fn next_subscription() -> NextFn<'a, Self, Subscription<Borrowed<'a>>> {
        // The parser checked the filter and the options: they are read, not checked again.
        |raw, level| {
            next_item(raw, PacketType::Subscribe, |r| {
                let filter = MqttStr::from_validated(r.binary_view("")?);
                let byte = r.u8("")?;
                Ok(Subscription {
                    filter: TopicFilter::from_validated(filter),
                    options: SubscriptionOptions::from_byte(byte, version_of(level))?,
                })
            })
        }
    }
    fn next_filter() -> NextFn<'a, Self, MqttStr<&'a [u8]>> {
        |raw, _| {
            next_item(raw, PacketType::Unsubscribe, |r| {
                Ok(MqttStr::from_validated(r.binary_view("")?))
            })
        }
    }
    fn next_code() -> NextFn<'a, Self, ReasonCode> {
        |raw, _| {
            let (&first, rest) = raw.split_first()?;
            *raw = rest;
            ReasonCode::from_u8(first)
        }
    }
}
