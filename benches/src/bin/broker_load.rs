//! Broker load benchmark: our reference broker and Debian's mosquitto, in the same run, loaded
//! by rumqttc (a client library nobody here wrote) over loopback.
//!
//! ```text
//! cargo run --release -p mqtt-codec-benches --bin broker_load -- [--broker-bin PATH]
//!     [--mosquitto PATH] [--messages N] [--rate N,...] [--clients N] [--inflight N] ...
//! ```
//!
//! Scenarios, each against each broker (a fresh broker process per run, on 127.0.0.1 and a
//! free port, the two brokers back to back so that drift on the machine hits both):
//!
//! - fan-in: `--clients` publishers, one subscriber;
//! - fan-out: one publisher, `--clients` subscribers;
//!
//! at QoS 0 and QoS 1 (the same QoS for PUBLISH and SUBSCRIBE), MQTT 3.1.1, 64-byte payloads
//! that carry the publisher, a sequence number and the send time, under two kinds of load:
//!
//! - flood: every publisher sends `--messages` as fast as rumqttc takes them (its request
//!   channel and in-flight window are the only back-pressure): saturation throughput, where
//!   latency is mostly time spent in queues;
//! - paced: a fixed rate of deliveries per second (each `--rate`), the same for both brokers,
//!   each message stamped with its due time: latency under a given load.
//!
//! Printed per run: messages per second received (unique deliveries over the time from the
//! first publish to the last delivery), p50 and p99 latency (publish to delivery), messages
//! lost (expected unique deliveries not seen when the run ends: all of them arrived, or none
//! arrived for `--stall-secs`), duplicates, the broker's peak memory (VmHWM, read from /proc
//! before it is stopped) and the CPU time it used; then the ratios ours / mosquitto.
//!
//! Both brokers get the same settings: Nagle's algorithm off (ours always; mosquitto
//! `set_tcp_nodelay true`), the same QoS 1 in-flight window towards clients (our
//! `--receive-maximum`, mosquitto `max_inflight_messages`) and a queue limit above the run's
//! message count (our `--max-queued`, mosquitto `max_queued_messages`), so neither drops.

use bytes::{BufMut, Bytes, BytesMut};
use mqtt_codec_benches::broker_process::{cpu_secs_of, flag_pairs, free_port, wait_listening};
use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

const PAYLOAD_LEN: usize = 64;
const TOPIC: &str = "bench/load";

/// Every timestamp is nanoseconds since this instant.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_ns() -> u64 {
    u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(u64::MAX)
}

struct Options {
    broker_bin: PathBuf,
    mosquitto: PathBuf,
    messages: u64,
    rates: Vec<u64>,
    paced_secs: u64,
    clients: usize,
    inflight: u16,
    stall: Duration,
    log_dir: PathBuf,
    /// Both brokers keep their state on disk, and the clients have persistent sessions.
    persistence: bool,
    qos: Vec<QoS>,
    /// Idle devices connected (each subscribed to its own topic) before each run.
    idle: usize,
}

fn usage() -> ! {
    eprintln!(
        "usage: broker_load [--broker-bin PATH] [--mosquitto PATH] [--messages N] [--rate N,...]\n\
         \x20                  [--paced-secs S] [--clients N] [--inflight N] [--stall-secs S]\n\
         \x20                  [--log-dir DIR]\n\
         \n\
         --broker-bin PATH  our broker (default target/release/examples/broker)\n\
         --mosquitto PATH   mosquitto (default /usr/sbin/mosquitto)\n\
         --messages N       flood runs: messages per publisher (default 20000)\n\
         --rate N,...       paced runs: deliveries per second over all subscribers, one\n\
         \x20                  run per rate (default 20000,50000; 0: no paced runs)\n\
         --paced-secs S     paced runs: how long the publishers publish (default 5)\n\
         --clients N        publishers in fan-in, subscribers in fan-out (default 32)\n\
         --inflight N       QoS 1 in-flight window: rumqttc's, our --receive-maximum and\n\
         \x20                  mosquitto's max_inflight_messages (default 100)\n\
         --stall-secs S     end a run after S seconds without a delivery (default 5)\n\
         --log-dir DIR      brokers' logs and mosquitto's config (default target/broker_load)\n\
         --persistence B    true: both brokers persist (ours --persistence, mosquitto persistence\n\
         \x20                  true) into a fresh directory per run, and every client has a\n\
         \x20                  persistent session (clean session 0)\n\
         --qos 0,1          the QoS levels to run (default both)\n\
         --idle N           before each run, N idle devices connect (3.1.1, no keep alive)\n\
         \x20                  and each subscribes at QoS 1 to its own dev/<n>/cmd (default 0)"
    );
    std::process::exit(2)
}

