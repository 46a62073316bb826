//! `mqtt_codec.Properties`, `mqtt_codec.Will` and `mqtt_codec.Subscription`: the values
//! that packets carry, each a thin wrapper of the core type.

use crate::convert::{self, reduce, repr};
use mqtt_codec::{
    BoxedProperties, Connect, Properties, ProtocolVersion, RetainHandling, Subscription,
    SubscriptionOptions, TopicName, UserProperty, Will,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

/// Reads one property value from Python, by the property's data type.
macro_rules! prop_in {
    (Byte, $v:expr, $name:expr) => {
        convert::int::<u8>($v, $name)
    };
    (U16, $v:expr, $name:expr) => {
        convert::int::<u16>($v, $name)
    };
    (U32, $v:expr, $name:expr) => {
        convert::int::<u32>($v, $name)
    };
    (Str, $v:expr, $name:expr) => {
        convert::mqtt_str($v, $name)
    };
    (Topic, $v:expr, $name:expr) => {
        convert::str_arg($v, $name).and_then(|s| {
            TopicName::new(&s).map_err(|e| PyValueError::new_err(format!("{}: {e}", $name)))
        })
    };
    (Bin, $v:expr, $name:expr) => {
        convert::bytes_arg($v, $name, false)
    };
}

/// Turns one property value into a Python object, by the property's data type.
macro_rules! prop_out {
    (Byte, $py:expr, $v:expr) => {
        Ok::<_, PyErr>($v.into_pyobject($py)?.into_any())
    };
    (U16, $py:expr, $v:expr) => {
        Ok::<_, PyErr>($v.into_pyobject($py)?.into_any())
    };
    (U32, $py:expr, $v:expr) => {
        Ok::<_, PyErr>($v.into_pyobject($py)?.into_any())
    };
    (Str, $py:expr, $v:expr) => {
        Ok::<_, PyErr>($v.as_str().into_pyobject($py)?.into_any())
    };
    (Topic, $py:expr, $v:expr) => {
        Ok::<_, PyErr>($v.as_str().into_pyobject($py)?.into_any())
    };
    (Bin, $py:expr, $v:expr) => {
        Ok::<_, PyErr>(PyBytes::new($py, $v.as_ref()).into_any())
    };
}

/// Generates the constructor, the getters and the repr fields of `Properties` from the core's
/// property table (`mqtt_codec::for_each_property!`), one per single-value property.
macro_rules! properties_class {
    ($( ($id:literal, $variant:ident, $field:ident, $kind:ident $(, $rest:tt)*) ),* $(,)?) => {
        impl PyProperties {
            /// The constructor arguments that make this object again: its repr and its pickle.
            fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
                let mut fields = Vec::new();
                $( if let Some(v) = &self.inner.$field {
                    fields.push((stringify!($field), prop_out!($kind, py, v)?));
                } )*
                if !self.inner.subscription_identifiers.is_empty() {
                    fields.push(("subscription_identifiers", self.subscription_identifiers().into_pyobject(py)?.into_any()));
                }
                if !self.inner.user_properties.is_empty() {
                    fields.push(("user_properties", self.user_properties(py)?.into_any()));
                }
                Ok(fields)
            }
        }

        #[pymethods]
        impl PyProperties {
            /// Properties(*, payload_format_indicator=None, ..., subscription_identifiers=None,
            /// user_properties=None): MQTT 5.0 properties; every keyword is optional.
            #[new]
            #[pyo3(signature = (*, $($field = None,)* subscription_identifiers = None, user_properties = None))]
            #[allow(clippy::too_many_arguments)]
            fn new(
                $($field: Option<Bound<'_, PyAny>>,)*
                subscription_identifiers: Option<Bound<'_, PyAny>>,
                user_properties: Option<Bound<'_, PyAny>>,
            ) -> PyResult<Self> {
                let mut inner: Properties = Properties::default();
                $( if let Some(v) = $field.filter(|v| !v.is_none()) {
                    inner.$field = Some(prop_in!($kind, &v, stringify!($field))?);
                } )*
                if let Some(ids) = subscription_identifiers.filter(|v| !v.is_none()) {
                    for id in convert::iter_items(&ids, "subscription_identifiers")? {
                        inner.subscription_identifiers.push(convert::int::<u32>(&id, "subscription identifier")?);
                    }
                }
                if let Some(pairs) = user_properties.filter(|v| !v.is_none()) {
                    for pair in convert::iter_items(&pairs, "user_properties")? {
                        inner.user_properties.push(user_property(&pair)?);
                    }
                }
                Ok(PyProperties { inner: inner.into() })
            }

            $(
                #[doc = concat!("The ", stringify!($field), " property, or None when absent.")]
                #[getter]
                fn $field<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
                    match &self.inner.$field {
                        Some(v) => prop_out!($kind, py, v).map(Some),
                        None => Ok(None),
                    }
                }
            )*

            /// The Subscription Identifiers (several only in a PUBLISH from a server).
            #[getter]
            fn subscription_identifiers(&self) -> Vec<u32> {
                self.inner.subscription_identifiers.clone()
            }

            /// The User Properties as (name, value) pairs, in order.
            #[getter]
            fn user_properties<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
                // Made from the text in place, without a `String` per name and value.
                let pairs = self.inner.user_properties.iter().map(|p| {
                    (
                        PyString::new(py, p.name.as_str()),
                        PyString::new(py, p.value.as_str()),
                    )
                        .into_pyobject(py)
                });
                PyList::new(py, pairs.collect::<PyResult<Vec<_>>>()?)
            }

            /// True when no property is set.
            fn is_empty(&self) -> bool {
                self.inner.is_empty()
            }

            /// True when at least one property is set.
            fn __bool__(&self) -> bool {
                !self.inner.is_empty()
            }

            /// The constructor-style repr, with the fields that are set.
            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                repr(py, "Properties", self.fields(py)?)
            }

            /// Pickles (and so copies) as the constructor call of its repr.
            fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
                reduce(slf, slf.get().fields(slf.py())?)
            }
        }
    };
}

