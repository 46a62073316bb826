//! Property tests of the MQTT-SN 2.0 codec (OASIS CSD01 draft): every packet built from
//! valid values round trips through the encoder and the parser; any datagram either parses
//! or is refused, never a panic, and one that parses re-encodes to a datagram that parses
//! to the same packet.
//!
//! Canonical form: a reason code the layout makes optional (the acknowledgements, REGACK,
//! SLEEPRESP) is left off when it is 0x00 and read as 0x00 when absent, a SUBACK always
//! carries its reason code, and the 3-octet Length is written only above 255 octets. So
//! after a first parse the *packets* are compared, not the bytes.

use bytes::Bytes;
use mqtt_codec::sn::v2::{
    parse, parse_bytes, Ack, AliasKind, Auth, AuthBlock, ConnAck, Connect, Disconnect, Packet,
    Protection, PubWos, Publish, RegAck, Register, Sn2Error, SubAck, Subscribe, Topic, Will,
};
use mqtt_codec::{MqttStr, QoS};
use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;
use proptest::sample::select;

// ---------------------------------------------------------------------------------------
// Field strategies (valid values only)
// ---------------------------------------------------------------------------------------

fn text(pattern: &'static str) -> impl Strategy<Value = MqttStr<Bytes>> {
    pattern.prop_map(|s: String| MqttStr::try_new(Bytes::from(s)).unwrap())
}

/// A topic name: no wildcards, not empty, some of it beyond ASCII.
fn topic_name() -> impl Strategy<Value = MqttStr<Bytes>> {
    prop_oneof![
        4 => text("[a-z0-9]{1,4}(/[a-z0-9]{1,4}){0,3}"),
        1 => text("(/|[a-zé€😀 ]{1,3}){1,4}"),
        1 => text("\\$SYS/[a-z]{1,5}"),
    ]
}

/// A topic filter: names, `+` and `#` placed as MQTT allows them, shared subscriptions.
fn topic_filter() -> impl Strategy<Value = MqttStr<Bytes>> {
    prop_oneof![
        topic_name(),
        text("[a-z]{1,3}/\\+(/[a-z]{1,3})?"),
        text("([a-z]{1,3}/){0,2}#"),
        text("\\+(/\\+){0,2}"),
        text("\\$share/[a-z]{1,4}/([a-z]{1,3}/)?[a-z#+]"),
    ]
}

fn client_id() -> impl Strategy<Value = MqttStr<Bytes>> {
    text("[0-9a-zA-Z]{0,23}")
}

fn blob(max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

/// A payload, short or long enough that the 3-octet Length occurs.
fn payload() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        3 => vec(any::<u8>(), 0..16),
        1 => vec(any::<u8>(), 240..300),
    ]
    .prop_map(Bytes::from)
}

/// A packet id: never 0 ([MQTT-SN-2.2-1]).
fn packet_id() -> impl Strategy<Value = u16> {
    prop_oneof![Just(1u16), Just(u16::MAX), 1u16..=u16::MAX]
}

fn qos() -> impl Strategy<Value = QoS> {
    prop_oneof![
        Just(QoS::AtMostOnce),
        Just(QoS::AtLeastOnce),
        Just(QoS::ExactlyOnce)
    ]
}

fn alias_kind() -> impl Strategy<Value = AliasKind> {
    prop_oneof![Just(AliasKind::Session), Just(AliasKind::Predefined)]
}

/// How PUBLISH and the will name a topic: either alias kind, or the name.
fn topic() -> impl Strategy<Value = Topic<Bytes>> {
    prop_oneof![
        any::<u16>().prop_map(Topic::Alias),
        any::<u16>().prop_map(Topic::Predefined),
        topic_name().prop_map(Topic::Name),
    ]
}

/// How SUBSCRIBE and UNSUBSCRIBE name one: either alias kind, or a filter.
fn filter() -> impl Strategy<Value = Topic<Bytes>> {
    prop_oneof![
        any::<u16>().prop_map(Topic::Alias),
        any::<u16>().prop_map(Topic::Predefined),
        topic_filter().prop_map(Topic::Name),
    ]
}

fn auth_block() -> impl Strategy<Value = AuthBlock<Bytes>> {
    (text("[A-Za-z0-9-]{0,20}"), blob(40)).prop_map(|(method, data)| AuthBlock { method, data })
}

