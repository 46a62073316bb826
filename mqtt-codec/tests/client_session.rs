//! The client session (`mqtt_codec::client::Session`) driven as a server would drive it:
//! what it sends is decoded with a server-side `Decoder`, what the server sends is built
//! with the codec's packet types, and time is injected (no sleeps). The tests named after a
//! checklist row or statement carry the statement ID in their doc comment; the others check
//! the behaviour the session documents (windows, queues, resends, keep alive, aliases).

use mqtt_codec::client::{Event, Millis, PublishFailure, Session, SessionConfig, SessionError};
use mqtt_codec::{
    Auth, ConnAck, Connect, Decoder, Disconnect, EncodeError, MqttStr, Packet, PacketId,
    ProtocolVersion, PubResponse, Publish, QoS, ReasonCode, SubAck, Subscription,
    SubscriptionOptions, TopicFilter, TopicName, UnsubAck, UserProperty, Will,
};

const V3: ProtocolVersion = ProtocolVersion::V3_1_1;
const V5: ProtocolVersion = ProtocolVersion::V5;
const VERSIONS: [ProtocolVersion; 2] = [V3, V5];

// =======================================================================================
// Harness
// =======================================================================================

fn pid(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

fn topic(name: &str) -> TopicName {
    TopicName::new(name).unwrap()
}

fn config(version: ProtocolVersion) -> SessionConfig {
    SessionConfig::new("client-1", version)
}

/// A configuration whose session outlives the connection: 3.1.1 with clean session 0,
/// 5.0 with a Session Expiry Interval.
fn persistent(version: ProtocolVersion) -> SessionConfig {
    let mut c = config(version);
    if version.is_v5() {
        c.session_expiry_interval = 3600;
    } else {
        c.clean_start = false;
    }
    c
}

/// A session and the server's view of the connection.
struct Peer {
    session: Session,
    /// Decodes what the session sends; a new one per connection (CONNECT first).
    server: Decoder,
    version: ProtocolVersion,
    now: Millis,
}

impl Peer {
    fn new(config: SessionConfig) -> Self {
        let version = config.version;
        Peer {
            session: Session::new(config),
            server: Decoder::server(),
            version,
            now: 1_000,
        }
    }

    /// A session connected with a plain accepting CONNACK; the events are consumed.
    fn connected(config: SessionConfig) -> Self {
        Peer::connected_with(config, ConnAck::new(ReasonCode::Success))
    }

    /// A session connected with `connack`; the events are consumed.
    fn connected_with(config: SessionConfig, connack: ConnAck) -> Self {
        let mut p = Peer::new(config);
        p.connect();
        let events = p.connack(connack);
        assert!(
            matches!(events[..], [Event::Connected { .. }]),
            "not connected: {events:?}"
        );
        p
    }

    /// `connect`, and the CONNECT it sent.
    fn connect(&mut self) -> Box<Connect> {
        self.session.connect(self.now).unwrap();
        self.server = Decoder::server();
        let mut sent = self.sent();
        assert_eq!(sent.len(), 1, "connect sends CONNECT alone: {sent:?}");
        match sent.remove(0) {
            Packet::Connect(c) => c,
            other => panic!("not a CONNECT: {other:?}"),
        }
    }

    /// Sends `connack` and returns the events.
    fn connack(&mut self, connack: ConnAck) -> Vec<Event> {
        self.send(Packet::ConnAck(connack));
        self.events()
    }

    /// An accepting CONNACK with `session_present`; returns the events.
    fn accept(&mut self, session_present: bool) -> Vec<Event> {
        let mut ack = ConnAck::new(ReasonCode::Success);
        ack.session_present = session_present;
        self.connack(ack)
    }

    /// The server sends `packet`.
    fn send(&mut self, packet: Packet) {
        let bytes = packet.to_bytes(self.version).unwrap();
        self.session.receive(&bytes, self.now);
    }

    /// The server sends raw bytes.
    fn send_raw(&mut self, bytes: &[u8]) {
        self.session.receive(bytes, self.now);
    }

    /// Everything the session sent since the last call, decoded.
    fn sent(&mut self) -> Vec<Packet> {
        let data = self.session.data_to_send();
        self.server.feed(&data);
        let mut out = Vec::new();
        while let Some(p) = self.server.next_packet().unwrap() {
            out.push(p);
        }
        out
    }

    /// Every event since the last call.
    fn events(&mut self) -> Vec<Event> {
        let mut out = Vec::new();
        while let Some(e) = self.session.poll_event() {
            out.push(e);
        }
        out
    }

    /// Time moves to `now` and the session is told.
    fn at(&mut self, now: Millis) {
        self.now = now;
        self.session.handle_timeout(now);
    }

    fn publish(&mut self, name: &str, qos: QoS) -> Option<PacketId> {
        self.session
            .publish(topic(name), "payload", qos, false, self.now)
            .unwrap()
    }

    /// The server broke a rule: the session reports it, sends DISCONNECT with `reason` in
    /// 5.0 (3.1.1 can only close), and is no longer connected.
    fn assert_broke_rule(&mut self, reason: ReasonCode) {
        let events = self.events();
        assert_eq!(
            events.last(),
            Some(&Event::Disconnected {
                reason: Some(reason),
                by_server: false,
            }),
            "{events:?}"
        );
        assert!(!self.session.is_connected());
        assert_eq!(self.session.next_timeout(), None);
        let sent = self.sent();
        if self.version.is_v5() {
            assert_eq!(sent, vec![Packet::Disconnect(Disconnect::new(reason))]);
        } else {
            assert_eq!(sent, vec![], "3.1.1 closes without a word");
        }
    }
}

fn publish_in(id: u16, qos: QoS, name: &str, payload: &'static str) -> Publish {
    Publish::with_qos(topic(name), payload, qos, pid(id))
}

fn puback(id: u16) -> Packet {
    Packet::PubAck(PubResponse::new(pid(id)))
}

fn pubrec(id: u16) -> Packet {
    Packet::PubRec(PubResponse::new(pid(id)))
}

fn pubrel(id: u16) -> Packet {
    Packet::PubRel(PubResponse::new(pid(id)))
}

fn pubcomp(id: u16) -> Packet {
    Packet::PubComp(PubResponse::new(pid(id)))
}

fn with_code(packet: Packet, code: ReasonCode) -> Packet {
    match packet {
        Packet::PubAck(mut a) => {
            a.reason_code = code;
            Packet::PubAck(a)
        }
        Packet::PubRec(mut a) => {
            a.reason_code = code;
            Packet::PubRec(a)
        }
        other => panic!("no reason code on {other:?}"),
    }
}

fn sub(filter: &str, qos: QoS) -> Subscription {
    Subscription::new(TopicFilter::new(filter).unwrap(), qos)
}

/// The PUBLISH in a sent packet.
fn as_publish(packet: &Packet) -> &Publish {
    match packet {
        Packet::Publish(p) => p,
        other => panic!("not a PUBLISH: {other:?}"),
    }
}

fn published(id: PacketId) -> Event {
    Event::Published {
        packet_id: id,
        reason: ReasonCode::Success,
    }
}

// =======================================================================================
// CONNECT and CONNACK
// =======================================================================================

/// CONNECT carries what the configuration says: identifier, keep alive, clean start,
/// credentials, will, and in 5.0 the session expiry, Receive Maximum, Maximum Packet Size,
/// Topic Alias Maximum and Request Problem Information.
#[test]
fn connect_carries_the_configuration() {
    for version in VERSIONS {
        let mut c = SessionConfig::new("sensor-7", version);
        c.keep_alive = 30;
        c.username = Some("user".into());
        c.password = Some("secret".into());
        c.will = Some(Will::new(topic("status/sensor-7"), "gone"));
        c.session_expiry_interval = 120;
        c.receive_maximum = 8;
        c.max_packet_size = 4096;
        c.topic_alias_maximum = 4;
        c.request_problem_information = false;
        let mut p = Peer::new(c);
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
            (will.topic.as_str(), &will.payload[..]),
            ("status/sensor-7", &b"gone"[..])
        );
        let props = &connect.properties;
        if version.is_v5() {
            assert_eq!(props.session_expiry_interval, Some(120));
            assert_eq!(props.receive_maximum, Some(8));
            assert_eq!(props.maximum_packet_size, Some(4096));
            assert_eq!(props.topic_alias_maximum, Some(4));
            assert_eq!(props.request_problem_information, Some(0));
        }
        // Nothing else goes out before CONNACK, and a second connect is refused.
        assert!(matches!(
            p.session.connect(p.now),
            Err(SessionError::AlreadyConnected)
        ));
        assert!(!p.session.is_connected());
    }
}

/// A CONNACK that accepts reports `Connected` with the CONNACK; a 5.0 Assigned Client
/// Identifier becomes the session's.
#[test]
fn connack_accepted_reports_connected() {
    for version in VERSIONS {
        let mut c = config(version);
        c.client_id = String::new();
        let mut p = Peer::new(c);
        p.connect();
        let mut ack = ConnAck::new(ReasonCode::Success);
        if version.is_v5() {
            ack.properties.assigned_client_identifier = Some(MqttStr::new("auto-1").unwrap());
        }
        let events = p.connack(ack.clone());
        assert_eq!(
            events,
            vec![Event::Connected {
                session_present: false,
                connack: ack,
            }]
        );
        assert!(p.session.is_connected());
        if version.is_v5() {
            assert_eq!(p.session.config().client_id, "auto-1");
        }
    }
}

/// A CONNACK that refuses reports `ConnectionRefused` with the code (3.x return codes as
/// their 5.0 equivalents), and the session may connect again.
#[test]
fn connack_refused_reports_connection_refused() {
    for version in VERSIONS {
        for code in [ReasonCode::NotAuthorized, ReasonCode::BadUserNameOrPassword] {
            let mut p = Peer::new(config(version));
            p.connect();
            let events = p.connack(ConnAck::new(code));
            assert_eq!(
                events,
                vec![Event::ConnectionRefused {
                    reason: code,
                    server_speaks_v3: false,
                }]
            );
            assert!(!p.session.is_connected());
            assert_eq!(p.session.next_timeout(), None);
            p.connect();
        }
    }
}

