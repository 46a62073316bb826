//! flowsdk 0.7.0 (EMQX): its `mqtt_serde` codec, 5.0 and 3.1.1, with its default
//! `strict-protocol-compliance` checks.
//!
//! Decoding is `MqttPacket::from_bytes_with_version(&[u8], 4 or 5)`; the streaming decoder is
//! `MqttParser` (`feed`, then `next_packet`). Encoding is `MqttPacket::to_bytes()`, which
//! returns the bytes in a new `Vec`. Packets own their payload (`Vec<u8>`) and strings
//! (`String`): building one copies them, outside the timed part.

use super::{check, check_encoded, is_v5, time, Group, Peer, Shape};
use flowsdk::mqtt_serde::control_packet::MqttPacket;
use flowsdk::mqtt_serde::mqttv3::{connectv3, pubackv3, publishv3, subscribev3};
use flowsdk::mqtt_serde::mqttv5::common::properties::Property;
use flowsdk::mqtt_serde::mqttv5::publish as publishv5;
use flowsdk::mqtt_serde::parser::stream::MqttParser;
use flowsdk::mqtt_serde::parser::ParseOk;
use mqtt_codec::Packet;
use mqtt_codec_benches::Case;
use std::hint::black_box;

use super::qos_level;

pub const PEER: Peer = Peer {
    name: "flowsdk",
    decode,
    encode,
    stream: Some(stream),
};

fn version(c: &Case) -> u8 {
    if is_v5(c) {
        5
    } else {
        4
    }
}

fn parse(bytes: &[u8], version: u8) -> MqttPacket {
    match MqttPacket::from_bytes_with_version(bytes, version) {
        Ok(ParseOk::Packet(p, _)) => p,
        other => panic!("flowsdk: {other:?}"),
    }
}

fn shape(p: &MqttPacket) -> Shape {
    match p {
        MqttPacket::Publish3(p) => Shape::Publish {
            topic: p.topic_name.clone(),
            qos: p.qos,
            packet_id: p.message_id.unwrap_or(0),
            payload: p.payload.len(),
            user_properties: 0,
        },
        MqttPacket::Publish5(p) => Shape::Publish {
            topic: p.topic_name.clone(),
            qos: p.qos,
            packet_id: p.packet_id.unwrap_or(0),
            payload: p.payload.len(),
            user_properties: p
                .properties
                .iter()
                .filter(|p| matches!(p, Property::UserProperty(..)))
                .count(),
        },
        MqttPacket::Connect3(cn) => Shape::Connect {
            client_id: cn.client_id.clone(),
            username: cn.username.clone(),
            password: cn.password.clone(),
        },
        MqttPacket::Subscribe3(s) => Shape::Subscribe {
            packet_id: s.message_id,
            filters: s
                .subscriptions
                .iter()
                .map(|t| t.topic_filter.clone())
                .collect(),
        },
        MqttPacket::PubAck3(a) => Shape::PubAck {
            packet_id: a.message_id,
        },
        other => panic!("flowsdk decoded a {other:?}"),
    }
}

fn decode(g: &mut Group<'_>, c: &Case) {
    let v = version(c);
    check(PEER.name, c, shape(&parse(&c.bytes, v)));
    g.bench_function(PEER.name, |b| time(b, || parse(black_box(&c.bytes), v)));
}

fn packet(c: &Case) -> Option<MqttPacket> {
    let v5 = is_v5(c);
    Some(match &c.packet {
        Packet::Publish(p) if v5 => {
            let props = &p.properties;
            let mut list = Vec::new();
            if let Some(indicator) = props.payload_format_indicator {
                list.push(Property::PayloadFormatIndicator(indicator));
            }
            if let Some(seconds) = props.message_expiry_interval {
                list.push(Property::MessageExpiryInterval(seconds));
            }
            if let Some(content_type) = &props.content_type {
                list.push(Property::ContentType(content_type.as_str().to_string()));
            }
            for u in props.user_properties.iter() {
                list.push(Property::UserProperty(
                    u.name.to_string(),
                    u.value.to_string(),
                ));
            }
            MqttPacket::Publish5(publishv5::MqttPublish::new_with_prop(
                qos_level(p.qos),
                p.topic.as_str().to_string(),
                p.packet_id.map(|id| id.get()),
                p.payload.to_vec(),
                false,
                false,
                list,
            ))
        }
        Packet::Publish(p) => MqttPacket::Publish3(publishv3::MqttPublish::new(
            p.topic.as_str().to_string(),
            qos_level(p.qos),
            p.payload.to_vec(),
            p.packet_id.map(|id| id.get()),
            false,
            false,
        )),
        Packet::Connect(cn) if !v5 => {
            let mut peer = connectv3::MqttConnect::new(
                cn.client_id.as_str().to_string(),
                cn.keep_alive,
                cn.clean_start,
            );
            peer.username = cn.username.as_ref().map(|u| u.as_str().to_string());
            peer.password = cn.password.as_ref().map(|p| p.to_vec());
            MqttPacket::Connect3(peer)
        }
        Packet::Subscribe(s) if !v5 => MqttPacket::Subscribe3(subscribev3::MqttSubscribe::new(
            s.packet_id.get(),
            s.subscriptions
                .iter()
                .map(|f| subscribev3::SubscriptionTopic {
                    topic_filter: f.filter.as_str().to_string(),
                    qos: qos_level(f.options.qos),
                })
                .collect(),
        )),
        Packet::PubAck(a) if !v5 => {
            MqttPacket::PubAck3(pubackv3::MqttPubAck::new(a.packet_id.get()))
        }
        _ => return None,
    })
}

fn encode(g: &mut Group<'_>, c: &Case) {
    let Some(packet) = packet(c) else { return };
    check_encoded(PEER.name, c, &packet.to_bytes().expect("encodes"));
    g.bench_function(PEER.name, |b| {
        time(b, || black_box(&packet).to_bytes().expect("encodes"))
    });
}

fn stream(stream: &[u8], chunk: usize) -> usize {
    let mut parser = MqttParser::new(16384, 4);
    let mut count = 0usize;
    for piece in stream.chunks(chunk) {
        parser.feed(piece);
        while let Some(p) = parser.next_packet().expect("valid") {
            black_box(p);
            count += 1;
        }
    }
    count
}
