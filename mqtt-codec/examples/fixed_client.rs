//! A client on the heap-free session (`FixedSession`) over a blocking `std` TCP socket, as
//! a device without an allocator would run it: all its memory is arrays on the stack. It
//! connects, subscribes to its own topic, publishes at QoS 0, 1 and 2, prints what comes
//! back, and disconnects.
//!
//! ```text
//! cargo run --example fixed_client -- [--host 127.0.0.1] [--port 1883] [--protocol 5|3.1.1]
//! ```
//!
//! Exits 0 once the three messages came back, 1 otherwise.

use mqtt_codec::client::{
    AliasSlot, FixedConfig, FixedEvent, FixedSession, FixedStorage, InSlot, OutSlot, PendingSlot,
};
use mqtt_codec::{ProtocolVersion, QoS, SubscriptionOptions};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::{Duration, Instant};

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

fn run(a: Args) -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let now = || start.elapsed().as_millis() as u64;
    let mut socket = TcpStream::connect((a.host.as_str(), a.port))?;
    let client_id = format!("fixed-example-{}", std::process::id());
    let topic = format!("mqtt-codec/fixed-example/{client_id}");

    let (mut outgoing, mut incoming) = ([OutSlot::FREE; 8], [InSlot::FREE; 8]);
    let (mut pending, mut aliases) = ([PendingSlot::FREE; 2], [AliasSlot::FREE; 4]);
    let (mut messages, mut alias_topics) = ([0u8; 2048], [0u8; 256]);
    let (mut rx, mut tx) = ([0u8; 2048], [0u8; 2048]);
    let storage = FixedStorage {
        outgoing: &mut outgoing,
        messages: &mut messages,
        incoming: &mut incoming,
        pending: &mut pending,
        aliases: &mut aliases,
        alias_topics: &mut alias_topics,
        rx: &mut rx,
        tx: &mut tx,
    };
    let mut session = FixedSession::new(FixedConfig::new(&client_id, a.version), storage);
    session.connect(now())?;

    let mut chunk = [0u8; 512];
    let mut received = 0;
    let deadline = Duration::from_secs(10);
    while received < 3 {
        if let Some(out) = session.poll_transmit(now()) {
            socket.write_all(out)?;
        }
        if start.elapsed() >= deadline {
            return Err("no answer within 10 s".into());
        }
        let wait = session
            .next_timeout()
            .map_or(100, |at| at.saturating_sub(now()).clamp(1, 100));
        socket.set_read_timeout(Some(Duration::from_millis(wait)))?;
        let n = match socket.read(&mut chunk) {
            Ok(0) => {
                session.connection_lost(now());
                0
            }
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => 0,
            Err(e) => return Err(e.into()),
        };
        let mut at = 0;
        loop {
            // The receive buffer takes what it has room for; the rest goes in once the
            // packets before it are out as events.
            at += session.receive(&chunk[at..n], now());
            while let Some(event) = session.poll_event(now()) {
                match event {
                    FixedEvent::Connected { .. } => {
                        let options = SubscriptionOptions::new(QoS::ExactlyOnce);
                        session.subscribe(&topic, options, now())?;
                    }
                    FixedEvent::Subscribed(_) => {
                        for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
                            let payload = format!("hello at QoS {}", qos as u8);
                            session.publish_message(
                                &topic,
                                payload.as_bytes(),
                                qos,
                                false,
                                now(),
                            )?;
                        }
                    }
                    FixedEvent::Message { publish, .. } => {
                        received += 1;
                        println!(
                            "{} (QoS {}): {}",
                            publish.topic.as_str(),
                            publish.qos as u8,
                            String::from_utf8_lossy(publish.payload)
                        );
                    }
                    FixedEvent::ConnectionRefused { reason, .. } => {
                        return Err(format!("refused: {reason}").into())
                    }
                    FixedEvent::Disconnected { reason, .. } => {
                        return Err(format!("disconnected: {reason:?}").into())
                    }
                    _ => {}
                }
            }
            if let Some(out) = session.poll_transmit(now()) {
                socket.write_all(out)?;
            }
            if at >= n {
                break;
            }
        }
        session.handle_timeout(now());
    }
    session.disconnect(now())?;
    if let Some(out) = session.poll_transmit(now()) {
        socket.write_all(out)?;
    }
    socket.shutdown(std::net::Shutdown::Both)?;
    Ok(())
}

fn main() -> ExitCode {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fixed_client: {e}");
            return ExitCode::from(2);
        }
    };
    match run(a) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fixed_client: {e}");
            ExitCode::FAILURE
        }
    }
}
