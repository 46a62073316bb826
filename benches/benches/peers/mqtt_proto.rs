//! mqtt-proto 0.4.0: `v3::Packet` for 3.1.1 and `v5::Packet` for 5.0, each with
//! `Packet::decode(&[u8])` (an async decoder driven to completion over the slice) and
//! `Packet::encode()`, which returns the bytes in a new `Vec` (or a small array).
//! Packet construction shares the payload (`Bytes`) but copies the strings (`Arc<str>`): it
//! is done outside the timed part. The streaming decoder is `PollPacket`, a future that keeps
//! its state between polls, over a reader that has one chunk at a time.

use super::{check, check_encoded, is_v5, payload, time, Group, Peer, Shape};
use embedded_io_async::{ErrorKind, ErrorType, Read};
use mqtt_codec::{Packet, QoS};
use mqtt_codec_benches::Case;
use mqtt_proto::{v3, v5, Pid, QosPid, TopicFilter, TopicName};
use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

pub const PEER: Peer = Peer {
    name: "mqtt-proto",
    decode,
    encode,
    stream: Some(stream),
};

fn qos_pid(q: &QosPid) -> (u8, u16) {
    match q {
        QosPid::Level0 => (0, 0),
        QosPid::Level1(id) => (1, id.value()),
        QosPid::Level2(id) => (2, id.value()),
    }
}

fn shape_v3(p: &v3::Packet) -> Shape {
    match p {
        v3::Packet::Publish(p) => {
            let (qos, packet_id) = qos_pid(&p.qos_pid);
            Shape::Publish {
                topic: p.topic_name.to_string(),
                qos,
                packet_id,
                payload: p.payload.len(),
                user_properties: 0,
            }
        }
        v3::Packet::Connect(cn) => Shape::Connect {
            client_id: cn.client_id.to_string(),
            username: cn.username.as_ref().map(|u| u.to_string()),
            password: cn.password.as_ref().map(|p| p.to_vec()),
        },
        v3::Packet::Subscribe(s) => Shape::Subscribe {
            packet_id: s.pid.value(),
            filters: s.topics.iter().map(|(f, _)| f.to_string()).collect(),
        },
        v3::Packet::Puback(id) => Shape::PubAck {
            packet_id: id.value(),
        },
        other => panic!("mqtt-proto decoded a {other:?}"),
    }
}

fn shape_v5(p: &v5::Packet) -> Shape {
    match p {
        v5::Packet::Publish(p) => {
            let (qos, packet_id) = qos_pid(&p.qos_pid);
            Shape::Publish {
                topic: p.topic_name.to_string(),
                qos,
                packet_id,
                payload: p.payload.len(),
                user_properties: p.properties.user_properties.len(),
            }
        }
        other => panic!("mqtt-proto decoded a {other:?}"),
    }
}

fn decode(g: &mut Group<'_>, c: &Case) {
    if is_v5(c) {
        let p = v5::Packet::decode(&c.bytes)
            .expect("valid")
            .expect("complete");
        check(PEER.name, c, shape_v5(&p));
        g.bench_function(PEER.name, |b| {
            time(b, || {
                v5::Packet::decode(black_box(&c.bytes)).expect("valid")
            })
        });
    } else {
        let p = v3::Packet::decode(&c.bytes)
            .expect("valid")
            .expect("complete");
        check(PEER.name, c, shape_v3(&p));
        g.bench_function(PEER.name, |b| {
            time(b, || {
                v3::Packet::decode(black_box(&c.bytes)).expect("valid")
            })
        });
    }
}

fn pid(n: u16) -> Pid {
    Pid::try_from(n).expect("non-zero")
}

fn qos(q: QoS, id: u16) -> QosPid {
    match q {
        QoS::AtMostOnce => QosPid::Level0,
        QoS::AtLeastOnce => QosPid::Level1(pid(id)),
        QoS::ExactlyOnce => QosPid::Level2(pid(id)),
    }
}

fn proto_qos(q: QoS) -> mqtt_proto::QoS {
    match q {
        QoS::AtMostOnce => mqtt_proto::QoS::Level0,
        QoS::AtLeastOnce => mqtt_proto::QoS::Level1,
        QoS::ExactlyOnce => mqtt_proto::QoS::Level2,
    }
}

fn topic(s: &str) -> TopicName {
    TopicName::try_from(s).expect("valid topic")
}

