"""MQTT-SN 2.0 from Python: the reference's 2.0 byte examples (shared/spec/mqtt-sn.md §4.3),
each parsed to its class and encoded back, the refused ones with their reason code, the
encoder's refusals, and one round trip per packet class."""

from typing import List, Tuple

import pytest

import mqtt_codec
from mqtt_codec import DecodeError, EncodeError, ReasonCode, sn2

PINGREQ_7 = bytes.fromhex("040C0007")

# W1-W9: (hex, the packet it holds).
VALID: List[Tuple[str, sn2.Packet]] = [
    (
        "0E 01 01 00 01 02 00 3C 01 00 64 65 76 31",
        sn2.Connect(client_id="dev1", packet_id=1, keep_alive=60, max_packet_size=256),
    ),
    ("06 02 00 00 01 00", sn2.ConnAck(packet_id=1)),
    ("0C 03 23 00 02 00 03 61 2F 62 68 69", sn2.Publish(topic="a/b", payload=b"hi", qos=1, packet_id=2)),
    ("07 12 01 00 05 6F 6E", sn2.PubWos(topic=5, payload=b"on")),
    ("03 0E 00", sn2.Disconnect()),
    ("04 0C 00 07", sn2.PingReq(packet_id=7)),
    ("09 13 00 00 08 00 00 0E 10", sn2.SleepReq(packet_id=8, duration=3600)),
    ("0C FE 00 04 64 65 76 31 04 0C 00 07", sn2.Connection(client_id="dev1", packet=PINGREQ_7)),
    ("09 FC 02 12 34 04 0C 00 07", sn2.Forwarder(address=b"\x12\x34", packet=PINGREQ_7)),
]


@pytest.mark.parametrize("hex_bytes,packet", VALID)
def test_a_2_0_example_parses_to_its_packet_and_encodes_back(hex_bytes: str, packet: sn2.Packet) -> None:
    data = bytes.fromhex(hex_bytes)
    assert sn2.parse(data) == packet
    assert packet.encode() == data


def test_the_examples_fields_are_typed() -> None:
    publish = sn2.parse(bytes.fromhex("0C 03 23 00 02 00 03 61 2F 62 68 69"))
    assert isinstance(publish, sn2.Publish)
    assert publish.topic_type is sn2.TopicType.NAME
    pubwos = sn2.parse(bytes.fromhex("07 12 01 00 05 6F 6E"))
    assert isinstance(pubwos, sn2.PubWos) and pubwos.topic_type is sn2.TopicType.PREDEFINED
    connack = sn2.parse(bytes.fromhex("06 02 00 00 01 00"))
    assert isinstance(connack, sn2.ConnAck) and connack.reason_code is ReasonCode.SUCCESS


def test_an_encapsulation_holds_the_inner_packet() -> None:
    connection = sn2.parse(bytes.fromhex("0C FE 00 04 64 65 76 31 04 0C 00 07"))
    assert isinstance(connection, sn2.Connection)
    assert connection.inner() == sn2.PingReq(packet_id=7)
    forwarder = sn2.parse(bytes.fromhex("09 FC 02 12 34 04 0C 00 07"))
    assert isinstance(forwarder, sn2.Forwarder)
    assert forwarder.inner() == sn2.PingReq(packet_id=7)


@pytest.mark.parametrize(
    "hex_bytes,reason_code",
    [
        ("0C 03 63 00 02 00 03 61 2F 62 68 69", 0x81),  # Y1: PUBLISH with QoS 3
        ("0E 01 01 00 01 02 00 00 01 00 64 65 76 31", 0x82),  # Y2: CONNECT with keep alive 0
        ("03 0E 80", 0x81),  # Y3: DISCONNECT with reserved bit 7
        ("0E 01 01 00 01 01 00 3C 01 00 64 65 76 31", 0x84),  # CONNECT for version 1
        ("04 0C 00 00", 0x82),  # PINGREQ with packet id 0
        ("03 19 00", 0x81),  # a reserved packet type
        ("05 0E 00", 0x81),  # a Length that disagrees with the datagram
    ],
)
def test_a_refused_datagram_carries_its_reason_code(hex_bytes: str, reason_code: int) -> None:
    with pytest.raises(sn2.Sn2Error) as caught:
        sn2.parse(bytes.fromhex(hex_bytes))
    assert caught.value.reason_code == reason_code
    assert isinstance(caught.value.reason_code, ReasonCode)
    assert isinstance(caught.value, DecodeError)


PINGRESP_7 = bytes.fromhex("040D0007")
FORWARDED = bytes.fromhex("09FC021234040C0007")


