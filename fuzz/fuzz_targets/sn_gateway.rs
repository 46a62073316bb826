//! The MQTT-SN gateway of the sans-IO broker: sequences of datagrams (MQTT-SN 1.2 and 2.0
//! messages built from the input, and raw bytes) from a few peers, an MQTT client publishing
//! and subscribing beside them, and time passing. Invariants: no panic; every datagram the
//! gateway sends is a valid 1.2 message or 2.0 packet; what it sends the MQTT client decodes;
//! after `tick(now)` no deadline is in the past.
#![no_main]
use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use mqtt_codec::broker::{Action, Broker, BrokerConfig};
use mqtt_codec::sn::{self, v2, Message, SnQos, SubscribeTopic, TopicId};
use mqtt_codec::{Decoder, MqttStr, ProtocolVersion, QoS};

const NAMES: &[&str] = &["a", "a/b", "s/t", "ab", "x/y/z"];
const FILTERS: &[&str] = &["#", "a/+", "a/b", "s/#", "+/y/z"];
const IDS: &[&str] = &["n1", "n2", "n3"];

fn text(s: &'static str) -> MqttStr<&'static [u8]> {
    MqttStr::try_new(s.as_bytes()).unwrap()
}

fn sn_qos(u: &mut Unstructured) -> Result<SnQos> {
    Ok(*u.choose(&[
        SnQos::AtMostOnce,
        SnQos::AtLeastOnce,
        SnQos::ExactlyOnce,
        SnQos::WithoutConnection,
    ])?)
}

fn qos(u: &mut Unstructured) -> Result<QoS> {
    Ok(*u.choose(&[QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])?)
}

/// A 1.2 message a client might send (valid or not: whatever encodes is sent).
fn sn_message<'a>(u: &mut Unstructured<'a>) -> Result<Message<&'a [u8]>> {
    let msg_id = u.int_in_range(1..=4u16)?;
    Ok(match u.int_in_range(0..=13u8)? {
        0 => Message::Connect(sn::Connect {
            will: u.arbitrary()?,
            clean_session: u.arbitrary()?,
            duration: u.int_in_range(0..=3u16)?,
            client_id: text(u.choose(IDS)?),
        }),
        1 => Message::WillTopic(if u.arbitrary()? {
            Some(sn::WillTopic {
                qos: *u.choose(&[SnQos::AtMostOnce, SnQos::AtLeastOnce])?,
                retain: u.arbitrary()?,
                topic: text(u.choose(&NAMES[..3])?),
            })
        } else {
            None
        }),
        2 => {
            let len = u.int_in_range(0..=3)?;
            Message::WillMsg {
                message: u.bytes(len)?,
            }
        }
        3 => Message::Register(sn::Register {
            topic_id: 0,
            msg_id,
            topic_name: text(u.choose(NAMES)?),
        }),
        4 | 5 => {
            let q = sn_qos(u)?;
            let topic = match u.int_in_range(0..=2u8)? {
                0 if q != SnQos::WithoutConnection => TopicId::Normal(u.int_in_range(1..=4)?),
                1 => TopicId::Predefined(u.int_in_range(1..=3)?),
                _ => TopicId::Short(*b"ab"),
            };
            let acked = matches!(q, SnQos::AtLeastOnce | SnQos::ExactlyOnce);
            let retain = u.arbitrary()?;
            let len = u.int_in_range(0..=4)?;
            Message::Publish(sn::Publish {
                dup: false,
                qos: q,
                retain,
                topic,
                msg_id: if acked { msg_id } else { 0 },
                data: u.bytes(len)?,
            })
        }
        6 => Message::Subscribe(sn::Subscribe {
            dup: false,
            qos: *u.choose(&[SnQos::AtMostOnce, SnQos::AtLeastOnce, SnQos::ExactlyOnce])?,
            msg_id,
            topic: match u.int_in_range(0..=2u8)? {
                0 => SubscribeTopic::Name(text(u.choose(FILTERS)?)),
                1 => SubscribeTopic::Predefined(u.int_in_range(1..=3)?),
                _ => SubscribeTopic::Short(*b"ab"),
            },
        }),
        7 => Message::Unsubscribe {
            msg_id,
            topic: SubscribeTopic::Name(text(u.choose(FILTERS)?)),
        },
        8 => Message::PingReq {
            client_id: if u.arbitrary()? {
                Some(text(u.choose(IDS)?))
            } else {
                None
            },
        },
        9 => Message::Disconnect {
            duration: if u.arbitrary()? {
                Some(u.int_in_range(0..=3)?)
            } else {
                None
            },
        },
        10 => Message::PubAck {
            topic_id: u.int_in_range(0..=4)?,
            msg_id,
            return_code: sn::ReturnCode::from_u8(u.int_in_range(0..=2)?),
        },
        11 => u
            .choose(&[
                Message::PubRec { msg_id },
                Message::PubRel { msg_id },
                Message::PubComp { msg_id },
            ])?
            .clone(),
        12 => Message::RegAck {
            topic_id: u.int_in_range(1..=4)?,
            msg_id,
            return_code: sn::ReturnCode::from_u8(u.int_in_range(0..=2)?),
        },
        _ => u
            .choose(&[
                Message::SearchGw { radius: 0 },
                Message::WillMsgUpd { message: &b"w"[..] },
                Message::WillTopicUpd(None),
            ])?
            .clone(),
    })
}

