//! The broker core behaves as mosquitto does where deployments meet it (issue 16, item 2):
//! `max_keepalive` in mosquitto's sense, MQTT 3.1 leniency, packets in the wrong direction,
//! PUBACK/PUBREC "no matching subscribers", and shutting down.

mod support_broker;

use mqtt_codec::broker::{BrokerConfig, ConnId};
use mqtt_codec::{Packet, ProtocolVersion, Publish, ReasonCode};
use support_broker::*;

fn max_keepalive(n: u16) -> Harness {
    Harness::new(BrokerConfig {
        max_keepalive: Some(n),
        ..BrokerConfig::default()
    })
}

// =======================================================================================
// max_keepalive
// =======================================================================================

#[test]
fn mqtt_3_2_2_21_a_5_0_client_within_max_keepalive_keeps_its_own() {
    let mut h = max_keepalive(60);
    let mut c = connect_packet(V5, "short", true);
    c.keep_alive = 2;
    let ack = h.connect_with(1, c);
    assert_eq!(ack.reason_code, ReasonCode::Success);
    assert_eq!(ack.properties.server_keep_alive, None, "nothing to impose");
    h.advance(2_999);
    assert!(!h.closed(1));
    h.advance(1);
    assert!(h.closed(1), "closed at 1.5 × its own keep alive");
}

#[test]
fn mqtt_3_2_2_21_a_5_0_client_above_max_keepalive_or_at_0_gets_server_keep_alive() {
    for asked in [600, 0] {
        let mut h = max_keepalive(5);
        let mut c = connect_packet(V5, "long", true);
        c.keep_alive = asked;
        let ack = h.connect_with(1, c);
        assert_eq!(ack.properties.server_keep_alive, Some(5), "asked {asked}");
        h.advance(7_499);
        assert!(!h.closed(1));
        h.advance(1);
        assert!(
            h.closed(1),
            "closed at 1.5 × the Server Keep Alive (asked {asked})"
        );
        assert_eq!(
            last_disconnect(&h.received(1)),
            ReasonCode::KeepAliveTimeout
        );
    }
}

#[test]
fn a_3_x_client_above_max_keepalive_or_at_0_is_refused_with_0x02_as_mosquitto_does() {
    for version in [V311, ProtocolVersion::V3_1] {
        for asked in [61, 0] {
            let mut h = max_keepalive(60);
            let mut c = connect_packet(version, "long", true);
            c.keep_alive = asked;
            let ack = h.connect_with(1, c);
            assert_eq!(
                ack.reason_code,
                ReasonCode::ClientIdentifierNotValid,
                "{version} asked {asked}: identifier rejected (0x02)"
            );
            assert!(h.closed(1));
        }
        let mut h = max_keepalive(60);
        let mut c = connect_packet(version, "ok", true);
        c.keep_alive = 60;
        assert_eq!(h.connect_with(1, c).reason_code, ReasonCode::Success);
    }
}

// =======================================================================================
// MQTT 3.1 leniency
// =======================================================================================

/// A 3.1 CONNECT: "MQIsdp", level 3, the given flags, keep alive 60, client `id`.
fn v31_connect(flags: u8, id: &[u8]) -> Vec<u8> {
    let mut body = vec![0, 6, b'M', b'Q', b'I', b's', b'd', b'p', 3, flags, 0, 60];
    body.extend_from_slice(&(id.len() as u16).to_be_bytes());
    body.extend_from_slice(id);
    let mut out = vec![0x10, body.len() as u8];
    out.extend_from_slice(&body);
    out
}

#[test]
fn a_3_1_connect_with_the_reserved_flag_bit_set_is_accepted() {
    // 3.1 predates [MQTT-3.1.2-3]: its clients may leave bit 0 set.
    let mut h = Harness::default();
    h.open(1, ProtocolVersion::V3_1);
    h.send_bytes(1, &v31_connect(0b0000_0011, b"old-client"));
    let got = h.received(1);
    assert!(
        matches!(got.first(), Some(Packet::ConnAck(a)) if a.reason_code == ReasonCode::Success),
        "{got:?}"
    );
    assert!(!h.closed(1));
}

