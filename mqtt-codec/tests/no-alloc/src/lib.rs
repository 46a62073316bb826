//! Every packet type of MQTT 3.1, 3.1.1 and 5.0, and MQTT-SN 1.2 and 2.0 messages, parsed
//! with the borrowed parse and re-encoded into a stack buffer, and a client build's
//! heap-free session through a scripted exchange, with the core built without `alloc`.

#![no_std]

use mqtt_codec::{
    parse, DecodeError, EncodeError, PacketType, ParseOptions, ProtocolVersion, Role, Status,
};

use ProtocolVersion::{V3_1, V3_1_1, V5};

/// One packet of each type in each version, in its shortest (canonical) form, so that the
/// re-encoding must give the same bytes back.
pub const VECTORS: &[(ProtocolVersion, &[u8])] = &[
    // 3.1: CONNECT "MQIsdp" level 3, clean session, keep alive 60, client "abc".
    (V3_1, b"\x10\x11\x00\x06MQIsdp\x03\x02\x00\x3c\x00\x03abc"),
    // 3.1.1
    (V3_1_1, b"\x10\x0f\x00\x04MQTT\x04\x02\x00\x3c\x00\x03abc"),
    (V3_1_1, b"\x20\x02\x00\x00"),
    (V3_1_1, b"\x32\x09\x00\x03a/b\x00\x07hi"),
    (V3_1_1, b"\x40\x02\x00\x07"),
    (V3_1_1, b"\x50\x02\x00\x07"),
    (V3_1_1, b"\x62\x02\x00\x07"),
    (V3_1_1, b"\x70\x02\x00\x07"),
    (V3_1_1, b"\x82\x08\x00\x01\x00\x03a/#\x01"),
    (V3_1_1, b"\x90\x03\x00\x01\x01"),
    (V3_1_1, b"\xa2\x07\x00\x02\x00\x03a/#"),
    (V3_1_1, b"\xb0\x02\x00\x02"),
    (V3_1_1, b"\xc0\x00"),
    (V3_1_1, b"\xd0\x00"),
    (V3_1_1, b"\xe0\x00"),
    // 5.0, with a property or a reason code where the packet has them.
    (V5, b"\x10\x10\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x03abc"),
    (V5, b"\x20\x03\x00\x00\x00"),
    (V5, b"\x32\x0c\x00\x03a/b\x00\x07\x02\x01\x01hi"),
    (V5, b"\x40\x03\x00\x07\x10"),
    (V5, b"\x50\x02\x00\x07"),
    (V5, b"\x62\x02\x00\x07"),
    (V5, b"\x70\x02\x00\x07"),
    (V5, b"\x82\x09\x00\x01\x00\x00\x03a/#\x01"),
    (V5, b"\x90\x04\x00\x01\x00\x01"),
    (V5, b"\xa2\x08\x00\x02\x00\x00\x03a/#"),
    (V5, b"\xb0\x04\x00\x02\x00\x00"),
    (V5, b"\xc0\x00"),
    (V5, b"\xd0\x00"),
    (V5, b"\xe0\x00"),
    (V5, b"\xf0\x0a\x18\x08\x15\x00\x05SCRAM"),
];

/// One MQTT-SN 1.2 message of each kind and a 2.0 packet of each kind (the MQTT-SN codecs
/// serve every build: they have no sides to leave out).
pub const SN_VECTORS: &[&[u8]] = &[
    b"\x0a\x04\x04\x01\x00\x3cdev1",
    b"\x09\x0c\x52ab\x00\x03\x01\x02",
    b"\x08\x12\x20\x00\x0aa/+",
    b"\x05\xfe\x00\x12\x34\x02\x16",
];

/// MQTT-SN 2.0 packets.
pub const SN2_VECTORS: &[&[u8]] = &[
    b"\x0e\x01\x01\x00\x01\x02\x00\x3c\x01\x00dev1",
    b"\x0c\x03\x23\x00\x02\x00\x03a/bhi",
    b"\x09\x13\x00\x00\x08\x00\x00\x0e\x10",
    b"\x09\xfc\x02\x12\x34\x04\x0c\x00\x07",
];

/// Parses and re-encodes every vector; returns how many did not behave as this build must
/// (see [`behaves`]).
pub fn check_all() -> usize {
    let mqtt = VECTORS
        .iter()
        .filter(|(version, bytes)| !behaves(*version, bytes))
        .count();
    let mut out = [0u8; 64];
    let sn = SN_VECTORS
        .iter()
        .filter(|bytes| {
            let Ok(m) = mqtt_codec::sn::parse(bytes) else {
                return true;
            };
            !matches!(m.encode(&mut out), Ok(n) if out.get(..n) == Some(**bytes))
        })
        .count();
    let sn2 = SN2_VECTORS
        .iter()
        .filter(|bytes| {
            let Ok(p) = mqtt_codec::sn::v2::parse(bytes) else {
                return true;
            };
            !matches!(p.encode(&mut out), Ok(n) if out.get(..n) == Some(**bytes))
        })
        .count();
    mqtt + sn + sn2 + session_failures()
}

