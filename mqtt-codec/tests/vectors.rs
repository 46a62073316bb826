//! The byte-exact examples and negative vectors of checklist §5
//! (/work/shared/spec/checklist.md), each hex string copied here.
//!
//! Positive vectors (§5.2–§5.8): decoded with the borrowed `parse` and the streaming
//! `Decoder` (right version and, where direction matters, receiving `Role`), the decoded
//! fields are checked, and both decoded forms re-encode to exactly the same bytes.
//! Remaining-length boundaries (§5.1) and negative vectors (§5.9, one test each, each with
//! the specific `DecodeError` and, under 5.0, the reason code the checklist names).

mod support_gen;

use bytes::Bytes;
use mqtt_codec::{
    parse, parse_header, v3_return_code, varint_len, DecodeError, Decoder, DecoderConfig,
    EncodeError, FixedHeader, Packet, PacketType, ParseOptions, PropertyId, ProtocolVersion,
    Publish, QoS, ReasonCode, RetainHandling, Role, Status, SubscriptionOptions, TopicError,
    TopicName, UserProperty, DEFAULT_MAX_PACKET_SIZE, MAX_PACKET_SIZE, MAX_VARINT,
};
use support_gen::{hex, to_hex};

use ProtocolVersion::{V3_1, V3_1_1, V5};

const SERVER: Option<Role> = Some(Role::Server);
const CLIENT: Option<Role> = Some(Role::Client);
const ANY: Option<Role> = None;

fn opts(version: ProtocolVersion, receiver: Option<Role>) -> ParseOptions {
    ParseOptions {
        version: Some(version),
        receiver,
        max_packet_size: MAX_PACKET_SIZE,
    }
}

/// Decodes `hex_str` both ways, checks that both re-encode to the same bytes, and returns the
/// owned packet for the field checks.
fn roundtrip(version: ProtocolVersion, receiver: Option<Role>, hex_str: &str) -> Packet {
    let bytes = hex(hex_str);

    // Borrowed parse.
    let (borrowed, used) = match parse(&bytes, &opts(version, receiver)) {
        Ok(Status::Complete(done)) => done,
        other => panic!("parse of {hex_str}: {other:?}"),
    };
    assert_eq!(used, bytes.len(), "parse used the whole vector");
    let reencoded = borrowed
        .to_bytes(version)
        .unwrap_or_else(|e| panic!("re-encoding the borrowed packet: {e:?}"));
    assert_eq!(to_hex(&reencoded), to_hex(&bytes), "borrowed packet");

    // Streaming decoder.
    let mut decoder = Decoder::new(DecoderConfig {
        version: Some(version),
        role: receiver,
        max_packet_size: DEFAULT_MAX_PACKET_SIZE,
    });
    decoder.feed(&bytes);
    let packet = match decoder.next_packet() {
        Ok(Some(p)) => p,
        other => panic!("decoder on {hex_str}: {other:?}"),
    };
    assert_eq!(decoder.next_packet(), Ok(None));
    assert_eq!(decoder.buffered(), 0);

    // Owned re-encoding, with every encoder entry point.
    assert_eq!(packet.encoded_len(version), Ok(bytes.len()));
    let reencoded = packet.to_bytes(version).expect("re-encoding the packet");
    assert_eq!(to_hex(&reencoded), to_hex(&bytes), "owned packet");
    let mut exact = vec![0u8; bytes.len()];
    assert_eq!(packet.encode_to_slice(version, &mut exact), Ok(bytes.len()));
    assert_eq!(exact, reencoded);

    // A server-side decoder that has not seen CONNECT learns the version from it.
    if packet.packet_type() == PacketType::Connect {
        let mut server = Decoder::server();
        server.feed(&bytes);
        assert_eq!(server.next_packet(), Ok(Some(packet.clone())));
        assert_eq!(server.protocol_version(), Some(version));
    }
    packet
}

/// Destructures a packet variant or fails with the packet.
macro_rules! expect {
    ($packet:expr, $variant:ident) => {
        match $packet {
            Packet::$variant(inner) => inner,
            other => panic!("expected {}, got {other:?}", stringify!($variant)),
        }
    };
}

fn rc(value: u8) -> ReasonCode {
    ReasonCode::from_u8(value).unwrap()
}

fn user(name: &str, value: &str) -> UserProperty {
    UserProperty::new(name, value).unwrap()
}

/// One test per positive vector: `name: version, receiver, "hex" => |packet| { checks }`.
macro_rules! vectors {
    ($( $name:ident: $version:expr, $receiver:expr, $hex:literal => |$p:ident| $body:block )*) => {
        $(
            #[test]
            fn $name() {
                let $p = roundtrip($version, $receiver, $hex);
                $body
            }
        )*
    };
}

// ---------------------------------------------------------------------------------------
// §5.2 CONNECT, MQTT 3.1.1 (and the 3.1 comparison)
// ---------------------------------------------------------------------------------------

vectors! {
    v311_connect_user_pass: V3_1_1, SERVER,
        "10 1B 00 04 4D 51 54 54 04 C2 00 3C 00 03 61 62 63 00 04 75 73 65 72 00 04 70 61 73 73"
        => |p| {
            let c = expect!(p, Connect);
            assert_eq!(c.protocol_version, V3_1_1);
            assert!(c.clean_start);
            assert_eq!(c.keep_alive, 60);
            assert_eq!(c.client_id, "abc");
            assert_eq!(c.will, None);
            assert_eq!(c.username.as_ref().map(|u| u.as_str()), Some("user"));
            assert_eq!(c.password.as_deref(), Some(&b"pass"[..]));
            assert!(c.properties.is_empty());
        }

    v311_connect_minimal: V3_1_1, SERVER,
        "10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63"
        => |p| {
            let c = expect!(p, Connect);
            assert_eq!(c.protocol_version, V3_1_1);
            assert!(c.clean_start);
            assert_eq!(c.keep_alive, 60);
            assert_eq!(c.client_id, "abc");
            assert_eq!(c.will, None);
            assert_eq!(c.username, None);
            assert_eq!(c.password, None);
        }

    v311_connect_will: V3_1_1, SERVER,
        "10 19 00 04 4D 51 54 54 04 0E 00 0A 00 03 61 62 63 00 03 77 2F 74 00 03 62 79 65"
        => |p| {
            let c = expect!(p, Connect);
            assert!(c.clean_start);
            assert_eq!(c.keep_alive, 10);
            assert_eq!(c.client_id, "abc");
            let will = c.will.expect("will");
            assert_eq!(will.topic, "w/t");
            assert_eq!(&will.payload[..], b"bye");
            assert_eq!(will.qos, QoS::AtLeastOnce);
            assert!(!will.retain);
            assert!(will.properties.is_empty());
            assert_eq!(c.username, None);
            assert_eq!(c.password, None);
        }

    v31_connect_minimal_mqisdp: V3_1, SERVER,
        "10 11 00 06 4D 51 49 73 64 70 03 02 00 3C 00 03 61 62 63"
        => |p| {
            let c = expect!(p, Connect);
            assert_eq!(c.protocol_version, V3_1);
            assert!(c.clean_start);
            assert_eq!(c.keep_alive, 60);
            assert_eq!(c.client_id, "abc");
            assert_eq!(c.will, None);
        }
}

