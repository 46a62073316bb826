//! The one-shot, allocation-free [`mqtt_decode`] over the caller's buffer.

use crate::convert::{fill_packet, parse_options, Wire};
use crate::status::{self, mqtt_status, mqtt_status::*};
use crate::types::*;
use crate::{c_args, guard};
use codec::{Packet, Status};

/// Decodes one packet at the start of `buf` without allocating.
///
/// Returns `MQTT_OK` with the packet in `*out` and the bytes it used in `*bytes`;
/// `MQTT_NEED_MORE` with `*bytes` set to how many more bytes are needed at least (call again
/// with more); or a decode error (100 to 199: close the connection). The views in `*out` point
/// into `buf` and are valid as long as `buf` is. Lists are read with `mqtt_list_iter_init()`.
///
/// ```c
/// mqtt_decode_options opts = { MQTT_V5, MQTT_ROLE_CLIENT, 0 };
/// mqtt_packet p;
/// size_t n;
/// mqtt_status st = mqtt_decode(buf, len, &opts, &p, &n);
/// if (st == MQTT_OK && p.packet_type == MQTT_PACKET_PUBLISH)
///     printf("%.*s\n", (int)p.topic.len, (const char *)p.topic.ptr);
/// ```
///
/// # Safety
/// Each pointer must be NULL or valid: `buf` for `len` bytes, `opts` readable, `out` and
/// `bytes` writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_decode(
    buf: *const u8,
    len: usize,
    opts: *const mqtt_decode_options,
    out: *mut mqtt_packet,
    bytes: *mut usize,
) -> mqtt_status {
    guard(|| {
        if opts.is_null() || out.is_null() || bytes.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        if !out.is_aligned() || !opts.is_aligned() || !bytes.is_aligned() {
            return MQTT_ERR_INVALID_ARGUMENT;
        }
        // SAFETY: all non-NULL; by the caller's contract `opts` is readable and `out` and
        // `bytes` are writable, and none overlap the others or `buf`. `out` may be
        // uninitialised: it is cleared through the raw pointer before a reference is made.
        let (opts, out, bytes) = unsafe {
            mqtt_packet::clear(out);
            (&*opts, &mut *out, &mut *bytes)
        };
        // SAFETY: NULL (with `len` 0) or `len` readable bytes by the caller's contract.
        let data = match unsafe { c_args::bytes(buf, len) } {
            Ok(data) => data,
            Err(s) => {
                *bytes = 0;
                return s;
            }
        };
        // `out` is cleared once, above, and filled in place with the packet; on every other
        // outcome it stays cleared.
        let opts = match parse_options(opts) {
            Ok(o) => o,
            Err(s) => {
                *bytes = 0;
                return s;
            }
        };
        // Read where the parser left it: moving the packet out copies it in wide loads
        // that wait on the narrower stores that wrote it.
        let parsed = codec::parse(data, &opts);
        match &parsed {
            Ok(Status::Complete((packet, used))) => {
                let level = match (packet, opts.version) {
                    (Packet::Connect(c), _) => c.protocol_version().level(),
                    (_, Some(v)) => v.level(),
                    (_, None) => 0,
                };
                fill_packet(packet, level, &mut Wire, out);
                *bytes = *used;
                MQTT_OK
            }
            Ok(Status::Partial(n)) => {
                *bytes = *n;
                MQTT_NEED_MORE
            }
            Err(e) => {
                *bytes = 0;
                status::of_decode(e)
            }
        }
    })
}
