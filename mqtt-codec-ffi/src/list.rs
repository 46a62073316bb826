//! Reading lists (subscriptions, topic filters, reason codes, user properties, subscription
//! identifiers) without allocating, and making lists of the caller's arrays for encoding.

use crate::convert::{subscription_to_c, user_property_to_c, CItem};
use crate::guard;
use crate::status::{mqtt_status, mqtt_status::*};
use crate::types::*;
use codec::{Borrowed, MqttStr, ReasonCode, Subscription, UserProperty};
use core::ffi::c_void;
use core::slice;

/// Sets `it` to the start of `list`.
///
/// ```c
/// mqtt_list_iter it;
/// mqtt_subscription s;
/// mqtt_list_iter_init(&it, &p.subscriptions);
/// while (mqtt_list_next_subscription(&it, &s) == MQTT_OK)
///     printf("%.*s QoS %u\n", (int)s.filter.len, (const char *)s.filter.ptr, s.qos);
/// ```
///
/// # Safety
/// `it` must be NULL or writable; `list` NULL or readable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_list_iter_init(
    it: *mut mqtt_list_iter,
    list: *const mqtt_list,
) -> mqtt_status {
    guard(|| {
        if it.is_null() || list.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: non-NULL; readable and writable by the caller's contract.
        unsafe {
            it.write(mqtt_list_iter {
                list: *list,
                index: 0,
            })
        };
        MQTT_OK
    })
}

/// Advances `it` by one item of kind `T` and converts it with `to_c`.
///
/// # Safety
/// `it` and `out` must be NULL or valid; the list's items or region must be valid.
unsafe fn next<'a, T: CItem<'a>>(
    it: *mut mqtt_list_iter,
    out: *mut T::C,
    to_c: impl FnOnce(&T) -> T::C,
) -> mqtt_status
where
    T::C: Copy,
{
    guard(|| {
        if it.is_null() || out.is_null() {
            return MQTT_ERR_NULL_POINTER;
        }
        // SAFETY: non-NULL; a valid iterator by the caller's contract.
        let it = unsafe { &mut *it };
        let l = &mut it.list;
        if it.index >= l.count {
            return MQTT_END;
        }
        if l.kind != T::KIND {
            return MQTT_ERR_INVALID_ARGUMENT;
        }
        let item = if !l.items.is_null() {
            let items = l.items.cast::<T::C>();
            if !items.is_aligned() {
                return MQTT_ERR_INVALID_ARGUMENT;
            }
            // SAFETY: `items` holds `count` elements (by the list's contract: made by the
            // decoder or by the caller with `mqtt_list_of_*()`), and `index < count`.
            unsafe { *items.add(it.index) }
        } else if !l.raw.is_null() {
            // SAFETY: a decoded region of `raw_len` bytes, valid while the decoded buffer is.
            let mut raw: &'a [u8] = unsafe { slice::from_raw_parts(l.raw, l.raw_len) };
            let Some(item) = T::next_raw(&mut raw, l.version) else {
                return MQTT_ERR_INVALID_ARGUMENT;
            };
            l.raw = raw.as_ptr();
            l.raw_len = raw.len();
            to_c(&item)
        } else {
            return MQTT_ERR_NULL_POINTER;
        };
        it.index += 1;
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { out.write(item) };
        MQTT_OK
    })
}

/// The next subscription of a SUBSCRIBE's `subscriptions`: `MQTT_OK`, or `MQTT_END` after the
/// last. Its filter is a view into the same buffer as the packet's.
///
/// ```c
/// while (mqtt_list_next_subscription(&it, &s) == MQTT_OK) subscribe(&s);
/// ```
///
/// # Safety
/// `it` from `mqtt_list_iter_init()` on a list whose buffer is still valid; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_list_next_subscription(
    it: *mut mqtt_list_iter,
    out: *mut mqtt_subscription,
) -> mqtt_status {
    // SAFETY: the caller's contract is the one of `next`.
    unsafe { next::<Subscription<Borrowed<'_>>>(it, out, subscription_to_c) }
}

/// The next topic filter of an UNSUBSCRIBE's `topic_filters`: `MQTT_OK`, or `MQTT_END`.
///
/// ```c
/// mqtt_bytes f;
/// while (mqtt_list_next_topic_filter(&it, &f) == MQTT_OK) unsubscribe(f);
/// ```
///
/// # Safety
/// `it` from `mqtt_list_iter_init()` on a list whose buffer is still valid; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_list_next_topic_filter(
    it: *mut mqtt_list_iter,
    out: *mut mqtt_bytes,
) -> mqtt_status {
    // SAFETY: the caller's contract is the one of `next`.
    unsafe { next::<MqttStr<&[u8]>>(it, out, |f| mqtt_bytes::of(f.as_bytes())) }
}

