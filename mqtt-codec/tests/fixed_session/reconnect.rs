//! Reconnecting.

use super::harness::*;
use super::suback::subscribe_two;

/// [MQTT-4.4.0-1] (with [MQTT-4.6.0-1]): after a reconnect that resumes the session,
/// unacknowledged PUBLISHes are resent with DUP and their identifiers, and PUBRELs are
/// resent, in the order the PUBLISHes were first sent; then what was queued; the flows
/// then complete.
#[test]
fn mqtt_4_4_0_1_resumed_session_resends_publishes_with_dup_and_pubrels_in_order() {
    for version in VERSIONS {
        let mut p = Peer::connected(persistent(version));
        let a = p.publish("a", QoS::AtLeastOnce).unwrap();
        let b = p.publish("b", QoS::ExactlyOnce).unwrap();
        let c = p.publish("c", QoS::ExactlyOnce).unwrap();
        let d = p.publish("d", QoS::AtLeastOnce).unwrap();
        p.sent();
        p.send(pubrec(c.get()));
        assert_eq!(p.sent(), vec![pubrel(c.get())]);

        assert_eq!(p.lose(), vec![lost_connection()]);
        // One more, published while offline, waits behind the resends.
        let e = p.publish("e", QoS::AtLeastOnce).unwrap();

        let connect = p.connect();
        assert!(!connect.clean_start, "{version:?}: the session is resumed");
        let events = p.accept(true);
        assert!(
            matches!(
                events[..],
                [Ev::Connected {
                    session_present: true,
                    ..
                }]
            ),
            "{events:?}"
        );
        let sent = p.sent();
        let summary: Vec<(&str, u16, bool)> = sent
            .iter()
            .map(|s| match s {
                Packet::Publish(x) => ("PUBLISH", x.packet_id.unwrap().get(), x.dup),
                Packet::PubRel(r) => ("PUBREL", r.packet_id.get(), false),
                other => panic!("{other:?}"),
            })
            .collect();
        // The PUBRELs first (in PUBREC order, [MQTT-4.6.0-4]), then the PUBLISHes in their
        // first order ([MQTT-4.6.0-1]); the spec orders each kind, not one against the other.
        assert_eq!(
            summary,
            vec![
                ("PUBREL", c.get(), false),
                ("PUBLISH", a.get(), true),
                ("PUBLISH", b.get(), true),
                ("PUBLISH", d.get(), true),
                ("PUBLISH", e.get(), false),
            ]
        );
        assert_eq!(as_publish(&sent[2]).topic, "b");
        assert_eq!(as_publish(&sent[2]).qos, QoS::ExactlyOnce);

        p.send(puback(a.get()));
        p.send(pubrec(b.get()));
        assert_eq!(p.sent(), vec![pubrel(b.get())]);
        p.send(pubcomp(b.get()));
        p.send(pubcomp(c.get()));
        p.send(puback(d.get()));
        p.send(puback(e.get()));
        assert_eq!(
            p.events(),
            vec![
                published(a),
                published(b),
                published(c),
                published(d),
                published(e)
            ]
        );
        assert_eq!(p.session.pending_publishes(), (0, 0));
    }
}

/// 3.1.1 keeps a session by clean session 0 alone ([MQTT-3.1.2-6]): a 5.0 Session Expiry
/// Interval left in a configuration shared by both versions must not make a reconnect ask
/// for a session the first CONNECT told the server to throw away.
#[test]
fn mqtt_3_1_2_6_a_3_x_clean_session_stays_clean_whatever_the_5_0_expiry_says() {
    for version in [V3, ProtocolVersion::V3_1] {
        let mut c = config(version);
        c.session_expiry_interval = 3600;
        let mut p = Peer::new(c);
        assert!(p.connect().clean_start, "{version:?}");
        p.accept(false);
        p.lose();
        assert!(p.connect().clean_start, "{version:?}: the reconnect too");
    }
}

