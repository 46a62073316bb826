"""Many clients at once, QoS 1, and every message counted: none lost, none duplicated.

500 paho clients (half 3.1.1, half 5.0) driven by one selector (epoll) loop through paho's
external-loop interface (socket callbacks, loop_read / loop_write / loop_misc): paho's own
threaded loop uses select(), which cannot watch descriptors above 1023. Each client
subscribes to its own topic and publishes to its neighbour's, so every client is at once a
publisher and a subscriber and every message crosses the broker between two connections.
"""

import os
import selectors
import socket
import time
from collections import Counter

import paho.mqtt.client as mqtt
import pytest

def _readable(sock) -> bool:
    """Bytes are waiting (or EOF) on a non-blocking socket."""
    try:
        return len(sock.recv(1, socket.MSG_PEEK)) >= 0
    except BlockingIOError:
        return False
    except OSError:
        return True


TOTAL_TIMEOUT = float(os.environ.get("LOAD_TIMEOUT", "120"))


class Fleet:
    """N paho clients on one selector, with shared counters. Single-threaded: the test
    thread publishes and then pumps the loop until what it waits for has happened."""

    def __init__(self, port: int, n: int, prefix: str, v5=lambda i: i % 2 == 1):
        self.sel = selectors.DefaultSelector()
        self.connacks = 0
        self.subacks = 0
        self.pubacks = 0
        self.received = [Counter() for _ in range(n)]
        self.received_total = 0
        self.failures: list[str] = []
        self.closing = False
        self.clients = []
        for i in range(n):
            version = mqtt.MQTTv5 if v5(i) else mqtt.MQTTv311
            c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{prefix}-{i}", protocol=version,
                            reconnect_on_failure=False, userdata=i)
            c.max_inflight_messages_set(100)
            c.max_queued_messages_set(0)
            c.on_connect = self._on_connect
            c.on_subscribe = self._on_subscribe
            c.on_publish = self._on_publish
            c.on_message = self._on_message
            c.on_disconnect = self._on_disconnect
            c.on_socket_open = self._on_socket_open
            c.on_socket_close = self._on_socket_close
            c.on_socket_register_write = self._on_register_write
            c.on_socket_unregister_write = self._on_unregister_write
            self.clients.append(c)
        self.port = port

    # -- socket bookkeeping for the selector --
    def _on_socket_open(self, client, i, sock):
        self.sel.register(sock, selectors.EVENT_READ, client)

    def _on_socket_close(self, client, i, sock):
        try:
            self.sel.unregister(sock)
        except (KeyError, ValueError):
            pass

    def _on_register_write(self, client, i, sock):
        self.sel.modify(sock, selectors.EVENT_READ | selectors.EVENT_WRITE, client)

    def _on_unregister_write(self, client, i, sock):
        try:
            self.sel.modify(sock, selectors.EVENT_READ, client)
        except (KeyError, ValueError):
            pass

    # -- MQTT callbacks --
    def _on_connect(self, client, i, flags, rc, props):
        if rc.is_failure:
            self.failures.append(f"client {i}: CONNACK {rc}")
        self.connacks += 1

    def _on_subscribe(self, client, i, mid, rcs, props):
        if any(rc.is_failure for rc in rcs):
            self.failures.append(f"client {i}: SUBACK {rcs}")
        self.subacks += 1

    def _on_publish(self, client, i, mid, rc, props):
        if rc.is_failure:
            self.failures.append(f"client {i}: PUBACK {rc}")
        self.pubacks += 1

    def _on_message(self, client, i, m):
        self.received[i][bytes(m.payload)] += 1
        self.received_total += 1
        if m.qos != 1:
            self.failures.append(f"client {i}: QoS {m.qos}")

    def _on_disconnect(self, client, i, flags, rc, props):
        if not self.closing:
            self.failures.append(f"client {i}: disconnected: {rc}")

    # -- the loop --
    def pump(self, what: str, predicate, deadline: float):
        """Runs the loop until predicate() holds; fails on a timeout or a client failure."""
        last_misc = time.monotonic()
        while not predicate():
            assert not self.failures, f"{what}: {self.failures[:10]}"
            now = time.monotonic()
            assert now < deadline, f"timed out waiting for {what}: {self.pubacks} PUBACKs, {self.received_total} messages received"
            for key, mask in self.sel.select(timeout=0.05):
                c = key.data
                if mask & selectors.EVENT_READ:
                    # paho reads about one packet per call when it has nothing in flight:
                    # read on while bytes are buffered, as a client that keeps up would.
                    for _ in range(64):
                        c.loop_read()
                        sock = c.socket()
                        if sock is None or not _readable(sock):
                            break
                if mask & selectors.EVENT_WRITE:
                    c.loop_write()
            if now - last_misc > 1.0:
                for c in self.clients:
                    c.loop_misc()
                last_misc = now
        assert not self.failures, f"{what}: {self.failures[:10]}"

    def settle(self, seconds: float):
        """Keeps the loop running for a fixed time (to show that nothing more arrives)."""
        end = time.monotonic() + seconds
        self.pump("settle", lambda: time.monotonic() >= end, end + 5)

    def connect_all(self, deadline: float):
        for c in self.clients:
            c.connect("127.0.0.1", self.port, keepalive=60)
        self.pump("CONNACKs", lambda: self.connacks == len(self.clients), deadline)

    def close(self):
        self.closing = True
        for c in self.clients:
            try:
                c.disconnect()
                c.loop_write()
            except Exception:
                pass
            sock = c.socket()
            if sock is not None:
                sock.close()
        self.sel.close()


