//! The gateway with MQTT-SN 2.0 clients (the OASIS draft), over the fake clock: the version
//! learnt from CONNECT, publishes both ways beside MQTT and 1.2 clients, REGISTER and
//! session aliases, SLEEPREQ and the wake-up, keep alive and the will, the refusals.

mod support_broker;

use bytes::Bytes;
use mqtt_codec::broker::{BrokerConfig, SnPeer};
use mqtt_codec::sn::v2::{self, Ack, AliasKind, Packet, Topic};
use mqtt_codec::{MqttStr, QoS};
use support_broker::*;

type Out = Packet<Bytes>;

fn text(s: &str) -> MqttStr<&[u8]> {
    MqttStr::try_new(s.as_bytes()).unwrap()
}

fn connect<'a>(
    client_id: &'a str,
    keep_alive: u16,
    will: Option<v2::Will<&'a [u8]>>,
) -> Packet<&'a [u8]> {
    Packet::Connect(v2::Connect {
        clean_start: true,
        address_may_change: false,
        server_may_suggest: false,
        packet_id: 7,
        protocol_version: 2,
        keep_alive,
        max_packet_size: 0,
        default_awake_messages: None,
        session_expiry: None,
        will,
        auth: None,
        client_id: MqttStr::try_new(client_id.as_bytes()).unwrap(),
    })
}

fn connected(h: &mut Harness, peer: SnPeer, client_id: &str) {
    h.sn2_send(peer, &connect(client_id, 60, None));
    let got = h.sn2_received(peer);
    assert!(
        matches!(&got[..], [Packet::ConnAck(a)] if a.reason_code == 0 && a.packet_id == 7),
        "{got:?}"
    );
}

fn subscribe(packet_id: u16, topic: Topic<&[u8]>, qos: QoS) -> Packet<&[u8]> {
    Packet::Subscribe(v2::Subscribe {
        no_local: false,
        qos,
        retain_as_published: false,
        retain_handling: 0,
        packet_id,
        topic,
    })
}

fn publish<'a>(
    topic: Topic<&'a [u8]>,
    qos: QoS,
    packet_id: Option<u16>,
    payload: &'a [u8],
) -> Packet<&'a [u8]> {
    Packet::Publish(v2::Publish {
        dup: false,
        qos,
        retain: false,
        topic,
        packet_id,
        payload,
    })
}

fn payloads(packets: &[Out]) -> Vec<Vec<u8>> {
    packets
        .iter()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some(p.payload.to_vec()),
            _ => None,
        })
        .collect()
}

/// SN2-21: a 2.0 CONNECT is answered in 2.0, with the CONNECT's packet id; an empty client
/// id gets an assigned one.
#[test]
fn sn2_21_a_2_0_connect_is_answered_in_2_0() {
    let mut h = Harness::default();
    connected(&mut h, 1, "dev1");
    h.sn2_send(2, &connect("", 60, None));
    let got = h.sn2_received(2);
    let [Packet::ConnAck(a)] = &got[..] else {
        panic!("{got:?}")
    };
    assert!(a
        .assigned_client_id
        .as_ref()
        .is_some_and(|id| !id.is_empty()));
}

/// SN2-8: a Session Expiry Interval the gateway cut (`max_session_expiry`) is in the
/// CONNACK, as a 5.0 CONNACK says it; one kept as asked is not.
#[test]
fn sn2_8_a_cut_session_expiry_is_told_in_connack() {
    let mut h = Harness::new(mqtt_codec::broker::BrokerConfig {
        max_session_expiry: Some(3),
        ..Default::default()
    });
    for (asked, told) in [(100, Some(3)), (2, None)] {
        let Packet::Connect(mut c) = connect("dev1", 60, None) else {
            unreachable!()
        };
        c.session_expiry = Some(asked);
        h.sn2_send(1, &Packet::Connect(c));
        let got = h.sn2_received(1);
        let [Packet::ConnAck(a)] = &got[..] else {
            panic!("{got:?}")
        };
        assert_eq!(a.session_expiry, told, "asked for {asked} s");
    }
}

