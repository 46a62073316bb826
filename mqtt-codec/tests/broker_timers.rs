//! The broker core's timers beside many clients: `next_deadline` is exactly the earliest
//! keep alive of a model of the clients after every step of a long schedule (pings, time
//! passing, timeouts), and one tick that many keep alives run out at closes each of those
//! connections once and publishes their wills in order of client identifier. (Debug builds
//! also check the broker's timer index against a walk of every connection and session after
//! every event.)

mod support_broker;

use mqtt_codec::broker::Millis;
use mqtt_codec::sn;
use mqtt_codec::{Packet, QoS, ReasonCode};
use support_broker::*;

#[test]
fn next_deadline_is_the_earliest_keep_alive_of_many_clients_at_every_step() {
    const CLIENTS: u64 = 200;
    let mut h = Harness::default();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // The model: each open client's deadline (1.5 times its keep alive after it was last
    // heard from).
    let mut deadline: Vec<Option<Millis>> = Vec::new();
    let mut keep_alive_ms = Vec::new();
    for i in 0..CLIENTS {
        let mut c = connect_packet(V311, &format!("c{i:03}"), true);
        c.keep_alive = 1 + (i * 7 % 20) as u16;
        let ka = u64::from(c.keep_alive) * 1500;
        h.connect_with(i, c);
        keep_alive_ms.push(ka);
        deadline.push(Some(h.now() + ka));
        h.advance(rng.next(40));
        for (j, d) in deadline.iter_mut().enumerate() {
            if d.is_some_and(|d| d <= h.now()) {
                assert!(h.closed(j as u64), "client {j} timed out");
                *d = None;
            }
        }
    }
    for step in 0..3000 {
        if rng.next(10) < 3 {
            // A ping from an open client.
            let open: Vec<usize> = (0..deadline.len())
                .filter(|&j| deadline[j].is_some())
                .collect();
            if let Some(&j) = open.get(rng.next(open.len().max(1) as u64) as usize) {
                h.send(j as u64, Packet::PingReq);
                assert_eq!(h.received(j as u64), [Packet::PingResp]);
                deadline[j] = Some(h.now() + keep_alive_ms[j]);
            }
        } else {
            h.advance(1 + rng.next(300));
        }
        for (j, d) in deadline.iter_mut().enumerate() {
            if d.is_some_and(|d| d <= h.now()) {
                *d = None;
            }
            assert_eq!(h.closed(j as u64), d.is_none(), "step {step}: client {j}");
        }
        assert_eq!(
            h.broker.next_deadline(),
            deadline.iter().flatten().min().copied(),
            "step {step}"
        );
    }
}

#[test]
fn one_tick_closes_every_late_connection_once_and_publishes_the_wills_in_order() {
    const CLIENTS: u64 = 500;
    let mut h = Harness::default();
    h.connect(CLIENTS, V5, "watcher", true);
    h.subscribe(CLIENTS, "w/#", QoS::AtMostOnce);
    // Connected in reverse order of identifier, all at time 0, keep alive 10 s, a will each.
    for i in (0..CLIENTS).rev() {
        let mut c = connect_packet(V5, &format!("d{i:04}"), true);
        c.keep_alive = 10;
        c.will = Some(will(
            &format!("w/{i}"),
            &format!("d{i:04}"),
            QoS::AtMostOnce,
        ));
        h.connect_with(i, c);
    }
    assert_eq!(h.advance_to_deadline(), 15_000);
    for i in 0..CLIENTS {
        assert!(h.closed(i), "client {i}");
        assert_eq!(
            h.received(i),
            [Packet::Disconnect(mqtt_codec::Disconnect::new(
                ReasonCode::KeepAliveTimeout
            ))],
            "client {i}: one DISCONNECT 0x8D"
        );
    }
    let expected: Vec<String> = (0..CLIENTS).map(|i| format!("d{i:04}")).collect();
    assert_eq!(h.payloads(CLIENTS), expected, "the wills, in order");
    let timeouts = h
        .logs()
        .iter()
        .filter(|(_, l)| l.ends_with("keep alive timeout"))
        .count();
    assert_eq!(timeouts as u64, CLIENTS, "each timeout logged once");
    assert_eq!(h.broker.session_count(), 1);
    assert_eq!(
        h.broker.next_deadline(),
        None,
        "the watcher has no keep alive"
    );
}

