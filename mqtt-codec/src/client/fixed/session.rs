//! The heap-free client session: the MQTT protocol state of one client in storage the
//! caller gives, with no allocation at all.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::arena::{Arena, HasSpan, Span};
use super::config::{FixedConfig, FixedStorage, Identity};
use super::event::{FixedEvent, Notice};
use super::exchange::{Exchange, NoExchange};
use super::located::LocatedPublish;
use super::slots::{AliasSlot, In, InSlot, Out, OutSlot, Outcome, Pending, PendingSlot};
use super::table::{Memory, Received, Table};
use crate::client::lifetime::Lifetime;
use crate::client::rules::{self, Due, Millis, ServerLimits, State, Timers};
use crate::client::{PublishFailure, SessionError};
use crate::decoder::Decoder;
use crate::error::{DecodeError, EncodeError};
use crate::packet::{
    ConnAck, Connect, Disconnect, Packet, PacketId, PacketRef, PubResponse, Publish, SubAck,
    Subscribe, Subscription, SubscriptionOptions, UnsubAck, Unsubscribe,
};
use crate::packet_flow::{self, ReceivedAlias};
use crate::properties::Properties;
use crate::property_id::PropertyId;
use crate::property_slot::PropertySlot;
use crate::property_view::PropertyView;
use crate::qos::QoS;
use crate::reason::ReasonCode;
use crate::storage::{Borrowed, BorrowedList};
use crate::string::MqttStr;
use crate::topic::{TopicFilter, TopicName};
use crate::version::ProtocolVersion;

/// Free transmit room needed before a received packet is handled: its answer (a PUBACK,
/// PUBREC, PUBREL or PUBCOMP with a reason code, a DISCONNECT) is at most 5 bytes.
const ANSWER_ROOM: usize = 8;

/// Events without a view that can wait at once: a `connect` needs room for three
/// (SubscriptionsLost, ConnectionRefused, Disconnected).
const NOTICES: usize = 4;

/// The longest server-assigned client identifier kept for reconnecting.
const ASSIGNED_ID_MAX: usize = 64;

/// The MQTT protocol state of one client in memory the caller owns ([`FixedStorage`]):
/// packet identifiers, the QoS 1 and 2 flows both ways and their resending after a
/// reconnect, keep alive, the server's topic aliases, Receive Maximum, and the checks of
/// what the server sends. Nothing is allocated; every limit is the size of a piece of the
/// storage. For firmware, and the C ABI's heap-free session.
///
/// Bytes and the time go in; bytes ([`FixedSession::poll_transmit`]), events
/// ([`FixedSession::poll_event`], views into the receive buffer) and the next deadline
/// come out. Received bytes are only buffered by [`FixedSession::receive`]; packets are
/// read as events are polled, one at a time, so that a message's view stays valid until the
/// next call.
///
/// ```
/// use mqtt_codec::client::{FixedConfig, FixedEvent, FixedSession, FixedStorage};
/// use mqtt_codec::client::{AliasSlot, InSlot, OutSlot, PendingSlot};
/// use mqtt_codec::{ProtocolVersion, QoS};
///
/// let (mut outgoing, mut incoming) = ([OutSlot::FREE; 8], [InSlot::FREE; 8]);
/// let (mut pending, mut aliases) = ([PendingSlot::FREE; 4], [AliasSlot::FREE; 0]);
/// let (mut messages, mut rx, mut tx) = ([0u8; 1024], [0u8; 512], [0u8; 512]);
/// let storage = FixedStorage {
///     outgoing: &mut outgoing,
///     messages: &mut messages,
///     incoming: &mut incoming,
///     pending: &mut pending,
///     aliases: &mut aliases,
///     alias_topics: &mut [],
///     rx: &mut rx,
///     tx: &mut tx,
/// };
/// let config = FixedConfig::new("sensor-1", ProtocolVersion::V3_1_1);
/// let mut session = FixedSession::new(config, storage);
/// session.connect(0)?;
/// assert_eq!(session.poll_transmit(0).unwrap()[0], 0x10); // CONNECT: write it out
/// session.receive(&[0x20, 0x02, 0x00, 0x00], 5); // CONNACK, accepted
/// assert!(matches!(session.poll_event(5), Some(FixedEvent::Connected { .. })));
/// let id = session.publish_message("PV/sunshine", b"42", QoS::AtLeastOnce, false, 10)?;
/// assert_eq!(session.poll_transmit(10).unwrap()[0], 0x32);
/// session.receive(&[0x40, 0x02, 0x00, 0x01], 20); // PUBACK
/// assert!(matches!(session.poll_event(20), Some(FixedEvent::Published { packet_id, .. }) if Some(packet_id) == id));
/// # Ok::<(), mqtt_codec::client::SessionError>(())
/// ```
#[derive(Debug)]
pub struct FixedSession<'s> {
    pub(super) decoder: Decoder<Received<'s>>,
    pub(super) core: Core<'s>,
}

/// Everything but the decoder, so that a packet borrowed from the decoder can be handled.
#[derive(Debug)]
pub(super) struct Core<'s> {
    pub(super) config: FixedConfig<'s>,
    pub(super) state: State,
    pub(super) server: ServerLimits,
    pub(super) lifetime: Lifetime,
    /// A CONNECT has been accepted, so the server may hold a session for us.
    pub(super) session_expected: bool,
    /// The CONNECT in progress asked for a clean start.
    pub(super) clean_start_sent: bool,
    /// The CONNECT in progress has left the transmit buffer (`poll_transmit` handed it
    /// out): only then can a connection lost before CONNACK leave a doubt about the
    /// session. (A snapshot doubts either way: it may outlive the CONNECT's going out.)
    pub(super) connect_out: bool,
    /// A SUBACK granted something on the current session.
    pub(super) subscribed: bool,
    pub(super) timers: Timers,
    pub(super) tx: Table<'s, u8>,
    pub(super) tx_len: usize,
    pub(super) outgoing: Table<'s, OutSlot>,
    pub(super) messages: Arena<'s>,
    pub(super) incoming: Table<'s, InSlot>,
    pub(super) pending: Table<'s, PendingSlot>,
    pub(super) aliases: Table<'s, AliasSlot>,
    pub(super) alias_topics: Arena<'s>,
    /// Our topic aliases towards the server (5.0): alias `i + 1` stands for the topic of
    /// record `i`. The heap-free session has none.
    pub(super) out_aliases: Table<'s, AliasSlot>,
    pub(super) out_alias_topics: Arena<'s>,
    /// Packet identifiers in use, a bit each; empty, the records are searched instead.
    pub(super) ids: Table<'s, u64>,
    /// The CONNECT in progress carried a client identifier (an empty one asks the server
    /// to assign one).
    client_id_given: bool,
    /// An assigned identifier of any length is kept by the caller (the allocating
    /// session), not only those that fit `assigned_id`.
    pub(super) keeps_long_ids: bool,
    /// A re-authentication (5.0 AUTH 0x19) runs.
    pub(super) reauthenticating: bool,
    /// An outgoing record may be queued or owe a resend: `pump` looks at the records only
    /// then (it runs after every command and packet).
    pub(super) pump_due: bool,
    /// An acknowledgement the application gave may be ready to go out: `flush_acks` looks
    /// only then.
    acks_due: bool,
    /// The receive buffer's size: the largest packet accepted.
    pub(super) rx_capacity: usize,
    pub(super) notices: [Option<(u32, Notice)>; NOTICES],
    /// The packet the decoder lent last is to be returned as an event, at `seq`.
    delivery: Option<(u32, Delivery)>,
    pub(super) next_id: u16,
    pub(super) next_order: u32,
    /// Numbers events in the order they happen, and counts the reports waiting.
    seq: Sequence,
    /// The first bytes the server sent on this connection (up to 4), to recognise a 3.1.1
    /// server's answer to a 5.0 CONNECT.
    pub(super) first_bytes: [u8; 4],
    pub(super) first_len: usize,
    /// The client identifier the server assigned, when it fits.
    pub(super) assigned_id: [u8; ASSIGNED_ID_MAX],
    pub(super) assigned_len: Option<usize>,
}

/// What the lent packet becomes as an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Delivery {
    Connected,
    /// `alias`: the index of the alias record whose topic the message goes to.
    Message {
        publish: LocatedPublish,
        alias: Option<usize>,
        ack: Option<PacketId>,
    },
    Subscribed,
    Unsubscribed,
}

impl HasSpan for OutSlot {
    fn span_mut(&mut self) -> Option<&mut Span> {
        (self.state != Out::Free).then_some(&mut self.frame)
    }
}

impl HasSpan for AliasSlot {
    fn span_mut(&mut self) -> Option<&mut Span> {
        (self.alias != 0).then_some(&mut self.topic)
    }
}

/// Whether `a` was numbered before `b`, counters that wrap and are now at `next`.
fn before(a: u32, b: u32, next: u32) -> bool {
    next.wrapping_sub(a) > next.wrapping_sub(b)
}

impl<'s> FixedSession<'s> {
    /// A session with no connection yet, in `storage`.
    pub fn new(config: FixedConfig<'s>, storage: FixedStorage<'s>) -> Self {
        FixedSession::in_memory(config, Memory::from(storage))
    }

