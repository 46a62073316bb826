//! Conversions between Python values and the core's types, and the errors they raise.
//!
//! Nothing here knows a protocol rule: the core validates, this module only translates its
//! answers into `TypeError`, `ValueError`, `mqtt_codec.DecodeError` and
//! `mqtt_codec.EncodeError`.

use crate::new_bytes::new_bytes;
use bytes::Bytes;
use mqtt_codec::{
    DecodeError, Encode, EncodeError, MqttStr, PacketId, ProtocolVersion, QoS, ReasonCode,
    TopicFilter, TopicName,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyByteArray, PyBytes, PyDict, PyInt, PyList, PyMemoryView, PyString, PyTuple, PyType,
};
use std::borrow::Cow;

/// Byte counts from which copying or encoding is done with the GIL released.
pub(crate) const DETACH_THRESHOLD: usize = 64 * 1024;

/// The pure-Python module that holds the enums, the exceptions and the repr helper.
const TYPES_MODULE: &str = "mqtt_codec._types";

static QOS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static VERSION: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static REASON: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DECODE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static ENCODE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static REPR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

// The enum members, made once: calling an IntEnum class to look a member up costs more than
// the rest of a getter, and `version()` recognises a member (or the int) by identity.
static QOS_MEMBERS: PyOnceLock<[Py<PyAny>; 3]> = PyOnceLock::new();
static VERSION_MEMBERS: PyOnceLock<[Py<PyAny>; 3]> = PyOnceLock::new();
static REASON_MEMBERS: PyOnceLock<Vec<Option<Py<PyAny>>>> = PyOnceLock::new();
/// The ints 3, 4 and 5 (CPython keeps one object for each small int) and the three
/// `ProtocolVersion` members, in the order of `VERSIONS`.
static VERSION_OBJECTS: PyOnceLock<[Py<PyAny>; 6]> = PyOnceLock::new();
const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V3_1,
    ProtocolVersion::V3_1_1,
    ProtocolVersion::V5,
];

/// The members `class(value)` for each value, made on first use.
fn members<'py, const N: usize>(
    py: Python<'py>,
    cell: &'static PyOnceLock<[Py<PyAny>; N]>,
    class: &Bound<'py, PyType>,
    values: [u8; N],
) -> PyResult<&'static [Py<PyAny>; N]> {
    cell.get_or_try_init(py, || {
        let mut made = Vec::with_capacity(N);
        for v in values {
            made.push(class.call1((v,))?.unbind());
        }
        made.try_into()
            .map_err(|_| PyValueError::new_err("enum member table"))
    })
}

/// The `mqtt_codec.QoS` member for `qos`.
pub(crate) fn qos_out(py: Python<'_>, qos: QoS) -> PyResult<Bound<'_, PyAny>> {
    let class = QOS.import(py, TYPES_MODULE, "QoS")?;
    let all = members(py, &QOS_MEMBERS, class, [0, 1, 2])?;
    Ok(all[qos as usize].bind(py).clone())
}

/// The `mqtt_codec.ProtocolVersion` member for `version`.
pub(crate) fn version_out(py: Python<'_>, version: ProtocolVersion) -> PyResult<Bound<'_, PyAny>> {
    let class = VERSION.import(py, TYPES_MODULE, "ProtocolVersion")?;
    let all = members(py, &VERSION_MEMBERS, class, VERSIONS.map(|v| v.level()))?;
    let at = VERSIONS.iter().position(|v| *v == version).unwrap_or(0);
    Ok(all[at].bind(py).clone())
}

/// The `mqtt_codec.ReasonCode` member for `code`.
pub(crate) fn reason_out(py: Python<'_>, code: ReasonCode) -> PyResult<Bound<'_, PyAny>> {
    let table = REASON_MEMBERS.get_or_try_init(py, || {
        let class = REASON.import(py, TYPES_MODULE, "ReasonCode")?;
        (0..=u8::MAX)
            .map(|v| {
                ReasonCode::from_u8(v)
                    .map(|_| class.call1((v,)).map(Bound::unbind))
                    .transpose()
            })
            .collect::<PyResult<Vec<_>>>()
    })?;
    match table.get(usize::from(code.value())) {
        Some(Some(member)) => Ok(member.bind(py).clone()),
        // Not reached: the table holds every code `ReasonCode` defines.
        _ => REASON
            .import(py, TYPES_MODULE, "ReasonCode")?
            .call1((code.value(),)),
    }
}

/// A list of `mqtt_codec.ReasonCode` members.
pub(crate) fn reasons_out<'py>(
    py: Python<'py>,
    codes: &[ReasonCode],
) -> PyResult<Bound<'py, PyList>> {
    let items = codes
        .iter()
        .map(|&c| reason_out(py, c))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

/// `ClassName(field=value, ...)`, formatted by the Python helper `_types._repr`.
pub(crate) fn repr(
    py: Python<'_>,
    name: &str,
    fields: Vec<(&'static str, Bound<'_, PyAny>)>,
) -> PyResult<String> {
    let helper = REPR.get_or_try_init(py, || {
        py.import(TYPES_MODULE)?.getattr("_repr").map(Bound::unbind)
    })?;
    helper.bind(py).call1((name, fields))?.extract()
}

/// What `__reduce__` returns for an object its constructor makes again from `fields`
/// (keyword arguments): `copyreg.__newobj_ex__(type, (), fields)`, which `pickle` and `copy`
/// both understand.
pub(crate) fn reduce<'py, T: pyo3::PyClass>(
    object: &Bound<'py, T>,
    fields: Vec<(&'static str, Bound<'py, PyAny>)>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = object.py();
    let new_object = py.import("copyreg")?.getattr("__newobj_ex__")?;
    let keywords = PyDict::new(py);
    for (name, value) in fields {
        keywords.set_item(name, value)?;
    }
    let arguments = (object.as_any().get_type(), PyTuple::empty(py), keywords);
    Ok((new_object, arguments).into_pyobject(py)?.into_any())
}

/// A Python int as `T`: `TypeError` for a non-int, `ValueError` when out of `T`'s range.
pub(crate) fn int<T: TryFrom<i64>>(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<T> {
    if !obj.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be an int, not {}",
            type_name(obj)
        )));
    }
    obj.extract::<i64>()
        .ok()
        .and_then(|v| T::try_from(v).ok())
        .ok_or_else(|| PyValueError::new_err(format!("{what} is out of range: {obj}")))
}

