//! Persistence in the broker core: what a restart from the store brings back. The harness
//! writes the store before it carries out each action, as the I/O loop must, and
//! `crash_and_restart` throws the broker away and starts a new one from the store alone.

mod support_broker;

use mqtt_codec::broker::{BrokerConfig, Restored, StoreError};
use mqtt_codec::{
    Packet, PacketType, Properties, PubResponse, Publish, QoS, Subscribe, Subscription,
    SubscriptionOptions, TopicFilter,
};
use support_broker::*;

fn persistent() -> Harness {
    Harness::persistent(BrokerConfig::default())
}

fn publish(topic: &str, payload: &str, qos: QoS, id: u16) -> Publish {
    publish_packet(topic, payload, qos, Some(id), false, Default::default())
}

/// [MQTT-4.4.0-1] across a restart: the message in flight comes again with DUP, then the
/// queue in order.
#[test]
fn queued_and_in_flight_messages_survive_a_restart() {
    let mut h = persistent();
    h.connect(1, V311, "sub", false);
    h.subscribe(1, "t/#", QoS::ExactlyOnce);
    h.connect(2, V311, "pub", true);
    h.publish1(2, "t/1", "one", 1);
    let first = h.publishes(1);
    assert_eq!(first.len(), 1, "delivered, not acknowledged");
    h.drop_connection(1);
    h.publish1(2, "t/2", "two", 2);
    h.publish2(2, "t/3", "three", 3);
    let restored = h.crash_and_restart(5_000);
    assert_eq!(
        restored,
        Restored {
            sessions: 1,
            messages: 3,
            retained: 0
        }
    );
    let ack = h.connect(3, V311, "sub", false);
    assert!(ack.session_present);
    let again = h.publishes(3);
    assert_eq!(
        again.iter().map(payload).collect::<Vec<_>>(),
        ["one", "two", "three"]
    );
    assert!(again[0].dup, "a resent PUBLISH carries DUP");
    assert_eq!(again[0].packet_id, first[0].packet_id);
    assert!(
        !again[1].dup && !again[2].dup,
        "queued ones go out for the first time"
    );
    h.ack_all(3, &again);
    assert!(h.drain_acking(3).is_empty());
    h.crash_and_restart(0);
    h.connect(4, V311, "sub", false);
    assert!(
        h.publishes(4).is_empty(),
        "acknowledged messages are gone from the store"
    );
}

/// [MQTT-4.3.3-9]: a QoS 2 PUBLISH received (PUBREC sent) before the restart and sent
/// again with DUP after it is not delivered a second time.
#[test]
fn a_qos2_message_received_before_a_restart_is_not_delivered_again() {
    let mut h = persistent();
    h.connect(1, V311, "sub", false);
    h.subscribe(1, "t", QoS::ExactlyOnce);
    h.connect_v5_persistent(2, "pub", 600);
    h.send(2, publish("t", "once", QoS::ExactlyOnce, 7));
    let rec = h.received(2);
    assert!(matches!(rec.as_slice(), [Packet::PubRec(r)] if r.packet_id == pid(7)));
    h.crash_and_restart(1_000);
    h.connect(3, V311, "sub", false);
    h.connect_v5_persistent(4, "pub", 600);
    let mut dup = publish("t", "once", QoS::ExactlyOnce, 7);
    dup.dup = true;
    h.send(4, dup);
    assert!(
        matches!(h.received(4).as_slice(), [Packet::PubRec(r)] if r.packet_id == pid(7)),
        "the resent PUBLISH is acknowledged again"
    );
    h.send(4, Packet::PubRel(PubResponse::new(pid(7))));
    assert!(matches!(h.received(4).as_slice(), [Packet::PubComp(_)]));
    assert_eq!(h.drain_acking(3), ["once"], "delivered once in all");
}

/// A QoS 2 delivery whose PUBREC arrived before the restart goes on with PUBREL after it.
#[test]
fn a_pubrel_waiting_for_pubcomp_is_sent_again_after_a_restart() {
    let mut h = persistent();
    h.connect(1, V311, "sub", false);
    h.subscribe(1, "t", QoS::ExactlyOnce);
    h.connect(2, V311, "pub", true);
    h.publish2(2, "t", "m", 1);
    let p = only_publish(h.received(1));
    let id = p.packet_id.expect("QoS 2");
    h.send(1, Packet::PubRec(PubResponse::new(id)));
    assert!(matches!(h.received(1).as_slice(), [Packet::PubRel(_)]));
    h.crash_and_restart(0);
    h.connect(3, V311, "sub", false);
    let resent = h.received(3);
    assert!(
        matches!(resent.as_slice(), [Packet::PubRel(r)] if r.packet_id == id),
        "{resent:?}"
    );
    h.send(3, Packet::PubComp(PubResponse::new(id)));
    h.crash_and_restart(0);
    h.connect(4, V311, "sub", false);
    assert!(
        h.received(4).is_empty(),
        "the flow ended and left the store"
    );
}

