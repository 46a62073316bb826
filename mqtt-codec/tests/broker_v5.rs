//! The broker core's MQTT 5.0 features without sockets (issue 5, item 5): CONNACK
//! properties, topic aliases both ways, Receive Maximum both ways, Maximum Packet Size,
//! message expiry, subscription identifiers, No Local, Retain As Published, Retain Handling,
//! shared subscriptions, properties passed through, Server Keep Alive and authentication.

mod support_broker;

use mqtt_codec::broker::BrokerConfig;
use mqtt_codec::{
    MqttStr, Packet, PacketId, Properties, ProtocolVersion, PubResponse, Publish, QoS, ReasonCode,
    RetainHandling, SubscriptionOptions, TopicName, UserProperty, DEFAULT_MAX_PACKET_SIZE,
};
use support_broker::*;

fn props(f: impl FnOnce(&mut Properties)) -> Properties {
    let mut p = Properties::default();
    f(&mut p);
    p
}

fn options(qos: QoS, f: impl FnOnce(&mut SubscriptionOptions)) -> SubscriptionOptions {
    let mut o = SubscriptionOptions::new(qos);
    f(&mut o);
    o
}

// =======================================================================================
// CONNACK
// =======================================================================================

#[test]
fn mqtt_3_2_2_connack_announces_the_broker_limits() {
    let mut h = Harness::default();
    let ack = h.connect(1, V5, "c", true);
    let p = &ack.properties;
    assert_eq!(p.receive_maximum, Some(100));
    assert_eq!(p.topic_alias_maximum, Some(10));
    assert_eq!(p.maximum_packet_size, Some(DEFAULT_MAX_PACKET_SIZE as u32));
    assert_eq!(
        p.maximum_qos, None,
        "QoS 2 is supported: the property is absent"
    );
    assert_eq!(
        p.retain_available, None,
        "retain is available: the property is absent"
    );
    assert_eq!(p.server_keep_alive, None);
    assert_eq!(
        p.assigned_client_identifier, None,
        "the client chose its identifier"
    );
}

#[test]
fn mqtt_3_1_2_11_connect_with_authentication_method_refused_0x8c() {
    let mut h = Harness::default();
    let mut c = connect_packet(V5, "auth", true);
    c.properties.authentication_method = Some(mqtt_str("SCRAM-SHA-1"));
    let ack = h.connect_with(1, c);
    assert_eq!(ack.reason_code, ReasonCode::BadAuthenticationMethod);
    assert!(h.closed(1));
    assert_eq!(h.broker.session_count(), 0);
}

#[test]
fn mqtt_3_2_2_21_server_keep_alive_overrides_the_clients() {
    let mut h = Harness::new(BrokerConfig {
        max_keepalive: Some(5),
        ..BrokerConfig::default()
    });
    let mut c = connect_packet(V5, "v5", true);
    c.keep_alive = 600;
    let ack = h.connect_with(1, c);
    assert_eq!(ack.properties.server_keep_alive, Some(5));
    // (3.x clients, which cannot be told, are in broker_mosquitto.rs.)
    h.advance(7_499);
    assert!(!h.closed(1));
    h.advance(1);
    assert!(h.closed(1), "closed at 1.5 × the Server Keep Alive");
    assert_eq!(
        last_disconnect(&h.received(1)),
        ReasonCode::KeepAliveTimeout
    );
}

#[test]
fn mqtt_4_13_1_auth_packet_is_a_protocol_error() {
    let mut h = Harness::default();
    h.connect(1, V5, "c", true);
    let mut auth = mqtt_codec::Auth::new(ReasonCode::ContinueAuthentication);
    auth.properties.authentication_method = Some(mqtt_str("SCRAM-SHA-1"));
    h.send(1, auth);
    assert_eq!(last_disconnect(&h.received(1)), ReasonCode::ProtocolError);
    assert!(h.closed(1));
}

// =======================================================================================
// Topic aliases
// =======================================================================================

fn aliased(topic: &str, alias: u16, payload: &str) -> Publish {
    let mut p = Publish::new(
        if topic.is_empty() {
            TopicName::empty_for_alias()
        } else {
            topic_name(topic)
        },
        payload.to_owned(),
    );
    p.properties.topic_alias = Some(alias);
    p
}

#[test]
fn mqtt_3_3_2_12_topic_alias_from_the_client_is_resolved() {
    let mut h = Harness::default();
    h.connect(1, V311, "sub", true);
    h.subscribe(1, "sensors/#", QoS::AtMostOnce);
    h.connect(2, V5, "pub", true);
    h.send(2, aliased("sensors/temp", 1, "20"));
    h.send(2, aliased("", 1, "21"));
    h.send(2, aliased("sensors/hum", 1, "50")); // the alias now stands for another topic
    h.send(2, aliased("", 1, "51"));
    let got: Vec<(String, String)> = h
        .publishes(1)
        .iter()
        .map(|p| (p.topic.as_str().to_owned(), payload(p)))
        .collect();
    assert_eq!(
        got,
        [
            ("sensors/temp".to_owned(), "20".to_owned()),
            ("sensors/temp".to_owned(), "21".to_owned()),
            ("sensors/hum".to_owned(), "50".to_owned()),
            ("sensors/hum".to_owned(), "51".to_owned()),
        ]
    );
    assert!(!h.closed(2));
}