/// A 2.0 client publishes by name at QoS 1 to an MQTT subscriber; the PUBACK echoes the
/// packet id with reason 0x10 or 0x00.
#[test]
fn a_2_0_publish_by_name_reaches_an_mqtt_subscriber() {
    let mut h = Harness::default();
    h.open(10, V5);
    h.connect(10, V5, "watcher", true);
    h.subscribe(10, "sensors/#", QoS::AtLeastOnce);
    connected(&mut h, 1, "dev1");
    h.sn2_send(
        1,
        &publish(
            Topic::Name(text("sensors/t")),
            QoS::AtLeastOnce,
            Some(3),
            b"21.5",
        ),
    );
    assert_eq!(h.payloads(10), vec!["21.5".to_string()]);
    let got = h.sn2_received(1);
    assert!(
        matches!(
            &got[..],
            [Packet::PubAck(Ack {
                packet_id: 3,
                reason_code: 0
            })]
        ),
        "{got:?}"
    );
}

/// SN2-12: REGISTER gives a session alias, which later PUBLISHes use both ways.
#[test]
fn sn2_12_register_gives_a_session_alias_used_both_ways() {
    let mut h = Harness::default();
    h.open(10, V311);
    h.connect(10, V311, "watcher", true);
    h.subscribe(10, "a/b", QoS::AtMostOnce);
    connected(&mut h, 1, "dev1");
    h.sn2_send(
        1,
        &Packet::Register(v2::Register {
            packet_id: 4,
            alias: None,
            topic_name: text("a/b"),
        }),
    );
    let got = h.sn2_received(1);
    let [Packet::RegAck(r)] = &got[..] else {
        panic!("{got:?}")
    };
    assert_eq!(
        (r.packet_id, r.kind, r.reason_code),
        (4, AliasKind::Session, 0)
    );
    let alias = r.alias.expect("an alias");
    h.sn2_send(
        1,
        &publish(Topic::Alias(alias), QoS::AtMostOnce, None, b"x"),
    );
    assert_eq!(h.payloads(10), vec!["x".to_string()]);
    // Subscribed by the same name, the client is sent the alias, not the name.
    h.sn2_send(1, &subscribe(5, Topic::Name(text("a/b")), QoS::AtMostOnce));
    let got = h.sn2_received(1);
    assert!(
        matches!(&got[..], [Packet::SubAck(s)] if s.alias == Some(alias) && s.reason_code == 0),
        "{got:?}"
    );
    h.publish0(10, "a/b", "back");
    let got = h.sn2_received(1);
    assert!(
        matches!(&got[..], [Packet::Publish(p)] if p.topic == Topic::Alias(alias) && &p.payload[..] == b"back"),
        "{got:?}"
    );
}

/// A wildcard subscription: the PUBLISH names its topic in full (2.0 allows it, no REGISTER).
#[test]
fn a_wildcard_subscriber_gets_the_topic_name() {
    let mut h = Harness::default();
    connected(&mut h, 1, "dev1");
    h.sn2_send(
        1,
        &subscribe(2, Topic::Name(text("cmd/#")), QoS::AtLeastOnce),
    );
    let got = h.sn2_received(1);
    assert!(
        matches!(&got[..], [Packet::SubAck(s)] if s.alias.is_none() && s.reason_code == 1),
        "{got:?}"
    );
    h.open(10, V5);
    h.connect(10, V5, "ctl", true);
    h.publish1(10, "cmd/on", "go", 9);
    let got = h.sn2_received(1);
    let [Packet::Publish(p)] = &got[..] else {
        panic!("{got:?}")
    };
    assert!(matches!(&p.topic, Topic::Name(n) if n == "cmd/on"));
    assert_eq!((p.qos, &p.payload[..]), (QoS::AtLeastOnce, &b"go"[..]));
    let id = p.packet_id.expect("QoS 1 has an id");
    h.sn2_send(
        1,
        &Packet::PubAck(Ack {
            packet_id: id,
            reason_code: 0,
        }),
    );
}

