//! Where a [`crate::Decoder`] keeps the bytes it received and has not returned yet: a
//! growable `BytesMut` (feature `alloc`), a caller's slice ([`SliceBuffer`]), or any storage
//! the caller implements [`RecvBuffer`] for.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::wire::move_down::move_down;

/// The receive buffer of a [`crate::Decoder`]: the bytes received and not yet consumed, in
/// order, at the front.
///
/// A fixed buffer says how much it can hold ([`RecvBuffer::capacity`]): the decoder refuses
/// a packet larger than that as soon as its fixed header is known, and [`RecvBuffer::append`]
/// takes only what fits.
pub trait RecvBuffer {
    /// The buffered bytes, oldest first.
    fn data(&self) -> &[u8];
    /// Appends as much of `bytes` as fits and returns how many bytes that was.
    fn append(&mut self, bytes: &[u8]) -> usize;
    /// Drops the first `n` buffered bytes (all of them if fewer are buffered).
    fn consume(&mut self, n: usize);
    /// Drops every buffered byte and whatever memory can be given back.
    fn clear(&mut self);
    /// The most bytes the buffer can ever hold, or `None` when it grows as needed.
    fn capacity(&self) -> Option<usize>;
    /// A hint that `n` more bytes will follow (a growable buffer makes room for them).
    fn reserve(&mut self, n: usize) {
        let _ = n;
    }
}

#[cfg(feature = "alloc")]
impl RecvBuffer for bytes::BytesMut {
    #[inline]
    fn data(&self) -> &[u8] {
        self
    }
    #[inline]
    fn append(&mut self, bytes: &[u8]) -> usize {
        self.extend_from_slice(bytes);
        bytes.len()
    }
    #[inline]
    fn consume(&mut self, n: usize) {
        if n >= self.len() {
            // Emptied: the next bytes go back to where these started, so that appending them
            // needs no room reclaimed (advancing moves the start, which a later append pays
            // for, at best by moving nothing back to the front).
            bytes::BytesMut::clear(self);
        } else {
            bytes::Buf::advance(self, n);
        }
    }
    fn clear(&mut self) {
        *self = bytes::BytesMut::new();
    }
    fn capacity(&self) -> Option<usize> {
        None
    }
    fn reserve(&mut self, n: usize) {
        bytes::BytesMut::reserve(self, n);
    }
}

/// A receive buffer over a slice the caller owns, for a decoder that must not allocate
/// (firmware, a C caller's static array).
///
/// Consumed bytes are dropped lazily: the unconsumed ones are moved to the front only when
/// an append needs the room, so every received byte is moved at most once per packet.
///
/// ```
/// use mqtt_codec::{Decoder, PacketRef, ProtocolVersion, SliceBuffer};
///
/// let mut storage = [0u8; 64];
/// let mut decoder = Decoder::client_in(ProtocolVersion::V3_1_1, SliceBuffer::new(&mut storage));
/// for &byte in &[0x40, 0x02, 0x00, 0x07] {
///     decoder.feed(&[byte]); // one byte at a time, as from a UART
/// }
/// let Some(PacketRef::PubAck(ack)) = decoder.next_packet_ref()? else { panic!() };
/// assert_eq!(ack.packet_id.get(), 7);
/// # Ok::<(), mqtt_codec::DecodeError>(())
/// ```
#[derive(Debug)]
pub struct SliceBuffer<'b> {
    buf: &'b mut [u8],
    start: usize,
    end: usize,
}

impl<'b> SliceBuffer<'b> {
    /// An empty buffer over `buf`; the largest packet it can hold is `buf.len()` bytes.
    pub fn new(buf: &'b mut [u8]) -> Self {
        SliceBuffer {
            buf,
            start: 0,
            end: 0,
        }
    }

    /// A buffer over `buf` holding `buf[start..end]`, as [`SliceBuffer::positions`] left it:
    /// for a caller that keeps the positions between uses rather than the buffer itself (a
    /// binding whose caller owns the memory). Positions out of range are clamped.
    pub fn resume(buf: &'b mut [u8], start: usize, end: usize) -> Self {
        let end = end.min(buf.len());
        SliceBuffer {
            buf,
            start: start.min(end),
            end,
        }
    }

    /// Where the buffered bytes are in the slice: `(start, end)`.
    pub fn positions(&self) -> (usize, usize) {
        (self.start, self.end)
    }
}

impl RecvBuffer for SliceBuffer<'_> {
    #[inline]
    fn data(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    fn append(&mut self, bytes: &[u8]) -> usize {
        if self.buf.len().saturating_sub(self.end) < bytes.len() && self.start > 0 {
            move_down(self.buf, self.start..self.end, 0);
            self.end = self.end.saturating_sub(self.start);
            self.start = 0;
        }
        let n = bytes.len().min(self.buf.len().saturating_sub(self.end));
        let at = self.end;
        if let (Some(dst), Some(src)) = (self.buf.get_mut(at..at.saturating_add(n)), bytes.get(..n))
        {
            dst.copy_from_slice(src);
            self.end = at.saturating_add(n);
        }
        n
    }

    #[inline]
    fn consume(&mut self, n: usize) {
        self.start = self.start.saturating_add(n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    fn capacity(&self) -> Option<usize> {
        Some(self.buf.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slice_buffer_takes_what_fits_and_compacts_only_when_it_must() {
        let mut storage = [0u8; 4];
        let mut b = SliceBuffer::new(&mut storage);
        assert_eq!(b.append(b"abc"), 3);
        assert_eq!(b.append(b"de"), 1);
        assert_eq!(b.data(), b"abcd");
        b.consume(2);
        assert_eq!(b.data(), b"cd");
        assert_eq!(b.append(b"xyz"), 2);
        assert_eq!(b.data(), b"cdxy");
        b.consume(10);
        assert_eq!(b.data(), b"");
        assert_eq!(b.append(b"12345"), 4);
        assert_eq!(b.capacity(), Some(4));
    }
}
