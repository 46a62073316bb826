//! The application's side of the driver: the [`Client`] handle, the [`Messages`] stream,
//! the options, the connection status and the errors.

use super::driver::{self, Command};
use crate::client::{PublishFailure, Session, SessionConfig, SessionError};
use crate::packet::{PacketId, Publish, Subscription};
use crate::properties::Properties;
use crate::qos::QoS;
use crate::reason::ReasonCode;
use crate::topic::{TopicError, TopicFilter, TopicName};
use ::tokio::io::{AsyncRead, AsyncWrite};
use ::tokio::sync::{mpsc, oneshot, watch};
use bytes::Bytes;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::boxed::Box;
use std::io;
use std::sync::Arc;
use std::vec::Vec;

/// How the driver runs. [`DriverOptions::default`] gives the defaults; the fields are
/// public so that a caller changes what it needs.
#[derive(Clone, Debug)]
pub struct DriverOptions {
    /// The wait before the first reconnect; it doubles with every failed attempt.
    pub backoff_min: Duration,
    /// The longest wait between two attempts.
    pub backoff_max: Duration,
    /// Open a new connection when one is lost or refused; off, the driver stops instead
    /// ([`ConnectionStatus::Closed`]).
    pub reconnect: bool,
    /// How long the connector may take to open a stream before the attempt counts as failed.
    pub connect_timeout: Duration,
    /// How long the last bytes (a DISCONNECT) may take to be written when a connection is
    /// closed by us or the session.
    pub close_timeout: Duration,
    /// How many commands ([`Client::publish`], ...) may wait for the driver. The driver
    /// takes none while 64 KiB of output wait for a slow stream, so a caller that
    /// publishes faster than the stream carries waits in [`Client::publish`].
    pub command_capacity: usize,
    /// How many received messages may wait for the application in [`Messages`]; beyond
    /// that the driver stops reading the stream until the application takes some (the
    /// server then waits, as TCP flow control makes it). It still reads while waiting
    /// for CONNACK or for the answer to its PINGREQ, so that a slow application does not
    /// make a live server look dead: an application awaiting a [`Client::publish`] from
    /// inside its message loop must still take messages for the PUBACK to be read.
    pub message_capacity: usize,
    /// The size of the read buffer.
    pub read_buffer_size: usize,
}

impl Default for DriverOptions {
    /// Backoff from 100 ms to 30 s, reconnecting; 30 s to open a stream, 5 s to close one;
    /// 64 commands and 256 messages waiting; reads of 16 KiB.
    fn default() -> Self {
        DriverOptions {
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(30),
            reconnect: true,
            connect_timeout: Duration::from_secs(30),
            close_timeout: Duration::from_secs(5),
            command_capacity: 64,
            message_capacity: 256,
            read_buffer_size: 16 * 1024,
        }
    }
}

/// Where the driver's connection stands, as [`Client::status`] and
/// [`Client::watch_status`] tell it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ConnectionStatus {
    /// Opening a stream, or waiting for CONNACK.
    Connecting,
    /// CONNACK accepted the connection.
    Connected {
        /// The server resumed the session. When it did not on a reconnect, what was in
        /// flight failed ([`PublishFailure::SessionLost`]), and the driver made the
        /// subscriptions the old session had again, with the options they were granted
        /// and the properties (Subscription Identifier, User Properties) they were made
        /// with.
        session_present: bool,
    },
    /// The connection ended; a new one is opened after the backoff (with
    /// [`DriverOptions::reconnect`] off, [`ConnectionStatus::GaveUp`] follows).
    Disconnected {
        /// The reason: the server's (5.0 DISCONNECT), or the one the session sent when the
        /// server broke a rule; `None` when the connection was lost.
        reason: Option<ReasonCode>,
        /// The server sent DISCONNECT.
        by_server: bool,
    },
    /// CONNACK refused the connection; a new one is tried after the backoff (with
    /// [`DriverOptions::reconnect`] off, [`ConnectionStatus::GaveUp`] follows).
    Refused {
        /// Why.
        reason: ReasonCode,
        /// The server answered a 5.0 CONNECT in 3.1.1: it does not speak 5.0.
        server_speaks_v3: bool,
    },
    /// The connector failed (or took longer than [`DriverOptions::connect_timeout`]); a
    /// new attempt follows after the backoff (with [`DriverOptions::reconnect`] off,
    /// [`ConnectionStatus::GaveUp`] follows).
    ConnectFailed(Arc<io::Error>),
    /// The session refused to connect (an invalid client identifier or user name, an
    /// authenticator that cannot start); the driver stopped.
    Failed(SessionError),
    /// The driver stopped: [`Client::disconnect`], or every [`Client`] dropped.
    Closed,
    /// With [`DriverOptions::reconnect`] off, the connection was lost, refused or could not
    /// be opened, and the driver stopped: the status that ended it
    /// ([`ConnectionStatus::Disconnected`], [`ConnectionStatus::Refused`] or
    /// [`ConnectionStatus::ConnectFailed`]).
    GaveUp(Box<ConnectionStatus>),
}

