//! The server's PUBLISHes.

use super::harness::*;

/// QoS 0 and 1 in: delivered; QoS 1 acknowledged with PUBACK at once (automatic
/// acknowledgement).
#[test]
fn qos0_and_qos1_inbound_are_delivered_and_acknowledged() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let zero = Publish::new(topic("a/b"), "zero");
        p.send(Packet::Publish(zero.clone()));
        let one = publish_in(9, QoS::AtLeastOnce, "a/b", "hi");
        p.send(Packet::Publish(one.clone()));
        assert_eq!(p.events(), vec![message(zero), message(one)]);
        assert_eq!(p.sent(), vec![puback(9)]);
    }
}

/// QoS 2 in, [MQTT-4.3.3-10] (3.1.1 [MQTT-4.3.3-2]): PUBREC; retransmissions with DUP
/// before PUBREL are acknowledged again but not delivered again; PUBREL gets PUBCOMP (a
/// repeated PUBREL too: 0x92 in 5.0); after it, the identifier carries a new message.
#[test]
fn mqtt_4_3_3_10_inbound_qos2_is_delivered_once_until_released() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let publish = publish_in(5, QoS::ExactlyOnce, "a/b", "once");
        p.send(Packet::Publish(publish.clone()));
        assert_eq!(p.events(), vec![message(publish.clone())]);
        assert_eq!(p.sent(), vec![pubrec(5)]);

        let mut again = publish.clone();
        again.dup = true;
        p.send(Packet::Publish(again.clone()));
        p.send(Packet::Publish(again));
        assert_eq!(p.events(), vec![], "delivered once");
        assert_eq!(p.sent(), vec![pubrec(5), pubrec(5)]);

        p.send(pubrel(5));
        assert_eq!(p.sent(), vec![pubcomp(5)]);
        p.send(pubrel(5));
        let repeated = if version.is_v5() {
            with_code(pubcomp(5), ReasonCode::PacketIdentifierNotFound)
        } else {
            pubcomp(5)
        };
        assert_eq!(p.sent(), vec![repeated]);
        assert_eq!(p.events(), vec![]);

        let next = publish_in(5, QoS::ExactlyOnce, "a/b", "twice");
        p.send(Packet::Publish(next.clone()));
        assert_eq!(p.events(), vec![message(next)]);
        assert_eq!(p.sent(), vec![pubrec(5)]);
        assert!(p.session.is_connected());
    }
}

/// [MQTT-4.3.3-10] with manual acknowledgement: resends before the application's `ack`
/// (PUBREC not sent yet) and after it (PUBREC sent) are not delivered again; only the
/// PUBREC that is owed answers them, and the one after `ack` is repeated.
#[test]
fn mqtt_4_3_3_10_manual_ack_qos2_resends_before_and_after_pubrec_are_not_delivered() {
    for version in VERSIONS {
        let mut c = config(version);
        c.auto_ack = false;
        let mut p = Peer::connected(c);
        let publish = publish_in(6, QoS::ExactlyOnce, "a", "once");
        p.send(Packet::Publish(publish.clone()));
        assert_eq!(
            p.events(),
            vec![Ev::Message {
                publish: publish.clone(),
                ack: Some(pid(6)),
            }]
        );
        let mut again = publish.clone();
        again.dup = true;
        p.send(Packet::Publish(again.clone()));
        assert_eq!(p.events(), vec![]);
        assert_eq!(p.sent(), vec![], "PUBREC waits for the application");
        p.session.ack(pid(6), p.now).unwrap();
        assert_eq!(p.sent(), vec![pubrec(6)]);
        p.send(Packet::Publish(again));
        assert_eq!(p.events(), vec![]);
        assert_eq!(p.sent(), vec![pubrec(6)]);
        assert_eq!(
            p.session.ack(pid(6), p.now),
            Err(SessionError::UnknownPacketId(6))
        );
        p.send(pubrel(6));
        assert_eq!(p.sent(), vec![pubcomp(6)]);
        assert!(p.session.is_connected());
    }
}

/// [MQTT-4.3.3-8] (the receiver's side): a PUBREL before our PUBREC was sent (the
/// application has not acknowledged yet) breaks the flow: a Protocol Error.
#[test]
fn pubrel_before_our_pubrec_is_a_protocol_error() {
    for version in VERSIONS {
        let mut c = config(version);
        c.auto_ack = false;
        let mut p = Peer::connected(c);
        p.send(Packet::Publish(publish_in(6, QoS::ExactlyOnce, "a", "x")));
        p.events();
        p.send(pubrel(6));
        p.assert_broke_rule(ReasonCode::ProtocolError);
    }
}

