"""Property tests: random packets of every type round trip; random chunkings decode alike."""

from __future__ import annotations

from typing import List, Tuple

from hypothesis import given, settings
from hypothesis import strategies as st

from mqtt_codec import (
    ConnAck,
    Connect,
    Decoder,
    Disconnect,
    Packet,
    PingReq,
    PingResp,
    Properties,
    ProtocolVersion,
    PubAck,
    PubComp,
    PubRec,
    PubRel,
    Publish,
    QoS,
    ReasonCode,
    SubAck,
    Subscribe,
    Subscription,
    UnsubAck,
    Unsubscribe,
    Will,
    decode,
)

VERSIONS = st.sampled_from(list(ProtocolVersion))
LEVEL = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00/+#"), max_size=8)
TOPICS = st.lists(LEVEL, min_size=1, max_size=4).map("/".join).filter(lambda t: t != "")
FILTERS = st.one_of(
    TOPICS,
    st.tuples(st.lists(st.one_of(LEVEL, st.just("+")), min_size=1, max_size=3), st.booleans()).map(
        lambda lv: "/".join(lv[0] + (["#"] if lv[1] else []))
    ),
).filter(lambda f: f != "")
STRINGS = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
PACKET_IDS = st.integers(1, 65535)
QOS = st.sampled_from(list(QoS))
USER_PROPS = st.lists(st.tuples(STRINGS, STRINGS), max_size=3)


@st.composite
def publishes(draw: st.DrawFn, v5: bool) -> Publish:
    qos = draw(QOS)
    props = Properties()
    if v5:
        props = Properties(
            message_expiry_interval=draw(st.none() | st.integers(0, 2**32 - 1)),
            content_type=draw(st.none() | STRINGS),
            correlation_data=draw(st.none() | st.binary(max_size=10)),
            user_properties=draw(USER_PROPS),
        )
    return Publish(
        topic=draw(TOPICS),
        payload=draw(st.binary(max_size=300)),
        qos=qos,
        packet_id=draw(PACKET_IDS) if qos else None,
        retain=draw(st.booleans()),
        dup=draw(st.booleans()) if qos else False,
        properties=props,
    )


@st.composite
def packets(draw: st.DrawFn, version: ProtocolVersion) -> Packet:
    v5 = version == ProtocolVersion.V5
    props = Properties(user_properties=draw(USER_PROPS)) if v5 else Properties()
    kind = draw(st.integers(0, 13))
    if kind == 0:
        return draw(publishes(v5))
    if kind == 1:
        pid = draw(PACKET_IDS)
        acks: List[Packet] = [
            PubAck(packet_id=pid, properties=props),
            PubRec(packet_id=pid, properties=props),
            PubRel(packet_id=pid, properties=props),
            PubComp(packet_id=pid, properties=props),
        ]
        return draw(st.sampled_from(acks))
    if kind == 2:
        subs = draw(st.lists(st.tuples(FILTERS, QOS), min_size=1, max_size=4))
        return Subscribe(
            packet_id=draw(PACKET_IDS),
            subscriptions=[Subscription(f, q, retain_as_published=v5 and q == 1) for f, q in subs],
            properties=props,
        )
    if kind == 3:
        codes = [ReasonCode.GRANTED_QOS_0, ReasonCode.GRANTED_QOS_1, ReasonCode.GRANTED_QOS_2, ReasonCode.UNSPECIFIED_ERROR]
        return SubAck(packet_id=draw(PACKET_IDS), reason_codes=draw(st.lists(st.sampled_from(codes), min_size=1, max_size=5)), properties=props)
    if kind == 4:
        return Unsubscribe(packet_id=draw(PACKET_IDS), filters=draw(st.lists(FILTERS, min_size=1, max_size=4)), properties=props)
    if kind == 5:
        codes = draw(st.lists(st.sampled_from([ReasonCode.SUCCESS, ReasonCode.NO_SUBSCRIPTION_EXISTED]), min_size=1, max_size=3)) if v5 else []
        return UnsubAck(packet_id=draw(PACKET_IDS), reason_codes=codes, properties=props)
    if kind == 6:
        return PingReq()
    if kind == 7:
        return PingResp()
    if kind == 8:
        return Disconnect(properties=props)
    if kind == 9:
        return ConnAck(session_present=draw(st.booleans()) and version != ProtocolVersion.V3_1, properties=props)
    will = None
    if draw(st.booleans()):
        will = Will(topic=draw(TOPICS), payload=draw(st.binary(max_size=20)), qos=draw(QOS), retain=draw(st.booleans()))
    username = draw(st.none() | STRINGS)
    return Connect(
        client_id=draw(STRINGS.filter(lambda s: s != "")),
        protocol_version=version,
        keep_alive=draw(st.integers(0, 65535)),
        clean_start=draw(st.booleans()),
        will=will,
        username=username,
        password=draw(st.binary(max_size=10)) if username is not None else None,
        properties=Properties(session_expiry_interval=draw(st.none() | st.integers(0, 100)), user_properties=draw(USER_PROPS)) if v5 else None,
    )


@st.composite
def version_and_packets(draw: st.DrawFn) -> Tuple[ProtocolVersion, List[Packet]]:
    version = draw(VERSIONS)
    return version, draw(st.lists(packets(version), min_size=1, max_size=6))


@settings(max_examples=300, deadline=None)
@given(version_and_packets())
def test_random_packets_round_trip(case: Tuple[ProtocolVersion, List[Packet]]) -> None:
    version, items = case
    for packet in items:
        data = packet.encode(version)
        assert decode(data, version) == packet


@settings(max_examples=200, deadline=None)
@given(version_and_packets(), st.lists(st.integers(1, 50), min_size=1, max_size=30))
def test_any_chunking_gives_the_same_packets(case: Tuple[ProtocolVersion, List[Packet]], cuts: List[int]) -> None:
    version, items = case
    data = b"".join(p.encode(version) for p in items)
    decoder = Decoder(version)
    got: List[Packet] = []
    pos = 0
    i = 0
    while pos < len(data):
        step = cuts[i % len(cuts)]
        got += decoder.feed(memoryview(data)[pos : pos + step])
        pos += step
        i += 1
    assert got == items
