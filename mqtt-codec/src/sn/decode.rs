//! Parsing one MQTT-SN 1.2 datagram into a borrowed [`Message`]: no allocation, no copy.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::error::SnError;
use super::header::{split, Header};
use super::message::{
    Connect, Encapsulated, Message, Publish, Register, Subscribe, SubscribeTopic, WillTopic,
};
use super::types::{MsgType, ReturnCode, SnQos, TopicId};
use crate::string::{validate_str, MqttStr};
use crate::topic::{check_topic_filter, check_topic_name, TopicError};

/// What the parser accepts, and the encoder writes (`Message::encode_with`), beyond the
/// specification's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnOptions {
    /// The longest ClientId accepted in CONNECT and PINGREQ: 23 by the specification
    /// (SN-FLD-2); a gateway may allow more.
    pub max_client_id_len: usize,
    /// Refuse flag bits a message does not use (SN-FLG-1). Off by default: the
    /// specification does not declare them reserved, so they are ignored.
    pub strict_flags: bool,
}

impl SnOptions {
    /// The specification's defaults: ClientIds of 1 to 23 characters, unused flags ignored.
    pub const DEFAULT: SnOptions = SnOptions {
        max_client_id_len: 23,
        strict_flags: false,
    };
}

impl Default for SnOptions {
    fn default() -> Self {
        SnOptions::DEFAULT
    }
}

/// Parses one MQTT-SN 1.2 datagram with the default [`SnOptions`].
///
/// ```
/// use mqtt_codec::sn::{parse, Message, SnQos, TopicId};
///
/// // PUBLISH QoS 1 to predefined topic 5, MsgId 2, payload "1" (spec example V13).
/// let Message::Publish(p) = parse(&[0x08, 0x0C, 0x21, 0x00, 0x05, 0x00, 0x02, b'1'])? else {
///     panic!("not a PUBLISH")
/// };
/// assert_eq!((p.qos, p.topic, p.msg_id, p.data), (SnQos::AtLeastOnce, TopicId::Predefined(5), 2, &b"1"[..]));
/// # Ok::<(), mqtt_codec::sn::SnError>(())
/// ```
pub fn parse(datagram: &[u8]) -> Result<Message<&[u8]>, SnError> {
    parse_with(datagram, &SnOptions::DEFAULT)
}

/// Parses one MQTT-SN 1.2 datagram: the whole datagram is one message (SN-HDR-4), or a
/// forwarder's encapsulation of one (SN-ENC-1).
pub fn parse_with<'a>(datagram: &'a [u8], opts: &SnOptions) -> Result<Message<&'a [u8]>, SnError> {
    let header = split(datagram)?;
    match header.msg_type {
        MsgType::Encapsulated => encapsulated(datagram, &header, opts),
        _ => {
            let declared = header.declared;
            if declared != datagram.len() {
                return Err(SnError::LengthMismatch {
                    declared,
                    actual: datagram.len(),
                });
            }
            body(header, opts)
        }
    }
}

/// The fields after MsgType, read front to back; running short is SN-MSG-1.
struct Body<'a> {
    rest: &'a [u8],
    msg_type: MsgType,
    total: usize,
}

impl<'a> Body<'a> {
    fn short(&self) -> SnError {
        SnError::WrongSize {
            msg_type: self.msg_type,
            len: self.total,
        }
    }

    fn u8(&mut self) -> Result<u8, SnError> {
        let (&first, rest) = self.rest.split_first().ok_or_else(|| self.short())?;
        self.rest = rest;
        Ok(first)
    }

    fn pair(&mut self) -> Result<[u8; 2], SnError> {
        match *self.rest {
            [a, b, ref rest @ ..] => {
                self.rest = rest;
                Ok([a, b])
            }
            _ => Err(self.short()),
        }
    }

    fn u16(&mut self) -> Result<u16, SnError> {
        self.pair().map(u16::from_be_bytes)
    }

    fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.rest)
    }

    /// The message must end here.
    fn end(&self) -> Result<(), SnError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(self.short())
        }
    }

    /// In strict mode, refuses the flag bits outside `used` (SN-FLG-1).
    fn flags(&mut self, used: u8, opts: &SnOptions) -> Result<u8, SnError> {
        let flags = self.u8()?;
        let unused = flags & !used;
        if opts.strict_flags && unused != 0 {
            return Err(SnError::UnusedFlags {
                msg_type: self.msg_type,
                bits: unused,
            });
        }
        Ok(flags)
    }

    /// A MsgId that a reply will be matched to: not zero (SN-FLD-4).
    fn msg_id(&mut self) -> Result<u16, SnError> {
        let id = self.u16()?;
        if id == 0 {
            return Err(SnError::ZeroMsgId {
                msg_type: self.msg_type,
            });
        }
        Ok(id)
    }

    fn text(&self, bytes: &'a [u8], field: &'static str) -> Result<MqttStr<&'a [u8]>, SnError> {
        validate_str(bytes).map_err(|reason| SnError::InvalidString {
            msg_type: self.msg_type,
            field,
            reason,
        })?;
        Ok(MqttStr::from_validated(bytes))
    }

    /// A ClientId: 1 to `max` characters of valid text (SN-FLD-2).
    fn client_id(&self, bytes: &'a [u8], opts: &SnOptions) -> Result<MqttStr<&'a [u8]>, SnError> {
        let id = self.text(bytes, "ClientId")?;
        check_client_id(self.msg_type, id.as_str(), opts.max_client_id_len)?;
        Ok(id)
    }

    /// A topic name or filter checked by `check` (SN-FLD-3); `msg_id` goes into the error
    /// for the answer.
    fn topic(
        &self,
        bytes: &'a [u8],
        field: &'static str,
        msg_id: u16,
        check: fn(&str) -> Result<(), TopicError>,
    ) -> Result<MqttStr<&'a [u8]>, SnError> {
        let error = |reason| SnError::InvalidTopic {
            msg_type: self.msg_type,
            field,
            reason,
            msg_id,
        };
        let text = validate_str(bytes).map_err(|e| error(TopicError::String(e)))?;
        check(text).map_err(error)?;
        Ok(MqttStr::from_validated(bytes))
    }

    /// A short topic name: two octets that follow the topic-name rules (SN-FLD-6).
    fn short_name(&self, name: [u8; 2], msg_id: u16) -> Result<[u8; 2], SnError> {
        self.topic(&name, "short topic name", msg_id, check_topic_name)?;
        Ok(name)
    }
}

/// A ClientId's length: 1 to `max` characters (SN-FLD-2).
pub(crate) fn check_client_id(msg_type: MsgType, id: &str, max: usize) -> Result<(), SnError> {
    let len = id.chars().count();
    if len == 0 || len > max {
        return Err(SnError::ClientIdLength { msg_type, len, max });
    }
    Ok(())
}

/// A topic filter as a SUBSCRIBE carries it: `$share/` filters keep their MQTT 5.0 form.
fn check_filter(text: &str) -> Result<(), TopicError> {
    check_topic_filter(text, true)
}

