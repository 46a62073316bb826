//! Helpers shared by the fuzz targets: builders of arbitrary VALID packets from
//! `arbitrary::Unstructured` (a port of `mqtt-codec/tests/support_gen`, kept in the fuzz crate
//! so the core needs no `arbitrary` derives), and small utilities.

use arbitrary::{Result, Unstructured};
use bytes::Bytes;
use mqtt_codec::{
    Auth, ConnAck, Connect, Disconnect, MqttStr, Packet, PacketId, PacketType, Properties,
    ProtocolVersion, PubResponse, Publish, QoS, ReasonCode, RetainHandling, Role, SubAck,
    Subscribe, Subscription, SubscriptionOptions, TopicFilter, TopicName, UnsubAck, Unsubscribe,
    UserProperty, Will, MAX_VARINT,
};

/// The three versions.
pub const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V3_1,
    ProtocolVersion::V3_1_1,
    ProtocolVersion::V5,
];

/// Upper-case hex, for messages.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A tiny deterministic PRNG (splitmix64) for chunk sizes.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// 1..=max
    pub fn chunk(&mut self, max: usize) -> usize {
        1 + (self.next() as usize) % max.max(1)
    }
}

pub fn version(u: &mut Unstructured) -> Result<ProtocolVersion> {
    Ok(*u.choose(&VERSIONS)?)
}

pub fn packet_id(u: &mut Unstructured) -> Result<PacketId> {
    let n: u16 = match u.int_in_range(0..=7u8)? {
        0 => 1,
        1 => u16::MAX,
        _ => u.int_in_range(1..=u16::MAX)?,
    };
    Ok(PacketId::new(n).unwrap())
}

pub fn qos(u: &mut Unstructured) -> Result<QoS> {
    Ok(*u.choose(&[QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])?)
}

const CHARS: &[char] = &[
    'a', 'b', 'z', 'A', '0', '9', '/', '$', ' ', '-', '_', 'é', '€', '\u{FEFF}', '😀', '+', '#',
    '\u{1}', '\u{7F}',
];

fn any_char(u: &mut Unstructured) -> Result<char> {
    let c = if u.ratio(4, 5)? {
        *u.choose(CHARS)?
    } else {
        u.arbitrary::<char>()?
    };
    Ok(if c == '\0' { 'x' } else { c })
}

fn level_char(u: &mut Unstructured) -> Result<char> {
    let c = any_char(u)?;
    Ok(if matches!(c, '/' | '+' | '#') { 'l' } else { c })
}

/// A valid MQTT string of at most `max` characters.
pub fn string(u: &mut Unstructured, max: usize) -> Result<String> {
    let n = u.int_in_range(0..=max)?;
    (0..n).map(|_| any_char(u)).collect()
}

pub fn mqtt_str(u: &mut Unstructured, max: usize) -> Result<MqttStr> {
    Ok(MqttStr::new(&string(u, max)?).unwrap())
}

pub fn bytes(u: &mut Unstructured, max: usize) -> Result<Bytes> {
    let n = u.int_in_range(0..=max)?;
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push(u.arbitrary::<u8>()?);
    }
    Ok(Bytes::from(v))
}

fn level(u: &mut Unstructured) -> Result<String> {
    let n = u.int_in_range(0..=4)?;
    (0..n).map(|_| level_char(u)).collect()
}

pub fn topic_name_string(u: &mut Unstructured) -> Result<String> {
    let n = u.int_in_range(1..=4)?;
    let levels: Vec<String> = (0..n).map(|_| level(u)).collect::<Result<_>>()?;
    let s = levels.join("/");
    Ok(if s.is_empty() { "t".into() } else { s })
}

pub fn topic_name(u: &mut Unstructured) -> Result<TopicName> {
    Ok(TopicName::new(&topic_name_string(u)?).unwrap())
}

fn plain_filter_string(u: &mut Unstructured) -> Result<String> {
    let n = u.int_in_range(1..=4)?;
    let mut levels = Vec::new();
    for _ in 0..n {
        levels.push(if u.ratio(2, 5)? {
            "+".to_string()
        } else {
            level(u)?
        });
    }
    if u.arbitrary()? {
        levels.push("#".into());
    }
    let s = levels.join("/");
    Ok(if s.is_empty() { "#".into() } else { s })
}

