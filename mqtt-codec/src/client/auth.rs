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

/// SCRAM-SHA-256 as an [`Authenticator`]. Every exchange (a connect, each reconnect, a
/// re-authentication) needs a fresh, unpredictable nonce, which the caller gives: the
/// library draws no randomness. Give them one at a time
/// ([`ScramAuthenticator::add_nonce`]), or a source the authenticator asks whenever it has
/// none left ([`ScramAuthenticator::with_nonce_source`]), which a client that reconnects on
/// its own (the tokio driver) needs.
#[cfg(feature = "scram")]
#[derive(Clone)]
pub struct ScramAuthenticator {
    user: String,
    password: String,
    nonces: alloc::collections::VecDeque<String>,
    source: Option<NonceSource>,
    exchange: Option<crate::scram::ScramClient>,
}

/// What [`ScramAuthenticator::with_nonce_source`] asks for a nonce.
#[cfg(feature = "scram")]
type NonceSource = alloc::sync::Arc<dyn Fn() -> String + Send + Sync>;

#[cfg(feature = "scram")]
impl fmt::Debug for ScramAuthenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The password is never shown.
        f.debug_struct("ScramAuthenticator")
            .field("user", &self.user)
            .field("nonces", &self.nonces.len())
            .field("source", &self.source.is_some())
            .finish()
    }
}

#[cfg(feature = "scram")]
impl ScramAuthenticator {
    /// SCRAM-SHA-256 for `user` with `password`, with the nonce of its first exchange.
    pub fn new(user: &str, password: &str, nonce: &str) -> Self {
        let mut scram = ScramAuthenticator::made(user, password, None);
        scram.add_nonce(nonce);
        scram
    }

    /// SCRAM-SHA-256 for `user` with `password` that asks `source` for the nonce of each
    /// exchange (when none was added): for example 18 bytes of the operating system's
    /// randomness in base64. A nonce must be printable ASCII without `,`
    /// ([`crate::scram::is_valid_nonce`]); an exchange given another fails to start.
    pub fn with_nonce_source(
        user: &str,
        password: &str,
        source: impl Fn() -> String + Send + Sync + 'static,
    ) -> Self {
        ScramAuthenticator::made(user, password, Some(alloc::sync::Arc::new(source)))
    }

    fn made(user: &str, password: &str, source: Option<NonceSource>) -> Self {
        ScramAuthenticator {
            user: String::from(user),
            password: String::from(password),
            nonces: alloc::collections::VecDeque::new(),
            source,
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
        let nonce = match (self.nonces.pop_front(), &self.source) {
            (Some(nonce), _) => nonce,
            (None, Some(source)) => source(),
            (None, None) => return Err(AuthError(String::from("no fresh nonce left (add_nonce)"))),
        };
        if !crate::scram::is_valid_nonce(&nonce) {
            return Err(AuthError(String::from(
                "a nonce is printable ASCII without ',', and not empty",
            )));
        }
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

#[cfg(all(test, feature = "scram"))]
mod tests {
    use super::*;
    use core::sync::atomic::{AtomicU32, Ordering};

    /// The nonce of the client-first message `first`.
    fn nonce_of(first: &[u8]) -> String {
        let text = core::str::from_utf8(first).unwrap();
        String::from(text.split_once(",r=").unwrap().1)
    }

    #[test]
    fn every_exchange_takes_a_nonce_of_its_own() {
        let mut given = ScramAuthenticator::new("user", "pencil", "first-nonce");
        assert_eq!(nonce_of(&given.start().unwrap()), "first-nonce");
        assert!(given.start().is_err(), "used up");
        given.add_nonce("second-nonce");
        assert_eq!(nonce_of(&given.start().unwrap()), "second-nonce");

        let counter = AtomicU32::new(0);
        let mut drawn = ScramAuthenticator::with_nonce_source("user", "pencil", move || {
            alloc::format!("drawn-{}", counter.fetch_add(1, Ordering::Relaxed))
        });
        assert_eq!(nonce_of(&drawn.start().unwrap()), "drawn-0");
        drawn.add_nonce("added"); // one added goes first
        assert_eq!(nonce_of(&drawn.start().unwrap()), "added");
        assert_eq!(nonce_of(&drawn.clone().start().unwrap()), "drawn-1");
        let mut broken = ScramAuthenticator::with_nonce_source("u", "p", || String::from("a,b"));
        assert!(broken.start().is_err(), "not a nonce");
    }
}
