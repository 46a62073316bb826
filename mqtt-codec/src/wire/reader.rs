//! One cursor over a packet body that owns every bounds check of the parsers.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::DecodeError;
use crate::packet::subscribe::{read_subscription, Subscription};
use crate::packet::unsubscribe::read_filter;
use crate::packet_type::PacketType;
use crate::properties::{next_in_section, PropertyId, UserProperty};
use crate::reason::ReasonCode;
use crate::storage::{Borrowed, Storage};
use crate::string::{validate_str, MqttStr, StrError};
use crate::version::ProtocolVersion;
use crate::wire::varint::{read_varint, VarIntError};

/// Where the bytes of a body come from, and how a field becomes a slice of them: a view of
/// the caller's buffer, or a zero-copy [`Bytes`] slice of the decoder's frame.
pub(crate) trait Source<'r>: Copy {
    /// The storage of the packets built from this source.
    type S: Storage;
    /// The body bytes.
    fn data(self) -> &'r [u8];
    /// The field at `start..end` as the storage's byte type. The caller has checked bounds.
    fn slice(self, start: usize, end: usize) -> <Self::S as Storage>::Bytes;
    /// The rest of the body from `start` (a PUBLISH payload): a slice, unless the source
    /// leaves it to its owner (see [`MovingBody`]).
    fn rest(self, start: usize, end: usize) -> <Self::S as Storage>::Bytes {
        self.slice(start, end)
    }

    /// How a borrowed list of Subscription Identifiers reads its next item.
    fn next_subscription_id() -> NextFn<'r, Self, u32>;
    /// How a borrowed list of User Properties reads its next item.
    fn next_user_property() -> NextFn<'r, Self, UserProperty<Self::S>>;
    /// How a borrowed list of subscriptions reads its next item.
    fn next_subscription() -> NextFn<'r, Self, Subscription<Self::S>>;
    /// How a borrowed list of UNSUBSCRIBE filters reads its next item.
    fn next_filter() -> NextFn<'r, Self, MqttStr<SrcBytes<'r, Self>>>;
    /// How a borrowed list of reason codes reads its next item.
    fn next_code() -> NextFn<'r, Self, ReasonCode>;
}

/// The item reader stored in a borrowed list (unused by owned lists, which hold the items).
pub(crate) type NextFn<'r, Src, T> = fn(&mut SrcBytes<'r, Src>, u8) -> Option<T>;

/// Reads one item of an already validated region and advances past it.
fn next_item<'a, T>(
    raw: &mut &'a [u8],
    packet_type: PacketType,
    read: impl FnOnce(&mut Reader<'a, &'a [u8]>) -> Result<T, DecodeError>,
) -> Option<T> {
    let mut r = Reader::new(*raw, packet_type);
    let item = read(&mut r).ok()?;
    *raw = raw.get(r.position()..).unwrap_or_default();
    Some(item)
}

/// The version a list's context byte stands for (its protocol level).
fn version_of(level: u8) -> ProtocolVersion {
    match level {
        3 => ProtocolVersion::V3_1,
        5 => ProtocolVersion::V5,
        _ => ProtocolVersion::V3_1_1,
    }
}

impl<'a> Source<'a> for &'a [u8] {
    type S = Borrowed<'a>;
    fn data(self) -> &'a [u8] {
        self
    }
    fn slice(self, start: usize, end: usize) -> &'a [u8] {
        self.get(start..end).unwrap_or_default()
    }
    fn next_subscription_id() -> NextFn<'a, Self, u32> {
        |raw, _| {
            next_in_section(raw, PropertyId::SubscriptionIdentifier, |r| {
                r.varint("").ok()
            })
        }
    }
    fn next_user_property() -> NextFn<'a, Self, UserProperty<Borrowed<'a>>> {
        |raw, _| {
            next_in_section(raw, PropertyId::UserProperty, |r| {
                Some(UserProperty {
                    name: r.string("").ok()?,
                    value: r.string("").ok()?,
                })
            })
        }
    }
    fn next_subscription() -> NextFn<'a, Self, Subscription<Borrowed<'a>>> {
        |raw, level| {
            next_item(raw, PacketType::Subscribe, |r| {
                read_subscription(r, version_of(level))
            })
        }
    }
    fn next_filter() -> NextFn<'a, Self, MqttStr<&'a [u8]>> {
        |raw, _| next_item(raw, PacketType::Unsubscribe, read_filter)
    }
    fn next_code() -> NextFn<'a, Self, ReasonCode> {
        |raw, _| {
            let (&first, rest) = raw.split_first()?;
            *raw = rest;
            ReasonCode::from_u8(first)
        }
    }
}

