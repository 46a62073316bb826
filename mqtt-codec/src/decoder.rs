//! The streaming decoder: a sans-IO state machine fed any chunking of a byte stream.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::DecodeError;
use crate::framing::{FixedHeader, HeaderReader};
use crate::packet::{parse_body, PacketRef, ParseCtx};
use crate::packet_type::PacketType;
use crate::parse::{parse_header, ParseOptions, Status};
#[cfg(feature = "alloc")]
use crate::parse::{short_ack, SHORT_ACK_LEN};
use crate::recv_buffer::RecvBuffer;
use crate::version::{ProtocolVersion, Role};
#[cfg(feature = "alloc")]
use {
    crate::owned_body::{frameless, owned_from_frame},
    crate::packet::Packet,
    crate::to_owned::Owner,
    bytes::BytesMut,
};

/// The buffer of a [`Decoder`] named without one: a growable `BytesMut` with `alloc`.
#[cfg(feature = "alloc")]
pub type DefaultRecvBuffer = BytesMut;
/// The buffer of a [`Decoder`] named without one; without `alloc`, a caller's slice.
#[cfg(not(feature = "alloc"))]
pub type DefaultRecvBuffer = crate::recv_buffer::SliceBuffer<'static>;

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

impl DecoderConfig {
    /// The options of a one-packet parse under this configuration.
    pub(crate) fn options(&self) -> ParseOptions {
        ParseOptions {
            version: self.version,
            receiver: self.role,
            max_packet_size: self.max_packet_size,
        }
    }

    /// A client's: it receives the server's packets of `version`, up to
    /// [`DEFAULT_MAX_PACKET_SIZE`] bytes each.
    pub fn client(version: ProtocolVersion) -> Self {
        DecoderConfig {
            version: Some(version),
            role: Some(Role::Client),
            max_packet_size: DEFAULT_MAX_PACKET_SIZE,
        }
    }

    /// A server's: the first packet must be a CONNECT ([MQTT-3.1.0-1]), which gives the
    /// version; packets up to [`DEFAULT_MAX_PACKET_SIZE`] bytes each.
    pub fn server() -> Self {
        DecoderConfig {
            version: None,
            role: Some(Role::Server),
            max_packet_size: DEFAULT_MAX_PACKET_SIZE,
        }
    }
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
pub struct Decoder<B: RecvBuffer = DefaultRecvBuffer> {
    buf: B,
    state: State,
    config: DecoderConfig,
    seen_connect: bool,
    offset: u64,
    /// The size of the packet last returned as a view ([`Decoder::next_packet_ref`]): its
    /// bytes stay in the buffer until the next call.
    lent: usize,
    /// Whether a CONNECT may carry the bridge mark ([`Decoder::accept_bridges`]).
    bridges: bool,
}

#[cfg(feature = "alloc")]
impl Decoder<BytesMut> {
    /// A decoder with `config`, over a buffer that grows as needed (up to the maximum packet
    /// size for one packet).
    pub fn new(config: DecoderConfig) -> Self {
        Decoder::with_buffer(config, BytesMut::new())
    }

    /// A client-side decoder for `version`: it receives the server's packets.
    pub fn client(version: ProtocolVersion) -> Self {
        Decoder::new(DecoderConfig::client(version))
    }

    /// A server-side decoder: it receives a client's packets, the first of which must be a
    /// CONNECT ([MQTT-3.1.0-1]), and takes the version from it.
    pub fn server() -> Self {
        Decoder::new(DecoderConfig::server())
    }

    /// The receive buffer, to read from a socket straight into it (for example with
    /// `read_buf`) instead of calling [`Decoder::feed`]. Once a header is known the buffer
    /// already has room reserved for the whole packet.
    pub fn buffer_mut(&mut self) -> &mut BytesMut {
        if matches!(self.state, State::Failed(_)) {
            self.buf.clear();
        }
        self.release_lent();
        &mut self.buf
    }

    /// The next complete packet, `Ok(None)` when more bytes are needed, or the error that
    /// fails the decoder. The packet is owned: its byte fields are zero-copy slices of the
    /// frame, split off the buffer.
    pub fn next_packet(&mut self) -> Result<Option<Packet>, DecodeError> {
        if let State::Failed(e) = &self.state {
            return Err(DecodeError::Failed { first: e.kind() });
        }
        self.release_lent();
        // A plain match: binding the result first and returning it made the streaming decode
        // twice as slow (criterion, 16-byte chunks), through an extra copy of the packet.
        match self.advance() {
            Ok(p) => Ok(p),
            Err(e) => Err(self.fail(e)),
        }
    }

