//! `mqtt_properties`, generated from the core's property table (`codec::for_each_property!`)
//! by tests/c_properties.rs: cbindgen reads this struct to write the header and does not
//! expand macros. Do not edit; regenerate with
//! `MQTT_CODEC_BLESS=1 cargo test -p mqtt-codec-ffi --test c_properties`.

use super::{mqtt_bytes, mqtt_list};

/// The MQTT 5.0 properties of a packet (or of a will). All absent when zeroed.
///
/// A numeric property is present when its `has_` flag is true; a string or binary one when its
/// `ptr` is not NULL. Encoding checks that every present property is allowed in the packet.
/// The fields come in groups, each in table order: the views, the `has_` flags side by side
/// (so that "is any property set" reads the views and flags together a word at a time), the
/// numbers, the lists.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct mqtt_properties {
    /// Content Type (0x03).
    pub content_type: mqtt_bytes,
    /// Response Topic (0x08), a topic name.
    pub response_topic: mqtt_bytes,
    /// Correlation Data (0x09), binary.
    pub correlation_data: mqtt_bytes,
    /// Assigned Client Identifier (0x12).
    pub assigned_client_identifier: mqtt_bytes,
    /// Authentication Method (0x15).
    pub authentication_method: mqtt_bytes,
    /// Authentication Data (0x16), binary.
    pub authentication_data: mqtt_bytes,
    /// Response Information (0x1A).
    pub response_information: mqtt_bytes,
    /// Server Reference (0x1C).
    pub server_reference: mqtt_bytes,
    /// Reason String (0x1F).
    pub reason_string: mqtt_bytes,
    /// Payload Format Indicator (0x01) is present.
    pub has_payload_format_indicator: bool,
    /// Message Expiry Interval (0x02) is present.
    pub has_message_expiry_interval: bool,
    /// Session Expiry Interval (0x11) is present.
    pub has_session_expiry_interval: bool,
    /// Server Keep Alive (0x13) is present.
    pub has_server_keep_alive: bool,
    /// Request Problem Information (0x17) is present.
    pub has_request_problem_information: bool,
    /// Will Delay Interval (0x18) is present.
    pub has_will_delay_interval: bool,
    /// Request Response Information (0x19) is present.
    pub has_request_response_information: bool,
    /// Receive Maximum (0x21) is present.
    pub has_receive_maximum: bool,
    /// Topic Alias Maximum (0x22) is present.
    pub has_topic_alias_maximum: bool,
    /// Topic Alias (0x23) is present.
    pub has_topic_alias: bool,
    /// Maximum QoS (0x24) is present.
    pub has_maximum_qos: bool,
    /// Retain Available (0x25) is present.
    pub has_retain_available: bool,
    /// Maximum Packet Size (0x27) is present.
    pub has_maximum_packet_size: bool,
    /// Wildcard Subscription Available (0x28) is present.
    pub has_wildcard_subscription_available: bool,
    /// Subscription Identifier Available (0x29) is present.
    pub has_subscription_identifier_available: bool,
    /// Shared Subscription Available (0x2A) is present.
    pub has_shared_subscription_available: bool,
    /// Payload Format Indicator (0x01), 0 bytes, 1 UTF-8.
    pub payload_format_indicator: u8,
    /// Message Expiry Interval (0x02), seconds.
    pub message_expiry_interval: u32,
    /// Session Expiry Interval (0x11), seconds.
    pub session_expiry_interval: u32,
    /// Server Keep Alive (0x13), seconds.
    pub server_keep_alive: u16,
    /// Request Problem Information (0x17), 0 or 1.
    pub request_problem_information: u8,
    /// Will Delay Interval (0x18), seconds.
    pub will_delay_interval: u32,
    /// Request Response Information (0x19), 0 or 1.
    pub request_response_information: u8,
    /// Receive Maximum (0x21), not 0.
    pub receive_maximum: u16,
    /// Topic Alias Maximum (0x22).
    pub topic_alias_maximum: u16,
    /// Topic Alias (0x23), not 0.
    pub topic_alias: u16,
    /// Maximum QoS (0x24), 0 or 1.
    pub maximum_qos: u8,
    /// Retain Available (0x25), 0 or 1.
    pub retain_available: u8,
    /// Maximum Packet Size (0x27), not 0.
    pub maximum_packet_size: u32,
    /// Wildcard Subscription Available (0x28), 0 or 1.
    pub wildcard_subscription_available: u8,
    /// Subscription Identifier Available (0x29), 0 or 1.
    pub subscription_identifier_available: u8,
    /// Shared Subscription Available (0x2A), 0 or 1.
    pub shared_subscription_available: u8,
    /// Subscription Identifiers (0x0B): a list of `MQTT_LIST_SUBSCRIPTION_IDENTIFIERS`.
    pub subscription_identifiers: mqtt_list,
    /// User Properties (0x26): a list of `MQTT_LIST_USER_PROPERTIES`.
    pub user_properties: mqtt_list,
}