    /// A session with no connection yet, in `memory` (the caller's, or owned).
    pub(crate) fn in_memory(config: FixedConfig<'s>, mut memory: Memory<'s>) -> Self {
        let decoder =
            Decoder::client_in(config.version, memory.rx).with_max_packet_size(memory.rx_capacity);
        memory.outgoing.fill(OutSlot::FREE);
        memory.incoming.fill(InSlot::FREE);
        memory.pending.fill(PendingSlot::FREE);
        memory.aliases.fill(AliasSlot::FREE);
        memory.out_aliases.fill(AliasSlot::FREE);
        FixedSession {
            decoder,
            core: Core {
                server: ServerLimits::before_connack(config.keep_alive),
                config,
                state: State::Idle,
                lifetime: Lifetime::default(),
                session_expected: false,
                clean_start_sent: false,
                connect_out: false,
                subscribed: false,
                timers: Timers::default(),
                tx: memory.tx,
                tx_len: 0,
                outgoing: memory.outgoing,
                messages: Arena::new(memory.messages),
                incoming: memory.incoming,
                pending: memory.pending,
                aliases: memory.aliases,
                alias_topics: Arena::new(memory.alias_topics),
                out_aliases: memory.out_aliases,
                out_alias_topics: Arena::new(memory.out_alias_topics),
                ids: memory.ids,
                client_id_given: false,
                keeps_long_ids: false,
                reauthenticating: false,
                pump_due: false,
                acks_due: false,
                rx_capacity: memory.rx_capacity,
                notices: [None; NOTICES],
                delivery: None,
                next_id: 0,
                next_order: 0,
                seq: Sequence::default(),
                first_bytes: [0; 4],
                first_len: 0,
                assigned_id: [0; ASSIGNED_ID_MAX],
                assigned_len: None,
            },
        }
    }

    /// The configuration.
    pub fn config(&self) -> &FixedConfig<'s> {
        &self.core.config
    }

    /// The client identifier CONNECT carries: the one the server assigned, if it did.
    pub fn client_id(&self) -> &str {
        self.core.client_id()
    }

    /// Whether CONNACK accepted the connection and it has not ended.
    pub fn is_connected(&self) -> bool {
        self.core.state == State::Connected
    }

    /// Whether a PINGREQ went out that has had no PINGRESP yet. A driver that stops
    /// reading while its application is behind must read on until the PINGRESP comes, or
    /// the keep alive ends the connection.
    pub fn awaiting_pingresp(&self) -> bool {
        self.core.timers.ping_sent.is_some()
    }

    /// QoS 1 and 2 PUBLISHes of ours in flight, and queued behind the window.
    pub fn pending_publishes(&self) -> (usize, usize) {
        let count =
            |pick: fn(&OutSlot) -> bool| self.core.outgoing.iter().filter(|o| pick(o)).count();
        (count(OutSlot::in_flight), count(|o| o.state == Out::Queued))
    }

    /// Starts a connection: CONNECT goes out. The first one starts as the configuration
    /// says; a reconnect resumes the session when the server may hold one. Nothing else is
    /// sent before CONNACK. Refused ([`SessionError::State`]) while the packet the last
    /// connection lent waits to be polled, or while its notices fill the room the new one
    /// needs for its own.
    pub fn connect(&mut self, now: Millis) -> Result<(), SessionError> {
        let config = &self.core.config;
        let identity = Identity {
            client_id: config.client_id,
            username: config.username,
            password: config.password,
            will: config.will.map(|w| w.parts()),
            auth: None,
        };
        self.connect_as(&identity, now)
    }

    /// [`FixedSession::connect`] with what CONNECT carries given by the caller.
    pub(crate) fn connect_as(
        &mut self,
        identity: &Identity<'_>,
        now: Millis,
    ) -> Result<(), SessionError> {
        self.core.connect(identity, now)?;
        self.decoder.reset();
        Ok(())
    }

    /// Publishes `publish` (built by the caller, 5.0 properties included; its DUP flag and
    /// packet identifier are the session's to set, topic aliases are refused). QoS 0 needs
    /// a connection and returns `None`; QoS 1 and 2 are encoded into the message storage at
    /// once, get their packet identifier, and are sent when the connection and the
    /// in-flight window allow, across reconnects until the server has them.
    pub fn publish(
        &mut self,
        publish: Publish<Borrowed<'_>>,
        now: Millis,
    ) -> Result<Option<PacketId>, SessionError> {
        self.core.publish(publish, now)
    }

    /// Publishes `payload` on `topic`, with no property.
    pub fn publish_message(
        &mut self,
        topic: &str,
        payload: &[u8],
        qos: QoS,
        retain: bool,
        now: Millis,
    ) -> Result<Option<PacketId>, SessionError> {
        let topic = TopicName::try_from_bytes(topic.as_bytes()).map_err(SessionError::Topic)?;
        let publish = Publish {
            dup: false,
            qos,
            retain,
            topic,
            packet_id: None,
            properties: PropertyView::default(),
            payload,
        };
        self.core.publish(publish, now)
    }

    /// Subscribes to one filter; returns the SUBSCRIBE's packet identifier, which
    /// [`FixedEvent::Subscribed`] answers. More filters in one SUBSCRIBE, or 5.0 properties:
    /// [`FixedSession::subscribe_packet`].
    pub fn subscribe(
        &mut self,
        filter: &str,
        options: SubscriptionOptions,
        now: Millis,
    ) -> Result<PacketId, SessionError> {
        let v5 = self.core.config.version.is_v5();
        TopicFilter::try_from_bytes(filter.as_bytes(), v5).map_err(SessionError::Topic)?;
        // Options valid under the session's version are valid 5.0 options: read back below.
        let tag = options.to_byte(ProtocolVersion::V5)?;
        let subscribe = Subscribe {
            packet_id: PacketId::MIN,
            properties: PropertyView::default(),
            subscriptions: BorrowedList::single(filter.as_bytes(), tag, one_subscription),
        };
        self.subscribe_packet(subscribe, now)
    }

    /// Sends `subscribe` (5.0 properties included) under a packet identifier of the
    /// session's, which it returns.
    pub fn subscribe_packet(
        &mut self,
        mut subscribe: Subscribe<Borrowed<'_>>,
        now: Millis,
    ) -> Result<PacketId, SessionError> {
        // Only a 5.0 CONNACK says what the server lacks.
        #[cfg(feature = "v5")]
        self.core.check_subscribe(&subscribe)?;
        let count = subscribe.subscriptions.len();
        self.core.request(Pending::Subscribe, count, now, |id| {
            subscribe.packet_id = id;
            Packet::Subscribe(subscribe)
        })
    }

    /// Unsubscribes from one filter; returns the UNSUBSCRIBE's packet identifier. More
    /// filters, or 5.0 properties: [`FixedSession::unsubscribe_packet`].
    pub fn unsubscribe(&mut self, filter: &str, now: Millis) -> Result<PacketId, SessionError> {
        let v5 = self.core.config.version.is_v5();
        TopicFilter::try_from_bytes(filter.as_bytes(), v5).map_err(SessionError::Topic)?;
        let unsubscribe = Unsubscribe {
            packet_id: PacketId::MIN,
            properties: PropertyView::default(),
            filters: BorrowedList::single(filter.as_bytes(), 0, one_filter),
        };
        self.unsubscribe_packet(unsubscribe, now)
    }

    /// Sends `unsubscribe` (5.0 properties included) under a packet identifier of the
    /// session's, which it returns.
    pub fn unsubscribe_packet(
        &mut self,
        mut unsubscribe: Unsubscribe<Borrowed<'_>>,
        now: Millis,
    ) -> Result<PacketId, SessionError> {
        let count = unsubscribe.filters.len();
        self.core.request(Pending::Unsubscribe, count, now, |id| {
            unsubscribe.packet_id = id;
            Packet::Unsubscribe(unsubscribe)
        })
    }

    /// Acknowledges a received QoS 1 or 2 message (manual acknowledgement). The
    /// acknowledgements still go out in the order the messages arrived ([MQTT-4.6.0-2] to
    /// [MQTT-4.6.0-4]): one acknowledged early waits for those before it.
    pub fn ack(&mut self, packet_id: PacketId, now: Millis) -> Result<(), SessionError> {
        self.core.ack(packet_id, now)
    }

    /// Ends the connection normally: DISCONNECT (no will), then the caller closes the
    /// socket once it is written. The session, and what is in flight, is kept for the next
    /// `connect`.
    pub fn disconnect(&mut self, now: Millis) -> Result<(), SessionError> {
        self.core.disconnect(now)
    }

    /// The connection was lost (the socket closed or failed). What is in flight stays, to
    /// be resent after the next `connect` if the server resumes the session.
    pub fn connection_lost(&mut self, _now: Millis) {
        let core = &mut self.core;
        if core.state != State::Idle {
            core.ended(None, false);
        }
        core.tx_len = 0;
    }

    /// Bytes arrived from the server, in any chunks; returns how many were taken. The
    /// receive buffer keeps them until [`FixedSession::poll_event`] reads their packets: when
    /// it is full (or an event that will show part of it has not been polled yet), what was
    /// not taken must be given again after polling. Between connections what arrives is
    /// dropped (all of it is "taken").
    pub fn receive(&mut self, data: &[u8], now: Millis) -> usize {
        if self.core.state == State::Idle {
            return data.len();
        }
        if self.core.delivery.is_some() {
            return 0;
        }
        let taken = self.decoder.feed(data);
        self.core.arrived(data.get(..taken).unwrap_or_default());
        if taken > 0 {
            self.core.heard(now);
        }
        taken
    }

    /// The next event for the application, reading the received packets as needed. `None`
    /// when nothing more can be told now: no complete packet is buffered, or the transmit
    /// buffer has no room for the answer a packet may need (call
    /// [`FixedSession::poll_transmit`] first).
    pub fn poll_event(&mut self, now: Millis) -> Option<FixedEvent<'_>> {
        self.poll_event_with(now, &mut NoExchange)
            .map(|(event, _)| event)
    }

    /// [`FixedSession::poll_event`] with `exchange` answering the server's AUTH; with the
    /// event, the packet it shows as received (empty for a report), whose bytes its views
    /// point into.
    pub(crate) fn poll_event_with(
        &mut self,
        now: Millis,
        exchange: &mut dyn Exchange,
    ) -> Option<(FixedEvent<'_>, &[u8])> {
        loop {
            match self.core.oldest_event() {
                Some(Next::Report(at)) => return self.core.take_report(at).map(|e| (e, &[][..])),
                Some(Next::Delivery) => {
                    let (_, delivery) = self.core.delivery.take()?;
                    let event = self.deliver(delivery)?;
                    return Some((event, self.decoder.lent_frame()));
                }
                None => {}
            }
            if self.core.state == State::Idle || !self.core.tx_room(ANSWER_ROOM) {
                return None;
            }
            match self.decoder.next_packet_ref() {
                Ok(Some(packet)) => self.core.handle(packet, now, exchange),
                Ok(None) => return None,
                Err(e) => self.core.decode_failed(&e, now),
            }
        }
    }

    /// The bytes to write to the connection now, in order (everything buffered: write all
    /// of it). Queued PUBLISHes and acknowledgements are added as the room allows.
    pub fn poll_transmit(&mut self, now: Millis) -> Option<&[u8]> {
        self.core.pump(now);
        let len = core::mem::take(&mut self.core.tx_len);
        if len > 0 && matches!(self.core.state, State::Connecting { .. }) {
            self.core.connect_out = true;
        }
        (len > 0).then(|| self.core.tx.get(..len).unwrap_or_default())
    }

    /// When [`FixedSession::handle_timeout`] must be called next, if ever.
    pub fn next_timeout(&self) -> Option<Millis> {
        let c = &self.core;
        c.timers.deadline(c.state, c.config.keep_alive, &c.server)
    }

    /// Time has passed: PINGREQ when nothing was sent, or nothing received, for the keep
    /// alive; the connection is lost when no PINGRESP came within another keep alive, or no
    /// CONNACK in time.
    pub fn handle_timeout(&mut self, now: Millis) {
        let c = &mut self.core;
        match c.timers.due(c.state, c.config.keep_alive, &c.server, now) {
            Due::Nothing => {}
            Due::Lost => {
                c.tx_len = 0;
                c.ended(None, false);
            }
            Due::Ping => {
                if c.send(&Packet::PingReq, now).is_ok() {
                    c.timers.ping_sent = Some(now);
                }
            }
        }
    }

    /// The event of the packet the decoder lent last.
    fn deliver(&self, delivery: Delivery) -> Option<FixedEvent<'_>> {
        if let Delivery::Message {
            publish,
            alias,
            ack,
        } = delivery
        {
            // The parts are where the parser found them (`receive` takes nothing while a
            // delivery waits); were they not, the packet is parsed again rather than lost.
            let mut publish = match publish.view(self.decoder.lent_frame()) {
                Some(p) => p,
                None => match self.decoder.lent_packet()? {
                    Packet::Publish(p) => p,
                    _ => return None,
                },
            };
            if let Some(slot) = alias.and_then(|i| self.core.aliases.get(i)) {
                let topic = self.core.alias_topics.get(slot.topic);
                publish.topic = TopicName::from_validated(MqttStr::from_validated(topic));
            }
            return Some(FixedEvent::Message { publish, ack });
        }
        let packet = self.decoder.lent_packet()?;
        Some(match (delivery, packet) {
            (Delivery::Connected, Packet::ConnAck(connack)) => FixedEvent::Connected {
                session_present: connack.session_present,
                connack,
            },
            (Delivery::Subscribed, Packet::SubAck(suback)) => FixedEvent::Subscribed(suback),
            (Delivery::Unsubscribed, Packet::UnsubAck(unsuback)) => {
                FixedEvent::Unsubscribed(unsuback)
            }
            _ => return None,
        })
    }
}