#[test]
fn retained_messages_and_their_clearing_survive_a_restart() {
    let mut h = persistent();
    h.connect(1, V311, "pub", true);
    for (topic, body) in [("a", "1"), ("b", "2"), ("c", "3")] {
        h.send(
            1,
            publish_packet(topic, body, QoS::AtMostOnce, None, true, Default::default()),
        );
    }
    h.send(
        1,
        publish_packet("b", "", QoS::AtMostOnce, None, true, Default::default()),
    );
    let restored = h.crash_and_restart(0);
    assert_eq!(restored.retained, 2);
    h.connect(2, V311, "sub", true);
    h.subscribe(2, "#", QoS::AtMostOnce);
    let got = h.publishes(2);
    assert_eq!(got.iter().map(payload).collect::<Vec<_>>(), ["1", "3"]);
    assert!(got.iter().all(|p| p.retain));
}

/// A session that ends with its connection (3.x clean session, 5.0 expiry 0) is not
/// written; one ended by a clean start is deleted with its messages.
#[test]
fn only_sessions_that_outlive_their_connection_are_stored() {
    let mut h = persistent();
    h.connect(1, V311, "clean", true);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.connect(2, V311, "kept", false);
    h.subscribe(2, "t", QoS::AtLeastOnce);
    h.drop_connection(2);
    h.publish1(1, "t", "m", 1);
    let store = h.store.clone().expect("persistent");
    assert_eq!(store.sessions.keys().collect::<Vec<_>>(), ["kept"]);
    assert_eq!(store.messages.len(), 1);
    h.connect(3, V311, "kept", true);
    let store = h.store.clone().expect("persistent");
    assert!(
        store.sessions.is_empty() && store.messages.is_empty(),
        "{store:?}"
    );
}

/// [MQTT-3.1.2-8] after a crash: the client never sent DISCONNECT, so its will goes out
/// when the broker comes back (after the will delay).
#[test]
fn the_will_of_a_client_connected_at_the_crash_is_published_after_the_restart() {
    let mut h = persistent();
    let mut c = connect_packet(V5, "dev", false);
    c.properties.session_expiry_interval = Some(3600);
    c.will = Some(will("dev/status", "gone", QoS::AtLeastOnce));
    if let Some(w) = &mut c.will {
        w.properties.will_delay_interval = Some(5);
        // Its lifetime once published (§3.1.3.2.4), however long the client was connected
        // and the broker down.
        w.properties.message_expiry_interval = Some(30);
    }
    h.connect_with(1, c);
    h.crash_and_restart(60_000);
    h.connect(2, V5, "watcher", true);
    h.subscribe(2, "dev/status", QoS::AtLeastOnce);
    assert!(h.publishes(2).is_empty(), "not before the will delay");
    h.advance(5_000);
    let published = h.publishes(2);
    assert_eq!(published.len(), 1);
    assert_eq!(&published[0].payload[..], b"gone");
    assert_eq!(published[0].properties.message_expiry_interval, Some(30));
}

/// The Session Expiry Interval keeps running while the broker is down.
#[test]
fn session_expiry_counts_the_time_the_broker_was_down() {
    let mut h = persistent();
    h.connect_v5_persistent(1, "short", 10);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.connect_v5_persistent(2, "long", 100);
    h.subscribe(2, "t", QoS::AtLeastOnce);
    h.disconnect(1);
    h.disconnect(2);
    h.advance(4_000);
    assert_eq!(h.crash_and_restart(30_000).sessions, 2);
    assert_eq!(h.broker.session_count(), 1, "10 s ran out while down");
    let ack = h.connect_v5_persistent(3, "long", 100);
    assert!(ack.session_present);
    let store = h.store.clone().expect("persistent");
    assert_eq!(store.sessions.keys().collect::<Vec<_>>(), ["long"]);
}

