//! What a client session (`mqtt_session`, `mqtt_fixed_session`) tells the application, as
//! a flat C struct: `kind` says which fields are used.

use crate::types::*;

/// No event (a cleared struct).
pub const MQTT_SESSION_EVENT_NONE: u8 = 0;
/// CONNACK accepted the connection: `session_present`, `properties` (5.0: the server's
/// limits, assigned client identifier, ...).
pub const MQTT_SESSION_EVENT_CONNECTED: u8 = 1;
/// CONNACK refused the connection: `reason_code` (3.1.1 return codes as their 5.0
/// equivalents: 1 is 0x84, ...), `server_speaks_v3`. The session is idle again.
pub const MQTT_SESSION_EVENT_CONNECTION_REFUSED: u8 = 2;
/// A message from the server: `topic`, `payload`, `qos`, `retain`, `dup`, `packet_id` (0 at
/// QoS 0), `ack_id` (with `auto_ack` off, the identifier to pass to `mqtt_session_ack()`;
/// else 0), `properties` (5.0).
pub const MQTT_SESSION_EVENT_MESSAGE: u8 = 3;
/// A QoS 1 or 2 message of ours completed (PUBACK, or PUBCOMP): `packet_id`, `reason_code`
/// (0x00, or 0x10 No matching subscribers).
pub const MQTT_SESSION_EVENT_PUBLISHED: u8 = 4;
/// A QoS 1 or 2 message of ours will not complete: `packet_id`, and either `session_lost`
/// (the server did not resume the session it was in flight in) or the server's refusal in
/// `reason_code` (5.0, 0x80 or more).
pub const MQTT_SESSION_EVENT_PUBLISH_FAILED: u8 = 5;
/// SUBACK: `packet_id`, `reason_codes` (one per filter: the granted QoS 0 to 2, or a failure
/// of 0x80 or more).
pub const MQTT_SESSION_EVENT_SUBSCRIBED: u8 = 6;
/// UNSUBACK: `packet_id`, `reason_codes` (5.0, one per filter; empty in 3.x).
pub const MQTT_SESSION_EVENT_UNSUBSCRIBED: u8 = 7;
/// The connection ended before this SUBSCRIBE's SUBACK: `packet_id` (free again),
/// `subscriptions` (what it asked for). Subscribe again to be sure. Comes just before
/// `MQTT_SESSION_EVENT_DISCONNECTED`.
pub const MQTT_SESSION_EVENT_SUBSCRIBE_LOST: u8 = 8;
/// The connection ended before this UNSUBSCRIBE's UNSUBACK: `packet_id`. Comes just before
/// `MQTT_SESSION_EVENT_DISCONNECTED`.
pub const MQTT_SESSION_EVENT_UNSUBSCRIBE_LOST: u8 = 9;
/// The server did not resume the session on reconnect: the subscriptions the application
/// had are gone; `subscriptions` lists them (`count` of them, each filter with the options
/// it was granted) so that it can subscribe again.
pub const MQTT_SESSION_EVENT_SUBSCRIPTIONS_LOST: u8 = 10;
/// A re-authentication (`mqtt_session_reauthenticate()`, 5.0) succeeded.
pub const MQTT_SESSION_EVENT_REAUTHENTICATED: u8 = 11;
/// The connection ended: `has_reason_code` and `reason_code` (sent by the server in a 5.0
/// DISCONNECT; or, when the server broke a rule, the code for it, which this session sends
/// in its 5.0 DISCONNECT and under 3.x, which has no such DISCONNECT, only reports; absent
/// when the connection was lost), `by_server` (the server sent DISCONNECT). Close the
/// socket; call `mqtt_session_connect()` on a new one to go on.
pub const MQTT_SESSION_EVENT_DISCONNECTED: u8 = 12;