/// The next reason code of a SUBACK's or UNSUBACK's `reason_codes`: `MQTT_OK`, or `MQTT_END`.
///
/// ```c
/// uint8_t rc;
/// while (mqtt_list_next_reason_code(&it, &rc) == MQTT_OK) printf("0x%02x\n", rc);
/// ```
///
/// # Safety
/// `it` from `mqtt_list_iter_init()` on a list whose buffer is still valid; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_list_next_reason_code(
    it: *mut mqtt_list_iter,
    out: *mut u8,
) -> mqtt_status {
    // SAFETY: the caller's contract is the one of `next`.
    unsafe { next::<ReasonCode>(it, out, |c| c.value()) }
}

/// The next User Property of a `user_properties` list: `MQTT_OK`, or `MQTT_END`.
///
/// ```c
/// mqtt_user_property up;
/// mqtt_list_iter_init(&it, &p.properties.user_properties);
/// while (mqtt_list_next_user_property(&it, &up) == MQTT_OK) print_pair(up.name, up.value);
/// ```
///
/// # Safety
/// `it` from `mqtt_list_iter_init()` on a list whose buffer is still valid; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_list_next_user_property(
    it: *mut mqtt_list_iter,
    out: *mut mqtt_user_property,
) -> mqtt_status {
    // SAFETY: the caller's contract is the one of `next`.
    unsafe { next::<UserProperty<Borrowed<'_>>>(it, out, user_property_to_c) }
}

/// The next Subscription Identifier of a `subscription_identifiers` list: `MQTT_OK`, or
/// `MQTT_END`.
///
/// ```c
/// uint32_t id;
/// mqtt_list_iter_init(&it, &p.properties.subscription_identifiers);
/// while (mqtt_list_next_subscription_identifier(&it, &id) == MQTT_OK) route(id);
/// ```
///
/// # Safety
/// `it` from `mqtt_list_iter_init()` on a list whose buffer is still valid; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn mqtt_list_next_subscription_identifier(
    it: *mut mqtt_list_iter,
    out: *mut u32,
) -> mqtt_status {
    // SAFETY: the caller's contract is the one of `next`.
    unsafe { next::<u32>(it, out, |id| *id) }
}

fn of_array<T>(items: *const T, count: usize, kind: u8) -> mqtt_list {
    mqtt_list {
        kind,
        count,
        items: items.cast::<c_void>(),
        ..mqtt_list::default()
    }
}

/// A list of the caller's array of `count` subscriptions, for encoding a SUBSCRIBE. The array
/// must outlive the encode call.
///
/// ```c
/// mqtt_subscription subs[1] = {{{(const uint8_t *)"PV/#", 4}, 1, false, false, 0}};
/// p.subscriptions = mqtt_list_of_subscriptions(subs, 1);
/// ```
#[no_mangle]
pub extern "C" fn mqtt_list_of_subscriptions(
    items: *const mqtt_subscription,
    count: usize,
) -> mqtt_list {
    of_array(items, count, MQTT_LIST_SUBSCRIPTIONS)
}

/// A list of the caller's array of `count` topic filters, for encoding an UNSUBSCRIBE.
///
/// ```c
/// mqtt_bytes filters[1] = {{(const uint8_t *)"PV/#", 4}};
/// p.topic_filters = mqtt_list_of_topic_filters(filters, 1);
/// ```
#[no_mangle]
pub extern "C" fn mqtt_list_of_topic_filters(items: *const mqtt_bytes, count: usize) -> mqtt_list {
    of_array(items, count, MQTT_LIST_TOPIC_FILTERS)
}

/// A list of the caller's array of `count` reason codes, for encoding a SUBACK or UNSUBACK.
///
/// ```c
/// uint8_t codes[2] = {0x01, 0x80};
/// p.reason_codes = mqtt_list_of_reason_codes(codes, 2);
/// ```
#[no_mangle]
pub extern "C" fn mqtt_list_of_reason_codes(items: *const u8, count: usize) -> mqtt_list {
    of_array(items, count, MQTT_LIST_REASON_CODES)
}

/// A list of the caller's array of `count` User Properties.
///
/// ```c
/// mqtt_user_property up[1] = {{{(const uint8_t *)"k", 1}, {(const uint8_t *)"v", 1}}};
/// p.properties.user_properties = mqtt_list_of_user_properties(up, 1);
/// ```
#[no_mangle]
pub extern "C" fn mqtt_list_of_user_properties(
    items: *const mqtt_user_property,
    count: usize,
) -> mqtt_list {
    of_array(items, count, MQTT_LIST_USER_PROPERTIES)
}

/// A list of the caller's array of `count` Subscription Identifiers.
///
/// ```c
/// uint32_t ids[1] = {7};
/// p.properties.subscription_identifiers = mqtt_list_of_subscription_identifiers(ids, 1);
/// ```
#[no_mangle]
pub extern "C" fn mqtt_list_of_subscription_identifiers(
    items: *const u32,
    count: usize,
) -> mqtt_list {
    of_array(items, count, MQTT_LIST_SUBSCRIPTION_IDENTIFIERS)
}
