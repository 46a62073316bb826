//! Driver throughput: what our tokio driver costs over the bare client session, beside
//! rumqttc's async client, through one reference broker process over loopback.
//!
//! ```text
//! target/release/driver_throughput [--broker-bin PATH] [--messages N] [--rounds N]
//!     [--inflight N] [--workers N] [--clients LIST] [--timeout-secs S] [--log-dir DIR]
//! ```
//!
//! Three clients, each run as one publisher and one subscriber of the same library:
//!
//! - (a) **bare session**: `mqtt_codec::client::Session` moved by a minimal hand-written loop
//!   over a `TcpStream` (write what the session has, read, hand the bytes in, take the
//!   events): the lower bound, what the session costs with the least I/O code around it;
//! - (b) **tokio driver**: `mqtt_codec::tokio::Client`, `publish(..).await` resolving at
//!   PUBACK, messages from its `Messages`;
//! - (c) **rumqttc**: rumqttc 0.25.1's `AsyncClient` feeding its `EventLoop`, polled in the
//!   usual way (the publishing task apart from the polling one).
//!
//! Each run: the subscriber connects and subscribes (QoS 1) to a topic of the run's own, the
//! publisher connects, then the publisher sends `--messages` QoS 1 PUBLISHes of 64 bytes
//! (a sequence number and filler), never more than `--inflight` unacknowledged (the same
//! window for all three: (a) counts it itself, (b) runs that many tasks each awaiting one
//! `publish` at a time, (c) is rumqttc's own `set_inflight`). Timed from the first publish to
//! the last PUBACK (the publisher's rate) and to the last delivery (the subscriber's, each
//! message counted once by its sequence number). MQTT 3.1.1, clean sessions, keep alive 60 s,
//! Nagle's algorithm off on every socket (the broker always has it off).
//!
//! The subscriber is of the same library, not a fixed one: a driver's overhead is on both
//! paths (commands and acknowledgements out, messages in), and a fixed subscriber would
//! cap the delivery rate at its own speed for all three alike.
//!
//! One broker process for the whole run (`--receive-maximum` = `--inflight`, a queue
//! above the message count), the runs interleaved round by round (a b c a b c ...) so that
//! drift on the machine hits all three alike; the ratios are taken per round, between runs
//! seconds apart, and their median printed. Also printed: the CPU time of this process (both
//! clients, the runtime) and of the broker per message, from /proc.

use bytes::{BufMut, Bytes, BytesMut};
use mqtt_codec::client::{Event, Millis, Session, SessionConfig};
use mqtt_codec::tokio::{Client, DriverOptions, Messages};
use mqtt_codec::{ProtocolVersion, QoS, Subscription, TopicFilter, TopicName};
use mqtt_codec_benches::broker_process::{flag_pairs, free_port, threads_cpu_secs, wait_listening};
use std::fmt::Write as _;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

/// The payload size of every message.
const PAYLOAD_LEN: usize = 64;

/// How long connecting (CONNACK) and subscribing (SUBACK) may take before a run fails.
const SETUP_TIMEOUT: Duration = Duration::from_secs(10);

/// The request channel between rumqttc's `AsyncClient` and its `EventLoop`, and the command
/// channel of our driver: the same size for both (our driver's default).
const REQUEST_CAPACITY: usize = 64;

/// The command line.
struct Options {
    /// Our reference broker's binary.
    broker_bin: PathBuf,
    /// Messages per run.
    messages: u32,
    /// Rounds of (a), (b), (c).
    rounds: u32,
    /// QoS 1 in-flight window of every publisher, and the broker's towards the subscribers.
    inflight: u16,
    /// Worker threads of the tokio runtime; 0 for the current-thread runtime.
    workers: usize,
    /// The clients to run (all three by default; one alone is for profiling).
    libs: Vec<Lib>,
    /// How long a run may take before it counts as failed.
    timeout: Duration,
    /// Where the broker's log goes.
    log_dir: PathBuf,
}

/// Prints the flags and exits.
fn usage() -> ! {
    eprintln!(
        "usage: driver_throughput [--broker-bin PATH] [--messages N] [--rounds N]\n\
         \x20                        [--inflight N] [--workers N] [--clients LIST]\n\
         \x20                        [--timeout-secs S] [--log-dir DIR]\n\
         \n\
         --broker-bin PATH  our broker (default target/release/examples/broker)\n\
         --messages N       QoS 1 messages per run (default 20000)\n\
         --rounds N         rounds of bare session, tokio driver, rumqttc (default 10)\n\
         --inflight N       QoS 1 in-flight window of every publisher, and the broker's\n\
         \x20                  --receive-maximum (default 100)\n\
         --workers N        tokio worker threads; 0: the current-thread runtime\n\
         \x20                  (default: one per CPU, tokio's default)\n\
         --clients LIST     which of session,driver,rumqttc to run (default all; one\n\
         \x20                  alone is for profiling)\n\
         --timeout-secs S   a run taking longer fails (default 60)\n\
         --log-dir DIR      the broker's log (default target/driver_throughput)"
    );
    std::process::exit(2)
}