@pytest.mark.parametrize(
    "packet,reason_code",
    [
        (sn2.Publish(topic="a", qos=0, packet_id=5), 0x81),
        (sn2.Publish(topic="a", qos=1), 0x81),
        (sn2.Publish(topic="a", qos=1, packet_id=0), 0x82),
        (sn2.Publish(topic="a", qos=1, packet_id=1, dup=True), 0x82),
        (sn2.Publish(topic="a", qos=3), 0x81),
        (sn2.Publish(topic="a/+"), 0x82),
        (sn2.Publish(topic=1, topic_type=2), 0x81),  # type: ignore[arg-type]
        (sn2.PubWos(topic=1, topic_type=sn2.TopicType.ALIAS), 0x81),
        (sn2.Subscribe(topic="a/#/b", packet_id=1), 0x82),
        (sn2.Subscribe(topic="a", packet_id=1, retain_handling=3), 0x82),
        (sn2.Subscribe(topic="a", packet_id=1, qos=3), 0x82),
        (sn2.Subscribe(topic="", packet_id=1), 0x82),
        (sn2.Connect(client_id="c", keep_alive=0), 0x82),
        (sn2.Connect(client_id="c", max_packet_size=9), 0x82),
        (sn2.Connect(client_id="c", protocol_version=1), 0x84),
        (sn2.Connect(client_id="c", auth_data=b"x"), 0x81),
        (sn2.Connect(client_id="c", will_payload=b"bye"), 0x81),
        (sn2.Connect(client_id="c\x00"), 0x81),
        (sn2.ConnAck(packet_id=1, reason_code=ReasonCode.NOT_AUTHORIZED, session_present=True), 0x82),
        (sn2.SleepReq(packet_id=1, duration=0), 0x82),
        (sn2.Connection(client_id="c", packet=PINGRESP_7), 0x82),
        (sn2.Forwarder(address=b"", packet=FORWARDED), 0x81),
        (sn2.Forwarder(address=b"\x00" * 256, packet=PINGREQ_7), 0x81),
        (sn2.Protection(scheme=1, sender_id=b"\x00" * 7, random=b"\x00" * 4, protected=b"x"), 0x81),
        (sn2.Protection(scheme=1, sender_id=b"\x00" * 8, random=b"\x00" * 4, protected=b"x", tag_length=2), 0x81),
        (sn2.Protection(scheme=1, sender_id=b"\x00" * 8, random=b"\x00" * 4, protected=b"x", tag_length=16), 0x81),
        (sn2.Protection(scheme=1, sender_id=b"\x00" * 8, random=b"\x00" * 4, protected=b"x", crypto=b"abc"), 0x81),
        (sn2.Protection(scheme=1, sender_id=b"\x00" * 8, random=b"\x00" * 4, protected=b""), 0x81),
        (sn2.Protection(scheme=0x10, sender_id=b"\x00" * 8, random=b"\x00" * 4, protected=b"x"), 0x81),
        (sn2.SubAck(packet_id=1, kind=3), 0x81),  # type: ignore[arg-type]
    ],
)
def test_the_encoder_refuses_what_the_parser_refuses(packet: sn2.Packet, reason_code: int) -> None:
    with pytest.raises(sn2.Sn2EncodeError) as caught:
        packet.encode()
    assert caught.value.reason_code == reason_code
    assert isinstance(caught.value, EncodeError)


@pytest.mark.parametrize(
    "packet",
    [
        sn2.Publish(topic=1, payload="text"),  # type: ignore[arg-type]
        sn2.Publish(topic=1, topic_type=sn2.TopicType.NAME),
        sn2.PingReq(packet_id="1"),  # type: ignore[arg-type]
        sn2.Register(topic_name=b"a", packet_id=1),  # type: ignore[arg-type]
        sn2.Connect(client_id="c", clean_start=1),  # type: ignore[arg-type]
    ],
)
def test_a_field_of_the_wrong_type_is_a_type_error(packet: sn2.Packet) -> None:
    with pytest.raises(TypeError):
        packet.encode()


def test_a_str_topic_is_a_name() -> None:
    assert sn2.Publish(topic="a/b", topic_type=sn2.TopicType.ALIAS).topic_type is sn2.TopicType.NAME
    assert sn2.Subscribe(topic="a/#", packet_id=1).topic_type is sn2.TopicType.NAME
    assert sn2.Connect(will_topic="w").will_topic_type is sn2.TopicType.NAME
    assert sn2.Publish(topic=3).topic_type is sn2.TopicType.ALIAS
    assert sn2.PubWos(topic=3).topic_type is sn2.TopicType.PREDEFINED


def test_the_length_form_follows_the_size() -> None:
    short = sn2.Publish(topic=1, payload=b"\xaa" * 250).encode()
    assert short[:2] == b"\xff\x03"
    long = sn2.Publish(topic=1, payload=b"\xaa" * 251).encode()
    assert long[:4] == b"\x01\x01\x02\x03"
    assert sn2.parse(long) == sn2.Publish(topic=1, payload=b"\xaa" * 251)


