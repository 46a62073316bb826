"""Each kind of malformed input raises DecodeError with its reason code; bad arguments raise
TypeError or ValueError; what a version cannot carry raises EncodeError."""

from __future__ import annotations

from typing import Any, Callable, Optional

import pytest

from mqtt_codec import (
    Auth,
    Connect,
    DecodeError,
    Decoder,
    EncodeError,
    MqttError,
    PingReq,
    Properties,
    ProtocolVersion,
    PubAck,
    Publish,
    ReasonCode,
    ScramAuthenticator,
    SubAck,
    Subscribe,
    Subscription,
    Unsubscribe,
    Will,
    decode,
)

V3_1_1 = ProtocolVersion.V3_1_1
V5 = ProtocolVersion.V5
MALFORMED = ReasonCode.MALFORMED_PACKET
PROTOCOL = ReasonCode.PROTOCOL_ERROR
UNSUPPORTED = ReasonCode.UNSUPPORTED_PROTOCOL_VERSION


def connect_bytes(name: bytes = b"MQTT", level: int = 4, flags: int = 0x02) -> bytes:
    body = len(name).to_bytes(2, "big") + name + bytes([level, flags, 0, 60, 0, 1]) + b"c"
    return bytes([0x10, len(body)]) + body


MALFORMED_INPUTS = [
    # (id, bytes, version, reason code)
    ("reserved-packet-type-0", b"\x00\x00", V3_1_1, MALFORMED),
    ("reserved-packet-type-15-in-3.1.1", b"\xf0\x00", V3_1_1, MALFORMED),
    ("invalid-fixed-header-flags", b"\x80\x00", V3_1_1, MALFORMED),
    ("publish-qos-3", b"\x36\x04\x00\x02ab", V3_1_1, MALFORMED),
    ("publish-dup-at-qos-0", b"\x38\x04\x00\x02ab", V3_1_1, MALFORMED),
    ("varint-longer-than-4-bytes", b"\x30\xff\xff\xff\xff\x7f", V3_1_1, MALFORMED),
    ("varint-not-minimal", b"\xc0\x80\x00", V3_1_1, MALFORMED),
    ("field-runs-past-the-end", b"\x30\x02\x00\x05", V3_1_1, MALFORMED),
    ("trailing-bytes-after-fields", b"\x40\x03\x00\x01\x00", V3_1_1, MALFORMED),
    ("pingreq-with-a-body", b"\xc0\x01\x00", V3_1_1, MALFORMED),
    ("topic-invalid-utf8", b"\x30\x04\x00\x02\xc3\x28", V3_1_1, MALFORMED),
    ("topic-with-u0000", b"\x30\x04\x00\x02a\x00", V3_1_1, MALFORMED),
    ("topic-with-wildcard", b"\x30\x04\x00\x02a#", V3_1_1, MALFORMED),
    ("packet-id-zero", b"\x40\x02\x00\x00", V3_1_1, PROTOCOL),
    ("unknown-protocol-name", connect_bytes(name=b"MQTX"), None, UNSUPPORTED),
    ("unsupported-protocol-level", connect_bytes(level=6), None, UNSUPPORTED),
    ("connect-reserved-flag", connect_bytes(flags=0x03), None, MALFORMED),
    ("will-qos-without-will-flag", connect_bytes(flags=0x0A), None, MALFORMED),
    ("subscribe-without-entries", b"\x82\x02\x00\x01", V3_1_1, PROTOCOL),
    ("unknown-property", b"\x40\x05\x00\x01\x00\x01\x7f", V5, MALFORMED),
    ("duplicate-property", b"\x40\x0a\x00\x01\x00\x06\x1f\x00\x00\x1f\x00\x00", V5, PROTOCOL),
    ("property-not-allowed-here", b"\x40\x09\x00\x01\x00\x05\x11\x00\x00\x00\x01", V5, MALFORMED),
    ("receive-maximum-zero", b"\x20\x06\x00\x00\x03\x21\x00\x00", V5, PROTOCOL),
    ("auth-in-3.1.1", b"\xf0\x00", V3_1_1, MALFORMED),
    ("first-packet-not-connect", b"\xc0\x00", None, PROTOCOL),
]


