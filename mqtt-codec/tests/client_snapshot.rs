//! The client session's snapshot: the in-flight state, the queue, the QoS 2 messages
//! received and the subscriptions survive a restart; other format versions and corrupt
//! bytes are refused with a clear error.

use mqtt_codec::client::{Event, Session, SessionConfig, SnapshotError};
use mqtt_codec::{
    Decoder, Packet, ProtocolVersion, PubResponse, QoS, SubAck, Subscription, TopicFilter,
    TopicName,
};

const V311: ProtocolVersion = ProtocolVersion::V3_1_1;

fn connected(version: ProtocolVersion) -> Session {
    let mut config = SessionConfig::new("snap", version);
    config.clean_start = false;
    config.max_inflight = 2;
    let mut s = Session::new(config);
    s.connect(0).unwrap();
    s.data_to_send();
    s.receive(&[0x20, 0x02, 0x00, 0x00], 1);
    assert!(matches!(s.poll_event(), Some(Event::Connected { .. })));
    s
}

/// What the session sent, decoded as a server would (after a CONNECT of its own when the
/// session sent none).
fn sent(s: &mut Session, version: ProtocolVersion) -> Vec<Packet> {
    let mut d = Decoder::server();
    let data = s.data_to_send();
    if data.first() != Some(&0x10) {
        let connect = mqtt_codec::Connect::new(version, mqtt_codec::MqttStr::new("x").unwrap());
        let connect: Packet = Packet::Connect(Box::new(connect));
        d.feed(&connect.to_bytes(version).unwrap());
        d.next_packet().unwrap();
    }
    d.feed(&data);
    std::iter::from_fn(|| d.next_packet().unwrap()).collect()
}

#[test]
fn a_snapshot_restores_in_flight_queued_and_received_state() {
    let mut s = connected(V311);
    let topic = TopicName::new("a/b").unwrap();
    // Two in flight (the window), one queued behind them; the second reaches PUBREL.
    let first = s
        .publish(topic.clone(), "one", QoS::AtLeastOnce, false, 2)
        .unwrap()
        .unwrap();
    let second = s
        .publish(topic.clone(), "two", QoS::ExactlyOnce, false, 2)
        .unwrap()
        .unwrap();
    let third = s
        .publish(topic.clone(), "three", QoS::AtLeastOnce, false, 2)
        .unwrap()
        .unwrap();
    s.receive(
        &Packet::PubRec(PubResponse::new(second))
            .to_bytes(V311)
            .unwrap(),
        3,
    );
    // A QoS 2 message received, PUBREL not yet.
    let mut inbound = mqtt_codec::Publish::with_qos(
        topic.clone(),
        "in",
        QoS::ExactlyOnce,
        mqtt_codec::PacketId::new(9).unwrap(),
    );
    inbound.dup = false;
    s.receive(&Packet::Publish(inbound.clone()).to_bytes(V311).unwrap(), 4);
    // A granted subscription.
    let sub_id = s
        .subscribe(
            vec![Subscription::new(
                TopicFilter::new("c/#").unwrap(),
                QoS::AtLeastOnce,
            )],
            5,
        )
        .unwrap();
    s.receive(
        &Packet::SubAck(SubAck::new(
            sub_id,
            vec![mqtt_codec::ReasonCode::GrantedQoS1],
        ))
        .to_bytes(V311)
        .unwrap(),
        6,
    );
    while s.poll_event().is_some() {}
    s.data_to_send();
    s.connection_lost(7);

    let bytes = s.snapshot();
    let mut config = SessionConfig::new("ignored: the snapshot's id wins", V311);
    config.clean_start = false;
    config.max_inflight = 1;
    let mut r = Session::from_snapshot(config, &bytes).unwrap();
    assert_eq!(r.config().client_id, "snap");
    assert_eq!(r.pending_publishes(), (2, 1));
    assert_eq!(r.snapshot(), bytes, "a restored session snapshots the same");

    // Reconnect, resumed: the PUBREL, then the PUBLISH with DUP ([MQTT-4.6.0-4] and
    // [MQTT-4.6.0-1] order each kind); then the queue waits for the window of one, which
    // the resent PUBLISH holds (the released flow holds no place on this connection).
    r.connect(10).unwrap();
    let connect = sent(&mut r, V311);
    assert!(matches!(&connect[..], [Packet::Connect(c)] if !c.clean_start));
    r.receive(&[0x20, 0x02, 0x01, 0x00], 11);
    let resent = sent(&mut r, V311);
    assert!(matches!(&resent[0], Packet::PubRel(a) if a.packet_id == second));
    assert!(matches!(&resent[1], Packet::Publish(p) if p.dup && p.packet_id == Some(first)));
    assert_eq!(resent.len(), 2);
    // The QoS 2 message received before the restart is not delivered again.
    inbound.dup = true;
    r.receive(&Packet::Publish(inbound).to_bytes(V311).unwrap(), 12);
    assert!(!std::iter::from_fn(|| r.poll_event()).any(|e| matches!(e, Event::Message { .. })));
    r.receive(
        &Packet::PubAck(PubResponse::new(first))
            .to_bytes(V311)
            .unwrap(),
        13,
    );
    let after = sent(&mut r, V311);
    assert!(after
        .iter()
        .any(|p| matches!(p, Packet::Publish(q) if q.packet_id == Some(third))));
}

#[test]
fn a_snapshot_of_another_format_or_version_or_corrupt_is_refused() {
    let s = connected(V311);
    let mut bytes = s.snapshot();
    let config = || SessionConfig::new("snap", V311);
    assert_eq!(
        Session::from_snapshot(config(), b"nope").unwrap_err(),
        SnapshotError::NotASnapshot
    );
    bytes[4] = 9;
    assert_eq!(
        Session::from_snapshot(config(), &bytes).unwrap_err(),
        SnapshotError::Format(9)
    );
    bytes[4] = 2;
    assert!(matches!(
        Session::from_snapshot(SessionConfig::new("snap", ProtocolVersion::V5), &bytes),
        Err(SnapshotError::Version {
            expected: 5,
            found: 4
        })
    ));
    for cut in 0..bytes.len() {
        assert!(
            Session::from_snapshot(config(), &bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        Session::from_snapshot(config(), &longer),
        Err(SnapshotError::Corrupt(_))
    ));
}