/// Which kind of event is due first.
enum Next {
    /// The report waiting there.
    Report(Report),
    Delivery,
}

impl Core<'_> {
    /// Keeps the first bytes of a connection, to recognise a 3.1.1 server's answer.
    pub(super) fn arrived(&mut self, head: &[u8]) {
        if let State::Connecting { .. } = self.state {
            for &b in head {
                if let Some(slot) = self.first_bytes.get_mut(self.first_len) {
                    *slot = b;
                    self.first_len = self.first_len.saturating_add(1);
                }
            }
        }
    }

    /// The server was heard from at `now`.
    pub(super) fn heard(&mut self, now: Millis) {
        if self.state == State::Connected {
            self.lifetime.heard(now);
        }
    }

    pub(super) fn client_id(&self) -> &str {
        match self.assigned_len {
            Some(len) => self
                .assigned_id
                .get(..len)
                .and_then(|b| core::str::from_utf8(b).ok())
                .unwrap_or_default(),
            None => self.config.client_id,
        }
    }

    fn tx_free(&self) -> usize {
        self.tx.len().saturating_sub(self.tx_len)
    }

    /// Whether the transmit buffer has (or, owned, could make) `n` bytes free.
    fn tx_room(&mut self, n: usize) -> bool {
        let needed = self.tx_len.saturating_add(n);
        self.tx.grow_to(needed, 0)
    }

    /// The number of the delivery (the lent packet's event) happening now.
    fn seq(&mut self) -> u32 {
        self.seq.stamp()
    }

    pub(super) fn order(&mut self) -> u32 {
        let order = self.next_order;
        self.next_order = order.wrapping_add(1);
        order
    }

    /// Encodes `packet` at the end of the transmit buffer, after checking it against the
    /// server's Maximum Packet Size.
    pub(super) fn send(&mut self, packet: &PacketRef<'_>, now: Millis) -> Result<(), SessionError> {
        // Encoded into the free room at once (sized once, by the encoder); the bytes count
        // only once the server's limit has taken them. An owned buffer grows and tries
        // again.
        loop {
            let available = self.tx_free();
            let out = self.tx.get_mut(self.tx_len..).unwrap_or_default();
            return match packet.encode_to_slice(self.config.version, out) {
                Ok(n) => {
                    self.server.check_len(n)?;
                    self.tx_len = self.tx_len.saturating_add(n);
                    self.timers.last_sent = now;
                    Ok(())
                }
                Err(EncodeError::BufferTooSmall { needed, .. }) => {
                    self.server.check_len(needed)?;
                    if needed > available && self.tx_room(needed) {
                        continue;
                    }
                    let capacity = self.tx.limit();
                    if needed > capacity {
                        let what = "the transmit buffer";
                        return Err(SessionError::StorageTooSmall {
                            what,
                            needed,
                            capacity,
                        });
                    }
                    Err(SessionError::TransmitFull { needed, available })
                }
                Err(e) => Err(e.into()),
            };
        }
    }

    /// Sends PUBACK, PUBREC, PUBREL or PUBCOMP (`make` picks which) for `id`.
    fn answer(
        &mut self,
        make: fn(PubResponse<Borrowed<'static>>) -> PacketRef<'static>,
        id: PacketId,
        reason: ReasonCode,
        now: Millis,
    ) -> Result<(), SessionError> {
        let response = PubResponse {
            packet_id: id,
            reason_code: reason,
            properties: PropertyView::default(),
        };
        self.send(&make(response), now)
    }

    pub(super) fn notice(&mut self, notice: Notice) {
        if let Some(slot) = self.notices.iter_mut().find(|n| n.is_none()) {
            *slot = Some((self.seq.report(), notice));
        }
    }

    pub(super) fn need_connection(&self) -> Result<(), SessionError> {
        match self.state {
            State::Connected => Ok(()),
            _ => Err(SessionError::NotConnected),
        }
    }

    fn connect(&mut self, identity: &Identity<'_>, now: Millis) -> Result<(), SessionError> {
        if self.state != State::Idle {
            return Err(SessionError::AlreadyConnected);
        }
        // An event not yet polled (a notice of the last connection's end, or the packet
        // lent last) would be lost to the new connection.
        if self.notices.iter().filter(|n| n.is_none()).count() < 3 || self.delivery.is_some() {
            return Err(SessionError::State(
                "events wait: poll them before connecting",
            ));
        }
        // The server may send QoS 2 (or QoS 1 to acknowledge by hand) as soon as it is
        // subscribed to, and a 5.0 Receive Maximum cannot say 0.
        if self.incoming.limit() == 0 {
            return Err(SessionError::StorageFull(
                "the incoming records (none given)",
            ));
        }
        let version = self.config.version;
        let clean_start =
            self.config.clean_start && !self.session_expected || self.lifetime.doubtful();
        let mut props = Properties::<Borrowed<'_>>::default();
        if version.is_v5() {
            if self.config.session_expiry_interval > 0 {
                props.session_expiry_interval = Some(self.config.session_expiry_interval);
            }
            let receive_maximum = self.receive_maximum();
            if receive_maximum != u16::MAX {
                props.receive_maximum = Some(receive_maximum);
            }
            props.maximum_packet_size = Some(u32::try_from(self.rx_capacity).unwrap_or(u32::MAX));
            if self.aliases.limit() > 0 {
                props.topic_alias_maximum = Some(self.topic_alias_maximum());
            }
            if !self.config.request_problem_information {
                props.request_problem_information = Some(0);
            }
            if let Some((method, data)) = identity.auth {
                props.authentication_method =
                    Some(MqttStr::try_new(method.as_bytes()).map_err(|_| {
                        SessionError::State("the authentication method is not a valid string")
                    })?);
                props.authentication_data = Some(data);
            }
        }
        let assigned;
        let id = match self.assigned_len {
            Some(len) => {
                assigned = self.assigned_id;
                assigned.get(..len).unwrap_or_default()
            }
            None => identity.client_id.as_bytes(),
        };
        let connect = Connect::<Borrowed<'_>> {
            protocol_version: version,
            bridge: false,
            clean_start,
            keep_alive: self.config.keep_alive,
            client_id: MqttStr::try_new(id)
                .map_err(|_| SessionError::State("the client identifier is not a valid string"))?,
            will: match &identity.will {
                Some(w) => Some(w.as_will()?),
                None => None,
            },
            username: match identity.username {
                Some(u) => Some(
                    MqttStr::try_new(u.as_bytes())
                        .map_err(|_| SessionError::State("the user name is not a valid string"))?,
                ),
                None => None,
            },
            password: identity.password,
            properties: PropertyView::new(&props),
        };
        // Nothing of an earlier connection (an acknowledgement, its DISCONNECT) may go out
        // on the new one, before its CONNECT.
        let kept = core::mem::take(&mut self.tx_len);
        if let Err(e) = self.send(&PacketRef::from(&connect), now) {
            self.tx_len = kept;
            return Err(e);
        }
        self.aliases.fill(AliasSlot::FREE);
        self.alias_topics.clear();
        self.out_aliases.fill(AliasSlot::FREE);
        self.out_alias_topics.clear();
        self.client_id_given = !id.is_empty();
        self.reauthenticating = false;
        self.timers.ping_sent = None;
        self.first_len = 0;
        self.delivery = None;
        self.state = State::Connecting { since: now };
        self.clean_start_sent = clean_start;
        self.connect_out = false;
        self.lifetime.connecting(!clean_start, now);
        Ok(())
    }

    /// The 5.0 Receive Maximum advertised: one per incoming record.
    fn receive_maximum(&self) -> u16 {
        let records = u16::try_from(self.incoming.limit()).unwrap_or(u16::MAX);
        match self.config.receive_maximum {
            0 => records,
            n => n.min(records),
        }
        .max(1)
    }

    /// The 5.0 Topic Alias Maximum advertised: one per alias record.
    fn topic_alias_maximum(&self) -> u16 {
        u16::try_from(self.aliases.limit()).unwrap_or(u16::MAX)
    }

    /// A SUBSCRIBE the server said it cannot take (CONNACK's availability properties).
    #[cfg(feature = "v5")]
    fn check_subscribe(&self, subscribe: &Subscribe<Borrowed<'_>>) -> Result<(), SessionError> {
        let server = &self.server;
        if !server.subscription_ids_available
            && !subscribe.properties.subscription_identifiers().is_empty()
        {
            return Err(SessionError::SubscriptionNotSupported(
                "Subscription Identifiers",
            ));
        }
        for s in subscribe.subscriptions.iter() {
            let filter = s.filter.as_str();
            if !server.shared_available && crate::topic::split_shared(filter).is_some() {
                return Err(SessionError::SubscriptionNotSupported(
                    "shared subscriptions",
                ));
            }
            if !server.wildcards_available && s.filter.has_wildcards() {
                return Err(SessionError::SubscriptionNotSupported(
                    "wildcard subscriptions",
                ));
            }
        }
        Ok(())
    }

    fn publish(
        &mut self,
        mut publish: Publish<Borrowed<'_>>,
        now: Millis,
    ) -> Result<Option<PacketId>, SessionError> {
        let version = self.config.version;
        if version.is_v5() {
            if publish.qos > self.server.maximum_qos {
                return Err(SessionError::QosNotSupported(publish.qos as u8));
            }
            if publish.retain && !self.server.retain_available {
                return Err(SessionError::RetainNotSupported);
            }
        }
        let (alias, subscription_ids) = publish.properties.with(|p| {
            (
                p.topic_alias.is_some(),
                !p.subscription_identifiers.is_empty(),
            )
        });
        if alias {
            return Err(SessionError::State(
                "the heap-free session sets no topic alias",
            ));
        }
        if subscription_ids {
            return Err(SessionError::Encode(EncodeError::PropertyNotAllowed {
                property: PropertyId::SubscriptionIdentifier,
                context: "a PUBLISH from a client [MQTT-3.3.4-6]",
            }));
        }
        publish.dup = false;
        if publish.qos == QoS::AtMostOnce {
            self.need_connection()?;
            publish.packet_id = None;
            self.send_publish(&publish, now)?;
            return Ok(None);
        }
        let free = |o: &OutSlot| o.state == Out::Free;
        let Some(index) = self.outgoing.free_index(free, OutSlot::FREE) else {
            let queued = self.outgoing.iter().filter(|o| o.state == Out::Queued);
            return Err(SessionError::QueueFull(queued.count()));
        };
        let id = self.allocate_id()?;
        publish.packet_id = Some(id);
        let stored = self.store_publish(index, id, publish);
        if stored.is_err() {
            // Refused before anything holds it: the identifier is free again.
            self.mark_id(id.get(), false);
        }
        stored?;
        self.pump_due = true;
        self.pump(now);
        Ok(Some(id))
    }

    /// Encodes a QoS 1 or 2 `publish`, under identifier `id`, into the message storage and
    /// queues it in outgoing record `index`.
    fn store_publish(
        &mut self,
        index: usize,
        id: PacketId,
        publish: Publish<Borrowed<'_>>,
    ) -> Result<(), SessionError> {
        let version = self.config.version;
        let qos = publish.qos;
        let packet = Packet::Publish(publish);
        let len = packet.encoded_len(version)?;
        for (what, capacity) in [
            ("the transmit buffer", self.tx.limit()),
            ("the message storage", self.messages.limit()),
        ] {
            if len > capacity {
                return Err(SessionError::StorageTooSmall {
                    what,
                    needed: len,
                    capacity,
                });
            }
        }
        if self.state == State::Connected {
            self.server.check_len(len)?;
        }
        let frame = self
            .messages
            .store(len, &mut self.outgoing, |room| {
                packet.encode_to_slice(version, room).is_ok()
            })
            .ok_or(SessionError::StorageFull("the message storage"))?;
        let order = self.order();
        if let Some(slot) = self.outgoing.get_mut(index) {
            *slot = OutSlot {
                state: Out::Queued,
                packet_id: id.get(),
                qos,
                resend: false,
                order,
                frame,
            };
        }
        Ok(())
    }

    /// Sends a SUBSCRIBE or UNSUBSCRIBE of `count` filters that `make` builds under the
    /// identifier it is given, and waits for its answer in a pending record.
    fn request<'p>(
        &mut self,
        kind: Pending,
        count: usize,
        now: Millis,
        make: impl FnOnce(PacketId) -> PacketRef<'p>,
    ) -> Result<PacketId, SessionError> {
        self.need_connection()?;
        let index = self
            .pending
            .free_index(|p| p.state == Pending::Free, PendingSlot::FREE)
            .ok_or(SessionError::StorageFull(
                "the pending SUBSCRIBE/UNSUBSCRIBE records",
            ))?;
        let id = self.allocate_id()?;
        if let Err(e) = self.send(&make(id), now) {
            // Not sent, and no record holds it: the identifier is free again.
            self.mark_id(id.get(), false);
            return Err(e);
        }
        if let Some(slot) = self.pending.get_mut(index) {
            *slot = PendingSlot {
                state: kind,
                packet_id: id.get(),
                count: u16::try_from(count).unwrap_or(u16::MAX),
            };
        }
        Ok(id)
    }

    /// A packet identifier in use by nothing of ours ([MQTT-2.3.1-2]); an identifier whose
    /// end is not reported yet counts as in use.
    fn allocate_id(&mut self) -> Result<PacketId, SessionError> {
        let mut next = self.next_id;
        let id = packet_flow::next_packet_id(&mut next, |n| self.id_in_use(n));
        self.next_id = next;
        let id = id.ok_or(SessionError::NoPacketId)?;
        self.mark_id(id.get(), true);
        Ok(id)
    }

    /// Whether a record of ours holds packet identifier `n`.
    fn id_in_use(&self, n: u16) -> bool {
        match self.ids.get(usize::from(n / 64)) {
            Some(word) => word & 1 << (n % 64) != 0,
            None => self.record_has(n),
        }
    }

    /// Packet identifier `n` is held by a record of ours from now on (`used`), or no
    /// longer.
    pub(super) fn mark_id(&mut self, n: u16, used: bool) {
        mark(&mut self.ids, n, used);
    }

    fn ack(&mut self, packet_id: PacketId, now: Millis) -> Result<(), SessionError> {
        let id = packet_id.get();
        let slot = self
            .incoming
            .iter_mut()
            .find(|s| s.packet_id == id && matches!(s.state, In::Owed { acked: false, .. }))
            .ok_or(SessionError::UnknownPacketId(id))?;
        if let In::Owed { acked, .. } = &mut slot.state {
            *acked = true;
        }
        self.acks_due = true;
        self.flush_acks(now);
        self.pump(now);
        Ok(())
    }

    fn disconnect(&mut self, now: Millis) -> Result<(), SessionError> {
        if self.state == State::Idle {
            return Err(SessionError::NotConnected);
        }
        let disconnect = Disconnect {
            reason_code: ReasonCode::Success,
            properties: PropertyView::default(),
        };
        // Without its DISCONNECT the server would publish the will: refuse until there is
        // room rather than end without it.
        self.send(&Packet::Disconnect(disconnect), now)?;
        self.ended(Some(ReasonCode::Success), false);
        Ok(())
    }

    /// The connection is over: SUBSCRIBEs and UNSUBSCRIBEs that will never be answered are
    /// reported (their identifiers free again), then the end.
    fn ended(&mut self, reason: Option<ReasonCode>, by_server: bool) {
        // A CONNECT that never went out cannot have made a session at the server.
        if let (State::Connecting { .. }, true) = (self.state, self.connect_out) {
            self.lifetime.unanswered();
        }
        self.state = State::Idle;
        // What the last server said of itself does not bind the next connection: its CONNECT
        // goes out before any CONNACK limits it, and a message published meanwhile is judged
        // by the next CONNACK (whose limits hold on the connection it accepts).
        self.server = ServerLimits::before_connack(self.config.keep_alive);
        // Acknowledgements the application gave that did not fit the transmit buffer are
        // not kept for the next connection, as none given between connections is (see
        // `flush_acks`): the server resends those messages.
        for s in self.incoming.iter_mut() {
            if let In::Owed {
                qos2, acked: true, ..
            } = s.state
            {
                *s = s.answered(qos2);
            }
        }
        for p in self.pending.iter_mut() {
            let unsubscribe = match p.state {
                Pending::Subscribe => false,
                Pending::Unsubscribe => true,
                _ => continue,
            };
            p.state = Pending::Lost {
                seq: self.seq.report(),
                unsubscribe,
            };
        }
        self.notice(Notice::Disconnected { reason, by_server });
    }

    /// The server broke a rule: 5.0 gets DISCONNECT with `reason` first; the connection
    /// ends and the session waits for `connect`.
    pub(super) fn fail(&mut self, reason: ReasonCode, now: Millis) {
        self.fail_as(reason, reason, now);
    }

    /// [`Core::fail`] sending `sent` in DISCONNECT and reporting `reason`: the codes a
    /// client may send are fewer than the reasons it may have.
    pub(super) fn fail_as(&mut self, sent: ReasonCode, reason: ReasonCode, now: Millis) {
        if self.config.version.is_v5() {
            let disconnect = Disconnect {
                reason_code: sent,
                properties: PropertyView::default(),
            };
            let _ = self.send(&Packet::Disconnect(disconnect), now);
        }
        self.ended(Some(reason), false);
    }

    /// Enhanced authentication failed on our side (the server's proof or challenge did not
    /// satisfy the method): reported as 0x87 Not authorized, which only a server may send
    /// in DISCONNECT (Table 3-10), so DISCONNECT says 0x80 Unspecified error.
    pub(super) fn fail_authentication(&mut self, now: Millis) {
        self.fail_as(ReasonCode::UnspecifiedError, ReasonCode::NotAuthorized, now);
    }

    fn decode_failed(&mut self, err: &DecodeError, now: Millis) {
        let first = self.first_bytes.get(..self.first_len).unwrap_or_default();
        if matches!(self.state, State::Connecting { .. }) && rules::is_v3_answer(err, first) {
            self.state = State::Idle;
            self.notice(Notice::Refused {
                reason: ReasonCode::UnsupportedProtocolVersion,
                server_speaks_v3: true,
            });
            return;
        }
        self.fail(err.reason_code(), now);
    }

    fn handle(&mut self, packet: PacketRef<'_>, now: Millis, exchange: &mut dyn Exchange) {
        self.timers.last_received = now;
        // PR-9, [MQTT-3.1.2-29]: without Request Problem Information, a Reason String or
        // User Property may come only on PUBLISH, CONNACK and DISCONNECT (AUTH included, in
        // the first exchange as in a later one).
        let (requested, version) = (self.config.request_problem_information, self.config.version);
        if !rules::problem_information_allowed(requested, version, &packet) {
            return self.fail(ReasonCode::ProtocolError, now);
        }
        if let State::Connecting { .. } = self.state {
            return match packet {
                Packet::ConnAck(ack) => self.on_connack(&ack, now, exchange),
                #[cfg(feature = "alloc")]
                Packet::Auth(auth) if exchange.method().is_some() => {
                    self.on_auth(&auth, now, exchange)
                }
                // Anything else before CONNACK breaks [MQTT-3.2.0-1] (CAK-8), AUTH too when
                // no enhanced authentication was asked for.
                _ => self.fail(ReasonCode::ProtocolError, now),
            };
        }
        match packet {
            Packet::Publish(p) => self.on_publish(&p, now),
            Packet::PubAck(a) => {
                if let Some(o) =
                    out_slot(&mut self.outgoing, a.packet_id, is_sent, QoS::AtLeastOnce)
                {
                    o.finish(
                        a.packet_id,
                        a.reason_code,
                        &mut self.messages,
                        &mut self.seq,
                    );
                }
            }
            Packet::PubRec(a) => self.on_pubrec(&a, now),
            Packet::PubRel(a) => self.on_pubrel(&a, now),
            Packet::PubComp(a) => {
                let reason = rules::pubcomp_outcome(a.reason_code);
                if let Some(o) = out_slot(
                    &mut self.outgoing,
                    a.packet_id,
                    is_released,
                    QoS::ExactlyOnce,
                ) {
                    o.finish(a.packet_id, reason, &mut self.messages, &mut self.seq);
                }
            }
            Packet::SubAck(s) => self.on_suback(&s, now),
            Packet::UnsubAck(u) => self.on_unsuback(&u, now),
            Packet::PingResp => self.timers.ping_sent = None,
            Packet::Disconnect(d) => self.ended(Some(d.reason_code), true),
            #[cfg(feature = "alloc")]
            Packet::Auth(auth) if self.reauthenticating => self.on_auth(&auth, now, exchange),
            // A second CONNACK (CAK-8), AUTH the client did not start, or a packet only a
            // client sends.
            _ => self.fail(ReasonCode::ProtocolError, now),
        }
        self.pump(now);
    }

    fn on_connack(
        &mut self,
        ack: &ConnAck<Borrowed<'_>>,
        now: Millis,
        exchange: &mut dyn Exchange,
    ) {
        if ack.reason_code.is_error() {
            self.state = State::Idle;
            return self.notice(Notice::Refused {
                reason: ack.reason_code,
                server_speaks_v3: false,
            });
        }
        // CAK-12: the method of CONNECT comes back, or none when none was sent
        // ([MQTT-4.12.0-5], [MQTT-4.12.0-6]); the server's final data must satisfy the
        // method.
        let method = ack.properties.authentication_method();
        let method = method.as_ref().map(|m| m.as_str());
        let data = ack.properties.authentication_data().unwrap_or_default();
        if method != exchange.method() {
            return self.fail(ReasonCode::ProtocolError, now);
        }
        if method.is_some() && !exchange.finish(data) {
            return self.fail_authentication(now);
        }
        // A server resuming a session the client asked to start anew breaks
        // [MQTT-3.2.2-2] (3.1.1: [MQTT-3.2.2-1]).
        if self.clean_start_sent && ack.session_present {
            return self.fail(ReasonCode::ProtocolError, now);
        }
        let keep_alive = self.config.keep_alive;
        let v5 = self.config.version.is_v5();
        let (limits, expiry, assigned) = ack.properties.with(|p| {
            if let Some(id) = &p.assigned_client_identifier {
                let bytes = id.as_bytes();
                self.assigned_len = self
                    .assigned_id
                    .get_mut(..bytes.len())
                    .map(|dst| dst.copy_from_slice(bytes))
                    .map(|()| bytes.len());
            }
            let expiry = p
                .session_expiry_interval
                .unwrap_or(self.config.session_expiry_interval);
            (
                ServerLimits::from_connack(p, keep_alive),
                v5.then_some(expiry),
                p.assigned_client_identifier.is_some(),
            )
        });
        self.server = limits;
        self.state = State::Connected;
        self.lifetime.accepted(expiry, now);
        let resumed = ack.session_present;
        if resumed {
            for o in self.outgoing.iter_mut() {
                o.resend = o.in_flight();
                // This connection's send quota starts full ([MQTT-3.3.4-7], §4.9).
                if let Out::Released { in_window } = &mut o.state {
                    *in_window = false;
                }
                self.pump_due = true;
            }
        } else {
            self.session_lost();
        }
        // An assigned identifier too long to keep cannot resume the session it named.
        let id_kept =
            self.assigned_len.is_some() || self.client_id_given || self.keeps_long_ids && assigned;
        // 3.x keeps a session by clean session 0 alone; a 5.0 Session Expiry Interval set
        // in a configuration shared by both versions says nothing to a 3.x server.
        let kept = match v5 {
            true => self.config.session_expiry_interval > 0,
            false => !self.config.clean_start,
        };
        self.session_expected = id_kept && kept;
        let seq = self.seq();
        self.delivery = Some((seq, Delivery::Connected));
    }

    /// The server did not resume the session: what was in flight is reported failed (in the
    /// order it was sent), the server's QoS 2 flows forgotten ([MQTT-4.1.0-1]), and the
    /// subscriptions reported lost. Queued messages go out on the new session. A QoS 2
    /// message the server took with PUBREC is reported failed too: a server that passes a
    /// message on only at PUBREL (mosquitto does) never delivered it, one that passes it on
    /// at once did, and the client cannot tell which.
    fn session_lost(&mut self) {
        loop {
            let next = self.next_order;
            let mut oldest: Option<&mut OutSlot> = None;
            for o in self.outgoing.iter_mut() {
                if o.in_flight()
                    && oldest
                        .as_ref()
                        .map_or(true, |b| before(o.order, b.order, next))
                {
                    oldest = Some(o);
                }
            }
            let Some(o) = oldest else { break };
            let Some(id) = PacketId::new(o.packet_id) else {
                // Identifier 0 is never marked in use.
                *o = OutSlot::FREE;
                continue;
            };
            o.fail(
                id,
                PublishFailure::SessionLost,
                &mut self.messages,
                &mut self.seq,
            );
        }
        // The server that might hold their identifiers is gone with the session.
        self.release_held();
        for slot in self.incoming.iter_mut() {
            *slot = InSlot::FREE;
        }
        if core::mem::take(&mut self.subscribed) {
            self.notice(Notice::SubscriptionsLost);
        }
    }

    fn on_publish(&mut self, p: &Publish<Borrowed<'_>>, now: Millis) {
        let mut alias_index = None;
        if let Some(alias) = p.properties.with(|props| props.topic_alias) {
            let maximum = self.topic_alias_maximum();
            match packet_flow::received_alias(alias, maximum, p.topic.is_empty()) {
                Err(reason) => return self.fail(reason, now),
                Ok(ReceivedAlias::Resolve) => {
                    match self.aliases.iter().position(|a| a.alias == alias) {
                        Some(i) => alias_index = Some(i),
                        None => return self.fail(ReasonCode::ProtocolError, now),
                    }
                }
                Ok(ReceivedAlias::Set) => {
                    if !self.set_alias(alias, p.topic.as_str().as_bytes()) {
                        // The alias topic storage is too small for the server's topics.
                        return self.fail(ReasonCode::ImplementationSpecificError, now);
                    }
                }
            }
        }
        let Some(id) = p.packet_id else {
            return self.deliver_message(p, alias_index, None);
        };
        let qos2 = p.qos == QoS::ExactlyOnce;
        // A QoS 1 retransmission carries DUP ([MQTT-3.3.1-1]): one without it is a new
        // message whose identifier the server reused after taking our PUBACK.
        let known = self.incoming.iter().position(|s| {
            s.packet_id == id.get()
                && match s.state {
                    In::Owed { qos2: q, .. } => q == qos2 && (qos2 || p.dup),
                    In::Received => qos2,
                    In::Free => false,
                }
        });
        if let Some(i) = known {
            // A retransmission: a QoS 1 copy is answered by the acknowledgement still owed;
            // a QoS 2 one is acknowledged again, not delivered again ([MQTT-4.3.3-10]),
            // unless its PUBREC still waits for the application.
            if self
                .incoming
                .get(i)
                .is_some_and(|s| s.state == In::Received)
            {
                let _ = self.answer(Packet::PubRec, id, ReasonCode::Success, now);
            }
            return;
        }
        // QoS 1 until its PUBACK goes out, QoS 2 until PUBREL. A QoS 1 retransmission does
        // not count: the server may have seen the PUBACK of the first copy ([MQTT-4.3.2-5]).
        let unacked = self
            .incoming
            .iter()
            .filter(|s| match s.state {
                In::Owed { qos2, dup, .. } => qos2 || !dup,
                In::Received => true,
                In::Free => false,
            })
            .count();
        let over = unacked >= usize::from(self.receive_maximum());
        if self.config.version.is_v5() && over {
            return self.fail(ReasonCode::ReceiveMaximumExceeded, now);
        }
        // A QoS 1 resend (DUP) is not counted against the Receive Maximum, since it may have
        // crossed our PUBACK of the first copy, so with manual acknowledgement it could take
        // the records of messages the server may still send within the maximum. It gets a
        // record only beyond those (`FixedConfig::receive_maximum` below the records leaves
        // some); otherwise it is acknowledged at once, as automatic acknowledgement would
        // (it is a copy of a message sent before).
        let growable = self.incoming.limit().saturating_sub(self.incoming.len());
        let free = self.incoming.iter().filter(|s| s.state == In::Free).count();
        let free = free.saturating_add(growable);
        let reserved = usize::from(self.receive_maximum()).saturating_sub(unacked);
        let resend_without_room = !qos2 && p.dup && free <= reserved;
        if (self.config.auto_ack || resend_without_room) && !qos2 {
            let _ = self.answer(Packet::PubAck, id, ReasonCode::Success, now);
            return self.deliver_message(p, alias_index, None);
        }
        let Some(slot) = self
            .incoming
            .free_index(|s| s.state == In::Free, InSlot::FREE)
        else {
            // 3.x has no flow control: more unfinished flows than records.
            return self.fail(ReasonCode::ReceiveMaximumExceeded, now);
        };
        let order = self.order();
        let auto = self.config.auto_ack;
        self.acks_due |= auto;
        if let Some(s) = self.incoming.get_mut(slot) {
            *s = InSlot {
                state: In::Owed {
                    qos2,
                    acked: auto,
                    dup: p.dup,
                },
                packet_id: id.get(),
                order,
            };
        }
        self.flush_acks(now);
        self.deliver_message(p, alias_index, (!auto).then_some(id));
    }

    fn deliver_message(
        &mut self,
        p: &Publish<Borrowed<'_>>,
        alias: Option<usize>,
        ack: Option<PacketId>,
    ) {
        let seq = self.seq();
        let publish = LocatedPublish::of(p);
        self.delivery = Some((
            seq,
            Delivery::Message {
                publish,
                alias,
                ack,
            },
        ));
    }

    /// Maps `alias` to `topic` for this connection; false when the topic storage has no
    /// room.
    fn set_alias(&mut self, alias: u16, topic: &[u8]) -> bool {
        let index = match self.aliases.iter().position(|a| a.alias == alias) {
            Some(i) => {
                if let Some(a) = self.aliases.get_mut(i) {
                    // Its old topic's bytes are given back: an owned area that believed them
                    // live would grow with every alias the server sets again.
                    self.alias_topics.free(&mut a.topic);
                    *a = AliasSlot::FREE;
                }
                i
            }
            None => match self.aliases.free_index(|a| a.alias == 0, AliasSlot::FREE) {
                Some(i) => i,
                None => return false,
            },
        };
        let stored = self
            .alias_topics
            .store(topic.len(), &mut self.aliases, |room| {
                room.copy_from_slice(topic);
                true
            });
        match (stored, self.aliases.get_mut(index)) {
            (Some(span), Some(slot)) => {
                *slot = AliasSlot { alias, topic: span };
                true
            }
            _ => false,
        }
    }

    fn on_pubrec(&mut self, a: &PubResponse<Borrowed<'_>>, now: Millis) {
        let v5 = self.config.version.is_v5();
        let mut reason = ReasonCode::Success;
        // The PUBREC's place in the sequence, which its PUBREL keeps when sent again.
        let released_order = self.order();
        match out_slot(&mut self.outgoing, a.packet_id, is_sent, QoS::ExactlyOnce) {
            // 5.0: a failure ends the flow ([MQTT-4.3.3-4]).
            Some(o) if a.reason_code.is_error() => {
                return o.finish(
                    a.packet_id,
                    a.reason_code,
                    &mut self.messages,
                    &mut self.seq,
                );
            }
            Some(o) => {
                // A resend of the PUBLISH still waiting (a PUBREC that came right after a
                // resumed CONNACK) is answered by this PUBREL instead; that PUBLISH did
                // not go out on this connection, so the flow holds no place in its window.
                let sent_here = !o.resend;
                o.resend = false;
                self.messages.free(&mut o.frame);
                o.release(released_order, sent_here);
            }
            // Not ours, or released already (a PUBREC resent): PUBREL says so in 5.0.
            None => {
                let released = out_slot(
                    &mut self.outgoing,
                    a.packet_id,
                    is_released,
                    QoS::ExactlyOnce,
                )
                .is_some();
                if !released && v5 {
                    reason = ReasonCode::PacketIdentifierNotFound;
                }
            }
        }
        let _ = self.answer(Packet::PubRel, a.packet_id, reason, now);
    }

    fn on_pubrel(&mut self, a: &PubResponse<Borrowed<'_>>, now: Millis) {
        let id = a.packet_id.get();
        let slot = self.incoming.iter_mut().find(|s| {
            s.packet_id == id && matches!(s.state, In::Received | In::Owed { qos2: true, .. })
        });
        let reason = match slot {
            Some(s) if s.state == In::Received => {
                *s = InSlot::FREE;
                ReasonCode::Success
            }
            // PUBREL before our PUBREC ([MQTT-4.3.3-8]).
            Some(_) => return self.fail(ReasonCode::ProtocolError, now),
            None if self.config.version.is_v5() => ReasonCode::PacketIdentifierNotFound,
            None => ReasonCode::Success,
        };
        let _ = self.answer(Packet::PubComp, a.packet_id, reason, now);
    }

    fn on_suback(&mut self, s: &SubAck<Borrowed<'_>>, now: Millis) {
        // SAK-2: the SUBACK of a SUBSCRIBE we sent ([MQTT-3.8.4-2]), one code per filter
        // ([MQTT-3.8.4-6] / [MQTT-3.9.3-1]).
        let Some(p) = self.pending_slot(s.packet_id, Pending::Subscribe) else {
            return self.fail(ReasonCode::ProtocolError, now);
        };
        if s.reason_codes.len() != usize::from(p.count) {
            return self.fail(ReasonCode::ProtocolError, now);
        }
        *p = PendingSlot::FREE;
        self.mark_id(s.packet_id.get(), false);
        if s.reason_codes.iter().any(|c| rules::granted(c).is_some()) {
            self.subscribed = true;
        }
        let seq = self.seq();
        self.delivery = Some((seq, Delivery::Subscribed));
    }

    fn on_unsuback(&mut self, u: &UnsubAck<Borrowed<'_>>, now: Millis) {
        // UAK-3: the UNSUBACK of an UNSUBSCRIBE we sent; UAK-4: 5.0, one code per filter
        // ([MQTT-3.11.3-1]).
        let v5 = self.config.version.is_v5();
        let Some(p) = self.pending_slot(u.packet_id, Pending::Unsubscribe) else {
            return self.fail(ReasonCode::ProtocolError, now);
        };
        if v5 && u.reason_codes.len() != usize::from(p.count) {
            return self.fail(ReasonCode::ProtocolError, now);
        }
        *p = PendingSlot::FREE;
        self.mark_id(u.packet_id.get(), false);
        let seq = self.seq();
        self.delivery = Some((seq, Delivery::Unsubscribed));
    }

    fn pending_slot(&mut self, id: PacketId, state: Pending) -> Option<&mut PendingSlot> {
        self.pending
            .iter_mut()
            .find(|p| p.packet_id == id.get() && p.state == state)
    }

    /// Writes what waits, as the transmit buffer's room allows: the acknowledgements the
    /// application gave, in arrival order; after a resumed session, the PUBRELs again in
    /// the order their PUBRECs came ([MQTT-4.6.0-4]) and the unacknowledged PUBLISHes (DUP)
    /// in their first order ([MQTT-4.4.0-1], [MQTT-4.6.0-1]), as many as the server's
    /// Receive Maximum takes on this connection ([MQTT-3.3.4-7]: its quota starts again
    /// with each one); then queued PUBLISHes while the in-flight window has room.
    fn pump(&mut self, now: Millis) {
        if self.state != State::Connected {
            return;
        }
        self.flush_acks(now);
        if !self.pump_due {
            return;
        }
        // One look at the records says whether there is anything to resend or to send.
        let (mut in_flight, mut resends, mut queued) = (0usize, false, false);
        for o in self.outgoing.iter() {
            in_flight = in_flight.saturating_add(usize::from(o.in_window()));
            resends |= o.resend;
            queued |= o.state == Out::Queued;
        }
        let window = usize::from(self.server.window(self.config.max_inflight));
        while let Some(i) = self.next_resend(window).filter(|_| resends) {
            let Some(o) = self.outgoing.get(i).copied() else {
                return;
            };
            let sent = match (o.state, PacketId::new(o.packet_id)) {
                // Resent to a server that now takes less (5.0 Maximum Packet Size): it
                // would refuse it on every connection, so the message fails here. At QoS 2
                // the server may hold its identifier (see `Out::Held`).
                (Out::Sent, Some(id)) if self.server.check_len(o.frame.len as usize).is_err() => {
                    if let Some(slot) = self.outgoing.get_mut(i) {
                        let failure = PublishFailure::Refused(ReasonCode::PacketTooLarge);
                        let hold = o.qos == QoS::ExactlyOnce;
                        slot.end(
                            id,
                            Outcome::Failed(failure),
                            hold,
                            &mut self.messages,
                            &mut self.seq,
                        );
                    }
                    continue;
                }
                (Out::Sent, _) => self.send_frame(o.frame, true, now),
                (Out::Released { .. }, Some(id)) => self
                    .answer(Packet::PubRel, id, ReasonCode::Success, now)
                    .is_ok(),
                _ => true,
            };
            if !sent {
                return;
            }
            if let Some(o) = self.outgoing.get_mut(i) {
                o.resend = false;
            }
        }
        // Resends still waiting for room in the window keep the pump going.
        let resends_left = resends && self.outgoing.iter().any(|o| o.resend);
        if !queued {
            self.pump_due = resends_left;
            return;
        }
        loop {
            if in_flight >= window {
                return;
            }
            let Some(i) = self.oldest_out(|o| o.state == Out::Queued) else {
                self.pump_due = resends_left;
                return;
            };
            let Some(o) = self.outgoing.get(i).copied() else {
                return;
            };
            // Accepted before this server said what it takes (its Maximum Packet Size,
            // Maximum QoS and Retain Available, [MQTT-3.2.2-11], [MQTT-3.2.2-14]): what it
            // would refuse fails here rather than go out.
            let retained = self
                .messages
                .get(o.frame)
                .first()
                .is_some_and(|b| b & 1 != 0);
            let refusal = if self.server.check_len(o.frame.len as usize).is_err() {
                Some(ReasonCode::PacketTooLarge)
            } else if o.qos > self.server.maximum_qos {
                Some(ReasonCode::QoSNotSupported)
            } else if retained && !self.server.retain_available {
                Some(ReasonCode::RetainNotSupported)
            } else {
                None
            };
            if let Some(reason) = refusal {
                if let (Some(slot), Some(id)) =
                    (self.outgoing.get_mut(i), PacketId::new(o.packet_id))
                {
                    slot.fail(
                        id,
                        PublishFailure::Refused(reason),
                        &mut self.messages,
                        &mut self.seq,
                    );
                }
                continue;
            }
            if !self.send_frame(o.frame, false, now) {
                return;
            }
            if let Some(slot) = self.outgoing.get_mut(i) {
                slot.state = Out::Sent;
            }
            in_flight = in_flight.saturating_add(1);
        }
    }

    /// The next record to send again after a resumed session: a PUBREL first, then a
    /// PUBLISH while fewer than `window` flows are under way on this connection (those
    /// already sent again on it). `None` when nothing may go now.
    fn next_resend(&self, window: usize) -> Option<usize> {
        let released = |o: &OutSlot| o.resend && is_released(o.state);
        if let Some(i) = self.oldest_out_by(released, OutSlot::pubrec_order) {
            return Some(i);
        }
        let under_way = self
            .outgoing
            .iter()
            .filter(|o| o.in_window() && !o.resend)
            .count();
        if under_way >= window {
            return None;
        }
        self.oldest_out(|o| o.resend && o.state == Out::Sent)
    }

    /// The outgoing record first in order among those `pick` chooses.
    fn oldest_out(&self, pick: impl Fn(&OutSlot) -> bool) -> Option<usize> {
        self.oldest_out_by(pick, |o| o.order)
    }

    /// The outgoing record first by `order` (a stamp of the session's sequence) among those
    /// `pick` chooses.
    fn oldest_out_by(
        &self,
        pick: impl Fn(&OutSlot) -> bool,
        order: impl Fn(&OutSlot) -> u32,
    ) -> Option<usize> {
        let next = self.next_order;
        let mut best: Option<(usize, u32)> = None;
        for (i, o) in self.outgoing.iter().enumerate() {
            let at = order(o);
            if pick(o) && best.map_or(true, |(_, b)| before(at, b, next)) {
                best = Some((i, at));
            }
        }
        best.map(|(i, _)| i)
    }

    /// Whether PUBLISHes go out with topic aliases: the server takes them (5.0), and this
    /// session keeps a table of them (only the allocating session does: without `alloc`
    /// the aliasing code is left out of the build).
    fn aliasing(&self) -> bool {
        cfg!(feature = "alloc")
            && self.server.topic_alias_maximum > 0
            && self.out_aliases.limit() > 0
    }

    /// Sends a QoS 0 PUBLISH; with topic aliases through the message area, as a stored
    /// one.
    fn send_publish(&mut self, p: &Publish<Borrowed<'_>>, now: Millis) -> Result<(), SessionError> {
        let packet = Packet::Publish(p.clone());
        if !self.aliasing() {
            return self.send(&packet, now);
        }
        self.send_publish_aliased(&packet, now)
    }

    #[cfg(not(feature = "alloc"))]
    fn send_publish_aliased(
        &mut self,
        packet: &PacketRef<'_>,
        now: Millis,
    ) -> Result<(), SessionError> {
        self.send(packet, now)
    }

    /// Copies a stored PUBLISH into the transmit buffer, with DUP set when `dup`; false
    /// when there is no room for it yet.
    fn send_frame(&mut self, frame: Span, dup: bool, now: Millis) -> bool {
        #[cfg(feature = "alloc")]
        if self.aliasing() {
            let sent = self.send_aliased(frame, dup, now);
            return !matches!(sent, Err(SessionError::TransmitFull { .. }));
        }
        let start = self.tx_len;
        if !self.tx_room(frame.len as usize) {
            return false;
        }
        let bytes = self.messages.get(frame);
        let Some(out) = self.tx.get_mut(start..start.saturating_add(bytes.len())) else {
            return false;
        };
        out.copy_from_slice(bytes);
        if let (true, Some(first)) = (dup, out.first_mut()) {
            *first |= 0x08;
        }
        self.tx_len = start.saturating_add(bytes.len());
        self.timers.last_sent = now;
        true
    }

    /// Sends the acknowledgements the application gave, in the order the messages came.
    /// Between connections they are dropped, not kept for the next one: the server resends
    /// the message, and a QoS 2 one is then answered without being delivered again. (Sent
    /// after the reconnect, a PUBACK could cross the server's resend, which would then be
    /// taken for a new message while the server reuses the identifier.)
    fn flush_acks(&mut self, now: Millis) {
        if !self.acks_due {
            return;
        }
        loop {
            let next = self.next_order;
            let mut first: Option<(usize, u32)> = None;
            for (i, s) in self.incoming.iter().enumerate() {
                if matches!(s.state, In::Owed { .. })
                    && first.map_or(true, |(_, order)| before(s.order, order, next))
                {
                    first = Some((i, s.order));
                }
            }
            let Some((i, _)) = first else {
                self.acks_due = false;
                return;
            };
            let Some(slot) = self.incoming.get(i).copied() else {
                return;
            };
            let In::Owed {
                qos2, acked: true, ..
            } = slot.state
            else {
                // Only `ack` unblocks the first one owed.
                self.acks_due = false;
                return;
            };
            let Some(id) = PacketId::new(slot.packet_id) else {
                return;
            };
            if self.state == State::Connected {
                let make = if qos2 { Packet::PubRec } else { Packet::PubAck };
                if self.answer(make, id, ReasonCode::Success, now).is_err() {
                    return;
                }
            }
            if let Some(s) = self.incoming.get_mut(i) {
                *s = slot.answered(qos2);
            }
        }
    }

    /// Which event comes first: a report (a record's or a notice), or the delivery.
    fn oldest_event(&self) -> Option<Next> {
        let report = match self.seq.waiting {
            0 => None,
            _ => self.oldest_report(),
        };
        let delivery = self.delivery.map(|(seq, _)| seq);
        match (report, delivery) {
            (Some((r, _)), Some(d)) if before(d, r, self.seq.next) => Some(Next::Delivery),
            (Some((_, at)), _) => Some(Next::Report(at)),
            (None, Some(_)) => Some(Next::Delivery),
            (None, None) => None,
        }
    }

    /// The oldest report waiting: its sequence number and where it is.
    fn oldest_report(&self) -> Option<(u32, Report)> {
        let next = self.seq.next;
        let mut best: Option<(u32, Report)> = None;
        let mut consider = |seq: u32, at: Report| {
            if best.map_or(true, |(b, _)| before(seq, b, next)) {
                best = Some((seq, at));
            }
        };
        for (i, o) in self.outgoing.iter().enumerate() {
            if let Out::Done { seq, .. } = o.state {
                consider(seq, Report::Out(i));
            }
        }
        for (i, p) in self.pending.iter().enumerate() {
            if let Pending::Lost { seq, .. } = p.state {
                consider(seq, Report::Pending(i));
            }
        }
        for (i, n) in self.notices.iter().enumerate() {
            if let Some((seq, _)) = n {
                consider(*seq, Report::Notice(i));
            }
        }
        best
    }

    /// Takes the oldest report and frees its record.
    fn take_report<'e>(&mut self, at: Report) -> Option<FixedEvent<'e>> {
        self.seq.waiting = self.seq.waiting.saturating_sub(1);
        match at {
            Report::Out(i) => {
                let slot = self.outgoing.get_mut(i)?;
                let Out::Done { outcome, hold, .. } = slot.state else {
                    return None;
                };
                let packet_id = PacketId::new(slot.packet_id);
                let n = slot.packet_id;
                if hold {
                    self.hold_id(i, n);
                } else {
                    *slot = OutSlot::FREE;
                    self.mark_id(n, false);
                }
                Some(match outcome {
                    Outcome::Published(reason) => FixedEvent::Published {
                        packet_id: packet_id?,
                        reason,
                    },
                    Outcome::Failed(failure) => FixedEvent::PublishFailed {
                        packet_id: packet_id?,
                        failure,
                    },
                })
            }
            Report::Pending(i) => {
                let slot = self.pending.get_mut(i)?;
                let Pending::Lost { unsubscribe, .. } = slot.state else {
                    return None;
                };
                let packet_id = PacketId::new(slot.packet_id)?;
                *slot = PendingSlot::FREE;
                self.mark_id(packet_id.get(), false);
                Some(match unsubscribe {
                    true => FixedEvent::UnsubscribeLost { packet_id },
                    false => FixedEvent::SubscribeLost { packet_id },
                })
            }
            Report::Notice(i) => {
                let (_, notice) = self.notices.get_mut(i)?.take()?;
                Some(notice.event())
            }
        }
    }
}