/// 1.2 and 2.0 clients on the same gateway and topic.
#[test]
fn a_2_0_client_and_a_1_2_client_share_topics() {
    let mut h = Harness::default();
    connected(&mut h, 1, "new");
    h.sn2_send(
        1,
        &subscribe(2, Topic::Name(text("mix/#")), QoS::AtMostOnce),
    );
    h.sn2_received(1);
    // A 1.2 client publishes QoS -1 on a short name... under mix/ it needs a name: connect.
    let old = mqtt_codec::sn::Message::Connect(mqtt_codec::sn::Connect {
        will: false,
        clean_session: true,
        duration: 60,
        client_id: text("old"),
    });
    h.sn_send(2, &old);
    h.sn_received(2);
    let register = mqtt_codec::sn::Message::Register(mqtt_codec::sn::Register {
        topic_id: 0,
        msg_id: 1,
        topic_name: text("mix/a"),
    });
    h.sn_send(2, &register);
    let got = h.sn_received(2);
    let Some(mqtt_codec::sn::Message::RegAck { topic_id, .. }) = got.first() else {
        panic!("{got:?}")
    };
    let p = mqtt_codec::sn::Message::Publish(mqtt_codec::sn::Publish {
        dup: false,
        qos: mqtt_codec::sn::SnQos::AtMostOnce,
        retain: false,
        topic: mqtt_codec::sn::TopicId::Normal(*topic_id),
        msg_id: 0,
        data: &b"from 1.2"[..],
    });
    h.sn_send(2, &p);
    assert_eq!(payloads(&h.sn2_received(1)), vec![b"from 1.2".to_vec()]);
}

/// SN2-14: SLEEPREQ puts the client to sleep; messages wait; a PINGREQ delivers them, then
/// the PINGRESP.
#[test]
fn sn2_14_sleep_holds_messages_until_pingreq() {
    let mut h = Harness::default();
    connected(&mut h, 1, "dev1");
    h.sn2_send(1, &subscribe(2, Topic::Name(text("c/#")), QoS::AtMostOnce));
    h.sn2_received(1);
    h.sn2_send(
        1,
        &Packet::SleepReq {
            retain_aliases: true,
            packet_id: 3,
            duration: 600,
        },
    );
    let got = h.sn2_received(1);
    assert!(
        matches!(&got[..], [Packet::SleepResp { packet_id: 3, .. }]),
        "{got:?}"
    );
    h.open(10, V311);
    h.connect(10, V311, "ctl", true);
    h.publish0(10, "c/x", "one");
    h.publish0(10, "c/y", "two");
    assert!(h.sn2_received(1).is_empty(), "held while asleep");
    h.sn2_send(1, &Packet::PingReq { packet_id: 4 });
    let got = h.sn2_received(1);
    assert_eq!(payloads(&got), vec![b"one".to_vec(), b"two".to_vec()]);
    assert!(
        matches!(got.last(), Some(Packet::PingResp { packet_id: 4, .. })),
        "{got:?}"
    );
    h.publish0(10, "c/z", "three");
    assert!(h.sn2_received(1).is_empty(), "asleep again after PINGRESP");
}

/// Keep alive: a silent 2.0 client is lost after 1.5 times its keep alive; its will is
/// published and it is sent DISCONNECT 0x8D.
#[test]
fn a_silent_2_0_client_is_lost_and_its_will_published() {
    let mut h = Harness::default();
    h.open(10, V5);
    h.connect(10, V5, "watcher", true);
    h.subscribe(10, "wills/#", QoS::AtMostOnce);
    let will = v2::Will {
        qos: QoS::AtMostOnce,
        retain: false,
        topic: Topic::Name(text("wills/dev1")),
        payload: &b"gone"[..],
    };
    h.sn2_send(1, &connect("dev1", 10, Some(will)));
    h.sn2_received(1);
    h.advance(14_999);
    assert!(h.payloads(10).is_empty());
    h.advance(2);
    assert_eq!(h.payloads(10), vec!["gone".to_string()]);
    let got = h.sn2_received(1);
    assert!(
        matches!(&got[..], [Packet::Disconnect(d)] if d.reason_code == Some(0x8D)),
        "{got:?}"
    );
}

