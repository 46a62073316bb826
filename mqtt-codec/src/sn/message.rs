//! The MQTT-SN 1.2 messages (§5.4), generic over where their bytes live: `&[u8]` views into
//! the datagram from [`super::parse`], or `bytes::Bytes` once converted to owned.

use super::types::{ReturnCode, SnQos, TopicId};
use crate::string::MqttStr;

/// An MQTT-SN 1.2 message.
///
/// `B` holds the variable-length fields: `&[u8]` for a parsed view (nothing copied, and the
/// largest variant is a few machine words), `bytes::Bytes` for an owned message
/// ([`Message::to_owned`], [`super::parse_bytes`]). Text fields are [`MqttStr`]s, validated
/// UTF-8 without U+0000.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Message<B: AsRef<[u8]>> {
    /// ADVERTISE: a gateway announces itself (§5.4.1).
    Advertise {
        /// The gateway's id.
        gw_id: u8,
        /// Seconds until the next ADVERTISE.
        duration: u16,
    },
    /// SEARCHGW: a client looks for a gateway (§5.4.2).
    SearchGw {
        /// The broadcast radius (0x00: all nodes).
        radius: u8,
    },
    /// GWINFO: the answer to SEARCHGW (§5.4.3).
    GwInfo {
        /// The gateway's id.
        gw_id: u8,
        /// The gateway's address, when a client answers for a gateway; empty from a gateway.
        gw_addr: B,
    },
    /// CONNECT (§5.4.4).
    Connect(Connect<B>),
    /// CONNACK (§5.4.5).
    ConnAck {
        /// Accepted, or why not.
        return_code: ReturnCode,
    },
    /// WILLTOPICREQ: the gateway asks for the will topic (§5.4.6).
    WillTopicReq,
    /// WILLTOPIC (§5.4.7): `None` is the empty form, which deletes the will topic and
    /// message.
    WillTopic(Option<WillTopic<B>>),
    /// WILLMSGREQ: the gateway asks for the will message (§5.4.8).
    WillMsgReq,
    /// WILLMSG (§5.4.9).
    WillMsg {
        /// The will message (may be empty).
        message: B,
    },
    /// REGISTER: a topic name and the id that stands for it (§5.4.10).
    Register(Register<B>),
    /// REGACK (§5.4.11).
    RegAck {
        /// The topic id assigned (from a gateway) or echoed (from a client).
        topic_id: u16,
        /// The REGISTER's MsgId.
        msg_id: u16,
        /// Accepted, or why not.
        return_code: ReturnCode,
    },
    /// PUBLISH (§5.4.12).
    Publish(Publish<B>),
    /// PUBACK (§5.4.13).
    PubAck {
        /// The PUBLISH's TopicId field, echoed.
        topic_id: u16,
        /// The PUBLISH's MsgId.
        msg_id: u16,
        /// Accepted, or why not.
        return_code: ReturnCode,
    },
    /// PUBCOMP (§5.4.14).
    PubComp {
        /// The PUBLISH's MsgId.
        msg_id: u16,
    },
    /// PUBREC (§5.4.14).
    PubRec {
        /// The PUBLISH's MsgId.
        msg_id: u16,
    },
    /// PUBREL (§5.4.14).
    PubRel {
        /// The PUBLISH's MsgId.
        msg_id: u16,
    },
    /// SUBSCRIBE (§5.4.15).
    Subscribe(Subscribe<B>),
    /// SUBACK (§5.4.16).
    SubAck {
        /// The granted QoS (0 to 2).
        qos: SnQos,
        /// The topic id the gateway will publish with (0x0000 for a wildcard filter or a
        /// short name).
        topic_id: u16,
        /// The SUBSCRIBE's MsgId.
        msg_id: u16,
        /// Accepted, or why not.
        return_code: ReturnCode,
    },
    /// UNSUBSCRIBE (§5.4.17).
    Unsubscribe {
        /// The message id.
        msg_id: u16,
        /// What to unsubscribe from.
        topic: SubscribeTopic<B>,
    },
    /// UNSUBACK (§5.4.18).
    UnsubAck {
        /// The UNSUBSCRIBE's MsgId.
        msg_id: u16,
    },
    /// PINGREQ (§5.4.19): with a client id when a sleeping client wakes up.
    PingReq {
        /// The waking client's id.
        client_id: Option<MqttStr<B>>,
    },
    /// PINGRESP (§5.4.20).
    PingResp,
    /// DISCONNECT (§5.4.21): with a duration when the client goes to sleep.
    Disconnect {
        /// The sleep duration in seconds.
        duration: Option<u16>,
    },
    /// WILLTOPICUPD (§5.4.22): `None` is the empty form, which deletes the will.
    WillTopicUpd(Option<WillTopic<B>>),
    /// WILLTOPICRESP (§5.4.24).
    WillTopicResp {
        /// Accepted, or why not.
        return_code: ReturnCode,
    },
    /// WILLMSGUPD (§5.4.23).
    WillMsgUpd {
        /// The new will message.
        message: B,
    },
    /// WILLMSGRESP (§5.4.25).
    WillMsgResp {
        /// Accepted, or why not.
        return_code: ReturnCode,
    },
    /// A message wrapped by a forwarder (§5.5).
    Encapsulated(Encapsulated<B>),
}

