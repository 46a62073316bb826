//! `mqtt_codec.Client`: the core's sans-IO client session for Python. Time is a float of
//! seconds from any monotonic clock (`time.monotonic()`); events are the dataclasses of
//! `python/mqtt_codec/client.py`.

use crate::convert;
use crate::properties::{properties_arg, properties_out, subscription_arg, PyWill};
use mqtt_codec::client::{
    snapshot_version, Event, PublishFailure, Session, SessionConfig, SessionError,
};
use mqtt_codec::{PacketId, Publish, QoS, ReasonCode};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyList, PyModule, PyTuple, PyType};

const EVENTS_MODULE: &str = "mqtt_codec.client";

/// The events module, imported once rather than for every event.
static EVENTS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn events_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    EVENTS
        .get_or_try_init(py, || py.import(EVENTS_MODULE).map(Bound::unbind))
        .map(|m| m.bind(py))
}

/// Seconds (a float) to the session's milliseconds.
fn millis(now: f64) -> PyResult<u64> {
    if !now.is_finite() || now < 0.0 {
        return Err(PyValueError::new_err(
            "now must be a finite, non-negative number of seconds",
        ));
    }
    Ok((now * 1000.0).round() as u64)
}

fn session_err(py: Python<'_>, e: SessionError) -> PyErr {
    if let SessionError::Encode(inner) = &e {
        return convert::encode_err(py, inner);
    }
    let made = events_module(py)
        .and_then(|m| m.getattr("ClientError"))
        .and_then(|cls| cls.call1((e.to_string(),)));
    match made {
        Ok(value) => PyErr::from_value(value),
        Err(e) => e,
    }
}

fn reason_opt(py: Python<'_>, code: Option<ReasonCode>) -> PyResult<Bound<'_, PyAny>> {
    match code {
        Some(c) => convert::reason_out(py, c),
        None => Ok(py.None().into_bound(py)),
    }
}

/// One event as an instance of its class.
fn event_out<'py>(py: Python<'py>, event: Event) -> PyResult<Bound<'py, PyAny>> {
    let module = events_module(py)?;
    let make = |name: &str, args: Bound<'py, PyTuple>| module.getattr(name)?.call1(args);
    match event {
        Event::Connected {
            session_present,
            connack,
        } => make(
            "Connected",
            PyTuple::new(
                py,
                [
                    session_present.into_pyobject(py)?.to_owned().into_any(),
                    properties_out(py, &connack.properties)?.into_any(),
                ],
            )?,
        ),
        Event::ConnectionRefused {
            reason,
            server_speaks_v3,
        } => make(
            "ConnectionRefused",
            PyTuple::new(
                py,
                [
                    convert::reason_out(py, reason)?,
                    server_speaks_v3.into_pyobject(py)?.to_owned().into_any(),
                ],
            )?,
        ),
        Event::Message { publish, ack } => message_out(py, module, publish, ack),
        Event::Published { packet_id, reason } => make(
            "Published",
            PyTuple::new(
                py,
                [
                    packet_id.get().into_pyobject(py)?.into_any(),
                    convert::reason_out(py, reason)?,
                ],
            )?,
        ),
        Event::PublishFailed { packet_id, failure } => {
            let (reason, lost) = match failure {
                PublishFailure::Refused(r) => (Some(r), false),
                PublishFailure::SessionLost => (None, true),
            };
            make(
                "PublishFailed",
                PyTuple::new(
                    py,
                    [
                        packet_id.get().into_pyobject(py)?.into_any(),
                        reason_opt(py, reason)?,
                        lost.into_pyobject(py)?.to_owned().into_any(),
                    ],
                )?,
            )
        }
        Event::Subscribed {
            packet_id,
            reason_codes,
        } => make(
            "Subscribed",
            PyTuple::new(
                py,
                [
                    packet_id.get().into_pyobject(py)?.into_any(),
                    convert::reasons_out(py, &reason_codes)?.into_any(),
                ],
            )?,
        ),
        Event::Unsubscribed {
            packet_id,
            reason_codes,
        } => make(
            "Unsubscribed",
            PyTuple::new(
                py,
                [
                    packet_id.get().into_pyobject(py)?.into_any(),
                    convert::reasons_out(py, &reason_codes)?.into_any(),
                ],
            )?,
        ),
        Event::SubscribeLost {
            packet_id,
            subscriptions,
        } => make(
            "SubscribeLost",
            PyTuple::new(
                py,
                [
                    packet_id.get().into_pyobject(py)?.into_any(),
                    crate::properties::subscriptions_out(py, &subscriptions)?.into_any(),
                ],
            )?,
        ),
        Event::UnsubscribeLost { packet_id } => make(
            "UnsubscribeLost",
            PyTuple::new(py, [packet_id.get().into_pyobject(py)?.into_any()])?,
        ),
        // With the options they were granted with, so that subscribing again with them
        // restores what the session had (No Local, Retain Handling...).
        Event::SubscriptionsLost { subscriptions } => make(
            "SubscriptionsLost",
            PyTuple::new(
                py,
                [crate::properties::subscriptions_out(py, &subscriptions)?.into_any()],
            )?,
        ),
        Event::Reauthenticated => make("Reauthenticated", PyTuple::empty(py)),
        Event::Disconnected { reason, by_server } => make(
            "Disconnected",
            PyTuple::new(
                py,
                [
                    reason_opt(py, reason)?,
                    by_server.into_pyobject(py)?.to_owned().into_any(),
                ],
            )?,
        ),
    }
}