/// [MQTT-4.4.0-1]: the resends are owed on every resumed connection until answered, not
/// only the first: a connection lost again before they were acknowledged resends them
/// again, DUP set, in the same order.
#[test]
fn mqtt_4_4_0_1_resends_are_repeated_on_every_resumed_connection() {
    for version in VERSIONS {
        let mut p = Peer::connected(persistent(version));
        let a = p.publish("a", QoS::ExactlyOnce).unwrap();
        let b = p.publish("b", QoS::AtLeastOnce).unwrap();
        p.sent();
        for _ in 0..3 {
            p.lose();
            p.connect();
            p.accept(true);
            let sent = p.sent();
            assert_eq!(publish_ids(&sent), vec![a, b]);
            assert!(sent.iter().all(|s| as_publish(s).dup));
        }
        // Lost again at once after the CONNACK, and resumed: resent again.
        p.lose();
        p.connect();
        p.accept(true);
        p.lose();
        p.connect();
        p.accept(true);
        assert_eq!(publish_ids(&p.sent()), vec![a, b]);
    }
}

/// A resumed session keeps the window: messages queued behind it go out only as the
/// resent ones complete.
#[test]
fn resumed_session_keeps_the_window_behind_the_resends() {
    for version in VERSIONS {
        let mut c = persistent(version);
        c.max_inflight = 2;
        let mut p = Peer::connected(c);
        let ids: Vec<PacketId> = (0..4)
            .map(|_| p.publish("a", QoS::AtLeastOnce).unwrap())
            .collect();
        assert_eq!(publish_ids(&p.sent()), ids[..2].to_vec());
        p.lose();
        p.connect();
        p.accept(true);
        assert_eq!(publish_ids(&p.sent()), ids[..2].to_vec());
        assert_eq!(p.session.pending_publishes(), (2, 2));
        p.send(puback(ids[1].get()));
        assert_eq!(publish_ids(&p.sent()), vec![ids[2]]);
    }
}

/// A CONNACK that resumes the session and a PUBACK for a message whose resend is not yet
/// written (a full transmit buffer) complete it: it is not resent after its PUBACK.
#[test]
fn a_resend_answered_before_it_was_written_is_not_written() {
    for version in VERSIONS {
        let mut p = Peer::connected(persistent(version));
        let a = p.publish("a", QoS::AtLeastOnce).unwrap();
        let b = p.publish("b", QoS::AtLeastOnce).unwrap();
        p.sent();
        p.lose();
        p.connect();
        // The CONNACK and the PUBACK for `a` arrive together, before any output is written.
        let mut ack = ConnAck::new(ReasonCode::Success);
        ack.session_present = true;
        let mut bytes = Packet::ConnAck(ack).to_bytes(version).unwrap().to_vec();
        bytes.extend_from_slice(&puback(a.get()).to_bytes(version).unwrap());
        assert_eq!(p.session.receive(&bytes, p.now), bytes.len());
        let mut events = Vec::new();
        while let Some(e) = p.session.poll_event(p.now) {
            events.push(own(e));
        }
        assert!(matches!(events[0], Ev::Connected { .. }));
        assert_eq!(events[1..], [published(a)]);
        let sent = p.sent();
        assert_eq!(publish_ids(&sent), vec![b]);
        assert!(as_publish(&sent[0]).dup);
    }
}

/// [MQTT-4.4.0-1] / [MQTT-4.3.3-5]: when the PUBREC for a QoS 2 message whose resend is
/// not written yet arrives right after the CONNACK that resumed the session, the flow moves
/// on to PUBREL: one PUBREL answers it, the PUBLISH is not resent, and no second PUBREL
/// follows from the resend still marked.
#[test]
fn mqtt_4_4_0_1_a_pubrec_before_the_resend_is_written_gets_one_pubrel() {
    for version in VERSIONS {
        let mut p = Peer::connected(persistent(version));
        let a = p.publish("a", QoS::ExactlyOnce).unwrap();
        p.sent();
        p.lose();
        p.connect();
        let mut ack = ConnAck::new(ReasonCode::Success);
        ack.session_present = true;
        let mut bytes = Packet::ConnAck(ack).to_bytes(version).unwrap().to_vec();
        bytes.extend_from_slice(&pubrec(a.get()).to_bytes(version).unwrap());
        assert_eq!(p.session.receive(&bytes, p.now), bytes.len());
        while p.session.poll_event(p.now).is_some() {}
        assert_eq!(p.sent(), vec![pubrel(a.get())], "{version:?}");
    }
}

