//! UNSUBSCRIBE (§3.10): topic filters to remove.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::{DecodeError, EncodeError};
use crate::list_items;
use crate::list_kind::TopicFilters;
use crate::packet::{read_packet_id, PacketId, ParseCtx};
use crate::packet_type::PacketType;
use crate::properties::{
    encoded_section_len, read_section, slot_content_len, write_properties, PropContext,
};
use crate::storage::Borrowed;
use crate::storage::BorrowedList;
#[cfg(feature = "alloc")]
use crate::storage::Owned;
use crate::storage::Storage;
use crate::string::MqttStr;
use crate::version::ProtocolVersion;
use crate::wire::reader::Reader;
use crate::wire::writer::Put;
use crate::wire::writer::{prefixed_len, put_prefixed};
#[cfg(feature = "alloc")]
use alloc::vec::Vec;

/// UNSUBSCRIBE: one or more topic filters.
///
/// The filters are plain, non-empty MQTT strings: the server compares them character by
/// character with its subscriptions ([MQTT-3.10.4-1]), so a filter with misplaced wildcards
/// simply matches nothing (checklist UNS-6: be lenient).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsubscribe<S: Storage = crate::storage::DefaultStorage> {
    /// The packet identifier.
    pub packet_id: PacketId,
    /// User Properties (5.0).
    pub properties: S::Props,
    /// The filters; at least one.
    pub filters: S::List<TopicFilters>,
}

#[cfg(feature = "alloc")]
impl Unsubscribe<Owned> {
    /// An UNSUBSCRIBE of `filters`.
    pub fn new(packet_id: PacketId, filters: Vec<MqttStr>) -> Self {
        Unsubscribe {
            packet_id,
            properties: Default::default(),
            filters,
        }
    }
}

/// Reads one filter: a non-empty string ([MQTT-4.7.3-1]); its wildcard syntax is not
/// checked (UNS-6).
pub(crate) fn read_filter<'a>(r: &mut Reader<'a>) -> Result<MqttStr<&'a [u8]>, DecodeError> {
    let filter = r.string("topic filter")?;
    if filter.is_empty() {
        return Err(DecodeError::InvalidTopicFilter {
            reason: crate::topic::TopicError::Empty,
        });
    }
    Ok(filter)
}

impl<'a> Unsubscribe<Borrowed<'a>> {
    #[inline]
    pub(crate) fn read(r: &mut Reader<'a>, ctx: &ParseCtx) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        let properties = read_section(
            r,
            PropContext::Packet(PacketType::Unsubscribe),
            ctx.version,
            ctx.receiver,
        )?;
        let start = r.position();
        let mut count = 0usize;
        while !r.is_empty() {
            read_filter(r)?;
            count = count.saturating_add(1);
        }
        if count == 0 {
            return Err(DecodeError::EmptyPayload {
                packet_type: PacketType::Unsubscribe,
            });
        }
        let filters = BorrowedList::from_region(
            count,
            r.slice(start, r.position()),
            0,
            list_items::topic_filter,
        );
        Ok(Unsubscribe {
            packet_id,
            properties,
            filters,
        })
    }
}

impl<S: Storage> Unsubscribe<S> {
    #[inline]
    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        let properties = encoded_section_len::<S>(
            &self.properties,
            PropContext::Packet(PacketType::Unsubscribe),
            version,
        )?;
        if S::len(&self.filters) == 0 {
            return Err(EncodeError::EmptyPayload {
                packet_type: PacketType::Unsubscribe,
            });
        }
        let filters = S::try_sum(&self.filters, |f| {
            match prefixed_len("topic filter", f.as_bytes())? {
                2 => Err(EncodeError::EmptyTopicFilter),
                n => Ok(n),
            }
        })?;
        Ok(properties.saturating_add(2).saturating_add(filters))
    }

    #[inline]
    pub(crate) fn write_body(&self, version: ProtocolVersion, buf: &mut impl Put) {
        buf.put_u16(self.packet_id.get());
        if version.is_v5() {
            let len = slot_content_len::<S>(
                &self.properties,
                PropContext::Packet(PacketType::Unsubscribe),
            )
            .unwrap_or(0);
            write_properties::<S>(buf, &self.properties, len);
        }
        S::for_each(&self.filters, |f| put_prefixed(buf, f.as_bytes()));
    }
}
