//! Proves that the one-shot decode, the list iterators and the encoder of the C ABI make no
//! heap allocation, for every packet type and version, with a counting global allocator.

use mqtt_codec::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Only the test's own thread counts: the harness's threads allocate when they like
    /// (a count across threads failed now and then with 4 allocations nobody here made).
    static COUNTS: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if COUNTS.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
    }
}

// SAFETY: forwards to the system allocator, only counting the calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn b(s: &'static str) -> mqtt_bytes {
    mqtt_bytes {
        ptr: s.as_ptr(),
        len: s.len(),
    }
}

static CODES: [u8; 2] = [0x00, 0x80];
static IDS: [u32; 2] = [1, 2];

/// The arrays the lists of the test packets point to.
struct Data {
    subs: [mqtt_subscription; 2],
    filters: [mqtt_bytes; 2],
    user: [mqtt_user_property; 1],
}

fn data() -> Data {
    let sub = |f: &'static str, qos| mqtt_subscription {
        filter: b(f),
        qos,
        ..Default::default()
    };
    Data {
        subs: [sub("PV/#", 1), sub("a/+", 2)],
        filters: [b("PV/#"), b("x")],
        user: [mqtt_user_property {
            name: b("k"),
            value: b("v"),
        }],
    }
}

fn packet(t: u8, version: u8, d: &Data) -> mqtt_packet {
    let v5 = version == MQTT_V5;
    let mut p = mqtt_packet {
        packet_type: t,
        ..Default::default()
    };
    if v5 {
        p.properties.user_properties = mqtt_list_of_user_properties(d.user.as_ptr(), 1);
    }
    match t {
        MQTT_PACKET_CONNECT => {
            p.clean_start = true;
            p.client_id = b("id");
            p.has_will = true;
            p.will.topic = b("w");
            p.will.payload = b("bye");
            p.username = b("u");
            p.password = b("p");
        }
        MQTT_PACKET_PUBLISH => {
            p.qos = 1;
            p.packet_id = 3;
            p.topic = b("PV/sunshine");
            p.payload = b("true");
            if v5 {
                p.properties.subscription_identifiers =
                    mqtt_list_of_subscription_identifiers(IDS.as_ptr(), 2);
                p.properties.content_type = b("text");
            }
        }
        MQTT_PACKET_PUBACK..=MQTT_PACKET_PUBCOMP => p.packet_id = 9,
        MQTT_PACKET_SUBSCRIBE => {
            p.packet_id = 1;
            p.subscriptions = mqtt_list_of_subscriptions(d.subs.as_ptr(), 2);
        }
        MQTT_PACKET_SUBACK => {
            p.packet_id = 1;
            p.reason_codes = mqtt_list_of_reason_codes(CODES.as_ptr(), 2);
        }
        MQTT_PACKET_UNSUBSCRIBE => {
            p.packet_id = 1;
            p.topic_filters = mqtt_list_of_topic_filters(d.filters.as_ptr(), 2);
        }
        MQTT_PACKET_UNSUBACK => {
            p.packet_id = 1;
            if v5 {
                p.reason_codes = mqtt_list_of_reason_codes(CODES.as_ptr(), 2);
            }
        }
        MQTT_PACKET_AUTH => {
            p.reason_code = 0x18;
            p.properties.authentication_method = b("m");
        }
        _ => {}
    }
    p
}

