//! One Python class per MQTT control packet, each wrapping the core's packet type: keyword
//! constructors (validated by the core), read-only attributes, `__repr__`, `__eq__` and
//! `encode(version)`.

use crate::convert::{self, reduce, repr};
use crate::framed_publish::FramedPublish;
use crate::properties::{
    properties_arg, properties_out, properties_owned_out, push_properties, subscription_arg,
    subscriptions_out, PyProperties, PyWill,
};
use mqtt_codec::{
    Auth, ConnAck, Connect, Disconnect, Packet, PacketType, ProtocolVersion, PubResponse, Publish,
    QoS, ReasonCode, SubAck, Subscribe, UnsubAck, Unsubscribe,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use std::borrow::Cow;
use std::sync::OnceLock;

type Arg<'a, 'py> = Option<&'a Bound<'py, PyAny>>;

fn flag(obj: Arg<'_, '_>, what: &str, default: bool) -> PyResult<bool> {
    obj.filter(|o| !o.is_none())
        .map(|o| convert::boolean(o, what))
        .transpose()
        .map(|b| b.unwrap_or(default))
}

fn reason_or(obj: Arg<'_, '_>, default: ReasonCode) -> PyResult<ReasonCode> {
    obj.filter(|o| !o.is_none())
        .map(|o| convert::reason(o, "reason_code"))
        .transpose()
        .map(|r| r.unwrap_or(default))
}

fn py_bool(py: Python<'_>, b: bool) -> PyResult<Bound<'_, PyAny>> {
    Ok(b.into_pyobject(py)?.to_owned().into_any())
}

fn py_int(py: Python<'_>, v: u32) -> PyResult<Bound<'_, PyAny>> {
    Ok(v.into_pyobject(py)?.into_any())
}

/// The argument, unless it is absent or None.
fn some<'py>(o: Arg<'_, 'py>) -> Option<Bound<'py, PyAny>> {
    o.filter(|o| !o.is_none()).cloned()
}

/// Converts a decoded core packet into an instance of its Python class.
pub(crate) fn packet_to_py(py: Python<'_>, packet: Packet) -> PyResult<Bound<'_, PyAny>> {
    Ok(match packet {
        Packet::Connect(p) => Bound::new(py, PyConnect { inner: p })?.into_any(),
        Packet::ConnAck(p) => Bound::new(py, PyConnAck { inner: p })?.into_any(),
        Packet::Publish(p) => Bound::new(py, PyPublish::of(PublishFields::Owned(p)))?.into_any(),
        Packet::PubAck(p) => Bound::new(py, PyPubAck { inner: p })?.into_any(),
        Packet::PubRec(p) => Bound::new(py, PyPubRec { inner: p })?.into_any(),
        Packet::PubRel(p) => Bound::new(py, PyPubRel { inner: p })?.into_any(),
        Packet::PubComp(p) => Bound::new(py, PyPubComp { inner: p })?.into_any(),
        Packet::Subscribe(p) => Bound::new(py, PySubscribe { inner: p })?.into_any(),
        Packet::SubAck(p) => Bound::new(py, PySubAck { inner: p })?.into_any(),
        Packet::Unsubscribe(p) => Bound::new(py, PyUnsubscribe { inner: p })?.into_any(),
        Packet::UnsubAck(p) => Bound::new(py, PyUnsubAck { inner: p })?.into_any(),
        Packet::PingReq => Bound::new(py, PyPingReq)?.into_any(),
        Packet::PingResp => Bound::new(py, PyPingResp)?.into_any(),
        Packet::Disconnect(p) => Bound::new(py, PyDisconnect { inner: p })?.into_any(),
        Packet::Auth(p) => Bound::new(py, PyAuth { inner: p })?.into_any(),
    })
}

// ---------------------------------------------------------------------------------------
// CONNECT

/// CONNECT: the first packet a client sends.
///
/// Connect(*, client_id="", protocol_version=ProtocolVersion.V5, clean_start=True,
/// keep_alive=60, will=None, username=None, password=None, properties=None).
#[pyclass(module = "mqtt_codec", name = "Connect", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyConnect {
    /// Boxed as the decoder gives it: a CONNECT is large, and is not moved out of its box.
    inner: Box<Connect>,
}

impl PyConnect {
    /// The constructor arguments that make this object again: its repr and its pickle.
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        let mut fields = vec![
            ("client_id", self.client_id().into_pyobject(py)?.into_any()),
            ("protocol_version", self.protocol_version(py)?),
            ("clean_start", py_bool(py, self.inner.clean_start)?),
            ("keep_alive", py_int(py, u32::from(self.inner.keep_alive))?),
        ];
        if let Some(w) = self.will(py)? {
            fields.push(("will", w.into_any()));
        }
        if let Some(u) = self.username() {
            fields.push(("username", u.into_pyobject(py)?.into_any()));
        }
        if let Some(p) = self.password(py) {
            fields.push(("password", p.into_any()));
        }
        push_properties(py, &mut fields, &self.inner.properties)?;
        Ok(fields)
    }
}

#[pymethods]
impl PyConnect {
    #[new]
    #[pyo3(signature = (*, client_id = None, protocol_version = None, clean_start = None, keep_alive = None, will = None, username = None, password = None, properties = None), text_signature = "(*, client_id=\"\", protocol_version=ProtocolVersion.V5, clean_start=True, keep_alive=60, will=None, username=None, password=None, properties=None)")]
    #[allow(clippy::too_many_arguments)]
    fn new(
        client_id: Arg<'_, '_>,
        protocol_version: Arg<'_, '_>,
        clean_start: Arg<'_, '_>,
        keep_alive: Arg<'_, '_>,
        will: Arg<'_, '_>,
        username: Arg<'_, '_>,
        password: Arg<'_, '_>,
        properties: Arg<'_, '_>,
    ) -> PyResult<Self> {
        let version = match some(protocol_version) {
            Some(v) => convert::version(&v)?,
            None => ProtocolVersion::V5,
        };
        let client_id = match some(client_id) {
            Some(c) => convert::mqtt_str(&c, "client_id")?,
            None => Default::default(),
        };
        let mut inner = Connect::new(version, client_id);
        inner.clean_start = flag(clean_start, "clean_start", true)?;
        if let Some(k) = some(keep_alive) {
            inner.keep_alive = convert::int(&k, "keep_alive")?;
        }
        if let Some(w) = some(will) {
            let w = w.cast::<PyWill>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "will must be a Will, not {}",
                    convert::type_name(&w)
                ))
            })?;
            inner.will = Some(w.get().inner.clone());
        }
        inner.username = some(username)
            .map(|u| convert::mqtt_str(&u, "username"))
            .transpose()?;
        inner.password = some(password)
            .map(|p| convert::bytes_arg(&p, "password", true))
            .transpose()?;
        inner.properties = properties_arg(properties)?;
        convert::check_encodable(&inner, Some(version))?;
        Ok(PyConnect {
            inner: Box::new(inner),
        })
    }

    /// The protocol version the client asks for.
    #[getter]
    fn protocol_version<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::version_out(py, self.inner.protocol_version)
    }

    /// The client identifier ("" asks the server to assign one).
    #[getter]
    fn client_id(&self) -> &str {
        self.inner.client_id.as_str()
    }

    /// Clean Session (3.x) or Clean Start (5.0).
    #[getter]
    fn clean_start(&self) -> bool {
        self.inner.clean_start
    }

    /// Keep Alive in seconds (0: off).
    #[getter]
    fn keep_alive(&self) -> u16 {
        self.inner.keep_alive
    }

    /// The will, or None.
    #[getter]
    fn will<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyWill>>> {
        self.inner
            .will
            .as_ref()
            .map(|w| Bound::new(py, PyWill { inner: w.clone() }))
            .transpose()
    }

    /// The user name, or None.
    #[getter]
    fn username(&self) -> Option<&str> {
        self.inner.username.as_ref().map(|u| u.as_str())
    }

    /// The password, or None.
    #[getter]
    fn password<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.inner.password.as_ref().map(|p| PyBytes::new(py, p))
    }

    /// The CONNECT properties (5.0).
    #[getter]
    fn properties<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyProperties>> {
        properties_out(py, &self.inner.properties)
    }

    /// Encodes the packet; `version` defaults to `protocol_version`, and any other fails.
    #[pyo3(signature = (version = None))]
    fn encode<'py>(
        &self,
        py: Python<'py>,
        version: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        match version.filter(|v| !v.is_none()) {
            Some(v) => convert::encode(py, &*self.inner, v),
            None => convert::encode_as(py, &*self.inner, self.inner.protocol_version),
        }
    }

    /// The constructor-style repr, with the fields that are set.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr(py, "Connect", self.fields(py)?)
    }

    /// Pickles (and so copies) as the constructor call of its repr.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        reduce(slf, slf.get().fields(slf.py())?)
    }
}

