"""Chunked feeding, one byte at a time included, gives the same packets as the whole stream."""

from __future__ import annotations

import threading
from typing import List

import pytest

from mqtt_codec import Connect, Decoder, Packet, ProtocolVersion, Publish, QoS, decode
from samples import ALL, samples


def stream_for(version: ProtocolVersion) -> tuple[bytes, List[Packet]]:
    """Every sample of `version` except CONNECT, concatenated."""
    packets: List[Packet] = [p for p, vs in samples() if version in vs and not isinstance(p, Connect)]
    return b"".join(p.encode(version) for p in packets), packets


@pytest.mark.parametrize("version", ALL, ids=lambda v: f"v{int(v)}")
@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1000, 1 << 20])
def test_chunked_feeding_gives_the_same_packets(version: ProtocolVersion, chunk: int) -> None:
    data, expected = stream_for(version)
    decoder = Decoder(version)
    got: List[Packet] = []
    for i in range(0, len(data), chunk):
        got += decoder.feed(data[i : i + chunk])
    assert got == expected
    assert decoder.buffered == 0


@pytest.mark.parametrize("kind", ["bytes", "bytearray", "memoryview"])
def test_feed_accepts_bytes_like(kind: str) -> None:
    data, expected = stream_for(ProtocolVersion.V5)
    decoder = Decoder(ProtocolVersion.V5)
    view = memoryview(bytearray(data))
    got: List[Packet] = []
    for i in range(0, len(data), 5):
        part = view[i : i + 5]
        got += decoder.feed(bytes(part) if kind == "bytes" else bytearray(part) if kind == "bytearray" else part)
    assert got == expected


def test_server_decoder_learns_the_version_from_connect() -> None:
    for version in ALL:
        decoder = Decoder()
        assert decoder.protocol_version is None
        connect = Connect(client_id="pv", protocol_version=version)
        publish = Publish(topic="PV/data", payload=b"1", qos=QoS.AT_LEAST_ONCE, packet_id=1)
        data = connect.encode() + publish.encode(version)
        got: List[Packet] = []
        for b in data:
            got += decoder.feed(bytes([b]))
        assert got == [connect, publish]
        assert decoder.protocol_version == version


def test_large_payload_decodes_with_the_gil_released() -> None:
    payload = bytes(range(256)) * 8192  # 2 MiB
    publish = Publish(topic="big", payload=payload, qos=QoS.AT_LEAST_ONCE, packet_id=1)
    data = publish.encode(ProtocolVersion.V5)
    decoder = Decoder(ProtocolVersion.V5, max_packet_size=4 << 20)
    results: List[List[Packet]] = []
    threads = [threading.Thread(target=lambda: results.append(Decoder(5, 4 << 20).feed(data))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 4 and all(r == [publish] for r in results)
    assert decoder.feed(data[:100]) == [] and decoder.feed(data[100:]) == [publish]
    assert decode(data, 5) == publish


def test_max_packet_size_can_change() -> None:
    decoder = Decoder(ProtocolVersion.V5, max_packet_size=10)
    assert decoder.max_packet_size == 10
    decoder.max_packet_size = 1000
    assert decoder.feed(Publish(topic="t", payload=b"x" * 100).encode(5))[0] == Publish(topic="t", payload=b"x" * 100)
