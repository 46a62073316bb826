//! The heap-free client session (`FixedSession`) against a model server, with random
//! interleavings, in the manner of `client_session_model.rs`: publishes of every QoS and
//! size, the server's acknowledgements in any order (refusals too, in 5.0; repeated ones,
//! and ones for identifiers not in flight), the server's own QoS 1 and 2 PUBLISHes with
//! QoS 2 retransmissions and PUBRELs (stray ones too), manual acknowledgements, time
//! passing with or without PINGRESP, CONNECTs left unanswered, lost connections, and
//! reconnects that resume the session or not. The storage is small and varied (a few
//! outgoing and incoming records, a small message area, small buffers), so that the limits
//! are met. The network from client to server is a buffer that a lost connection empties,
//! so packets the session wrote can be lost.
//!
//! Properties:
//! - no packet identifier is given out, or sent in a new PUBLISH, while it is in flight;
//! - every QoS 1 or 2 publish `publish` accepted ends in exactly one `Published` or
//!   `PublishFailed` (`SessionLost` only at a reconnect the server did not resume,
//!   `Refused` only when the server refused it), and after the run, with a server that
//!   acknowledges everything, all have ended: nothing is silently lost;
//! - a server's QoS 2 message is delivered at most once per flow (until PUBREL);
//! - at most a window in flight, and what is pending is exactly what has not ended;
//! - the session never finds fault with a server that keeps the rules, never panics, and
//!   its deadline is never in the past.

use mqtt_codec::client::{
    AliasSlot, FixedConfig, FixedEvent, FixedSession, FixedStorage, InSlot, Millis, OutSlot,
    PendingSlot, PublishFailure, SessionError,
};
use mqtt_codec::{
    ConnAck, Decoder, Packet, PacketId, ProtocolVersion, PubResponse, Publish, QoS, ReasonCode,
    SubAck, SubscriptionOptions, TopicName, UnsubAck,
};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug)]
struct Setup {
    v5: bool,
    persistent: bool,
    /// Outgoing records: the window and the queue.
    outgoing: usize,
    max_inflight: u16,
    /// The server's Receive Maximum (5.0).
    server_rm: Option<u16>,
    /// Incoming records: our Receive Maximum.
    incoming: usize,
    /// The message area, in bytes.
    messages: usize,
    tx: usize,
    rx: usize,
    keep_alive: u16,
    auto_ack: bool,
    /// The server's bytes reach the session in chunks of this size (0: whole packets).
    chunk: usize,
}

#[derive(Clone, Debug)]
enum Op {
    /// `publish` with this QoS and payload length.
    Publish(u8, usize),
    /// The server reads what reached it, answering PINGREQ or not.
    Deliver {
        answer_ping: bool,
    },
    /// The server acknowledges one of our PUBLISHes it holds (PUBACK, PUBREC, PUBCOMP,
    /// or PUBREC again), refusing it (5.0, 0x80) if asked.
    ServerAck {
        pick: usize,
        refuse: bool,
    },
    /// The server sends an acknowledgement nothing of ours waits for: PUBACK, PUBREC or
    /// PUBCOMP for an identifier that has ended (a duplicate) or was never used, or a
    /// PUBREL for a flow of its own that does not exist.
    StrayAck {
        kind: u8,
        pick: usize,
    },
    /// The server publishes to us with identifier `slot + 1`: a new message, or a
    /// retransmission of the QoS 2 one under that identifier not yet released.
    ServerPublish {
        qos2: bool,
        slot: u16,
    },
    /// The server releases one of its QoS 2 messages whose PUBREC it has (again, too).
    ServerRelease {
        pick: usize,
    },
    /// The application acknowledges one of the messages it holds (manual acknowledgement).
    AppAck {
        pick: usize,
    },
    /// Time passes.
    Tick(Millis),
    ConnectionLost,
    /// The application ends the connection with DISCONNECT.
    Disconnect,
    /// Connect if there is no connection, and leave the CONNECT unanswered.
    ConnectUnanswered,
    /// Connect if there is no connection (or answer the CONNECT waiting); the server
    /// resumes the session if `present` and the CONNECT allows it.
    Reconnect {
        present: bool,
    },
    /// `subscribe` (or `unsubscribe`) one filter.
    Subscribe {
        unsubscribe: bool,
    },
    /// The server answers one SUBSCRIBE or UNSUBSCRIBE it has read, granting or refusing.
    ServerSubAck {
        pick: usize,
        grant: bool,
    },
}

