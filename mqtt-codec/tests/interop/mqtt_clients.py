"""Clients for the interop tests: paho-mqtt, mosquitto_pub / mosquitto_sub, and a raw socket.

paho-mqtt and the mosquitto clients are the "clients nobody here wrote". The raw client
exists only for what those clients will not do on purpose: go silent after CONNECT (keep
alive), or leave a QoS 1 message unacknowledged (redelivery with DUP).

Every wait is bounded: events and queues with timeouts, never a sleep standing in for
something that can be waited on. QUIET is the one fixed wait, used only to show that
something does NOT arrive.
"""

from __future__ import annotations

import queue
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

#: Bound for anything that should happen promptly.
TIMEOUT = 10.0

#: How long to watch for something that must not arrive.
QUIET = 0.5

PAHO_VERSIONS = {"3.1.1": mqtt.MQTTv311, "5.0": mqtt.MQTTv5}
MOSQ_VERSIONS = {"3.1": "mqttv31", "3.1.1": "mqttv311", "5.0": "mqttv5"}


def stop_loop(client: mqtt.Client) -> None:
    """paho's `loop_stop()`, made safe: paho-mqtt 2.2's races its own network thread, which
    clears `client._thread` as it ends, between `loop_stop()`'s check and its join (an
    AttributeError then). The thread seen first is joined here as well."""
    thread = client._thread
    try:
        client.loop_stop()
    except AttributeError:
        pass
    if thread is not None and thread is not threading.current_thread():
        thread.join(TIMEOUT)


@dataclass
class Msg:
    """A message as a subscriber saw it."""

    topic: str
    payload: bytes
    qos: int
    retain: bool
    dup: bool = False
    properties: object = None


# --------------------------------------------------------------------------------------
# paho-mqtt
# --------------------------------------------------------------------------------------