fn message_out<'py>(
    py: Python<'py>,
    module: &Bound<'py, PyModule>,
    p: Publish,
    ack: Option<PacketId>,
) -> PyResult<Bound<'py, PyAny>> {
    let properties = if p.properties.is_empty() {
        py.None().into_bound(py)
    } else {
        properties_out(py, &p.properties)?.into_any()
    };
    let args = PyTuple::new(
        py,
        [
            p.topic.as_str().into_pyobject(py)?.into_any(),
            PyBytes::new(py, &p.payload).into_any(),
            convert::qos_out(py, p.qos)?,
            p.retain.into_pyobject(py)?.to_owned().into_any(),
            p.dup.into_pyobject(py)?.to_owned().into_any(),
            match p.packet_id {
                Some(id) => id.get().into_pyobject(py)?.into_any(),
                None => py.None().into_bound(py),
            },
            properties,
            ack.is_some().into_pyobject(py)?.to_owned().into_any(),
        ],
    )?;
    module.getattr("Message")?.call1(args)
}

/// Client(client_id="", version=ProtocolVersion.V5, keep_alive=60, clean_start=True,
/// session_expiry_interval=0, auto_ack=True, username=None, password=None, will=None,
/// receive_maximum=16, max_inflight=16, max_queued=1000, max_packet_size=1048576,
/// topic_alias_maximum=0, request_problem_information=True, authenticator=None): the MQTT
/// protocol state of one client, sans-IO. Feed it the socket's bytes with `receive_data`,
/// write what `data_to_send` returns, read `events()`, and call `handle_timeout` at
/// `next_timeout()`. `authenticator` runs 5.0 enhanced authentication: a
/// `ScramAuthenticator`, or an object with a str `method` and `start()`,
/// `challenge(data)` and `finish(data)` (each returning bytes or None). An `Exception`
/// such an object raises fails the exchange (a `ClientError` from `connect` with it as
/// `__cause__`, or a Disconnected event); anything else it raises, `KeyboardInterrupt`
/// included, propagates from the call that ran it. A setting CONNECT cannot carry raises
/// `ValueError` here, each argument's wrong type a `TypeError` that names it. A client is
/// used by one thread at a time: a call made while another thread's call (or a callback
/// it runs) is inside the same client raises RuntimeError ("Already borrowed") and changes
/// nothing.
#[pyclass(name = "Client", module = "mqtt_codec")]
pub struct PyClient {
    inner: Session,
    /// Where a Python authenticator's exception waits for the call that ran it.
    raised: Option<crate::client_auth::Raised>,
    /// The receive buffer lent by `get_buffer`, until `buffer_updated`.
    #[cfg(feature = "abi3-py311")]
    lent: Option<Py<crate::receive_buffer::PyReceiveBuffer>>,
    /// The time last given to any call, in milliseconds: what a command given no `now`
    /// stands at (0.0 would turn the session's clock back, and its keep alive with it).
    last_now: u64,
}