/// CONNECT (§5.4.4).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Connect<B: AsRef<[u8]>> {
    /// The Will flag: the gateway prompts for the will topic and message.
    pub will: bool,
    /// The CleanSession flag (it covers the will too, §6.3).
    pub clean_session: bool,
    /// The keep-alive in seconds.
    pub duration: u16,
    /// The client id: 1 to 23 characters by the specification.
    pub client_id: MqttStr<B>,
}

/// The content of a WILLTOPIC or WILLTOPICUPD that is not empty (§5.4.7).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WillTopic<B: AsRef<[u8]>> {
    /// The will QoS, 0 to 2.
    pub qos: SnQos,
    /// The will retain flag.
    pub retain: bool,
    /// The will topic: a topic name.
    pub topic: MqttStr<B>,
}

/// REGISTER (§5.4.10).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Register<B: AsRef<[u8]>> {
    /// The id assigned (from a gateway); 0x0000 from a client.
    pub topic_id: u16,
    /// The message id (not zero).
    pub msg_id: u16,
    /// The topic name: not empty, no wildcards.
    pub topic_name: MqttStr<B>,
}

/// PUBLISH (§5.4.12).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Publish<B: AsRef<[u8]>> {
    /// DUP: a retransmission (QoS 1 and 2 only).
    pub dup: bool,
    /// QoS −1 to 2.
    pub qos: SnQos,
    /// RETAIN.
    pub retain: bool,
    /// The topic: a registered id, a predefined id or a short name.
    pub topic: TopicId,
    /// The message id: 0x0000 at QoS 0 and −1, not zero at QoS 1 and 2.
    pub msg_id: u16,
    /// The payload: the rest of the message.
    pub data: B,
}

/// What a SUBSCRIBE or UNSUBSCRIBE names (§5.4.15).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SubscribeTopic<B: AsRef<[u8]>> {
    /// `00`: a topic filter, wildcards allowed.
    Name(MqttStr<B>),
    /// `01`: a predefined topic id.
    Predefined(u16),
    /// `10`: a short topic name.
    Short([u8; 2]),
}

impl<B: AsRef<[u8]>> SubscribeTopic<B> {
    /// The TopicIdType bits.
    pub fn type_bits(&self) -> u8 {
        match self {
            SubscribeTopic::Name(_) => 0b00,
            SubscribeTopic::Predefined(_) => 0b01,
            SubscribeTopic::Short(_) => 0b10,
        }
    }
}

/// SUBSCRIBE (§5.4.15).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Subscribe<B: AsRef<[u8]>> {
    /// DUP: a retransmission.
    pub dup: bool,
    /// The requested QoS, 0 to 2.
    pub qos: SnQos,
    /// The message id (not zero).
    pub msg_id: u16,
    /// What to subscribe to.
    pub topic: SubscribeTopic<B>,
}

/// A message wrapped by a forwarder (§5.5): the header the forwarder adds, and the whole
/// inner message, validated when parsed and when encoded.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Encapsulated<B: AsRef<[u8]>> {
    /// The broadcast radius (Ctrl bits 1-0; meaningful from a gateway to a forwarder).
    pub radius: u8,
    /// The wireless node id, opaque to the gateway.
    pub node_id: B,
    /// The inner message, a whole MQTT-SN datagram with its own Length.
    pub message: B,
}

