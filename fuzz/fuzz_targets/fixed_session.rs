//! The heap-free client session in tiny storage, so that every limit is hit: received bytes
//! (raw, and server packets built from the input, fed in random pieces) interleaved with
//! commands, acknowledgements, time and lost connections. Invariants: no panic; everything
//! the session sends decodes as a server would read it; what is pending fits the outgoing
//! records; each accepted QoS 1 or 2 publish ends in at most one Published or PublishFailed
//! event, and no event names an identifier that was not pending; after `handle_timeout(now)`
//! the next deadline is not in the past; a snapshot restores into the same sizes and
//! writes the same bytes; arbitrary bytes as a snapshot never panic.
#![no_main]
use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use mqtt_codec::client::{
    AliasSlot, FixedConfig, FixedEvent, FixedSession, FixedStorage, InSlot, OutSlot, PendingSlot,
};
use mqtt_codec::{
    ConnAck, Decoder, Packet, PacketId, ProtocolVersion, PubResponse, Publish, QoS, ReasonCode,
    SubAck, SubscriptionOptions, TopicName, UnsubAck,
};
use std::collections::BTreeSet;

fn id(u: &mut Unstructured) -> Result<PacketId> {
    Ok(PacketId::new(u.int_in_range(1..=4)?).unwrap())
}

fn server_packet(u: &mut Unstructured, v: ProtocolVersion) -> Result<Packet> {
    Ok(match u.int_in_range(0..=8u8)? {
        0 => {
            let mut a = ConnAck::new(ReasonCode::Success);
            a.session_present = u.arbitrary()?;
            if v.is_v5() && u.arbitrary()? {
                a.properties.receive_maximum = Some(u.int_in_range(1..=3)?);
                a.properties.maximum_packet_size = Some(u.int_in_range(8..=64)?);
                a.properties.server_keep_alive = Some(u.int_in_range(0..=5)?);
            }
            Packet::ConnAck(a)
        }
        1 => Packet::PubAck(PubResponse::new(id(u)?)),
        2 => Packet::PubRec(PubResponse::new(id(u)?)),
        3 => Packet::PubComp(PubResponse::new(id(u)?)),
        4 => Packet::PubRel(PubResponse::new(id(u)?)),
        5 => Packet::SubAck(SubAck::new(id(u)?, vec![ReasonCode::GrantedQoS1])),
        6 => Packet::UnsubAck(UnsubAck::new(
            id(u)?,
            if v.is_v5() {
                vec![ReasonCode::Success]
            } else {
                vec![]
            },
        )),
        7 => Packet::PingResp,
        _ => {
            let qos = *u.choose(&[QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])?;
            let topic = *u.choose(&["t/x", "a/long/topic/name"])?;
            let mut p = Publish::new(TopicName::new(topic).unwrap(), "m");
            p.qos = qos;
            if qos != QoS::AtMostOnce {
                p.packet_id = Some(id(u)?);
                p.dup = u.arbitrary()?;
            }
            if v.is_v5() && u.arbitrary()? {
                p.properties.topic_alias = Some(u.int_in_range(0..=3)?);
                if u.arbitrary()? {
                    p.topic = TopicName::empty_for_alias();
                }
            }
            Packet::Publish(p)
        }
    })
}