#[test]
fn subscriptions_and_their_options_survive_a_restart() {
    let mut h = persistent();
    h.connect_v5_persistent(1, "s", 600);
    let mut sub = subscribe_packet("a/+", SubscriptionOptions::new(QoS::AtLeastOnce));
    sub.properties.subscription_identifiers = vec![42];
    h.subscribe_with(1, sub);
    h.disconnect(1);
    h.crash_and_restart(0);
    h.connect_v5_persistent(2, "s", 600);
    h.connect(3, V311, "p", true);
    h.publish1(3, "a/b", "x", 1);
    let p = only_publish(h.received(2));
    assert_eq!(p.qos, QoS::AtLeastOnce);
    assert_eq!(p.properties.subscription_identifiers, [42]);
}

#[test]
fn a_3_1_1_filter_5_0_would_refuse_as_a_share_survives_a_restart() {
    // `$share//t` and `$share/+/t` are plain filters to a 3.1.1 client (TOP-8), granted,
    // and routed as shares as mosquitto routes them; the store must take them back.
    let mut h = persistent();
    h.connect(1, V311, "old", false);
    for f in ["$share//t", "$share/+/t", "$share/g/"] {
        let filter = TopicFilter::for_version(f, V311).expect("a plain filter in 3.1.1");
        let sub = Subscription {
            filter,
            options: SubscriptionOptions::new(QoS::AtLeastOnce),
        };
        let ack = h.subscribe_with(1, Subscribe::new(pid(1), vec![sub]));
        assert!(!ack.reason_codes[0].is_error(), "{f}");
    }
    h.drop_connection(1);
    let restored = h.crash_and_restart(0);
    assert_eq!(restored.sessions, 1);
}

#[test]
fn mqtt_3_3_2_5_an_expired_retained_message_leaves_the_store_and_the_limits() {
    // Swept when it expires, not only when a subscriber comes across it: kept, it would
    // count against `max_retained` for good and be read back at every start.
    let mut h = Harness::persistent(BrokerConfig {
        max_retained: Some(1),
        ..BrokerConfig::default()
    });
    h.connect(1, V5, "p", true);
    let expiring = Properties {
        message_expiry_interval: Some(1),
        ..Properties::default()
    };
    h.send(
        1,
        publish_packet("a", "old", QoS::AtLeastOnce, Some(1), true, expiring),
    );
    h.received(1);
    assert_eq!(h.broker.retained_count(), 1);
    h.advance(2_000);
    assert_eq!(h.broker.retained_count(), 0, "swept at its expiry");
    h.send(
        1,
        publish_packet(
            "b",
            "new",
            QoS::AtLeastOnce,
            Some(2),
            true,
            Properties::default(),
        ),
    );
    assert!(
        matches!(h.received(1).as_slice(),
        [Packet::PubAck(a)] if !a.reason_code.is_error()),
        "not 0x97: the limit has room"
    );
    h.drop_connection(1);
    let restored = h.crash_and_restart(0);
    assert_eq!(restored.retained, 1, "the expired one left the store too");
}

#[test]
fn a_damaged_store_is_refused_whole() {
    let mut h = persistent();
    h.connect(1, V311, "sub", false);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.drop_connection(1);
    h.connect(2, V311, "pub", true);
    h.publish1(2, "t", "m", 1);
    let good = h.store.clone().expect("persistent");

    let mut other_version = good.clone();
    other_version.sessions.values_mut().for_each(|r| r[0] = 2);
    let mut fresh = Harness::new(BrokerConfig::default());
    assert_eq!(
        fresh.restore(other_version).unwrap_err(),
        StoreError::Version { found: 2 }
    );
    assert_eq!(
        fresh.broker.session_count(),
        0,
        "nothing taken from a refused store"
    );

    let mut orphan = good.clone();
    orphan.sessions.clear();
    assert!(matches!(
        Harness::new(BrokerConfig::default()).restore(orphan),
        Err(StoreError::Orphan(c)) if c == "sub"
    ));

    let mut cut = good.clone();
    cut.messages
        .values_mut()
        .for_each(|r| r.truncate(r.len() - 1));
    assert!(Harness::new(BrokerConfig::default()).restore(cut).is_err());

    // Found by the broker_store fuzz target: the next delivery's number overflowed.
    let mut huge = good.clone();
    let ((client, _), record) = huge.messages.pop_first().expect("a message");
    huge.messages.insert((client, u64::MAX), record);
    assert!(matches!(
        Harness::new(BrokerConfig::default()).restore(huge),
        Err(StoreError::Invalid(_))
    ));

    // Every single flipped byte either restores or is refused; nothing panics.
    for (key, record) in &good.messages {
        for at in 0..record.len() {
            let mut damaged = good.clone();
            damaged.messages.get_mut(key).expect("present")[at] ^= 0x5A;
            let _ = Harness::new(BrokerConfig::default()).restore(damaged);
        }
    }
}

