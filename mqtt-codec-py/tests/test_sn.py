"""MQTT-SN 1.2 from Python: the specification's byte examples (shared/spec/mqtt-sn.md §4),
each parsed to its class and encoded back, and the refused ones with their rule and answer."""

from typing import List

import pytest

from mqtt_codec import DecodeError, EncodeError, sn

# (hex, the message it holds): every example that re-encodes to the same bytes.
VALID: List[tuple[str, sn.Message]] = [
    ("0A 04 04 01 00 3C 64 65 76 31", sn.Connect(client_id="dev1", duration=60)),
    ("08 04 0C 01 00 1E 63 31", sn.Connect(client_id="c1", duration=30, will=True)),
    ("03 05 00", sn.ConnAck()),
    ("02 06", sn.WillTopicReq()),
    ("06 07 30 77 2F 74", sn.WillTopic(topic="w/t", qos=1, retain=True)),
    ("02 07", sn.WillTopic()),
    ("02 08", sn.WillMsgReq()),
    ("05 09 62 79 65", sn.WillMsg(message=b"bye")),
    ("09 0A 00 00 00 01 61 2F 62", sn.Register(topic_name="a/b", msg_id=1)),
    ("07 0B 00 01 00 01 00", sn.RegAck(topic_id=1, msg_id=1)),
    ("09 0A 00 02 00 07 63 2F 64", sn.Register(topic_name="c/d", msg_id=7, topic_id=2)),
    ("09 0C 00 00 01 00 00 68 69", sn.Publish(topic_id=1, data=b"hi")),
    (
        "08 0C 21 00 05 00 02 31",
        sn.Publish(topic_id=5, data=b"1", qos=1, msg_id=2, topic_id_type=sn.TopicIdType.PREDEFINED),
    ),
    ("09 0C 52 61 62 00 03 01 02", sn.Publish(topic_id="ab", data=b"\x01\x02", qos=2, retain=True, msg_id=3)),
    (
        "09 0C 61 00 07 00 00 6F 6E",
        sn.Publish(topic_id=7, data=b"on", qos=-1, topic_id_type=sn.TopicIdType.PREDEFINED),
    ),
    ("08 0C 62 74 74 00 00 78", sn.Publish(topic_id="tt", data=b"x", qos=-1)),
    ("07 0D 00 05 00 02 00", sn.PubAck(topic_id=5, msg_id=2)),
    ("07 0D 00 09 00 04 02", sn.PubAck(topic_id=9, msg_id=4, return_code=sn.ReturnCode.INVALID_TOPIC_ID)),
    ("04 0F 00 03", sn.PubRec(msg_id=3)),
    ("04 10 00 03", sn.PubRel(msg_id=3)),
    ("04 0E 00 03", sn.PubComp(msg_id=3)),
    ("08 12 20 00 0A 61 2F 2B", sn.Subscribe(topic="a/+", msg_id=10, qos=1)),
    ("07 12 01 00 0B 00 05", sn.Subscribe(topic=5, msg_id=11)),
    ("07 12 42 00 0C 61 62", sn.Subscribe(topic="ab", msg_id=12, qos=2, topic_id_type=sn.TopicIdType.SHORT)),
    ("08 13 20 00 00 00 0A 00", sn.SubAck(msg_id=10, qos=1)),
    ("08 14 00 00 0D 61 2F 2B", sn.Unsubscribe(topic="a/+", msg_id=13)),
    ("04 15 00 0D", sn.UnsubAck(msg_id=13)),
    ("02 16", sn.PingReq()),
    ("06 16 64 65 76 31", sn.PingReq(client_id="dev1")),
    ("02 17", sn.PingResp()),
    ("02 18", sn.Disconnect()),
    ("04 18 02 58", sn.Disconnect(duration=600)),
    ("05 00 01 03 84", sn.Advertise(gw_id=1, duration=900)),
    ("03 01 01", sn.SearchGw(radius=1)),
    ("03 02 01", sn.GwInfo(gw_id=1)),
    ("07 02 01 C0 A8 00 0A", sn.GwInfo(gw_id=1, gw_addr=bytes([192, 168, 0, 10]))),
    ("06 1A 20 61 2F 62", sn.WillTopicUpd(topic="a/b", qos=1)),
    ("03 1B 00", sn.WillTopicResp()),
    ("04 1C 6F 6B", sn.WillMsgUpd(message=b"ok")),
    ("03 1D 00", sn.WillMsgResp()),
    ("05 FE 00 12 34 02 16", sn.Encapsulated(message=b"\x02\x16", node_id=b"\x12\x34")),
]