#[test]
fn will_delays_and_session_expiries_come_due_at_their_time() {
    let mut h = Harness::default();
    h.connect(100, V5, "watcher", true);
    h.subscribe(100, "w/#", QoS::AtMostOnce);
    // Client i: will delay (i % 7) s, session expiry (i % 5) s; the will goes at the
    // earlier of the two ([MQTT-3.1.3-9]: a session that ends first takes its will with it).
    let mut expected: Vec<(String, Millis)> = Vec::new();
    let mut seen: Vec<(String, Millis)> = Vec::new();
    for i in 0..60u64 {
        let id = format!("s{i:02}");
        let mut w = will(&format!("w/{i}"), &id, QoS::AtMostOnce);
        w.properties.will_delay_interval = Some((i % 7) as u32);
        let mut c = connect_packet(V5, &id, true);
        c.properties.session_expiry_interval = Some((i % 5) as u32);
        c.will = Some(w);
        h.connect_with(i, c);
        h.drop_connection(i);
        expected.push((id, h.now() + 1000 * (i % 7).min(i % 5)));
        seen.extend(h.payloads(100).into_iter().map(|id| (id, h.now())));
        h.advance(10);
        seen.extend(h.payloads(100).into_iter().map(|id| (id, h.now())));
    }
    while h.broker.next_deadline().is_some() {
        let now = h.advance_to_deadline();
        seen.extend(h.payloads(100).into_iter().map(|id| (id, now)));
    }
    seen.sort();
    assert_eq!(seen, expected, "each will once, at its time");
    assert_eq!(h.broker.session_count(), 1, "every other session expired");
}

// Deadlines that move earlier than the index held them, with a later deadline of another
// client in between (where an index that held the old one would answer the other's).

fn sn_text(s: &str) -> mqtt_codec::MqttStr<&[u8]> {
    mqtt_codec::MqttStr::try_new(s.as_bytes()).expect("a valid MQTT string")
}

/// Connects the MQTT-SN 1.2 client `client_id` from `peer` with keep alive `duration`.
fn sn_connect(h: &mut Harness, peer: u64, client_id: &str, duration: u16) {
    h.sn_send(
        peer,
        &sn::Message::Connect(sn::Connect {
            will: false,
            clean_session: true,
            duration,
            client_id: sn_text(client_id),
        }),
    );
    assert_eq!(
        h.sn_received(peer),
        [sn::Message::ConnAck {
            return_code: sn::ReturnCode::Accepted
        }]
    );
}

/// An MQTT client with a keep alive of `secs`.
fn mqtt_client(h: &mut Harness, conn: u64, client_id: &str, secs: u16) {
    let mut c = connect_packet(V311, client_id, true);
    c.keep_alive = secs;
    h.connect_with(conn, c);
}

#[test]
fn sn_gw_8_a_keep_alive_with_a_tenth_of_slack_is_due_before_a_later_one() {
    let mut h = Harness::default();
    mqtt_client(&mut h, 1, "later", 87); // 130.5 s
    sn_connect(&mut h, 100, "dev", 100); // 110 s (SN-GW-8), not 150 s
    assert_eq!(h.broker.next_deadline(), Some(110_000));
    h.advance_to_deadline();
    assert_eq!(
        h.sn_received(100),
        [sn::Message::Disconnect { duration: None }]
    );
    assert_eq!(h.broker.next_deadline(), Some(130_500));
}

#[test]
fn sn_gw_9_a_sleep_shorter_than_the_keep_alive_is_due_first() {
    let mut h = Harness::default();
    sn_connect(&mut h, 100, "dev", 60); // 90 s
    mqtt_client(&mut h, 1, "later", 40); // 60 s
    h.advance(1_000);
    h.sn_send(100, &sn::Message::Disconnect { duration: Some(10) });
    assert_eq!(
        h.sn_received(100),
        [sn::Message::Disconnect { duration: None }]
    );
    assert_eq!(h.broker.next_deadline(), Some(1_000 + 15_000));
}

