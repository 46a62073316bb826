//! The parser's fast paths, held to the verdicts of the general path: short acknowledgements
//! (PUBACK, PUBREC, PUBREL, PUBCOMP with remaining length 2) read from their four bytes in
//! `parse` and in the `Decoder`, and PUBLISH topics that are plain ASCII checked in one pass.
//! The encoder's too: acknowledgements and PUBLISHes whose property slot holds nothing skip
//! the walk over the properties, and one whose slot holds an emptied set must come to the
//! same bytes the long way. A PUBLISH's properties are sized and written by a walk that
//! only looks at the ones a PUBLISH may carry; every other one must still be refused.

use mqtt_codec::{
    parse, DecodeError, Decoder, DecoderConfig, Packet, PacketType, ParseOptions, ProtocolVersion,
    Role, Status,
};

fn opts(version: Option<ProtocolVersion>, max_packet_size: usize) -> ParseOptions {
    ParseOptions {
        version,
        receiver: None,
        max_packet_size,
    }
}

#[test]
fn each_short_ack_parses_to_its_type_with_its_identifier() {
    for (first, packet_type) in [
        (0x40, PacketType::PubAck),
        (0x50, PacketType::PubRec),
        (0x62, PacketType::PubRel),
        (0x70, PacketType::PubComp),
    ] {
        for version in [
            ProtocolVersion::V3_1,
            ProtocolVersion::V3_1_1,
            ProtocolVersion::V5,
        ] {
            let bytes = [first, 0x02, 0x12, 0x34, 0xC0];
            let Ok(Status::Complete((p, 4))) = parse(&bytes, &opts(Some(version), 1 << 20)) else {
                panic!("{packet_type:?} under {version:?}")
            };
            assert_eq!(p.packet_type(), packet_type);
            let (Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a)) =
                &p
            else {
                panic!()
            };
            assert_eq!(a.packet_id.get(), 0x1234);
            assert!(a.properties.is_empty());

            let mut d = Decoder::new(DecoderConfig {
                version: Some(version),
                role: Some(Role::Client),
                max_packet_size: 1 << 20,
            });
            d.feed(&bytes);
            assert_eq!(d.next_packet().unwrap().unwrap(), p.to_owned());
            assert_eq!(d.offset(), 4);
        }
    }
}

#[test]
fn mqtt_2_2_1_3_a_zero_identifier_is_refused_by_the_fast_path_too() {
    let bytes = [0x40, 0x02, 0x00, 0x00];
    assert_eq!(
        parse(&bytes, &opts(Some(ProtocolVersion::V3_1_1), 1 << 20)),
        Err(DecodeError::ZeroPacketId {
            packet_type: PacketType::PubAck
        })
    );
    let mut d = Decoder::client(ProtocolVersion::V3_1_1);
    d.feed(&bytes);
    assert!(d.next_packet().is_err());
}

#[test]
fn mqtt_3_6_1_1_a_pubrel_without_its_flags_is_refused() {
    let bytes = [0x60, 0x02, 0x00, 0x01];
    assert!(matches!(
        parse(&bytes, &opts(Some(ProtocolVersion::V3_1_1), 1 << 20)),
        Err(DecodeError::InvalidFlags { .. })
    ));
}

#[test]
fn mqtt_3_1_0_1_an_ack_before_connect_is_refused() {
    let bytes = [0x40, 0x02, 0x00, 0x01];
    assert_eq!(
        parse(&bytes, &opts(None, 1 << 20)),
        Err(DecodeError::FirstPacketNotConnect {
            packet_type: PacketType::PubAck
        })
    );
    let mut d = Decoder::server();
    d.feed(&bytes);
    assert!(d.next_packet().is_err());
}

#[test]
fn a_maximum_packet_size_below_four_refuses_a_short_ack() {
    let bytes = [0x40, 0x02, 0x00, 0x01];
    assert!(matches!(
        parse(&bytes, &opts(Some(ProtocolVersion::V3_1_1), 3)),
        Err(DecodeError::PacketTooLarge { size: 4, max: 3 })
    ));
}

#[test]
fn a_split_short_ack_is_read_whole_once_its_bytes_arrive() {
    let mut d = Decoder::client(ProtocolVersion::V5);
    d.feed(&[0x40, 0x02, 0x00]);
    assert_eq!(d.next_packet(), Ok(None));
    d.feed(&[0x07, 0x40, 0x02]);
    let Some(Packet::PubAck(a)) = d.next_packet().unwrap() else {
        panic!()
    };
    assert_eq!(a.packet_id.get(), 7);
    assert_eq!(d.next_packet(), Ok(None));
    d.feed(&[0x00, 0x08]);
    let Some(Packet::PubAck(a)) = d.next_packet().unwrap() else {
        panic!()
    };
    assert_eq!(a.packet_id.get(), 8);
}