/// An event of a session, from `mqtt_session_poll_event()` or
/// `mqtt_fixed_session_poll_event()`. `kind` (one of `MQTT_SESSION_EVENT_*`) says which
/// fields are used; the others are zero.
///
/// The views (`topic`, `payload`, the strings in `properties`) and the lists
/// (`reason_codes`, `subscriptions`, the lists in `properties`) point into the session. The
/// heap session's stay valid until the next `mqtt_session_poll_event()` or
/// `mqtt_session_free()`, whatever else is called meanwhile; the heap-free session's only
/// until the next call on it (they are in its receive buffer, which the next `receive`
/// moves). Copy what you keep longer. The heap-free session keeps no list of subscriptions:
/// its `SUBSCRIBE_LOST` and `SUBSCRIPTIONS_LOST` carry an empty `subscriptions`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct mqtt_session_event {
    /// One of `MQTT_SESSION_EVENT_*`.
    pub kind: u8,
    /// CONNECTED: the server resumed a stored session.
    pub session_present: bool,
    /// CONNECTION_REFUSED: the server answered a 5.0 CONNECT in MQTT 3.1.1: it does not
    /// speak 5.0; make a 3.1.1 session and retry.
    pub server_speaks_v3: bool,
    /// CONNECTION_REFUSED, PUBLISHED, PUBLISH_FAILED (unless `session_lost`), DISCONNECTED
    /// (if `has_reason_code`): the reason code (an MQTT 5.0 value).
    pub reason_code: u8,
    /// DISCONNECTED: `reason_code` holds a reason (false: the connection was lost).
    pub has_reason_code: bool,
    /// DISCONNECTED: the server sent DISCONNECT.
    pub by_server: bool,
    /// PUBLISH_FAILED: the server did not resume the session the message was in flight in.
    pub session_lost: bool,
    /// MESSAGE: the QoS, 0 to 2.
    pub qos: u8,
    /// MESSAGE: the RETAIN flag.
    pub retain: bool,
    /// MESSAGE: the DUP flag (the server sent it before).
    pub dup: bool,
    /// The packet identifier: MESSAGE (0 at QoS 0), PUBLISHED, PUBLISH_FAILED, SUBSCRIBED,
    /// UNSUBSCRIBED, SUBSCRIBE_LOST, UNSUBSCRIBE_LOST.
    pub packet_id: u16,
    /// MESSAGE with `auto_ack` off, QoS 1 or 2: the identifier to pass to
    /// `mqtt_session_ack()`; 0 otherwise.
    pub ack_id: u16,
    /// MESSAGE: the topic name (a topic alias already resolved).
    pub topic: mqtt_bytes,
    /// MESSAGE: the payload.
    pub payload: mqtt_bytes,
    /// SUBSCRIBED, UNSUBSCRIBED: the reason codes, a list of `uint8_t` (`items` is an array
    /// of `count` of them; or read them with `mqtt_list_next_reason_code()`).
    pub reason_codes: mqtt_list,
    /// SUBSCRIBE_LOST (what it asked for), SUBSCRIPTIONS_LOST (each filter with the options
    /// it was granted): a list of `mqtt_subscription` (`items` is an array of `count`; or
    /// read them with `mqtt_list_next_subscription()`).
    pub subscriptions: mqtt_list,
    /// CONNECTED: the CONNACK's properties; MESSAGE: the PUBLISH's (5.0; empty otherwise).
    pub properties: mqtt_properties,
}

impl mqtt_session_event {
    /// An event of no kind yet, its lists empty and of the kinds they hold.
    pub(crate) fn blank() -> Self {
        let mut out = mqtt_session_event {
            reason_codes: mqtt_list {
                kind: MQTT_LIST_REASON_CODES,
                ..mqtt_list::default()
            },
            subscriptions: mqtt_list {
                kind: MQTT_LIST_SUBSCRIPTIONS,
                ..mqtt_list::default()
            },
            ..mqtt_session_event::default()
        };
        out.properties.user_properties.kind = MQTT_LIST_USER_PROPERTIES;
        out.properties.subscription_identifiers.kind = MQTT_LIST_SUBSCRIPTION_IDENTIFIERS;
        out
    }
}
