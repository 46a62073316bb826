//! SCRAM-SHA-256 (RFC 5802 with RFC 7677's hash), the MQTT 5.0 enhanced authentication method
//! this library ships (feature `scram`): the client's and the server's side, each a small
//! sans-IO state machine. Nonces come from the caller: nothing here draws randomness.
//!
//! ```
//! use mqtt_codec::scram::{ScramClient, ScramCredentials, ScramServer};
//!
//! let stored = ScramCredentials::derive(b"pencil", b"salt-of-user", 4096);
//! let mut client = ScramClient::new("user", "pencil", "client-nonce");
//! let first = client.client_first();
//! let mut server = ScramServer::new("server-nonce");
//! let user = server.client_first(&first)?;               // look the user up by this name
//! let challenge = server.server_first(&stored)?;
//! let answer = client.client_final(&challenge)?;
//! let signature = server.client_final(&answer)?;       // Ok: the client knows the password
//! client.server_final(&signature)?;                     // Ok: the server knows it too
//! assert_eq!(user, "user");
//! # Ok::<(), mqtt_codec::scram::ScramError>(())
//! ```

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The method's name in the Authentication Method property.
pub const METHOD: &str = "SCRAM-SHA-256";

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // An HMAC takes a key of any length, so `new_from_slice` does not fail; the fallback
    // (a zero key) only keeps this free of a panic path.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| <HmacSha256 as hmac::digest::KeyInit>::new(&Default::default()));
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

fn xor(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (o, (x, y)) in out.iter_mut().zip(a.iter().zip(b)) {
        *o = x ^ y;
    }
    out
}

/// Why a SCRAM exchange failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScramError {
    /// A message that is not what this step of RFC 5802 expects.
    #[error("malformed SCRAM message: {0}")]
    Malformed(&'static str),
    /// Channel binding was asked for; this implementation offers none (gs2 `n`).
    #[error("channel binding is not supported")]
    ChannelBinding,
    /// The server's nonce does not extend the client's.
    #[error("the server's nonce does not start with the client's")]
    Nonce,
    /// The client's proof is wrong: wrong password, or unknown user.
    #[error("the client's proof does not verify")]
    Proof,
    /// The server's signature is wrong: the server does not know the password.
    #[error("the server's signature does not verify")]
    Signature,
    /// The server refused (an `e=` message).
    #[error("the server refused: {0}")]
    Refused(String),
    /// A step called out of order.
    #[error("SCRAM step out of order")]
    Order,
    /// A stored credential line that does not parse.
    #[error("credential line: {0}")]
    Credentials(&'static str),
}

/// What a server stores for a user (RFC 5802 §3): never the password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScramCredentials {
    /// The salt.
    pub salt: Vec<u8>,
    /// The PBKDF2 iteration count.
    pub iterations: u32,
    /// H(ClientKey).
    pub stored_key: [u8; 32],
    /// HMAC(SaltedPassword, "Server Key").
    pub server_key: [u8; 32],
}

impl ScramCredentials {
    /// The credentials of `password` with `salt` and `iterations`.
    pub fn derive(password: &[u8], salt: &[u8], iterations: u32) -> Self {
        let salted = salted_password(password, salt, iterations);
        let client_key = hmac(&salted, b"Client Key");
        ScramCredentials {
            salt: salt.to_vec(),
            iterations,
            stored_key: sha256(&client_key),
            server_key: hmac(&salted, b"Server Key"),
        }
    }

    /// The credentials as one line of a users file:
    /// `name:iterations:salt:stored-key:server-key`, the binary fields in base64.
    pub fn to_line(&self, name: &str) -> String {
        format!(
            "{name}:{}:{}:{}:{}",
            self.iterations,
            STANDARD.encode(&self.salt),
            STANDARD.encode(self.stored_key),
            STANDARD.encode(self.server_key)
        )
    }

