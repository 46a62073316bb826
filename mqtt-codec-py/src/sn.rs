//! MQTT-SN 1.2 for Python: the core's parser and encoder behind two functions that speak in
//! `(msg_type, fields)` pairs; `python/mqtt_codec/sn.py` turns them into one dataclass per
//! message. Every rule stays in the core.

use crate::sn_fields::{field, FieldKind};
use mqtt_codec::sn::{
    Connect, Encapsulated, Message, MsgType, Publish, Register, ReturnCode, SnError, SnOptions,
    SnQos, Subscribe, SubscribeTopic, TopicId, WillTopic,
};
use mqtt_codec::MqttStr;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyInt};

const NORMAL: u8 = 0;
const PREDEFINED: u8 = 1;
const SHORT: u8 = 2;

/// The `(msg_type, fields)` of a message.
fn to_fields<'py>(py: Python<'py>, m: &Message<&[u8]>) -> PyResult<(u8, Bound<'py, PyDict>)> {
    let d = PyDict::new(py);
    let bytes = |b: &[u8]| PyBytes::new(py, b);
    let short = |name: [u8; 2]| String::from_utf8_lossy(&name).into_owned();
    match m {
        Message::Advertise { gw_id, duration } => {
            d.set_item("gw_id", gw_id)?;
            d.set_item("duration", duration)?;
        }
        Message::SearchGw { radius } => d.set_item("radius", radius)?,
        Message::GwInfo { gw_id, gw_addr } => {
            d.set_item("gw_id", gw_id)?;
            d.set_item("gw_addr", bytes(gw_addr))?;
        }
        Message::Connect(c) => {
            d.set_item("client_id", c.client_id.as_str())?;
            d.set_item("duration", c.duration)?;
            d.set_item("clean_session", c.clean_session)?;
            d.set_item("will", c.will)?;
        }
        Message::ConnAck { return_code }
        | Message::WillTopicResp { return_code }
        | Message::WillMsgResp { return_code } => d.set_item("return_code", return_code.as_u8())?,
        Message::WillTopicReq | Message::WillMsgReq | Message::PingResp => {}
        Message::WillTopic(w) | Message::WillTopicUpd(w) => match w {
            Some(w) => {
                d.set_item("topic", w.topic.as_str())?;
                d.set_item("qos", w.qos.level())?;
                d.set_item("retain", w.retain)?;
            }
            None => d.set_item("topic", py.None())?,
        },
        Message::WillMsg { message } | Message::WillMsgUpd { message } => {
            d.set_item("message", bytes(message))?
        }
        Message::Register(r) => {
            d.set_item("topic_id", r.topic_id)?;
            d.set_item("msg_id", r.msg_id)?;
            d.set_item("topic_name", r.topic_name.as_str())?;
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
            d.set_item("topic_id", topic_id)?;
            d.set_item("msg_id", msg_id)?;
            d.set_item("return_code", return_code.as_u8())?;
        }
        Message::Publish(p) => {
            match p.topic {
                TopicId::Normal(id) | TopicId::Predefined(id) => d.set_item("topic_id", id)?,
                TopicId::Short(name) => d.set_item("topic_id", short(name))?,
            }
            d.set_item("topic_id_type", p.topic.type_bits())?;
            d.set_item("data", bytes(p.data))?;
            d.set_item("qos", p.qos.level())?;
            d.set_item("retain", p.retain)?;
            d.set_item("dup", p.dup)?;
            d.set_item("msg_id", p.msg_id)?;
        }
        Message::PubComp { msg_id }
        | Message::PubRec { msg_id }
        | Message::PubRel { msg_id }
        | Message::UnsubAck { msg_id } => d.set_item("msg_id", msg_id)?,
        Message::Subscribe(s) => {
            subscribe_topic_fields(&d, &s.topic)?;
            d.set_item("msg_id", s.msg_id)?;
            d.set_item("qos", s.qos.level())?;
            d.set_item("dup", s.dup)?;
        }
        Message::SubAck {
            qos,
            topic_id,
            msg_id,
            return_code,
        } => {
            d.set_item("msg_id", msg_id)?;
            d.set_item("qos", qos.level())?;
            d.set_item("topic_id", topic_id)?;
            d.set_item("return_code", return_code.as_u8())?;
        }
        Message::Unsubscribe { msg_id, topic } => {
            subscribe_topic_fields(&d, topic)?;
            d.set_item("msg_id", msg_id)?;
        }
        Message::PingReq { client_id } => {
            d.set_item("client_id", client_id.as_ref().map(|c| c.as_str()))?
        }
        Message::Disconnect { duration } => d.set_item("duration", duration)?,
        Message::Encapsulated(e) => {
            d.set_item("message", bytes(e.message))?;
            d.set_item("node_id", bytes(e.node_id))?;
            d.set_item("radius", e.radius)?;
        }
    }
    Ok((m.msg_type() as u8, d))
}

