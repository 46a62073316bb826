//! MQTT-SN 1.2: the byte examples of `shared/spec/mqtt-sn.md` §4 (V1–V48 valid, X1–X21
//! invalid), each typed here from the spec's hex column, and the codec rules of its §1.
//!
//! A valid example is parsed, the fields its "Meaning" column names are compared, and the
//! parsed message must encode back to the same octets (or, where the example is a legal but
//! non-canonical form, to the canonical one). An invalid example must be refused with the
//! rule the spec's row gives, and `SnError::answer` must say what a gateway sends back
//! (`RC=0x03` rows) or `None` (drop). Test names start with the rule ID they check; the
//! table in `MQTTSN-CONFORMANCE.md` lists them per rule.

use bytes::Bytes;
use mqtt_codec::sn::{
    parse, parse_bytes, parse_with, Connect, Encapsulated, Message, MsgType, Publish, Register,
    ReturnCode, SnEncodeError, SnError, SnOptions, SnQos, Subscribe, SubscribeTopic, TopicId,
    WillTopic,
};
use mqtt_codec::{MqttStr, StrError, TopicError};

// ---------------------------------------------------------------------------------------
// Helpers and the examples themselves
// ---------------------------------------------------------------------------------------

/// Octets from hex pairs separated by spaces: `"02 16"`.
fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|pair| u8::from_str_radix(pair, 16).unwrap_or_else(|_| panic!("bad hex {pair:?}")))
        .collect()
}

/// `head` followed by `n` octets 0xAA (the long examples V43–V45).
fn padded(head: &str, n: usize) -> Vec<u8> {
    let mut bytes = hex(head);
    bytes.resize(bytes.len() + n, 0xAA);
    bytes
}

/// A validated text field, as the parser hands it out.
fn text(s: &str) -> MqttStr<&[u8]> {
    MqttStr::try_new(s.as_bytes()).unwrap()
}

/// Valid example `Vn` of spec §4.1.
fn v(n: usize) -> Vec<u8> {
    match n {
        1 => hex("0A 04 04 01 00 3C 64 65 76 31"),
        2 => hex("08 04 0C 01 00 1E 63 31"),
        3 => hex("03 05 00"),
        4 => hex("02 06"),
        5 => hex("06 07 30 77 2F 74"),
        6 => hex("02 07"),
        7 => hex("02 08"),
        8 => hex("05 09 62 79 65"),
        9 => hex("09 0A 00 00 00 01 61 2F 62"),
        10 => hex("07 0B 00 01 00 01 00"),
        11 => hex("09 0A 00 02 00 07 63 2F 64"),
        12 => hex("09 0C 00 00 01 00 00 68 69"),
        13 => hex("08 0C 21 00 05 00 02 31"),
        14 => hex("09 0C 52 61 62 00 03 01 02"),
        15 => hex("09 0C 61 00 07 00 00 6F 6E"),
        16 => hex("08 0C 62 74 74 00 00 78"),
        17 => hex("08 0C A1 00 05 00 02 31"),
        18 => hex("07 0D 00 05 00 02 00"),
        19 => hex("07 0D 00 09 00 04 02"),
        20 => hex("04 0F 00 03"),
        21 => hex("04 10 00 03"),
        22 => hex("04 0E 00 03"),
        23 => hex("08 12 20 00 0A 61 2F 2B"),
        24 => hex("07 12 01 00 0B 00 05"),
        25 => hex("07 12 42 00 0C 61 62"),
        26 => hex("08 13 20 00 00 00 0A 00"),
        27 => hex("08 13 40 00 00 00 0C 00"),
        28 => hex("08 14 00 00 0D 61 2F 2B"),
        29 => hex("04 15 00 0D"),
        30 => hex("02 16"),
        31 => hex("06 16 64 65 76 31"),
        32 => hex("02 17"),
        33 => hex("02 18"),
        34 => hex("04 18 02 58"),
        35 => hex("05 00 01 03 84"),
        36 => hex("03 01 01"),
        37 => hex("03 02 01"),
        38 => hex("07 02 01 C0 A8 00 0A"),
        39 => hex("06 1A 20 61 2F 62"),
        40 => hex("03 1B 00"),
        41 => hex("04 1C 6F 6B"),
        42 => hex("03 1D 00"),
        43 => padded("01 01 09 0C 00 00 01 00 00", 256),
        44 => padded("FF 0C 00 00 01 00 00", 248),
        45 => padded("01 01 02 0C 00 00 01 00 00", 249),
        46 => hex("01 00 05 05 00"),
        47 => hex("05 FE 00 12 34 02 16"),
        48 => hex("05 FE 01 12 34 03 05 00"),
        _ => panic!("no example V{n}"),
    }
}

/// Invalid example `Xn` of spec §4.2.
fn x(n: usize) -> Vec<u8> {
    match n {
        1 => hex("05 18 00"),
        2 => hex("02 17 00"),
        3 => hex("00 16"),
        4 => hex("01 00 03 16"),
        5 => hex("02 03"),
        6 => hex("02 FF"),
        7 => hex("09 0C 03 00 01 00 00 68 69"),
        8 => hex("08 12 60 00 0A 61 2F 2B"),
        9 => hex("09 0C 60 00 01 00 00 68 69"),
        10 => hex("0A 04 04 02 00 3C 64 65 76 31"),
        11 => {
            let mut bytes = hex("1E 04 04 01 00 3C");
            bytes.extend_from_slice(b"abcdefghijklmnopqrstuvwx");
            bytes
        }
        12 => hex("06 04 04 01 00 3C"),
        13 => hex("08 12 21 00 0B 00 05 00"),
        14 => hex("06 12 02 00 0C 61"),
        15 => hex("05 0F 00 03 00"),
        16 => hex("03 18 05"),
        17 => hex("05 FE 00 12 34 03 16"),
        18 => hex("06 07 70 77 2F 74"),
        19 => hex("04 00 01 03"),
        20 => hex("08 0C 20 00 05 00 00 31"),
        21 => hex("01 00 05 FE 00 02 16"),
        _ => panic!("no example X{n}"),
    }
}

/// Encodes `message` with `encode`, `encoded_len` and `to_vec`, which must agree.
fn encoded(message: &Message<&[u8]>) -> Vec<u8> {
    let len = message
        .encoded_len()
        .unwrap_or_else(|e| panic!("{message:?} does not encode: {e}"));
    let mut out = vec![0u8; len];
    assert_eq!(message.encode(&mut out), Ok(len), "{message:?}");
    assert_eq!(message.to_vec().as_deref(), Ok(&out[..]), "{message:?}");
    out
}

/// Parses a valid datagram and checks that it encodes back to exactly the same octets.
fn canonical(bytes: &[u8]) -> Message<&[u8]> {
    let message = parse(bytes).unwrap_or_else(|e| panic!("{bytes:02X?} refused: {e}"));
    assert_eq!(encoded(&message), bytes, "re-encoding {message:?}");
    message
}

/// Parses a valid datagram written in a non-canonical form and checks that it encodes to
/// `canonical_form` instead.
fn reencoded_as<'a>(bytes: &'a [u8], canonical_form: &[u8]) -> Message<&'a [u8]> {
    let message = parse(bytes).unwrap_or_else(|e| panic!("{bytes:02X?} refused: {e}"));
    assert_eq!(encoded(&message), canonical_form, "re-encoding {message:?}");
    message
}

/// Parses an invalid datagram: it must be refused under `rule`, and the gateway drops it.
fn dropped(bytes: &[u8], rule: &str) -> SnError {
    let e = answered(bytes, rule);
    assert_eq!(e.answer(), None, "{bytes:02X?}: {e} must be dropped");
    e
}

/// Parses an invalid datagram: it must be refused under `rule`; the answer is the caller's.
fn answered(bytes: &[u8], rule: &str) -> SnError {
    let e = parse(bytes).expect_err(&format!("{bytes:02X?} must be refused"));
    assert_eq!(e.rule(), rule, "{bytes:02X?}: {e}");
    e
}

fn publish(qos: SnQos, topic: TopicId, msg_id: u16, data: &[u8]) -> Message<&[u8]> {
    Message::Publish(Publish {
        dup: false,
        qos,
        retain: false,
        topic,
        msg_id,
        data,
    })
}

