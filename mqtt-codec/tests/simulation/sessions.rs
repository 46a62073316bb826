//! The two client sessions behind one face for the simulation: the allocating `Session`, and
//! the heap-free `FixedSession` driven as an application on it would drive it (storage
//! sized from the `SessionConfig`, received bytes fed as the receive buffer takes them with
//! the events read between, its views turned into owned events, and the subscriptions it
//! made listed by the application itself, since the heap-free session keeps no list).

use mqtt_codec::client::{
    AliasSlot, Event, FixedConfig, FixedEvent, FixedSession, FixedStorage, FixedWill, InSlot,
    Millis, OutSlot, PendingSlot, Session, SessionConfig, SessionError,
};
use mqtt_codec::{Packet, PacketId, QoS, Subscription, TopicName};
use std::collections::{BTreeMap, VecDeque};

/// A client session of either kind.
pub enum SimSession {
    Alloc(Box<Session>),
    Fixed(Box<FixedClient>),
}

/// The heap-free session with what its application keeps beside it.
pub struct FixedClient {
    session: FixedSession<'static>,
    events: VecDeque<Event>,
    outbox: Vec<u8>,
    /// Granted subscriptions, as `Session` lists them in `SubscriptionsLost`.
    subscriptions: Vec<Subscription>,
    /// SUBSCRIBEs awaiting their SUBACK.
    asked: BTreeMap<u16, Vec<Subscription>>,
}

fn leak<T: Clone>(value: T, n: usize) -> &'static mut [T] {
    Vec::leak(vec![value; n])
}

fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

impl SimSession {
    /// A session of `config`: the heap-free one when `fixed`.
    pub fn new(config: SessionConfig, fixed: bool) -> Self {
        if !fixed {
            return SimSession::Alloc(Box::new(Session::new(config)));
        }
        let mut c = FixedConfig::new(leak_str(&config.client_id), config.version);
        c.keep_alive = config.keep_alive;
        c.clean_start = config.clean_start;
        c.session_expiry_interval = config.session_expiry_interval;
        c.max_inflight = config.max_inflight;
        // Twice the records of the Receive Maximum: the spare ones hold QoS 1 resends.
        c.receive_maximum = config.receive_maximum;
        c.auto_ack = config.auto_ack;
        c.request_problem_information = config.request_problem_information;
        // Will properties (a delay) have no place in the heap-free session's will.
        c.will = config.will.as_ref().map(|w| FixedWill {
            topic: leak_str(w.topic.as_str()),
            payload: Vec::leak(w.payload.to_vec()),
            qos: w.qos,
            retain: w.retain,
        });
        let storage = FixedStorage {
            // Every message a client of the simulation publishes fits (at most 25).
            outgoing: leak(OutSlot::FREE, usize::from(config.max_inflight) + 32),
            messages: leak(0u8, 16 * 1024),
            // 3.x has no Receive Maximum: as many as the broker keeps in flight (at most 100
            // in the simulation), as a device sizes them for its server.
            incoming: leak(
                InSlot::FREE,
                match config.version.is_v5() {
                    true => 2 * usize::from(config.receive_maximum),
                    false => 100,
                },
            ),
            pending: leak(PendingSlot::FREE, 2),
            aliases: leak(AliasSlot::FREE, usize::from(config.topic_alias_maximum)),
            alias_topics: leak(0u8, 256),
            rx: leak(0u8, 64 * 1024),
            tx: leak(0u8, 16 * 1024),
        };
        SimSession::Fixed(Box::new(FixedClient {
            session: FixedSession::new(c, storage),
            events: VecDeque::new(),
            outbox: Vec::new(),
            subscriptions: Vec::new(),
            asked: BTreeMap::new(),
        }))
    }

    pub fn connect(&mut self, now: Millis) -> Result<(), SessionError> {
        match self {
            SimSession::Alloc(s) => s.connect(now),
            SimSession::Fixed(f) => {
                let r = f.session.connect(now);
                f.take_transmit(now);
                r
            }
        }
    }