/// The numbering of events: each report (an outgoing record's end, a lost SUBSCRIBE or
/// UNSUBSCRIBE, a notice) and each delivery gets the next number, so that they come out in
/// the order they happened; `waiting` counts the reports not taken yet, so that polling
/// skips the scan of the records when there is none.
#[derive(Clone, Copy, Debug, Default)]
struct Sequence {
    next: u32,
    waiting: u32,
}

impl Sequence {
    /// The number of a delivery.
    fn stamp(&mut self) -> u32 {
        let n = self.next;
        self.next = n.wrapping_add(1);
        n
    }

    /// The number of a report, which now waits to be taken.
    fn report(&mut self) -> u32 {
        self.waiting = self.waiting.saturating_add(1);
        self.stamp()
    }
}

/// Where a report waits.
#[derive(Clone, Copy, Debug)]
enum Report {
    Out(usize),
    Pending(usize),
    Notice(usize),
}

impl OutSlot {
    /// The flow ended with the server's `reason`: a success or a refusal, reported next.
    fn finish(
        &mut self,
        id: PacketId,
        reason: ReasonCode,
        messages: &mut Arena<'_>,
        seq: &mut Sequence,
    ) {
        let outcome = match reason.is_error() {
            true => Outcome::Failed(PublishFailure::Refused(reason)),
            false => Outcome::Published(reason),
        };
        self.end(id, outcome, false, messages, seq);
    }