#[test]
fn a_3_1_connect_with_an_empty_or_over_long_client_id_gets_connack_0x02() {
    // 3.1: the client identifier is 1 to 23 characters; outside that, "identifier rejected".
    for id in [&b""[..], &b"a-client-identifier-of-24"[..24]] {
        let mut h = Harness::default();
        h.open(1, ProtocolVersion::V3_1);
        h.send_bytes(1, &v31_connect(0b0000_0010, id));
        let got = h.received(1);
        assert!(
            matches!(got.first(), Some(Packet::ConnAck(a)) if a.reason_code == ReasonCode::ClientIdentifierNotValid),
            "id of {} bytes: {got:?}",
            id.len()
        );
        assert!(h.closed(1));
    }
}

// =======================================================================================
// The wrong direction, no subscribers
// =======================================================================================

#[test]
fn a_packet_only_a_server_sends_gets_disconnect_0x82_from_a_5_0_broker() {
    for bytes in [
        &[0x20, 0x03, 0x00, 0x00, 0x00][..],
        &[0xD0, 0x00],
        &[0x90, 0x04, 0, 1, 0, 0],
    ] {
        let mut h = Harness::default();
        h.connect(1, V5, "c", true);
        h.send_bytes(1, bytes);
        assert_eq!(last_disconnect(&h.received(1)), ReasonCode::ProtocolError);
        assert!(h.closed(1));
    }
}

#[test]
fn mqtt_3_4_2_no_matching_subscribers_is_0x10_in_puback_and_pubrec() {
    let mut h = Harness::default();
    h.connect(1, V5, "publisher", true);
    let ack = h.publish1(1, "nobody/listens", "x", 1);
    assert_eq!(ack.reason_code, ReasonCode::NoMatchingSubscribers);
    h.connect(2, V5, "listener", true);
    h.subscribe(2, "somebody/#", mqtt_codec::QoS::AtLeastOnce);
    let ack = h.publish1(1, "somebody/listens", "x", 2);
    assert_eq!(ack.reason_code, ReasonCode::Success);
    // 3.1.1 has no reason code: the PUBACK is plain.
    h.connect(3, V311, "old", true);
    let ack = h.publish1(3, "nobody/listens", "x", 3);
    assert_eq!(ack.reason_code, ReasonCode::Success);
}

// =======================================================================================
// Shutting down
// =======================================================================================

#[test]
fn shutting_down_sends_5_0_clients_disconnect_0x8b_and_closes_everyone() {
    let mut h = Harness::default();
    h.connect(1, V5, "five", true);
    h.connect(2, V311, "three", true);
    h.shutdown();
    assert_eq!(
        last_disconnect(&h.received(1)),
        ReasonCode::ServerShuttingDown
    );
    assert!(h.closed(1));
    assert!(h.received(2).is_empty(), "3.1.1 has no server DISCONNECT");
    assert!(h.closed(2));
}

// =======================================================================================
// Bridges
// =======================================================================================

/// A 3.1.1 CONNECT with the bridge mark (protocol level 0x84), as mosquitto's bridge sends
/// it by default, client "bridge", clean session, keep alive 60.
const BRIDGE_CONNECT: [u8; 20] = [
    0x10, 0x12, 0, 4, b'M', b'Q', b'T', b'T', 0x84, 0x02, 0, 60, 0, 6, b'b', b'r', b'i', b'd',
    b'g', b'e',
];

