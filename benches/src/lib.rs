//! The inputs every benchmark shares: the same packets, encoded once by our encoder, so
//! that every codec decodes exactly the same bytes; and, in [`broker_process`], what the
//! benchmarks that load a broker process share.

pub mod broker_process;
pub mod mqttbytes_packets;

use bytes::Bytes;
use mqtt_codec::{
    Connect, MqttStr, Packet, PacketId, ProtocolVersion, PubAck, Publish, QoS, Subscribe,
    Subscription, TopicFilter, TopicName, UserProperty,
};

/// One benchmark case: a name, the version, and the packet.
pub struct Case {
    /// The case name, used as the criterion group.
    pub name: &'static str,
    /// The version the bytes are encoded in.
    pub version: ProtocolVersion,
    /// The packet.
    pub packet: Packet,
    /// Its bytes.
    pub bytes: Bytes,
}

fn id(n: u16) -> PacketId {
    PacketId::new(n).expect("non-zero")
}

/// A PUBLISH on `PV/data` with a payload of `size` bytes.
pub fn publish(qos: QoS, size: usize) -> Publish {
    let topic = TopicName::from_static("PV/data").expect("valid topic");
    Publish::with_qos(topic, vec![b'x'; size], qos, id(7))
}

fn case(name: &'static str, version: ProtocolVersion, packet: Packet) -> Case {
    let bytes = packet
        .to_bytes(version)
        .expect("benchmark packets are valid");
    Case {
        name,
        version,
        packet,
        bytes,
    }
}

/// Every case of the benchmark.
pub fn cases() -> Vec<Case> {
    let v311 = ProtocolVersion::V3_1_1;
    let mut v5_publish = publish(QoS::AtLeastOnce, 64);
    v5_publish.properties.payload_format_indicator = Some(1);
    v5_publish.properties.message_expiry_interval = Some(60);
    v5_publish.properties.content_type = MqttStr::new("application/json").ok();
    v5_publish.properties.user_properties =
        vec![UserProperty::new("site", "roof-1").expect("valid")];
    let mut connect = Connect::new(v311, MqttStr::new("pv-station-0042").expect("valid"));
    connect.username = MqttStr::new("station").ok();
    connect.password = Some(Bytes::from_static(b"secret"));
    let filters = (0..10)
        .map(|i| {
            let filter = TopicFilter::new(&format!("PV/site-{i}/+/power")).expect("valid filter");
            Subscription::new(filter, QoS::AtLeastOnce)
        })
        .collect();
    vec![
        case(
            "publish_qos0_16B",
            v311,
            Packet::Publish(publish(QoS::AtMostOnce, 16)),
        ),
        case(
            "publish_qos0_1KiB",
            v311,
            Packet::Publish(publish(QoS::AtMostOnce, 1024)),
        ),
        case(
            "publish_qos0_64KiB",
            v311,
            Packet::Publish(publish(QoS::AtMostOnce, 65536)),
        ),
        case(
            "publish_qos1_16B",
            v311,
            Packet::Publish(publish(QoS::AtLeastOnce, 16)),
        ),
        case(
            "publish_qos1_1KiB",
            v311,
            Packet::Publish(publish(QoS::AtLeastOnce, 1024)),
        ),
        case(
            "publish_qos1_64KiB",
            v311,
            Packet::Publish(publish(QoS::AtLeastOnce, 65536)),
        ),
        case(
            "v5_publish_properties",
            ProtocolVersion::V5,
            Packet::Publish(v5_publish),
        ),
        case("connect", v311, Packet::Connect(connect.into())),
        case(
            "subscribe_10_filters",
            v311,
            Packet::Subscribe(Subscribe::new(id(3), filters)),
        ),
        case("puback", v311, Packet::PubAck(PubAck::new(id(7)))),
    ]
}

/// At least `total` bytes of 3.1.1 QoS 0 PUBLISHes that all carry `payload` bytes: the
/// stream for the cost per byte of one-byte reads as the packets grow.
pub fn uniform_stream(payload: usize, total: usize) -> Bytes {
    let packet = Packet::Publish(publish(QoS::AtMostOnce, payload))
        .to_bytes(ProtocolVersion::V3_1_1)
        .expect("valid");
    let count = total.div_ceil(packet.len()).max(1);
    Bytes::from(packet.repeat(count))
}

/// About 1 MiB of 3.1.1 traffic: PUBLISHes of mixed sizes and QoS, with their PUBACKs.
pub fn mixed_stream() -> Bytes {
    let sizes = [16usize, 200, 1024, 4096, 60];
    let mut out = Vec::with_capacity(1 << 20);
    let mut i = 0usize;
    while out.len() < 1 << 20 {
        let qos = if i.is_multiple_of(2) {
            QoS::AtMostOnce
        } else {
            QoS::AtLeastOnce
        };
        let p = Packet::Publish(publish(qos, sizes[i % sizes.len()]));
        out.extend_from_slice(&p.to_bytes(ProtocolVersion::V3_1_1).expect("valid"));
        if qos == QoS::AtLeastOnce {
            let ack = Packet::PubAck(PubAck::new(id(7)));
            out.extend_from_slice(&ack.to_bytes(ProtocolVersion::V3_1_1).expect("valid"));
        }
        i += 1;
    }
    Bytes::from(out)
}
