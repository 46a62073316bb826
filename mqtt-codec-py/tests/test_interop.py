"""Interoperability with Debian's mosquitto: a client built on mqtt_codec and a paho-mqtt
client exchange messages at QoS 0, 1 and 2 in both directions, in MQTT 3.1.1 and 5.0; every
message arrives exactly once with its payload intact."""

from __future__ import annotations

import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from codec_client import CodecClient
from mqtt_codec import ProtocolVersion, QoS

TIMEOUT = 15.0
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Starts mosquitto on a free port; yields the port once the broker says it is running."""
    if not os.path.exists(MOSQUITTO):
        pytest.fail("mosquitto is not installed (scripts/test-python.sh installs it)")
    port = free_port()
    conf = tmp_path_factory.mktemp("mosquitto") / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\nlog_dest stderr\npersistence false\n")
    proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: "queue.Queue[str]" = queue.Queue()
    assert proc.stdout is not None
    out = proc.stdout

    def forward() -> None:
        for line in out:
            lines.put(line)

    threading.Thread(target=forward, daemon=True).start()
    deadline = time.monotonic() + TIMEOUT
    seen: List[str] = []
    try:
        while True:
            line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
            seen.append(line)
            if " running" in line:
                break
    except queue.Empty:
        proc.kill()
        pytest.fail("mosquitto did not start: " + "".join(seen))
    yield port
    proc.terminate()
    proc.wait(timeout=TIMEOUT)


class PahoClient:
    """paho-mqtt in its network thread; messages go to a queue."""

    def __init__(self, port: int, version: ProtocolVersion, client_id: str) -> None:
        protocol = paho.MQTTv5 if version == ProtocolVersion.V5 else paho.MQTTv311
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol)
        self.messages: "queue.Queue[Tuple[str, bytes, int]]" = queue.Queue()
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.client.on_connect = lambda c, u, f, rc, p: self.connected.set()
        self.client.on_subscribe = lambda c, u, mid, rcs, p: self.subscribed.set()
        self.client.on_message = lambda c, u, m: self.messages.put((m.topic, bytes(m.payload), m.qos))
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self.connected.wait(TIMEOUT), "paho did not connect"

    def subscribe(self, topic_filter: str, qos: int) -> None:
        self.subscribed.clear()
        self.client.subscribe(topic_filter, qos)
        assert self.subscribed.wait(TIMEOUT), "paho got no SUBACK"

    def publish(self, topic: str, payload: bytes, qos: int) -> None:
        info = self.client.publish(topic, payload, qos)
        info.wait_for_publish(TIMEOUT)
        assert info.is_published()

    def receive_until(self, end_topic: str) -> List[Tuple[str, bytes, int]]:
        got: List[Tuple[str, bytes, int]] = []
        while True:
            msg = self.messages.get(timeout=TIMEOUT)
            if msg[0] == end_topic:
                return got
            got.append(msg)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def messages(base: str) -> List[Tuple[str, bytes, int]]:
    """Messages at each QoS: text, every byte value, and a 200 kB payload."""
    out: List[Tuple[str, bytes, int]] = []
    for qos in (0, 1, 2):
        out.append((f"{base}/q{qos}/text", f"PV {qos} 42.5 kW".encode(), qos))
        out.append((f"{base}/q{qos}/binary", bytes(range(256)) + bytes([qos]), qos))
        out.append((f"{base}/q{qos}/large", bytes((i * 7 + qos) % 256 for i in range(200_000)), qos))
        out.append((f"{base}/q{qos}/empty", b"", qos))
    return out


def as_set(items: List[Tuple[str, bytes, Any]]) -> List[Tuple[str, bytes, int]]:
    return sorted((t, p, int(q)) for t, p, q in items)


VERSIONS = [ProtocolVersion.V3_1_1, ProtocolVersion.V5]


@pytest.mark.parametrize("version", VERSIONS, ids=["3.1.1", "5.0"])
def test_codec_client_publishes_to_paho(broker: int, version: ProtocolVersion) -> None:
    base = f"interop/v{int(version)}/to-paho"
    receiver = PahoClient(broker, version, f"paho-rx-{int(version)}")
    sender = CodecClient("127.0.0.1", broker, version, f"codec-tx-{int(version)}", TIMEOUT)
    try:
        receiver.subscribe(f"{base}/#", 2)
        expected = messages(base)
        for topic, payload, qos in expected:
            sender.publish(topic, payload, QoS(qos))
        sender.publish(f"{base}/end", b"", QoS.EXACTLY_ONCE)
        got = receiver.receive_until(f"{base}/end")
        assert as_set(got) == as_set(expected)
        assert len(got) == len(expected)
    finally:
        sender.close()
        receiver.close()


@pytest.mark.parametrize("version", VERSIONS, ids=["3.1.1", "5.0"])
def test_paho_publishes_to_codec_client(broker: int, version: ProtocolVersion) -> None:
    base = f"interop/v{int(version)}/to-codec"
    receiver = CodecClient("127.0.0.1", broker, version, f"codec-rx-{int(version)}", TIMEOUT)
    sender = PahoClient(broker, version, f"paho-tx-{int(version)}")
    try:
        receiver.subscribe(f"{base}/#", QoS.EXACTLY_ONCE)
        expected = messages(base)
        for topic, payload, qos in expected:
            sender.publish(topic, payload, qos)
        sender.publish(f"{base}/end", b"", 2)
        got = receiver.wait_messages(len(expected) + 1)
        assert got[-1][0] == f"{base}/end" or any(m[0] == f"{base}/end" for m in got)
        got = [m for m in got if m[0] != f"{base}/end"]
        assert as_set(got) == as_set(expected)
        assert len(got) == len(expected)
    finally:
        receiver.close()
        sender.close()


@pytest.mark.parametrize("version", VERSIONS, ids=["3.1.1", "5.0"])
def test_codec_clients_talk_to_each_other(broker: int, version: ProtocolVersion) -> None:
    base = f"interop/v{int(version)}/codec-to-codec"
    a = CodecClient("127.0.0.1", broker, version, f"codec-a-{int(version)}", TIMEOUT)
    b = CodecClient("127.0.0.1", broker, version, f"codec-b-{int(version)}", TIMEOUT)
    try:
        b.subscribe(f"{base}/+", QoS.EXACTLY_ONCE)
        for qos in QoS:
            a.publish(f"{base}/q{int(qos)}", f"{int(qos)}".encode(), qos)
        got = b.wait_messages(3)
        assert sorted((t, p, int(q)) for t, p, q in got) == [(f"{base}/q{q}", str(q).encode(), q) for q in range(3)]
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("mqtt", ["3.1.1", "5"])
def test_pv_station_example_runs_against_the_broker(broker: int, mqtt: str) -> None:
    example = Path(__file__).resolve().parent.parent / "examples" / "pv_station.py"
    run = subprocess.run(
        [sys.executable, str(example), "127.0.0.1", str(broker), "--readings", "10", "--mqtt", mqtt],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "charging" in run.stdout and "sunshine=false" in run.stdout
    assert run.stdout.count("dashboard: PV/data = ") == 11
