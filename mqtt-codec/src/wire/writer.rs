//! Writers for the data types of §1.5. Sizes are checked before anything is written, so
//! these only put bytes.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::EncodeError;
use bytes::BufMut;

/// Writes a Variable Byte Integer in its shortest form.
pub(crate) fn put_varint(buf: &mut impl BufMut, mut value: u32) {
    loop {
        let mut byte = (value & 0x7F) as u8;
        value >>= 7;
        if value > 0 {
            byte |= 0x80;
        }
        buf.put_u8(byte);
        if value == 0 {
            break;
        }
    }
}

/// Writes a length-prefixed string or binary field (its length was checked).
pub(crate) fn put_prefixed(buf: &mut impl BufMut, bytes: &[u8]) {
    buf.put_u16(bytes.len() as u16);
    buf.put_slice(bytes);
}

/// The encoded size of a length-prefixed field, or an error past 65,535 bytes.
pub(crate) fn prefixed_len(field: &'static str, bytes: &[u8]) -> Result<usize, EncodeError> {
    if bytes.len() > usize::from(u16::MAX) {
        return Err(EncodeError::FieldTooLong {
            field,
            len: bytes.len(),
        });
    }
    Ok(bytes.len().saturating_add(2))
}
