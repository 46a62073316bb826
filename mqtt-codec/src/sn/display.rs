//! One-line `Display` of every MQTT-SN message: the type name, then each field; payloads cut
//! after 64 octets, as the MQTT packets show them.

use super::message::{Message, SubscribeTopic};
use super::types::{ReturnCode, SnQos, TopicId};
use crate::string::fmt_payload;
use core::fmt;

const PREVIEW: usize = 64;

struct Data<'a>(&'a [u8]);

impl fmt::Display for Data<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_payload(f, self.0, PREVIEW)
    }
}

impl fmt::Display for SnQos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.level())
    }
}

impl fmt::Display for ReturnCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReturnCode::Accepted => f.write_str("accepted"),
            ReturnCode::Congestion => f.write_str("congestion"),
            ReturnCode::InvalidTopicId => f.write_str("invalid-topic-id"),
            ReturnCode::NotSupported => f.write_str("not-supported"),
            ReturnCode::Reserved(v) => write!(f, "reserved-0x{v:02x}"),
        }
    }
}

impl fmt::Display for TopicId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopicId::Normal(id) => write!(f, "id:{id}"),
            TopicId::Predefined(id) => write!(f, "predefined:{id}"),
            TopicId::Short(name) => write!(f, "short:{}", Data(name)),
        }
    }
}

impl<B: AsRef<[u8]>> fmt::Display for SubscribeTopic<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubscribeTopic::Name(name) => write!(f, "{:?}", name.as_str()),
            SubscribeTopic::Predefined(id) => write!(f, "predefined:{id}"),
            SubscribeTopic::Short(name) => write!(f, "short:{}", Data(name)),
        }
    }
}

impl<B: AsRef<[u8]>> fmt::Display for Message<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.msg_type().name())?;
        match self {
            Message::Advertise { gw_id, duration } => {
                write!(f, " gw_id={gw_id} duration={duration}")
            }
            Message::SearchGw { radius } => write!(f, " radius={radius}"),
            Message::GwInfo { gw_id, gw_addr } => {
                write!(f, " gw_id={gw_id}")?;
                match gw_addr.as_ref() {
                    [] => Ok(()),
                    addr => write!(f, " gw_addr={}", Data(addr)),
                }
            }
            Message::Connect(c) => write!(
                f,
                " client_id={:?} clean_session={} will={} duration={}",
                c.client_id.as_str(),
                c.clean_session,
                c.will,
                c.duration
            ),
            Message::ConnAck { return_code }
            | Message::WillTopicResp { return_code }
            | Message::WillMsgResp { return_code } => write!(f, " {return_code}"),
            Message::WillTopicReq | Message::WillMsgReq | Message::PingResp => Ok(()),
            Message::WillTopic(will) | Message::WillTopicUpd(will) => match will {
                None => f.write_str(" (delete)"),
                Some(w) => write!(
                    f,
                    " qos={} retain={} topic={:?}",
                    w.qos,
                    w.retain,
                    w.topic.as_str()
                ),
            },
            Message::WillMsg { message } | Message::WillMsgUpd { message } => {
                write!(f, " message={}", Data(message.as_ref()))
            }
            Message::Register(r) => write!(
                f,
                " topic_id={} msg_id={} topic_name={:?}",
                r.topic_id,
                r.msg_id,
                r.topic_name.as_str()
            ),
            Message::RegAck {
                topic_id,
                msg_id,
                return_code,
            }
            | Message::PubAck {
                topic_id,
                msg_id,
                return_code,
            } => write!(f, " topic_id={topic_id} msg_id={msg_id} {return_code}"),
            Message::Publish(p) => {
                write!(f, " qos={} topic={} msg_id={}", p.qos, p.topic, p.msg_id)?;
                if p.retain {
                    f.write_str(" retain")?;
                }
                if p.dup {
                    f.write_str(" dup")?;
                }
                write!(f, " data={}", Data(p.data.as_ref()))
            }
            Message::PubComp { msg_id }
            | Message::PubRec { msg_id }
            | Message::PubRel { msg_id }
            | Message::UnsubAck { msg_id } => write!(f, " msg_id={msg_id}"),
            Message::Subscribe(s) => {
                write!(f, " msg_id={} qos={} topic={}", s.msg_id, s.qos, s.topic)?;
                if s.dup {
                    f.write_str(" dup")?;
                }
                Ok(())
            }
            Message::SubAck {
                qos,
                topic_id,
                msg_id,
                return_code,
            } => write!(
                f,
                " msg_id={msg_id} qos={qos} topic_id={topic_id} {return_code}"
            ),
            Message::Unsubscribe { msg_id, topic } => {
                write!(f, " msg_id={msg_id} topic={topic}")
            }
            Message::PingReq { client_id } => match client_id {
                Some(id) => write!(f, " client_id={:?}", id.as_str()),
                None => Ok(()),
            },
            Message::Disconnect { duration } => match duration {
                Some(d) => write!(f, " duration={d}"),
                None => Ok(()),
            },
            Message::Encapsulated(e) => {
                write!(
                    f,
                    " radius={} node_id={}: ",
                    e.radius,
                    Data(e.node_id.as_ref())
                )?;
                match e.inner() {
                    Ok(inner) => write!(f, "{inner}"),
                    Err(err) => write!(f, "<{err}>"),
                }
            }
        }
    }
}
