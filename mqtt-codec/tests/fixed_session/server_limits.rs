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
