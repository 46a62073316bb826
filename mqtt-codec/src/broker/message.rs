//! An application message inside the broker: what was published (or willed), with what is
//! forwarded of its properties and when it expires.

use super::Millis;
use crate::packet::{Publish, Will};
use crate::properties::{Properties, UserProperty};
use crate::property_slot::BoxedProperties;
use crate::qos::QoS;
use crate::string::MqttStr;
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

/// Bytes of their own, not a slice of the buffer `b` was cut from.
fn own(b: &[u8]) -> Bytes {
    Bytes::copy_from_slice(b)
}

fn own_str(s: &MqttStr) -> MqttStr {
    MqttStr::from_validated(own(s.as_bytes()))
}

fn own_topic(t: &TopicName) -> TopicName {
    TopicName::from_validated(own_str(t.as_mqtt_str()))
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

    /// The same message in bytes of its own. A received message's fields are slices of the
    /// connection's receive buffer, which they keep alive: a message the broker holds for
    /// long (retained, or queued for a client that is away) is copied once, so that a one-byte
    /// payload does not keep a buffer a large packet grew to (a megabyte, at the default
    /// maximum packet size).
    pub(crate) fn detached(&self) -> Message {
        let p = &self.properties;
        let properties = if p.is_empty() {
            BoxedProperties::default()
        } else {
            Properties {
                payload_format_indicator: p.payload_format_indicator,
                message_expiry_interval: p.message_expiry_interval,
                content_type: p.content_type.as_ref().map(own_str),
                response_topic: p.response_topic.as_ref().map(own_topic),
                correlation_data: p.correlation_data.as_deref().map(own),
                user_properties: p
                    .user_properties
                    .iter()
                    .map(|u| UserProperty {
                        name: own_str(&u.name),
                        value: own_str(&u.value),
                    })
                    .collect(),
                ..Properties::default()
            }
            .into()
        };
        Message {
            topic: own_topic(&self.topic),
            payload: own(&self.payload),
            qos: self.qos,
            retain: self.retain,
            properties,
            expires_at: self.expires_at,
            origin: self.origin.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_detached_message_holds_none_of_the_buffer_it_was_cut_from() {
        let buffer = Bytes::from(alloc::vec![b'x'; 4096]);
        let within = |b: &[u8]| buffer.as_ptr_range().contains(&b.as_ptr());
        let publish = Publish {
            topic: TopicName::from_validated(MqttStr::from_validated(buffer.slice(0..3))),
            payload: buffer.slice(10..11),
            properties: Properties {
                content_type: Some(MqttStr::from_validated(buffer.slice(20..24))),
                ..Properties::default()
            }
            .into(),
            ..Publish::new(TopicName::empty_for_alias(), "")
        };
        let topic = publish.topic.clone();
        let msg = Message::from_publish(&publish, topic, "c", 0);
        assert!(within(msg.payload.as_ref()), "sliced, as received");
        let kept = msg.detached();
        assert!(!within(kept.payload.as_ref()));
        assert!(!within(kept.topic.as_str().as_bytes()));
        let content_type = kept.properties.content_type.as_ref().map(|c| c.as_bytes());
        assert!(!within(content_type.unwrap_or_default()));
        assert_eq!(
            (kept.topic.as_str(), kept.payload.as_ref()),
            ("xxx", &b"x"[..])
        );
        assert_eq!(kept.properties.content_type, msg.properties.content_type);
    }
}
