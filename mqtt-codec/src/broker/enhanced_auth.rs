//! Enhanced authentication (MQTT 5.0 §4.12) with SCRAM-SHA-256: the AUTH exchange before
//! CONNACK, and re-authentication on a live connection. The users and their stored
//! credentials are the operator's ([`ScramConfig`]); the server's nonces are drawn from a
//! seed the I/O loop gives (the core draws no randomness).

use super::connection::Phase;
use super::{Broker, ConnId, Level, Millis};
use crate::packet::{Auth, Connect, Packet};
use crate::reason::ReasonCode;
use crate::scram::{ScramCredentials, ScramServer, METHOD};
use crate::string::MqttStr;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use bytes::Bytes;
use sha2::{Digest, Sha256};

/// SCRAM-SHA-256 for the broker (`--scram-users`).
#[derive(Clone, Debug)]
pub struct ScramConfig {
    /// The users and their stored credentials (lines of [`ScramCredentials::to_line`]).
    pub users: BTreeMap<String, ScramCredentials>,
    /// Secret bytes from which the server's nonces (and the made-up credentials that keep
    /// unknown users from being told apart) are derived: give it fresh randomness at start.
    pub seed: [u8; 32],
}

/// Why a SCRAM users file was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ScramUsersError {
    /// The line, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub reason: crate::scram::ScramError,
}

/// Reads a SCRAM users file: one `name:iterations:salt:stored-key:server-key` a line (as
/// [`ScramCredentials::to_line`] writes it), `#` comments and blank lines ignored.
pub fn parse_scram_users(
    text: &str,
) -> Result<BTreeMap<String, ScramCredentials>, ScramUsersError> {
    let mut users = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, creds) =
            ScramCredentials::from_line(line).map_err(|reason| ScramUsersError {
                line: i + 1,
                reason,
            })?;
        users.insert(name, creds);
    }
    Ok(users)
}

/// An authentication exchange in progress on a connection.
#[derive(Debug)]
pub(crate) struct Exchange {
    server: ScramServer,
    user: String,
    known: bool,
    /// The CONNECT that waits for the exchange (the initial one; none when re-authenticating).
    connect: Option<Box<Connect>>,
}

/// A client the exchange proved.
#[derive(Clone, Debug)]
pub(crate) struct Authenticated {
    pub(crate) user: String,
    /// The server-final-message, sent in CONNACK or the last AUTH.
    pub(crate) final_data: Bytes,
}

fn auth_packet(reason: ReasonCode, data: &[u8]) -> Packet {
    let mut auth = Auth::new(reason);
    auth.properties.authentication_method = MqttStr::new(METHOD).ok();
    auth.properties.authentication_data = Some(Bytes::copy_from_slice(data));
    Packet::Auth(auth)
}

impl Broker {
    /// A fresh server nonce: 24 base64 characters of SHA-256(seed, counter).
    fn server_nonce(&mut self) -> String {
        self.nonces = self.nonces.wrapping_add(1);
        let seed = self.config.scram.as_ref().map_or([0u8; 32], |s| s.seed);
        let mut h = Sha256::new();
        h.update(seed);
        h.update(self.nonces.to_be_bytes());
        let mut nonce = STANDARD.encode(h.finalize());
        nonce.truncate(24);
        nonce
    }

    /// Starts the exchange on `client_first`: the server-first-message to send, or why not.
    fn begin_exchange(&mut self, client_first: &[u8]) -> Option<(Exchange, Bytes)> {
        let nonce = self.server_nonce();
        let scram = self.config.scram.as_ref()?;
        let mut server = ScramServer::new(&nonce);
        let user = server.client_first(client_first).ok()?;
        // An unknown user gets credentials made up from the seed, so that the exchange
        // fails at the proof as a wrong password does.
        let (creds, known) = match scram.users.get(&user) {
            Some(c) => (c.clone(), true),
            None => (
                ScramCredentials::derive(&scram.seed, user.as_bytes(), 4096),
                false,
            ),
        };
        let challenge = server.server_first(&creds).ok()?;
        Some((
            Exchange {
                server,
                user,
                known,
                connect: None,
            },
            Bytes::from(challenge),
        ))
    }

