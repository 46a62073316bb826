//! Conformance tests for checklist §2.9 PINGREQ/PINGRESP (PNG-1 … PNG-3), §2.10 DISCONNECT
//! (DIS-1 … DIS-10) and §2.11 AUTH (AUT-1 … AUT-10). Each test is named after the statement
//! ID (or the row, for unnumbered rules) and the version; conformance/part2.md maps the rows.

mod support_packets;

use mqtt_codec::{
    Auth, DecodeError, Decoder, Disconnect, EncodeError, MqttStr, Packet, PacketType, PropertyId,
    ReasonCode, Role,
};
use support_packets::*;

fn disconnect(p: Packet) -> Disconnect {
    match p {
        Packet::Disconnect(d) => d,
        other => panic!("not a DISCONNECT: {other:?}"),
    }
}

fn auth(p: Packet) -> Auth {
    match p {
        Packet::Auth(a) => a,
        other => panic!("not an AUTH: {other:?}"),
    }
}

// =======================================================================================
// §2.9 PINGREQ / PINGRESP
// =======================================================================================

// PNG-1 ----------------------------------------------------------------------------------

#[test]
fn mqtt_2_2_2_1_v311_pingreq_pingresp_nonzero_flags_are_malformed() {
    check_flags(V311, 0xC0, 0, "", PacketType::PingReq);
    check_flags(V311, 0xD0, 0, "", PacketType::PingResp);
}

#[test]
fn mqtt_2_1_3_1_v5_pingreq_pingresp_nonzero_flags_are_malformed() {
    check_flags(V5, 0xC0, 0, "", PacketType::PingReq);
    check_flags(V5, 0xD0, 0, "", PacketType::PingResp);
    let e = err_hex(V5, "C1 00");
    assert_rc(&e, 0x81);
}

// PNG-2 ----------------------------------------------------------------------------------

fn check_ping_rl(version: mqtt_codec::ProtocolVersion) {
    let e = err_hex(version, "C0 01 00");
    assert!(
        matches!(
            e,
            DecodeError::InvalidRemainingLength {
                packet_type: PacketType::PingReq,
                length: 1
            }
        ),
        "{e:?}"
    );
    if version.is_v5() {
        assert_rc(&e, 0x81);
    }
    for (first, t) in [(0xC0u8, PacketType::PingReq), (0xD0, PacketType::PingResp)] {
        for body in ["00", "00 00", "FF FF FF"] {
            let bytes = frame(first, body);
            let e = decode_err(version, None, &bytes);
            assert!(
                matches!(e, DecodeError::InvalidRemainingLength { packet_type, length } if packet_type == t && length == bytes.len() - 2),
                "{bytes:02X?}: {e:?}"
            );
            if version.is_v5() {
                assert_rc(&e, 0x81);
            }
        }
    }
    assert_eq!(
        decode_ok(version, Some(Role::Server), &hex("C0 00")),
        Packet::PingReq
    );
    assert_eq!(
        decode_ok(version, Some(Role::Client), &hex("D0 00")),
        Packet::PingResp
    );
    assert_eq!(encode(&Packet::PingReq, version).unwrap(), hex("C0 00"));
    assert_eq!(encode(&Packet::PingResp, version).unwrap(), hex("D0 00"));
}

#[test]
fn png_2_v311_ping_rl_other_than_0_is_malformed() {
    check_ping_rl(V311);
}

#[test]
fn png_2_v5_ping_rl_other_than_0_is_malformed() {
    check_ping_rl(V5);
}

// =======================================================================================
// §2.10 DISCONNECT
// =======================================================================================

// DIS-1 ----------------------------------------------------------------------------------

#[test]
fn mqtt_3_14_1_1_v311_disconnect_nonzero_flags_are_malformed() {
    let e = decode_err(V311, Some(Role::Server), &hex("E1 00"));
    assert!(
        matches!(
            e,
            DecodeError::InvalidFlags {
                packet_type: PacketType::Disconnect,
                flags: 1
            }
        ),
        "{e:?}"
    );
    check_flags(V311, 0xE0, 0, "", PacketType::Disconnect);
}

