//! The reference broker: the I/O loop around `mqtt_codec::broker::Broker`.
//!
//! ```text
//! cargo run --release --example broker -- [--listen 127.0.0.1:1883] [--acl FILE] ...
//! ```
//!
//! All protocol decisions live in the sans-IO core; this file only moves bytes and time:
//! one task per connection reads the socket, one task per connection writes it, and one
//! task owns the broker, feeding it events and carrying out its actions. All of them run on
//! one thread (see `main`).

mod admission;
mod mqttsn;
mod options;
mod outbox;
mod reading;
mod store;
mod tls;
mod websocket;

use admission::{Admission, Ticket};
use bytes::{Bytes, BytesMut};
use clap::Parser;
use mqtt_codec::broker::{Action, Broker, ConnId, Level};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::Instant;

pub(crate) use reading::{Reading, SwitchReceiver};

/// What the connection tasks tell the broker task.
pub(crate) enum Event {
    Opened(ConnId, Peer),
    Bytes(ConnId, Bytes),
    Closed(ConnId),
    /// A datagram on the MQTT-SN socket.
    Datagram(std::net::SocketAddr, Bytes),
    /// The ACL and the password file, read again on SIGHUP.
    Reload(options::Access),
}

/// The broker task's handle on one connection, over TCP or WebSocket.
pub(crate) struct Peer {
    /// What the writer task writes; it counts the bytes not yet written.
    pub(crate) writer: outbox::Sender,
    /// The reader and writer tasks: awaited on shutdown, so that the last DISCONNECT reaches
    /// the socket and the client's last bytes are drained before it closes.
    pub(crate) reader: tokio::task::JoinHandle<()>,
    pub(crate) writer_task: tokio::task::JoinHandle<()>,
    pub(crate) dropped: u64,
    /// Whether the reader hands bytes on, waits (flow control) or drains a closed
    /// connection.
    pub(crate) reading: reading::Switch,
    /// Since when, over the write limit, the writer has written nothing more than the
    /// total it had then.
    pub(crate) over_limit: Option<(Instant, u64)>,
}

impl Peer {
    /// Over the write limit: whether the writer has written nothing for `STALL_GRACE`
    /// (the client does not read), rather than being behind one burst.
    fn stalled(&mut self, now: Instant) -> bool {
        let written = self.writer.written_total();
        match self.over_limit {
            Some((since, mark)) if mark == written => now.duration_since(since) >= STALL_GRACE,
            _ => {
                self.over_limit = Some((now, written));
                false
            }
        }
    }
}

/// How long a connection over its write limit may go without its writer writing a byte
/// before it counts as not reading.
const STALL_GRACE: Duration = Duration::from_secs(10);

/// How many bytes may wait for one connection's socket, per `--max-queued` message:
/// beyond `max_queued * WRITE_BYTES_PER_MESSAGE` the client is not keeping up.
const WRITE_BYTES_PER_MESSAGE: usize = 4 * 1024;

/// That limit, for the connections' readers: past it a reader stops reading its client
/// until half of it is written (see `outbox::Backlog`). Set once at start.
static WRITE_LIMIT: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(usize::MAX);

