//! Topic helpers: validate a topic name or filter, match a filter against a name.

use crate::guard;
use crate::status::{self, mqtt_status, mqtt_status::*};
use codec::{topic_matches, validate_str, validate_topic_filter, validate_topic_name};

/// The UTF-8 text of a caller's view.
///
/// # Safety
/// `ptr` must be NULL (with `len` 0) or readable for `len` bytes.
unsafe fn text<'a>(ptr: *const u8, len: usize) -> Result<&'a str, mqtt_status> {
    // SAFETY: the contract of this function.
    let bytes = unsafe { crate::c_args::bytes(ptr, len) }?;
    validate_str(bytes).map_err(status::of_str)
}

/// Checks a topic name (for PUBLISH): a non-empty MQTT string without `+` or `#`. Returns
/// `MQTT_OK` or the `MQTT_ERR_TOPIC_*` / `MQTT_ERR_INVALID_STRING` status saying why not.
///
/// ```c
/// if (mqtt_topic_name_validate((const uint8_t *)"PV/sunshine", 11) != MQTT_OK) abort();
/// ```
///
/// # Safety
/// `name` must be NULL or readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn mqtt_topic_name_validate(name: *const u8, len: usize) -> mqtt_status {
    guard(|| {
        // SAFETY: NULL (with `len` 0) or readable for `len` bytes by the caller's contract.
        let name = match unsafe { text(name, len) } {
            Ok(s) => s,
            Err(s) => return s,
        };
        validate_topic_name(name).map_or_else(|e| status::of_topic(&e), |()| MQTT_OK)
    })
}

/// Checks a topic filter (for SUBSCRIBE): wildcards only as whole levels, `#` last; with
/// `shared_subscriptions`, `$share/NAME/FILTER` must be well-formed too.
///
/// ```c
/// mqtt_status st = mqtt_topic_filter_validate((const uint8_t *)"PV/#", 4, true); // MQTT_OK
/// ```
///
/// # Safety
/// `filter` must be NULL or readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn mqtt_topic_filter_validate(
    filter: *const u8,
    len: usize,
    shared_subscriptions: bool,
) -> mqtt_status {
    guard(|| {
        // SAFETY: NULL (with `len` 0) or readable for `len` bytes by the caller's contract.
        let filter = match unsafe { text(filter, len) } {
            Ok(s) => s,
            Err(s) => return s,
        };
        validate_topic_filter(filter, shared_subscriptions)
            .map_or_else(|e| status::of_topic(&e), |()| MQTT_OK)
    })
}

/// Whether `filter` matches the topic name `name` (`+` one level, `#` the rest; a `$` topic
/// is not matched by a leading wildcard; a `$share/NAME/` prefix is ignored). Both are
/// validated first; `*matches` is set on `MQTT_OK`.
///
/// ```c
/// bool m;
/// mqtt_topic_matches((const uint8_t *)"PV/#", 4, (const uint8_t *)"PV/sunshine", 11, &m);
/// ```
///
/// # Safety
/// `filter` and `name` must be NULL or readable for their lengths; `matches` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_topic_matches(
    filter: *const u8,
    filter_len: usize,
    name: *const u8,
    name_len: usize,
    matches: *mut bool,
) -> mqtt_status {
    guard(|| {
        if matches.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: non-NULL and readable for their lengths by the caller's contract.
        let texts = unsafe { (text(filter, filter_len), text(name, name_len)) };
        let (filter, name) = match texts {
            (Ok(f), Ok(n)) => (f, n),
            (Err(s), _) | (_, Err(s)) => return s,
        };
        if let Err(e) = validate_topic_filter(filter, true) {
            return status::of_topic(&e);
        }
        if let Err(e) = validate_topic_name(name) {
            return status::of_topic(&e);
        }
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { matches.write(topic_matches(filter, name)) };
        MQTT_OK
    })
}
