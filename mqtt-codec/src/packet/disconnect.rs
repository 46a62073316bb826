//! DISCONNECT (§3.14) and AUTH (§3.15): a reason code and properties, both optional on the
//! wire, which share one layout.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::{DecodeError, EncodeError};
use crate::packet::ParseCtx;
use crate::packet_type::PacketType;
use crate::properties::{
    read_properties, section_len, slot_content_len, write_properties, PropContext,
};
use crate::property_slot::PropertySlot;
use crate::property_view::PropertyView;
use crate::reason::ReasonCode;
use crate::storage::Borrowed;
#[cfg(feature = "alloc")]
use crate::storage::Owned;
use crate::storage::Storage;
use crate::version::{ProtocolVersion, Role};
use crate::wire::reader::Reader;
use crate::wire::writer::Put;

/// DISCONNECT: the end of a connection. In 3.x it has no content and only clients send it;
/// in 5.0 either side sends it with a reason code and properties.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disconnect<S: Storage = crate::storage::DefaultStorage> {
    /// The reason (0x00 Normal disconnection by default).
    pub reason_code: ReasonCode,
    /// Session Expiry Interval, Reason String, Server Reference, User Properties (5.0).
    pub properties: S::Props,
}

/// AUTH (5.0 only): a step of enhanced authentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Auth<S: Storage = crate::storage::DefaultStorage> {
    /// 0x00 Success, 0x18 Continue authentication or 0x19 Re-authenticate.
    pub reason_code: ReasonCode,
    /// Authentication Method (required unless the packet is the bare success form),
    /// Authentication Data, Reason String, User Properties.
    pub properties: S::Props,
}

#[cfg(feature = "alloc")]
impl Disconnect<Owned> {
    /// A DISCONNECT with `reason_code` and no properties.
    pub fn new(reason_code: ReasonCode) -> Self {
        Disconnect {
            reason_code,
            properties: Default::default(),
        }
    }
}

#[cfg(feature = "alloc")]
impl Default for Disconnect<Owned> {
    fn default() -> Self {
        Disconnect::new(ReasonCode::Success)
    }
}

#[cfg(feature = "alloc")]
impl Auth<Owned> {
    /// An AUTH with `reason_code` and no properties yet (set the Authentication Method).
    pub fn new(reason_code: ReasonCode) -> Self {
        Auth {
            reason_code,
            properties: Default::default(),
        }
    }
}

/// Codes only a client sends in DISCONNECT, and only a server (Table 3-10).
fn disconnect_code_from(code: ReasonCode) -> Option<Role> {
    match code.value() {
        0x04 => Some(Role::Client),
        0x87 | 0x89 | 0x8B | 0x8C | 0x8D | 0x8E | 0x8F | 0x9A..=0xA2 => Some(Role::Server),
        _ => None,
    }
}

/// Codes only a client sends in AUTH, and only a server (Table 3-11).
fn auth_code_from(code: ReasonCode) -> Option<Role> {
    match code {
        ReasonCode::Success => Some(Role::Server),
        ReasonCode::ReAuthenticate => Some(Role::Client),
        _ => None,
    }
}

fn sender(receiver: Role) -> Role {
    match receiver {
        Role::Client => Role::Server,
        Role::Server => Role::Client,
    }
}

/// Reads the shared layout: nothing (RL 0), a reason code (RL 1), or a code and properties.
fn read_parts<'a>(
    r: &mut Reader<'a>,
    ctx: &ParseCtx,
    packet_type: PacketType,
) -> Result<(ReasonCode, PropertyView<'a>), DecodeError> {
    if !ctx.version.is_v5() {
        if !r.is_empty() {
            return Err(DecodeError::InvalidRemainingLength {
                packet_type,
                length: r.remaining(),
            });
        }
        return Ok((ReasonCode::Success, Default::default()));
    }
    let mut code = ReasonCode::Success;
    if !r.is_empty() {
        let raw = r.u8("reason code")?;
        code = ReasonCode::from_u8(raw)
            .filter(|c| c.allowed_in(packet_type))
            .ok_or(DecodeError::InvalidReasonCode {
                packet_type,
                code: raw,
            })?;
    }
    let only_from = match packet_type {
        PacketType::Auth => auth_code_from(code),
        _ => disconnect_code_from(code),
    };
    if let (Some(only), Some(receiver)) = (only_from, ctx.receiver) {
        if only != sender(receiver) {
            return Err(DecodeError::ReasonCodeFromWrongSide {
                packet_type,
                code: code.value(),
            });
        }
    }
    let properties = if r.is_empty() {
        Default::default()
    } else {
        read_properties(r, PropContext::Packet(packet_type), ctx.receiver)?
    };
    Ok((code, properties))
}