/// A valid topic filter for `version`; under 5.0 sometimes a shared one.
pub fn topic_filter_string(u: &mut Unstructured, version: ProtocolVersion) -> Result<String> {
    let v5 = version.is_v5();
    let f = if u.ratio(1, 5)? {
        let n = u.int_in_range(1..=4)?;
        let name: String = (0..n).map(|_| level_char(u)).collect::<Result<_>>()?;
        format!("$share/{name}/{}", plain_filter_string(u)?)
    } else {
        plain_filter_string(u)?
    };
    Ok(if mqtt_codec::validate_topic_filter(&f, v5).is_ok() {
        f
    } else {
        "a/+/#".into()
    })
}

pub fn topic_filter(u: &mut Unstructured, version: ProtocolVersion) -> Result<TopicFilter> {
    let f = topic_filter_string(u, version)?;
    Ok(TopicFilter::new(&f).unwrap_or_else(|_| TopicFilter::new("a/+/#").unwrap()))
}

pub fn codes_for(packet_type: PacketType) -> Vec<ReasonCode> {
    (0..=255u8)
        .filter_map(ReasonCode::from_u8)
        .filter(|c| c.allowed_in(packet_type))
        .collect()
}

/// Which property section is built (checklist §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropCtx {
    Connect,
    ConnAck,
    Publish,
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

fn opt<T>(
    u: &mut Unstructured,
    f: impl FnOnce(&mut Unstructured) -> Result<T>,
) -> Result<Option<T>> {
    if u.ratio(1, 4)? {
        Ok(Some(f(u)?))
    } else {
        Ok(None)
    }
}

fn bool01(u: &mut Unstructured) -> Result<u8> {
    u.int_in_range(0..=1)
}

/// The property section of `ctx` with values in range (PR-7).
pub fn properties(u: &mut Unstructured, ctx: PropCtx) -> Result<Properties> {
    let has = |id: u8| ctx.allowed().contains(&id);
    let mut p: Properties = Properties::default();
    macro_rules! set {
        ($id:literal, $field:ident, $gen:expr) => {
            if has($id) {
                p.$field = opt(u, $gen)?;
            }
        };
    }
    set!(0x01, payload_format_indicator, bool01);
    set!(0x02, message_expiry_interval, |u| u.arbitrary::<u32>());
    set!(0x03, content_type, |u| mqtt_str(u, 6));
    set!(0x08, response_topic, topic_name);
    set!(0x09, correlation_data, |u| bytes(u, 6));
    set!(0x11, session_expiry_interval, |u| u.arbitrary::<u32>());
    set!(0x12, assigned_client_identifier, |u| mqtt_str(u, 6));
    set!(0x13, server_keep_alive, |u| u.arbitrary::<u16>());
    set!(0x15, authentication_method, |u| mqtt_str(u, 6));
    set!(0x16, authentication_data, |u| bytes(u, 6));
    set!(0x17, request_problem_information, bool01);
    set!(0x18, will_delay_interval, |u| u.arbitrary::<u32>());
    set!(0x19, request_response_information, bool01);
    set!(0x1A, response_information, |u| mqtt_str(u, 6));
    set!(0x1C, server_reference, |u| mqtt_str(u, 6));
    set!(0x1F, reason_string, |u| mqtt_str(u, 6));
    set!(0x21, receive_maximum, |u| u.int_in_range(1..=u16::MAX));
    set!(0x22, topic_alias_maximum, |u| u.arbitrary::<u16>());
    set!(0x23, topic_alias, |u| u.int_in_range(1..=u16::MAX));
    set!(0x24, maximum_qos, bool01);
    set!(0x25, retain_available, bool01);
    set!(0x27, maximum_packet_size, |u| u.int_in_range(1..=u32::MAX));
    set!(0x28, wildcard_subscription_available, bool01);
    set!(0x29, subscription_identifier_available, bool01);
    set!(0x2A, shared_subscription_available, bool01);
    if has(0x0B) {
        let n = u.int_in_range(0..=ctx.max_subscription_ids())?;
        for _ in 0..n {
            let id = match u.int_in_range(0..=5u8)? {
                0..=2 => u.int_in_range(1..=127u32)?,
                3 | 4 => u.int_in_range(128..=MAX_VARINT)?,
                _ => MAX_VARINT,
            };
            p.subscription_identifiers.push(id);
        }
    }
    if has(0x26) {
        let n = u.int_in_range(0..=2)?;
        for _ in 0..n {
            let name = string(u, 4)?;
            let value = if u.ratio(1, 7)? {
                string(u, 150)?
            } else {
                string(u, 4)?
            };
            p.user_properties
                .push(UserProperty::new(&name, &value).unwrap());
        }
    }
    Ok(p)
}

