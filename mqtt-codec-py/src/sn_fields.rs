//! The fields of the `mqtt_codec.sn` and `mqtt_codec.sn2` dataclasses, read for encoding,
//! with errors that say what a field must be: `TypeError` for a value of the wrong type,
//! `ValueError` for an int out of the field's range.

use pyo3::conversion::FromPyObjectOwned;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt};

/// What a field's value must be, as its error says it.
pub(crate) trait FieldKind {
    /// "an int from 0 to 255", "a str", ...
    const WHAT: &'static str;
    /// Whether it is an int of a bounded range (an int outside it is a `ValueError`).
    const INTEGER: bool = false;
}

impl FieldKind for u8 {
    const WHAT: &'static str = "an int from 0 to 255";
    const INTEGER: bool = true;
}
impl FieldKind for u16 {
    const WHAT: &'static str = "an int from 0 to 65535";
    const INTEGER: bool = true;
}
impl FieldKind for u32 {
    const WHAT: &'static str = "an int from 0 to 4294967295";
    const INTEGER: bool = true;
}
impl FieldKind for i8 {
    const WHAT: &'static str = "an int from -128 to 127";
    const INTEGER: bool = true;
}
impl FieldKind for bool {
    const WHAT: &'static str = "a bool";
}
impl FieldKind for String {
    const WHAT: &'static str = "a str";
}
impl FieldKind for Vec<u8> {
    const WHAT: &'static str = "bytes";
}

/// Field `key` of `fields`, converted; `None` when absent or None. `protocol` names the
/// protocol in messages ("MQTT-SN", "MQTT-SN 2.0").
pub(crate) fn field<'py, T: FromPyObjectOwned<'py> + FieldKind>(
    fields: &Bound<'py, PyDict>,
    key: &str,
    protocol: &str,
) -> PyResult<Option<T>> {
    match fields.get_item(key)? {
        Some(v) if !v.is_none() => v.extract::<T>().map(Some).map_err(|_| {
            let int = v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>();
            if T::INTEGER && int {
                PyValueError::new_err(format!(
                    "{protocol} field {key} is out of range: {v} (it must be {})",
                    T::WHAT
                ))
            } else {
                let type_name = crate::convert::type_name(&v);
                PyTypeError::new_err(format!(
                    "{protocol} field {key} must be {}, not {type_name}",
                    T::WHAT
                ))
            }
        }),
        _ => Ok(None),
    }
}
