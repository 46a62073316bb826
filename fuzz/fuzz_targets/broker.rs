//! Sequences of packets from several clients into the sans-IO `Broker`, with a fake clock.
//! Invariants: no panic; every `Send` decodes, completely and without error, as packets a
//! client of that connection's version may receive, and fits the client's Maximum Packet
//! Size; nothing is sent to a connection after its `Close`; the connection count matches
//! the connections opened and not closed; sessions never outnumber the client identifiers
//! used (plus assigned ones); after `tick(now)` no deadline is in the past.
#![no_main]
use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use mqtt_codec::broker::{Action, Broker, BrokerConfig};
use mqtt_codec::{
    Decoder, MqttStr, Packet, PacketType, ProtocolVersion, QoS, Subscribe, Subscription,
    TopicFilter, TopicName, Unsubscribe,
};
use mqtt_codec_fuzz as g;
use std::collections::{BTreeMap, BTreeSet};

const CONNS: u64 = 4;
const CLIENT_IDS: &[&str] = &["a", "b", "c", ""];
const TOPICS: &[&str] = &["a", "a/b", "a/b/c", "b", "$SYS/x", "/"];
const FILTERS: &[&str] = &[
    "#",
    "a/+",
    "a/b",
    "+/b",
    "a/#",
    "$SYS/#",
    "$share/g/a/#",
    "+",
];

#[derive(Default)]
struct Conn {
    open: bool,
    closed_by_broker: bool,
    /// The version of the CONNECT this harness sent first, if it did.
    version: Option<ProtocolVersion>,
    fed_anything: bool,
    max_packet: Option<u32>,
}

fn client_packet(u: &mut Unstructured, v: ProtocolVersion) -> Result<Packet> {
    Ok(match u.int_in_range(0..=9u8)? {
        0 | 1 => {
            let mut p = g::publish(u, v)?;
            if u.ratio(3, 4)? {
                p.topic = TopicName::new(u.choose(TOPICS)?).unwrap();
                p.properties.topic_alias = if v.is_v5() && u.ratio(1, 4)? {
                    Some(u.int_in_range(1..=12)?)
                } else {
                    None
                };
            }
            p.properties.subscription_identifiers.clear();
            Packet::Publish(p)
        }
        2 | 3 => {
            let n = u.int_in_range(1..=3)?;
            let mut subs = Vec::new();
            for _ in 0..n {
                let f = u.choose(FILTERS)?;
                let f = if !v.is_v5() && f.starts_with("$share") {
                    "a/#"
                } else {
                    f
                };
                subs.push(Subscription::new(
                    TopicFilter::new(f).unwrap(),
                    *u.choose(&[QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])?,
                ));
            }
            let mut s = Subscribe::new(g::packet_id(u)?, subs);
            if v.is_v5() && u.ratio(1, 4)? {
                s.properties
                    .subscription_identifiers
                    .push(u.int_in_range(1..=5)?);
            }
            Packet::Subscribe(s)
        }
        4 => Packet::Unsubscribe(Unsubscribe::new(
            g::packet_id(u)?,
            vec![MqttStr::new(u.choose(FILTERS)?).unwrap()],
        )),
        5 => Packet::PubAck(g::pub_response(u, v, PacketType::PubAck)?),
        6 => Packet::PubRec(g::pub_response(u, v, PacketType::PubRec)?),
        7 => Packet::PubRel(g::pub_response(u, v, PacketType::PubRel)?),
        8 => Packet::PingReq,
        _ => {
            let t = *u.choose(&g::packet_types(v))?;
            g::packet_of(u, v, t)?
        }
    })
}

