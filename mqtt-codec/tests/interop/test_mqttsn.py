"""The MQTT-SN gateway (--mqttsn-listen) over real UDP, with an MQTT-SN client nobody here
wrote (the mqtt_sn_pub and mqtt_sn_sub tools of PyPI's mqtt-sn-12) on one side and paho-mqtt
on the other: QoS -1, 0, 1 and 2 from MQTT-SN to MQTT, QoS 0 and 1 from MQTT to MQTT-SN
(by exact name and through a wildcard, which makes the gateway REGISTER the topic), and an
MQTT-SN client's will published when its keep alive runs out."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import free_port
from mqtt_clients import TIMEOUT

BIN = Path(sys.executable).parent


@pytest.fixture
def sn_broker(start_broker, tmp_path):
    predefined = tmp_path / "predefined"
    predefined.write_text("# id topic\n5 sn/predefined\n")
    port = free_port()
    b = start_broker("--mqttsn-listen", f"127.0.0.1:{port}", "--mqttsn-predefined", str(predefined))
    b.sn_port = port
    return b


def sn_pub(broker, *args: str) -> None:
    done = subprocess.run(
        [str(BIN / "mqtt_sn_pub"), "-p", str(broker.sn_port), "--timeout", "10", *args],
        capture_output=True, timeout=TIMEOUT, text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def sn_sub(broker, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "mqtt_sn_sub"), "-p", str(broker.sn_port), "--timeout", "20", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_for_log(broker, text: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while text not in broker.log_text(tail=200):
        assert time.monotonic() < deadline, f"no {text!r} in the broker log"
        time.sleep(0.05)  # poll interval for the log file


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_an_mqttsn_publish_reaches_an_mqtt_subscriber(sn_broker, paho, qos):
    sub = paho("3.1.1", port=sn_broker.port)
    sub.subscribe("sn/#", qos=2)
    sn_pub(sn_broker, "-t", f"sn/qos{qos}", "-m", f"hello {qos}", "-q", str(qos))
    message = sub.get()
    assert (message.topic, message.payload, message.qos) == (f"sn/qos{qos}", f"hello {qos}".encode(), qos)


def test_qos_minus_one_needs_no_connection(sn_broker, paho):
    """SN-GW-7: a short name and a predefined id, published without CONNECT."""
    sub = paho("5.0", port=sn_broker.port)
    sub.subscribe("#", qos=1)
    sn_pub(sn_broker, "-t", "ab", "-m", "short", "-q", "-1")
    sn_pub(sn_broker, "-T", "5", "-m", "predefined", "-q", "-1")
    got = {(m.topic, m.payload, m.qos) for m in (sub.get(), sub.get())}
    assert got == {("ab", b"short", 0), ("sn/predefined", b"predefined", 0)}


@pytest.mark.parametrize("qos", [0, 1])
@pytest.mark.parametrize("topic", ["sn/down", "sn/+"])
def test_an_mqtt_publish_reaches_an_mqttsn_subscriber(sn_broker, paho, qos, topic):
    sub = sn_sub(sn_broker, "-t", topic, "-q", str(qos), "-1")
    try:
        pub = paho("5.0", port=sn_broker.port)
        # The subscriber is ready once the broker holds its subscription; publish until then.
        out = ""
        for _ in range(50):
            pub.publish("sn/down", b"to the sensor", qos=1)
            try:
                out, _ = sub.communicate(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                continue
        assert "to the sensor" in out
        assert sub.returncode == 0
    finally:
        sub.kill()


def test_an_mqttsn_will_is_published_when_its_keep_alive_runs_out(sn_broker, paho):
    watcher = paho("3.1.1", port=sn_broker.port)
    watcher.subscribe("wills/#", qos=1)
    sub = sn_sub(
        sn_broker, "-t", "sn/never", "-k", "1",
        "--will-topic", "wills/sensor", "--will-payload", "sensor gone",
    )
    try:
        wait_for_log(sn_broker, "subscribed to sn/never")
        # Silence the client without a DISCONNECT: the gateway must notice within 1.5 s.
        sub.kill()
        message = watcher.get()
        assert (message.topic, message.payload) == ("wills/sensor", b"sensor gone")
    finally:
        sub.kill()
