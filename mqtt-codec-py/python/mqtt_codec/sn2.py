"""mqtt_codec.sn2: MQTT-SN 2.0 (the OASIS draft CSD01), parsed and encoded by the Rust core.

One datagram is one packet. ``parse`` returns an instance of the packet's class; every
class has ``encode()``. The core checks the draft's rules on both sides: a refused datagram
raises ``Sn2Error``, whose ``reason_code`` is the 2.0 reason code it stands for (0x81
Malformed Packet, 0x82 Protocol Error, 0x84 Unsupported Protocol Version); a packet that
cannot be encoded raises ``Sn2EncodeError``.

A topic is ``topic`` with ``topic_type``: an ``int`` session alias (``TopicType.ALIAS``,
the default for an ``int``) or predefined alias (``TopicType.PREDEFINED``), or a ``str``
topic name or filter (``TopicType.NAME``, implied by a ``str``). The draft is still
changing; the codes and layouts are those of CSD01.

>>> from mqtt_codec import sn2
>>> sn2.parse(bytes.fromhex("0c03230002000361" "2f626869"))
Publish(topic='a/b', payload=b'hi', qos=1, retain=False, dup=False, packet_id=2, topic_type=<TopicType.NAME: 3>)
>>> sn2.PubWos(topic=5, payload=b"on").encode().hex()
'07120100056f6e'
>>> sn2.parse(bytes.fromhex("030e80"))
Traceback (most recent call last):
    ...
mqtt_codec.sn2.Sn2Error: DISCONNECT with reserved flag bits 0x80 set
"""

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple, Type, Union

from ._mqtt_codec import _sn2_encode, _sn2_parse
from ._types import DecodeError, EncodeError, ReasonCode

__all__ = [
    "Advertise",
    "AliasKind",
    "Auth",
    "ConnAck",
    "Connect",
    "Connection",
    "Disconnect",
    "Forwarder",
    "GwInfo",
    "Packet",
    "PacketType",
    "PingReq",
    "PingResp",
    "Protection",
    "PubAck",
    "PubComp",
    "PubRec",
    "PubRel",
    "PubWos",
    "Publish",
    "RegAck",
    "Register",
    "SearchGw",
    "SleepReq",
    "SleepResp",
    "Sn2EncodeError",
    "Sn2Error",
    "SubAck",
    "Subscribe",
    "TopicType",
    "UnsubAck",
    "Unsubscribe",
    "Wakeup",
    "parse",
]


class PacketType(enum.IntEnum):
    """The packet type octet of MQTT-SN 2.0; the numbers differ from 1.2's."""

    CONNECT = 0x01
    CONNACK = 0x02
    PUBLISH = 0x03
    PUBACK = 0x04
    PUBREC = 0x05
    PUBREL = 0x06
    PUBCOMP = 0x07
    SUBSCRIBE = 0x08
    SUBACK = 0x09
    UNSUBSCRIBE = 0x0A
    UNSUBACK = 0x0B
    PINGREQ = 0x0C
    PINGRESP = 0x0D
    DISCONNECT = 0x0E
    AUTH = 0x0F
    REGISTER = 0x10
    REGACK = 0x11
    PUBWOS = 0x12
    SLEEPREQ = 0x13
    SLEEPRESP = 0x14
    WAKEUP = 0x15
    ADVERTISE = 0x16
    SEARCHGW = 0x17
    GWINFO = 0x18
    FORWARDER = 0xFC
    CONNECTION = 0xFE
    PROTECTION = 0xFF


class TopicType(enum.IntEnum):
    """How a packet carries its topic: the Topic Type bits (``10`` is reserved)."""

    ALIAS = 0
    """A topic alias of the session."""
    PREDEFINED = 1
    """A predefined topic alias (a separate number space)."""
    NAME = 3
    """The topic name itself (SUBSCRIBE, UNSUBSCRIBE: the topic filter)."""


