//! Times the Rust core on the shared cases with the loop structure of `benches/c/bench_ffi.c`,
//! so that `benches/c/run.sh` can print the C ABI's overhead over the core.
//!
//! decode: `mqtt_codec::parse` (borrowed, allocation-free) of the case's bytes, version of the
//! case, either receiving side; encode: `Packet::encode_to_slice` of the case's packet into a
//! preallocated buffer; decode with its fields read: the parse, then a CONNECT's fields and
//! the 5.0 properties read, as `mqtt_decode` converts them; encode with its fields checked: that time plus the time of checking
//! every string field from its bytes, as a caller building the packet from raw bytes does
//! (`mqtt_encode` receives raw bytes and must check them; the owned packet's were checked
//! when it was made). Each measurement calibrates the loop count to about `--target-ms`
//! and keeps the best of `--repeat` loops; the clock is `Instant` (CLOCK_MONOTONIC, as in
//! the C program).
//!
//! Output, one line per case and operation: `CASE OP NS_PER_OP LEN FNV1A64`, where `LEN` and
//! `FNV1A64` identify the case's bytes so the script can check both programs used the same;
//! a sixth field is the like-for-like time: for a decode, with the fields read that
//! `mqtt_decode` converts and the borrowed parse leaves to be read on demand (a CONNECT's,
//! 5.0 properties); for an encode, with the fields checked.

use std::hint::black_box;
use std::time::Instant;

use mqtt_codec::{
    parse, ConnectSlot, MqttStr, Packet, PacketRef, ParseOptions, Properties, Status, TopicFilter,
    TopicName,
};
use mqtt_codec_benches::cases;

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Nanoseconds per call of `f`: the loop is calibrated to about `target_ms`, and the best of
/// `repeat` loops is kept.
fn measure(target_ms: f64, repeat: u32, mut f: impl FnMut()) -> f64 {
    let mut iters: u64 = 1;
    loop {
        let start = Instant::now();
        for _ in 0..iters {
            f();
        }
        let secs = start.elapsed().as_secs_f64();
        if secs >= target_ms / 1e3 / 10.0 {
            iters = ((iters as f64) * (target_ms / 1e3) / secs).ceil().max(1.0) as u64;
            break;
        }
        iters *= 2;
    }
    let mut best = f64::INFINITY;
    for _ in 0..repeat {
        let start = Instant::now();
        for _ in 0..iters {
            f();
        }
        best = best.min(start.elapsed().as_secs_f64() * 1e9 / iters as f64);
    }
    best
}

/// Reads what the borrowed parse left to be read on demand and `mqtt_decode` hands over in
/// its `mqtt_packet`: a CONNECT's fields and every 5.0 property, the properties in one walk
/// (`PropertyView::for_each`, the cheapest way to read them all). (Lists stay regions in
/// both: a C caller reads them with an iterator.)
fn read_fields(packet: &PacketRef<'_>) {
    if let Some(p) = packet.properties() {
        if !p.is_empty() {
            p.for_each(|property| {
                black_box(property);
            });
        }
    }
    if let Packet::Connect(c) = packet {
        c.with(|c| {
            black_box(c);
        });
    }
}

fn check_str(s: &MqttStr) -> bool {
    MqttStr::try_new(black_box(s.as_bytes())).is_ok()
}

fn check_properties(p: &Properties) -> bool {
    p.content_type.as_ref().is_none_or(check_str)
        && p.response_topic.as_ref().is_none_or(|t| {
            TopicName::try_from_bytes(black_box(t.as_mqtt_str().as_bytes())).is_ok()
        })
        && p.user_properties
            .iter()
            .all(|u| check_str(&u.name) && check_str(&u.value))
}

/// Checks every string field of `packet` from its bytes, as building it from raw bytes does
/// (the topic's and the filters' rules, the strings' UTF-8): what `mqtt_encode` does with the
/// views of an `mqtt_packet` before it encodes.
fn check_fields(packet: &Packet) -> bool {
    match packet {
        Packet::Publish(p) => {
            TopicName::try_from_bytes(black_box(p.topic.as_mqtt_str().as_bytes())).is_ok()
                && check_properties(&p.properties)
        }
        Packet::Connect(c) => {
            check_str(&c.client_id)
                && c.username.as_ref().is_none_or(check_str)
                && check_properties(&c.properties)
        }
        Packet::Subscribe(s) => s.subscriptions.iter().all(|sub| {
            TopicFilter::try_from_bytes(black_box(sub.filter.as_mqtt_str().as_bytes()), false)
                .is_ok()
        }),
        _ => true,
    }
}

fn main() {
    let mut target_ms = 50.0;
    let mut repeat = 7;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().and_then(|v| v.parse::<f64>().ok());
        match (arg.as_str(), value) {
            ("--target-ms", Some(v)) => target_ms = v,
            ("--repeat", Some(v)) => repeat = v as u32,
            _ => {
                eprintln!("usage: bench_core [--target-ms MS] [--repeat N]");
                std::process::exit(2);
            }
        }
    }
    let mut out = vec![0u8; 1 << 20];
    // What a timed loop costs around a call that does nothing: taken off the time of a part
    // timed on its own (the reads of a decode, the checks of an encode) before it is added,
    // so that the sum does not count the loop twice.
    let empty = measure(target_ms, repeat, || black_box(()));
    let extra = |ns: f64| (ns - empty).max(0.0);
    for case in cases() {
        let bytes = &case.bytes[..];
        let (len, hash) = (bytes.len(), fnv1a(bytes));
        let opts = ParseOptions::new(case.version);
        match parse(bytes, &opts) {
            Ok(Status::Complete((_, used))) if used == len => {}
            other => panic!("{}: {other:?}", case.name),
        }
        let ns = measure(target_ms, repeat, || {
            let r = parse(black_box(bytes), black_box(&opts));
            black_box(&r);
        });
        // Timed on its own, over a view parsed once, and added to the parse's time (as the
        // checks of an encode below).
        let Ok(Status::Complete((view, _))) = parse(bytes, &opts) else {
            unreachable!("parsed above")
        };
        let read = ns + extra(measure(target_ms, repeat, || read_fields(black_box(&view))));
        println!("{} decode {ns:.2} {len} {hash:016x} {read:.2}", case.name);

        let n = case
            .packet
            .encode_to_slice(case.version, &mut out)
            .expect("valid");
        assert_eq!(&out[..n], bytes, "{}", case.name);
        let packet = &case.packet;
        let ns = measure(target_ms, repeat, || {
            let r = black_box(packet).encode_to_slice(case.version, black_box(&mut out[..]));
            black_box(&r);
        });
        // The checks are timed on their own and added to the encode's time: in one loop with
        // the encode, the branch on their verdict and the result kept for it cost more than
        // a PUBACK's whole encode.
        assert!(check_fields(packet), "{}", case.name);
        let checks = measure(target_ms, repeat, || {
            black_box(check_fields(black_box(packet)));
        });
        let checked = ns + extra(checks);
        println!(
            "{} encode {ns:.2} {len} {hash:016x} {checked:.2}",
            case.name
        );
    }
}
