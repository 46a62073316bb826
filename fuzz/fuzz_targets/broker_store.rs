//! Damaged store records into `Broker::restore`. A store written by a scripted broker
//! (persistent sessions with subscriptions, queued and in-flight QoS 1 and 2 messages, a
//! will, retained messages) is damaged by the input: bytes flipped, records cut or dropped,
//! or records made of the input alone. Invariants: no panic; a refused store leaves the
//! broker empty; a store that restores gives a broker that serves its clients again
//! (connects, resends, ticks) and writes its changes without panicking.
#![no_main]
use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use mqtt_codec::broker::{Action, Broker, BrokerConfig, StoreChange, StoredRecord};
use mqtt_codec::{
    Connect, MqttStr, Packet, PacketId, ProtocolVersion, Publish, QoS, Subscribe, Subscription,
    SubscriptionOptions, TopicFilter, TopicName, Will,
};
use std::collections::BTreeMap;
use std::sync::OnceLock;

const WALL: u64 = 1_800_000_000_000;

/// One record: kind (0 session, 1 message, 2 retained), key, sequence number, bytes.
type Record = (u8, String, u64, Vec<u8>);

fn send(b: &mut Broker, conn: u64, p: Packet, v: ProtocolVersion, now: u64) {
    let bytes = p.to_bytes(v).expect("the script's packets encode");
    b.bytes_received(conn, &bytes, now);
}

fn connect(b: &mut Broker, conn: u64, id: &str, v: ProtocolVersion, will: bool, now: u64) {
    b.connection_opened(conn, now);
    let mut c = Connect::new(v, MqttStr::new(id).unwrap());
    c.clean_start = false;
    c.keep_alive = 0;
    if v.is_v5() {
        c.properties.session_expiry_interval = Some(600);
    }
    if will {
        let mut w = Will::new(TopicName::new("w").unwrap(), &b"gone"[..]);
        w.qos = QoS::AtLeastOnce;
        c.will = Some(w);
    }
    send(b, conn, Packet::Connect(Box::new(c)), v, now);
}

fn subscribe(b: &mut Broker, conn: u64, filter: &str, v: ProtocolVersion, now: u64) {
    let s = Subscription {
        filter: TopicFilter::new(filter).unwrap(),
        options: SubscriptionOptions::new(QoS::ExactlyOnce),
    };
    let sub = Subscribe::new(PacketId::new(1).unwrap(), vec![s]);
    send(b, conn, Packet::Subscribe(sub), v, now);
}

fn publish(b: &mut Broker, conn: u64, topic: &str, qos: QoS, retain: bool, id: u16) {
    let mut p = Publish::new(TopicName::new(topic).unwrap(), &b"payload"[..]);
    p.qos = qos;
    p.retain = retain;
    p.packet_id = PacketId::new(id);
    p.properties.message_expiry_interval = Some(30);
    send(b, conn, Packet::Publish(p), ProtocolVersion::V5, 0);
}

/// The records of a store after a short scripted run.
fn valid_store() -> &'static Vec<Record> {
    static STORE: OnceLock<Vec<Record>> = OnceLock::new();
    STORE.get_or_init(|| {
        let mut b = Broker::new(BrokerConfig::default());
        b.restore([], 0, WALL).expect("an empty store");
        let v5 = ProtocolVersion::V5;
        let v311 = ProtocolVersion::V3_1_1;
        connect(&mut b, 1, "s1", v311, false, 0);
        subscribe(&mut b, 1, "a/#", v311, 0);
        connect(&mut b, 2, "s2", v5, true, 0);
        subscribe(&mut b, 2, "a/+", v5, 0);
        connect(&mut b, 3, "p", v5, false, 0);
        publish(&mut b, 3, "a/b", QoS::AtLeastOnce, true, 1);
        publish(&mut b, 3, "a/c", QoS::ExactlyOnce, false, 2);
        b.connection_closed(1, 10);
        publish(&mut b, 3, "a/d", QoS::ExactlyOnce, true, 3);
        let mut store: BTreeMap<(u8, String, u64), Vec<u8>> = BTreeMap::new();
        for change in b.store_changes(20, WALL + 20) {
            match change {
                StoreChange::Session { client_id, record } => {
                    store.insert((0, client_id, 0), record);
                }
                StoreChange::Message {
                    client_id,
                    seq,
                    record,
                } => {
                    store.insert((1, client_id, seq), record);
                }
                StoreChange::Retained { topic, record } => {
                    store.insert((2, topic, 0), record);
                }
                _ => {}
            }
        }
        store
            .into_iter()
            .map(|((k, c, s), r)| (k, c, s, r))
            .collect()
    })
}

fn damaged(u: &mut Unstructured) -> Result<Vec<Record>> {
    let mut records = valid_store().clone();
    if u.ratio(1, 8)? {
        // Records made of the input alone.
        records.clear();
        while !u.is_empty() && records.len() < 16 {
            let kind = u.int_in_range(0..=2u8)?;
            let key = ["s1", "s2", "p", "a/b", ""][u.int_in_range(0..=4usize)?];
            let seq = u.int_in_range(0..=8u64)?;
            let len = u.int_in_range(0..=200usize)?;
            records.push((kind, key.into(), seq, u.bytes(len)?.to_vec()));
        }
        return Ok(records);
    }
    while !u.is_empty() {
        if records.is_empty() {
            break;
        }
        let i = u.choose_index(records.len())?;
        match u.int_in_range(0..=9u8)? {
            0 => {
                records.remove(i);
            }
            1 => {
                let cut = u.int_in_range(0..=records[i].3.len())?;
                records[i].3.truncate(cut);
            }
            2 => records[i].2 = u.arbitrary()?,
            3 => records[i].1 = u.arbitrary()?,
            _ => {
                let r = &mut records[i].3;
                if !r.is_empty() {
                    let at = u.choose_index(r.len())?;
                    r[at] ^= u.int_in_range(1..=255u8)?;
                }
            }
        }
    }
    Ok(records)
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(records) = damaged(&mut u) else { return };
    let view = records.iter().map(|(kind, key, seq, record)| match kind {
        0 => StoredRecord::Session {
            client_id: key,
            record,
        },
        1 => StoredRecord::Message {
            client_id: key,
            seq: *seq,
            record,
        },
        _ => StoredRecord::Retained { topic: key, record },
    });
    let mut b = Broker::new(BrokerConfig::default());
    let down = u64::from(data.first().copied().unwrap_or(0)) * 1000;
    match b.restore(view, 0, WALL + down) {
        Err(_) => {
            assert_eq!(
                b.session_count(),
                0,
                "a refused store leaves nothing behind"
            );
            assert_eq!(b.retained_count(), 0);
        }
        Ok(_) => {
            connect(&mut b, 10, "s1", ProtocolVersion::V3_1_1, false, 1);
            connect(&mut b, 11, "s2", ProtocolVersion::V5, false, 1);
            subscribe(&mut b, 11, "#", ProtocolVersion::V5, 1);
            b.tick(100_000);
            b.connection_closed(10, 100_001);
            while let Some(action) = b.poll_action() {
                if let Action::Send { data, .. } = action {
                    assert!(!data.is_empty());
                }
            }
            let _ = b.store_changes(100_002, WALL + down + 100_002);
            assert!(b.next_deadline().map_or(true, |d| d >= 100_001));
        }
    }
});
