//! Times the Rust core on the shared cases with the loop structure of `benches/c/bench_ffi.c`,
//! so that `benches/c/run.sh` can print the C ABI's overhead over the core.
//!
//! decode: `mqtt_codec::parse` (borrowed, allocation-free) of the case's bytes, version of the
//! case, either receiving side; encode: `Packet::encode_to_slice` of the case's packet into a
//! preallocated buffer. Each measurement calibrates the loop count to about `--target-ms`
//! and keeps the best of `--repeat` loops; the clock is `Instant` (CLOCK_MONOTONIC, as in
//! the C program).
//!
//! Output, one line per case and operation: `CASE OP NS_PER_OP LEN FNV1A64`, where `LEN` and
//! `FNV1A64` identify the case's bytes so the script can check both programs used the same.

use std::hint::black_box;
use std::time::Instant;

use mqtt_codec::{parse, ParseOptions, Status};
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
        println!("{} decode {ns:.2} {len} {hash:016x}", case.name);

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
        println!("{} encode {ns:.2} {len} {hash:016x}", case.name);
    }
}
