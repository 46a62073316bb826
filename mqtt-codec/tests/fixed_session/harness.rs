//! The harness: storage of chosen sizes, a peer that drives the session as a server
//! would, and the packets the tests send and expect.

pub(crate) use mqtt_codec::client::{
    AliasSlot, FixedConfig, FixedEvent, FixedSession, FixedStorage, FixedWill, InSlot, Millis,
    OutSlot, PendingSlot, PublishFailure, SessionError,
};
pub(crate) use mqtt_codec::{
    parse, Auth, ConnAck, Connect, Decoder, Disconnect, MqttStr, Packet, PacketId, PacketRef,
    ParseOptions, ProtocolVersion, PubResponse, Publish, QoS, ReasonCode, Status, SubAck,
    Subscribe, Subscription, SubscriptionOptions, TopicFilter, TopicName, UnsubAck, Unsubscribe,
    UserProperty,
};

pub(crate) const V3: ProtocolVersion = ProtocolVersion::V3_1_1;
pub(crate) const V5: ProtocolVersion = ProtocolVersion::V5;
pub(crate) const VERSIONS: [ProtocolVersion; 2] = [V3, V5];

/// How large each piece of the storage is.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sizes {
    pub(crate) outgoing: usize,
    pub(crate) messages: usize,
    pub(crate) incoming: usize,
    pub(crate) pending: usize,
    pub(crate) aliases: usize,
    pub(crate) alias_topics: usize,
    pub(crate) rx: usize,
    pub(crate) tx: usize,
}

/// Room for everything the tests do unless they say otherwise.
pub(crate) const SIZES: Sizes = Sizes {
    outgoing: 8,
    messages: 2048,
    incoming: 8,
    pending: 4,
    aliases: 0,
    alias_topics: 0,
    rx: 512,
    tx: 512,
};

pub(crate) fn leak<T: Clone>(value: T, n: usize) -> &'static mut [T] {
    Vec::leak(vec![value; n])
}

/// Storage of `sizes`, every record free (the session frees them again itself).
pub(crate) fn storage(s: Sizes) -> FixedStorage<'static> {
    FixedStorage {
        outgoing: leak(OutSlot::FREE, s.outgoing),
        messages: leak(0u8, s.messages),
        incoming: leak(InSlot::FREE, s.incoming),
        pending: leak(PendingSlot::FREE, s.pending),
        aliases: leak(AliasSlot::FREE, s.aliases),
        alias_topics: leak(0u8, s.alias_topics),
        rx: leak(0u8, s.rx),
        tx: leak(0u8, s.tx),
    }
}

pub(crate) fn pid(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

pub(crate) fn topic(name: &str) -> TopicName {
    TopicName::new(name).unwrap()
}

pub(crate) fn config(version: ProtocolVersion) -> FixedConfig<'static> {
    FixedConfig::new("client-1", version)
}

/// A configuration whose session outlives the connection: 3.1.1 with clean session 0,
/// 5.0 with a Session Expiry Interval.
pub(crate) fn persistent(version: ProtocolVersion) -> FixedConfig<'static> {
    let mut c = config(version);
    if version.is_v5() {
        c.session_expiry_interval = 3600;
    } else {
        c.clean_start = false;
    }
    c
}

/// A [`FixedEvent`] made owned, so that it outlives the session's buffers.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Ev {
    Connected {
        session_present: bool,
        connack: ConnAck,
    },
    Refused {
        reason: ReasonCode,
        server_speaks_v3: bool,
    },
    Message {
        publish: Publish,
        ack: Option<PacketId>,
    },
    Published {
        packet_id: PacketId,
        reason: ReasonCode,
    },
    PublishFailed {
        packet_id: PacketId,
        failure: PublishFailure,
    },
    Subscribed(SubAck),
    Unsubscribed(UnsubAck),
    SubscribeLost(PacketId),
    UnsubscribeLost(PacketId),
    SubscriptionsLost,
    Disconnected {
        reason: Option<ReasonCode>,
        by_server: bool,
    },
}

