//! CONNECT and CONNACK.

use super::harness::*;

/// CONNECT carries what the configuration says (identifier, keep alive, clean start,
/// credentials, will; 5.0 session expiry and Request Problem Information), and in 5.0 the
/// limits the storage sets: Receive Maximum = incoming records, Maximum Packet Size = the
/// receive buffer, Topic Alias Maximum = alias records.
#[test]
fn connect_carries_the_configuration_and_the_storage_limits() {
    for version in VERSIONS {
        let mut c = FixedConfig::new("sensor-7", version);
        c.keep_alive = 30;
        c.username = Some("user");
        c.password = Some(b"secret");
        c.will = Some(FixedWill {
            topic: "status/sensor-7",
            payload: b"gone",
            qos: QoS::AtLeastOnce,
            retain: true,
        });
        c.session_expiry_interval = 120;
        c.request_problem_information = false;
        let sizes = Sizes {
            incoming: 5,
            rx: 300,
            aliases: 3,
            alias_topics: 64,
            ..SIZES
        };
        let mut p = Peer::sized(c, sizes);
        let connect = p.connect();
        assert_eq!(connect.protocol_version, version);
        assert_eq!(p.server.protocol_version(), Some(version));
        assert_eq!(connect.client_id, "sensor-7");
        assert_eq!(connect.keep_alive, 30);
        assert!(connect.clean_start);
        assert_eq!(connect.username.as_ref().map(|u| u.as_str()), Some("user"));
        assert_eq!(connect.password.as_deref(), Some(&b"secret"[..]));
        let will = connect.will.as_ref().expect("the will");
        assert_eq!(
            (
                will.topic.as_str(),
                &will.payload[..],
                will.qos,
                will.retain
            ),
            ("status/sensor-7", &b"gone"[..], QoS::AtLeastOnce, true)
        );
        let props = &connect.properties;
        if version.is_v5() {
            assert_eq!(props.session_expiry_interval, Some(120));
            assert_eq!(props.receive_maximum, Some(5));
            assert_eq!(props.maximum_packet_size, Some(300));
            assert_eq!(props.topic_alias_maximum, Some(3));
            assert_eq!(props.request_problem_information, Some(0));
        }
        // Nothing else goes out before CONNACK, and a second connect is refused.
        assert!(matches!(
            p.session.connect(p.now),
            Err(SessionError::AlreadyConnected)
        ));
        assert!(!p.session.is_connected());
        assert_eq!(p.sent(), vec![]);
    }
}

/// 5.0 defaults: no alias records, no Topic Alias Maximum (0: none); no expiry, none sent;
/// Request Problem Information left to its default.
#[test]
fn v5_connect_without_alias_records_announces_no_topic_alias_maximum() {
    let mut p = Peer::sized(config(V5), Sizes { rx: 1024, ..SIZES });
    let connect = p.connect();
    let props = &connect.properties;
    assert_eq!(props.topic_alias_maximum, None);
    assert_eq!(props.session_expiry_interval, None);
    assert_eq!(props.request_problem_information, None);
    assert_eq!(props.receive_maximum, Some(8));
    assert_eq!(props.maximum_packet_size, Some(1024));
}

/// A CONNACK that accepts reports `Connected` with the CONNACK; a 5.0 Assigned Client
/// Identifier becomes the session's and is used on the next CONNECT.
#[test]
fn connack_accepted_reports_connected() {
    for version in VERSIONS {
        let mut c = config(version);
        c.client_id = "";
        c.session_expiry_interval = 60;
        let mut p = Peer::new(c);
        assert_eq!(p.connect().client_id, "");
        let mut ack = ConnAck::new(ReasonCode::Success);
        if version.is_v5() {
            ack.properties.assigned_client_identifier = Some(MqttStr::new("auto-1").unwrap());
            ack.properties.receive_maximum = Some(3);
        }
        let events = p.connack(ack.clone());
        assert_eq!(
            events,
            vec![Ev::Connected {
                session_present: false,
                connack: ack,
            }]
        );
        assert!(p.session.is_connected());
        if version.is_v5() {
            assert_eq!(p.session.client_id(), "auto-1");
            p.lose();
            let again = p.connect();
            assert_eq!(again.client_id, "auto-1");
            assert!(
                !again.clean_start,
                "the assigned identifier names a session"
            );
        } else {
            assert_eq!(p.session.client_id(), "");
        }
    }
}

/// A CONNACK that refuses reports `ConnectionRefused` with the code (3.x return codes as
/// their 5.0 equivalents), and the session may connect again.
#[test]
fn connack_refused_reports_connection_refused() {
    for version in VERSIONS {
        for code in [
            ReasonCode::NotAuthorized,
            ReasonCode::BadUserNameOrPassword,
            ReasonCode::ServerUnavailable,
        ] {
            let mut p = Peer::new(config(version));
            p.connect();
            let events = p.connack(ConnAck::new(code));
            assert_eq!(
                events,
                vec![Ev::Refused {
                    reason: code,
                    server_speaks_v3: false,
                }]
            );
            assert!(!p.session.is_connected());
            assert_eq!(p.session.next_timeout(), None);
            assert_eq!(p.sent(), vec![]);
            p.connect();
        }
    }
}

