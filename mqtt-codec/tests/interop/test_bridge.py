"""A real mosquitto bridge, with its default settings (MQTT 3.1.1, try_private: the bridge
mark in the protocol level), connects to the reference broker with `topic # both 0`:
messages cross both ways, each once, and nothing loops back."""

import shutil
import subprocess
import time

import pytest

from mqtt_clients import TIMEOUT, assert_quiet, mosquitto_pub

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


@pytest.fixture
def mosquitto_bridged(tmp_path, start_broker):
    """(our broker, the port of a mosquitto bridged to it)."""
    ours = start_broker()
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\n"
        "allow_anonymous true\n"
        "connection to-reference\n"
        f"address 127.0.0.1:{ours.port}\n"
        "topic # both 0\n"
        "cleansession true\n"
    )
    log = open(tmp_path / "mosquitto.log", "wb")
    proc = subprocess.Popen([MOSQUITTO, "-c", str(conf), "-v"], stdout=log, stderr=subprocess.STDOUT)
    try:
        # The bridge is up once our broker logs its connection and its subscription.
        deadline = time.monotonic() + TIMEOUT
        while not (", bridge," in (text := ours.log_text(200)) and "subscribed to #" in text):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the mosquitto bridge did not connect:\n{ours.log_text()}")
            time.sleep(0.05)  # poll interval while mosquitto connects
        yield ours, port
    finally:
        proc.terminate()
        proc.wait(TIMEOUT)
        log.close()


def test_mosquitto_bridge_forwards_both_ways_without_loops(mosquitto_bridged, paho):
    ours, theirs = mosquitto_bridged
    on_ours = paho("3.1.1", port=ours.port)
    on_ours.subscribe("sensor/#", qos=0)
    on_theirs = paho("3.1.1", port=theirs)
    on_theirs.subscribe("sensor/#", qos=0)
    mosquitto_pub(theirs, "sensor/a", "from mosquitto")
    assert (on_ours.get().topic, on_theirs.get().topic) == ("sensor/a", "sensor/a")
    mosquitto_pub(ours.port, "sensor/b", "from ours")
    assert (on_ours.get().payload, on_theirs.get().payload) == (b"from ours", b"from ours")
    # Each once: nothing came back over the bridge.
    assert_quiet(on_ours, on_theirs)