pub(crate) fn own(event: FixedEvent<'_>) -> Ev {
    match event {
        FixedEvent::Connected {
            session_present,
            connack,
        } => match PacketRef::ConnAck(connack).to_owned() {
            Packet::ConnAck(connack) => Ev::Connected {
                session_present,
                connack,
            },
            other => unreachable!("{other:?}"),
        },
        FixedEvent::ConnectionRefused {
            reason,
            server_speaks_v3,
        } => Ev::Refused {
            reason,
            server_speaks_v3,
        },
        FixedEvent::Message { publish, ack } => Ev::Message {
            publish: publish.to_owned(),
            ack,
        },
        FixedEvent::Published { packet_id, reason } => Ev::Published { packet_id, reason },
        FixedEvent::PublishFailed { packet_id, failure } => {
            Ev::PublishFailed { packet_id, failure }
        }
        FixedEvent::Subscribed(suback) => match PacketRef::SubAck(suback).to_owned() {
            Packet::SubAck(s) => Ev::Subscribed(s),
            other => unreachable!("{other:?}"),
        },
        FixedEvent::Unsubscribed(unsuback) => match PacketRef::UnsubAck(unsuback).to_owned() {
            Packet::UnsubAck(u) => Ev::Unsubscribed(u),
            other => unreachable!("{other:?}"),
        },
        FixedEvent::SubscribeLost { packet_id } => Ev::SubscribeLost(packet_id),
        FixedEvent::UnsubscribeLost { packet_id } => Ev::UnsubscribeLost(packet_id),
        FixedEvent::Reauthenticated => unreachable!("the heap-free session does not authenticate"),
        FixedEvent::SubscriptionsLost => Ev::SubscriptionsLost,
        FixedEvent::Disconnected { reason, by_server } => Ev::Disconnected { reason, by_server },
    }
}

/// A session and the server's view of the connection. The harness behaves as a careful
/// application: it feeds every received byte, polling events and writing out the transmit
/// buffer whenever the session takes no more, so that the events and the packets sent
/// can be read afterwards ([`Peer::events`], [`Peer::sent`]).
pub(crate) struct Peer {
    pub(crate) session: FixedSession<'static>,
    /// Decodes what the session sends; a new one per connection (CONNECT first).
    pub(crate) server: Decoder,
    pub(crate) version: ProtocolVersion,
    pub(crate) now: Millis,
    /// Packets the session wrote that no test has looked at yet.
    pub(crate) outbox: Vec<Packet>,
    /// Events polled that no test has looked at yet.
    pub(crate) inbox: Vec<Ev>,
}

impl Peer {
    pub(crate) fn new(config: FixedConfig<'static>) -> Self {
        Peer::sized(config, SIZES)
    }

    pub(crate) fn sized(config: FixedConfig<'static>, sizes: Sizes) -> Self {
        let version = config.version;
        Peer {
            session: FixedSession::new(config, storage(sizes)),
            server: Decoder::server(),
            version,
            now: 1_000,
            outbox: Vec::new(),
            inbox: Vec::new(),
        }
    }

    /// A session connected with a plain accepting CONNACK; the events are consumed.
    pub(crate) fn connected(config: FixedConfig<'static>) -> Self {
        Peer::connected_sized(config, SIZES)
    }

    pub(crate) fn connected_sized(config: FixedConfig<'static>, sizes: Sizes) -> Self {
        let mut p = Peer::sized(config, sizes);
        p.connect();
        let events = p.connack(ConnAck::new(ReasonCode::Success));
        assert!(
            matches!(events[..], [Ev::Connected { .. }]),
            "not connected: {events:?}"
        );
        p
    }

    /// A session connected with `connack`; the events are consumed.
    pub(crate) fn connected_with(config: FixedConfig<'static>, connack: ConnAck) -> Self {
        let mut p = Peer::new(config);
        p.connect();
        let events = p.connack(connack);
        assert!(
            matches!(events[..], [Ev::Connected { .. }]),
            "not connected: {events:?}"
        );
        p
    }

