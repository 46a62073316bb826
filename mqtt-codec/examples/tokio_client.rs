//! A client on the tokio driver (`mqtt_codec::tokio::Client`): it subscribes to a topic of
//! its own, publishes `--count` messages at each of QoS 0, 1 and 2 to it, and checks what
//! comes back: every QoS 1 and 2 message (QoS 2 exactly once, QoS 0 at most once), every
//! QoS 0 one too unless a connection was lost meanwhile, and each QoS in the order sent.
//! It exits 0 only then.
//!
//! ```text
//! cargo run --example tokio_client -- [--host 127.0.0.1] [--port 1883] [--version 5.0|3.1.1]
//!     [--client-id ID] [--tls-ca ca.pem [--server-name NAME]] [--ws /mqtt] [--count 100]
//! ```
//!
//! `--tls-ca` runs MQTT over TLS (rustls), trusting that CA; `--ws PATH` runs MQTT over
//! WebSocket (over TLS too with `--tls-ca`). The session asks for a session that outlives
//! the connection (3.1.1 without clean session, 5.0 with a session expiry interval), so
//! that when the driver reconnects, the server resumes it and the session resends what was
//! in flight.

use bytes::Bytes;
use clap::Parser;
use core::pin::Pin;
use core::task::{ready, Context, Poll};
use futures_util::{Sink, Stream};
use mqtt_codec::client::SessionConfig;
use mqtt_codec::tokio::{Client, ClientError, ConnectionStatus, DriverOptions};
use mqtt_codec::{ProtocolVersion, Publish, QoS, ReasonCode, Subscription, TopicFilter};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// The flags.
#[derive(Parser, Debug)]
#[command(
    about = "Publishes at QoS 0, 1 and 2 to itself through a broker and checks what comes back"
)]
struct Args {
    /// The broker's host name or address.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The broker's port.
    #[arg(long, default_value_t = 1883)]
    port: u16,
    /// The protocol version: 3.1.1 or 5.0.
    #[arg(long, default_value = "5.0", value_parser = parse_version)]
    version: ProtocolVersion,
    /// The client identifier (default: tokio-client- and the process id).
    #[arg(long)]
    client_id: Option<String>,
    /// TLS, trusting the CA certificates of this PEM file.
    #[arg(long, value_name = "FILE")]
    tls_ca: Option<PathBuf>,
    /// The name the server's certificate must carry (default: --host).
    #[arg(long, requires = "tls_ca")]
    server_name: Option<String>,
    /// MQTT over WebSocket, on this request path (e.g. /mqtt).
    #[arg(long, value_name = "PATH")]
    ws: Option<String>,
    /// How many messages to publish at each QoS.
    #[arg(long, default_value_t = 100)]
    count: u32,
    /// Seconds before giving up.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

/// `--version`: 3.1.1 (or 4) and 5.0 (or 5).
fn parse_version(s: &str) -> Result<ProtocolVersion, String> {
    match s {
        "5.0" | "5" => Ok(ProtocolVersion::V5),
        "3.1.1" | "4" => Ok(ProtocolVersion::V3_1_1),
        other => Err(format!("unknown version {other} (3.1.1 or 5.0)")),
    }
}

/// Any stream the driver runs over. Boxed, so that one connector returns TCP, TLS and
/// WebSocket alike.
trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// What the connector opens: TCP, TLS over it with a CA, WebSocket over either with a path.
struct Transport {
    host: String,
    port: u16,
    tls: Option<(TlsConnector, ServerName<'static>)>,
    /// The WebSocket request URL.
    ws: Option<String>,
}

impl Transport {
    /// The transport the flags ask for; reads the CA file once.
    fn new(args: &Args) -> Result<Transport, Box<dyn std::error::Error>> {
        let tls = match &args.tls_ca {
            Some(ca) => {
                let mut roots = RootCertStore::empty();
                for cert in CertificateDer::pem_file_iter(ca)
                    .map_err(|e| format!("{}: {e}", ca.display()))?
                {
                    roots.add(cert.map_err(|e| format!("{}: {e}", ca.display()))?)?;
                }
                // ring, as the reference broker: the provider built into this crate's
                // tokio-rustls, named since rustls cannot pick one when several are.
                let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
                let config = ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()?
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                let name = args.server_name.as_deref().unwrap_or(&args.host);
                let name = ServerName::try_from(name.to_string())?;
                Some((TlsConnector::from(Arc::new(config)), name))
            }
            None => None,
        };
        let ws = args.ws.as_ref().map(|path| {
            let scheme = if tls.is_some() { "wss" } else { "ws" };
            format!("{scheme}://{}:{}{path}", args.host, args.port)
        });
        Ok(Transport {
            host: args.host.clone(),
            port: args.port,
            tls,
            ws,
        })
    }

