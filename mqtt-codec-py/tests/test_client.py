"""mqtt_codec.Client, the sans-IO client session, against a scripted server (the codec's own
packets) with injected time, and over a real socket against mosquitto (the asyncio
example)."""

import asyncio
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

from mqtt_codec import (
    Client,
    ConnAck,
    EncodeError,
    Properties,
    ProtocolVersion,
    PubAck,
    Publish,
    QoS,
    ReasonCode,
    SubAck,
    Subscription,
    Will,
    decode,
)
from test_interop import broker  # noqa: F401  (the mosquitto fixture)
from mqtt_codec.client import (
    ClientError,
    Connected,
    ConnectionRefused,
    Disconnected,
    Message,
    Published,
    PublishFailed,
    SubscribeLost,
    Subscribed,
    SubscriptionsLost,
    UnsubscribeLost,
)

V311 = ProtocolVersion.V3_1_1
V5 = ProtocolVersion.V5


def connected(version: ProtocolVersion = V311, **kw: object) -> Client:
    c = Client("py", version=version, **kw)  # type: ignore[arg-type]
    c.connect(0.0)
    assert c.data_to_send()[0] == 0x10
    c.receive_data(ConnAck().encode(version), 0.01)
    events = c.events()
    assert isinstance(events[0], Connected)
    return c


def test_connect_publish_qos1_and_puback() -> None:
    c = connected()
    pid = c.publish("a/b", b"x", qos=QoS.AT_LEAST_ONCE, now=0.1)
    assert pid == 1
    sent = decode(c.data_to_send(), V311)
    assert isinstance(sent, Publish) and sent.packet_id == 1 and sent.qos == QoS.AT_LEAST_ONCE
    c.receive_data(PubAck(packet_id=1).encode(V311), 0.2)
    assert c.events() == [Published(packet_id=1, reason_code=ReasonCode.SUCCESS)]


def test_qos0_needs_a_connection_but_qos1_waits() -> None:
    c = Client("py", version=V311)
    with pytest.raises(ClientError):
        c.publish("a/b", b"x", now=0.0)
    assert c.publish("a/b", b"later", qos=QoS.AT_LEAST_ONCE, now=0.0) == 1
    c.connect(0.0)
    c.data_to_send()
    c.receive_data(ConnAck().encode(V311), 0.1)
    c.events()
    sent = decode(c.data_to_send(), V311)
    assert isinstance(sent, Publish) and sent.payload == b"later"


def test_subscribe_and_receive_a_message() -> None:
    c = connected()
    pid = c.subscribe([("t/#", QoS.AT_LEAST_ONCE)], now=0.1)
    c.data_to_send()
    c.receive_data(SubAck(packet_id=pid, reason_codes=[ReasonCode.GRANTED_QOS_1]).encode(V311), 0.2)
    assert c.events() == [Subscribed(packet_id=pid, reason_codes=[ReasonCode.GRANTED_QOS_1])]
    c.receive_data(Publish(topic="t/x", payload=b"hi", qos=QoS.AT_LEAST_ONCE, packet_id=7).encode(V311), 0.3)
    [m] = c.events()
    assert isinstance(m, Message)
    assert (m.topic, m.payload, m.qos, m.packet_id) == ("t/x", b"hi", QoS.AT_LEAST_ONCE, 7)
    ack = decode(c.data_to_send(), V311)
    assert isinstance(ack, PubAck) and ack.packet_id == 7


def test_manual_acks_go_out_in_arrival_order() -> None:
    c = connected(auto_ack=False)
    for pid in (1, 2):
        c.receive_data(Publish(topic="t", payload=b"m", qos=QoS.AT_LEAST_ONCE, packet_id=pid).encode(V311), 0.1)
    first, second = c.events()
    assert isinstance(first, Message) and isinstance(second, Message)
    c.ack(second, 0.2)
    assert c.data_to_send() == b"", "the second waits for the first [MQTT-4.6.0-2]"
    c.ack(first, 0.3)
    data = c.data_to_send()
    assert data == PubAck(packet_id=1).encode(V311) + PubAck(packet_id=2).encode(V311)
    # A packet id out of range is a ValueError, as any int out of range.
    for bad in (70000, -1):
        with pytest.raises(ValueError):
            c.ack(bad, 0.4)


def test_keep_alive_pings_then_loses_the_connection() -> None:
    c = connected(keep_alive=10)
    assert c.next_timeout() == pytest.approx(10.0, abs=0.1)
    c.handle_timeout(10.0)
    assert c.data_to_send() == b"\xc0\x00"
    assert c.next_timeout() == pytest.approx(20.0)
    c.handle_timeout(20.0)
    assert c.events() == [Disconnected(reason_code=None, by_server=False)]
    assert not c.is_connected


