//! The streaming decoder: a sans-IO state machine fed any chunking of a byte stream.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::DecodeError;
use crate::framing::{FixedHeader, HeaderReader};
use crate::owned_body::{frameless, parse_frameless, parse_owned_body};
use crate::packet::{Packet, ParseCtx};
use crate::packet_type::PacketType;
use crate::parse::{parse_header, ParseOptions, Status};
use crate::version::{ProtocolVersion, Role};
use bytes::{Buf, BytesMut};

/// The default maximum packet size of a [`Decoder`]: 1 MiB. Raise it for larger payloads;
/// the decoder never buffers more than this for one packet.
pub const DEFAULT_MAX_PACKET_SIZE: usize = 1024 * 1024;

/// How a [`Decoder`] is set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecoderConfig {
    /// The version, if known. `None` (server side) learns it from the first CONNECT.
    pub version: Option<ProtocolVersion>,
    /// The side this decoder receives for, if known (see [`Role`]).
    pub role: Option<Role>,
    /// The largest packet accepted, header included; checked as soon as the remaining
    /// length is known, before the body is buffered (5.0 reason 0x95).
    pub max_packet_size: usize,
}

#[derive(Clone, Debug)]
enum State {
    /// Reading the fixed header; `scanned` bytes of it are already examined.
    Header(HeaderReader),
    /// Waiting for the body of a packet whose header is known.
    Body(FixedHeader),
    /// A decode error occurred; the connection must be closed.
    Failed(DecodeError),
}

/// A streaming MQTT decoder: bytes in, packets out, no I/O.
///
/// Feed it bytes as they arrive, in any chunks (one byte at a time included), then take the
/// complete packets with [`Decoder::next_packet`]. A header that arrives whole is read in one
/// step; one cut short is read byte by byte as the rest arrives, and a body is never looked at
/// before it is complete, so the cost is linear in the bytes fed, whatever the chunking.
/// Packets are zero-copy: their topics, payloads and
/// strings are [`bytes::Bytes`] slices of the frame split off the decoder's buffer.
///
/// **After an error** the decoder is failed: it keeps the error, ignores further input and
/// answers every later [`Decoder::next_packet`] with [`DecodeError::Failed`], which carries
/// its kind and gives its reason code ([`Decoder::error`] keeps the error itself). The
/// stream cannot be resynchronised and the connection must be closed (in 5.0 after sending
/// the error's [`DecodeError::reason_code`]).
///
/// ```
/// use mqtt_codec::{Decoder, Packet, ProtocolVersion};
///
/// let mut decoder = Decoder::client(ProtocolVersion::V3_1_1);
/// for chunk in [&[0x30, 0x07, 0x00][..], &[0x03, b'a', b'/', b'b', b'h', b'i', 0xD0, 0x00]] {
///     decoder.feed(chunk);
/// }
/// let Some(Packet::Publish(publish)) = decoder.next_packet()? else { panic!() };
/// assert_eq!(publish.topic, "a/b");
/// assert_eq!(decoder.next_packet()?, Some(Packet::PingResp));
/// assert_eq!(decoder.next_packet()?, None);
/// # Ok::<(), mqtt_codec::DecodeError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Decoder {
    buf: BytesMut,
    state: State,
    config: DecoderConfig,
    seen_connect: bool,
    offset: u64,
}

impl Decoder {
    /// A decoder with `config`.
    pub fn new(config: DecoderConfig) -> Self {
        Decoder {
            buf: BytesMut::new(),
            state: State::Header(HeaderReader::default()),
            config,
            seen_connect: false,
            offset: 0,
        }
    }

    /// A client-side decoder for `version`: it receives the server's packets.
    pub fn client(version: ProtocolVersion) -> Self {
        Decoder::new(DecoderConfig {
            version: Some(version),
            role: Some(Role::Client),
            max_packet_size: DEFAULT_MAX_PACKET_SIZE,
        })
    }

    /// A server-side decoder: it receives a client's packets, the first of which must be a
    /// CONNECT ([MQTT-3.1.0-1]), and takes the version from it.
    pub fn server() -> Self {
        Decoder::new(DecoderConfig {
            version: None,
            role: Some(Role::Server),
            max_packet_size: DEFAULT_MAX_PACKET_SIZE,
        })
    }

    /// Sets the maximum packet size (header included).
    pub fn with_max_packet_size(mut self, max: usize) -> Self {
        self.config.max_packet_size = max;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &DecoderConfig {
        &self.config
    }

    /// The protocol version: given, or learned from CONNECT.
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.config.version
    }

    /// Changes the maximum packet size, for example after a 5.0 CONNECT or CONNACK
    /// negotiated one. A packet already being read keeps the limit it was checked against.
    pub fn set_max_packet_size(&mut self, max: usize) {
        self.config.max_packet_size = max;
    }

