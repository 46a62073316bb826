//! PUBACK, PUBREC, PUBREL and PUBCOMP (§3.4–§3.7): the QoS 1 and QoS 2 acknowledgements,
//! which share one layout.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::{DecodeError, EncodeError};
use crate::packet::{read_packet_id, PacketId, ParseCtx};
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

/// The body of PUBACK, PUBREC, PUBREL and PUBCOMP: a packet identifier and, in 5.0, a reason
/// code and properties. The [`crate::Packet`] variant says which of the four it is.
///
/// The encoder sends the short forms of 5.0 (§3.4.2.1): no reason code and no properties when
/// the code is Success and there are no properties.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PubResponse<S: Storage = crate::storage::DefaultStorage> {
    /// The identifier of the PUBLISH (or PUBREC, PUBREL) acknowledged.
    pub packet_id: PacketId,
    /// The outcome (5.0; always Success in 3.x).
    pub reason_code: ReasonCode,
    /// Reason String and User Properties (5.0).
    pub properties: S::Props,
}

/// PUBACK: QoS 1 acknowledgement.
pub type PubAck<S = crate::storage::DefaultStorage> = PubResponse<S>;
/// PUBREC: QoS 2 publish received.
pub type PubRec<S = crate::storage::DefaultStorage> = PubResponse<S>;
/// PUBREL: QoS 2 publish release.
pub type PubRel<S = crate::storage::DefaultStorage> = PubResponse<S>;
/// PUBCOMP: QoS 2 publish complete.
pub type PubComp<S = crate::storage::DefaultStorage> = PubResponse<S>;

#[cfg(feature = "alloc")]
impl PubResponse<Owned> {
    /// A successful acknowledgement of `packet_id`.
    pub fn new(packet_id: PacketId) -> Self {
        PubResponse {
            packet_id,
            reason_code: ReasonCode::Success,
            properties: Default::default(),
        }
    }
}

impl<'a> PubResponse<Borrowed<'a>> {
    #[inline]
    pub(crate) fn read(
        r: &mut Reader<'a>,
        ctx: &ParseCtx,
        packet_type: PacketType,
    ) -> Result<Self, DecodeError> {
        let len = r.remaining();
        if len < 2 || (!ctx.version.is_v5() && len != 2) {
            return Err(DecodeError::InvalidRemainingLength {
                packet_type,
                length: len,
            });
        }
        let packet_id = read_packet_id(r)?;
        let mut out = PubResponse {
            packet_id,
            reason_code: ReasonCode::Success,
            properties: Default::default(),
        };
        // Under 3.x the length check above left nothing after the identifier; the version
        // test makes that visible to the compiler, so a 3.x-only build drops the rest.
        if ctx.version.is_v5() && !r.is_empty() {
            let raw = r.u8("reason code")?;
            out.reason_code = ReasonCode::from_u8(raw)
                .filter(|c| c.allowed_in(packet_type))
                .ok_or(DecodeError::InvalidReasonCode {
                    packet_type,
                    code: raw,
                })?;
        }
        if ctx.version.is_v5() && !r.is_empty() {
            out.properties = read_properties(r, PropContext::Packet(packet_type), ctx.receiver)?;
        }
        Ok(out)
    }
}

impl<S: Storage> PubResponse<S> {
    #[inline]
    pub(crate) fn body_len(
        &self,
        version: ProtocolVersion,
        packet_type: PacketType,
    ) -> Result<usize, EncodeError> {
        if !self.reason_code.allowed_in(packet_type) {
            return Err(EncodeError::InvalidReasonCode {
                packet_type,
                code: self.reason_code,
            });
        }
        if !version.is_v5() {
            if self.reason_code != ReasonCode::Success {
                return Err(EncodeError::NotRepresentable {
                    what: "a reason code",
                    version,
                });
            }
            if !self.properties.is_empty() {
                return Err(EncodeError::NotRepresentable {
                    what: "properties",
                    version,
                });
            }
            return Ok(2);
        }
        let props = slot_content_len::<S>(&self.properties, PropContext::Packet(packet_type))?;
        Ok(match (self.reason_code, props) {
            (ReasonCode::Success, 0) => 2,
            (_, 0) => 3,
            _ => section_len(props).saturating_add(3),
        })
    }

    #[inline]
    pub(crate) fn write_body(
        &self,
        version: ProtocolVersion,
        packet_type: PacketType,
        buf: &mut impl Put,
    ) {
        buf.put_u16(self.packet_id.get());
        if !version.is_v5() {
            return;
        }
        let props =
            slot_content_len::<S>(&self.properties, PropContext::Packet(packet_type)).unwrap_or(0);
        if self.reason_code == ReasonCode::Success && props == 0 {
            return;
        }
        buf.put_u8(self.reason_code.value());
        if props > 0 {
            write_properties::<S>(buf, &self.properties, props);
        }
    }
}