pub fn props_for(
    u: &mut Unstructured,
    version: ProtocolVersion,
    ctx: PropCtx,
) -> Result<Properties> {
    if version.is_v5() {
        properties(u, ctx)
    } else {
        Ok(Properties::default())
    }
}

pub fn will(u: &mut Unstructured, version: ProtocolVersion) -> Result<Will> {
    Ok(Will {
        topic: topic_name(u)?,
        payload: bytes(u, 8)?,
        qos: qos(u)?,
        retain: u.arbitrary()?,
        properties: props_for(u, version, PropCtx::Will)?.into(),
    })
}

pub fn connect(u: &mut Unstructured, version: ProtocolVersion) -> Result<Connect> {
    let client_id = if version == ProtocolVersion::V3_1 {
        let n = u.int_in_range(1..=23)?;
        let s: String = (0..n).map(|_| any_char(u)).collect::<Result<_>>()?;
        MqttStr::new(&s).unwrap()
    } else if u.ratio(1, 5)? {
        MqttStr::default()
    } else {
        mqtt_str(u, 23)?
    };
    let mut c = Connect::new(version, client_id);
    c.clean_start = u.arbitrary()?;
    c.keep_alive = u.arbitrary()?;
    c.will = if u.ratio(2, 5)? {
        Some(will(u, version)?)
    } else {
        None
    };
    c.username = if u.ratio(2, 5)? {
        Some(mqtt_str(u, 8)?)
    } else {
        None
    };
    c.password = if u.ratio(2, 5)? {
        Some(bytes(u, 8)?)
    } else {
        None
    };
    let mut props = props_for(u, version, PropCtx::Connect)?;
    if !version.is_v5() && c.password.is_some() && c.username.is_none() {
        c.username = Some(MqttStr::new("user").unwrap());
    }
    if version == ProtocolVersion::V3_1_1 && c.client_id.is_empty() {
        c.clean_start = true;
    }
    if props.authentication_data.is_some() && props.authentication_method.is_none() {
        props.authentication_method = Some(MqttStr::new("SCRAM-SHA-1").unwrap());
    }
    c.properties = props.into();
    Ok(c)
}

pub fn connack(u: &mut Unstructured, version: ProtocolVersion) -> Result<ConnAck> {
    let codes: Vec<ReasonCode> = if version.is_v5() {
        codes_for(PacketType::ConnAck)
    } else {
        [0x00, 0x84, 0x85, 0x88, 0x86, 0x87]
            .into_iter()
            .map(|c| ReasonCode::from_u8(c).unwrap())
            .collect()
    };
    let sp: bool = u.arbitrary()?;
    let reason_code = if u.ratio(1, 3)? {
        ReasonCode::Success
    } else {
        *u.choose(&codes)?
    };
    Ok(ConnAck {
        session_present: sp
            && reason_code == ReasonCode::Success
            && version != ProtocolVersion::V3_1,
        reason_code,
        properties: props_for(u, version, PropCtx::ConnAck)?.into(),
    })
}

pub fn publish(u: &mut Unstructured, version: ProtocolVersion) -> Result<Publish> {
    let topic = if version.is_v5() && u.ratio(1, 7)? {
        TopicName::empty_for_alias()
    } else {
        topic_name(u)?
    };
    let dup: bool = u.arbitrary()?;
    let q = qos(u)?;
    let retain = u.arbitrary()?;
    let id = packet_id(u)?;
    let mut properties = props_for(u, version, PropCtx::Publish)?;
    let payload = if u.ratio(1, 5)? {
        bytes(u, 300)?
    } else {
        bytes(u, 16)?
    };
    if topic.is_empty() && properties.topic_alias.is_none() {
        properties.topic_alias = Some(1);
    }
    Ok(Publish {
        dup: dup && q != QoS::AtMostOnce,
        qos: q,
        retain,
        topic,
        packet_id: (q != QoS::AtMostOnce).then_some(id),
        properties: properties.into(),
        payload,
    })
}

