"""Packets from different connections take effect in the order they reach the broker.

A client that sends SUBSCRIBE and, without waiting for its SUBACK, has another client
publish to that topic expects the message: the SUBSCRIBE reached the broker first. That is
what mosquitto's single loop does, and what the Eclipse Paho interoperability suite's
subscribe-options (no local) test relies on. On a runtime with several workers the two
connections' readers raced to the broker, and about one round in five lost the message.
"""

import struct

import pytest

from mqtt_clients import mstr, parse_publish, varint

# At one loss in five, fifty rounds without one cannot happen by luck.
ROUNDS = 50


@pytest.mark.parametrize("version", ["3.1.1", "5.0"])
def test_subscribe_sent_before_a_publish_catches_it(raw, version):
    v5 = version == "5.0"
    publisher, subscriber = raw(), raw()
    publisher.connect(version, "order-publisher")
    subscriber.connect(version, "order-subscriber")
    no_properties = b"\x00" if v5 else b""
    for i in range(ROUNDS):
        topic, payload = f"order/{i}", f"round {i}".encode()
        subscribe = struct.pack(">H", i + 1) + no_properties + mstr(topic) + b"\x00"
        subscriber.send(b"\x82" + varint(len(subscribe)) + subscribe)
        publish = mstr(topic) + no_properties + payload
        publisher.send(b"\x30" + varint(len(publish)) + publish)

        suback = subscriber.read_packet()
        assert suback is not None and suback.type == 9, f"round {i}: expected SUBACK, got {suback}"
        message = subscriber.read_packet()
        assert message is not None, f"round {i}: the connection closed"
        assert parse_publish(message, version) == (topic, None, payload, False), f"round {i}"
