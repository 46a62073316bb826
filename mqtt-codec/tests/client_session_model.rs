//! The client session against a model server, with random interleavings: publishes of
//! every QoS, the server's acknowledgements in any order (refusals too, in 5.0), the
//! server's own QoS 1 and 2 PUBLISHes with retransmissions and PUBRELs, manual
//! acknowledgements, time passing with or without PINGRESP, lost connections and reconnects
//! that resume the session or not. The network from client to server is a buffer that a
//! lost connection empties, so packets the session wrote can be lost.
//!
//! Properties:
//! - no packet identifier is given out, or sent in a new PUBLISH, while it is in flight;
//! - every QoS 1 or 2 publish `publish` accepted ends in exactly one `Published` or
//!   `PublishFailed`, and after the run, with a server that acknowledges everything, all
//!   have ended (nothing silently lost);
//! - a server's QoS 2 message is delivered at most once per identifier until PUBREL;
//! - memory is bounded: at most `max_inflight` in flight and `max_queued` queued, and what
//!   is pending is exactly what has not ended;
//! - the session never finds fault with a server that keeps the rules, and its deadline is
//!   never in the past.

use mqtt_codec::client::{Event, Millis, Session, SessionConfig, SessionError};
use mqtt_codec::{
    ConnAck, Decoder, Packet, PacketId, ProtocolVersion, PubResponse, Publish, QoS, ReasonCode,
    TopicName,
};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug)]
struct Setup {
    v5: bool,
    persistent: bool,
    max_inflight: u16,
    max_queued: usize,
    /// The server's Receive Maximum (5.0).
    server_rm: Option<u16>,
    /// Ours (5.0).
    client_rm: u16,
    keep_alive: u16,
    auto_ack: bool,
}