#[test]
fn the_io_loop_may_drop_a_qos_0_publish_but_not_one_that_defines_a_topic_alias() {
    // PUB-8: a client receiving a PUBLISH that uses an alias it was never told ends the
    // connection, so the PUBLISH that tells it must not be dropped for a slow reader.
    let mut h = Harness::default();
    h.connect(1, V5, "slow-5", true);
    h.connect(2, ProtocolVersion::V3_1_1, "slow-311", true);
    let bytes = |p: Publish, v| Packet::Publish(p).to_bytes(v).unwrap();
    let plain = Publish::new(topic_name("t"), "x");
    assert!(h.broker.may_drop(1, &bytes(plain.clone(), V5)));
    assert!(h
        .broker
        .may_drop(2, &bytes(plain.clone(), ProtocolVersion::V3_1_1)));
    assert!(!h.broker.may_drop(1, &bytes(aliased("t", 1, "x"), V5)));
    assert!(h.broker.may_drop(1, &bytes(aliased("", 1, "x"), V5)));
    let qos1 = Publish::with_qos(
        topic_name("t"),
        "x",
        QoS::AtLeastOnce,
        PacketId::new(1).unwrap(),
    );
    assert!(!h.broker.may_drop(1, &bytes(qos1, V5)));
    let ack = Packet::PubAck(PubResponse::new(PacketId::new(1).unwrap()));
    assert!(!h.broker.may_drop(1, &ack.to_bytes(V5).unwrap()));
    // Two packets at once, or a connection the broker does not know: kept.
    let mut two = bytes(plain.clone(), V5).to_vec();
    two.extend_from_slice(&bytes(plain.clone(), V5));
    assert!(!h.broker.may_drop(1, &two));
    assert!(!h.broker.may_drop(99, &bytes(plain, V5)));
}

#[test]
fn mqtt_3_3_2_8_topic_alias_0_disconnects_0x94() {
    let mut h = Harness::default();
    h.connect(1, V5, "pub", true);
    // PUBLISH "t" with Topic Alias 0, built by hand: the encoder refuses it.
    h.send_bytes(
        1,
        &[0x30, 0x08, 0x00, 0x01, b't', 0x03, 0x23, 0x00, 0x00, b'x'],
    );
    assert_eq!(
        last_disconnect(&h.received(1)),
        ReasonCode::TopicAliasInvalid
    );
    assert!(h.closed(1));
}

#[test]
fn mqtt_3_3_2_10_topic_alias_above_the_maximum_disconnects_0x94() {
    let mut h = Harness::default();
    h.connect(1, V5, "pub", true);
    h.send(1, aliased("t", 11, "x"));
    assert_eq!(
        last_disconnect(&h.received(1)),
        ReasonCode::TopicAliasInvalid
    );
    assert!(h.closed(1));

    let mut h = Harness::new(BrokerConfig {
        topic_alias_maximum: 0,
        ..BrokerConfig::default()
    });
    let ack = h.connect(1, V5, "pub", true);
    assert_eq!(ack.properties.topic_alias_maximum, Some(0));
    h.send(1, aliased("t", 1, "x"));
    assert_eq!(
        last_disconnect(&h.received(1)),
        ReasonCode::TopicAliasInvalid,
        "[MQTT-3.2.2-18] no aliases allowed"
    );
}

#[test]
fn mqtt_3_3_4_unknown_topic_alias_is_a_protocol_error_and_aliases_are_per_connection() {
    let mut h = Harness::default();
    h.connect(1, V5, "a", true);
    h.connect(2, V5, "b", true);
    h.send(1, aliased("t", 1, "x"));
    h.send(2, aliased("", 1, "y"));
    assert_eq!(last_disconnect(&h.received(2)), ReasonCode::ProtocolError);
    assert!(h.closed(2));
    assert!(!h.closed(1));
}

