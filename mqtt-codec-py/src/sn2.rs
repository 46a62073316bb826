//! MQTT-SN 2.0 for Python: the core's parser and encoder behind two functions that speak in
//! `(packet_type, fields)` pairs; `python/mqtt_codec/sn2.py` turns them into one dataclass
//! per packet. Every rule stays in the core.
//!
//! The fields are the core's, by name, with three flattenings: a topic is `topic` (an
//! `int` alias or a `str` name) with `topic_type` (its Topic Type bits: 0 session alias,
//! 1 predefined alias, 3 name); an authentication block of CONNECT or CONNACK is
//! `auth_method` (None: no block) and `auth_data`; the will of CONNECT is `will_topic`
//! (None: no will), `will_topic_type`, `will_qos`, `will_retain` and `will_payload`.

use crate::sn_fields::{field, FieldKind};
use bytes::Bytes;
use mqtt_codec::sn::v2::{
    Ack, AliasKind, Auth, AuthBlock, ConnAck, Connect, Disconnect, Packet, PacketType, Protection,
    PubWos, Publish, RegAck, Register, Sn2Error, SubAck, Subscribe, Topic, Will,
};
use mqtt_codec::{MqttStr, QoS};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

/// The Topic Type bits of a session alias.
const ALIAS: u8 = 0b00;
/// The Topic Type bits of a predefined alias.
const PREDEFINED: u8 = 0b01;
/// The Topic Type bits of a topic name or filter.
const NAME: u8 = 0b11;

/// Malformed Packet, the reason code of a value the layout cannot carry.
const MALFORMED: u8 = 0x81;