class AliasKind(enum.IntEnum):
    """Which kind of alias a SUBACK or REGACK announces."""

    SESSION = 0
    """A session alias."""
    PREDEFINED = 1
    """A predefined alias."""


class Sn2Error(DecodeError):
    """A datagram that is not valid MQTT-SN 2.0.

    ``reason_code`` is the reason code it stands for: ``MALFORMED_PACKET`` (0x81),
    ``PROTOCOL_ERROR`` (0x82) or, for a CONNECT of another version,
    ``UNSUPPORTED_PROTOCOL_VERSION`` (0x84).
    """

    def __init__(self, message: str, reason_code: int = ReasonCode.MALFORMED_PACKET) -> None:
        """Makes the error from its message and reason code."""
        super().__init__(message, reason_code)


class Sn2EncodeError(EncodeError):
    """A packet that breaks a rule of MQTT-SN 2.0; ``reason_code`` is what the parser would
    refuse it with (0x81, 0x82 or 0x84)."""

    reason_code: ReasonCode

    def __init__(self, message: str, reason_code: int = ReasonCode.MALFORMED_PACKET) -> None:
        """Makes the error from its message and reason code."""
        super().__init__(message)
        self.reason_code = ReasonCode(reason_code)


class Packet:
    """The base class of every MQTT-SN 2.0 packet."""

    PACKET_TYPE: PacketType

    def encode(self) -> bytes:
        """The datagram: the 1-octet Length when it fits, else the 3-octet one."""
        fields = {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        try:
            return _sn2_encode(self.PACKET_TYPE, fields)
        except ValueError as e:
            if len(e.args) != 2:
                raise  # a field out of its range: a plain ValueError that says which
            raise Sn2EncodeError(str(e.args[0]), int(e.args[1])) from None


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, enum.IntEnum) else value


def _code(value: int) -> Union[ReasonCode, int]:
    """A reason code as ``ReasonCode`` where MQTT 5.0 names it, else the plain ``int``
    (2.0's own codes 0xE6-0xF4, and reserved ones)."""
    try:
        return ReasonCode(value)
    except ValueError:
        return value


def _name_or_alias(obj: Any, topic: str, topic_type: str) -> None:
    """A ``str`` topic is a name: sets ``topic_type`` to ``NAME`` on a frozen dataclass."""
    if isinstance(getattr(obj, topic), str):
        object.__setattr__(obj, topic_type, TopicType.NAME)


_ReasonCodeLike = Union[ReasonCode, int]


@dataclass(frozen=True)
class Connect(Packet):
    """CONNECT. ``keep_alive`` in seconds (not 0); ``max_packet_size`` 0 for no limit, else
    at least 10; an empty ``client_id`` asks the server to assign one. The will is
    ``will_topic`` (None: no will) with its type, QoS, retain and payload; authentication is
    ``auth_method`` (None: none) with ``auth_data``."""

    PACKET_TYPE = PacketType.CONNECT
    client_id: str = ""
    packet_id: int = 1
    keep_alive: int = 60
    max_packet_size: int = 0
    clean_start: bool = True
    address_may_change: bool = False
    server_may_suggest: bool = False
    protocol_version: int = 2
    default_awake_messages: Optional[int] = None
    session_expiry: Optional[int] = None
    will_topic: Optional[Union[int, str]] = None
    will_topic_type: TopicType = TopicType.ALIAS
    will_qos: int = 0
    will_retain: bool = False
    will_payload: bytes = b""
    auth_method: Optional[str] = None
    auth_data: bytes = b""

    def __post_init__(self) -> None:
        """A ``str`` will topic is a name."""
        _name_or_alias(self, "will_topic", "will_topic_type")


