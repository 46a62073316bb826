//! The broker core without sockets (issue 5): versions side by side, QoS 0/1/2 in both
//! directions, sessions, takeover, client identifiers, retained messages, wills, keep alive
//! and wildcards. Events go in through the harness, actions come out decoded by each
//! client's own decoder; time is a fake clock.
//!
//! The 5.0 extras are in `broker_v5.rs`; robustness, queues, ACL and configuration in
//! `broker_limits.rs`.

mod support_broker;

use mqtt_codec::{Packet, Properties, PubResponse, Publish, QoS, ReasonCode};
use support_broker::*;

// =======================================================================================
// Versions side by side
// =======================================================================================

#[test]
fn v31_v311_and_v5_clients_share_topics() {
    let mut h = Harness::default();
    h.connect(1, V31, "old", true);
    h.connect(2, V311, "mid", true);
    h.connect(3, V5, "new", true);
    for conn in 1..=3 {
        let ack = h.subscribe(conn, "room/+", QoS::AtLeastOnce);
        assert_eq!(ack.reason_codes, [ReasonCode::GrantedQoS1]);
    }
    h.publish0(1, "room/a", "from 3.1");
    h.publish1(2, "room/b", "from 3.1.1", 1);
    h.publish2(3, "room/c", "from 5.0", 1);
    for conn in 1..=3 {
        let got = h.publishes(conn);
        let summary: Vec<(String, String, QoS)> = got
            .iter()
            .map(|p| (p.topic.as_str().to_owned(), payload(p), p.qos))
            .collect();
        assert_eq!(
            summary,
            [
                ("room/a".to_owned(), "from 3.1".to_owned(), QoS::AtMostOnce),
                (
                    "room/b".to_owned(),
                    "from 3.1.1".to_owned(),
                    QoS::AtLeastOnce
                ),
                ("room/c".to_owned(), "from 5.0".to_owned(), QoS::AtLeastOnce),
            ],
            "connection {conn}"
        );
        // 3.x clients never see 5.0 properties.
        if conn != 3 {
            assert!(got.iter().all(|p| p.properties == Properties::default()));
        }
    }
}

#[test]
fn mqtt_3_2_2_connack_accepts_each_version() {
    let mut h = Harness::default();
    for (conn, version) in [(1, V31), (2, V311), (3, V5)] {
        let ack = h.connect(conn, version, &format!("c{conn}"), true);
        assert!(!ack.session_present);
    }
    assert_eq!(h.stats().connections, 3);
    assert_eq!(h.broker.connection_count(), 3);
}

#[test]
fn mqtt_3_12_4_1_pingreq_gets_pingresp() {
    let mut h = Harness::default();
    h.connect(1, V311, "p", true);
    h.send(1, Packet::PingReq);
    assert_eq!(h.received(1), [Packet::PingResp]);
}

// =======================================================================================
// QoS flows
// =======================================================================================

#[test]
fn mqtt_4_3_1_qos0_delivered_without_packet_id() {
    let mut h = Harness::default();
    h.connect(1, V311, "sub", true);
    h.connect(2, V311, "pub", true);
    h.subscribe(1, "t", QoS::ExactlyOnce);
    h.publish0(2, "t", "hi");
    assert!(h.received(2).is_empty(), "no acknowledgement at QoS 0");
    let p = only_publish(h.received(1));
    assert_eq!((p.qos, p.packet_id, p.dup), (QoS::AtMostOnce, None, false));
}

#[test]
fn mqtt_4_3_2_qos1_puback_to_publisher_and_delivery_to_subscriber() {
    let mut h = Harness::default();
    h.connect(1, V311, "sub", true);
    h.connect(2, V311, "pub", true);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    let ack = h.publish1(2, "t", "one", 42);
    assert_eq!(
        ack.packet_id,
        pid(42),
        "[MQTT-4.3.2-2] PUBACK carries the PUBLISH's id"
    );
    let p = only_publish(h.received(1));
    assert_eq!(p.qos, QoS::AtLeastOnce);
    assert!(!p.dup);
    let id = p.packet_id.expect("QoS 1 has a packet id");
    h.send(1, Packet::PubAck(PubResponse::new(id)));
    assert!(h.received(1).is_empty());
    // Acknowledged: a reconnect of a persistent session would not resend it (see the session
    // tests); here the id is simply free again and the next message flows.
    h.publish1(2, "t", "two", 43);
    assert_eq!(h.payloads(1), ["two"]);
}

#[test]
fn mqtt_4_3_3_qos2_handshake_in_both_directions() {
    let mut h = Harness::default();
    h.connect(1, V5, "sub", true);
    h.connect(2, V311, "pub", true);
    h.subscribe(1, "t", QoS::ExactlyOnce);

    // Publisher side: PUBLISH → PUBREC, PUBREL → PUBCOMP. The message goes out on PUBLISH.
    h.send(
        2,
        Publish::with_qos(topic_name("t"), "exactly", QoS::ExactlyOnce, pid(9)),
    );
    assert_eq!(h.received(2), [Packet::PubRec(PubResponse::new(pid(9)))]);
    let p = only_publish(h.received(1));
    assert_eq!((p.qos, payload(&p).as_str()), (QoS::ExactlyOnce, "exactly"));
    h.send(2, Packet::PubRel(PubResponse::new(pid(9))));
    assert_eq!(h.received(2), [Packet::PubComp(PubResponse::new(pid(9)))]);

    // Subscriber side: PUBREC → PUBREL, PUBCOMP ends the flow.
    let id = p.packet_id.unwrap();
    h.send(1, Packet::PubRec(PubResponse::new(id)));
    assert_eq!(h.received(1), [Packet::PubRel(PubResponse::new(id))]);
    h.send(1, Packet::PubComp(PubResponse::new(id)));
    assert!(h.received(1).is_empty());
    assert!(!h.closed(1) && !h.closed(2));
}

#[test]
fn mqtt_4_3_3_duplicate_qos2_publish_before_pubrel_is_not_delivered_twice() {
    let mut h = Harness::default();
    h.connect(1, V311, "sub", true);
    h.connect(2, V311, "pub", true);
    h.subscribe(1, "t", QoS::ExactlyOnce);
    let mut first = Publish::with_qos(topic_name("t"), "once", QoS::ExactlyOnce, pid(7));
    h.send(2, first.clone());
    first.dup = true;
    h.send(2, first);
    // Both get a PUBREC ([MQTT-4.3.3-9] … the receiver must acknowledge again)…
    assert_eq!(
        h.received(2),
        [
            Packet::PubRec(PubResponse::new(pid(7))),
            Packet::PubRec(PubResponse::new(pid(7)))
        ]
    );
    // …but the message is delivered once.
    assert_eq!(h.payloads(1), ["once"]);
    h.send(2, Packet::PubRel(PubResponse::new(pid(7))));
    assert_eq!(h.received(2), [Packet::PubComp(PubResponse::new(pid(7)))]);
    // After PUBREL the id names a new message.
    h.send(
        2,
        Publish::with_qos(topic_name("t"), "again", QoS::ExactlyOnce, pid(7)),
    );
    assert_eq!(h.payloads(1), ["again"]);
}

