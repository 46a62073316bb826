"""--persistence DIR: the broker killed with SIGKILL in the middle of QoS 1 and QoS 2 traffic
and started again on the same store. Publisher and subscriber are paho-mqtt clients with
persistent sessions that reconnect by themselves. Nothing a publisher saw acknowledged
(PUBACK, or PUBCOMP) is lost, and no QoS 2 message reaches the subscriber twice."""

from __future__ import annotations

import collections
import struct
import threading
import time

import paho.mqtt.client as mqtt

from mqtt_clients import TIMEOUT, mstr, parse_publish, stop_loop, varint

MESSAGES = 400
KILLS = 2


class Persistent:
    """A paho 3.1.1 client with a persistent session that reconnects on its own."""

    def __init__(self, port: int, client_id: str):
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False,
            protocol=mqtt.MQTTv311,
        )
        self.client.max_inflight_messages_set(20)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(min_delay=1, max_delay=1)
        self.lock = threading.Lock()
        self.received: collections.Counter[str] = collections.Counter()
        self.acked: set[int] = set()
        self.connects = 0
        self.connected = threading.Event()
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *a: self.connected.clear()
        self.client.on_message = self._on_message
        self.client.on_publish = self._on_publish
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()
        assert self.connected.wait(TIMEOUT), f"{client_id} did not connect"

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        with self.lock:
            self.connects += 1
        self.connected.set()

    def _on_message(self, client, userdata, msg):
        with self.lock:
            self.received[msg.payload.decode()] += 1

    def _on_publish(self, client, userdata, mid, reason_code, properties):
        with self.lock:
            self.acked.add(mid)

    def close(self):
        stop_loop(self.client)
        self.client.disconnect()


def _wait(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out: {what}"
        time.sleep(0.05)  # polling threads of paho's that have no awaitable event


def test_sigkill_during_qos1_and_qos2_traffic_loses_nothing_acknowledged(start_broker, tmp_path):
    store = str(tmp_path / "store")
    broker = start_broker("--persistence", store)
    port = broker.port
    sub = Persistent(port, "persist-sub")
    result, _ = sub.client.subscribe("load/#", qos=2)
    assert result == mqtt.MQTT_ERR_SUCCESS
    time.sleep(0.2)  # SUBACK: paho's subscribe() does not wait for it
    pub = Persistent(port, "persist-pub")
    sent: dict[int, tuple[str, int]] = {}
    kills_at = {MESSAGES * (k + 1) // (KILLS + 1) for k in range(KILLS)}
    for i in range(MESSAGES):
        qos = 1 + i % 2
        body = f"q{qos}-{i}"
        info = pub.client.publish(f"load/{i % 7}", body, qos=qos)
        sent[info.mid] = (body, qos)
        if i in kills_at:
            broker.kill()
            broker = start_broker("--persistence", store, port=port)
            # Traffic resumes once both are back (the publisher queued meanwhile), so the
            # next kill lands in the middle of it again.
            back = pub.connects + 1, sub.connects + 1
            _wait(lambda: pub.connects >= back[0] and sub.connects >= back[1], 30,
                  "both clients reconnected")
        time.sleep(0.002)  # spread the traffic so the kills land in the middle of it
    _wait(lambda: len(pub.acked) == MESSAGES, 60, "every message acknowledged to the publisher")
    acked = [sent[mid] for mid in pub.acked]
    _wait(lambda: all(sub.received[b] for b, _ in acked), 60,
          "every acknowledged message delivered")
    # Late duplicates of QoS 1 messages are allowed; give any QoS 2 duplicate time to show.
    time.sleep(1.0)
    twice = [b for b, qos in acked if qos == 2 and sub.received[b] > 1]
    assert not twice, f"QoS 2 messages delivered more than once: {twice[:10]}"
    pub.close()
    sub.close()


def test_sigterm_flushes_the_store_and_a_restart_keeps_the_session(start_broker, tmp_path, raw):
    store = str(tmp_path / "store")
    broker = start_broker("--persistence", store)
    port = broker.port
    sub = raw(port=port)
    sub.connect("3.1.1", "keeper", clean=False)
    sub.subscribe("3.1.1", 1, "t", 1)
    sub.close()
    publisher = raw(port=port)
    publisher.connect("3.1.1", "writer")
    body = struct.pack(">H", 1) + b"waiting"
    publisher.send(bytes([0x32]) + varint(len(mstr("t")) + len(body)) + mstr("t") + body)
    ack = publisher.read_packet()
    assert ack is not None and ack.type == 4, f"expected PUBACK, got {ack}"
    assert broker.terminate() == 0
    start_broker("--persistence", store, port=port)
    again = raw(port=port)
    connack = again.connect("3.1.1", "keeper", clean=False)
    assert connack.body[0] & 1, "session present: the session outlived the broker"
    p = again.read_packet()
    assert p is not None
    topic, pid, payload, dup = parse_publish(p, "3.1.1")
    assert (topic, payload) == ("t", b"waiting") and pid is not None


def test_sigkill_keeps_the_queue_of_an_offline_subscriber(start_broker, tmp_path):
    store = str(tmp_path / "store")
    broker = start_broker("--persistence", store)
    port = broker.port
    sub = Persistent(port, "offline-sub")
    sub.client.subscribe("queue/#", qos=2)
    time.sleep(0.2)  # SUBACK: paho's subscribe() does not wait for it
    sub.close()
    pub = Persistent(port, "offline-pub")
    bodies = {}
    for i in range(200):
        qos = 1 + i % 2
        info = pub.client.publish(f"queue/{i % 3}", f"q{qos}-{i}", qos=qos)
        bodies[info.mid] = f"q{qos}-{i}"
    _wait(lambda: len(pub.acked) == len(bodies), 30, "every message acknowledged")
    pub.close()
    broker.kill()
    start_broker("--persistence", store, port=port)
    again = Persistent(port, "offline-sub")
    _wait(lambda: sum(again.received.values()) >= len(bodies), 30, "the queue delivered")
    time.sleep(0.5)  # room for a duplicate to show
    assert set(again.received) == set(bodies.values())
    twice = [b for b, n in again.received.items() if n > 1 and b.startswith("q2")]
    assert not twice, f"QoS 2 messages delivered more than once: {twice[:10]}"
    again.close()
