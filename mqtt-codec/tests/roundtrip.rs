//! Property tests: every valid packet of every type and version survives
//! encode → borrowed `parse` and encode → streaming `Decoder` unchanged; `encoded_len`,
//! `to_bytes`, `encode`, `encode_to_slice` and `prepare` agree on the size and the bytes, and
//! the view made owned (`to_owned`, `to_shared`, of the packet or of a matched PUBLISH or
//! CONNECT) gives the packet back.

mod support_gen;

use bytes::Bytes;
use mqtt_codec::{
    parse, Decoder, DecoderConfig, Encode, EncodeError, MqttStr, Packet, PacketRef, PacketType,
    ParseOptions, ProtocolVersion, Role, Status, TopicName, MAX_PACKET_SIZE,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use support_gen::{arb_packet, arb_packet_of, receiver_for, to_hex};

use ProtocolVersion::{V3_1, V3_1_1, V5};

fn decoder(version: Option<ProtocolVersion>, role: Option<Role>) -> Decoder {
    Decoder::new(DecoderConfig {
        version,
        role,
        max_packet_size: MAX_PACKET_SIZE,
    })
}

/// Decodes `bytes` (exactly one packet) with a fresh streaming decoder.
fn decode_owned(
    bytes: &[u8],
    version: Option<ProtocolVersion>,
    role: Option<Role>,
) -> Result<(Packet, Option<ProtocolVersion>), TestCaseError> {
    let mut d = decoder(version, role);
    d.feed(bytes);
    let packet = match d.next_packet() {
        Ok(Some(p)) => p,
        Ok(None) => return Err(TestCaseError::fail("decoder wants more bytes")),
        Err(e) => return Err(TestCaseError::fail(format!("decoder error: {e:?}"))),
    };
    prop_assert_eq!(d.next_packet(), Ok(None), "nothing after the packet");
    prop_assert_eq!(d.buffered(), 0);
    Ok((packet, d.protocol_version()))
}

/// Parses `bytes` with the borrowed parser and returns the re-encoding of the result.
fn parse_and_reencode(
    bytes: &[u8],
    version: Option<ProtocolVersion>,
    receiver: Option<Role>,
    encode_as: ProtocolVersion,
) -> Result<Vec<u8>, TestCaseError> {
    let opts = ParseOptions {
        version,
        receiver,
        max_packet_size: MAX_PACKET_SIZE,
    };
    let (packet, used) = match parse(bytes, &opts) {
        Ok(Status::Complete(done)) => done,
        Ok(Status::Partial(n)) => {
            return Err(TestCaseError::fail(format!("parse wants {n} more bytes")))
        }
        Err(e) => return Err(TestCaseError::fail(format!("parse error: {e:?}"))),
    };
    prop_assert_eq!(used, bytes.len());
    let len = packet
        .encoded_len(encode_as)
        .map_err(|e| TestCaseError::fail(format!("borrowed encoded_len: {e:?}")))?;
    let mut out = Vec::with_capacity(len);
    let written = packet
        .encode(encode_as, &mut out)
        .map_err(|e| TestCaseError::fail(format!("borrowed encode: {e:?}")))?;
    prop_assert_eq!(written, len);
    prop_assert_eq!(out.len(), len);
    Ok(out)
}

/// A property value as plain bytes, to compare a view's with an owned packet's.
trait Plain {
    fn plain(&self) -> Vec<u8>;
}
macro_rules! plain_number {
    ($($t:ty),*) => {$(
        impl Plain for $t {
            fn plain(&self) -> Vec<u8> {
                self.to_be_bytes().to_vec()
            }
        }
    )*};
}
plain_number!(u8, u16, u32);
impl<B: AsRef<[u8]>> Plain for MqttStr<B> {
    fn plain(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
}
impl<B: AsRef<[u8]>> Plain for TopicName<B> {
    fn plain(&self) -> Vec<u8> {
        self.as_str().as_bytes().to_vec()
    }
}
impl Plain for &[u8] {
    fn plain(&self) -> Vec<u8> {
        self.to_vec()
    }
}
impl Plain for Bytes {
    fn plain(&self) -> Vec<u8> {
        self.to_vec()
    }
}

/// Every getter of a parsed view's properties (each walking the section to its property)
/// gives what the owned packet holds in the field.
fn check_view_getters(view: &PacketRef<'_>, packet: &Packet) -> Result<(), TestCaseError> {
    let (Some(v), Some(o)) = (view.properties(), packet.properties()) else {
        return Ok(());
    };
    macro_rules! compare {
        ($( ($id:literal, $variant:ident, $field:ident $(, $rest:tt)*) ),* $(,)?) => {
            $( prop_assert_eq!(
                v.$field().map(|x| x.plain()),
                o.$field.as_ref().map(|x| x.plain()),
                "{}",
                stringify!($field)
            ); )*
        };
    }
    mqtt_codec::for_each_property!(compare);
    let viewed: Vec<_> = v
        .user_properties()
        .iter()
        .map(|u| (u.name.plain(), u.value.plain()))
        .collect();
    let owned: Vec<_> = o
        .user_properties
        .iter()
        .map(|u| (u.name.plain(), u.value.plain()))
        .collect();
    prop_assert_eq!(viewed, owned);
    prop_assert_eq!(
        v.subscription_identifiers().iter().collect::<Vec<_>>(),
        o.subscription_identifiers.clone()
    );
    Ok(())
}

/// The whole round-trip property for one packet.
fn check_roundtrip(packet: &Packet, version: ProtocolVersion) -> Result<(), TestCaseError> {
    // Encoding: encoded_len, to_bytes, encode into a Vec and encode_to_slice all agree.
    let len = packet
        .encoded_len(version)
        .map_err(|e| TestCaseError::fail(format!("encoded_len of a valid packet: {e:?}")))?;
    let bytes = packet
        .to_bytes(version)
        .map_err(|e| TestCaseError::fail(format!("to_bytes of a valid packet: {e:?}")))?;
    prop_assert_eq!(bytes.len(), len, "encoded_len equals the bytes written");
    let mut vec_out = Vec::new();
    prop_assert_eq!(packet.encode(version, &mut vec_out), Ok(len));
    prop_assert_eq!(&vec_out[..], &bytes[..]);

    let mut exact = vec![0u8; len];
    prop_assert_eq!(packet.encode_to_slice(version, &mut exact), Ok(len));
    prop_assert_eq!(&exact[..], &bytes[..]);
    let mut short = vec![0u8; len - 1];
    prop_assert_eq!(
        packet.encode_to_slice(version, &mut short),
        Err(EncodeError::BufferTooSmall {
            needed: len,
            available: len - 1
        })
    );
    // Nothing is written on error.
    prop_assert!(short.iter().all(|&b| b == 0), "short buffer untouched");

    // Checked and sized once, written later: the same bytes, and the same refusal.
    let prepared = packet
        .prepare(version)
        .map_err(|e| TestCaseError::fail(format!("prepare of a valid packet: {e:?}")))?;
    prop_assert_eq!(prepared.encoded_len(), len);
    let mut out = vec![0u8; len];
    prop_assert_eq!(prepared.write_to_slice(&mut out), Ok(len));
    prop_assert_eq!(&out[..], &bytes[..]);
    prop_assert_eq!(
        prepared.write_to_slice(&mut short),
        Err(EncodeError::BufferTooSmall {
            needed: len,
            available: len - 1
        })
    );
    prop_assert!(
        short.iter().all(|&b| b == 0),
        "short buffer untouched by prepared"
    );

    // An acknowledgement encodes on its own, typed by `as_type`, to the same bytes.
    if let Packet::PubAck(r) | Packet::PubRec(r) | Packet::PubRel(r) | Packet::PubComp(r) = packet {
        let typed = r.as_type(packet.packet_type());
        prop_assert!(typed.is_some());
        if let Some(typed) = typed {
            let alone = typed.to_bytes(version);
            prop_assert_eq!(alone.as_deref().ok(), Some(&bytes[..]));
        }
    }

    let opts = ParseOptions::new(version);

    // The borrowed view made owned: copied, or sliced out of the frame it was parsed from.
    if let Ok(Status::Complete((view, _))) = parse(&bytes, &opts) {
        check_view_getters(&view, packet)?;
        prop_assert_eq!(&view.to_owned(), packet, "to_owned");
        // A property set alone, made owned the same two ways.
        if let (Some(view_props), Some(props)) = (view.properties(), packet.properties()) {
            prop_assert_eq!(&view_props.to_owned(), props, "PropertyView::to_owned");
            prop_assert_eq!(
                &view_props.to_shared(&bytes),
                props,
                "PropertyView::to_shared"
            );
        }
        // A matched PUBLISH or CONNECT view made owned on its own, the same two ways.
        match (&view, packet) {
            (PacketRef::Publish(v), Packet::Publish(p)) => {
                prop_assert_eq!(&v.to_owned(), p, "Publish::to_owned");
                prop_assert_eq!(&v.to_shared(&bytes), p, "Publish::to_shared");
            }
            (PacketRef::Connect(v), Packet::Connect(c)) => {
                prop_assert_eq!(&v.to_connect().to_owned(), &**c, "Connect::to_owned");
                prop_assert_eq!(
                    &v.to_connect().to_shared(&bytes),
                    &**c,
                    "Connect::to_shared"
                );
            }
            _ => {}
        }
        let shared = view.to_shared(&bytes);
        prop_assert_eq!(&shared, packet, "to_shared");
        if let Packet::Publish(p) = &shared {
            let frame = bytes.as_ptr_range();
            prop_assert!(p.payload.is_empty() || frame.contains(&p.payload.as_ptr()));
        }
    } else {
        prop_assert!(false, "the borrowed parse of a valid packet");
    }

    // Borrowed parse, either direction, version given.
    let reencoded = parse_and_reencode(&bytes, Some(version), None, version)?;
    prop_assert_eq!(
        &reencoded[..],
        &bytes[..],
        "borrowed parse re-encodes to the same bytes: {}",
        to_hex(&bytes)
    );

    // Streaming decoder, either direction, version given.
    let (owned, _) = decode_owned(&bytes, Some(version), None)?;
    prop_assert_eq!(&owned, packet, "decoded: {}", to_hex(&bytes));

    // Decoding with the receiving side the packet is addressed to also works.
    if let Ok(Some(role)) = receiver_for(packet, version) {
        let (owned, _) = decode_owned(&bytes, Some(version), Some(role))?;
        prop_assert_eq!(&owned, packet, "decoded by {:?}: {}", role, to_hex(&bytes));
        let reencoded = parse_and_reencode(&bytes, Some(version), Some(role), version)?;
        prop_assert_eq!(&reencoded[..], &bytes[..]);
    }

    // CONNECT: a decoder and a parser that do not know the version learn it.
    if let Packet::Connect(_) = packet {
        for role in [None, Some(Role::Server)] {
            let (owned, learned) = decode_owned(&bytes, None, role)?;
            prop_assert_eq!(&owned, packet);
            prop_assert_eq!(learned, Some(version));
            let reencoded = parse_and_reencode(&bytes, None, role, version)?;
            prop_assert_eq!(&reencoded[..], &bytes[..]);
        }
    }
    Ok(())
}

const CASES: u32 = 256;

/// One property per (version, packet type), plus one over all types of each version.
macro_rules! roundtrip_tests {
    ($($name:ident: $version:expr, $packet_type:expr;)*) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(CASES))]
            $(
                #[test]
                fn $name(packet in arb_packet_of($version, $packet_type)) {
                    check_roundtrip(&packet, $version)?;
                }
            )*
        }
    };
}