/// Enhanced authentication is not offered: CONNECT with an auth block gets CONNACK 0x8C.
#[test]
fn a_connect_with_authentication_is_refused_with_0x8c() {
    let mut h = Harness::default();
    let Packet::Connect(mut c) = connect("dev1", 60, None) else {
        unreachable!()
    };
    c.auth = Some(v2::AuthBlock {
        method: text("SCRAM-SHA-256"),
        data: &b"n,,n=user"[..],
    });
    h.sn2_send(1, &Packet::Connect(c));
    let got = h.sn2_received(1);
    assert!(
        matches!(&got[..], [Packet::ConnAck(a)] if a.reason_code == 0x8C),
        "{got:?}"
    );
}

/// SN2-17: a packet before CONNECT gets DISCONNECT 0xF4 (no virtual connection); a malformed
/// one from a connected client ends its virtual connection with 0x81.
#[test]
fn sn2_17_packets_without_a_connection_or_malformed_end_it() {
    let mut h = Harness::default();
    h.sn2_send(1, &Packet::PingReq { packet_id: 1 });
    let got = h.sn2_received(1);
    assert!(
        matches!(&got[..], [Packet::Disconnect(d)] if d.reason_code == Some(0xF4)),
        "{got:?}"
    );
    connected(&mut h, 2, "dev2");
    // DISCONNECT with a reserved flag bit: Malformed Packet.
    h.sn_send_bytes(2, &[0x03, 0x0E, 0x80]);
    let got = h.sn2_received(2);
    assert!(
        matches!(&got[..], [Packet::Disconnect(d)] if d.reason_code == Some(0x81)),
        "{got:?}"
    );
}

/// A predefined alias both ways, from the gateway's configuration.
#[test]
fn predefined_aliases_work_both_ways() {
    let mut config = BrokerConfig::default();
    config.mqttsn.predefined.insert(5, "plant/valve".into());
    let mut h = Harness::new(config);
    h.open(10, V311);
    h.connect(10, V311, "watcher", true);
    h.subscribe(10, "plant/#", QoS::AtMostOnce);
    connected(&mut h, 1, "dev1");
    h.sn2_send(
        1,
        &publish(Topic::Predefined(5), QoS::AtMostOnce, None, b"open"),
    );
    assert_eq!(h.payloads(10), vec!["open".to_string()]);
    h.sn2_send(1, &subscribe(2, Topic::Predefined(5), QoS::AtMostOnce));
    h.sn2_received(1);
    h.publish0(10, "plant/valve", "close");
    let got = h.sn2_received(1);
    assert!(
        matches!(&got[..], [Packet::Publish(p)] if p.topic == Topic::Predefined(5)),
        "{got:?}"
    );
    // An unknown predefined alias at QoS 1: PUBACK 0xF0.
    h.sn2_send(
        1,
        &publish(Topic::Predefined(6), QoS::AtLeastOnce, Some(8), b"?"),
    );
    let got = h.sn2_received(1);
    assert!(
        matches!(
            &got[..],
            [Packet::PubAck(Ack {
                packet_id: 8,
                reason_code: 0xF0
            })]
        ),
        "{got:?}"
    );
}

/// Through a forwarder (0xFC): the answers come back wrapped with the same address.
#[test]
fn a_forwarded_2_0_client_is_answered_through_its_forwarder() {
    let mut h = Harness::default();
    let inner = connect("node", 60, None).to_vec().unwrap();
    let wrapped = Packet::Forwarder {
        address: &[0xAB, 0xCD][..],
        packet: &inner[..],
    };
    h.sn2_send(1, &wrapped);
    let got = h.sn2_received(1);
    let [Packet::Forwarder { address, packet }] = &got[..] else {
        panic!("{got:?}")
    };
    assert_eq!(&address[..], &[0xAB, 0xCD]);
    assert!(matches!(v2::parse(packet), Ok(Packet::ConnAck(a)) if a.reason_code == 0));
}

