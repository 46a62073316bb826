//! The kind of a [`crate::DecodeError`], without the values it carries: what a binding maps to a C
//! status or a Python exception, and what a failed [`crate::Decoder`] keeps of its first
//! error. A kind alone gives the reason code to send, so no stand-in error is ever built.

use crate::reason::ReasonCode;

/// What kind of rule a [`crate::DecodeError`] broke: one kind per variant, and two more where the
/// values decide the reason code ([`DecodeErrorKind::TopicAliasInvalid`],
/// [`DecodeErrorKind::EmptySubscriptionList`]).
///
/// ```
/// use mqtt_codec::{parse, DecodeErrorKind, ParseOptions, ProtocolVersion, ReasonCode};
///
/// let err = parse(&[0x36, 0x00], &ParseOptions::new(ProtocolVersion::V5)).unwrap_err();
/// assert_eq!(err.kind(), DecodeErrorKind::PublishQos3);
/// assert_eq!(err.kind().reason_code(), ReasonCode::MalformedPacket);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// [`DecodeError::ReservedPacketType`](crate::DecodeError::ReservedPacketType).
    ReservedPacketType,
    /// [`DecodeError::InvalidFlags`](crate::DecodeError::InvalidFlags).
    InvalidFlags,
    /// [`DecodeError::PublishQos3`](crate::DecodeError::PublishQos3).
    PublishQos3,
    /// [`DecodeError::DupWithQos0`](crate::DecodeError::DupWithQos0).
    DupWithQos0,
    /// [`DecodeError::VarIntTooLong`](crate::DecodeError::VarIntTooLong).
    VarIntTooLong,
    /// [`DecodeError::NonMinimalVarInt`](crate::DecodeError::NonMinimalVarInt).
    NonMinimalVarInt,
    /// [`DecodeError::PacketTooLarge`](crate::DecodeError::PacketTooLarge).
    PacketTooLarge,
    /// [`DecodeError::PacketExceedsBuffer`](crate::DecodeError::PacketExceedsBuffer).
    PacketExceedsBuffer,
    /// [`DecodeError::UnexpectedEnd`](crate::DecodeError::UnexpectedEnd).
    UnexpectedEnd,
    /// [`DecodeError::TrailingBytes`](crate::DecodeError::TrailingBytes).
    TrailingBytes,
    /// [`DecodeError::InvalidRemainingLength`](crate::DecodeError::InvalidRemainingLength).
    InvalidRemainingLength,
    /// [`DecodeError::InvalidUtf8`](crate::DecodeError::InvalidUtf8).
    InvalidUtf8,
    /// [`DecodeError::NullCharacter`](crate::DecodeError::NullCharacter).
    NullCharacter,
    /// [`DecodeError::UnsupportedProtocolName`](crate::DecodeError::UnsupportedProtocolName).
    UnsupportedProtocolName,
    /// [`DecodeError::UnsupportedProtocolLevel`](crate::DecodeError::UnsupportedProtocolLevel).
    UnsupportedProtocolLevel,
    /// [`DecodeError::ConnectReservedFlag`](crate::DecodeError::ConnectReservedFlag).
    ConnectReservedFlag,
    /// [`DecodeError::WillQosWithoutWill`](crate::DecodeError::WillQosWithoutWill).
    WillQosWithoutWill,
    /// [`DecodeError::WillRetainWithoutWill`](crate::DecodeError::WillRetainWithoutWill).
    WillRetainWithoutWill,
    /// [`DecodeError::WillQos3`](crate::DecodeError::WillQos3).
    WillQos3,
    /// [`DecodeError::PasswordWithoutUsername`](crate::DecodeError::PasswordWithoutUsername).
    PasswordWithoutUsername,
    /// [`DecodeError::EmptyClientIdWithoutCleanSession`](crate::DecodeError::EmptyClientIdWithoutCleanSession).
    EmptyClientIdWithoutCleanSession,
    /// [`DecodeError::ConnAckReservedFlags`](crate::DecodeError::ConnAckReservedFlags).
    ConnAckReservedFlags,
    /// [`DecodeError::SessionPresentOnFailure`](crate::DecodeError::SessionPresentOnFailure).
    SessionPresentOnFailure,
    /// [`DecodeError::InvalidReasonCode`](crate::DecodeError::InvalidReasonCode).
    InvalidReasonCode,
    /// [`DecodeError::ReasonCodeFromWrongSide`](crate::DecodeError::ReasonCodeFromWrongSide).
    ReasonCodeFromWrongSide,
    /// [`DecodeError::ZeroPacketId`](crate::DecodeError::ZeroPacketId).
    ZeroPacketId,
    /// [`DecodeError::InvalidTopicName`](crate::DecodeError::InvalidTopicName).
    InvalidTopicName,
    /// [`DecodeError::InvalidTopicFilter`](crate::DecodeError::InvalidTopicFilter).
    InvalidTopicFilter,
    /// [`DecodeError::EmptyTopicWithoutAlias`](crate::DecodeError::EmptyTopicWithoutAlias).
    EmptyTopicWithoutAlias,
    /// [`DecodeError::EmptyPayload`](crate::DecodeError::EmptyPayload).
    EmptyPayload,
    /// [`DecodeError::EmptyPayload`](crate::DecodeError::EmptyPayload) of a SUBSCRIBE or UNSUBSCRIBE: a protocol error.
    EmptySubscriptionList,
    /// [`DecodeError::InvalidRequestedQos`](crate::DecodeError::InvalidRequestedQos).
    InvalidRequestedQos,
    /// [`DecodeError::SubscriptionOptionsReserved`](crate::DecodeError::SubscriptionOptionsReserved).
    SubscriptionOptionsReserved,
    /// [`DecodeError::SubscriptionQos3`](crate::DecodeError::SubscriptionQos3).
    SubscriptionQos3,
    /// [`DecodeError::RetainHandling3`](crate::DecodeError::RetainHandling3).
    RetainHandling3,
    /// [`DecodeError::NoLocalOnSharedSubscription`](crate::DecodeError::NoLocalOnSharedSubscription).
    NoLocalOnSharedSubscription,
    /// [`DecodeError::UnknownProperty`](crate::DecodeError::UnknownProperty).
    UnknownProperty,
    /// [`DecodeError::PropertyNotAllowed`](crate::DecodeError::PropertyNotAllowed).
    PropertyNotAllowed,
    /// [`DecodeError::DuplicateProperty`](crate::DecodeError::DuplicateProperty).
    DuplicateProperty,
    /// [`DecodeError::InvalidPropertyValue`](crate::DecodeError::InvalidPropertyValue).
    InvalidPropertyValue,
    /// [`DecodeError::InvalidPropertyValue`](crate::DecodeError::InvalidPropertyValue) of the Topic Alias (0 or above the maximum).
    TopicAliasInvalid,
    /// [`DecodeError::AuthenticationDataWithoutMethod`](crate::DecodeError::AuthenticationDataWithoutMethod).
    AuthenticationDataWithoutMethod,
    /// [`DecodeError::MissingAuthenticationMethod`](crate::DecodeError::MissingAuthenticationMethod).
    MissingAuthenticationMethod,
    /// [`DecodeError::SubscriptionIdentifierFromClient`](crate::DecodeError::SubscriptionIdentifierFromClient).
    SubscriptionIdentifierFromClient,
    /// [`DecodeError::SessionExpiryFromServer`](crate::DecodeError::SessionExpiryFromServer).
    SessionExpiryFromServer,
    /// [`DecodeError::UnexpectedPacket`](crate::DecodeError::UnexpectedPacket).
    UnexpectedPacket,
    /// [`DecodeError::FirstPacketNotConnect`](crate::DecodeError::FirstPacketNotConnect).
    FirstPacketNotConnect,
    /// [`DecodeError::SecondConnect`](crate::DecodeError::SecondConnect).
    SecondConnect,
    /// The decoder failed earlier ([`DecodeError::Failed`](crate::DecodeError::Failed)).
    Failed,
}

