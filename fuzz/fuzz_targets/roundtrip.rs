//! Whatever `parse` accepts re-encodes to bytes that parse to an equal packet; the streaming
//! `Decoder` agrees with `parse` on the same bytes; re-encoding is idempotent.
//!
//! Input layout: byte 0 picks the version (and "unknown") and the receiving side, the rest is
//! the packet.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mqtt_codec::{
    parse, Decoder, DecoderConfig, Packet, ParseOptions, ProtocolVersion, Role, Status,
    MAX_PACKET_SIZE,
};
use mqtt_codec_fuzz::to_hex;

fuzz_target!(|input: &[u8]| {
    let Some((&sel, buf)) = input.split_first() else {
        return;
    };
    let version = [
        None,
        Some(ProtocolVersion::V3_1),
        Some(ProtocolVersion::V3_1_1),
        Some(ProtocolVersion::V5),
    ][(sel & 3) as usize];
    let receiver = [
        None,
        Some(Role::Client),
        Some(Role::Server),
        Some(Role::Server),
    ][((sel >> 2) & 3) as usize];
    let receiver = if version.is_none() {
        Some(Role::Server)
    } else {
        receiver
    };
    let opts = ParseOptions {
        version,
        receiver,
        max_packet_size: MAX_PACKET_SIZE,
    };
    let parsed = parse(buf, &opts);
    // The streaming decoder must agree with the borrowed parse on the first packet.
    let mut d = Decoder::new(DecoderConfig {
        version,
        role: receiver,
        max_packet_size: MAX_PACKET_SIZE,
    });
    d.feed(buf);
    let streamed = d.next_packet();
    let (p, used) = match parsed {
        Ok(Status::Complete(x)) => x,
        Ok(Status::Partial(n)) => {
            assert!(n > 0);
            // F1 (fixed): with no version, `parse` must refuse a non-CONNECT from its header,
            // as the Decoder does. Regression test: tests/hostile.rs
            // `parse_refuses_non_connect_first_from_the_header`.
            assert!(
                matches!(streamed, Ok(None)),
                "parse wants {n} more bytes, decoder gave {streamed:?}"
            );
            return;
        }
        Err(e) => {
            assert_eq!(
                streamed.as_ref().err(),
                Some(&e),
                "parse and Decoder disagree on {}",
                to_hex(buf)
            );
            return;
        }
    };
    assert!(used <= buf.len());
    let v = match (&p, version) {
        (Packet::Connect(c), _) => c.protocol_version(),
        (_, Some(v)) => v,
        (_, None) => unreachable!("parse accepted a non-CONNECT without a version"),
    };
    let enc = p.to_bytes(v).unwrap_or_else(|e| {
        panic!(
            "accepted packet does not re-encode: {e}\ninput {}\n{p:?}",
            to_hex(&buf[..used])
        )
    });
    assert_eq!(p.encoded_len(v).unwrap(), enc.len());
    let (p2, used2) = match parse(&enc, &opts) {
        Ok(Status::Complete(x)) => x,
        other => panic!(
            "re-encoded packet does not parse: {other:?}\ninput {}\nenc {}",
            to_hex(&buf[..used]),
            to_hex(&enc)
        ),
    };
    assert_eq!(used2, enc.len());
    assert_eq!(
        p,
        p2,
        "round trip changed the packet\ninput {}\nenc {}",
        to_hex(&buf[..used]),
        to_hex(&enc)
    );
    assert_eq!(
        p2.to_bytes(v).unwrap(),
        enc,
        "re-encoding is not idempotent"
    );
    let owned = match streamed {
        Ok(Some(o)) => o,
        other => panic!(
            "parse accepted {} but Decoder gave {other:?}",
            to_hex(&buf[..used])
        ),
    };
    assert_eq!(d.offset(), used as u64);
    // Owned or borrowed, a packet re-encodes its properties in the order they arrived.
    assert_eq!(
        owned,
        p.to_owned(),
        "Decoder and parse decode different packets"
    );
    assert_eq!(owned.encoded_len(v).unwrap(), enc.len());
    assert_eq!(
        owned.to_bytes(v).unwrap()[..],
        enc[..],
        "the owned packet re-encodes otherwise than the view"
    );
});