/// The room `get_buffer` lends when the caller names no size (asyncio asks with -1): a few
/// TCP segments, zeroed on each loan, so small enough that zeroing costs less than the copy
/// it saves.
#[cfg(feature = "abi3-py311")]
const DEFAULT_ROOM: usize = 8 * 1024;
/// The most `get_buffer` lends, whatever the hint.
#[cfg(feature = "abi3-py311")]
const MAX_ROOM: usize = 256 * 1024;

/// An optional argument of `Client()`: absent and `None` both mean the default.
type Opt<'a, 'py> = Option<&'a Bound<'py, PyAny>>;

/// The argument, unless absent or `None`.
fn given<'a, 'py>(arg: Opt<'a, 'py>) -> Option<&'a Bound<'py, PyAny>> {
    arg.filter(|a| !a.is_none())
}

/// An int argument of `Client()`, `default` when not given; errors name the argument.
fn int_or<T: TryFrom<i64>>(arg: Opt<'_, '_>, what: &str, default: T) -> PyResult<T> {
    given(arg).map_or(Ok(default), |a| convert::int(a, what))
}

/// A bool argument of `Client()`, `default` when not given.
fn bool_or(arg: Opt<'_, '_>, what: &str, default: bool) -> PyResult<bool> {
    given(arg).map_or(Ok(default), |a| convert::boolean(a, what))
}

/// The session configuration of `Client()`'s keywords, each checked and named in its error.
struct ClientArgs<'a, 'py> {
    client_id: Opt<'a, 'py>,
    version: Opt<'a, 'py>,
    keep_alive: Opt<'a, 'py>,
    clean_start: Opt<'a, 'py>,
    session_expiry_interval: Opt<'a, 'py>,
    auto_ack: Opt<'a, 'py>,
    username: Opt<'a, 'py>,
    password: Opt<'a, 'py>,
    will: Opt<'a, 'py>,
    receive_maximum: Opt<'a, 'py>,
    max_inflight: Opt<'a, 'py>,
    max_queued: Opt<'a, 'py>,
    max_packet_size: Opt<'a, 'py>,
    topic_alias_maximum: Opt<'a, 'py>,
    request_problem_information: Opt<'a, 'py>,
}

impl ClientArgs<'_, '_> {
    fn config(&self) -> PyResult<SessionConfig> {
        let version = match given(self.version) {
            Some(v) => convert::version(v)?,
            None => mqtt_codec::ProtocolVersion::V5,
        };
        let client_id = match given(self.client_id) {
            Some(c) => convert::string(c, "client_id")?,
            None => String::new(),
        };
        let mut config = SessionConfig::new(&client_id, version);
        config.keep_alive = int_or(self.keep_alive, "keep_alive", 60)?;
        config.clean_start = bool_or(self.clean_start, "clean_start", true)?;
        config.session_expiry_interval =
            int_or(self.session_expiry_interval, "session_expiry_interval", 0)?;
        config.auto_ack = bool_or(self.auto_ack, "auto_ack", true)?;
        config.username = given(self.username)
            .map(|u| convert::string(u, "username"))
            .transpose()?;
        config.password = given(self.password)
            .map(|p| convert::bytes_arg(p, "password", false))
            .transpose()?;
        config.will = match given(self.will) {
            Some(w) => Some(
                w.cast::<PyWill>()
                    .map_err(|_| {
                        PyTypeError::new_err(format!(
                            "will must be a Will, not {}",
                            convert::type_name(w)
                        ))
                    })?
                    .get()
                    .inner
                    .clone(),
            ),
            None => None,
        };
        config.receive_maximum = int_or(self.receive_maximum, "receive_maximum", 16)?;
        config.max_inflight = int_or(self.max_inflight, "max_inflight", 16)?;
        config.max_queued = int_or(self.max_queued, "max_queued", 1000)?;
        config.max_packet_size = int_or(self.max_packet_size, "max_packet_size", 1048576)?;
        config.topic_alias_maximum = int_or(self.topic_alias_maximum, "topic_alias_maximum", 0)?;
        config.request_problem_information = bool_or(
            self.request_problem_information,
            "request_problem_information",
            true,
        )?;
        // A configuration CONNECT could not carry fails here, not at connect().
        config
            .check()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(config)
    }
}

