"""mqtt_codec.client: the events of ``mqtt_codec.Client``, the sans-IO MQTT client session.

The session is the core's, in Rust: packet identifiers, QoS 1 and 2 flows both ways and
their resending after a reconnect, keep alive, topic aliases, Receive Maximum and the checks
of what the server sends. Time is a float of seconds from any monotonic clock.

>>> from mqtt_codec import Client, ProtocolVersion, QoS
>>> from mqtt_codec.client import Connected, Published
>>> c = Client("sensor-1", version=ProtocolVersion.V3_1_1)
>>> c.connect(0.0)
>>> c.data_to_send()[:1]
b'\\x10'
>>> c.receive_data(b"\\x20\\x02\\x00\\x00", 0.1)
>>> [type(e).__name__ for e in c.events()]
['Connected']
>>> c.publish("PV/sunshine", b"42", qos=QoS.AT_LEAST_ONCE, now=0.2)
1
>>> c.receive_data(b"\\x40\\x02\\x00\\x01", 0.3)
>>> c.events()
[Published(packet_id=1, reason_code=<ReasonCode.SUCCESS: 0>)]
"""

from dataclasses import dataclass
from typing import Any, List, Optional, Union

from ._mqtt_codec import Client, Subscription
from ._types import MqttError, QoS, ReasonCode

__all__ = [
    "Client",
    "ClientError",
    "Connected",
    "ConnectionRefused",
    "Disconnected",
    "Event",
    "Message",
    "PublishFailed",
    "Reauthenticated",
    "Published",
    "SubscribeLost",
    "Subscribed",
    "SubscriptionsLost",
    "UnsubscribeLost",
    "Unsubscribed",
]


class ClientError(MqttError):
    """A command the session refused: not connected, the queue full, no packet identifier
    left, a message larger than the server takes, a QoS or retain it does not support."""


@dataclass(frozen=True)
class Connected:
    """CONNACK accepted the connection; ``properties`` are its 5.0 properties (the server's
    limits, an assigned client identifier)."""

    session_present: bool
    properties: Any


@dataclass(frozen=True)
class ConnectionRefused:
    """CONNACK refused the connection. ``server_speaks_v3``: a 3.1.1 server answered a 5.0
    CONNECT; connect again with ``ProtocolVersion.V3_1_1``."""

    reason_code: ReasonCode
    server_speaks_v3: bool


@dataclass(frozen=True)
class Message:
    """A message from the server. With ``auto_ack=False``, pass it to ``Client.ack``."""

    topic: str
    payload: bytes
    qos: QoS
    retain: bool
    dup: bool
    packet_id: Optional[int]
    properties: Any
    needs_ack: bool = False


@dataclass(frozen=True)
class Published:
    """A QoS 1 or 2 publish of ours completed."""

    packet_id: int
    reason_code: ReasonCode


@dataclass(frozen=True)
class PublishFailed:
    """A QoS 1 or 2 publish of ours will not complete: refused by the server
    (``reason_code``), or dropped because the server lost the session (``session_lost``)."""

    packet_id: int
    reason_code: Optional[ReasonCode]
    session_lost: bool


@dataclass(frozen=True)
class Subscribed:
    """SUBACK: one code per filter (the granted QoS, or a failure)."""

    packet_id: int
    reason_codes: List[ReasonCode]


@dataclass(frozen=True)
class Unsubscribed:
    """UNSUBACK: one code per filter in 5.0, none in 3.1.1."""

    packet_id: int
    reason_codes: List[ReasonCode]


@dataclass(frozen=True)
class SubscribeLost:
    """The connection ended before this SUBSCRIBE's SUBACK: the server may or may not have
    made the subscriptions; subscribe again to be sure. Comes just before ``Disconnected``."""

    packet_id: int
    subscriptions: List[Subscription]


@dataclass(frozen=True)
class UnsubscribeLost:
    """The connection ended before this UNSUBSCRIBE's UNSUBACK; unsubscribe again to be
    sure. Comes just before ``Disconnected``."""

    packet_id: int


@dataclass(frozen=True)
class SubscriptionsLost:
    """The server did not resume the session: these subscriptions are gone (each with the
    options it was granted with: ``client.subscribe(event.subscriptions)`` makes them
    again)."""

    subscriptions: List[Subscription]


@dataclass(frozen=True)
class Reauthenticated:
    """A re-authentication succeeded."""


@dataclass(frozen=True)
class Disconnected:
    """The connection ended: ``reason_code`` is the server's (``by_server``) or the one this
    session sent when the server broke a rule (except a failed enhanced authentication:
    NOT_AUTHORIZED here, while DISCONNECT carries UNSPECIFIED_ERROR, 0x87 being a server's
    code); None when the connection was lost."""

    reason_code: Optional[ReasonCode]
    by_server: bool


Event = Union[
    Connected,
    ConnectionRefused,
    Message,
    Published,
    PublishFailed,
    Subscribed,
    Unsubscribed,
    SubscribeLost,
    UnsubscribeLost,
    SubscriptionsLost,
    Reauthenticated,
    Disconnected,
]
"""Every event ``Client.events()`` returns."""

for _cls in (ClientError,):
    _cls.__module__ = "mqtt_codec.client"
