//! Packet identifiers.

use super::harness::*;

/// [MQTT-2.3.1-2] (5.0 [MQTT-2.2.1-3]): every packet in flight, QoS 1 and 2 PUBLISHes
/// (queued ones included), SUBSCRIBE and UNSUBSCRIBE, has an identifier of its own.
#[test]
fn mqtt_2_3_1_2_packet_ids_are_unique_while_in_flight() {
    for version in VERSIONS {
        let mut c = config(version);
        c.max_inflight = 2;
        let mut p = Peer::connected(c);
        let mut ids = Vec::new();
        for i in 0..6 {
            let qos = if i % 2 == 0 {
                QoS::AtLeastOnce
            } else {
                QoS::ExactlyOnce
            };
            ids.push(p.publish("a", qos).unwrap());
        }
        ids.push(p.subscribe("x", QoS::AtMostOnce));
        ids.push(p.session.unsubscribe("y", p.now).unwrap());
        assert_eq!(p.session.pending_publishes(), (2, 4));
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "{ids:?}");
        let sent = p.sent();
        let mut wire: Vec<PacketId> = sent
            .iter()
            .map(|s| match s {
                Packet::Publish(p) => p.packet_id.unwrap(),
                Packet::Subscribe(s) => s.packet_id,
                Packet::Unsubscribe(u) => u.packet_id,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(wire.len(), 4);
        wire.sort();
        wire.dedup();
        assert_eq!(wire.len(), 4);
    }
}

/// Publishes and completes one QoS 1 message under every identifier from `from` to 65535,
/// so that the next identifier handed out wraps around to the low ones.
fn run_ids_to_the_top(p: &mut Peer, from: u16) {
    for n in from..=u16::MAX {
        let id = p.publish("w", QoS::AtLeastOnce).unwrap();
        assert_eq!(id.get(), n);
        p.drain_tx();
        p.outbox.clear();
        p.send(puback(n));
        assert_eq!(p.inbox.pop(), Some(published(id)));
        assert!(p.inbox.is_empty());
    }
}

/// [MQTT-2.3.1-2]: once the identifiers wrap around, the ones still in flight are skipped.
#[test]
fn mqtt_2_3_1_2_ids_in_flight_are_skipped_when_the_ids_wrap_around() {
    let mut p = Peer::connected(config(V3));
    let a = p.publish("a", QoS::AtLeastOnce).unwrap();
    let b = p.publish("b", QoS::ExactlyOnce).unwrap();
    assert_eq!((a.get(), b.get()), (1, 2));
    p.sent();
    run_ids_to_the_top(&mut p, 3);
    let s = p.subscribe("x", QoS::AtMostOnce);
    assert_eq!(s.get(), 3, "1 and 2 are in flight");
    p.send(pubrec(b.get()));
    assert_eq!(p.publish("c", QoS::AtLeastOnce), Some(pid(4)));
    p.sent();
    p.send(pubcomp(b.get()));
    p.send(puback(a.get()));
    assert_eq!(p.events(), vec![published(b), published(a)]);
}

/// [MQTT-2.3.1-2]: an identifier whose completion (here `PublishFailed`, several at once
/// after a lost session) has not been polled yet is not handed out again; once polled it is.
#[test]
fn mqtt_2_3_1_2_an_id_is_reused_only_after_its_completion_is_polled() {
    let mut p = Peer::connected(persistent(V3));
    let a = p.publish("a", QoS::AtLeastOnce).unwrap();
    let b = p.publish("b", QoS::ExactlyOnce).unwrap();
    p.sent();
    run_ids_to_the_top(&mut p, 3);
    p.lose();
    p.connect();
    // session present 0: both fail, reported one at a time.
    let ack = Packet::ConnAck(ConnAck::new(ReasonCode::Success));
    let bytes = ack.to_bytes(V3).unwrap();
    assert_eq!(p.session.receive(&bytes, p.now), bytes.len());
    assert_eq!(p.session.poll_event(p.now).map(own), Some(session_lost(a)));
    assert_eq!(p.publish("c", QoS::AtLeastOnce), Some(a), "polled: free");
    assert_eq!(
        p.publish("d", QoS::AtLeastOnce),
        Some(pid(3)),
        "{b:?} is not polled yet"
    );
    assert_eq!(p.session.poll_event(p.now).map(own), Some(session_lost(b)));
    assert!(matches!(
        p.session.poll_event(p.now).map(own),
        Some(Ev::Connected { .. })
    ));
    assert_eq!(publish_ids(&p.sent()), vec![a, pid(3)]);
}

/// [MQTT-2.3.1-2] .. [MQTT-2.3.1-4]: a SUBSCRIBE's or UNSUBSCRIBE's identifier is in use
/// until its answer, and free after.
#[test]
fn mqtt_2_3_1_3_subscribe_ids_are_free_again_after_the_answer() {
    for version in VERSIONS {
        let mut p = Peer::connected_sized(
            config(version),
            Sizes {
                pending: 2,
                ..SIZES
            },
        );
        let s = p.subscribe("a", QoS::AtLeastOnce);
        let u = p.session.unsubscribe("b", p.now).unwrap();
        assert_eq!(
            p.session
                .subscribe("c", SubscriptionOptions::new(QoS::AtMostOnce), p.now),
            Err(SessionError::StorageFull(
                "the pending SUBSCRIBE/UNSUBSCRIBE records"
            ))
        );
        assert_eq!(p.sent().len(), 2);
        p.send(Packet::SubAck(SubAck::new(
            s,
            vec![ReasonCode::GrantedQoS1],
        )));
        p.send(unsuback(version, u, 1));
        assert_eq!(p.events().len(), 2);
        p.subscribe("c", QoS::AtMostOnce);
        p.session.unsubscribe("d", p.now).unwrap();
        assert_eq!(p.sent().len(), 2);
    }
}

/// 5.0 [MQTT-4.3.3-10] with [MQTT-2.2.1-3]: a QoS 2 message that fails because the resumed
/// server's Maximum Packet Size cannot take its resend may have reached the server, which
/// then keeps its identifier until a PUBREL; a new message sent under it would be answered
/// with PUBREC and not passed on. So the identifier is not handed out again while the
/// server's session lasts, a snapshot keeps it (format 3), and it is free once the server
/// has lost the session. A QoS 1 message failed the same way frees its identifier.
#[test]
fn v5_a_failed_qos2_resend_keeps_its_id_while_the_session_lasts() {
    let mut p = Peer::connected(persistent(V5));
    let held = p.publish_big(QoS::ExactlyOnce);
    let freed = p.publish_big(QoS::AtLeastOnce);
    assert_eq!((held.get(), freed.get()), (1, 2));
    p.sent();
    p.lose();
    p.connect();
    let events = p.connack(resumed_taking(64));
    for id in [held, freed] {
        let failed = Ev::PublishFailed {
            packet_id: id,
            failure: PublishFailure::Refused(ReasonCode::PacketTooLarge),
        };
        assert!(events.contains(&failed), "{events:?}");
    }
    assert_eq!(p.session.pending_publishes(), (0, 0));
    run_ids_to_the_top(&mut p, 3);
    assert_eq!(
        p.publish("b", QoS::ExactlyOnce),
        Some(freed),
        "{held:?} is held, {freed:?} is free"
    );
    p.sent();

    let mut out = vec![0u8; 4096];
    let n = p.session.snapshot(&mut out).unwrap();
    assert_eq!(out[4], 3, "a held identifier needs format 3");
    let restored = FixedSession::from_snapshot(persistent(V5), storage(SIZES), &out[..n]).unwrap();
    let mut again = vec![0u8; 4096];
    let m = restored.snapshot(&mut again).unwrap();
    assert_eq!(again[..m], out[..n], "the restored session holds it too");

    p.lose();
    p.connect();
    let events = p.accept(false);
    assert!(events.contains(&session_lost(freed)), "{events:?}");
    p.session.snapshot(&mut out).unwrap();
    assert_eq!(out[4], 2, "nothing held once the server lost the session");
}

/// The identifier is held from the failure on: a snapshot taken before the application
/// polls the failure keeps it too (the report itself is not kept, as no report is).
#[test]
fn v5_a_held_identifier_is_in_a_snapshot_before_its_failure_is_polled() {
    let mut p = Peer::connected(persistent(V5));
    let held = p.publish_big(QoS::ExactlyOnce);
    p.sent();
    p.lose();
    p.connect();
    let bytes = Packet::ConnAck(resumed_taking(64)).to_bytes(V5).unwrap();
    assert_eq!(p.session.receive(&bytes, p.now), bytes.len());
    let now = p.now;
    assert!(matches!(
        p.session.poll_event(now).map(own),
        Some(Ev::Connected { .. })
    ));
    // The resend is judged as the session sends: the message fails, its report waits.
    assert!(p.session.poll_transmit(now).is_none());
    let mut out = vec![0u8; 4096];
    let n = p.session.snapshot(&mut out).unwrap();
    assert_eq!(out[4], 3);
    let entry = [2u8, 0, held.get() as u8];
    assert!(
        out[..n].windows(3).any(|w| w == entry),
        "{:02x?}",
        &out[..n]
    );
}
