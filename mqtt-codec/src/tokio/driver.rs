//! The driver task: it owns the [`Session`] and the stream, and only moves bytes and time
//! between them. Commands arrive over a channel; the session's events answer them, feed
//! [`super::Messages`] and the status; a lost stream is replaced by a new one from the
//! connector after an exponential backoff, and the session resumes over it.

use super::client::{ClientError, ConnectionStatus, DriverOptions};
use super::resubscription::SubscribeProperties;
use crate::client::{Event, Millis, Session};
use crate::packet::{PacketId, Publish, Subscription};
use crate::properties::Properties;
use crate::qos::QoS;
use crate::reason::ReasonCode;
use crate::string::MqttStr;
use ::tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use ::tokio::sync::{mpsc, oneshot, watch};
use ::tokio::time::{Instant, Sleep, Timeout};
use bytes::BytesMut;
use core::future::Future;
use core::pin::Pin;
use core::time::Duration;
use std::boxed::Box;
use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::Arc;
use std::vec::Vec;

/// The most commands taken from the channel at once before the link is served again.
const COMMAND_BATCH: usize = 256;

/// No command is taken while this much output waits for the stream: a slow link holds
/// the callers in [`super::Client`]'s bounded channel instead of growing the output.
const OUTPUT_HIGH_WATER: usize = 64 * 1024;

/// Where a command's answer goes.
pub(super) type Reply<T> = oneshot::Sender<Result<T, ClientError>>;

/// Answers a command. A caller that gave up waiting dropped its receiver: nobody to tell.
fn answer<T>(reply: Reply<T>, result: Result<T, ClientError>) {
    let _ = reply.send(result);
}

/// What a [`super::Client`] asks of the driver.
pub(super) enum Command {
    Publish {
        publish: Publish,
        reply: Reply<Option<PacketId>>,
    },
    Subscribe {
        subscriptions: Vec<Subscription>,
        /// Boxed: the largest field of any command by far, and rarely set.
        properties: Box<Properties>,
        reply: Reply<Vec<ReasonCode>>,
    },
    Unsubscribe {
        filters: Vec<MqttStr>,
        reply: Reply<Vec<ReasonCode>>,
    },
    Ack {
        packet_id: PacketId,
        reply: Reply<()>,
    },
}

impl Command {
    /// The session takes it only on a connection accepted by CONNACK; until then it waits
    /// in the driver.
    fn needs_connection(&self) -> bool {
        match self {
            Command::Publish { publish, .. } => publish.qos == QoS::AtMostOnce,
            Command::Subscribe { .. } | Command::Unsubscribe { .. } => true,
            Command::Ack { .. } => false,
        }
    }

    /// Answers it with `error`.
    fn fail(self, error: ClientError) {
        match self {
            Command::Publish { reply, .. } => answer(reply, Err(error)),
            Command::Subscribe { reply, .. } | Command::Unsubscribe { reply, .. } => {
                answer(reply, Err(error))
            }
            Command::Ack { reply, .. } => answer(reply, Err(error)),
        }
    }
}

/// What the driver task is made of.
pub(super) struct Parts<C> {
    pub(super) session: Session,
    pub(super) connector: C,
    pub(super) options: DriverOptions,
    pub(super) commands: mpsc::Receiver<Command>,
    pub(super) messages: mpsc::Sender<Publish>,
    pub(super) stop: watch::Receiver<bool>,
    pub(super) status: watch::Sender<ConnectionStatus>,
}

/// Starts the driver task on the current runtime.
pub(super) fn spawn<S, C, F>(parts: Parts<C>)
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    C: FnMut() -> F + Send + 'static,
    F: Future<Output = io::Result<S>> + Send + 'static,
{
    let Parts {
        session,
        connector,
        options,
        commands,
        messages,
        stop,
        status,
    } = parts;
    let driver = Driver {
        session,
        connector,
        inbuf: BytesMut::with_capacity(options.read_buffer_size.max(1)),
        options,
        commands,
        messages: Some(messages),
        stop,
        status,
        start: Instant::now(),
        timer: Box::pin(::tokio::time::sleep(Duration::ZERO)),
        link: Link::Down,
        out: BytesMut::new(),
        needs_flush: false,
        queued_bytes: 0,
        written_bytes: 0,
        attempt: 0,
        stopping: false,
        final_status: ConnectionStatus::Closed,
        inbox: VecDeque::new(),
        deferred: VecDeque::new(),
        publishes: HashMap::new(),
        subscribes: HashMap::new(),
        unsubscribes: HashMap::new(),
        resubscribing: Vec::new(),
        resubscribe_next: Vec::new(),
        subscribe_properties: SubscribeProperties::default(),
        written: VecDeque::new(),
    };
    ::tokio::spawn(driver.run());
}