@pytest.mark.parametrize("hex_bytes,message", VALID)
def test_a_spec_example_parses_to_its_message_and_encodes_back(hex_bytes: str, message: sn.Message) -> None:
    data = bytes.fromhex(hex_bytes)
    assert sn.parse(data) == message
    assert message.encode() == data


def test_the_length_form_follows_the_size_sn_hdr_2() -> None:
    # V44: 255 octets in the 1-octet form; V45: 258 in the 3-octet form.
    assert sn.Publish(topic_id=1, data=b"\xaa" * 248).encode()[:2] == b"\xff\x0c"
    assert sn.Publish(topic_id=1, data=b"\xaa" * 249).encode()[:4] == b"\x01\x01\x02\x0c"
    # V46: the 3-octet form below 256 is accepted (SN-HDR-3).
    assert sn.parse(bytes.fromhex("0100050500")) == sn.ConnAck()


def test_an_encapsulated_message_holds_the_inner_one_sn_enc_1() -> None:
    outer = sn.parse(bytes.fromhex("05FE0112340305 00".replace(" ", "")))
    assert isinstance(outer, sn.Encapsulated)
    assert outer.radius == 1 and outer.inner() == sn.ConnAck()


@pytest.mark.parametrize(
    "hex_bytes,rule,answer",
    [
        ("05 18 00", "SN-HDR-4", None),
        ("02 17 00", "SN-HDR-4", None),
        ("00 16", "SN-HDR-5", None),
        ("01 00 03 16", "SN-HDR-5", None),
        ("02 03", "SN-HDR-6", None),
        ("02 FF", "SN-HDR-6", None),
        ("09 0C 03 00 01 00 00 68 69", "SN-FLG-2", None),
        ("08 12 60 00 0A 61 2F 2B", "SN-FLG-3", sn.SubAck(msg_id=10, return_code=sn.ReturnCode.NOT_SUPPORTED)),
        ("09 0C 60 00 01 00 00 68 69", "SN-PUB-2", None),
        ("0A 04 04 02 00 3C 64 65 76 31", "SN-CON-1", sn.ConnAck(return_code=sn.ReturnCode.NOT_SUPPORTED)),
        ("06 04 04 01 00 3C", "SN-FLD-2", sn.ConnAck(return_code=sn.ReturnCode.NOT_SUPPORTED)),
        ("08 12 21 00 0B 00 05 00", "SN-SUB-1", None),
        ("06 12 02 00 0C 61", "SN-SUB-1", None),
        ("05 0F 00 03 00", "SN-MSG-1", None),
        ("03 18 05", "SN-MSG-1", None),
        ("06 07 70 77 2F 74", "SN-FLG-3", sn.ConnAck(return_code=sn.ReturnCode.NOT_SUPPORTED)),
        ("08 0C 20 00 05 00 00 31", "SN-FLD-4", None),
        ("01 00 05 FE 00 02 16", "SN-ENC-1", None),
    ],
)
def test_a_refused_datagram_names_its_rule_and_answer(hex_bytes: str, rule: str, answer: object) -> None:
    with pytest.raises(sn.SnError) as caught:
        sn.parse(bytes.fromhex(hex_bytes))
    assert caught.value.rule == rule
    assert caught.value.answer == answer
    assert isinstance(caught.value, DecodeError)


def test_a_gateway_may_allow_longer_client_ids_sn_fld_2() -> None:
    data = bytes([30, 0x04, 0x04, 0x01, 0x00, 0x3C]) + b"abcdefghijklmnopqrstuvwx"
    with pytest.raises(sn.SnError):
        sn.parse(data)
    assert sn.parse(data, max_client_id_len=64) == sn.Connect(client_id="abcdefghijklmnopqrstuvwx")
    # A limit past any datagram's length is no limit, however large the int.
    assert sn.parse(data, max_client_id_len=2**70) == sn.Connect(client_id="abcdefghijklmnopqrstuvwx")


