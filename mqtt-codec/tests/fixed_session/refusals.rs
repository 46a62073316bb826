//! Commands that cannot be carried out, and events that wait.

use super::harness::*;

/// `disconnect` ends the connection normally: the server must get DISCONNECT, or it
/// publishes the will. With the transmit buffer too full for it, either the command is
/// refused (`TransmitFull`, nothing changed) or the DISCONNECT still goes out once the
/// buffer is written.
#[test]
fn disconnect_with_a_full_transmit_buffer_still_sends_disconnect_or_is_refused() {
    for version in VERSIONS {
        let mut c = config(version);
        c.will = Some(FixedWill {
            topic: "will",
            payload: b"gone",
            qos: QoS::AtMostOnce,
            retain: false,
        });
        let mut p = Peer::connected_sized(c, Sizes { tx: 48, ..SIZES });
        // A QoS 0 PUBLISH that leaves one byte free.
        let payload = if version.is_v5() { 41 } else { 42 };
        p.session
            .publish_message("t", &vec![0; payload], QoS::AtMostOnce, false, p.now)
            .unwrap();
        match p.session.disconnect(p.now) {
            Ok(()) => {
                let sent = p.sent();
                assert_eq!(sent.len(), 2, "{version:?}: {sent:?}");
                assert_eq!(
                    sent[1],
                    Packet::Disconnect(Disconnect::new(ReasonCode::Success))
                );
            }
            Err(SessionError::TransmitFull { .. }) => {
                assert!(p.session.is_connected());
                assert_eq!(p.events(), vec![]);
            }
            Err(e) => panic!("{e}"),
        }
    }
}

/// A will whose topic is not a topic name makes `connect` fail, with nothing sent and no
/// connection started.
#[test]
fn connect_with_an_invalid_will_topic_is_refused() {
    for version in VERSIONS {
        let mut c = config(version);
        c.will = Some(FixedWill {
            topic: "status/+",
            payload: b"gone",
            qos: QoS::AtMostOnce,
            retain: false,
        });
        let mut p = Peer::new(c);
        assert!(matches!(
            p.session.connect(p.now),
            Err(SessionError::Topic(_))
        ));
        assert_eq!(p.sent(), vec![]);
        assert_eq!(p.session.next_timeout(), None);
        assert!(matches!(
            p.session.connect(p.now),
            Err(SessionError::Topic(_))
        ));
    }
}

/// 5.0: an Assigned Client Identifier longer than the 64 bytes kept cannot name the session
/// on the next CONNECT: that one asks for a new identifier and starts clean.
#[test]
fn v5_an_assigned_client_id_too_long_to_keep_is_not_used() {
    let mut c = config(V5);
    c.client_id = "";
    c.session_expiry_interval = 600;
    let mut p = Peer::new(c);
    p.connect();
    let long = "x".repeat(65);
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.assigned_client_identifier = Some(MqttStr::new(&long).unwrap());
    assert!(matches!(p.connack(ack)[..], [Ev::Connected { .. }]));
    assert_eq!(p.session.client_id(), "");
    p.lose();
    let again = p.connect();
    assert_eq!(again.client_id, "");
    assert!(again.clean_start);

    // 64 bytes are kept.
    let mut c = config(V5);
    c.client_id = "";
    c.session_expiry_interval = 600;
    let mut p = Peer::new(c);
    p.connect();
    let fits = "y".repeat(64);
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.assigned_client_identifier = Some(MqttStr::new(&fits).unwrap());
    p.connack(ack);
    assert_eq!(p.session.client_id(), fits);
    p.lose();
    let again = p.connect();
    assert_eq!(again.client_id, fits.as_str());
    assert!(!again.clean_start);
}

/// Events that hold no view wait in a small store: `connect` refuses while too many wait
/// unpolled (so that none is lost), and they come out in the order they happened.
#[test]
fn connect_refuses_while_unpolled_events_fill_the_store_and_none_is_lost() {
    for version in VERSIONS {
        let mut p = Peer::new(config(version));
        p.session.connect(p.now).unwrap();
        p.session.connection_lost(p.now);
        p.session.connect(p.now).unwrap();
        p.session.connection_lost(p.now);
        assert!(matches!(
            p.session.connect(p.now),
            Err(SessionError::State(_))
        ));
        assert_eq!(p.session.next_timeout(), None, "no connection started");
        assert_eq!(p.events(), vec![lost_connection(), lost_connection()]);
        p.connect();
    }
}

/// A `Connected` event still waiting when the connection is lost (behind the failures of a
/// lost session) is told before `Disconnected`, its CONNACK intact.
#[test]
fn connected_waiting_when_the_connection_is_lost_comes_before_disconnected() {
    for version in VERSIONS {
        let mut p = Peer::connected(persistent(version));
        let a = p.publish("a", QoS::AtLeastOnce).unwrap();
        p.sent();
        p.lose();
        p.connect();
        let bytes = Packet::ConnAck(ConnAck::new(ReasonCode::Success))
            .to_bytes(version)
            .unwrap();
        p.session.receive(&bytes, p.now);
        assert_eq!(p.session.poll_event(p.now).map(own), Some(session_lost(a)));
        p.session.connection_lost(p.now);
        let rest: Vec<Ev> = std::iter::from_fn(|| p.session.poll_event(p.now).map(own)).collect();
        assert_eq!(
            rest,
            vec![
                Ev::Connected {
                    session_present: false,
                    connack: ConnAck::new(ReasonCode::Success),
                },
                lost_connection(),
            ]
        );
        assert!(!p.session.is_connected());
    }
}
