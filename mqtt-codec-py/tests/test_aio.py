"""mqtt_codec.aio, the asyncio driver of the client session, against mosquitto: QoS 0, 1 and
2 round trips in 3.1.1 and 5.0, and a reconnect through a proxy cut in the middle of QoS 1
and 2 traffic, after which nothing is lost and nothing delivered twice."""

import asyncio
from typing import Any, Coroutine, List, Optional

import pytest

from mqtt_codec import Properties, ProtocolVersion, QoS, aio
from test_interop import broker  # noqa: F401  (the mosquitto fixture)


def run(coro: Coroutine[Any, Any, None]) -> None:
    asyncio.run(asyncio.wait_for(coro, 30))


@pytest.mark.parametrize("version", [ProtocolVersion.V3_1_1, ProtocolVersion.V5])
def test_publish_subscribe_round_trip(broker: int, version: ProtocolVersion) -> None:  # noqa: F811
    async def main() -> None:
        async with aio.connect("127.0.0.1", broker, client_id=f"aio-{int(version)}", version=version) as c:
            codes = await c.subscribe([("aio/rt/#", QoS.EXACTLY_ONCE)])
            assert len(codes) == 1
            for qos in QoS:
                await c.publish(f"aio/rt/{int(qos)}", f"m{int(qos)}".encode(), qos=qos)
            got: List[bytes] = []
            async for m in c.messages():
                got.append(m.payload)
                if len(got) == 3:
                    break
            assert sorted(got) == [b"m0", b"m1", b"m2"]

    run(main())


class Proxy:
    """A TCP proxy that can cut every connection through it."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.server: Optional[asyncio.AbstractServer] = None
        self.writers: List[asyncio.StreamWriter] = []

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        self.writers += [writer, up_writer]

        async def pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            try:
                while data := await r.read(65536):
                    w.write(data)
                    await w.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                w.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def cut(self) -> None:
        for w in self.writers:
            w.transport.abort()
        self.writers.clear()


def test_the_driver_reconnects_and_the_session_resends(broker: int) -> None:  # noqa: F811
    async def main() -> None:
        proxy = Proxy(broker)
        port = await proxy.start()
        receiver = aio.connect("127.0.0.1", broker, client_id="aio-receiver", version=ProtocolVersion.V3_1_1)
        async with receiver:
            await receiver.subscribe([("aio/cut/#", QoS.EXACTLY_ONCE)])
            sender = aio.connect(
                "127.0.0.1", port, client_id="aio-sender", version=ProtocolVersion.V3_1_1, clean_start=False
            )
            async with sender:
                publishes = [
                    asyncio.ensure_future(sender.publish("aio/cut/x", f"{i}".encode(), qos=QoS(1 + i % 2)))
                    for i in range(20)
                ]
                await asyncio.sleep(0)  # let the first ones go out before the cut
                proxy.cut()
                await asyncio.gather(*publishes)
            got: List[bytes] = []
            async for m in receiver.messages():
                got.append(m.payload)
                if len(set(got)) == 20:
                    break
            qos2 = [p for p in got if int(p) % 2 == 1]
            assert len(qos2) == len(set(qos2)), "QoS 2 delivered twice"
            assert sorted(set(got), key=int) == [f"{i}".encode() for i in range(20)]

    run(main())


async def silent_server() -> "tuple[asyncio.AbstractServer, int]":
    """A server that accepts the CONNECT (CONNACK, 3.1.1) and then acknowledges nothing."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)  # the CONNECT, whole (it is small)
        writer.write(bytes([0x20, 0x02, 0x00, 0x00]))
        while await reader.read(1024):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    return server, port