    /// The error that failed the decoder, if any.
    pub fn error(&self) -> Option<&DecodeError> {
        match &self.state {
            State::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// The stream offset where the packet being read starts: the total size of the packets
    /// returned so far. After an error, where the offending packet starts.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Bytes received but not yet returned as packets.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Appends received bytes. Ignored once the decoder has failed.
    pub fn feed(&mut self, data: &[u8]) {
        if !matches!(self.state, State::Failed(_)) {
            self.buf.extend_from_slice(data);
        }
    }

    /// The receive buffer, to read from a socket straight into it (for example with
    /// `read_buf`) instead of calling [`Decoder::feed`]. Once a header is known the buffer
    /// already has room reserved for the whole packet.
    pub fn buffer_mut(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    /// The next complete packet, `Ok(None)` when more bytes are needed, or the error that
    /// fails the decoder.
    pub fn next_packet(&mut self) -> Result<Option<Packet>, DecodeError> {
        if let State::Failed(e) = &self.state {
            return Err(DecodeError::Failed { first: e.kind() });
        }
        // A plain match: binding the result first and returning it made the streaming decode
        // twice as slow (criterion, 16-byte chunks), through an extra copy of the packet.
        match self.advance() {
            Ok(p) => Ok(p),
            Err(e) => {
                self.buf = BytesMut::new();
                self.state = State::Failed(e.clone());
                Err(e)
            }
        }
    }

    #[inline(always)]
    fn advance(&mut self) -> Result<Option<Packet>, DecodeError> {
        loop {
            match &mut self.state {
                State::Failed(_) => return Ok(None),
                State::Header(reader) => {
                    // Fast path: a whole header already buffered is read in one go.
                    if reader.consumed() == 0 {
                        let opts = ParseOptions {
                            version: self.config.version,
                            receiver: self.config.role,
                            max_packet_size: self.config.max_packet_size,
                        };
                        if let Status::Complete(header) = parse_header(&self.buf, &opts)? {
                            self.check_sequence(header.packet_type)?;
                            self.reserve_body(&header);
                            self.state = State::Body(header);
                            continue;
                        }
                    }
                    let Some(&byte) = self.buf.get(reader.consumed()) else {
                        return Ok(None);
                    };
                    if let Some(header) = reader.push(
                        byte,
                        self.config.version,
                        self.config.role,
                        self.config.max_packet_size,
                    )? {
                        self.check_sequence(header.packet_type)?;
                        self.reserve_body(&header);
                        self.state = State::Body(header);
                    }
                }
                State::Body(header) => {
                    let header = *header;
                    if self.buf.len() < header.packet_len() {
                        return Ok(None);
                    }
                    let start = self.offset;
                    self.offset = self.offset.saturating_add(header.packet_len() as u64);
                    self.state = State::Header(HeaderReader::default());
                    let ctx = ParseCtx::new(self.config.version, self.config.role, header.flags);
                    let packet = self
                        .take_packet(&header, &ctx)
                        .inspect_err(|_| self.offset = start)?;
                    if let Packet::Connect(connect) = &packet {
                        self.config.version = Some(connect.protocol_version);
                        self.seen_connect = true;
                    }
                    return Ok(Some(packet));
                }
            }
        }
    }

    /// Parses the whole packet at the front of the buffer and removes it from the buffer.
    #[inline(always)]
    fn take_packet(&mut self, header: &FixedHeader, ctx: &ParseCtx) -> Result<Packet, DecodeError> {
        let len = header.packet_len();
        if frameless(header.packet_type) {
            // Nothing of the frame is kept: parse in place and drop the bytes, so the shared
            // buffer's reference count is not touched (a rare 5.0 Reason String is copied).
            let body = self.buf.get(header.header_len..len).unwrap_or_default();
            let packet = parse_frameless(header.packet_type, body, ctx)?;
            self.buf.advance(len);
            return Ok(packet);
        }
        // The body is split off without the header: slicing a frozen frame instead would
        // cost an extra pair of atomic reference-count updates.
        let mut frame = self.buf.split_to(len);
        frame.advance(header.header_len);
        parse_owned_body(header.packet_type, frame.freeze(), ctx)
    }

    /// Makes room for the rest of a packet whose header was read, so that a caller reading
    /// into [`Decoder::buffer_mut`] receives it without reallocations. The size was checked
    /// against the limit already.
    fn reserve_body(&mut self, header: &FixedHeader) {
        let missing = header.packet_len().saturating_sub(self.buf.len());
        if missing > 0 {
            self.buf.reserve(missing);
        }
    }

    /// CON-1 and CON-2 for a server-side decoder: CONNECT first, and only once.
    fn check_sequence(&self, packet_type: PacketType) -> Result<(), DecodeError> {
        let is_connect = packet_type == PacketType::Connect;
        if self.config.version.is_none() && !is_connect {
            return Err(DecodeError::FirstPacketNotConnect { packet_type });
        }
        if is_connect && self.seen_connect && self.config.role == Some(Role::Server) {
            return Err(DecodeError::SecondConnect);
        }
        Ok(())
    }
}
