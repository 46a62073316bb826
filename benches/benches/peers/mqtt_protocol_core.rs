//! mqtt-protocol-core 0.7.9: a sans-I/O library for 5.0 and 3.1.1.
//!
//! Decoding is what its `Connection::recv` does before any protocol logic: a `PacketBuilder`
//! frames the bytes (copying the packet into its own buffer, an `Arc<[u8]>` for PUBLISH)
//! and the typed `parse` of the `v3_1_1` or `v5_0` packet decodes it. The same builder, kept
//! across packets as a connection keeps it, is the streaming decoder. Encoding is
//! `to_continuous_buffer()`, which returns the bytes in a new `Vec`. Building a packet copies
//! the payload and strings: it is done outside the timed part.

use super::{check, check_encoded, is_v5, time, Group, Peer, Shape};
use mqtt_codec::{Packet, QoS};
use mqtt_codec_benches::Case;
use mqtt_protocol_core::mqtt::common::Cursor;
use mqtt_protocol_core::mqtt::connection::{
    PacketBuildResult, PacketBuilder, PacketData, RawPacket,
};
use mqtt_protocol_core::mqtt::packet::{
    v3_1_1, v5_0, ContentType, MessageExpiryInterval, PayloadFormat, PayloadFormatIndicator,
    Property, Qos, SubEntry, SubOpts, UserProperty,
};
use mqtt_protocol_core::mqtt::result_code::MqttError;
use std::hint::black_box;

pub const PEER: Peer = Peer {
    name: "mqtt-protocol-core",
    decode,
    encode,
    stream: Some(stream),
};

/// The packets of the benchmark, as the peer decodes them.
#[derive(Debug)]
enum Decoded {
    Publish3(v3_1_1::Publish),
    Publish5(v5_0::Publish),
    Connect(v3_1_1::Connect),
    Subscribe(v3_1_1::Subscribe),
    PubAck(v3_1_1::Puback),
}

/// Decodes a framed packet as `Connection` does for the packet types of the benchmark.
fn parse(raw: &RawPacket, v5: bool) -> Result<Decoded, MqttError> {
    if let PacketData::Publish(arc) = &raw.data {
        return Ok(if v5 {
            Decoded::Publish5(v5_0::Publish::parse(raw.flags(), arc.clone())?.0)
        } else {
            Decoded::Publish3(v3_1_1::Publish::parse(raw.flags(), arc.clone())?.0)
        });
    }
    match (raw.packet_type(), v5) {
        (1, false) => raw
            .parse_exact(v3_1_1::Connect::parse)
            .map(Decoded::Connect),
        (8, false) => raw
            .parse_exact(v3_1_1::Subscribe::parse)
            .map(Decoded::Subscribe),
        (4, false) => raw.parse_exact(v3_1_1::Puback::parse).map(Decoded::PubAck),
        _ => Err(MqttError::MalformedPacket),
    }
}

/// Frames and decodes one packet with a builder in its initial state.
fn decode_one(builder: &mut PacketBuilder, bytes: &[u8], v5: bool) -> Decoded {
    match builder.feed(&mut Cursor::new(bytes)) {
        PacketBuildResult::Complete(raw) => parse(&raw, v5).expect("valid"),
        other => panic!("mqtt-protocol-core: {other:?}"),
    }
}

fn qos_level(q: Qos) -> u8 {
    match q {
        Qos::AtMostOnce => 0,
        Qos::AtLeastOnce => 1,
        Qos::ExactlyOnce => 2,
    }
}

fn shape(p: &Decoded) -> Shape {
    match p {
        Decoded::Publish3(p) => Shape::Publish {
            topic: p.topic_name().to_string(),
            qos: qos_level(p.qos()),
            packet_id: p.packet_id().unwrap_or(0),
            payload: p.payload().len(),
            user_properties: 0,
        },
        Decoded::Publish5(p) => Shape::Publish {
            topic: p.topic_name().to_string(),
            qos: qos_level(p.qos()),
            packet_id: p.packet_id().unwrap_or(0),
            payload: p.payload().len(),
            user_properties: p
                .props()
                .iter()
                .filter(|p| matches!(p, Property::UserProperty(_)))
                .count(),
        },
        Decoded::Connect(cn) => Shape::Connect {
            client_id: cn.client_id().to_string(),
            username: cn.user_name().map(str::to_string),
            password: cn.password().map(<[u8]>::to_vec),
        },
        Decoded::Subscribe(s) => Shape::Subscribe {
            packet_id: s.packet_id(),
            filters: s
                .entries()
                .iter()
                .map(|e| e.topic_filter().to_string())
                .collect(),
        },
        Decoded::PubAck(a) => Shape::PubAck {
            packet_id: a.packet_id(),
        },
    }
}

