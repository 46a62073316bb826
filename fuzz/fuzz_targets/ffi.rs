//! The C ABI (`mqtt-codec-ffi`) fed the same way as `roundtrip`: `mqtt_decode` agrees with the
//! core's `parse` (verdict and bytes used); whatever it decodes, `mqtt_encoded_len` and
//! `mqtt_encode` re-encode from the C struct to exactly the core's re-encoding with its
//! properties in the table's order (the core keeps the order they came in), and refuse a
//! buffer one byte short saying the size needed; the streaming handle agrees with the core's
//! `Decoder` whatever the chunking. No call ever answers `MQTT_ERR_INTERNAL` (a caught panic).
//!
//! Input layout: byte 0 picks the version, the role and a cut point; the rest is the stream.
#![no_main]
use ffi::*;
use libfuzzer_sys::fuzz_target;
use mqtt_codec::{
    parse, Decoder, DecoderConfig, Packet, ParseOptions, ProtocolVersion, Role, Status,
    MAX_PACKET_SIZE,
};
use mqtt_codec_fuzz::{in_table_order, to_hex};

fuzz_target!(|input: &[u8]| {
    let Some((&sel, buf)) = input.split_first() else {
        return;
    };
    let (level, version) = [
        (MQTT_VERSION_UNKNOWN, None),
        (MQTT_V3_1, Some(ProtocolVersion::V3_1)),
        (MQTT_V3_1_1, Some(ProtocolVersion::V3_1_1)),
        (MQTT_V5, Some(ProtocolVersion::V5)),
    ][(sel & 3) as usize];
    let (role_c, role) = [
        (MQTT_ROLE_ANY, None),
        (MQTT_ROLE_CLIENT, Some(Role::Client)),
        (MQTT_ROLE_SERVER, Some(Role::Server)),
        (MQTT_ROLE_ANY, None),
    ][((sel >> 2) & 3) as usize];
    let opts_c = mqtt_decode_options {
        version: level,
        role: role_c,
        max_packet_size: 0,
    };
    let opts = ParseOptions {
        version,
        receiver: role,
        max_packet_size: MAX_PACKET_SIZE,
    };

    let mut pkt = mqtt_packet::default();
    let mut n = 0usize;
    // SAFETY: valid pointers for the call; `buf` outlives `pkt`'s views.
    let st = unsafe { mqtt_decode(buf.as_ptr(), buf.len(), &opts_c, &mut pkt, &mut n) };
    assert_ne!(
        st,
        mqtt_status::MQTT_ERR_INTERNAL,
        "mqtt_decode panicked on {}",
        to_hex(buf)
    );
    match parse(buf, &opts) {
        Ok(Status::Complete((p, used))) => {
            assert_eq!(
                st,
                mqtt_status::MQTT_OK,
                "core accepts {}, C ABI says {st:?}",
                to_hex(buf)
            );
            assert_eq!(n, used);
            let v = match (&p, version) {
                (Packet::Connect(c), _) => c.protocol_version(),
                (_, Some(v)) => v,
                _ => unreachable!(),
            };
            // The C struct holds properties as fields, so it encodes them in the table's
            // order (the core keeps the order they arrived in).
            let expected = in_table_order(p.to_owned())
                .to_bytes(v)
                .expect("roundtrip target covers this");
            let mut len = 0usize;
            // SAFETY: `pkt` holds views into `buf`, still alive.
            let st = unsafe { mqtt_encoded_len(&pkt, v.level(), &mut len) };
            if st == mqtt_status::MQTT_ERR_TOPIC_SHARED_SUBSCRIPTION && !v.is_v5() {
                return; // Known finding F2, see below.
            }
            assert_eq!(
                st,
                mqtt_status::MQTT_OK,
                "mqtt_encoded_len of a decoded packet: {st:?} on {}",
                to_hex(buf)
            );
            assert_eq!(len, expected.len());
            let mut out = vec![0u8; len];
            let mut written = 0usize;
            // SAFETY: `out` is writable for `len` bytes and does not overlap `buf`.
            let st =
                unsafe { mqtt_encode(&pkt, v.level(), out.as_mut_ptr(), out.len(), &mut written) };
            assert_eq!(st, mqtt_status::MQTT_OK);
            assert_eq!(written, len);
            assert_eq!(
                to_hex(&out),
                to_hex(&expected),
                "C ABI re-encoding differs from the core's"
            );
            if len > 0 {
                // SAFETY: as above, one byte shorter.
                let st = unsafe {
                    mqtt_encode(&pkt, v.level(), out.as_mut_ptr(), len - 1, &mut written)
                };
                assert_eq!(st, mqtt_status::MQTT_ERR_BUFFER_TOO_SMALL);
                assert_eq!(written, len);
            }
        }
        Ok(Status::Partial(k)) => {
            assert_eq!(st, mqtt_status::MQTT_NEED_MORE);
            assert_eq!(n, k);
        }
        Err(_) => assert!(
            (st as i32) >= 100,
            "core refuses {}, C ABI says {st:?}",
            to_hex(buf)
        ),
    }

    // The streaming handle, fed in two chunks, against the core's Decoder.
    let mut core = Decoder::new(DecoderConfig {
        version,
        role,
        max_packet_size: 4096,
    });
    let opts_s = mqtt_decode_options {
        version: level,
        role: role_c,
        max_packet_size: 4096,
    };
    let mut h: *mut mqtt_decoder = std::ptr::null_mut();
    // SAFETY: valid pointers.
    assert_eq!(
        unsafe { mqtt_decoder_new(&opts_s, &mut h) },
        mqtt_status::MQTT_OK
    );
    let cut = (sel as usize >> 4) * buf.len() / 16;
    let mut core_out = Vec::new();
    for chunk in [&buf[..cut], &buf[cut..]] {
        core.feed(chunk);
        while core.error().is_none() {
            match core.next_packet() {
                Ok(Some(p)) => core_out.push(Ok(in_table_order(p)
                    .to_bytes(core.protocol_version().unwrap())
                    .unwrap())),
                Ok(None) => break,
                Err(_) => {
                    core_out.push(Err(()));
                    break;
                }
            }
        }
    }
    // SAFETY: `h` is a live decoder.
    let heap = unsafe { c_stream(h, buf, cut) };
    // SAFETY: `h` came from mqtt_decoder_new and is freed once.
    unsafe { mqtt_decoder_free(h) };
    // The decoder over a caller's buffer (no heap) says the same.
    let mut rx = vec![0u8; 4096];
    let mut fixed = mqtt_decoder {
        _opaque: [0; MQTT_DECODER_WORDS],
    };
    // SAFETY: valid pointers; `rx` outlives the decoder's use.
    assert_eq!(
        unsafe { mqtt_decoder_init(&mut fixed, rx.as_mut_ptr(), rx.len(), &opts_s) },
        mqtt_status::MQTT_OK
    );
    // SAFETY: `fixed` is a live decoder over `rx`.
    let over_buffer = unsafe { c_stream(&mut fixed, buf, cut) };
    // SAFETY: as above; ended once.
    unsafe { mqtt_decoder_free(&mut fixed) };
    let (Some(heap), Some(over_buffer)) = (heap, over_buffer) else {
        return;
    };
    assert_eq!(
        core_out,
        heap,
        "streaming C ABI differs from the core on {}",
        to_hex(buf)
    );
    assert_eq!(
        heap,
        over_buffer,
        "mqtt_decoder_init differs from mqtt_decoder_new on {}",
        to_hex(buf)
    );
});

