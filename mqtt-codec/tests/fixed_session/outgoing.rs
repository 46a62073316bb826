//! Our PUBLISHes.

use super::harness::*;

/// QoS 0 is sent at once or not at all: without a connection (before CONNACK too) it is
/// refused; connected, it goes out without an identifier and is not tracked.
#[test]
fn qos0_publish_needs_a_connection() {
    for version in VERSIONS {
        let mut p = Peer::new(config(version));
        assert!(matches!(
            p.session
                .publish_message("a", b"x", QoS::AtMostOnce, false, p.now),
            Err(SessionError::NotConnected)
        ));
        p.connect();
        assert!(matches!(
            p.session
                .publish_message("a", b"x", QoS::AtMostOnce, false, p.now),
            Err(SessionError::NotConnected)
        ));
        p.accept(false);
        assert_eq!(p.publish("a", QoS::AtMostOnce), None);
        let sent = p.sent();
        assert_eq!(as_publish(&sent[0]).qos, QoS::AtMostOnce);
        assert_eq!(as_publish(&sent[0]).packet_id, None);
        assert_eq!(&as_publish(&sent[0]).payload[..], b"payload");
        assert_eq!(p.session.pending_publishes(), (0, 0));
    }
}

/// QoS 1: PUBLISH with an identifier, PUBACK completes it (`Published`); a second PUBACK
/// for it, or one for an identifier never used, changes nothing.
#[test]
fn qos1_publish_completes_on_puback() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let id = p.publish("a/b", QoS::AtLeastOnce).unwrap();
        let sent = p.sent();
        let [Packet::Publish(out)] = &sent[..] else {
            panic!("{sent:?}")
        };
        assert_eq!(
            (out.qos, out.packet_id, out.dup, out.topic.as_str()),
            (QoS::AtLeastOnce, Some(id), false, "a/b")
        );
        assert_eq!(&out.payload[..], b"payload");
        assert_eq!(p.session.pending_publishes(), (1, 0));
        p.send(puback(id.get()));
        assert_eq!(p.events(), vec![published(id)]);
        assert_eq!(p.session.pending_publishes(), (0, 0));
        p.send(puback(id.get()));
        p.send(puback(id.get() + 100));
        assert_eq!(p.events(), vec![]);
        assert_eq!(p.sent(), vec![]);
        assert!(p.session.is_connected());
    }
}

/// QoS 2: PUBLISH, PUBREC answered with PUBREL (again if PUBREC comes again), PUBCOMP
/// completes it (`Published`). PUBREC alone does not.
#[test]
fn qos2_publish_completes_on_pubcomp() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let id = p.publish("a/b", QoS::ExactlyOnce).unwrap();
        let sent = p.sent();
        assert_eq!(as_publish(&sent[0]).qos, QoS::ExactlyOnce);
        assert_eq!(as_publish(&sent[0]).packet_id, Some(id));
        p.send(pubrec(id.get()));
        assert_eq!(p.sent(), vec![pubrel(id.get())]);
        assert_eq!(p.events(), vec![]);
        assert_eq!(p.session.pending_publishes(), (1, 0));
        p.send(pubrec(id.get()));
        assert_eq!(p.sent(), vec![pubrel(id.get())], "PUBREC repeated");
        p.send(pubcomp(id.get()));
        assert_eq!(p.events(), vec![published(id)]);
        assert_eq!(p.session.pending_publishes(), (0, 0));
        p.send(pubcomp(id.get()));
        assert_eq!(p.events(), vec![]);
    }
}

/// A PUBCOMP before PUBREC (the message is not released yet) does not complete it, nor
/// does a PUBACK for a QoS 2 message or a PUBREC for a QoS 1 one complete anything.
#[test]
fn acknowledgements_of_the_wrong_kind_complete_nothing() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let q2 = p.publish("a", QoS::ExactlyOnce).unwrap();
        let q1 = p.publish("b", QoS::AtLeastOnce).unwrap();
        p.sent();
        p.send(pubcomp(q2.get()));
        p.send(puback(q2.get()));
        assert_eq!(p.events(), vec![]);
        assert_eq!(p.session.pending_publishes(), (2, 0));
        p.send(pubrec(q1.get()));
        assert_eq!(p.events(), vec![]);
        assert_eq!(p.session.pending_publishes(), (2, 0));
        // The flows still complete as they should.
        p.sent();
        p.send(puback(q1.get()));
        p.send(pubrec(q2.get()));
        p.send(pubcomp(q2.get()));
        assert_eq!(p.events(), vec![published(q1), published(q2)]);
    }
}