const CONNACK_NOT_SUPPORTED: Message<&'static [u8]> = Message::ConnAck {
    return_code: ReturnCode::NotSupported,
};

// ---------------------------------------------------------------------------------------
// 1.1 Header: Length and MsgType
// ---------------------------------------------------------------------------------------

/// SN-HDR-1: the 3-octet Length form (V43, total 265 = 0x0109) counts itself.
#[test]
fn sn_hdr_1_v43_three_octet_length_counts_itself() {
    let bytes = v(43);
    assert_eq!(bytes.len(), 265);
    let message = canonical(&bytes);
    assert_eq!(
        message,
        publish(SnQos::AtMostOnce, TopicId::Normal(1), 0, &[0xAA; 256])
    );
}

/// SN-HDR-2: the encoder uses the 1-octet form up to a total of 255 (V44) and the 3-octet
/// form from 258 (V45); 256 and 257 cannot occur.
#[test]
fn sn_hdr_2_v44_v45_encoder_switches_form_after_255() {
    let v44 = v(44);
    assert_eq!((v44.len(), v44[0]), (255, 0xFF));
    assert_eq!(
        canonical(&v44),
        publish(SnQos::AtMostOnce, TopicId::Normal(1), 0, &[0xAA; 248])
    );

    let v45 = v(45);
    assert_eq!((v45.len(), &v45[..3]), (258, &[0x01, 0x01, 0x02][..]));
    assert_eq!(
        canonical(&v45),
        publish(SnQos::AtMostOnce, TopicId::Normal(1), 0, &[0xAA; 249])
    );
}

/// SN-HDR-2: over every payload size around the boundary, the 1-octet form is chosen exactly
/// when the total fits in it, and the result parses back.
#[test]
fn sn_hdr_2_encoder_uses_one_octet_form_exactly_up_to_255() {
    let data = [0xAA; 400];
    for n in 0..=data.len() {
        let message = publish(SnQos::AtMostOnce, TopicId::Normal(1), 0, &data[..n]);
        let out = encoded(&message);
        if n <= 248 {
            assert_eq!(out.len(), 7 + n, "data {n}");
            assert_eq!(usize::from(out[0]), out.len(), "data {n}");
        } else {
            assert_eq!(out.len(), 9 + n, "data {n}");
            assert_eq!(out[0], 0x01, "data {n}");
            assert_eq!(usize::from(u16::from_be_bytes([out[1], out[2]])), out.len());
        }
        assert_ne!(out.len(), 256);
        assert_ne!(out.len(), 257);
        assert_eq!(parse(&out), Ok(message), "data {n}");
    }
}

/// SN-HDR-2: 65,535 octets is the largest message; one more is refused, not truncated.
#[test]
fn sn_hdr_2_encoder_refuses_messages_over_65535_octets() {
    let data = vec![0x55; 65_527];
    let largest = publish(SnQos::AtMostOnce, TopicId::Normal(1), 0, &data[..65_526]);
    assert_eq!(largest.encoded_len(), Ok(65_535));
    let out = encoded(&largest);
    assert_eq!(&out[..3], &[0x01, 0xFF, 0xFF]);
    assert_eq!(parse(&out), Ok(largest));

    let too_long = publish(SnQos::AtMostOnce, TopicId::Normal(1), 0, &data);
    assert_eq!(
        too_long.encoded_len(),
        Err(SnEncodeError::TooLong { len: 65_536 })
    );
    let mut out = vec![0u8; 70_000];
    assert_eq!(
        too_long.encode(&mut out),
        Err(SnEncodeError::TooLong { len: 65_536 })
    );
}

/// SN-HDR-3: the 3-octet form below 256 is accepted (V46) and re-encoded in the 1-octet
/// form, the only one the encoder writes.
#[test]
fn sn_hdr_3_v46_three_octet_form_below_256_is_accepted() {
    let datagram = v(46);
    let message = reencoded_as(&datagram, &v(3));
    assert_eq!(
        message,
        Message::ConnAck {
            return_code: ReturnCode::Accepted
        }
    );
    // The smallest 3-octet form: a PINGREQ of total 4.
    let datagram = hex("01 00 04 16");
    let ping = reencoded_as(&datagram, &v(30));
    assert_eq!(ping, Message::PingReq { client_id: None });
}

/// SN-HDR-4: the Length must equal the datagram's size: neither longer (X1) nor shorter (X2,
/// a trailing octet).
#[test]
fn sn_hdr_4_x1_x2_length_must_match_datagram() {
    let e = dropped(&x(1), "SN-HDR-4");
    assert_eq!(
        e,
        SnError::LengthMismatch {
            declared: 5,
            actual: 3
        }
    );
    let e = dropped(&x(2), "SN-HDR-4");
    assert_eq!(
        e,
        SnError::LengthMismatch {
            declared: 2,
            actual: 3
        }
    );
    // The same in the 3-octet form.
    dropped(&hex("01 00 06 05 00"), "SN-HDR-4");
    dropped(&hex("01 00 05 05 00 00"), "SN-HDR-4");
}

/// SN-HDR-4 (the spec's Pitfall row): Paho's faulty long form of a 255-octet message, `01 00
/// FF` and 254 octets (257 sent, 255 declared), is dropped.
#[test]
fn sn_hdr_4_paho_faulty_long_form_is_dropped() {
    let bytes = padded("01 00 FF 0C 00 00 01 00 00", 248);
    assert_eq!(bytes.len(), 257);
    let e = dropped(&bytes, "SN-HDR-4");
    assert_eq!(
        e,
        SnError::LengthMismatch {
            declared: 255,
            actual: 257
        }
    );
}

/// SN-HDR-5: a 1-octet Length of 0 (X3), a 3-octet Length below 4 (X4), a datagram shorter
/// than a header, a 3-octet form cut short.
#[test]
fn sn_hdr_5_x3_x4_length_below_minimum_and_short_datagrams() {
    assert_eq!(
        dropped(&x(3), "SN-HDR-5"),
        SnError::LengthTooSmall { declared: 0 }
    );
    assert_eq!(
        dropped(&x(4), "SN-HDR-5"),
        SnError::LengthTooSmall { declared: 3 }
    );
    for short in ["", "02", "00", "01", "01 00", "01 00 04"] {
        dropped(&hex(short), "SN-HDR-5");
    }
    dropped(&hex("01 00 00 16"), "SN-HDR-5");
}

/// SN-HDR-6: reserved MsgTypes are dropped: 0x03 (X5), 0xFF (X6), 0x11, 0x19, 0x1E–0xFD.
#[test]
fn sn_hdr_6_x5_x6_reserved_msg_types_are_dropped() {
    assert_eq!(
        dropped(&x(5), "SN-HDR-6"),
        SnError::ReservedMsgType { msg_type: 0x03 }
    );
    assert_eq!(
        dropped(&x(6), "SN-HDR-6"),
        SnError::ReservedMsgType { msg_type: 0xFF }
    );
    for octet in 0..=0xFFu8 {
        let reserved = matches!(octet, 0x03 | 0x11 | 0x19 | 0x1E..=0xFD | 0xFF);
        assert_eq!(MsgType::from_u8(octet).is_none(), reserved, "0x{octet:02X}");
        if reserved {
            dropped(&[0x02, octet], "SN-HDR-6");
            dropped(&[0x01, 0x00, 0x04, octet], "SN-HDR-6");
        }
    }
}

// ---------------------------------------------------------------------------------------
// 1.3 Flags
// ---------------------------------------------------------------------------------------

