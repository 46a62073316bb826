//! The allocating session runs the heap-free session's machine over memory it owns: these
//! tests check what that memory must hold as it grows (a long offline queue, a large
//! packet), and what the allocating session gives the machine per connection (the 5.0 will
//! with its properties, topic aliases on a resend). Time is injected; the server side is
//! the codec's own decoder.

use bytes::Bytes;
use mqtt_codec::client::{Event, Session, SessionConfig};
use mqtt_codec::{
    ConnAck, Decoder, Packet, ProtocolVersion, PubResponse, Publish, QoS, ReasonCode, TopicName,
    Will,
};

const V5: ProtocolVersion = ProtocolVersion::V5;

/// What the session sent since the last call, decoded by a server-side `decoder`.
fn sent(session: &mut Session, decoder: &mut Decoder) -> Vec<Packet> {
    decoder.feed(&session.data_to_send());
    let mut out = Vec::new();
    while let Some(p) = decoder
        .next_packet()
        .expect("the session sent a valid packet")
    {
        out.push(p);
    }
    out
}

/// The PUBLISHes among what the session sent on a new connection since the last call.
fn published(session: &mut Session) -> Vec<Publish> {
    let mut server = Decoder::server();
    sent(session, &mut server)
        .into_iter()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some(p),
            _ => None,
        })
        .collect()
}

fn connack(version: ProtocolVersion, session_present: bool, alias_max: u16) -> Vec<u8> {
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.session_present = session_present;
    if alias_max > 0 {
        ack.properties.topic_alias_maximum = Some(alias_max);
    }
    Packet::ConnAck(ack).to_bytes(version).unwrap().to_vec()
}

/// A 5.0 will goes in CONNECT with its properties ([MQTT-3.1.3-2]: the Will Properties are
/// part of the will).
#[test]
fn mqtt_3_1_3_2_v5_will_properties_go_in_connect() {
    let mut config = SessionConfig::new("w", V5);
    let mut will = Will::new(TopicName::new("status/w").unwrap(), "gone");
    will.qos = QoS::AtLeastOnce;
    will.retain = true;
    will.properties.will_delay_interval = Some(30);
    will.properties.content_type = Some(mqtt_codec::MqttStr::new("text/plain").unwrap());
    config.will = Some(will.clone());
    let mut session = Session::new(config);
    session.connect(0).unwrap();
    let mut server = Decoder::server();
    let Packet::Connect(connect) = sent(&mut session, &mut server).remove(0) else {
        panic!("CONNECT first");
    };
    assert_eq!(connect.will, Some(will));
}

/// 5,000 QoS 1 messages of 1 KiB published while offline wait in the session's memory,
/// which grows for them, and go out in order through the window once connected; each
/// completes once.
#[test]
fn a_long_offline_queue_goes_out_in_order_through_the_window() {
    const COUNT: usize = 5_000;
    let mut config = SessionConfig::new("q", V5);
    config.max_queued = COUNT;
    let mut session = Session::new(config);
    let payload = |i: usize| Bytes::from(vec![(i % 251) as u8; 1024]);
    let mut ids = Vec::new();
    for i in 0..COUNT {
        let topic = TopicName::new(&format!("q/{i}")).unwrap();
        ids.push(
            session
                .publish(topic, payload(i), QoS::AtLeastOnce, false, 1)
                .unwrap()
                .unwrap(),
        );
    }
    assert_eq!(session.pending_publishes(), (0, COUNT));
    session.connect(2).unwrap();
    session.receive(&connack(V5, false, 0), 3);
    let mut server = Decoder::server();
    let mut received = 0;
    let mut published = Vec::new();
    while received < COUNT {
        let packets = sent(&mut session, &mut server);
        assert!(!packets.is_empty(), "stalled after {received} messages");
        for packet in packets {
            let Packet::Publish(p) = packet else { continue };
            assert_eq!(p.topic.as_str(), format!("q/{received}"));
            assert_eq!(p.payload, payload(received));
            let ack = PubResponse::new(p.packet_id.unwrap());
            session.receive(&Packet::PubAck(ack).to_bytes(V5).unwrap(), 4);
            received += 1;
        }
        while let Some(event) = session.poll_event() {
            if let Event::Published { packet_id, .. } = event {
                published.push(packet_id);
            }
        }
    }
    assert_eq!(published, ids);
    assert_eq!(session.pending_publishes(), (0, 0));
}