#[test]
fn mqtt_3_8_4_6_delivery_downgraded_to_granted_qos() {
    let mut h = Harness::default();
    h.connect(1, V311, "q0", true);
    h.connect(2, V311, "q1", true);
    h.connect(3, V311, "q2", true);
    h.connect(4, V311, "pub", true);
    h.subscribe(1, "t", QoS::AtMostOnce);
    h.subscribe(2, "t", QoS::AtLeastOnce);
    h.subscribe(3, "t", QoS::ExactlyOnce);
    h.publish2(4, "t", "x", 1);
    assert_eq!(only_publish(h.received(1)).qos, QoS::AtMostOnce);
    assert_eq!(only_publish(h.received(2)).qos, QoS::AtLeastOnce);
    assert_eq!(only_publish(h.received(3)).qos, QoS::ExactlyOnce);
    // And never upgraded: a QoS 1 publication reaches the QoS 2 subscriber at QoS 1.
    h.publish1(4, "t", "y", 2);
    assert_eq!(only_publish(h.received(3)).qos, QoS::AtLeastOnce);
}

#[test]
fn mqtt_3_3_4_2_overlapping_subscriptions_deliver_once_at_highest_qos() {
    let mut h = Harness::default();
    h.connect(1, V311, "sub", true);
    h.connect(2, V311, "pub", true);
    h.subscribe(1, "a/+", QoS::AtMostOnce);
    h.subscribe(1, "a/#", QoS::AtLeastOnce);
    h.publish1(2, "a/b", "x", 1);
    let p = only_publish(h.received(1));
    assert_eq!(p.qos, QoS::AtLeastOnce);
}

#[test]
fn mqtt_3_10_4_unsubscribe_stops_delivery() {
    let mut h = Harness::default();
    h.connect(1, V5, "sub", true);
    h.connect(2, V311, "pub", true);
    h.subscribe(1, "t", QoS::AtMostOnce);
    h.send(1, unsubscribe_packet(&["t", "never"]));
    match h.received(1).as_slice() {
        [Packet::UnsubAck(a)] => {
            assert_eq!(a.packet_id, pid(2));
            assert_eq!(
                a.reason_codes,
                [ReasonCode::Success, ReasonCode::NoSubscriptionExisted]
            );
        }
        other => panic!("expected UNSUBACK, got {other:?}"),
    }
    h.publish0(2, "t", "x");
    assert!(h.received(1).is_empty());
}

#[test]
fn uns_6_an_invalid_filter_in_unsubscribe_gets_0x8f_in_5_0_and_plain_unsuback_in_3_1_1() {
    let mut h = Harness::default();
    h.connect(1, V5, "new", true);
    h.connect(2, V311, "old", true);
    h.send(
        1,
        unsubscribe_packet(&["a/+b", "a/#/b", "$share/g", "never"]),
    );
    match h.received(1).as_slice() {
        [Packet::UnsubAck(a)] => assert_eq!(
            a.reason_codes,
            [
                ReasonCode::TopicFilterInvalid,
                ReasonCode::TopicFilterInvalid,
                ReasonCode::TopicFilterInvalid,
                ReasonCode::NoSubscriptionExisted
            ]
        ),
        other => panic!("expected UNSUBACK, got {other:?}"),
    }
    // 3.1.1 compares filters character by character ([MQTT-3.10.4-1]): an invalid one
    // matches nothing, and the UNSUBACK says no more.
    h.send(2, unsubscribe_packet(&["a/+b"]));
    assert!(matches!(h.received(2).as_slice(), [Packet::UnsubAck(_)]));
    assert!(!h.closed(2));
}

/// Connects `sub` on `conn` with a session that outlives the connection.
fn connect_keeping(h: &mut Harness, conn: u64, version: mqtt_codec::ProtocolVersion) {
    if version == V5 {
        h.connect_v5_persistent(conn, "sub", 60);
    } else {
        h.connect(conn, version, "sub", false);
    }
}

/// A subscriber on `t` at `qos` (3.1.1 or 5.0) that has just been sent one message, whose
/// identifier is returned.
fn one_in_flight(h: &mut Harness, version: mqtt_codec::ProtocolVersion, qos: QoS) -> u16 {
    connect_keeping(h, 1, version);
    h.connect(2, V311, "pub", true);
    h.subscribe(1, "t", qos);
    match qos {
        QoS::AtLeastOnce => {
            h.publish1(2, "t", "x", 1);
        }
        _ => h.publish2(2, "t", "x", 1),
    }
    let p = only_publish(h.received(1));
    p.packet_id.expect("QoS 1 or 2").get()
}

#[test]
fn mqtt_2_3_1_6_an_acknowledgement_of_the_wrong_kind_closes_the_connection() {
    // [MQTT-2.3.1-6] (5.0 [MQTT-2.2.1-5]): an acknowledgement carries the identifier of the
    // packet it acknowledges. A PUBCOMP or PUBREC for a QoS 1 message, a PUBACK or PUBCOMP
    // for a QoS 2 one awaiting PUBREC, acknowledge nothing we sent: the connection closes
    // (5.0 after DISCONNECT 0x82), and the message waits in the session for the next one.
    type AckOf = fn(mqtt_codec::PacketId) -> Packet;
    let wrong: [(QoS, AckOf); 4] = [
        (QoS::AtLeastOnce, |id| Packet::PubComp(PubResponse::new(id))),
        (QoS::AtLeastOnce, |id| Packet::PubRec(PubResponse::new(id))),
        (QoS::ExactlyOnce, |id| Packet::PubAck(PubResponse::new(id))),
        (QoS::ExactlyOnce, |id| Packet::PubComp(PubResponse::new(id))),
    ];
    for version in [V311, V5] {
        for (qos, ack) in wrong {
            let mut h = Harness::default();
            let id = one_in_flight(&mut h, version, qos);
            h.send(1, ack(pid(id)));
            let got = h.received(1);
            if version == V5 {
                assert_eq!(last_disconnect(&got), ReasonCode::ProtocolError, "{qos:?}");
            } else {
                assert!(got.is_empty(), "3.1.1 closes without a word: {got:?}");
            }
            assert!(h.closed(1), "{version:?} {qos:?}");
            // The session kept the message: it comes again, as a duplicate.
            connect_keeping(&mut h, 3, version);
            let again = only_publish(h.received(3));
            assert!(again.dup && again.packet_id == Some(pid(id)), "{again:?}");
        }
    }
}

#[test]
fn acknowledgements_of_nothing_in_flight_are_ignored() {
    // A late duplicate (a PUBACK or PUBCOMP for an identifier no longer in flight) is not
    // an error: nothing happens.
    let mut h = Harness::default();
    h.connect(1, V311, "c", true);
    h.send(1, Packet::PubAck(PubResponse::new(pid(9))));
    h.send(1, Packet::PubComp(PubResponse::new(pid(9))));
    assert!(h.received(1).is_empty());
    assert!(!h.closed(1));
}