# One of every packet class, with its optional fields given.
ROUND_TRIP: List[sn2.Packet] = [
    sn2.Connect(
        client_id="dev1",
        packet_id=9,
        keep_alive=30,
        max_packet_size=1024,
        clean_start=False,
        address_may_change=True,
        server_may_suggest=True,
        default_awake_messages=3,
        session_expiry=3600,
        will_topic="dev1/status",
        will_qos=1,
        will_retain=True,
        will_payload=b"offline",
        auth_method="SCRAM",
        auth_data=b"\x01\x02",
    ),
    sn2.Connect(will_topic=7, will_topic_type=sn2.TopicType.PREDEFINED),
    sn2.ConnAck(
        packet_id=9,
        session_present=True,
        session_expiry=60,
        server_keep_alive=20,
        auth_method="SCRAM",
        auth_data=b"",
        assigned_client_id="auto-1",
    ),
    sn2.Publish(topic=4, payload=b"\x00\x01", qos=2, retain=True, dup=True, packet_id=3),
    sn2.PubAck(packet_id=3, reason_code=ReasonCode.NO_MATCHING_SUBSCRIBERS),
    sn2.PubRec(packet_id=3),
    sn2.PubRel(packet_id=3, reason_code=ReasonCode.PACKET_IDENTIFIER_NOT_FOUND),
    sn2.PubComp(packet_id=3),
    sn2.Subscribe(
        topic="$share/g/a/+",
        packet_id=4,
        qos=2,
        no_local=True,
        retain_as_published=True,
        retain_handling=2,
    ),
    sn2.SubAck(packet_id=4, reason_code=ReasonCode.GRANTED_QOS_2, kind=sn2.AliasKind.PREDEFINED, alias=12),
    sn2.Unsubscribe(topic=12, packet_id=5, topic_type=sn2.TopicType.PREDEFINED),
    sn2.UnsubAck(packet_id=5, reason_code=ReasonCode.NO_SUBSCRIPTION_EXISTED),
    sn2.PingReq(packet_id=6),
    sn2.PingResp(packet_id=6, messages_remaining=0xFF),
    sn2.Disconnect(packet_id=7, session_expiry=0, reason_code=0xF4, reason_string="bye"),
    sn2.Auth(packet_id=8, method="SCRAM", data=b"nonce", reason_code=ReasonCode.CONTINUE_AUTHENTICATION),
    sn2.Register(topic_name="a/b", packet_id=9, alias=33),
    sn2.RegAck(packet_id=9, kind=sn2.AliasKind.SESSION, alias=33, reason_code=0xF1),
    sn2.PubWos(topic="a/b", payload=b"x", retain=True),
    sn2.SleepReq(packet_id=10, duration=86400, retain_aliases=True),
    sn2.SleepResp(packet_id=10, duration=600, reason_code=ReasonCode.QUOTA_EXCEEDED),
    sn2.Wakeup(),
    sn2.Advertise(gw_id=1, duration=900),
    sn2.SearchGw(info=b"\x01"),
    sn2.GwInfo(gw_id=1, gw_addr=bytes([192, 168, 0, 10])),
    sn2.Forwarder(address=b"\xaa\xbb\xcc", packet=bytes.fromhex("0C 03 23 00 02 00 03 61 2F 62 68 69")),
    sn2.Connection(client_id="dev1", packet=bytes.fromhex("09 13 00 00 08 00 00 0E 10")),
    sn2.Protection(
        scheme=0x01,
        sender_id=bytes(range(8)),
        random=b"\x01\x02\x03\x04",
        protected=b"ciphertext+tag",
        tag_length=4,
        crypto=b"\x00\x01\x02\x03",
        counter=b"\x00\x09",
    ),
]


def test_every_packet_class_has_a_round_trip() -> None:
    assert {type(p) for p in ROUND_TRIP} == set(sn2._CLASSES.values())


@pytest.mark.parametrize("packet", ROUND_TRIP, ids=lambda p: type(p).__name__)
def test_a_packet_round_trips(packet: sn2.Packet) -> None:
    data = packet.encode()
    length = int.from_bytes(data[1:3], "big") if data[0] == 1 else data[0]
    assert length == len(data)
    assert sn2.parse(data) == packet
    assert sn2.parse(data).encode() == data


def test_the_module_is_exported() -> None:
    assert mqtt_codec.sn2 is sn2
    assert "sn2" in mqtt_codec.__all__
    for name in sn2.__all__:
        assert getattr(sn2, name).__doc__, name


def test_a_suback_without_an_alias_encodes_with_its_type_sn2_12() -> None:
    # Alias type 01 is the one a SUBACK without an alias carries; left out, it follows.
    for ack in (
        sn2.SubAck(packet_id=1),
        sn2.SubAck(packet_id=1, reason_code=ReasonCode.UNSPECIFIED_ERROR),
    ):
        assert ack.kind == sn2.AliasKind.PREDEFINED
        assert sn2.parse(ack.encode()) == ack
    assert sn2.SubAck(packet_id=1, alias=7).kind == sn2.AliasKind.SESSION


def test_a_field_out_of_range_or_of_the_wrong_type_names_it() -> None:
    with pytest.raises(ValueError, match="packet_id is out of range"):
        sn2.PubAck(packet_id=70000).encode()
    with pytest.raises(TypeError, match="packet_id must be an int"):
        sn2.PubAck(packet_id="7").encode()  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sn2.parse([1, 2])  # type: ignore[arg-type]
