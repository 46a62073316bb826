//! SUBSCRIBE (§3.8): topic filters with their subscription options.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::{DecodeError, EncodeError};
use crate::list_items;
use crate::list_kind::Subscriptions;
use crate::packet::{read_packet_id, PacketId, ParseCtx};
use crate::packet_type::PacketType;
use crate::properties::{
    encoded_section_len, read_section, slot_content_len, write_properties, PropContext,
};
use crate::qos::QoS;
use crate::storage::Borrowed;
use crate::storage::BorrowedList;
#[cfg(feature = "alloc")]
use crate::storage::Owned;
use crate::storage::Storage;
use crate::topic::{check_topic_filter, is_plain_filter, split_shared, TopicFilter};
use crate::version::ProtocolVersion;
use crate::wire::reader::Reader;
use crate::wire::writer::Put;
use crate::wire::writer::{prefixed_len, put_prefixed};
#[cfg(feature = "alloc")]
use alloc::vec::Vec;

/// When the server sends retained messages for a new subscription (5.0, §3.8.3.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RetainHandling {
    /// 0: send retained messages at the time of the subscribe.
    #[default]
    SendAtSubscribe = 0,
    /// 1: send them only if the subscription did not exist.
    SendIfNew = 1,
    /// 2: do not send them.
    DoNotSend = 2,
}

/// The options byte of one subscription. Under 3.x only `qos` exists; the 5.0 options must
/// then keep their defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SubscriptionOptions {
    /// Maximum QoS the subscriber accepts.
    pub qos: QoS,
    /// No Local (5.0): do not send the client its own publications.
    pub no_local: bool,
    /// Retain As Published (5.0): keep the RETAIN flag when forwarding.
    pub retain_as_published: bool,
    /// Retain Handling (5.0).
    pub retain_handling: RetainHandling,
}

impl SubscriptionOptions {
    /// Options with `qos` and the defaults.
    pub fn new(qos: QoS) -> Self {
        SubscriptionOptions {
            qos,
            ..Default::default()
        }
    }

    /// Parses the options byte under `version` (SUB-7, SUB-8, SUB-10, SUB-11).
    pub fn from_byte(byte: u8, version: ProtocolVersion) -> Result<Self, DecodeError> {
        if !version.is_v5() {
            let qos =
                QoS::from_bits(byte).ok_or(DecodeError::InvalidRequestedQos { options: byte })?;
            return Ok(SubscriptionOptions::new(qos));
        }
        if byte & 0xC0 != 0 {
            return Err(DecodeError::SubscriptionOptionsReserved { options: byte });
        }
        let qos = QoS::from_bits(byte & 0b11).ok_or(DecodeError::SubscriptionQos3)?;
        let retain_handling = match (byte >> 4) & 0b11 {
            0 => RetainHandling::SendAtSubscribe,
            1 => RetainHandling::SendIfNew,
            2 => RetainHandling::DoNotSend,
            _ => return Err(DecodeError::RetainHandling3),
        };
        Ok(SubscriptionOptions {
            qos,
            no_local: byte & 0b100 != 0,
            retain_as_published: byte & 0b1000 != 0,
            retain_handling,
        })
    }

    /// The options byte under `version`.
    #[inline]
    pub fn to_byte(self, version: ProtocolVersion) -> Result<u8, EncodeError> {
        // Anything above the QoS is 5.0 only.
        if !version.is_v5()
            && (self.no_local
                || self.retain_as_published
                || self.retain_handling != RetainHandling::SendAtSubscribe)
        {
            return Err(EncodeError::NotRepresentable {
                what: "No Local, Retain As Published or Retain Handling",
                version,
            });
        }
        Ok(self.wire_byte(version))
    }

    /// The options byte under `version`, once [`SubscriptionOptions::to_byte`] accepted the
    /// options there: before 5.0 the QoS alone, the rest being known to be unset.
    #[inline]
    fn wire_byte(self, version: ProtocolVersion) -> u8 {
        if version.is_v5() {
            self.bits()
        } else {
            self.qos as u8
        }
    }

    /// The options byte, every option in its place (what [`SubscriptionOptions::to_byte`]
    /// checks against the version).
    #[inline]
    fn bits(self) -> u8 {
        self.qos as u8
            | (u8::from(self.no_local) << 2)
            | (u8::from(self.retain_as_published) << 3)
            | ((self.retain_handling as u8) << 4)
    }
}

/// One topic filter of a SUBSCRIBE with its options.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Subscription<S: Storage = crate::storage::DefaultStorage> {
    /// The filter.
    pub filter: TopicFilter<S::Bytes>,
    /// The options.
    pub options: SubscriptionOptions,
}

#[cfg(feature = "alloc")]
impl Subscription<Owned> {
    /// A subscription to `filter` at `qos`.
    pub fn new(filter: TopicFilter, qos: QoS) -> Self {
        Subscription {
            filter,
            options: SubscriptionOptions::new(qos),
        }
    }
}