#[test]
fn sn2_a_sleep_shorter_than_the_keep_alive_is_due_first() {
    use mqtt_codec::sn::v2;
    let mut h = Harness::default();
    h.sn2_send(
        100,
        &v2::Packet::Connect(v2::Connect {
            clean_start: true,
            address_may_change: false,
            server_may_suggest: false,
            packet_id: 7,
            protocol_version: 2,
            keep_alive: 60,
            max_packet_size: 0,
            default_awake_messages: None,
            session_expiry: None,
            will: None,
            auth: None,
            client_id: sn_text("dev2"),
        }),
    );
    let got = h.sn2_received(100);
    assert!(
        matches!(&got[..], [v2::Packet::ConnAck(a)] if a.reason_code == 0),
        "{got:?}"
    );
    mqtt_client(&mut h, 1, "later", 40); // 60 s
    h.advance(1_000);
    h.sn2_send(
        100,
        &v2::Packet::SleepReq {
            retain_aliases: true,
            packet_id: 3,
            duration: 10,
        },
    );
    let got = h.sn2_received(100);
    assert!(
        matches!(&got[..], [v2::Packet::SleepResp { packet_id: 3, .. }]),
        "{got:?}"
    );
    assert_eq!(h.broker.next_deadline(), Some(1_000 + 15_000));
}

/// SN-GW-9, SN-GW-12: no retransmission while the client sleeps; woken, what it left
/// unanswered goes again at once, and again an interval later.
#[test]
fn sn_gw_12_a_woken_client_has_its_retransmission_due_again() {
    let mut h = Harness::default();
    sn_connect(&mut h, 100, "dev", 60);
    h.sn_send(
        100,
        &sn::Message::Subscribe(sn::Subscribe {
            dup: false,
            qos: sn::SnQos::AtLeastOnce,
            msg_id: 1,
            topic: sn::SubscribeTopic::Name(sn_text("s/a")),
        }),
    );
    assert_eq!(h.sn_received(100).len(), 1, "SUBACK");
    h.connect(1, V311, "pub", true);
    h.advance(500);
    // "one" goes out and waits for its PUBACK; "two" waits behind it (one in flight).
    h.publish1(1, "s/a", "one", 5);
    h.publish1(1, "s/a", "two", 6);
    let sent = h.sn_received(100);
    assert!(
        matches!(&sent[..], [sn::Message::Publish(p)] if &p.data[..] == b"one"),
        "{sent:?}"
    );
    let resend_at = 500 + 10_000;
    assert_eq!(h.broker.next_deadline(), Some(resend_at));
    // Asleep, the client is not sent anything again (its sleep timer is 330 s).
    h.sn_send(
        100,
        &sn::Message::Disconnect {
            duration: Some(300),
        },
    );
    h.sn_received(100);
    assert_eq!(h.broker.next_deadline(), Some(500 + 330_000));
    h.advance(1_000);
    // Awake (and staying awake while "one" and "two" wait), what it left unanswered goes
    // again at once, and its retransmission is due again an interval later.
    h.sn_send(
        100,
        &sn::Message::PingReq {
            client_id: Some(sn_text("dev")),
        },
    );
    let woken = h.sn_received(100);
    assert!(
        matches!(&woken[..], [sn::Message::Publish(p)] if p.dup && &p.data[..] == b"one"),
        "{woken:?}"
    );
    assert!(resend_at < 1_500 + 10_000);
    assert_eq!(h.broker.next_deadline(), Some(1_500 + 10_000));
    h.advance_to_deadline();
    let again = h.sn_received(100);
    assert!(
        matches!(&again[..], [sn::Message::Publish(p)] if p.dup && &p.data[..] == b"one"),
        "{again:?}"
    );
}

