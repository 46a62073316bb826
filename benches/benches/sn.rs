//! MQTT-SN 1.2: parse and encode beside the `mqtt-sn` crate, the one other Rust codec of it,
//! in one run (`cd benches && cargo bench --bench sn`; figures in benches/SN-RESULTS.md).
//!
//! Both sides are measured as a caller uses them: the parsed message returned from a
//! function (`black_box` of the value), the encoder writing into a stack buffer.

use byte::{BytesExt, TryWrite};
use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use mqtt_codec::sn;

/// The datagrams: a QoS 1 PUBLISH with a 16-octet payload, a CONNECT, a PUBACK, a REGISTER.
const CASES: &[(&str, &[u8])] = &[
    ("publish16", b"\x17\x0c\x20\x00\x05\x00\x02temperature=21.5"),
    ("connect", b"\x0e\x04\x04\x01\x00\x3csensor-1"),
    ("puback", b"\x07\x0d\x00\x05\x00\x02\x00"),
    ("register", b"\x12\x0a\x00\x00\x00\x01PV/sunshine/"),
];

#[inline(never)]
fn ours_parse(datagram: &[u8]) -> Option<sn::Message<&[u8]>> {
    sn::parse(datagram).ok()
}

#[inline(never)]
fn peer_parse(datagram: &[u8]) -> Option<mqtt_sn::Message> {
    datagram.read::<mqtt_sn::Message>(&mut 0).ok()
}

fn parse(c: &mut Criterion) {
    for (name, datagram) in CASES {
        assert!(ours_parse(datagram).is_some(), "{name}: ours");
        assert!(peer_parse(datagram).is_some(), "{name}: mqtt-sn");
        let mut group = c.benchmark_group(format!("sn_parse/{name}"));
        group.bench_function("mqtt-codec", |b| b.iter(|| ours_parse(black_box(datagram))));
        group.bench_function("mqtt-sn", |b| b.iter(|| peer_parse(black_box(datagram))));
        group.finish();
    }
}

fn encode(c: &mut Criterion) {
    for (name, datagram) in CASES {
        let ours = ours_parse(datagram).unwrap();
        let peer = peer_parse(datagram).unwrap();
        let mut out = [0u8; 64];
        let n = ours.encode(&mut out).unwrap();
        assert_eq!(&out[..n], *datagram, "{name}: ours re-encodes");
        let m = peer.clone().try_write(&mut out, ()).unwrap();
        assert_eq!(&out[..m], *datagram, "{name}: mqtt-sn re-encodes");
        let mut group = c.benchmark_group(format!("sn_encode/{name}"));
        group.bench_function("mqtt-codec", |b| {
            b.iter(|| {
                let mut out = [0u8; 64];
                let n = black_box(&ours).encode(&mut out).unwrap();
                black_box(out);
                n
            })
        });
        // `try_write` takes the message by value: the copy it needs is made outside the
        // measurement.
        group.bench_function("mqtt-sn", |b| {
            b.iter_batched(
                || peer.clone(),
                |m| {
                    let mut out = [0u8; 64];
                    let n = black_box(m).try_write(&mut out, ()).unwrap();
                    black_box(out);
                    n
                },
                BatchSize::SmallInput,
            )
        });
        group.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = parse, encode
}
criterion_main!(benches);