    #[inline(always)]
    fn advance(&mut self) -> Result<Option<Packet>, DecodeError> {
        // A short acknowledgement at a packet boundary, the most frequent packet of a QoS
        // 1 or 2 flow, is read from its four bytes (a third of the instructions).
        if matches!(&self.state, State::Header(r) if r.consumed() == 0) {
            if let Some(ack) = short_ack(self.buf.data(), &self.config.options()) {
                self.buf.consume(SHORT_ACK_LEN);
                self.offset = self.offset.saturating_add(SHORT_ACK_LEN as u64);
                return Ok(Some(ack));
            }
        }
        let Some(header) = self.next_frame()? else {
            return Ok(None);
        };
        let start = self.offset;
        self.offset = self.offset.saturating_add(header.packet_len() as u64);
        let mut ctx = ParseCtx::new(self.config.version, self.config.role, header.flags);
        ctx.bridges = self.bridges;
        // What a CONNECT names is read before the packet leaves the buffer, for a failure.
        let named = match header.packet_type {
            PacketType::Connect if PacketType::Connect.received_in_build() => {
                self.buf.get(header.header_len..header.packet_len())
            }
            _ => None,
        }
        .and_then(named_version);
        let packet = self.take_packet(&header, &ctx).inspect_err(|_| {
            self.offset = start;
            self.learn_failed(named);
        })?;
        if let Packet::Connect(connect) = &packet {
            self.learn_version(connect.protocol_version);
        }
        Ok(Some(packet))
    }

    /// Parses the whole packet at the front of the buffer and removes it from the buffer.
    #[inline(always)]
    fn take_packet(&mut self, header: &FixedHeader, ctx: &ParseCtx) -> Result<Packet, DecodeError> {
        let len = header.packet_len();
        if frameless(header.packet_type) {
            // Nothing of the frame is kept: parse in place and drop the bytes, so the shared
            // buffer's reference count is not touched (a rare 5.0 Reason String is copied).
            let body = self.buf.get(header.header_len..len).unwrap_or_default();
            let packet = Owner::copying().packet(&parse_body(header.packet_type, body, ctx)?);
            self.buf.consume(len);
            return Ok(packet);
        }
        // The frame is split off whole and the body read past its header: advancing it
        // first is a step a PUBLISH would repeat (its payload is the frame, advanced), and
        // slicing it would cost a pair of atomic reference-count updates.
        let frame = self.buf.split_to(len).freeze();
        owned_from_frame(header.packet_type, frame, header.header_len, ctx)
    }
}

impl<B: RecvBuffer> Decoder<B> {
    /// A decoder with `config` over `buf`, which may be a caller's slice
    /// ([`crate::SliceBuffer`]): nothing is allocated then, and a packet larger than the
    /// buffer is refused with [`DecodeError::PacketExceedsBuffer`] as soon as its fixed
    /// header is read.
    pub fn with_buffer(config: DecoderConfig, buf: B) -> Self {
        Decoder {
            buf,
            state: State::Header(HeaderReader::default()),
            config,
            seen_connect: false,
            offset: 0,
            lent: 0,
            bridges: false,
        }
    }

    /// Accepts the bridge mark on CONNECT (bit 7 of the protocol level, which mosquitto sets
    /// when it connects as a bridge): such a CONNECT decodes with [`crate::Connect::bridge`]
    /// set instead of failing with [`DecodeError::UnsupportedProtocolLevel`]. For a broker
    /// that treats bridges as mosquitto does; the specifications know no such bit.
    pub fn accept_bridges(mut self) -> Self {
        self.bridges = true;
        self
    }

    /// A client-side decoder for `version` over `buf`: it receives the server's packets.
    pub fn client_in(version: ProtocolVersion, buf: B) -> Self {
        Decoder::with_buffer(DecoderConfig::client(version), buf)
    }

