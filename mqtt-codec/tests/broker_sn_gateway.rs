//! The broker's MQTT-SN 1.2 gateway without sockets: datagrams go in through the harness
//! (`sn_send`), what the gateway sends comes out parsed (`sn_received`), MQTT 3.1.1 and 5.0
//! clients on the same broker publish and subscribe alongside, and time is the fake clock.
//! Each test names the rule of `shared/spec/mqtt-sn.md` it checks.

mod support_broker;

use bytes::Bytes;
use mqtt_codec::broker::{BrokerConfig, SnGatewayConfig, SnPeer};
use mqtt_codec::sn::{
    self, Encapsulated, Message, ReturnCode, SnQos, SubscribeTopic, TopicId, WillTopic,
};
use mqtt_codec::{MqttStr, Properties, QoS, ReasonCode};
use std::collections::BTreeMap;
use support_broker::*;

/// A message as the MQTT-SN peer receives it.
type Sn = Message<Bytes>;

/// MQTT-SN peers (the I/O loop's numbers for UDP addresses).
const DEV: SnPeer = 100;
const OTHER: SnPeer = 101;
const FORWARDER: SnPeer = 102;

// =======================================================================================
// Helpers
// =======================================================================================

fn text(s: &str) -> MqttStr<&[u8]> {
    MqttStr::try_new(s.as_bytes()).expect("a valid MQTT string")
}

fn connect_msg(client_id: &str, clean: bool, duration: u16, will: bool) -> Message<&[u8]> {
    Message::Connect(sn::Connect {
        will,
        clean_session: clean,
        duration,
        client_id: text(client_id),
    })
}

fn connack(return_code: ReturnCode) -> Sn {
    Message::ConnAck { return_code }
}

/// The gateway's PUBACK of the client's PUBLISH `msg_id` on `topic_id`.
fn puback_of(topic_id: u16, msg_id: u16, return_code: ReturnCode) -> Sn {
    Message::PubAck {
        topic_id,
        msg_id,
        return_code,
    }
}

fn disconnect() -> Sn {
    Message::Disconnect { duration: None }
}

fn publish_msg(qos: SnQos, topic: TopicId, msg_id: u16, data: &[u8]) -> Message<&[u8]> {
    Message::Publish(sn::Publish {
        dup: false,
        qos,
        retain: false,
        topic,
        msg_id,
        data,
    })
}

fn will_topic(topic: &str, qos: SnQos) -> Option<WillTopic<&[u8]>> {
    Some(WillTopic {
        qos,
        retain: false,
        topic: text(topic),
    })
}

fn name(filter: &str) -> SubscribeTopic<&[u8]> {
    SubscribeTopic::Name(text(filter))
}

fn config_with(f: impl FnOnce(&mut SnGatewayConfig)) -> BrokerConfig {
    let mut config = BrokerConfig::default();
    f(&mut config.mqttsn);
    config
}

/// A broker whose gateway knows predefined topics 1 = `pre/one` and 2 = `pre/two`.
fn predefined_harness() -> Harness {
    Harness::new(config_with(|sn| {
        sn.predefined = BTreeMap::from([(1, "pre/one".to_owned()), (2, "pre/two".to_owned())]);
    }))
}

/// Connects `client_id` from `peer` without a will; the CONNACK must accept it.
fn sn_connect(h: &mut Harness, peer: SnPeer, client_id: &str, clean: bool, duration: u16) {
    h.sn_send(peer, &connect_msg(client_id, clean, duration, false));
    assert_eq!(h.sn_received(peer), [connack(ReturnCode::Accepted)]);
}

/// Connects `client_id` from `peer` (clean session) with a will, through the prompts.
fn sn_connect_with_will(
    h: &mut Harness,
    peer: SnPeer,
    client_id: &str,
    duration: u16,
    topic: &str,
    qos: SnQos,
    message: &[u8],
) {
    h.sn_send(peer, &connect_msg(client_id, true, duration, true));
    assert_eq!(h.sn_received(peer), [Message::WillTopicReq]);
    h.sn_send(peer, &Message::WillTopic(will_topic(topic, qos)));
    assert_eq!(h.sn_received(peer), [Message::WillMsgReq]);
    h.sn_send(peer, &Message::WillMsg { message });
    assert_eq!(h.sn_received(peer), [connack(ReturnCode::Accepted)]);
}

#[test]
fn a_peer_is_in_use_from_its_connect_until_it_disconnects() {
    // What lets the I/O loop forget the addresses of peers that hold nothing.
    let mut h = Harness::default();
    assert!(!h.broker.sn_peer_in_use(7));
    h.sn_send_bytes(7, &[0x03, 0xFF, 0x00]); // garbage: nothing kept
    assert!(!h.broker.sn_peer_in_use(7));
    sn_connect(&mut h, 7, "sensor-7", true, 60);
    assert!(h.broker.sn_peer_in_use(7));
    assert!(!h.broker.sn_peer_in_use(6) && !h.broker.sn_peer_in_use(8));
    h.sn_send(7, &Message::Disconnect { duration: None });
    assert_eq!(h.sn_received(7), [disconnect()]);
    assert!(!h.broker.sn_peer_in_use(7));
}

/// REGISTERs `topic` for the client at `peer`; returns the id of the accepting REGACK.
fn register(h: &mut Harness, peer: SnPeer, msg_id: u16, topic: &str) -> u16 {
    h.sn_send(
        peer,
        &Message::Register(sn::Register {
            topic_id: 0,
            msg_id,
            topic_name: text(topic),
        }),
    );
    match h.sn_received(peer).as_slice() {
        [Message::RegAck {
            topic_id,
            msg_id: m,
            return_code: ReturnCode::Accepted,
        }] if *m == msg_id && *topic_id != 0 => *topic_id,
        other => panic!("expected an accepting REGACK for {topic}, got {other:?}"),
    }
}

/// SUBSCRIBEs the client at `peer`; returns the accepting SUBACK's topic id and QoS.
fn sn_subscribe(
    h: &mut Harness,
    peer: SnPeer,
    msg_id: u16,
    topic: SubscribeTopic<&[u8]>,
    qos: SnQos,
) -> (u16, SnQos) {
    h.sn_send(
        peer,
        &Message::Subscribe(sn::Subscribe {
            dup: false,
            qos,
            msg_id,
            topic,
        }),
    );
    match h.sn_received(peer).as_slice() {
        [Message::SubAck {
            qos,
            topic_id,
            msg_id: m,
            return_code: ReturnCode::Accepted,
        }] if *m == msg_id => (*topic_id, *qos),
        other => panic!("expected an accepting SUBACK, got {other:?}"),
    }
}

/// The client at `peer` goes to sleep for `secs` (DISCONNECT with a duration, answered
/// with DISCONNECT).
fn sn_sleep(h: &mut Harness, peer: SnPeer, secs: u16) {
    h.sn_send(
        peer,
        &Message::Disconnect {
            duration: Some(secs),
        },
    );
    assert_eq!(h.sn_received(peer), [disconnect()]);
}

/// PINGREQ with ClientId `client_id` from `peer`, as a sleeping client wakes; what `peer`
/// receives.
fn sn_wake(h: &mut Harness, peer: SnPeer, client_id: &str) -> Vec<Sn> {
    h.sn_send(
        peer,
        &Message::PingReq {
            client_id: Some(text(client_id)),
        },
    );
    h.sn_received(peer)
}

/// The client's REGACK of the gateway's REGISTER `msg_id` for `topic_id`.
fn sn_regack(h: &mut Harness, peer: SnPeer, topic_id: u16, msg_id: u16, return_code: ReturnCode) {
    h.sn_send(
        peer,
        &Message::RegAck {
            topic_id,
            msg_id,
            return_code,
        },
    );
}

/// Accepts the one REGISTER the client at `peer` received; its topic id and name.
fn accept_register(h: &mut Harness, peer: SnPeer) -> (u16, String) {
    let received = h.sn_received(peer);
    let [Message::Register(r)] = received.as_slice() else {
        panic!("expected a REGISTER, got {received:?}")
    };
    let (topic_id, msg_id) = (r.topic_id, r.msg_id);
    let name = r.topic_name.as_str().to_string();
    sn_regack(h, peer, topic_id, msg_id, ReturnCode::Accepted);
    (topic_id, name)
}

/// The one PUBLISH in `messages`.
fn only_sn_publish(messages: Vec<Sn>) -> sn::Publish<Bytes> {
    match <[Sn; 1]>::try_from(messages) {
        Ok([Message::Publish(p)]) => p,
        Ok([other]) => panic!("expected one PUBLISH, got {other:?}"),
        Err(v) => panic!("expected one PUBLISH, got {} messages: {v:?}", v.len()),
    }
}

/// The payloads of the PUBLISHes in `messages`, in order (other messages are skipped).
fn sn_payloads(messages: &[Sn]) -> Vec<String> {
    messages
        .iter()
        .filter_map(|m| match m {
            Message::Publish(p) => Some(String::from_utf8(p.data.to_vec()).expect("UTF-8")),
            _ => None,
        })
        .collect()
}

/// The (topic, payload, QoS) of each PUBLISH the MQTT client on `conn` received.
fn mqtt_got(h: &mut Harness, conn: u64) -> Vec<(String, String, QoS)> {
    h.publishes(conn)
        .iter()
        .map(|p| (p.topic.as_str().to_owned(), payload(p), p.qos))
        .collect()
}

fn got(topic: &str, payload: &str, qos: QoS) -> (String, String, QoS) {
    (topic.to_owned(), payload.to_owned(), qos)
}

// =======================================================================================
// Connect and the will prompts (SN-GW-1, SN-CON-4)
// =======================================================================================

/// SN-GW-1: a CONNECT without the Will flag is answered with CONNACK at once.
#[test]
fn sn_gw_1_connect_without_will_gets_connack() {
    let mut h = Harness::default();
    h.sn_send(DEV, &connect_msg("dev", true, 60, false));
    assert_eq!(h.sn_received(DEV), [connack(ReturnCode::Accepted)]);
    assert_eq!(h.stats().connections, 1);
    // Connected: a PINGREQ is answered.
    h.sn_send(DEV, &Message::PingReq { client_id: None });
    assert_eq!(h.sn_received(DEV), [Message::PingResp]);
}

/// SN-GW-1: with the Will flag the gateway asks for the topic, then the message, and only
/// then answers CONNACK; the will is the one published when the client is lost.
#[test]
fn sn_gw_1_connect_with_will_prompts_for_topic_and_message() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtLeastOnce);

    h.sn_send(DEV, &connect_msg("dev", true, 10, true));
    assert_eq!(h.sn_received(DEV), [Message::WillTopicReq]);
    assert_eq!(h.stats().connections, 1, "not connected before the will");
    h.sn_send(
        DEV,
        &Message::WillTopic(will_topic("wills/dev", SnQos::AtLeastOnce)),
    );
    assert_eq!(h.sn_received(DEV), [Message::WillMsgReq]);
    h.sn_send(DEV, &Message::WillMsg { message: b"gone" });
    assert_eq!(h.sn_received(DEV), [connack(ReturnCode::Accepted)]);
    assert_eq!(h.stats().connections, 2);

    // Lost: 10 s keep alive and 50 % slack.
    h.advance(15_000);
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    assert_eq!(
        mqtt_got(&mut h, 1),
        [got("wills/dev", "gone", QoS::AtLeastOnce)]
    );
}

/// SN-GW-1, SN-GW-14: a message that needs a connection, sent while the gateway still
/// prompts for the will, gets DISCONNECT, and the CONNECT in progress ends with it: the
/// gateway prompts no more, takes no will, and a new CONNECT starts afresh.
#[test]
fn sn_gw_1_a_connect_prompting_for_its_will_ends_with_the_disconnect() {
    let mut h = Harness::default();
    h.sn_send(DEV, &connect_msg("dev", true, 10, true));
    assert_eq!(h.sn_received(DEV), [Message::WillTopicReq]);
    h.sn_send(DEV, &Message::PingReq { client_id: None });
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    // The handshake does not go on.
    h.sn_send(
        DEV,
        &Message::WillTopic(will_topic("wills/dev", SnQos::AtLeastOnce)),
    );
    let after = h.sn_received(DEV);
    assert!(!after.contains(&Message::WillMsgReq), "{after:?}");
    h.advance(60_000);
    assert!(h.sn_received(DEV).is_empty());
    h.sn_send(DEV, &connect_msg("dev", true, 10, false));
    assert_eq!(h.sn_received(DEV), [connack(ReturnCode::Accepted)]);
    assert_eq!(h.stats().connections, 1);

    // So does a PINGREQ naming itself, which is no wake-up.
    h.sn_send(OTHER, &connect_msg("other", true, 10, true));
    assert_eq!(h.sn_received(OTHER), [Message::WillTopicReq]);
    assert_eq!(sn_wake(&mut h, OTHER, "other"), [disconnect()]);
    h.sn_send(
        OTHER,
        &Message::WillTopic(will_topic("wills/other", SnQos::AtLeastOnce)),
    );
    let after = h.sn_received(OTHER);
    assert!(!after.contains(&Message::WillMsgReq), "{after:?}");
}