/// The `(packet_type, fields)` of a packet.
fn to_fields<'py>(py: Python<'py>, p: &Packet<&[u8]>) -> PyResult<(u8, Bound<'py, PyDict>)> {
    let d = PyDict::new(py);
    let bytes = |b: &[u8]| PyBytes::new(py, b);
    match p {
        Packet::Connect(c) => {
            d.set_item("clean_start", c.clean_start)?;
            d.set_item("address_may_change", c.address_may_change)?;
            d.set_item("server_may_suggest", c.server_may_suggest)?;
            d.set_item("packet_id", c.packet_id)?;
            d.set_item("protocol_version", c.protocol_version)?;
            d.set_item("keep_alive", c.keep_alive)?;
            d.set_item("max_packet_size", c.max_packet_size)?;
            d.set_item("default_awake_messages", c.default_awake_messages)?;
            d.set_item("session_expiry", c.session_expiry)?;
            match &c.will {
                Some(w) => {
                    topic_fields(&d, "will_topic", &w.topic)?;
                    d.set_item("will_qos", w.qos as u8)?;
                    d.set_item("will_retain", w.retain)?;
                    d.set_item("will_payload", bytes(w.payload))?;
                }
                None => {
                    d.set_item("will_topic", py.None())?;
                    d.set_item("will_topic_type", ALIAS)?;
                    d.set_item("will_qos", 0u8)?;
                    d.set_item("will_retain", false)?;
                    d.set_item("will_payload", bytes(b""))?;
                }
            }
            auth_fields(&d, c.auth.as_ref())?;
            d.set_item("client_id", c.client_id.as_str())?;
        }
        Packet::ConnAck(a) => {
            d.set_item("session_present", a.session_present)?;
            d.set_item("packet_id", a.packet_id)?;
            d.set_item("reason_code", a.reason_code)?;
            d.set_item("session_expiry", a.session_expiry)?;
            d.set_item("server_keep_alive", a.server_keep_alive)?;
            auth_fields(&d, a.auth.as_ref())?;
            d.set_item(
                "assigned_client_id",
                a.assigned_client_id.as_ref().map(|s| s.as_str()),
            )?;
        }
        Packet::Publish(p) => {
            d.set_item("dup", p.dup)?;
            d.set_item("qos", p.qos as u8)?;
            d.set_item("retain", p.retain)?;
            topic_fields(&d, "topic", &p.topic)?;
            d.set_item("packet_id", p.packet_id)?;
            d.set_item("payload", bytes(p.payload))?;
        }
        Packet::PubAck(a)
        | Packet::PubRec(a)
        | Packet::PubRel(a)
        | Packet::PubComp(a)
        | Packet::UnsubAck(a) => {
            d.set_item("packet_id", a.packet_id)?;
            d.set_item("reason_code", a.reason_code)?;
        }
        Packet::Subscribe(s) => {
            d.set_item("no_local", s.no_local)?;
            d.set_item("qos", s.qos as u8)?;
            d.set_item("retain_as_published", s.retain_as_published)?;
            d.set_item("retain_handling", s.retain_handling)?;
            d.set_item("packet_id", s.packet_id)?;
            topic_fields(&d, "topic", &s.topic)?;
        }
        Packet::SubAck(s) => {
            d.set_item("packet_id", s.packet_id)?;
            d.set_item("kind", kind_bits(s.kind))?;
            d.set_item("alias", s.alias)?;
            d.set_item("reason_code", s.reason_code)?;
        }
        Packet::Unsubscribe { packet_id, topic } => {
            d.set_item("packet_id", packet_id)?;
            topic_fields(&d, "topic", topic)?;
        }
        Packet::PingReq { packet_id } => d.set_item("packet_id", packet_id)?,
        Packet::PingResp {
            packet_id,
            messages_remaining,
        } => {
            d.set_item("packet_id", packet_id)?;
            d.set_item("messages_remaining", messages_remaining)?;
        }
        Packet::Disconnect(x) => {
            d.set_item("packet_id", x.packet_id)?;
            d.set_item("session_expiry", x.session_expiry)?;
            d.set_item("reason_code", x.reason_code)?;
            d.set_item(
                "reason_string",
                x.reason_string.as_ref().map(|s| s.as_str()),
            )?;
        }
        Packet::Auth(a) => {
            d.set_item("packet_id", a.packet_id)?;
            d.set_item("reason_code", a.reason_code)?;
            d.set_item("method", a.method.as_str())?;
            d.set_item("data", bytes(a.data))?;
        }
        Packet::Register(r) => {
            d.set_item("packet_id", r.packet_id)?;
            d.set_item("alias", r.alias)?;
            d.set_item("topic_name", r.topic_name.as_str())?;
        }
        Packet::RegAck(r) => {
            d.set_item("packet_id", r.packet_id)?;
            d.set_item("kind", kind_bits(r.kind))?;
            d.set_item("alias", r.alias)?;
            d.set_item("reason_code", r.reason_code)?;
        }
        Packet::PubWos(p) => {
            d.set_item("retain", p.retain)?;
            topic_fields(&d, "topic", &p.topic)?;
            d.set_item("payload", bytes(p.payload))?;
        }
        Packet::SleepReq {
            retain_aliases,
            packet_id,
            duration,
        } => {
            d.set_item("retain_aliases", retain_aliases)?;
            d.set_item("packet_id", packet_id)?;
            d.set_item("duration", duration)?;
        }
        Packet::SleepResp {
            packet_id,
            duration,
            reason_code,
        } => {
            d.set_item("packet_id", packet_id)?;
            d.set_item("duration", duration)?;
            d.set_item("reason_code", reason_code)?;
        }
        Packet::Wakeup => {}
        Packet::Advertise { gw_id, duration } => {
            d.set_item("gw_id", gw_id)?;
            d.set_item("duration", duration)?;
        }
        Packet::SearchGw { info } => d.set_item("info", bytes(info))?,
        Packet::GwInfo { gw_id, gw_addr } => {
            d.set_item("gw_id", gw_id)?;
            d.set_item("gw_addr", bytes(gw_addr))?;
        }
        Packet::Forwarder { address, packet } => {
            d.set_item("address", bytes(address))?;
            d.set_item("packet", bytes(packet))?;
        }
        Packet::Connection { client_id, packet } => {
            d.set_item("client_id", client_id.as_str())?;
            d.set_item("packet", bytes(packet))?;
        }
        Packet::Protection(x) => {
            d.set_item("tag_length", x.tag_length)?;
            d.set_item("scheme", x.scheme)?;
            d.set_item("sender_id", bytes(&x.sender_id))?;
            d.set_item("random", bytes(&x.random))?;
            d.set_item("crypto", bytes(x.crypto))?;
            d.set_item("counter", bytes(x.counter))?;
            d.set_item("protected", bytes(x.protected))?;
        }
    }
    Ok((p.packet_type() as u8, d))
}

/// `key` (an `int` alias or a `str` name) and `{key}_type` (its Topic Type bits).
fn topic_fields(d: &Bound<'_, PyDict>, key: &str, t: &Topic<&[u8]>) -> PyResult<()> {
    match t {
        Topic::Alias(a) | Topic::Predefined(a) => d.set_item(key, a)?,
        Topic::Name(n) => d.set_item(key, n.as_str())?,
    }
    d.set_item(format!("{key}_type"), t.type_bits())
}

