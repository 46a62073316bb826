//! MQTT-SN 1.2: any datagram parses or is refused, never a panic; what parses encodes, the
//! encoding parses to the same message, and the owned conversions agree with the view.
#![no_main]
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use mqtt_codec::sn::{parse, parse_bytes, SnOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(view) = parse(data) else { return };
    let _ = view.to_string();
    let encoded = view.to_vec().expect("a parsed message encodes");
    assert_eq!(encoded.len(), view.encoded_len().unwrap());
    let again = parse(&encoded).expect("an encoded message parses");
    assert_eq!(again, view);
    let shared = Bytes::copy_from_slice(data);
    let owned = parse_bytes(&shared, &SnOptions::DEFAULT).expect("parses as owned");
    assert_eq!(owned, view.to_owned());
    assert_eq!(owned.as_view(), view);
});