/// SN-GW-1: an empty WILLTOPIC means no will: CONNACK follows at once, without WILLMSGREQ,
/// and nothing is published when the client is lost.
#[test]
fn sn_gw_1_empty_will_topic_skips_will_message() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "#", QoS::AtMostOnce);

    h.sn_send(DEV, &connect_msg("dev", true, 10, true));
    assert_eq!(h.sn_received(DEV), [Message::WillTopicReq]);
    h.sn_send(DEV, &Message::WillTopic(None));
    assert_eq!(h.sn_received(DEV), [connack(ReturnCode::Accepted)]);

    h.advance(15_000);
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    assert!(h.publishes(1).is_empty(), "no will to publish");
}

/// SN-CON-4: a CONNECT the broker refuses (anonymous clients not allowed) is answered with
/// a rejecting CONNACK, and the client is not connected afterwards.
#[test]
fn sn_con_4_refused_connect_gets_rejecting_connack() {
    let mut h = Harness::new(BrokerConfig {
        allow_anonymous: false,
        ..BrokerConfig::default()
    });
    h.sn_send(DEV, &connect_msg("dev", true, 60, false));
    assert_eq!(h.sn_received(DEV), [connack(ReturnCode::NotSupported)]);
    assert_eq!(h.stats().connections, 0);
    h.sn_send(
        DEV,
        &publish_msg(SnQos::AtLeastOnce, TopicId::Short(*b"ab"), 1, b"x"),
    );
    assert_eq!(
        h.sn_received(DEV),
        [disconnect()],
        "not connected (SN-GW-14)"
    );
}

// =======================================================================================
// MQTT-SN publishes towards MQTT clients (SN-GW-4, SN-GW-6, SN-PUB-4)
// =======================================================================================

/// SN-GW-4: a client's REGISTER is answered from its own table: the same name gets the same
/// id again, another name another id.
#[test]
fn sn_gw_4_register_is_answered_from_per_client_table() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    let a = register(&mut h, DEV, 1, "t/a");
    let b = register(&mut h, DEV, 2, "t/b");
    assert_ne!(a, b);
    assert_eq!(register(&mut h, DEV, 3, "t/a"), a);
}

/// SN-GW-4: QoS 0 PUBLISHes on a REGISTER'd id reach a 3.1.1 and a 5.0 subscriber, and
/// are not acknowledged.
#[test]
fn sn_gw_4_qos0_publish_on_registered_id_reaches_mqtt_subscribers() {
    let mut h = Harness::default();
    h.connect(1, V311, "old", true);
    h.subscribe(1, "t/+", QoS::AtLeastOnce);
    h.connect(2, V5, "new", true);
    h.subscribe(2, "t/+", QoS::ExactlyOnce);
    sn_connect(&mut h, DEV, "dev", true, 0);
    let id = register(&mut h, DEV, 1, "t/a");

    h.sn_send(
        DEV,
        &publish_msg(SnQos::AtMostOnce, TopicId::Normal(id), 0, b"zero"),
    );
    assert!(h.sn_received(DEV).is_empty(), "QoS 0 is not acknowledged");
    for conn in [1, 2] {
        assert_eq!(
            mqtt_got(&mut h, conn),
            [got("t/a", "zero", QoS::AtMostOnce)]
        );
    }
}

/// SN-GW-4: a QoS 1 PUBLISH is acknowledged with a PUBACK that echoes its TopicId and MsgId,
/// and reaches 3.1.1 and 5.0 subscribers at QoS 1.
#[test]
fn sn_gw_4_qos1_publish_gets_puback_echoing_topic_and_msg_id() {
    let mut h = Harness::default();
    h.connect(1, V311, "old", true);
    h.subscribe(1, "t/a", QoS::AtLeastOnce);
    h.connect(2, V5, "new", true);
    h.subscribe(2, "t/a", QoS::AtLeastOnce);
    sn_connect(&mut h, DEV, "dev", true, 0);
    let id = register(&mut h, DEV, 1, "t/a");

    h.sn_send(
        DEV,
        &publish_msg(SnQos::AtLeastOnce, TopicId::Normal(id), 0x1234, b"one"),
    );
    assert_eq!(
        h.sn_received(DEV),
        [Message::PubAck {
            topic_id: id,
            msg_id: 0x1234,
            return_code: ReturnCode::Accepted
        }]
    );
    for conn in [1, 2] {
        assert_eq!(
            mqtt_got(&mut h, conn),
            [got("t/a", "one", QoS::AtLeastOnce)]
        );
    }
}

/// §6.7, SN-PUB-5: a PUBLISH above the QoS the gateway takes (the broker's `max_qos`) is
/// refused with PUBACK 0x03, which ends a flow of any QoS, and the client stays connected
/// and can publish at a QoS that is taken.
#[test]
fn sn_pub_5_a_publish_above_the_maximum_qos_gets_puback_not_supported() {
    let mut h = Harness::new(BrokerConfig {
        max_qos: QoS::AtLeastOnce,
        ..config_with(|_| {})
    });
    h.connect(1, V311, "sub", true);
    h.subscribe(1, "t/a", QoS::AtLeastOnce);
    sn_connect(&mut h, DEV, "dev", true, 0);
    let id = register(&mut h, DEV, 1, "t/a");
    h.sn_send(
        DEV,
        &publish_msg(SnQos::ExactlyOnce, TopicId::Normal(id), 7, b"two"),
    );
    let refused = puback_of(id, 7, ReturnCode::NotSupported);
    assert_eq!(h.sn_received(DEV), [refused]);
    assert!(mqtt_got(&mut h, 1).is_empty());
    h.sn_send(
        DEV,
        &publish_msg(SnQos::AtLeastOnce, TopicId::Normal(id), 8, b"one"),
    );
    let accepted = puback_of(id, 8, ReturnCode::Accepted);
    assert_eq!(h.sn_received(DEV), [accepted]);
    assert_eq!(mqtt_got(&mut h, 1), [got("t/a", "one", QoS::AtLeastOnce)]);
}

/// SN-GW-4: a QoS 2 PUBLISH goes through PUBREC, PUBREL and PUBCOMP, and is delivered once.
#[test]
fn sn_gw_4_qos2_publish_completes_with_pubrec_pubrel_pubcomp() {
    let mut h = Harness::default();
    h.connect(1, V311, "old", true);
    h.subscribe(1, "t/a", QoS::ExactlyOnce);
    h.connect(2, V5, "new", true);
    h.subscribe(2, "t/a", QoS::ExactlyOnce);
    sn_connect(&mut h, DEV, "dev", true, 0);
    let id = register(&mut h, DEV, 1, "t/a");

    h.sn_send(
        DEV,
        &publish_msg(SnQos::ExactlyOnce, TopicId::Normal(id), 9, b"two"),
    );
    assert_eq!(h.sn_received(DEV), [Message::PubRec { msg_id: 9 }]);
    h.sn_send(DEV, &Message::PubRel { msg_id: 9 });
    assert_eq!(h.sn_received(DEV), [Message::PubComp { msg_id: 9 }]);
    for conn in [1, 2] {
        let got_now = h.publishes(conn);
        assert_eq!(got_now.len(), 1, "connection {conn}: {got_now:?}");
        assert_eq!(
            (
                got_now[0].topic.as_str(),
                payload(&got_now[0]).as_str(),
                got_now[0].qos
            ),
            ("t/a", "two", QoS::ExactlyOnce)
        );
        h.ack_all(conn, &got_now);
    }
}

/// SN-PUB-4: a client that answers the gateway's PUBLISH with PUBACK "invalid topic id"
/// has lost the registration: the next PUBLISH on that name is REGISTERed again first.
#[test]
fn sn_pub_4_puback_invalid_topic_id_makes_gateway_register_again() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    let (id, _) = sn_subscribe(&mut h, DEV, 1, name("r/x"), SnQos::AtLeastOnce);
    h.connect(1, V311, "pub", true);
    h.publish1(1, "r/x", "first", 1);
    let p = only_sn_publish(h.sn_received(DEV));
    assert_eq!(p.topic, TopicId::Normal(id));
    h.sn_send(
        DEV,
        &Message::PubAck {
            topic_id: id,
            msg_id: p.msg_id,
            return_code: ReturnCode::InvalidTopicId,
        },
    );
    assert!(h.sn_received(DEV).is_empty());

    h.publish1(1, "r/x", "second", 2);
    let (topic_id, name) = accept_register(&mut h, DEV);
    assert_eq!(name, "r/x");
    let p = only_sn_publish(h.sn_received(DEV));
    assert_eq!(
        (p.topic, &p.data[..]),
        (TopicId::Normal(topic_id), &b"second"[..])
    );
}

/// SN-GW-6: a predefined id (BrokerConfig.mqttsn.predefined) is published on without a
/// REGISTER, at QoS 0, 1 and 2.
#[test]
fn sn_gw_6_publish_on_predefined_id_reaches_mqtt_subscribers() {
    let mut h = predefined_harness();
    h.connect(1, V311, "old", true);
    h.subscribe(1, "pre/#", QoS::ExactlyOnce);
    h.connect(2, V5, "new", true);
    h.subscribe(2, "pre/two", QoS::ExactlyOnce);
    sn_connect(&mut h, DEV, "dev", true, 0);

    h.sn_send(
        DEV,
        &publish_msg(SnQos::AtMostOnce, TopicId::Predefined(1), 0, b"p0"),
    );
    assert!(h.sn_received(DEV).is_empty());
    h.sn_send(
        DEV,
        &publish_msg(SnQos::AtLeastOnce, TopicId::Predefined(2), 5, b"p1"),
    );
    assert_eq!(
        h.sn_received(DEV),
        [Message::PubAck {
            topic_id: 2,
            msg_id: 5,
            return_code: ReturnCode::Accepted
        }]
    );
    h.sn_send(
        DEV,
        &publish_msg(SnQos::ExactlyOnce, TopicId::Predefined(2), 6, b"p2"),
    );
    assert_eq!(h.sn_received(DEV), [Message::PubRec { msg_id: 6 }]);
    h.sn_send(DEV, &Message::PubRel { msg_id: 6 });
    assert_eq!(h.sn_received(DEV), [Message::PubComp { msg_id: 6 }]);

    assert_eq!(
        mqtt_got(&mut h, 1),
        [
            got("pre/one", "p0", QoS::AtMostOnce),
            got("pre/two", "p1", QoS::AtLeastOnce),
            got("pre/two", "p2", QoS::ExactlyOnce),
        ]
    );
    assert_eq!(
        mqtt_got(&mut h, 2),
        [
            got("pre/two", "p1", QoS::AtLeastOnce),
            got("pre/two", "p2", QoS::ExactlyOnce),
        ]
    );
}

/// SN-GW-6: a short topic name is carried in the PUBLISH itself, no REGISTER needed; a
/// QoS 1 PUBACK echoes the two octets.
#[test]
fn sn_gw_6_publish_on_short_name_reaches_mqtt_subscribers() {
    let mut h = Harness::default();
    h.connect(1, V311, "old", true);
    h.subscribe(1, "ab", QoS::AtLeastOnce);
    h.connect(2, V5, "new", true);
    h.subscribe(2, "+", QoS::AtMostOnce);
    sn_connect(&mut h, DEV, "dev", true, 0);

    h.sn_send(
        DEV,
        &publish_msg(SnQos::AtLeastOnce, TopicId::Short(*b"ab"), 3, b"short"),
    );
    assert_eq!(
        h.sn_received(DEV),
        [Message::PubAck {
            topic_id: u16::from_be_bytes(*b"ab"),
            msg_id: 3,
            return_code: ReturnCode::Accepted
        }]
    );
    assert_eq!(mqtt_got(&mut h, 1), [got("ab", "short", QoS::AtLeastOnce)]);
    assert_eq!(mqtt_got(&mut h, 2), [got("ab", "short", QoS::AtMostOnce)]);
}

/// SN-PUB-4: an unknown registered or predefined id is answered with PUBACK "invalid topic
/// id" (0x02) at QoS 0, 1 and 2, echoing TopicId and MsgId, and nothing is published.
#[test]
fn sn_pub_4_unknown_topic_id_gets_puback_invalid_at_any_qos() {
    let mut h = predefined_harness();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "#", QoS::AtMostOnce);
    sn_connect(&mut h, DEV, "dev", true, 0);

    let cases = [
        (SnQos::AtMostOnce, TopicId::Normal(77), 0),
        (SnQos::AtLeastOnce, TopicId::Normal(77), 10),
        (SnQos::ExactlyOnce, TopicId::Normal(77), 11),
        (SnQos::AtMostOnce, TopicId::Predefined(99), 0),
        (SnQos::AtLeastOnce, TopicId::Predefined(99), 12),
        (SnQos::ExactlyOnce, TopicId::Predefined(99), 13),
    ];
    for (qos, topic, msg_id) in cases {
        h.sn_send(DEV, &publish_msg(qos, topic, msg_id, b"lost"));
        assert_eq!(
            h.sn_received(DEV),
            [Message::PubAck {
                topic_id: u16::from_be_bytes(topic.field()),
                msg_id,
                return_code: ReturnCode::InvalidTopicId
            }],
            "{qos:?} {topic:?}"
        );
    }
    assert!(h.publishes(1).is_empty());
    // Another client's registration is not this client's (SN-GW-4, per client).
    sn_connect(&mut h, OTHER, "other", true, 0);
    let id = register(&mut h, OTHER, 1, "only/other");
    h.sn_send(
        DEV,
        &publish_msg(SnQos::AtMostOnce, TopicId::Normal(id), 0, b"x"),
    );
    assert!(matches!(
        h.sn_received(DEV).as_slice(),
        [Message::PubAck {
            return_code: ReturnCode::InvalidTopicId,
            ..
        }]
    ));
}

