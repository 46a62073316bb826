//! PR-9: Request Problem Information.

use super::harness::*;

fn without_problem_information() -> FixedConfig<'static> {
    let mut c = config(V5);
    c.request_problem_information = false;
    c
}

/// PR-9, 5.0 [MQTT-3.1.2-29]: after Request Problem Information 0, a Reason String or a
/// User Property on anything but PUBLISH, CONNACK and DISCONNECT is a Protocol Error:
/// DISCONNECT 0x82, and the acknowledgement is not taken.
#[test]
fn mqtt_3_1_2_29_v5_problem_information_on_an_ack_when_not_requested_is_a_protocol_error() {
    let mut p = Peer::connected(without_problem_information());
    let id = p.publish("a", QoS::AtLeastOnce).unwrap();
    p.sent();
    let mut ack = PubResponse::new(id);
    ack.properties.reason_string = Some(MqttStr::new("noted").unwrap());
    p.send(Packet::PubAck(ack));
    p.assert_broke_rule(ReasonCode::ProtocolError);
    assert_eq!(p.session.pending_publishes(), (1, 0), "still ours");

    let mut p = Peer::connected(without_problem_information());
    let id = p.subscribe("a", QoS::AtMostOnce);
    p.sent();
    let mut ack = SubAck::new(id, vec![ReasonCode::Success]);
    ack.properties
        .user_properties
        .push(UserProperty::new("k", "v").unwrap());
    p.send(Packet::SubAck(ack));
    p.assert_broke_rule(ReasonCode::ProtocolError);
}

/// PR-9: PUBLISH, CONNACK and DISCONNECT may carry problem information even when it was
/// not requested; with it requested (the default) an acknowledgement may too.
#[test]
fn mqtt_3_1_2_29_v5_problem_information_where_allowed_is_accepted() {
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.reason_string = Some(MqttStr::new("welcome").unwrap());
    let mut p = Peer::connected_with(without_problem_information(), ack);
    let mut publish = publish_in(3, QoS::AtLeastOnce, "a/b", "hello");
    publish
        .properties
        .user_properties
        .push(UserProperty::new("k", "v").unwrap());
    p.send(Packet::Publish(publish.clone()));
    assert_eq!(p.events(), vec![message(publish)]);
    assert_eq!(p.sent(), vec![puback(3)]);

    let mut p = Peer::connected(config(V5));
    let id = p.publish("a", QoS::AtLeastOnce).unwrap();
    p.sent();
    let mut ack = PubResponse::new(id);
    ack.properties.reason_string = Some(MqttStr::new("noted").unwrap());
    p.send(Packet::PubAck(ack));
    assert_eq!(p.events(), vec![published(id)]);
}