    /// A user's name and credentials from one line of a users file ([`Self::to_line`]).
    pub fn from_line(line: &str) -> Result<(String, Self), ScramError> {
        let mut parts = line.trim().split(':');
        let mut next = |what| parts.next().ok_or(ScramError::Credentials(what));
        let name = next("no name")?.to_string();
        let iterations = next("no iteration count")?
            .parse::<u32>()
            .ok()
            .filter(|&i| i > 0)
            .ok_or(ScramError::Credentials(
                "the iteration count is not a positive number",
            ))?;
        let decode = |s: &str, what| {
            STANDARD
                .decode(s)
                .map_err(|_| ScramError::Credentials(what))
        };
        let salt = decode(next("no salt")?, "the salt is not base64")?;
        let key =
            |v: Vec<u8>, what| <[u8; 32]>::try_from(v).map_err(|_| ScramError::Credentials(what));
        let stored_key = key(
            decode(next("no stored key")?, "the stored key is not base64")?,
            "the stored key is not 32 bytes",
        )?;
        let server_key = key(
            decode(next("no server key")?, "the server key is not base64")?,
            "the server key is not 32 bytes",
        )?;
        if parts.next().is_some() {
            return Err(ScramError::Credentials("too many fields"));
        }
        if name.is_empty() {
            return Err(ScramError::Credentials("an empty name"));
        }
        Ok((
            name,
            ScramCredentials {
                salt,
                iterations,
                stored_key,
                server_key,
            },
        ))
    }
}

fn salted_password(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut out);
    out
}

/// The value of attribute `key` (`k=value`) among a message's comma-separated attributes.
fn attr(message: &str, key: char) -> Option<&str> {
    message.split(',').find_map(|a| {
        let mut chars = a.chars();
        (chars.next() == Some(key) && chars.next() == Some('=')).then(|| &a[2..])
    })
}

/// A user name as SCRAM writes it (RFC 5802 §5.1: `=` and `,` escaped).
fn escape(name: &str) -> String {
    name.replace('=', "=3D").replace(',', "=2C")
}

fn unescape(name: &str) -> Result<String, ScramError> {
    if name.contains('=')
        && !name
            .split('=')
            .skip(1)
            .all(|p| p.starts_with("3D") || p.starts_with("2C"))
    {
        return Err(ScramError::Malformed("a badly escaped user name"));
    }
    Ok(name.replace("=2C", ",").replace("=3D", "="))
}

/// Whether `nonce` can be a SCRAM nonce: not empty, printable ASCII without `,`
/// (RFC 5802 §7, `printable`); anything else breaks the message it goes in.
pub fn is_valid_nonce(nonce: &str) -> bool {
    !nonce.is_empty() && nonce.bytes().all(|c| c.is_ascii_graphic() && c != b',')
}

/// The client's side of SCRAM-SHA-256.
#[derive(Clone, Debug)]
pub struct ScramClient {
    user: String,
    password: Vec<u8>,
    nonce: String,
    client_first_bare: String,
    server_signature: Option<[u8; 32]>,
}

impl ScramClient {
    /// A client for `user` with `password`; `nonce` must be fresh and unpredictable for
    /// every exchange (printable ASCII without `,`).
    pub fn new(user: &str, password: &str, nonce: &str) -> Self {
        let client_first_bare = format!("n={},r={nonce}", escape(user));
        ScramClient {
            user: user.to_string(),
            password: password.as_bytes().to_vec(),
            nonce: nonce.to_string(),
            client_first_bare,
            server_signature: None,
        }
    }

    /// The user name.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// client-first-message: `n,,n=user,r=nonce` (no channel binding).
    pub fn client_first(&self) -> Vec<u8> {
        format!("n,,{}", self.client_first_bare).into_bytes()
    }

