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

/// Checks `bytes` as an MQTT string, the short way first: `Ok(None)` when they are within a
/// string's length and pass `plain` (a word-at-a-time test that implies every rule the caller
/// checks, such as [`is_plain_ascii`]); otherwise every check of [`validate_str`], and the
/// text for the caller's own rules.
#[inline(always)]
pub(crate) fn check_str(
    bytes: &[u8],
    plain: impl FnOnce(&[u8]) -> bool,
) -> Result<Option<&str>, StrError> {
    if bytes.len() <= usize::from(u16::MAX) && plain(bytes) {
        return Ok(None);
    }
    validate_str(bytes).map(Some)
}

/// Whether the one-pass tests over 64-bit words ([`is_plain_ascii`] and the topic tests
/// built like it) are compiled. They speed up hosts, where strings arrive by the thousand;
/// on bare metal (`target_os = "none"`: microcontrollers, where flash is what counts and
/// 64-bit arithmetic takes pairs of registers) they are left out, and every string takes
/// the full checks, which give the same verdicts.
pub(crate) const WORD_AT_A_TIME: bool = cfg!(not(target_os = "none"));

/// True when every byte of `bytes` is in 0x01..=0x7F and none is in `excluded`: ASCII, so
/// well-formed UTF-8, without U+0000, as almost every string on the wire is. Eight bytes
/// at a time, with no branch per byte, in place of a UTF-8 check and a search for U+0000.
/// A `false` says only that the full checks must decide.
#[inline(always)]
pub(crate) fn is_plain_ascii<const N: usize>(bytes: &[u8], excluded: [u8; N]) -> bool {
    if !WORD_AT_A_TIME {
        return false;
    }
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte of `w` that is 0 or has its top bit set leaves a top bit in `w - ONES` or in
    // `w`; without a zero byte, `w - ONES` borrows across no byte. For an excluded byte `c`,
    // `w ^ c...c` has a zero byte exactly where `w` has `c` (the classic has-zero test).
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let check = |w: u64| {
        let mut bad = (w.wrapping_sub(ONES) | w) & HIGH;
        for c in excluded {
            bad |= has_zero(w ^ ONES.wrapping_mul(u64::from(c)));
        }
        bad
    };
    let mut words = bytes.chunks_exact(8);
    let mut bad = 0u64;
    for chunk in &mut words {
        bad |= check(u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])));
    }
    // The last few bytes as one more word of bytes of the string (some read twice, which
    // changes no verdict).
    if let Some(last) = last_word(bytes, words.remainder()) {
        bad |= check(last);
    }
    bad == 0
}

/// The `tail` (fewer than eight bytes) that ends `bytes` as one word made only of bytes of
/// `bytes`, some of them twice: the last eight bytes when there are that many, or
/// overlapping reads of the tail. None for an empty tail. Copying the tail into a padded
/// buffer instead calls `memcpy`, and the word read back from the buffer waits for the
/// bytes just stored in it.
#[inline(always)]
pub(crate) fn last_word(bytes: &[u8], tail: &[u8]) -> Option<u64> {
    let word = |b: &[u8]| b.try_into().ok().map(u64::from_le_bytes);
    let half = |b: &[u8]| b.try_into().ok().map(u32::from_le_bytes);
    let n = tail.len();
    if n == 0 {
        return None;
    }
    if let Some(last8) = bytes.len().checked_sub(8).and_then(|s| bytes.get(s..)) {
        return word(last8);
    }
    let (low, high) = if n >= 4 {
        (half(tail.get(..4)?)?, half(tail.get(n - 4..)?)?)
    } else {
        let (first, last) = (*tail.first()?, *tail.last()?);
        let both = u32::from_le_bytes([first, *tail.get(n / 2)?, last, first]);
        (both, both)
    };
    Some(u64::from(low) | (u64::from(high) << 32))
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
        // Plain ASCII (what almost every string is) passes in one pass over words; the
        // rest gets the full checks.
        check_str(bytes.as_ref(), |b| is_plain_ascii(b, []))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    fn mostly_ascii() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(prop_oneof![12 => 0x20u8..0x7F, 1 => any::<u8>()], 0..40)
    }

    proptest! {
        /// The word-at-a-time test says what a byte-by-byte one says, at every length and
        /// alignment of the odd byte.
        #[test]
        fn plain_ascii_agrees_with_a_byte_by_byte_check(
            bytes in mostly_ascii(),
            excluded in proptest::collection::vec(prop_oneof![Just(b'+'), Just(b'#'), 0x20u8..0x7F], 0..3),
        ) {
            let got = match excluded[..] {
                [] => is_plain_ascii(&bytes, []),
                [a] => is_plain_ascii(&bytes, [a]),
                [a, b] => is_plain_ascii(&bytes, [a, b]),
                _ => unreachable!("at most two excluded bytes"),
            };
            let expected = bytes.iter().all(|&b| (1..=0x7F).contains(&b) && !excluded.contains(&b));
            prop_assert_eq!(got, expected);
        }
    }

    /// MQTT-1.5.4-2: a U+0000 anywhere, in the words or the tail, is not plain.
    #[test]
    fn mqtt_1_5_4_2_a_null_is_never_plain() {
        for len in 1..20 {
            for at in 0..len {
                let mut bytes = alloc::vec![b'a'; len];
                bytes[at] = 0;
                assert!(!is_plain_ascii(&bytes, []), "{len} {at}");
                assert_eq!(validate_str(&bytes), Err(StrError::NullCharacter));
                // So is any other byte that is not plain, wherever the last word reads it.
                bytes[at] = 0xC3;
                assert!(!is_plain_ascii(&bytes, []), "{len} {at}");
                bytes[at] = b'+';
                assert!(!is_plain_ascii(&bytes, [b'+']), "{len} {at}");
                assert!(is_plain_ascii(&bytes, []), "{len} {at}");
            }
        }
    }
}
