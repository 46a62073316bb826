//! Decode and encode of the same packets by mqtt-codec and by peer codecs, in one run.
//!
//! Groups are cases (`decode/publish_qos0_16B`, ...); functions are implementations:
//! `ours_owned` (streaming `Decoder`, zero-copy `Bytes` fields), `ours_borrowed` (`parse`, no
//! allocation), `ours_header_only` (encode up to the payload, for vectored writes), and the
//! peers `mqttbytes` (rumqttc's codec) and `mqttrs`. `bench-summary` turns the results into a
//! table of ratios.
//!
//! Peer packet construction copies the payload in mqttbytes (`Into<Vec<u8>>`): it is done
//! outside the timed part, so only encoding is measured.

use bytes::BytesMut;
use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use mqtt_codec::{parse, Decoder, DecoderConfig, Packet, ParseOptions, ProtocolVersion, Status};
use mqtt_codec_benches::{cases, mixed_stream, Case};
use std::time::Duration;

/// A decoder for either direction, so that every case decodes.
fn decoder(version: ProtocolVersion) -> Decoder {
    Decoder::new(DecoderConfig {
        version: Some(version),
        role: None,
        max_packet_size: 1 << 20,
    })
}

fn ours_decode_owned(c: &Case) -> Packet {
    let mut d = decoder(c.version);
    d.feed(&c.bytes);
    d.next_packet().expect("valid").expect("complete")
}

/// Writes a peer's packet into a buffer and returns its length.
type PeerWrite = Box<dyn Fn(&mut BytesMut) -> usize>;

fn mqttbytes_packet(c: &Case) -> Option<PeerWrite> {
    use mqttbytes::v4;
    let mq = |q: mqtt_codec::QoS| match q {
        mqtt_codec::QoS::AtMostOnce => mqttbytes::QoS::AtMostOnce,
        mqtt_codec::QoS::AtLeastOnce => mqttbytes::QoS::AtLeastOnce,
        mqtt_codec::QoS::ExactlyOnce => mqttbytes::QoS::ExactlyOnce,
    };
    Some(match (&c.packet, c.version) {
        (Packet::Publish(p), ProtocolVersion::V3_1_1) => {
            let mut peer = v4::Publish::new(p.topic.as_str(), mq(p.qos), p.payload.to_vec());
            peer.pkid = p.packet_id.map_or(0, |id| id.get());
            Box::new(move |buf| peer.write(buf).expect("encodes"))
        }
        (Packet::Publish(p), ProtocolVersion::V5) => {
            use mqttbytes::v5;
            let mut peer = v5::Publish::new(p.topic.as_str(), mq(p.qos), p.payload.to_vec());
            peer.pkid = p.packet_id.map_or(0, |id| id.get());
            peer.properties = Some(v5::PublishProperties {
                payload_format_indicator: p.properties.payload_format_indicator,
                message_expiry_interval: p.properties.message_expiry_interval,
                topic_alias: None,
                response_topic: None,
                correlation_data: None,
                user_properties: p
                    .properties
                    .user_properties
                    .iter()
                    .map(|u| (u.name.to_string(), u.value.to_string()))
                    .collect(),
                subscription_identifiers: vec![],
                content_type: p.properties.content_type.as_ref().map(|s| s.to_string()),
            });
            Box::new(move |buf| peer.write(buf).expect("encodes"))
        }
        (Packet::Connect(cn), _) => {
            let mut peer = v4::Connect::new(cn.client_id.as_str());
            peer.set_login("station", "secret");
            Box::new(move |buf| peer.write(buf).expect("encodes"))
        }
        (Packet::Subscribe(s), _) => {
            let mut peer = v4::Subscribe::new_many(s.subscriptions.iter().map(|f| {
                v4::SubscribeFilter::new(f.filter.to_string(), mqttbytes::QoS::AtLeastOnce)
            }));
            peer.pkid = s.packet_id.get();
            Box::new(move |buf| peer.write(buf).expect("encodes"))
        }
        (Packet::PubAck(a), _) => {
            let peer = v4::PubAck::new(a.packet_id.get());
            Box::new(move |buf| peer.write(buf).expect("encodes"))
        }
        _ => return None,
    })
}

