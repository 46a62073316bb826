//! ntex-mqtt 9.0.0: the `v3::codec::Codec` and `v5::codec::Codec` of the ntex MQTT framework
//! (ntex-codec `Decoder`/`Encoder` over ntex-bytes buffers).
//!
//! Decoding is `Codec::decode(&mut BytesMut)`: it splits PUBLISH into the packet and a shared
//! payload; the codec is kept across packets, as a connection keeps it, and is the streaming
//! decoder too. Encoding is `Codec::encodev(Encoded, &mut BytePages)`: it takes the packet
//! by value, so each iteration gets a clone (a reference-count bump for the topic and
//! payload, plus the vector of user properties for 5.0) made outside the timed part; the
//! payload is appended as a shared `Bytes`, without a copy. The case's payload is copied
//! once into ntex-bytes' own `Bytes`, outside the timed part.

use super::{check, check_encoded, is_v5, time, Group, Peer, Shape};
use criterion::BatchSize;
use mqtt_codec::Packet;
use mqtt_codec_benches::Case;
use ntex_bytes::{BytePages, ByteString, Bytes, BytesMut};
use ntex_codec::{Decoder, Encoder};
use ntex_mqtt::{v3, v5, QoS};
use std::hint::black_box;
use std::num::{NonZeroU16, NonZeroU32};

pub const PEER: Peer = Peer {
    name: "ntex-mqtt",
    decode,
    encode,
    stream: Some(stream),
};

fn shape_v3(d: &v3::codec::Decoded) -> Shape {
    use v3::codec::{Decoded, Packet as P};
    match d {
        Decoded::Publish(p, payload, _) => Shape::Publish {
            topic: p.topic.to_string(),
            qos: p.qos as u8,
            packet_id: p.packet_id.map_or(0, NonZeroU16::get),
            payload: payload.len(),
            user_properties: 0,
        },
        Decoded::Packet(P::Connect(cn), _) => Shape::Connect {
            client_id: cn.client_id.to_string(),
            username: cn.username.as_ref().map(ByteString::to_string),
            password: cn.password.as_ref().map(|p| p.to_vec()),
        },
        Decoded::Packet(
            P::Subscribe {
                packet_id,
                topic_filters,
            },
            _,
        ) => Shape::Subscribe {
            packet_id: packet_id.get(),
            filters: topic_filters.iter().map(|(f, _)| f.to_string()).collect(),
        },
        Decoded::Packet(P::PublishAck { packet_id }, _) => Shape::PubAck {
            packet_id: packet_id.get(),
        },
        other => panic!("ntex-mqtt decoded a {other:?}"),
    }
}

fn shape_v5(d: &v5::codec::Decoded) -> Shape {
    match d {
        v5::codec::Decoded::Publish(p, payload, _) => Shape::Publish {
            topic: p.topic.to_string(),
            qos: p.qos as u8,
            packet_id: p.packet_id.map_or(0, NonZeroU16::get),
            payload: payload.len(),
            user_properties: p.properties.user_properties.len(),
        },
        other => panic!("ntex-mqtt decoded a {other:?}"),
    }
}

/// Decodes the case once per iteration the way a connection does: the bytes are appended
/// to one long-lived receive buffer and the packet is taken from it (as ours and mqttbytes).
fn bench_decode<C: Decoder>(g: &mut Group<'_>, c: &Case, codec: &C) {
    let mut buf = BytesMut::new();
    g.bench_function(PEER.name, |b| {
        time(b, || {
            buf.extend_from_slice(black_box(&c.bytes));
            codec.decode(&mut buf).expect("valid").expect("complete")
        })
    });
}

fn decode(g: &mut Group<'_>, c: &Case) {
    let mut buf = BytesMut::copy_from_slice(&c.bytes);
    if is_v5(c) {
        let codec = v5::codec::Codec::new();
        let p = codec.decode(&mut buf).expect("valid").expect("complete");
        check(PEER.name, c, shape_v5(&p));
        bench_decode(g, c, &codec);
    } else {
        let codec = v3::codec::Codec::new();
        let p = codec.decode(&mut buf).expect("valid").expect("complete");
        check(PEER.name, c, shape_v3(&p));
        bench_decode(g, c, &codec);
    }
}

fn qos(q: mqtt_codec::QoS) -> QoS {
    match q {
        mqtt_codec::QoS::AtMostOnce => QoS::AtMostOnce,
        mqtt_codec::QoS::AtLeastOnce => QoS::AtLeastOnce,
        mqtt_codec::QoS::ExactlyOnce => QoS::ExactlyOnce,
    }
}