/// `auth_method` (None without a block) and `auth_data`.
fn auth_fields(d: &Bound<'_, PyDict>, auth: Option<&AuthBlock<&[u8]>>) -> PyResult<()> {
    let py = d.py();
    match auth {
        Some(a) => {
            d.set_item("auth_method", a.method.as_str())?;
            d.set_item("auth_data", PyBytes::new(py, a.data))
        }
        None => {
            d.set_item("auth_method", py.None())?;
            d.set_item("auth_data", PyBytes::new(py, b""))
        }
    }
}

fn kind_bits(kind: AliasKind) -> u8 {
    match kind {
        AliasKind::Session => ALIAS,
        AliasKind::Predefined => PREDEFINED,
    }
}

/// _sn2_parse(data) -> (packet_type, fields). A refused datagram raises
/// ValueError(message, reason_code): 0x81 Malformed Packet, 0x82 Protocol Error, or 0x84
/// Unsupported Protocol Version.
#[pyfunction]
pub(crate) fn _sn2_parse<'py>(py: Python<'py>, data: &[u8]) -> PyResult<(u8, Bound<'py, PyDict>)> {
    match mqtt_codec::sn::v2::parse(data) {
        Ok(p) => to_fields(py, &p),
        Err(e) => Err(refused(&e)),
    }
}

fn refused(e: &Sn2Error) -> PyErr {
    PyValueError::new_err((e.to_string(), e.reason_code()))
}

/// A value the binding refuses before the core sees it: ValueError(message, reason_code).
fn invalid(message: impl Into<String>, reason_code: u8) -> PyErr {
    PyValueError::new_err((message.into(), reason_code))
}

/// The fields of one packet, read by name.
struct Fields<'a, 'py>(&'a Bound<'py, PyDict>);

impl<'py> Fields<'_, 'py> {
    /// A field, converted; `None` when absent or None.
    fn get<T: FromPyObjectOwned<'py> + FieldKind>(&self, key: &str) -> PyResult<Option<T>> {
        field(self.0, key, "MQTT-SN 2.0")
    }

    /// A field that must be given.
    fn need<T: FromPyObjectOwned<'py> + FieldKind>(&self, key: &str) -> PyResult<T> {
        self.get(key)?
            .ok_or_else(|| PyTypeError::new_err(format!("MQTT-SN 2.0 field {key} is missing")))
    }

    /// A flag, false when absent.
    fn flag(&self, key: &str) -> PyResult<bool> {
        Ok(self.get(key)?.unwrap_or(false))
    }

    /// A byte field, empty when absent.
    fn bytes(&self, key: &str) -> PyResult<Bytes> {
        Ok(Bytes::from(self.get::<Vec<u8>>(key)?.unwrap_or_default()))
    }

    /// A byte field of exactly `N` octets.
    fn array<const N: usize>(&self, key: &str) -> PyResult<[u8; N]> {
        let v: Vec<u8> = self.need(key)?;
        <[u8; N]>::try_from(v.as_slice())
            .map_err(|_| invalid(format!("{key} is {N} octets, not {}", v.len()), MALFORMED))
    }

    /// A text field, checked as the parser checks text (UTF-8, no U+0000).
    fn text(&self, key: &str) -> PyResult<MqttStr<Bytes>> {
        let s: String = self.need(key)?;
        to_text(key, s)
    }

    /// An optional text field.
    fn opt_text(&self, key: &str) -> PyResult<Option<MqttStr<Bytes>>> {
        self.get::<String>(key)?
            .map(|s| to_text(key, s))
            .transpose()
    }

    /// A reason code, 0x00 when absent.
    fn reason(&self) -> PyResult<u8> {
        Ok(self.get("reason_code")?.unwrap_or(0))
    }

    /// A QoS, 0 when absent; 3 is reserved.
    fn qos(&self, key: &str, packet_type: PacketType) -> PyResult<QoS> {
        let level: u8 = self.get(key)?.unwrap_or(0);
        QoS::from_bits(level).ok_or_else(|| refused(&Sn2Error::ReservedQos(packet_type)))
    }

    /// The topic `key` as its `{key}_type` says: an `int` alias or a `str` name.
    fn topic(&self, key: &str, packet_type: PacketType) -> PyResult<Topic<Bytes>> {
        let bits: u8 = self.get(&format!("{key}_type"))?.unwrap_or(ALIAS);
        Ok(match bits {
            ALIAS => Topic::Alias(self.need(key)?),
            PREDEFINED => Topic::Predefined(self.need(key)?),
            NAME => Topic::Name(self.text(key)?),
            _ => return Err(refused(&Sn2Error::TopicType { packet_type, bits })),
        })
    }

    /// The kind of alias of a SUBACK or REGACK, session when absent.
    fn kind(&self, packet_type: PacketType) -> PyResult<AliasKind> {
        match self.get::<u8>("kind")?.unwrap_or(ALIAS) {
            ALIAS => Ok(AliasKind::Session),
            PREDEFINED => Ok(AliasKind::Predefined),
            bits => Err(refused(&Sn2Error::TopicType { packet_type, bits })),
        }
    }

    /// `auth_method` and `auth_data` as an authentication block; None without a method.
    fn auth_block(&self) -> PyResult<Option<AuthBlock<Bytes>>> {
        let data = self.bytes("auth_data")?;
        match self.opt_text("auth_method")? {
            Some(method) => Ok(Some(AuthBlock { method, data })),
            None if data.is_empty() => Ok(None),
            None => Err(invalid(
                "auth_data without auth_method: the block needs a method",
                MALFORMED,
            )),
        }
    }

    /// The will of a CONNECT; None without `will_topic`.
    fn will(&self) -> PyResult<Option<Will<Bytes>>> {
        if self.0.get_item("will_topic")?.is_none_or(|t| t.is_none()) {
            let payload = self.bytes("will_payload")?;
            let qos: u8 = self.get("will_qos")?.unwrap_or(0);
            if !payload.is_empty() || qos != 0 || self.flag("will_retain")? {
                return Err(invalid(
                    "will_payload, will_qos or will_retain without will_topic",
                    MALFORMED,
                ));
            }
            return Ok(None);
        }
        Ok(Some(Will {
            qos: self.qos("will_qos", PacketType::Connect)?,
            retain: self.flag("will_retain")?,
            topic: self.topic("will_topic", PacketType::Connect)?,
            payload: self.bytes("will_payload")?,
        }))
    }

    fn ack(&self) -> PyResult<Ack> {
        Ok(Ack {
            packet_id: self.need("packet_id")?,
            reason_code: self.reason()?,
        })
    }
}

