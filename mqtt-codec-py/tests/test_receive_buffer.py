"""Client.get_buffer / buffer_updated (the abi3-py311 wheel): received bytes written straight
into the session's own buffer, as asyncio.BufferedProtocol and socket.recv_into do, and the
buffer taken back only when no view of it is left. Skipped with the abi3-py39 wheel, whose
limited API has no buffer protocol."""

import socket

import pytest

from mqtt_codec import Client, ConnAck, ProtocolVersion, Publish, QoS
from mqtt_codec.client import Connected, Message

pytestmark = pytest.mark.skipif(
    not hasattr(Client, "get_buffer"), reason="the abi3-py39 wheel copies each chunk instead"
)

V311 = ProtocolVersion.V3_1_1


def connecting() -> Client:
    c = Client("lent", version=V311)
    c.connect(0.0)
    c.data_to_send()
    return c


def test_a_connack_written_into_the_lent_buffer_connects() -> None:
    c = connecting()
    buf = c.get_buffer(-1)
    assert len(buf) == 8192, "the default room"
    connack = ConnAck().encode(V311)
    with memoryview(buf) as view:
        view[: len(connack)] = connack
    c.buffer_updated(len(connack), 0.01)
    assert isinstance(c.events()[0], Connected)


def test_a_packet_split_across_reads_arrives_whole() -> None:
    c = connecting()
    c.receive_data(ConnAck().encode(V311), 0.01)
    c.events()
    packet = Publish(topic="a/b", payload=b"hello", qos=QoS.AT_MOST_ONCE).encode(V311)
    for at, chunk in enumerate([packet[:1], packet[1:4], packet[4:]]):
        buf = c.get_buffer(len(chunk))
        assert len(buf) == len(chunk)
        with memoryview(buf) as view:
            view[:] = chunk
        c.buffer_updated(len(chunk), 0.02 + at)
    events = c.events()
    assert len(events) == 1 and isinstance(events[0], Message) and events[0].payload == b"hello"


def test_recv_into_the_lent_buffer_from_a_socket() -> None:
    c = connecting()
    a, b = socket.socketpair()
    with a, b:
        a.sendall(ConnAck().encode(V311))
        buf = c.get_buffer(64)
        n = b.recv_into(buf)
        c.buffer_updated(n, 0.01)
    assert isinstance(c.events()[0], Connected)


def test_the_buffer_goes_back_only_when_no_view_is_held() -> None:
    c = connecting()
    buf = c.get_buffer(16)
    view = memoryview(buf)
    view[:4] = ConnAck().encode(V311)
    with pytest.raises(BufferError):
        c.buffer_updated(4, 0.01)
    view.release()
    c.buffer_updated(4, 0.01)
    assert isinstance(c.events()[0], Connected)
    with pytest.raises(BufferError):
        c.buffer_updated(4, 0.02)  # nothing lent any more
    with pytest.raises(BufferError):
        memoryview(buf)  # given back: no more views of it


def test_a_buffer_never_filled_is_taken_back_by_the_next_loan() -> None:
    c = connecting()
    c.get_buffer(16)
    buf = c.get_buffer(16)
    connack = ConnAck().encode(V311)
    with memoryview(buf) as view:
        view[: len(connack)] = connack
    c.buffer_updated(len(connack), 0.01)
    assert isinstance(c.events()[0], Connected)


def test_a_loan_of_a_connection_that_ended_does_not_hold_up_the_next() -> None:
    # A read that never completed on a link being closed leaves a view of its buffer: the
    # next connection's reads get a buffer of their own (they were refused, BufferError).
    c = connecting()
    c.receive_data(ConnAck().encode(V311), 0.01)
    stale = memoryview(c.get_buffer(-1))
    c.connection_lost(1.0)
    c.connect(2.0)
    c.data_to_send()
    buf = c.get_buffer(-1)
    connack = ConnAck().encode(V311)
    with memoryview(buf) as view:
        view[: len(connack)] = connack
    c.buffer_updated(len(connack), 2.1)
    assert any(isinstance(e, Connected) for e in c.events())
    stale[:1] = b"x"  # the old buffer's memory is its own: writing it harms nothing
    stale.release()
    # Within one connection a loan whose view is held still refuses a second one.
    held = memoryview(c.get_buffer(-1))
    with pytest.raises(BufferError):
        c.get_buffer(-1)
    held.release()