fn id(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).expect("non-zero")
}

fn v3_item(c: &Case) -> v3::codec::Encoded {
    use v3::codec::{Connect, Encoded, Packet as P, Publish};
    match &c.packet {
        Packet::Publish(p) => Encoded::Publish(
            Publish {
                dup: false,
                retain: false,
                qos: qos(p.qos),
                topic: ByteString::from(p.topic.as_str()),
                packet_id: p.packet_id.map(|n| id(n.get())),
                payload_size: p.payload.len() as u32,
            },
            Some(Bytes::copy_from_slice(&p.payload)),
        ),
        Packet::Connect(cn) => Encoded::Packet(P::Connect(Box::new(Connect {
            clean_session: cn.clean_start,
            keep_alive: cn.keep_alive,
            last_will: None,
            client_id: ByteString::from(cn.client_id.as_str()),
            username: cn.username.as_ref().map(|u| ByteString::from(u.as_str())),
            password: cn.password.as_ref().map(|p| Bytes::copy_from_slice(p)),
        }))),
        Packet::Subscribe(s) => Encoded::Packet(P::Subscribe {
            packet_id: id(s.packet_id.get()),
            topic_filters: s
                .subscriptions
                .iter()
                .map(|f| (ByteString::from(f.filter.as_str()), qos(f.options.qos)))
                .collect(),
        }),
        Packet::PubAck(a) => Encoded::Packet(P::PublishAck {
            packet_id: id(a.packet_id.get()),
        }),
        other => panic!("no benchmark case is a {other:?}"),
    }
}

fn v5_item(c: &Case) -> Option<v5::codec::Encoded> {
    use v5::codec::{Encoded, Publish, PublishProperties};
    let Packet::Publish(p) = &c.packet else {
        return None;
    };
    let props = &p.properties;
    let properties = PublishProperties {
        is_utf8_payload: props.payload_format_indicator == Some(1),
        message_expiry_interval: props.message_expiry_interval.and_then(NonZeroU32::new),
        content_type: props
            .content_type
            .as_ref()
            .map(|s| ByteString::from(s.as_str())),
        user_properties: props
            .user_properties
            .iter()
            .map(|u| {
                (
                    ByteString::from(u.name.as_str()),
                    ByteString::from(u.value.as_str()),
                )
            })
            .collect(),
        ..Default::default()
    };
    Some(Encoded::Publish(
        Publish {
            dup: false,
            retain: false,
            qos: qos(p.qos),
            packet_id: p.packet_id.map(|n| id(n.get())),
            topic: ByteString::from(p.topic.as_str()),
            payload_size: p.payload.len() as u32,
            properties,
        },
        Some(Bytes::copy_from_slice(&p.payload)),
    ))
}

fn bench_encode<E: Encoder>(g: &mut Group<'_>, c: &Case, codec: &E, item: E::Item)
where
    E::Item: Clone,
{
    let mut pages = BytePages::default();
    codec.encodev(item.clone(), &mut pages).expect("encodes");
    check_encoded(PEER.name, c, &pages.freeze());
    g.bench_function(PEER.name, |b| {
        b.iter_batched(
            || item.clone(),
            |item| {
                pages.clear();
                codec.encodev(item, &mut pages).expect("encodes");
                black_box(pages.len())
            },
            BatchSize::SmallInput,
        )
    });
}

fn encode(g: &mut Group<'_>, c: &Case) {
    if is_v5(c) {
        if let Some(item) = v5_item(c) {
            bench_encode(g, c, &v5::codec::Codec::new(), item);
        }
    } else {
        bench_encode(g, c, &v3::codec::Codec::new(), v3_item(c));
    }
}

fn stream(stream: &[u8], chunk: usize) -> usize {
    use v3::codec::Decoded;
    let codec = v3::codec::Codec::new();
    let mut buf = BytesMut::new();
    let mut count = 0usize;
    for piece in stream.chunks(chunk) {
        buf.extend_from_slice(piece);
        while let Some(d) = codec.decode(&mut buf).expect("valid") {
            // A PUBLISH whose payload is not all in yet comes as the packet, then the rest of
            // its payload as one `PayloadChunk`: count the packet once.
            if !matches!(d, Decoded::PayloadChunk(..)) {
                count += 1;
            }
            black_box(d);
        }
    }
    count
}
