//! Flow control in the broker core: while the messages waiting for connected subscribers
//! are over `max_backlog`, the broker stops reading from the clients that publish into them
//! (`Action::PauseReading`), and reads them again once the backlog is down to half.

mod support_broker;

use mqtt_codec::broker::BrokerConfig;
use mqtt_codec::{Properties, QoS};
use support_broker::*;

/// A broker with a small backlog mark and room in every queue, so nothing is dropped.
fn harness(max_backlog: usize) -> Harness {
    Harness::new(BrokerConfig {
        max_backlog,
        max_queued: 1000,
        ..BrokerConfig::default()
    })
}

/// A 5.0 subscriber on `t` that takes one QoS 1 message at a time (Receive Maximum 1).
fn slow_subscriber(h: &mut Harness, conn: u64) {
    let mut c = connect_packet(V5, "slow", true);
    c.properties.receive_maximum = Some(1);
    h.connect_with(conn, c);
    h.subscribe(conn, "t", QoS::AtLeastOnce);
}

fn publish(h: &mut Harness, conn: u64, i: u16) {
    let p = publish_packet(
        "t",
        &format!("m{i}"),
        QoS::AtLeastOnce,
        Some(i),
        false,
        Properties::default(),
    );
    h.send(conn, p);
}

#[test]
fn a_publisher_feeding_a_backlog_is_paused_and_resumed_at_half_and_nothing_is_lost() {
    let mut h = harness(4);
    slow_subscriber(&mut h, 1);
    h.connect(2, V311, "pub", true);
    // m1 goes in flight, m2..m5 wait: the backlog is 4, at the mark.
    for i in 1..=5u16 {
        publish(&mut h, 2, i);
    }
    assert!(!h.reading_paused(2), "at the mark, not over it");
    assert_eq!(h.broker.backlog(), 4);
    // m6 makes it 5: the broker stops reading the publisher.
    publish(&mut h, 2, 6);
    assert!(h.reading_paused(2));
    assert!(h.broker.is_reading_paused(2));
    // What the publisher sends now waits in its socket, unread and unacknowledged.
    for i in 7..=20u16 {
        publish(&mut h, 2, i);
    }
    assert!(h.held_bytes(2) > 0);
    assert_eq!(h.broker.backlog(), 5);
    // The subscriber acknowledges one message at a time; at a backlog of 2 the publisher is
    // read again, and in the end every message arrives once, in order.
    let expected: Vec<String> = (1..=20).map(|i| format!("m{i}")).collect();
    assert_eq!(h.drain_acking(1), expected);
    assert_eq!(h.stats().messages_dropped, 0);
    assert!(!h.reading_paused(2));
    assert_eq!(h.held_bytes(2), 0);
    let acks = h.received(2).len();
    assert_eq!(acks, 20, "every PUBLISH acknowledged");
}

#[test]
fn a_paused_connection_does_not_time_out_on_keep_alive() {
    let mut h = harness(1);
    slow_subscriber(&mut h, 1);
    h.connect(2, V311, "pub", true); // keep alive 60 s
    for i in 1..=3u16 {
        publish(&mut h, 2, i);
    }
    assert!(h.reading_paused(2));
    // Far past 1.5 times the keep alive: the broker is the one not reading.
    h.advance(10 * 60_000);
    assert!(!h.closed(2), "a paused connection is not late");
    // Resumed, its keep alive counts from the resumption.
    let pending = h.publishes(1);
    h.ack_all(1, &pending);
    let pending = h.publishes(1);
    h.ack_all(1, &pending);
    assert!(!h.reading_paused(2));
    assert!(!h.closed(2));
}

#[test]
fn a_client_with_messages_in_flight_towards_it_is_never_paused() {
    let mut h = harness(1);
    // One client publishes to the topic it subscribes to: pausing it would also stop the
    // acknowledgements that drain its own backlog.
    let mut c = connect_packet(V5, "loop", true);
    c.properties.receive_maximum = Some(1);
    h.connect_with(1, c);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    for i in 1..=5u16 {
        publish(&mut h, 1, i);
    }
    assert!(h.broker.backlog() > 1);
    assert!(!h.reading_paused(1));
}

#[test]
fn an_offline_session_queue_is_not_backlog() {
    let mut h = harness(2);
    h.connect(1, V311, "away", false);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.disconnect(1);
    h.connect(2, V311, "pub", true);
    for i in 1..=10u16 {
        publish(&mut h, 2, i);
    }
    // The offline session holds ten messages; they cannot drain until it returns, so the
    // publisher is not held back for them (max_queued bounds them instead).
    assert_eq!(h.broker.backlog(), 0);
    assert!(!h.reading_paused(2));
}

