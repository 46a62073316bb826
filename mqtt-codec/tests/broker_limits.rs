//! The broker core's robustness, limits, access control and configuration without sockets
//! (issue 5, items 6 and 7): malformed packets and protocol errors end one client only,
//! bounded queues, the mosquitto-style ACL, Maximum QoS, Retain Available, the broker's own
//! Maximum Packet Size, and CONNECTs the broker refuses.

mod support_broker;

use mqtt_codec::broker::{Acl, BrokerConfig, Level};
use mqtt_codec::{Packet, Properties, PubResponse, Publish, QoS, ReasonCode};
use support_broker::*;

fn with_config(f: impl FnOnce(&mut BrokerConfig)) -> Harness {
    let mut config = BrokerConfig::default();
    f(&mut config);
    Harness::new(config)
}

// =======================================================================================
// Malformed packets and protocol errors
// =======================================================================================

/// PUBLISH with QoS 3 ([MQTT-3.3.1-4]): malformed.
const PUBLISH_QOS3: [u8; 6] = [0x36, 0x04, 0x00, 0x01, b't', b'x'];

#[test]
fn mqtt_4_13_1_1_malformed_packet_v5_gets_disconnect_0x81_and_others_continue() {
    let mut h = Harness::default();
    h.connect(1, V5, "bad", true);
    h.connect(2, V5, "sub", true);
    h.subscribe(2, "t", QoS::AtLeastOnce);
    h.connect(3, V311, "pub", true);
    h.send_bytes(1, &PUBLISH_QOS3);
    assert_eq!(
        h.received(1),
        [Packet::Disconnect(mqtt_codec::Disconnect::new(
            ReasonCode::MalformedPacket
        ))]
    );
    assert!(h.closed(1));
    h.send_bytes(1, &[0xC0, 0x00]); // anything after the close is ignored
    assert!(!h.closed(2) && !h.closed(3));
    h.publish1(3, "t", "still working", 1);
    assert_eq!(h.payloads(2), ["still working"]);
    assert_eq!(h.broker.connection_count(), 2);
    assert!(h
        .logs()
        .iter()
        .any(|(level, line)| *level == Level::Warn && line.contains("connection 1")));
}

#[test]
fn mqtt_4_8_0_1_malformed_packet_v311_closes_without_reply_and_publishes_the_will() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    let mut c = connect_packet(V311, "bad", true);
    c.will = Some(will("wills/bad", "broken", QoS::AtMostOnce));
    h.connect_with(2, c);
    h.send_bytes(2, &PUBLISH_QOS3);
    assert!(
        h.received(2).is_empty(),
        "3.1.1 has no DISCONNECT from the server"
    );
    assert!(h.closed(2));
    assert_eq!(
        h.payloads(1),
        ["broken"],
        "a protocol violation is an abnormal end: the will goes out"
    );
}

#[test]
fn malformed_bytes_split_across_reads_end_only_that_client() {
    let mut h = Harness::default();
    h.connect(1, V5, "bad", true);
    h.connect(2, V5, "good", true);
    h.subscribe(2, "t", QoS::AtMostOnce);
    // A valid PUBLISH then a SUBSCRIBE with reserved flags 0 ([MQTT-3.8.1-1]), fed in two
    // chunks that cut both packets.
    let mut bytes = Packet::Publish(Publish::new(topic_name("t"), "first"))
        .to_bytes(V5)
        .unwrap()
        .to_vec();
    bytes.extend_from_slice(&[0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x01, b't']);
    let (a, b) = bytes.split_at(5);
    h.send_bytes(1, a);
    assert!(!h.closed(1));
    h.send_bytes(1, b);
    assert_eq!(last_disconnect(&h.received(1)), ReasonCode::MalformedPacket);
    assert!(h.closed(1));
    assert_eq!(
        h.payloads(2),
        ["first"],
        "what came before the error was handled"
    );
}

#[test]
fn mqtt_3_1_0_2_second_connect_is_a_protocol_error() {
    let mut h = Harness::default();
    h.connect(1, V311, "twice", true);
    h.send(1, connect_packet(V311, "twice", true));
    assert!(h.received(1).is_empty());
    assert!(h.closed(1));
}