/// Reads the flags.
fn parse_options() -> Options {
    let mut opts = Options {
        broker_bin: PathBuf::from("target/release/examples/broker"),
        messages: 20_000,
        rounds: 10,
        inflight: 100,
        workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
        libs: Lib::ALL.to_vec(),
        timeout: Duration::from_secs(60),
        log_dir: PathBuf::from("target/driver_throughput"),
    };
    for (flag, value) in flag_pairs(usage) {
        let number = || value.parse::<u64>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--broker-bin" => opts.broker_bin = PathBuf::from(&value),
            "--messages" => opts.messages = u32::try_from(number().max(1)).unwrap_or(u32::MAX),
            "--rounds" => opts.rounds = u32::try_from(number().max(1)).unwrap_or(u32::MAX),
            "--inflight" => opts.inflight = u16::try_from(number().clamp(1, 65535)).unwrap_or(1),
            "--workers" => opts.workers = usize::try_from(number()).unwrap_or(1),
            "--clients" => {
                opts.libs = Lib::ALL
                    .into_iter()
                    .filter(|lib| value.split(',').any(|v| v.trim() == lib.tag()))
                    .collect();
                if opts.libs.is_empty() {
                    usage();
                }
            }
            "--timeout-secs" => opts.timeout = Duration::from_secs(number().max(1)),
            "--log-dir" => opts.log_dir = PathBuf::from(&value),
            _ => usage(),
        }
    }
    opts
}

/// The three clients.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lib {
    /// (a) `Session` in a hand-written loop.
    Session,
    /// (b) `mqtt_codec::tokio::Client`.
    Driver,
    /// (c) rumqttc's `AsyncClient` and `EventLoop`.
    Rumqttc,
}

impl Lib {
    /// In the order of every round.
    const ALL: [Lib; 3] = [Lib::Session, Lib::Driver, Lib::Rumqttc];

    /// The name in the tables.
    fn name(self) -> &'static str {
        match self {
            Lib::Session => "(a) bare session",
            Lib::Driver => "(b) tokio driver",
            Lib::Rumqttc => "(c) rumqttc 0.25.1",
        }
    }

    /// The name in client identifiers and topics.
    fn tag(self) -> &'static str {
        match self {
            Lib::Session => "session",
            Lib::Driver => "driver",
            Lib::Rumqttc => "rumqttc",
        }
    }
}

/// Our broker, as a process of its own for the whole run.
struct Broker {
    /// The process.
    child: Child,
    /// Where it listens.
    addr: SocketAddr,
    /// Its stdout and stderr.
    log: PathBuf,
}

