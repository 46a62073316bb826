//! The borrowed, allocation-free parse of one packet at the start of a `&[u8]`.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::DecodeError;
use crate::framing::{check_first_byte, FixedHeader};
use crate::owned_body::{frameless, parse_frameless, parse_owned_body};
use crate::packet::{parse_body, Packet, PacketRef, ParseCtx, MAX_PACKET_SIZE};
use crate::packet_type::PacketType;
use crate::version::{ProtocolVersion, Role};
use crate::wire::reader::CopySource;
use crate::wire::varint::{read_varint, VarIntError};
use bytes::{Buf, Bytes};

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
    /// is accepted, and it says its version.
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
    let (header, frame, ctx) = match whole_frame(buf, opts)? {
        Status::Complete(parts) => parts,
        Status::Partial(n) => return Ok(Status::Partial(n)),
    };
    let body = frame.get(header.header_len..).unwrap_or_default();
    let packet = parse_body(header.packet_type, body, &ctx)?;
    Ok(Status::Complete((packet, frame.len())))
}

/// A packet found whole in a buffer: its fixed header, its frame (header included) and what
/// the body parser needs to know.
type WholeFrame<'b> = (FixedHeader, &'b [u8], ParseCtx);

/// The packet at the start of `buf`, whole, or `Partial(n)` when at least `n` more bytes are
/// needed.
fn whole_frame<'b>(
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