    /// Opens a connection; the driver calls it again after each lost one.
    async fn open(self: Arc<Self>) -> io::Result<Box<dyn Io>> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port)).await?;
        tcp.set_nodelay(true)?;
        let stream: Box<dyn Io> = match &self.tls {
            Some((connector, name)) => Box::new(connector.connect(name.clone(), tcp).await?),
            None => Box::new(tcp),
        };
        let Some(url) = &self.ws else {
            return Ok(stream);
        };
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(io::Error::other)?;
        // MQTT over WebSocket asks for the `mqtt` subprotocol (MQTT 5.0 §6).
        request
            .headers_mut()
            .insert("sec-websocket-protocol", HeaderValue::from_static("mqtt"));
        let (ws, _) = tokio_tungstenite::client_async(request, stream)
            .await
            .map_err(io::Error::other)?;
        Ok(Box::new(WsStream {
            ws,
            pending: Bytes::new(),
        }))
    }
}

/// A WebSocket connection as the byte stream that MQTT over WebSocket carries: each write
/// goes out as one binary message, and reads return the binary messages' bytes in order,
/// however the packets were split among them.
struct WsStream<S> {
    ws: WebSocketStream<S>,
    /// What is left of the last binary message received.
    pending: Bytes,
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for WsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        while self.pending.is_empty() {
            match ready!(Pin::new(&mut self.ws).poll_next(cx)) {
                Some(Ok(Message::Binary(data))) => self.pending = data,
                // A close ends the stream (read of 0 bytes).
                Some(Ok(Message::Close(_))) | None => return Poll::Ready(Ok(())),
                // [MQTT-6.0.0-1]: MQTT travels in binary frames only.
                Some(Ok(Message::Text(_))) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "a text frame [MQTT-6.0.0-1]",
                    )))
                }
                // tungstenite answers pings by itself.
                Some(Ok(_)) => {}
                Some(Err(e)) => return Poll::Ready(Err(io::Error::other(e))),
            }
        }
        let n = self.pending.len().min(buf.remaining());
        let chunk = self.pending.split_to(n);
        buf.put_slice(&chunk);
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for WsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(Pin::new(&mut self.ws).poll_ready(cx)).map_err(io::Error::other)?;
        let message = Message::Binary(Bytes::copy_from_slice(buf));
        Pin::new(&mut self.ws)
            .start_send(message)
            .map_err(io::Error::other)?;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.ws)
            .poll_flush(cx)
            .map_err(io::Error::other)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.ws)
            .poll_close(cx)
            .map_err(io::Error::other)
    }
}

/// Publishes `count` messages at `qos`, each once the one before has completed (written
/// for QoS 0, PUBACK or PUBCOMP for QoS 1 and 2), which keeps them in order.
async fn publish_all(client: &Client, topic: &str, qos: QoS, count: u32) -> Result<(), String> {
    for i in 0..count {
        match client.publish(topic, payload(qos, i), qos, false).await {
            Ok(_) => {}
            // At most once: a QoS 0 message not yet written when the connection went is
            // gone, and the check allows for it.
            Err(ClientError::ConnectionLost) if qos == QoS::AtMostOnce => {}
            Err(e) => return Err(format!("publish {i} at QoS {}: {e}", qos as u8)),
        }
    }
    Ok(())
}

/// The payload of message `i` at `qos`: "QoS i".
fn payload(qos: QoS, i: u32) -> String {
    format!("{} {i}", qos as u8)
}

/// The numbers of the messages that came back, per QoS, in the order they came.
struct Tally {
    count: u32,
    seen: [Vec<u32>; 3],
}

impl Tally {
    /// Notes a message; fails on one that is not ours or came at another QoS than sent
    /// (the subscription at QoS 2 downgrades nothing).
    fn add(&mut self, message: &Publish) -> Result<(), String> {
        let text = String::from_utf8_lossy(&message.payload);
        let parsed = text
            .split_once(' ')
            .and_then(|(q, i)| Some((q.parse::<usize>().ok()?, i.parse::<u32>().ok()?)));
        match parsed {
            Some((q, i)) if q == message.qos as usize && q < 3 && i < self.count => {
                self.seen[q].push(i);
                Ok(())
            }
            _ => Err(format!(
                "unexpected message at QoS {}: {text:?}",
                message.qos as u8
            )),
        }
    }

    /// How many distinct messages came back at `qos`.
    fn distinct(&self, qos: usize) -> usize {
        let mut numbers = self.seen[qos].clone();
        numbers.sort_unstable();
        numbers.dedup();
        numbers.len()
    }

    /// Everything expected came back: QoS 0 too unless a connection was lost.
    fn complete(&self, reconnected: bool) -> bool {
        let all = self.count as usize;
        self.distinct(1) == all
            && self.distinct(2) == all
            && (reconnected || self.distinct(0) == all)
    }