fn to_text(key: &str, s: String) -> PyResult<MqttStr<Bytes>> {
    MqttStr::try_new(Bytes::from(s)).map_err(|e| invalid(format!("{key}: {e}"), MALFORMED))
}

/// _sn2_encode(packet_type, fields) -> bytes. A packet that breaks a rule raises
/// ValueError(message, reason_code); a field of the wrong type, TypeError.
#[pyfunction]
pub(crate) fn _sn2_encode<'py>(
    py: Python<'py>,
    packet_type: u8,
    fields: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyBytes>> {
    let Some(t) = PacketType::from_u8(packet_type) else {
        return Err(refused(&Sn2Error::ReservedType(packet_type)));
    };
    let f = Fields(fields);
    use PacketType as T;
    let packet: Packet<Bytes> = match t {
        T::Connect => Packet::Connect(Connect {
            clean_start: f.flag("clean_start")?,
            address_may_change: f.flag("address_may_change")?,
            server_may_suggest: f.flag("server_may_suggest")?,
            packet_id: f.need("packet_id")?,
            protocol_version: f.get("protocol_version")?.unwrap_or(2),
            keep_alive: f.need("keep_alive")?,
            max_packet_size: f.get("max_packet_size")?.unwrap_or(0),
            default_awake_messages: f.get("default_awake_messages")?,
            session_expiry: f.get("session_expiry")?,
            will: f.will()?,
            auth: f.auth_block()?,
            client_id: f.text("client_id")?,
        }),
        T::ConnAck => Packet::ConnAck(ConnAck {
            session_present: f.flag("session_present")?,
            packet_id: f.need("packet_id")?,
            reason_code: f.reason()?,
            session_expiry: f.get("session_expiry")?,
            server_keep_alive: f.get("server_keep_alive")?,
            auth: f.auth_block()?,
            assigned_client_id: f.opt_text("assigned_client_id")?,
        }),
        T::Publish => Packet::Publish(Publish {
            dup: f.flag("dup")?,
            qos: f.qos("qos", t)?,
            retain: f.flag("retain")?,
            topic: f.topic("topic", t)?,
            packet_id: f.get("packet_id")?,
            payload: f.bytes("payload")?,
        }),
        T::PubAck => Packet::PubAck(f.ack()?),
        T::PubRec => Packet::PubRec(f.ack()?),
        T::PubRel => Packet::PubRel(f.ack()?),
        T::PubComp => Packet::PubComp(f.ack()?),
        T::UnsubAck => Packet::UnsubAck(f.ack()?),
        T::Subscribe => {
            let level: u8 = f.get("qos")?.unwrap_or(0);
            Packet::Subscribe(Subscribe {
                no_local: f.flag("no_local")?,
                qos: QoS::from_bits(level)
                    .ok_or_else(|| refused(&Sn2Error::SubscriptionOptions))?,
                retain_as_published: f.flag("retain_as_published")?,
                retain_handling: f.get("retain_handling")?.unwrap_or(0),
                packet_id: f.need("packet_id")?,
                topic: f.topic("topic", t)?,
            })
        }
        T::SubAck => Packet::SubAck(SubAck {
            packet_id: f.need("packet_id")?,
            kind: f.kind(t)?,
            alias: f.get("alias")?,
            reason_code: f.reason()?,
        }),
        T::Unsubscribe => Packet::Unsubscribe {
            packet_id: f.need("packet_id")?,
            topic: f.topic("topic", t)?,
        },
        T::PingReq => Packet::PingReq {
            packet_id: f.need("packet_id")?,
        },
        T::PingResp => Packet::PingResp {
            packet_id: f.need("packet_id")?,
            messages_remaining: f.get("messages_remaining")?,
        },
        T::Disconnect => Packet::Disconnect(Disconnect {
            packet_id: f.get("packet_id")?,
            session_expiry: f.get("session_expiry")?,
            reason_code: f.get("reason_code")?,
            reason_string: f.opt_text("reason_string")?,
        }),
        T::Auth => Packet::Auth(Auth {
            packet_id: f.need("packet_id")?,
            reason_code: f.reason()?,
            method: f.text("method")?,
            data: f.bytes("data")?,
        }),
        T::Register => Packet::Register(Register {
            packet_id: f.need("packet_id")?,
            alias: f.get("alias")?,
            topic_name: f.text("topic_name")?,
        }),
        T::RegAck => Packet::RegAck(RegAck {
            packet_id: f.need("packet_id")?,
            kind: f.kind(t)?,
            alias: f.get("alias")?,
            reason_code: f.reason()?,
        }),
        T::PubWos => Packet::PubWos(PubWos {
            retain: f.flag("retain")?,
            topic: f.topic("topic", t)?,
            payload: f.bytes("payload")?,
        }),
        T::SleepReq => Packet::SleepReq {
            retain_aliases: f.flag("retain_aliases")?,
            packet_id: f.need("packet_id")?,
            duration: f.need("duration")?,
        },
        T::SleepResp => Packet::SleepResp {
            packet_id: f.need("packet_id")?,
            duration: f.get("duration")?,
            reason_code: f.reason()?,
        },
        T::Wakeup => Packet::Wakeup,
        T::Advertise => Packet::Advertise {
            gw_id: f.need("gw_id")?,
            duration: f.need("duration")?,
        },
        T::SearchGw => Packet::SearchGw {
            info: f.bytes("info")?,
        },
        T::GwInfo => Packet::GwInfo {
            gw_id: f.need("gw_id")?,
            gw_addr: f.bytes("gw_addr")?,
        },
        T::Forwarder => Packet::Forwarder {
            address: f.bytes("address")?,
            packet: f.bytes("packet")?,
        },
        T::Connection => Packet::Connection {
            client_id: f.text("client_id")?,
            packet: f.bytes("packet")?,
        },
        T::Protection => {
            let tag_length: u8 = f.get("tag_length")?.unwrap_or(1);
            if tag_length > 0x0F {
                // Four bits on the wire.
                return Err(invalid(
                    format!("tag_length {tag_length} does not fit its four bits"),
                    MALFORMED,
                ));
            }
            Packet::Protection(Protection {
                tag_length,
                scheme: f.need("scheme")?,
                sender_id: f.array::<8>("sender_id")?,
                random: f.array::<4>("random")?,
                crypto: f.bytes("crypto")?,
                counter: f.bytes("counter")?,
                protected: f.bytes("protected")?,
            })
        }
    };
    match packet.to_vec() {
        Ok(out) => Ok(PyBytes::new(py, &out)),
        Err(e) => Err(refused(&e)),
    }
}