/// A bool argument; only `bool` itself is accepted (`TypeError` otherwise).
pub(crate) fn boolean(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<bool> {
    obj.extract::<bool>()
        .map_err(|_| PyTypeError::new_err(format!("{what} must be a bool, not {}", type_name(obj))))
}

/// A `str` argument.
pub(crate) fn string(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    Ok(str_arg(obj, what)?.into_owned())
}

/// A `str` argument as text, borrowed from the UTF-8 that CPython keeps with the string
/// where it can be: a field made of it is then copied once, not twice.
pub(crate) fn str_arg<'a>(obj: &'a Bound<'_, PyAny>, what: &str) -> PyResult<Cow<'a, str>> {
    match obj.cast::<PyString>() {
        Ok(s) => s.to_cow(),
        Err(_) => Err(PyTypeError::new_err(format!(
            "{what} must be a str, not {}",
            type_name(obj)
        ))),
    }
}

/// A validated MQTT string (no U+0000, at most 65,535 bytes).
pub(crate) fn mqtt_str(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<MqttStr> {
    let s = str_arg(obj, what)?;
    MqttStr::new(&s).map_err(|e| PyValueError::new_err(format!("{what}: {e}")))
}

/// A validated topic name; `""` is the empty topic of a 5.0 PUBLISH that uses a Topic Alias.
pub(crate) fn topic_name(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<TopicName> {
    let s = str_arg(obj, what)?;
    if s.is_empty() {
        return Ok(TopicName::empty_for_alias());
    }
    TopicName::new(&s).map_err(|e| topic_error(what, &s, &e))
}

/// A topic filter checked by the rules every version shares (a `$share/` filter is checked as
/// a shared subscription when its packet is encoded for 5.0).
pub(crate) fn topic_filter(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<TopicFilter> {
    let s = str_arg(obj, what)?;
    // A filter has no version until its packet is encoded: `$share/g` is an ordinary filter
    // in 3.1.1 (and decodes there), so the 5.0 shared-subscription rules are the encoder's.
    TopicFilter::for_version(&s, ProtocolVersion::V3_1_1).map_err(|e| topic_error(what, &s, &e))
}

/// `ValueError` for an invalid topic name or filter: the rule it breaks, and the text (its
/// start, when long: a message that repeats a megabyte helps nobody).
pub(crate) fn topic_error(what: &str, text: &str, e: &impl std::fmt::Display) -> PyErr {
    const SHOWN: usize = 64;
    match text.char_indices().nth(SHOWN) {
        Some((end, _)) => PyValueError::new_err(format!(
            "{what} {:?}... ({} bytes): {e}",
            &text[..end],
            text.len()
        )),
        None => PyValueError::new_err(format!("{what} {text:?}: {e}")),
    }
}

/// `bytes(obj)`: a snapshot of a `bytearray` or `memoryview`, which may change while the GIL
/// is released.
pub(crate) fn to_bytes_object<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    // `bytes(obj)` through the type object, not by importing `builtins` on every call.
    let copy = obj.py().get_type::<PyBytes>().call1((obj,))?;
    Ok(copy.cast_into::<PyBytes>()?)
}

/// Bytes from `bytes`, `bytearray` or `memoryview` (or `str`, encoded as UTF-8, when
/// `allow_str`). Large inputs are copied with the GIL released.
pub(crate) fn bytes_arg(obj: &Bound<'_, PyAny>, what: &str, allow_str: bool) -> PyResult<Bytes> {
    let py = obj.py();
    if let Ok(b) = obj.cast::<PyBytes>() {
        // A `bytes` cannot change: the packet keeps a reference to it instead of a copy.
        return Ok(Bytes::from_owner(PyBackedBytes::from(b.clone())));
    }
    if allow_str {
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(copy_bytes(py, s.to_cow()?.as_bytes()));
        }
    }
    if obj.is_instance_of::<PyByteArray>() || obj.is_instance_of::<PyMemoryView>() {
        return Ok(copy_bytes(py, to_bytes_object(obj)?.as_bytes()));
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be bytes, bytearray or memoryview{}, not {}",
        if allow_str { " or str" } else { "" },
        type_name(obj)
    )))
}

