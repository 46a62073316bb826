//! The broker's ACL (mosquitto's `acl_file`) at work on live traffic: reading is checked for
//! each message delivered, and `%c` / `%u` patterns cannot be widened by the identifiers
//! they are filled with.

mod support_broker;

use mqtt_codec::broker::{Acl, BrokerConfig};
use mqtt_codec::{Connect, QoS, ReasonCode};
use support_broker::*;

fn with_acl(text: &str) -> Harness {
    Harness::new(BrokerConfig {
        acl: Some(Acl::parse(text).unwrap()),
        ..BrokerConfig::default()
    })
}

fn as_user(version: mqtt_codec::ProtocolVersion, client_id: &str, user: &str) -> Connect {
    let mut c = connect_packet(version, client_id, true);
    c.username = Some(mqtt_str(user));
    c
}

/// A wildcard subscription granted by a wide rule does not carry what a `deny` rule
/// withholds: neither the retained message nor the live one (mosquitto checks each message
/// too).
#[test]
fn a_deny_inside_a_granted_wildcard_holds_for_every_message() {
    let mut h = with_acl(
        "user alice\ntopic readwrite r/#\nuser bob\ntopic read r/#\ntopic deny r/hidden\n",
    );
    h.connect_with(1, as_user(V5, "alice", "alice"));
    h.send(
        1,
        publish_packet(
            "r/hidden",
            "retained",
            QoS::AtMostOnce,
            None,
            true,
            Default::default(),
        ),
    );
    h.connect_with(2, as_user(V5, "bob", "bob"));
    let ack = h.subscribe(2, "r/#", QoS::AtMostOnce);
    assert_eq!(ack.reason_codes, [ReasonCode::Success]);
    assert!(h.payloads(2).is_empty(), "the retained message is withheld");
    h.publish0(1, "r/hidden", "live");
    h.publish0(1, "r/open", "open");
    assert_eq!(h.payloads(2), ["open"]);
    // At QoS 1 the withheld message takes no place in bob's window.
    h.subscribe(2, "r/#", QoS::AtLeastOnce);
    h.publish1(1, "r/hidden", "live", 1);
    h.publish1(1, "r/open", "open", 2);
    assert_eq!(h.drain_acking(2), ["open"]);
}

/// A client identifier or user name holding `+` or `#` is refused everything: put into a
/// `%c` or `%u` pattern, it would reach every client's topics (mosquitto refuses it too).
#[test]
fn wildcards_in_an_identifier_or_user_name_never_widen_a_pattern() {
    let mut h = with_acl("pattern readwrite users/%u/#\npattern readwrite clients/%c/#\n");
    h.connect_with(1, as_user(V5, "victim", "alice"));
    h.subscribe(1, "users/alice/#", QoS::AtMostOnce);
    h.subscribe(1, "clients/victim/#", QoS::AtMostOnce);

    h.connect_with(2, as_user(V5, "mallory", "#"));
    h.publish0(2, "users/alice/inbox", "injected");
    h.connect(3, V5, "+", true);
    h.publish0(3, "clients/victim/cmd", "injected");
    let ack = h.subscribe(3, "clients/+/#", QoS::AtMostOnce);
    assert_eq!(ack.reason_codes, [ReasonCode::NotAuthorized]);
    assert!(h.payloads(1).is_empty());

    // The patterns still work for the identifiers they are meant for.
    h.connect_with(4, as_user(V5, "victim-2", "alice"));
    h.publish0(4, "users/alice/inbox", "mine");
    assert_eq!(h.payloads(1), ["mine"]);
}

/// A `%u` pattern grants nothing to a client without a user name (it would otherwise match
/// `users//...`).
#[test]
fn a_user_name_pattern_grants_nothing_to_an_anonymous_client() {
    let mut h = with_acl("pattern readwrite users/%u/#\n");
    h.connect(1, V5, "anon", true);
    let ack = h.subscribe(1, "users//#", QoS::AtMostOnce);
    assert_eq!(ack.reason_codes, [ReasonCode::NotAuthorized]);
}
