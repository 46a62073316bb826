"""Takeover: a second CONNECT with the same client identifier closes the first connection
([MQTT-3.1.4-2]; 5.0 sends DISCONNECT 0x8E first)."""

import pytest

from mqtt_clients import assert_quiet

VERSIONS = ["3.1.1", "5.0"]


@pytest.mark.parametrize("first,second", [(v, v) for v in VERSIONS] + [("3.1.1", "5.0"), ("5.0", "3.1.1")])
def test_takeover_closes_first(paho, first, second):
    a = paho(first, client_id="twin")
    a.subscribe("take/a", qos=1)
    b = paho(second, client_id="twin")
    assert a.disconnected.wait(10), "first connection not closed"
    if first == "5.0":
        assert a.disconnect_reason.value == 0x8E, f"reason {a.disconnect_reason}"
    assert not b.disconnected.is_set()
    b.subscribe("take/b", qos=1)
    pub = paho("3.1.1")
    pub.publish("take/b", b"to the new one", qos=1)
    m = b.get()
    assert m.payload == b"to the new one"
    assert_quiet(a)


@pytest.mark.parametrize("version", VERSIONS)
def test_takeover_resumes_persistent_session(paho, version):
    kw = {"clean": False, "session_expiry": 300} if version == "5.0" else {"clean": False}
    a = paho(version, client_id="heir", **kw)
    a.subscribe("inherit/t", qos=1)
    b = paho(version, client_id="heir", connect=False, **kw)
    assert b.connect() is True, "the second connection gets the session"
    assert a.disconnected.wait(10)
    paho(version).publish("inherit/t", b"for the heir", qos=1)
    assert b.get().payload == b"for the heir"
    assert_quiet(a, b)