fn mqttrs_decode(bytes: &[u8]) -> usize {
    match mqttrs::decode_slice(bytes) {
        Ok(Some(p)) => black_box(p).get_type() as usize,
        other => panic!("mqttrs failed: {other:?}"),
    }
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

fn decode(crit: &mut Criterion) {
    for c in cases() {
        let mut g = crit.benchmark_group(format!("decode/{}", c.name));
        g.throughput(Throughput::Bytes(c.bytes.len() as u64));
        g.bench_function("ours_owned", |b| {
            b.iter_batched(
                || {
                    let mut d = decoder(c.version);
                    d.feed(&c.bytes);
                    d
                },
                // The decoder is returned so that freeing it is not timed.
                |mut d| {
                    let p = d.next_packet().expect("valid");
                    (d, p)
                },
                BatchSize::SmallInput,
            )
        });
        let opts = ParseOptions::new(c.version);
        g.bench_function("ours_borrowed", |b| {
            b.iter(|| match parse(black_box(&c.bytes), &opts) {
                Ok(Status::Complete((p, used))) => {
                    black_box(&p);
                    used
                }
                other => panic!("{other:?}"),
            })
        });
        let max = 1 << 20;
        if c.version == ProtocolVersion::V3_1_1 {
            g.bench_function("mqttbytes", |b| {
                b.iter_batched(
                    || BytesMut::from(&c.bytes[..]),
                    |mut buf| {
                        let p = mqttbytes::v4::read(&mut buf, max).expect("valid");
                        (buf, p)
                    },
                    BatchSize::SmallInput,
                )
            });
            g.bench_function("mqttrs", |b| b.iter(|| mqttrs_decode(black_box(&c.bytes))));
        } else {
            g.bench_function("mqttbytes", |b| {
                b.iter_batched(
                    || BytesMut::from(&c.bytes[..]),
                    |mut buf| {
                        let p = mqttbytes::v5::read(&mut buf, max).expect("valid");
                        (buf, p)
                    },
                    BatchSize::SmallInput,
                )
            });
        }
        g.finish();
        // Keep the owned decode honest: it must produce the packet we encoded.
        assert_eq!(ours_decode_owned(&c), c.packet);
    }
}

fn encode(crit: &mut Criterion) {
    for c in cases() {
        let mut g = crit.benchmark_group(format!("encode/{}", c.name));
        g.throughput(Throughput::Bytes(c.bytes.len() as u64));
        let mut out = vec![0u8; c.bytes.len() + 16];
        g.bench_function("ours", |b| {
            b.iter(|| {
                c.packet
                    .encode_to_slice(c.version, black_box(&mut out))
                    .expect("encodes")
            })
        });
        if let Packet::Publish(p) = &c.packet {
            g.bench_function("ours_header_only", |b| {
                b.iter(|| {
                    let mut header: &mut [u8] = &mut out[..];
                    black_box(p.encode_header(c.version, &mut header).expect("encodes"));
                })
            });
        }
        if let Some(write) = mqttbytes_packet(&c) {
            let mut buf = BytesMut::with_capacity(c.bytes.len() + 16);
            g.bench_function("mqttbytes", |b| {
                b.iter(|| {
                    buf.clear();
                    black_box(write(&mut buf))
                })
            });
        }
        if mqttrs_encode(&c, &mut out).is_some() {
            g.bench_function("mqttrs", |b| {
                b.iter(|| mqttrs_encode(&c, black_box(&mut out)))
            });
        }
        g.finish();
    }
}

fn streaming(crit: &mut Criterion) {
    let stream = mixed_stream();
    for chunk in [1usize, 16, 1460, 65536] {
        let mut g = crit.benchmark_group(format!("stream_1MiB/chunk_{chunk}"));
        g.throughput(Throughput::Bytes(stream.len() as u64));
        g.sample_size(10);
        g.bench_function("ours_owned", |b| {
            b.iter(|| {
                let mut d = decoder(ProtocolVersion::V3_1_1);
                let mut count = 0usize;
                for piece in stream.chunks(chunk) {
                    d.feed(piece);
                    while let Some(p) = d.next_packet().expect("valid") {
                        black_box(p);
                        count += 1;
                    }
                }
                count
            })
        });
        g.bench_function("mqttbytes", |b| {
            b.iter(|| {
                let mut buf = BytesMut::new();
                let mut count = 0usize;
                for piece in stream.chunks(chunk) {
                    buf.extend_from_slice(piece);
                    loop {
                        match mqttbytes::v4::read(&mut buf, 1 << 20) {
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
            })
        });
        g.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = decode, encode, streaming
}
criterion_main!(benches);
