//! The tokio glue (feature `tokio`): `MqttCodec` under `Framed`, and the `Client` driver
//! against the reference broker core run in this process, over `tokio::io::duplex` pairs or
//! a real TCP listener. Nothing sleeps to wait for something: every step awaits what it
//! waits for, under a timeout that only catches a hang.
#![cfg(feature = "tokio")]

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use mqtt_codec::broker::{Action, Broker, BrokerConfig, ConnId};
use mqtt_codec::client::{PublishFailure, SessionConfig};
use mqtt_codec::tokio::{
    Client, ClientError, CodecError, ConnectionStatus, DriverOptions, Messages, MqttCodec,
};
use mqtt_codec::{
    Connect, DecodeError, Decoder, DecoderConfig, MqttStr, Packet, PacketId, PacketType,
    ProtocolVersion, Publish, QoS, ReasonCode, Subscription, TopicFilter, TopicName,
};
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream, WriteHalf};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::codec::Framed;

/// Long enough for any step on a loaded machine; reached only by a hang.
const SAFETY: Duration = Duration::from_secs(20);

/// Runs `test` under the safety timeout.
async fn within<T>(test: impl Future<Output = T>) -> T {
    tokio::time::timeout(SAFETY, test)
        .await
        .expect("the test hung")
}

// ---- the broker core over in-process streams ---------------------------------------------

/// Any byte stream the broker serves.
trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}
type Stream = Box<dyn Io>;

/// What the test tells the broker's I/O loop.
enum Control {
    /// Serve a new connection.
    Open(Stream),
    /// While on, what clients send is dropped before the broker sees it (a network that
    /// loses it), and reported as `Seen::Swallowed`.
    Swallow(bool),
    /// Close every connection from the broker's side without a word, as a crash or a
    /// network failure would.
    DropAll,
}

/// What the broker's I/O loop tells the test.
#[derive(Debug)]
enum Seen {
    Opened(ConnId),
    Swallowed(Bytes),
    /// The broker closed the connection itself (after DISCONNECT, or a protocol error).
    ClosedByBroker(ConnId),
    /// The client's side closed the stream first.
    Lost,
}

/// The reference broker core, driven as examples/broker drives it, in a task.
struct TestBroker {
    control: mpsc::UnboundedSender<Control>,
    seen: mpsc::UnboundedReceiver<Seen>,
}

/// One connection's handles in the broker's loop.
struct Conn {
    write: WriteHalf<Stream>,
    reader: tokio::task::JoinHandle<()>,
}

impl TestBroker {
    fn start() -> Self {
        let (control, control_rx) = mpsc::unbounded_channel();
        let (seen_tx, seen) = mpsc::unbounded_channel();
        tokio::spawn(run_broker(control_rx, seen_tx));
        TestBroker { control, seen }
    }

    fn send(&self, control: Control) {
        assert!(self.control.send(control).is_ok(), "the broker stopped");
    }

    /// A connector that opens an in-memory stream to this broker.
    fn connector(&self) -> impl FnMut() -> std::future::Ready<io::Result<DuplexStream>> {
        let control = self.control.clone();
        move || {
            let (client, server) = tokio::io::duplex(64 * 1024);
            let sent = control.send(Control::Open(Box::new(server)));
            std::future::ready(match sent {
                Ok(()) => Ok(client),
                Err(_) => Err(io::Error::new(io::ErrorKind::NotConnected, "no broker")),
            })
        }
    }

    /// Serves connections accepted on a TCP listener of its own; returns its address.
    async fn listen_tcp(&self) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let control = self.control.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                if control.send(Control::Open(Box::new(stream))).is_err() {
                    return;
                }
            }
        });
        addr
    }

    async fn next_seen(&mut self) -> Seen {
        self.seen.recv().await.expect("the broker stopped")
    }
}