/// A 3.1.1 server answers a 5.0 CONNECT with `20 02 00 01` (unacceptable protocol
/// version, [MQTT-3.1.2-2]): no valid 5.0 CONNACK, reported as a server that speaks 3.1.1,
/// whether the four bytes come at once or one at a time.
#[test]
fn v5_connect_answered_by_a_v311_server_reports_server_speaks_v3() {
    for chunk in [4, 1] {
        let mut p = Peer::new(config(V5));
        p.connect();
        for part in [0x20u8, 0x02, 0x00, 0x01].chunks(chunk) {
            p.send_raw(part);
        }
        assert_eq!(
            p.events(),
            vec![Ev::Refused {
                reason: ReasonCode::UnsupportedProtocolVersion,
                server_speaks_v3: true,
            }],
            "chunks of {chunk}"
        );
        assert!(!p.session.is_connected());
        assert_eq!(p.session.next_timeout(), None);
        assert_eq!(
            p.sent(),
            vec![],
            "nothing to say to a server that speaks 3.1.1"
        );
        p.connect();
    }
}

/// The same bytes answering a 3.1.1 CONNECT are an ordinary refusal (return code 1).
#[test]
fn v311_connack_with_return_code_1_is_an_ordinary_refusal() {
    let mut p = Peer::new(config(V3));
    p.connect();
    p.send_raw(&[0x20, 0x02, 0x00, 0x01]);
    assert_eq!(
        p.events(),
        vec![Ev::Refused {
            reason: ReasonCode::UnsupportedProtocolVersion,
            server_speaks_v3: false,
        }]
    );
}

/// A server that resumes a session the client asked to start anew breaks 3.1.1
/// [MQTT-3.2.2-1] / 5.0 [MQTT-3.2.2-2].
#[test]
fn mqtt_3_2_2_2_session_present_after_clean_start_is_a_protocol_error() {
    for version in VERSIONS {
        let mut p = Peer::new(config(version));
        assert!(p.connect().clean_start);
        p.send(Packet::ConnAck(ConnAck {
            session_present: true,
            ..ConnAck::new(ReasonCode::Success)
        }));
        p.assert_broke_rule(ReasonCode::ProtocolError);
    }
}

fn packet_before_connack(version: ProtocolVersion) {
    for early in [
        Packet::Publish(Publish::new(topic("a/b"), "early")),
        Packet::PingResp,
        puback(1),
        Packet::SubAck(SubAck::new(pid(1), vec![ReasonCode::Success])),
    ] {
        let mut p = Peer::new(config(version));
        p.connect();
        p.send(early.clone());
        p.assert_broke_rule(ReasonCode::ProtocolError);
        assert!(p.events().is_empty(), "{early:?} was not delivered");
        // What follows on the dead connection is ignored, a new one may start.
        p.send(Packet::ConnAck(ConnAck::new(ReasonCode::Success)));
        assert!(p.events().is_empty());
        p.connect();
    }
}

/// CAK-8, 3.1.1 [MQTT-3.2.0-1]: the server's first packet is CONNACK; anything else first
/// closes the connection.
#[test]
fn mqtt_3_2_0_1_v311_packet_before_connack_closes_the_connection() {
    packet_before_connack(V3);
}

/// CAK-8, 5.0 [MQTT-3.2.0-1]: the server's first packet is CONNACK (or AUTH, which the
/// heap-free session never asks for); anything else first is a Protocol Error: DISCONNECT
/// 0x82.
#[test]
fn mqtt_3_2_0_1_v5_packet_before_connack_is_a_protocol_error() {
    packet_before_connack(V5);
    let mut p = Peer::new(config(V5));
    p.connect();
    let mut auth = Auth::new(ReasonCode::ContinueAuthentication);
    auth.properties.authentication_method = Some(MqttStr::new("SCRAM-SHA-1").unwrap());
    p.send(Packet::Auth(auth));
    p.assert_broke_rule(ReasonCode::ProtocolError);
}

/// CAK-8, 3.1.1 [MQTT-3.2.0-1]: one CONNACK per connection; a second closes it.
#[test]
fn cak_8_v311_second_connack_closes_the_connection() {
    let mut p = Peer::connected(config(V3));
    p.send(Packet::ConnAck(ConnAck::new(ReasonCode::Success)));
    p.assert_broke_rule(ReasonCode::ProtocolError);
}

/// CAK-8, 5.0 [MQTT-3.2.0-2]: at most one CONNACK per connection; a second is a Protocol
/// Error: DISCONNECT 0x82.
#[test]
fn mqtt_3_2_0_2_v5_second_connack_is_a_protocol_error() {
    let mut p = Peer::connected(config(V5));
    p.send(Packet::ConnAck(ConnAck::new(ReasonCode::Success)));
    p.assert_broke_rule(ReasonCode::ProtocolError);
}

/// CAK-12, 5.0 [MQTT-4.12.0-6]: a CONNECT without an Authentication Method must not be
/// answered by a CONNACK with one: DISCONNECT 0x82, no `Connected`.
#[test]
fn mqtt_4_12_0_6_v5_connack_with_an_authentication_method_not_asked_for_is_a_protocol_error() {
    let mut p = Peer::new(config(V5));
    assert_eq!(p.connect().properties.authentication_method, None);
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.authentication_method = Some(MqttStr::new("SCRAM-SHA-1").unwrap());
    p.send(Packet::ConnAck(ack));
    p.assert_broke_rule(ReasonCode::ProtocolError);
}

/// `connect` while connected (or connecting) is refused, and nothing is sent.
#[test]
fn connect_while_connected_or_connecting_is_refused() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        assert!(matches!(
            p.session.connect(p.now),
            Err(SessionError::AlreadyConnected)
        ));
        assert_eq!(p.sent(), vec![]);
        assert!(p.session.is_connected());
    }
}
