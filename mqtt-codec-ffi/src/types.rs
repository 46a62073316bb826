//! The plain C structs and constants: a packet, its properties, views and lists.

use core::ffi::c_void;
use core::ptr;

mod properties;
pub use properties::*;

/// MQTT 3.1 (protocol name `MQIsdp`, level 3).
pub const MQTT_V3_1: u8 = 3;
/// MQTT 3.1.1 (protocol name `MQTT`, level 4).
pub const MQTT_V3_1_1: u8 = 4;
/// MQTT 5.0 (protocol name `MQTT`, level 5).
pub const MQTT_V5: u8 = 5;
/// No version yet: a server-side decoder learns it from the first packet, a CONNECT.
pub const MQTT_VERSION_UNKNOWN: u8 = 0;

/// The receiving side is not known: packets of either direction are accepted.
pub const MQTT_ROLE_ANY: u8 = 0;
/// We are the client: packets come from a server.
pub const MQTT_ROLE_CLIENT: u8 = 1;
/// We are the server: packets come from a client.
pub const MQTT_ROLE_SERVER: u8 = 2;

/// CONNECT.
pub const MQTT_PACKET_CONNECT: u8 = 1;
/// CONNACK.
pub const MQTT_PACKET_CONNACK: u8 = 2;
/// PUBLISH.
pub const MQTT_PACKET_PUBLISH: u8 = 3;
/// PUBACK.
pub const MQTT_PACKET_PUBACK: u8 = 4;
/// PUBREC.
pub const MQTT_PACKET_PUBREC: u8 = 5;
/// PUBREL.
pub const MQTT_PACKET_PUBREL: u8 = 6;
/// PUBCOMP.
pub const MQTT_PACKET_PUBCOMP: u8 = 7;
/// SUBSCRIBE.
pub const MQTT_PACKET_SUBSCRIBE: u8 = 8;
/// SUBACK.
pub const MQTT_PACKET_SUBACK: u8 = 9;
/// UNSUBSCRIBE.
pub const MQTT_PACKET_UNSUBSCRIBE: u8 = 10;
/// UNSUBACK.
pub const MQTT_PACKET_UNSUBACK: u8 = 11;
/// PINGREQ.
pub const MQTT_PACKET_PINGREQ: u8 = 12;
/// PINGRESP.
pub const MQTT_PACKET_PINGRESP: u8 = 13;
/// DISCONNECT.
pub const MQTT_PACKET_DISCONNECT: u8 = 14;
/// AUTH (5.0 only).
pub const MQTT_PACKET_AUTH: u8 = 15;

/// Retain handling 0: send retained messages at subscribe.
pub const MQTT_RETAIN_SEND_AT_SUBSCRIBE: u8 = 0;
/// Retain handling 1: send retained messages only for a new subscription.
pub const MQTT_RETAIN_SEND_IF_NEW: u8 = 1;
/// Retain handling 2: do not send retained messages.
pub const MQTT_RETAIN_DO_NOT_SEND: u8 = 2;

/// An empty list (any field may hold it).
pub const MQTT_LIST_NONE: u8 = 0;
/// A list of `mqtt_subscription` (SUBSCRIBE).
pub const MQTT_LIST_SUBSCRIPTIONS: u8 = 1;
/// A list of topic filters as `mqtt_bytes` (UNSUBSCRIBE).
pub const MQTT_LIST_TOPIC_FILTERS: u8 = 2;
/// A list of `uint8_t` reason codes (SUBACK, UNSUBACK).
pub const MQTT_LIST_REASON_CODES: u8 = 3;
/// A list of `mqtt_user_property`.
pub const MQTT_LIST_USER_PROPERTIES: u8 = 4;
/// A list of `uint32_t` subscription identifiers.
pub const MQTT_LIST_SUBSCRIPTION_IDENTIFIERS: u8 = 5;

/// The largest packet MQTT can express: 268,435,460 bytes.
pub const MQTT_MAX_PACKET_SIZE: usize = 268_435_460;

/// A view of bytes owned by someone else: a pointer and a length.
///
/// Decoded views point into the caller's buffer (one-shot decode) or into the decoder
/// (streaming). For an optional field (user name, password, string and binary properties)
/// `ptr == NULL` means absent; a present but empty field has a non-NULL `ptr` and `len == 0`.
/// Strings are UTF-8 and not NUL-terminated: print them with `"%.*s", (int)v.len, v.ptr`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mqtt_bytes {
    /// The first byte, or NULL.
    pub ptr: *const u8,
    /// The number of bytes.
    pub len: usize,
}