/// [MQTT-4.1.0-1]: a reconnect that finds no session (session present 0 after a persistent
/// one) reports each message in flight failed with `SessionLost`, in the order they were
/// sent, and `SubscriptionsLost` since a SUBACK granted something; then `Connected`. The
/// messages still queued are sent on the new session, not as resends.
#[test]
fn mqtt_4_1_0_1_lost_session_fails_what_was_in_flight_and_reports_subscriptions_lost() {
    for version in VERSIONS {
        let mut c = persistent(version);
        c.max_inflight = 3;
        let mut p = Peer::connected(c);
        let s1 = subscribe_two(&mut p);
        p.send(Packet::SubAck(SubAck::new(
            s1,
            vec![ReasonCode::GrantedQoS1, ReasonCode::UnspecifiedError],
        )));
        p.events();

        let a = p.publish("a", QoS::ExactlyOnce).unwrap();
        let b = p.publish("b", QoS::AtLeastOnce).unwrap();
        let c = p.publish("c", QoS::ExactlyOnce).unwrap();
        let q = p.publish("q", QoS::AtLeastOnce).unwrap();
        p.sent();
        p.send(pubrec(a.get()));
        p.sent();
        assert_eq!(p.session.pending_publishes(), (3, 1));

        p.lose();
        assert!(!p.connect().clean_start);
        let events = p.accept(false);
        assert_eq!(events.len(), 5, "{events:?}");
        assert_eq!(
            events[..4],
            [
                session_lost(a),
                session_lost(b),
                session_lost(c),
                Ev::SubscriptionsLost
            ]
        );
        assert!(matches!(
            events[4],
            Ev::Connected {
                session_present: false,
                ..
            }
        ));

        let sent = p.sent();
        assert_eq!(publish_ids(&sent), vec![q]);
        assert!(!as_publish(&sent[0]).dup);
        assert_eq!(p.session.pending_publishes(), (1, 0));
        p.send(puback(q.get()));
        assert_eq!(p.events(), vec![published(q)]);
        // The server's own flows went with the session: a PUBREL for one is a stranger.
        p.send(pubrel(5));
        let expected = if version.is_v5() {
            with_code(pubcomp(5), ReasonCode::PacketIdentifierNotFound)
        } else {
            pubcomp(5)
        };
        assert_eq!(p.sent(), vec![expected]);
    }
}

/// `SubscriptionsLost` is told only when a SUBACK granted something on the lost session,
/// and once: not after refusals only, not again on the next new session.
#[test]
fn subscriptions_lost_only_when_a_suback_granted_something() {
    for version in VERSIONS {
        let mut p = Peer::connected(persistent(version));
        let s = p.subscribe("a", QoS::AtLeastOnce);
        p.send(Packet::SubAck(SubAck::new(
            s,
            vec![ReasonCode::UnspecifiedError],
        )));
        p.events();
        p.lose();
        p.connect();
        assert!(matches!(p.accept(false)[..], [Ev::Connected { .. }]));

        let s = p.subscribe("a", QoS::AtLeastOnce);
        p.send(Packet::SubAck(SubAck::new(s, vec![ReasonCode::Success])));
        p.events();
        // Resumed: nothing lost.
        p.lose();
        p.connect();
        assert!(matches!(p.accept(true)[..], [Ev::Connected { .. }]));
        p.lose();
        p.connect();
        assert!(matches!(
            p.accept(false)[..],
            [Ev::SubscriptionsLost, Ev::Connected { .. }]
        ));
        p.lose();
        p.connect();
        assert!(matches!(p.accept(false)[..], [Ev::Connected { .. }]));
    }
}

/// A session that was not expected to survive (clean start on every connection) loses
/// what was in flight at each reconnect: reported failed, never left waiting.
#[test]
fn clean_reconnect_fails_what_was_in_flight() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let a = p.publish("a", QoS::AtLeastOnce).unwrap();
        let b = p.publish("b", QoS::ExactlyOnce).unwrap();
        p.sent();
        p.lose();
        assert!(p.connect().clean_start);
        let events = p.accept(false);
        assert_eq!(
            events[..2],
            [session_lost(a), session_lost(b)],
            "{events:?}"
        );
        assert_eq!(p.session.pending_publishes(), (0, 0));
        assert_eq!(p.sent(), vec![]);
    }
}