@pytest.mark.parametrize(
    ("data", "version", "code"),
    [pytest.param(d, v, c, id=i) for i, d, v, c in MALFORMED_INPUTS],
)
def test_malformed_input_raises_decode_error(data: bytes, version: Optional[ProtocolVersion], code: ReasonCode) -> None:
    with pytest.raises(DecodeError) as info:
        decode(data, version)
    assert info.value.reason_code == code
    assert isinstance(info.value.reason_code, ReasonCode)
    assert isinstance(info.value, MqttError)
    # The streaming decoder agrees, fed one byte at a time.
    decoder = Decoder(version)
    with pytest.raises(DecodeError) as streamed:
        for i in range(len(data)):
            decoder.feed(data[i : i + 1])
    assert streamed.value.reason_code == code
    assert decoder.failed


def test_v3_connack_code_for_unsupported_level() -> None:
    with pytest.raises(DecodeError) as info:
        decode(connect_bytes(level=6))
    assert info.value.v3_connack_code == 1


def test_packet_too_large_is_refused_from_the_header() -> None:
    decoder = Decoder(V3_1_1, max_packet_size=16)
    with pytest.raises(DecodeError) as info:
        decoder.feed(b"\x30\x7f")
    assert info.value.reason_code == ReasonCode.PACKET_TOO_LARGE


def test_second_connect_is_a_protocol_error() -> None:
    decoder = Decoder()
    with pytest.raises(DecodeError) as info:
        decoder.feed(connect_bytes() + connect_bytes())
    assert info.value.reason_code == PROTOCOL
    assert [type(p).__name__ for p in info.value.packets] == ["Connect"]


def test_decoder_stays_failed() -> None:
    decoder = Decoder(V3_1_1)
    good = PingReq().encode(V3_1_1)
    with pytest.raises(DecodeError) as info:
        decoder.feed(good + b"\x00\x00")
    assert info.value.packets == [PingReq()]
    with pytest.raises(DecodeError) as again:
        decoder.feed(good)
    assert again.value.reason_code == MALFORMED
    # Fed again, it says what failed it, in the words of the first error.
    assert str(info.value) in str(again.value)
    assert "new Decoder" in str(again.value)


@pytest.mark.parametrize(
    "data",
    [b"", b"\x30", b"\x30\x05\x00\x03a", PingReq().encode(4) + b"\xc0"],
    ids=["empty", "header-only", "cut-short", "trailing-packet"],
)
def test_decode_wants_exactly_one_packet(data: bytes) -> None:
    with pytest.raises(DecodeError) as info:
        decode(data, V3_1_1)
    assert info.value.reason_code == MALFORMED