#[test]
fn mqtt_4_13_1_packet_larger_than_the_broker_maximum_disconnects_0x95() {
    let mut h = with_config(|c| c.max_packet_size = 100);
    let ack = h.connect(1, V5, "big", true);
    assert_eq!(
        ack.properties.maximum_packet_size,
        Some(100),
        "[MQTT-3.2.2-?] announced in CONNACK"
    );
    h.publish0(1, "t", &"x".repeat(80));
    assert!(!h.closed(1), "under the limit");
    h.publish0(1, "t", &"x".repeat(200));
    assert_eq!(last_disconnect(&h.received(1)), ReasonCode::PacketTooLarge);
    assert!(h.closed(1));
}

/// [MQTT-3.1.2-1], [MQTT-3.1.2-2]: level 5 under the name "MQIsdp" is refused in the form a
/// 5.0 client reads: CONNACK 0x84 Unsupported Protocol Version, then the close.
#[test]
fn mqtt_3_1_2_2_level_5_named_mqisdp_gets_a_5_0_connack_0x84() {
    let mut h = Harness::default();
    h.open(1, V5);
    h.send_bytes(
        1,
        &[
            0x10, 0x11, 0, 6, b'M', b'Q', b'I', b's', b'd', b'p', 5, 0x02, 0, 60, 0, 3, b'a', b'b',
            b'c',
        ][..],
    );
    match h.received(1).as_slice() {
        [Packet::ConnAck(a)] => {
            assert_eq!(a.reason_code, ReasonCode::UnsupportedProtocolVersion);
        }
        other => panic!("expected a 5.0 CONNACK, got {other:?}"),
    }
    assert!(h.closed(1));
}

#[test]
fn mqtt_3_1_2_2_v311_connect_with_unsupported_level_gets_return_code_1_then_close() {
    for level in [2u8, 6] {
        let mut h = Harness::default();
        h.open(1, V311);
        // CONNECT "MQTT" level 2 or 6, client "abc".
        h.send_bytes(
            1,
            &[
                0x10, 0x0F, 0, 4, b'M', b'Q', b'T', b'T', level, 0x02, 0, 60, 0, 3, b'a', b'b',
                b'c',
            ],
        );
        match h.received(1).as_slice() {
            [Packet::ConnAck(a)] => {
                // 3.1.1 return code 0x01 "unacceptable protocol version".
                assert_eq!(
                    mqtt_codec::v3_return_code(a.reason_code),
                    Some(1),
                    "level {level}"
                );
                assert!(!a.session_present);
            }
            other => panic!("level {level}: expected CONNACK, got {other:?}"),
        }
        assert!(h.closed(1));
        assert_eq!(h.broker.session_count(), 0);
    }
}

