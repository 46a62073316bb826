//! The client session: the MQTT protocol state of one client, as a sans-IO state machine.

use super::config::SessionConfig;
use super::error::SessionError;
use super::event::Event;
use super::failure::PublishFailure;
use super::lifetime::Lifetime;
use super::rules::{self, Due, Millis, ServerLimits, State, Timers};
use crate::decoder::{Decoder, DecoderConfig};
use crate::error::DecodeError;
use crate::packet::{
    ConnAck, Connect, Disconnect, Packet, PacketId, PubResponse, Publish, SubAck, Subscribe,
    Subscription, SubscriptionOptions, UnsubAck, Unsubscribe,
};
use crate::properties::Properties;
use crate::qos::QoS;
use crate::reason::ReasonCode;
use crate::string::MqttStr;
use crate::topic::{TopicFilter, TopicName};
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

/// Where one of our QoS 1 or 2 PUBLISHes stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stage {
    /// Sent; PUBACK (QoS 1) or PUBREC (QoS 2) awaited.
    Sent,
    /// PUBREL sent; PUBCOMP awaited.
    Released,
}

/// One of our QoS 1 or 2 PUBLISHes in flight.
#[derive(Clone, Debug)]
pub(super) struct Outgoing {
    pub(super) publish: Publish,
    pub(super) stage: Stage,
    /// When it was first sent, for resending in order after a reconnect ([MQTT-4.4.0-1]).
    pub(super) order: u64,
}

/// A received QoS 1 or 2 PUBLISH whose acknowledgement the application has not given yet.
#[derive(Clone, Copy, Debug)]
struct InboundAck {
    packet_id: PacketId,
    qos: QoS,
    done: bool,
    /// It came as a retransmission (DUP 1).
    dup: bool,
}

/// The MQTT protocol state of one client: packet identifiers, the QoS 1 and 2 flows both
/// ways and their resending after a reconnect, keep alive, topic aliases, Receive Maximum,
/// and the checks of what the server sends against what was asked. No socket, no clock:
/// bytes and the time go in, bytes, events and the next deadline come out.
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
    state: State,
    decoder: Decoder,
    transmit: VecDeque<Bytes>,
    events: VecDeque<Event>,
    server: ServerLimits,
    /// A CONNECT has been accepted, so the server may hold a session for us.
    pub(super) session_expected: bool,
    /// How long the server keeps that session, and whether it may have made a new one.
    pub(super) lifetime: Lifetime,
    /// The CONNECT in progress asked for a clean start.
    clean_start_sent: bool,
    pub(super) next_id: u16,
    pub(super) next_order: u64,
    pub(super) outgoing: BTreeMap<u16, Outgoing>,
    pub(super) queued: VecDeque<(PacketId, Publish)>,
    pending_subscribes: BTreeMap<u16, Vec<Subscription>>,
    pending_unsubscribes: BTreeMap<u16, usize>,
    pub(super) subscriptions: BTreeMap<String, (TopicFilter, SubscriptionOptions)>,
    /// QoS 2 PUBLISHes received and acknowledged with PUBREC, PUBREL awaited: delivered once.
    pub(super) incoming_qos2: BTreeSet<u16>,
    inbound_acks: VecDeque<InboundAck>,
    aliases_in: BTreeMap<u16, TopicName>,
    aliases_out: BTreeMap<String, u16>,
    timers: Timers,
    /// The first bytes the server sent on this connection (up to 4), to recognise a 3.1.1
    /// server's answer to a 5.0 CONNECT.
    first_bytes: Vec<u8>,
    /// The receive buffer is lent out (`lent_buffer.rs`): what arrives meanwhile waits.
    pub(super) lent: bool,
    /// Enhanced authentication (5.0), and whether a re-authentication runs.
    authenticator: Option<alloc::boxed::Box<dyn super::auth::Authenticator>>,
    reauthenticating: bool,
}

impl Session {
    /// A session with no connection yet.
    pub fn new(config: SessionConfig) -> Self {
        let decoder = decoder_for(&config);
        Session {
            server: ServerLimits::before_connack(config.keep_alive),
            config,
            state: State::Idle,
            decoder,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            session_expected: false,
            lifetime: Lifetime::default(),
            clean_start_sent: false,
            next_id: 0,
            next_order: 0,
            outgoing: BTreeMap::new(),
            queued: VecDeque::new(),
            pending_subscribes: BTreeMap::new(),
            pending_unsubscribes: BTreeMap::new(),
            subscriptions: BTreeMap::new(),
            incoming_qos2: BTreeSet::new(),
            inbound_acks: VecDeque::new(),
            aliases_in: BTreeMap::new(),
            aliases_out: BTreeMap::new(),
            timers: Timers::default(),
            first_bytes: Vec::new(),
            lent: false,
            authenticator: None,
            reauthenticating: false,
        }
    }