// =======================================================================================
// MQTT publishes towards MQTT-SN clients (SN-GW-5, SN-GW-6, SN-GW-13)
// =======================================================================================

/// SN-GW-5: subscribing by a name without wildcards registers it at once: the SUBACK
/// carries its topic id, PUBLISHes use that id without a REGISTER, and the client may
/// publish with it too.
#[test]
fn sn_gw_5_subscribe_by_name_gives_topic_id_used_by_publishes() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    let (id, qos) = sn_subscribe(&mut h, DEV, 1, name("room/temp"), SnQos::AtMostOnce);
    assert_ne!(id, 0);
    assert_eq!(qos, SnQos::AtMostOnce);

    h.connect(1, V311, "pub", true);
    h.publish0(1, "room/temp", "21");
    let p = only_sn_publish(h.sn_received(DEV));
    assert_eq!(p.topic, TopicId::Normal(id));
    assert_eq!(
        (p.qos, p.msg_id, &p.data[..]),
        (SnQos::AtMostOnce, 0, &b"21"[..])
    );

    h.subscribe(1, "room/temp", QoS::AtMostOnce);
    h.sn_send(
        DEV,
        &publish_msg(SnQos::AtMostOnce, TopicId::Normal(id), 0, b"22"),
    );
    assert_eq!(h.payloads(1), ["22"]);
}

/// SN-GW-5: a retained message follows the SUBACK, on the id the SUBACK gave, retain set.
#[test]
fn sn_gw_5_retained_message_follows_suback() {
    let mut h = Harness::default();
    h.connect(1, V311, "pub", true);
    h.send(
        1,
        publish_packet(
            "room/door",
            "open",
            QoS::AtMostOnce,
            None,
            true,
            Default::default(),
        ),
    );
    sn_connect(&mut h, DEV, "dev", true, 0);
    h.sn_send(
        DEV,
        &Message::Subscribe(sn::Subscribe {
            dup: false,
            qos: SnQos::AtLeastOnce,
            msg_id: 4,
            topic: name("room/door"),
        }),
    );
    let received = h.sn_received(DEV);
    let [Message::SubAck {
        topic_id,
        msg_id: 4,
        return_code: ReturnCode::Accepted,
        ..
    }, Message::Publish(p)] = received.as_slice()
    else {
        panic!("expected SUBACK then PUBLISH, got {received:?}")
    };
    assert_eq!(p.topic, TopicId::Normal(*topic_id));
    assert!(p.retain);
    assert_eq!(&p.data[..], b"open");
}

/// SN-GW-5: a message matching a wildcard subscription on a name the client has no id for
/// is preceded by the gateway's REGISTER, and held until the REGACK; the next one on that
/// name needs no REGISTER.
#[test]
fn sn_gw_5_wildcard_subscription_registers_before_publish() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    let (id, _) = sn_subscribe(&mut h, DEV, 1, name("room/+"), SnQos::AtMostOnce);
    assert_eq!(id, 0, "a wildcard filter has no topic id (SN-SUB-2)");

    h.connect(1, V311, "pub", true);
    h.publish0(1, "room/a", "first");
    let received = h.sn_received(DEV);
    let [Message::Register(r)] = received.as_slice() else {
        panic!("expected REGISTER alone, got {received:?}")
    };
    assert_eq!(r.topic_name.as_str(), "room/a");
    assert_ne!(r.topic_id, 0);
    let (topic_id, msg_id) = (r.topic_id, r.msg_id);

    // Held: the second message waits behind the REGISTER too.
    h.publish0(1, "room/a", "second");
    assert!(h.sn_received(DEV).is_empty(), "held until REGACK");

    sn_regack(&mut h, DEV, topic_id, msg_id, ReturnCode::Accepted);
    let received = h.sn_received(DEV);
    assert_eq!(sn_payloads(&received), ["first", "second"]);
    assert!(received
        .iter()
        .all(|m| matches!(m, Message::Publish(p) if p.topic == TopicId::Normal(topic_id))));

    h.publish0(1, "room/a", "third");
    let p = only_sn_publish(h.sn_received(DEV));
    assert_eq!(p.topic, TopicId::Normal(topic_id));
}

/// SN-GW-5, SN-GW-13: one REGISTER outstanding at a time: a second new name waits for the
/// first name's REGACK.
#[test]
fn sn_gw_5_one_register_outstanding_at_a_time() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    sn_subscribe(&mut h, DEV, 1, name("room/#"), SnQos::AtMostOnce);
    h.connect(1, V311, "pub", true);
    h.publish0(1, "room/a", "a");
    h.publish0(1, "room/b", "b");

    let received = h.sn_received(DEV);
    let [Message::Register(ra)] = received.as_slice() else {
        panic!("expected one REGISTER, got {received:?}")
    };
    assert_eq!(ra.topic_name.as_str(), "room/a");
    let (id_a, msg_a) = (ra.topic_id, ra.msg_id);
    sn_regack(&mut h, DEV, id_a, msg_a, ReturnCode::Accepted);
    let received = h.sn_received(DEV);
    let [Message::Publish(pa), Message::Register(rb)] = received.as_slice() else {
        panic!("expected PUBLISH a then REGISTER b, got {received:?}")
    };
    assert_eq!((pa.topic, &pa.data[..]), (TopicId::Normal(id_a), &b"a"[..]));
    assert_eq!(rb.topic_name.as_str(), "room/b");
    assert_ne!(rb.topic_id, id_a);
    let (id_b, msg_b) = (rb.topic_id, rb.msg_id);
    sn_regack(&mut h, DEV, id_b, msg_b, ReturnCode::Accepted);
    let pb = only_sn_publish(h.sn_received(DEV));
    assert_eq!((pb.topic, &pb.data[..]), (TopicId::Normal(id_b), &b"b"[..]));
}

/// SN-GW-8, SN-PUB-5: while the gateway's REGISTER waits for its REGACK, only the
/// PUBLISHes that need the new id wait with it; the client's PINGREQ, PUBLISH and
/// SUBSCRIBE are answered at once (held behind it, a lost REGISTER kept them unanswered
/// for as long as its retransmissions took).
#[test]
fn sn_gw_8_answers_do_not_wait_for_a_pending_regack() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    sn_subscribe(&mut h, DEV, 1, name("room/#"), SnQos::AtMostOnce);
    let id = register(&mut h, DEV, 2, "out/x");
    h.connect(1, V311, "pub", true);
    h.publish0(1, "room/a", "a");
    let received = h.sn_received(DEV);
    let [Message::Register(r)] = received.as_slice() else {
        panic!("expected one REGISTER, got {received:?}")
    };
    let (id_a, msg_a) = (r.topic_id, r.msg_id);

    h.sn_send(DEV, &Message::PingReq { client_id: None });
    assert_eq!(h.sn_received(DEV), [Message::PingResp]);
    h.sn_send(
        DEV,
        &publish_msg(SnQos::AtLeastOnce, TopicId::Normal(id), 5, b"x"),
    );
    assert!(matches!(
        h.sn_received(DEV).as_slice(),
        [Message::PubAck {
            msg_id: 5,
            return_code: ReturnCode::Accepted,
            ..
        }]
    ));
    sn_subscribe(&mut h, DEV, 6, name("other"), SnQos::AtMostOnce);

    sn_regack(&mut h, DEV, id_a, msg_a, ReturnCode::Accepted);
    let p = only_sn_publish(h.sn_received(DEV));
    assert_eq!((p.topic, &p.data[..]), (TopicId::Normal(id_a), &b"a"[..]));
}

/// SN-GW-5, SN-REG-2: a REGACK that rejects the gateway's REGISTER drops the message held
/// behind it and unsubscribes the client from that name: later messages on it are not
/// sent, until the client subscribes again.
#[test]
fn sn_gw_5_regack_rejection_drops_held_message() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    sn_subscribe(&mut h, DEV, 1, name("room/+"), SnQos::AtMostOnce);
    h.connect(1, V311, "pub", true);
    h.publish0(1, "room/a", "refused");
    let received = h.sn_received(DEV);
    let [Message::Register(r)] = received.as_slice() else {
        panic!("expected REGISTER, got {received:?}")
    };
    let (topic_id, msg_id) = (r.topic_id, r.msg_id);
    sn_regack(&mut h, DEV, topic_id, msg_id, ReturnCode::InvalidTopicId);
    assert!(h.sn_received(DEV).is_empty(), "the held PUBLISH is dropped");

    h.publish0(1, "room/a", "not for the client");
    assert!(h.sn_received(DEV).is_empty(), "the name was refused");
    h.publish0(1, "room/b", "other names still come");
    assert_eq!(accept_register(&mut h, DEV).1, "room/b");
    assert_eq!(sn_payloads(&h.sn_received(DEV)), ["other names still come"]);

    sn_subscribe(&mut h, DEV, 2, name("room/+"), SnQos::AtMostOnce);
    h.publish0(1, "room/a", "again");
    assert_eq!(accept_register(&mut h, DEV).1, "room/a");
    assert_eq!(sn_payloads(&h.sn_received(DEV)), ["again"]);
}

/// SN-GW-5, SN-GW-13: when a REGACK rejection drops a QoS 1 message, the one-message window
/// towards the client is freed: the next QoS 1 message goes out.
#[test]
fn sn_gw_5_regack_rejection_of_qos1_message_frees_window() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    sn_subscribe(&mut h, DEV, 1, name("room/+"), SnQos::AtLeastOnce);
    h.connect(1, V311, "pub", true);
    h.publish1(1, "room/a", "refused", 1);
    let received = h.sn_received(DEV);
    let [Message::Register(r)] = received.as_slice() else {
        panic!("expected REGISTER, got {received:?}")
    };
    let (topic_id, msg_id) = (r.topic_id, r.msg_id);
    sn_regack(&mut h, DEV, topic_id, msg_id, ReturnCode::InvalidTopicId);
    assert!(h.sn_received(DEV).is_empty());

    h.publish1(1, "room/b", "next", 2);
    assert_eq!(accept_register(&mut h, DEV).1, "room/b");
    let p = only_sn_publish(h.sn_received(DEV));
    assert_eq!((p.qos, &p.data[..]), (SnQos::AtLeastOnce, &b"next"[..]));
}

/// SN-GW-6: a subscription by predefined id gets a SUBACK with that id, and PUBLISHes on
/// the topic go out with the predefined id (no REGISTER).
#[test]
fn sn_gw_6_predefined_subscription_gets_predefined_publishes() {
    let mut h = predefined_harness();
    sn_connect(&mut h, DEV, "dev", true, 0);
    let (id, _) = sn_subscribe(
        &mut h,
        DEV,
        1,
        SubscribeTopic::Predefined(2),
        SnQos::AtMostOnce,
    );
    assert_eq!(id, 2);

    h.connect(1, V5, "pub", true);
    h.publish0(1, "pre/two", "pd");
    let p = only_sn_publish(h.sn_received(DEV));
    assert_eq!((p.topic, &p.data[..]), (TopicId::Predefined(2), &b"pd"[..]));

    // An unknown predefined id cannot be subscribed to.
    h.sn_send(
        DEV,
        &Message::Subscribe(sn::Subscribe {
            dup: false,
            qos: SnQos::AtMostOnce,
            msg_id: 2,
            topic: SubscribeTopic::Predefined(50),
        }),
    );
    assert!(matches!(
        h.sn_received(DEV).as_slice(),
        [Message::SubAck {
            msg_id: 2,
            return_code: ReturnCode::InvalidTopicId,
            ..
        }]
    ));
}

/// SN-GW-6: a subscription by short name gets SUBACK topic id 0, and PUBLISHes on it go out
/// with the short name.
#[test]
fn sn_gw_6_short_name_subscription_gets_short_name_publishes() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    let (id, _) = sn_subscribe(
        &mut h,
        DEV,
        1,
        SubscribeTopic::Short(*b"xy"),
        SnQos::AtMostOnce,
    );
    assert_eq!(id, 0);

    h.connect(1, V311, "pub", true);
    h.publish0(1, "xy", "s");
    let p = only_sn_publish(h.sn_received(DEV));
    assert_eq!((p.topic, &p.data[..]), (TopicId::Short(*b"xy"), &b"s"[..]));
}