/// SN2-4: a PUBWOS with a predefined alias and a 2-octet payload has the bytes of a 1.2
/// SUBSCRIBE; from an address with no client it is published at QoS 0, not refused.
#[test]
fn sn2_4_a_pubwos_shaped_like_a_1_2_subscribe_is_published() {
    let mut config = BrokerConfig::default();
    config.mqttsn.predefined.insert(5, "plant/valve".into());
    let mut h = Harness::new(config);
    h.open(10, V311);
    h.connect(10, V311, "watcher", true);
    h.subscribe(10, "plant/#", QoS::AtMostOnce);
    // The draft's example W4.
    h.sn_send_bytes(1, &[0x07, 0x12, 0x01, 0x00, 0x05, b'o', b'n']);
    assert!(h.sn2_received(1).is_empty(), "PUBWOS is never answered");
    assert_eq!(h.payloads(10), vec!["on".to_string()]);
}

/// SN2-7: nothing larger than the client's Maximum Packet Size is sent to it; the message
/// is dropped, and smaller ones still go.
#[test]
fn sn2_7_a_message_over_the_client_maximum_packet_size_is_dropped() {
    let mut h = Harness::default();
    let Packet::Connect(mut c) = connect("small", 60, None) else {
        unreachable!()
    };
    c.max_packet_size = 20;
    h.sn2_send(1, &Packet::Connect(c));
    h.sn2_received(1);
    h.sn2_send(1, &subscribe(1, Topic::Name(text("mp/+")), QoS::AtMostOnce));
    h.sn2_received(1);
    h.open(10, V311);
    h.connect(10, V311, "pub", true);
    h.publish0(10, "mp/a", &"x".repeat(40));
    assert!(h.sn2_received(1).is_empty(), "over 20 octets");
    h.publish0(10, "mp/a", "ok");
    assert_eq!(payloads(&h.sn2_received(1)), vec![b"ok".to_vec()]);
}

/// SN2-5: the Connection Encapsulation is a protocol error for a client that did not set
/// CONNECT flag bit 5; the client stays where it was.
#[test]
fn sn2_5_the_connection_envelope_needs_connect_flag_bit_5() {
    let mut h = Harness::default();
    connected(&mut h, 1, "fixed");
    let ping = Packet::<&[u8]>::PingReq { packet_id: 7 }.to_vec().unwrap();
    let envelope = Packet::Connection {
        client_id: text("fixed"),
        packet: &ping[..],
    };
    h.sn2_send(2, &envelope);
    let got = h.sn2_received(2);
    assert!(
        matches!(&got[..], [Packet::Disconnect(d)] if d.reason_code == Some(0x82)),
        "{got:?}"
    );
    h.sn2_send(1, &Packet::PingReq { packet_id: 8 });
    assert!(
        matches!(
            &h.sn2_received(1)[..],
            [Packet::PingResp { packet_id: 8, .. }]
        ),
        "still at its own address"
    );

    // With the flag, the envelope moves the client.
    let Packet::Connect(mut c) = connect("mobile", 60, None) else {
        unreachable!()
    };
    c.address_may_change = true;
    h.sn2_send(3, &Packet::Connect(c));
    h.sn2_received(3);
    let envelope = Packet::Connection {
        client_id: text("mobile"),
        packet: &ping[..],
    };
    h.sn2_send(4, &envelope);
    assert!(
        matches!(
            &h.sn2_received(4)[..],
            [Packet::PingResp { packet_id: 7, .. }]
        ),
        "answered at the new address"
    );
}

