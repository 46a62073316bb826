"""--max-connections (mosquitto's max_connections): a connection past the limit is closed as
it is accepted, without a CONNACK, and a place is given back when a connection ends."""

from __future__ import annotations

from mqtt_clients import RawClient, connect_packet


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
    # The first client leaves: once its connection is closed, its place is free again.
    first.send(b"\xe0\x00")
    assert first.read_packet() is None
    third = raw(b.port)
    third.connect("3.1.1", "third")
    assert closed_without_answer(raw(b.port)), "two open again: the next is refused"