fn body<'a>(header: Header<'a>, opts: &SnOptions) -> Result<Message<&'a [u8]>, SnError> {
    let mut b = Body {
        rest: header.body,
        msg_type: header.msg_type,
        total: header.declared,
    };
    let message = match header.msg_type {
        MsgType::Advertise => Message::Advertise {
            gw_id: b.u8()?,
            duration: b.u16()?,
        },
        MsgType::SearchGw => Message::SearchGw { radius: b.u8()? },
        MsgType::GwInfo => Message::GwInfo {
            gw_id: b.u8()?,
            gw_addr: b.rest(),
        },
        MsgType::Connect => {
            let flags = b.flags(0b0000_1100, opts)?;
            let protocol = b.u8()?;
            let duration = b.u16()?;
            if protocol != 0x01 {
                return Err(SnError::ProtocolId { id: protocol });
            }
            let id = b.rest();
            Message::Connect(Connect {
                will: flags & 0b1000 != 0,
                clean_session: flags & 0b0100 != 0,
                duration,
                client_id: b.client_id(id, opts)?,
            })
        }
        MsgType::ConnAck => Message::ConnAck {
            return_code: ReturnCode::from_u8(b.u8()?),
        },
        MsgType::WillTopicReq => Message::WillTopicReq,
        MsgType::WillMsgReq => Message::WillMsgReq,
        MsgType::WillTopic => Message::WillTopic(will_topic(&mut b, opts)?),
        MsgType::WillTopicUpd => Message::WillTopicUpd(will_topic(&mut b, opts)?),
        MsgType::WillMsg => Message::WillMsg { message: b.rest() },
        MsgType::WillMsgUpd => Message::WillMsgUpd { message: b.rest() },
        MsgType::Register => {
            let topic_id = b.u16()?;
            let msg_id = b.msg_id()?;
            let name = b.rest();
            Message::Register(Register {
                topic_id,
                msg_id,
                topic_name: b.topic(name, "TopicName", msg_id, check_topic_name)?,
            })
        }
        MsgType::RegAck => Message::RegAck {
            topic_id: b.u16()?,
            msg_id: b.u16()?,
            return_code: ReturnCode::from_u8(b.u8()?),
        },
        MsgType::PubAck => Message::PubAck {
            topic_id: b.u16()?,
            msg_id: b.u16()?,
            return_code: ReturnCode::from_u8(b.u8()?),
        },
        MsgType::Publish => Message::Publish(publish(&mut b, opts)?),
        MsgType::PubComp => Message::PubComp { msg_id: b.u16()? },
        MsgType::PubRec => Message::PubRec { msg_id: b.u16()? },
        MsgType::PubRel => Message::PubRel { msg_id: b.u16()? },
        MsgType::UnsubAck => Message::UnsubAck { msg_id: b.u16()? },
        MsgType::Subscribe => {
            let flags = b.flags(0b1110_0011, opts)?;
            let msg_id = b.u16()?;
            let qos = SnQos::from_flags(flags);
            if qos == SnQos::WithoutConnection {
                return Err(SnError::QosMinusOne {
                    msg_type: MsgType::Subscribe,
                    msg_id,
                });
            }
            if msg_id == 0 {
                return Err(SnError::ZeroMsgId {
                    msg_type: MsgType::Subscribe,
                });
            }
            Message::Subscribe(Subscribe {
                dup: flags & 0x80 != 0,
                qos,
                msg_id,
                topic: subscribe_topic(&mut b, flags, msg_id)?,
            })
        }
        MsgType::SubAck => {
            let flags = b.flags(0b0110_0000, opts)?;
            let qos = SnQos::from_flags(flags);
            let topic_id = b.u16()?;
            let msg_id = b.u16()?;
            if qos == SnQos::WithoutConnection {
                return Err(SnError::QosMinusOne {
                    msg_type: MsgType::SubAck,
                    msg_id,
                });
            }
            Message::SubAck {
                qos,
                topic_id,
                msg_id,
                return_code: ReturnCode::from_u8(b.u8()?),
            }
        }
        MsgType::Unsubscribe => {
            let flags = b.flags(0b0000_0011, opts)?;
            let msg_id = b.msg_id()?;
            Message::Unsubscribe {
                msg_id,
                topic: subscribe_topic(&mut b, flags, msg_id)?,
            }
        }
        MsgType::PingReq => {
            let id = b.rest();
            Message::PingReq {
                client_id: match id {
                    [] => None,
                    id => Some(b.client_id(id, opts)?),
                },
            }
        }
        MsgType::PingResp => Message::PingResp,
        MsgType::Disconnect => Message::Disconnect {
            duration: match b.rest {
                [] => None,
                _ => Some(b.u16()?),
            },
        },
        MsgType::WillTopicResp => Message::WillTopicResp {
            return_code: ReturnCode::from_u8(b.u8()?),
        },
        MsgType::WillMsgResp => Message::WillMsgResp {
            return_code: ReturnCode::from_u8(b.u8()?),
        },
        // Dispatched before the body is read.
        MsgType::Encapsulated => return Err(SnError::Encapsulation("nested")),
    };
    b.end()?;
    Ok(message)
}

/// WILLTOPIC and WILLTOPICUPD: empty (2 octets, or 3 with only Flags as Paho writes it,
/// SN-WIL-1, SN-WIL-2), or Flags and a topic name.
fn will_topic<'a>(
    b: &mut Body<'a>,
    opts: &SnOptions,
) -> Result<Option<WillTopic<&'a [u8]>>, SnError> {
    if b.rest.is_empty() {
        return Ok(None);
    }
    let flags = b.flags(0b0111_0000, opts)?;
    let topic = b.rest();
    if topic.is_empty() {
        return Ok(None);
    }
    let qos = SnQos::from_flags(flags);
    if qos == SnQos::WithoutConnection {
        return Err(SnError::QosMinusOne {
            msg_type: b.msg_type,
            msg_id: 0,
        });
    }
    Ok(Some(WillTopic {
        qos,
        retain: flags & 0x10 != 0,
        topic: b.topic(topic, "WillTopic", 0, check_topic_name)?,
    }))
}