/// SN-GW-12 for 2.0: a QoS 1 PUBLISH the client does not acknowledge is sent again every
/// retry interval (DUP stays 0 below QoS 2, SN2-10) until it is; unanswered through every
/// retry, the client is lost. Without it, one lost datagram stalled every later delivery
/// behind the message in flight.
#[test]
fn sn_gw_12_a_2_0_publish_not_acknowledged_is_sent_again_then_the_client_is_lost() {
    for acknowledged in [true, false] {
        let mut h = Harness::default();
        connected(&mut h, 1, "dev1");
        h.sn2_send(
            1,
            &subscribe(2, Topic::Name(text("cmd/x")), QoS::AtLeastOnce),
        );
        h.sn2_received(1);
        h.connect(10, V311, "ctl", true);
        h.publish1(10, "cmd/x", "go", 1);
        let first = h.sn2_received(1);
        let [Packet::Publish(p)] = &first[..] else {
            panic!("{first:?}")
        };
        let id = p.packet_id.expect("QoS 1");
        h.advance(10_000);
        let again = h.sn2_received(1);
        assert!(
            matches!(&again[..], [Packet::Publish(q)] if q.packet_id == Some(id) && !q.dup),
            "{again:?}"
        );
        if acknowledged {
            h.sn2_send(
                1,
                &Packet::PubAck(Ack {
                    packet_id: id,
                    reason_code: 0,
                }),
            );
            h.advance(30_000);
            assert!(h.sn2_received(1).is_empty(), "acknowledged: not sent again");
        } else {
            let mut sent = Vec::new();
            for _ in 0..3 {
                h.advance(10_000);
                sent.extend(h.sn2_received(1));
            }
            assert_eq!(payloads(&sent), [b"go", b"go"], "the last two retries");
            assert!(
                matches!(sent.last(), Some(Packet::Disconnect(_))),
                "then lost: {sent:?}"
            );
        }
    }
}

/// SN2-18: one unacknowledged request per direction, PUBREC included: while the gateway's
/// PUBREC waits for the client's PUBREL, a QoS 1 message for the client waits too, and
/// goes once the PUBREL came.
#[test]
fn sn2_18_a_publish_waits_for_the_pubrel_of_the_gateways_pubrec() {
    let mut h = Harness::default();
    connected(&mut h, 1, "dev1");
    h.sn2_send(
        1,
        &subscribe(2, Topic::Name(text("cmd/x")), QoS::AtLeastOnce),
    );
    h.sn2_received(1);
    h.sn2_send(
        1,
        &publish(Topic::Name(text("up/x")), QoS::ExactlyOnce, Some(9), b"q2"),
    );
    let got = h.sn2_received(1);
    assert!(
        matches!(&got[..], [Packet::PubRec(a)] if a.packet_id == 9),
        "{got:?}"
    );
    h.connect(10, V311, "ctl", true);
    h.publish1(10, "cmd/x", "go", 1);
    assert!(h.sn2_received(1).is_empty(), "held behind the PUBREC");
    h.sn2_send(
        1,
        &Packet::PubRel(Ack {
            packet_id: 9,
            reason_code: 0,
        }),
    );
    let got = h.sn2_received(1);
    assert!(
        matches!(&got[..], [Packet::PubComp(c), Packet::Publish(p)] if c.packet_id == 9 && p.payload[..] == b"go"[..]),
        "{got:?}"
    );
}

/// SN2-12: a shared subscription gets no session alias in its SUBACK: its messages come on
/// the names it matches, and an alias of `$share/g/q/1` would publish to that name.
#[test]
fn sn2_12_a_shared_subscription_gets_no_alias() {
    let mut h = Harness::default();
    connected(&mut h, 1, "dev1");
    h.sn2_send(
        1,
        &subscribe(5, Topic::Name(text("$share/g/q/1")), QoS::AtMostOnce),
    );
    let got = h.sn2_received(1);
    assert!(
        matches!(&got[..], [Packet::SubAck(a)] if a.packet_id == 5 && a.reason_code == 0 && a.alias.is_none()),
        "{got:?}"
    );
}

/// SN2-19, SN2-21: a 2.0 SEARCHGW is answered with a 2.0 GWINFO carrying the gateway id,
/// the bare one (the bytes of a 1.2 PINGRESP, which no client sends a gateway) included.
#[test]
fn sn2_19_searchgw_is_answered_with_a_2_0_gwinfo() {
    let mut h = Harness::default();
    for (peer, datagram) in [(1, &[0x02, 0x17][..]), (2, &[0x04, 0x17, 0xAA, 0xBB][..])] {
        h.sn_send_bytes(peer, datagram);
        let got = h.sn2_received(peer);
        assert!(
            matches!(&got[..], [Packet::GwInfo { gw_id: 1, gw_addr }] if gw_addr.is_empty()),
            "{datagram:02X?}: {got:?}"
        );
    }
}

