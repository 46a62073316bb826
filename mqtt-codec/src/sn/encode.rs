//! Encoding MQTT-SN 1.2 messages, exactly and into a caller's buffer: every rule the parser
//! checks is checked first, and nothing is written when one fails.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::decode::{check_client_id, SnOptions};
use super::error::{SnEncodeError, SnError};
use super::header::{put_length, total_len};
use super::message::{Message, SubscribeTopic, WillTopic};
use super::types::{MsgType, ReturnCode, SnQos, TopicId};
use crate::string::MqttStr;
use crate::topic::{check_topic_filter, check_topic_name, TopicError};
use crate::wire::writer::{Put, SliceWriter};

/// A [`Put`] that only counts, so that a message's size comes from the code that writes it.
pub(crate) struct Counter(pub(crate) usize);

impl Put for Counter {
    fn remaining_mut(&self) -> usize {
        usize::MAX
    }
    fn put_u8(&mut self, _: u8) {
        self.0 = self.0.saturating_add(1);
    }
    fn put_slice(&mut self, bytes: &[u8]) {
        self.0 = self.0.saturating_add(bytes.len());
    }
}

impl<B: AsRef<[u8]>> Message<B> {
    /// The message's encoded size, after checking it.
    pub fn encoded_len(&self) -> Result<usize, SnEncodeError> {
        self.encoded_len_with(&SnOptions::DEFAULT)
    }

    /// [`Message::encoded_len`] under `opts`: a ClientId (in CONNECT, PINGREQ or an
    /// encapsulated message) may be as long as `opts.max_client_id_len`, for a gateway that
    /// takes longer ones than the specification's 23 (SN-FLD-2).
    pub fn encoded_len_with(&self, opts: &SnOptions) -> Result<usize, SnEncodeError> {
        self.check(opts)?;
        self.total()
    }

    /// Encodes the message at the start of `out` and returns the number of octets written.
    ///
    /// ```
    /// use mqtt_codec::sn::{Message, Publish, SnQos, TopicId};
    ///
    /// let publish = Message::Publish(Publish {
    ///     dup: false,
    ///     qos: SnQos::AtLeastOnce,
    ///     retain: false,
    ///     topic: TopicId::Predefined(5),
    ///     msg_id: 2,
    ///     data: &b"1"[..],
    /// });
    /// let mut out = [0u8; 16];
    /// let n = publish.encode(&mut out)?;
    /// assert_eq!(&out[..n], &[0x08, 0x0C, 0x21, 0x00, 0x05, 0x00, 0x02, b'1']);
    /// # Ok::<(), mqtt_codec::sn::SnEncodeError>(())
    /// ```
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, SnEncodeError> {
        self.encode_with(out, &SnOptions::DEFAULT)
    }

    /// [`Message::encode`] under `opts` (see [`Message::encoded_len_with`]).
    pub fn encode_with(&self, out: &mut [u8], opts: &SnOptions) -> Result<usize, SnEncodeError> {
        let total = self.encoded_len_with(opts)?;
        if total > out.len() {
            return Err(SnEncodeError::BufferTooSmall {
                needed: total,
                available: out.len(),
            });
        }
        let mut w = SliceWriter::new(out);
        self.write(&mut w, total);
        Ok(total)
    }

    /// Encodes the message into a new vector.
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> Result<alloc::vec::Vec<u8>, SnEncodeError> {
        self.to_vec_with(&SnOptions::DEFAULT)
    }

    /// [`Message::to_vec`] under `opts` (see [`Message::encoded_len_with`]).
    #[cfg(feature = "alloc")]
    pub fn to_vec_with(&self, opts: &SnOptions) -> Result<alloc::vec::Vec<u8>, SnEncodeError> {
        let total = self.encoded_len_with(opts)?;
        let mut out = alloc::vec::Vec::with_capacity(total);
        self.write(&mut out, total);
        Ok(out)
    }

    fn total(&self) -> Result<usize, SnEncodeError> {
        if let Message::Encapsulated(e) = self {
            return Ok(envelope_len(e.node_id.as_ref())?.saturating_add(e.message.as_ref().len()));
        }
        let mut count = Counter(0);
        self.write_fields(&mut count);
        total_len(count.0.saturating_add(1))
    }

    fn write(&self, w: &mut impl Put, total: usize) {
        if let Message::Encapsulated(e) = self {
            let node = e.node_id.as_ref();
            let envelope = node.len().saturating_add(3);
            w.put_u8(u8::try_from(envelope).unwrap_or(u8::MAX));
            w.put_u8(MsgType::Encapsulated as u8);
            w.put_u8(e.radius & 0b11);
            w.put_slice(node);
            w.put_slice(e.message.as_ref());
            return;
        }
        put_length(w, total);
        w.put_u8(self.msg_type() as u8);
        self.write_fields(w);
    }