pub fn pub_response(
    u: &mut Unstructured,
    version: ProtocolVersion,
    t: PacketType,
) -> Result<PubResponse> {
    let reason_code = if version.is_v5() && u.ratio(2, 3)? {
        *u.choose(&codes_for(t))?
    } else {
        ReasonCode::Success
    };
    Ok(PubResponse {
        packet_id: packet_id(u)?,
        reason_code,
        properties: props_for(u, version, PropCtx::Ack)?.into(),
    })
}

pub fn subscription(u: &mut Unstructured, version: ProtocolVersion) -> Result<Subscription> {
    let v5 = version.is_v5();
    let filter = topic_filter(u, version)?;
    let q = qos(u)?;
    let (nl, rap, rh) = if v5 {
        (
            u.arbitrary::<bool>()?,
            u.arbitrary::<bool>()?,
            *u.choose(&[
                RetainHandling::SendAtSubscribe,
                RetainHandling::SendIfNew,
                RetainHandling::DoNotSend,
            ])?,
        )
    } else {
        (false, false, RetainHandling::SendAtSubscribe)
    };
    let shared = v5 && filter.shared().is_some();
    Ok(Subscription {
        filter,
        options: SubscriptionOptions {
            qos: q,
            no_local: nl && !shared,
            retain_as_published: rap,
            retain_handling: rh,
        },
    })
}

pub fn subscribe(u: &mut Unstructured, version: ProtocolVersion) -> Result<Subscribe> {
    let packet_id = packet_id(u)?;
    let properties = props_for(u, version, PropCtx::Subscribe)?;
    let n = u.int_in_range(1..=4)?;
    let subscriptions = (0..n)
        .map(|_| subscription(u, version))
        .collect::<Result<_>>()?;
    Ok(Subscribe {
        packet_id,
        properties: properties.into(),
        subscriptions,
    })
}

pub fn suback(u: &mut Unstructured, version: ProtocolVersion) -> Result<SubAck> {
    let codes: Vec<ReasonCode> = if version.is_v5() {
        codes_for(PacketType::SubAck)
    } else {
        [0x00, 0x01, 0x02, 0x80]
            .into_iter()
            .map(|c| ReasonCode::from_u8(c).unwrap())
            .collect()
    };
    let packet_id = packet_id(u)?;
    let properties = props_for(u, version, PropCtx::Ack)?;
    let n = u.int_in_range(1..=5)?;
    let reason_codes = (0..n)
        .map(|_| u.choose(&codes).copied())
        .collect::<Result<_>>()?;
    Ok(SubAck {
        packet_id,
        properties: properties.into(),
        reason_codes,
    })
}

pub fn unsubscribe(u: &mut Unstructured, version: ProtocolVersion) -> Result<Unsubscribe> {
    let packet_id = packet_id(u)?;
    let properties = props_for(u, version, PropCtx::Unsubscribe)?;
    let n = u.int_in_range(1..=4)?;
    let filters = (0..n)
        .map(|_| Ok(MqttStr::new(&topic_filter_string(u, version)?).unwrap()))
        .collect::<Result<_>>()?;
    Ok(Unsubscribe {
        packet_id,
        properties: properties.into(),
        filters,
    })
}

pub fn unsuback(u: &mut Unstructured, version: ProtocolVersion) -> Result<UnsubAck> {
    let packet_id = packet_id(u)?;
    let properties = props_for(u, version, PropCtx::Ack)?;
    let reason_codes = if version.is_v5() {
        let codes = codes_for(PacketType::UnsubAck);
        let n = u.int_in_range(1..=5)?;
        (0..n)
            .map(|_| u.choose(&codes).copied())
            .collect::<Result<_>>()?
    } else {
        Vec::new()
    };
    Ok(UnsubAck {
        packet_id,
        properties: properties.into(),
        reason_codes,
    })
}

