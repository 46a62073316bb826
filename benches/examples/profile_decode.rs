//! A loop over one decode (owned or borrowed) or one encode, for profilers that count
//! instructions:
//!
//! ```text
//! CARGO_PROFILE_RELEASE_DEBUG=true cargo build --release -p mqtt-codec-benches --example profile_decode
//! valgrind --tool=callgrind target/release/examples/profile_decode owned 100000
//! ```

use mqtt_codec::{parse, Decoder, ParseOptions, Status};
use mqtt_codec_benches::cases;
use std::hint::black_box;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "owned".into());
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let case_name = args.next().unwrap_or_else(|| "publish_qos0_16B".into());
    let case = cases()
        .into_iter()
        .find(|c| c.name == case_name)
        .expect("known case");
    let opts = ParseOptions::new(case.version);
    let mut decoder = Decoder::client(case.version);
    for _ in 0..rounds {
        match mode.as_str() {
            "encode" => {
                let mut out = [0u8; 256];
                black_box(
                    case.packet
                        .encode_to_slice(case.version, black_box(&mut out))
                        .expect("encodes"),
                );
            }
            "borrowed" => match parse(black_box(&case.bytes), &opts) {
                Ok(Status::Complete(p)) => {
                    black_box(p);
                }
                other => panic!("{other:?}"),
            },
            _ => {
                decoder.feed(black_box(&case.bytes));
                black_box(decoder.next_packet().expect("valid"));
            }
        }
    }
}