// ---------------------------------------------------------------------------------------
// §5.3 CONNECT, MQTT 5.0
// ---------------------------------------------------------------------------------------

vectors! {
    v5_connect_minimal: V5, SERVER,
        "10 10 00 04 4D 51 54 54 05 02 00 3C 00 00 03 61 62 63"
        => |p| {
            let c = expect!(p, Connect);
            assert_eq!(c.protocol_version, V5);
            assert!(c.clean_start);
            assert_eq!(c.keep_alive, 60);
            assert_eq!(c.client_id, "abc");
            assert!(c.properties.is_empty());
            assert_eq!(c.will, None);
        }

    v5_connect_full: V5, SERVER,
        "10 40 00 04 4D 51 54 54 05 CE 00 3C 12 11 00 00 0E 10 21 00 14 22 00 0A 26 00 01 6B 00 01 76 00 03 61 62 63 07 01 01 18 00 00 00 05 00 03 77 2F 74 00 03 62 79 65 00 04 75 73 65 72 00 04 70 61 73 73"
        => |p| {
            let c = expect!(p, Connect);
            assert_eq!(c.protocol_version, V5);
            assert!(c.clean_start);
            assert_eq!(c.keep_alive, 60);
            assert_eq!(c.client_id, "abc");
            assert_eq!(c.properties.session_expiry_interval, Some(3600));
            assert_eq!(c.properties.receive_maximum, Some(20));
            assert_eq!(c.properties.topic_alias_maximum, Some(10));
            assert_eq!(c.properties.user_properties, vec![user("k", "v")]);
            let will = c.will.expect("will");
            assert_eq!(will.qos, QoS::AtLeastOnce);
            assert!(!will.retain);
            assert_eq!(will.properties.payload_format_indicator, Some(1));
            assert_eq!(will.properties.will_delay_interval, Some(5));
            assert_eq!(will.topic, "w/t");
            assert_eq!(&will.payload[..], b"bye");
            assert_eq!(c.username.as_ref().map(|u| u.as_str()), Some("user"));
            assert_eq!(c.password.as_deref(), Some(&b"pass"[..]));
        }
}

// ---------------------------------------------------------------------------------------
// §5.4 CONNACK
// ---------------------------------------------------------------------------------------

vectors! {
    v311_connack_accepted_no_session: V3_1_1, CLIENT, "20 02 00 00" => |p| {
        let c = expect!(p, ConnAck);
        assert!(!c.session_present);
        assert_eq!(c.reason_code, ReasonCode::Success);
        assert!(c.properties.is_empty());
    }

    v311_connack_session_present: V3_1_1, CLIENT, "20 02 01 00" => |p| {
        let c = expect!(p, ConnAck);
        assert!(c.session_present);
        assert_eq!(c.reason_code, ReasonCode::Success);
    }

    v311_connack_identifier_rejected: V3_1_1, CLIENT, "20 02 00 02" => |p| {
        let c = expect!(p, ConnAck);
        assert!(!c.session_present);
        assert_eq!(c.reason_code, ReasonCode::ClientIdentifierNotValid);
        assert_eq!(v3_return_code(c.reason_code), Some(0x02));
    }

    v5_connack_success_no_properties: V5, CLIENT, "20 03 00 00 00" => |p| {
        let c = expect!(p, ConnAck);
        assert!(!c.session_present);
        assert_eq!(c.reason_code, ReasonCode::Success);
        assert!(c.properties.is_empty());
    }

    v5_connack_unsupported_protocol_version: V5, CLIENT, "20 03 00 84 00" => |p| {
        let c = expect!(p, ConnAck);
        assert!(!c.session_present);
        assert_eq!(c.reason_code, ReasonCode::UnsupportedProtocolVersion);
        assert!(c.properties.is_empty());
    }
}

/// `v5 CONNACK success w/ props` lists its properties as 0x21, 0x24, 0x12, not in the order
/// the encoder writes a set it is given. Properties may come in any order (PR-6); a decoded
/// packet keeps them as they came, borrowed or owned, so it re-encodes byte for byte.
#[test]
fn v5_connack_success_with_properties() {
    let p = roundtrip(
        V5,
        CLIENT,
        "20 11 00 00 0E 21 00 64 24 01 12 00 06 61 75 74 6F 2D 31",
    );
    let c = expect!(p, ConnAck);
    assert!(!c.session_present);
    assert_eq!(c.reason_code, ReasonCode::Success);
    assert_eq!(c.properties.receive_maximum, Some(100));
    assert_eq!(c.properties.maximum_qos, Some(1));
    assert_eq!(
        c.properties
            .assigned_client_identifier
            .as_ref()
            .map(|s| s.as_str()),
        Some("auto-1")
    );
}

// ---------------------------------------------------------------------------------------
// §5.5 PUBLISH
// ---------------------------------------------------------------------------------------

vectors! {
    v5_publish_qos1_with_properties: V5, ANY,
        "32 28 00 03 61 2F 62 00 0A 1B 01 01 02 00 00 00 3C 03 00 0A 74 65 78 74 2F 70 6C 61 69 6E 26 00 01 6B 00 01 76 68 65 6C 6C 6F"
        => |p| {
            let m = expect!(p, Publish);
            assert!(!m.dup);
            assert_eq!(m.qos, QoS::AtLeastOnce);
            assert!(!m.retain);
            assert_eq!(m.topic, "a/b");
            assert_eq!(m.packet_id.map(|id| id.get()), Some(10));
            assert_eq!(m.properties.payload_format_indicator, Some(1));
            assert_eq!(m.properties.message_expiry_interval, Some(60));
            assert_eq!(
                m.properties.content_type.as_ref().map(|s| s.as_str()),
                Some("text/plain")
            );
            assert_eq!(m.properties.user_properties, vec![user("k", "v")]);
            assert_eq!(&m.payload[..], b"hello");
        }

    v311_publish_qos1: V3_1_1, ANY, "32 0C 00 03 61 2F 62 00 0A 68 65 6C 6C 6F" => |p| {
        let m = expect!(p, Publish);
        assert_eq!((m.dup, m.qos, m.retain), (false, QoS::AtLeastOnce, false));
        assert_eq!(m.topic, "a/b");
        assert_eq!(m.packet_id.map(|id| id.get()), Some(10));
        assert_eq!(&m.payload[..], b"hello");
    }

    v311_publish_qos0_retain: V3_1_1, ANY, "31 07 00 03 61 2F 62 68 69" => |p| {
        let m = expect!(p, Publish);
        assert_eq!((m.dup, m.qos, m.retain), (false, QoS::AtMostOnce, true));
        assert_eq!(m.topic, "a/b");
        assert_eq!(m.packet_id, None);
        assert_eq!(&m.payload[..], b"hi");
    }

    v5_publish_qos0_no_properties: V5, ANY, "30 08 00 03 61 2F 62 00 68 69" => |p| {
        let m = expect!(p, Publish);
        assert_eq!((m.dup, m.qos, m.retain), (false, QoS::AtMostOnce, false));
        assert_eq!(m.topic, "a/b");
        assert_eq!(m.packet_id, None);
        assert!(m.properties.is_empty());
        assert_eq!(&m.payload[..], b"hi");
    }

    v5_publish_qos1_alias_only: V5, ANY, "32 09 00 00 00 0B 03 23 00 01 78" => |p| {
        let m = expect!(p, Publish);
        assert_eq!(m.qos, QoS::AtLeastOnce);
        assert!(m.topic.is_empty());
        assert_eq!(m.packet_id.map(|id| id.get()), Some(11));
        assert_eq!(m.properties.topic_alias, Some(1));
        assert_eq!(&m.payload[..], b"x");
    }

    v5_publish_qos2_server_to_client_two_subscription_ids: V5, CLIENT,
        "34 0D 00 03 61 2F 62 00 07 05 0B 01 0B C8 01"
        => |p| {
            let m = expect!(p, Publish);
            assert_eq!((m.dup, m.qos, m.retain), (false, QoS::ExactlyOnce, false));
            assert_eq!(m.topic, "a/b");
            assert_eq!(m.packet_id.map(|id| id.get()), Some(7));
            assert_eq!(m.properties.subscription_identifiers, vec![1, 200]);
            assert!(m.payload.is_empty());
        }
}

