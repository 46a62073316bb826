//! Every packet type of MQTT 3.1, 3.1.1 and 5.0, parsed with the borrowed parse and
//! re-encoded into a stack buffer, with the core built without `alloc`.

#![no_std]

use mqtt_codec::{parse, ParseOptions, ProtocolVersion, Status};

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

/// Parses and re-encodes every vector; returns how many did not come back byte for byte.
pub fn check_all() -> usize {
    VECTORS
        .iter()
        .filter(|(version, bytes)| !round_trips(*version, bytes))
        .count()
}

fn round_trips(version: ProtocolVersion, bytes: &[u8]) -> bool {
    let opts = ParseOptions::new(version);
    let Ok(Status::Complete((packet, used))) = parse(bytes, &opts) else {
        return false;
    };
    let mut out = [0u8; 64];
    let Ok(written) = packet.encode_to_slice(version, &mut out) else {
        return false;
    };
    used == bytes.len() && out.get(..written) == Some(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_vector_round_trips_without_an_allocator() {
        for (version, bytes) in super::VECTORS {
            assert!(
                super::round_trips(*version, bytes),
                "{version:?} {bytes:02x?}"
            );
        }
        assert_eq!(super::check_all(), 0);
    }
}
