"""Sample packets of every type, with the versions each can be encoded in."""

from __future__ import annotations

import zlib
from typing import List, Tuple

from mqtt_codec import (
    Auth,
    ConnAck,
    Connect,
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
)

V3_1 = ProtocolVersion.V3_1
V3_1_1 = ProtocolVersion.V3_1_1
V5 = ProtocolVersion.V5
ALL = (V3_1, V3_1_1, V5)
V3 = (V3_1, V3_1_1)

FULL_PUBLISH_PROPS = Properties(
    payload_format_indicator=1,
    message_expiry_interval=3600,
    content_type="text/plain",
    response_topic="PV/reply",
    correlation_data=b"\x00\x01corr",
    topic_alias=3,
    user_properties=[("unit", "kW"), ("unit", "W")],
)

CONNACK_PROPS = Properties(
    session_expiry_interval=60,
    receive_maximum=10,
    maximum_qos=1,
    retain_available=0,
    maximum_packet_size=65536,
    assigned_client_identifier="auto-1",
    topic_alias_maximum=5,
    reason_string="welcome",
    wildcard_subscription_available=1,
    subscription_identifier_available=0,
    shared_subscription_available=1,
    server_keep_alive=30,
    response_information="resp/",
    server_reference="other:1883",
    authentication_method="SCRAM",
    authentication_data=b"\x01\x02",
    user_properties=[("k", "v")],
)


def samples() -> List[Tuple[Packet, Tuple[ProtocolVersion, ...]]]:
    """Every packet type, plain and with the fields each version allows."""
    out: List[Tuple[Packet, Tuple[ProtocolVersion, ...]]] = []
    for v in ALL:
        out.append((Connect(client_id="station-1", protocol_version=v, keep_alive=30), (v,)))
        out.append(
            (
                Connect(
                    client_id="c",
                    protocol_version=v,
                    clean_start=False,
                    keep_alive=0,
                    will=Will(topic="PV/status", payload=b"offline", qos=QoS.AT_LEAST_ONCE, retain=True),
                    username="user",
                    password=b"secret\x00",
                ),
                (v,),
            )
        )
    out.append(
        (
            Connect(
                client_id="",
                protocol_version=V5,
                will=Will(
                    topic="w",
                    payload=b"",
                    qos=QoS.EXACTLY_ONCE,
                    properties=Properties(will_delay_interval=5, content_type="x", message_expiry_interval=9),
                ),
                properties=Properties(
                    session_expiry_interval=120,
                    receive_maximum=20,
                    maximum_packet_size=1 << 20,
                    topic_alias_maximum=10,
                    request_response_information=1,
                    request_problem_information=0,
                    authentication_method="PLAIN",
                    authentication_data=b"ab",
                    user_properties=[("a", "b")],
                ),
            ),
            (V5,),
        )
    )
    out += [
        (ConnAck(), ALL),
        (ConnAck(session_present=True), (V3_1_1, V5)),
        (ConnAck(reason_code=ReasonCode.NOT_AUTHORIZED), ALL),
        (ConnAck(reason_code=ReasonCode.UNSUPPORTED_PROTOCOL_VERSION), ALL),
        (ConnAck(reason_code=ReasonCode.BANNED), (V5,)),
        (ConnAck(properties=CONNACK_PROPS), (V5,)),
        (Publish(topic="PV/sunshine", payload=b"true"), ALL),
        (Publish(topic="PV/data", payload=b"42.5", qos=QoS.AT_LEAST_ONCE, packet_id=1, retain=True), ALL),
        (Publish(topic="a/b", payload=bytes(range(256)), qos=QoS.EXACTLY_ONCE, packet_id=65535, dup=True), ALL),
        (Publish(topic="a", payload=b""), ALL),
        (Publish(topic="a/b", payload=b"x" * 70000, qos=QoS.AT_LEAST_ONCE, packet_id=9), ALL),
        (Publish(topic="PV/data", payload=b"1", properties=FULL_PUBLISH_PROPS), (V5,)),
        (Publish(topic="", payload=b"1", properties=Properties(topic_alias=3)), (V5,)),
    ]
    for cls in (PubAck, PubRec, PubRel, PubComp):
        out.append((cls(packet_id=7), ALL))
        out.append((cls(packet_id=8, properties=Properties(reason_string="why", user_properties=[("x", "y")])), (V5,)))
    out += [
        (PubAck(packet_id=2, reason_code=ReasonCode.NO_MATCHING_SUBSCRIBERS), (V5,)),
        (PubRec(packet_id=3, reason_code=ReasonCode.QUOTA_EXCEEDED), (V5,)),
        (PubRel(packet_id=4, reason_code=ReasonCode.PACKET_IDENTIFIER_NOT_FOUND), (V5,)),
        (PubComp(packet_id=5, reason_code=ReasonCode.PACKET_IDENTIFIER_NOT_FOUND), (V5,)),
        (Subscribe(packet_id=1, subscriptions=["PV/sunshine"]), ALL),
        (Subscribe(packet_id=2, subscriptions=[("PV/#", 1), ("+/data", 2), Subscription("$SYS/#")]), ALL),
        (
            Subscribe(
                packet_id=3,
                subscriptions=[
                    Subscription("PV/#", QoS.EXACTLY_ONCE, no_local=True, retain_as_published=True, retain_handling=2),
                    Subscription("$share/group/PV/data", 1),
                ],
                properties=Properties(subscription_identifiers=[42], user_properties=[("s", "t")]),
            ),
            (V5,),
        ),
        (SubAck(packet_id=1, reason_codes=[ReasonCode.GRANTED_QOS_0, ReasonCode.GRANTED_QOS_2, 0x80]), ALL),
        (SubAck(packet_id=2, reason_codes=[ReasonCode.NOT_AUTHORIZED], properties=Properties(reason_string="no")), (V5,)),
        (Unsubscribe(packet_id=4, filters=["PV/#", "a/+/b"]), ALL),
        (Unsubscribe(packet_id=5, filters=["x"], properties=Properties(user_properties=[("u", "v")])), (V5,)),
        (UnsubAck(packet_id=4), V3),
        (UnsubAck(packet_id=4, reason_codes=[ReasonCode.SUCCESS, ReasonCode.NO_SUBSCRIPTION_EXISTED]), (V5,)),
        (PingReq(), ALL),
        (PingResp(), ALL),
        (Disconnect(), ALL),
        (Disconnect(reason_code=ReasonCode.DISCONNECT_WITH_WILL_MESSAGE), (V5,)),
        (
            Disconnect(
                reason_code=ReasonCode.SERVER_SHUTTING_DOWN,
                properties=Properties(reason_string="bye", server_reference="b:1883"),
            ),
            (V5,),
        ),
        (Auth(), (V5,)),
        (
            Auth(
                reason_code=ReasonCode.CONTINUE_AUTHENTICATION,
                properties=Properties(authentication_method="SCRAM", authentication_data=b"\x00\xff"),
            ),
            (V5,),
        ),
    ]
    return out


def cases() -> List[Tuple[Packet, ProtocolVersion]]:
    """(packet, version) for every sample and every version it can be encoded in."""
    return [(p, v) for p, versions in samples() for v in versions]


def case_id(case: Tuple[Packet, ProtocolVersion]) -> str:
    """A short test id: the class name, the version and a hash of the repr."""
    packet, version = case
    return f"{type(packet).__name__}-v{int(version)}-{zlib.crc32(repr(packet).encode()) % 10000:04d}"
