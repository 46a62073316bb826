//! mqttbytes 0.6.0 (rumqttc's codec): `v4::read`/`v5::read` on a `BytesMut`, and each packet
//! type's `write`. Packet construction copies the payload (`Into<Vec<u8>>`): it is done
//! outside the timed part.

use super::{check, is_v5, time, Group, Peer, Shape};
use bytes::BytesMut;
use mqtt_codec::{Packet, ProtocolVersion};
use mqtt_codec_benches::Case;
use std::hint::black_box;

pub const PEER: Peer = Peer {
    name: "mqttbytes",
    decode,
    encode,
    stream: Some(stream),
};

const MAX: usize = 1 << 20;

fn shape_v4(p: &mqttbytes::v4::Packet) -> Shape {
    use mqttbytes::v4::Packet as P;
    match p {
        P::Publish(p) => Shape::Publish {
            topic: p.topic.clone(),
            qos: p.qos as u8,
            packet_id: p.pkid,
            payload: p.payload.len(),
            user_properties: 0,
        },
        P::Connect(cn) => Shape::Connect {
            client_id: cn.client_id.clone(),
            username: cn.login.as_ref().map(|l| l.username.clone()),
            password: cn.login.as_ref().map(|l| l.password.clone().into_bytes()),
        },
        P::Subscribe(s) => Shape::Subscribe {
            packet_id: s.pkid,
            filters: s.filters.iter().map(|f| f.path.clone()).collect(),
        },
        P::PubAck(a) => Shape::PubAck { packet_id: a.pkid },
        other => panic!("mqttbytes decoded a {other:?}"),
    }
}

fn shape_v5(p: &mqttbytes::v5::Packet) -> Shape {
    match p {
        mqttbytes::v5::Packet::Publish(p) => Shape::Publish {
            topic: p.topic.clone(),
            qos: p.qos as u8,
            packet_id: p.pkid,
            payload: p.payload.len(),
            user_properties: p.properties.as_ref().map_or(0, |p| p.user_properties.len()),
        },
        other => panic!("mqttbytes decoded a {other:?}"),
    }
}

fn decode(g: &mut Group<'_>, c: &Case) {
    if is_v5(c) {
        let p = mqttbytes::v5::read(&mut BytesMut::from(&c.bytes[..]), MAX).expect("valid");
        check(PEER.name, c, shape_v5(&p));
        // One long-lived receive buffer, as a connection has (see `ours_owned`).
        let mut buf = BytesMut::new();
        g.bench_function(PEER.name, |b| {
            time(b, || {
                buf.extend_from_slice(black_box(&c.bytes));
                mqttbytes::v5::read(&mut buf, MAX).expect("valid")
            })
        });
    } else {
        let p = mqttbytes::v4::read(&mut BytesMut::from(&c.bytes[..]), MAX).expect("valid");
        check(PEER.name, c, shape_v4(&p));
        // One long-lived receive buffer, as a connection has (see `ours_owned`).
        let mut buf = BytesMut::new();
        g.bench_function(PEER.name, |b| {
            time(b, || {
                buf.extend_from_slice(black_box(&c.bytes));
                mqttbytes::v4::read(&mut buf, MAX).expect("valid")
            })
        });
    }
}

/// Writes a peer's packet into a buffer and returns its length.
type PeerWrite = Box<dyn Fn(&mut BytesMut) -> usize>;

fn packet(c: &Case) -> Option<PeerWrite> {
    use mqtt_codec_benches::mqttbytes_packets as build;
    use mqttbytes::v4;
    Some(match (&c.packet, c.version) {
        (Packet::Publish(p), ProtocolVersion::V3_1_1) => {
            let peer = build::publish_v4(p);
            Box::new(move |buf| peer.write(buf).expect("encodes"))
        }
        (Packet::Publish(p), ProtocolVersion::V5) => {
            let peer = build::publish_v5(p);
            Box::new(move |buf| peer.write(buf).expect("encodes"))
        }
        (Packet::Connect(cn), _) => {
            let mut peer = v4::Connect::new(cn.client_id.as_str());
            peer.set_login("station", "secret");
            Box::new(move |buf| peer.write(buf).expect("encodes"))
        }
        (Packet::Subscribe(s), _) => {
            let peer = build::subscribe_v4(s);
            Box::new(move |buf| peer.write(buf).expect("encodes"))
        }
        (Packet::PubAck(a), _) => {
            let peer = v4::PubAck::new(a.packet_id.get());
            Box::new(move |buf| peer.write(buf).expect("encodes"))
        }
        _ => return None,
    })
}

fn encode(g: &mut Group<'_>, c: &Case) {
    if let Some(write) = packet(c) {
        let mut buf = BytesMut::with_capacity(c.bytes.len() + 16);
        g.bench_function(PEER.name, |b| {
            time(b, || {
                buf.clear();
                black_box(write(&mut buf))
            })
        });
    }
}

fn stream(stream: &[u8], chunk: usize) -> usize {
    let mut buf = BytesMut::new();
    let mut count = 0usize;
    for piece in stream.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match mqttbytes::v4::read(&mut buf, MAX) {
                Ok(p) => {
                    black_box(p);
                    count += 1;
                }
                Err(mqttbytes::Error::InsufficientBytes(_)) => break,
                Err(e) => panic!("{e:?}"),
            }
        }
    }
    count
}