class PahoClient:
    """A paho-mqtt 2.x client on its own network thread (loop_start), with blocking helpers.

    Automatic reconnection is off, so a connection the broker closes stays closed and the
    test sees it.
    """

    def __init__(
        self,
        port: int,
        version: str = "5.0",
        client_id: str = "",
        clean: bool = True,
        session_expiry: int | None = None,
        will: tuple | None = None,
        username: str | None = None,
        keepalive: int = 60,
        connect: bool = True,
        host: str = "127.0.0.1",
        websocket_path: str | None = None,
    ):
        self.port, self.host = port, host
        self.version = version
        self.v5 = version == "5.0"
        self.clean = clean
        self.session_expiry = session_expiry
        self.keepalive = keepalive
        kwargs = {} if self.v5 else {"clean_session": clean}
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=PAHO_VERSIONS[version],
            reconnect_on_failure=False,
            transport="tcp" if websocket_path is None else "websockets",
            **kwargs,
        )
        if websocket_path is not None:
            self.client.ws_set_options(path=websocket_path)
        # Unbounded local queues: the tests measure the broker, not paho's own limits.
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        if username is not None:
            self.client.username_pw_set(username)
        if will is not None:
            topic, payload, qos, retain = will
            self.client.will_set(topic, payload, qos, retain)
        self.messages: queue.Queue[Msg] = queue.Queue()
        self.connected = threading.Event()
        self.disconnected = threading.Event()
        self.connack = None
        self.disconnect_reason = None
        self._cond = threading.Condition()
        self._subacks: dict[int, list] = {}
        self._pubacks: dict[int, object] = {}
        c = self.client
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_message = self._on_message
        c.on_subscribe = self._on_subscribe
        c.on_publish = self._on_publish
        c.on_unsubscribe = self._on_unsubscribe
        if connect:
            self.connect()

    # -- callbacks (paho's network thread) --
    def _on_connect(self, client, userdata, flags, reason_code, properties):
        self.connack = (flags, reason_code, properties)
        self.connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.disconnect_reason = reason_code
        self.disconnected.set()
        self.connected.set()  # wake a connect() that is waiting in vain

    def _on_message(self, client, userdata, m):
        props = getattr(m, "properties", None)
        self.messages.put(Msg(m.topic, bytes(m.payload), m.qos, bool(m.retain), bool(m.dup), props))

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        with self._cond:
            self._subacks[mid] = list(reason_codes)
            self._cond.notify_all()

    def _on_unsubscribe(self, client, userdata, mid, reason_codes, properties):
        with self._cond:
            self._subacks[mid] = list(reason_codes)
            self._cond.notify_all()

    def _on_publish(self, client, userdata, mid, reason_code, properties):
        with self._cond:
            self._pubacks[mid] = reason_code
            self._cond.notify_all()

    # -- blocking helpers (test thread) --
    def connect(self, clean: bool | None = None, session_expiry: int | None = None):
        """Connects and waits for CONNACK; returns session_present. Fails if refused."""
        if clean is not None:
            self.clean = clean
        if session_expiry is not None:
            self.session_expiry = session_expiry
        self.connected.clear()
        self.disconnected.clear()
        self.connack = None
        if self.v5:
            props = None
            if self.session_expiry is not None:
                props = Properties(PacketTypes.CONNECT)
                props.SessionExpiryInterval = self.session_expiry
            self.client.connect(self.host, self.port, self.keepalive, clean_start=self.clean, properties=props)
        else:
            self.client.connect(self.host, self.port, self.keepalive)
        self.client.loop_start()
        assert self.connected.wait(TIMEOUT), "no CONNACK"
        assert self.connack is not None, f"connection closed before CONNACK ({self.disconnect_reason})"
        flags, rc, _ = self.connack
        assert not rc.is_failure, f"CONNECT refused: {rc}"
        return bool(flags.session_present)

    def subscribe(self, *filters, qos: int = 0) -> list:
        """Subscribes and waits for SUBACK; returns its reason codes (paho ReasonCode)."""
        res, mid = self.client.subscribe([(f, qos) for f in filters])
        assert res == mqtt.MQTT_ERR_SUCCESS, f"subscribe failed locally: {res}"
        with self._cond:
            assert self._cond.wait_for(lambda: mid in self._subacks, TIMEOUT), f"no SUBACK for {filters}"
            return self._subacks.pop(mid)

    def unsubscribe(self, *filters) -> list:
        """Unsubscribes and waits for UNSUBACK."""
        res, mid = self.client.unsubscribe(list(filters))
        assert res == mqtt.MQTT_ERR_SUCCESS, f"unsubscribe failed locally: {res}"
        with self._cond:
            assert self._cond.wait_for(lambda: mid in self._subacks, TIMEOUT), f"no UNSUBACK for {filters}"
            return self._subacks.pop(mid)

    def publish(self, topic: str, payload=b"", qos: int = 0, retain: bool = False, wait: bool = True, properties=None):
        """Publishes; with wait, returns once the flow completed (PUBACK / PUBCOMP, or written
        for QoS 0) with the broker's reason code (None for QoS 0 / 3.1.1)."""
        info = self.client.publish(topic, payload, qos, retain, properties=properties)
        assert info.rc == mqtt.MQTT_ERR_SUCCESS, f"publish failed locally: {info.rc}"
        if not wait:
            return info
        info.wait_for_publish(TIMEOUT)
        assert info.is_published(), f"publish to {topic} (QoS {qos}) not acknowledged"
        with self._cond:
            return self._pubacks.pop(info.mid, None)

    def get(self, timeout: float = TIMEOUT) -> Msg:
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no message within {timeout} s") from None

    def get_n(self, n: int, timeout: float = TIMEOUT) -> list[Msg]:
        deadline = time.monotonic() + timeout
        out = []
        while len(out) < n:
            left = deadline - time.monotonic()
            try:
                out.append(self.messages.get(timeout=max(left, 0.001)))
            except queue.Empty:
                raise AssertionError(f"got {len(out)} of {n} messages within {timeout} s: {out[:5]}") from None
        return out

    def assert_no_message(self, quiet: float = QUIET):
        try:
            m = self.messages.get(timeout=quiet)
        except queue.Empty:
            return
        raise AssertionError(f"unexpected message: {m}")

    def disconnect(self):
        """A normal DISCONNECT."""
        self.client.disconnect()
        assert self.disconnected.wait(TIMEOUT), "no disconnect"
        stop_loop(self.client)

    def drop(self):
        """Loses the connection without DISCONNECT (the broker sees the socket close)."""
        sock = self.client.socket()
        assert sock is not None, "not connected"
        sock.shutdown(socket.SHUT_RDWR)
        assert self.disconnected.wait(TIMEOUT), "paho did not notice its socket closing"
        stop_loop(self.client)

    def close(self):
        """Cleanup, whatever the state."""
        try:
            if self.client.is_connected():
                self.client.disconnect()  # wakes and ends the network thread at once
            stop_loop(self.client)
            sock = self.client.socket()
            if sock is not None:
                sock.close()
        except Exception:
            pass


# --------------------------------------------------------------------------------------
# mosquitto_pub / mosquitto_sub
# --------------------------------------------------------------------------------------


