//! An in-memory harness for the sans-IO broker core, in the style of quinn-proto's tests:
//! no sockets and no sleeps. The harness owns a [`Broker`] and a fake clock in milliseconds;
//! every client connection has its own client-side [`Decoder`], so what the broker sends is
//! decoded exactly as a real client of that protocol version would decode it.
#![allow(dead_code)]

use mqtt_codec::broker::{
    Action, Broker, BrokerConfig, BrokerStats, ConnId, Level, Millis, Restored, SnPeer,
    StoreChange, StoreError, StoredRecord,
};
use mqtt_codec::{
    ConnAck, Connect, Decoder, Disconnect, MqttStr, Packet, PacketId, PacketType, Properties,
    ProtocolVersion, PubResponse, Publish, QoS, ReasonCode, SubAck, Subscribe, Subscription,
    SubscriptionOptions, TopicFilter, TopicName, Unsubscribe, Will,
};
use std::collections::{BTreeMap, VecDeque};

pub const V31: ProtocolVersion = ProtocolVersion::V3_1;
pub const V311: ProtocolVersion = ProtocolVersion::V3_1_1;
pub const V5: ProtocolVersion = ProtocolVersion::V5;

/// The client side of one connection, as the harness sees it.
struct Client {
    version: ProtocolVersion,
    decoder: Decoder,
    inbox: VecDeque<Packet>,
    closed: bool,
    /// The broker asked not to be given this connection's bytes for now (flow control):
    /// what the client sends meanwhile waits here, as it would in a socket.
    paused: bool,
    held: Vec<u8>,
}

/// The broker, its clock, and the client ends of the connections.
pub struct Harness {
    pub broker: Broker,
    now: Millis,
    clients: BTreeMap<ConnId, Client>,
    logs: Vec<(Level, String)>,
    /// Datagrams the gateway sent, by peer, in order.
    datagrams: BTreeMap<SnPeer, VecDeque<bytes::Bytes>>,
    /// ADVERTISEs the gateway sent.
    advertisements: Vec<bytes::Bytes>,
    /// The wall clock at monotonic time 0.
    wall_offset: u64,
    /// The store, when the broker persists: written before each action is carried out, as
    /// the I/O loop must.
    pub store: Option<MemStore>,
}

/// The wall clock of the harness: its monotonic clock plus a fixed epoch.
pub const WALL_EPOCH: u64 = 1_800_000_000_000;

/// An in-memory store, applying [`StoreChange`]s as a database would.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemStore {
    pub sessions: BTreeMap<String, Vec<u8>>,
    pub messages: BTreeMap<(String, u64), Vec<u8>>,
    pub retained: BTreeMap<String, Vec<u8>>,
}

impl MemStore {
    pub fn apply(&mut self, changes: Vec<StoreChange>) {
        for change in changes {
            match change {
                StoreChange::Session { client_id, record } => {
                    self.sessions.insert(client_id, record);
                }
                StoreChange::SessionGone { client_id } => {
                    self.sessions.remove(&client_id);
                    self.messages.retain(|(c, _), _| *c != client_id);
                }
                StoreChange::Message {
                    client_id,
                    seq,
                    record,
                } => {
                    self.messages.insert((client_id, seq), record);
                }
                StoreChange::MessageGone { client_id, seq } => {
                    self.messages.remove(&(client_id, seq));
                }
                StoreChange::Retained { topic, record } => {
                    self.retained.insert(topic, record);
                }
                StoreChange::RetainedGone { topic } => {
                    self.retained.remove(&topic);
                }
                other => panic!("a store change the harness does not know: {other:?}"),
            }
        }
    }

    /// Every record, as a restore reads them.
    pub fn records(&self) -> Vec<StoredRecord<'_>> {
        let sessions = self.sessions.iter().map(|(c, r)| StoredRecord::Session {
            client_id: c,
            record: r,
        });
        let messages = self
            .messages
            .iter()
            .map(|((c, seq), r)| StoredRecord::Message {
                client_id: c,
                seq: *seq,
                record: r,
            });
        let retained = self.retained.iter().map(|(t, r)| StoredRecord::Retained {
            topic: t,
            record: r,
        });
        sessions.chain(messages).chain(retained).collect()
    }
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new(BrokerConfig::default())
    }
}