fn will() -> impl Strategy<Value = Will<Bytes>> {
    (qos(), any::<bool>(), topic(), payload()).prop_map(|(qos, retain, topic, payload)| Will {
        qos,
        retain,
        topic,
        payload,
    })
}

/// A reason code, often 0x00 (the value the canonical form leaves off).
fn reason_code() -> impl Strategy<Value = u8> {
    prop_oneof![Just(0u8), any::<u8>()]
}

// ---------------------------------------------------------------------------------------
// Packet strategies
// ---------------------------------------------------------------------------------------

fn connect() -> BoxedStrategy<Packet<Bytes>> {
    (
        (any::<bool>(), any::<bool>(), any::<bool>()),
        packet_id(),
        1u16..=u16::MAX,
        prop_oneof![Just(0u16), 10u16..=u16::MAX],
        of(any::<u8>()),
        of(any::<u32>()),
        of(will()),
        of(auth_block()),
        client_id(),
    )
        .prop_map(
            |(
                (clean_start, address_may_change, server_may_suggest),
                packet_id,
                keep_alive,
                max_packet_size,
                default_awake_messages,
                session_expiry,
                will,
                auth,
                client_id,
            )| {
                Packet::Connect(Connect {
                    clean_start,
                    address_may_change,
                    server_may_suggest,
                    packet_id,
                    protocol_version: 2,
                    keep_alive,
                    max_packet_size,
                    default_awake_messages,
                    session_expiry,
                    will,
                    auth,
                    client_id,
                })
            },
        )
        .boxed()
}

fn connack() -> BoxedStrategy<Packet<Bytes>> {
    (
        any::<bool>(),
        packet_id(),
        reason_code(),
        of(any::<u32>()),
        of(any::<u16>()),
        of(auth_block()),
        // Present means non-empty: an empty rest reads as absent.
        of(text("[0-9a-zA-Z]{1,23}")),
    )
        .prop_map(
            |(session_present, packet_id, reason_code, expiry, keep_alive, auth, assigned)| {
                Packet::ConnAck(ConnAck {
                    // Only with Success [MQTT-SN-3.2.2.1-5].
                    session_present: session_present && reason_code == 0,
                    packet_id,
                    reason_code,
                    session_expiry: expiry,
                    server_keep_alive: keep_alive,
                    auth,
                    assigned_client_id: assigned,
                })
            },
        )
        .boxed()
}

fn auth() -> BoxedStrategy<Packet<Bytes>> {
    (
        packet_id(),
        select(vec![0x00u8, 0x18, 0x19]),
        text("[A-Za-z0-9-]{0,20}"),
        blob(40),
    )
        .prop_map(|(packet_id, reason_code, method, data)| {
            Packet::Auth(Auth {
                packet_id,
                reason_code,
                method,
                data,
            })
        })
        .boxed()
}

fn publish() -> BoxedStrategy<Packet<Bytes>> {
    (
        qos(),
        any::<bool>(),
        any::<bool>(),
        topic(),
        packet_id(),
        payload(),
    )
        .prop_map(|(qos, dup, retain, topic, id, payload)| {
            Packet::Publish(Publish {
                // DUP only at QoS 2 [MQTT-SN-3.6.2.2.3-1].
                dup: dup && qos == QoS::ExactlyOnce,
                qos,
                retain,
                topic,
                // An id exactly at QoS 1 and 2 (SN2-9).
                packet_id: (qos != QoS::AtMostOnce).then_some(id),
                payload,
            })
        })
        .boxed()
}

fn pubwos() -> BoxedStrategy<Packet<Bytes>> {
    let topic = prop_oneof![
        any::<u16>().prop_map(Topic::Predefined),
        topic_name().prop_map(Topic::Name),
    ];
    (any::<bool>(), topic, payload())
        .prop_map(|(retain, topic, payload)| {
            Packet::PubWos(PubWos {
                retain,
                topic,
                payload,
            })
        })
        .boxed()
}

fn ack() -> BoxedStrategy<Packet<Bytes>> {
    (0..5u8, packet_id(), reason_code())
        .prop_map(|(which, packet_id, reason_code)| {
            let a = Ack {
                packet_id,
                reason_code,
            };
            match which {
                0 => Packet::PubAck(a),
                1 => Packet::PubRec(a),
                2 => Packet::PubRel(a),
                3 => Packet::PubComp(a),
                _ => Packet::UnsubAck(a),
            }
        })
        .boxed()
}

