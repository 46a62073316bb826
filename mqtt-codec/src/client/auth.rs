//! Enhanced authentication for the client session (MQTT 5.0 §4.12): the method is pluggable
//! ([`Authenticator`]); SCRAM-SHA-256 ships as [`ScramAuthenticator`] (feature `scram`).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Why an authentication step failed on the client's side.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("authentication: {0}")]
pub struct AuthError(pub String);

/// One authentication method, driven by the session through the AUTH exchange: the data of
/// CONNECT (or of a re-authentication's AUTH 0x19), an answer to each challenge (AUTH 0x18),
/// and the server's final data (in CONNACK, or the AUTH 0x00 that ends a
/// re-authentication).
pub trait Authenticator: fmt::Debug + Send + Sync {
    /// The Authentication Method, as CONNECT and every AUTH carry it.
    fn method(&self) -> &str;
    /// Starts an exchange: the Authentication Data to send first.
    fn start(&mut self) -> Result<Vec<u8>, AuthError>;
    /// The answer to the server's challenge.
    fn challenge(&mut self, data: &[u8]) -> Result<Vec<u8>, AuthError>;
    /// The server's final data: Ok when it proves the server (or the method has nothing to
    /// check).
    fn finish(&mut self, data: &[u8]) -> Result<(), AuthError>;
}

/// SCRAM-SHA-256 as an [`Authenticator`]. Every exchange needs a fresh, unpredictable
/// nonce, which the caller gives ([`ScramAuthenticator::add_nonce`]): the session draws no
/// randomness.
#[cfg(feature = "scram")]
#[derive(Clone)]
pub struct ScramAuthenticator {
    user: String,
    password: String,
    nonces: alloc::collections::VecDeque<String>,
    exchange: Option<crate::scram::ScramClient>,
}

#[cfg(feature = "scram")]
impl fmt::Debug for ScramAuthenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The password is never shown.
        f.debug_struct("ScramAuthenticator")
            .field("user", &self.user)
            .field("nonces", &self.nonces.len())
            .finish()
    }
}

#[cfg(feature = "scram")]
impl ScramAuthenticator {
    /// SCRAM-SHA-256 for `user` with `password`, with the nonce of its first exchange.
    pub fn new(user: &str, password: &str, nonce: &str) -> Self {
        let mut nonces = alloc::collections::VecDeque::new();
        nonces.push_back(String::from(nonce));
        ScramAuthenticator {
            user: String::from(user),
            password: String::from(password),
            nonces,
            exchange: None,
        }
    }

    /// A nonce for a later exchange (a reconnect, a re-authentication).
    pub fn add_nonce(&mut self, nonce: &str) {
        self.nonces.push_back(String::from(nonce));
    }
}

#[cfg(feature = "scram")]
impl Authenticator for ScramAuthenticator {
    fn method(&self) -> &str {
        crate::scram::METHOD
    }

    fn start(&mut self) -> Result<Vec<u8>, AuthError> {
        let nonce = self
            .nonces
            .pop_front()
            .ok_or_else(|| AuthError(String::from("no fresh nonce left (add_nonce)")))?;
        let client = crate::scram::ScramClient::new(&self.user, &self.password, &nonce);
        let first = client.client_first();
        self.exchange = Some(client);
        Ok(first)
    }

    fn challenge(&mut self, data: &[u8]) -> Result<Vec<u8>, AuthError> {
        let client = self
            .exchange
            .as_mut()
            .ok_or_else(|| AuthError(String::from("a challenge before the exchange started")))?;
        client
            .client_final(data)
            .map_err(|e| AuthError(alloc::format!("{e}")))
    }

    fn finish(&mut self, data: &[u8]) -> Result<(), AuthError> {
        let client = self
            .exchange
            .take()
            .ok_or_else(|| AuthError(String::from("no exchange to finish")))?;
        client
            .server_final(data)
            .map_err(|e| AuthError(alloc::format!("{e}")))
    }
}