/// Topics that are not plain ASCII take the full checks: UTF-8 is accepted, wildcards and
/// U+0000 refused ([MQTT-3.3.2-2], [MQTT-1.5.4-2]).
#[test]
fn mqtt_3_3_2_2_publish_topics_off_the_ascii_path_get_the_full_checks() {
    let v = Some(ProtocolVersion::V3_1_1);
    let publish = |topic: &[u8]| {
        let mut b = vec![0x30, (2 + topic.len()) as u8, 0, topic.len() as u8];
        b.extend_from_slice(topic);
        b
    };
    let utf8 = publish("caf\u{e9}/t".as_bytes());
    let Ok(Status::Complete((Packet::Publish(p), _))) = parse(&utf8, &opts(v, 1 << 20)) else {
        panic!("a UTF-8 topic parses")
    };
    assert_eq!(p.topic.as_str(), "caf\u{e9}/t");
    for bad in [&b"a/+"[..], b"a/#", b"a\0", b"\xC3"] {
        assert!(parse(&publish(bad), &opts(v, 1 << 20)).is_err(), "{bad:?}");
    }
}

fn every_version() -> [ProtocolVersion; 3] {
    [
        ProtocolVersion::V3_1,
        ProtocolVersion::V3_1_1,
        ProtocolVersion::V5,
    ]
}

#[test]
fn an_ack_with_an_emptied_property_set_encodes_to_the_short_form() {
    use mqtt_codec::{Encode, PacketId, PubResponse};
    let bare = PubResponse::new(PacketId::new(0x1234).unwrap());
    let mut emptied = bare.clone();
    emptied.properties.reason_string = Some(mqtt_codec::MqttStr::from_static("gone").unwrap());
    emptied.properties.reason_string = None;
    for version in every_version() {
        for (packet_type, first) in [
            (PacketType::PubAck, 0x40),
            (PacketType::PubRec, 0x50),
            (PacketType::PubRel, 0x62),
            (PacketType::PubComp, 0x70),
        ] {
            for ack in [&bare, &emptied] {
                let bytes = ack.as_type(packet_type).unwrap().to_bytes(version).unwrap();
                assert_eq!(
                    &bytes[..],
                    &[first, 0x02, 0x12, 0x34],
                    "{packet_type:?} {version:?}"
                );
            }
        }
    }
}

#[test]
fn a_publish_with_an_emptied_property_set_encodes_as_one_without() {
    use mqtt_codec::{Encode, Publish, TopicName};
    let bare = Publish::new(TopicName::from_static("a/b").unwrap(), "hi");
    let mut emptied = bare.clone();
    emptied.properties.message_expiry_interval = Some(9);
    emptied.properties.message_expiry_interval = None;
    for version in every_version() {
        assert_eq!(
            emptied.to_bytes(version).unwrap(),
            bare.to_bytes(version).unwrap(),
            "{version:?}"
        );
    }
    // A set property still needs 5.0.
    let mut with_one = bare;
    with_one.properties.message_expiry_interval = Some(9);
    assert!(with_one.to_bytes(ProtocolVersion::V3_1_1).is_err());
    assert_eq!(
        &with_one.to_bytes(ProtocolVersion::V5).unwrap()[..],
        &[0x30, 0x0D, 0x00, 0x03, b'a', b'/', b'b', 0x05, 0x02, 0, 0, 0, 9, b'h', b'i']
    );
}

#[test]
fn other_packets_with_an_emptied_property_set_encode_as_ones_without() {
    use mqtt_codec::{Disconnect, PacketId, QoS, ReasonCode, Subscribe, Subscription, TopicFilter};
    let filter = TopicFilter::new("a/+").unwrap();
    let subscribe = Subscribe::new(
        PacketId::new(5).unwrap(),
        vec![Subscription::new(filter, QoS::AtLeastOnce)],
    );
    let disconnect = Disconnect::new(ReasonCode::Success);
    for bare in [Packet::Subscribe(subscribe), Packet::Disconnect(disconnect)] {
        let mut emptied = bare.clone();
        match &mut emptied {
            Packet::Subscribe(s) => {
                s.properties.user_properties =
                    vec![mqtt_codec::UserProperty::new("k", "v").unwrap()];
                s.properties.user_properties.clear();
            }
            Packet::Disconnect(d) => {
                d.properties.session_expiry_interval = Some(1);
                d.properties.session_expiry_interval = None;
            }
            _ => unreachable!(),
        }
        for version in every_version() {
            assert_eq!(
                emptied.to_bytes(version).unwrap(),
                bare.to_bytes(version).unwrap(),
                "{version:?}"
            );
            assert_eq!(
                emptied.encoded_len(version).unwrap(),
                bare.encoded_len(version).unwrap()
            );
        }
    }
}

