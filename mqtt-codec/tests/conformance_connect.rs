//! Conformance tests for checklist §2.1 CONNECT (rows CON-1..CON-41) and §2.2 CONNACK
//! (rows CAK-1..CAK-13).
//!
//! Test names: the statement ID of the row's version column and the version
//! (`mqtt_3_1_2_3_v311_...`), or the row id for unnumbered rows (`con_15_v5_...`).
//! Every refusal asserts the exact `DecodeError` variant; 5.0 refusals also assert the
//! reason code the checklist's verdict column names, and 3.1.1 CONNECT refusals assert
//! whether a CONNACK return code is due before closing ([MQTT-3.1.4-1]).

mod support_common;

use bytes::Bytes;
use mqtt_codec::{
    ConnAck, Connect, DecodeError, Decoder, EncodeError, MqttStr, Packet, PacketType, PropertyId,
    ProtocolVersion, Publish, QoS, ReasonCode, Role, TopicError, TopicName, UserProperty, Will,
};
use support_common::*;

const CLIENT: Option<Role> = Some(Role::Client);

const V311_MINIMAL: &str = "10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63";
const V5_MINIMAL: &str = "10 10 00 04 4D 51 54 54 05 02 00 3C 00 00 03 61 62 63";
const V5_FULL: &str = "10 40 00 04 4D 51 54 54 05 CE 00 3C 12 11 00 00 0E 10 21 00 14 22 00 0A 26 00 01 6B 00 01 76 00 03 61 62 63 07 01 01 18 00 00 00 05 00 03 77 2F 74 00 03 62 79 65 00 04 75 73 65 72 00 04 70 61 73 73";
const V311_USER_PASS: &str =
    "10 1B 00 04 4D 51 54 54 04 C2 00 3C 00 03 61 62 63 00 04 75 73 65 72 00 04 70 61 73 73";
const V311_WILL: &str =
    "10 19 00 04 4D 51 54 54 04 0E 00 0A 00 03 61 62 63 00 03 77 2F 74 00 03 62 79 65";

/// A CONNECT under `version` with the given flags and payload (5.0: no properties).
fn connect_v(version: ProtocolVersion, flags: u8, payload: &[u8]) -> Vec<u8> {
    if version.is_v5() {
        connect5(flags, &[], payload)
    } else {
        connect311(flags, payload)
    }
}

