//! mqtt-protocol 0.12.0 (lib `mqtt`): MQTT 3.1.1 only, so the 5.0 case is skipped.
//!
//! Decoding is `VariablePacket::decode` on a `Read` (a `&[u8]`); the streaming decoder is
//! `MqttDecoder`, a tokio-util 0.6 `Decoder` over `BytesMut` (feature `tokio-codec`).
//! Encoding is `Encodable::encode` into a `Write` (a `&mut [u8]`). Building the packets
//! copies the payload (`Into<Vec<u8>>`) and the strings (`String`): it is done outside the
//! timed part.

use super::{check, check_encoded, is_v5, time, Group, Peer, Shape};
use bytes::BytesMut;
use mqtt::packet::{
    ConnectPacket, MqttDecoder, PubackPacket, PublishPacket, QoSWithPacketIdentifier,
    SubscribePacket, VariablePacket,
};
use mqtt::{Decodable, Encodable, QualityOfService, TopicFilter, TopicName};
use mqtt_codec::{Packet, QoS};
use mqtt_codec_benches::Case;
use std::hint::black_box;
use tokio_util_06::codec::Decoder as _;

pub const PEER: Peer = Peer {
    name: "mqtt-protocol",
    decode,
    encode,
    stream: Some(stream),
};

fn shape(p: &VariablePacket) -> Shape {
    match p {
        VariablePacket::PublishPacket(p) => {
            let (qos, packet_id) = p.qos().split();
            Shape::Publish {
                topic: p.topic_name().to_string(),
                qos: qos as u8,
                packet_id: packet_id.unwrap_or(0),
                payload: p.payload().len(),
                user_properties: 0,
            }
        }
        VariablePacket::ConnectPacket(cn) => Shape::Connect {
            client_id: cn.client_identifier().to_string(),
            username: cn.user_name().map(str::to_string),
            password: cn.password().map(|p| p.as_bytes().to_vec()),
        },
        VariablePacket::SubscribePacket(s) => Shape::Subscribe {
            packet_id: s.packet_identifier(),
            filters: s.subscribes().iter().map(|(f, _)| f.to_string()).collect(),
        },
        VariablePacket::PubackPacket(a) => Shape::PubAck {
            packet_id: a.packet_identifier(),
        },
        other => panic!("mqtt-protocol decoded a {other:?}"),
    }
}

fn decode(g: &mut Group<'_>, c: &Case) {
    if is_v5(c) {
        return;
    }
    let p = VariablePacket::decode(&mut &c.bytes[..]).expect("mqtt-protocol decodes");
    check(PEER.name, c, shape(&p));
    g.bench_function(PEER.name, |b| {
        time(b, || {
            VariablePacket::decode(&mut black_box(&c.bytes[..])).expect("valid")
        })
    });
}

fn qos(q: QoS) -> QualityOfService {
    match q {
        QoS::AtMostOnce => QualityOfService::Level0,
        QoS::AtLeastOnce => QualityOfService::Level1,
        QoS::ExactlyOnce => QualityOfService::Level2,
    }
}

/// Encodes a prepared packet into a slice and returns the length written.
type Write = Box<dyn Fn(&mut [u8]) -> usize>;

fn writer<P: Encodable + 'static>(packet: P) -> Write {
    Box::new(move |out: &mut [u8]| {
        let room = out.len();
        let mut w: &mut [u8] = out;
        packet.encode(&mut w).expect("encodes");
        room - w.len()
    })
}

fn packet(c: &Case) -> Option<Write> {
    if is_v5(c) {
        return None;
    }
    Some(match &c.packet {
        Packet::Publish(p) => {
            let topic = TopicName::new(p.topic.as_str()).expect("valid topic");
            let id = p.packet_id.map_or(0, |id| id.get());
            let q = QoSWithPacketIdentifier::new(qos(p.qos), id);
            writer(PublishPacket::new(topic, q, p.payload.to_vec()))
        }
        Packet::Connect(cn) => {
            let mut peer = ConnectPacket::new(cn.client_id.as_str());
            peer.set_clean_session(cn.clean_start);
            peer.set_keep_alive(cn.keep_alive);
            peer.set_user_name(cn.username.as_ref().map(|u| u.as_str().to_string()));
            let password = cn.password.as_ref().map(|p| p.to_vec());
            peer.set_password(password.map(|p| String::from_utf8(p).expect("text password")));
            writer(peer)
        }
        Packet::Subscribe(s) => {
            let filters = s
                .subscriptions
                .iter()
                .map(|f| {
                    let filter = TopicFilter::new(f.filter.as_str()).expect("valid filter");
                    (filter, qos(f.options.qos))
                })
                .collect();
            writer(SubscribePacket::new(s.packet_id.get(), filters))
        }
        Packet::PubAck(a) => writer(PubackPacket::new(a.packet_id.get())),
        _ => return None,
    })
}

fn encode(g: &mut Group<'_>, c: &Case) {
    let Some(write) = packet(c) else { return };
    let mut out = vec![0u8; c.bytes.len() + 16];
    let n = write(&mut out);
    check_encoded(PEER.name, c, &out[..n]);
    g.bench_function(PEER.name, |b| time(b, || write(black_box(&mut out))));
}

fn stream(stream: &[u8], chunk: usize) -> usize {
    let mut decoder = MqttDecoder::new();
    let mut buf = BytesMut::new();
    let mut count = 0usize;
    for piece in stream.chunks(chunk) {
        buf.extend_from_slice(piece);
        while let Some(p) = decoder.decode(&mut buf).expect("valid") {
            black_box(p);
            count += 1;
        }
    }
    count
}