#[test]
fn mqtt_3_14_1_1_v5_disconnect_nonzero_flags_are_malformed() {
    for receiver in [Some(Role::Server), Some(Role::Client), None] {
        let e = decode_err(V5, receiver, &hex("E1 00"));
        assert!(
            matches!(
                e,
                DecodeError::InvalidFlags {
                    packet_type: PacketType::Disconnect,
                    flags: 1
                }
            ),
            "{e:?}"
        );
        assert_rc(&e, 0x81);
    }
    check_flags(V5, 0xE0, 0, "", PacketType::Disconnect);
    check_flags(V5, 0xE0, 0, "04", PacketType::Disconnect);
}

// DIS-2 ----------------------------------------------------------------------------------

#[test]
fn dis_2_v311_disconnect_rl_other_than_0_is_malformed() {
    let e = err_hex(V311, "E0 01 00");
    assert!(
        matches!(
            e,
            DecodeError::InvalidRemainingLength {
                packet_type: PacketType::Disconnect,
                length: 1
            }
        ),
        "{e:?}"
    );
    let e = decode_err(V311, Some(Role::Server), &hex("E0 02 00 00"));
    assert!(
        matches!(
            e,
            DecodeError::InvalidRemainingLength {
                packet_type: PacketType::Disconnect,
                length: 2
            }
        ),
        "{e:?}"
    );
    let d = disconnect(decode_ok(V311, Some(Role::Server), &hex("E0 00")));
    assert_eq!(d, Disconnect::default());
    assert_eq!(
        encode(&Packet::Disconnect(Disconnect::default()), V311).unwrap(),
        hex("E0 00")
    );
    // A reason code or properties cannot be written in 3.1.1.
    let d = Disconnect::new(ReasonCode::DisconnectWithWillMessage);
    assert!(matches!(
        Packet::Disconnect(d).encoded_len(V311),
        Err(EncodeError::NotRepresentable { .. })
    ));
}

#[test]
fn dis_2_v5_disconnect_three_forms_decode() {
    let d = disconnect(decode_ok(V5, Some(Role::Server), &hex("E0 00")));
    assert_eq!(d.reason_code, ReasonCode::Success);
    assert!(d.properties.is_empty());
    let d = disconnect(decode_ok(V5, Some(Role::Server), &hex("E0 01 04")));
    assert_eq!(d.reason_code, ReasonCode::DisconnectWithWillMessage);
    assert!(d.properties.is_empty());
    let d = disconnect(decode_ok(
        V5,
        Some(Role::Server),
        &hex("E0 07 00 05 11 00 00 00 00"),
    ));
    assert_eq!(d.reason_code, ReasonCode::Success);
    assert_eq!(d.properties.session_expiry_interval, Some(0));
    let d = disconnect(decode_ok(V5, None, &hex("E0 02 00 00")));
    assert_eq!(d, Disconnect::default());

    // The encoder uses the shortest form.
    assert_eq!(
        encode(&Packet::Disconnect(Disconnect::default()), V5).unwrap(),
        hex("E0 00")
    );
    assert_eq!(
        encode(
            &Packet::Disconnect(Disconnect::new(ReasonCode::DisconnectWithWillMessage)),
            V5
        )
        .unwrap(),
        hex("E0 01 04")
    );
    let mut d = Disconnect::default();
    d.properties.session_expiry_interval = Some(0);
    assert_eq!(
        encode(&Packet::Disconnect(d), V5).unwrap(),
        hex("E0 07 00 05 11 00 00 00 00")
    );
}