/// 5.0: a PUBREC for an identifier we have no QoS 2 message under is answered by PUBREL
/// 0x92 Packet Identifier not found; 3.1.1 has no such code.
#[test]
fn v5_pubrec_for_an_unknown_id_is_answered_with_0x92() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        p.send(pubrec(77));
        let expected = if version.is_v5() {
            with_code(pubrel(77), ReasonCode::PacketIdentifierNotFound)
        } else {
            pubrel(77)
        };
        assert_eq!(p.sent(), vec![expected]);
        assert_eq!(p.events(), vec![]);
        assert!(p.session.is_connected());
    }
}

/// 5.0 [MQTT-4.3.3-4]: a PUBREC (or PUBACK) with a reason code of 0x80 or more ends the
/// flow: `PublishFailed(Refused)`, no PUBREL; 0x10 No matching subscribers is a success.
#[test]
fn v5_publish_refused_by_pubrec_or_puback_fails_without_pubrel() {
    let mut p = Peer::connected(config(V5));
    let q2 = p.publish("a", QoS::ExactlyOnce).unwrap();
    let q1 = p.publish("b", QoS::AtLeastOnce).unwrap();
    let ok = p.publish("c", QoS::AtLeastOnce).unwrap();
    let ok2 = p.publish("d", QoS::ExactlyOnce).unwrap();
    p.sent();
    p.send(with_code(pubrec(q2.get()), ReasonCode::NotAuthorized));
    p.send(with_code(puback(q1.get()), ReasonCode::QuotaExceeded));
    p.send(with_code(
        puback(ok.get()),
        ReasonCode::NoMatchingSubscribers,
    ));
    assert_eq!(p.sent(), vec![], "no PUBREL after a refusal");
    p.send(with_code(
        pubrec(ok2.get()),
        ReasonCode::NoMatchingSubscribers,
    ));
    assert_eq!(p.sent(), vec![pubrel(ok2.get())]);
    p.send(pubcomp(ok2.get()));
    assert_eq!(
        p.events(),
        vec![
            Ev::PublishFailed {
                packet_id: q2,
                failure: PublishFailure::Refused(ReasonCode::NotAuthorized),
            },
            Ev::PublishFailed {
                packet_id: q1,
                failure: PublishFailure::Refused(ReasonCode::QuotaExceeded),
            },
            Ev::Published {
                packet_id: ok,
                reason: ReasonCode::NoMatchingSubscribers,
            },
            published(ok2),
        ]
    );
    assert_eq!(p.session.pending_publishes(), (0, 0));
    assert!(p.session.is_connected());
}

/// 5.0: PUBCOMP 0x92 answers a PUBREL resent after a reconnect whose first PUBCOMP was
/// lost; the server had the message since its PUBREC, so it counts as published.
#[test]
fn v5_pubcomp_0x92_completes_the_flow_as_published() {
    let mut p = Peer::connected(persistent(V5));
    let id = p.publish("a", QoS::ExactlyOnce).unwrap();
    p.sent();
    p.send(pubrec(id.get()));
    assert_eq!(p.sent(), vec![pubrel(id.get())]);
    p.lose();
    p.connect();
    p.accept(true);
    assert_eq!(p.sent(), vec![pubrel(id.get())]);
    p.send(with_code(
        pubcomp(id.get()),
        ReasonCode::PacketIdentifierNotFound,
    ));
    assert_eq!(p.events(), vec![published(id)]);
}

/// The window is the smaller of the server's Receive Maximum (5.0) and `max_inflight`:
/// messages beyond it wait, and go out in order as acknowledgements free room.
#[test]
fn window_is_the_smaller_of_receive_maximum_and_max_inflight() {
    // (version, server Receive Maximum, max_inflight, expected window)
    for (version, server_rm, max_inflight, window) in [
        (V5, Some(2), 5, 2),
        (V5, Some(10), 3, 3),
        (V5, None, 2, 2),
        (V5, Some(1), 4, 1),
        (V3, None, 2, 2),
    ] {
        let mut c = config(version);
        c.max_inflight = max_inflight;
        let mut ack = ConnAck::new(ReasonCode::Success);
        ack.properties.receive_maximum = server_rm;
        let mut p = Peer::connected_with(c, ack);
        let ids: Vec<PacketId> = (0..window + 2)
            .map(|i| {
                let qos = if i % 2 == 0 {
                    QoS::AtLeastOnce
                } else {
                    QoS::ExactlyOnce
                };
                p.publish("a", qos).unwrap()
            })
            .collect();
        assert_eq!(
            publish_ids(&p.sent()),
            ids[..window].to_vec(),
            "{version:?} {server_rm:?}"
        );
        assert_eq!(p.session.pending_publishes(), (window, 2));
        // The last in flight completes first: the first waiting one goes out.
        let last = ids[window - 1];
        if (window - 1) % 2 == 0 {
            p.send(puback(last.get()));
        } else {
            p.send(pubrec(last.get()));
            assert_eq!(p.sent(), vec![pubrel(last.get())]);
            assert_eq!(p.sent(), vec![], "released still counts in the window");
            p.send(pubcomp(last.get()));
        }
        assert_eq!(publish_ids(&p.sent()), vec![ids[window]]);
        p.send(puback(ids[0].get()));
        let next = p.sent();
        if window > 1 {
            assert_eq!(publish_ids(&next), vec![ids[window + 1]]);
        } else {
            // A window of one: ids[0] was the one in flight and ids[1] went out after it.
            assert_eq!(next, vec![]);
        }
    }
}

