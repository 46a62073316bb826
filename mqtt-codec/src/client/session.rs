//! The client session with memory of its own: the heap-free session's state machine
//! ([`FixedSession`]) over tables that grow as needed, and beside it what an application
//! with an allocator expects: owned events, enhanced authentication, the list of the
//! subscriptions made, and topic aliases towards the server.

use super::auth::Authenticator;
use super::config::SessionConfig;
use super::error::SessionError;
use super::event::Event;
use super::fixed::{Exchange, FixedConfig, FixedEvent, FixedSession, Identity, Memory};
use super::fixed::{Received, Table, WillParts};
use super::rules::Millis;
use super::snapshot_format::SnapshotError;
use crate::error::EncodeError;
use crate::packet::{
    Packet, PacketId, Publish, Subscribe, Subscription, SubscriptionOptions, Unsubscribe,
};
use crate::packet_type::PacketType;
use crate::parse::{parse, ParseOptions, Status};
use crate::properties::{PropContext, Properties};
use crate::property_view::PropertyView;
use crate::qos::QoS;
use crate::string::MqttStr;
use crate::topic::{TopicFilter, TopicName};
use crate::wire::varint::read_varint;
use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use bytes::{Bytes, BytesMut};

/// The largest packet MQTT can frame (a remaining length of 268,435,455 and its header).
const LARGEST_PACKET: usize = 268_435_460;

/// The MQTT protocol state of one client: packet identifiers, the QoS 1 and 2 flows both
/// ways and their resending after a reconnect, keep alive, topic aliases, Receive Maximum,
/// and the checks of what the server sends against what was asked. No socket, no clock:
/// bytes and the time go in, bytes, events and the next deadline come out.
///
/// It is [`FixedSession`] over memory it owns and grows (up to the limits of its
/// [`SessionConfig`]): one state machine for both. Each call handles at once what it can,
/// so that events and bytes wait in queues to be polled.
///
/// ```
/// use mqtt_codec::client::{Event, Session, SessionConfig};
/// use mqtt_codec::{ProtocolVersion, QoS, TopicName};
///
/// let mut session = Session::new(SessionConfig::new("sensor-1", ProtocolVersion::V3_1_1));
/// session.connect(0)?;
/// let connect = session.poll_transmit().unwrap(); // write it to the socket
/// assert_eq!(connect[0], 0x10);
/// session.receive(&[0x20, 0x02, 0x00, 0x00], 5); // CONNACK, accepted
/// assert!(matches!(session.poll_event(), Some(Event::Connected { .. })));
/// let id = session.publish(TopicName::new("PV/sunshine")?, "42", QoS::AtLeastOnce, false, 10)?;
/// let publish = session.poll_transmit().unwrap();
/// assert_eq!(publish[0], 0x32);
/// session.receive(&[0x40, 0x02, 0x00, 0x01], 20); // PUBACK
/// assert!(matches!(session.poll_event(), Some(Event::Published { packet_id, .. }) if Some(packet_id) == id));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Session {
    pub(super) config: SessionConfig,
    pub(super) machine: FixedSession<'static>,
    /// Packets taken from the machine's transmit buffer and not polled yet (the machine's
    /// buffer holds what came after them).
    transmit: VecDeque<Bytes>,
    events: VecDeque<Event>,
    /// The time of the last call that gave one.
    now: Millis,
    /// What each SUBSCRIBE awaiting its SUBACK asked for.
    asked: BTreeMap<u16, Vec<Subscription>>,
    /// The subscriptions granted on the session, by filter.
    pub(super) subscriptions: BTreeMap<String, (TopicFilter, SubscriptionOptions)>,
    /// The receive buffer is lent out (`lent_buffer.rs`): what arrives meanwhile waits.
    pub(super) lent: bool,
    /// Enhanced authentication (5.0).
    authenticator: Option<Box<dyn Authenticator>>,
}

impl Session {
    /// A session with no connection yet.
    pub fn new(config: SessionConfig) -> Self {
        let machine = machine_for(&config);
        Session::around(config, machine)
    }

