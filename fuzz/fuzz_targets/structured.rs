//! Arbitrary VALID packets (built from `Unstructured` by the fuzz crate's generators) encode,
//! and decode back equal, under every version: through the streaming `Decoder` (whole and one
//! byte at a time), through `parse`, and `encoded_len` is exact.
#![no_main]
use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use mqtt_codec::{parse, Decoder, DecoderConfig, Packet, ParseOptions, Status, MAX_PACKET_SIZE};
use mqtt_codec_fuzz::{packet, receiver_for, to_hex, version};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(v) = version(&mut u) else { return };
    let mut packets = Vec::new();
    while packets.len() < 4 && !u.is_empty() {
        let Ok(p) = packet(&mut u, v) else { break };
        let Ok(receiver) = receiver_for(&p, v) else {
            continue;
        };
        packets.push((p, receiver));
    }
    for (p, receiver) in packets {
        let len = p
            .encoded_len(v)
            .unwrap_or_else(|e| panic!("valid packet does not encode under {v:?}: {e}\n{p:?}"));
        let bytes = p.to_bytes(v).unwrap();
        assert_eq!(len, bytes.len());
        let mut slice = vec![0u8; len];
        assert_eq!(p.encode_to_slice(v, &mut slice).unwrap(), len);
        assert_eq!(&slice[..], &bytes[..]);
        if len > 0 {
            assert!(p.encode_to_slice(v, &mut slice[..len - 1]).is_err());
        }
        let config = DecoderConfig {
            version: Some(v),
            role: receiver,
            max_packet_size: MAX_PACKET_SIZE,
        };
        let mut d = Decoder::new(config);
        d.feed(&bytes);
        let got = d
            .next_packet()
            .unwrap_or_else(|e| panic!("{v:?} {receiver:?}: {e}\n{}\n{p:?}", to_hex(&bytes)));
        assert_eq!(got.as_ref(), Some(&p), "{v:?}: {}", to_hex(&bytes));
        assert_eq!(d.buffered(), 0);
        let mut d1 = Decoder::new(config);
        let mut one = None;
        for b in bytes.iter() {
            d1.feed(&[*b]);
            if let Some(x) = d1.next_packet().unwrap() {
                one = Some(x);
            }
        }
        assert_eq!(one.as_ref(), Some(&p));
        let opts = ParseOptions {
            version: Some(v),
            receiver,
            max_packet_size: MAX_PACKET_SIZE,
        };
        match parse(&bytes, &opts) {
            Ok(Status::Complete((r, used))) => {
                assert_eq!(used, bytes.len());
                assert_eq!(r.to_bytes(v).unwrap(), bytes);
            }
            other => panic!("parse: {other:?}"),
        }
        // A server learning the version from CONNECT.
        if let Packet::Connect(_) = p {
            let mut s = Decoder::server();
            s.feed(&bytes);
            assert_eq!(s.next_packet().unwrap().as_ref(), Some(&p));
            assert_eq!(s.protocol_version(), Some(v));
        }
    }
});
