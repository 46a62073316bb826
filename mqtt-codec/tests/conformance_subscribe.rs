//! Conformance tests for checklist §2.5 SUBSCRIBE (SUB-1 … SUB-13), §2.6 SUBACK (SAK-1 …
//! SAK-7), §2.7 UNSUBSCRIBE (UNS-1 … UNS-6) and §2.8 UNSUBACK (UAK-1 … UAK-7). Each test is
//! named after the statement ID (or the row, for unnumbered rules) and the version;
//! conformance/part2.md maps the rows.

mod support_packets;

use mqtt_codec::{
    DecodeError, EncodeError, MqttStr, Packet, PacketId, PacketType, PropertyId, ProtocolVersion,
    QoS, ReasonCode, RetainHandling, Role, SubAck, Subscribe, Subscription, SubscriptionOptions,
    TopicError, TopicFilter, UnsubAck, Unsubscribe,
};
use support_packets::*;

fn pid(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

fn subscribe(p: Packet) -> Subscribe {
    match p {
        Packet::Subscribe(s) => s,
        other => panic!("not a SUBSCRIBE: {other:?}"),
    }
}

fn suback(p: Packet) -> SubAck {
    match p {
        Packet::SubAck(s) => s,
        other => panic!("not a SUBACK: {other:?}"),
    }
}

fn unsubscribe(p: Packet) -> Unsubscribe {
    match p {
        Packet::Unsubscribe(s) => s,
        other => panic!("not an UNSUBSCRIBE: {other:?}"),
    }
}

fn unsuback(p: Packet) -> UnsubAck {
    match p {
        Packet::UnsubAck(s) => s,
        other => panic!("not an UNSUBACK: {other:?}"),
    }
}

fn codes(list: &[ReasonCode]) -> Vec<u8> {
    list.iter().map(|c| c.value()).collect()
}

// =======================================================================================
// §2.5 SUBSCRIBE
// =======================================================================================

// SUB-1 ----------------------------------------------------------------------------------

#[test]
fn mqtt_3_8_1_1_v311_subscribe_flags_other_than_0010_are_malformed() {
    let e = err_hex(V311, "80 06 00 0A 00 01 61 00");
    assert!(
        matches!(
            e,
            DecodeError::InvalidFlags {
                packet_type: PacketType::Subscribe,
                flags: 0
            }
        ),
        "{e:?}"
    );
    check_flags(
        V311,
        0x80,
        0b0010,
        "00 0A 00 01 61 00",
        PacketType::Subscribe,
    );
}

#[test]
fn mqtt_3_8_1_1_v5_subscribe_flags_other_than_0010_are_malformed() {
    let e = err_hex(V5, "80 06 00 0A 00 01 61 00");
    assert!(
        matches!(
            e,
            DecodeError::InvalidFlags {
                packet_type: PacketType::Subscribe,
                flags: 0
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x81);
    check_flags(
        V5,
        0x80,
        0b0010,
        "00 0A 00 00 01 61 00",
        PacketType::Subscribe,
    );
}

// SUB-2 ----------------------------------------------------------------------------------

#[test]
fn mqtt_2_3_1_1_v311_subscribe_packet_id_0_is_refused() {
    let e = err_hex(V311, "82 06 00 00 00 01 61 00");
    assert!(
        matches!(
            e,
            DecodeError::ZeroPacketId {
                packet_type: PacketType::Subscribe
            }
        ),
        "{e:?}"
    );
}

#[test]
fn mqtt_2_2_1_3_v5_subscribe_packet_id_0_is_protocol_error() {
    let e = err_hex(V5, "82 07 00 00 00 00 01 61 00");
    assert!(
        matches!(
            e,
            DecodeError::ZeroPacketId {
                packet_type: PacketType::Subscribe
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
}

// SUB-3 ----------------------------------------------------------------------------------

#[test]
fn sub_3_v5_subscribe_subscription_identifier_0_is_protocol_error() {
    let e = err_hex(V5, "82 09 00 0A 02 0B 00 00 01 61 00");
    assert!(
        matches!(
            e,
            DecodeError::InvalidPropertyValue {
                property: PropertyId::SubscriptionIdentifier,
                value: 0
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
}

#[test]
fn sub_3_v5_subscribe_repeated_subscription_identifier_is_protocol_error() {
    let e = decode_err(V5, None, &frame(0x82, "00 0A 04 0B 01 0B 02 00 01 61 00"));
    assert!(
        matches!(
            e,
            DecodeError::DuplicateProperty {
                property: PropertyId::SubscriptionIdentifier
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
    // The encoder refuses two identifiers in a SUBSCRIBE.
    let mut s = Subscribe::new(
        pid(10),
        vec![Subscription::new(
            TopicFilter::new("a").unwrap(),
            QoS::AtMostOnce,
        )],
    );
    s.properties.subscription_identifiers = vec![1, 2];
    assert!(matches!(
        Packet::Subscribe(s).encoded_len(V5),
        Err(EncodeError::PropertyNotAllowed {
            property: PropertyId::SubscriptionIdentifier,
            ..
        })
    ));
}

#[test]
fn sub_3_v5_subscribe_other_property_is_malformed() {
    for props in ["04 1F 00 01 72", "03 23 00 01", "02 01 01", "02 7F 00"] {
        let bytes = frame(0x82, &format!("00 0A {props} 00 01 61 00"));
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
fn sub_3_v5_subscribe_allowed_properties_decode_and_encode() {
    let bytes = hex(
        "82 1E 00 0A 02 0B 01 00 03 61 2F 2B 2D 00 03 63 2F 23 12 00 0A 24 73 68 61 72 65 2F 67 2F 78 00",
    );
    let s = subscribe(decode_ok(V5, Some(Role::Server), &bytes));
    assert_eq!(s.packet_id, pid(10));
    assert_eq!(s.properties.subscription_identifiers, vec![1]);
    let subs: Vec<(&str, SubscriptionOptions)> = s
        .subscriptions
        .iter()
        .map(|x| (x.filter.as_str(), x.options))
        .collect();
    assert_eq!(
        subs,
        vec![
            (
                "a/+",
                SubscriptionOptions {
                    qos: QoS::AtLeastOnce,
                    no_local: true,
                    retain_as_published: true,
                    retain_handling: RetainHandling::DoNotSend,
                }
            ),
            (
                "c/#",
                SubscriptionOptions {
                    qos: QoS::ExactlyOnce,
                    no_local: false,
                    retain_as_published: false,
                    retain_handling: RetainHandling::SendIfNew,
                }
            ),
            ("$share/g/x", SubscriptionOptions::new(QoS::AtMostOnce)),
        ]
    );
    assert_eq!(encode(&Packet::Subscribe(s), V5).unwrap(), bytes);

    // User Properties, and the largest Subscription Identifier.
    let bytes = frame(
        0x82,
        "00 0A 0C 0B FF FF FF 7F 26 00 01 6B 00 01 76 00 01 61 00",
    );
    let s = subscribe(decode_ok(V5, None, &bytes));
    assert_eq!(s.properties.subscription_identifiers, vec![268_435_455]);
    assert_eq!(s.properties.user_properties.len(), 1);
}

// SUB-5 ----------------------------------------------------------------------------------

#[test]
fn mqtt_3_8_3_3_v311_subscribe_without_payload_is_refused() {
    let e = err_hex(V311, "82 02 00 0A");
    assert!(
        matches!(
            e,
            DecodeError::EmptyPayload {
                packet_type: PacketType::Subscribe
            }
        ),
        "{e:?}"
    );
    let s = Subscribe::new(pid(10), vec![]);
    assert!(matches!(
        Packet::Subscribe(s).encoded_len(V311),
        Err(EncodeError::EmptyPayload {
            packet_type: PacketType::Subscribe
        })
    ));
}

#[test]
fn mqtt_3_8_3_2_v5_subscribe_without_payload_is_protocol_error() {
    let e = err_hex(V5, "82 03 00 0A 00");
    assert!(
        matches!(
            e,
            DecodeError::EmptyPayload {
                packet_type: PacketType::Subscribe
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
    let s = Subscribe::new(pid(10), vec![]);
    assert!(matches!(
        Packet::Subscribe(s).encoded_len(V5),
        Err(EncodeError::EmptyPayload {
            packet_type: PacketType::Subscribe
        })
    ));
}

// SUB-6 ----------------------------------------------------------------------------------

fn filter_hex(filter: &[u8]) -> String {
    let mut s = format!("{:02X} {:02X}", filter.len() >> 8, filter.len() & 0xFF);
    for b in filter {
        s.push_str(&format!(" {b:02X}"));
    }
    s
}

fn subscribe_bytes(version: ProtocolVersion, filter: &[u8], options: u8) -> Vec<u8> {
    let props = if version.is_v5() { " 00" } else { "" };
    frame(
        0x82,
        &format!("00 0A{props} {} {options:02X}", filter_hex(filter)),
    )
}

/// A filter and the check its decode error must pass.
type BadFilter = (&'static [u8], fn(&DecodeError) -> bool);

fn check_subscribe_filter_rules(version: ProtocolVersion) {
    let bad: [BadFilter; 9] = [
        (b"a/#/b", |e| {
            matches!(
                e,
                DecodeError::InvalidTopicFilter {
                    reason: TopicError::MultiLevelWildcard
                }
            )
        }),
        (b"a#", |e| {
            matches!(
                e,
                DecodeError::InvalidTopicFilter {
                    reason: TopicError::MultiLevelWildcard
                }
            )
        }),
        (b"a/b#", |e| {
            matches!(
                e,
                DecodeError::InvalidTopicFilter {
                    reason: TopicError::MultiLevelWildcard
                }
            )
        }),
        (b"a+", |e| {
            matches!(
                e,
                DecodeError::InvalidTopicFilter {
                    reason: TopicError::SingleLevelWildcard
                }
            )
        }),
        (b"+a", |e| {
            matches!(
                e,
                DecodeError::InvalidTopicFilter {
                    reason: TopicError::SingleLevelWildcard
                }
            )
        }),
        (b"a/b+/c", |e| {
            matches!(
                e,
                DecodeError::InvalidTopicFilter {
                    reason: TopicError::SingleLevelWildcard
                }
            )
        }),
        (b"", |e| {
            matches!(
                e,
                DecodeError::InvalidTopicFilter {
                    reason: TopicError::Empty
                }
            )
        }),
        (b"\xC0\xAF", |e| {
            matches!(e, DecodeError::InvalidUtf8 { .. })
        }),
        (b"a\x00", |e| matches!(e, DecodeError::NullCharacter { .. })),
    ];
    for (filter, expected) in bad {
        let bytes = subscribe_bytes(version, filter, 0);
        let e = decode_err(version, None, &bytes);
        assert!(expected(&e), "{bytes:02X?}: {e:?}");
        if version.is_v5() {
            assert_rc(&e, 0x81);
        }
    }
    for good in [
        "#", "a/#", "/#", "+", "+/+", "a/+/b", "/+", "+/#", "a//b", "a b",
    ] {
        let s = subscribe(decode_ok(
            version,
            None,
            &subscribe_bytes(version, good.as_bytes(), 1),
        ));
        assert_eq!(s.subscriptions[0].filter.as_str(), good);
    }
    // Filters after the first are checked too.
    let props = if version.is_v5() { " 00" } else { "" };
    let bytes = frame(0x82, &format!("00 0A{props} 00 01 61 00 00 02 61 2B 00"));
    let e = decode_err(version, None, &bytes);
    assert!(matches!(e, DecodeError::InvalidTopicFilter { .. }), "{e:?}");
}

#[test]
fn mqtt_3_8_3_1_v311_subscribe_filter_must_be_valid() {
    let e = err_hex(V311, "82 0A 00 0A 00 05 61 2F 23 2F 62 00");
    assert!(
        matches!(
            e,
            DecodeError::InvalidTopicFilter {
                reason: TopicError::MultiLevelWildcard
            }
        ),
        "{e:?}"
    );
    check_subscribe_filter_rules(V311);
    // "$share/..." is an ordinary filter in 3.1.1.
    for f in ["$share/g", "$share//a", "$share/g/x"] {
        let s = subscribe(decode_ok(
            V311,
            None,
            &subscribe_bytes(V311, f.as_bytes(), 0),
        ));
        assert_eq!(s.subscriptions[0].filter.as_str(), f);
    }
}

#[test]
fn mqtt_3_8_3_1_v5_subscribe_filter_must_be_valid() {
    check_subscribe_filter_rules(V5);
    for f in [
        "$share/g",
        "$share//a",
        "$share/g/",
        "$share/g+/a",
        "$share/g/a#",
    ] {
        let bytes = subscribe_bytes(V5, f.as_bytes(), 0);
        let e = decode_err(V5, None, &bytes);
        assert!(
            matches!(e, DecodeError::InvalidTopicFilter { .. }),
            "{f}: {e:?}"
        );
        assert_rc(&e, 0x81);
    }
    let s = subscribe(decode_ok(
        V5,
        None,
        &subscribe_bytes(V5, b"$share/g/a/+", 1),
    ));
    assert_eq!(s.subscriptions[0].filter.as_str(), "$share/g/a/+");
}

// SUB-7 ----------------------------------------------------------------------------------

#[test]
fn mqtt_3_8_3_4_v311_subscribe_requested_qos_reserved_bits_are_malformed() {
    let e = err_hex(V311, "82 06 00 0A 00 01 61 04");
    assert!(
        matches!(e, DecodeError::InvalidRequestedQos { options: 0x04 }),
        "{e:?}"
    );
    for options in 0u8..=255 {
        let bytes = subscribe_bytes(V311, b"a", options);
        let result = decode(V311, &bytes);
        if options <= 2 {
            let s = subscribe(result.unwrap());
            assert_eq!(s.subscriptions[0].options.qos as u8, options);
        } else {
            let e = result.expect_err(&format!("{bytes:02X?} accepted"));
            assert!(
                matches!(e, DecodeError::InvalidRequestedQos { options: o } if o == options),
                "{bytes:02X?}: {e:?}"
            );
        }
    }
    // The encoder cannot write the 5.0-only options under 3.1.1.
    let mut sub = Subscription::new(TopicFilter::new("a").unwrap(), QoS::AtLeastOnce);
    sub.options.no_local = true;
    let s = Subscribe::new(pid(10), vec![sub]);
    assert!(matches!(
        Packet::Subscribe(s).encoded_len(V311),
        Err(EncodeError::NotRepresentable { .. })
    ));
    let s = Subscribe::new(
        pid(10),
        vec![
            Subscription::new(TopicFilter::new("a/b").unwrap(), QoS::AtLeastOnce),
            Subscription::new(TopicFilter::new("c/d").unwrap(), QoS::ExactlyOnce),
        ],
    );
    assert_eq!(
        encode(&Packet::Subscribe(s), V311).unwrap(),
        hex("82 0E 00 0A 00 03 61 2F 62 01 00 03 63 2F 64 02")
    );
}

// SUB-8 ----------------------------------------------------------------------------------

#[test]
fn sub_8_v5_subscribe_maximum_qos_3_is_protocol_error() {
    let e = err_hex(V5, "82 07 00 0A 00 00 01 61 03");
    assert!(matches!(e, DecodeError::SubscriptionQos3), "{e:?}");
    assert_rc(&e, 0x82);
    for options in [0x07u8, 0x0B, 0x0F, 0x13, 0x23] {
        let e = decode_err(V5, None, &subscribe_bytes(V5, b"a", options));
        assert!(
            matches!(e, DecodeError::SubscriptionQos3),
            "{options:#04x}: {e:?}"
        );
        assert_rc(&e, 0x82);
    }
}

// SUB-9 ----------------------------------------------------------------------------------

#[test]
fn mqtt_3_8_3_4_v5_subscribe_no_local_on_shared_filter_is_protocol_error() {
    let e = err_hex(V5, "82 10 00 0A 00 00 0A 24 73 68 61 72 65 2F 67 2F 61 04");
    assert!(
        matches!(e, DecodeError::NoLocalOnSharedSubscription),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
    // Without No Local, and No Local on an ordinary filter, are fine.
    assert!(decode(V5, &subscribe_bytes(V5, b"$share/g/a", 0x00)).is_ok());
    assert!(decode(V5, &subscribe_bytes(V5, b"a", 0x04)).is_ok());
    // The encoder refuses it.
    let mut sub = Subscription::new(TopicFilter::new("$share/g/a").unwrap(), QoS::AtMostOnce);
    sub.options.no_local = true;
    let s = Subscribe::new(pid(10), vec![sub]);
    assert!(matches!(
        Packet::Subscribe(s).encoded_len(V5),
        Err(EncodeError::NoLocalOnSharedSubscription)
    ));
}

// SUB-10 ---------------------------------------------------------------------------------

#[test]
fn sub_10_v5_subscribe_retain_handling_3_is_protocol_error() {
    let e = err_hex(V5, "82 07 00 0A 00 00 01 61 30");
    assert!(matches!(e, DecodeError::RetainHandling3), "{e:?}");
    assert_rc(&e, 0x82);
    for options in [0x31u8, 0x32, 0x34, 0x38, 0x3E] {
        let e = decode_err(V5, None, &subscribe_bytes(V5, b"a", options));
        assert!(
            matches!(e, DecodeError::RetainHandling3),
            "{options:#04x}: {e:?}"
        );
        assert_rc(&e, 0x82);
    }
}

// SUB-11 ---------------------------------------------------------------------------------

#[test]
fn mqtt_3_8_3_5_v5_subscribe_reserved_option_bits_are_malformed() {
    let e = err_hex(V5, "82 07 00 0A 00 00 01 61 40");
    assert!(
        matches!(
            e,
            DecodeError::SubscriptionOptionsReserved { options: 0x40 }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x81);
    for high in [0x40u8, 0x80, 0xC0] {
        for low in [0x00u8, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x2E] {
            let options = high | low;
            let e = decode_err(V5, None, &subscribe_bytes(V5, b"a", options));
            assert!(
                matches!(e, DecodeError::SubscriptionOptionsReserved { options: o } if o == options),
                "{options:#04x}: {e:?}"
            );
            assert_rc(&e, 0x81);
        }
    }
    // Every option byte with bits 7-6 clear and no QoS 3 / Retain Handling 3 decodes.
    for options in 0u8..0x40 {
        if options & 0x03 == 0x03 || options & 0x30 == 0x30 {
            continue;
        }
        let s = subscribe(decode_ok(V5, None, &subscribe_bytes(V5, b"a", options)));
        assert_eq!(s.subscriptions[0].options.to_byte(V5), Ok(options));
    }
}

// =======================================================================================
// §2.6 SUBACK
// =======================================================================================

// SAK-1 ----------------------------------------------------------------------------------

#[test]
fn mqtt_2_2_2_1_v311_suback_nonzero_flags_are_malformed() {
    check_flags(V311, 0x90, 0, "00 0A 00", PacketType::SubAck);
}

#[test]
fn mqtt_2_1_3_1_v5_suback_nonzero_flags_are_malformed() {
    check_flags(V5, 0x90, 0, "00 0A 00 00", PacketType::SubAck);
}

// SAK-3 ----------------------------------------------------------------------------------

#[test]
fn mqtt_3_9_3_1_v311_suback_without_codes_is_malformed() {
    let e = err_hex(V311, "90 02 00 0A");
    assert!(
        matches!(
            e,
            DecodeError::EmptyPayload {
                packet_type: PacketType::SubAck
            }
        ),
        "{e:?}"
    );
    let s = suback(decode_ok(
        V311,
        Some(Role::Client),
        &hex("90 05 00 0A 00 02 80"),
    ));
    assert_eq!(codes(&s.reason_codes), vec![0x00, 0x02, 0x80]);
    assert!(matches!(
        Packet::SubAck(SubAck::new(pid(10), vec![])).encoded_len(V311),
        Err(EncodeError::EmptyPayload {
            packet_type: PacketType::SubAck
        })
    ));
}

#[test]
fn mqtt_3_9_3_1_v5_suback_without_codes_is_malformed() {
    let e = err_hex(V5, "90 03 00 0A 00");
    assert!(
        matches!(
            e,
            DecodeError::EmptyPayload {
                packet_type: PacketType::SubAck
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x81);
    let s = suback(decode_ok(
        V5,
        Some(Role::Client),
        &hex("90 06 00 0A 00 01 02 00"),
    ));
    assert_eq!(codes(&s.reason_codes), vec![0x01, 0x02, 0x00]);
    assert!(matches!(
        Packet::SubAck(SubAck::new(pid(10), vec![])).encoded_len(V5),
        Err(EncodeError::EmptyPayload {
            packet_type: PacketType::SubAck
        })
    ));
}

// SAK-4 ----------------------------------------------------------------------------------

#[test]
fn mqtt_3_9_3_2_v311_suback_return_code_outside_table_is_refused() {
    let e = err_hex(V311, "90 03 00 0A 03");
    assert!(
        matches!(
            e,
            DecodeError::InvalidReasonCode {
                packet_type: PacketType::SubAck,
                code: 0x03
            }
        ),
        "{e:?}"
    );
    for code in 0u8..=255 {
        let bytes = frame(0x90, &format!("00 0A 00 {code:02X}"));
        let result = decode(V311, &bytes);
        if matches!(code, 0x00 | 0x01 | 0x02 | 0x80) {
            assert_eq!(
                codes(&suback(result.unwrap()).reason_codes),
                vec![0x00, code]
            );
        } else {
            let e = result.expect_err(&format!("{bytes:02X?} accepted"));
            assert!(
                matches!(e, DecodeError::InvalidReasonCode { packet_type: PacketType::SubAck, code: c } if c == code),
                "{bytes:02X?}: {e:?}"
            );
        }
    }
    // A 5.0-only code cannot be encoded under 3.1.1.
    let s = SubAck::new(pid(10), vec![ReasonCode::TopicFilterInvalid]);
    assert!(Packet::SubAck(s).encoded_len(V311).is_err());
    let s = SubAck::new(
        pid(10),
        vec![
            ReasonCode::Success,
            ReasonCode::GrantedQoS2,
            ReasonCode::UnspecifiedError,
        ],
    );
    assert_eq!(
        encode(&Packet::SubAck(s), V311).unwrap(),
        hex("90 05 00 0A 00 02 80")
    );
}

// SAK-5 ----------------------------------------------------------------------------------

const SUBACK_CODES: [u8; 12] = [
    0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2,
];

#[test]
fn mqtt_3_9_3_2_v5_suback_reason_code_outside_table_is_malformed() {
    let s = suback(ok_hex(V5, "90 04 00 0A 00 8F"));
    assert_eq!(codes(&s.reason_codes), vec![0x8F]);
    for code in 0u8..=255 {
        let bytes = frame(0x90, &format!("00 0A 00 00 {code:02X}"));
        let result = decode(V5, &bytes);
        if SUBACK_CODES.contains(&code) {
            assert_eq!(
                codes(&suback(result.unwrap()).reason_codes),
                vec![0x00, code]
            );
        } else {
            let e = result.expect_err(&format!("{bytes:02X?} accepted"));
            assert!(
                matches!(e, DecodeError::InvalidReasonCode { packet_type: PacketType::SubAck, code: c } if c == code),
                "{bytes:02X?}: {e:?}"
            );
            assert_rc(&e, 0x81);
        }
        if let Some(rc) = ReasonCode::from_u8(code) {
            let result = Packet::SubAck(SubAck::new(pid(10), vec![rc])).encoded_len(V5);
            assert_eq!(result.is_ok(), SUBACK_CODES.contains(&code), "{code:#04x}");
        }
    }
}

// SAK-6 ----------------------------------------------------------------------------------

#[test]
fn sak_6_v5_suback_other_property_is_malformed() {
    for props in ["02 01 01", "05 11 00 00 00 01", "02 0B 01", "02 7F 00"] {
        let bytes = frame(0x90, &format!("00 0A {props} 00"));
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
fn sak_6_v5_suback_repeated_reason_string_is_protocol_error() {
    let e = decode_err(
        V5,
        None,
        &frame(0x90, "00 0A 08 1F 00 01 61 1F 00 01 62 00"),
    );
    assert!(
        matches!(
            e,
            DecodeError::DuplicateProperty {
                property: PropertyId::ReasonString
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
}

#[test]
fn sak_6_v5_suback_property_length_is_always_present() {
    // The 3.1.1 layout under 5.0: the code byte is read as a Property Length.
    let e = err_hex(V5, "90 03 00 0A 01");
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    assert_rc(&e, 0x81);
    let s = suback(decode_ok(
        V5,
        None,
        &frame(
            0x90,
            "00 0A 13 1F 00 02 6E 6F 26 00 01 6B 00 01 31 26 00 01 6B 00 01 32 80",
        ),
    ));
    assert_eq!(
        s.properties.reason_string.as_ref().map(|s| s.as_str()),
        Some("no")
    );
    assert_eq!(s.properties.user_properties.len(), 2);
    assert_eq!(codes(&s.reason_codes), vec![0x80]);
    // The encoder always writes the Property Length.
    let s = SubAck::new(pid(10), vec![ReasonCode::TopicFilterInvalid]);
    assert_eq!(
        encode(&Packet::SubAck(s), V5).unwrap(),
        hex("90 04 00 0A 00 8F")
    );
}

// SAK-7 ----------------------------------------------------------------------------------

#[test]
fn mqtt_3_9_2_1_v5_suback_fit_to_size_drops_reason_string_then_user_properties() {
    let s = SubAck::new(
        pid(10),
        vec![ReasonCode::GrantedQoS1, ReasonCode::NotAuthorized],
    );
    assert_fit_to_size_drops_reason_string_then_user_properties(
        with_reason_string_and_user_properties(Packet::SubAck(s)),
    );
}

// =======================================================================================
// §2.7 UNSUBSCRIBE
// =======================================================================================

// UNS-1 ----------------------------------------------------------------------------------

#[test]
fn mqtt_3_10_1_1_v311_unsubscribe_flags_other_than_0010_are_malformed() {
    let e = err_hex(V311, "A0 05 00 0A 00 01 61");
    assert!(
        matches!(
            e,
            DecodeError::InvalidFlags {
                packet_type: PacketType::Unsubscribe,
                flags: 0
            }
        ),
        "{e:?}"
    );
    check_flags(
        V311,
        0xA0,
        0b0010,
        "00 0A 00 01 61",
        PacketType::Unsubscribe,
    );
}

#[test]
fn mqtt_3_10_1_1_v5_unsubscribe_flags_other_than_0010_are_malformed() {
    let e = err_hex(V5, "A0 05 00 0A 00 01 61");
    assert!(
        matches!(
            e,
            DecodeError::InvalidFlags {
                packet_type: PacketType::Unsubscribe,
                flags: 0
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x81);
    check_flags(
        V5,
        0xA0,
        0b0010,
        "00 0A 00 00 01 61",
        PacketType::Unsubscribe,
    );
}

// UNS-2 ----------------------------------------------------------------------------------

#[test]
fn mqtt_2_3_1_1_v311_unsubscribe_packet_id_0_is_refused() {
    let e = err_hex(V311, "A2 05 00 00 00 01 61");
    assert!(
        matches!(
            e,
            DecodeError::ZeroPacketId {
                packet_type: PacketType::Unsubscribe
            }
        ),
        "{e:?}"
    );
}

#[test]
fn mqtt_2_2_1_3_v5_unsubscribe_packet_id_0_is_protocol_error() {
    let e = err_hex(V5, "A2 06 00 00 00 00 01 61");
    assert!(
        matches!(
            e,
            DecodeError::ZeroPacketId {
                packet_type: PacketType::Unsubscribe
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
}

// UNS-3 ----------------------------------------------------------------------------------

#[test]
fn uns_3_v5_unsubscribe_other_property_is_malformed() {
    for props in ["02 0B 01", "04 1F 00 01 72", "02 01 01", "02 7F 00"] {
        let bytes = frame(0xA2, &format!("00 0A {props} 00 01 61"));
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
fn uns_3_v5_unsubscribe_user_property_decodes_and_property_length_is_present() {
    let bytes = frame(0xA2, "00 0A 07 26 00 01 6B 00 01 76 00 01 61");
    let u = unsubscribe(decode_ok(V5, Some(Role::Server), &bytes));
    assert_eq!(u.properties.user_properties.len(), 1);
    assert_eq!(u.filters[0].as_str(), "a");
    assert_eq!(encode(&Packet::Unsubscribe(u), V5).unwrap(), bytes);
    // The 3.1.1 layout under 5.0 has no Property Length and fails to parse.
    let e = err_hex(V5, "A2 05 00 0A 00 01 61");
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    assert_rc(&e, 0x81);
}

// UNS-4 ----------------------------------------------------------------------------------

fn check_unsubscribe_filters(version: ProtocolVersion, good: &str) {
    let u = unsubscribe(decode_ok(version, None, &hex(good)));
    assert_eq!(u.packet_id, pid(10));
    let filters: Vec<&str> = u.filters.iter().map(|f| f.as_str()).collect();
    let expected: &[&str] = if version.is_v5() {
        &["a/b"]
    } else {
        &["a/b", "c/d"]
    };
    assert_eq!(filters, expected);
    let again = Unsubscribe::new(
        pid(10),
        expected.iter().map(|f| MqttStr::new(f).unwrap()).collect(),
    );
    assert_eq!(
        encode(&Packet::Unsubscribe(again), version).unwrap(),
        hex(good)
    );

    let props = if version.is_v5() { " 00" } else { "" };
    // An options byte after the filter is read as the start of another string.
    let e = decode_err(
        version,
        None,
        &frame(0xA2, &format!("00 0A{props} 00 01 61 01")),
    );
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    let e = decode_err(
        version,
        None,
        &frame(0xA2, &format!("00 0A{props} 00 02 C0 AF")),
    );
    assert!(matches!(e, DecodeError::InvalidUtf8 { .. }), "{e:?}");
    let e = decode_err(
        version,
        None,
        &frame(0xA2, &format!("00 0A{props} 00 02 61 00")),
    );
    assert!(matches!(e, DecodeError::NullCharacter { .. }), "{e:?}");
    let e = decode_err(
        version,
        None,
        &frame(0xA2, &format!("00 0A{props} 00 05 61")),
    );
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    if version.is_v5() {
        assert_rc(&e, 0x81);
    }
}

#[test]
fn mqtt_3_10_3_1_v311_unsubscribe_filters_are_packed_utf8_strings() {
    check_unsubscribe_filters(V311, "A2 0C 00 0A 00 03 61 2F 62 00 03 63 2F 64");
}

#[test]
fn mqtt_3_10_3_1_v5_unsubscribe_filters_are_packed_utf8_strings() {
    check_unsubscribe_filters(V5, "A2 08 00 0A 00 00 03 61 2F 62");
}

// UNS-5 ----------------------------------------------------------------------------------

#[test]
fn mqtt_3_10_3_2_v311_unsubscribe_without_filters_is_refused() {
    let e = err_hex(V311, "A2 02 00 0A");
    assert!(
        matches!(
            e,
            DecodeError::EmptyPayload {
                packet_type: PacketType::Unsubscribe
            }
        ),
        "{e:?}"
    );
    assert!(matches!(
        Packet::Unsubscribe(Unsubscribe::new(pid(10), vec![])).encoded_len(V311),
        Err(EncodeError::EmptyPayload {
            packet_type: PacketType::Unsubscribe
        })
    ));
}

#[test]
fn mqtt_3_10_3_2_v5_unsubscribe_without_filters_is_protocol_error() {
    let e = err_hex(V5, "A2 03 00 0A 00");
    assert!(
        matches!(
            e,
            DecodeError::EmptyPayload {
                packet_type: PacketType::Unsubscribe
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
    assert!(matches!(
        Packet::Unsubscribe(Unsubscribe::new(pid(10), vec![])).encoded_len(V5),
        Err(EncodeError::EmptyPayload {
            packet_type: PacketType::Unsubscribe
        })
    ));
}

// UNS-6 ----------------------------------------------------------------------------------

fn check_unsubscribe_lenient(version: ProtocolVersion) {
    let props = if version.is_v5() { " 00" } else { "" };
    for filter in ["a#b", "a/#/b", "+a", "a/b+/c", "$share/g"] {
        let bytes = frame(
            0xA2,
            &format!("00 0A{props} {}", filter_hex(filter.as_bytes())),
        );
        let u = unsubscribe(decode_ok(version, Some(Role::Server), &bytes));
        assert_eq!(u.filters[0].as_str(), filter);
    }
}

#[test]
fn uns_6_v311_unsubscribe_invalid_filter_is_accepted_leniently() {
    check_unsubscribe_lenient(V311);
}

#[test]
fn uns_6_v5_unsubscribe_invalid_filter_is_accepted_leniently() {
    check_unsubscribe_lenient(V5);
    // The server may answer such a filter with UNSUBACK 0x8F.
    let a = UnsubAck::new(pid(10), vec![ReasonCode::TopicFilterInvalid]);
    assert_eq!(
        encode(&Packet::UnsubAck(a), V5).unwrap(),
        hex("B0 04 00 0A 00 8F")
    );
}

// =======================================================================================
// §2.8 UNSUBACK
// =======================================================================================

// UAK-1 ----------------------------------------------------------------------------------

#[test]
fn mqtt_2_2_2_1_v311_unsuback_nonzero_flags_are_malformed() {
    check_flags(V311, 0xB0, 0, "00 0A", PacketType::UnsubAck);
}

#[test]
fn mqtt_2_1_3_1_v5_unsuback_nonzero_flags_are_malformed() {
    check_flags(V5, 0xB0, 0, "00 0A 00 00", PacketType::UnsubAck);
}

// UAK-2 ----------------------------------------------------------------------------------

#[test]
fn uak_2_v311_unsuback_rl_other_than_2_is_malformed() {
    for body in ["", "00", "00 0A 00", "00 0A 00 00"] {
        let bytes = frame(0xB0, body);
        let e = decode_err(V311, None, &bytes);
        assert!(
            matches!(e, DecodeError::InvalidRemainingLength { packet_type: PacketType::UnsubAck, length } if length == bytes.len() - 2),
            "{bytes:02X?}: {e:?}"
        );
    }
    let a = unsuback(decode_ok(V311, Some(Role::Client), &hex("B0 02 00 0A")));
    assert_eq!(a.packet_id, pid(10));
    assert!(a.reason_codes.is_empty());
    assert_eq!(
        encode(&Packet::UnsubAck(UnsubAck::new(pid(10), vec![])), V311).unwrap(),
        hex("B0 02 00 0A")
    );
}

#[test]
fn uak_2_v5_unsuback_without_codes_is_malformed() {
    let e = err_hex(V5, "B0 03 00 0A 00");
    assert!(
        matches!(
            e,
            DecodeError::EmptyPayload {
                packet_type: PacketType::UnsubAck
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x81);
    let e = err_hex(V5, "B0 02 00 0A");
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    assert_rc(&e, 0x81);
    let a = unsuback(decode_ok(
        V5,
        Some(Role::Client),
        &hex("B0 05 00 0A 00 00 11"),
    ));
    assert_eq!(codes(&a.reason_codes), vec![0x00, 0x11]);
    assert!(matches!(
        Packet::UnsubAck(UnsubAck::new(pid(10), vec![])).encoded_len(V5),
        Err(EncodeError::EmptyPayload {
            packet_type: PacketType::UnsubAck
        })
    ));
    let a = UnsubAck::new(
        pid(10),
        vec![ReasonCode::Success, ReasonCode::NoSubscriptionExisted],
    );
    assert_eq!(
        encode(&Packet::UnsubAck(a), V5).unwrap(),
        hex("B0 05 00 0A 00 00 11")
    );
}

// UAK-5 ----------------------------------------------------------------------------------

const UNSUBACK_CODES: [u8; 7] = [0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91];

#[test]
fn mqtt_3_11_3_2_v5_unsuback_reason_code_outside_table_is_malformed() {
    for code in 0u8..=255 {
        let bytes = frame(0xB0, &format!("00 0A 00 11 {code:02X}"));
        let result = decode(V5, &bytes);
        if UNSUBACK_CODES.contains(&code) {
            assert_eq!(
                codes(&unsuback(result.unwrap()).reason_codes),
                vec![0x11, code]
            );
        } else {
            let e = result.expect_err(&format!("{bytes:02X?} accepted"));
            assert!(
                matches!(e, DecodeError::InvalidReasonCode { packet_type: PacketType::UnsubAck, code: c } if c == code),
                "{bytes:02X?}: {e:?}"
            );
            assert_rc(&e, 0x81);
        }
        if let Some(rc) = ReasonCode::from_u8(code) {
            let result = Packet::UnsubAck(UnsubAck::new(pid(10), vec![rc])).encoded_len(V5);
            assert_eq!(
                result.is_ok(),
                UNSUBACK_CODES.contains(&code),
                "{code:#04x}"
            );
        }
    }
}

// UAK-6 ----------------------------------------------------------------------------------

#[test]
fn uak_6_v5_unsuback_other_property_is_malformed() {
    for props in ["02 01 01", "05 11 00 00 00 01", "02 0B 01", "02 7F 00"] {
        let bytes = frame(0xB0, &format!("00 0A {props} 00"));
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
fn uak_6_v5_unsuback_repeated_reason_string_is_protocol_error() {
    let e = decode_err(
        V5,
        None,
        &frame(0xB0, "00 0A 08 1F 00 01 61 1F 00 01 62 00"),
    );
    assert!(
        matches!(
            e,
            DecodeError::DuplicateProperty {
                property: PropertyId::ReasonString
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
    let a = unsuback(decode_ok(
        V5,
        None,
        &frame(0xB0, "00 0A 0C 1F 00 02 6E 6F 26 00 01 6B 00 01 76 11"),
    ));
    assert_eq!(
        a.properties.reason_string.as_ref().map(|s| s.as_str()),
        Some("no")
    );
    assert_eq!(a.properties.user_properties.len(), 1);
}

// UAK-7 ----------------------------------------------------------------------------------

#[test]
fn mqtt_3_11_2_1_v5_unsuback_fit_to_size_drops_reason_string_then_user_properties() {
    let a = UnsubAck::new(
        pid(10),
        vec![ReasonCode::Success, ReasonCode::NoSubscriptionExisted],
    );
    assert_fit_to_size_drops_reason_string_then_user_properties(
        with_reason_string_and_user_properties(Packet::UnsubAck(a)),
    );
}
