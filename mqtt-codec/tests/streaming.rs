//! The streaming `Decoder`: any chunking of a stream gives the same packets as feeding it
//! whole; oversized packets are refused from the header; errors are final; a server-side
//! decoder learns the version from CONNECT.

mod support_gen;

use mqtt_codec::{
    DecodeError, Decoder, DecoderConfig, Packet, PacketType, ProtocolVersion, ReasonCode, Role,
    SliceBuffer, MAX_PACKET_SIZE,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use support_gen::{arb_packet, hex, VERSIONS};

use ProtocolVersion::{V3_1, V3_1_1, V5};

fn decoder_for(version: ProtocolVersion) -> Decoder {
    Decoder::new(DecoderConfig {
        version: Some(version),
        role: None,
        max_packet_size: MAX_PACKET_SIZE,
    })
}

/// Feeds `chunks` one after the other, draining `next_packet` after each feed.
fn feed_chunks<'a>(
    mut decoder: Decoder,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<Packet>, DecodeError> {
    let mut out = Vec::new();
    for chunk in chunks {
        decoder.feed(chunk);
        while let Some(p) = decoder.next_packet()? {
            out.push(p);
        }
    }
    assert_eq!(decoder.buffered(), 0, "everything consumed");
    Ok(out)
}

/// Splits `bytes` at the given chunk sizes (cycled), the last chunk taking the rest.
fn split_by_sizes<'a>(bytes: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    let mut chunks = Vec::new();
    let mut rest = bytes;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].clamp(1, rest.len());
        let (head, tail) = rest.split_at(n);
        chunks.push(head);
        rest = tail;
        i += 1;
    }
    chunks
}

/// A version and 1 to 8 valid packets of it.
fn arb_stream() -> impl Strategy<Value = (ProtocolVersion, Vec<Packet>)> {
    select(VERSIONS.to_vec())
        .prop_flat_map(|v| vec(arb_packet(v), 1..=8).prop_map(move |ps| (v, ps)))
}

fn encode_all(version: ProtocolVersion, packets: &[Packet]) -> Vec<u8> {
    let mut stream = Vec::new();
    for p in packets {
        p.encode(version, &mut stream)
            .expect("valid packet encodes");
    }
    stream
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary chunk sizes give the same packets as one feed (and as the originals).
    #[test]
    fn any_chunking_yields_the_same_packets(
        (version, packets) in arb_stream(),
        sizes in vec(1usize..64, 1..16),
    ) {
        let stream = encode_all(version, &packets);
        let whole = feed_chunks(decoder_for(version), [&stream[..]]);
        prop_assert_eq!(whole.as_ref(), Ok(&packets));
        let chunked = feed_chunks(decoder_for(version), split_by_sizes(&stream, &sizes));
        prop_assert_eq!(chunked, whole);
    }

    /// Splitting at arbitrary byte offsets (including packet boundaries and inside headers).
    #[test]
    fn arbitrary_split_points_yield_the_same_packets(
        (version, packets) in arb_stream(),
        cuts in vec(any::<prop::sample::Index>(), 0..10),
    ) {
        let stream = encode_all(version, &packets);
        let mut offsets: Vec<usize> = cuts.iter().map(|c| c.index(stream.len() + 1)).collect();
        offsets.push(0);
        offsets.push(stream.len());
        offsets.sort_unstable();
        offsets.dedup();
        let chunks: Vec<&[u8]> = offsets.windows(2).map(|w| &stream[w[0]..w[1]]).collect();
        let whole = feed_chunks(decoder_for(version), [&stream[..]]);
        prop_assert_eq!(whole.as_ref(), Ok(&packets));
        let chunked = feed_chunks(decoder_for(version), chunks);
        prop_assert_eq!(chunked, whole);
    }

    /// One byte at a time.
    #[test]
    fn one_byte_at_a_time_yields_the_same_packets((version, packets) in arb_stream()) {
        let stream = encode_all(version, &packets);
        let whole = feed_chunks(decoder_for(version), [&stream[..]]);
        prop_assert_eq!(whole.as_ref(), Ok(&packets));
        let bytewise = feed_chunks(decoder_for(version), stream.chunks(1));
        prop_assert_eq!(bytewise, whole);
    }

    /// Empty feeds change nothing.
    #[test]
    fn empty_feeds_are_harmless((version, packets) in arb_stream()) {
        let stream = encode_all(version, &packets);
        let mut chunks: Vec<&[u8]> = Vec::new();
        for byte in stream.chunks(3) {
            chunks.push(&[]);
            chunks.push(byte);
        }
        chunks.push(&[]);
        prop_assert_eq!(feed_chunks(decoder_for(version), chunks), Ok(packets));
    }
}

