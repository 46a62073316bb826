//! The operator's limits on sessions: how many the broker holds (`max_sessions`) and how long
//! one outlives its connection (`max_session_expiry`), so that clients connecting under ever
//! new identifiers, or asking for sessions that never end, cannot grow its memory without end.

mod support_broker;

use bytes::Bytes;
use mqtt_codec::broker::{BrokerConfig, SnPeer};
use mqtt_codec::{sn, Disconnect, MqttStr, ReasonCode};
use support_broker::*;

fn with_config(f: impl FnOnce(&mut BrokerConfig)) -> Harness {
    let mut config = BrokerConfig::default();
    f(&mut config);
    Harness::new(config)
}

const MINUTE_MS: u64 = 60_000;

#[test]
fn a_session_past_max_sessions_is_refused_with_quota_exceeded_or_server_unavailable() {
    let mut h = with_config(|c| c.max_sessions = Some(2));
    h.connect_v5_persistent(1, "kept", 3600);
    h.disconnect(1);
    h.connect(2, V311, "live", true);
    assert_eq!(h.broker.session_count(), 2);

    let ack = h.connect_with(3, connect_packet(V5, "third", true));
    assert_eq!(ack.reason_code, ReasonCode::QuotaExceeded);
    assert!(h.closed(3));
    let ack = h.connect_with(4, connect_packet(V311, "fourth", true));
    assert_eq!(
        ack.reason_code,
        ReasonCode::ServerUnavailable,
        "3.1.1 has no Quota exceeded: 0x03"
    );
    assert!(h.closed(4));
    assert_eq!(h.broker.session_count(), 2);
}

#[test]
fn max_sessions_lets_a_client_take_up_or_replace_its_own_session() {
    let mut h = with_config(|c| c.max_sessions = Some(1));
    h.connect_v5_persistent(1, "only", 3600);
    h.subscribe(1, "t", mqtt_codec::QoS::AtLeastOnce);
    h.disconnect(1);
    let ack = h.connect_v5_persistent(2, "only", 3600);
    assert!(ack.session_present, "resumed under the limit");
    // A takeover by a new connection, then a clean start: the same one session each time.
    h.connect(3, V311, "only", false);
    h.connect(4, V5, "only", true);
    assert_eq!(h.broker.session_count(), 1);
}

#[test]
fn max_sessions_counts_again_once_a_session_expires() {
    let mut h = with_config(|c| c.max_sessions = Some(1));
    h.connect_v5_persistent(1, "brief", 60);
    h.disconnect(1);
    let ack = h.connect_with(2, connect_packet(V5, "other", true));
    assert_eq!(ack.reason_code, ReasonCode::QuotaExceeded);
    h.advance(MINUTE_MS + 1);
    assert_eq!(h.broker.session_count(), 0);
    h.connect(3, V5, "other", true);
}

#[test]
fn mqtt_3_2_2_3_2_a_longer_session_expiry_is_cut_and_the_5_0_client_told() {
    let mut h = with_config(|c| c.max_session_expiry = Some(60));
    let ack = h.connect_v5_persistent(1, "long", u32::MAX);
    assert_eq!(
        ack.properties.session_expiry_interval,
        Some(60),
        "the CONNACK says which interval the server uses"
    );
    let ack = h.connect_v5_persistent(2, "short", 30);
    assert_eq!(
        ack.properties.session_expiry_interval, None,
        "the client's own interval is used: nothing to tell"
    );
    h.disconnect(1);
    h.disconnect(2);
    h.advance(30_000 + 1);
    assert_eq!(
        h.broker.session_count(),
        1,
        "\"short\" ended after its 30 s"
    );
    h.advance(30_000);
    assert_eq!(
        h.broker.session_count(),
        0,
        "\"long\" ended after the limit"
    );
}