fn decode(g: &mut Group<'_>, c: &Case) {
    let v5 = is_v5(c);
    let mut builder = PacketBuilder::new();
    check(PEER.name, c, shape(&decode_one(&mut builder, &c.bytes, v5)));
    g.bench_function(PEER.name, |b| {
        time(b, || decode_one(&mut builder, black_box(&c.bytes), v5))
    });
}

fn qos(q: QoS) -> Qos {
    match q {
        QoS::AtMostOnce => Qos::AtMostOnce,
        QoS::AtLeastOnce => Qos::AtLeastOnce,
        QoS::ExactlyOnce => Qos::ExactlyOnce,
    }
}

/// Encodes a prepared packet into a new `Vec`.
type Encode = Box<dyn Fn() -> Vec<u8>>;

fn packet(c: &Case) -> Result<Option<Encode>, MqttError> {
    let v5 = is_v5(c);
    Ok(Some(match &c.packet {
        Packet::Publish(p) if v5 => {
            let props = &p.properties;
            let mut list = Vec::new();
            if let Some(indicator) = props.payload_format_indicator {
                let format = if indicator == 1 {
                    PayloadFormat::String
                } else {
                    PayloadFormat::Binary
                };
                list.push(Property::PayloadFormatIndicator(
                    PayloadFormatIndicator::new(format)?,
                ));
            }
            if let Some(seconds) = props.message_expiry_interval {
                list.push(Property::MessageExpiryInterval(MessageExpiryInterval::new(
                    seconds,
                )?));
            }
            if let Some(content_type) = &props.content_type {
                list.push(Property::ContentType(ContentType::new(
                    content_type.as_str(),
                )?));
            }
            for u in props.user_properties.iter() {
                list.push(Property::UserProperty(UserProperty::new(
                    u.name.as_str(),
                    u.value.as_str(),
                )?));
            }
            let mut builder = v5_0::Publish::builder()
                .topic_name(p.topic.as_str())?
                .qos(qos(p.qos))
                .props(list)
                .payload(&p.payload[..]);
            if let Some(id) = p.packet_id {
                builder = builder.packet_id(id.get());
            }
            let peer = builder.build()?;
            Box::new(move || peer.to_continuous_buffer())
        }
        Packet::Publish(p) => {
            let mut builder = v3_1_1::Publish::builder()
                .topic_name(p.topic.as_str())?
                .qos(qos(p.qos))
                .payload(&p.payload[..]);
            if let Some(id) = p.packet_id {
                builder = builder.packet_id(id.get());
            }
            let peer = builder.build()?;
            Box::new(move || peer.to_continuous_buffer())
        }
        Packet::Connect(cn) if !v5 => {
            let mut builder = v3_1_1::Connect::builder()
                .client_id(cn.client_id.as_str())?
                .clean_session(cn.clean_start)
                .keep_alive(cn.keep_alive);
            if let Some(user) = &cn.username {
                builder = builder.user_name(user.as_str())?;
            }
            if let Some(password) = &cn.password {
                builder = builder.password(password.to_vec())?;
            }
            let peer = builder.build()?;
            Box::new(move || peer.to_continuous_buffer())
        }
        Packet::Subscribe(s) if !v5 => {
            let entries = s
                .subscriptions
                .iter()
                .map(|f| {
                    SubEntry::new(
                        f.filter.as_str(),
                        SubOpts::new().set_qos(qos(f.options.qos)),
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            let peer = v3_1_1::Subscribe::builder()
                .packet_id(s.packet_id.get())
                .entries(entries)
                .build()?;
            Box::new(move || peer.to_continuous_buffer())
        }
        Packet::PubAck(a) if !v5 => {
            let peer = v3_1_1::Puback::builder()
                .packet_id(a.packet_id.get())
                .build()?;
            Box::new(move || peer.to_continuous_buffer())
        }
        _ => return Ok(None),
    }))
}

fn encode(g: &mut Group<'_>, c: &Case) {
    let Some(encode) = packet(c).expect("mqtt-protocol-core builds the packet") else {
        return;
    };
    check_encoded(PEER.name, c, &encode());
    g.bench_function(PEER.name, |b| time(b, || black_box(encode())));
}

fn stream(stream: &[u8], chunk: usize) -> usize {
    let mut builder = PacketBuilder::new();
    let mut count = 0usize;
    for piece in stream.chunks(chunk) {
        let mut cursor = Cursor::new(piece);
        loop {
            match builder.feed(&mut cursor) {
                PacketBuildResult::Complete(raw) => {
                    black_box(parse(&raw, false).expect("valid"));
                    count += 1;
                }
                PacketBuildResult::Incomplete => break,
                PacketBuildResult::Error(e) => panic!("mqtt-protocol-core: {e:?}"),
            }
        }
    }
    count
}