// ---------------------------------------------------------------------------------------
// §5.6 Acknowledgements
// ---------------------------------------------------------------------------------------

vectors! {
    v311_puback_id10: V3_1_1, ANY, "40 02 00 0A" => |p| {
        let a = expect!(p, PubAck);
        assert_eq!(a.packet_id.get(), 10);
        assert_eq!(a.reason_code, ReasonCode::Success);
    }

    v311_pubrec_id10: V3_1_1, ANY, "50 02 00 0A" => |p| {
        let a = expect!(p, PubRec);
        assert_eq!(a.packet_id.get(), 10);
        assert_eq!(a.reason_code, ReasonCode::Success);
    }

    v311_pubrel_id10: V3_1_1, ANY, "62 02 00 0A" => |p| {
        let a = expect!(p, PubRel);
        assert_eq!(a.packet_id.get(), 10);
        assert_eq!(a.reason_code, ReasonCode::Success);
    }

    v311_pubcomp_id10: V3_1_1, ANY, "70 02 00 0A" => |p| {
        let a = expect!(p, PubComp);
        assert_eq!(a.packet_id.get(), 10);
        assert_eq!(a.reason_code, ReasonCode::Success);
    }

    v5_puback_id10_short_form: V5, ANY, "40 02 00 0A" => |p| {
        let a = expect!(p, PubAck);
        assert_eq!(a.packet_id.get(), 10);
        assert_eq!(a.reason_code, ReasonCode::Success);
        assert!(a.properties.is_empty());
    }

    v5_puback_id10_no_matching_subscribers: V5, ANY, "40 03 00 0A 10" => |p| {
        let a = expect!(p, PubAck);
        assert_eq!(a.packet_id.get(), 10);
        assert_eq!(a.reason_code, ReasonCode::NoMatchingSubscribers);
        assert!(a.properties.is_empty());
    }

    v5_puback_id10_not_authorized_with_reason_string: V5, ANY,
        "40 09 00 0A 87 05 1F 00 02 6E 6F"
        => |p| {
            let a = expect!(p, PubAck);
            assert_eq!(a.packet_id.get(), 10);
            assert_eq!(a.reason_code, ReasonCode::NotAuthorized);
            assert_eq!(a.properties.reason_string.as_ref().map(|s| s.as_str()), Some("no"));
        }

    v5_pubrel_id10_packet_identifier_not_found: V5, ANY, "62 03 00 0A 92" => |p| {
        let a = expect!(p, PubRel);
        assert_eq!(a.packet_id.get(), 10);
        assert_eq!(a.reason_code, ReasonCode::PacketIdentifierNotFound);
    }
}

// ---------------------------------------------------------------------------------------
// §5.7 SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK
// ---------------------------------------------------------------------------------------

