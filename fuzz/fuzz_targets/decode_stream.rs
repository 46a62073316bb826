//! Arbitrary bytes, cut into arbitrary chunks, fed to client and server decoders of each
//! version with a small maximum packet size. Checks: no panic; `buffered()` never beyond the
//! limit plus one chunk; the same packets and the same error whatever the chunking; a failed
//! decoder stays failed with the same error and ignores input. The two conversions of the
//! first packet's view (`to_shared`, slices of the frame, and `to_owned`, copies) agree, and
//! so do those of a PUBLISH or CONNECT view on its own.
//! A decoder over a slice as large as the limit (no allocation, views out) gives the same
//! packets and the same error as the growable one.
//!
//! Input layout: byte 0 picks the limit, bytes 1..9 seed the chunking, the rest is the stream.
#![no_main]
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use mqtt_codec::{
    parse, DecodeError, Decoder, DecoderConfig, Packet, PacketRef, ParseOptions, ProtocolVersion,
    Role, SliceBuffer, Status,
};
use mqtt_codec_fuzz::Rng;

#[derive(Debug, PartialEq)]
struct Outcome {
    packets: Vec<Packet>,
    error: Option<DecodeError>,
}

fn run(config: DecoderConfig, data: &[u8], mut next_chunk: impl FnMut() -> usize) -> Outcome {
    let max = config.max_packet_size;
    let mut d = Decoder::new(config);
    let mut packets = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let n = next_chunk().min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        d.feed(chunk);
        assert!(
            d.buffered() <= max.max(5) + chunk.len(),
            "buffered {} > limit {max} + chunk {}",
            d.buffered(),
            chunk.len()
        );
        loop {
            match d.next_packet() {
                Ok(Some(p)) => packets.push(p),
                Ok(None) => break,
                Err(e) => {
                    // The documented failed state: empty buffer, the error kept, later calls
                    // answer Failed with its kind, and input is ignored.
                    assert_eq!(d.error(), Some(&e));
                    assert_eq!(d.buffered(), 0);
                    d.feed(rest);
                    assert_eq!(d.buffered(), 0, "a failed decoder must ignore input");
                    match d.next_packet() {
                        Err(DecodeError::Failed { first }) => assert_eq!(first, e.kind()),
                        other => panic!("after {e:?}, next_packet gave {other:?}"),
                    }
                    return Outcome {
                        packets,
                        error: Some(e),
                    };
                }
            }
        }
        // Drained: at most one incomplete packet (or header) is held.
        assert!(
            d.buffered() <= max.max(5),
            "holding {} > limit {max}",
            d.buffered()
        );
        assert!(
            d.buffer_mut().capacity() <= 4 * (max + chunk.len()) + 4096,
            "capacity {} for limit {max}, chunk {}",
            d.buffer_mut().capacity(),
            chunk.len()
        );
    }
    Outcome {
        packets,
        error: None,
    }
}

/// The same stream through a decoder over a slice of `max` bytes, feeding again what a full
/// buffer did not take; views are made owned to compare.
fn run_fixed(config: DecoderConfig, data: &[u8], mut next_chunk: impl FnMut() -> usize) -> Outcome {
    let mut storage = vec![0u8; config.max_packet_size];
    let mut d = Decoder::with_buffer(config, SliceBuffer::new(&mut storage));
    let mut packets = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let n = next_chunk().min(rest.len());
        let mut chunk = &rest[..n];
        rest = &rest[n..];
        loop {
            let taken = d.feed(chunk);
            chunk = &chunk[taken..];
            loop {
                match d.next_packet_ref() {
                    Ok(Some(p)) => packets.push(p.to_owned()),
                    Ok(None) => break,
                    Err(e) => {
                        assert_eq!(d.error(), Some(&e));
                        assert_eq!(d.buffered(), 0);
                        assert_eq!(d.feed(rest), 0, "a failed decoder must take nothing");
                        return Outcome {
                            packets,
                            error: Some(e),
                        };
                    }
                }
            }
            if chunk.is_empty() {
                break;
            }
            assert!(
                taken > 0,
                "a drained buffer of the limit's size took nothing"
            );
        }
    }
    Outcome {
        packets,
        error: None,
    }
}

fuzz_target!(|input: &[u8]| {
    if input.len() < 9 {
        return;
    }
    let max = 2 + (input[0] as usize) * 2; // 2..=512
    let seed = u64::from_le_bytes(input[1..9].try_into().unwrap());
    let data = &input[9..];
    let configs = [
        (Some(ProtocolVersion::V3_1), Some(Role::Client)),
        (Some(ProtocolVersion::V3_1_1), Some(Role::Client)),
        (Some(ProtocolVersion::V5), Some(Role::Client)),
        (None, Some(Role::Server)),
        (Some(ProtocolVersion::V3_1_1), Some(Role::Server)),
        (Some(ProtocolVersion::V5), Some(Role::Server)),
        (Some(ProtocolVersion::V5), None),
    ];
    for (version, role) in configs {
        let config = DecoderConfig {
            version,
            role,
            max_packet_size: max,
        };
        let opts = ParseOptions {
            version,
            receiver: role,
            max_packet_size: max,
        };
        let shared = Bytes::copy_from_slice(data);
        assert_eq!(
            parse(data, &opts).map(|s| s.complete().map(|(view, n)| (view.to_owned(), n))),
            parse(&shared, &opts)
                .map(|s| s.complete().map(|(view, n)| (view.to_shared(&shared), n))),
            "to_owned differs from to_shared ({version:?}, {role:?})"
        );
        if let Ok(Status::Complete((view, _))) = parse(&shared, &opts) {
            match (&view, view.to_shared(&shared)) {
                (PacketRef::Publish(v), Packet::Publish(p)) => {
                    assert_eq!(v.to_owned(), p, "Publish::to_owned");
                    assert_eq!(v.to_shared(&shared), p, "Publish::to_shared");
                }
                (PacketRef::Connect(v), Packet::Connect(c)) => {
                    let connect = v.to_connect();
                    assert_eq!(connect.to_owned(), *c, "Connect::to_owned");
                    assert_eq!(connect.to_shared(&shared), *c, "Connect::to_shared");
                }
                _ => {}
            }
        }
        let whole = run(config, data, || usize::MAX);
        let mut ones = || 1;
        let bytewise = run(config, data, &mut ones);
        assert_eq!(
            whole, bytewise,
            "byte-at-a-time differs ({version:?}, {role:?})"
        );
        let mut rng = Rng(seed);
        let chunk_max = 1 + (seed >> 56) as usize;
        let chunked = run(config, data, || rng.chunk(chunk_max));
        assert_eq!(whole, chunked, "chunked differs ({version:?}, {role:?})");
        let fixed = run_fixed(config, data, || rng.chunk(chunk_max));
        // A buffer smaller than a fixed header (under five bytes) refuses a header longer
        // than itself before reading it all, where the growable decoder reads on and refuses
        // the remaining length (too large, too long, not minimal) or waits for its end.
        let same_refusal = matches!(
            (&whole.error, &fixed.error),
            (
                None | Some(
                    DecodeError::PacketTooLarge { .. }
                        | DecodeError::VarIntTooLong { .. }
                        | DecodeError::NonMinimalVarInt { .. }
                ),
                Some(DecodeError::PacketExceedsBuffer { capacity, .. })
            ) if *capacity < 5
        );
        if !same_refusal {
            assert_eq!(
                whole, fixed,
                "the slice decoder differs ({version:?}, {role:?})"
            );
        } else {
            assert_eq!(whole.packets, fixed.packets, "the slice decoder differs");
        }
    }
});
