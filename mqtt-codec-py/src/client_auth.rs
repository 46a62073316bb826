//! Enhanced authentication for `mqtt_codec.Client`: any Python object with a `method`
//! attribute and `start()`, `challenge(data)` and `finish(data)` methods, or the built-in
//! SCRAM-SHA-256 (`mqtt_codec.ScramAuthenticator`).

use mqtt_codec::client::{AuthError, Authenticator, ScramAuthenticator};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// A Python object driven as an [`Authenticator`]; its exceptions fail the exchange.
pub(crate) struct PyAuthenticator {
    obj: Py<PyAny>,
    method: String,
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
            let result = match data {
                Some(d) => obj.call_method1(name, (PyBytes::new(py, d),)),
                None => obj.call_method0(name),
            }
            .map_err(|e| AuthError(e.to_string()))?;
            if result.is_none() {
                return Ok(None);
            }
            result
                .extract::<Vec<u8>>()
                .map(Some)
                .map_err(|_| AuthError(format!("{name}() must return bytes")))
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

/// ScramAuthenticator(user, password, nonce): SCRAM-SHA-256 for `Client(authenticator=...)`.
/// Each exchange (a connect, a re-authentication) takes a fresh nonce: give more with
/// `add_nonce` (for example `secrets.token_urlsafe(18)`).
#[pyclass(name = "ScramAuthenticator", module = "mqtt_codec")]
#[derive(Clone)]
pub struct PyScram {
    pub(crate) inner: ScramAuthenticator,
}

#[pymethods]
impl PyScram {
    #[new]
    fn new(user: &str, password: &str, nonce: &str) -> Self {
        PyScram {
            inner: ScramAuthenticator::new(user, password, nonce),
        }
    }

    /// add_nonce(nonce): a nonce for a later exchange.
    fn add_nonce(&mut self, nonce: &str) {
        self.inner.add_nonce(nonce);
    }
}

/// The authenticator of `Client(authenticator=...)`.
pub(crate) fn authenticator_arg(obj: &Bound<'_, PyAny>) -> PyResult<Box<dyn Authenticator>> {
    if let Ok(scram) = obj.cast::<PyScram>() {
        return Ok(Box::new(scram.borrow().inner.clone()));
    }
    let method: String = obj
        .getattr("method")
        .and_then(|m| m.extract())
        .map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err(
                "an authenticator needs a str `method` and start(), challenge(data), finish(data)",
            )
        })?;
    Ok(Box::new(PyAuthenticator {
        obj: obj.clone().unbind(),
        method,
    }))
}