#[test]
fn a_paused_receiver_resumed_by_a_delivery_has_its_keep_alive_again() {
    let mut h = Harness::new(mqtt_codec::broker::BrokerConfig {
        max_backlog: 1,
        ..mqtt_codec::broker::BrokerConfig::default()
    });
    let mut slow = connect_packet(V5, "slow", true);
    slow.properties.receive_maximum = Some(1);
    h.connect_with(1, slow);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    mqtt_client(&mut h, 2, "p", 100); // 150 s
    h.subscribe(2, "p", QoS::AtLeastOnce);
    h.connect(3, V311, "q", true);
    // "slow" takes one at a time: the third message from p is over the mark, p is paused
    // (and has no keep alive meanwhile).
    for id in 1..=3 {
        h.publish1(2, "t", "x", id);
    }
    assert!(h.reading_paused(2));
    // A delivery to p resumes it (its acknowledgements must be read): its keep alive
    // counts again, from when it was last heard from.
    h.publish1(3, "p", "y", 1);
    assert!(!h.reading_paused(2));
    assert_eq!(h.broker.next_deadline(), Some(150_000));
}

/// A watcher on `w/#` (connection 100); client "dev" (Session Expiry 10 s, a will on
/// `w/dev` delayed 5 s, subscribed to `kept/#`) loses its connection, and `ms` later,
/// before any tick, connects again asking to resume; the CONNACK.
fn reconnect_unticked_after(h: &mut Harness, ms: Millis) -> mqtt_codec::ConnAck {
    h.connect(100, V5, "watcher", true);
    h.subscribe(100, "w/#", QoS::AtMostOnce);
    let mut w = will("w/dev", "gone", QoS::AtMostOnce);
    w.properties.will_delay_interval = Some(5);
    let mut c = connect_packet(V5, "dev", false);
    c.properties.session_expiry_interval = Some(10);
    c.will = Some(w);
    h.connect_with(1, c);
    h.subscribe(1, "kept/#", QoS::AtLeastOnce);
    h.drop_connection(1);
    h.advance_unticked(ms);
    let mut again = connect_packet(V5, "dev", false);
    again.properties.session_expiry_interval = Some(10);
    h.connect_with(2, again)
}

/// [MQTT-4.1.0-2], [MQTT-3.1.2-8]: a CONNECT handled after the session's expiry and the
/// will's delay have passed, before any tick showed them, finds them passed: Session
/// Present 0, nothing of the old session kept, and the will published, not cancelled.
#[test]
fn mqtt_4_1_0_2_a_connect_after_the_expiry_before_the_tick_finds_the_session_ended() {
    let mut h = Harness::default();
    let ack = reconnect_unticked_after(&mut h, 10_050);
    assert_eq!(ack.reason_code, ReasonCode::Success);
    assert!(!ack.session_present, "the session expired 50 ms before");
    assert_eq!(h.payloads(100), ["gone"], "the will was due, not cancelled");
    h.connect(3, V5, "pub", true);
    h.publish0(3, "kept/x", "lost");
    assert!(
        h.payloads(2).is_empty(),
        "the old subscription went with the session"
    );
}

/// [MQTT-3.1.3-9] the other way: a CONNECT that comes before the will's delay has passed
/// (unticked or not) still resumes the session and cancels the will.
#[test]
fn mqtt_3_1_3_9_a_connect_before_the_delay_cancels_the_will() {
    let mut h = Harness::default();
    assert!(reconnect_unticked_after(&mut h, 4_990).session_present);
    h.advance(10_000);
    assert!(h.payloads(100).is_empty(), "the will was cancelled");
}

/// A session taken over by a CONNECT that comes after its own connection's CONNECT deadline
/// (before the tick that would have closed it): the late connection is closed and the
/// session is not bound to it (it was, a session of a closed connection that never
/// expired).
#[test]
fn a_late_takeover_connect_closes_itself_and_leaves_the_session_sound() {
    let mut h = Harness::default();
    let mut w = will("w/dev", "gone", QoS::AtMostOnce);
    w.properties.will_delay_interval = Some(0);
    let mut c = connect_packet(V5, "dev", false);
    c.will = Some(w);
    h.connect_with(1, c);
    h.open(2, V5);
    h.advance_unticked(60_000);
    h.send(2, connect_packet(V5, "dev", false));
    assert!(h.closed(2), "no CONNECT within its deadline");
    assert!(h.received(2).is_empty(), "and no CONNACK");
    // The first connection keeps its session, which ends with it (expiry 0).
    h.drop_connection(1);
    h.advance(10);
    assert_eq!(h.broker.session_count(), 0);
}