    /// The session around `machine`, made for `config`.
    pub(super) fn around(config: SessionConfig, machine: FixedSession<'static>) -> Self {
        Session {
            config,
            machine,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            now: 0,
            asked: BTreeMap::new(),
            subscriptions: BTreeMap::new(),
            lent: false,
            authenticator: None,
        }
    }

    /// The configuration (the client identifier becomes the one the server assigned).
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// Authenticates every CONNECT with `authenticator` (5.0 enhanced authentication,
    /// §4.12): its method and first data go in CONNECT, the server's challenges (AUTH 0x18)
    /// are answered with it, and the server's final data in CONNACK must satisfy it.
    pub fn set_authenticator(&mut self, authenticator: Box<dyn Authenticator>) {
        self.authenticator = Some(authenticator);
    }

    /// Re-authenticates on the live connection: AUTH 0x19 with the method of CONNECT
    /// ([MQTT-4.12.1-1]); the server's AUTH 0x00 ends it with [`Event::Reauthenticated`], a
    /// failure with its DISCONNECT.
    pub fn reauthenticate(&mut self, now: Millis) -> Result<(), SessionError> {
        // Refused before the authenticator starts an exchange for nothing: a second start
        // would replace the one the server is answering.
        self.machine.may_reauthenticate()?;
        let Some(auth) = self.authenticator.as_mut() else {
            return Err(SessionError::State("the connection did not authenticate"));
        };
        let data = auth
            .start()
            .map_err(|_| SessionError::AuthenticatorNotReady)?;
        let method = String::from(auth.method());
        self.machine.reauthenticate(&method, &data, now)?;
        self.collect(now);
        Ok(())
    }

    /// Whether CONNACK accepted the connection and it has not ended.
    pub fn is_connected(&self) -> bool {
        self.machine.is_connected()
    }

    /// Whether a PINGREQ went out that has had no PINGRESP yet (see
    /// [`FixedSession::awaiting_pingresp`]).
    pub fn awaiting_pingresp(&self) -> bool {
        self.machine.awaiting_pingresp()
    }

    /// QoS 1 and 2 PUBLISHes of ours in flight, and queued behind the window.
    pub fn pending_publishes(&self) -> (usize, usize) {
        self.machine.pending_publishes()
    }