// =======================================================================================
// Sessions
// =======================================================================================

#[test]
fn mqtt_3_1_2_4_persistent_session_keeps_subscriptions_and_queues_qos1_and_qos2() {
    let mut h = Harness::default();
    h.connect(1, V311, "keeper", false);
    h.subscribe(1, "t", QoS::ExactlyOnce);
    h.disconnect(1);
    assert!(h.closed(1));
    assert_eq!(
        h.broker.session_count(),
        1,
        "the session outlives the connection"
    );

    h.connect(2, V311, "pub", true);
    h.publish0(2, "t", "qos0 is not queued");
    h.publish1(2, "t", "queued 1", 1);
    h.publish2(2, "t", "queued 2", 2);

    let ack = h.connect(3, V311, "keeper", false);
    assert!(ack.session_present, "[MQTT-3.2.2-2]");
    let got = h.publishes(3);
    let summary: Vec<(String, QoS, bool)> =
        got.iter().map(|p| (payload(p), p.qos, p.dup)).collect();
    assert_eq!(
        summary,
        [
            ("queued 1".to_owned(), QoS::AtLeastOnce, false),
            ("queued 2".to_owned(), QoS::ExactlyOnce, false)
        ]
    );
    // The subscription is still there.
    h.publish0(2, "t", "live");
    assert_eq!(h.payloads(3), ["live"]);
}

#[test]
fn mqtt_4_4_0_1_unacknowledged_publish_redelivered_with_dup_after_reconnect() {
    let mut h = Harness::default();
    h.connect(1, V311, "keeper", false);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.connect(2, V311, "pub", true);
    h.publish1(2, "t", "unacked", 1);
    let first = only_publish(h.received(1));
    assert!(!first.dup);
    h.drop_connection(1);

    let ack = h.connect(3, V311, "keeper", false);
    assert!(ack.session_present);
    let again = only_publish(h.received(3));
    assert!(again.dup, "[MQTT-3.3.1-1] a redelivery carries DUP");
    assert_eq!(
        again.packet_id, first.packet_id,
        "[MQTT-4.4.0-1] same packet identifier"
    );
    assert_eq!(payload(&again), "unacked");
    // Acknowledged now: a further reconnect resends nothing.
    h.send(
        3,
        Packet::PubAck(PubResponse::new(again.packet_id.unwrap())),
    );
    h.drop_connection(3);
    h.connect(4, V311, "keeper", false);
    assert!(h.received(4).is_empty());
}

#[test]
fn mqtt_4_4_0_1_unacknowledged_qos2_publish_and_pubrel_resent_after_reconnect() {
    let mut h = Harness::default();
    h.connect(1, V5, "keeper", false);
    h.send(1, {
        let mut c = connect_packet(V5, "keeper", false);
        c.properties.session_expiry_interval = Some(60);
        c
    });
    // That second CONNECT is a protocol error: the connection is closed with 0x82.
    assert_eq!(last_disconnect(&h.received(1)), ReasonCode::ProtocolError);
    assert!(h.closed(1));

    h.connect_v5_persistent(2, "keeper", 60);
    h.subscribe(2, "t", QoS::ExactlyOnce);
    h.connect(9, V311, "pub", true);
    h.publish2(9, "t", "m1", 1);
    h.publish2(9, "t", "m2", 2);
    let got = h.publishes(2);
    assert_eq!(got.len(), 2);
    // m1: PUBREC sent, PUBREL received, PUBCOMP not sent. m2: nothing acknowledged.
    let id1 = got[0].packet_id.unwrap();
    h.send(2, Packet::PubRec(PubResponse::new(id1)));
    assert_eq!(h.received(2), [Packet::PubRel(PubResponse::new(id1))]);
    h.drop_connection(2);

    let ack = h.connect_v5_persistent(3, "keeper", 60);
    assert!(ack.session_present);
    let resent = h.received(3);
    assert_eq!(resent.len(), 2, "{resent:?}");
    assert!(
        resent.contains(&Packet::PubRel(PubResponse::new(id1))),
        "[MQTT-4.4.0-1] PUBREL resent: {resent:?}"
    );
    let p = resent
        .iter()
        .find_map(|p| match p {
            Packet::Publish(p) => Some(p.clone()),
            _ => None,
        })
        .expect("m2 resent");
    assert_eq!(
        (payload(&p).as_str(), p.dup, p.packet_id),
        ("m2", true, got[1].packet_id)
    );
}

/// [MQTT-4.6.0-4] (the client's rule, which a server should follow too): a resumed
/// session's PUBRELs go again in the order their PUBRECs came, not in the order the
/// messages were first sent.
#[test]
fn mqtt_4_6_0_4_pubrels_are_resent_in_the_order_the_pubrecs_came() {
    for version in [V311, V5] {
        let mut h = Harness::default();
        let connect = |h: &mut Harness, conn| match version {
            V5 => {
                h.connect_v5_persistent(conn, "keeper", 60);
            }
            _ => {
                h.connect(conn, version, "keeper", false);
            }
        };
        connect(&mut h, 1);
        h.subscribe(1, "t", QoS::ExactlyOnce);
        h.connect(9, V311, "pub", true);
        for (n, m) in ["m1", "m2", "m3"].into_iter().enumerate() {
            h.publish2(9, "t", m, n as u16 + 1);
        }
        let ids: Vec<_> = h
            .publishes(1)
            .iter()
            .map(|p| p.packet_id.unwrap())
            .collect();
        assert_eq!(ids.len(), 3);
        let order = [ids[2], ids[0], ids[1]];
        for id in order {
            h.send(1, Packet::PubRec(PubResponse::new(id)));
        }
        let pubrel = |id| Packet::PubRel(PubResponse::new(id));
        assert_eq!(h.received(1), order.map(pubrel), "{version:?}");
        h.drop_connection(1);

        connect(&mut h, 2);
        let resent: Vec<_> = h
            .received(2)
            .into_iter()
            .filter(|p| matches!(p, Packet::PubRel(_)))
            .collect();
        assert_eq!(resent, order.map(pubrel), "{version:?}");
    }
}

#[test]
fn mqtt_3_1_2_6_clean_session_discards_the_previous_session() {
    let mut h = Harness::default();
    h.connect(1, V311, "c", false);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.disconnect(1);
    h.connect(2, V311, "pub", true);
    h.publish1(2, "t", "queued", 1);

    let ack = h.connect(3, V311, "c", true);
    assert!(!ack.session_present, "[MQTT-3.2.2-1]");
    assert!(h.received(3).is_empty(), "queued messages are discarded");
    h.publish1(2, "t", "after", 2);
    assert!(h.received(3).is_empty(), "subscriptions are discarded");
    h.disconnect(3);
    assert_eq!(
        h.broker.session_count(),
        1,
        "a clean session ends with its connection (only pub's remains)"
    );
}

