"""Keep alive: a client silent for 1.5 times its keep alive is disconnected and its will is
published ([MQTT-3.1.2-24]); one that pings stays connected."""

import socket
import time

import pytest

from mqtt_clients import TIMEOUT, connect_packet


def wait_closed(c, version):
    """Seconds until the broker closes the raw connection (5.0: DISCONNECT 0x8D first)."""
    t0 = time.monotonic()
    p = c.read_packet(timeout=TIMEOUT)
    if version == "5.0":
        assert p is not None and p.type == 14, f"expected DISCONNECT, got {p}"
        assert p.body[0] == 0x8D, f"reason {p.body[0]:#x}, expected 0x8D keep alive timeout"
        p = c.read_packet(timeout=TIMEOUT)
    assert p is None, f"expected the connection closed, got {p}"
    return time.monotonic() - t0


@pytest.mark.parametrize("version", ["3.1", "3.1.1", "5.0"])
def test_keepalive_timeout_closes_and_publishes_will(paho, raw, version):
    watcher = paho("5.0")
    watcher.subscribe("ka/will", qos=1)
    c = raw()
    c.connect(version, "sleepy", keepalive=1, will=("ka/will", b"timed out", 1, False))
    elapsed = wait_closed(c, version)  # sends nothing after CONNECT
    assert 1.0 <= elapsed <= 3.0, f"closed after {elapsed:.2f} s, expected about 1.5 s"
    m = watcher.get()
    assert (m.topic, m.payload) == ("ka/will", b"timed out")


def test_max_keepalive_caps_a_longer_v5_keep_alive(start_broker, paho, raw):
    """--max-keepalive 1: announced in CONNACK and enforced on a client that asked for 60 s."""
    b = start_broker("--max-keepalive", "1")
    c = paho("5.0", port=b.port, keepalive=60)
    assert c.connack[2].ServerKeepAlive == 1
    r = raw(port=b.port)
    r.connect("5.0", "asked-60", keepalive=60)
    elapsed = wait_closed(r, "5.0")
    assert 1.0 <= elapsed <= 3.0, f"closed after {elapsed:.2f} s"


def test_max_keepalive_leaves_a_shorter_v5_keep_alive_alone(start_broker, paho):
    """As mosquitto's max_keepalive: a client asking for less keeps its own, with no Server
    Keep Alive in CONNACK (the paho interoperability test_keepalive connects this way)."""
    b = start_broker("--max-keepalive", "60")
    c = paho("5.0", port=b.port, keepalive=2)
    assert not hasattr(c.connack[2], "ServerKeepAlive")


@pytest.mark.parametrize("version", ["3.1", "3.1.1"])
def test_max_keepalive_refuses_a_longer_v3_keep_alive(start_broker, raw, version):
    """3.x cannot be told a Server Keep Alive: mosquitto refuses with 0x02, and so do we."""
    b = start_broker("--max-keepalive", "60")
    r = raw(port=b.port)
    r.send(connect_packet(version, "asked-120", 120))
    ack = r.read_packet()
    assert ack is not None and ack.type == 2 and ack.body[1] == 0x02, f"CONNACK {ack}"
    assert r.read_packet() is None, "closed after the refusal"


@pytest.mark.parametrize("version", ["3.1.1", "5.0"])
def test_pinging_client_stays_connected(paho, version):
    c = paho(version, keepalive=1)  # paho sends PINGREQ every second
    assert not c.disconnected.wait(2.6), f"disconnected: {c.disconnect_reason}"
    pub = paho(version)
    c.subscribe("alive", qos=1)
    pub.publish("alive", b"yes", qos=1)
    assert c.get().payload == b"yes"


def test_no_connect_is_not_forever(raw):
    """A socket that never sends CONNECT does not block others (its own timeout is 30 s)."""
    idle = [raw() for _ in range(20)]
    c = raw()
    c.connect("3.1.1", "busy")
    c.send(b"\xc0\x00")
    p = c.read_packet()
    assert p is not None and p.type == 13
    for s in idle:
        s.sock.shutdown(socket.SHUT_RDWR)