/// [MQTT-4.6.0-2] .. [MQTT-4.6.0-4]: with manual acknowledgement, PUBACKs and PUBRECs go
/// out in the order the PUBLISHes arrived, however the application orders its `ack`s.
#[test]
fn mqtt_4_6_0_2_manual_acks_are_sent_in_arrival_order() {
    for version in VERSIONS {
        let mut c = config(version);
        c.auto_ack = false;
        let mut p = Peer::connected(c);
        p.send(Packet::Publish(publish_in(1, QoS::AtLeastOnce, "a", "1")));
        p.send(Packet::Publish(publish_in(2, QoS::ExactlyOnce, "a", "2")));
        p.send(Packet::Publish(Publish::new(topic("a"), "0")));
        p.send(Packet::Publish(publish_in(3, QoS::AtLeastOnce, "a", "3")));
        let acks: Vec<_> = p
            .events()
            .into_iter()
            .map(|e| match e {
                Ev::Message { ack, .. } => ack,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(acks, vec![Some(pid(1)), Some(pid(2)), None, Some(pid(3))]);
        assert_eq!(
            p.sent(),
            vec![],
            "nothing before the application acknowledges"
        );

        p.session.ack(pid(3), p.now).unwrap();
        assert_eq!(p.sent(), vec![], "3 waits for 1 and 2");
        p.session.ack(pid(1), p.now).unwrap();
        assert_eq!(p.sent(), vec![puback(1)]);
        p.session.ack(pid(2), p.now).unwrap();
        assert_eq!(p.sent(), vec![pubrec(2), puback(3)]);
        assert_eq!(
            p.session.ack(pid(1), p.now),
            Err(SessionError::UnknownPacketId(1))
        );
        p.send(pubrel(2));
        assert_eq!(p.sent(), vec![pubcomp(2)]);
    }
}

/// An acknowledgement given while the transmit buffer has no room for it, and the
/// connection then lost, is not sent on the next one (none given between connections is:
/// a PUBACK could cross the server's resend of the message, which reuses its identifier);
/// the resend is delivered and acknowledged once.
#[test]
fn an_ack_that_found_no_room_is_not_sent_on_the_next_connection() {
    for version in VERSIONS {
        let mut c = persistent(version);
        c.auto_ack = false;
        let mut p = Peer::connected_sized(c, Sizes { tx: 40, ..SIZES });
        p.send(Packet::Publish(publish_in(1, QoS::AtLeastOnce, "a", "1")));
        assert_eq!(p.events().len(), 1);
        // 39 of the 40 bytes taken: the 4-byte PUBACK waits for room.
        p.session
            .publish_message("a", &[0; 34], QoS::AtMostOnce, false, p.now)
            .unwrap();
        p.session.ack(pid(1), p.now).unwrap();
        p.lose();
        p.connect();
        p.accept(true);
        assert_eq!(
            p.sent(),
            vec![],
            "{version:?}: no PUBACK for the old connection's message"
        );
        let mut again = publish_in(1, QoS::AtLeastOnce, "a", "1");
        again.dup = true;
        p.send(Packet::Publish(again));
        // Delivered again, and acknowledged once: at once when the resend finds no spare
        // record (see `on_publish`), else when the application says so.
        let events = p.events();
        let [Ev::Message { ack, .. }] = events.as_slice() else {
            panic!("{version:?}: {events:?}")
        };
        if let Some(id) = ack {
            p.session.ack(*id, p.now).unwrap();
        }
        assert_eq!(p.sent(), vec![puback(1)], "{version:?}");
    }
}

/// `ack` of an identifier no received message waits under is refused: never received,
/// acknowledged already, or with automatic acknowledgement.
#[test]
fn ack_of_an_unknown_id_is_refused() {
    for version in VERSIONS {
        for auto_ack in [true, false] {
            let mut c = config(version);
            c.auto_ack = auto_ack;
            let mut p = Peer::connected(c);
            assert_eq!(
                p.session.ack(pid(4), p.now),
                Err(SessionError::UnknownPacketId(4))
            );
            p.send(Packet::Publish(publish_in(4, QoS::ExactlyOnce, "a", "x")));
            p.events();
            if !auto_ack {
                p.session.ack(pid(4), p.now).unwrap();
            }
            assert_eq!(p.sent(), vec![pubrec(4)]);
            assert_eq!(
                p.session.ack(pid(4), p.now),
                Err(SessionError::UnknownPacketId(4))
            );
            assert_eq!(p.sent(), vec![]);
        }
    }
}

/// PUB-23, 5.0 [MQTT-3.3.4-9]: a server with more unacknowledged QoS 1 and 2 PUBLISHes
/// towards us than our Receive Maximum (the incoming records) is disconnected with 0x93.
#[test]
fn mqtt_3_3_4_9_v5_server_exceeding_our_receive_maximum_is_disconnected_with_0x93() {
    let mut c = config(V5);
    c.auto_ack = false;
    let mut p = Peer::sized(
        c,
        Sizes {
            incoming: 2,
            ..SIZES
        },
    );
    assert_eq!(p.connect().properties.receive_maximum, Some(2));
    p.accept(false);
    p.send(Packet::Publish(publish_in(1, QoS::AtLeastOnce, "a", "1")));
    p.send(Packet::Publish(publish_in(2, QoS::ExactlyOnce, "a", "2")));
    assert_eq!(p.events().len(), 2);
    p.send(Packet::Publish(publish_in(3, QoS::AtLeastOnce, "a", "3")));
    p.assert_broke_rule(ReasonCode::ReceiveMaximumExceeded);
}

/// PUB-23, 5.0 [MQTT-3.3.4-9]: a QoS 2 message counts once against our Receive Maximum,
/// from its PUBLISH to its PUBREL, whether or not the application has acknowledged it.
#[test]
fn mqtt_3_3_4_9_v5_receive_maximum_counts_a_message_once_until_released() {
    for auto_ack in [true, false] {
        let mut c = config(V5);
        c.auto_ack = auto_ack;
        let mut p = Peer::connected_sized(
            c,
            Sizes {
                incoming: 2,
                ..SIZES
            },
        );
        p.send(Packet::Publish(publish_in(1, QoS::ExactlyOnce, "a", "1")));
        p.send(Packet::Publish(publish_in(2, QoS::AtLeastOnce, "a", "2")));
        assert_eq!(p.events().len(), 2, "auto_ack {auto_ack}");
        if !auto_ack {
            p.session.ack(pid(1), p.now).unwrap();
            p.session.ack(pid(2), p.now).unwrap();
        }
        assert_eq!(p.sent(), vec![pubrec(1), puback(2)]);
        p.send(Packet::Publish(publish_in(3, QoS::AtLeastOnce, "a", "3")));
        assert_eq!(p.events().len(), 1);
        if !auto_ack {
            p.session.ack(pid(3), p.now).unwrap();
        }
        p.send(pubrel(1));
        assert_eq!(p.sent(), vec![puback(3), pubcomp(1)]);
        p.send(Packet::Publish(publish_in(4, QoS::ExactlyOnce, "a", "4")));
        p.send(Packet::Publish(publish_in(5, QoS::ExactlyOnce, "a", "5")));
        assert_eq!(p.events().len(), 2);
        assert!(p.session.is_connected());
        if !auto_ack {
            p.session.ack(pid(4), p.now).unwrap();
            p.session.ack(pid(5), p.now).unwrap();
        }
        assert_eq!(p.sent(), vec![pubrec(4), pubrec(5)]);
        p.send(Packet::Publish(publish_in(6, QoS::AtLeastOnce, "a", "6")));
        p.assert_broke_rule(ReasonCode::ReceiveMaximumExceeded);
    }
}

/// 3.1.1 has no flow control: more unfinished inbound flows than incoming records closes
/// the connection (the records are the session's whole memory of them).
#[test]
fn v311_more_unfinished_inbound_flows_than_records_closes_the_connection() {
    let mut p = Peer::connected_sized(
        config(V3),
        Sizes {
            incoming: 2,
            ..SIZES
        },
    );
    // Automatic QoS 1 needs no record.
    for id in 1..=5 {
        p.send(Packet::Publish(publish_in(id, QoS::AtLeastOnce, "a", "x")));
    }
    assert_eq!(p.events().len(), 5);
    p.send(Packet::Publish(publish_in(6, QoS::ExactlyOnce, "a", "x")));
    p.send(Packet::Publish(publish_in(7, QoS::ExactlyOnce, "a", "x")));
    assert_eq!(p.events().len(), 2);
    assert_eq!(p.sent().len(), 7);
    p.send(Packet::Publish(publish_in(8, QoS::ExactlyOnce, "a", "x")));
    p.assert_broke_rule(ReasonCode::ReceiveMaximumExceeded);
}

/// With no incoming record, `connect` is refused and sends nothing: a 5.0 Receive Maximum
/// cannot say 0, and a server may send QoS 2 as soon as it is subscribed to.
#[test]
fn connect_without_an_incoming_record_is_refused() {
    for version in VERSIONS {
        let mut p = Peer::sized(
            config(version),
            Sizes {
                incoming: 0,
                ..SIZES
            },
        );
        assert!(matches!(
            p.session.connect(0),
            Err(SessionError::StorageFull(_))
        ));
        assert!(p.session.poll_transmit(0).is_none());
        assert!(!p.session.is_connected());
    }
}

/// 5.0: a PUBREL for an identifier with no QoS 2 flow of the server's is answered by
/// PUBCOMP 0x92; 3.1.1 by a plain PUBCOMP.
#[test]
fn pubrel_for_an_unknown_id_is_answered_with_pubcomp() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        p.send(pubrel(42));
        let expected = if version.is_v5() {
            with_code(pubcomp(42), ReasonCode::PacketIdentifierNotFound)
        } else {
            pubcomp(42)
        };
        assert_eq!(p.sent(), vec![expected]);
        assert!(p.session.is_connected());
    }
}
