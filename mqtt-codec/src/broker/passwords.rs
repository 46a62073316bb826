//! mosquitto's `password_file`: one `user:hash` line per user, as Debian's `mosquitto_passwd`
//! writes it, so the same file serves both brokers. The hashes are mosquitto's two formats:
//! `$7$ITERATIONS$SALT$HASH` (PBKDF2-HMAC-SHA512, mosquitto 2.x) and `$6$SALT$HASH` (SHA-512
//! of the password then the salt, mosquitto 1.x), salt and hash in base64.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha512};

/// A password file that could not be read: which line, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("password file line {line}: {reason}")]
pub struct PasswordFileError {
    /// The line, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// How a password is stored.
#[derive(Clone)]
enum Hash {
    Pbkdf2Sha512 {
        iterations: u32,
        salt: Vec<u8>,
        hash: Vec<u8>,
    },
    Sha512 {
        salt: Vec<u8>,
        hash: Vec<u8>,
    },
}

/// The users of a password file and their hashed passwords.
///
/// ```
/// use mqtt_codec::broker::Passwords;
///
/// // Made by `mosquitto_passwd -c -b file alice wonderland`.
/// let file = "alice:$7$101$K2mCyTk0Et+g/j0p$EdoDBsNFceJIWsAarb5zT2eV7TXkjI3T6CNa2y9cRSqCPJ19ejlko45qhYmQFPMaQysERVxzeEMXrZPGVAQLhQ==";
/// let passwords = Passwords::parse(file)?;
/// assert!(passwords.check("alice", b"wonderland"));
/// assert!(!passwords.check("alice", b"looking-glass"));
/// assert!(!passwords.check("bob", b"wonderland"));
/// # Ok::<(), mqtt_codec::broker::PasswordFileError>(())
/// ```
#[derive(Clone, Default)]
pub struct Passwords {
    users: BTreeMap<String, Hash>,
}

impl core::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The hashes stay out of logs.
        f.debug_struct("Passwords")
            .field("users", &self.users.len())
            .finish()
    }
}

impl Passwords {
    /// Reads a password file. Empty lines and lines starting with `#` are skipped.
    pub fn parse(text: &str) -> Result<Self, PasswordFileError> {
        let mut users = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |reason| PasswordFileError {
                line: i + 1,
                reason,
            };
            let (user, hash) = line
                .split_once(':')
                .ok_or(err("no ':' after the user name"))?;
            if user.is_empty() {
                return Err(err("an empty user name"));
            }
            users.insert(String::from(user), parse_hash(hash).map_err(err)?);
        }
        Ok(Passwords { users })
    }

    /// The number of users.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// True when the file names no user.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// True when `user` is in the file and `password` is theirs. The comparison takes the
    /// same time whatever the password.
    pub fn check(&self, user: &str, password: &[u8]) -> bool {
        match self.users.get(user) {
            Some(Hash::Pbkdf2Sha512 {
                iterations,
                salt,
                hash,
            }) => {
                let mut out = [0u8; 64];
                pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, *iterations, &mut out);
                same(&out[..hash.len().min(64)], hash)
            }
            Some(Hash::Sha512 { salt, hash }) => {
                let mut d = Sha512::new();
                d.update(password);
                d.update(salt);
                same(&d.finalize(), hash)
            }
            None => false,
        }
    }
}

fn parse_hash(text: &str) -> Result<Hash, &'static str> {
    let b64 = |s: &str| {
        STANDARD
            .decode(s)
            .map_err(|_| "a salt or hash is not base64")
    };
    let mut parts = text.split('$');
    if parts.next() != Some("") {
        return Err("the hash does not start with '$'");
    }
    match parts.next() {
        Some("7") => {
            let iterations = parts
                .next()
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|&n| n > 0)
                .ok_or("a $7$ hash without its iteration count")?;
            let salt = b64(parts.next().ok_or("a hash without its salt")?)?;
            let hash = b64(parts.next().ok_or("a hash without its value")?)?;
            if hash.len() != 64 || parts.next().is_some() {
                return Err("a $7$ hash is not 64 bytes of PBKDF2-HMAC-SHA512");
            }
            Ok(Hash::Pbkdf2Sha512 {
                iterations,
                salt,
                hash,
            })
        }
        Some("6") => {
            let salt = b64(parts.next().ok_or("a hash without its salt")?)?;
            let hash = b64(parts.next().ok_or("a hash without its value")?)?;
            if hash.len() != 64 || parts.next().is_some() {
                return Err("a $6$ hash is not 64 bytes of SHA-512");
            }
            Ok(Hash::Sha512 { salt, hash })
        }
        _ => Err("an unknown hash type (mosquitto_passwd writes $7$ or $6$)"),
    }
}

/// Equal slices, compared without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made by Debian's `mosquitto_passwd` 2.0.11 (`-c -b`), users alice and bob.
    const FILE: &str = "\
alice:$7$101$K2mCyTk0Et+g/j0p$EdoDBsNFceJIWsAarb5zT2eV7TXkjI3T6CNa2y9cRSqCPJ19ejlko45qhYmQFPMaQysERVxzeEMXrZPGVAQLhQ==
# a comment

bob:$7$101$rutZ8SLZBmwJ+8Y6$OdNxprmAWkXQuvoeg2TiWKDaqId0tuR3jbThoRS5yOYGwXXJJFWLI5xTqC3mg8vqv8RCM3kPMUgXGEEWyZU73w==
";

    #[test]
    fn mosquitto_passwd_hashes_verify() {
        let p = Passwords::parse(FILE).unwrap();
        assert_eq!(p.len(), 2);
        assert!(p.check("alice", b"wonderland"));
        assert!(p.check("bob", b"s3cret:with:colons"));
        assert!(!p.check("bob", b"s3cret"));
        assert!(!p.check("carol", b""));
    }

    #[test]
    fn the_older_sha512_format_verifies() {
        let salt = b"0123456789ab";
        let mut d = Sha512::new();
        d.update(b"pw");
        d.update(salt);
        let line = alloc::format!(
            "dave:$6${}${}",
            STANDARD.encode(salt),
            STANDARD.encode(d.finalize())
        );
        let p = Passwords::parse(&line).unwrap();
        assert!(p.check("dave", b"pw"));
        assert!(!p.check("dave", b"pW"));
    }

    #[test]
    fn broken_lines_are_refused_with_their_number() {
        for (text, line) in [
            ("alice", 1),
            ("\n:$7$101$AA==$AA==", 2),
            ("alice:plain", 1),
            ("alice:$7$x$AA==$AA==", 1),
            ("alice:$7$101$AA==$AA==", 1),
            ("alice:$9$AA==$AA==", 1),
        ] {
            assert_eq!(Passwords::parse(text).unwrap_err().line, line, "{text}");
        }
    }
}