fn publish<'a>(b: &mut Body<'a>, opts: &SnOptions) -> Result<Publish<&'a [u8]>, SnError> {
    let flags = b.flags(0b1111_0011, opts)?;
    let field = b.pair()?;
    let msg_id = b.u16()?;
    let qos = SnQos::from_flags(flags);
    let id = u16::from_be_bytes(field);
    let topic = match flags & 0b11 {
        0b00 if qos == SnQos::WithoutConnection => return Err(SnError::QosMinusOneNormalTopic),
        0b00 => TopicId::Normal(id),
        0b01 => TopicId::Predefined(id),
        0b10 => TopicId::Short(b.short_name(field, msg_id)?),
        _ => {
            return Err(SnError::ReservedTopicIdType {
                msg_type: MsgType::Publish,
                msg_id,
            })
        }
    };
    let acknowledged = matches!(qos, SnQos::AtLeastOnce | SnQos::ExactlyOnce);
    if acknowledged && msg_id == 0 {
        return Err(SnError::ZeroMsgId {
            msg_type: MsgType::Publish,
        });
    }
    Ok(Publish {
        // At QoS 0 and −1 the receiver ignores DUP and MsgId (SN-FLG-4, SN-FLD-4).
        dup: acknowledged && flags & 0x80 != 0,
        qos,
        retain: flags & 0x10 != 0,
        topic,
        msg_id: if acknowledged { msg_id } else { 0 },
        data: b.rest(),
    })
}

/// The topic of a SUBSCRIBE or UNSUBSCRIBE, as its TopicIdType says (SN-SUB-1, SN-FLG-2).
fn subscribe_topic<'a>(
    b: &mut Body<'a>,
    flags: u8,
    msg_id: u16,
) -> Result<SubscribeTopic<&'a [u8]>, SnError> {
    let rest = b.rest();
    let two = |rest: &[u8]| match *rest {
        [x, y] => Ok([x, y]),
        _ => Err(SnError::TopicIdLength {
            msg_type: b.msg_type,
            len: rest.len(),
        }),
    };
    Ok(match flags & 0b11 {
        0b00 => SubscribeTopic::Name(b.topic(rest, "TopicName", msg_id, check_filter)?),
        0b01 => SubscribeTopic::Predefined(u16::from_be_bytes(two(rest)?)),
        0b10 => SubscribeTopic::Short(b.short_name(two(rest)?, msg_id)?),
        _ => {
            return Err(SnError::ReservedTopicIdType {
                msg_type: b.msg_type,
                msg_id,
            })
        }
    })
}

/// A forwarder's envelope (§5.5): a 1-octet Length counting the envelope only, Ctrl, the
/// wireless node id, then a whole message with its own Length.
fn encapsulated<'a>(
    datagram: &'a [u8],
    header: &Header<'a>,
    opts: &SnOptions,
) -> Result<Message<&'a [u8]>, SnError> {
    if header.long {
        return Err(SnError::Encapsulation("the 3-octet Length form"));
    }
    let (envelope, inner) = match datagram.split_at_checked(header.declared) {
        Some(parts) if header.declared >= 3 => parts,
        _ => {
            return Err(SnError::WrongSize {
                msg_type: MsgType::Encapsulated,
                len: header.declared,
            })
        }
    };
    let (ctrl, node_id) = match envelope {
        [_, _, ctrl, node @ ..] => (*ctrl, node),
        _ => return Err(SnError::Encapsulation("no Ctrl octet")),
    };
    // The inner type is looked at before the inner message is parsed, so that envelopes
    // nested a thousand deep cost one step, not a thousand frames of stack.
    if split(inner)?.msg_type == MsgType::Encapsulated {
        return Err(SnError::Encapsulation("nested"));
    }
    parse_with(inner, opts)?;
    Ok(Message::Encapsulated(Encapsulated {
        radius: ctrl & 0b11,
        node_id,
        message: inner,
    }))
}