fn subscribe_topic_fields(d: &Bound<'_, PyDict>, t: &SubscribeTopic<&[u8]>) -> PyResult<()> {
    match t {
        SubscribeTopic::Name(name) => d.set_item("topic", name.as_str())?,
        SubscribeTopic::Predefined(id) => d.set_item("topic", id)?,
        SubscribeTopic::Short(name) => d.set_item("topic", String::from_utf8_lossy(name))?,
    }
    d.set_item("topic_id_type", t.type_bits())
}

/// _sn_parse(data, max_client_id_len=23, strict_flags=False) -> (msg_type, fields).
/// A refused datagram raises ValueError(message, rule, answer), `answer` being the
/// `(msg_type, fields)` MQTT-SN answers with, or None.
#[pyfunction]
#[pyo3(signature = (data, max_client_id_len = 23, strict_flags = false))]
pub(crate) fn _sn_parse<'py>(
    py: Python<'py>,
    data: &[u8],
    max_client_id_len: usize,
    strict_flags: bool,
) -> PyResult<(u8, Bound<'py, PyDict>)> {
    let opts = SnOptions {
        max_client_id_len,
        strict_flags,
    };
    match mqtt_codec::sn::parse_with(data, &opts) {
        Ok(m) => to_fields(py, &m),
        Err(e) => Err(refused(py, &e)?),
    }
}

fn refused(py: Python<'_>, e: &SnError) -> PyResult<PyErr> {
    let answer = e
        .answer()
        .map(|a| to_fields(py, &a).map(|(t, d)| (t, d.unbind())))
        .transpose()?;
    Ok(PyValueError::new_err((e.to_string(), e.rule(), answer)))
}

/// A field of `fields`, converted; `None` when absent or None.
fn get<'py, T: FromPyObjectOwned<'py> + FieldKind>(
    fields: &Bound<'py, PyDict>,
    key: &str,
) -> PyResult<Option<T>> {
    field(fields, key, "MQTT-SN")
}

fn need<'py, T: FromPyObjectOwned<'py> + FieldKind>(
    fields: &Bound<'py, PyDict>,
    key: &str,
) -> PyResult<T> {
    get(fields, key)?.ok_or_else(|| PyTypeError::new_err(format!("MQTT-SN field {key} is missing")))
}

fn qos(level: i8) -> PyResult<SnQos> {
    SnQos::from_level(level).ok_or_else(|| {
        PyValueError::new_err(("MQTT-SN QoS must be -1, 0, 1 or 2", "SN-FLG-3", None::<()>))
    })
}

fn short_name(s: &str) -> PyResult<[u8; 2]> {
    <[u8; 2]>::try_from(s.as_bytes()).map_err(|_| {
        PyValueError::new_err((
            format!("a short topic name is 2 octets, not {}", s.len()),
            "SN-FLD-6",
            None::<()>,
        ))
    })
}

