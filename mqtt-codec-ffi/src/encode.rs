//! Encoding from a packet struct the caller filled: the exact size, then the bytes into the
//! caller's buffer, with no allocation.

use crate::c_args::bytes_mut;
use crate::convert::{build_packet, version_of, Scratch};
use crate::guard;
use crate::status::{self, mqtt_status, mqtt_status::*};
use crate::types::*;
use codec::EncodeError;

/// The exact number of bytes `mqtt_encode()` writes for `packet` under `version`
/// (`MQTT_V3_1`, `MQTT_V3_1_1` or `MQTT_V5`), computed without allocating. Fails with the
/// rule the packet breaks, or `MQTT_ERR_NOT_REPRESENTABLE` when `version` cannot carry it.
///
/// ```c
/// size_t need;
/// if (mqtt_encoded_len(&p, MQTT_V5, &need) == MQTT_OK && need <= sizeof buf) encode_now();
/// ```
///
/// # Safety
/// `packet` must be NULL or readable, with every view and list in it valid; `len` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_encoded_len(
    packet: *const mqtt_packet,
    version: u8,
    len: *mut usize,
) -> mqtt_status {
    guard(|| {
        if packet.is_null() || len.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { len.write(0) };
        let Some(version) = version_of(version) else {
            return MQTT_ERR_INVALID_ARGUMENT;
        };
        let mut scratch = Scratch::default();
        // Used where it was built (by reference): moving it out copies it in wide loads that
        // wait on the narrower stores that wrote it.
        // SAFETY: non-NULL; readable with valid views for this call by the caller's contract.
        let built = unsafe { build_packet(&*packet, version, &mut scratch) };
        let packet = match &built {
            Ok(p) => p,
            Err(s) => return *s,
        };
        match packet.encoded_len(version) {
            Ok(n) => {
                // SAFETY: as above.
                unsafe { len.write(n) };
                MQTT_OK
            }
            Err(e) => status::of_encode(&e),
        }
    })
}

/// Encodes `packet` under `version` into `buf` without allocating; `*written` is the number
/// of bytes. Checks every rule first and writes nothing on error. When `buf_len` is too small
/// it returns `MQTT_ERR_BUFFER_TOO_SMALL` with the size needed in `*written`.
///
/// ```c
/// mqtt_packet p;
/// mqtt_packet_init(&p, MQTT_PACKET_PUBLISH);
/// p.topic.ptr = (const uint8_t *)"PV/sunshine"; p.topic.len = 11;
/// p.payload.ptr = (const uint8_t *)"true"; p.payload.len = 4;
/// uint8_t buf[64];
/// size_t n;
/// if (mqtt_encode(&p, MQTT_V3_1_1, buf, sizeof buf, &n) == MQTT_OK) send(fd, buf, n, 0);
/// ```
///
/// # Safety
/// `packet` must be NULL or readable, with every view and list in it valid; `buf` NULL or
/// writable for `buf_len` bytes (and not overlapping the packet's views); `written` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_encode(
    packet: *const mqtt_packet,
    version: u8,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> mqtt_status {
    guard(|| {
        if packet.is_null() || written.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { written.write(0) };
        let Some(version) = version_of(version) else {
            return MQTT_ERR_INVALID_ARGUMENT;
        };
        let mut scratch = Scratch::default();
        // Used in place, as in `mqtt_encoded_len`.
        // SAFETY: non-NULL; readable with valid views for this call by the caller's contract.
        let built = unsafe { build_packet(&*packet, version, &mut scratch) };
        let packet = match &built {
            Ok(p) => p,
            Err(s) => return *s,
        };
        // SAFETY: non-NULL, writable for `buf_len` bytes and not overlapping the views read
        // above, by the caller's contract.
        let out = match unsafe { bytes_mut(buf, buf_len) } {
            Ok(out) => out,
            Err(s) => return s,
        };
        match packet.encode_to_slice(version, out) {
            Ok(n) => {
                // SAFETY: as above.
                unsafe { written.write(n) };
                MQTT_OK
            }
            Err(EncodeError::BufferTooSmall { needed, .. }) => {
                // SAFETY: as above.
                unsafe { written.write(needed) };
                MQTT_ERR_BUFFER_TOO_SMALL
            }
            Err(e) => status::of_encode(&e),
        }
    })
}