/// A window of one keeps strictly one message in flight, the queue going out in order.
#[test]
fn a_window_of_one_sends_the_queue_in_order() {
    for version in VERSIONS {
        let mut c = config(version);
        c.max_inflight = 1;
        let mut p = Peer::connected(c);
        let ids: Vec<PacketId> = (0..5)
            .map(|_| p.publish("a", QoS::AtLeastOnce).unwrap())
            .collect();
        let mut order = Vec::new();
        for _ in 0..5 {
            let sent = publish_ids(&p.sent());
            assert_eq!(sent.len(), 1);
            order.push(sent[0]);
            p.send(puback(sent[0].get()));
        }
        assert_eq!(order, ids);
        assert_eq!(p.session.pending_publishes(), (0, 0));
    }
}

/// The outgoing records hold the window and the queue: with every one used, a QoS 1 or 2
/// publish is refused with `QueueFull` (counting the queued ones) and nothing changes; a
/// record whose completion is not polled yet still counts. QoS 0 needs no record.
#[test]
fn publish_with_every_outgoing_record_used_is_refused_with_queue_full() {
    for version in VERSIONS {
        let mut c = config(version);
        c.max_inflight = 1;
        let mut p = Peer::connected_sized(
            c,
            Sizes {
                outgoing: 3,
                ..SIZES
            },
        );
        let first = p.publish("a", QoS::AtLeastOnce).unwrap();
        p.publish("a", QoS::AtLeastOnce).unwrap();
        p.publish("a", QoS::ExactlyOnce).unwrap();
        p.sent();
        assert_eq!(
            p.session
                .publish_message("a", b"x", QoS::ExactlyOnce, false, p.now),
            Err(SessionError::QueueFull(2))
        );
        assert_eq!(p.session.pending_publishes(), (1, 2));
        assert_eq!(p.sent(), vec![]);
        assert_eq!(p.publish("a", QoS::AtMostOnce), None);
        assert_eq!(p.sent().len(), 1);

        // A PUBACK received but not read yet (no `poll_event`) frees nothing.
        p.session
            .receive(&puback(first.get()).to_bytes(version).unwrap(), p.now);
        assert_eq!(
            p.session
                .publish_message("a", b"x", QoS::AtLeastOnce, false, p.now),
            Err(SessionError::QueueFull(2))
        );
        assert_eq!(p.events(), vec![published(first)]);
        assert!(p.publish("a", QoS::AtLeastOnce).is_some());
        assert_eq!(p.session.pending_publishes(), (1, 2));
    }
}

/// The encoded PUBLISHes wait in the message area until the server has them: one that
/// does not fit what is free is refused with `StorageFull`, one larger than the whole area
/// with `StorageTooSmall`, and nothing changes.
#[test]
fn publish_larger_than_the_free_message_storage_is_refused_with_storage_full() {
    for version in VERSIONS {
        let mut p = Peer::connected_sized(
            config(version),
            Sizes {
                messages: 40,
                ..SIZES
            },
        );
        let a = p
            .session
            .publish_message("t", &[1; 20], QoS::AtLeastOnce, false, p.now)
            .unwrap()
            .unwrap();
        assert_eq!(
            p.session
                .publish_message("t", &[2; 20], QoS::AtLeastOnce, false, p.now),
            Err(SessionError::StorageFull("the message storage"))
        );
        assert!(matches!(
            p.session
                .publish_message("t", &[3; 60], QoS::ExactlyOnce, false, p.now),
            Err(SessionError::StorageTooSmall {
                what: "the message storage",
                capacity: 40,
                ..
            })
        ));
        assert_eq!(p.session.pending_publishes(), (1, 0));
        assert_eq!(p.sent().len(), 1);
        // Small ones still fit, and QoS 0 needs no storage.
        p.session
            .publish_message("t", &[4; 2], QoS::AtLeastOnce, false, p.now)
            .unwrap()
            .unwrap();
        p.session
            .publish_message("t", &[5; 100], QoS::AtMostOnce, false, p.now)
            .unwrap();
        assert_eq!(p.sent().len(), 2);
        // Acknowledged, its room is free again.
        p.send(puback(a.get()));
        assert_eq!(p.events(), vec![published(a)]);
        p.session
            .publish_message("t", &[6; 20], QoS::AtLeastOnce, false, p.now)
            .unwrap()
            .unwrap();
    }
}