/// The stream, or what stands for it between two.
enum Link<S, F> {
    /// None: just lost, or never to be again.
    Down,
    /// None; the next attempt starts when the backoff ends.
    Waiting(Pin<Box<Sleep>>),
    /// The connector runs.
    Opening(Pin<Box<Timeout<F>>>),
    /// A stream, split so that it is read while it is written.
    Up {
        read: ReadHalf<S>,
        write: WriteHalf<S>,
    },
}

/// What happened on the link.
enum LinkEvent<S> {
    /// The backoff ended.
    Retry,
    /// The connector finished.
    Opened(io::Result<S>),
    /// A read into the read buffer (0: the stream ended).
    Read(io::Result<usize>),
    /// A write of the front of the output.
    Wrote(io::Result<usize>),
    /// The output was flushed.
    Flushed(io::Result<()>),
}

/// The next thing to happen on `link`. Cancel-safe: reads and writes happen in
/// one poll or not at all, and the connector and backoff are kept in the link.
async fn link_event<S, F>(
    link: &mut Link<S, F>,
    inbuf: &mut BytesMut,
    out: &mut BytesMut,
    flush: bool,
    reading: bool,
) -> LinkEvent<S>
where
    S: AsyncRead + AsyncWrite,
    F: Future<Output = io::Result<S>>,
{
    match link {
        Link::Down => core::future::pending().await,
        Link::Waiting(sleep) => {
            sleep.as_mut().await;
            LinkEvent::Retry
        }
        Link::Opening(open) => LinkEvent::Opened(match open.as_mut().await {
            Ok(opened) => opened,
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the connector took longer than the connect timeout",
            )),
        }),
        Link::Up { read, write } => {
            ::tokio::select! {
                n = read.read_buf(inbuf), if reading => LinkEvent::Read(n),
                event = write_step(write, out), if !out.is_empty() || flush => event,
                else => core::future::pending().await,
            }
        }
    }
}

/// Writes the front of `out`, or flushes once it is all written.
async fn write_step<S: AsyncWrite, E>(
    write: &mut WriteHalf<S>,
    out: &mut BytesMut,
) -> LinkEvent<E> {
    if out.is_empty() {
        LinkEvent::Flushed(write.flush().await)
    } else {
        LinkEvent::Wrote(write.write_buf(out).await)
    }
}

/// Hands the first message of `inbox` to [`super::Messages`] once it has room; false when
/// the application dropped it. Cancel-safe: the message leaves `inbox` only when sent.
async fn deliver_one(
    messages: Option<&mpsc::Sender<Publish>>,
    inbox: &mut VecDeque<Publish>,
) -> bool {
    let Some(tx) = messages else {
        return core::future::pending().await;
    };
    match tx.reserve().await {
        Ok(permit) => {
            if let Some(message) = inbox.pop_front() {
                permit.send(message);
            }
            true
        }
        Err(_) => false,
    }
}