// ---------------------------------------------------------------------------------------
// CONNACK

/// CONNACK: the server's answer to CONNECT.
///
/// ConnAck(*, session_present=False, reason_code=ReasonCode.SUCCESS, properties=None).
/// Under 3.x the reason code maps to the return code (0x84 to 1, 0x85 to 2, ...).
#[pyclass(module = "mqtt_codec", name = "ConnAck", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyConnAck {
    inner: ConnAck,
}

impl PyConnAck {
    /// The constructor arguments that make this object again: its repr and its pickle.
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        let mut fields = vec![
            ("session_present", py_bool(py, self.inner.session_present)?),
            ("reason_code", self.reason_code(py)?),
        ];
        push_properties(py, &mut fields, &self.inner.properties)?;
        Ok(fields)
    }
}

#[pymethods]
impl PyConnAck {
    #[new]
    #[pyo3(signature = (*, session_present = None, reason_code = None, properties = None), text_signature = "(*, session_present=False, reason_code=ReasonCode.SUCCESS, properties=None)")]
    fn new(
        session_present: Arg<'_, '_>,
        reason_code: Arg<'_, '_>,
        properties: Arg<'_, '_>,
    ) -> PyResult<Self> {
        let inner = ConnAck {
            session_present: flag(session_present, "session_present", false)?,
            reason_code: reason_or(reason_code, ReasonCode::Success)?,
            properties: properties_arg(properties)?,
        };
        convert::check_encodable(&inner, None)?;
        Ok(PyConnAck { inner })
    }

