//! CONNACK (§3.2): the server's answer to CONNECT.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::{DecodeError, EncodeError};
use crate::packet::ParseCtx;
use crate::packet_type::PacketType;
use crate::properties::{
    read_properties, section_len, slot_content_len, write_properties, PropContext,
};
use crate::property_slot::PropertySlot;
use crate::reason::ReasonCode;
use crate::storage::Borrowed;
#[cfg(feature = "alloc")]
use crate::storage::Owned;
use crate::storage::Storage;
use crate::version::ProtocolVersion;
use crate::wire::reader::Reader;
use crate::wire::writer::Put;

/// CONNACK: accepts or refuses a connection.
///
/// The outcome is a [`ReasonCode`] in every version. MQTT 3.1 and 3.1.1 return codes map onto
/// it exactly, both ways:
///
/// | 3.x return code | reason code |
/// |---|---|
/// | 0x00 accepted | 0x00 Success |
/// | 0x01 unacceptable protocol version | 0x84 Unsupported Protocol Version |
/// | 0x02 identifier rejected | 0x85 Client Identifier not valid |
/// | 0x03 server unavailable | 0x88 Server unavailable |
/// | 0x04 bad user name or password | 0x86 Bad User Name or Password |
/// | 0x05 not authorized | 0x87 Not authorized |
///
/// Encoding any other code under 3.x fails with [`EncodeError::NotRepresentable`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnAck<S: Storage = crate::storage::DefaultStorage> {
    /// Whether the server resumed a stored session (always false in MQTT 3.1).
    pub session_present: bool,
    /// The outcome.
    pub reason_code: ReasonCode,
    /// MQTT 5.0 CONNACK properties.
    pub properties: S::Props,
}

#[cfg(feature = "alloc")]
impl ConnAck<Owned> {
    /// A CONNACK with `reason_code`, no session present, no properties.
    pub fn new(reason_code: ReasonCode) -> Self {
        ConnAck {
            session_present: false,
            reason_code,
            properties: Default::default(),
        }
    }
}

const V3_CODES: [ReasonCode; 6] = [
    ReasonCode::Success,
    ReasonCode::UnsupportedProtocolVersion,
    ReasonCode::ClientIdentifierNotValid,
    ReasonCode::ServerUnavailable,
    ReasonCode::BadUserNameOrPassword,
    ReasonCode::NotAuthorized,
];

/// The 3.x return code for a reason code, where the table above has one.
pub fn v3_return_code(code: ReasonCode) -> Option<u8> {
    V3_CODES.iter().position(|&c| c == code).map(|i| i as u8)
}

impl<'a> ConnAck<Borrowed<'a>> {
    #[inline]
    pub(crate) fn read(r: &mut Reader<'a>, ctx: &ParseCtx) -> Result<Self, DecodeError> {
        let len = r.remaining();
        let v5 = ctx.version.is_v5();
        if (!v5 && len != 2) || (v5 && len < 3) {
            return Err(DecodeError::InvalidRemainingLength {
                packet_type: PacketType::ConnAck,
                length: len,
            });
        }
        let flags = r.u8("acknowledge flags")?;
        // MQTT 3.1 had no Session Present flag: the byte was unused.
        let session_present = ctx.version != ProtocolVersion::V3_1 && flags & 1 != 0;
        if ctx.version != ProtocolVersion::V3_1 && flags & 0xFE != 0 {
            return Err(DecodeError::ConnAckReservedFlags { flags });
        }
        let raw = r.u8("reason code")?;
        let invalid = || DecodeError::InvalidReasonCode {
            packet_type: PacketType::ConnAck,
            code: raw,
        };
        let reason_code = if v5 {
            ReasonCode::from_u8(raw)
                .filter(|c| c.allowed_in(PacketType::ConnAck))
                .ok_or_else(invalid)?
        } else {
            *V3_CODES.get(usize::from(raw)).ok_or_else(invalid)?
        };
        if session_present && raw != 0 {
            return Err(DecodeError::SessionPresentOnFailure { code: raw });
        }
        let properties = if v5 {
            read_properties(r, PropContext::Packet(PacketType::ConnAck), ctx.receiver)?
        } else {
            Default::default()
        };
        Ok(ConnAck {
            session_present,
            reason_code,
            properties,
        })
    }
}

impl<S: Storage> ConnAck<S> {
    #[inline]
    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        if self.session_present && self.reason_code != ReasonCode::Success {
            return Err(EncodeError::SessionPresentOnFailure);
        }
        if version.is_v5() {
            if !self.reason_code.allowed_in(PacketType::ConnAck) {
                return Err(EncodeError::InvalidReasonCode {
                    packet_type: PacketType::ConnAck,
                    code: self.reason_code,
                });
            }
            let props =
                slot_content_len::<S>(&self.properties, PropContext::Packet(PacketType::ConnAck))?;
            return Ok(section_len(props).saturating_add(2));
        }
        if v3_return_code(self.reason_code).is_none() {
            return Err(EncodeError::NotRepresentable {
                what: "this CONNACK reason code (no 3.x return code matches it)",
                version,
            });
        }
        if !self.properties.is_empty() {
            return Err(EncodeError::NotRepresentable {
                what: "properties",
                version,
            });
        }
        if version == ProtocolVersion::V3_1 && self.session_present {
            return Err(EncodeError::NotRepresentable {
                what: "session present",
                version,
            });
        }
        Ok(2)
    }

    #[inline]
    pub(crate) fn write_body(&self, version: ProtocolVersion, buf: &mut impl Put) {
        buf.put_u8(u8::from(self.session_present));
        if version.is_v5() {
            buf.put_u8(self.reason_code.value());
            let len =
                slot_content_len::<S>(&self.properties, PropContext::Packet(PacketType::ConnAck))
                    .unwrap_or(0);
            write_properties::<S>(buf, &self.properties, len);
        } else {
            buf.put_u8(v3_return_code(self.reason_code).unwrap_or(0));
        }
    }
}