BAD_ARGUMENTS: list[tuple[str, Callable[[], Any], type[Exception]]] = [
    ("topic-not-str", lambda: Publish(topic=1), TypeError),  # type: ignore[arg-type]
    ("topic-wildcard", lambda: Publish(topic="a/+"), ValueError),
    ("topic-nul", lambda: Publish(topic="a\x00"), ValueError),
    ("qos-3", lambda: Publish(topic="a", qos=3, packet_id=1), ValueError),
    ("qos-str", lambda: Publish(topic="a", qos="1"), TypeError),  # type: ignore[arg-type]
    ("qos1-without-packet-id", lambda: Publish(topic="a", qos=1), ValueError),
    ("qos0-with-packet-id", lambda: Publish(topic="a", packet_id=1), ValueError),
    ("packet-id-0", lambda: PubAck(packet_id=0), ValueError),
    ("packet-id-too-big", lambda: PubAck(packet_id=65536), ValueError),
    ("packet-id-negative", lambda: PubAck(packet_id=-1), ValueError),
    ("packet-id-huge", lambda: PubAck(packet_id=1 << 100), ValueError),
    ("payload-int", lambda: Publish(topic="a", payload=5), TypeError),  # type: ignore[arg-type]
    ("retain-int", lambda: Publish(topic="a", retain=1), TypeError),  # type: ignore[arg-type]
    ("unknown-keyword", lambda: Publish(topic="a", color="red"), TypeError),  # type: ignore[call-arg]
    ("positional-option", lambda: Publish("a", b"", 1), TypeError),  # type: ignore[call-arg]
    ("reason-code-undefined", lambda: PubAck(packet_id=1, reason_code=0x7F), ValueError),
    ("reason-code-not-for-puback", lambda: PubAck(packet_id=1, reason_code=ReasonCode.BANNED), ValueError),
    ("properties-not-properties", lambda: Publish(topic="a", properties={}), TypeError),  # type: ignore[arg-type]
    ("property-out-of-range", lambda: Properties(receive_maximum=70000), ValueError),
    ("property-wrong-type", lambda: Properties(content_type=b"x"), TypeError),  # type: ignore[arg-type]
    ("user-property-shape", lambda: Properties(user_properties=[("a",)]), TypeError),  # type: ignore[list-item]
    ("property-not-allowed", lambda: Publish(topic="a", properties=Properties(session_expiry_interval=1)), ValueError),
    ("property-value-invalid", lambda: Publish(topic="a", properties=Properties(payload_format_indicator=2)), ValueError),
    ("subscribe-empty", lambda: Subscribe(packet_id=1, subscriptions=[]), ValueError),
    ("subscribe-bad-filter", lambda: Subscribe(packet_id=1, subscriptions=["a/#/b"]), ValueError),
    ("subscribe-item-type", lambda: Subscribe(packet_id=1, subscriptions=[1]), TypeError),  # type: ignore[list-item]
    ("subscribe-not-a-list", lambda: Subscribe(packet_id=1, subscriptions="a/b"), TypeError),
    ("retain-handling-3", lambda: Subscription("a", retain_handling=3), ValueError),
    ("no-local-shared", lambda: Subscribe(packet_id=1, subscriptions=[Subscription("$share/g/a", no_local=True)]), ValueError),
    ("unsubscribe-empty", lambda: Unsubscribe(packet_id=1, filters=[]), ValueError),
    ("suback-empty", lambda: SubAck(packet_id=1, reason_codes=[]), ValueError),
    ("will-bad-topic", lambda: Will(topic="#"), ValueError),
    ("will-payload-too-long", lambda: Will(topic="a", payload=b"x" * 65536), ValueError),
    ("will-property-not-allowed", lambda: Will(topic="a", properties=Properties(topic_alias=3)), ValueError),
    ("connect-will-type", lambda: Connect(will="x"), TypeError),  # type: ignore[arg-type]
    ("connect-version-6", lambda: Connect(protocol_version=6), ValueError),
    ("connect-3.1.1-password-only", lambda: Connect(protocol_version=4, password=b"p"), ValueError),
    ("auth-data-without-method", lambda: Auth(properties=Properties(authentication_data=b"x")), ValueError),
    ("encode-version-7", lambda: PingReq().encode(7), ValueError),
    ("encode-version-str", lambda: PingReq().encode("5"), TypeError),  # type: ignore[arg-type]
    ("decoder-version-2", lambda: Decoder(2), ValueError),
    ("decoder-role", lambda: Decoder(5, role="broker"), ValueError),
    ("decoder-client-without-version", lambda: Decoder(None, role="client"), ValueError),
    ("scram-empty-nonce", lambda: ScramAuthenticator("u", "p", ""), ValueError),
    ("scram-nonce-comma", lambda: ScramAuthenticator("u", "p", "n,o"), ValueError),
    ("scram-add-nonce-space", lambda: ScramAuthenticator("u", "p", "n").add_nonce("a b"), ValueError),
    ("decoder-max-size-0", lambda: Decoder(5, max_packet_size=0), ValueError),
    ("feed-str", lambda: Decoder(5).feed("abc"), TypeError),  # type: ignore[arg-type]
    ("feed-int", lambda: Decoder(5).feed(3), TypeError),  # type: ignore[arg-type]
    ("decode-list", lambda: decode([1, 2], 5), TypeError),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("call", "error"), [pytest.param(c, e, id=i) for i, c, e in BAD_ARGUMENTS])
def test_bad_arguments(call: Callable[[], Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        call()


def test_suback_says_reason_codes_are_required() -> None:
    # The signature a user reads (help(), an IDE) agrees with the TypeError and the stub.
    import inspect

    assert str(inspect.signature(SubAck)) == "(*, packet_id, reason_codes, properties=None)"
    with pytest.raises(TypeError, match="SubAck needs reason_codes"):
        SubAck(packet_id=1)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("packet", "version"),
    [
        (Auth(), V3_1_1),
        (Connect(protocol_version=V5), V3_1_1),
        (Publish(topic="a", properties=Properties(message_expiry_interval=1)), V3_1_1),
        (PubAck(packet_id=1, reason_code=ReasonCode.NO_MATCHING_SUBSCRIBERS), ProtocolVersion.V3_1),
        (SubAck(packet_id=1, reason_codes=[ReasonCode.NOT_AUTHORIZED]), V3_1_1),
        (Publish(topic="", properties=Properties(topic_alias=1)), V3_1_1),
    ],
    ids=["auth", "connect-other-version", "properties", "puback-reason", "suback-v5-code", "empty-topic"],
)
def test_not_representable_raises_encode_error(packet: Any, version: ProtocolVersion) -> None:
    with pytest.raises(EncodeError):
        packet.encode(version)