    /// Whether the server resumed a stored session.
    #[getter]
    fn session_present(&self) -> bool {
        self.inner.session_present
    }

    /// The outcome.
    #[getter]
    fn reason_code<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::reason_out(py, self.inner.reason_code)
    }

    /// The CONNACK properties (5.0).
    #[getter]
    fn properties<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyProperties>> {
        properties_out(py, &self.inner.properties)
    }

    /// Encodes the packet under `version` (a ProtocolVersion or 3, 4, 5).
    fn encode<'py>(
        &self,
        py: Python<'py>,
        version: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        convert::encode(py, &self.inner, version)
    }

    /// The constructor-style repr, with the fields that are set.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr(py, "ConnAck", self.fields(py)?)
    }

    /// Pickles (and so copies) as the constructor call of its repr.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        reduce(slf, slf.get().fields(slf.py())?)
    }
}

// ---------------------------------------------------------------------------------------
// PUBLISH

/// PUBLISH: an application message.
///
/// Publish(topic, payload=b"", *, qos=QoS.AT_MOST_ONCE, packet_id=None, retain=False,
/// dup=False, properties=None). `payload` may be bytes, bytearray, memoryview or str
/// (UTF-8); `packet_id` is required at QoS 1 and 2 and refused at QoS 0.
#[pyclass(module = "mqtt_codec", name = "Publish", frozen, eq)]
pub struct PyPublish {
    fields: PublishFields,
    /// The `properties` object, made when first read (a copy of the set, or for a framed
    /// PUBLISH a parse of the frame) and then given out again: it is immutable. A plain
    /// `OnceLock` (see where it is set): pyo3's `PyOnceLock` lets the GIL go and takes it
    /// back around every first initialisation, which cost more than making the object.
    properties_object: OnceLock<Py<PyProperties>>,
}

/// Where a `Publish` object keeps its fields.
enum PublishFields {
    /// The core's owned packet: made from arguments, or decoded any other way (from a
    /// bytearray or memoryview, by a `Decoder`, by the client).
    Owned(Publish),
    /// Decoded by `decode` from a `bytes` object and read from it in place.
    Framed(FramedPublish),
}

impl PyPublish {
    /// The object for a PUBLISH that `decode` leaves in its `bytes`.
    pub(crate) fn framed(framed: FramedPublish) -> Self {
        Self::of(PublishFields::Framed(framed))
    }

    /// The object over `fields`.
    fn of(fields: PublishFields) -> Self {
        PyPublish {
            fields,
            properties_object: OnceLock::new(),
        }
    }

