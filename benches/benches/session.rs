//! The per-message cost of the client session state machine, `mqtt_codec::client::Session`,
//! beside rumqttc 0.25.1's `MqttState`, the sans-IO protocol state under rumqttc's event loop,
//! in one run (`cd benches && cargo bench --bench session`; figures in
//! benches/SESSION-RESULTS.md). Both speak MQTT 3.1.1 and are driven through their public API
//! only.
//!
//! Groups are cases, functions are implementations:
//!
//! - `session/publish_qos1_ack`: one QoS 1 PUBLISH (topic "PV/sunshine", 16-byte payload)
//!   handed to the state machine and encoded, then its PUBACK, as bytes off the wire, handled,
//!   and the application events drained.
//!   - `mqtt-codec`: `TopicName::new` (the topic's check and copy) + `Session::publish` +
//!     `data_to_send` (the PUBLISH's bytes, copied into a new `Vec`) + `receive` of the 4
//!     PUBACK bytes (into the session's decoder, decoded, matched to the PUBLISH in flight) +
//!     `poll_event` until empty (`Published`).
//!   - `mqtt-codec-poll_transmit`: the same, taking the PUBLISH's bytes with `poll_transmit`
//!     (the `Bytes` the session encoded, no copy) instead of `data_to_send`.
//!   - `rumqttc`: what its `Client::publish_bytes` and event loop do per message: its
//!     `valid_topic` check + `Publish::from_bytes` (the topic copied into a `String`) +
//!     `handle_outgoing_packet(Request::Publish)` + `Packet::write` into a long-lived
//!     `BytesMut` (its `Framed` write buffer; "taken" by reading it and clearing it, as a
//!     flush does) + the PUBACK's bytes appended to a long-lived `BytesMut` read buffer and
//!     decoded by rumqttc's own `Packet::read` (what its `Codec` does) +
//!     `handle_incoming_packet` + its `events` queue drained.
//!   - `rumqttc-decoded`: the same, but the PUBACK is handed to `handle_incoming_packet`
//!     already decoded (`Incoming::PubAck`), so no decode of it is timed: its state machine
//!     alone. Ours has no such entry point (`receive` takes bytes), so this row is only a
//!     bound.
//! - `session/receive_qos1`: one QoS 1 PUBLISH received (the same topic and payload), turned
//!   into an application event and its PUBACK.
//!   - `mqtt-codec`: `receive` of the PUBLISH's 33 bytes + `poll_event` until empty (the
//!     `Message`) + `data_to_send` (the PUBACK's 4 bytes in a new `Vec`).
//!   - `mqtt-codec-poll_transmit`: the same with `poll_transmit` for the PUBACK.
//!   - `rumqttc`: the bytes appended to the read buffer + `Packet::read` +
//!     `handle_incoming_packet` (which clones the packet into its event queue and answers with
//!     PUBACK) + `Packet::write` of the PUBACK + its `events` drained (`Incoming(Publish)`,
//!     `Outgoing(PubAck)`).
//!   - `rumqttc-decoded`: the same from an already decoded `Incoming::Publish` (the copy it
//!     consumes is made outside the measurement, `iter_batched`): no decode timed.
//!
//! Both sides are connected beforehand: ours by `connect` + the CONNECT taken + a CONNACK
//! received; rumqttc's `MqttState` knows nothing of the connection (its event loop writes
//! CONNECT and reads CONNACK itself), so a fresh `MqttState::new(100, false)` (rumqttc's
//! default in-flight window of 100, automatic acknowledgements) is its connected state. Ours
//! keeps its defaults (in-flight window 16, automatic acknowledgements). In each iteration the
//! PUBLISH is acknowledged before the next, so neither window ever fills.
//!
//! Time: `MqttState` reads `Instant::now()` in each `handle_*` call; ours is handed the time,
//! so its side reads the clock (`Instant::elapsed`, in milliseconds) once per call that takes
//! it, as an I/O loop would: the same number of clock reads on both sides.
//!
//! Before timing, both sides are checked to produce the same PUBLISH and PUBACK bytes and the
//! expected events.

use bytes::{Bytes, BytesMut};
use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use mqtt_codec::client::{
    AliasSlot, Event, FixedConfig, FixedEvent, FixedSession, FixedStorage, InSlot, OutSlot,
    PendingSlot, Session, SessionConfig,
};
use mqtt_codec::{ProtocolVersion, QoS, TopicName};
use rumqttc::{Incoming, MqttState, Packet, PubAck, Publish, Request};
use std::time::{Duration, Instant};

