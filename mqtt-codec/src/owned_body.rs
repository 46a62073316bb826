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
//! - gives a PUBLISH the frame itself as its payload, advanced past the fixed and variable
//!   headers, instead of one more slice ([`owned_from_frame`]).

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::DecodeError;
use crate::packet::{
    parse_body, parse_connect_body, parse_publish_body, Packet, ParseCtx, Publish,
};
use crate::packet_type::PacketType;
use crate::to_owned::Owner;
use crate::version::Role;
use alloc::boxed::Box;
use bytes::Bytes;

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

/// The owned packet of a frame the decoder split off its buffer, whose body starts at
/// `body_start` (after the fixed header), parsed into a view of `frame` and made owned with
/// `frame` as its storage: fields are slices of it, and a PUBLISH's payload is `frame`
/// itself. (The header stays in `frame`: a PUBLISH advances past it with everything else
/// before its payload, in one step.)
#[inline(always)]
pub(crate) fn owned_from_frame(
    packet_type: PacketType,
    frame: Bytes,
    body_start: usize,
    ctx: &ParseCtx,
) -> Result<Packet, DecodeError> {
    let body = frame.get(body_start..).unwrap_or_default();
    if packet_type == PacketType::Connect && Role::Server.is_enabled() {
        // Its fields made owned as they are read, not read again from a view.
        let connect = parse_connect_body(body, ctx)?;
        return Ok(Packet::Connect(Box::new(
            Owner::sharing(&frame).connect(&connect),
        )));
    }
    if packet_type != PacketType::Publish {
        let view = parse_body(packet_type, body, ctx)?;
        return Ok(Owner::sharing(&frame).packet(&view));
    }
    // The PUBLISH reader itself rather than the whole dispatch. The packet is written once,
    // whole: filled in after it was made, it was then moved in wide loads that waited for
    // the narrower stores of the fill.
    let view = parse_publish_body(body, ctx)?;
    let owner = Owner::sharing(&frame);
    let topic = owner.topic(&view.topic);
    let properties = owner.properties(&view.properties);
    let before = frame.len().saturating_sub(view.payload.len());
    let (dup, qos, retain, packet_id) = (view.dup, view.qos, view.retain, view.packet_id);
    // The frame ends with the payload: advanced past everything before, it is the payload,
    // which touches no reference count, unlike slicing it.
    let mut payload = frame;
    bytes::Buf::advance(&mut payload, before);
    Ok(Packet::Publish(Publish {
        dup,
        qos,
        retain,
        topic,
        packet_id,
        properties,
        payload,
    }))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::parse::{parse, ParseOptions, Status};
    use crate::version::ProtocolVersion;

    /// The decoder's conversion gives the packet the view copied gives.
    #[test]
    fn owned_from_frame_agrees_with_the_copied_view() {
        let v5 = ParseOptions::new(ProtocolVersion::V5);
        let v311 = ParseOptions::new(ProtocolVersion::V3_1_1);
        let cases: [(&[u8], &ParseOptions); 10] = [
            (b"\x30\x0a\x00\x03a/bhello", &v311),
            (b"\x32\x0c\x00\x03a/b\x00\x07hello", &v311),
            (b"\x30\x06\x00\x03a/b\x00", &v5),
            (b"\x30\x0a\x00\x03a/b\x02\x01\x01hi", &v5),
            (b"\x40\x02\x00\x07", &v311),
            (b"\x40\x03\x00\x07\x10", &v5),
            (b"\x40\x09\x00\x07\x80\x05\x1F\x00\x02no", &v5),
            (b"\xd0\x00", &v311),
            (b"\x10\x0f\x00\x04MQTT\x04\x02\x00\x3c\x00\x03abc", &v311),
            (b"\x10\x1b\x00\x04MQTT\x05\xc6\x00\x3c\x00\x00\x00\x00\x00\x01t\x00\x01p\x00\x01u\x00\x02pw", &v5),
        ];
        for (frame, opts) in cases {
            let Ok(Status::Complete((view, used))) = parse(frame, opts) else {
                panic!("{frame:?}")
            };
            assert_eq!(used, frame.len());
            let ctx = ParseCtx::new(opts.version, None, frame[0] & 0x0F);
            let whole = Bytes::copy_from_slice(frame);
            let owned = owned_from_frame(view.packet_type(), whole, 2, &ctx);
            assert_eq!(owned, Ok(view.to_owned()), "{frame:?}");
        }
    }

    /// A PUBLISH made owned from its frame has the frame's own bytes as its payload.
    #[test]
    fn a_publish_payload_is_the_frame_itself() {
        // The whole frame, fixed header included, as the decoder splits it off.
        let frame = Bytes::from_static(b"\x30\x0a\x00\x03a/bhello");
        let ctx = ParseCtx::new(Some(ProtocolVersion::V3_1_1), None, 0);
        let packet = owned_from_frame(PacketType::Publish, frame.clone(), 2, &ctx);
        let Ok(Packet::Publish(p)) = packet else {
            panic!("{packet:?}")
        };
        assert_eq!(p.payload.as_ptr(), frame[7..].as_ptr());
        assert_eq!(&p.payload[..], b"hello");
        assert_eq!(p.topic.as_str().as_ptr(), frame[4..].as_ptr());
    }
}