    /// The core's packet: this one's, or one made from the frame.
    fn publish(&self, py: Python<'_>) -> PyResult<Cow<'_, Publish>> {
        match &self.fields {
            PublishFields::Owned(p) => Ok(Cow::Borrowed(p)),
            PublishFields::Framed(f) => f.to_publish(py).map(Cow::Owned),
        }
    }
}

impl PartialEq for PyPublish {
    fn eq(&self, other: &Self) -> bool {
        // Called from `==` in Python, so attached; a frame that cannot be read back (it
        // always can) compares unequal.
        Python::attach(|py| match (self.publish(py), other.publish(py)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        })
    }
}

impl PyPublish {
    /// The constructor arguments that make this object again: its repr and its pickle.
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        let mut fields = vec![
            ("topic", self.topic(py).into_pyobject(py)?.into_any()),
            ("payload", self.payload(py).into_any()),
            ("qos", self.qos(py)?),
        ];
        if let Some(id) = self.packet_id() {
            fields.push(("packet_id", py_int(py, u32::from(id))?));
        }
        fields.push(("retain", py_bool(py, self.retain())?));
        fields.push(("dup", py_bool(py, self.dup())?));
        // The object `properties` keeps, itself: `push_properties` would make a second one
        // from its set.
        let properties = self.properties(py)?;
        if !properties.get().inner.is_empty() {
            fields.push(("properties", properties.into_any()));
        }
        Ok(fields)
    }
}

#[pymethods]
impl PyPublish {
    /// The fields a class pattern matches by position (`case Publish(topic, payload)`).
    #[classattr]
    fn __match_args__() -> (&'static str, &'static str) {
        ("topic", "payload")
    }

    #[new]
    #[pyo3(signature = (topic, payload = None, *, qos = None, packet_id = None, retain = None, dup = None, properties = None), text_signature = "(topic, payload=b\"\", *, qos=QoS.AT_MOST_ONCE, packet_id=None, retain=False, dup=False, properties=None)")]
    #[allow(clippy::too_many_arguments)]
    fn new(
        topic: &Bound<'_, PyAny>,
        payload: Arg<'_, '_>,
        qos: Arg<'_, '_>,
        packet_id: Arg<'_, '_>,
        retain: Arg<'_, '_>,
        dup: Arg<'_, '_>,
        properties: Arg<'_, '_>,
    ) -> PyResult<Self> {
        let inner = Publish {
            dup: flag(dup, "dup", false)?,
            qos: some(qos)
                .map(|q| convert::qos(&q, "qos"))
                .transpose()?
                .unwrap_or(QoS::AtMostOnce),
            retain: flag(retain, "retain", false)?,
            topic: convert::topic_name(topic, "topic")?,
            packet_id: some(packet_id)
                .map(|p| convert::packet_id(&p))
                .transpose()?,
            properties: properties_arg(properties)?,
            payload: match some(payload) {
                Some(p) => convert::bytes_arg(&p, "payload", true)?,
                None => Default::default(),
            },
        };
        convert::check_encodable(&inner, None)?;
        Ok(PyPublish::of(PublishFields::Owned(inner)))
    }

    /// The topic name ("" only with a 5.0 Topic Alias).
    #[getter]
    fn topic<'a>(&'a self, py: Python<'_>) -> &'a str {
        match &self.fields {
            PublishFields::Owned(p) => p.topic.as_str(),
            PublishFields::Framed(f) => f.topic(py),
        }
    }

    /// The payload.
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        match &self.fields {
            PublishFields::Owned(p) => PyBytes::new(py, &p.payload),
            PublishFields::Framed(f) => PyBytes::new(py, f.payload(py)),
        }
    }

    /// The QoS.
    #[getter]
    fn qos<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let qos = match &self.fields {
            PublishFields::Owned(p) => p.qos,
            PublishFields::Framed(f) => f.qos,
        };
        convert::qos_out(py, qos)
    }

    /// The packet identifier (None at QoS 0).
    #[getter]
    fn packet_id(&self) -> Option<u16> {
        let id = match &self.fields {
            PublishFields::Owned(p) => p.packet_id,
            PublishFields::Framed(f) => f.packet_id,
        };
        id.map(|p| p.get())
    }

    /// The RETAIN flag.
    #[getter]
    fn retain(&self) -> bool {
        match &self.fields {
            PublishFields::Owned(p) => p.retain,
            PublishFields::Framed(f) => f.retain,
        }
    }

    /// The DUP flag: a re-delivery.
    #[getter]
    fn dup(&self) -> bool {
        match &self.fields {
            PublishFields::Owned(p) => p.dup,
            PublishFields::Framed(f) => f.dup,
        }
    }

    /// The PUBLISH properties (5.0).
    #[getter]
    fn properties<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyProperties>> {
        if let Some(p) = self.properties_object.get() {
            return Ok(p.bind(py).clone());
        }
        let made = match &self.fields {
            PublishFields::Owned(p) => properties_out(py, &p.properties)?,
            PublishFields::Framed(f) => properties_owned_out(py, f.properties(py)?)?,
        }
        .unbind();
        // Set after it is made, so no Python code runs while the cell is being set. Another
        // thread may have set it meanwhile (making one can let the GIL go): the first stays,
        // and every reader sees the same object.
        Ok(self.properties_object.get_or_init(|| made).bind(py).clone())
    }

    /// Encodes the packet under `version` (a ProtocolVersion or 3, 4, 5).
    fn encode<'py>(
        &self,
        py: Python<'py>,
        version: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        match &self.fields {
            PublishFields::Owned(p) => convert::encode(py, p, version),
            PublishFields::Framed(f) => convert::encode(py, &f.to_publish(py)?, version),
        }
    }

    /// The constructor-style repr, with the fields that are set.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr(py, "Publish", self.fields(py)?)
    }

    /// Pickles (and so copies) as the constructor call of its repr.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        reduce(slf, slf.get().fields(slf.py())?)
    }
}

