//! A loop over one decode (owned or borrowed) or one encode, or the same decode or encode
//! through mqttbytes (`mqttbytes` mode, 3.1.1 cases; `mqttbytes-encode` mode, for PUBLISH,
//! CONNECT and SUBSCRIBE), for profilers that count instructions:
//!
//! ```text
//! CARGO_PROFILE_RELEASE_DEBUG=true cargo build --release -p mqtt-codec-benches --example profile_decode
//! valgrind --tool=callgrind target/release/examples/profile_decode owned 100000
//! ```

use mqtt_codec::{parse, Decoder, Encode, ParseOptions, Status};
use mqtt_codec_benches::{cases, mqttbytes_packets};
use std::hint::black_box;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "owned".into());
    if mode == "sizes" {
        // What a decode moves around: the size of each packet form.
        use std::mem::size_of;
        println!("Packet {}", size_of::<mqtt_codec::Packet>());
        println!("PacketRef {}", size_of::<mqtt_codec::PacketRef<'static>>());
        println!("Connect {}", size_of::<mqtt_codec::Connect>());
        println!("Publish {}", size_of::<mqtt_codec::Publish>());
        println!("DecodeError {}", size_of::<mqtt_codec::DecodeError>());
        println!("Decoder {}", size_of::<Decoder>());
        return;
    }
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    if let Some(chunk) = mode.strip_prefix("peerstream") {
        // The same stream through mqttbytes, to compare instruction counts.
        let chunk: usize = chunk.parse().unwrap_or(65536);
        let stream = mqtt_codec_benches::mixed_stream();
        for _ in 0..rounds {
            let mut buf = bytes::BytesMut::new();
            for piece in stream.chunks(chunk) {
                buf.extend_from_slice(piece);
                while let Ok(p) = mqttbytes::v4::read(&mut buf, 1 << 20) {
                    black_box(p);
                }
            }
        }
        return;
    }
    if let Some(chunk) = mode.strip_prefix("stream") {
        // The 1 MiB mixed stream, `rounds` times, in chunks of the size after "stream".
        let chunk: usize = chunk.parse().unwrap_or(65536);
        let stream = mqtt_codec_benches::mixed_stream();
        for _ in 0..rounds {
            let mut decoder = Decoder::client(mqtt_codec::ProtocolVersion::V3_1_1);
            for piece in stream.chunks(chunk) {
                decoder.feed(piece);
                while let Some(p) = decoder.next_packet().expect("valid") {
                    black_box(p);
                }
            }
        }
        return;
    }
    let case_name = args.next().unwrap_or_else(|| "publish_qos0_16B".into());
    let case = cases()
        .into_iter()
        .find(|c| c.name == case_name)
        .expect("known case");
    let opts = ParseOptions::new(case.version);
    let mut decoder = Decoder::new(mqtt_codec::DecoderConfig {
        version: Some(case.version),
        role: None,
        max_packet_size: 1 << 20,
    });
    let mut peer_buf = bytes::BytesMut::new();
    let mut out = [0u8; 256];
    // The same PUBLISH for mqttbytes to encode (3.1.1 PUBLISH cases).
    let peer_publish = match &case.packet {
        mqtt_codec::Packet::Publish(p) if case.version != mqtt_codec::ProtocolVersion::V5 => {
            Some(mqttbytes_packets::publish_v4(p))
        }
        _ => None,
    };
    // The same CONNECT for mqttbytes, as the codec benchmark builds it.
    let peer_connect = match &case.packet {
        mqtt_codec::Packet::Connect(c) => {
            let mut peer = mqttbytes::v4::Connect::new(c.client_id.as_str());
            peer.set_login("station", "secret");
            Some(peer)
        }
        _ => None,
    };
    // The same SUBSCRIBE and 5.0 PUBLISH for mqttbytes, as the codec benchmark builds them.
    let peer_subscribe = match &case.packet {
        mqtt_codec::Packet::Subscribe(s) => Some(mqttbytes_packets::subscribe_v4(s)),
        _ => None,
    };
    let peer_v5_publish = match &case.packet {
        mqtt_codec::Packet::Publish(p) if case.version == mqtt_codec::ProtocolVersion::V5 => {
            Some(mqttbytes_packets::publish_v5(p))
        }
        _ => None,
    };
    for _ in 0..rounds {
        match mode.as_str() {
            "encode" => {
                black_box(
                    case.packet
                        .encode_to_slice(case.version, black_box(&mut out))
                        .expect("encodes"),
                );
            }
            "encode-publish" => {
                // The PUBLISH encoded as itself, without the packet enum's dispatch.
                if let mqtt_codec::Packet::Publish(p) = &case.packet {
                    black_box(
                        p.encode_to_slice(case.version, black_box(&mut out))
                            .expect("encodes"),
                    );
                }
            }
            "mqttbytes-encode" => {
                peer_buf.clear();
                if let Some(peer) = &peer_v5_publish {
                    black_box(peer.write(black_box(&mut peer_buf)).expect("encodes"));
                } else if let Some(peer) = &peer_subscribe {
                    black_box(peer.write(black_box(&mut peer_buf)).expect("encodes"));
                } else if let Some(peer) = &peer_publish {
                    black_box(peer.write(black_box(&mut peer_buf)).expect("encodes"));
                } else if let Some(peer) = &peer_connect {
                    black_box(peer.write(black_box(&mut peer_buf)).expect("encodes"));
                }
            }
            "mqttbytes" => {
                // The same packet through mqttbytes (3.1.1 cases), to compare counts.
                peer_buf.extend_from_slice(black_box(&case.bytes));
                black_box(mqttbytes::v4::read(&mut peer_buf, 1 << 20).expect("valid"));
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