/// SN2-18: a PUBREC that refuses the client's QoS 2 PUBLISH (here `$SYS`, the broker's)
/// ends the flow: no PUBREL follows it, and the gateway's own PUBLISHes do not wait for one.
#[test]
fn sn2_18_a_refusing_pubrec_holds_back_nothing() {
    let mut h = Harness::default();
    connected(&mut h, 1, "dev1");
    h.sn2_send(
        1,
        &subscribe(2, Topic::Name(text("cmd/x")), QoS::AtLeastOnce),
    );
    h.sn2_received(1);
    h.sn2_send(
        1,
        &publish(
            Topic::Name(text("$SYS/x")),
            QoS::ExactlyOnce,
            Some(9),
            b"no",
        ),
    );
    let got = h.sn2_received(1);
    assert!(
        matches!(&got[..], [Packet::PubRec(a)] if a.packet_id == 9 && a.reason_code >= 0x80),
        "{got:?}"
    );
    h.connect(10, V311, "ctl", true);
    h.publish1(10, "cmd/x", "go", 1);
    assert_eq!(payloads(&h.sn2_received(1)), vec![b"go".to_vec()]);
}

/// SN2-12: REGISTER of a predefined name is answered with its predefined alias and makes
/// no session alias: the gateway's PUBLISHes on it use the predefined one.
#[test]
fn sn2_12_register_of_a_predefined_name_makes_no_session_alias() {
    let mut config = BrokerConfig::default();
    config.mqttsn.predefined.insert(5, "plant/valve".into());
    let mut h = Harness::new(config);
    connected(&mut h, 1, "dev1");
    h.sn2_send(
        1,
        &Packet::Register(v2::Register {
            packet_id: 3,
            alias: None,
            topic_name: text("plant/valve"),
        }),
    );
    let got = h.sn2_received(1);
    assert!(
        matches!(&got[..], [Packet::RegAck(r)] if r.kind == AliasKind::Predefined && r.alias == Some(5)),
        "{got:?}"
    );
    h.sn2_send(1, &subscribe(4, Topic::Predefined(5), QoS::AtMostOnce));
    h.sn2_received(1);
    h.connect(10, V311, "ctl", true);
    h.publish0(10, "plant/valve", "close");
    let got = h.sn2_received(1);
    assert!(
        matches!(&got[..], [Packet::Publish(p)] if p.topic == Topic::Predefined(5)),
        "{got:?}"
    );
}

/// SN2-14, SN2-21: a client whose identifier the broker assigned is found by it: waking,
/// it gets every QoS 1 message held for it, and their flows end, before the PINGRESP.
#[test]
fn sn2_14_a_client_with_an_assigned_id_gets_all_it_missed_before_pingresp() {
    let mut h = Harness::default();
    h.sn2_send(1, &connect("", 60, None));
    let got = h.sn2_received(1);
    assert!(
        matches!(&got[..], [Packet::ConnAck(a)] if a.reason_code == 0 && a.assigned_client_id.is_some()),
        "{got:?}"
    );
    h.sn2_send(1, &subscribe(2, Topic::Name(text("s/q")), QoS::AtLeastOnce));
    h.sn2_received(1);
    h.sn2_send(
        1,
        &Packet::SleepReq {
            retain_aliases: true,
            packet_id: 3,
            duration: 600,
        },
    );
    h.sn2_received(1);
    h.connect(10, V311, "ctl", true);
    for (i, text) in ["a", "b", "c"].into_iter().enumerate() {
        h.publish1(10, "s/q", text, i as u16 + 1);
    }
    h.sn2_send(1, &Packet::PingReq { packet_id: 4 });
    let mut seen = Vec::new();
    let mut got = h.sn2_received(1);
    // Each PUBLISH alone; the PINGRESP once the last one is acknowledged (SN-GW-9).
    while let [Packet::Publish(p)] = &got[..] {
        let id = p.packet_id.unwrap();
        seen.extend(payloads(&got));
        h.sn2_send(
            1,
            &Packet::PubAck(Ack {
                packet_id: id,
                reason_code: 0,
            }),
        );
        got = h.sn2_received(1);
    }
    assert_eq!(seen, vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
    assert!(matches!(&got[..], [Packet::PingResp { .. }]), "{got:?}");
}
