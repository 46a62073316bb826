"""--max-connections (mosquitto's max_connections): a connection past the limit is closed as
it is accepted, without a CONNACK, and a place is given back when a connection ends."""

from __future__ import annotations

import socket
import time

from mqtt_clients import TIMEOUT, RawClient, connect_packet


def closed_without_answer(c: RawClient) -> bool:
    """True when the broker closed the connection: end of stream or a reset, no packet."""
    try:
        c.send(connect_packet("3.1.1", "late", 60))
        return c.read_packet() is None
    except (ConnectionResetError, BrokenPipeError):
        return True


def test_the_connection_past_the_limit_is_closed_and_a_place_comes_back(start_broker, raw):
    b = start_broker("--max-connections", "2")
    first = raw(b.port)
    first.connect("3.1.1", "first")
    second = raw(b.port)
    second.connect("5.0", "second")
    assert closed_without_answer(raw(b.port))
    b.wait_for_log("--max-connections reached")
    # The first client leaves: once both sides have closed the connection, its place is
    # free again (the broker's close alone is not enough: the socket stays open while the
    # client keeps its side).
    first.send(b"\xe0\x00")
    assert first.read_packet() is None
    first.close()
    admitted(raw, b.port, "third")
    assert closed_without_answer(raw(b.port)), "two open again: the next is refused"


def admitted(raw, port: int, client_id: str) -> RawClient:
    """A client connected as `client_id`: tried again while the broker closes connections
    at once, until the place freed by a close on the client's side is seen (the broker has
    no signal for it to await; the log has none either)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        c = raw(port)
        c.sock.settimeout(0.2)
        try:
            c.send(connect_packet("3.1.1", client_id, 60))
            ack = c.read_packet(timeout=0.2)
        except (ConnectionResetError, BrokenPipeError, socket.timeout):
            ack = None
        if ack is not None:
            assert ack.type == 2 and ack.body[1] == 0, f"expected an accepting CONNACK: {ack}"
            c.sock.settimeout(TIMEOUT)
            return c
        c.close()
        assert time.monotonic() < deadline, "the place never came back"
        time.sleep(0.02)  # poll interval: nothing to await