@dataclass(frozen=True)
class ConnAck(Packet):
    """CONNACK: echoes the CONNECT's (or AUTH's) packet id; the server's choices of session
    expiry and keep alive, authentication and an assigned client id when given."""

    PACKET_TYPE = PacketType.CONNACK
    packet_id: int
    reason_code: _ReasonCodeLike = ReasonCode.SUCCESS
    session_present: bool = False
    session_expiry: Optional[int] = None
    server_keep_alive: Optional[int] = None
    auth_method: Optional[str] = None
    auth_data: bytes = b""
    assigned_client_id: Optional[str] = None


@dataclass(frozen=True)
class Publish(Packet):
    """PUBLISH. ``packet_id`` is None at QoS 0 and given at QoS 1 and 2; ``dup`` only at
    QoS 2. ``qos`` is 0, 1 or 2 (2.0 has no QoS -1: see ``PubWos``)."""

    PACKET_TYPE = PacketType.PUBLISH
    topic: Union[int, str]
    payload: bytes = b""
    qos: int = 0
    retain: bool = False
    dup: bool = False
    packet_id: Optional[int] = None
    topic_type: TopicType = TopicType.ALIAS

    def __post_init__(self) -> None:
        """A ``str`` topic is a name."""
        _name_or_alias(self, "topic", "topic_type")


@dataclass(frozen=True)
class PubAck(Packet):
    """PUBACK; a reason code of 0x00 is left off the wire."""

    PACKET_TYPE = PacketType.PUBACK
    packet_id: int
    reason_code: _ReasonCodeLike = ReasonCode.SUCCESS


@dataclass(frozen=True)
class PubRec(Packet):
    """PUBREC; a reason code of 0x00 is left off the wire."""

    PACKET_TYPE = PacketType.PUBREC
    packet_id: int
    reason_code: _ReasonCodeLike = ReasonCode.SUCCESS


@dataclass(frozen=True)
class PubRel(Packet):
    """PUBREL; a reason code of 0x00 is left off the wire."""

    PACKET_TYPE = PacketType.PUBREL
    packet_id: int
    reason_code: _ReasonCodeLike = ReasonCode.SUCCESS


@dataclass(frozen=True)
class PubComp(Packet):
    """PUBCOMP; a reason code of 0x00 is left off the wire."""

    PACKET_TYPE = PacketType.PUBCOMP
    packet_id: int
    reason_code: _ReasonCodeLike = ReasonCode.SUCCESS


@dataclass(frozen=True)
class Subscribe(Packet):
    """SUBSCRIBE: ``topic`` is a filter (a ``str``) or an alias (an ``int``, of the kind
    ``topic_type`` says); the options are MQTT 5.0's (``retain_handling`` 0 to 2)."""

    PACKET_TYPE = PacketType.SUBSCRIBE
    topic: Union[int, str]
    packet_id: int
    qos: int = 0
    no_local: bool = False
    retain_as_published: bool = False
    retain_handling: int = 0
    topic_type: TopicType = TopicType.ALIAS

    def __post_init__(self) -> None:
        """A ``str`` topic is a filter."""
        _name_or_alias(self, "topic", "topic_type")


@dataclass(frozen=True)
class SubAck(Packet):
    """SUBACK: ``reason_code`` is the granted QoS (0-2) or a failure (0x80 and up);
    ``alias`` the alias the server will publish with, of kind ``kind``, when it gives one.
    ``kind`` left as None is ``SESSION`` with an alias and ``PREDEFINED`` without, the type
    a SUBACK without an alias must carry (SN2-12)."""

    PACKET_TYPE = PacketType.SUBACK
    packet_id: int
    reason_code: _ReasonCodeLike = ReasonCode.GRANTED_QOS_0
    kind: Optional[AliasKind] = None
    alias: Optional[int] = None

    def __post_init__(self) -> None:
        """Fills in ``kind`` from ``alias`` when it is not given."""
        if self.kind is None:
            kind = AliasKind.SESSION if self.alias is not None else AliasKind.PREDEFINED
            object.__setattr__(self, "kind", kind)


