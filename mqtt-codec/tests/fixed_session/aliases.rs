//! Topic aliases from the server (5.0).

use super::harness::*;

pub(crate) fn with_alias(mut publish: Publish, alias: u16) -> Packet {
    publish.properties.topic_alias = Some(alias);
    Packet::Publish(publish)
}

pub(crate) fn aliased(alias: u16) -> Packet {
    with_alias(Publish::new(TopicName::empty_for_alias(), "aliased"), alias)
}

fn message_topic(events: &[Ev]) -> String {
    match events {
        [Ev::Message { publish, .. }] => publish.topic.as_str().to_string(),
        other => panic!("{other:?}"),
    }
}

pub(crate) fn aliases_in(aliases: usize, alias_topics: usize) -> Sizes {
    Sizes {
        aliases,
        alias_topics,
        ..SIZES
    }
}

/// 5.0 (text §3.3.2.3.4): a PUBLISH with a topic and an alias sets the alias; one with the
/// alias alone is delivered under the topic it stands for; a later topic remaps the alias.
/// The topic storage is just large enough, so remapping packs it.
#[test]
fn v5_inbound_topic_alias_sets_resolves_and_remaps() {
    for topic_room in [64, 8] {
        let mut p = Peer::connected_sized(config(V5), aliases_in(2, topic_room));
        p.send(with_alias(Publish::new(topic("abcd"), "1"), 1));
        assert_eq!(message_topic(&p.events()), "abcd");
        p.send(aliased(1));
        assert_eq!(message_topic(&p.events()), "abcd");
        p.send(with_alias(Publish::new(topic("efgh"), "2"), 2));
        p.send(with_alias(Publish::new(topic("ijkl"), "3"), 1));
        p.events();
        p.send(aliased(1));
        assert_eq!(message_topic(&p.events()), "ijkl", "room {topic_room}");
        p.send(aliased(2));
        assert_eq!(message_topic(&p.events()), "efgh", "room {topic_room}");
        // A QoS 1 and a QoS 2 message by alias alone: acknowledged, delivered by topic.
        p.send(with_alias(
            Publish::with_qos(TopicName::empty_for_alias(), "q1", QoS::AtLeastOnce, pid(7)),
            2,
        ));
        let events = p.events();
        assert_eq!(message_topic(&events), "efgh");
        let Ev::Message { publish, .. } = &events[0] else {
            unreachable!()
        };
        assert_eq!(publish.properties.topic_alias, Some(2));
        assert_eq!(&publish.payload[..], b"q1");
        p.send(with_alias(
            Publish::with_qos(TopicName::empty_for_alias(), "q2", QoS::ExactlyOnce, pid(8)),
            1,
        ));
        assert_eq!(message_topic(&p.events()), "ijkl");
        assert_eq!(p.sent(), vec![puback(7), pubrec(8)]);
        assert!(p.session.is_connected());
    }
}

/// A topic that does not fit the alias topic storage cannot be remembered: the session
/// cannot follow the server, and ends the connection with 0x83.
#[test]
fn v5_inbound_alias_topic_larger_than_its_storage_ends_the_connection() {
    let mut p = Peer::connected_sized(config(V5), aliases_in(2, 8));
    p.send(with_alias(Publish::new(topic("a-long-topic"), "1"), 1));
    p.assert_broke_rule(ReasonCode::ImplementationSpecificError);
}

/// PUB-8, 5.0 (text §3.3.2.1, §3.3.4): an alias alone that has no mapping on this
/// connection is a Protocol Error (0x82); mappings do not survive the connection
/// ([MQTT-3.3.2-7]).
#[test]
fn v5_inbound_unknown_topic_alias_is_a_protocol_error() {
    let mut p = Peer::connected_sized(config(V5), aliases_in(4, 64));
    p.send(aliased(2));
    p.assert_broke_rule(ReasonCode::ProtocolError);

    let mut p = Peer::connected_sized(persistent(V5), aliases_in(4, 64));
    p.send(with_alias(Publish::new(topic("a"), "1"), 2));
    p.events();
    p.lose();
    p.connect();
    p.accept(true);
    p.events();
    p.send(aliased(2));
    p.assert_broke_rule(ReasonCode::ProtocolError);
}

/// PUB-13, 5.0 [MQTT-3.3.2-11] .. [MQTT-3.3.2-12]: alias 0, or one above the Topic Alias
/// Maximum we announced (0 when there are no alias records), is Topic Alias invalid:
/// DISCONNECT 0x94.
#[test]
fn v5_inbound_topic_alias_zero_or_above_our_maximum_is_0x94() {
    for (sizes, alias) in [(aliases_in(4, 64), 5), (SIZES, 1)] {
        let mut p = Peer::connected_sized(config(V5), sizes);
        p.send(with_alias(Publish::new(topic("a"), "1"), alias));
        p.assert_broke_rule(ReasonCode::TopicAliasInvalid);
    }
    // Alias 0, which the codec will not even encode: PUBLISH "a", Topic Alias (0x23) 0.
    let mut p = Peer::connected_sized(config(V5), aliases_in(4, 64));
    p.send_raw(&[0x30, 0x08, 0x00, 0x01, b'a', 0x03, 0x23, 0x00, 0x00, b'1']);
    p.assert_broke_rule(ReasonCode::TopicAliasInvalid);
    // The highest announced is fine.
    let mut p = Peer::connected_sized(config(V5), aliases_in(4, 64));
    p.send(with_alias(Publish::new(topic("a"), "1"), 4));
    assert_eq!(message_topic(&p.events()), "a");
}
