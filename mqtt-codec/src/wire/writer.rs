//! Writers for the data types of §1.5. Sizes are checked before anything is written, so
//! these only put bytes.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::EncodeError;

/// Where the encoder puts bytes: any [`bytes::BufMut`] (with the `alloc` feature) or a
/// [`SliceWriter`] over a caller's `&mut [u8]`, which needs no allocator. Sizes are checked
/// against [`Put::remaining_mut`] before anything is written.
pub trait Put {
    /// Bytes that can still be written.
    fn remaining_mut(&self) -> usize;
    /// Writes one byte.
    fn put_u8(&mut self, v: u8);
    /// Writes a Two Byte Integer (big-endian).
    fn put_u16(&mut self, v: u16) {
        self.put_slice(&v.to_be_bytes());
    }
    /// Writes a Four Byte Integer (big-endian).
    fn put_u32(&mut self, v: u32) {
        self.put_slice(&v.to_be_bytes());
    }
    /// Writes `bytes`.
    fn put_slice(&mut self, bytes: &[u8]);
    /// Writes a length-prefixed string or binary field whose length was checked.
    fn put_prefixed(&mut self, bytes: &[u8]) {
        self.put_u16(bytes.len() as u16);
        self.put_slice(bytes);
    }
}

#[cfg(feature = "alloc")]
impl<B: bytes::BufMut + ?Sized> Put for B {
    #[inline]
    fn remaining_mut(&self) -> usize {
        bytes::BufMut::remaining_mut(self)
    }
    #[inline]
    fn put_u8(&mut self, v: u8) {
        bytes::BufMut::put_u8(self, v)
    }
    #[inline]
    fn put_u16(&mut self, v: u16) {
        bytes::BufMut::put_u16(self, v)
    }
    #[inline]
    fn put_u32(&mut self, v: u32) {
        bytes::BufMut::put_u32(self, v)
    }
    #[inline]
    fn put_slice(&mut self, bytes: &[u8]) {
        bytes::BufMut::put_slice(self, bytes)
    }
}

/// A [`Put`] over a caller's slice: the encoder's output without an allocator.
///
/// It holds the part not yet written, so that a write is one length check and a copy of a
/// length the compiler often knows (no position to add to and check against).
pub(crate) struct SliceWriter<'a> {
    rest: &'a mut [u8],
}

impl<'a> SliceWriter<'a> {
    /// A writer at the start of `out`.
    #[inline]
    pub(crate) fn new(out: &'a mut [u8]) -> Self {
        SliceWriter { rest: out }
    }
}

impl Put for SliceWriter<'_> {
    #[inline]
    fn remaining_mut(&self) -> usize {
        self.rest.len()
    }
    #[inline]
    fn put_u8(&mut self, v: u8) {
        self.put_slice(&[v]);
    }
    #[inline]
    fn put_slice(&mut self, bytes: &[u8]) {
        // Callers checked the room first; a short slice only loses bytes, never panics.
        if bytes.len() <= self.rest.len() {
            let (dst, rest) = core::mem::take(&mut self.rest).split_at_mut(bytes.len());
            dst.copy_from_slice(bytes);
            self.rest = rest;
        }
    }
    /// The prefix and the bytes after one test of the room (not one each); on a short slice
    /// neither is written.
    #[inline]
    fn put_prefixed(&mut self, bytes: &[u8]) {
        let Some(field) = bytes.len().checked_add(2) else {
            return;
        };
        if field <= self.rest.len() {
            let (dst, rest) = core::mem::take(&mut self.rest).split_at_mut(field);
            let (prefix, body) = dst.split_at_mut(2);
            prefix.copy_from_slice(&(bytes.len() as u16).to_be_bytes());
            body.copy_from_slice(bytes);
            self.rest = rest;
        }
    }
}

/// Writes a Variable Byte Integer in its shortest form.
pub(crate) fn put_varint(buf: &mut impl Put, mut value: u32) {
    // Most packets are under 128 bytes.
    if value < 0x80 {
        buf.put_u8(value as u8);
        return;
    }
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
#[inline]
pub(crate) fn put_prefixed(buf: &mut impl Put, bytes: &[u8]) {
    buf.put_prefixed(bytes);
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
