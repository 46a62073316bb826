//! What a server that turned a feature off does with a client that uses it anyway: the
//! broker's `wildcard_subscriptions`, `shared_subscriptions` and `subscription_identifiers`
//! switches, announced to 5.0 clients in CONNACK (SUB-4, SUB-12, SUB-13).

mod support_broker;

use mqtt_codec::broker::BrokerConfig;
use mqtt_codec::{Packet, QoS, ReasonCode, Subscribe, Subscription, TopicFilter};
use support_broker::*;

fn topic_filter(f: &str) -> TopicFilter {
    TopicFilter::new(f).unwrap()
}

fn harness(f: impl FnOnce(&mut BrokerConfig)) -> Harness {
    let mut config = BrokerConfig::default();
    f(&mut config);
    Harness::new(config)
}

fn disconnected_with(h: &mut Harness, conn: u64) -> ReasonCode {
    let got = h.received(conn);
    assert!(h.closed(conn), "connection {conn} must be closed");
    match got.as_slice() {
        [Packet::Disconnect(d)] => d.reason_code,
        other => panic!("expected DISCONNECT, got {other:?}"),
    }
}

/// SUB-4 (5.0 §3.2.2.3.12): Subscription Identifier Available = 0 in CONNACK, and a
/// SUBSCRIBE carrying one is answered with DISCONNECT 0xA1.
#[test]
fn sub_4_v5_subscription_identifier_when_unavailable_disconnects_0xa1() {
    let mut h = harness(|c| c.subscription_identifiers = false);
    let ack = h.connect(1, V5, "c", true);
    assert_eq!(ack.properties.subscription_identifier_available, Some(0));
    let mut s = Subscribe::new(
        pid(1),
        vec![Subscription::new(topic_filter("a/b"), QoS::AtMostOnce)],
    );
    s.properties.subscription_identifiers.push(7);
    h.send(1, s);
    assert_eq!(
        disconnected_with(&mut h, 1),
        ReasonCode::SubscriptionIdentifiersNotSupported
    );
}

/// SUB-12, [MQTT-3.8.3-2] (3.1.1): a server without wildcard support refuses such a filter
/// with SUBACK 0x80 and keeps the others.
#[test]
fn mqtt_3_8_3_2_v311_wildcard_filter_refused_0x80_when_unsupported() {
    let mut h = harness(|c| c.wildcard_subscriptions = false);
    h.connect(1, V311, "c", true);
    let ack = h.subscribe_with(
        1,
        Subscribe::new(
            pid(1),
            vec![
                Subscription::new(topic_filter("a/#"), QoS::AtLeastOnce),
                Subscription::new(topic_filter("a/b"), QoS::AtLeastOnce),
            ],
        ),
    );
    assert_eq!(
        ack.reason_codes,
        [ReasonCode::UnspecifiedError, ReasonCode::GrantedQoS1]
    );
}

/// SUB-12 (5.0 §3.2.2.3.11): Wildcard Subscription Available = 0 in CONNACK, and a wildcard
/// filter is answered with DISCONNECT 0xA2.
#[test]
fn sub_12_v5_wildcard_filter_when_unavailable_disconnects_0xa2() {
    let mut h = harness(|c| c.wildcard_subscriptions = false);
    let ack = h.connect(1, V5, "c", true);
    assert_eq!(ack.properties.wildcard_subscription_available, Some(0));
    h.send(
        1,
        Subscribe::new(
            pid(1),
            vec![Subscription::new(topic_filter("a/+"), QoS::AtMostOnce)],
        ),
    );
    assert_eq!(
        disconnected_with(&mut h, 1),
        ReasonCode::WildcardSubscriptionsNotSupported
    );
}

/// SUB-13 (5.0 §3.2.2.3.13): Shared Subscription Available = 0 in CONNACK, and a
/// `$share/` filter is answered with DISCONNECT 0x9E.
#[test]
fn sub_13_v5_shared_filter_when_unavailable_disconnects_0x9e() {
    let mut h = harness(|c| c.shared_subscriptions = false);
    let ack = h.connect(1, V5, "c", true);
    assert_eq!(ack.properties.shared_subscription_available, Some(0));
    h.send(
        1,
        Subscribe::new(
            pid(1),
            vec![Subscription::new(
                topic_filter("$share/g/a"),
                QoS::AtMostOnce,
            )],
        ),
    );
    assert_eq!(
        disconnected_with(&mut h, 1),
        ReasonCode::SharedSubscriptionsNotSupported
    );
}

/// With every feature on (the default), CONNACK announces nothing unavailable.
#[test]
fn by_default_nothing_is_announced_unavailable() {
    let mut h = Harness::default();
    let ack = h.connect(1, V5, "c", true);
    let p = &ack.properties;
    assert_eq!(
        (
            p.wildcard_subscription_available,
            p.shared_subscription_available,
            p.subscription_identifier_available
        ),
        (None, None, None)
    );
}