/// A 3.1.1 server answers a 5.0 CONNECT with `20 02 00 01` (unacceptable protocol
/// version, [MQTT-3.1.2-2]): no valid 5.0 CONNACK, reported as a server that speaks 3.1.1.
#[test]
fn v5_connect_answered_by_a_v311_server_reports_server_speaks_v3() {
    let mut p = Peer::new(config(V5));
    p.connect();
    p.send_raw(&[0x20, 0x02, 0x00, 0x01]);
    assert_eq!(
        p.events(),
        vec![Event::ConnectionRefused {
            reason: ReasonCode::UnsupportedProtocolVersion,
            server_speaks_v3: true,
        }]
    );
    assert!(!p.session.is_connected());
    assert_eq!(
        p.sent(),
        vec![],
        "nothing to say to a server that speaks 3.1.1"
    );
    // A retry in 3.1.1 is the caller's, on a new session; this one may connect again.
    p.connect();
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

// =======================================================================================
// CAK-8: CONNACK first, and once
// =======================================================================================

fn packet_before_connack(version: ProtocolVersion) {
    for early in [
        Packet::Publish(Publish::new(topic("a/b"), "early")),
        Packet::PingResp,
        puback(1),
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

/// CAK-8, 5.0 [MQTT-3.2.0-1]: the server's first packet is CONNACK (or AUTH, which was not
/// asked for here); anything else first is a Protocol Error: DISCONNECT 0x82.
#[test]
fn mqtt_3_2_0_1_v5_packet_before_connack_is_a_protocol_error() {
    packet_before_connack(V5);
    // AUTH with no authentication asked for.
    let mut p = Peer::new(config(V5));
    p.connect();
    let mut auth = Auth::new(ReasonCode::ContinueAuthentication);
    auth.properties.authentication_method = Some(MqttStr::new("SCRAM-SHA-1").unwrap());
    p.send(Packet::Auth(auth));
    p.assert_broke_rule(ReasonCode::ProtocolError);
}

fn second_connack(version: ProtocolVersion) {
    let mut p = Peer::connected(config(version));
    p.send(Packet::ConnAck(ConnAck::new(ReasonCode::Success)));
    p.assert_broke_rule(ReasonCode::ProtocolError);
}

/// CAK-8, 3.1.1 [MQTT-3.2.0-1]: one CONNACK per connection; a second closes it.
#[test]
fn cak_8_v311_second_connack_closes_the_connection() {
    second_connack(V3);
}

/// CAK-8, 5.0 [MQTT-3.2.0-2]: the server sends at most one CONNACK per connection; a
/// second is a Protocol Error: DISCONNECT 0x82.
#[test]
fn mqtt_3_2_0_2_v5_second_connack_is_a_protocol_error() {
    second_connack(V5);
}

// =======================================================================================
// CAK-12: no Authentication Method that was not asked for
// =======================================================================================

/// CAK-12, 5.0 [MQTT-4.12.0-6] (and [MQTT-4.12.0-5]): a CONNECT without an Authentication
/// Method must not be answered by a CONNACK with one: DISCONNECT 0x82, no `Connected`.
#[test]
fn mqtt_4_12_0_6_v5_connack_with_an_authentication_method_not_asked_for_is_a_protocol_error() {
    let mut p = Peer::new(config(V5));
    let connect = p.connect();
    assert_eq!(connect.properties.authentication_method, None);
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.authentication_method = Some(MqttStr::new("SCRAM-SHA-1").unwrap());
    p.send(Packet::ConnAck(ack));
    p.assert_broke_rule(ReasonCode::ProtocolError);
}

/// AUT-8 (5.0 §4.12, Table 3-10): an exchange that failed on our side ends the connection.
/// 0x87 Not authorized is a server's code in DISCONNECT, so the session sends 0x80 and
/// reports 0x87.
fn assert_authentication_failed(p: &mut Peer) {
    assert!(
        matches!(&p.sent()[..], [Packet::Disconnect(d)] if d.reason_code == ReasonCode::UnspecifiedError)
    );
    assert_eq!(
        p.events(),
        vec![Event::Disconnected {
            reason: Some(ReasonCode::NotAuthorized),
            by_server: false
        }]
    );
}

/// A method whose server proof never satisfies it.
#[derive(Debug)]
struct Doubting;

impl mqtt_codec::client::Authenticator for Doubting {
    fn method(&self) -> &str {
        "X-DOUBT"
    }
    fn start(&mut self) -> Result<Vec<u8>, mqtt_codec::client::AuthError> {
        Ok(b"hello".to_vec())
    }
    fn challenge(&mut self, _: &[u8]) -> Result<Vec<u8>, mqtt_codec::client::AuthError> {
        Ok(Vec::new())
    }
    fn finish(&mut self, _: &[u8]) -> Result<(), mqtt_codec::client::AuthError> {
        Err(mqtt_codec::client::AuthError("no proof".into()))
    }
}

/// AUT-8 (5.0 §4.12, Table 3-10): a CONNACK whose authentication data does not satisfy
/// the method ends the connection. 0x87 Not authorized is a server's code in DISCONNECT,
/// so the session sends 0x80 and reports 0x87.
#[test]
fn aut_8_v5_a_server_proof_the_method_refuses_ends_with_disconnect_0x80() {
    let mut p = Peer::new(config(V5));
    p.session.set_authenticator(Box::new(Doubting));
    let connect = p.connect();
    assert_eq!(
        connect
            .properties
            .authentication_method
            .as_ref()
            .map(|m| m.as_str()),
        Some("X-DOUBT")
    );
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.authentication_method = Some(MqttStr::new("X-DOUBT").unwrap());
    p.send(Packet::ConnAck(ack));
    assert_authentication_failed(&mut p);
    assert!(!p.session.is_connected());
}

/// A method whose answer to a challenge is longer than AUTH can carry.
#[derive(Debug)]
struct Verbose;

impl mqtt_codec::client::Authenticator for Verbose {
    fn method(&self) -> &str {
        "X-VERBOSE"
    }
    fn start(&mut self) -> Result<Vec<u8>, mqtt_codec::client::AuthError> {
        Ok(Vec::new())
    }
    fn challenge(&mut self, _: &[u8]) -> Result<Vec<u8>, mqtt_codec::client::AuthError> {
        Ok(vec![0; 70_000])
    }
    fn finish(&mut self, _: &[u8]) -> Result<(), mqtt_codec::client::AuthError> {
        Ok(())
    }
}

/// An answer to a challenge that AUTH cannot carry (Authentication Data is a Binary Data
/// field of at most 65,535 bytes, §1.5.6) fails the exchange as a refused challenge does,
/// instead of leaving the server waiting for an answer that never comes.
#[test]
fn aut_8_v5_an_answer_auth_cannot_carry_ends_with_disconnect_0x80() {
    let mut p = Peer::new(config(V5));
    p.session.set_authenticator(Box::new(Verbose));
    p.connect();
    let mut challenge = Auth::new(ReasonCode::ContinueAuthentication);
    challenge.properties.authentication_method = Some(MqttStr::new("X-VERBOSE").unwrap());
    p.send(Packet::Auth(challenge));
    assert_authentication_failed(&mut p);
}

// =======================================================================================
// SAK-2, SAK-3: SUBACK
// =======================================================================================

fn suback_with_unknown_id(version: ProtocolVersion) {
    // An identifier never used, and one whose SUBACK already came.
    for repeat in [false, true] {
        let mut p = Peer::connected(config(version));
        let id = p
            .session
            .subscribe(vec![sub("a/#", QoS::AtLeastOnce)], p.now)
            .unwrap();
        assert!(matches!(&p.sent()[..], [Packet::Subscribe(s)] if s.packet_id == id));
        let wrong = if repeat {
            p.send(Packet::SubAck(SubAck::new(
                id,
                vec![ReasonCode::GrantedQoS1],
            )));
            assert!(matches!(&p.events()[..], [Event::Subscribed { .. }]));
            id
        } else {
            pid(id.get() + 1)
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

fn suback_with_wrong_count(version: ProtocolVersion) {
    for count in [1, 3] {
        let mut p = Peer::connected(config(version));
        let id = p
            .session
            .subscribe(
                vec![sub("a", QoS::AtMostOnce), sub("b", QoS::AtLeastOnce)],
                p.now,
            )
            .unwrap();
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

/// A SUBACK matching the SUBSCRIBE reports `Subscribed` with one code per filter.
#[test]
fn suback_matching_the_subscribe_reports_subscribed() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let id = p
            .session
            .subscribe(
                vec![sub("a/+", QoS::ExactlyOnce), sub("b/#", QoS::AtLeastOnce)],
                p.now,
            )
            .unwrap();
        let sent = p.sent();
        let [Packet::Subscribe(s)] = &sent[..] else {
            panic!("{sent:?}")
        };
        assert_eq!(s.packet_id, id);
        assert_eq!(s.subscriptions.len(), 2);
        let codes = vec![ReasonCode::GrantedQoS2, ReasonCode::UnspecifiedError];
        p.send(Packet::SubAck(SubAck::new(id, codes.clone())));
        assert_eq!(
            p.events(),
            vec![Event::Subscribed {
                packet_id: id,
                reason_codes: codes,
            }]
        );
        assert!(p.session.is_connected());
    }
}

// =======================================================================================
// UAK-3, UAK-4: UNSUBACK
// =======================================================================================

fn unsuback(version: ProtocolVersion, id: PacketId, count: usize) -> Packet {
    let codes = if version.is_v5() {
        vec![ReasonCode::Success; count]
    } else {
        vec![]
    };
    Packet::UnsubAck(UnsubAck::new(id, codes))
}

fn unsuback_with_unknown_id(version: ProtocolVersion) {
    for repeat in [false, true] {
        let mut p = Peer::connected(config(version));
        let id = p
            .session
            .unsubscribe(vec![MqttStr::new("a/#").unwrap()], p.now)
            .unwrap();
        assert!(matches!(&p.sent()[..], [Packet::Unsubscribe(u)] if u.packet_id == id));
        let wrong = if repeat {
            p.send(unsuback(version, id, 1));
            assert!(matches!(&p.events()[..], [Event::Unsubscribed { .. }]));
            id
        } else {
            pid(id.get() + 7)
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

/// UAK-4, 5.0 [MQTT-3.11.3-1]: one reason code per filter of the UNSUBSCRIBE; an UNSUBACK
/// with another number is a Protocol Error: DISCONNECT 0x82.
#[test]
fn mqtt_3_11_3_1_v5_unsuback_with_a_wrong_number_of_codes_is_a_protocol_error() {
    for count in [1, 3] {
        let mut p = Peer::connected(config(V5));
        let filters = vec![MqttStr::new("a").unwrap(), MqttStr::new("b").unwrap()];
        let id = p.session.unsubscribe(filters, p.now).unwrap();
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
        let filters = vec![MqttStr::new("a").unwrap(), MqttStr::new("b").unwrap()];
        let id = p.session.unsubscribe(filters, p.now).unwrap();
        let sent = p.sent();
        let [Packet::Unsubscribe(u)] = &sent[..] else {
            panic!("{sent:?}")
        };
        assert_eq!((u.packet_id, u.filters.len()), (id, 2));
        p.send(unsuback(version, id, 2));
        let codes = if version.is_v5() {
            vec![ReasonCode::Success; 2]
        } else {
            vec![]
        };
        assert_eq!(
            p.events(),
            vec![Event::Unsubscribed {
                packet_id: id,
                reason_codes: codes,
            }]
        );
        assert!(p.session.is_connected());
    }
}

/// A SUBSCRIBE or UNSUBSCRIBE cut off by the end of its connection is reported lost and
/// its packet identifier is free again: neither is resent on a resumed session
/// ([MQTT-4.4.0-1] names only PUBLISH and PUBREL), so no SUBACK or UNSUBACK can come.
#[test]
fn subscribe_and_unsubscribe_cut_off_by_the_connection_are_reported_lost() {
    for version in VERSIONS {
        let mut p = Peer::connected(persistent(version));
        let subscriptions = vec![sub("a/+", QoS::AtLeastOnce)];
        let sub_id = p.session.subscribe(subscriptions.clone(), p.now).unwrap();
        let filters = vec![MqttStr::new("b").unwrap()];
        let unsub_id = p.session.unsubscribe(filters, p.now).unwrap();
        p.sent();
        p.session.connection_lost(p.now);
        assert_eq!(
            p.events(),
            vec![
                Event::SubscribeLost {
                    packet_id: sub_id,
                    subscriptions,
                },
                Event::UnsubscribeLost {
                    packet_id: unsub_id,
                },
                Event::Disconnected {
                    reason: None,
                    by_server: false,
                },
            ]
        );
        // Resumed: nothing is resent, and a SUBACK for the old identifier is a stranger.
        p.connect();
        assert!(matches!(p.accept(true)[..], [Event::Connected { .. }]));
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

// =======================================================================================
// PR-9: Request Problem Information
// =======================================================================================

fn without_problem_information() -> SessionConfig {
    let mut c = config(V5);
    c.request_problem_information = false;
    c
}

/// PR-9, 5.0 [MQTT-3.1.2-29]: after Request Problem Information 0, a Reason String or a
/// User Property on anything but PUBLISH, CONNACK and DISCONNECT is a Protocol Error:
/// DISCONNECT 0x82, and the acknowledgement is not taken.
#[test]
fn mqtt_3_1_2_29_v5_problem_information_on_an_ack_when_not_requested_is_a_protocol_error() {
    // A Reason String on PUBACK.
    let mut p = Peer::connected(without_problem_information());
    let id = p.publish("a", QoS::AtLeastOnce).unwrap();
    p.sent();
    let mut ack = PubResponse::new(id);
    ack.properties.reason_string = Some(MqttStr::new("noted").unwrap());
    p.send(Packet::PubAck(ack));
    p.assert_broke_rule(ReasonCode::ProtocolError);
    assert_eq!(
        p.session.pending_publishes(),
        (1, 0),
        "the PUBLISH is still ours"
    );

    // A User Property on SUBACK.
    let mut p = Peer::connected(without_problem_information());
    let id = p
        .session
        .subscribe(vec![sub("a", QoS::AtMostOnce)], p.now)
        .unwrap();
    p.sent();
    let mut ack = SubAck::new(id, vec![ReasonCode::Success]);
    ack.properties
        .user_properties
        .push(UserProperty::new("k", "v").unwrap());
    p.send(Packet::SubAck(ack));
    p.assert_broke_rule(ReasonCode::ProtocolError);

    // A Reason String on PUBREC.
    let mut p = Peer::connected(without_problem_information());
    let id = p.publish("a", QoS::ExactlyOnce).unwrap();
    p.sent();
    let mut rec = PubResponse::new(id);
    rec.properties.reason_string = Some(MqttStr::new("noted").unwrap());
    p.send(Packet::PubRec(rec));
    p.assert_broke_rule(ReasonCode::ProtocolError);
}

/// PR-9, 5.0 [MQTT-3.1.2-29]: PUBLISH (a User Property: PUBLISH has no Reason String),
/// CONNACK and DISCONNECT may carry problem information even when it was not requested.
#[test]
fn mqtt_3_1_2_29_v5_problem_information_on_publish_connack_and_disconnect_is_accepted() {
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.reason_string = Some(MqttStr::new("welcome").unwrap());
    ack.properties
        .user_properties
        .push(UserProperty::new("region", "eu").unwrap());
    let mut p = Peer::connected_with(without_problem_information(), ack);

    let mut publish = publish_in(3, QoS::AtLeastOnce, "a/b", "hello");
    publish
        .properties
        .user_properties
        .push(UserProperty::new("k", "v").unwrap());
    p.send(Packet::Publish(publish.clone()));
    assert_eq!(p.events(), vec![Event::Message { publish, ack: None }]);
    assert_eq!(p.sent(), vec![puback(3)]);

    let mut bye = Disconnect::new(ReasonCode::ServerShuttingDown);
    bye.properties.reason_string = Some(MqttStr::new("maintenance").unwrap());
    p.send(Packet::Disconnect(bye));
    assert_eq!(
        p.events(),
        vec![Event::Disconnected {
            reason: Some(ReasonCode::ServerShuttingDown),
            by_server: true,
        }]
    );
}

/// PR-9: with Request Problem Information left on (the default), a Reason String on an
/// acknowledgement is fine.
#[test]
fn pr_9_v5_problem_information_on_an_ack_is_accepted_when_requested() {
    let mut p = Peer::connected(config(V5));
    let id = p.publish("a", QoS::AtLeastOnce).unwrap();
    p.sent();
    let mut ack = PubResponse::new(id);
    ack.properties.reason_string = Some(MqttStr::new("noted").unwrap());
    p.send(Packet::PubAck(ack));
    assert_eq!(p.events(), vec![published(id)]);
    assert!(p.session.is_connected());
}

// =======================================================================================
// Packet identifiers
// =======================================================================================

/// [MQTT-2.3.1-2] (5.0 [MQTT-2.2.1-3]): every packet in flight, QoS 1 and 2 PUBLISHes
/// (queued ones included), SUBSCRIBE and UNSUBSCRIBE, has an identifier of its own.
#[test]
fn mqtt_2_3_1_2_packet_ids_are_unique_while_in_flight() {
    for version in VERSIONS {
        let mut c = config(version);
        c.max_inflight = 2;
        let mut p = Peer::connected(c);
        let mut ids = Vec::new();
        for i in 0..6 {
            let qos = if i % 2 == 0 {
                QoS::AtLeastOnce
            } else {
                QoS::ExactlyOnce
            };
            ids.push(p.publish("a", qos).unwrap());
        }
        ids.push(
            p.session
                .subscribe(vec![sub("x", QoS::AtMostOnce)], p.now)
                .unwrap(),
        );
        ids.push(
            p.session
                .unsubscribe(vec![MqttStr::new("y").unwrap()], p.now)
                .unwrap(),
        );
        assert_eq!(p.session.pending_publishes(), (2, 4));
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "{ids:?}");
        // And on the wire.
        let sent = p.sent();
        let mut wire: Vec<PacketId> = sent
            .iter()
            .map(|s| match s {
                Packet::Publish(p) => p.packet_id.unwrap(),
                Packet::Subscribe(s) => s.packet_id,
                Packet::Unsubscribe(u) => u.packet_id,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(wire.len(), 4);
        wire.sort();
        wire.dedup();
        assert_eq!(wire.len(), 4);
    }
}

/// Subscribes until every identifier is taken, draining the output as it goes.
fn take_every_id(p: &mut Peer) {
    loop {
        match p.session.subscribe(vec![sub("x", QoS::AtMostOnce)], p.now) {
            Ok(_) => {}
            Err(SessionError::NoPacketId) => break,
            Err(e) => panic!("{e}"),
        }
        p.session.data_to_send();
    }
}

/// [MQTT-2.3.1-2] .. [MQTT-2.3.1-4] (5.0 [MQTT-2.2.1-3]): an identifier is freed when its
/// flow ends (PUBACK; PUBCOMP, not PUBREC; SUBACK; UNSUBACK) and only then used again;
/// when every one is in use, the session refuses with `NoPacketId`.
#[test]
fn mqtt_2_3_1_2_a_packet_id_is_reused_only_after_its_flow_ends() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let q1 = p.publish("a", QoS::AtLeastOnce).unwrap();
        let q2 = p.publish("b", QoS::ExactlyOnce).unwrap();
        let un = p
            .session
            .unsubscribe(vec![MqttStr::new("y").unwrap()], p.now)
            .unwrap();
        p.sent();
        take_every_id(&mut p);
        assert_eq!(
            p.session
                .publish(topic("c"), "x", QoS::AtLeastOnce, false, p.now),
            Err(SessionError::NoPacketId)
        );

        // PUBREC does not end a QoS 2 flow.
        p.send(pubrec(q2.get()));
        assert_eq!(p.sent(), vec![pubrel(q2.get())]);
        assert_eq!(
            p.session.subscribe(vec![sub("x", QoS::AtMostOnce)], p.now),
            Err(SessionError::NoPacketId)
        );
        // PUBCOMP does, and that identifier is the one free.
        p.send(pubcomp(q2.get()));
        assert_eq!(p.events(), vec![published(q2)]);
        assert_eq!(p.publish("c", QoS::AtLeastOnce), Some(q2));
        assert_eq!(
            p.session.subscribe(vec![sub("x", QoS::AtMostOnce)], p.now),
            Err(SessionError::NoPacketId)
        );

        p.send(puback(q1.get()));
        assert_eq!(p.events(), vec![published(q1)]);
        assert_eq!(
            p.session.subscribe(vec![sub("x", QoS::AtMostOnce)], p.now),
            Ok(q1)
        );

        p.send(unsuback(version, un, 1));
        assert!(matches!(&p.events()[..], [Event::Unsubscribed { .. }]));
        assert_eq!(p.publish("d", QoS::ExactlyOnce), Some(un));

        // A SUBACK frees its SUBSCRIBE's identifier.
        let some = pid(1000);
        p.send(Packet::SubAck(SubAck::new(some, vec![ReasonCode::Success])));
        assert!(matches!(&p.events()[..], [Event::Subscribed { .. }]));
        p.sent();
        assert_eq!(
            p.session
                .unsubscribe(vec![MqttStr::new("x").unwrap()], p.now),
            Ok(some)
        );
        assert!(p.session.is_connected());
    }
}

/// [MQTT-2.3.1-2]: a publish the session refuses (here a packet larger than the server
/// takes) holds no identifier, however often it is tried: the identifiers stay free for
/// what is sent.
#[test]
fn mqtt_2_3_1_2_a_refused_publish_or_subscribe_leaves_its_identifier_free() {
    let mut connack = ConnAck::new(ReasonCode::Success);
    connack.properties.maximum_packet_size = Some(64);
    let mut p = Peer::connected_with(config(ProtocolVersion::V5), connack);
    let big = bytes::Bytes::from(vec![0u8; 100]);
    for _ in 0..=u16::MAX {
        let refused = p
            .session
            .publish(topic("big"), big.clone(), QoS::AtLeastOnce, false, p.now);
        assert!(
            matches!(refused, Err(SessionError::PacketTooLarge { .. })),
            "{refused:?}"
        );
    }
    assert!(p.publish("small", QoS::AtLeastOnce).is_some());
    assert!(p
        .session
        .subscribe(vec![sub("t", QoS::AtMostOnce)], p.now)
        .is_ok());
}

/// [MQTT-3.3.4-6]: a PUBLISH from a client carries no Subscription Identifier; the session
/// refuses one rather than send what the server must treat as a protocol error.
#[test]
fn mqtt_3_3_4_6_a_client_publish_with_a_subscription_identifier_is_refused() {
    let mut p = Peer::connected(config(ProtocolVersion::V5));
    let mut publish = Publish::new(topic("a"), "x");
    publish.qos = QoS::AtLeastOnce;
    publish.properties.subscription_identifiers = vec![3];
    let refused = p.session.publish_packet(publish, p.now);
    assert!(
        matches!(
            refused,
            Err(SessionError::Encode(EncodeError::PropertyNotAllowed { .. }))
        ),
        "{refused:?}"
    );
    assert!(p.sent().is_empty());
    assert_eq!(
        p.publish("a", QoS::AtLeastOnce),
        Some(pid(1)),
        "no identifier taken"
    );
}

// =======================================================================================
// Our PUBLISHes
// =======================================================================================

/// QoS 1: PUBLISH with an identifier, PUBACK completes it (`Published`).
#[test]
fn qos1_publish_completes_on_puback() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let id = p.publish("a/b", QoS::AtLeastOnce).unwrap();
        let sent = p.sent();
        let [Packet::Publish(out)] = &sent[..] else {
            panic!("{sent:?}")
        };
        assert_eq!(
            (out.qos, out.packet_id, out.dup, out.topic.as_str()),
            (QoS::AtLeastOnce, Some(id), false, "a/b")
        );
        assert_eq!(&out.payload[..], b"payload");
        assert_eq!(p.session.pending_publishes(), (1, 0));
        p.send(puback(id.get()));
        assert_eq!(p.events(), vec![published(id)]);
        assert_eq!(p.session.pending_publishes(), (0, 0));
        // A second PUBACK for it is ignored.
        p.send(puback(id.get()));
        assert_eq!(p.events(), vec![]);
        assert!(p.session.is_connected());
    }
}

/// QoS 2: PUBLISH, PUBREC answered with PUBREL, PUBCOMP completes it (`Published`).
#[test]
fn qos2_publish_completes_on_pubcomp() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let id = p.publish("a/b", QoS::ExactlyOnce).unwrap();
        let sent = p.sent();
        assert_eq!(as_publish(&sent[0]).qos, QoS::ExactlyOnce);
        assert_eq!(as_publish(&sent[0]).packet_id, Some(id));
        p.send(pubrec(id.get()));
        assert_eq!(p.sent(), vec![pubrel(id.get())]);
        assert_eq!(p.events(), vec![]);
        assert_eq!(p.session.pending_publishes(), (1, 0));
        p.send(pubcomp(id.get()));
        assert_eq!(p.events(), vec![published(id)]);
        assert_eq!(p.session.pending_publishes(), (0, 0));
    }
}

/// 5.0 [MQTT-4.3.3-4]: a PUBREC (or PUBACK) with a reason code of 0x80 or more ends the
/// flow: `PublishFailed(Refused)`, no PUBREL; 0x10 No matching subscribers is a success.
#[test]
fn v5_publish_refused_by_pubrec_or_puback_fails_without_pubrel() {
    let mut p = Peer::connected(config(V5));
    let q2 = p.publish("a", QoS::ExactlyOnce).unwrap();
    let q1 = p.publish("b", QoS::AtLeastOnce).unwrap();
    let ok = p.publish("c", QoS::AtLeastOnce).unwrap();
    p.sent();
    p.send(with_code(pubrec(q2.get()), ReasonCode::NotAuthorized));
    p.send(with_code(puback(q1.get()), ReasonCode::QuotaExceeded));
    p.send(with_code(
        puback(ok.get()),
        ReasonCode::NoMatchingSubscribers,
    ));
    assert_eq!(p.sent(), vec![], "no PUBREL after a refusal");
    assert_eq!(
        p.events(),
        vec![
            Event::PublishFailed {
                packet_id: q2,
                failure: PublishFailure::Refused(ReasonCode::NotAuthorized),
            },
            Event::PublishFailed {
                packet_id: q1,
                failure: PublishFailure::Refused(ReasonCode::QuotaExceeded),
            },
            Event::Published {
                packet_id: ok,
                reason: ReasonCode::NoMatchingSubscribers,
            },
        ]
    );
    assert_eq!(p.session.pending_publishes(), (0, 0));
    assert!(p.session.is_connected());
}

/// The window is the smaller of the server's Receive Maximum (5.0) and `max_inflight`:
/// messages beyond it wait, and go out in order as acknowledgements free room.
#[test]
fn window_is_the_smaller_of_receive_maximum_and_max_inflight() {
    // (version, server Receive Maximum, max_inflight, expected window)
    for (version, server_rm, max_inflight, window) in [
        (V5, Some(2), 5, 2),
        (V5, Some(10), 3, 3),
        (V5, None, 2, 2),
        (V3, None, 2, 2),
    ] {
        let mut c = config(version);
        c.max_inflight = max_inflight;
        let mut ack = ConnAck::new(ReasonCode::Success);
        ack.properties.receive_maximum = server_rm;
        let mut p = Peer::connected_with(c, ack);
        let ids: Vec<PacketId> = (0..window + 2)
            .map(|_| p.publish("a", QoS::AtLeastOnce).unwrap())
            .collect();
        let sent: Vec<PacketId> = p
            .sent()
            .iter()
            .map(|s| as_publish(s).packet_id.unwrap())
            .collect();
        assert_eq!(sent, ids[..window].to_vec(), "{version:?} {server_rm:?}");
        assert_eq!(p.session.pending_publishes(), (window, 2));
        // The second in flight is acknowledged first: the first waiting one goes out.
        p.send(puback(ids[1].get()));
        let next: Vec<_> = p.sent().iter().map(|s| as_publish(s).packet_id).collect();
        assert_eq!(next, vec![Some(ids[window])]);
        p.send(puback(ids[0].get()));
        let next: Vec<_> = p.sent().iter().map(|s| as_publish(s).packet_id).collect();
        assert_eq!(next, vec![Some(ids[window + 1])]);
        assert_eq!(p.session.pending_publishes(), (window, 0));
    }
}

/// Beyond the window, `max_queued` messages wait; one more is refused with `QueueFull` and
/// nothing is sent or changed.
#[test]
fn publish_beyond_window_and_queue_is_refused_with_queue_full() {
    for version in VERSIONS {
        let mut c = config(version);
        c.max_inflight = 1;
        c.max_queued = 2;
        let mut p = Peer::connected(c);
        for _ in 0..3 {
            p.publish("a", QoS::AtLeastOnce).unwrap();
        }
        p.sent();
        assert_eq!(
            p.session
                .publish(topic("a"), "x", QoS::ExactlyOnce, false, p.now),
            Err(SessionError::QueueFull(2))
        );
        assert_eq!(p.session.pending_publishes(), (1, 2));
        assert_eq!(p.sent(), vec![]);
        // QoS 0 does not queue, so it is not refused.
        assert_eq!(p.publish("a", QoS::AtMostOnce), None);
        assert_eq!(p.sent().len(), 1);
    }
}

/// QoS 1 and 2 published before the connection wait and go out after CONNACK, in order;
/// the queue bound applies there too.
#[test]
fn publish_before_connecting_waits_for_connack() {
    for version in VERSIONS {
        let mut c = config(version);
        c.max_queued = 2;
        let mut p = Peer::new(c);
        let a = p.publish("a", QoS::AtLeastOnce).unwrap();
        let b = p.publish("b", QoS::ExactlyOnce).unwrap();
        assert_eq!(
            p.session
                .publish(topic("c"), "x", QoS::AtLeastOnce, false, p.now),
            Err(SessionError::QueueFull(2))
        );
        assert_eq!(p.session.pending_publishes(), (0, 2));
        p.connect();
        assert!(matches!(&p.accept(false)[..], [Event::Connected { .. }]));
        let sent: Vec<_> = p.sent().iter().map(|s| as_publish(s).packet_id).collect();
        assert_eq!(sent, vec![Some(a), Some(b)]);
        assert_eq!(p.session.pending_publishes(), (2, 0));
    }
}

/// QoS 0 is sent at once or not at all: without a connection it is refused.
#[test]
fn qos0_publish_needs_a_connection() {
    for version in VERSIONS {
        let mut p = Peer::new(config(version));
        assert!(matches!(
            p.session
                .publish(topic("a"), "x", QoS::AtMostOnce, false, p.now),
            Err(SessionError::NotConnected)
        ));
        p.connect();
        // Not before CONNACK either.
        assert!(matches!(
            p.session
                .publish(topic("a"), "x", QoS::AtMostOnce, false, p.now),
            Err(SessionError::NotConnected)
        ));
        p.accept(false);
        assert_eq!(p.publish("a", QoS::AtMostOnce), None);
        let sent = p.sent();
        assert_eq!(as_publish(&sent[0]).qos, QoS::AtMostOnce);
        assert_eq!(as_publish(&sent[0]).packet_id, None);
        assert_eq!(p.session.pending_publishes(), (0, 0));
    }
}

// =======================================================================================
// The server's PUBLISHes
// =======================================================================================

/// QoS 1 in: delivered, and PUBACK sent at once (automatic acknowledgement).
#[test]
fn qos1_inbound_is_delivered_and_acknowledged() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let publish = publish_in(9, QoS::AtLeastOnce, "a/b", "hi");
        p.send(Packet::Publish(publish.clone()));
        assert_eq!(p.events(), vec![Event::Message { publish, ack: None }]);
        assert_eq!(p.sent(), vec![puback(9)]);
    }
}

/// QoS 2 in, [MQTT-4.3.3-10] (3.1.1 [MQTT-4.3.3-2]): PUBREC; a retransmission with DUP
/// before PUBREL is acknowledged again but not delivered again; PUBREL gets PUBCOMP, after
/// which the identifier carries a new message.
#[test]
fn mqtt_4_3_3_10_inbound_qos2_is_delivered_once_until_released() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let publish = publish_in(5, QoS::ExactlyOnce, "a/b", "once");
        p.send(Packet::Publish(publish.clone()));
        assert_eq!(
            p.events(),
            vec![Event::Message {
                publish: publish.clone(),
                ack: None,
            }]
        );
        assert_eq!(p.sent(), vec![pubrec(5)]);

        let mut again = publish.clone();
        again.dup = true;
        p.send(Packet::Publish(again.clone()));
        p.send(Packet::Publish(again));
        assert_eq!(p.events(), vec![], "delivered once");
        assert_eq!(p.sent(), vec![pubrec(5), pubrec(5)]);

        p.send(pubrel(5));
        assert_eq!(p.sent(), vec![pubcomp(5)]);
        assert_eq!(p.events(), vec![]);

        let next = publish_in(5, QoS::ExactlyOnce, "a/b", "twice");
        p.send(Packet::Publish(next.clone()));
        assert_eq!(
            p.events(),
            vec![Event::Message {
                publish: next,
                ack: None,
            }]
        );
        assert_eq!(p.sent(), vec![pubrec(5)]);
        assert!(p.session.is_connected());
    }
}

/// [MQTT-4.6.0-2] .. [MQTT-4.6.0-4]: with manual acknowledgement, PUBACKs and PUBRECs go
/// out in the order the PUBLISHes arrived, however the application orders its `ack`s.
#[test]
fn mqtt_4_6_0_2_manual_acks_are_sent_in_arrival_order() {
    for version in VERSIONS {
        let mut c = config(version);
        c.auto_ack = false;
        let mut p = Peer::connected(c);
        p.send(Packet::Publish(publish_in(1, QoS::AtLeastOnce, "a", "1")));
        p.send(Packet::Publish(publish_in(2, QoS::ExactlyOnce, "a", "2")));
        p.send(Packet::Publish(publish_in(3, QoS::AtLeastOnce, "a", "3")));
        let acks: Vec<_> = p
            .events()
            .into_iter()
            .map(|e| match e {
                Event::Message { ack, .. } => ack,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(acks, vec![Some(pid(1)), Some(pid(2)), Some(pid(3))]);
        assert_eq!(
            p.sent(),
            vec![],
            "nothing before the application acknowledges"
        );

        p.session.ack(pid(3), p.now).unwrap();
        assert_eq!(p.sent(), vec![], "3 waits for 1 and 2");
        p.session.ack(pid(1), p.now).unwrap();
        assert_eq!(p.sent(), vec![puback(1)]);
        p.session.ack(pid(2), p.now).unwrap();
        assert_eq!(p.sent(), vec![pubrec(2), puback(3)]);
        assert_eq!(
            p.session.ack(pid(1), p.now),
            Err(SessionError::UnknownPacketId(1))
        );
        p.send(pubrel(2));
        assert_eq!(p.sent(), vec![pubcomp(2)]);
    }
}

/// PUB-23, 5.0 [MQTT-3.3.4-9]: a server with more unacknowledged QoS 1 and 2 PUBLISHes
/// towards us than our Receive Maximum is disconnected with 0x93.
#[test]
fn mqtt_3_3_4_9_v5_server_exceeding_our_receive_maximum_is_disconnected_with_0x93() {
    let mut c = config(V5);
    c.receive_maximum = 2;
    c.auto_ack = false;
    let mut p = Peer::connected(c);
    assert_eq!(p.sent(), vec![]);
    p.send(Packet::Publish(publish_in(1, QoS::AtLeastOnce, "a", "1")));
    p.send(Packet::Publish(publish_in(2, QoS::ExactlyOnce, "a", "2")));
    assert_eq!(p.events().len(), 2);
    p.send(Packet::Publish(publish_in(3, QoS::AtLeastOnce, "a", "3")));
    p.assert_broke_rule(ReasonCode::ReceiveMaximumExceeded);
}

/// PUB-23, 5.0 [MQTT-3.3.4-9]: a QoS 2 message counts once against our Receive Maximum,
/// from its PUBLISH to its PUBREL, whether or not the application has acknowledged it.
#[test]
fn mqtt_3_3_4_9_v5_receive_maximum_counts_a_message_once_until_released() {
    for auto_ack in [true, false] {
        let mut c = config(V5);
        c.receive_maximum = 2;
        c.auto_ack = auto_ack;
        let mut p = Peer::connected(c);
        p.send(Packet::Publish(publish_in(1, QoS::ExactlyOnce, "a", "1")));
        p.send(Packet::Publish(publish_in(2, QoS::AtLeastOnce, "a", "2")));
        assert_eq!(p.events().len(), 2, "auto_ack {auto_ack}");
        assert!(p.session.is_connected(), "auto_ack {auto_ack}");
        if !auto_ack {
            p.session.ack(pid(1), p.now).unwrap();
            p.session.ack(pid(2), p.now).unwrap();
        }
        assert_eq!(p.sent(), vec![pubrec(1), puback(2)]);
        // Message 1 still counts until PUBREL: a second message fits, a third does not.
        p.send(Packet::Publish(publish_in(3, QoS::AtLeastOnce, "a", "3")));
        assert_eq!(p.events().len(), 1);
        if !auto_ack {
            p.session.ack(pid(3), p.now).unwrap();
        }
        p.send(pubrel(1));
        assert_eq!(p.sent(), vec![puback(3), pubcomp(1)]);
        p.send(Packet::Publish(publish_in(4, QoS::ExactlyOnce, "a", "4")));
        p.send(Packet::Publish(publish_in(5, QoS::ExactlyOnce, "a", "5")));
        assert_eq!(p.events().len(), 2);
        assert!(p.session.is_connected());
        if !auto_ack {
            p.session.ack(pid(4), p.now).unwrap();
            p.session.ack(pid(5), p.now).unwrap();
        }
        assert_eq!(p.sent(), vec![pubrec(4), pubrec(5)]);
        p.send(Packet::Publish(publish_in(6, QoS::AtLeastOnce, "a", "6")));
        p.assert_broke_rule(ReasonCode::ReceiveMaximumExceeded);
    }
}

// =======================================================================================
// Reconnecting
// =======================================================================================

/// [MQTT-4.4.0-1] (with [MQTT-4.6.0-1]): after a reconnect that resumes the session,
/// unacknowledged PUBLISHes are resent with DUP and their identifiers, and PUBRELs are
/// resent, in the order the PUBLISHes were first sent; the flows then complete.
#[test]
fn mqtt_4_4_0_1_resumed_session_resends_publishes_with_dup_and_pubrels_in_order() {
    for version in VERSIONS {
        let mut p = Peer::connected(persistent(version));
        let a = p.publish("a", QoS::AtLeastOnce).unwrap();
        let b = p.publish("b", QoS::ExactlyOnce).unwrap();
        let c = p.publish("c", QoS::ExactlyOnce).unwrap();
        let d = p.publish("d", QoS::AtLeastOnce).unwrap();
        p.sent();
        p.send(pubrec(c.get()));
        assert_eq!(p.sent(), vec![pubrel(c.get())]);

        p.session.connection_lost(p.now);
        assert_eq!(
            p.events(),
            vec![Event::Disconnected {
                reason: None,
                by_server: false,
            }]
        );
        // One more, published while offline, waits behind the resends.
        let e = p.publish("e", QoS::AtLeastOnce).unwrap();

        let connect = p.connect();
        assert!(!connect.clean_start, "{version:?}: the session is resumed");
        let events = p.accept(true);
        assert!(
            matches!(
                events[..],
                [Event::Connected {
                    session_present: true,
                    ..
                }]
            ),
            "{events:?}"
        );
        let sent = p.sent();
        let summary: Vec<(&str, u16, bool)> = sent
            .iter()
            .map(|s| match s {
                Packet::Publish(x) => ("PUBLISH", x.packet_id.unwrap().get(), x.dup),
                Packet::PubRel(r) => ("PUBREL", r.packet_id.get(), false),
                other => panic!("{other:?}"),
            })
            .collect();
        // The PUBRELs first (in PUBREC order, [MQTT-4.6.0-4]), then the PUBLISHes in their
        // first order ([MQTT-4.6.0-1]); the spec orders each kind, not one against the other.
        assert_eq!(
            summary,
            vec![
                ("PUBREL", c.get(), false),
                ("PUBLISH", a.get(), true),
                ("PUBLISH", b.get(), true),
                ("PUBLISH", d.get(), true),
                ("PUBLISH", e.get(), false),
            ]
        );
        assert_eq!(as_publish(&sent[2]).topic, "b");

        p.send(puback(a.get()));
        p.send(pubrec(b.get()));
        assert_eq!(p.sent(), vec![pubrel(b.get())]);
        p.send(pubcomp(b.get()));
        p.send(pubcomp(c.get()));
        p.send(puback(d.get()));
        p.send(puback(e.get()));
        assert_eq!(
            p.events(),
            vec![
                published(a),
                published(b),
                published(c),
                published(d),
                published(e)
            ]
        );
        assert_eq!(p.session.pending_publishes(), (0, 0));
    }
}

/// A 5.0 CONNECT sent when the old session may have expired at the server can make a new,
/// empty session; if its CONNACK is lost, a later session present 1 could be that new
/// session, which MQTT gives no way to tell from the old one. The session then starts clean
/// and reports what it had as lost, rather than resend QoS 2 messages the server no longer
/// knows and keep identifiers it will never release.
#[test]
fn v5_after_a_connect_unanswered_past_the_expiry_the_next_one_starts_clean() {
    let mut c = config(V5);
    c.session_expiry_interval = 10;
    let mut p = Peer::connected(c);
    let id = p.publish("a", QoS::ExactlyOnce).unwrap();
    p.sent();
    p.session.connection_lost(p.now);
    p.events();
    p.now += 11_000; // past the 10 s the server keeps the session
    assert!(
        !p.connect().clean_start,
        "the old session may still be there"
    );
    p.session.connection_lost(p.now); // no CONNACK
    p.events();
    assert!(
        p.connect().clean_start,
        "session present 1 could not be trusted"
    );
    let events = p.accept(false);
    assert!(
        events.contains(&Event::PublishFailed {
            packet_id: id,
            failure: PublishFailure::SessionLost,
        }),
        "{events:?}"
    );
    // Known again: the following reconnect resumes.
    p.session.connection_lost(p.now);
    p.events();
    assert!(!p.connect().clean_start);
}

/// Within the expiry an unanswered CONNECT changes nothing: the old session was still
/// there, so a session present 1 is it.
#[test]
fn v5_a_connect_unanswered_within_the_expiry_keeps_resuming() {
    let mut c = config(V5);
    c.session_expiry_interval = 60;
    let mut p = Peer::connected(c);
    p.session.connection_lost(p.now);
    p.now += 5_000;
    assert!(!p.connect().clean_start);
    p.session.connection_lost(p.now);
    assert!(!p.connect().clean_start);
    assert!(matches!(
        p.accept(true)[..],
        [
            Event::Disconnected { .. },
            Event::Disconnected { .. },
            Event::Connected { .. }
        ]
    ));
}

/// Restored from a snapshot, the session cannot know how long it was away: an unanswered
/// first CONNECT makes the next one start clean; and the doubt survives a snapshot.
#[test]
fn v5_restored_session_whose_first_connect_goes_unanswered_starts_clean() {
    let mut c = config(V5);
    c.session_expiry_interval = 3600;
    let mut p = Peer::connected(c.clone());
    p.session.connection_lost(p.now);
    let snapshot = p.session.snapshot();
    let mut q = Peer::new(c.clone());
    q.session = Session::from_snapshot(c.clone(), &snapshot).unwrap();
    assert!(!q.connect().clean_start);
    q.session.connection_lost(q.now);
    let doubtful = q.session.snapshot();
    let mut r = Peer::new(c.clone());
    r.session = Session::from_snapshot(c, &doubtful).unwrap();
    assert!(r.connect().clean_start);
}

/// A snapshot taken while a CONNECT sent past the expiry waits for its CONNACK keeps the
/// doubt: if the process ends there, that CONNECT may have made a new session.
#[test]
fn v5_snapshot_while_a_doubtful_connect_waits_keeps_the_doubt() {
    let mut c = config(V5);
    c.session_expiry_interval = 10;
    let mut p = Peer::connected(c.clone());
    p.session.connection_lost(p.now);
    p.now += 11_000;
    assert!(!p.connect().clean_start);
    let snapshot = p.session.snapshot(); // the process ends before CONNACK
    let mut q = Peer::new(c.clone());
    q.session = Session::from_snapshot(c, &snapshot).unwrap();
    assert!(q.connect().clean_start);
}

/// A reconnect's CONNECT asks to resume (clean start 0) when a session was expected to
/// survive (3.1.1 clean session 0, 5.0 Session Expiry Interval > 0), and to start anew
/// otherwise.
#[test]
fn reconnect_asks_to_resume_only_when_a_session_was_expected() {
    for version in VERSIONS {
        for (config, resumes) in [(persistent(version), true), (config(version), false)] {
            let mut p = Peer::connected(config);
            p.session.connection_lost(p.now);
            p.events();
            assert_eq!(p.connect().clean_start, !resumes, "{version:?}");
        }
    }
}

/// [MQTT-4.1.0-1]: a reconnect that finds no session (session present 0 after a
/// persistent one) reports each message in flight failed with `SessionLost` and the
/// granted subscriptions lost; the messages still queued are sent on the new session.
#[test]
fn mqtt_4_1_0_1_lost_session_fails_what_was_in_flight_and_lists_the_subscriptions() {
    for version in VERSIONS {
        let mut c = persistent(version);
        c.max_inflight = 2;
        let mut p = Peer::connected(c);
        let s1 = p
            .session
            .subscribe(
                vec![sub("a/#", QoS::AtLeastOnce), sub("b", QoS::ExactlyOnce)],
                p.now,
            )
            .unwrap();
        let s2 = p
            .session
            .subscribe(
                vec![sub("c", QoS::AtLeastOnce), sub("d", QoS::AtMostOnce)],
                p.now,
            )
            .unwrap();
        p.send(Packet::SubAck(SubAck::new(
            s1,
            vec![ReasonCode::GrantedQoS1, ReasonCode::GrantedQoS1],
        )));
        p.send(Packet::SubAck(SubAck::new(
            s2,
            vec![ReasonCode::UnspecifiedError, ReasonCode::Success],
        )));
        let u = p
            .session
            .unsubscribe(vec![MqttStr::new("d").unwrap()], p.now)
            .unwrap();
        p.send(unsuback(version, u, 1));
        p.events();

        let a = p.publish("a", QoS::AtLeastOnce).unwrap();
        let b = p.publish("b", QoS::ExactlyOnce).unwrap();
        let q = p.publish("q", QoS::AtLeastOnce).unwrap();
        p.sent();
        p.send(pubrec(b.get()));
        p.sent();
        assert_eq!(p.session.pending_publishes(), (2, 1));

        p.session.connection_lost(p.now);
        p.events();
        assert!(!p.connect().clean_start);
        let events = p.accept(false);
        let lost = |id| Event::PublishFailed {
            packet_id: id,
            failure: PublishFailure::SessionLost,
        };
        assert!(events.contains(&lost(a)), "{events:?}");
        assert!(events.contains(&lost(b)), "{events:?}");
        let listed = events
            .iter()
            .find_map(|e| match e {
                Event::SubscriptionsLost { subscriptions } => Some(subscriptions.clone()),
                _ => None,
            })
            .expect("SubscriptionsLost");
        let mut listed: Vec<(String, QoS)> = listed
            .into_iter()
            .map(|s| (s.filter.as_str().to_string(), s.options.qos))
            .collect();
        listed.sort();
        // "b" was granted QoS 1 only; "c" was refused; "d" was unsubscribed.
        assert_eq!(
            listed,
            vec![
                ("a/#".to_string(), QoS::AtLeastOnce),
                ("b".to_string(), QoS::AtLeastOnce)
            ]
        );
        assert!(matches!(
            events.last(),
            Some(Event::Connected {
                session_present: false,
                ..
            })
        ));
        assert_eq!(events.len(), 4, "{events:?}");

        // The queued message goes out on the new session, not as a resend.
        let sent = p.sent();
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(as_publish(&sent[0]).packet_id, Some(q));
        assert!(!as_publish(&sent[0]).dup);
        assert_eq!(p.session.pending_publishes(), (1, 0));
        p.send(puback(q.get()));
        assert_eq!(p.events(), vec![published(q)]);
    }
}

/// A session that was not expected to survive (clean start on every connection) loses
/// what was in flight at each reconnect: it is reported failed, never left waiting for an
/// acknowledgement that cannot come.
#[test]
fn clean_reconnect_fails_what_was_in_flight() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let a = p.publish("a", QoS::AtLeastOnce).unwrap();
        p.sent();
        p.session.connection_lost(p.now);
        p.events();
        assert!(p.connect().clean_start);
        let events = p.accept(false);
        assert_eq!(
            events[0],
            Event::PublishFailed {
                packet_id: a,
                failure: PublishFailure::SessionLost,
            },
            "{events:?}"
        );
        assert_eq!(p.session.pending_publishes(), (0, 0));
        assert_eq!(p.sent(), vec![]);
    }
}

/// The server's QoS 2 flows live in the session too: a resumed session still knows a
/// message it has received and not yet seen released, so a resend is not delivered again.
#[test]
fn resumed_session_keeps_inbound_qos2_state() {
    for version in VERSIONS {
        let mut p = Peer::connected(persistent(version));
        let publish = publish_in(4, QoS::ExactlyOnce, "a", "x");
        p.send(Packet::Publish(publish.clone()));
        assert_eq!(p.events().len(), 1);
        p.session.connection_lost(p.now);
        p.events();
        p.connect();
        p.accept(true);
        let mut again = publish;
        again.dup = true;
        p.send(Packet::Publish(again));
        assert_eq!(p.events(), vec![]);
        assert_eq!(p.sent(), vec![pubrec(4)]);
        p.send(pubrel(4));
        assert_eq!(p.sent(), vec![pubcomp(4)]);
    }
}

/// With manual acknowledgement, a QoS 1 message the server resends on a resumed session
/// while the application still owes its acknowledgement is not delivered again, and
/// counts once against our Receive Maximum (5.0): the one acknowledgement answers both.
#[test]
fn resumed_session_qos1_resend_is_answered_by_the_acknowledgement_still_owed() {
    for version in VERSIONS {
        let mut c = persistent(version);
        c.auto_ack = false;
        c.receive_maximum = 2;
        let mut p = Peer::connected(c);
        p.send(Packet::Publish(publish_in(1, QoS::AtLeastOnce, "a", "1")));
        p.send(Packet::Publish(publish_in(2, QoS::AtLeastOnce, "a", "2")));
        assert_eq!(p.events().len(), 2);
        p.session.connection_lost(p.now);
        p.events();
        p.connect();
        p.accept(true);
        for id in [1, 2] {
            let mut again = publish_in(id, QoS::AtLeastOnce, "a", "again");
            again.dup = true;
            p.send(Packet::Publish(again));
        }
        assert_eq!(p.events(), vec![], "{version:?}");
        assert!(p.session.is_connected(), "{version:?}");
        p.session.ack(pid(2), p.now).unwrap();
        p.session.ack(pid(1), p.now).unwrap();
        assert_eq!(p.sent(), vec![puback(1), puback(2)]);
        assert_eq!(
            p.session.ack(pid(1), p.now),
            Err(SessionError::UnknownPacketId(1))
        );
    }
}

// =======================================================================================
// Keep alive
// =======================================================================================

/// [MQTT-3.1.2-23] (5.0 [MQTT-3.1.2-20]): after a keep alive with nothing sent, PINGREQ;
/// `next_timeout` says when. Without a PINGRESP within another keep alive the connection
/// is lost (`Disconnected { reason: None }`).
#[test]
fn mqtt_3_1_2_23_keep_alive_pings_and_loses_a_silent_connection() {
    for version in VERSIONS {
        let mut c = config(version);
        c.keep_alive = 10;
        let mut p = Peer::new(c);
        p.connect(); // at 1 000
        p.at(2_000);
        p.accept(false);
        assert_eq!(p.session.next_timeout(), Some(11_000));
        p.at(10_999);
        assert_eq!(p.sent(), vec![]);
        // Traffic both ways resets the clock.
        p.now = 5_000;
        p.publish("a", QoS::AtMostOnce);
        p.sent();
        p.send(Packet::Publish(Publish::new(topic("b"), "x")));
        p.events();
        assert_eq!(p.session.next_timeout(), Some(15_000));
        p.at(15_000);
        assert_eq!(p.sent(), vec![Packet::PingReq]);
        assert_eq!(p.session.next_timeout(), Some(25_000));
        p.now = 16_000;
        p.send(Packet::PingResp);
        assert_eq!(p.session.next_timeout(), Some(25_000));
        p.at(25_000);
        assert_eq!(p.sent(), vec![Packet::PingReq]);
        p.at(34_999);
        assert_eq!(p.events(), vec![]);
        assert!(p.session.is_connected());
        p.at(35_000);
        assert_eq!(
            p.events(),
            vec![Event::Disconnected {
                reason: None,
                by_server: false,
            }]
        );
        assert!(!p.session.is_connected());
        assert_eq!(p.session.next_timeout(), None);
        assert_eq!(p.sent(), vec![]);
    }
}

/// Keep alive 0 turns the timer off.
#[test]
fn keep_alive_zero_sets_no_timer() {
    for version in VERSIONS {
        let mut c = config(version);
        c.keep_alive = 0;
        let mut p = Peer::connected(c);
        assert_eq!(p.session.next_timeout(), None);
        p.at(10_000_000);
        assert_eq!(p.sent(), vec![]);
        assert!(p.session.is_connected());
    }
}

/// 5.0 [MQTT-3.2.2-21]: the Server Keep Alive of CONNACK replaces the client's.
#[test]
fn mqtt_3_2_2_21_v5_server_keep_alive_is_honoured() {
    let mut c = config(V5);
    c.keep_alive = 60;
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.server_keep_alive = Some(5);
    let mut p = Peer::connected_with(c, ack);
    assert_eq!(p.session.next_timeout(), Some(6_000));
    p.at(6_000);
    assert_eq!(p.sent(), vec![Packet::PingReq]);
    p.at(11_000);
    assert!(!p.session.is_connected());
}

/// No CONNACK within the keep alive (30 s without one) loses the connection.
#[test]
fn connack_timeout_loses_the_connection() {
    for version in VERSIONS {
        for (keep_alive, timeout) in [(10, 10_000), (0, 30_000)] {
            let mut c = config(version);
            c.keep_alive = keep_alive;
            let mut p = Peer::new(c);
            p.connect();
            assert_eq!(p.session.next_timeout(), Some(1_000 + timeout));
            p.at(timeout);
            assert_eq!(p.events(), vec![]);
            p.at(1_000 + timeout);
            assert_eq!(
                p.events(),
                vec![Event::Disconnected {
                    reason: None,
                    by_server: false,
                }]
            );
            assert_eq!(p.session.next_timeout(), None);
            // A late CONNACK is ignored; a new connection may start.
            p.send(Packet::ConnAck(ConnAck::new(ReasonCode::Success)));
            assert_eq!(p.events(), vec![]);
            p.connect();
        }
    }
}

// =======================================================================================
// Topic aliases
// =======================================================================================

fn with_alias(mut publish: Publish, alias: u16) -> Packet {
    publish.properties.topic_alias = Some(alias);
    Packet::Publish(publish)
}

fn aliased(alias: u16) -> Packet {
    with_alias(Publish::new(TopicName::empty_for_alias(), "aliased"), alias)
}

fn message_topic(events: &[Event]) -> String {
    match events {
        [Event::Message { publish, .. }] => publish.topic.as_str().to_string(),
        other => panic!("{other:?}"),
    }
}

fn aliases_in() -> SessionConfig {
    let mut c = config(V5);
    c.topic_alias_maximum = 4;
    c
}

/// 5.0 (text §3.3.2.3.4): a PUBLISH with a topic and an alias sets the alias; one with the
/// alias alone is delivered under the topic it stands for.
#[test]
fn v5_inbound_topic_alias_sets_and_resolves() {
    let mut p = Peer::connected(aliases_in());
    p.send(with_alias(Publish::new(topic("a/b"), "1"), 1));
    assert_eq!(message_topic(&p.events()), "a/b");
    p.send(aliased(1));
    assert_eq!(message_topic(&p.events()), "a/b");
    p.send(with_alias(Publish::new(topic("c"), "2"), 4));
    p.send(with_alias(Publish::new(topic("d"), "3"), 1));
    p.events();
    p.send(aliased(1));
    assert_eq!(message_topic(&p.events()), "d");
    p.send(aliased(4));
    assert_eq!(message_topic(&p.events()), "c");
    assert!(p.session.is_connected());
}

/// PUB-8, 5.0 (text §3.3.2.1, §3.3.4): an alias alone that has no mapping on this
/// connection is a Protocol Error (0x82); mappings do not survive the connection
/// ([MQTT-3.3.2-7]).
#[test]
fn v5_inbound_unknown_topic_alias_is_a_protocol_error() {
    let mut p = Peer::connected(aliases_in());
    p.send(aliased(2));
    p.assert_broke_rule(ReasonCode::ProtocolError);

    let mut p = Peer::connected(aliases_in());
    p.send(with_alias(Publish::new(topic("a"), "1"), 2));
    p.events();
    p.session.connection_lost(p.now);
    p.connect();
    p.accept(false);
    p.events();
    p.send(aliased(2));
    p.assert_broke_rule(ReasonCode::ProtocolError);
}

/// PUB-13, 5.0 [MQTT-3.3.2-11] .. [MQTT-3.3.2-12]: an alias above the Topic Alias Maximum
/// we announced (0 when none) is Topic Alias invalid: DISCONNECT 0x94.
#[test]
fn v5_inbound_topic_alias_above_our_maximum_is_0x94() {
    let mut p = Peer::connected(aliases_in());
    p.send(with_alias(Publish::new(topic("a"), "1"), 5));
    p.assert_broke_rule(ReasonCode::TopicAliasInvalid);

    let mut p = Peer::connected(config(V5)); // topic_alias_maximum 0
    p.send(with_alias(Publish::new(topic("a"), "1"), 1));
    p.assert_broke_rule(ReasonCode::TopicAliasInvalid);
}

/// 5.0 [MQTT-3.3.2-9]: with the server's Topic Alias Maximum, the first PUBLISH of a topic
/// carries the topic and an alias, later ones the alias alone, never an alias above the
/// maximum; a new connection starts without aliases ([MQTT-3.3.2-7]).
#[test]
fn mqtt_3_3_2_9_v5_outbound_topic_aliases_within_the_server_maximum() {
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.topic_alias_maximum = Some(2);
    let mut p = Peer::connected_with(config(V5), ack.clone());
    for name in ["a", "a", "b", "c", "b", "c"] {
        p.publish(name, QoS::AtMostOnce);
    }
    let id = p.publish("a", QoS::AtLeastOnce).unwrap();
    let sent: Vec<(String, Option<u16>)> = p
        .sent()
        .iter()
        .map(|s| {
            let x = as_publish(s);
            (x.topic.as_str().to_string(), x.properties.topic_alias)
        })
        .collect();
    let expect = |t: &str, a: Option<u16>| (t.to_string(), a);
    assert_eq!(
        sent,
        vec![
            expect("a", Some(1)),
            expect("", Some(1)),
            expect("b", Some(2)),
            expect("c", None),
            expect("", Some(2)),
            expect("c", None),
            expect("", Some(1)),
        ]
    );
    // A new connection starts without aliases ([MQTT-3.3.2-7]).
    p.send(puback(id.get()));
    p.events();
    p.session.connection_lost(p.now);
    p.events();
    p.connect();
    p.connack(ack);
    p.publish("b", QoS::AtMostOnce);
    p.publish("b", QoS::AtMostOnce);
    let sent: Vec<(String, Option<u16>)> = p
        .sent()
        .iter()
        .map(|s| {
            let x = as_publish(s);
            (x.topic.as_str().to_string(), x.properties.topic_alias)
        })
        .collect();
    assert_eq!(sent, vec![expect("b", Some(1)), expect("", Some(1))]);
}

/// Without a Topic Alias Maximum from the server, no alias is sent.
#[test]
fn v5_no_outbound_topic_alias_without_the_servers_maximum() {
    let mut p = Peer::connected(config(V5));
    p.publish("a", QoS::AtMostOnce);
    p.publish("a", QoS::AtMostOnce);
    for s in p.sent() {
        assert_eq!(as_publish(&s).topic, "a");
        assert_eq!(as_publish(&s).properties.topic_alias, None);
    }
}

// =======================================================================================
// The server's limits
// =======================================================================================

/// 5.0 [MQTT-3.1.2-24] / [MQTT-3.2.2-15]: nothing larger than the server's Maximum Packet
/// Size is sent: `publish` refuses it with `PacketTooLarge`, and nothing changes.
#[test]
fn mqtt_3_1_2_24_v5_publish_larger_than_the_servers_maximum_packet_size_is_refused() {
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.maximum_packet_size = Some(64);
    let mut p = Peer::connected_with(config(V5), ack);
    let big = vec![0u8; 100];
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
        match p
            .session
            .publish(topic("a"), big.clone(), qos, false, p.now)
        {
            Err(SessionError::PacketTooLarge { size, max: 64 }) => assert!(size > 100),
            other => panic!("{qos:?}: {other:?}"),
        }
    }
    assert_eq!(p.sent(), vec![]);
    assert_eq!(p.session.pending_publishes(), (0, 0));
    assert!(p.publish("a", QoS::AtLeastOnce).is_some());
    assert_eq!(p.sent().len(), 1);
}

/// 5.0 [MQTT-3.2.2-11]: a QoS above the server's Maximum QoS is refused.
#[test]
fn mqtt_3_2_2_11_v5_qos_above_the_servers_maximum_qos_is_refused() {
    for (max, refused) in [(0u8, vec![1u8, 2]), (1, vec![2])] {
        let mut ack = ConnAck::new(ReasonCode::Success);
        ack.properties.maximum_qos = Some(max);
        let mut p = Peer::connected_with(config(V5), ack);
        for q in refused {
            let qos = QoS::from_bits(q).unwrap();
            assert_eq!(
                p.session.publish(topic("a"), "x", qos, false, p.now),
                Err(SessionError::QosNotSupported(q))
            );
        }
        assert_eq!(p.sent(), vec![]);
        assert_eq!(p.session.pending_publishes(), (0, 0));
        let allowed = QoS::from_bits(max).unwrap();
        p.session
            .publish(topic("a"), "x", allowed, false, p.now)
            .unwrap();
        assert_eq!(p.sent().len(), 1);
    }
}

/// 5.0 [MQTT-3.2.2-14]: with Retain Available 0 a retained PUBLISH is refused.
#[test]
fn mqtt_3_2_2_14_v5_retain_when_the_server_has_none_is_refused() {
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.retain_available = Some(0);
    let mut p = Peer::connected_with(config(V5), ack);
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce] {
        assert_eq!(
            p.session.publish(topic("a"), "x", qos, true, p.now),
            Err(SessionError::RetainNotSupported)
        );
    }
    assert_eq!(p.sent(), vec![]);
    p.session
        .publish(topic("a"), "x", QoS::AtLeastOnce, false, p.now)
        .unwrap();
    assert_eq!(p.sent().len(), 1);
}