def mosquitto_pub(port: int, topic: str, payload: bytes | str | None = None, version: str = "3.1.1", qos: int = 0,
                  retain: bool = False, extra: list | None = None, file: str | None = None, check: bool = True):
    """Runs mosquitto_pub once. payload None sends a zero-length message (-n)."""
    cmd = ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-V", MOSQ_VERSIONS[version],
           "-t", topic, "-q", str(qos)]
    if retain:
        cmd.append("-r")
    if file is not None:
        cmd += ["-f", file]
    elif payload is None:
        cmd.append("-n")
    else:
        cmd += ["-m", payload.decode() if isinstance(payload, bytes) else payload]
    cmd += extra or []
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    if check:
        assert r.returncode == 0, f"{' '.join(cmd)} failed ({r.returncode}): {r.stdout} {r.stderr}"
    return r


class MosquittoSub:
    """mosquitto_sub in debug mode, its output parsed as it comes: one `MSG qos retain topic
    hexpayload` line per message, debug lines otherwise (SUBACK tells when it is ready)."""

    FORMAT = "MSG %q %r %t %x"

    def __init__(self, port: int, *topics: str, version: str = "3.1.1", qos: int = 0,
                 client_id: str | None = None, extra: list | None = None, wait: bool = True):
        cmd = ["stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-V", MOSQ_VERSIONS[version],
               "-d", "-q", str(qos), "-F", self.FORMAT]
        for t in topics:
            cmd += ["-t", t]
        if client_id is not None:
            cmd += ["-i", client_id]
        cmd += extra or []
        self.cmd = cmd
        self.messages: queue.Queue[Msg] = queue.Queue()
        self.log: list[str] = []
        self.granted: list[int] | None = None
        self.subscribed = threading.Event()
        self.connacked = threading.Event()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if wait:
            self.wait_subscribed()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line.startswith("MSG "):
                parts = line.split(" ", 4)
                qos, retain, topic = int(parts[1]), parts[2] == "1", parts[3]
                payload = bytes.fromhex(parts[4]) if len(parts) > 4 else b""
                self.messages.put(Msg(topic, payload, qos, retain))
                continue
            self.log.append(line)
            if "received CONNACK" in line:
                self.connacked.set()
            if line.startswith("Subscribed (mid:"):
                self.granted = [int(x) for x in line.split(":", 2)[2].replace(",", " ").split()]
                self.subscribed.set()
        self.subscribed.set()  # EOF: wake the waiter; it checks the process

    def wait_subscribed(self):
        assert self.subscribed.wait(TIMEOUT), f"mosquitto_sub not subscribed: {self.log}"
        assert self.granted is not None, f"mosquitto_sub exited ({self.proc.poll()}): {self.log}"
        return self.granted

    def get(self, timeout: float = TIMEOUT) -> Msg:
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"mosquitto_sub got no message within {timeout} s: {self.log[-5:]}") from None

    def get_n(self, n: int, timeout: float = TIMEOUT) -> list[Msg]:
        deadline = time.monotonic() + timeout
        out = []
        while len(out) < n:
            try:
                out.append(self.messages.get(timeout=max(deadline - time.monotonic(), 0.001)))
            except queue.Empty:
                raise AssertionError(f"mosquitto_sub got {len(out)} of {n} messages: {self.log[-5:]}") from None
        return out

    def assert_no_message(self, quiet: float = QUIET):
        try:
            m = self.messages.get(timeout=quiet)
        except queue.Empty:
            return
        raise AssertionError(f"unexpected message: {m}")

    def wait_exit(self) -> int:
        """Waits for the process to end by itself (e.g. -C N); returns its exit code."""
        try:
            self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"mosquitto_sub still running: {self.log[-5:]}") from None
        self._reader.join(TIMEOUT)
        return self.proc.returncode

    def stop(self, sig=None):
        """Ends the process: SIGINT = DISCONNECT (5.0: reason 0x04, with will message, which is
        what mosquitto_sub sends when interrupted), SIGKILL = connection lost."""
        import signal as _signal

        if self.proc.poll() is None:
            self.proc.send_signal(sig if sig is not None else _signal.SIGINT)
        try:
            self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(TIMEOUT)
        self._reader.join(TIMEOUT)
        return self.proc.returncode


# --------------------------------------------------------------------------------------
# A raw MQTT client over a plain socket
# --------------------------------------------------------------------------------------


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n % 128, n // 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mstr(s: str | bytes) -> bytes:
    b = s.encode() if isinstance(s, str) else s
    return struct.pack(">H", len(b)) + b


