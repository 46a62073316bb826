//! Enhanced authentication in the broker core (MQTT 5.0 §4.12) with SCRAM-SHA-256: the AUTH
//! exchange before CONNACK, re-authentication, and the rules a client can break on the way.

mod support_broker;

use bytes::Bytes;
use mqtt_codec::broker::{Acl, BrokerConfig, ScramConfig};
use mqtt_codec::scram::{ScramClient, ScramCredentials, METHOD};
use mqtt_codec::{Auth, MqttStr, Packet, ReasonCode};
use std::collections::BTreeMap;
use support_broker::*;

fn harness() -> Harness {
    let mut users = BTreeMap::new();
    users.insert(
        "alice".to_owned(),
        ScramCredentials::derive(b"secret", b"alice's salt", 4096),
    );
    Harness::new(BrokerConfig {
        scram: Some(ScramConfig {
            users,
            seed: [7; 32],
        }),
        ..BrokerConfig::default()
    })
}

fn auth(reason: ReasonCode, method: &str, data: &[u8]) -> Packet {
    let mut a = Auth::new(reason);
    a.properties.authentication_method = Some(MqttStr::new(method).unwrap());
    a.properties.authentication_data = Some(Bytes::copy_from_slice(data));
    Packet::Auth(a)
}

/// CONNECT with SCRAM's client-first-message; returns the server-first-message of the AUTH
/// that answers it ([MQTT-4.12.0-2]: AUTH 0x18).
fn start(h: &mut Harness, conn: u64, client: &ScramClient) -> Vec<u8> {
    h.open(conn, V5);
    let mut c = connect_packet(V5, "scram-client", true);
    c.properties.authentication_method = Some(MqttStr::new(METHOD).unwrap());
    c.properties.authentication_data = Some(Bytes::from(client.client_first()));
    h.send(conn, Packet::Connect(Box::new(c)));
    match h.received(conn).as_slice() {
        [Packet::Auth(a)] => {
            assert_eq!(a.reason_code, ReasonCode::ContinueAuthentication);
            assert_eq!(a.properties.authentication_method.as_ref().unwrap(), METHOD);
            a.properties.authentication_data.clone().unwrap().to_vec()
        }
        other => panic!("expected AUTH 0x18, got {other:?}"),
    }
}

fn connack_code(h: &mut Harness, conn: u64) -> ReasonCode {
    match h.received(conn).as_slice() {
        [Packet::ConnAck(a)] => a.reason_code,
        other => panic!("expected CONNACK, got {other:?}"),
    }
}

/// [MQTT-4.12.0-2], [MQTT-4.12.0-5]: the exchange succeeds; CONNACK repeats the method and
/// carries the server's final data, which proves the server to the client.
#[test]
fn mqtt_4_12_0_2_scram_exchange_connects_and_proves_the_server() {
    let mut h = harness();
    let mut client = ScramClient::new("alice", "secret", "nonce-1");
    let challenge = start(&mut h, 1, &client);
    let answer = client.client_final(&challenge).unwrap();
    h.send(1, auth(ReasonCode::ContinueAuthentication, METHOD, &answer));
    let got = h.received(1);
    let [Packet::ConnAck(ack)] = got.as_slice() else {
        panic!("expected CONNACK, got {got:?}")
    };
    assert_eq!(ack.reason_code, ReasonCode::Success);
    assert_eq!(
        ack.properties.authentication_method.as_ref().unwrap(),
        METHOD
    );
    client
        .server_final(ack.properties.authentication_data.as_ref().unwrap())
        .unwrap();
    // Connected: the session works.
    h.subscribe(1, "a/#", mqtt_codec::QoS::AtMostOnce);
}

/// A wrong password, or a user the broker does not know, is refused with 0x87 alike.
#[test]
fn a_wrong_password_or_unknown_user_is_refused_0x87() {
    for (user, password) in [("alice", "wrong"), ("mallory", "secret")] {
        let mut h = harness();
        let mut client = ScramClient::new(user, password, "nonce-2");
        let challenge = start(&mut h, 1, &client);
        let answer = client.client_final(&challenge).unwrap();
        h.send(1, auth(ReasonCode::ContinueAuthentication, METHOD, &answer));
        assert_eq!(connack_code(&mut h, 1), ReasonCode::NotAuthorized);
        assert!(h.closed(1));
    }
}