/// Walks every list of a decoded packet; returns the number of items.
fn walk(p: &mqtt_packet) -> usize {
    let mut it = mqtt_list_iter::default();
    let mut n = 0;
    // SAFETY: valid pointers to locals; the lists come from a live decode.
    unsafe {
        let mut s = mqtt_subscription::default();
        mqtt_list_iter_init(&mut it, &p.subscriptions);
        while mqtt_list_next_subscription(&mut it, &mut s) == mqtt_status::MQTT_OK {
            n += 1;
        }
        let mut f = mqtt_bytes::default();
        mqtt_list_iter_init(&mut it, &p.topic_filters);
        while mqtt_list_next_topic_filter(&mut it, &mut f) == mqtt_status::MQTT_OK {
            n += 1;
        }
        let mut rc = 0u8;
        mqtt_list_iter_init(&mut it, &p.reason_codes);
        while mqtt_list_next_reason_code(&mut it, &mut rc) == mqtt_status::MQTT_OK {
            n += 1;
        }
        let mut up = mqtt_user_property::default();
        mqtt_list_iter_init(&mut it, &p.properties.user_properties);
        while mqtt_list_next_user_property(&mut it, &mut up) == mqtt_status::MQTT_OK {
            n += 1;
        }
        let mut id = 0u32;
        mqtt_list_iter_init(&mut it, &p.properties.subscription_identifiers);
        while mqtt_list_next_subscription_identifier(&mut it, &mut id) == mqtt_status::MQTT_OK {
            n += 1;
        }
    }
    n
}

#[test]
fn decode_and_encode_allocate_nothing_for_every_packet_type_and_version() {
    COUNTS.with(|c| c.set(true));
    let mut checked = 0;
    for version in [MQTT_V3_1, MQTT_V3_1_1, MQTT_V5] {
        for t in MQTT_PACKET_CONNECT..=MQTT_PACKET_AUTH {
            if t == MQTT_PACKET_AUTH && version != MQTT_V5 {
                continue;
            }
            let d = data();
            let p = packet(t, version, &d);
            let mut buf = [0u8; 256];
            let mut again = [0u8; 256];
            let mut decoded = mqtt_packet::default();
            let opts = mqtt_decode_options {
                version: if t == MQTT_PACKET_CONNECT { 0 } else { version },
                role: MQTT_ROLE_ANY,
                max_packet_size: 0,
            };
            let (mut len, mut n, mut used, mut n2) = (0usize, 0usize, 0usize, 0usize);
            let before = ALLOCATIONS.load(Ordering::SeqCst);
            // SAFETY: every pointer is to a live local or a 'static.
            let statuses = unsafe {
                [
                    mqtt_encoded_len(&p, version, &mut len),
                    mqtt_encode(&p, version, buf.as_mut_ptr(), buf.len(), &mut n),
                    mqtt_decode(buf.as_ptr(), n, &opts, &mut decoded, &mut used),
                    mqtt_encode(&decoded, version, again.as_mut_ptr(), again.len(), &mut n2),
                ]
            };
            let items = walk(&decoded);
            // The decoder over a caller's buffer, one byte at a time, allocates nothing either.
            let mut rx = [0u8; 256];
            let mut streamed = mqtt_packet::default();
            let mut decoder = mqtt_decoder {
                _opaque: [0; MQTT_DECODER_WORDS],
            };
            // SAFETY: as above; `rx` outlives the decoder's use.
            let stream_statuses = unsafe {
                let init = mqtt_decoder_init(&mut decoder, rx.as_mut_ptr(), rx.len(), &opts);
                for byte in &buf[..n] {
                    mqtt_decoder_feed(&mut decoder, byte, 1);
                }
                let next = mqtt_decoder_next(&mut decoder, &mut streamed);
                let again =
                    mqtt_encode(&streamed, version, again.as_mut_ptr(), again.len(), &mut n2);
                mqtt_decoder_free(&mut decoder);
                [init, next, again]
            };
            let after = ALLOCATIONS.load(Ordering::SeqCst);
            assert_eq!(
                stream_statuses,
                [mqtt_status::MQTT_OK; 3],
                "type {t} version {version}"
            );
            assert_eq!(
                statuses,
                [mqtt_status::MQTT_OK; 4],
                "type {t} version {version}"
            );
            assert_eq!((len, used, n2), (n, n, n));
            assert_eq!(buf[..n], again[..n]);
            assert_eq!(decoded.packet_type, t);
            if t == MQTT_PACKET_SUBSCRIBE {
                assert!(items >= 2);
            }
            assert_eq!(after, before, "type {t} version {version} allocated");
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * 14 + 1);
}
