//! CONNECT (§3.1): the client's request to open a session.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::{DecodeError, EncodeError};
use crate::packet::ParseCtx;
use crate::packet_type::PacketType;
use crate::properties::{
    read_properties, section_len, slot_content_len, write_properties, PropContext,
};
use crate::property_slot::PropertySlot;
use crate::qos::QoS;
use crate::storage::Borrowed;
#[cfg(feature = "alloc")]
use crate::storage::Owned;
use crate::storage::Storage;
use crate::string::MqttStr;
use crate::topic::TopicName;
use crate::version::ProtocolVersion;
use crate::wire::reader::Reader;
use crate::wire::writer::Put;
use crate::wire::writer::{prefixed_len, put_prefixed};
#[cfg(feature = "alloc")]
use bytes::Bytes;

/// The will message of a CONNECT: published by the server when the connection is lost
/// without a DISCONNECT (§3.1.2.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Will<S: Storage = crate::storage::DefaultStorage> {
    /// The topic the will is published to.
    pub topic: TopicName<S::Bytes>,
    /// The will payload (binary).
    pub payload: S::Bytes,
    /// The QoS of the will publication.
    pub qos: QoS,
    /// Whether the will is published retained.
    pub retain: bool,
    /// MQTT 5.0 will properties (Will Delay Interval, Message Expiry, ...).
    pub properties: S::Props,
}

#[cfg(feature = "alloc")]
impl Will<Owned> {
    /// A will for `topic` with `payload`, QoS 0, not retained.
    pub fn new(topic: TopicName, payload: impl Into<Bytes>) -> Self {
        Will {
            topic,
            payload: payload.into(),
            qos: QoS::AtMostOnce,
            retain: false,
            properties: Default::default(),
        }
    }
}

/// CONNECT: the first packet a client sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connect<S: Storage = crate::storage::DefaultStorage> {
    /// The protocol version the client asks for. Encoding under any other version fails.
    pub protocol_version: ProtocolVersion,
    /// The client is a bridge: a 3.x broker connecting as a client, with bit 7 of the
    /// protocol level set (mosquitto's `try_private`). Refused on decode unless the decoder
    /// opted in ([`crate::Decoder::accept_bridges`]); encoded under 3.1 and 3.1.1 only.
    pub bridge: bool,
    /// Clean Session (3.x) or Clean Start (5.0).
    pub clean_start: bool,
    /// Keep Alive in seconds; 0 turns it off.
    pub keep_alive: u16,
    /// The client identifier; may be empty (the server then assigns one).
    pub client_id: MqttStr<S::Bytes>,
    /// The will, if any.
    pub will: Option<Will<S>>,
    /// The user name, if any.
    pub username: Option<MqttStr<S::Bytes>>,
    /// The password (binary), if any.
    pub password: Option<S::Bytes>,
    /// MQTT 5.0 CONNECT properties.
    pub properties: S::Props,
}

#[cfg(feature = "alloc")]
impl Connect<Owned> {
    /// A CONNECT for `version` with `client_id`, clean start and a 60 s keep alive.
    pub fn new(version: ProtocolVersion, client_id: MqttStr) -> Self {
        Connect {
            protocol_version: version,
            bridge: false,
            clean_start: true,
            keep_alive: 60,
            client_id,
            will: None,
            username: None,
            password: None,
            properties: Default::default(),
        }
    }
}

pub(super) const USERNAME: u8 = 0x80;
pub(super) const PASSWORD: u8 = 0x40;
pub(super) const WILL_RETAIN: u8 = 0x20;
pub(super) const WILL_QOS_SHIFT: u8 = 3;
pub(super) const WILL: u8 = 0x04;
pub(super) const CLEAN: u8 = 0x02;
const RESERVED: u8 = 0x01;
/// Bit 7 of the protocol level: a bridge (a non-standard mark mosquitto and others use).
const BRIDGE: u8 = 0x80;

impl<'a> Connect<Borrowed<'a>> {
    /// Reads a CONNECT body (for the borrowed parse, which keeps it out of line).
    #[inline]
    pub(crate) fn read(r: &mut Reader<'a>, ctx: &ParseCtx) -> Result<Self, DecodeError> {
        Self::read_in_place(r, ctx)
    }

