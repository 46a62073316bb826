"""Wildcard routing: `+`, `#`, and the `$` rule ([MQTT-4.7.2-1]: wildcards at the first level
do not match topics that start with `$`)."""

import pytest

from mqtt_clients import assert_quiet, mosquitto_pub

TOPICS = ["a", "a/b", "a/b/c", "a/x/c", "a/b/c/d", "b/c", "/a", "$app/x", "$app/a/b", "$other"]

EXPECTED = {
    "#": ["a", "a/b", "a/b/c", "a/x/c", "a/b/c/d", "b/c", "/a"],
    "a/#": ["a", "a/b", "a/b/c", "a/x/c", "a/b/c/d"],
    "a/+/c": ["a/b/c", "a/x/c"],
    "+/+": ["a/b", "b/c", "/a"],
    "+": ["a"],
    "+/x": [],
    "+/#": ["a", "a/b", "a/b/c", "a/x/c", "a/b/c/d", "b/c", "/a"],
    "a/b": ["a/b"],
    "$app/#": ["$app/x", "$app/a/b"],
    "$app/+": ["$app/x"],
    "+/a/b": [],
}

END = "zz/end"


def collect_until_end(client):
    """Messages before the end marker. One publisher at QoS 1, so the marker comes last."""
    out = []
    while True:
        m = client.get()
        if m.topic == END:
            return out
        out.append(m.topic)


@pytest.mark.parametrize("version", ["3.1.1", "5.0"])
def test_wildcard_routing_paho(paho, version):
    subs = {}
    for f in EXPECTED:
        c = paho(version)
        c.subscribe(f, END, qos=1)
        subs[f] = c
    pub = paho(version)
    for t in TOPICS + [END]:
        pub.publish(t, t.encode(), qos=1)
    for f, c in subs.items():
        assert collect_until_end(c) == EXPECTED[f], f"filter {f!r}"


@pytest.mark.parametrize("version", ["3.1.1", "5.0"])
def test_wildcard_routing_mosquitto(broker, mosq_sub, version):
    filters = ["#", "a/+/c", "$app/#", "+/x"]
    subs = {f: mosq_sub(f, END, version=version, qos=1) for f in filters}
    for t in TOPICS + [END]:
        mosquitto_pub(broker.port, t, t, version=version, qos=1)
    for f, s in subs.items():
        got = []
        while (m := s.get()).topic != END:
            got.append(m.topic)
        assert got == EXPECTED[f], f"filter {f!r}"


def test_overlapping_subscriptions_deliver_once(paho):
    c = paho("5.0")
    c.subscribe("o/#", "o/+", "o/t", qos=1)
    paho("3.1.1").publish("o/t", b"once", qos=1)
    assert c.get().payload == b"once"
    assert_quiet(c)


@pytest.mark.parametrize("version", ["3.1.1", "5.0"])
def test_unsubscribe_stops_delivery(paho, version):
    c = paho(version)
    c.subscribe("u/+", qos=1)
    pub = paho(version)
    pub.publish("u/1", b"before", qos=1)
    assert c.get().payload == b"before"
    c.unsubscribe("u/+")
    pub.publish("u/2", b"after", qos=1)
    assert_quiet(c)