#[test]
fn mqtt_3_3_2_outgoing_topic_aliases_respect_the_client_maximum() {
    let mut h = Harness::default();
    let mut c = connect_packet(V5, "sub", true);
    c.properties.topic_alias_maximum = Some(2);
    h.connect_with(1, c);
    h.subscribe(1, "#", QoS::AtMostOnce);
    h.connect(2, V311, "pub", true);
    for t in ["a", "a", "b", "c", "b", "c", "a"] {
        h.publish0(2, t, t);
    }
    let got: Vec<(String, Option<u16>, String)> = h
        .publishes(1)
        .iter()
        .map(|p| {
            (
                p.topic.as_str().to_owned(),
                p.properties.topic_alias,
                payload(p),
            )
        })
        .collect();
    let expected = [
        ("a", Some(1), "a"),
        ("", Some(1), "a"),
        ("b", Some(2), "b"),
        ("c", None, "c"), // [MQTT-3.3.2-9] never above the client's Topic Alias Maximum
        ("", Some(2), "b"),
        ("c", None, "c"),
        ("", Some(1), "a"),
    ];
    let expected: Vec<(String, Option<u16>, String)> = expected
        .iter()
        .map(|(t, a, p)| ((*t).to_owned(), *a, (*p).to_owned()))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn mqtt_3_3_2_9_no_outgoing_aliases_without_a_client_maximum() {
    let mut h = Harness::default();
    h.connect(1, V5, "sub", true);
    h.subscribe(1, "#", QoS::AtMostOnce);
    h.connect(2, V5, "pub", true);
    h.publish0(2, "a", "1");
    h.publish0(2, "a", "2");
    for p in h.publishes(1) {
        assert_eq!(p.topic.as_str(), "a");
        assert_eq!(p.properties.topic_alias, None);
    }
}

#[test]
fn mqtt_3_3_2_outgoing_aliases_start_afresh_on_a_new_connection() {
    let mut h = Harness::default();
    let sub = |h: &mut Harness, conn| {
        let mut c = connect_packet(V5, "sub", false);
        c.properties.topic_alias_maximum = Some(5);
        c.properties.session_expiry_interval = Some(60);
        h.connect_with(conn, c);
    };
    sub(&mut h, 1);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.connect(9, V311, "pub", true);
    h.publish1(9, "t", "1", 1);
    let p = only_publish(h.received(1));
    assert_eq!((p.topic.as_str(), p.properties.topic_alias), ("t", Some(1)));
    h.drop_connection(1);
    sub(&mut h, 2);
    // The unacknowledged message is resent: the alias must be established again.
    let p = only_publish(h.received(2));
    assert!(p.dup);
    assert_eq!(
        p.topic.as_str(),
        "t",
        "[MQTT-3.3.2-7] aliases do not outlive the connection"
    );
}

// =======================================================================================
// Receive Maximum
// =======================================================================================

#[test]
fn mqtt_3_3_4_9_inflight_window_respects_the_clients_receive_maximum() {
    let mut h = Harness::default();
    let mut c = connect_packet(V5, "slow", true);
    c.properties.receive_maximum = Some(2);
    h.connect_with(1, c);
    h.subscribe(1, "t", QoS::ExactlyOnce);
    h.connect(2, V311, "pub", true);
    for i in 1..=5u16 {
        h.publish1(2, "t", &format!("m{i}"), i);
    }
    h.publish0(2, "t", "q0");
    let first = h.publishes(1);
    let names: Vec<String> = first.iter().map(payload).collect();
    assert_eq!(
        names,
        ["m1", "m2", "q0"],
        "[MQTT-3.3.4-9] two in flight; QoS 0 is not counted"
    );

    h.ack_all(1, &first[..1]);
    let next = h.publishes(1);
    assert_eq!(next.iter().map(payload).collect::<Vec<_>>(), ["m3"]);
    let mut pending = vec![first[1].clone(), next[0].clone()];
    let mut seen = Vec::new();
    while !pending.is_empty() {
        h.ack_all(1, &pending);
        pending = h.publishes(1);
        assert!(pending.len() <= 2);
        seen.extend(pending.iter().map(payload));
    }
    assert_eq!(seen, ["m4", "m5"]);
}

/// [MQTT-3.3.4-9], [MQTT-4.4.0-1]: the messages a resumed session sends again count
/// against the Receive Maximum of the new connection: one at a time with Receive Maximum 1,
/// in the order they were first sent, each with DUP.
#[test]
fn mqtt_3_3_4_9_resent_messages_keep_to_the_new_receive_maximum() {
    let mut h = Harness::default();
    let mut c = connect_packet(V5, "slow", false);
    c.properties.session_expiry_interval = Some(100);
    h.connect_with(1, c.clone());
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.connect(2, V311, "pub", true);
    for i in 1..=4u16 {
        h.publish1(2, "t", &format!("m{i}"), i);
    }
    assert_eq!(h.publishes(1).len(), 4, "unacknowledged");
    h.drop_connection(1);

    c.properties.receive_maximum = Some(1);
    h.connect_with(3, c);
    let mut seen = Vec::new();
    loop {
        let again = h.publishes(3);
        if again.is_empty() {
            break;
        }
        assert_eq!(again.len(), 1, "[MQTT-3.3.4-9] one in flight");
        assert!(again[0].dup, "[MQTT-3.3.1-1]");
        seen.push(payload(&again[0]));
        h.ack_all(3, &again);
    }
    assert_eq!(seen, ["m1", "m2", "m3", "m4"]);
}

/// [MQTT-3.3.4-9], §4.9: a new connection's send quota starts at the client's Receive
/// Maximum, so a QoS 2 flow released on an earlier connection (its PUBREL sent again) holds
/// no place in it; one released on this connection holds its place until PUBCOMP.
#[test]
fn mqtt_3_3_4_9_a_flow_released_on_an_earlier_connection_leaves_the_quota_full() {
    let mut h = Harness::default();
    let mut c = connect_packet(V5, "slow", false);
    c.properties.session_expiry_interval = Some(100);
    c.properties.receive_maximum = Some(1);
    h.connect_with(1, c.clone());
    h.subscribe(1, "t", QoS::ExactlyOnce);
    h.connect(2, V311, "pub", true);
    h.publish2(2, "t", "m1", 1);
    h.publish2(2, "t", "m2", 2);
    let first = h.publishes(1);
    assert_eq!(first.iter().map(payload).collect::<Vec<_>>(), ["m1"]);
    let id = first[0].packet_id.unwrap();
    h.send(1, Packet::PubRec(PubResponse::new(id)));
    assert_eq!(h.received(1), [Packet::PubRel(PubResponse::new(id))]);
    assert!(
        h.publishes(1).is_empty(),
        "m1 holds the only place until PUBCOMP"
    );
    h.drop_connection(1);

    h.connect_with(3, c);
    let again = h.received(3);
    assert_eq!(again.first(), Some(&Packet::PubRel(PubResponse::new(id))));
    let sent: Vec<String> = again
        .iter()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some(payload(p)),
            _ => None,
        })
        .collect();
    assert_eq!(
        sent,
        ["m2"],
        "the released flow holds no place on this connection"
    );
}