/// SN-FLG-1: flag bits a message does not use are ignored by default (and not written back),
/// and refused with `strict_flags`.
#[test]
fn sn_flg_1_unused_flag_bits_ignored_by_default_refused_when_strict() {
    let strict = SnOptions {
        strict_flags: true,
        ..SnOptions::default()
    };
    // CONNECT with DUP, QoS, Retain and TopicIdType bits set besides CleanSession (V1).
    // UNSUBSCRIBE with QoS bits (V28). SUBACK with Retain (V26). PUBLISH with Will and
    // CleanSession (V13). WILLTOPIC with DUP (V5).
    let cases = [
        ("0A 04 F7 01 00 3C 64 65 76 31", 1, 0xF3),
        ("08 14 60 00 0D 61 2F 2B", 28, 0x60),
        ("08 13 30 00 00 00 0A 00", 26, 0x10),
        ("08 0C 2D 00 05 00 02 31", 13, 0x0C),
        ("06 07 B0 77 2F 74", 5, 0x80),
    ];
    for (bytes, canonical_example, bits) in cases {
        let bytes = hex(bytes);
        let lenient = reencoded_as(&bytes, &v(canonical_example));
        assert_eq!(lenient, parse(&v(canonical_example)).unwrap());

        let e = parse_with(&bytes, &strict).expect_err("strict mode refuses unused flags");
        assert_eq!(e.rule(), "SN-FLG-1");
        assert!(
            matches!(e, SnError::UnusedFlags { bits: b, .. } if b == bits),
            "{e:?}"
        );
        assert_eq!(e.answer(), None);
        // Strict mode accepts the canonical form.
        assert!(parse_with(&v(canonical_example), &strict).is_ok());
    }
}

/// SN-FLG-2: TopicIdType `11` is reserved: a PUBLISH is dropped (X7), a SUBSCRIBE answered
/// with SUBACK 0x03, an UNSUBSCRIBE (whose ack has no ReturnCode) dropped.
#[test]
fn sn_flg_2_x7_reserved_topic_id_type() {
    assert_eq!(
        dropped(&x(7), "SN-FLG-2"),
        SnError::ReservedTopicIdType {
            msg_type: MsgType::Publish,
            msg_id: 0
        }
    );
    let e = answered(&hex("07 12 23 00 0A 00 05"), "SN-FLG-2");
    assert_eq!(
        e.answer(),
        Some(Message::SubAck {
            qos: SnQos::AtMostOnce,
            topic_id: 0,
            msg_id: 10,
            return_code: ReturnCode::NotSupported
        })
    );
    dropped(&hex("07 14 03 00 0D 00 05"), "SN-FLG-2");
}

/// SN-FLG-3: QoS −1 in a SUBSCRIBE (X8) is answered with SUBACK 0x03 carrying its MsgId.
#[test]
fn sn_flg_3_x8_subscribe_with_qos_minus_one_gets_suback_0x03() {
    let e = answered(&x(8), "SN-FLG-3");
    assert_eq!(
        e,
        SnError::QosMinusOne {
            msg_type: MsgType::Subscribe,
            msg_id: 10
        }
    );
    let Some(Message::SubAck {
        msg_id,
        return_code,
        ..
    }) = e.answer()
    else {
        panic!("X8 must be answered with a SUBACK, got {:?}", e.answer())
    };
    assert_eq!((msg_id, return_code), (10, ReturnCode::NotSupported));
}

/// SN-FLG-3: QoS −1 as Will QoS: WILLTOPIC (X18) gets CONNACK 0x03, WILLTOPICUPD gets
/// WILLTOPICRESP 0x03; a SUBACK granting −1 is dropped.
#[test]
fn sn_flg_3_x18_will_qos_minus_one_gets_rc_0x03() {
    let e = answered(&x(18), "SN-FLG-3");
    assert_eq!(e.answer(), Some(CONNACK_NOT_SUPPORTED));

    let e = answered(&hex("06 1A 60 61 2F 62"), "SN-FLG-3");
    assert_eq!(
        e.answer(),
        Some(Message::WillTopicResp {
            return_code: ReturnCode::NotSupported
        })
    );
    dropped(&hex("08 13 60 00 00 00 0A 00"), "SN-FLG-3");
}

/// SN-FLG-4: DUP marks a resent QoS 1 PUBLISH (V17) and is ignored on QoS 0 and −1.
#[test]
fn sn_flg_4_v17_dup_on_resent_publish_ignored_at_qos_0() {
    let datagram = v(17);
    let message = canonical(&datagram);
    assert_eq!(
        message,
        Message::Publish(Publish {
            dup: true,
            qos: SnQos::AtLeastOnce,
            retain: false,
            topic: TopicId::Predefined(5),
            msg_id: 2,
            data: &b"1"[..],
        })
    );
    // V12 with DUP: read without it and written without it.
    let datagram = hex("09 0C 80 00 01 00 00 68 69");
    let message = reencoded_as(&datagram, &v(12));
    assert_eq!(message, parse(&v(12)).unwrap());
    // V15 (QoS −1) with DUP.
    let datagram = hex("09 0C E1 00 07 00 00 6F 6E");
    let message = reencoded_as(&datagram, &v(15));
    assert_eq!(message, parse(&v(15)).unwrap());
}

// ---------------------------------------------------------------------------------------
// 1.5 Fields
// ---------------------------------------------------------------------------------------

/// SN-FLD-1: the encoder never writes topic id 0x0000 or 0xFFFF where a client names a
/// topic (PUBLISH, and a predefined id in SUBSCRIBE and UNSUBSCRIBE) or an id is assigned
/// (an accepting REGACK), nor 0xFFFF in a REGISTER or a SUBACK.
#[test]
fn sn_fld_1_encoder_refuses_topic_ids_0_and_ffff() {
    let refused = |message: Message<&[u8]>, id: u16| {
        assert_eq!(
            message.encoded_len(),
            Err(SnEncodeError::ReservedTopicId { id }),
            "{message:?}"
        );
        let mut out = [0u8; 16];
        assert_eq!(
            message.encode(&mut out),
            Err(SnEncodeError::ReservedTopicId { id })
        );
        assert_eq!(out, [0u8; 16], "nothing written");
    };
    for topic in [
        TopicId::Normal(0),
        TopicId::Normal(0xFFFF),
        TopicId::Predefined(0),
        TopicId::Predefined(0xFFFF),
    ] {
        let id = u16::from_be_bytes(topic.field());
        refused(publish(SnQos::AtLeastOnce, topic, 1, b"x"), id);
    }
    for id in [0, 0xFFFF] {
        let topic = SubscribeTopic::Predefined(id);
        refused(
            Message::Subscribe(Subscribe {
                dup: false,
                qos: SnQos::AtMostOnce,
                msg_id: 1,
                topic: topic.clone(),
            }),
            id,
        );
        refused(Message::Unsubscribe { msg_id: 1, topic }, id);
    }
    refused(
        Message::Register(Register {
            topic_id: 0xFFFF,
            msg_id: 1,
            topic_name: text("a/b"),
        }),
        0xFFFF,
    );
    for id in [0, 0xFFFF] {
        let regack = Message::RegAck {
            topic_id: id,
            msg_id: 1,
            return_code: ReturnCode::Accepted,
        };
        refused(regack, id);
    }
    let suback = Message::SubAck {
        qos: SnQos::AtMostOnce,
        topic_id: 0xFFFF,
        msg_id: 1,
        return_code: ReturnCode::Accepted,
    };
    refused(suback, 0xFFFF);
    // 0x0000 as a placeholder stays legal: REGISTER from a client (V9), SUBACK for a
    // wildcard (V26), and a REGACK that refuses.
    canonical(&v(9));
    canonical(&v(26));
    let refusal = Message::<&[u8]>::RegAck {
        topic_id: 0,
        msg_id: 1,
        return_code: ReturnCode::InvalidTopicId,
    };
    assert!(refusal.to_vec().is_ok());
}

/// SN-FLD-2: a ClientId is 1 to 23 octets; 24 (X11) and 0 (X12) are answered with CONNACK
/// 0x03.
#[test]
fn sn_fld_2_x11_x12_client_id_is_1_to_23_octets() {
    let e = answered(&x(11), "SN-FLD-2");
    assert_eq!(
        e,
        SnError::ClientIdLength {
            msg_type: MsgType::Connect,
            len: 24,
            max: 23
        }
    );
    assert_eq!(e.answer(), Some(CONNACK_NOT_SUPPORTED));

    let e = answered(&x(12), "SN-FLD-2");
    assert_eq!(
        e,
        SnError::ClientIdLength {
            msg_type: MsgType::Connect,
            len: 0,
            max: 23
        }
    );
    assert_eq!(e.answer(), Some(CONNACK_NOT_SUPPORTED));

    // 23 octets is the longest accepted.
    let mut bytes = hex("1D 04 04 01 00 3C");
    bytes.extend_from_slice(b"abcdefghijklmnopqrstuvw");
    let Message::Connect(c) = canonical(&bytes) else {
        panic!("not a CONNECT")
    };
    assert_eq!(c.client_id, "abcdefghijklmnopqrstuvw");

    // The encoder keeps to the specification's limit.
    let long = Message::Connect(Connect {
        will: false,
        clean_session: true,
        duration: 60,
        client_id: text("abcdefghijklmnopqrstuvwx"),
    });
    assert_eq!(
        long.encoded_len(),
        Err(SnEncodeError::Invalid(SnError::ClientIdLength {
            msg_type: MsgType::Connect,
            len: 24,
            max: 23
        }))
    );
}

