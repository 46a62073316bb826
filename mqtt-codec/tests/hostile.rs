//! Hostile input (issue 6): oversized declarations, huge property lists, malformed input
//! after valid packets, and the documented failed state after every error. Work is measured
//! deterministically (bytes and calls of this thread's allocations), never with a clock.
//! Crashes and disagreements the fuzzers found (fuzz/README.md, "Findings") are regression
//! tests at the end.

mod support_gen;

use mqtt_codec::{
    parse, parse_header, DecodeError, Decoder, DecoderConfig, Packet, ParseOptions,
    ProtocolVersion, ReasonCode, Role, Status, MAX_PACKET_SIZE,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use support_gen::hex;

// ---------------------------------------------------------------------------------------
// A per-thread allocation counter (tests run on several threads at once).
// ---------------------------------------------------------------------------------------

struct Counting;

thread_local! {
    static BYTES: Cell<usize> = const { Cell::new(0) };
    static CALLS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = BYTES.try_with(|b| b.set(b.get() + layout.size()));
        let _ = CALLS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = BYTES.try_with(|b| b.set(b.get() + new_size));
        let _ = CALLS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// (bytes, calls) allocated by this thread while running `f`.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let (b0, c0) = (BYTES.with(Cell::get), CALLS.with(Cell::get));
    let out = f();
    (out, BYTES.with(Cell::get) - b0, CALLS.with(Cell::get) - c0)
}

fn client(version: ProtocolVersion, max: usize) -> Decoder {
    Decoder::client(version).with_max_packet_size(max)
}

/// Checks the documented failed state after `err`: the error is kept, the buffer is empty,
/// input is ignored, and every later call answers `Failed` with its kind.
fn assert_failed_state(d: &mut Decoder, err: &DecodeError) {
    assert_eq!(d.error(), Some(err));
    assert_eq!(d.buffered(), 0, "a failed decoder holds nothing");
    d.feed(&[0x30, 0x02, 0x00, 0x01]);
    d.feed(&[0xC0, 0x00]);
    assert_eq!(d.buffered(), 0, "a failed decoder ignores input");
    for _ in 0..3 {
        match d.next_packet() {
            Err(DecodeError::Failed { first }) => assert_eq!(first, err.kind()),
            other => panic!("after {err:?} next_packet gave {other:?}"),
        }
    }
    assert_eq!(d.error(), Some(err), "the first error is kept");
}

// ---------------------------------------------------------------------------------------
// A declared 256 MiB packet
// ---------------------------------------------------------------------------------------

/// PUBLISH declaring 268,435,455 bytes (the largest remaining length).
const HUGE: [u8; 5] = [0x30, 0xFF, 0xFF, 0xFF, 0x7F];

#[test]
fn declared_256_mib_packet_is_refused_within_five_bytes_allocating_nothing_for_it() {
    for version in support_gen::VERSIONS {
        let mut d = client(version, 1024);
        let mut err = None;
        let ((), bytes, _) = allocations(|| {
            for (i, b) in HUGE.iter().enumerate() {
                d.feed(&[*b]);
                assert!(
                    d.buffer_mut().capacity() <= 1024,
                    "capacity {} after {} bytes",
                    d.buffer_mut().capacity(),
                    i + 1
                );
                match d.next_packet() {
                    Ok(None) => assert!(i < 4, "not refused at the last length byte"),
                    Ok(Some(p)) => panic!("{p:?}"),
                    Err(e) => {
                        assert_eq!(i, 4, "refused at byte {}", i + 1);
                        err = Some(e);
                        break;
                    }
                }
            }
        });
        let err = err.expect("refused");
        assert_eq!(
            err,
            DecodeError::PacketTooLarge {
                size: 268_435_460,
                max: 1024
            }
        );
        assert_eq!(err.reason_code(), ReasonCode::PacketTooLarge);
        assert!(
            bytes < 4096,
            "{bytes} bytes allocated for a refused 256 MiB packet"
        );
        assert!(d.buffer_mut().capacity() <= 1024);
        assert_failed_state(&mut d, &err);
    }
}

#[test]
fn declared_256_mib_packet_in_one_chunk_with_body_bytes_reserves_nothing() {
    let mut d = client(ProtocolVersion::V5, 4096);
    let mut input = HUGE.to_vec();
    input.extend(std::iter::repeat(0x41).take(100));
    d.feed(&input);
    let (r, bytes, _) = allocations(|| d.next_packet());
    assert!(matches!(r, Err(DecodeError::PacketTooLarge { .. })));
    assert!(bytes < 4096, "{bytes} bytes allocated");
    assert!(d.buffer_mut().capacity() < 4096);
}

#[test]
fn declared_256_mib_packet_refused_by_parse_header_and_parse() {
    let opts = ParseOptions {
        version: Some(ProtocolVersion::V3_1_1),
        receiver: None,
        max_packet_size: 1024,
    };
    assert!(matches!(
        parse_header(&HUGE, &opts),
        Err(DecodeError::PacketTooLarge { .. })
    ));
    assert!(matches!(
        parse(&HUGE, &opts),
        Err(DecodeError::PacketTooLarge { .. })
    ));
    // Under the protocol's own limit it is merely incomplete: parse asks for the rest.
    let opts = ParseOptions {
        max_packet_size: MAX_PACKET_SIZE,
        ..opts
    };
    assert_eq!(parse(&HUGE, &opts).unwrap(), Status::Partial(268_435_455));
}

// ---------------------------------------------------------------------------------------
// 100,000 user properties
// ---------------------------------------------------------------------------------------

/// A 5.0 PUBLISH to "t" with `n` user properties ("k" = "v") and payload "p".
fn publish_with_user_properties(n: usize) -> Vec<u8> {
    let mut props = Vec::with_capacity(n * 7);
    for _ in 0..n {
        props.extend_from_slice(&[0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v']);
    }
    let mut body = vec![0x00, 0x01, b't'];
    put_varint(&mut body, props.len());
    body.extend_from_slice(&props);
    body.push(b'p');
    let mut out = vec![0x30];
    put_varint(&mut out, body.len());
    out.extend_from_slice(&body);
    out
}

fn put_varint(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let mut b = (n % 128) as u8;
        n /= 128;
        if n > 0 {
            b |= 0x80;
        }
        out.push(b);
        if n == 0 {
            break;
        }
    }
}

/// Decodes with the streaming decoder fed in 1,000-byte chunks; returns the property count
/// and the allocation calls it took.
fn decode_user_properties(n: usize) -> (usize, usize) {
    let bytes = publish_with_user_properties(n);
    let mut d = client(ProtocolVersion::V5, 4 * 1024 * 1024);
    let (count, _, calls) = allocations(|| {
        let mut got = None;
        for chunk in bytes.chunks(1000) {
            d.feed(chunk);
            if let Some(p) = d.next_packet().unwrap() {
                got = Some(p);
            }
        }
        match got {
            Some(Packet::Publish(p)) => {
                assert_eq!(&p.payload[..], b"p");
                p.properties.user_properties.len()
            }
            other => panic!("{other:?}"),
        }
    });
    (count, calls)
}

#[test]
fn hundred_thousand_user_properties_decode_in_linear_work() {
    let (n1, calls1) = decode_user_properties(50_000);
    let (n2, calls2) = decode_user_properties(100_000);
    assert_eq!((n1, n2), (50_000, 100_000));
    // Each input byte is examined once; allocation calls are the deterministic proxy for
    // work (user properties of the owned packet are Bytes slices: no per-item copy).
    assert!(
        calls2 < 4 * calls1.max(1),
        "2x input took {calls2} allocations vs {calls1}"
    );
}

#[test]
fn hundred_thousand_user_properties_parse_borrowed_without_allocating() {
    let bytes = publish_with_user_properties(100_000);
    let opts = ParseOptions {
        version: Some(ProtocolVersion::V5),
        receiver: None,
        max_packet_size: MAX_PACKET_SIZE,
    };
    let (r, bytes_alloc, _) = allocations(|| parse(&bytes, &opts));
    let Status::Complete((Packet::Publish(p), used)) = r.unwrap() else {
        panic!("not a PUBLISH")
    };
    assert_eq!(bytes_alloc, 0, "parse allocated");
    assert_eq!(used, bytes.len());
    assert_eq!(p.properties.user_properties().iter().count(), 100_000);
}

#[test]
fn user_properties_beyond_the_limit_are_refused_at_the_header() {
    let bytes = publish_with_user_properties(100_000);
    let mut d = client(ProtocolVersion::V5, 64 * 1024);
    d.feed(&bytes[..8]);
    assert!(matches!(
        d.next_packet(),
        Err(DecodeError::PacketTooLarge { .. })
    ));
}

// ---------------------------------------------------------------------------------------
// Malformed input after valid packets never desynchronises the stream
// ---------------------------------------------------------------------------------------

/// PUBLISH "a/b" "hi", 3.1.1 and 5.0 forms.
const PUB_V311: &str = "30 07 00 03 61 2F 62 68 69";
const PUB_V5: &str = "30 08 00 03 61 2F 62 00 68 69";

fn malformed_tails() -> Vec<(&'static str, Vec<u8>)> {
    let mut deep_varint = vec![0x30];
    deep_varint.extend(std::iter::repeat(0xFF).take(1000));
    let mut repeated = Vec::new();
    for _ in 0..1000 {
        repeated.extend_from_slice(&[0x00, 0x00]);
    }
    let mut nested_len = vec![0x32, 0x7F, 0xFF, 0xFF];
    nested_len.extend(std::iter::repeat(0xFF).take(200));
    vec![
        ("reserved type 0, repeated", repeated),
        ("remaining length never ending", deep_varint),
        ("string length beyond the frame", nested_len),
        ("QoS 3", hex("36 02 00 01")),
        ("non-minimal remaining length", hex("30 80 00")),
        ("PUBREL with wrong flags", hex("60 02 00 01")),
        ("PINGRESP with a body", hex("D0 01 00")),
        ("PUBLISH topic with NUL", hex("30 05 00 03 61 00 62")),
        ("PUBLISH topic with wildcard", hex("30 05 00 03 61 2F 23")),
        ("PUBLISH topic invalid UTF-8", hex("30 04 00 02 C3 28")),
    ]
}

#[test]
fn malformed_input_after_valid_packets_never_desynchronises() {
    for (version, valid) in [
        (ProtocolVersion::V3_1_1, PUB_V311),
        (ProtocolVersion::V5, PUB_V5),
    ] {
        let valid = hex(valid);
        for (what, tail) in malformed_tails() {
            let mut stream = Vec::new();
            for _ in 0..3 {
                stream.extend_from_slice(&valid);
            }
            stream.extend_from_slice(&tail);
            stream.extend_from_slice(&valid); // never returned: the stream is dead
            for chunk in [1, 2, 3, 7, 64, stream.len()] {
                let mut d = client(version, 512);
                let mut packets = 0;
                let mut err = None;
                'feed: for c in stream.chunks(chunk) {
                    d.feed(c);
                    loop {
                        match d.next_packet() {
                            Ok(Some(p)) => {
                                assert_eq!(p.to_bytes(version).unwrap(), valid, "{what}");
                                packets += 1;
                            }
                            Ok(None) => break,
                            Err(e) => {
                                err = Some(e);
                                break 'feed;
                            }
                        }
                    }
                }
                let err = err.unwrap_or_else(|| {
                    panic!("{what} ({version:?}, chunk {chunk}) was not refused")
                });
                assert_eq!(
                    packets, 3,
                    "{what} ({version:?}, chunk {chunk}): the valid packets before it"
                );
                assert_eq!(
                    d.offset(),
                    3 * valid.len() as u64,
                    "{what}: the error points at the bad packet"
                );
                assert_failed_state(&mut d, &err);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Every error path leaves the decoder in its documented state
// ---------------------------------------------------------------------------------------

#[test]
fn every_error_path_leaves_the_failed_state() {
    use ProtocolVersion::{V3_1_1, V5};
    let cases: Vec<(&str, DecoderConfig, &str)> = {
        let c = |version: Option<ProtocolVersion>, role: Option<Role>| DecoderConfig {
            version,
            role,
            max_packet_size: 256,
        };
        let server = c(None, Some(Role::Server));
        let v311c = c(Some(V3_1_1), Some(Role::Client));
        let v5c = c(Some(V5), Some(Role::Client));
        let v5s = c(Some(V5), Some(Role::Server));
        let any5 = c(Some(V5), None);
        vec![
            ("reserved type", v311c, "00 00"),
            ("reserved flags", v311c, "41 02 00 01"),
            ("QoS 3", any5, "36 00"),
            ("DUP at QoS 0", any5, "38 03 00 01 61"),
            ("too large", v5c, "30 FF 01"),
            ("non-minimal length", v5c, "30 80 00"),
            ("length too long", v5c, "30 FF FF FF FF 01"),
            ("first packet not CONNECT", server, "30 03 00 01 61"),
            ("second CONNECT", server, "10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63 10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63"),
            ("CONNACK to a server", v5s, "20 03 00 00 00"),
            ("SUBSCRIBE to a client", v5c, "82 06 00 01 00 00 01 61"),
            ("unsupported protocol name", server, "10 0F 00 04 4D 51 54 58 04 02 00 3C 00 03 61 62 63"),
            ("unsupported level", server, "10 0F 00 04 4D 51 54 54 07 02 00 3C 00 03 61 62 63"),
            ("CONNECT reserved flag", server, "10 0F 00 04 4D 51 54 54 04 03 00 3C 00 03 61 62 63"),
            ("trailing bytes", v311c, "40 03 00 01 00"),
            ("unexpected end", v5c, "30 02 00 05"),
            ("zero packet id", v311c, "40 02 00 00"),
            ("NUL in topic", v5c, "30 05 00 02 61 00 00"),
            ("invalid UTF-8", v5c, "30 05 00 02 C3 28 00"),
            ("wildcard topic", v5c, "30 05 00 02 61 23 00"),
            ("unknown property", v5c, "30 07 00 01 61 02 7F 00 00"),
            ("duplicate property", v5c, "30 08 00 01 61 04 01 00 01 00"),
            ("empty topic without alias", v5c, "30 03 00 00 00"),
            ("CONNACK reserved flags", v311c, "20 02 02 00"),
            ("session present on failure", v311c, "20 02 01 05"),
            ("AUTH under 3.1.1", v311c, "F0 00"),
        ]
    };
    for (what, config, input) in cases {
        let bytes = hex(input);
        for chunk in [1, bytes.len()] {
            let mut d = Decoder::new(config);
            let mut err = None;
            'feed: for c in bytes.chunks(chunk) {
                d.feed(c);
                loop {
                    match d.next_packet() {
                        Ok(Some(_)) => {}
                        Ok(None) => break,
                        Err(e) => {
                            err = Some(e);
                            break 'feed;
                        }
                    }
                }
            }
            let err = err.unwrap_or_else(|| panic!("{what}: {input} was accepted"));
            assert!(
                !matches!(err, DecodeError::Failed { .. }),
                "{what}: the first error is the cause, not Failed"
            );
            let _ = err.reason_code(); // every error has a reason code
            assert_failed_state(&mut d, &err);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Regressions found by the fuzzers (fuzz/README.md, "Findings")
// ---------------------------------------------------------------------------------------

/// F1 (`roundtrip`): with no version known, `parse` asked for the body of a PUBLISH
/// (`Partial(47)`) that the streaming `Decoder` refuses from its first byte
/// (`FirstPacketNotConnect`, [MQTT-3.1.0-1]); `parse_header`'s contract is to refuse
/// misdirected packets from at most five bytes, and `parse` should agree with the Decoder.
/// Input (after the target's selector byte): `30 2F`.
#[test]
fn parse_refuses_non_connect_first_from_the_header() {
    let opts = ParseOptions {
        version: None,
        receiver: Some(Role::Server),
        max_packet_size: MAX_PACKET_SIZE,
    };
    let bytes = hex("30 2F");
    let mut d = Decoder::server();
    d.feed(&bytes);
    let streamed = d.next_packet();
    assert!(
        matches!(streamed, Err(DecodeError::FirstPacketNotConnect { .. })),
        "{streamed:?}"
    );
    assert!(
        matches!(
            parse(&bytes, &opts),
            Err(DecodeError::FirstPacketNotConnect { .. })
        ),
        "parse gave {:?}",
        parse(&bytes, &opts)
    );
}

/// The region readers also read regions a caller keeps (the C ABI's lists), which the parser
/// may not have made: they check a User Property's strings ([MQTT-1.5.4-1], [MQTT-1.5.4-2]).
#[test]
fn mqtt_1_5_4_1_region_readers_refuse_a_user_property_that_is_not_a_string() {
    let not_utf8 = [0x26u8, 0x00, 0x01, 0xFF, 0x00, 0x01, b'v'];
    assert!(mqtt_codec::region::next_user_property(&mut &not_utf8[..]).is_none());
    let nul = [0x26u8, 0x00, 0x01, 0x00, 0x00, 0x01, b'v'];
    assert!(mqtt_codec::region::next_user_property(&mut &nul[..]).is_none());
    let fine = [0x26u8, 0x00, 0x01, b'k', 0x00, 0x01, b'v'];
    assert!(mqtt_codec::region::next_user_property(&mut &fine[..]).is_some());
}