impl ConnectionStatus {
    /// Whether the driver has stopped for good.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            ConnectionStatus::Closed | ConnectionStatus::Failed(_) | ConnectionStatus::GaveUp(_)
        )
    }
}

/// Why a [`Client`] command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The session refused the command (nothing was sent): the queue is full, a packet is
    /// too large for the server, a QoS or retain the server does not support...
    #[error("{0}")]
    Session(#[from] SessionError),
    /// Not a valid topic name or filter.
    #[error("{0}")]
    Topic(#[from] TopicError),
    /// Our QoS 1 or 2 PUBLISH will not complete: the server refused it, or did not resume
    /// the session it was in flight in.
    #[error("the publish failed: {0:?}")]
    PublishFailed(PublishFailure),
    /// The connection ended before the answer came (a SUBSCRIBE or UNSUBSCRIBE is not
    /// resent on the next connection), or before a QoS 0 PUBLISH was written.
    #[error("the connection was lost before the command completed")]
    ConnectionLost,
    /// The driver has stopped.
    #[error("the client is closed")]
    Closed,
    /// CONNACK refused the connection and, with [`DriverOptions::reconnect`] off, the
    /// driver stopped ([`Client::connected`]).
    #[error("the server refused the connection: {reason:?}")]
    Refused {
        /// Why.
        reason: ReasonCode,
        /// The server answered a 5.0 CONNECT in 3.1.1: it does not speak 5.0.
        server_speaks_v3: bool,
    },
    /// The connector failed and, with [`DriverOptions::reconnect`] off, the driver stopped
    /// ([`Client::connected`]).
    #[error("the connection could not be opened: {0}")]
    ConnectFailed(Arc<io::Error>),
}

/// A handle on a driver task, which owns a client [`Session`] and its stream. Cheap to
/// clone; the driver disconnects and stops when the last handle is dropped.
///
/// Commands that need a connection (QoS 0 PUBLISH, SUBSCRIBE, UNSUBSCRIBE) wait for one;
/// QoS 1 and 2 PUBLISHes go to the session at once, which queues them until the connection
/// and its in-flight window allow. Dropping a command's future does not withdraw it.
#[derive(Clone)]
pub struct Client {
    commands: mpsc::Sender<Command>,
    shared: Arc<Shared>,
}

/// What every handle shares: the stop switch and the status.
struct Shared {
    stop: watch::Sender<bool>,
    status: watch::Receiver<ConnectionStatus>,
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("status", &*self.shared.status.borrow())
            .finish()
    }
}

impl Client {
    /// Starts a driver task for a new session with `config`, on the current tokio runtime
    /// (it panics outside one). `connector` opens a stream (a `TcpStream`, a TLS stream, a
    /// WebSocket adapted to `AsyncRead + AsyncWrite`); it is called at once, and again
    /// after each lost connection, following the backoff of `options`.
    ///
    /// Returns the handle and the stream of received messages.
    pub fn spawn<S, C, F>(
        config: SessionConfig,
        connector: C,
        options: DriverOptions,
    ) -> (Client, Messages)
    where
        S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
        C: FnMut() -> F + Send + 'static,
        F: Future<Output = io::Result<S>> + Send + 'static,
    {
        Client::spawn_session(Session::new(config), connector, options)
    }

