//! Validated UTF-8 strings (§1.5.4) backed by any byte storage.

#[cfg(feature = "alloc")]
use bytes::Bytes;
use core::fmt;
use core::hash::Hash;

/// Why bytes are not a valid MQTT string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StrError {
    /// Not well-formed UTF-8: overlong forms, surrogates, code points above U+10FFFF...
    /// ([MQTT-1.5.4-1]).
    #[error("not well-formed UTF-8 [MQTT-1.5.4-1]")]
    InvalidUtf8,
    /// Contains U+0000 ([MQTT-1.5.4-2]).
    #[error("contains U+0000 [MQTT-1.5.4-2]")]
    NullCharacter,
    /// Longer than 65,535 bytes (§1.5.4).
    #[error("longer than 65535 bytes (§1.5.4)")]
    TooLong,
}

/// Checks the rules every MQTT string obeys: well-formed UTF-8 (which already excludes
/// surrogates and overlong forms) and no U+0000. U+FEFF is kept as a character
/// ([MQTT-1.5.4-3]); control characters are accepted (DT-7's default).
pub fn validate_str(bytes: &[u8]) -> Result<&str, StrError> {
    if bytes.len() > usize::from(u16::MAX) {
        return Err(StrError::TooLong);
    }
    let s = core::str::from_utf8(bytes).map_err(|_| StrError::InvalidUtf8)?;
    if bytes.contains(&0) {
        return Err(StrError::NullCharacter);
    }
    Ok(s)
}

/// The byte type of [`crate::MqttStr`], [`crate::TopicName`] and [`crate::TopicFilter`]
/// when none is named: [`Bytes`] with `alloc`, a `&'static [u8]` without.
#[cfg(feature = "alloc")]
pub type DefaultBytes = Bytes;
/// The byte type of a string or topic when none is named; without `alloc`, `&'static [u8]`.
#[cfg(not(feature = "alloc"))]
pub type DefaultBytes = &'static [u8];

/// A UTF-8 Encoded String of MQTT: well-formed, without U+0000, at most 65,535 bytes.
///
/// `B` is the byte storage: [`Bytes`] for owned packets (a zero-copy slice of the received
/// frame), `&[u8]` for borrowed ones.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MqttStr<B = DefaultBytes>(B);

impl<B: AsRef<[u8]>> MqttStr<B> {
    /// Wraps bytes that the caller has already validated.
    pub(crate) fn from_validated(bytes: B) -> Self {
        MqttStr(bytes)
    }

    /// Wraps `bytes` without checking them, for bytes a caller checked before (with
    /// [`MqttStr::try_new`]) and reads again: a binding re-reading its caller's array for
    /// each pass of the encoder. Nothing unsafe follows from bytes that break the rules
    /// ([`MqttStr::as_str`] reads them as empty when they are not UTF-8), but an encoder
    /// writes them as they are.
    pub fn new_unchecked(bytes: B) -> Self {
        MqttStr(bytes)
    }

    /// Validates `bytes` and wraps them.
    pub fn try_new(bytes: B) -> Result<Self, StrError> {
        validate_str(bytes.as_ref())?;
        Ok(MqttStr(bytes))
    }

    /// The string.
    ///
    /// The bytes were validated when this value was made; reading them back re-checks UTF-8
    /// (a fast scan) because the crate forbids `unsafe` and so cannot skip the check.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(self.0.as_ref()).unwrap_or_default()
    }

    /// The encoded bytes, without the length prefix.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_ref()
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.0.as_ref().len()
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_empty()
    }

    /// The underlying storage.
    pub fn into_inner(self) -> B {
        self.0
    }

    /// A reference to the underlying storage.
    pub fn inner(&self) -> &B {
        &self.0
    }
}

#[cfg(feature = "alloc")]
impl MqttStr<Bytes> {
    /// A string from a static `&str`, without copying. Fails on U+0000 or over 65,535 bytes.
    pub fn from_static(s: &'static str) -> Result<Self, StrError> {
        MqttStr::try_new(Bytes::from_static(s.as_bytes()))
    }

    /// A string copied from `s`. Fails on U+0000 or over 65,535 bytes.
    pub fn new(s: &str) -> Result<Self, StrError> {
        MqttStr::try_new(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl<'a> MqttStr<&'a [u8]> {
    /// The string, borrowed for as long as the underlying buffer.
    pub fn as_str_ref(&self) -> &'a str {
        core::str::from_utf8(self.0).unwrap_or_default()
    }

    /// An owned copy.
    #[cfg(feature = "alloc")]
    pub fn to_owned_str(&self) -> MqttStr<Bytes> {
        MqttStr(Bytes::copy_from_slice(self.0))
    }
}

#[cfg(feature = "alloc")]
impl TryFrom<&str> for MqttStr<Bytes> {
    type Error = StrError;
    fn try_from(s: &str) -> Result<Self, StrError> {
        MqttStr::new(s)
    }
}

#[cfg(feature = "alloc")]
#[cfg(feature = "alloc")]
impl TryFrom<alloc::string::String> for MqttStr<Bytes> {
    type Error = StrError;
    fn try_from(s: alloc::string::String) -> Result<Self, StrError> {
        MqttStr::try_new(Bytes::from(s.into_bytes()))
    }
}

impl<B: AsRef<[u8]>> fmt::Debug for MqttStr<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<B: AsRef<[u8]>> fmt::Display for MqttStr<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<B: AsRef<[u8]>> PartialEq<str> for MqttStr<B> {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl<B: AsRef<[u8]>> PartialEq<&str> for MqttStr<B> {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

/// Formats at most `limit` bytes of `bytes`, as text when it is printable UTF-8, else as hex,
/// followed by how much was cut.
pub(crate) fn fmt_payload(f: &mut fmt::Formatter<'_>, bytes: &[u8], limit: usize) -> fmt::Result {
    let shown = bytes.get(..limit.min(bytes.len())).unwrap_or_default();
    match core::str::from_utf8(shown) {
        Ok(s) if !s.chars().any(|c| c.is_control()) => write!(f, "{s:?}")?,
        _ => {
            f.write_str("0x")?;
            for b in shown {
                write!(f, "{b:02x}")?;
            }
        }
    }
    if bytes.len() > shown.len() {
        write!(f, "… ({} bytes)", bytes.len())?;
    }
    Ok(())
}