/// A 2.0 packet a client might send.
fn sn2_packet<'a>(u: &mut Unstructured<'a>) -> Result<v2::Packet<&'a [u8]>> {
    let packet_id = u.int_in_range(1..=4u16)?;
    let topic = match u.int_in_range(0..=2u8)? {
        0 => v2::Topic::Alias(u.int_in_range(1..=4)?),
        1 => v2::Topic::Predefined(u.int_in_range(1..=3)?),
        _ => v2::Topic::Name(text(u.choose(NAMES)?)),
    };
    Ok(match u.int_in_range(0..=8u8)? {
        0 => v2::Packet::Connect(v2::Connect {
            clean_start: u.arbitrary()?,
            address_may_change: u.arbitrary()?,
            server_may_suggest: false,
            packet_id,
            protocol_version: 2,
            keep_alive: u.int_in_range(1..=3)?,
            max_packet_size: 0,
            default_awake_messages: None,
            session_expiry: if u.arbitrary()? {
                Some(u.int_in_range(0..=5)?)
            } else {
                None
            },
            will: None,
            auth: None,
            client_id: text(u.choose(IDS)?),
        }),
        1 | 2 => {
            let q = qos(u)?;
            let retain = u.arbitrary()?;
            let len = u.int_in_range(0..=4)?;
            v2::Packet::Publish(v2::Publish {
                dup: false,
                qos: q,
                retain,
                topic,
                packet_id: (q != QoS::AtMostOnce).then_some(packet_id),
                payload: u.bytes(len)?,
            })
        }
        3 => v2::Packet::Subscribe(v2::Subscribe {
            no_local: u.arbitrary()?,
            qos: qos(u)?,
            retain_as_published: false,
            retain_handling: 0,
            packet_id,
            topic: v2::Topic::Name(text(u.choose(FILTERS)?)),
        }),
        4 => v2::Packet::Register(v2::Register {
            packet_id,
            alias: None,
            topic_name: text(u.choose(NAMES)?),
        }),
        5 => v2::Packet::PingReq { packet_id },
        6 => v2::Packet::SleepReq {
            retain_aliases: u.arbitrary()?,
            packet_id,
            duration: u.int_in_range(1..=3)?,
        },
        7 => v2::Packet::PubAck(v2::Ack {
            packet_id,
            reason_code: 0,
        }),
        _ => v2::Packet::Disconnect(v2::Disconnect {
            packet_id: None,
            session_expiry: None,
            reason_code: None,
            reason_string: None,
        }),
    })
}

fn check_actions(broker: &mut Broker, mqtt: &mut Decoder) {
    while let Some(action) = broker.poll_action() {
        match action {
            Action::SendDatagram { data, .. } | Action::SnAdvertise { data } => {
                assert!(
                    sn::parse(&data).is_ok() || v2::parse(&data).is_ok(),
                    "the gateway sent an invalid datagram {data:02x?}"
                );
            }
            Action::Send { conn: 1, data } => {
                mqtt.feed(&data);
                while let Some(p) = mqtt.next_packet().expect("the MQTT client decodes") {
                    let _ = p;
                }
            }
            _ => {}
        }
    }
}

fn run(u: &mut Unstructured) -> Result<()> {
    let mut config = BrokerConfig::default();
    config.mqttsn.predefined.insert(1, "a/b".into());
    config.mqttsn.predefined.insert(2, "s/t".into());
    config.mqttsn.max_sleep_buffer = 3;
    config.mqttsn.advertise_interval = if u.arbitrary()? { Some(2) } else { None };
    let mut broker = Broker::new(config);
    let mut mqtt = Decoder::client(ProtocolVersion::V3_1_1);
    let mut now = 0u64;
    broker.connection_opened(1, now);
    broker.bytes_received(1, b"\x10\x0e\x00\x04MQTT\x04\x02\x00\x00\x00\x02mq", now);
    broker.bytes_received(1, b"\x82\x06\x00\x01\x00\x01#\x01", now);
    check_actions(&mut broker, &mut mqtt);
    for _ in 0..u.int_in_range(1..=40)? {
        let peer = u.int_in_range(1..=3u64)?;
        match u.int_in_range(0..=5u8)? {
            0 => {
                let len = u.int_in_range(0..=12)?;
                let raw = u.bytes(len)?;
                broker.datagram_received(peer, raw, now);
            }
            1 | 2 => {
                if let Ok(data) = sn_message(u)?.to_vec() {
                    broker.datagram_received(peer, &data, now);
                }
            }
            3 => {
                if let Ok(data) = sn2_packet(u)?.to_vec() {
                    broker.datagram_received(peer, &data, now);
                }
            }
            4 => {
                let topic = u.choose(NAMES)?;
                let qos_bits = u.int_in_range(0..=1u8)?;
                let mut p = vec![0x30 | (qos_bits << 1), 0, 0, topic.len() as u8];
                p.extend_from_slice(topic.as_bytes());
                if qos_bits == 1 {
                    p.extend_from_slice(&[0, 9]);
                }
                p.push(b'm');
                p[1] = (p.len() - 2) as u8;
                broker.bytes_received(1, &p, now);
            }
            _ => {
                now += u64::from(u.int_in_range(1..=5000u16)?);
                broker.tick(now);
                if let Some(d) = broker.next_deadline() {
                    assert!(d > now, "deadline {d} not after now {now}");
                }
            }
        }
        check_actions(&mut broker, &mut mqtt);
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