    pub fn publish(
        &mut self,
        topic: TopicName,
        payload: String,
        qos: QoS,
        retain: bool,
        now: Millis,
    ) -> Result<Option<PacketId>, SessionError> {
        match self {
            SimSession::Alloc(s) => s.publish(topic, payload, qos, retain, now),
            SimSession::Fixed(f) => {
                let r =
                    f.session
                        .publish_message(topic.as_str(), payload.as_bytes(), qos, retain, now);
                f.take_transmit(now);
                r
            }
        }
    }

    pub fn subscribe(
        &mut self,
        subscriptions: Vec<Subscription>,
        now: Millis,
    ) -> Result<PacketId, SessionError> {
        match self {
            SimSession::Alloc(s) => s.subscribe(subscriptions, now),
            SimSession::Fixed(f) => {
                // The simulation subscribes to one filter at a time.
                let sub = subscriptions.first().expect("a subscription");
                let id = f.session.subscribe(sub.filter.as_str(), sub.options, now)?;
                f.asked.insert(id.get(), subscriptions);
                f.take_transmit(now);
                Ok(id)
            }
        }
    }

    pub fn ack(&mut self, id: PacketId, now: Millis) -> Result<(), SessionError> {
        match self {
            SimSession::Alloc(s) => s.ack(id, now),
            SimSession::Fixed(f) => {
                let r = f.session.ack(id, now);
                f.take_transmit(now);
                r
            }
        }
    }

    pub fn disconnect(&mut self, now: Millis) -> Result<(), SessionError> {
        match self {
            SimSession::Alloc(s) => s.disconnect(now),
            SimSession::Fixed(f) => {
                let r = f.session.disconnect(now);
                f.take_transmit(now);
                f.read_events(now);
                r
            }
        }
    }

    pub fn connection_lost(&mut self, now: Millis) {
        match self {
            SimSession::Alloc(s) => s.connection_lost(now),
            SimSession::Fixed(f) => {
                f.session.connection_lost(now);
                f.outbox.clear();
                f.read_events(now);
            }
        }
    }

    pub fn receive(&mut self, data: &[u8], now: Millis) {
        match self {
            SimSession::Alloc(s) => s.receive(data, now),
            SimSession::Fixed(f) => f.receive(data, now),
        }
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        match self {
            SimSession::Alloc(s) => s.poll_event(),
            SimSession::Fixed(f) => f.events.pop_front(),
        }
    }

    pub fn data_to_send(&mut self) -> Vec<u8> {
        match self {
            SimSession::Alloc(s) => s.data_to_send(),
            SimSession::Fixed(f) => std::mem::take(&mut f.outbox),
        }
    }

    pub fn next_timeout(&self) -> Option<Millis> {
        match self {
            SimSession::Alloc(s) => s.next_timeout(),
            SimSession::Fixed(f) => f.session.next_timeout(),
        }
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        match self {
            SimSession::Alloc(s) => s.handle_timeout(now),
            SimSession::Fixed(f) => {
                f.session.handle_timeout(now);
                f.take_transmit(now);
                f.read_events(now);
            }
        }
    }

    pub fn is_connected(&self) -> bool {
        match self {
            SimSession::Alloc(s) => s.is_connected(),
            SimSession::Fixed(f) => f.session.is_connected(),
        }
    }

    pub fn pending_publishes(&self) -> (usize, usize) {
        match self {
            SimSession::Alloc(s) => s.pending_publishes(),
            SimSession::Fixed(f) => f.session.pending_publishes(),
        }
    }

    /// The session's snapshot, for a restart; the heap-free session has none.
    pub fn snapshot(&self) -> Option<Vec<u8>> {
        match self {
            SimSession::Alloc(s) => Some(s.snapshot()),
            SimSession::Fixed(_) => None,
        }
    }
}

