//! Table 2-4 of MQTT 5.0 (§2.2.2.2), written once: every single-value property with its
//! identifier, data type and the sections that may carry it. The core's [`crate::Properties`]
//! and [`crate::PropertyId`] are generated from it, and so are the bindings' property types,
//! so that adding a property is one row here.

/// Calls the macro `$callback` once with a row for each single-value MQTT 5.0 property, in
/// identifier order: table 2-4 of the specification, for code generation.
///
/// Each row is `(id, Variant, field, Kind, [Section, ...], "Name", "note")`:
/// - `id`: the identifier, a literal such as `0x01`;
/// - `Variant`: the [`crate::PropertyId`] variant;
/// - `field`: the field of [`crate::Properties`];
/// - `Kind`: the data type, one of `Byte`, `U16`, `U32`, `Str` (UTF-8 string), `Topic` (a
///   UTF-8 string that is a topic name) and `Bin` (binary data);
/// - the sections that may carry it: `Will`, `Connect`, `ConnAck`, `Publish`, `Ack` (PUBACK,
///   PUBREC, PUBREL, PUBCOMP, SUBACK and UNSUBACK), `Subscribe`, `Unsubscribe`, `Disconnect`,
///   `Auth`;
/// - the name the specification gives it, then an optional note on the value (units, range).
///
/// Subscription Identifier (0x0B) and User Property (0x26) are not rows: they may repeat, so
/// every consumer holds them as lists, written by hand.
///
/// A callback binds the columns it needs and passes over the rest:
///
/// ```
/// macro_rules! fields {
///     ($( ($id:literal, $variant:ident, $field:ident $(, $rest:tt)*) ),* $(,)?) => {
///         [$( ($id, stringify!($field)) ),*]
///     };
/// }
/// let fields = mqtt_codec::for_each_property!(fields);
/// assert_eq!(fields.len(), 25);
/// assert_eq!(fields[0], (0x01, "payload_format_indicator"));
/// ```
#[macro_export]
macro_rules! for_each_property {
    ($callback:ident) => {
        $callback! {
            (0x01, PayloadFormatIndicator, payload_format_indicator, Byte, [Will, Publish],
                "Payload Format Indicator", "0 bytes, 1 UTF-8"),
            (0x02, MessageExpiryInterval, message_expiry_interval, U32, [Will, Publish],
                "Message Expiry Interval", "seconds"),
            (0x03, ContentType, content_type, Str, [Will, Publish],
                "Content Type"),
            (0x08, ResponseTopic, response_topic, Topic, [Will, Publish],
                "Response Topic", "a topic name"),
            (0x09, CorrelationData, correlation_data, Bin, [Will, Publish],
                "Correlation Data", "binary"),
            (0x11, SessionExpiryInterval, session_expiry_interval, U32,
                [Connect, ConnAck, Disconnect],
                "Session Expiry Interval", "seconds"),
            (0x12, AssignedClientIdentifier, assigned_client_identifier, Str, [ConnAck],
                "Assigned Client Identifier"),
            (0x13, ServerKeepAlive, server_keep_alive, U16, [ConnAck],
                "Server Keep Alive", "seconds"),
            (0x15, AuthenticationMethod, authentication_method, Str, [Connect, ConnAck, Auth],
                "Authentication Method"),
            (0x16, AuthenticationData, authentication_data, Bin, [Connect, ConnAck, Auth],
                "Authentication Data", "binary"),
            (0x17, RequestProblemInformation, request_problem_information, Byte, [Connect],
                "Request Problem Information", "0 or 1"),
            (0x18, WillDelayInterval, will_delay_interval, U32, [Will],
                "Will Delay Interval", "seconds"),
            (0x19, RequestResponseInformation, request_response_information, Byte, [Connect],
                "Request Response Information", "0 or 1"),
            (0x1A, ResponseInformation, response_information, Str, [ConnAck],
                "Response Information"),
            (0x1C, ServerReference, server_reference, Str, [ConnAck, Disconnect],
                "Server Reference"),
            (0x1F, ReasonString, reason_string, Str, [ConnAck, Ack, Disconnect, Auth],
                "Reason String"),
            (0x21, ReceiveMaximum, receive_maximum, U16, [Connect, ConnAck],
                "Receive Maximum", "not 0"),
            (0x22, TopicAliasMaximum, topic_alias_maximum, U16, [Connect, ConnAck],
                "Topic Alias Maximum"),
            (0x23, TopicAlias, topic_alias, U16, [Publish],
                "Topic Alias", "not 0"),
            (0x24, MaximumQos, maximum_qos, Byte, [ConnAck],
                "Maximum QoS", "0 or 1"),
            (0x25, RetainAvailable, retain_available, Byte, [ConnAck],
                "Retain Available", "0 or 1"),
            (0x27, MaximumPacketSize, maximum_packet_size, U32, [Connect, ConnAck],
                "Maximum Packet Size", "not 0"),
            (0x28, WildcardSubscriptionAvailable, wildcard_subscription_available, Byte,
                [ConnAck],
                "Wildcard Subscription Available", "0 or 1"),
            (0x29, SubscriptionIdentifierAvailable, subscription_identifier_available, Byte,
                [ConnAck],
                "Subscription Identifier Available", "0 or 1"),
            (0x2A, SharedSubscriptionAvailable, shared_subscription_available, Byte, [ConnAck],
                "Shared Subscription Available", "0 or 1"),
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::PropertyId;
    use alloc::string::ToString;

    #[test]
    fn a_property_is_named_and_shown_as_in_the_specification() {
        assert_eq!(PropertyId::TopicAlias.name(), "Topic Alias");
        assert_eq!(PropertyId::TopicAlias.to_string(), "Topic Alias (0x23)");
        assert_eq!(
            PropertyId::PayloadFormatIndicator.to_string(),
            "Payload Format Indicator (0x01)"
        );
        assert_eq!(PropertyId::UserProperty.to_string(), "User Property (0x26)");
    }
}
