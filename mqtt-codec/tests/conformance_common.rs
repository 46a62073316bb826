//! Conformance tests for checklist §1 (common rules): rows FH-1..FH-4, RL-1..RL-9,
//! DT-1..DT-10, PID-1..PID-5, TOP-1..TOP-8 and PR-1..PR-9.
//!
//! Test names: the statement ID of the row's version column and the version
//! (`mqtt_2_2_2_1_v311_...`), or the row id for unnumbered rows (`rl_6_v311_...`).
//! Every refusal asserts the exact `DecodeError` variant; 5.0 refusals also assert the
//! reason code the checklist's verdict column names.

mod support_common;

use bytes::Bytes;
use mqtt_codec::{
    parse, parse_header, topic_matches, validate_topic_filter, validate_topic_name, Auth, ConnAck,
    Connect, DecodeError, Decoder, EncodeError, MqttStr, Packet, PacketId, PacketType,
    ParseOptions, PropertyId, ProtocolVersion, PubResponse, Publish, QoS, ReasonCode, Role, Status,
    StrError, SubAck, Subscribe, Subscription, TopicError, TopicFilter, TopicName, UnsubAck,
    Unsubscribe, UserProperty, MAX_PACKET_SIZE, MAX_VARINT,
};
use support_common::*;

const CLIENT: Option<Role> = Some(Role::Client);
const SERVER: Option<Role> = Some(Role::Server);
const ANY: Option<Role> = None;

/// 3.1.1 QoS 0 PUBLISH of payload "x" on the raw topic bytes.
fn pub311(topic: &[u8]) -> Vec<u8> {
    let mut body = s(topic);
    body.push(0x78);
    frame(0x30, &body)
}

/// 5.0 QoS 0 PUBLISH of payload "x" on the raw topic bytes, no properties.
fn pub5(topic: &[u8]) -> Vec<u8> {
    let mut body = s(topic);
    body.extend_from_slice(&[0x00, 0x78]);
    frame(0x30, &body)
}

/// 5.0 QoS 0 PUBLISH on topic "a" with the given property content and payload "x".
fn pub5_props(props: &[u8]) -> Vec<u8> {
    let mut body = s(b"a");
    body.push(props.len() as u8);
    body.extend_from_slice(props);
    body.push(0x78);
    frame(0x30, &body)
}

/// 3.1.1 SUBSCRIBE id 10 of one raw filter at QoS 0.
fn sub311(filter: &[u8]) -> Vec<u8> {
    let mut body = vec![0x00, 0x0A];
    body.extend(s(filter));
    body.push(0x00);
    frame(0x82, &body)
}

/// 5.0 SUBSCRIBE id 10 of one raw filter at QoS 0, no properties.
fn sub5(filter: &[u8]) -> Vec<u8> {
    let mut body = vec![0x00, 0x0A, 0x00];
    body.extend(s(filter));
    body.push(0x00);
    frame(0x82, &body)
}

fn dec(
    version: ProtocolVersion,
    receiver: Option<Role>,
    bytes: &[u8],
) -> Result<Packet, DecodeError> {
    decode(version, receiver, bytes)
}

fn dec_ok(version: ProtocolVersion, receiver: Option<Role>, bytes: &[u8]) -> Packet {
    dec(version, receiver, bytes)
        .unwrap_or_else(|e| panic!("{version} {bytes:02X?} must be accepted, got {e:?}"))
}

fn dec_err(version: ProtocolVersion, receiver: Option<Role>, bytes: &[u8]) -> DecodeError {
    match dec(version, receiver, bytes) {
        Ok(p) => panic!("{version} {bytes:02X?} must be refused, was accepted as {p:?}"),
        Err(e) => e,
    }
}

fn connect_bytes_err(bytes: &[u8]) -> DecodeError {
    match connect(bytes) {
        Ok(p) => panic!("CONNECT {bytes:02X?} must be refused, was accepted as {p:?}"),
        Err(e) => e,
    }
}

fn connect_bytes_ok(bytes: &[u8]) -> Connect {
    match connect(bytes) {
        Ok(Packet::Connect(c)) => *c,
        other => panic!("CONNECT {bytes:02X?} must be accepted, got {other:?}"),
    }
}