// ---------------------------------------------------------------------------------------
// PUBACK, PUBREC, PUBREL, PUBCOMP

macro_rules! pub_response {
    ($class:ident, $name:literal, $variant:ident, $doc:literal) => {
        #[doc = $doc]
        #[pyclass(module = "mqtt_codec", name = $name, frozen, eq)]
        #[derive(Clone, PartialEq)]
        pub struct $class {
            inner: PubResponse,
        }

        impl $class {
            /// The constructor arguments that make this object again: its repr and its pickle.
            fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
                let mut fields = vec![
                    ("packet_id", py_int(py, u32::from(self.packet_id()))?),
                    ("reason_code", self.reason_code(py)?),
                ];
                push_properties(py, &mut fields, &self.inner.properties)?;
                Ok(fields)
            }
        }

        #[pymethods]
        impl $class {
            /// The fields a class pattern matches by position (`case PubAck(packet_id)`).
            #[classattr]
            fn __match_args__() -> (&'static str,) {
                ("packet_id",)
            }

            #[doc = concat!($name, "(packet_id, *, reason_code=ReasonCode.SUCCESS, properties=None).")]
            #[new]
            #[pyo3(signature = (packet_id, *, reason_code = None, properties = None))]
            fn new(packet_id: &Bound<'_, PyAny>, reason_code: Arg<'_, '_>, properties: Arg<'_, '_>) -> PyResult<Self> {
                let inner = PubResponse {
                    packet_id: convert::packet_id(packet_id)?,
                    reason_code: reason_or(reason_code, ReasonCode::Success)?,
                    properties: properties_arg(properties)?,
                };
                convert::check_encodable(&Packet::$variant(inner.clone()), None)?;
                Ok($class { inner })
            }

            /// The packet identifier acknowledged.
            #[getter]
            fn packet_id(&self) -> u16 {
                self.inner.packet_id.get()
            }

            /// The outcome (always SUCCESS in 3.x).
            #[getter]
            fn reason_code<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                convert::reason_out(py, self.inner.reason_code)
            }

            /// Reason String and User Properties (5.0).
            #[getter]
            fn properties<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyProperties>> {
                properties_out(py, &self.inner.properties)
            }

            /// Encodes the packet under `version` (a ProtocolVersion or 3, 4, 5).
            fn encode<'py>(&self, py: Python<'py>, version: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
                // The four share one Rust type; `as_type` gives it this class's packet type
                // without cloning it into a `Packet`.
                match self.inner.as_type(PacketType::$variant) {
                    Some(typed) => convert::encode(py, &typed, version),
                    None => Err(PyTypeError::new_err(concat!($name, " is not an acknowledgement"))),
                }
            }

            /// The constructor-style repr, with the fields that are set.
            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                repr(py, $name, self.fields(py)?)
            }

            /// Pickles (and so copies) as the constructor call of its repr.
            fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
                reduce(slf, slf.get().fields(slf.py())?)
            }
        }
    };
}

pub_response!(
    PyPubAck,
    "PubAck",
    PubAck,
    "PUBACK: acknowledges a QoS 1 PUBLISH."
);
pub_response!(
    PyPubRec,
    "PubRec",
    PubRec,
    "PUBREC: QoS 2 PUBLISH received (step 1 of 3)."
);
pub_response!(
    PyPubRel,
    "PubRel",
    PubRel,
    "PUBREL: QoS 2 PUBLISH released (step 2 of 3)."
);
pub_response!(
    PyPubComp,
    "PubComp",
    PubComp,
    "PUBCOMP: QoS 2 PUBLISH complete (step 3 of 3)."
);

