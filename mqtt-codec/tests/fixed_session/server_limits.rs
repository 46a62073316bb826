//! The server's limits.

use super::harness::*;

/// 5.0 [MQTT-3.1.2-24] / [MQTT-3.2.2-15]: nothing larger than the server's Maximum Packet
/// Size is sent: `publish` refuses it with `PacketTooLarge`, and nothing changes.
#[test]
fn mqtt_3_1_2_24_v5_publish_larger_than_the_servers_maximum_packet_size_is_refused() {
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.maximum_packet_size = Some(64);
    let mut p = Peer::connected_with(config(V5), ack);
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
        match p.session.publish_message("a", &[0; 100], qos, false, p.now) {
            Err(SessionError::PacketTooLarge { size, max: 64 }) => assert!(size > 100),
            other => panic!("{qos:?}: {other:?}"),
        }
    }
    assert_eq!(p.sent(), vec![]);
    assert_eq!(p.session.pending_publishes(), (0, 0));
    assert!(p.publish("a", QoS::AtLeastOnce).is_some());
    assert_eq!(p.sent().len(), 1);
}

/// A message queued before the connection, larger than the Maximum Packet Size the new
/// server then announces, fails with `Refused(PacketTooLarge)` instead of going out.
#[test]
fn v5_queued_publish_larger_than_the_new_servers_maximum_fails_refused() {
    let mut p = Peer::new(config(V5));
    let big = p
        .session
        .publish_message("a", &[0; 100], QoS::AtLeastOnce, false, p.now)
        .unwrap()
        .unwrap();
    let small = p.publish("a", QoS::AtLeastOnce).unwrap();
    p.connect();
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.maximum_packet_size = Some(64);
    let events = p.connack(ack);
    assert!(matches!(events[0], Ev::Connected { .. }), "{events:?}");
    assert_eq!(
        events[1..],
        [Ev::PublishFailed {
            packet_id: big,
            failure: PublishFailure::Refused(ReasonCode::PacketTooLarge),
        }]
    );
    assert_eq!(publish_ids(&p.sent()), vec![small]);
}

/// 5.0 [MQTT-3.2.2-11]: a QoS above the server's Maximum QoS is refused.
#[test]
fn mqtt_3_2_2_11_v5_qos_above_the_servers_maximum_qos_is_refused() {
    for (max, refused) in [(0u8, vec![1u8, 2]), (1, vec![2])] {
        let mut ack = ConnAck::new(ReasonCode::Success);
        ack.properties.maximum_qos = Some(max);
        let mut p = Peer::connected_with(config(V5), ack);
        for q in refused {
            let qos = QoS::from_bits(q).unwrap();
            assert_eq!(
                p.session.publish_message("a", b"x", qos, false, p.now),
                Err(SessionError::QosNotSupported(q))
            );
        }
        assert_eq!(p.sent(), vec![]);
        assert_eq!(p.session.pending_publishes(), (0, 0));
        let allowed = QoS::from_bits(max).unwrap();
        p.session
            .publish_message("a", b"x", allowed, false, p.now)
            .unwrap();
        assert_eq!(p.sent().len(), 1);
    }
}

/// 5.0 SUB-12 (§3.2.2.3.11-13): a server that said it lacks wildcards, shared
/// subscriptions or Subscription Identifiers would end the connection for a SUBSCRIBE
/// using them (0xA2, 0x9E, 0xA1): the session refuses it before sending.
#[test]
fn sub_12_v5_a_subscribe_using_what_the_server_lacks_is_refused() {
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.wildcard_subscription_available = Some(0);
    ack.properties.shared_subscription_available = Some(0);
    ack.properties.subscription_identifier_available = Some(0);
    let mut p = Peer::connected_with(config(V5), ack);
    let options = SubscriptionOptions::new(QoS::AtLeastOnce);
    for (filter, what) in [
        ("a/#", "wildcard subscriptions"),
        ("a/+/b", "wildcard subscriptions"),
        ("$share/g/a", "shared subscriptions"),
    ] {
        assert_eq!(
            p.session.subscribe(filter, options, p.now),
            Err(SessionError::SubscriptionNotSupported(what)),
            "{filter}"
        );
    }
    let mut with_id = Subscribe::new(pid(1), vec![sub("a/b", QoS::AtLeastOnce)]);
    with_id.properties.subscription_identifiers = vec![7];
    let bytes = Packet::Subscribe(with_id).to_bytes(V5).unwrap();
    let PacketRef::Subscribe(view) = view(&bytes, V5) else {
        unreachable!()
    };
    assert_eq!(
        p.session.subscribe_packet(view, p.now),
        Err(SessionError::SubscriptionNotSupported(
            "Subscription Identifiers"
        ))
    );
    assert_eq!(p.sent(), vec![], "nothing sent");
    p.session.subscribe("a/b", options, p.now).unwrap();
    assert_eq!(p.sent().len(), 1);
    // Absent (or 1), and in 3.1.1, nothing is refused.
    let mut p = Peer::connected(config(V5));
    p.session.subscribe("a/#", options, p.now).unwrap();
    let mut p = Peer::connected(config(V3));
    p.session.subscribe("$share/g/a/#", options, p.now).unwrap();
}

/// 5.0 [MQTT-3.2.2-14]: with Retain Available 0 a retained PUBLISH is refused.
#[test]
fn mqtt_3_2_2_14_v5_retain_when_the_server_has_none_is_refused() {
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.retain_available = Some(0);
    let mut p = Peer::connected_with(config(V5), ack);
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce] {
        assert_eq!(
            p.session.publish_message("a", b"x", qos, true, p.now),
            Err(SessionError::RetainNotSupported)
        );
    }
    assert_eq!(p.sent(), vec![]);
    p.session
        .publish_message("a", b"x", QoS::AtLeastOnce, false, p.now)
        .unwrap();
    assert_eq!(p.sent().len(), 1);
}

/// The limits of a CONNACK hold on the connection it accepts only ([MQTT-3.2.2-15] binds the
/// client to the Maximum Packet Size of its server on that connection). After it is lost,
/// the next CONNECT goes out whatever its size (no CONNACK has limited the new connection;
/// it was refused `PacketTooLarge` on every attempt), and what is published meanwhile is
/// judged by the next server: a QoS 2 message above the old Maximum QoS and one larger than
/// the old Maximum Packet Size are queued and go out when the next CONNACK allows them.
#[test]
fn v5_a_reconnect_is_not_held_to_the_last_servers_limits() {
    let mut c = persistent(V5);
    let password: &'static [u8] = leak(b'p', 200);
    c.username = Some("station");
    c.password = Some(password);
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.maximum_packet_size = Some(128);
    ack.properties.maximum_qos = Some(1);
    let mut p = Peer::connected_with(c, ack);
    assert_eq!(
        p.session
            .publish_message("a", b"x", QoS::ExactlyOnce, false, p.now),
        Err(SessionError::QosNotSupported(2))
    );
    p.lose();
    let two = p
        .session
        .publish_message("a", b"x", QoS::ExactlyOnce, false, p.now)
        .unwrap()
        .unwrap();
    let big = p
        .session
        .publish_message("a", &[0; 300], QoS::AtLeastOnce, false, p.now)
        .unwrap()
        .unwrap();
    let connect = p.connect();
    assert_eq!(connect.password.as_deref().map(<[u8]>::len), Some(200));
    assert!(matches!(p.accept(true)[..], [Ev::Connected { .. }]));
    assert_eq!(publish_ids(&p.sent()), vec![two, big]);
}
