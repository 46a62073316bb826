//! Keep alive.

use super::harness::*;

/// [MQTT-3.1.2-23] (5.0 [MQTT-3.1.2-20]): after a keep alive with nothing sent, PINGREQ;
/// `next_timeout` says when. Without a PINGRESP within another keep alive the connection
/// is lost (`Disconnected { reason: None }`).
#[test]
fn mqtt_3_1_2_23_keep_alive_pings_and_loses_a_silent_connection() {
    for version in VERSIONS {
        let mut c = config(version);
        c.keep_alive = 10;
        let mut p = Peer::new(c);
        p.connect(); // at 1 000
        p.at(2_000);
        p.accept(false);
        assert_eq!(p.session.next_timeout(), Some(11_000));
        p.at(10_999);
        assert_eq!(p.sent(), vec![]);
        // Traffic both ways resets the clock.
        p.now = 5_000;
        p.publish("a", QoS::AtMostOnce);
        p.sent();
        p.send(Packet::Publish(Publish::new(topic("b"), "x")));
        p.events();
        assert_eq!(p.session.next_timeout(), Some(15_000));
        p.at(15_000);
        assert_eq!(p.sent(), vec![Packet::PingReq]);
        assert_eq!(p.session.next_timeout(), Some(25_000));
        p.now = 16_000;
        p.send(Packet::PingResp);
        assert_eq!(p.session.next_timeout(), Some(25_000));
        p.at(25_000);
        assert_eq!(p.sent(), vec![Packet::PingReq]);
        p.at(34_999);
        assert_eq!(p.events(), vec![]);
        assert!(p.session.is_connected());
        p.at(35_000);
        assert_eq!(p.events(), vec![lost_connection()]);
        assert!(!p.session.is_connected());
        assert_eq!(p.session.next_timeout(), None);
        assert_eq!(p.sent(), vec![]);
    }
}

/// Receiving does not stand in for sending: a client that only receives still pings.
#[test]
fn keep_alive_pings_even_while_the_server_talks() {
    for version in VERSIONS {
        let mut c = config(version);
        c.keep_alive = 10;
        let mut p = Peer::connected(c); // CONNECT at 1 000
        p.now = 6_000;
        p.send(Packet::Publish(Publish::new(topic("a"), "x")));
        p.events();
        assert_eq!(p.session.next_timeout(), Some(11_000));
        p.at(11_000);
        assert_eq!(p.sent(), vec![Packet::PingReq]);
    }
}

/// Sending does not stand in for receiving either: a client that keeps publishing to a
/// server that has died pings a keep alive after the last packet that came, and gives the
/// connection up a keep alive later (paho's rule; [MQTT-3.1.2-23] asks only the first half).
#[test]
fn keep_alive_pings_a_server_that_went_silent_while_the_client_talks() {
    for version in VERSIONS {
        let mut c = config(version);
        c.keep_alive = 10;
        let mut p = Peer::connected(c); // CONNECT and CONNACK at 1 000
        for t in [4_000, 7_000, 10_000] {
            p.now = t;
            p.publish("a", QoS::AtMostOnce);
            p.sent();
        }
        assert_eq!(p.session.next_timeout(), Some(11_000));
        p.at(11_000);
        assert_eq!(p.sent(), vec![Packet::PingReq]);
        p.now = 14_000;
        p.publish("a", QoS::AtMostOnce);
        p.sent();
        assert_eq!(p.session.next_timeout(), Some(21_000));
        p.at(21_000);
        assert_eq!(p.events(), vec![lost_connection()]);
    }
}

/// Keep alive 0 turns the timer off.
#[test]
fn keep_alive_zero_sets_no_timer() {
    for version in VERSIONS {
        let mut c = config(version);
        c.keep_alive = 0;
        let mut p = Peer::connected(c);
        assert_eq!(p.session.next_timeout(), None);
        p.at(10_000_000);
        assert_eq!(p.sent(), vec![]);
        assert!(p.session.is_connected());
    }
}

/// 5.0 [MQTT-3.2.2-21]: the Server Keep Alive of CONNACK replaces the client's (0 too).
#[test]
fn mqtt_3_2_2_21_v5_server_keep_alive_is_honoured() {
    let mut c = config(V5);
    c.keep_alive = 60;
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.server_keep_alive = Some(5);
    let mut p = Peer::connected_with(c.clone(), ack);
    assert_eq!(p.session.next_timeout(), Some(6_000));
    p.at(6_000);
    assert_eq!(p.sent(), vec![Packet::PingReq]);
    p.at(11_000);
    assert!(!p.session.is_connected());
    assert_eq!(p.events(), vec![lost_connection()]);

    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.server_keep_alive = Some(0);
    let p = Peer::connected_with(c, ack);
    assert_eq!(p.session.next_timeout(), None);
}

/// No CONNACK within the keep alive (30 s without one) loses the connection.
#[test]
fn connack_timeout_loses_the_connection() {
    for version in VERSIONS {
        for (keep_alive, timeout) in [(10, 10_000), (0, 30_000)] {
            let mut c = config(version);
            c.keep_alive = keep_alive;
            let mut p = Peer::new(c);
            assert_eq!(p.session.next_timeout(), None);
            p.connect();
            assert_eq!(p.session.next_timeout(), Some(1_000 + timeout));
            p.at(timeout);
            assert_eq!(p.events(), vec![]);
            p.at(1_000 + timeout);
            assert_eq!(p.events(), vec![lost_connection()]);
            assert_eq!(p.session.next_timeout(), None);
            // A late CONNACK is ignored; a new connection may start.
            p.send(Packet::ConnAck(ConnAck::new(ReasonCode::Success)));
            assert_eq!(p.events(), vec![]);
            p.connect();
        }
    }
}
