//! Framing a packet's body into bytes: one implementation for every packet type and for
//! [`Packet`], so that a caller holding a single packet type encodes it in place, without
//! wrapping (moving or cloning) it into a [`Packet`] first.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::EncodeError;
use crate::packet::{
    Auth, ConnAck, Connect, ConnectSlot, Disconnect, Packet, PubResponse, Publish, SubAck,
    Subscribe, UnsubAck, Unsubscribe, MAX_PACKET_SIZE,
};
use crate::packet_type::PacketType;
use crate::property_slot::PropertySlot;
use crate::reason::ReasonCode;
use crate::storage::Storage;
use crate::version::ProtocolVersion;
use crate::wire::varint::{varint_len, MAX_VARINT};
use crate::wire::writer::put_varint;
use crate::wire::writer::{Put, SliceWriter};

mod sealed {
    use super::*;

    /// What framing needs from a packet: its first byte and its checked body.
    pub trait Framed {
        fn first_byte(&self) -> u8;
        fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError>;
        fn write_body<B: Put>(&self, version: ProtocolVersion, buf: &mut B);

        /// Checks, frames and writes the packet (see [`super::Encode::encode`]).
        #[inline]
        fn frame<B: Put>(
            &self,
            version: ProtocolVersion,
            buf: &mut B,
        ) -> Result<usize, EncodeError> {
            let body = self.body_len(version)?;
            write_checked(self, version, body, total_len(body)?, buf)
        }

        /// [`Framed::frame`] into the start of `out`.
        #[inline]
        fn frame_to_slice(
            &self,
            version: ProtocolVersion,
            out: &mut [u8],
        ) -> Result<usize, EncodeError> {
            self.frame(version, &mut SliceWriter::new(out))
        }
    }

    /// Writes a packet whose body of `body` bytes (`total` with the fixed header) was checked
    /// under `version`: nothing when `buf` has no room for all of it, else the first byte, the
    /// remaining length and the body.
    #[inline(always)]
    pub fn write_checked<P: Framed + ?Sized, B: Put>(
        packet: &P,
        version: ProtocolVersion,
        body: usize,
        total: usize,
        buf: &mut B,
    ) -> Result<usize, EncodeError> {
        write_framed(packet.first_byte(), body, total, buf, |buf| {
            packet.write_body(version, buf)
        })
    }

    /// [`write_checked`] with the body written by `write_body`.
    #[inline(always)]
    pub fn write_framed<B: Put>(
        first_byte: u8,
        body: usize,
        total: usize,
        buf: &mut B,
        write_body: impl FnOnce(&mut B),
    ) -> Result<usize, EncodeError> {
        if buf.remaining_mut() < total {
            return Err(EncodeError::BufferTooSmall {
                needed: total,
                available: buf.remaining_mut(),
            });
        }
        buf.put_u8(first_byte);
        // `total_len` accepted the body, so it fits a variable byte integer.
        put_varint(buf, body as u32);
        write_body(buf);
        Ok(total)
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
    #[cfg(feature = "alloc")]
    fn encode<B: bytes::BufMut>(
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
        self.frame_to_slice(version, out)
    }

    /// Encodes the packet into a new buffer of exactly the right size.
    #[cfg(feature = "alloc")]
    fn to_bytes(&self, version: ProtocolVersion) -> Result<bytes::Bytes, EncodeError> {
        let prepared = self.prepare(version)?;
        let mut buf = bytes::BytesMut::with_capacity(prepared.encoded_len());
        prepared.write(&mut buf)?;
        Ok(buf.freeze())
    }

    /// Checks every rule of the packet under `version` and sizes it, once, for a caller that
    /// makes the output buffer itself once it knows the size (a language binding allocating
    /// its own bytes object, an arena). [`Encode::encoded_len`] followed by
    /// [`Encode::encode`] checks the packet twice.
    ///
    /// ```
    /// use mqtt_codec::{Encode, ProtocolVersion, Publish, TopicName};
    ///
    /// let publish = Publish::new(TopicName::from_static("a/b")?, "hi");
    /// let prepared = publish.prepare(ProtocolVersion::V5)?;
    /// let mut out = vec![0u8; prepared.encoded_len()];
    /// prepared.write_to_slice(&mut out)?;
    /// assert_eq!(out, [0x30, 0x08, 0x00, 0x03, b'a', b'/', b'b', 0x00, b'h', b'i']);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn prepare(&self, version: ProtocolVersion) -> Result<Prepared<'_, Self>, EncodeError> {
        let body = self.body_len(version)?;
        Ok(Prepared {
            packet: self,
            version,
            body,
            total: total_len(body)?,
        })
    }
}