#[test]
fn mqtt_3_1_persistent_session_resumes_without_session_present() {
    // MQTT 3.1 has no Session Present flag; the session is kept all the same.
    let mut h = Harness::default();
    h.connect(1, V31, "old", false);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.drop_connection(1);
    h.connect(2, V311, "pub", true);
    h.publish1(2, "t", "kept", 1);
    let ack = h.connect(3, V31, "old", false);
    assert!(!ack.session_present);
    assert_eq!(h.payloads(3), ["kept"]);
}

#[test]
fn mqtt_3_1_2_23_session_expiry_keeps_the_session_for_the_interval() {
    let mut h = Harness::default();
    h.connect_v5_persistent(1, "s", 10);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.drop_connection(1);
    h.connect(9, V311, "pub", true);
    h.publish1(9, "t", "while away", 1);
    assert_eq!(h.broker.next_deadline(), Some(10_000));
    h.advance(9_999);
    let ack = h.connect_v5_persistent(2, "s", 10);
    assert!(ack.session_present);
    assert_eq!(h.payloads(2), ["while away"]);
}

#[test]
fn mqtt_3_1_2_23_session_ends_when_the_expiry_interval_passes() {
    let mut h = Harness::default();
    h.connect_v5_persistent(1, "s", 10);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.disconnect(1);
    assert_eq!(h.broker.session_count(), 1);
    assert_eq!(h.advance_to_deadline(), 10_000);
    assert_eq!(h.broker.session_count(), 0, "the session expired");
    let ack = h.connect_v5_persistent(2, "s", 10);
    assert!(!ack.session_present);
    h.connect(9, V311, "pub", true);
    h.publish1(9, "t", "x", 1);
    assert!(
        h.received(2).is_empty(),
        "the subscription ended with the session"
    );
}

#[test]
fn mqtt_3_1_2_11_v5_session_expiry_absent_ends_session_at_close() {
    let mut h = Harness::default();
    h.connect(1, V5, "s", false);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.drop_connection(1);
    assert_eq!(h.broker.session_count(), 0);
    let ack = h.connect(2, V5, "s", false);
    assert!(!ack.session_present);
}

#[test]
fn mqtt_3_14_2_disconnect_session_expiry_extends_the_session() {
    let mut h = Harness::default();
    h.connect_v5_persistent(1, "s", 10);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    let mut d = mqtt_codec::Disconnect::new(ReasonCode::Success);
    d.properties.session_expiry_interval = Some(100);
    h.send(1, d);
    h.advance(50_000);
    assert_eq!(h.broker.session_count(), 1);
    h.advance(50_000);
    assert_eq!(h.broker.session_count(), 0);
}

#[test]
fn mqtt_3_14_2_2_disconnect_cannot_set_expiry_after_zero() {
    let mut h = Harness::default();
    h.connect(1, V5, "s", true);
    let mut d = mqtt_codec::Disconnect::new(ReasonCode::Success);
    d.properties.session_expiry_interval = Some(100);
    h.send(1, d);
    assert_eq!(last_disconnect(&h.received(1)), ReasonCode::ProtocolError);
    assert!(h.closed(1));
}

#[test]
fn mqtt_3_1_2_4_clean_start_discards_an_existing_v5_session() {
    let mut h = Harness::default();
    h.connect_v5_persistent(1, "s", 3600);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.disconnect(1);
    h.connect(9, V311, "pub", true);
    h.publish1(9, "t", "queued", 1);
    let mut c = connect_packet(V5, "s", true);
    c.properties.session_expiry_interval = Some(3600);
    let ack = h.connect_with(2, c);
    assert!(!ack.session_present);
    assert!(h.received(2).is_empty());
    h.publish1(9, "t", "after", 2);
    assert!(h.received(2).is_empty());
}

// =======================================================================================
// Takeover and client identifiers
// =======================================================================================

#[test]
fn mqtt_3_1_4_3_takeover_closes_old_connection() {
    let mut h = Harness::default();
    h.connect(1, V311, "dup", false);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    let ack = h.connect(2, V311, "dup", false);
    assert!(h.closed(1), "[MQTT-3.1.4-3] the old connection is closed");
    assert!(
        h.received(1).is_empty(),
        "3.1.1 has no DISCONNECT from the server"
    );
    assert!(!h.closed(2));
    assert!(
        ack.session_present,
        "the session is taken over, not discarded"
    );
    h.connect(9, V311, "pub", true);
    h.publish1(9, "t", "to the new one", 1);
    assert_eq!(h.payloads(2), ["to the new one"]);
    assert_eq!(h.broker.connection_count(), 2);
}

#[test]
fn mqtt_3_1_4_3_takeover_sends_v5_disconnect_0x8e() {
    let mut h = Harness::default();
    h.connect(1, V5, "dup", true);
    h.connect(2, V5, "dup", true);
    assert_eq!(
        h.received(1),
        [Packet::Disconnect(mqtt_codec::Disconnect::new(
            ReasonCode::SessionTakenOver
        ))]
    );
    assert!(h.closed(1));
    assert!(!h.closed(2));
}

#[test]
fn mqtt_3_1_4_3_takeover_across_versions() {
    let mut h = Harness::default();
    h.connect(1, V311, "dev", true);
    h.connect(2, V5, "dev", true);
    assert!(h.closed(1));
    h.connect(3, V31, "dev", true);
    assert_eq!(
        last_disconnect(&h.received(2)),
        ReasonCode::SessionTakenOver
    );
    assert!(h.closed(2));
    assert!(!h.closed(3));
}

#[test]
fn mqtt_3_2_2_16_empty_client_id_gets_an_assigned_identifier_in_v5() {
    let mut h = Harness::default();
    let a = h.connect(1, V5, "", true);
    let b = h.connect(2, V5, "", true);
    let id_a = a
        .properties
        .assigned_client_identifier
        .clone()
        .expect("[MQTT-3.2.2-16] Assigned Client Identifier");
    let id_b = b
        .properties
        .assigned_client_identifier
        .clone()
        .expect("Assigned Client Identifier");
    assert!(!id_a.is_empty());
    assert_ne!(id_a, id_b, "assigned identifiers are unique");
    assert!(!h.closed(1), "different identifiers: no takeover");
}

#[test]
fn mqtt_3_1_3_6_v311_empty_client_id_with_clean_session_is_accepted() {
    let mut h = Harness::default();
    let ack = h.connect(1, V311, "", true);
    assert!(!ack.session_present);
    h.connect(2, V311, "", true);
    assert!(!h.closed(1), "each empty identifier is a distinct client");
    h.subscribe(1, "t", QoS::AtMostOnce);
    h.publish0(2, "t", "x");
    assert_eq!(h.payloads(1), ["x"]);
}

#[test]
fn mqtt_3_1_3_8_v311_empty_client_id_without_clean_session_refused_with_code_2() {
    let mut h = Harness::default();
    h.open(1, V311);
    // Built by hand: our encoder refuses this CONNECT.
    h.send_bytes(
        1,
        &[
            0x10, 0x0C, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x00, 0, 60, 0, 0,
        ],
    );
    match h.received(1).as_slice() {
        [Packet::ConnAck(a)] => assert_eq!(a.reason_code, ReasonCode::ClientIdentifierNotValid),
        other => panic!("expected CONNACK 0x02, got {other:?}"),
    }
    assert!(h.closed(1));
}

