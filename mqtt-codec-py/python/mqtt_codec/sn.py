"""mqtt_codec.sn: MQTT-SN 1.2, the datagram variant of MQTT, parsed and encoded by the Rust core.

One datagram is one message. ``parse`` returns an instance of the message's class; every
class has ``encode()``. Every rule of the specification is checked by the core on both
sides, and a refused datagram raises ``SnError`` naming the rule, with the message MQTT-SN
answers with where it gives one (``answer``), else ``None``: drop it.

>>> from mqtt_codec import sn
>>> sn.parse(bytes.fromhex("080c2100050002" "31"))
Publish(topic_id=5, data=b'1', qos=1, retain=False, dup=False, msg_id=2, topic_id_type=<TopicIdType.PREDEFINED: 1>)
>>> sn.Publish(topic_id="ab", data=b"on", qos=-1).encode().hex()
'090c62616200006f6e'
"""

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple, Type, Union

from ._mqtt_codec import _sn_encode, _sn_parse
from ._types import DecodeError, EncodeError

__all__ = [
    "Advertise",
    "ConnAck",
    "Connect",
    "Disconnect",
    "Encapsulated",
    "GwInfo",
    "Message",
    "MsgType",
    "PingReq",
    "PingResp",
    "PubAck",
    "PubComp",
    "PubRec",
    "PubRel",
    "Publish",
    "RegAck",
    "Register",
    "ReturnCode",
    "SearchGw",
    "SnEncodeError",
    "SnError",
    "SubAck",
    "Subscribe",
    "TopicIdType",
    "UnsubAck",
    "Unsubscribe",
    "WillMsg",
    "WillMsgReq",
    "WillMsgResp",
    "WillMsgUpd",
    "WillTopic",
    "WillTopicReq",
    "WillTopicResp",
    "WillTopicUpd",
    "parse",
]


class MsgType(enum.IntEnum):
    """The MsgType octet of MQTT-SN 1.2 (PUBCOMP 0x0E comes before PUBREC 0x0F)."""

    ADVERTISE = 0x00
    SEARCHGW = 0x01
    GWINFO = 0x02
    CONNECT = 0x04
    CONNACK = 0x05
    WILLTOPICREQ = 0x06
    WILLTOPIC = 0x07
    WILLMSGREQ = 0x08
    WILLMSG = 0x09
    REGISTER = 0x0A
    REGACK = 0x0B
    PUBLISH = 0x0C
    PUBACK = 0x0D
    PUBCOMP = 0x0E
    PUBREC = 0x0F
    PUBREL = 0x10
    SUBSCRIBE = 0x12
    SUBACK = 0x13
    UNSUBSCRIBE = 0x14
    UNSUBACK = 0x15
    PINGREQ = 0x16
    PINGRESP = 0x17
    DISCONNECT = 0x18
    WILLTOPICUPD = 0x1A
    WILLTOPICRESP = 0x1B
    WILLMSGUPD = 0x1C
    WILLMSGRESP = 0x1D
    ENCAPSULATED = 0xFE


class ReturnCode(enum.IntEnum):
    """The ReturnCode octet; values from 4 up are reserved and read as rejections."""

    ACCEPTED = 0
    CONGESTION = 1
    INVALID_TOPIC_ID = 2
    NOT_SUPPORTED = 3


class TopicIdType(enum.IntEnum):
    """How a PUBLISH, SUBSCRIBE or UNSUBSCRIBE names its topic."""

    NORMAL = 0
    """A registered topic id (SUBSCRIBE, UNSUBSCRIBE: a topic filter)."""
    PREDEFINED = 1
    """A predefined topic id."""
    SHORT = 2
    """A short topic name of two characters."""