    /// [`Client::spawn`] for a session set up by the caller: one with an authenticator
    /// ([`Session::set_authenticator`]) or restored from a snapshot. Every reconnect is a
    /// new exchange for the authenticator: SCRAM needs a nonce source
    /// ([`crate::client::ScramAuthenticator::with_nonce_source`]), or the driver stops at
    /// the first reconnect with [`SessionError::AuthenticatorNotReady`].
    pub fn spawn_session<S, C, F>(
        session: Session,
        connector: C,
        options: DriverOptions,
    ) -> (Client, Messages)
    where
        S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
        C: FnMut() -> F + Send + 'static,
        F: Future<Output = io::Result<S>> + Send + 'static,
    {
        let (commands, commands_rx) = mpsc::channel(options.command_capacity.max(1));
        let (messages, messages_rx) = mpsc::channel(options.message_capacity.max(1));
        let (stop, stop_rx) = watch::channel(false);
        let (status_tx, status) = watch::channel(ConnectionStatus::Connecting);
        driver::spawn(driver::Parts {
            session,
            connector,
            options,
            commands: commands_rx,
            messages,
            stop: stop_rx,
            status: status_tx,
        });
        let shared = Arc::new(Shared { stop, status });
        (Client { commands, shared }, Messages { rx: messages_rx })
    }

    /// Publishes `payload` on `topic`. Resolves when the flow completes: PUBACK (QoS 1) or
    /// PUBCOMP (QoS 2) received, with the packet identifier; QoS 0 once written to the
    /// stream, with `None`. A QoS 1 or 2 message in flight when the connection is lost is
    /// resent on the next one (when the server resumes the session).
    pub async fn publish(
        &self,
        topic: &str,
        payload: impl Into<Bytes>,
        qos: QoS,
        retain: bool,
    ) -> Result<Option<PacketId>, ClientError> {
        let mut publish = Publish::new(TopicName::new(topic)?, payload);
        publish.qos = qos;
        publish.retain = retain;
        self.publish_packet(publish).await
    }

    /// [`Client::publish`] of a PUBLISH built by the caller (5.0 properties included); its
    /// packet identifier and DUP flag are the session's to set.
    pub async fn publish_packet(&self, publish: Publish) -> Result<Option<PacketId>, ClientError> {
        self.request(|reply| Command::Publish { publish, reply })
            .await
    }

    /// Subscribes; resolves with SUBACK's reason codes, one per subscription (the granted
    /// QoS, or a failure).
    pub async fn subscribe(
        &self,
        subscriptions: Vec<Subscription>,
    ) -> Result<Vec<ReasonCode>, ClientError> {
        self.subscribe_with(subscriptions, Properties::default())
            .await
    }

    /// [`Client::subscribe`] with 5.0 properties (a Subscription Identifier, User
    /// Properties).
    pub async fn subscribe_with(
        &self,
        subscriptions: Vec<Subscription>,
        properties: Properties,
    ) -> Result<Vec<ReasonCode>, ClientError> {
        self.request(|reply| Command::Subscribe {
            subscriptions,
            properties: Box::new(properties),
            reply,
        })
        .await
    }

    /// Unsubscribes; resolves with UNSUBACK's reason codes (5.0, one per filter; empty in
    /// 3.x, which has none).
    pub async fn unsubscribe(
        &self,
        filters: Vec<TopicFilter>,
    ) -> Result<Vec<ReasonCode>, ClientError> {
        let filters = filters.into_iter().map(TopicFilter::into_inner).collect();
        self.request(|reply| Command::Unsubscribe { filters, reply })
            .await
    }

    /// Acknowledges a received QoS 1 or 2 message, by its `packet_id`, when
    /// [`SessionConfig::auto_ack`] is off (the session still sends acknowledgements in the
    /// order the messages came).
    pub async fn ack(&self, packet_id: PacketId) -> Result<(), ClientError> {
        self.request(|reply| Command::Ack { packet_id, reply })
            .await
    }

