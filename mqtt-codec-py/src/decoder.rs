//! `mqtt_codec.Decoder` and `mqtt_codec.decode`: the core's streaming decoder, fed from
//! Python bytes, with the GIL released while large inputs are parsed.

use crate::convert::{self, DETACH_THRESHOLD};
use crate::framed_publish::FramedPublish;
use crate::packets::{packet_to_py, PyPublish};
use bytes::Bytes;
use mqtt_codec::{
    parse, DecodeError, Decoder, DecoderConfig, Packet, PacketRef, PacketType, ParseOptions,
    ReasonCode, Role, Status, DEFAULT_MAX_PACKET_SIZE, MAX_PACKET_SIZE,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyMemoryView, PyString};

/// From this size, `decode` of a `bytes` borrows it instead of copying it: below it, a copy
/// costs less than the shared owner it would need.
const ZERO_COPY_MIN: usize = 4096;

/// Feeds `data` and takes every packet completed: the packets, and the error that stopped
/// the decoder if any.
fn drain(decoder: &mut Decoder, data: &[u8]) -> (Vec<Packet>, Option<DecodeError>) {
    decoder.feed(data);
    let mut packets = Vec::new();
    loop {
        match decoder.next_packet() {
            Ok(Some(p)) => packets.push(p),
            Ok(None) => return (packets, None),
            Err(e) => return (packets, Some(e)),
        }
    }
}

/// Runs `f` on the bytes of a `bytes`, `bytearray` or `memoryview`, with the GIL released
/// when they are many.
fn with_data<'py, T: Send>(
    data: &Bound<'py, PyAny>,
    f: impl FnOnce(&[u8]) -> T + Send,
) -> PyResult<T> {
    let py = data.py();
    let run = |bytes: &[u8]| {
        if bytes.len() >= DETACH_THRESHOLD {
            py.detach(|| f(bytes))
        } else {
            f(bytes)
        }
    };
    if let Ok(b) = data.cast::<PyBytes>() {
        return Ok(run(b.as_bytes()));
    }
    if data.is_instance_of::<PyByteArray>() || data.is_instance_of::<PyMemoryView>() {
        // A bytearray or memoryview may change while the GIL is released: take a copy.
        return Ok(run(convert::to_bytes_object(data)?.as_bytes()));
    }
    Err(PyTypeError::new_err(format!(
        "data must be bytes, bytearray or memoryview, not {}",
        convert::type_name(data)
    )))
}

/// A large input as a `bytes` object, to share: the object itself, or a copy of a
/// `bytearray` or `memoryview` (which may change while the GIL is released). `None` for a
/// small input, which is read in place.
fn bytes_object<'py>(data: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyBytes>>> {
    if let Ok(b) = data.cast::<PyBytes>() {
        return Ok(Some(b.clone()));
    }
    let large = (data.is_instance_of::<PyByteArray>() || data.is_instance_of::<PyMemoryView>())
        && data.len().is_ok_and(|n| n >= ZERO_COPY_MIN);
    if !large {
        return Ok(None);
    }
    Ok(Some(convert::to_bytes_object(data)?))
}

/// The Python error for a decode error of `decoder`, with `.packets` set to the packets
/// decoded before it. Fed again after failing, the message quotes the error that failed it
/// (the core's names only its kind).
fn error_with_packets(
    py: Python<'_>,
    decoder: &Decoder,
    e: &DecodeError,
    packets: Bound<'_, PyList>,
) -> PyErr {
    let err = match (e, decoder.error()) {
        (DecodeError::Failed { .. }, Some(first)) => convert::decode_err_with(
            py,
            &format!(
                "the decoder failed earlier ({first}); make a new Decoder for a new connection"
            ),
            e.reason_code(),
            e.v3_connack_code(),
        ),
        _ => convert::decode_err(py, e),
    };
    match err.value(py).setattr("packets", packets) {
        Ok(()) => err,
        Err(other) => other,
    }
}