/// A PUBLISH of a mebibyte goes out whole: the transmit buffer grows for it.
#[test]
fn a_mebibyte_publish_goes_out_whole() {
    let mut session = Session::new(SessionConfig::new("big", V5));
    session.connect(0).unwrap();
    session.receive(&connack(V5, false, 0), 1);
    let payload = Bytes::from(vec![7u8; 1 << 20]);
    let topic = TopicName::new("big").unwrap();
    session
        .publish(topic, payload.clone(), QoS::AtLeastOnce, false, 2)
        .unwrap();
    let mut server = Decoder::server().with_max_packet_size(2 << 20);
    let packets = sent(&mut session, &mut server);
    let Some(Packet::Publish(p)) = packets.last() else {
        panic!("no PUBLISH: {packets:?}");
    };
    assert_eq!(p.payload, payload);
}

/// Topic aliases last one connection ([MQTT-3.3.2-7]): a message resent after a reconnect
/// names its topic again, under the new connection's first alias, with DUP
/// ([MQTT-4.4.0-1]).
#[test]
fn mqtt_3_3_2_7_a_resend_after_a_reconnect_names_its_topic_again() {
    let mut config = SessionConfig::new("a", V5);
    config.session_expiry_interval = 60;
    let mut session = Session::new(config);
    session.connect(0).unwrap();
    session.receive(&connack(V5, false, 4), 1);
    let topic = TopicName::new("sensors/t").unwrap();
    session
        .publish(topic.clone(), "1", QoS::AtMostOnce, false, 2)
        .unwrap();
    session
        .publish(topic.clone(), "2", QoS::AtLeastOnce, false, 2)
        .unwrap();
    let first: Vec<(String, Option<u16>, bool)> = published(&mut session)
        .into_iter()
        .map(|p| (p.topic.to_string(), p.properties.topic_alias, p.dup))
        .collect();
    assert_eq!(
        first,
        vec![
            ("sensors/t".into(), Some(1), false),
            ("".into(), Some(1), false)
        ]
    );
    session.connection_lost(3);
    session.connect(4).unwrap();
    session.receive(&connack(V5, true, 4), 5);
    let resent = published(&mut session);
    assert_eq!(resent.len(), 1);
    assert_eq!(resent[0].topic.as_str(), "sensors/t");
    assert_eq!(resent[0].properties.topic_alias, Some(1));
    assert!(resent[0].dup);
    assert_eq!(&resent[0].payload[..], b"2");
}

/// A connection lost to the keep alive (no PINGRESP in time) drops what it had to send, and
/// the next CONNECT goes out first ([MQTT-3.1.0-1]).
#[test]
fn mqtt_3_1_0_1_after_a_keep_alive_loss_connect_goes_out_first() {
    let mut config = SessionConfig::new("k", V5);
    config.keep_alive = 10;
    let mut session = Session::new(config);
    session.connect(0).unwrap();
    session.receive(&connack(V5, false, 0), 1);
    session.data_to_send();
    session.handle_timeout(10_001); // PINGREQ
    let topic = TopicName::new("k").unwrap();
    session
        .publish(topic, "late", QoS::AtMostOnce, false, 10_002)
        .unwrap();
    session.handle_timeout(20_002); // no PINGRESP: lost, with PINGREQ and PUBLISH unwritten
    assert!(!session.is_connected());
    session.connect(20_003).unwrap();
    let mut server = Decoder::server();
    let packets = sent(&mut session, &mut server);
    assert!(
        matches!(packets[..], [Packet::Connect(_)]),
        "CONNECT alone: {packets:?}"
    );
}