impl Default for mqtt_bytes {
    fn default() -> Self {
        mqtt_bytes {
            ptr: ptr::null(),
            len: 0,
        }
    }
}

impl mqtt_bytes {
    /// A view of `b`.
    pub(crate) fn of(b: &[u8]) -> Self {
        mqtt_bytes {
            ptr: b.as_ptr(),
            len: b.len(),
        }
    }

    /// A view of `b`, or an absent one.
    pub(crate) fn opt(b: Option<&[u8]>) -> Self {
        b.map(mqtt_bytes::of).unwrap_or_default()
    }

    /// True when the view shares a byte with the `cap` bytes at `out`: an encoder must not
    /// write where it reads (by addresses alone; nothing is dereferenced).
    pub(crate) fn overlaps(&self, out: *const u8, cap: usize) -> bool {
        let (start, end) = (
            self.ptr as usize,
            (self.ptr as usize).saturating_add(self.len),
        );
        let (out_start, out_end) = (out as usize, (out as usize).saturating_add(cap));
        !self.ptr.is_null() && self.len > 0 && cap > 0 && start < out_end && out_start < end
    }
}

/// One User Property: a name and a value, both UTF-8 strings.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct mqtt_user_property {
    /// The name.
    pub name: mqtt_bytes,
    /// The value.
    pub value: mqtt_bytes,
}

/// One subscription of a SUBSCRIBE: a topic filter and its options.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct mqtt_subscription {
    /// The topic filter.
    pub filter: mqtt_bytes,
    /// The maximum QoS, 0 to 2.
    pub qos: u8,
    /// 5.0 No Local.
    pub no_local: bool,
    /// 5.0 Retain As Published.
    pub retain_as_published: bool,
    /// 5.0 Retain Handling, one of `MQTT_RETAIN_*`.
    pub retain_handling: u8,
}

/// A list: subscriptions, topic filters, reason codes, user properties or subscription
/// identifiers, read with `mqtt_list_iter_init()` and the `mqtt_list_next_*()` functions.
///
/// A decoded list is either a region of the received packet (one-shot decode, walked item by
/// item without allocating) or an array owned by the streaming decoder; a decoded list of
/// reason codes always has `items` (its region is an array of one-byte codes). To encode, point
/// `items` at your own array with one of the `mqtt_list_of_*()` functions. A zeroed list is
/// empty. Treat the fields as read-only unless you build the list yourself.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mqtt_list {
    /// What the items are: one of `MQTT_LIST_*`.
    pub kind: u8,
    /// The protocol level the region was decoded under (internal).
    pub version: u8,
    /// The number of items.
    pub count: usize,
    /// An array of `count` items of the kind's type, or NULL.
    pub items: *const c_void,
    /// The region of the packet the items are read from (internal), or NULL.
    pub raw: *const u8,
    /// The length of `raw`.
    pub raw_len: usize,
}

impl Default for mqtt_list {
    fn default() -> Self {
        mqtt_list {
            kind: MQTT_LIST_NONE,
            version: 0,
            count: 0,
            items: ptr::null(),
            raw: ptr::null(),
            raw_len: 0,
        }
    }
}

/// A position in an `mqtt_list`, set up by `mqtt_list_iter_init()`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct mqtt_list_iter {
    /// The rest of the list.
    pub list: mqtt_list,
    /// How many items were returned so far.
    pub index: usize,
}

/// The will of a CONNECT.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct mqtt_will {
    /// The will topic, a topic name.
    pub topic: mqtt_bytes,
    /// The will payload.
    pub payload: mqtt_bytes,
    /// The will QoS, 0 to 2.
    pub qos: u8,
    /// The will retain flag.
    pub retain: bool,
    /// The will properties (5.0).
    pub properties: mqtt_properties,
}