    /// [`Connect::read`], always inlined: the owned decode builds its packet from the fields
    /// read, and returning this large value from a call copied it (some 130 instructions of
    /// 1,580 per CONNECT).
    #[inline(always)]
    pub(crate) fn read_in_place(r: &mut Reader<'a>, ctx: &ParseCtx) -> Result<Self, DecodeError> {
        let name = r.binary("protocol name")?;
        let level = r.u8("protocol level")?;
        if name != b"MQTT" && name != b"MQIsdp" {
            return Err(DecodeError::UnsupportedProtocolName);
        }
        // A bridge's mark, where the caller accepts bridges; otherwise the level is just
        // unknown (CONNACK 0x01 / 0x84, [MQTT-3.1.2-2]).
        let bridge = ctx.bridges && level & BRIDGE != 0;
        let plain = if bridge { level & !BRIDGE } else { level };
        let version = ProtocolVersion::from_name_and_level(name, plain)
            .filter(|v| !(bridge && v.is_v5()))
            .ok_or(DecodeError::UnsupportedProtocolLevel { level })?;
        let flags = r.u8("connect flags")?;
        // MQTT 3.1 left bit 0 unused rather than reserved, and its clients may set it; the
        // rule is 3.1.1's and 5.0's ([MQTT-3.1.2-3]).
        if flags & RESERVED != 0 && version != ProtocolVersion::V3_1 {
            return Err(DecodeError::ConnectReservedFlag);
        }
        let will_flag = flags & WILL != 0;
        let will_qos_bits = (flags >> WILL_QOS_SHIFT) & 0b11;
        if !will_flag && will_qos_bits != 0 {
            return Err(DecodeError::WillQosWithoutWill);
        }
        if !will_flag && flags & WILL_RETAIN != 0 {
            return Err(DecodeError::WillRetainWithoutWill);
        }
        let will_qos = QoS::from_bits(will_qos_bits).ok_or(DecodeError::WillQos3)?;
        if !version.is_v5() && flags & PASSWORD != 0 && flags & USERNAME == 0 {
            return Err(DecodeError::PasswordWithoutUsername);
        }
        let clean_start = flags & CLEAN != 0;
        let keep_alive = r.u16("keep alive")?;
        let properties = if version.is_v5() {
            let p = read_properties(r, PropContext::Packet(PacketType::Connect), ctx.receiver)?;
            if p.with(|p| p.authentication_data.is_some() && p.authentication_method.is_none()) {
                return Err(DecodeError::AuthenticationDataWithoutMethod);
            }
            p
        } else {
            Default::default()
        };
        let client_id = r.string("client identifier")?;
        if version == ProtocolVersion::V3_1_1 && client_id.is_empty() && !clean_start {
            return Err(DecodeError::EmptyClientIdWithoutCleanSession);
        }
        let will = if will_flag {
            let properties = if version.is_v5() {
                read_properties(r, PropContext::Will, ctx.receiver)?
            } else {
                Default::default()
            };
            let topic = r.topic_name("will topic")?;
            let payload = r.binary("will payload")?;
            Some(Will {
                topic: TopicName::from_validated(topic),
                payload,
                qos: will_qos,
                retain: flags & WILL_RETAIN != 0,
                properties,
            })
        } else {
            None
        };
        let username = if flags & USERNAME != 0 {
            Some(r.string("user name")?)
        } else {
            None
        };
        let password = if flags & PASSWORD != 0 {
            Some(r.binary("password")?)
        } else {
            None
        };
        Ok(Connect {
            protocol_version: version,
            bridge,
            clean_start,
            keep_alive,
            client_id,
            will,
            username,
            password,
            properties,
        })
    }
}