// ---------------------------------------------------------------------------------------
// SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK

/// SUBSCRIBE: asks for the messages of one or more topic filters.
///
/// Subscribe(packet_id, subscriptions, *, properties=None). Each subscription is a
/// Subscription, a filter str (QoS 0) or a (filter, qos) tuple.
#[pyclass(module = "mqtt_codec", name = "Subscribe", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PySubscribe {
    inner: Subscribe,
}

impl PySubscribe {
    /// The constructor arguments that make this object again: its repr and its pickle.
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        let mut fields = vec![
            ("packet_id", py_int(py, u32::from(self.packet_id()))?),
            ("subscriptions", self.subscriptions(py)?.into_any()),
        ];
        push_properties(py, &mut fields, &self.inner.properties)?;
        Ok(fields)
    }
}

#[pymethods]
impl PySubscribe {
    /// The fields a class pattern matches by position (`case Subscribe(packet_id, subscriptions)`).
    #[classattr]
    fn __match_args__() -> (&'static str, &'static str) {
        ("packet_id", "subscriptions")
    }

    #[new]
    #[pyo3(signature = (packet_id, subscriptions, *, properties = None), text_signature = "(packet_id, subscriptions, *, properties=None)")]
    fn new(
        packet_id: &Bound<'_, PyAny>,
        subscriptions: &Bound<'_, PyAny>,
        properties: Arg<'_, '_>,
    ) -> PyResult<Self> {
        let subscriptions = convert::iter_items(subscriptions, "subscriptions")?
            .iter()
            .map(subscription_arg)
            .collect::<PyResult<Vec<_>>>()?;
        let inner = Subscribe {
            packet_id: convert::packet_id(packet_id)?,
            properties: properties_arg(properties)?,
            subscriptions,
        };
        convert::check_encodable(&inner, None)?;
        Ok(PySubscribe { inner })
    }

    /// The packet identifier.
    #[getter]
    fn packet_id(&self) -> u16 {
        self.inner.packet_id.get()
    }

    /// The subscriptions, a list of Subscription.
    #[getter]
    fn subscriptions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        subscriptions_out(py, &self.inner.subscriptions)
    }

    /// Subscription Identifier and User Properties (5.0).
    #[getter]
    fn properties<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyProperties>> {
        properties_out(py, &self.inner.properties)
    }

    /// Encodes the packet under `version` (a ProtocolVersion or 3, 4, 5).
    fn encode<'py>(
        &self,
        py: Python<'py>,
        version: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        convert::encode(py, &self.inner, version)
    }

    /// The constructor-style repr, with the fields that are set.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr(py, "Subscribe", self.fields(py)?)
    }

    /// Pickles (and so copies) as the constructor call of its repr.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        reduce(slf, slf.get().fields(slf.py())?)
    }
}