/// The storage's byte type of a source.
pub(crate) type SrcBytes<'r, Src> = <<Src as Source<'r>>::S as Storage>::Bytes;

/// A bounds-checked cursor over `data[pos..end]`.
pub(crate) struct Reader<'r, Src: Source<'r>> {
    src: Src,
    data: &'r [u8],
    pos: usize,
    end: usize,
    packet_type: PacketType,
}

impl<'r, Src: Source<'r>> Reader<'r, Src> {
    /// A cursor over the whole body of a packet of type `packet_type`.
    pub(crate) fn new(src: Src, packet_type: PacketType) -> Self {
        let data = src.data();
        Reader {
            src,
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

    /// Takes `n` bytes as a storage slice.
    pub(crate) fn take_slice(
        &mut self,
        n: usize,
        field: &'static str,
    ) -> Result<SrcBytes<'r, Src>, DecodeError> {
        if n > self.remaining() {
            return Err(self.eof(field));
        }
        let start = self.pos;
        self.pos = self.pos.saturating_add(n);
        Ok(self.src.slice(start, self.pos))
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
    pub(crate) fn binary(&mut self, field: &'static str) -> Result<SrcBytes<'r, Src>, DecodeError> {
        let len = usize::from(self.u16(field)?);
        self.take_slice(len, field)
    }

    /// Reads Binary Data as a view of the body, for a field that is only inspected (the
    /// protocol name): no storage slice, so no reference count on an owned frame.
    pub(crate) fn binary_view(&mut self, field: &'static str) -> Result<&'r [u8], DecodeError> {
        let len = usize::from(self.u16(field)?);
        self.take(len, field)
    }

    /// Reads a UTF-8 Encoded String (§1.5.4), checked for well-formedness and U+0000.
    pub(crate) fn string(
        &mut self,
        field: &'static str,
    ) -> Result<MqttStr<SrcBytes<'r, Src>>, DecodeError> {
        self.string_and_str(field).map(|(s, _)| s)
    }

    /// Like [`Reader::string`], also returning the text, so that callers checking it further
    /// (topic rules) do not validate the UTF-8 a second time.
    pub(crate) fn string_and_str(
        &mut self,
        field: &'static str,
    ) -> Result<(MqttStr<SrcBytes<'r, Src>>, &'r str), DecodeError> {
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
        Ok((
            MqttStr::from_validated(self.src.slice(start, self.pos)),
            text,
        ))
    }

    /// Everything left, as a storage slice.
    pub(crate) fn rest(&mut self) -> SrcBytes<'r, Src> {
        let start = self.pos;
        self.pos = self.end;
        self.src.rest(start, self.end)
    }

    /// Splits off a window of the next `len` bytes; this cursor skips past it.
    pub(crate) fn split(
        &mut self,
        len: usize,
        field: &'static str,
    ) -> Result<Reader<'r, Src>, DecodeError> {
        if len > self.remaining() {
            return Err(self.eof(field));
        }
        let sub = Reader {
            src: self.src,
            data: self.data,
            pos: self.pos,
            end: self.pos.saturating_add(len),
            packet_type: self.packet_type,
        };
        self.pos = self.pos.saturating_add(len);
        Ok(sub)
    }

    /// The storage slice `start..end` of the body (offsets from [`Reader::position`]).
    pub(crate) fn slice(&self, start: usize, end: usize) -> SrcBytes<'r, Src> {
        self.src.slice(start, end)
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