impl PyClient {
    /// Gives the session the authenticator of `Client(authenticator=...)`, if any.
    fn set_authenticator(&mut self, authenticator: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        if let Some(a) = authenticator.filter(|a| !a.is_none()) {
            let (authenticator, raised) = crate::client_auth::authenticator_arg(a)?;
            self.inner.set_authenticator(authenticator);
            self.raised = raised;
        }
        Ok(())
    }

    /// The result of a call that may have run the Python authenticator: what it raised
    /// propagates, or becomes the cause of the error the call raises (see
    /// [`crate::client_auth::Raised`]). The session has ended the exchange by then (an
    /// unsent CONNECT, or DISCONNECT 0x80 queued and a Disconnected event waiting).
    fn after_authenticator(&self, py: Python<'_>, done: PyResult<()>) -> PyResult<()> {
        use crate::client_auth::Kept;
        match (self.raised.as_ref().and_then(|r| r.take()), done) {
            (Some(Kept::Propagate(e)), _) => Err(e),
            (Some(Kept::Cause(cause)), Err(e)) => {
                e.set_cause(py, Some(cause));
                Err(e)
            }
            (_, done) => done,
        }
    }

    fn wrap(inner: Session) -> Self {
        PyClient {
            inner,
            raised: None,
            #[cfg(feature = "abi3-py311")]
            lent: None,
            last_now: 0,
        }
    }

    /// The session's time for a call: `now` when given (and remembered), else the time
    /// last given.
    fn when(&mut self, now: Option<f64>) -> PyResult<u64> {
        if let Some(now) = now {
            self.last_now = millis(now)?;
        }
        Ok(self.last_now)
    }
}