// One thread runs every task, so the broker sees the connections' packets in the order
// their sockets became readable: a SUBSCRIBE that arrives before another client's PUBLISH
// takes effect first, as it does in mosquitto's single loop. On the multi-threaded runtime
// the readers raced each other to the broker task (and its LIFO slot runs the task woken
// last first): about one such PUBLISH in five missed the new subscriber, which failed the
// Eclipse Paho interoperability suite's no-local test now and then. The broker core is one
// task in either case; the store's writes go to the blocking pool (see `commit`).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let opts = options::Options::parse();
    if let Some(entry) = &opts.scram_make_user {
        let (name, password) = entry
            .split_once(':')
            .ok_or("--scram-make-user takes NAME:PASSWORD")?;
        let salt = &options::random_seed()[..16];
        let creds = mqtt_codec::scram::ScramCredentials::derive(password.as_bytes(), salt, 4096);
        println!("{}", creds.to_line(name));
        return Ok(());
    }
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| opts.log_level.clone());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let config = opts.broker_config()?;
    let write_limit = opts
        .max_queued
        .max(16)
        .saturating_mul(WRITE_BYTES_PER_MESSAGE);
    WRITE_LIMIT.store(write_limit, Ordering::Relaxed);
    let listener = TcpListener::bind(&opts.listen).await?;
    tracing::info!(
        "mqtt-codec reference broker listening on {}",
        listener.local_addr()?
    );

    let (events_tx, events_rx) = mpsc::channel::<Event>(4096);
    // Connection ids and places, shared by the listeners.
    let admission = Admission::new(opts.max_connections);
    let tls = match (&opts.tls_cert, &opts.tls_key) {
        (Some(cert), Some(key)) => Some(tls::acceptor(
            cert,
            key,
            opts.tls_ca.as_deref(),
            opts.require_certificate,
        )?),
        (None, None) if opts.tls_listen.is_none() && opts.wss_listen.is_none() => None,
        _ => return Err("--tls-listen and --wss-listen need --tls-cert and --tls-key".into()),
    };
    if let Some(addr) = &opts.tls_listen {
        let l = TcpListener::bind(addr).await?;
        tracing::info!("MQTT over TLS on {}", l.local_addr()?);
        tokio::spawn(accept_loop(
            l,
            events_tx.clone(),
            admission.clone(),
            tls.clone(),
        ));
    }
    let websockets = [
        (&opts.ws_listen, None, "WebSocket"),
        (&opts.wss_listen, tls.clone(), "WebSocket over TLS"),
    ];
    for (addr, tls, what) in websockets {
        if let Some(addr) = addr {
            let ws = TcpListener::bind(addr).await?;
            tracing::info!("MQTT over {what} on {}", ws.local_addr()?);
            tokio::spawn(websocket::accept_loop(
                ws,
                events_tx.clone(),
                admission.clone(),
                tls,
                opts.max_packet_size,
            ));
        }
    }
    let gateway = match &opts.mqttsn_listen {
        Some(addr) => Some(
            mqttsn::Gateway::start(addr, opts.mqttsn_advertise.as_deref(), events_tx.clone())
                .await?,
        ),
        None => None,
    };
    let start = Instant::now();
    let mut broker = Broker::new(config);
    let store = match &opts.persistence {
        Some(dir) => {
            let (store, contents) = store::Store::open(dir)
                .map_err(|e| format!("--persistence {}: {e}", dir.display()))?;
            let restored = broker
                .restore(
                    contents.records(),
                    start.elapsed().as_millis() as u64,
                    store::wall_ms(),
                )
                .map_err(|e| format!("--persistence {}: {e}", dir.display()))?;
            tracing::info!(
                "persistence in {}: {} sessions, {} messages, {} retained messages restored",
                dir.display(),
                restored.sessions,
                restored.messages,
                restored.retained
            );
            Some(Arc::new(store))
        }
        None => None,
    };
    // Installed here, before anything is spawned: from now on a SIGHUP no longer kills.
    let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    tokio::spawn(reload_on_hangup(hangup, opts, events_tx.clone()));
    tokio::spawn(accept_loop(listener, events_tx, admission, None));
    let io = Io {
        start,
        gateway,
        write_limit,
        store,
    };
    run_broker(broker, events_rx, io, stop_signal()).await
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
async fn stop_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("install the SIGTERM handler");
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: shutting down"),
    }
}

/// On SIGHUP, reads the ACL and the password file again and hands them to the broker, as
/// mosquitto reloads its configuration (rather than dying, the default for the signal). A
/// file that no longer reads leaves the ones in force as they are.
async fn reload_on_hangup(
    mut hangup: tokio::signal::unix::Signal,
    opts: options::Options,
    events: mpsc::Sender<Event>,
) {
    while hangup.recv().await.is_some() {
        // The error as text: a boxed error is not `Send`, and this task is.
        match opts.access().map_err(|e| e.to_string()) {
            Ok(access) => {
                if events.send(Event::Reload(access)).await.is_err() {
                    return;
                }
            }
            Err(e) => tracing::warn!("SIGHUP: {e}; the ACL and passwords stay as they were"),
        }
    }
}

/// How long a TLS or WebSocket handshake may take before the connection is dropped.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a closed connection has to take its last bytes and close its side, and how
/// long a shutdown waits for the last bytes to reach the clients' sockets.
const SHUTDOWN_FLUSH: Duration = Duration::from_secs(2);