// =======================================================================================
// Ending the connection
// =======================================================================================

/// A 5.0 DISCONNECT from the server ends the connection: `Disconnected { by_server }` with
/// its reason; nothing is sent back, and no timer remains.
#[test]
fn v5_server_disconnect_is_reported_by_server() {
    let mut c = config(V5);
    c.keep_alive = 10;
    let mut p = Peer::connected(c);
    p.send(Packet::Disconnect(Disconnect::new(
        ReasonCode::SessionTakenOver,
    )));
    assert_eq!(
        p.events(),
        vec![Event::Disconnected {
            reason: Some(ReasonCode::SessionTakenOver),
            by_server: true,
        }]
    );
    assert!(!p.session.is_connected());
    assert_eq!(p.session.next_timeout(), None);
    assert_eq!(p.sent(), vec![]);
    p.connect();
}

/// `disconnect` sends DISCONNECT and reports `Disconnected` with Success; what is in flight
/// stays for the next connection.
#[test]
fn disconnect_sends_disconnect_and_keeps_what_is_in_flight() {
    for version in VERSIONS {
        let mut p = Peer::connected(persistent(version));
        let id = p.publish("a", QoS::AtLeastOnce).unwrap();
        p.sent();
        p.session.disconnect(p.now).unwrap();
        assert_eq!(
            p.sent(),
            vec![Packet::Disconnect(Disconnect::new(ReasonCode::Success))]
        );
        assert_eq!(
            p.events(),
            vec![Event::Disconnected {
                reason: Some(ReasonCode::Success),
                by_server: false,
            }]
        );
        assert!(matches!(
            p.session.disconnect(p.now),
            Err(SessionError::NotConnected)
        ));
        assert_eq!(p.session.pending_publishes(), (1, 0));
        p.connect();
        p.accept(true);
        let sent = p.sent();
        assert_eq!(as_publish(&sent[0]).packet_id, Some(id));
        assert!(as_publish(&sent[0]).dup);
    }
}