/// A packet whose rules were checked and whose size was computed for one version, by
/// [`Encode::prepare`]; writing it cannot fail but for a buffer that is too small.
#[derive(Debug)]
pub struct Prepared<'p, P: ?Sized> {
    packet: &'p P,
    version: ProtocolVersion,
    body: usize,
    total: usize,
}

impl<P: Encode + ?Sized> Prepared<'_, P> {
    /// The exact number of bytes [`Prepared::write_to_slice`] writes.
    pub fn encoded_len(&self) -> usize {
        self.total
    }

    /// Writes the packet into `buf` and returns its length; fails with
    /// [`EncodeError::BufferTooSmall`] (writing nothing) when `buf` has less room than
    /// [`Prepared::encoded_len`].
    #[cfg(feature = "alloc")]
    pub fn write<B: bytes::BufMut>(&self, buf: &mut B) -> Result<usize, EncodeError> {
        sealed::write_checked(self.packet, self.version, self.body, self.total, buf)
    }

    /// [`Prepared::write`] into the start of a slice.
    pub fn write_to_slice(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let mut out = SliceWriter::new(out);
        sealed::write_checked(self.packet, self.version, self.body, self.total, &mut out)
    }
}

impl<T: Framed> Encode for T {}

/// The whole packet's size for a body of `body` bytes, or `PacketTooLarge`.
/// Refuses what this build leaves out (a version, or a packet type its sides never send)
/// before anything else, so that the code of what is left out is not linked at all.
#[inline(always)]
pub(crate) fn check_build(
    packet_type: PacketType,
    version: ProtocolVersion,
) -> Result<(), EncodeError> {
    if !version.is_enabled() {
        return Err(EncodeError::LeftOut {
            what: if version.level() == 5 {
                "MQTT 5.0"
            } else {
                "MQTT 3.1 and 3.1.1"
            },
        });
    }
    if !packet_type.sent_in_build() {
        return Err(EncodeError::LeftOut {
            what: packet_type.name(),
        });
    }
    Ok(())
}

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
            // Inlined into the packet's out-of-line framing, where the writer sits in
            // registers.
            #[inline(always)]
            fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
                check_build(PacketType::$pt, version)?;
                $ty::body_len(self, version)
            }
            #[inline(always)]
            fn write_body<B: Put>(&self, version: ProtocolVersion, buf: &mut B) {
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
    // Inlined into the packet's out-of-line framing, where the writer sits in registers.
    #[inline(always)]
    fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        check_build(PacketType::Publish, version)?;
        Publish::body_len(self, version)
    }
    #[inline(always)]
    fn write_body<B: Put>(&self, version: ProtocolVersion, buf: &mut B) {
        Publish::write_body(self, version, buf)
    }
    /// Sizes the property section once, for the check and for the write (the general way
    /// walks it twice).
    #[inline(always)]
    fn frame<B: Put>(&self, version: ProtocolVersion, buf: &mut B) -> Result<usize, EncodeError> {
        check_build(PacketType::Publish, version)?;
        let (header, properties) = self.header_sizes(version)?;
        let body = header.saturating_add(self.payload.as_ref().len());
        sealed::write_framed(self.first_byte(), body, total_len(body)?, buf, |buf| {
            self.write_header_body_with(version, properties, buf);
            buf.put_slice(self.payload.as_ref());
        })
    }
}