const TOPIC: &str = "PV/sunshine";
const PAYLOAD: &[u8; 16] = b"temperature=21.5";
/// rumqttc's default largest packet, in and out (`MqttOptions::max_packet_size`).
const RUMQTTC_MAX: usize = 10 * 1024;

/// A PUBACK's bytes.
fn puback(id: u16) -> [u8; 4] {
    let [hi, lo] = id.to_be_bytes();
    [0x40, 0x02, hi, lo]
}

/// A QoS 1 PUBLISH's bytes, as the server sends it: TOPIC, PAYLOAD, packet identifier `id`.
fn publish_bytes(id: u16) -> Vec<u8> {
    let mut b = vec![0x32, (2 + TOPIC.len() + 2 + PAYLOAD.len()) as u8];
    b.extend_from_slice(&(TOPIC.len() as u16).to_be_bytes());
    b.extend_from_slice(TOPIC.as_bytes());
    b.extend_from_slice(&id.to_be_bytes());
    b.extend_from_slice(PAYLOAD);
    b
}

/// Our session, connected: CONNECT taken, CONNACK (accepted) received, event drained.
fn ours_connected(clock: &Instant) -> Session {
    let mut s = Session::new(SessionConfig::new("bench-1", ProtocolVersion::V3_1_1));
    s.connect(ms(clock)).unwrap();
    assert_eq!(s.data_to_send()[0], 0x10);
    s.receive(&[0x20, 0x02, 0x00, 0x00], ms(clock));
    assert!(matches!(s.poll_event(), Some(Event::Connected { .. })));
    assert!(s.is_connected());
    s
}

/// Our heap-free session, connected, in storage sized like `Session`'s defaults (a window of
/// 16, 16 incoming records), leaked so that the session outlives the setup.
fn fixed_connected(clock: &Instant) -> FixedSession<'static> {
    fn leak<T: Clone>(v: T, n: usize) -> &'static mut [T] {
        Vec::leak(vec![v; n])
    }
    let storage = FixedStorage {
        outgoing: leak(OutSlot::FREE, 16),
        messages: leak(0u8, 4096),
        incoming: leak(InSlot::FREE, 16),
        pending: leak(PendingSlot::FREE, 4),
        aliases: leak(AliasSlot::FREE, 0),
        alias_topics: leak(0u8, 0),
        rx: leak(0u8, 4096),
        tx: leak(0u8, 4096),
    };
    let config = FixedConfig::new("bench-1", ProtocolVersion::V3_1_1);
    let mut s = FixedSession::new(config, storage);
    s.connect(ms(clock)).unwrap();
    assert_eq!(s.poll_transmit(ms(clock)).unwrap()[0], 0x10);
    s.receive(&[0x20, 0x02, 0x00, 0x00], ms(clock));
    assert!(matches!(
        s.poll_event(ms(clock)),
        Some(FixedEvent::Connected { .. })
    ));
    assert!(s.is_connected());
    s
}

/// Ours, heap-free: publish from a `&str` and a `&[u8]`, take the bytes (a view of the
/// transmit buffer), PUBACK in, events out. Returns the PUBLISH's length.
#[inline(never)]
fn fixed_publish_ack(s: &mut FixedSession<'_>, clock: &Instant) -> usize {
    // One clock read when publishing and one when the PUBACK arrives, as on the other sides.
    let now = ms(clock);
    let id = s
        .publish_message(
            black_box(TOPIC),
            black_box(PAYLOAD),
            QoS::AtLeastOnce,
            false,
            now,
        )
        .unwrap()
        .unwrap();
    let n = black_box(s.poll_transmit(now)).map_or(0, <[u8]>::len);
    let now = ms(clock);
    s.receive(black_box(&puback(id.get())), now);
    while let Some(e) = s.poll_event(now) {
        black_box(e);
    }
    n
}

/// Ours, heap-free: the PUBLISH received, its event (a view), the PUBACK's bytes.
#[inline(never)]
fn fixed_receive(s: &mut FixedSession<'_>, bytes: &[u8], clock: &Instant) -> usize {
    let now = ms(clock);
    s.receive(bytes, now);
    while let Some(e) = s.poll_event(now) {
        black_box(e);
    }
    black_box(s.poll_transmit(now)).map_or(0, <[u8]>::len)
}

fn ms(clock: &Instant) -> u64 {
    clock.elapsed().as_millis() as u64
}

/// rumqttc's state, "connected" (it has no connection state of its own).
fn rumqttc_connected() -> MqttState {
    MqttState::new(100, false)
}