pub fn disconnect(u: &mut Unstructured, version: ProtocolVersion) -> Result<Disconnect> {
    if !version.is_v5() {
        return Ok(Disconnect::default());
    }
    let reason_code = if u.ratio(2, 3)? {
        *u.choose(&codes_for(PacketType::Disconnect))?
    } else {
        ReasonCode::Success
    };
    Ok(Disconnect {
        reason_code,
        properties: properties(u, PropCtx::Disconnect)?.into(),
    })
}

pub fn auth(u: &mut Unstructured) -> Result<Auth> {
    let reason_code = *u.choose(&codes_for(PacketType::Auth))?;
    let mut properties = properties(u, PropCtx::Auth)?;
    let bare = reason_code == ReasonCode::Success && properties.is_empty();
    if !bare && properties.authentication_method.is_none() {
        properties.authentication_method = Some(MqttStr::new("SCRAM-SHA-1").unwrap());
    }
    Ok(Auth {
        reason_code,
        properties: properties.into(),
    })
}

/// The packet types that exist in `version`.
pub fn packet_types(version: ProtocolVersion) -> Vec<PacketType> {
    (1..=15u8)
        .filter_map(PacketType::from_u8)
        .filter(|t| *t != PacketType::Auth || version.is_v5())
        .collect()
}

pub fn packet_of(u: &mut Unstructured, version: ProtocolVersion, t: PacketType) -> Result<Packet> {
    Ok(match t {
        PacketType::Connect => Packet::from(connect(u, version)?),
        PacketType::ConnAck => Packet::ConnAck(connack(u, version)?),
        PacketType::Publish => Packet::Publish(publish(u, version)?),
        PacketType::PubAck => Packet::PubAck(pub_response(u, version, t)?),
        PacketType::PubRec => Packet::PubRec(pub_response(u, version, t)?),
        PacketType::PubRel => Packet::PubRel(pub_response(u, version, t)?),
        PacketType::PubComp => Packet::PubComp(pub_response(u, version, t)?),
        PacketType::Subscribe => Packet::Subscribe(subscribe(u, version)?),
        PacketType::SubAck => Packet::SubAck(suback(u, version)?),
        PacketType::Unsubscribe => Packet::Unsubscribe(unsubscribe(u, version)?),
        PacketType::UnsubAck => Packet::UnsubAck(unsuback(u, version)?),
        PacketType::PingReq => Packet::PingReq,
        PacketType::PingResp => Packet::PingResp,
        PacketType::Disconnect => Packet::Disconnect(disconnect(u, version)?),
        PacketType::Auth => Packet::Auth(auth(u)?),
    })
}

/// A valid packet of any type that exists in `version`.
pub fn packet(u: &mut Unstructured, version: ProtocolVersion) -> Result<Packet> {
    let t = *u.choose(&packet_types(version))?;
    packet_of(u, version, t)
}

/// A receiving side that may legally receive `packet` (see support_gen::receiver_for);
/// `Err(())` when no side may.
pub fn receiver_for(
    packet: &Packet,
    version: ProtocolVersion,
) -> std::result::Result<Option<Role>, ()> {
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
        #[allow(unreachable_patterns)]
        _ => None,
    })
}

/// `packet` with its properties (and its will's) to be encoded in the table's order, as the
/// C ABI's struct encodes them: writing to a set drops the order it was received in.
pub fn in_table_order(mut packet: Packet) -> Packet {
    match &mut packet {
        Packet::Connect(c) => {
            let _ = &mut *c.properties;
            if let Some(w) = &mut c.will {
                let _ = &mut *w.properties;
            }
        }
        Packet::ConnAck(p) => {
            let _ = &mut *p.properties;
        }
        Packet::Publish(p) => {
            let _ = &mut *p.properties;
        }
        Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => {
            let _ = &mut *p.properties;
        }
        Packet::Subscribe(p) => {
            let _ = &mut *p.properties;
        }
        Packet::SubAck(p) => {
            let _ = &mut *p.properties;
        }
        Packet::Unsubscribe(p) => {
            let _ = &mut *p.properties;
        }
        Packet::UnsubAck(p) => {
            let _ = &mut *p.properties;
        }
        Packet::Disconnect(p) => {
            let _ = &mut *p.properties;
        }
        Packet::Auth(p) => {
            let _ = &mut *p.properties;
        }
        Packet::PingReq | Packet::PingResp => {}
    }
    packet
}