/// `f` over the bytes of a `bytes`, `bytearray` or `memoryview` argument: a `bytes` read in
/// place, the others from a snapshot (Python code could change them while `f` runs).
pub(crate) fn with_buffer<T>(
    obj: &Bound<'_, PyAny>,
    what: &str,
    f: impl FnOnce(&[u8]) -> T,
) -> PyResult<T> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(f(b.as_bytes()));
    }
    if obj.is_instance_of::<PyByteArray>() || obj.is_instance_of::<PyMemoryView>() {
        return Ok(f(to_bytes_object(obj)?.as_bytes()));
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be bytes, bytearray or memoryview, not {}",
        type_name(obj)
    )))
}

fn copy_bytes(py: Python<'_>, data: &[u8]) -> Bytes {
    if data.len() >= DETACH_THRESHOLD {
        py.detach(|| Bytes::copy_from_slice(data))
    } else {
        Bytes::copy_from_slice(data)
    }
}

/// A packet identifier: an int from 1 to 65535.
pub(crate) fn packet_id(obj: &Bound<'_, PyAny>) -> PyResult<PacketId> {
    let id: u16 = int(obj, "packet_id")?;
    PacketId::new(id).ok_or_else(|| PyValueError::new_err("packet_id must not be 0"))
}

/// A QoS: 0, 1 or 2 (an int or a `mqtt_codec.QoS`).
pub(crate) fn qos(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<QoS> {
    let v: u8 = int(obj, what)?;
    QoS::from_bits(v).ok_or_else(|| PyValueError::new_err(format!("{what} must be 0, 1 or 2")))
}

/// A protocol version: 3, 4 or 5 (an int or a `mqtt_codec.ProtocolVersion`).
pub(crate) fn version(obj: &Bound<'_, PyAny>) -> PyResult<ProtocolVersion> {
    // Nearly every call passes one of six objects: the ints 3, 4 and 5 or the enum members.
    // Recognising them by identity skips the int conversion; anything else takes it.
    let py = obj.py();
    let known = VERSION_OBJECTS.get_or_try_init(py, || -> PyResult<[Py<PyAny>; 6]> {
        let ints = VERSIONS.map(|v| v.level());
        let [a, b, c] = ints.map(|l| l.into_pyobject(py).map(|i| i.into_any().unbind()));
        let class = VERSION.import(py, TYPES_MODULE, "ProtocolVersion")?;
        let [d, e, f] = members(py, &VERSION_MEMBERS, class, ints)?
            .each_ref()
            .map(|m| m.clone_ref(py));
        Ok([a?, b?, c?, d, e, f])
    })?;
    if let Some(at) = known.iter().position(|k| k.bind(py).is(obj)) {
        return Ok(VERSIONS[at % 3]);
    }
    match int::<u8>(obj, "version")? {
        3 => Ok(ProtocolVersion::V3_1),
        4 => Ok(ProtocolVersion::V3_1_1),
        5 => Ok(ProtocolVersion::V5),
        v => Err(PyValueError::new_err(format!(
            "version must be 3 (3.1), 4 (3.1.1) or 5 (5.0), not {v}"
        ))),
    }
}

/// A reason code that MQTT 5.0 defines (an int or a `mqtt_codec.ReasonCode`).
pub(crate) fn reason(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<ReasonCode> {
    let v: u8 = int(obj, what)?;
    ReasonCode::from_u8(v)
        .ok_or_else(|| PyValueError::new_err(format!("{what}: {v:#04x} is not a reason code")))
}

/// A list of reason codes from any iterable.
pub(crate) fn reasons(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<ReasonCode>> {
    iter_items(obj, what)?
        .iter()
        .map(|item| reason(item, what))
        .collect()
}

/// The items of a list, tuple or other iterable (a `str` or bytes-like is refused).
pub(crate) fn iter_items<'py>(
    obj: &Bound<'py, PyAny>,
    what: &str,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a list, not {}",
            type_name(obj)
        )));
    }
    // A list or tuple is read by index. Any other iterable is read item by item: collecting
    // it would ask for its length hint, which pyo3 gets by calling `operator.length_hint`
    // from Python, a call that cost more than a small list's conversion.
    if let Ok(list) = obj.cast::<PyList>() {
        return Ok(list.iter().collect());
    }
    if let Ok(tuple) = obj.cast::<PyTuple>() {
        return Ok(tuple.iter().collect());
    }
    let iter = obj.try_iter().map_err(|_| {
        PyTypeError::new_err(format!("{what} must be a list, not {}", type_name(obj)))
    })?;
    let mut items = Vec::new();
    for item in iter {
        items.push(item?);
    }
    Ok(items)
}