class SnError(DecodeError):
    """A datagram that is not valid MQTT-SN 1.2.

    ``rule`` is the rule broken (``"SN-HDR-4"``, ...); ``answer`` the message to send back
    (CONNACK, SUBACK, REGACK or WILLTOPICRESP "not supported"), or ``None``: drop it.
    """

    rule: str
    answer: Optional["Message"]

    def __init__(self, message: str, rule: str, answer: Optional["Message"] = None) -> None:
        """Makes the error from its message, rule and answer."""
        super().__init__(message)
        self.rule = rule
        self.answer = answer

    def __reduce__(self) -> Tuple[Any, ...]:
        """Pickles with the rule and answer, which the constructor requires."""
        return (type(self), (str(self), self.rule, self.answer), self.__dict__)


class SnEncodeError(EncodeError):
    """A message that breaks a rule of MQTT-SN 1.2; ``rule`` names it."""

    rule: str

    def __init__(self, message: str, rule: str) -> None:
        """Makes the error from its message and rule."""
        super().__init__(message)
        self.rule = rule

    def __reduce__(self) -> Tuple[Any, ...]:
        """Pickles with the rule, which the constructor requires."""
        return (type(self), (str(self), self.rule), self.__dict__)


class Message:
    """The base class of every MQTT-SN message."""

    MSG_TYPE: MsgType

    def encode(self, max_client_id_len: int = 23) -> bytes:
        """The datagram: the 1-octet Length when it fits, else the 3-octet one.

        ``max_client_id_len`` raises the specification's 23 for a gateway that takes longer
        ClientIds (in CONNECT, PINGREQ, or the message an ``Encapsulated`` wraps).
        """
        limit = _client_id_limit(max_client_id_len)
        fields = {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        try:
            return _sn_encode(self.MSG_TYPE, fields, limit)
        except ValueError as e:
            if len(e.args) != 3:
                raise  # a field out of its range: a plain ValueError that says which
            raise SnEncodeError(str(e.args[0]), str(e.args[1])) from None


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, enum.IntEnum) else value


def _code(value: int) -> Union[ReturnCode, int]:
    return ReturnCode(value) if value <= 3 else value


@dataclass(frozen=True)
class Advertise(Message):
    """ADVERTISE: a gateway announces itself; ``duration`` seconds to the next one."""

    MSG_TYPE = MsgType.ADVERTISE
    gw_id: int
    duration: int


@dataclass(frozen=True)
class SearchGw(Message):
    """SEARCHGW: a client looks for gateways within ``radius`` hops (0: all)."""

    MSG_TYPE = MsgType.SEARCHGW
    radius: int = 0


@dataclass(frozen=True)
class GwInfo(Message):
    """GWINFO: the answer to SEARCHGW; ``gw_addr`` only when a client answers."""

    MSG_TYPE = MsgType.GWINFO
    gw_id: int
    gw_addr: bytes = b""


@dataclass(frozen=True)
class Connect(Message):
    """CONNECT: ``duration`` is the keep-alive in seconds."""

    MSG_TYPE = MsgType.CONNECT
    client_id: str
    duration: int = 60
    clean_session: bool = True
    will: bool = False


@dataclass(frozen=True)
class ConnAck(Message):
    """CONNACK."""

    MSG_TYPE = MsgType.CONNACK
    return_code: Union[ReturnCode, int] = ReturnCode.ACCEPTED


@dataclass(frozen=True)
class WillTopicReq(Message):
    """WILLTOPICREQ."""

    MSG_TYPE = MsgType.WILLTOPICREQ


@dataclass(frozen=True)
class WillTopic(Message):
    """WILLTOPIC; ``topic=None`` is the empty form that deletes the will."""

    MSG_TYPE = MsgType.WILLTOPIC
    topic: Optional[str] = None
    qos: int = 0
    retain: bool = False


@dataclass(frozen=True)
class WillMsgReq(Message):
    """WILLMSGREQ."""

    MSG_TYPE = MsgType.WILLMSGREQ


@dataclass(frozen=True)
class WillMsg(Message):
    """WILLMSG."""

    MSG_TYPE = MsgType.WILLMSG
    message: bytes = b""


@dataclass(frozen=True)
class Register(Message):
    """REGISTER: ``topic_id`` is 0 from a client, the assigned id from a gateway."""

    MSG_TYPE = MsgType.REGISTER
    topic_name: str
    msg_id: int
    topic_id: int = 0


