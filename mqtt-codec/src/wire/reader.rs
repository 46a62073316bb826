//! One cursor over a packet body that owns every bounds check of the parsers.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::DecodeError;
use crate::packet_type::PacketType;
use crate::string::{is_plain_ascii, validate_str, MqttStr, StrError};
use crate::wire::varint::{read_varint, VarIntError};

/// A bounds-checked cursor over `data[pos..end]`.
#[derive(Clone, Copy)]
pub(crate) struct Reader<'r> {
    data: &'r [u8],
    pos: usize,
    end: usize,
    packet_type: PacketType,
}

impl<'r> Reader<'r> {
    /// A cursor over the whole body of a packet of type `packet_type`.
    pub(crate) fn new(data: &'r [u8], packet_type: PacketType) -> Self {
        Reader {
            data,
            pos: 0,
            end: data.len(),
            packet_type,
        }
    }

    /// The packet type, for error messages.
    pub(crate) fn packet_type(&self) -> PacketType {
        self.packet_type
    }

    /// Bytes left before the end of this cursor's window.
    pub(crate) fn remaining(&self) -> usize {
        self.end.saturating_sub(self.pos)
    }

    /// True when nothing is left.
    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.end
    }

    /// The current offset in the body.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    fn eof(&self, field: &'static str) -> DecodeError {
        DecodeError::UnexpectedEnd {
            packet_type: self.packet_type,
            field,
        }
    }

    /// Takes `n` bytes as a raw view.
    pub(crate) fn take(&mut self, n: usize, field: &'static str) -> Result<&'r [u8], DecodeError> {
        if n > self.remaining() {
            return Err(self.eof(field));
        }
        let start = self.pos;
        self.pos = self.pos.saturating_add(n);
        self.data
            .get(start..self.pos)
            .ok_or_else(|| self.eof(field))
    }

    /// Reads one byte.
    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        let b = self
            .data
            .get(self.pos)
            .copied()
            .filter(|_| self.pos < self.end);
        let b = b.ok_or_else(|| self.eof(field))?;
        self.pos = self.pos.saturating_add(1);
        Ok(b)
    }

    /// Reads a Two Byte Integer (§1.5.2).
    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        let b = self.take(2, field)?;
        Ok(u16::from_be_bytes([
            b.first().copied().unwrap_or(0),
            b.get(1).copied().unwrap_or(0),
        ]))
    }

    /// Reads a Four Byte Integer (§1.5.3).
    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        let b = self.take(4, field)?;
        let mut out = [0u8; 4];
        out.copy_from_slice(b);
        Ok(u32::from_be_bytes(out))
    }

    /// Reads a Variable Byte Integer (§1.5.5), rejecting forms longer than four bytes and,
    /// per [MQTT-1.5.5-1], non-minimal ones.
    pub(crate) fn varint(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        let window = self.data.get(self.pos..self.end).unwrap_or_default();
        match read_varint(window) {
            Ok((value, used)) => {
                self.pos = self.pos.saturating_add(used);
                Ok(value)
            }
            Err(VarIntError::Incomplete) => Err(self.eof(field)),
            Err(VarIntError::TooLong) => Err(DecodeError::VarIntTooLong { field }),
            Err(VarIntError::NonMinimal) => Err(DecodeError::NonMinimalVarInt { field }),
        }
    }

    /// Reads Binary Data (§1.5.6): a Two Byte Integer length and that many bytes.
    pub(crate) fn binary(&mut self, field: &'static str) -> Result<&'r [u8], DecodeError> {
        let len = usize::from(self.u16(field)?);
        self.take(len, field)
    }

    /// Reads a UTF-8 Encoded String (§1.5.4), checked for well-formedness and U+0000.
    pub(crate) fn string(&mut self, field: &'static str) -> Result<MqttStr<&'r [u8]>, DecodeError> {
        self.string_unless(field, |b| is_plain_ascii(b, []))
            .map(|(s, _)| s)
    }

    /// Like [`Reader::string`], also returning the text, so that callers checking it further
    /// (topic rules) do not validate the UTF-8 a second time.
    pub(crate) fn string_and_str(
        &mut self,
        field: &'static str,
    ) -> Result<(MqttStr<&'r [u8]>, &'r str), DecodeError> {
        let len = usize::from(self.u16(field)?);
        let start = self.pos;
        let raw = self.take(len, field)?;
        let text = validate_str(raw).map_err(|e| match e {
            StrError::InvalidUtf8 => DecodeError::InvalidUtf8 { field },
            StrError::NullCharacter => DecodeError::NullCharacter { field },
            StrError::TooLong => DecodeError::UnexpectedEnd {
                packet_type: self.packet_type,
                field,
            },
        })?;
        Ok((MqttStr::from_validated(self.slice(start, self.pos)), text))
    }

    /// Reads a UTF-8 Encoded String, taken as checked when `plain` holds for its bytes (a
    /// caller's one-pass test that implies every rule of [`Reader::string`] and its own), and
    /// otherwise checked as [`Reader::string_and_str`] does, with its text for the caller's
    /// further checks.
    #[inline(always)]
    pub(crate) fn string_unless(
        &mut self,
        field: &'static str,
        plain: impl Fn(&[u8]) -> bool,
    ) -> Result<(MqttStr<&'r [u8]>, Option<&'r str>), DecodeError> {
        let mut peek = *self;
        let len = usize::from(peek.u16(field)?);
        let start = peek.pos;
        if plain(peek.take(len, field)?) {
            self.pos = peek.pos;
            return Ok((MqttStr::from_validated(self.slice(start, self.pos)), None));
        }
        self.string_and_str(field).map(|(s, text)| (s, Some(text)))
    }

    /// Everything left.
    pub(crate) fn rest(&mut self) -> &'r [u8] {
        let start = self.pos;
        self.pos = self.end;
        self.slice(start, self.end)
    }

    /// Splits off a window of the next `len` bytes; this cursor skips past it.
    pub(crate) fn split(
        &mut self,
        len: usize,
        field: &'static str,
    ) -> Result<Reader<'r>, DecodeError> {
        if len > self.remaining() {
            return Err(self.eof(field));
        }
        let sub = Reader {
            data: self.data,
            pos: self.pos,
            end: self.pos.saturating_add(len),
            packet_type: self.packet_type,
        };
        self.pos = self.pos.saturating_add(len);
        Ok(sub)
    }

    /// The bytes `start..end` of the body (offsets from [`Reader::position`]).
    pub(crate) fn slice(&self, start: usize, end: usize) -> &'r [u8] {
        self.data.get(start..end).unwrap_or_default()
    }

    /// Fails with [`DecodeError::TrailingBytes`] unless everything was consumed (RL-5).
    pub(crate) fn finish(&self) -> Result<(), DecodeError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes {
                packet_type: self.packet_type,
                count: self.remaining(),
            })
        }
    }
}
