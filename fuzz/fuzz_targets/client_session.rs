//! The client session: received bytes (raw, and server packets built from the input)
//! interleaved with commands, acknowledgements, time and lost connections. Invariants: no
//! panic; everything the session sends decodes as a server would read it; the pending
//! publishes stay within the queue, and within the window on each connection (flows
//! released on an earlier one hold no place in it, §4.9); after `handle_timeout(now)` the next
//! deadline is not in the past; a snapshot restores to a session that snapshots the same;
//! arbitrary bytes given as a snapshot are refused or restored, never a panic.
#![no_main]
use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use mqtt_codec::client::{Session, SessionConfig};
use mqtt_codec::{
    ConnAck, Decoder, MqttStr, Packet, PacketId, ProtocolVersion, PubResponse, Publish, QoS,
    ReasonCode, SubAck, Subscription, TopicFilter, TopicName,
};

fn id(u: &mut Unstructured) -> Result<PacketId> {
    Ok(PacketId::new(u.int_in_range(1..=4)?).unwrap())
}

fn server_packet(u: &mut Unstructured, v: ProtocolVersion) -> Result<Packet> {
    Ok(match u.int_in_range(0..=6u8)? {
        0 => {
            let mut a = ConnAck::new(ReasonCode::Success);
            a.session_present = u.arbitrary()?;
            if v.is_v5() && u.arbitrary()? {
                a.properties.receive_maximum = Some(u.int_in_range(1..=3)?);
                a.properties.topic_alias_maximum = Some(u.int_in_range(0..=2)?);
                a.properties.server_keep_alive = Some(u.int_in_range(0..=5)?);
            }
            Packet::ConnAck(a)
        }
        1 => Packet::PubAck(PubResponse::new(id(u)?)),
        2 => Packet::PubRec(PubResponse::new(id(u)?)),
        3 => Packet::PubComp(PubResponse::new(id(u)?)),
        4 => Packet::PubRel(PubResponse::new(id(u)?)),
        5 => Packet::SubAck(SubAck::new(id(u)?, vec![ReasonCode::GrantedQoS1])),
        _ => {
            let qos = *u.choose(&[QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])?;
            let mut p = Publish::new(TopicName::new("t/x").unwrap(), "m");
            p.qos = qos;
            if qos != QoS::AtMostOnce {
                p.packet_id = Some(id(u)?);
                p.dup = u.arbitrary()?;
            }
            Packet::Publish(p)
        }
    })
}

fn run(u: &mut Unstructured) -> Result<()> {
    let v = *u.choose(&[ProtocolVersion::V3_1_1, ProtocolVersion::V5])?;
    let mut config = SessionConfig::new("fz", v);
    config.clean_start = u.arbitrary()?;
    config.keep_alive = u.int_in_range(0..=5)?;
    config.max_inflight = u.int_in_range(1..=3)?;
    config.max_queued = u.int_in_range(0..=3)?;
    config.auto_ack = u.arbitrary()?;
    config.topic_alias_maximum = u.int_in_range(0..=2)?;
    config.session_expiry_interval = u.int_in_range(0..=1)?;
    let window = usize::from(config.max_inflight);
    let queue = config.max_queued;
    let mut s = Session::new(config.clone());
    let mut server = Decoder::server();
    let mut now = 0u64;
    let mut connections = 0usize;
    for _ in 0..u.int_in_range(1..=48)? {
        match u.int_in_range(0..=9u8)? {
            0 => {
                if s.connect(now).is_ok() {
                    server = Decoder::server();
                    connections += 1;
                }
            }
            1 => {
                let len = u.int_in_range(0..=8)?;
                let raw = u.bytes(len)?;
                s.receive(raw, now);
            }
            2 | 3 => {
                if let Ok(bytes) = server_packet(u, v)?.to_bytes(v) {
                    s.receive(&bytes, now);
                }
            }
            4 | 5 => {
                let qos = *u.choose(&[QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])?;
                let _ = s.publish(TopicName::new("a/b").unwrap(), "p", qos, false, now);
            }
            6 => {
                let f = TopicFilter::new("a/#").unwrap();
                let _ = s.subscribe(vec![Subscription::new(f, QoS::AtLeastOnce)], now);
            }
            7 => {
                let _ = s.ack(id(u)?, now);
                let _ = s.unsubscribe(vec![MqttStr::new("a/#").unwrap()], now);
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
        let out = s.data_to_send();
        server.feed(&out);
        loop {
            match server.next_packet() {
                Ok(Some(_)) => continue,
                Ok(None) => break,
                Err(e) => panic!("the session sent what a server cannot decode: {e}"),
            }
        }
        while s.poll_event().is_some() {}
        // Each connection puts at most a window's flows in flight; those it leaves
        // released stay until PUBCOMP beside the next connection's.
        let (inflight, queued) = s.pending_publishes();
        assert!(
            inflight <= window * connections.max(1) && queued <= queue,
            "{inflight} in flight, {queued} queued, {connections} connections"
        );
    }
    let snapshot = s.snapshot();
    let restored = Session::from_snapshot(config.clone(), &snapshot).expect("a snapshot restores");
    assert_eq!(restored.snapshot(), snapshot);
    let len = u.int_in_range(0..=64)?;
    let junk = u.bytes(len)?;
    let _ = Session::from_snapshot(config, junk);
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