fn parse_options() -> Options {
    let mut opts = Options {
        broker_bin: PathBuf::from("target/release/examples/broker"),
        mosquitto: PathBuf::from("/usr/sbin/mosquitto"),
        messages: 20000,
        rates: vec![20000, 50000],
        paced_secs: 5,
        clients: 32,
        inflight: 100,
        stall: Duration::from_secs(5),
        log_dir: PathBuf::from("target/broker_load"),
        persistence: false,
        qos: vec![QoS::AtMostOnce, QoS::AtLeastOnce],
        idle: 0,
    };
    for (flag, value) in flag_pairs(usage) {
        let number = || value.parse::<u64>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--broker-bin" => opts.broker_bin = PathBuf::from(&value),
            "--mosquitto" => opts.mosquitto = PathBuf::from(&value),
            "--messages" => opts.messages = number().max(1),
            "--rate" => {
                opts.rates = value
                    .split(',')
                    .map(|r| r.trim().parse::<u64>().unwrap_or_else(|_| usage()))
                    .filter(|&r| r > 0)
                    .collect();
            }
            "--paced-secs" => opts.paced_secs = number().max(1),
            "--clients" => opts.clients = usize::try_from(number().max(1)).unwrap_or(1),
            "--inflight" => opts.inflight = u16::try_from(number().clamp(1, 65535)).unwrap_or(1),
            "--stall-secs" => opts.stall = Duration::from_secs(number().max(1)),
            "--log-dir" => opts.log_dir = PathBuf::from(&value),
            "--idle" => opts.idle = usize::try_from(number()).unwrap_or(0),
            "--persistence" => opts.persistence = value.parse().unwrap_or_else(|_| usage()),
            "--qos" => {
                opts.qos = value
                    .split(',')
                    .map(|q| match q.trim() {
                        "0" => QoS::AtMostOnce,
                        "1" => QoS::AtLeastOnce,
                        _ => usage(),
                    })
                    .collect();
            }
            _ => usage(),
        }
    }
    opts
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BrokerKind {
    Ours,
    Mosquitto,
}

impl BrokerKind {
    fn name(self) -> &'static str {
        match self {
            BrokerKind::Ours => "mqtt-codec broker",
            BrokerKind::Mosquitto => "mosquitto",
        }
    }
    fn tag(self) -> &'static str {
        match self {
            BrokerKind::Ours => "ours",
            BrokerKind::Mosquitto => "mosquitto",
        }
    }
}

#[derive(Clone, Copy)]
enum Shape {
    FanIn,
    FanOut,
}

impl Shape {
    fn name(self, clients: usize) -> String {
        match self {
            Shape::FanIn => format!("fan-in {clients}→1"),
            Shape::FanOut => format!("fan-out 1→{clients}"),
        }
    }
    fn tag(self) -> &'static str {
        match self {
            Shape::FanIn => "fanin",
            Shape::FanOut => "fanout",
        }
    }
}

/// How hard the publishers push.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Load {
    /// Every publisher as fast as it can: saturation throughput (latency is then queueing).
    Flood,
    /// A fixed rate of deliveries per second, the same for both brokers: latency under load.
    Paced(u64),
}

impl Load {
    fn name(self) -> String {
        match self {
            Load::Flood => "flood".into(),
            Load::Paced(rate) => format!("paced {rate}/s"),
        }
    }
}

