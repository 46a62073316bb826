//! Conformance tests for checklist §2.3 (PUBLISH, rows PUB-1 … PUB-23) and §2.4 (PUBACK,
//! PUBREC, PUBREL, PUBCOMP, rows ACK-1 … ACK-11). Each test is named after the statement ID
//! (or the row, for unnumbered rules) and the version; conformance/part2.md maps the rows.

mod support_packets;

use mqtt_codec::{
    DecodeError, EncodeError, Packet, PacketId, PacketType, PropertyId, PubResponse, Publish, QoS,
    ReasonCode, Role, TopicError, TopicName,
};
use support_packets::*;

fn pid(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

fn publish(p: Packet) -> Publish {
    match p {
        Packet::Publish(p) => p,
        other => panic!("not a PUBLISH: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// PUB-1: QoS 3
// ---------------------------------------------------------------------------------------

#[test]
fn mqtt_3_3_1_4_v311_publish_qos_3_is_malformed() {
    let e = err_hex(V311, "36 08 00 03 61 2F 62 00 01 78");
    assert!(matches!(e, DecodeError::PublishQos3), "{e:?}");
    for first in [0x37u8, 0x3E, 0x3F] {
        let e = decode_err(V311, None, &frame(first, "00 03 61 2F 62 00 01 78"));
        assert!(matches!(e, DecodeError::PublishQos3), "{first:#04x}: {e:?}");
    }
}

#[test]
fn mqtt_3_3_1_4_v5_publish_qos_3_is_malformed() {
    for first in [0x36u8, 0x37, 0x3E, 0x3F] {
        let e = decode_err(V5, None, &frame(first, "00 03 61 2F 62 00 01 00 78"));
        assert!(matches!(e, DecodeError::PublishQos3), "{first:#04x}: {e:?}");
        assert_rc(&e, 0x81);
    }
}

// ---------------------------------------------------------------------------------------
// PUB-2: DUP with QoS 0
// ---------------------------------------------------------------------------------------

#[test]
fn mqtt_3_3_1_2_v311_publish_dup_with_qos_0_is_malformed() {
    for first in [0x38u8, 0x39] {
        let e = decode_err(V311, None, &frame(first, "00 03 61 2F 62 78"));
        assert!(matches!(e, DecodeError::DupWithQos0), "{first:#04x}: {e:?}");
    }
}

#[test]
fn mqtt_3_3_1_2_v5_publish_dup_with_qos_0_is_malformed() {
    for first in [0x38u8, 0x39] {
        let e = decode_err(V5, None, &frame(first, "00 03 61 2F 62 00 78"));
        assert!(matches!(e, DecodeError::DupWithQos0), "{first:#04x}: {e:?}");
        assert_rc(&e, 0x81);
    }
}

// ---------------------------------------------------------------------------------------
// PUB-3: DUP is carried as set; never at QoS 0 (enc)
// ---------------------------------------------------------------------------------------

fn check_dup_flag_is_carried(version: mqtt_codec::ProtocolVersion) {
    let topic = TopicName::new("a/b").unwrap();
    let mut p = Publish::with_qos(topic.clone(), "x", QoS::AtLeastOnce, pid(10));
    p.dup = true;
    let bytes = encode(&Packet::Publish(p.clone()), version).unwrap();
    assert_eq!(bytes[0], 0x3A);
    let back = publish(decode_ok(version, None, &bytes));
    assert!(back.dup);
    assert_eq!(back.qos, QoS::AtLeastOnce);

    let mut p2 = Publish::with_qos(topic.clone(), "x", QoS::ExactlyOnce, pid(10));
    p2.dup = true;
    p2.retain = true;
    assert_eq!(encode(&Packet::Publish(p2), version).unwrap()[0], 0x3D);

    // A first transmission has DUP 0.
    let fresh = Publish::with_qos(topic.clone(), "x", QoS::AtLeastOnce, pid(10));
    assert_eq!(encode(&Packet::Publish(fresh), version).unwrap()[0], 0x32);

    // DUP at QoS 0 is refused by the encoder.
    let mut q0 = Publish::new(topic, "x");
    q0.dup = true;
    assert!(matches!(
        Packet::Publish(q0).encoded_len(version),
        Err(EncodeError::DupWithQos0)
    ));
}

#[test]
fn mqtt_3_3_1_1_v311_dup_flag_is_carried_and_refused_at_qos_0() {
    check_dup_flag_is_carried(V311);
}

#[test]
fn mqtt_3_3_1_1_v5_dup_flag_is_carried_and_refused_at_qos_0() {
    check_dup_flag_is_carried(V5);
}

// ---------------------------------------------------------------------------------------
// PUB-4: the Topic Name comes first and is a UTF-8 string
// ---------------------------------------------------------------------------------------

#[test]
fn mqtt_3_3_2_1_v311_publish_topic_is_a_utf8_string() {
    let p = publish(ok_hex(V311, "31 07 00 03 61 2F 62 68 69"));
    assert_eq!(p.topic.as_str(), "a/b");
    assert!(p.retain);
    assert_eq!(&p.payload[..], b"hi");

    let e = err_hex(V311, "30 05 00 02 C0 AF 78");
    assert!(matches!(e, DecodeError::InvalidUtf8 { .. }), "{e:?}");
    let e = err_hex(V311, "30 06 00 03 ED A0 80 78");
    assert!(matches!(e, DecodeError::InvalidUtf8 { .. }), "{e:?}");
    let e = err_hex(V311, "30 06 00 03 61 00 62 78");
    assert!(matches!(e, DecodeError::NullCharacter { .. }), "{e:?}");
    // The topic length runs past the end of the packet.
    let e = err_hex(V311, "30 03 00 05 61");
    assert!(
        matches!(
            e,
            DecodeError::UnexpectedEnd {
                packet_type: PacketType::Publish,
                ..
            }
        ),
        "{e:?}"
    );
    // A single byte cannot hold the two-byte length.
    let e = err_hex(V311, "30 01 00");
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
}

#[test]
fn mqtt_3_3_2_1_v5_publish_topic_is_a_utf8_string() {
    let p = publish(ok_hex(V5, "30 08 00 03 61 2F 62 00 68 69"));
    assert_eq!(p.topic.as_str(), "a/b");
    assert_eq!(&p.payload[..], b"hi");

    let e = decode_err(V5, None, &frame(0x30, "00 02 C0 AF 00 78"));
    assert!(matches!(e, DecodeError::InvalidUtf8 { .. }), "{e:?}");
    assert_rc(&e, 0x81);
    let e = decode_err(V5, None, &frame(0x30, "00 03 ED A0 80 00 78"));
    assert!(matches!(e, DecodeError::InvalidUtf8 { .. }), "{e:?}");
    assert_rc(&e, 0x81);
    let e = decode_err(V5, None, &frame(0x30, "00 03 61 00 62 00 78"));
    assert!(matches!(e, DecodeError::NullCharacter { .. }), "{e:?}");
    assert_rc(&e, 0x81);
    let e = err_hex(V5, "30 03 00 05 61");
    assert!(
        matches!(
            e,
            DecodeError::UnexpectedEnd {
                packet_type: PacketType::Publish,
                ..
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x81);
}

// ---------------------------------------------------------------------------------------
// PUB-5: no wildcards in the Topic Name
// ---------------------------------------------------------------------------------------

#[test]
fn mqtt_3_3_2_2_v311_publish_topic_with_wildcard_is_refused() {
    let e = err_hex(V311, "30 06 00 03 61 2F 2B 78");
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
    let e = err_hex(V311, "30 06 00 03 61 2F 23 78");
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
}

#[test]
fn mqtt_3_3_2_2_v5_publish_topic_with_wildcard_is_malformed() {
    for topic in ["61 2F 2B", "61 2F 23"] {
        let e = decode_err(V5, None, &frame(0x30, &format!("00 03 {topic} 00 78")));
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
        assert_rc(&e, 0x81);
    }
}

#[test]
fn mqtt_3_3_2_2_v5_encoder_refuses_topic_with_wildcard() {
    // TopicName::new refuses wildcards, so a wildcard topic cannot even be built.
    assert_eq!(
        TopicName::new("a/+").unwrap_err(),
        TopicError::WildcardInName
    );
    assert_eq!(TopicName::new("#").unwrap_err(), TopicError::WildcardInName);
}

// ---------------------------------------------------------------------------------------
// PUB-6: 3.1.1 Topic Name at least one character
// ---------------------------------------------------------------------------------------

#[test]
fn mqtt_4_7_3_1_v311_publish_empty_topic_is_refused() {
    let e = err_hex(V311, "30 03 00 00 78");
    assert!(
        matches!(
            e,
            DecodeError::InvalidTopicName {
                reason: TopicError::Empty,
                ..
            }
        ),
        "{e:?}"
    );
    // The encoder refuses an empty 3.1.1 topic too (no Topic Alias exists in 3.1.1).
    let p = Publish::new(TopicName::empty_for_alias(), "x");
    assert!(matches!(
        Packet::Publish(p).encoded_len(V311),
        Err(EncodeError::EmptyTopic)
    ));
}

// ---------------------------------------------------------------------------------------
// PUB-7: Packet Identifier present exactly when QoS > 0, and non-zero
// ---------------------------------------------------------------------------------------

#[test]
fn mqtt_2_3_1_1_v311_publish_packet_id_0_is_refused() {
    let e = err_hex(V311, "32 06 00 01 61 00 00 78");
    assert!(
        matches!(
            e,
            DecodeError::ZeroPacketId {
                packet_type: PacketType::Publish
            }
        ),
        "{e:?}"
    );
    let e = err_hex(V311, "34 06 00 01 61 00 00 78");
    assert!(
        matches!(
            e,
            DecodeError::ZeroPacketId {
                packet_type: PacketType::Publish
            }
        ),
        "{e:?}"
    );
}

#[test]
fn mqtt_2_3_1_5_v311_publish_packet_id_only_when_qos_above_0() {
    // QoS 0: the bytes after the topic are payload.
    let p = publish(ok_hex(V311, "31 07 00 03 61 2F 62 68 69"));
    assert_eq!(p.packet_id, None);
    assert_eq!(&p.payload[..], b"hi");
    // QoS 1: the identifier follows the topic.
    let p = publish(ok_hex(V311, "32 0C 00 03 61 2F 62 00 0A 68 65 6C 6C 6F"));
    assert_eq!(p.packet_id, Some(pid(10)));
    assert_eq!(&p.payload[..], b"hello");
    // QoS 1 without room for the identifier.
    let e = err_hex(V311, "32 05 00 03 61 2F 62");
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    let e = err_hex(V311, "32 06 00 03 61 2F 62 00");
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");

    // The encoder refuses an identifier at QoS 0 and a missing one at QoS 1 and 2.
    let topic = TopicName::new("a/b").unwrap();
    let mut p = Publish::new(topic.clone(), "x");
    p.packet_id = Some(pid(1));
    assert!(matches!(
        Packet::Publish(p).encoded_len(V311),
        Err(EncodeError::UnexpectedPacketId)
    ));
    for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
        let mut p = Publish::new(topic.clone(), "x");
        p.qos = qos;
        assert!(matches!(
            Packet::Publish(p).encoded_len(V311),
            Err(EncodeError::MissingPacketId(q)) if q == qos
        ));
    }
    let p = Publish::with_qos(topic, "hello", QoS::AtLeastOnce, pid(10));
    assert_eq!(
        encode(&Packet::Publish(p), V311).unwrap(),
        hex("32 0C 00 03 61 2F 62 00 0A 68 65 6C 6C 6F")
    );
}

#[test]
fn mqtt_2_2_1_3_v5_publish_packet_id_0_is_protocol_error() {
    for first in [0x32u8, 0x34] {
        let e = decode_err(V5, None, &frame(first, "00 01 61 00 00 00 78"));
        assert!(
            matches!(
                e,
                DecodeError::ZeroPacketId {
                    packet_type: PacketType::Publish
                }
            ),
            "{e:?}"
        );
        assert_rc(&e, 0x82);
    }
    // Also from the server side ([MQTT-2.2.1-4]).
    let e = decode_err(V5, Some(Role::Client), &frame(0x32, "00 01 61 00 00 00 78"));
    assert!(matches!(e, DecodeError::ZeroPacketId { .. }), "{e:?}");
    assert_rc(&e, 0x82);
}

#[test]
fn mqtt_2_2_1_2_v5_publish_packet_id_only_when_qos_above_0() {
    let p = publish(ok_hex(V5, "30 08 00 03 61 2F 62 00 68 69"));
    assert_eq!(p.packet_id, None);
    assert_eq!(&p.payload[..], b"hi");
    let p = publish(decode_ok(
        V5,
        None,
        &frame(0x32, "00 03 61 2F 62 00 0A 00 68 69"),
    ));
    assert_eq!(p.packet_id, Some(pid(10)));
    assert_eq!(&p.payload[..], b"hi");
    let e = err_hex(V5, "32 06 00 03 61 2F 62 00");
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    assert_rc(&e, 0x81);

    let topic = TopicName::new("a/b").unwrap();
    let mut p = Publish::new(topic.clone(), "x");
    p.packet_id = Some(pid(1));
    assert!(matches!(
        Packet::Publish(p).encoded_len(V5),
        Err(EncodeError::UnexpectedPacketId)
    ));
    let mut p = Publish::new(topic, "x");
    p.qos = QoS::AtLeastOnce;
    assert!(matches!(
        Packet::Publish(p).encoded_len(V5),
        Err(EncodeError::MissingPacketId(QoS::AtLeastOnce))
    ));
}

// ---------------------------------------------------------------------------------------
// PUB-8: 5.0 empty Topic Name only with a Topic Alias
// ---------------------------------------------------------------------------------------

#[test]
fn pub_8_v5_publish_empty_topic_without_alias_is_protocol_error() {
    let e = err_hex(V5, "30 04 00 00 00 78");
    assert!(matches!(e, DecodeError::EmptyTopicWithoutAlias), "{e:?}");
    assert_rc(&e, 0x82);
    // Other properties do not stand in for the alias.
    let e = decode_err(V5, None, &frame(0x30, "00 00 02 01 01 78"));
    assert!(matches!(e, DecodeError::EmptyTopicWithoutAlias), "{e:?}");
    assert_rc(&e, 0x82);
    // The encoder refuses it as well.
    let p = Publish::new(TopicName::empty_for_alias(), "x");
    assert!(matches!(
        Packet::Publish(p).encoded_len(V5),
        Err(EncodeError::EmptyTopic)
    ));
}

#[test]
fn pub_8_v5_publish_empty_topic_with_alias_decodes_and_encodes() {
    let bytes = hex("32 09 00 00 00 0B 03 23 00 01 78");
    let p = publish(decode_ok(V5, None, &bytes));
    assert!(p.topic.is_empty());
    assert_eq!(p.packet_id, Some(pid(11)));
    assert_eq!(p.properties.topic_alias, Some(1));
    assert_eq!(&p.payload[..], b"x");

    let mut q = Publish::with_qos(TopicName::empty_for_alias(), "x", QoS::AtLeastOnce, pid(11));
    q.properties.topic_alias = Some(1);
    assert_eq!(encode(&Packet::Publish(q), V5).unwrap(), bytes);
}

// ---------------------------------------------------------------------------------------
// PUB-9: allowed PUBLISH properties
// ---------------------------------------------------------------------------------------

#[test]
fn pub_9_v5_publish_disallowed_property_is_malformed() {
    let e = err_hex(V5, "30 0A 00 01 61 05 11 00 00 00 01 78");
    assert!(
        matches!(
            e,
            DecodeError::PropertyNotAllowed {
                property: PropertyId::SessionExpiryInterval,
                ..
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x81);
    // Reason String (0x1F) and Receive Maximum (0x21) exist but not in PUBLISH.
    for props in ["04 1F 00 01 72", "03 21 00 05"] {
        let e = decode_err(V5, None, &frame(0x30, &format!("00 01 61 {props} 78")));
        assert!(matches!(e, DecodeError::PropertyNotAllowed { .. }), "{e:?}");
        assert_rc(&e, 0x81);
    }
}

#[test]
fn pub_9_v5_publish_unknown_property_is_malformed() {
    for id in ["00", "04", "7F"] {
        let e = decode_err(V5, None, &frame(0x30, &format!("00 01 61 02 {id} 00 78")));
        assert!(
            matches!(e, DecodeError::UnknownProperty { .. }),
            "{id}: {e:?}"
        );
        assert_rc(&e, 0x81);
    }
}

#[test]
fn pub_9_v5_publish_allowed_properties_decode() {
    let p = publish(ok_hex(
        V5,
        "32 28 00 03 61 2F 62 00 0A 1B 01 01 02 00 00 00 3C 03 00 0A 74 65 78 74 2F 70 6C 61 69 6E 26 00 01 6B 00 01 76 68 65 6C 6C 6F",
    ));
    assert_eq!(p.packet_id, Some(pid(10)));
    assert_eq!(p.properties.payload_format_indicator, Some(1));
    assert_eq!(p.properties.message_expiry_interval, Some(60));
    assert_eq!(
        p.properties.content_type.as_ref().map(|s| s.as_str()),
        Some("text/plain")
    );
    assert_eq!(p.properties.user_properties.len(), 1);
    assert_eq!(&p.payload[..], b"hello");

    // Topic Alias, Response Topic, Correlation Data, Subscription Identifier (server→client).
    let bytes = frame(
        0x30,
        "00 03 61 2F 62 10 23 00 05 08 00 03 72 2F 74 09 00 02 01 02 0B 07 78",
    );
    let p = publish(decode_ok(V5, Some(Role::Client), &bytes));
    assert_eq!(p.properties.topic_alias, Some(5));
    assert_eq!(
        p.properties.response_topic.as_ref().map(|t| t.as_str()),
        Some("r/t")
    );
    assert_eq!(
        p.properties.correlation_data.as_deref(),
        Some(&[1u8, 2][..])
    );
    assert_eq!(p.properties.subscription_identifiers, vec![7]);
    assert_eq!(&p.payload[..], b"x");
    // It encodes back (properties in any order, PR-6) to a packet that decodes the same.
    let again = encode(&Packet::Publish(p.clone()), V5).unwrap();
    assert_eq!(again.len(), bytes.len());
    assert_eq!(publish(decode_ok(V5, Some(Role::Client), &again)), p);
}

// ---------------------------------------------------------------------------------------
// PUB-10: Payload Format Indicator
// ---------------------------------------------------------------------------------------

#[test]
fn pub_10_v5_publish_duplicate_payload_format_indicator_is_protocol_error() {
    let e = err_hex(V5, "30 09 00 01 61 04 01 00 01 01 78");
    assert!(
        matches!(
            e,
            DecodeError::DuplicateProperty {
                property: PropertyId::PayloadFormatIndicator
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
}

#[test]
fn pub_10_v5_publish_payload_format_indicator_2_is_protocol_error() {
    let e = decode_err(V5, None, &frame(0x30, "00 01 61 02 01 02 78"));
    assert!(
        matches!(
            e,
            DecodeError::InvalidPropertyValue {
                property: PropertyId::PayloadFormatIndicator,
                value: 2
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
    for v in [0u8, 1] {
        let p = publish(decode_ok(
            V5,
            None,
            &frame(0x30, &format!("00 01 61 02 01 {v:02X} 78")),
        ));
        assert_eq!(p.properties.payload_format_indicator, Some(v));
    }
}

// ---------------------------------------------------------------------------------------
// PUB-11: PFI = 1 payload check is optional; the codec passes the payload through
// ---------------------------------------------------------------------------------------

#[test]
fn pub_11_v5_publish_pfi_1_payload_is_passed_through_unchecked() {
    let p = publish(decode_ok(
        V5,
        None,
        &frame(0x30, "00 01 61 02 01 01 FF FE 00"),
    ));
    assert_eq!(p.properties.payload_format_indicator, Some(1));
    assert_eq!(&p.payload[..], &[0xFF, 0xFE, 0x00]);
}

// ---------------------------------------------------------------------------------------
// PUB-12: Message Expiry Interval at most once
// ---------------------------------------------------------------------------------------

#[test]
fn pub_12_v5_publish_duplicate_message_expiry_interval_is_protocol_error() {
    let e = decode_err(
        V5,
        None,
        &frame(0x30, "00 01 61 0A 02 00 00 00 3C 02 00 00 00 3C 78"),
    );
    assert!(
        matches!(
            e,
            DecodeError::DuplicateProperty {
                property: PropertyId::MessageExpiryInterval
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
    // A truncated Four Byte Integer is malformed.
    let e = decode_err(V5, None, &frame(0x30, "00 01 61 03 02 00 00"));
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    assert_rc(&e, 0x81);
}

// ---------------------------------------------------------------------------------------
// PUB-13: Topic Alias
// ---------------------------------------------------------------------------------------

#[test]
fn mqtt_3_3_2_8_v5_publish_topic_alias_0_is_topic_alias_invalid() {
    let e = err_hex(V5, "30 08 00 01 61 03 23 00 00 78");
    assert!(
        matches!(
            e,
            DecodeError::InvalidPropertyValue {
                property: PropertyId::TopicAlias,
                value: 0
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x94);
    // Also for the alias-only form.
    let e = decode_err(V5, None, &frame(0x30, "00 00 03 23 00 00 78"));
    assert!(
        matches!(e, DecodeError::InvalidPropertyValue { .. }),
        "{e:?}"
    );
    assert_rc(&e, 0x94);
    // The encoder refuses alias 0.
    let mut p = Publish::new(TopicName::new("a").unwrap(), "x");
    p.properties.topic_alias = Some(0);
    assert!(matches!(
        Packet::Publish(p).encoded_len(V5),
        Err(EncodeError::InvalidPropertyValue {
            property: PropertyId::TopicAlias,
            value: 0
        })
    ));
}

#[test]
fn mqtt_3_3_2_8_v5_publish_repeated_topic_alias_is_protocol_error() {
    let e = decode_err(V5, None, &frame(0x30, "00 01 61 06 23 00 01 23 00 02 78"));
    assert!(
        matches!(
            e,
            DecodeError::DuplicateProperty {
                property: PropertyId::TopicAlias
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
}

// ---------------------------------------------------------------------------------------
// PUB-15: Response Topic
// ---------------------------------------------------------------------------------------

#[test]
fn mqtt_3_3_2_14_v5_publish_response_topic_with_wildcard_is_malformed() {
    for topic in ["72 2F 2B", "72 2F 23"] {
        let e = decode_err(
            V5,
            None,
            &frame(0x30, &format!("00 01 61 06 08 00 03 {topic} 78")),
        );
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
        assert_rc(&e, 0x81);
    }
}

#[test]
fn mqtt_3_3_2_13_v5_publish_response_topic_is_a_utf8_string() {
    let e = decode_err(V5, None, &frame(0x30, "00 01 61 05 08 00 02 C0 AF 78"));
    assert!(matches!(e, DecodeError::InvalidUtf8 { .. }), "{e:?}");
    assert_rc(&e, 0x81);
    let p = publish(decode_ok(
        V5,
        None,
        &frame(0x30, "00 01 61 06 08 00 03 72 2F 74 78"),
    ));
    assert_eq!(
        p.properties.response_topic.as_ref().map(|t| t.as_str()),
        Some("r/t")
    );
}

#[test]
fn pub_15_v5_publish_repeated_response_topic_is_protocol_error() {
    let e = decode_err(
        V5,
        None,
        &frame(0x30, "00 01 61 08 08 00 01 72 08 00 01 73 78"),
    );
    assert!(
        matches!(
            e,
            DecodeError::DuplicateProperty {
                property: PropertyId::ResponseTopic
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
}

// ---------------------------------------------------------------------------------------
// PUB-16: Correlation Data
// ---------------------------------------------------------------------------------------

#[test]
fn pub_16_v5_publish_repeated_correlation_data_is_protocol_error() {
    let e = decode_err(
        V5,
        None,
        &frame(0x30, "00 01 61 08 09 00 01 FF 09 00 01 FE 78"),
    );
    assert!(
        matches!(
            e,
            DecodeError::DuplicateProperty {
                property: PropertyId::CorrelationData
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
    // Correlation Data is binary: no UTF-8 check.
    let p = publish(decode_ok(
        V5,
        None,
        &frame(0x30, "00 01 61 06 09 00 03 FF 00 C0 78"),
    ));
    assert_eq!(
        p.properties.correlation_data.as_deref(),
        Some(&[0xFFu8, 0x00, 0xC0][..])
    );
}

// ---------------------------------------------------------------------------------------
// PUB-17: User Property may repeat, order kept
// ---------------------------------------------------------------------------------------

#[test]
fn pub_17_v5_publish_user_properties_repeat_in_order() {
    for (first, second) in [("31", "32"), ("32", "31")] {
        let bytes = frame(
            0x30,
            &format!("00 01 61 0E 26 00 01 6B 00 01 {first} 26 00 01 6B 00 01 {second} 78"),
        );
        let p = publish(decode_ok(V5, None, &bytes));
        let got: Vec<(&str, &str)> = p
            .properties
            .user_properties
            .iter()
            .map(|u| (u.name.as_str(), u.value.as_str()))
            .collect();
        let a = std::str::from_utf8(&hex(first)).unwrap().to_owned();
        let b = std::str::from_utf8(&hex(second)).unwrap().to_owned();
        assert_eq!(got, vec![("k", a.as_str()), ("k", b.as_str())]);
        // Re-encoding keeps the order.
        assert_eq!(encode(&Packet::Publish(p), V5).unwrap(), bytes);
    }
}

// ---------------------------------------------------------------------------------------
// PUB-18: Subscription Identifier
// ---------------------------------------------------------------------------------------

#[test]
fn mqtt_3_3_4_6_v5_server_receiving_publish_with_subscription_identifier_is_protocol_error() {
    let bytes = hex("34 0D 00 03 61 2F 62 00 07 05 0B 01 0B C8 01");
    let e = decode_err(V5, Some(Role::Server), &bytes);
    assert!(
        matches!(e, DecodeError::SubscriptionIdentifierFromClient),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
    let e = decode_err(V5, Some(Role::Server), &frame(0x30, "00 01 61 02 0B 01 78"));
    assert!(
        matches!(e, DecodeError::SubscriptionIdentifierFromClient),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
}

#[test]
fn pub_18_v5_client_receives_publish_with_several_subscription_identifiers() {
    let bytes = hex("34 0D 00 03 61 2F 62 00 07 05 0B 01 0B C8 01");
    let p = publish(decode_ok(V5, Some(Role::Client), &bytes));
    assert_eq!(p.qos, QoS::ExactlyOnce);
    assert_eq!(p.packet_id, Some(pid(7)));
    assert_eq!(p.properties.subscription_identifiers, vec![1, 200]);
    assert!(p.payload.is_empty());
    assert_eq!(encode(&Packet::Publish(p), V5).unwrap(), bytes);
}

#[test]
fn pub_18_v5_publish_subscription_identifier_0_is_protocol_error() {
    let e = decode_err(V5, Some(Role::Client), &frame(0x30, "00 01 61 02 0B 00 78"));
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
    let mut p = Publish::new(TopicName::new("a").unwrap(), "x");
    p.properties.subscription_identifiers.push(0);
    assert!(matches!(
        Packet::Publish(p).encoded_len(V5),
        Err(EncodeError::InvalidPropertyValue {
            property: PropertyId::SubscriptionIdentifier,
            value: 0
        })
    ));
}

// ---------------------------------------------------------------------------------------
// PUB-19: Content Type
// ---------------------------------------------------------------------------------------

#[test]
fn mqtt_3_3_2_19_v5_publish_content_type_is_a_utf8_string_at_most_once() {
    let e = decode_err(V5, None, &frame(0x30, "00 01 61 05 03 00 02 C0 AF 78"));
    assert!(matches!(e, DecodeError::InvalidUtf8 { .. }), "{e:?}");
    assert_rc(&e, 0x81);
    let e = decode_err(
        V5,
        None,
        &frame(0x30, "00 01 61 08 03 00 01 74 03 00 01 75 78"),
    );
    assert!(
        matches!(
            e,
            DecodeError::DuplicateProperty {
                property: PropertyId::ContentType
            }
        ),
        "{e:?}"
    );
    assert_rc(&e, 0x82);
}

// ---------------------------------------------------------------------------------------
// PUB-20: the payload is the rest of the packet and may be empty
// ---------------------------------------------------------------------------------------

#[test]
fn pub_20_v311_publish_payload_is_rest_of_packet_and_may_be_empty() {
    let p = publish(ok_hex(V311, "30 05 00 03 61 2F 62"));
    assert!(p.payload.is_empty());
    let p = publish(ok_hex(V311, "32 0C 00 03 61 2F 62 00 0A 68 65 6C 6C 6F"));
    assert_eq!(&p.payload[..], b"hello");
    // Bytes that look like fields are still payload.
    let p = publish(decode_ok(
        V311,
        None,
        &frame(0x30, "00 01 61 00 03 61 2F 62 00"),
    ));
    assert_eq!(&p.payload[..], &hex("00 03 61 2F 62 00")[..]);
}

#[test]
fn pub_20_v5_publish_payload_is_rest_of_packet_and_may_be_empty() {
    let p = publish(ok_hex(V5, "30 06 00 03 61 2F 62 00"));
    assert!(p.payload.is_empty());
    let p = publish(ok_hex(V5, "30 08 00 03 61 2F 62 00 68 69"));
    assert_eq!(&p.payload[..], b"hi");
    let p = publish(decode_ok(V5, None, &frame(0x30, "00 01 61 00 00 05 11 00")));
    assert_eq!(&p.payload[..], &hex("00 05 11 00")[..]);
}

// =======================================================================================
// §2.4 PUBACK, PUBREC, PUBREL, PUBCOMP
// =======================================================================================

const ACKS: [(u8, PacketType); 4] = [
    (0x40, PacketType::PubAck),
    (0x50, PacketType::PubRec),
    (0x62, PacketType::PubRel),
    (0x70, PacketType::PubComp),
];

fn response(p: Packet) -> PubResponse {
    match p {
        Packet::PubAck(r) | Packet::PubRec(r) | Packet::PubRel(r) | Packet::PubComp(r) => r,
        other => panic!("not an acknowledgement: {other:?}"),
    }
}

fn ack_packet(t: PacketType, r: PubResponse) -> Packet {
    match t {
        PacketType::PubAck => Packet::PubAck(r),
        PacketType::PubRec => Packet::PubRec(r),
        PacketType::PubRel => Packet::PubRel(r),
        PacketType::PubComp => Packet::PubComp(r),
        _ => unreachable!(),
    }
}

// ---------------------------------------------------------------------------------------
// ACK-1: PUBACK, PUBREC, PUBCOMP flags 0000
// ---------------------------------------------------------------------------------------

fn check_ack_flags(version: mqtt_codec::ProtocolVersion) {
    for (base, t) in [
        (0x40u8, PacketType::PubAck),
        (0x50, PacketType::PubRec),
        (0x70, PacketType::PubComp),
    ] {
        for flags in 1u8..=0x0F {
            let e = decode_err(version, None, &frame(base | flags, "00 0A"));
            assert!(
                matches!(e, DecodeError::InvalidFlags { packet_type, flags: f } if packet_type == t && f == flags),
                "{:#04x}: {e:?}",
                base | flags
            );
            if version == V5 {
                assert_rc(&e, 0x81);
            }
        }
        assert!(decode(version, &frame(base, "00 0A")).is_ok());
    }
}

#[test]
fn mqtt_2_2_2_1_v311_puback_pubrec_pubcomp_nonzero_flags_are_malformed() {
    check_ack_flags(V311);
}

#[test]
fn mqtt_2_1_3_1_v5_puback_pubrec_pubcomp_nonzero_flags_are_malformed() {
    check_ack_flags(V5);
}

// ---------------------------------------------------------------------------------------
// ACK-2: PUBREL flags 0010
// ---------------------------------------------------------------------------------------

fn check_pubrel_flags(version: mqtt_codec::ProtocolVersion) {
    let e = decode_err(version, None, &hex("60 02 00 0A"));
    assert!(
        matches!(
            e,
            DecodeError::InvalidFlags {
                packet_type: PacketType::PubRel,
                flags: 0
            }
        ),
        "{e:?}"
    );
    for flags in (0u8..=0x0F).filter(|&f| f != 0b0010) {
        let e = decode_err(version, None, &frame(0x60 | flags, "00 0A"));
        assert!(
            matches!(e, DecodeError::InvalidFlags { packet_type: PacketType::PubRel, flags: f } if f == flags),
            "{:#04x}: {e:?}",
            0x60 | flags
        );
        if version == V5 {
            assert_rc(&e, 0x81);
        }
    }
    let r = response(decode_ok(version, None, &hex("62 02 00 0A")));
    assert_eq!(r.packet_id, pid(10));
    // The encoder writes 0x62.
    let bytes = encode(&Packet::PubRel(PubResponse::new(pid(10))), version).unwrap();
    assert_eq!(bytes, hex("62 02 00 0A"));
}

#[test]
fn mqtt_3_6_1_1_v311_pubrel_flags_other_than_0010_are_malformed() {
    check_pubrel_flags(V311);
}

#[test]
fn mqtt_3_6_1_1_v5_pubrel_flags_other_than_0010_are_malformed() {
    check_pubrel_flags(V5);
    let e = err_hex(V5, "60 02 00 0A");
    assert_rc(&e, 0x81);
}

// ---------------------------------------------------------------------------------------
// ACK-3: remaining length
// ---------------------------------------------------------------------------------------

#[test]
fn ack_3_v311_puback_rl_3_is_malformed() {
    for (first, t) in ACKS {
        for body in ["00 0A 00", "00 0A 00 00", "00 0A 10"] {
            let bytes = frame(first, body);
            let e = decode_err(V311, None, &bytes);
            assert!(
                matches!(e, DecodeError::InvalidRemainingLength { packet_type, length } if packet_type == t && length == bytes.len() - 2),
                "{bytes:02X?}: {e:?}"
            );
        }
    }
}

#[test]
fn ack_3_v311_ack_rl_0_or_1_is_malformed() {
    for (first, t) in ACKS {
        for body in ["", "00"] {
            let bytes = frame(first, body);
            let e = decode_err(V311, None, &bytes);
            assert!(
                matches!(e, DecodeError::InvalidRemainingLength { packet_type, .. } if packet_type == t),
                "{bytes:02X?}: {e:?}"
            );
        }
        let r = response(decode_ok(V311, None, &frame(first, "00 0A")));
        assert_eq!(r.packet_id, pid(10));
        assert_eq!(r.reason_code, ReasonCode::Success);
    }
}

#[test]
fn ack_3_v5_ack_rl_0_or_1_is_malformed() {
    for (first, t) in ACKS {
        for body in ["", "0A"] {
            let bytes = frame(first, body);
            let e = decode_err(V5, None, &bytes);
            assert!(
                matches!(e, DecodeError::InvalidRemainingLength { packet_type, .. } if packet_type == t),
                "{bytes:02X?}: {e:?}"
            );
            assert_rc(&e, 0x81);
        }
    }
}

#[test]
fn ack_3_v5_puback_three_forms_decode() {
    // RL = 2
    let r = response(ok_hex(V5, "40 02 00 0A"));
    assert_eq!((r.packet_id, r.reason_code), (pid(10), ReasonCode::Success));
    assert!(r.properties.is_empty());
    // RL = 3
    let r = response(ok_hex(V5, "40 03 00 0A 10"));
    assert_eq!(r.reason_code, ReasonCode::NoMatchingSubscribers);
    assert!(r.properties.is_empty());
    // RL >= 4
    let r = response(ok_hex(V5, "40 04 00 0A 00 00"));
    assert_eq!(r.reason_code, ReasonCode::Success);
    assert!(r.properties.is_empty());
    let r = response(ok_hex(V5, "40 09 00 0A 87 05 1F 00 02 6E 6F"));
    assert_eq!(r.reason_code, ReasonCode::NotAuthorized);
    assert_eq!(
        r.properties.reason_string.as_ref().map(|s| s.as_str()),
        Some("no")
    );
    // A Property Length that overruns the packet is malformed.
    let e = err_hex(V5, "40 04 00 0A 00 05");
    assert!(matches!(e, DecodeError::UnexpectedEnd { .. }), "{e:?}");
    assert_rc(&e, 0x81);
}

// ---------------------------------------------------------------------------------------
// ACK-4: identifier matches (sess); the stateless part: identifier 0 can never match
// ---------------------------------------------------------------------------------------

#[test]
fn mqtt_2_3_1_6_v311_ack_with_packet_id_0_is_refused() {
    for (first, t) in ACKS {
        let e = decode_err(V311, None, &frame(first, "00 00"));
        assert!(
            matches!(e, DecodeError::ZeroPacketId { packet_type } if packet_type == t),
            "{e:?}"
        );
    }
}

#[test]
fn mqtt_2_2_1_5_v5_ack_with_packet_id_0_is_protocol_error() {
    for (first, t) in ACKS {
        let e = decode_err(V5, None, &frame(first, "00 00"));
        assert!(
            matches!(e, DecodeError::ZeroPacketId { packet_type } if packet_type == t),
            "{e:?}"
        );
        assert_rc(&e, 0x82);
    }
}

// ---------------------------------------------------------------------------------------
// ACK-5 … ACK-8: reason codes
// ---------------------------------------------------------------------------------------

/// Every byte value as the reason code of `first`'s RL = 3 and RL = 4 forms: the codes in
/// `allowed` decode, all others are malformed.
fn check_ack_codes(first: u8, t: PacketType, allowed: &[u8]) {
    for code in 0u8..=255 {
        for body in [format!("00 0A {code:02X}"), format!("00 0A {code:02X} 00")] {
            let bytes = frame(first, &body);
            let result = decode(V5, &bytes);
            if allowed.contains(&code) {
                let r = response(result.unwrap_or_else(|e| panic!("{bytes:02X?}: {e:?}")));
                assert_eq!(r.reason_code.value(), code);
            } else {
                let e = result.expect_err(&format!("{bytes:02X?} accepted"));
                assert!(
                    matches!(e, DecodeError::InvalidReasonCode { packet_type, code: c } if packet_type == t && c == code),
                    "{bytes:02X?}: {e:?}"
                );
                assert_rc(&e, 0x81);
            }
        }
        // The encoder refuses the same codes.
        if let Some(rc) = ReasonCode::from_u8(code) {
            let mut r = PubResponse::new(pid(10));
            r.reason_code = rc;
            let result = ack_packet(t, r).encoded_len(V5);
            if allowed.contains(&code) {
                assert!(result.is_ok(), "{t} {code:#04x}: {result:?}");
            } else {
                assert!(
                    matches!(result, Err(EncodeError::InvalidReasonCode { .. })),
                    "{t} {code:#04x}: {result:?}"
                );
            }
        }
    }
}

const PUBACK_CODES: [u8; 9] = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];

#[test]
fn mqtt_3_4_2_1_v5_puback_reason_code_outside_table_is_malformed() {
    check_ack_codes(0x40, PacketType::PubAck, &PUBACK_CODES);
    assert_rc(&err_hex(V5, "40 03 00 0A 92"), 0x81);
}

#[test]
fn mqtt_3_5_2_1_v5_pubrec_reason_code_outside_table_is_malformed() {
    check_ack_codes(0x50, PacketType::PubRec, &PUBACK_CODES);
}

#[test]
fn mqtt_3_6_2_1_v5_pubrel_reason_code_outside_table_is_malformed() {
    check_ack_codes(0x62, PacketType::PubRel, &[0x00, 0x92]);
    let r = response(ok_hex(V5, "62 03 00 0A 92"));
    assert_eq!(r.reason_code, ReasonCode::PacketIdentifierNotFound);
}

#[test]
fn mqtt_3_7_2_1_v5_pubcomp_reason_code_outside_table_is_malformed() {
    check_ack_codes(0x70, PacketType::PubComp, &[0x00, 0x92]);
}

// ---------------------------------------------------------------------------------------
// ACK-9: only Reason String and User Property
// ---------------------------------------------------------------------------------------

#[test]
fn ack_9_v5_ack_other_property_is_malformed() {
    for (first, _) in ACKS {
        for props in ["05 11 00 00 00 01", "02 01 01", "03 23 00 01", "02 7F 00"] {
            let bytes = frame(first, &format!("00 0A 00 {props}"));
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
}

#[test]
fn ack_9_v5_ack_repeated_reason_string_is_protocol_error() {
    for (first, _) in ACKS {
        let bytes = frame(first, "00 0A 00 08 1F 00 01 61 1F 00 01 62");
        let e = decode_err(V5, None, &bytes);
        assert!(
            matches!(
                e,
                DecodeError::DuplicateProperty {
                    property: PropertyId::ReasonString
                }
            ),
            "{bytes:02X?}: {e:?}"
        );
        assert_rc(&e, 0x82);
    }
}

#[test]
fn ack_9_v5_ack_reason_string_and_repeated_user_properties_decode() {
    for (first, _) in ACKS {
        let bytes = frame(
            first,
            "00 0A 00 13 1F 00 02 6E 6F 26 00 01 6B 00 01 31 26 00 01 6B 00 01 32",
        );
        let r = response(decode_ok(V5, None, &bytes));
        assert_eq!(
            r.properties.reason_string.as_ref().map(|s| s.as_str()),
            Some("no")
        );
        let values: Vec<&str> = r
            .properties
            .user_properties
            .iter()
            .map(|u| u.value.as_str())
            .collect();
        assert_eq!(values, ["1", "2"]);
    }
}

// ---------------------------------------------------------------------------------------
// ACK-10: the short form (enc) and the decoder accepting all three forms
// ---------------------------------------------------------------------------------------

#[test]
fn ack_10_v5_success_ack_without_properties_encodes_short_form() {
    for (first, t) in ACKS {
        let bytes = encode(&ack_packet(t, PubResponse::new(pid(10))), V5).unwrap();
        assert_eq!(bytes, frame(first, "00 0A"));
    }
    // A code other than Success without properties: RL = 3.
    let mut r = PubResponse::new(pid(10));
    r.reason_code = ReasonCode::NoMatchingSubscribers;
    assert_eq!(
        encode(&Packet::PubAck(r), V5).unwrap(),
        hex("40 03 00 0A 10")
    );
    let mut r = PubResponse::new(pid(10));
    r.reason_code = ReasonCode::PacketIdentifierNotFound;
    assert_eq!(
        encode(&Packet::PubRel(r), V5).unwrap(),
        hex("62 03 00 0A 92")
    );
    // With properties: the full form.
    let mut r = PubResponse::new(pid(10));
    r.reason_code = ReasonCode::NotAuthorized;
    r.properties.reason_string = Some(mqtt_codec::MqttStr::new("no").unwrap());
    assert_eq!(
        encode(&Packet::PubAck(r), V5).unwrap(),
        hex("40 09 00 0A 87 05 1F 00 02 6E 6F")
    );
    // Success with properties keeps the reason code byte.
    let mut r = PubResponse::new(pid(10));
    r.properties.reason_string = Some(mqtt_codec::MqttStr::new("no").unwrap());
    assert_eq!(
        encode(&Packet::PubAck(r), V5).unwrap(),
        hex("40 09 00 0A 00 05 1F 00 02 6E 6F")
    );
}

#[test]
fn ack_10_v5_decoder_accepts_all_three_forms() {
    for (first, _) in ACKS {
        for body in ["00 0A", "00 0A 00", "00 0A 00 00"] {
            let r = response(decode_ok(V5, None, &frame(first, body)));
            assert_eq!(r, PubResponse::new(pid(10)), "{first:#04x} {body}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// ACK-11: PR-8 size rule (enc)
// ---------------------------------------------------------------------------------------

#[test]
fn mqtt_3_4_2_2_v5_puback_fit_to_size_drops_reason_string_then_user_properties() {
    let mut r = PubResponse::new(pid(10));
    r.reason_code = ReasonCode::NotAuthorized;
    assert_fit_to_size_drops_reason_string_then_user_properties(
        with_reason_string_and_user_properties(Packet::PubAck(r)),
    );
    // Success: once everything is dropped the short form remains.
    assert_fit_to_size_drops_reason_string_then_user_properties(
        with_reason_string_and_user_properties(Packet::PubAck(PubResponse::new(pid(10)))),
    );
}

#[test]
fn mqtt_3_5_2_2_v5_pubrec_fit_to_size_drops_reason_string_then_user_properties() {
    let mut r = PubResponse::new(pid(10));
    r.reason_code = ReasonCode::QuotaExceeded;
    assert_fit_to_size_drops_reason_string_then_user_properties(
        with_reason_string_and_user_properties(Packet::PubRec(r)),
    );
}

#[test]
fn mqtt_3_6_2_2_v5_pubrel_fit_to_size_drops_reason_string_then_user_properties() {
    let mut r = PubResponse::new(pid(10));
    r.reason_code = ReasonCode::PacketIdentifierNotFound;
    assert_fit_to_size_drops_reason_string_then_user_properties(
        with_reason_string_and_user_properties(Packet::PubRel(r)),
    );
}

#[test]
fn mqtt_3_7_2_2_v5_pubcomp_fit_to_size_drops_reason_string_then_user_properties() {
    assert_fit_to_size_drops_reason_string_then_user_properties(
        with_reason_string_and_user_properties(Packet::PubComp(PubResponse::new(pid(10)))),
    );
}