@dataclass(frozen=True)
class Unsubscribe(Packet):
    """UNSUBSCRIBE: ``topic`` as in ``Subscribe``."""

    PACKET_TYPE = PacketType.UNSUBSCRIBE
    topic: Union[int, str]
    packet_id: int
    topic_type: TopicType = TopicType.ALIAS

    def __post_init__(self) -> None:
        """A ``str`` topic is a filter."""
        _name_or_alias(self, "topic", "topic_type")


@dataclass(frozen=True)
class UnsubAck(Packet):
    """UNSUBACK; a reason code of 0x00 is left off the wire."""

    PACKET_TYPE = PacketType.UNSUBACK
    packet_id: int
    reason_code: _ReasonCodeLike = ReasonCode.SUCCESS


@dataclass(frozen=True)
class PingReq(Packet):
    """PINGREQ (it also wakes a sleeping client)."""

    PACKET_TYPE = PacketType.PINGREQ
    packet_id: int


@dataclass(frozen=True)
class PingResp(Packet):
    """PINGRESP: ``messages_remaining`` for a sleeping client (1-254, 0xFF for more; None or
    0 for none)."""

    PACKET_TYPE = PacketType.PINGRESP
    packet_id: int
    messages_remaining: Optional[int] = None


@dataclass(frozen=True)
class Disconnect(Packet):
    """DISCONNECT; every field optional (``session_expiry`` from a client only)."""

    PACKET_TYPE = PacketType.DISCONNECT
    packet_id: Optional[int] = None
    session_expiry: Optional[int] = None
    reason_code: Optional[_ReasonCodeLike] = None
    reason_string: Optional[str] = None


@dataclass(frozen=True)
class Auth(Packet):
    """AUTH: a step of authentication (0x00 success, 0x18 continue, 0x19 re-authenticate)."""

    PACKET_TYPE = PacketType.AUTH
    packet_id: int
    method: str
    data: bytes = b""
    reason_code: _ReasonCodeLike = ReasonCode.SUCCESS


@dataclass(frozen=True)
class Register(Packet):
    """REGISTER: ``alias`` is the one the server assigned (a client sends None)."""

    PACKET_TYPE = PacketType.REGISTER
    topic_name: str
    packet_id: int
    alias: Optional[int] = None


@dataclass(frozen=True)
class RegAck(Packet):
    """REGACK: the alias (from a server) and its kind; a reason code of 0x00 is left off."""

    PACKET_TYPE = PacketType.REGACK
    packet_id: int
    kind: AliasKind = AliasKind.SESSION
    alias: Optional[int] = None
    reason_code: _ReasonCodeLike = ReasonCode.SUCCESS


@dataclass(frozen=True)
class PubWos(Packet):
    """PUBWOS: a publish without a session, handled as QoS 0; ``topic`` is a predefined
    alias (an ``int``) or a name (a ``str``), never a session alias."""

    PACKET_TYPE = PacketType.PUBWOS
    topic: Union[int, str]
    payload: bytes = b""
    retain: bool = False
    topic_type: TopicType = TopicType.PREDEFINED

    def __post_init__(self) -> None:
        """A ``str`` topic is a name."""
        _name_or_alias(self, "topic", "topic_type")


@dataclass(frozen=True)
class SleepReq(Packet):
    """SLEEPREQ: sleep ``duration`` seconds (not 0), keeping the aliases if asked."""

    PACKET_TYPE = PacketType.SLEEPREQ
    packet_id: int
    duration: int
    retain_aliases: bool = False


@dataclass(frozen=True)
class SleepResp(Packet):
    """SLEEPRESP: ``duration`` when the server changed it; a reason code of 0x00 is left
    off the wire."""

    PACKET_TYPE = PacketType.SLEEPRESP
    packet_id: int
    duration: Optional[int] = None
    reason_code: _ReasonCodeLike = ReasonCode.SUCCESS


