//! The broker core's cost per message beside idle clients (issue 16, "time per event"), with
//! no sockets: `N` idle clients are connected through the sans-IO core (MQTT 3.1.1, keep
//! alive 60 s, each subscribed at QoS 1 to its own `dev/<n>/cmd`), then two other clients
//! make `--messages` QoS 1 round trips: PUBLISH from the publisher, the delivery to the
//! subscriber, its PUBACK (and the publisher's PUBACK). It is driven the way the tokio loop
//! of `mqtt-codec/examples/broker` drives the core: after every event the actions are
//! drained and `Broker::next_deadline` is asked, and `tick` runs when it is due. The clock is
//! fake: 1 ms passes per round trip, so no idle client's keep alive (90 s) runs out.
//!
//! The time of each run covers only the round trips (setup excluded); each `N` is measured
//! `--rounds` times on a fresh broker, the `N`s taken in turn. Output: µs per message for
//! each `N` (the best run, as `bench_core` keeps the best loop, and the median), and the
//! best's ratio to the first `N`'s (0 by default).
//!
//! `cd benches && cargo run --release --bin broker_core_idle -- [--idle 0,10000,100000]
//! [--messages 20000] [--rounds 3] [--per-ms 1]`

use std::time::Instant;

use mqtt_codec::broker::{Action, Broker, BrokerConfig, ConnId, Millis};
use mqtt_codec::{
    Connect, MqttStr, Packet, PacketId, ProtocolVersion, Publish, QoS, Subscribe, Subscription,
    TopicFilter, TopicName,
};

const V311: ProtocolVersion = ProtocolVersion::V3_1_1;
const TOPIC: &str = "bench/qos1";

/// The broker, its fake clock, and what it sent to the two clients of the round trips.
struct Core {
    broker: Broker,
    now: Millis,
    publisher: ConnId,
    subscriber: ConnId,
    /// The packet identifier of the latest PUBLISH sent to the subscriber.
    delivered: Option<u16>,
    /// PUBACKs the publisher received.
    acked: u64,
}

impl Core {
    /// One event's aftermath, as the I/O loop does it: drain the actions, ask for the next
    /// deadline, tick when it is due.
    fn after_event(&mut self) {
        loop {
            self.drain();
            match self.broker.next_deadline() {
                Some(at) if at <= self.now => self.broker.tick(self.now),
                _ => return,
            }
        }
    }

    fn drain(&mut self) {
        while let Some(action) = self.broker.poll_action() {
            match action {
                Action::Send { conn, data } if conn == self.subscriber => {
                    if let Some(id) = publish_packet_id(&data) {
                        self.delivered = Some(id);
                    }
                }
                // PUBACK (0x40) to the publisher.
                Action::Send { conn, data }
                    if conn == self.publisher && data.first() == Some(&0x40) =>
                {
                    self.acked += 1;
                }
                Action::Close { conn } => panic!("connection {conn} closed"),
                _ => {}
            }
        }
    }

    fn event(&mut self, conn: ConnId, bytes: &[u8]) {
        self.broker.bytes_received(conn, bytes, self.now);
        self.after_event();
    }
}

/// The packet identifier of a 3.1.1 QoS 1 PUBLISH (none for anything else).
fn publish_packet_id(data: &[u8]) -> Option<u16> {
    if data.first()? & 0xF6 != 0x32 {
        return None;
    }
    // The remaining length (a Variable Byte Integer), then the topic name, then the id.
    let mut at = 1;
    while data.get(at)? & 0x80 != 0 {
        at += 1;
    }
    at += 1;
    let topic_len = usize::from(u16::from_be_bytes([*data.get(at)?, *data.get(at + 1)?]));
    at += 2 + topic_len;
    Some(u16::from_be_bytes([*data.get(at)?, *data.get(at + 1)?]))
}

fn bytes(packet: impl Into<Packet>) -> Vec<u8> {
    packet
        .into()
        .to_bytes(V311)
        .expect("the bench's packet encodes")
        .to_vec()
}

fn connect(client_id: &str, keep_alive: u16) -> Vec<u8> {
    let mut c = Connect::new(V311, MqttStr::new(client_id).expect("a valid client id"));
    c.clean_start = true;
    c.keep_alive = keep_alive;
    bytes(c)
}

fn subscribe(filter: &str) -> Vec<u8> {
    let filter = TopicFilter::new(filter).expect("a valid filter");
    bytes(Subscribe::new(
        PacketId::new(1).expect("nonzero"),
        vec![Subscription::new(filter, QoS::AtLeastOnce)],
    ))
}