/// Ours: publish, take the bytes (`data_to_send`), PUBACK in, events out. Returns the
/// PUBLISH's length.
#[inline(never)]
fn ours_publish_ack(s: &mut Session, clock: &Instant) -> usize {
    let topic = TopicName::new(black_box(TOPIC)).unwrap();
    let id = s
        .publish(
            topic,
            Bytes::from_static(black_box(PAYLOAD)),
            QoS::AtLeastOnce,
            false,
            ms(clock),
        )
        .unwrap()
        .unwrap();
    let out = s.data_to_send();
    let n = black_box(&out).len();
    s.receive(black_box(&puback(id.get())), ms(clock));
    while let Some(e) = s.poll_event() {
        black_box(e);
    }
    n
}

/// Ours, the PUBLISH's bytes taken with `poll_transmit`.
#[inline(never)]
fn ours_publish_ack_pt(s: &mut Session, clock: &Instant) -> usize {
    let topic = TopicName::new(black_box(TOPIC)).unwrap();
    let id = s
        .publish(
            topic,
            Bytes::from_static(black_box(PAYLOAD)),
            QoS::AtLeastOnce,
            false,
            ms(clock),
        )
        .unwrap()
        .unwrap();
    let mut n = 0;
    while let Some(b) = s.poll_transmit() {
        n += black_box(b).len();
    }
    s.receive(black_box(&puback(id.get())), ms(clock));
    while let Some(e) = s.poll_event() {
        black_box(e);
    }
    n
}

/// rumqttc: what `Client::publish_bytes` builds, its state's outgoing path, the `Codec`'s
/// write into the write buffer, then the PUBACK decoded from the read buffer (or handed
/// decoded, `decode == false`) and its incoming path, and its events drained.
#[inline(always)]
fn rumqttc_publish_ack(
    st: &mut MqttState,
    read: &mut BytesMut,
    write: &mut BytesMut,
    decode: bool,
) -> usize {
    let topic = black_box(TOPIC);
    assert!(rumqttc::valid_topic(topic));
    let publish = Publish::from_bytes(
        topic,
        rumqttc::QoS::AtLeastOnce,
        Bytes::from_static(black_box(PAYLOAD)),
    );
    let packet = st
        .handle_outgoing_packet(Request::Publish(publish))
        .unwrap()
        .unwrap();
    let Packet::Publish(p) = &packet else {
        unreachable!()
    };
    let id = p.pkid;
    packet.write(write, RUMQTTC_MAX).unwrap();
    let n = black_box(&write[..]).len();
    write.clear();
    let incoming = if decode {
        read.extend_from_slice(black_box(&puback(id)));
        Packet::read(read, RUMQTTC_MAX).unwrap()
    } else {
        Incoming::PubAck(PubAck::new(black_box(id)))
    };
    if let Some(out) = st.handle_incoming_packet(incoming).unwrap() {
        out.write(write, RUMQTTC_MAX).unwrap();
        black_box(&write[..]);
        write.clear();
    }
    for e in st.events.drain(..) {
        black_box(e);
    }
    n
}

#[inline(never)]
fn rumqttc_publish_ack_bytes(
    st: &mut MqttState,
    read: &mut BytesMut,
    write: &mut BytesMut,
) -> usize {
    rumqttc_publish_ack(st, read, write, true)
}

#[inline(never)]
fn rumqttc_publish_ack_decoded(
    st: &mut MqttState,
    read: &mut BytesMut,
    write: &mut BytesMut,
) -> usize {
    rumqttc_publish_ack(st, read, write, false)
}

/// Ours: a PUBLISH's bytes in, the message event out, its PUBACK's bytes taken.
#[inline(never)]
fn ours_receive(s: &mut Session, bytes: &[u8], clock: &Instant) -> usize {
    s.receive(bytes, ms(clock));
    while let Some(e) = s.poll_event() {
        black_box(e);
    }
    let out = s.data_to_send();
    black_box(&out).len()
}

#[inline(never)]
fn ours_receive_pt(s: &mut Session, bytes: &[u8], clock: &Instant) -> usize {
    s.receive(bytes, ms(clock));
    while let Some(e) = s.poll_event() {
        black_box(e);
    }
    let mut n = 0;
    while let Some(b) = s.poll_transmit() {
        n += black_box(b).len();
    }
    n
}