/// MQTT 5.0 properties of a packet or a will.
#[pyclass(module = "mqtt_codec", name = "Properties", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyProperties {
    /// The core value, boxed as a packet holds it: an empty set allocates nothing, and a
    /// full one moves as a pointer.
    pub inner: BoxedProperties,
}

mqtt_codec::for_each_property!(properties_class);

fn user_property(pair: &Bound<'_, PyAny>) -> PyResult<UserProperty> {
    let tuple = pair.cast::<PyTuple>().ok().filter(|t| t.len() == 2);
    let Some(tuple) = tuple else {
        return Err(PyTypeError::new_err(
            "user_properties must hold (name, value) tuples of two str",
        ));
    };
    Ok(UserProperty {
        name: convert::mqtt_str(&tuple.get_item(0)?, "user property name")?,
        value: convert::mqtt_str(&tuple.get_item(1)?, "user property value")?,
    })
}

/// The `properties=` keyword of a packet: a `Properties`, or None for none.
pub(crate) fn properties_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<BoxedProperties> {
    match obj {
        None => Ok(BoxedProperties::default()),
        Some(o) if o.is_none() => Ok(BoxedProperties::default()),
        Some(o) => match o.cast::<PyProperties>() {
            Ok(p) => Ok(p.get().inner.clone()),
            Err(_) => Err(PyTypeError::new_err(format!(
                "properties must be a Properties, not {}",
                convert::type_name(o)
            ))),
        },
    }
}

/// A packet's `properties` attribute.
pub(crate) fn properties_out<'py>(
    py: Python<'py>,
    p: &BoxedProperties,
) -> PyResult<Bound<'py, PyProperties>> {
    properties_owned_out(py, p.clone())
}

/// A packet's `properties` attribute, from properties made for it.
pub(crate) fn properties_owned_out(
    py: Python<'_>,
    inner: BoxedProperties,
) -> PyResult<Bound<'_, PyProperties>> {
    Bound::new(py, PyProperties { inner })
}

/// Adds `properties=...` to repr fields when there are any.
pub(crate) fn push_properties<'py>(
    py: Python<'py>,
    fields: &mut Vec<(&'static str, Bound<'py, PyAny>)>,
    p: &BoxedProperties,
) -> PyResult<()> {
    if !p.is_empty() {
        fields.push(("properties", properties_out(py, p)?.into_any()));
    }
    Ok(())
}

