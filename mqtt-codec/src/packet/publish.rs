//! PUBLISH (§3.3): an application message, in either direction.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::{DecodeError, EncodeError};
use crate::packet::{read_packet_id, PacketId, ParseCtx};
use crate::packet_type::PacketType;
use crate::properties::{
    publish_slot_content_len, read_properties, section_len, write_publish_properties, PropContext,
};
use crate::property_slot::PropertySlot;
use crate::qos::QoS;
use crate::storage::Borrowed;
#[cfg(feature = "alloc")]
use crate::storage::Owned;
use crate::storage::Storage;
use crate::string::fmt_payload;
use crate::topic::{check_topic_name, is_plain_topic_name, TopicName};
use crate::version::ProtocolVersion;
use crate::wire::reader::Reader;
use crate::wire::writer::prefixed_len;
use crate::wire::writer::Put;
#[cfg(feature = "alloc")]
use bytes::Bytes;
use core::fmt;

/// PUBLISH: a message on a topic.
#[derive(Clone, PartialEq, Eq)]
pub struct Publish<S: Storage = crate::storage::DefaultStorage> {
    /// DUP: this is a re-delivery (only at QoS 1 and 2).
    pub dup: bool,
    /// The QoS.
    pub qos: QoS,
    /// RETAIN.
    pub retain: bool,
    /// The topic. Empty only in a 5.0 PUBLISH that carries a Topic Alias.
    pub topic: TopicName<S::Bytes>,
    /// The packet identifier: present exactly when the QoS is 1 or 2.
    pub packet_id: Option<PacketId>,
    /// MQTT 5.0 PUBLISH properties.
    pub properties: S::Props,
    /// The application payload, untouched.
    pub payload: S::Bytes,
}

#[cfg(feature = "alloc")]
impl Publish<Owned> {
    /// A QoS 0 PUBLISH of `payload` on `topic`.
    pub fn new(topic: TopicName, payload: impl Into<Bytes>) -> Self {
        Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic,
            packet_id: None,
            properties: Default::default(),
            payload: payload.into(),
        }
    }

    /// A QoS 1 or 2 PUBLISH (or QoS 0, where `packet_id` is ignored) with its identifier.
    pub fn with_qos(
        topic: TopicName,
        payload: impl Into<Bytes>,
        qos: QoS,
        packet_id: PacketId,
    ) -> Self {
        let mut p = Publish::new(topic, payload);
        p.qos = qos;
        p.packet_id = (qos != QoS::AtMostOnce).then_some(packet_id);
        p
    }
}

/// The payload is shown up to this many bytes by `Debug` and `Display`.
pub(crate) const PAYLOAD_PREVIEW: usize = 64;

impl<S: Storage> fmt::Debug for Publish<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Payload<'a>(&'a [u8]);
        impl fmt::Debug for Payload<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_payload(f, self.0, PAYLOAD_PREVIEW)
            }
        }
        f.debug_struct("Publish")
            .field("dup", &self.dup)
            .field("qos", &self.qos)
            .field("retain", &self.retain)
            .field("topic", &self.topic)
            .field("packet_id", &self.packet_id)
            .field("properties", &self.properties)
            .field("payload", &Payload(self.payload.as_ref()))
            .finish()
    }
}

impl<'a> Publish<Borrowed<'a>> {
    #[inline(always)]
    pub(crate) fn read(r: &mut Reader<'a>, ctx: &ParseCtx) -> Result<Self, DecodeError> {
        let flags = ctx.flags;
        let qos = QoS::from_bits((flags >> 1) & 0b11).ok_or(DecodeError::PublishQos3)?;
        let dup = flags & 0b1000 != 0;
        if dup && qos == QoS::AtMostOnce {
            return Err(DecodeError::DupWithQos0);
        }
        // Almost every topic is plain ASCII, checked in one pass; any other gets the full
        // UTF-8 and topic checks.
        let (topic, text) = r.string_unless("topic name", is_plain_topic_name)?;
        let v5 = ctx.version.is_v5();
        let empty = text.is_some_and(str::is_empty);
        if let Some(text) = text.filter(|_| !empty || !v5) {
            check_topic_name(text).map_err(|reason| DecodeError::InvalidTopicName {
                field: "topic name",
                reason,
            })?;
        }
        let packet_id = if qos == QoS::AtMostOnce {
            None
        } else {
            Some(read_packet_id(r)?)
        };
        let properties = if v5 {
            let p = read_properties(r, PropContext::Packet(PacketType::Publish), ctx.receiver)?;
            if topic.is_empty() && p.with(|p| p.topic_alias.is_none()) {
                return Err(DecodeError::EmptyTopicWithoutAlias);
            }
            p
        } else {
            Default::default()
        };
        Ok(Publish {
            dup,
            qos,
            retain: flags & 1 != 0,
            topic: TopicName::from_validated(topic),
            packet_id,
            properties,
            payload: r.rest(),
        })
    }
}

