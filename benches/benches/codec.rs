//! Decode and encode of the same packets by mqtt-codec and by peer codecs, in one run.
//!
//! Groups are cases (`decode/publish_qos0_16B`, ...); functions are implementations:
//! `ours_owned` (streaming `Decoder`, zero-copy `Bytes` fields, timed in steady state: the
//! bytes appended to a long-lived buffer and the packet taken from it), `ours_borrowed` (`parse`, no
//! allocation), `ours_header_only` (encode up to the payload, for vectored writes), and one
//! function per peer codec, named after its crate (`peers::ALL`: mqttbytes, mqttrs,
//! mqtt-protocol, mqtt-proto, mqtt5-protocol, mqtt-protocol-core, ntex-mqtt, flowsdk), each
//! where the peer can represent the case. Each peer's glue is in `peers/`, one module per
//! crate. `bench-summary` turns the results into a table of ratios.
//!
//! Peer packets are built outside the timed part (for most peers that copies the payload),
//! so only encoding is measured. Before timing, every peer's decode of a case is checked
//! against the case's packet, and the stream decoders' packet counts against ours.

mod peers;
use peers::time;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mqtt_codec::{parse, Decoder, DecoderConfig, Packet, ParseOptions, ProtocolVersion, Status};
use mqtt_codec_benches::{cases, mixed_stream, uniform_stream, Case};
use std::cell::OnceCell;
use std::hint::black_box;
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

fn ours_decode_copied(c: &Case) -> Packet {
    match parse(&c.bytes, &ParseOptions::new(c.version)) {
        Ok(Status::Complete((p, _))) => p.to_owned(),
        other => panic!("{other:?}"),
    }
}

fn decode(crit: &mut Criterion) {
    for c in cases() {
        let mut g = crit.benchmark_group(format!("decode/{}", c.name));
        g.throughput(Throughput::Bytes(c.bytes.len() as u64));
        // Steady state, as on a connection: one long-lived decoder; each iteration appends
        // the packet's bytes to its buffer and takes the packet. The peers that own a receive
        // buffer (mqttbytes, ntex-mqtt) are timed the same way; the others decode from a
        // slice and copy their fields out.
        let mut d = decoder(c.version);
        g.bench_function("ours_owned", |b| {
            time(b, || {
                d.feed(black_box(&c.bytes));
                d.next_packet().expect("valid").expect("complete")
            })
        });
        let opts = ParseOptions::new(c.version);
        // From a slice to an owned packet with its fields copied, as the peers without a
        // receive buffer decode (flowsdk, mqttrs, mqtt-protocol...): `parse`, then the
        // copying conversion.
        g.bench_function("ours_copied", |b| {
            time(b, || match parse(black_box(&c.bytes), &opts) {
                Ok(Status::Complete((p, _))) => p.to_owned(),
                other => panic!("{other:?}"),
            })
        });
        // The view is moved out to the caller, as every peer's packet is (`black_box(p)` by
        // value): what a view costs to return is part of what a caller pays.
        g.bench_function("ours_borrowed", |b| {
            time(b, || match parse(black_box(&c.bytes), &opts) {
                Ok(Status::Complete((p, _))) => black_box(p).packet_type() as usize,
                other => panic!("{other:?}"),
            })
        });
        for peer in peers::ALL {
            (peer.decode)(&mut g, &c);
        }
        g.finish();
        // Keep the owned decode honest: it must produce the packet we encoded.
        assert_eq!(ours_decode_owned(&c), c.packet);
        assert_eq!(ours_decode_copied(&c), c.packet);
    }
}

fn encode(crit: &mut Criterion) {
    for c in cases() {
        let mut g = crit.benchmark_group(format!("encode/{}", c.name));
        g.throughput(Throughput::Bytes(c.bytes.len() as u64));
        let mut out = vec![0u8; c.bytes.len() + 16];
        g.bench_function("ours", |b| {
            time(b, || {
                c.packet
                    .encode_to_slice(c.version, black_box(&mut out))
                    .expect("encodes")
            })
        });
        if let Packet::Publish(p) = &c.packet {
            g.bench_function("ours_header_only", |b| {
                time(b, || {
                    let mut header: &mut [u8] = &mut out[..];
                    black_box(p.encode_header(c.version, &mut header).expect("encodes"));
                })
            });
        }
        for peer in peers::ALL {
            (peer.encode)(&mut g, &c);
        }
        g.finish();
    }
}

/// Decodes the stream fed in chunks with our streaming decoder; returns the packet count.
fn ours_stream(stream: &[u8], chunk: usize) -> usize {
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
}

/// The cost per byte of one-byte reads as packets grow from 1 KiB to 1 MiB (issue 7: it must
/// stay flat): about 1 MiB of same-size PUBLISHes fed one byte at a time.
fn bytewise(crit: &mut Criterion) {
    for (name, payload) in [
        ("packets_1KiB", 1 << 10),
        ("packets_16KiB", 16 << 10),
        ("packets_256KiB", 256 << 10),
        // The decoder's limit is 1 MiB with the header: the largest payload under it.
        ("packets_1MiB", (1 << 20) - 64),
    ] {
        let stream = uniform_stream(payload, 1 << 20);
        let mut g = crit.benchmark_group(format!("stream_bytewise/{name}"));
        g.throughput(Throughput::Bytes(stream.len() as u64));
        g.sample_size(10);
        g.bench_function("ours_owned", |b| {
            time(b, || ours_stream(black_box(&stream), 1))
        });
        g.finish();
    }
}

fn streaming(crit: &mut Criterion) {
    let stream = mixed_stream();
    // How many packets the stream holds, counted once, when a peer's count is first checked.
    let packets = OnceCell::new();
    for chunk in [1usize, 16, 1460, 65536] {
        let mut g = crit.benchmark_group(format!("stream_1MiB/chunk_{chunk}"));
        g.throughput(Throughput::Bytes(stream.len() as u64));
        g.sample_size(10);
        g.bench_function("ours_owned", |b| {
            time(b, || ours_stream(black_box(&stream), chunk))
        });
        for peer in peers::ALL {
            let Some(decode) = peer.stream else { continue };
            // Checked when the benchmark runs (not when a filter skips it), once.
            let mut checked = false;
            g.bench_function(peer.name, |b| {
                if !checked {
                    let ours = *packets.get_or_init(|| ours_stream(&stream, 65536));
                    let theirs = decode(&stream, chunk);
                    assert_eq!(theirs, ours, "{} miscounts chunks of {chunk}", peer.name);
                    checked = true;
                }
                time(b, || decode(black_box(&stream), chunk))
            });
        }
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
    targets = decode, encode, streaming, bytewise
}
criterion_main!(benches);
