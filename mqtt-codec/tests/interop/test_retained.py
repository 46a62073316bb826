"""Retained messages: set, replace, clear with an empty payload, delivered on subscribe."""

import pytest

from mqtt_clients import assert_quiet, mosquitto_pub

VERSIONS = ["3.1.1", "5.0"]


@pytest.mark.parametrize("qos", [0, 1, 2])
@pytest.mark.parametrize("version", VERSIONS)
def test_retained_set_replace_clear(paho, version, qos):
    pub = paho(version)
    live = paho(version)
    live.subscribe("ret/#", qos=2)

    pub.publish("ret/a", b"first", qos=qos, retain=True)
    m = live.get()
    # A subscriber that was already there gets it as a live message: retain 0 ([MQTT-3.3.1-9]).
    assert (m.topic, m.payload, m.retain) == ("ret/a", b"first", False)
    s1 = paho(version)
    s1.subscribe("ret/+", qos=2)
    m = s1.get()
    assert (m.topic, m.payload, m.qos, m.retain) == ("ret/a", b"first", qos, True)
    assert_quiet(s1, quiet=0)
    s1.disconnect()

    pub.publish("ret/a", b"second", qos=qos, retain=True)  # replaces
    assert live.get().payload == b"second"
    s2 = paho(version)
    s2.subscribe("ret/a", qos=2)
    m = s2.get()
    assert (m.payload, m.retain) == (b"second", True)
    s2.disconnect()

    pub.publish("ret/a", b"", qos=qos, retain=True)  # clears
    assert live.get().payload == b""
    s3 = paho(version)
    s3.subscribe("ret/#", qos=2)
    assert_quiet(s3, live)


@pytest.mark.parametrize("version", VERSIONS)
def test_retained_delivered_per_matching_topic(paho, version):
    pub = paho(version)
    for t in ["rt/a", "rt/b", "rt/c/d", "other/x"]:
        pub.publish(t, t.encode(), qos=1, retain=True)
    sub = paho("5.0" if version == "3.1.1" else "3.1.1")  # the other version reads them
    sub.subscribe("rt/#", qos=1)
    got = sorted((m.topic, m.payload, m.retain) for m in sub.get_n(3))
    assert got == [("rt/a", b"rt/a", True), ("rt/b", b"rt/b", True), ("rt/c/d", b"rt/c/d", True)]
    assert_quiet(sub)


@pytest.mark.parametrize("version", VERSIONS)
def test_retained_with_mosquitto(broker, mosq_sub, version):
    mosquitto_pub(broker.port, "mret/t", "kept", version=version, qos=1, retain=True)
    sub = mosq_sub("mret/t", version=version, qos=1)
    m = sub.get()
    assert (m.topic, m.payload, m.qos, m.retain) == ("mret/t", b"kept", 1, True)
    sub.stop()

    mosquitto_pub(broker.port, "mret/t", "replaced", version=version, qos=2, retain=True)
    sub = mosq_sub("mret/t", version=version, qos=2)
    m = sub.get()
    assert (m.payload, m.qos, m.retain) == (b"replaced", 2, True)
    sub.stop()

    mosquitto_pub(broker.port, "mret/t", None, version=version, qos=0, retain=True)  # -n -r clears
    sub = mosq_sub("mret/t", version=version, qos=2)
    assert_quiet(sub)


def test_retain_unavailable_v5(start_broker, paho):
    """--retain-available false: announced in CONNACK; a retained PUBLISH gets DISCONNECT 0x9A."""
    b = start_broker("--retain-available", "false")
    c = paho("5.0", port=b.port)
    assert c.connack[2].RetainAvailable == 0
    c.client.publish("x", b"y", qos=1, retain=True)
    assert c.disconnected.wait(10)
    assert c.disconnect_reason.value == 0x9A
