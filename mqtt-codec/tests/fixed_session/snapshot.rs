//! Snapshots: the heap-free session's state written into a buffer and read back into new
//! storage, in the allocating session's format (either restores into the other).

use super::harness::*;
use mqtt_codec::client::{Session, SessionConfig, SnapshotError};

/// A 5.0 session with, in flight: a QoS 1 message sent, a QoS 2 one released (PUBREL sent),
/// and one queued behind a window of 2; and a QoS 2 message of the server's received.
fn busy() -> (Peer, [PacketId; 3]) {
    let mut c = persistent(V5);
    c.max_inflight = 2;
    let mut p = Peer::connected(c);
    let a = p.publish("a", QoS::AtLeastOnce).unwrap();
    let b = p.publish("b", QoS::ExactlyOnce).unwrap();
    let q = p.publish("c", QoS::AtLeastOnce).unwrap();
    p.send(pubrec(b.get()));
    assert_eq!(p.sent().len(), 3, "PUBLISH a, PUBLISH b, PUBREL b");
    p.send(Packet::Publish(publish_in(9, QoS::ExactlyOnce, "t", "x")));
    assert_eq!(p.sent(), vec![pubrec(9)]);
    assert_eq!(p.events().len(), 1);
    assert_eq!(p.session.pending_publishes(), (2, 1));
    (p, [a, b, q])
}

fn snapshot_of(p: &Peer) -> Vec<u8> {
    let mut out = vec![0u8; 4096];
    let n = p.session.snapshot(&mut out).unwrap();
    out.truncate(n);
    out
}

/// Restored and resumed, the session resends what was in flight in its first order (the
/// PUBLISH with DUP, the PUBREL), sends the queued message after as the window allows (one
/// place here, which the released flow does not hold on the new connection), and does not
/// deliver the server's QoS 2 message again ([MQTT-4.4.0-1], [MQTT-4.3.3-10]).
#[test]
fn a_restored_session_resumes_what_was_in_flight() {
    let (p, [a, b, q]) = busy();
    let bytes = snapshot_of(&p);
    let mut c = persistent(V5);
    c.max_inflight = 1;
    let mut r = Peer {
        session: FixedSession::from_snapshot(c, storage(SIZES), &bytes).unwrap(),
        ..Peer::new(persistent(V5))
    };
    assert_eq!(r.session.pending_publishes(), (2, 1));
    let connect = r.connect();
    assert!(!connect.clean_start);
    r.accept(true);
    let sent = r.sent();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0], pubrel(b.get()));
    assert!(matches!(&sent[1], Packet::Publish(p) if p.dup && p.packet_id == Some(a)));
    r.send(puback(a.get()));
    assert_eq!(r.events(), vec![published(a)]);
    assert!(matches!(&r.sent()[..], [Packet::Publish(p)] if !p.dup && p.packet_id == Some(q)));
    let mut again = publish_in(9, QoS::ExactlyOnce, "t", "x");
    again.dup = true;
    r.send(Packet::Publish(again));
    assert!(r.events().is_empty());
    assert_eq!(r.sent(), vec![pubrec(9)]);
}

/// The format is the allocating session's: each reads the other's snapshot, and the
/// restored session writes the same bytes again.
#[test]
fn snapshots_move_between_the_two_sessions() {
    let (p, _) = busy();
    let bytes = snapshot_of(&p);
    let mut sc = SessionConfig::new("c1", V5);
    sc.clean_start = false;
    sc.session_expiry_interval = 60;
    sc.max_inflight = 2;
    let alloc = Session::from_snapshot(sc, &bytes).unwrap();
    assert_eq!(alloc.pending_publishes(), (2, 1));
    let back = alloc.snapshot();
    assert_eq!(
        back, bytes,
        "the allocating session writes the same snapshot"
    );
    let mut c = persistent(V5);
    c.max_inflight = 2;
    let again = FixedSession::from_snapshot(c, storage(SIZES), &back).unwrap();
    let mut out = vec![0u8; 4096];
    let n = again.snapshot(&mut out).unwrap();
    assert_eq!(&out[..n], &bytes[..]);
}

/// A buffer too small says how large it must be; storage too small for the snapshot, a
/// snapshot of another version or cut anywhere is refused, never a panic.
#[test]
fn snapshots_that_do_not_fit_or_are_damaged_are_refused() {
    let (p, _) = busy();
    let bytes = snapshot_of(&p);
    let mut small = [0u8; 8];
    assert_eq!(
        p.session.snapshot(&mut small),
        Err(SnapshotError::BufferTooSmall {
            needed: bytes.len()
        })
    );
    let tiny = Sizes {
        outgoing: 1,
        ..SIZES
    };
    assert!(matches!(
        FixedSession::from_snapshot(persistent(V5), storage(tiny), &bytes),
        Err(SnapshotError::StorageFull(_))
    ));
    assert!(matches!(
        FixedSession::from_snapshot(persistent(V3), storage(SIZES), &bytes),
        Err(SnapshotError::Version {
            expected: 4,
            found: 5
        })
    ));
    for cut in 0..bytes.len() {
        assert!(
            FixedSession::from_snapshot(persistent(V5), storage(SIZES), &bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        FixedSession::from_snapshot(persistent(V5), storage(SIZES), &longer),
        Err(SnapshotError::Corrupt(_))
    ));
}

/// A message in a snapshot larger than the transmit buffer it is restored into (taken from
/// the allocating session, whose buffer grows, or before a firmware update that shrank it)
/// is refused with the restore: restored, it could never be sent again and would hold up
/// every message behind it.
#[test]
fn a_snapshot_message_larger_than_the_transmit_buffer_is_refused() {
    let mut c = persistent(V5);
    c.max_inflight = 2;
    let mut p = Peer::sized(c, Sizes { tx: 1024, ..SIZES });
    p.connect();
    p.accept(false);
    p.session
        .publish_message("a", &[7; 700], QoS::AtLeastOnce, false, p.now)
        .unwrap();
    p.sent();
    let bytes = snapshot_of(&p);
    assert_eq!(
        FixedSession::from_snapshot(persistent(V5), storage(SIZES), &bytes).err(),
        Some(SnapshotError::StorageFull("the transmit buffer"))
    );
    let roomy = Sizes { tx: 1024, ..SIZES };
    assert!(FixedSession::from_snapshot(persistent(V5), storage(roomy), &bytes).is_ok());
}