/// [MQTT-3.1.4-1] with §4.13: a CONNECT that names 5.0 and then breaks a rule is answered
/// with a 5.0 CONNACK carrying the reason before the close (the checklist's negative vectors
/// expect it); 3.1.1 has no code for such a CONNECT and is closed without one.
#[test]
fn mqtt_3_1_4_1_v5_connect_breaking_a_rule_gets_a_connack_with_the_reason() {
    for (bytes, reason) in [
        // Receive Maximum 0: a Protocol Error (CON-20).
        (
            &[
                0x10, 0x13, 0, 4, b'M', b'Q', b'T', b'T', 5, 0x02, 0, 60, 3, 0x21, 0, 0, 0, 3,
                b'a', b'b', b'c',
            ][..],
            ReasonCode::ProtocolError,
        ),
        // The reserved flag bit of CONNECT set: Malformed.
        (
            &[
                0x10, 0x10, 0, 4, b'M', b'Q', b'T', b'T', 5, 0x03, 0, 60, 0, 0, 3, b'a', b'b', b'c',
            ][..],
            ReasonCode::MalformedPacket,
        ),
    ] {
        let mut h = Harness::default();
        h.open(1, V5);
        h.send_bytes(1, bytes);
        match h.received(1).as_slice() {
            [Packet::ConnAck(a)] => assert_eq!(a.reason_code, reason),
            other => panic!("expected CONNACK {reason:?}, got {other:?}"),
        }
        assert!(h.closed(1));
    }
    // The same reserved bit under 3.1.1: closed, nothing sent.
    let mut h = Harness::default();
    h.open(1, V311);
    h.send_bytes(
        1,
        &[
            0x10, 0x0F, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x03, 0, 60, 0, 3, b'a', b'b', b'c',
        ],
    );
    assert!(h.received(1).is_empty());
    assert!(h.closed(1));
}

#[test]
fn mqtt_3_1_empty_client_id_refused_with_return_code_2() {
    let mut h = Harness::default();
    let ack = h.connect_with(1, connect_packet(V31, "", true));
    assert_eq!(
        ack.reason_code,
        ReasonCode::ClientIdentifierNotValid,
        "3.1 return code 2: identifier rejected"
    );
    assert!(h.closed(1));
    assert_eq!(h.stats().connections, 0);
}

#[test]
fn mqtt_3_1_0_1_first_packet_must_be_connect() {
    let mut h = Harness::default();
    h.open(1, V311);
    h.send_bytes(1, &[0xC0, 0x00]); // PINGREQ
    assert!(h.received(1).is_empty());
    assert!(h.closed(1));
}

#[test]
fn connection_without_connect_is_closed_after_the_connect_timeout() {
    let mut h = Harness::default();
    h.open(1, V311);
    let deadline = h.broker.next_deadline().expect("a deadline for CONNECT");
    h.advance(deadline - 1);
    assert!(!h.closed(1));
    h.advance(1);
    assert!(h.closed(1));
    assert_eq!(h.broker.connection_count(), 0);
}

// =======================================================================================
// Retained messages
// =======================================================================================

fn retained(topic: &str, payload: &str, qos: QoS, id: Option<u16>) -> Publish {
    publish_packet(topic, payload, qos, id, true, Properties::default())
}

#[test]
fn mqtt_3_3_1_6_retained_message_delivered_on_subscribe_with_retain_flag() {
    let mut h = Harness::default();
    h.connect(1, V311, "pub", true);
    h.send(1, retained("status/a", "on", QoS::AtLeastOnce, Some(1)));
    h.received(1);
    assert_eq!(h.broker.retained_count(), 1);
    h.connect(2, V311, "sub", true);
    h.subscribe(2, "status/#", QoS::AtLeastOnce);
    let p = only_publish(h.received(2));
    assert!(
        p.retain,
        "[MQTT-3.3.1-8] retained on subscribe keeps RETAIN"
    );
    assert_eq!((payload(&p).as_str(), p.qos), ("on", QoS::AtLeastOnce));
}

#[test]
fn mqtt_3_3_1_5_retained_message_replaced_by_the_next_one() {
    let mut h = Harness::default();
    h.connect(1, V311, "pub", true);
    h.send(1, retained("status/a", "first", QoS::AtMostOnce, None));
    h.send(1, retained("status/a", "second", QoS::AtMostOnce, None));
    h.send(1, retained("status/b", "other", QoS::AtMostOnce, None));
    assert_eq!(h.broker.retained_count(), 2);
    h.connect(2, V5, "sub", true);
    h.subscribe(2, "status/+", QoS::AtMostOnce);
    let mut got = h.payloads(2);
    got.sort();
    assert_eq!(got, ["other", "second"]);
}

#[test]
fn mqtt_3_3_1_10_empty_retained_payload_clears_the_retained_message() {
    let mut h = Harness::default();
    h.connect(1, V311, "pub", true);
    h.connect(2, V311, "live", true);
    h.subscribe(2, "status/a", QoS::AtMostOnce);
    h.send(1, retained("status/a", "on", QoS::AtMostOnce, None));
    h.send(1, retained("status/a", "", QoS::AtMostOnce, None));
    assert_eq!(h.broker.retained_count(), 0);
    // [MQTT-3.3.1-10]/[MQTT-3.3.1-11]: the empty message reaches current subscribers normally.
    assert_eq!(h.payloads(2), ["on", ""]);
    h.connect(3, V311, "late", true);
    h.subscribe(3, "status/a", QoS::AtMostOnce);
    assert!(h.received(3).is_empty(), "nothing retained any more");
}

#[test]
fn mqtt_3_3_1_9_retain_flag_cleared_for_established_subscriptions() {
    let mut h = Harness::default();
    h.connect(1, V311, "sub", true);
    h.subscribe(1, "t", QoS::AtMostOnce);
    h.connect(2, V311, "pub", true);
    h.send(2, retained("t", "r", QoS::AtMostOnce, None));
    let p = only_publish(h.received(1));
    assert!(!p.retain, "[MQTT-3.3.1-9] live delivery has RETAIN 0");
}

#[test]
fn retained_message_delivered_at_the_lower_of_its_qos_and_the_granted_qos() {
    let mut h = Harness::default();
    h.connect(1, V311, "pub", true);
    h.send(1, retained("t", "r2", QoS::ExactlyOnce, Some(5)));
    h.send(1, Packet::PubRel(PubResponse::new(pid(5))));
    h.connect(2, V311, "sub", true);
    h.subscribe(2, "t", QoS::AtLeastOnce);
    assert_eq!(only_publish(h.received(2)).qos, QoS::AtLeastOnce);
}

// =======================================================================================
// Wills
// =======================================================================================