/// A reconnect's CONNECT asks to resume (clean start 0) when a session was expected to
/// survive (3.1.1 clean session 0, 5.0 Session Expiry Interval > 0), and to start anew
/// otherwise.
#[test]
fn reconnect_asks_to_resume_only_when_a_session_was_expected() {
    for version in VERSIONS {
        for (config, resumes) in [(persistent(version), true), (config(version), false)] {
            let mut p = Peer::connected(config);
            p.lose();
            assert_eq!(p.connect().clean_start, !resumes, "{version:?}");
        }
    }
}

/// A 5.0 CONNECT sent when the old session may have expired can make a new, empty session;
/// if its CONNACK is lost, a later session present 1 could be that new session. The session
/// then starts clean and reports what it had as lost.
#[test]
fn v5_after_a_connect_unanswered_past_the_expiry_the_next_one_starts_clean() {
    let mut c = config(V5);
    c.session_expiry_interval = 10;
    let mut p = Peer::connected(c);
    let id = p.publish("a", QoS::ExactlyOnce).unwrap();
    p.sent();
    p.lose();
    p.now += 11_000;
    assert!(
        !p.connect().clean_start,
        "the old session may still be there"
    );
    p.lose(); // no CONNACK
    assert!(
        p.connect().clean_start,
        "session present 1 could not be trusted"
    );
    let events = p.accept(false);
    assert_eq!(events[0], session_lost(id), "{events:?}");
    p.lose();
    assert!(!p.connect().clean_start, "known again");
}

/// Within the expiry an unanswered CONNECT changes nothing.
#[test]
fn v5_a_connect_unanswered_within_the_expiry_keeps_resuming() {
    let mut c = config(V5);
    c.session_expiry_interval = 60;
    let mut p = Peer::connected(c);
    p.lose();
    p.now += 5_000;
    assert!(!p.connect().clean_start);
    p.lose();
    assert!(!p.connect().clean_start);
    assert!(matches!(p.accept(true)[..], [Ev::Connected { .. }]));
}

/// The server's QoS 2 flows live in the session too: a resumed session still knows a
/// message it has received and not yet seen released, so a resend is not delivered again.
#[test]
fn resumed_session_keeps_inbound_qos2_state() {
    for version in VERSIONS {
        let mut p = Peer::connected(persistent(version));
        let publish = publish_in(4, QoS::ExactlyOnce, "a", "x");
        p.send(Packet::Publish(publish.clone()));
        assert_eq!(p.events().len(), 1);
        assert_eq!(p.sent(), vec![pubrec(4)]);
        p.lose();
        p.connect();
        p.accept(true);
        let mut again = publish;
        again.dup = true;
        p.send(Packet::Publish(again));
        assert_eq!(p.events(), vec![]);
        assert_eq!(p.sent(), vec![pubrec(4)]);
        p.send(pubrel(4));
        assert_eq!(p.sent(), vec![pubcomp(4)]);
    }
}

/// With manual acknowledgement, a QoS 1 message the server resends on a resumed session
/// while the application still owes its acknowledgement is not delivered again; the one
/// acknowledgement, given on the new connection, answers both.
#[test]
fn resumed_session_qos1_resend_is_answered_by_the_acknowledgement_still_owed() {
    for version in VERSIONS {
        let mut c = persistent(version);
        c.auto_ack = false;
        let mut p = Peer::connected_sized(
            c,
            Sizes {
                incoming: 2,
                ..SIZES
            },
        );
        p.send(Packet::Publish(publish_in(1, QoS::AtLeastOnce, "a", "1")));
        p.send(Packet::Publish(publish_in(2, QoS::AtLeastOnce, "a", "2")));
        assert_eq!(p.events().len(), 2);
        p.lose();
        p.connect();
        p.accept(true);
        for id in [1, 2] {
            let mut again = publish_in(id, QoS::AtLeastOnce, "a", "again");
            again.dup = true;
            p.send(Packet::Publish(again));
        }
        assert_eq!(p.events(), vec![], "{version:?}");
        assert!(p.session.is_connected(), "{version:?}");
        p.session.ack(pid(2), p.now).unwrap();
        p.session.ack(pid(1), p.now).unwrap();
        assert_eq!(p.sent(), vec![puback(1), puback(2)]);
        assert_eq!(
            p.session.ack(pid(1), p.now),
            Err(SessionError::UnknownPacketId(1))
        );
    }
}