impl Harness {
    /// A broker with `config`, the clock at 0.
    pub fn new(config: BrokerConfig) -> Self {
        Harness {
            broker: Broker::new(config),
            now: 0,
            clients: BTreeMap::new(),
            logs: Vec::new(),
            datagrams: BTreeMap::new(),
            advertisements: Vec::new(),
            store: None,
            wall_offset: WALL_EPOCH,
        }
    }

    /// A broker that persists into an empty [`MemStore`].
    pub fn persistent(config: BrokerConfig) -> Self {
        let mut h = Harness::new(config);
        h.restore(MemStore::default())
            .expect("an empty store restores");
        h
    }

    /// Restores the broker from `store` (which it then writes to).
    pub fn restore(&mut self, store: MemStore) -> Result<Restored, StoreError> {
        let restored =
            self.broker
                .restore(store.records(), self.now, self.wall_offset + self.now)?;
        self.store = Some(store);
        self.pump();
        Ok(restored)
    }

    /// The broker process dies (nothing more is written) and a new one starts from the
    /// store after `down_ms` of wall-clock time, on a monotonic clock that starts again at
    /// 0 (so `now` is 0 afterwards). Every connection is gone; clients reconnect with new
    /// connection ids.
    pub fn crash_and_restart(&mut self, down_ms: u64) -> Restored {
        let config = self.broker.config().clone();
        self.crash_and_restart_with(config, down_ms)
    }

    /// [`Harness::crash_and_restart`] into a broker with another configuration.
    pub fn crash_and_restart_with(&mut self, config: BrokerConfig, down_ms: u64) -> Restored {
        let store = self.store.take().expect("the broker does not persist");
        let wall = WALL_EPOCH + self.now + down_ms;
        self.broker = Broker::new(config);
        self.clients.clear();
        self.now = 0;
        let restored = self
            .broker
            .restore(store.records(), 0, wall)
            .expect("the store restores");
        self.wall_offset = wall;
        self.store = Some(store);
        self.pump();
        restored
    }

    /// Writes what changed to the store, if the broker persists.
    fn commit(&mut self) {
        if let Some(store) = &mut self.store {
            store.apply(
                self.broker
                    .store_changes(self.now, self.wall_offset + self.now),
            );
        }
    }

    /// An MQTT-SN datagram from `peer` to the gateway.
    pub fn sn_send_bytes(&mut self, peer: SnPeer, data: &[u8]) {
        self.broker.datagram_received(peer, data, self.now);
        self.pump();
    }

    /// An MQTT-SN message from `peer` to the gateway.
    pub fn sn_send(&mut self, peer: SnPeer, message: &mqtt_codec::sn::Message<&[u8]>) {
        let data = message.to_vec().expect("the test's message encodes");
        self.sn_send_bytes(peer, &data);
    }

    /// The datagrams the gateway sent `peer` since the last call, each parsed (a
    /// forwarder's envelope stays one, as the peer receives it).
    pub fn sn_received(&mut self, peer: SnPeer) -> Vec<mqtt_codec::sn::Message<bytes::Bytes>> {
        self.datagrams
            .remove(&peer)
            .unwrap_or_default()
            .into_iter()
            .map(|d| {
                mqtt_codec::sn::parse_bytes(&d, &mqtt_codec::sn::SnOptions::DEFAULT)
                    .unwrap_or_else(|e| panic!("the gateway sent an invalid datagram {d:?}: {e}"))
            })
            .collect()
    }

    /// An MQTT-SN 2.0 packet from `peer` to the gateway.
    pub fn sn2_send(&mut self, peer: SnPeer, packet: &mqtt_codec::sn::v2::Packet<&[u8]>) {
        let data = packet.to_vec().expect("the test's packet encodes");
        self.sn_send_bytes(peer, &data);
    }

    /// The datagrams the gateway sent `peer` since the last call, each parsed as 2.0.
    pub fn sn2_received(&mut self, peer: SnPeer) -> Vec<mqtt_codec::sn::v2::Packet<bytes::Bytes>> {
        self.datagrams
            .remove(&peer)
            .unwrap_or_default()
            .into_iter()
            .map(|d| {
                mqtt_codec::sn::v2::parse_bytes(&d).unwrap_or_else(|e| {
                    panic!("the gateway sent an invalid 2.0 datagram {d:?}: {e}")
                })
            })
            .collect()
    }