vectors! {
    v5_subscribe_with_options_and_subscription_id: V5, SERVER,
        "82 1E 00 0A 02 0B 01 00 03 61 2F 2B 2D 00 03 63 2F 23 12 00 0A 24 73 68 61 72 65 2F 67 2F 78 00"
        => |p| {
            let s = expect!(p, Subscribe);
            assert_eq!(s.packet_id.get(), 10);
            assert_eq!(s.properties.subscription_identifiers, vec![1]);
            let subs: Vec<_> = s
                .subscriptions
                .iter()
                .map(|s| (s.filter.as_str().to_string(), s.options))
                .collect();
            assert_eq!(
                subs,
                vec![
                    (
                        "a/+".to_string(),
                        SubscriptionOptions {
                            qos: QoS::AtLeastOnce,
                            no_local: true,
                            retain_as_published: true,
                            retain_handling: RetainHandling::DoNotSend,
                        }
                    ),
                    (
                        "c/#".to_string(),
                        SubscriptionOptions {
                            qos: QoS::ExactlyOnce,
                            no_local: false,
                            retain_as_published: false,
                            retain_handling: RetainHandling::SendIfNew,
                        }
                    ),
                    ("$share/g/x".to_string(), SubscriptionOptions::new(QoS::AtMostOnce)),
                ]
            );
            assert_eq!(s.subscriptions[2].filter.shared(), Some(("g", "x")));
        }

    v311_subscribe_two_filters: V3_1_1, SERVER,
        "82 0E 00 0A 00 03 61 2F 62 01 00 03 63 2F 64 02"
        => |p| {
            let s = expect!(p, Subscribe);
            assert_eq!(s.packet_id.get(), 10);
            let subs: Vec<_> = s
                .subscriptions
                .iter()
                .map(|s| (s.filter.as_str().to_string(), s.options))
                .collect();
            assert_eq!(
                subs,
                vec![
                    ("a/b".to_string(), SubscriptionOptions::new(QoS::AtLeastOnce)),
                    ("c/d".to_string(), SubscriptionOptions::new(QoS::ExactlyOnce)),
                ]
            );
        }

    v5_subscribe_no_properties: V5, SERVER, "82 09 00 0A 00 00 03 61 2F 62 01" => |p| {
        let s = expect!(p, Subscribe);
        assert_eq!(s.packet_id.get(), 10);
        assert!(s.properties.is_empty());
        assert_eq!(s.subscriptions.len(), 1);
        assert_eq!(s.subscriptions[0].filter, "a/b");
        assert_eq!(s.subscriptions[0].options, SubscriptionOptions::new(QoS::AtLeastOnce));
    }

    v311_suback_granted_and_failure: V3_1_1, CLIENT, "90 05 00 0A 00 02 80" => |p| {
        let s = expect!(p, SubAck);
        assert_eq!(s.packet_id.get(), 10);
        assert_eq!(s.reason_codes, vec![rc(0x00), rc(0x02), rc(0x80)]);
    }

    v5_suback_granted_qos: V5, CLIENT, "90 06 00 0A 00 01 02 00" => |p| {
        let s = expect!(p, SubAck);
        assert_eq!(s.packet_id.get(), 10);
        assert!(s.properties.is_empty());
        assert_eq!(
            s.reason_codes,
            vec![ReasonCode::GrantedQoS1, ReasonCode::GrantedQoS2, ReasonCode::Success]
        );
    }

    v5_suback_topic_filter_invalid: V5, CLIENT, "90 04 00 0A 00 8F" => |p| {
        let s = expect!(p, SubAck);
        assert_eq!(s.packet_id.get(), 10);
        assert_eq!(s.reason_codes, vec![ReasonCode::TopicFilterInvalid]);
    }

    v311_unsubscribe_two_filters: V3_1_1, SERVER,
        "A2 0C 00 0A 00 03 61 2F 62 00 03 63 2F 64"
        => |p| {
            let u = expect!(p, Unsubscribe);
            assert_eq!(u.packet_id.get(), 10);
            let filters: Vec<&str> = u.filters.iter().map(|f| f.as_str()).collect();
            assert_eq!(filters, ["a/b", "c/d"]);
        }

    v5_unsubscribe_one_filter: V5, SERVER, "A2 08 00 0A 00 00 03 61 2F 62" => |p| {
        let u = expect!(p, Unsubscribe);
        assert_eq!(u.packet_id.get(), 10);
        assert!(u.properties.is_empty());
        let filters: Vec<&str> = u.filters.iter().map(|f| f.as_str()).collect();
        assert_eq!(filters, ["a/b"]);
    }

    v311_unsuback_id10: V3_1_1, CLIENT, "B0 02 00 0A" => |p| {
        let u = expect!(p, UnsubAck);
        assert_eq!(u.packet_id.get(), 10);
        assert!(u.reason_codes.is_empty());
    }

    v5_unsuback_success_and_no_subscription_existed: V5, CLIENT, "B0 05 00 0A 00 00 11" => |p| {
        let u = expect!(p, UnsubAck);
        assert_eq!(u.packet_id.get(), 10);
        assert!(u.properties.is_empty());
        assert_eq!(
            u.reason_codes,
            vec![ReasonCode::Success, ReasonCode::NoSubscriptionExisted]
        );
    }
}

// ---------------------------------------------------------------------------------------
// §5.8 PING / DISCONNECT / AUTH
// ---------------------------------------------------------------------------------------

vectors! {
    v311_pingreq: V3_1_1, SERVER, "C0 00" => |p| { assert_eq!(p, Packet::PingReq); }
    v5_pingreq: V5, SERVER, "C0 00" => |p| { assert_eq!(p, Packet::PingReq); }
    v31_pingreq: V3_1, SERVER, "C0 00" => |p| { assert_eq!(p, Packet::PingReq); }
    v311_pingresp: V3_1_1, CLIENT, "D0 00" => |p| { assert_eq!(p, Packet::PingResp); }
    v5_pingresp: V5, CLIENT, "D0 00" => |p| { assert_eq!(p, Packet::PingResp); }

    v311_disconnect: V3_1_1, SERVER, "E0 00" => |p| {
        let d = expect!(p, Disconnect);
        assert_eq!(d.reason_code, ReasonCode::Success);
        assert!(d.properties.is_empty());
    }

    v5_disconnect_normal_rl0: V5, ANY, "E0 00" => |p| {
        let d = expect!(p, Disconnect);
        assert_eq!(d.reason_code, ReasonCode::Success);
        assert!(d.properties.is_empty());
    }

    v5_disconnect_with_will_message_rl1: V5, SERVER, "E0 01 04" => |p| {
        let d = expect!(p, Disconnect);
        assert_eq!(d.reason_code, ReasonCode::DisconnectWithWillMessage);
        assert!(d.properties.is_empty());
    }

    v5_disconnect_normal_with_session_expiry_0: V5, SERVER, "E0 07 00 05 11 00 00 00 00" => |p| {
        let d = expect!(p, Disconnect);
        assert_eq!(d.reason_code, ReasonCode::Success);
        assert_eq!(d.properties.session_expiry_interval, Some(0));
    }

    v5_auth_success_rl0: V5, CLIENT, "F0 00" => |p| {
        let a = expect!(p, Auth);
        assert_eq!(a.reason_code, ReasonCode::Success);
        assert!(a.properties.is_empty());
    }

    v5_auth_continue_scram: V5, ANY,
        "F0 15 18 13 15 00 0B 53 43 52 41 4D 2D 53 48 41 2D 31 16 00 02 01 02"
        => |p| {
            let a = expect!(p, Auth);
            assert_eq!(a.reason_code, ReasonCode::ContinueAuthentication);
            assert_eq!(
                a.properties.authentication_method.as_ref().map(|s| s.as_str()),
                Some("SCRAM-SHA-1")
            );
            assert_eq!(a.properties.authentication_data.as_deref(), Some(&[1u8, 2][..]));
        }
}

/// The direction-dependent vectors are refused from the wrong side.
#[test]
fn direction_dependent_vectors_are_refused_from_the_wrong_side() {
    let cases: &[(ProtocolVersion, Role, &str)] = &[
        // Subscription Identifiers in a client's PUBLISH (PUB-18).
        (
            V5,
            Role::Server,
            "34 0D 00 03 61 2F 62 00 07 05 0B 01 0B C8 01",
        ),
        // 0x04 is a client-only DISCONNECT code (DIS-4).
        (V5, Role::Client, "E0 01 04"),
        // A server never sends Session Expiry Interval in DISCONNECT (DIS-6).
        (V5, Role::Client, "E0 07 00 05 11 00 00 00 00"),
        // 3.1.1 DISCONNECT goes client to server only (DIS-3).
        (V3_1_1, Role::Client, "E0 00"),
        // A server does not receive CONNACK, SUBACK, UNSUBACK, PINGRESP (FH-4).
        (V3_1_1, Role::Server, "20 02 00 00"),
        (V5, Role::Server, "90 04 00 0A 00 8F"),
        (V3_1_1, Role::Server, "B0 02 00 0A"),
        (V3_1_1, Role::Server, "D0 00"),
        // A client does not receive CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ (FH-4).
        (
            V3_1_1,
            Role::Client,
            "10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63",
        ),
        (
            V3_1_1,
            Role::Client,
            "82 0E 00 0A 00 03 61 2F 62 01 00 03 63 2F 64 02",
        ),
        (V5, Role::Client, "A2 08 00 0A 00 00 03 61 2F 62"),
        (V3_1_1, Role::Client, "C0 00"),
    ];
    for &(version, role, hex_str) in cases {
        let bytes = hex(hex_str);
        let err = parse(&bytes, &opts(version, Some(role)))
            .expect_err(&format!("{hex_str} must be refused by a {role:?}"));
        assert_eq!(
            err.reason_code(),
            ReasonCode::ProtocolError,
            "{hex_str} by a {role:?}: {err:?}"
        );
    }
}

