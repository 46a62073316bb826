//! The peer codecs, one module each: how each decodes and encodes the benchmark cases.
//!
//! Every module exports a [`Peer`]. Its `decode` and `encode` add a benchmark function named
//! after the peer to the case's group when the peer can represent the case (its 5.0 API for
//! 5.0 cases, its 3.1.1 API for 3.1.1 cases), and do nothing otherwise. Before timing, each
//! checks once that the peer decodes the case's bytes to the expected packet ([`check`]), or,
//! for encoding, that it produces the case's bytes ([`check_encoded`]) where it can. Peer
//! packets are built outside the timed part.

use bytes::Bytes;
use criterion::measurement::WallTime;
use criterion::{Bencher, BenchmarkGroup};
use mqtt_codec::{Decoder, DecoderConfig, Packet, ProtocolVersion, QoS};
use mqtt_codec_benches::Case;

pub mod flowsdk;
pub mod mqtt5_protocol;
pub mod mqtt_proto;
pub mod mqtt_protocol;
pub mod mqtt_protocol_core;
pub mod mqttbytes;
pub mod mqttrs;
pub mod ntex_mqtt;

/// A criterion group of one case.
pub type Group<'a> = BenchmarkGroup<'a, WallTime>;

/// Times `routine`, its result passed through [`std::hint::black_box`] and dropped inside
/// the timed loop. Every timed closure, ours and the peers', goes through here: criterion
/// 0.5's own `Bencher::iter` keeps results alive with a volatile read, which LLVM splits
/// into one load per byte for some enum layouts (about 300 instructions for an 80-byte
/// packet), a cost of the harness that no caller of a codec pays and that falls on codecs
/// unevenly, by the shape of their packet type.
pub fn time<O>(b: &mut Bencher<'_, WallTime>, mut routine: impl FnMut() -> O) {
    b.iter(|| {
        std::hint::black_box(routine());
    })
}

/// One peer codec.
pub struct Peer {
    /// The crate name, used as the benchmark function name.
    pub name: &'static str,
    /// Adds the decode benchmark of a case, if the peer supports it.
    pub decode: fn(&mut Group<'_>, &Case),
    /// Adds the encode benchmark of a case, if the peer supports it.
    pub encode: fn(&mut Group<'_>, &Case),
    /// Decodes a 3.1.1 stream fed in chunks of the given size with the peer's streaming
    /// decoder and returns the number of packets; `None` if the peer has none.
    pub stream: Option<fn(&[u8], usize) -> usize>,
}

/// Every peer, in the order of the summary table.
pub const ALL: &[Peer] = &[
    mqttbytes::PEER,
    mqttrs::PEER,
    mqtt_protocol::PEER,
    mqtt_proto::PEER,
    mqtt5_protocol::PEER,
    mqtt_protocol_core::PEER,
    ntex_mqtt::PEER,
    flowsdk::PEER,
];

/// What a decoded packet must look like: enough to tell that a peer decoded the right packet
/// and read its fields from the right places.
#[derive(Debug, PartialEq, Eq)]
pub enum Shape {
    /// A PUBLISH: topic, QoS (0-2), packet identifier (0 for none), payload length, and for
    /// 5.0 the number of user properties.
    Publish {
        topic: String,
        qos: u8,
        packet_id: u16,
        payload: usize,
        user_properties: usize,
    },
    /// A CONNECT: client identifier, user name, password.
    Connect {
        client_id: String,
        username: Option<String>,
        password: Option<Vec<u8>>,
    },
    /// A SUBSCRIBE: packet identifier and topic filters.
    Subscribe {
        packet_id: u16,
        filters: Vec<String>,
    },
    /// A PUBACK: packet identifier.
    PubAck { packet_id: u16 },
}

/// The QoS as a number.
pub fn qos_level(qos: QoS) -> u8 {
    match qos {
        QoS::AtMostOnce => 0,
        QoS::AtLeastOnce => 1,
        QoS::ExactlyOnce => 2,
    }
}

/// The shape of the case's packet.
pub fn expected(c: &Case) -> Shape {
    match &c.packet {
        Packet::Publish(p) => Shape::Publish {
            topic: p.topic.as_str().to_string(),
            qos: qos_level(p.qos),
            packet_id: p.packet_id.map_or(0, |id| id.get()),
            payload: p.payload.len(),
            user_properties: p.properties.user_properties.len(),
        },
        Packet::Connect(cn) => Shape::Connect {
            client_id: cn.client_id.as_str().to_string(),
            username: cn.username.as_ref().map(|u| u.as_str().to_string()),
            password: cn.password.as_ref().map(|p| p.to_vec()),
        },
        Packet::Subscribe(s) => Shape::Subscribe {
            packet_id: s.packet_id.get(),
            filters: s
                .subscriptions
                .iter()
                .map(|f| f.filter.as_str().to_string())
                .collect(),
        },
        Packet::PubAck(a) => Shape::PubAck {
            packet_id: a.packet_id.get(),
        },
        other => panic!("no benchmark case is a {other:?}"),
    }
}

/// Asserts that `peer` decoded the case's bytes to the case's packet.
pub fn check(peer: &str, c: &Case, got: Shape) {
    assert_eq!(got, expected(c), "{peer} decoded {} wrongly", c.name);
}

/// Asserts that `peer` encoded the case's packet: to the case's bytes, or, where MQTT leaves
/// the order free (5.0 properties), to bytes of the same length that our decoder reads back
/// as the case's packet.
pub fn check_encoded(peer: &str, c: &Case, got: &[u8]) {
    if got == &c.bytes[..] {
        return;
    }
    let mut d = Decoder::new(DecoderConfig {
        version: Some(c.version),
        role: None,
        max_packet_size: 1 << 20,
    });
    d.feed(got);
    let back = d.next_packet();
    assert!(
        got.len() == c.bytes.len() && matches!(&back, Ok(Some(p)) if *p == c.packet),
        "{peer} encodes {} differently ({back:?}):\n  ours {:02x?}\n  peer {:02x?}",
        c.name,
        &c.bytes[..c.bytes.len().min(64)],
        &got[..got.len().min(64)],
    );
}

/// Whether the case is a 5.0 case.
pub fn is_v5(c: &Case) -> bool {
    c.version == ProtocolVersion::V5
}

/// The payload of a case's PUBLISH, shared (no copy).
pub fn payload(c: &Case) -> Option<Bytes> {
    match &c.packet {
        Packet::Publish(p) => Some(p.payload.clone()),
        _ => None,
    }
}