/// A broker process we started.
struct Broker {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Broker {
    fn start(
        kind: BrokerKind,
        opts: &Options,
        run: &str,
        max_queued: u64,
    ) -> Result<Broker, String> {
        std::fs::create_dir_all(&opts.log_dir).map_err(|e| format!("{:?}: {e}", opts.log_dir))?;
        let port = free_port()?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let log = opts.log_dir.join(format!("{run}.log"));
        let log_file = std::fs::File::create(&log).map_err(|e| format!("{log:?}: {e}"))?;
        let store = opts.log_dir.join(format!("{run}.store"));
        if opts.persistence {
            let _ = std::fs::remove_dir_all(&store);
            std::fs::create_dir_all(&store).map_err(|e| format!("{store:?}: {e}"))?;
        }
        let stderr = log_file.try_clone().map_err(|e| e.to_string())?;
        let mut command = match kind {
            BrokerKind::Ours => {
                let mut c = Command::new(&opts.broker_bin);
                c.arg("--listen")
                    .arg(addr.to_string())
                    .arg("--max-queued")
                    .arg(max_queued.to_string())
                    .arg("--receive-maximum")
                    .arg(opts.inflight.to_string())
                    .arg("--log-level")
                    .arg("warn");
                if opts.persistence {
                    c.arg("--persistence").arg(&store);
                }
                c
            }
            BrokerKind::Mosquitto => {
                let conf = opts.log_dir.join(format!("{run}.conf"));
                let mut text = format!(
                    "listener {port} 127.0.0.1\n\
                     allow_anonymous true\n\
                     max_queued_messages {max_queued}\n\
                     max_inflight_messages {}\n\
                     set_tcp_nodelay true\n",
                    opts.inflight
                );
                if opts.persistence {
                    // mosquitto saves its in-memory state on an interval (autosave, 30 min
                    // by default) and at exit, not per message.
                    text.push_str(&format!(
                        "persistence true\npersistence_location {}/\n",
                        store.display()
                    ));
                }
                std::fs::write(&conf, text).map_err(|e| format!("{conf:?}: {e}"))?;
                let mut c = Command::new(&opts.mosquitto);
                c.arg("-c").arg(&conf);
                c
            }
        };
        let child = command
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", kind.name()))?;
        let mut broker = Broker { child, addr, log };
        // On failure `broker` is dropped here, which stops the process.
        wait_listening(&mut broker.child, addr, Duration::from_secs(10))
            .map_err(|e| format!("{} {e}; see {:?}", kind.name(), broker.log))?;
        Ok(broker)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak resident memory (VmHWM) in KiB, while the process still runs.
    fn peak_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// User plus system CPU time so far, in seconds.
    fn cpu_secs(&self) -> Option<f64> {
        cpu_secs_of(&format!("/proc/{}/stat", self.pid()))
    }

    /// Context switches (voluntary and not) over all the process's threads so far: how
    /// often it slept and woke, a proxy for how well it batches.
    fn context_switches(&self) -> Option<u64> {
        let mut total = 0;
        for task in std::fs::read_dir(format!("/proc/{}/task", self.pid())).ok()? {
            let status = std::fs::read_to_string(task.ok()?.path().join("status")).ok()?;
            for line in status.lines() {
                if line.starts_with("voluntary_ctxt_switches:")
                    || line.starts_with("nonvoluntary_ctxt_switches:")
                {
                    total += line.split_whitespace().nth(1)?.parse::<u64>().ok()?;
                }
            }
        }
        Some(total)
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
    }
}

fn payload(publisher: u32, seq: u32, sent_ns: u64) -> Bytes {
    let mut buf = BytesMut::with_capacity(PAYLOAD_LEN);
    buf.put_u32(publisher);
    buf.put_u32(seq);
    buf.put_u64(sent_ns);
    buf.resize(PAYLOAD_LEN, b'x');
    buf.freeze()
}

/// What one subscriber saw.
struct SubStats {
    latencies_ns: Vec<u64>,
    unique: u64,
    duplicates: u64,
    last_ns: u64,
    error: Option<String>,
}

fn mqtt_options(id: String, addr: SocketAddr, inflight: u16, clean: bool) -> MqttOptions {
    let mut o = MqttOptions::new(id, addr.ip().to_string(), addr.port());
    o.set_keep_alive(Duration::from_secs(60));
    o.set_clean_session(clean);
    o.set_inflight(inflight);
    o
}

/// A rumqttc client with Nagle's algorithm off, as both brokers have it (ours always,
/// mosquitto with `set_tcp_nodelay true`): the load generator must not add its own delay.
fn client(options: MqttOptions) -> (AsyncClient, EventLoop) {
    let (client, mut eventloop) = AsyncClient::new(options, 16);
    let mut network = eventloop.network_options();
    network.set_tcp_nodelay(true);
    eventloop.set_network_options(network);
    (client, eventloop)
}

/// Polls until CONNACK, then until SUBACK if `subscribed` is set, or fails.
async fn connect(eventloop: &mut EventLoop, want_suback: bool) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut connected = false;
    loop {
        let event = tokio::time::timeout_at(deadline, eventloop.poll())
            .await
            .map_err(|_| "timed out connecting".to_string())?
            .map_err(|e| format!("connect: {e}"))?;
        match event {
            Event::Incoming(Packet::ConnAck(_)) => {
                connected = true;
                if !want_suback {
                    return Ok(());
                }
            }
            Event::Incoming(Packet::SubAck(_)) if connected => return Ok(()),
            _ => {}
        }
    }
}

/// One subscriber, already subscribed: records deliveries until told to stop.
async fn subscriber(
    mut eventloop: EventLoop,
    publishers: usize,
    messages: u64,
    progress: Arc<AtomicU64>,
    mut stop: watch::Receiver<bool>,
) -> SubStats {
    let total = publishers as u64 * messages;
    let mut seen = vec![false; usize::try_from(total).unwrap_or(0)];
    let mut stats = SubStats {
        latencies_ns: Vec::with_capacity(seen.len()),
        unique: 0,
        duplicates: 0,
        last_ns: 0,
        error: None,
    };
    loop {
        let event = tokio::select! {
            biased;
            _ = stop.changed() => break,
            event = eventloop.poll() => event,
        };
        match event {
            Ok(Event::Incoming(Packet::Publish(p))) => {
                let now = now_ns();
                let b = &p.payload[..];
                if b.len() < 16 {
                    continue;
                }
                let publisher = u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                let seq = u64::from(u32::from_be_bytes([b[4], b[5], b[6], b[7]]));
                let sent =
                    u64::from_be_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]);
                let index = publisher * messages + seq;
                match seen.get_mut(usize::try_from(index).unwrap_or(usize::MAX)) {
                    Some(slot) if !*slot => {
                        *slot = true;
                        stats.unique += 1;
                        stats.last_ns = now;
                        stats.latencies_ns.push(now.saturating_sub(sent));
                        progress.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => stats.duplicates += 1,
                }
            }
            Ok(_) => {}
            Err(e) => {
                stats.error = Some(e.to_string());
                break;
            }
        }
    }
    stats
}