    /// The configuration (the client identifier becomes the one the server assigned).
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// Authenticates every CONNECT with `authenticator` (5.0 enhanced authentication,
    /// §4.12): its method and first data go in CONNECT, the server's challenges (AUTH 0x18)
    /// are answered with it, and the server's final data in CONNACK must satisfy it.
    pub fn set_authenticator(
        &mut self,
        authenticator: alloc::boxed::Box<dyn super::auth::Authenticator>,
    ) {
        self.authenticator = Some(authenticator);
    }

    /// Re-authenticates on the live connection: AUTH 0x19 with the method of CONNECT
    /// ([MQTT-4.12.1-1]); the server's AUTH 0x00 ends it with [`Event::Reauthenticated`], a
    /// failure with its DISCONNECT.
    pub fn reauthenticate(&mut self, now: Millis) -> Result<(), SessionError> {
        self.need_connection()?;
        if self.reauthenticating {
            return Err(SessionError::State("a re-authentication already runs"));
        }
        let Some(auth) = self.authenticator.as_mut() else {
            return Err(SessionError::State("the connection did not authenticate"));
        };
        let data = auth
            .start()
            .map_err(|_| SessionError::State("the authenticator could not start"))?;
        let packet = auth_packet(auth.method(), ReasonCode::ReAuthenticate, data);
        let bytes = self.encode(packet)?;
        self.reauthenticating = true;
        self.push(bytes, now);
        Ok(())
    }

    /// Whether CONNACK accepted the connection and it has not ended.
    pub fn is_connected(&self) -> bool {
        self.state == State::Connected
    }

    /// A CONNECT went out and its CONNACK has not come.
    pub(super) fn is_connecting(&self) -> bool {
        matches!(self.state, State::Connecting { .. })
    }

    /// QoS 1 and 2 PUBLISHes of ours in flight, and queued behind the window.
    pub fn pending_publishes(&self) -> (usize, usize) {
        (self.outgoing.len(), self.queued.len())
    }