/// The Python type name of `obj`, for messages.
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// `mqtt_codec.DecodeError` for a core decode error, with its reason code.
pub(crate) fn decode_err(py: Python<'_>, e: &DecodeError) -> PyErr {
    decode_err_with(py, &e.to_string(), e.reason_code(), e.v3_connack_code())
}

/// `mqtt_codec.DecodeError` with a message and codes.
pub(crate) fn decode_err_with(
    py: Python<'_>,
    message: &str,
    code: ReasonCode,
    v3_code: Option<u8>,
) -> PyErr {
    let made = DECODE_ERROR
        .import(py, TYPES_MODULE, "DecodeError")
        .and_then(|cls| cls.call1((message, code.value(), v3_code)));
    match made {
        Ok(value) => PyErr::from_value(value),
        Err(e) => e,
    }
}

/// `mqtt_codec.EncodeError` for a core encode error.
pub(crate) fn encode_err(py: Python<'_>, e: &EncodeError) -> PyErr {
    let made = ENCODE_ERROR
        .import(py, TYPES_MODULE, "EncodeError")
        .and_then(|cls| cls.call1((e.to_string(),)));
    match made {
        Ok(value) => PyErr::from_value(value),
        Err(e) => e,
    }
}

/// Checks that some protocol version can encode `packet` (a `ValueError` naming the core's
/// objection otherwise), so that a constructor refuses what no encoder would take.
/// `own` is the version a CONNECT names; other packets are tried under 5.0, 3.1.1 and 3.1.
pub(crate) fn check_encodable<P: Encode>(packet: &P, own: Option<ProtocolVersion>) -> PyResult<()> {
    // No allocation: a constructor runs this on every packet an application builds.
    const ALL: [ProtocolVersion; 3] = [
        ProtocolVersion::V5,
        ProtocolVersion::V3_1_1,
        ProtocolVersion::V3_1,
    ];
    let versions: &[ProtocolVersion] = match &own {
        Some(v) => core::slice::from_ref(v),
        None => &ALL,
    };
    let mut first = None;
    for &v in versions {
        match packet.encoded_len(v) {
            Ok(_) => return Ok(()),
            Err(e) => {
                first.get_or_insert(e);
            }
        }
    }
    match first {
        Some(e) => Err(PyValueError::new_err(e.to_string())),
        None => Ok(()),
    }
}

/// Encodes `packet` under `version` into a new `bytes` of exactly the right size, with the
/// GIL released for large packets.
pub(crate) fn encode<'py, P: Encode + Sync>(
    py: Python<'py>,
    packet: &P,
    version: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    encode_as(py, packet, self::version(version)?)
}

/// [`encode`] under a version already converted.
pub(crate) fn encode_as<'py, P: Encode + Sync>(
    py: Python<'py>,
    packet: &P,
    version: ProtocolVersion,
) -> PyResult<Bound<'py, PyBytes>> {
    // Checked and sized once; the bytes object is then made at its final size and written.
    let prepared = packet.prepare(version).map_err(|e| encode_err(py, &e))?;
    let len = prepared.encoded_len();
    new_bytes(py, len, |mut buf| {
        let written = if len >= DETACH_THRESHOLD {
            py.detach(|| prepared.write(&mut buf))
        } else {
            prepared.write(&mut buf)
        };
        written.map_err(|e| encode_err(py, &e))
    })
}
