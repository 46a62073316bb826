//! Our benchmark packets as mqttbytes builds them, for the codec benchmark and the
//! instruction-count example to encode the same packets through the same peer.

use mqtt_codec::{Publish, Subscribe};
use mqttbytes::{v4, v5};

/// mqttbytes's QoS of ours.
pub fn qos(q: mqtt_codec::QoS) -> mqttbytes::QoS {
    match q {
        mqtt_codec::QoS::AtMostOnce => mqttbytes::QoS::AtMostOnce,
        mqtt_codec::QoS::AtLeastOnce => mqttbytes::QoS::AtLeastOnce,
        mqtt_codec::QoS::ExactlyOnce => mqttbytes::QoS::ExactlyOnce,
    }
}

/// A 3.1.1 PUBLISH.
pub fn publish_v4(p: &Publish) -> v4::Publish {
    let mut peer = v4::Publish::new(p.topic.as_str(), qos(p.qos), p.payload.to_vec());
    peer.pkid = p.packet_id.map_or(0, |id| id.get());
    peer
}

/// A 5.0 PUBLISH with the properties the benchmark case sets.
pub fn publish_v5(p: &Publish) -> v5::Publish {
    let mut peer = v5::Publish::new(p.topic.as_str(), qos(p.qos), p.payload.to_vec());
    peer.pkid = p.packet_id.map_or(0, |id| id.get());
    peer.properties = Some(v5::PublishProperties {
        payload_format_indicator: p.properties.payload_format_indicator,
        message_expiry_interval: p.properties.message_expiry_interval,
        topic_alias: None,
        response_topic: None,
        correlation_data: None,
        user_properties: p
            .properties
            .user_properties
            .iter()
            .map(|u| (u.name.to_string(), u.value.to_string()))
            .collect(),
        subscription_identifiers: vec![],
        content_type: p.properties.content_type.as_ref().map(|s| s.to_string()),
    });
    peer
}

/// A 3.1.1 SUBSCRIBE (every filter at QoS 1, as the benchmark case has them).
pub fn subscribe_v4(s: &Subscribe) -> v4::Subscribe {
    let mut peer = v4::Subscribe::new_many(
        s.subscriptions
            .iter()
            .map(|f| v4::SubscribeFilter::new(f.filter.to_string(), mqttbytes::QoS::AtLeastOnce)),
    );
    peer.pkid = s.packet_id.get();
    peer
}
