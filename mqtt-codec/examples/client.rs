//! A client on the sans-IO session over tokio TCP: it connects, subscribes to its own topic,
//! publishes at QoS 0, 1 and 2, prints what comes back, and disconnects.
//!
//! ```text
//! cargo run --example client -- [--host 127.0.0.1] [--port 1883] [--protocol 5|3.1.1]
//! ```
//!
//! The session decides everything (packet identifiers, acknowledgements, keep alive); this
//! file only moves bytes between it and the socket and tells it the time. It exits 0 once
//! the three messages came back, 1 otherwise.

use mqtt_codec::client::{Event, Session, SessionConfig};
use mqtt_codec::{ProtocolVersion, QoS, Subscription, TopicFilter, TopicName};
use std::process::ExitCode;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

struct Args {
    host: String,
    port: u16,
    version: ProtocolVersion,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        host: "127.0.0.1".into(),
        port: 1883,
        version: ProtocolVersion::V5,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--host" => a.host = value,
            "--port" => a.port = value.parse().map_err(|e| format!("--port: {e}"))?,
            "--protocol" => {
                a.version = match value.as_str() {
                    "5" | "5.0" => ProtocolVersion::V5,
                    "3.1.1" | "4" => ProtocolVersion::V3_1_1,
                    other => return Err(format!("unknown protocol {other}")),
                }
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(a)
}

/// The session's clock: milliseconds since the start.
fn now(start: Instant) -> u64 {
    start.elapsed().as_millis() as u64
}

async fn run(a: Args) -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let mut socket = TcpStream::connect((a.host.as_str(), a.port)).await?;
    let client_id = format!("example-{}", std::process::id());
    let mut session = Session::new(SessionConfig::new(&client_id, a.version));
    session.connect(now(start))?;
    let topic = format!("mqtt-codec/example/{client_id}");
    let mut buf = vec![0u8; 64 * 1024];
    let mut received = 0;
    let deadline = start + Duration::from_secs(10);
    while received < 3 {
        let out = session.data_to_send();
        if !out.is_empty() {
            socket.write_all(&out).await?;
        }
        let wake = session.next_timeout().map_or(deadline, |ms| {
            (start + Duration::from_millis(ms)).min(deadline)
        });
        tokio::select! {
            n = socket.read(&mut buf) => {
                let n = n?;
                if n == 0 {
                    session.connection_lost(now(start));
                } else {
                    session.receive(&buf[..n], now(start));
                }
            }
            _ = tokio::time::sleep_until(wake) => {
                if Instant::now() >= deadline {
                    return Err("no answer within 10 s".into());
                }
                session.handle_timeout(now(start));
            }
        }
        while let Some(event) = session.poll_event() {
            match event {
                Event::Connected { .. } => {
                    let filter = TopicFilter::new(&topic)?;
                    session.subscribe(
                        vec![Subscription::new(filter, QoS::ExactlyOnce)],
                        now(start),
                    )?;
                }
                Event::Subscribed { .. } => {
                    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
                        let payload = format!("hello at QoS {}", qos as u8);
                        session.publish(
                            TopicName::new(&topic)?,
                            payload,
                            qos,
                            false,
                            now(start),
                        )?;
                    }
                }
                Event::Message { publish, .. } => {
                    received += 1;
                    println!(
                        "{} (QoS {}): {}",
                        publish.topic.as_str(),
                        publish.qos as u8,
                        String::from_utf8_lossy(&publish.payload)
                    );
                }
                Event::ConnectionRefused { reason, .. } => {
                    return Err(format!("refused: {reason}").into())
                }
                Event::Disconnected { reason, .. } => {
                    return Err(format!("disconnected: {reason:?}").into())
                }
                _ => {}
            }
        }
    }
    session.disconnect(now(start))?;
    socket.write_all(&session.data_to_send()).await?;
    socket.shutdown().await?;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("client: {e}");
            return ExitCode::from(2);
        }
    };
    match run(a).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("client: {e}");
            ExitCode::FAILURE
        }
    }
}