impl DecodeErrorKind {
    /// The MQTT 5.0 reason code a server sends in CONNACK or DISCONNECT for this kind.
    ///
    /// Follows the checklist's verdict column: 0x81 for format violations, 0x82 for values
    /// that parse but are not allowed, and the specific codes 0x84, 0x85, 0x94 and 0x95. For
    /// [`DecodeErrorKind::Failed`], which has no code of its own, 0x81; a failed decoder's
    /// [`DecodeError::Failed`](crate::DecodeError::Failed) gives its first error's code.
    pub fn reason_code(self) -> ReasonCode {
        use DecodeErrorKind::*;
        match self {
            PacketTooLarge | PacketExceedsBuffer => ReasonCode::PacketTooLarge,
            UnsupportedProtocolName | UnsupportedProtocolLevel => {
                ReasonCode::UnsupportedProtocolVersion
            }
            TopicAliasInvalid => ReasonCode::TopicAliasInvalid,
            EmptyClientIdWithoutCleanSession => ReasonCode::ClientIdentifierNotValid,
            SessionPresentOnFailure
            | ZeroPacketId
            | EmptyTopicWithoutAlias
            | SubscriptionQos3
            | RetainHandling3
            | NoLocalOnSharedSubscription
            | DuplicateProperty
            | InvalidPropertyValue
            | AuthenticationDataWithoutMethod
            | MissingAuthenticationMethod
            | SubscriptionIdentifierFromClient
            | SessionExpiryFromServer
            | ReasonCodeFromWrongSide
            | UnexpectedPacket
            | FirstPacketNotConnect
            | SecondConnect
            | EmptySubscriptionList => ReasonCode::ProtocolError,
            _ => ReasonCode::MalformedPacket,
        }
    }

