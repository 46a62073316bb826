"""The enums and exceptions of mqtt_codec, in plain Python (the extension builds on them)."""

from __future__ import annotations

import enum
from typing import Any, List, Optional, Tuple


class ProtocolVersion(enum.IntEnum):
    """The MQTT protocol version, by its CONNECT protocol level."""

    V3_1 = 3
    """MQTT 3.1 (protocol name MQIsdp)."""
    V3_1_1 = 4
    """MQTT 3.1.1."""
    V5 = 5
    """MQTT 5.0."""


class QoS(enum.IntEnum):
    """The quality of service of a message or a subscription."""

    AT_MOST_ONCE = 0
    """QoS 0: fire and forget."""
    AT_LEAST_ONCE = 1
    """QoS 1: acknowledged with PUBACK, may be duplicated."""
    EXACTLY_ONCE = 2
    """QoS 2: the PUBREC/PUBREL/PUBCOMP handshake."""


class ReasonCode(enum.IntEnum):
    """Every reason code of MQTT 5.0 (table 2-6); 3.1.1 CONNACK and SUBACK codes map onto it.

    Codes below 0x80 report success, from 0x80 up failure. 0x00 has three names.
    """

    SUCCESS = 0x00
    """0x00: Success."""
    NORMAL_DISCONNECTION = 0x00
    """0x00 in DISCONNECT: Normal disconnection."""
    GRANTED_QOS_0 = 0x00
    """0x00 in SUBACK: Granted QoS 0."""
    GRANTED_QOS_1 = 0x01
    """0x01: Granted QoS 1."""
    GRANTED_QOS_2 = 0x02
    """0x02: Granted QoS 2."""
    DISCONNECT_WITH_WILL_MESSAGE = 0x04
    """0x04: Disconnect with Will Message."""
    NO_MATCHING_SUBSCRIBERS = 0x10
    """0x10: No matching subscribers."""
    NO_SUBSCRIPTION_EXISTED = 0x11
    """0x11: No subscription existed."""
    CONTINUE_AUTHENTICATION = 0x18
    """0x18: Continue authentication."""
    RE_AUTHENTICATE = 0x19
    """0x19: Re-authenticate."""
    UNSPECIFIED_ERROR = 0x80
    """0x80: Unspecified error."""
    MALFORMED_PACKET = 0x81
    """0x81: Malformed Packet."""
    PROTOCOL_ERROR = 0x82
    """0x82: Protocol Error."""
    IMPLEMENTATION_SPECIFIC_ERROR = 0x83
    """0x83: Implementation specific error."""
    UNSUPPORTED_PROTOCOL_VERSION = 0x84
    """0x84: Unsupported Protocol Version."""
    CLIENT_IDENTIFIER_NOT_VALID = 0x85
    """0x85: Client Identifier not valid."""
    BAD_USER_NAME_OR_PASSWORD = 0x86
    """0x86: Bad User Name or Password."""
    NOT_AUTHORIZED = 0x87
    """0x87: Not authorized."""
    SERVER_UNAVAILABLE = 0x88
    """0x88: Server unavailable."""
    SERVER_BUSY = 0x89
    """0x89: Server busy."""
    BANNED = 0x8A
    """0x8A: Banned."""
    SERVER_SHUTTING_DOWN = 0x8B
    """0x8B: Server shutting down."""
    BAD_AUTHENTICATION_METHOD = 0x8C
    """0x8C: Bad authentication method."""
    KEEP_ALIVE_TIMEOUT = 0x8D
    """0x8D: Keep Alive timeout."""
    SESSION_TAKEN_OVER = 0x8E
    """0x8E: Session taken over."""
    TOPIC_FILTER_INVALID = 0x8F
    """0x8F: Topic Filter invalid."""
    TOPIC_NAME_INVALID = 0x90
    """0x90: Topic Name invalid."""
    PACKET_IDENTIFIER_IN_USE = 0x91
    """0x91: Packet Identifier in use."""
    PACKET_IDENTIFIER_NOT_FOUND = 0x92
    """0x92: Packet Identifier not found."""
    RECEIVE_MAXIMUM_EXCEEDED = 0x93
    """0x93: Receive Maximum exceeded."""
    TOPIC_ALIAS_INVALID = 0x94
    """0x94: Topic Alias invalid."""
    PACKET_TOO_LARGE = 0x95
    """0x95: Packet too large."""
    MESSAGE_RATE_TOO_HIGH = 0x96
    """0x96: Message rate too high."""
    QUOTA_EXCEEDED = 0x97
    """0x97: Quota exceeded."""
    ADMINISTRATIVE_ACTION = 0x98
    """0x98: Administrative action."""
    PAYLOAD_FORMAT_INVALID = 0x99
    """0x99: Payload format invalid."""
    RETAIN_NOT_SUPPORTED = 0x9A
    """0x9A: Retain not supported."""
    QOS_NOT_SUPPORTED = 0x9B
    """0x9B: QoS not supported."""
    USE_ANOTHER_SERVER = 0x9C
    """0x9C: Use another server."""
    SERVER_MOVED = 0x9D
    """0x9D: Server moved."""
    SHARED_SUBSCRIPTIONS_NOT_SUPPORTED = 0x9E
    """0x9E: Shared Subscriptions not supported."""
    CONNECTION_RATE_EXCEEDED = 0x9F
    """0x9F: Connection rate exceeded."""
    MAXIMUM_CONNECT_TIME = 0xA0
    """0xA0: Maximum connect time."""
    SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED = 0xA1
    """0xA1: Subscription Identifiers not supported."""
    WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED = 0xA2
    """0xA2: Wildcard Subscriptions not supported."""

    @property
    def is_error(self) -> bool:
        """True for the failure codes, 0x80 and above."""
        return self.value >= 0x80


class MqttError(Exception):
    """The base class of every error mqtt_codec raises about MQTT data."""


class DecodeError(MqttError):
    """Bytes that are not valid MQTT: the connection must be closed.

    ``reason_code`` is the MQTT 5.0 reason code to send first (in CONNACK or DISCONNECT);
    ``v3_connack_code`` the 3.1.1 CONNACK return code where that specification wants one;
    ``packets`` the packets that ``Decoder.feed`` completed before the error.
    """

    reason_code: ReasonCode
    v3_connack_code: Optional[int]
    packets: List[Any]

    def __init__(
        self,
        message: str,
        reason_code: int = ReasonCode.MALFORMED_PACKET,
        v3_connack_code: Optional[int] = None,
    ) -> None:
        """Makes the error from its message and codes."""
        super().__init__(message)
        self.reason_code = ReasonCode(reason_code)
        self.v3_connack_code = v3_connack_code
        self.packets = []


class EncodeError(MqttError):
    """A packet that cannot be encoded in the requested protocol version."""


for _cls in (ProtocolVersion, QoS, ReasonCode, MqttError, DecodeError, EncodeError):
    _cls.__module__ = "mqtt_codec"


def _field(value: Any) -> str:
    """The repr of one field value, enum members shown as ``QoS.AT_LEAST_ONCE``."""
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, list):
        return "[" + ", ".join(_field(v) for v in value) + "]"
    return repr(value)


def _repr(name: str, fields: List[Tuple[str, Any]]) -> str:
    """``Name(field=value, ...)``: the repr of the extension's classes."""
    return f"{name}(" + ", ".join(f"{k}={_field(v)}" for k, v in fields) + ")"