def test_a_v3_server_answering_a_v5_connect_is_reported() -> None:
    c = Client("py", version=V5)
    c.connect(0.0)
    c.data_to_send()
    c.receive_data(b"\x20\x02\x00\x01", 0.1)
    [e] = c.events()
    assert isinstance(e, ConnectionRefused) and e.server_speaks_v3


def test_session_state_survives_a_restart() -> None:
    c = connected(clean_start=False)
    pid = c.publish("a/b", b"kept", qos=QoS.AT_LEAST_ONCE, now=0.1)
    c.data_to_send()
    c.connection_lost(0.2)
    state = c.session_state()
    r = Client.from_session_state(state, version=V311)
    assert r.client_id == "py"
    r.connect(1.0)
    r.data_to_send()
    r.receive_data(ConnAck(session_present=True).encode(V311), 1.1)
    r.events()
    resent = decode(r.data_to_send(), V311)
    assert isinstance(resent, Publish) and resent.dup and resent.packet_id == pid
    with pytest.raises(ValueError):
        Client.from_session_state(b"nope")
    # The version comes from the snapshot when not given; given, it must agree.
    assert Client.from_session_state(state).session_state() == state
    with pytest.raises(ValueError, match="protocol level"):
        Client.from_session_state(state, version=V5)


def test_a_subscribe_cut_off_by_the_connection_is_reported_lost() -> None:
    c = connected()
    sub = c.subscribe([("t/#", QoS.AT_LEAST_ONCE)], now=0.1)
    unsub = c.unsubscribe(["u"], now=0.1)
    c.data_to_send()
    c.connection_lost(0.2)
    assert c.events() == [
        SubscribeLost(packet_id=sub, subscriptions=[Subscription("t/#", QoS.AT_LEAST_ONCE)]),
        UnsubscribeLost(packet_id=unsub),
        Disconnected(reason_code=None, by_server=False),
    ]


def test_a_lost_session_reports_failures_and_subscriptions() -> None:
    c = connected(clean_start=False)
    pid = c.subscribe(["s/#"], now=0.1)
    c.receive_data(SubAck(packet_id=pid, reason_codes=[ReasonCode.SUCCESS]).encode(V311), 0.2)
    c.publish("a/b", b"x", qos=QoS.AT_LEAST_ONCE, now=0.3)
    c.events()
    c.connection_lost(0.4)
    c.connect(1.0)
    c.receive_data(ConnAck(session_present=False).encode(V311), 1.1)
    events = c.events()
    assert any(isinstance(e, PublishFailed) and e.session_lost for e in events)
    assert any(isinstance(e, SubscriptionsLost) and e.subscriptions == [Subscription("s/#", QoS.AT_MOST_ONCE)] for e in events)


def test_the_asyncio_example_round_trips_through_mosquitto(broker: int) -> None:  # noqa: F811
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
    import asyncio_client

    for version in (V311, V5):
        received: List[str] = asyncio.run(asyncio_client.main("127.0.0.1", broker, version))
        assert sorted(received) == sorted(f"hello at {q.name}" for q in QoS)


class TokenAuth:
    """A made-up method, to test the authenticator bridge: a token, a challenge echoed back
    reversed, and a final word checked."""

    method = "TOKEN"

    def __init__(self) -> None:
        self.finished: List[bytes] = []

    def start(self) -> bytes:
        return b"token-1"

    def challenge(self, data: bytes) -> bytes:
        return data[::-1]

    def finish(self, data: bytes) -> None:
        if data != b"welcome":
            raise ValueError("the server did not prove itself")
        self.finished.append(data)


def test_a_python_authenticator_runs_the_auth_exchange() -> None:
    from mqtt_codec import Auth, Connect, Properties

    auth = TokenAuth()
    c = Client("py", version=V5, authenticator=auth)
    c.connect(0.0)
    connect = decode(c.data_to_send(), V5)
    assert isinstance(connect, Connect)
    assert connect.properties.authentication_method == "TOKEN"
    assert connect.properties.authentication_data == b"token-1"
    challenge = Auth(
        reason_code=ReasonCode.CONTINUE_AUTHENTICATION,
        properties=Properties(authentication_method="TOKEN", authentication_data=b"abc"),
    )
    c.receive_data(challenge.encode(V5), 0.1)
    answer = decode(c.data_to_send(), V5)
    assert isinstance(answer, Auth)
    assert answer.properties.authentication_data == b"cba"
    ack = ConnAck(properties=Properties(authentication_method="TOKEN", authentication_data=b"welcome"))
    c.receive_data(ack.encode(V5), 0.2)
    assert isinstance(c.events()[0], Connected)
    assert auth.finished == [b"welcome"]