impl<S: Storage> Connect<S> {
    #[inline]
    fn check(&self, version: ProtocolVersion) -> Result<(), EncodeError> {
        if version != self.protocol_version {
            return Err(EncodeError::NotRepresentable {
                what: "a CONNECT built for another protocol version",
                version,
            });
        }
        if self.bridge && version.is_v5() {
            return Err(EncodeError::NotRepresentable {
                what: "the bridge mark (5.0 bridges use No Local instead)",
                version,
            });
        }
        if !version.is_v5() {
            if self.password.is_some() && self.username.is_none() {
                return Err(EncodeError::PasswordWithoutUsername);
            }
            if version == ProtocolVersion::V3_1_1 && self.client_id.is_empty() && !self.clean_start
            {
                return Err(EncodeError::EmptyClientIdWithoutCleanSession);
            }
            let will_props = self.will.as_ref().is_some_and(|w| !w.properties.is_empty());
            if !self.properties.is_empty() || will_props {
                return Err(EncodeError::NotRepresentable {
                    what: "properties",
                    version,
                });
            }
        } else if self
            .properties
            .with(|p| p.authentication_data.is_some() && p.authentication_method.is_none())
        {
            return Err(EncodeError::MissingAuthenticationMethod);
        }
        Ok(())
    }

    #[inline]
    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        self.check(version)?;
        // Protocol name (length-prefixed), level, flags, keep alive.
        let mut len = version.protocol_name().len().saturating_add(2 + 1 + 1 + 2);
        if version.is_v5() {
            len = len.saturating_add(section_len(slot_content_len::<S>(
                &self.properties,
                PropContext::Packet(PacketType::Connect),
            )?));
        }
        len = len.saturating_add(prefixed_len(
            "client identifier",
            self.client_id.as_bytes(),
        )?);
        if let Some(will) = &self.will {
            if version.is_v5() {
                len = len.saturating_add(section_len(slot_content_len::<S>(
                    &will.properties,
                    PropContext::Will,
                )?));
            }
            len = len.saturating_add(prefixed_len(
                "will topic",
                will.topic.as_mqtt_str().as_bytes(),
            )?);
            len = len.saturating_add(prefixed_len("will payload", will.payload.as_ref())?);
        }
        if let Some(u) = &self.username {
            len = len.saturating_add(prefixed_len("user name", u.as_bytes())?);
        }
        if let Some(p) = &self.password {
            len = len.saturating_add(prefixed_len("password", p.as_ref())?);
        }
        Ok(len)
    }

    #[inline]
    pub(crate) fn write_body(&self, version: ProtocolVersion, buf: &mut impl Put) {
        // The name as a fixed-size write (a copy of a length known here, not a call).
        let bridge = if self.bridge { BRIDGE } else { 0 };
        let level = version.level() | bridge;
        match version {
            ProtocolVersion::V3_1 => {
                buf.put_slice(&[0, 6, b'M', b'Q', b'I', b's', b'd', b'p', level])
            }
            _ => buf.put_slice(&[0, 4, b'M', b'Q', b'T', b'T', level]),
        }
        let mut flags = 0u8;
        if self.clean_start {
            flags |= CLEAN;
        }
        if let Some(will) = &self.will {
            flags |= WILL | ((will.qos as u8) << WILL_QOS_SHIFT);
            if will.retain {
                flags |= WILL_RETAIN;
            }
        }
        if self.username.is_some() {
            flags |= USERNAME;
        }
        if self.password.is_some() {
            flags |= PASSWORD;
        }
        buf.put_u8(flags);
        buf.put_u16(self.keep_alive);
        if version.is_v5() {
            let len =
                slot_content_len::<S>(&self.properties, PropContext::Packet(PacketType::Connect))
                    .unwrap_or(0);
            write_properties::<S>(buf, &self.properties, len);
        }
        put_prefixed(buf, self.client_id.as_bytes());
        if let Some(will) = &self.will {
            if version.is_v5() {
                let len = slot_content_len::<S>(&will.properties, PropContext::Will).unwrap_or(0);
                write_properties::<S>(buf, &will.properties, len);
            }
            put_prefixed(buf, will.topic.as_mqtt_str().as_bytes());
            put_prefixed(buf, will.payload.as_ref());
        }
        if let Some(u) = &self.username {
            put_prefixed(buf, u.as_bytes());
        }
        if let Some(p) = &self.password {
            put_prefixed(buf, p.as_ref());
        }
    }
}