    /// The flow will not complete, for `failure`.
    fn fail(
        &mut self,
        id: PacketId,
        failure: PublishFailure,
        messages: &mut Arena<'_>,
        seq: &mut Sequence,
    ) {
        self.end(id, Outcome::Failed(failure), false, messages, seq);
    }

    /// The flow is over with `outcome`, reported next; the record then keeps the
    /// identifier when `hold` ([`Out::Held`]).
    fn end(
        &mut self,
        id: PacketId,
        outcome: Outcome,
        hold: bool,
        messages: &mut Arena<'_>,
        seq: &mut Sequence,
    ) {
        messages.free(&mut self.frame);
        self.packet_id = id.get();
        self.resend = false;
        self.state = Out::Done {
            seq: seq.report(),
            outcome,
            hold,
        };
    }
}

/// The one subscription of [`FixedSession::subscribe`], from its checked filter and options.
fn one_subscription(filter: &[u8], options: u8) -> Option<Subscription<Borrowed<'_>>> {
    Some(Subscription {
        filter: TopicFilter::from_validated(MqttStr::from_validated(filter)),
        options: SubscriptionOptions::from_byte(options, ProtocolVersion::V5).ok()?,
    })
}

/// The one filter of [`FixedSession::unsubscribe`], checked already.
fn one_filter(filter: &[u8], _: u8) -> Option<MqttStr<&[u8]>> {
    Some(MqttStr::from_validated(filter))
}

/// Our PUBLISH `id` of `qos` in `slots`, when `stage` picks its state.
fn out_slot(
    slots: &mut [OutSlot],
    id: PacketId,
    stage: fn(Out) -> bool,
    qos: QoS,
) -> Option<&mut OutSlot> {
    slots
        .iter_mut()
        .find(|o| o.packet_id == id.get() && stage(o.state) && o.qos == qos)
}

/// PUBACK or PUBREC awaited.
fn is_sent(state: Out) -> bool {
    state == Out::Sent
}

/// PUBCOMP awaited.
fn is_released(state: Out) -> bool {
    matches!(state, Out::Released { .. })
}

/// Identifier `n` in use (`used`) or not in the identifier table `ids`; nothing when the
/// table does not cover it (the records are searched instead).
pub(super) fn mark(ids: &mut [u64], n: u16, used: bool) {
    if let Some(word) = ids.get_mut(usize::from(n / 64)) {
        let bit = 1u64 << (n % 64);
        match used {
            true => *word |= bit,
            false => *word &= !bit,
        }
    }
}