    /// The MQTT 3.1/3.1.1 CONNACK return code a server sends before closing, for the two
    /// CONNECT errors where the 3.1.1 specification asks for one: 0x01 for an unsupported
    /// protocol level ([MQTT-3.1.2-2]) and 0x02 for an empty client identifier without clean
    /// session ([MQTT-3.1.3-8]). `None` means: close without a CONNACK ([MQTT-3.1.4-1]).
    pub fn v3_connack_code(self) -> Option<u8> {
        match self {
            DecodeErrorKind::UnsupportedProtocolLevel => Some(0x01),
            DecodeErrorKind::EmptyClientIdWithoutCleanSession => Some(0x02),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DecodeError;
    use crate::packet::connack::v3_return_code;

    /// The broker answers a 3.x CONNECT it cannot take with a CONNACK built from the reason
    /// code; that code must encode as the return code [MQTT-3.1.2-2] / [MQTT-3.1.3-8] ask for.
    #[test]
    fn mqtt_3_1_2_2_and_3_1_3_8_v3_codes_are_the_reason_codes_under_3_1_1() {
        for kind in [
            DecodeErrorKind::UnsupportedProtocolLevel,
            DecodeErrorKind::EmptyClientIdWithoutCleanSession,
        ] {
            assert_eq!(v3_return_code(kind.reason_code()), kind.v3_connack_code());
        }
        assert_eq!(DecodeErrorKind::PublishQos3.v3_connack_code(), None);
    }

    #[test]
    fn a_failed_decoder_error_gives_its_first_errors_codes() {
        let first = DecodeError::UnsupportedProtocolLevel { level: 9 };
        let failed = DecodeError::Failed {
            first: first.kind(),
        };
        assert_eq!(failed.kind(), DecodeErrorKind::Failed);
        assert_eq!(failed.reason_code(), ReasonCode::UnsupportedProtocolVersion);
        assert_eq!(failed.v3_connack_code(), Some(0x01));
    }
}