// ---------------------------------------------------------------------------------------
// Deterministic tests
// ---------------------------------------------------------------------------------------

#[test]
fn declared_256_mib_packet_is_refused_from_the_header_one_byte_at_a_time() {
    for version in VERSIONS {
        let mut decoder = Decoder::new(DecoderConfig {
            version: Some(version),
            role: None,
            max_packet_size: 1024,
        });
        let header = hex("30 FF FF FF 7F");
        let mut error = None;
        for (i, byte) in header.iter().enumerate() {
            decoder.feed(&[*byte]);
            match decoder.next_packet() {
                Ok(None) => assert!(i < header.len() - 1, "still waiting after the whole header"),
                Ok(Some(p)) => panic!("a packet out of a bare header: {p:?}"),
                Err(e) => {
                    error = Some((i + 1, e));
                    break;
                }
            }
        }
        let (fed, err) = error.expect("refused within five bytes");
        assert!(fed <= 5);
        assert_eq!(
            err,
            DecodeError::PacketTooLarge {
                size: 1 + 4 + 268_435_455,
                max: 1024
            }
        );
        assert_eq!(err.reason_code(), ReasonCode::PacketTooLarge);
        assert!(decoder.buffered() <= 5, "no body was buffered");
    }
}

#[test]
fn packet_of_exactly_max_size_is_accepted_and_one_more_is_refused() {
    // PUBLISH "a" with a 1018-byte payload: RL = 3 + 1018 = 1021 (FD 07), so the packet is
    // 1 + 2 + 1021 = 1024 bytes.
    let mut packet = vec![0x30, 0xFD, 0x07, 0x00, 0x01, b'a'];
    packet.extend(std::iter::repeat(b'x').take(1018));
    assert_eq!(packet.len(), 1024);
    let config = DecoderConfig {
        version: Some(V3_1_1),
        role: None,
        max_packet_size: 1024,
    };
    let mut decoder = Decoder::new(config);
    decoder.feed(&packet);
    assert!(matches!(
        decoder.next_packet(),
        Ok(Some(Packet::Publish(_)))
    ));

    let mut decoder = Decoder::new(DecoderConfig {
        max_packet_size: 1023,
        ..config
    });
    decoder.feed(&packet[..3]);
    assert_eq!(
        decoder.next_packet(),
        Err(DecodeError::PacketTooLarge {
            size: 1024,
            max: 1023
        })
    );
}

#[test]
fn five_byte_remaining_length_fails_within_five_bytes_fed_singly() {
    for (bytes, want_too_long) in [
        ("30 FF FF FF FF 7F", true),
        ("30 80 80 80 80 01", true),
        ("C0 80 00", false),
        ("30 FF 00", false),
    ] {
        let mut decoder = decoder_for(V5);
        let mut result = Ok(None);
        for byte in hex(bytes) {
            decoder.feed(&[byte]);
            result = decoder.next_packet();
            if result.is_err() {
                break;
            }
        }
        match result {
            Err(DecodeError::VarIntTooLong { .. }) if want_too_long => {}
            Err(DecodeError::NonMinimalVarInt { .. }) if !want_too_long => {}
            other => panic!("{bytes}: {other:?}"),
        }
    }
}

/// Streams that fail, each with the error expected (all under 5.0 unless named).
fn failing_streams() -> Vec<(&'static str, ProtocolVersion, &'static str)> {
    vec![
        ("reserved type 0", V5, "00 00"),
        ("PUBLISH QoS 3", V5, "36 03 00 01 61"),
        ("PINGREQ with RL 1", V5, "C0 01 00"),
        ("5-byte RL", V5, "30 FF FF FF FF 7F"),
        ("bad UTF-8 topic", V5, "30 05 00 02 C0 AF 78"),
        ("AUTH in 3.1.1", V3_1_1, "F0 00"),
        ("too large", V5, "30 FF FF FF 7F"),
    ]
}