/// §5.9 notes: bytes invalid in 3.1.1 that are valid in 5.0.
#[test]
fn v5_accepts_what_v311_refuses() {
    // DISCONNECT with RL=1 and reason code 0x00.
    let bytes = hex("E0 01 00");
    let Ok(Status::Complete((Packet::Disconnect(d), 3))) = parse(&bytes, &opts(V5, SERVER)) else {
        panic!("5.0 DISCONNECT E0 01 00 must parse")
    };
    assert_eq!(d.reason_code, ReasonCode::Success);
    // AUTH is packet type 15.
    assert!(matches!(
        parse(&hex("F0 00"), &opts(V5, CLIENT)),
        Ok(Status::Complete((Packet::Auth(_), 2)))
    ));
    // No Local (0x04) in the options byte.
    let bytes = hex("82 07 00 0A 00 00 01 61 04");
    let Ok(Status::Complete((Packet::Subscribe(s), _))) = parse(&bytes, &opts(V5, SERVER)) else {
        panic!("5.0 SUBSCRIBE with No Local must parse")
    };
    assert!(s.subscriptions.iter().next().unwrap().options.no_local);
    // PUBACK with a reason code (RL=3).
    assert!(matches!(
        parse(&hex("40 03 00 0A 10"), &opts(V5, ANY)),
        Ok(Status::Complete((Packet::PubAck(_), 5)))
    ));
    // Password without user name.
    let bytes = hex("10 13 00 04 4D 51 54 54 05 42 00 3C 00 00 03 61 62 63 00 01 70");
    let Ok(Status::Complete((Packet::Connect(view), 21))) = parse(&bytes, &opts(V5, SERVER)) else {
        panic!("5.0 CONNECT with a password and no user name must parse")
    };
    let c = view.to_connect();
    assert_eq!(c.password, Some(&b"p"[..]));
    assert_eq!(c.username, None);
}

// ---------------------------------------------------------------------------------------
// §5.1 Remaining Length / VBI boundaries
// ---------------------------------------------------------------------------------------

const RL_BOUNDARIES: &[(u32, &str)] = &[
    (0, "00"),
    (127, "7F"),
    (128, "80 01"),
    (16_383, "FF 7F"),
    (16_384, "80 80 01"),
    (2_097_151, "FF FF 7F"),
    (2_097_152, "80 80 80 01"),
    (268_435_455, "FF FF FF 7F"),
];

#[test]
fn varint_len_matches_remaining_length_boundaries() {
    for &(value, encoding) in RL_BOUNDARIES {
        assert_eq!(
            varint_len(value),
            hex(encoding).len(),
            "varint_len({value})"
        );
    }
    assert_eq!(MAX_VARINT, 268_435_455);
}

#[test]
fn parse_header_reads_remaining_length_boundaries() {
    for version in [V3_1, V3_1_1, V5] {
        for &(value, encoding) in RL_BOUNDARIES {
            let mut header = vec![0x30];
            header.extend(hex(encoding));
            let expected = FixedHeader {
                packet_type: PacketType::Publish,
                flags: 0,
                remaining_length: value as usize,
                header_len: header.len(),
            };
            assert_eq!(
                parse_header(&header, &opts(version, ANY)),
                Ok(Status::Complete(expected)),
                "30 {encoding} under {version}"
            );
            // One byte short of the header: more is needed.
            assert!(matches!(
                parse_header(&header[..header.len() - 1], &opts(version, ANY)),
                Ok(Status::Partial(_))
            ));
        }
    }
}

/// A QoS 0 PUBLISH on topic "a" (3 body bytes before the payload) whose body is `rl` bytes.
fn publish_with_body_len(rl: u32) -> Publish {
    let payload = Bytes::from(vec![0u8; rl as usize - 3]);
    Publish::new(TopicName::new("a").unwrap(), payload)
}

#[test]
fn remaining_length_0_is_pingreq() {
    assert_eq!(
        Packet::<mqtt_codec::Owned>::PingReq.to_bytes(V5).unwrap()[..],
        [0xC0, 0x00]
    );
    assert_eq!(
        Packet::<mqtt_codec::Owned>::PingReq.encoded_len(V3_1_1),
        Ok(2)
    );
}

#[test]
fn publish_encodes_remaining_length_boundaries() {
    for &(rl, encoding) in RL_BOUNDARIES
        .iter()
        .filter(|(v, _)| (3..=2_097_152).contains(v))
    {
        let packet = Packet::Publish(publish_with_body_len(rl));
        let rl_bytes = hex(encoding);
        let bytes = packet.to_bytes(V3_1_1).unwrap();
        assert_eq!(bytes.len(), 1 + rl_bytes.len() + rl as usize);
        assert_eq!(bytes[0], 0x30);
        assert_eq!(
            to_hex(&bytes[1..1 + rl_bytes.len()]),
            to_hex(&rl_bytes),
            "RL {rl}"
        );
        assert_eq!(&bytes[1 + rl_bytes.len()..][..3], &[0x00, 0x01, b'a']);
        // And it decodes back.
        let Ok(Status::Complete((decoded, used))) = parse(&bytes, &opts(V3_1_1, ANY)) else {
            panic!("RL {rl} does not parse")
        };
        assert_eq!(used, bytes.len());
        assert_eq!(decoded.to_bytes(V3_1_1).unwrap(), bytes);
    }
}

#[test]
fn publish_encode_header_writes_remaining_length_boundaries() {
    for &(rl, encoding) in RL_BOUNDARIES.iter().filter(|(v, _)| *v >= 4) {
        for version in [V3_1_1, V5] {
            // vec![0; n] is a zeroed allocation that the encoder never touches.
            let mut publish = publish_with_body_len(rl);
            let mut expected = vec![0x30];
            expected.extend(hex(encoding));
            expected.extend([0x00, 0x01, b'a']);
            if version.is_v5() {
                // One byte of Property Length (0) joins the header; the payload shrinks by one.
                publish.payload = publish.payload.slice(1..);
                expected.push(0x00);
            }
            let mut header = Vec::new();
            let payload_len = publish.encode_header(version, &mut header).unwrap().len();
            assert_eq!(
                header.len() + payload_len,
                1 + hex(encoding).len() + rl as usize
            );
            assert_eq!(
                to_hex(&header),
                to_hex(&expected),
                "RL {rl} under {version}"
            );
        }
    }
}