    /// The next bytes to write to the connection, in order: one packet each.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        if self.transmit.is_empty() {
            if let Some(bytes) = self.machine.poll_transmit(self.now) {
                let mut all = Bytes::copy_from_slice(bytes);
                while !all.is_empty() {
                    let len = frame_len(&all).unwrap_or(all.len()).min(all.len());
                    self.transmit.push_back(all.split_to(len));
                }
            }
        }
        self.transmit.pop_front()
    }

    /// Everything there is to write, as one buffer.
    pub fn data_to_send(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(b) = self.transmit.pop_front() {
            out.extend_from_slice(&b);
        }
        if let Some(bytes) = self.machine.poll_transmit(self.now) {
            out.extend_from_slice(bytes);
        }
        // Writing out what was queued may end some of it (a message the server's CONNACK
        // said it would refuse): those reports become events now.
        self.collect(self.now);
        out
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Starts a connection: queues CONNECT. The first one starts as the configuration says;
    /// a reconnect resumes the session when the server may hold one. Nothing else is sent
    /// before CONNACK.
    pub fn connect(&mut self, now: Millis) -> Result<(), SessionError> {
        if !self.machine.is_idle() {
            // Refused before the authenticator starts an exchange for nothing.
            return Err(SessionError::AlreadyConnected);
        }
        self.config.check()?;
        let config = &self.config;
        let auth = match self.authenticator.as_mut() {
            Some(a) if config.version.is_v5() => {
                let data = a.start().map_err(|_| SessionError::AuthenticatorNotReady)?;
                Some((String::from(a.method()), data))
            }
            _ => None,
        };
        let will_properties = match &config.will {
            Some(w) if config.version.is_v5() => {
                encoded_properties(&w.properties, PropContext::Will)?
            }
            _ => Vec::new(),
        };
        let identity = Identity {
            client_id: &config.client_id,
            username: config.username.as_deref(),
            password: config.password.as_deref(),
            will: config.will.as_ref().map(|w| WillParts {
                topic: w.topic.as_str(),
                payload: &w.payload,
                qos: w.qos,
                retain: w.retain,
                properties: &will_properties,
            }),
            auth: auth.as_ref().map(|(m, d)| (m.as_str(), d.as_slice())),
        };
        self.machine.connect_as(&identity, now)?;
        // Nothing of an earlier connection (its DISCONNECT, say, not written yet) may go out
        // before CONNECT ([MQTT-3.1.0-1]); a buffer lent before belongs to it too
        // (`receive_lent` drops it).
        self.transmit.clear();
        self.lent = false;
        self.collect(now);
        Ok(())
    }

    /// Publishes a message. QoS 0 needs a connection and returns `None`; QoS 1 and 2 get
    /// their packet identifier at once and are sent when the connection and the in-flight
    /// window allow, or wait in the queue (and across reconnects) until then.
    pub fn publish(
        &mut self,
        topic: TopicName,
        payload: impl Into<Bytes>,
        qos: QoS,
        retain: bool,
        now: Millis,
    ) -> Result<Option<PacketId>, SessionError> {
        let mut publish = Publish::new(topic, payload);
        publish.qos = qos;
        publish.retain = retain;
        self.publish_packet(publish, now)
    }

    /// Publishes a PUBLISH built by the caller (5.0 properties included); its packet
    /// identifier, DUP flag and topic alias are the session's to set.
    pub fn publish_packet(
        &mut self,
        publish: Publish,
        now: Millis,
    ) -> Result<Option<PacketId>, SessionError> {
        // Fewer records than the queue may hold cannot hold a full queue: no need to count.
        if publish.qos != QoS::AtMostOnce && self.machine.out_records() >= self.config.max_queued {
            let (_, queued) = self.machine.pending_publishes();
            let window_free =
                self.machine.is_connected() && queued == 0 && self.machine.window_has_room();
            if !window_free && queued >= self.config.max_queued {
                return Err(SessionError::QueueFull(queued));
            }
        }
        let context = PropContext::Packet(PacketType::Publish);
        let properties = match (self.config.version.is_v5(), publish.properties.topic_alias) {
            (false, _) if !publish.properties.is_empty() => {
                return Err(SessionError::Encode(EncodeError::NotRepresentable {
                    what: "properties",
                    version: self.config.version,
                }));
            }
            (false, _) => Vec::new(),
            (true, None) => encoded_properties(&publish.properties, context)?,
            (true, Some(_)) => {
                let mut properties = publish.properties.clone();
                properties.topic_alias = None;
                encoded_properties(&properties, context)?
            }
        };
        let view = Publish {
            dup: false,
            qos: publish.qos,
            retain: publish.retain,
            topic: TopicName::from_validated(MqttStr::from_validated(
                publish.topic.as_str().as_bytes(),
            )),
            packet_id: None,
            properties: PropertyView::wire(&properties),
            payload: &publish.payload[..],
        };
        let id = self.machine.publish(view, now)?;
        self.collect(now);
        Ok(id)
    }

    /// Subscribes; returns the SUBSCRIBE's packet identifier, which the
    /// [`Event::Subscribed`] carries.
    pub fn subscribe(
        &mut self,
        subscriptions: Vec<Subscription>,
        now: Millis,
    ) -> Result<PacketId, SessionError> {
        self.subscribe_with(subscriptions, Properties::default(), now)
    }

    /// Subscribes with 5.0 properties (a Subscription Identifier, User Properties).
    pub fn subscribe_with(
        &mut self,
        subscriptions: Vec<Subscription>,
        properties: Properties,
        now: Millis,
    ) -> Result<PacketId, SessionError> {
        self.need_connection()?;
        let mut subscribe = Subscribe::new(PacketId::MIN, subscriptions.clone());
        subscribe.properties = properties.into();
        let bytes = Packet::Subscribe(subscribe).to_bytes(self.config.version)?;
        let id = match self.view_of(&bytes)? {
            Packet::Subscribe(view) => self.machine.subscribe_packet(view, now)?,
            _ => return Err(SessionError::State("a SUBSCRIBE did not read back")),
        };
        self.asked.insert(id.get(), subscriptions);
        self.collect(now);
        Ok(id)
    }

    /// Unsubscribes; returns the UNSUBSCRIBE's packet identifier.
    pub fn unsubscribe(
        &mut self,
        filters: Vec<MqttStr>,
        now: Millis,
    ) -> Result<PacketId, SessionError> {
        self.need_connection()?;
        // A receiver is lenient with an UNSUBSCRIBE's filters (UNS-6), but a malformed one
        // makes some servers (mosquitto) close the connection: it is not sent.
        let v5 = self.config.version.is_v5();
        for f in &filters {
            TopicFilter::try_from_bytes(f.as_str().as_bytes(), v5).map_err(SessionError::Topic)?;
        }
        let unsubscribe = Unsubscribe::new(PacketId::MIN, filters.clone());
        let bytes = Packet::Unsubscribe(unsubscribe).to_bytes(self.config.version)?;
        let id = match self.view_of(&bytes)? {
            Packet::Unsubscribe(view) => self.machine.unsubscribe_packet(view, now)?,
            _ => return Err(SessionError::State("an UNSUBSCRIBE did not read back")),
        };
        for f in &filters {
            self.subscriptions.remove(f.as_str());
        }
        self.collect(now);
        Ok(id)
    }

    /// Acknowledges a received QoS 1 or 2 message (manual acknowledgement). The
    /// acknowledgements still go out in the order the messages arrived ([MQTT-4.6.0-2] to
    /// [MQTT-4.6.0-4]): one acknowledged early waits for those before it.
    pub fn ack(&mut self, packet_id: PacketId, now: Millis) -> Result<(), SessionError> {
        self.machine.ack(packet_id, now)?;
        self.collect(now);
        Ok(())
    }

    /// Ends the connection normally: DISCONNECT (no will), then the caller closes the
    /// socket. The session, and what is in flight, is kept for the next `connect`.
    pub fn disconnect(&mut self, now: Millis) -> Result<(), SessionError> {
        self.machine.disconnect(now)?;
        self.collect(now);
        Ok(())
    }

    /// The connection was lost (the socket closed or failed). What is in flight stays, to
    /// be resent after the next `connect` if the server resumes the session.
    pub fn connection_lost(&mut self, now: Millis) {
        self.machine.connection_lost(now);
        self.collect(now);
        self.transmit.clear();
    }

    /// Bytes arrived from the server, in any chunks.
    pub fn receive(&mut self, data: &[u8], now: Millis) {
        if self.lent {
            // Parsed when the lent buffer, which holds what came before, is back.
            self.machine.feed_only(data);
            return;
        }
        self.machine.receive(data, now);
        self.collect(now);
    }

    /// What [`Session::receive`] does once the bytes are in the receive buffer; `head` is
    /// the start of what arrived (at least its first four bytes, when there are four).
    pub(super) fn take_in(&mut self, head: &[u8], now: Millis) {
        self.machine.arrived(head, now);
        self.collect(now);
    }

    /// The receive buffer (see `lent_buffer.rs`).
    pub(super) fn receive_buffer(&mut self) -> Option<&mut BytesMut> {
        self.machine.owned_rx()
    }

    /// Whether the session is between connections (what arrives then is ignored).
    pub(super) fn is_idle(&self) -> bool {
        self.machine.is_idle()
    }

    /// When [`Session::handle_timeout`] must be called next, if ever.
    pub fn next_timeout(&self) -> Option<Millis> {
        self.machine.next_timeout()
    }

    /// Time has passed: PINGREQ when nothing was sent, or nothing received, for the keep
    /// alive; the connection is lost when no PINGRESP came within another keep alive, or no
    /// CONNACK in time.
    pub fn handle_timeout(&mut self, now: Millis) {
        let live = !self.machine.is_idle();
        self.machine.handle_timeout(now);
        if live && self.machine.is_idle() {
            // The connection is lost: what it had to send goes nowhere.
            self.transmit.clear();
        }
        self.collect(now);
    }

    // ---- internals -------------------------------------------------------------------

    fn need_connection(&self) -> Result<(), SessionError> {
        match self.machine.is_connected() {
            true => Ok(()),
            false => Err(SessionError::NotConnected),
        }
    }

    /// `bytes`, a packet this session encoded, read back as the view the machine takes.
    fn view_of<'b>(&self, bytes: &'b [u8]) -> Result<crate::PacketRef<'b>, SessionError> {
        match parse(bytes, &ParseOptions::new(self.config.version)) {
            Ok(Status::Complete((packet, _))) => Ok(packet),
            _ => Err(SessionError::State("a packet did not read back")),
        }
    }

    /// Takes what the machine has to tell: its events, made owned (and the subscriptions
    /// list kept up to date). What it has to send stays in its transmit buffer until
    /// polled.
    fn collect(&mut self, now: Millis) {
        self.now = now;
        loop {
            let mut exchange = Authenticating(self.authenticator.as_deref_mut());
            let Some((event, frame)) = self.machine.poll_event_with(now, &mut exchange) else {
                break;
            };
            if let Some(event) = own(
                event,
                frame,
                &mut self.asked,
                &mut self.subscriptions,
                &mut self.config.client_id,
            ) {
                self.events.push_back(event);
            }
        }
    }
}