fn with_will(
    version: mqtt_codec::ProtocolVersion,
    id: &str,
    w: mqtt_codec::Will,
) -> mqtt_codec::Connect {
    let mut c = connect_packet(version, id, true);
    c.will = Some(w);
    c
}

#[test]
fn mqtt_3_1_2_8_will_published_on_connection_loss() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtLeastOnce);
    h.connect_with(
        2,
        with_will(V311, "dying", will("wills/dying", "gone", QoS::AtLeastOnce)),
    );
    h.drop_connection(2);
    let p = only_publish(h.received(1));
    assert_eq!(
        (p.topic.as_str(), payload(&p).as_str(), p.qos),
        ("wills/dying", "gone", QoS::AtLeastOnce)
    );
}

#[test]
fn mqtt_3_1_2_10_will_not_published_on_normal_disconnect() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtLeastOnce);
    h.connect_with(
        2,
        with_will(
            V311,
            "polite",
            will("wills/polite", "gone", QoS::AtMostOnce),
        ),
    );
    h.disconnect(2);
    assert!(h.closed(2));
    h.drop_connection(2); // the socket closing afterwards changes nothing
    assert!(h.received(1).is_empty());
}

#[test]
fn mqtt_3_1_2_8_will_published_on_v5_disconnect_with_will_message_0x04() {
    let mut h = Harness::default();
    h.connect(1, V5, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    h.connect_with(
        2,
        with_will(V5, "leaver", will("wills/leaver", "bye", QoS::AtMostOnce)),
    );
    h.send(
        2,
        mqtt_codec::Disconnect::new(ReasonCode::DisconnectWithWillMessage),
    );
    assert!(h.closed(2));
    assert_eq!(h.payloads(1), ["bye"]);
}

#[test]
fn mqtt_3_1_2_8_will_published_when_keep_alive_runs_out() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    let mut c = with_will(
        V311,
        "silent",
        will("wills/silent", "timeout", QoS::AtMostOnce),
    );
    c.keep_alive = 10;
    h.connect_with(2, c);
    h.advance(14_999);
    assert!(
        !h.closed(2),
        "still within one and a half times the keep alive"
    );
    assert!(h.received(1).is_empty());
    h.advance(1);
    assert!(h.closed(2), "[MQTT-3.1.2-24] closed at 1.5 × keep alive");
    assert_eq!(h.payloads(1), ["timeout"]);
}

#[test]
fn retained_will_is_stored() {
    let mut h = Harness::default();
    let mut w = will("wills/r", "last", QoS::AtMostOnce);
    w.retain = true;
    h.connect_with(1, with_will(V311, "r", w));
    h.drop_connection(1);
    assert_eq!(h.broker.retained_count(), 1);
    h.connect(2, V311, "late", true);
    h.subscribe(2, "wills/r", QoS::AtMostOnce);
    let p = only_publish(h.received(2));
    assert!(p.retain);
    assert_eq!(payload(&p), "last");
}

fn delayed_will_connect(id: &str, delay: u32, expiry: u32) -> mqtt_codec::Connect {
    let mut w = will("wills/d", "late", QoS::AtMostOnce);
    w.properties.will_delay_interval = Some(delay);
    let mut c = with_will(V5, id, w);
    c.clean_start = false;
    c.properties.session_expiry_interval = Some(expiry);
    c
}