def connect_packet(version: str, client_id: str, keepalive: int, clean: bool = True,
                   will: tuple | None = None, session_expiry: int | None = None) -> bytes:
    """CONNECT for 3.1 (MQIsdp/3), 3.1.1 (MQTT/4) or 5.0 (MQTT/5). will = (topic, payload, qos, retain)."""
    proto, level = {"3.1": (b"MQIsdp", 3), "3.1.1": (b"MQTT", 4), "5.0": (b"MQTT", 5)}[version]
    flags = 0x02 if clean else 0
    if will:
        flags |= 0x04 | (will[2] << 3) | (0x20 if will[3] else 0)
    body = mstr(proto) + bytes([level, flags]) + struct.pack(">H", keepalive)
    if version == "5.0":
        props = b"" if session_expiry is None else b"\x11" + struct.pack(">I", session_expiry)
        body += varint(len(props)) + props
    body += mstr(client_id)
    if will:
        if version == "5.0":
            body += varint(0)
        body += mstr(will[0]) + mstr(will[1])
    return bytes([0x10]) + varint(len(body)) + body


@dataclass
class RawPacket:
    type: int
    flags: int
    body: bytes = field(repr=False)


class RawClient:
    def __init__(self, port: int, host: str = "127.0.0.1", rcvbuf: int | None = None):
        self.sock = socket.socket()
        if rcvbuf is not None:  # before connect, so the TCP window stays small
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect((host, port))
        self.buf = b""

    def send(self, data: bytes):
        self.sock.sendall(data)

    def _fill(self, n: int, deadline: float) -> bool:
        while len(self.buf) < n:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            chunk = self.sock.recv(65536)
            if not chunk:
                return False
            self.buf += chunk
        return True

    def read_packet(self, timeout: float = TIMEOUT) -> RawPacket | None:
        """The next packet, or None at EOF. Raises socket.timeout when nothing comes."""
        deadline = time.monotonic() + timeout
        if not self._fill(2, deadline):
            return None
        length, mult, i = 0, 1, 1
        while True:
            if not self._fill(i + 1, deadline):
                return None
            b = self.buf[i]
            length += (b & 0x7F) * mult
            mult *= 128
            i += 1
            if not b & 0x80:
                break
        if not self._fill(i + length, deadline):
            return None
        first, body = self.buf[0], self.buf[i:i + length]
        self.buf = self.buf[i + length:]
        return RawPacket(first >> 4, first & 0x0F, body)

    def connect(self, version: str, client_id: str, keepalive: int = 60, **kw) -> RawPacket:
        self.send(connect_packet(version, client_id, keepalive, **kw))
        ack = self.read_packet()
        assert ack is not None and ack.type == 2, f"expected CONNACK, got {ack}"
        assert ack.body[1] == 0, f"CONNECT refused: {ack.body[1]:#x}"
        return ack

    def subscribe(self, version: str, packet_id: int, topic: str, qos: int) -> RawPacket:
        body = struct.pack(">H", packet_id) + (b"\x00" if version == "5.0" else b"") + mstr(topic) + bytes([qos])
        self.send(bytes([0x82]) + varint(len(body)) + body)
        ack = self.read_packet()
        assert ack is not None and ack.type == 9, f"expected SUBACK, got {ack}"
        return ack

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def parse_publish(p: RawPacket, version: str) -> tuple[str, int | None, bytes, bool]:
    """(topic, packet id, payload, dup) of a raw PUBLISH."""
    assert p.type == 3, f"expected PUBLISH, got {p}"
    qos, dup = (p.flags >> 1) & 3, bool(p.flags & 8)
    n = struct.unpack(">H", p.body[:2])[0]
    topic, rest = p.body[2:2 + n].decode(), p.body[2 + n:]
    pid = None
    if qos:
        pid, rest = struct.unpack(">H", rest[:2])[0], rest[2:]
    if version == "5.0":
        # properties: a varint length, then skip them
        plen, mult, i = 0, 1, 0
        while True:
            b = rest[i]
            plen += (b & 0x7F) * mult
            mult *= 128
            i += 1
            if not b & 0x80:
                break
        rest = rest[i + plen:]
    return topic, pid, rest, dup


def assert_quiet(*clients, quiet: float = QUIET):
    """One fixed wait, then no client may have received anything (proves an absence)."""
    time.sleep(quiet)
    for c in clients:
        assert c.messages.empty(), f"unexpected message: {c.messages.get_nowait()}"