/// The machine of a new session made with `config`.
fn machine_for(config: &SessionConfig) -> FixedSession<'static> {
    let mut machine = FixedSession::in_memory(settings(config), memory(config));
    machine.keep_long_ids();
    machine
}

/// The machine of a session made with `config`, restored from `snapshot`; each
/// subscription it holds goes to `subscription`.
pub(super) fn restored_machine(
    config: &SessionConfig,
    snapshot: &[u8],
    subscription: &mut dyn FnMut(&str, u8) -> Result<(), SnapshotError>,
) -> Result<FixedSession<'static>, SnapshotError> {
    let (settings, memory) = (settings(config), memory(config));
    let mut machine = FixedSession::restore(settings, memory, snapshot, true, subscription)?;
    machine.keep_long_ids();
    Ok(machine)
}

/// What the machine is told of `config` (the rest goes in with each CONNECT).
fn settings(config: &SessionConfig) -> FixedConfig<'static> {
    FixedConfig {
        version: config.version,
        client_id: "",
        keep_alive: config.keep_alive,
        clean_start: config.clean_start,
        session_expiry_interval: config.session_expiry_interval,
        username: None,
        password: None,
        will: None,
        max_inflight: config.max_inflight,
        receive_maximum: config.receive_maximum.max(1),
        auto_ack: config.auto_ack,
        request_problem_information: config.request_problem_information,
    }
}

