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
            copy_bytes(dst, bytes);
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
            copy_bytes(body, bytes);
            self.rest = rest;
        }
    }
}

/// Copies `src` into `dst`, of the same length. Most fields an encoder copies are short
/// (topics, filters, identifiers, small payloads): up to 32 bytes they are copied as two
/// moves of a fixed size that overlap in the middle, in line, rather than through a call to
/// `memcpy`, which spends more on choosing its method than on copying so few bytes. Only
/// where registers are 64 bits wide: on a 32-bit microcontroller those moves are several
/// instructions each, repeated at every copy, and flash is what counts there.
#[cfg(target_pointer_width = "64")]
#[inline(always)]
fn copy_bytes(dst: &mut [u8], src: &[u8]) {
    match src.len() {
        0 => {}
        1..=3 => {
            for (d, s) in dst.iter_mut().zip(src) {
                *d = *s;
            }
        }
        4..=7 => copy_overlapping::<4>(dst, src),
        8..=15 => copy_overlapping::<8>(dst, src),
        16..=32 => copy_overlapping::<16>(dst, src),
        _ => dst.copy_from_slice(src),
    }
}

/// [`copy_bytes`] where registers are narrower: one call to `memcpy`, the smallest code.
#[cfg(not(target_pointer_width = "64"))]
#[inline(always)]
fn copy_bytes(dst: &mut [u8], src: &[u8]) {
    dst.copy_from_slice(src);
}

/// Copies `src` (`N` to `2 * N` bytes) into `dst` of the same length as its first `N` and
/// its last `N` bytes.
#[cfg(target_pointer_width = "64")]
#[inline(always)]
fn copy_overlapping<const N: usize>(dst: &mut [u8], src: &[u8]) {
    // Equal lengths of at least `N` let the compiler drop every bounds test below.
    if dst.len() != src.len() || src.len() < N {
        return;
    }
    if let (Some(d), Some(s)) = (dst.first_chunk_mut::<N>(), src.first_chunk::<N>()) {
        *d = *s;
    }
    if let (Some(d), Some(s)) = (dst.last_chunk_mut::<N>(), src.last_chunk::<N>()) {
        *d = *s;
    }
}

/// Writes a Variable Byte Integer in its shortest form. The one-byte form (most packets are
/// under 128 bytes, most property sections too) is written in line.
#[inline(always)]
pub(crate) fn put_varint(buf: &mut impl Put, value: u32) {
    if value < 0x80 {
        buf.put_u8(value as u8);
    } else {
        put_long_varint(buf, value);
    }
}

/// [`put_varint`] of a value of two bytes or more. Where registers are 64 bits wide it is in
/// line, so that the writer is never passed by reference (which would keep it in memory,
/// not in registers, for the whole caller); on narrower targets it is one shared function,
/// the smallest code (flash counts more there than the registers).
#[cfg_attr(target_pointer_width = "64", inline(always))]
#[cfg_attr(not(target_pointer_width = "64"), inline(never))]
fn put_long_varint(buf: &mut impl Put, value: u32) {
    let (bytes, len) = long_varint(value);
    buf.put_slice(bytes.get(..len).unwrap_or_default());
}

/// The bytes of a Variable Byte Integer of two bytes or more (at most 268,435,455, which
/// every caller checked), and how many there are.
#[inline(never)]
fn long_varint(mut value: u32) -> ([u8; 4], usize) {
    let mut out = [0u8; 4];
    let mut len = 0usize;
    for slot in out.iter_mut() {
        let mut byte = (value & 0x7F) as u8;
        value >>= 7;
        if value > 0 {
            byte |= 0x80;
        }
        *slot = byte;
        len = len.saturating_add(1);
        if value == 0 {
            break;
        }
    }
    (out, len)
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

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use std::vec;

    // Every length class of `copy_bytes` (none, bytes, overlapping words, `memcpy`), with
    // and without a prefix, lands the same bytes in place and leaves the rest untouched.
    #[test]
    fn slice_writes_of_every_length_land_in_place() {
        let src: [u8; 48] = core::array::from_fn(|i| i as u8 + 1);
        for n in 0..=src.len() {
            let field = src.get(..n).unwrap();
            let mut out = [0xEEu8; 128];
            let mut w = SliceWriter::new(&mut out);
            w.put_u8(0xAA);
            w.put_slice(field);
            w.put_prefixed(field);
            let left = w.remaining_mut();
            let mut want = vec![0xAA];
            want.extend_from_slice(field);
            want.extend_from_slice(&(n as u16).to_be_bytes());
            want.extend_from_slice(field);
            assert_eq!(left, 128 - want.len(), "{n}");
            assert_eq!(&out[..want.len()], &want[..], "{n}");
            assert!(out[want.len()..].iter().all(|&b| b == 0xEE), "{n}");
        }
    }

    // MQTT-1.5.5-1: every Variable Byte Integer in its shortest form, at each boundary of
    // its length, reads back as the value it was written from.
    #[test]
    fn variable_byte_integers_are_written_in_their_shortest_form() {
        use crate::wire::varint::{read_varint, varint_len};
        for value in [
            0,
            1,
            127,
            128,
            16_383,
            16_384,
            2_097_151,
            2_097_152,
            268_435_455,
        ] {
            let mut out = [0u8; 8];
            let mut w = SliceWriter::new(&mut out);
            put_varint(&mut w, value);
            let written = 8 - w.remaining_mut();
            assert_eq!(written, varint_len(value), "{value}");
            assert_eq!(
                read_varint(&out[..written]),
                Ok((value, written)),
                "{value}"
            );
        }
    }

    // A slice too short for a field writes nothing of it, and never panics.
    #[test]
    fn a_field_that_does_not_fit_is_not_written() {
        let src = [7u8; 20];
        for room in 0..22 {
            let mut out = vec![0u8; room];
            let mut w = SliceWriter::new(&mut out);
            w.put_prefixed(&src);
            assert_eq!(w.remaining_mut(), room);
            let mut w = SliceWriter::new(&mut out);
            w.put_slice(&src);
            assert_eq!(w.remaining_mut(), if room >= 20 { room - 20 } else { room });
        }
    }
}