/// A broker with `idle` idle clients and the two clients of the round trips, all connected.
fn setup(idle: u64) -> Core {
    let mut core = Core {
        broker: Broker::new(BrokerConfig::default()),
        now: 0,
        publisher: idle + 1,
        subscriber: idle + 2,
        delivered: None,
        acked: 0,
    };
    for n in 0..idle {
        core.broker.connection_opened(n, core.now);
        core.broker
            .bytes_received(n, &connect(&format!("idle-{n}"), 60), core.now);
        core.broker
            .bytes_received(n, &subscribe(&format!("dev/{n}/cmd")), core.now);
        core.drain();
    }
    for (conn, id) in [
        (core.publisher, "publisher"),
        (core.subscriber, "subscriber"),
    ] {
        core.broker.connection_opened(conn, core.now);
        core.after_event();
        core.event(conn, &connect(id, 60));
    }
    core.event(core.subscriber, &subscribe(TOPIC));
    assert_eq!(core.broker.connection_count() as u64, idle + 2);
    core
}

/// Microseconds per round trip over `messages` round trips beside `idle` idle clients, the
/// clock moving 1 ms every `per_ms` round trips.
fn run(idle: u64, messages: u32, per_ms: u32) -> f64 {
    let mut core = setup(idle);
    let topic = TopicName::new(TOPIC).expect("a valid topic");
    let mut publish = Publish::new(topic, vec![0x5A; 64]);
    publish.qos = QoS::AtLeastOnce;
    publish.packet_id = PacketId::new(1);
    let mut publish = bytes(publish);
    // The packet identifier is the publish's last two bytes before the payload.
    let id_at = publish.len() - 64 - 2;
    let start = Instant::now();
    let start_ms = core.now;
    for m in 0..messages {
        core.now = start_ms + u64::from(m / per_ms) + 1;
        let id = (m % 65_535 + 1) as u16;
        publish[id_at..id_at + 2].copy_from_slice(&id.to_be_bytes());
        let publisher = core.publisher;
        core.event(publisher, &publish);
        let delivered = core
            .delivered
            .take()
            .expect("the subscriber got the PUBLISH");
        let [hi, lo] = delivered.to_be_bytes();
        let puback = [0x40, 0x02, hi, lo];
        let subscriber = core.subscriber;
        core.event(subscriber, &puback);
    }
    let elapsed = start.elapsed();
    assert_eq!(
        core.acked,
        u64::from(messages),
        "every PUBLISH acknowledged"
    );
    assert_eq!(
        core.broker.stats().messages_sent,
        u64::from(messages),
        "every message delivered once"
    );
    elapsed.as_secs_f64() * 1e6 / f64::from(messages)
}

fn main() {
    let mut idle: Vec<u64> = vec![0, 10_000, 100_000];
    let mut messages: u32 = 20_000;
    let mut rounds: usize = 3;
    let mut per_ms: u32 = 1;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--idle" => {
                idle = value
                    .split(',')
                    .map(|n| n.parse().expect("--idle: numbers"))
                    .collect()
            }
            "--messages" => messages = value.parse().expect("--messages: a number"),
            "--rounds" => rounds = value.parse().expect("--rounds: a number"),
            // More round trips per fake millisecond: long runs (profiles) without the idle
            // clients' keep alive running out.
            "--per-ms" => per_ms = value.parse().expect("--per-ms: a number"),
            _ => panic!("unknown argument {arg}"),
        }
    }
    println!(
        "QoS 1 round trips through the broker core beside N idle clients: {messages} messages a run, {rounds} runs of each N taken in turn"
    );
    println!(
        "| idle clients N | µs per message (best) | median | runs | best / best at N={} |",
        idle[0]
    );
    println!("|---:|---:|---:|---|---:|");
    // Round robin over N, so that a busy moment of the machine falls on every N alike.
    let mut runs: Vec<Vec<f64>> = vec![Vec::new(); idle.len()];
    for _ in 0..rounds {
        for (i, &n) in idle.iter().enumerate() {
            runs[i].push(run(n, messages, per_ms));
        }
    }
    let mut base = None;
    for (&n, runs) in idle.iter().zip(&mut runs) {
        let shown = runs
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(", ");
        runs.sort_by(f64::total_cmp);
        let (best, median) = (runs[0], runs[runs.len() / 2]);
        let base = *base.get_or_insert(best);
        println!(
            "| {n} | {best:.2} | {median:.2} | {shown} | {:.2} |",
            best / base
        );
    }
}