#[test]
fn after_an_error_the_decoder_stays_failed_and_ignores_input() {
    for (what, version, bytes) in failing_streams() {
        let mut decoder = Decoder::new(DecoderConfig {
            version: Some(version),
            role: None,
            max_packet_size: 1 << 20,
        });
        decoder.feed(&hex(bytes));
        let first = decoder.next_packet().expect_err(what);
        assert!(
            !matches!(first, DecodeError::Failed { .. }),
            "{what}: {first:?}"
        );
        assert_eq!(decoder.error(), Some(&first), "{what}");
        assert_eq!(decoder.buffered(), 0, "{what}: buffer dropped");

        // Every later call: Failed with the first error's kind, whatever is fed.
        let failed = DecodeError::Failed {
            first: first.kind(),
        };
        for _ in 0..3 {
            assert_eq!(decoder.next_packet(), Err(failed), "{what}");
        }
        decoder.feed(&hex("C0 00 D0 00"));
        assert_eq!(decoder.buffered(), 0, "{what}: input ignored");
        match decoder.next_packet() {
            Err(DecodeError::Failed { first: kind }) => assert_eq!(kind, first.kind(), "{what}"),
            other => panic!("{what}: {other:?}"),
        }
        // The failure keeps the first error's reason code.
        assert_eq!(failed.reason_code(), first.reason_code(), "{what}");
        assert_eq!(failed.v3_connack_code(), first.v3_connack_code(), "{what}");
    }
}

#[test]
fn valid_packet_followed_by_garbage_yields_the_packet_then_the_error() {
    for version in VERSIONS {
        // PUBLISH "a/b" "hi" (3.x layout; 5.0 adds a zero property length), then type 0.
        let publish = if version.is_v5() {
            "30 08 00 03 61 2F 62 00 68 69"
        } else {
            "30 07 00 03 61 2F 62 68 69"
        };
        let stream = hex(&format!("{publish} C0 00 00 00 FF FF"));
        for chunk_size in [1, 2, 3, stream.len()] {
            let mut decoder = decoder_for(version);
            let mut got = Vec::new();
            let mut error = None;
            for chunk in stream.chunks(chunk_size) {
                decoder.feed(chunk);
                loop {
                    match decoder.next_packet() {
                        Ok(Some(p)) => got.push(p),
                        Ok(None) => break,
                        Err(e) => {
                            error.get_or_insert(e);
                            break;
                        }
                    }
                }
            }
            assert_eq!(got.len(), 2, "{version} chunk {chunk_size}: {got:?}");
            assert!(
                matches!(&got[0], Packet::Publish(p) if p.topic == "a/b" && &p.payload[..] == b"hi")
            );
            assert_eq!(got[1], Packet::PingReq);
            assert_eq!(
                error,
                Some(DecodeError::ReservedPacketType { packet_type: 0 }),
                "{version} chunk {chunk_size}"
            );
        }
    }
}

/// A CONNECT that names its version and then breaks a rule still tells a server decoder
/// the version, so that the server answers it in that version ([MQTT-3.1.4-1]); a name and
/// level that do not go together tell nothing. The borrowed and the owned reads agree.
#[test]
fn server_decoder_keeps_the_version_a_failed_connect_names() {
    let cases = [
        // Receive Maximum 0 (Protocol Error) in a 5.0 CONNECT.
        (
            "10 13 00 04 4D 51 54 54 05 02 00 3C 03 21 00 00 00 03 61 62 63",
            Some(V5),
        ),
        // The reserved flag bit of a 3.1.1 CONNECT.
        (
            "10 0F 00 04 4D 51 54 54 04 03 00 3C 00 03 61 62 63",
            Some(V3_1_1),
        ),
        // MQIsdp with level 5, MQTT with level 3: no version.
        (
            "10 12 00 06 4D 51 49 73 64 70 05 02 00 3C 00 00 03 61 62 63",
            None,
        ),
        ("10 0F 00 04 4D 51 54 54 03 02 00 3C 00 03 61 62 63", None),
    ];
    for (connect, named) in cases {
        let mut owned = Decoder::server();
        owned.feed(&hex(connect));
        assert!(owned.next_packet().is_err(), "{connect}");
        assert_eq!(owned.protocol_version(), named, "{connect}");
        let mut buf = [0u8; 64];
        let mut borrowed = Decoder::server_in(SliceBuffer::new(&mut buf));
        borrowed.feed(&hex(connect));
        assert!(borrowed.next_packet_ref().is_err(), "{connect}");
        assert_eq!(borrowed.protocol_version(), named, "{connect}");
    }
}

