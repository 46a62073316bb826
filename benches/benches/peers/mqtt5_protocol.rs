//! mqtt5-protocol 0.16.2: the packet layer of the mqtt5 client and broker, 5.0 and 3.1.1
//! (each packet carries its `protocol_version`: 5, or 4 for 3.1.1).
//!
//! Decoding is `FixedHeader::decode` then `Packet::decode_from_body_with_version` on a `Buf`
//! (a `&[u8]`); encoding is `MqttPacket::encode` into a `BufMut` (a `&mut [u8]`), which
//! first encodes the body into a new `Vec`. It has no streaming decoder. Packet construction
//! shares the payload (`Bytes`) but copies the strings (`String`): it is done outside the
//! timed part.

use super::{check, check_encoded, is_v5, payload, time, Group, Peer, Shape};
use mqtt5_protocol::packet::connect::ConnectPacket;
use mqtt5_protocol::packet::puback::PubAckPacket;
use mqtt5_protocol::packet::publish::PublishPacket;
use mqtt5_protocol::packet::subscribe::{SubscribePacket, TopicFilter};
use mqtt5_protocol::packet::MqttPacket;
use mqtt5_protocol::{ConnectOptions, FixedHeader, Packet as P5, PropertyId, QoS};
use mqtt_codec::Packet;
use mqtt_codec_benches::Case;
use std::hint::black_box;
use std::time::Duration;

pub const PEER: Peer = Peer {
    name: "mqtt5-protocol",
    decode,
    encode,
    stream: None,
};

fn version(c: &Case) -> u8 {
    if is_v5(c) {
        5
    } else {
        4
    }
}

fn parse(bytes: &[u8], version: u8) -> mqtt5_protocol::Result<P5> {
    let mut buf = bytes;
    let header = FixedHeader::decode(&mut buf)?;
    P5::decode_from_body_with_version(header.packet_type, &header, &mut buf, version)
}

fn shape(p: &P5) -> Shape {
    match p {
        P5::Publish(p) => Shape::Publish {
            topic: p.topic_name.clone(),
            qos: p.qos as u8,
            packet_id: p.packet_id.unwrap_or(0),
            payload: p.payload.len(),
            user_properties: p
                .properties
                .get_all(PropertyId::UserProperty)
                .map_or(0, <[_]>::len),
        },
        P5::Connect(cn) => Shape::Connect {
            client_id: cn.client_id.clone(),
            username: cn.username.clone(),
            password: cn.password.clone(),
        },
        P5::Subscribe(s) => Shape::Subscribe {
            packet_id: s.packet_id,
            filters: s.filters.iter().map(|f| f.filter.clone()).collect(),
        },
        P5::PubAck(a) => Shape::PubAck {
            packet_id: a.packet_id,
        },
        other => panic!("mqtt5-protocol decoded a {other:?}"),
    }
}

fn decode(g: &mut Group<'_>, c: &Case) {
    let v = version(c);
    let p = parse(&c.bytes, v).expect("mqtt5-protocol decodes");
    check(PEER.name, c, shape(&p));
    g.bench_function(PEER.name, |b| {
        time(b, || parse(black_box(&c.bytes), v).expect("valid"))
    });
}

fn qos(q: mqtt_codec::QoS) -> QoS {
    match q {
        mqtt_codec::QoS::AtMostOnce => QoS::AtMostOnce,
        mqtt_codec::QoS::AtLeastOnce => QoS::AtLeastOnce,
        mqtt_codec::QoS::ExactlyOnce => QoS::ExactlyOnce,
    }
}

/// Encodes a prepared packet into a slice and returns the length written.
type Write = Box<dyn Fn(&mut [u8]) -> usize>;

fn writer<T: MqttPacket + 'static>(packet: T) -> Write {
    Box::new(move |out: &mut [u8]| {
        let room = out.len();
        let mut w: &mut [u8] = out;
        packet.encode(&mut w).expect("encodes");
        room - w.len()
    })
}

fn packet(c: &Case) -> Option<Write> {
    let v5 = is_v5(c);
    Some(match &c.packet {
        Packet::Publish(p) => {
            let topic = p.topic.as_str();
            let body = payload(c).expect("publish");
            let mut peer = if v5 {
                PublishPacket::new(topic, body, qos(p.qos))
            } else {
                PublishPacket::new_v311(topic, body, qos(p.qos))
            };
            if let Some(id) = p.packet_id {
                peer = peer.with_packet_id(id.get());
            }
            let props = &p.properties;
            if let Some(indicator) = props.payload_format_indicator {
                peer = peer.with_payload_format_indicator(indicator == 1);
            }
            if let Some(seconds) = props.message_expiry_interval {
                peer = peer.with_message_expiry_interval(seconds);
            }
            if let Some(content_type) = &props.content_type {
                peer = peer.with_content_type(content_type.as_str().to_string());
            }
            for u in props.user_properties.iter() {
                peer = peer.with_user_property(u.name.to_string(), u.value.to_string());
            }
            writer(peer)
        }
        Packet::Connect(cn) if !v5 => {
            let mut options = ConnectOptions::new(cn.client_id.as_str())
                .with_keep_alive(Duration::from_secs(cn.keep_alive.into()))
                .with_clean_start(cn.clean_start);
            options.username = cn.username.as_ref().map(|u| u.as_str().to_string());
            options.password = cn.password.as_ref().map(|p| p.to_vec());
            writer(ConnectPacket::new_v311(options))
        }
        Packet::Subscribe(s) if !v5 => {
            let mut peer = SubscribePacket::new_v311(s.packet_id.get());
            for f in s.subscriptions.iter() {
                peer = peer.add_filter_with_options(TopicFilter::new(
                    f.filter.as_str(),
                    qos(f.options.qos),
                ));
            }
            writer(peer)
        }
        Packet::PubAck(a) => writer(PubAckPacket::new(a.packet_id.get())),
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
