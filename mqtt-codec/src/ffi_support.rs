//! Small helpers for bindings such as the C ABI (`mqtt-codec-ffi`): borrowed topics built from
//! raw bytes, and readers that take one item at a time from the validated region of a
//! [`BorrowedList`](crate::BorrowedList) read from the wire ([`BorrowedList::raw`](crate::BorrowedList::raw)).
//!
//! A binding that hands a list region to foreign code can walk it later with these readers,
//! without allocating and without keeping a Rust iterator alive. Each reader returns the next
//! item and advances `raw` past it, or `None` at the end (or if `raw` is not a region the
//! parser validated).

use crate::packet::subscribe::Subscription;
use crate::properties::{next_in_section, PropertyId, UserProperty};
use crate::reason::ReasonCode;
use crate::storage::Borrowed;
use crate::string::{validate_str, MqttStr};
use crate::topic::{
    validate_topic_filter, validate_topic_name, TopicError, TopicFilter, TopicName,
};
use crate::version::ProtocolVersion;
use crate::wire::reader::Source;

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
        let s = validate_str(bytes.as_ref())?;
        if !s.is_empty() {
            validate_topic_name(s)?;
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
        let s = validate_str(bytes.as_ref())?;
        validate_topic_filter(s, shared_subscriptions)?;
        Ok(TopicFilter::from_validated(MqttStr::from_validated(bytes)))
    }
}

/// Reads the next subscription (topic filter and options byte) of a SUBSCRIBE payload region
/// decoded under `version`.
pub fn next_subscription<'a>(
    raw: &mut &'a [u8],
    version: ProtocolVersion,
) -> Option<Subscription<Borrowed<'a>>> {
    <&'a [u8] as Source<'a>>::next_subscription()(raw, version.level())
}

/// Reads the next topic filter of an UNSUBSCRIBE payload region.
pub fn next_topic_filter<'a>(raw: &mut &'a [u8]) -> Option<MqttStr<&'a [u8]>> {
    <&'a [u8] as Source<'a>>::next_filter()(raw, 0)
}

/// Reads the next reason code of a SUBACK or UNSUBACK payload region.
pub fn next_reason_code(raw: &mut &[u8]) -> Option<ReasonCode> {
    let (&first, rest) = raw.split_first()?;
    *raw = rest;
    ReasonCode::from_u8(first)
}

/// Reads the next User Property of a properties region, skipping the other properties.
pub fn next_user_property<'a>(raw: &mut &'a [u8]) -> Option<UserProperty<Borrowed<'a>>> {
    <&'a [u8] as Source<'a>>::next_user_property()(raw, 0)
}

/// Reads the next Subscription Identifier of a properties region, skipping the other
/// properties.
pub fn next_subscription_identifier(raw: &mut &[u8]) -> Option<u32> {
    next_in_section(raw, PropertyId::SubscriptionIdentifier, |r| {
        r.varint("").ok()
    })
}