async fn run_broker(
    mut control: mpsc::UnboundedReceiver<Control>,
    seen: mpsc::UnboundedSender<Seen>,
) {
    let mut broker = Broker::new(BrokerConfig::default());
    let start = Instant::now();
    let now = || start.elapsed().as_millis() as u64;
    let (bytes_tx, mut bytes_rx) = mpsc::unbounded_channel::<(ConnId, Option<Bytes>)>();
    let mut conns: HashMap<ConnId, Conn> = HashMap::new();
    let mut next_id: ConnId = 0;
    let mut swallow = false;
    loop {
        let deadline = broker
            .next_deadline()
            .map(|ms| start + Duration::from_millis(ms))
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            c = control.recv() => match c {
                None => return,
                Some(Control::Open(stream)) => {
                    next_id += 1;
                    let id = next_id;
                    let (mut read, write) = tokio::io::split(stream);
                    let tx = bytes_tx.clone();
                    let reader = tokio::spawn(async move {
                        let mut buf = vec![0u8; 16 * 1024];
                        loop {
                            match read.read(&mut buf).await {
                                Ok(0) | Err(_) => break,
                                Ok(n) => {
                                    let _ = tx.send((id, Some(Bytes::copy_from_slice(&buf[..n]))));
                                }
                            }
                        }
                        let _ = tx.send((id, None));
                    });
                    conns.insert(id, Conn { write, reader });
                    broker.connection_opened(id, now());
                    let _ = seen.send(Seen::Opened(id));
                }
                Some(Control::Swallow(on)) => swallow = on,
                Some(Control::DropAll) => {
                    for (id, conn) in conns.drain() {
                        conn.reader.abort();
                        drop(conn.write);
                        broker.connection_closed(id, now());
                    }
                }
            },
            Some((id, data)) = bytes_rx.recv() => match data {
                Some(data) if conns.contains_key(&id) => {
                    if swallow {
                        let _ = seen.send(Seen::Swallowed(data));
                    } else {
                        broker.bytes_received(id, &data, now());
                    }
                }
                Some(_) => {}
                None => {
                    if conns.remove(&id).is_some() {
                        broker.connection_closed(id, now());
                        let _ = seen.send(Seen::Lost);
                    }
                }
            },
            _ = tokio::time::sleep_until(deadline) => broker.tick(now()),
        }
        while let Some(action) = broker.poll_action() {
            match action {
                Action::Send { conn, data } => {
                    if let Some(c) = conns.get_mut(&conn) {
                        let _ = c.write.write_all(&data).await;
                    }
                }
                Action::Close { conn } => {
                    if let Some(mut c) = conns.remove(&conn) {
                        c.reader.abort();
                        let _ = c.write.shutdown().await;
                        let _ = seen.send(Seen::ClosedByBroker(conn));
                    }
                }
                _ => {}
            }
        }
    }
}

// ---- helpers -----------------------------------------------------------------------------

/// Quick reconnects for tests.
fn options() -> DriverOptions {
    DriverOptions {
        backoff_min: Duration::from_millis(5),
        backoff_max: Duration::from_millis(50),
        ..DriverOptions::default()
    }
}

fn subscription(filter: &str, qos: QoS) -> Subscription {
    Subscription::new(TopicFilter::new(filter).unwrap(), qos)
}

async fn next_message(messages: &mut Messages) -> Publish {
    messages.recv().await.expect("the messages ended")
}

/// Subscribes to `topic`, publishes to it at QoS 0, 1 and 2, and gets the three back.
async fn publish_to_itself(client: &Client, messages: &mut Messages, topic: &str) {
    // Sent before CONNACK: the driver holds the SUBSCRIBE until the session is connected.
    let codes = client
        .subscribe(vec![subscription(topic, QoS::ExactlyOnce)])
        .await
        .unwrap();
    assert_eq!(codes, [ReasonCode::GrantedQoS2]);
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
        let payload = format!("at QoS {}", qos as u8);
        let id = client.publish(topic, payload, qos, false).await.unwrap();
        assert_eq!(id.is_some(), qos != QoS::AtMostOnce, "{qos:?}");
    }
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
        let m = next_message(messages).await;
        assert_eq!(m.topic, topic);
        assert_eq!(m.qos, qos);
        assert_eq!(&m.payload[..], format!("at QoS {}", qos as u8).as_bytes());
    }
}

