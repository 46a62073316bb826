//! Regressions found by the `ffi` fuzz target (fuzz/README.md, "Findings").

use mqtt_codec::*;

/// SUBSCRIBE, 3.1.1, packet id 10, filter "$share/g" at QoS 0: valid under 3.1.1, where
/// `$share/` has no meaning and "$share/g" is an ordinary filter (3.1.1 §4.7).
const SUBSCRIBE_V311_SHARE: [u8; 15] = [
    0x82, 0x0D, 0x00, 0x0A, 0x00, 0x08, b'$', b's', b'h', b'a', b'r', b'e', b'/', b'g', 0x00,
];

/// F2: the streaming handle decodes it, but the C encoder checked the filter with the 5.0
/// shared-subscription rules and answered `MQTT_ERR_TOPIC_SHARED_SUBSCRIPTION`, so a packet
/// the C ABI decodes does not re-encode. The core's own `to_bytes` re-encodes it.
#[test]
fn v311_subscribe_to_share_like_filter_reencodes_through_the_c_abi() {
    let opts = mqtt_decode_options {
        version: MQTT_V3_1_1,
        role: MQTT_ROLE_ANY,
        max_packet_size: 0,
    };
    let mut h: *mut mqtt_decoder = std::ptr::null_mut();
    // SAFETY: valid pointers; the handle is freed once below.
    unsafe {
        assert_eq!(mqtt_decoder_new(&opts, &mut h), mqtt_status::MQTT_OK);
        assert_eq!(
            mqtt_decoder_feed(h, SUBSCRIBE_V311_SHARE.as_ptr(), SUBSCRIBE_V311_SHARE.len()),
            mqtt_status::MQTT_OK
        );
        let mut p = mqtt_packet::default();
        assert_eq!(mqtt_decoder_next(h, &mut p), mqtt_status::MQTT_OK);
        let mut len = 0usize;
        let st = mqtt_encoded_len(&p, MQTT_V3_1_1, &mut len);
        let mut out = [0u8; 64];
        let mut written = 0usize;
        let st2 = mqtt_encode(&p, MQTT_V3_1_1, out.as_mut_ptr(), out.len(), &mut written);
        mqtt_decoder_free(h);
        assert_eq!(st, mqtt_status::MQTT_OK);
        assert_eq!(st2, mqtt_status::MQTT_OK);
        assert_eq!(&out[..written], &SUBSCRIBE_V311_SHARE[..]);
    }
}

/// The same through the one-shot `mqtt_decode`.
#[test]
fn v311_subscribe_to_share_like_filter_reencodes_one_shot() {
    let opts = mqtt_decode_options {
        version: MQTT_V3_1_1,
        role: MQTT_ROLE_ANY,
        max_packet_size: 0,
    };
    let mut p = mqtt_packet::default();
    let mut n = 0usize;
    let mut out = [0u8; 64];
    let mut written = 0usize;
    // SAFETY: valid pointers; `p` borrows the constant.
    unsafe {
        assert_eq!(
            mqtt_decode(
                SUBSCRIBE_V311_SHARE.as_ptr(),
                SUBSCRIBE_V311_SHARE.len(),
                &opts,
                &mut p,
                &mut n
            ),
            mqtt_status::MQTT_OK
        );
        assert_eq!(
            mqtt_encode(&p, MQTT_V3_1_1, out.as_mut_ptr(), out.len(), &mut written),
            mqtt_status::MQTT_OK
        );
    }
    assert_eq!(&out[..written], &SUBSCRIBE_V311_SHARE[..]);
}