/// Reads one filter and options pair (SUB-6 … SUB-11).
pub(crate) fn read_subscription<'a>(
    r: &mut Reader<'a>,
    version: ProtocolVersion,
) -> Result<Subscription<Borrowed<'a>>, DecodeError> {
    let v5 = version.is_v5();
    let (filter, text) = r.string_unless("topic filter", |f| is_plain_filter(f, v5))?;
    // A plain filter kept every rule, and is not a 5.0 shared subscription.
    let shared = match text {
        Some(text) => {
            check_topic_filter(text, v5)
                .map_err(|reason| DecodeError::InvalidTopicFilter { reason })?;
            split_shared(text).is_some()
        }
        None => false,
    };
    let options = SubscriptionOptions::from_byte(r.u8("subscription options")?, version)?;
    if v5 && options.no_local && shared {
        return Err(DecodeError::NoLocalOnSharedSubscription);
    }
    Ok(Subscription {
        filter: TopicFilter::from_validated(filter),
        options,
    })
}

/// The encoded size of one subscription, after checking it can be sent under `version`.
#[inline]
fn subscription_len<S: Storage>(
    s: &Subscription<S>,
    version: ProtocolVersion,
) -> Result<usize, EncodeError> {
    if version.is_v5() {
        // A filter made for 3.x may start with `$share/` without being a valid shared one.
        let filter = s.filter.as_str();
        if filter.starts_with(crate::topic::SHARE_PREFIX) {
            check_topic_filter(filter, true)
                .map_err(|reason| EncodeError::InvalidTopicFilter { reason, version })?;
        }
        if s.options.no_local && s.filter.shared().is_some() {
            return Err(EncodeError::NoLocalOnSharedSubscription);
        }
    }
    s.options.to_byte(version)?;
    Ok(prefixed_len("topic filter", s.filter.as_mqtt_str().as_bytes())?.saturating_add(1))
}

/// SUBSCRIBE: one or more subscriptions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscribe<S: Storage = crate::storage::DefaultStorage> {
    /// The packet identifier.
    pub packet_id: PacketId,
    /// Subscription Identifier and User Properties (5.0).
    pub properties: S::Props,
    /// The subscriptions; at least one.
    pub subscriptions: S::List<Subscriptions>,
}

#[cfg(feature = "alloc")]
impl Subscribe<Owned> {
    /// A SUBSCRIBE with `subscriptions`.
    pub fn new(packet_id: PacketId, subscriptions: Vec<Subscription>) -> Self {
        Subscribe {
            packet_id,
            properties: Default::default(),
            subscriptions,
        }
    }
}

impl<'a> Subscribe<Borrowed<'a>> {
    #[inline]
    pub(crate) fn read(r: &mut Reader<'a>, ctx: &ParseCtx) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        let properties = read_section(
            r,
            PropContext::Packet(PacketType::Subscribe),
            ctx.version,
            ctx.receiver,
        )?;
        let start = r.position();
        let mut count = 0usize;
        while !r.is_empty() {
            read_subscription(r, ctx.version)?;
            count = count.saturating_add(1);
        }
        if count == 0 {
            return Err(DecodeError::EmptyPayload {
                packet_type: PacketType::Subscribe,
            });
        }
        let subscriptions = BorrowedList::from_region(
            count,
            r.slice(start, r.position()),
            ctx.version.level(),
            list_items::subscription,
        );
        Ok(Subscribe {
            packet_id,
            properties,
            subscriptions,
        })
    }
}

impl<S: Storage> Subscribe<S> {
    #[inline]
    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        let properties = encoded_section_len::<S>(
            &self.properties,
            PropContext::Packet(PacketType::Subscribe),
            version,
        )?;
        if S::len(&self.subscriptions) == 0 {
            return Err(EncodeError::EmptyPayload {
                packet_type: PacketType::Subscribe,
            });
        }
        let subscriptions = S::try_sum(&self.subscriptions, |s| subscription_len(s, version))?;
        Ok(properties.saturating_add(2).saturating_add(subscriptions))
    }

    #[inline]
    pub(crate) fn write_body(&self, version: ProtocolVersion, buf: &mut impl Put) {
        buf.put_u16(self.packet_id.get());
        if version.is_v5() {
            let len =
                slot_content_len::<S>(&self.properties, PropContext::Packet(PacketType::Subscribe))
                    .unwrap_or(0);
            write_properties::<S>(buf, &self.properties, len);
        }
        S::for_each(&self.subscriptions, |s| {
            put_prefixed(buf, s.filter.as_mqtt_str().as_bytes());
            // `body_len` checked the options against the version.
            buf.put_u8(s.options.wire_byte(version));
        });
    }
}