fn check_send(conn: u64, c: &Conn, data: &[u8]) {
    assert!(c.open, "Send to connection {conn} which is not open");
    // CONNACK is exempt: it answers the CONNECT that announced the limit (see fuzz/README.md).
    if let (Some(max), false) = (c.max_packet, data.first() == Some(&0x20)) {
        // Each Send is one encoded packet.
        assert!(
            data.len() <= max as usize,
            "Send of {} bytes to {conn} over its Maximum Packet Size {max}",
            data.len()
        );
    }
    let versions: Vec<ProtocolVersion> = match c.version {
        Some(v) => vec![v],
        None => g::VERSIONS.to_vec(),
    };
    let ok = versions.iter().any(|&v| {
        let mut d = Decoder::client(v);
        d.feed(data);
        let mut n = 0;
        loop {
            match d.next_packet() {
                Ok(Some(_)) => n += 1,
                Ok(None) => break n > 0 && d.buffered() == 0,
                Err(_) => break false,
            }
        }
    });
    assert!(
        ok,
        "Send to {conn} ({:?}) does not decode as packets for a client: {}",
        c.version,
        g::to_hex(data)
    );
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let mut config = BrokerConfig::default();
    config.max_packet_size = 4096;
    config.max_queued = 8;
    config.receive_maximum = u.int_in_range(1..=4).unwrap_or(2);
    config.topic_alias_maximum = u.int_in_range(0..=4).unwrap_or(2);
    config.retain_available = u.arbitrary().unwrap_or(true);
    let mut broker = Broker::new(config);
    let mut conns: BTreeMap<u64, Conn> = BTreeMap::new();
    let mut ids_used: BTreeSet<String> = BTreeSet::new();
    let mut now: u64 = 0;
    let mut steps = 0;
    while !u.is_empty() && steps < 64 {
        steps += 1;
        let Ok(op) = u.int_in_range(0..=9u8) else {
            break;
        };
        let Ok(id) = u.int_in_range(1..=CONNS) else {
            break;
        };
        let mut ticked = false;
        match op {
            0 => {
                let c = conns.entry(id).or_default();
                if !c.open {
                    *c = Conn {
                        open: true,
                        ..Conn::default()
                    };
                    broker.connection_opened(id, now);
                }
            }
            1 | 2 => {
                // A CONNECT.
                let Ok(v) = g::version(&mut u) else { break };
                let Ok(mut connect) = g::connect(&mut u, v) else {
                    break;
                };
                let Ok(cid) = u.choose(CLIENT_IDS) else { break };
                if !(v == ProtocolVersion::V3_1 && cid.is_empty()) {
                    connect.client_id = MqttStr::new(cid).unwrap();
                }
                if v == ProtocolVersion::V3_1_1 && connect.client_id.is_empty() {
                    connect.clean_start = true;
                }
                ids_used.insert(connect.client_id.as_str().to_string());
                let Some(c) = conns.get_mut(&id) else {
                    continue;
                };
                if !c.open {
                    continue;
                }
                if !c.fed_anything {
                    c.version = Some(v);
                    c.max_packet = connect.properties.maximum_packet_size;
                }
                c.fed_anything = true;
                let bytes = Packet::from(connect)
                    .to_bytes(v)
                    .expect("valid CONNECT encodes");
                broker.bytes_received(id, &bytes, now);
            }
            3..=5 => {
                let Some(c) = conns.get_mut(&id) else {
                    continue;
                };
                if !c.open {
                    continue;
                }
                let v = c.version.unwrap_or(ProtocolVersion::V3_1_1);
                let Ok(p) = client_packet(&mut u, v) else {
                    break;
                };
                let Ok(bytes) = p.to_bytes(v) else { continue };
                c.fed_anything = true;
                // Sometimes split in two chunks.
                let cut = u.int_in_range(0..=bytes.len()).unwrap_or(0);
                broker.bytes_received(id, &bytes[..cut], now);
                broker.bytes_received(id, &bytes[cut..], now);
            }
            6 => {
                let Some(c) = conns.get_mut(&id) else {
                    continue;
                };
                let n = u.int_in_range(0..=16usize).unwrap_or(0);
                let Ok(raw) = u.bytes(n) else { break };
                if c.open && !raw.is_empty() {
                    if !c.fed_anything {
                        c.version = None;
                    }
                    c.fed_anything = true;
                    broker.bytes_received(id, raw, now);
                }
            }
            7 => {
                if let Some(c) = conns.get_mut(&id) {
                    if c.open {
                        broker.connection_closed(id, now);
                        c.open = false;
                    }
                }
            }
            _ => {
                let Ok(dt) = u.int_in_range(0..=120_000u64) else {
                    break;
                };
                now += dt;
                broker.tick(now);
                ticked = true;
            }
        }
        let mut closed_now = BTreeSet::new();
        while let Some(action) = broker.poll_action() {
            match action {
                Action::Send { conn, data } => {
                    let c = conns.get(&conn).expect("Send to a connection never opened");
                    assert!(
                        !closed_now.contains(&conn),
                        "Send to {conn} after its Close"
                    );
                    check_send(conn, c, &data);
                }
                Action::Close { conn } => {
                    let c = conns
                        .get_mut(&conn)
                        .expect("Close of a connection never opened");
                    c.open = false;
                    c.closed_by_broker = true;
                    closed_now.insert(conn);
                }
                Action::PauseReading { conn } | Action::ResumeReading { conn } => {
                    let c = conns
                        .get(&conn)
                        .expect("flow control of a connection never opened");
                    assert!(c.open, "flow control of closed connection {conn}");
                }
                Action::Log { .. } => {}
                other => panic!("unknown action {other:?}"),
            }
        }
        // Flow control never leaves a connection paused once the backlog is down to half.
        if broker.backlog() <= broker.config().max_backlog / 2 {
            for (&id, c) in &conns {
                assert!(
                    !(c.open && broker.is_reading_paused(id)),
                    "connection {id} paused with a backlog of {}",
                    broker.backlog()
                );
            }
        }
        let open = conns.values().filter(|c| c.open).count();
        assert_eq!(broker.connection_count(), open, "connection count");
        assert!(
            broker.session_count() <= ids_used.len() + broker.stats().connections as usize,
            "{} sessions for {} client ids",
            broker.session_count(),
            ids_used.len()
        );
        if ticked {
            if let Some(d) = broker.next_deadline() {
                assert!(d > now, "deadline {d} already past after tick({now})");
            }
        }
    }
});