impl Broker {
    /// Starts it on a free port and waits until it listens.
    fn start(opts: &Options) -> Result<Broker, String> {
        std::fs::create_dir_all(&opts.log_dir).map_err(|e| format!("{:?}: {e}", opts.log_dir))?;
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()?));
        let log = opts.log_dir.join("broker.log");
        let log_file = std::fs::File::create(&log).map_err(|e| format!("{log:?}: {e}"))?;
        let stderr = log_file.try_clone().map_err(|e| e.to_string())?;
        // Its queue holds any run whole, so that nothing is dropped; its window towards
        // the subscriber is the publishers' window.
        let max_queued = (u64::from(opts.messages) * 2).max(1000);
        let child = Command::new(&opts.broker_bin)
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--receive-maximum")
            .arg(opts.inflight.to_string())
            .arg("--max-queued")
            .arg(max_queued.to_string())
            .arg("--log-level")
            .arg("warn")
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot start {:?}: {e}", opts.broker_bin))?;
        let mut broker = Broker { child, addr, log };
        // On failure `broker` is dropped here, which stops the process.
        wait_listening(&mut broker.child, addr, Duration::from_secs(10))
            .map_err(|e| format!("the broker {e}; see {:?}", broker.log))?;
        Ok(broker)
    }

    /// Its CPU time so far, in seconds.
    fn cpu_secs(&self) -> Option<f64> {
        threads_cpu_secs(&self.child.id().to_string())
    }

    /// Whether it still runs.
    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Broker {
    /// Stops the process, whatever way the run ends.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Message `seq`'s payload: the sequence number, then filler to 64 bytes. Built afresh for
/// every message by all three clients, as an application would.
fn payload(seq: u32) -> Bytes {
    let mut buf = BytesMut::with_capacity(PAYLOAD_LEN);
    buf.put_u32(seq);
    buf.resize(PAYLOAD_LEN, b'x');
    buf.freeze()
}

/// How far a run got, bumped by its clients as they go: read to tell how far a run that
/// timed out got. One uncontended atomic add per message, the same for all three.
#[derive(Default)]
struct Progress {
    /// PUBACKs the publisher saw.
    acked: AtomicU32,
    /// Messages the subscriber saw.
    delivered: AtomicU32,
}

/// What a publisher reports.
struct PubDone {
    /// Just before its first publish.
    first: Instant,
    /// When its last PUBACK was seen.
    last_ack: Instant,
}

/// What a subscriber reports.
struct SubDone {
    /// When it had every message.
    last: Instant,
    /// Deliveries of a sequence number already seen, or of none sent.
    duplicates: u32,
}

/// The deliveries of a subscriber, by sequence number.
struct Deliveries {
    /// Which sequence numbers arrived.
    seen: Vec<bool>,
    /// How many distinct ones.
    unique: u32,
    /// Repeats, and payloads that carry no sequence number sent.
    duplicates: u32,
}

impl Deliveries {
    /// None seen of `messages`.
    fn new(messages: u32) -> Self {
        Deliveries {
            seen: vec![false; messages as usize],
            unique: 0,
            duplicates: 0,
        }
    }

    /// Counts one delivery.
    fn record(&mut self, payload: &[u8], progress: &Progress) {
        progress.delivered.fetch_add(1, Ordering::Relaxed);
        let seq = payload
            .first_chunk::<4>()
            .map(|b| u32::from_be_bytes(*b) as usize);
        match seq.and_then(|s| self.seen.get_mut(s)) {
            Some(seen) if !*seen => {
                *seen = true;
                self.unique += 1;
            }
            _ => self.duplicates += 1,
        }
    }

    /// Every message arrived.
    fn complete(&self) -> bool {
        self.unique as usize == self.seen.len()
    }

    /// The report, timed now.
    fn done(&self) -> SubDone {
        SubDone {
            last: Instant::now(),
            duplicates: self.duplicates,
        }
    }
}

/// A run's work once its clients are connected (and the subscriber subscribed).
type Work<T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send>>;

/// What a run needs to know.
#[derive(Clone)]
struct RunSpec {
    /// The broker.
    addr: SocketAddr,
    /// The run's own topic, and the stem of its client identifiers.
    topic: String,
    /// Messages to publish.
    messages: u32,
    /// The in-flight window.
    inflight: u16,
    /// Bumped as the run goes.
    progress: Arc<Progress>,
}

impl RunSpec {
    /// A client identifier of this run.
    fn client_id(&self, role: &str) -> String {
        format!("{}-{role}", self.topic.replace('/', "-"))
    }
}

/// The session's configuration for (a) and (b): 3.1.1, clean, keep alive 60 s (the
/// defaults), the run's window, and room to queue a whole run (never used: the publishers
/// keep to the window themselves).
fn session_config(spec: &RunSpec, role: &str) -> SessionConfig {
    let mut config = SessionConfig::new(&spec.client_id(role), ProtocolVersion::V3_1_1);
    config.max_inflight = spec.inflight;
    config.receive_maximum = spec.inflight;
    config.max_queued = spec.messages as usize;
    config
}

/// An event that ends a run in error, described.
fn failure(event: &Event) -> Option<String> {
    match event {
        Event::ConnectionRefused { reason, .. } => Some(format!("refused: {reason:?}")),
        Event::PublishFailed { failure, .. } => Some(format!("publish failed: {failure:?}")),
        Event::Disconnected { reason, .. } => Some(format!("disconnected: {reason:?}")),
        _ => None,
    }
}

/// (a): a session over a `TcpStream`, moved by the least code that works for this load:
/// write everything the session has, then read once, and again. Reads and writes alternate
/// in one task, which is safe here because the session never has more than a window of
/// PUBLISHes (or of PUBACKs) to write, well within the socket buffers.
struct BareConn {
    /// The connection.
    stream: TcpStream,
    /// The protocol state.
    session: Session,
    /// What one read brought.
    inbuf: BytesMut,
    /// What one write sends: every packet the session had, gathered into one buffer so that
    /// it is one system call, not one per packet.
    out: Vec<u8>,
    /// The session's clock starts here.
    clock: Instant,
}

impl BareConn {
    /// Connects and waits for CONNACK.
    async fn connect(spec: &RunSpec, role: &str) -> Result<BareConn, String> {
        let stream = TcpStream::connect(spec.addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let mut conn = BareConn {
            stream,
            session: Session::new(session_config(spec, role)),
            inbuf: BytesMut::with_capacity(16 * 1024),
            out: Vec::with_capacity(16 * 1024),
            clock: Instant::now(),
        };
        let now = conn.now();
        conn.session.connect(now).map_err(|e| e.to_string())?;
        conn.write().await?;
        loop {
            conn.read().await?;
            while let Some(event) = conn.session.poll_event() {
                if let Some(e) = failure(&event) {
                    return Err(e);
                }
                if matches!(event, Event::Connected { .. }) {
                    return Ok(conn);
                }
            }
        }
    }

    /// The session's clock.
    fn now(&self) -> Millis {
        Millis::try_from(self.clock.elapsed().as_millis()).unwrap_or(Millis::MAX)
    }

    /// Writes everything the session has to send.
    async fn write(&mut self) -> Result<(), String> {
        self.out.clear();
        while let Some(bytes) = self.session.poll_transmit() {
            self.out.extend_from_slice(&bytes);
        }
        if !self.out.is_empty() {
            self.stream
                .write_all(&self.out)
                .await
                .map_err(|e| format!("write: {e}"))?;
        }
        Ok(())
    }

    /// Reads once and hands the bytes to the session.
    async fn read(&mut self) -> Result<(), String> {
        let n = self
            .stream
            .read_buf(&mut self.inbuf)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("the broker closed the connection".into());
        }
        let now = self.now();
        self.session.receive(&self.inbuf, now);
        self.inbuf.clear();
        // No timer of its own: under this load the loop wakes on a read every few
        // microseconds, and a run is far shorter than the keep alive; a loop for real use
        // would also sleep until `next_timeout`.
        if self.session.next_timeout().is_some_and(|at| at <= now) {
            self.session.handle_timeout(now);
        }
        Ok(())
    }

    /// DISCONNECT, then the socket closed.
    async fn close(mut self) {
        let now = self.now();
        let _ = self.session.disconnect(now);
        let _ = self.write().await;
        let _ = self.stream.shutdown().await;
    }
}

/// (a)'s subscriber: connected and subscribed; the work receives every message.
async fn session_subscriber(spec: &RunSpec) -> Result<Work<SubDone>, String> {
    let mut conn = BareConn::connect(spec, "sub").await?;
    let filter = TopicFilter::new(&spec.topic).map_err(|e| e.to_string())?;
    let now = conn.now();
    conn.session
        .subscribe(vec![Subscription::new(filter, QoS::AtLeastOnce)], now)
        .map_err(|e| e.to_string())?;
    conn.write().await?;
    'suback: loop {
        conn.read().await?;
        while let Some(event) = conn.session.poll_event() {
            if let Some(e) = failure(&event) {
                return Err(e);
            }
            if matches!(event, Event::Subscribed { .. }) {
                break 'suback;
            }
        }
    }
    let (messages, progress) = (spec.messages, spec.progress.clone());
    Ok(Box::pin(async move {
        let mut deliveries = Deliveries::new(messages);
        loop {
            conn.read().await?;
            while let Some(event) = conn.session.poll_event() {
                match event {
                    Event::Message { publish, .. } => {
                        deliveries.record(&publish.payload, &progress);
                    }
                    other => {
                        if let Some(e) = failure(&other) {
                            return Err(e);
                        }
                    }
                }
            }
            // The PUBACKs the session queued for what it just delivered.
            conn.write().await?;
            if deliveries.complete() {
                let done = deliveries.done();
                conn.close().await;
                return Ok(done);
            }
        }
    }))
}

