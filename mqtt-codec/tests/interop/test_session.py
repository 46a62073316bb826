"""Persistent sessions: what was published while a subscriber was away is delivered when it
comes back (clean session 0 in 3.1.1, clean start 0 + session expiry in 5.0); clean sessions
and expired sessions keep nothing; unacknowledged messages are resent with DUP."""

import signal
import time

import pytest

from mqtt_clients import assert_quiet, mosquitto_pub, parse_publish

VERSIONS = ["3.1.1", "5.0"]


def persistent(paho, version, client_id):
    """A subscriber whose session outlives its connection."""
    if version == "5.0":
        return paho(version, client_id=client_id, clean=False, session_expiry=300)
    return paho(version, client_id=client_id, clean=False)


@pytest.mark.parametrize("version", VERSIONS)
def test_persistent_session_receives_queued(paho, version):
    sub = persistent(paho, version, "keeper")
    sub.subscribe("queued/q1", qos=1)
    sub.subscribe("queued/q2", qos=2)
    sub.disconnect()

    pub = paho(version)
    for i in range(5):
        pub.publish("queued/q1", b"one-%d" % i, qos=1)  # returns after PUBACK: the broker has it
        pub.publish("queued/q2", b"two-%d" % i, qos=2)  # after PUBCOMP

    assert sub.connect() is True, "session_present must be 1"
    got = sub.get_n(10)
    q1 = [(m.payload, m.qos) for m in got if m.topic == "queued/q1"]
    q2 = [(m.payload, m.qos) for m in got if m.topic == "queued/q2"]
    assert q1 == [(b"one-%d" % i, 1) for i in range(5)]
    assert q2 == [(b"two-%d" % i, 2) for i in range(5)]
    # The subscriptions survived too: a live message still arrives, and nothing twice.
    pub.publish("queued/q1", b"live", qos=1)
    assert sub.get().payload == b"live"
    assert_quiet(sub)


@pytest.mark.parametrize("version", VERSIONS)
def test_clean_session_keeps_nothing(paho, version):
    sub = paho(version, client_id="forgetful", clean=True)
    sub.subscribe("gone/t", qos=1)
    sub.disconnect()
    paho(version).publish("gone/t", b"lost", qos=1)
    assert sub.connect() is False
    assert_quiet(sub)


def test_v5_session_expiry_zero_ends_session(paho):
    """clean start 0 without a Session Expiry Interval: the session ends with the connection."""
    sub = paho("5.0", client_id="expiry0", clean=False)
    sub.subscribe("exp/t", qos=1)
    sub.disconnect()
    paho("5.0").publish("exp/t", b"lost", qos=1)
    assert sub.connect() is False
    assert_quiet(sub)


def test_v5_session_expires_after_interval(paho):
    sub = paho("5.0", client_id="short", clean=False, session_expiry=1)
    sub.subscribe("exp/t", qos=1)
    sub.disconnect()
    paho("5.0").publish("exp/t", b"queued", qos=1)
    time.sleep(1.6)  # the expiry itself is what is tested: nothing to wait on
    assert sub.connect() is False
    assert_quiet(sub)


def test_v5_session_resumed_before_expiry(paho):
    sub = paho("5.0", client_id="short2", clean=False, session_expiry=5)
    sub.subscribe("exp/t", qos=1)
    sub.disconnect()
    paho("5.0").publish("exp/t", b"queued", qos=1)
    assert sub.connect() is True
    assert sub.get().payload == b"queued"


@pytest.mark.parametrize("version", VERSIONS)
def test_persistent_session_mosquitto_sub(broker, mosq_sub, version):
    extra = ["-c"] + (["-x", "300"] if version == "5.0" else [])
    sub = mosq_sub("msess/#", version=version, qos=1, client_id="msess", extra=extra)
    assert sub.stop(signal.SIGINT) == 0
    for i in range(5):
        mosquitto_pub(broker.port, f"msess/{i}", f"away {i}", version=version, qos=1)
    sub = mosq_sub("msess/#", version=version, qos=1, client_id="msess", extra=extra)
    got = sub.get_n(5)
    assert [(m.topic, m.payload, m.qos) for m in got] == [(f"msess/{i}", f"away {i}".encode(), 1) for i in range(5)]
    assert_quiet(sub)


@pytest.mark.parametrize("version", VERSIONS)
def test_unacknowledged_qos1_resent_with_dup(paho, raw, version):
    """A raw client takes a QoS 1 PUBLISH without PUBACK and drops the connection; on resuming
    the session the broker resends it with DUP set and the same packet identifier."""
    kw = {"clean": False, "session_expiry": 300 if version == "5.0" else None}
    c = raw()
    c.connect(version, "dupper", **kw)
    suback = c.subscribe(version, 1, "dup/t", 1)
    assert suback.body[-1] == 1
    paho(version).publish("dup/t", b"please ack", qos=1)
    topic, pid, payload, dup = parse_publish(c.read_packet(), version)
    assert (topic, payload, dup) == ("dup/t", b"please ack", False)
    c.close()  # no PUBACK

    c2 = raw()
    ack = c2.connect(version, "dupper", **kw)
    assert ack.body[0] & 1 == 1, "session present"
    topic2, pid2, payload2, dup2 = parse_publish(c2.read_packet(), version)
    assert (topic2, pid2, payload2, dup2) == ("dup/t", pid, b"please ack", True)
    c2.send(bytes([0x40, 2, pid >> 8, pid & 0xFF]))  # PUBACK
    c2.send(b"\xc0\x00")  # PINGREQ: its PINGRESP proves nothing else was pending
    p = c2.read_packet()
    assert p is not None and p.type == 13, f"expected PINGRESP, got {p}"