/// [MQTT-4.6.0-1]: messages are sent again in the order they were first sent, also when
/// their packet identifiers wrapped around between them.
#[test]
fn mqtt_4_6_0_1_resent_in_sending_order_across_the_packet_id_wrap() {
    let mut h = Harness::default();
    let mut c = connect_packet(V311, "sub", false);
    h.connect_with(1, c.clone());
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.connect(2, V311, "pub", true);
    // 65,533 messages delivered and acknowledged: the next identifiers are 65534, 65535,
    // then 1 and 2.
    for i in 0..65_533u32 {
        h.publish1(2, "t", "x", (i % 1000 + 1) as u16);
        let delivered = h.publishes(1);
        h.ack_all(1, &delivered);
    }
    h.received(2);
    let mut ids = Vec::new();
    for i in 1..=4u16 {
        h.publish1(2, "t", &format!("m{i}"), i);
        ids.extend(
            h.publishes(1)
                .iter()
                .filter_map(|p| p.packet_id.map(|id| id.get())),
        );
    }
    h.drop_connection(1);
    c.clean_start = false;
    h.connect_with(3, c);
    let again: Vec<String> = h.publishes(3).iter().map(payload).collect();
    assert_eq!(again, ["m1", "m2", "m3", "m4"], "packet ids {ids:?}");
}

#[test]
fn max_inflight_bounds_a_5_0_client_that_names_no_receive_maximum() {
    // Without a Receive Maximum a 5.0 client takes 65,535 in flight; the operator's limit
    // keeps what one that never acknowledges makes the broker hold to it plus the queue.
    let mut h = Harness::new(BrokerConfig {
        max_inflight: 3,
        ..BrokerConfig::default()
    });
    h.connect(1, V5, "silent", true);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.connect(2, V311, "pub", true);
    for i in 1..=6u16 {
        h.publish1(2, "t", &format!("m{i}"), i);
    }
    let sent = h.publishes(1);
    assert_eq!(
        sent.iter().map(payload).collect::<Vec<_>>(),
        ["m1", "m2", "m3"]
    );
    // A Receive Maximum below the limit still rules.
    let mut c = connect_packet(V5, "small", true);
    c.properties.receive_maximum = Some(1);
    h.connect_with(3, c);
    h.subscribe(3, "u", QoS::AtLeastOnce);
    for i in 7..=8u16 {
        h.publish1(2, "u", &format!("m{i}"), i);
    }
    assert_eq!(h.payloads(3), ["m7"]);
}

#[test]
fn mqtt_4_4_0_1_a_resumed_session_with_thousands_in_flight_resends_them_all_in_order() {
    // The resend once recounted its whole list for each message it sent: with 65,535 in
    // flight a reconnection took minutes of the broker's thread. All go, in order, as the
    // window allows.
    let mut h = Harness::new(BrokerConfig {
        max_inflight: u16::MAX,
        max_queued: 100_000,
        ..BrokerConfig::default()
    });
    h.connect_v5_persistent(1, "many", 3_600);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.connect(2, V311, "pub", true);
    for i in 0..20_000u32 {
        let id = u16::try_from(i % 60_000 + 1).unwrap();
        h.publish1(2, "t", &i.to_string(), id);
    }
    assert_eq!(h.publishes(1).len(), 20_000);
    h.drop_connection(1);
    let mut c = connect_packet(V5, "many", false);
    c.properties.session_expiry_interval = Some(3_600);
    h.connect_with(3, c);
    let resent = h.publishes(3);
    assert_eq!(resent.len(), 20_000);
    assert!(
        resent.iter().all(|p| p.dup),
        "[MQTT-4.4.0-1] resent with DUP"
    );
    let want: Vec<String> = (0..20_000u32).map(|i| i.to_string()).collect();
    assert_eq!(resent.iter().map(payload).collect::<Vec<_>>(), want);
}

#[test]
fn mqtt_3_3_4_9_qos2_messages_hold_the_window_until_pubcomp() {
    let mut h = Harness::default();
    let mut c = connect_packet(V5, "slow", true);
    c.properties.receive_maximum = Some(1);
    h.connect_with(1, c);
    h.subscribe(1, "t", QoS::ExactlyOnce);
    h.connect(2, V311, "pub", true);
    h.publish2(2, "t", "a", 1);
    h.publish2(2, "t", "b", 2);
    let p = only_publish(h.received(1));
    let id = p.packet_id.unwrap();
    h.send(1, Packet::PubRec(PubResponse::new(id)));
    assert_eq!(
        h.received(1),
        [Packet::PubRel(PubResponse::new(id))],
        "still one in flight after PUBREC"
    );
    h.send(1, Packet::PubComp(PubResponse::new(id)));
    assert_eq!(h.payloads(1), ["b"]);
}

