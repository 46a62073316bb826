//! Shared helpers for the conformance tests of checklist sections 2.3 to 2.11: hex parsing,
//! framing, and decoding through both the borrowed `parse` and the streaming `Decoder`.
#![allow(dead_code)]

use mqtt_codec::{
    parse, DecodeError, Decoder, DecoderConfig, EncodeError, Packet, PacketType, ParseOptions,
    Properties, ProtocolVersion, Role, Status, UserProperty, DEFAULT_MAX_PACKET_SIZE,
};

pub const V311: ProtocolVersion = ProtocolVersion::V3_1_1;
pub const V5: ProtocolVersion = ProtocolVersion::V5;

/// Parses a hex string such as `"30 06 00 03 61 2F 2B 78"` (whitespace ignored).
pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len() % 2 == 0, "odd number of hex digits in {s:?}");
    digits
        .chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).expect("ascii");
            u8::from_str_radix(text, 16).unwrap_or_else(|_| panic!("bad hex {text:?} in {s:?}"))
        })
        .collect()
}

/// Encodes `value` as a Variable Byte Integer (shortest form).
pub fn varint(mut value: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let mut byte = (value % 128) as u8;
        value /= 128;
        if value > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if value == 0 {
            return out;
        }
    }
}

/// A packet with first byte `first` and the body given in hex; the remaining length is
/// computed.
pub fn frame(first: u8, body_hex: &str) -> Vec<u8> {
    let body = hex(body_hex);
    let mut out = vec![first];
    out.extend(varint(body.len()));
    out.extend(body);
    out
}

/// Parse options for `version` received by `receiver`.
pub fn opts(version: ProtocolVersion, receiver: Option<Role>) -> ParseOptions {
    ParseOptions {
        version: Some(version),
        receiver,
        max_packet_size: DEFAULT_MAX_PACKET_SIZE,
    }
}

fn decoder(version: ProtocolVersion, receiver: Option<Role>) -> Decoder {
    Decoder::new(DecoderConfig {
        version: Some(version),
        role: receiver,
        max_packet_size: DEFAULT_MAX_PACKET_SIZE,
    })
}

/// Streams `bytes` into a decoder in one chunk.
fn stream_whole(
    version: ProtocolVersion,
    receiver: Option<Role>,
    bytes: &[u8],
) -> Result<Packet, DecodeError> {
    let mut d = decoder(version, receiver);
    d.feed(bytes);
    match d.next_packet() {
        Ok(Some(p)) => {
            assert_eq!(d.buffered(), 0, "decoder left bytes after the packet");
            Ok(p)
        }
        Ok(None) => panic!("decoder wants more bytes for a complete frame {bytes:02X?}"),
        Err(e) => {
            // The decoder stays failed and keeps the error.
            assert_eq!(d.error(), Some(&e));
            assert!(matches!(d.next_packet(), Err(DecodeError::Failed { .. })));
            Err(e)
        }
    }
}

/// Streams `bytes` into a decoder one byte at a time.
fn stream_bytewise(
    version: ProtocolVersion,
    receiver: Option<Role>,
    bytes: &[u8],
) -> Result<Packet, DecodeError> {
    let mut d = decoder(version, receiver);
    for (i, b) in bytes.iter().enumerate() {
        d.feed(&[*b]);
        match d.next_packet() {
            Ok(None) => {}
            Ok(Some(p)) => {
                assert_eq!(i + 1, bytes.len(), "packet complete before its last byte");
                return Ok(p);
            }
            Err(e) => return Err(e),
        }
    }
    panic!("decoder wants more bytes for a complete frame {bytes:02X?}")
}

/// Decodes one complete packet with the borrowed `parse` and with the streaming `Decoder`
/// (whole and byte by byte), asserts that all three agree, and returns the result.
pub fn decode_as(
    version: ProtocolVersion,
    receiver: Option<Role>,
    bytes: &[u8],
) -> Result<Packet, DecodeError> {
    let parsed = parse(bytes, &opts(version, receiver));
    let whole = stream_whole(version, receiver, bytes);
    let bytewise = stream_bytewise(version, receiver, bytes);
    assert_eq!(whole, bytewise, "whole and byte-wise decoding disagree");
    match (&parsed, &whole) {
        (Ok(Status::Complete((_, used))), Ok(_)) => {
            assert_eq!(*used, bytes.len(), "parse used a different length")
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "parse and Decoder give different errors"),
        (Ok(Status::Partial(n)), _) => panic!("parse wants {n} more bytes of {bytes:02X?}"),
        (a, b) => panic!("parse and Decoder disagree: parse {a:?}, decoder {b:?}"),
    }
    whole
}

/// Decodes `bytes` under `version` with no direction known.
pub fn decode(version: ProtocolVersion, bytes: &[u8]) -> Result<Packet, DecodeError> {
    decode_as(version, None, bytes)
}

/// Decodes the hex packet under `version` with no direction known.
pub fn decode_hex(version: ProtocolVersion, s: &str) -> Result<Packet, DecodeError> {
    decode(version, &hex(s))
}

/// The packet, or a panic naming the error.
pub fn decode_ok(version: ProtocolVersion, receiver: Option<Role>, bytes: &[u8]) -> Packet {
    match decode_as(version, receiver, bytes) {
        Ok(p) => p,
        Err(e) => panic!("{bytes:02X?} under {version} ({receiver:?}) was refused: {e:?}"),
    }
}

