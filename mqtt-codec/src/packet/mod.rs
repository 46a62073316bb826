//! The packets: one enum with a variant per control packet type, each variant's type in a
//! file of its own, and the encoder that frames them.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

pub(crate) mod connack;
pub(crate) mod connect;
mod connect_view;
pub(crate) mod disconnect;
mod display;
mod encode;
pub(crate) mod publish;
pub(crate) mod pubresp;
pub(crate) mod suback;
pub(crate) mod subscribe;
pub(crate) mod unsubscribe;

use crate::error::{DecodeError, EncodeError};
use crate::packet_type::PacketType;
use crate::properties::Properties;
#[cfg(feature = "alloc")]
use crate::storage::Owned;
use crate::storage::{Borrowed, Storage};
use crate::version::{ProtocolVersion, Role};
use crate::wire::reader::Reader;
use crate::wire::varint::MAX_VARINT;
use crate::wire::writer::Put;
#[cfg(feature = "alloc")]
use crate::wire::{varint::varint_len, writer::put_varint};
use core::fmt;
use core::num::NonZeroU16;

pub use connack::ConnAck;
pub use connect::{Connect, Will};
pub use connect_view::{ConnectSlot, ConnectView};
pub use disconnect::{Auth, Disconnect};
#[cfg(feature = "alloc")]
use encode::total_len;
pub use encode::{Encode, Prepared, TypedResponse};
pub use publish::Publish;
pub use pubresp::{PubAck, PubComp, PubRec, PubRel, PubResponse};
pub use suback::{SubAck, UnsubAck};
pub use subscribe::{RetainHandling, Subscribe, Subscription, SubscriptionOptions};
pub use unsubscribe::Unsubscribe;

/// A packet identifier: never zero ([MQTT-2.3.1-1], [MQTT-2.2.1-3]), so the type rules it out.
pub type PacketId = NonZeroU16;

/// What a body parser needs to know besides the bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ParseCtx {
    /// The connection's version (for CONNECT, which carries its own, a placeholder).
    pub(crate) version: ProtocolVersion,
    /// The side receiving the packet, when known.
    pub(crate) receiver: Option<Role>,
    /// The fixed-header flag nibble.
    pub(crate) flags: u8,
    /// Whether a CONNECT may carry the bridge mark (bit 7 of the protocol level).
    pub(crate) bridges: bool,
}

impl ParseCtx {
    /// The context of a body under the connection's `version`; before the version is known
    /// (a server waiting for CONNECT, which carries its own), 3.1.1 stands in.
    pub(crate) fn new(version: Option<ProtocolVersion>, receiver: Option<Role>, flags: u8) -> Self {
        ParseCtx {
            version: version.unwrap_or(ProtocolVersion::V3_1_1),
            receiver,
            flags,
            bridges: false,
        }
    }
}

/// Reads a non-zero packet identifier (PID-3, PID-4).
pub(crate) fn read_packet_id(r: &mut Reader<'_>) -> Result<PacketId, DecodeError> {
    let packet_type = r.packet_type();
    let id = r.u16("packet identifier")?;
    NonZeroU16::new(id).ok_or(DecodeError::ZeroPacketId { packet_type })
}

/// An MQTT control packet of any version.
///
/// `S` is the [`Storage`]: `Packet` (the default, [`Owned`]) holds [`bytes::Bytes`] slices
/// of the received frame and [`alloc::vec::Vec`] lists; [`PacketRef`] borrows everything from
/// the caller's buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Packet<S: Storage = crate::storage::DefaultStorage> {
    /// CONNECT: boxed in an owned packet, a [`ConnectView`] of its body in a borrowed one
    /// (sent once per connection, and the largest packet type by far, so the enum stays
    /// small for the others).
    Connect(S::ConnectBox),
    /// CONNACK.
    ConnAck(ConnAck<S>),
    /// PUBLISH.
    Publish(Publish<S>),
    /// PUBACK.
    PubAck(PubAck<S>),
    /// PUBREC.
    PubRec(PubRec<S>),
    /// PUBREL.
    PubRel(PubRel<S>),
    /// PUBCOMP.
    PubComp(PubComp<S>),
    /// SUBSCRIBE.
    Subscribe(Subscribe<S>),
    /// SUBACK.
    SubAck(SubAck<S>),
    /// UNSUBSCRIBE.
    Unsubscribe(Unsubscribe<S>),
    /// UNSUBACK.
    UnsubAck(UnsubAck<S>),
    /// PINGREQ.
    PingReq,
    /// PINGRESP.
    PingResp,
    /// DISCONNECT.
    Disconnect(Disconnect<S>),
    /// AUTH (5.0 only).
    Auth(Auth<S>),
}