fn subscribe() -> BoxedStrategy<Packet<Bytes>> {
    (
        any::<bool>(),
        qos(),
        any::<bool>(),
        0u8..=2,
        packet_id(),
        filter(),
    )
        .prop_map(
            |(no_local, qos, retain_as_published, retain_handling, packet_id, topic)| {
                Packet::Subscribe(Subscribe {
                    no_local,
                    qos,
                    retain_as_published,
                    retain_handling,
                    packet_id,
                    topic,
                })
            },
        )
        .boxed()
}

fn suback() -> BoxedStrategy<Packet<Bytes>> {
    (
        packet_id(),
        alias_kind(),
        of(any::<u16>()),
        prop_oneof![0u8..=2, 0x80u8..=0xFF],
    )
        .prop_map(|(packet_id, kind, alias, reason_code)| {
            Packet::SubAck(SubAck {
                packet_id,
                // Without an alias the type is 01 [MQTT-SN-3.8.2.1-2].
                kind: if alias.is_some() {
                    kind
                } else {
                    AliasKind::Predefined
                },
                alias,
                reason_code,
            })
        })
        .boxed()
}

fn unsubscribe() -> BoxedStrategy<Packet<Bytes>> {
    (packet_id(), filter())
        .prop_map(|(packet_id, topic)| Packet::Unsubscribe { packet_id, topic })
        .boxed()
}

fn register() -> BoxedStrategy<Packet<Bytes>> {
    (packet_id(), of(any::<u16>()), topic_name())
        .prop_map(|(packet_id, alias, topic_name)| {
            Packet::Register(Register {
                packet_id,
                alias,
                topic_name,
            })
        })
        .boxed()
}

fn regack() -> BoxedStrategy<Packet<Bytes>> {
    (packet_id(), alias_kind(), of(any::<u16>()), reason_code())
        .prop_map(|(packet_id, kind, alias, reason_code)| {
            Packet::RegAck(RegAck {
                packet_id,
                kind,
                alias,
                reason_code,
            })
        })
        .boxed()
}

fn disconnect() -> BoxedStrategy<Packet<Bytes>> {
    (
        of(packet_id()),
        of(any::<u32>()),
        of(any::<u8>()),
        // Present means non-empty: an empty rest reads as absent.
        of(text("[a-z é]{1,20}")),
    )
        .prop_map(|(packet_id, session_expiry, reason_code, reason_string)| {
            Packet::Disconnect(Disconnect {
                packet_id,
                session_expiry,
                reason_code,
                reason_string,
            })
        })
        .boxed()
}

fn sleep() -> BoxedStrategy<Packet<Bytes>> {
    prop_oneof![
        (any::<bool>(), packet_id(), 1u32..=u32::MAX).prop_map(
            |(retain_aliases, packet_id, duration)| Packet::SleepReq {
                retain_aliases,
                packet_id,
                duration,
            }
        ),
        (packet_id(), of(any::<u32>()), reason_code()).prop_map(
            |(packet_id, duration, reason_code)| Packet::SleepResp {
                packet_id,
                duration,
                reason_code,
            }
        ),
        Just(Packet::Wakeup),
    ]
    .boxed()
}

fn ping() -> BoxedStrategy<Packet<Bytes>> {
    prop_oneof![
        packet_id().prop_map(|packet_id| Packet::PingReq { packet_id }),
        (packet_id(), of(any::<u8>())).prop_map(|(packet_id, messages_remaining)| {
            Packet::PingResp {
                packet_id,
                messages_remaining,
            }
        }),
    ]
    .boxed()
}

fn discovery() -> BoxedStrategy<Packet<Bytes>> {
    prop_oneof![
        (any::<u8>(), any::<u16>())
            .prop_map(|(gw_id, duration)| Packet::Advertise { gw_id, duration }),
        blob(16).prop_map(|info| Packet::SearchGw { info }),
        (any::<u8>(), blob(16)).prop_map(|(gw_id, gw_addr)| Packet::GwInfo { gw_id, gw_addr }),
    ]
    .boxed()
}

/// Every packet that is not an envelope.
fn plain() -> BoxedStrategy<Packet<Bytes>> {
    prop_oneof![
        connect(),
        connack(),
        auth(),
        publish(),
        pubwos(),
        ack(),
        subscribe(),
        suback(),
        unsubscribe(),
        register(),
        regack(),
        disconnect(),
        sleep(),
        ping(),
        discovery(),
    ]
    .boxed()
}

