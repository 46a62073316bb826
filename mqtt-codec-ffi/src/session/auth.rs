//! Enhanced authentication for the C client session (MQTT 5.0 §4.12): SCRAM-SHA-256 (RFC
//! 7677), the method the library ships, and re-authentication on a live connection.

use super::{live, mqtt_session, with};
use crate::c_args::bytes;
use crate::status::{self, mqtt_status, mqtt_status::*};
use crate::types::mqtt_bytes;
use alloc::boxed::Box;
use codec::client::ScramAuthenticator;

/// `b` as UTF-8 text (SCRAM's user name and password).
///
/// # Safety
/// `b`'s view must be readable.
unsafe fn text(b: &mqtt_bytes) -> Result<&str, mqtt_status> {
    // SAFETY: the view is readable by this function's contract.
    let raw = unsafe { bytes(b.ptr, b.len) }?;
    core::str::from_utf8(raw).map_err(|_| MQTT_ERR_INVALID_ARGUMENT)
}

/// Authenticates the session's CONNECTs with SCRAM-SHA-256 (5.0 enhanced authentication,
/// RFC 7677): `user` and `password` (UTF-8), and `nonce`, the client nonce of the next
/// exchange (printable ASCII without a comma; draw at least 18 random bytes and encode them,
/// for example in base64: the session has no random source of its own). CONNECT carries
/// the method and the first message, the server's challenge is answered, and the server's
/// final message in CONNACK must prove that it knows the password; a server that fails
/// the proof is disconnected with 0x87 (Not authorized).
///
/// Each exchange (a connect, a re-authentication) uses up the nonce: call this again with
/// a fresh one before the next, between exchanges (without one, `mqtt_session_connect()`
/// and `mqtt_session_reauthenticate()` return `MQTT_ERR_SESSION_AUTH_NOT_READY`).
/// `MQTT_ERR_INVALID_ARGUMENT` for a 3.x session (enhanced authentication is 5.0's), text
/// that is not UTF-8, or a bad nonce.
///
/// ```c
/// mqtt_bytes user = {(const uint8_t *)"user", 4}, password = {(const uint8_t *)"pencil", 6};
/// mqtt_bytes nonce = {(const uint8_t *)nonce_text, strlen(nonce_text)}; // fresh each time
/// mqtt_session_set_scram(s, user, password, nonce);
/// mqtt_session_connect(s, tick());
/// ```
///
/// # Safety
/// `s` must be NULL or a live session; the three views must be readable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_set_scram(
    s: *mut mqtt_session,
    user: mqtt_bytes,
    password: mqtt_bytes,
    nonce: mqtt_bytes,
) -> mqtt_status {
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        if !h.session.config().version.is_v5() {
            return Err(MQTT_ERR_INVALID_ARGUMENT);
        }
        // SAFETY: the views are readable by the caller's contract.
        let (user, password, nonce) = unsafe { (text(&user)?, text(&password)?, text(&nonce)?) };
        if !codec::scram::is_valid_nonce(nonce) {
            return Err(MQTT_ERR_INVALID_ARGUMENT);
        }
        let scram = ScramAuthenticator::new(user, password, nonce);
        h.session.set_authenticator(Box::new(scram));
        Ok(MQTT_OK)
    })
}

/// Re-authenticates on the live connection: AUTH 0x19 with the method of CONNECT
/// ([MQTT-4.12.1-1]), answered as at connect; `MQTT_SESSION_EVENT_REAUTHENTICATED` when
/// the server accepts, its DISCONNECT otherwise. Give a fresh nonce first
/// (`mqtt_session_set_scram()`): `MQTT_ERR_SESSION_AUTH_NOT_READY` without one.
/// `MQTT_ERR_SESSION_NOT_CONNECTED` without a connection that authenticated, or while a
/// re-authentication runs.
///
/// # Safety
/// `s` must be NULL or a live session.
#[no_mangle]
pub unsafe extern "C" fn mqtt_session_reauthenticate(
    s: *mut mqtt_session,
    now: u32,
) -> mqtt_status {
    // SAFETY: the caller's contract.
    let h = unsafe { live(s) };
    with(h, |h| {
        let now = h.clock.advance(now);
        h.session
            .reauthenticate(now)
            .map_err(|e| status::of_session(&e))?;
        Ok(MQTT_OK)
    })
}