#[test]
fn mqtt_3_1_3_9_will_delay_interval_honoured() {
    let mut h = Harness::default();
    h.connect(1, V5, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    h.connect_with(2, delayed_will_connect("d", 5, 100));
    h.drop_connection(2);
    assert_eq!(h.broker.next_deadline(), Some(5_000));
    h.advance(4_999);
    assert!(h.received(1).is_empty(), "not before the will delay");
    h.advance(1);
    assert_eq!(h.payloads(1), ["late"]);
    h.advance(200_000);
    assert!(h.received(1).is_empty(), "published once");
}

#[test]
fn mqtt_3_1_3_9_will_cancelled_by_reconnect_within_the_delay() {
    let mut h = Harness::default();
    h.connect(1, V5, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    h.connect_with(2, delayed_will_connect("d", 5, 100));
    h.drop_connection(2);
    h.advance(3_000);
    let ack = h.connect_v5_persistent(3, "d", 100);
    assert!(ack.session_present);
    h.advance(10_000);
    assert!(
        h.received(1).is_empty(),
        "[MQTT-3.1.3-9] no will after a reconnect"
    );
    h.disconnect(3);
    h.advance(10_000);
    assert!(h.received(1).is_empty(), "the new connection set no will");
}

/// [MQTT-3.1.2-8]: a will waits out its delay or the end of its session, whichever comes
/// first. A Clean Start connection for the client id ends the session, so the will goes at
/// once ([MQTT-3.1.3-9] cancels it only for a connection that takes the session up again);
/// mosquitto and HiveMQ publish it too.
#[test]
fn mqtt_3_1_2_8_a_clean_start_reconnect_within_the_delay_publishes_the_will_at_once() {
    let mut h = Harness::default();
    h.connect(1, V5, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    h.connect_with(2, delayed_will_connect("d", 3, 10));
    h.drop_connection(2);
    h.advance(1_000);
    assert!(h.received(1).is_empty(), "still within the delay");
    let ack = h.connect(3, V5, "d", true);
    assert!(!ack.session_present);
    assert_eq!(
        h.payloads(1),
        ["late"],
        "the session ended with the clean start"
    );
    h.advance(20_000);
    assert!(h.received(1).is_empty(), "published once");
}

/// The same for a Clean Start takeover of a connection still open.
#[test]
fn mqtt_3_1_2_8_a_clean_start_takeover_publishes_the_delayed_will_at_once() {
    let mut h = Harness::default();
    h.connect(1, V5, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    h.connect_with(2, delayed_will_connect("d", 5, 100));
    h.connect(3, V5, "d", true);
    assert_eq!(
        last_disconnect(&h.received(2)),
        ReasonCode::SessionTakenOver
    );
    assert_eq!(h.payloads(1), ["late"]);
}

/// DIS-9 ([MQTT-3.14.4-3]): only a DISCONNECT with 0x00 discards the will; one with an
/// error code keeps it, to be published after its delay.
#[test]
fn dis_9_a_disconnect_with_an_error_code_keeps_the_will() {
    let mut h = Harness::default();
    h.connect(1, V5, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    h.connect_with(2, delayed_will_connect("d", 2, 100));
    h.send(2, mqtt_codec::Disconnect::new(ReasonCode::UnspecifiedError));
    assert!(h.received(1).is_empty(), "not before the will delay");
    h.advance(2_000);
    assert_eq!(h.payloads(1), ["late"]);

    h.connect_with(3, delayed_will_connect("e", 0, 0));
    h.send(3, mqtt_codec::Disconnect::new(ReasonCode::Success));
    h.advance(10_000);
    assert!(h.received(1).is_empty(), "0x00 discards it");
}

#[test]
fn mqtt_3_1_3_9_will_published_when_the_session_ends_before_the_delay() {
    let mut h = Harness::default();
    h.connect(1, V5, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    h.connect_with(2, delayed_will_connect("d", 60, 5));
    h.drop_connection(2);
    h.advance(5_000);
    assert_eq!(h.payloads(1), ["late"], "the session ended first");
    assert_eq!(h.broker.session_count(), 1);
}

// =======================================================================================
// Keep alive
// =======================================================================================

#[test]
fn mqtt_3_1_2_24_keep_alive_enforced_and_reset_by_any_packet() {
    let mut h = Harness::default();
    let mut c = connect_packet(V311, "k", true);
    c.keep_alive = 2;
    h.connect_with(1, c);
    for _ in 0..5 {
        h.advance(2_999);
        h.send(1, Packet::PingReq);
        assert_eq!(h.received(1), [Packet::PingResp]);
    }
    assert!(!h.closed(1));
    assert_eq!(h.broker.next_deadline(), Some(h.now() + 3_000));
    h.advance(3_000);
    assert!(h.closed(1));
    assert!(
        h.received(1).is_empty(),
        "3.1.1: closed without a DISCONNECT"
    );
}

#[test]
fn mqtt_3_1_2_24_keep_alive_is_kept_by_whole_packets_not_by_bytes() {
    let mut h = Harness::default();
    let mut c = connect_packet(V311, "trickle", true);
    c.keep_alive = 2;
    h.connect_with(1, c);
    // A PUBLISH of 9 bytes sent a byte a second never ends within the 3 s allowed.
    let publish = [0x30, 0x07, 0x00, 0x01, b't', b'a', b'b', b'c', b'd'];
    for byte in &publish[..4] {
        h.advance(1_000);
        h.send_bytes(1, &[*byte]);
    }
    assert!(
        h.closed(1),
        "no Control Packet within 1.5 times the keep alive: closed, partial bytes or not"
    );
}

#[test]
fn mqtt_4_13_v5_keep_alive_timeout_sends_disconnect_0x8d() {
    let mut h = Harness::default();
    let mut c = connect_packet(V5, "k", true);
    c.keep_alive = 4;
    h.connect_with(1, c);
    h.advance_to_deadline();
    assert_eq!(h.now(), 6_000);
    assert_eq!(
        h.received(1),
        [Packet::Disconnect(mqtt_codec::Disconnect::new(
            ReasonCode::KeepAliveTimeout
        ))]
    );
    assert!(h.closed(1));
}

#[test]
fn mqtt_3_1_2_10_keep_alive_zero_disables_the_timeout() {
    let mut h = Harness::default();
    h.connect(1, V311, "k", true);
    assert_eq!(h.broker.next_deadline(), None);
    h.advance(10_000_000);
    assert!(!h.closed(1));
}

// =======================================================================================
// Wildcards and `$` topics
// =======================================================================================

fn routed(filter: &str, topics: &[&str]) -> Vec<String> {
    let mut h = Harness::default();
    h.connect(1, V311, "sub", true);
    h.subscribe(1, filter, QoS::AtMostOnce);
    h.connect(2, V311, "pub", true);
    for t in topics {
        h.publish0(2, t, t);
    }
    h.payloads(1)
}

#[test]
fn mqtt_4_7_1_2_multi_level_wildcard_matches_parent_and_children() {
    let topics = [
        "sport",
        "sport/tennis",
        "sport/tennis/player1",
        "sports",
        "other/sport",
    ];
    assert_eq!(
        routed("sport/#", &topics),
        ["sport", "sport/tennis", "sport/tennis/player1"]
    );
    assert_eq!(routed("#", &topics), topics);
}

#[test]
fn mqtt_4_7_1_3_single_level_wildcard_matches_one_level() {
    let topics = [
        "sport",
        "sport/",
        "sport/tennis",
        "sport/tennis/player1",
        "a/tennis",
    ];
    assert_eq!(routed("sport/+", &topics), ["sport/", "sport/tennis"]);
    assert_eq!(routed("+/tennis", &topics), ["sport/tennis", "a/tennis"]);
    assert_eq!(
        routed("+/+", &topics),
        ["sport/", "sport/tennis", "a/tennis"]
    );
    assert_eq!(routed("+", &topics), ["sport"]);
}

#[test]
fn mqtt_4_7_2_1_dollar_topics_not_matched_by_leading_wildcards() {
    let topics = ["$app/broker/uptime", "$app", "plain"];
    assert_eq!(routed("#", &topics), ["plain"]);
    assert_eq!(routed("+/broker/uptime", &topics), Vec::<String>::new());
    assert_eq!(routed("$app/#", &topics), ["$app/broker/uptime", "$app"]);
    assert_eq!(routed("$app/+/uptime", &topics), ["$app/broker/uptime"]);
}

#[test]
fn mqtt_4_7_2_clients_may_not_publish_into_sys() {
    // §4.7.2: the server SHOULD keep clients from exchanging messages on `$` topics; `$SYS`
    // is the broker's, and a client's PUBLISH there is refused as an ACL refuses one (5.0:
    // 0x87), as mosquitto does. Other `$` topics stay usable (Paho's suite publishes there).
    let mut h = Harness::default();
    h.connect(1, V5, "sub", true);
    h.subscribe(1, "$SYS/#", QoS::AtMostOnce);
    h.connect(2, V5, "pub", true);
    for topic in ["$SYS", "$SYS/broker/uptime"] {
        assert_eq!(
            h.publish1(2, topic, "x", 1).reason_code,
            ReasonCode::NotAuthorized
        );
    }
    h.publish0(2, "$SYSTEM/x", "not the tree");
    assert!(h.received(1).is_empty());
    // A will there is refused with the CONNECT ([MQTT-3.2.2-12] for a will it may not send).
    let mut c = connect_packet(V5, "w", true);
    c.will = Some(will("$SYS/last", "gone", QoS::AtMostOnce));
    assert_eq!(h.connect_with(3, c).reason_code, ReasonCode::NotAuthorized);
    // A bridge is another broker: mosquitto's keep their state there, will included.
    let mut b = connect_packet(V311, "bridge", true);
    b.bridge = true;
    b.will = Some(will("$SYS/broker/connection/b/state", "0", QoS::AtMostOnce));
    assert_eq!(h.connect_with(4, b).reason_code, ReasonCode::Success);
    h.publish0(4, "$SYS/broker/connection/b/state", "1");
    assert_eq!(h.payloads(1), ["1"]);
}

#[test]
fn topic_names_are_case_sensitive_and_exact() {
    let topics = ["A/b", "a/b", "a/b/", "/a/b"];
    assert_eq!(routed("a/b", &topics), ["a/b"]);
    assert_eq!(routed("/+/b", &topics), ["/a/b"]);
}

#[test]
fn mqtt_3_8_4_3_subscribing_again_replaces_the_subscription() {
    let mut h = Harness::default();
    h.connect(1, V311, "sub", true);
    h.subscribe(1, "t", QoS::AtMostOnce);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.connect(2, V311, "pub", true);
    h.publish1(2, "t", "x", 1);
    let p = only_publish(h.received(1));
    assert_eq!(p.qos, QoS::AtLeastOnce, "one subscription, at the new QoS");
}

#[test]
fn mqtt_4_7_2_1_retained_dollar_topics_not_sent_to_leading_wildcards() {
    let mut h = Harness::default();
    h.connect(1, V311, "pub", true);
    h.send(
        1,
        retained("$app/broker/version", "1", QoS::AtMostOnce, None),
    );
    h.send(1, retained("plain", "2", QoS::AtMostOnce, None));
    h.connect(2, V311, "all", true);
    h.subscribe(2, "#", QoS::AtMostOnce);
    assert_eq!(h.payloads(2), ["2"]);
    h.connect(3, V311, "sys", true);
    h.subscribe(3, "$app/#", QoS::AtMostOnce);
    assert_eq!(h.payloads(3), ["1"]);
}

#[test]
fn mqtt_4_3_3_qos2_exactly_once_across_a_reconnect_of_the_publisher() {
    let mut h = Harness::default();
    h.connect(1, V311, "sub", true);
    h.subscribe(1, "t", QoS::ExactlyOnce);
    h.connect(2, V311, "pub", false);
    let mut p = Publish::with_qos(topic_name("t"), "once", QoS::ExactlyOnce, pid(3));
    h.send(2, p.clone());
    assert_eq!(h.received(2), [Packet::PubRec(PubResponse::new(pid(3)))]);
    h.drop_connection(2);
    // The publisher did not see the PUBREC arrive: it resends the PUBLISH with DUP.
    assert!(h.connect(3, V311, "pub", false).session_present);
    p.dup = true;
    h.send(3, p);
    assert_eq!(h.received(3), [Packet::PubRec(PubResponse::new(pid(3)))]);
    h.send(3, Packet::PubRel(PubResponse::new(pid(3))));
    assert_eq!(h.received(3), [Packet::PubComp(PubResponse::new(pid(3)))]);
    assert_eq!(h.payloads(1), ["once"], "delivered exactly once");
}

#[test]
fn mqtt_3_1_3_10_will_properties_passed_through() {
    let mut h = Harness::default();
    h.connect(1, V5, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    let mut w = will("wills/p", "gone", QoS::AtMostOnce);
    w.properties.user_properties = vec![mqtt_codec::UserProperty::new("why", "test").unwrap()];
    w.properties.content_type = Some(mqtt_str("text/plain"));
    w.properties.response_topic = Some(topic_name("wills/ack"));
    h.connect_with(2, with_will(V5, "p", w.clone()));
    h.drop_connection(2);
    let p = only_publish(h.received(1));
    assert_eq!(p.properties.user_properties, w.properties.user_properties);
    assert_eq!(p.properties.content_type, w.properties.content_type);
    assert_eq!(p.properties.response_topic, w.properties.response_topic);
}

/// §3.1.3.2.4: a will's Message Expiry Interval is the lifetime of the published will, not
/// counted from CONNECT: a client connected longer than it still leaves its will, with
/// the whole interval, and a retained will lasts that long from its publication.
#[test]
fn will_message_expiry_starts_when_the_will_is_published() {
    let mut h = Harness::default();
    h.connect(1, V5, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtLeastOnce);
    let mut w = will("wills/e", "gone", QoS::AtLeastOnce);
    w.retain = true;
    w.properties.message_expiry_interval = Some(2);
    w.properties.will_delay_interval = Some(3);
    let mut c = with_will(V5, "e", w);
    c.clean_start = false;
    c.properties.session_expiry_interval = Some(100);
    h.connect_with(2, c);
    h.advance(4_000);
    h.drop_connection(2);
    h.advance(3_000);
    let p = only_publish(h.received(1));
    assert_eq!(payload(&p), "gone");
    assert_eq!(p.properties.message_expiry_interval, Some(2));

    h.advance(1_000);
    h.connect(3, V5, "late", true);
    h.subscribe(3, "wills/e", QoS::AtMostOnce);
    let p = only_publish(h.received(3));
    assert_eq!(
        p.properties.message_expiry_interval,
        Some(1),
        "retained, 1 s left"
    );
    h.advance(1_000);
    h.connect(4, V5, "later", true);
    h.subscribe(4, "wills/e", QoS::AtMostOnce);
    assert!(h.received(4).is_empty(), "the retained will expired");
}

#[test]
fn v5_will_delay_cancelled_by_takeover() {
    let mut h = Harness::default();
    h.connect(1, V5, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    h.connect_with(2, delayed_will_connect("d", 5, 100));
    h.connect_v5_persistent(3, "d", 100);
    assert_eq!(
        last_disconnect(&h.received(2)),
        ReasonCode::SessionTakenOver
    );
    h.advance(10_000);
    assert!(
        h.received(1).is_empty(),
        "[MQTT-3.1.3-9] the new connection came before the delay ran out"
    );
}

/// [MQTT-3.1.4-3]: a takeover closes the old connection without a DISCONNECT from its
/// client, so its will goes as on any such close (3.1.2.5): at once when it has no delay,
/// whether the new connection resumes the session or not (EMQX #18565, #10551).
#[test]
fn mqtt_3_1_4_3_takeover_publishes_the_old_will_without_delay() {
    let mut h = Harness::default();
    h.connect(1, V5, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    // Kept session, no will delay; the new connection takes the session up.
    h.connect_with(2, delayed_will_connect("d", 0, 100));
    let ack = h.connect_v5_persistent(3, "d", 100);
    assert!(ack.session_present, "the session is taken up");
    assert_eq!(h.payloads(1), ["late"], "the old connection's will");
    h.advance(200_000);
    assert!(h.received(1).is_empty(), "published once");

    // A session that ends with the old connection (expiry 0): its will goes as it ends.
    h.connect_with(4, delayed_will_connect("e", 0, 0));
    let ack = h.connect_v5_persistent(5, "e", 100);
    assert!(
        !ack.session_present,
        "the old session ended with its connection"
    );
    assert_eq!(h.payloads(1), ["late"]);
    // And one with a delay, which a new session cannot cancel: it goes when the old one ends.
    h.connect_with(6, delayed_will_connect("f", 30, 0));
    h.connect_v5_persistent(7, "f", 100);
    assert_eq!(
        h.payloads(1),
        ["late"],
        "[MQTT-3.1.2-8] the session ended first"
    );
}

/// 3.1.1 ([MQTT-3.1.4-2], [MQTT-3.1.2-8]): the server closes the old connection, which sent
/// no DISCONNECT, so its will is published, with the session kept for the new one.
#[test]
fn mqtt_3_1_4_2_v311_takeover_publishes_the_old_will() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    let mut first = with_will(V311, "twin", will("wills/twin", "gone", QoS::AtMostOnce));
    first.clean_start = false;
    h.connect_with(2, first);
    let ack = h.connect(3, V311, "twin", false);
    assert!(ack.session_present);
    assert!(h.closed(2));
    assert_eq!(h.payloads(1), ["gone"]);
    h.drop_connection(3);
    assert!(h.received(1).is_empty(), "the new connection has no will");
}
