"""Every packet type round trips through encode and decode in every version it exists in."""

from __future__ import annotations

import sys
from typing import Any, Dict, Set, Tuple, Type

import pytest

import mqtt_codec
from mqtt_codec import Decoder, EncodeError, Packet, ProtocolVersion, Publish, QoS, decode
from samples import ALL, V3, V5, case_id, cases, samples

CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_round_trip(case: Tuple[Packet, ProtocolVersion]) -> None:
    packet, version = case
    data = packet.encode(version)
    assert isinstance(data, bytes)
    decoded = decode(data, version)
    assert decoded == packet
    assert type(decoded) is type(packet)
    assert repr(decoded) == repr(packet)
    assert decoded.encode(version) == data


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_round_trip_through_decoder(case: Tuple[Packet, ProtocolVersion]) -> None:
    packet, version = case
    data = packet.encode(version)
    decoder = Decoder(version, max_packet_size=1 << 20)
    assert decoder.feed(data + data) == [packet, packet]
    assert decoder.buffered == 0


def test_every_packet_type_and_version_is_covered() -> None:
    seen: Set[Tuple[Type[object], ProtocolVersion]] = {(type(p), v) for p, v in CASES}
    for name in ("Connect", "ConnAck", "Publish", "PubAck", "PubRec", "PubRel", "PubComp", "Subscribe",
                 "SubAck", "Unsubscribe", "UnsubAck", "PingReq", "PingResp", "Disconnect"):
        cls = getattr(mqtt_codec, name)
        for v in ALL:
            assert (cls, v) in seen, (name, v)
    assert (mqtt_codec.Auth, V5) in seen


def test_v5_only_content_is_refused_in_3x() -> None:
    for packet, versions in samples():
        for v in set(ALL) - set(versions):
            with pytest.raises(EncodeError):
                packet.encode(v)


def test_attributes() -> None:
    p = Publish(topic="PV/data", payload=b"42.5", qos=mqtt_codec.QoS.AT_LEAST_ONCE, packet_id=1, retain=True)
    assert (p.topic, p.payload, p.qos, p.packet_id, p.retain, p.dup) == ("PV/data", b"42.5", 1, 1, True, False)
    assert isinstance(p.qos, mqtt_codec.QoS)
    assert p.properties == mqtt_codec.Properties()
    assert not p.properties
    assert repr(p) == (
        "Publish(topic='PV/data', payload=b'42.5', qos=QoS.AT_LEAST_ONCE, packet_id=1, retain=True, dup=False)"
    )
    assert p != Publish(topic="PV/data", payload=b"42.5", qos=1, packet_id=2, retain=True)
    assert p != "Publish"
    c = decode(mqtt_codec.Connect(client_id="x", protocol_version=4).encode())
    assert isinstance(c, mqtt_codec.Connect)
    assert c.protocol_version is ProtocolVersion.V3_1_1
    assert c.clean_start and c.keep_alive == 60 and c.will is None and c.username is None