#[pymethods]
impl PyClient {
    #[new]
    #[pyo3(signature = (client_id = None, version = None, keep_alive = None, clean_start = None,
        session_expiry_interval = None, auto_ack = None, username = None, password = None,
        will = None, receive_maximum = None, max_inflight = None, max_queued = None,
        max_packet_size = None, topic_alias_maximum = None, request_problem_information = None,
        authenticator = None),
        text_signature = "(client_id='', version=ProtocolVersion.V5, keep_alive=60, clean_start=True, session_expiry_interval=0, auto_ack=True, username=None, password=None, will=None, receive_maximum=16, max_inflight=16, max_queued=1000, max_packet_size=1048576, topic_alias_maximum=0, request_problem_information=True, authenticator=None)")]
    #[allow(clippy::too_many_arguments)]
    fn new(
        client_id: Opt<'_, '_>,
        version: Opt<'_, '_>,
        keep_alive: Opt<'_, '_>,
        clean_start: Opt<'_, '_>,
        session_expiry_interval: Opt<'_, '_>,
        auto_ack: Opt<'_, '_>,
        username: Opt<'_, '_>,
        password: Opt<'_, '_>,
        will: Opt<'_, '_>,
        receive_maximum: Opt<'_, '_>,
        max_inflight: Opt<'_, '_>,
        max_queued: Opt<'_, '_>,
        max_packet_size: Opt<'_, '_>,
        topic_alias_maximum: Opt<'_, '_>,
        request_problem_information: Opt<'_, '_>,
        authenticator: Opt<'_, '_>,
    ) -> PyResult<Self> {
        let config = ClientArgs {
            client_id,
            version,
            keep_alive,
            clean_start,
            session_expiry_interval,
            auto_ack,
            username,
            password,
            will,
            receive_maximum,
            max_inflight,
            max_queued,
            max_packet_size,
            topic_alias_maximum,
            request_problem_information,
        }
        .config()?;
        let mut client = PyClient::wrap(Session::new(config));
        client.set_authenticator(authenticator)?;
        Ok(client)
    }

    /// Client.from_session_state(state, **the keywords of Client()) -> Client: a client
    /// restored from `session_state()` bytes (its client id and, unless given, its version
    /// are the snapshot's; clean_start defaults to False). Raises ValueError for bytes that
    /// are no snapshot, of another format or of another protocol version than given.
    #[classmethod]
    #[pyo3(signature = (state, **options))]
    fn from_session_state(
        cls: &Bound<'_, PyType>,
        state: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) -> PyResult<Self> {
        let py = cls.py();
        let options = match options {
            Some(o) => o.copy()?,
            None => pyo3::types::PyDict::new(py),
        };
        // Clean start is set on the restored configuration, not given to the constructor:
        // the snapshot brings the client identifier, so a 3.1.1 session without a clean
        // start is checked with its identifier, after the restore.
        let clean_start = bool_or(
            options.get_item("clean_start")?.as_ref(),
            "clean_start",
            false,
        )?;
        if options.contains("clean_start")? {
            options.del_item("clean_start")?;
        }
        if !options.contains("version")? {
            // The snapshot's own: a 3.1.1 session restores without naming its version.
            let version = convert::with_buffer(state, "state", snapshot_version)?
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            options.set_item("version", version.level())?;
        }
        // The configuration comes from the constructor, so both take the same keywords.
        let made = cls.call((), Some(&options))?;
        let mut config = made.cast::<PyClient>()?.borrow().inner.config().clone();
        config.clean_start = clean_start;
        let mut client = convert::with_buffer(state, "state", |state| {
            Session::from_snapshot(config, state)
        })?
        .map(PyClient::wrap)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
        client
            .inner
            .config()
            .check()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        client.set_authenticator(options.get_item("authenticator")?.as_ref())?;
        Ok(client)
    }

    /// The client identifier (the one the server assigned, once connected).
    #[getter]
    fn client_id(&self) -> String {
        self.inner.config().client_id.clone()
    }

    /// Whether CONNACK accepted the connection and it has not ended.
    #[getter]
    fn is_connected(&self) -> bool {
        self.inner.is_connected()
    }

    /// Whether a PINGREQ went out that has had no PINGRESP yet: a driver that stops reading
    /// while its application is behind must read on until it comes.
    #[getter]
    fn awaiting_pingresp(&self) -> bool {
        self.inner.awaiting_pingresp()
    }

    /// connect(now): queues CONNECT (send it with data_to_send()).
    fn connect(&mut self, py: Python<'_>, now: f64) -> PyResult<()> {
        let now = self.when(Some(now))?;
        let done = self.inner.connect(now);
        self.after_authenticator(py, done.map_err(|e| session_err(py, e)))
    }

    /// publish(topic, payload, qos=QoS.AT_MOST_ONCE, retain=False, properties=None, now=None)
    /// -> packet id or None (QoS 0). QoS 1 and 2 are accepted while disconnected and wait.
    #[pyo3(signature = (topic, payload, qos = None, retain = false, properties = None, now = None))]
    #[allow(clippy::too_many_arguments)]
    fn publish(
        &mut self,
        py: Python<'_>,
        topic: &Bound<'_, PyAny>,
        payload: &Bound<'_, PyAny>,
        qos: Option<&Bound<'_, PyAny>>,
        retain: bool,
        properties: Option<&Bound<'_, PyAny>>,
        now: Option<f64>,
    ) -> PyResult<Option<u16>> {
        let mut publish = Publish::new(
            convert::topic_name(topic, "topic")?,
            convert::bytes_arg(payload, "payload", true)?,
        );
        publish.qos = match qos {
            Some(q) if !q.is_none() => convert::qos(q, "qos")?,
            _ => QoS::AtMostOnce,
        };
        publish.retain = retain;
        publish.properties = properties_arg(properties)?;
        let now = self.when(now)?;
        self.inner
            .publish_packet(publish, now)
            .map(|id| id.map(|i| i.get()))
            .map_err(|e| session_err(py, e))
    }

    /// subscribe(subscriptions, now=None, *, properties=None) -> packet id; items are
    /// Subscription, a filter str (QoS 0) or (filter, qos) tuples; `properties` (5.0) holds
    /// a Subscription Identifier or User Properties.
    #[pyo3(signature = (subscriptions, now = None, *, properties = None))]
    fn subscribe(
        &mut self,
        py: Python<'_>,
        subscriptions: &Bound<'_, PyAny>,
        now: Option<f64>,
        properties: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u16> {
        let subs = convert::iter_items(subscriptions, "subscriptions")?
            .iter()
            .map(|s| subscription_arg(s))
            .collect::<PyResult<Vec<_>>>()?;
        if subs.is_empty() {
            return Err(PyValueError::new_err(
                "subscribe needs at least one subscription",
            ));
        }
        let properties = properties_arg(properties)?.into_inner();
        let now = self.when(now)?;
        self.inner
            .subscribe_with(subs, properties, now)
            .map(|id| id.get())
            .map_err(|e| session_err(py, e))
    }

    /// unsubscribe(filters, now=None) -> packet id.
    #[pyo3(signature = (filters, now = None))]
    fn unsubscribe(
        &mut self,
        py: Python<'_>,
        filters: &Bound<'_, PyAny>,
        now: Option<f64>,
    ) -> PyResult<u16> {
        let filters = convert::iter_items(filters, "filters")?
            .iter()
            .map(|f| {
                // A filter that breaks §4.7 is a ValueError here, as in `subscribe`.
                convert::topic_filter(f, "topic filter")?;
                convert::mqtt_str(f, "topic filter")
            })
            .collect::<PyResult<Vec<_>>>()?;
        if filters.is_empty() {
            return Err(PyValueError::new_err(
                "unsubscribe needs at least one filter",
            ));
        }
        let now = self.when(now)?;
        self.inner
            .unsubscribe(filters, now)
            .map(|id| id.get())
            .map_err(|e| session_err(py, e))
    }

    /// ack(message, now=None): acknowledges a received QoS 1 or 2 Message (auto_ack=False);
    /// the acknowledgements go out in the order the messages came.
    #[pyo3(signature = (message, now = None))]
    fn ack(
        &mut self,
        py: Python<'_>,
        message: &Bound<'_, PyAny>,
        now: Option<f64>,
    ) -> PyResult<()> {
        // An int out of range is a ValueError, as everywhere an int is taken.
        let id = if message.is_instance_of::<pyo3::types::PyInt>() {
            convert::int::<u16>(message, "packet id")?
        } else {
            message
                .getattr("packet_id")
                .and_then(|v| v.extract::<u16>())
                .map_err(|_| {
                    PyTypeError::new_err("ack takes a QoS 1 or 2 Message or its packet id")
                })?
        };
        let id = PacketId::new(id).ok_or_else(|| PyValueError::new_err("packet id 0"))?;
        let now = self.when(now)?;
        self.inner.ack(id, now).map_err(|e| session_err(py, e))
    }

    /// reauthenticate(now=None): re-authentication with the authenticator (AUTH 0x19); a
    /// Reauthenticated event says it succeeded.
    #[pyo3(signature = (now = None))]
    fn reauthenticate(&mut self, py: Python<'_>, now: Option<f64>) -> PyResult<()> {
        let now = self.when(now)?;
        let done = self.inner.reauthenticate(now);
        self.after_authenticator(py, done.map_err(|e| session_err(py, e)))
    }

    /// disconnect(now=None): DISCONNECT; close the socket after sending it.
    #[pyo3(signature = (now = None))]
    fn disconnect(&mut self, py: Python<'_>, now: Option<f64>) -> PyResult<()> {
        let now = self.when(now)?;
        self.inner.disconnect(now).map_err(|e| session_err(py, e))
    }

    /// get_buffer(sizehint) -> ReceiveBuffer: room in the session's own receive buffer for
    /// one read (sizehint bytes; -1 or 0: 8 KiB), for asyncio.BufferedProtocol.get_buffer
    /// or socket.recv_into; then call buffer_updated. A buffer lent before and not given
    /// back is taken back empty. In the abi3-py311 wheel only (the buffer protocol is in
    /// the stable ABI from 3.11).
    #[cfg(feature = "abi3-py311")]
    fn get_buffer(
        &mut self,
        py: Python<'_>,
        sizehint: isize,
    ) -> PyResult<Py<crate::receive_buffer::PyReceiveBuffer>> {
        let room = match usize::try_from(sizehint) {
            Ok(n) if n > 0 => n.min(MAX_ROOM),
            _ => DEFAULT_ROOM,
        };
        if let Some(old) = self.lent.take() {
            let taken = old.bind(py).borrow_mut().take();
            match taken {
                Ok(lent) => self.inner.give_back_unused(lent),
                Err(e) => {
                    // A view of it is still held. A loan of an earlier connection the
                    // session forgot when it connected again (a read that never completed
                    // on a link being closed): the old buffer keeps its own memory for
                    // those views, and this connection gets a buffer of its own.
                    if let Some(lent) = self.inner.lend_receive_buffer(room) {
                        let buffer =
                            Py::new(py, crate::receive_buffer::PyReceiveBuffer::new(lent))?;
                        self.lent = Some(buffer.clone_ref(py));
                        return Ok(buffer);
                    }
                    // Still lent on this connection: it holds the start of a packet.
                    self.lent = Some(old);
                    return Err(e);
                }
            }
        }
        let Some(lent) = self.inner.lend_receive_buffer(room) else {
            return Err(pyo3::exceptions::PyBufferError::new_err(
                "the receive buffer is lent already",
            ));
        };
        let buffer = Py::new(py, crate::receive_buffer::PyReceiveBuffer::new(lent))?;
        self.lent = Some(buffer.clone_ref(py));
        Ok(buffer)
    }

    /// buffer_updated(nbytes, now): nbytes were written at the start of the buffer
    /// get_buffer lent; they are handled as receive_data would handle them. Raises
    /// BufferError when no buffer is lent or a view of it is still held. (abi3-py311 wheel.)
    #[cfg(feature = "abi3-py311")]
    fn buffer_updated(&mut self, py: Python<'_>, nbytes: usize, now: f64) -> PyResult<()> {
        let now = self.when(Some(now))?;
        let Some(buffer) = self.lent.take() else {
            return Err(pyo3::exceptions::PyBufferError::new_err(
                "buffer_updated() without a buffer from get_buffer()",
            ));
        };
        let taken = buffer.bind(py).borrow_mut().take();
        match taken {
            Ok(lent) => {
                self.inner.receive_lent(lent, nbytes, now);
                self.after_authenticator(py, Ok(()))
            }
            Err(e) => {
                self.lent = Some(buffer);
                Err(e)
            }
        }
    }

    /// receive_data(data, now): bytes from the socket, in any chunks.
    fn receive_data(&mut self, data: &Bound<'_, PyAny>, now: f64) -> PyResult<()> {
        let now = self.when(Some(now))?;
        convert::with_buffer(data, "data", |bytes| self.inner.receive(bytes, now))?;
        self.after_authenticator(data.py(), Ok(()))
    }

    /// data_to_send() -> bytes: everything to write to the socket now.
    fn data_to_send<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.data_to_send())
    }

    /// events() -> list of the events since the last call.
    fn events<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let mut out = Vec::new();
        while let Some(e) = self.inner.poll_event() {
            out.push(event_out(py, e)?);
        }
        PyList::new(py, out)
    }

    /// handle_timeout(now): keep alive (PINGREQ, a lost connection); call it at
    /// next_timeout().
    fn handle_timeout(&mut self, now: f64) -> PyResult<()> {
        let now = self.when(Some(now))?;
        self.inner.handle_timeout(now);
        Ok(())
    }

    /// next_timeout() -> when to call handle_timeout, in seconds, or None.
    fn next_timeout(&self) -> Option<f64> {
        self.inner.next_timeout().map(|ms| ms as f64 / 1000.0)
    }

    /// connection_lost(now): the socket closed or failed.
    fn connection_lost(&mut self, now: f64) -> PyResult<()> {
        let now = self.when(Some(now))?;
        self.inner.connection_lost(now);
        Ok(())
    }

    /// session_state() -> bytes: the session to keep across a restart
    /// (Client.from_session_state).
    fn session_state<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.snapshot())
    }

    /// `<mqtt_codec.Client client_id=... version=... connected=...>`: a client is state, not
    /// a value, so its repr is not a constructor call.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let config = self.inner.config();
        let client_id = pyo3::types::PyString::new(py, &config.client_id).repr()?;
        let version = convert::version_out(py, config.version)?.getattr("name")?;
        let connected = if self.inner.is_connected() {
            "True"
        } else {
            "False"
        };
        Ok(format!(
            "<mqtt_codec.Client client_id={client_id} version=ProtocolVersion.{version} connected={connected}>"
        ))
    }
}