/// rumqttc: the incoming path from a decoded packet, the PUBACK written, events drained.
#[inline(always)]
fn rumqttc_handle_publish(st: &mut MqttState, incoming: Incoming, write: &mut BytesMut) -> usize {
    let out = st.handle_incoming_packet(incoming).unwrap().unwrap();
    out.write(write, RUMQTTC_MAX).unwrap();
    let n = black_box(&write[..]).len();
    write.clear();
    for e in st.events.drain(..) {
        black_box(e);
    }
    n
}

/// rumqttc from bytes: appended to the read buffer, `Packet::read`, then as above.
#[inline(never)]
fn rumqttc_receive_bytes(
    st: &mut MqttState,
    bytes: &[u8],
    read: &mut BytesMut,
    write: &mut BytesMut,
) -> usize {
    read.extend_from_slice(bytes);
    let incoming = Packet::read(read, RUMQTTC_MAX).unwrap();
    rumqttc_handle_publish(st, incoming, write)
}

#[inline(never)]
fn rumqttc_receive_decoded(st: &mut MqttState, incoming: Incoming, write: &mut BytesMut) -> usize {
    rumqttc_handle_publish(st, incoming, write)
}

/// Both sides produce the same bytes and the expected events.
fn check() {
    let clock = Instant::now();
    // publish + PUBACK
    let mut s = ours_connected(&clock);
    let id = s
        .publish(
            TopicName::new(TOPIC).unwrap(),
            Bytes::from_static(PAYLOAD),
            QoS::AtLeastOnce,
            false,
            0,
        )
        .unwrap()
        .unwrap();
    let ours_pub = s.data_to_send();
    assert_eq!(ours_pub, publish_bytes(id.get()), "ours: PUBLISH bytes");
    s.receive(&puback(id.get()), 0);
    assert!(matches!(s.poll_event(), Some(Event::Published { packet_id, .. }) if packet_id == id));
    assert!(s.poll_event().is_none());
    assert_eq!(s.pending_publishes(), (0, 0));

    let mut f = fixed_connected(&clock);
    let id = f
        .publish_message(TOPIC, PAYLOAD, QoS::AtLeastOnce, false, 0)
        .unwrap()
        .unwrap();
    assert_eq!(
        f.poll_transmit(0).unwrap(),
        &publish_bytes(id.get())[..],
        "fixed: PUBLISH"
    );
    f.receive(&puback(id.get()), 0);
    assert!(
        matches!(f.poll_event(0), Some(FixedEvent::Published { packet_id, .. }) if packet_id == id)
    );
    assert!(f.poll_event(0).is_none());
    f.receive(&publish_bytes(9), 0);
    assert!(matches!(f.poll_event(0), Some(FixedEvent::Message { .. })));
    assert_eq!(f.poll_transmit(0).unwrap(), &puback(9)[..], "fixed: PUBACK");
    for _ in 0..70_000 {
        fixed_publish_ack(&mut f, &clock);
    }
    assert_eq!(f.pending_publishes(), (0, 0));

    let mut st = rumqttc_connected();
    let (mut read, mut write) = (BytesMut::with_capacity(4096), BytesMut::with_capacity(4096));
    let packet = st
        .handle_outgoing_packet(Request::Publish(Publish::from_bytes(
            TOPIC,
            rumqttc::QoS::AtLeastOnce,
            Bytes::from_static(PAYLOAD),
        )))
        .unwrap()
        .unwrap();
    packet.write(&mut write, RUMQTTC_MAX).unwrap();
    let Packet::Publish(p) = &packet else {
        unreachable!()
    };
    assert_eq!(
        &write[..],
        &publish_bytes(p.pkid)[..],
        "rumqttc: PUBLISH bytes"
    );
    assert_eq!(&write[..], &ours_pub[..], "same PUBLISH bytes");
    write.clear();
    read.extend_from_slice(&puback(p.pkid));
    let incoming = Packet::read(&mut read, RUMQTTC_MAX).unwrap();
    assert_eq!(incoming, Incoming::PubAck(PubAck::new(p.pkid)));
    assert!(st.handle_incoming_packet(incoming).unwrap().is_none());
    assert_eq!(st.events.len(), 2, "Outgoing(Publish), Incoming(PubAck)");
    st.events.clear();
    assert_eq!(st.inflight(), 0);
    // Many rounds: the packet identifiers wrap without trouble on both sides.
    for _ in 0..70_000 {
        ours_publish_ack(&mut s, &clock);
        rumqttc_publish_ack_bytes(&mut st, &mut read, &mut write);
    }
    assert_eq!(s.pending_publishes(), (0, 0));
    assert_eq!(st.inflight(), 0);

    // receive QoS 1
    let bytes = publish_bytes(7);
    let mut s = ours_connected(&clock);
    s.receive(&bytes, 0);
    match s.poll_event() {
        Some(Event::Message { publish, ack: None }) => {
            assert_eq!(publish.topic.as_str(), TOPIC);
            assert_eq!(&publish.payload[..], PAYLOAD);
        }
        other => panic!("ours: {other:?}"),
    }
    assert!(s.poll_event().is_none());
    assert_eq!(s.data_to_send(), puback(7), "ours: PUBACK bytes");

    let mut st = rumqttc_connected();
    read.extend_from_slice(&bytes);
    let incoming = Packet::read(&mut read, RUMQTTC_MAX).unwrap();
    let Packet::Publish(p) = &incoming else {
        panic!("rumqttc: {incoming:?}")
    };
    assert_eq!(
        (p.topic.as_str(), &p.payload[..], p.pkid),
        (TOPIC, &PAYLOAD[..], 7)
    );
    let out = st.handle_incoming_packet(incoming).unwrap().unwrap();
    out.write(&mut write, RUMQTTC_MAX).unwrap();
    assert_eq!(&write[..], &puback(7)[..], "rumqttc: PUBACK bytes");
    write.clear();
    assert_eq!(st.events.len(), 2, "Incoming(Publish), Outgoing(PubAck)");
}