#[test]
fn mqtt_3_3_4_7_client_exceeding_our_receive_maximum_disconnected_0x93() {
    let mut h = Harness::new(BrokerConfig {
        receive_maximum: 2,
        ..BrokerConfig::default()
    });
    let ack = h.connect(1, V5, "flood", true);
    assert_eq!(ack.properties.receive_maximum, Some(2));
    for id in 1..=2 {
        h.send(
            1,
            Publish::with_qos(topic_name("t"), "x", QoS::ExactlyOnce, pid(id)),
        );
    }
    assert_eq!(h.received(1).len(), 2, "two PUBRECs");
    h.send(
        1,
        Publish::with_qos(topic_name("t"), "x", QoS::ExactlyOnce, pid(3)),
    );
    assert_eq!(
        last_disconnect(&h.received(1)),
        ReasonCode::ReceiveMaximumExceeded
    );
    assert!(h.closed(1));
}

#[test]
fn mqtt_3_6_4_pubrel_for_an_unknown_id_gets_pubcomp_0x92() {
    let mut h = Harness::default();
    h.connect(1, V5, "c", true);
    h.send(1, Packet::PubRel(PubResponse::new(pid(77))));
    match h.received(1).as_slice() {
        [Packet::PubComp(c)] => assert_eq!(
            (c.packet_id, c.reason_code),
            (pid(77), ReasonCode::PacketIdentifierNotFound)
        ),
        other => panic!("expected PUBCOMP, got {other:?}"),
    }
}

// =======================================================================================
// Maximum Packet Size of the client
// =======================================================================================

#[test]
fn mqtt_3_1_2_25_message_larger_than_the_clients_maximum_packet_size_is_dropped() {
    let mut h = Harness::default();
    let mut c = connect_packet(V5, "small", true);
    c.properties.maximum_packet_size = Some(40);
    c.properties.receive_maximum = Some(1);
    h.connect_with(1, c);
    h.set_client_max_packet_size(1, 40);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.connect(2, V311, "pub", true);
    let big = "x".repeat(64);
    h.publish0(2, "t", &big);
    h.publish1(2, "t", &big, 1);
    h.publish1(2, "t", "fits", 2);
    // The dropped QoS 1 message does not hold the window of one.
    assert_eq!(h.payloads(1), ["fits"]);
    assert_eq!(h.stats().messages_dropped, 2);
    assert!(!h.closed(1));
}

#[test]
fn mqtt_3_3_2_outgoing_alias_not_spent_on_a_dropped_message() {
    let mut h = Harness::default();
    let mut c = connect_packet(V5, "small", true);
    c.properties.maximum_packet_size = Some(40);
    c.properties.topic_alias_maximum = Some(5);
    h.connect_with(1, c);
    h.set_client_max_packet_size(1, 40);
    h.subscribe(1, "some/topic", QoS::AtMostOnce);
    h.connect(2, V311, "pub", true);
    h.publish0(2, "some/topic", &"x".repeat(64)); // dropped: too large
    h.publish0(2, "some/topic", "ok");
    let p = only_publish(h.received(1));
    assert_eq!(
        p.topic.as_str(),
        "some/topic",
        "the client never learnt an alias from the dropped message: {p:?}"
    );
}

// =======================================================================================
// Message expiry
// =======================================================================================

#[test]
fn mqtt_3_3_2_5_queued_message_expires_while_the_subscriber_is_offline() {
    let mut h = Harness::default();
    h.connect_v5_persistent(1, "away", 3600);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.disconnect(1);
    h.connect(2, V5, "pub", true);
    let expiring = |payload: &str, secs: Option<u32>, id| {
        publish_packet(
            "t",
            payload,
            QoS::AtLeastOnce,
            Some(id),
            false,
            props(|p| p.message_expiry_interval = secs),
        )
    };
    h.send(2, expiring("short", Some(5), 1));
    h.send(2, expiring("long", Some(60), 2));
    h.send(2, expiring("forever", None, 3));
    h.advance(10_000);
    h.connect_v5_persistent(3, "away", 3600);
    let got = h.publishes(3);
    let summary: Vec<(String, Option<u32>)> = got
        .iter()
        .map(|p| (payload(p), p.properties.message_expiry_interval))
        .collect();
    assert_eq!(
        summary,
        [("long".to_owned(), Some(50)), ("forever".to_owned(), None)],
        "[MQTT-3.3.2-5] expired message not delivered; [MQTT-3.3.2-6] the interval left is sent"
    );
    assert_eq!(h.stats().messages_dropped, 1);
}

#[test]
fn mqtt_3_3_2_5_expired_retained_message_not_delivered_on_subscribe() {
    let mut h = Harness::default();
    h.connect(1, V5, "pub", true);
    h.send(
        1,
        publish_packet(
            "r",
            "soon gone",
            QoS::AtMostOnce,
            None,
            true,
            props(|p| p.message_expiry_interval = Some(2)),
        ),
    );
    h.advance(1_000);
    h.connect(2, V5, "early", true);
    h.subscribe(2, "r", QoS::AtMostOnce);
    let p = only_publish(h.received(2));
    assert_eq!(p.properties.message_expiry_interval, Some(1));
    h.advance(1_000);
    h.connect(3, V5, "late", true);
    h.subscribe(3, "r", QoS::AtMostOnce);
    assert!(h.received(3).is_empty());
}

// =======================================================================================
// Subscription options
// =======================================================================================

