//! SAK-2, SAK-3: SUBACK.

use super::harness::*;

fn suback_with_unknown_id(version: ProtocolVersion) {
    // An identifier never used, one whose SUBACK already came, and an UNSUBSCRIBE's.
    for case in 0..3 {
        let mut p = Peer::connected(config(version));
        let id = p.subscribe("a/#", QoS::AtLeastOnce);
        let un = p.session.unsubscribe("b", p.now).unwrap();
        assert_eq!(p.sent().len(), 2);
        let wrong = match case {
            0 => pid(id.get() + 10),
            1 => {
                p.send(Packet::SubAck(SubAck::new(
                    id,
                    vec![ReasonCode::GrantedQoS1],
                )));
                assert!(matches!(&p.events()[..], [Ev::Subscribed(_)]));
                id
            }
            _ => un,
        };
        p.send(Packet::SubAck(SubAck::new(
            wrong,
            vec![ReasonCode::GrantedQoS1],
        )));
        p.assert_broke_rule(ReasonCode::ProtocolError);
    }
}

/// SAK-2, 3.1.1 [MQTT-3.8.4-2] / [MQTT-2.3.1-7]: a SUBACK carries the identifier of a
/// SUBSCRIBE waiting for it; one that does not closes the connection.
#[test]
fn mqtt_3_8_4_2_v311_suback_with_an_unknown_packet_id_closes_the_connection() {
    suback_with_unknown_id(V3);
}

/// SAK-2, 5.0 [MQTT-3.8.4-2] / [MQTT-2.2.1-6]: a SUBACK carries the identifier of a
/// SUBSCRIBE waiting for it; one that does not is a Protocol Error: DISCONNECT 0x82.
#[test]
fn mqtt_3_8_4_2_v5_suback_with_an_unknown_packet_id_is_a_protocol_error() {
    suback_with_unknown_id(V5);
}

/// `subscribe_packet`: a SUBSCRIBE of several filters (5.0 properties included) under the
/// session's identifier.
pub(crate) fn subscribe_two(p: &mut Peer) -> PacketId {
    let mut built = Subscribe::new(
        pid(999),
        vec![sub("a/+", QoS::ExactlyOnce), sub("b/#", QoS::AtLeastOnce)],
    );
    if p.version.is_v5() {
        built.properties.subscription_identifiers.push(7);
    }
    let bytes = Packet::Subscribe(built).to_bytes(p.version).unwrap();
    let PacketRef::Subscribe(v) = view(&bytes, p.version) else {
        panic!()
    };
    p.session.subscribe_packet(v, p.now).unwrap()
}

fn suback_with_wrong_count(version: ProtocolVersion) {
    for count in [1, 3] {
        let mut p = Peer::connected(config(version));
        let id = subscribe_two(&mut p);
        p.sent();
        p.send(Packet::SubAck(SubAck::new(
            id,
            vec![ReasonCode::Success; count],
        )));
        p.assert_broke_rule(ReasonCode::ProtocolError);
    }
}

/// SAK-3, 3.1.1 [MQTT-3.8.4-5]: one return code per filter of the SUBSCRIBE; a SUBACK with
/// another number closes the connection.
#[test]
fn mqtt_3_8_4_5_v311_suback_with_a_wrong_number_of_codes_closes_the_connection() {
    suback_with_wrong_count(V3);
}

/// SAK-3, 5.0 [MQTT-3.8.4-6]: one reason code per filter of the SUBSCRIBE; a SUBACK with
/// another number is a Protocol Error: DISCONNECT 0x82.
#[test]
fn mqtt_3_8_4_6_v5_suback_with_a_wrong_number_of_codes_is_a_protocol_error() {
    suback_with_wrong_count(V5);
}

/// A SUBACK matching the SUBSCRIBE reports `Subscribed` with one code per filter; the
/// SUBSCRIBE carried the filters, options and properties given.
#[test]
fn suback_matching_the_subscribe_reports_subscribed() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let id = subscribe_two(&mut p);
        let sent = p.sent();
        let [Packet::Subscribe(s)] = &sent[..] else {
            panic!("{sent:?}")
        };
        assert_eq!(s.packet_id, id);
        assert_ne!(id, pid(999), "the identifier is the session's");
        let filters: Vec<(&str, QoS)> = s
            .subscriptions
            .iter()
            .map(|x| (x.filter.as_str(), x.options.qos))
            .collect();
        assert_eq!(
            filters,
            vec![("a/+", QoS::ExactlyOnce), ("b/#", QoS::AtLeastOnce)]
        );
        if version.is_v5() {
            assert_eq!(s.properties.subscription_identifiers, vec![7]);
        }
        let codes = vec![ReasonCode::GrantedQoS2, ReasonCode::UnspecifiedError];
        let suback = SubAck::new(id, codes.clone());
        p.send(Packet::SubAck(suback.clone()));
        assert_eq!(p.events(), vec![Ev::Subscribed(suback)]);
        assert!(p.session.is_connected());
    }
}

/// `subscribe` with one filter: its options go out as given (5.0: No Local and the rest).
#[test]
fn subscribe_sends_the_filter_and_its_options() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let mut options = SubscriptionOptions::new(QoS::AtLeastOnce);
        if version.is_v5() {
            options.no_local = true;
            options.retain_as_published = true;
        }
        let id = p.session.subscribe("x/#", options, p.now).unwrap();
        let sent = p.sent();
        let [Packet::Subscribe(s)] = &sent[..] else {
            panic!("{sent:?}")
        };
        assert_eq!(s.packet_id, id);
        assert_eq!(s.subscriptions.len(), 1);
        assert_eq!(s.subscriptions[0].filter.as_str(), "x/#");
        assert_eq!(s.subscriptions[0].options, options);
    }
}

/// SUBSCRIBE and UNSUBSCRIBE need a connection, and a valid filter.
#[test]
fn subscribe_and_unsubscribe_need_a_connection_and_a_valid_filter() {
    for version in VERSIONS {
        let mut p = Peer::new(config(version));
        let options = SubscriptionOptions::new(QoS::AtMostOnce);
        assert!(matches!(
            p.session.subscribe("a", options, p.now),
            Err(SessionError::NotConnected)
        ));
        assert!(matches!(
            p.session.unsubscribe("a", p.now),
            Err(SessionError::NotConnected)
        ));
        p.connect();
        assert!(matches!(
            p.session.subscribe("a", options, p.now),
            Err(SessionError::NotConnected)
        ));
        p.accept(false);
        for bad in ["a/#/b", "", "a+"] {
            assert!(matches!(
                p.session.subscribe(bad, options, p.now),
                Err(SessionError::Topic(_))
            ));
            assert!(matches!(
                p.session.unsubscribe(bad, p.now),
                Err(SessionError::Topic(_))
            ));
        }
        assert_eq!(p.sent(), vec![]);
    }
}