/// The message area is packed when its end is full: messages freed in any order make room,
/// and the ones that moved go out (and are resent) intact.
#[test]
fn message_storage_is_packed_and_what_moved_is_sent_intact() {
    for version in VERSIONS {
        let mut c = persistent(version);
        c.max_inflight = 1;
        // Each PUBLISH below is 2 + 3 + 2 + 8 bytes (+1 for 5.0's property length).
        let frame = if version.is_v5() { 16 } else { 15 };
        let mut p = Peer::connected_sized(
            c,
            Sizes {
                messages: 3 * frame,
                ..SIZES
            },
        );
        let pay = |i: u8| [b'0' + i; 8];
        let ids: Vec<PacketId> = (0..3)
            .map(|i| {
                p.session
                    .publish_message("t", &pay(i), QoS::AtLeastOnce, false, p.now)
                    .unwrap()
                    .unwrap()
            })
            .collect();
        assert_eq!(
            p.session
                .publish_message("t", &pay(9), QoS::AtLeastOnce, false, p.now),
            Err(SessionError::StorageFull("the message storage"))
        );
        assert_eq!(publish_ids(&p.sent()), vec![ids[0]]);
        // The first (at the start of the area) is acknowledged; the second goes out.
        p.send(puback(ids[0].get()));
        let sent = p.sent();
        assert_eq!(publish_ids(&sent), vec![ids[1]]);
        assert_eq!(&as_publish(&sent[0]).payload[..], &pay(1));
        // A fourth fits only by moving the second and third down.
        let d = p
            .session
            .publish_message("t", &pay(3), QoS::AtLeastOnce, false, p.now)
            .unwrap()
            .unwrap();
        // The second, moved while in flight, is resent intact after a reconnect.
        p.lose();
        p.connect();
        p.accept(true);
        let sent = p.sent();
        assert_eq!(publish_ids(&sent), vec![ids[1]]);
        assert!(as_publish(&sent[0]).dup);
        assert_eq!(&as_publish(&sent[0]).payload[..], &pay(1));
        assert_eq!(as_publish(&sent[0]).topic, "t");
        p.send(puback(ids[1].get()));
        let sent = p.sent();
        assert_eq!(publish_ids(&sent), vec![ids[2]]);
        assert_eq!(&as_publish(&sent[0]).payload[..], &pay(2));
        assert!(!as_publish(&sent[0]).dup);
        p.send(puback(ids[2].get()));
        let sent = p.sent();
        assert_eq!(publish_ids(&sent), vec![d]);
        assert_eq!(&as_publish(&sent[0]).payload[..], &pay(3));
        p.send(puback(d.get()));
        p.events();
        assert_eq!(p.session.pending_publishes(), (0, 0));
    }
}

/// A QoS 2 message's bytes are freed at PUBREC (only the PUBREL is owed from then on):
/// another message fits in their room while the first awaits PUBCOMP.
#[test]
fn qos2_message_storage_is_freed_at_pubrec() {
    for version in VERSIONS {
        let mut p = Peer::connected_sized(
            config(version),
            Sizes {
                messages: 30,
                ..SIZES
            },
        );
        let a = p
            .session
            .publish_message("t", &[1; 20], QoS::ExactlyOnce, false, p.now)
            .unwrap()
            .unwrap();
        p.sent();
        assert!(matches!(
            p.session
                .publish_message("t", &[2; 20], QoS::AtLeastOnce, false, p.now),
            Err(SessionError::StorageFull(_))
        ));
        p.send(pubrec(a.get()));
        assert_eq!(p.sent(), vec![pubrel(a.get())]);
        let b = p
            .session
            .publish_message("t", &[2; 20], QoS::AtLeastOnce, false, p.now)
            .unwrap()
            .unwrap();
        assert_eq!(publish_ids(&p.sent()), vec![b]);
        assert_eq!(p.session.pending_publishes(), (2, 0));
    }
}