macro_rules! ack_with_codes {
    ($class:ident, $name:literal, $variant:ident, $ty:ident, $doc:literal, $new_doc:literal, $text_signature:literal, $default:expr) => {
        #[doc = $doc]
        #[pyclass(module = "mqtt_codec", name = $name, frozen, eq)]
        #[derive(Clone, PartialEq)]
        pub struct $class {
            inner: $ty,
        }

        impl $class {
            /// The constructor arguments that make this object again: its repr and its pickle.
            fn fields<'py>(
                &self,
                py: Python<'py>,
            ) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
                let mut fields = vec![
                    ("packet_id", py_int(py, u32::from(self.packet_id()))?),
                    ("reason_codes", self.reason_codes(py)?.into_any()),
                ];
                push_properties(py, &mut fields, &self.inner.properties)?;
                Ok(fields)
            }
        }

        #[pymethods]
        impl $class {
            #[doc = $new_doc]
            #[new]
            // `reason_codes` defaults to None in the signature so that the error for a
            // missing one can name the packet; the text signature says what the default is.
            #[pyo3(signature = (*, packet_id, reason_codes = None, properties = None), text_signature = $text_signature)]
            fn new(
                packet_id: &Bound<'_, PyAny>,
                reason_codes: Arg<'_, '_>,
                properties: Arg<'_, '_>,
            ) -> PyResult<Self> {
                let reason_codes = match reason_codes.filter(|o| !o.is_none()) {
                    Some(codes) => convert::reasons(codes, "reason_codes")?,
                    None => $default,
                };
                let inner = $ty {
                    packet_id: convert::packet_id(packet_id)?,
                    properties: properties_arg(properties)?,
                    reason_codes,
                };
                convert::check_encodable(&inner, None)?;
                Ok($class { inner })
            }

            /// The packet identifier acknowledged.
            #[getter]
            fn packet_id(&self) -> u16 {
                self.inner.packet_id.get()
            }

            /// One reason code per topic filter, in order.
            #[getter]
            fn reason_codes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
                convert::reasons_out(py, &self.inner.reason_codes)
            }

            /// Reason String and User Properties (5.0).
            #[getter]
            fn properties<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyProperties>> {
                properties_out(py, &self.inner.properties)
            }

            /// Encodes the packet under `version` (a ProtocolVersion or 3, 4, 5).
            fn encode<'py>(
                &self,
                py: Python<'py>,
                version: &Bound<'py, PyAny>,
            ) -> PyResult<Bound<'py, PyBytes>> {
                convert::encode(py, &self.inner, version)
            }

            /// The constructor-style repr, with the fields that are set.
            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                repr(py, $name, self.fields(py)?)
            }

            /// Pickles (and so copies) as the constructor call of its repr.
            fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
                reduce(slf, slf.get().fields(slf.py())?)
            }
        }
    };
}

ack_with_codes!(
    PySubAck,
    "SubAck",
    SubAck,
    SubAck,
    "SUBACK: one granted QoS or failure code per subscription.",
    "SubAck(*, packet_id, reason_codes, properties=None); under 3.x only 0, 1, 2 and 0x80.",
    "(*, packet_id, reason_codes, properties=None)",
    return Err(PyTypeError::new_err("SubAck needs reason_codes"))
);
ack_with_codes!(
    PyUnsubAck,
    "UnsubAck",
    UnsubAck,
    UnsubAck,
    "UNSUBACK: acknowledges an UNSUBSCRIBE (with one reason code per filter in 5.0).",
    "UnsubAck(*, packet_id, reason_codes=[], properties=None); 3.x carries no codes.",
    "(*, packet_id, reason_codes=[], properties=None)",
    Vec::new()
);

/// UNSUBSCRIBE: removes subscriptions.
///
/// Unsubscribe(packet_id, filters, *, properties=None): `filters` is a list of str.
#[pyclass(module = "mqtt_codec", name = "Unsubscribe", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyUnsubscribe {
    inner: Unsubscribe,
}

impl PyUnsubscribe {
    /// The constructor arguments that make this object again: its repr and its pickle.
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        let mut fields = vec![
            ("packet_id", py_int(py, u32::from(self.packet_id()))?),
            ("filters", self.filters().into_pyobject(py)?.into_any()),
        ];
        push_properties(py, &mut fields, &self.inner.properties)?;
        Ok(fields)
    }
}

#[pymethods]
impl PyUnsubscribe {
    /// The fields a class pattern matches by position (`case Unsubscribe(packet_id, filters)`).
    #[classattr]
    fn __match_args__() -> (&'static str, &'static str) {
        ("packet_id", "filters")
    }

    #[new]
    #[pyo3(signature = (packet_id, filters, *, properties = None), text_signature = "(packet_id, filters, *, properties=None)")]
    fn new(
        packet_id: &Bound<'_, PyAny>,
        filters: &Bound<'_, PyAny>,
        properties: Arg<'_, '_>,
    ) -> PyResult<Self> {
        let filters = convert::iter_items(filters, "filters")?
            .iter()
            .map(|f| convert::mqtt_str(f, "filter"))
            .collect::<PyResult<Vec<_>>>()?;
        let inner = Unsubscribe {
            packet_id: convert::packet_id(packet_id)?,
            properties: properties_arg(properties)?,
            filters,
        };
        convert::check_encodable(&inner, None)?;
        Ok(PyUnsubscribe { inner })
    }

    /// The packet identifier.
    #[getter]
    fn packet_id(&self) -> u16 {
        self.inner.packet_id.get()
    }

    /// The topic filters, a list of str.
    #[getter]
    fn filters(&self) -> Vec<String> {
        self.inner
            .filters
            .iter()
            .map(|f| f.as_str().to_owned())
            .collect()
    }

    /// User Properties (5.0).
    #[getter]
    fn properties<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyProperties>> {
        properties_out(py, &self.inner.properties)
    }