def test_scram_without_a_nonce_draws_a_fresh_one_for_every_exchange() -> None:
    # A reconnect is a new exchange: it needs a nonce of its own (RFC 5802 §5.1).
    from mqtt_codec import Connect, ScramAuthenticator

    c = Client("py", version=V5, authenticator=ScramAuthenticator("user", "pencil"))
    nonces = []
    for i in range(3):
        c.connect(float(i))
        connect = decode(c.data_to_send(), V5)
        assert isinstance(connect, Connect)
        assert connect.properties.authentication_method == "SCRAM-SHA-256"
        first = bytes(connect.properties.authentication_data or b"").decode()
        assert first.startswith("n,,n=user,r="), first
        nonces.append(first.split(",r=", 1)[1])
        c.connection_lost(i + 0.5)
        c.events()
    assert len(set(nonces)) == 3 and all(len(n) >= 24 for n in nonces)

    # With a nonce of the caller's, a second exchange needs another one, given first.
    given = ScramAuthenticator("user", "pencil", "only-nonce-0123")
    c = Client("py", version=V5, authenticator=given)
    c.connect(0.0)
    c.data_to_send()
    c.connection_lost(0.5)
    c.events()
    with pytest.raises(ClientError, match="fresh nonce"):
        c.connect(1.0)


def test_a_failing_authenticator_ends_the_connection() -> None:
    from mqtt_codec import Properties

    c = Client("py", version=V5, authenticator=TokenAuth())
    c.connect(0.0)
    c.data_to_send()
    ack = ConnAck(properties=Properties(authentication_method="TOKEN", authentication_data=b"forged"))
    c.receive_data(ack.encode(V5), 0.1)
    [e] = c.events()
    assert isinstance(e, Disconnected) and e.reason_code == ReasonCode.NOT_AUTHORIZED


class Raising(TokenAuth):
    """TokenAuth that raises `error` from `where`."""

    def __init__(self, where: str, error: BaseException) -> None:
        super().__init__()
        self.where = where
        self.error = error

    def start(self) -> bytes:
        if self.where == "start":
            raise self.error
        return super().start()

    def challenge(self, data: bytes) -> bytes:
        if self.where == "challenge":
            raise self.error
        return super().challenge(data)


def challenge_bytes() -> bytes:
    from mqtt_codec import Auth, Properties

    return Auth(
        reason_code=ReasonCode.CONTINUE_AUTHENTICATION,
        properties=Properties(authentication_method="TOKEN", authentication_data=b"abc"),
    ).encode(V5)


def disconnect_sent(c: Client) -> ReasonCode:
    from mqtt_codec import Disconnect

    packet = decode(c.data_to_send(), V5)
    assert isinstance(packet, Disconnect)
    return packet.reason_code


def test_an_authenticator_that_cannot_start_is_the_cause_of_connects_error() -> None:
    error = ValueError("no token today")
    c = Client("py", version=V5, authenticator=Raising("start", error))
    with pytest.raises(ClientError) as raised:
        c.connect(0.0)
    assert raised.value.__cause__ is error
    assert c.data_to_send() == b"", "nothing sent"


def test_an_exception_from_a_challenge_fails_the_exchange_and_a_keyboard_interrupt_propagates() -> None:
    c = Client("py", version=V5, authenticator=Raising("challenge", ValueError("refused")))
    c.connect(0.0)
    c.data_to_send()
    c.receive_data(challenge_bytes(), 0.1)
    [e] = c.events()
    assert isinstance(e, Disconnected) and e.reason_code == ReasonCode.NOT_AUTHORIZED

    c = Client("py", version=V5, authenticator=Raising("challenge", KeyboardInterrupt()))
    c.connect(0.0)
    c.data_to_send()
    with pytest.raises(KeyboardInterrupt):
        c.receive_data(challenge_bytes(), 0.1)
    # The session ended the exchange before the interrupt went up: nothing is lost.
    assert disconnect_sent(c) == ReasonCode.UNSPECIFIED_ERROR
    [e] = c.events()
    assert isinstance(e, Disconnected) and e.reason_code == ReasonCode.NOT_AUTHORIZED


def test_an_authenticator_answer_of_the_wrong_type_is_a_type_error() -> None:
    class ListAuth(TokenAuth):
        def start(self) -> bytes:
            return [1, 2, 3]  # type: ignore[return-value]

    with pytest.raises(TypeError, match="start"):
        Client("py", version=V5, authenticator=ListAuth()).connect(0.0)


