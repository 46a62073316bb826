//! The tokio driver through a restart of the reference broker (the example binary, built by
//! `cargo test` beside this test) running with `--persistence`: the broker is killed with
//! SIGKILL in the middle of QoS 1 and QoS 2 traffic and started again on the same port and
//! store. The driver reconnects with backoff, the session resends what was in flight, every
//! publish completes, every message comes back, and none at QoS 2 comes twice.
#![cfg(feature = "tokio")]

use mqtt_codec::client::SessionConfig;
use mqtt_codec::tokio::{Client, DriverOptions, Messages};
use mqtt_codec::{ProtocolVersion, QoS, Subscription, TopicFilter};
use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Reached only by a hang.
const SAFETY: Duration = Duration::from_secs(60);

/// The reference broker, built by `cargo test` as an example of this crate.
fn broker_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    // target/<profile>/deps/<test> -> target/<profile>/examples/broker
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join("examples").join("broker"))
        .expect("the target directory");
    assert!(
        bin.exists(),
        "{bin:?} is missing: run the whole `cargo test -p mqtt-codec` (which builds the examples) or `cargo build -p mqtt-codec --example broker` first"
    );
    bin
}

/// A broker process on `addr` persisting into `store`; killed when dropped.
struct BrokerProcess(Child);

impl BrokerProcess {
    async fn start(addr: SocketAddr, store: &std::path::Path) -> Self {
        let child = Command::new(broker_bin())
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--persistence")
            .arg(store)
            .arg("--log-level")
            .arg("warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("start the broker");
        let mut broker = BrokerProcess(child);
        let deadline = Instant::now() + SAFETY;
        // Polls the port: another process's listen gives nothing to await.
        while tokio::net::TcpStream::connect(addr).await.is_err() {
            assert!(broker.0.try_wait().unwrap().is_none(), "the broker exited");
            assert!(Instant::now() < deadline, "the broker does not listen");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        broker
    }

    /// SIGKILL: nothing is flushed, nothing said to the clients.
    fn kill(mut self) {
        self.0.kill().expect("kill the broker");
        self.0.wait().expect("reap the broker");
    }
}

impl Drop for BrokerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_addr() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().expect("its address")
}

fn store_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mqtt-codec-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Receives until `seen` holds `count` different messages, counting copies.
async fn receive_until(messages: &mut Messages, seen: &mut HashMap<String, usize>, count: usize) {
    while seen.len() < count {
        let m = messages.recv().await.expect("the messages ended");
        let body = String::from_utf8(m.payload.to_vec()).expect("UTF-8 payload");
        *seen.entry(body).or_default() += 1;
    }
}

async fn restart_in_the_middle_of_traffic(version: ProtocolVersion) {
    const COUNT: usize = 200;
    let addr = free_addr();
    let store = store_dir(&format!("restart-{}", version as u8));
    let broker = BrokerProcess::start(addr, &store).await;
    let mut config = SessionConfig::new(&format!("restart-{}", version as u8), version);
    // A session the broker keeps: 3.1.1 without clean session, 5.0 by its expiry.
    config.clean_start = false;
    config.session_expiry_interval = 300;
    let options = DriverOptions {
        backoff_min: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        ..DriverOptions::default()
    };
    let connect = move || tokio::net::TcpStream::connect(addr);
    let (client, mut messages) = Client::spawn(config, connect, options);
    let filter = TopicFilter::new("restart/#").unwrap();
    client
        .subscribe(vec![Subscription::new(filter, QoS::ExactlyOnce)])
        .await
        .expect("subscribed");
    let publishes: Vec<_> = (0..COUNT)
        .map(|i| {
            let client = client.clone();
            let qos = [QoS::AtLeastOnce, QoS::ExactlyOnce][i % 2];
            tokio::spawn(async move {
                client
                    .publish("restart/x", format!("m{i}"), qos, false)
                    .await
            })
        })
        .collect();
    // A few messages through, the rest in flight or waiting: kill it there.
    let mut seen = HashMap::new();
    receive_until(&mut messages, &mut seen, 5).await;
    broker.kill();
    let _broker = BrokerProcess::start(addr, &store).await;
    for p in publishes {
        p.await.expect("the task").expect("the publish completed");
    }
    receive_until(&mut messages, &mut seen, COUNT).await;
    // Late copies of QoS 1 messages may still come; QoS 2 ones may not, ever.
    let twice: Vec<_> = (0..COUNT)
        .filter(|i| i % 2 == 1 && seen.get(&format!("m{i}")).is_some_and(|&n| n > 1))
        .collect();
    assert!(
        twice.is_empty(),
        "QoS 2 messages delivered twice: {twice:?}"
    );
    assert_eq!(seen.len(), COUNT, "every message came back");
    client.disconnect().await.expect("clean disconnect");
    let _ = std::fs::remove_dir_all(&store);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_killed_mid_traffic_loses_nothing_in_3_1_1() {
    tokio::time::timeout(
        SAFETY,
        restart_in_the_middle_of_traffic(ProtocolVersion::V3_1_1),
    )
    .await
    .expect("the test hung");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_killed_mid_traffic_loses_nothing_in_5_0() {
    tokio::time::timeout(
        SAFETY,
        restart_in_the_middle_of_traffic(ProtocolVersion::V5),
    )
    .await
    .expect("the test hung");
}
