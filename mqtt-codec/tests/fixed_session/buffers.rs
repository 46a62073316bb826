//! Buffers: receive, poll_event, poll_transmit.

use super::aliases::{aliased, aliases_in, with_alias};
use super::harness::*;

/// One conversation: CONNACK, then the server's answers to our QoS 1 and 2 PUBLISHes and
/// SUBSCRIBE, its own QoS 0, 1 and 2 PUBLISHes (5.0: one by topic alias), PUBREL and
/// PINGRESP, fed in chunks of `chunk` bytes (0: all at once), with events polled and
/// output written after each chunk. Returns the events and the packets sent.
fn conversation(version: ProtocolVersion, chunk: usize) -> (Vec<Ev>, Vec<Packet>) {
    let mut p = Peer::sized(config(version), aliases_in(2, 32));
    p.connect();
    p.accept(false);
    let q1 = p.publish("o/1", QoS::AtLeastOnce).unwrap();
    let q2 = p.publish("o/2", QoS::ExactlyOnce).unwrap();
    let s = p.subscribe("i/#", QoS::ExactlyOnce);
    p.sent();
    let mut script = vec![
        puback(q1.get()),
        pubrec(q2.get()),
        Packet::SubAck(SubAck::new(s, vec![ReasonCode::GrantedQoS2])),
        Packet::Publish(Publish::new(topic("i/0"), "zero")),
        Packet::Publish(publish_in(10, QoS::AtLeastOnce, "i/1", "one")),
        Packet::Publish(publish_in(11, QoS::ExactlyOnce, "i/2", "two")),
        pubcomp(q2.get()),
        pubrel(11),
        Packet::PingResp,
    ];
    if version.is_v5() {
        script.push(with_alias(
            publish_in(12, QoS::AtLeastOnce, "i/3", "three"),
            1,
        ));
        script.push(aliased(1));
    }
    let mut bytes = Vec::new();
    for packet in script {
        bytes.extend_from_slice(&packet.to_bytes(version).unwrap());
    }
    let size = if chunk == 0 { bytes.len() } else { chunk };
    for part in bytes.chunks(size) {
        p.send_raw(part);
    }
    (p.events(), p.sent())
}

/// Received bytes may come in any chunks, one byte at a time included: the events and what
/// is sent are the same.
#[test]
fn received_bytes_may_come_in_any_chunks() {
    for version in VERSIONS {
        let whole = conversation(version, 0);
        assert_eq!(whole.0.len(), if version.is_v5() { 8 } else { 6 });
        assert!(whole.1.contains(&pubrel(2)));
        assert!(whole.1.contains(&pubcomp(11)));
        for chunk in [1, 2, 3, 5, 7, 64] {
            assert_eq!(
                conversation(version, chunk),
                whole,
                "{version:?}, chunks of {chunk}"
            );
        }
    }
}

/// `receive` only buffers: packets are read by `poll_event`, one per event, and an answer
/// is written only as its packet is read.
#[test]
fn poll_event_reads_one_packet_at_a_time() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let mut bytes = Vec::new();
        for id in [1, 2] {
            let publish = publish_in(id, QoS::AtLeastOnce, "a", "x");
            bytes.extend_from_slice(&Packet::Publish(publish).to_bytes(version).unwrap());
        }
        assert_eq!(p.session.receive(&bytes, p.now), bytes.len());
        assert_eq!(p.sent(), vec![], "nothing read yet");
        let first = p.session.poll_event(p.now).map(own);
        assert!(
            matches!(&first, Some(Ev::Message { publish, .. }) if publish.packet_id == Some(pid(1)))
        );
        assert_eq!(p.sent(), vec![puback(1)]);
        let second = p.session.poll_event(p.now).map(own);
        assert!(
            matches!(&second, Some(Ev::Message { publish, .. }) if publish.packet_id == Some(pid(2)))
        );
        assert_eq!(p.sent(), vec![puback(2)]);
        assert!(p.session.poll_event(p.now).is_none());
    }
}

/// `receive` takes what fits the receive buffer and says so; the rest is given again after
/// polling frees room.
#[test]
fn receive_takes_what_fits_and_the_rest_after_polling() {
    for version in VERSIONS {
        let mut p = Peer::connected_sized(config(version), Sizes { rx: 48, ..SIZES });
        let mut bytes = Vec::new();
        let mut expected = Vec::new();
        for id in 1..=4u16 {
            let publish = publish_in(id, QoS::AtLeastOnce, "t/abc", "0123456789abcdef");
            bytes.extend_from_slice(&Packet::Publish(publish.clone()).to_bytes(version).unwrap());
            expected.push(message(publish));
        }
        assert!(bytes.len() > 100);
        let mut rest = &bytes[..];
        let mut events = Vec::new();
        let mut rounds = 0;
        while !rest.is_empty() {
            let taken = p.session.receive(rest, p.now);
            assert!(taken <= 48);
            if rounds == 0 {
                assert_eq!(taken, 48, "the buffer fills");
            }
            rest = &rest[taken..];
            while let Some(e) = p.session.poll_event(p.now) {
                events.push(own(e));
            }
            rounds += 1;
            assert!(rounds < 20);
        }
        while let Some(e) = p.session.poll_event(p.now) {
            events.push(own(e));
        }
        assert_eq!(events, expected);
        assert_eq!(p.sent(), vec![puback(1), puback(2), puback(3), puback(4)]);
    }
}

