"""SIGTERM: 5.0 clients get DISCONNECT 0x8B (Server shutting down), every connection is
closed, and the broker exits with status 0."""

from mqtt_clients import TIMEOUT


def test_sigterm_sends_0x8b_and_exits_0(start_broker, paho, raw):
    b = start_broker()
    five = paho("5.0", port=b.port)
    old = raw(port=b.port)
    old.connect("3.1.1", "old-client")
    assert b.terminate() == 0
    assert five.disconnected.wait(TIMEOUT)
    assert five.disconnect_reason == 0x8B, f"reason {five.disconnect_reason}"
    assert old.read_packet(timeout=TIMEOUT) is None, "3.1.1: closed without a packet"