async def mute_server() -> "tuple[asyncio.AbstractServer, int]":
    """A server that takes the connection and answers nothing, CONNACK included."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.read(1024):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    return server, port


def test_disconnect_fails_what_still_waits_and_ends_messages() -> None:
    async def main() -> None:
        server, port = await silent_server()
        async with server:
            c = aio.connect("127.0.0.1", port, client_id="aio-silent", version=ProtocolVersion.V3_1_1)
            await c.start()
            waiting = asyncio.ensure_future(c.publish("t", b"x", qos=QoS.AT_LEAST_ONCE))
            reading = asyncio.ensure_future(c.messages().__anext__())
            await asyncio.sleep(0)  # one turn: the publish is written, no PUBACK will come
            await c.disconnect()
            with pytest.raises(aio.ConnectionLost):
                await waiting
            with pytest.raises(StopAsyncIteration):
                await reading

    run(main())


def test_a_client_made_outside_a_running_loop_runs_in_the_loop_that_starts_it() -> None:
    c = aio.connect("127.0.0.1", 1, client_id="aio-outside", reconnect=False)

    async def main() -> None:
        with pytest.raises(aio.ConnectionLost):
            await c.start()  # nothing listens on port 1

    run(main())


def test_commands_after_the_driver_stopped_fail_at_once() -> None:
    async def main() -> None:
        server, port = await silent_server()
        async with server:
            c = aio.connect("127.0.0.1", port, client_id="aio-stopped", version=ProtocolVersion.V3_1_1)
            await c.start()
            await c.disconnect()
            with pytest.raises(aio.ConnectionLost):
                await c.publish("t", b"x", qos=QoS.AT_LEAST_ONCE)

    run(main())


def test_the_first_connection_failure_is_raised_even_with_reconnect() -> None:
    async def main() -> None:
        c = aio.connect("127.0.0.1", 1, client_id="aio-first")  # nothing listens on port 1
        with pytest.raises(aio.ConnectionLost):
            await c.start()

    run(main())


def test_a_server_that_never_sends_connack_is_given_up_after_the_connect_timeout() -> None:
    async def main() -> None:
        server, port = await mute_server()
        async with server:
            c = aio.connect("127.0.0.1", port, client_id="aio-mute", connect_timeout=0.3)
            with pytest.raises(aio.ConnectionLost):
                await asyncio.wait_for(c.start(), 5)

    run(main())


class _StartRaises:
    """An authenticator whose first step fails: the session cannot make its CONNECT."""

    method = "TOKEN"

    def start(self) -> bytes:
        raise RuntimeError("no token today")


def test_a_connect_the_session_cannot_make_is_raised_by_start() -> None:
    async def main() -> None:
        server, port = await mute_server()
        async with server:
            c = aio.connect(
                "127.0.0.1", port, client_id="aio-auth", version=ProtocolVersion.V5,
                authenticator=_StartRaises(), connect_timeout=20,
            )
            # Raised at once, not after the connect timeout (start() waited for ever).
            with pytest.raises(Exception, match="authenticator"):
                await asyncio.wait_for(c.start(), 5)

    run(main())


async def refusing_server(connack: bytes) -> "tuple[asyncio.AbstractServer, int, asyncio.Event]":
    """A server answering every CONNECT with `connack`; the event is set once the client has
    closed the connection after it."""
    closed = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.write(connack)
        while await reader.read(1024):
            pass
        closed.set()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    return server, port, closed


@pytest.mark.parametrize(
    "connack",
    [bytes([0x20, 0x02, 0x00, 0x05]), bytes([0x20, 0x02, 0x02, 0x00])],
    ids=["refused-0x05", "malformed-flags"],
)
def test_a_refused_or_malformed_connack_closes_the_connection_at_once(connack: bytes) -> None:
    # MQTT-4.8.0-1 (3.1.1) / MQTT-4.13.1-1: the connection is closed, not left open until
    # the connect timeout (20 s here) runs out.
    async def main() -> None:
        server, port, closed = await refusing_server(connack)
        async with server:
            c = aio.connect(
                "127.0.0.1", port, client_id="aio-refused", version=ProtocolVersion.V3_1_1,
                connect_timeout=20,
            )
            with pytest.raises((aio.Refused, aio.ConnectionLost)):
                await asyncio.wait_for(c.start(), 5)
            await asyncio.wait_for(closed.wait(), 5)

    run(main())


async def answering_server(answers: List[bytes]) -> "tuple[asyncio.AbstractServer, int, asyncio.Event]":
    """A server answering the n-th CONNECT with answers[n] (the last one after that); it ends
    the first connection at once, and sets the event when a connection past the second was
    accepted."""
    count = 0
    accepted_again = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal count
        await reader.read(1024)
        answer = answers[min(count, len(answers) - 1)]
        count += 1
        writer.write(answer)
        if count == 1:
            writer.close()
            return
        if count >= 3 and answer[3] == 0:
            accepted_again.set()
        while await reader.read(1024):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    return server, port, accepted_again


def test_a_reconnect_refused_for_now_is_tried_again() -> None:
    # 3.1.1 CONNACK 0x03 Server unavailable on the reconnect: a "not now", retried with the
    # backoff (it stopped the driver for good).
    ok, unavailable = bytes([0x20, 0x02, 0x00, 0x00]), bytes([0x20, 0x02, 0x00, 0x03])

    async def main() -> None:
        server, port, accepted_again = await answering_server([ok, unavailable, ok])
        async with server:
            c = aio.connect(
                "127.0.0.1", port, client_id="aio-busy", version=ProtocolVersion.V3_1_1,
                backoff=(0.01, 0.05),
            )
            await c.start()
            await asyncio.wait_for(accepted_again.wait(), 5)
            await c.disconnect()

    run(main())


def test_a_reconnect_refused_for_good_stops_the_driver() -> None:
    # 0x05 Not authorized on the reconnect: retrying cannot help; messages() ends.
    ok, not_authorized = bytes([0x20, 0x02, 0x00, 0x00]), bytes([0x20, 0x02, 0x00, 0x05])

    async def main() -> None:
        server, port, _ = await answering_server([ok, not_authorized])
        async with server:
            c = aio.connect(
                "127.0.0.1", port, client_id="aio-denied", version=ProtocolVersion.V3_1_1,
                backoff=(0.01, 0.05),
            )
            await c.start()
            got = [m async for m in c.messages()]
            assert got == []
            with pytest.raises(aio.ConnectionLost):
                await c.publish("t", b"x", qos=QoS.AT_LEAST_ONCE)

    run(main())


def test_a_paused_reader_still_reads_up_to_the_pingresp() -> None:
    # The application takes nothing for 2.5 s with keep alive 1 s and two messages buffered
    # at most: the PINGRESP sits behind messages the paused reader has not read. It reads
    # on until the PINGRESP while one is awaited, so the connection lives (it was lost at
    # the keep alive and made again).
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.read(1024)
        writer.write(bytes([0x20, 0x02, 0x00, 0x00]))
        publish = bytes([0x30, 0x05, 0x00, 0x01]) + b"t" + b"xy"

        async def feed() -> None:
            # Messages keep coming, so a PINGRESP is always written behind some.
            while not writer.is_closing():
                writer.write(publish)
                await asyncio.sleep(0.02)

        feeder = asyncio.ensure_future(feed())
        try:
            while True:
                data = await reader.read(1024)
                if not data:
                    break
                if b"\xc0\x00" in data:
                    writer.write(bytes([0xD0, 0x00]))
        finally:
            feeder.cancel()
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port: int = server.sockets[0].getsockname()[1]
        async with server:
            c = aio.connect(
                "127.0.0.1", port, client_id="aio-slow", version=ProtocolVersion.V3_1_1,
                keep_alive=1, max_buffered_messages=2,
            )
            await c.start()
            await asyncio.sleep(2.5)  # the application is busy elsewhere
            got = 0
            async for _ in c.messages():
                got += 1
                if got == 50:
                    break
            assert connections == 1, "the connection was lost and made again"
            await c.disconnect()

    run(main())


def test_subscriptions_a_new_session_lost_are_made_again(broker: int) -> None:  # noqa: F811
    async def main() -> None:
        proxy = Proxy(broker)
        port = await proxy.start()
        # Clean start on every connection: the server forgets the subscription at the cut.
        async with aio.connect("127.0.0.1", port, client_id="aio-resub", version=ProtocolVersion.V3_1_1) as c:
            await c.subscribe([("aio/resub/#", QoS.AT_LEAST_ONCE)])
            proxy.cut()
            async with aio.connect("127.0.0.1", broker, client_id="aio-resub-pub") as pub:
                got: List[bytes] = []

                async def read() -> None:
                    async for m in c.messages():
                        got.append(m.payload)
                        return

                reading = asyncio.ensure_future(read())
                for _ in range(100):  # until the subscription is back
                    await pub.publish("aio/resub/x", b"back", qos=QoS.AT_LEAST_ONCE)
                    await asyncio.sleep(0.05)
                    if reading.done():
                        break
                await asyncio.wait_for(reading, 5)
                assert got == [b"back"]

    run(main())


def test_a_server_that_ends_every_connection_at_once_is_retried_with_backoff() -> None:
    async def main() -> None:
        attempts = 0

        async def drop_after_connack(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal attempts
            attempts += 1
            await reader.read(1024)
            writer.write(bytes([0x20, 0x02, 0x00, 0x00]))
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(drop_after_connack, "127.0.0.1", 0)
        port: int = server.sockets[0].getsockname()[1]
        async with server:
            c = aio.connect("127.0.0.1", port, client_id="aio-dropped", version=ProtocolVersion.V3_1_1,
                            backoff=(0.05, 1.0))
            await c.start()
            await asyncio.sleep(1.0)
            await c.disconnect()
        # 0.05 + 0.1 + 0.2 + 0.4 + ... : a handful of attempts in a second, not thousands.
        assert attempts <= 8, attempts

    run(main())


def test_a_cancelled_start_stops_the_driver_and_a_stopped_one_does_not_start_again() -> None:
    async def main() -> None:
        server, port = await mute_server()
        async with server:
            c = aio.connect("127.0.0.1", port, client_id="aio-cancel")
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(c.start(), 0.2)
            await asyncio.sleep(0)
            assert c._task is not None and c._task.done(), "no driver left behind"
            with pytest.raises(aio.ConnectionLost):
                await c.start()

    run(main())


def test_a_reader_that_falls_behind_pauses_the_connection_and_loses_nothing(broker: int) -> None:  # noqa: F811
    async def main() -> None:
        async with aio.connect(
            "127.0.0.1", broker, client_id="aio-slow", version=ProtocolVersion.V3_1_1, max_buffered_messages=10
        ) as slow:
            await slow.subscribe([("aio/slow/#", QoS.AT_LEAST_ONCE)])
            async with aio.connect("127.0.0.1", broker, client_id="aio-fast") as fast:
                sent = [fast.publish("aio/slow/x", b"%d" % i, qos=QoS.AT_LEAST_ONCE) for i in range(300)]
                await asyncio.gather(*sent)
            await asyncio.sleep(0.2)
            # Reading stopped near the limit (one read's worth beyond it at most), not at 300.
            assert slow._messages.qsize() < 300, slow._messages.qsize()
            got: List[bytes] = []
            async for m in slow.messages():
                got.append(m.payload)
                if len(got) == 300:
                    break
            assert sorted(got, key=int) == [b"%d" % i for i in range(300)]

    run(main())


async def deaf_server() -> "tuple[asyncio.AbstractServer, int]":
    """A server that accepts the CONNECT (CONNACK, 3.1.1) and then reads nothing more."""
    held: List[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.write(bytes([0x20, 0x02, 0x00, 0x00]))
        held.append(writer)  # open, unread, until the test ends

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    return server, port


def test_qos0_publishers_that_give_up_queue_nothing_and_a_deaf_peer_is_dropped() -> None:
    async def main() -> None:
        server, port = await deaf_server()
        async with server:
            c = aio.connect("127.0.0.1", port, client_id="aio-flood", version=ProtocolVersion.V3_1_1)
            await c.start()
            payload = b"x" * 65536
            for _ in range(300):  # 19 MB if each one was queued
                try:
                    await asyncio.wait_for(c.publish("flood", payload), 0.01)
                except asyncio.TimeoutError:
                    pass
            transport = c._transport
            assert isinstance(transport, asyncio.WriteTransport)
            assert transport.get_write_buffer_size() < 1 << 20
            link = c._link
            assert link is not None
            # The DISCONNECT cannot be written to a peer that reads nothing: the socket is
            # dropped after the wait rather than held open.
            await c.disconnect()
            await asyncio.wait_for(asyncio.shield(link.closed), 5)

    run(main())


async def read_packet(reader: asyncio.StreamReader) -> bytes:
    """A packet a scripted server reads: the first byte and the body (the remaining length
    left out)."""
    first = await reader.readexactly(1)
    length, shift = 0, 0
    while True:
        b = (await reader.readexactly(1))[0]
        length |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            break
    return first + await reader.readexactly(length)


def test_a_resubscribe_cut_off_before_its_suback_is_made_on_the_next_connection() -> None:
    # Connection 1 subscribes; 2 is a new session (the driver subscribes again) that ends
    # before the SUBACK; 3 is a new session too: the SUBSCRIBE must come again, options kept.
    subscribes: "asyncio.Queue[bytes]" = asyncio.Queue()
    count = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal count
        count += 1
        await read_packet(reader)  # CONNECT
        writer.write(bytes([0x20, 0x02, 0x00, 0x00]))  # never a session present
        try:
            packet = await read_packet(reader)
        except asyncio.IncompleteReadError:
            return
        if packet[0] >> 4 == 8:
            await subscribes.put(packet)
            if count == 1:
                writer.write(bytes([0x90, 0x03, packet[1], packet[2], 0x01]))
                await writer.drain()
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            c = aio.connect(
                "127.0.0.1", port, client_id="aio-resub-cut", version=ProtocolVersion.V3_1_1,
                backoff=(0.01, 0.05),
            )
            await c.start()
            await c.subscribe([("cut/#", QoS.AT_LEAST_ONCE)])
            first = await asyncio.wait_for(subscribes.get(), 5)
            second = await asyncio.wait_for(subscribes.get(), 5)  # the driver's, cut off
            third = await asyncio.wait_for(subscribes.get(), 5)  # made again
            # The same filter and options (3.1.1: the QoS byte), whatever the identifier.
            assert first[3:] == second[3:] == third[3:] == b"\x00\x05cut/#\x01"
            await c.disconnect()

    run(main())


def test_subscriptions_made_again_keep_their_subscription_identifiers() -> None:
    # Each connection is a new session (5.0, no session present): the driver subscribes
    # again, with the Subscription Identifier each filter was subscribed with, one
    # SUBSCRIBE per set of properties.
    subscribes: "asyncio.Queue[bytes]" = asyncio.Queue()
    count = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal count
        count += 1
        connection = count
        await read_packet(reader)  # CONNECT
        writer.write(bytes([0x20, 0x03, 0x00, 0x00, 0x00]))  # 5.0, never a session present
        try:
            while True:
                packet = await read_packet(reader)
                if packet[0] >> 4 != 8:
                    continue
                await subscribes.put(packet)
                writer.write(bytes([0x90, 0x04, packet[1], packet[2], 0x00, 0x01]))
                await writer.drain()
                if connection == 1 and subscribes.qsize() == 2:
                    break
        except asyncio.IncompleteReadError:
            return
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            c = aio.connect("127.0.0.1", port, client_id="aio-resub-ids", backoff=(0.01, 0.05))
            await c.start()
            await c.subscribe([("seven/#", QoS.AT_LEAST_ONCE)], properties=Properties(subscription_identifiers=[7]))
            await c.subscribe([("plain/#", QoS.AT_LEAST_ONCE)])
            first = [await asyncio.wait_for(subscribes.get(), 5) for _ in range(2)]
            again = [await asyncio.wait_for(subscribes.get(), 5) for _ in range(2)]
            # The same properties, filter and options, whatever the packet identifier.
            assert sorted(p[3:] for p in again) == sorted(p[3:] for p in first)
            assert b"\x02\x0b\x07\x00\x07seven/#\x01" in [p[3:] for p in again]
            await c.disconnect()

    run(main())


def test_a_single_str_is_refused_where_a_list_of_filters_is_expected() -> None:
    # A str is an iterable of one-character str: "a/#" would subscribe to "a", "/" and "#".
    async def main() -> None:
        c = aio.connect("127.0.0.1", 1, client_id="aio-str")
        with pytest.raises(TypeError):
            await c.subscribe("a/#")
        with pytest.raises(TypeError):
            await c.unsubscribe("a/#")

    run(main())


class _ChallengeBadType:
    """An authenticator whose answer to a challenge is a str, not bytes."""

    method = "TOKEN"

    def start(self) -> bytes:
        return b"token"

    def challenge(self, data: bytes) -> str:
        return "not bytes"

    def finish(self, data: bytes) -> None:
        pass


def test_what_the_session_raises_on_input_reaches_the_caller() -> None:
    # Raised inside an asyncio protocol callback it was only logged (over WebSocket,
    # dropped), and start() said the connection was lost.
    from mqtt_codec import Auth, ReasonCode

    challenge = Auth(
        reason_code=ReasonCode.CONTINUE_AUTHENTICATION,
        properties=Properties(authentication_method="TOKEN", authentication_data=b"?"),
    ).encode(5)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.write(challenge)
        while await reader.read(1024):
            pass
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            c = aio.connect(
                "127.0.0.1", port, client_id="aio-bad-auth", version=ProtocolVersion.V5,
                authenticator=_ChallengeBadType(), reconnect=False,
            )
            with pytest.raises(TypeError):
                await asyncio.wait_for(c.start(), 5)

    run(main())
