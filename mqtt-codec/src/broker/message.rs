//! An application message inside the broker: what was published (or willed), with what is
//! forwarded of its properties and when it expires.

use super::Millis;
use crate::packet::{Publish, Will};
use crate::properties::Properties;
use crate::property_slot::BoxedProperties;
use crate::qos::QoS;
use crate::topic::TopicName;
use alloc::vec::Vec;
use bytes::Bytes;

/// A message being routed, queued, retained or delivered.
#[derive(Clone, Debug)]
pub(crate) struct Message {
    pub(crate) topic: TopicName,
    pub(crate) payload: Bytes,
    pub(crate) qos: QoS,
    pub(crate) retain: bool,
    /// Properties forwarded unchanged ([MQTT-3.3.2-4], [MQTT-3.3.2-15] … [MQTT-3.3.2-20]);
    /// boxed, and only when there are some, so that a queued message stays small.
    pub(crate) properties: BoxedProperties,
    /// When the Message Expiry Interval runs out.
    pub(crate) expires_at: Option<Millis>,
    /// The publisher's client identifier, for No Local (shared, so copies of the message
    /// for each subscriber do not copy it).
    pub(crate) origin: Option<Bytes>,
}

fn forwarded(p: &Properties) -> BoxedProperties {
    let kept = Properties {
        payload_format_indicator: p.payload_format_indicator,
        content_type: p.content_type.clone(),
        response_topic: p.response_topic.clone(),
        correlation_data: p.correlation_data.clone(),
        user_properties: p.user_properties.clone(),
        ..Properties::default()
    };
    kept.into()
}

fn expiry(p: &Properties, now: Millis) -> Option<Millis> {
    p.message_expiry_interval
        .map(|s| now.saturating_add(u64::from(s) * 1000))
}

impl Message {
    /// The message of a client's PUBLISH whose topic (alias resolved) is `topic`.
    pub(crate) fn from_publish(
        p: &Publish,
        topic: TopicName,
        origin: &str,
        now: Millis,
    ) -> Message {
        Message {
            topic,
            payload: p.payload.clone(),
            qos: p.qos,
            retain: p.retain,
            properties: forwarded(&p.properties),
            expires_at: expiry(&p.properties, now),
            origin: Some(Bytes::copy_from_slice(origin.as_bytes())),
        }
    }

    /// The message of a will, as the session keeps it until it is published. Its Message
    /// Expiry Interval is the lifetime of the published will (§3.1.3.2.4), so it waits
    /// among the properties, not yet a deadline, until [`Message::published_will`].
    pub(crate) fn from_will(w: &Will, origin: &str) -> Message {
        let mut properties = forwarded(&w.properties);
        if let Some(secs) = w.properties.message_expiry_interval {
            properties.message_expiry_interval = Some(secs);
        }
        Message {
            topic: w.topic.clone(),
            payload: w.payload.clone(),
            qos: w.qos,
            retain: w.retain,
            properties,
            expires_at: None,
            origin: Some(Bytes::copy_from_slice(origin.as_bytes())),
        }
    }

    /// A will published at `now`: its expiry interval starts now.
    pub(crate) fn published_will(mut self, now: Millis) -> Message {
        if let Some(secs) = self.properties.message_expiry_interval {
            self.properties.message_expiry_interval = None;
            self.expires_at = Some(now.saturating_add(u64::from(secs) * 1000));
        }
        self
    }

    /// True once the Message Expiry Interval has passed ([MQTT-3.3.2-5]).
    pub(crate) fn expired(&self, now: Millis) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    /// The Message Expiry Interval left at `now`, in whole seconds rounded up.
    pub(crate) fn expiry_left(&self, now: Millis) -> Option<u32> {
        let at = self.expires_at?;
        Some((at.saturating_sub(now).div_ceil(1000)).min(u64::from(u32::MAX)) as u32)
    }

    /// The PUBLISH delivering this message; the expiry interval is what remains
    /// ([MQTT-3.3.2-6]).
    pub(crate) fn to_publish(
        &self,
        qos: QoS,
        retain: bool,
        sub_ids: &[u32],
        now: Millis,
        v5: bool,
    ) -> Publish {
        let mut properties = BoxedProperties::default();
        // A 3.x PUBLISH has no properties: nothing to copy or allocate.
        if v5 {
            properties = self.properties.clone();
        }
        // Written only when set: writing through the box allocates it.
        if v5 && self.expires_at.is_some() {
            properties.message_expiry_interval = self.expiry_left(now);
        }
        if v5 && !sub_ids.is_empty() {
            properties.subscription_identifiers = Vec::from(sub_ids);
        }
        Publish {
            dup: false,
            qos,
            retain,
            topic: self.topic.clone(),
            packet_id: None,
            properties,
            payload: self.payload.clone(),
        }
    }
}