/// The will of a CONNECT: published by the server when the client goes away uncleanly.
///
/// Will(topic, payload=b"", *, qos=QoS.AT_MOST_ONCE, retain=False, properties=None).
#[pyclass(module = "mqtt_codec", name = "Will", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyWill {
    /// The core value.
    pub inner: Will,
}

impl PyWill {
    /// The constructor arguments that make this object again: its repr and its pickle.
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        let mut fields = vec![
            ("topic", self.topic().into_pyobject(py)?.into_any()),
            ("payload", self.payload(py).into_any()),
            ("qos", self.qos(py)?),
            (
                "retain",
                self.retain().into_pyobject(py)?.to_owned().into_any(),
            ),
        ];
        push_properties(py, &mut fields, &self.inner.properties)?;
        Ok(fields)
    }
}

#[pymethods]
impl PyWill {
    /// The fields a class pattern matches by position (`case Will(topic, payload)`).
    #[classattr]
    fn __match_args__() -> (&'static str, &'static str) {
        ("topic", "payload")
    }

    #[new]
    #[pyo3(signature = (topic, payload = None, *, qos = None, retain = None, properties = None), text_signature = "(topic, payload=b\"\", *, qos=QoS.AT_MOST_ONCE, retain=False, properties=None)")]
    fn new(
        topic: &Bound<'_, PyAny>,
        payload: Option<&Bound<'_, PyAny>>,
        qos: Option<&Bound<'_, PyAny>>,
        retain: Option<&Bound<'_, PyAny>>,
        properties: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let topic = convert::str_arg(topic, "topic")?;
        let topic = TopicName::new(&topic)
            .map_err(|e| PyValueError::new_err(format!("will topic {topic:?}: {e}")))?;
        let will = Will {
            topic,
            payload: match payload {
                Some(p) => convert::bytes_arg(p, "payload", true)?,
                None => Default::default(),
            },
            qos: qos
                .map(|q| convert::qos(q, "qos"))
                .transpose()?
                .unwrap_or_default(),
            retain: retain
                .map(|r| convert::boolean(r, "retain"))
                .transpose()?
                .unwrap_or(false),
            properties: properties_arg(properties)?,
        };
        // What a will must keep (a payload of at most 65,535 bytes, only the properties
        // table 2-4 allows in a will) is checked where a will is encoded: in a 5.0 CONNECT,
        // the one version whose will carries everything.
        let mut probe = Connect::new(ProtocolVersion::V5, Default::default());
        probe.will = Some(will.clone());
        convert::check_encodable(&probe, Some(ProtocolVersion::V5))?;
        Ok(PyWill { inner: will })
    }

    /// The will topic.
    #[getter]
    fn topic(&self) -> &str {
        self.inner.topic.as_str()
    }

    /// The will payload.
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.payload)
    }

    /// The QoS of the will publication.
    #[getter]
    fn qos<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::qos_out(py, self.inner.qos)
    }

    /// Whether the will is published retained.
    #[getter]
    fn retain(&self) -> bool {
        self.inner.retain
    }

    /// The will properties (5.0).
    #[getter]
    fn properties<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyProperties>> {
        properties_out(py, &self.inner.properties)
    }

    /// The constructor-style repr, with the fields that are set.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr(py, "Will", self.fields(py)?)
    }

    /// Pickles (and so copies) as the constructor call of its repr.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        reduce(slf, slf.get().fields(slf.py())?)
    }
}

/// One entry of a SUBSCRIBE: a topic filter and its options.
///
/// Subscription(filter, qos=QoS.AT_MOST_ONCE, *, no_local=False,
/// retain_as_published=False, retain_handling=0).
#[pyclass(module = "mqtt_codec", name = "Subscription", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PySubscription {
    /// The core value.
    pub inner: Subscription,
}

impl PySubscription {
    /// The constructor arguments that make this object again: its repr and its pickle.
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        let o = &self.inner.options;
        let mut fields = vec![
            ("filter", self.filter().into_pyobject(py)?.into_any()),
            ("qos", self.qos(py)?),
        ];
        if o.no_local {
            fields.push(("no_local", true.into_pyobject(py)?.to_owned().into_any()));
        }
        if o.retain_as_published {
            fields.push((
                "retain_as_published",
                true.into_pyobject(py)?.to_owned().into_any(),
            ));
        }
        if o.retain_handling != RetainHandling::SendAtSubscribe {
            fields.push((
                "retain_handling",
                (o.retain_handling as u8).into_pyobject(py)?.into_any(),
            ));
        }
        Ok(fields)
    }
}

