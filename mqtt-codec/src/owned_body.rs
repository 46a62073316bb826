//! Owned packets as a conversion of the one parser's borrowed views, with as few
//! shared-buffer reference counts as the packet allows.
//!
//! Every packet is parsed by [`crate::parse`]'s parser into a [`PacketRef`]; an owned packet
//! is that view made owned ([`PacketRef::to_owned`], [`PacketRef::to_shared`]). A byte field
//! of an owned packet is a [`Bytes`] slice of its frame, and every slice made and dropped is
//! an atomic increment and decrement of the frame's reference count (a third of a streaming
//! decode's time once, in perf). So the conversion:
//!
//! - makes the acknowledgements (PUBACK, PUBREC, PUBREL, PUBCOMP) and PINGREQ / PINGRESP
//!   with no frame at all ([`frameless`]): they hold no bytes, or (a 5.0 Reason String or
//!   User Property, which is rare) a copy of the few they hold;
//! - gives a PUBLISH the frame itself as its payload, advanced past the variable header,
//!   instead of one more slice ([`owned_from_frame`]).

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::DecodeError;
use crate::packet::{parse_body, parse_publish_body, Packet, PacketRef, ParseCtx};
use crate::packet_type::PacketType;
use crate::parse::{parse, ParseOptions, Status};
use crate::to_owned::{with_payload, Owner};
use bytes::Bytes;

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
    Ok(match parse(buf, opts)? {
        Status::Complete((view, used)) => Status::Complete((view.to_shared(buf), used)),
        Status::Partial(n) => Status::Partial(n),
    })
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
    let (view, used) = match parse(buf, opts)? {
        Status::Complete(parsed) => parsed,
        Status::Partial(n) => return Ok(Status::Partial(n)),
    };
    let frame = buf.get(..used).unwrap_or_default();
    if holds_no_bytes(&view) {
        return Ok(Status::Complete((
            Owner::copying().packet(&view, false),
            used,
        )));
    }
    let owned = to_bytes(frame);
    let owner = Owner::sharing(frame, &owned);
    let packet = match &view {
        PacketRef::Publish(view) => {
            let mut publish = owner.publish(view, true);
            with_payload(&mut publish, owned, view.payload.len());
            Packet::Publish(publish)
        }
        other => owner.packet(other, false),
    };
    Ok(Status::Complete((packet, used)))
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
    Ok(match parse(buf, opts)? {
        Status::Complete((view, used)) => Status::Complete((view.to_owned(), used)),
        Status::Partial(n) => Status::Partial(n),
    })
}

/// True for the packet types that hold no byte of their frame, or a rare few worth a copy:
/// the acknowledgements and the pings, made owned without a frame.
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

/// True when `view` is a packet [`frameless`] admits.
fn holds_no_bytes(view: &PacketRef<'_>) -> bool {
    frameless(view.packet_type())
}

/// The owned packet of a body the decoder split off its buffer (the frame without its fixed
/// header), parsed into a view of `frame` and made owned with `frame` as its storage:
/// fields are slices of it, and a PUBLISH's payload is `frame` itself.
#[inline(always)]
pub(crate) fn owned_from_frame(
    packet_type: PacketType,
    frame: Bytes,
    ctx: &ParseCtx,
) -> Result<Packet, DecodeError> {
    if packet_type != PacketType::Publish {
        let view = parse_body(packet_type, &frame[..], ctx)?;
        return Ok(Owner::sharing(&frame, &frame).packet(&view, false));
    }
    // The PUBLISH reader itself rather than the whole dispatch, the packet built once.
    let (mut publish, payload_len) = {
        let view = parse_publish_body(&frame, ctx)?;
        let owned = Owner::sharing(&frame, &frame).publish(&view, true);
        (owned, view.payload.len())
    };
    with_payload(&mut publish, frame, payload_len);
    Ok(Packet::Publish(publish))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::version::ProtocolVersion;

    /// Every owned path gives the packet the view copied gives, and keeps no more of the
    /// frame than a PUBLISH's payload needs.
    #[test]
    fn owned_paths_agree_with_the_copied_view() {
        let v5 = ParseOptions::new(ProtocolVersion::V5);
        let v311 = ParseOptions::new(ProtocolVersion::V3_1_1);
        let cases: [(&[u8], &ParseOptions); 8] = [
            (b"\x30\x0a\x00\x03a/bhello", &v311),
            (b"\x32\x0c\x00\x03a/b\x00\x07hello", &v311),
            (b"\x30\x06\x00\x03a/b\x00", &v5),
            (b"\x30\x0a\x00\x03a/b\x02\x01\x01hi", &v5),
            (b"\x40\x02\x00\x07", &v311),
            (b"\x40\x03\x00\x07\x10", &v5),
            (b"\x40\x09\x00\x07\x80\x05\x1F\x00\x02no", &v5),
            (b"\xd0\x00", &v311),
        ];
        for (frame, opts) in cases {
            let Ok(Status::Complete((view, used))) = parse(frame, opts) else {
                panic!("{frame:?}")
            };
            assert_eq!(used, frame.len());
            let expected = view.to_owned();
            let shared = Bytes::copy_from_slice(frame);
            let ok = |p: Result<Status<(Packet, usize)>, DecodeError>| match p {
                Ok(Status::Complete((packet, n))) if n == used => packet,
                other => panic!("{frame:?}: {other:?}"),
            };
            assert_eq!(ok(parse_bytes(&shared, opts)), expected);
            assert_eq!(
                ok(parse_owned(frame, opts, Bytes::copy_from_slice)),
                expected
            );
            assert_eq!(ok(parse_copied(frame, opts)), expected);
            let body = shared.slice(2..);
            let ctx = crate::packet::ParseCtx::new(opts.version, None, frame[0] & 0x0F);
            let packet_type = view.packet_type();
            let from_frame = owned_from_frame(packet_type, body.clone(), &ctx);
            assert_eq!(from_frame, Ok(expected), "{frame:?}");
        }
    }

    /// A PUBLISH made owned from its frame has the frame's own bytes as its payload.
    #[test]
    fn a_publish_payload_is_the_frame_itself() {
        let frame = Bytes::from_static(b"\x00\x03a/bhello");
        let ctx = crate::packet::ParseCtx::new(Some(ProtocolVersion::V3_1_1), None, 0);
        let packet = owned_from_frame(PacketType::Publish, frame.clone(), &ctx);
        let Ok(Packet::Publish(p)) = packet else {
            panic!("{packet:?}")
        };
        assert_eq!(p.payload.as_ptr(), frame[5..].as_ptr());
        assert_eq!(p.topic.as_str().as_ptr(), frame[2..].as_ptr());
    }
}
