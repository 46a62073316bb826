//! A heap-free session's events in C form: views into the session's receive buffer and
//! alias topics, valid until the next call on the session.

use crate::convert::{ListSink, Wire};
use crate::session_event::*;
use crate::types::*;
use codec::client::{FixedEvent, PublishFailure};

/// The C form of `event`.
pub(super) fn to_c(event: &FixedEvent<'_>) -> mqtt_session_event {
    let mut out = mqtt_session_event::blank();
    match event {
        FixedEvent::Connected {
            session_present,
            connack,
        } => {
            out.kind = MQTT_SESSION_EVENT_CONNECTED;
            out.session_present = *session_present;
            if cfg!(feature = "v5") && !connack.properties.is_empty() {
                Wire.properties(&connack.properties, false, &mut out.properties);
            }
        }
        FixedEvent::ConnectionRefused {
            reason,
            server_speaks_v3,
        } => {
            out.kind = MQTT_SESSION_EVENT_CONNECTION_REFUSED;
            out.reason_code = reason.value();
            out.server_speaks_v3 = *server_speaks_v3;
        }
        FixedEvent::Message { publish, ack } => {
            out.kind = MQTT_SESSION_EVENT_MESSAGE;
            out.topic = mqtt_bytes::of(publish.topic.as_mqtt_str().as_bytes());
            out.payload = mqtt_bytes::of(publish.payload);
            out.qos = publish.qos as u8;
            out.retain = publish.retain;
            out.dup = publish.dup;
            out.packet_id = publish.packet_id.map_or(0, |id| id.get());
            out.ack_id = ack.map_or(0, |id| id.get());
            if cfg!(feature = "v5") && !publish.properties.is_empty() {
                Wire.properties(&publish.properties, false, &mut out.properties);
            }
        }
        FixedEvent::Published { packet_id, reason } => {
            out.kind = MQTT_SESSION_EVENT_PUBLISHED;
            out.packet_id = packet_id.get();
            out.reason_code = reason.value();
        }
        FixedEvent::PublishFailed { packet_id, failure } => {
            out.kind = MQTT_SESSION_EVENT_PUBLISH_FAILED;
            out.packet_id = packet_id.get();
            match failure {
                PublishFailure::Refused(reason) => out.reason_code = reason.value(),
                PublishFailure::SessionLost => out.session_lost = true,
            }
        }
        FixedEvent::Subscribed(suback) => {
            out.kind = MQTT_SESSION_EVENT_SUBSCRIBED;
            out.packet_id = suback.packet_id.get();
            out.reason_codes = Wire.codes(&suback.reason_codes);
        }
        FixedEvent::Unsubscribed(unsuback) => {
            out.kind = MQTT_SESSION_EVENT_UNSUBSCRIBED;
            out.packet_id = unsuback.packet_id.get();
            out.reason_codes = Wire.codes(&unsuback.reason_codes);
        }
        FixedEvent::SubscribeLost { packet_id } => {
            out.kind = MQTT_SESSION_EVENT_SUBSCRIBE_LOST;
            out.packet_id = packet_id.get();
        }
        FixedEvent::UnsubscribeLost { packet_id } => {
            out.kind = MQTT_SESSION_EVENT_UNSUBSCRIBE_LOST;
            out.packet_id = packet_id.get();
        }
        FixedEvent::SubscriptionsLost => out.kind = MQTT_SESSION_EVENT_SUBSCRIPTIONS_LOST,
        FixedEvent::Reauthenticated => out.kind = MQTT_SESSION_EVENT_REAUTHENTICATED,
        FixedEvent::Disconnected { reason, by_server } => {
            out.kind = MQTT_SESSION_EVENT_DISCONNECTED;
            out.has_reason_code = reason.is_some();
            out.reason_code = reason.map_or(0, |r| r.value());
            out.by_server = *by_server;
        }
    }
    out
}