/// The driver task's state.
struct Driver<S, C, F> {
    session: Session,
    connector: C,
    options: DriverOptions,
    commands: mpsc::Receiver<Command>,
    /// `None` once the application dropped [`super::Messages`].
    messages: Option<mpsc::Sender<Publish>>,
    stop: watch::Receiver<bool>,
    status: watch::Sender<ConnectionStatus>,
    /// The session's clock starts here.
    start: Instant,
    /// Fires at the session's next deadline (armed only while there is one).
    timer: Pin<Box<Sleep>>,
    link: Link<S, F>,
    inbuf: BytesMut,
    /// Bytes of the session's to write.
    out: BytesMut,
    /// Bytes were written since the last flush.
    needs_flush: bool,
    /// Bytes put into `out`, and written from it, on every connection so far: the marks of
    /// the QoS 0 PUBLISHes in `written`.
    queued_bytes: u64,
    written_bytes: u64,
    /// Failed attempts since the last CONNACK accepted, for the backoff.
    attempt: u32,
    stopping: bool,
    /// The status the driver ends with.
    final_status: ConnectionStatus,
    /// Messages received and not yet taken by [`super::Messages`].
    inbox: VecDeque<Publish>,
    /// Commands waiting for a connection.
    deferred: VecDeque<Command>,
    /// QoS 1 and 2 PUBLISHes awaiting PUBACK or PUBCOMP, by packet identifier.
    publishes: HashMap<u16, Reply<Option<PacketId>>>,
    subscribes: HashMap<u16, Reply<Vec<ReasonCode>>>,
    unsubscribes: HashMap<u16, Reply<Vec<ReasonCode>>>,
    /// The packet identifiers of the driver's own SUBSCRIBEs of what a new session lost.
    resubscribing: Vec<u16>,
    /// Those whose connection ended before their SUBACK: made again on the next one (the
    /// session forgot them when the server lost them).
    resubscribe_next: Vec<Subscription>,
    /// The properties each subscription was made with, to make it again with them.
    subscribe_properties: SubscribeProperties,
    /// QoS 0 PUBLISHes awaiting their write: done once `written_bytes` reaches the mark.
    written: VecDeque<(u64, Reply<Option<PacketId>>)>,
}

