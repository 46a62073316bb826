//! Owned packets with as few shared-buffer reference counts as the packet allows.
//!
//! An owned packet's byte fields are [`Bytes`] slices of its frame, and every slice made and
//! dropped is an atomic increment and decrement of the frame's reference count. A profile
//! of the streaming decoder (perf, 1 MiB of PUBLISH and PUBACK in 64 KiB reads) put a third
//! of its time in those atomics. So:
//!
//! - the acknowledgements (PUBACK, PUBREC, PUBREL, PUBCOMP) and PINGREQ / PINGRESP are
//!   parsed from a borrowed view of the receive buffer and need no frame at all
//!   ([`frameless`], [`parse_frameless`]): they hold no bytes, or (a 5.0 Reason String or
//!   User Property, which is rare) a copy of the few they hold;
//! - a PUBLISH takes its frame by value: its payload is the frame itself, advanced past the
//!   variable header, instead of one more slice ([`parse_owned_body`]).
//!
//! Both use the packet types' own readers, the same as every other path, so the rules
//! checked are the same; only how the owned fields are made differs.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::DecodeError;
use crate::packet::subscribe::Subscription;
use crate::packet::{parse_body, parse_small_body, Packet, ParseCtx, Publish};
use crate::packet_source::{NextFn, PacketSource};
use crate::packet_type::PacketType;
use crate::parse::{whole_frame, ParseOptions, Status};
use crate::properties::UserProperty;
use crate::reason::ReasonCode;
use crate::storage::Owned;
use crate::string::MqttStr;
use crate::wire::reader::{Reader, Source};
use bytes::{Buf, Bytes};
use core::cell::Cell;

/// Parses one whole packet at the start of `buf` into an owned [`Packet`] whose fields are
/// zero-copy slices of `buf`: for a caller that already holds the bytes in a [`Bytes`] (a
/// WebSocket frame, a datagram, a binding's copy) and needs no streaming [`crate::Decoder`].
///
/// Returns the packet and the number of bytes it used, or `Partial(n)` when at least `n` more
/// bytes are needed.
///
/// ```
/// use bytes::Bytes;
/// use mqtt_codec::{parse_bytes, Packet, ParseOptions, ProtocolVersion, Status};
///
/// let frame = Bytes::from_static(&[0x40, 0x02, 0x00, 0x07]);
/// let opts = ParseOptions::new(ProtocolVersion::V3_1_1);
/// let Status::Complete((Packet::PubAck(ack), 4)) = parse_bytes(&frame, &opts)? else { panic!() };
/// assert_eq!(ack.packet_id.get(), 7);
/// # Ok::<(), mqtt_codec::DecodeError>(())
/// ```
pub fn parse_bytes(
    buf: &Bytes,
    opts: &ParseOptions,
) -> Result<Status<(Packet, usize)>, DecodeError> {
    parse_owned(buf, opts, |frame| buf.slice_ref(frame))
}

/// Parses one whole packet at the start of `buf` into an owned [`Packet`], for bytes that are
/// not in a [`Bytes`] yet: `to_bytes` turns the packet's frame (`buf[..used]`) into one, and
/// is called only when the packet keeps bytes of it (never for the acknowledgements,
/// PINGREQ and PINGRESP, which are read in place). It must return the frame's bytes. Pass
/// `Bytes::copy_from_slice` to copy the frame, or a function that shares a buffer the
/// caller owns.
///
/// ```
/// use bytes::Bytes;
/// use mqtt_codec::{parse_owned, Packet, ParseOptions, ProtocolVersion, Status};
///
/// let received = [0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', b'h', b'i', 0xC0];
/// let opts = ParseOptions::new(ProtocolVersion::V3_1_1);
/// let Status::Complete((Packet::Publish(p), 9)) =
///     parse_owned(&received, &opts, Bytes::copy_from_slice)?
/// else {
///     panic!()
/// };
/// assert_eq!((p.topic.as_str(), &p.payload[..]), ("a/b", &b"hi"[..]));
/// # Ok::<(), mqtt_codec::DecodeError>(())
/// ```
pub fn parse_owned(
    buf: &[u8],
    opts: &ParseOptions,
    to_bytes: impl FnOnce(&[u8]) -> Bytes,
) -> Result<Status<(Packet, usize)>, DecodeError> {
    let (header, frame, ctx) = match whole_frame(buf, opts)? {
        Status::Complete(parts) => parts,
        Status::Partial(n) => return Ok(Status::Partial(n)),
    };
    let total = frame.len();
    if frameless(header.packet_type) {
        let body = frame.get(header.header_len..).unwrap_or_default();
        let packet = parse_frameless(header.packet_type, body, &ctx)?;
        return Ok(Status::Complete((packet, total)));
    }
    let mut body = to_bytes(frame);
    // Advancing an owned `Bytes` touches no reference count, unlike slicing it.
    body.advance(header.header_len.min(body.len()));
    let packet = parse_owned_body(header.packet_type, body, &ctx)?;
    Ok(Status::Complete((packet, total)))
}

