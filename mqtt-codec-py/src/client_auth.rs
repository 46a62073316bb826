//! Enhanced authentication for `mqtt_codec.Client`: any Python object with a `method`
//! attribute and `start()`, `challenge(data)` and `finish(data)` methods, or the built-in
//! SCRAM-SHA-256 (`mqtt_codec.ScramAuthenticator`).

use crate::convert;
use mqtt_codec::client::{AuthError, Authenticator, ScramAuthenticator};
use pyo3::exceptions::{PyException, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::{Arc, Mutex};

/// What a Python authenticator raised during a `Client` call, kept for that call.
///
/// An `Exception` from the authenticator is its answer that the exchange fails: the
/// session ends it as for any refusal, and the exception only becomes the `__cause__` of
/// the error a call raises for it. Anything else (`KeyboardInterrupt`, `SystemExit`), and
/// a value of the wrong type returned, propagates from the call.
#[derive(Clone, Default)]
pub(crate) struct Raised(Arc<Mutex<Option<Kept>>>);

/// An exception kept by [`Raised`].
pub(crate) enum Kept {
    /// Raised again by the call that ran the authenticator.
    Propagate(PyErr),
    /// The reason the exchange failed: the cause of an error the call raises, if any.
    Cause(PyErr),
}

impl Raised {
    fn keep(&self, kept: Kept) {
        if let Ok(mut slot) = self.0.lock() {
            slot.get_or_insert(kept);
        }
    }

    /// What was kept since the last call, if anything.
    pub(crate) fn take(&self) -> Option<Kept> {
        self.0.lock().ok()?.take()
    }
}

/// A Python object driven as an [`Authenticator`]; its exceptions fail the exchange, and
/// the `Client` raises them again.
pub(crate) struct PyAuthenticator {
    obj: Py<PyAny>,
    method: String,
    raised: Raised,
}

impl std::fmt::Debug for PyAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PyAuthenticator({})", self.method)
    }
}

impl PyAuthenticator {
    fn call(&self, name: &str, data: Option<&[u8]>) -> Result<Option<Vec<u8>>, AuthError> {
        Python::attach(|py| {
            let obj = self.obj.bind(py);
            let called = match data {
                Some(d) => obj.call_method1(name, (PyBytes::new(py, d),)),
                None => obj.call_method0(name),
            };
            let result = called.map_err(|e| {
                let message = e.to_string();
                let refused = e.is_instance_of::<PyException>(py);
                self.raised.keep(match refused {
                    true => Kept::Cause(e),
                    false => Kept::Propagate(e),
                });
                AuthError(message)
            })?;
            if result.is_none() {
                return Ok(None);
            }
            convert::with_buffer(&result, name, <[u8]>::to_vec)
                .map(Some)
                .map_err(|_| {
                    let message = format!(
                        "{name}() must return bytes, bytearray, memoryview or None, not {}",
                        convert::type_name(&result)
                    );
                    self.raised
                        .keep(Kept::Propagate(PyTypeError::new_err(message.clone())));
                    AuthError(message)
                })
        })
    }
}

impl Authenticator for PyAuthenticator {
    fn method(&self) -> &str {
        &self.method
    }
    fn start(&mut self) -> Result<Vec<u8>, AuthError> {
        Ok(self.call("start", None)?.unwrap_or_default())
    }
    fn challenge(&mut self, data: &[u8]) -> Result<Vec<u8>, AuthError> {
        Ok(self.call("challenge", Some(data))?.unwrap_or_default())
    }
    fn finish(&mut self, data: &[u8]) -> Result<(), AuthError> {
        self.call("finish", Some(data)).map(drop)
    }
}

/// ScramAuthenticator(user, password, nonce=None): SCRAM-SHA-256 for
/// `Client(authenticator=...)`. Each exchange (a connect, a reconnect, a re-authentication)
/// takes a fresh nonce: without `nonce`, each is drawn from `secrets` when the exchange
/// starts; with one, that nonce serves the first exchange and `add_nonce` gives the later
/// ones, before the authenticator is passed to the `Client` (which keeps a copy).
#[pyclass(name = "ScramAuthenticator", module = "mqtt_codec")]
#[derive(Clone)]
pub struct PyScram {
    pub(crate) inner: ScramAuthenticator,
}

#[pymethods]
impl PyScram {
    #[new]
    #[pyo3(signature = (user, password, nonce = None))]
    fn new(user: &str, password: &str, nonce: Option<&str>) -> PyResult<Self> {
        let inner = match nonce {
            Some(n) => ScramAuthenticator::new(user, password, checked_nonce(n)?),
            // A nonce that could not be drawn (no `secrets`?) is empty: that exchange
            // fails to start, and says so.
            None => ScramAuthenticator::with_nonce_source(user, password, || {
                Python::attach(fresh_nonce).unwrap_or_default()
            }),
        };
        Ok(PyScram { inner })
    }

    /// add_nonce(nonce): a nonce for a later exchange.
    fn add_nonce(&mut self, nonce: &str) -> PyResult<()> {
        self.inner.add_nonce(checked_nonce(nonce)?);
        Ok(())
    }
}

/// 18 random bytes from `secrets`, base64url: printable ASCII without ',' (RFC 5802).
fn fresh_nonce(py: Python<'_>) -> PyResult<String> {
    py.import("secrets")?
        .call_method1("token_urlsafe", (18,))?
        .extract()
}

/// `nonce`, or ValueError when it cannot be a SCRAM nonce.
fn checked_nonce(nonce: &str) -> PyResult<&str> {
    match mqtt_codec::scram::is_valid_nonce(nonce) {
        true => Ok(nonce),
        false => Err(pyo3::exceptions::PyValueError::new_err(
            "a nonce is printable ASCII without ',' (RFC 5802), and not empty",
        )),
    }
}

/// The authenticator of `Client(authenticator=...)`, and for a Python one where its
/// exceptions are kept.
pub(crate) fn authenticator_arg(
    obj: &Bound<'_, PyAny>,
) -> PyResult<(Box<dyn Authenticator>, Option<Raised>)> {
    if let Ok(scram) = obj.cast::<PyScram>() {
        return Ok((Box::new(scram.borrow().inner.clone()), None));
    }
    let method: String = obj
        .getattr("method")
        .and_then(|m| m.extract())
        .map_err(|_| {
            PyTypeError::new_err(
                "an authenticator needs a str `method` and start(), challenge(data), finish(data)",
            )
        })?;
    let raised = Raised::default();
    let authenticator = PyAuthenticator {
        obj: obj.clone().unbind(),
        method,
        raised: raised.clone(),
    };
    Ok((Box::new(authenticator), Some(raised)))
}
