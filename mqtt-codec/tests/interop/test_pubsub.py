"""Publish / subscribe at QoS 0, 1 and 2: every payload arrives intact, exactly once, in order."""

import os

import pytest

from mqtt_clients import assert_quiet, mosquitto_pub

VERSIONS = ["3.1.1", "5.0"]
QOS = [0, 1, 2]

PAYLOADS = [
    b"hello",
    b"",
    bytes(range(256)),  # every byte value, NUL included
    "grüße, 世界 🚀".encode(),
    os.urandom(70_000),  # more than one TCP segment, a 3-byte remaining length
    b"\x00" * 17,
]


@pytest.mark.parametrize("qos", QOS)
@pytest.mark.parametrize("version", VERSIONS)
def test_paho_pubsub(paho, version, qos):
    sub = paho(version, client_id=f"sub-{version}-{qos}")
    codes = sub.subscribe("pubsub/#", qos=qos)
    assert [c.value for c in codes] == [qos]
    pub = paho(version, client_id=f"pub-{version}-{qos}")
    for i, payload in enumerate(PAYLOADS):
        pub.publish(f"pubsub/{i}", payload, qos=qos)
    got = sub.get_n(len(PAYLOADS))
    assert [(m.topic, m.payload, m.qos, m.retain) for m in got] == [
        (f"pubsub/{i}", p, qos, False) for i, p in enumerate(PAYLOADS)
    ]
    sub.assert_no_message()  # exactly once: no duplicate follows


@pytest.mark.parametrize("qos", QOS)
@pytest.mark.parametrize("pub_version,sub_version", [("3.1.1", "5.0"), ("5.0", "3.1.1")])
def test_paho_pubsub_across_versions(paho, pub_version, sub_version, qos):
    sub = paho(sub_version)
    sub.subscribe("mixed/+", qos=2)
    pub = paho(pub_version)
    for i in range(10):
        pub.publish(f"mixed/{i}", b"m%d" % i, qos=qos)
    got = sub.get_n(10)
    assert [(m.topic, m.payload, m.qos) for m in got] == [(f"mixed/{i}", b"m%d" % i, qos) for i in range(10)]
    sub.assert_no_message()


@pytest.mark.parametrize("qos", QOS)
def test_granted_qos_downgrades_delivery(paho, qos):
    """A message is delivered at the lower of its QoS and the subscription's."""
    subs = {q: paho("5.0" if q % 2 else "3.1.1") for q in QOS}
    for q, s in subs.items():
        s.subscribe("down/t", qos=q)
    paho("3.1.1").publish("down/t", b"x", qos=qos)
    for q, s in subs.items():
        m = s.get()
        assert (m.payload, m.qos) == (b"x", min(q, qos))
    assert_quiet(*subs.values())


@pytest.mark.parametrize("qos", QOS)
@pytest.mark.parametrize("version", VERSIONS)
def test_mosquitto_pubsub(broker, mosq_sub, tmp_path, version, qos):
    sub = mosq_sub("mosq/#", version=version, qos=qos)
    assert sub.granted == [qos]
    texts = ["hello", "two words", "grüße 世界", "x" * 5000]
    for i, text in enumerate(texts):
        mosquitto_pub(broker.port, f"mosq/{i}", text, version=version, qos=qos)
    binary = os.urandom(100_000)
    (tmp_path / "blob").write_bytes(binary)
    mosquitto_pub(broker.port, "mosq/blob", version=version, qos=qos, file=str(tmp_path / "blob"))
    got = sub.get_n(len(texts) + 1)
    assert [(m.topic, m.payload, m.qos) for m in got] == [
        (f"mosq/{i}", t.encode(), qos) for i, t in enumerate(texts)
    ] + [("mosq/blob", binary, qos)]
    sub.assert_no_message()


@pytest.mark.parametrize("qos", QOS)
@pytest.mark.parametrize("version", VERSIONS)
def test_mosquitto_pub_to_paho_and_back(broker, paho, mosq_sub, version, qos):
    """mosquitto_pub -> paho subscriber, and paho publisher -> mosquitto_sub."""
    psub = paho(version)
    psub.subscribe("cross/to-paho", qos=qos)
    msub = mosq_sub("cross/to-mosq", version=version, qos=qos)
    mosquitto_pub(broker.port, "cross/to-paho", "from mosquitto", version=version, qos=qos)
    paho(version).publish("cross/to-mosq", b"from paho", qos=qos)
    m = psub.get()
    assert (m.topic, m.payload, m.qos) == ("cross/to-paho", b"from mosquitto", qos)
    m = msub.get()
    assert (m.topic, m.payload, m.qos) == ("cross/to-mosq", b"from paho", qos)
    assert_quiet(psub, msub)


def test_mosquitto_many_messages_one_connection(broker, mosq_sub):
    """mosquitto_pub -l: 200 QoS 2 messages on one connection, all delivered once, in order."""
    import subprocess

    sub = mosq_sub("lines", version="5.0", qos=2)
    lines = "".join(f"line {i}\n" for i in range(200))
    r = subprocess.run(["mosquitto_pub", "-p", str(broker.port), "-V", "mqttv311", "-q", "2", "-t", "lines", "-l"],
                       input=lines, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    got = sub.get_n(200)
    assert [m.payload for m in got] == [f"line {i}".encode() for i in range(200)]
    sub.assert_no_message()