#[test]
fn a_mosquitto_bridge_connects_and_gets_nothing_of_its_own_back() {
    let mut h = Harness::default();
    h.open(1, V311);
    h.send_bytes(1, &BRIDGE_CONNECT);
    assert!(
        matches!(h.received(1).first(), Some(Packet::ConnAck(a)) if a.reason_code == ReasonCode::Success)
    );
    h.subscribe(1, "#", mqtt_codec::QoS::AtMostOnce);
    h.connect(2, V311, "local", true);
    h.subscribe(2, "#", mqtt_codec::QoS::AtMostOnce);
    // What the bridge forwards reaches the local subscriber, and is not sent back to it.
    h.publish0(1, "remote/temp", "21");
    assert_eq!(h.payloads(2), ["21"]);
    assert!(h.publishes(1).is_empty(), "not echoed to the bridge");
    // What a local client publishes reaches the bridge, retain flag as published.
    let p = publish_packet(
        "local/state",
        "on",
        mqtt_codec::QoS::AtMostOnce,
        None,
        true,
        Default::default(),
    );
    h.send(2, p);
    let got = only_publish(h.received(1));
    assert!(got.retain, "a bridge gets the retain flag as published");
    assert_eq!(payload(&got), "on");
}

// =======================================================================================
// Who may connect
// =======================================================================================

fn with_passwords(allow_anonymous: bool) -> Harness {
    Harness::new(BrokerConfig {
        passwords: Some(mqtt_codec::broker::Passwords::parse(PASSWORDS).unwrap()),
        allow_anonymous,
        ..BrokerConfig::default()
    })
}

fn login(version: ProtocolVersion, user: Option<&str>, password: &str) -> mqtt_codec::Connect {
    let mut c = connect_packet(version, "who", true);
    c.username = user.map(mqtt_str);
    c.password = user.map(|_| bytes::Bytes::copy_from_slice(password.as_bytes()));
    c
}

#[test]
fn mqtt_3_1_4_a_password_file_lets_in_its_users_with_their_passwords_only() {
    for version in [V311, V5] {
        let mut h = with_passwords(true);
        let ok = h.connect_with(1, login(version, Some("alice"), "wonderland"));
        assert_eq!(ok.reason_code, ReasonCode::Success);
        for (user, pw) in [("alice", "looking-glass"), ("mallory", "wonderland")] {
            let ack = h.connect_with(2, login(version, Some(user), pw));
            assert_eq!(
                ack.reason_code,
                ReasonCode::BadUserNameOrPassword,
                "{version} {user}"
            );
            assert!(h.closed(2));
        }
        // Anonymous clients are still allowed.
        let anon = h.connect_with(3, login(version, None, ""));
        assert_eq!(anon.reason_code, ReasonCode::Success);
        // A user whose password is empty gives it; a CONNECT without a password is refused.
        let empty = h.connect_with(4, login(version, Some("carol"), ""));
        assert_eq!(empty.reason_code, ReasonCode::Success, "{version}");
        let mut none = login(version, Some("carol"), "");
        none.password = None;
        let ack = h.connect_with(5, none);
        assert_eq!(
            ack.reason_code,
            ReasonCode::BadUserNameOrPassword,
            "{version}"
        );
    }
}

#[test]
fn without_allow_anonymous_a_client_without_user_name_is_not_authorized() {
    for version in [V311, V5] {
        let mut h = with_passwords(false);
        let ack = h.connect_with(1, login(version, None, ""));
        assert_eq!(ack.reason_code, ReasonCode::NotAuthorized, "{version}");
        assert!(h.closed(1));
        let ok = h.connect_with(2, login(version, Some("alice"), "wonderland"));
        assert_eq!(ok.reason_code, ReasonCode::Success);
    }
}

#[test]
fn without_allow_anonymous_or_a_password_file_no_client_is_let_in() {
    // A user name nobody can check proves nothing: mosquitto refuses everyone then.
    for version in [V311, V5] {
        let mut h = Harness::new(BrokerConfig {
            allow_anonymous: false,
            ..BrokerConfig::default()
        });
        for (conn, user) in [(1, None), (2, Some("alice"))] {
            let ack = h.connect_with(conn, login(version, user, "wonderland"));
            assert_eq!(
                ack.reason_code,
                ReasonCode::NotAuthorized,
                "{version} {user:?}"
            );
            assert!(h.closed(conn));
        }
    }
}

