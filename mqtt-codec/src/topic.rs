//! Topic names, topic filters, shared subscriptions and matching (§4.7, §4.8.2).

use crate::string::{
    check_str, is_plain_ascii, last_word, validate_str, MqttStr, StrError, WORD_AT_A_TIME,
};
#[cfg(feature = "alloc")]
use bytes::Bytes;
use core::fmt;

/// Why a string is not a valid topic name or topic filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TopicError {
    /// Zero length ([MQTT-4.7.3-1]).
    #[error("empty [MQTT-4.7.3-1]")]
    Empty,
    /// Not a valid MQTT string (UTF-8, U+0000, length; [MQTT-4.7.3-2], [MQTT-4.7.3-3]).
    #[error("{0}")]
    String(StrError),
    /// A topic name containing `+` or `#` ([MQTT-4.7.1-1], [MQTT-4.7.0-1]).
    #[error("wildcard in a topic name [MQTT-4.7.1-1] [MQTT-4.7.0-1]")]
    WildcardInName,
    /// `#` not alone in the last level ([MQTT-4.7.1-2], [MQTT-4.7.1-1]).
    #[error("'#' must be the whole last level [MQTT-4.7.1-2] [MQTT-4.7.1-1]")]
    MultiLevelWildcard,
    /// `+` not filling a whole level ([MQTT-4.7.1-3], [MQTT-4.7.1-2]).
    #[error("'+' must fill a whole level [MQTT-4.7.1-3] [MQTT-4.7.1-2]")]
    SingleLevelWildcard,
    /// A malformed `$share/` filter ([MQTT-4.8.2-1], [MQTT-4.8.2-2]).
    #[error("shared subscription needs $share/NAME/FILTER with a non-empty name free of '/', '+', '#' [MQTT-4.8.2-1] [MQTT-4.8.2-2]")]
    SharedSubscription,
}

impl From<StrError> for TopicError {
    fn from(e: StrError) -> Self {
        TopicError::String(e)
    }
}

/// Checks a topic name: a non-empty MQTT string without wildcards.
pub fn validate_topic_name(name: &str) -> Result<(), TopicError> {
    validate_str(name.as_bytes())?;
    check_topic_name(name)
}

/// True when `name` is a topic name that needs no other check: not empty, and ASCII without
/// U+0000, `+` or `#`, as almost every topic is. One pass over the bytes, in place of a UTF-8
/// check, a search for U+0000 and one for wildcards.
#[inline(always)]
pub(crate) fn is_plain_topic_name(name: &[u8]) -> bool {
    !name.is_empty() && is_plain_ascii(name, *b"+#")
}

/// The topic-name rules for text already known to be a valid MQTT string.
pub(crate) fn check_topic_name(name: &str) -> Result<(), TopicError> {
    if name.is_empty() {
        return Err(TopicError::Empty);
    }
    if name.bytes().any(|b| b == b'+' || b == b'#') {
        return Err(TopicError::WildcardInName);
    }
    Ok(())
}

/// Checks the wildcard placement of a filter (without the `$share/` rules): a `#` is a whole
/// level and the last one, a `+` a whole level. One pass over the bytes (a filter is checked
/// on every SUBSCRIBE received, so this is on the decode path); the first bad level decides
/// the error, `#` before `+` within a level.
fn validate_filter_levels(filter: &str) -> Result<(), TopicError> {
    if filter.is_empty() {
        return Err(TopicError::Empty);
    }
    if wildcards_well_placed(filter.as_bytes()) {
        return Ok(());
    }
    // Some wildcard is misplaced: find which rule, level by level, as the verdict names it.
    misplaced_wildcard(filter)
}

/// The verdict on a filter's wildcards, level by level: the first level whose wildcard is
/// misplaced names the rule it breaks.
fn misplaced_wildcard(filter: &str) -> Result<(), TopicError> {
    // Whether a level holding `#` (`hash`) or `+` (`plus`) of `len` bytes is well placed.
    let check = |len: usize, hash: bool, plus: bool, last: bool| {
        if hash && (len != 1 || !last) {
            Err(TopicError::MultiLevelWildcard)
        } else if plus && len != 1 {
            Err(TopicError::SingleLevelWildcard)
        } else {
            Ok(())
        }
    };
    let (mut len, mut hash, mut plus) = (0usize, false, false);
    for &b in filter.as_bytes() {
        match b {
            b'/' => {
                check(len, hash, plus, false)?;
                (len, hash, plus) = (0, false, false);
                continue;
            }
            b'#' => hash = true,
            b'+' => plus = true,
            _ => {}
        }
        len = len.saturating_add(1);
    }
    check(len, hash, plus, true)
}