/// One of our PUBLISHes, as the server holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Held {
    /// Received, PUBACK (QoS 1) or PUBREC (QoS 2) not sent yet.
    Received(QoS),
    /// PUBREC sent, PUBREL awaited.
    PubrecSent,
    /// PUBREL received, PUBCOMP not sent yet.
    Released,
}

/// One of the server's PUBLISHes to us.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Out {
    AwaitPuback,
    AwaitPubrec,
    PubrecReceived,
    AwaitPubcomp,
}

/// What the model needs of a [`FixedEvent`], owned.
#[derive(Clone, Debug, PartialEq)]
enum Ev {
    Connected,
    Message {
        qos: QoS,
        packet_id: Option<PacketId>,
        dup: bool,
        ack: Option<PacketId>,
    },
    Published(PacketId),
    PublishFailed(PacketId, PublishFailure),
    Subscribed(PacketId, usize),
    Unsubscribed(PacketId),
    SubscribeLost(PacketId),
    UnsubscribeLost(PacketId),
    SubscriptionsLost,
    Disconnected {
        reason: Option<ReasonCode>,
        by_server: bool,
    },
    Other(String),
}

fn own(e: FixedEvent<'_>) -> Ev {
    match e {
        FixedEvent::Connected { .. } => Ev::Connected,
        FixedEvent::Message { publish, ack } => Ev::Message {
            qos: publish.qos,
            packet_id: publish.packet_id,
            dup: publish.dup,
            ack,
        },
        FixedEvent::Published { packet_id, .. } => Ev::Published(packet_id),
        FixedEvent::PublishFailed { packet_id, failure } => Ev::PublishFailed(packet_id, failure),
        FixedEvent::Disconnected { reason, by_server } => Ev::Disconnected { reason, by_server },
        FixedEvent::Subscribed(s) => Ev::Subscribed(s.packet_id, s.reason_codes.len()),
        FixedEvent::Unsubscribed(u) => Ev::Unsubscribed(u.packet_id),
        FixedEvent::SubscribeLost { packet_id } => Ev::SubscribeLost(packet_id),
        FixedEvent::UnsubscribeLost { packet_id } => Ev::UnsubscribeLost(packet_id),
        FixedEvent::Reauthenticated => unreachable!("the heap-free session does not authenticate"),
        FixedEvent::SubscriptionsLost => Ev::SubscriptionsLost,
        other => Ev::Other(format!("{other:?}")),
    }
}

fn leak<T: Clone>(value: T, n: usize) -> &'static mut [T] {
    Vec::leak(vec![value; n])
}