// ---- the codec ---------------------------------------------------------------------------

#[tokio::test]
async fn the_codec_frames_packets_both_ways_under_framed() {
    within(async {
        let (a, b) = tokio::io::duplex(256);
        let mut client = Framed::new(a, MqttCodec::client(ProtocolVersion::V5));
        let mut server = Framed::new(b, MqttCodec::server().with_max_packet_size(1024));
        assert_eq!(server.codec().version(), None);

        let connect = Connect::new(ProtocolVersion::V5, MqttStr::new("c1").unwrap());
        client
            .send(Packet::Connect(Box::new(connect)))
            .await
            .unwrap();
        let Some(Ok(Packet::Connect(got))) = server.next().await else {
            panic!("no CONNECT")
        };
        assert_eq!(got.client_id, "c1");
        // The server side learnt the version from CONNECT, and answers in it.
        assert_eq!(server.codec().version(), Some(ProtocolVersion::V5));
        server
            .send(Packet::ConnAck(mqtt_codec::ConnAck::new(
                ReasonCode::Success,
            )))
            .await
            .unwrap();
        assert!(matches!(client.next().await, Some(Ok(Packet::ConnAck(_)))));

        // A PUBLISH larger than the duplex buffer arrives whole, its payload a slice.
        let topic = TopicName::new("big").unwrap();
        let mut publish = Publish::with_qos(
            topic,
            vec![7u8; 600],
            QoS::AtLeastOnce,
            PacketId::new(9).unwrap(),
        );
        publish.retain = true;
        let (sent, received) =
            tokio::join!(client.send(Packet::Publish(publish.clone())), server.next());
        sent.unwrap();
        assert_eq!(received.unwrap().unwrap(), Packet::Publish(publish));

        // Over the maximum: refused from the fixed header, and the stream ends there.
        let huge = Publish::new(TopicName::new("big").unwrap(), vec![0u8; 2000]);
        // Sent from a task of its own: the server stops reading after the header.
        tokio::spawn(async move { client.send(Packet::Publish(huge)).await });
        match server.next().await {
            Some(Err(CodecError::Decode(DecodeError::PacketTooLarge { size, max: 1024 }))) => {
                assert!(size > 2000)
            }
            other => panic!("not refused: {other:?}"),
        }
        assert!(server.next().await.is_none());
    })
    .await
}

#[tokio::test]
async fn a_server_codec_refuses_a_second_connect_and_a_first_packet_other_than_connect() {
    use tokio_util::codec::Decoder;
    let mut bytes = bytes::BytesMut::from(&[0xC0, 0x00][..]); // PINGREQ first
    assert!(matches!(
        MqttCodec::server().decode(&mut bytes),
        Err(CodecError::Decode(
            DecodeError::FirstPacketNotConnect { .. }
        ))
    ));
    let connect: Packet = Packet::Connect(Box::new(Connect::new(
        ProtocolVersion::V3_1_1,
        MqttStr::new("c").unwrap(),
    )));
    let once = connect.to_bytes(ProtocolVersion::V3_1_1).unwrap();
    let mut bytes = bytes::BytesMut::new();
    bytes.extend_from_slice(&once);
    bytes.extend_from_slice(&once);
    let mut codec = MqttCodec::server();
    assert!(matches!(
        codec.decode(&mut bytes),
        Ok(Some(Packet::Connect(_)))
    ));
    assert!(matches!(
        codec.decode(&mut bytes),
        Err(CodecError::Decode(DecodeError::SecondConnect))
    ));
    // A server codec cannot encode before it knows the version.
    let mut out = bytes::BytesMut::new();
    let encoded =
        tokio_util::codec::Encoder::encode(&mut MqttCodec::server(), Packet::PingResp, &mut out);
    assert!(matches!(encoded, Err(CodecError::VersionUnknown)));
}