#[pymethods]
impl PySubscription {
    /// The fields a class pattern matches by position (`case Subscription(filter, qos)`).
    #[classattr]
    fn __match_args__() -> (&'static str, &'static str) {
        ("filter", "qos")
    }

    #[new]
    #[pyo3(signature = (filter, qos = None, *, no_local = None, retain_as_published = None, retain_handling = None), text_signature = "(filter, qos=QoS.AT_MOST_ONCE, *, no_local=False, retain_as_published=False, retain_handling=0)")]
    fn new(
        filter: &Bound<'_, PyAny>,
        qos: Option<&Bound<'_, PyAny>>,
        no_local: Option<&Bound<'_, PyAny>>,
        retain_as_published: Option<&Bound<'_, PyAny>>,
        retain_handling: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let flag = |o: Option<&Bound<'_, PyAny>>, what| {
            o.map(|v| convert::boolean(v, what))
                .transpose()
                .map(|b| b.unwrap_or(false))
        };
        let retain_handling = match retain_handling
            .map(|v| convert::int::<u8>(v, "retain_handling"))
            .transpose()?
            .unwrap_or(0)
        {
            0 => RetainHandling::SendAtSubscribe,
            1 => RetainHandling::SendIfNew,
            2 => RetainHandling::DoNotSend,
            _ => return Err(PyValueError::new_err("retain_handling must be 0, 1 or 2")),
        };
        Ok(PySubscription {
            inner: Subscription {
                filter: convert::topic_filter(filter, "filter")?,
                options: SubscriptionOptions {
                    qos: qos
                        .map(|q| convert::qos(q, "qos"))
                        .transpose()?
                        .unwrap_or_default(),
                    no_local: flag(no_local, "no_local")?,
                    retain_as_published: flag(retain_as_published, "retain_as_published")?,
                    retain_handling,
                },
            },
        })
    }

    /// The topic filter.
    #[getter]
    fn filter(&self) -> &str {
        self.inner.filter.as_str()
    }

    /// The maximum QoS requested.
    #[getter]
    fn qos<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::qos_out(py, self.inner.options.qos)
    }

    /// No Local (5.0): do not receive one's own publications.
    #[getter]
    fn no_local(&self) -> bool {
        self.inner.options.no_local
    }

    /// Retain As Published (5.0).
    #[getter]
    fn retain_as_published(&self) -> bool {
        self.inner.options.retain_as_published
    }

    /// Retain Handling (5.0): 0 send at subscribe, 1 only if new, 2 never.
    #[getter]
    fn retain_handling(&self) -> u8 {
        self.inner.options.retain_handling as u8
    }

    /// The constructor-style repr, with the fields that are set.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr(py, "Subscription", self.fields(py)?)
    }

    /// Pickles (and so copies) as the constructor call of its repr.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        reduce(slf, slf.get().fields(slf.py())?)
    }
}

/// One SUBSCRIBE entry from Python: a `Subscription`, a filter `str` (QoS 0) or a
/// `(filter, qos)` tuple.
pub(crate) fn subscription_arg(obj: &Bound<'_, PyAny>) -> PyResult<Subscription> {
    if let Ok(s) = obj.cast::<PySubscription>() {
        return Ok(s.get().inner.clone());
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        if t.len() == 2 {
            let qos = t.get_item(1)?;
            return PySubscription::new(&t.get_item(0)?, Some(&qos), None, None, None)
                .map(|s| s.inner);
        }
    }
    if obj.is_instance_of::<pyo3::types::PyString>() {
        return PySubscription::new(obj, None, None, None, None).map(|s| s.inner);
    }
    Err(PyTypeError::new_err(format!(
        "subscriptions must hold Subscription, str or (str, int) items, not {}",
        convert::type_name(obj)
    )))
}

/// The `subscriptions` attribute: a list of `Subscription`.
pub(crate) fn subscriptions_out<'py>(
    py: Python<'py>,
    subs: &[Subscription],
) -> PyResult<Bound<'py, PyList>> {
    let items = subs
        .iter()
        .map(|s| Bound::new(py, PySubscription { inner: s.clone() }))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}
