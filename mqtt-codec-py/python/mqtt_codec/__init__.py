"""mqtt_codec: a sans-IO MQTT 3.1, 3.1.1 and 5.0 codec, written in Rust.

Bytes in, packets out; packets in, bytes out. No sockets, no threads: bring your own I/O.

>>> from mqtt_codec import Publish, QoS, ProtocolVersion, decode
>>> data = Publish(topic="PV/data", payload=b"42.5", qos=QoS.AT_LEAST_ONCE, packet_id=1).encode(ProtocolVersion.V5)
>>> decode(data, ProtocolVersion.V5).payload
b'42.5'
"""

import functools
import operator
import sys
from typing import TYPE_CHECKING, Union

from ._types import DecodeError, EncodeError, MqttError, ProtocolVersion, QoS, ReasonCode
from ._mqtt_codec import (
    DEFAULT_MAX_PACKET_SIZE,
    MAX_PACKET_SIZE,
    Auth,
    Client,
    ConnAck,
    Connect,
    Decoder,
    Disconnect,
    PingReq,
    PingResp,
    Properties,
    PubAck,
    PubComp,
    PubRec,
    PubRel,
    Publish,
    ScramAuthenticator,
    SubAck,
    Subscribe,
    Subscription,
    UnsubAck,
    Unsubscribe,
    Will,
    decode,
    topic_matches,
)
from . import aio, client, sn, sn2

__all__ = [
    "DEFAULT_MAX_PACKET_SIZE",
    "MAX_PACKET_SIZE",
    "Auth",
    "Client",
    "ConnAck",
    "Connect",
    "DecodeError",
    "Decoder",
    "Disconnect",
    "EncodeError",
    "MqttError",
    "Packet",
    "PingReq",
    "PingResp",
    "Properties",
    "ProtocolVersion",
    "PubAck",
    "PubComp",
    "PubRec",
    "PubRel",
    "Publish",
    "QoS",
    "ReasonCode",
    "ScramAuthenticator",
    "SubAck",
    "Subscribe",
    "Subscription",
    "UnsubAck",
    "Unsubscribe",
    "Will",
    "aio",
    "client",
    "decode",
    "sn",
    "sn2",
    "topic_matches",
]

if TYPE_CHECKING:
    Packet = Union[
        Connect,
        ConnAck,
        Publish,
        PubAck,
        PubRec,
        PubRel,
        PubComp,
        Subscribe,
        SubAck,
        Unsubscribe,
        UnsubAck,
        PingReq,
        PingResp,
        Disconnect,
        Auth,
    ]
else:
    _PACKET_CLASSES = (
        Connect,
        ConnAck,
        Publish,
        PubAck,
        PubRec,
        PubRel,
        PubComp,
        Subscribe,
        SubAck,
        Unsubscribe,
        UnsubAck,
        PingReq,
        PingResp,
        Disconnect,
        Auth,
    )
    if sys.version_info >= (3, 10):
        # ``Connect | ConnAck | ...``: usable in annotations evaluated at run time
        # (``Optional[Packet]``, ``List[Packet]``) and by ``isinstance`` alike.
        Packet = functools.reduce(operator.or_, _PACKET_CLASSES)
    else:
        Packet = _PACKET_CLASSES
"""Every packet class: a Union for type checkers and annotations (3.10 and later; a tuple on
3.9), which ``isinstance`` takes too."""