/// When a publisher sends.
#[derive(Clone, Copy)]
enum Pace {
    /// As fast as rumqttc takes the messages; each stamped with the time it is handed over.
    Flood,
    /// Message `seq` is due at `start_ns + seq * period_ns` and stamped with that due time,
    /// so that a publisher held back by the broker does not hide the delay.
    Every { start_ns: u64, period_ns: u64 },
}

/// One publisher: sends `messages` at its pace, then keeps its event loop polled (so QoS 1
/// PUBACKs are processed) until told to stop. Returns an error if any.
#[allow(clippy::too_many_arguments)]
async fn publisher(
    client: AsyncClient,
    mut eventloop: EventLoop,
    id: u32,
    messages: u64,
    qos: QoS,
    pace: Pace,
    first_send: Arc<AtomicU64>,
    mut stop: watch::Receiver<bool>,
) -> Option<String> {
    let send = async move {
        for seq in 0..messages {
            let sent = match pace {
                Pace::Flood => now_ns(),
                Pace::Every {
                    start_ns,
                    period_ns,
                } => {
                    let due = start_ns + seq * period_ns;
                    let now = now_ns();
                    if due > now {
                        tokio::time::sleep(Duration::from_nanos(due - now)).await;
                    }
                    due
                }
            };
            let p = payload(id, u32::try_from(seq).unwrap_or(u32::MAX), sent);
            if seq == 0 {
                first_send.fetch_min(sent, Ordering::Relaxed);
            }
            if let Err(e) = client.publish_bytes(TOPIC, qos, false, p).await {
                return Some(format!("publish: {e}"));
            }
        }
        // Keep the client (and so the request channel) alive until the run ends.
        std::future::pending::<()>().await;
        drop(client);
        None
    };
    let poll = async move {
        loop {
            tokio::select! {
                biased;
                _ = stop.changed() => return None,
                event = eventloop.poll() => if let Err(e) = event {
                    return Some(format!("publisher event loop: {e}"));
                },
            }
        }
    };
    tokio::pin!(send);
    tokio::pin!(poll);
    tokio::select! {
        err = &mut send => err,
        err = &mut poll => err,
    }
}