/// The error, or a panic naming the packet that was accepted.
pub fn decode_err(version: ProtocolVersion, receiver: Option<Role>, bytes: &[u8]) -> DecodeError {
    match decode_as(version, receiver, bytes) {
        Ok(p) => panic!("{bytes:02X?} under {version} ({receiver:?}) was accepted as {p:?}"),
        Err(e) => e,
    }
}

/// `decode_err` of a hex packet with no direction known.
pub fn err_hex(version: ProtocolVersion, s: &str) -> DecodeError {
    decode_err(version, None, &hex(s))
}

/// `decode_ok` of a hex packet with no direction known.
pub fn ok_hex(version: ProtocolVersion, s: &str) -> Packet {
    decode_ok(version, None, &hex(s))
}

/// Asserts the 5.0 reason code of a decode error.
#[track_caller]
pub fn assert_rc(err: &DecodeError, code: u8) {
    assert_eq!(
        err.reason_code().value(),
        code,
        "reason code of {err:?} is {:?}, expected {code:#04x}",
        err.reason_code()
    );
}

/// Encodes `packet` under `version`, checking `encoded_len` and `encode_to_slice` agree.
pub fn encode(packet: &Packet, version: ProtocolVersion) -> Result<Vec<u8>, EncodeError> {
    let len = packet.encoded_len(version)?;
    let bytes = packet.to_bytes(version)?;
    assert_eq!(bytes.len(), len, "encoded_len disagrees with to_bytes");
    let mut out = vec![0u8; len + 8];
    let written = packet.encode_to_slice(version, &mut out)?;
    assert_eq!(&out[..written], &bytes[..]);
    Ok(bytes.to_vec())
}

/// The properties of a packet that has them.
pub fn props_mut(packet: &mut Packet) -> &mut Properties {
    match packet {
        Packet::Connect(p) => &mut p.properties,
        Packet::ConnAck(p) => &mut p.properties,
        Packet::Publish(p) => &mut p.properties,
        Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => {
            &mut p.properties
        }
        Packet::Subscribe(p) => &mut p.properties,
        Packet::SubAck(p) => &mut p.properties,
        Packet::Unsubscribe(p) => &mut p.properties,
        Packet::UnsubAck(p) => &mut p.properties,
        Packet::Disconnect(p) => &mut p.properties,
        Packet::Auth(p) => &mut p.properties,
        Packet::PingReq | Packet::PingResp => panic!("PINGREQ/PINGRESP have no properties"),
    }
}

/// Adds a Reason String and two User Properties to `packet`.
pub fn with_reason_string_and_user_properties(mut packet: Packet) -> Packet {
    let props = props_mut(&mut packet);
    props.reason_string = Some(mqtt_codec::MqttStr::new("a reason string").unwrap());
    props
        .user_properties
        .push(UserProperty::new("name", "value").unwrap());
    props
        .user_properties
        .push(UserProperty::new("name", "other value").unwrap());
    packet
}

/// PR-8 through `Packet::fit_to_size`: `packet` carries a Reason String and User Properties;
/// the encoder keeps everything when it fits, drops the Reason String first, then the User
/// Properties, and refuses when even the bare packet is too large.
pub fn assert_fit_to_size_drops_reason_string_then_user_properties(packet: Packet) {
    let v = V5;
    let full = packet.encoded_len(v).expect("packet encodes");
    let mut no_reason = packet.clone();
    props_mut(&mut no_reason).reason_string = None;
    let without_reason = no_reason.encoded_len(v).unwrap();
    let mut bare = no_reason.clone();
    props_mut(&mut bare).user_properties.clear();
    let bare_len = bare.encoded_len(v).unwrap();
    assert!(bare_len < without_reason && without_reason < full);

    // Fits: nothing is dropped.
    let mut p = packet.clone();
    assert_eq!(p.fit_to_size(v, full), Ok(full));
    assert_eq!(p, packet);

    // One byte short: the Reason String goes, the User Properties stay.
    let mut p = packet.clone();
    assert_eq!(p.fit_to_size(v, full - 1), Ok(without_reason));
    assert_eq!(p, no_reason);
    assert!(encode(&p, v).unwrap().len() < full);

    // Still too large without the Reason String: the User Properties go too.
    let mut p = packet.clone();
    assert_eq!(p.fit_to_size(v, without_reason - 1), Ok(bare_len));
    assert_eq!(p, bare);
    assert_eq!(encode(&p, v).unwrap().len(), bare_len);

    // Nothing left to drop: refused.
    let mut p = packet.clone();
    assert!(matches!(
        p.fit_to_size(v, bare_len - 1),
        Err(EncodeError::PacketTooLarge { size, max }) if size == bare_len && max == bare_len - 1
    ));
}

/// Every flag nibble other than `required` on `base` is malformed.
pub fn check_flags(version: ProtocolVersion, base: u8, required: u8, body: &str, t: PacketType) {
    for flags in (0u8..=0x0F).filter(|&f| f != required) {
        let bytes = frame(base | flags, body);
        let e = decode_err(version, None, &bytes);
        assert!(
            matches!(e, DecodeError::InvalidFlags { packet_type, flags: f } if packet_type == t && f == flags),
            "{bytes:02X?}: {e:?}"
        );
        if version.is_v5() {
            assert_rc(&e, 0x81);
        }
    }
    assert!(decode(version, &frame(base | required, body)).is_ok());
}