def test_a_client_of_such_a_gateway_encodes_longer_client_ids_sn_fld_2() -> None:
    data = bytes([30, 0x04, 0x04, 0x01, 0x00, 0x3C]) + b"abcdefghijklmnopqrstuvwx"
    connect = sn.Connect(client_id="abcdefghijklmnopqrstuvwx")
    with pytest.raises(sn.SnEncodeError):
        connect.encode()
    assert connect.encode(max_client_id_len=24) == data
    wrapped = sn.Encapsulated(message=data, node_id=b"\x0a", radius=1)
    with pytest.raises(sn.SnEncodeError):
        wrapped.encode()
    framed = wrapped.encode(max_client_id_len=2**70)
    back = sn.parse(framed, max_client_id_len=24)
    assert isinstance(back, sn.Encapsulated)
    with pytest.raises(sn.SnError):
        back.inner()
    assert back.inner(max_client_id_len=24) == connect
    with pytest.raises(TypeError, match="max_client_id_len must be an int"):
        connect.encode(max_client_id_len="24")  # type: ignore[arg-type]


def test_unused_flags_are_ignored_unless_strict_sn_flg_1() -> None:
    data = bytes.fromhex("0A04840100 3C64657631".replace(" ", ""))
    assert sn.parse(data) == sn.Connect(client_id="dev1")
    with pytest.raises(sn.SnError) as caught:
        sn.parse(data, strict_flags=True)
    assert caught.value.rule == "SN-FLG-1"


@pytest.mark.parametrize(
    "message,rule",
    [
        (sn.Publish(topic_id=1, data=b"x", msg_id=5), "SN-FLD-4"),
        (sn.Publish(topic_id=0, data=b"x", qos=1, msg_id=5), "SN-FLD-1"),
        (sn.Publish(topic_id=1, qos=1), "SN-FLD-4"),
        (sn.Publish(topic_id=1, qos=-1), "SN-PUB-2"),
        (sn.Register(topic_name="a/+", msg_id=1), "SN-FLD-3"),
        (sn.Subscribe(topic="a/#/b", msg_id=1), "SN-FLD-3"),
        (sn.Subscribe(topic="a", msg_id=1, qos=-1), "SN-FLG-3"),
        (sn.Connect(client_id=""), "SN-FLD-2"),
        (sn.Connect(client_id="x" * 24), "SN-FLD-2"),
        (sn.Publish(topic_id="abc", qos=-1), "SN-FLD-6"),
        (sn.Encapsulated(message=b"\x02\x03"), "SN-HDR-6"),
        (sn.Subscribe(topic=0xFFFF, msg_id=1), "SN-FLD-1"),
        (sn.Subscribe(topic=0, msg_id=1), "SN-FLD-1"),
        (sn.Unsubscribe(topic=0, msg_id=1), "SN-FLD-1"),
        (sn.Register(topic_name="a/b", msg_id=1, topic_id=0xFFFF), "SN-FLD-1"),
        (sn.RegAck(topic_id=0, msg_id=1), "SN-FLD-1"),
        (sn.SubAck(msg_id=1, topic_id=0xFFFF), "SN-FLD-1"),
        (sn.Encapsulated(message=b"\x02\x16", radius=4), "SN-ENC-2"),
    ],
)
def test_the_encoder_refuses_what_the_parser_refuses(message: sn.Message, rule: str) -> None:
    with pytest.raises(sn.SnEncodeError) as caught:
        message.encode()
    assert caught.value.rule == rule
    assert isinstance(caught.value, EncodeError)


def test_a_field_of_the_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        sn.Publish(topic_id=1, data="text").encode()  # type: ignore[arg-type]


def test_a_field_of_the_wrong_type_is_a_type_error_never_dropped() -> None:
    # A bytes topic once encoded as the empty WILLTOPIC, which deletes the will.
    with pytest.raises(TypeError, match="topic must be a str"):
        sn.WillTopic(topic=b"a/b").encode()  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="client_id must be a str"):
        sn.PingReq(client_id=5).encode()  # type: ignore[arg-type]


def test_an_int_out_of_its_fields_range_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="gw_id is out of range: 256"):
        sn.Advertise(gw_id=256, duration=5).encode()
    with pytest.raises(ValueError, match="msg_id is out of range: 70000"):
        sn.Register(topic_id=0, msg_id=70000, topic_name="a").encode()


def test_parse_takes_bytes_like_data_only() -> None:
    with pytest.raises(TypeError):
        sn.parse(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sn.parse([2, 0x16])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sn.parse(b"\x02\x16", max_client_id_len=-1)
    with pytest.raises(TypeError, match="max_client_id_len must be an int"):
        sn.parse(b"\x02\x16", max_client_id_len="23")  # type: ignore[arg-type]