    /// The fields after MsgType.
    fn write_fields(&self, w: &mut impl Put) {
        match self {
            Message::Advertise { gw_id, duration } => {
                w.put_u8(*gw_id);
                w.put_u16(*duration);
            }
            Message::SearchGw { radius } => w.put_u8(*radius),
            Message::GwInfo { gw_id, gw_addr } => {
                w.put_u8(*gw_id);
                w.put_slice(gw_addr.as_ref());
            }
            Message::Connect(c) => {
                w.put_u8(u8::from(c.will) << 3 | u8::from(c.clean_session) << 2);
                w.put_u8(0x01);
                w.put_u16(c.duration);
                w.put_slice(c.client_id.as_bytes());
            }
            Message::ConnAck { return_code }
            | Message::WillTopicResp { return_code }
            | Message::WillMsgResp { return_code } => w.put_u8(return_code.as_u8()),
            Message::WillTopicReq | Message::WillMsgReq | Message::PingResp => {}
            Message::WillTopic(will) | Message::WillTopicUpd(will) => {
                if let Some(will) = will {
                    w.put_u8(will.qos.flag_bits() | u8::from(will.retain) << 4);
                    w.put_slice(will.topic.as_bytes());
                }
            }
            Message::WillMsg { message } | Message::WillMsgUpd { message } => {
                w.put_slice(message.as_ref())
            }
            Message::Register(r) => {
                w.put_u16(r.topic_id);
                w.put_u16(r.msg_id);
                w.put_slice(r.topic_name.as_bytes());
            }
            Message::RegAck {
                topic_id,
                msg_id,
                return_code,
            }
            | Message::PubAck {
                topic_id,
                msg_id,
                return_code,
            } => {
                w.put_u16(*topic_id);
                w.put_u16(*msg_id);
                w.put_u8(return_code.as_u8());
            }
            Message::Publish(p) => {
                let flags = u8::from(p.dup) << 7
                    | p.qos.flag_bits()
                    | u8::from(p.retain) << 4
                    | p.topic.type_bits();
                w.put_u8(flags);
                w.put_slice(&p.topic.field());
                w.put_u16(p.msg_id);
                w.put_slice(p.data.as_ref());
            }
            Message::PubComp { msg_id }
            | Message::PubRec { msg_id }
            | Message::PubRel { msg_id }
            | Message::UnsubAck { msg_id } => w.put_u16(*msg_id),
            Message::Subscribe(s) => {
                w.put_u8(u8::from(s.dup) << 7 | s.qos.flag_bits() | s.topic.type_bits());
                w.put_u16(s.msg_id);
                put_subscribe_topic(w, &s.topic);
            }
            Message::SubAck {
                qos,
                topic_id,
                msg_id,
                return_code,
            } => {
                w.put_u8(qos.flag_bits());
                w.put_u16(*topic_id);
                w.put_u16(*msg_id);
                w.put_u8(return_code.as_u8());
            }
            Message::Unsubscribe { msg_id, topic } => {
                w.put_u8(topic.type_bits());
                w.put_u16(*msg_id);
                put_subscribe_topic(w, topic);
            }
            Message::PingReq { client_id } => {
                if let Some(id) = client_id {
                    w.put_slice(id.as_bytes());
                }
            }
            Message::Disconnect { duration } => {
                if let Some(d) = duration {
                    w.put_u16(*d);
                }
            }
            // Written whole by `write`.
            Message::Encapsulated(_) => {}
        }
    }