fn pid(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

fn publish_of(p: Packet) -> Publish {
    match p {
        Packet::Publish(p) => p,
        other => panic!("not a PUBLISH: {other:?}"),
    }
}

fn packet_id_of(p: &Packet) -> Option<u16> {
    match p {
        Packet::Publish(p) => p.packet_id.map(|i| i.get()),
        Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => {
            Some(p.packet_id.get())
        }
        Packet::Subscribe(p) => Some(p.packet_id.get()),
        Packet::SubAck(p) => Some(p.packet_id.get()),
        Packet::Unsubscribe(p) => Some(p.packet_id.get()),
        Packet::UnsubAck(p) => Some(p.packet_id.get()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// 1.1 Fixed header: FH-1 .. FH-4
// ---------------------------------------------------------------------------------------

fn required_flags(t: u8) -> u8 {
    match t {
        6 | 8 | 10 => 0b0010,
        _ => 0,
    }
}

fn check_reserved_flags(version: ProtocolVersion) {
    let last = if version.is_v5() { 15 } else { 14 };
    for t in (1..=last).filter(|&t| t != 3) {
        for flags in 0..16u8 {
            let byte = (t << 4) | flags;
            let res = parse_header(&[byte, 0x00], &ParseOptions::new(version));
            if flags == required_flags(t) {
                match res {
                    Ok(Status::Complete(h)) => {
                        assert_eq!(h.packet_type as u8, t);
                        assert_eq!(h.flags, flags);
                    }
                    other => panic!("{byte:#04x} must be accepted under {version}: {other:?}"),
                }
            } else {
                let e = res.expect_err("wrong reserved flags must be refused");
                assert!(
                    matches!(e, DecodeError::InvalidFlags { packet_type, flags: f }
                        if packet_type as u8 == t && f == flags),
                    "{byte:#04x} under {version}: {e:?}"
                );
                if version.is_v5() {
                    assert_code(&e, 0x81);
                }
            }
        }
    }
}

#[test]
fn mqtt_2_2_2_1_v311_reserved_flag_bits_must_match_table() {
    check_reserved_flags(V311);
    // Whole packets from the checklist's negative vectors.
    for (h, t, f) in [
        (
            "11 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63",
            PacketType::Connect,
            1,
        ),
        ("60 02 00 0A", PacketType::PubRel, 0),
        ("80 06 00 0A 00 01 61 00", PacketType::Subscribe, 0),
        ("A0 05 00 0A 00 01 61", PacketType::Unsubscribe, 0),
        ("E1 00", PacketType::Disconnect, 1),
    ] {
        let e = err(V311, ANY, h);
        assert!(
            matches!(e, DecodeError::InvalidFlags { packet_type, flags } if packet_type == t && flags == f),
            "{h}: {e:?}"
        );
    }
    // The values shown in the table are accepted.
    ok(V311, ANY, "62 02 00 0A");
    ok(V311, ANY, "A2 05 00 0A 00 01 61");
}

#[test]
fn mqtt_2_1_3_1_v5_reserved_flag_bits_must_match_table() {
    check_reserved_flags(V5);
    for (h, t, f) in [
        (
            "11 10 00 04 4D 51 54 54 05 02 00 3C 00 00 03 61 62 63",
            PacketType::Connect,
            1,
        ),
        ("60 02 00 0A", PacketType::PubRel, 0),
        ("80 07 00 0A 00 00 01 61 00", PacketType::Subscribe, 0),
        ("A0 06 00 0A 00 00 01 61", PacketType::Unsubscribe, 0),
        ("E1 00", PacketType::Disconnect, 1),
        ("F1 00", PacketType::Auth, 1),
    ] {
        let e = err(V5, ANY, h);
        assert!(
            matches!(e, DecodeError::InvalidFlags { packet_type, flags } if packet_type == t && flags == f),
            "{h}: {e:?}"
        );
        assert_code(&e, 0x81);
    }
    ok(V5, ANY, "62 02 00 0A");
    ok(V5, CLIENT, "F0 00");
}

/// After invalid flags the decoder is failed for good: the connection must be closed.
fn check_invalid_flags_fail_decoder(version: ProtocolVersion) {
    let mut d = Decoder::client(version);
    d.feed(&hex("21 02 00 00"));
    let e = d.next_packet().unwrap_err();
    assert!(matches!(
        e,
        DecodeError::InvalidFlags {
            packet_type: PacketType::ConnAck,
            flags: 1
        }
    ));
    assert_eq!(d.error(), Some(&e));
    // A valid packet afterwards is not decoded: no resynchronisation.
    d.feed(&hex("20 02 00 00"));
    let again = d.next_packet().unwrap_err();
    assert!(matches!(&again, DecodeError::Failed { first } if *first == e.kind()));
    if version.is_v5() {
        assert_code(&e, 0x81);
        assert_code(&again, 0x81);
    }
}

#[test]
fn mqtt_2_2_2_2_v311_invalid_flags_close_the_connection() {
    check_invalid_flags_fail_decoder(V311);
}

#[test]
fn fh_2_v5_invalid_flags_are_malformed() {
    check_invalid_flags_fail_decoder(V5);
}

#[test]
fn fh_3_v311_packet_types_0_and_15_are_forbidden() {
    let e = err(V311, ANY, "00 00");
    assert!(matches!(
        e,
        DecodeError::ReservedPacketType { packet_type: 0 }
    ));
    let e = err(V311, ANY, "F0 00");
    assert!(matches!(
        e,
        DecodeError::ReservedPacketType { packet_type: 15 }
    ));
    // On either side.
    for role in [Role::Client, Role::Server] {
        let e = err(V311, Some(role), "F0 00");
        assert!(matches!(
            e,
            DecodeError::ReservedPacketType { packet_type: 15 }
        ));
    }
    let mut d = server_after_connect(V311);
    let e = feed_one(&mut d, &hex("F0 00")).unwrap_err();
    assert!(matches!(
        e,
        DecodeError::ReservedPacketType { packet_type: 15 }
    ));
}

#[test]
fn fh_3_v5_packet_type_0_is_malformed() {
    for h in ["00 00", "01 00", "0F 00"] {
        let e = err(V5, ANY, h);
        assert!(
            matches!(e, DecodeError::ReservedPacketType { packet_type: 0 }),
            "{h}: {e:?}"
        );
        assert_code(&e, 0x81);
    }
    // Type 15 is AUTH in 5.0.
    assert!(matches!(ok(V5, CLIENT, "F0 00"), Packet::Auth(_)));
}

fn check_direction(version: ProtocolVersion) {
    // A server receives only client packets.
    for h in ["20 02 00 00", "90 03 00 0A 00", "B0 02 00 0A", "D0 00"] {
        let bytes = hex(h);
        let bytes = if version.is_v5() && h.starts_with("20") {
            hex("20 03 00 00 00")
        } else if version.is_v5() && h.starts_with("90") {
            hex("90 04 00 0A 00 00")
        } else if version.is_v5() && h.starts_with("B0") {
            hex("B0 04 00 0A 00 00")
        } else {
            bytes
        };
        let mut d = server_after_connect(version);
        let e = feed_one(&mut d, &bytes).unwrap_err();
        assert!(
            matches!(
                e,
                DecodeError::UnexpectedPacket {
                    role: Role::Server,
                    ..
                }
            ),
            "server receiving {h} under {version}: {e:?}"
        );
        let e2 = dec_err(version, SERVER, &bytes);
        assert_eq!(e, e2);
        if version.is_v5() {
            assert_code(&e, 0x82);
        }
    }
    // A client receives only server packets (3.1.1: DISCONNECT is client-to-server only).
    let mut to_client = vec![
        "10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63",
        "82 06 00 0A 00 01 61 00",
        "A2 05 00 0A 00 01 61",
        "C0 00",
    ];
    if !version.is_v5() {
        to_client.push("E0 00");
    }
    for h in to_client {
        let mut d = Decoder::client(version);
        let e = feed_one(&mut d, &hex(h)).unwrap_err();
        assert!(
            matches!(
                e,
                DecodeError::UnexpectedPacket {
                    role: Role::Client,
                    ..
                }
            ),
            "client receiving {h} under {version}: {e:?}"
        );
        if version.is_v5() {
            assert_code(&e, 0x82);
        }
    }
    // The right directions are accepted.
    let mut d = server_after_connect(version);
    assert_eq!(feed_one(&mut d, &hex("C0 00")), Ok(Packet::PingReq));
    assert!(matches!(
        feed_one(&mut d, &hex("E0 00")),
        Ok(Packet::Disconnect(_))
    ));
    let mut d = Decoder::client(version);
    assert_eq!(feed_one(&mut d, &hex("D0 00")), Ok(Packet::PingResp));
    if version.is_v5() {
        // 5.0: DISCONNECT and AUTH travel both ways.
        assert!(matches!(
            feed_one(&mut d, &hex("E0 00")),
            Ok(Packet::Disconnect(_))
        ));
        let mut d = Decoder::client(version);
        assert!(matches!(
            feed_one(&mut d, &hex("F0 00")),
            Ok(Packet::Auth(_))
        ));
        let mut d = server_after_connect(version);
        let auth = "F0 15 18 13 15 00 0B 53 43 52 41 4D 2D 53 48 41 2D 31 16 00 02 01 02";
        assert!(matches!(feed_one(&mut d, &hex(auth)), Ok(Packet::Auth(_))));
    }
}

#[test]
fn fh_4_v311_packet_in_wrong_direction_is_refused() {
    check_direction(V311);
}

#[test]
fn fh_4_v5_packet_in_wrong_direction_is_protocol_error() {
    check_direction(V5);
}

// ---------------------------------------------------------------------------------------
// 1.2 Remaining Length: RL-1 .. RL-9
// ---------------------------------------------------------------------------------------

const VBI_TABLE: [(u32, &str); 8] = [
    (0, "00"),
    (127, "7F"),
    (128, "80 01"),
    (16_383, "FF 7F"),
    (16_384, "80 80 01"),
    (2_097_151, "FF FF 7F"),
    (2_097_152, "80 80 80 01"),
    (268_435_455, "FF FF FF 7F"),
];

/// A QoS 0 PUBLISH on "a" whose remaining length is exactly `rl` under `version`.
fn publish_with_rl(version: ProtocolVersion, rl: usize) -> Packet {
    let overhead = if version.is_v5() { 4 } else { 3 };
    let topic = TopicName::new("a").unwrap();
    Packet::Publish(Publish::new(topic, vec![0u8; rl - overhead]))
}

fn check_vbi(version: ProtocolVersion) {
    for (value, enc) in VBI_TABLE {
        let mut bytes = vec![0x30];
        bytes.extend(hex(enc));
        match parse_header(&bytes, &ParseOptions::new(version)) {
            Ok(Status::Complete(h)) => {
                assert_eq!(h.remaining_length, value as usize, "{enc}");
                assert_eq!(h.header_len, 1 + hex(enc).len(), "{enc}");
            }
            other => panic!("{enc}: {other:?}"),
        }
        assert_eq!(mqtt_codec::varint_len(value), hex(enc).len());
        // The encoder writes the same bytes (the largest value is left to RL-2).
        if (4..=2_097_152).contains(&value) {
            let out = encode(&publish_with_rl(version, value as usize), version);
            assert_eq!(
                &out[1..1 + hex(enc).len()],
                &hex(enc)[..],
                "encoding of {value}"
            );
        }
    }
    // A whole packet with a two-byte remaining length decodes.
    let p = publish_with_rl(version, 200);
    let bytes = encode(&p, version);
    assert_eq!(&bytes[..3], &[0x30, 0xC8, 0x01]);
    assert_eq!(dec_ok(version, ANY, &bytes), p);
}

#[test]
fn rl_1_v311_remaining_length_is_a_variable_byte_integer() {
    check_vbi(V311);
}

#[test]
fn rl_1_v5_remaining_length_is_a_variable_byte_integer() {
    check_vbi(V5);
}

fn check_vbi_too_long(version: ProtocolVersion) {
    for h in ["30 FF FF FF FF 7F", "30 80 80 80 80 01"] {
        let e = err(version, ANY, h);
        assert!(
            matches!(
                e,
                DecodeError::VarIntTooLong {
                    field: "remaining length"
                }
            ),
            "{h}: {e:?}"
        );
        if version.is_v5() {
            assert_code(&e, 0x81);
        }
        // Refused as soon as the fourth length byte shows a continuation bit.
        let e = parse_header(&hex(h)[..5], &ParseOptions::new(version)).unwrap_err();
        assert!(matches!(e, DecodeError::VarIntTooLong { .. }));
    }
    // The largest value, FF FF FF 7F, is accepted.
    match parse_header(&hex("30 FF FF FF 7F"), &ParseOptions::new(version)) {
        Ok(Status::Complete(h)) => {
            assert_eq!(h.remaining_length, MAX_VARINT as usize);
            assert_eq!(h.packet_len(), MAX_PACKET_SIZE);
        }
        other => panic!("{other:?}"),
    }
    // The encoder refuses a body one byte over the maximum (the zeroed payload is never
    // touched, so it costs no real memory).
    let overhead = if version.is_v5() { 4 } else { 3 };
    let topic = TopicName::new("a").unwrap();
    let big = Packet::Publish(Publish::new(
        topic.clone(),
        Bytes::from(vec![0u8; MAX_VARINT as usize - overhead + 1]),
    ));
    assert!(matches!(
        big.encoded_len(version),
        Err(EncodeError::PacketTooLarge { .. })
    ));
    let max = Packet::Publish(Publish::new(
        topic,
        Bytes::from(vec![0u8; MAX_VARINT as usize - overhead]),
    ));
    assert_eq!(max.encoded_len(version), Ok(MAX_PACKET_SIZE));
}

#[test]
fn rl_2_v311_remaining_length_over_four_bytes_is_refused() {
    check_vbi_too_long(V311);
}

#[test]
fn rl_2_v5_remaining_length_over_four_bytes_is_malformed() {
    check_vbi_too_long(V5);
}

fn check_non_minimal(version: ProtocolVersion) {
    let e = err(version, ANY, "C0 80 00");
    assert!(matches!(
        e,
        DecodeError::NonMinimalVarInt {
            field: "remaining length"
        }
    ));
    if version.is_v5() {
        assert_code(&e, 0x81);
    }
    for h in ["30 FF 00", "30 80 80 00", "30 80 80 80 00", "30 FF FF 00"] {
        let e = parse_header(&hex(h), &ParseOptions::new(version)).unwrap_err();
        assert!(
            matches!(e, DecodeError::NonMinimalVarInt { .. }),
            "{h}: {e:?}"
        );
        if version.is_v5() {
            assert_code(&e, 0x81);
        }
    }
    // The encoder always writes the shortest form.
    assert_eq!(encode(&Packet::PingReq, version), hex("C0 00"));
    assert_eq!(
        encode(&publish_with_rl(version, 127), version)[..2],
        hex("30 7F")[..]
    );
    assert_eq!(
        encode(&publish_with_rl(version, 128), version)[..3],
        hex("30 80 01")[..]
    );
}

#[test]
fn rl_3_v311_non_minimal_remaining_length_is_refused_by_policy() {
    check_non_minimal(V311);
}

#[test]
fn mqtt_1_5_5_1_v5_non_minimal_variable_byte_integer_is_malformed() {
    check_non_minimal(V5);
}

fn check_packet_size(version: ProtocolVersion) {
    // Two packets back to back: parse uses exactly 1 + len(RL) + RL bytes of the first.
    let opts = ParseOptions::new(version);
    let buf = hex("D0 00 D0 00");
    match parse(&buf, &opts) {
        Ok(Status::Complete((Packet::PingResp, used))) => assert_eq!(used, 2),
        other => panic!("{other:?}"),
    }
    for rl in [5usize, 127, 128, 16_383, 16_384] {
        let p = publish_with_rl(version, rl);
        let mut bytes = encode(&p, version);
        let expected = 1 + mqtt_codec::varint_len(rl as u32) + rl;
        assert_eq!(bytes.len(), expected);
        assert_eq!(p.encoded_len(version), Ok(expected));
        match parse_header(&bytes, &opts) {
            Ok(Status::Complete(h)) => {
                assert_eq!(h.remaining_length, rl);
                assert_eq!(h.packet_len(), expected);
            }
            other => panic!("{other:?}"),
        }
        bytes.extend_from_slice(&hex("C0 00"));
        match parse(&bytes, &opts) {
            Ok(Status::Complete((_, used))) => assert_eq!(used, expected),
            other => panic!("{other:?}"),
        }
        // One byte short: incomplete, not an error.
        assert_eq!(
            parse(&bytes[..expected - 1], &opts).map(|s| s.complete().is_none()),
            Ok(true)
        );
    }
}

#[test]
fn rl_4_v311_packet_size_is_header_plus_remaining_length() {
    check_packet_size(V311);
}

#[test]
fn rl_4_v5_packet_size_is_header_plus_remaining_length() {
    check_packet_size(V5);
}

#[test]
fn rl_5_v311_fields_must_fill_remaining_length_exactly() {
    // Bytes left over after the last field.
    let e = connect_bytes_err(&hex(
        "10 10 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63 00",
    ));
    assert!(matches!(
        e,
        DecodeError::TrailingBytes {
            packet_type: PacketType::Connect,
            count: 1
        }
    ));
    // A field that runs past the end.
    let e = err(V311, ANY, "30 05 00 09 61 2F 62");
    assert!(matches!(
        e,
        DecodeError::UnexpectedEnd {
            packet_type: PacketType::Publish,
            field: "topic name"
        }
    ));
    let e = err(V311, ANY, "82 05 00 0A 00 01 61");
    assert!(matches!(
        e,
        DecodeError::UnexpectedEnd {
            packet_type: PacketType::Subscribe,
            ..
        }
    ));
    let e = err(V311, ANY, "A2 06 00 0A 00 01 61 00");
    assert!(matches!(
        e,
        DecodeError::UnexpectedEnd {
            packet_type: PacketType::Unsubscribe,
            ..
        }
    ));
    // Exactly filled: accepted.
    ok(
        V311,
        ANY,
        "10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63",
    );
}

#[test]
fn rl_5_v5_fields_must_fill_remaining_length_exactly() {
    let e = connect_bytes_err(&hex(
        "10 11 00 04 4D 51 54 54 05 02 00 3C 00 00 03 61 62 63 00",
    ));
    assert!(matches!(
        e,
        DecodeError::TrailingBytes {
            packet_type: PacketType::Connect,
            count: 1
        }
    ));
    assert_code(&e, 0x81);
    let e = err(V5, ANY, "E0 03 00 00 00");
    assert!(matches!(
        e,
        DecodeError::TrailingBytes {
            packet_type: PacketType::Disconnect,
            count: 1
        }
    ));
    assert_code(&e, 0x81);
    let e = err(V5, ANY, "30 05 00 09 61 2F 62");
    assert!(matches!(
        e,
        DecodeError::UnexpectedEnd {
            packet_type: PacketType::Publish,
            field: "topic name"
        }
    ));
    assert_code(&e, 0x81);
    let e = err(V5, ANY, "82 06 00 0A 00 00 01 61");
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }));
    assert_code(&e, 0x81);
    ok(
        V5,
        ANY,
        "10 10 00 04 4D 51 54 54 05 02 00 3C 00 00 03 61 62 63",
    );
}

#[test]
fn rl_6_v311_fixed_remaining_lengths_are_enforced() {
    for (h, t, len) in [
        ("20 03 00 00 00", PacketType::ConnAck, 3),
        ("20 01 00", PacketType::ConnAck, 1),
        ("40 03 00 0A 10", PacketType::PubAck, 3),
        ("40 01 00", PacketType::PubAck, 1),
        ("40 00", PacketType::PubAck, 0),
        ("50 03 00 0A 00", PacketType::PubRec, 3),
        ("62 03 00 0A 00", PacketType::PubRel, 3),
        ("62 01 00", PacketType::PubRel, 1),
        ("70 03 00 0A 00", PacketType::PubComp, 3),
        ("B0 03 00 0A 00", PacketType::UnsubAck, 3),
        ("C0 01 00", PacketType::PingReq, 1),
        ("D0 01 00", PacketType::PingResp, 1),
        ("E0 01 00", PacketType::Disconnect, 1),
    ] {
        let e = err(V311, ANY, h);
        assert!(
            matches!(e, DecodeError::InvalidRemainingLength { packet_type, length }
                if packet_type == t && length == len),
            "{h}: {e:?}"
        );
    }
    for h in [
        "20 02 00 00",
        "40 02 00 0A",
        "50 02 00 0A",
        "62 02 00 0A",
        "70 02 00 0A",
        "B0 02 00 0A",
        "C0 00",
        "D0 00",
        "E0 00",
    ] {
        ok(V311, ANY, h);
    }
}

#[test]
fn rl_6_v5_ping_remaining_length_must_be_zero() {
    for (h, t) in [
        ("C0 01 00", PacketType::PingReq),
        ("D0 01 00", PacketType::PingResp),
        ("C0 02 00 00", PacketType::PingReq),
    ] {
        let e = err(V5, ANY, h);
        assert!(
            matches!(e, DecodeError::InvalidRemainingLength { packet_type, .. } if packet_type == t),
            "{h}: {e:?}"
        );
        assert_code(&e, 0x81);
    }
    // In 5.0 the other fixed sizes of 3.1.1 no longer apply.
    for h in [
        "C0 00",
        "D0 00",
        "20 03 00 00 00",
        "40 03 00 0A 10",
        "62 03 00 0A 92",
        "B0 05 00 0A 00 00 11",
        "E0 01 00",
    ] {
        ok(V5, ANY, h);
    }
}

#[test]
fn rl_7_v5_packet_over_maximum_packet_size_is_refused_before_its_body() {
    // Only the fixed header has arrived: the decoder refuses at once (0x95).
    let mut d = Decoder::client(V5).with_max_packet_size(100);
    d.feed(&hex("30 FF 7F"));
    let e = d.next_packet().unwrap_err();
    assert!(matches!(
        e,
        DecodeError::PacketTooLarge {
            size: 16_386,
            max: 100
        }
    ));
    assert_code(&e, 0x95);
    // Boundary: exactly the maximum is accepted, one more byte is refused.
    let at_max = encode(&publish_with_rl(V5, 98), V5);
    assert_eq!(at_max.len(), 100);
    let mut d = Decoder::client(V5).with_max_packet_size(100);
    d.feed(&at_max);
    assert!(matches!(d.next_packet(), Ok(Some(Packet::Publish(_)))));
    let over = encode(&publish_with_rl(V5, 99), V5);
    let mut d = Decoder::client(V5).with_max_packet_size(100);
    d.feed(&over[..2]);
    let e = d.next_packet().unwrap_err();
    assert!(matches!(
        e,
        DecodeError::PacketTooLarge {
            size: 101,
            max: 100
        }
    ));
    assert_code(&e, 0x95);
    // The borrowed parse honours the limit too.
    let opts = ParseOptions {
        max_packet_size: 100,
        ..ParseOptions::new(V5)
    };
    let e = parse(&over, &opts).unwrap_err();
    assert!(matches!(
        e,
        DecodeError::PacketTooLarge {
            size: 101,
            max: 100
        }
    ));
    assert!(matches!(parse(&at_max, &opts), Ok(Status::Complete(_))));
}

#[test]
fn mqtt_3_1_2_24_v5_encoder_never_exceeds_peer_maximum_packet_size() {
    let topic = TopicName::new("a/b").unwrap();
    let mut p = Packet::Publish(Publish::new(topic, vec![0u8; 100]));
    let len = p.encoded_len(V5).unwrap();
    let before = p.clone();
    // A PUBLISH cannot be shrunk: it is refused, untouched, and the caller drops it.
    assert_eq!(
        p.fit_to_size(V5, len - 1),
        Err(EncodeError::PacketTooLarge {
            size: len,
            max: len - 1
        })
    );
    assert_eq!(p, before);
    assert_eq!(p.fit_to_size(V5, len), Ok(len));
    assert_eq!(encode(&p, V5).len(), len);
}

#[test]
fn rl_9_v5_property_varints_follow_rl_2_and_rl_3() {
    // Property Length not minimal / over four bytes.
    let e = err(V5, ANY, "30 06 00 01 61 80 00 78");
    assert!(matches!(
        e,
        DecodeError::NonMinimalVarInt {
            field: "property length"
        }
    ));
    assert_code(&e, 0x81);
    let e = err(V5, ANY, "30 09 00 01 61 FF FF FF FF 7F 78");
    assert!(matches!(
        e,
        DecodeError::VarIntTooLong {
            field: "property length"
        }
    ));
    assert_code(&e, 0x81);
    // Property Identifier not minimal.
    let e = err(V5, ANY, "30 08 00 01 61 03 81 00 01 78");
    assert!(matches!(
        e,
        DecodeError::NonMinimalVarInt {
            field: "property identifier"
        }
    ));
    assert_code(&e, 0x81);
    // A minimal two-byte identifier is read as a VBI (128: undefined).
    let e = err(V5, ANY, "30 07 00 01 61 02 80 01 78");
    assert!(matches!(e, DecodeError::UnknownProperty { id: 128 }));
    assert_code(&e, 0x81);
    // Subscription Identifier value not minimal / over four bytes.
    let e = err(V5, SERVER, "82 0A 00 0A 03 0B 81 00 00 01 61 00");
    assert!(matches!(
        e,
        DecodeError::NonMinimalVarInt {
            field: "subscription identifier"
        }
    ));
    assert_code(&e, 0x81);
    let e = err(V5, SERVER, "82 0D 00 0A 06 0B FF FF FF FF 7F 00 01 61 00");
    assert!(matches!(
        e,
        DecodeError::VarIntTooLong {
            field: "subscription identifier"
        }
    ));
    assert_code(&e, 0x81);
    // Minimal multi-byte values are fine: Subscription Identifier 200 = C8 01.
    let p = publish_of(ok(
        V5,
        CLIENT,
        "34 0D 00 03 61 2F 62 00 07 05 0B 01 0B C8 01",
    ));
    assert_eq!(p.properties.subscription_identifiers, vec![1, 200]);
    assert!(p.payload.is_empty());
}

// ---------------------------------------------------------------------------------------
// 1.3 Data types: DT-1 .. DT-10
// ---------------------------------------------------------------------------------------

fn check_two_byte_integer(version: ProtocolVersion) {
    match ok(version, ANY, "40 02 01 0A") {
        Packet::PubAck(a) => assert_eq!(a.packet_id.get(), 0x010A),
        other => panic!("{other:?}"),
    }
    let c = if version.is_v5() {
        connect_ok("10 10 00 04 4D 51 54 54 05 02 01 2C 00 00 03 61 62 63")
    } else {
        connect_ok("10 0F 00 04 4D 51 54 54 04 02 01 2C 00 03 61 62 63")
    };
    assert_eq!(c.keep_alive, 300);
    // Truncated Two Byte Integers.
    let level = if version.is_v5() { "05" } else { "04" };
    let e = connect_err(&format!("10 09 00 04 4D 51 54 54 {level} 02 00"));
    assert!(matches!(
        e,
        DecodeError::UnexpectedEnd {
            packet_type: PacketType::Connect,
            field: "keep alive"
        }
    ));
    if version.is_v5() {
        assert_code(&e, 0x81);
    }
    let e = err(version, ANY, "32 04 00 01 61 00");
    assert!(matches!(
        e,
        DecodeError::UnexpectedEnd {
            packet_type: PacketType::Publish,
            field: "packet identifier"
        }
    ));
    if version.is_v5() {
        assert_code(&e, 0x81);
        // Inside a property: Topic Alias with one byte of value.
        let e = err(V5, ANY, "30 07 00 01 61 02 23 00 78");
        assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
        assert_code(&e, 0x81);
    }
}

#[test]
fn dt_1_v311_two_byte_integer_is_big_endian_truncation_refused() {
    check_two_byte_integer(V311);
}

#[test]
fn dt_1_v5_two_byte_integer_is_big_endian_truncation_malformed() {
    check_two_byte_integer(V5);
}

#[test]
fn dt_2_v5_four_byte_integer_is_big_endian_truncation_malformed() {
    let p = publish_of(ok(V5, ANY, "30 0A 00 01 61 05 02 01 02 03 04 78"));
    assert_eq!(p.properties.message_expiry_interval, Some(0x0102_0304));
    let e = err(V5, ANY, "30 09 00 01 61 04 02 00 00 01 78");
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    assert_code(&e, 0x81);
    // Session Expiry Interval 3600 in the checklist's full CONNECT.
    let c = connect_ok(
        "10 40 00 04 4D 51 54 54 05 CE 00 3C 12 11 00 00 0E 10 21 00 14 22 00 0A 26 00 01 6B 00 01 76 00 03 61 62 63 07 01 01 18 00 00 00 05 00 03 77 2F 74 00 03 62 79 65 00 04 75 73 65 72 00 04 70 61 73 73",
    );
    assert_eq!(c.properties.session_expiry_interval, Some(3600));
    assert_eq!(c.will.unwrap().properties.will_delay_interval, Some(5));
}

fn check_string_length(version: ProtocolVersion) {
    let e = err(version, ANY, "30 05 00 09 61 2F 62");
    assert!(matches!(
        e,
        DecodeError::UnexpectedEnd {
            field: "topic name",
            ..
        }
    ));
    let level = if version.is_v5() { "05" } else { "04" };
    let props = if version.is_v5() { "00" } else { "" };
    let rl = if version.is_v5() { "10" } else { "0F" };
    let e = connect_err(&format!(
        "10 {rl} 00 04 4D 51 54 54 {level} 02 00 3C {props} 00 04 61 62 63"
    ));
    assert!(matches!(
        e,
        DecodeError::UnexpectedEnd {
            field: "client identifier",
            ..
        }
    ));
    if version.is_v5() {
        assert_code(&e, 0x81);
    }
    // Length 0 and length 65,535 are both fine.
    let rl0 = if version.is_v5() { "0D" } else { "0C" };
    let c = connect_ok(&format!(
        "10 {rl0} 00 04 4D 51 54 54 {level} 02 00 3C {props} 00 00"
    ));
    assert!(c.client_id.is_empty());
    let long = vec![b'a'; 65_535];
    let bytes = if version.is_v5() {
        pub5(&long)
    } else {
        pub311(&long)
    };
    assert_eq!(publish_of(dec_ok(version, ANY, &bytes)).topic.len(), 65_535);
    // The encoder refuses a string or binary field over 65,535 bytes.
    assert_eq!(MqttStr::new(&"a".repeat(65_536)), Err(StrError::TooLong));
    let mut c = Connect::new(version, MqttStr::new("abc").unwrap());
    c.username = Some(MqttStr::new("u").unwrap());
    c.password = Some(Bytes::from(vec![0u8; 65_536]));
    assert!(matches!(
        Packet::from(c).encoded_len(version),
        Err(EncodeError::FieldTooLong { len: 65_536, .. })
    ));
}

#[test]
fn dt_3_v311_string_length_past_the_end_is_refused() {
    check_string_length(V311);
}

#[test]
fn dt_3_v5_string_length_past_the_end_is_malformed() {
    check_string_length(V5);
}

const ILL_FORMED_UTF8: [&str; 14] = [
    "ED A0 80",    // surrogate U+D800
    "ED BF BF",    // surrogate U+DFFF
    "C0 AF",       // overlong '/'
    "E0 80 AF",    // overlong '/'
    "C0 80",       // modified UTF-8 U+0000
    "C0",          // never valid
    "C1 81",       // never valid
    "F5 80 80 80", // beyond U+10FFFF
    "F4 90 80 80", // U+110000
    "FF",          // never valid
    "FE",          // never valid
    "80",          // stray continuation
    "61 BF",       // stray continuation after ASCII
    "E2 82",       // truncated sequence
];

fn check_ill_formed_utf8(version: ProtocolVersion) {
    // The checklist's own vectors.
    if !version.is_v5() {
        assert_eq!(pub311(&hex("ED A0 80")), hex("30 06 00 03 ED A0 80 78"));
        assert_eq!(pub311(&hex("C0 AF")), hex("30 05 00 02 C0 AF 78"));
    }
    for bad in ILL_FORMED_UTF8 {
        let topic = hex(bad);
        let bytes = if version.is_v5() {
            pub5(&topic)
        } else {
            pub311(&topic)
        };
        let e = dec_err(version, ANY, &bytes);
        assert!(
            matches!(
                e,
                DecodeError::InvalidUtf8 {
                    field: "topic name"
                }
            ),
            "{bad}: {e:?}"
        );
        if version.is_v5() {
            assert_code(&e, 0x81);
        }
    }
    // Well-formed multi-byte characters are accepted.
    for good in [
        "C3 A9",
        "E2 82 AC",
        "F0 9F 98 80",
        "F4 8F BF BF",
        "ED 9F BF",
        "EE 80 80",
    ] {
        let topic = hex(good);
        let bytes = if version.is_v5() {
            pub5(&topic)
        } else {
            pub311(&topic)
        };
        assert_eq!(
            publish_of(dec_ok(version, ANY, &bytes))
                .topic
                .as_str()
                .as_bytes(),
            &topic[..]
        );
    }
}

#[test]
fn mqtt_1_5_3_1_v311_ill_formed_utf8_is_refused() {
    check_ill_formed_utf8(V311);
}

#[test]
fn mqtt_1_5_4_1_v5_ill_formed_utf8_is_malformed() {
    check_ill_formed_utf8(V5);
}

fn check_null_character(version: ProtocolVersion) {
    let bytes = if version.is_v5() {
        pub5(&hex("61 00 62"))
    } else {
        hex("30 06 00 03 61 00 62 78")
    };
    let e = dec_err(version, ANY, &bytes);
    assert!(
        matches!(
            e,
            DecodeError::NullCharacter {
                field: "topic name"
            }
        ),
        "{e:?}"
    );
    if version.is_v5() {
        assert_code(&e, 0x81);
    }
    let payload = s(b"a\0");
    let bytes = if version.is_v5() {
        connect5(0x02, &[], &payload)
    } else {
        connect311(0x02, &payload)
    };
    let e = connect_bytes_err(&bytes);
    assert!(matches!(
        e,
        DecodeError::NullCharacter {
            field: "client identifier"
        }
    ));
    if version.is_v5() {
        assert_code(&e, 0x81);
    }
    // C0 80 (modified UTF-8) is refused as ill-formed.
    let bytes = if version.is_v5() {
        pub5(&hex("61 C0 80"))
    } else {
        pub311(&hex("61 C0 80"))
    };
    assert!(matches!(
        dec_err(version, ANY, &bytes),
        DecodeError::InvalidUtf8 { .. }
    ));
    assert_eq!(MqttStr::new("a\0"), Err(StrError::NullCharacter));
}

#[test]
fn mqtt_1_5_3_2_v311_string_with_null_character_is_refused() {
    check_null_character(V311);
}

#[test]
fn mqtt_1_5_4_2_v5_string_with_null_character_is_malformed() {
    check_null_character(V5);
}

fn check_bom_kept(version: ProtocolVersion) {
    for t in ["EF BB BF 61", "61 EF BB BF", "EF BB BF"] {
        let topic = hex(t);
        let bytes = if version.is_v5() {
            pub5(&topic)
        } else {
            pub311(&topic)
        };
        let p = publish_of(dec_ok(version, ANY, &bytes));
        assert_eq!(p.topic.as_str().as_bytes(), &topic[..], "{t}");
        assert!(p.topic.as_str().contains('\u{FEFF}'));
        // And it survives re-encoding.
        assert_eq!(encode(&Packet::Publish(p), version), bytes);
    }
    let c = connect_bytes_ok(&if version.is_v5() {
        connect5(0x02, &[], &s(&hex("EF BB BF 63")))
    } else {
        connect311(0x02, &s(&hex("EF BB BF 63")))
    });
    assert_eq!(c.client_id.as_str(), "\u{FEFF}c");
}

#[test]
fn mqtt_1_5_3_3_v311_feff_is_kept_not_stripped() {
    check_bom_kept(V311);
}

#[test]
fn mqtt_1_5_4_3_v5_feff_is_kept_not_stripped() {
    check_bom_kept(V5);
}

fn check_control_characters_accepted(version: ProtocolVersion) {
    for t in [
        "01",
        "1F",
        "7F",
        "C2 80",
        "C2 9F",
        "EF B7 90",
        "EF B7 AF",
        "EF BF BE",
        "EF BF BF",
        "F0 9F BF BF",
        "61 0A 62",
    ] {
        let topic = hex(t);
        let bytes = if version.is_v5() {
            pub5(&topic)
        } else {
            pub311(&topic)
        };
        let p = publish_of(dec_ok(version, ANY, &bytes));
        assert_eq!(p.topic.as_str().as_bytes(), &topic[..], "{t}");
    }
}

#[test]
fn dt_7_v311_control_and_non_characters_accepted_by_default() {
    check_control_characters_accepted(V311);
}

#[test]
fn dt_7_v5_control_and_non_characters_accepted_by_default() {
    check_control_characters_accepted(V5);
}

#[test]
fn dt_8_v311_binary_data_is_length_prefixed_and_not_utf8_checked() {
    // Will Message and Password with bytes that are not UTF-8.
    let mut payload = s(b"abc");
    payload.extend(s(b"w/t"));
    payload.extend(s(&hex("00 FF")));
    payload.extend(s(b"user"));
    payload.extend(s(&hex("FF 00 FE")));
    let c = connect_bytes_ok(&connect311(0xC6, &payload));
    assert_eq!(&c.will.unwrap().payload[..], &hex("00 FF")[..]);
    assert_eq!(&c.password.unwrap()[..], &hex("FF 00 FE")[..]);
    // Truncated Binary Data.
    let mut payload = s(b"abc");
    payload.extend(s(b"user"));
    payload.extend(hex("00 05 FF"));
    let e = connect_bytes_err(&connect311(0xC2, &payload));
    assert!(matches!(
        e,
        DecodeError::UnexpectedEnd {
            packet_type: PacketType::Connect,
            field: "password"
        }
    ));
}

#[test]
fn dt_8_v5_binary_data_is_length_prefixed_and_not_utf8_checked() {
    let mut payload = s(b"abc");
    payload.push(0x00); // will properties
    payload.extend(s(b"w/t"));
    payload.extend(s(&hex("00 FF")));
    payload.extend(s(b"user"));
    payload.extend(s(&hex("FF 00 FE")));
    let c = connect_bytes_ok(&connect5(
        0xC6,
        &hex("15 00 01 6D 16 00 02 FF 00"),
        &payload,
    ));
    assert_eq!(&c.will.unwrap().payload[..], &hex("00 FF")[..]);
    assert_eq!(&c.password.unwrap()[..], &hex("FF 00 FE")[..]);
    assert_eq!(
        &c.properties.authentication_data.as_ref().unwrap()[..],
        &hex("FF 00")[..]
    );
    // Correlation Data.
    let p = publish_of(dec_ok(V5, ANY, &pub5_props(&hex("09 00 03 00 FF C0"))));
    assert_eq!(
        &p.properties.correlation_data.as_ref().unwrap()[..],
        &hex("00 FF C0")[..]
    );
    // Truncated Binary Data.
    let e = dec_err(V5, ANY, &pub5_props(&hex("09 00 03 00 FF")));
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    assert_code(&e, 0x81);
    let mut payload = s(b"abc");
    payload.extend(hex("00 05 FF"));
    let e = connect_bytes_err(&connect5(0x42, &[], &payload));
    assert!(matches!(
        e,
        DecodeError::UnexpectedEnd {
            field: "password",
            ..
        }
    ));
    assert_code(&e, 0x81);
}

#[test]
fn mqtt_1_5_7_1_v5_user_property_is_a_pair_of_valid_strings() {
    let p = publish_of(ok(V5, ANY, "30 0C 00 01 61 07 26 00 01 6B 00 01 76 78"));
    assert_eq!(
        p.properties.user_properties,
        vec![UserProperty::new("k", "v").unwrap()]
    );
    for (props, field, null) in [
        ("26 00 01 FF 00 01 76", "user property name", false),
        ("26 00 01 6B 00 01 FF", "user property value", false),
        ("26 00 01 00 00 01 76", "user property name", true),
        ("26 00 01 6B 00 01 00", "user property value", true),
        ("26 00 02 ED A0 00 01 76", "user property name", false),
    ] {
        let e = dec_err(V5, ANY, &pub5_props(&hex(props)));
        if null {
            assert!(
                matches!(e, DecodeError::NullCharacter { field: f } if f == field),
                "{props}: {e:?}"
            );
        } else {
            assert!(
                matches!(e, DecodeError::InvalidUtf8 { field: f } if f == field),
                "{props}: {e:?}"
            );
        }
        assert_code(&e, 0x81);
    }
    // The value is missing, or runs past the end.
    for props in ["26 00 01 6B", "26 00 01 6B 00 05 76"] {
        let e = dec_err(V5, ANY, &pub5_props(&hex(props)));
        assert!(
            matches!(e, DecodeError::UnexpectedEnd { .. }),
            "{props}: {e:?}"
        );
        assert_code(&e, 0x81);
    }
}

fn is_utf8_error(e: &DecodeError) -> bool {
    matches!(e, DecodeError::InvalidUtf8 { .. })
}

#[test]
fn dt_10_v311_utf8_fields_are_checked_binary_fields_are_not() {
    let bad = hex("FF");
    // ClientId.
    let e = connect_bytes_err(&connect311(0x02, &s(&bad)));
    assert!(matches!(
        e,
        DecodeError::InvalidUtf8 {
            field: "client identifier"
        }
    ));
    // Will Topic.
    let mut payload = s(b"abc");
    payload.extend(s(&bad));
    payload.extend(s(b"m"));
    let e = connect_bytes_err(&connect311(0x06, &payload));
    assert!(matches!(
        e,
        DecodeError::InvalidUtf8 {
            field: "will topic"
        }
    ));
    // User Name.
    let mut payload = s(b"abc");
    payload.extend(s(&bad));
    let e = connect_bytes_err(&connect311(0x82, &payload));
    assert!(matches!(e, DecodeError::InvalidUtf8 { field: "user name" }));
    // Protocol Name that is not UTF-8: refused (as an unknown protocol).
    let e = connect_err("10 0F 00 04 FF 51 54 54 04 02 00 3C 00 03 61 62 63");
    assert!(matches!(e, DecodeError::UnsupportedProtocolName));
    // Topic Name, SUBSCRIBE and UNSUBSCRIBE filters.
    assert!(is_utf8_error(&dec_err(V311, ANY, &pub311(&bad))));
    let e = dec_err(V311, ANY, &sub311(&bad));
    assert!(
        matches!(
            e,
            DecodeError::InvalidUtf8 {
                field: "topic filter"
            }
        ),
        "{e:?}"
    );
    let e = err(V311, ANY, "A2 05 00 0A 00 01 FF");
    assert!(
        matches!(
            e,
            DecodeError::InvalidUtf8 {
                field: "topic filter"
            }
        ),
        "{e:?}"
    );
    // Not UTF-8: Password, Will Message, PUBLISH payload.
    let mut payload = s(b"abc");
    payload.extend(s(b"w"));
    payload.extend(s(&bad));
    payload.extend(s(b"u"));
    payload.extend(s(&bad));
    let c = connect_bytes_ok(&connect311(0xC6, &payload));
    assert_eq!(&c.password.unwrap()[..], &bad[..]);
    let p = publish_of(ok(V311, ANY, "30 06 00 01 61 FF FE 00"));
    assert_eq!(&p.payload[..], &hex("FF FE 00")[..]);
}

#[test]
fn dt_10_v5_utf8_fields_are_checked_binary_fields_are_not() {
    let bad = hex("FF");
    let e = connect_bytes_err(&connect5(0x02, &[], &s(&bad)));
    assert!(matches!(
        e,
        DecodeError::InvalidUtf8 {
            field: "client identifier"
        }
    ));
    assert_code(&e, 0x81);
    let mut payload = s(b"abc");
    payload.push(0);
    payload.extend(s(&bad));
    payload.extend(s(b"m"));
    let e = connect_bytes_err(&connect5(0x06, &[], &payload));
    assert!(matches!(
        e,
        DecodeError::InvalidUtf8 {
            field: "will topic"
        }
    ));
    assert_code(&e, 0x81);
    let mut payload = s(b"abc");
    payload.extend(s(&bad));
    let e = connect_bytes_err(&connect5(0x82, &[], &payload));
    assert!(matches!(e, DecodeError::InvalidUtf8 { field: "user name" }));
    assert_code(&e, 0x81);
    assert!(is_utf8_error(&dec_err(V5, ANY, &pub5(&bad))));
    let e = dec_err(V5, ANY, &sub5(&bad));
    assert!(matches!(
        e,
        DecodeError::InvalidUtf8 {
            field: "topic filter"
        }
    ));
    let e = err(V5, ANY, "A2 06 00 0A 00 00 01 FF");
    assert!(matches!(
        e,
        DecodeError::InvalidUtf8 {
            field: "topic filter"
        }
    ));
    // String properties: Content Type, Response Topic (PUBLISH); Assigned Client Identifier,
    // Response Information, Server Reference, Reason String, Authentication Method (CONNACK);
    // Reason String (PUBACK); Server Reference (DISCONNECT); Authentication Method (CONNECT).
    for id in [0x03u8, 0x08] {
        let e = dec_err(V5, ANY, &pub5_props(&[id, 0x00, 0x01, 0xFF]));
        assert!(is_utf8_error(&e), "property {id:#04x}: {e:?}");
        assert_code(&e, 0x81);
    }
    for id in [0x12u8, 0x1A, 0x1C, 0x1F, 0x15] {
        let e = dec_err(V5, CLIENT, &connack5(&[id, 0x00, 0x01, 0xFF]));
        assert!(is_utf8_error(&e), "CONNACK property {id:#04x}: {e:?}");
        assert_code(&e, 0x81);
    }
    let e = err(V5, ANY, "40 08 00 0A 80 04 1F 00 01 FF");
    assert!(is_utf8_error(&e), "{e:?}");
    let e = err(V5, CLIENT, "E0 06 00 04 1C 00 01 FF");
    assert!(is_utf8_error(&e), "{e:?}");
    let e = connect_bytes_err(&connect5(0x02, &hex("15 00 01 FF"), &s(b"abc")));
    assert!(is_utf8_error(&e), "{e:?}");
    // Not UTF-8: Password, Will Payload, PUBLISH payload, Correlation Data, Auth Data.
    let mut payload = s(b"abc");
    payload.push(0);
    payload.extend(s(b"w"));
    payload.extend(s(&bad));
    payload.extend(s(&bad));
    let c = connect_bytes_ok(&connect5(0x46, &hex("15 00 01 6D 16 00 01 FF"), &payload));
    assert_eq!(&c.password.unwrap()[..], &bad[..]);
    assert_eq!(&c.will.unwrap().payload[..], &bad[..]);
    let p = publish_of(ok(V5, ANY, "30 07 00 01 61 00 FF FE 00"));
    assert_eq!(&p.payload[..], &hex("FF FE 00")[..]);
    dec_ok(V5, ANY, &pub5_props(&hex("09 00 01 FF")));
    // Payload Format Indicator 1 does not make the codec check the payload (a MAY).
    let p = publish_of(dec_ok(V5, ANY, &pub5_props(&hex("01 01"))));
    assert_eq!(p.properties.payload_format_indicator, Some(1));
    let mut body = s(b"a");
    body.extend(hex("02 01 01 FF"));
    dec_ok(V5, ANY, &frame(0x30, &body));
}

// ---------------------------------------------------------------------------------------
// 1.4 Packet Identifier: PID-1 .. PID-5
// ---------------------------------------------------------------------------------------

fn check_carries_packet_id(version: ProtocolVersion, with: &[&str], without: &[&str]) {
    for h in with {
        let p = ok(version, ANY, h);
        assert_eq!(packet_id_of(&p), Some(10), "{h}: {p:?}");
    }
    for h in without {
        let p = ok(version, CLIENT, h);
        assert_eq!(packet_id_of(&p), None, "{h}: {p:?}");
    }
}

#[test]
fn pid_1_v311_packets_that_carry_a_packet_identifier() {
    check_carries_packet_id(
        V311,
        &[
            "32 0C 00 03 61 2F 62 00 0A 68 65 6C 6C 6F",
            "40 02 00 0A",
            "50 02 00 0A",
            "62 02 00 0A",
            "70 02 00 0A",
            "82 0E 00 0A 00 03 61 2F 62 01 00 03 63 2F 64 02",
            "90 05 00 0A 00 02 80",
            "A2 0C 00 0A 00 03 61 2F 62 00 03 63 2F 64",
            "B0 02 00 0A",
        ],
        &["20 02 00 00", "D0 00", "31 07 00 03 61 2F 62 68 69"],
    );
    assert_eq!(encode(&Packet::PingReq, V311), hex("C0 00"));
    ok(V311, ANY, "E0 00");
}

#[test]
fn pid_1_v5_packets_that_carry_a_packet_identifier() {
    check_carries_packet_id(
        V5,
        &[
            "32 28 00 03 61 2F 62 00 0A 1B 01 01 02 00 00 00 3C 03 00 0A 74 65 78 74 2F 70 6C 61 69 6E 26 00 01 6B 00 01 76 68 65 6C 6C 6F",
            "40 02 00 0A",
            "40 03 00 0A 10",
            "40 09 00 0A 87 05 1F 00 02 6E 6F",
            "50 02 00 0A",
            "62 03 00 0A 92",
            "70 02 00 0A",
            "82 1E 00 0A 02 0B 01 00 03 61 2F 2B 2D 00 03 63 2F 23 12 00 0A 24 73 68 61 72 65 2F 67 2F 78 00",
            "90 06 00 0A 00 01 02 00",
            "A2 08 00 0A 00 00 03 61 2F 62",
            "B0 05 00 0A 00 00 11",
        ],
        &[
            "20 03 00 00 00",
            "D0 00",
            "E0 00",
            "F0 15 18 13 15 00 0B 53 43 52 41 4D 2D 53 48 41 2D 31 16 00 02 01 02",
            "30 08 00 03 61 2F 62 00 68 69",
        ],
    );
}

fn check_qos0_no_packet_id(version: ProtocolVersion) {
    let h = if version.is_v5() {
        "30 08 00 03 61 2F 62 00 68 69"
    } else {
        "31 07 00 03 61 2F 62 68 69"
    };
    let p = publish_of(ok(version, ANY, h));
    assert_eq!(p.packet_id, None);
    assert_eq!(&p.payload[..], b"hi");
    assert_eq!(encode(&Packet::Publish(p.clone()), version), hex(h));
    // The encoder refuses a QoS 0 PUBLISH with an identifier.
    let mut bad = p;
    bad.packet_id = Some(pid(1));
    assert_eq!(
        Packet::Publish(bad).encoded_len(version),
        Err(EncodeError::UnexpectedPacketId)
    );
}

#[test]
fn mqtt_2_3_1_5_v311_qos0_publish_has_no_packet_identifier() {
    check_qos0_no_packet_id(V311);
}

#[test]
fn mqtt_2_2_1_2_v5_qos0_publish_has_no_packet_identifier() {
    check_qos0_no_packet_id(V5);
}

fn check_zero_packet_id(version: ProtocolVersion, cases: &[(&str, PacketType, Option<Role>)]) {
    for &(h, t, receiver) in cases {
        let e = err(version, receiver, h);
        assert!(
            matches!(e, DecodeError::ZeroPacketId { packet_type } if packet_type == t),
            "{h}: {e:?}"
        );
        if version.is_v5() {
            assert_code(&e, 0x82);
        }
    }
}

#[test]
fn mqtt_2_3_1_1_v311_packet_identifier_zero_is_refused() {
    check_zero_packet_id(
        V311,
        &[
            ("82 06 00 00 00 01 61 00", PacketType::Subscribe, SERVER),
            ("A2 05 00 00 00 01 61", PacketType::Unsubscribe, SERVER),
            ("32 06 00 01 61 00 00 78", PacketType::Publish, SERVER),
            ("34 06 00 01 61 00 00 78", PacketType::Publish, CLIENT),
        ],
    );
    // The encoder cannot express identifier 0 and refuses QoS > 0 without one.
    assert!(PacketId::new(0).is_none());
    let mut p = Publish::new(TopicName::new("a").unwrap(), "x");
    p.qos = QoS::AtLeastOnce;
    assert_eq!(
        Packet::Publish(p).encoded_len(V311),
        Err(EncodeError::MissingPacketId(QoS::AtLeastOnce))
    );
}

#[test]
fn mqtt_2_2_1_3_v5_packet_identifier_zero_is_protocol_error() {
    check_zero_packet_id(
        V5,
        &[
            ("82 07 00 00 00 00 01 61 00", PacketType::Subscribe, SERVER),
            ("A2 06 00 00 00 00 01 61", PacketType::Unsubscribe, SERVER),
            ("32 07 00 01 61 00 00 00 78", PacketType::Publish, SERVER),
            ("34 07 00 01 61 00 00 00 78", PacketType::Publish, CLIENT),
        ],
    );
    let mut p = Publish::new(TopicName::new("a").unwrap(), "x");
    p.qos = QoS::ExactlyOnce;
    assert_eq!(
        Packet::Publish(p).encoded_len(V5),
        Err(EncodeError::MissingPacketId(QoS::ExactlyOnce))
    );
}

#[test]
fn mqtt_2_3_1_6_v311_acknowledgement_with_packet_identifier_zero_is_refused() {
    check_zero_packet_id(
        V311,
        &[
            ("40 02 00 00", PacketType::PubAck, ANY),
            ("50 02 00 00", PacketType::PubRec, ANY),
            ("62 02 00 00", PacketType::PubRel, ANY),
            ("70 02 00 00", PacketType::PubComp, ANY),
            ("90 03 00 00 00", PacketType::SubAck, CLIENT),
            ("B0 02 00 00", PacketType::UnsubAck, CLIENT),
        ],
    );
}

#[test]
fn mqtt_2_2_1_5_v5_acknowledgement_with_packet_identifier_zero_is_protocol_error() {
    check_zero_packet_id(
        V5,
        &[
            ("40 02 00 00", PacketType::PubAck, ANY),
            ("40 03 00 00 10", PacketType::PubAck, ANY),
            ("50 02 00 00", PacketType::PubRec, ANY),
            ("62 03 00 00 92", PacketType::PubRel, ANY),
            ("70 02 00 00", PacketType::PubComp, ANY),
            ("90 04 00 00 00 00", PacketType::SubAck, CLIENT),
            ("B0 04 00 00 00 00", PacketType::UnsubAck, CLIENT),
        ],
    );
}

// ---------------------------------------------------------------------------------------
// 1.5 Topic names and filters: TOP-1 .. TOP-8
// ---------------------------------------------------------------------------------------

#[test]
fn mqtt_4_7_3_1_v311_topic_name_and_filter_must_not_be_empty() {
    let e = err(V311, ANY, "30 03 00 00 78");
    assert!(matches!(
        e,
        DecodeError::InvalidTopicName {
            field: "topic name",
            reason: TopicError::Empty
        }
    ));
    let e = err(V311, ANY, "82 05 00 0A 00 00 00");
    assert!(matches!(
        e,
        DecodeError::InvalidTopicFilter {
            reason: TopicError::Empty
        }
    ));
    let e = err(V311, ANY, "A2 04 00 0A 00 00");
    assert!(matches!(
        e,
        DecodeError::InvalidTopicFilter {
            reason: TopicError::Empty
        }
    ));
    let mut payload = s(b"abc");
    payload.extend(s(b""));
    payload.extend(s(b"m"));
    let e = connect_bytes_err(&connect311(0x06, &payload));
    assert!(matches!(
        e,
        DecodeError::InvalidTopicName {
            field: "will topic",
            reason: TopicError::Empty
        }
    ));
    // The encoder side.
    assert_eq!(TopicName::new("").unwrap_err(), TopicError::Empty);
    assert_eq!(TopicFilter::new("").unwrap_err(), TopicError::Empty);
    let p = Publish::new(TopicName::empty_for_alias(), "x");
    assert_eq!(
        Packet::Publish(p).encoded_len(V311),
        Err(EncodeError::EmptyTopic)
    );
    let u = Unsubscribe::new(pid(1), vec![MqttStr::new("").unwrap()]);
    assert_eq!(
        Packet::Unsubscribe(u).encoded_len(V311),
        Err(EncodeError::EmptyTopicFilter)
    );
    ok(V311, ANY, "30 04 00 01 61 78");
}

#[test]
fn mqtt_4_7_3_1_v5_topic_name_and_filter_must_not_be_empty() {
    // PUBLISH: empty topic without Topic Alias is a Protocol Error (text §3.3.2.1).
    let e = err(V5, ANY, "30 04 00 00 00 78");
    assert!(matches!(e, DecodeError::EmptyTopicWithoutAlias));
    assert_code(&e, 0x82);
    // ... but allowed with a Topic Alias.
    let p = publish_of(ok(V5, ANY, "32 09 00 00 00 0B 03 23 00 01 78"));
    assert!(p.topic.is_empty());
    assert_eq!(p.properties.topic_alias, Some(1));
    // Filters: Malformed.
    let e = err(V5, ANY, "82 06 00 0A 00 00 00 00");
    assert!(matches!(
        e,
        DecodeError::InvalidTopicFilter {
            reason: TopicError::Empty
        }
    ));
    assert_code(&e, 0x81);
    let e = err(V5, ANY, "A2 05 00 0A 00 00 00");
    assert!(matches!(
        e,
        DecodeError::InvalidTopicFilter {
            reason: TopicError::Empty
        }
    ));
    assert_code(&e, 0x81);
    // Will Topic.
    let mut payload = s(b"abc");
    payload.push(0);
    payload.extend(s(b""));
    payload.extend(s(b"m"));
    let e = connect_bytes_err(&connect5(0x06, &[], &payload));
    assert!(matches!(
        e,
        DecodeError::InvalidTopicName {
            field: "will topic",
            reason: TopicError::Empty
        }
    ));
    assert_code(&e, 0x81);
    // The encoder: empty topic only with an alias.
    let p = Publish::new(TopicName::empty_for_alias(), "x");
    assert_eq!(
        Packet::Publish(p.clone()).encoded_len(V5),
        Err(EncodeError::EmptyTopic)
    );
    let mut with_alias = p;
    with_alias.properties.topic_alias = Some(1);
    let bytes = encode(&Packet::Publish(with_alias.clone()), V5);
    assert_eq!(dec_ok(V5, ANY, &bytes), Packet::Publish(with_alias));
}

fn check_topic_null(version: ProtocolVersion) {
    let (p, f) = if version.is_v5() {
        (
            hex("30 07 00 03 61 00 62 00 78"),
            hex("82 09 00 0A 00 00 03 61 00 62 00"),
        )
    } else {
        (
            hex("30 06 00 03 61 00 62 78"),
            hex("82 08 00 0A 00 03 61 00 62 00"),
        )
    };
    let e = dec_err(version, ANY, &p);
    assert!(matches!(
        e,
        DecodeError::NullCharacter {
            field: "topic name"
        }
    ));
    if version.is_v5() {
        assert_code(&e, 0x81);
    }
    let e = dec_err(version, ANY, &f);
    assert!(matches!(
        e,
        DecodeError::NullCharacter {
            field: "topic filter"
        }
    ));
    if version.is_v5() {
        assert_code(&e, 0x81);
    }
    assert_eq!(
        validate_topic_name("a\0b"),
        Err(TopicError::String(StrError::NullCharacter))
    );
    assert_eq!(
        validate_topic_filter("a\0b", version.is_v5()),
        Err(TopicError::String(StrError::NullCharacter))
    );
}

#[test]
fn mqtt_4_7_3_2_v311_topic_must_not_contain_null() {
    check_topic_null(V311);
}

#[test]
fn mqtt_4_7_3_2_v5_topic_must_not_contain_null() {
    check_topic_null(V5);
}

fn check_topic_max_len(version: ProtocolVersion) {
    let name = "t".repeat(65_535);
    let topic = TopicName::new(&name).unwrap();
    let p = Packet::Publish(Publish::new(topic, "x"));
    let bytes = encode(&p, version);
    assert_eq!(dec_ok(version, ANY, &bytes), p);
    assert_eq!(
        TopicName::new(&"t".repeat(65_536)).unwrap_err(),
        TopicError::String(StrError::TooLong)
    );
    assert_eq!(
        TopicFilter::new(&"t".repeat(65_536)).unwrap_err(),
        TopicError::String(StrError::TooLong)
    );
    assert!(TopicFilter::new(&"t".repeat(65_535)).is_ok());
}

#[test]
fn mqtt_4_7_3_3_v311_topic_is_at_most_65535_bytes() {
    check_topic_max_len(V311);
}

#[test]
fn mqtt_4_7_3_3_v5_topic_is_at_most_65535_bytes() {
    check_topic_max_len(V5);
}

fn check_wildcard_in_name(version: ProtocolVersion) {
    for t in ["a/+", "a/#", "#", "+", "a+b", "a#"] {
        let bytes = if version.is_v5() {
            pub5(t.as_bytes())
        } else {
            pub311(t.as_bytes())
        };
        let e = dec_err(version, ANY, &bytes);
        assert!(
            matches!(
                e,
                DecodeError::InvalidTopicName {
                    field: "topic name",
                    reason: TopicError::WildcardInName
                }
            ),
            "{t}: {e:?}"
        );
        if version.is_v5() {
            assert_code(&e, 0x81);
        }
        assert_eq!(TopicName::new(t).unwrap_err(), TopicError::WildcardInName);
    }
    if !version.is_v5() {
        assert_eq!(pub311(b"a/+"), hex("30 06 00 03 61 2F 2B 78"));
    }
    // Will Topic.
    let mut payload = s(b"abc");
    if version.is_v5() {
        payload.push(0);
    }
    payload.extend(s(b"w/#"));
    payload.extend(s(b"m"));
    let bytes = if version.is_v5() {
        connect5(0x06, &[], &payload)
    } else {
        connect311(0x06, &payload)
    };
    let e = connect_bytes_err(&bytes);
    assert!(matches!(
        e,
        DecodeError::InvalidTopicName {
            field: "will topic",
            reason: TopicError::WildcardInName
        }
    ));
    if version.is_v5() {
        assert_code(&e, 0x81);
        // Response Topic.
        let e = dec_err(V5, ANY, &pub5_props(&hex("08 00 03 61 2F 23")));
        assert!(
            matches!(
                e,
                DecodeError::InvalidTopicName {
                    reason: TopicError::WildcardInName,
                    ..
                }
            ),
            "{e:?}"
        );
        assert_code(&e, 0x81);
        let p = publish_of(dec_ok(V5, ANY, &pub5_props(&hex("08 00 03 61 2F 62"))));
        assert_eq!(
            p.properties.response_topic.as_ref().unwrap().as_str(),
            "a/b"
        );
    }
}

#[test]
fn mqtt_4_7_1_1_v311_wildcards_are_not_allowed_in_topic_names() {
    check_wildcard_in_name(V311);
}

#[test]
fn mqtt_4_7_0_1_v5_wildcards_are_not_allowed_in_topic_names() {
    check_wildcard_in_name(V5);
}

fn check_filters(version: ProtocolVersion, valid: &[&str], invalid: &[(&str, TopicError)]) {
    for f in valid {
        let bytes = if version.is_v5() {
            sub5(f.as_bytes())
        } else {
            sub311(f.as_bytes())
        };
        match dec_ok(version, SERVER, &bytes) {
            Packet::Subscribe(s) => assert_eq!(s.subscriptions[0].filter.as_str(), *f),
            other => panic!("{other:?}"),
        }
        assert_eq!(validate_topic_filter(f, version.is_v5()), Ok(()), "{f}");
    }
    for (f, reason) in invalid {
        let bytes = if version.is_v5() {
            sub5(f.as_bytes())
        } else {
            sub311(f.as_bytes())
        };
        let e = dec_err(version, SERVER, &bytes);
        assert!(
            matches!(e, DecodeError::InvalidTopicFilter { reason: r } if r == *reason),
            "{f}: {e:?}"
        );
        if version.is_v5() {
            assert_code(&e, 0x81);
        }
        assert_eq!(
            validate_topic_filter(f, version.is_v5()),
            Err(*reason),
            "{f}"
        );
    }
}

const HASH_VALID: [&str; 5] = ["#", "a/#", "/#", "+/#", "a/b/c/#"];
const HASH_INVALID: [(&str, TopicError); 6] = [
    ("a#", TopicError::MultiLevelWildcard),
    ("a/#/b", TopicError::MultiLevelWildcard),
    ("a/b#", TopicError::MultiLevelWildcard),
    ("#/a", TopicError::MultiLevelWildcard),
    ("sport/tennis#", TopicError::MultiLevelWildcard),
    ("sport/tennis/#/ranking", TopicError::MultiLevelWildcard),
];

#[test]
fn mqtt_4_7_1_2_v311_multi_level_wildcard_placement() {
    assert_eq!(sub311(b"a/#/b"), hex("82 0A 00 0A 00 05 61 2F 23 2F 62 00"));
    check_filters(V311, &HASH_VALID, &HASH_INVALID);
}

#[test]
fn mqtt_4_7_1_1_v5_multi_level_wildcard_placement() {
    check_filters(V5, &HASH_VALID, &HASH_INVALID);
}

const PLUS_VALID: [&str; 6] = ["+", "+/+", "a/+/b", "/+", "+/#", "a/+"];
const PLUS_INVALID: [(&str, TopicError); 5] = [
    ("a+", TopicError::SingleLevelWildcard),
    ("+a", TopicError::SingleLevelWildcard),
    ("a/b+/c", TopicError::SingleLevelWildcard),
    ("sport+", TopicError::SingleLevelWildcard),
    ("++", TopicError::SingleLevelWildcard),
];

#[test]
fn mqtt_4_7_1_3_v311_single_level_wildcard_placement() {
    check_filters(V311, &PLUS_VALID, &PLUS_INVALID);
}

#[test]
fn mqtt_4_7_1_2_v5_single_level_wildcard_placement() {
    check_filters(V5, &PLUS_VALID, &PLUS_INVALID);
}

fn check_no_normalisation(version: ProtocolVersion) {
    for t in [
        "a//b",
        "/",
        "/a",
        "a/",
        "A b",
        "Accounts",
        "//",
        "a/b/c/d/e/f/g/h/i/j",
    ] {
        let bytes = if version.is_v5() {
            pub5(t.as_bytes())
        } else {
            pub311(t.as_bytes())
        };
        let p = publish_of(dec_ok(version, ANY, &bytes));
        assert_eq!(p.topic.as_str(), t);
        assert_eq!(encode(&Packet::Publish(p), version), bytes);
    }
    for f in ["a//b", "/", "A b/+", " "] {
        let bytes = if version.is_v5() {
            sub5(f.as_bytes())
        } else {
            sub311(f.as_bytes())
        };
        match dec_ok(version, SERVER, &bytes) {
            Packet::Subscribe(s) => assert_eq!(s.subscriptions[0].filter.as_str(), f),
            other => panic!("{other:?}"),
        }
    }
    assert!(!topic_matches("ACCOUNTS", "Accounts"));
    assert!(!topic_matches("/finance", "finance"));
    assert!(!topic_matches("a/b", "a//b"));
    assert!(topic_matches("a//b", "a//b"));
    assert!(topic_matches("a/+/b", "a//b"));
    assert!(!topic_matches("a/b/", "a/b"));
}

#[test]
fn top_7_v311_topics_are_case_sensitive_and_never_normalised() {
    check_no_normalisation(V311);
}

#[test]
fn top_7_v5_topics_are_case_sensitive_and_never_normalised() {
    check_no_normalisation(V5);
}

#[test]
fn mqtt_4_8_2_1_v5_shared_subscription_filter_syntax() {
    check_filters(
        V5,
        &[
            "$share/g/x",
            "$share/g/#",
            "$share/g/a/+/b",
            "$share/group-1//",
        ],
        &[
            ("$share/g", TopicError::SharedSubscription),
            ("$share//a", TopicError::SharedSubscription),
            ("$share/g/", TopicError::SharedSubscription),
            ("$share/g+/a", TopicError::SharedSubscription),
            ("$share/g#/a", TopicError::SharedSubscription),
            ("$share/g/a#", TopicError::MultiLevelWildcard),
            ("$share/g/a+", TopicError::SingleLevelWildcard),
        ],
    );
    // The checklist's SUBSCRIBE with a shared filter decodes.
    match ok(
        V5,
        SERVER,
        "82 1E 00 0A 02 0B 01 00 03 61 2F 2B 2D 00 03 63 2F 23 12 00 0A 24 73 68 61 72 65 2F 67 2F 78 00",
    ) {
        Packet::Subscribe(s) => {
            assert_eq!(s.subscriptions[2].filter.shared(), Some(("g", "x")));
        }
        other => panic!("{other:?}"),
    }
    // In 3.1.1 "$share/..." is an ordinary filter.
    dec_ok(V311, SERVER, &sub311(b"$share/g"));
    dec_ok(V311, SERVER, &sub311(b"$share//a"));
}

// ---------------------------------------------------------------------------------------
// 1.6 Properties: PR-1 .. PR-9 (5.0 only)
// ---------------------------------------------------------------------------------------

#[test]
fn mqtt_2_2_2_1_v5_property_length_is_always_present() {
    // Missing Property Length: the packet no longer parses.
    let e = err(V5, CLIENT, "20 02 00 00");
    assert!(matches!(
        e,
        DecodeError::InvalidRemainingLength {
            packet_type: PacketType::ConnAck,
            length: 2
        }
    ));
    assert_code(&e, 0x81);
    for (h, receiver) in [
        ("30 07 00 03 61 2F 62 68 69", ANY),
        ("82 06 00 0A 00 01 61 00", SERVER),
        ("A2 07 00 0A 00 03 61 2F 62", SERVER),
        ("10 0F 00 04 4D 51 54 54 05 02 00 3C 00 03 61 62 63", SERVER),
    ] {
        let e = err(V5, receiver, h);
        assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{h}: {e:?}");
        assert_code(&e, 0x81);
    }
    let e = err(V5, CLIENT, "90 03 00 0A 00");
    assert!(matches!(
        e,
        DecodeError::EmptyPayload {
            packet_type: PacketType::SubAck
        }
    ));
    assert_code(&e, 0x81);
    // The exceptions: PUBACK family RL < 4, DISCONNECT RL < 2, AUTH RL = 0.
    for (h, receiver) in [
        ("40 02 00 0A", ANY),
        ("50 03 00 0A 10", ANY),
        ("E0 00", ANY),
        ("E0 01 04", SERVER),
        ("F0 00", CLIENT),
    ] {
        ok(V5, receiver, h);
    }
    // The encoder writes a zero Property Length where the section is required.
    let sub = Subscribe::new(
        pid(10),
        vec![Subscription::new(
            TopicFilter::new("a/b").unwrap(),
            QoS::AtLeastOnce,
        )],
    );
    assert_eq!(
        encode(&Packet::Subscribe(sub), V5),
        hex("82 09 00 0A 00 00 03 61 2F 62 01")
    );
    assert_eq!(
        encode(&Packet::ConnAck(ConnAck::new(ReasonCode::Success)), V5),
        hex("20 03 00 00 00")
    );
    let p = Publish::new(TopicName::new("a/b").unwrap(), "hi");
    assert_eq!(
        encode(&Packet::Publish(p), V5),
        hex("30 08 00 03 61 2F 62 00 68 69")
    );
    let u = Unsubscribe::new(pid(10), vec![MqttStr::new("a/b").unwrap()]);
    assert_eq!(
        encode(&Packet::Unsubscribe(u), V5),
        hex("A2 08 00 0A 00 00 03 61 2F 62")
    );
    let c = Connect::new(V5, MqttStr::new("abc").unwrap());
    assert_eq!(
        encode(&Packet::Connect(c.into()), V5),
        hex("10 10 00 04 4D 51 54 54 05 02 00 3C 00 00 03 61 62 63")
    );
}

#[test]
fn pr_2_v5_property_length_must_match_the_properties() {
    // Property Length runs past the end of the packet.
    let e = err(V5, ANY, "30 06 00 01 61 05 01 01");
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    assert_code(&e, 0x81);
    let e = err(V5, ANY, "40 04 00 0A 00 05");
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    assert_code(&e, 0x81);
    // A property runs past the Property Length (though not past the packet).
    let e = err(V5, ANY, "30 0A 00 01 61 01 02 00 00 00 3C 78");
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    assert_code(&e, 0x81);
    // Property Length too long: the payload byte is read as a property identifier.
    let e = err(V5, ANY, "30 07 00 01 61 03 01 01 78");
    assert!(
        matches!(e, DecodeError::UnknownProperty { id: 0x78 }),
        "{e:?}"
    );
    assert_code(&e, 0x81);
    // Exact: accepted, and the payload starts right after.
    let p = publish_of(ok(V5, ANY, "30 07 00 01 61 02 01 01 78"));
    assert_eq!(&p.payload[..], b"x");
}

const DEFINED_IDS: [u32; 27] = [
    0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x11, 0x12, 0x13, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1C,
    0x1F, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A,
];

#[test]
fn pr_3_v5_undefined_or_disallowed_property_is_malformed() {
    // Exactly 27 identifiers are defined.
    let defined: Vec<u32> = (0..=0x7F)
        .filter(|&id| PropertyId::from_u32(id).is_some())
        .collect();
    assert_eq!(defined, DEFINED_IDS.to_vec());
    // Undefined identifiers.
    for id in (0u8..=0x7F).filter(|&id| !DEFINED_IDS.contains(&u32::from(id))) {
        let e = dec_err(V5, ANY, &pub5_props(&[id]));
        assert!(
            matches!(e, DecodeError::UnknownProperty { id: got } if got == u32::from(id)),
            "{id:#04x}: {e:?}"
        );
        assert_code(&e, 0x81);
    }
    // Defined but not allowed in PUBLISH: the checklist's vector.
    let e = err(V5, ANY, "30 0A 00 01 61 05 11 00 00 00 01 78");
    assert!(matches!(
        e,
        DecodeError::PropertyNotAllowed {
            property: PropertyId::SessionExpiryInterval,
            ..
        }
    ));
    assert_code(&e, 0x81);
    // Not allowed in CONNACK, SUBSCRIBE, UNSUBSCRIBE, PUBACK.
    let e = dec_err(V5, CLIENT, &connack5(&hex("17 01")));
    assert!(matches!(
        e,
        DecodeError::PropertyNotAllowed {
            property: PropertyId::RequestProblemInformation,
            ..
        }
    ));
    assert_code(&e, 0x81);
    let e = err(V5, SERVER, "82 0B 00 0A 04 1F 00 01 72 00 01 61 00");
    assert!(matches!(
        e,
        DecodeError::PropertyNotAllowed {
            property: PropertyId::ReasonString,
            ..
        }
    ));
    assert_code(&e, 0x81);
    let e = err(V5, SERVER, "A2 08 00 0A 02 0B 01 00 01 61");
    assert!(matches!(
        e,
        DecodeError::PropertyNotAllowed {
            property: PropertyId::SubscriptionIdentifier,
            ..
        }
    ));
    let e = err(V5, ANY, "40 07 00 0A 00 03 23 00 01");
    assert!(matches!(
        e,
        DecodeError::PropertyNotAllowed {
            property: PropertyId::TopicAlias,
            ..
        }
    ));
    assert_code(&e, 0x81);
    // Will Properties.
    let mut payload = s(b"abc");
    payload.extend(hex("05 11 00 00 00 01"));
    payload.extend(s(b"w"));
    payload.extend(s(b"m"));
    let e = connect_bytes_err(&connect5(0x06, &[], &payload));
    assert!(matches!(
        e,
        DecodeError::PropertyNotAllowed {
            property: PropertyId::SessionExpiryInterval,
            context: "will properties"
        }
    ));
    assert_code(&e, 0x81);
    // The encoder refuses a property the packet may not carry.
    let mut p = Publish::new(TopicName::new("a").unwrap(), "x");
    p.properties.session_expiry_interval = Some(1);
    assert!(matches!(
        Packet::Publish(p).encoded_len(V5),
        Err(EncodeError::PropertyNotAllowed {
            property: PropertyId::SessionExpiryInterval,
            ..
        })
    ));
}

#[test]
fn pr_4_v5_property_value_of_the_wrong_type_is_malformed() {
    for (props, receiver) in [
        ("03 00 01 FF", ANY),       // Content Type not UTF-8
        ("03 00 05 61", ANY),       // Content Type truncated
        ("02 00 00", ANY),          // Four Byte Integer truncated
        ("23 00", ANY),             // Two Byte Integer truncated
        ("01", ANY),                // Byte missing
        ("0B FF FF FF FF", CLIENT), // VBI over four bytes
        ("0B 80 00", CLIENT),       // VBI not minimal
        ("09 00 04 01", ANY),       // Binary Data truncated
        ("26 00 01 6B 00 01", ANY), // String Pair truncated
    ] {
        let e = dec_err(V5, receiver, &pub5_props(&hex(props)));
        assert!(
            matches!(
                e,
                DecodeError::InvalidUtf8 { .. }
                    | DecodeError::UnexpectedEnd { .. }
                    | DecodeError::VarIntTooLong { .. }
                    | DecodeError::NonMinimalVarInt { .. }
            ),
            "{props}: {e:?}"
        );
        assert_code(&e, 0x81);
    }
    let e = dec_err(V5, CLIENT, &connack5(&hex("21 00")));
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    assert_code(&e, 0x81);
}

#[test]
fn pr_5_v5_repeated_single_instance_property_is_protocol_error() {
    let e = err(V5, ANY, "30 09 00 01 61 04 01 00 01 01 78");
    assert!(matches!(
        e,
        DecodeError::DuplicateProperty {
            property: PropertyId::PayloadFormatIndicator
        }
    ));
    assert_code(&e, 0x82);
    for (props, property) in [
        (
            "02 00 00 00 01 02 00 00 00 02",
            PropertyId::MessageExpiryInterval,
        ),
        ("03 00 01 61 03 00 01 62", PropertyId::ContentType),
        ("09 00 00 09 00 00", PropertyId::CorrelationData),
        ("23 00 01 23 00 02", PropertyId::TopicAlias),
    ] {
        let e = dec_err(V5, ANY, &pub5_props(&hex(props)));
        assert!(
            matches!(e, DecodeError::DuplicateProperty { property: p } if p == property),
            "{props}: {e:?}"
        );
        assert_code(&e, 0x82);
    }
    let e = dec_err(V5, CLIENT, &connack5(&hex("1F 00 01 61 1F 00 01 62")));
    assert!(matches!(
        e,
        DecodeError::DuplicateProperty {
            property: PropertyId::ReasonString
        }
    ));
    assert_code(&e, 0x82);
    // SUBSCRIBE: Subscription Identifier at most once.
    let e = err(V5, SERVER, "82 0B 00 0A 04 0B 01 0B 02 00 01 61 00");
    assert!(matches!(
        e,
        DecodeError::DuplicateProperty {
            property: PropertyId::SubscriptionIdentifier
        }
    ));
    assert_code(&e, 0x82);
    // User Property may repeat; Subscription Identifier may repeat server-to-client only.
    let p = publish_of(dec_ok(
        V5,
        ANY,
        &pub5_props(&hex("26 00 01 6B 00 01 76 26 00 01 6B 00 01 76")),
    ));
    assert_eq!(p.properties.user_properties.len(), 2);
    let p = publish_of(ok(
        V5,
        CLIENT,
        "34 0D 00 03 61 2F 62 00 07 05 0B 01 0B C8 01",
    ));
    assert_eq!(p.properties.subscription_identifiers, vec![1, 200]);
    let e = err(V5, SERVER, "34 0D 00 03 61 2F 62 00 07 05 0B 01 0B C8 01");
    assert!(matches!(e, DecodeError::SubscriptionIdentifierFromClient));
    assert_code(&e, 0x82);
}

#[test]
fn pr_6_v5_properties_in_any_order_user_properties_keep_order() {
    let a =
        hex("26 00 01 6B 00 01 31 01 01 26 00 01 61 00 01 32 02 00 00 00 3C 26 00 01 6B 00 01 33");
    let b =
        hex("02 00 00 00 3C 26 00 01 6B 00 01 31 26 00 01 61 00 01 32 26 00 01 6B 00 01 33 01 01");
    let expected = vec![
        UserProperty::new("k", "1").unwrap(),
        UserProperty::new("a", "2").unwrap(),
        UserProperty::new("k", "3").unwrap(),
    ];
    let pa = publish_of(dec_ok(V5, ANY, &pub5_props(&a)));
    let pb = publish_of(dec_ok(V5, ANY, &pub5_props(&b)));
    for p in [&pa, &pb] {
        assert_eq!(p.properties.user_properties, expected);
        assert_eq!(p.properties.payload_format_indicator, Some(1));
        assert_eq!(p.properties.message_expiry_interval, Some(60));
    }
    assert_eq!(pa, pb);
    // Re-encoding keeps the User Property order.
    let bytes = encode(&Packet::Publish(pa.clone()), V5);
    assert_eq!(publish_of(dec_ok(V5, ANY, &bytes)), pa);
}

#[test]
fn pr_7_v5_property_value_ranges() {
    let cases_connect: [(&str, PropertyId, u32); 4] = [
        ("19 02", PropertyId::RequestResponseInformation, 2),
        ("17 02", PropertyId::RequestProblemInformation, 2),
        ("21 00 00", PropertyId::ReceiveMaximum, 0),
        ("27 00 00 00 00", PropertyId::MaximumPacketSize, 0),
    ];
    for (props, property, value) in cases_connect {
        let e = connect_bytes_err(&connect5(0x02, &hex(props), &s(b"abc")));
        assert!(
            matches!(e, DecodeError::InvalidPropertyValue { property: p, value: v }
                if p == property && v == value),
            "{props}: {e:?}"
        );
        assert_code(&e, 0x82);
    }
    let e = connect_err("10 13 00 04 4D 51 54 54 05 02 00 3C 03 21 00 00 00 03 61 62 63");
    assert!(matches!(
        e,
        DecodeError::InvalidPropertyValue {
            property: PropertyId::ReceiveMaximum,
            value: 0
        }
    ));
    assert_code(&e, 0x82);
    let cases_connack: [(&str, PropertyId, u32); 7] = [
        ("24 02", PropertyId::MaximumQos, 2),
        ("25 02", PropertyId::RetainAvailable, 2),
        ("28 02", PropertyId::WildcardSubscriptionAvailable, 2),
        ("29 02", PropertyId::SubscriptionIdentifierAvailable, 2),
        ("2A FF", PropertyId::SharedSubscriptionAvailable, 255),
        ("21 00 00", PropertyId::ReceiveMaximum, 0),
        ("27 00 00 00 00", PropertyId::MaximumPacketSize, 0),
    ];
    for (props, property, value) in cases_connack {
        let e = dec_err(V5, CLIENT, &connack5(&hex(props)));
        assert!(
            matches!(e, DecodeError::InvalidPropertyValue { property: p, value: v }
                if p == property && v == value),
            "{props}: {e:?}"
        );
        assert_code(&e, 0x82);
    }
    // Subscription Identifier 0.
    let e = err(V5, SERVER, "82 09 00 0A 02 0B 00 00 01 61 00");
    assert!(matches!(
        e,
        DecodeError::InvalidPropertyValue {
            property: PropertyId::SubscriptionIdentifier,
            value: 0
        }
    ));
    assert_code(&e, 0x82);
    let e = dec_err(V5, CLIENT, &pub5_props(&hex("0B 00")));
    assert!(matches!(
        e,
        DecodeError::InvalidPropertyValue {
            property: PropertyId::SubscriptionIdentifier,
            value: 0
        }
    ));
    assert_code(&e, 0x82);
    // Topic Alias 0: DISCONNECT 0x94.
    let e = err(V5, ANY, "30 08 00 01 61 03 23 00 00 78");
    assert!(matches!(
        e,
        DecodeError::InvalidPropertyValue {
            property: PropertyId::TopicAlias,
            value: 0
        }
    ));
    assert_code(&e, 0x94);
    // The boundaries are accepted.
    for props in [
        "24 00",
        "24 01",
        "25 00",
        "25 01",
        "28 01",
        "29 00",
        "2A 01",
        "21 00 01",
        "27 00 00 00 01",
    ] {
        dec_ok(V5, CLIENT, &connack5(&hex(props)));
    }
    dec_ok(V5, ANY, &pub5_props(&hex("23 00 01")));
    // The encoder refuses out-of-range values too.
    let mut c = Connect::new(V5, MqttStr::new("abc").unwrap());
    c.properties.receive_maximum = Some(0);
    assert_eq!(
        Packet::from(c).encoded_len(V5),
        Err(EncodeError::InvalidPropertyValue {
            property: PropertyId::ReceiveMaximum,
            value: 0
        })
    );
    let mut a = ConnAck::new(ReasonCode::Success);
    a.properties.maximum_qos = Some(2);
    assert!(matches!(
        Packet::ConnAck(a).encoded_len(V5),
        Err(EncodeError::InvalidPropertyValue {
            property: PropertyId::MaximumQos,
            value: 2
        })
    ));
}

fn with_extras(mut p: Packet) -> Packet {
    let props = match &mut p {
        Packet::ConnAck(x) => &mut x.properties,
        Packet::PubAck(x) | Packet::PubRec(x) | Packet::PubRel(x) | Packet::PubComp(x) => {
            &mut x.properties
        }
        Packet::SubAck(x) => &mut x.properties,
        Packet::UnsubAck(x) => &mut x.properties,
        Packet::Disconnect(x) => &mut x.properties,
        Packet::Auth(x) => &mut x.properties,
        other => panic!("{other:?}"),
    };
    props.reason_string = Some(MqttStr::new(&"r".repeat(40)).unwrap());
    props
        .user_properties
        .push(UserProperty::new("k", &"v".repeat(40)).unwrap());
    p
}

fn props_of(p: &Packet) -> &mqtt_codec::Properties {
    p.properties().expect("has properties")
}

#[test]
fn mqtt_3_2_2_19_v5_encoder_drops_reason_string_then_user_properties_to_fit() {
    let mut auth = Auth::new(ReasonCode::ContinueAuthentication);
    auth.properties.authentication_method = Some(MqttStr::new("SCRAM-SHA-1").unwrap());
    let packets = vec![
        Packet::ConnAck(ConnAck::new(ReasonCode::Success)),
        Packet::PubAck(PubResponse::new(pid(10))),
        Packet::PubRec(PubResponse::new(pid(10))),
        Packet::PubRel(PubResponse::new(pid(10))),
        Packet::PubComp(PubResponse::new(pid(10))),
        Packet::SubAck(SubAck::new(pid(10), vec![ReasonCode::GrantedQoS1])),
        Packet::UnsubAck(UnsubAck::new(pid(10), vec![ReasonCode::Success])),
        Packet::Disconnect(mqtt_codec::Disconnect::new(ReasonCode::Success)),
        Packet::Auth(auth),
    ];
    for bare in packets {
        let full = with_extras(bare.clone());
        let full_len = full.encoded_len(V5).unwrap();
        let mut no_rs = full.clone();
        match &mut no_rs {
            Packet::ConnAck(x) => x.properties.reason_string = None,
            Packet::PubAck(x) | Packet::PubRec(x) | Packet::PubRel(x) | Packet::PubComp(x) => {
                x.properties.reason_string = None
            }
            Packet::SubAck(x) => x.properties.reason_string = None,
            Packet::UnsubAck(x) => x.properties.reason_string = None,
            Packet::Disconnect(x) => x.properties.reason_string = None,
            Packet::Auth(x) => x.properties.reason_string = None,
            _ => unreachable!(),
        }
        let no_rs_len = no_rs.encoded_len(V5).unwrap();
        let bare_len = bare.encoded_len(V5).unwrap();
        assert!(bare_len < no_rs_len && no_rs_len < full_len);
        // Fits already: unchanged.
        let mut p = full.clone();
        assert_eq!(p.fit_to_size(V5, full_len), Ok(full_len));
        assert_eq!(p, full);
        // Dropping the Reason String is enough: the User Property stays.
        let mut p = full.clone();
        assert_eq!(p.fit_to_size(V5, full_len - 1), Ok(no_rs_len));
        assert_eq!(p, no_rs);
        assert_eq!(props_of(&p).user_properties.len(), 1);
        // Both must go; other properties (the AUTH method) stay.
        let mut p = full.clone();
        assert_eq!(p.fit_to_size(V5, no_rs_len - 1), Ok(bare_len));
        assert_eq!(p, bare);
        assert!(encode(&p, V5).len() < no_rs_len);
        // Even the bare packet does not fit: refused.
        let mut p = full.clone();
        assert!(matches!(
            p.fit_to_size(V5, bare_len - 1),
            Err(EncodeError::PacketTooLarge { .. })
        ));
    }
}