/// True for a filter that is plain ASCII (so a valid MQTT string), not empty, with its
/// wildcards well placed, and that is not a shared subscription (where `$share/` makes one,
/// with rules of its own): every rule of [`check_topic_filter`] holds, found in one pass
/// over words. A `false` says only that the full checks must decide.
#[inline]
pub(crate) fn is_plain_filter(filter: &[u8], shared_subscriptions: bool) -> bool {
    let shared = shared_subscriptions && filter.starts_with(SHARE_PREFIX.as_bytes());
    !filter.is_empty() && !shared && plain_with_wildcards_placed(filter)
}

/// [`is_plain_ascii`] and [`wildcards_well_placed`] in one pass: each word of the filter is
/// tested for bytes outside 0x01..=0x7F as its wildcards are looked for.
fn plain_with_wildcards_placed(filter: &[u8]) -> bool {
    if !WORD_AT_A_TIME {
        return false;
    }
    let outside_ascii = |w: u64| (w.wrapping_sub(ONES) | w) & HIGH;
    let mut bad = 0u64;
    let placed = wildcards_placed_by_words(filter, |w| bad |= outside_ascii(w));
    if let Some(last) = last_word(filter, filter.chunks_exact(8).remainder()) {
        bad |= outside_ascii(last);
    }
    placed && bad == 0
}

/// The prefix of MQTT 5.0 shared subscriptions.
pub const SHARE_PREFIX: &str = "$share/";

/// Checks a topic filter. With `shared_subscriptions` (MQTT 5.0), a filter starting with
/// `$share/` must be `$share/NAME/FILTER` ([MQTT-4.8.2-1], [MQTT-4.8.2-2]); in 3.1.1 it is an
/// ordinary filter.
pub fn validate_topic_filter(filter: &str, shared_subscriptions: bool) -> Result<(), TopicError> {
    validate_str(filter.as_bytes())?;
    check_topic_filter(filter, shared_subscriptions)
}

/// True when every `+` is a whole level and every `#` a whole last level: what the level
/// rules come to, tested by looking only at the bytes around each wildcard.
#[inline]
fn wildcards_well_placed(filter: &[u8]) -> bool {
    // Without the word tests, `misplaced_wildcard` alone decides.
    WORD_AT_A_TIME && wildcards_placed_by_words(filter, |_| {})
}

/// 0x01 in each byte of a word.
const ONES: u64 = 0x0101_0101_0101_0101;
/// The top bit of each byte of a word.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// [`wildcards_well_placed`] with each whole word of `filter` also given to `each_word`.
/// The wildcards are found eight bytes at a time (a filter is mostly plain text), each is
/// checked against its neighbours, and the last bytes (fewer than eight) one by one.
#[inline(always)]
fn wildcards_placed_by_words(filter: &[u8], mut each_word: impl FnMut(u64)) -> bool {
    // The top bit of each byte of `x` that is zero; a byte just above a zero one may be
    // flagged too, so a flag is only a candidate.
    let zero_bytes = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut words = filter.chunks_exact(8);
    let mut start = 0usize;
    for chunk in &mut words {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        each_word(w);
        let mut candidates = zero_bytes(w ^ ONES.wrapping_mul(u64::from(b'+')))
            | zero_bytes(w ^ ONES.wrapping_mul(u64::from(b'#')));
        while candidates != 0 {
            let at = start.saturating_add((candidates.trailing_zeros() / 8) as usize);
            candidates &= candidates.wrapping_sub(1);
            if !wildcard_alone(filter, at) {
                return false;
            }
        }
        start = start.saturating_add(8);
    }
    (start..filter.len()).all(|at| wildcard_alone(filter, at))
}