roundtrip_tests! {
    v3_1_connect_roundtrips: V3_1, PacketType::Connect;
    v3_1_connack_roundtrips: V3_1, PacketType::ConnAck;
    v3_1_publish_roundtrips: V3_1, PacketType::Publish;
    v3_1_puback_roundtrips: V3_1, PacketType::PubAck;
    v3_1_pubrec_roundtrips: V3_1, PacketType::PubRec;
    v3_1_pubrel_roundtrips: V3_1, PacketType::PubRel;
    v3_1_pubcomp_roundtrips: V3_1, PacketType::PubComp;
    v3_1_subscribe_roundtrips: V3_1, PacketType::Subscribe;
    v3_1_suback_roundtrips: V3_1, PacketType::SubAck;
    v3_1_unsubscribe_roundtrips: V3_1, PacketType::Unsubscribe;
    v3_1_unsuback_roundtrips: V3_1, PacketType::UnsubAck;
    v3_1_pingreq_roundtrips: V3_1, PacketType::PingReq;
    v3_1_pingresp_roundtrips: V3_1, PacketType::PingResp;
    v3_1_disconnect_roundtrips: V3_1, PacketType::Disconnect;

    v3_1_1_connect_roundtrips: V3_1_1, PacketType::Connect;
    v3_1_1_connack_roundtrips: V3_1_1, PacketType::ConnAck;
    v3_1_1_publish_roundtrips: V3_1_1, PacketType::Publish;
    v3_1_1_puback_roundtrips: V3_1_1, PacketType::PubAck;
    v3_1_1_pubrec_roundtrips: V3_1_1, PacketType::PubRec;
    v3_1_1_pubrel_roundtrips: V3_1_1, PacketType::PubRel;
    v3_1_1_pubcomp_roundtrips: V3_1_1, PacketType::PubComp;
    v3_1_1_subscribe_roundtrips: V3_1_1, PacketType::Subscribe;
    v3_1_1_suback_roundtrips: V3_1_1, PacketType::SubAck;
    v3_1_1_unsubscribe_roundtrips: V3_1_1, PacketType::Unsubscribe;
    v3_1_1_unsuback_roundtrips: V3_1_1, PacketType::UnsubAck;
    v3_1_1_pingreq_roundtrips: V3_1_1, PacketType::PingReq;
    v3_1_1_pingresp_roundtrips: V3_1_1, PacketType::PingResp;
    v3_1_1_disconnect_roundtrips: V3_1_1, PacketType::Disconnect;

    v5_connect_roundtrips: V5, PacketType::Connect;
    v5_connack_roundtrips: V5, PacketType::ConnAck;
    v5_publish_roundtrips: V5, PacketType::Publish;
    v5_puback_roundtrips: V5, PacketType::PubAck;
    v5_pubrec_roundtrips: V5, PacketType::PubRec;
    v5_pubrel_roundtrips: V5, PacketType::PubRel;
    v5_pubcomp_roundtrips: V5, PacketType::PubComp;
    v5_subscribe_roundtrips: V5, PacketType::Subscribe;
    v5_suback_roundtrips: V5, PacketType::SubAck;
    v5_unsubscribe_roundtrips: V5, PacketType::Unsubscribe;
    v5_unsuback_roundtrips: V5, PacketType::UnsubAck;
    v5_pingreq_roundtrips: V5, PacketType::PingReq;
    v5_pingresp_roundtrips: V5, PacketType::PingResp;
    v5_disconnect_roundtrips: V5, PacketType::Disconnect;
    v5_auth_roundtrips: V5, PacketType::Auth;
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn v3_1_any_packet_roundtrips(packet in arb_packet(V3_1)) {
        check_roundtrip(&packet, V3_1)?;
    }

    #[test]
    fn v3_1_1_any_packet_roundtrips(packet in arb_packet(V3_1_1)) {
        check_roundtrip(&packet, V3_1_1)?;
    }

    #[test]
    fn v5_any_packet_roundtrips(packet in arb_packet(V5)) {
        check_roundtrip(&packet, V5)?;
    }
}