/// Feeds `buf` to the C decoder `h` in two chunks cut at `cut` and re-encodes every packet;
/// `None` for an input that hits a known finding.
///
/// # Safety
/// `h` must be a live decoder.
unsafe fn c_stream(
    h: *mut mqtt_decoder,
    buf: &[u8],
    cut: usize,
) -> Option<Vec<Result<bytes::Bytes, ()>>> {
    let mut c_out = Vec::new();
    let mut pieces = vec![&buf[..cut], &buf[cut..]];
    while let Some(chunk) = pieces.first().copied() {
        pieces.remove(0);
        let mut taken = 0usize;
        // SAFETY: `h` is live; `chunk` readable; `taken` writable.
        let st = unsafe { mqtt_decoder_feed_some(h, chunk.as_ptr(), chunk.len(), &mut taken) };
        if st != mqtt_status::MQTT_OK {
            assert_eq!(st, mqtt_status::MQTT_ERR_DECODER_FAILED);
            continue;
        }
        // A buffer that took part of the chunk takes the rest once packets are out.
        if taken < chunk.len() {
            assert!(
                taken > 0,
                "a drained decoder of the limit's size took nothing"
            );
            pieces.insert(0, &chunk[taken..]);
        }
        loop {
            let mut p = mqtt_packet::default();
            // SAFETY: `h` live, `p` writable.
            let st = unsafe { mqtt_decoder_next(h, &mut p) };
            assert_ne!(st, mqtt_status::MQTT_ERR_INTERNAL);
            if st == mqtt_status::MQTT_NEED_MORE {
                break;
            }
            if st != mqtt_status::MQTT_OK {
                c_out.push(Err(()));
                break;
            }
            // SAFETY: `h` live.
            let lv = unsafe { mqtt_decoder_version(h) };
            let mut len = 0usize;
            // SAFETY: `p`'s views stay valid until the next call on `h`.
            let st = unsafe { mqtt_encoded_len(&p, lv, &mut len) };
            // Known finding F2 (fuzz/README.md): the C encoder checks SUBSCRIBE filters with the
            // 5.0 shared-subscription rules under 3.x too, so a 3.1.1 "$share/g" decodes but
            // does not re-encode. Skip that input until mqtt-codec-ffi is fixed.
            if st == mqtt_status::MQTT_ERR_TOPIC_SHARED_SUBSCRIPTION && lv != MQTT_V5 {
                return None;
            }
            assert_eq!(
                st,
                mqtt_status::MQTT_OK,
                "mqtt_encoded_len of a streamed packet on {}",
                to_hex(buf)
            );
            let mut out = vec![0u8; len];
            let mut w = 0usize;
            // SAFETY: as above.
            assert_eq!(
                unsafe { mqtt_encode(&p, lv, out.as_mut_ptr(), len, &mut w) },
                mqtt_status::MQTT_OK
            );
            c_out.push(Ok(bytes::Bytes::from(out)));
        }
    }
    Some(c_out)
}
