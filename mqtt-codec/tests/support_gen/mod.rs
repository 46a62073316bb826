//! Shared proptest generators of VALID MQTT packets for every version, plus small helpers
//! (hex parsing, the receiving side a packet is addressed to).
//!
//! Every generator respects the rules of the checklist (/work/shared/spec/checklist.md):
//! non-zero packet identifiers, no identifier at QoS 0, DUP only at QoS 1/2, topic names
//! without wildcards, well-formed filters (5.0 `$share/` rules included), the allowed
//! property set per packet (checklist §3, written out here independently of the library),
//! property value ranges (PR-7), the reason codes a packet may carry (§4), and the
//! cross-field rules (CONNACK session present only with Success, 3.1.1 password needs a
//! user name, 3.1.1 empty client id needs clean session, CONNECT auth data needs a method,
//! AUTH needs a method unless it is the bare success form, 5.0 empty topic needs an alias).

#![allow(dead_code)]

use bytes::Bytes;
use mqtt_codec::{
    Auth, ConnAck, Connect, Disconnect, MqttStr, Packet, PacketId, PacketType, Properties,
    ProtocolVersion, PubResponse, Publish, QoS, ReasonCode, RetainHandling, Role, SubAck,
    Subscribe, Subscription, SubscriptionOptions, TopicFilter, TopicName, UnsubAck, Unsubscribe,
    UserProperty, Will, MAX_VARINT,
};
use proptest::collection::vec;
use proptest::option::weighted;
use proptest::prelude::*;
use proptest::sample::select;

/// The three versions.
pub const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V3_1,
    ProtocolVersion::V3_1_1,
    ProtocolVersion::V5,
];

/// Parses a hex string such as `"10 1B 00 04"` (whitespace ignored).
pub fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(
        digits.len() % 2 == 0,
        "odd number of hex digits in {text:?}"
    );
    digits
        .chunks(2)
        .map(|pair| {
            u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16)
                .unwrap_or_else(|e| panic!("bad hex {pair:?} in {text:?}: {e}"))
        })
        .collect()
}

/// Formats bytes as upper-case hex separated by spaces (for failure messages).
pub fn to_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------------------
// Scalars and strings
// ---------------------------------------------------------------------------------------

/// A non-zero packet identifier, biased towards the edges.
pub fn arb_packet_id() -> impl Strategy<Value = PacketId> {
    prop_oneof![
        1 => Just(1u16),
        1 => Just(u16::MAX),
        6 => 1..=u16::MAX,
    ]
    .prop_map(|n| PacketId::new(n).unwrap())
}

pub fn arb_qos() -> impl Strategy<Value = QoS> {
    select(vec![QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])
}

/// Any character allowed in an MQTT string (everything but U+0000), biased towards
/// interesting ones: `/`, `$`, space, multi-byte UTF-8, U+FEFF, wildcards.
fn arb_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => select(vec![
            'a', 'b', 'z', 'A', '0', '9', '/', '$', ' ', '-', '_', 'é', '€', '\u{FEFF}', '😀',
            '+', '#', '\u{1}', '\u{7F}',
        ]),
        1 => any::<char>(),
    ]
    .prop_filter("no U+0000 in MQTT strings", |c| *c != '\0')
}

/// A character allowed inside one topic level: no `/`, `+`, `#` or U+0000.
fn arb_level_char() -> impl Strategy<Value = char> {
    arb_char().prop_filter("not a separator or wildcard", |c| {
        !matches!(c, '/' | '+' | '#')
    })
}

/// A valid MQTT string of at most `max` characters.
pub fn arb_string(max: usize) -> impl Strategy<Value = String> {
    vec(arb_char(), 0..=max).prop_map(|v| v.into_iter().collect())
}

pub fn arb_mqtt_str(max: usize) -> impl Strategy<Value = MqttStr> {
    arb_string(max).prop_map(|s| MqttStr::new(&s).unwrap())
}