/// A packet borrowed from the caller's buffer, as returned by [`crate::parse`].
pub type PacketRef<'a> = Packet<Borrowed<'a>>;

/// Parses the body of one packet whose fixed header has been checked.
#[cfg_attr(feature = "alloc", inline(always))]
pub(crate) fn parse_body<'a>(
    packet_type: PacketType,
    body: &'a [u8],
    ctx: &ParseCtx,
) -> Result<PacketRef<'a>, DecodeError> {
    let mut r = Reader::new(body, packet_type);
    // The guards are constants: what this build's sides never receive is not linked.
    let server = Role::Server.is_enabled();
    let client = Role::Client.is_enabled();
    let packet = match packet_type {
        _ if !packet_type.received_in_build() => {
            return Err(DecodeError::UnexpectedPacket {
                packet_type,
                role: if server { Role::Server } else { Role::Client },
            })
        }
        PacketType::Connect if server => {
            let connect = Connect::read(&mut r, ctx)?;
            Packet::Connect(ConnectView::parsed(&connect, r.slice(0, r.position())))
        }
        PacketType::ConnAck if client => Packet::ConnAck(ConnAck::read(&mut r, ctx)?),
        PacketType::Publish => Packet::Publish(Publish::read(&mut r, ctx)?),
        PacketType::PubAck => Packet::PubAck(PubResponse::read(&mut r, ctx, packet_type)?),
        PacketType::PubRec => Packet::PubRec(PubResponse::read(&mut r, ctx, packet_type)?),
        PacketType::PubRel => Packet::PubRel(PubResponse::read(&mut r, ctx, packet_type)?),
        PacketType::PubComp => Packet::PubComp(PubResponse::read(&mut r, ctx, packet_type)?),
        PacketType::Subscribe if server => Packet::Subscribe(Subscribe::read(&mut r, ctx)?),
        PacketType::SubAck if client => Packet::SubAck(SubAck::read(&mut r, ctx)?),
        PacketType::Unsubscribe if server => Packet::Unsubscribe(Unsubscribe::read(&mut r, ctx)?),
        PacketType::UnsubAck if client => Packet::UnsubAck(UnsubAck::read(&mut r, ctx)?),
        PacketType::PingReq | PacketType::PingResp => read_ping(&r, packet_type)?,
        PacketType::Disconnect => Packet::Disconnect(Disconnect::read(&mut r, ctx)?),
        PacketType::Auth if cfg!(feature = "v5") => Packet::Auth(Auth::read(&mut r, ctx)?),
        _ => {
            return Err(DecodeError::UnexpectedPacket {
                packet_type,
                role: if server { Role::Server } else { Role::Client },
            })
        }
    };
    r.finish()?;
    Ok(packet)
}

/// Parses the body of a PUBLISH: [`parse_body`] without the dispatch over every type, for
/// the most frequent packet.
#[inline(always)]
pub(crate) fn parse_publish_body<'a>(
    body: &'a [u8],
    ctx: &ParseCtx,
) -> Result<Publish<Borrowed<'a>>, DecodeError> {
    let mut r = Reader::new(body, PacketType::Publish);
    let publish = Publish::read(&mut r, ctx)?;
    r.finish()?;
    Ok(publish)
}

/// Parses the body of a CONNECT into its fields, for a caller that makes them owned at
/// once: [`parse_body`] gives a [`ConnectView`], which would read the body a second time.
/// The caller checks that this build receives CONNECT. (Written out like
/// [`parse_publish_body`] rather than shared through a reader closure, which the compiler
/// does not inline into the decoder's loop.)
#[cfg(feature = "alloc")]
pub(crate) fn parse_connect_body<'a>(
    body: &'a [u8],
    ctx: &ParseCtx,
) -> Result<Connect<Borrowed<'a>>, DecodeError> {
    let mut r = Reader::new(body, PacketType::Connect);
    let connect = Connect::read_in_place(&mut r, ctx)?;
    r.finish()?;
    Ok(connect)
}

/// PINGREQ and PINGRESP: no body at all.
fn read_ping<'a>(r: &Reader<'a>, packet_type: PacketType) -> Result<PacketRef<'a>, DecodeError> {
    if !r.is_empty() {
        return Err(DecodeError::InvalidRemainingLength {
            packet_type,
            length: r.remaining(),
        });
    }
    Ok(if packet_type == PacketType::PingReq {
        Packet::PingReq
    } else {
        Packet::PingResp
    })
}