/// While an event that will show part of the receive buffer waits behind earlier reports
/// (`Connected` behind the failures of a lost session), `receive` takes nothing.
#[test]
fn receive_takes_nothing_while_an_event_showing_the_buffer_waits() {
    for version in VERSIONS {
        let mut p = Peer::connected(persistent(version));
        let a = p.publish("a", QoS::AtLeastOnce).unwrap();
        p.sent();
        p.lose();
        p.connect();
        let connack = Packet::ConnAck(ConnAck::new(ReasonCode::Success))
            .to_bytes(version)
            .unwrap();
        let later = Packet::Publish(publish_in(3, QoS::AtLeastOnce, "x", "later"))
            .to_bytes(version)
            .unwrap();
        assert_eq!(p.session.receive(&connack, p.now), connack.len());
        assert_eq!(p.session.poll_event(p.now).map(own), Some(session_lost(a)));
        assert_eq!(p.session.receive(&later, p.now), 0, "Connected waits");
        assert!(matches!(
            p.session.poll_event(p.now).map(own),
            Some(Ev::Connected { .. })
        ));
        assert_eq!(p.session.receive(&later, p.now), later.len());
        assert!(matches!(
            p.session.poll_event(p.now).map(own),
            Some(Ev::Message { .. })
        ));
    }
}

/// A packet larger than the receive buffer (our Maximum Packet Size) is refused: 5.0
/// DISCONNECT 0x95 Packet too large; 3.1.1 closes. One exactly as large is taken.
#[test]
fn packet_larger_than_the_receive_buffer_is_refused() {
    for version in VERSIONS {
        let publish = |n: usize| {
            Packet::Publish(Publish::with_qos(
                topic("t"),
                vec![7u8; n],
                QoS::AtLeastOnce,
                pid(1),
            ))
            .to_bytes(version)
            .unwrap()
        };
        let fits = publish(40);
        let rx = fits.len();
        let mut p = Peer::connected_sized(config(version), Sizes { rx, ..SIZES });
        p.send_raw(&fits);
        assert!(matches!(p.events()[..], [Ev::Message { .. }]));
        assert_eq!(p.sent(), vec![puback(1)]);

        let too_large = publish(41);
        assert_eq!(too_large.len(), rx + 1);
        p.send_raw(&too_large);
        p.assert_broke_rule(ReasonCode::PacketTooLarge);
    }
}

/// `poll_event` reads no packet while the transmit buffer has no room for the answer it
/// may need; after `poll_transmit` it goes on, and nothing was lost.
#[test]
fn poll_event_waits_for_transmit_room_then_continues() {
    for version in VERSIONS {
        let mut p = Peer::connected_sized(config(version), Sizes { tx: 48, ..SIZES });
        // A QoS 0 PUBLISH that leaves less than 8 bytes free.
        p.session
            .publish_message("t", &[0; 38], QoS::AtMostOnce, false, p.now)
            .unwrap();
        let bytes = Packet::Publish(publish_in(3, QoS::ExactlyOnce, "a", "x"))
            .to_bytes(version)
            .unwrap();
        assert_eq!(p.session.receive(&bytes, p.now), bytes.len());
        assert!(p.session.poll_event(p.now).is_none(), "no room to answer");
        let sent = p.sent();
        assert_eq!(sent.len(), 1);
        assert_eq!(as_publish(&sent[0]).payload.len(), 38);
        assert!(matches!(
            p.session.poll_event(p.now).map(own),
            Some(Ev::Message { .. })
        ));
        assert_eq!(p.sent(), vec![pubrec(3)]);
    }
}

/// A full transmit buffer: QoS 1 messages wait queued (not refused) and go out as
/// `poll_transmit` empties it; a QoS 0 one that does not fit is refused with
/// `TransmitFull`.
#[test]
fn a_full_transmit_buffer_queues_qos1_and_refuses_qos0() {
    for version in VERSIONS {
        let mut p = Peer::connected_sized(config(version), Sizes { tx: 48, ..SIZES });
        let ids: Vec<PacketId> = (0..4)
            .map(|_| {
                p.session
                    .publish_message("t", &[1; 20], QoS::AtLeastOnce, false, p.now)
                    .unwrap()
                    .unwrap()
            })
            .collect();
        assert!(matches!(
            p.session
                .publish_message("t", &[1; 20], QoS::AtMostOnce, false, p.now),
            Err(SessionError::TransmitFull { .. })
        ));
        assert_eq!(p.session.pending_publishes(), (1, 3), "one fits the buffer");
        assert_eq!(publish_ids(&p.sent()), ids);
    }
}

/// Time is the caller's: `next_timeout` is `None` without a connection, and nothing
/// happens in `handle_timeout` before the deadline.
#[test]
fn no_timer_without_a_connection() {
    for version in VERSIONS {
        let mut p = Peer::new(config(version));
        assert_eq!(p.session.next_timeout(), None);
        p.at(1_000_000);
        assert_eq!(p.events(), vec![]);
        assert_eq!(p.sent(), vec![]);
    }
}