/// Received bytes may come in any chunks, one byte at a time included.
#[test]
fn received_bytes_may_come_in_any_chunks() {
    for version in VERSIONS {
        let mut p = Peer::new(config(version));
        p.connect();
        let mut bytes = Packet::ConnAck(ConnAck::new(ReasonCode::Success))
            .to_bytes(version)
            .unwrap()
            .to_vec();
        bytes.extend_from_slice(
            &Packet::Publish(publish_in(2, QoS::AtLeastOnce, "a/b", "chunked"))
                .to_bytes(version)
                .unwrap(),
        );
        for b in &bytes {
            p.send_raw(&[*b]);
        }
        let events = p.events();
        assert!(matches!(
            events[..],
            [Event::Connected { .. }, Event::Message { .. }]
        ));
        assert_eq!(p.sent(), vec![puback(2)]);
    }
}

/// The options a subscription was granted with are what `SubscriptionsLost` lists.
#[test]
fn subscriptions_lost_carry_the_options_asked_with_the_granted_qos() {
    let mut p = Peer::connected(persistent(V5));
    let mut s = sub("x/#", QoS::ExactlyOnce);
    s.options = SubscriptionOptions {
        no_local: true,
        ..s.options
    };
    let id = p.session.subscribe(vec![s], p.now).unwrap();
    p.send(Packet::SubAck(SubAck::new(
        id,
        vec![ReasonCode::GrantedQoS1],
    )));
    p.events();
    p.session.connection_lost(p.now);
    p.events();
    p.connect();
    let events = p.accept(false);
    let Some(Event::SubscriptionsLost { subscriptions }) = events.first() else {
        panic!("{events:?}")
    };
    assert_eq!(subscriptions.len(), 1);
    let Subscription { filter, options } = &subscriptions[0];
    assert_eq!(filter.as_str(), "x/#");
    assert_eq!(options.qos, QoS::AtLeastOnce);
    assert!(options.no_local);
}