#[test]
fn mqtt_3_3_4_3_subscription_identifiers_attached_to_deliveries() {
    let mut h = Harness::default();
    h.connect(1, V5, "sub", true);
    let mut s = subscribe_packet("a/+", SubscriptionOptions::new(QoS::AtMostOnce));
    s.properties.subscription_identifiers = vec![1];
    h.subscribe_with(1, s);
    let mut s = subscribe_packet("a/#", SubscriptionOptions::new(QoS::AtMostOnce));
    s.properties.subscription_identifiers = vec![2];
    h.subscribe_with(1, s);
    h.subscribe(1, "plain", QoS::AtMostOnce);
    h.connect(2, V311, "pub", true);
    h.publish0(2, "a/b", "both");
    h.publish0(2, "a/b/c", "deep");
    h.publish0(2, "plain", "none");
    let got = h.publishes(1);
    assert_eq!(
        got.len(),
        3,
        "[MQTT-3.3.4-2] one copy however many filters match"
    );
    let mut ids = got[0].properties.subscription_identifiers.clone();
    ids.sort();
    assert_eq!(ids, [1, 2], "[MQTT-3.3.4-3] every matching identifier");
    assert_eq!(got[1].properties.subscription_identifiers, [2]);
    assert!(got[2].properties.subscription_identifiers.is_empty());
}

#[test]
fn mqtt_3_8_2_subscription_identifier_on_retained_delivery() {
    let mut h = Harness::default();
    h.connect(1, V311, "pub", true);
    h.send(
        1,
        publish_packet(
            "r",
            "kept",
            QoS::AtMostOnce,
            None,
            true,
            Properties::default(),
        ),
    );
    h.connect(2, V5, "sub", true);
    let mut s = subscribe_packet("r", SubscriptionOptions::new(QoS::AtMostOnce));
    s.properties.subscription_identifiers = vec![268_435_455];
    h.subscribe_with(2, s);
    assert_eq!(
        only_publish(h.received(2))
            .properties
            .subscription_identifiers,
        [268_435_455]
    );
}

#[test]
fn mqtt_3_8_3_3_no_local_suppresses_own_publications() {
    let mut h = Harness::default();
    h.connect(1, V5, "talker", true);
    h.subscribe_with(
        1,
        subscribe_packet("chat", options(QoS::AtMostOnce, |o| o.no_local = true)),
    );
    h.connect(2, V5, "echo", true);
    h.subscribe(2, "chat", QoS::AtMostOnce);
    h.publish0(1, "chat", "from talker");
    h.publish0(2, "chat", "from echo");
    assert_eq!(h.payloads(1), ["from echo"], "[MQTT-3.8.3-3]");
    assert_eq!(
        h.payloads(2),
        ["from talker", "from echo"],
        "without No Local a client gets its own"
    );
}

/// The RETAIN flags a subscriber with Retain As Published on `rap_filter`, and one without
/// on `plain_filter`, see on a retained then a plain PUBLISH to `t`.
fn retain_flags_seen(rap_filter: &str, plain_filter: &str) -> (Vec<bool>, Vec<bool>) {
    let mut h = Harness::default();
    h.connect(1, V5, "rap", true);
    h.subscribe_with(
        1,
        subscribe_packet(
            rap_filter,
            options(QoS::AtMostOnce, |o| o.retain_as_published = true),
        ),
    );
    h.connect(2, V5, "plain", true);
    h.subscribe(2, plain_filter, QoS::AtMostOnce);
    h.connect(3, V5, "pub", true);
    h.send(
        3,
        publish_packet("t", "r", QoS::AtMostOnce, None, true, Properties::default()),
    );
    h.publish0(3, "t", "n");
    let flags = |p: Vec<Publish>| p.iter().map(|p| p.retain).collect();
    (flags(h.publishes(1)), flags(h.publishes(2)))
}

#[test]
fn mqtt_3_3_1_12_retain_as_published_keeps_the_retain_flag() {
    let (rap, plain) = retain_flags_seen("t", "t");
    assert_eq!(rap, [true, false], "[MQTT-3.3.1-13]");
    assert_eq!(plain, [false, false], "[MQTT-3.3.1-12]");
}

/// [MQTT-3.3.1-12], [MQTT-3.3.1-13] for a shared subscription: Retain As Published holds for
/// the member a message goes to (it was dropped for every shared delivery).
#[test]
fn mqtt_3_3_1_13_retain_as_published_holds_for_a_shared_subscription() {
    let (rap, plain) = retain_flags_seen("$share/g/t", "$share/h/t");
    assert_eq!(rap, [true, false], "[MQTT-3.3.1-13]");
    assert_eq!(plain, [false, false], "[MQTT-3.3.1-12]");
}

fn retain_handling_deliveries(handling: RetainHandling) -> (usize, usize) {
    let mut h = Harness::default();
    h.connect(1, V5, "pub", true);
    h.send(
        1,
        publish_packet(
            "r",
            "kept",
            QoS::AtMostOnce,
            None,
            true,
            Properties::default(),
        ),
    );
    h.connect(2, V5, "sub", true);
    let opts = options(QoS::AtMostOnce, |o| o.retain_handling = handling);
    h.subscribe_with(2, subscribe_packet("r", opts));
    let first = h.received(2).len();
    h.subscribe_with(2, subscribe_packet("r", opts));
    let again = h.received(2).len();
    (first, again)
}

#[test]
fn mqtt_3_3_1_9_retain_handling_0_sends_retained_on_every_subscribe() {
    assert_eq!(
        retain_handling_deliveries(RetainHandling::SendAtSubscribe),
        (1, 1)
    );
}