@pytest.mark.parametrize("clients,per_client", [(500, 20)])
def test_500_clients_qos1_none_lost(broker, clients, per_client):
    t0 = time.monotonic()
    deadline = t0 + TOTAL_TIMEOUT
    fleet = Fleet(broker.port, clients, "load")
    try:
        fleet.connect_all(deadline)
        for i, c in enumerate(fleet.clients):
            c.subscribe(f"load/{i}", qos=1)
        fleet.pump("SUBACKs", lambda: fleet.subacks == clients, deadline)
        t_ready = time.monotonic()

        total = clients * per_client
        for seq in range(per_client):
            for i, c in enumerate(fleet.clients):
                info = c.publish(f"load/{(i + 1) % clients}", b"%d:%d" % (i, seq), qos=1)
                assert info.rc == mqtt.MQTT_ERR_SUCCESS
        fleet.pump(f"{total} PUBACKs and {total} messages",
                   lambda: fleet.pubacks == total and fleet.received_total >= total, deadline)
        t_done = time.monotonic()
        fleet.settle(0.5)  # duplicates would come late: give them a moment, then count exactly
        for i in range(clients):
            src = (i - 1) % clients
            want = Counter({b"%d:%d" % (src, s): 1 for s in range(per_client)})
            got = fleet.received[i]
            assert got == want, f"client {i}: lost {sorted(want - got)}, extra {sorted(got - want)}"
        assert fleet.received_total == total
        print(f"\n{clients} clients connected and subscribed in {t_ready - t0:.1f} s; "
              f"{total} QoS 1 messages delivered in {t_done - t_ready:.1f} s")
    finally:
        fleet.close()


@pytest.mark.parametrize("sink_version", ["3.1.1", "5.0"])
def test_fan_in_qos1_none_lost(start_broker, sink_version):
    """50 publishers, one subscriber, 10,000 QoS 1 messages in one burst: the subscriber
    gets every message. The burst exceeds the default --max-queued 1000 (a 3.1.1 client has
    100 in flight, then its queue), so the broker is given room: beyond it, dropping and
    counting is the documented behaviour."""
    broker = start_broker("--max-queued", "20000")
    publishers, per_pub = 50, 200
    deadline = time.monotonic() + TOTAL_TIMEOUT
    fleet = Fleet(broker.port, publishers + 1, "fanin", v5=lambda i: (sink_version == "5.0") == (i == 0))
    try:
        fleet.connect_all(deadline)
        fleet.clients[0].subscribe("fanin/#", qos=1)
        fleet.pump("SUBACK", lambda: fleet.subacks == 1, deadline)
        total = publishers * per_pub
        for seq in range(per_pub):
            for i, c in enumerate(fleet.clients[1:], start=1):
                assert c.publish(f"fanin/{i}", b"%d:%d" % (i, seq), qos=1).rc == mqtt.MQTT_ERR_SUCCESS
        fleet.pump(f"{total} PUBACKs and {total} messages",
                   lambda: fleet.pubacks == total and fleet.received_total >= total, deadline)
        fleet.settle(0.5)
        want = Counter({b"%d:%d" % (i, s): 1 for i in range(1, publishers + 1) for s in range(per_pub)})
        got = fleet.received[0]
        assert got == want, f"lost {sum((want - got).values())}, duplicated {sum((got - want).values())}"
    finally:
        fleet.close()