def test_identifying_fields_may_come_by_position() -> None:
    assert Publish("PV/data", b"42.5", qos=1, packet_id=7) == Publish(
        topic="PV/data", payload=b"42.5", qos=1, packet_id=7
    )
    assert Publish("PV/data") == Publish(topic="PV/data")
    assert mqtt_codec.PubAck(7) == mqtt_codec.PubAck(packet_id=7)
    assert mqtt_codec.PubComp(9, reason_code=0x92) == mqtt_codec.PubComp(packet_id=9, reason_code=0x92)
    assert mqtt_codec.Subscribe(3, [("PV/#", 1)]) == mqtt_codec.Subscribe(packet_id=3, subscriptions=[("PV/#", 1)])
    assert mqtt_codec.Unsubscribe(3, ["PV/#"]) == mqtt_codec.Unsubscribe(packet_id=3, filters=["PV/#"])
    assert mqtt_codec.Will("bye", b"x") == mqtt_codec.Will(topic="bye", payload=b"x")
    # The options stay keywords: a third positional argument is refused.
    with pytest.raises(TypeError):
        Publish("PV/data", b"42.5", 1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        mqtt_codec.PubAck(7, 0x10)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Publish("PV/data", topic="PV/other")  # type: ignore[misc]


def test_class_patterns_match_the_identifying_fields_by_position() -> None:
    positions: Dict[Any, Tuple[str, ...]] = {
        Publish: ("topic", "payload"),
        mqtt_codec.PubAck: ("packet_id",),
        mqtt_codec.PubRec: ("packet_id",),
        mqtt_codec.PubRel: ("packet_id",),
        mqtt_codec.PubComp: ("packet_id",),
        mqtt_codec.Subscribe: ("packet_id", "subscriptions"),
        mqtt_codec.Unsubscribe: ("packet_id", "filters"),
        mqtt_codec.Will: ("topic", "payload"),
        mqtt_codec.Subscription: ("filter", "qos"),
    }
    for cls, fields in positions.items():
        assert cls.__match_args__ == fields, cls
    if sys.version_info < (3, 10):
        return
    # `match` is a syntax error before 3.10, where this suite runs too.
    matcher = """
def kind(packet):
    match packet:
        case Publish(topic, payload, qos=QoS.AT_LEAST_ONCE):
            return ("publish", topic, payload)
        case PubAck(packet_id):
            return ("puback", packet_id)
        case Subscribe(packet_id, [Subscription(first, qos), *_]):
            return ("subscribe", packet_id, first, qos)
        case _:
            return None
"""
    scope = {
        "Publish": Publish,
        "QoS": QoS,
        "PubAck": mqtt_codec.PubAck,
        "Subscribe": mqtt_codec.Subscribe,
        "Subscription": mqtt_codec.Subscription,
    }
    exec(matcher, scope)
    kind = scope["kind"]
    assert kind(decode(Publish("PV/data", b"42", qos=1, packet_id=7).encode(5), 5)) == (
        "publish",
        "PV/data",
        b"42",
    )
    assert kind(decode(mqtt_codec.PubAck(7).encode(4), 4)) == ("puback", 7)
    assert kind(decode(mqtt_codec.Subscribe(3, [("PV/#", 1)]).encode(5), 5)) == (
        "subscribe",
        3,
        "PV/#",
        QoS.AT_LEAST_ONCE,
    )
    assert kind(Publish("PV/data")) is None


def test_payload_accepts_bytes_like_and_str() -> None:
    expected = Publish(topic="t", payload=b"abc")
    assert Publish(topic="t", payload=bytearray(b"abc")) == expected
    assert Publish(topic="t", payload=memoryview(b"xabc")[1:]) == expected
    assert Publish(topic="t", payload="abc") == expected


def test_a_bytes_payload_is_kept_not_copied_and_a_bytearray_is_copied() -> None:
    payload = b"x" * 4096
    before = sys.getrefcount(payload)
    p = Publish(topic="t", payload=payload)
    assert sys.getrefcount(payload) == before + 1, "the packet holds the bytes object"
    del p
    assert sys.getrefcount(payload) == before, "and lets it go with the packet"
    mutable = bytearray(b"abc")
    q = Publish(topic="t", payload=mutable)
    mutable[0] = ord("z")
    assert q.payload == b"abc", "a bytearray may change: the packet has its own copy"


def test_reason_code_enum_matches_the_core() -> None:
    core = dict(mqtt_codec._mqtt_codec._reason_codes())
    assert {int(c) for c in mqtt_codec.ReasonCode} == set(core)
    for value in core:
        assert mqtt_codec.ReasonCode(value).value == value


@pytest.mark.parametrize(
    ("filter", "name", "expected"),
    [
        ("PV/#", "PV/data", True),
        ("PV/#", "PV", True),
        ("PV/+", "PV/sunshine", True),
        ("PV/+", "PV/a/b", False),
        ("#", "$SYS/x", False),
        ("+/data", "PV/data", True),
        ("sport/tennis/player1/#", "sport/tennis/player1/ranking", True),
        ("sport/+", "sport/", True),
        ("a/b", "a/c", False),
        ("$share/group/PV/+", "PV/data", True),
        ("$share/group/#", "$SYS/x", False),
    ],
)
def test_topic_matches(filter: str, name: str, expected: bool) -> None:
    assert mqtt_codec.topic_matches(filter, name) is expected


@pytest.mark.parametrize(
    ("filter", "name"),
    [("a/#/b", "a"), ("#/a", "x"), ("+", "#"), ("a/b+", "a/b+"), ("a\0", "a\0"), ("a", "")],
)
def test_topic_matches_refuses_what_breaks_the_rules(filter: str, name: str) -> None:
    # MQTT-4.7.1-1, MQTT-4.7.1-2, MQTT-4.7.1-3, MQTT-4.7.3-1: no answer for invalid input.
    with pytest.raises(ValueError):
        mqtt_codec.topic_matches(filter, name)


@pytest.mark.parametrize("filter", ["$share//a", "$share/+/a", "$share/g", "$share/g/"])
def test_topic_matches_refuses_a_broken_shared_filter(filter: str) -> None:
    # MQTT-4.8.2-1, MQTT-4.8.2-2: a share name of one or more characters, no wildcard in it,
    # then a filter; matched as a shared filter, so checked as one.
    with pytest.raises(ValueError):
        mqtt_codec.topic_matches(filter, "a")


def test_a_long_invalid_topic_is_shown_by_its_start() -> None:
    with pytest.raises(ValueError) as raised:
        mqtt_codec.topic_matches("a/#", "x" * 1_000_000)
    assert len(str(raised.value)) < 200 and "1000000 bytes" in str(raised.value)


def test_v3_versions_differ_only_where_they_should() -> None:
    c31 = mqtt_codec.Connect(client_id="x", protocol_version=ProtocolVersion.V3_1).encode()
    assert b"MQIsdp" in c31
    for v in V3:
        assert decode(mqtt_codec.PingReq().encode(v), v) == mqtt_codec.PingReq()


def test_large_inputs_decode_from_bytes_bytearray_and_memoryview() -> None:
    # 64 KiB payloads take the shared (zero-copy) path; the packet outlives its input.
    payload = bytes(range(256)) * 256
    packet = Publish(topic="PV/data", payload=payload, qos=QoS.AT_LEAST_ONCE, packet_id=9)
    data = packet.encode(ProtocolVersion.V3_1_1)
    for make in (bytes, bytearray, memoryview):
        source = make(data)
        got = decode(source, ProtocolVersion.V3_1_1)
        del source
        assert got == packet
        assert isinstance(got, Publish) and got.payload == payload


def test_a_decoded_publish_reads_its_fields_from_its_input() -> None:
    # decode() leaves a PUBLISH in the bytes it was given, and reads a 5.0 PUBLISH's
    # properties from them again when asked. Every field reads back (the properties twice
    # alike), it equals the packet it was made from (both ways round), re-encodes in every
    # version, and outlives the caller's reference.
    plain = Publish(topic="PV/\u00e9t\u00e9", payload=b"\x00\xff" * 8, qos=QoS.EXACTLY_ONCE,
                    packet_id=65535, retain=True, dup=True)
    with_props = Publish(topic="PV/data", payload=b"42", qos=QoS.AT_LEAST_ONCE, packet_id=1,
                         properties=mqtt_codec.Properties(content_type="text/plain"))
    with_user_props = Publish(topic="PV/data", payload=b"x" * 5000, qos=QoS.AT_LEAST_ONCE,
                              packet_id=2, properties=mqtt_codec.Properties(
                                  user_properties=[("site", "roof-1"), ("site", "roof-2")],
                                  message_expiry_interval=60))
    by_alias = Publish(topic="", payload=b"1", qos=QoS.AT_LEAST_ONCE, packet_id=4,
                       properties=mqtt_codec.Properties(topic_alias=3))
    runs: Tuple[Tuple[Publish, Tuple[ProtocolVersion, ...]], ...] = (
        (plain, ALL), (with_props, (V5,)), (with_user_props, (V5,)), (by_alias, (V5,)))
    for built, versions in runs:
        for v in versions:
            data = bytes(bytearray(built.encode(v)))  # a bytes object of its own
            got = decode(data, v)
            del data
            assert isinstance(got, Publish)
            assert got == built and built == got
            assert (got.topic, got.payload, got.qos, got.packet_id, got.retain, got.dup) == (
                built.topic, built.payload, built.qos, built.packet_id, built.retain, built.dup)
            assert got.properties == built.properties == got.properties
            if built.properties:  # made once, then the same immutable object
                assert got.properties is got.properties
                assert built.properties is built.properties
            assert repr(got) == repr(built)
            for w in versions:
                assert got.encode(w) == built.encode(w)
            assert got != Publish(topic=built.topic, payload=b"other", qos=built.qos,
                                  packet_id=built.packet_id, retain=True, dup=True,
                                  properties=built.properties)
    # Packets that differ only in their properties differ when decoded.
    other_props = Publish(topic=with_props.topic, payload=with_props.payload, qos=with_props.qos,
                          packet_id=with_props.packet_id,
                          properties=mqtt_codec.Properties(content_type="text/html"))
    assert decode(with_props.encode(V5), V5) != decode(other_props.encode(V5), V5)
    data = plain.encode(ProtocolVersion.V5)
    assert decode(data, ProtocolVersion.V5) == decode(data, ProtocolVersion.V5)
    for broken in (data[:-1], data + b"\x00"):
        with pytest.raises(mqtt_codec.DecodeError):
            decode(broken, ProtocolVersion.V5)


def _remaining_length(n: int) -> bytes:
    out = bytearray()
    while True:
        n, digit = divmod(n, 128)
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


@pytest.mark.parametrize(
    "size", [0, 1, 120, 121, 16375, 16376, 65535, 65536, 65537, 300_000, 2_097_143, 2_097_144]
)
def test_encode_writes_every_byte_at_every_size(size: int) -> None:
    """encode() writes the bytes object in place (no zero fill first): every byte is the
    packet's, across the remaining-length boundaries and the GIL release threshold."""
    payload = bytes(range(251)) * (size // 251) + bytes(range(size % 251))
    body = b"\x00\x03a/b" + payload
    expected = b"\x30" + _remaining_length(len(body)) + body
    data = Publish(topic="a/b", payload=payload).encode(ProtocolVersion.V3_1_1)
    assert data == expected
    decoded = decode(data, ProtocolVersion.V3_1_1)
    assert isinstance(decoded, Publish) and decoded.payload == payload


class _Five(int):
    """An int subclass: not one of the objects the version check knows by identity."""


def test_version_is_read_the_same_from_any_int_like_form() -> None:
    packet = Publish(topic="a/b", payload=b"x", qos=QoS.AT_LEAST_ONCE, packet_id=9)
    expected = packet.encode(ProtocolVersion.V5)
    for version in (5, ProtocolVersion.V5, _Five(5), int("5")):
        assert packet.encode(version) == expected
        assert decode(expected, version) == packet
    assert packet.encode(4) == packet.encode(ProtocolVersion.V3_1_1)
    for bad in (2, 6, -1, 2**70):
        with pytest.raises(ValueError):
            packet.encode(bad)
    for wrong in ("5", 5.0, None):
        with pytest.raises(TypeError):
            packet.encode(wrong)  # type: ignore[arg-type]


def test_enum_attributes_are_the_enum_members() -> None:
    packet = decode(Publish(topic="a", payload=b"", qos=QoS.EXACTLY_ONCE, packet_id=1).encode(5), 5)
    assert isinstance(packet, Publish)
    assert packet.qos is QoS.EXACTLY_ONCE
    ack = mqtt_codec.PubAck(packet_id=1, reason_code=mqtt_codec.ReasonCode.NO_MATCHING_SUBSCRIBERS)
    assert ack.reason_code is mqtt_codec.ReasonCode.NO_MATCHING_SUBSCRIBERS
    assert mqtt_codec.Connect(protocol_version=4).protocol_version is ProtocolVersion.V3_1_1


def test_a_share_filter_is_ordinary_until_encoded_for_5_0() -> None:
    # TOP-8: `$share/g` is an ordinary filter in 3.1.1, which decodes it; only a 5.0 encode
    # applies the shared-subscription rules ([MQTT-4.8.2-1]).
    from mqtt_codec import Subscribe, Subscription

    packet = Subscribe(packet_id=10, subscriptions=[Subscription("$share/g", 0)])
    frame = packet.encode(4)
    assert decode(frame, 4) == packet
    with pytest.raises(EncodeError):
        packet.encode(5)


def test_packet_is_a_union_for_isinstance_and_run_time_annotations() -> None:
    import typing

    assert isinstance(mqtt_codec.PingReq(), Packet)  # type: ignore[arg-type]
    assert not isinstance(b"\xc0\x00", Packet)  # type: ignore[arg-type]
    if sys.version_info >= (3, 10):
        # Annotations evaluated at run time (pydantic, singledispatch) take it.
        assert typing.get_args(typing.Optional[Packet])[-1] is type(None)