/// Acknowledgements given while disconnected are not kept for the next connection (sent
/// then, a PUBACK could cross the server's resend): after a resumed CONNACK nothing goes out
/// for them, the server resends the messages, and the QoS 2 one is answered with PUBREC
/// without being delivered again ([MQTT-4.3.3-10]). A session the server lost forgets the
/// rest (`ack` then refuses the identifier).
#[test]
fn acks_given_offline_are_not_sent_on_the_next_connection() {
    for version in VERSIONS {
        for present in [true, false] {
            let mut c = persistent(version);
            c.auto_ack = false;
            let mut p = Peer::connected(c);
            p.send(Packet::Publish(publish_in(1, QoS::AtLeastOnce, "a", "1")));
            p.send(Packet::Publish(publish_in(2, QoS::ExactlyOnce, "a", "2")));
            p.send(Packet::Publish(publish_in(3, QoS::AtLeastOnce, "a", "3")));
            assert_eq!(p.events().len(), 3);
            p.lose();
            p.session.ack(pid(2), p.now).unwrap();
            p.session.ack(pid(1), p.now).unwrap();
            p.connect();
            p.accept(present);
            assert_eq!(p.sent(), vec![]);
            if present {
                p.session.ack(pid(3), p.now).unwrap();
                assert_eq!(p.sent(), vec![puback(3)]);
                let mut again = publish_in(2, QoS::ExactlyOnce, "a", "2");
                again.dup = true;
                p.send(Packet::Publish(again));
                assert!(p.events().is_empty());
                assert_eq!(p.sent(), vec![pubrec(2)]);
            } else {
                assert_eq!(
                    p.session.ack(pid(3), p.now),
                    Err(SessionError::UnknownPacketId(3))
                );
            }
        }
    }
}

/// [MQTT-4.3.2-5], QoS 1 at least once, and [MQTT-3.3.1-1]: after a resumed CONNACK the
/// application acknowledges a message of the last connection, and its PUBACK crosses the
/// server's DUP resend of it. The resend is then delivered again (its PUBACK owed); the
/// server took the first PUBACK for it and reuses the identifier for a new message (DUP 0),
/// which is a new message, not a retransmission of the copy still owed its PUBACK.
#[test]
fn mqtt_4_3_2_5_a_new_message_reusing_an_id_owed_a_puback_is_delivered() {
    for version in VERSIONS {
        let mut c = persistent(version);
        c.auto_ack = false;
        let mut p = Peer::connected(c);
        p.send(Packet::Publish(publish_in(
            1,
            QoS::AtLeastOnce,
            "a",
            "first",
        )));
        assert_eq!(p.events().len(), 1);
        p.lose();
        p.connect();
        p.accept(true);
        p.session.ack(pid(1), p.now).unwrap();
        assert_eq!(p.sent(), vec![puback(1)]);
        // The server's resend crossed that PUBACK. Every record is within the Receive
        // Maximum, so the resend is acknowledged at once rather than take one.
        let mut again = publish_in(1, QoS::AtLeastOnce, "a", "first");
        again.dup = true;
        p.send(Packet::Publish(again.clone()));
        assert_eq!(
            p.events(),
            vec![Ev::Message {
                publish: again,
                ack: None,
            }]
        );
        assert_eq!(p.sent(), vec![puback(1)]);
        let next = publish_in(1, QoS::AtLeastOnce, "a", "second");
        p.send(Packet::Publish(next.clone()));
        assert_eq!(
            p.events(),
            vec![Ev::Message {
                publish: next,
                ack: Some(pid(1)),
            }],
            "{version:?}: the new message is lost"
        );
    }
}

/// `disconnect` sends DISCONNECT and reports `Disconnected` with Success; what is in flight
/// stays for the next connection.
#[test]
fn disconnect_sends_disconnect_and_keeps_what_is_in_flight() {
    for version in VERSIONS {
        let mut p = Peer::connected(persistent(version));
        let id = p.publish("a", QoS::AtLeastOnce).unwrap();
        p.sent();
        p.session.disconnect(p.now).unwrap();
        assert_eq!(
            p.sent(),
            vec![Packet::Disconnect(Disconnect::new(ReasonCode::Success))]
        );
        assert_eq!(
            p.events(),
            vec![Ev::Disconnected {
                reason: Some(ReasonCode::Success),
                by_server: false,
            }]
        );
        assert!(matches!(
            p.session.disconnect(p.now),
            Err(SessionError::NotConnected)
        ));
        assert_eq!(p.session.pending_publishes(), (1, 0));
        p.connect();
        p.accept(true);
        let sent = p.sent();
        assert_eq!(as_publish(&sent[0]).packet_id, Some(id));
        assert!(as_publish(&sent[0]).dup);
    }
}