/// Binary data (password, payloads, correlation/authentication data).
pub fn arb_bytes(max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..=max).prop_map(Bytes::from)
}

/// One topic level (possibly empty).
fn arb_level() -> impl Strategy<Value = String> {
    vec(arb_level_char(), 0..=4).prop_map(|v| v.into_iter().collect())
}

/// A valid topic name as a `String`: non-empty, no wildcards, empty levels allowed.
pub fn arb_topic_name_string() -> impl Strategy<Value = String> {
    vec(arb_level(), 1..=4)
        .prop_map(|levels| levels.join("/"))
        .prop_map(|s| if s.is_empty() { "t".to_string() } else { s })
}

pub fn arb_topic_name() -> impl Strategy<Value = TopicName> {
    arb_topic_name_string().prop_map(|s| TopicName::new(&s).unwrap())
}

/// A valid (non-shared) topic filter as a `String`: `+` as whole levels, `#` only last.
fn arb_plain_filter_string() -> impl Strategy<Value = String> {
    (
        vec(
            prop_oneof![2 => Just("+".to_string()), 3 => arb_level()],
            1..=4,
        ),
        any::<bool>(),
    )
        .prop_map(|(mut levels, hash)| {
            if hash {
                levels.push("#".to_string());
            }
            let s = levels.join("/");
            if s.is_empty() {
                "#".to_string()
            } else {
                s
            }
        })
}

/// A valid topic filter for `version`; under 5.0 sometimes a shared `$share/NAME/FILTER`.
pub fn arb_topic_filter_string(version: ProtocolVersion) -> BoxedStrategy<String> {
    let v5 = version.is_v5();
    let share_name = vec(arb_level_char(), 1..=4).prop_map(|v| v.into_iter().collect::<String>());
    prop_oneof![
        4 => arb_plain_filter_string(),
        1 => (share_name, arb_plain_filter_string())
            .prop_map(|(name, inner)| format!("$share/{name}/{inner}")),
    ]
    .prop_filter("filter valid for the version", move |f| {
        mqtt_codec::validate_topic_filter(f, v5).is_ok()
    })
    .boxed()
}

pub fn arb_topic_filter(version: ProtocolVersion) -> BoxedStrategy<TopicFilter> {
    // TopicFilter::new always applies the 5.0 rules; 3.x filters such as "$share/g" are valid
    // there but cannot be built with it, so keep only what it accepts.
    arb_topic_filter_string(version)
        .prop_filter_map("TopicFilter::new accepts it", |f| TopicFilter::new(&f).ok())
        .boxed()
}

pub fn codes_for(packet_type: PacketType) -> Vec<ReasonCode> {
    (0..=255u8)
        .filter_map(ReasonCode::from_u8)
        .filter(|c| c.allowed_in(packet_type))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

/// Which property section is generated (checklist §3, "Allowed-set lookup").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropCtx {
    Connect,
    ConnAck,
    Publish,
    /// PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK.
    Ack,
    Subscribe,
    Unsubscribe,
    Disconnect,
    Auth,
    Will,
}

impl PropCtx {
    pub fn allowed(self) -> &'static [u8] {
        match self {
            PropCtx::Connect => &[0x11, 0x15, 0x16, 0x17, 0x19, 0x21, 0x22, 0x26, 0x27],
            PropCtx::Will => &[0x01, 0x02, 0x03, 0x08, 0x09, 0x18, 0x26],
            PropCtx::ConnAck => &[
                0x11, 0x12, 0x13, 0x15, 0x16, 0x1A, 0x1C, 0x1F, 0x21, 0x22, 0x24, 0x25, 0x26, 0x27,
                0x28, 0x29, 0x2A,
            ],
            PropCtx::Publish => &[0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x23, 0x26],
            PropCtx::Ack => &[0x1F, 0x26],
            PropCtx::Subscribe => &[0x0B, 0x26],
            PropCtx::Unsubscribe => &[0x26],
            PropCtx::Disconnect => &[0x11, 0x1C, 0x1F, 0x26],
            PropCtx::Auth => &[0x15, 0x16, 0x1F, 0x26],
        }
    }

    fn max_subscription_ids(self) -> usize {
        match self {
            PropCtx::Publish => 3,
            PropCtx::Subscribe => 1,
            _ => 0,
        }
    }
}