    /// The next bytes to write to the connection, in order.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmit.pop_front()
    }

    /// Everything there is to write, as one buffer.
    pub fn data_to_send(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(b) = self.transmit.pop_front() {
            out.extend_from_slice(&b);
        }
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
        if self.state != State::Idle {
            return Err(SessionError::State("already connected or connecting"));
        }
        let id = MqttStr::new(&self.config.client_id)
            .map_err(|_| SessionError::State("the client identifier is not a valid string"))?;
        let mut connect = Connect::new(self.config.version, id);
        connect.keep_alive = self.config.keep_alive;
        // After a CONNECT that may have made a new session went unanswered, a session present
        // 1 could be that new session: start clean rather than resume it unknowingly.
        connect.clean_start =
            self.config.clean_start && !self.session_expected || self.lifetime.doubtful();
        connect.will = self.config.will.clone();
        connect.username = match &self.config.username {
            Some(u) => Some(
                MqttStr::new(u)
                    .map_err(|_| SessionError::State("the user name is not a valid string"))?,
            ),
            None => None,
        };
        connect.password = self.config.password.clone();
        if self.config.version.is_v5() {
            let p = &mut connect.properties;
            if self.config.session_expiry_interval > 0 {
                p.session_expiry_interval = Some(self.config.session_expiry_interval);
            }
            if self.config.receive_maximum != u16::MAX {
                p.receive_maximum = Some(self.config.receive_maximum.max(1));
            }
            p.maximum_packet_size = Some(self.config.max_packet_size.max(1));
            if self.config.topic_alias_maximum > 0 {
                p.topic_alias_maximum = Some(self.config.topic_alias_maximum);
            }
            if !self.config.request_problem_information {
                p.request_problem_information = Some(0);
            }
            if let Some(auth) = self.authenticator.as_mut() {
                let data = auth
                    .start()
                    .map_err(|_| SessionError::State("the authenticator could not start"))?;
                p.authentication_method = MqttStr::new(auth.method()).ok();
                p.authentication_data = Some(Bytes::from(data));
            }
        }
        let connect_clean = connect.clean_start;
        let bytes = self.encode(Packet::Connect(alloc::boxed::Box::new(connect)))?;
        self.decoder = decoder_for(&self.config);
        // A buffer lent before belongs to the old connection (`receive_lent` drops it).
        self.lent = false;
        self.aliases_in.clear();
        self.aliases_out.clear();
        self.timers.ping_sent = None;
        self.first_bytes.clear();
        self.reauthenticating = false;
        self.state = State::Connecting { since: now };
        self.clean_start_sent = connect_clean;
        self.lifetime.connecting(!connect_clean, now);
        self.push(bytes, now);
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
    /// identifier and DUP flag are the session's to set.
    pub fn publish_packet(
        &mut self,
        mut publish: Publish,
        now: Millis,
    ) -> Result<Option<PacketId>, SessionError> {
        if self.config.version.is_v5() {
            if publish.qos > self.server.maximum_qos {
                return Err(SessionError::QosNotSupported(publish.qos as u8));
            }
            if publish.retain && !self.server.retain_available {
                return Err(SessionError::RetainNotSupported);
            }
        }
        publish.dup = false;
        publish.properties.topic_alias = None;
        if publish.qos == QoS::AtMostOnce {
            if self.state != State::Connected {
                return Err(SessionError::State("QoS 0 needs a connection"));
            }
            publish.packet_id = None;
            self.send_publish(&publish, now)?;
            return Ok(None);
        }
        let window_free = self.state == State::Connected
            && self.queued.is_empty()
            && self.outgoing.len() < usize::from(self.server.window(self.config.max_inflight));
        if !window_free && self.queued.len() >= self.config.max_queued {
            return Err(SessionError::QueueFull(self.queued.len()));
        }
        let id = self.allocate_id()?;
        publish.packet_id = Some(id);
        if window_free {
            // `send_publish` checks the size against the server's limit before sending.
            self.send_publish(&publish, now)?;
            self.track(id, publish);
        } else {
            self.queued.push_back((id, publish));
        }
        Ok(Some(id))
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
        let id = self.allocate_id()?;
        let mut subscribe = Subscribe::new(id, subscriptions.clone());
        subscribe.properties = properties.into();
        let bytes = self.encode(Packet::Subscribe(subscribe))?;
        self.server.check_len(bytes.len())?;
        self.pending_subscribes.insert(id.get(), subscriptions);
        self.push(bytes, now);
        Ok(id)
    }

    /// Unsubscribes; returns the UNSUBSCRIBE's packet identifier.
    pub fn unsubscribe(
        &mut self,
        filters: Vec<MqttStr>,
        now: Millis,
    ) -> Result<PacketId, SessionError> {
        self.need_connection()?;
        let id = self.allocate_id()?;
        let count = filters.len();
        for f in &filters {
            self.subscriptions.remove(f.as_str());
        }
        let bytes = self.encode(Packet::Unsubscribe(Unsubscribe::new(id, filters)))?;
        self.server.check_len(bytes.len())?;
        self.pending_unsubscribes.insert(id.get(), count);
        self.push(bytes, now);
        Ok(id)
    }

    /// Acknowledges a received QoS 1 or 2 message (manual acknowledgement). The
    /// acknowledgements still go out in the order the messages arrived ([MQTT-4.6.0-2] to
    /// [MQTT-4.6.0-4]): one acknowledged early waits for those before it.
    pub fn ack(&mut self, packet_id: PacketId, now: Millis) -> Result<(), SessionError> {
        let entry = self
            .inbound_acks
            .iter_mut()
            .find(|a| a.packet_id == packet_id && !a.done)
            .ok_or(SessionError::UnknownPacketId(packet_id.get()))?;
        entry.done = true;
        self.flush_acks(now);
        Ok(())
    }

    /// Ends the connection normally: DISCONNECT (no will), then the caller closes the
    /// socket. The session, and what is in flight, is kept for the next `connect`.
    pub fn disconnect(&mut self, now: Millis) -> Result<(), SessionError> {
        if self.state == State::Idle {
            return Err(SessionError::State("not connected"));
        }
        if let Ok(bytes) = self.encode(Packet::Disconnect(Disconnect::new(ReasonCode::Success))) {
            self.push(bytes, now);
        }
        self.ended(Some(ReasonCode::Success), false);
        Ok(())
    }

    /// The connection was lost (the socket closed or failed). What is in flight stays, to
    /// be resent after the next `connect` if the server resumes the session.
    pub fn connection_lost(&mut self, _now: Millis) {
        if self.state != State::Idle {
            self.ended(None, false);
        }
        self.transmit.clear();
    }

    /// Bytes arrived from the server, in any chunks.
    pub fn receive(&mut self, data: &[u8], now: Millis) {
        if self.state == State::Idle {
            return;
        }
        self.decoder.feed(data);
        if self.lent {
            // Parsed when the lent buffer, which holds what came before, is back.
            return;
        }
        self.take_in(data, now);
    }

    /// What [`Session::receive`] does once the bytes are in the decoder's buffer; `head`
    /// is the start of what arrived (at least its first four bytes, when there are four).
    pub(super) fn take_in(&mut self, head: &[u8], now: Millis) {
        if let State::Connecting { .. } = self.state {
            let room = 4usize.saturating_sub(self.first_bytes.len());
            self.first_bytes
                .extend_from_slice(head.get(..room.min(head.len())).unwrap_or_default());
        }
        if self.state == State::Connected {
            self.lifetime.heard(now);
        }
        loop {
            if self.state == State::Idle {
                return;
            }
            match self.decoder.next_packet() {
                Ok(Some(packet)) => self.handle(packet, now),
                Ok(None) => return,
                Err(e) => return self.decode_failed(&e, now),
            }
        }
    }

    /// The decoder's buffer (see `lent_buffer.rs`).
    pub(super) fn receive_buffer(&mut self) -> &mut bytes::BytesMut {
        self.decoder.buffer_mut()
    }

    /// Whether the session is between connections (what arrives then is ignored).
    pub(super) fn is_idle(&self) -> bool {
        self.state == State::Idle
    }

    /// When [`Session::handle_timeout`] must be called next, if ever.
    pub fn next_timeout(&self) -> Option<Millis> {
        self.timers
            .deadline(self.state, self.config.keep_alive, &self.server)
    }

    /// Time has passed: PINGREQ when nothing was sent for the keep alive; the connection is
    /// lost when no PINGRESP came within another keep alive, or no CONNACK in time.
    pub fn handle_timeout(&mut self, now: Millis) {
        match self
            .timers
            .due(self.state, self.config.keep_alive, &self.server, now)
        {
            Due::Nothing => {}
            Due::Lost => self.lost(),
            Due::Ping => {
                if let Ok(bytes) = self.encode(Packet::PingReq) {
                    self.push(bytes, now);
                    self.timers.ping_sent = Some(now);
                }
            }
        }
    }

    // ---- internals -------------------------------------------------------------------

    fn lost(&mut self) {
        self.transmit.clear();
        self.ended(None, false);
    }

    /// The connection is over: the application is told which SUBSCRIBEs and UNSUBSCRIBEs
    /// will never be answered (the server answers on the connection they came on, and a
    /// resumed session does not resend them), so that their identifiers are free again and
    /// it can send them anew; then that the connection ended.
    fn ended(&mut self, reason: Option<ReasonCode>, by_server: bool) {
        if let State::Connecting { .. } = self.state {
            self.lifetime.unanswered();
        }
        self.state = State::Idle;
        for (id, subscriptions) in core::mem::take(&mut self.pending_subscribes) {
            if let Some(packet_id) = PacketId::new(id) {
                self.events.push_back(Event::SubscribeLost {
                    packet_id,
                    subscriptions,
                });
            }
        }
        for id in core::mem::take(&mut self.pending_unsubscribes).into_keys() {
            if let Some(packet_id) = PacketId::new(id) {
                self.events.push_back(Event::UnsubscribeLost { packet_id });
            }
        }
        self.events
            .push_back(Event::Disconnected { reason, by_server });
    }

    fn need_connection(&self) -> Result<(), SessionError> {
        if self.state == State::Connected {
            Ok(())
        } else {
            Err(SessionError::State("not connected"))
        }
    }

    fn encode(&self, packet: Packet) -> Result<Bytes, crate::error::EncodeError> {
        packet.to_bytes(self.config.version)
    }

    fn push(&mut self, bytes: Bytes, now: Millis) {
        self.transmit.push_back(bytes);
        self.timers.last_sent = now;
    }

    /// A packet identifier in use by nothing of ours ([MQTT-2.3.1-2]).
    fn allocate_id(&mut self) -> Result<PacketId, SessionError> {
        for _ in 0..=u16::MAX {
            self.next_id = self.next_id.wrapping_add(1);
            let Some(id) = PacketId::new(self.next_id) else {
                continue;
            };
            let n = id.get();
            let in_use = self.outgoing.contains_key(&n)
                || self.pending_subscribes.contains_key(&n)
                || self.pending_unsubscribes.contains_key(&n)
                || self.queued.iter().any(|(q, _)| *q == id);
            if !in_use {
                return Ok(id);
            }
        }
        Err(SessionError::NoPacketId)
    }

    fn track(&mut self, id: PacketId, publish: Publish) {
        self.next_order += 1;
        self.outgoing.insert(
            id.get(),
            Outgoing {
                publish,
                stage: Stage::Sent,
                order: self.next_order,
            },
        );
    }

    /// Encodes and sends a PUBLISH, with an outgoing topic alias when the server takes them:
    /// each topic gets the next alias on its first use, while aliases last (the first
    /// PUBLISH carries the topic and the alias, later ones the alias alone).
    fn send_publish(&mut self, publish: &Publish, now: Millis) -> Result<(), SessionError> {
        if !(self.config.version.is_v5() && self.server.topic_alias_maximum > 0) {
            let bytes = encode_publish(publish, self.config.version)?;
            self.server.check_len(bytes.len())?;
            self.push(bytes, now);
            return Ok(());
        }
        let mut p = publish.clone();
        let mut new_alias = None;
        if self.config.version.is_v5() && self.server.topic_alias_maximum > 0 {
            let topic = p.topic.as_str();
            if let Some(&alias) = self.aliases_out.get(topic) {
                p.properties.topic_alias = Some(alias);
                p.topic = TopicName::empty_for_alias();
            } else if self.aliases_out.len() < usize::from(self.server.topic_alias_maximum) {
                let alias = self.aliases_out.len() as u16 + 1;
                p.properties.topic_alias = Some(alias);
                new_alias = Some((String::from(topic), alias));
            }
        }
        let bytes = self.encode(Packet::Publish(p))?;
        self.server.check_len(bytes.len())?;
        if let Some((topic, alias)) = new_alias {
            self.aliases_out.insert(topic, alias);
        }
        self.push(bytes, now);
        Ok(())
    }

    /// Sends queued PUBLISHes while the window has room.
    fn drain_queue(&mut self, now: Millis) {
        while self.state == State::Connected
            && self.outgoing.len() < usize::from(self.server.window(self.config.max_inflight))
        {
            let Some((id, publish)) = self.queued.pop_front() else {
                return;
            };
            match self.send_publish(&publish, now) {
                Ok(()) => self.track(id, publish),
                Err(_) => self.events.push_back(Event::PublishFailed {
                    packet_id: id,
                    failure: PublishFailure::Refused(ReasonCode::PacketTooLarge),
                }),
            }
        }
    }

    /// Sends the acknowledgements the application gave, in the order the messages came.
    fn flush_acks(&mut self, now: Millis) {
        while self.inbound_acks.front().is_some_and(|a| a.done) {
            let Some(a) = self.inbound_acks.pop_front() else {
                return;
            };
            let packet = match a.qos {
                QoS::ExactlyOnce => Packet::PubRec(PubResponse::new(a.packet_id)),
                _ => Packet::PubAck(PubResponse::new(a.packet_id)),
            };
            if self.state == State::Connected {
                if let Ok(bytes) = packet.to_bytes(self.config.version) {
                    self.push(bytes, now);
                }
            }
        }
    }

    /// The server broke a rule: 5.0 gets DISCONNECT with `reason` first; the connection
    /// ends and the session waits for `connect`.
    fn fail(&mut self, reason: ReasonCode, now: Millis) {
        if self.config.version.is_v5() {
            if let Ok(bytes) = self.encode(Packet::Disconnect(Disconnect::new(reason))) {
                self.push(bytes, now);
            }
        }
        self.ended(Some(reason), false);
    }

    fn decode_failed(&mut self, err: &DecodeError, now: Millis) {
        // A 3.1.1 server answers a 5.0 CONNECT with `20 02 00 01`, which is no valid 5.0
        // CONNACK: it says the server does not speak 5.0.
        let v3_answer = rules::is_v3_answer(err, &self.first_bytes);
        if matches!(self.state, State::Connecting { .. }) && v3_answer {
            self.state = State::Idle;
            self.events.push_back(Event::ConnectionRefused {
                reason: ReasonCode::UnsupportedProtocolVersion,
                server_speaks_v3: true,
            });
            return;
        }
        self.fail(err.reason_code(), now);
    }

    fn handle(&mut self, packet: Packet, now: Millis) {
        if let State::Connecting { .. } = self.state {
            return match packet {
                Packet::ConnAck(ack) => self.on_connack(ack, now),
                Packet::Auth(auth) if self.authenticator.is_some() => self.on_auth(auth, now),
                // Enhanced authentication was not asked for; anything else before CONNACK
                // breaks [MQTT-3.2.0-1] (CAK-8).
                _ => self.fail(ReasonCode::ProtocolError, now),
            };
        }
        let (requested, version) = (self.config.request_problem_information, self.config.version);
        if !rules::problem_information_allowed(requested, version, &packet) {
            return self.fail(ReasonCode::ProtocolError, now);
        }
        match packet {
            // A second CONNACK (CAK-8).
            Packet::ConnAck(_) => self.fail(ReasonCode::ProtocolError, now),
            Packet::Publish(p) => self.on_publish(p, now),
            Packet::PubAck(a) => {
                if let Some(o) = self.outgoing.get(&a.packet_id.get()) {
                    if o.publish.qos == QoS::AtLeastOnce {
                        self.outgoing.remove(&a.packet_id.get());
                        self.completed(a.packet_id, a.reason_code);
                    }
                }
                self.drain_queue(now);
            }
            Packet::PubRec(a) => self.on_pubrec(a, now),
            Packet::PubRel(a) => {
                let known = self.incoming_qos2.remove(&a.packet_id.get());
                let mut comp = PubResponse::new(a.packet_id);
                if !known && self.config.version.is_v5() {
                    comp.reason_code = ReasonCode::PacketIdentifierNotFound;
                }
                if let Ok(bytes) = self.encode(Packet::PubComp(comp)) {
                    self.push(bytes, now);
                }
            }
            Packet::PubComp(a) => {
                if self
                    .outgoing
                    .get(&a.packet_id.get())
                    .is_some_and(|o| o.stage == Stage::Released)
                {
                    self.outgoing.remove(&a.packet_id.get());
                    self.completed(a.packet_id, rules::pubcomp_outcome(a.reason_code));
                }
                self.drain_queue(now);
            }
            Packet::SubAck(s) => self.on_suback(s, now),
            Packet::UnsubAck(u) => self.on_unsuback(u, now),
            Packet::PingResp => self.timers.ping_sent = None,
            Packet::Disconnect(d) => self.ended(Some(d.reason_code), true),
            Packet::Auth(auth) if self.reauthenticating => self.on_auth(auth, now),
            // A server sends nothing else (AUTH only in an exchange the client started).
            _ => self.fail(ReasonCode::ProtocolError, now),
        }
    }

    fn completed(&mut self, packet_id: PacketId, reason: ReasonCode) {
        self.events.push_back(if reason.is_error() {
            Event::PublishFailed {
                packet_id,
                failure: PublishFailure::Refused(reason),
            }
        } else {
            Event::Published { packet_id, reason }
        });
    }

    /// AUTH from the server during an exchange: a challenge (0x18) is answered; the end of a
    /// re-authentication (0x00) is checked ([MQTT-4.12.0-5], AUT-6, AUT-8).
    fn on_auth(&mut self, auth: crate::packet::Auth, now: Millis) {
        let Some(authenticator) = self.authenticator.as_mut() else {
            return self.fail(ReasonCode::ProtocolError, now);
        };
        let method = auth
            .properties
            .authentication_method
            .as_ref()
            .map(|m| m.as_str());
        if method != Some(authenticator.method()) {
            return self.fail(ReasonCode::ProtocolError, now);
        }
        let data = auth
            .properties
            .authentication_data
            .clone()
            .unwrap_or_default();
        match auth.reason_code {
            ReasonCode::ContinueAuthentication => match authenticator.challenge(&data) {
                Ok(answer) => {
                    let packet = auth_packet(
                        authenticator.method(),
                        ReasonCode::ContinueAuthentication,
                        answer,
                    );
                    if let Ok(bytes) = self.encode(packet) {
                        self.push(bytes, now);
                    }
                }
                Err(_) => self.fail(ReasonCode::NotAuthorized, now),
            },
            ReasonCode::Success if self.reauthenticating => {
                self.reauthenticating = false;
                match authenticator.finish(&data) {
                    Ok(()) => self.events.push_back(Event::Reauthenticated),
                    Err(_) => self.fail(ReasonCode::NotAuthorized, now),
                }
            }
            _ => self.fail(ReasonCode::ProtocolError, now),
        }
    }

    fn on_connack(&mut self, ack: ConnAck, now: Millis) {
        if ack.reason_code.is_error() {
            self.state = State::Idle;
            self.events.push_back(Event::ConnectionRefused {
                reason: ack.reason_code,
                server_speaks_v3: false,
            });
            return;
        }
        // CAK-12: the method of CONNECT comes back, or none when none was sent
        // ([MQTT-4.12.0-5], [MQTT-4.12.0-6]); the server's final data must satisfy the
        // method.
        let sent = self
            .authenticator
            .as_ref()
            .map(|a| String::from(a.method()));
        let got = ack
            .properties
            .authentication_method
            .as_ref()
            .map(|m| m.as_str());
        if got != sent.as_deref() {
            return self.fail(ReasonCode::ProtocolError, now);
        }
        if let Some(auth) = self.authenticator.as_mut() {
            let data = ack
                .properties
                .authentication_data
                .clone()
                .unwrap_or_default();
            if auth.finish(&data).is_err() {
                return self.fail(ReasonCode::NotAuthorized, now);
            }
        }
        let clean = self.clean_start_sent;
        // A server resuming a session the client asked to start anew breaks
        // [MQTT-3.2.2-2] (3.1.1: [MQTT-3.2.2-1]).
        if clean && ack.session_present {
            return self.fail(ReasonCode::ProtocolError, now);
        }
        let p = &ack.properties;
        self.server = ServerLimits::from_connack(p, self.config.keep_alive);
        if let Some(id) = &p.assigned_client_identifier {
            self.config.client_id = String::from(id.as_str());
        }
        self.state = State::Connected;
        let expiry = match self.config.version.is_v5() {
            true => Some(
                p.session_expiry_interval
                    .unwrap_or(self.config.session_expiry_interval),
            ),
            false => None,
        };
        self.lifetime.accepted(expiry, now);
        let resumed = ack.session_present;
        // A new session (session present 0), whether a stored one was expected or clean
        // start asked for it: what the last connection left in flight cannot complete.
        if !resumed {
            self.session_lost();
        }
        self.session_expected = !self.config.version.is_v5() && !self.config.clean_start
            || self.config.session_expiry_interval > 0;
        self.events.push_back(Event::Connected {
            session_present: resumed,
            connack: ack,
        });
        if resumed {
            self.resend(now);
        }
        self.drain_queue(now);
    }

    /// The server did not resume the session: what was in flight is reported failed, the
    /// subscriptions reported lost, the server's QoS 2 flows forgotten ([MQTT-4.1.0-1]).
    fn session_lost(&mut self) {
        let mut dropped: Vec<(u64, PacketId)> = self
            .outgoing
            .iter()
            .filter_map(|(id, o)| PacketId::new(*id).map(|p| (o.order, p)))
            .collect();
        dropped.sort();
        self.outgoing.clear();
        for (_, packet_id) in dropped {
            self.events.push_back(Event::PublishFailed {
                packet_id,
                failure: PublishFailure::SessionLost,
            });
        }
        self.incoming_qos2.clear();
        self.inbound_acks.clear();
        let subscriptions: Vec<_> = core::mem::take(&mut self.subscriptions)
            .into_values()
            .collect();
        if !subscriptions.is_empty() {
            self.events
                .push_back(Event::SubscriptionsLost { subscriptions });
        }
        // The queued messages were never sent: they go out on the new session.
    }

    /// After a resumed session: unacknowledged PUBLISHes again with DUP, and PUBRELs, in
    /// the order they were first sent ([MQTT-4.4.0-1]).
    fn resend(&mut self, now: Millis) {
        let mut pending: Vec<(u64, u16)> =
            self.outgoing.iter().map(|(id, o)| (o.order, *id)).collect();
        pending.sort();
        for (_, id) in pending {
            let Some(o) = self.outgoing.get(&id) else {
                continue;
            };
            let (stage, mut publish) = (o.stage, o.publish.clone());
            match stage {
                Stage::Sent => {
                    publish.dup = true;
                    let _ = self.send_publish(&publish, now);
                }
                Stage::Released => {
                    if let Some(pid) = PacketId::new(id) {
                        if let Ok(bytes) = self.encode(Packet::PubRel(PubResponse::new(pid))) {
                            self.push(bytes, now);
                        }
                    }
                }
            }
        }
    }

    fn on_publish(&mut self, mut p: Publish, now: Millis) {
        // Inbound topic aliases (5.0).
        if let Some(alias) = p.properties.topic_alias {
            if alias == 0 || alias > self.config.topic_alias_maximum {
                return self.fail(ReasonCode::TopicAliasInvalid, now);
            }
            if p.topic.is_empty() {
                match self.aliases_in.get(&alias) {
                    Some(t) => p.topic = t.clone(),
                    None => return self.fail(ReasonCode::ProtocolError, now),
                }
            } else {
                self.aliases_in.insert(alias, p.topic.clone());
            }
        }
        let Some(id) = p.packet_id else {
            self.events.push_back(Event::Message {
                publish: p,
                ack: None,
            });
            return;
        };
        // A QoS 1 message resent (after a reconnect) while the application still owes its
        // acknowledgement: that acknowledgement answers both, and it is neither delivered
        // nor counted against Receive Maximum again. A resend carries DUP ([MQTT-3.3.1-1]);
        // without it the server reused the identifier after taking our PUBACK of an earlier
        // copy (one that crossed its resend), and the message is new.
        if p.qos == QoS::AtLeastOnce
            && p.dup
            && self
                .inbound_acks
                .iter()
                .any(|a| a.packet_id == id && a.qos == QoS::AtLeastOnce)
        {
            return;
        }
        // QoS 1 until its PUBACK goes out, QoS 2 until PUBREL: a QoS 2 message whose
        // PUBREC the application has not given yet is in both lists, and counts once. A QoS 1
        // retransmission does not count: the server resent it on reconnect, and it may have
        // crossed the PUBACK of the first copy (given after the reconnect), after which the
        // server no longer counts it while we deliver it again ([MQTT-4.3.2-5]).
        let unacked = self
            .inbound_acks
            .iter()
            .filter(|a| a.qos == QoS::AtLeastOnce && !a.dup)
            .count()
            + self.incoming_qos2.len();
        if self.config.version.is_v5()
            && unacked >= usize::from(self.config.receive_maximum)
            && !self.incoming_qos2.contains(&id.get())
        {
            return self.fail(ReasonCode::ReceiveMaximumExceeded, now);
        }
        if p.qos == QoS::ExactlyOnce && !self.incoming_qos2.insert(id.get()) {
            // A retransmission of a message already received: acknowledged again, not
            // delivered again ([MQTT-4.3.3-10]), unless its acknowledgement still waits.
            if !self.inbound_acks.iter().any(|a| a.packet_id == id) {
                if let Ok(bytes) = self.encode(Packet::PubRec(PubResponse::new(id))) {
                    self.push(bytes, now);
                }
            }
            return;
        }
        let (qos, dup) = (p.qos, p.dup);
        self.events.push_back(Event::Message {
            publish: p,
            ack: (!self.config.auto_ack).then_some(id),
        });
        self.inbound_acks.push_back(InboundAck {
            packet_id: id,
            qos,
            done: self.config.auto_ack,
            dup,
        });
        self.flush_acks(now);
    }

    fn on_pubrec(&mut self, a: PubResponse, now: Millis) {
        let id = a.packet_id.get();
        let known = self
            .outgoing
            .get(&id)
            .is_some_and(|o| o.publish.qos == QoS::ExactlyOnce && o.stage == Stage::Sent);
        if known && a.reason_code.is_error() {
            // 5.0: a failure ends the flow ([MQTT-4.3.3-4]).
            self.outgoing.remove(&id);
            self.completed(a.packet_id, a.reason_code);
            return self.drain_queue(now);
        }
        if known {
            if let Some(o) = self.outgoing.get_mut(&id) {
                o.stage = Stage::Released;
            }
        }
        let mut rel = PubResponse::new(a.packet_id);
        let released = self
            .outgoing
            .get(&id)
            .is_some_and(|o| o.stage == Stage::Released);
        if !released && self.config.version.is_v5() {
            rel.reason_code = ReasonCode::PacketIdentifierNotFound;
        }
        if let Ok(bytes) = self.encode(Packet::PubRel(rel)) {
            self.push(bytes, now);
        }
    }

    fn on_suback(&mut self, s: SubAck, now: Millis) {
        // SAK-2: the SUBACK of a SUBSCRIBE we sent ([MQTT-3.8.4-2]), one code per filter
        // ([MQTT-3.8.4-6] / [MQTT-3.9.3-1]).
        let Some(subs) = self.pending_subscribes.remove(&s.packet_id.get()) else {
            return self.fail(ReasonCode::ProtocolError, now);
        };
        if s.reason_codes.len() != subs.len() {
            return self.fail(ReasonCode::ProtocolError, now);
        }
        for (sub, code) in subs.iter().zip(&s.reason_codes) {
            if let Some(qos) = rules::granted(*code) {
                let mut options = sub.options;
                options.qos = qos;
                self.subscriptions.insert(
                    String::from(sub.filter.as_str()),
                    (sub.filter.clone(), options),
                );
            }
        }
        self.events.push_back(Event::Subscribed {
            packet_id: s.packet_id,
            reason_codes: s.reason_codes,
        });
    }

    fn on_unsuback(&mut self, u: UnsubAck, now: Millis) {
        // UAK-3: the UNSUBACK of an UNSUBSCRIBE we sent; UAK-4: 5.0, one code per filter
        // ([MQTT-3.11.3-1]).
        let Some(count) = self.pending_unsubscribes.remove(&u.packet_id.get()) else {
            return self.fail(ReasonCode::ProtocolError, now);
        };
        if self.config.version.is_v5() && u.reason_codes.len() != count {
            return self.fail(ReasonCode::ProtocolError, now);
        }
        self.events.push_back(Event::Unsubscribed {
            packet_id: u.packet_id,
            reason_codes: u.reason_codes,
        });
    }
}

/// AUTH with `method`, `reason` and `data`.
fn auth_packet(method: &str, reason: ReasonCode, data: Vec<u8>) -> Packet {
    let mut auth = crate::packet::Auth::new(reason);
    auth.properties.authentication_method = MqttStr::new(method).ok();
    auth.properties.authentication_data = Some(Bytes::from(data));
    Packet::Auth(auth)
}

/// A PUBLISH encoded without wrapping (and so copying) it in a `Packet`.
fn encode_publish(
    publish: &Publish,
    version: crate::version::ProtocolVersion,
) -> Result<Bytes, crate::error::EncodeError> {
    use crate::packet::Encode;
    let mut out = bytes::BytesMut::with_capacity(publish.encoded_len(version)?);
    publish.encode(version, &mut out)?;
    Ok(out.freeze())
}

fn decoder_for(config: &SessionConfig) -> Decoder {
    let mut c = DecoderConfig::client(config.version);
    c.max_packet_size = config.max_packet_size as usize;
    Decoder::new(c)
}