// ---- the driver --------------------------------------------------------------------------

#[tokio::test]
async fn publishes_at_qos_0_1_and_2_to_itself_and_receives_them() {
    within(async {
        let broker = TestBroker::start();
        let config = SessionConfig::new("self-5", ProtocolVersion::V5);
        let (client, mut messages) = Client::spawn(config, broker.connector(), options());
        publish_to_itself(&client, &mut messages, "loop/5").await;
        client.disconnect().await.unwrap();
    })
    .await
}

#[tokio::test]
async fn runs_over_tcp_in_mqtt_3_1_1() {
    within(async {
        let broker = TestBroker::start();
        let addr = broker.listen_tcp().await;
        let config = SessionConfig::new("self-311", ProtocolVersion::V3_1_1);
        let connect = move || tokio::net::TcpStream::connect(addr);
        let (client, mut messages) = Client::spawn(config, connect, options());
        publish_to_itself(&client, &mut messages, "loop/311").await;
        assert_eq!(
            client
                .unsubscribe(vec![TopicFilter::new("loop/311").unwrap()])
                .await
                .unwrap(),
            [] // 3.1.1's UNSUBACK has no codes
        );
        client.disconnect().await.unwrap();
    })
    .await
}

#[tokio::test]
async fn reconnects_after_the_connection_drops_and_completes_the_qos_1_publish_in_flight() {
    within(async {
        let mut broker = TestBroker::start();
        let mut config = SessionConfig::new("resumer", ProtocolVersion::V5);
        // The broker keeps the session, so the reconnect resumes it.
        config.session_expiry_interval = 300;
        let (client, mut messages) = Client::spawn(config, broker.connector(), options());
        assert!(!client.connected().await.unwrap(), "a new session first");
        client
            .subscribe(vec![subscription("resume/#", QoS::AtLeastOnce)])
            .await
            .unwrap();

        // The PUBLISH goes out and is lost on the way: no PUBACK.
        broker.send(Control::Swallow(true));
        let publishing = tokio::spawn({
            let client = client.clone();
            async move {
                client
                    .publish("resume/1", "again", QoS::AtLeastOnce, false)
                    .await
            }
        });
        // A SUBSCRIBE lost with it is answered by the loss, not resent.
        let subscribing = tokio::spawn({
            let client = client.clone();
            async move {
                client
                    .subscribe(vec![subscription("other", QoS::AtMostOnce)])
                    .await
            }
        });
        // Wait until both are on the wire (and lost).
        let mut lost = Decoder::new(DecoderConfig {
            version: Some(ProtocolVersion::V5),
            role: None,
            max_packet_size: 1 << 20,
        });
        let mut types = Vec::new();
        while !(types.contains(&PacketType::Publish) && types.contains(&PacketType::Subscribe)) {
            if let Seen::Swallowed(data) = broker.next_seen().await {
                lost.feed(&data);
                while let Some(packet) = lost.next_packet().unwrap() {
                    types.push(packet.packet_type());
                }
            }
        }

        // The broker drops the connection; the driver opens another and resends.
        broker.send(Control::Swallow(false));
        broker.send(Control::DropAll);
        let id = publishing.await.unwrap().unwrap();
        assert!(id.is_some());
        assert!(matches!(
            subscribing.await.unwrap(),
            Err(ClientError::ConnectionLost)
        ));
        assert!(matches!(
            client.status(),
            ConnectionStatus::Connected {
                session_present: true
            }
        ));
        assert!(client.connected().await.unwrap(), "the session resumed");
        // Its DUP copy reached the broker, which delivered it to the subscription kept.
        let m = next_message(&mut messages).await;
        assert_eq!(
            (m.topic.as_str(), &m.payload[..]),
            ("resume/1", &b"again"[..])
        );
        client.disconnect().await.unwrap();
    })
    .await
}