/// False when byte `at` of `filter` is a wildcard that is not a whole level (or, for `#`,
/// not the last one).
#[inline]
fn wildcard_alone(filter: &[u8], at: usize) -> bool {
    let b = filter.get(at).copied();
    if !matches!(b, Some(b'+' | b'#')) {
        return true;
    }
    let before = at.checked_sub(1).and_then(|i| filter.get(i)).copied();
    let after = filter.get(at.saturating_add(1)).copied();
    let separated = matches!(before, None | Some(b'/')) && matches!(after, None | Some(b'/'));
    separated && (b == Some(b'+') || after.is_none())
}

/// The topic-filter rules for text already known to be a valid MQTT string.
pub(crate) fn check_topic_filter(
    filter: &str,
    shared_subscriptions: bool,
) -> Result<(), TopicError> {
    if shared_subscriptions {
        if let Some(rest) = filter.strip_prefix(SHARE_PREFIX) {
            let (name, inner) = rest.split_once('/').ok_or(TopicError::SharedSubscription)?;
            if name.is_empty() || name.contains(['+', '#']) || inner.is_empty() {
                return Err(TopicError::SharedSubscription);
            }
            return validate_filter_levels(inner);
        }
    }
    validate_filter_levels(filter)
}

/// Splits a 5.0 shared filter into (share name, filter). `None` for an ordinary filter.
pub fn split_shared(filter: &str) -> Option<(&str, &str)> {
    filter.strip_prefix(SHARE_PREFIX)?.split_once('/')
}

/// Whether `filter` matches the topic `name` (§4.7).
///
/// Levels are compared byte for byte, with no normalisation ([MQTT-4.7.3-4]); `+` matches one
/// level, which may be empty; `#` matches its parent level and any number of children; a filter
/// starting with a wildcard never matches a name starting with `$` ([MQTT-4.7.2-1]). A shared
/// filter `$share/NAME/FILTER` matches as `FILTER`. The arguments are assumed valid.
pub fn topic_matches(filter: &str, name: &str) -> bool {
    let filter = split_shared(filter).map_or(filter, |(_, inner)| inner);
    if name.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut names = name.split('/');
    for level in filter.split('/') {
        match (level, names.next()) {
            ("#", _) => return true,
            ("+", Some(_)) => {}
            (l, Some(n)) if l == n => {}
            _ => return false,
        }
    }
    names.next().is_none()
}

macro_rules! topic_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name<B = crate::string::DefaultBytes>(MqttStr<B>);

        impl<B: AsRef<[u8]>> $name<B> {
            /// The text.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
            /// As a plain MQTT string.
            pub fn as_mqtt_str(&self) -> &MqttStr<B> {
                &self.0
            }
            /// The underlying MQTT string.
            pub fn into_inner(self) -> MqttStr<B> {
                self.0
            }
            /// The length in bytes.
            pub fn len(&self) -> usize {
                self.0.len()
            }
            /// True for the empty string.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
            pub(crate) fn from_validated(s: MqttStr<B>) -> Self {
                $name(s)
            }
        }

        impl<B: AsRef<[u8]>> fmt::Debug for $name<B> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self.as_str(), f)
            }
        }

        impl<B: AsRef<[u8]>> fmt::Display for $name<B> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<B: AsRef<[u8]>> PartialEq<str> for $name<B> {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl<B: AsRef<[u8]>> PartialEq<&str> for $name<B> {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }


        #[cfg(feature = "alloc")]
        impl TryFrom<&str> for $name<Bytes> {
            type Error = TopicError;
            fn try_from(s: &str) -> Result<Self, TopicError> {
                $name::new(s)
            }
        }
    };
}

topic_type! {
    /// A topic name (the PUBLISH topic, a will topic, a response topic): a non-empty MQTT
    /// string without `+` or `#` ([MQTT-4.7.1-1], [MQTT-4.7.3-1]).
    ///
    /// A decoded MQTT 5.0 PUBLISH may carry an empty name when a Topic Alias stands in for it.
    TopicName
}

topic_type! {
    /// A topic filter (SUBSCRIBE): wildcards only as whole levels, `#` only last, and in MQTT
    /// 5.0 well-formed `$share/NAME/FILTER` shared subscriptions.
    TopicFilter
}

#[cfg(feature = "alloc")]
impl TopicName<Bytes> {
    /// A validated topic name, copied from `name`.
    pub fn new(name: &str) -> Result<Self, TopicError> {
        validate_topic_name(name)?;
        Ok(TopicName(MqttStr::from_validated(Bytes::copy_from_slice(
            name.as_bytes(),
        ))))
    }

