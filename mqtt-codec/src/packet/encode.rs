//! Framing a packet's body into bytes: one implementation for every packet type and for
//! [`Packet`], so that a caller holding a single packet type encodes it in place, without
//! wrapping (moving or cloning) it into a [`Packet`] first.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::EncodeError;
use crate::packet::{
    Auth, ConnAck, Connect, Disconnect, Packet, PubResponse, Publish, SubAck, Subscribe, UnsubAck,
    Unsubscribe, MAX_PACKET_SIZE,
};
use crate::packet_type::PacketType;
use crate::storage::Storage;
use crate::version::ProtocolVersion;
use crate::wire::varint::{varint_len, MAX_VARINT};
use crate::wire::writer::put_varint;
use bytes::BufMut;

mod sealed {
    use super::*;

    /// What framing needs from a packet: its first byte and its checked body.
    pub trait Framed {
        fn first_byte(&self) -> u8;
        fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError>;
        fn write_body<B: BufMut>(&self, version: ProtocolVersion, buf: &mut B);

        /// Checks, frames and writes the packet (see [`super::Encode::encode`]).
        #[inline]
        fn frame<B: BufMut>(
            &self,
            version: ProtocolVersion,
            buf: &mut B,
        ) -> Result<usize, EncodeError> {
            let body = self.body_len(version)?;
            let total = total_len(body)?;
            if buf.remaining_mut() < total {
                return Err(EncodeError::BufferTooSmall {
                    needed: total,
                    available: buf.remaining_mut(),
                });
            }
            buf.put_u8(self.first_byte());
            put_varint(buf, body as u32);
            self.write_body(version, buf);
            Ok(total)
        }
    }
}
use sealed::Framed;

/// Encoding a packet: [`Packet`] and every packet type but the four PUBACK-family ones (one
/// Rust type, [`crate::PubResponse`], serves all four, so it needs [`Packet`] to say which).
///
/// ```
/// use mqtt_codec::{Encode, ProtocolVersion, Publish, TopicName};
///
/// let publish = Publish::new(TopicName::from_static("a/b")?, "hi");
/// let mut out = [0u8; 16];
/// let n = publish.encode_to_slice(ProtocolVersion::V3_1_1, &mut out)?;
/// assert_eq!(&out[..n], &[0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', b'h', b'i']);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Encode: sealed::Framed {
    /// The exact number of bytes [`Encode::encode`] writes under `version`, computed without
    /// allocating; fails when the packet breaks a rule or cannot be represented in `version`.
    fn encoded_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        total_len(self.body_len(version)?)
    }

    /// Encodes the packet into `buf` and returns the number of bytes written.
    ///
    /// Checks every rule first and writes nothing on error. The remaining length is always
    /// in its shortest form. Fails with [`EncodeError::BufferTooSmall`] when `buf` cannot
    /// take the whole packet.
    fn encode<B: BufMut>(
        &self,
        version: ProtocolVersion,
        buf: &mut B,
    ) -> Result<usize, EncodeError> {
        self.frame(version, buf)
    }

    /// Encodes the packet into the start of `out` without allocating; returns the length.
    fn encode_to_slice(
        &self,
        version: ProtocolVersion,
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        let mut cursor: &mut [u8] = out;
        self.encode(version, &mut cursor)
    }

    /// Encodes the packet into a new buffer of exactly the right size.
    fn to_bytes(&self, version: ProtocolVersion) -> Result<bytes::Bytes, EncodeError> {
        let mut buf = bytes::BytesMut::with_capacity(self.encoded_len(version)?);
        self.encode(version, &mut buf)?;
        Ok(buf.freeze())
    }
}

impl<T: Framed> Encode for T {}

/// The whole packet's size for a body of `body` bytes, or `PacketTooLarge`.
pub(crate) fn total_len(body: usize) -> Result<usize, EncodeError> {
    if body > MAX_VARINT as usize {
        return Err(EncodeError::PacketTooLarge {
            size: body.saturating_add(5),
            max: MAX_PACKET_SIZE,
        });
    }
    Ok(body
        .saturating_add(varint_len(body as u32))
        .saturating_add(1))
}

/// `Framed` for a packet type whose first byte is its type and the fixed flags.
macro_rules! framed_by_type {
    ($($ty:ident => $pt:ident),*) => {$(
        impl<S: Storage> Framed for $ty<S> {
            fn first_byte(&self) -> u8 {
                (PacketType::$pt as u8) << 4 | PacketType::$pt.required_flags().unwrap_or(0)
            }
            fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
                $ty::body_len(self, version)
            }
            fn write_body<B: BufMut>(&self, version: ProtocolVersion, buf: &mut B) {
                $ty::write_body(self, version, buf)
            }
        }
    )*};
}
framed_by_type!(Connect => Connect, ConnAck => ConnAck, Subscribe => Subscribe,
    SubAck => SubAck, Unsubscribe => Unsubscribe, UnsubAck => UnsubAck,
    Disconnect => Disconnect, Auth => Auth);

impl<S: Storage> Framed for Publish<S> {
    fn first_byte(&self) -> u8 {
        (PacketType::Publish as u8) << 4 | self.flags()
    }
    fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        Publish::body_len(self, version)
    }
    fn write_body<B: BufMut>(&self, version: ProtocolVersion, buf: &mut B) {
        Publish::write_body(self, version, buf)
    }
}

/// A PUBACK, PUBREC, PUBREL or PUBCOMP with the type its [`Packet`] variant gives it.
struct TypedResponse<'p, S: Storage>(&'p PubResponse<S>, PacketType);

impl<S: Storage> Framed for TypedResponse<'_, S> {
    fn first_byte(&self) -> u8 {
        (self.1 as u8) << 4 | self.1.required_flags().unwrap_or(0)
    }
    fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        self.0.body_len(version, self.1)
    }
    fn write_body<B: BufMut>(&self, version: ProtocolVersion, buf: &mut B) {
        self.0.write_body(version, self.1, buf)
    }
}

impl<S: Storage> Framed for Packet<S> {
    fn first_byte(&self) -> u8 {
        Packet::first_byte(self)
    }
    fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        Packet::body_len(self, version)
    }
    fn write_body<B: BufMut>(&self, version: ProtocolVersion, buf: &mut B) {
        Packet::write_body(self, version, buf)
    }

    /// One dispatch on the variant, then the variant's own framing (instead of a dispatch
    /// for the first byte, one for the size and one for the body).
    fn frame<B: BufMut>(
        &self,
        version: ProtocolVersion,
        buf: &mut B,
    ) -> Result<usize, EncodeError> {
        let t = self.packet_type();
        match self {
            Packet::Connect(p) => (**p).frame(version, buf),
            Packet::ConnAck(p) => p.frame(version, buf),
            Packet::Publish(p) => p.frame(version, buf),
            Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => {
                TypedResponse(p, t).frame(version, buf)
            }
            Packet::Subscribe(p) => p.frame(version, buf),
            Packet::SubAck(p) => p.frame(version, buf),
            Packet::Unsubscribe(p) => p.frame(version, buf),
            Packet::UnsubAck(p) => p.frame(version, buf),
            Packet::PingReq | Packet::PingResp => {
                if buf.remaining_mut() < 2 {
                    return Err(EncodeError::BufferTooSmall {
                        needed: 2,
                        available: buf.remaining_mut(),
                    });
                }
                buf.put_u8((t as u8) << 4);
                buf.put_u8(0);
                Ok(2)
            }
            Packet::Disconnect(p) => p.frame(version, buf),
            Packet::Auth(p) => p.frame(version, buf),
        }
    }
}
