"""Packets and their parts are values: they pickle and copy to equal objects, as the
constructor call their repr shows; so do the exceptions that carry fields."""

from __future__ import annotations

import copy
import pickle
from typing import Any, Tuple

import pytest

from mqtt_codec import DecodeError, Decoder, Packet, ProtocolVersion, Properties, Publish, decode
from mqtt_codec import Subscription, Will
from mqtt_codec.sn import SnError, SnEncodeError, parse as sn_parse
from samples import FULL_PUBLISH_PROPS, case_id, cases


@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_every_packet_pickles_and_copies_to_an_equal_one(
    case: Tuple[Packet, ProtocolVersion],
) -> None:
    packet, version = case
    every_protocol = [pickle.loads(pickle.dumps(packet, p)) for p in range(pickle.HIGHEST_PROTOCOL + 1)]
    for again in (
        *every_protocol,
        copy.copy(packet),
        copy.deepcopy(packet),
    ):
        assert type(again) is type(packet)
        assert again == packet
        assert again.encode(version) == packet.encode(version)


def test_a_publish_decoded_in_place_pickles_as_its_fields() -> None:
    frame = Publish(topic="PV/sunshine", payload=b"true", properties=FULL_PUBLISH_PROPS).encode(5)
    decoded = decode(frame, 5)
    assert pickle.loads(pickle.dumps(decoded)) == decoded


def test_the_parts_of_packets_pickle() -> None:
    parts: Tuple[Any, ...] = (
        FULL_PUBLISH_PROPS,
        Properties(),
        Will(topic="a/b", payload=b"gone", qos=1, retain=True),
        Subscription("a/+", 2, no_local=True, retain_as_published=True, retain_handling=2),
    )
    for part in parts:
        assert pickle.loads(pickle.dumps(part)) == part


def test_a_decode_error_pickles_with_its_codes_and_packets() -> None:
    stream = Publish(topic="a").encode(5) + b"\x00\x00"
    with pytest.raises(DecodeError) as raised:
        Decoder(5).feed(stream)
    again = pickle.loads(pickle.dumps(raised.value))
    assert str(again) == str(raised.value)
    assert again.reason_code == raised.value.reason_code
    assert again.packets == [Publish(topic="a")]


def test_mqtt_sn_errors_pickle_with_their_rule() -> None:
    with pytest.raises(SnError) as raised:
        sn_parse(b"\x02\xff")
    again = pickle.loads(pickle.dumps(raised.value))
    assert (str(again), again.rule, again.answer) == (
        str(raised.value),
        raised.value.rule,
        raised.value.answer,
    )
    error = SnEncodeError("too long", "SN-HDR-2")
    assert pickle.loads(pickle.dumps(error)).rule == "SN-HDR-2"


def test_the_asyncio_errors_pickle_and_copy_with_their_fields() -> None:
    from mqtt_codec import ReasonCode, aio
    from mqtt_codec.client import PublishFailed

    refused = aio.Refused(ReasonCode.BANNED, False)
    failed = aio.PublishError(PublishFailed(packet_id=1, reason_code=None, session_lost=True))
    for again in (pickle.loads(pickle.dumps(refused)), copy.copy(refused)):
        assert isinstance(again, aio.Refused)
        assert (again.reason_code, again.server_speaks_v3, str(again)) == (ReasonCode.BANNED, False, str(refused))
    for other in (pickle.loads(pickle.dumps(failed)), copy.copy(failed)):
        assert isinstance(other, aio.PublishError)
        assert other.event == failed.event and str(other) == str(failed)
