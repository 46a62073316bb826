//! The borrowed, allocation-free parse of one packet at the start of a `&[u8]`.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::DecodeError;
use crate::framing::{check_first_byte, FixedHeader};
use crate::packet::{
    parse_body, parse_publish_body, Packet, PacketId, PacketRef, ParseCtx, PubResponse,
    MAX_PACKET_SIZE,
};
use crate::packet_type::PacketType;
use crate::reason::ReasonCode;
use crate::storage::Storage;
use crate::version::{ProtocolVersion, Role};
use crate::wire::varint::{read_varint, VarIntError};

/// The outcome of a parse that may need more input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status<T> {
    /// Done: the value.
    Complete(T),
    /// Not enough bytes yet: at least this many more are needed.
    Partial(usize),
}

impl<T> Status<T> {
    /// The value, if complete.
    pub fn complete(self) -> Option<T> {
        match self {
            Status::Complete(t) => Some(t),
            Status::Partial(_) => None,
        }
    }
}

/// What [`parse`] and [`parse_header`] need to know about the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// The connection's version. `None` means the version is not known yet: only a CONNECT
    /// is accepted, and it says its version. A CONNECT is always read under the level it
    /// names, whatever this says: a server that does not speak that level answers it with
    /// CONNACK 0x01 (5.0: 0x84), which it can only do having read it.
    pub version: Option<ProtocolVersion>,
    /// The side receiving the packet, when known: decides which packet types may arrive
    /// and the direction-dependent rules.
    pub receiver: Option<Role>,
    /// The largest packet accepted, header included.
    pub max_packet_size: usize,
}

impl ParseOptions {
    /// Options for `version`, either direction, no limit beyond the protocol's.
    pub fn new(version: ProtocolVersion) -> Self {
        ParseOptions {
            version: Some(version),
            receiver: None,
            max_packet_size: MAX_PACKET_SIZE,
        }
    }
}

/// Parses the fixed header at the start of `buf`.
///
/// `Partial(n)` asks for at least `n` more bytes. Oversized, reserved or misdirected packets
/// are refused here, from at most five bytes.
#[inline]
pub fn parse_header(buf: &[u8], opts: &ParseOptions) -> Result<Status<FixedHeader>, DecodeError> {
    let Some((&first, rest)) = buf.split_first() else {
        return Ok(Status::Partial(2));
    };
    let (packet_type, flags) = check_first_byte(first, opts.version, opts.receiver)?;
    if opts.version.is_none() && packet_type != PacketType::Connect {
        return Err(DecodeError::FirstPacketNotConnect { packet_type });
    }
    let field = "remaining length";
    let (remaining_length, used) = match read_varint(rest) {
        Ok(done) => done,
        Err(VarIntError::Incomplete) => return Ok(Status::Partial(1)),
        Err(VarIntError::TooLong) => return Err(DecodeError::VarIntTooLong { field }),
        Err(VarIntError::NonMinimal) => return Err(DecodeError::NonMinimalVarInt { field }),
    };
    let header = FixedHeader {
        packet_type,
        flags,
        remaining_length: remaining_length as usize,
        header_len: used.saturating_add(1),
    };
    if header.packet_len() > opts.max_packet_size {
        return Err(DecodeError::PacketTooLarge {
            size: header.packet_len(),
            max: opts.max_packet_size,
        });
    }
    Ok(Status::Complete(header))
}

