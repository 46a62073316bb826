//! Shared helpers for the conformance tests of checklist sections 1.1 to 2.2.
//!
//! Every decode goes through three paths that must agree: the borrowed `parse`, the
//! streaming `Decoder` fed the whole packet, and the `Decoder` fed one byte at a time.
#![allow(dead_code)]

use mqtt_codec::{
    parse, DecodeError, Decoder, DecoderConfig, Packet, ParseOptions, ProtocolVersion, Role,
    Status, MAX_PACKET_SIZE,
};

pub const V311: ProtocolVersion = ProtocolVersion::V3_1_1;
pub const V5: ProtocolVersion = ProtocolVersion::V5;

/// Parses a hex string such as `"10 0F 00 04"` (whitespace ignored).
pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len() % 2 == 0, "odd number of hex digits in {s:?}");
    digits
        .chunks(2)
        .map(|pair| {
            let text = core::str::from_utf8(pair).expect("ascii");
            u8::from_str_radix(text, 16).unwrap_or_else(|_| panic!("bad hex {text:?} in {s:?}"))
        })
        .collect()
}

fn config(version: Option<ProtocolVersion>, receiver: Option<Role>) -> DecoderConfig {
    DecoderConfig {
        version,
        role: receiver,
        max_packet_size: MAX_PACKET_SIZE,
    }
}

/// Feeds `bytes` to a fresh decoder one byte at a time until it yields something.
fn decode_bytewise(
    version: Option<ProtocolVersion>,
    receiver: Option<Role>,
    bytes: &[u8],
) -> Result<Packet, DecodeError> {
    let mut decoder = Decoder::new(config(version, receiver));
    for &b in bytes {
        decoder.feed(&[b]);
        match decoder.next_packet() {
            Ok(None) => continue,
            Ok(Some(p)) => {
                assert_eq!(decoder.buffered(), 0, "bytewise decoder left bytes behind");
                return Ok(p);
            }
            Err(e) => return Err(e),
        }
    }
    panic!(
        "bytewise decoder wants more than the {} bytes given",
        bytes.len()
    )
}

/// Decodes exactly one packet under `version` (None: version not known yet, CONNECT only),
/// as received by `receiver` (None: either side). Panics if the three decode paths disagree
/// or if the bytes hold an incomplete packet or more than one packet.
pub fn decode_opt(
    version: Option<ProtocolVersion>,
    receiver: Option<Role>,
    bytes: &[u8],
) -> Result<Packet, DecodeError> {
    // 1. The borrowed parse.
    let opts = ParseOptions {
        version,
        receiver,
        max_packet_size: MAX_PACKET_SIZE,
    };
    let parsed: Result<(mqtt_codec::PacketType, usize), DecodeError> = match parse(bytes, &opts) {
        Ok(Status::Complete((p, used))) => Ok((p.packet_type(), used)),
        Ok(Status::Partial(n)) => panic!("parse wants {n} more bytes for {bytes:02X?}"),
        Err(e) => Err(e),
    };
    // 2. The streaming decoder, whole buffer.
    let mut decoder = Decoder::new(config(version, receiver));
    decoder.feed(bytes);
    let whole = match decoder.next_packet() {
        Ok(Some(p)) => {
            assert_eq!(
                decoder.buffered(),
                0,
                "more than one packet in {bytes:02X?}"
            );
            Ok(p)
        }
        Ok(None) => panic!("decoder wants more bytes for {bytes:02X?}"),
        Err(e) => Err(e),
    };
    // 3. The streaming decoder, byte by byte.
    let bytewise = decode_bytewise(version, receiver, bytes);
    assert_eq!(
        whole, bytewise,
        "whole vs bytewise decode differ for {bytes:02X?}"
    );
    match (&parsed, &whole) {
        (Ok((t, used)), Ok(p)) => {
            assert_eq!(*t, p.packet_type(), "parse vs decoder packet type");
            assert_eq!(*used, bytes.len(), "parse did not use the whole packet");
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "parse vs decoder error for {bytes:02X?}"),
        _ => panic!("parse gave {parsed:?} but decoder gave {whole:?} for {bytes:02X?}"),
    }
    whole
}

/// Decodes one packet under a known version.
pub fn decode(
    version: ProtocolVersion,
    receiver: Option<Role>,
    bytes: &[u8],
) -> Result<Packet, DecodeError> {
    decode_opt(Some(version), receiver, bytes)
}

/// Decodes a hex packet that must be accepted.
pub fn ok(version: ProtocolVersion, receiver: Option<Role>, hex_str: &str) -> Packet {
    decode(version, receiver, &hex(hex_str))
        .unwrap_or_else(|e| panic!("{version} {hex_str} must be accepted, got {e:?}"))
}