    /// The ADVERTISEs sent since the last call.
    pub fn sn_advertisements(&mut self) -> Vec<bytes::Bytes> {
        std::mem::take(&mut self.advertisements)
    }

    /// The fake clock.
    pub fn now(&self) -> Millis {
        self.now
    }

    /// Moves the clock forward by `ms` and lets the broker see the time.
    pub fn advance(&mut self, ms: Millis) {
        self.now += ms;
        self.broker.tick(self.now);
        self.pump();
    }

    /// Moves the clock forward by `ms` without a tick: time the I/O loop has not yet shown
    /// the broker, as when a packet is handled before the timer that came due.
    pub fn advance_unticked(&mut self, ms: Millis) {
        self.now += ms;
    }

    /// Moves the clock to the broker's next deadline (which must exist) and ticks.
    pub fn advance_to_deadline(&mut self) -> Millis {
        let deadline = self
            .broker
            .next_deadline()
            .expect("the broker has no deadline");
        assert!(
            deadline >= self.now,
            "deadline {deadline} is in the past (now {})",
            self.now
        );
        self.now = deadline;
        self.broker.tick(self.now);
        self.pump();
        deadline
    }

    /// Opens the network connection `conn`, whose client speaks `version`.
    pub fn open(&mut self, conn: ConnId, version: ProtocolVersion) {
        self.clients.insert(
            conn,
            Client {
                version,
                decoder: Decoder::client(version),
                inbox: VecDeque::new(),
                closed: false,
                paused: false,
                held: Vec::new(),
            },
        );
        self.broker.connection_opened(conn, self.now);
        self.pump();
    }

    /// Lets the client of `conn` accept packets of up to `max` bytes only (its decoder fails
    /// on anything larger, as a real client with Maximum Packet Size would).
    pub fn set_client_max_packet_size(&mut self, conn: ConnId, max: usize) {
        self.client(conn).decoder.set_max_packet_size(max);
    }

    /// Opens `conn` and sends `connect`; returns the CONNACK (and asserts it came first).
    pub fn connect_with(&mut self, conn: ConnId, connect: Connect) -> ConnAck {
        self.open(conn, connect.protocol_version);
        self.send(conn, connect);
        match self.client(conn).inbox.pop_front() {
            Some(Packet::ConnAck(ack)) => ack,
            other => panic!("connection {conn}: expected CONNACK, got {other:?}"),
        }
    }

    /// Opens `conn` and connects `client_id` with `clean` session / clean start and no keep
    /// alive; the connection must be accepted. Returns the CONNACK.
    pub fn connect(
        &mut self,
        conn: ConnId,
        version: ProtocolVersion,
        client_id: &str,
        clean: bool,
    ) -> ConnAck {
        let ack = self.connect_with(conn, connect_packet(version, client_id, clean));
        assert_eq!(
            ack.reason_code,
            ReasonCode::Success,
            "connection {conn} refused: {ack:?}"
        );
        ack
    }

    /// Connects a 5.0 client with clean start 0 and `expiry` seconds of session expiry.
    pub fn connect_v5_persistent(&mut self, conn: ConnId, client_id: &str, expiry: u32) -> ConnAck {
        let mut c = connect_packet(V5, client_id, false);
        c.properties.session_expiry_interval = Some(expiry);
        let ack = self.connect_with(conn, c);
        assert_eq!(
            ack.reason_code,
            ReasonCode::Success,
            "connection {conn} refused: {ack:?}"
        );
        ack
    }

    /// Shuts the broker down and delivers what it sends.
    pub fn shutdown(&mut self) {
        self.broker.shutdown(self.now);
        self.pump();
    }

    /// Encodes `packet` in the connection's version and delivers the bytes to the broker.
    pub fn send(&mut self, conn: ConnId, packet: impl Into<Packet>) {
        let packet = packet.into();
        let version = self.client(conn).version;
        let bytes = packet
            .to_bytes(version)
            .unwrap_or_else(|e| panic!("cannot encode {packet:?} in {version}: {e}"));
        self.send_bytes(conn, &bytes);
    }