/// SN-GW-13: QoS 1 towards the client, one in flight at a time: the second PUBLISH comes
/// after the client's PUBACK.
#[test]
fn sn_gw_13_qos1_towards_client_one_in_flight() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    let (id, qos) = sn_subscribe(&mut h, DEV, 1, name("q/one"), SnQos::AtLeastOnce);
    assert_eq!(qos, SnQos::AtLeastOnce);
    h.connect(1, V311, "pub", true);
    h.publish1(1, "q/one", "m1", 1);
    h.publish1(1, "q/one", "m2", 2);

    let p1 = only_sn_publish(h.sn_received(DEV));
    assert_eq!(
        (p1.qos, p1.topic, &p1.data[..]),
        (SnQos::AtLeastOnce, TopicId::Normal(id), &b"m1"[..])
    );
    assert_ne!(p1.msg_id, 0);
    h.sn_send(
        DEV,
        &Message::PubAck {
            topic_id: id,
            msg_id: p1.msg_id,
            return_code: ReturnCode::Accepted,
        },
    );
    let p2 = only_sn_publish(h.sn_received(DEV));
    assert_eq!((p2.qos, &p2.data[..]), (SnQos::AtLeastOnce, &b"m2"[..]));
    h.sn_send(
        DEV,
        &Message::PubAck {
            topic_id: id,
            msg_id: p2.msg_id,
            return_code: ReturnCode::Accepted,
        },
    );
    assert!(h.sn_received(DEV).is_empty());
}

/// SN-GW-13: a PUBACK with a rejection code may answer a QoS 2 PUBLISH too (MQTT-SN 1.2
/// §6.7): the client refused the message, its flow ends and the next one goes out; the
/// client stays connected.
#[test]
fn sn_gw_13_a_rejecting_puback_ends_a_qos2_flow() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    let (id, _) = sn_subscribe(&mut h, DEV, 1, name("q/two"), SnQos::ExactlyOnce);
    h.connect(1, V5, "pub", true);
    h.publish2(1, "q/two", "m1", 1);
    h.publish2(1, "q/two", "m2", 2);
    let p1 = only_sn_publish(h.sn_received(DEV));
    assert_eq!((p1.qos, &p1.data[..]), (SnQos::ExactlyOnce, &b"m1"[..]));
    h.sn_send(
        DEV,
        &Message::PubAck {
            topic_id: id,
            msg_id: p1.msg_id,
            return_code: ReturnCode::Congestion,
        },
    );
    let p2 = only_sn_publish(h.sn_received(DEV));
    assert_eq!((p2.qos, &p2.data[..]), (SnQos::ExactlyOnce, &b"m2"[..]));
    // m1 is not sent again: its flow ended.
    h.advance(60_000);
    assert!(h
        .sn_received(DEV)
        .iter()
        .all(|m| !matches!(m, Message::Publish(p) if p.data[..] == b"m1"[..])));
}

/// SN-GW-13: QoS 2 towards the client: PUBLISH, PUBREC, PUBREL, PUBCOMP, and the next
/// message only after PUBCOMP.
#[test]
fn sn_gw_13_qos2_towards_client_one_in_flight() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    let (id, qos) = sn_subscribe(&mut h, DEV, 1, name("q/two"), SnQos::ExactlyOnce);
    assert_eq!(qos, SnQos::ExactlyOnce);
    h.connect(1, V5, "pub", true);
    h.publish2(1, "q/two", "m1", 1);
    h.publish2(1, "q/two", "m2", 2);

    let p1 = only_sn_publish(h.sn_received(DEV));
    assert_eq!(
        (p1.qos, p1.topic, &p1.data[..]),
        (SnQos::ExactlyOnce, TopicId::Normal(id), &b"m1"[..])
    );
    h.sn_send(DEV, &Message::PubRec { msg_id: p1.msg_id });
    assert_eq!(h.sn_received(DEV), [Message::PubRel { msg_id: p1.msg_id }]);
    h.sn_send(DEV, &Message::PubComp { msg_id: p1.msg_id });
    let p2 = only_sn_publish(h.sn_received(DEV));
    assert_eq!((p2.qos, &p2.data[..]), (SnQos::ExactlyOnce, &b"m2"[..]));
    h.sn_send(DEV, &Message::PubRec { msg_id: p2.msg_id });
    assert_eq!(h.sn_received(DEV), [Message::PubRel { msg_id: p2.msg_id }]);
    h.sn_send(DEV, &Message::PubComp { msg_id: p2.msg_id });
    assert!(h.sn_received(DEV).is_empty());
}

/// SN-GW-14: a delivery larger than the network's datagram is dropped (and counted); the
/// next one that fits still goes out.
#[test]
fn sn_gw_14_oversized_delivery_is_dropped() {
    let mut h = Harness::new(config_with(|sn| sn.max_datagram = 20));
    sn_connect(&mut h, DEV, "dev", true, 0);
    sn_subscribe(&mut h, DEV, 1, name("big"), SnQos::AtMostOnce);
    h.connect(1, V311, "pub", true);
    let dropped = h.stats().messages_dropped;
    h.publish0(1, "big", "far more than twenty octets of payload");
    assert!(h.sn_received(DEV).is_empty());
    assert_eq!(h.stats().messages_dropped, dropped + 1);
    h.publish0(1, "big", "fits");
    assert_eq!(sn_payloads(&h.sn_received(DEV)), ["fits"]);
}

/// SN-GW-5: UNSUBSCRIBE is answered with UNSUBACK and stops the deliveries.
#[test]
fn sn_gw_5_unsubscribe_stops_deliveries() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    sn_subscribe(&mut h, DEV, 1, name("u/a"), SnQos::AtMostOnce);
    h.sn_send(
        DEV,
        &Message::Unsubscribe {
            msg_id: 2,
            topic: name("u/a"),
        },
    );
    assert_eq!(h.sn_received(DEV), [Message::UnsubAck { msg_id: 2 }]);
    h.connect(1, V311, "pub", true);
    h.publish0(1, "u/a", "x");
    assert!(h.sn_received(DEV).is_empty());
}

// =======================================================================================
// QoS -1 (SN-GW-7)
// =======================================================================================

/// SN-GW-7: a QoS −1 PUBLISH from an address with no connection, on a predefined id or a
/// short name, reaches an MQTT subscriber at QoS 0 and is never acknowledged.
#[test]
fn sn_gw_7_qos_minus_one_without_connection_reaches_subscriber_at_qos0() {
    let mut h = predefined_harness();
    h.connect(1, V311, "old", true);
    h.subscribe(1, "#", QoS::ExactlyOnce);
    h.connect(2, V5, "new", true);
    h.subscribe(2, "pre/one", QoS::AtLeastOnce);

    h.sn_send(
        DEV,
        &publish_msg(SnQos::WithoutConnection, TopicId::Predefined(1), 0, b"m1"),
    );
    h.sn_send(
        OTHER,
        &publish_msg(SnQos::WithoutConnection, TopicId::Short(*b"zz"), 0, b"m2"),
    );
    assert!(h.sn_received(DEV).is_empty(), "never acknowledged");
    assert!(h.sn_received(OTHER).is_empty(), "never acknowledged");
    assert_eq!(
        mqtt_got(&mut h, 1),
        [
            got("pre/one", "m1", QoS::AtMostOnce),
            got("zz", "m2", QoS::AtMostOnce)
        ]
    );
    assert_eq!(mqtt_got(&mut h, 2), [got("pre/one", "m1", QoS::AtMostOnce)]);
    // An unknown predefined id is dropped silently.
    h.sn_send(
        DEV,
        &publish_msg(SnQos::WithoutConnection, TopicId::Predefined(9), 0, b"m3"),
    );
    assert!(h.sn_received(DEV).is_empty());
    assert!(h.publishes(1).is_empty());
}

/// SN-GW-7: a QoS −1 PUBLISH is an anonymous client's: refused when anonymous clients are
/// not allowed.
#[test]
fn sn_gw_7_qos_minus_one_refused_without_anonymous() {
    let mut h = Harness::new(BrokerConfig {
        allow_anonymous: false,
        passwords: Some(mqtt_codec::broker::Passwords::parse(PASSWORDS).unwrap()),
        ..BrokerConfig::default()
    });
    let mut c = connect_packet(V311, "sub", true);
    c.username = Some(mqtt_str("alice"));
    c.password = Some(bytes::Bytes::from_static(b"wonderland"));
    let ack = h.connect_with(1, c);
    assert_eq!(ack.reason_code, ReasonCode::Success);
    h.subscribe(1, "#", QoS::AtMostOnce);

    h.sn_send(
        DEV,
        &publish_msg(SnQos::WithoutConnection, TopicId::Short(*b"zz"), 0, b"anon"),
    );
    assert!(h.sn_received(DEV).is_empty());
    assert!(h.publishes(1).is_empty());
}

// =======================================================================================
// Keep alive (SN-GW-8)
// =======================================================================================

/// SN-GW-8: a keep alive of 60 s or less is given 50 % slack: silent past 90 s, the client
/// is lost, its will published and a DISCONNECT sent.
#[test]
fn sn_gw_8_keep_alive_up_to_a_minute_has_half_slack() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    sn_connect_with_will(
        &mut h,
        DEV,
        "dev",
        60,
        "wills/dev",
        SnQos::AtMostOnce,
        b"lost",
    );

    h.advance(89_999);
    assert!(h.sn_received(DEV).is_empty());
    assert!(h.publishes(1).is_empty());
    h.advance(1);
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    assert_eq!(h.payloads(1), ["lost"]);
    // Forgotten: a PUBLISH now is from nobody (SN-GW-14).
    h.sn_send(
        DEV,
        &publish_msg(SnQos::AtMostOnce, TopicId::Normal(1), 0, b"x"),
    );
    assert_eq!(h.sn_received(DEV), [disconnect()]);
}

/// SN-GW-8: a keep alive above a minute is given 10 % slack (100 s: lost at 110 s).
#[test]
fn sn_gw_8_keep_alive_above_a_minute_has_tenth_slack() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    sn_connect_with_will(
        &mut h,
        DEV,
        "dev",
        100,
        "wills/dev",
        SnQos::AtMostOnce,
        b"lost",
    );

    assert_eq!(h.broker.next_deadline(), Some(110_000));
    h.advance(109_999);
    assert!(h.sn_received(DEV).is_empty());
    h.advance(1);
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    assert_eq!(h.payloads(1), ["lost"]);
}

/// SN-GW-8: a PINGREQ is answered with PINGRESP and keeps the client alive.
#[test]
fn sn_gw_8_pingreq_keeps_client_alive() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    sn_connect_with_will(
        &mut h,
        DEV,
        "dev",
        10,
        "wills/dev",
        SnQos::AtMostOnce,
        b"lost",
    );

    for _ in 0..5 {
        h.advance(10_000);
        h.sn_send(DEV, &Message::PingReq { client_id: None });
        assert_eq!(h.sn_received(DEV), [Message::PingResp]);
    }
    h.advance(14_999);
    assert!(h.sn_received(DEV).is_empty());
    assert!(h.publishes(1).is_empty());
    h.advance(1);
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    assert_eq!(h.payloads(1), ["lost"]);
}

// =======================================================================================
// Disconnect and sleep (SN-DIS-1, SN-GW-9, SN-GW-10, SN-PNG-1)
// =======================================================================================

/// SN-DIS-1, SN-GW-10: a DISCONNECT is answered with DISCONNECT; the will is not published
/// and the client is no longer connected.
#[test]
fn sn_dis_1_disconnect_is_answered_without_will() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    sn_connect_with_will(
        &mut h,
        DEV,
        "dev",
        10,
        "wills/dev",
        SnQos::AtMostOnce,
        b"lost",
    );

    h.sn_send(DEV, &Message::Disconnect { duration: None });
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    h.advance(60_000);
    assert!(h.publishes(1).is_empty());
    assert!(h.sn_received(DEV).is_empty());
    h.sn_send(DEV, &Message::PingReq { client_id: None });
    assert_eq!(
        h.sn_received(DEV),
        [disconnect()],
        "not connected (SN-GW-14)"
    );
}

/// SN-GW-9: DISCONNECT with a duration is answered with DISCONNECT without one; messages
/// for the sleeping client are held; PINGREQ with its ClientId delivers them, then
/// PINGRESP, and it sleeps again: a message after that is held again.
#[test]
fn sn_gw_9_sleeping_client_gets_held_messages_on_pingreq() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 60);
    sn_subscribe(&mut h, DEV, 1, name("s/a"), SnQos::AtMostOnce);
    sn_sleep(&mut h, DEV, 300);

    h.connect(1, V311, "pub", true);
    h.publish0(1, "s/a", "one");
    h.publish0(1, "s/a", "two");
    h.advance(1_000);
    assert!(h.sn_received(DEV).is_empty(), "held while asleep");

    let received = sn_wake(&mut h, DEV, "dev");
    assert_eq!(sn_payloads(&received), ["one", "two"]);
    assert_eq!(received.len(), 3, "{received:?}");
    assert_eq!(received.last(), Some(&Message::PingResp), "PINGRESP last");

    // Asleep again.
    h.publish0(1, "s/a", "three");
    assert!(h.sn_received(DEV).is_empty(), "held again");
    let received = sn_wake(&mut h, DEV, "dev");
    assert_eq!(sn_payloads(&received), ["three"]);
    assert_eq!(received.last(), Some(&Message::PingResp));
}

/// [MQTT-3.3.2-5]: a QoS 0 message held for a sleeping client is dropped when its 5.0
/// Message Expiry Interval runs out before the client wakes, as it would be from an
/// offline session's queue.
#[test]
fn sn_gw_9_a_held_message_that_expires_is_not_delivered() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 60);
    sn_subscribe(&mut h, DEV, 1, name("s/a"), SnQos::AtMostOnce);
    sn_sleep(&mut h, DEV, 300);

    h.connect(1, V5, "pub", true);
    let brief = Properties {
        message_expiry_interval: Some(1),
        ..Default::default()
    };
    for (payload, properties) in [("brief", brief), ("lasting", Properties::default())] {
        h.send(
            1,
            publish_packet("s/a", payload, QoS::AtMostOnce, None, false, properties),
        );
    }
    h.advance(2_000);
    let received = sn_wake(&mut h, DEV, "dev");
    assert_eq!(sn_payloads(&received), ["lasting"]);
    assert_eq!(received.last(), Some(&Message::PingResp));
}