fn packets_to_py(py: Python<'_>, packets: Vec<Packet>) -> PyResult<Bound<'_, PyList>> {
    let items = packets
        .into_iter()
        .map(|p| packet_to_py(py, p))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

/// A streaming MQTT decoder: feed it bytes in any chunks, get whole packets back.
///
/// `Decoder()` is a server-side decoder: the first packet must be CONNECT, and the version
/// is learned from it. `Decoder(version)` decodes a connection of a known version.
///
/// Decoder(version=None, max_packet_size=1048576, *, role=None). `role` is "client"
/// (receives a server's packets), "server" or None (either; the default when a version
/// is given). `version=None` means a server that learns the version from CONNECT.
///
/// One connection's decoder, used by one thread at a time: a call made while another
/// thread's call on the same decoder runs raises RuntimeError ("Already borrowed") and
/// changes nothing.
#[pyclass(module = "mqtt_codec", name = "Decoder")]
pub struct PyDecoder {
    inner: Decoder,
}

#[pymethods]
impl PyDecoder {
    #[new]
    #[pyo3(signature = (version = None, max_packet_size = None, *, role = None), text_signature = "(version=None, max_packet_size=1048576, *, role=None)")]
    fn new(
        version: Option<&Bound<'_, PyAny>>,
        max_packet_size: Option<&Bound<'_, PyAny>>,
        role: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let version = version
            .filter(|v| !v.is_none())
            .map(convert::version)
            .transpose()?;
        let max_packet_size = match max_packet_size.filter(|v| !v.is_none()) {
            Some(m) => max_size(m)?,
            None => DEFAULT_MAX_PACKET_SIZE,
        };
        let role = match role.filter(|v| !v.is_none()) {
            None if version.is_none() => Some(Role::Server),
            None => None,
            Some(r) => match convert::string(r, "role")?.as_str() {
                "client" => Some(Role::Client),
                "server" => Some(Role::Server),
                other => {
                    return Err(PyValueError::new_err(format!(
                        "role must be \"client\", \"server\" or None, not {other:?}"
                    )))
                }
            },
        };
        if version.is_none() && role == Some(Role::Client) {
            // Without a version the stream must open with CONNECT, which a client never
            // receives: such a decoder could decode nothing.
            return Err(PyValueError::new_err(
                "a client's Decoder needs the version its CONNECT named",
            ));
        }
        Ok(PyDecoder {
            inner: Decoder::new(DecoderConfig {
                version,
                role,
                max_packet_size,
            }),
        })
    }

    /// Feeds received bytes (bytes, bytearray or memoryview) and returns the list of packets
    /// completed so far. Raises DecodeError (whose `.packets` holds the packets decoded
    /// before the error) when the stream breaks a rule; the decoder then stays failed and
    /// the connection must be closed.
    fn feed<'py>(&mut self, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let py = data.py();
        let decoder = &mut self.inner;
        let (packets, error) = with_data(data, |bytes| drain(decoder, bytes))?;
        let packets = packets_to_py(py, packets)?;
        match error {
            Some(e) => Err(error_with_packets(py, &self.inner, &e, packets)),
            None => Ok(packets),
        }
    }

    /// The protocol version: given, or learned from CONNECT (None before it; also set by a
    /// CONNECT that failed a check after its protocol name and level).
    #[getter]
    fn protocol_version<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .protocol_version()
            .map(|v| convert::version_out(py, v))
            .transpose()
    }

    /// The largest packet accepted, header included (checked before the body arrives).
    #[getter]
    fn max_packet_size(&self) -> usize {
        self.inner.config().max_packet_size
    }

    /// Changes the maximum packet size (for example after a 5.0 CONNACK negotiated one).
    #[setter]
    fn set_max_packet_size(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.set_max_packet_size(max_size(value)?);
        Ok(())
    }

    /// Bytes received but not yet returned as packets.
    #[getter]
    fn buffered(&self) -> usize {
        self.inner.buffered()
    }

    /// True once a decode error has failed the decoder.
    #[getter]
    fn failed(&self) -> bool {
        self.inner.error().is_some()
    }

    /// `<mqtt_codec.Decoder version=... max_packet_size=... buffered=...>`: a decoder is
    /// state, not a value, so its repr is not a constructor call.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let version = match self.inner.protocol_version() {
            Some(v) => format!(
                "ProtocolVersion.{}",
                convert::version_out(py, v)?.getattr("name")?
            ),
            None => String::from("None"),
        };
        Ok(format!(
            "<mqtt_codec.Decoder version={version} max_packet_size={} buffered={}>",
            self.inner.config().max_packet_size,
            self.inner.buffered()
        ))
    }
}

fn max_size(obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    let m: usize = convert::int(obj, "max_packet_size")?;
    if m < 2 {
        return Err(PyValueError::new_err("max_packet_size must be at least 2"));
    }
    Ok(m.min(MAX_PACKET_SIZE))
}

