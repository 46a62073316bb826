//! The tokio driver's flow control and its end, against a server the test plays byte by
//! byte: what it reads while the application is slow, how many commands it takes while
//! the stream is slow, what a stopped driver still delivers and tells, what it subscribes
//! to again for a server that lost the session. Time is tokio's
//! paused clock, which moves only when every task waits.
#![cfg(feature = "tokio")]

use mqtt_codec::client::SessionConfig;
use mqtt_codec::tokio::{Client, ClientError, ConnectionStatus, DriverOptions};
use mqtt_codec::{
    ConnAck, Decoder, DecoderConfig, Packet, PacketId, PacketType, ProtocolVersion, Publish, QoS,
    ReasonCode, RetainHandling, Role, SubAck, Subscription, SubscriptionOptions, TopicFilter,
    TopicName,
};
use std::future::Future;
use std::io;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;

/// Reached only by a hang (in paused time, at once when every task waits).
const SAFETY: Duration = Duration::from_secs(600);

async fn within<T>(test: impl Future<Output = T>) -> T {
    tokio::time::timeout(SAFETY, test)
        .await
        .expect("the test hung")
}

/// The server's end of one connection: a stream and the decoder of what the client sends.
struct Server {
    stream: DuplexStream,
    decoder: Decoder,
    version: ProtocolVersion,
}