/// SN-GW-9: a sleeping client with nothing waiting gets PINGRESP at once.
#[test]
fn sn_gw_9_pingreq_with_nothing_held_gets_pingresp() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 60);
    h.sn_send(DEV, &Message::Disconnect { duration: Some(60) });
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    assert_eq!(sn_wake(&mut h, DEV, "dev"), [Message::PingResp]);
}

/// SN-GW-9, SN-GW-13: QoS 1 messages that wait for a sleeping client all go out during
/// one awake period, one at a time as the client acknowledges them, and the PINGRESP that
/// ends it comes after the last one.
#[test]
fn sn_gw_9_queued_qos1_messages_all_go_out_before_pingresp() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 60);
    let (id, _) = sn_subscribe(&mut h, DEV, 1, name("s/q"), SnQos::AtLeastOnce);
    sn_sleep(&mut h, DEV, 300);

    h.connect(1, V311, "pub", true);
    for (i, text) in ["a", "b", "c"].into_iter().enumerate() {
        h.publish1(1, "s/q", text, i as u16 + 1);
    }
    assert!(h.sn_received(DEV).is_empty());

    let mut seen = Vec::new();
    let mut received = sn_wake(&mut h, DEV, "dev");
    // Each PUBLISH alone; the PINGRESP once the last one's flow is over.
    while let [Message::Publish(p)] = received.as_slice() {
        seen.push(String::from_utf8(p.data.to_vec()).unwrap());
        let msg_id = p.msg_id;
        h.sn_send(
            DEV,
            &Message::PubAck {
                topic_id: id,
                msg_id,
                return_code: ReturnCode::Accepted,
            },
        );
        received = h.sn_received(DEV);
    }
    assert_eq!(seen, ["a", "b", "c"]);
    assert_eq!(received, [Message::PingResp], "asleep again after {seen:?}");
    h.publish1(1, "s/q", "d", 4);
    assert!(h.sn_received(DEV).is_empty(), "held again");
}

/// SN-GW-9: a woken client's PINGRESP, which sends it back to sleep, waits until the flow
/// of the last message it was sent is over: here a QoS 2 one, through PUBREC, PUBREL and
/// PUBCOMP.
#[test]
fn sn_gw_9_pingresp_waits_for_the_last_qos2_flow() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 60);
    sn_subscribe(&mut h, DEV, 1, name("s/q"), SnQos::ExactlyOnce);
    sn_sleep(&mut h, DEV, 300);
    h.connect(1, V311, "pub", true);
    h.publish2(1, "s/q", "x", 1);
    assert!(h.sn_received(DEV).is_empty());

    let received = sn_wake(&mut h, DEV, "dev");
    let [Message::Publish(p)] = received.as_slice() else {
        panic!("expected the PUBLISH alone, got {received:?}")
    };
    let msg_id = p.msg_id;
    h.sn_send(DEV, &Message::PubRec { msg_id });
    assert_eq!(h.sn_received(DEV), [Message::PubRel { msg_id }]);
    h.sn_send(DEV, &Message::PubComp { msg_id });
    assert_eq!(h.sn_received(DEV), [Message::PingResp]);
}

/// SN-GW-9 with SN-GW-12: a QoS 1 PUBLISH the client did not acknowledge before it slept
/// (sent while it was active, or on a wake it slept again from) goes again at once on its
/// next wake, DUP set, before its PINGRESP.
#[test]
fn sn_gw_12_an_unanswered_publish_goes_again_on_the_next_wake() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 60);
    let (id, _) = sn_subscribe(&mut h, DEV, 1, name("s/q"), SnQos::AtLeastOnce);
    h.connect(1, V311, "pub", true);
    h.publish1(1, "s/q", "x", 1);
    let received = h.sn_received(DEV);
    let [Message::Publish(first)] = received.as_slice() else {
        panic!("expected the PUBLISH, got {received:?}")
    };
    assert!(!first.dup);
    let msg_id = first.msg_id;
    sn_sleep(&mut h, DEV, 300);

    for _ in 0..2 {
        let received = sn_wake(&mut h, DEV, "dev");
        let [Message::Publish(again)] = received.as_slice() else {
            panic!("expected the PUBLISH again, got {received:?}")
        };
        assert_eq!(
            (again.msg_id, again.dup, &again.data[..]),
            (msg_id, true, &b"x"[..])
        );
        // Asleep again without answering.
        sn_sleep(&mut h, DEV, 300);
    }
    sn_wake(&mut h, DEV, "dev");
    h.sn_send(
        DEV,
        &Message::PubAck {
            topic_id: id,
            msg_id,
            return_code: ReturnCode::Accepted,
        },
    );
    assert_eq!(h.sn_received(DEV), [Message::PingResp]);
}

/// SN-GW-9: the sleep timer is the duration plus the SN-GW-8 slack; when it runs out the
/// client is lost: DISCONNECT, and its will published.
#[test]
fn sn_gw_9_sleep_timer_expiry_publishes_will() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    sn_connect_with_will(
        &mut h,
        DEV,
        "dev",
        10,
        "wills/dev",
        SnQos::AtMostOnce,
        b"slept",
    );
    h.advance(5_000);
    h.sn_send(DEV, &Message::Disconnect { duration: Some(20) });
    assert_eq!(h.sn_received(DEV), [disconnect()]);

    // Asleep for 20 s (+50 %), well past the 10 s keep alive.
    h.advance(29_999);
    assert!(h.sn_received(DEV).is_empty());
    assert!(h.publishes(1).is_empty());
    h.advance(1);
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    assert_eq!(h.payloads(1), ["slept"]);
}

/// SN-GW-9: the PINGRESP that ends an awake period restarts the sleep timer.
#[test]
fn sn_gw_9_wake_restarts_sleep_timer() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    sn_connect_with_will(
        &mut h,
        DEV,
        "dev",
        10,
        "wills/dev",
        SnQos::AtMostOnce,
        b"slept",
    );
    sn_sleep(&mut h, DEV, 100);
    h.advance(100_000);
    assert_eq!(sn_wake(&mut h, DEV, "dev"), [Message::PingResp]);
    h.advance(109_999);
    assert!(h.sn_received(DEV).is_empty());
    assert!(h.publishes(1).is_empty());
    h.advance(1);
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    assert_eq!(h.payloads(1), ["slept"]);
}

/// SN-GW-9: a sleeping client's CONNECT makes it active again: messages go out at once.
#[test]
fn sn_gw_9_connect_wakes_sleeping_client() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", false, 60);
    sn_subscribe(&mut h, DEV, 1, name("s/a"), SnQos::AtMostOnce);
    sn_sleep(&mut h, DEV, 300);
    sn_connect(&mut h, DEV, "dev", false, 60);

    h.connect(1, V311, "pub", true);
    h.publish0(1, "s/a", "awake");
    // The new connection has no ids yet: REGISTER first (SN-GW-5).
    accept_register(&mut h, DEV);
    assert_eq!(sn_payloads(&h.sn_received(DEV)), ["awake"]);
}

/// SN-PNG-1: a PINGREQ with a ClientId nobody has is answered with DISCONNECT.
#[test]
fn sn_png_1_pingreq_with_unknown_client_id_gets_disconnect() {
    let mut h = Harness::default();
    assert_eq!(sn_wake(&mut h, DEV, "nobody"), [disconnect()]);
    // A connected MQTT client's id is not a sleeping MQTT-SN client either.
    h.connect(1, V311, "mqtt", true);
    assert_eq!(sn_wake(&mut h, DEV, "mqtt"), [disconnect()]);
    assert!(!h.closed(1));
}

/// SN-GW-9: at most max_sleep_buffer messages wait for a sleeping client; the rest are
/// dropped and counted in stats().messages_dropped.
#[test]
fn sn_gw_9_sleep_buffer_bound_drops_and_counts() {
    let mut h = Harness::new(config_with(|sn| sn.max_sleep_buffer = 2));
    sn_connect(&mut h, DEV, "dev", true, 60);
    sn_subscribe(&mut h, DEV, 1, name("s/a"), SnQos::AtMostOnce);
    sn_sleep(&mut h, DEV, 300);

    h.connect(1, V311, "pub", true);
    let dropped = h.stats().messages_dropped;
    for text in ["1", "2", "3", "4"] {
        h.publish0(1, "s/a", text);
    }
    assert_eq!(h.stats().messages_dropped, dropped + 2);
    let received = sn_wake(&mut h, DEV, "dev");
    assert_eq!(sn_payloads(&received), ["1", "2"]);
    assert_eq!(received.last(), Some(&Message::PingResp));
}

// =======================================================================================
// Will updates (SN-GW-3)
// =======================================================================================

/// SN-GW-3: WILLTOPICUPD and WILLMSGUPD are each answered with their …RESP, and the updated
/// will is the one published when the client is lost.
#[test]
fn sn_gw_3_will_updates_are_answered_and_published() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtLeastOnce);
    sn_connect_with_will(
        &mut h,
        DEV,
        "dev",
        10,
        "wills/old",
        SnQos::AtMostOnce,
        b"old",
    );

    h.sn_send(
        DEV,
        &Message::WillTopicUpd(will_topic("wills/new", SnQos::AtLeastOnce)),
    );
    assert_eq!(
        h.sn_received(DEV),
        [Message::WillTopicResp {
            return_code: ReturnCode::Accepted
        }]
    );
    h.sn_send(DEV, &Message::WillMsgUpd { message: b"new" });
    assert_eq!(
        h.sn_received(DEV),
        [Message::WillMsgResp {
            return_code: ReturnCode::Accepted
        }]
    );

    h.advance(15_000);
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    assert_eq!(
        mqtt_got(&mut h, 1),
        [got("wills/new", "new", QoS::AtLeastOnce)]
    );
}

/// SN-GW-3: the topic update alone keeps the will message.
#[test]
fn sn_gw_3_will_topic_update_keeps_message() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    sn_connect_with_will(
        &mut h,
        DEV,
        "dev",
        10,
        "wills/old",
        SnQos::AtMostOnce,
        b"kept",
    );
    h.sn_send(
        DEV,
        &Message::WillTopicUpd(will_topic("wills/moved", SnQos::AtMostOnce)),
    );
    assert!(matches!(
        h.sn_received(DEV).as_slice(),
        [Message::WillTopicResp {
            return_code: ReturnCode::Accepted
        }]
    ));
    h.advance(15_000);
    assert_eq!(
        mqtt_got(&mut h, 1),
        [got("wills/moved", "kept", QoS::AtMostOnce)]
    );
}

/// SN-GW-3: the updates are independent: a WILLMSGUPD before any will waits for the topic a
/// WILLTOPICUPD brings.
#[test]
fn sn_gw_3_will_message_update_before_topic() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    sn_connect(&mut h, DEV, "dev", true, 10);
    h.sn_send(DEV, &Message::WillMsgUpd { message: b"late" });
    assert_eq!(
        h.sn_received(DEV),
        [Message::WillMsgResp {
            return_code: ReturnCode::Accepted
        }]
    );
    h.sn_send(
        DEV,
        &Message::WillTopicUpd(will_topic("wills/dev", SnQos::AtMostOnce)),
    );
    assert_eq!(
        h.sn_received(DEV),
        [Message::WillTopicResp {
            return_code: ReturnCode::Accepted
        }]
    );
    h.advance(15_000);
    assert_eq!(h.payloads(1), ["late"]);
}

/// SN-GW-3: an empty WILLTOPICUPD deletes the will: nothing is published when the client
/// is lost.
#[test]
fn sn_gw_3_empty_will_topic_update_deletes_will() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "#", QoS::AtMostOnce);
    sn_connect_with_will(
        &mut h,
        DEV,
        "dev",
        10,
        "wills/dev",
        SnQos::AtMostOnce,
        b"lost",
    );
    h.sn_send(DEV, &Message::WillTopicUpd(None));
    assert_eq!(
        h.sn_received(DEV),
        [Message::WillTopicResp {
            return_code: ReturnCode::Accepted
        }]
    );
    h.advance(15_000);
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    assert!(h.publishes(1).is_empty());
}

// =======================================================================================
// Sessions (SN-GW-2) and takeover
// =======================================================================================

