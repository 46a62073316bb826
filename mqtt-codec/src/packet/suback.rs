//! SUBACK (§3.9) and UNSUBACK (§3.11): one reason code per filter of the request.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::{DecodeError, EncodeError};
use crate::list_items;
use crate::list_kind::ReasonCodes;
use crate::packet::{read_packet_id, PacketId, ParseCtx};
use crate::packet_type::PacketType;
use crate::properties::{
    encoded_section_len, read_section, slot_content_len, write_properties, PropContext,
};
use crate::reason::ReasonCode;
use crate::storage::Borrowed;
use crate::storage::BorrowedList;
#[cfg(feature = "alloc")]
use crate::storage::Owned;
use crate::storage::Storage;
use crate::version::ProtocolVersion;
use crate::wire::reader::Reader;
use crate::wire::writer::Put;
#[cfg(feature = "alloc")]
use alloc::vec::Vec;

/// SUBACK: the outcome of each subscription, in the SUBSCRIBE's order.
///
/// 3.x return codes 0x00, 0x01, 0x02 and 0x80 are the reason codes of the same value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubAck<S: Storage = crate::storage::DefaultStorage> {
    /// The SUBSCRIBE's packet identifier.
    pub packet_id: PacketId,
    /// Reason String and User Properties (5.0).
    pub properties: S::Props,
    /// One code per subscription; at least one.
    pub reason_codes: S::List<ReasonCodes>,
}

/// UNSUBACK: acknowledges an UNSUBSCRIBE.
///
/// MQTT 3.x UNSUBACK carries no codes: it decodes with an empty list, and encodes under 3.x
/// only when every code is Success (the 3.x meaning of an UNSUBACK). MQTT 5.0 needs one code
/// per filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsubAck<S: Storage = crate::storage::DefaultStorage> {
    /// The UNSUBSCRIBE's packet identifier.
    pub packet_id: PacketId,
    /// Reason String and User Properties (5.0).
    pub properties: S::Props,
    /// One code per filter (5.0); empty when decoded from 3.x.
    pub reason_codes: S::List<ReasonCodes>,
}

#[cfg(feature = "alloc")]
impl SubAck<Owned> {
    /// A SUBACK with `reason_codes`.
    pub fn new(packet_id: PacketId, reason_codes: Vec<ReasonCode>) -> Self {
        SubAck {
            packet_id,
            properties: Default::default(),
            reason_codes,
        }
    }
}

#[cfg(feature = "alloc")]
impl UnsubAck<Owned> {
    /// An UNSUBACK with `reason_codes`.
    pub fn new(packet_id: PacketId, reason_codes: Vec<ReasonCode>) -> Self {
        UnsubAck {
            packet_id,
            properties: Default::default(),
            reason_codes,
        }
    }
}

/// Whether `code` is allowed in a SUBACK or UNSUBACK of `version`.
fn code_allowed(code: ReasonCode, packet_type: PacketType, version: ProtocolVersion) -> bool {
    if version.is_v5() {
        code.allowed_in(packet_type)
    } else {
        packet_type == PacketType::SubAck && matches!(code.value(), 0x00 | 0x01 | 0x02 | 0x80)
    }
}

/// Reads one reason code (SAK-4, SAK-5, UAK-5).
pub(crate) fn read_code(
    r: &mut Reader<'_>,
    version: ProtocolVersion,
) -> Result<ReasonCode, DecodeError> {
    let packet_type = r.packet_type();
    let raw = r.u8("reason code")?;
    ReasonCode::from_u8(raw)
        .filter(|&c| code_allowed(c, packet_type, version))
        .ok_or(DecodeError::InvalidReasonCode {
            packet_type,
            code: raw,
        })
}

/// The fields the two packets share.
type Parts<S> = (
    PacketId,
    <S as Storage>::Props,
    <S as Storage>::List<ReasonCodes>,
);