#[test]
fn mqtt_3_3_1_10_retain_handling_1_sends_retained_only_for_a_new_subscription() {
    assert_eq!(
        retain_handling_deliveries(RetainHandling::SendIfNew),
        (1, 0)
    );
}

#[test]
fn mqtt_3_3_1_11_retain_handling_2_never_sends_retained() {
    assert_eq!(
        retain_handling_deliveries(RetainHandling::DoNotSend),
        (0, 0)
    );
}

// =======================================================================================
// Shared subscriptions
// =======================================================================================

#[test]
fn mqtt_4_8_2_shared_subscription_delivers_each_message_to_exactly_one_member() {
    let mut h = Harness::default();
    for conn in 1..=3 {
        h.connect(conn, V5, &format!("worker{conn}"), true);
        let ack = h.subscribe(conn, "$share/g/jobs/+", QoS::AtLeastOnce);
        assert_eq!(ack.reason_codes, [ReasonCode::GrantedQoS1]);
    }
    h.connect(4, V5, "other-group", true);
    h.subscribe(4, "$share/h/jobs/#", QoS::AtMostOnce);
    h.connect(5, V5, "observer", true);
    h.subscribe(5, "jobs/+", QoS::AtMostOnce);
    h.connect(6, V311, "pub", true);
    for i in 0..9u16 {
        h.publish1(6, &format!("jobs/{i}"), &format!("job{i}"), i + 1);
    }
    let mut all = Vec::new();
    for conn in 1..=3 {
        let got = h.publishes(conn);
        assert!(!got.is_empty(), "worker {conn} got no work");
        assert!(got.iter().all(|p| p.qos == QoS::AtLeastOnce));
        h.ack_all(conn, &got);
        all.extend(got.iter().map(payload));
    }
    all.sort();
    let expected: Vec<String> = (0..9).map(|i| format!("job{i}")).collect();
    assert_eq!(
        all, expected,
        "each message to exactly one member of group g"
    );
    assert_eq!(h.payloads(4).len(), 9, "group h gets its own copy of each");
    assert_eq!(
        h.payloads(5).len(),
        9,
        "a plain subscription gets every message"
    );
}

/// Many shared filters (groups) at once, some gone again: every live group still takes
/// its members in turn (the turn counters of the groups that went are dropped, not those
/// of live ones).
#[test]
fn mqtt_4_8_2_many_shared_groups_each_keep_their_turns() {
    let mut h = Harness::default();
    for conn in 1..=2 {
        h.connect(conn, V5, &format!("worker{conn}"), true);
        for i in 0..40 {
            h.subscribe(conn, &format!("$share/g/jobs/{i}"), QoS::AtMostOnce);
        }
    }
    h.connect(3, V5, "pub", true);
    // Every group gets a counter, then all but two lose their members: their counters go
    // at the next message, the live ones stay.
    for i in 0..40 {
        h.publish0(3, &format!("jobs/{i}"), "warm");
    }
    for conn in 1..=2 {
        h.payloads(conn);
        for i in 2..40 {
            h.send(conn, unsubscribe_packet(&[&format!("$share/g/jobs/{i}")]));
        }
        h.received(conn);
    }
    for round in 0..6 {
        h.publish0(3, "jobs/0", &format!("r{round}"));
    }
    let (one, two) = (h.payloads(1).len(), h.payloads(2).len());
    assert_eq!((one, two), (3, 3), "the members of jobs/0 take turns");
}

/// A `$share/NAME/FILTER` subscription from a 3.1.1 client joins the group as a 5.0 one
/// does (mosquitto's treatment): each message goes to one member, whatever its version.
#[test]
fn a_shared_subscription_from_3_1_1_joins_its_group() {
    let mut h = Harness::default();
    h.connect(1, V311, "old1", true);
    h.connect(2, V311, "old2", true);
    h.connect(3, V5, "new3", true);
    for conn in 1..=3 {
        let ack = h.subscribe(conn, "$share/g/sh/x", QoS::AtMostOnce);
        assert_eq!(ack.reason_codes, [ReasonCode::Success]);
    }
    h.connect(4, V311, "pub", true);
    for i in 0..6 {
        h.publish0(4, "sh/x", &format!("m{i}"));
    }
    let counts: Vec<usize> = (1..=3).map(|conn| h.payloads(conn).len()).collect();
    assert_eq!(counts, [2, 2, 2], "each message to one member");
}

#[test]
fn mqtt_4_8_2_shared_subscription_gets_no_retained_messages() {
    let mut h = Harness::default();
    h.connect(1, V5, "pub", true);
    h.send(
        1,
        publish_packet(
            "jobs/1",
            "kept",
            QoS::AtMostOnce,
            None,
            true,
            Properties::default(),
        ),
    );
    h.connect(2, V5, "worker", true);
    h.subscribe(2, "$share/g/jobs/#", QoS::AtMostOnce);
    assert!(h.received(2).is_empty());
}

#[test]
fn mqtt_4_8_2_shared_subscription_prefers_connected_members() {
    let mut h = Harness::default();
    h.connect_v5_persistent(1, "away", 3600);
    h.subscribe(1, "$share/g/t", QoS::AtLeastOnce);
    h.disconnect(1);
    h.connect(2, V5, "here", true);
    h.subscribe(2, "$share/g/t", QoS::AtLeastOnce);
    h.connect(3, V311, "pub", true);
    for i in 1..=4 {
        h.publish1(3, "t", "x", i);
    }
    assert_eq!(h.payloads(2).len(), 4);
    h.connect_v5_persistent(4, "away", 3600);
    assert!(
        h.received(4).is_empty(),
        "nothing was queued for the absent member"
    );
}