#[test]
fn publish_beyond_max_remaining_length_is_refused_by_encoder() {
    let publish = publish_with_body_len(MAX_VARINT + 1);
    let mut header = Vec::new();
    assert!(matches!(
        publish.encode_header(V3_1_1, &mut header),
        Err(EncodeError::PacketTooLarge { .. })
    ));
    assert!(header.is_empty(), "nothing written on error");
    let packet = Packet::Publish(publish);
    assert!(matches!(
        packet.encoded_len(V3_1_1),
        Err(EncodeError::PacketTooLarge { .. })
    ));
}

#[test]
fn five_byte_remaining_length_is_var_int_too_long() {
    for version in [V3_1, V3_1_1, V5] {
        for encoding in ["FF FF FF FF 7F", "80 80 80 80 01"] {
            let mut bytes = vec![0x30];
            bytes.extend(hex(encoding));
            assert!(
                matches!(
                    parse_header(&bytes, &opts(version, ANY)),
                    Err(DecodeError::VarIntTooLong { .. })
                ),
                "30 {encoding} under {version}"
            );
            assert!(matches!(
                parse(&bytes, &opts(version, ANY)),
                Err(DecodeError::VarIntTooLong { .. })
            ));
        }
    }
}

#[test]
fn non_minimal_remaining_length_is_refused() {
    for version in [V3_1, V3_1_1, V5] {
        for encoding in ["80 00", "FF 00", "80 80 00"] {
            let mut bytes = vec![0x30];
            bytes.extend(hex(encoding));
            assert!(
                matches!(
                    parse_header(&bytes, &opts(version, ANY)),
                    Err(DecodeError::NonMinimalVarInt { .. })
                ),
                "30 {encoding} under {version}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// §5.9 Negative vectors
// ---------------------------------------------------------------------------------------

/// One test per negative vector:
/// `name: version, receiver, "hex" => expected DecodeError pattern, 5.0 reason code or None`.
/// The borrowed parser and the streaming decoder must both refuse it with that error.
macro_rules! rejects {
    ($( $name:ident: $version:expr, $receiver:expr, $hex:literal => $pat:pat, $code:expr; )*) => {
        $(
            #[test]
            fn $name() {
                let bytes = hex($hex);
                let err = match parse(&bytes, &opts($version, $receiver)) {
                    Err(e) => e,
                    Ok(ok) => panic!("{} must be refused, parsed as {ok:?}", $hex),
                };
                assert!(matches!(err, $pat), "{}: got {err:?}, want {}", $hex, stringify!($pat));
                let code: Option<u8> = $code;
                if let Some(code) = code {
                    assert_eq!(err.reason_code().value(), code, "reason code of {err:?}");
                }
                let mut decoder = Decoder::new(DecoderConfig {
                    version: Some($version),
                    role: $receiver,
                    max_packet_size: MAX_PACKET_SIZE,
                });
                decoder.feed(&bytes);
                assert_eq!(decoder.next_packet(), Err(err), "the decoder agrees");
            }
        )*
    };
}

const MAL: Option<u8> = Some(0x81);
const PE: Option<u8> = Some(0x82);
const CLOSE: Option<u8> = None;

rejects! {
    rl_five_bytes_v311: V3_1_1, ANY, "30 FF FF FF FF 7F" => DecodeError::VarIntTooLong { .. }, CLOSE;
    rl_five_bytes_v5: V5, ANY, "30 FF FF FF FF 7F" => DecodeError::VarIntTooLong { .. }, MAL;
    v5_pingreq_non_minimal_rl: V5, SERVER, "C0 80 00" => DecodeError::NonMinimalVarInt { .. }, MAL;
    v311_pingreq_non_minimal_rl: V3_1_1, SERVER, "C0 80 00" => DecodeError::NonMinimalVarInt { .. }, CLOSE;
    pingreq_rl1_v311: V3_1_1, SERVER, "C0 01 00"
        => DecodeError::InvalidRemainingLength { packet_type: PacketType::PingReq, length: 1 }, CLOSE;
    pingreq_rl1_v5: V5, SERVER, "C0 01 00"
        => DecodeError::InvalidRemainingLength { packet_type: PacketType::PingReq, length: 1 }, MAL;
    packet_type_0_v311: V3_1_1, ANY, "00 00" => DecodeError::ReservedPacketType { packet_type: 0 }, CLOSE;
    packet_type_0_v5: V5, ANY, "00 00" => DecodeError::ReservedPacketType { packet_type: 0 }, MAL;
    v311_packet_type_15: V3_1_1, ANY, "F0 00" => DecodeError::ReservedPacketType { packet_type: 15 }, CLOSE;
    v31_packet_type_15: V3_1, ANY, "F0 00" => DecodeError::ReservedPacketType { packet_type: 15 }, CLOSE;
    connect_fixed_header_flags_1: V3_1_1, SERVER,
        "11 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63"
        => DecodeError::InvalidFlags { packet_type: PacketType::Connect, flags: 1 }, CLOSE;
    v311_connect_reserved_flag: V3_1_1, SERVER,
        "10 0F 00 04 4D 51 54 54 04 03 00 3C 00 03 61 62 63"
        => DecodeError::ConnectReservedFlag, CLOSE;
    v311_connect_will_qos_3: V3_1_1, SERVER,
        "10 15 00 04 4D 51 54 54 04 1E 00 3C 00 03 61 62 63 00 01 77 00 01 78"
        => DecodeError::WillQos3, CLOSE;
    v311_connect_will_qos_without_will_flag: V3_1_1, SERVER,
        "10 0F 00 04 4D 51 54 54 04 0A 00 3C 00 03 61 62 63"
        => DecodeError::WillQosWithoutWill, CLOSE;
    v311_connect_password_without_username: V3_1_1, SERVER,
        "10 12 00 04 4D 51 54 54 04 42 00 3C 00 03 61 62 63 00 01 70"
        => DecodeError::PasswordWithoutUsername, CLOSE;
    v311_connect_protocol_name_mqtx: V3_1_1, SERVER,
        "10 0F 00 04 4D 51 54 58 04 02 00 3C 00 03 61 62 63"
        => DecodeError::UnsupportedProtocolName, CLOSE;
    v311_connect_trailing_byte: V3_1_1, SERVER,
        "10 10 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63 00"
        => DecodeError::TrailingBytes { packet_type: PacketType::Connect, count: 1 }, CLOSE;
    v311_connack_reserved_ack_flag: V3_1_1, CLIENT, "20 02 02 00"
        => DecodeError::ConnAckReservedFlags { flags: 0x02 }, CLOSE;
    v311_connack_session_present_with_refusal: V3_1_1, CLIENT, "20 02 01 05"
        => DecodeError::SessionPresentOnFailure { code: 5 }, CLOSE;
    publish_qos_3_v311: V3_1_1, ANY, "36 08 00 03 61 2F 62 00 01 78" => DecodeError::PublishQos3, CLOSE;
    publish_qos_3_v5: V5, ANY, "36 08 00 03 61 2F 62 00 01 78" => DecodeError::PublishQos3, MAL;
    publish_topic_with_plus_v311: V3_1_1, ANY, "30 06 00 03 61 2F 2B 78"
        => DecodeError::InvalidTopicName { reason: TopicError::WildcardInName, .. }, CLOSE;
    publish_topic_with_plus_v5: V5, ANY, "30 06 00 03 61 2F 2B 78"
        => DecodeError::InvalidTopicName { reason: TopicError::WildcardInName, .. }, MAL;
    v311_publish_empty_topic: V3_1_1, ANY, "30 03 00 00 78"
        => DecodeError::InvalidTopicName { reason: TopicError::Empty, .. }, CLOSE;
    v311_publish_qos1_packet_id_0: V3_1_1, ANY, "32 06 00 01 61 00 00 78"
        => DecodeError::ZeroPacketId { packet_type: PacketType::Publish }, CLOSE;
    publish_topic_with_nul_v311: V3_1_1, ANY, "30 06 00 03 61 00 62 78"
        => DecodeError::NullCharacter { .. }, CLOSE;
    publish_topic_with_nul_v5: V5, ANY, "30 06 00 03 61 00 62 78"
        => DecodeError::NullCharacter { .. }, MAL;
    publish_topic_with_encoded_surrogate_v311: V3_1_1, ANY, "30 06 00 03 ED A0 80 78"
        => DecodeError::InvalidUtf8 { .. }, CLOSE;
    publish_topic_with_encoded_surrogate_v5: V5, ANY, "30 06 00 03 ED A0 80 78"
        => DecodeError::InvalidUtf8 { .. }, MAL;
    publish_topic_with_overlong_slash_v311: V3_1_1, ANY, "30 05 00 02 C0 AF 78"
        => DecodeError::InvalidUtf8 { .. }, CLOSE;
    publish_topic_with_overlong_slash_v5: V5, ANY, "30 05 00 02 C0 AF 78"
        => DecodeError::InvalidUtf8 { .. }, MAL;
    pubrel_flags_0000_v311: V3_1_1, ANY, "60 02 00 0A"
        => DecodeError::InvalidFlags { packet_type: PacketType::PubRel, flags: 0 }, CLOSE;
    pubrel_flags_0000_v5: V5, ANY, "60 02 00 0A"
        => DecodeError::InvalidFlags { packet_type: PacketType::PubRel, flags: 0 }, MAL;
    subscribe_flags_0000_v311: V3_1_1, SERVER, "80 06 00 0A 00 01 61 00"
        => DecodeError::InvalidFlags { packet_type: PacketType::Subscribe, flags: 0 }, CLOSE;
    subscribe_flags_0000_v5: V5, SERVER, "80 06 00 0A 00 01 61 00"
        => DecodeError::InvalidFlags { packet_type: PacketType::Subscribe, flags: 0 }, MAL;
    v311_subscribe_no_payload: V3_1_1, SERVER, "82 02 00 0A"
        => DecodeError::EmptyPayload { packet_type: PacketType::Subscribe }, CLOSE;
    v311_subscribe_reserved_bits_in_qos_byte: V3_1_1, SERVER, "82 06 00 0A 00 01 61 04"
        => DecodeError::InvalidRequestedQos { options: 0x04 }, CLOSE;
    v311_subscribe_packet_id_0: V3_1_1, SERVER, "82 06 00 00 00 01 61 00"
        => DecodeError::ZeroPacketId { packet_type: PacketType::Subscribe }, CLOSE;
    v311_subscribe_filter_hash_not_last: V3_1_1, SERVER, "82 0A 00 0A 00 05 61 2F 23 2F 62 00"
        => DecodeError::InvalidTopicFilter { reason: TopicError::MultiLevelWildcard }, CLOSE;
    v311_suback_return_code_3: V3_1_1, CLIENT, "90 03 00 0A 03"
        => DecodeError::InvalidReasonCode { packet_type: PacketType::SubAck, code: 3 }, CLOSE;
    unsubscribe_flags_0000_v311: V3_1_1, SERVER, "A0 05 00 0A 00 01 61"
        => DecodeError::InvalidFlags { packet_type: PacketType::Unsubscribe, flags: 0 }, CLOSE;
    unsubscribe_flags_0000_v5: V5, SERVER, "A0 05 00 0A 00 01 61"
        => DecodeError::InvalidFlags { packet_type: PacketType::Unsubscribe, flags: 0 }, MAL;
    v311_disconnect_rl1: V3_1_1, SERVER, "E0 01 00"
        => DecodeError::InvalidRemainingLength { packet_type: PacketType::Disconnect, length: 1 }, CLOSE;
    v311_puback_with_reason_code_rl3: V3_1_1, ANY, "40 03 00 0A 10"
        => DecodeError::InvalidRemainingLength { packet_type: PacketType::PubAck, length: 3 }, CLOSE;
    v5_publish_duplicate_payload_format_indicator: V5, ANY, "30 09 00 01 61 04 01 00 01 01 78"
        => DecodeError::DuplicateProperty { property: PropertyId::PayloadFormatIndicator }, PE;
    v5_publish_session_expiry_not_allowed: V5, ANY, "30 0A 00 01 61 05 11 00 00 00 01 78"
        => DecodeError::PropertyNotAllowed { property: PropertyId::SessionExpiryInterval, .. }, MAL;
    v5_publish_topic_alias_0: V5, ANY, "30 08 00 01 61 03 23 00 00 78"
        => DecodeError::InvalidPropertyValue { property: PropertyId::TopicAlias, value: 0 }, Some(0x94);
    v5_publish_empty_topic_without_alias: V5, ANY, "30 04 00 00 00 78"
        => DecodeError::EmptyTopicWithoutAlias, PE;
    v5_publish_property_length_overruns_packet: V5, ANY, "30 06 00 01 61 05 01 01"
        => DecodeError::UnexpectedEnd { packet_type: PacketType::Publish, .. }, MAL;
    v5_connect_receive_maximum_0: V5, SERVER,
        "10 13 00 04 4D 51 54 54 05 02 00 3C 03 21 00 00 00 03 61 62 63"
        => DecodeError::InvalidPropertyValue { property: PropertyId::ReceiveMaximum, value: 0 }, PE;
    v5_connect_auth_data_without_method: V5, SERVER,
        "10 14 00 04 4D 51 54 54 05 02 00 3C 04 16 00 01 78 00 03 61 62 63"
        => DecodeError::AuthenticationDataWithoutMethod, PE;
    v5_subscribe_options_reserved_bit_6: V5, SERVER, "82 07 00 0A 00 00 01 61 40"
        => DecodeError::SubscriptionOptionsReserved { options: 0x40 }, MAL;
    v5_subscribe_retain_handling_3: V5, SERVER, "82 07 00 0A 00 00 01 61 30"
        => DecodeError::RetainHandling3, PE;
    v5_subscribe_max_qos_3: V5, SERVER, "82 07 00 0A 00 00 01 61 03"
        => DecodeError::SubscriptionQos3, PE;
    v5_subscribe_no_local_on_shared: V5, SERVER,
        "82 10 00 0A 00 00 0A 24 73 68 61 72 65 2F 67 2F 61 04"
        => DecodeError::NoLocalOnSharedSubscription, PE;
    v5_subscribe_subscription_identifier_0: V5, SERVER, "82 09 00 0A 02 0B 00 00 01 61 00"
        => DecodeError::InvalidPropertyValue { property: PropertyId::SubscriptionIdentifier, value: 0 }, PE;
    v5_disconnect_flags_1: V5, ANY, "E1 00"
        => DecodeError::InvalidFlags { packet_type: PacketType::Disconnect, flags: 1 }, MAL;
    v5_auth_flags_1: V5, ANY, "F1 00"
        => DecodeError::InvalidFlags { packet_type: PacketType::Auth, flags: 1 }, MAL;
    v5_auth_continue_without_method: V5, ANY, "F0 02 18 00"
        => DecodeError::MissingAuthenticationMethod, PE;
}

// ---------------------------------------------------------------------------------------
// Beyond §5: more vectors from the rules of §1–§2 and §7
// ---------------------------------------------------------------------------------------

vectors! {
    // §7.16: "$share/g" is an ordinary filter in 3.1.1.
    v311_subscribe_share_prefix_is_an_ordinary_filter: V3_1_1, SERVER,
        "82 0D 00 0A 00 08 24 73 68 61 72 65 2F 67 00"
        => |p| {
            let s = expect!(p, Subscribe);
            assert_eq!(s.subscriptions[0].filter, "$share/g");
        }

    // DT-6: U+FEFF is kept, even at the start of a string.
    v311_publish_topic_starting_with_feff: V3_1_1, ANY, "30 08 00 04 EF BB BF 61 68 69" => |p| {
        let m = expect!(p, Publish);
        assert_eq!(m.topic, "\u{FEFF}a");
    }
}

rejects! {
    v311_unsubscribe_empty_filter: V3_1_1, SERVER, "A2 04 00 0A 00 00"
        => DecodeError::InvalidTopicFilter { reason: TopicError::Empty }, CLOSE;
    v5_publish_response_topic_with_wildcard: V5, ANY, "30 0B 00 01 61 06 08 00 03 61 2F 2B 78"
        => DecodeError::InvalidTopicName { reason: TopicError::WildcardInName, .. }, MAL;
    v5_publish_subscription_identifier_five_bytes: V5, CLIENT, "30 0A 00 01 61 06 0B 80 80 80 80 01"
        => DecodeError::VarIntTooLong { .. }, MAL;
    v5_publish_subscription_identifier_non_minimal: V5, CLIENT, "30 07 00 01 61 03 0B 80 00"
        => DecodeError::NonMinimalVarInt { .. }, MAL;
    v5_publish_property_length_non_minimal: V5, ANY, "30 06 00 01 61 80 00 78"
        => DecodeError::NonMinimalVarInt { .. }, MAL;
    v5_publish_property_identifier_non_minimal: V5, ANY, "30 06 00 01 61 02 80 00"
        => DecodeError::NonMinimalVarInt { .. }, MAL;
    v5_publish_undefined_property_0: V5, ANY, "30 05 00 01 61 01 00"
        => DecodeError::UnknownProperty { id: 0 }, MAL;
    v5_publish_subscription_identifier_from_client: V5, SERVER, "30 07 00 01 61 02 0B 01 78"
        => DecodeError::SubscriptionIdentifierFromClient, PE;
    v5_connack_rl2_is_the_311_layout: V5, CLIENT, "20 02 00 01"
        => DecodeError::InvalidRemainingLength { packet_type: PacketType::ConnAck, length: 2 }, MAL;
    v5_connack_reason_code_not_allowed: V5, CLIENT, "20 03 00 01 00"
        => DecodeError::InvalidReasonCode { packet_type: PacketType::ConnAck, code: 1 }, MAL;
    v311_connack_return_code_6: V3_1_1, CLIENT, "20 02 00 06"
        => DecodeError::InvalidReasonCode { packet_type: PacketType::ConnAck, code: 6 }, CLOSE;
    v311_suback_no_codes: V3_1_1, CLIENT, "90 02 00 0A"
        => DecodeError::EmptyPayload { packet_type: PacketType::SubAck }, CLOSE;
    v5_unsuback_no_codes: V5, CLIENT, "B0 03 00 0A 00"
        => DecodeError::EmptyPayload { packet_type: PacketType::UnsubAck }, MAL;
    v311_puback_packet_id_0: V3_1_1, ANY, "40 02 00 00"
        => DecodeError::ZeroPacketId { packet_type: PacketType::PubAck }, CLOSE;
    v5_pubrel_reason_code_not_allowed: V5, ANY, "62 03 00 0A 10"
        => DecodeError::InvalidReasonCode { packet_type: PacketType::PubRel, code: 0x10 }, MAL;
    v5_auth_rl1_without_method: V5, ANY, "F0 01 18"
        => DecodeError::MissingAuthenticationMethod, PE;
    v5_auth_reauthenticate_from_server: V5, CLIENT, "F0 02 19 00"
        => DecodeError::ReasonCodeFromWrongSide { packet_type: PacketType::Auth, code: 0x19 }, PE;
    v5_disconnect_session_taken_over_from_client: V5, SERVER, "E0 01 8E"
        => DecodeError::ReasonCodeFromWrongSide { packet_type: PacketType::Disconnect, code: 0x8E }, PE;
    v5_disconnect_session_expiry_from_server: V5, CLIENT, "E0 07 00 05 11 00 00 00 00"
        => DecodeError::SessionExpiryFromServer, PE;
    v311_connect_empty_client_id_without_clean_session: V3_1_1, SERVER,
        "10 0C 00 04 4D 51 54 54 04 00 00 3C 00 00"
        => DecodeError::EmptyClientIdWithoutCleanSession, CLOSE;
    v311_connect_will_retain_without_will_flag: V3_1_1, SERVER,
        "10 0F 00 04 4D 51 54 54 04 22 00 3C 00 03 61 62 63"
        => DecodeError::WillRetainWithoutWill, CLOSE;
    v311_connect_will_topic_with_wildcard: V3_1_1, SERVER,
        "10 15 00 04 4D 51 54 54 04 06 00 3C 00 03 61 62 63 00 01 23 00 01 78"
        => DecodeError::InvalidTopicName { reason: TopicError::WildcardInName, .. }, CLOSE;
    v311_connect_level_5_name_mqisdp: V3_1_1, SERVER,
        "10 11 00 06 4D 51 49 73 64 70 05 02 00 3C 00 03 61 62 63"
        => DecodeError::UnsupportedProtocolLevel { level: 5 }, CLOSE;
    publish_dup_at_qos_0: V3_1_1, ANY, "38 06 00 01 61 78 79 7A"
        => DecodeError::DupWithQos0, CLOSE;
}