/// A failed accept (out of file descriptors, most often) leaves the connection waiting in
/// the backlog, so an accept at once would fail at once: the pause keeps an accept loop from
/// spinning on the runtime's one thread, which the broker and every connection share.
pub(crate) async fn accept_failed(listener: &str, e: std::io::Error) {
    tracing::warn!("{listener} accept failed: {e}");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// Accepts connections (TLS first, with `tls`) and starts their reader and writer tasks.
async fn accept_loop(
    listener: TcpListener,
    events: mpsc::Sender<Event>,
    admission: Arc<Admission>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    loop {
        let (stream, addr) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                accept_failed("TCP", e).await;
                continue;
            }
        };
        let Some(ticket) = admission.admit() else {
            tracing::warn!("connection from {addr} refused: --max-connections reached");
            continue;
        };
        let id = ticket.id;
        tracing::debug!("connection {id} from {addr}");
        let _ = stream.set_nodelay(true);
        match &tls {
            None => {
                let (read, write) = stream.into_split();
                // The slot first: the reader may hand over the CONNECT as soon as it runs,
                // which must not come before `Opened`.
                let Ok(slot) = events.reserve().await else {
                    return;
                };
                slot.send(Event::Opened(id, spawn_peer(ticket, read, write, &events)));
            }
            Some(acceptor) => {
                // The handshake runs in a task of its own: a slow client does not hold up
                // the others.
                let (acceptor, events) = (acceptor.clone(), events.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let (read, write) = tokio::io::split(tls);
                            let Ok(slot) = events.reserve().await else {
                                return;
                            };
                            slot.send(Event::Opened(id, spawn_peer(ticket, read, write, &events)));
                        }
                        Ok(Err(e)) => tracing::info!("TLS handshake from {addr} failed: {e}"),
                        Err(_) => tracing::info!("TLS handshake from {addr} timed out"),
                    }
                });
            }
        }
    }
}

/// Starts the reader and writer tasks of a connection; the broker task gets the handle.
fn spawn_peer<R, W>(ticket: Ticket, read: R, write: W, events: &mpsc::Sender<Event>) -> Peer
where
    R: Readiness + Send + 'static,
    W: tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let events = events.clone();
    let id = ticket.id;
    spawn_tasks(
        ticket,
        move |reading| read_loop(id, read, events, reading),
        move |rx| write_loop(write, rx),
    )
}

/// Spawns a connection's reader (given its switch) and writer (given the queue of the bytes
/// the broker sends), for any transport. Both hold the connection's `ticket`: its place is
/// given back when the last of them ends, which drops the last half of the socket.
pub(crate) fn spawn_tasks<RF, WF>(
    ticket: Ticket,
    reader: impl FnOnce(SwitchReceiver) -> RF,
    writer: impl FnOnce(outbox::Receiver) -> WF,
) -> Peer
where
    RF: std::future::Future<Output = ()> + Send + 'static,
    WF: std::future::Future<Output = ()> + Send + 'static,
{
    // An unbounded queue, bounded by the broker task: it reads the bytes waiting
    // (`pending`) and stops a connection that lets them grow past the limit.
    let (tx, rx, backlog) = outbox::channel(WRITE_LIMIT.load(Ordering::Relaxed));
    let ticket = Arc::new(ticket);
    let (held_by_writer, held_by_reader) = (ticket.clone(), ticket);
    let writing = writer(rx);
    let writer_task = tokio::spawn(async move {
        writing.await;
        drop(held_by_writer);
    });
    let (reading, switch) = reading::switch(Reading::On, backlog);
    let read = reader(switch);
    let reader = tokio::spawn(async move {
        read.await;
        drop(held_by_reader);
    });
    Peer {
        writer: tx,
        reader,
        writer_task,
        dropped: 0,
        reading,
        over_limit: None,
    }
}

/// The most one read takes from a socket.
const READ_CHUNK: usize = 16 * 1024;
/// The first read's buffer: what a device's CONNECT and SUBSCRIBE need. A read that fills
/// its buffer doubles the next one, up to `READ_CHUNK`; a short one halves it again. Small
/// buffers for the many connections that send little keep the allocator's resident pages
/// down (each buffer touched is a page kept).
const READ_FIRST: usize = 1024;

/// A stream that can say when it has something to read before a buffer is given to it, so
/// that an idle connection holds no read buffer. TCP can; TLS and WebSocket streams decode
/// records of their own, so their reads start at once.
pub(crate) trait Readiness: tokio::io::AsyncRead + Unpin {
    /// Waits until a read would not block (or returns at once).
    fn ready(&mut self) -> impl std::future::Future<Output = std::io::Result<()>> + Send;
}