impl FixedClient {
    fn take_transmit(&mut self, now: Millis) {
        if let Some(bytes) = self.session.poll_transmit(now) {
            self.outbox.extend_from_slice(bytes);
        }
    }

    /// Feeds `data` as the receive buffer takes it, reading the events between.
    fn receive(&mut self, mut data: &[u8], now: Millis) {
        loop {
            let taken = self.session.receive(data, now);
            data = &data[taken..];
            self.read_events(now);
            if data.is_empty() {
                return;
            }
            // With the events read, the buffer has room again (it holds a whole packet).
            assert!(
                taken > 0,
                "the receive buffer took nothing, no event waiting"
            );
        }
    }

    /// Reads every event the session can tell now, writing what it sends between.
    fn read_events(&mut self, now: Millis) {
        loop {
            self.take_transmit(now);
            let (subscriptions, asked) = (&mut self.subscriptions, &mut self.asked);
            let event = match self.session.poll_event(now) {
                Some(e) => own(subscriptions, asked, e),
                None => {
                    // What the last packets read were answered with.
                    self.take_transmit(now);
                    return;
                }
            };
            self.events.push_back(event);
        }
    }
}

/// The owned event of `event`; the application's list of subscriptions follows the SUBACKs
/// (`asked`: the SUBSCRIBEs awaiting theirs).
fn own(
    subscriptions: &mut Vec<Subscription>,
    asked: &mut BTreeMap<u16, Vec<Subscription>>,
    event: FixedEvent<'_>,
) -> Event {
    match event {
        FixedEvent::Connected {
            session_present,
            connack,
        } => match Packet::ConnAck(connack).to_owned() {
            Packet::ConnAck(connack) => Event::Connected {
                session_present,
                connack,
            },
            _ => unreachable!(),
        },
        FixedEvent::ConnectionRefused {
            reason,
            server_speaks_v3,
        } => Event::ConnectionRefused {
            reason,
            server_speaks_v3,
        },
        FixedEvent::Message { publish, ack } => Event::Message {
            publish: publish.to_owned(),
            ack,
        },
        FixedEvent::Published { packet_id, reason } => Event::Published { packet_id, reason },
        FixedEvent::PublishFailed { packet_id, failure } => {
            Event::PublishFailed { packet_id, failure }
        }
        FixedEvent::Subscribed(suback) => {
            let reason_codes: Vec<_> = suback.reason_codes.iter().collect();
            let asked = asked.remove(&suback.packet_id.get()).unwrap_or_default();
            for (sub, code) in asked.iter().zip(&reason_codes) {
                let qos = match code.value() {
                    0 => QoS::AtMostOnce,
                    1 => QoS::AtLeastOnce,
                    2 => QoS::ExactlyOnce,
                    _ => continue,
                };
                let mut options = sub.options;
                options.qos = qos;
                subscriptions.retain(|s| s.filter.as_str() != sub.filter.as_str());
                subscriptions.push(Subscription {
                    filter: sub.filter.clone(),
                    options,
                });
            }
            Event::Subscribed {
                packet_id: suback.packet_id,
                reason_codes,
            }
        }
        FixedEvent::Unsubscribed(unsuback) => Event::Unsubscribed {
            packet_id: unsuback.packet_id,
            reason_codes: unsuback.reason_codes.iter().collect(),
        },
        FixedEvent::SubscribeLost { packet_id } => Event::SubscribeLost {
            packet_id,
            subscriptions: asked.remove(&packet_id.get()).unwrap_or_default(),
        },
        FixedEvent::UnsubscribeLost { packet_id } => Event::UnsubscribeLost { packet_id },
        FixedEvent::Reauthenticated => Event::Reauthenticated,
        FixedEvent::SubscriptionsLost => Event::SubscriptionsLost {
            subscriptions: std::mem::take(subscriptions),
        },
        FixedEvent::Disconnected { reason, by_server } => Event::Disconnected { reason, by_server },
    }
}