/// Calls `$callback!` with the single-value properties of [`mqtt_properties`] in table order:
/// `(Variant, field, Kind, has_field)` for a number (`Byte`, `U16` or `U32`),
/// `(Variant, field, Kind)` for a view (`Str`, `Topic` or `Bin`); `Variant` names the
/// property in `codec::PropertyId` and `codec::Property`.
macro_rules! for_each_c_property {
    ($callback:ident) => {
        $callback! {
            (PayloadFormatIndicator, payload_format_indicator, Byte, has_payload_format_indicator),
            (MessageExpiryInterval, message_expiry_interval, U32, has_message_expiry_interval),
            (ContentType, content_type, Str),
            (ResponseTopic, response_topic, Topic),
            (CorrelationData, correlation_data, Bin),
            (SessionExpiryInterval, session_expiry_interval, U32, has_session_expiry_interval),
            (AssignedClientIdentifier, assigned_client_identifier, Str),
            (ServerKeepAlive, server_keep_alive, U16, has_server_keep_alive),
            (AuthenticationMethod, authentication_method, Str),
            (AuthenticationData, authentication_data, Bin),
            (RequestProblemInformation, request_problem_information, Byte, has_request_problem_information),
            (WillDelayInterval, will_delay_interval, U32, has_will_delay_interval),
            (RequestResponseInformation, request_response_information, Byte, has_request_response_information),
            (ResponseInformation, response_information, Str),
            (ServerReference, server_reference, Str),
            (ReasonString, reason_string, Str),
            (ReceiveMaximum, receive_maximum, U16, has_receive_maximum),
            (TopicAliasMaximum, topic_alias_maximum, U16, has_topic_alias_maximum),
            (TopicAlias, topic_alias, U16, has_topic_alias),
            (MaximumQos, maximum_qos, Byte, has_maximum_qos),
            (RetainAvailable, retain_available, Byte, has_retain_available),
            (MaximumPacketSize, maximum_packet_size, U32, has_maximum_packet_size),
            (WildcardSubscriptionAvailable, wildcard_subscription_available, Byte, has_wildcard_subscription_available),
            (SubscriptionIdentifierAvailable, subscription_identifier_available, Byte, has_subscription_identifier_available),
            (SharedSubscriptionAvailable, shared_subscription_available, Byte, has_shared_subscription_available),
        }
    };
}
pub(crate) use for_each_c_property;

/// How many bytes the views and the `has_` flags take, together, at the start of
/// [`mqtt_properties`]: all of them zero when no view or number is set, and none of them
/// padding, so that "is any set" reads them a word at a time.
pub(crate) const HEAD_LEN: usize =
    core::mem::offset_of!(mqtt_properties, has_shared_subscription_available) + 1;
// The views come first, with nothing before, between or inside them, then the 16 flags
// side by side.
const _: () = assert!(core::mem::offset_of!(mqtt_properties, content_type) == 0);
const _: () = assert!(
    core::mem::size_of::<mqtt_bytes>()
        == core::mem::size_of::<*const u8>() + core::mem::size_of::<usize>()
);
const _: () = assert!(
    core::mem::offset_of!(mqtt_properties, has_payload_format_indicator)
        == 9 * core::mem::size_of::<mqtt_bytes>()
);
const _: () =
    assert!(HEAD_LEN == core::mem::offset_of!(mqtt_properties, has_payload_format_indicator) + 16);