@dataclass(frozen=True)
class RegAck(Message):
    """REGACK."""

    MSG_TYPE = MsgType.REGACK
    topic_id: int
    msg_id: int
    return_code: Union[ReturnCode, int] = ReturnCode.ACCEPTED


@dataclass(frozen=True)
class Publish(Message):
    """PUBLISH. ``topic_id`` is an id, or a two-character short name (``TopicIdType.SHORT``,
    implied by a ``str``); ``qos`` is -1, 0, 1 or 2; ``msg_id`` is 0 at QoS 0 and -1."""

    MSG_TYPE = MsgType.PUBLISH
    topic_id: Union[int, str]
    data: bytes = b""
    qos: int = 0
    retain: bool = False
    dup: bool = False
    msg_id: int = 0
    topic_id_type: TopicIdType = TopicIdType.NORMAL

    def __post_init__(self) -> None:
        """A ``str`` topic id is a short name."""
        if isinstance(self.topic_id, str):
            object.__setattr__(self, "topic_id_type", TopicIdType.SHORT)


@dataclass(frozen=True)
class PubAck(Message):
    """PUBACK: echoes the PUBLISH's topic id field and MsgId."""

    MSG_TYPE = MsgType.PUBACK
    topic_id: int
    msg_id: int
    return_code: Union[ReturnCode, int] = ReturnCode.ACCEPTED


@dataclass(frozen=True)
class PubComp(Message):
    """PUBCOMP."""

    MSG_TYPE = MsgType.PUBCOMP
    msg_id: int


@dataclass(frozen=True)
class PubRec(Message):
    """PUBREC."""

    MSG_TYPE = MsgType.PUBREC
    msg_id: int


@dataclass(frozen=True)
class PubRel(Message):
    """PUBREL."""

    MSG_TYPE = MsgType.PUBREL
    msg_id: int


@dataclass(frozen=True)
class Subscribe(Message):
    """SUBSCRIBE: ``topic`` is a filter (``NORMAL``), a predefined id (``int``) or a short
    name; a ``str`` of two characters with ``topic_id_type=SHORT``."""

    MSG_TYPE = MsgType.SUBSCRIBE
    topic: Union[str, int]
    msg_id: int
    qos: int = 0
    dup: bool = False
    topic_id_type: TopicIdType = TopicIdType.NORMAL

    def __post_init__(self) -> None:
        """An ``int`` topic is a predefined id."""
        if isinstance(self.topic, int):
            object.__setattr__(self, "topic_id_type", TopicIdType.PREDEFINED)


@dataclass(frozen=True)
class SubAck(Message):
    """SUBACK: the granted QoS and the topic id the gateway will publish with."""

    MSG_TYPE = MsgType.SUBACK
    msg_id: int
    qos: int = 0
    topic_id: int = 0
    return_code: Union[ReturnCode, int] = ReturnCode.ACCEPTED


@dataclass(frozen=True)
class Unsubscribe(Message):
    """UNSUBSCRIBE: ``topic`` as in ``Subscribe``."""

    MSG_TYPE = MsgType.UNSUBSCRIBE
    topic: Union[str, int]
    msg_id: int
    topic_id_type: TopicIdType = TopicIdType.NORMAL

    def __post_init__(self) -> None:
        """An ``int`` topic is a predefined id."""
        if isinstance(self.topic, int):
            object.__setattr__(self, "topic_id_type", TopicIdType.PREDEFINED)


@dataclass(frozen=True)
class UnsubAck(Message):
    """UNSUBACK."""

    MSG_TYPE = MsgType.UNSUBACK
    msg_id: int


@dataclass(frozen=True)
class PingReq(Message):
    """PINGREQ; with ``client_id`` when a sleeping client wakes."""

    MSG_TYPE = MsgType.PINGREQ
    client_id: Optional[str] = None


@dataclass(frozen=True)
class PingResp(Message):
    """PINGRESP."""

    MSG_TYPE = MsgType.PINGRESP