/// (a)'s publisher: connected; the work publishes every message, keeping the window full.
async fn session_publisher(spec: &RunSpec) -> Result<Work<PubDone>, String> {
    let mut conn = BareConn::connect(spec, "pub").await?;
    let topic = TopicName::new(&spec.topic).map_err(|e| e.to_string())?;
    let (messages, window, progress) = (
        spec.messages,
        u32::from(spec.inflight),
        spec.progress.clone(),
    );
    Ok(Box::pin(async move {
        let first = Instant::now();
        let (mut sent, mut acked) = (0u32, 0u32);
        loop {
            let now = conn.now();
            while sent < messages && sent - acked < window {
                conn.session
                    .publish(topic.clone(), payload(sent), QoS::AtLeastOnce, false, now)
                    .map_err(|e| e.to_string())?;
                sent += 1;
            }
            conn.write().await?;
            conn.read().await?;
            while let Some(event) = conn.session.poll_event() {
                if let Some(e) = failure(&event) {
                    return Err(e);
                }
                if matches!(event, Event::Published { .. }) {
                    acked += 1;
                    progress.acked.fetch_add(1, Ordering::Relaxed);
                }
            }
            if acked == messages {
                let last_ack = Instant::now();
                conn.close().await;
                return Ok(PubDone { first, last_ack });
            }
        }
    }))
}