/// Parses one whole packet at the start of `buf` into an owned [`Packet`] whose byte fields
/// are copies, each in its own allocation, with no frame shared between them.
///
/// [`parse_owned`] copies the frame once and slices it, and every slice made and dropped is
/// an atomic increment and decrement of the frame's reference count. For a small packet
/// whose fields are read once and let go (a language binding, a log line) one small copy
/// per field costs less than those atomics. For a large payload, or fields kept for long,
/// prefer [`parse_owned`]: it copies the frame once, or not at all.
///
/// ```
/// use mqtt_codec::{parse_copied, Packet, ParseOptions, ProtocolVersion, Status};
///
/// let received = [0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', b'h', b'i'];
/// let opts = ParseOptions::new(ProtocolVersion::V3_1_1);
/// let Status::Complete((Packet::Publish(p), 9)) = parse_copied(&received, &opts)? else {
///     panic!()
/// };
/// assert_eq!((p.topic.as_str(), &p.payload[..]), ("a/b", &b"hi"[..]));
/// # Ok::<(), mqtt_codec::DecodeError>(())
/// ```
pub fn parse_copied(
    buf: &[u8],
    opts: &ParseOptions,
) -> Result<Status<(Packet, usize)>, DecodeError> {
    let (header, frame, ctx) = match whole_frame(buf, opts)? {
        Status::Complete(parts) => parts,
        Status::Partial(n) => return Ok(Status::Partial(n)),
    };
    let body = frame.get(header.header_len..).unwrap_or_default();
    let packet = if frameless(header.packet_type) {
        parse_frameless(header.packet_type, body, &ctx)?
    } else {
        parse_body(header.packet_type, CopySource(body), &ctx)?
    };
    Ok(Status::Complete((packet, frame.len())))
}

/// The item readers of an owned source: owned lists hold their items, so none is needed.
macro_rules! owned_list_readers {
    ($a:lifetime) => {
        fn next_subscription_id() -> NextFn<$a, Self, u32> {
            |_, _| None
        }
        fn next_user_property() -> NextFn<$a, Self, UserProperty<Owned>> {
            |_, _| None
        }
        fn next_subscription() -> NextFn<$a, Self, Subscription<Owned>> {
            |_, _| None
        }
        fn next_filter() -> NextFn<$a, Self, MqttStr<Bytes>> {
            |_, _| None
        }
        fn next_code() -> NextFn<$a, Self, ReasonCode> {
            |_, _| None
        }
    };
}

/// The slice `start..end` of `bytes`, empty when out of range (the reader checked it).
fn bytes_slice(bytes: &Bytes, start: usize, end: usize) -> Bytes {
    if start <= end && end <= bytes.len() {
        Bytes::slice(bytes, start..end)
    } else {
        Bytes::new()
    }
}

impl<'a> Source<'a> for &'a Bytes {
    type Bytes = Bytes;
    fn data(self) -> &'a [u8] {
        self
    }
    fn slice(self, start: usize, end: usize) -> Bytes {
        bytes_slice(self, start, end)
    }
}

impl<'a> PacketSource<'a> for &'a Bytes {
    type S = Owned;
    owned_list_readers!('a);
}

/// An owned body whose rest (a PUBLISH payload) is not sliced: the reader records where it
/// starts and the caller, who owns the frame, moves the frame itself in. A slice is an atomic
/// reference-count increment now and a decrement later; this saves both.
#[derive(Clone, Copy)]
pub(crate) struct MovingBody<'a> {
    /// The body.
    pub(crate) bytes: &'a Bytes,
    /// Where the rest starts, once read.
    pub(crate) rest_at: &'a Cell<Option<usize>>,
}

impl<'a> Source<'a> for MovingBody<'a> {
    type Bytes = Bytes;
    fn data(self) -> &'a [u8] {
        self.bytes
    }
    fn slice(self, start: usize, end: usize) -> Bytes {
        bytes_slice(self.bytes, start, end)
    }
    fn rest(self, start: usize, end: usize) -> Bytes {
        if end == self.bytes.len() && start <= end {
            self.rest_at.set(Some(start));
            Bytes::new()
        } else {
            self.slice(start, end)
        }
    }
}

impl<'a> PacketSource<'a> for MovingBody<'a> {
    type S = Owned;
    owned_list_readers!('a);
}

