"""MQTT over WebSocket (--ws-listen): paho's websockets transport, on any path, beside TCP
clients on the same topics; packets split across frames and frames holding several packets
(a raw WebSocket client)."""

import base64
import os
import socket

import pytest

from conftest import free_port
from mqtt_clients import TIMEOUT, PahoClient, connect_packet


@pytest.fixture
def ws_broker(start_broker):
    port = free_port()
    b = start_broker("--ws-listen", f"127.0.0.1:{port}")
    b.ws_port = port
    return b


@pytest.mark.parametrize("version", ["3.1.1", "5.0"])
@pytest.mark.parametrize("path", ["/mqtt", "/", "/anything/else"])
def test_paho_over_websocket_talks_to_tcp_clients(ws_broker, paho, version, path):
    ws = PahoClient(ws_broker.ws_port, version=version, websocket_path=path)
    try:
        tcp = paho(version, port=ws_broker.port)
        ws.subscribe("ws/#", qos=1)
        tcp.subscribe("tcp/#", qos=1)
        tcp.publish("ws/in", b"to the websocket", qos=1)
        ws.publish("tcp/in", b"from the websocket", qos=1)
        assert ws.get().payload == b"to the websocket"
        assert tcp.get().payload == b"from the websocket"
    finally:
        ws.close()


def ws_handshake(port: int, offered: str = "mqtt") -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(
        (
            "GET /mqtt HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {offered}\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert b" 101 " in head.split(b"\r\n")[0], head
    # [MQTT-6.0.0-4]: the server selects "mqtt" whenever the client offers it.
    assert b"sec-websocket-protocol: mqtt\r\n" in head.lower(), head
    return s


def ws_frame(payload: bytes, opcode: int = 2) -> bytes:
    """A masked client frame (RFC 6455 §5.2), payloads under 126 bytes."""
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + body


def read_frame(s: socket.socket) -> bytes:
    head = s.recv(2)
    n = head[1] & 0x7F
    data = b""
    while len(data) < n:
        data += s.recv(n - len(data))
    return data


def test_packets_split_across_frames_and_several_in_one(ws_broker):
    s = ws_handshake(ws_broker.ws_port)
    connect = connect_packet("3.1.1", "raw-ws", 60)
    # CONNECT cut in three frames.
    for part in (connect[:3], connect[3:9], connect[9:]):
        s.sendall(ws_frame(part))
    assert read_frame(s)[:4] == bytes([0x20, 0x02, 0x00, 0x00])
    # PINGREQ twice in one frame: two PINGRESPs come back.
    s.sendall(ws_frame(bytes([0xC0, 0x00, 0xC0, 0x00])))
    got = b""
    while len(got) < 4:
        got += read_frame(s)
    assert got == bytes([0xD0, 0x00, 0xD0, 0x00])
    # A text frame is not MQTT: the connection is closed.
    s.sendall(ws_frame(b"hello", opcode=1))
    s.settimeout(TIMEOUT)
    rest = b""
    while chunk := s.recv(64):
        rest += chunk
    s.close()


def test_mqtt_is_the_subprotocol_chosen_whatever_the_order_offered(ws_broker):
    for offered in ("mqttv3.1, mqtt", "chat, mqtt", "mqtt, mqttv3.1"):
        ws_handshake(ws_broker.ws_port, offered).close()


@pytest.mark.parametrize("version", ["3.1.1", "5.0"])
def test_a_message_larger_than_a_frame_reaches_a_websocket_client(ws_broker, paho, version):
    # The broker sends frames of at most 64 KiB: a 300 KB PUBLISH spans several.
    ws = PahoClient(ws_broker.ws_port, version=version, websocket_path="/mqtt")
    try:
        tcp = paho(version, port=ws_broker.port)
        ws.subscribe("big/#", qos=1)
        payload = os.urandom(300_000)
        tcp.publish("big/one", payload, qos=1)
        assert ws.get().payload == payload
    finally:
        ws.close()