fn opt<T: std::fmt::Debug + Clone>(
    s: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Option<T>> {
    weighted(0.25, s).boxed()
}

fn arb_user_property() -> impl Strategy<Value = UserProperty> {
    // Sometimes long enough that the Property Length needs two bytes.
    let value = prop_oneof![6 => arb_string(4), 1 => arb_string(150)];
    (arb_string(4), value).prop_map(|(n, v)| UserProperty::new(&n, &v).unwrap())
}

fn arb_subscription_id() -> impl Strategy<Value = u32> {
    prop_oneof![
        3 => 1..128u32,
        2 => 128..=MAX_VARINT,
        1 => Just(MAX_VARINT),
    ]
}

/// The property section of `ctx`, with values in range (PR-7): Byte properties 0 or 1;
/// Receive Maximum, Maximum Packet Size, Topic Alias and Subscription Identifier non-zero.
pub fn arb_properties(ctx: PropCtx) -> BoxedStrategy<Properties> {
    let a = (
        opt(0..=1u8),          // 0x01 payload format indicator
        opt(any::<u32>()),     // 0x02 message expiry interval
        opt(arb_mqtt_str(6)),  // 0x03 content type
        opt(arb_topic_name()), // 0x08 response topic
        opt(arb_bytes(6)),     // 0x09 correlation data
        opt(any::<u32>()),     // 0x11 session expiry interval
        opt(arb_mqtt_str(6)),  // 0x12 assigned client identifier
        opt(any::<u16>()),     // 0x13 server keep alive
        opt(arb_mqtt_str(6)),  // 0x15 authentication method
        opt(arb_bytes(6)),     // 0x16 authentication data
    );
    let b = (
        opt(0..=1u8),         // 0x17 request problem information
        opt(any::<u32>()),    // 0x18 will delay interval
        opt(0..=1u8),         // 0x19 request response information
        opt(arb_mqtt_str(6)), // 0x1A response information
        opt(arb_mqtt_str(6)), // 0x1C server reference
        opt(arb_mqtt_str(6)), // 0x1F reason string
        opt(1..=u16::MAX),    // 0x21 receive maximum
        opt(any::<u16>()),    // 0x22 topic alias maximum
        opt(1..=u16::MAX),    // 0x23 topic alias
        opt(0..=1u8),         // 0x24 maximum qos
    );
    let c = (
        opt(0..=1u8),      // 0x25 retain available
        opt(1..=u32::MAX), // 0x27 maximum packet size
        opt(0..=1u8),      // 0x28 wildcard subscription available
        opt(0..=1u8),      // 0x29 subscription identifier available
        opt(0..=1u8),      // 0x2A shared subscription available
        vec(arb_subscription_id(), 0..=ctx.max_subscription_ids()),
        vec(arb_user_property(), 0..=2),
    );
    (a, b, c)
        .prop_map(move |(a, b, c)| {
            let has = |id: u8| ctx.allowed().contains(&id);
            let mut p = Properties::default();
            macro_rules! set {
                ($id:literal, $field:ident, $value:expr) => {
                    if has($id) {
                        p.$field = $value;
                    }
                };
            }
            set!(0x01, payload_format_indicator, a.0);
            set!(0x02, message_expiry_interval, a.1);
            set!(0x03, content_type, a.2);
            set!(0x08, response_topic, a.3);
            set!(0x09, correlation_data, a.4);
            set!(0x11, session_expiry_interval, a.5);
            set!(0x12, assigned_client_identifier, a.6);
            set!(0x13, server_keep_alive, a.7);
            set!(0x15, authentication_method, a.8);
            set!(0x16, authentication_data, a.9);
            set!(0x17, request_problem_information, b.0);
            set!(0x18, will_delay_interval, b.1);
            set!(0x19, request_response_information, b.2);
            set!(0x1A, response_information, b.3);
            set!(0x1C, server_reference, b.4);
            set!(0x1F, reason_string, b.5);
            set!(0x21, receive_maximum, b.6);
            set!(0x22, topic_alias_maximum, b.7);
            set!(0x23, topic_alias, b.8);
            set!(0x24, maximum_qos, b.9);
            set!(0x25, retain_available, c.0);
            set!(0x27, maximum_packet_size, c.1);
            set!(0x28, wildcard_subscription_available, c.2);
            set!(0x29, subscription_identifier_available, c.3);
            set!(0x2A, shared_subscription_available, c.4);
            set!(0x0B, subscription_identifiers, c.5);
            set!(0x26, user_properties, c.6);
            p
        })
        .boxed()
}

/// Properties for `version`: empty under 3.x.
pub fn props_for(version: ProtocolVersion, ctx: PropCtx) -> BoxedStrategy<Properties> {
    if version.is_v5() {
        arb_properties(ctx)
    } else {
        Just(Properties::default()).boxed()
    }
}

// ---------------------------------------------------------------------------------------
// Packets
// ---------------------------------------------------------------------------------------

pub fn arb_will(version: ProtocolVersion) -> BoxedStrategy<Will> {
    (
        arb_topic_name(),
        arb_bytes(8),
        arb_qos(),
        any::<bool>(),
        props_for(version, PropCtx::Will),
    )
        .prop_map(|(topic, payload, qos, retain, properties)| Will {
            topic,
            payload,
            qos,
            retain,
            properties: properties.into(),
        })
        .boxed()
}

pub fn arb_connect(version: ProtocolVersion) -> BoxedStrategy<Connect> {
    // MQTT 3.1 client identifiers are 1 to 23 characters.
    let client_id = if version == ProtocolVersion::V3_1 {
        vec(arb_char(), 1..=23)
            .prop_map(|v| MqttStr::new(&v.into_iter().collect::<String>()).unwrap())
            .boxed()
    } else {
        prop_oneof![1 => Just(MqttStr::default()), 4 => arb_mqtt_str(23)].boxed()
    };
    (
        any::<bool>(),
        any::<u16>(),
        client_id,
        weighted(0.4, arb_will(version)),
        weighted(0.4, arb_mqtt_str(8)),
        weighted(0.4, arb_bytes(8)),
        props_for(version, PropCtx::Connect),
    )
        .prop_map(
            move |(clean_start, keep_alive, client_id, will, username, password, mut props)| {
                let mut connect = Connect::new(version, client_id);
                connect.clean_start = clean_start;
                connect.keep_alive = keep_alive;
                connect.will = will;
                connect.username = username;
                connect.password = password;
                if !version.is_v5() && connect.password.is_some() && connect.username.is_none() {
                    // 3.x: Password Flag requires User Name Flag [MQTT-3.1.2-22].
                    connect.username = Some(MqttStr::new("user").unwrap());
                }
                if version == ProtocolVersion::V3_1_1 && connect.client_id.is_empty() {
                    // 3.1.1: empty ClientId requires CleanSession [MQTT-3.1.3-7].
                    connect.clean_start = true;
                }
                if props.authentication_data.is_some() && props.authentication_method.is_none() {
                    // CON-25: Authentication Data only with Authentication Method.
                    props.authentication_method = Some(MqttStr::new("SCRAM-SHA-1").unwrap());
                }
                connect.properties = props.into();
                connect
            },
        )
        .boxed()
}

pub fn arb_connack(version: ProtocolVersion) -> BoxedStrategy<ConnAck> {
    let codes = if version.is_v5() {
        codes_for(PacketType::ConnAck)
    } else {
        // The six 3.x return codes, as the reason codes they map to.
        [0x00, 0x84, 0x85, 0x88, 0x86, 0x87]
            .into_iter()
            .map(|c| ReasonCode::from_u8(c).unwrap())
            .collect()
    };
    (
        any::<bool>(),
        prop_oneof![1 => Just(ReasonCode::Success), 2 => select(codes)],
        props_for(version, PropCtx::ConnAck),
    )
        .prop_map(move |(sp, reason_code, properties)| ConnAck {
            // Session Present only with Success (CAK-4), and never in 3.1 (no such flag).
            session_present: sp
                && reason_code == ReasonCode::Success
                && version != ProtocolVersion::V3_1,
            reason_code,
            properties: properties.into(),
        })
        .boxed()
}

pub fn arb_publish(version: ProtocolVersion) -> BoxedStrategy<Publish> {
    let v5 = version.is_v5();
    let topic = if v5 {
        prop_oneof![6 => arb_topic_name(), 1 => Just(TopicName::empty_for_alias())].boxed()
    } else {
        arb_topic_name().boxed()
    };
    (
        any::<bool>(),
        arb_qos(),
        any::<bool>(),
        topic,
        arb_packet_id(),
        props_for(version, PropCtx::Publish),
        prop_oneof![4 => arb_bytes(16), 1 => arb_bytes(300)],
    )
        .prop_map(|(dup, qos, retain, topic, id, mut properties, payload)| {
            if topic.is_empty() && properties.topic_alias.is_none() {
                // PUB-8: an empty topic needs a Topic Alias.
                properties.topic_alias = Some(1);
            }
            Publish {
                dup: dup && qos != QoS::AtMostOnce,
                qos,
                retain,
                topic,
                packet_id: (qos != QoS::AtMostOnce).then_some(id),
                properties: properties.into(),
                payload,
            }
        })
        .boxed()
}

pub fn arb_pub_response(
    version: ProtocolVersion,
    packet_type: PacketType,
) -> BoxedStrategy<PubResponse> {
    let code = if version.is_v5() {
        prop_oneof![1 => Just(ReasonCode::Success), 2 => select(codes_for(packet_type))].boxed()
    } else {
        Just(ReasonCode::Success).boxed()
    };
    (arb_packet_id(), code, props_for(version, PropCtx::Ack))
        .prop_map(|(packet_id, reason_code, properties)| PubResponse {
            packet_id,
            reason_code,
            properties: properties.into(),
        })
        .boxed()
}

pub fn arb_subscription(version: ProtocolVersion) -> BoxedStrategy<Subscription> {
    let v5 = version.is_v5();
    let extras = if v5 {
        (
            any::<bool>(),
            any::<bool>(),
            select(vec![
                RetainHandling::SendAtSubscribe,
                RetainHandling::SendIfNew,
                RetainHandling::DoNotSend,
            ]),
        )
            .boxed()
    } else {
        Just((false, false, RetainHandling::SendAtSubscribe)).boxed()
    };
    (arb_topic_filter(version), arb_qos(), extras)
        .prop_map(move |(filter, qos, (nl, rap, rh))| {
            // SUB-9: no No Local on a shared subscription.
            let shared = v5 && filter.shared().is_some();
            Subscription {
                filter,
                options: SubscriptionOptions {
                    qos,
                    no_local: nl && !shared,
                    retain_as_published: rap,
                    retain_handling: rh,
                },
            }
        })
        .boxed()
}

pub fn arb_subscribe(version: ProtocolVersion) -> BoxedStrategy<Subscribe> {
    (
        arb_packet_id(),
        props_for(version, PropCtx::Subscribe),
        vec(arb_subscription(version), 1..=4),
    )
        .prop_map(|(packet_id, properties, subscriptions)| Subscribe {
            packet_id,
            properties: properties.into(),
            subscriptions,
        })
        .boxed()
}

pub fn arb_suback(version: ProtocolVersion) -> BoxedStrategy<SubAck> {
    let codes = if version.is_v5() {
        codes_for(PacketType::SubAck)
    } else {
        [0x00, 0x01, 0x02, 0x80]
            .into_iter()
            .map(|c| ReasonCode::from_u8(c).unwrap())
            .collect()
    };
    (
        arb_packet_id(),
        props_for(version, PropCtx::Ack),
        vec(select(codes), 1..=5),
    )
        .prop_map(|(packet_id, properties, reason_codes)| SubAck {
            packet_id,
            properties: properties.into(),
            reason_codes,
        })
        .boxed()
}

pub fn arb_unsubscribe(version: ProtocolVersion) -> BoxedStrategy<Unsubscribe> {
    (
        arb_packet_id(),
        props_for(version, PropCtx::Unsubscribe),
        vec(
            arb_topic_filter_string(version).prop_map(|f| MqttStr::new(&f).unwrap()),
            1..=4,
        ),
    )
        .prop_map(|(packet_id, properties, filters)| Unsubscribe {
            packet_id,
            properties: properties.into(),
            filters,
        })
        .boxed()
}

pub fn arb_unsuback(version: ProtocolVersion) -> BoxedStrategy<UnsubAck> {
    // 3.x UNSUBACK has no payload: it decodes with an empty list.
    let codes = if version.is_v5() {
        vec(select(codes_for(PacketType::UnsubAck)), 1..=5).boxed()
    } else {
        Just(Vec::new()).boxed()
    };
    (arb_packet_id(), props_for(version, PropCtx::Ack), codes)
        .prop_map(|(packet_id, properties, reason_codes)| UnsubAck {
            packet_id,
            properties: properties.into(),
            reason_codes,
        })
        .boxed()
}

pub fn arb_disconnect(version: ProtocolVersion) -> BoxedStrategy<Disconnect> {
    if !version.is_v5() {
        return Just(Disconnect::default()).boxed();
    }
    (
        prop_oneof![1 => Just(ReasonCode::Success), 2 => select(codes_for(PacketType::Disconnect))],
        arb_properties(PropCtx::Disconnect),
    )
        .prop_map(|(reason_code, properties)| Disconnect {
            reason_code,
            properties: properties.into(),
        })
        .boxed()
}

/// AUTH (5.0 only): either the bare success form, or with an Authentication Method.
pub fn arb_auth() -> BoxedStrategy<Auth> {
    (
        select(codes_for(PacketType::Auth)),
        arb_properties(PropCtx::Auth),
    )
        .prop_map(|(reason_code, mut properties)| {
            let bare = reason_code == ReasonCode::Success && properties.is_empty();
            if !bare && properties.authentication_method.is_none() {
                properties.authentication_method = Some(MqttStr::new("SCRAM-SHA-1").unwrap());
            }
            Auth {
                reason_code,
                properties: properties.into(),
            }
        })
        .boxed()
}

/// The packet types that exist in `version`.
pub fn packet_types(version: ProtocolVersion) -> Vec<PacketType> {
    (1..=15u8)
        .filter_map(PacketType::from_u8)
        .filter(|t| *t != PacketType::Auth || version.is_v5())
        .collect()
}

/// A valid packet of type `packet_type` for `version`.
pub fn arb_packet_of(version: ProtocolVersion, packet_type: PacketType) -> BoxedStrategy<Packet> {
    match packet_type {
        PacketType::Connect => arb_connect(version).prop_map(Packet::from).boxed(),
        PacketType::ConnAck => arb_connack(version).prop_map(Packet::ConnAck).boxed(),
        PacketType::Publish => arb_publish(version).prop_map(Packet::Publish).boxed(),
        PacketType::PubAck => arb_pub_response(version, packet_type)
            .prop_map(Packet::PubAck)
            .boxed(),
        PacketType::PubRec => arb_pub_response(version, packet_type)
            .prop_map(Packet::PubRec)
            .boxed(),
        PacketType::PubRel => arb_pub_response(version, packet_type)
            .prop_map(Packet::PubRel)
            .boxed(),
        PacketType::PubComp => arb_pub_response(version, packet_type)
            .prop_map(Packet::PubComp)
            .boxed(),
        PacketType::Subscribe => arb_subscribe(version).prop_map(Packet::Subscribe).boxed(),
        PacketType::SubAck => arb_suback(version).prop_map(Packet::SubAck).boxed(),
        PacketType::Unsubscribe => arb_unsubscribe(version)
            .prop_map(Packet::Unsubscribe)
            .boxed(),
        PacketType::UnsubAck => arb_unsuback(version).prop_map(Packet::UnsubAck).boxed(),
        PacketType::PingReq => Just(Packet::PingReq).boxed(),
        PacketType::PingResp => Just(Packet::PingResp).boxed(),
        PacketType::Disconnect => arb_disconnect(version).prop_map(Packet::Disconnect).boxed(),
        PacketType::Auth => {
            assert!(version.is_v5(), "AUTH exists only in MQTT 5.0");
            arb_auth().prop_map(Packet::Auth).boxed()
        }
    }
}

/// A valid packet of any type that exists in `version`.
pub fn arb_packet(version: ProtocolVersion) -> BoxedStrategy<Packet> {
    let all: Vec<BoxedStrategy<Packet>> = packet_types(version)
        .into_iter()
        .map(|t| arb_packet_of(version, t))
        .collect();
    proptest::strategy::Union::new(all).boxed()
}

/// A version and a packet of that version.
pub fn arb_versioned_packet() -> BoxedStrategy<(ProtocolVersion, Packet)> {
    select(VERSIONS.to_vec())
        .prop_flat_map(|v| arb_packet(v).prop_map(move |p| (v, p)))
        .boxed()
}

// ---------------------------------------------------------------------------------------
// Direction
// ---------------------------------------------------------------------------------------

/// A receiving side that may legally receive `packet` under `version` (FH-4, PUB-18,
/// DIS-4, DIS-6, AUT-4), or `None` when the packet travels both ways without
/// direction-dependent content. Returns `Err(())` when no side may receive it (a
/// combination only a role-less decoder accepts, such as a server-only DISCONNECT code
/// together with Session Expiry Interval).
pub fn receiver_for(packet: &Packet, version: ProtocolVersion) -> Result<Option<Role>, ()> {
    use Role::{Client, Server};
    Ok(match packet {
        Packet::Connect(_) | Packet::Subscribe(_) | Packet::Unsubscribe(_) | Packet::PingReq => {
            Some(Server)
        }
        Packet::ConnAck(_) | Packet::SubAck(_) | Packet::UnsubAck(_) | Packet::PingResp => {
            Some(Client)
        }
        Packet::Publish(p) => (!p.properties.subscription_identifiers.is_empty()).then_some(Client),
        Packet::PubAck(_) | Packet::PubRec(_) | Packet::PubRel(_) | Packet::PubComp(_) => None,
        Packet::Disconnect(d) => {
            if !version.is_v5() {
                return Ok(Some(Server));
            }
            let code = d.reason_code.value();
            let client_only = code == 0x04;
            let server_only = matches!(
                code,
                0x87 | 0x89 | 0x8B | 0x8C | 0x8D | 0x8E | 0x8F | 0x9A..=0xA2
            );
            let sei = d.properties.session_expiry_interval.is_some();
            match (client_only || sei, server_only) {
                (true, true) => return Err(()),
                (true, false) => Some(Server),
                (false, true) => Some(Client),
                (false, false) => None,
            }
        }
        Packet::Auth(a) => match a.reason_code {
            ReasonCode::Success => Some(Client),
            ReasonCode::ReAuthenticate => Some(Server),
            _ => None,
        },
    })
}