@dataclass(frozen=True)
class Wakeup(Packet):
    """WAKEUP: the server has messages for a sleeping client."""

    PACKET_TYPE = PacketType.WAKEUP


@dataclass(frozen=True)
class Advertise(Packet):
    """ADVERTISE: a gateway announces itself; ``duration`` seconds to the next one."""

    PACKET_TYPE = PacketType.ADVERTISE
    gw_id: int
    duration: int


@dataclass(frozen=True)
class SearchGw(Packet):
    """SEARCHGW: a client looks for gateways; ``info`` is opaque network information."""

    PACKET_TYPE = PacketType.SEARCHGW
    info: bytes = b""


@dataclass(frozen=True)
class GwInfo(Packet):
    """GWINFO: the answer to SEARCHGW; ``gw_addr`` only when a client answers."""

    PACKET_TYPE = PacketType.GWINFO
    gw_id: int
    gw_addr: bytes = b""


@dataclass(frozen=True)
class Forwarder(Packet):
    """Forwarder Encapsulation (0xFC): the forwarder's ``address`` (opaque, at most 255
    octets) and ``packet``, a whole inner datagram (not itself a Forwarder Encapsulation)."""

    PACKET_TYPE = PacketType.FORWARDER
    address: bytes
    packet: bytes

    def inner(self) -> Packet:
        """The inner packet, parsed."""
        return parse(self.packet)


@dataclass(frozen=True)
class Connection(Packet):
    """Connection Encapsulation (0xFE): a client whose address changed sends ``packet`` (a
    PUBLISH, SUBSCRIBE, UNSUBSCRIBE, REGISTER, DISCONNECT, SLEEPREQ or PINGREQ datagram)
    under its ``client_id``."""

    PACKET_TYPE = PacketType.CONNECTION
    client_id: str
    packet: bytes

    def inner(self) -> Packet:
        """The inner packet, parsed."""
        return parse(self.packet)


@dataclass(frozen=True)
class Protection(Packet):
    """Protection Encapsulation (0xFF). ``sender_id`` is 8 octets, ``random`` 4, ``crypto``
    0, 2, 4 or 12, ``counter`` 0, 2 or 4; ``protected`` is the protected packet followed by
    its authentication tag (where one ends depends on the scheme). ``tag_length`` is the
    4-bit tag length code (0 provider-defined, 1 the scheme's nominal size, 4-15 sixteen
    bits each)."""

    PACKET_TYPE = PacketType.PROTECTION
    scheme: int
    sender_id: bytes
    random: bytes
    protected: bytes
    tag_length: int = 1
    crypto: bytes = b""
    counter: bytes = b""


_CLASSES: Dict[int, Type[Packet]] = {
    cls.PACKET_TYPE: cls
    for cls in (
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
        Register,
        RegAck,
        PubWos,
        SleepReq,
        SleepResp,
        Wakeup,
        Advertise,
        SearchGw,
        GwInfo,
        Forwarder,
        Connection,
        Protection,
    )
}


def _packet(pair: Tuple[int, Dict[str, Any]]) -> Packet:
    packet_type, fields = pair
    if fields.get("reason_code") is not None:
        fields["reason_code"] = _code(fields["reason_code"])
    for key in ("topic_type", "will_topic_type"):
        if key in fields:
            fields[key] = TopicType(fields[key])
    if "kind" in fields:
        fields["kind"] = AliasKind(fields["kind"])
    return _CLASSES[packet_type](**fields)


def parse(data: bytes) -> Packet:
    """Parses one whole MQTT-SN 2.0 datagram; raises ``Sn2Error`` when it is refused."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, bytearray or memoryview, not {type(data).__name__}")
    try:
        pair = _sn2_parse(bytes(data))
    except ValueError as e:
        message, reason_code = e.args
        raise Sn2Error(message, reason_code) from None
    return _packet(pair)