/// SN-FLD-2: a gateway that allows longer ClientIds (`max_client_id_len`) accepts X11, and
/// the encoder writes it under the same options.
#[test]
fn sn_fld_2_raised_client_id_limit_accepts_x11() {
    let bytes = x(11);
    let opts = SnOptions {
        max_client_id_len: 24,
        ..SnOptions::default()
    };
    let message = parse_with(&bytes, &opts).expect("X11 with a 24-octet limit");
    assert_eq!(
        message,
        Message::Connect(Connect {
            will: false,
            clean_session: true,
            duration: 60,
            client_id: text("abcdefghijklmnopqrstuvwx"),
        })
    );
    // The encoder takes the same options: a client of that gateway can send X11, alone or
    // in a forwarder's envelope, and the envelope's inner message reads back under them.
    assert!(message.encoded_len().is_err(), "23 by default");
    let mut out = [0u8; 64];
    let n = message.encode_with(&mut out, &opts).unwrap();
    assert_eq!(out[..n], bytes[..]);
    assert_eq!(message.to_vec_with(&opts).unwrap(), bytes);
    let wrapped = Message::Encapsulated(Encapsulated {
        radius: 1,
        node_id: &[0x0A][..],
        message: &bytes[..],
    });
    assert!(
        wrapped.to_vec().is_err(),
        "23 by default, inside the envelope too"
    );
    let framed = wrapped.to_vec_with(&opts).unwrap();
    let Message::Encapsulated(e) = parse_with(&framed, &opts).unwrap() else {
        panic!("not an envelope")
    };
    assert!(e.inner().is_err());
    assert_eq!(e.inner_with(&opts).unwrap(), message);
    let tight = SnOptions {
        max_client_id_len: 4,
        ..SnOptions::default()
    };
    assert!(parse_with(&v(1), &tight).is_ok());
    let e = parse_with(
        &v(2),
        &SnOptions {
            max_client_id_len: 1,
            ..SnOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        e,
        SnError::ClientIdLength {
            msg_type: MsgType::Connect,
            len: 2,
            max: 1
        }
    );
}

/// SN-FLD-3: topic names are well-formed UTF-8 without U+0000; in REGISTER, PUBLISH (short
/// name) and WILLTOPIC they have no wildcards, and a SUBSCRIBE filter places them properly.
#[test]
fn sn_fld_3_topic_names_are_utf8_without_wildcards() {
    // REGISTER "a/+" and "a/#": REGACK 0x03 with the MsgId (SN-REG-1).
    for bytes in ["09 0A 00 00 00 01 61 2F 2B", "09 0A 00 00 00 01 61 2F 23"] {
        let e = answered(&hex(bytes), "SN-FLD-3");
        assert!(
            matches!(
                e,
                SnError::InvalidTopic {
                    reason: TopicError::WildcardInName,
                    ..
                }
            ),
            "{e:?}"
        );
    }
    // Ill-formed UTF-8 and U+0000 in a REGISTER.
    let e = answered(&hex("08 0A 00 00 00 01 61 FF"), "SN-FLD-3");
    assert!(matches!(
        e,
        SnError::InvalidTopic {
            reason: TopicError::String(StrError::InvalidUtf8),
            ..
        }
    ));
    let e = answered(&hex("08 0A 00 00 00 01 61 00"), "SN-FLD-3");
    assert!(matches!(
        e,
        SnError::InvalidTopic {
            reason: TopicError::String(StrError::NullCharacter),
            ..
        }
    ));
    // WILLTOPIC "w/#": CONNACK 0x03.
    let e = answered(&hex("06 07 20 77 2F 23"), "SN-FLD-3");
    assert_eq!(e.answer(), Some(CONNACK_NOT_SUPPORTED));
    // SUBSCRIBE "a+": a misplaced wildcard, SUBACK 0x03 with MsgId 10.
    let e = answered(&hex("07 12 20 00 0A 61 2B"), "SN-FLD-3");
    assert_eq!(
        e.answer(),
        Some(Message::SubAck {
            qos: SnQos::AtMostOnce,
            topic_id: 0,
            msg_id: 10,
            return_code: ReturnCode::NotSupported
        })
    );
    // SUBSCRIBE filters with wildcards in whole levels are fine.
    canonical(&hex("06 12 00 00 0A 23"));
    canonical(&hex("0A 12 00 00 0A 2B 2F 61 2F 23"));
}

/// SN-FLD-4: a MsgId of 0 is refused where a reply is matched to it: QoS 1 PUBLISH (X20),
/// QoS 2 PUBLISH, SUBSCRIBE, UNSUBSCRIBE, REGISTER.
#[test]
fn sn_fld_4_x20_acknowledged_messages_need_nonzero_msg_id() {
    assert_eq!(
        dropped(&x(20), "SN-FLD-4"),
        SnError::ZeroMsgId {
            msg_type: MsgType::Publish
        }
    );
    for (bytes, msg_type) in [
        ("08 0C 40 00 05 00 00 31", MsgType::Publish),
        ("08 12 20 00 00 61 2F 2B", MsgType::Subscribe),
        ("08 14 00 00 00 61 2F 2B", MsgType::Unsubscribe),
        ("09 0A 00 00 00 00 61 2F 62", MsgType::Register),
    ] {
        assert_eq!(
            dropped(&hex(bytes), "SN-FLD-4"),
            SnError::ZeroMsgId { msg_type },
            "{bytes}"
        );
    }
}

/// SN-FLD-4: the MsgId of a QoS 0 or −1 PUBLISH is ignored on receipt and written as 0.
#[test]
fn sn_fld_4_qos_0_msg_id_is_ignored_on_receipt() {
    let datagram = hex("09 0C 00 00 01 12 34 68 69");
    let message = reencoded_as(&datagram, &v(12));
    assert_eq!(message, parse(&v(12)).unwrap());
    let datagram = hex("08 0C 62 74 74 00 09 78");
    let message = reencoded_as(&datagram, &v(16));
    assert_eq!(message, parse(&v(16)).unwrap());
}

/// SN-FLD-4 and SN-FLG-4: the encoder refuses a QoS 0 or −1 PUBLISH with a MsgId or DUP.
#[test]
fn sn_fld_4_encoder_refuses_qos_0_publish_with_msg_id_or_dup() {
    let mut out = [0u8; 32];
    let with_id = publish(SnQos::AtMostOnce, TopicId::Normal(1), 1, b"hi");
    assert_eq!(with_id.encode(&mut out), Err(SnEncodeError::Qos0Fields));
    let minus_one = publish(SnQos::WithoutConnection, TopicId::Predefined(7), 1, b"on");
    assert_eq!(minus_one.encode(&mut out), Err(SnEncodeError::Qos0Fields));
    let dup = Message::Publish(Publish {
        dup: true,
        qos: SnQos::AtMostOnce,
        retain: false,
        topic: TopicId::Normal(1),
        msg_id: 0,
        data: &b"hi"[..],
    });
    assert_eq!(dup.encode(&mut out), Err(SnEncodeError::Qos0Fields));
    assert_eq!(out, [0u8; 32], "nothing written");
    // And a QoS 1 PUBLISH needs one.
    let zero = publish(SnQos::AtLeastOnce, TopicId::Predefined(5), 0, b"1");
    assert_eq!(
        zero.encode(&mut out),
        Err(SnEncodeError::Invalid(SnError::ZeroMsgId {
            msg_type: MsgType::Publish
        }))
    );
}

/// SN-FLD-5: Duration is a big-endian u16 of seconds: keep-alive in CONNECT (V1), sleep time
/// in DISCONNECT (V34), interval in ADVERTISE (V35).
#[test]
fn sn_fld_5_durations_are_big_endian_seconds() {
    let datagram = v(1);
    let Message::Connect(c) = canonical(&datagram) else {
        panic!("not a CONNECT")
    };
    assert_eq!(c.duration, 60);
    assert_eq!(
        canonical(&v(34)),
        Message::Disconnect {
            duration: Some(600)
        }
    );
    assert_eq!(
        canonical(&v(35)),
        Message::Advertise {
            gw_id: 1,
            duration: 900
        }
    );
    assert_eq!(
        canonical(&hex("05 00 01 FF FF")),
        Message::Advertise {
            gw_id: 1,
            duration: 0xFFFF
        }
    );
}

/// SN-FLD-6: a short topic name is 2 octets that follow the topic-name rules: no wildcard,
/// valid UTF-8, no U+0000.
#[test]
fn sn_fld_6_short_topic_name_follows_topic_rules() {
    assert_eq!(TopicId::Short(*b"ab").short_name(), Some("ab"));
    // PUBLISH QoS 0 short "a#": dropped. SUBSCRIBE short "+a": SUBACK 0x03.
    dropped(&hex("09 0C 02 61 23 00 00 68 69"), "SN-FLD-3");
    let e = answered(&hex("07 12 02 00 0C 2B 61"), "SN-FLD-3");
    assert!(matches!(
        e.answer(),
        Some(Message::SubAck {
            msg_id: 12,
            return_code: ReturnCode::NotSupported,
            ..
        })
    ));
    dropped(&hex("09 0C 02 61 00 00 00 68 69"), "SN-FLD-3");
    dropped(&hex("09 0C 02 C3 28 00 00 68 69"), "SN-FLD-3");
    // A two-octet UTF-8 character is a valid short name.
    let datagram = hex("09 0C 02 C3 A9 00 00 68 69");
    let Message::Publish(p) = canonical(&datagram) else {
        panic!("not a PUBLISH")
    };
    assert_eq!(p.topic.short_name(), Some("é"));
    // The encoder checks the same.
    let bad = publish(SnQos::AtMostOnce, TopicId::Short(*b"a#"), 0, b"hi");
    assert!(matches!(
        bad.encoded_len(),
        Err(SnEncodeError::Invalid(SnError::InvalidTopic { .. }))
    ));
}

// ---------------------------------------------------------------------------------------
// 1.7 Per-message rules
// ---------------------------------------------------------------------------------------

/// SN-MSG-1: a message whose size does not fit its layout is dropped: PUBREC of 5 (X15),
/// DISCONNECT with a 1-octet Duration (X16), ADVERTISE cut short (X19), and others.
#[test]
fn sn_msg_1_x15_x16_x19_wrong_fixed_sizes_are_dropped() {
    assert_eq!(
        dropped(&x(15), "SN-MSG-1"),
        SnError::WrongSize {
            msg_type: MsgType::PubRec,
            len: 5
        }
    );
    assert_eq!(
        dropped(&x(16), "SN-MSG-1"),
        SnError::WrongSize {
            msg_type: MsgType::Disconnect,
            len: 3
        }
    );
    assert_eq!(
        dropped(&x(19), "SN-MSG-1"),
        SnError::WrongSize {
            msg_type: MsgType::Advertise,
            len: 4
        }
    );
    for bytes in [
        "06 00 01 03 84 00",          // ADVERTISE of 6
        "02 01",                      // SEARCHGW without Radius
        "04 01 01 00",                // SEARCHGW of 4
        "02 02",                      // GWINFO without GwId
        "05 04 04 01 00",             // CONNECT cut in its Duration
        "02 05",                      // CONNACK without ReturnCode
        "04 05 00 00",                // CONNACK of 4
        "03 06 00",                   // WILLTOPICREQ of 3
        "03 08 00",                   // WILLMSGREQ of 3
        "05 0A 00 00 00",             // REGISTER cut in its MsgId
        "06 0B 00 01 00 01",          // REGACK without ReturnCode
        "08 0B 00 01 00 01 00 00",    // REGACK of 8
        "06 0C 00 00 01 00",          // PUBLISH cut in its MsgId
        "06 0D 00 05 00 02",          // PUBACK without ReturnCode
        "03 0E 00",                   // PUBCOMP of 3
        "05 10 00 03 00",             // PUBREL of 5
        "04 12 20 00",                // SUBSCRIBE cut in its MsgId
        "07 13 20 00 00 00 0A",       // SUBACK without ReturnCode
        "09 13 20 00 00 00 0A 00 00", // SUBACK of 9
        "03 14 00",                   // UNSUBSCRIBE cut
        "05 15 00 0D 00",             // UNSUBACK of 5
        "03 17 00",                   // PINGRESP of 3
        "05 18 02 58 00",             // DISCONNECT of 5
        "02 1B",                      // WILLTOPICRESP without ReturnCode
        "04 1D 00 00",                // WILLMSGRESP of 4
    ] {
        dropped(&hex(bytes), "SN-MSG-1");
    }
}

/// SN-ADV-1: ADVERTISE (V35), SEARCHGW (V36), GWINFO from a gateway (V37, GwId only) and
/// from a client (V38, with the gateway's address).
#[test]
fn sn_adv_1_v35_to_v38_discovery_messages() {
    assert_eq!(
        canonical(&v(35)),
        Message::Advertise {
            gw_id: 1,
            duration: 900
        }
    );
    assert_eq!(canonical(&v(36)), Message::SearchGw { radius: 1 });
    assert_eq!(canonical(&hex("03 01 00")), Message::SearchGw { radius: 0 });
    assert_eq!(
        canonical(&v(37)),
        Message::GwInfo {
            gw_id: 1,
            gw_addr: &b""[..]
        }
    );
    assert_eq!(
        canonical(&v(38)),
        Message::GwInfo {
            gw_id: 1,
            gw_addr: &[192, 168, 0, 10][..]
        }
    );
}

/// SN-CON-1: CONNECT with ProtocolId 0x01 (V1, V2); with 0x02 (X10) it is answered with
/// CONNACK 0x03.
#[test]
fn sn_con_1_v1_v2_connect_decodes_and_reencodes() {
    assert_eq!(
        canonical(&v(1)),
        Message::Connect(Connect {
            will: false,
            clean_session: true,
            duration: 60,
            client_id: text("dev1"),
        })
    );
    assert_eq!(
        canonical(&v(2)),
        Message::Connect(Connect {
            will: true,
            clean_session: true,
            duration: 30,
            client_id: text("c1"),
        })
    );
}

/// SN-CON-1: any ProtocolId but 0x01 is answered with CONNACK 0x03 (X10).
#[test]
fn sn_con_1_x10_protocol_id_must_be_01() {
    let e = answered(&x(10), "SN-CON-1");
    assert_eq!(e, SnError::ProtocolId { id: 0x02 });
    assert_eq!(e.answer(), Some(CONNACK_NOT_SUPPORTED));
    for id in [0x00, 0x03, 0xFF] {
        let mut bytes = v(1);
        bytes[3] = id;
        assert_eq!(
            answered(&bytes, "SN-CON-1").answer(),
            Some(CONNACK_NOT_SUPPORTED)
        );
    }
}

/// SN-CON-2: only Will (bit 3) and CleanSession (bit 2) of a CONNECT's Flags are read.
#[test]
fn sn_con_2_connect_reads_only_will_and_clean_session() {
    for (flags, will, clean_session) in [
        (0x00, false, false),
        (0x04, false, true),
        (0x08, true, false),
        (0x0C, true, true),
        (0xF3, false, false),
        (0xFF, true, true),
    ] {
        let mut bytes = v(1);
        bytes[2] = flags;
        let Ok(Message::Connect(c)) = parse(&bytes) else {
            panic!("flags 0x{flags:02X}")
        };
        assert_eq!(
            (c.will, c.clean_session),
            (will, clean_session),
            "0x{flags:02X}"
        );
    }
}

/// SN-CON-3: a keep-alive of 0 is passed to the gateway, whose policy decides it.
#[test]
fn sn_con_3_keep_alive_zero_is_passed_to_the_gateway() {
    let datagram = hex("0A 04 04 01 00 00 64 65 76 31");
    let Message::Connect(c) = canonical(&datagram) else {
        panic!("not a CONNECT")
    };
    assert_eq!(c.duration, 0);
}

/// SN-CON-4: CONNACK accepted (V3) and the refusals a gateway sends (congestion, not
/// supported), which `SnError::answer` produces for an unsupported CONNECT.
#[test]
fn sn_con_4_v3_connack_and_refusal_codes() {
    assert_eq!(
        canonical(&v(3)),
        Message::ConnAck {
            return_code: ReturnCode::Accepted
        }
    );
    for (bytes, return_code) in [
        ("03 05 01", ReturnCode::Congestion),
        ("03 05 02", ReturnCode::InvalidTopicId),
        ("03 05 03", ReturnCode::NotSupported),
        ("03 05 04", ReturnCode::Reserved(4)),
    ] {
        let bytes = hex(bytes);
        assert_eq!(canonical(&bytes), Message::ConnAck { return_code });
    }
    assert!(!ReturnCode::Reserved(4).is_accepted());
    // The answer to X10 encodes as CONNACK 0x03.
    let answer = parse(&x(10)).unwrap_err().answer().unwrap();
    assert_eq!(answer.to_vec().unwrap(), hex("03 05 03"));
}

/// §5.3.10: `ReturnCode::Reserved` holding a defined code (0x00-0x03) is refused by the
/// encoder: written, it would read back as that code (an accepting REGACK assigning topic id
/// 0x0000, which the encoder refuses when given `Accepted`). A truly reserved code is
/// written as it is.
#[test]
fn sn_defined_code_given_as_reserved_is_refused() {
    use mqtt_codec::sn::SnEncodeError;
    let mut out = [0u8; 16];
    for code in 0..=3u8 {
        let regack: Message<&[u8]> = Message::RegAck {
            topic_id: 0,
            msg_id: 1,
            return_code: ReturnCode::Reserved(code),
        };
        assert_eq!(
            regack.encode(&mut out),
            Err(SnEncodeError::DefinedCodeAsReserved { code })
        );
        let connack: Message<&[u8]> = Message::ConnAck {
            return_code: ReturnCode::Reserved(code),
        };
        assert!(connack.encode(&mut out).is_err());
    }
    let connack: Message<&[u8]> = Message::ConnAck {
        return_code: ReturnCode::Reserved(4),
    };
    let n = connack.encode(&mut out).unwrap();
    assert_eq!(&out[..n], &hex("03 05 04")[..]);
}

/// SN-WIL-1: the Will prompts and answers V4–V8; the empty WILLTOPIC (V6) is 2 octets and
/// stands for "delete the Will".
#[test]
fn sn_wil_1_v4_to_v8_will_handshake_and_empty_willtopic() {
    assert_eq!(canonical(&v(4)), Message::WillTopicReq);
    assert_eq!(
        canonical(&v(5)),
        Message::WillTopic(Some(WillTopic {
            qos: SnQos::AtLeastOnce,
            retain: true,
            topic: text("w/t"),
        }))
    );
    assert_eq!(canonical(&v(6)), Message::WillTopic(None));
    assert_eq!(canonical(&v(7)), Message::WillMsgReq);
    assert_eq!(
        canonical(&v(8)),
        Message::WillMsg {
            message: &b"bye"[..]
        }
    );
    assert_eq!(canonical(&hex("02 1A")), Message::WillTopicUpd(None));
}

/// SN-WIL-2: Paho's empty WILLTOPIC, Flags without a topic (`03 07 00`), is read as the
/// delete and re-encoded in the 2-octet form; the same for WILLTOPICUPD.
#[test]
fn sn_wil_2_paho_flags_only_willtopic_is_a_delete() {
    assert_eq!(
        reencoded_as(&hex("03 07 00"), &v(6)),
        Message::WillTopic(None)
    );
    assert_eq!(
        reencoded_as(&hex("03 1A 00"), &hex("02 1A")),
        Message::WillTopicUpd(None)
    );
}

/// SN-WIL-3: WILLTOPICUPD (V39), WILLTOPICRESP (V40), WILLMSGUPD (V41), WILLMSGRESP (V42),
/// and an empty WILLMSG.
#[test]
fn sn_wil_3_v39_to_v42_will_updates_and_responses() {
    assert_eq!(
        canonical(&v(39)),
        Message::WillTopicUpd(Some(WillTopic {
            qos: SnQos::AtLeastOnce,
            retain: false,
            topic: text("a/b"),
        }))
    );
    assert_eq!(
        canonical(&v(40)),
        Message::WillTopicResp {
            return_code: ReturnCode::Accepted
        }
    );
    assert_eq!(
        canonical(&v(41)),
        Message::WillMsgUpd {
            message: &b"ok"[..]
        }
    );
    assert_eq!(
        canonical(&v(42)),
        Message::WillMsgResp {
            return_code: ReturnCode::Accepted
        }
    );
    assert_eq!(
        canonical(&hex("02 09")),
        Message::WillMsg { message: &b""[..] }
    );
    assert_eq!(
        canonical(&hex("03 1D 03")),
        Message::WillMsgResp {
            return_code: ReturnCode::NotSupported
        }
    );
}

/// SN-REG-1: REGISTER from a client with TopicId 0 (V9) and from a gateway with the id it
/// assigned (V11).
#[test]
fn sn_reg_1_v9_v11_register_both_directions() {
    assert_eq!(
        canonical(&v(9)),
        Message::Register(Register {
            topic_id: 0,
            msg_id: 1,
            topic_name: text("a/b"),
        })
    );
    assert_eq!(
        canonical(&v(11)),
        Message::Register(Register {
            topic_id: 2,
            msg_id: 7,
            topic_name: text("c/d"),
        })
    );
}

/// SN-REG-1: an empty or wildcard REGISTER name is answered with REGACK 0x03 carrying the
/// MsgId.
#[test]
fn sn_reg_1_register_with_bad_name_gets_regack_0x03() {
    for bytes in ["06 0A 00 00 00 07", "09 0A 00 00 00 07 61 2F 2B"] {
        let e = answered(&hex(bytes), "SN-FLD-3");
        assert_eq!(
            e.answer(),
            Some(Message::RegAck {
                topic_id: 0,
                msg_id: 7,
                return_code: ReturnCode::NotSupported
            }),
            "{bytes}"
        );
    }
}

/// SN-REG-2: REGACK carries the topic id and the REGISTER's MsgId (V10).
#[test]
fn sn_reg_2_v10_regack_echoes_ids() {
    assert_eq!(
        canonical(&v(10)),
        Message::RegAck {
            topic_id: 1,
            msg_id: 1,
            return_code: ReturnCode::Accepted
        }
    );
    assert_eq!(
        canonical(&hex("07 0B 00 00 00 07 03")),
        Message::RegAck {
            topic_id: 0,
            msg_id: 7,
            return_code: ReturnCode::NotSupported
        }
    );
}

/// SN-PUB-1: PUBLISH with a normal id at QoS 0 (V12), a predefined id at QoS 1 (V13), a short
/// name at QoS 2 with Retain (V14); the data is the rest of the message and may be empty.
#[test]
fn sn_pub_1_v12_to_v14_publish_topic_id_types() {
    assert_eq!(
        canonical(&v(12)),
        publish(SnQos::AtMostOnce, TopicId::Normal(1), 0, b"hi")
    );
    assert_eq!(
        canonical(&v(13)),
        publish(SnQos::AtLeastOnce, TopicId::Predefined(5), 2, b"1")
    );
    assert_eq!(
        canonical(&v(14)),
        Message::Publish(Publish {
            dup: false,
            qos: SnQos::ExactlyOnce,
            retain: true,
            topic: TopicId::Short(*b"ab"),
            msg_id: 3,
            data: &[0x01, 0x02][..],
        })
    );
    assert_eq!(
        canonical(&hex("07 0C 21 00 05 00 02")),
        publish(SnQos::AtLeastOnce, TopicId::Predefined(5), 2, b"")
    );
}

/// SN-PUB-2: QoS −1 PUBLISH with a predefined id (V15) or a short name (V16).
#[test]
fn sn_pub_2_v15_v16_qos_minus_one_publish() {
    assert_eq!(
        canonical(&v(15)),
        publish(SnQos::WithoutConnection, TopicId::Predefined(7), 0, b"on")
    );
    assert_eq!(
        canonical(&v(16)),
        publish(SnQos::WithoutConnection, TopicId::Short(*b"tt"), 0, b"x")
    );
    assert_eq!(SnQos::WithoutConnection.level(), -1);
    assert_eq!(
        SnQos::WithoutConnection.to_mqtt(),
        mqtt_codec::QoS::AtMostOnce
    );
}

/// SN-PUB-2: a QoS −1 PUBLISH naming a normal topic id is dropped (X9), and the encoder
/// refuses to write one.
#[test]
fn sn_pub_2_x9_qos_minus_one_needs_predefined_or_short_topic() {
    assert_eq!(dropped(&x(9), "SN-PUB-2"), SnError::QosMinusOneNormalTopic);
    let message = publish(SnQos::WithoutConnection, TopicId::Normal(1), 0, b"hi");
    assert_eq!(
        message.encoded_len(),
        Err(SnEncodeError::Invalid(SnError::QosMinusOneNormalTopic))
    );
}

/// SN-PUB-3: Paho's non-standard QoS −1 PUBLISH with an inline topic name (TopicId = name
/// length) is not supported: it is dropped like X9.
#[test]
fn sn_pub_3_paho_inline_topic_name_extension_is_off() {
    dropped(&hex("0C 0C 60 00 03 00 00 61 2F 62 68 69"), "SN-PUB-2");
}

/// SN-PUB-5: PUBACK accepted (V18) and rejected (V19), then the QoS 2 flow PUBREC (V20),
/// PUBREL (V21), PUBCOMP (V22).
#[test]
fn sn_pub_5_v18_to_v22_puback_and_qos_2_flow() {
    assert_eq!(
        canonical(&v(18)),
        Message::PubAck {
            topic_id: 5,
            msg_id: 2,
            return_code: ReturnCode::Accepted
        }
    );
    assert_eq!(
        canonical(&v(19)),
        Message::PubAck {
            topic_id: 9,
            msg_id: 4,
            return_code: ReturnCode::InvalidTopicId
        }
    );
    assert_eq!(canonical(&v(20)), Message::PubRec { msg_id: 3 });
    assert_eq!(canonical(&v(21)), Message::PubRel { msg_id: 3 });
    assert_eq!(canonical(&v(22)), Message::PubComp { msg_id: 3 });
    // PUBCOMP is 0x0E and PUBREC 0x0F, not MQTT's order.
    assert_eq!(
        (MsgType::PubComp as u8, MsgType::PubRec as u8),
        (0x0E, 0x0F)
    );
}

/// SN-SUB-1: SUBSCRIBE by topic filter (V23), predefined id (V24), short name (V25).
#[test]
fn sn_sub_1_v23_to_v25_subscribe_by_name_id_and_short_name() {
    assert_eq!(
        canonical(&v(23)),
        Message::Subscribe(Subscribe {
            dup: false,
            qos: SnQos::AtLeastOnce,
            msg_id: 10,
            topic: SubscribeTopic::Name(text("a/+")),
        })
    );
    assert_eq!(
        canonical(&v(24)),
        Message::Subscribe(Subscribe {
            dup: false,
            qos: SnQos::AtMostOnce,
            msg_id: 11,
            topic: SubscribeTopic::Predefined(5),
        })
    );
    assert_eq!(
        canonical(&v(25)),
        Message::Subscribe(Subscribe {
            dup: false,
            qos: SnQos::ExactlyOnce,
            msg_id: 12,
            topic: SubscribeTopic::Short(*b"ab"),
        })
    );
    // DUP marks a retransmission.
    let datagram = hex("08 12 A0 00 0A 61 2F 2B");
    let Message::Subscribe(s) = canonical(&datagram) else {
        panic!("not a SUBSCRIBE")
    };
    assert!(s.dup);
}

/// SN-SUB-1: a predefined id of 3 octets (X13) or a short name of 1 (X14) is dropped.
#[test]
fn sn_sub_1_x13_x14_topic_id_field_is_two_octets() {
    assert_eq!(
        dropped(&x(13), "SN-SUB-1"),
        SnError::TopicIdLength {
            msg_type: MsgType::Subscribe,
            len: 3
        }
    );
    assert_eq!(
        dropped(&x(14), "SN-SUB-1"),
        SnError::TopicIdLength {
            msg_type: MsgType::Subscribe,
            len: 1
        }
    );
    dropped(&hex("05 12 01 00 0B"), "SN-SUB-1");
    dropped(&hex("06 14 01 00 0B 05"), "SN-SUB-1");
}

/// SN-SUB-2: SUBACK with the granted QoS and TopicId 0 for a wildcard (V26) or a short name
/// (V27).
#[test]
fn sn_sub_2_v26_v27_suback() {
    assert_eq!(
        canonical(&v(26)),
        Message::SubAck {
            qos: SnQos::AtLeastOnce,
            topic_id: 0,
            msg_id: 10,
            return_code: ReturnCode::Accepted
        }
    );
    assert_eq!(
        canonical(&v(27)),
        Message::SubAck {
            qos: SnQos::ExactlyOnce,
            topic_id: 0,
            msg_id: 12,
            return_code: ReturnCode::Accepted
        }
    );
    assert_eq!(
        canonical(&hex("08 13 00 00 05 00 0B 02")),
        Message::SubAck {
            qos: SnQos::AtMostOnce,
            topic_id: 5,
            msg_id: 11,
            return_code: ReturnCode::InvalidTopicId
        }
    );
}

/// SN-SUB-3: UNSUBSCRIBE by name (V28), by predefined id and short name, and UNSUBACK (V29).
#[test]
fn sn_sub_3_v28_v29_unsubscribe_and_unsuback() {
    assert_eq!(
        canonical(&v(28)),
        Message::Unsubscribe {
            msg_id: 13,
            topic: SubscribeTopic::Name(text("a/+")),
        }
    );
    assert_eq!(
        canonical(&hex("07 14 01 00 0E 00 05")),
        Message::Unsubscribe {
            msg_id: 14,
            topic: SubscribeTopic::Predefined(5),
        }
    );
    assert_eq!(
        canonical(&hex("07 14 02 00 0F 61 62")),
        Message::Unsubscribe {
            msg_id: 15,
            topic: SubscribeTopic::Short(*b"ab"),
        }
    );
    assert_eq!(canonical(&v(29)), Message::UnsubAck { msg_id: 13 });
}

/// SN-PNG-1: PINGREQ without (V30) and with a ClientId (V31), PINGRESP (V32).
#[test]
fn sn_png_1_v30_to_v32_ping_with_and_without_client_id() {
    assert_eq!(canonical(&v(30)), Message::PingReq { client_id: None });
    assert_eq!(
        canonical(&v(31)),
        Message::PingReq {
            client_id: Some(text("dev1"))
        }
    );
    assert_eq!(canonical(&v(32)), Message::PingResp);
    // The ClientId follows SN-FLD-2.
    let mut bytes = hex("1A 16");
    bytes.extend_from_slice(b"abcdefghijklmnopqrstuvwx");
    assert_eq!(
        parse(&bytes),
        Err(SnError::ClientIdLength {
            msg_type: MsgType::PingReq,
            len: 24,
            max: 23
        })
    );
    // A PINGREQ is not answered with a CONNACK.
    assert_eq!(parse(&bytes).unwrap_err().answer(), None);
}

/// SN-DIS-1: DISCONNECT plain (V33) and with a sleep Duration (V34).
#[test]
fn sn_dis_1_v33_v34_disconnect_plain_and_sleeping() {
    assert_eq!(canonical(&v(33)), Message::Disconnect { duration: None });
    assert_eq!(
        canonical(&v(34)),
        Message::Disconnect {
            duration: Some(600)
        }
    );
}

/// SN-ENC-1: forwarder encapsulation, forwarder → gateway around a PINGREQ (V47) and gateway →
/// forwarder with radius 1 around a CONNACK (V48).
#[test]
fn sn_enc_1_v47_v48_encapsulated_messages() {
    let v47 = v(47);
    let message = canonical(&v47);
    assert_eq!(
        message,
        Message::Encapsulated(Encapsulated {
            radius: 0,
            node_id: &[0x12, 0x34][..],
            message: &[0x02, 0x16][..],
        })
    );
    let Message::Encapsulated(e) = &message else {
        unreachable!()
    };
    assert_eq!(e.inner(), Ok(Message::PingReq { client_id: None }));

    let v48 = v(48);
    let message = canonical(&v48);
    let Message::Encapsulated(e) = &message else {
        panic!("not encapsulated")
    };
    assert_eq!((e.radius, e.node_id), (1, &[0x12, 0x34][..]));
    assert_eq!(
        e.inner(),
        Ok(Message::ConnAck {
            return_code: ReturnCode::Accepted
        })
    );
    // An empty node id, and an inner message in the 3-octet form.
    canonical(&hex("03 FE 00 02 17"));
    let datagram = hex("03 FE 00 01 00 04 17");
    let message = canonical(&datagram);
    let Message::Encapsulated(e) = &message else {
        panic!("not encapsulated")
    };
    assert_eq!(e.inner(), Ok(Message::PingResp));
}

/// SN-ENC-1: the inner Length must cover exactly what follows the envelope (X17). The spec
/// files this under SN-ENC-1; the codec reports the inner message's own rule (SN-HDR-4),
/// with the same verdict, drop.
#[test]
fn sn_enc_1_x17_inner_length_must_fit_the_datagram() {
    let e = dropped(&x(17), "SN-HDR-4");
    assert_eq!(
        e,
        SnError::LengthMismatch {
            declared: 3,
            actual: 2
        }
    );
    // An envelope Length running past the datagram, or too small to hold Ctrl.
    dropped(&hex("09 FE 00 12 34 02 16"), "SN-MSG-1");
    dropped(&hex("02 FE 00 02 16"), "SN-MSG-1");
    // No inner message at all.
    dropped(&hex("05 FE 00 12 34"), "SN-HDR-5");
    // An invalid inner message is refused.
    dropped(&hex("05 FE 00 12 34 02 03"), "SN-HDR-6");
}

/// SN-ENC-1: an encapsulation in the 3-octet Length form is dropped (X21).
#[test]
fn sn_enc_1_x21_encapsulation_needs_one_octet_length() {
    assert!(matches!(
        dropped(&x(21), "SN-ENC-1"),
        SnError::Encapsulation(_)
    ));
}

/// SN-ENC-1: an encapsulation inside another is refused, by the parser and the encoder.
#[test]
fn sn_enc_1_nested_encapsulation_is_refused() {
    let bytes = hex("05 FE 00 12 34 05 FE 00 AB CD 02 16");
    assert!(matches!(
        dropped(&bytes, "SN-ENC-1"),
        SnError::Encapsulation(_)
    ));
    let inner = v(47);
    let nested = Message::Encapsulated(Encapsulated {
        radius: 0,
        node_id: &[0x12, 0x34][..],
        message: &inner[..],
    });
    assert!(matches!(
        nested.encoded_len(),
        Err(SnEncodeError::Invalid(SnError::Encapsulation(_)))
    ));
}

/// SN-ENC-2: Ctrl bits 7-2 are reserved: ignored when read, written as 0; the radius is bits
/// 1-0 and the encoder refuses one over 3.
#[test]
fn sn_enc_2_ctrl_reserved_bits_are_ignored() {
    let datagram = hex("05 FE FD 12 34 03 05 00");
    let message = reencoded_as(&datagram, &v(48));
    let Message::Encapsulated(e) = &message else {
        panic!("not encapsulated")
    };
    assert_eq!(e.radius, 1);
    let wide = Message::Encapsulated(Encapsulated {
        radius: 4,
        node_id: &[0x12][..],
        message: &[0x02, 0x16][..],
    });
    assert_eq!(
        wide.encoded_len(),
        Err(SnEncodeError::RadiusOutOfRange { radius: 4 })
    );
}

// ---------------------------------------------------------------------------------------
// The encoder's buffer, owned messages
// ---------------------------------------------------------------------------------------

/// A buffer one octet short (or any shorter) is refused with `BufferTooSmall`, nothing is
/// written and nothing panics, for every valid example.
#[test]
fn sn_encode_into_too_small_buffer_is_refused_without_writing() {
    for n in 1..=48 {
        let bytes = v(n);
        let message = parse(&bytes).unwrap_or_else(|e| panic!("V{n}: {e}"));
        let len = message.encoded_len().unwrap();
        for available in [0, 1, 2, len / 2, len - 1].into_iter().filter(|&a| a < len) {
            let mut out = vec![0x5Au8; available];
            assert_eq!(
                message.encode(&mut out),
                Err(SnEncodeError::BufferTooSmall {
                    needed: len,
                    available
                }),
                "V{n} into {available}"
            );
            assert!(out.iter().all(|&b| b == 0x5A), "V{n}: nothing written");
        }
        // A larger buffer is fine: only the start is used.
        let mut out = vec![0x5Au8; len + 10];
        assert_eq!(message.encode(&mut out), Ok(len), "V{n}");
        assert!(out[len..].iter().all(|&b| b == 0x5A), "V{n}");
    }
}

/// `to_owned` copies every byte field: the owned message outlives the datagram and reads the
/// same (V9, V31, V38, V47).
#[test]
fn sn_to_owned_copies_every_field() {
    for n in [9, 31, 38, 47] {
        let owned = {
            let bytes = v(n);
            parse(&bytes).unwrap().to_owned()
        };
        let again = v(n);
        assert_eq!(owned.as_view(), parse(&again).unwrap(), "V{n}");
        assert_eq!(owned.to_vec().unwrap(), again, "V{n}");
    }
}

/// `parse_bytes` slices the received `Bytes` instead of copying: the payload of the owned
/// PUBLISH (V13) and the name of the owned REGISTER (V9) point into the frame.
#[test]
fn sn_parse_bytes_slices_the_received_frame() {
    let frame = Bytes::from(v(13));
    let message = parse_bytes(&frame, &SnOptions::default()).unwrap();
    let Message::Publish(p) = &message else {
        panic!("not a PUBLISH")
    };
    assert_eq!(p.data, Bytes::from_static(b"1"));
    assert_eq!(p.data.as_ptr(), frame[7..].as_ptr(), "payload not copied");

    let frame = Bytes::from(v(9));
    let message = parse_bytes(&frame, &SnOptions::default()).unwrap();
    let Message::Register(r) = &message else {
        panic!("not a REGISTER")
    };
    assert_eq!(r.topic_name.as_str(), "a/b");
    assert_eq!(r.topic_name.as_bytes().as_ptr(), frame[6..].as_ptr());

    // Options apply as in `parse_with`.
    let frame = Bytes::from(x(11));
    assert!(parse_bytes(&frame, &SnOptions::default()).is_err());
    let raised = SnOptions {
        max_client_id_len: 24,
        ..SnOptions::default()
    };
    assert!(parse_bytes(&frame, &raised).is_ok());
}

/// `to_vec` writes exactly what `encode` writes (V43, the long form).
#[test]
fn sn_to_vec_equals_encode() {
    let bytes = v(43);
    let message = parse(&bytes).unwrap();
    let mut out = vec![0u8; 300];
    let n = message.encode(&mut out).unwrap();
    assert_eq!(message.to_vec().unwrap(), &out[..n]);
    assert_eq!(message.to_vec().unwrap(), bytes);
}

/// SN-ENC-1: envelopes nested thousands deep are refused at the first level, without
/// recursing into each (no stack is spent per level).
#[test]
fn sn_enc_1_deeply_nested_encapsulations_are_refused_at_once() {
    let mut datagram = hex("02 16");
    for _ in 0..20_000 {
        let mut outer = vec![0x03, 0xFE, 0x00];
        outer.extend_from_slice(&datagram);
        datagram = outer;
        if datagram.len() > 60_000 {
            break;
        }
    }
    assert_eq!(
        parse(&datagram).unwrap_err(),
        SnError::Encapsulation("nested")
    );
}