struct RunResult {
    broker: BrokerKind,
    shape: Shape,
    qos: QoS,
    load: Load,
    expected: u64,
    unique: u64,
    duplicates: u64,
    msgs_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    peak_kib: Option<u64>,
    cpu_secs: Option<f64>,
    context_switches: Option<u64>,
    wall_secs: f64,
    notes: Vec<String>,
}

/// `n` idle devices: each connects (MQTT 3.1.1, clean session, keep alive 0, so the broker
/// never times it out), subscribes at QoS 1 to its own `dev/<i>/cmd`, the usual device
/// shape, and then says nothing. The sockets are returned to be held.
async fn idle_clients(addr: SocketAddr, n: usize) -> Result<Vec<tokio::net::TcpStream>, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut held = Vec::with_capacity(n);
    for i in 0..n {
        let fail = |e: std::io::Error| format!("idle client {i}: {e}");
        let mut socket = tokio::net::TcpStream::connect(addr).await.map_err(fail)?;
        let (id, filter) = (format!("idle-{i}"), format!("dev/{i}/cmd"));
        // Both packets are under 128 bytes: one-byte remaining lengths.
        let mut connect = vec![0, 4, b'M', b'Q', b'T', b'T', 4, 0x02, 0, 0];
        connect.extend_from_slice(&(id.len() as u16).to_be_bytes());
        connect.extend_from_slice(id.as_bytes());
        let mut subscribe = vec![0, 1];
        subscribe.extend_from_slice(&(filter.len() as u16).to_be_bytes());
        subscribe.extend_from_slice(filter.as_bytes());
        subscribe.push(1);
        let mut out = vec![0x10, connect.len() as u8];
        out.extend(connect);
        out.extend([0x82, subscribe.len() as u8]);
        out.extend(subscribe);
        socket.write_all(&out).await.map_err(fail)?;
        // CONNACK (20 02 00 00), then SUBACK (90 03 00 01 01).
        let mut answer = [0u8; 9];
        socket.read_exact(&mut answer).await.map_err(fail)?;
        if answer[..4] != [0x20, 0x02, 0x00, 0x00] || answer[4] != 0x90 || answer[8] != 1 {
            return Err(format!("idle client {i}: refused: {answer:02x?}"));
        }
        held.push(socket);
    }
    Ok(held)
}