/// Decodes a hex packet that must be refused; returns the error.
pub fn err(version: ProtocolVersion, receiver: Option<Role>, hex_str: &str) -> DecodeError {
    match decode(version, receiver, &hex(hex_str)) {
        Ok(p) => panic!("{version} {hex_str} must be refused, was accepted as {p:?}"),
        Err(e) => e,
    }
}

/// A CONNECT as a server receives it on a fresh connection (version not yet known).
pub fn connect(bytes: &[u8]) -> Result<Packet, DecodeError> {
    decode_opt(None, Some(Role::Server), bytes)
}

/// A CONNECT (hex) that must be accepted; returns the decoded CONNECT.
pub fn connect_ok(hex_str: &str) -> mqtt_codec::Connect {
    match connect(&hex(hex_str)) {
        Ok(Packet::Connect(c)) => *c,
        other => panic!("{hex_str} must be accepted as CONNECT, got {other:?}"),
    }
}

/// A CONNECT (hex) that must be refused; returns the error.
pub fn connect_err(hex_str: &str) -> DecodeError {
    match connect(&hex(hex_str)) {
        Ok(p) => panic!("{hex_str} must be refused, was accepted as {p:?}"),
        Err(e) => e,
    }
}

/// Asserts the 5.0 reason code of an error.
#[track_caller]
pub fn assert_code(e: &DecodeError, code: u8) {
    assert_eq!(
        e.reason_code().value(),
        code,
        "reason code of {e:?} should be {code:#04x}"
    );
}

/// Encodes `packet` under `version`, checking that `encoded_len` agrees.
pub fn encode(packet: &Packet, version: ProtocolVersion) -> Vec<u8> {
    let len = packet
        .encoded_len(version)
        .unwrap_or_else(|e| panic!("encoded_len of {packet:?} under {version}: {e:?}"));
    let mut out = Vec::new();
    let written = packet
        .encode(version, &mut out)
        .unwrap_or_else(|e| panic!("encode of {packet:?} under {version}: {e:?}"));
    assert_eq!(written, len, "encoded_len vs encode");
    assert_eq!(out.len(), len);
    out
}

/// Builds a packet from a VBI remaining length and a body.
pub fn frame(first: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![first];
    let mut len = body.len() as u32;
    loop {
        let mut b = (len & 0x7F) as u8;
        len >>= 7;
        if len > 0 {
            b |= 0x80;
        }
        out.push(b);
        if len == 0 {
            break;
        }
    }
    out.extend_from_slice(body);
    out
}

/// A server-side decoder that has already accepted a minimal CONNECT of `version`.
pub fn server_after_connect(version: ProtocolVersion) -> Decoder {
    let mut d = Decoder::server();
    let bytes = match version {
        ProtocolVersion::V5 => hex("10 10 00 04 4D 51 54 54 05 02 00 3C 00 00 03 61 62 63"),
        ProtocolVersion::V3_1_1 => hex("10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63"),
        ProtocolVersion::V3_1 => hex("10 11 00 06 4D 51 49 73 64 70 03 02 00 3C 00 03 61 62 63"),
    };
    d.feed(&bytes);
    match d.next_packet() {
        Ok(Some(Packet::Connect(c))) => assert_eq!(c.protocol_version, version),
        other => panic!("CONNECT not accepted: {other:?}"),
    }
    d
}

/// Feeds one packet to `decoder` and returns what it yields.
pub fn feed_one(decoder: &mut Decoder, bytes: &[u8]) -> Result<Packet, DecodeError> {
    decoder.feed(bytes);
    match decoder.next_packet() {
        Ok(Some(p)) => Ok(p),
        Ok(None) => panic!("decoder wants more bytes for {bytes:02X?}"),
        Err(e) => Err(e),
    }
}

/// A length-prefixed field.
pub fn s(b: &[u8]) -> Vec<u8> {
    let mut out = (b.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(b);
    out
}

/// 3.1.1 CONNECT with the given flags, keep alive 60 and raw payload.
pub fn connect311(flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut body = hex("00 04 4D 51 54 54 04");
    body.push(flags);
    body.extend_from_slice(&[0x00, 0x3C]);
    body.extend_from_slice(payload);
    frame(0x10, &body)
}

/// 5.0 CONNECT with the given flags, property content, keep alive 60 and raw payload.
pub fn connect5(flags: u8, props: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut body = hex("00 04 4D 51 54 54 05");
    body.push(flags);
    body.extend_from_slice(&[0x00, 0x3C]);
    body.push(props.len() as u8);
    body.extend_from_slice(props);
    body.extend_from_slice(payload);
    frame(0x10, &body)
}

/// 5.0 CONNACK (success) with the given property content.
pub fn connack5(props: &[u8]) -> Vec<u8> {
    let mut body = vec![0x00, 0x00, props.len() as u8];
    body.extend_from_slice(props);
    frame(0x20, &body)
}
