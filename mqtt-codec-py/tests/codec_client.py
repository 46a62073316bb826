"""A minimal blocking MQTT client built from mqtt_codec and a plain socket, for the tests."""

from __future__ import annotations

import socket
import time
from typing import List, Optional, Set, Tuple, Type, TypeVar

from mqtt_codec import (
    ConnAck,
    Connect,
    Decoder,
    Disconnect,
    Packet,
    ProtocolVersion,
    PubAck,
    PubComp,
    PubRec,
    PubRel,
    Publish,
    QoS,
    SubAck,
    Subscribe,
    Subscription,
)

P = TypeVar("P")


class CodecClient:
    """Connects, subscribes, publishes at any QoS and answers the broker's QoS 1 and 2 flows."""

    def __init__(self, host: str, port: int, version: ProtocolVersion, client_id: str, timeout: float = 10.0) -> None:
        self.version = version
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.decoder = Decoder(version, role="client")
        self.inbox: List[Packet] = []
        self.messages: List[Tuple[str, bytes, QoS]] = []
        self.qos2_received: Set[int] = set()
        self.next_id = 0
        self.send(Connect(client_id=client_id, protocol_version=version, keep_alive=60))
        connack = self.expect(ConnAck)
        assert connack.reason_code == 0, connack

    def packet_id(self) -> int:
        self.next_id = self.next_id % 65535 + 1
        return self.next_id

    def send(self, packet: Packet) -> None:
        self.sock.sendall(packet.encode(self.version))

    def pump(self, deadline: float) -> None:
        """Reads once from the socket (waiting at most until `deadline`) and handles packets."""
        self.sock.settimeout(max(0.001, deadline - time.monotonic()))
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("broker closed the connection")
        for packet in self.decoder.feed(data):
            self.handle(packet)

    def handle(self, packet: Packet) -> None:
        if isinstance(packet, Publish):
            if packet.qos == QoS.EXACTLY_ONCE:
                assert packet.packet_id is not None
                if packet.packet_id not in self.qos2_received:
                    self.qos2_received.add(packet.packet_id)
                    self.messages.append((packet.topic, packet.payload, packet.qos))
                self.send(PubRec(packet_id=packet.packet_id))
            else:
                self.messages.append((packet.topic, packet.payload, packet.qos))
                if packet.qos == QoS.AT_LEAST_ONCE:
                    assert packet.packet_id is not None
                    self.send(PubAck(packet_id=packet.packet_id))
        elif isinstance(packet, PubRel):
            self.qos2_received.discard(packet.packet_id)
            self.send(PubComp(packet_id=packet.packet_id))
        else:
            self.inbox.append(packet)

    def expect(self, cls: Type[P], packet_id: Optional[int] = None) -> P:
        """Waits for the next packet of type `cls` (with `packet_id` if given)."""
        deadline = time.monotonic() + self.timeout
        while True:
            for i, packet in enumerate(self.inbox):
                if isinstance(packet, cls) and (packet_id is None or getattr(packet, "packet_id") == packet_id):
                    del self.inbox[i]
                    return packet
            self.pump(deadline)

    def wait_messages(self, count: int) -> List[Tuple[str, bytes, QoS]]:
        """Waits until `count` application messages have arrived."""
        deadline = time.monotonic() + self.timeout
        while len(self.messages) < count:
            self.pump(deadline)
        return self.messages

    def subscribe(self, topic_filter: str, qos: QoS) -> None:
        pid = self.packet_id()
        self.send(Subscribe(packet_id=pid, subscriptions=[Subscription(topic_filter, qos)]))
        suback = self.expect(SubAck, pid)
        assert [int(c) for c in suback.reason_codes] == [int(qos)], suback

    def publish(self, topic: str, payload: bytes, qos: QoS, retain: bool = False) -> None:
        """Publishes and completes the QoS flow."""
        pid = self.packet_id() if qos else None
        self.send(Publish(topic=topic, payload=payload, qos=qos, packet_id=pid, retain=retain))
        if qos == QoS.AT_LEAST_ONCE:
            assert pid is not None
            ack = self.expect(PubAck, pid)
            assert ack.reason_code < 0x80, ack
        elif qos == QoS.EXACTLY_ONCE:
            assert pid is not None
            rec = self.expect(PubRec, pid)
            assert rec.reason_code < 0x80, rec
            self.send(PubRel(packet_id=pid))
            self.expect(PubComp, pid)

    def close(self) -> None:
        try:
            self.send(Disconnect())
        finally:
            self.sock.close()