fn run(u: &mut Unstructured) -> Result<()> {
    let v = *u.choose(&[ProtocolVersion::V3_1_1, ProtocolVersion::V5])?;
    let mut config = FixedConfig::new("fz", v);
    config.clean_start = u.arbitrary()?;
    config.keep_alive = u.int_in_range(0..=5)?;
    config.max_inflight = u.int_in_range(1..=3)?;
    config.auto_ack = u.arbitrary()?;
    config.session_expiry_interval = u.int_in_range(0..=1)?;
    let mut mem = Mem::new();
    let storage = mem.storage();
    let mut s = FixedSession::new(config.clone(), storage);
    let mut server = Decoder::server();
    let mut now = 0u64;
    let mut outstanding = BTreeSet::new();
    let mut inbox: Vec<u8> = Vec::new();
    for _ in 0..u.int_in_range(1..=64)? {
        match u.int_in_range(0..=9u8)? {
            0 => {
                if s.connect(now).is_ok() {
                    server = Decoder::server();
                    inbox.clear();
                }
            }
            1 => {
                let len = u.int_in_range(0..=8)?;
                inbox.extend_from_slice(u.bytes(len)?);
            }
            2 | 3 => {
                if let Ok(bytes) = server_packet(u, v)?.to_bytes(v) {
                    inbox.extend_from_slice(&bytes);
                }
            }
            4 | 5 => {
                let qos = *u.choose(&[QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])?;
                let len = u.int_in_range(0..=20)?;
                let payload = vec![b'p'; len];
                if let Ok(Some(id)) = s.publish_message("a/b", &payload, qos, false, now) {
                    assert!(outstanding.insert(id.get()), "identifier {id} given twice");
                }
            }
            6 => {
                let _ = s.subscribe("a/#", SubscriptionOptions::new(QoS::AtLeastOnce), now);
            }
            7 => {
                let _ = s.ack(id(u)?, now);
                let _ = s.unsubscribe("a/#", now);
            }
            8 => {
                now += u64::from(u.int_in_range(0..=6000u16)?);
                s.handle_timeout(now);
                if let Some(d) = s.next_timeout() {
                    assert!(d > now || !s.is_connected(), "deadline {d} past at {now}");
                }
            }
            _ => {
                if u.arbitrary()? {
                    s.connection_lost(now);
                } else {
                    let _ = s.disconnect(now);
                }
            }
        }
        // Deliver what waits in pieces; take the events and what the session sends.
        let piece = u.int_in_range(1..=16)?;
        for _ in 0..64 {
            let take = piece.min(inbox.len());
            let taken = s.receive(&inbox[..take], now);
            inbox.drain(..taken);
            while let Some(event) = s.poll_event(now) {
                match event {
                    FixedEvent::Published { packet_id, .. }
                    | FixedEvent::PublishFailed { packet_id, .. } => {
                        assert!(
                            outstanding.remove(&packet_id.get()),
                            "an end for {packet_id}, which was not pending"
                        );
                    }
                    FixedEvent::Message { publish, .. } => {
                        assert!(!publish.topic.is_empty(), "a message without its topic");
                    }
                    _ => {}
                }
            }
            if let Some(out) = s.poll_transmit(now) {
                server.feed(out);
                loop {
                    match server.next_packet() {
                        Ok(Some(_)) => continue,
                        Ok(None) => break,
                        Err(e) => panic!("the session sent what a server cannot decode: {e}"),
                    }
                }
            }
            if taken == 0 || inbox.is_empty() {
                break;
            }
        }
        let (inflight, queued) = s.pending_publishes();
        assert!(
            inflight + queued <= 3,
            "{inflight} in flight, {queued} queued"
        );
        assert!(inflight + queued <= outstanding.len());
    }
    // A snapshot restores into storage of the same sizes and writes the same bytes again;
    // arbitrary bytes given as a snapshot are refused or restored, never a panic.
    let mut snap = [0u8; 256];
    let n = s
        .snapshot(&mut snap)
        .expect("a snapshot of tiny storage fits 256 bytes");
    let mut mem2 = Mem::new();
    let restored = FixedSession::from_snapshot(config.clone(), mem2.storage(), &snap[..n])
        .expect("a snapshot restores into storage of the same sizes");
    let mut again = [0u8; 256];
    let m = restored.snapshot(&mut again).unwrap();
    assert_eq!(&again[..m], &snap[..n]);
    let len = u.int_in_range(0..=64)?;
    let junk = u.bytes(len)?;
    let mut mem3 = Mem::new();
    let _ = FixedSession::from_snapshot(config, mem3.storage(), junk);
    Ok(())
}

/// The memory of a session in the sizes the target uses, on the stack.
struct Mem {
    outgoing: [OutSlot; 3],
    messages: [u8; 48],
    incoming: [InSlot; 2],
    pending: [PendingSlot; 1],
    aliases: [AliasSlot; 2],
    alias_topics: [u8; 20],
    rx: [u8; 40],
    tx: [u8; 48],
}

impl Mem {
    fn new() -> Self {
        Mem {
            outgoing: [OutSlot::FREE; 3],
            messages: [0; 48],
            incoming: [InSlot::FREE; 2],
            pending: [PendingSlot::FREE; 1],
            aliases: [AliasSlot::FREE; 2],
            alias_topics: [0; 20],
            rx: [0; 40],
            tx: [0; 48],
        }
    }

    fn storage(&mut self) -> FixedStorage<'_> {
        FixedStorage {
            outgoing: &mut self.outgoing,
            messages: &mut self.messages,
            incoming: &mut self.incoming,
            pending: &mut self.pending,
            aliases: &mut self.aliases,
            alias_topics: &mut self.alias_topics,
            rx: &mut self.rx,
            tx: &mut self.tx,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