impl<B: AsRef<[u8]>> Encapsulated<B> {
    /// The inner message, read from its bytes.
    pub fn inner(&self) -> Result<Message<&[u8]>, super::SnError> {
        super::parse(self.message.as_ref())
    }

    /// The inner message, read from its bytes under `opts` (a gateway's ClientId limit).
    pub fn inner_with(&self, opts: &super::SnOptions) -> Result<Message<&[u8]>, super::SnError> {
        super::parse_with(self.message.as_ref(), opts)
    }
}

impl<B: AsRef<[u8]>> Message<B> {
    /// The ReturnCode of a message that carries one (CONNACK, REGACK, PUBACK, SUBACK,
    /// WILLTOPICRESP, WILLMSGRESP).
    pub fn return_code(&self) -> Option<ReturnCode> {
        match self {
            Message::ConnAck { return_code }
            | Message::RegAck { return_code, .. }
            | Message::PubAck { return_code, .. }
            | Message::SubAck { return_code, .. }
            | Message::WillTopicResp { return_code }
            | Message::WillMsgResp { return_code } => Some(*return_code),
            _ => None,
        }
    }

    /// The message's type.
    pub fn msg_type(&self) -> super::MsgType {
        use super::MsgType as T;
        match self {
            Message::Advertise { .. } => T::Advertise,
            Message::SearchGw { .. } => T::SearchGw,
            Message::GwInfo { .. } => T::GwInfo,
            Message::Connect(_) => T::Connect,
            Message::ConnAck { .. } => T::ConnAck,
            Message::WillTopicReq => T::WillTopicReq,
            Message::WillTopic(_) => T::WillTopic,
            Message::WillMsgReq => T::WillMsgReq,
            Message::WillMsg { .. } => T::WillMsg,
            Message::Register(_) => T::Register,
            Message::RegAck { .. } => T::RegAck,
            Message::Publish(_) => T::Publish,
            Message::PubAck { .. } => T::PubAck,
            Message::PubComp { .. } => T::PubComp,
            Message::PubRec { .. } => T::PubRec,
            Message::PubRel { .. } => T::PubRel,
            Message::Subscribe(_) => T::Subscribe,
            Message::SubAck { .. } => T::SubAck,
            Message::Unsubscribe { .. } => T::Unsubscribe,
            Message::UnsubAck { .. } => T::UnsubAck,
            Message::PingReq { .. } => T::PingReq,
            Message::PingResp => T::PingResp,
            Message::Disconnect { .. } => T::Disconnect,
            Message::WillTopicUpd(_) => T::WillTopicUpd,
            Message::WillTopicResp { .. } => T::WillTopicResp,
            Message::WillMsgUpd { .. } => T::WillMsgUpd,
            Message::WillMsgResp { .. } => T::WillMsgResp,
            Message::Encapsulated(_) => T::Encapsulated,
        }
    }