    /// A validated topic name from a static string, without copying.
    pub fn from_static(name: &'static str) -> Result<Self, TopicError> {
        validate_topic_name(name)?;
        Ok(TopicName(MqttStr::from_validated(Bytes::from_static(
            name.as_bytes(),
        ))))
    }

    /// The empty name a 5.0 PUBLISH sends when its Topic Alias stands in for the topic.
    pub fn empty_for_alias() -> Self {
        TopicName(MqttStr::default())
    }
}

impl<B: AsRef<[u8]>> TopicName<B> {
    /// True for a name starting with `$`, which wildcard-led filters never match.
    pub fn is_system(&self) -> bool {
        self.as_str().starts_with('$')
    }
}

#[cfg(feature = "alloc")]
impl TopicFilter<Bytes> {
    /// A validated topic filter, copied from `filter` (shared subscriptions checked as in 5.0).
    pub fn new(filter: &str) -> Result<Self, TopicError> {
        validate_topic_filter(filter, true)?;
        Ok(TopicFilter(MqttStr::from_validated(
            Bytes::copy_from_slice(filter.as_bytes()),
        )))
    }

    /// A validated topic filter for `version`, copied from `filter`: `$share/` is checked as a
    /// shared subscription only in 5.0 (in 3.x it is an ordinary filter).
    pub fn for_version(filter: &str, version: crate::ProtocolVersion) -> Result<Self, TopicError> {
        validate_topic_filter(filter, version.is_v5())?;
        Ok(TopicFilter(MqttStr::from_validated(
            Bytes::copy_from_slice(filter.as_bytes()),
        )))
    }

    /// A validated topic filter from a static string, without copying.
    pub fn from_static(filter: &'static str) -> Result<Self, TopicError> {
        validate_topic_filter(filter, true)?;
        Ok(TopicFilter(MqttStr::from_validated(Bytes::from_static(
            filter.as_bytes(),
        ))))
    }
}

impl<B: AsRef<[u8]>> TopicFilter<B> {
    /// Whether this filter matches `name` (see [`topic_matches`]).
    pub fn matches<C: AsRef<[u8]>>(&self, name: &TopicName<C>) -> bool {
        topic_matches(self.as_str(), name.as_str())
    }

    /// True when the filter holds `+` or `#`.
    pub fn has_wildcards(&self) -> bool {
        self.as_str().bytes().any(|b| b == b'+' || b == b'#')
    }

    /// For a 5.0 shared subscription `$share/NAME/FILTER`, the share name and the filter.
    pub fn shared(&self) -> Option<(&str, &str)> {
        split_shared(self.as_str())
    }
}

impl<B: AsRef<[u8]>> TopicName<B> {
    /// A topic name over `bytes`, checked like [`validate_topic_name`]. The empty name is
    /// accepted too, for a 5.0 PUBLISH that uses a Topic Alias (the encoder refuses it
    /// otherwise).
    ///
    /// ```
    /// use mqtt_codec::TopicName;
    /// assert!(TopicName::try_from_bytes(&b"a/b"[..]).is_ok());
    /// assert!(TopicName::try_from_bytes(&b"a/+"[..]).is_err());
    /// ```
    pub fn try_from_bytes(bytes: B) -> Result<Self, TopicError> {
        // Almost every name is plain ASCII: one pass; the others get each check in turn.
        if let Some(s) = check_str(bytes.as_ref(), is_plain_topic_name)? {
            if !s.is_empty() {
                check_topic_name(s)?;
            }
        }
        Ok(TopicName::from_validated(MqttStr::from_validated(bytes)))
    }
}

impl<B: AsRef<[u8]>> TopicFilter<B> {
    /// A topic filter over `bytes`, checked like [`validate_topic_filter`].
    ///
    /// ```
    /// use mqtt_codec::TopicFilter;
    /// assert!(TopicFilter::try_from_bytes(&b"a/#"[..], true).is_ok());
    /// assert!(TopicFilter::try_from_bytes(&b"a/#/b"[..], true).is_err());
    /// ```
    pub fn try_from_bytes(bytes: B, shared_subscriptions: bool) -> Result<Self, TopicError> {
        // A plain ASCII filter whose wildcards are well placed (and which is not a shared
        // subscription, where `$share/` makes one) passes in two passes over words; the
        // others get each check in turn, which name the rule broken.
        let plain = |f: &[u8]| is_plain_filter(f, shared_subscriptions);
        if let Some(s) = check_str(bytes.as_ref(), plain)? {
            check_topic_filter(s, shared_subscriptions)?;
        }
        Ok(TopicFilter::from_validated(MqttStr::from_validated(bytes)))
    }