/// A 3.1.1 client session (in a build with the client side and 3.1.1) in stack storage through CONNECT/CONNACK, a QoS 1 PUBLISH and its
/// PUBACK, and a QoS 2 message from the server (PUBREC, PUBREL, PUBCOMP); 1 when anything
/// differs from what the exchange must give.
#[cfg(all(feature = "client", feature = "v3"))]
fn session_failures() -> usize {
    use mqtt_codec::client::{
        AliasSlot, FixedConfig, FixedEvent, FixedSession, FixedStorage, InSlot, OutSlot,
        PendingSlot,
    };
    use mqtt_codec::QoS;

    let (mut outgoing, mut incoming) = ([OutSlot::FREE; 2], [InSlot::FREE; 2]);
    let (mut pending, mut aliases) = ([PendingSlot::FREE; 1], [AliasSlot::FREE; 0]);
    let (mut messages, mut rx, mut tx) = ([0u8; 64], [0u8; 64], [0u8; 64]);
    let storage = FixedStorage {
        outgoing: &mut outgoing,
        messages: &mut messages,
        incoming: &mut incoming,
        pending: &mut pending,
        aliases: &mut aliases,
        alias_topics: &mut [],
        rx: &mut rx,
        tx: &mut tx,
    };
    let mut s = FixedSession::new(FixedConfig::new("dev", V3_1_1), storage);
    let mut ok = s.connect(0).is_ok();
    ok &= s.poll_transmit(0) == Some(b"\x10\x0f\x00\x04MQTT\x04\x02\x00\x3c\x00\x03dev");
    s.receive(b"\x20\x02\x00\x00", 1);
    ok &= matches!(s.poll_event(1), Some(FixedEvent::Connected { .. }));
    let id = s.publish_message("a/b", b"hi", QoS::AtLeastOnce, false, 2);
    ok &= s.poll_transmit(2) == Some(b"\x32\x09\x00\x03a/b\x00\x01hi");
    s.receive(b"\x40\x02\x00\x01", 3);
    ok &= matches!(s.poll_event(3), Some(FixedEvent::Published { packet_id, .. }) if Ok(Some(packet_id)) == id);
    s.receive(b"\x34\x08\x00\x03c/d\x00\x09!", 4);
    ok &= matches!(s.poll_event(4), Some(FixedEvent::Message { publish, .. }) if publish.payload == b"!");
    ok &= s.poll_transmit(4) == Some(b"\x50\x02\x00\x09");
    s.receive(b"\x62\x02\x00\x09", 5);
    ok &= s.poll_event(5).is_none();
    ok &= s.poll_transmit(5) == Some(b"\x70\x02\x00\x09");
    usize::from(!ok)
}

/// A build without the client side or 3.1.1 runs no session.
#[cfg(not(all(feature = "client", feature = "v3")))]
fn session_failures() -> usize {
    0
}

/// Whether a build with this crate's features receives `t` (a client what a server sends,
/// a server what a client sends).
fn received(t: PacketType, version: ProtocolVersion) -> bool {
    let by_client = t.sent_by_server() && (t != PacketType::Disconnect || version.is_v5());
    (Role::Client.is_enabled() && by_client) || (Role::Server.is_enabled() && t.sent_by_client())
}

/// Whether a build with this crate's features sends `t`.
fn sent(t: PacketType) -> bool {
    (Role::Client.is_enabled() && t.sent_by_client())
        || (Role::Server.is_enabled() && t.sent_by_server())
}

/// A vector parses exactly when the build speaks its version and receives its type (refused
/// as an unsupported level or an unexpected packet otherwise), and a parsed packet encodes
/// back to the same bytes exactly when the build sends its type (refused as left out
/// otherwise).
fn behaves(version: ProtocolVersion, bytes: &[u8]) -> bool {
    let Some(t) = bytes.first().and_then(|b| PacketType::from_u8(b >> 4)) else {
        return false;
    };
    let opts = ParseOptions::new(version);
    let packet = match parse(bytes, &opts) {
        Ok(Status::Complete((packet, used))) if used == bytes.len() => packet,
        Err(DecodeError::UnsupportedProtocolLevel { .. }) => return !version.is_enabled(),
        Err(DecodeError::UnexpectedPacket { .. }) => {
            return version.is_enabled() && !received(t, version)
        }
        _ => return false,
    };
    if !(version.is_enabled() && received(t, version)) {
        return false;
    }
    let mut out = [0u8; 64];
    match packet.encode_to_slice(version, &mut out) {
        Ok(written) => sent(t) && out.get(..written) == Some(bytes),
        Err(EncodeError::LeftOut { .. }) => !sent(t),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_vector_round_trips_or_is_refused_as_the_build_requires() {
        for (version, bytes) in super::VECTORS {
            assert!(super::behaves(*version, bytes), "{version:?} {bytes:02x?}");
        }
        assert_eq!(super::check_all(), 0);
    }
}