    /// `connect`, and the CONNECT it sent. What the old connection still had to write is
    /// written to it first (and dropped here).
    pub(crate) fn connect(&mut self) -> Box<Connect> {
        self.drain_tx();
        self.outbox.clear();
        self.session.connect(self.now).unwrap();
        self.server = Decoder::server();
        let mut sent = self.sent();
        assert_eq!(sent.len(), 1, "connect sends CONNECT alone: {sent:?}");
        match sent.remove(0) {
            Packet::Connect(c) => c,
            other => panic!("not a CONNECT: {other:?}"),
        }
    }

    /// Sends `connack` and returns the events.
    pub(crate) fn connack(&mut self, connack: ConnAck) -> Vec<Ev> {
        self.send(Packet::ConnAck(connack));
        self.events()
    }

    /// An accepting CONNACK with `session_present`; returns the events.
    pub(crate) fn accept(&mut self, session_present: bool) -> Vec<Ev> {
        let mut ack = ConnAck::new(ReasonCode::Success);
        ack.session_present = session_present;
        self.connack(ack)
    }

    /// The server sends `packet`.
    pub(crate) fn send(&mut self, packet: Packet) {
        let bytes = packet.to_bytes(self.version).unwrap();
        self.send_raw(&bytes);
    }

    /// The server sends raw bytes: fed until all are taken, with the events polled and the
    /// output written whenever the session takes no more.
    pub(crate) fn send_raw(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        loop {
            let taken = self.session.receive(rest, self.now);
            assert!(taken <= rest.len());
            rest = &rest[taken..];
            let mut progress = taken > 0;
            while let Some(e) = self.session.poll_event(self.now) {
                self.inbox.push(own(e));
                progress = true;
            }
            progress |= self.drain_tx();
            if !progress {
                assert!(rest.is_empty(), "{} bytes never taken", rest.len());
                return;
            }
        }
    }

    /// Writes out everything the session has to send; true if there was something.
    pub(crate) fn drain_tx(&mut self) -> bool {
        let mut any = false;
        while let Some(bytes) = self.session.poll_transmit(self.now) {
            assert!(!bytes.is_empty());
            any = true;
            self.server.feed(bytes);
            while let Some(p) = self.server.next_packet().unwrap() {
                self.outbox.push(p);
            }
        }
        any
    }

    /// Everything the session sent since the last call, decoded.
    pub(crate) fn sent(&mut self) -> Vec<Packet> {
        self.drain_tx();
        std::mem::take(&mut self.outbox)
    }

    /// Every event since the last call.
    pub(crate) fn events(&mut self) -> Vec<Ev> {
        self.send_raw(&[]);
        std::mem::take(&mut self.inbox)
    }

    /// Time moves to `now` and the session is told.
    pub(crate) fn at(&mut self, now: Millis) {
        self.now = now;
        self.session.handle_timeout(now);
    }

    /// Publishes 200 bytes on "a" at `qos` (1 or 2): more than [`resumed_taking`]`(64)`
    /// lets be sent again.
    pub(crate) fn publish_big(&mut self, qos: QoS) -> PacketId {
        let now = self.now;
        self.session
            .publish_message("a", &[0u8; 200], qos, false, now)
            .unwrap()
            .unwrap()
    }

    pub(crate) fn publish(&mut self, name: &str, qos: QoS) -> Option<PacketId> {
        self.session
            .publish_message(name, b"payload", qos, false, self.now)
            .unwrap()
    }

    pub(crate) fn subscribe(&mut self, filter: &str, qos: QoS) -> PacketId {
        self.session
            .subscribe(filter, SubscriptionOptions::new(qos), self.now)
            .unwrap()
    }

    /// The connection is lost; returns the events.
    pub(crate) fn lose(&mut self) -> Vec<Ev> {
        self.session.connection_lost(self.now);
        self.events()
    }