/// A [`PubResponse`] with the packet type it is sent as (PUBACK, PUBREC, PUBREL or PUBCOMP),
/// which is what it needs to be encoded on its own; made by [`PubResponse::as_type`] or by a
/// [`Packet`] variant.
#[derive(Clone, Copy, Debug)]
pub struct TypedResponse<'p, S: Storage>(&'p PubResponse<S>, PacketType);

impl<S: Storage> PubResponse<S> {
    /// This acknowledgement as a packet of type `packet_type`, ready to [`Encode`] without
    /// being cloned into a [`Packet`]; `None` unless the type is PUBACK, PUBREC, PUBREL or
    /// PUBCOMP.
    ///
    /// ```
    /// use mqtt_codec::{Encode, PacketId, PacketType, ProtocolVersion, PubResponse};
    ///
    /// let ack = PubResponse::new(PacketId::new(7).unwrap());
    /// let pubrec = ack.as_type(PacketType::PubRec).unwrap();
    /// let bytes = pubrec.to_bytes(ProtocolVersion::V3_1_1)?;
    /// assert_eq!(&bytes[..], &[0x50, 0x02, 0x00, 0x07]);
    /// assert!(ack.as_type(PacketType::Publish).is_none());
    /// # Ok::<(), mqtt_codec::EncodeError>(())
    /// ```
    pub fn as_type(&self, packet_type: PacketType) -> Option<TypedResponse<'_, S>> {
        matches!(
            packet_type,
            PacketType::PubAck | PacketType::PubRec | PacketType::PubRel | PacketType::PubComp
        )
        .then_some(TypedResponse(self, packet_type))
    }
}

impl<S: Storage> Framed for TypedResponse<'_, S> {
    fn first_byte(&self) -> u8 {
        (self.1 as u8) << 4 | self.1.required_flags().unwrap_or(0)
    }
    fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        check_build(self.1, version)?;
        self.0.body_len(version, self.1)
    }
    fn write_body<B: Put>(&self, version: ProtocolVersion, buf: &mut B) {
        self.0.write_body(version, self.1, buf)
    }

    /// The short form (Success, no property: what every version writes as the identifier
    /// alone) in four bytes, without sizing the body; the rest the general way.
    #[inline]
    fn frame<B: Put>(&self, version: ProtocolVersion, buf: &mut B) -> Result<usize, EncodeError> {
        // A set that is there but empty takes the long way, which comes to the same bytes.
        if self.0.reason_code != ReasonCode::Success || !self.0.properties.is_bare() {
            return frame_long_response(self, version, buf);
        }
        check_build(self.1, version)?;
        const SHORT: usize = 4;
        if buf.remaining_mut() < SHORT {
            return Err(EncodeError::BufferTooSmall {
                needed: SHORT,
                available: buf.remaining_mut(),
            });
        }
        buf.put_u8(self.first_byte());
        buf.put_u8(2);
        buf.put_u16(self.0.packet_id.get());
        Ok(SHORT)
    }
}

impl<S: Storage> Framed for Packet<S> {
    fn first_byte(&self) -> u8 {
        Packet::first_byte(self)
    }
    fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        Packet::body_len(self, version)
    }
    fn write_body<B: Put>(&self, version: ProtocolVersion, buf: &mut B) {
        Packet::write_body(self, version, buf)
    }

    fn frame<B: Put>(&self, version: ProtocolVersion, buf: &mut B) -> Result<usize, EncodeError> {
        self.dispatch(version, buf)
    }
    fn frame_to_slice(
        &self,
        version: ProtocolVersion,
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        self.dispatch(version, out)
    }
}

