//! `mqtt_codec.ReceiveBuffer` (the abi3-py311 wheel, feature `abi3-py311`): the client
//! session's own receive buffer lent to one read, as a writable buffer object, so that `asyncio.BufferedProtocol` or `socket.recv_into` writes received bytes
//! straight where the session's decoder parses them. The buffer protocol joined the stable
//! ABI in 3.11; the abi3-py39 wheel has no such class and copies each chunk instead.
//!
//! With `new_bytes`, this is where the crate calls the C API itself.
#![allow(unsafe_code)]

use mqtt_codec::client::LentBuffer;
use pyo3::exceptions::PyBufferError;
use pyo3::ffi;
use pyo3::prelude::*;
use std::os::raw::c_int;
use std::sync::atomic::{AtomicUsize, Ordering};

/// ReceiveBuffer: room in a Client's receive buffer for one read, from
/// `Client.get_buffer`. Write into it (`recv_into`, `memoryview(buf)[:n] = ...`), then
/// give it back with `Client.buffer_updated(n, now)`. It is writable, one-dimensional,
/// of bytes.
#[pyclass(name = "ReceiveBuffer", module = "mqtt_codec")]
pub struct PyReceiveBuffer {
    /// Taken back by `Client.buffer_updated`; `None` after that.
    lent: Option<LentBuffer>,
    /// Buffer views given out and not released: the memory must stay where it is.
    exports: AtomicUsize,
}

impl PyReceiveBuffer {
    pub(crate) fn new(lent: LentBuffer) -> Self {
        PyReceiveBuffer {
            lent: Some(lent),
            exports: AtomicUsize::new(0),
        }
    }

    /// Takes the lent buffer back, unless a view of it is still held (writing through it
    /// later would reach memory the session reuses).
    pub(crate) fn take(&mut self) -> PyResult<LentBuffer> {
        if self.exports.load(Ordering::Acquire) > 0 {
            return Err(PyBufferError::new_err(
                "a view of the receive buffer is still held: release it before buffer_updated()",
            ));
        }
        self.lent
            .take()
            .ok_or_else(|| PyBufferError::new_err("this receive buffer was already given back"))
    }
}

#[pymethods]
impl PyReceiveBuffer {
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        let (ptr, len) = {
            let mut this = slf.borrow_mut();
            let Some(lent) = this.lent.as_mut() else {
                return Err(PyBufferError::new_err(
                    "this receive buffer was already given back",
                ));
            };
            let room = lent.room();
            (room.as_mut_ptr(), room.len())
        };
        // SAFETY: `view` is the Py_buffer CPython passes to this slot. `ptr..ptr + len` is
        // the room of the LentBuffer this object owns: its heap memory does not move while
        // the object holds it, and `take` refuses to give it back while `exports` counts a
        // view, so the memory outlives every view; PyBuffer_FillInfo makes `view.obj` a
        // new reference to this object, which keeps the object alive as long as the view.
        let filled = unsafe {
            ffi::PyBuffer_FillInfo(
                view,
                slf.as_ptr(),
                ptr.cast(),
                len as ffi::Py_ssize_t,
                0,
                flags,
            )
        };
        if filled != 0 {
            return Err(PyErr::fetch(slf.py()));
        }
        slf.borrow().exports.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    unsafe fn __releasebuffer__(&self, _view: *mut ffi::Py_buffer) {
        self.exports.fetch_sub(1, Ordering::AcqRel);
    }

    fn __len__(&self) -> usize {
        self.lent.as_ref().map_or(0, LentBuffer::room_len)
    }
}