/// [MQTT-4.3.2-5] and [MQTT-3.3.1-1]: after a resumed CONNACK the application acknowledges
/// a message of the last connection, and its PUBACK crosses the server's DUP resend of it,
/// which is delivered again (its PUBACK owed). The server took the first PUBACK for the
/// resend's and reuses the identifier for a new message (DUP 0): a new message, delivered,
/// not a retransmission of the copy still owed its PUBACK.
#[test]
fn mqtt_4_3_2_5_a_new_message_reusing_an_id_owed_a_puback_is_delivered() {
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let mut c = persistent(version);
        c.auto_ack = false;
        let mut p = Peer::connected(c);
        p.send(Packet::Publish(publish_in(
            1,
            QoS::AtLeastOnce,
            "a",
            "first",
        )));
        assert_eq!(p.events().len(), 1);
        p.session.connection_lost(p.now);
        p.events();
        p.connect();
        p.accept(true);
        p.session.ack(pid(1), p.now).unwrap();
        assert_eq!(p.sent(), vec![puback(1)]);
        let mut again = publish_in(1, QoS::AtLeastOnce, "a", "first");
        again.dup = true;
        p.send(Packet::Publish(again));
        assert_eq!(
            p.events().len(),
            1,
            "{version:?}: the resend is delivered again"
        );
        p.send(Packet::Publish(publish_in(
            1,
            QoS::AtLeastOnce,
            "a",
            "second",
        )));
        let events = p.events();
        assert!(
            matches!(&events[..], [Event::Message { publish, ack: Some(_) }] if publish.payload == "second"),
            "{version:?}: {events:?}"
        );
    }
}

