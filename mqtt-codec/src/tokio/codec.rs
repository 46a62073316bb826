//! `tokio_util::codec` for MQTT: the core's parser and encoder behind `Framed`.

use crate::decoder::DecoderConfig;
use crate::error::{DecodeError, EncodeError};
use crate::packet::Packet;
use crate::packet_type::PacketType;
use crate::parse::{parse, parse_header, ParseOptions, Status};
use crate::version::{ProtocolVersion, Role};
use bytes::BytesMut;
use std::io;

/// Why [`MqttCodec`] failed. After a decode error the stream cannot be resynchronised:
/// close the connection (in 5.0 after sending [`DecodeError::reason_code`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The stream failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The bytes received are no valid packet (or one over the maximum packet size).
    #[error("{0}")]
    Decode(#[from] DecodeError),
    /// The packet cannot be encoded.
    #[error("{0}")]
    Encode(#[from] EncodeError),
    /// A packet to encode before the version is known: a server-side codec learns it from
    /// the client's CONNECT.
    #[error("the protocol version is not known yet (no CONNECT received)")]
    VersionUnknown,
}

/// MQTT packets over a byte stream, for `tokio_util::codec::{Framed, FramedRead,
/// FramedWrite}`: whole owned [`Packet`]s out (their byte fields zero-copy slices of the
/// read buffer), packets in. Decoding is the core's ([`parse_header`], then
/// [`crate::parse`] on the frame, made owned with `to_shared`): the same rules as [`crate::Decoder`], the packet size
/// checked against the maximum from the fixed header alone, before the body is buffered.
///
/// ```
/// use bytes::BytesMut;
/// use mqtt_codec::tokio::MqttCodec;
/// use mqtt_codec::{Packet, PacketId, ProtocolVersion, PubResponse};
/// use tokio_util::codec::{Decoder, Encoder};
///
/// let mut codec = MqttCodec::client(ProtocolVersion::V3_1_1).with_max_packet_size(1024);
/// let mut buf = BytesMut::new();
/// codec.encode(Packet::PingReq, &mut buf)?;
/// assert_eq!(&buf[..], [0xC0, 0x00]);
/// buf.clear();
/// buf.extend_from_slice(&[0x40, 0x02, 0x00]); // PUBACK, cut short
/// assert_eq!(codec.decode(&mut buf)?, None);
/// buf.extend_from_slice(&[0x07, 0xD0]);
/// let ack = PubResponse::new(PacketId::new(7).unwrap());
/// assert_eq!(codec.decode(&mut buf)?, Some(Packet::PubAck(ack)));
/// assert_eq!(&buf[..], [0xD0]); // the next packet's first byte stays
/// # Ok::<(), mqtt_codec::tokio::CodecError>(())
/// ```
#[derive(Clone, Debug)]
pub struct MqttCodec {
    config: DecoderConfig,
    /// A server-side codec has seen CONNECT: a second one fails ([MQTT-3.1.0-2]).
    seen_connect: bool,
}

impl MqttCodec {
    /// A codec set up as `config` says: the version (`None` learns it from CONNECT), the
    /// side it receives for, and the maximum packet size.
    pub fn new(config: DecoderConfig) -> Self {
        MqttCodec {
            config,
            seen_connect: false,
        }
    }

    /// A client's: it decodes what a server sends and encodes under `version`; packets up
    /// to [`crate::DEFAULT_MAX_PACKET_SIZE`].
    pub fn client(version: ProtocolVersion) -> Self {
        MqttCodec::new(DecoderConfig::client(version))
    }

    /// A server's: the first packet must be a CONNECT ([MQTT-3.1.0-1]), whose version it
    /// decodes and encodes under from then on; packets up to [`crate::DEFAULT_MAX_PACKET_SIZE`].
    /// Needs the `server` feature to decode anything.
    pub fn server() -> Self {
        MqttCodec::new(DecoderConfig::server())
    }

    /// Sets the largest packet accepted, header included.
    pub fn with_max_packet_size(mut self, max: usize) -> Self {
        self.config.max_packet_size = max;
        self
    }

    /// Changes the largest packet accepted (after a 5.0 CONNECT or CONNACK negotiated one).
    pub fn set_max_packet_size(&mut self, max: usize) {
        self.config.max_packet_size = max;
    }

    /// The protocol version: given, or learned from CONNECT.
    pub fn version(&self) -> Option<ProtocolVersion> {
        self.config.version
    }

    /// The configuration.
    pub fn config(&self) -> &DecoderConfig {
        &self.config
    }

    fn options(&self) -> ParseOptions {
        ParseOptions {
            version: self.config.version,
            receiver: self.config.role,
            max_packet_size: self.config.max_packet_size,
        }
    }

    fn encode_packet(&self, packet: &Packet, dst: &mut BytesMut) -> Result<(), CodecError> {
        let version = self.config.version.ok_or(CodecError::VersionUnknown)?;
        dst.reserve(packet.encoded_len(version)?);
        packet.encode(version, dst)?;
        Ok(())
    }
}

impl tokio_util::codec::Decoder for MqttCodec {
    type Item = Packet;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Packet>, CodecError> {
        let opts = self.options();
        let header = match parse_header(src, &opts)? {
            Status::Complete(header) => header,
            Status::Partial(_) => return Ok(None),
        };
        if header.packet_type == PacketType::Connect
            && self.seen_connect
            && self.config.role == Some(Role::Server)
        {
            return Err(DecodeError::SecondConnect.into());
        }
        let len = header.packet_len();
        if src.len() < len {
            // Room for the whole packet, whose size was checked against the limit.
            src.reserve(len.saturating_sub(src.len()));
            return Ok(None);
        }
        let frame = src.split_to(len).freeze();
        let packet = match parse(&frame, &opts)? {
            Status::Complete((view, _)) => view.to_shared(&frame),
            Status::Partial(_) => unreachable!("a whole frame parses completely"),
        };
        if let Packet::Connect(connect) = &packet {
            self.config.version = Some(connect.protocol_version);
            self.seen_connect = true;
        }
        Ok(Some(packet))
    }
}

impl tokio_util::codec::Encoder<Packet> for MqttCodec {
    type Error = CodecError;

    fn encode(&mut self, packet: Packet, dst: &mut BytesMut) -> Result<(), CodecError> {
        self.encode_packet(&packet, dst)
    }
}

impl tokio_util::codec::Encoder<&Packet> for MqttCodec {
    type Error = CodecError;

    fn encode(&mut self, packet: &Packet, dst: &mut BytesMut) -> Result<(), CodecError> {
        self.encode_packet(packet, dst)
    }
}
