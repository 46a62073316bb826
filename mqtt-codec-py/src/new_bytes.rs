//! A new Python `bytes` written in place, without the zero fill of `PyBytes::new_with`.
//!
//! `PyBytes::new_with` clears the whole buffer before handing it out, so that safe code
//! never sees uninitialised memory. An encoded packet then costs a clear plus a write of
//! every byte: at 64 KiB the clear alone was a third of `encode()`. Here the buffer is
//! handed out as `MaybeUninit<u8>` (what it is), the core writes it through `BufMut`, and the
//! object is returned only once every byte has been written.
//!
//! This is the crate's only `unsafe` code: two calls into the CPython C API.

#![allow(unsafe_code)]

use core::mem::MaybeUninit;
use pyo3::exceptions::PySystemError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// A `bytes` of exactly `len` bytes, filled by `fill`, which returns how many it wrote.
/// Fails with `fill`'s error, or with `SystemError` if `fill` wrote another number than
/// `len` (the object is then dropped, never seen by Python code).
pub(crate) fn new_bytes<'py>(
    py: Python<'py>,
    len: usize,
    fill: impl FnOnce(&mut [MaybeUninit<u8>]) -> PyResult<usize>,
) -> PyResult<Bound<'py, PyBytes>> {
    let size = ffi::Py_ssize_t::try_from(len)
        .map_err(|_| PySystemError::new_err("encoded packet larger than a bytes object"))?;
    // SAFETY: `PyBytes_FromStringAndSize(NULL, size)` returns a new reference to a `bytes`
    // of `size` bytes whose contents are left uninitialised, or NULL with an exception set,
    // which `from_owned_ptr_or_err` turns into the `Err`. The GIL is held (`py`).
    let object = unsafe {
        Bound::from_owned_ptr_or_err(py, ffi::PyBytes_FromStringAndSize(core::ptr::null(), size))
    }?;
    let bytes = object.cast_into::<PyBytes>()?;
    // SAFETY: the object is a `bytes` of `len` bytes (made above, with its type checked), so
    // `PyBytes_AsString` returns a pointer to `len` writable bytes (plus CPython's trailing
    // NUL) that live as long as the object, which `bytes` keeps alive past this borrow. No
    // other code holds the object yet, so this is the only reference to the buffer; it is
    // viewed as `MaybeUninit<u8>`, so the uninitialised contents are never read as `u8`.
    let buffer = unsafe {
        let data = ffi::PyBytes_AsString(bytes.as_ptr());
        if data.is_null() {
            return Err(PyErr::fetch(py));
        }
        core::slice::from_raw_parts_mut(data.cast::<MaybeUninit<u8>>(), len)
    };
    let written = fill(buffer)?;
    if written != len {
        return Err(PySystemError::new_err(format!(
            "encoder wrote {written} bytes of {len}"
        )));
    }
    Ok(bytes)
}