def test_an_answer_auth_cannot_carry_fails_the_exchange() -> None:
    class Verbose(TokenAuth):
        def challenge(self, data: bytes) -> bytes:
            return b"x" * 70_000

    c = Client("py", version=V5, authenticator=Verbose())
    c.connect(0.0)
    c.data_to_send()
    c.receive_data(challenge_bytes(), 0.1)
    assert disconnect_sent(c) == ReasonCode.UNSPECIFIED_ERROR
    [e] = c.events()
    assert isinstance(e, Disconnected) and e.reason_code == ReasonCode.NOT_AUTHORIZED


@pytest.mark.parametrize(
    "keywords",
    [
        {"receive_maximum": 0},
        {"max_packet_size": 0},
        {"max_inflight": 0},
        {"client_id": "a\0b"},
        {"username": "\ud800"},
    ],
)
def test_a_configuration_connect_cannot_carry_fails_when_made(keywords: Dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Client(**keywords)


@pytest.mark.parametrize("bad", ["a/#/b", "a+", ""])
def test_subscribe_and_unsubscribe_refuse_an_invalid_filter_alike(bad: str) -> None:
    # MQTT-4.7.1-1, MQTT-4.7.1-2, MQTT-4.7.3-1: the same ValueError from both calls.
    c = connected()
    with pytest.raises(ValueError):
        c.subscribe([(bad, QoS.AT_MOST_ONCE)], now=0.1)
    with pytest.raises(ValueError):
        c.unsubscribe([bad], now=0.1)
    assert c.data_to_send() == b"", "nothing sent for a refused call"


def test_a_3x_connect_rule_is_checked_when_the_client_is_made() -> None:
    # MQTT-3.1.2-22: no password without a user name (3.x); MQTT-3.1.3-7: an empty client
    # identifier needs a clean session (3.1.1). Refused here, not at connect().
    with pytest.raises(ValueError, match="MQTT-3.1.2-22"):
        Client("py", version=V311, password=b"secret")
    with pytest.raises(ValueError, match="MQTT-3.1.3-7"):
        Client("", version=V311, clean_start=False)
    Client("py", version=V5, password=b"secret")
    Client("", version=V5, clean_start=False)


def test_will_properties_are_refused_for_a_3x_client() -> None:
    will = Will(topic="gone", properties=Properties(content_type="text/plain"))
    with pytest.raises(ValueError, match="will properties"):
        Client("py", version=V311, will=will)
    Client("py", version=V5, will=will)


def test_a_3x_client_refuses_properties_rather_than_dropping_them() -> None:
    c = connected(V311)
    with pytest.raises(EncodeError, match="properties cannot be represented"):
        c.publish("a", b"x", qos=1, properties=Properties(message_expiry_interval=5))
    assert c.data_to_send() == b""


def test_receive_data_takes_any_bytes_like_object() -> None:
    for kind in (bytes, bytearray, memoryview):
        c = Client("py", version=V311)
        c.connect(0.0)
        c.data_to_send()
        c.receive_data(kind(ConnAck().encode(V311)), 0.01)
        assert isinstance(c.events()[0], Connected)
    with pytest.raises(TypeError, match="data must be bytes"):
        Client("py").receive_data("text", 0.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "keywords, error, named",
    [
        ({"keep_alive": -1}, ValueError, "keep_alive"),
        ({"max_queued": 2**70}, ValueError, "max_queued"),
        ({"client_id": 1}, TypeError, "client_id"),
        ({"password": "text"}, TypeError, "password"),
        ({"will": 3}, TypeError, "will"),
        ({"auto_ack": 1}, TypeError, "auto_ack"),
        ({"authenticator": 5}, TypeError, "authenticator"),
    ],
)
def test_a_wrong_argument_is_named_in_its_error(
    keywords: Dict[str, Any], error: type, named: str
) -> None:
    with pytest.raises(error, match=named):
        Client(**keywords)


def test_a_command_given_no_time_stands_at_the_time_last_given() -> None:
    # With now=0.0 a publish turned the session's clock back: the keep alive counted from 0
    # and a PINGREQ went out at once.
    start = 1000.0
    c = Client("py", version=V311, keep_alive=60)
    c.connect(start)
    c.data_to_send()
    c.receive_data(ConnAck().encode(V311), start)
    c.events()
    c.publish("a", b"x")
    assert c.data_to_send()
    assert c.next_timeout() == pytest.approx(start + 60.0, abs=0.1)
    c.handle_timeout(start + 1.0)
    assert c.data_to_send() == b"", "no PINGREQ a second after the last packet"