async fn run_one(
    kind: BrokerKind,
    shape: Shape,
    qos: QoS,
    load: Load,
    opts: &Options,
) -> Result<RunResult, String> {
    let qos_n = qos as u8;
    let clients = opts.clients as u64;
    // Every run has `clients` deliveries per message slot: fan-in `clients` publishers to one
    // subscriber, fan-out one publisher to `clients` subscribers.
    let (messages, period_ns) = match load {
        Load::Flood => (opts.messages, 0),
        Load::Paced(rate) => (
            (rate * opts.paced_secs / clients).max(1),
            1_000_000_000 * clients / rate.max(1),
        ),
    };
    let run = format!(
        "{}-{}-qos{qos_n}-{}",
        kind.tag(),
        shape.tag(),
        match load {
            Load::Flood => "flood",
            Load::Paced(_) => "paced",
        }
    );
    // Large enough that neither broker drops a QoS 1 message of the run for lack of room.
    let max_queued = (messages * clients * 2).max(1000);
    let mut broker = Broker::start(kind, opts, &run, max_queued)?;
    let addr = broker.addr;
    // Held until the run ends.
    let _idle = idle_clients(addr, opts.idle).await?;
    let (publishers, subscribers) = match shape {
        Shape::FanIn => (opts.clients, 1),
        Shape::FanOut => (1, opts.clients),
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let progress = Arc::new(AtomicU64::new(0));
    let first_send = Arc::new(AtomicU64::new(u64::MAX));

    // Subscribers first, each subscribed before any publisher starts.
    let mut sub_tasks: Vec<JoinHandle<SubStats>> = Vec::new();
    for i in 0..subscribers {
        let o = mqtt_options(
            format!("{run}-sub{i}"),
            addr,
            opts.inflight,
            !opts.persistence,
        );
        let (client, mut eventloop) = client(o);
        client
            .subscribe(TOPIC, qos)
            .await
            .map_err(|e| format!("subscribe: {e}"))?;
        connect(&mut eventloop, true).await?;
        // The client must outlive the run: dropping it ends the event loop.
        let progress = progress.clone();
        let stop = stop_rx.clone();
        sub_tasks.push(tokio::spawn(async move {
            let stats = subscriber(eventloop, publishers, messages, progress, stop).await;
            drop(client);
            stats
        }));
    }

    // Publishers: connect them all, then start them together.
    let mut pending = Vec::new();
    for i in 0..publishers {
        let o = mqtt_options(
            format!("{run}-pub{i}"),
            addr,
            opts.inflight,
            !opts.persistence,
        );
        let (client, mut eventloop) = client(o);
        connect(&mut eventloop, false).await?;
        pending.push((client, eventloop));
    }
    let started = Instant::now();
    let start_ns = now_ns() + 20_000_000;
    let mut pub_tasks: Vec<JoinHandle<Option<String>>> = Vec::new();
    for (i, (client, eventloop)) in pending.into_iter().enumerate() {
        let pace = match load {
            Load::Flood => Pace::Flood,
            // Publishers spread evenly over one period.
            Load::Paced(_) => Pace::Every {
                start_ns: start_ns + period_ns * i as u64 / publishers as u64,
                period_ns,
            },
        };
        pub_tasks.push(tokio::spawn(publisher(
            client,
            eventloop,
            u32::try_from(i).unwrap_or(u32::MAX),
            messages,
            qos,
            pace,
            first_send.clone(),
            stop_rx.clone(),
        )));
    }

    // Wait for every delivery, or for the deliveries to stall.
    let expected = publishers as u64 * messages * subscribers as u64;
    let mut last = 0;
    let mut last_change = Instant::now();
    let mut stalled = false;
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = progress.load(Ordering::Relaxed);
        if now >= expected {
            break;
        }
        if now != last {
            last = now;
            last_change = Instant::now();
        } else if last_change.elapsed() >= opts.stall {
            stalled = true;
            break;
        }
    }
    let wall_secs = started.elapsed().as_secs_f64();
    let _ = stop_tx.send(true);

    let mut notes = Vec::new();
    if stalled {
        notes.push(format!(
            "stalled: no delivery for {} s at {last} of {expected}",
            opts.stall.as_secs()
        ));
    }
    for task in pub_tasks {
        match tokio::time::timeout(Duration::from_secs(2), task).await {
            Ok(Ok(Some(e))) => notes.push(e),
            Ok(Ok(None)) => {}
            Ok(Err(e)) => notes.push(format!("publisher task: {e}")),
            Err(_) => notes.push("publisher task did not stop".into()),
        }
    }
    let mut latencies = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    let (mut unique, mut duplicates, mut last_ns) = (0, 0, 0);
    for task in sub_tasks {
        match tokio::time::timeout(Duration::from_secs(2), task).await {
            Ok(Ok(stats)) => {
                unique += stats.unique;
                duplicates += stats.duplicates;
                last_ns = last_ns.max(stats.last_ns);
                latencies.extend(stats.latencies_ns);
                if let Some(e) = stats.error {
                    notes.push(format!("subscriber: {e}"));
                }
            }
            Ok(Err(e)) => notes.push(format!("subscriber task: {e}")),
            Err(_) => notes.push("subscriber task did not stop".into()),
        }
    }
    latencies.sort_unstable();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let rank = ((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len());
        latencies[rank - 1] as f64 / 1e6
    };
    let first = first_send.load(Ordering::Relaxed);
    let span_secs = last_ns.saturating_sub(first) as f64 / 1e9;
    let msgs_per_sec = if span_secs > 0.0 {
        unique as f64 / span_secs
    } else {
        0.0
    };

    let peak_kib = broker.peak_kib();
    let cpu_secs = broker.cpu_secs();
    let context_switches = broker.context_switches();
    if !broker.alive() {
        notes.push(format!("broker died; see {:?}", broker.log));
    }
    broker.stop();
    if let Ok(log) = std::fs::read_to_string(&broker.log) {
        let drops = log
            .lines()
            .filter(|l| {
                let l = l.to_ascii_lowercase();
                l.contains("drop") || l.contains("queue") || l.contains("full")
            })
            .count();
        if drops > 0 {
            notes.push(format!(
                "{drops} log lines about dropped or queued messages in {:?}",
                broker.log
            ));
        }
    }
    Ok(RunResult {
        broker: kind,
        shape,
        qos,
        load,
        expected,
        unique,
        duplicates,
        msgs_per_sec,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        peak_kib,
        cpu_secs,
        context_switches,
        wall_secs,
        notes,
    })
}