// =======================================================================================
// What a configuration or a message promises that the version cannot carry
// =======================================================================================

#[test]
fn a_3x_session_refuses_what_connect_cannot_carry() {
    let mut with_will_properties = config(V3);
    let mut will = Will::new(topic("gone"), "bye");
    will.properties.content_type = Some(MqttStr::new("text/plain").unwrap());
    with_will_properties.will = Some(will);
    let refused = |c: &SessionConfig| matches!(c.check(), Err(SessionError::Encode(_)));
    assert!(refused(&with_will_properties));
    with_will_properties.version = V5;
    assert_eq!(with_will_properties.check(), Ok(()));
    with_will_properties.version = V3;
    let mut session = Session::new(with_will_properties);
    assert!(session.connect(0).is_err());
    assert!(session.data_to_send().is_empty());
}

#[test]
fn limits_of_zero_and_invalid_strings_are_refused_by_check() {
    let mut zero_receive = config(V5);
    zero_receive.receive_maximum = 0;
    let mut zero_size = config(V5);
    zero_size.max_packet_size = 0;
    let mut zero_window = config(V3);
    zero_window.max_inflight = 0;
    let mut bad_id = config(V3);
    bad_id.client_id = String::from("a\0b");
    let mut bad_user = config(V3);
    bad_user.username = Some(String::from("\u{0}"));
    for c in [zero_receive, zero_size, zero_window, bad_id, bad_user] {
        assert!(matches!(c.check(), Err(SessionError::State(_))), "{c:?}");
    }
    assert_eq!(config(V3).check(), Ok(()));
}