#[derive(Clone, Debug)]
enum Op {
    /// `publish` with this QoS.
    Publish(u8),
    /// The server reads what reached it, answering PINGREQ or not.
    Deliver {
        answer_ping: bool,
    },
    /// The server acknowledges one of our PUBLISHes it holds (PUBACK, PUBREC, PUBCOMP),
    /// refusing it (5.0, 0x80) if asked.
    ServerAck {
        pick: usize,
        refuse: bool,
    },
    /// The server publishes to us with identifier `slot`: a new message, or a
    /// retransmission of the QoS 2 one under that identifier still awaiting PUBREC.
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
    /// Connect again if not connected; the server resumes the session if `present` and the
    /// CONNECT allows it.
    Reconnect {
        present: bool,
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

struct Model {
    setup: Setup,
    version: ProtocolVersion,
    session: Session,
    now: Millis,
    /// A transport connection exists (CONNECT sent, not lost since).
    up: bool,
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
    /// The server's QoS 2 identifiers delivered to the application and not released.
    delivered_q2: BTreeSet<u16>,
    /// Identifiers the application still has to acknowledge (manual acknowledgement).
    to_ack: Vec<PacketId>,
    /// Messages delivered by the last step.
    messages: Vec<Publish>,
}

fn pid(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

impl Model {
    fn new(setup: Setup) -> Self {
        let version = if setup.v5 {
            ProtocolVersion::V5
        } else {
            ProtocolVersion::V3_1_1
        };
        let mut c = SessionConfig::new("model", version);
        if setup.persistent {
            if setup.v5 {
                c.session_expiry_interval = 600;
            } else {
                c.clean_start = false;
            }
        }
        c.max_inflight = setup.max_inflight;
        c.max_queued = setup.max_queued;
        c.receive_maximum = setup.client_rm;
        c.keep_alive = setup.keep_alive;
        c.auto_ack = setup.auto_ack;
        Model {
            setup,
            version,
            session: Session::new(c),
            now: 0,
            up: false,
            wire: Vec::new(),
            decoder: Decoder::server(),
            held: BTreeMap::new(),
            here: BTreeSet::new(),
            out: BTreeMap::new(),
            out_order: 0,
            open: BTreeSet::new(),
            ever: BTreeSet::new(),
            delivered_q2: BTreeSet::new(),
            to_ack: Vec::new(),
            messages: Vec::new(),
        }
    }

    fn window(&self) -> usize {
        let rm = self.setup.server_rm.filter(|_| self.setup.v5);
        usize::from(rm.unwrap_or(u16::MAX).min(self.setup.max_inflight))
    }

    fn step(&mut self, op: &Op) {
        self.messages.clear();
        match *op {
            Op::Publish(q) => self.publish(q),
            Op::Deliver { answer_ping } => self.deliver(answer_ping),
            Op::ServerAck { pick, refuse } => self.server_ack(pick, refuse),
            Op::ServerPublish { qos2, slot } => self.server_publish(qos2, slot),
            Op::ServerRelease { pick } => self.server_release(pick),
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
                self.up = false;
                self.wire.clear();
            }
            Op::Reconnect { present } => self.reconnect(present),
        }
        self.settle();
    }

    /// Takes the session's output and events, and checks the invariants.
    fn settle(&mut self) {
        let data = self.session.data_to_send();
        if self.up {
            self.wire.extend_from_slice(&data);
        }
        while let Some(event) = self.session.poll_event() {
            self.on_event(event);
        }
        // In flight may pass the window: flows released on an earlier connection hold no
        // place in this one's (the server's side checks the window).
        let (inflight, queued) = self.session.pending_publishes();
        assert!(queued <= self.setup.max_queued, "{queued} queued");
        assert_eq!(
            inflight + queued,
            self.open.len(),
            "pending is what has not ended: {:?}",
            self.open
        );
        assert_eq!(self.session.is_connected(), self.up);
        if let Some(t) = self.session.next_timeout() {
            assert!(t > self.now, "deadline {t} in the past at {}", self.now);
        }
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Connected { .. } => assert!(self.up),
            Event::Published { packet_id, .. } | Event::PublishFailed { packet_id, .. } => {
                assert!(
                    self.open.remove(&packet_id.get()),
                    "{packet_id} ended twice, or never began"
                );
            }
            Event::Message { publish, ack } => {
                if publish.qos == QoS::ExactlyOnce {
                    let id = publish.packet_id.unwrap().get();
                    assert!(
                        self.delivered_q2.insert(id),
                        "QoS 2 message {id} delivered twice before PUBREL"
                    );
                }
                assert_eq!(
                    ack.is_some(),
                    !self.setup.auto_ack && publish.qos != QoS::AtMostOnce
                );
                if let Some(id) = ack {
                    self.to_ack.push(id);
                }
                self.messages.push(publish);
            }
            Event::Disconnected {
                reason: None,
                by_server: false,
            } => {
                self.up = false;
                self.wire.clear();
            }
            other => panic!("the server kept the rules, yet {other:?}"),
        }
    }

    fn publish(&mut self, q: u8) {
        let qos = QoS::from_bits(q).unwrap();
        let topic = TopicName::new("model/t").unwrap();
        match self.session.publish(topic, "m", qos, false, self.now) {
            Ok(Some(id)) => {
                assert_ne!(qos, QoS::AtMostOnce);
                assert!(
                    self.open.insert(id.get()),
                    "identifier {id} given out while in flight"
                );
                self.ever.insert(id.get());
            }
            Ok(None) => assert_eq!(qos, QoS::AtMostOnce),
            Err(SessionError::NotConnected) => {
                assert_eq!(qos, QoS::AtMostOnce);
                assert!(!self.session.is_connected());
            }
            Err(SessionError::QueueFull(n)) => {
                assert_ne!(qos, QoS::AtMostOnce);
                assert_eq!(n, self.setup.max_queued);
            }
            Err(e) => panic!("{e}"),
        }
    }

    /// The server sends `packet`; `messages` are then the messages it delivered.
    fn send(&mut self, packet: Packet) {
        self.messages.clear();
        let bytes = packet.to_bytes(self.version).unwrap();
        self.session.receive(&bytes, self.now);
        let data = self.session.data_to_send();
        self.wire.extend_from_slice(&data);
        while let Some(event) = self.session.poll_event() {
            self.on_event(event);
        }
    }

    fn deliver(&mut self, answer_ping: bool) {
        if !self.up {
            return;
        }
        let data = std::mem::take(&mut self.wire);
        self.decoder.feed(&data);
        while let Some(packet) = self.decoder.next_packet().unwrap() {
            self.server_reads(packet, answer_ping);
            if !self.up {
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
                        // Resent on reconnect before our PUBREC arrived: PUBREC again
                        // ([MQTT-4.3.3-10]); the session answers with PUBREL again.
                        assert!(p.dup && p.qos == QoS::ExactlyOnce, "PUBLISH {id}");
                        self.send(Packet::PubRec(PubResponse::new(pid(id))));
                        assert!(self.open.contains(&id));
                    }
                    Some(Held::Released) => panic!("PUBLISH {id} after its PUBREL"),
                    None if self.open.contains(&id) => {
                        self.held.insert(id, Held::Received(p.qos));
                    }
                    None => {
                        // Resent on reconnect, and acknowledged (or refused) from the copy
                        // the server had before this one arrived: a stray PUBACK changes
                        // nothing.
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
                assert_eq!(r.reason_code, ReasonCode::Success);
                match self.held.get(&id) {
                    Some(Held::PubrecSent | Held::Released) => {
                        self.held.insert(id, Held::Released);
                    }
                    None if !self.open.contains(&id) => {
                        // The answer to a PUBREC repeated after a resend: the flow has
                        // ended, the stray PUBCOMP changes nothing.
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
                // 0x92 answers a PUBREL resent after a reconnect whose first PUBCOMP was
                // lost: the session no longer knows the identifier, "not an error during
                // recovery" (5.0 §3.7.2.1).
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
            other => panic!("the session sent {other:?}"),
        }
    }

    fn server_ack(&mut self, pick: usize, refuse: bool) {
        if !self.session.is_connected() {
            return;
        }
        let ready: Vec<(u16, Held)> = self
            .held
            .iter()
            .filter(|(_, h)| !matches!(h, Held::PubrecSent))
            .map(|(id, h)| (*id, *h))
            .collect();
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
                self.send(Packet::PubAck(ack));
                true
            }
            Held::Received(_) => {
                if refuse {
                    self.held.remove(&id);
                    self.here.remove(&id);
                } else {
                    self.held.insert(id, Held::PubrecSent);
                }
                self.send(Packet::PubRec(ack));
                refuse
            }
            Held::Released => {
                self.held.remove(&id);
                self.here.remove(&id);
                self.send(Packet::PubComp(PubResponse::new(pid(id))));
                true
            }
            Held::PubrecSent => unreachable!(),
        };
        assert_eq!(
            !self.open.contains(&id),
            ended,
            "{id}: the flow ends exactly when the server ends it"
        );
    }

    fn server_publish(&mut self, qos2: bool, slot: u16) {
        if !self.session.is_connected() {
            return;
        }
        let id = slot + 1;
        match self.out.get(&id).map(|o| o.0) {
            Some(Out::AwaitPubrec) => {
                // A retransmission: acknowledged again, not delivered again.
                let mut p = Publish::with_qos(
                    TopicName::new("model/in").unwrap(),
                    "again",
                    QoS::ExactlyOnce,
                    pid(id),
                );
                p.dup = true;
                self.send(Packet::Publish(p));
                assert!(self.messages.is_empty(), "QoS 2 {id} delivered again");
            }
            Some(_) => {}
            None => {
                if self.setup.v5 && self.out.len() >= usize::from(self.setup.client_rm) {
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
                let p = Publish::with_qos(TopicName::new("model/in").unwrap(), "new", qos, pid(id));
                self.send(Packet::Publish(p));
                assert_eq!(self.messages.len(), 1, "a new message is delivered");
            }
        }
    }

    /// The server sends PUBREL for `id`: the client releases it.
    fn release(&mut self, id: u16) {
        if let Some(o) = self.out.get_mut(&id) {
            o.0 = Out::AwaitPubcomp;
        }
        self.delivered_q2.remove(&id);
        self.send(Packet::PubRel(PubResponse::new(pid(id))));
    }

    fn server_release(&mut self, pick: usize) {
        if !self.session.is_connected() {
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

    fn reconnect(&mut self, present: bool) {
        if self.up {
            return;
        }
        self.session.connect(self.now).unwrap();
        self.up = true;
        self.here.clear();
        self.wire.clear();
        self.decoder = Decoder::server();
        self.decoder.feed(&self.session.data_to_send());
        let Some(Packet::Connect(connect)) = self.decoder.next_packet().unwrap() else {
            panic!("not a CONNECT")
        };
        assert_eq!(self.decoder.next_packet().unwrap(), None);
        let present = present && !connect.clean_start;
        if !present {
            // A new session on both sides.
            self.held.clear();
            self.out.clear();
            self.delivered_q2.clear();
            self.to_ack.clear();
        }
        let mut ack = ConnAck::new(ReasonCode::Success);
        ack.session_present = present;
        if self.setup.v5 {
            ack.properties.receive_maximum = self.setup.server_rm;
        }
        self.send(Packet::ConnAck(ack));
        if present {
            // The server resends what it has in flight, in order ([MQTT-4.4.0-1]).
            let mut pending: Vec<(u64, u16, Out)> =
                self.out.iter().map(|(id, o)| (o.1, *id, o.0)).collect();
            pending.sort_by_key(|p| p.0);
            for (_, id, stage) in pending {
                if !self.session.is_connected() {
                    return;
                }
                match stage {
                    Out::AwaitPuback | Out::AwaitPubrec => {
                        let qos = if stage == Out::AwaitPuback {
                            QoS::AtLeastOnce
                        } else {
                            QoS::ExactlyOnce
                        };
                        let mut p = Publish::with_qos(
                            TopicName::new("model/in").unwrap(),
                            "resent",
                            qos,
                            pid(id),
                        );
                        p.dup = true;
                        self.send(Packet::Publish(p));
                        if qos == QoS::ExactlyOnce {
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
            if !self.up {
                self.step(&Op::Reconnect { present: true });
            }
            self.step(&Op::Deliver { answer_ping: true });
            while self.held.values().any(|h| !matches!(h, Held::PubrecSent))
                && self.session.is_connected()
            {
                self.step(&Op::ServerAck {
                    pick: 0,
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
        any::<bool>(),
        any::<bool>(),
        1u16..=3,
        0usize..=3,
        prop::option::of(1u16..=3),
        1u16..=3,
        prop_oneof![Just(0u16), Just(5)],
        any::<bool>(),
    )
        .prop_map(
            |(
                v5,
                persistent,
                max_inflight,
                max_queued,
                server_rm,
                client_rm,
                keep_alive,
                auto_ack,
            )| {
                Setup {
                    v5,
                    persistent,
                    max_inflight,
                    max_queued,
                    server_rm,
                    client_rm,
                    keep_alive,
                    auto_ack,
                }
            },
        )
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..=2).prop_map(Op::Publish),
        4 => Just(Op::Deliver { answer_ping: true }),
        1 => Just(Op::Deliver { answer_ping: false }),
        4 => (any::<usize>(), prop::bool::weighted(0.15))
            .prop_map(|(pick, refuse)| Op::ServerAck { pick, refuse }),
        3 => (any::<bool>(), 0u16..4).prop_map(|(qos2, slot)| Op::ServerPublish { qos2, slot }),
        2 => any::<usize>().prop_map(|pick| Op::ServerRelease { pick }),
        2 => any::<usize>().prop_map(|pick| Op::AppAck { pick }),
        2 => (0u64..7_000).prop_map(Op::Tick),
        1 => Just(Op::ConnectionLost),
        2 => any::<bool>().prop_map(|present| Op::Reconnect { present }),
    ]
}

/// 256 cases in the test run; `MODEL_CASES=N` for the long runs (scripts/long-checks.sh).
fn model_cases() -> u32 {
    std::env::var("MODEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(model_cases()))]

    #[test]
    fn client_session_keeps_its_promises_against_a_model_server(
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