/// Owned memory for a machine, growing up to `config`'s limits.
fn memory(config: &SessionConfig) -> Memory<'static> {
    // Packet identifiers bound the records; the queue's length is checked by `publish`.
    let records = usize::from(u16::MAX);
    Memory {
        outgoing: Table::owned(records),
        messages: Table::owned(usize::MAX),
        incoming: Table::owned(records),
        pending: Table::owned(records),
        aliases: Table::owned(usize::from(config.topic_alias_maximum)),
        alias_topics: Table::owned(usize::MAX),
        out_aliases: Table::owned(records),
        out_alias_topics: Table::owned(usize::MAX),
        ids: Table::bits(usize::from(u16::MAX) + 1),
        rx: Received::Owned(BytesMut::new()),
        rx_capacity: usize::try_from(config.max_packet_size.max(1)).unwrap_or(usize::MAX),
        tx: Table::owned(LARGEST_PACKET),
    }
}

/// The session's [`Authenticator`], as the machine sees it.
struct Authenticating<'a>(Option<&'a mut (dyn Authenticator + 'static)>);

impl Exchange for Authenticating<'_> {
    fn method(&self) -> Option<&str> {
        self.0.as_ref().map(|a| a.method())
    }
    fn challenge(&mut self, data: &[u8], send: &mut dyn FnMut(&[u8])) -> bool {
        match self.0.as_mut().map(|a| a.challenge(data)) {
            Some(Ok(answer)) => {
                send(&answer);
                true
            }
            _ => false,
        }
    }
    fn finish(&mut self, data: &[u8]) -> bool {
        self.0.as_mut().is_some_and(|a| a.finish(data).is_ok())
    }
}