#[test]
fn a_3x_session_refuses_publish_properties_rather_than_dropping_them() {
    let mut p = Peer::connected(config(V3));
    let mut publish = Publish::with_qos(topic("a"), "x", QoS::AtLeastOnce, pid(1));
    publish.properties.message_expiry_interval = Some(5);
    assert!(matches!(
        p.session.publish_packet(publish, p.now),
        Err(SessionError::Encode(_))
    ));
    assert!(p.session.data_to_send().is_empty());
}

// =======================================================================================
// Found by a black-box audit of the client session
// =======================================================================================

/// A resumed session's PUBLISHes, in flight at the server's Receive Maximum, and a sent
/// PUBLISH / PUBREL summary of what went out.
fn resumed_with(version: ProtocolVersion, connack: ConnAck) -> (Peer, Vec<Packet>) {
    let mut p = Peer::connected(persistent(version));
    for name in ["a", "b", "c", "d"] {
        p.publish(name, QoS::AtLeastOnce).unwrap();
    }
    assert_eq!(p.sent().len(), 4);
    p.session.connection_lost(p.now);
    p.events();
    p.connect();
    p.connack(connack);
    let sent = p.sent();
    (p, sent)
}

/// [MQTT-3.3.4-7], [MQTT-4.9.0-2]: the messages a resumed session sends again count against
/// the Receive Maximum of the new connection: two at a time with 2, in their first order,
/// the next as each PUBACK comes.
#[test]
fn mqtt_3_3_4_7_resends_keep_to_the_new_receive_maximum() {
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.session_present = true;
    ack.properties.receive_maximum = Some(2);
    let (mut p, sent) = resumed_with(V5, ack);
    let topics: Vec<&str> = sent.iter().map(|s| as_publish(s).topic.as_str()).collect();
    assert_eq!(topics, ["a", "b"], "two at a time");
    assert!(sent.iter().all(|s| as_publish(s).dup));
    let first = as_publish(&sent[0]).packet_id.unwrap();
    p.send(puback(first.get()));
    let next = p.sent();
    assert_eq!(next.len(), 1);
    assert_eq!(as_publish(&next[0]).topic.as_str(), "c");
}