/// decode(data, version=None) -> packet: decodes exactly one whole packet of `version`
/// (None: a CONNECT, which names its own). Raises DecodeError when the bytes break a rule,
/// are cut short, or go on after the packet. A PUBLISH given as `bytes` keeps that object
/// and reads its fields from it when they are asked for.
#[pyfunction]
#[pyo3(signature = (data, version = None))]
pub fn decode<'py>(
    data: &Bound<'py, PyAny>,
    version: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = data.py();
    let version = version
        .filter(|v| !v.is_none())
        .map(convert::version)
        .transpose()?;
    let opts = ParseOptions {
        version,
        receiver: None,
        max_packet_size: MAX_PACKET_SIZE,
    };
    // The common case first, with no other type test: a `bytes`. A PUBLISH is left in
    // it; another small packet is read in place.
    if let Ok(b) = data.cast_exact::<PyBytes>() {
        let bytes = b.as_bytes();
        if bytes
            .first()
            .is_some_and(|b| b >> 4 == PacketType::Publish as u8)
        {
            if let Some(packet) = decode_publish(py, b, bytes, &opts)? {
                return Ok(packet);
            }
        }
        if bytes.len() < ZERO_COPY_MIN {
            return one_packet(py, parse_small(bytes, &opts), bytes.len());
        }
    }
    if data.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err("data must be bytes, not str"));
    }
    let (result, len) = match bytes_object(data)? {
        // A large `bytes` is not copied (a bytearray or memoryview was, once, into one): the
        // packet's fields are slices of it, and they keep the Python object alive.
        Some(b) if b.as_bytes().len() >= ZERO_COPY_MIN => {
            let shared = Bytes::from_owner(PyBackedBytes::from(b));
            let len = shared.len();
            let run = || shared_parse(&shared, &opts);
            let result = if len >= DETACH_THRESHOLD {
                py.detach(run)
            } else {
                run()
            };
            (result, len)
        }
        _ => with_data(data, |bytes| (parse_small(bytes, &opts), bytes.len()))?,
    };
    one_packet(py, result, len)
}

/// `decode` of `bytes`, the contents of `data`, which start as a PUBLISH: a whole one stays
/// in `data` (see `FramedPublish`); any other small input is copied or
/// refused here; `None` leaves any other large one to the general path, which slices it
/// and releases the GIL for it. A PUBLISH's parse does not read its payload, so the GIL is
/// kept for a framed one whatever the payload's size.
fn decode_publish<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyBytes>,
    bytes: &[u8],
    opts: &ParseOptions,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let parsed = parse(bytes, opts);
    if let Ok(Status::Complete((PacketRef::Publish(view), used))) = &parsed {
        if *used == bytes.len() {
            let framed = FramedPublish::new(data, bytes, view);
            return Ok(Some(Bound::new(py, PyPublish::framed(framed))?.into_any()));
        }
    }
    if bytes.len() >= ZERO_COPY_MIN {
        return Ok(None);
    }
    let owned = parsed.map(|p| owned_of(&p, |view| view.to_owned()));
    one_packet(py, owned, bytes.len()).map(Some)
}

/// Parses a packet that `decode` copies: a PUBLISH, an acknowledgement or a ping copies its
/// fields (a PUBLISH two allocations, no reference count; the others hold no bytes); any
/// other packet copies its frame once and its fields share it, which costs less than one
/// allocation per field when there are many (measured: SUBSCRIBE with 10 filters, 833
/// against 895 ns; CONNECT is even).
fn parse_small(bytes: &[u8], opts: &ParseOptions) -> Result<Status<(Packet, usize)>, DecodeError> {
    let copy_fields = bytes.first().is_none_or(|&b| {
        let packet_type = b >> 4;
        packet_type == PacketType::Publish as u8
            || (PacketType::PubAck as u8..=PacketType::PubComp as u8).contains(&packet_type)
            || packet_type >= PacketType::PingReq as u8 && packet_type <= PacketType::PingResp as u8
    });
    if copy_fields {
        // The view is read where the parser left it (see `owned_of`).
        return Ok(owned_of(&parse(bytes, opts)?, |view| view.to_owned()));
    }
    shared_parse(&Bytes::copy_from_slice(bytes), opts)
}

/// Parses a packet whose fields are zero-copy slices of `shared`.
fn shared_parse(
    shared: &Bytes,
    opts: &ParseOptions,
) -> Result<Status<(Packet, usize)>, DecodeError> {
    Ok(owned_of(&parse(shared, opts)?, |view| {
        view.to_shared(shared)
    }))
}

/// The owned packet of a parse's outcome, made from the view by reference: moving the view
/// out first copies it in wide loads that wait on the narrower stores that wrote it.
#[inline(always)]
fn owned_of(
    parsed: &Status<(PacketRef<'_>, usize)>,
    own: impl FnOnce(&PacketRef<'_>) -> Packet,
) -> Status<(Packet, usize)> {
    match parsed {
        Status::Complete((view, used)) => Status::Complete((own(view), *used)),
        Status::Partial(n) => Status::Partial(*n),
    }
}

/// `decode`'s answer for the parse of `len` bytes: the packet, if it is whole and alone.
fn one_packet<'py>(
    py: Python<'py>,
    result: Result<Status<(Packet, usize)>, DecodeError>,
    len: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let malformed =
        |msg: String| convert::decode_err_with(py, &msg, ReasonCode::MalformedPacket, None);
    match result {
        Err(e) => Err(convert::decode_err(py, &e)),
        Ok(Status::Partial(_)) if len == 0 => Err(malformed("no bytes to decode".into())),
        Ok(Status::Partial(_)) => Err(malformed(format!("incomplete packet: only {len} bytes"))),
        Ok(Status::Complete((packet, used))) => {
            if used < len {
                return Err(malformed(format!(
                    "{} bytes follow the packet of {used} bytes",
                    len - used
                )));
            }
            packet_to_py(py, packet)
        }
    }
}