    /// The checks; `Err` says which failed.
    fn check(&self, reconnected: bool) -> Result<(), String> {
        for (qos, seen) in self.seen.iter().enumerate() {
            // The lowest number not yet seen: what is due in order.
            let mut next = 0;
            for &i in seen {
                let fine = match qos {
                    // Exactly once, in order.
                    2 => i == next,
                    // At least once: a new message is the next one, or a duplicate
                    // repeats an earlier one.
                    1 => i <= next,
                    // At most once: one may be missing only after a lost connection.
                    _ => i == next || (reconnected && i > next),
                };
                if !fine {
                    return Err(format!("QoS {qos}: message {i} came when {next} was due"));
                }
                next = next.max(i + 1);
            }
        }
        match self.complete(reconnected) {
            true => Ok(()),
            false => Err("messages are missing".into()),
        }
    }

    /// The report, a line per QoS.
    fn print(&self) {
        for (qos, seen) in self.seen.iter().enumerate() {
            println!(
                "QoS {qos}: {} of {} received, {} duplicates",
                self.distinct(qos),
                self.count,
                seen.len() - self.distinct(qos)
            );
        }
    }
}

/// Connects, subscribes, publishes, tallies what comes back until all of it did (or the
/// timeout), prints the report and disconnects.
async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let transport = Arc::new(Transport::new(&args)?);
    let client_id = args
        .client_id
        .clone()
        .unwrap_or_else(|| format!("tokio-client-{}", std::process::id()));
    let mut config = SessionConfig::new(&client_id, args.version);
    // A session that outlives the connection, so that a reconnect resumes it: 3.1.1 has
    // only clean session off for that; 5.0 starts clean and keeps the session by its
    // expiry interval.
    config.clean_start = args.version.is_v5();
    config.session_expiry_interval = 300;
    let connect = move || transport.clone().open();
    let (client, mut messages) = Client::spawn(config, connect, DriverOptions::default());
    let mut status = client.watch_status();
    let deadline = tokio::time::sleep(Duration::from_secs(args.timeout));
    tokio::pin!(deadline);

    let topic = format!("mqtt-codec/tokio-client/{client_id}");
    let filter = TopicFilter::new(&topic)?;
    loop {
        let subscription = Subscription::new(filter.clone(), QoS::ExactlyOnce);
        let granted = tokio::select! {
            granted = client.subscribe(vec![subscription]) => granted,
            () = &mut deadline => return Err("no SUBACK in time".into()),
        };
        match granted {
            Ok(codes) if codes == [ReasonCode::GrantedQoS2] => break,
            Ok(codes) => return Err(format!("subscription refused: {codes:?}").into()),
            // No SUBACK comes on another connection: subscribe again on the next one.
            Err(ClientError::ConnectionLost) => {}
            Err(e) => return Err(e.into()),
        }
    }

    let publishing = async {
        tokio::try_join!(
            publish_all(&client, &topic, QoS::AtMostOnce, args.count),
            publish_all(&client, &topic, QoS::AtLeastOnce, args.count),
            publish_all(&client, &topic, QoS::ExactlyOnce, args.count),
        )
    };
    tokio::pin!(publishing);
    let mut published = false;
    let mut tally = Tally {
        count: args.count,
        seen: Default::default(),
    };
    // Connections accepted by CONNACK from here on (the one subscribed on included). The
    // status holds only its latest value, but every change wakes this loop: a new
    // connection is counted even when the statuses before it were missed.
    let mut connections = 0u32;
    if matches!(
        *status.borrow_and_update(),
        ConnectionStatus::Connected { .. }
    ) {
        connections = 1;
    }
    let outcome = loop {
        let reconnected = connections > 1;
        if published && tally.complete(reconnected) {
            break tally.check(reconnected);
        }
        tokio::select! {
            result = &mut publishing, if !published => {
                result?;
                published = true;
            }
            message = messages.recv() => match message {
                Some(message) => tally.add(&message)?,
                None => return Err(format!("the driver stopped: {:?}", client.status()).into()),
            },
            changed = status.changed() => {
                if changed.is_err() {
                    return Err("the driver stopped".into());
                }
                match &*status.borrow_and_update() {
                    ConnectionStatus::Connected { .. } => connections += 1,
                    ConnectionStatus::Refused { reason, .. } => {
                        return Err(format!("connection refused: {reason:?}").into())
                    }
                    _ => {}
                }
            }
            () = &mut deadline => break Err(format!("timed out after {} s", args.timeout)),
        }
    };
    tally.print();
    println!("connections: {connections}");
    client.disconnect().await?;
    Ok(outcome?)
}

/// Exits 0 when every check passed, 1 otherwise (2 for bad flags, from clap).
#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tokio_client: {e}");
            ExitCode::FAILURE
        }
    }
}
