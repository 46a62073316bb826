//! The kind of a [`DecodeError`], without the values it carries: what a binding maps to a C
//! status or a Python exception, and what a failed [`crate::Decoder`] keeps of its first
//! error. A kind alone gives the reason code to send, so no stand-in error is ever built.

use crate::error::DecodeError;
use crate::packet_type::PacketType;
use crate::properties::PropertyId;
use crate::reason::ReasonCode;

/// What kind of rule a [`DecodeError`] broke: one kind per variant, and two more where the
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
    /// [`DecodeError::ReservedPacketType`].
    ReservedPacketType,
    /// [`DecodeError::InvalidFlags`].
    InvalidFlags,
    /// [`DecodeError::PublishQos3`].
    PublishQos3,
    /// [`DecodeError::DupWithQos0`].
    DupWithQos0,
    /// [`DecodeError::VarIntTooLong`].
    VarIntTooLong,
    /// [`DecodeError::NonMinimalVarInt`].
    NonMinimalVarInt,
    /// [`DecodeError::PacketTooLarge`].
    PacketTooLarge,
    /// [`DecodeError::PacketExceedsBuffer`].
    PacketExceedsBuffer,
    /// [`DecodeError::UnexpectedEnd`].
    UnexpectedEnd,
    /// [`DecodeError::TrailingBytes`].
    TrailingBytes,
    /// [`DecodeError::InvalidRemainingLength`].
    InvalidRemainingLength,
    /// [`DecodeError::InvalidUtf8`].
    InvalidUtf8,
    /// [`DecodeError::NullCharacter`].
    NullCharacter,
    /// [`DecodeError::UnsupportedProtocolName`].
    UnsupportedProtocolName,
    /// [`DecodeError::UnsupportedProtocolLevel`].
    UnsupportedProtocolLevel,
    /// [`DecodeError::ConnectReservedFlag`].
    ConnectReservedFlag,
    /// [`DecodeError::WillQosWithoutWill`].
    WillQosWithoutWill,
    /// [`DecodeError::WillRetainWithoutWill`].
    WillRetainWithoutWill,
    /// [`DecodeError::WillQos3`].
    WillQos3,
    /// [`DecodeError::PasswordWithoutUsername`].
    PasswordWithoutUsername,
    /// [`DecodeError::EmptyClientIdWithoutCleanSession`].
    EmptyClientIdWithoutCleanSession,
    /// [`DecodeError::ConnAckReservedFlags`].
    ConnAckReservedFlags,
    /// [`DecodeError::SessionPresentOnFailure`].
    SessionPresentOnFailure,
    /// [`DecodeError::InvalidReasonCode`].
    InvalidReasonCode,
    /// [`DecodeError::ReasonCodeFromWrongSide`].
    ReasonCodeFromWrongSide,
    /// [`DecodeError::ZeroPacketId`].
    ZeroPacketId,
    /// [`DecodeError::InvalidTopicName`].
    InvalidTopicName,
    /// [`DecodeError::InvalidTopicFilter`].
    InvalidTopicFilter,
    /// [`DecodeError::EmptyTopicWithoutAlias`].
    EmptyTopicWithoutAlias,
    /// [`DecodeError::EmptyPayload`].
    EmptyPayload,
    /// [`DecodeError::EmptyPayload`] of a SUBSCRIBE or UNSUBSCRIBE: a protocol error.
    EmptySubscriptionList,
    /// [`DecodeError::InvalidRequestedQos`].
    InvalidRequestedQos,
    /// [`DecodeError::SubscriptionOptionsReserved`].
    SubscriptionOptionsReserved,
    /// [`DecodeError::SubscriptionQos3`].
    SubscriptionQos3,
    /// [`DecodeError::RetainHandling3`].
    RetainHandling3,
    /// [`DecodeError::NoLocalOnSharedSubscription`].
    NoLocalOnSharedSubscription,
    /// [`DecodeError::UnknownProperty`].
    UnknownProperty,
    /// [`DecodeError::PropertyNotAllowed`].
    PropertyNotAllowed,
    /// [`DecodeError::DuplicateProperty`].
    DuplicateProperty,
    /// [`DecodeError::InvalidPropertyValue`].
    InvalidPropertyValue,
    /// [`DecodeError::InvalidPropertyValue`] of the Topic Alias (0 or above the maximum).
    TopicAliasInvalid,
    /// [`DecodeError::AuthenticationDataWithoutMethod`].
    AuthenticationDataWithoutMethod,
    /// [`DecodeError::MissingAuthenticationMethod`].
    MissingAuthenticationMethod,
    /// [`DecodeError::SubscriptionIdentifierFromClient`].
    SubscriptionIdentifierFromClient,
    /// [`DecodeError::SessionExpiryFromServer`].
    SessionExpiryFromServer,
    /// [`DecodeError::UnexpectedPacket`].
    UnexpectedPacket,
    /// [`DecodeError::FirstPacketNotConnect`].
    FirstPacketNotConnect,
    /// [`DecodeError::SecondConnect`].
    SecondConnect,
    /// The decoder failed earlier ([`DecodeError::Failed`]).
    Failed,
}