/// _sn_encode(msg_type, fields, max_client_id_len=23) -> bytes. A message that breaks a
/// rule raises ValueError(message, rule, None); a field of the wrong type, TypeError.
#[pyfunction]
#[pyo3(signature = (msg_type, fields, max_client_id_len = 23))]
pub(crate) fn _sn_encode<'py>(
    py: Python<'py>,
    msg_type: u8,
    fields: &Bound<'py, PyDict>,
    max_client_id_len: usize,
) -> PyResult<Bound<'py, PyBytes>> {
    let Some(t) = MsgType::from_u8(msg_type) else {
        return Err(PyValueError::new_err((
            format!("reserved MQTT-SN MsgType 0x{msg_type:02X}"),
            "SN-HDR-6",
            None::<()>,
        )));
    };
    // Owned copies of the text and byte fields, which the message borrows.
    let mut strings: Vec<(&str, String)> = Vec::new();
    for key in ["client_id", "topic", "topic_name", "topic_id"] {
        // "topic" and "topic_id" are ints when they are topic ids: those are read below.
        let id = matches!(key, "topic" | "topic_id")
            && fields
                .get_item(key)?
                .is_some_and(|v| v.is_instance_of::<PyInt>());
        if id {
            continue;
        }
        if let Some(text) = get::<String>(fields, key)? {
            strings.push((key, text));
        }
    }
    let blobs: Vec<(&str, Vec<u8>)> = ["gw_addr", "message", "data", "node_id"]
        .into_iter()
        .map(|k| get::<Vec<u8>>(fields, k).map(|v| (k, v.unwrap_or_default())))
        .collect::<PyResult<_>>()?;
    let s = |k: &str| {
        strings
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.as_str())
    };
    let b = |k: &str| {
        blobs
            .iter()
            .find(|(n, _)| *n == k)
            .map_or(&[][..], |(_, v)| v.as_slice())
    };
    let checked = |k: &str| -> PyResult<MqttStr<&[u8]>> {
        let v =
            s(k).ok_or_else(|| PyTypeError::new_err(format!("MQTT-SN field {k} must be a str")))?;
        MqttStr::try_new(v.as_bytes())
            .map_err(|e| PyValueError::new_err((format!("{k}: {e}"), "SN-FLD-3", None::<()>)))
    };
    let rc = |_: ()| -> PyResult<ReturnCode> {
        Ok(ReturnCode::from_u8(
            get::<u8>(fields, "return_code")?.unwrap_or(0),
        ))
    };
    let flag = |k: &str| -> PyResult<bool> { Ok(get::<bool>(fields, k)?.unwrap_or(false)) };
    let level = || -> PyResult<SnQos> { qos(get::<i8>(fields, "qos")?.unwrap_or(0)) };
    let type_bits =
        || -> PyResult<u8> { Ok(get::<u8>(fields, "topic_id_type")?.unwrap_or(NORMAL)) };
    let will = || -> PyResult<Option<WillTopic<&[u8]>>> {
        match s("topic") {
            None => Ok(None),
            Some(_) => Ok(Some(WillTopic {
                qos: level()?,
                retain: flag("retain")?,
                topic: checked("topic")?,
            })),
        }
    };
    let subscribe_topic = || -> PyResult<SubscribeTopic<&[u8]>> {
        Ok(match type_bits()? {
            NORMAL => SubscribeTopic::Name(checked("topic")?),
            PREDEFINED => SubscribeTopic::Predefined(need(fields, "topic")?),
            SHORT => SubscribeTopic::Short(short_name(s("topic").unwrap_or_default())?),
            other => return Err(reserved_type(other)),
        })
    };
    let message = match t {
        MsgType::Advertise => Message::Advertise {
            gw_id: need(fields, "gw_id")?,
            duration: need(fields, "duration")?,
        },
        MsgType::SearchGw => Message::SearchGw {
            radius: get(fields, "radius")?.unwrap_or(0),
        },
        MsgType::GwInfo => Message::GwInfo {
            gw_id: need(fields, "gw_id")?,
            gw_addr: b("gw_addr"),
        },
        MsgType::Connect => Message::Connect(Connect {
            will: flag("will")?,
            clean_session: flag("clean_session")?,
            duration: get(fields, "duration")?.unwrap_or(0),
            client_id: checked("client_id")?,
        }),
        MsgType::ConnAck => Message::ConnAck {
            return_code: rc(())?,
        },
        MsgType::WillTopicReq => Message::WillTopicReq,
        MsgType::WillTopic => Message::WillTopic(will()?),
        MsgType::WillMsgReq => Message::WillMsgReq,
        MsgType::WillMsg => Message::WillMsg {
            message: b("message"),
        },
        MsgType::Register => Message::Register(Register {
            topic_id: get(fields, "topic_id")?.unwrap_or(0),
            msg_id: need(fields, "msg_id")?,
            topic_name: checked("topic_name")?,
        }),
        MsgType::RegAck => Message::RegAck {
            topic_id: need(fields, "topic_id")?,
            msg_id: need(fields, "msg_id")?,
            return_code: rc(())?,
        },
        MsgType::Publish => Message::Publish(Publish {
            dup: flag("dup")?,
            qos: level()?,
            retain: flag("retain")?,
            topic: match type_bits()? {
                NORMAL => TopicId::Normal(need(fields, "topic_id")?),
                PREDEFINED => TopicId::Predefined(need(fields, "topic_id")?),
                SHORT => TopicId::Short(short_name(s("topic_id").unwrap_or_default())?),
                other => return Err(reserved_type(other)),
            },
            msg_id: get(fields, "msg_id")?.unwrap_or(0),
            data: b("data"),
        }),
        MsgType::PubAck => Message::PubAck {
            topic_id: need(fields, "topic_id")?,
            msg_id: need(fields, "msg_id")?,
            return_code: rc(())?,
        },
        MsgType::PubComp => Message::PubComp {
            msg_id: need(fields, "msg_id")?,
        },
        MsgType::PubRec => Message::PubRec {
            msg_id: need(fields, "msg_id")?,
        },
        MsgType::PubRel => Message::PubRel {
            msg_id: need(fields, "msg_id")?,
        },
        MsgType::Subscribe => Message::Subscribe(Subscribe {
            dup: flag("dup")?,
            qos: level()?,
            msg_id: need(fields, "msg_id")?,
            topic: subscribe_topic()?,
        }),
        MsgType::SubAck => Message::SubAck {
            qos: level()?,
            topic_id: get(fields, "topic_id")?.unwrap_or(0),
            msg_id: need(fields, "msg_id")?,
            return_code: rc(())?,
        },
        MsgType::Unsubscribe => Message::Unsubscribe {
            msg_id: need(fields, "msg_id")?,
            topic: subscribe_topic()?,
        },
        MsgType::UnsubAck => Message::UnsubAck {
            msg_id: need(fields, "msg_id")?,
        },
        MsgType::PingReq => Message::PingReq {
            client_id: match s("client_id") {
                Some(_) => Some(checked("client_id")?),
                None => None,
            },
        },
        MsgType::PingResp => Message::PingResp,
        MsgType::Disconnect => Message::Disconnect {
            duration: get(fields, "duration")?,
        },
        MsgType::WillTopicUpd => Message::WillTopicUpd(will()?),
        MsgType::WillTopicResp => Message::WillTopicResp {
            return_code: rc(())?,
        },
        MsgType::WillMsgUpd => Message::WillMsgUpd {
            message: b("message"),
        },
        MsgType::WillMsgResp => Message::WillMsgResp {
            return_code: rc(())?,
        },
        MsgType::Encapsulated => Message::Encapsulated(Encapsulated {
            radius: get(fields, "radius")?.unwrap_or(0),
            node_id: b("node_id"),
            message: b("message"),
        }),
    };
    let opts = SnOptions {
        max_client_id_len,
        ..SnOptions::DEFAULT
    };
    match message.to_vec_with(&opts) {
        Ok(out) => Ok(PyBytes::new(py, &out)),
        Err(e) => {
            let rule = match &e {
                mqtt_codec::sn::SnEncodeError::Invalid(inner) => inner.rule(),
                mqtt_codec::sn::SnEncodeError::ReservedTopicId { .. } => "SN-FLD-1",
                mqtt_codec::sn::SnEncodeError::Qos0Fields => "SN-FLD-4",
                mqtt_codec::sn::SnEncodeError::RadiusOutOfRange { .. } => "SN-ENC-2",
                _ => "SN-HDR-2",
            };
            Err(PyValueError::new_err((e.to_string(), rule, None::<()>)))
        }
    }
}

fn reserved_type(bits: u8) -> PyErr {
    PyValueError::new_err((
        format!("TopicIdType {bits} is reserved; use 0, 1 or 2"),
        "SN-FLG-2",
        None::<()>,
    ))
}