/// Where [`Packet::dispatch`] sends a packet: a [`Put`] the caller made, or a caller's slice,
/// wrapped in a writer by each variant's own function so that the writer's position can
/// live in registers there rather than behind a pointer.
trait Sink {
    fn frame<P: Framed>(self, packet: &P, version: ProtocolVersion) -> Result<usize, EncodeError>;
}

impl<B: Put> Sink for &mut B {
    #[inline(always)]
    fn frame<P: Framed>(self, packet: &P, version: ProtocolVersion) -> Result<usize, EncodeError> {
        packet.frame(version, self)
    }
}

impl Sink for &mut [u8] {
    #[inline(always)]
    fn frame<P: Framed>(self, packet: &P, version: ProtocolVersion) -> Result<usize, EncodeError> {
        packet.frame(version, &mut SliceWriter::new(self))
    }
}

impl<S: Storage> Packet<S> {
    /// One dispatch on the variant, then the variant's own framing (instead of a dispatch
    /// for the first byte, one for the size and one for the body). Each variant is framed
    /// in a function of its own, so that the dispatch is a jump: framed in place, the
    /// biggest variants made every packet pay for saving the registers they need.
    #[inline(always)]
    fn dispatch<K: Sink>(&self, version: ProtocolVersion, sink: K) -> Result<usize, EncodeError> {
        use PacketType as T;
        match self {
            Packet::Connect(p) => p.with(|c| frame_apart(c, version, sink)),
            Packet::ConnAck(p) => frame_apart(p, version, sink),
            Packet::Publish(p) => frame_apart(p, version, sink),
            Packet::PubAck(p) => frame_response(p, T::PubAck, version, sink),
            Packet::PubRec(p) => frame_response(p, T::PubRec, version, sink),
            Packet::PubRel(p) => frame_response(p, T::PubRel, version, sink),
            Packet::PubComp(p) => frame_response(p, T::PubComp, version, sink),
            Packet::Subscribe(p) => frame_apart(p, version, sink),
            Packet::SubAck(p) => frame_apart(p, version, sink),
            Packet::Unsubscribe(p) => frame_apart(p, version, sink),
            Packet::UnsubAck(p) => frame_apart(p, version, sink),
            Packet::PingReq => frame_apart(&Ping(T::PingReq), version, sink),
            Packet::PingResp => frame_apart(&Ping(T::PingResp), version, sink),
            Packet::Disconnect(p) => frame_apart(p, version, sink),
            Packet::Auth(p) => frame_apart(p, version, sink),
        }
    }
}

/// [`Framed::frame`] out of line (see [`Packet::dispatch`]).
#[inline(never)]
fn frame_apart<P: Framed, K: Sink>(
    packet: &P,
    version: ProtocolVersion,
    sink: K,
) -> Result<usize, EncodeError> {
    sink.frame(packet, version)
}

/// The long form of an acknowledgement, out of line so that the short one, by far the most
/// sent, saves no registers for it.
#[inline(never)]
fn frame_long_response<S: Storage, B: Put>(
    response: &TypedResponse<'_, S>,
    version: ProtocolVersion,
    buf: &mut B,
) -> Result<usize, EncodeError> {
    let body = response.body_len(version)?;
    sealed::write_checked(response, version, body, total_len(body)?, buf)
}

/// [`Framed::frame`] of an acknowledgement sent as `packet_type`, out of line.
#[inline(never)]
fn frame_response<S: Storage, K: Sink>(
    response: &PubResponse<S>,
    packet_type: PacketType,
    version: ProtocolVersion,
    sink: K,
) -> Result<usize, EncodeError> {
    sink.frame(&TypedResponse(response, packet_type), version)
}

/// PINGREQ or PINGRESP: the type and an empty body.
struct Ping(PacketType);

impl Framed for Ping {
    fn first_byte(&self) -> u8 {
        (self.0 as u8) << 4
    }
    fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        check_build(self.0, version)?;
        Ok(0)
    }
    fn write_body<B: Put>(&self, _: ProtocolVersion, _: &mut B) {}
}