#[test]
fn server_decoder_learns_the_version_from_connect() {
    let cases = [
        (
            V3_1,
            "10 11 00 06 4D 51 49 73 64 70 03 02 00 3C 00 03 61 62 63",
            // 3.1 PUBLISH, then a PUBREL with DUP set (3.1 leniency).
            "30 07 00 03 61 2F 62 68 69 6A 02 00 0A",
        ),
        (
            V3_1_1,
            "10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63",
            "30 07 00 03 61 2F 62 68 69 62 02 00 0A",
        ),
        (
            V5,
            "10 10 00 04 4D 51 54 54 05 02 00 3C 00 00 03 61 62 63",
            // 5.0 layout (property length after the topic), then an AUTH.
            "30 08 00 03 61 2F 62 00 68 69 F0 06 19 04 15 00 01 78",
        ),
    ];
    for (version, connect, rest) in cases {
        for chunk_size in [1, 5, 1000] {
            let mut decoder = Decoder::server();
            assert_eq!(decoder.protocol_version(), None);
            let mut stream = hex(connect);
            stream.extend(hex(rest));
            let mut got = Vec::new();
            for chunk in stream.chunks(chunk_size) {
                decoder.feed(chunk);
                while let Some(p) = decoder
                    .next_packet()
                    .unwrap_or_else(|e| panic!("{version} chunk {chunk_size}: {e:?}"))
                {
                    got.push(p);
                }
            }
            assert_eq!(decoder.protocol_version(), Some(version));
            let types: Vec<PacketType> = got.iter().map(|p| p.packet_type()).collect();
            let expected_last = match version {
                V3_1 | V3_1_1 => PacketType::PubRel,
                V5 => PacketType::Auth,
            };
            assert_eq!(
                types,
                [PacketType::Connect, PacketType::Publish, expected_last],
                "{version}"
            );
            let Packet::Connect(c) = &got[0] else {
                unreachable!()
            };
            assert_eq!(c.protocol_version, version);
            let Packet::Publish(p) = &got[1] else {
                unreachable!()
            };
            assert_eq!((p.topic.as_str(), &p.payload[..]), ("a/b", &b"hi"[..]));
        }
    }
}

#[test]
fn server_decoder_after_v311_connect_refuses_auth() {
    let mut decoder = Decoder::server();
    decoder.feed(&hex(
        "10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63 F0 00",
    ));
    assert!(matches!(
        decoder.next_packet(),
        Ok(Some(Packet::Connect(_)))
    ));
    assert_eq!(
        decoder.next_packet(),
        Err(DecodeError::ReservedPacketType { packet_type: 15 })
    );
}

#[test]
fn server_decoder_requires_connect_first_and_only_once() {
    let mut decoder = Decoder::server();
    decoder.feed(&hex("C0 00"));
    assert_eq!(
        decoder.next_packet(),
        Err(DecodeError::FirstPacketNotConnect {
            packet_type: PacketType::PingReq
        })
    );

    let connect = hex("10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63");
    let mut decoder = Decoder::server();
    decoder.feed(&connect);
    decoder.feed(&connect);
    assert!(matches!(
        decoder.next_packet(),
        Ok(Some(Packet::Connect(_)))
    ));
    assert_eq!(decoder.next_packet(), Err(DecodeError::SecondConnect));
}

#[test]
fn server_decoder_refuses_an_unknown_protocol_level() {
    // "MQTT" level 6: a 3.1.1 server answers CONNACK 0x01, a 5.0 one 0x84.
    let mut decoder = Decoder::server();
    decoder.feed(&hex("10 0F 00 04 4D 51 54 54 06 02 00 3C 00 03 61 62 63"));
    let err = decoder.next_packet().unwrap_err();
    assert_eq!(err, DecodeError::UnsupportedProtocolLevel { level: 6 });
    assert_eq!(err.v3_connack_code(), Some(0x01));
    assert_eq!(err.reason_code(), ReasonCode::UnsupportedProtocolVersion);
    assert_eq!(decoder.protocol_version(), None);
}

#[test]
fn client_decoder_refuses_packets_only_a_server_receives() {
    let mut decoder = Decoder::client(V5);
    decoder.feed(&hex("C0 00"));
    assert_eq!(
        decoder.next_packet(),
        Err(DecodeError::UnexpectedPacket {
            packet_type: PacketType::PingReq,
            role: Role::Client
        })
    );
}