fn pid(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

/// Identifiers our session never uses in a run (it counts up from 1).
const NEVER_USED: u16 = 40_000;

struct Model {
    setup: Setup,
    version: ProtocolVersion,
    session: FixedSession<'static>,
    now: Millis,
    /// A transport connection exists (CONNECT sent, not lost since).
    up: bool,
    /// CONNACK accepted it.
    connected: bool,
    /// Bytes written by the session and not yet read by the server.
    wire: Vec<u8>,
    decoder: Decoder,
    /// The server's state of our PUBLISHes, by identifier.
    held: BTreeMap<u16, Held>,
    /// The flows of `held` whose PUBLISH came on this connection: what its Receive Maximum
    /// counts ([MQTT-3.3.4-7]; each connection's send quota starts full, §4.9).
    here: BTreeSet<u16>,
    /// The server's PUBLISHes in flight towards us, with the order they were first sent.
    out: BTreeMap<u16, (Out, u64)>,
    out_order: u64,
    /// QoS 1 and 2 publishes accepted and not ended.
    open: BTreeSet<u16>,
    /// Every identifier `publish` gave out.
    ever: BTreeSet<u16>,
    /// Publishes the server refused: they end in `PublishFailed(Refused)`.
    refused: BTreeSet<u16>,
    /// A CONNACK with session present 0 is being read: in-flight ones may fail.
    session_lost_allowed: bool,
    /// The server's QoS 2 identifiers delivered to the application and not released.
    delivered_q2: BTreeSet<u16>,
    /// Identifiers the application still has to acknowledge (manual acknowledgement).
    to_ack: Vec<PacketId>,
    /// Messages delivered since the server last sent something.
    messages: Vec<Ev>,
    /// Our SUBSCRIBEs (false) and UNSUBSCRIBEs (true) not answered nor reported lost.
    sub_pending: BTreeMap<u16, bool>,
    /// Those the server has read on this connection and not answered.
    server_subs: Vec<(u16, bool)>,
    /// A SUBACK granted something on the session the server holds.
    granted: bool,
    /// `SubscriptionsLost` is expected while a CONNACK is read.
    subs_lost_expected: bool,
    subs_lost_seen: bool,
}

impl Model {
    fn new(setup: Setup) -> Self {
        let version = if setup.v5 {
            ProtocolVersion::V5
        } else {
            ProtocolVersion::V3_1_1
        };
        let mut c = FixedConfig::new("model", version);
        if setup.persistent {
            if setup.v5 {
                c.session_expiry_interval = 600;
            } else {
                c.clean_start = false;
            }
        }
        c.max_inflight = setup.max_inflight;
        c.keep_alive = setup.keep_alive;
        c.auto_ack = setup.auto_ack;
        let storage = FixedStorage {
            outgoing: leak(OutSlot::FREE, setup.outgoing),
            messages: leak(0u8, setup.messages),
            incoming: leak(InSlot::FREE, setup.incoming),
            pending: leak(PendingSlot::FREE, 2),
            aliases: leak(AliasSlot::FREE, 0),
            alias_topics: leak(0u8, 0),
            rx: leak(0u8, setup.rx),
            tx: leak(0u8, setup.tx),
        };
        Model {
            setup,
            version,
            session: FixedSession::new(c, storage),
            now: 0,
            up: false,
            connected: false,
            wire: Vec::new(),
            decoder: Decoder::server(),
            held: BTreeMap::new(),
            here: BTreeSet::new(),
            out: BTreeMap::new(),
            out_order: 0,
            open: BTreeSet::new(),
            ever: BTreeSet::new(),
            refused: BTreeSet::new(),
            session_lost_allowed: false,
            delivered_q2: BTreeSet::new(),
            to_ack: Vec::new(),
            messages: Vec::new(),
            sub_pending: BTreeMap::new(),
            server_subs: Vec::new(),
            granted: false,
            subs_lost_expected: false,
            subs_lost_seen: false,
        }
    }

    fn window(&self) -> usize {
        let rm = self.setup.server_rm.filter(|_| self.setup.v5);
        usize::from(rm.unwrap_or(u16::MAX).min(self.setup.max_inflight).max(1))
    }

    fn step(&mut self, op: &Op) {
        match *op {
            Op::Publish(q, len) => self.publish(q, len),
            Op::Deliver { answer_ping } => self.deliver(answer_ping),
            Op::ServerAck { pick, refuse } => self.server_ack(pick, refuse),
            Op::StrayAck { kind, pick } => self.stray_ack(kind, pick),
            Op::ServerPublish { qos2, slot } => self.server_publish(qos2, slot),
            Op::ServerRelease { pick } => self.server_release(pick),
            // Online or offline: one given offline is dropped, and the server resends.
            Op::AppAck { pick } => {
                if !self.to_ack.is_empty() {
                    let id = self.to_ack.remove(pick % self.to_ack.len());
                    self.session.ack(id, self.now).unwrap();
                }
            }
            Op::Tick(ms) => {
                self.now += ms;
                self.session.handle_timeout(self.now);
            }
            Op::ConnectionLost => {
                self.session.connection_lost(self.now);
                self.gone();
            }
            Op::Disconnect => {
                if self.up {
                    self.session.disconnect(self.now).unwrap();
                }
            }
            Op::ConnectUnanswered => {
                if !self.up {
                    self.connect();
                }
            }
            Op::Reconnect { present } => self.reconnect(present),
            Op::Subscribe { unsubscribe } => self.subscribe(unsubscribe),
            Op::ServerSubAck { pick, grant } => self.server_sub_ack(pick, grant),
        }
        self.settle();
    }

    /// The transport is gone: what was on its way to the server is lost.
    fn gone(&mut self) {
        self.up = false;
        self.connected = false;
        self.wire.clear();
        self.server_subs.clear();
    }

    /// Feeds `bytes` to the session, taking its events and output until it has taken them
    /// all and has nothing more to say; then checks the invariants.
    fn feed(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        loop {
            let chunk = match self.setup.chunk {
                0 => rest.len(),
                n => n.min(rest.len()),
            };
            let taken = self.session.receive(&rest[..chunk], self.now);
            assert!(taken <= rest.len());
            rest = &rest[taken..];
            let mut progress = taken > 0;
            let mut events = Vec::new();
            while let Some(e) = self.session.poll_event(self.now) {
                events.push(own(e));
            }
            progress |= !events.is_empty();
            for e in events {
                self.on_event(e);
            }
            while let Some(data) = self.session.poll_transmit(self.now) {
                progress = true;
                if self.up {
                    self.wire.extend_from_slice(data);
                }
            }
            if !progress {
                assert!(rest.is_empty(), "{} bytes never taken", rest.len());
                break;
            }
        }
    }

    fn settle(&mut self) {
        self.feed(&[]);
        // In flight may pass the window: flows released on an earlier connection hold no
        // place in this one's (the server's side checks the window).
        let (inflight, queued) = self.session.pending_publishes();
        assert!(inflight + queued <= self.setup.outgoing);
        assert_eq!(
            inflight + queued,
            self.open.len(),
            "pending is what has not ended: {:?}",
            self.open
        );
        assert_eq!(self.session.is_connected(), self.connected);
        if let Some(t) = self.session.next_timeout() {
            assert!(t > self.now, "deadline {t} in the past at {}", self.now);
        }
    }

    fn on_event(&mut self, event: Ev) {
        match event {
            Ev::Connected => {
                assert!(self.up);
                self.connected = true;
            }
            Ev::Published(id) => {
                assert!(
                    self.open.remove(&id.get()),
                    "{id} ended twice, or never began"
                );
                assert!(!self.refused.contains(&id.get()), "{id} was refused");
            }
            Ev::PublishFailed(id, failure) => {
                assert!(
                    self.open.remove(&id.get()),
                    "{id} ended twice, or never began"
                );
                match failure {
                    PublishFailure::SessionLost => assert!(
                        self.session_lost_allowed,
                        "{id} failed without a lost session"
                    ),
                    PublishFailure::Refused(_) => assert!(
                        self.refused.remove(&id.get()),
                        "{id} failed, never refused: {failure:?}"
                    ),
                }
            }
            Ev::Message {
                qos,
                packet_id,
                dup,
                ack,
            } => {
                if qos == QoS::ExactlyOnce {
                    let id = packet_id.unwrap().get();
                    assert!(
                        self.delivered_q2.insert(id),
                        "QoS 2 message {id} delivered twice before PUBREL"
                    );
                }
                // With manual acknowledgement a QoS 1 resend finding no spare record is
                // acknowledged at once.
                let owed = !self.setup.auto_ack && qos != QoS::AtMostOnce;
                let acked_at_once = qos == QoS::AtLeastOnce && dup && ack.is_none();
                assert!(ack.is_some() == owed || acked_at_once, "{event:?}");
                if let Some(id) = ack {
                    assert_eq!(Some(id), packet_id);
                    self.to_ack.push(id);
                }
                self.messages.push(event);
            }
            Ev::Disconnected {
                reason: None | Some(ReasonCode::Success),
                by_server: false,
            } => {
                assert!(
                    self.sub_pending.is_empty(),
                    "not reported lost before Disconnected: {:?}",
                    self.sub_pending
                );
                self.gone();
            }
            Ev::Subscribed(id, codes) => {
                assert_eq!(self.sub_pending.remove(&id.get()), Some(false), "{id}");
                assert_eq!(codes, 1);
            }
            Ev::Unsubscribed(id) => {
                assert_eq!(self.sub_pending.remove(&id.get()), Some(true), "{id}");
            }
            Ev::SubscribeLost(id) => {
                assert_eq!(self.sub_pending.remove(&id.get()), Some(false), "{id}");
            }
            Ev::UnsubscribeLost(id) => {
                assert_eq!(self.sub_pending.remove(&id.get()), Some(true), "{id}");
            }
            Ev::SubscriptionsLost => {
                assert!(self.subs_lost_expected, "SubscriptionsLost unexpected");
                assert!(!self.subs_lost_seen, "SubscriptionsLost twice");
                self.subs_lost_seen = true;
            }
            other => panic!("the server kept the rules, yet {other:?}"),
        }
    }

    fn publish(&mut self, q: u8, len: usize) {
        let qos = QoS::from_bits(q).unwrap();
        let payload = vec![b'm'; len];
        match self
            .session
            .publish_message("model/t", &payload, qos, false, self.now)
        {
            Ok(Some(id)) => {
                assert_ne!(qos, QoS::AtMostOnce);
                assert!(
                    self.open.insert(id.get()),
                    "identifier {id} given out while in flight"
                );
                assert!(!self.sub_pending.contains_key(&id.get()), "{id} in use");
                assert!(
                    self.ever.insert(id.get()),
                    "identifier {id} given out again"
                );
            }
            Ok(None) => assert_eq!(qos, QoS::AtMostOnce),
            Err(SessionError::NotConnected) => {
                assert_eq!(qos, QoS::AtMostOnce);
                assert!(!self.connected);
            }
            Err(SessionError::QueueFull(n)) => {
                assert_ne!(qos, QoS::AtMostOnce);
                assert_eq!(self.open.len(), self.setup.outgoing, "a record was free");
                assert_eq!(n, self.session.pending_publishes().1);
            }
            Err(SessionError::StorageFull(_)) => {
                assert_ne!(qos, QoS::AtMostOnce);
                assert!(!self.open.is_empty(), "an empty message area is too small");
            }
            Err(e) => panic!("{qos:?} {len}: {e}"),
        }
    }

    /// The server sends `packet`; `messages` are then the messages it delivered.
    fn send(&mut self, packet: Packet) {
        self.messages.clear();
        let bytes = packet.to_bytes(self.version).unwrap();
        self.feed(&bytes);
    }

    fn deliver(&mut self, answer_ping: bool) {
        if !self.connected {
            return;
        }
        let data = std::mem::take(&mut self.wire);
        self.decoder.feed(&data);
        while let Some(packet) = self.decoder.next_packet().unwrap() {
            self.server_reads(packet, answer_ping);
            if !self.connected {
                return;
            }
        }
    }

    /// The server reads one of the session's packets.
    fn server_reads(&mut self, packet: Packet, answer_ping: bool) {
        match packet {
            Packet::Publish(p) if p.qos == QoS::AtMostOnce => {}
            Packet::Publish(p) => {
                let id = p.packet_id.unwrap().get();
                assert!(self.ever.contains(&id), "PUBLISH {id} was never accepted");
                match self.held.get(&id) {
                    Some(Held::Received(qos)) => {
                        assert!(p.dup, "new PUBLISH with identifier {id} in flight");
                        assert_eq!(*qos, p.qos);
                    }
                    Some(Held::PubrecSent) => {
                        // Resent on reconnect before our PUBREC arrived: PUBREC again.
                        assert!(p.dup && p.qos == QoS::ExactlyOnce, "PUBLISH {id}");
                        self.send(Packet::PubRec(PubResponse::new(pid(id))));
                        assert!(self.open.contains(&id));
                    }
                    Some(Held::Released) => panic!("PUBLISH {id} after its PUBREL"),
                    None if self.open.contains(&id) => {
                        self.held.insert(id, Held::Received(p.qos));
                    }
                    None => {
                        // Resent on reconnect and ended from the copy the server had.
                        assert!(p.dup, "new PUBLISH {id} that has ended");
                        if p.qos == QoS::AtLeastOnce {
                            self.send(Packet::PubAck(PubResponse::new(pid(id))));
                            assert!(self.messages.is_empty());
                        }
                    }
                }
                if self.held.contains_key(&id) {
                    self.here.insert(id);
                }
                assert!(
                    self.here.len() <= self.window(),
                    "{} in flight on this connection, window {}",
                    self.here.len(),
                    self.window()
                );
            }
            Packet::PubRel(r) => {
                let id = r.packet_id.get();
                match self.held.get(&id) {
                    Some(Held::PubrecSent | Held::Released) => {
                        assert_eq!(r.reason_code, ReasonCode::Success);
                        self.held.insert(id, Held::Released);
                    }
                    None if !self.open.contains(&id) => {
                        // The answer to a PUBREC repeated or stray: the flow has ended (or
                        // never was); the PUBCOMP changes nothing.
                        let mut comp = PubResponse::new(pid(id));
                        if self.setup.v5 {
                            comp.reason_code = ReasonCode::PacketIdentifierNotFound;
                        }
                        self.send(Packet::PubComp(comp));
                        assert!(self.messages.is_empty());
                    }
                    other => panic!("PUBREL {id} while {other:?}"),
                }
            }
            Packet::PubAck(a) => {
                assert_eq!(a.reason_code, ReasonCode::Success);
                if self.out.get(&a.packet_id.get()).map(|o| o.0) == Some(Out::AwaitPuback) {
                    self.out.remove(&a.packet_id.get());
                }
            }
            Packet::PubRec(a) => {
                assert_eq!(a.reason_code, ReasonCode::Success);
                if let Some(o) = self.out.get_mut(&a.packet_id.get()) {
                    if o.0 == Out::AwaitPubrec {
                        o.0 = Out::PubrecReceived;
                    }
                }
            }
            Packet::PubComp(c) => {
                let id = c.packet_id.get();
                assert!(
                    matches!(
                        c.reason_code,
                        ReasonCode::Success | ReasonCode::PacketIdentifierNotFound
                    ),
                    "PUBCOMP {id}: {:?}",
                    c.reason_code
                );
                if self.out.get(&id).map(|o| o.0) == Some(Out::AwaitPubcomp) {
                    self.out.remove(&id);
                }
            }
            Packet::PingReq => {
                if answer_ping {
                    self.send(Packet::PingResp);
                }
            }
            Packet::Subscribe(s) => {
                assert_eq!(self.sub_pending.get(&s.packet_id.get()), Some(&false));
                self.server_subs.push((s.packet_id.get(), false));
            }
            Packet::Unsubscribe(u) => {
                assert_eq!(self.sub_pending.get(&u.packet_id.get()), Some(&true));
                self.server_subs.push((u.packet_id.get(), true));
            }
            other => panic!("the session sent {other:?}"),
        }
    }

    fn server_ack(&mut self, pick: usize, refuse: bool) {
        if !self.connected {
            return;
        }
        let ready: Vec<(u16, Held)> = self.held.iter().map(|(id, h)| (*id, *h)).collect();
        if ready.is_empty() {
            return;
        }
        let (id, held) = ready[pick % ready.len()];
        let refuse = refuse && self.setup.v5;
        let mut ack = PubResponse::new(pid(id));
        if refuse {
            ack.reason_code = ReasonCode::UnspecifiedError;
        }
        let ended = match held {
            Held::Received(QoS::AtLeastOnce) => {
                self.held.remove(&id);
                self.here.remove(&id);
                if refuse {
                    self.refused.insert(id);
                }
                self.send(Packet::PubAck(ack));
                true
            }
            Held::Received(_) => {
                if refuse {
                    self.held.remove(&id);
                    self.here.remove(&id);
                    self.refused.insert(id);
                } else {
                    self.held.insert(id, Held::PubrecSent);
                }
                self.send(Packet::PubRec(ack));
                refuse
            }
            // PUBREC again (the session answers with PUBREL again).
            Held::PubrecSent => {
                self.send(Packet::PubRec(PubResponse::new(pid(id))));
                false
            }
            Held::Released => {
                self.held.remove(&id);
                self.here.remove(&id);
                self.send(Packet::PubComp(PubResponse::new(pid(id))));
                true
            }
        };
        assert_eq!(
            !self.open.contains(&id),
            ended,
            "{id}: the flow ends exactly when the server ends it"
        );
    }

    fn stray_ack(&mut self, kind: u8, pick: usize) {
        if !self.connected {
            return;
        }
        let before = (self.open.clone(), self.session.pending_publishes());
        if kind == 3 {
            // A PUBREL for a flow of the server's that does not exist.
            let id = 100 + (pick % 5) as u16;
            self.send(Packet::PubRel(PubResponse::new(pid(id))));
        } else {
            // An identifier that has ended (and is not held), or one never used.
            let ended: Vec<u16> = self
                .ever
                .iter()
                .filter(|id| !self.open.contains(id) && !self.held.contains_key(id))
                .copied()
                .collect();
            let id = if ended.is_empty() || pick % 3 == 0 {
                NEVER_USED + (pick % 7) as u16
            } else {
                ended[pick % ended.len()]
            };
            let ack = PubResponse::new(pid(id));
            self.send(match kind {
                0 => Packet::PubAck(ack),
                1 => Packet::PubRec(ack),
                _ => Packet::PubComp(ack),
            });
        }
        assert!(self.messages.is_empty());
        assert_eq!(
            (self.open.clone(), self.session.pending_publishes()),
            before,
            "a stray acknowledgement changed something"
        );
    }

    fn new_publish(&self, id: u16, qos: QoS, dup: bool) -> Packet {
        let mut p = Publish::with_qos(TopicName::new("model/in").unwrap(), "in", qos, pid(id));
        p.dup = dup;
        Packet::Publish(p)
    }

    fn server_publish(&mut self, qos2: bool, slot: u16) {
        if !self.connected {
            return;
        }
        let id = slot + 1;
        match self.out.get(&id).map(|o| o.0) {
            Some(Out::AwaitPubrec | Out::PubrecReceived) => {
                // A QoS 2 retransmission before PUBREL: acknowledged again, not delivered.
                self.send(self.new_publish(id, QoS::ExactlyOnce, true));
                assert!(self.messages.is_empty(), "QoS 2 {id} delivered again");
            }
            Some(_) => {}
            None => {
                // Our Receive Maximum (5.0), and the records a 3.1.1 session has.
                if self.out.len() >= self.setup.incoming {
                    return;
                }
                let qos = if qos2 {
                    QoS::ExactlyOnce
                } else {
                    QoS::AtLeastOnce
                };
                self.out_order += 1;
                let stage = if qos2 {
                    Out::AwaitPubrec
                } else {
                    Out::AwaitPuback
                };
                self.out.insert(id, (stage, self.out_order));
                self.send(self.new_publish(id, qos, false));
                assert_eq!(self.messages.len(), 1, "a new message is delivered");
            }
        }
    }

    fn subscribe(&mut self, unsubscribe: bool) {
        let result = if unsubscribe {
            self.session.unsubscribe("model/#", self.now)
        } else {
            let options = SubscriptionOptions::new(QoS::AtLeastOnce);
            self.session.subscribe("model/#", options, self.now)
        };
        match result {
            Ok(id) => {
                assert!(self.connected);
                assert!(!self.open.contains(&id.get()), "{id} in use");
                assert!(
                    self.sub_pending.insert(id.get(), unsubscribe).is_none(),
                    "{id} in use"
                );
            }
            Err(SessionError::NotConnected) => assert!(!self.connected),
            Err(SessionError::StorageFull(_)) => assert_eq!(self.sub_pending.len(), 2),
            Err(e) => panic!("{e}"),
        }
    }

    fn server_sub_ack(&mut self, pick: usize, grant: bool) {
        if !self.connected || self.server_subs.is_empty() {
            return;
        }
        let (id, unsubscribe) = self.server_subs.remove(pick % self.server_subs.len());
        if unsubscribe {
            let codes = if self.setup.v5 {
                vec![ReasonCode::Success]
            } else {
                vec![]
            };
            self.send(Packet::UnsubAck(UnsubAck::new(pid(id), codes)));
        } else {
            let code = if grant {
                self.granted = true;
                ReasonCode::GrantedQoS1
            } else {
                ReasonCode::UnspecifiedError
            };
            self.send(Packet::SubAck(SubAck::new(pid(id), vec![code])));
        }
        assert!(!self.sub_pending.contains_key(&id), "{id} not answered");
    }

    /// The server sends PUBREL for `id`: the client releases it.
    fn release(&mut self, id: u16) {
        if let Some(o) = self.out.get_mut(&id) {
            o.0 = Out::AwaitPubcomp;
        }
        self.delivered_q2.remove(&id);
        self.send(Packet::PubRel(PubResponse::new(pid(id))));
        assert!(self.messages.is_empty());
    }

    fn server_release(&mut self, pick: usize) {
        if !self.connected {
            return;
        }
        let ready: Vec<u16> = self
            .out
            .iter()
            .filter(|(_, o)| matches!(o.0, Out::PubrecReceived | Out::AwaitPubcomp))
            .map(|(id, _)| *id)
            .collect();
        if !ready.is_empty() {
            self.release(ready[pick % ready.len()]);
        }
    }

    /// `connect`, the CONNECT on its way to the server.
    fn connect(&mut self) {
        self.session.connect(self.now).unwrap();
        self.up = true;
        self.here.clear();
        self.connected = false;
        self.wire.clear();
        self.decoder = Decoder::server();
        self.settle();
    }

    fn reconnect(&mut self, present: bool) {
        if self.connected {
            return;
        }
        if !self.up {
            self.connect();
        }
        // The server reads the CONNECT (alone: nothing else goes before CONNACK).
        let data = std::mem::take(&mut self.wire);
        self.decoder.feed(&data);
        let Some(Packet::Connect(connect)) = self.decoder.next_packet().unwrap() else {
            panic!("not a CONNECT")
        };
        assert_eq!(self.decoder.next_packet().unwrap(), None);
        if self.setup.v5 {
            let incoming = u16::try_from(self.setup.incoming).unwrap();
            assert_eq!(connect.properties.receive_maximum, Some(incoming));
            let rx = u32::try_from(self.setup.rx).unwrap();
            assert_eq!(connect.properties.maximum_packet_size, Some(rx));
        }
        let present = present && !connect.clean_start;
        if !present {
            // A new session on both sides.
            self.held.clear();
            self.out.clear();
            self.delivered_q2.clear();
            self.to_ack.clear();
            self.refused.clear();
        }
        let mut ack = ConnAck::new(ReasonCode::Success);
        ack.session_present = present;
        if self.setup.v5 {
            ack.properties.receive_maximum = self.setup.server_rm;
        }
        self.session_lost_allowed = !present;
        self.subs_lost_expected = !present && self.granted;
        self.subs_lost_seen = false;
        self.send(Packet::ConnAck(ack));
        assert_eq!(self.subs_lost_seen, self.subs_lost_expected);
        self.session_lost_allowed = false;
        self.subs_lost_expected = false;
        if !present {
            self.granted = false;
        }
        assert!(self.connected, "CONNACK accepted");
        if present {
            // The server resends what it has in flight, in order ([MQTT-4.4.0-1]).
            let mut pending: Vec<(u64, u16, Out)> =
                self.out.iter().map(|(id, o)| (o.1, *id, o.0)).collect();
            pending.sort_by_key(|p| p.0);
            for (_, id, stage) in pending {
                if !self.connected {
                    return;
                }
                match stage {
                    Out::AwaitPuback | Out::AwaitPubrec => {
                        let qos2 = stage == Out::AwaitPubrec;
                        let qos = if qos2 {
                            QoS::ExactlyOnce
                        } else {
                            QoS::AtLeastOnce
                        };
                        self.send(self.new_publish(id, qos, true));
                        if qos2 {
                            assert!(self.messages.is_empty(), "QoS 2 {id} delivered again");
                        }
                    }
                    Out::PubrecReceived | Out::AwaitPubcomp => self.release(id),
                }
            }
        }
    }

    /// A server that acknowledges everything, and a connection that stays: every publish
    /// accepted ends.
    fn finish(&mut self) {
        for _ in 0..200 {
            if self.open.is_empty() {
                return;
            }
            if !self.connected {
                self.step(&Op::Reconnect { present: true });
            }
            self.step(&Op::Deliver { answer_ping: true });
            while self.held.values().any(|h| !matches!(h, Held::PubrecSent)) && self.connected {
                let pick = self
                    .held
                    .values()
                    .position(|h| !matches!(h, Held::PubrecSent))
                    .unwrap();
                self.step(&Op::ServerAck {
                    pick,
                    refuse: false,
                });
            }
            self.step(&Op::Deliver { answer_ping: true });
        }
        panic!("publishes never ended: {:?}", self.open);
    }
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        (any::<bool>(), any::<bool>(), 1usize..=4, 1u16..=3),
        (prop::option::of(1u16..=3), 1usize..=3),
        (
            prop_oneof![Just(40usize), Just(80), Just(1024)],
            prop_oneof![Just(64usize), Just(512)],
            prop_oneof![Just(64usize), Just(512)],
        ),
        (
            prop_oneof![Just(0u16), Just(5)],
            any::<bool>(),
            prop_oneof![3 => Just(0usize), 1 => Just(1), 1 => Just(3), 1 => Just(7)],
        ),
    )
        .prop_map(
            |(
                (v5, persistent, outgoing, max_inflight),
                (server_rm, incoming),
                (messages, tx, rx),
                (keep_alive, auto_ack, chunk),
            )| Setup {
                v5,
                persistent,
                outgoing,
                max_inflight,
                server_rm,
                incoming,
                messages,
                tx,
                rx,
                keep_alive,
                auto_ack,
                chunk,
            },
        )
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..=2, 0usize..=20).prop_map(|(q, len)| Op::Publish(q, len)),
        4 => Just(Op::Deliver { answer_ping: true }),
        1 => Just(Op::Deliver { answer_ping: false }),
        4 => (any::<usize>(), prop::bool::weighted(0.15))
            .prop_map(|(pick, refuse)| Op::ServerAck { pick, refuse }),
        1 => (0u8..4, any::<usize>()).prop_map(|(kind, pick)| Op::StrayAck { kind, pick }),
        3 => (any::<bool>(), 0u16..4).prop_map(|(qos2, slot)| Op::ServerPublish { qos2, slot }),
        2 => any::<usize>().prop_map(|pick| Op::ServerRelease { pick }),
        2 => any::<usize>().prop_map(|pick| Op::AppAck { pick }),
        2 => (0u64..7_000).prop_map(Op::Tick),
        1 => Just(Op::ConnectionLost),
        1 => Just(Op::Disconnect),
        1 => Just(Op::ConnectUnanswered),
        2 => any::<bool>().prop_map(|present| Op::Reconnect { present }),
        1 => any::<bool>().prop_map(|unsubscribe| Op::Subscribe { unsubscribe }),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(pick, grant)| Op::ServerSubAck { pick, grant }),
    ]
}

/// 256 cases in the test run; `MODEL_CASES=N` for longer runs.
fn model_cases() -> u32 {
    std::env::var("MODEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(model_cases()))]

    /// [MQTT-4.3.2], [MQTT-4.3.3], [MQTT-4.4.0-1], [MQTT-4.1.0-1], [MQTT-2.3.1-2]: the
    /// heap-free session keeps its promises against a model server.
    #[test]
    fn fixed_session_keeps_its_promises_against_a_model_server(
        setup in setup(),
        ops in prop::collection::vec(op(), 1..80),
    ) {
        let mut m = Model::new(setup);
        m.step(&Op::Reconnect { present: false });
        for op in &ops {
            m.step(op);
        }
        m.finish();
    }
}
