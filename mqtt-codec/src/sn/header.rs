//! The MQTT-SN header (§5.2): a Length of 1 octet, or 3 when the first is 0x01, then the
//! MsgType.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::error::{SnEncodeError, SnError};
use super::types::MsgType;
use crate::wire::writer::Put;

/// The largest total a 1-octet Length holds.
const SHORT_MAX: usize = 0xFF;
/// The largest total of any message.
pub(crate) const MAX_MESSAGE: usize = 0xFFFF;

/// A datagram's header, split off.
pub(crate) struct Header<'a> {
    /// The Length field's value.
    pub(crate) declared: usize,
    /// The 3-octet form.
    pub(crate) long: bool,
    /// The message type.
    pub(crate) msg_type: MsgType,
    /// Every octet after MsgType.
    pub(crate) body: &'a [u8],
}

/// A header of either version: the type octet not yet read as a type.
pub(crate) struct RawHeader<'a> {
    pub(crate) declared: usize,
    pub(crate) long: bool,
    pub(crate) octet: u8,
    pub(crate) body: &'a [u8],
}

/// Reads the Length and the type octet, as both versions write them (SN-HDR-1, SN-HDR-3,
/// SN-HDR-5; [MQTT-SN-2.1.2-1]). Whether the Length matches the datagram is the caller's
/// check (a 1.2 encapsulation's does not).
pub(crate) fn split_raw(datagram: &[u8]) -> Result<RawHeader<'_>, SnError> {
    let too_short = SnError::TooShort {
        len: datagram.len(),
    };
    let (declared, long, rest) = match *datagram {
        [0x01, hi, lo, ref rest @ ..] => {
            let declared = usize::from(u16::from_be_bytes([hi, lo]));
            if declared < 4 {
                return Err(SnError::LengthTooSmall { declared });
            }
            (declared, true, rest)
        }
        [0x00, _, ..] => return Err(SnError::LengthTooSmall { declared: 0 }),
        [len, ref rest @ ..] if len != 0x01 => (usize::from(len), false, rest),
        _ => return Err(too_short),
    };
    let (&octet, body) = rest.split_first().ok_or(too_short)?;
    Ok(RawHeader {
        declared,
        long,
        octet,
        body,
    })
}

/// Reads the Length and the 1.2 MsgType (SN-HDR-6 refuses the reserved ones).
pub(crate) fn split(datagram: &[u8]) -> Result<Header<'_>, SnError> {
    let raw = split_raw(datagram)?;
    let msg_type = MsgType::from_u8(raw.octet).ok_or(SnError::ReservedMsgType {
        msg_type: raw.octet,
    })?;
    Ok(Header {
        declared: raw.declared,
        long: raw.long,
        msg_type,
        body: raw.body,
    })
}

/// The total size of a message whose MsgType and fields take `content` octets: the 1-octet
/// form whenever it fits, else the 3-octet form (SN-HDR-2).
pub(crate) fn total_len(content: usize) -> Result<usize, SnEncodeError> {
    let short = content.saturating_add(1);
    let total = if short <= SHORT_MAX {
        short
    } else {
        content.saturating_add(3)
    };
    if total > MAX_MESSAGE {
        return Err(SnEncodeError::TooLong { len: total });
    }
    Ok(total)
}

/// Writes the Length of a message of `total` octets (from [`total_len`]).
pub(crate) fn put_length(w: &mut impl Put, total: usize) {
    match u8::try_from(total) {
        Ok(short) => w.put_u8(short),
        Err(_) => {
            w.put_u8(0x01);
            w.put_u16(u16::try_from(total).unwrap_or(u16::MAX));
        }
    }
}