    /// The rules the parser checks, on the fields the encoder is given.
    fn check(&self, opts: &SnOptions) -> Result<(), SnEncodeError> {
        let msg_type = self.msg_type();
        if let Some(ReturnCode::Reserved(code @ 0..=3)) = self.return_code() {
            return Err(SnEncodeError::DefinedCodeAsReserved { code });
        }
        let nonzero = |msg_id: u16| {
            if msg_id == 0 {
                Err(SnEncodeError::Invalid(SnError::ZeroMsgId { msg_type }))
            } else {
                Ok(())
            }
        };
        let topic = |s: &MqttStr<B>, field, msg_id, check: fn(&str) -> Result<(), TopicError>| {
            check(s.as_str()).map_err(|reason| {
                SnEncodeError::Invalid(SnError::InvalidTopic {
                    msg_type,
                    field,
                    reason,
                    msg_id,
                })
            })
        };
        let short = |name: &[u8; 2], msg_id| {
            match crate::string::validate_str(name) {
                Ok(text) => check_topic_name(text),
                Err(e) => Err(TopicError::String(e)),
            }
            .map_err(|reason| {
                SnEncodeError::Invalid(SnError::InvalidTopic {
                    msg_type,
                    field: "short topic name",
                    reason,
                    msg_id,
                })
            })
        };
        let no_minus_one = |qos: SnQos, msg_id| {
            if qos == SnQos::WithoutConnection {
                Err(SnEncodeError::Invalid(SnError::QosMinusOne {
                    msg_type,
                    msg_id,
                }))
            } else {
                Ok(())
            }
        };
        let client_id = |id: &MqttStr<B>| {
            check_client_id(msg_type, id.as_str(), opts.max_client_id_len)
                .map_err(SnEncodeError::Invalid)
        };
        match self {
            Message::Connect(c) => client_id(&c.client_id)?,
            Message::PingReq {
                client_id: Some(id),
            } => client_id(id)?,
            Message::WillTopic(Some(will)) | Message::WillTopicUpd(Some(will)) => {
                check_will(will, msg_type)?;
                topic(&will.topic, "WillTopic", 0, check_topic_name)?;
            }
            Message::Register(r) => {
                nonzero(r.msg_id)?;
                // 0x0000 is a client's placeholder; 0xFFFF is never assigned.
                if r.topic_id == 0xFFFF {
                    return Err(SnEncodeError::ReservedTopicId { id: r.topic_id });
                }
                topic(&r.topic_name, "TopicName", r.msg_id, check_topic_name)?;
            }
            Message::Publish(p) => {
                let acknowledged = matches!(p.qos, SnQos::AtLeastOnce | SnQos::ExactlyOnce);
                if acknowledged {
                    nonzero(p.msg_id)?;
                } else if p.msg_id != 0 || p.dup {
                    return Err(SnEncodeError::Qos0Fields);
                }
                match p.topic {
                    TopicId::Normal(_) if p.qos == SnQos::WithoutConnection => {
                        return Err(SnError::QosMinusOneNormalTopic.into())
                    }
                    TopicId::Normal(id) | TopicId::Predefined(id) => assigned(id)?,
                    TopicId::Short(name) => short(&name, p.msg_id)?,
                }
            }
            Message::Subscribe(s) => {
                no_minus_one(s.qos, s.msg_id)?;
                nonzero(s.msg_id)?;
                match &s.topic {
                    SubscribeTopic::Name(name) => topic(name, "TopicName", s.msg_id, filter)?,
                    SubscribeTopic::Short(name) => short(name, s.msg_id)?,
                    SubscribeTopic::Predefined(id) => assigned(*id)?,
                }
            }
            Message::Unsubscribe { msg_id, topic: t } => {
                nonzero(*msg_id)?;
                match t {
                    SubscribeTopic::Name(name) => topic(name, "TopicName", *msg_id, filter)?,
                    SubscribeTopic::Short(name) => short(name, *msg_id)?,
                    SubscribeTopic::Predefined(id) => assigned(*id)?,
                }
            }
            Message::SubAck {
                qos,
                msg_id,
                topic_id,
                ..
            } => {
                no_minus_one(*qos, *msg_id)?;
                // 0x0000 stands for "none" (a wildcard, a short name); 0xFFFF is never one.
                if *topic_id == 0xFFFF {
                    return Err(SnEncodeError::ReservedTopicId { id: *topic_id });
                }
            }
            // An accepting REGACK carries the id assigned, which is never 0x0000 or 0xFFFF.
            Message::RegAck {
                topic_id,
                return_code: ReturnCode::Accepted,
                ..
            } => assigned(*topic_id)?,
            Message::Encapsulated(e) => {
                envelope_len(e.node_id.as_ref())?;
                if e.radius > 0b11 {
                    return Err(SnEncodeError::RadiusOutOfRange { radius: e.radius });
                }
                if super::header::split(e.message.as_ref())?.msg_type == MsgType::Encapsulated {
                    return Err(SnError::Encapsulation("nested").into());
                }
                super::parse_with(e.message.as_ref(), opts)?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// A topic id a client names: one a gateway could have assigned, not 0x0000 or 0xFFFF.
fn assigned(id: u16) -> Result<(), SnEncodeError> {
    if id == 0 || id == 0xFFFF {
        return Err(SnEncodeError::ReservedTopicId { id });
    }
    Ok(())
}

/// A topic filter as a SUBSCRIBE carries it.
fn filter(text: &str) -> Result<(), TopicError> {
    check_topic_filter(text, true)
}

fn check_will<B: AsRef<[u8]>>(will: &WillTopic<B>, msg_type: MsgType) -> Result<(), SnEncodeError> {
    if will.qos == SnQos::WithoutConnection {
        return Err(SnError::QosMinusOne {
            msg_type,
            msg_id: 0,
        }
        .into());
    }
    Ok(())
}

fn put_subscribe_topic<B: AsRef<[u8]>>(w: &mut impl Put, topic: &SubscribeTopic<B>) {
    match topic {
        SubscribeTopic::Name(name) => w.put_slice(name.as_bytes()),
        SubscribeTopic::Predefined(id) => w.put_u16(*id),
        SubscribeTopic::Short(name) => w.put_slice(name),
    }
}

/// The size of a forwarder's envelope around a node id: its 1-octet Length must hold it
/// (SN-ENC-1).
fn envelope_len(node_id: &[u8]) -> Result<usize, SnEncodeError> {
    let len = node_id.len().saturating_add(3);
    if len > 0xFF {
        return Err(SnEncodeError::FieldTooLong("the wireless node id"));
    }
    Ok(len)
}