    /// A topic filter over `bytes` without checking them, for bytes a caller checked before
    /// (with [`TopicFilter::try_from_bytes`]) and reads again, as
    /// [`MqttStr::new_unchecked`] is for strings: nothing unsafe follows from a filter that
    /// breaks the rules, but an encoder writes it as it is.
    pub fn new_unchecked(bytes: B) -> Self {
        TopicFilter::from_validated(MqttStr::from_validated(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // MQTT-4.7.1-2, MQTT-4.7.1-3: the look-around test of the wildcards agrees with the
        // level-by-level rules on every filter over the characters that matter.
        #[test]
        fn wildcard_placement_agrees_with_the_level_rules(
            filter in proptest::collection::vec(
                prop_oneof![Just(b'a'), Just(b'/'), Just(b'+'), Just(b'#')], 1..30)
        ) {
            let text = core::str::from_utf8(&filter).unwrap();
            prop_assert_eq!(wildcards_well_placed(&filter), misplaced_wildcard(text).is_ok());
        }

        // MQTT-4.7.1-2, MQTT-4.7.1-3, MQTT-4.8.2-1, MQTT-1.5.4-2: a filter made from bytes gets
        // the verdict of the full checks, the short way or not.
        #[test]
        fn a_filter_from_bytes_gets_the_full_verdict(
            filter in proptest::collection::vec(
                proptest::sample::select(&b"a/+#$\0\xC3share"[..]), 0..20),
            shared in any::<bool>(),
            share_prefix in any::<bool>(),
        ) {
            let filter = if share_prefix { [b"$share/".as_slice(), &filter].concat() } else { filter };
            let full = validate_str(&filter)
                .map_err(TopicError::from)
                .and_then(|s| check_topic_filter(s, shared));
            let made = TopicFilter::try_from_bytes(&filter[..], shared).map(|_| ());
            prop_assert_eq!(made, full);
        }
    }

    #[test]
    // §1.5.4: a string is at most 65,535 bytes, plain ASCII or not.
    fn a_name_from_bytes_is_held_to_the_string_length_limit() {
        let long = [b'a'; 65_536];
        assert!(TopicName::try_from_bytes(&long[..]).is_err());
        assert!(TopicName::try_from_bytes(&long[..65_535]).is_ok());
        assert!(MqttStr::try_new(&long[..]).is_err());
        assert!(MqttStr::try_new(&long[..65_535]).is_ok());
    }

    #[test]
    fn mqtt_4_7_1_2_and_4_7_1_3_wildcards_are_whole_levels() {
        for good in ["#", "+", "a/+/b", "+/+", "/+/", "a/#", "+/#", "/#", "//"] {
            assert_eq!(validate_filter_levels(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("a#", TopicError::MultiLevelWildcard),
            ("a/#/b", TopicError::MultiLevelWildcard),
            ("##", TopicError::MultiLevelWildcard),
            ("+#", TopicError::MultiLevelWildcard),
            ("a+", TopicError::SingleLevelWildcard),
            ("+a/b", TopicError::SingleLevelWildcard),
            ("a/b+/#", TopicError::SingleLevelWildcard),
        ] {
            assert_eq!(validate_filter_levels(bad), Err(why), "{bad}");
        }
    }

    #[test]
    fn a_plain_topic_is_ascii_without_nul_or_wildcards_and_not_empty() {
        assert!(is_plain_topic_name(b"PV/sunshine"));
        assert!(is_plain_topic_name(b"/\x01\x7F/$SYS"));
        for not_plain in [
            &b""[..],
            b"a/+/b",
            b"a/#",
            b"a\0b",
            "caf\u{e9}".as_bytes(),
            b"\xFF",
        ] {
            assert!(!is_plain_topic_name(not_plain), "{not_plain:?}");
        }
    }
}