/// The largest packet: a 1-byte header, a 4-byte remaining length and 268,435,455 bytes.
pub const MAX_PACKET_SIZE: usize = 1 + 4 + MAX_VARINT as usize;

impl<S: Storage> Packet<S> {
    /// The packet's type.
    pub fn packet_type(&self) -> PacketType {
        match self {
            Packet::Connect(_) => PacketType::Connect,
            Packet::ConnAck(_) => PacketType::ConnAck,
            Packet::Publish(_) => PacketType::Publish,
            Packet::PubAck(_) => PacketType::PubAck,
            Packet::PubRec(_) => PacketType::PubRec,
            Packet::PubRel(_) => PacketType::PubRel,
            Packet::PubComp(_) => PacketType::PubComp,
            Packet::Subscribe(_) => PacketType::Subscribe,
            Packet::SubAck(_) => PacketType::SubAck,
            Packet::Unsubscribe(_) => PacketType::Unsubscribe,
            Packet::UnsubAck(_) => PacketType::UnsubAck,
            Packet::PingReq => PacketType::PingReq,
            Packet::PingResp => PacketType::PingResp,
            Packet::Disconnect(_) => PacketType::Disconnect,
            Packet::Auth(_) => PacketType::Auth,
        }
    }

    /// The packet's properties (`None` for PINGREQ and PINGRESP, which have none).
    pub fn properties(&self) -> Option<&S::Props> {
        Some(match self {
            Packet::Connect(p) => p.properties(),
            Packet::ConnAck(p) => &p.properties,
            Packet::Publish(p) => &p.properties,
            Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => {
                &p.properties
            }
            Packet::Subscribe(p) => &p.properties,
            Packet::SubAck(p) => &p.properties,
            Packet::Unsubscribe(p) => &p.properties,
            Packet::UnsubAck(p) => &p.properties,
            Packet::Disconnect(p) => &p.properties,
            Packet::Auth(p) => &p.properties,
            Packet::PingReq | Packet::PingResp => return None,
        })
    }

    pub(crate) fn first_byte(&self) -> u8 {
        let flags = match self {
            Packet::Publish(p) => p.flags(),
            other => other.packet_type().required_flags().unwrap_or(0),
        };
        ((self.packet_type() as u8) << 4) | flags
    }

    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        let t = self.packet_type();
        encode::check_build(t, version)?;
        match self {
            Packet::Connect(p) => p.with(|c| c.body_len(version)),
            Packet::ConnAck(p) => p.body_len(version),
            Packet::Publish(p) => p.body_len(version),
            Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => {
                p.body_len(version, t)
            }
            Packet::Subscribe(p) => p.body_len(version),
            Packet::SubAck(p) => p.body_len(version),
            Packet::Unsubscribe(p) => p.body_len(version),
            Packet::UnsubAck(p) => p.body_len(version),
            Packet::PingReq | Packet::PingResp => Ok(0),
            Packet::Disconnect(p) => p.body_len(version),
            Packet::Auth(p) => p.body_len(version),
        }
    }

    pub(crate) fn write_body(&self, version: ProtocolVersion, buf: &mut impl Put) {
        let t = self.packet_type();
        match self {
            Packet::Connect(p) => p.with(|c| c.write_body(version, buf)),
            Packet::ConnAck(p) => p.write_body(version, buf),
            Packet::Publish(p) => p.write_body(version, buf),
            Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => {
                p.write_body(version, t, buf)
            }
            Packet::Subscribe(p) => p.write_body(version, buf),
            Packet::SubAck(p) => p.write_body(version, buf),
            Packet::Unsubscribe(p) => p.write_body(version, buf),
            Packet::UnsubAck(p) => p.write_body(version, buf),
            Packet::PingReq | Packet::PingResp => {}
            Packet::Disconnect(p) => p.write_body(version, buf),
            Packet::Auth(p) => p.write_body(version, buf),
        }
    }

    /// The exact number of bytes [`Packet::encode`] writes under `version`, computed without
    /// allocating; fails when the packet breaks a rule or cannot be represented in `version`.
    pub fn encoded_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        Encode::encoded_len(self, version)
    }

    /// Encodes the packet into `buf` and returns the number of bytes written.
    ///
    /// Checks every rule first and writes nothing on error. The remaining length is always
    /// in its shortest form. Fails with [`EncodeError::BufferTooSmall`] when `buf` cannot
    /// take the whole packet.
    #[cfg(feature = "alloc")]
    pub fn encode<B: bytes::BufMut>(
        &self,
        version: ProtocolVersion,
        buf: &mut B,
    ) -> Result<usize, EncodeError> {
        Encode::encode(self, version, buf)
    }

    /// Encodes the packet into the start of `out` without allocating; returns the length.
    pub fn encode_to_slice(
        &self,
        version: ProtocolVersion,
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        Encode::encode_to_slice(self, version, out)
    }

    /// Encodes the packet into a new buffer of exactly the right size.
    #[cfg(feature = "alloc")]
    pub fn to_bytes(&self, version: ProtocolVersion) -> Result<bytes::Bytes, EncodeError> {
        Encode::to_bytes(self, version)
    }
}

