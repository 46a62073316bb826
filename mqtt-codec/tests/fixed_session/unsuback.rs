//! UAK-3, UAK-4: UNSUBACK.

use super::harness::*;

fn unsuback_with_unknown_id(version: ProtocolVersion) {
    for case in 0..3 {
        let mut p = Peer::connected(config(version));
        let id = p.session.unsubscribe("a/#", p.now).unwrap();
        let s = p.subscribe("b", QoS::AtMostOnce);
        assert_eq!(p.sent().len(), 2);
        let wrong = match case {
            0 => pid(id.get() + 7),
            1 => {
                p.send(unsuback(version, id, 1));
                assert!(matches!(&p.events()[..], [Ev::Unsubscribed(_)]));
                id
            }
            _ => s,
        };
        p.send(unsuback(version, wrong, 1));
        p.assert_broke_rule(ReasonCode::ProtocolError);
    }
}

/// UAK-3, 3.1.1 [MQTT-3.10.4-4] / [MQTT-2.3.1-7]: an UNSUBACK carries the identifier of an
/// UNSUBSCRIBE waiting for it; one that does not closes the connection.
#[test]
fn mqtt_3_10_4_4_v311_unsuback_with_an_unknown_packet_id_closes_the_connection() {
    unsuback_with_unknown_id(V3);
}

/// UAK-3, 5.0 [MQTT-3.10.4-5] / [MQTT-2.2.1-6]: an UNSUBACK carries the identifier of an
/// UNSUBSCRIBE waiting for it; one that does not is a Protocol Error: DISCONNECT 0x82.
#[test]
fn mqtt_3_10_4_5_v5_unsuback_with_an_unknown_packet_id_is_a_protocol_error() {
    unsuback_with_unknown_id(V5);
}

fn unsubscribe_two(p: &mut Peer) -> PacketId {
    let built = Unsubscribe::new(
        pid(999),
        vec![MqttStr::new("a").unwrap(), MqttStr::new("b").unwrap()],
    );
    let bytes = Packet::Unsubscribe(built).to_bytes(p.version).unwrap();
    let PacketRef::Unsubscribe(v) = view(&bytes, p.version) else {
        panic!()
    };
    p.session.unsubscribe_packet(v, p.now).unwrap()
}

/// UAK-4, 5.0 [MQTT-3.11.3-1]: one reason code per filter of the UNSUBSCRIBE; an UNSUBACK
/// with another number is a Protocol Error: DISCONNECT 0x82.
#[test]
fn mqtt_3_11_3_1_v5_unsuback_with_a_wrong_number_of_codes_is_a_protocol_error() {
    for count in [1, 3] {
        let mut p = Peer::connected(config(V5));
        let id = unsubscribe_two(&mut p);
        p.sent();
        p.send(unsuback(V5, id, count));
        p.assert_broke_rule(ReasonCode::ProtocolError);
    }
}

/// An UNSUBACK matching the UNSUBSCRIBE reports `Unsubscribed` (5.0: one code per filter;
/// 3.1.1 has none).
#[test]
fn unsuback_matching_the_unsubscribe_reports_unsubscribed() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let id = unsubscribe_two(&mut p);
        let sent = p.sent();
        let [Packet::Unsubscribe(u)] = &sent[..] else {
            panic!("{sent:?}")
        };
        assert_eq!((u.packet_id, u.filters.len()), (id, 2));
        let answer = unsuback(version, id, 2);
        p.send(answer.clone());
        let Packet::UnsubAck(expected) = answer else {
            unreachable!()
        };
        assert_eq!(p.events(), vec![Ev::Unsubscribed(expected)]);
        assert!(p.session.is_connected());
    }
}

/// A SUBSCRIBE or UNSUBSCRIBE cut off by the end of its connection is reported lost, before
/// `Disconnected`, and its identifier is free again: neither is resent on a resumed session
/// ([MQTT-4.4.0-1] names only PUBLISH and PUBREL), so a SUBACK for it is a stranger.
#[test]
fn subscribe_and_unsubscribe_cut_off_by_the_connection_are_reported_lost() {
    for version in VERSIONS {
        for how in ["lost", "disconnect", "server", "timeout"] {
            let mut c = persistent(version);
            c.keep_alive = 10;
            let mut p = Peer::connected(c);
            let sub_id = p.subscribe("a/+", QoS::AtLeastOnce);
            let unsub_id = p.session.unsubscribe("b", p.now).unwrap();
            p.sent();
            let reason = match how {
                "lost" => {
                    p.session.connection_lost(p.now);
                    None
                }
                "disconnect" => {
                    p.session.disconnect(p.now).unwrap();
                    Some(ReasonCode::Success)
                }
                "server" if version.is_v5() => {
                    p.send(Packet::Disconnect(Disconnect::new(
                        ReasonCode::ServerShuttingDown,
                    )));
                    Some(ReasonCode::ServerShuttingDown)
                }
                "server" => continue,
                _ => {
                    p.at(p.now + 10_000);
                    p.at(p.now + 10_000);
                    None
                }
            };
            let events = p.events();
            let mut lost = events[..2].to_vec();
            lost.sort_by_key(|e| matches!(e, Ev::UnsubscribeLost(_)));
            assert_eq!(
                lost,
                vec![Ev::SubscribeLost(sub_id), Ev::UnsubscribeLost(unsub_id)],
                "{version:?} {how}: {events:?}"
            );
            assert_eq!(
                events[2..],
                [Ev::Disconnected {
                    reason,
                    by_server: how == "server",
                }],
                "{version:?} {how}"
            );
            p.connect();
            assert!(matches!(p.accept(true)[..], [Ev::Connected { .. }]));
            assert_eq!(p.sent(), vec![]);
            p.send(Packet::SubAck(SubAck::new(
                sub_id,
                vec![ReasonCode::GrantedQoS1],
            )));
            assert!(
                !p.session.is_connected(),
                "SUBACK for an identifier not in use"
            );
        }
    }
}
