//! mqttrs 0.4.1: `decode_slice` and `encode_slice`, 3.1.1 only, borrowing the topic and
//! payload from the input. No SUBSCRIBE encoding here (its `Subscribe` owns `String` filters
//! in a heapless vector).

use super::{check, is_v5, time, Group, Peer, Shape};
use mqtt_codec::{Packet, ProtocolVersion};
use mqtt_codec_benches::Case;
use std::hint::black_box;

pub const PEER: Peer = Peer {
    name: "mqttrs",
    decode,
    encode,
    stream: None,
};

fn shape(p: &mqttrs::Packet<'_>) -> Shape {
    use mqttrs::QosPid;
    match p {
        mqttrs::Packet::Publish(p) => {
            let (qos, packet_id) = match p.qospid {
                QosPid::AtMostOnce => (0, 0),
                QosPid::AtLeastOnce(id) => (1, id.get()),
                QosPid::ExactlyOnce(id) => (2, id.get()),
            };
            Shape::Publish {
                topic: p.topic_name.to_string(),
                qos,
                packet_id,
                payload: p.payload.len(),
                user_properties: 0,
            }
        }
        mqttrs::Packet::Connect(cn) => Shape::Connect {
            client_id: cn.client_id.to_string(),
            username: cn.username.map(str::to_string),
            password: cn.password.map(<[u8]>::to_vec),
        },
        mqttrs::Packet::Subscribe(s) => Shape::Subscribe {
            packet_id: s.pid.get(),
            filters: s.topics.iter().map(|t| t.topic_path.to_string()).collect(),
        },
        mqttrs::Packet::Puback(id) => Shape::PubAck {
            packet_id: id.get(),
        },
        other => panic!("mqttrs decoded a {other:?}"),
    }
}

fn mqttrs_decode(bytes: &[u8]) -> usize {
    match mqttrs::decode_slice(bytes) {
        Ok(Some(p)) => black_box(p).get_type() as usize,
        other => panic!("mqttrs failed: {other:?}"),
    }
}

fn decode(g: &mut Group<'_>, c: &Case) {
    if is_v5(c) {
        return;
    }
    match mqttrs::decode_slice(&c.bytes) {
        Ok(Some(p)) => check(PEER.name, c, shape(&p)),
        other => panic!("mqttrs failed: {other:?}"),
    }
    g.bench_function(PEER.name, |b| {
        time(b, || mqttrs_decode(black_box(&c.bytes)))
    });
}

fn mqttrs_encode(c: &Case, out: &mut [u8]) -> Option<usize> {
    use mqttrs::{Pid, QosPid};
    let pid = |n: u16| Pid::try_from(n).expect("non-zero");
    let packet = match &c.packet {
        Packet::Publish(p) if c.version == ProtocolVersion::V3_1_1 => {
            mqttrs::Packet::Publish(mqttrs::Publish {
                dup: false,
                qospid: match p.packet_id {
                    None => QosPid::AtMostOnce,
                    Some(id) => QosPid::AtLeastOnce(pid(id.get())),
                },
                retain: false,
                topic_name: p.topic.as_str(),
                payload: &p.payload,
            })
        }
        Packet::Connect(cn) => mqttrs::Packet::Connect(mqttrs::Connect {
            protocol: mqttrs::Protocol::MQTT311,
            keep_alive: cn.keep_alive,
            client_id: cn.client_id.as_str(),
            clean_session: true,
            last_will: None,
            username: Some("station"),
            password: Some(b"secret"),
        }),
        Packet::PubAck(a) => mqttrs::Packet::Puback(pid(a.packet_id.get())),
        _ => return None,
    };
    Some(mqttrs::encode_slice(&packet, out).expect("encodes"))
}

fn encode(g: &mut Group<'_>, c: &Case) {
    let mut out = vec![0u8; c.bytes.len() + 16];
    if mqttrs_encode(c, &mut out).is_some() {
        g.bench_function(PEER.name, |b| {
            time(b, || mqttrs_encode(c, black_box(&mut out)))
        });
    }
}