fn v3_packet(c: &Case) -> v3::Packet {
    match &c.packet {
        Packet::Publish(p) => {
            let id = p.packet_id.map_or(0, |id| id.get());
            let body = v3::Publish::new(
                qos(p.qos, id),
                topic(p.topic.as_str()),
                payload(c).expect("publish"),
            );
            v3::Packet::Publish(body)
        }
        Packet::Connect(cn) => {
            let mut body = v3::Connect::new(Arc::from(cn.client_id.as_str()), cn.keep_alive);
            body.clean_session = cn.clean_start;
            body.username = cn.username.as_ref().map(|u| Arc::from(u.as_str()));
            body.password = cn.password.clone();
            v3::Packet::Connect(body)
        }
        Packet::Subscribe(s) => v3::Packet::Subscribe(v3::Subscribe {
            pid: pid(s.packet_id.get()),
            topics: s
                .subscriptions
                .iter()
                .map(|f| {
                    let filter = TopicFilter::try_from(f.filter.as_str()).expect("valid");
                    (filter, proto_qos(f.options.qos))
                })
                .collect(),
        }),
        Packet::PubAck(a) => v3::Packet::Puback(pid(a.packet_id.get())),
        other => panic!("no benchmark case is a {other:?}"),
    }
}

fn v5_packet(c: &Case) -> Option<v5::Packet> {
    let Packet::Publish(p) = &c.packet else {
        return None;
    };
    let id = p.packet_id.map_or(0, |id| id.get());
    let props = &p.properties;
    let properties = v5::PublishProperties {
        payload_is_utf8: props.payload_format_indicator.map(|v| v == 1),
        message_expiry_interval: props.message_expiry_interval,
        content_type: props.content_type.as_ref().map(|s| Arc::from(s.as_str())),
        user_properties: props
            .user_properties
            .iter()
            .map(|u| v5::UserProperty {
                name: Arc::from(u.name.as_str()),
                value: Arc::from(u.value.as_str()),
            })
            .collect(),
        ..Default::default()
    };
    Some(v5::Packet::Publish(v5::Publish {
        dup: false,
        retain: false,
        qos_pid: qos(p.qos, id),
        topic_name: topic(p.topic.as_str()),
        payload: payload(c).unwrap_or_default(),
        properties,
    }))
}

fn encode(g: &mut Group<'_>, c: &Case) {
    if is_v5(c) {
        let Some(packet) = v5_packet(c) else { return };
        check_encoded(PEER.name, c, packet.encode().expect("encodes").as_ref());
        g.bench_function(PEER.name, |b| {
            time(b, || black_box(&packet).encode().expect("encodes"))
        });
    } else {
        let packet = v3_packet(c);
        check_encoded(PEER.name, c, packet.encode().expect("encodes").as_ref());
        g.bench_function(PEER.name, |b| {
            time(b, || black_box(&packet).encode().expect("encodes"))
        });
    }
}

/// A reader that hands out one chunk, then is pending until the next chunk comes.
struct ChunkReader<'a> {
    data: &'a [u8],
}

impl ErrorType for ChunkReader<'_> {
    type Error = ErrorKind;
}

impl Read for ChunkReader<'_> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        if self.data.is_empty() {
            std::future::pending::<()>().await;
        }
        let n = buf.len().min(self.data.len());
        let (now, later) = self.data.split_at(n);
        buf[..n].copy_from_slice(now);
        self.data = later;
        Ok(n)
    }
}

/// Nothing to wake: the stream loop polls again as soon as it has fed the next chunk.
struct NoWake;

impl Wake for NoWake {
    fn wake(self: Arc<Self>) {}
}

fn stream(stream: &[u8], chunk: usize) -> usize {
    let waker = Waker::from(Arc::new(NoWake));
    let mut cx = Context::from_waker(&waker);
    let mut state = v3::PollPacketState::default();
    let mut count = 0usize;
    for piece in stream.chunks(chunk) {
        let mut reader = ChunkReader { data: piece };
        loop {
            let mut poll = v3::PollPacket::new(&mut state, &mut reader);
            match Pin::new(&mut poll).poll(&mut cx) {
                Poll::Ready(Ok((_, _, p))) => {
                    black_box(p);
                    count += 1;
                }
                Poll::Ready(Err(e)) => panic!("mqtt-proto: {e:?}"),
                Poll::Pending => break,
            }
        }
    }
    count
}