/// A 5.0 DISCONNECT from the server ends the connection: `Disconnected { by_server }` with
/// its reason; nothing is sent back, no timer remains, and what follows it is ignored.
#[test]
fn v5_server_disconnect_is_reported_by_server() {
    let mut c = config(V5);
    c.keep_alive = 10;
    let mut p = Peer::connected(c);
    let mut bytes = Packet::Disconnect(Disconnect::new(ReasonCode::SessionTakenOver))
        .to_bytes(V5)
        .unwrap()
        .to_vec();
    bytes.extend_from_slice(
        &Packet::Publish(publish_in(1, QoS::AtLeastOnce, "a", "late"))
            .to_bytes(V5)
            .unwrap(),
    );
    p.send_raw(&bytes);
    assert_eq!(
        p.events(),
        vec![Ev::Disconnected {
            reason: Some(ReasonCode::SessionTakenOver),
            by_server: true,
        }]
    );
    assert!(!p.session.is_connected());
    assert_eq!(p.session.next_timeout(), None);
    assert_eq!(p.sent(), vec![]);
    p.connect();
}

/// Bytes that arrive between connections are dropped (all "taken").
#[test]
fn bytes_between_connections_are_dropped() {
    for version in VERSIONS {
        let mut p = Peer::new(config(version));
        let bytes = puback(1).to_bytes(version).unwrap();
        assert_eq!(p.session.receive(&bytes, p.now), bytes.len());
        assert!(p.session.poll_event(p.now).is_none());
        p.connect();
        assert!(matches!(p.accept(false)[..], [Ev::Connected { .. }]));
        p.lose();
        assert_eq!(p.session.receive(&bytes, p.now), bytes.len());
        assert!(p.session.poll_event(p.now).is_none());
    }
}

/// With manual acknowledgement and a Receive Maximum below the incoming records, a QoS 1
/// resend (DUP) the server does not count takes a spare record and waits for the
/// application; without a spare one it is acknowledged at once. Either way the messages the
/// server may still send within the maximum keep their records.
#[test]
fn a_qos1_resend_takes_a_spare_record_or_is_acknowledged_at_once() {
    for version in VERSIONS {
        let mut c = persistent(version);
        c.auto_ack = false;
        c.receive_maximum = 2;
        let mut p = Peer::sized(
            c,
            Sizes {
                incoming: 3,
                ..SIZES
            },
        );
        p.connect();
        p.accept(false);
        let resend = |p: &mut Peer, id: u16| {
            let mut again = publish_in(id, QoS::AtLeastOnce, "a", "again");
            again.dup = true;
            p.send(Packet::Publish(again));
            p.events()
        };
        // One spare record: the first resend waits for the application.
        assert!(matches!(
            resend(&mut p, 7)[..],
            [Ev::Message { ack: Some(_), .. }]
        ));
        assert_eq!(p.sent(), vec![]);
        // None left beyond the maximum: the next is acknowledged at once.
        assert!(matches!(
            resend(&mut p, 8)[..],
            [Ev::Message { ack: None, .. }]
        ));
        assert_eq!(p.sent(), vec![puback(8)]);
        // The server's two messages within its maximum still get their records.
        p.send(Packet::Publish(publish_in(1, QoS::AtLeastOnce, "a", "1")));
        p.send(Packet::Publish(publish_in(2, QoS::AtLeastOnce, "a", "2")));
        assert_eq!(p.events().len(), 2);
        assert!(p.session.is_connected(), "{version:?}");
    }
}

