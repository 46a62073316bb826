"""Type stubs of the extension module mqtt_codec._mqtt_codec (re-exported by mqtt_codec)."""

from typing import Any, ClassVar, Dict, Iterable, List, Optional, Sequence, Tuple, Union, final

from ._types import ProtocolVersion, QoS, ReasonCode

_Bytes = Union[bytes, bytearray, memoryview]
_Payload = Union[bytes, bytearray, memoryview, str]
_SubscriptionArg = Union["Subscription", str, Tuple[str, int]]
_Packet = Union[
    "Connect",
    "ConnAck",
    "Publish",
    "PubAck",
    "PubRec",
    "PubRel",
    "PubComp",
    "Subscribe",
    "SubAck",
    "Unsubscribe",
    "UnsubAck",
    "PingReq",
    "PingResp",
    "Disconnect",
    "Auth",
]

DEFAULT_MAX_PACKET_SIZE: int
MAX_PACKET_SIZE: int

@final
class Properties:
    """MQTT 5.0 properties of a packet or a will; every keyword is optional."""

    def __init__(
        self,
        *,
        # Generated from the property table (mqtt_codec::for_each_property!) by tests/stub.rs.
        payload_format_indicator: Optional[int] = None,
        message_expiry_interval: Optional[int] = None,
        content_type: Optional[str] = None,
        response_topic: Optional[str] = None,
        correlation_data: Optional[_Bytes] = None,
        session_expiry_interval: Optional[int] = None,
        assigned_client_identifier: Optional[str] = None,
        server_keep_alive: Optional[int] = None,
        authentication_method: Optional[str] = None,
        authentication_data: Optional[_Bytes] = None,
        request_problem_information: Optional[int] = None,
        will_delay_interval: Optional[int] = None,
        request_response_information: Optional[int] = None,
        response_information: Optional[str] = None,
        server_reference: Optional[str] = None,
        reason_string: Optional[str] = None,
        receive_maximum: Optional[int] = None,
        topic_alias_maximum: Optional[int] = None,
        topic_alias: Optional[int] = None,
        maximum_qos: Optional[int] = None,
        retain_available: Optional[int] = None,
        maximum_packet_size: Optional[int] = None,
        wildcard_subscription_available: Optional[int] = None,
        subscription_identifier_available: Optional[int] = None,
        shared_subscription_available: Optional[int] = None,
        # End of the generated lines.
        subscription_identifiers: Optional[Iterable[int]] = None,
        user_properties: Optional[Iterable[Tuple[str, str]]] = None,
    ) -> None: ...
    # Generated from the property table (mqtt_codec::for_each_property!) by tests/stub.rs.
    @property
    def payload_format_indicator(self) -> Optional[int]: ...
    @property
    def message_expiry_interval(self) -> Optional[int]: ...
    @property
    def content_type(self) -> Optional[str]: ...
    @property
    def response_topic(self) -> Optional[str]: ...
    @property
    def correlation_data(self) -> Optional[bytes]: ...
    @property
    def session_expiry_interval(self) -> Optional[int]: ...
    @property
    def assigned_client_identifier(self) -> Optional[str]: ...
    @property
    def server_keep_alive(self) -> Optional[int]: ...
    @property
    def authentication_method(self) -> Optional[str]: ...
    @property
    def authentication_data(self) -> Optional[bytes]: ...
    @property
    def request_problem_information(self) -> Optional[int]: ...
    @property
    def will_delay_interval(self) -> Optional[int]: ...
    @property
    def request_response_information(self) -> Optional[int]: ...
    @property
    def response_information(self) -> Optional[str]: ...
    @property
    def server_reference(self) -> Optional[str]: ...
    @property
    def reason_string(self) -> Optional[str]: ...
    @property
    def receive_maximum(self) -> Optional[int]: ...
    @property
    def topic_alias_maximum(self) -> Optional[int]: ...
    @property
    def topic_alias(self) -> Optional[int]: ...
    @property
    def maximum_qos(self) -> Optional[int]: ...
    @property
    def retain_available(self) -> Optional[int]: ...
    @property
    def maximum_packet_size(self) -> Optional[int]: ...
    @property
    def wildcard_subscription_available(self) -> Optional[int]: ...
    @property
    def subscription_identifier_available(self) -> Optional[int]: ...
    @property
    def shared_subscription_available(self) -> Optional[int]: ...
    # End of the generated lines.
    @property
    def subscription_identifiers(self) -> List[int]: ...
    @property
    def user_properties(self) -> List[Tuple[str, str]]: ...
    def is_empty(self) -> bool:
        """True when no property is set."""
    def __bool__(self) -> bool: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Will:
    """The will of a CONNECT."""

    __match_args__ = ("topic", "payload")

    def __init__(
        self,
        topic: str,
        payload: Optional[_Payload] = None,
        *,
        qos: Optional[int] = None,
        retain: Optional[bool] = None,
        properties: Optional[Properties] = None,
    ) -> None: ...
    @property
    def topic(self) -> str: ...
    @property
    def payload(self) -> bytes: ...
    @property
    def qos(self) -> QoS: ...
    @property
    def retain(self) -> bool: ...
    @property
    def properties(self) -> Properties: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Subscription:
    """One entry of a SUBSCRIBE: a topic filter and its options."""

    __match_args__ = ("filter", "qos")

    def __init__(
        self,
        filter: str,
        qos: Optional[int] = None,
        *,
        no_local: Optional[bool] = None,
        retain_as_published: Optional[bool] = None,
        retain_handling: Optional[int] = None,
    ) -> None: ...
    @property
    def filter(self) -> str: ...
    @property
    def qos(self) -> QoS: ...
    @property
    def no_local(self) -> bool: ...
    @property
    def retain_as_published(self) -> bool: ...
    @property
    def retain_handling(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Connect:
    """CONNECT: the first packet a client sends."""

    def __init__(
        self,
        *,
        client_id: Optional[str] = None,
        protocol_version: Optional[int] = None,
        clean_start: Optional[bool] = None,
        keep_alive: Optional[int] = None,
        will: Optional[Will] = None,
        username: Optional[str] = None,
        password: Optional[_Payload] = None,
        properties: Optional[Properties] = None,
    ) -> None: ...
    @property
    def protocol_version(self) -> ProtocolVersion: ...
    @property
    def client_id(self) -> str: ...
    @property
    def clean_start(self) -> bool: ...
    @property
    def keep_alive(self) -> int: ...
    @property
    def will(self) -> Optional[Will]: ...
    @property
    def username(self) -> Optional[str]: ...
    @property
    def password(self) -> Optional[bytes]: ...
    @property
    def properties(self) -> Properties: ...
    def encode(self, version: Optional[int] = None) -> bytes:
        """Encodes the packet; `version` defaults to `protocol_version`."""
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class ConnAck:
    """CONNACK: the server's answer to CONNECT."""

    def __init__(
        self,
        *,
        session_present: Optional[bool] = None,
        reason_code: Optional[int] = None,
        properties: Optional[Properties] = None,
    ) -> None: ...
    @property
    def session_present(self) -> bool: ...
    @property
    def reason_code(self) -> ReasonCode: ...
    @property
    def properties(self) -> Properties: ...
    def encode(self, version: int) -> bytes:
        """Encodes the packet under `version`."""
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Publish:
    """PUBLISH: an application message."""

    __match_args__ = ("topic", "payload")

    def __init__(
        self,
        topic: str,
        payload: Optional[_Payload] = None,
        *,
        qos: Optional[int] = None,
        packet_id: Optional[int] = None,
        retain: Optional[bool] = None,
        dup: Optional[bool] = None,
        properties: Optional[Properties] = None,
    ) -> None: ...
    @property
    def topic(self) -> str: ...
    @property
    def payload(self) -> bytes: ...
    @property
    def qos(self) -> QoS: ...
    @property
    def packet_id(self) -> Optional[int]: ...
    @property
    def retain(self) -> bool: ...
    @property
    def dup(self) -> bool: ...
    @property
    def properties(self) -> Properties: ...
    def encode(self, version: int) -> bytes:
        """Encodes the packet under `version`."""
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

class _PubResponse:
    __match_args__ = ("packet_id",)

    def __init__(
        self,
        packet_id: int,
        *,
        reason_code: Optional[int] = None,
        properties: Optional[Properties] = None,
    ) -> None: ...
    @property
    def packet_id(self) -> int: ...
    @property
    def reason_code(self) -> ReasonCode: ...
    @property
    def properties(self) -> Properties: ...
    def encode(self, version: int) -> bytes:
        """Encodes the packet under `version`."""
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class PubAck(_PubResponse):
    """PUBACK: acknowledges a QoS 1 PUBLISH."""

@final
class PubRec(_PubResponse):
    """PUBREC: QoS 2 PUBLISH received."""

@final
class PubRel(_PubResponse):
    """PUBREL: QoS 2 PUBLISH released."""

@final
class PubComp(_PubResponse):
    """PUBCOMP: QoS 2 PUBLISH complete."""

@final
class Subscribe:
    """SUBSCRIBE: asks for the messages of one or more topic filters."""

    __match_args__ = ("packet_id", "subscriptions")

    def __init__(
        self,
        packet_id: int,
        subscriptions: Iterable[_SubscriptionArg],
        *,
        properties: Optional[Properties] = None,
    ) -> None: ...
    @property
    def packet_id(self) -> int: ...
    @property
    def subscriptions(self) -> List[Subscription]: ...
    @property
    def properties(self) -> Properties: ...
    def encode(self, version: int) -> bytes:
        """Encodes the packet under `version`."""
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class SubAck:
    """SUBACK: one granted QoS or failure code per subscription."""

    def __init__(
        self,
        *,
        packet_id: int,
        reason_codes: Sequence[int],
        properties: Optional[Properties] = None,
    ) -> None: ...
    @property
    def packet_id(self) -> int: ...
    @property
    def reason_codes(self) -> List[ReasonCode]: ...
    @property
    def properties(self) -> Properties: ...
    def encode(self, version: int) -> bytes:
        """Encodes the packet under `version`."""
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Unsubscribe:
    """UNSUBSCRIBE: removes subscriptions."""

    __match_args__ = ("packet_id", "filters")

    def __init__(
        self,
        packet_id: int,
        filters: Iterable[str],
        *,
        properties: Optional[Properties] = None,
    ) -> None: ...
    @property
    def packet_id(self) -> int: ...
    @property
    def filters(self) -> List[str]: ...
    @property
    def properties(self) -> Properties: ...
    def encode(self, version: int) -> bytes:
        """Encodes the packet under `version`."""
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class UnsubAck:
    """UNSUBACK: acknowledges an UNSUBSCRIBE (one reason code per filter in 5.0)."""

    def __init__(
        self,
        *,
        packet_id: int,
        reason_codes: Optional[Sequence[int]] = None,
        properties: Optional[Properties] = None,
    ) -> None: ...
    @property
    def packet_id(self) -> int: ...
    @property
    def reason_codes(self) -> List[ReasonCode]: ...
    @property
    def properties(self) -> Properties: ...
    def encode(self, version: int) -> bytes:
        """Encodes the packet under `version`."""
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class PingReq:
    """PINGREQ: the client's keep-alive probe."""

    def __init__(self) -> None: ...
    def encode(self, version: int) -> bytes:
        """Encodes the packet under `version`."""
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class PingResp:
    """PINGRESP: the server's answer to PINGREQ."""

    def __init__(self) -> None: ...
    def encode(self, version: int) -> bytes:
        """Encodes the packet under `version`."""
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Disconnect:
    """DISCONNECT: the end of a connection (with a reason in 5.0)."""

    def __init__(
        self, *, reason_code: Optional[int] = None, properties: Optional[Properties] = None
    ) -> None: ...
    @property
    def reason_code(self) -> ReasonCode: ...
    @property
    def properties(self) -> Properties: ...
    def encode(self, version: int) -> bytes:
        """Encodes the packet under `version`."""
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Auth:
    """AUTH: a step of 5.0 enhanced authentication."""

    def __init__(
        self, *, reason_code: Optional[int] = None, properties: Optional[Properties] = None
    ) -> None: ...
    @property
    def reason_code(self) -> ReasonCode: ...
    @property
    def properties(self) -> Properties: ...
    def encode(self, version: int) -> bytes:
        """Encodes the packet under `version`."""
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Decoder:
    """A streaming MQTT decoder: feed it bytes in any chunks, get whole packets back."""

    def __init__(
        self,
        version: Optional[int] = None,
        max_packet_size: Optional[int] = None,
        *,
        role: Optional[str] = None,
    ) -> None: ...
    def feed(self, data: _Bytes) -> List[_Packet]:
        """Feeds received bytes; returns the packets completed so far."""
    @property
    def protocol_version(self) -> Optional[ProtocolVersion]: ...
    @property
    def max_packet_size(self) -> int: ...
    @max_packet_size.setter
    def max_packet_size(self, value: int) -> None: ...
    @property
    def buffered(self) -> int: ...
    @property
    def failed(self) -> bool: ...

def decode(data: _Bytes, version: Optional[int] = None) -> _Packet:
    """Decodes exactly one whole packet."""

def topic_matches(filter: str, name: str) -> bool:
    """Whether the topic name matches the topic filter (a `$share/NAME/FILTER` filter as
    FILTER); ValueError for an invalid one."""

def _reason_codes() -> List[Tuple[int, str]]:
    """Every reason code the core defines, with its name."""

def _sn_parse(
    data: bytes, max_client_id_len: int = 23, strict_flags: bool = False
) -> Tuple[int, Dict[str, Any]]:
    """Parses one MQTT-SN 1.2 datagram into (MsgType, fields); ValueError(message, rule,
    answer) when refused."""

def _sn_encode(msg_type: int, fields: Dict[str, Any], max_client_id_len: int = 23) -> bytes:
    """Encodes one MQTT-SN 1.2 message from (MsgType, fields)."""

def _sn2_parse(data: bytes) -> Tuple[int, Dict[str, Any]]:
    """Parses one MQTT-SN 2.0 datagram into (packet type, fields); ValueError(message,
    reason_code) when refused."""

def _sn2_encode(packet_type: int, fields: Dict[str, Any]) -> bytes:
    """Encodes one MQTT-SN 2.0 packet from (packet type, fields); ValueError(message,
    reason_code) when it breaks a rule, TypeError for a field of the wrong type."""

@final
class ReceiveBuffer:
    """Room in a Client's receive buffer for one read (abi3-py311 wheel): a writable buffer
    of bytes for recv_into or memoryview; give it back with Client.buffer_updated."""

    def __buffer__(self, flags: int, /) -> memoryview:
        """The buffer protocol (PEP 688)."""
    def __len__(self) -> int:
        """The room, in bytes."""

@final
class Client:
    """The sans-IO MQTT client session (see mqtt_codec.client for its events)."""

    def __init__(
        self,
        client_id: str = "",
        version: Optional[int] = None,
        keep_alive: int = 60,
        clean_start: bool = True,
        session_expiry_interval: int = 0,
        auto_ack: bool = True,
        username: Optional[str] = None,
        password: Optional[bytes] = None,
        will: Optional[Will] = None,
        receive_maximum: int = 16,
        max_inflight: int = 16,
        max_queued: int = 1000,
        max_packet_size: int = 1048576,
        topic_alias_maximum: int = 0,
        request_problem_information: bool = True,
        authenticator: Optional[Any] = None,
    ) -> None: ...
    @classmethod
    def from_session_state(cls, state: _Bytes, **options: Any) -> "Client":
        """A client restored from session_state() bytes."""
    @property
    def client_id(self) -> str:
        """The client identifier (the server's assigned one once connected)."""
    @property
    def is_connected(self) -> bool:
        """Whether CONNACK accepted the connection and it has not ended."""
    @property
    def awaiting_pingresp(self) -> bool:
        """Whether a PINGREQ went out that has had no PINGRESP yet."""
    def connect(self, now: float) -> None:
        """Queues CONNECT."""
    def publish(
        self,
        topic: str,
        payload: _Payload,
        qos: Optional[int] = None,
        retain: bool = False,
        properties: Optional[Properties] = None,
        now: Optional[float] = None,
    ) -> Optional[int]:
        """Publishes; the packet id of a QoS 1 or 2 message, None at QoS 0."""
    def subscribe(
        self,
        subscriptions: Iterable[Union[Subscription, str, Tuple[str, int]]],
        now: Optional[float] = None,
        *,
        properties: Optional[Properties] = None,
    ) -> int:
        """Subscribes; the SUBSCRIBE's packet id. `properties` (5.0): a Subscription
        Identifier, User Properties."""
    def unsubscribe(self, filters: Iterable[str], now: Optional[float] = None) -> int:
        """Unsubscribes; the UNSUBSCRIBE's packet id."""
    def ack(self, message: Any, now: Optional[float] = None) -> None:
        """Acknowledges a received QoS 1 or 2 message (auto_ack=False)."""
    def reauthenticate(self, now: Optional[float] = None) -> None:
        """Re-authenticates with the authenticator (AUTH 0x19)."""
    def disconnect(self, now: Optional[float] = None) -> None:
        """Queues DISCONNECT."""
    def receive_data(self, data: _Bytes, now: float) -> None:
        """Bytes from the socket."""
    # The abi3-py311 wheel only: check with hasattr(Client, "get_buffer").
    def get_buffer(self, sizehint: int) -> "ReceiveBuffer":
        """Room in the session's own receive buffer for one read (-1: 8 KiB); then
        buffer_updated. A buffer lent before and not given back is taken back empty."""
    def buffer_updated(self, nbytes: int, now: float) -> None:
        """nbytes were written into the buffer get_buffer lent: handled as receive_data
        would handle them. BufferError when none is lent or a view of it is still held."""
    def data_to_send(self) -> bytes:
        """Everything to write to the socket now."""
    def events(self) -> List[Any]:
        """The events since the last call (mqtt_codec.client)."""
    def handle_timeout(self, now: float) -> None:
        """Keep alive; call it at next_timeout()."""
    def next_timeout(self) -> Optional[float]:
        """When to call handle_timeout, in seconds, or None."""
    def connection_lost(self, now: float) -> None:
        """The socket closed or failed."""
    def session_state(self) -> bytes:
        """The session as bytes, for Client.from_session_state."""

@final
class ScramAuthenticator:
    """SCRAM-SHA-256 for Client(authenticator=...); one fresh nonce per exchange, drawn
    from `secrets` when no `nonce` is given."""

    def __init__(self, user: str, password: str, nonce: Optional[str] = None) -> None: ...
    def add_nonce(self, nonce: str) -> None:
        """A nonce for a later exchange."""