/// The packets a Connection Encapsulation may carry [MQTT-SN-3.18-3].
fn connection_inner() -> BoxedStrategy<Packet<Bytes>> {
    prop_oneof![
        publish(),
        subscribe(),
        unsubscribe(),
        register(),
        disconnect(),
        (any::<bool>(), packet_id(), 1u32..=u32::MAX).prop_map(
            |(retain_aliases, packet_id, duration)| Packet::SleepReq {
                retain_aliases,
                packet_id,
                duration,
            }
        ),
        packet_id().prop_map(|packet_id| Packet::PingReq { packet_id }),
    ]
    .boxed()
}

fn encoded(p: Packet<Bytes>) -> Bytes {
    Bytes::from(p.to_vec().unwrap())
}

fn connection() -> BoxedStrategy<Packet<Bytes>> {
    (client_id(), connection_inner())
        .prop_map(|(client_id, inner)| Packet::Connection {
            client_id,
            packet: encoded(inner),
        })
        .boxed()
}

/// A Protection Encapsulation: a tag length code other than the reserved 2 and 3, a defined
/// scheme, crypto material of 0, 2, 4 or 12 octets, a counter of 0, 2 or 4, then opaque
/// octets or a real packet followed by a tag.
fn protection() -> BoxedStrategy<Packet<Bytes>> {
    let tag_length = select(vec![0u8, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    let scheme = prop_oneof![0x00u8..=0x04, 0x3Cu8..=0x49, 0xF0u8..=0xFF];
    let protected = prop_oneof![
        vec(any::<u8>(), 1..40).prop_map(Bytes::from),
        (connection_inner(), blob(16)).prop_map(|(inner, tag)| {
            let mut bytes = inner.to_vec().unwrap();
            bytes.extend_from_slice(&tag);
            Bytes::from(bytes)
        }),
    ];
    (
        (tag_length, scheme),
        any::<[u8; 8]>(),
        any::<[u8; 4]>(),
        (select(vec![0usize, 2, 4, 12]), any::<[u8; 12]>()),
        (select(vec![0usize, 2, 4]), any::<[u8; 4]>()),
        protected,
    )
        .prop_map(
            |((tag_length, scheme), sender_id, random, (nc, c), (nm, m), protected)| {
                Packet::Protection(Protection {
                    tag_length,
                    scheme,
                    sender_id,
                    random,
                    crypto: Bytes::copy_from_slice(&c[..nc]),
                    counter: Bytes::copy_from_slice(&m[..nm]),
                    protected,
                })
            },
        )
        .boxed()
}

/// A Forwarder Encapsulation around any packet but another forwarder's (SN2-5).
fn forwarder() -> BoxedStrategy<Packet<Bytes>> {
    let inner = prop_oneof![4 => plain(), 1 => connection(), 1 => protection()];
    (blob(8), inner)
        .prop_map(|(address, inner)| Packet::Forwarder {
            address,
            packet: encoded(inner),
        })
        .boxed()
}

/// Any packet of the 27 types.
fn packet() -> BoxedStrategy<Packet<Bytes>> {
    prop_oneof![
        12 => plain(),
        1 => connection(),
        1 => protection(),
        1 => forwarder(),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Every packet round trips: encode → parse → the same packet, through `to_owned` and
    /// `parse_bytes`; `encoded_len` is what `encode` writes; the 1-octet Length whenever
    /// the total is at most 255 (SN2-1), the Length always the whole packet.
    #[test]
    fn every_packet_round_trips(p in packet()) {
        let bytes = p.to_vec().unwrap();
        prop_assert_eq!(bytes.len(), p.encoded_len().unwrap());
        prop_assert_eq!(bytes[0] == 0x01, bytes.len() > 255);
        let declared = if bytes[0] == 0x01 {
            usize::from(u16::from_be_bytes([bytes[1], bytes[2]]))
        } else {
            usize::from(bytes[0])
        };
        prop_assert_eq!(declared, bytes.len());
        prop_assert_eq!(bytes[if bytes[0] == 0x01 { 3 } else { 1 }], p.packet_type() as u8);

        let view = parse(&bytes).unwrap();
        prop_assert_eq!(&view.to_owned(), &p);
        prop_assert_eq!(&view, &p.as_view());
        let shared = Bytes::from(bytes.clone());
        prop_assert_eq!(&parse_bytes(&shared).unwrap(), &p);

        let mut out = vec![0u8; bytes.len()];
        prop_assert_eq!(p.encode(&mut out).unwrap(), bytes.len());
        prop_assert_eq!(&out, &bytes);
        prop_assert_eq!(view.to_vec().unwrap(), bytes.clone());
        if !bytes.is_empty() {
            let mut short = vec![0u8; bytes.len() - 1];
            prop_assert_eq!(
                p.encode(&mut short).unwrap_err(),
                Sn2Error::BufferTooSmall { needed: bytes.len(), available: bytes.len() - 1 }
            );
        }
    }

    /// Any datagram of 0 to 80 random octets parses or is refused without a panic.
    #[test]
    fn any_datagram_parses_or_is_refused(bytes in vec(any::<u8>(), 0..80)) {
        check_datagram(&bytes)?;
    }

    /// Random bodies behind a correct Length and any type octet: they get past the header
    /// check, so the body parsers see them.
    #[test]
    fn any_framed_body_parses_or_is_refused(
        type_octet in prop_oneof![3 => 0x01u8..=0x18, 1 => select(vec![0xFCu8, 0xFE, 0xFF]), 1 => any::<u8>()],
        body in prop_oneof![vec(any::<u8>(), 0..24), vec(any::<u8>(), 0..80)],
        long in any::<bool>(),
    ) {
        let mut bytes = Vec::new();
        if long {
            let total = body.len() + 4;
            bytes.extend_from_slice(&[0x01, (total >> 8) as u8, total as u8]);
        } else {
            bytes.push((body.len() + 2) as u8);
        }
        bytes.push(type_octet);
        bytes.extend_from_slice(&body);
        check_datagram(&bytes)?;
    }

    /// Valid encodings with 1 to 3 octets changed parse or are refused, and one that parses
    /// re-encodes to a datagram that parses to the same packet.
    #[test]
    fn a_mutated_packet_parses_or_is_refused(
        p in packet(),
        flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut bytes = p.to_vec().unwrap();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        check_datagram(&bytes)?;
    }

    /// Valid encodings cut short or extended, with the Length fixed up or not, likewise.
    #[test]
    fn a_resized_packet_parses_or_is_refused(
        p in packet(),
        cut in any::<prop::sample::Index>(),
        extra in vec(any::<u8>(), 0..4),
        fix_length in any::<bool>(),
    ) {
        let mut bytes = p.to_vec().unwrap();
        let keep = cut.index(bytes.len() + 1);
        bytes.truncate(keep.max(2));
        bytes.extend_from_slice(&extra);
        if fix_length && bytes[0] != 0x01 && bytes.len() <= 255 {
            bytes[0] = bytes.len() as u8;
        }
        check_datagram(&bytes)?;
    }
}

/// A datagram parses or is refused with 0x81, 0x82 or 0x84; `parse_bytes` agrees with
/// `parse`. One that parses encodes (to its canonical form) into a datagram that parses to
/// the same packet, whose encoding is then stable.
fn check_datagram(bytes: &[u8]) -> Result<(), TestCaseError> {
    let shared = Bytes::copy_from_slice(bytes);
    match parse(bytes) {
        Err(e) => {
            prop_assert!(
                matches!(e.reason_code(), 0x81 | 0x82 | 0x84),
                "{e:?} has reason code {:#04X}",
                e.reason_code()
            );
            prop_assert_eq!(parse_bytes(&shared).unwrap_err(), e);
        }
        Ok(view) => {
            prop_assert_eq!(&parse_bytes(&shared).unwrap(), &view.to_owned());
            let again = view.to_vec().map_err(|e| {
                TestCaseError::fail(format!("{view:?} parsed but does not encode: {e:?}"))
            })?;
            prop_assert_eq!(again.len(), view.encoded_len().unwrap());
            let reparsed = parse(&again).map_err(|e| {
                TestCaseError::fail(format!("{view:?} re-encoded to {again:02X?}: {e:?}"))
            })?;
            prop_assert_eq!(&reparsed, &view);
            prop_assert_eq!(reparsed.to_vec().unwrap(), again);
        }
    }
    Ok(())
}