impl Readiness for tokio::net::tcp::OwnedReadHalf {
    async fn ready(&mut self) -> std::io::Result<()> {
        self.readable().await
    }
}

impl<S: tokio::io::AsyncRead + Unpin + Send> Readiness for tokio::io::ReadHalf<S> {
    async fn ready(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads a socket and hands the bytes to the broker task, as its switch says (see
/// `Reading`). The buffer is taken when the socket is readable and handed over with the
/// bytes, so an idle connection holds none.
async fn read_loop(
    id: ConnId,
    mut read: impl Readiness,
    events: mpsc::Sender<Event>,
    mut switch: SwitchReceiver,
) {
    let mut size = READ_FIRST;
    loop {
        match reading::unpaused(&mut switch).await {
            Some(Reading::On) => {}
            Some(Reading::Draining) => {
                let _ = tokio::io::copy(&mut read, &mut tokio::io::sink()).await;
                return;
            }
            _ => return,
        }
        if read.ready().await.is_err() {
            break;
        }
        let mut buf = BytesMut::with_capacity(size);
        match read.read_buf(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) if reading::draining(&switch) => {}
            Ok(n) => {
                size = match n >= size {
                    true => (size * 2).min(READ_CHUNK),
                    false if n < size / 4 => (size / 2).max(READ_FIRST),
                    false => size,
                };
                if !hand_over(&events, Event::Bytes(id, buf.freeze())).await {
                    return;
                }
            }
        }
    }
    if !reading::draining(&switch) {
        hand_over(&events, Event::Closed(id)).await;
    }
}

/// Gives the broker task `event`; false once it is gone. It waits only when the channel is
/// full, in a boxed future: a wait held inline made every reader's future (and so every
/// idle connection) larger by its size.
pub(crate) async fn hand_over(events: &mpsc::Sender<Event>, event: Event) -> bool {
    match events.try_send(event) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(event)) => Box::pin(events.send(event)).await.is_ok(),
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}

/// The most one batch of queued writes gathers before it goes out.
pub(crate) const WRITE_BATCH: usize = 64 * 1024;

/// Writes what the broker sends, gathering whatever is queued into one write; closes the
/// socket once the broker drops its sender. A lone chunk is written as it is; a batch is
/// gathered in a buffer that lives only until it is written, so an idle connection holds
/// none.
async fn write_loop(mut write: impl tokio::io::AsyncWrite + Unpin, mut rx: outbox::Receiver) {
    while let Some(first) = rx.recv().await {
        let result = match rx.try_recv() {
            None => write_counted(&mut write, &first, &rx).await,
            // Boxed: a batch's state held inline made every writer's future (and so every
            // idle connection) larger, and batches come only under load.
            Some(second) => Box::pin(write_batch(&mut write, &first, &second, &mut rx)).await,
        };
        if result.is_err() || write.flush().await.is_err() {
            return;
        }
    }
    let _ = write.shutdown().await;
}

/// Writes `first`, `second` and whatever else is queued, gathered into writes of up to
/// `WRITE_BATCH` bytes.
async fn write_batch(
    write: &mut (impl tokio::io::AsyncWrite + Unpin),
    first: &[u8],
    second: &[u8],
    rx: &mut outbox::Receiver,
) -> std::io::Result<()> {
    let mut batch = BytesMut::with_capacity(WRITE_BATCH.max(first.len()));
    batch.extend_from_slice(first);
    batch.extend_from_slice(second);
    while let Some(more) = rx.try_recv() {
        if batch.len() + more.len() > WRITE_BATCH {
            write_counted(write, &batch, rx).await?;
            batch.clear();
        }
        batch.extend_from_slice(&more);
    }
    write_counted(write, &batch, rx).await
}

/// Writes `data`, and takes it off the count of bytes waiting once written (the broker
/// task reads that count to find connections that do not read).
async fn write_counted(
    write: &mut (impl tokio::io::AsyncWrite + Unpin),
    data: &[u8],
    rx: &outbox::Receiver,
) -> std::io::Result<()> {
    // Counted as the socket takes them, not once the whole is written: a client that
    // reads slowly is making progress (see `Peer::stalled`).
    let mut rest = data;
    while !rest.is_empty() {
        let n = write.write(rest).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        rx.written(n);
        rest = rest.get(n..).unwrap_or_default();
    }
    Ok(())
}

/// What the broker task drives besides the broker.
struct Io {
    /// The broker's clock starts here.
    start: Instant,
    gateway: Option<mqttsn::Gateway>,
    write_limit: usize,
    store: Option<Arc<store::Store>>,
}

/// With persistence, how many waiting events one store commit may gather.
const COMMIT_GROUP: usize = 256;

/// Gives the broker one event.
fn on_event(
    broker: &mut Broker,
    peers: &mut HashMap<ConnId, Peer>,
    closing: &mut Vec<tokio::task::JoinHandle<()>>,
    gateway: &mut Option<mqttsn::Gateway>,
    event: Event,
    now: u64,
) {
    match event {
        Event::Opened(id, peer) => {
            peers.insert(id, peer);
            broker.connection_opened(id, now);
        }
        Event::Bytes(id, data) => broker.bytes_received(id, &data, now),
        Event::Closed(id) => {
            broker.connection_closed(id, now);
            // The client closed its side; the writer may still be stuck on a peer that
            // acknowledges nothing: it gets SHUTDOWN_FLUSH, as a connection the broker
            // closes does, rather than hold its socket and queue for good.
            if let Some(peer) = peers.remove(&id) {
                closing.retain(|task| !task.is_finished());
                closing.extend(retire(peer));
            }
        }
        Event::Datagram(addr, data) => {
            if let Some(g) = gateway.as_mut() {
                broker.datagram_received(g.peer(addr), &data, now);
            }
        }
        Event::Reload((acl, passwords)) => broker.reload_access(acl, passwords),
    }
}

/// Ends a connection's tasks: dropping the sender lets the writer flush and shut its side
/// of the socket while the reader drains the other; a peer that does not read, or does not
/// close, gets SHUTDOWN_FLUSH, then the socket is dropped, so it cannot hold a task and a
/// descriptor. Returns the tasks, for a shutdown to await.
fn retire(peer: Peer) -> [tokio::task::JoinHandle<()>; 2] {
    peer.reading.set(Reading::Draining);
    let (reader, writer) = (peer.reader.abort_handle(), peer.writer_task.abort_handle());
    tokio::spawn(async move {
        tokio::time::sleep(SHUTDOWN_FLUSH).await;
        reader.abort();
        writer.abort();
    });
    [peer.writer_task, peer.reader]
}

/// Owns the broker: feeds it events and time, carries out its actions. With persistence,
/// the changes of each group of events are committed before any of their actions is
/// carried out, so no acknowledgement goes out for a message the store does not hold.
async fn run_broker(
    mut broker: Broker,
    mut events: mpsc::Receiver<Event>,
    io: Io,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), Box<dyn std::error::Error>> {
    let Io {
        start,
        mut gateway,
        write_limit,
        store,
    } = io;
    let now = |start: Instant| start.elapsed().as_millis() as u64;
    let mut peers: HashMap<ConnId, Peer> = HashMap::new();
    // Writers and readers of closed connections, still flushing and draining; awaited
    // only on shutdown.
    let mut closing: Vec<tokio::task::JoinHandle<()>> = Vec::new();
    let mut stopping = false;
    tokio::pin!(stop);
    loop {
        let deadline = broker
            .next_deadline()
            .map(|ms| start + Duration::from_millis(ms))
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else { return Ok(()) };
                on_event(&mut broker, &mut peers, &mut closing, &mut gateway, event, now(start));
                if store.is_some() {
                    // One commit for whatever else is already waiting.
                    for _ in 1..COMMIT_GROUP {
                        let Ok(event) = events.try_recv() else { break };
                        on_event(&mut broker, &mut peers, &mut closing, &mut gateway, event, now(start));
                    }
                }
            }
            _ = tokio::time::sleep_until(deadline) => broker.tick(now(start)),
            _ = &mut stop, if !stopping => {
                // 5.0 clients get DISCONNECT 0x8B; every connection is closed below.
                broker.shutdown(now(start));
                stopping = true;
            }
        }
        commit(&mut broker, store.as_ref(), now(start)).await?;
        while let Some(action) = broker.poll_action() {
            match action {
                Action::Send { conn, data } => {
                    let Some(peer) = peers.get_mut(&conn) else {
                        continue;
                    };
                    // A client that stops reading fills only its own queue, and nobody else
                    // waits for it. Past the limit, what the core says may go (a QoS 0
                    // PUBLISH that defines no topic alias) is dropped and counted. Anything
                    // else must not vanish from a live connection: it is queued while the
                    // writer makes progress (one burst, a resumed session's messages in
                    // flight or a subscription's retained ones, outruns any socket) and the
                    // connection is closed as lost once the writer has written nothing for
                    // `STALL_GRACE`: the will goes out, and a persistent session resends its
                    // messages in flight on reconnect.
                    let pending = peer.writer.pending();
                    if pending > write_limit / 2 {
                        // Its reader may be held back while it does not read (see
                        // `outbox::Backlog`), unless its acknowledgements are awaited.
                        peer.writer
                            .set_holdable(!broker.awaits_acknowledgement(conn));
                    }
                    if pending > 0 && pending.saturating_add(data.len()) > write_limit {
                        if broker.may_drop(conn, &data) {
                            peer.dropped += 1;
                            if peer.dropped.is_power_of_two() {
                                tracing::warn!(
                                    "connection {conn}: not reading, {} QoS 0 messages dropped",
                                    peer.dropped
                                );
                            }
                            continue;
                        }
                        if peer.stalled(Instant::now()) {
                            tracing::warn!(
                                "connection {conn}: not reading, {pending} bytes waiting; closing it"
                            );
                            if let Some(peer) = peers.remove(&conn) {
                                peer.reader.abort();
                                peer.writer_task.abort();
                            }
                            broker.connection_closed(conn, now(start));
                            // Its will and what else that changed are stored before they go out.
                            commit(&mut broker, store.as_ref(), now(start)).await?;
                            continue;
                        }
                    }
                    peer.writer.send(data);
                }
                Action::PauseReading { conn } | Action::ResumeReading { conn } => {
                    if let Some(peer) = peers.get(&conn) {
                        let switch = match action {
                            Action::PauseReading { .. } => Reading::Paused,
                            _ => Reading::On,
                        };
                        peer.reading.set(switch);
                    }
                }
                Action::Close { conn } => {
                    if let Some(peer) = peers.remove(&conn) {
                        closing.retain(|task| !task.is_finished());
                        closing.extend(retire(peer));
                    }
                }
                Action::SendDatagram { peer, data } => {
                    if let Some(g) = &gateway {
                        g.send(peer, &data);
                    }
                }
                Action::SnAdvertise { data } => {
                    if let Some(g) = &gateway {
                        g.advertise(&data);
                    }
                }
                Action::Log { level, message } => match level {
                    Level::Error => tracing::error!("{message}"),
                    Level::Warn => tracing::warn!("{message}"),
                    Level::Info => tracing::info!("{message}"),
                    Level::Debug => tracing::debug!("{message}"),
                },
                other => tracing::warn!("an action this loop does not carry out: {other:?}"),
            }
        }
        // Every action carried out: no datagram waits for an address about to go.
        if let Some(g) = gateway.as_mut() {
            g.prune(|peer| broker.sn_peer_in_use(peer));
        }
        if stopping {
            let flushed = async {
                for task in closing.drain(..) {
                    let _ = task.await;
                }
            };
            if tokio::time::timeout(SHUTDOWN_FLUSH, flushed).await.is_err() {
                tracing::warn!(
                    "shutdown: some clients did not take their last bytes or close in time"
                );
            }
            return Ok(());
        }
    }
}

/// With persistence, writes what the broker changed, durable before any action polled
/// since is carried out.
async fn commit(
    broker: &mut Broker,
    store: Option<&Arc<store::Store>>,
    now: u64,
) -> Result<(), store::StoreWriteError> {
    let Some(store) = store else { return Ok(()) };
    let changes = broker.store_changes(now, store::wall_ms());
    if changes.is_empty() {
        return Ok(());
    }
    // The broker waits for the commit: nothing of this group may go out before it. The
    // write (and its fsync) runs on the blocking pool, so the connections' tasks go on
    // reading and writing on the runtime's one thread meanwhile.
    let store = Arc::clone(store);
    let written = tokio::task::spawn_blocking(move || store.write(&changes))
        .await
        .unwrap_or_else(|e| Err(store::StoreWriteError::Lost(e.to_string())));
    written.inspect_err(|e| {
        tracing::error!("persistence: a write failed, stopping: {e}");
    })
}
