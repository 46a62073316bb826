//! The C encoder's property block: a block that sets nothing costs nothing and encodes as no
//! properties, and a bad view in it is still reported.

use mqtt_codec::*;

/// A 5.0 QoS 0 PUBLISH of "x" on "a/b", with the property block `edit` leaves.
fn encode_v5(edit: impl FnOnce(&mut mqtt_properties)) -> (mqtt_status, Vec<u8>) {
    encode_as(MQTT_V5, edit)
}

/// The same PUBLISH encoded under `version`.
fn encode_as(version: u8, edit: impl FnOnce(&mut mqtt_properties)) -> (mqtt_status, Vec<u8>) {
    let mut p = mqtt_packet {
        packet_type: MQTT_PACKET_PUBLISH,
        ..mqtt_packet::default()
    };
    p.topic = mqtt_bytes {
        ptr: b"a/b".as_ptr(),
        len: 3,
    };
    p.payload = mqtt_bytes {
        ptr: b"x".as_ptr(),
        len: 1,
    };
    edit(&mut p.properties);
    let mut out = [0u8; 64];
    let mut written = 0usize;
    // SAFETY: every view points at a static byte string of its length; `out` is writable.
    let st = unsafe { mqtt_encode(&p, version, out.as_mut_ptr(), out.len(), &mut written) };
    (st, out[..written].to_vec())
}

#[test]
fn an_empty_block_encodes_a_property_length_of_zero() {
    let (st, bytes) = encode_v5(|_| {});
    assert_eq!(st, mqtt_status::MQTT_OK);
    assert_eq!(
        bytes,
        [0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', 0x00, b'x']
    );
}

#[test]
fn a_set_property_is_encoded() {
    let (st, bytes) = encode_v5(|props| {
        props.has_message_expiry_interval = true;
        props.message_expiry_interval = 60;
    });
    assert_eq!(st, mqtt_status::MQTT_OK);
    assert_eq!(
        bytes,
        [0x30, 0x0C, 0x00, 0x03, b'a', b'/', b'b', 0x05, 0x02, 0, 0, 0, 60, b'x']
    );
}

#[test]
fn a_null_view_with_a_length_is_still_an_error() {
    let (st, _) = encode_v5(|props| props.reason_string.len = 3);
    assert_eq!(st, mqtt_status::MQTT_ERR_NULL_POINTER);
}

#[test]
fn every_presence_flag_is_seen_first_middle_and_last() {
    // The flags are read a word at a time: one set alone, wherever it lies among them, is a
    // property that 3.1.1 cannot carry.
    let flags: [fn(&mut mqtt_properties); 3] = [
        |p| p.has_payload_format_indicator = true,
        |p| p.has_topic_alias = true,
        |p| p.has_shared_subscription_available = true,
    ];
    for set in flags {
        let (st, _) = encode_as(MQTT_V3_1_1, set);
        assert_eq!(st, mqtt_status::MQTT_ERR_NOT_REPRESENTABLE);
    }
    let (st, _) = encode_as(MQTT_V3_1_1, |_| {});
    assert_eq!(st, mqtt_status::MQTT_OK);
}

#[test]
fn every_view_is_seen_by_its_pointer_and_by_its_length() {
    // The views are read a word at a time with the flags: each one set alone, first, middle
    // or last, by a pointer or only by a length, is a property and not an empty block.
    let views: [fn(&mut mqtt_properties) -> &mut mqtt_bytes; 3] = [
        |p| &mut p.content_type,
        |p| &mut p.authentication_data,
        |p| &mut p.reason_string,
    ];
    for view in views {
        let (st, _) = encode_as(MQTT_V3_1_1, |p| {
            *view(p) = mqtt_bytes {
                ptr: b"x".as_ptr(),
                len: 1,
            }
        });
        assert_eq!(st, mqtt_status::MQTT_ERR_NOT_REPRESENTABLE);
        let (st, _) = encode_as(MQTT_V3_1_1, |p| {
            *view(p) = mqtt_bytes {
                ptr: b"".as_ptr(),
                len: 0,
            }
        });
        assert_eq!(
            st,
            mqtt_status::MQTT_ERR_NOT_REPRESENTABLE,
            "an empty string is set"
        );
        let (st, _) = encode_as(MQTT_V5, |p| view(p).len = 2);
        assert_eq!(st, mqtt_status::MQTT_ERR_NULL_POINTER);
    }
}