#[test]
fn dis_2_v5_disconnect_bad_property_length_is_malformed() {
    // Property Length runs past the end.
    let e = err_hex(V5, "E0 02 00 05");
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    assert_rc(&e, 0x81);
    // Bytes after the properties.
    let e = err_hex(V5, "E0 03 00 00 00");
    assert!(
        matches!(
            e,
            DecodeError::TrailingBytes {
                packet_type: PacketType::Disconnect,
                count: 1
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x81);
}

// DIS-3 ----------------------------------------------------------------------------------

#[test]
fn dis_3_v311_client_receiving_disconnect_is_refused() {
    let e = decode_err(V311, Some(Role::Client), &hex("E0 00"));
    assert!(
        matches!(
            e,
            DecodeError::UnexpectedPacket {
                packet_type: PacketType::Disconnect,
                role: Role::Client
            }
        ),
        "{e:?}"
    );
    let mut d = Decoder::client(V311);
    d.feed(&hex("E0 00"));
    assert!(matches!(
        d.next_packet(),
        Err(DecodeError::UnexpectedPacket {
            packet_type: PacketType::Disconnect,
            ..
        })
    ));
    // The server receives it.
    assert!(decode_as(V311, Some(Role::Server), &hex("E0 00")).is_ok());
}

#[test]
fn dis_3_v5_client_receives_server_disconnect() {
    let d = disconnect(decode_ok(V5, Some(Role::Client), &hex("E0 01 8B")));
    assert_eq!(d.reason_code, ReasonCode::ServerShuttingDown);
    let mut dec = Decoder::client(V5);
    dec.feed(&hex("E0 00"));
    assert!(matches!(dec.next_packet(), Ok(Some(Packet::Disconnect(_)))));
}

// DIS-4 ----------------------------------------------------------------------------------

/// Table 3-10 with its sender column: 'C' client only, 'S' server only, 'B' both.
/// 0x8C is left out on purpose (checklist §4.2 ¹: tests should not insist either way).
fn disconnect_table(code: u8) -> Option<char> {
    match code {
        0x04 => Some('C'),
        0x87 | 0x89 | 0x8B | 0x8D | 0x8E | 0x8F | 0x9A..=0xA2 => Some('S'),
        0x00 | 0x80..=0x83 | 0x90 | 0x93..=0x99 => Some('B'),
        _ => None,
    }
}

#[test]
fn mqtt_3_14_2_1_v5_disconnect_unknown_reason_code_is_malformed() {
    for code in (0u8..=255).filter(|&c| c != 0x8C && disconnect_table(c).is_none()) {
        for receiver in [None, Some(Role::Server), Some(Role::Client)] {
            let bytes = frame(0xE0, &format!("{code:02X}"));
            let e = decode_err(V5, receiver, &bytes);
            assert!(
                matches!(e, DecodeError::InvalidReasonCode { packet_type: PacketType::Disconnect, code: c } if c == code),
                "{bytes:02X?} ({receiver:?}): {e:?}"
            );
            assert_rc(&e, 0x81);
        }
        if let Some(rc) = ReasonCode::from_u8(code) {
            assert!(
                matches!(
                    Packet::Disconnect(Disconnect::new(rc)).encoded_len(V5),
                    Err(EncodeError::InvalidReasonCode { .. })
                ),
                "{code:#04x}"
            );
        }
    }
}

#[test]
fn mqtt_3_14_2_1_v5_disconnect_reason_code_from_wrong_side_is_protocol_error() {
    for code in (0u8..=255).filter(|&c| c != 0x8C) {
        let Some(side) = disconnect_table(code) else {
            continue;
        };
        for body in [format!("{code:02X}"), format!("{code:02X} 00")] {
            let bytes = frame(0xE0, &body);
            // Without a known direction every Table 3-10 code decodes.
            assert_eq!(
                disconnect(decode_ok(V5, None, &bytes)).reason_code.value(),
                code
            );
            // A server receives what a client sent.
            let from_client = decode_as(V5, Some(Role::Server), &bytes);
            // A client receives what a server sent.
            let from_server = decode_as(V5, Some(Role::Client), &bytes);
            for (result, allowed) in [(from_client, side != 'S'), (from_server, side != 'C')] {
                if allowed {
                    assert_eq!(disconnect(result.unwrap()).reason_code.value(), code);
                } else {
                    let e = result.expect_err(&format!("{bytes:02X?} from the wrong side"));
                    assert!(
                        matches!(e, DecodeError::ReasonCodeFromWrongSide { packet_type: PacketType::Disconnect, code: c } if c == code),
                        "{bytes:02X?}: {e:?}"
                    );
                    assert_rc(&e, 0x82);
                }
            }
        }
    }
    // The two named cases.
    let e = decode_err(V5, Some(Role::Client), &hex("E0 01 04"));
    assert!(
        matches!(e, DecodeError::ReasonCodeFromWrongSide { .. }),
        "{e:?}"
    );
    let e = decode_err(V5, Some(Role::Server), &hex("E0 01 8B"));
    assert!(
        matches!(e, DecodeError::ReasonCodeFromWrongSide { .. }),
        "{e:?}"
    );
}

// DIS-5 ----------------------------------------------------------------------------------

#[test]
fn dis_5_v5_disconnect_other_property_is_malformed() {
    for props in [
        "02 01 01",
        "03 21 00 05",
        "04 15 00 01 78",
        "02 0B 01",
        "02 7F 00",
    ] {
        let bytes = frame(0xE0, &format!("00 {props}"));
        let e = decode_err(V5, None, &bytes);
        assert!(
            matches!(
                e,
                DecodeError::PropertyNotAllowed { .. } | DecodeError::UnknownProperty { .. }
            ),
            "{bytes:02X?}: {e:?}"
        );
        assert_rc(&e, 0x81);
    }
}

#[test]
fn dis_5_v5_disconnect_repeated_property_is_protocol_error() {
    for (props, property) in [
        (
            "0A 11 00 00 00 01 11 00 00 00 02",
            PropertyId::SessionExpiryInterval,
        ),
        ("08 1F 00 01 61 1F 00 01 62", PropertyId::ReasonString),
        ("08 1C 00 01 61 1C 00 01 62", PropertyId::ServerReference),
    ] {
        let bytes = frame(0xE0, &format!("80 {props}"));
        let e = decode_err(V5, None, &bytes);
        assert!(
            matches!(e, DecodeError::DuplicateProperty { property: p } if p == property),
            "{bytes:02X?}: {e:?}"
        );
        assert_rc(&e, 0x82);
    }
}

#[test]
fn dis_5_v5_disconnect_allowed_properties_decode() {
    // Client to server: Session Expiry Interval, Reason String, two User Properties.
    let bytes = frame(
        0xE0,
        "00 18 11 00 00 00 3C 1F 00 02 6E 6F 26 00 01 6B 00 01 31 26 00 01 6B 00 01 32",
    );
    let d = disconnect(decode_ok(V5, Some(Role::Server), &bytes));
    assert_eq!(d.properties.session_expiry_interval, Some(60));
    assert_eq!(
        d.properties.reason_string.as_ref().map(|s| s.as_str()),
        Some("no")
    );
    assert_eq!(d.properties.user_properties.len(), 2);
    assert_eq!(encode(&Packet::Disconnect(d), V5).unwrap(), bytes);
    // Server to client: Server Reference.
    let bytes = frame(0xE0, "9C 06 1C 00 03 68 2F 32");
    let d = disconnect(decode_ok(V5, Some(Role::Client), &bytes));
    assert_eq!(d.reason_code, ReasonCode::UseAnotherServer);
    assert_eq!(
        d.properties.server_reference.as_ref().map(|s| s.as_str()),
        Some("h/2")
    );
}

// DIS-6 ----------------------------------------------------------------------------------

#[test]
fn mqtt_3_14_2_2_v5_client_receiving_disconnect_with_session_expiry_is_protocol_error() {
    for bytes in [
        hex("E0 07 00 05 11 00 00 00 00"),
        frame(0xE0, "8B 05 11 00 00 00 3C"),
    ] {
        let e = decode_err(V5, Some(Role::Client), &bytes);
        assert!(matches!(e, DecodeError::SessionExpiryFromServer), "{e:?}");
        assert_rc(&e, 0x82);
        let mut d = Decoder::client(V5);
        d.feed(&bytes);
        assert!(matches!(
            d.next_packet(),
            Err(DecodeError::SessionExpiryFromServer)
        ));
    }
    // A server may receive it from a client.
    let d = disconnect(decode_ok(
        V5,
        Some(Role::Server),
        &hex("E0 07 00 05 11 00 00 00 00"),
    ));
    assert_eq!(d.properties.session_expiry_interval, Some(0));
}

// DIS-10 ---------------------------------------------------------------------------------

#[test]
fn mqtt_3_14_2_3_v5_disconnect_fit_to_size_drops_reason_string_then_user_properties() {
    assert_fit_to_size_drops_reason_string_then_user_properties(
        with_reason_string_and_user_properties(Packet::Disconnect(Disconnect::new(
            ReasonCode::ServerShuttingDown,
        ))),
    );
    // Normal disconnection: once everything is dropped, RL = 0 remains.
    assert_fit_to_size_drops_reason_string_then_user_properties(
        with_reason_string_and_user_properties(Packet::Disconnect(Disconnect::default())),
    );
    // Other properties are never dropped.
    let mut d = Disconnect::new(ReasonCode::UseAnotherServer);
    d.properties.server_reference = Some(MqttStr::new("other.example").unwrap());
    d.properties.reason_string = Some(MqttStr::new("moved").unwrap());
    let mut p = Packet::Disconnect(d);
    let bare = 1 + 1 + 1 + 1 + 3 + "other.example".len();
    assert_eq!(p.fit_to_size(V5, bare), Ok(bare));
    assert!(matches!(
        p.fit_to_size(V5, bare - 1),
        Err(EncodeError::PacketTooLarge { .. })
    ));
    assert!(disconnect(p).properties.server_reference.is_some());
}

// =======================================================================================
// §2.11 AUTH
// =======================================================================================

const SCRAM: &str = "F0 15 18 13 15 00 0B 53 43 52 41 4D 2D 53 48 41 2D 31 16 00 02 01 02";

// AUT-1 ----------------------------------------------------------------------------------

#[test]
fn aut_1_v311_packet_type_15_is_forbidden() {
    for receiver in [None, Some(Role::Server), Some(Role::Client)] {
        let e = decode_err(V311, receiver, &hex("F0 00"));
        assert!(
            matches!(e, DecodeError::ReservedPacketType { packet_type: 15 }),
            "{receiver:?}: {e:?}"
        );
        let e = decode_err(V311, receiver, &hex(SCRAM));
        assert!(
            matches!(e, DecodeError::ReservedPacketType { packet_type: 15 }),
            "{receiver:?}: {e:?}"
        );
    }
    // AUTH cannot be encoded for 3.1.1.
    assert!(matches!(
        Packet::Auth(Auth::new(ReasonCode::Success)).encoded_len(V311),
        Err(EncodeError::NotRepresentable { .. })
    ));
}

// AUT-2 ----------------------------------------------------------------------------------

#[test]
fn mqtt_3_15_1_1_v5_auth_nonzero_flags_are_malformed() {
    let e = err_hex(V5, "F1 00");
    assert!(
        matches!(
            e,
            DecodeError::InvalidFlags {
                packet_type: PacketType::Auth,
                flags: 1
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x81);
    check_flags(V5, 0xF0, 0, "", PacketType::Auth);
    check_flags(
        V5,
        0xF0,
        0,
        "18 13 15 00 0B 53 43 52 41 4D 2D 53 48 41 2D 31 16 00 02 01 02",
        PacketType::Auth,
    );
}

// AUT-3 ----------------------------------------------------------------------------------

#[test]
fn aut_3_v5_auth_rl_0_is_success_without_properties() {
    let a = auth(decode_ok(V5, Some(Role::Client), &hex("F0 00")));
    assert_eq!(a.reason_code, ReasonCode::Success);
    assert!(a.properties.is_empty());
    assert_eq!(auth(ok_hex(V5, "F0 00")), a);
    assert_eq!(
        encode(&Packet::Auth(Auth::new(ReasonCode::Success)), V5).unwrap(),
        hex("F0 00")
    );
    // Checklist Q2: the bare success form is accepted only from the server.
    let e = decode_err(V5, Some(Role::Server), &hex("F0 00"));
    assert!(
        matches!(
            e,
            DecodeError::ReasonCodeFromWrongSide {
                packet_type: PacketType::Auth,
                code: 0
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
}

#[test]
fn aut_3_v5_auth_rl_1_lacks_the_method_and_is_protocol_error() {
    for receiver in [None, Some(Role::Server), Some(Role::Client)] {
        let e = decode_err(V5, receiver, &hex("F0 01 18"));
        assert!(
            matches!(e, DecodeError::MissingAuthenticationMethod),
            "{receiver:?}: {e:?}"
        );
        assert_rc(&e, 0x82);
    }
    let e = decode_err(V5, Some(Role::Client), &hex("F0 01 00"));
    assert!(
        matches!(e, DecodeError::MissingAuthenticationMethod),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
    let e = decode_err(V5, Some(Role::Server), &hex("F0 01 19"));
    assert!(
        matches!(e, DecodeError::MissingAuthenticationMethod),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
}

// AUT-4 ----------------------------------------------------------------------------------

/// Table 3-11: 0x00 server only, 0x18 either side, 0x19 client only.
fn auth_table(code: u8) -> Option<char> {
    match code {
        0x00 => Some('S'),
        0x18 => Some('B'),
        0x19 => Some('C'),
        _ => None,
    }
}

fn auth_bytes(code: u8) -> Vec<u8> {
    // Authentication Method "SCRAM".
    frame(0xF0, &format!("{code:02X} 08 15 00 05 53 43 52 41 4D"))
}

#[test]
fn mqtt_3_15_2_1_v5_auth_unknown_reason_code_is_malformed() {
    for code in (0u8..=255).filter(|&c| auth_table(c).is_none()) {
        for receiver in [None, Some(Role::Server), Some(Role::Client)] {
            let bytes = auth_bytes(code);
            let e = decode_err(V5, receiver, &bytes);
            assert!(
                matches!(e, DecodeError::InvalidReasonCode { packet_type: PacketType::Auth, code: c } if c == code),
                "{bytes:02X?}: {e:?}"
            );
            assert_rc(&e, 0x81);
        }
        if let Some(rc) = ReasonCode::from_u8(code) {
            let mut a = Auth::new(rc);
            a.properties.authentication_method = Some(MqttStr::new("SCRAM").unwrap());
            assert!(
                matches!(
                    Packet::Auth(a).encoded_len(V5),
                    Err(EncodeError::InvalidReasonCode { .. })
                ),
                "{code:#04x}"
            );
        }
    }
}

#[test]
fn mqtt_3_15_2_1_v5_auth_reason_code_from_wrong_side_is_protocol_error() {
    for code in [0x00u8, 0x18, 0x19] {
        let side = auth_table(code).unwrap();
        let bytes = auth_bytes(code);
        let a = auth(decode_ok(V5, None, &bytes));
        assert_eq!(a.reason_code.value(), code);
        assert_eq!(
            a.properties
                .authentication_method
                .as_ref()
                .map(|m| m.as_str()),
            Some("SCRAM")
        );
        let from_client = decode_as(V5, Some(Role::Server), &bytes);
        let from_server = decode_as(V5, Some(Role::Client), &bytes);
        for (result, allowed) in [(from_client, side != 'S'), (from_server, side != 'C')] {
            if allowed {
                assert_eq!(auth(result.unwrap()).reason_code.value(), code);
            } else {
                let e = result.expect_err(&format!("{bytes:02X?} from the wrong side"));
                assert!(
                    matches!(e, DecodeError::ReasonCodeFromWrongSide { packet_type: PacketType::Auth, code: c } if c == code),
                    "{bytes:02X?}: {e:?}"
                );
                assert_rc(&e, 0x82);
            }
        }
    }
}

// AUT-5 ----------------------------------------------------------------------------------

#[test]
fn aut_5_v5_auth_without_method_is_protocol_error() {
    let e = err_hex(V5, "F0 02 18 00");
    assert!(
        matches!(e, DecodeError::MissingAuthenticationMethod),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
    // Authentication Data or a Reason String do not replace the method.
    for props in ["05 16 00 02 01 02", "05 1F 00 02 6E 6F"] {
        let bytes = frame(0xF0, &format!("18 {props}"));
        let e = decode_err(V5, None, &bytes);
        assert!(
            matches!(e, DecodeError::MissingAuthenticationMethod),
            "{e:?}"
        );
        assert_rc(&e, 0x82);
    }
    // The encoder refuses it too.
    let mut a = Auth::new(ReasonCode::ContinueAuthentication);
    assert!(matches!(
        Packet::Auth(a.clone()).encoded_len(V5),
        Err(EncodeError::MissingAuthenticationMethod)
    ));
    a.properties.authentication_data = Some(bytes::Bytes::from_static(&[1, 2]));
    assert!(matches!(
        Packet::Auth(a).encoded_len(V5),
        Err(EncodeError::MissingAuthenticationMethod)
    ));
}

#[test]
fn aut_5_v5_auth_repeated_property_is_protocol_error() {
    for (props, property) in [
        (
            "08 15 00 01 61 15 00 01 62",
            PropertyId::AuthenticationMethod,
        ),
        (
            "0C 15 00 01 61 16 00 01 01 16 00 01 02",
            PropertyId::AuthenticationData,
        ),
        (
            "0C 15 00 01 61 1F 00 01 72 1F 00 01 73",
            PropertyId::ReasonString,
        ),
    ] {
        let bytes = frame(0xF0, &format!("18 {props}"));
        let e = decode_err(V5, None, &bytes);
        assert!(
            matches!(e, DecodeError::DuplicateProperty { property: p } if p == property),
            "{bytes:02X?}: {e:?}"
        );
        assert_rc(&e, 0x82);
    }
}

#[test]
fn aut_5_v5_auth_other_property_is_malformed() {
    for extra in ["11 00 00 00 01", "01 01", "1C 00 01 61", "7F 00"] {
        let len = 4 + hex(extra).len();
        let bytes = frame(0xF0, &format!("18 {len:02X} 15 00 01 61 {extra}"));
        let e = decode_err(V5, None, &bytes);
        assert!(
            matches!(
                e,
                DecodeError::PropertyNotAllowed { .. } | DecodeError::UnknownProperty { .. }
            ),
            "{bytes:02X?}: {e:?}"
        );
        assert_rc(&e, 0x81);
    }
}

#[test]
fn aut_5_v5_auth_allowed_properties_decode_and_encode() {
    let bytes = hex(SCRAM);
    let a = auth(decode_ok(V5, Some(Role::Client), &bytes));
    assert_eq!(a.reason_code, ReasonCode::ContinueAuthentication);
    assert_eq!(
        a.properties
            .authentication_method
            .as_ref()
            .map(|m| m.as_str()),
        Some("SCRAM-SHA-1")
    );
    assert_eq!(
        a.properties.authentication_data.as_deref(),
        Some(&[1u8, 2][..])
    );
    assert_eq!(encode(&Packet::Auth(a.clone()), V5).unwrap(), bytes);
    assert_eq!(auth(decode_ok(V5, Some(Role::Server), &bytes)), a);
    // With a Reason String and User Properties as well.
    let bytes = frame(
        0xF0,
        "19 17 15 00 01 61 1F 00 02 6E 6F 26 00 01 6B 00 01 31 26 00 01 6B 00 01 32",
    );
    let a = auth(decode_ok(V5, Some(Role::Server), &bytes));
    assert_eq!(a.reason_code, ReasonCode::ReAuthenticate);
    assert_eq!(a.properties.user_properties.len(), 2);
}

// AUT-7 ----------------------------------------------------------------------------------

#[test]
fn mqtt_3_15_2_2_v5_auth_fit_to_size_drops_reason_string_then_user_properties() {
    let mut a = Auth::new(ReasonCode::ContinueAuthentication);
    a.properties.authentication_method = Some(MqttStr::new("SCRAM-SHA-1").unwrap());
    a.properties.authentication_data = Some(bytes::Bytes::from_static(&[1, 2, 3]));
    let packet = with_reason_string_and_user_properties(Packet::Auth(a));
    assert_fit_to_size_drops_reason_string_then_user_properties(packet.clone());
    // The method and data stay.
    let mut p = packet;
    let bare = auth(p.clone());
    let _ = p.fit_to_size(V5, 1);
    let left = auth(p);
    assert_eq!(
        left.properties.authentication_method,
        bare.properties.authentication_method
    );
    assert_eq!(
        left.properties.authentication_data,
        bare.properties.authentication_data
    );
}