/// The store follows the live broker exactly: after a long random schedule of connects,
/// subscriptions, publications at every QoS, acknowledgements, lost connections and time,
/// restarting from the store gives every persistent subscriber the messages it was owed.
#[test]
fn random_schedules_lose_nothing_acknowledged_across_restarts() {
    for seed in 1..=20u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut h = persistent();
        let mut conn = 100;
        h.connect(conn, V311, "sub", false);
        h.subscribe(conn, "t/#", QoS::ExactlyOnce);
        let mut sub_conn = Some(conn);
        let mut received: Vec<String> = Vec::new();
        let mut acked: Vec<String> = Vec::new();
        for step in 0..120 {
            match rng.next(6) {
                0 | 1 => {
                    conn += 1;
                    h.connect(conn, V311, "pub", true);
                    let qos = [QoS::AtLeastOnce, QoS::ExactlyOnce][rng.next(2) as usize];
                    let body = format!("{seed}-{step}");
                    h.send(conn, publish("t/x", &body, qos, 1));
                    let kind = match qos {
                        QoS::AtLeastOnce => PacketType::PubAck,
                        _ => PacketType::PubRec,
                    };
                    if h.received(conn).iter().any(|p| p.packet_type() == kind) {
                        acked.push(body);
                    }
                    h.drop_connection(conn);
                }
                2 => {
                    if let Some(c) = sub_conn {
                        let got = h.publishes(c);
                        received.extend(got.iter().map(payload));
                        if rng.next(2) == 0 {
                            h.ack_all(c, &got);
                        }
                    }
                }
                3 => {
                    if let Some(c) = sub_conn.take() {
                        received.extend(h.publishes(c).iter().map(payload));
                        h.drop_connection(c);
                    } else {
                        conn += 1;
                        h.connect(conn, V311, "sub", false);
                        sub_conn = Some(conn);
                    }
                }
                4 => {
                    h.crash_and_restart(rng.next(10_000));
                    sub_conn = None;
                    conn += 1;
                }
                _ => h.advance(rng.next(5_000)),
            }
        }
        conn += 1;
        if let Some(c) = sub_conn {
            let got = h.publishes(c);
            received.extend(got.iter().map(payload));
            h.drop_connection(c);
        }
        h.connect(conn, V311, "sub", false);
        let rest = h.drain_acking(conn);
        received.extend(rest);
        for body in &acked {
            assert!(
                received.contains(body),
                "seed {seed}: {body} was acknowledged to its publisher and never delivered"
            );
        }
    }
}

/// What the live broker accepts, a restart reads back: a retained message on a `$` topic
/// and a 3.1.1 subscription to a filter that is `$share/...` only to 5.0 clients.
#[test]
fn what_the_broker_accepted_restores() {
    let mut h = persistent();
    h.connect(1, V311, "p", true);
    h.send(
        1,
        publish_packet(
            "$app/state",
            "on",
            QoS::AtMostOnce,
            None,
            true,
            Default::default(),
        ),
    );
    h.connect(2, V311, "old", false);
    let filter = TopicFilter::for_version("$share/x", V311).expect("a plain filter in 3.1.1");
    let sub = Subscription {
        filter,
        options: SubscriptionOptions::new(QoS::AtLeastOnce),
    };
    h.subscribe_with(2, Subscribe::new(pid(1), vec![sub]));
    h.drop_connection(2);
    let restored = h.crash_and_restart(0);
    assert_eq!((restored.sessions, restored.retained), (1, 1));
}

/// [MQTT-3.2.2-16]: an assigned identifier is one no session holds, also after a restart
/// (the counter starts again, the sessions do not).
#[test]
fn an_assigned_client_identifier_never_names_a_restored_session() {
    let mut h = persistent();
    let mut c = connect_packet(V5, "", false);
    c.properties.session_expiry_interval = Some(600);
    let first = h.connect_with(1, c.clone());
    let first_id = first
        .properties
        .assigned_client_identifier
        .clone()
        .expect("an assigned identifier");
    h.subscribe(1, "mine", QoS::AtLeastOnce);
    h.crash_and_restart(0);
    let second = h.connect_with(2, c);
    assert!(!second.session_present, "not the first client's session");
    let second_id = second
        .properties
        .assigned_client_identifier
        .clone()
        .expect("an assigned identifier");
    assert_ne!(first_id.as_str(), second_id.as_str());
    assert_eq!(h.broker.session_count(), 2);
}