    /// The server broke a rule: the session reports it, sends DISCONNECT with `reason` in
    /// 5.0 (3.1.1 can only close), and is no longer connected.
    pub(crate) fn assert_broke_rule(&mut self, reason: ReasonCode) {
        let events = self.events();
        assert_eq!(
            events.last(),
            Some(&Ev::Disconnected {
                reason: Some(reason),
                by_server: false,
            }),
            "{events:?}"
        );
        assert!(!self.session.is_connected());
        assert_eq!(self.session.next_timeout(), None);
        let sent = self.sent();
        if self.version.is_v5() {
            assert_eq!(sent, vec![Packet::Disconnect(Disconnect::new(reason))]);
        } else {
            assert_eq!(sent, vec![], "3.1.1 closes without a word");
        }
    }
}

/// An accepting CONNACK that resumes the session, from a server that now takes packets of
/// `max` bytes at most (5.0 Maximum Packet Size).
pub(crate) fn resumed_taking(max: u32) -> ConnAck {
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.session_present = true;
    ack.properties.maximum_packet_size = Some(max);
    ack
}

pub(crate) fn publish_in(id: u16, qos: QoS, name: &str, payload: &'static str) -> Publish {
    Publish::with_qos(topic(name), payload, qos, pid(id))
}

pub(crate) fn puback(id: u16) -> Packet {
    Packet::PubAck(PubResponse::new(pid(id)))
}

pub(crate) fn pubrec(id: u16) -> Packet {
    Packet::PubRec(PubResponse::new(pid(id)))
}

pub(crate) fn pubrel(id: u16) -> Packet {
    Packet::PubRel(PubResponse::new(pid(id)))
}

pub(crate) fn pubcomp(id: u16) -> Packet {
    Packet::PubComp(PubResponse::new(pid(id)))
}

pub(crate) fn with_code(packet: Packet, code: ReasonCode) -> Packet {
    match packet {
        Packet::PubAck(mut a) => {
            a.reason_code = code;
            Packet::PubAck(a)
        }
        Packet::PubRec(mut a) => {
            a.reason_code = code;
            Packet::PubRec(a)
        }
        Packet::PubRel(mut a) => {
            a.reason_code = code;
            Packet::PubRel(a)
        }
        Packet::PubComp(mut a) => {
            a.reason_code = code;
            Packet::PubComp(a)
        }
        other => panic!("no reason code on {other:?}"),
    }
}

pub(crate) fn sub(filter: &str, qos: QoS) -> Subscription {
    Subscription::new(TopicFilter::new(filter).unwrap(), qos)
}

/// The PUBLISH in a sent packet.
pub(crate) fn as_publish(packet: &Packet) -> &Publish {
    match packet {
        Packet::Publish(p) => p,
        other => panic!("not a PUBLISH: {other:?}"),
    }
}

/// The identifiers of sent PUBLISHes.
pub(crate) fn publish_ids(sent: &[Packet]) -> Vec<PacketId> {
    sent.iter()
        .map(|s| as_publish(s).packet_id.unwrap())
        .collect()
}

pub(crate) fn published(id: PacketId) -> Ev {
    Ev::Published {
        packet_id: id,
        reason: ReasonCode::Success,
    }
}

pub(crate) fn session_lost(id: PacketId) -> Ev {
    Ev::PublishFailed {
        packet_id: id,
        failure: PublishFailure::SessionLost,
    }
}

pub(crate) fn lost_connection() -> Ev {
    Ev::Disconnected {
        reason: None,
        by_server: false,
    }
}

pub(crate) fn message(publish: Publish) -> Ev {
    Ev::Message { publish, ack: None }
}

pub(crate) fn unsuback(version: ProtocolVersion, id: PacketId, count: usize) -> Packet {
    let codes = if version.is_v5() {
        vec![ReasonCode::Success; count]
    } else {
        vec![]
    };
    Packet::UnsubAck(UnsubAck::new(id, codes))
}

/// An encoded packet parsed back as the view the session's borrowed API takes.
pub(crate) fn view(bytes: &[u8], version: ProtocolVersion) -> PacketRef<'_> {
    match parse(bytes, &ParseOptions::new(version)).unwrap() {
        Status::Complete((packet, used)) => {
            assert_eq!(used, bytes.len());
            packet
        }
        Status::Partial(n) => panic!("{n} bytes short"),
    }
}