    /// Delivers raw bytes on `conn` to the broker (or holds them while the broker has
    /// paused reading the connection).
    pub fn send_bytes(&mut self, conn: ConnId, bytes: &[u8]) {
        let client = self.client(conn);
        if client.paused {
            client.held.extend_from_slice(bytes);
            return;
        }
        self.broker.bytes_received(conn, bytes, self.now);
        self.pump();
    }

    /// Whether the broker has paused reading `conn`.
    pub fn reading_paused(&mut self, conn: ConnId) -> bool {
        self.pump();
        self.client(conn).paused
    }

    /// How many bytes the client sent that the broker has not read yet.
    pub fn held_bytes(&mut self, conn: ConnId) -> usize {
        self.pump();
        self.client(conn).held.len()
    }

    /// The network connection `conn` was lost (not closed by the broker).
    pub fn drop_connection(&mut self, conn: ConnId) {
        self.broker.connection_closed(conn, self.now);
        self.pump();
        self.client(conn).closed = true;
    }

    /// Everything the broker sent to `conn` since the last call, decoded.
    pub fn received(&mut self, conn: ConnId) -> Vec<Packet> {
        self.pump();
        self.client(conn).inbox.drain(..).collect()
    }

    /// Whether the broker closed `conn` (or the harness dropped it).
    pub fn closed(&mut self, conn: ConnId) -> bool {
        self.pump();
        self.client(conn).closed
    }

    /// The broker's counters.
    pub fn stats(&self) -> BrokerStats {
        self.broker.stats()
    }

    /// The log lines so far.
    pub fn logs(&self) -> &[(Level, String)] {
        &self.logs
    }

    fn client(&mut self, conn: ConnId) -> &mut Client {
        self.clients
            .get_mut(&conn)
            .unwrap_or_else(|| panic!("connection {conn} was never opened"))
    }

    /// Drains the broker's actions into the clients' inboxes.
    fn pump(&mut self) {
        self.commit();
        while let Some(action) = self.broker.poll_action() {
            self.commit();
            match action {
                Action::Send { conn, data } => {
                    let client = self
                        .clients
                        .get_mut(&conn)
                        .unwrap_or_else(|| panic!("bytes sent to unknown connection {conn}"));
                    assert!(
                        !client.closed,
                        "connection {conn}: bytes sent after close: {data:?}"
                    );
                    client.decoder.feed(&data);
                    loop {
                        match client.decoder.next_packet() {
                            Ok(Some(p)) => client.inbox.push_back(p),
                            Ok(None) => break,
                            Err(e) => panic!("connection {conn}: the client cannot decode what the broker sent: {e}"),
                        }
                    }
                }
                Action::Close { conn } => {
                    let client = self
                        .clients
                        .get_mut(&conn)
                        .unwrap_or_else(|| panic!("close of unknown connection {conn}"));
                    client.closed = true;
                }
                Action::PauseReading { conn } => self.client(conn).paused = true,
                Action::ResumeReading { conn } => {
                    let client = self.client(conn);
                    client.paused = false;
                    let held = std::mem::take(&mut client.held);
                    if !held.is_empty() {
                        self.broker.bytes_received(conn, &held, self.now);
                    }
                }
                Action::Log { level, message } => self.logs.push((level, message)),
                Action::SendDatagram { peer, data } => {
                    self.datagrams.entry(peer).or_default().push_back(data)
                }
                Action::SnAdvertise { data } => self.advertisements.push(data),
                other => panic!("an action the harness does not know: {other:?}"),
            }
        }
    }

    // ---- conveniences --------------------------------------------------------------------

    /// Subscribes `conn` to `filter` at `qos` (packet id 1) and returns the SUBACK, which
    /// must be the first packet received.
    pub fn subscribe(&mut self, conn: ConnId, filter: &str, qos: QoS) -> SubAck {
        self.subscribe_with(
            conn,
            subscribe_packet(filter, SubscriptionOptions::new(qos)),
        )
    }

    /// Sends `subscribe` and returns its SUBACK, which must be the first packet received.
    /// Packets after it (retained messages) stay for [`Harness::received`].
    pub fn subscribe_with(&mut self, conn: ConnId, subscribe: Subscribe) -> SubAck {
        self.send(conn, subscribe);
        match self.client(conn).inbox.pop_front() {
            Some(Packet::SubAck(ack)) => ack,
            other => panic!("connection {conn}: expected SUBACK, got {other:?}"),
        }
    }