/// [MQTT-3.3.4-7], §4.9: a new connection's send quota starts at its Receive Maximum, so a
/// QoS 2 flow released on an earlier connection (its PUBREL sent again) holds no place in
/// it, where one released on this connection holds its place until PUBCOMP.
#[test]
fn mqtt_3_3_4_7_a_flow_released_on_an_earlier_connection_leaves_the_quota_full() {
    let one = |session_present| {
        let mut ack = ConnAck::new(ReasonCode::Success);
        ack.session_present = session_present;
        ack.properties.receive_maximum = Some(1);
        ack
    };
    let mut p = Peer::new(persistent(V5));
    p.connect();
    p.connack(one(false));
    let first = p.publish("a", QoS::ExactlyOnce).unwrap().get();
    p.sent();
    p.send(pubrec(first));
    assert_eq!(p.sent(), vec![pubrel(first)]);
    // Released on this connection: the window of one is full until PUBCOMP.
    let held = p.publish("b", QoS::AtLeastOnce).unwrap().get();
    assert!(
        p.sent().is_empty(),
        "the released flow holds the only place"
    );
    p.session.connection_lost(p.now);
    p.events();
    p.connect();
    p.connack(one(true));
    let sent = p.sent();
    assert_eq!(sent.first(), Some(&pubrel(first)), "{sent:?}");
    assert_eq!(
        sent.len(),
        2,
        "the queued PUBLISH goes before PUBCOMP: {sent:?}"
    );
    assert_eq!(
        as_publish(&sent[1]).packet_id.map(|id| id.get()),
        Some(held)
    );
    // The PUBLISH sent on this connection holds the place until its PUBACK.
    let third = p.publish("c", QoS::AtLeastOnce).unwrap().get();
    assert!(p.sent().is_empty(), "{held} holds the place");
    p.send(puback(held));
    assert_eq!(
        as_publish(&p.sent()[0]).packet_id.map(|id| id.get()),
        Some(third)
    );
}

/// [MQTT-4.6.0-4]: PUBRELs sent again after a resumed session keep the order their PUBRECs
/// came in, not the order of the PUBLISHes.
#[test]
fn mqtt_4_6_0_4_resent_pubrels_keep_the_order_of_their_pubrecs() {
    for version in VERSIONS {
        let mut p = Peer::connected(persistent(version));
        let ids: Vec<u16> = ["a", "b", "c"]
            .iter()
            .map(|n| p.publish(n, QoS::ExactlyOnce).unwrap().get())
            .collect();
        p.sent();
        p.send(pubrec(ids[2]));
        p.send(pubrec(ids[0]));
        assert_eq!(p.sent(), vec![pubrel(ids[2]), pubrel(ids[0])]);
        p.session.connection_lost(p.now);
        p.events();
        p.connect();
        p.accept(true);
        let again: Vec<Packet> = p
            .sent()
            .into_iter()
            .filter(|s| matches!(s, Packet::PubRel(_)))
            .collect();
        assert_eq!(again, vec![pubrel(ids[2]), pubrel(ids[0])], "{version:?}");
    }
}

/// [MQTT-3.2.2-11], [MQTT-3.2.2-14]: messages queued before CONNACK told what the server
/// takes are not sent above its Maximum QoS or retained where it has no retain: they fail.
#[test]
fn mqtt_3_2_2_11_queued_messages_keep_to_the_servers_maximum_qos_and_retain() {
    let mut p = Peer::new(config(V5));
    p.connect();
    let qos2 = p
        .session
        .publish(topic("q"), "x", QoS::ExactlyOnce, false, p.now)
        .unwrap();
    let retained = p
        .session
        .publish(topic("r"), "x", QoS::AtLeastOnce, true, p.now)
        .unwrap();
    let plain = p
        .session
        .publish(topic("p"), "x", QoS::AtLeastOnce, false, p.now)
        .unwrap();
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.properties.maximum_qos = Some(1);
    ack.properties.retain_available = Some(0);
    let mut events = p.connack(ack);
    let sent = p.sent();
    events.extend(p.events());
    assert_eq!(sent.len(), 1, "{events:?}");
    assert_eq!(as_publish(&sent[0]).packet_id, plain);
    let failed: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::PublishFailed { packet_id, failure } => Some((*packet_id, *failure)),
            _ => None,
        })
        .collect();
    assert_eq!(
        failed,
        vec![
            (
                qos2.unwrap(),
                PublishFailure::Refused(ReasonCode::QoSNotSupported)
            ),
            (
                retained.unwrap(),
                PublishFailure::Refused(ReasonCode::RetainNotSupported)
            ),
        ]
    );
}

/// PR-9, [MQTT-3.1.2-29]: without Request Problem Information, a Reason String on AUTH is a
/// protocol error, as on the acknowledgements.
#[test]
fn pr_9_a_reason_string_on_auth_without_problem_information_is_a_protocol_error() {
    let mut c = config(V5);
    c.request_problem_information = false;
    let mut p = Peer::connected(c);
    let mut auth = Auth::new(ReasonCode::ContinueAuthentication);
    auth.properties.authentication_method = Some(MqttStr::new("SCRAM-SHA-1").unwrap());
    auth.properties.reason_string = Some(MqttStr::new("why").unwrap());
    p.send(Packet::Auth(auth));
    p.assert_broke_rule(ReasonCode::ProtocolError);
}

/// TOP rules: a malformed filter is not sent in UNSUBSCRIBE (a server may close the
/// connection for it, as mosquitto does), though a receiver is lenient with one (UNS-6).
#[test]
fn a_malformed_unsubscribe_filter_is_refused_before_sending() {
    for version in VERSIONS {
        let mut p = Peer::connected(config(version));
        let refused = p
            .session
            .unsubscribe(vec![MqttStr::new("a/#/b").unwrap()], p.now);
        assert!(
            matches!(refused, Err(SessionError::Topic(_))),
            "{version:?}"
        );
        assert!(p.sent().is_empty());
    }
}

/// 5.0 [MQTT-4.3.3-10]: the allocating session, like the heap-free one, keeps the packet
/// identifier of a QoS 2 message that failed on a resumed session (its resend is larger
/// than the server's new Maximum Packet Size) for as long as the server's session lasts:
/// its snapshot says so (format 3, stage 2), restored it still does, and once a CONNACK
/// says the session is gone the identifier is free and the snapshot is format 2 again.
#[test]
fn v5_a_failed_qos2_resend_keeps_its_id_in_the_allocating_session() {
    let mut p = Peer::connected(persistent(V5));
    let id = p
        .session
        .publish(topic("a"), vec![0u8; 200], QoS::ExactlyOnce, false, p.now)
        .unwrap()
        .unwrap();
    p.sent();
    p.session.connection_lost(p.now);
    p.events();
    p.connect();
    let mut ack = ConnAck::new(ReasonCode::Success);
    ack.session_present = true;
    ack.properties.maximum_packet_size = Some(64);
    let mut events = p.connack(ack);
    // The resend is judged as the session sends.
    assert_eq!(p.sent(), vec![]);
    events.extend(p.events());
    assert!(
        events.contains(&Event::PublishFailed {
            packet_id: id,
            failure: PublishFailure::Refused(ReasonCode::PacketTooLarge),
        }),
        "{events:?}"
    );
    let snapshot = p.session.snapshot();
    assert_eq!(snapshot[4], 3, "format 3 for a held identifier");
    let held = [2u8, (id.get() >> 8) as u8, id.get() as u8];
    assert!(snapshot.windows(3).any(|w| w == held), "{snapshot:02x?}");
    let restored = Session::from_snapshot(persistent(V5), &snapshot).unwrap();
    assert_eq!(restored.snapshot(), snapshot);

    p.session.connection_lost(p.now);
    p.events();
    p.connect();
    p.accept(false);
    assert_eq!(p.session.snapshot()[4], 2);
}