#[test]
fn subscription_options_beyond_qos_are_refused_before_5_0() {
    use mqtt_codec::{EncodeError, QoS, SubscriptionOptions};
    let plain = SubscriptionOptions {
        qos: QoS::ExactlyOnce,
        ..Default::default()
    };
    assert_eq!(plain.to_byte(ProtocolVersion::V3_1_1).unwrap(), 0x02);
    let no_local = SubscriptionOptions {
        no_local: true,
        ..plain
    };
    assert!(matches!(
        no_local.to_byte(ProtocolVersion::V3_1_1),
        Err(EncodeError::NotRepresentable { .. })
    ));
    assert_eq!(no_local.to_byte(ProtocolVersion::V5).unwrap(), 0x06);
}

/// Sets one property of a set.
type Setter = fn(&mut mqtt_codec::Properties);

#[test]
fn table_2_4_a_publish_refuses_every_property_it_may_not_carry_and_writes_nothing() {
    use mqtt_codec::{Encode, EncodeError, MqttStr, PropertyId, Publish, TopicName};
    let refused: [(PropertyId, Setter); 19] = [
        (PropertyId::SessionExpiryInterval, |p| {
            p.session_expiry_interval = Some(1)
        }),
        (PropertyId::AssignedClientIdentifier, |p| {
            p.assigned_client_identifier = MqttStr::new("x").ok()
        }),
        (PropertyId::ServerKeepAlive, |p| {
            p.server_keep_alive = Some(1)
        }),
        (PropertyId::AuthenticationMethod, |p| {
            p.authentication_method = MqttStr::new("x").ok()
        }),
        (PropertyId::AuthenticationData, |p| {
            p.authentication_data = Some(bytes::Bytes::from_static(b"x"))
        }),
        (PropertyId::RequestProblemInformation, |p| {
            p.request_problem_information = Some(1)
        }),
        (PropertyId::WillDelayInterval, |p| {
            p.will_delay_interval = Some(1)
        }),
        (PropertyId::RequestResponseInformation, |p| {
            p.request_response_information = Some(1)
        }),
        (PropertyId::ResponseInformation, |p| {
            p.response_information = MqttStr::new("x").ok()
        }),
        (PropertyId::ServerReference, |p| {
            p.server_reference = MqttStr::new("x").ok()
        }),
        (PropertyId::ReasonString, |p| {
            p.reason_string = MqttStr::new("x").ok()
        }),
        (PropertyId::ReceiveMaximum, |p| p.receive_maximum = Some(1)),
        (PropertyId::TopicAliasMaximum, |p| {
            p.topic_alias_maximum = Some(1)
        }),
        (PropertyId::MaximumQos, |p| p.maximum_qos = Some(1)),
        (PropertyId::RetainAvailable, |p| {
            p.retain_available = Some(1)
        }),
        (PropertyId::MaximumPacketSize, |p| {
            p.maximum_packet_size = Some(1)
        }),
        (PropertyId::WildcardSubscriptionAvailable, |p| {
            p.wildcard_subscription_available = Some(1)
        }),
        (PropertyId::SubscriptionIdentifierAvailable, |p| {
            p.subscription_identifier_available = Some(1)
        }),
        (PropertyId::SharedSubscriptionAvailable, |p| {
            p.shared_subscription_available = Some(1)
        }),
    ];
    let mut allowed = Publish::new(TopicName::from_static("a/b").unwrap(), "hi");
    allowed.properties.content_type = MqttStr::new("x").ok();
    allowed.properties.user_properties = vec![mqtt_codec::UserProperty::new("k", "v").unwrap()];
    for (property, set) in refused {
        let mut publish = allowed.clone();
        set(&mut publish.properties);
        let mut out = [0xAAu8; 64];
        let refusal = publish.encode_to_slice(ProtocolVersion::V5, &mut out);
        assert!(
            matches!(refusal, Err(EncodeError::PropertyNotAllowed { property: p, .. }) if p == property),
            "{property:?}: {refusal:?}"
        );
        assert_eq!(out, [0xAAu8; 64], "{property:?}: nothing written");
        assert!(publish.encoded_len(ProtocolVersion::V5).is_err());
        assert!(Packet::Publish(publish)
            .to_bytes(ProtocolVersion::V5)
            .is_err());
    }
    // Every property a PUBLISH may carry is written, and reads back.
    allowed.packet_id = mqtt_codec::PacketId::new(1);
    allowed.qos = mqtt_codec::QoS::AtLeastOnce;
    let p = &mut allowed.properties;
    p.payload_format_indicator = Some(1);
    p.message_expiry_interval = Some(60);
    p.response_topic = TopicName::new("r/t").ok();
    p.correlation_data = Some(bytes::Bytes::from_static(b"cd"));
    p.topic_alias = Some(3);
    p.subscription_identifiers = vec![7, 268_435_455];
    let bytes = allowed.to_bytes(ProtocolVersion::V5).unwrap();
    let Ok(Status::Complete((back, used))) =
        parse(&bytes, &opts(Some(ProtocolVersion::V5), 1 << 20))
    else {
        panic!("reads back")
    };
    assert_eq!(used, bytes.len());
    assert_eq!(back.to_owned(), Packet::Publish(allowed));
}