// =======================================================================================
// Limits a deployment sets
// =======================================================================================

#[test]
fn a_subscription_past_the_limit_is_refused_with_0x97_and_a_replaced_one_is_not() {
    let mut h = Harness::new(BrokerConfig {
        max_subscriptions: Some(2),
        ..BrokerConfig::default()
    });
    h.connect(1, V5, "five", true);
    for f in ["a/#", "b/#"] {
        assert_eq!(
            h.subscribe(1, f, mqtt_codec::QoS::AtMostOnce).reason_codes,
            [ReasonCode::Success]
        );
    }
    let third = h.subscribe(1, "c/#", mqtt_codec::QoS::AtMostOnce);
    assert_eq!(third.reason_codes, [ReasonCode::QuotaExceeded]);
    let again = h.subscribe(1, "a/#", mqtt_codec::QoS::AtLeastOnce);
    assert_eq!(
        again.reason_codes,
        [ReasonCode::GrantedQoS1],
        "replacing is not adding"
    );
    h.connect(2, V311, "three", true);
    h.subscribe(2, "a/#", mqtt_codec::QoS::AtMostOnce);
    h.subscribe(2, "b/#", mqtt_codec::QoS::AtMostOnce);
    let refused = h.subscribe(2, "c/#", mqtt_codec::QoS::AtMostOnce);
    assert_eq!(
        refused.reason_codes,
        [ReasonCode::UnspecifiedError],
        "3.1.1: 0x80"
    );
}

/// A retained QoS 1 PUBLISH.
fn retained_qos1(topic: &str, payload: &str, id: u16) -> Publish {
    publish_packet(
        topic,
        payload,
        mqtt_codec::QoS::AtLeastOnce,
        Some(id),
        true,
        Default::default(),
    )
}

/// The reason codes of the PUBACKs `conn` received.
fn puback_codes(h: &mut Harness, conn: ConnId) -> Vec<ReasonCode> {
    h.received(conn)
        .into_iter()
        .filter_map(|p| match p {
            Packet::PubAck(a) => Some(a.reason_code),
            _ => None,
        })
        .collect()
}

/// A retained PUBLISH past the limits from a 5.0 client at QoS 1 is refused with 0x97 and,
/// as a failure code says, goes nowhere; within them it is kept.
#[test]
fn a_retained_message_past_the_limits_is_refused_with_0x97() {
    let mut h = Harness::new(BrokerConfig {
        max_retained: Some(1),
        max_retained_bytes: Some(8),
        ..BrokerConfig::default()
    });
    h.connect(1, V5, "pub", true);
    h.connect(2, V5, "sub", true);
    h.subscribe(2, "r/#", mqtt_codec::QoS::AtLeastOnce);
    h.send(1, retained_qos1("r/1", "one", 1));
    h.send(1, retained_qos1("r/2", "two", 2)); // a second topic: over the count
    h.send(1, retained_qos1("r/1", "123456789", 3)); // the same topic, over the bytes
    h.send(1, retained_qos1("r/1", "uno", 4)); // the same topic, within both
    assert_eq!(
        puback_codes(&mut h, 1),
        [
            ReasonCode::Success,
            ReasonCode::QuotaExceeded,
            ReasonCode::QuotaExceeded,
            ReasonCode::Success
        ]
    );
    assert_eq!(
        h.drain_acking(2),
        ["one", "uno"],
        "a refused message is not delivered"
    );
    assert_eq!(h.broker.retained_count(), 1);
    h.connect(3, V5, "late", true);
    h.subscribe(3, "r/#", mqtt_codec::QoS::AtMostOnce);
    assert_eq!(h.payloads(3), ["uno"]);
}