/// `event` as the application gets it, owned (its packet's fields share one copy of
/// `frame`, the bytes it was read from); the subscriptions asked for and granted are
/// kept up to date on the way, and the client identifier the server assigned. `None` for
/// the loss of subscriptions when there were none.
fn own(
    event: FixedEvent<'_>,
    frame: &[u8],
    asked: &mut BTreeMap<u16, Vec<Subscription>>,
    subscriptions: &mut BTreeMap<String, (TopicFilter, SubscriptionOptions)>,
    client_id: &mut String,
) -> Option<Event> {
    Some(match event {
        FixedEvent::Connected {
            session_present,
            connack,
        } => {
            let frame = Bytes::copy_from_slice(frame);
            let Packet::ConnAck(connack) = Packet::ConnAck(connack).to_shared(&frame) else {
                return None;
            };
            if let Some(id) = &connack.properties.assigned_client_identifier {
                *client_id = String::from(id.as_str());
            }
            Event::Connected {
                session_present,
                connack,
            }
        }
        FixedEvent::ConnectionRefused {
            reason,
            server_speaks_v3,
        } => Event::ConnectionRefused {
            reason,
            server_speaks_v3,
        },
        FixedEvent::Message { publish, ack } => {
            let frame = Bytes::copy_from_slice(frame);
            let Packet::Publish(publish) = Packet::Publish(publish).to_shared(&frame) else {
                return None;
            };
            Event::Message { publish, ack }
        }
        FixedEvent::Published { packet_id, reason } => Event::Published { packet_id, reason },
        FixedEvent::PublishFailed { packet_id, failure } => {
            Event::PublishFailed { packet_id, failure }
        }
        FixedEvent::Subscribed(suback) => {
            let reason_codes: Vec<_> = suback.reason_codes.iter().collect();
            let subs = asked.remove(&suback.packet_id.get()).unwrap_or_default();
            for (sub, code) in subs.iter().zip(&reason_codes) {
                if let Some(qos) = super::rules::granted(*code) {
                    let mut options = sub.options;
                    options.qos = qos;
                    let filter = String::from(sub.filter.as_str());
                    subscriptions.insert(filter, (sub.filter.clone(), options));
                }
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
        FixedEvent::SubscriptionsLost => {
            let lost: Vec<Subscription> = core::mem::take(subscriptions)
                .into_values()
                .map(|(filter, options)| Subscription { filter, options })
                .collect();
            if lost.is_empty() {
                return None;
            }
            Event::SubscriptionsLost {
                subscriptions: lost,
            }
        }
        FixedEvent::Reauthenticated => Event::Reauthenticated,
        FixedEvent::Disconnected { reason, by_server } => Event::Disconnected { reason, by_server },
    })
}

/// `properties` encoded as a section's content (checked against `ctx`), for a view.
fn encoded_properties(properties: &Properties, ctx: PropContext) -> Result<Vec<u8>, EncodeError> {
    if properties.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity(properties.content_len(ctx)?);
    properties.write_content(&mut out);
    Ok(out)
}

/// The length of the packet that `bytes` starts with, from its fixed header.
fn frame_len(bytes: &[u8]) -> Option<usize> {
    let (remaining, used) = read_varint(bytes.get(1..)?).ok()?;
    usize::try_from(remaining).ok()?.checked_add(used + 1)
}