/// CON-40, [MQTT-3.1.2-30]: after a CONNECT with an Authentication Method the client sends
/// only AUTH or DISCONNECT until CONNACK; anything else is a Protocol Error.
#[test]
fn mqtt_3_1_2_30_only_auth_or_disconnect_before_connack() {
    let mut h = harness();
    let client = ScramClient::new("alice", "secret", "nonce-3");
    start(&mut h, 1, &client);
    h.send(1, Packet::PingReq);
    assert_eq!(connack_code(&mut h, 1), ReasonCode::ProtocolError);
    assert!(h.closed(1));
}

/// AUT-6, [MQTT-4.12.0-5]: every AUTH carries the method of CONNECT; [MQTT-4.12.0-6]-side:
/// an AUTH on a connection that did not authenticate is a Protocol Error.
#[test]
fn mqtt_4_12_0_5_auth_must_carry_the_connect_method() {
    let mut h = harness();
    let mut client = ScramClient::new("alice", "secret", "nonce-4");
    let challenge = start(&mut h, 1, &client);
    let answer = client.client_final(&challenge).unwrap();
    h.send(
        1,
        auth(ReasonCode::ContinueAuthentication, "OTHER", &answer),
    );
    assert_eq!(connack_code(&mut h, 1), ReasonCode::ProtocolError);

    h.open(2, V5);
    h.connect(2, V5, "plain", true);
    h.send(
        2,
        auth(ReasonCode::ReAuthenticate, METHOD, b"n,,n=alice,r=x"),
    );
    let got = h.received(2);
    assert!(
        matches!(got.as_slice(), [Packet::Disconnect(d)] if d.reason_code == ReasonCode::ProtocolError),
        "{got:?}"
    );
    assert!(h.closed(2));
}

/// AUT-8, [MQTT-4.12.0-2], [MQTT-4.12.0-3]: during the exchange the client answers with
/// AUTH 0x18; another reason code is a Protocol Error.
#[test]
fn mqtt_4_12_0_3_the_client_continues_with_0x18() {
    let mut h = harness();
    let mut client = ScramClient::new("alice", "secret", "nonce-5");
    let challenge = start(&mut h, 1, &client);
    let answer = client.client_final(&challenge).unwrap();
    h.send(1, auth(ReasonCode::ReAuthenticate, METHOD, &answer));
    assert_eq!(connack_code(&mut h, 1), ReasonCode::ProtocolError);
}

/// AUT-10, [MQTT-4.12.1-1], [MQTT-4.12.1-2]: re-authentication with AUTH 0x19 and the
/// method of CONNECT, answered with AUTH 0x18 and ended with AUTH 0x00; a failure ends the
/// connection with DISCONNECT.
#[test]
fn mqtt_4_12_1_1_reauthentication_succeeds_or_disconnects() {
    let mut h = harness();
    let mut client = ScramClient::new("alice", "secret", "nonce-6");
    let challenge = start(&mut h, 1, &client);
    let answer = client.client_final(&challenge).unwrap();
    h.send(1, auth(ReasonCode::ContinueAuthentication, METHOD, &answer));
    assert_eq!(connack_code(&mut h, 1), ReasonCode::Success);

    let mut again = ScramClient::new("alice", "secret", "nonce-7");
    h.send(
        1,
        auth(ReasonCode::ReAuthenticate, METHOD, &again.client_first()),
    );
    let got = h.received(1);
    let [Packet::Auth(a)] = got.as_slice() else {
        panic!("expected AUTH 0x18, got {got:?}")
    };
    assert_eq!(a.reason_code, ReasonCode::ContinueAuthentication);
    let answer = again
        .client_final(a.properties.authentication_data.as_ref().unwrap())
        .unwrap();
    h.send(1, auth(ReasonCode::ContinueAuthentication, METHOD, &answer));
    let got = h.received(1);
    let [Packet::Auth(done)] = got.as_slice() else {
        panic!("expected AUTH 0x00, got {got:?}")
    };
    assert_eq!(done.reason_code, ReasonCode::Success);
    again
        .server_final(done.properties.authentication_data.as_ref().unwrap())
        .unwrap();

    // A failed re-authentication (wrong password) ends the connection.
    let mut bad = ScramClient::new("alice", "wrong", "nonce-8");
    h.send(
        1,
        auth(ReasonCode::ReAuthenticate, METHOD, &bad.client_first()),
    );
    let got = h.received(1);
    let [Packet::Auth(a)] = got.as_slice() else {
        panic!("{got:?}")
    };
    let answer = bad
        .client_final(a.properties.authentication_data.as_ref().unwrap())
        .unwrap();
    h.send(1, auth(ReasonCode::ContinueAuthentication, METHOD, &answer));
    let got = h.received(1);
    assert!(
        matches!(got.as_slice(), [Packet::Disconnect(d)] if d.reason_code == ReasonCode::NotAuthorized),
        "{got:?}"
    );
    assert!(h.closed(1));
}