/// SN-GW-2: with CleanSession 0 the subscriptions survive a disconnect: messages published
/// meanwhile arrive after the reconnect, registered first since the new connection has no
/// ids.
#[test]
fn sn_gw_2_clean_session_0_resumes_subscriptions() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", false, 0);
    sn_subscribe(&mut h, DEV, 1, name("r/a"), SnQos::AtLeastOnce);
    h.sn_send(DEV, &Message::Disconnect { duration: None });
    assert_eq!(h.sn_received(DEV), [disconnect()]);

    h.connect(1, V311, "pub", true);
    h.publish1(1, "r/a", "while away", 1);
    assert!(h.sn_received(DEV).is_empty());

    h.sn_send(DEV, &connect_msg("dev", false, 0, false));
    let received = h.sn_received(DEV);
    let [Message::ConnAck {
        return_code: ReturnCode::Accepted,
    }, Message::Register(r)] = received.as_slice()
    else {
        panic!("expected CONNACK and REGISTER, got {received:?}")
    };
    assert_eq!(r.topic_name.as_str(), "r/a");
    let (topic_id, msg_id) = (r.topic_id, r.msg_id);
    sn_regack(&mut h, DEV, topic_id, msg_id, ReturnCode::Accepted);
    let p = only_sn_publish(h.sn_received(DEV));
    assert_eq!(
        (p.qos, p.topic, &p.data[..]),
        (
            SnQos::AtLeastOnce,
            TopicId::Normal(topic_id),
            &b"while away"[..]
        )
    );
    h.sn_send(
        DEV,
        &Message::PubAck {
            topic_id,
            msg_id: p.msg_id,
            return_code: ReturnCode::Accepted,
        },
    );
    // Still subscribed.
    h.publish0(1, "r/a", "later");
    assert_eq!(sn_payloads(&h.sn_received(DEV)), ["later"]);
}

/// SN-GW-2, SN-GW-13: a resumed session's queued QoS 1 messages go out one at a time, each
/// after the previous one's PUBACK.
#[test]
fn sn_gw_13_resumed_session_sends_one_qos1_at_a_time() {
    let mut h = predefined_harness();
    sn_connect(&mut h, DEV, "dev", false, 0);
    let (id, _) = sn_subscribe(
        &mut h,
        DEV,
        1,
        SubscribeTopic::Predefined(1),
        SnQos::AtLeastOnce,
    );
    assert_eq!(id, 1);
    h.sn_send(DEV, &Message::Disconnect { duration: None });
    assert_eq!(h.sn_received(DEV), [disconnect()]);

    h.connect(1, V311, "pub", true);
    for i in 1..=3 {
        h.publish1(1, "pre/one", &format!("m{i}"), i);
    }
    h.sn_send(DEV, &connect_msg("dev", false, 0, false));
    let mut received = h.sn_received(DEV);
    assert_eq!(received.remove(0), connack(ReturnCode::Accepted));
    let mut seen = Vec::new();
    while !received.is_empty() {
        let p = only_sn_publish(received);
        assert_eq!(p.topic, TopicId::Predefined(1));
        seen.push(String::from_utf8(p.data.to_vec()).unwrap());
        h.sn_send(
            DEV,
            &Message::PubAck {
                topic_id: 1,
                msg_id: p.msg_id,
                return_code: ReturnCode::Accepted,
            },
        );
        received = h.sn_received(DEV);
    }
    assert_eq!(seen, ["m1", "m2", "m3"]);
}

/// SN-GW-2: CleanSession 1 starts afresh: the old subscriptions are gone.
#[test]
fn sn_gw_2_clean_session_1_forgets_subscriptions() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", false, 0);
    sn_subscribe(&mut h, DEV, 1, name("r/a"), SnQos::AtMostOnce);
    h.sn_send(DEV, &Message::Disconnect { duration: None });
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    sn_connect(&mut h, DEV, "dev", true, 0);
    h.connect(1, V311, "pub", true);
    h.publish0(1, "r/a", "x");
    assert!(h.sn_received(DEV).is_empty());
}

/// SN-GW-2: CleanSession 0 without the Will flag keeps the will the session had: a sleeping
/// client that reconnects from the same address and is then lost has its will published.
#[test]
fn sn_gw_2_clean_session_0_reconnect_keeps_will() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    h.sn_send(DEV, &connect_msg("dev", false, 10, true));
    assert_eq!(h.sn_received(DEV), [Message::WillTopicReq]);
    h.sn_send(
        DEV,
        &Message::WillTopic(will_topic("wills/dev", SnQos::AtMostOnce)),
    );
    assert_eq!(h.sn_received(DEV), [Message::WillMsgReq]);
    h.sn_send(DEV, &Message::WillMsg { message: b"kept" });
    assert_eq!(h.sn_received(DEV), [connack(ReturnCode::Accepted)]);
    h.sn_send(DEV, &Message::Disconnect { duration: Some(60) });
    assert_eq!(h.sn_received(DEV), [disconnect()]);

    sn_connect(&mut h, DEV, "dev", false, 10);
    h.advance(15_000);
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    assert_eq!(h.payloads(1), ["kept"]);
}

/// SN-GW-2: a CleanSession 1 CONNECT without the Will flag starts without a will, even from
/// the address whose previous connection had one.
#[test]
fn sn_gw_2_clean_session_1_reconnect_drops_will() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "#", QoS::AtMostOnce);
    h.sn_send(DEV, &connect_msg("dev", false, 10, true));
    assert_eq!(h.sn_received(DEV), [Message::WillTopicReq]);
    h.sn_send(
        DEV,
        &Message::WillTopic(will_topic("wills/dev", SnQos::AtMostOnce)),
    );
    assert_eq!(h.sn_received(DEV), [Message::WillMsgReq]);
    h.sn_send(DEV, &Message::WillMsg { message: b"old" });
    assert_eq!(h.sn_received(DEV), [connack(ReturnCode::Accepted)]);

    sn_connect(&mut h, DEV, "dev", true, 10);
    h.advance(15_000);
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    assert!(h.publishes(1).is_empty(), "no will");
}

/// SN-GW-10: a normal DISCONNECT does not publish the will, but the will data persists
/// until a CleanSession 1 CONNECT: after a CleanSession 0 reconnect without the Will flag,
/// losing the client publishes it.
#[test]
fn sn_gw_10_will_survives_normal_disconnect() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    will_kept_for_next_connect(&mut h, b"kept");
    assert!(h.publishes(1).is_empty(), "not published on DISCONNECT");

    sn_connect(&mut h, DEV, "dev", false, 10);
    h.advance(15_000);
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    assert_eq!(h.payloads(1), ["kept"]);
}

/// Takeover: an MQTT client connecting with an MQTT-SN client's ClientId takes its session;
/// the MQTT-SN peer is sent DISCONNECT and is no longer connected.
#[test]
fn takeover_mqtt_client_takes_mqtt_sn_session() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", false, 0);
    sn_subscribe(&mut h, DEV, 1, name("tk/a"), SnQos::AtMostOnce);

    let ack = h.connect(1, V311, "dev", false);
    assert!(ack.session_present, "the MQTT-SN client's session");
    assert_eq!(h.sn_received(DEV), [disconnect()]);

    h.connect(2, V5, "pub", true);
    h.publish0(2, "tk/a", "to mqtt");
    assert_eq!(h.payloads(1), ["to mqtt"]);
    assert!(h.sn_received(DEV).is_empty());
    h.sn_send(DEV, &Message::PingReq { client_id: None });
    assert_eq!(h.sn_received(DEV), [disconnect()]);
}

/// Takeover: an MQTT-SN client connecting with an MQTT client's ClientId takes its session;
/// a 5.0 client is sent DISCONNECT 0x8E, a 3.1.1 one is closed.
#[test]
fn takeover_mqtt_sn_client_takes_mqtt_session() {
    let mut h = Harness::default();
    h.connect_v5_persistent(1, "five", 3600);
    h.subscribe(1, "tk/five", QoS::AtMostOnce);
    h.connect(2, V311, "three", true);

    sn_connect(&mut h, DEV, "five", false, 0);
    let packets = h.received(1);
    assert_eq!(last_disconnect(&packets), ReasonCode::SessionTakenOver);
    assert!(h.closed(1));
    sn_connect(&mut h, OTHER, "three", true, 0);
    assert!(h.closed(2));

    // The 5.0 client's subscription is now the MQTT-SN client's.
    h.connect(3, V311, "pub", true);
    h.publish0(3, "tk/five", "to sn");
    let received = h.sn_received(DEV);
    let [Message::Register(r)] = received.as_slice() else {
        panic!("expected REGISTER, got {received:?}")
    };
    assert_eq!(r.topic_name.as_str(), "tk/five");
}

/// Takeover between two MQTT-SN addresses: the first is sent DISCONNECT.
#[test]
fn takeover_between_mqtt_sn_addresses() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    sn_connect(&mut h, OTHER, "dev", true, 0);
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    h.sn_send(OTHER, &Message::PingReq { client_id: None });
    assert_eq!(h.sn_received(OTHER), [Message::PingResp]);
}

// =======================================================================================
// Addresses, discovery, forwarders (SN-GW-14, SN-GW-11, SN-ENC-2, SN-HDR-7)
// =======================================================================================

/// SN-GW-14: a connection-bound message from an address with no client is answered with
/// DISCONNECT.
#[test]
fn sn_gw_14_message_from_unknown_address_gets_disconnect() {
    let mut h = Harness::default();
    let messages = [
        publish_msg(SnQos::AtLeastOnce, TopicId::Normal(1), 1, b"x"),
        publish_msg(SnQos::AtMostOnce, TopicId::Short(*b"ab"), 0, b"x"),
        Message::Register(sn::Register {
            topic_id: 0,
            msg_id: 1,
            topic_name: text("a/b"),
        }),
        Message::Subscribe(sn::Subscribe {
            dup: false,
            qos: SnQos::AtMostOnce,
            msg_id: 1,
            topic: name("a/b"),
        }),
        Message::PingReq { client_id: None },
        Message::PubAck {
            topic_id: 1,
            msg_id: 1,
            return_code: ReturnCode::Accepted,
        },
        Message::Disconnect { duration: None },
    ];
    for message in &messages {
        h.sn_send(DEV, message);
        assert_eq!(h.sn_received(DEV), [disconnect()], "{message:?}");
    }
    assert_eq!(h.stats().connections, 0);
}

/// SN-GW-11: SEARCHGW is answered with GWINFO carrying the gateway id.
#[test]
fn sn_gw_11_searchgw_gets_gwinfo() {
    let mut h = Harness::new(config_with(|sn| sn.gw_id = 7));
    h.sn_send(DEV, &Message::SearchGw { radius: 0 });
    assert_eq!(
        h.sn_received(DEV),
        [Message::GwInfo {
            gw_id: 7,
            gw_addr: Bytes::new()
        }]
    );
}

/// SN-GW-11, SN-ENC-2: a SEARCHGW that came through a forwarder is answered in an envelope
/// whose radius is the SEARCHGW's (capped at the envelope's 3), so that the forwarder
/// broadcasts the GWINFO as far as the search went.
#[test]
fn sn_gw_11_a_forwarded_searchgw_gets_gwinfo_within_its_radius() {
    let mut h = Harness::new(config_with(|sn| sn.gw_id = 7));
    for (asked, expected) in [(0u8, 0u8), (2, 2), (3, 3), (9, 3)] {
        let inner = Message::<&[u8]>::SearchGw { radius: asked }
            .to_vec()
            .unwrap();
        let wrapped = Message::Encapsulated(Encapsulated {
            radius: 0,
            node_id: &[0x12, 0x34][..],
            message: &inner[..],
        })
        .to_vec()
        .unwrap();
        h.sn_send_bytes(FORWARDER, &wrapped);
        let received = h.sn_received(FORWARDER);
        let [Message::Encapsulated(e)] = received.as_slice() else {
            panic!("expected an envelope, got {received:?}")
        };
        assert_eq!(e.radius, expected, "SEARCHGW radius {asked}");
        assert_eq!(&e.node_id[..], &[0x12, 0x34]);
        assert_eq!(
            e.inner().unwrap(),
            Message::GwInfo {
                gw_id: 7,
                gw_addr: &[][..]
            }
        );
    }
}

/// SN-GW-11: ADVERTISE goes out at the first tick and then every advertise_interval, and
/// next_deadline says when.
#[test]
fn sn_gw_11_advertise_on_interval() {
    let mut h = Harness::new(config_with(|sn| {
        sn.gw_id = 3;
        sn.advertise_interval = Some(900);
    }));
    assert_eq!(h.advance_to_deadline(), 0);
    let ads = h.sn_advertisements();
    assert_eq!(ads.len(), 1);
    assert_eq!(
        sn::parse(&ads[0]).expect("an ADVERTISE"),
        Message::Advertise {
            gw_id: 3,
            duration: 900
        }
    );
    assert_eq!(h.broker.next_deadline(), Some(900_000));
    h.advance(899_999);
    assert!(h.sn_advertisements().is_empty());
    assert_eq!(h.advance_to_deadline(), 900_000);
    assert_eq!(h.sn_advertisements().len(), 1);
    assert_eq!(h.broker.next_deadline(), Some(1_800_000));
}

/// SN-GW-11: without advertise_interval no ADVERTISE is sent and the gateway sets no
/// deadline.
#[test]
fn sn_gw_11_no_advertise_without_interval() {
    let mut h = Harness::default();
    assert_eq!(h.broker.next_deadline(), None);
    h.advance(3_600_000);
    assert!(h.sn_advertisements().is_empty());
}

/// SN-GW-11: ADVERTISE and GWINFO from another gateway are not answered.
#[test]
fn sn_gw_11_other_gateways_announcements_are_ignored() {
    let mut h = Harness::default();
    h.sn_send(
        DEV,
        &Message::Advertise {
            gw_id: 9,
            duration: 60,
        },
    );
    h.sn_send(
        DEV,
        &Message::GwInfo {
            gw_id: 9,
            gw_addr: &[][..],
        },
    );
    assert!(h.sn_received(DEV).is_empty());
}