#[test]
fn mqtt_3_1_2_3_connect_reserved_flag_closes_without_connack() {
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
fn events_for_unknown_or_closed_connections_are_ignored() {
    let mut h = Harness::default();
    h.broker.bytes_received(99, &[0xC0, 0x00], 0);
    h.broker.connection_closed(99, 0);
    h.broker.tick(0);
    assert_eq!(h.broker.poll_action(), None);
    h.connect(1, V311, "c", true);
    h.disconnect(1);
    assert!(h.closed(1));
    h.drop_connection(1);
    assert_eq!(h.broker.connection_count(), 0);
}

// =======================================================================================
// Bounded queues
// =======================================================================================

#[test]
fn bounded_queue_drops_and_counts_messages_for_an_offline_session() {
    let mut h = with_config(|c| c.max_queued = 3);
    h.connect(1, V311, "away", false);
    h.subscribe(1, "t", QoS::ExactlyOnce);
    h.disconnect(1);
    h.connect(2, V311, "pub", true);
    for i in 1..=5u16 {
        h.publish1(2, "t", &format!("m{i}"), i);
    }
    h.publish2(2, "t", "m6", 6);
    assert_eq!(h.stats().messages_dropped, 3);
    assert!(h
        .logs()
        .iter()
        .any(|(level, line)| *level == Level::Warn && line.contains("queue full")));
    h.connect(3, V311, "away", false);
    assert_eq!(
        h.payloads(3),
        ["m1", "m2", "m3"],
        "the first three were kept, in order"
    );
}

#[test]
fn slow_subscriber_queue_is_bounded_and_does_not_stall_others() {
    let mut h = with_config(|c| c.max_queued = 2);
    let mut c = connect_packet(V5, "slow", true);
    c.properties.receive_maximum = Some(1);
    h.connect_with(1, c);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.connect(2, V311, "fast", true);
    h.subscribe(2, "t", QoS::AtLeastOnce);
    h.connect(3, V311, "pub", true);
    for i in 1..=6u16 {
        h.publish1(3, "t", &format!("m{i}"), i);
        let got = h.publishes(2);
        h.ack_all(2, &got);
        assert_eq!(got.len(), 1, "the fast subscriber gets m{i} at once");
    }
    // The slow one: m1 in flight, m2 and m3 queued, m4…m6 dropped.
    assert_eq!(h.stats().messages_dropped, 3);
    assert_eq!(h.drain_acking(1), ["m1", "m2", "m3"]);
}

#[test]
fn stats_count_received_and_sent_messages() {
    let mut h = Harness::default();
    h.connect(1, V311, "a", true);
    h.connect(2, V311, "b", true);
    h.subscribe(1, "t", QoS::AtMostOnce);
    h.subscribe(2, "t", QoS::AtMostOnce);
    h.publish0(1, "t", "x");
    h.publish1(2, "t", "y", 1);
    let s = h.stats();
    assert_eq!(
        (
            s.connections,
            s.messages_received,
            s.messages_sent,
            s.messages_dropped
        ),
        (2, 2, 4, 0)
    );
}

// =======================================================================================
// Access control
// =======================================================================================

const ACL: &str = "\
# anonymous clients
topic read public/#

user alice
topic readwrite alice/#
topic deny alice/secret/#
topic write public/alice

user bob
topic read alice/#

# everyone
pattern readwrite devices/%c/#
pattern read users/%u/inbox
";

fn acl_harness() -> Harness {
    with_config(|c| c.acl = Some(Acl::parse(ACL).expect("the ACL parses")))
}

fn connect_as(
    h: &mut Harness,
    conn: u64,
    version: mqtt_codec::ProtocolVersion,
    client_id: &str,
    user: Option<&str>,
) {
    let mut c = connect_packet(version, client_id, true);
    c.username = user.map(mqtt_str);
    let ack = h.connect_with(conn, c);
    assert_eq!(ack.reason_code, ReasonCode::Success);
}

#[test]
fn acl_parse_accepts_mosquitto_syntax_and_reports_bad_lines() {
    assert!(Acl::parse(ACL).is_ok());
    assert!(Acl::parse("").is_ok());
    assert!(Acl::parse("topic a/#  \n   # indented comment\n\ntopic deny a/b").is_ok());
    let err = Acl::parse("topic read a\nallow everything\n").unwrap_err();
    assert_eq!(err.line, 2);
    assert_eq!(
        Acl::parse("user alice\ntopic read\n").unwrap_err().line,
        2,
        "an access without a topic"
    );
    assert!(Acl::parse("topic").is_err());
}

#[test]
fn acl_rules_by_user_and_pattern() {
    let acl = Acl::parse(ACL).unwrap();
    // Anonymous: read-only on public/#.
    assert!(acl.can_subscribe(None, "c", "public/#"));
    assert!(acl.can_subscribe(None, "c", "public/+/x"));
    assert!(
        !acl.can_subscribe(None, "c", "#"),
        "a filter wider than the grant"
    );
    assert!(!acl.can_publish(None, "c", "public/x"));
    // alice: her tree, except the secret part; write-only on public/alice.
    assert!(acl.can_publish(Some("alice"), "c", "alice/x"));
    assert!(
        !acl.can_publish(Some("alice"), "c", "alice/secret/x"),
        "deny wins"
    );
    assert!(!acl.can_subscribe(Some("alice"), "c", "alice/secret/#"));
    assert!(acl.can_publish(Some("alice"), "c", "public/alice"));
    assert!(!acl.can_subscribe(Some("alice"), "c", "public/alice"));
    assert!(
        !acl.can_subscribe(Some("alice"), "c", "public/#"),
        "the anonymous rules are not hers"
    );
    // bob reads alice's tree, writes nothing.
    assert!(acl.can_subscribe(Some("bob"), "c", "alice/+"));
    assert!(!acl.can_publish(Some("bob"), "c", "alice/x"));
    // An unknown user has only the patterns.
    assert!(acl.can_publish(Some("carol"), "dev7", "devices/dev7/temp"));
    assert!(!acl.can_publish(Some("carol"), "dev7", "devices/dev8/temp"));
    assert!(acl.can_subscribe(Some("carol"), "x", "users/carol/inbox"));
    assert!(!acl.can_subscribe(Some("carol"), "x", "users/dave/inbox"));
    // Shared subscriptions are checked on their filter.
    assert!(acl.can_subscribe(None, "c", "$share/g/public/news"));
}

#[test]
fn mqtt_3_9_3_subscribe_denied_by_acl_gets_0x87_in_v5_and_0x80_in_v311() {
    let mut h = acl_harness();
    connect_as(&mut h, 1, V5, "five", None);
    connect_as(&mut h, 2, V311, "three", None);
    connect_as(&mut h, 3, V31, "old", None);
    let sub = |filters: &[(&str, QoS)]| {
        mqtt_codec::Subscribe::new(
            pid(1),
            filters
                .iter()
                .map(|(f, q)| {
                    mqtt_codec::Subscription::new(mqtt_codec::TopicFilter::new(f).unwrap(), *q)
                })
                .collect(),
        )
    };
    let both = sub(&[
        ("public/#", QoS::AtLeastOnce),
        ("alice/#", QoS::AtLeastOnce),
    ]);
    assert_eq!(
        h.subscribe_with(1, both.clone()).reason_codes,
        [ReasonCode::GrantedQoS1, ReasonCode::NotAuthorized]
    );
    assert_eq!(
        h.subscribe_with(2, both.clone()).reason_codes,
        [ReasonCode::GrantedQoS1, ReasonCode::UnspecifiedError]
    );
    assert_eq!(
        h.subscribe_with(3, both).reason_codes[1],
        ReasonCode::UnspecifiedError
    );
    // The denied filter is not subscribed.
    connect_as(&mut h, 4, V5, "writer", Some("alice"));
    h.publish0(4, "alice/x", "private");
    for conn in 1..=3 {
        assert!(h.received(conn).is_empty());
    }
}

#[test]
fn mqtt_3_3_5_publish_denied_by_acl_is_not_delivered() {
    let mut h = acl_harness();
    connect_as(&mut h, 1, V5, "reader", Some("bob"));
    h.subscribe(1, "alice/#", QoS::AtLeastOnce);
    connect_as(&mut h, 2, V5, "b5", Some("bob"));
    connect_as(&mut h, 3, V311, "b3", Some("bob"));

    let ack = h.publish1(2, "alice/x", "forged", 1);
    assert_eq!(
        ack.reason_code,
        ReasonCode::NotAuthorized,
        "5.0 PUBACK 0x87"
    );
    let ack = h.publish1(3, "alice/x", "forged", 1);
    assert_eq!(
        ack.reason_code,
        ReasonCode::Success,
        "3.1.1 has no way to say no"
    );
    h.send(
        2,
        Publish::with_qos(topic_name("alice/y"), "forged", QoS::ExactlyOnce, pid(2)),
    );
    match h.received(2).as_slice() {
        [Packet::PubRec(r)] => {
            assert_eq!(r.reason_code, ReasonCode::NotAuthorized, "5.0 PUBREC 0x87")
        }
        other => panic!("expected PUBREC, got {other:?}"),
    }
    h.publish0(3, "alice/z", "forged");
    assert!(h.received(1).is_empty(), "nothing denied was delivered");
    assert!(
        !h.closed(2) && !h.closed(3),
        "a denied publish does not disconnect"
    );

    connect_as(&mut h, 4, V311, "writer", Some("alice"));
    h.publish1(4, "alice/x", "genuine", 1);
    assert_eq!(h.payloads(1), ["genuine"]);
}

#[test]
fn acl_denied_retained_publish_is_not_stored() {
    let mut h = acl_harness();
    connect_as(&mut h, 1, V311, "anon", None);
    h.send(
        1,
        publish_packet(
            "public/x",
            "r",
            QoS::AtMostOnce,
            None,
            true,
            Properties::default(),
        ),
    );
    assert_eq!(h.broker.retained_count(), 0);
}

#[test]
fn acl_patterns_use_client_id_and_user_name() {
    let mut h = acl_harness();
    connect_as(&mut h, 1, V5, "dev1", None);
    connect_as(&mut h, 2, V5, "watch", Some("carol"));
    assert_eq!(
        h.subscribe(2, "users/carol/inbox", QoS::AtMostOnce)
            .reason_codes,
        [ReasonCode::Success]
    );
    assert_eq!(
        h.subscribe(2, "users/dave/inbox", QoS::AtMostOnce)
            .reason_codes,
        [ReasonCode::NotAuthorized]
    );
    assert_eq!(
        h.subscribe(1, "devices/dev1/#", QoS::AtMostOnce)
            .reason_codes,
        [ReasonCode::Success]
    );
    assert_eq!(
        h.publish1(1, "devices/dev1/temp", "20", 1).reason_code,
        ReasonCode::Success
    );
    assert_eq!(
        h.publish1(1, "devices/dev2/temp", "20", 2).reason_code,
        ReasonCode::NotAuthorized
    );
    assert_eq!(h.payloads(1), ["20"]);
}

// =======================================================================================
// Maximum QoS and Retain Available
// =======================================================================================

#[test]
fn mqtt_3_2_2_9_max_qos_announced_and_granted_qos_capped() {
    let mut h = with_config(|c| c.max_qos = QoS::AtLeastOnce);
    let ack = h.connect(1, V5, "five", true);
    assert_eq!(ack.properties.maximum_qos, Some(1));
    h.connect(2, V311, "three", true);
    assert_eq!(
        h.subscribe(1, "t", QoS::ExactlyOnce).reason_codes,
        [ReasonCode::GrantedQoS1]
    );
    assert_eq!(
        h.subscribe(2, "t", QoS::ExactlyOnce).reason_codes,
        [ReasonCode::GrantedQoS1]
    );
    h.connect(3, V311, "pub", true);
    h.publish1(3, "t", "x", 1);
    assert_eq!(only_publish(h.received(1)).qos, QoS::AtLeastOnce);
    assert_eq!(only_publish(h.received(2)).qos, QoS::AtLeastOnce);
}

#[test]
fn mqtt_3_2_2_11_publish_above_max_qos_disconnects_0x9b() {
    let mut h = with_config(|c| c.max_qos = QoS::AtLeastOnce);
    h.connect(1, V5, "five", true);
    h.send(
        1,
        Publish::with_qos(topic_name("t"), "x", QoS::ExactlyOnce, pid(1)),
    );
    assert_eq!(last_disconnect(&h.received(1)), ReasonCode::QoSNotSupported);
    assert!(h.closed(1));
    h.connect(2, V311, "three", true);
    h.send(
        2,
        Publish::with_qos(topic_name("t"), "x", QoS::ExactlyOnce, pid(1)),
    );
    assert!(h.received(2).is_empty());
    assert!(h.closed(2));
}

#[test]
fn mqtt_3_2_2_14_retain_not_available() {
    let mut h = with_config(|c| c.retain_available = false);
    let ack = h.connect(1, V5, "five", true);
    assert_eq!(ack.properties.retain_available, Some(0));
    h.send(
        1,
        publish_packet("t", "r", QoS::AtMostOnce, None, true, Properties::default()),
    );
    assert_eq!(
        last_disconnect(&h.received(1)),
        ReasonCode::RetainNotSupported
    );
    assert!(h.closed(1));
    assert_eq!(h.broker.retained_count(), 0);
    // Non-retained publishing still works.
    h.connect(2, V5, "sub", true);
    h.subscribe(2, "t", QoS::AtMostOnce);
    h.connect(3, V5, "pub", true);
    h.publish0(3, "t", "plain");
    assert_eq!(h.payloads(2), ["plain"]);
}

#[test]
fn puback_for_unknown_id_is_ignored() {
    let mut h = Harness::default();
    h.connect(1, V311, "c", true);
    h.send(1, Packet::PubAck(PubResponse::new(pid(5))));
    h.send(1, Packet::PubComp(PubResponse::new(pid(6))));
    assert!(h.received(1).is_empty());
    assert!(!h.closed(1));
}

// =======================================================================================
// Wills the broker would not accept as publications
// =======================================================================================

fn connect_with_will(
    version: mqtt_codec::ProtocolVersion,
    w: mqtt_codec::Will,
    user: Option<&str>,
) -> mqtt_codec::Connect {
    let mut c = connect_packet(version, "willing", true);
    c.will = Some(w);
    c.username = user.map(mqtt_str);
    c
}

#[test]
fn mqtt_3_2_2_12_will_qos_above_maximum_refused_0x9b() {
    let mut h = with_config(|c| c.max_qos = QoS::AtLeastOnce);
    let ack = h.connect_with(
        1,
        connect_with_will(V5, will("w", "x", QoS::ExactlyOnce), None),
    );
    assert_eq!(ack.reason_code, ReasonCode::QoSNotSupported);
    assert!(h.closed(1));
    // 3.1.1 has no return code for it: the connection is closed without a CONNACK.
    h.open(2, V311);
    h.send(
        2,
        connect_with_will(V311, will("w", "x", QoS::ExactlyOnce), None),
    );
    assert!(h.received(2).is_empty());
    assert!(h.closed(2));
    assert!(
        !h.logs().iter().any(|(level, _)| *level == Level::Error),
        "{:?}",
        h.logs()
    );
    // A will within the maximum is fine.
    let ack = h.connect_with(
        3,
        connect_with_will(V5, will("w", "x", QoS::AtLeastOnce), None),
    );
    assert_eq!(ack.reason_code, ReasonCode::Success);
}

#[test]
fn mqtt_3_2_2_13_retained_will_refused_when_retain_not_available_0x9a() {
    let mut h = with_config(|c| c.retain_available = false);
    let mut w = will("w", "x", QoS::AtMostOnce);
    w.retain = true;
    let ack = h.connect_with(1, connect_with_will(V5, w.clone(), None));
    assert_eq!(ack.reason_code, ReasonCode::RetainNotSupported);
    assert!(h.closed(1));
    h.open(2, V311);
    h.send(2, connect_with_will(V311, w, None));
    assert!(h.received(2).is_empty());
    assert!(h.closed(2));
    assert_eq!(h.broker.retained_count(), 0);
}

#[test]
fn acl_denied_will_topic_refuses_the_connection() {
    let mut h = acl_harness();
    connect_as(&mut h, 1, V311, "spy", Some("bob"));
    h.subscribe(1, "alice/#", QoS::AtMostOnce);
    // bob may not write alice/#: a will there would bypass the ACL.
    let ack = h.connect_with(
        2,
        connect_with_will(V5, will("alice/x", "forged", QoS::AtMostOnce), Some("bob")),
    );
    assert_eq!(ack.reason_code, ReasonCode::NotAuthorized);
    assert!(h.closed(2));
    let ack = h.connect_with(
        3,
        connect_with_will(
            V311,
            will("alice/x", "forged", QoS::AtMostOnce),
            Some("bob"),
        ),
    );
    assert_eq!(
        ack.reason_code,
        ReasonCode::NotAuthorized,
        "3.1.1 return code 5"
    );
    assert!(h.closed(3));
    assert!(h.received(1).is_empty(), "no forged will was published");
    // alice's own will on her tree is accepted and published on loss.
    let ack = h.connect_with(
        4,
        connect_with_will(
            V311,
            will("alice/x", "genuine", QoS::AtMostOnce),
            Some("alice"),
        ),
    );
    assert_eq!(ack.reason_code, ReasonCode::Success);
    h.drop_connection(4);
    assert_eq!(h.payloads(1), ["genuine"]);
}