/// (b): a driver of a new session, connected. It does not reconnect, so that a lost
/// connection fails the run instead of being hidden by a retry; the other options are the
/// defaults (64 commands and 256 messages waiting, reads of 16 KiB).
async fn driver_client(spec: &RunSpec, role: &str) -> Result<(Client, Messages), String> {
    let addr = spec.addr;
    let connector = move || async move {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    };
    let options = DriverOptions {
        reconnect: false,
        command_capacity: REQUEST_CAPACITY,
        ..DriverOptions::default()
    };
    let (client, messages) = Client::spawn(session_config(spec, role), connector, options);
    match tokio::time::timeout(SETUP_TIMEOUT, client.connected()).await {
        Ok(Ok(_)) => Ok((client, messages)),
        Ok(Err(e)) => Err(format!("connect: {e} ({:?})", client.status())),
        Err(_) => Err("timed out connecting".into()),
    }
}

/// (b)'s subscriber: connected and subscribed; the work takes every message from
/// `Messages` (the driver acknowledges each as it arrives).
async fn driver_subscriber(spec: &RunSpec) -> Result<Work<SubDone>, String> {
    let (client, mut messages) = driver_client(spec, "sub").await?;
    let filter = TopicFilter::new(&spec.topic).map_err(|e| e.to_string())?;
    let subscribe = client.subscribe(vec![Subscription::new(filter, QoS::AtLeastOnce)]);
    tokio::time::timeout(SETUP_TIMEOUT, subscribe)
        .await
        .map_err(|_| "timed out subscribing".to_string())?
        .map_err(|e| format!("subscribe: {e}"))?;
    let (count, progress) = (spec.messages, spec.progress.clone());
    Ok(Box::pin(async move {
        let mut deliveries = Deliveries::new(count);
        while let Some(message) = messages.recv().await {
            deliveries.record(&message.payload, &progress);
            if deliveries.complete() {
                let done = deliveries.done();
                let _ = client.disconnect().await;
                return Ok(done);
            }
        }
        Err(format!("the driver stopped: {:?}", client.status()))
    }))
}