impl<S, C, F> Driver<S, C, F>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    C: FnMut() -> F + Send + 'static,
    F: Future<Output = io::Result<S>> + Send + 'static,
{
    async fn run(mut self) {
        self.open();
        while !self.stopping {
            self.pull_transmit();
            let deadline = self
                .session
                .next_timeout()
                .and_then(|ms| self.start.checked_add(Duration::from_millis(ms)));
            // One timer, moved when the deadline moves: not a new one every turn.
            if let Some(at) = deadline {
                if self.timer.deadline() != at {
                    self.timer.as_mut().reset(at);
                }
            }
            let accepting = self.accepting();
            let reading = self.reading();
            let delivering = !self.inbox.is_empty();
            ::tokio::select! {
                event = link_event(
                    &mut self.link,
                    &mut self.inbuf,
                    &mut self.out,
                    self.needs_flush,
                    reading,
                ) => self.on_link(event),
                command = self.commands.recv(), if accepting => match command {
                    Some(command) => {
                        self.command(command);
                        self.take_waiting_commands();
                    }
                    // Every handle is gone.
                    None => self.stopping = true,
                },
                open = deliver_one(self.messages.as_ref(), &mut self.inbox), if delivering => {
                    if !open {
                        self.messages_dropped();
                    }
                }
                () = self.timer.as_mut(), if deadline.is_some() => {
                    let now = self.now();
                    self.session.handle_timeout(now);
                }
                // `disconnect`, or every handle dropped (the sender with them).
                _ = self.stop.changed() => self.stopping = true,
            }
            self.process().await;
            if matches!(self.link, Link::Down) && !self.stopping {
                if self.options.reconnect {
                    self.wait_to_retry();
                } else {
                    // What ended the connection (lost, refused, not opened) stays readable.
                    let last = self.status.borrow().clone();
                    self.final_status = ConnectionStatus::GaveUp(Box::new(last));
                    self.stopping = true;
                }
            }
        }
        self.shutdown().await;
    }

    /// Whether to take commands: fewer than the capacity wait for a connection, and the
    /// output is below its high-water mark.
    fn accepting(&self) -> bool {
        self.deferred.len() < self.options.command_capacity.max(1)
            && self.out.len() < OUTPUT_HIGH_WATER
    }

    /// Whether to read the stream. Reading stops while [`super::Messages`] is full (the
    /// server then waits, as TCP flow control makes it), except for what must be read
    /// whatever the application does: CONNACK, and the PINGRESP without which the
    /// session would take a live server for a dead one.
    fn reading(&self) -> bool {
        self.inbox.len() < self.options.message_capacity.max(1)
            || !self.session.is_connected()
            || self.session.awaiting_pingresp()
    }

    /// The session's clock.
    fn now(&self) -> Millis {
        Millis::try_from(self.start.elapsed().as_millis()).unwrap_or(Millis::MAX)
    }

    fn set_status(&self, status: ConnectionStatus) {
        self.status.send_replace(status);
    }

    /// Calls the connector.
    fn open(&mut self) {
        self.set_status(ConnectionStatus::Connecting);
        let open = ::tokio::time::timeout(self.options.connect_timeout, (self.connector)());
        self.link = Link::Opening(Box::pin(open));
    }

    /// Schedules the next attempt: the minimum backoff doubled per failed attempt, capped.
    fn wait_to_retry(&mut self) {
        let factor = 1u32 << self.attempt.min(16);
        let delay = self
            .options
            .backoff_min
            .saturating_mul(factor)
            .min(self.options.backoff_max);
        self.attempt = self.attempt.saturating_add(1);
        self.link = Link::Waiting(Box::pin(::tokio::time::sleep(delay)));
    }

    fn on_link(&mut self, event: LinkEvent<S>) {
        let now = self.now();
        match event {
            LinkEvent::Retry => self.open(),
            LinkEvent::Opened(Ok(stream)) => {
                let (read, write) = ::tokio::io::split(stream);
                self.link = Link::Up { read, write };
                if let Err(e) = self.session.connect(now) {
                    self.final_status = ConnectionStatus::Failed(e);
                    self.stopping = true;
                }
            }
            LinkEvent::Opened(Err(e)) => {
                self.set_status(ConnectionStatus::ConnectFailed(Arc::new(e)));
                self.link = Link::Down;
            }
            LinkEvent::Read(Ok(0))
            | LinkEvent::Read(Err(_))
            | LinkEvent::Wrote(Ok(0))
            | LinkEvent::Wrote(Err(_))
            | LinkEvent::Flushed(Err(_)) => {
                self.link = Link::Down;
                self.discard_output();
                // Reports `Disconnected` unless the session had already ended the
                // connection (a refusal), and keeps what is in flight for the next one.
                self.session.connection_lost(now);
            }
            LinkEvent::Read(Ok(_)) => {
                self.session.receive(&self.inbuf, now);
                self.inbuf.clear();
            }
            LinkEvent::Wrote(Ok(n)) => {
                self.written_bytes = self.written_bytes.saturating_add(n as u64);
                self.needs_flush = true;
            }
            LinkEvent::Flushed(Ok(())) => {
                self.needs_flush = false;
                self.resolve_written();
            }
        }
    }

    /// Takes the commands already waiting in the channel (up to a batch), so that their
    /// packets go out in one write rather than one write each.
    fn take_waiting_commands(&mut self) {
        for _ in 0..COMMAND_BATCH {
            if !self.accepting() {
                return;
            }
            match self.commands.try_recv() {
                Ok(command) => self.command(command),
                Err(_) => return,
            }
        }
    }

    /// Hands a command to the session, or keeps it until there is a connection.
    fn command(&mut self, command: Command) {
        if command.needs_connection() && !self.session.is_connected() {
            self.deferred.push_back(command);
            return;
        }
        let now = self.now();
        match command {
            Command::Publish { publish, reply } => {
                match self.session.publish_packet(publish, now) {
                    Ok(Some(id)) => {
                        self.publishes.insert(id.get(), reply);
                    }
                    Ok(None) => {
                        self.pull_transmit();
                        self.written.push_back((self.queued_bytes, reply));
                    }
                    Err(e) => answer(reply, Err(e.into())),
                }
            }
            Command::Subscribe {
                subscriptions,
                properties,
                reply,
            } => {
                let made =
                    self.session
                        .subscribe_with(subscriptions.clone(), *properties.clone(), now);
                match made {
                    Ok(id) => {
                        self.subscribe_properties
                            .subscribed(&subscriptions, &properties);
                        self.subscribes.insert(id.get(), reply);
                    }
                    Err(e) => answer(reply, Err(e.into())),
                }
            }
            Command::Unsubscribe { filters, reply } => {
                match self.session.unsubscribe(filters.clone(), now) {
                    Ok(id) => {
                        self.subscribe_properties.unsubscribed(&filters);
                        self.unsubscribes.insert(id.get(), reply);
                    }
                    Err(e) => answer(reply, Err(e.into())),
                }
            }
            Command::Ack { packet_id, reply } => {
                let result = self.session.ack(packet_id, now).map_err(Into::into);
                answer(reply, result);
            }
        }
    }

    /// Takes what the session has to send into the output, while there is a stream.
    fn pull_transmit(&mut self) {
        let up = matches!(self.link, Link::Up { .. });
        while let Some(bytes) = self.session.poll_transmit() {
            if up {
                self.queued_bytes = self.queued_bytes.saturating_add(bytes.len() as u64);
                self.out.extend_from_slice(&bytes);
            }
        }
    }

    /// QoS 0 PUBLISHes written and flushed.
    fn resolve_written(&mut self) {
        while self
            .written
            .front()
            .is_some_and(|(mark, _)| *mark <= self.written_bytes)
        {
            if let Some((_, reply)) = self.written.pop_front() {
                answer(reply, Ok(None));
            }
        }
    }

    /// The stream is gone: what was not written never will be.
    fn discard_output(&mut self) {
        self.resolve_written();
        for (_, reply) in self.written.drain(..) {
            answer(reply, Err(ClientError::ConnectionLost));
        }
        self.out.clear();
        self.inbuf.clear();
        self.written_bytes = self.queued_bytes;
        self.needs_flush = false;
    }

    /// Writes what is left to write (the session's DISCONNECT, if it sent one) within the
    /// close timeout, and closes the stream.
    async fn close_link(&mut self) {
        self.pull_transmit();
        if let Link::Up { read, mut write } = core::mem::replace(&mut self.link, Link::Down) {
            let out = &mut self.out;
            let closed = ::tokio::time::timeout(self.options.close_timeout, async {
                write.write_all_buf(out).await?;
                write.flush().await?;
                write.shutdown().await
            })
            .await;
            if matches!(closed, Ok(Ok(()))) {
                self.written_bytes = self.queued_bytes;
            }
            drop(read);
        }
        self.discard_output();
    }

    /// Carries out the session's events.
    async fn process(&mut self) {
        while let Some(event) = self.session.poll_event() {
            match event {
                Event::Connected {
                    session_present, ..
                } => {
                    self.attempt = 0;
                    self.set_status(ConnectionStatus::Connected { session_present });
                    let lost = core::mem::take(&mut self.resubscribe_next);
                    self.resubscribe(lost);
                    for command in core::mem::take(&mut self.deferred) {
                        self.command(command);
                    }
                }
                Event::ConnectionRefused {
                    reason,
                    server_speaks_v3,
                } => {
                    self.set_status(ConnectionStatus::Refused {
                        reason,
                        server_speaks_v3,
                    });
                    self.close_link().await;
                }
                Event::Message { publish, .. } => {
                    if self.messages.is_some() {
                        self.inbox.push_back(publish);
                    }
                }
                Event::Published { packet_id, .. } => {
                    if let Some(reply) = self.publishes.remove(&packet_id.get()) {
                        answer(reply, Ok(Some(packet_id)));
                    }
                }
                Event::PublishFailed { packet_id, failure } => {
                    if let Some(reply) = self.publishes.remove(&packet_id.get()) {
                        answer(reply, Err(ClientError::PublishFailed(failure)));
                    }
                }
                Event::Subscribed {
                    packet_id,
                    reason_codes,
                } => {
                    self.resubscribing.retain(|&id| id != packet_id.get());
                    if let Some(reply) = self.subscribes.remove(&packet_id.get()) {
                        answer(reply, Ok(reason_codes));
                    }
                }
                Event::Unsubscribed {
                    packet_id,
                    reason_codes,
                } => {
                    if let Some(reply) = self.unsubscribes.remove(&packet_id.get()) {
                        answer(reply, Ok(reason_codes));
                    }
                }
                Event::SubscriptionsLost { subscriptions } => self.resubscribe(subscriptions),
                Event::Reauthenticated => {}
                Event::Disconnected { reason, by_server } => {
                    if !self.stopping {
                        self.set_status(ConnectionStatus::Disconnected { reason, by_server });
                    }
                    self.close_link().await;
                }
                // No SUBACK or UNSUBACK comes on another connection.
                Event::SubscribeLost {
                    packet_id,
                    subscriptions,
                } => {
                    if let Some(at) = self
                        .resubscribing
                        .iter()
                        .position(|&id| id == packet_id.get())
                    {
                        self.resubscribing.swap_remove(at);
                        self.resubscribe_next.extend(subscriptions);
                    }
                    if let Some(reply) = self.subscribes.remove(&packet_id.get()) {
                        answer(reply, Err(self.lost_error()));
                    }
                }
                Event::UnsubscribeLost { packet_id } => {
                    if let Some(reply) = self.unsubscribes.remove(&packet_id.get()) {
                        answer(reply, Err(self.lost_error()));
                    }
                }
            }
        }
        self.deliver();
    }

    /// The server started a new session: the subscriptions the old one had granted are
    /// made again with the options they were granted with and the properties (Subscription
    /// Identifier, User Properties) they were made with, one SUBSCRIBE per set of
    /// properties (their SUBACK answers nobody), and again on the next connection if this
    /// one ends first. A server that refuses them now leaves the application without their
    /// messages, as it would be.
    fn resubscribe(&mut self, lost: Vec<Subscription>) {
        let now = self.now();
        for (properties, group) in self.subscribe_properties.groups(lost) {
            match group.len() {
                0 => {}
                1 => self.resubscribe_one(group, &properties, now),
                // One SUBSCRIBE too large for the server, or holding a filter it cannot
                // take: each alone, so that one refused does not take the others with it.
                _ => match self
                    .session
                    .subscribe_with(group.clone(), properties.clone(), now)
                {
                    Ok(id) => self.resubscribing.push(id.get()),
                    Err(_) => group
                        .into_iter()
                        .for_each(|s| self.resubscribe_one(std::vec![s], &properties, now)),
                },
            }
        }
    }

    fn resubscribe_one(
        &mut self,
        subscriptions: Vec<Subscription>,
        properties: &Properties,
        now: Millis,
    ) {
        if let Ok(id) = self
            .session
            .subscribe_with(subscriptions, properties.clone(), now)
        {
            self.resubscribing.push(id.get());
        }
    }

    /// What a request cut off by the end of the connection fails with.
    fn lost_error(&self) -> ClientError {
        match self.stopping {
            true => ClientError::Closed,
            false => ClientError::ConnectionLost,
        }
    }

    /// Hands received messages to [`super::Messages`] while it has room.
    fn deliver(&mut self) {
        let Some(tx) = &self.messages else {
            self.inbox.clear();
            return;
        };
        while let Some(message) = self.inbox.pop_front() {
            match tx.try_send(message) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(message)) => {
                    self.inbox.push_front(message);
                    return;
                }
                Err(mpsc::error::TrySendError::Closed(_)) => return self.messages_dropped(),
            }
        }
    }

    /// The application dropped [`super::Messages`]: messages are taken and let go.
    fn messages_dropped(&mut self) {
        self.messages = None;
        self.inbox.clear();
    }

    /// Ends the driver: DISCONNECT on a live stream, every waiting command answered.
    async fn shutdown(&mut self) {
        if matches!(self.link, Link::Up { .. }) {
            let now = self.now();
            // Refused only when the session already ended the connection.
            let _ = self.session.disconnect(now);
            self.close_link().await;
        }
        self.link = Link::Down;
        self.process().await;
        for (_, reply) in self.publishes.drain() {
            answer(reply, Err(ClientError::Closed));
        }
        for (_, reply) in self.subscribes.drain() {
            answer(reply, Err(ClientError::Closed));
        }
        for (_, reply) in self.unsubscribes.drain() {
            answer(reply, Err(ClientError::Closed));
        }
        for (_, reply) in self.written.drain(..) {
            answer(reply, Err(ClientError::Closed));
        }
        for command in self.deferred.drain(..) {
            command.fail(ClientError::Closed);
        }
        self.commands.close();
        while let Ok(command) = self.commands.try_recv() {
            command.fail(ClientError::Closed);
        }
        let status = core::mem::replace(&mut self.final_status, ConnectionStatus::Closed);
        self.set_status(status);
        // The messages received before the end are still the application's: they wait
        // here until it takes them (or drops `Messages`), and `Messages` ends after them.
        if let Some(tx) = self.messages.take() {
            for message in self.inbox.drain(..) {
                if tx.send(message).await.is_err() {
                    break;
                }
            }
        }
    }
}