fn read_parts<'a>(
    r: &mut Reader<'a>,
    ctx: &ParseCtx,
    packet_type: PacketType,
) -> Result<Parts<Borrowed<'a>>, DecodeError> {
    let v5 = ctx.version.is_v5();
    if packet_type == PacketType::UnsubAck && !v5 && r.remaining() != 2 {
        return Err(DecodeError::InvalidRemainingLength {
            packet_type,
            length: r.remaining(),
        });
    }
    let packet_id = read_packet_id(r)?;
    let properties = read_section(
        r,
        PropContext::Packet(packet_type),
        ctx.version,
        ctx.receiver,
    )?;
    let start = r.position();
    let mut count = 0usize;
    while !r.is_empty() {
        read_code(r, ctx.version)?;
        count = count.saturating_add(1);
    }
    let needs_codes = packet_type == PacketType::SubAck || v5;
    if needs_codes && count == 0 {
        return Err(DecodeError::EmptyPayload { packet_type });
    }
    let codes = BorrowedList::from_region(
        count,
        r.slice(start, r.position()),
        ctx.version.level(),
        list_items::reason_code,
    );
    Ok((packet_id, properties, codes))
}

fn parts_len<S: Storage>(
    props: &S::Props,
    codes: &S::List<ReasonCodes>,
    version: ProtocolVersion,
    packet_type: PacketType,
) -> Result<usize, EncodeError> {
    let mut len = encoded_section_len::<S>(props, PropContext::Packet(packet_type), version)?
        .saturating_add(2);
    let mut bad = None;
    let mut count = 0usize;
    S::for_each(codes, |&c| {
        count = count.saturating_add(1);
        let ok = if !version.is_v5() && packet_type == PacketType::UnsubAck {
            c == ReasonCode::Success
        } else {
            code_allowed(c, packet_type, version)
        };
        if !ok {
            bad.get_or_insert(c);
        }
    });
    if let Some(code) = bad {
        return Err(if !version.is_v5() && code.allowed_in(packet_type) {
            EncodeError::NotRepresentable {
                what: "this reason code",
                version,
            }
        } else {
            EncodeError::InvalidReasonCode { packet_type, code }
        });
    }
    if count == 0 && (version.is_v5() || packet_type == PacketType::SubAck) {
        return Err(EncodeError::EmptyPayload { packet_type });
    }
    if version.is_v5() || packet_type == PacketType::SubAck {
        len = len.saturating_add(count);
    }
    Ok(len)
}

fn write_parts<S: Storage>(
    buf: &mut impl Put,
    packet_id: PacketId,
    props: &S::Props,
    codes: &S::List<ReasonCodes>,
    version: ProtocolVersion,
    packet_type: PacketType,
) {
    buf.put_u16(packet_id.get());
    if version.is_v5() {
        let len = slot_content_len::<S>(props, PropContext::Packet(packet_type)).unwrap_or(0);
        write_properties::<S>(buf, props, len);
    }
    if version.is_v5() || packet_type == PacketType::SubAck {
        S::for_each(codes, |&c| buf.put_u8(c.value()));
    }
}

impl<'a> SubAck<Borrowed<'a>> {
    #[inline]
    pub(crate) fn read(r: &mut Reader<'a>, ctx: &ParseCtx) -> Result<Self, DecodeError> {
        let (packet_id, properties, reason_codes) = read_parts(r, ctx, PacketType::SubAck)?;
        Ok(SubAck {
            packet_id,
            properties,
            reason_codes,
        })
    }
}

impl<S: Storage> SubAck<S> {
    #[inline]
    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        parts_len::<S>(
            &self.properties,
            &self.reason_codes,
            version,
            PacketType::SubAck,
        )
    }

    #[inline]
    pub(crate) fn write_body(&self, version: ProtocolVersion, buf: &mut impl Put) {
        write_parts::<S>(
            buf,
            self.packet_id,
            &self.properties,
            &self.reason_codes,
            version,
            PacketType::SubAck,
        );
    }
}

impl<'a> UnsubAck<Borrowed<'a>> {
    #[inline]
    pub(crate) fn read(r: &mut Reader<'a>, ctx: &ParseCtx) -> Result<Self, DecodeError> {
        let (packet_id, properties, reason_codes) = read_parts(r, ctx, PacketType::UnsubAck)?;
        Ok(UnsubAck {
            packet_id,
            properties,
            reason_codes,
        })
    }
}

impl<S: Storage> UnsubAck<S> {
    #[inline]
    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        parts_len::<S>(
            &self.properties,
            &self.reason_codes,
            version,
            PacketType::UnsubAck,
        )
    }

    #[inline]
    pub(crate) fn write_body(&self, version: ProtocolVersion, buf: &mut impl Put) {
        write_parts::<S>(
            buf,
            self.packet_id,
            &self.properties,
            &self.reason_codes,
            version,
            PacketType::UnsubAck,
        );
    }
}