fn parts_len<S: Storage>(
    code: ReasonCode,
    props: &S::Props,
    version: ProtocolVersion,
    packet_type: PacketType,
) -> Result<usize, EncodeError> {
    if !code.allowed_in(packet_type) {
        return Err(EncodeError::InvalidReasonCode { packet_type, code });
    }
    if !version.is_v5() {
        if packet_type == PacketType::Auth {
            return Err(EncodeError::NotRepresentable {
                what: "AUTH",
                version,
            });
        }
        if code != ReasonCode::Success {
            return Err(EncodeError::NotRepresentable {
                what: "a reason code",
                version,
            });
        }
        if !props.is_empty() {
            return Err(EncodeError::NotRepresentable {
                what: "properties",
                version,
            });
        }
        return Ok(0);
    }
    let content = slot_content_len::<S>(props, PropContext::Packet(packet_type))?;
    Ok(match (code, content) {
        (ReasonCode::Success, 0) => 0,
        (_, 0) if packet_type == PacketType::Disconnect => 1,
        _ => section_len(content).saturating_add(1),
    })
}

fn write_parts<S: Storage>(
    buf: &mut impl Put,
    code: ReasonCode,
    props: &S::Props,
    version: ProtocolVersion,
    packet_type: PacketType,
) {
    if !version.is_v5() {
        return;
    }
    let content = slot_content_len::<S>(props, PropContext::Packet(packet_type)).unwrap_or(0);
    if code == ReasonCode::Success && content == 0 {
        return;
    }
    buf.put_u8(code.value());
    if content > 0 || packet_type == PacketType::Auth {
        write_properties::<S>(buf, props, content);
    }
}

impl<'a> Disconnect<Borrowed<'a>> {
    #[inline]
    pub(crate) fn read(r: &mut Reader<'a>, ctx: &ParseCtx) -> Result<Self, DecodeError> {
        let (reason_code, properties) = read_parts(r, ctx, PacketType::Disconnect)?;
        if ctx.receiver == Some(Role::Client)
            && properties.with(|p| p.session_expiry_interval.is_some())
        {
            return Err(DecodeError::SessionExpiryFromServer);
        }
        Ok(Disconnect {
            reason_code,
            properties,
        })
    }
}

impl<S: Storage> Disconnect<S> {
    #[inline]
    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        parts_len::<S>(
            self.reason_code,
            &self.properties,
            version,
            PacketType::Disconnect,
        )
    }

    #[inline]
    pub(crate) fn write_body(&self, version: ProtocolVersion, buf: &mut impl Put) {
        write_parts::<S>(
            buf,
            self.reason_code,
            &self.properties,
            version,
            PacketType::Disconnect,
        );
    }
}

impl<'a> Auth<Borrowed<'a>> {
    #[inline]
    pub(crate) fn read(r: &mut Reader<'a>, ctx: &ParseCtx) -> Result<Self, DecodeError> {
        let bare = r.is_empty();
        let (reason_code, properties) = read_parts(r, ctx, PacketType::Auth)?;
        // Only the RL = 0 success form may leave the method out (checklist Q2).
        if !bare && properties.with(|p| p.authentication_method.is_none()) {
            return Err(DecodeError::MissingAuthenticationMethod);
        }
        Ok(Auth {
            reason_code,
            properties,
        })
    }
}

impl<S: Storage> Auth<S> {
    #[inline]
    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        let bare = self.reason_code == ReasonCode::Success && self.properties.is_empty();
        if version.is_v5() && !bare && self.properties.with(|p| p.authentication_method.is_none()) {
            return Err(EncodeError::MissingAuthenticationMethod);
        }
        parts_len::<S>(
            self.reason_code,
            &self.properties,
            version,
            PacketType::Auth,
        )
    }

    #[inline]
    pub(crate) fn write_body(&self, version: ProtocolVersion, buf: &mut impl Put) {
        write_parts::<S>(
            buf,
            self.reason_code,
            &self.properties,
            version,
            PacketType::Auth,
        );
    }
}