impl Server {
    /// The next packet from the client; `None` once it closed the stream.
    async fn next(&mut self) -> Option<Packet> {
        loop {
            if let Some(packet) = self.decoder.next_packet().expect("a valid packet") {
                return Some(packet);
            }
            let mut buf = [0u8; 4096];
            let n = self.stream.read(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            self.decoder.feed(&buf[..n]);
        }
    }

    /// The next packet, which must be of `kind`.
    async fn expect(&mut self, kind: PacketType) -> Packet {
        let packet = self.next().await.expect("the client closed the stream");
        assert_eq!(packet.packet_type(), kind, "{packet:?}");
        packet
    }

    /// Writes `packets` in one write.
    async fn send(&mut self, packets: &[Packet]) {
        let mut bytes = Vec::new();
        for p in packets {
            bytes.extend_from_slice(&p.to_bytes(self.version).unwrap());
        }
        self.stream.write_all(&bytes).await.unwrap();
    }

    /// Reads CONNECT and accepts it.
    async fn accept(&mut self) {
        self.expect(PacketType::Connect).await;
        self.send(&[Packet::ConnAck(ConnAck::new(ReasonCode::Success))])
            .await;
    }
}

/// A connector whose every stream's server end comes to the test.
fn scripted(
    buffer: usize,
) -> (
    impl FnMut() -> std::future::Ready<io::Result<DuplexStream>>,
    mpsc::UnboundedReceiver<Server>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let connector = move || {
        let (client, server) = tokio::io::duplex(buffer);
        let decoder = Decoder::new(DecoderConfig {
            version: Some(ProtocolVersion::V5),
            role: Some(Role::Server),
            max_packet_size: 1 << 20,
        });
        let _ = tx.send(Server {
            stream: server,
            decoder,
            version: ProtocolVersion::V5,
        });
        std::future::ready(Ok(client))
    };
    (connector, rx)
}

fn options(message_capacity: usize) -> DriverOptions {
    DriverOptions {
        backoff_min: Duration::from_millis(5),
        backoff_max: Duration::from_millis(50),
        message_capacity,
        ..DriverOptions::default()
    }
}

/// A driver that stops when its connection ends.
fn without_reconnect() -> DriverOptions {
    DriverOptions {
        reconnect: false,
        ..options(16)
    }
}

fn message(topic: &str, qos: QoS, id: u16) -> Packet {
    let topic = TopicName::new(topic).unwrap();
    Packet::Publish(match qos {
        QoS::AtMostOnce => Publish::new(topic, "m"),
        _ => Publish::with_qos(topic, "m", qos, PacketId::new(id).unwrap()),
    })
}

async fn connected(rx: &mut mpsc::UnboundedReceiver<Server>) -> Server {
    let mut server = rx.recv().await.expect("the connector was not called");
    server.accept().await;
    server
}

#[tokio::test(start_paused = true)]
async fn a_full_message_queue_still_reads_the_pingresp() {
    within(async {
        let (connector, mut servers) = scripted(64 * 1024);
        let mut config = SessionConfig::new("slow-reader", ProtocolVersion::V5);
        config.keep_alive = 2;
        let (client, _messages) = Client::spawn(config, connector, options(1));
        let mut server = connected(&mut servers).await;
        // More messages than the application's queue holds: the driver stops reading
        // them, and the application takes none.
        let flood: Vec<Packet> = (0..4).map(|_| message("m", QoS::AtMostOnce, 0)).collect();
        server.send(&flood).await;
        // Each PINGREQ is answered; a driver that did not read its answer would take the
        // server for dead after a keep alive and close the stream.
        for _ in 0..5 {
            server.expect(PacketType::PingReq).await;
            server.send(&[Packet::PingResp]).await;
        }
        assert!(matches!(
            client.status(),
            ConnectionStatus::Connected { .. }
        ));
        assert!(servers.try_recv().is_err(), "no second connection");
    })
    .await
}

#[tokio::test(start_paused = true)]
async fn a_full_message_queue_still_reads_the_next_connack() {
    within(async {
        let (connector, mut servers) = scripted(64 * 1024);
        let config = SessionConfig::new("slow-reconnect", ProtocolVersion::V5);
        let (client, _messages) = Client::spawn(config, connector, options(1));
        let mut server = connected(&mut servers).await;
        let flood: Vec<Packet> = (0..4).map(|_| message("m", QoS::AtMostOnce, 0)).collect();
        server.send(&flood).await;
        drop(server); // the connection is lost with the queue still full
        let mut server = connected(&mut servers).await;
        // The CONNACK was read: a QoS 0 PUBLISH, which waits for a connection, goes out.
        let publishing = tokio::spawn({
            let client = client.clone();
            async move { client.publish("after", "x", QoS::AtMostOnce, false).await }
        });
        server.expect(PacketType::Publish).await;
        assert!(publishing.await.unwrap().unwrap().is_none());
    })
    .await
}

#[tokio::test(start_paused = true)]
async fn messages_received_before_the_end_are_delivered_after_it() {
    within(async {
        let (connector, mut servers) = scripted(64 * 1024);
        let config = SessionConfig::new("late-reader", ProtocolVersion::V5);
        let (client, mut messages) = Client::spawn(config, connector, options(1));
        let mut server = connected(&mut servers).await;
        let sent: Vec<Packet> = (1..=4).map(|i| message("m", QoS::AtLeastOnce, i)).collect();
        server.send(&sent).await;
        // Acknowledged as they came (automatic acknowledgement): the server forgets them.
        for _ in 0..4 {
            server.expect(PacketType::PubAck).await;
        }
        client.disconnect().await.unwrap();
        assert!(matches!(client.status(), ConnectionStatus::Closed));
        let mut ids = Vec::new();
        while let Some(m) = messages.recv().await {
            ids.push(m.packet_id.map(|p| p.get()));
        }
        assert_eq!(ids, [Some(1), Some(2), Some(3), Some(4)]);
    })
    .await
}

#[tokio::test(start_paused = true)]
async fn commands_wait_while_the_stream_is_slow() {
    within(async {
        // The server reads nothing after CONNECT; the stream holds 1 KiB.
        let (connector, mut servers) = scripted(1024);
        let config = SessionConfig::new("fast-writer", ProtocolVersion::V5);
        let (client, _messages) = Client::spawn(config, connector, options(16));
        let mut server = connected(&mut servers).await;
        // Callers that give up after a moment: a command already taken by the driver is
        // written anyway, one still waiting to be taken is not.
        let payload = bytes::Bytes::from(vec![0u8; 1024]);
        for _ in 0..1000 {
            let publishing = client.publish("bulk", payload.clone(), QoS::AtMostOnce, false);
            let _ = tokio::time::timeout(Duration::from_millis(1), publishing).await;
        }
        drop(client);
        let mut publishes = 0;
        while let Some(packet) = server.next().await {
            publishes += usize::from(packet.packet_type() == PacketType::Publish);
        }
        // The command channel (64) and the output (64 KiB of 1 KiB packets), not all 1000.
        assert!(
            (64..=200).contains(&publishes),
            "{publishes} PUBLISHes went out"
        );
    })
    .await
}

#[tokio::test(start_paused = true)]
async fn with_reconnect_off_a_refusal_is_told_with_its_reason() {
    within(async {
        let (connector, mut servers) = scripted(64 * 1024);
        let config = SessionConfig::new("refused", ProtocolVersion::V5);
        let (client, mut messages) = Client::spawn(config, connector, without_reconnect());
        let mut server = servers.recv().await.unwrap();
        server.expect(PacketType::Connect).await;
        server
            .send(&[Packet::ConnAck(ConnAck::new(
                ReasonCode::BadUserNameOrPassword,
            ))])
            .await;
        assert!(matches!(
            client.connected().await,
            Err(ClientError::Refused {
                reason: ReasonCode::BadUserNameOrPassword,
                server_speaks_v3: false
            })
        ));
        let status = client.status();
        assert!(status.is_final());
        assert!(matches!(
            status,
            ConnectionStatus::GaveUp(last) if matches!(*last, ConnectionStatus::Refused { .. })
        ));
        assert!(messages.recv().await.is_none());
    })
    .await
}

#[tokio::test(start_paused = true)]
async fn with_reconnect_off_a_failed_connector_is_told_with_its_error() {
    within(async {
        let connector = || {
            std::future::ready(Err::<DuplexStream, _>(io::Error::new(
                io::ErrorKind::ConnectionRefused,
                "nobody listens",
            )))
        };
        let config = SessionConfig::new("unreachable", ProtocolVersion::V5);
        let (client, _messages) = Client::spawn(config, connector, without_reconnect());
        match client.connected().await {
            Err(ClientError::ConnectFailed(e)) => {
                assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused)
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            client.publish("t", "x", QoS::AtMostOnce, false).await,
            Err(ClientError::Closed)
        ));
    })
    .await
}