/// (b)'s publisher: connected; the work runs `inflight` tasks, each awaiting one
/// `publish` (which resolves at PUBACK) at a time, so that the window stays full as it does
/// for the others. Each takes the next sequence number from a shared counter.
async fn driver_publisher(spec: &RunSpec) -> Result<Work<PubDone>, String> {
    let (client, _messages) = driver_client(spec, "pub").await?;
    let (messages, window) = (spec.messages, spec.inflight);
    let (topic, progress) = (spec.topic.clone(), spec.progress.clone());
    Ok(Box::pin(async move {
        let next = Arc::new(AtomicU32::new(0));
        let first = Instant::now();
        // Dropping the set (on an error, or a timeout) aborts the tasks.
        let mut tasks = JoinSet::new();
        for _ in 0..window {
            let (client, next, topic) = (client.clone(), next.clone(), topic.clone());
            let progress = progress.clone();
            tasks.spawn(async move {
                loop {
                    let seq = next.fetch_add(1, Ordering::Relaxed);
                    if seq >= messages {
                        return Ok::<(), String>(());
                    }
                    client
                        .publish(&topic, payload(seq), QoS::AtLeastOnce, false)
                        .await
                        .map_err(|e| format!("publish: {e}"))?;
                    progress.acked.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        while let Some(joined) = tasks.join_next().await {
            joined.map_err(|e| format!("publishing task: {e}"))??;
        }
        let last_ack = Instant::now();
        let _ = client.disconnect().await;
        Ok(PubDone { first, last_ack })
    }))
}

/// (c): a rumqttc client with the run's window, Nagle's algorithm off, polled until
/// CONNACK, and until SUBACK when it subscribes to `subscribe` first.
async fn rumqttc_client(
    spec: &RunSpec,
    role: &str,
    subscribe: bool,
) -> Result<(rumqttc::AsyncClient, rumqttc::EventLoop), String> {
    use rumqttc::{Event as REvent, Packet as RPacket};
    let mut options = rumqttc::MqttOptions::new(
        spec.client_id(role),
        spec.addr.ip().to_string(),
        spec.addr.port(),
    );
    options
        .set_keep_alive(Duration::from_secs(60))
        .set_clean_session(true)
        .set_inflight(spec.inflight);
    let (client, mut eventloop) = rumqttc::AsyncClient::new(options, REQUEST_CAPACITY);
    let mut network = eventloop.network_options();
    network.set_tcp_nodelay(true);
    eventloop.set_network_options(network);
    if subscribe {
        // Queued in the request channel; the event loop sends it after CONNECT.
        client
            .subscribe(spec.topic.as_str(), rumqttc::QoS::AtLeastOnce)
            .await
            .map_err(|e| format!("subscribe: {e}"))?;
    }
    let deadline = tokio::time::Instant::now() + SETUP_TIMEOUT;
    loop {
        let event = tokio::time::timeout_at(deadline, eventloop.poll())
            .await
            .map_err(|_| "timed out connecting".to_string())?
            .map_err(|e| format!("connect: {e}"))?;
        match event {
            REvent::Incoming(RPacket::ConnAck(_)) if !subscribe => break,
            REvent::Incoming(RPacket::SubAck(_)) => break,
            _ => {}
        }
    }
    Ok((client, eventloop))
}

/// Ends a rumqttc connection with DISCONNECT: queued, then the event loop polled until it
/// wrote it (or the connection ended).
async fn rumqttc_close(client: rumqttc::AsyncClient, mut eventloop: rumqttc::EventLoop) {
    if client.try_disconnect().is_err() {
        return;
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        loop {
            match eventloop.poll().await {
                Ok(rumqttc::Event::Outgoing(rumqttc::Outgoing::Disconnect)) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
}

/// (c)'s subscriber: connected and subscribed; the work polls the event loop for every
/// message (rumqttc acknowledges each as it arrives).
async fn rumqttc_subscriber(spec: &RunSpec) -> Result<Work<SubDone>, String> {
    let (client, mut eventloop) = rumqttc_client(spec, "sub", true).await?;
    let (count, progress) = (spec.messages, spec.progress.clone());
    Ok(Box::pin(async move {
        let mut deliveries = Deliveries::new(count);
        loop {
            let event = eventloop
                .poll()
                .await
                .map_err(|e| format!("event loop: {e}"))?;
            if let rumqttc::Event::Incoming(rumqttc::Packet::Publish(publish)) = event {
                deliveries.record(&publish.payload, &progress);
                if deliveries.complete() {
                    let done = deliveries.done();
                    rumqttc_close(client, eventloop).await;
                    return Ok(done);
                }
            }
        }
    }))
}

/// (c)'s publisher: connected; the work publishes every message from a task of its own
/// (rumqttc's usual shape: `publish` returns once the request is in the channel, and the
/// event loop keeps to the window) while it polls the event loop for the PUBACKs.
async fn rumqttc_publisher(spec: &RunSpec) -> Result<Work<PubDone>, String> {
    let (client, mut eventloop) = rumqttc_client(spec, "pub", false).await?;
    let (messages, topic, progress) = (spec.messages, spec.topic.clone(), spec.progress.clone());
    Ok(Box::pin(async move {
        let first = Instant::now();
        let sender = tokio::spawn(async move {
            for seq in 0..messages {
                client
                    .publish_bytes(
                        topic.as_str(),
                        rumqttc::QoS::AtLeastOnce,
                        false,
                        payload(seq),
                    )
                    .await
                    .map_err(|e| format!("publish: {e}"))?;
            }
            Ok::<_, String>(client)
        });
        let mut acked = 0;
        while acked < messages {
            match eventloop.poll().await {
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::PubAck(_))) => {
                    acked += 1;
                    progress.acked.fetch_add(1, Ordering::Relaxed);
                }
                Ok(_) => {}
                Err(e) => {
                    sender.abort();
                    return Err(format!("event loop: {e}"));
                }
            }
        }
        let last_ack = Instant::now();
        let client = sender
            .await
            .map_err(|e| format!("publishing task: {e}"))??;
        rumqttc_close(client, eventloop).await;
        Ok(PubDone { first, last_ack })
    }))
}

/// One run's figures.
struct RunResult {
    /// Messages per second from the first publish to the last PUBACK.
    acked_per_sec: f64,
    /// Messages per second from the first publish to the last delivery.
    delivered_per_sec: f64,
    /// Deliveries seen twice, or unexpected.
    duplicates: u32,
    /// CPU time of this process (both clients) per message, µs.
    client_cpu_us: Option<f64>,
    /// CPU time of the broker per message, µs.
    broker_cpu_us: Option<f64>,
}

/// One run of `lib`: connect its subscriber and publisher, then time the messages through.
async fn run_one(
    lib: Lib,
    round: u32,
    broker: &Broker,
    opts: &Options,
) -> Result<RunResult, String> {
    let spec = RunSpec {
        addr: broker.addr,
        topic: format!("bench/{}/{round}", lib.tag()),
        messages: opts.messages,
        inflight: opts.inflight,
        progress: Arc::new(Progress::default()),
    };
    let (subscriber, publisher) = match lib {
        Lib::Session => (
            session_subscriber(&spec).await?,
            session_publisher(&spec).await?,
        ),
        Lib::Driver => (
            driver_subscriber(&spec).await?,
            driver_publisher(&spec).await?,
        ),
        Lib::Rumqttc => (
            rumqttc_subscriber(&spec).await?,
            rumqttc_publisher(&spec).await?,
        ),
    };
    let client_cpu = threads_cpu_secs("self");
    let broker_cpu = broker.cpu_secs();
    // Each side in a task of its own, as an application would run them.
    let mut sub = tokio::spawn(subscriber);
    let mut publ = tokio::spawn(publisher);
    let both = async { ((&mut publ).await, (&mut sub).await) };
    let (publ_result, sub_result) = match tokio::time::timeout(opts.timeout, both).await {
        Ok(results) => results,
        Err(_) => {
            publ.abort();
            sub.abort();
            return Err(format!(
                "timed out after {} s: {} of {} acknowledged, {} delivered",
                opts.timeout.as_secs(),
                spec.progress.acked.load(Ordering::Relaxed),
                opts.messages,
                spec.progress.delivered.load(Ordering::Relaxed)
            ));
        }
    };
    let per_msg_us = |before: Option<f64>, after: Option<f64>| match (before, after) {
        (Some(a), Some(b)) => Some((b - a) * 1e6 / f64::from(opts.messages)),
        _ => None,
    };
    let client_cpu_us = per_msg_us(client_cpu, threads_cpu_secs("self"));
    let broker_cpu_us = per_msg_us(broker_cpu, broker.cpu_secs());
    let published = publ_result.map_err(|e| format!("publisher task: {e}"))??;
    let delivered = sub_result.map_err(|e| format!("subscriber task: {e}"))??;
    let rate = |end: Instant| {
        let secs = end.saturating_duration_since(published.first).as_secs_f64();
        f64::from(opts.messages) / secs.max(1e-9)
    };
    Ok(RunResult {
        acked_per_sec: rate(published.last_ack),
        delivered_per_sec: rate(delivered.last),
        duplicates: delivered.duplicates,
        client_cpu_us,
        broker_cpu_us,
    })
}

/// The median (the mean of the middle two for an even count); NaN when empty.
fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| v.is_finite());
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    }
}

/// The smallest and largest finite value, as "min–max".
fn range(values: &[f64]) -> String {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let min = finite.clone().fold(f64::INFINITY, f64::min);
    let max = finite.fold(f64::NEG_INFINITY, f64::max);
    if min.is_finite() {
        format!("{min:.0}–{max:.0}")
    } else {
        "?".into()
    }
}

/// A figure, or "?" for NaN.
fn fmt_num(value: f64, decimals: usize) -> String {
    if value.is_finite() {
        format!("{value:.decimals$}")
    } else {
        "?".into()
    }
}

/// The results: per client, the medians over the rounds; then the ratios, each the median
/// of the per-round ratios (runs of one round are seconds apart, so drift cancels).
fn table(results: &[(u32, Lib, RunResult)], opts: &Options) -> String {
    let mut out = String::new();
    let of = |lib: Lib| -> Vec<&RunResult> {
        results
            .iter()
            .filter(|(_, l, _)| *l == lib)
            .map(|(_, _, r)| r)
            .collect()
    };
    let _ = writeln!(
        out,
        "| client | msg/s to last PUBACK (median; min–max) | msg/s to last delivery \
         (median; min–max) | client CPU µs/msg | broker CPU µs/msg | runs | dup |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    for &lib in &opts.libs {
        let runs = of(lib);
        let acked: Vec<f64> = runs.iter().map(|r| r.acked_per_sec).collect();
        let delivered: Vec<f64> = runs.iter().map(|r| r.delivered_per_sec).collect();
        let client_cpu = runs.iter().map(|r| r.client_cpu_us.unwrap_or(f64::NAN));
        let broker_cpu = runs.iter().map(|r| r.broker_cpu_us.unwrap_or(f64::NAN));
        let _ = writeln!(
            out,
            "| {} | {} ({}) | {} ({}) | {} | {} | {} of {} | {} |",
            lib.name(),
            fmt_num(median(acked.clone()), 0),
            range(&acked),
            fmt_num(median(delivered.clone()), 0),
            range(&delivered),
            fmt_num(median(client_cpu.collect()), 1),
            fmt_num(median(broker_cpu.collect()), 1),
            runs.len(),
            opts.rounds,
            runs.iter().map(|r| r.duplicates).sum::<u32>(),
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| ratio (median of per-round ratios) | msg/s to last PUBACK | msg/s to last delivery \
         | client CPU µs/msg |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|");
    let ratios = |num: Lib, den: Lib, f: &dyn Fn(&RunResult) -> f64| -> String {
        let per_round: Vec<f64> = (0..opts.rounds)
            .filter_map(|round| {
                let find = |lib: Lib| {
                    results
                        .iter()
                        .find(|(r, l, _)| *r == round && *l == lib)
                        .map(|(_, _, res)| f(res))
                };
                Some(find(num)? / find(den)?)
            })
            .collect();
        fmt_num(median(per_round), 2)
    };
    for (label, num, den) in [
        (
            "(b)/(a): tokio driver / bare session",
            Lib::Driver,
            Lib::Session,
        ),
        ("(b)/(c): tokio driver / rumqttc", Lib::Driver, Lib::Rumqttc),
        (
            "(a)/(c): bare session / rumqttc",
            Lib::Session,
            Lib::Rumqttc,
        ),
    ] {
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} |",
            ratios(num, den, &|r| r.acked_per_sec),
            ratios(num, den, &|r| r.delivered_per_sec),
            ratios(num, den, &|r| r.client_cpu_us.unwrap_or(f64::NAN)),
        );
    }
    out
}

/// Starts the broker, runs the rounds, prints the tables (progress goes to stderr).
fn main() {
    let opts = parse_options();
    if !Path::new(&opts.broker_bin).exists() {
        eprintln!("--broker-bin {:?} does not exist", opts.broker_bin);
        std::process::exit(1);
    }
    let mut builder = match opts.workers {
        0 => tokio::runtime::Builder::new_current_thread(),
        n => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(n);
            b
        }
    };
    // The CPU time is summed over the threads alive: a blocking-pool thread (rumqttc resolves
    // the broker's address on one) must not end, and take its time with it, mid-run.
    let runtime = builder
        .enable_all()
        .thread_keep_alive(Duration::from_secs(24 * 3600))
        .build()
        .expect("tokio runtime");
    let mut broker = match Broker::start(&opts) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let mut results = Vec::new();
    let mut failures = Vec::new();
    for round in 0..opts.rounds {
        // The three back to back in every round, so that drift hits them alike.
        for &lib in &opts.libs {
            eprint!("round {} {} ... ", round + 1, lib.name());
            match runtime.block_on(run_one(lib, round, &broker, &opts)) {
                Ok(r) => {
                    eprintln!(
                        "{:.0} msg/s acked, {:.0} msg/s delivered, client CPU {} µs/msg, \
                         broker CPU {} µs/msg{}",
                        r.acked_per_sec,
                        r.delivered_per_sec,
                        r.client_cpu_us.map_or("?".into(), |c| format!("{c:.1}")),
                        r.broker_cpu_us.map_or("?".into(), |c| format!("{c:.1}")),
                        if r.duplicates > 0 {
                            format!(", {} duplicates", r.duplicates)
                        } else {
                            String::new()
                        }
                    );
                    results.push((round, lib, r));
                }
                Err(e) => {
                    eprintln!("failed: {e}");
                    failures.push(format!("round {} {}: {e}", round + 1, lib.name()));
                }
            }
            if !broker.alive() {
                eprintln!("the broker died; see {:?}", broker.log);
                std::process::exit(1);
            }
        }
    }
    print!("{}", table(&results, &opts));
    println!();
    println!(
        "{} QoS 1 messages of {PAYLOAD_LEN} bytes per run, in-flight window {}, {} rounds \
         (a b c per round), one publisher and one subscriber per run, MQTT 3.1.1, our broker \
         on loopback; tokio runtime: {}.",
        opts.messages,
        opts.inflight,
        opts.rounds,
        match opts.workers {
            0 => "current-thread".to_string(),
            n => format!("multi-thread, {n} workers"),
        }
    );
    if !failures.is_empty() {
        println!();
        println!("Failed runs:");
        for f in &failures {
            println!("- {f}");
        }
        std::process::exit(1);
    }
}