    /// Publishes `payload` on `topic` at QoS 0.
    pub fn publish0(&mut self, conn: ConnId, topic: &str, payload: &str) {
        self.send(conn, Publish::new(topic_name(topic), payload.to_owned()));
    }

    /// Publishes at QoS 1 with packet id `id` and returns the broker's PUBACK.
    pub fn publish1(&mut self, conn: ConnId, topic: &str, payload: &str, id: u16) -> PubResponse {
        self.send(
            conn,
            Publish::with_qos(
                topic_name(topic),
                payload.to_owned(),
                QoS::AtLeastOnce,
                pid(id),
            ),
        );
        self.take_ack(conn, PacketType::PubAck)
    }

    /// Publishes at QoS 2 with packet id `id` and completes the handshake (PUBREC, PUBREL,
    /// PUBCOMP).
    pub fn publish2(&mut self, conn: ConnId, topic: &str, payload: &str, id: u16) {
        self.send(
            conn,
            Publish::with_qos(
                topic_name(topic),
                payload.to_owned(),
                QoS::ExactlyOnce,
                pid(id),
            ),
        );
        let rec = self.take_ack(conn, PacketType::PubRec);
        assert_eq!(rec.reason_code, ReasonCode::Success);
        self.send(conn, Packet::PubRel(PubResponse::new(pid(id))));
        let comp = self.take_ack(conn, PacketType::PubComp);
        assert_eq!(comp.reason_code, ReasonCode::Success);
    }

    /// Removes and returns the first acknowledgement of type `kind` in the inbox of `conn`,
    /// leaving the other packets in place.
    fn take_ack(&mut self, conn: ConnId, kind: PacketType) -> PubResponse {
        self.pump();
        let inbox = &mut self.client(conn).inbox;
        let at = inbox
            .iter()
            .position(|p| p.packet_type() == kind)
            .unwrap_or_else(|| panic!("connection {conn}: no {kind:?} in {inbox:?}"));
        match inbox.remove(at) {
            Some(
                Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a),
            ) => a,
            other => panic!("connection {conn}: {other:?} is not an acknowledgement"),
        }
    }

    /// The PUBLISH packets received on `conn` (other packets are discarded).
    pub fn publishes(&mut self, conn: ConnId) -> Vec<Publish> {
        self.received(conn)
            .into_iter()
            .filter_map(|p| match p {
                Packet::Publish(p) => Some(p),
                _ => None,
            })
            .collect()
    }

    /// The payloads of the PUBLISH packets received on `conn`, as strings.
    pub fn payloads(&mut self, conn: ConnId) -> Vec<String> {
        self.publishes(conn).iter().map(payload).collect()
    }

    /// Acknowledges every QoS 1 and 2 PUBLISH in `packets` (QoS 2: PUBREC, then PUBCOMP for
    /// the broker's PUBREL).
    pub fn ack_all(&mut self, conn: ConnId, publishes: &[Publish]) {
        for p in publishes {
            match (p.qos, p.packet_id) {
                (QoS::AtLeastOnce, Some(id)) => {
                    self.send(conn, Packet::PubAck(PubResponse::new(id)))
                }
                (QoS::ExactlyOnce, Some(id)) => {
                    self.send(conn, Packet::PubRec(PubResponse::new(id)));
                    let rel = self.take_ack(conn, PacketType::PubRel);
                    assert_eq!(rel.packet_id, id);
                    self.send(conn, Packet::PubComp(PubResponse::new(id)));
                }
                _ => {}
            }
        }
    }

    /// Takes and acknowledges what arrives on `conn` until nothing more does (a subscriber
    /// working through its queue); returns the payloads in the order they came.
    pub fn drain_acking(&mut self, conn: ConnId) -> Vec<String> {
        let mut seen = Vec::new();
        let mut pending = self.publishes(conn);
        while !pending.is_empty() {
            seen.extend(pending.iter().map(payload));
            self.ack_all(conn, &pending);
            pending = self.publishes(conn);
        }
        seen
    }

    /// Sends a normal DISCONNECT on `conn`.
    pub fn disconnect(&mut self, conn: ConnId) {
        self.send(conn, Disconnect::new(ReasonCode::Success));
    }
}