    /// A server-side decoder over `buf`: the first packet must be a CONNECT
    /// ([MQTT-3.1.0-1]), which gives the version.
    pub fn server_in(buf: B) -> Self {
        Decoder::with_buffer(DecoderConfig::server(), buf)
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

    /// The protocol version: given, or learned from CONNECT. A CONNECT that failed a check
    /// after its protocol name and level still names its version here, so that a server
    /// can answer in it (a 5.0 CONNACK with the error's reason code, [MQTT-3.1.4-1]).
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
        match self.state {
            State::Failed(_) => 0,
            _ => self.buf.data().len().saturating_sub(self.lent),
        }
    }

    /// Appends received bytes and returns how many were taken: all of them, but for a fixed
    /// buffer ([`crate::SliceBuffer`]) that is full, when the rest must be fed again after
    /// taking packets out. Ignored (0) once the decoder has failed.
    pub fn feed(&mut self, data: &[u8]) -> usize {
        if matches!(self.state, State::Failed(_)) {
            self.buf.clear();
            return 0;
        }
        self.release_lent();
        self.buf.append(data)
    }

    /// The next complete packet as a view into the decoder's buffer, `Ok(None)` when more
    /// bytes are needed, or the error that fails the decoder. Nothing is allocated or copied;
    /// the packet's bytes leave the buffer at the next call.
    pub fn next_packet_ref(&mut self) -> Result<Option<PacketRef<'_>>, DecodeError> {
        if let State::Failed(e) = &self.state {
            let first = e.kind();
            self.buf.clear();
            return Err(DecodeError::Failed { first });
        }
        self.release_lent();
        let header = match self.next_frame() {
            Ok(Some(header)) => header,
            Ok(None) => return Ok(None),
            Err(e) => return Err(self.fail(e)),
        };
        let mut ctx = ParseCtx::new(self.config.version, self.config.role, header.flags);
        ctx.bridges = self.bridges;
        let len = header.packet_len();
        let body = self
            .buf
            .data()
            .get(header.header_len..len)
            .unwrap_or_default();
        // The packet borrows `self.buf` until it is returned, so only the other fields are
        // touched here; on an error the buffer is dropped at the next call instead.
        match parse_body(header.packet_type, body, &ctx) {
            Ok(packet) => {
                if let PacketRef::Connect(connect) = &packet {
                    self.config.version = Some(connect.protocol_version());
                    self.seen_connect = true;
                }
                self.offset = self.offset.saturating_add(len as u64);
                self.lent = len;
                Ok(Some(packet))
            }
            Err(e) => {
                if header.packet_type == PacketType::Connect
                    && PacketType::Connect.received_in_build()
                {
                    self.config.version = self.config.version.or(named_version(body));
                }
                self.state = State::Failed(e);
                Err(e)
            }
        }
    }