    /// client-final-message for the server-first-message `challenge`.
    pub fn client_final(&mut self, challenge: &[u8]) -> Result<Vec<u8>, ScramError> {
        let server_first =
            core::str::from_utf8(challenge).map_err(|_| ScramError::Malformed("not UTF-8"))?;
        if let Some(e) = attr(server_first, 'e') {
            return Err(ScramError::Refused(e.to_string()));
        }
        let nonce = attr(server_first, 'r').ok_or(ScramError::Malformed("no nonce"))?;
        if !nonce.starts_with(&self.nonce) || nonce.len() == self.nonce.len() {
            return Err(ScramError::Nonce);
        }
        let salt = STANDARD
            .decode(attr(server_first, 's').ok_or(ScramError::Malformed("no salt"))?)
            .map_err(|_| ScramError::Malformed("the salt is not base64"))?;
        let iterations: u32 = attr(server_first, 'i')
            .and_then(|i| i.parse().ok())
            .filter(|&i| i > 0)
            .ok_or(ScramError::Malformed("no iteration count"))?;
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let salted = salted_password(&self.password, &salt, iterations);
        let client_key = hmac(&salted, b"Client Key");
        let signature = hmac(&sha256(&client_key), auth_message.as_bytes());
        let proof = xor(&client_key, &signature);
        let server_key = hmac(&salted, b"Server Key");
        self.server_signature = Some(hmac(&server_key, auth_message.as_bytes()));
        Ok(format!("{without_proof},p={}", STANDARD.encode(proof)).into_bytes())
    }

    /// Checks the server-final-message: the server proves it knows the password.
    pub fn server_final(&self, message: &[u8]) -> Result<(), ScramError> {
        let text = core::str::from_utf8(message).map_err(|_| ScramError::Malformed("not UTF-8"))?;
        if let Some(e) = attr(text, 'e') {
            return Err(ScramError::Refused(e.to_string()));
        }
        let expected = self.server_signature.ok_or(ScramError::Order)?;
        let got = STANDARD
            .decode(attr(text, 'v').ok_or(ScramError::Malformed("no verifier"))?)
            .map_err(|_| ScramError::Malformed("the verifier is not base64"))?;
        if got == expected {
            Ok(())
        } else {
            Err(ScramError::Signature)
        }
    }
}

/// The server's side of SCRAM-SHA-256.
#[derive(Clone, Debug)]
pub struct ScramServer {
    nonce_suffix: String,
    client_first_bare: Option<String>,
    client_nonce: String,
    server_first: Option<String>,
    credentials: Option<ScramCredentials>,
}

impl ScramServer {
    /// A server whose part of the nonce is `nonce` (fresh and unpredictable for every
    /// exchange; printable ASCII without `,`).
    pub fn new(nonce: &str) -> Self {
        ScramServer {
            nonce_suffix: nonce.to_string(),
            client_first_bare: None,
            client_nonce: String::new(),
            server_first: None,
            credentials: None,
        }
    }

    /// Reads the client-first-message; returns the user name to look up.
    pub fn client_first(&mut self, message: &[u8]) -> Result<String, ScramError> {
        let text = core::str::from_utf8(message).map_err(|_| ScramError::Malformed("not UTF-8"))?;
        let bare = match text.strip_prefix("n,") {
            Some(rest) => rest
                .split_once(',')
                .map(|(_authzid, bare)| bare)
                .ok_or(ScramError::Malformed("no gs2 header"))?,
            None if text.starts_with("y,") || text.starts_with("p=") => {
                return Err(ScramError::ChannelBinding)
            }
            None => return Err(ScramError::Malformed("no gs2 header")),
        };
        let user = unescape(attr(bare, 'n').ok_or(ScramError::Malformed("no user name"))?)?;
        let nonce = attr(bare, 'r').ok_or(ScramError::Malformed("no nonce"))?;
        if nonce.is_empty() || user.is_empty() {
            return Err(ScramError::Malformed("an empty user name or nonce"));
        }
        self.client_nonce = nonce.to_string();
        self.client_first_bare = Some(bare.to_string());
        Ok(user)
    }

    /// The server-first-message, with the user's stored `credentials`. For an unknown
    /// user, pass credentials made up from a fixed secret so that the exchange fails at the
    /// proof rather than telling which names exist.
    pub fn server_first(&mut self, credentials: &ScramCredentials) -> Result<Vec<u8>, ScramError> {
        if self.client_first_bare.is_none() {
            return Err(ScramError::Order);
        }
        let message = format!(
            "r={}{},s={},i={}",
            self.client_nonce,
            self.nonce_suffix,
            STANDARD.encode(&credentials.salt),
            credentials.iterations
        );
        self.server_first = Some(message.clone());
        self.credentials = Some(credentials.clone());
        Ok(message.into_bytes())
    }