#[tokio::test]
async fn a_session_the_server_lost_fails_the_publish_in_flight() {
    within(async {
        let mut broker = TestBroker::start();
        // Session expiry 0: the broker forgets the session with the connection.
        let config = SessionConfig::new("forgotten", ProtocolVersion::V5);
        let (client, _messages) = Client::spawn(config, broker.connector(), options());
        client.connected().await.unwrap();
        broker.send(Control::Swallow(true));
        let publishing = tokio::spawn({
            let client = client.clone();
            async move { client.publish("gone", "x", QoS::ExactlyOnce, false).await }
        });
        while !matches!(broker.next_seen().await, Seen::Swallowed(b) if b[0] >> 4 == 3) {}
        broker.send(Control::Swallow(false));
        broker.send(Control::DropAll);
        assert!(matches!(
            publishing.await.unwrap(),
            Err(ClientError::PublishFailed(PublishFailure::SessionLost))
        ));
        client.disconnect().await.unwrap();
    })
    .await
}

#[tokio::test]
async fn a_server_that_lost_the_session_gets_the_subscriptions_again() {
    within(async {
        let mut broker = TestBroker::start();
        // Session expiry 0: the broker forgets the session, subscriptions included, with
        // the connection.
        let config = SessionConfig::new("resubscriber", ProtocolVersion::V5);
        let (client, mut messages) = Client::spawn(config, broker.connector(), options());
        client
            .subscribe(vec![subscription("again/#", QoS::AtLeastOnce)])
            .await
            .unwrap();
        assert!(matches!(broker.next_seen().await, Seen::Opened(_)));
        broker.send(Control::DropAll);
        // The connector ran again: the driver saw the loss; then the new session.
        while !matches!(broker.next_seen().await, Seen::Opened(_)) {}
        assert!(!client.connected().await.unwrap(), "a new session");
        // The driver subscribed again before anything the application sends after CONNACK.
        client
            .publish("again/1", "back", QoS::AtLeastOnce, false)
            .await
            .unwrap();
        let m = next_message(&mut messages).await;
        assert_eq!((m.topic.as_str(), m.qos), ("again/1", QoS::AtLeastOnce));
        client.disconnect().await.unwrap();
    })
    .await
}

/// The subscriptions made again after a lost session keep the Subscription Identifier
/// each was made with ([MQTT-3.3.4-3]: the server sends it with the messages that match),
/// one SUBSCRIBE per set of properties.
#[tokio::test]
async fn subscriptions_made_again_keep_their_subscription_identifiers() {
    within(async {
        let mut broker = TestBroker::start();
        let config = SessionConfig::new("identified", ProtocolVersion::V5);
        let (client, mut messages) = Client::spawn(config, broker.connector(), options());
        let with_id = |id: u32| {
            let mut p: mqtt_codec::Properties = mqtt_codec::Properties::default();
            p.subscription_identifiers.push(id);
            p
        };
        client
            .subscribe_with(vec![subscription("seven/#", QoS::AtLeastOnce)], with_id(7))
            .await
            .unwrap();
        client
            .subscribe_with(vec![subscription("nine/#", QoS::AtLeastOnce)], with_id(9))
            .await
            .unwrap();
        client
            .subscribe(vec![subscription("plain/#", QoS::AtLeastOnce)])
            .await
            .unwrap();
        assert!(matches!(broker.next_seen().await, Seen::Opened(_)));
        broker.send(Control::DropAll);
        while !matches!(broker.next_seen().await, Seen::Opened(_)) {}
        assert!(!client.connected().await.unwrap(), "a new session");
        for (topic, ids) in [
            ("seven/a", vec![7]),
            ("nine/b", vec![9]),
            ("plain/c", vec![]),
        ] {
            client
                .publish(topic, "x", QoS::AtLeastOnce, false)
                .await
                .unwrap();
            let m = next_message(&mut messages).await;
            assert_eq!(m.topic.as_str(), topic);
            assert_eq!(m.properties.subscription_identifiers, ids, "{topic}");
        }
        client.disconnect().await.unwrap();
    })
    .await
}