/// An owned packet parsed from a borrowed view: a field is a copy. For packets that hold no
/// bytes (acknowledgements without properties, PINGREQ, PINGRESP), so that nothing is copied
/// and no shared frame is made at all.
#[derive(Clone, Copy)]
pub(crate) struct CopySource<'a>(pub(crate) &'a [u8]);

impl<'a> Source<'a> for CopySource<'a> {
    type Bytes = Bytes;
    fn data(self) -> &'a [u8] {
        self.0
    }
    fn slice(self, start: usize, end: usize) -> Bytes {
        self.0
            .get(start..end)
            .map(Bytes::copy_from_slice)
            .unwrap_or_default()
    }
}

impl<'a> PacketSource<'a> for CopySource<'a> {
    type S = Owned;
    owned_list_readers!('a);
}

/// True for the packet types parsed in place ([`parse_frameless`]): the acknowledgements
/// and the pings.
pub(crate) fn frameless(packet_type: PacketType) -> bool {
    matches!(
        packet_type,
        PacketType::PubAck
            | PacketType::PubRec
            | PacketType::PubRel
            | PacketType::PubComp
            | PacketType::PingReq
            | PacketType::PingResp
    )
}

/// Parses a body for which [`frameless`] is true from a borrowed view; a byte field (a 5.0
/// Reason String or User Property) is a copy.
#[inline]
pub(crate) fn parse_frameless(
    packet_type: PacketType,
    body: &[u8],
    ctx: &ParseCtx,
) -> Result<Packet, DecodeError> {
    match parse_small_body(packet_type, CopySource(body), ctx)? {
        Some(packet) => Ok(packet),
        // Not reached (`frameless` admits only what `parse_small_body` reads); the general
        // parse is right for any type.
        None => parse_body(packet_type, CopySource(body), ctx),
    }
}

/// Parses the body of an owned packet (the frame without its fixed header), taking it by
/// value so that a PUBLISH's payload is the frame itself rather than a new slice of it.
#[inline(always)]
pub(crate) fn parse_owned_body(
    packet_type: PacketType,
    mut body: Bytes,
    ctx: &ParseCtx,
) -> Result<Packet, DecodeError> {
    if packet_type != PacketType::Publish {
        return parse_body(packet_type, &body, ctx);
    }
    let rest_at = Cell::new(None);
    let source = MovingBody {
        bytes: &body,
        rest_at: &rest_at,
    };
    // The PUBLISH reader itself rather than the whole dispatch: the packet is built once,
    // with its payload, and moved once.
    let mut r = Reader::new(source, packet_type);
    let mut publish = Publish::read(&mut r, ctx)?;
    r.finish()?;
    if let Some(at) = rest_at.get() {
        // `at` is within the body: the reader recorded it after its bounds check.
        body.advance(at.min(body.len()));
        publish.payload = body;
    }
    Ok(Packet::Publish(publish))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::ProtocolVersion;

    fn ctx(version: ProtocolVersion, flags: u8) -> ParseCtx {
        ParseCtx {
            version,
            receiver: None,
            flags,
            bridges: false,
        }
    }

    /// The fast paths give what the general owned parse gives, packets and errors alike.
    #[test]
    fn fast_paths_agree_with_the_general_parse() {
        let v5 = ProtocolVersion::V5;
        let v311 = ProtocolVersion::V3_1_1;
        let publishes: [(&[u8], ProtocolVersion, u8); 5] = [
            (b"\x00\x03a/bhello", v311, 0),
            (b"\x00\x03a/b\x00\x07hello", v311, 0b0010),
            (b"\x00\x03a/b\x00hi", v5, 0),
            (b"\x00\x03a/b\x03\x01\x01\x00hi", v5, 0),
            (b"\x00\x03a/+hi", v311, 0),
        ];
        for (body, version, flags) in publishes {
            let c = ctx(version, flags);
            let general = parse_body(PacketType::Publish, &Bytes::copy_from_slice(body), &c);
            let fast = parse_owned_body(PacketType::Publish, Bytes::copy_from_slice(body), &c);
            assert_eq!(fast, general, "{body:?}");
        }
        let acks: [(&[u8], ProtocolVersion); 6] = [
            (b"\x00\x07", v311),
            (b"\x00\x07\x10", v5),
            (b"\x00\x07\x05", v5),
            (b"\x00\x00", v311),
            (b"\x00\x07\x10\x00", v5),
            (b"\x00\x07\x80\x05\x1F\x00\x02no", v5),
        ];
        for (body, version) in acks {
            let c = ctx(version, 0);
            assert!(frameless(PacketType::PubAck));
            let general = parse_body(PacketType::PubAck, &Bytes::copy_from_slice(body), &c);
            assert_eq!(
                parse_frameless(PacketType::PubAck, body, &c),
                general,
                "{body:?}"
            );
        }
        assert!(!frameless(PacketType::Publish));
    }
}
