//! The client session and the broker core authenticating each other with SCRAM-SHA-256
//! (MQTT 5.0 §4.12), byte for byte: the initial exchange, a re-authentication, and a wrong
//! password.

use mqtt_codec::broker::{Action, Broker, BrokerConfig, ScramConfig};
use mqtt_codec::client::{Event, ScramAuthenticator, Session, SessionConfig};
use mqtt_codec::scram::ScramCredentials;
use mqtt_codec::{ProtocolVersion, ReasonCode};
use std::collections::BTreeMap;

fn broker() -> Broker {
    let mut users = BTreeMap::new();
    users.insert(
        "alice".to_owned(),
        ScramCredentials::derive(b"secret", b"salt", 4096),
    );
    Broker::new(BrokerConfig {
        scram: Some(ScramConfig {
            users,
            seed: [3; 32],
        }),
        ..BrokerConfig::default()
    })
}

/// Moves bytes both ways until neither side has anything to send; returns the session's
/// events.
fn pump(session: &mut Session, broker: &mut Broker, now: u64) -> Vec<Event> {
    loop {
        let out = session.data_to_send();
        if !out.is_empty() {
            broker.bytes_received(1, &out, now);
        }
        let mut back = Vec::new();
        while let Some(action) = broker.poll_action() {
            if let Action::Send { conn: 1, data } = action {
                back.extend_from_slice(&data);
            }
        }
        if back.is_empty() && out.is_empty() {
            break;
        }
        session.receive(&back, now);
    }
    std::iter::from_fn(|| session.poll_event()).collect()
}

fn session(password: &str) -> Session {
    let mut s = Session::new(SessionConfig::new("dev", ProtocolVersion::V5));
    let mut auth = ScramAuthenticator::new("alice", password, "client-nonce-1");
    auth.add_nonce("client-nonce-2");
    s.set_authenticator(Box::new(auth));
    s
}

#[test]
fn the_session_authenticates_and_reauthenticates_with_the_broker() {
    let mut b = broker();
    b.connection_opened(1, 0);
    let mut s = session("secret");
    s.connect(0).unwrap();
    let events = pump(&mut s, &mut b, 1);
    assert!(
        matches!(events.as_slice(), [Event::Connected { .. }]),
        "{events:?}"
    );
    s.reauthenticate(2).unwrap();
    assert_eq!(pump(&mut s, &mut b, 3), [Event::Reauthenticated]);
    assert!(s.is_connected());
}

#[test]
fn a_second_reauthentication_while_one_runs_is_refused_and_leaves_it_whole() {
    // A source of nonces that never runs dry: the refusal must come before the
    // authenticator starts (and so replaces) the exchange the server is answering.
    let mut b = broker();
    b.connection_opened(1, 0);
    let mut s = Session::new(SessionConfig::new("dev", ProtocolVersion::V5));
    let counter = std::sync::atomic::AtomicU32::new(0);
    let auth = ScramAuthenticator::with_nonce_source("alice", "secret", move || {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("nonce-{n}")
    });
    s.set_authenticator(Box::new(auth));
    s.connect(0).unwrap();
    assert!(matches!(
        pump(&mut s, &mut b, 1).as_slice(),
        [Event::Connected { .. }]
    ));
    s.reauthenticate(2).unwrap();
    assert!(s.reauthenticate(2).is_err(), "one runs");
    assert_eq!(pump(&mut s, &mut b, 3), [Event::Reauthenticated]);
    s.reauthenticate(4).unwrap();
    assert_eq!(pump(&mut s, &mut b, 5), [Event::Reauthenticated]);
}

#[test]
fn a_wrong_password_is_refused() {
    let mut b = broker();
    b.connection_opened(1, 0);
    let mut s = session("wrong");
    s.connect(0).unwrap();
    let events = pump(&mut s, &mut b, 1);
    assert!(
        matches!(
            events.as_slice(),
            [Event::ConnectionRefused {
                reason: ReasonCode::NotAuthorized,
                ..
            }]
        ),
        "{events:?}"
    );
}