#[tokio::test]
async fn retries_a_failing_connector_with_backoff() {
    within(async {
        let broker = TestBroker::start();
        let attempts = Arc::new(AtomicUsize::new(0));
        let mut open = broker.connector();
        let counted = attempts.clone();
        let connector = move || {
            // The first three attempts fail, as with a broker not started yet.
            let opened = (counted.fetch_add(1, Ordering::SeqCst) >= 3).then(&mut open);
            async move {
                match opened {
                    Some(opened) => opened.await,
                    None => Err(io::Error::new(io::ErrorKind::ConnectionRefused, "not yet")),
                }
            }
        };
        let config = SessionConfig::new("patient", ProtocolVersion::V5);
        let (client, mut messages) = Client::spawn(config, connector, options());
        publish_to_itself(&client, &mut messages, "patient/t").await;
        assert_eq!(attempts.load(Ordering::SeqCst), 4);
        client.disconnect().await.unwrap();
    })
    .await
}

#[tokio::test]
async fn disconnects_cleanly() {
    within(async {
        let mut broker = TestBroker::start();
        let config = SessionConfig::new("leaver", ProtocolVersion::V5);
        let (client, mut messages) = Client::spawn(config, broker.connector(), options());
        client.connected().await.unwrap();
        let Seen::Opened(id) = broker.next_seen().await else {
            panic!("no connection")
        };
        client.disconnect().await.unwrap();
        // DISCONNECT reached the broker, which closed the connection itself: a normal end,
        // no will. A stream merely dropped would be `Lost`.
        assert!(matches!(broker.next_seen().await, Seen::ClosedByBroker(c) if c == id));
        assert!(matches!(client.status(), ConnectionStatus::Closed));
        assert!(messages.recv().await.is_none(), "the messages end");
        assert!(matches!(
            client.publish("t", "late", QoS::AtLeastOnce, false).await,
            Err(ClientError::Closed)
        ));
        assert!(matches!(client.connected().await, Err(ClientError::Closed)));
        // Once more is harmless.
        client.disconnect().await.unwrap();
    })
    .await
}

#[tokio::test]
async fn dropping_every_handle_disconnects() {
    within(async {
        let mut broker = TestBroker::start();
        let config = SessionConfig::new("dropped", ProtocolVersion::V3_1_1);
        let (client, mut messages) = Client::spawn(config, broker.connector(), options());
        client.connected().await.unwrap();
        let Seen::Opened(id) = broker.next_seen().await else {
            panic!("no connection")
        };
        drop(client);
        assert!(matches!(broker.next_seen().await, Seen::ClosedByBroker(c) if c == id));
        assert!(messages.recv().await.is_none());
    })
    .await
}

#[tokio::test]
async fn messages_is_a_stream() {
    within(async {
        let broker = TestBroker::start();
        let config = SessionConfig::new("streamer", ProtocolVersion::V5);
        let (client, messages) = Client::spawn(config, broker.connector(), options());
        client
            .subscribe(vec![subscription("s/+", QoS::AtLeastOnce)])
            .await
            .unwrap();
        for i in 0..5 {
            client
                .publish(&format!("s/{i}"), "x", QoS::AtLeastOnce, false)
                .await
                .unwrap();
        }
        let topics: Vec<String> = messages
            .take(5)
            .map(|m| m.topic.as_str().to_owned())
            .collect()
            .await;
        assert_eq!(topics, ["s/0", "s/1", "s/2", "s/3", "s/4"]);
        client.disconnect().await.unwrap();
    })
    .await
}
