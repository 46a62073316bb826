//! Reading the caller's arguments: byte views given as pointer and length, and optional
//! out parameters.

use crate::status::{mqtt_status, mqtt_status::*};
use core::slice;

/// The `len` bytes at `ptr` (NULL only with `len == 0`, read as empty). A length beyond
/// `isize::MAX` is no buffer (a `-1` from `recv()` passed on unchecked, say) and is refused
/// with `MQTT_ERR_INVALID_ARGUMENT` before any byte is read.
///
/// # Safety
/// A non-NULL `ptr` must point to `len` readable bytes that outlive `'a`.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], mqtt_status> {
    if len > isize::MAX as usize {
        return Err(MQTT_ERR_INVALID_ARGUMENT);
    }
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(MQTT_ERR_NULL_POINTER)
        };
    }
    // SAFETY: non-NULL, and `len` readable bytes living for 'a by the caller's contract.
    Ok(unsafe { slice::from_raw_parts(ptr, len) })
}

/// The `len` writable bytes at `ptr` (NULL only with `len == 0`, an empty buffer), with the
/// rules of [`bytes`].
///
/// # Safety
/// A non-NULL `ptr` must point to `len` writable bytes that outlive `'a`, referenced by
/// nothing else meanwhile.
pub(crate) unsafe fn bytes_mut<'a>(ptr: *mut u8, len: usize) -> Result<&'a mut [u8], mqtt_status> {
    if len > isize::MAX as usize {
        return Err(MQTT_ERR_INVALID_ARGUMENT);
    }
    if ptr.is_null() {
        return if len == 0 {
            Ok(&mut [])
        } else {
            Err(MQTT_ERR_NULL_POINTER)
        };
    }
    // SAFETY: non-NULL, and `len` writable bytes, unaliased, for 'a by the caller's contract.
    Ok(unsafe { slice::from_raw_parts_mut(ptr, len) })
}

/// Writes `v` to an optional out parameter.
///
/// # Safety
/// `out` must be NULL or writable.
pub(crate) unsafe fn put<T>(out: *mut T, v: T) {
    if !out.is_null() {
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { out.write(v) };
    }
}