/// Parses one whole packet at the start of `buf`, borrowing every field from it and
/// allocating nothing.
///
/// Returns the packet and the number of bytes it used, or `Partial(n)` when at least `n` more
/// bytes are needed. With `opts.version == None` the packet must be a CONNECT.
///
/// ```
/// use mqtt_codec::{parse, Packet, ParseOptions, ProtocolVersion, Status};
///
/// let bytes = [0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', b'h', b'i', 0xC0];
/// let opts = ParseOptions::new(ProtocolVersion::V3_1_1);
/// let Status::Complete((Packet::Publish(p), used)) = parse(&bytes, &opts)? else { panic!() };
/// assert_eq!((p.topic.as_str(), p.payload, used), ("a/b", &b"hi"[..], 9));
/// # Ok::<(), mqtt_codec::DecodeError>(())
/// ```
pub fn parse<'a>(
    buf: &'a [u8],
    opts: &ParseOptions,
) -> Result<Status<(PacketRef<'a>, usize)>, DecodeError> {
    if let Some(ack) = short_ack(buf, opts) {
        return Ok(Status::Complete((ack, SHORT_ACK_LEN)));
    }
    let (header, frame, ctx) = match whole_frame(buf, opts)? {
        Status::Complete(parts) => parts,
        Status::Partial(n) => return Ok(Status::Partial(n)),
    };
    let body = frame.get(header.header_len..).unwrap_or_default();
    // On 64-bit targets a PUBLISH is returned from a path of its own. Through the dispatch,
    // the compiler writes every packet type's result in the byte-sized pieces their fields
    // have in common, and a caller that reads the view a word at a time (or moves it) waits
    // for those stores to reach the cache. In-order microcontroller cores have no such
    // wait, and keep the flash the second copy of the PUBLISH reader would take.
    if cfg!(target_pointer_width = "64") && header.packet_type == PacketType::Publish {
        let publish = parse_publish_body(body, &ctx)?;
        return Ok(Status::Complete((Packet::Publish(publish), frame.len())));
    }
    let packet = parse_body(header.packet_type, body, &ctx)?;
    Ok(Status::Complete((packet, frame.len())))
}

/// The length of an acknowledgement in its short form: the fixed header and the identifier.
pub(crate) const SHORT_ACK_LEN: usize = 4;

/// A PUBACK, PUBREC, PUBREL or PUBCOMP in its short form (remaining length 2: the 3.x form,
/// and 5.0's for Success without properties), the most frequent packets of a QoS 1 or 2
/// flow, read from its four bytes without the general path (which took three times as many
/// instructions). Anything else, a zero identifier included, is left to the general path,
/// which refuses it with its error.
#[inline]
pub(crate) fn short_ack<S: Storage>(buf: &[u8], opts: &ParseOptions) -> Option<Packet<S>> {
    let version = opts.version?;
    // A side this build leaves out receives nothing (the general path's UnexpectedPacket).
    let side_left_out = opts.receiver.is_some_and(|r| !r.is_enabled());
    if !version.is_enabled() || side_left_out || opts.max_packet_size < SHORT_ACK_LEN {
        return None;
    }
    let [first, 2, high, low, ..] = *buf else {
        return None;
    };
    let ack = PubResponse {
        packet_id: PacketId::new(u16::from_be_bytes([high, low]))?,
        reason_code: ReasonCode::Success,
        properties: Default::default(),
    };
    // The required flags: 0 on PUBACK, PUBREC and PUBCOMP, 0b0010 on PUBREL.
    Some(match first {
        0x40 => Packet::PubAck(ack),
        0x50 => Packet::PubRec(ack),
        0x62 => Packet::PubRel(ack),
        0x70 => Packet::PubComp(ack),
        _ => return None,
    })
}

/// A packet found whole in a buffer: its fixed header, its frame (header included) and what
/// the body parser needs to know.
pub(crate) type WholeFrame<'b> = (FixedHeader, &'b [u8], ParseCtx);

/// The packet at the start of `buf`, whole, or `Partial(n)` when at least `n` more bytes are
/// needed.
pub(crate) fn whole_frame<'b>(
    buf: &'b [u8],
    opts: &ParseOptions,
) -> Result<Status<WholeFrame<'b>>, DecodeError> {
    let header = match parse_header(buf, opts)? {
        Status::Complete(h) => h,
        Status::Partial(n) => return Ok(Status::Partial(n)),
    };
    let total = header.packet_len();
    let Some(frame) = buf.get(..total) else {
        return Ok(Status::Partial(total.saturating_sub(buf.len())));
    };
    let ctx = ParseCtx::new(opts.version, opts.receiver, header.flags);
    Ok(Status::Complete((header, frame, ctx)))
}