    /// Disconnects cleanly and stops the driver: DISCONNECT is written (no will is
    /// published) and the stream shut down. Resolves once the driver has stopped; then
    /// [`Messages`] ends after the messages already received (they wait for the
    /// application, even those beyond its capacity), and every command fails
    /// with [`ClientError::Closed`], a QoS 1 or 2 PUBLISH still awaiting its acknowledgement
    /// included: await those first to have them complete.
    pub async fn disconnect(&self) -> Result<(), ClientError> {
        self.shared.stop.send_replace(true);
        let mut status = self.shared.status.clone();
        // The driver drops the status sender when it ends, whatever the way.
        let _ = status.wait_for(ConnectionStatus::is_final).await;
        Ok(())
    }

    /// Waits for a connection accepted by CONNACK (at once when there is one); returns
    /// whether the server resumed the session. Fails once the driver has stopped: with
    /// [`DriverOptions::reconnect`] off, with the refusal ([`ClientError::Refused`]), the
    /// connector's error ([`ClientError::ConnectFailed`]) or [`ClientError::ConnectionLost`];
    /// otherwise with [`ClientError::Closed`]. With `reconnect` on, a refused connection
    /// is tried again after the backoff and this keeps waiting: [`Client::watch_status`]
    /// tells each refusal.
    pub async fn connected(&self) -> Result<bool, ClientError> {
        let mut status = self.shared.status.clone();
        let seen = status
            .wait_for(|s| s.is_final() || matches!(s, ConnectionStatus::Connected { .. }))
            .await
            .map_err(|_| ClientError::Closed)?;
        match &*seen {
            ConnectionStatus::Connected { session_present } => Ok(*session_present),
            ConnectionStatus::GaveUp(last) => Err(match &**last {
                ConnectionStatus::Refused {
                    reason,
                    server_speaks_v3,
                } => ClientError::Refused {
                    reason: *reason,
                    server_speaks_v3: *server_speaks_v3,
                },
                ConnectionStatus::ConnectFailed(e) => ClientError::ConnectFailed(e.clone()),
                _ => ClientError::ConnectionLost,
            }),
            _ => Err(ClientError::Closed),
        }
    }

    /// Where the connection stands now.
    pub fn status(&self) -> ConnectionStatus {
        self.shared.status.borrow().clone()
    }

    /// A receiver of the connection's status, to await its changes (it holds the latest
    /// one only).
    pub fn watch_status(&self) -> watch::Receiver<ConnectionStatus> {
        self.shared.status.clone()
    }

    /// Sends a command with a reply channel and awaits the reply.
    async fn request<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<Result<T, ClientError>>) -> Command,
    ) -> Result<T, ClientError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .await
            .map_err(|_| ClientError::Closed)?;
        answer.await.map_err(|_| ClientError::Closed)?
    }
}

/// The messages the server sends this client (the session's
/// [`crate::client::Event::Message`]), in order: a [`futures_core::Stream`], or
/// [`Messages::recv`]. It ends when the driver stops.
///
/// With automatic acknowledgement (the default) a QoS 1 or 2 message is acknowledged as it
/// arrives; without it, pass its `packet_id` to [`Client::ack`].
#[derive(Debug)]
pub struct Messages {
    rx: mpsc::Receiver<Publish>,
}

impl Messages {
    /// The next message, or `None` once the driver has stopped and every message was taken.
    pub async fn recv(&mut self) -> Option<Publish> {
        self.rx.recv().await
    }

    /// The next message if one is waiting, without waiting.
    pub fn try_recv(&mut self) -> Option<Publish> {
        self.rx.try_recv().ok()
    }

    /// Polls for the next message (what [`futures_core::Stream::poll_next`] does).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Publish>> {
        self.rx.poll_recv(cx)
    }
}

impl futures_core::Stream for Messages {
    type Item = Publish;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Publish>> {
        self.get_mut().rx.poll_recv(cx)
    }
}