/// SN-ENC-2: a CONNECT encapsulated by a forwarder is answered inside an envelope with the
/// same wireless node id; deliveries to that client are encapsulated too, and another node
/// behind the same forwarder is another client.
#[test]
fn sn_enc_2_forwarded_connect_is_answered_in_envelope() {
    let mut h = Harness::default();
    let wrap = |node: &[u8], message: &Message<&[u8]>| -> Vec<u8> {
        let inner = message.to_vec().unwrap();
        Message::Encapsulated(Encapsulated {
            radius: 0,
            node_id: node,
            message: &inner[..],
        })
        .to_vec()
        .unwrap()
    };
    let unwrap = |received: Vec<Sn>, node: &[u8]| -> Vec<Message<Bytes>> {
        received
            .into_iter()
            .map(|m| match m {
                Message::Encapsulated(e) => {
                    assert_eq!(&e.node_id[..], node);
                    e.inner().expect("a valid inner message").to_owned()
                }
                other => panic!("expected an envelope, got {other:?}"),
            })
            .collect()
    };
    let node_a: &[u8] = &[0xA1, 0xA2];
    let node_b: &[u8] = &[0xB1, 0xB2, 0xB3];

    h.sn_send_bytes(
        FORWARDER,
        &wrap(node_a, &connect_msg("node-a", true, 0, false)),
    );
    assert_eq!(
        unwrap(h.sn_received(FORWARDER), node_a),
        [connack(ReturnCode::Accepted)]
    );
    h.sn_send_bytes(
        FORWARDER,
        &wrap(node_b, &connect_msg("node-b", true, 0, false)),
    );
    assert_eq!(
        unwrap(h.sn_received(FORWARDER), node_b),
        [connack(ReturnCode::Accepted)]
    );

    h.sn_send_bytes(
        FORWARDER,
        &wrap(
            node_a,
            &Message::Subscribe(sn::Subscribe {
                dup: false,
                qos: SnQos::AtMostOnce,
                msg_id: 1,
                topic: SubscribeTopic::Short(*b"fw"),
            }),
        ),
    );
    assert!(matches!(
        unwrap(h.sn_received(FORWARDER), node_a).as_slice(),
        [Message::SubAck {
            msg_id: 1,
            return_code: ReturnCode::Accepted,
            ..
        }]
    ));
    h.connect(1, V311, "pub", true);
    h.publish0(1, "fw", "via forwarder");
    let got_a = unwrap(h.sn_received(FORWARDER), node_a);
    assert_eq!(sn_payloads(&got_a), ["via forwarder"]);

    // The forwarder's own address, unwrapped, is no client.
    h.sn_send(FORWARDER, &Message::PingReq { client_id: None });
    assert_eq!(h.sn_received(FORWARDER), [disconnect()]);
}

/// SN-HDR-7: a message from the wrong direction (one only a gateway sends) from a connected
/// client is dropped: nothing answered, the client still connected.
#[test]
fn sn_hdr_7_wrong_direction_message_is_dropped() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    let wrong: [Sn; 5] = [
        connack(ReturnCode::Accepted),
        Message::WillTopicReq,
        Message::PingResp,
        Message::SubAck {
            qos: SnQos::AtMostOnce,
            topic_id: 0,
            msg_id: 1,
            return_code: ReturnCode::Accepted,
        },
        Message::WillTopicResp {
            return_code: ReturnCode::Accepted,
        },
    ];
    for message in &wrong {
        h.sn_send(DEV, &message.as_view());
        assert!(h.sn_received(DEV).is_empty(), "{message:?}");
    }
    h.sn_send(DEV, &Message::PingReq { client_id: None });
    assert_eq!(h.sn_received(DEV), [Message::PingResp]);
}

// =======================================================================================
// Refused datagrams (SN-CON-1, SN-HDR-4, SN-HDR-6)
// =======================================================================================

/// SN-CON-1, SN-CON-4: a CONNECT with ProtocolId 0x02 is refused with CONNACK "not
/// supported" (0x03), and no client is connected.
#[test]
fn sn_con_1_wrong_protocol_id_gets_connack_not_supported() {
    let mut h = Harness::default();
    // Length 8, CONNECT, CleanSession, ProtocolId 0x02, duration 60, "ab".
    h.sn_send_bytes(DEV, &[0x08, 0x04, 0x04, 0x02, 0x00, 0x3C, b'a', b'b']);
    assert_eq!(h.sn_received(DEV), [connack(ReturnCode::NotSupported)]);
    assert_eq!(h.stats().connections, 0);
    // A ClientId over 23 characters is refused the same way (SN-FLD-2).
    let mut long = vec![0, 0x04, 0x04, 0x01, 0x00, 0x3C];
    long.extend_from_slice(&[b'x'; 24]);
    long[0] = long.len() as u8;
    h.sn_send_bytes(DEV, &long);
    assert_eq!(h.sn_received(DEV), [connack(ReturnCode::NotSupported)]);
}

/// SN-HDR-4, SN-HDR-6: a datagram refused without an answer is dropped: nothing is sent.
#[test]
fn sn_hdr_4_malformed_datagram_is_dropped_silently() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    for datagram in [
        &[0x05, 0x16][..],       // Length says 5, 2 octets (SN-HDR-4)
        &[0x02, 0x03][..],       // reserved MsgType 0x03 (SN-HDR-6)
        &[0x01][..],             // too short (SN-HDR-5)
        &[0x03, 0x16, 0x00][..], // PINGREQ with ClientId "\0" (SN-FLD-2)
    ] {
        h.sn_send_bytes(DEV, datagram);
        assert!(h.sn_received(DEV).is_empty(), "{datagram:02X?}");
    }
    // Also from an unknown address.
    h.sn_send_bytes(OTHER, &[0x05, 0x16]);
    assert!(h.sn_received(OTHER).is_empty());
    // The client is untouched.
    h.sn_send(DEV, &Message::PingReq { client_id: None });
    assert_eq!(h.sn_received(DEV), [Message::PingResp]);
}

// =======================================================================================
// Retransmission (SN-GW-12)
// =======================================================================================

/// SN-GW-12: a QoS 1 PUBLISH the client does not acknowledge is sent again every T_retry
/// (10 s) with DUP set, three times; then the client is lost (DISCONNECT, will published).
#[test]
fn sn_gw_12_unacknowledged_publish_is_resent_with_dup_then_client_is_lost() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    sn_connect_with_will(
        &mut h,
        DEV,
        "dev",
        0,
        "wills/dev",
        SnQos::AtMostOnce,
        b"lost",
    );
    let (topic_id, _) = sn_subscribe(&mut h, DEV, 1, name("rt/a"), SnQos::AtLeastOnce);
    h.connect(2, V311, "pub", true);
    h.publish1(2, "rt/a", "hello", 5);
    let first = only_sn_publish(h.sn_received(DEV));
    assert_eq!((first.topic, first.dup), (TopicId::Normal(topic_id), false));
    for _ in 0..3 {
        h.advance(9_999);
        assert!(h.sn_received(DEV).is_empty(), "not before T_retry");
        h.advance(1);
        let again = only_sn_publish(h.sn_received(DEV));
        assert!(again.dup, "a retransmission carries DUP");
        assert_eq!(
            (again.msg_id, &again.data[..]),
            (first.msg_id, &b"hello"[..])
        );
    }
    h.advance(10_000);
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    assert_eq!(h.payloads(1), ["lost"]);
}

/// SN-GW-12: an acknowledged PUBLISH is not sent again.
#[test]
fn sn_gw_12_acknowledged_publish_is_not_resent() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    sn_subscribe(&mut h, DEV, 1, name("rt/a"), SnQos::AtLeastOnce);
    h.connect(2, V311, "pub", true);
    h.publish1(2, "rt/a", "hello", 5);
    let p = only_sn_publish(h.sn_received(DEV));
    h.sn_send(
        DEV,
        &Message::PubAck {
            topic_id: u16::from_be_bytes(p.topic.field()),
            msg_id: p.msg_id,
            return_code: ReturnCode::Accepted,
        },
    );
    h.advance(60_000);
    assert!(h.sn_received(DEV).is_empty());
}

/// SN-GW-12: the gateway's own REGISTER and the will prompts are sent again until answered.
#[test]
fn sn_gw_12_register_and_will_prompts_are_resent() {
    let mut h = Harness::default();
    h.sn_send(DEV, &connect_msg("dev", true, 0, true));
    assert_eq!(h.sn_received(DEV), [Message::WillTopicReq]);
    h.advance(10_000);
    assert_eq!(h.sn_received(DEV), [Message::WillTopicReq]);
    h.sn_send(DEV, &Message::WillTopic(None));
    assert_eq!(h.sn_received(DEV), [connack(ReturnCode::Accepted)]);
    h.advance(10_000);
    assert!(h.sn_received(DEV).is_empty(), "the prompt was answered");

    sn_subscribe(&mut h, DEV, 1, name("rt/#"), SnQos::AtMostOnce);
    h.connect(2, V311, "pub", true);
    h.publish0(2, "rt/x", "m");
    let got = h.sn_received(DEV);
    let [Message::Register(r)] = got.as_slice() else {
        panic!("expected a REGISTER, got {got:?}")
    };
    let msg_id = r.msg_id;
    h.advance(10_000);
    let got = h.sn_received(DEV);
    assert!(
        matches!(got.as_slice(), [Message::Register(again)] if again.msg_id == msg_id),
        "{got:?}"
    );
}

// =======================================================================================
// Found by a black-box audit of the gateway
// =======================================================================================

/// SN-PNG-1: a PINGREQ naming a client that is awake is an ordinary PINGREQ of the sender:
/// it moves nobody, and each client keeps its address and its topics.
#[test]
fn sn_png_1_pingreq_naming_an_awake_client_moves_nobody() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    sn_subscribe(&mut h, DEV, 1, name("h/a"), SnQos::AtMostOnce);
    sn_connect(&mut h, OTHER, "other", true, 0);
    sn_subscribe(&mut h, OTHER, 1, name("h/b"), SnQos::AtMostOnce);
    assert_eq!(sn_wake(&mut h, OTHER, "dev"), [Message::PingResp]);

    h.connect(1, V311, "pub", true);
    h.publish0(1, "h/a", "for dev");
    h.publish0(1, "h/b", "for other");
    assert_eq!(sn_payloads(&h.sn_received(DEV)), ["for dev"]);
    assert_eq!(sn_payloads(&h.sn_received(OTHER)), ["for other"]);
    // A sender with no client of its own is not connected.
    assert_eq!(sn_wake(&mut h, FORWARDER, "dev"), [disconnect()]);
    // A connected client naming nobody known gets its PINGRESP, not a DISCONNECT that
    // would tell it its connection ended, and stays connected.
    assert_eq!(sn_wake(&mut h, DEV, "nobody"), [Message::PingResp]);
    assert_eq!(sn_wake(&mut h, FORWARDER, "nobody"), [disconnect()]);
    h.publish0(1, "h/a", "still there");
    assert_eq!(sn_payloads(&h.sn_received(DEV)), ["still there"]);
    h.sn_send(DEV, &Message::PingReq { client_id: None });
    assert_eq!(h.sn_received(DEV), [Message::PingResp]);
}

/// SN-GW-10, SN-GW-2: the subscriptions of a client that connected with CleanSession 1 stay
/// after its DISCONNECT, for its next CONNECT with CleanSession 0.
#[test]
fn sn_gw_10_clean_session_state_outlives_a_disconnect() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 0);
    sn_subscribe(&mut h, DEV, 1, name("q/+"), SnQos::AtMostOnce);
    h.sn_send(DEV, &Message::Disconnect { duration: None });
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    sn_connect(&mut h, DEV, "dev", false, 0);

    h.connect(1, V311, "pub", true);
    h.publish0(1, "q/a", "kept");
    accept_register(&mut h, DEV);
    assert_eq!(sn_payloads(&h.sn_received(DEV)), ["kept"]);

    // CleanSession 1 clears them.
    sn_connect(&mut h, DEV, "dev", true, 0);
    h.publish0(1, "q/a", "gone");
    assert!(h.sn_received(DEV).is_empty());
}

/// SN-GW-9, SN-GW-2, §5.3.4: a message buffered for a sleeping client that wakes with
/// CONNECT (CleanSession 0) is delivered, and with DUP 0: the client never had it.
#[test]
fn sn_gw_9_a_message_buffered_in_sleep_survives_connect_and_is_not_a_duplicate() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 60);
    sn_subscribe(&mut h, DEV, 1, name("df/+"), SnQos::AtLeastOnce);
    sn_sleep(&mut h, DEV, 300);
    h.connect(1, V311, "pub", true);
    h.publish1(1, "df/a", "first", 1);
    assert!(h.sn_received(DEV).is_empty(), "asleep");

    h.sn_send(DEV, &connect_msg("dev", false, 60, false));
    let received = h.sn_received(DEV);
    let [Message::ConnAck {
        return_code: ReturnCode::Accepted,
    }, Message::Register(r)] = received.as_slice()
    else {
        panic!("expected CONNACK and REGISTER, got {received:?}")
    };
    let (topic_id, msg_id) = (r.topic_id, r.msg_id);
    sn_regack(&mut h, DEV, topic_id, msg_id, ReturnCode::Accepted);
    let p = only_sn_publish(h.sn_received(DEV));
    assert_eq!(
        (&p.data[..], p.qos, p.dup),
        (&b"first"[..], SnQos::AtLeastOnce, false)
    );
}