// ---- packet builders ----------------------------------------------------------------------

pub fn pid(id: u16) -> PacketId {
    PacketId::new(id).expect("packet id 0")
}

pub fn topic_name(name: &str) -> TopicName {
    TopicName::new(name).unwrap_or_else(|e| panic!("bad topic name {name:?}: {e}"))
}

pub fn mqtt_str(s: &str) -> MqttStr {
    MqttStr::new(s).expect("bad MQTT string")
}

/// A CONNECT with `clean` session / clean start and keep alive 0 (no keep-alive timeouts
/// unless a test asks for them).
pub fn connect_packet(version: ProtocolVersion, client_id: &str, clean: bool) -> Connect {
    let mut c = Connect::new(version, mqtt_str(client_id));
    c.clean_start = clean;
    c.keep_alive = 0;
    c
}

/// A will on `topic` with `payload` at `qos`.
pub fn will(topic: &str, payload: &str, qos: QoS) -> Will {
    let mut w = Will::new(topic_name(topic), payload.to_owned());
    w.qos = qos;
    w
}

/// A SUBSCRIBE (packet id 1) of one filter with `options`.
pub fn subscribe_packet(filter: &str, options: SubscriptionOptions) -> Subscribe {
    let filter = TopicFilter::new(filter).unwrap_or_else(|e| panic!("bad filter {filter:?}: {e}"));
    Subscribe::new(pid(1), vec![Subscription { filter, options }])
}

/// An UNSUBSCRIBE (packet id 2) of `filters`.
pub fn unsubscribe_packet(filters: &[&str]) -> Unsubscribe {
    Unsubscribe::new(pid(2), filters.iter().map(|f| mqtt_str(f)).collect())
}

/// A PUBLISH with every field given.
pub fn publish_packet(
    topic: &str,
    payload: &str,
    qos: QoS,
    id: Option<u16>,
    retain: bool,
    properties: Properties,
) -> Publish {
    let mut p = Publish::new(topic_name(topic), payload.to_owned());
    p.qos = qos;
    p.packet_id = id.map(pid);
    p.retain = retain;
    p.properties = properties.into();
    p
}

/// The payload of a PUBLISH as a string.
pub fn payload(p: &Publish) -> String {
    String::from_utf8(p.payload.to_vec()).expect("payload is not UTF-8")
}

/// A password file made by Debian's `mosquitto_passwd -c -b FILE alice wonderland`, then
/// `-b FILE carol ""`.
pub const PASSWORDS: &str = "alice:$7$101$K2mCyTk0Et+g/j0p$EdoDBsNFceJIWsAarb5zT2eV7TXkjI3T6CNa2y9cRSqCPJ19ejlko45qhYmQFPMaQysERVxzeEMXrZPGVAQLhQ==
carol:$7$101$zgxyZwUQR16xnbyP$gFD9Xo+vY6gdsfHe3G7PvxkKHbgyVVf1S8UM9Qiq4E/AQPjjd/ABnoI7cWPglXzgzb+1HfsN7nmpcKeZVN6vLw==";

/// The single PUBLISH in `packets`, or a panic that shows them.
pub fn only_publish(packets: Vec<Packet>) -> Publish {
    match <[Packet; 1]>::try_from(packets) {
        Ok([Packet::Publish(p)]) => p,
        Ok([other]) => panic!("expected one PUBLISH, got {other:?}"),
        Err(v) => panic!("expected one PUBLISH, got {} packets: {v:?}", v.len()),
    }
}

/// The DISCONNECT in `packets` (the last packet), or a panic that shows them.
pub fn last_disconnect(packets: &[Packet]) -> ReasonCode {
    match packets.last() {
        Some(Packet::Disconnect(d)) => d.reason_code,
        other => panic!("expected DISCONNECT last, got {other:?} in {packets:?}"),
    }
}

/// A small deterministic generator (xorshift64*), so a random schedule is the same every run.
pub struct Rng(pub u64);

impl Rng {
    /// The next number below `below`.
    pub fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % below
    }
}