#[test]
fn max_session_expiry_ends_the_3_1_1_sessions_that_would_never_expire() {
    let mut h = with_config(|c| c.max_session_expiry = Some(60));
    h.connect(1, V311, "persistent", false);
    h.disconnect(1);
    h.advance(MINUTE_MS - 1);
    assert_eq!(h.broker.session_count(), 1);
    h.advance(2);
    assert_eq!(h.broker.session_count(), 0);
    let ack = h.connect(2, V311, "persistent", false);
    assert!(!ack.session_present);
}

#[test]
fn a_longer_session_expiry_in_disconnect_is_cut_too() {
    let mut h = with_config(|c| c.max_session_expiry = Some(60));
    h.connect_v5_persistent(1, "extends", 10);
    let mut d = Disconnect::new(ReasonCode::Success);
    d.properties.session_expiry_interval = Some(3600);
    h.send(1, d);
    h.advance(MINUTE_MS + 1);
    assert_eq!(h.broker.session_count(), 0);
}

#[test]
fn dis_7_a_cut_to_zero_does_not_make_a_later_disconnect_expiry_a_protocol_error() {
    // The rule looks at what the client's CONNECT asked for, not at what the server kept.
    let mut h = with_config(|c| c.max_session_expiry = Some(0));
    let ack = h.connect_v5_persistent(1, "zeroed", 3600);
    assert_eq!(ack.properties.session_expiry_interval, Some(0));
    let mut d = Disconnect::new(ReasonCode::Success);
    d.properties.session_expiry_interval = Some(60);
    h.send(1, d);
    assert!(h.received(1).is_empty(), "no DISCONNECT 0x82 back");
    assert_eq!(h.broker.session_count(), 0);
}

fn sn_connect(h: &mut Harness, peer: SnPeer, client_id: &str) -> Vec<sn::Message<Bytes>> {
    let connect = sn::Message::Connect(sn::Connect {
        will: false,
        clean_session: false,
        duration: 0,
        client_id: MqttStr::try_new(client_id.as_bytes()).expect("a valid client id"),
    });
    h.sn_send(peer, &connect);
    h.sn_received(peer)
}

#[test]
fn max_session_expiry_ends_an_mqtt_sn_1_2_session_too() {
    let mut h = with_config(|c| c.max_session_expiry = Some(60));
    let accepted = sn::Message::ConnAck {
        return_code: sn::ReturnCode::Accepted,
    };
    assert_eq!(sn_connect(&mut h, 100, "sensor"), [accepted]);
    h.sn_send(100, &sn::Message::Disconnect { duration: None });
    h.advance(MINUTE_MS - 1);
    assert_eq!(
        h.broker.session_count(),
        1,
        "outlives the DISCONNECT (SN-GW-2)"
    );
    h.advance(2);
    assert_eq!(h.broker.session_count(), 0);
}

#[test]
fn an_mqtt_sn_connect_past_max_sessions_is_rejected_for_congestion() {
    let mut h = with_config(|c| c.max_sessions = Some(1));
    h.connect(1, V5, "mqtt", true);
    let congestion = sn::Message::ConnAck {
        return_code: sn::ReturnCode::Congestion,
    };
    assert_eq!(sn_connect(&mut h, 100, "sensor"), [congestion]);
    assert_eq!(h.broker.session_count(), 1);
}

#[test]
fn a_stored_session_is_brought_within_a_limit_set_since() {
    let mut h = Harness::persistent(BrokerConfig::default());
    h.connect(1, V311, "forever", false);
    h.disconnect(1);
    h.connect_v5_persistent(2, "connected", 3600);
    let config = BrokerConfig {
        max_session_expiry: Some(60),
        ..BrokerConfig::default()
    };
    let restored = h.crash_and_restart_with(config, 1000);
    assert_eq!(restored.sessions, 2);
    h.advance(MINUTE_MS - 1);
    assert_eq!(h.broker.session_count(), 2);
    h.advance(2);
    assert_eq!(
        h.broker.session_count(),
        0,
        "both end a minute after the restart: the one stored as never expiring, and the one \
         whose client the crash cut off"
    );
}
