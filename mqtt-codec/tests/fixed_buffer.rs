//! The `Decoder` over a caller's slice (`SliceBuffer`), as firmware and the C ABI's heap-free
//! decoder use it: any chunking gives the packets a growable decoder gives; a packet larger
//! than the buffer is refused from its fixed header; a full buffer takes only what fits;
//! errors are final.

mod support_gen;

use mqtt_codec::{
    DecodeError, DecodeErrorKind, Decoder, DecoderConfig, Packet, PacketRef, ProtocolVersion,
    ReasonCode, Role, SliceBuffer, MAX_PACKET_SIZE,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use support_gen::{arb_packet, hex, VERSIONS};

fn config(version: ProtocolVersion) -> DecoderConfig {
    DecoderConfig {
        version: Some(version),
        role: None,
        max_packet_size: MAX_PACKET_SIZE,
    }
}

/// Feeds `stream` in chunks of `chunk` bytes (feeding again what a full buffer refused) and
/// returns every packet re-encoded, or the first error.
fn decode_fixed(
    version: ProtocolVersion,
    storage: &mut [u8],
    stream: &[u8],
    chunk: usize,
) -> Result<Vec<Vec<u8>>, DecodeError> {
    let mut decoder = Decoder::with_buffer(config(version), SliceBuffer::new(storage));
    let mut out = Vec::new();
    for mut piece in stream.chunks(chunk) {
        while !piece.is_empty() {
            let taken = decoder.feed(piece);
            piece = &piece[taken..];
            while let Some(p) = decoder.next_packet_ref()? {
                out.push(
                    p.to_bytes(version)
                        .expect("a decoded packet encodes")
                        .to_vec(),
                );
            }
        }
    }
    assert_eq!(decoder.buffered(), 0, "everything consumed");
    Ok(out)
}

fn arb_stream() -> impl Strategy<Value = (ProtocolVersion, Vec<Packet>)> {
    select(VERSIONS.to_vec())
        .prop_flat_map(|v| vec(arb_packet(v), 1..=8).prop_map(move |ps| (v, ps)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any chunking into a buffer just large enough for the largest packet gives the packets
    /// that were encoded, byte for byte.
    #[test]
    fn any_chunking_into_a_slice_gives_the_encoded_packets(
        (version, packets) in arb_stream(),
        chunk in 1usize..80,
    ) {
        let encoded: Vec<Vec<u8>> =
            packets.iter().map(|p| p.to_bytes(version).unwrap().to_vec()).collect();
        let largest = encoded.iter().map(Vec::len).max().unwrap();
        let stream = encoded.concat();
        let mut storage = vec![0u8; largest];
        prop_assert_eq!(decode_fixed(version, &mut storage, &stream, chunk), Ok(encoded));
    }
}

/// One byte at a time, as from a UART, into a 16-byte array: every packet comes out.
#[test]
fn one_byte_at_a_time_into_a_small_array() {
    let stream = hex("30 07 00 03 61 2F 62 68 69  40 02 00 07  D0 00");
    let mut storage = [0u8; 16];
    let got = decode_fixed(ProtocolVersion::V3_1_1, &mut storage, &stream, 1).unwrap();
    assert_eq!(
        got,
        [
            hex("30 07 00 03 61 2F 62 68 69"),
            hex("40 02 00 07"),
            hex("D0 00")
        ]
    );
}

/// A packet larger than the buffer is refused as soon as its remaining length is known,
/// with an error of its own whose 5.0 reason code is 0x95, and the decoder stays failed.
#[test]
fn a_packet_larger_than_the_buffer_is_refused_from_its_header() {
    let mut storage = [0u8; 32];
    let mut d = Decoder::client_in(ProtocolVersion::V5, SliceBuffer::new(&mut storage));
    // PUBLISH declaring 200 bytes: the header is two bytes, nothing else is sent.
    assert_eq!(d.feed(&[0x30]), 1);
    assert_eq!(d.next_packet_ref(), Ok(None));
    d.feed(&[0xC8, 0x01]);
    let err = d.next_packet_ref().unwrap_err();
    assert_eq!(
        err,
        DecodeError::PacketExceedsBuffer {
            size: 203,
            capacity: 32
        }
    );
    assert_eq!(err.reason_code(), ReasonCode::PacketTooLarge);
    assert_eq!(d.buffered(), 0);
    assert_eq!(d.feed(&[0xC0, 0x00]), 0, "a failed decoder takes nothing");
    assert_eq!(
        d.next_packet_ref(),
        Err(DecodeError::Failed {
            first: DecodeErrorKind::PacketExceedsBuffer
        })
    );
}

/// The configured maximum still applies, with its own error, below the buffer's capacity.
#[test]
fn the_maximum_packet_size_is_checked_before_the_capacity() {
    let mut storage = [0u8; 64];
    let mut cfg = config(ProtocolVersion::V3_1_1);
    cfg.max_packet_size = 8;
    let mut d = Decoder::with_buffer(cfg, SliceBuffer::new(&mut storage));
    d.feed(&hex("30 10"));
    assert_eq!(
        d.next_packet_ref(),
        Err(DecodeError::PacketTooLarge { size: 18, max: 8 })
    );
}

/// A full buffer takes what fits; the rest is fed once packets are taken out.
#[test]
fn a_full_buffer_takes_only_what_fits() {
    let mut storage = [0u8; 6];
    let mut d = Decoder::client_in(ProtocolVersion::V3_1_1, SliceBuffer::new(&mut storage));
    let stream = hex("40 02 00 07 40 02 00 08");
    assert_eq!(d.feed(&stream), 6);
    let Some(PacketRef::PubAck(a)) = d.next_packet_ref().unwrap() else {
        panic!()
    };
    assert_eq!(a.packet_id.get(), 7);
    assert_eq!(d.next_packet_ref(), Ok(None));
    assert_eq!(d.feed(&stream[6..]), 2);
    let Some(PacketRef::PubAck(a)) = d.next_packet_ref().unwrap() else {
        panic!()
    };
    assert_eq!(a.packet_id.get(), 8);
    assert_eq!(d.offset(), 8);
}

/// A server-side decoder over a slice learns the version from CONNECT and refuses a second
/// one ([MQTT-3.1.0-2]).
#[test]
fn mqtt_3_1_0_2_a_slice_server_learns_the_version_and_refuses_a_second_connect() {
    let connect = hex("10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63");
    let mut storage = [0u8; 32];
    let mut d = Decoder::server_in(SliceBuffer::new(&mut storage));
    d.feed(&connect);
    assert!(matches!(
        d.next_packet_ref(),
        Ok(Some(PacketRef::Connect(_)))
    ));
    assert_eq!(d.protocol_version(), Some(ProtocolVersion::V3_1_1));
    assert_eq!(d.config().role, Some(Role::Server));
    d.feed(&connect);
    assert_eq!(d.next_packet_ref(), Err(DecodeError::SecondConnect));
}

/// A malformed packet fails the decoder like the growable one: the same error, then
/// `Failed` with its kind, input ignored.
#[test]
fn a_malformed_packet_fails_it_as_it_fails_the_growable_decoder() {
    let bad = hex("36 00");
    let mut storage = [0u8; 8];
    let mut fixed = Decoder::client_in(ProtocolVersion::V5, SliceBuffer::new(&mut storage));
    fixed.feed(&bad);
    let mut grown = Decoder::client(ProtocolVersion::V5);
    grown.feed(&bad);
    let err = grown.next_packet().unwrap_err();
    assert_eq!(fixed.next_packet_ref(), Err(err));
    assert_eq!(fixed.error(), Some(&err));
    assert_eq!(fixed.buffered(), 0);
    assert_eq!(
        fixed.next_packet_ref(),
        Err(DecodeError::Failed { first: err.kind() })
    );
}

/// A buffer too small for even the fixed header of a packet is not stuck waiting: the
/// packet is longer than the buffer, and is refused as such.
#[test]
fn a_header_longer_than_the_buffer_is_refused_too() {
    let mut storage = [0u8; 3];
    let mut d = Decoder::client_in(ProtocolVersion::V3_1_1, SliceBuffer::new(&mut storage));
    assert_eq!(d.feed(&hex("30 FF FF FF 7F")), 3);
    assert_eq!(
        d.next_packet_ref(),
        Err(DecodeError::PacketExceedsBuffer {
            size: 4,
            capacity: 3
        })
    );
    // Packets that fit still decode in a buffer that small.
    let mut storage = [0u8; 3];
    let mut d = Decoder::client_in(ProtocolVersion::V3_1_1, SliceBuffer::new(&mut storage));
    d.feed(&hex("D0 00"));
    assert_eq!(d.next_packet_ref(), Ok(Some(PacketRef::PingResp)));
}
