//! PR-6 lets a sender put 5.0 properties in any order. A decoded packet keeps the order it
//! received them in, borrowed or owned (copied or sharing the frame), so that re-encoding it
//! unchanged, as a bridge passing a packet on does, gives back the bytes that came; once a
//! property is written to, the set is encoded in the library's own order, and the checks of
//! the packet it is encoded in still apply.

use bytes::Bytes;
use mqtt_codec::{
    parse, Decoder, DecoderConfig, Disconnect, EncodeError, Packet, ParseOptions, PropertyId,
    ProtocolVersion, ReasonCode, Role, Status,
};

/// `v5 CONNACK success w/ props` of the checklist: Receive Maximum, Maximum QoS, then
/// Assigned Client Identifier (0x21, 0x24, 0x12).
const CONNACK: [u8; 19] = [
    0x20, 0x11, 0x00, 0x00, 0x0E, 0x21, 0x00, 0x64, 0x24, 0x01, 0x12, 0x00, 0x06, b'a', b'u', b't',
    b'o', b'-', b'1',
];

fn parsed(bytes: &[u8]) -> mqtt_codec::PacketRef<'_> {
    let mut opts = ParseOptions::new(ProtocolVersion::V5);
    opts.receiver = Some(Role::Client);
    match parse(bytes, &opts) {
        Ok(Status::Complete((packet, used))) if used == bytes.len() => packet,
        other => panic!("{other:?}"),
    }
}

fn v5(packet: &Packet) -> Vec<u8> {
    packet.to_bytes(ProtocolVersion::V5).unwrap().to_vec()
}

/// PR-6: every way to an owned packet keeps the order: the copying conversion, the one that
/// shares the frame, and the streaming decoder.
#[test]
fn pr_6_an_owned_packet_re_encodes_its_properties_in_the_order_received() {
    let view = parsed(&CONNACK);
    assert_eq!(v5(&view.to_owned()), CONNACK, "copied");
    let frame = Bytes::copy_from_slice(&CONNACK);
    assert_eq!(v5(&parsed(&frame).to_shared(&frame)), CONNACK, "shared");
    let mut decoder = Decoder::new(DecoderConfig::client(ProtocolVersion::V5));
    decoder.feed(&CONNACK);
    let decoded = decoder.next_packet().unwrap().unwrap();
    assert_eq!(v5(&decoded), CONNACK, "decoded");
    // A clone keeps it too, and equality looks at the properties alone.
    let Packet::ConnAck(ack) = decoded else {
        panic!("not a CONNACK")
    };
    let mut built = mqtt_codec::ConnAck::new(ReasonCode::Success);
    built.properties = ack.properties.clone().into_inner().into();
    assert_eq!(built, ack);
    assert_eq!(v5(&Packet::ConnAck(ack.clone())), CONNACK);
    assert_ne!(
        v5(&Packet::ConnAck(built)),
        CONNACK,
        "a built set has the library's order"
    );
}

/// PR-6: any order comes back as it came, interleavings of the repeatable properties
/// included: here a User Property, a Content Type, a Subscription Identifier, a Topic
/// Alias and a second User Property, in a PUBLISH from a server.
#[test]
fn pr_6_interleaved_properties_come_back_as_they_came() {
    let mut bytes = vec![0x30, 0x00, 0x00, 0x01, b't'];
    let props: &[u8] = &[
        0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v', // User Property ("k", "v")
        0x03, 0x00, 0x01, b'c', // Content Type "c"
        0x0B, 0x05, // Subscription Identifier 5
        0x23, 0x00, 0x02, // Topic Alias 2
        0x26, 0x00, 0x01, b'x', 0x00, 0x01, b'y', // User Property ("x", "y")
    ];
    bytes.push(props.len() as u8);
    bytes.extend_from_slice(props);
    bytes.extend_from_slice(b"payload");
    bytes[1] = (bytes.len() - 2) as u8;
    let view = parsed(&bytes);
    assert_eq!(v5(&view.to_owned()), bytes);
    let frame = Bytes::copy_from_slice(&bytes);
    assert_eq!(v5(&parsed(&frame).to_shared(&frame)), bytes);
    let Packet::Publish(p) = view.to_owned() else {
        panic!("not a PUBLISH")
    };
    assert_eq!(p.properties.user_properties.len(), 2);
    assert_eq!(p.properties.subscription_identifiers, [5]);
}

/// Written to, the set no longer stands for the section it came from: it is encoded from its
/// fields (the change included), in the library's order.
#[test]
fn pr_6_a_changed_set_is_encoded_from_its_fields() {
    let Packet::ConnAck(mut ack) = parsed(&CONNACK).to_owned() else {
        panic!("not a CONNACK")
    };
    ack.properties.receive_maximum = Some(5);
    let bytes = v5(&Packet::ConnAck(ack.clone()));
    assert_eq!(bytes.len(), CONNACK.len());
    assert_ne!(bytes, CONNACK);
    let Packet::ConnAck(back) = parsed(&bytes).to_owned() else {
        panic!("not a CONNACK")
    };
    assert_eq!(back, ack);
    assert_eq!(back.properties.receive_maximum, Some(5));
}

/// [MQTT-2.2.2-1] / Table 2-4: received properties moved into a packet that may not carry
/// them are refused as any others are.
#[test]
fn table_2_4_received_properties_are_checked_against_the_packet_they_go_out_in() {
    let Packet::ConnAck(ack) = parsed(&CONNACK).to_owned() else {
        panic!("not a CONNACK")
    };
    let disconnect: Packet = Packet::Disconnect(Disconnect {
        reason_code: ReasonCode::Success,
        properties: ack.properties,
    });
    assert!(matches!(
        disconnect.to_bytes(ProtocolVersion::V5),
        Err(EncodeError::PropertyNotAllowed {
            property: PropertyId::ReceiveMaximum | PropertyId::MaximumQos,
            ..
        })
    ));
    assert!(matches!(
        disconnect.to_bytes(ProtocolVersion::V3_1_1),
        Err(EncodeError::NotRepresentable { .. })
    ));
}