fn publish_qos1_ack(c: &mut Criterion) {
    let clock = Instant::now();
    let mut g = c.benchmark_group("session/publish_qos1_ack");
    let mut s = ours_connected(&clock);
    g.bench_function("mqtt-codec", |b| {
        b.iter(|| ours_publish_ack(&mut s, &clock))
    });
    let mut s = ours_connected(&clock);
    g.bench_function("mqtt-codec-poll_transmit", |b| {
        b.iter(|| ours_publish_ack_pt(&mut s, &clock))
    });
    let mut f = fixed_connected(&clock);
    g.bench_function("mqtt-codec-fixed", |b| {
        b.iter(|| fixed_publish_ack(&mut f, &clock))
    });
    // rumqttc's `Framed` buffers start at 8 KiB (tokio-util's default capacity).
    let mut st = rumqttc_connected();
    let (mut read, mut write) = (BytesMut::with_capacity(8192), BytesMut::with_capacity(8192));
    g.bench_function("rumqttc", |b| {
        b.iter(|| rumqttc_publish_ack_bytes(&mut st, &mut read, &mut write))
    });
    let mut st = rumqttc_connected();
    g.bench_function("rumqttc-decoded", |b| {
        b.iter(|| rumqttc_publish_ack_decoded(&mut st, &mut read, &mut write))
    });
    g.finish();
}

fn receive_qos1(c: &mut Criterion) {
    let clock = Instant::now();
    let bytes = publish_bytes(7);
    let mut g = c.benchmark_group("session/receive_qos1");
    let mut s = ours_connected(&clock);
    g.bench_function("mqtt-codec", |b| {
        b.iter(|| ours_receive(&mut s, black_box(&bytes), &clock))
    });
    let mut s = ours_connected(&clock);
    g.bench_function("mqtt-codec-poll_transmit", |b| {
        b.iter(|| ours_receive_pt(&mut s, black_box(&bytes), &clock))
    });
    let mut f = fixed_connected(&clock);
    g.bench_function("mqtt-codec-fixed", |b| {
        b.iter(|| fixed_receive(&mut f, black_box(&bytes), &clock))
    });
    let mut st = rumqttc_connected();
    let (mut read, mut write) = (BytesMut::with_capacity(8192), BytesMut::with_capacity(8192));
    g.bench_function("rumqttc", |b| {
        b.iter(|| rumqttc_receive_bytes(&mut st, black_box(&bytes), &mut read, &mut write))
    });
    // `handle_incoming_packet` takes the packet by value: the decoded copy it consumes is
    // made outside the measurement.
    let decoded = Packet::read(&mut BytesMut::from(&bytes[..]), RUMQTTC_MAX).unwrap();
    let mut st = rumqttc_connected();
    g.bench_function("rumqttc-decoded", |b| {
        b.iter_batched(
            || decoded.clone(),
            |p| rumqttc_receive_decoded(&mut st, p, &mut write),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30)
}

fn checked(c: &mut Criterion) {
    check();
    publish_qos1_ack(c);
    receive_qos1(c);
}

criterion_group! {
    name = benches;
    config = config();
    targets = checked
}
criterion_main!(benches);