/// The will part of a payload: 5.0 Will Properties (empty), topic, payload.
fn will_fields(version: ProtocolVersion, topic: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    if version.is_v5() {
        out.push(0x00);
    }
    out.extend(s(topic));
    out.extend(s(payload));
    out
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn c_ok(bytes: &[u8]) -> Connect {
    match connect(bytes) {
        Ok(Packet::Connect(c)) => *c,
        other => panic!("CONNECT {bytes:02X?} must be accepted, got {other:?}"),
    }
}

fn c_err(bytes: &[u8]) -> DecodeError {
    match connect(bytes) {
        Ok(p) => panic!("CONNECT {bytes:02X?} must be refused, was accepted as {p:?}"),
        Err(e) => e,
    }
}

/// Checks the outcome a CONNECT refusal calls for: under 3.1.1 close without a CONNACK
/// (unless `v3_code` says the spec asks for one); under 5.0 the reason code `v5_code`.
#[track_caller]
fn assert_refusal(version: ProtocolVersion, e: &DecodeError, v3_code: Option<u8>, v5_code: u8) {
    if version.is_v5() {
        assert_code(e, v5_code);
    } else {
        assert_eq!(e.v3_connack_code(), v3_code, "3.1.1 CONNACK for {e:?}");
    }
}

fn connack_of(p: Packet) -> ConnAck {
    match p {
        Packet::ConnAck(c) => c,
        other => panic!("not a CONNACK: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// CON-1, CON-2: the server-side decoder enforces CONNECT first and only once
// ---------------------------------------------------------------------------------------

fn check_first_packet(version: ProtocolVersion, firsts: &[(&str, PacketType)]) {
    for &(h, t) in firsts {
        let mut d = Decoder::server();
        let e = feed_one(&mut d, &hex(h)).unwrap_err();
        assert!(
            matches!(e, DecodeError::FirstPacketNotConnect { packet_type } if packet_type == t),
            "{h}: {e:?}"
        );
        if version.is_v5() {
            assert_code(&e, 0x82);
        }
        assert_eq!(e.v3_connack_code(), None);
        // The decoder stays failed, even for a CONNECT now.
        let again = feed_one(&mut d, &hex(V311_MINIMAL)).unwrap_err();
        assert!(matches!(again, DecodeError::Failed { .. }));
        // The borrowed parse without a version says the same.
        let e2 = decode_opt(None, Some(Role::Server), &hex(h)).unwrap_err();
        assert_eq!(e, e2);
    }
    // A CONNECT first is accepted.
    server_after_connect(version);
}

#[test]
fn mqtt_3_1_0_1_v311_first_packet_must_be_connect() {
    check_first_packet(
        V311,
        &[
            ("C0 00", PacketType::PingReq),
            ("30 07 00 03 61 2F 62 68 69", PacketType::Publish),
            ("82 06 00 0A 00 01 61 00", PacketType::Subscribe),
            ("E0 00", PacketType::Disconnect),
        ],
    );
}

#[test]
fn mqtt_3_1_0_1_v5_first_packet_must_be_connect() {
    check_first_packet(
        V5,
        &[
            (
                "F0 15 18 13 15 00 0B 53 43 52 41 4D 2D 53 48 41 2D 31 16 00 02 01 02",
                PacketType::Auth,
            ),
            ("30 08 00 03 61 2F 62 00 68 69", PacketType::Publish),
            ("E0 01 00", PacketType::Disconnect),
        ],
    );
}

fn check_second_connect(version: ProtocolVersion) {
    for second in [V311_MINIMAL, V5_MINIMAL] {
        let mut d = server_after_connect(version);
        let e = feed_one(&mut d, &hex(second)).unwrap_err();
        assert!(matches!(e, DecodeError::SecondConnect), "{e:?}");
        if version.is_v5() {
            assert_code(&e, 0x82);
        }
        assert_eq!(e.v3_connack_code(), None);
        assert!(matches!(
            feed_one(&mut d, &hex("C0 00")),
            Err(DecodeError::Failed { .. })
        ));
    }
    // Other packets after the CONNECT are fine.
    let mut d = server_after_connect(version);
    assert_eq!(feed_one(&mut d, &hex("C0 00")), Ok(Packet::PingReq));
}

#[test]
fn mqtt_3_1_0_2_v311_second_connect_is_a_protocol_violation() {
    check_second_connect(V311);
}

#[test]
fn mqtt_3_1_0_2_v5_second_connect_is_a_protocol_error() {
    check_second_connect(V5);
}

// ---------------------------------------------------------------------------------------
// CON-3 .. CON-15: variable header and flags
// ---------------------------------------------------------------------------------------

fn check_connect_fixed_flags(version: ProtocolVersion) {
    let good = hex(if version.is_v5() {
        V5_MINIMAL
    } else {
        V311_MINIMAL
    });
    for flags in 1..16u8 {
        let mut bytes = good.clone();
        bytes[0] = 0x10 | flags;
        let e = c_err(&bytes);
        assert!(
            matches!(e, DecodeError::InvalidFlags { packet_type: PacketType::Connect, flags: f } if f == flags),
            "{flags}: {e:?}"
        );
        assert_refusal(version, &e, None, 0x81);
    }
    if !version.is_v5() {
        let e = c_err(&hex("11 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63"));
        assert!(matches!(e, DecodeError::InvalidFlags { .. }));
    }
    c_ok(&good);
}

#[test]
fn mqtt_2_2_2_1_v311_connect_fixed_header_flags_are_zero() {
    check_connect_fixed_flags(V311);
}

#[test]
fn mqtt_2_1_3_1_v5_connect_fixed_header_flags_are_zero() {
    check_connect_fixed_flags(V5);
}

#[test]
fn mqtt_3_1_2_1_v311_protocol_name_must_be_mqtt() {
    for name in [
        "4D 51 54 58",
        "6D 71 74 74",
        "4D 51 54 54 20",
        "4D 51 54",
        "FF FE FD FC",
    ] {
        let n = hex(name);
        let mut body = s(&n);
        body.extend(hex("04 02 00 3C"));
        body.extend(s(b"abc"));
        let e = c_err(&frame(0x10, &body));
        assert!(
            matches!(e, DecodeError::UnsupportedProtocolName),
            "{name}: {e:?}"
        );
        assert_refusal(V311, &e, None, 0);
    }
    // The checklist's vector.
    let e = c_err(&hex("10 0F 00 04 4D 51 54 58 04 02 00 3C 00 03 61 62 63"));
    assert!(matches!(e, DecodeError::UnsupportedProtocolName));
    // "MQTT" with level 4, and 3.1's "MQIsdp" with level 3, are accepted.
    assert_eq!(c_ok(&hex(V311_MINIMAL)).protocol_version, V311);
    let c = c_ok(&hex(
        "10 11 00 06 4D 51 49 73 64 70 03 02 00 3C 00 03 61 62 63",
    ));
    assert_eq!(c.protocol_version, ProtocolVersion::V3_1);
    assert_eq!(c.client_id.as_str(), "abc");
}

#[test]
fn mqtt_3_1_2_1_v5_protocol_name_must_be_mqtt() {
    for name in ["4D 51 54 58", "6D 71 74 74", "4D 51 54 54 54"] {
        let mut body = s(&hex(name));
        body.extend(hex("05 02 00 3C 00"));
        body.extend(s(b"abc"));
        let e = c_err(&frame(0x10, &body));
        assert!(
            matches!(e, DecodeError::UnsupportedProtocolName),
            "{name}: {e:?}"
        );
        assert_code(&e, 0x84);
    }
    // "MQIsdp" is 3.1 only: with level 5 it is not a version this codec speaks.
    let mut body = s(b"MQIsdp");
    body.extend(hex("05 02 00 3C 00"));
    body.extend(s(b"abc"));
    let e = c_err(&frame(0x10, &body));
    assert!(
        matches!(e, DecodeError::UnsupportedProtocolLevel { level: 5 }),
        "{e:?}"
    );
    assert_code(&e, 0x84);
    assert_eq!(c_ok(&hex(V5_MINIMAL)).protocol_version, V5);
}

#[test]
fn mqtt_3_1_2_2_v311_unsupported_level_gets_connack_0x01() {
    for level in [0u8, 1, 2, 3, 6, 0xFF] {
        let mut bytes = hex(V311_MINIMAL);
        bytes[8] = level;
        let e = c_err(&bytes);
        assert!(
            matches!(e, DecodeError::UnsupportedProtocolLevel { level: l } if l == level),
            "{level}: {e:?}"
        );
        assert_eq!(e.v3_connack_code(), Some(0x01));
    }
    // "MQIsdp" with level 4 does not match either.
    let e = c_err(&hex(
        "10 11 00 06 4D 51 49 73 64 70 04 02 00 3C 00 03 61 62 63",
    ));
    assert!(matches!(
        e,
        DecodeError::UnsupportedProtocolLevel { level: 4 }
    ));
    assert_eq!(e.v3_connack_code(), Some(0x01));
    // The server can send the CONNACK the rule asks for: 20 02 00 01.
    let ack = Packet::ConnAck(ConnAck::new(ReasonCode::UnsupportedProtocolVersion));
    assert_eq!(encode(&ack, V311), hex("20 02 00 01"));
    assert_eq!(
        connack_of(ok(V311, CLIENT, "20 02 00 01")).reason_code,
        ReasonCode::UnsupportedProtocolVersion
    );
}

#[test]
fn mqtt_3_1_2_2_v5_unsupported_level_gets_connack_0x84() {
    for level in [0u8, 6, 7, 0xFF] {
        let mut bytes = hex(V5_MINIMAL);
        bytes[8] = level;
        let e = c_err(&bytes);
        assert!(
            matches!(e, DecodeError::UnsupportedProtocolLevel { level: l } if l == level),
            "{level}: {e:?}"
        );
        assert_code(&e, 0x84);
    }
    let ack = Packet::ConnAck(ConnAck::new(ReasonCode::UnsupportedProtocolVersion));
    assert_eq!(encode(&ack, V5), hex("20 03 00 84 00"));
    assert_eq!(
        connack_of(ok(V5, CLIENT, "20 03 00 84 00")).reason_code,
        ReasonCode::UnsupportedProtocolVersion
    );
}

fn check_reserved_connect_flag(version: ProtocolVersion) {
    for flags in [0x01u8, 0x03, 0xC3] {
        let mut bytes = hex(if version.is_v5() {
            V5_MINIMAL
        } else {
            V311_MINIMAL
        });
        bytes[9] = flags;
        let e = c_err(&bytes);
        assert!(
            matches!(e, DecodeError::ConnectReservedFlag),
            "{flags:#04x}: {e:?}"
        );
        assert_refusal(version, &e, None, 0x81);
    }
    if !version.is_v5() {
        let e = c_err(&hex("10 0F 00 04 4D 51 54 54 04 03 00 3C 00 03 61 62 63"));
        assert!(matches!(e, DecodeError::ConnectReservedFlag));
    }
    // The encoder never sets bit 0.
    let mut c = Connect::new(version, MqttStr::new("abc").unwrap());
    c.username = Some(MqttStr::new("u").unwrap());
    c.password = Some(Bytes::from_static(b"p"));
    c.will = Some(Will::new(TopicName::new("w").unwrap(), "m"));
    let bytes = encode(&Packet::Connect(c.into()), version);
    assert_eq!(bytes[9] & 1, 0);
}

#[test]
fn mqtt_3_1_2_3_v311_connect_reserved_flag_is_malformed() {
    check_reserved_connect_flag(V311);
}

#[test]
fn mqtt_3_1_2_3_v5_connect_reserved_flag_is_malformed() {
    check_reserved_connect_flag(V5);
}

#[test]
fn mqtt_3_1_2_3_v31_predates_the_rule_and_tolerates_the_reserved_flag() {
    // "MQIsdp", level 3, flags 0x03 (clean session and bit 0), keep alive 60, client "abc".
    let bytes = hex("10 11 00 06 4D 51 49 73 64 70 03 03 00 3C 00 03 61 62 63");
    let Ok(Packet::Connect(c)) = decode_opt(None, Some(Role::Server), &bytes) else {
        panic!("a 3.1 CONNECT with bit 0 set is accepted")
    };
    assert_eq!(c.protocol_version, ProtocolVersion::V3_1);
    assert!(c.clean_start);
}

fn check_will_fields_present(version: ProtocolVersion) {
    // Will Flag set, will fields missing or cut short.
    let e = c_err(&connect_v(version, 0x06, &s(b"abc")));
    assert!(
        matches!(
            e,
            DecodeError::UnexpectedEnd {
                packet_type: PacketType::Connect,
                ..
            }
        ),
        "{e:?}"
    );
    assert_refusal(version, &e, None, 0x81);
    let mut payload = s(b"abc");
    if version.is_v5() {
        payload.push(0);
    }
    payload.extend(s(b"w/t"));
    let e = c_err(&connect_v(version, 0x06, &payload));
    assert!(matches!(
        e,
        DecodeError::UnexpectedEnd {
            field: "will payload",
            ..
        }
    ));
    assert_refusal(version, &e, None, 0x81);
    if version.is_v5() {
        // 5.0: the Will Properties (with their length) are missing.
        let payload = cat(&[&s(b"abc"), &s(b"w/t"), &s(b"bye")]);
        let e = c_err(&connect5(0x06, &[], &payload));
        assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
        assert_code(&e, 0x81);
        let c = c_ok(&hex(V5_FULL));
        let w = c.will.unwrap();
        assert_eq!((w.topic.as_str(), &w.payload[..]), ("w/t", &b"bye"[..]));
        assert_eq!(w.qos, QoS::AtLeastOnce);
        assert_eq!(w.properties.payload_format_indicator, Some(1));
    } else {
        let c = c_ok(&hex(V311_WILL));
        let w = c.will.unwrap();
        assert_eq!((w.topic.as_str(), &w.payload[..]), ("w/t", &b"bye"[..]));
        assert_eq!(w.qos, QoS::AtLeastOnce);
        assert!(!w.retain);
        assert_eq!(c.keep_alive, 10);
    }
}

#[test]
fn mqtt_3_1_2_9_v311_will_flag_means_will_fields_present() {
    check_will_fields_present(V311);
}

#[test]
fn mqtt_3_1_2_9_v5_will_flag_means_will_fields_present() {
    check_will_fields_present(V5);
}

fn check_no_will(version: ProtocolVersion) {
    // Will Flag 0 with will fields in the payload: leftover bytes.
    let payload = cat(&[&s(b"abc"), &will_fields(version, b"w/t", b"bye")]);
    let e = c_err(&connect_v(version, 0x02, &payload));
    assert!(
        matches!(
            e,
            DecodeError::TrailingBytes {
                packet_type: PacketType::Connect,
                ..
            }
        ),
        "{e:?}"
    );
    assert_refusal(version, &e, None, 0x81);
    // Will Flag 0 with Will QoS or Will Retain.
    for (flags, retain) in [(0x0Au8, false), (0x12, false), (0x22, true)] {
        let e = c_err(&connect_v(version, flags, &s(b"abc")));
        if retain {
            assert!(matches!(e, DecodeError::WillRetainWithoutWill), "{e:?}");
        } else {
            assert!(matches!(e, DecodeError::WillQosWithoutWill), "{e:?}");
        }
        assert_refusal(version, &e, None, 0x81);
    }
    assert!(c_ok(&connect_v(version, 0x02, &s(b"abc"))).will.is_none());
}

#[test]
fn mqtt_3_1_2_11_v311_no_will_flag_means_no_will() {
    check_no_will(V311);
}

#[test]
fn con_8_v5_no_will_flag_means_no_will() {
    check_no_will(V5);
}

fn check_will_qos_without_will(version: ProtocolVersion) {
    for flags in [0x0Au8, 0x12, 0x08, 0x10] {
        let e = c_err(&connect_v(version, flags, &s(b"abc")));
        assert!(
            matches!(e, DecodeError::WillQosWithoutWill),
            "{flags:#04x}: {e:?}"
        );
        assert_refusal(version, &e, None, 0x81);
    }
    if !version.is_v5() {
        let e = c_err(&hex("10 0F 00 04 4D 51 54 54 04 0A 00 3C 00 03 61 62 63"));
        assert!(matches!(e, DecodeError::WillQosWithoutWill));
    }
}

#[test]
fn mqtt_3_1_2_13_v311_will_qos_requires_will_flag() {
    check_will_qos_without_will(V311);
}

#[test]
fn mqtt_3_1_2_11_v5_will_qos_requires_will_flag() {
    check_will_qos_without_will(V5);
}

fn check_will_qos_3(version: ProtocolVersion) {
    let payload = cat(&[&s(b"abc"), &will_fields(version, b"w", b"x")]);
    let e = c_err(&connect_v(version, 0x1E, &payload));
    assert!(matches!(e, DecodeError::WillQos3), "{e:?}");
    assert_refusal(version, &e, None, 0x81);
    if !version.is_v5() {
        let e = c_err(&hex(
            "10 15 00 04 4D 51 54 54 04 1E 00 3C 00 03 61 62 63 00 01 77 00 01 78",
        ));
        assert!(matches!(e, DecodeError::WillQos3));
    }
    // QoS 0, 1 and 2 are accepted.
    for (flags, qos) in [
        (0x06u8, QoS::AtMostOnce),
        (0x0E, QoS::AtLeastOnce),
        (0x16, QoS::ExactlyOnce),
    ] {
        assert_eq!(
            c_ok(&connect_v(version, flags, &payload)).will.unwrap().qos,
            qos
        );
    }
}

#[test]
fn mqtt_3_1_2_14_v311_will_qos_3_is_malformed() {
    check_will_qos_3(V311);
}

#[test]
fn mqtt_3_1_2_12_v5_will_qos_3_is_malformed() {
    check_will_qos_3(V5);
}

fn check_will_retain_without_will(version: ProtocolVersion) {
    let e = c_err(&connect_v(version, 0x22, &s(b"abc")));
    assert!(matches!(e, DecodeError::WillRetainWithoutWill), "{e:?}");
    assert_refusal(version, &e, None, 0x81);
    let payload = cat(&[&s(b"abc"), &will_fields(version, b"w", b"x")]);
    assert!(
        c_ok(&connect_v(version, 0x26, &payload))
            .will
            .unwrap()
            .retain
    );
}

#[test]
fn mqtt_3_1_2_15_v311_will_retain_requires_will_flag() {
    check_will_retain_without_will(V311);
}

#[test]
fn mqtt_3_1_2_13_v5_will_retain_requires_will_flag() {
    check_will_retain_without_will(V5);
}

fn check_user_name_flag(version: ProtocolVersion) {
    // Flag set, no User Name.
    let e = c_err(&connect_v(version, 0x82, &s(b"abc")));
    assert!(matches!(
        e,
        DecodeError::UnexpectedEnd {
            field: "user name",
            ..
        }
    ));
    assert_refusal(version, &e, None, 0x81);
    // Flag clear, User Name present.
    let payload = cat(&[&s(b"abc"), &s(b"user")]);
    let e = c_err(&connect_v(version, 0x02, &payload));
    assert!(
        matches!(e, DecodeError::TrailingBytes { count: 6, .. }),
        "{e:?}"
    );
    assert_refusal(version, &e, None, 0x81);
    let c = c_ok(&connect_v(version, 0x82, &payload));
    assert_eq!(c.username.unwrap().as_str(), "user");
    assert!(c_ok(&connect_v(version, 0x02, &s(b"abc")))
        .username
        .is_none());
}

#[test]
fn mqtt_3_1_2_18_v311_user_name_flag_matches_user_name() {
    check_user_name_flag(V311);
}

#[test]
fn mqtt_3_1_2_16_v5_user_name_flag_matches_user_name() {
    check_user_name_flag(V5);
}

fn check_password_flag(version: ProtocolVersion) {
    let with_user = cat(&[&s(b"abc"), &s(b"user")]);
    let e = c_err(&connect_v(version, 0xC2, &with_user));
    assert!(matches!(
        e,
        DecodeError::UnexpectedEnd {
            field: "password",
            ..
        }
    ));
    assert_refusal(version, &e, None, 0x81);
    let with_pass = cat(&[&s(b"abc"), &s(b"user"), &s(b"pass")]);
    let e = c_err(&connect_v(version, 0x82, &with_pass));
    assert!(
        matches!(e, DecodeError::TrailingBytes { count: 6, .. }),
        "{e:?}"
    );
    assert_refusal(version, &e, None, 0x81);
    let c = c_ok(&connect_v(version, 0xC2, &with_pass));
    assert_eq!(&c.password.unwrap()[..], b"pass");
    if !version.is_v5() {
        let c = c_ok(&hex(V311_USER_PASS));
        assert_eq!(c.username.unwrap().as_str(), "user");
        assert_eq!(&c.password.unwrap()[..], b"pass");
    }
}

#[test]
fn mqtt_3_1_2_20_v311_password_flag_matches_password() {
    check_password_flag(V311);
}

#[test]
fn mqtt_3_1_2_18_v5_password_flag_matches_password() {
    check_password_flag(V5);
}

#[test]
fn mqtt_3_1_2_22_v311_password_requires_user_name() {
    let e = c_err(&hex(
        "10 12 00 04 4D 51 54 54 04 42 00 3C 00 03 61 62 63 00 01 70",
    ));
    assert!(matches!(e, DecodeError::PasswordWithoutUsername));
    assert_refusal(V311, &e, None, 0x81);
    let mut c = Connect::new(V311, MqttStr::new("abc").unwrap());
    c.password = Some(Bytes::from_static(b"p"));
    assert_eq!(
        Packet::from(c.clone()).encoded_len(V311),
        Err(EncodeError::PasswordWithoutUsername)
    );
    // 5.0 dropped the rule: a password alone is valid there.
    let c5 = c_ok(&connect5(0x42, &[], &cat(&[&s(b"abc"), &s(b"p")])));
    assert!(c5.username.is_none());
    assert_eq!(&c5.password.unwrap()[..], b"p");
    c.protocol_version = V5;
    encode(&Packet::Connect(c.into()), V5);
}

fn check_keep_alive(version: ProtocolVersion) {
    for (ka, bytes) in [
        (0u16, [0x00, 0x00]),
        (60, [0x00, 0x3C]),
        (65_535, [0xFF, 0xFF]),
    ] {
        let mut packet = hex(if version.is_v5() {
            V5_MINIMAL
        } else {
            V311_MINIMAL
        });
        packet[10] = bytes[0];
        packet[11] = bytes[1];
        let c = c_ok(&packet);
        assert_eq!(c.keep_alive, ka);
        assert_eq!(encode(&Packet::Connect(c.into()), version), packet);
    }
}

#[test]
fn con_15_v311_keep_alive_is_a_two_byte_integer() {
    check_keep_alive(V311);
}

#[test]
fn con_15_v5_keep_alive_is_a_two_byte_integer() {
    check_keep_alive(V5);
}

// ---------------------------------------------------------------------------------------
// CON-16 .. CON-25: 5.0 CONNECT properties
// ---------------------------------------------------------------------------------------

fn connect5_props(props: &str) -> Vec<u8> {
    connect5(0x02, &hex(props), &s(b"abc"))
}

#[track_caller]
fn assert_dup(props: &str, property: PropertyId) {
    let e = c_err(&connect5_props(props));
    assert!(
        matches!(e, DecodeError::DuplicateProperty { property: p } if p == property),
        "{props}: {e:?}"
    );
    assert_code(&e, 0x82);
}

#[track_caller]
fn assert_bad_value(props: &str, property: PropertyId, value: u32) {
    let e = c_err(&connect5_props(props));
    assert!(
        matches!(e, DecodeError::InvalidPropertyValue { property: p, value: v } if p == property && v == value),
        "{props}: {e:?}"
    );
    assert_code(&e, 0x82);
}

#[test]
fn con_16_v5_only_connect_properties_are_allowed() {
    for (props, property) in [
        ("01 01", PropertyId::PayloadFormatIndicator),
        ("1F 00 01 72", PropertyId::ReasonString),
        ("23 00 01", PropertyId::TopicAlias),
        ("24 01", PropertyId::MaximumQos),
        ("12 00 01 61", PropertyId::AssignedClientIdentifier),
        ("18 00 00 00 01", PropertyId::WillDelayInterval),
    ] {
        let e = c_err(&connect5_props(props));
        assert!(
            matches!(e, DecodeError::PropertyNotAllowed { property: p, .. } if p == property),
            "{props}: {e:?}"
        );
        assert_code(&e, 0x81);
    }
    let e = c_err(&connect5_props("04 00"));
    assert!(matches!(e, DecodeError::UnknownProperty { id: 4 }));
    assert_code(&e, 0x81);
    // All nine allowed properties at once.
    let c = c_ok(&connect5_props(
        "11 00 00 00 0A 21 00 0A 27 00 00 10 00 22 00 05 19 01 17 00 26 00 01 6B 00 01 76 15 00 01 6D 16 00 01 01",
    ));
    let p = &c.properties;
    assert_eq!(p.session_expiry_interval, Some(10));
    assert_eq!(p.receive_maximum, Some(10));
    assert_eq!(p.maximum_packet_size, Some(4096));
    assert_eq!(p.topic_alias_maximum, Some(5));
    assert_eq!(p.request_response_information, Some(1));
    assert_eq!(p.request_problem_information, Some(0));
    assert_eq!(p.user_properties.len(), 1);
    assert_eq!(p.authentication_method.as_ref().unwrap().as_str(), "m");
    assert_eq!(&p.authentication_data.as_ref().unwrap()[..], &[1]);
    let c5 = c_ok(&hex(V5_FULL));
    assert_eq!(c5.properties.session_expiry_interval, Some(3600));
    assert_eq!(c5.properties.receive_maximum, Some(20));
    assert_eq!(c5.properties.topic_alias_maximum, Some(10));
}

#[test]
fn con_17_v5_session_expiry_interval_at_most_once() {
    assert_dup(
        "11 00 00 00 01 11 00 00 00 02",
        PropertyId::SessionExpiryInterval,
    );
    assert_eq!(
        c_ok(&hex(V5_MINIMAL)).properties.session_expiry_interval,
        None
    );
    assert_eq!(
        c_ok(&connect5_props("11 FF FF FF FF"))
            .properties
            .session_expiry_interval,
        Some(u32::MAX)
    );
}

#[test]
fn con_18_v5_receive_maximum_once_and_not_zero() {
    let e = c_err(&hex(
        "10 13 00 04 4D 51 54 54 05 02 00 3C 03 21 00 00 00 03 61 62 63",
    ));
    assert!(matches!(
        e,
        DecodeError::InvalidPropertyValue {
            property: PropertyId::ReceiveMaximum,
            value: 0
        }
    ));
    assert_code(&e, 0x82);
    assert_dup("21 00 01 21 00 02", PropertyId::ReceiveMaximum);
    assert_eq!(
        c_ok(&connect5_props("21 00 01")).properties.receive_maximum,
        Some(1)
    );
}

#[test]
fn con_19_v5_maximum_packet_size_once_and_not_zero() {
    assert_bad_value("27 00 00 00 00", PropertyId::MaximumPacketSize, 0);
    assert_dup(
        "27 00 00 00 01 27 00 00 00 02",
        PropertyId::MaximumPacketSize,
    );
    assert_eq!(
        c_ok(&connect5_props("27 00 00 00 01"))
            .properties
            .maximum_packet_size,
        Some(1)
    );
}

#[test]
fn con_20_v5_topic_alias_maximum_at_most_once() {
    assert_dup("22 00 01 22 00 02", PropertyId::TopicAliasMaximum);
    assert_eq!(
        c_ok(&connect5_props("22 00 00"))
            .properties
            .topic_alias_maximum,
        Some(0)
    );
}

#[test]
fn con_21_v5_request_response_information_once_and_0_or_1() {
    assert_bad_value("19 02", PropertyId::RequestResponseInformation, 2);
    assert_dup("19 00 19 01", PropertyId::RequestResponseInformation);
    for v in [0u8, 1] {
        let c = c_ok(&connect5(0x02, &[0x19, v], &s(b"abc")));
        assert_eq!(c.properties.request_response_information, Some(v));
    }
}

#[test]
fn con_22_v5_request_problem_information_once_and_0_or_1() {
    assert_bad_value("17 02", PropertyId::RequestProblemInformation, 2);
    assert_dup("17 01 17 01", PropertyId::RequestProblemInformation);
    for v in [0u8, 1] {
        let c = c_ok(&connect5(0x02, &[0x17, v], &s(b"abc")));
        assert_eq!(c.properties.request_problem_information, Some(v));
    }
}

#[test]
fn con_23_v5_user_property_may_repeat() {
    let c = c_ok(&connect5_props(
        "26 00 01 6B 00 01 31 26 00 01 6B 00 01 32 26 00 01 61 00 00",
    ));
    assert_eq!(
        c.properties.user_properties,
        vec![
            UserProperty::new("k", "1").unwrap(),
            UserProperty::new("k", "2").unwrap(),
            UserProperty::new("a", "").unwrap(),
        ]
    );
}

#[test]
fn con_24_v5_authentication_method_at_most_once() {
    assert_dup("15 00 01 61 15 00 01 62", PropertyId::AuthenticationMethod);
    let c = c_ok(&connect5_props("15 00 05 53 43 52 41 4D"));
    assert_eq!(
        c.properties
            .authentication_method
            .as_ref()
            .unwrap()
            .as_str(),
        "SCRAM"
    );
}

#[test]
fn con_25_v5_authentication_data_once_and_only_with_method() {
    let e = c_err(&hex(
        "10 14 00 04 4D 51 54 54 05 02 00 3C 04 16 00 01 78 00 03 61 62 63",
    ));
    assert!(matches!(e, DecodeError::AuthenticationDataWithoutMethod));
    assert_code(&e, 0x82);
    assert_dup(
        "15 00 01 6D 16 00 01 01 16 00 01 02",
        PropertyId::AuthenticationData,
    );
    let c = c_ok(&connect5_props("16 00 01 01 15 00 01 6D"));
    assert_eq!(
        &c.properties.authentication_data.as_ref().unwrap()[..],
        &[1]
    );
    let mut c = Connect::new(V5, MqttStr::new("abc").unwrap());
    c.properties.authentication_data = Some(Bytes::from_static(b"x"));
    assert_eq!(
        Packet::from(c).encoded_len(V5),
        Err(EncodeError::MissingAuthenticationMethod)
    );
}

// ---------------------------------------------------------------------------------------
// CON-26 .. CON-39: payload
// ---------------------------------------------------------------------------------------

#[test]
fn mqtt_3_1_3_1_v311_payload_fields_in_order() {
    let payload = cat(&[&s(b"cid"), &s(b"w/t"), &s(b"msg"), &s(b"user"), &s(b"pass")]);
    let c = c_ok(&connect311(0xC6, &payload));
    assert_eq!(c.client_id.as_str(), "cid");
    let w = c.will.as_ref().unwrap();
    assert_eq!((w.topic.as_str(), &w.payload[..]), ("w/t", &b"msg"[..]));
    assert_eq!(c.username.as_ref().unwrap().as_str(), "user");
    assert_eq!(&c.password.as_ref().unwrap()[..], b"pass");
    assert_eq!(
        encode(&Packet::Connect(c.into()), V311),
        connect311(0xC6, &payload)
    );
    // Password before User Name: the password's bytes are read as the User Name.
    let swapped = cat(&[&s(b"cid"), &s(&hex("FF FE")), &s(b"user")]);
    let e = c_err(&connect311(0xC2, &swapped));
    assert!(
        matches!(e, DecodeError::InvalidUtf8 { field: "user name" }),
        "{e:?}"
    );
    assert_refusal(V311, &e, None, 0);
}

#[test]
fn mqtt_3_1_3_1_v5_payload_fields_in_order() {
    let c = c_ok(&hex(V5_FULL));
    assert_eq!(c.client_id.as_str(), "abc");
    let w = c.will.as_ref().unwrap();
    assert_eq!(w.properties.will_delay_interval, Some(5));
    assert_eq!((w.topic.as_str(), &w.payload[..]), ("w/t", &b"bye"[..]));
    assert_eq!(c.username.as_ref().unwrap().as_str(), "user");
    assert_eq!(&c.password.as_ref().unwrap()[..], b"pass");
    // Will Properties after the Will Topic (the 3.1.1 order) do not parse.
    let payload = cat(&[&s(b"abc"), &s(b"w/t"), &[0x00], &s(b"bye")]);
    let e = c_err(&connect5(0x06, &[], &payload));
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    assert_code(&e, 0x81);
    // Re-encoding the full CONNECT keeps the order (and decodes to the same packet).
    let bytes = encode(&Packet::Connect(c.clone().into()), V5);
    assert_eq!(c_ok(&bytes), c);
}

fn check_client_id_first(version: ProtocolVersion) {
    let bytes = if version.is_v5() {
        hex("10 0B 00 04 4D 51 54 54 05 02 00 3C 00")
    } else {
        hex("10 0A 00 04 4D 51 54 54 04 02 00 3C")
    };
    let e = c_err(&bytes);
    assert!(matches!(
        e,
        DecodeError::UnexpectedEnd {
            packet_type: PacketType::Connect,
            field: "client identifier"
        }
    ));
    assert_refusal(version, &e, None, 0x81);
    // Zero length is present.
    assert!(c_ok(&connect_v(version, 0x02, &s(b"")))
        .client_id
        .is_empty());
    let c = c_ok(&connect_v(version, 0x82, &cat(&[&s(b"abc"), &s(b"user")])));
    assert_eq!(c.client_id.as_str(), "abc");
}

#[test]
fn mqtt_3_1_3_3_v311_client_id_always_present_and_first() {
    check_client_id_first(V311);
}

#[test]
fn mqtt_3_1_3_3_v5_client_id_always_present_and_first() {
    check_client_id_first(V5);
}

fn check_client_id_utf8(version: ProtocolVersion) {
    for (bad, null) in [
        ("FF", false),
        ("ED A0 80", false),
        ("C0 80", false),
        ("61 00", true),
    ] {
        let e = c_err(&connect_v(version, 0x02, &s(&hex(bad))));
        if null {
            assert!(
                matches!(
                    e,
                    DecodeError::NullCharacter {
                        field: "client identifier"
                    }
                ),
                "{e:?}"
            );
        } else {
            assert!(
                matches!(
                    e,
                    DecodeError::InvalidUtf8 {
                        field: "client identifier"
                    }
                ),
                "{e:?}"
            );
        }
        assert_refusal(version, &e, None, 0x81);
    }
    let c = c_ok(&connect_v(version, 0x02, &s("clé-€".as_bytes())));
    assert_eq!(c.client_id.as_str(), "clé-€");
}

#[test]
fn mqtt_3_1_3_4_v311_client_id_is_utf8() {
    check_client_id_utf8(V311);
}

#[test]
fn mqtt_3_1_3_4_v5_client_id_is_utf8() {
    check_client_id_utf8(V5);
}

fn check_client_id_range(version: ProtocolVersion) {
    let long = "x".repeat(1000);
    for id in [
        "a",
        "0123456789abcdefghijKLM",
        "ABCDEFGHIJKLMNOPQRSTUVW",
        "0123456789abcdefghijKLMN",
        long.as_str(),
        "client-1/ü #+",
    ] {
        let c = c_ok(&connect_v(version, 0x02, &s(id.as_bytes())));
        assert_eq!(c.client_id.as_str(), id);
        let bytes = encode(&Packet::Connect(c.into()), version);
        assert_eq!(bytes, connect_v(version, 0x02, &s(id.as_bytes())));
    }
}

#[test]
fn mqtt_3_1_3_5_v311_client_ids_of_1_to_23_alphanumerics_accepted() {
    check_client_id_range(V311);
}

#[test]
fn mqtt_3_1_3_5_v5_client_ids_of_1_to_23_alphanumerics_accepted() {
    check_client_id_range(V5);
}

#[test]
fn mqtt_3_1_3_6_v311_zero_length_client_id_accepted_with_clean_session() {
    let c = c_ok(&hex("10 0C 00 04 4D 51 54 54 04 02 00 3C 00 00"));
    assert!(c.client_id.is_empty());
    assert!(c.clean_start);
    let c = Connect::new(V311, MqttStr::new("").unwrap());
    assert_eq!(
        encode(&Packet::Connect(c.into()), V311),
        hex("10 0C 00 04 4D 51 54 54 04 02 00 3C 00 00")
    );
}

#[test]
fn mqtt_3_1_3_6_v5_zero_length_client_id_accepted_and_assigned_id_returned() {
    for flags in [0x00u8, 0x02] {
        let c = c_ok(&connect5(flags, &[], &s(b"")));
        assert!(c.client_id.is_empty());
        assert_eq!(c.clean_start, flags == 0x02);
    }
    // The CONNACK can carry the Assigned Client Identifier ([MQTT-3.2.2-16]).
    let ack = connack_of(ok(
        V5,
        CLIENT,
        "20 11 00 00 0E 21 00 64 24 01 12 00 06 61 75 74 6F 2D 31",
    ));
    assert_eq!(
        ack.properties
            .assigned_client_identifier
            .as_ref()
            .unwrap()
            .as_str(),
        "auto-1"
    );
    assert_eq!(ack.properties.receive_maximum, Some(100));
    assert_eq!(ack.properties.maximum_qos, Some(1));
}

#[test]
fn mqtt_3_1_3_7_v311_empty_client_id_requires_clean_session() {
    let e = c_err(&hex("10 0C 00 04 4D 51 54 54 04 00 00 3C 00 00"));
    assert!(matches!(e, DecodeError::EmptyClientIdWithoutCleanSession));
    // The server answers CONNACK 0x02 and closes.
    assert_eq!(e.v3_connack_code(), Some(0x02));
    let ack = Packet::ConnAck(ConnAck::new(ReasonCode::ClientIdentifierNotValid));
    assert_eq!(encode(&ack, V311), hex("20 02 00 02"));
    let mut c = Connect::new(V311, MqttStr::new("").unwrap());
    c.clean_start = false;
    assert_eq!(
        Packet::from(c).encoded_len(V311),
        Err(EncodeError::EmptyClientIdWithoutCleanSession)
    );
    // Not a rule in 5.0.
    assert!(!c_ok(&connect5(0x00, &[], &s(b""))).clean_start);
}

#[test]
fn mqtt_3_1_3_9_v311_refused_client_id_gets_connack_0x02() {
    let ack = Packet::ConnAck(ConnAck::new(ReasonCode::ClientIdentifierNotValid));
    assert_eq!(encode(&ack, V311), hex("20 02 00 02"));
    let got = connack_of(ok(V311, CLIENT, "20 02 00 02"));
    assert_eq!(got.reason_code, ReasonCode::ClientIdentifierNotValid);
    assert!(!got.session_present);
}

#[test]
fn mqtt_3_1_3_8_v5_refused_client_id_gets_connack_0x85() {
    let ack = Packet::ConnAck(ConnAck::new(ReasonCode::ClientIdentifierNotValid));
    assert_eq!(encode(&ack, V5), hex("20 03 00 85 00"));
    let got = connack_of(ok(V5, CLIENT, "20 03 00 85 00"));
    assert_eq!(got.reason_code, ReasonCode::ClientIdentifierNotValid);
}

fn connect_with_will_props(props: &str) -> Vec<u8> {
    let wp = hex(props);
    let mut payload = s(b"abc");
    payload.push(wp.len() as u8);
    payload.extend(wp);
    payload.extend(s(b"w"));
    payload.extend(s(b"m"));
    connect5(0x06, &[], &payload)
}

#[test]
fn con_33_v5_only_will_properties_are_allowed() {
    for (props, property) in [
        ("11 00 00 00 01", PropertyId::SessionExpiryInterval),
        ("23 00 01", PropertyId::TopicAlias),
        ("0B 01", PropertyId::SubscriptionIdentifier),
        ("1F 00 01 72", PropertyId::ReasonString),
        ("21 00 01", PropertyId::ReceiveMaximum),
    ] {
        let e = c_err(&connect_with_will_props(props));
        assert!(
            matches!(e, DecodeError::PropertyNotAllowed { property: p, context: "will properties" } if p == property),
            "{props}: {e:?}"
        );
        assert_code(&e, 0x81);
    }
    for (props, property) in [
        (
            "18 00 00 00 01 18 00 00 00 02",
            PropertyId::WillDelayInterval,
        ),
        ("01 00 01 01", PropertyId::PayloadFormatIndicator),
        (
            "02 00 00 00 01 02 00 00 00 01",
            PropertyId::MessageExpiryInterval,
        ),
        ("03 00 00 03 00 00", PropertyId::ContentType),
        ("08 00 01 72 08 00 01 73", PropertyId::ResponseTopic),
        ("09 00 00 09 00 00", PropertyId::CorrelationData),
    ] {
        let e = c_err(&connect_with_will_props(props));
        assert!(
            matches!(e, DecodeError::DuplicateProperty { property: p } if p == property),
            "{props}: {e:?}"
        );
        assert_code(&e, 0x82);
    }
    let c = c_ok(&connect_with_will_props(
        "18 00 00 00 05 01 01 02 00 00 00 3C 03 00 01 74 08 00 01 72 09 00 01 01 26 00 01 6B 00 01 76 26 00 01 6B 00 01 77",
    ));
    let p = c.will.unwrap().properties;
    assert_eq!(p.will_delay_interval, Some(5));
    assert_eq!(p.payload_format_indicator, Some(1));
    assert_eq!(p.message_expiry_interval, Some(60));
    assert_eq!(p.content_type.as_ref().unwrap().as_str(), "t");
    assert_eq!(p.response_topic.as_ref().unwrap().as_str(), "r");
    assert_eq!(&p.correlation_data.as_ref().unwrap()[..], &[1]);
    assert_eq!(p.user_properties.len(), 2);
}

#[test]
fn con_34_v5_will_payload_format_indicator() {
    let e = c_err(&connect_with_will_props("01 02"));
    assert!(matches!(
        e,
        DecodeError::InvalidPropertyValue {
            property: PropertyId::PayloadFormatIndicator,
            value: 2
        }
    ));
    assert_code(&e, 0x82);
    // PFI 1 with a payload that is not UTF-8: checking it is the server's option (0x99),
    // the codec passes it on.
    let mut payload = s(b"abc");
    payload.extend(hex("02 01 01"));
    payload.extend(s(b"w"));
    payload.extend(s(&hex("FF FE")));
    let c = c_ok(&connect5(0x06, &[], &payload));
    assert_eq!(&c.will.unwrap().payload[..], &hex("FF FE")[..]);
    let ack = Packet::ConnAck(ConnAck::new(ReasonCode::PayloadFormatInvalid));
    assert_eq!(encode(&ack, V5), hex("20 03 00 99 00"));
}

fn check_will_topic(version: ProtocolVersion) {
    for (topic, expect) in [
        ("FF", None),
        ("ED A0 80", None),
        ("77 2F 23", Some(TopicError::WildcardInName)),
        ("2B", Some(TopicError::WildcardInName)),
        ("", Some(TopicError::Empty)),
    ] {
        let payload = cat(&[&s(b"abc"), &will_fields(version, &hex(topic), b"m")]);
        let e = c_err(&connect_v(version, 0x06, &payload));
        match expect {
            None => assert!(
                matches!(
                    e,
                    DecodeError::InvalidUtf8 {
                        field: "will topic"
                    }
                ),
                "{e:?}"
            ),
            Some(reason) => assert!(
                matches!(e, DecodeError::InvalidTopicName { field: "will topic", reason: r } if r == reason),
                "{topic}: {e:?}"
            ),
        }
        assert_refusal(version, &e, None, 0x81);
    }
    let payload = cat(&[&s(b"abc"), &will_fields(version, "w/ü".as_bytes(), b"m")]);
    assert_eq!(
        c_ok(&connect_v(version, 0x06, &payload))
            .will
            .unwrap()
            .topic
            .as_str(),
        "w/ü"
    );
}

#[test]
fn mqtt_3_1_3_10_v311_will_topic_is_a_utf8_topic_name() {
    check_will_topic(V311);
}

#[test]
fn mqtt_3_1_3_11_v5_will_topic_is_a_utf8_topic_name() {
    check_will_topic(V5);
}

fn check_will_payload(version: ProtocolVersion) {
    for body in ["", "00 FF FE", "62 79 65"] {
        let payload = cat(&[&s(b"abc"), &will_fields(version, b"w", &hex(body))]);
        let c = c_ok(&connect_v(version, 0x06, &payload));
        assert_eq!(&c.will.unwrap().payload[..], &hex(body)[..]);
    }
    let mut payload = s(b"abc");
    if version.is_v5() {
        payload.push(0);
    }
    payload.extend(s(b"w"));
    payload.extend(hex("00 04 01 02"));
    let e = c_err(&connect_v(version, 0x06, &payload));
    assert!(matches!(
        e,
        DecodeError::UnexpectedEnd {
            field: "will payload",
            ..
        }
    ));
    assert_refusal(version, &e, None, 0x81);
}

#[test]
fn con_36_v311_will_message_is_binary_data() {
    check_will_payload(V311);
}

#[test]
fn con_36_v5_will_payload_is_binary_data() {
    check_will_payload(V5);
}

fn check_user_name_utf8(version: ProtocolVersion) {
    for (bad, null) in [("FF", false), ("C0 AF", false), ("75 00", true)] {
        let payload = cat(&[&s(b"abc"), &s(&hex(bad))]);
        let e = c_err(&connect_v(version, 0x82, &payload));
        if null {
            assert!(
                matches!(e, DecodeError::NullCharacter { field: "user name" }),
                "{e:?}"
            );
        } else {
            assert!(
                matches!(e, DecodeError::InvalidUtf8 { field: "user name" }),
                "{e:?}"
            );
        }
        assert_refusal(version, &e, None, 0x81);
    }
    let payload = cat(&[&s(b"abc"), &s("usér".as_bytes())]);
    assert_eq!(
        c_ok(&connect_v(version, 0x82, &payload))
            .username
            .unwrap()
            .as_str(),
        "usér"
    );
}

#[test]
fn mqtt_3_1_3_11_v311_user_name_is_utf8() {
    check_user_name_utf8(V311);
}

#[test]
fn mqtt_3_1_3_12_v5_user_name_is_utf8() {
    check_user_name_utf8(V5);
}

fn check_password_binary(version: ProtocolVersion) {
    for pw in ["", "FF 00 FE", "70 61 73 73"] {
        let payload = cat(&[&s(b"abc"), &s(b"u"), &s(&hex(pw))]);
        let c = c_ok(&connect_v(version, 0xC2, &payload));
        assert_eq!(&c.password.unwrap()[..], &hex(pw)[..]);
    }
    let payload = cat(&[&s(b"abc"), &s(b"u"), &hex("00 03 01")]);
    let e = c_err(&connect_v(version, 0xC2, &payload));
    assert!(matches!(
        e,
        DecodeError::UnexpectedEnd {
            field: "password",
            ..
        }
    ));
    assert_refusal(version, &e, None, 0x81);
    // Up to 65,535 bytes.
    let big = vec![0xAB; 65_535];
    let payload = cat(&[&s(b"abc"), &s(b"u"), &s(&big)]);
    assert_eq!(
        c_ok(&connect_v(version, 0xC2, &payload))
            .password
            .unwrap()
            .len(),
        65_535
    );
}

#[test]
fn con_38_v311_password_is_binary_data() {
    check_password_binary(V311);
}

#[test]
fn con_38_v5_password_is_binary_data() {
    check_password_binary(V5);
}

#[test]
fn mqtt_3_1_4_1_v311_malformed_connect_closes_without_connack() {
    let malformed = [
        "10 0F 00 04 4D 51 54 54 04 03 00 3C 00 03 61 62 63",
        "10 15 00 04 4D 51 54 54 04 1E 00 3C 00 03 61 62 63 00 01 77 00 01 78",
        "10 0F 00 04 4D 51 54 54 04 0A 00 3C 00 03 61 62 63",
        "10 12 00 04 4D 51 54 54 04 42 00 3C 00 03 61 62 63 00 01 70",
        "10 0F 00 04 4D 51 54 58 04 02 00 3C 00 03 61 62 63",
        "10 10 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63 00",
        "11 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63",
    ];
    for h in malformed {
        let e = c_err(&hex(h));
        assert_eq!(e.v3_connack_code(), None, "{h}: {e:?}");
        // Also once the decoder has failed.
        let mut d = Decoder::server();
        let _ = feed_one(&mut d, &hex(h));
        let again = feed_one(&mut d, &hex(V311_MINIMAL)).unwrap_err();
        assert_eq!(again.v3_connack_code(), None);
    }
    // The two refusals for which 3.1.1 asks for a CONNACK first.
    let e = c_err(&hex("10 0F 00 04 4D 51 54 54 06 02 00 3C 00 03 61 62 63"));
    assert_eq!(e.v3_connack_code(), Some(0x01));
    let e = c_err(&hex("10 0C 00 04 4D 51 54 54 04 00 00 3C 00 00"));
    assert_eq!(e.v3_connack_code(), Some(0x02));
    let mut d = Decoder::server();
    let _ = feed_one(&mut d, &hex("10 0C 00 04 4D 51 54 54 04 00 00 3C 00 00"));
    assert_eq!(
        feed_one(&mut d, &hex("C0 00"))
            .unwrap_err()
            .v3_connack_code(),
        Some(0x02)
    );
}

#[test]
fn mqtt_3_1_4_1_v5_malformed_connect_gets_a_failure_connack_code() {
    let cases: [(&str, u8); 7] = [
        (
            "10 10 00 04 4D 51 54 54 05 03 00 3C 00 00 03 61 62 63",
            0x81,
        ),
        (
            "11 10 00 04 4D 51 54 54 05 02 00 3C 00 00 03 61 62 63",
            0x81,
        ),
        (
            "10 11 00 04 4D 51 54 54 05 02 00 3C 00 00 03 61 62 63 00",
            0x81,
        ),
        (
            "10 10 00 04 4D 51 54 58 05 02 00 3C 00 00 03 61 62 63",
            0x84,
        ),
        (
            "10 10 00 04 4D 51 54 54 06 02 00 3C 00 00 03 61 62 63",
            0x84,
        ),
        (
            "10 13 00 04 4D 51 54 54 05 02 00 3C 03 21 00 00 00 03 61 62 63",
            0x82,
        ),
        (
            "10 14 00 04 4D 51 54 54 05 02 00 3C 04 16 00 01 78 00 03 61 62 63",
            0x82,
        ),
    ];
    for (h, code) in cases {
        let e = c_err(&hex(h));
        assert_code(&e, code);
        let rc = e.reason_code();
        assert!(rc.is_error());
        assert!(
            rc.allowed_in(PacketType::ConnAck),
            "{rc:?} cannot go in a CONNACK"
        );
        // The server can send that CONNACK.
        encode(&Packet::ConnAck(ConnAck::new(rc)), V5);
    }
}

#[test]
fn mqtt_3_1_2_2_v5_server_decoder_picks_version_from_name_and_level() {
    // 5.0: the properties after Keep Alive and in PUBLISH are read as 5.0.
    let mut d = Decoder::server();
    let c = match feed_one(&mut d, &hex(V5_FULL)) {
        Ok(Packet::Connect(c)) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!(c.protocol_version, V5);
    assert_eq!(d.protocol_version(), Some(V5));
    match feed_one(&mut d, &hex("30 08 00 03 61 2F 62 00 68 69")) {
        Ok(Packet::Publish(p)) => assert_eq!(&p.payload[..], b"hi"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        feed_one(
            &mut d,
            &hex("F0 15 18 13 15 00 0B 53 43 52 41 4D 2D 53 48 41 2D 31 16 00 02 01 02")
        ),
        Ok(Packet::Auth(_))
    ));
    // 3.1.1: the same PUBLISH bytes minus the property length are a 3.1.1 PUBLISH.
    let mut d = Decoder::server();
    feed_one(&mut d, &hex(V311_MINIMAL)).unwrap();
    assert_eq!(d.protocol_version(), Some(V311));
    match feed_one(&mut d, &hex("30 07 00 03 61 2F 62 68 69")) {
        Ok(Packet::Publish(p)) => {
            assert_eq!(&p.payload[..], b"hi");
            assert!(p.properties.is_empty());
        }
        other => panic!("{other:?}"),
    }
    // AUTH does not exist there.
    assert!(matches!(
        feed_one(&mut d, &hex("F0 00")),
        Err(DecodeError::ReservedPacketType { packet_type: 15 })
    ));
    // 3.1 ("MQIsdp", 3) too.
    let mut d = Decoder::server();
    feed_one(
        &mut d,
        &hex("10 11 00 06 4D 51 49 73 64 70 03 02 00 3C 00 03 61 62 63"),
    )
    .unwrap();
    assert_eq!(d.protocol_version(), Some(ProtocolVersion::V3_1));
    // A version-specific error is not reported before the version is known: a 3.1.1
    // CONNECT with password only is refused, the same layout under 5.0 is not.
    let e = c_err(&connect311(0x42, &cat(&[&s(b"abc"), &s(b"p")])));
    assert!(matches!(e, DecodeError::PasswordWithoutUsername));
    c_ok(&connect5(0x42, &[], &cat(&[&s(b"abc"), &s(b"p")])));
    // A publish the encoder builds in each version.
    let p = Packet::Publish(Publish::new(TopicName::new("a/b").unwrap(), "hi"));
    assert_eq!(encode(&p, V311), hex("30 07 00 03 61 2F 62 68 69"));
    assert_eq!(encode(&p, V5), hex("30 08 00 03 61 2F 62 00 68 69"));
}

// ---------------------------------------------------------------------------------------
// CONNACK: CAK-1 .. CAK-13
// ---------------------------------------------------------------------------------------

fn check_connack_flags(version: ProtocolVersion) {
    let good = if version.is_v5() {
        "20 03 00 00 00"
    } else {
        "20 02 00 00"
    };
    for flags in 1..16u8 {
        let mut bytes = hex(good);
        bytes[0] = 0x20 | flags;
        let e = decode(version, CLIENT, &bytes).unwrap_err();
        assert!(
            matches!(e, DecodeError::InvalidFlags { packet_type: PacketType::ConnAck, flags: f } if f == flags),
            "{flags}: {e:?}"
        );
        if version.is_v5() {
            assert_code(&e, 0x81);
        }
    }
    ok(version, CLIENT, good);
}

#[test]
fn mqtt_2_2_2_1_v311_connack_fixed_header_flags_are_zero() {
    check_connack_flags(V311);
}

#[test]
fn mqtt_2_1_3_1_v5_connack_fixed_header_flags_are_zero() {
    check_connack_flags(V5);
}

#[test]
fn cak_2_v311_connack_remaining_length_is_2() {
    for (h, len) in [("20 03 00 00 00", 3), ("20 01 00", 1), ("20 00", 0)] {
        let e = err(V311, CLIENT, h);
        assert!(
            matches!(e, DecodeError::InvalidRemainingLength { packet_type: PacketType::ConnAck, length } if length == len),
            "{h}: {e:?}"
        );
    }
    ok(V311, CLIENT, "20 02 00 00");
    assert_eq!(
        encode(&Packet::ConnAck(ConnAck::new(ReasonCode::Success)), V311),
        hex("20 02 00 00")
    );
}

#[test]
fn cak_2_v5_connack_remaining_length_at_least_3() {
    for (h, len) in [("20 02 00 00", 2), ("20 01 00", 1), ("20 00", 0)] {
        let e = err(V5, CLIENT, h);
        assert!(
            matches!(e, DecodeError::InvalidRemainingLength { packet_type: PacketType::ConnAck, length } if length == len),
            "{h}: {e:?}"
        );
        assert_code(&e, 0x81);
    }
    ok(V5, CLIENT, "20 03 00 00 00");
    ok(V5, CLIENT, "20 03 00 84 00");
}

#[test]
fn cak_3_v311_connack_reserved_ack_flags_are_refused() {
    for flags in [0x02u8, 0x03, 0x80, 0xFE] {
        let e = decode(V311, CLIENT, &[0x20, 0x02, flags, 0x00]).unwrap_err();
        assert!(
            matches!(e, DecodeError::ConnAckReservedFlags { flags: f } if f == flags),
            "{flags:#04x}: {e:?}"
        );
    }
    let e = err(V311, CLIENT, "20 02 02 00");
    assert!(matches!(e, DecodeError::ConnAckReservedFlags { flags: 2 }));
    assert!(connack_of(ok(V311, CLIENT, "20 02 01 00")).session_present);
    assert!(!connack_of(ok(V311, CLIENT, "20 02 00 00")).session_present);
}

#[test]
fn mqtt_3_2_2_1_v5_connack_reserved_ack_flags_are_malformed() {
    for flags in [0x02u8, 0x03, 0x80, 0xFE] {
        let e = decode(V5, CLIENT, &[0x20, 0x03, flags, 0x00, 0x00]).unwrap_err();
        assert!(
            matches!(e, DecodeError::ConnAckReservedFlags { flags: f } if f == flags),
            "{flags:#04x}: {e:?}"
        );
        assert_code(&e, 0x81);
    }
    assert!(connack_of(ok(V5, CLIENT, "20 03 01 00 00")).session_present);
}

#[test]
fn mqtt_3_2_2_4_v311_session_present_requires_return_code_0() {
    for code in 1..=5u8 {
        let e = decode(V311, CLIENT, &[0x20, 0x02, 0x01, code]).unwrap_err();
        assert!(
            matches!(e, DecodeError::SessionPresentOnFailure { code: c } if c == code),
            "{code}: {e:?}"
        );
    }
    let e = err(V311, CLIENT, "20 02 01 05");
    assert!(matches!(
        e,
        DecodeError::SessionPresentOnFailure { code: 5 }
    ));
    let mut ack = ConnAck::new(ReasonCode::NotAuthorized);
    ack.session_present = true;
    assert_eq!(
        Packet::ConnAck(ack).encoded_len(V311),
        Err(EncodeError::SessionPresentOnFailure)
    );
}

#[test]
fn mqtt_3_2_2_6_v5_session_present_requires_success() {
    for code in [0x80u8, 0x84, 0x87, 0x9F] {
        let e = decode(V5, CLIENT, &[0x20, 0x03, 0x01, code, 0x00]).unwrap_err();
        assert!(
            matches!(e, DecodeError::SessionPresentOnFailure { code: c } if c == code),
            "{code:#04x}: {e:?}"
        );
        assert_code(&e, 0x82);
    }
    let mut ack = ConnAck::new(ReasonCode::Banned);
    ack.session_present = true;
    assert_eq!(
        Packet::ConnAck(ack).encoded_len(V5),
        Err(EncodeError::SessionPresentOnFailure)
    );
}

#[test]
fn cak_5_v311_connack_return_codes_0_to_5_only() {
    let expected = [
        ReasonCode::Success,
        ReasonCode::UnsupportedProtocolVersion,
        ReasonCode::ClientIdentifierNotValid,
        ReasonCode::ServerUnavailable,
        ReasonCode::BadUserNameOrPassword,
        ReasonCode::NotAuthorized,
    ];
    for code in 0..=255u8 {
        let res = decode(V311, CLIENT, &[0x20, 0x02, 0x00, code]);
        match expected.get(usize::from(code)) {
            Some(&rc) => {
                assert_eq!(connack_of(res.unwrap()).reason_code, rc);
                let bytes = encode(&Packet::ConnAck(ConnAck::new(rc)), V311);
                assert_eq!(bytes, vec![0x20, 0x02, 0x00, code]);
            }
            None => {
                let e = res.unwrap_err();
                assert!(
                    matches!(e, DecodeError::InvalidReasonCode { packet_type: PacketType::ConnAck, code: c } if c == code),
                    "{code:#04x}: {e:?}"
                );
            }
        }
    }
}

#[test]
fn mqtt_3_2_2_8_v5_connack_reason_codes_from_table_3_1_only() {
    let allowed: [u8; 22] = [
        0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95,
        0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F,
    ];
    for code in 0..=255u8 {
        let res = decode(V5, CLIENT, &[0x20, 0x03, 0x00, code, 0x00]);
        if allowed.contains(&code) {
            let ack = connack_of(res.unwrap_or_else(|e| panic!("{code:#04x}: {e:?}")));
            assert_eq!(ack.reason_code.value(), code);
            assert_eq!(
                encode(&Packet::ConnAck(ack), V5),
                vec![0x20, 0x03, 0x00, code, 0x00]
            );
        } else {
            let e = res.unwrap_err();
            assert!(
                matches!(e, DecodeError::InvalidReasonCode { packet_type: PacketType::ConnAck, code: c } if c == code),
                "{code:#04x}: {e:?}"
            );
            assert_code(&e, 0x81);
        }
    }
    // The 3.1.1 refusal layout is not a 5.0 CONNACK.
    assert!(decode(V5, CLIENT, &hex("20 02 00 01")).is_err());
    // The encoder refuses codes outside the table.
    assert_eq!(
        Packet::ConnAck(ConnAck::new(ReasonCode::GrantedQoS1)).encoded_len(V5),
        Err(EncodeError::InvalidReasonCode {
            packet_type: PacketType::ConnAck,
            code: ReasonCode::GrantedQoS1
        })
    );
}

#[test]
fn mqtt_3_2_2_6_v311_connack_without_fitting_return_code_is_not_encoded() {
    // No 3.1.1 return code fits these outcomes: the encoder refuses, so the server closes
    // without a CONNACK.
    for rc in [
        ReasonCode::UnspecifiedError,
        ReasonCode::MalformedPacket,
        ReasonCode::ProtocolError,
        ReasonCode::Banned,
        ReasonCode::PacketTooLarge,
        ReasonCode::QuotaExceeded,
    ] {
        assert!(
            matches!(
                Packet::ConnAck(ConnAck::new(rc)).encoded_len(V311),
                Err(EncodeError::NotRepresentable { .. })
            ),
            "{rc:?}"
        );
    }
    assert_eq!(mqtt_codec::v3_return_code(ReasonCode::Banned), None);
    assert_eq!(
        mqtt_codec::v3_return_code(ReasonCode::NotAuthorized),
        Some(5)
    );
}

#[test]
fn cak_9_v5_only_connack_properties_are_allowed() {
    for (props, property) in [
        ("17 01", PropertyId::RequestProblemInformation),
        ("19 01", PropertyId::RequestResponseInformation),
        ("01 01", PropertyId::PayloadFormatIndicator),
        ("23 00 01", PropertyId::TopicAlias),
        ("0B 01", PropertyId::SubscriptionIdentifier),
        ("18 00 00 00 01", PropertyId::WillDelayInterval),
    ] {
        let e = decode(V5, CLIENT, &connack5(&hex(props))).unwrap_err();
        assert!(
            matches!(e, DecodeError::PropertyNotAllowed { property: p, .. } if p == property),
            "{props}: {e:?}"
        );
        assert_code(&e, 0x81);
    }
    let e = decode(V5, CLIENT, &connack5(&hex("05 00"))).unwrap_err();
    assert!(matches!(e, DecodeError::UnknownProperty { id: 5 }));
    assert_code(&e, 0x81);
    for (props, property) in [
        ("21 00 01 21 00 01", PropertyId::ReceiveMaximum),
        (
            "12 00 01 61 12 00 01 62",
            PropertyId::AssignedClientIdentifier,
        ),
        ("13 00 01 13 00 01", PropertyId::ServerKeepAlive),
        ("1C 00 00 1C 00 00", PropertyId::ServerReference),
        (
            "11 00 00 00 00 11 00 00 00 00",
            PropertyId::SessionExpiryInterval,
        ),
    ] {
        let e = decode(V5, CLIENT, &connack5(&hex(props))).unwrap_err();
        assert!(
            matches!(e, DecodeError::DuplicateProperty { property: p } if p == property),
            "{props}: {e:?}"
        );
        assert_code(&e, 0x82);
    }
    // All seventeen allowed properties, User Property twice.
    let all = "11 00 00 00 0A 21 00 0A 24 01 25 01 27 00 00 10 00 12 00 01 61 22 00 05 1F 00 01 72 26 00 01 6B 00 01 76 26 00 01 6B 00 01 77 28 01 29 00 2A 01 13 00 1E 1A 00 01 69 1C 00 01 73 15 00 01 6D 16 00 01 01";
    let ack = connack_of(decode(V5, CLIENT, &connack5(&hex(all))).unwrap());
    let p = &ack.properties;
    assert_eq!(p.session_expiry_interval, Some(10));
    assert_eq!(p.receive_maximum, Some(10));
    assert_eq!(p.maximum_qos, Some(1));
    assert_eq!(p.retain_available, Some(1));
    assert_eq!(p.maximum_packet_size, Some(4096));
    assert_eq!(p.assigned_client_identifier.as_ref().unwrap().as_str(), "a");
    assert_eq!(p.topic_alias_maximum, Some(5));
    assert_eq!(p.reason_string.as_ref().unwrap().as_str(), "r");
    assert_eq!(p.user_properties.len(), 2);
    assert_eq!(p.wildcard_subscription_available, Some(1));
    assert_eq!(p.subscription_identifier_available, Some(0));
    assert_eq!(p.shared_subscription_available, Some(1));
    assert_eq!(p.server_keep_alive, Some(30));
    assert_eq!(p.response_information.as_ref().unwrap().as_str(), "i");
    assert_eq!(p.server_reference.as_ref().unwrap().as_str(), "s");
    assert_eq!(p.authentication_method.as_ref().unwrap().as_str(), "m");
    assert_eq!(&p.authentication_data.as_ref().unwrap()[..], &[1]);
    // Round trip.
    let bytes = encode(&Packet::ConnAck(ack.clone()), V5);
    assert_eq!(connack_of(decode(V5, CLIENT, &bytes).unwrap()), ack);
}

#[test]
fn cak_10_v5_connack_property_values_are_checked() {
    for (props, property, value) in [
        ("21 00 00", PropertyId::ReceiveMaximum, 0u32),
        ("24 02", PropertyId::MaximumQos, 2),
        ("25 02", PropertyId::RetainAvailable, 2),
        ("27 00 00 00 00", PropertyId::MaximumPacketSize, 0),
        ("28 02", PropertyId::WildcardSubscriptionAvailable, 2),
        ("29 03", PropertyId::SubscriptionIdentifierAvailable, 3),
        ("2A 02", PropertyId::SharedSubscriptionAvailable, 2),
    ] {
        let e = decode(V5, CLIENT, &connack5(&hex(props))).unwrap_err();
        assert!(
            matches!(e, DecodeError::InvalidPropertyValue { property: p, value: v } if p == property && v == value),
            "{props}: {e:?}"
        );
        assert_code(&e, 0x82);
    }
    for props in [
        "21 00 01",
        "24 00",
        "24 01",
        "25 00",
        "27 00 00 00 01",
        "28 00",
        "29 01",
        "2A 00",
    ] {
        decode(V5, CLIENT, &connack5(&hex(props))).unwrap_or_else(|e| panic!("{props}: {e:?}"));
    }
}

#[test]
fn mqtt_3_2_2_16_v5_connack_can_carry_assigned_client_identifier() {
    let vector = hex("20 11 00 00 0E 21 00 64 24 01 12 00 06 61 75 74 6F 2D 31");
    let from_vector = connack_of(decode(V5, CLIENT, &vector).unwrap());
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.receive_maximum = Some(100);
    ack.properties.maximum_qos = Some(1);
    ack.properties.assigned_client_identifier = Some(MqttStr::new("auto-1").unwrap());
    let bytes = encode(&Packet::ConnAck(ack.clone()), V5);
    assert_eq!(bytes.len(), vector.len());
    assert_eq!(connack_of(decode(V5, CLIENT, &bytes).unwrap()), ack);
    assert_eq!(from_vector, ack);
    // Not representable in 3.1.1.
    assert!(matches!(
        Packet::ConnAck(ack).encoded_len(V311),
        Err(EncodeError::NotRepresentable { .. })
    ));
}

#[test]
fn mqtt_3_1_2_2_the_bridge_mark_is_an_unknown_level_unless_the_decoder_accepts_bridges() {
    // MQTT 3.1.1, level 0x84 (4 with bit 7, mosquitto's bridge), client "abc".
    let bytes = hex("10 0F 00 04 4D 51 54 54 84 02 00 3C 00 03 61 62 63");
    let e = decode_opt(None, Some(Role::Server), &bytes).unwrap_err();
    assert_eq!(e, DecodeError::UnsupportedProtocolLevel { level: 0x84 });
    assert_eq!(e.v3_connack_code(), Some(0x01));

    let mut d = Decoder::server().accept_bridges();
    d.feed(&bytes);
    let Ok(Some(Packet::Connect(c))) = d.next_packet() else {
        panic!("a bridge's CONNECT is accepted by a decoder that accepts bridges")
    };
    assert!(c.bridge);
    assert_eq!(c.protocol_version, V311);
    // It encodes back with the mark; 5.0 has no such mark.
    assert_eq!(encode(&Packet::Connect(c), V311), bytes);
    let mut five = Connect::new(V5, MqttStr::new("abc").unwrap());
    five.bridge = true;
    assert!(matches!(
        Packet::from(five).to_bytes(V5),
        Err(EncodeError::NotRepresentable { .. })
    ));
    // Level 0x85 (5.0 with the mark) stays unknown even then.
    let mut d = Decoder::server().accept_bridges();
    d.feed(&hex(
        "10 10 00 04 4D 51 54 54 85 02 00 3C 00 00 03 61 62 63",
    ));
    assert_eq!(
        d.next_packet(),
        Err(DecodeError::UnsupportedProtocolLevel { level: 0x85 })
    );
}