impl<S: Storage> Publish<S> {
    /// Writes the fixed header and the variable header of this PUBLISH, everything before
    /// the payload, and returns the payload untouched: write the two with one vectored
    /// write, and the payload is never copied.
    #[cfg(feature = "alloc")]
    pub fn encode_header<B: bytes::BufMut>(
        &self,
        version: ProtocolVersion,
        buf: &mut B,
    ) -> Result<&S::Bytes, EncodeError> {
        encode::check_build(PacketType::Publish, version)?;
        let (header_body, properties) = self.header_sizes(version)?;
        let body = header_body.saturating_add(self.payload.as_ref().len());
        total_len(body)?;
        let needed = header_body
            .saturating_add(varint_len(body as u32))
            .saturating_add(1);
        if buf.remaining_mut() < needed {
            return Err(EncodeError::BufferTooSmall {
                needed,
                available: buf.remaining_mut(),
            });
        }
        buf.put_u8((PacketType::Publish as u8) << 4 | self.flags());
        put_varint(buf, body as u32);
        self.write_header_body_with(version, properties, buf);
        Ok(&self.payload)
    }
}

#[cfg(feature = "alloc")]
impl Packet<Owned> {
    /// Makes the packet fit a peer's Maximum Packet Size (checklist PR-8): on CONNACK,
    /// PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT and AUTH it drops the
    /// Reason String, then the User Properties, until the packet fits. Other packets are not
    /// changed. Returns the encoded length, or [`EncodeError::PacketTooLarge`] if it still
    /// does not fit.
    pub fn fit_to_size(
        &mut self,
        version: ProtocolVersion,
        max: usize,
    ) -> Result<usize, EncodeError> {
        let droppable = !matches!(
            self,
            Packet::Connect(_) | Packet::Publish(_) | Packet::Subscribe(_) | Packet::Unsubscribe(_)
        );
        let mut len = self.encoded_len(version)?;
        if len > max && droppable {
            if let Some(p) = self.properties_mut() {
                p.reason_string = None;
            }
            len = self.encoded_len(version)?;
        }
        if len > max && droppable {
            if let Some(p) = self.properties_mut() {
                p.user_properties.clear();
            }
            len = self.encoded_len(version)?;
        }
        if len > max {
            return Err(EncodeError::PacketTooLarge { size: len, max });
        }
        Ok(len)
    }

    fn properties_mut(&mut self) -> Option<&mut Properties<Owned>> {
        Some(match self {
            Packet::Connect(p) => &mut p.properties,
            Packet::ConnAck(p) => &mut p.properties,
            Packet::Publish(p) => &mut p.properties,
            Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => {
                &mut p.properties
            }
            Packet::Subscribe(p) => &mut p.properties,
            Packet::SubAck(p) => &mut p.properties,
            Packet::Unsubscribe(p) => &mut p.properties,
            Packet::UnsubAck(p) => &mut p.properties,
            Packet::Disconnect(p) => &mut p.properties,
            Packet::Auth(p) => &mut p.properties,
            Packet::PingReq | Packet::PingResp => return None,
        })
    }
}

#[cfg(feature = "alloc")]
impl From<Connect<Owned>> for Packet<Owned> {
    fn from(p: Connect<Owned>) -> Self {
        Packet::Connect(alloc::boxed::Box::new(p))
    }
}

impl<'a> From<&'a Connect<Borrowed<'a>>> for PacketRef<'a> {
    fn from(p: &'a Connect<Borrowed<'a>>) -> Self {
        Packet::Connect(ConnectView::new(p))
    }
}

/// Conversions from each packet type into [`Packet`].
macro_rules! into_packet {
    ($($ty:ident => $variant:ident),*) => {$(
        impl<S: Storage> From<$ty<S>> for Packet<S> {
            fn from(p: $ty<S>) -> Self {
                Packet::$variant(p)
            }
        }
    )*};
}
into_packet!(ConnAck => ConnAck, Publish => Publish, Subscribe => Subscribe,
    SubAck => SubAck, Unsubscribe => Unsubscribe, UnsubAck => UnsubAck, Disconnect => Disconnect, Auth => Auth);
