//! MQTT-SN 1.2 and 2.0: any datagram parses or is refused, never a panic; what parses
//! encodes, the encoding parses to the same message, and the owned conversions agree with
//! the view.
#![no_main]
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use mqtt_codec::sn::{parse, parse_bytes, v2, SnEncodeError, SnOptions};

fuzz_target!(|data: &[u8]| {
    let shared = Bytes::copy_from_slice(data);
    if let Ok(view) = parse(data) {
        let _ = view.to_string();
        // A PUBLISH, SUBSCRIBE, UNSUBSCRIBE or accepting REGACK naming topic id 0x0000 or
        // 0xFFFF, or a REGISTER or SUBACK carrying 0xFFFF, is read (the receiver answers
        // "invalid topic id") but never written: those ids are never assigned (SN-FLD-1).
        let encoded = match view.to_vec() {
            Err(SnEncodeError::ReservedTopicId { .. }) => return,
            other => other.expect("a parsed 1.2 message encodes"),
        };
        assert_eq!(encoded.len(), view.encoded_len().unwrap());
        assert_eq!(parse(&encoded).expect("an encoded message parses"), view);
        let owned = parse_bytes(&shared, &SnOptions::DEFAULT).expect("parses as owned");
        assert_eq!(owned, view.to_owned());
        assert_eq!(owned.as_view(), view);
    }
    if let Ok(view) = v2::parse(data) {
        let _ = view.to_string();
        let encoded = view.to_vec().expect("a parsed 2.0 packet encodes");
        assert_eq!(encoded.len(), view.encoded_len().unwrap());
        assert_eq!(v2::parse(&encoded).expect("an encoded packet parses"), view);
        let owned = v2::parse_bytes(&shared).expect("parses as owned");
        assert_eq!(owned, view.to_owned());
        assert_eq!(owned.as_view(), view);
    }
    let _ = v2::detect_version(data);
});