#[test]
fn a_paused_connection_that_closes_leaves_nothing_paused() {
    let mut h = harness(1);
    slow_subscriber(&mut h, 1);
    h.connect(2, V311, "pub", true);
    for i in 1..=3u16 {
        publish(&mut h, 2, i);
    }
    assert!(h.broker.is_reading_paused(2));
    h.drop_connection(2);
    assert!(!h.broker.is_reading_paused(2));
}

#[test]
fn a_stuck_subscriber_does_not_hold_publishers_back_past_the_stall_time() {
    let mut h = harness(2);
    slow_subscriber(&mut h, 1);
    h.connect(2, V311, "pub", true);
    for i in 1..=4u16 {
        publish(&mut h, 2, i);
    }
    assert!(
        h.reading_paused(2),
        "a slow subscriber's backlog holds the publisher"
    );
    // The subscriber acknowledges nothing: once it has been stuck for STALL_MS the broker
    // reads the publisher again (its queue is bounded by max_queued instead).
    let at = h.broker.next_deadline().expect("a stall check is due");
    assert_eq!(at, h.now() + mqtt_codec::broker::STALL_MS);
    h.advance(mqtt_codec::broker::STALL_MS);
    assert!(!h.reading_paused(2));
    assert_eq!(h.broker.backlog(), 0);
    assert_eq!(h.held_bytes(2), 0);
    for i in 5..=8u16 {
        publish(&mut h, 2, i);
    }
    assert!(
        !h.reading_paused(2),
        "a stuck subscriber's queue is not backlog"
    );
}

#[test]
fn with_the_default_settings_a_slow_subscriber_holds_publishers_back_before_its_queue_overflows() {
    let mut h = Harness::default();
    let config = h.broker.config().clone();
    assert!(config.max_backlog < config.max_queued);
    slow_subscriber(&mut h, 1);
    h.connect(2, V311, "pub", true);
    let n = (config.max_queued + 200) as u16;
    for i in 1..=n {
        publish(&mut h, 2, i);
    }
    assert!(h.reading_paused(2));
    assert_eq!(h.stats().messages_dropped, 0, "paused, not dropped");
    assert_eq!(h.drain_acking(1).len(), usize::from(n));
}

#[test]
fn a_paused_publisher_that_becomes_a_receiver_is_read_again() {
    let mut h = harness(1);
    slow_subscriber(&mut h, 1);
    h.connect(2, V311, "pub", true);
    h.subscribe(2, "back", QoS::AtLeastOnce);
    for i in 1..=3u16 {
        publish(&mut h, 2, i);
    }
    assert!(h.reading_paused(2));
    // A message goes in flight to the paused client: its acknowledgement must be read.
    h.connect(3, V311, "other", true);
    let p = publish_packet(
        "back",
        "x",
        QoS::AtLeastOnce,
        Some(1),
        false,
        Properties::default(),
    );
    h.send(3, p);
    assert!(!h.reading_paused(2));
    assert_eq!(h.publishes(2).len(), 1);
}

#[test]
fn acknowledgements_of_nothing_in_flight_are_not_progress() {
    let mut h = harness(2);
    slow_subscriber(&mut h, 1);
    h.connect(2, V311, "pub", true);
    for i in 1..=4u16 {
        publish(&mut h, 2, i);
    }
    assert!(h.reading_paused(2));
    // The subscriber sends PUBACKs for identifiers it was never sent, and never acknowledges
    // the real one: it is stuck all the same, and the publisher is read again.
    for _ in 0..5 {
        h.advance(mqtt_codec::broker::STALL_MS / 4);
        h.send(
            1,
            mqtt_codec::Packet::PubAck(mqtt_codec::PubAck::new(pid(999))),
        );
    }
    assert!(!h.reading_paused(2));
}

#[test]
fn a_client_with_messages_in_flight_towards_it_awaits_acknowledgements() {
    // What lets an I/O loop hold back a client that does not read, but never this one.
    let mut h = harness(100);
    slow_subscriber(&mut h, 1);
    h.connect(2, V311, "pub", true);
    assert!(!h.broker.awaits_acknowledgement(1) && !h.broker.awaits_acknowledgement(2));
    publish(&mut h, 2, 1);
    assert!(h.broker.awaits_acknowledgement(1));
    assert!(
        !h.broker.awaits_acknowledgement(2),
        "the publisher is sent only its PUBACK"
    );
    h.drain_acking(1);
    assert!(!h.broker.awaits_acknowledgement(1));
}
