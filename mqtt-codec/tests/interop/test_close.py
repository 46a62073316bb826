"""A connection the broker closes for a broken rule: the client gets the DISCONNECT that
says why even when it is still writing, because the broker reads and drops what arrives
until the client closes its side instead of resetting the connection."""

from __future__ import annotations

import socket
import struct

from mqtt_clients import RawClient, mstr, varint

DISCONNECT = 14
PUBREC = 5


def publish(topic: str, packet_id: int, qos: int, props: bytes = b"") -> bytes:
    body = mstr(topic) + (struct.pack(">H", packet_id) if qos else b"") + varint(len(props)) + props
    return bytes([0x30 | qos << 1]) + varint(len(body)) + body


def pubrel(packet_id: int) -> bytes:
    return b"\x62\x02" + struct.pack(">H", packet_id)


def read_until_disconnect(c: RawClient, answer_pubrec: bool) -> list[int]:
    """The packet types read up to and including DISCONNECT, answering each PUBREC with
    PUBREL as a client does; fails on a reset or an early end of stream."""
    types = []
    while True:
        try:
            p = c.read_packet()
        except (ConnectionResetError, BrokenPipeError) as e:
            raise AssertionError(f"the broker reset the connection after {types}") from e
        assert p is not None, f"end of stream before DISCONNECT, after {types}"
        types.append(p.type)
        if p.type == DISCONNECT:
            return types + [p.body[0]]
        if p.type == PUBREC and answer_pubrec:
            try:
                c.send(pubrel(struct.unpack(">H", p.body[:2])[0]))
            except BrokenPipeError as e:
                raise AssertionError(f"the broker reset the connection after {types}") from e


def test_receive_maximum_exceeded_reaches_a_client_that_answers_pubrec(start_broker, raw):
    # [MQTT-3.3.4-7]: one QoS 2 PUBLISH past Receive Maximum gets DISCONNECT 0x93; the client
    # answers the PUBRECs before it while the broker is closing.
    port = start_broker("--receive-maximum", "5").port
    c = raw(port=port)
    c.connect("5.0", "over-the-limit")
    c.send(b"".join(publish("flow/t", i, 2) for i in range(1, 7)))
    types = read_until_disconnect(c, answer_pubrec=True)
    assert types[-2:] == [DISCONNECT, 0x93], types
    assert types.count(PUBREC) == 5, types
    assert c.read_packet() is None  # then the broker's end of stream


def test_a_client_that_writes_after_the_disconnect_sees_an_end_of_stream(start_broker, raw):
    # Topic Alias 0 is a protocol error ([MQTT-3.3.2-8], 0x94). A client that has not
    # noticed the DISCONNECT yet still writes; it then closes its side and reads the end of
    # the stream, not a reset.
    port = start_broker().port
    c = raw(port=port)
    c.connect("5.0", "writes-late")
    c.send(publish("alias/t", 0, 0, props=b"\x23\x00\x00"))
    types = read_until_disconnect(c, answer_pubrec=False)
    assert types[-2:] == [DISCONNECT, 0x94], types
    c.send(b"\xc0\x00")  # PINGREQ
    c.sock.shutdown(socket.SHUT_WR)
    try:
        assert c.read_packet() is None
    except ConnectionResetError as e:
        raise AssertionError("the broker reset the connection") from e