    /// Verifies the client-final-message; returns the server-final-message (`v=...`) that
    /// proves the server to the client.
    pub fn client_final(&mut self, message: &[u8]) -> Result<Vec<u8>, ScramError> {
        let (Some(bare), Some(server_first), Some(creds)) = (
            self.client_first_bare.as_ref(),
            self.server_first.as_ref(),
            self.credentials.as_ref(),
        ) else {
            return Err(ScramError::Order);
        };
        let text = core::str::from_utf8(message).map_err(|_| ScramError::Malformed("not UTF-8"))?;
        let (without_proof, proof) = text
            .rsplit_once(",p=")
            .ok_or(ScramError::Malformed("no proof"))?;
        if attr(without_proof, 'c') != Some("biws") {
            return Err(ScramError::ChannelBinding);
        }
        let expected_nonce = format!("{}{}", self.client_nonce, self.nonce_suffix);
        if attr(without_proof, 'r') != Some(expected_nonce.as_str()) {
            return Err(ScramError::Nonce);
        }
        let proof = STANDARD
            .decode(proof)
            .ok()
            .and_then(|p| <[u8; 32]>::try_from(p).ok())
            .ok_or(ScramError::Malformed("the proof is not 32 bytes of base64"))?;
        let auth_message = format!("{bare},{server_first},{without_proof}");
        let signature = hmac(&creds.stored_key, auth_message.as_bytes());
        let client_key = xor(&proof, &signature);
        if sha256(&client_key) != creds.stored_key {
            return Err(ScramError::Proof);
        }
        let server_signature = hmac(&creds.server_key, auth_message.as_bytes());
        Ok(format!("v={}", STANDARD.encode(server_signature)).into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677 §3: the example exchange, user "user", password "pencil".
    #[test]
    fn rfc_7677_example_exchange() {
        let mut client = ScramClient::new("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        assert_eq!(client.client_first(), b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let server_first = b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let client_final = client.client_final(server_first).unwrap();
        assert_eq!(
            client_final,
            b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        let server_final = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
        client.server_final(server_final).unwrap();

        // The server's side of the same exchange.
        let salt = STANDARD.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let creds = ScramCredentials::derive(b"pencil", &salt, 4096);
        let mut server = ScramServer::new("%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
        assert_eq!(server.client_first(&client.client_first()).unwrap(), "user");
        assert_eq!(server.server_first(&creds).unwrap(), server_first);
        assert_eq!(server.client_final(&client_final).unwrap(), server_final);
    }

    #[test]
    fn a_wrong_password_or_a_forged_server_fails() {
        let creds = ScramCredentials::derive(b"right", b"salt", 4096);
        let mut client = ScramClient::new("u", "wrong", "cn");
        let mut server = ScramServer::new("sn");
        server.client_first(&client.client_first()).unwrap();
        let challenge = server.server_first(&creds).unwrap();
        let answer = client.client_final(&challenge).unwrap();
        assert_eq!(server.client_final(&answer), Err(ScramError::Proof));
        assert_eq!(client.server_final(b"v=AAAA"), Err(ScramError::Signature));
    }

    #[test]
    fn credentials_round_trip_through_a_line() {
        let creds = ScramCredentials::derive(b"pw", b"salty", 1000);
        let line = creds.to_line("alice");
        assert_eq!(
            ScramCredentials::from_line(&line).unwrap(),
            ("alice".into(), creds)
        );
        assert!(ScramCredentials::from_line("alice:0:AA==:AA==:AA==").is_err());
        assert!(ScramCredentials::from_line("alice").is_err());
    }

    #[test]
    fn user_names_are_escaped() {
        let client = ScramClient::new("a,b=c", "pw", "n");
        let mut server = ScramServer::new("s");
        assert_eq!(
            server.client_first(&client.client_first()).unwrap(),
            "a,b=c"
        );
    }
}