@dataclass(frozen=True)
class Disconnect(Message):
    """DISCONNECT; with ``duration`` (seconds) when the client goes to sleep."""

    MSG_TYPE = MsgType.DISCONNECT
    duration: Optional[int] = None


@dataclass(frozen=True)
class WillTopicUpd(Message):
    """WILLTOPICUPD; ``topic=None`` deletes the will."""

    MSG_TYPE = MsgType.WILLTOPICUPD
    topic: Optional[str] = None
    qos: int = 0
    retain: bool = False


@dataclass(frozen=True)
class WillTopicResp(Message):
    """WILLTOPICRESP."""

    MSG_TYPE = MsgType.WILLTOPICRESP
    return_code: Union[ReturnCode, int] = ReturnCode.ACCEPTED


@dataclass(frozen=True)
class WillMsgUpd(Message):
    """WILLMSGUPD."""

    MSG_TYPE = MsgType.WILLMSGUPD
    message: bytes = b""


@dataclass(frozen=True)
class WillMsgResp(Message):
    """WILLMSGRESP."""

    MSG_TYPE = MsgType.WILLMSGRESP
    return_code: Union[ReturnCode, int] = ReturnCode.ACCEPTED


@dataclass(frozen=True)
class Encapsulated(Message):
    """A message wrapped by a forwarder: ``message`` is the whole inner datagram."""

    MSG_TYPE = MsgType.ENCAPSULATED
    message: bytes
    node_id: bytes = b""
    radius: int = 0

    def inner(self, max_client_id_len: int = 23) -> Message:
        """The inner message, parsed (``max_client_id_len`` as for ``parse``)."""
        return parse(self.message, max_client_id_len)


_CLASSES: Dict[int, Type[Message]] = {
    cls.MSG_TYPE: cls
    for cls in (
        Advertise,
        SearchGw,
        GwInfo,
        Connect,
        ConnAck,
        WillTopicReq,
        WillTopic,
        WillMsgReq,
        WillMsg,
        Register,
        RegAck,
        Publish,
        PubAck,
        PubComp,
        PubRec,
        PubRel,
        Subscribe,
        SubAck,
        Unsubscribe,
        UnsubAck,
        PingReq,
        PingResp,
        Disconnect,
        WillTopicUpd,
        WillTopicResp,
        WillMsgUpd,
        WillMsgResp,
        Encapsulated,
    )
}


def _message(pair: Tuple[int, Dict[str, Any]]) -> Message:
    msg_type, fields = pair
    if "return_code" in fields:
        fields["return_code"] = _code(fields["return_code"])
    if "topic_id_type" in fields:
        fields["topic_id_type"] = TopicIdType(fields["topic_id_type"])
    return _CLASSES[msg_type](**fields)


def _client_id_limit(max_client_id_len: int) -> int:
    """A ClientId limit argument, checked; no datagram holds a ClientId longer than 0xFFFF
    octets, so a larger limit means the same."""
    if isinstance(max_client_id_len, bool) or not isinstance(max_client_id_len, int):
        raise TypeError(f"max_client_id_len must be an int, not {type(max_client_id_len).__name__}")
    if max_client_id_len < 0:
        raise ValueError(f"max_client_id_len must not be negative, not {max_client_id_len}")
    return min(max_client_id_len, 0xFFFF)


def parse(data: bytes, max_client_id_len: int = 23, strict_flags: bool = False) -> Message:
    """Parses one whole MQTT-SN 1.2 datagram.

    ``max_client_id_len`` raises the specification's 23 for a gateway that allows longer
    ClientIds; ``strict_flags`` refuses flag bits a message does not use. Raises ``SnError``.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, bytearray or memoryview, not {type(data).__name__}")
    limit = _client_id_limit(max_client_id_len)
    try:
        pair = _sn_parse(bytes(data), limit, strict_flags)
    except ValueError as e:
        message, rule, answer = e.args
        raise SnError(message, rule, None if answer is None else _message(answer)) from None
    return _message(pair)