    /// The same message with every byte field passed through `f`: the one place both owned
    /// conversions (copying, and slicing a shared frame) are written.
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
    pub(crate) fn map_bytes<'s, C: AsRef<[u8]>>(
        &'s self,
        f: &mut impl FnMut(&'s B) -> C,
    ) -> Message<C> {
        let mut text = |s: &'s MqttStr<B>| MqttStr::from_validated(f(s.inner()));
        match self {
            Message::Advertise { gw_id, duration } => Message::Advertise {
                gw_id: *gw_id,
                duration: *duration,
            },
            Message::SearchGw { radius } => Message::SearchGw { radius: *radius },
            Message::GwInfo { gw_id, gw_addr } => Message::GwInfo {
                gw_id: *gw_id,
                gw_addr: f(gw_addr),
            },
            Message::Connect(c) => Message::Connect(Connect {
                will: c.will,
                clean_session: c.clean_session,
                duration: c.duration,
                client_id: text(&c.client_id),
            }),
            Message::ConnAck { return_code } => Message::ConnAck {
                return_code: *return_code,
            },
            Message::WillTopicReq => Message::WillTopicReq,
            Message::WillTopic(w) => Message::WillTopic(w.as_ref().map(|w| map_will(w, &mut text))),
            Message::WillMsgReq => Message::WillMsgReq,
            Message::WillMsg { message } => Message::WillMsg {
                message: f(message),
            },
            Message::Register(r) => Message::Register(Register {
                topic_id: r.topic_id,
                msg_id: r.msg_id,
                topic_name: text(&r.topic_name),
            }),
            Message::RegAck {
                topic_id,
                msg_id,
                return_code,
            } => Message::RegAck {
                topic_id: *topic_id,
                msg_id: *msg_id,
                return_code: *return_code,
            },
            Message::Publish(p) => Message::Publish(Publish {
                dup: p.dup,
                qos: p.qos,
                retain: p.retain,
                topic: p.topic,
                msg_id: p.msg_id,
                data: f(&p.data),
            }),
            Message::PubAck {
                topic_id,
                msg_id,
                return_code,
            } => Message::PubAck {
                topic_id: *topic_id,
                msg_id: *msg_id,
                return_code: *return_code,
            },
            Message::PubComp { msg_id } => Message::PubComp { msg_id: *msg_id },
            Message::PubRec { msg_id } => Message::PubRec { msg_id: *msg_id },
            Message::PubRel { msg_id } => Message::PubRel { msg_id: *msg_id },
            Message::Subscribe(s) => Message::Subscribe(Subscribe {
                dup: s.dup,
                qos: s.qos,
                msg_id: s.msg_id,
                topic: map_topic(&s.topic, &mut text),
            }),
            Message::SubAck {
                qos,
                topic_id,
                msg_id,
                return_code,
            } => Message::SubAck {
                qos: *qos,
                topic_id: *topic_id,
                msg_id: *msg_id,
                return_code: *return_code,
            },
            Message::Unsubscribe { msg_id, topic } => Message::Unsubscribe {
                msg_id: *msg_id,
                topic: map_topic(topic, &mut text),
            },
            Message::UnsubAck { msg_id } => Message::UnsubAck { msg_id: *msg_id },
            Message::PingReq { client_id } => Message::PingReq {
                client_id: client_id.as_ref().map(&mut text),
            },
            Message::PingResp => Message::PingResp,
            Message::Disconnect { duration } => Message::Disconnect {
                duration: *duration,
            },
            Message::WillTopicUpd(w) => {
                Message::WillTopicUpd(w.as_ref().map(|w| map_will(w, &mut text)))
            }
            Message::WillTopicResp { return_code } => Message::WillTopicResp {
                return_code: *return_code,
            },
            Message::WillMsgUpd { message } => Message::WillMsgUpd {
                message: f(message),
            },
            Message::WillMsgResp { return_code } => Message::WillMsgResp {
                return_code: *return_code,
            },
            Message::Encapsulated(e) => Message::Encapsulated(Encapsulated {
                radius: e.radius,
                node_id: f(&e.node_id),
                message: f(&e.message),
            }),
        }
    }
}

#[cfg_attr(not(feature = "alloc"), allow(dead_code))]
fn map_will<'s, B: AsRef<[u8]>, C: AsRef<[u8]>>(
    w: &'s WillTopic<B>,
    text: &mut impl FnMut(&'s MqttStr<B>) -> MqttStr<C>,
) -> WillTopic<C> {
    WillTopic {
        qos: w.qos,
        retain: w.retain,
        topic: text(&w.topic),
    }
}

#[cfg_attr(not(feature = "alloc"), allow(dead_code))]
fn map_topic<'s, B: AsRef<[u8]>, C: AsRef<[u8]>>(
    t: &'s SubscribeTopic<B>,
    text: &mut impl FnMut(&'s MqttStr<B>) -> MqttStr<C>,
) -> SubscribeTopic<C> {
    match t {
        SubscribeTopic::Name(name) => SubscribeTopic::Name(text(name)),
        SubscribeTopic::Predefined(id) => SubscribeTopic::Predefined(*id),
        SubscribeTopic::Short(name) => SubscribeTopic::Short(*name),
    }
}

#[cfg(feature = "alloc")]
impl Message<&[u8]> {
    /// An owned copy: every byte field copied into its own `bytes::Bytes`.
    pub fn to_owned(&self) -> Message<bytes::Bytes> {
        self.map_bytes(&mut |b: &&[u8]| bytes::Bytes::copy_from_slice(b))
    }
}

#[cfg(feature = "alloc")]
impl Message<bytes::Bytes> {
    /// A view of this owned message, borrowing its bytes (for example to encode it or pass it
    /// where a parsed view is expected).
    pub fn as_view(&self) -> Message<&[u8]> {
        self.map_bytes(&mut |b: &bytes::Bytes| -> &[u8] { b })
    }
}