/// The topic counts against `max_retained_bytes` too: 500 retained messages of one byte
/// under 60 KB topics held 57 MB when only payloads were counted.
#[test]
fn a_retained_messages_topic_counts_against_its_byte_limit() {
    let mut h = Harness::new(BrokerConfig {
        max_retained_bytes: Some(8),
        ..BrokerConfig::default()
    });
    h.connect(1, V5, "pub", true);
    h.send(1, retained_qos1("r/abcd", "x", 1)); // 6 + 1 bytes
    h.send(1, retained_qos1("r/abcdefgh", "x", 2)); // 10 + 1 bytes
    assert_eq!(
        puback_codes(&mut h, 1),
        [ReasonCode::NoMatchingSubscribers, ReasonCode::QuotaExceeded]
    );
    assert_eq!(h.broker.retained_count(), 1);
}

/// [MQTT-3.3.1-5]: from a client that cannot be told (3.1.1), a retained PUBLISH past the
/// limits is delivered but not kept, and the value its topic held is superseded all the
/// same: a later subscriber gets nothing rather than the older value.
#[test]
fn a_retained_message_past_the_limits_from_3_1_1_is_delivered_and_supersedes() {
    let mut h = Harness::new(BrokerConfig {
        max_retained_bytes: Some(8),
        ..BrokerConfig::default()
    });
    h.connect(1, V311, "pub", true);
    h.connect(2, V311, "sub", true);
    h.subscribe(2, "r/#", mqtt_codec::QoS::AtMostOnce);
    let retained = |payload: &str| {
        publish_packet(
            "r/1",
            payload,
            mqtt_codec::QoS::AtMostOnce,
            None,
            true,
            Default::default(),
        )
    };
    h.send(1, retained("one"));
    h.send(1, retained("123456789"));
    assert_eq!(h.payloads(2), ["one", "123456789"]);
    assert_eq!(h.broker.retained_count(), 0);
    h.connect(3, V311, "late", true);
    h.subscribe(3, "r/#", mqtt_codec::QoS::AtMostOnce);
    assert!(h.payloads(3).is_empty());
}

/// A PUBREC with an error code ends the QoS 2 exchange ([MQTT-4.3.3-9]): its identifier is
/// free again at once, and a new message under it is a new message, not a retransmission.
#[test]
fn mqtt_4_3_3_9_a_qos_2_refused_with_0x97_frees_its_packet_identifier() {
    let mut h = Harness::new(BrokerConfig {
        max_retained: Some(0),
        ..BrokerConfig::default()
    });
    h.connect(1, V5, "pub", true);
    h.connect(2, V5, "sub", true);
    h.subscribe(2, "q/#", mqtt_codec::QoS::ExactlyOnce);
    let over = publish_packet(
        "q/r",
        "retained",
        mqtt_codec::QoS::ExactlyOnce,
        Some(7),
        true,
        Default::default(),
    );
    h.send(1, over);
    let rec = h.received(1).into_iter().find_map(|p| match p {
        Packet::PubRec(r) => Some(r.reason_code),
        _ => None,
    });
    assert_eq!(rec, Some(ReasonCode::QuotaExceeded));
    // The same identifier, a new message: delivered, and the exchange completes.
    h.publish2(1, "q/x", "fresh", 7);
    assert_eq!(h.drain_acking(2), ["fresh"], "the refused one went nowhere");
}

#[test]
fn max_keepalive_0_is_no_limit_as_in_mosquitto() {
    let mut h = max_keepalive(0);
    let mut c = connect_packet(V311, "any", true);
    c.keep_alive = 0;
    assert_eq!(h.connect_with(1, c).reason_code, ReasonCode::Success);
    let mut c = connect_packet(V5, "five", true);
    c.keep_alive = 600;
    assert_eq!(h.connect_with(2, c).properties.server_keep_alive, None);
}
