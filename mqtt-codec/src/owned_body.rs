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
use crate::packet::{parse_body, parse_small_body, Packet, ParseCtx, Publish};
use crate::packet_type::PacketType;
use crate::wire::reader::{CopySource, MovingBody, Reader};
use bytes::{Buf, Bytes};
use core::cell::Cell;

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