impl<S: Storage> Publish<S> {
    /// The flag nibble: DUP, QoS, RETAIN.
    pub(crate) fn flags(&self) -> u8 {
        (u8::from(self.dup) << 3) | ((self.qos as u8) << 1) | u8::from(self.retain)
    }

    /// The size of everything before the payload in the body, after checking the rules.
    #[inline(always)]
    pub(crate) fn header_body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        Ok(self.header_sizes(version)?.0)
    }

    /// The size of everything before the payload in the body, after checking the rules, and
    /// the content length of the property section, which writing it needs again.
    #[inline(always)]
    pub(crate) fn header_sizes(
        &self,
        version: ProtocolVersion,
    ) -> Result<(usize, usize), EncodeError> {
        match (self.qos, self.packet_id) {
            (QoS::AtMostOnce, Some(_)) => return Err(EncodeError::UnexpectedPacketId),
            (QoS::AtMostOnce, None) if self.dup => return Err(EncodeError::DupWithQos0),
            (QoS::AtLeastOnce | QoS::ExactlyOnce, None) => {
                return Err(EncodeError::MissingPacketId(self.qos))
            }
            _ => {}
        }
        if self.topic.is_empty()
            && !(version.is_v5() && self.properties.with(|p| p.topic_alias.is_some()))
        {
            return Err(EncodeError::EmptyTopic);
        }
        let mut len = prefixed_len("topic name", self.topic.as_mqtt_str().as_bytes())?;
        if self.packet_id.is_some() {
            len = len.saturating_add(2);
        }
        // A 5.0 packet without properties has a section of one byte, its Property Length.
        let v5 = usize::from(version.is_v5());
        if self.properties.is_bare() {
            // The common case, kept apart from the walk over the properties.
            return Ok((len.saturating_add(v5), 0));
        }
        let content = self.properties_len(version)?;
        let section = if version.is_v5() {
            section_len(content)
        } else {
            0
        };
        Ok((len.saturating_add(section), content))
    }

    /// The content length of the property section of a PUBLISH whose slot is not bare, after
    /// checking it (under 3.x there is none, so the set must be empty).
    #[inline(never)]
    fn properties_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        if version.is_v5() {
            publish_slot_content_len::<S>(&self.properties)
        } else if self.properties.is_empty() {
            Ok(0)
        } else {
            Err(EncodeError::NotRepresentable {
                what: "properties",
                version,
            })
        }
    }

    #[inline(always)]
    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        Ok(self
            .header_body_len(version)?
            .saturating_add(self.payload.as_ref().len()))
    }

    #[inline(always)]
    pub(crate) fn write_header_body(&self, version: ProtocolVersion, buf: &mut impl Put) {
        let properties = if self.properties.is_bare() {
            0
        } else {
            self.properties_len(version).unwrap_or(0)
        };
        self.write_header_body_with(version, properties, buf);
    }

    /// Writes everything before the payload, with a property section whose content
    /// [`Publish::header_sizes`] sized at `properties` bytes.
    #[inline(always)]
    pub(crate) fn write_header_body_with(
        &self,
        version: ProtocolVersion,
        properties: usize,
        buf: &mut impl Put,
    ) {
        crate::wire::writer::put_prefixed(buf, self.topic.as_mqtt_str().as_bytes());
        if let Some(id) = self.packet_id {
            buf.put_u16(id.get());
        }
        if version.is_v5() {
            if properties == 0 {
                buf.put_u8(0);
            } else {
                write_publish_properties::<S>(buf, &self.properties, properties);
            }
        }
    }

    #[inline(always)]
    pub(crate) fn write_body(&self, version: ProtocolVersion, buf: &mut impl Put) {
        self.write_header_body(version, buf);
        buf.put_slice(self.payload.as_ref());
    }
}
