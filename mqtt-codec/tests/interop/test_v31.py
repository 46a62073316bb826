"""MQTT 3.1 (MQIsdp) clients, mosquitto_pub / mosquitto_sub -V mqttv31, on the same topics as
3.1.1 and 5.0 clients."""

import pytest

from mqtt_clients import assert_quiet, mosquitto_pub


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_v31_publisher_to_v5_and_v311_subscribers(broker, paho, mosq_sub, qos):
    p5 = paho("5.0")
    p5.subscribe("v31/#", qos=2)
    p311 = paho("3.1.1")
    p311.subscribe("v31/+", qos=2)
    m5 = mosq_sub("v31/#", version="5.0", qos=2)
    for i in range(3):
        mosquitto_pub(broker.port, f"v31/{i}", f"from 3.1 #{i}", version="3.1", qos=qos)
    want = [(f"v31/{i}", f"from 3.1 #{i}".encode(), qos) for i in range(3)]
    for s in (p5, p311, m5):
        assert [(m.topic, m.payload, m.qos) for m in s.get_n(3)] == want
    assert_quiet(p5, p311, m5)


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_v5_publisher_to_v31_subscriber(broker, paho, mosq_sub, qos):
    s31 = mosq_sub("to31/#", version="3.1", qos=qos)
    assert s31.granted == [qos]
    pub = paho("5.0")
    pub.publish("to31/x", b"from 5.0", qos=qos)
    mosquitto_pub(broker.port, "to31/y", "from 3.1.1", version="3.1.1", qos=qos)
    got = s31.get_n(2)
    assert [(m.topic, m.payload, m.qos) for m in got] == [("to31/x", b"from 5.0", qos), ("to31/y", b"from 3.1.1", qos)]
    assert_quiet(s31)


def test_v31_retained_and_will(broker, paho, mosq_sub):
    import signal

    mosquitto_pub(broker.port, "v31/ret", "retained by 3.1", version="3.1", qos=1, retain=True)
    s5 = paho("5.0")
    s5.subscribe("v31/#", qos=1)
    m = s5.get()
    assert (m.topic, m.payload, m.retain) == ("v31/ret", b"retained by 3.1", True)
    victim = mosq_sub("none", version="3.1", client_id="v31victim",
                      extra=["--will-topic", "v31/will", "--will-payload", "3.1 client lost"])
    victim.stop(signal.SIGKILL)
    m = s5.get()
    assert (m.topic, m.payload) == ("v31/will", b"3.1 client lost")


def test_v31_empty_client_id_refused(broker):
    """3.1 has no assigned client identifiers: CONNACK 2 (identifier rejected)."""
    from mqtt_clients import RawClient, connect_packet

    c = RawClient(broker.port)
    c.send(connect_packet("3.1", "", 60))
    p = c.read_packet()
    assert p is not None and p.type == 2 and p.body[1] == 2, p
    assert c.read_packet() is None
    c.close()