    /// Encodes the packet under `version` (a ProtocolVersion or 3, 4, 5).
    fn encode<'py>(
        &self,
        py: Python<'py>,
        version: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        convert::encode(py, &self.inner, version)
    }

    /// The constructor-style repr, with the fields that are set.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr(py, "Unsubscribe", self.fields(py)?)
    }

    /// Pickles (and so copies) as the constructor call of its repr.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        reduce(slf, slf.get().fields(slf.py())?)
    }
}

// ---------------------------------------------------------------------------------------
// PINGREQ, PINGRESP

macro_rules! ping {
    ($class:ident, $name:literal, $variant:ident, $doc:literal) => {
        #[doc = $doc]
        #[pyclass(module = "mqtt_codec", name = $name, frozen, eq)]
        #[derive(Clone, PartialEq)]
        pub struct $class;

        #[pymethods]
        impl $class {
            #[doc = concat!($name, "(): no fields.")]
            #[new]
            fn new() -> Self {
                $class
            }

            /// Encodes the packet under `version` (a ProtocolVersion or 3, 4, 5).
            fn encode<'py>(
                &self,
                py: Python<'py>,
                version: &Bound<'py, PyAny>,
            ) -> PyResult<Bound<'py, PyBytes>> {
                convert::encode(py, &Packet::<mqtt_codec::Owned>::$variant, version)
            }

            /// The constructor-style repr, with the fields that are set.
            fn __repr__(&self) -> &'static str {
                concat!($name, "()")
            }

            /// Pickles (and so copies) as the constructor call, under every protocol.
            fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
                reduce(slf, Vec::new())
            }
        }
    };
}

ping!(
    PyPingReq,
    "PingReq",
    PingReq,
    "PINGREQ: the client's keep-alive probe."
);
ping!(
    PyPingResp,
    "PingResp",
    PingResp,
    "PINGRESP: the server's answer to PINGREQ."
);

// ---------------------------------------------------------------------------------------
// DISCONNECT, AUTH

macro_rules! reason_only {
    ($class:ident, $name:literal, $variant:ident, $ty:ident, $doc:literal) => {
        #[doc = $doc]
        #[pyclass(module = "mqtt_codec", name = $name, frozen, eq)]
        #[derive(Clone, PartialEq)]
        pub struct $class {
            inner: $ty,
        }

        impl $class {
            /// The constructor arguments that make this object again: its repr and its pickle.
            fn fields<'py>(
                &self,
                py: Python<'py>,
            ) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
                let mut fields = vec![("reason_code", self.reason_code(py)?)];
                push_properties(py, &mut fields, &self.inner.properties)?;
                Ok(fields)
            }
        }

        #[pymethods]
        impl $class {
            #[doc = concat!($name, "(*, reason_code=ReasonCode.SUCCESS, properties=None).")]
            #[new]
            #[pyo3(signature = (*, reason_code = None, properties = None))]
            fn new(reason_code: Arg<'_, '_>, properties: Arg<'_, '_>) -> PyResult<Self> {
                let inner = $ty {
                    reason_code: reason_or(reason_code, ReasonCode::Success)?,
                    properties: properties_arg(properties)?,
                };
                convert::check_encodable(&inner, None)?;
                Ok($class { inner })
            }

            /// The reason code.
            #[getter]
            fn reason_code<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                convert::reason_out(py, self.inner.reason_code)
            }

            /// The packet's properties (5.0).
            #[getter]
            fn properties<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyProperties>> {
                properties_out(py, &self.inner.properties)
            }

            /// Encodes the packet under `version` (a ProtocolVersion or 3, 4, 5).
            fn encode<'py>(
                &self,
                py: Python<'py>,
                version: &Bound<'py, PyAny>,
            ) -> PyResult<Bound<'py, PyBytes>> {
                convert::encode(py, &self.inner, version)
            }

            /// The constructor-style repr, with the fields that are set.
            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                repr(py, $name, self.fields(py)?)
            }

            /// Pickles (and so copies) as the constructor call of its repr.
            fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
                reduce(slf, slf.get().fields(slf.py())?)
            }
        }
    };
}

reason_only!(
    PyDisconnect,
    "Disconnect",
    Disconnect,
    Disconnect,
    "DISCONNECT: the end of a connection (with a reason in 5.0)."
);
reason_only!(
    PyAuth,
    "Auth",
    Auth,
    Auth,
    "AUTH: a step of 5.0 enhanced authentication."
);