fn fmt_opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map(f).unwrap_or_else(|| "?".into())
}

fn table(results: &[RunResult], opts: &Options) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| scenario | QoS | load | broker | msg/s received | p50 latency | p99 latency | lost | \
         dup | peak memory (VmHWM) | broker CPU | CPU µs/msg | switches/msg |"
    );
    let _ = writeln!(
        out,
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for r in results {
        let cpu_us = r
            .cpu_secs
            .filter(|_| r.unique > 0)
            .map(|c| c * 1e6 / r.unique as f64);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.0} | {:.2} ms | {:.2} ms | {} of {} | {} | {} | {} | {} | {} |",
            r.shape.name(opts.clients),
            r.qos as u8,
            r.load.name(),
            r.broker.name(),
            r.msgs_per_sec,
            r.p50_ms,
            r.p99_ms,
            r.expected - r.unique.min(r.expected),
            r.expected,
            r.duplicates,
            fmt_opt(r.peak_kib, |k| format!("{:.1} MiB", k as f64 / 1024.0)),
            fmt_opt(r.cpu_secs, |c| format!("{c:.2} s")),
            fmt_opt(cpu_us, |c| format!("{c:.1}")),
            fmt_opt(r.context_switches, |n| format!(
                "{:.3}",
                n as f64 / r.unique.max(1) as f64
            )),
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| scenario | QoS | load | msg/s ours / mosquitto | p99 ours / mosquitto | \
         CPU µs/msg ours / mosquitto | peak memory ours / mosquitto |"
    );
    let _ = writeln!(out, "|---|---|---|---:|---:|---:|---:|");
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 && a.is_finite() && b.is_finite() => format!("{:.2}", a / b),
        _ => "?".into(),
    };
    let cpu_per_msg = |r: &RunResult| r.cpu_secs.map(|c| c / r.unique.max(1) as f64);
    for ours in results.iter().filter(|r| r.broker == BrokerKind::Ours) {
        let Some(theirs) = results.iter().find(|r| {
            r.broker == BrokerKind::Mosquitto
                && r.shape.tag() == ours.shape.tag()
                && r.qos == ours.qos
                && r.load == ours.load
        }) else {
            continue;
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            ours.shape.name(opts.clients),
            ours.qos as u8,
            ours.load.name(),
            ratio(Some(ours.msgs_per_sec), Some(theirs.msgs_per_sec)),
            ratio(Some(ours.p99_ms), Some(theirs.p99_ms)),
            ratio(cpu_per_msg(ours), cpu_per_msg(theirs)),
            ratio(
                ours.peak_kib.map(|k| k as f64),
                theirs.peak_kib.map(|k| k as f64)
            ),
        );
    }
    let notes: Vec<String> = results
        .iter()
        .flat_map(|r| {
            r.notes.iter().map(move |n| {
                format!(
                    "- {} {} QoS {} {}: {n}",
                    r.broker.name(),
                    r.shape.name(opts.clients),
                    r.qos as u8,
                    r.load.name()
                )
            })
        })
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Notes:");
        for n in notes {
            let _ = writeln!(out, "{n}");
        }
    }
    out
}