impl DecodeErrorKind {
    /// The MQTT 5.0 reason code a server sends in CONNACK or DISCONNECT for this kind.
    ///
    /// Follows the checklist's verdict column: 0x81 for format violations, 0x82 for values
    /// that parse but are not allowed, and the specific codes 0x84, 0x85, 0x94 and 0x95. For
    /// [`DecodeErrorKind::Failed`], which has no code of its own, 0x81; a failed decoder's
    /// [`DecodeError::Failed`] gives its first error's code.
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

impl DecodeError {
    /// The kind of this error, without its values.
    pub fn kind(&self) -> DecodeErrorKind {
        use DecodeError as E;
        use DecodeErrorKind as K;
        match self {
            E::ReservedPacketType { .. } => K::ReservedPacketType,
            E::InvalidFlags { .. } => K::InvalidFlags,
            E::PublishQos3 => K::PublishQos3,
            E::DupWithQos0 => K::DupWithQos0,
            E::VarIntTooLong { .. } => K::VarIntTooLong,
            E::NonMinimalVarInt { .. } => K::NonMinimalVarInt,
            E::PacketTooLarge { .. } => K::PacketTooLarge,
            E::PacketExceedsBuffer { .. } => K::PacketExceedsBuffer,
            E::UnexpectedEnd { .. } => K::UnexpectedEnd,
            E::TrailingBytes { .. } => K::TrailingBytes,
            E::InvalidRemainingLength { .. } => K::InvalidRemainingLength,
            E::InvalidUtf8 { .. } => K::InvalidUtf8,
            E::NullCharacter { .. } => K::NullCharacter,
            E::UnsupportedProtocolName => K::UnsupportedProtocolName,
            E::UnsupportedProtocolLevel { .. } => K::UnsupportedProtocolLevel,
            E::ConnectReservedFlag => K::ConnectReservedFlag,
            E::WillQosWithoutWill => K::WillQosWithoutWill,
            E::WillRetainWithoutWill => K::WillRetainWithoutWill,
            E::WillQos3 => K::WillQos3,
            E::PasswordWithoutUsername => K::PasswordWithoutUsername,
            E::EmptyClientIdWithoutCleanSession => K::EmptyClientIdWithoutCleanSession,
            E::ConnAckReservedFlags { .. } => K::ConnAckReservedFlags,
            E::SessionPresentOnFailure { .. } => K::SessionPresentOnFailure,
            E::InvalidReasonCode { .. } => K::InvalidReasonCode,
            E::ReasonCodeFromWrongSide { .. } => K::ReasonCodeFromWrongSide,
            E::ZeroPacketId { .. } => K::ZeroPacketId,
            E::InvalidTopicName { .. } => K::InvalidTopicName,
            E::InvalidTopicFilter { .. } => K::InvalidTopicFilter,
            E::EmptyTopicWithoutAlias => K::EmptyTopicWithoutAlias,
            E::EmptyPayload {
                packet_type: PacketType::Subscribe | PacketType::Unsubscribe,
            } => K::EmptySubscriptionList,
            E::EmptyPayload { .. } => K::EmptyPayload,
            E::InvalidRequestedQos { .. } => K::InvalidRequestedQos,
            E::SubscriptionOptionsReserved { .. } => K::SubscriptionOptionsReserved,
            E::SubscriptionQos3 => K::SubscriptionQos3,
            E::RetainHandling3 => K::RetainHandling3,
            E::NoLocalOnSharedSubscription => K::NoLocalOnSharedSubscription,
            E::UnknownProperty { .. } => K::UnknownProperty,
            E::PropertyNotAllowed { .. } => K::PropertyNotAllowed,
            E::DuplicateProperty { .. } => K::DuplicateProperty,
            E::InvalidPropertyValue {
                property: PropertyId::TopicAlias,
                ..
            } => K::TopicAliasInvalid,
            E::InvalidPropertyValue { .. } => K::InvalidPropertyValue,
            E::AuthenticationDataWithoutMethod => K::AuthenticationDataWithoutMethod,
            E::MissingAuthenticationMethod => K::MissingAuthenticationMethod,
            E::SubscriptionIdentifierFromClient => K::SubscriptionIdentifierFromClient,
            E::SessionExpiryFromServer => K::SessionExpiryFromServer,
            E::UnexpectedPacket { .. } => K::UnexpectedPacket,
            E::FirstPacketNotConnect { .. } => K::FirstPacketNotConnect,
            E::SecondConnect => K::SecondConnect,
            E::Failed { .. } => K::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