/// SN-SUB-2: the topic id a SUBACK gives for a name is the one its PUBLISHes carry, even
/// when the name also has a predefined id the client was never told of.
#[test]
fn sn_sub_2_subscribe_by_name_of_a_predefined_topic_uses_the_suback_id() {
    let mut h = predefined_harness();
    sn_connect(&mut h, DEV, "dev", true, 0);
    let (id, _) = sn_subscribe(&mut h, DEV, 1, name("pre/one"), SnQos::AtMostOnce);
    assert_ne!(id, 0);
    h.connect(1, V311, "pub", true);
    h.publish0(1, "pre/one", "by id");
    let p = only_sn_publish(h.sn_received(DEV));
    assert_eq!((p.topic, &p.data[..]), (TopicId::Normal(id), &b"by id"[..]));
}

/// SN-MSG-1, SN2-21: a malformed datagram from an address bound to a 1.2 client is dropped,
/// not read as the 2.0 packet its type means there (a 4-octet PUBLISH is a 2.0 PINGREQ,
/// which was answered with a 1.2 PINGRESP).
#[test]
fn sn_msg_1_a_malformed_1_2_datagram_is_not_read_as_2_0() {
    let mut h = Harness::default();
    sn_connect(&mut h, DEV, "dev", true, 60);
    h.sn_send_bytes(DEV, &[0x04, 0x0C, 0x00, 0x0A]);
    assert!(h.sn_received(DEV).is_empty());
}

// =======================================================================================
// From a review of the gateway
// =======================================================================================

/// SN-GW-9, SN-GW-13: a full sleep buffer drops QoS 0 messages only; a QoS 1 one is in
/// flight in the session and waits for the client whatever the buffer holds.
#[test]
fn sn_gw_9_a_full_sleep_buffer_drops_qos0_but_keeps_qos1() {
    let mut h = Harness::new(config_with(|sn| sn.max_sleep_buffer = 2));
    sn_connect(&mut h, DEV, "dev", true, 60);
    sn_subscribe(&mut h, DEV, 1, name("s/a"), SnQos::AtLeastOnce);
    sn_sleep(&mut h, DEV, 300);

    h.connect(1, V311, "pub", true);
    let dropped = h.stats().messages_dropped;
    h.publish0(1, "s/a", "1");
    h.publish0(1, "s/a", "2");
    h.publish1(1, "s/a", "q", 1);
    h.publish0(1, "s/a", "3");
    assert_eq!(
        h.stats().messages_dropped,
        dropped + 1,
        "only the QoS 0 past the bound"
    );
    let received = sn_wake(&mut h, DEV, "dev");
    assert_eq!(sn_payloads(&received), ["1", "2", "q"]);
}

/// SN-GW-5: a message not delivered (too large for the network) leaves its topic name
/// unregistered: the next message on it is preceded by its REGISTER.
#[test]
fn sn_gw_5_a_delivery_dropped_for_size_leaves_its_name_unregistered() {
    let mut h = Harness::new(config_with(|sn| sn.max_datagram = 20));
    sn_connect(&mut h, DEV, "dev", true, 0);
    sn_subscribe(&mut h, DEV, 1, name("big/+"), SnQos::AtMostOnce);
    h.connect(1, V311, "pub", true);
    h.publish0(1, "big/a", &"x".repeat(40));
    assert!(h.sn_received(DEV).is_empty(), "too large: not delivered");
    h.publish0(1, "big/a", "ok");
    let (topic_id, name) = accept_register(&mut h, DEV);
    assert_eq!(name, "big/a");
    let p = only_sn_publish(h.sn_received(DEV));
    assert_eq!(
        (p.topic, &p.data[..]),
        (TopicId::Normal(topic_id), &b"ok"[..])
    );
}

/// "dev" connects with CleanSession 0 and the will `message` on `wills/dev`, then
/// disconnects normally: the will is kept for its next CONNECT (SN-GW-10).
fn will_kept_for_next_connect(h: &mut Harness, message: &[u8]) {
    h.sn_send(DEV, &connect_msg("dev", false, 10, true));
    assert_eq!(h.sn_received(DEV), [Message::WillTopicReq]);
    h.sn_send(
        DEV,
        &Message::WillTopic(will_topic("wills/dev", SnQos::AtMostOnce)),
    );
    assert_eq!(h.sn_received(DEV), [Message::WillMsgReq]);
    h.sn_send(DEV, &Message::WillMsg { message });
    assert_eq!(h.sn_received(DEV), [connack(ReturnCode::Accepted)]);
    h.sn_send(DEV, &Message::Disconnect { duration: None });
    assert_eq!(h.sn_received(DEV), [disconnect()]);
}

/// SN-GW-2, SN-WIL-1: a CleanSession 0 CONNECT with the Will flag and an empty WILLTOPIC
/// deletes the will: the one kept from the last connection is not published.
#[test]
fn sn_gw_2_an_empty_will_topic_deletes_the_kept_will() {
    let mut h = Harness::default();
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    will_kept_for_next_connect(&mut h, b"bye");

    h.sn_send(DEV, &connect_msg("dev", false, 10, true));
    assert_eq!(h.sn_received(DEV), [Message::WillTopicReq]);
    h.sn_send(DEV, &Message::WillTopic(None));
    assert_eq!(h.sn_received(DEV), [connack(ReturnCode::Accepted)]);
    h.advance(15_000);
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    assert!(h.publishes(1).is_empty(), "the will was deleted");
}

/// Whether the will kept at a DISCONNECT is published when the client, reconnecting with
/// CleanSession 0 and no Will flag after its session expired (seen by a tick, or not yet:
/// `ticked`), is lost.
fn expired_kept_will_published(ticked: bool) -> bool {
    let mut h = Harness::new(BrokerConfig {
        max_session_expiry: Some(5),
        ..BrokerConfig::default()
    });
    h.connect(1, V311, "watcher", true);
    h.subscribe(1, "wills/#", QoS::AtMostOnce);
    will_kept_for_next_connect(&mut h, b"old");
    if ticked {
        h.advance(10_000);
    } else {
        h.advance_unticked(10_000);
    }
    sn_connect(&mut h, DEV, "dev", false, 10);
    h.advance(15_000);
    assert_eq!(h.sn_received(DEV), [disconnect()]);
    !h.publishes(1).is_empty()
}

/// SN-GW-10: the will kept for a CleanSession 0 reconnect ends with its session: after
/// the session expired, a CONNECT without the Will flag starts with no will.
#[test]
fn sn_gw_10_a_kept_will_ends_with_its_session() {
    assert!(
        !expired_kept_will_published(true),
        "the expired session's will is gone"
    );
}

/// SN-GW-10 with [MQTT-4.1.0-2]: the same when the CONNECT comes after the expiry but before
/// a tick has shown it: the session ends first, and its kept will with it (it was handed to
/// the new session).
#[test]
fn sn_gw_10_a_kept_will_ends_with_its_session_even_before_the_tick() {
    assert!(
        !expired_kept_will_published(false),
        "the expired session's will is gone"
    );
}

/// SN-GW-4: a client's topic table is bounded: past `max_topics` names a REGISTER is
/// answered 0x01 Congestion, and the names it holds still work.
#[test]
fn sn_gw_4_registers_past_the_topic_table_bound_get_congestion() {
    let mut h = Harness::new(config_with(|sn| sn.max_topics = 2));
    sn_connect(&mut h, DEV, "dev", true, 0);
    let a = register(&mut h, DEV, 1, "t/a");
    register(&mut h, DEV, 2, "t/b");
    h.sn_send(
        DEV,
        &Message::Register(sn::Register {
            topic_id: 0,
            msg_id: 3,
            topic_name: text("t/c"),
        }),
    );
    assert_eq!(
        h.sn_received(DEV),
        [Message::RegAck {
            topic_id: 0,
            msg_id: 3,
            return_code: ReturnCode::Congestion
        }]
    );
    assert_eq!(
        register(&mut h, DEV, 4, "t/a"),
        a,
        "a name it holds is answered"
    );
    // A SUBSCRIBE to a new name, whose messages could never be delivered, is refused.
    h.sn_send(
        DEV,
        &Message::Subscribe(sn::Subscribe {
            dup: false,
            qos: SnQos::AtMostOnce,
            msg_id: 5,
            topic: name("t/d"),
        }),
    );
    assert_eq!(
        h.sn_received(DEV),
        [Message::SubAck {
            qos: SnQos::AtMostOnce,
            topic_id: 0,
            msg_id: 5,
            return_code: ReturnCode::Congestion
        }]
    );
    h.connect(1, V311, "pub", true);
    h.publish0(1, "t/d", "never");
    assert!(h.sn_received(DEV).is_empty(), "not subscribed");
}

/// SN-GW-7: a retained QoS −1 PUBLISH is refused when the broker offers no retained
/// messages, as an MQTT client's would be.
#[test]
fn sn_gw_7_a_retained_qos_minus_one_publish_needs_retain_available() {
    let mut config = BrokerConfig {
        retain_available: false,
        ..BrokerConfig::default()
    };
    config.mqttsn.predefined = BTreeMap::from([(1, "pre/one".to_string())]);
    let mut h = Harness::new(config);
    let mut p = publish_msg(SnQos::WithoutConnection, TopicId::Predefined(1), 0, b"kept");
    if let Message::Publish(p) = &mut p {
        p.retain = true;
    }
    h.sn_send(DEV, &p);
    h.connect(1, V311, "late", true);
    h.subscribe(1, "pre/one", QoS::AtMostOnce);
    assert!(h.publishes(1).is_empty(), "nothing retained");
}

/// SN-GW-1, X18: a WILLTOPIC refused (QoS −1 for a will) ends the connection being made:
/// CONNACK 0x03, and no WILLTOPICREQ comes again.
#[test]
fn sn_gw_1_a_refused_will_topic_ends_the_connect() {
    let mut h = Harness::default();
    h.sn_send(DEV, &connect_msg("dev", true, 60, true));
    assert_eq!(h.sn_received(DEV), [Message::WillTopicReq]);
    h.sn_send_bytes(DEV, &[0x06, 0x07, 0x60, b'w', b'/', b'x']);
    assert_eq!(h.sn_received(DEV), [connack(ReturnCode::NotSupported)]);
    assert!(!h.broker.sn_peer_in_use(DEV), "nothing kept for it");
    h.advance(25_000);
    assert!(h.sn_received(DEV).is_empty(), "no prompt again");
}

/// Flow control does not pause a gateway client (its datagrams share the one socket): one
/// publishing into a backlog over the mark is still read, acknowledged, and lost on its
/// keep alive when it goes silent.
#[test]
fn a_publishing_gateway_client_is_never_paused_and_keeps_its_keep_alive() {
    let mut h = Harness::new(BrokerConfig {
        max_backlog: 2,
        max_queued: 1000,
        ..BrokerConfig::default()
    });
    let mut slow = connect_packet(V5, "slow", true);
    slow.properties.receive_maximum = Some(1);
    h.connect_with(1, slow);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    sn_connect(&mut h, DEV, "dev", true, 10);
    let id = register(&mut h, DEV, 1, "t");
    for msg_id in 2..8u16 {
        h.sn_send(
            DEV,
            &publish_msg(SnQos::AtLeastOnce, TopicId::Normal(id), msg_id, b"x"),
        );
        let acked = h.sn_received(DEV);
        assert!(
            matches!(&acked[..], [Message::PubAck { msg_id: m, return_code: ReturnCode::Accepted, .. }] if *m == msg_id),
            "{acked:?}"
        );
    }
    assert!(h.broker.backlog() > 2, "over the mark");
    h.advance(16_000);
    assert_eq!(h.sn_received(DEV), [disconnect()], "lost on its keep alive");
}

/// SN-ENC-2, X11: the refusal of a forwarded message (a CONNECT whose ClientId is too
/// long) goes back in an envelope to the node that sent it.
#[test]
fn sn_enc_2_a_refused_forwarded_connect_is_answered_in_an_envelope() {
    let mut h = Harness::default();
    let node: &[u8] = &[0x12, 0x34];
    // CONNECT, CleanSession, protocol 1, duration 0, a 24-octet ClientId (the encoder
    // refuses to make it).
    let mut inner = vec![30, 0x04, 0x04, 0x01, 0x00, 0x00];
    inner.extend_from_slice(&[b'x'; 24]);
    let mut datagram = vec![3 + node.len() as u8, 0xFE, 0x00];
    datagram.extend_from_slice(node);
    datagram.extend_from_slice(&inner);
    h.sn_send_bytes(FORWARDER, &datagram);
    let received = h.sn_received(FORWARDER);
    let [Message::Encapsulated(e)] = received.as_slice() else {
        panic!("expected an envelope, got {received:?}")
    };
    assert_eq!(&e.node_id[..], node);
    assert_eq!(
        e.inner().unwrap().to_owned(),
        connack(ReturnCode::NotSupported)
    );
}