fn main() {
    let opts = parse_options();
    epoch();
    for (path, what) in [
        (&opts.broker_bin, "--broker-bin"),
        (&opts.mosquitto, "--mosquitto"),
    ] {
        if !Path::new(path).exists() {
            eprintln!("{what} {path:?} does not exist");
            std::process::exit(1);
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let self_cpu_start = cpu_secs_of("/proc/self/stat");
    let mut loads = vec![Load::Flood];
    loads.extend(opts.rates.iter().map(|&r| Load::Paced(r)));
    let mut results = Vec::new();
    let mut failed = false;
    for shape in [Shape::FanIn, Shape::FanOut] {
        for &qos in &opts.qos {
            for &load in &loads {
                // The two brokers back to back, so that drift on the machine hits both.
                for kind in [BrokerKind::Ours, BrokerKind::Mosquitto] {
                    eprint!(
                        "{} QoS {} {} {} ... ",
                        shape.name(opts.clients),
                        qos as u8,
                        load.name(),
                        kind.name()
                    );
                    match runtime.block_on(run_one(kind, shape, qos, load, &opts)) {
                        Ok(r) => {
                            eprintln!(
                                "{}/{} in {:.1} s, {:.0} msg/s, p99 {:.2} ms{}",
                                r.unique,
                                r.expected,
                                r.wall_secs,
                                r.msgs_per_sec,
                                r.p99_ms,
                                if r.notes.is_empty() {
                                    ""
                                } else {
                                    " (see notes)"
                                }
                            );
                            results.push(r);
                        }
                        Err(e) => {
                            eprintln!("failed: {e}");
                            failed = true;
                        }
                    }
                }
            }
        }
    }
    let self_cpu = match (self_cpu_start, cpu_secs_of("/proc/self/stat")) {
        (Some(a), Some(b)) => format!("{:.1} s", b - a),
        _ => "?".into(),
    };
    print!("{}", table(&results, &opts));
    println!();
    println!(
        "Load: rumqttc 0.25.1 (MQTT 3.1.1, {}), {} clients, 64-byte payloads, \
         QoS 1 in-flight window {} (rumqttc, our --receive-maximum, mosquitto \
         max_inflight_messages). Flood: {} messages per publisher, sent as fast as rumqttc takes \
         them. Paced: {:?} deliveries/s for {} s each, stamped with their due time. The load \
         generator used {self_cpu} of CPU over all runs.",
        match opts.persistence {
            true => "persistent sessions; both brokers persisting",
            false => "clean sessions",
        },
        opts.clients,
        opts.inflight,
        opts.messages,
        opts.rates,
        opts.paced_secs
    );
    if failed {
        std::process::exit(1);
    }
}
