//! One cursor over a packet body that owns every bounds check of the parsers.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::DecodeError;
use crate::packet_type::PacketType;
use crate::string::{is_plain_ascii, validate_str, MqttStr, StrError};
use crate::topic::{check_topic_name, is_plain_topic_name};
use crate::wire::varint::{read_varint, VarIntError};

/// A bounds-checked cursor over the window `data[..end]` of a body, `rest` being what is
/// left of it: taking `n` bytes is one length test and a split, and the position in the
/// body is derived (`end` minus what is left).
#[derive(Clone, Copy)]
pub(crate) struct Reader<'r> {
    data: &'r [u8],
    rest: &'r [u8],
    end: usize,
    packet_type: PacketType,
}

impl<'r> Reader<'r> {
    /// A cursor over the whole body of a packet of type `packet_type`.
    pub(crate) fn new(data: &'r [u8], packet_type: PacketType) -> Self {
        Reader {
            data,
            rest: data,
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
        self.rest.len()
    }

    /// True when nothing is left.
    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The current offset in the body.
    pub(crate) fn position(&self) -> usize {
        self.end.saturating_sub(self.rest.len())
    }

    fn eof(&self, field: &'static str) -> DecodeError {
        DecodeError::UnexpectedEnd {
            packet_type: self.packet_type,
            field,
        }
    }

    /// Takes `n` bytes as a raw view.
    pub(crate) fn take(&mut self, n: usize, field: &'static str) -> Result<&'r [u8], DecodeError> {
        let Some((taken, rest)) = self.rest.split_at_checked(n) else {
            return Err(self.eof(field));
        };
        self.rest = rest;
        Ok(taken)
    }

    /// Reads one byte.
    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        let Some((&b, rest)) = self.rest.split_first() else {
            return Err(self.eof(field));
        };
        self.rest = rest;
        Ok(b)
    }

    /// Reads a Two Byte Integer (§1.5.2).
    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        let Some((b, rest)) = self.rest.split_first_chunk::<2>() else {
            return Err(self.eof(field));
        };
        self.rest = rest;
        Ok(u16::from_be_bytes(*b))
    }

    /// Reads a Four Byte Integer (§1.5.3).
    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        let Some((b, rest)) = self.rest.split_first_chunk::<4>() else {
            return Err(self.eof(field));
        };
        self.rest = rest;
        Ok(u32::from_be_bytes(*b))
    }

    /// Reads a Variable Byte Integer (§1.5.5), rejecting forms longer than four bytes and,
    /// per [MQTT-1.5.5-1], non-minimal ones.
    pub(crate) fn varint(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        match read_varint(self.rest) {
            Ok((value, used)) => {
                self.rest = self.rest.get(used..).unwrap_or_default();
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
    fn string_and_str(
        &mut self,
        field: &'static str,
    ) -> Result<(MqttStr<&'r [u8]>, &'r str), DecodeError> {
        let len = usize::from(self.u16(field)?);
        let raw = self.take(len, field)?;
        let text = validate_str(raw).map_err(|e| match e {
            StrError::InvalidUtf8 => DecodeError::InvalidUtf8 { field },
            StrError::NullCharacter => DecodeError::NullCharacter { field },
            StrError::TooLong => DecodeError::UnexpectedEnd {
                packet_type: self.packet_type,
                field,
            },
        })?;
        Ok((MqttStr::from_validated(raw), text))
    }

    /// Reads a topic name (a will's, a Response Topic): a non-empty string without
    /// wildcards, checked in one pass when it is plain ASCII.
    pub(crate) fn topic_name(
        &mut self,
        field: &'static str,
    ) -> Result<MqttStr<&'r [u8]>, DecodeError> {
        let (name, text) = self.string_unless(field, is_plain_topic_name)?;
        if let Some(text) = text {
            check_topic_name(text)
                .map_err(|reason| DecodeError::InvalidTopicName { field, reason })?;
        }
        Ok(name)
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
        let raw = peek.take(len, field)?;
        if plain(raw) {
            self.rest = peek.rest;
            return Ok((MqttStr::from_validated(raw), None));
        }
        self.string_and_str(field).map(|(s, text)| (s, Some(text)))
    }

    /// Everything left.
    pub(crate) fn rest(&mut self) -> &'r [u8] {
        // Cut from the body, not moved out of `rest`: the last field read stored `rest` a
        // word at a time just before, and a view copied out of it in one wide load waits
        // for those stores to reach the cache (a third of a small PUBLISH's parse).
        let rest = self.slice(self.position(), self.end);
        self.rest = &[];
        rest
    }

    /// Splits off a window of the next `len` bytes; this cursor skips past it.
    pub(crate) fn split(
        &mut self,
        len: usize,
        field: &'static str,
    ) -> Result<Reader<'r>, DecodeError> {
        let end = self.position().saturating_add(len);
        let window = self.take(len, field)?;
        Ok(Reader {
            data: self.data,
            rest: window,
            end,
            packet_type: self.packet_type,
        })
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