/// One MQTT control packet of any type and version, as plain fields.
///
/// `packet_type` (one of `MQTT_PACKET_*`) says which fields are used; the others are zero
/// after a decode and ignored by an encode. Start from `mqtt_packet_init()` (or a zeroed
/// struct) to encode.
///
/// | packet | fields |
/// |---|---|
/// | CONNECT | protocol_version, clean_start, keep_alive, client_id, has_will, will, username, password, properties |
/// | CONNACK | session_present, reason_code, properties |
/// | PUBLISH | dup, qos, retain, topic, packet_id (QoS 1 and 2), payload, properties |
/// | PUBACK, PUBREC, PUBREL, PUBCOMP | packet_id, reason_code, properties |
/// | SUBSCRIBE | packet_id, subscriptions, properties |
/// | SUBACK, UNSUBACK | packet_id, reason_codes, properties |
/// | UNSUBSCRIBE | packet_id, topic_filters, properties |
/// | DISCONNECT, AUTH | reason_code, properties |
/// | PINGREQ, PINGRESP | none |
///
/// Reason codes are MQTT 5.0 values under every version: a 3.1.1 CONNACK return code 1 reads
/// as 0x84 (see `mqtt_connack_v3_return_code()`), SUBACK codes 0, 1, 2 and 0x80 are the same.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct mqtt_packet {
    /// One of `MQTT_PACKET_*`.
    pub packet_type: u8,
    /// CONNECT: the protocol level it carries (`MQTT_V3_1`, `MQTT_V3_1_1`, `MQTT_V5`); when
    /// encoding, 0 means the version passed to the encoder.
    pub protocol_version: u8,
    /// CONNECT: clean session (3.x) or clean start (5.0).
    pub clean_start: bool,
    /// CONNECT: keep alive, seconds.
    pub keep_alive: u16,
    /// CONNECT: the client identifier.
    pub client_id: mqtt_bytes,
    /// CONNECT: a will is present in `will`.
    pub has_will: bool,
    /// CONNECT: the will, if `has_will`.
    pub will: mqtt_will,
    /// CONNECT: the user name (NULL `ptr` when absent).
    pub username: mqtt_bytes,
    /// CONNECT: the password (NULL `ptr` when absent).
    pub password: mqtt_bytes,
    /// CONNACK: session present.
    pub session_present: bool,
    /// CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, DISCONNECT, AUTH: the reason code.
    pub reason_code: u8,
    /// PUBLISH: the DUP flag.
    pub dup: bool,
    /// PUBLISH: the QoS, 0 to 2.
    pub qos: u8,
    /// PUBLISH: the RETAIN flag.
    pub retain: bool,
    /// PUBLISH: the topic name (empty in 5.0 with a Topic Alias).
    pub topic: mqtt_bytes,
    /// PUBLISH: the payload.
    pub payload: mqtt_bytes,
    /// The packet identifier (PUBLISH at QoS 1 and 2, the acknowledgements, SUBSCRIBE,
    /// SUBACK, UNSUBSCRIBE, UNSUBACK); never 0 where used.
    pub packet_id: u16,
    /// SUBSCRIBE: the subscriptions.
    pub subscriptions: mqtt_list,
    /// UNSUBSCRIBE: the topic filters.
    pub topic_filters: mqtt_list,
    /// SUBACK, UNSUBACK: the reason codes.
    pub reason_codes: mqtt_list,
    /// The packet's 5.0 properties (empty under 3.x).
    pub properties: mqtt_properties,
}

impl mqtt_packet {
    /// Sets every field of `*p` to its default in place: no type, no flags, empty views and
    /// lists. Writing a `mqtt_packet::default()` builds the ~700-byte struct on the stack
    /// first, which a microcontroller pays for in every call.
    ///
    /// # Safety
    /// `p` must be valid for writing one `mqtt_packet` (its current bytes may be anything).
    pub(crate) unsafe fn clear(p: *mut mqtt_packet) {
        const _: () = assert!(MQTT_LIST_NONE == 0);
        // SAFETY: writable by the contract; every field of mqtt_packet is an integer, a bool
        // or a raw pointer, whose all-zero value is valid and is the field's default (0,
        // false, NULL, MQTT_LIST_NONE), so the result equals `mqtt_packet::default()`.
        unsafe { core::ptr::write_bytes(p, 0, 1) };
    }
}

/// How to decode: the connection's version, the receiving side and the size limit.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct mqtt_decode_options {
    /// `MQTT_V3_1`, `MQTT_V3_1_1`, `MQTT_V5`, or `MQTT_VERSION_UNKNOWN` (only a CONNECT is
    /// accepted then, and it says its version). A CONNECT is always read under the level it
    /// names, whatever this says: a server that does not speak that level answers it with
    /// CONNACK 0x01 (5.0: 0x84), which it can only do having read it.
    pub version: u8,
    /// `MQTT_ROLE_CLIENT`, `MQTT_ROLE_SERVER` or `MQTT_ROLE_ANY`: the side receiving.
    pub role: u8,
    /// The largest packet accepted, header included; 0 means `MQTT_MAX_PACKET_SIZE`.
    pub max_packet_size: usize,
}