    /// The packet last returned by [`Decoder::next_packet_ref`], read again from its bytes,
    /// which stay in the buffer until the next call that feeds or takes a packet. For a
    /// caller that decided what to do with the packet while the decoder was borrowed and
    /// returns the view afterwards (the client session's events).
    #[cfg(feature = "client")]
    pub(crate) fn lent_packet(&self) -> Option<PacketRef<'_>> {
        let frame = self.buf.data().get(..self.lent)?;
        match crate::parse::parse(frame, &self.config.options()) {
            Ok(Status::Complete((packet, _))) => Some(packet),
            _ => None,
        }
    }

    /// The bytes of the packet last returned by [`Decoder::next_packet_ref`], still in the
    /// buffer until the next call that feeds or takes a packet.
    #[cfg(feature = "client")]
    pub(crate) fn lent_frame(&self) -> &[u8] {
        self.buf.data().get(..self.lent).unwrap_or_default()
    }

    /// The receive buffer, to put bytes in directly: emptied after a failure, the packet
    /// lent out dropped (as [`Decoder::buffer_mut`] does).
    #[cfg(all(feature = "alloc", feature = "client"))]
    pub(crate) fn buf_mut(&mut self) -> &mut B {
        if matches!(self.state, State::Failed(_)) {
            self.buf.clear();
        }
        self.release_lent();
        &mut self.buf
    }

    /// Forgets what is buffered, the packet lent out and any failure, for a new connection
    /// of the same version.
    #[cfg(feature = "client")]
    pub(crate) fn reset(&mut self) {
        self.buf.clear();
        self.state = State::Header(HeaderReader::default());
        self.offset = 0;
        self.lent = 0;
    }

    /// Drops the bytes of the packet last returned as a view.
    #[inline]
    fn release_lent(&mut self) {
        if self.lent > 0 {
            self.buf.consume(self.lent);
            self.lent = 0;
        }
    }

    /// Fails the decoder with `e` and returns it.
    #[cold]
    fn fail(&mut self, e: DecodeError) -> DecodeError {
        self.buf.clear();
        self.lent = 0;
        self.state = State::Failed(e);
        e
    }

    /// After a CONNECT that failed: the version its protocol name and level named, when
    /// they name one and none was known, so that a server can answer in it.
    #[cfg(feature = "alloc")]
    #[cold]
    fn learn_failed(&mut self, named: Option<ProtocolVersion>) {
        self.config.version = self.config.version.or(named);
    }

    /// After a CONNECT: the connection's version, and CON-2 from now on.
    #[cfg(feature = "alloc")]
    fn learn_version(&mut self, version: ProtocolVersion) {
        self.config.version = Some(version);
        self.seen_connect = true;
    }

    /// Runs the fixed-header state machine over the buffered bytes; gives the header of the
    /// packet at the front of the buffer once the whole packet is there.
    #[inline(always)]
    fn next_frame(&mut self) -> Result<Option<FixedHeader>, DecodeError> {
        loop {
            match &mut self.state {
                State::Failed(_) => return Ok(None),
                State::Header(reader) => {
                    // Fast path: a whole header already buffered is read in one go.
                    if reader.consumed() == 0 {
                        let opts = self.config.options();
                        if let Status::Complete(header) = parse_header(self.buf.data(), &opts)? {
                            self.check_header(&header)?;
                            // A packet already whole is given at once, the state left as it
                            // is: storing the header and reading it back made the read wait
                            // on the narrower stores of the write.
                            if self.buf.data().len() >= header.packet_len() {
                                return Ok(Some(header));
                            }
                            self.state = State::Body(header);
                            return Ok(None);
                        }
                    }
                    let Some(&byte) = self.buf.data().get(reader.consumed()) else {
                        // A fixed buffer filled by an unfinished header: the packet is
                        // longer than the buffer, whatever its length turns out to be.
                        let held = self.buf.data().len();
                        if let Some(capacity) = self.buf.capacity().filter(|&c| held >= c) {
                            return Err(DecodeError::PacketExceedsBuffer {
                                size: held.saturating_add(1),
                                capacity,
                            });
                        }
                        return Ok(None);
                    };
                    if let Some(header) = reader.push(
                        byte,
                        self.config.version,
                        self.config.role,
                        self.config.max_packet_size,
                    )? {
                        self.accept_header(header)?;
                    }
                }
                State::Body(header) => {
                    let header = *header;
                    if self.buf.data().len() < header.packet_len() {
                        return Ok(None);
                    }
                    self.state = State::Header(HeaderReader::default());
                    return Ok(Some(header));
                }
            }
        }
    }

    /// A complete fixed header: checked, then the body is awaited.
    fn accept_header(&mut self, header: FixedHeader) -> Result<(), DecodeError> {
        self.check_header(&header)?;
        self.state = State::Body(header);
        Ok(())
    }

    /// Checks a complete fixed header against the connection's sequence and the buffer's
    /// capacity, and makes room for the rest of its packet.
    fn check_header(&mut self, header: &FixedHeader) -> Result<(), DecodeError> {
        self.check_sequence(header.packet_type)?;
        let size = header.packet_len();
        if let Some(capacity) = self.buf.capacity() {
            if size > capacity {
                return Err(DecodeError::PacketExceedsBuffer { size, capacity });
            }
        }
        // Room for the rest of the packet, so that a caller reading into the buffer receives
        // it without reallocations. The size was checked against the limit already.
        self.buf.reserve(size.saturating_sub(self.buf.data().len()));
        Ok(())
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

/// The version a CONNECT body names with its protocol name and level, read from its first
/// bytes alone: what a CONNECT that fails a later check still tells a server, which can
/// then answer it in that version ([MQTT-3.1.4-1] lets a 5.0 server send a CONNACK with
/// the reason before closing). Out of line: only a failing CONNECT needs it, and firmware
/// keeps one copy.
#[cold]
#[inline(never)]
fn named_version(body: &[u8]) -> Option<ProtocolVersion> {
    let [0, n, rest @ ..] = body else {
        return None;
    };
    let n = usize::from(*n);
    ProtocolVersion::from_name_and_level(rest.get(..n)?, *rest.get(n)?)
}