// =======================================================================================
// Properties passed through
// =======================================================================================

#[test]
fn mqtt_3_3_2_17_user_properties_and_request_response_passed_through_unchanged() {
    let mut h = Harness::default();
    h.connect(1, V5, "responder", true);
    h.subscribe(1, "service/req", QoS::AtLeastOnce);
    h.connect(2, V5, "requester", true);
    h.subscribe(2, "replies/requester", QoS::AtLeastOnce);
    h.connect(3, V311, "old", true);
    h.subscribe(3, "service/req", QoS::AtMostOnce);

    let request_props = props(|p| {
        p.user_properties = vec![
            UserProperty::new("trace", "1").unwrap(),
            UserProperty::new("b", "x").unwrap(),
            UserProperty::new("trace", "2").unwrap(),
        ];
        p.response_topic = Some(topic_name("replies/requester"));
        p.correlation_data = Some(bytes::Bytes::from_static(b"\x00\x01corr"));
        p.content_type = Some(MqttStr::new("application/json").unwrap());
        p.payload_format_indicator = Some(1);
    });
    h.send(
        2,
        publish_packet(
            "service/req",
            "{}",
            QoS::AtLeastOnce,
            Some(1),
            false,
            request_props.clone(),
        ),
    );
    let req = only_publish(h.received(1));
    let mut forwarded = req.properties.clone();
    assert_eq!(forwarded.subscription_identifiers, Vec::<u32>::new());
    forwarded.topic_alias = None;
    assert_eq!(
        forwarded, request_props,
        "[MQTT-3.3.2-17] [MQTT-3.3.2-18] [MQTT-3.3.2-15] [MQTT-3.3.2-16] unchanged, in order"
    );
    assert_eq!(
        only_publish(h.received(3)).properties,
        Properties::default(),
        "3.1.1 gets the message without properties"
    );

    // The responder answers on the Response Topic with the Correlation Data.
    h.ack_all(1, std::slice::from_ref(&req));
    let reply_props = props(|p| p.correlation_data = req.properties.correlation_data.clone());
    let reply_topic = req.properties.response_topic.clone().unwrap();
    h.send(
        1,
        publish_packet(
            reply_topic.as_str(),
            "ok",
            QoS::AtMostOnce,
            None,
            false,
            reply_props,
        ),
    );
    let reply = only_publish(
        h.received(2)
            .into_iter()
            .filter(|p| matches!(p, Packet::Publish(_)))
            .collect(),
    );
    assert_eq!(payload(&reply), "ok");
    assert_eq!(
        reply.properties.correlation_data.as_deref(),
        Some(&b"\x00\x01corr"[..])
    );
}

/// [MQTT-3.1.2-24]: a client whose Maximum Packet Size cannot take the CONNACK gets nothing
/// larger than it allows; the broker ends the connection instead of leaving it waiting.
#[test]
fn mqtt_3_1_2_24_connack_too_large_for_the_client_closes_the_connection() {
    let mut broker = mqtt_codec::broker::Broker::new(mqtt_codec::broker::BrokerConfig::default());
    broker.connection_opened(1, 0);
    let mut connect = mqtt_codec::Connect::new(
        mqtt_codec::ProtocolVersion::V5,
        mqtt_codec::MqttStr::new("tiny").unwrap(),
    );
    connect.properties.maximum_packet_size = Some(4);
    let bytes = mqtt_codec::Packet::from(connect)
        .to_bytes(mqtt_codec::ProtocolVersion::V5)
        .unwrap();
    broker.bytes_received(1, &bytes, 0);
    let actions: Vec<_> = std::iter::from_fn(|| broker.poll_action()).collect();
    assert!(!actions
        .iter()
        .any(|a| matches!(a, mqtt_codec::broker::Action::Send { .. })));
    assert!(actions
        .iter()
        .any(|a| matches!(a, mqtt_codec::broker::Action::Close { conn: 1 })));
    assert_eq!(broker.connection_count(), 0);
}

/// [MQTT-3.1.2-24]: when the CONNACK cannot be sent, no session is kept for the CONNECT,
/// even one that asked to outlive its connection: the client never learnt of it, nor of the
/// identifier the broker assigned to it.
#[test]
fn mqtt_3_1_2_24_no_session_is_kept_for_a_connack_that_could_not_be_sent() {
    let mut broker = mqtt_codec::broker::Broker::new(mqtt_codec::broker::BrokerConfig::default());
    for (conn, id) in [(1, ""), (2, ""), (3, "tiny")] {
        broker.connection_opened(conn, 0);
        let mut connect = mqtt_codec::Connect::new(
            mqtt_codec::ProtocolVersion::V5,
            mqtt_codec::MqttStr::new(id).unwrap(),
        );
        connect.properties.maximum_packet_size = Some(4);
        connect.properties.session_expiry_interval = Some(3600);
        let bytes = mqtt_codec::Packet::from(connect)
            .to_bytes(mqtt_codec::ProtocolVersion::V5)
            .unwrap();
        broker.bytes_received(conn, &bytes, 0);
        while broker.poll_action().is_some() {}
    }
    assert_eq!(broker.connection_count(), 0);
    assert_eq!(broker.session_count(), 0);
}