#[tokio::test(start_paused = true)]
async fn with_reconnect_off_a_lost_connection_is_told_as_lost() {
    within(async {
        let (connector, mut servers) = scripted(64 * 1024);
        let config = SessionConfig::new("dropped", ProtocolVersion::V5);
        let (client, _messages) = Client::spawn(config, connector, without_reconnect());
        let server = connected(&mut servers).await;
        assert!(!client.connected().await.unwrap());
        drop(server);
        let mut status = client.watch_status();
        let last = status
            .wait_for(ConnectionStatus::is_final)
            .await
            .unwrap()
            .clone();
        assert!(matches!(
            last,
            ConnectionStatus::GaveUp(last) if matches!(
                *last,
                ConnectionStatus::Disconnected { reason: None, by_server: false }
            )
        ));
        assert!(matches!(
            client.connected().await,
            Err(ClientError::ConnectionLost)
        ));
    })
    .await
}

#[tokio::test(start_paused = true)]
async fn a_resubscribe_cut_off_before_its_suback_is_made_on_the_next_connection() {
    within(async {
        let (connector, mut servers) = scripted(64 * 1024);
        let config = SessionConfig::new("resubscriber", ProtocolVersion::V5);
        let (client, _messages) = Client::spawn(config, connector, options(16));
        let mut options = SubscriptionOptions::new(QoS::AtLeastOnce);
        options.no_local = true;
        options.retain_handling = RetainHandling::DoNotSend;
        let wanted = Subscription {
            filter: TopicFilter::new("cut/#").unwrap(),
            options,
        };
        let subscribing = tokio::spawn({
            let (client, wanted) = (client.clone(), wanted.clone());
            async move { client.subscribe(vec![wanted]).await }
        });
        let mut server = connected(&mut servers).await;
        let Packet::Subscribe(s) = server.expect(PacketType::Subscribe).await else {
            unreachable!()
        };
        let granted = SubAck::new(s.packet_id, vec![ReasonCode::GrantedQoS1]);
        server.send(&[Packet::SubAck(granted)]).await;
        subscribing.await.unwrap().unwrap();
        drop(server);
        // A new session (no session present): the driver subscribes again; that connection
        // ends before the SUBACK.
        let mut server = connected(&mut servers).await;
        let Packet::Subscribe(again) = server.expect(PacketType::Subscribe).await else {
            unreachable!()
        };
        assert_eq!(again.subscriptions, std::slice::from_ref(&wanted));
        drop(server);
        // The next new session gets it once more, options kept.
        let mut server = connected(&mut servers).await;
        let Packet::Subscribe(third) = server.expect(PacketType::Subscribe).await else {
            unreachable!()
        };
        assert_eq!(third.subscriptions, [wanted]);
    })
    .await
}