/// Without SCRAM configured, an Authentication Method is refused with 0x8C
/// ([MQTT-4.12.0-1]).
#[test]
fn mqtt_4_12_0_1_an_unconfigured_method_is_refused_0x8c() {
    let mut h = Harness::default();
    let client = ScramClient::new("alice", "secret", "n");
    h.open(1, V5);
    let mut c = connect_packet(V5, "x", true);
    c.properties.authentication_method = Some(MqttStr::new(METHOD).unwrap());
    c.properties.authentication_data = Some(Bytes::from(client.client_first()));
    h.send(1, Packet::Connect(Box::new(c)));
    assert_eq!(connack_code(&mut h, 1), ReasonCode::BadAuthenticationMethod);
}

/// The will's ACL check (mosquitto's, beside [MQTT-3.2.2-12] and -13) with SCRAM: a will is
/// judged as the user the exchange proved, not as the
/// User Name the CONNECT also carries (which no password backs). Claiming "admin" while
/// proving "alice" gets no will on admin's topics; alice's own will, with no User Name at
/// all, is hers to leave.
#[test]
fn a_will_is_judged_as_the_user_scram_proved() {
    let run = |username: Option<&str>, will_topic: &str| {
        let mut users = BTreeMap::new();
        users.insert(
            "alice".to_owned(),
            ScramCredentials::derive(b"secret", b"alice's salt", 4096),
        );
        let mut h = Harness::new(BrokerConfig {
            scram: Some(ScramConfig {
                users,
                seed: [7; 32],
            }),
            acl: Some(
                Acl::parse("user admin\ntopic readwrite ctl/#\nuser alice\ntopic readwrite a/#\n")
                    .unwrap(),
            ),
            ..BrokerConfig::default()
        });
        let mut client = ScramClient::new("alice", "secret", "nonce-w");
        h.open(1, V5);
        let mut c = connect_packet(V5, "scram-client", true);
        c.username = username.map(mqtt_str);
        c.will = Some(will(will_topic, "bye", mqtt_codec::QoS::AtMostOnce));
        c.properties.authentication_method = Some(MqttStr::new(METHOD).unwrap());
        c.properties.authentication_data = Some(Bytes::from(client.client_first()));
        h.send(1, Packet::Connect(Box::new(c)));
        let challenge = match h.received(1).as_slice() {
            [Packet::Auth(a)] => a.properties.authentication_data.clone().unwrap(),
            other => panic!("expected AUTH 0x18, got {other:?}"),
        };
        let answer = client.client_final(&challenge).unwrap();
        h.send(1, auth(ReasonCode::ContinueAuthentication, METHOD, &answer));
        connack_code(&mut h, 1)
    };
    assert_eq!(run(Some("admin"), "ctl/reboot"), ReasonCode::NotAuthorized);
    assert_eq!(run(None, "a/status"), ReasonCode::Success);
    assert_eq!(run(Some("admin"), "a/status"), ReasonCode::Success);
}