/// [MQTT-3.1.0-1]: a new connection starts with its CONNECT. What the session wrote for
/// the last one and the application did not take (a PUBACK, the DISCONNECT) is not sent on
/// the new one.
#[test]
fn mqtt_3_1_0_1_connect_goes_first_on_a_new_connection() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let now = p.now;
        let bytes = Packet::Publish(publish_in(7, QoS::AtLeastOnce, "a", "x"))
            .to_bytes(version)
            .unwrap();
        assert_eq!(p.session.receive(&bytes, now), bytes.len());
        while p.session.poll_event(now).is_some() {}
        p.session.disconnect(now).unwrap();
        while p.session.poll_event(now).is_some() {}
        p.session.connect(now).unwrap();
        let out = p.session.poll_transmit(now).unwrap().to_vec();
        let Ok(Status::Complete((PacketRef::Connect(_), used))) =
            parse(&out, &ParseOptions::new(version))
        else {
            panic!("{version:?}: not a CONNECT first: {out:02x?}");
        };
        assert_eq!(used, out.len(), "{version:?}: something beside the CONNECT");
    }
}

/// 5.0 [MQTT-3.1.2-24]: a message in flight that the resumed server's new Maximum Packet
/// Size cannot take fails (refused, 0x95) rather than be resent, and refused, on every
/// connection.
#[test]
fn v5_a_resend_larger_than_the_new_maximum_packet_size_fails() {
    let mut p = Peer::connected(persistent(V5));
    let id = p.publish_big(QoS::AtLeastOnce);
    assert_eq!(p.sent().len(), 1);
    p.lose();
    p.connect();
    let events = p.connack(resumed_taking(64));
    assert!(
        events.contains(&Ev::PublishFailed {
            packet_id: id,
            failure: PublishFailure::Refused(ReasonCode::PacketTooLarge),
        }),
        "{events:?}"
    );
    assert_eq!(p.sent(), vec![]);
    assert_eq!(p.session.pending_publishes(), (0, 0));
}

/// A CONNECT that never left the transmit buffer (the socket did not open) cannot have made
/// a session at the server: losing that connection leaves no doubt, and the next CONNECT
/// still resumes. (Once it went out unanswered, the next one starts clean: see above.) A
/// snapshot taken while it waited keeps the doubt all the same: it may be the last one
/// taken before the CONNECT goes out and the process ends.
#[test]
fn v5_a_connect_that_never_went_out_leaves_no_doubt() {
    let mut c = config(V5);
    c.session_expiry_interval = 10;
    let mut p = Peer::connected(c.clone());
    let id = p.publish("a", QoS::ExactlyOnce).unwrap();
    p.sent();
    p.lose();
    p.now += 11_000;
    p.session.connect(p.now).unwrap();
    let mut out = vec![0u8; 4096];
    let n = p.session.snapshot(&mut out).unwrap();
    p.session.connection_lost(p.now); // the socket never opened
    p.events();
    assert!(!p.connect().clean_start, "nothing was sent to doubt");
    assert!(matches!(p.accept(true)[..], [Ev::Connected { .. }]));
    assert!(
        publish_ids(&p.sent()).contains(&id),
        "resent on the resumed session"
    );

    let mut r = Peer {
        session: FixedSession::from_snapshot(c, storage(SIZES), &out[..n]).unwrap(),
        ..Peer::new(config(V5))
    };
    assert!(r.connect().clean_start, "the snapshot kept the doubt");
}

/// `connect` while an event of the last connection waits is refused, so that the event is
/// not lost: here the Connected of a connection whose CONNACK failed two messages, lost
/// after the first report was polled.
#[test]
fn connect_while_an_event_of_the_last_connection_waits_is_refused() {
    let mut p = Peer::connected(persistent(V5));
    let a = p.publish("a", QoS::AtLeastOnce).unwrap();
    let b = p.publish("b", QoS::AtLeastOnce).unwrap();
    p.sent();
    p.lose();
    p.connect();
    let connack = Packet::ConnAck(ConnAck::new(ReasonCode::Success))
        .to_bytes(V5)
        .unwrap();
    assert_eq!(p.session.receive(&connack, p.now), connack.len());
    let first = p.session.poll_event(p.now).map(own);
    assert_eq!(first, Some(session_lost(a)));
    p.session.connection_lost(p.now);
    assert!(matches!(
        p.session.connect(p.now),
        Err(SessionError::State(_))
    ));
    let events = p.events();
    assert!(events.contains(&session_lost(b)), "{events:?}");
    assert!(
        events.iter().any(|e| matches!(e, Ev::Connected { .. })),
        "the Connected event is kept: {events:?}"
    );
    p.connect();
}
