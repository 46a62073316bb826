//! The heap session's events in C form: the event is kept until the next
//! `mqtt_session_poll_event()`, so that the views handed out stay valid.

use crate::convert::{fill_properties, subscription_to_c, Arena, ListSink};
use crate::session_event::*;
use crate::types::*;
use alloc::vec::Vec;
use codec::client::{Event, PublishFailure};
use core::ffi::c_void;

/// The last event polled, kept so that the views handed out stay valid, with the arrays
/// of C items its lists point to.
#[derive(Default)]
pub(super) struct EventSlot {
    event: Option<Event>,
    arena: Arena,
    subs: Vec<mqtt_subscription>,
}

fn list_of<T>(v: &[T], kind: u8) -> mqtt_list {
    mqtt_list {
        kind,
        count: v.len(),
        items: v.as_ptr().cast::<c_void>(),
        ..mqtt_list::default()
    }
}

impl EventSlot {
    /// Drops the last event (its views end).
    pub(super) fn release(&mut self) {
        self.event = None;
    }

    /// Keeps `event` (dropping the one before, and so its views) and returns its C form,
    /// whose views point into it.
    pub(super) fn hold(&mut self, event: Event) -> mqtt_session_event {
        let event = self.event.insert(event);
        let arena = &mut self.arena;
        let mut out = mqtt_session_event::blank();
        match event {
            Event::Connected {
                session_present,
                connack,
            } => {
                out.kind = MQTT_SESSION_EVENT_CONNECTED;
                out.session_present = *session_present;
                if !connack.properties.is_empty() {
                    fill_properties(&connack.properties, arena, false, &mut out.properties);
                }
            }
            Event::ConnectionRefused {
                reason,
                server_speaks_v3,
            } => {
                out.kind = MQTT_SESSION_EVENT_CONNECTION_REFUSED;
                out.reason_code = reason.value();
                out.server_speaks_v3 = *server_speaks_v3;
            }
            Event::Message { publish, ack } => {
                out.kind = MQTT_SESSION_EVENT_MESSAGE;
                out.topic = mqtt_bytes::of(publish.topic.as_mqtt_str().as_bytes());
                out.payload = mqtt_bytes::of(&publish.payload);
                out.qos = publish.qos as u8;
                out.retain = publish.retain;
                out.dup = publish.dup;
                out.packet_id = publish.packet_id.map_or(0, |id| id.get());
                out.ack_id = ack.map_or(0, |id| id.get());
                if !publish.properties.is_empty() {
                    fill_properties(&publish.properties, arena, false, &mut out.properties);
                }
            }
            Event::Published { packet_id, reason } => {
                out.kind = MQTT_SESSION_EVENT_PUBLISHED;
                out.packet_id = packet_id.get();
                out.reason_code = reason.value();
            }
            Event::PublishFailed { packet_id, failure } => {
                out.kind = MQTT_SESSION_EVENT_PUBLISH_FAILED;
                out.packet_id = packet_id.get();
                match failure {
                    PublishFailure::Refused(reason) => out.reason_code = reason.value(),
                    PublishFailure::SessionLost => out.session_lost = true,
                }
            }
            Event::Subscribed {
                packet_id,
                reason_codes,
            } => {
                out.kind = MQTT_SESSION_EVENT_SUBSCRIBED;
                out.packet_id = packet_id.get();
                out.reason_codes = arena.codes(reason_codes);
            }
            Event::Unsubscribed {
                packet_id,
                reason_codes,
            } => {
                out.kind = MQTT_SESSION_EVENT_UNSUBSCRIBED;
                out.packet_id = packet_id.get();
                out.reason_codes = arena.codes(reason_codes);
            }
            Event::SubscribeLost {
                packet_id,
                subscriptions,
            } => {
                out.kind = MQTT_SESSION_EVENT_SUBSCRIBE_LOST;
                out.packet_id = packet_id.get();
                self.subs.clear();
                self.subs
                    .extend(subscriptions.iter().map(subscription_to_c));
                out.subscriptions = list_of(&self.subs, MQTT_LIST_SUBSCRIPTIONS);
            }
            Event::UnsubscribeLost { packet_id } => {
                out.kind = MQTT_SESSION_EVENT_UNSUBSCRIBE_LOST;
                out.packet_id = packet_id.get();
            }
            Event::SubscriptionsLost { subscriptions } => {
                out.kind = MQTT_SESSION_EVENT_SUBSCRIPTIONS_LOST;
                self.subs.clear();
                self.subs
                    .extend(subscriptions.iter().map(subscription_to_c));
                out.subscriptions = list_of(&self.subs, MQTT_LIST_SUBSCRIPTIONS);
            }
            Event::Reauthenticated => out.kind = MQTT_SESSION_EVENT_REAUTHENTICATED,
            Event::Disconnected { reason, by_server } => {
                out.kind = MQTT_SESSION_EVENT_DISCONNECTED;
                out.has_reason_code = reason.is_some();
                out.reason_code = reason.map_or(0, |r| r.value());
                out.by_server = *by_server;
            }
        }
        out
    }
}