    /// CONNECT with an Authentication Method: SCRAM-SHA-256 starts its exchange with AUTH
    /// 0x18 ([MQTT-4.12.0-2]); any other method, or none configured, is refused with 0x8C.
    pub(super) fn start_authentication(&mut self, conn: ConnId, connect: Connect, now: Millis) {
        let version = connect.protocol_version;
        let method_ok = self.config.scram.is_some()
            && connect
                .properties
                .authentication_method
                .as_ref()
                .is_some_and(|m| m.as_str() == METHOD);
        if !method_ok {
            return self.refuse_connect(conn, version, ReasonCode::BadAuthenticationMethod);
        }
        let first = connect
            .properties
            .authentication_data
            .clone()
            .unwrap_or_default();
        let Some((mut exchange, challenge)) = self.begin_exchange(&first) else {
            return self.refuse_connect(conn, version, ReasonCode::NotAuthorized);
        };
        exchange.connect = Some(Box::new(connect));
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        c.version = version;
        c.phase = Phase::Authenticating;
        c.last_seen = now;
        c.exchange = Some(Box::new(exchange));
        self.send(
            conn,
            &auth_packet(ReasonCode::ContinueAuthentication, &challenge),
        );
    }

    /// A packet during the exchange before CONNACK: only AUTH (0x18, the same method) or
    /// DISCONNECT ([MQTT-3.1.2-30], [MQTT-4.12.0-3], [MQTT-4.12.0-5]).
    pub(super) fn on_authenticating(&mut self, conn: ConnId, packet: Packet, now: Millis) {
        let auth = match packet {
            Packet::Auth(a) => a,
            Packet::Disconnect(_) => return self.detach(conn, now, false),
            // CON-40: nothing else before CONNACK.
            _ => {
                return self.refuse_connect(
                    conn,
                    crate::ProtocolVersion::V5,
                    ReasonCode::ProtocolError,
                )
            }
        };
        let same_method = auth
            .properties
            .authentication_method
            .as_ref()
            .is_some_and(|m| m.as_str() == METHOD);
        // AUT-6 (the same method) and AUT-8 (0x18 during the exchange).
        if !same_method || auth.reason_code != ReasonCode::ContinueAuthentication {
            return self.refuse_connect(
                conn,
                crate::ProtocolVersion::V5,
                ReasonCode::ProtocolError,
            );
        }
        let Some(mut exchange) = self.conns.get_mut(&conn).and_then(|c| c.exchange.take()) else {
            return;
        };
        let answer = auth
            .properties
            .authentication_data
            .clone()
            .unwrap_or_default();
        let verified = exchange.server.client_final(&answer);
        let connect = exchange.connect.take();
        match (verified, exchange.known, connect) {
            (Ok(final_data), true, Some(connect)) => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.phase = Phase::AwaitConnect;
                }
                let outcome = Authenticated {
                    user: exchange.user,
                    final_data: Bytes::from(final_data),
                };
                self.accept_connect(conn, *connect, Some(outcome), now);
            }
            _ => {
                self.log(
                    Level::Warn,
                    format!(
                        "connection {conn}: SCRAM authentication of {} failed",
                        exchange.user
                    ),
                );
                self.refuse_connect(conn, crate::ProtocolVersion::V5, ReasonCode::NotAuthorized);
            }
        }
    }

    /// AUTH on a live connection: re-authentication (0x19 then 0x18, the method of CONNECT,
    /// [MQTT-4.12.1-1]); a failure ends the connection with DISCONNECT ([MQTT-4.12.1-2]).
    pub(super) fn on_reauth(&mut self, conn: ConnId, auth: Auth, now: Millis) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        let method = auth
            .properties
            .authentication_method
            .as_ref()
            .map(|m| m.as_str());
        // AUT-6: AUTH only on a connection that authenticated, with the same method.
        if c.auth_method.is_none() || method != c.auth_method.as_deref() {
            return self.disconnect_with(conn, ReasonCode::ProtocolError, now);
        }
        let data = auth
            .properties
            .authentication_data
            .clone()
            .unwrap_or_default();
        match (auth.reason_code, c.exchange.is_some()) {
            (ReasonCode::ReAuthenticate, false) => {
                let Some((exchange, challenge)) = self.begin_exchange(&data) else {
                    return self.disconnect_with(conn, ReasonCode::NotAuthorized, now);
                };
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.exchange = Some(Box::new(exchange));
                }
                self.send(
                    conn,
                    &auth_packet(ReasonCode::ContinueAuthentication, &challenge),
                );
            }
            (ReasonCode::ContinueAuthentication, true) => {
                let Some(mut exchange) = self.conns.get_mut(&conn).and_then(|c| c.exchange.take())
                else {
                    return;
                };
                let same_user = self
                    .conns
                    .get(&conn)
                    .is_some_and(|c| c.username.as_deref() == Some(exchange.user.as_str()));
                match exchange.server.client_final(&data) {
                    Ok(final_data) if exchange.known && same_user => {
                        self.send(conn, &auth_packet(ReasonCode::Success, &final_data));
                    }
                    _ => self.disconnect_with(conn, ReasonCode::NotAuthorized, now),
                }
            }
            // AUT-8 and AUT-10: 0x19 starts, 0x18 continues; anything else is out of order.
            _ => self.disconnect_with(conn, ReasonCode::ProtocolError, now),
        }
    }
}