/// A PUBLISH that could never fit the transmit buffer is refused at once, as one that no
/// sending will make room for (not `TransmitFull`, which asks to send and try again).
#[test]
fn publish_larger_than_the_transmit_buffer_is_refused() {
    for version in VERSIONS {
        let mut p = Peer::connected_sized(
            config(version),
            Sizes {
                tx: 64,
                messages: 4096,
                ..SIZES
            },
        );
        for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
            match p.session.publish_message("t", &[0; 100], qos, false, p.now) {
                Err(SessionError::StorageTooSmall {
                    what: "the transmit buffer",
                    needed,
                    capacity: 64,
                }) => assert!(needed > 100),
                other => panic!("{qos:?}: {other:?}"),
            }
        }
        assert!(matches!(
            p.session
                .publish_message("t", &[0; 100], QoS::AtMostOnce, false, p.now),
            Err(SessionError::StorageTooSmall {
                what: "the transmit buffer",
                capacity: 64,
                ..
            })
        ));
        assert_eq!(p.session.pending_publishes(), (0, 0));
        assert_eq!(p.sent(), vec![]);
    }
}

/// QoS 1 and 2 published before the connection wait and go out after CONNACK, in order.
#[test]
fn publish_before_connecting_waits_for_connack() {
    for version in VERSIONS {
        let mut p = Peer::new(config(version));
        let a = p.publish("a", QoS::AtLeastOnce).unwrap();
        let b = p.publish("b", QoS::ExactlyOnce).unwrap();
        assert_eq!(p.session.pending_publishes(), (0, 2));
        assert_eq!(p.sent(), vec![], "no connection: nothing written");
        p.connect();
        let c = p.publish("c", QoS::AtLeastOnce).unwrap();
        assert_eq!(p.sent(), vec![], "nothing but CONNECT before CONNACK");
        assert!(matches!(&p.accept(false)[..], [Ev::Connected { .. }]));
        assert_eq!(publish_ids(&p.sent()), vec![a, b, c]);
        assert_eq!(p.session.pending_publishes(), (3, 0));
    }
}

/// `publish` takes a caller-built PUBLISH: its 5.0 properties go out, its DUP flag and
/// identifier are the session's; a topic alias is refused (the heap-free session sets none).
#[test]
fn publish_of_a_built_packet_keeps_its_properties_and_refuses_a_topic_alias() {
    let mut p = Peer::connected(config(V5));
    let mut built = publish_in(999, QoS::AtLeastOnce, "a/b", "hello");
    built.dup = true;
    built.retain = true;
    built
        .properties
        .user_properties
        .push(UserProperty::new("k", "v").unwrap());
    built.properties.message_expiry_interval = Some(30);
    let bytes = Packet::Publish(built).to_bytes(V5).unwrap();
    let PacketRef::Publish(v) = view(&bytes, V5) else {
        panic!()
    };
    let id = p.session.publish(v, p.now).unwrap().unwrap();
    let sent = p.sent();
    let out = as_publish(&sent[0]);
    assert_eq!(out.packet_id, Some(id));
    assert!(!out.dup, "DUP is the session's");
    assert!(out.retain);
    assert_eq!(out.properties.message_expiry_interval, Some(30));
    assert_eq!(out.properties.user_properties.len(), 1);

    let mut aliased = publish_in(1, QoS::AtMostOnce, "a/b", "x");
    aliased.properties.topic_alias = Some(1);
    let bytes = Packet::Publish(aliased).to_bytes(V5).unwrap();
    let PacketRef::Publish(v) = view(&bytes, V5) else {
        panic!()
    };
    assert!(matches!(
        p.session.publish(v, p.now),
        Err(SessionError::State(_))
    ));
    assert_eq!(p.sent(), vec![]);
}

/// A topic name that is not one (wildcards, empty) is refused before anything changes.
#[test]
fn publish_message_with_an_invalid_topic_is_refused() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        for bad in ["a/+", "#", "a\0b"] {
            let r = p
                .session
                .publish_message(bad, b"x", QoS::AtLeastOnce, false, p.now);
            assert!(matches!(r, Err(SessionError::Topic(_))), "{bad:?}: {r:?}");
        }
        // An empty name is one only with a topic alias, which this session never sets.
        for qos in [QoS::AtMostOnce, QoS::AtLeastOnce] {
            let r = p.session.publish_message("", b"x", qos, false, p.now);
            assert!(matches!(r, Err(SessionError::Encode(_))), "{r:?}");
        }
        assert_eq!(p.session.pending_publishes(), (0, 0));
        assert_eq!(p.sent(), vec![]);
    }
}
