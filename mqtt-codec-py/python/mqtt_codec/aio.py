"""mqtt_codec.aio: an asyncio driver of ``mqtt_codec.Client``, the sans-IO client session.

The session takes every protocol decision (packet ids, acknowledgements, keep alive, what
to resend after a reconnect); this driver only moves bytes between it and a socket, tells
it the time, and turns its events into awaitables.

>>> import asyncio
>>> from mqtt_codec import aio, QoS
>>> async def main(port: int) -> None:
...     async with aio.connect("127.0.0.1", port, client_id="doc") as client:
...         await client.subscribe([("doc/#", QoS.AT_LEAST_ONCE)])
...         await client.publish("doc/x", b"hello", qos=QoS.AT_LEAST_ONCE)
...         async for message in client.messages():
...             print(message.payload)
...             break

In the abi3-py311 wheel it receives through ``asyncio.BufferedProtocol`` straight into the
session's own receive buffer (``Client.get_buffer``); the abi3-py39 wheel, whose limited API
has no buffer protocol, copies each chunk the socket gives (``Client.receive_data``).
"""

import asyncio
import ssl as _ssl
from typing import Any, AsyncIterator, Dict, Iterable, List, Optional, Protocol, Set, Tuple, Union

from ._mqtt_codec import Client, Properties, Subscription
from ._types import MqttError, ProtocolVersion, QoS, ReasonCode
from .client import (
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
    Unsubscribed,
)

__all__ = ["AsyncClient", "ConnectionLost", "PublishError", "Refused", "connect"]


class Refused(MqttError):
    """The server refused the connection (``reason_code``); ``server_speaks_v3`` when a
    3.1.1 server answered a 5.0 CONNECT."""

    def __init__(self, reason_code: ReasonCode, server_speaks_v3: bool) -> None:
        """Makes the error from the CONNACK's answer."""
        super().__init__(f"connection refused: {reason_code!r}")
        self.reason_code = reason_code
        self.server_speaks_v3 = server_speaks_v3

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self.reason_code, self.server_speaks_v3), self.__dict__)


class PublishError(MqttError):
    """A QoS 1 or 2 publish failed: refused by the server, or lost with the session."""

    def __init__(self, event: PublishFailed) -> None:
        """Makes the error from the session's event."""
        super().__init__(f"publish {event.packet_id} failed: {event.reason_code!r}, session lost: {event.session_lost}")
        self.event = event

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self.event,), self.__dict__)


class ConnectionLost(MqttError):
    """The connection is gone and the driver does not reconnect (or was closed); or, from
    ``subscribe`` and ``unsubscribe``, the connection ended before the answer came (the
    driver reconnects: call again).
    ``reason_code`` is the 5.0 reason the connection ended with, when it had one: the
    server's DISCONNECT (``by_server``), or the one this session sent when the server broke
    a rule."""

    def __init__(self, message: str, disconnected: Optional[Disconnected] = None) -> None:
        """Makes the error, with the session's ``Disconnected`` event when there was one."""
        reason = None if disconnected is None else disconnected.reason_code
        super().__init__(message if reason is None else f"{message}: {reason!r}")
        self.reason_code: Optional[ReasonCode] = reason
        self.by_server = disconnected is not None and disconnected.by_server


_Subscriptions = Iterable[Union[Subscription, str, Tuple[str, int]]]

# Refusals that say "not now" rather than "not you": a reconnect refused with one of them
# is tried again with the backoff (3.1.1's Server unavailable arrives as 0x88).
_TRANSIENT_REFUSALS = frozenset(
    {
        ReasonCode.SERVER_UNAVAILABLE,
        ReasonCode.SERVER_BUSY,
        ReasonCode.QUOTA_EXCEEDED,
        ReasonCode.CONNECTION_RATE_EXCEEDED,
    }
)

try:
    from websockets.exceptions import WebSocketException as _WebSocketError
except ImportError:  # without the websockets package there is no WebSocket to fail

    class _WebSocketError(Exception):  # type: ignore[no-redef]
        """Stands for the websockets package's errors when it is not installed."""


class _Link(asyncio.Protocol):
    """One connection: what arrives goes to the driver as it comes; ``closed`` resolves
    when the connection ends."""

    def __init__(self, driver: "AsyncClient") -> None:
        self.driver = driver
        self.closed: "asyncio.Future[None]" = driver._running.create_future()

    def data_received(self, data: bytes) -> None:
        self.driver._received(data)

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        if not self.closed.done():
            self.closed.set_result(None)
        if self.driver._link is self:
            self.driver._writable.set()

    def pause_writing(self) -> None:
        # The transport holds more than its high-water mark: publishers wait (flow control).
        # Only the connection in use speaks for it: an old one may still be draining.
        if self.driver._link is self:
            self.driver._writable.clear()

    def resume_writing(self) -> None:
        if self.driver._link is self:
            self.driver._writable.set()


class _BufferedLink(_Link, asyncio.BufferedProtocol):
    """A connection that reads into the session's own buffer (the abi3-py311 wheel)."""

    _view: Optional[memoryview] = None

    def get_buffer(self, sizehint: int) -> memoryview:
        # A memoryview, which the TLS layer slices; released before the buffer goes back,
        # since the session takes a buffer back only when no view of it is left. (TLS asks
        # again without buffer_updated when a read found no whole record.)
        self._release()
        self._view = memoryview(self.driver.client.get_buffer(sizehint))
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        self._release()
        self.driver._received_in_place(nbytes)

    def _release(self) -> None:
        if self._view is not None:
            self._view.release()
            self._view = None


# The buffer protocol is in the stable ABI from 3.11: only that wheel lends its buffer.
_LINK = _BufferedLink if hasattr(Client, "get_buffer") else _Link

# How long disconnect() waits for the DISCONNECT to be written and the connection closed.
_CLOSE_WAIT = 2.0

# The largest WebSocket message taken from the server: several packets may share one.
_WS_MAX_MESSAGE = 1 << 24

# The largest WebSocket message sent: what is written is cut into messages of this size.
_WS_OUT_MESSAGE = 1 << 16

# Bytes queued for a WebSocket above which QoS 0 publishers wait, and below which they go
# on (asyncio's defaults for a transport).
_WS_HIGH_WATER = 64 * 1024
_WS_LOW_WATER = 16 * 1024


class _Sink(Protocol):
    """Where the driver writes, and what it reads from: an asyncio transport, or a
    WebSocket link."""

    def write(self, data: bytes) -> None: ...

    def is_closing(self) -> bool: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


def _abort(sink: _Sink) -> None:
    """Drops a connection whose peer did not take its last bytes in time."""
    sink.abort()


class _WebSocketLink:
    """One connection over WebSocket (the ``websockets`` package): binary messages both
    ways, in order; a packet may span messages and a message may hold several. A text
    message from the server ends the connection."""

    def __init__(self, driver: "AsyncClient", ws: Any) -> None:
        self.driver = driver
        self.ws = ws
        self.closed: "asyncio.Future[None]" = driver._running.create_future()
        self._out: "asyncio.Queue[Optional[bytes]]" = asyncio.Queue()
        # Bytes queued and not sent yet: the driver's `_writable` goes with them, as an
        # asyncio transport's high and low water marks make it.
        self._queued = 0
        self._reading = asyncio.Event()
        self._reading.set()
        self._closing = False
        self._tasks = [asyncio.ensure_future(self._read()), asyncio.ensure_future(self._write())]

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                if not isinstance(message, bytes):
                    break
                if self.driver._link is not self:
                    break  # a link the driver has left: nothing of it reaches the session
                self.driver._received(message)
                # Paused (the application is behind): the next message waits in the
                # WebSocket, whose own limits and TCP's hold the server.
                await self._reading.wait()
        except Exception:  # the websockets package's ConnectionClosed, a reset socket
            pass
        finally:
            self._end()

    async def _write(self) -> None:
        try:
            while True:
                data = await self._out.get()
                if data is None:
                    break
                # MQTT packets may span WebSocket messages: large writes go out in pieces
                # that no server's message limit refuses.
                for at in range(0, len(data), _WS_OUT_MESSAGE):
                    await self.ws.send(data[at : at + _WS_OUT_MESSAGE])
                self._queued -= len(data)
                if self._queued <= _WS_LOW_WATER and self.driver._link is self:
                    self.driver._writable.set()
            await self.ws.close()
        except Exception:  # closed under it: the reader ends the link
            pass
        finally:
            self._end()

    def _end(self) -> None:
        self._closing = True
        if not self.closed.done():
            self.closed.set_result(None)
        self._out.put_nowait(None)

    def write(self, data: bytes) -> None:
        if not self._closing:
            self._out.put_nowait(data)
            self._queued += len(data)
            if self._queued > _WS_HIGH_WATER:
                self.driver._writable.clear()

    def is_closing(self) -> bool:
        return self._closing

    def pause_reading(self) -> None:
        self._reading.clear()

    def resume_reading(self) -> None:
        self._reading.set()

    def abort(self) -> None:
        """Drops the connection at once."""
        self._reading.set()
        for task in self._tasks:
            task.cancel()
        transport = getattr(self.ws, "transport", None)
        if transport is not None:
            transport.abort()
        self._end()

    def close(self) -> None:
        """Sends what is queued, then closes the WebSocket."""
        if not self._closing:
            self._closing = True
            self._out.put_nowait(None)


class AsyncClient:
    """The driver: one task owns the session and the socket; the methods send commands and
    await the session's answers."""

    def __init__(
        self,
        host: str,
        port: int = 1883,
        *,
        ssl: Optional[_ssl.SSLContext] = None,
        reconnect: bool = True,
        backoff: Tuple[float, float] = (0.05, 5.0),
        client: Optional[Client] = None,
        websocket_path: Optional[str] = None,
        connect_timeout: float = 10.0,
        max_buffered_messages: int = 1000,
        **client_options: Any,
    ) -> None:
        """A driver of a new ``Client(**client_options)`` (or of ``client``, for one restored
        with ``Client.from_session_state``) towards ``host:port``. Once connected it
        reconnects when ``reconnect``, waiting between attempts with exponential backoff
        between ``backoff`` seconds (a connection that ends at once, a takeover say, counts
        as a failed attempt); the first connection's failure is raised by ``start``. A
        connection not accepted by CONNACK within ``connect_timeout`` seconds is dropped.
        Subscriptions a server did not keep across a reconnect are made again. When
        ``max_buffered_messages`` received messages wait for ``messages()``, the driver stops
        reading the connection (TCP and TLS; the server then holds back) until half of them
        are taken. With
        ``websocket_path`` (``"/mqtt"``, say) it speaks MQTT over WebSocket (``wss`` with
        ``ssl``), subprotocol ``mqtt``; that needs the ``websockets`` package."""
        if websocket_path is not None:
            try:
                import websockets.asyncio.client  # noqa: F401
            except ImportError as e:
                raise ImportError("MQTT over WebSocket needs the websockets package: pip install websockets") from e
        self.websocket_path = websocket_path
        self.host = host
        self.port = port
        self.ssl = ssl
        self.reconnect = reconnect
        self.backoff = backoff
        self.connect_timeout = connect_timeout
        self.max_buffered_messages = max(1, max_buffered_messages)
        # Reading is paused because the application does not take its messages.
        self._reading_paused = False
        # How the last connection ended, for the error that reports it.
        self._disconnected: Optional[Disconnected] = None
        self.client = client if client is not None else Client(**client_options)
        # The loop is the one the driver first runs in (the client may be built outside it).
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._transport: Optional[_Sink] = None
        self._link: Optional[Union[_Link, "_WebSocketLink"]] = None
        self._task: Optional["asyncio.Task[None]"] = None
        self._connected_future: "Optional[asyncio.Future[Connected]]" = None
        self._pending: Dict[Tuple[str, int], "asyncio.Future[Any]"] = {}
        # Made in the running loop on first use (before 3.10 they bind to a loop when made).
        self._messages_queue: "Optional[asyncio.Queue[Optional[Message]]]" = None
        self._wake_event: Optional[asyncio.Event] = None
        self._writable_event: Optional[asyncio.Event] = None
        self._online_event: Optional[asyncio.Event] = None
        # The driver's own SUBSCRIBEs of what a new session lost, by packet id, and those
        # whose connection ended before their SUBACK: made again on the next connection.
        self._resubscribing: Dict[int, List[Subscription]] = {}
        self._resubscribe_next: List[Subscription] = []
        # The properties (Subscription Identifier, User Properties) each filter was
        # subscribed with, to subscribe again with them.
        self._subscribe_properties: Dict[str, Properties] = {}
        self._closing = False
        # The driver stopped: commands fail at once instead of waiting for ever.
        self._stopped = False
        # CONNACK accepted the connection now in use (not an earlier one).
        self._up = False
        # The session ended the connection now in use (a refusal, a protocol error).
        self._ended_by_session = False
        # The reason the server refused the last connection, if it did.
        self._refused: Optional[ReasonCode] = None
        # What the session raised while reading input (an authenticator that failed, say):
        # the connection ends and the driver stops with it, as for any other failure.
        self._input_error: Optional[BaseException] = None
        # The deadline the I/O loop sleeps towards, and whether a flush is scheduled.
        self._deadline: Optional[float] = None
        self._flush_scheduled = False

    @property
    def _running(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    @property
    def _messages(self) -> "asyncio.Queue[Optional[Message]]":
        """Messages received; None, after the last, when the driver stops."""
        if self._messages_queue is None:
            self._messages_queue = asyncio.Queue()
        return self._messages_queue

    @property
    def _writable(self) -> asyncio.Event:
        """Clear while the transport's buffer is above its high-water mark."""
        if self._writable_event is None:
            self._writable_event = asyncio.Event()
            self._writable_event.set()
        return self._writable_event

    @property
    def _online(self) -> asyncio.Event:
        """Set while a connection accepted by CONNACK is in use, or once the driver stopped."""
        if self._online_event is None:
            self._online_event = asyncio.Event()
        return self._online_event

    async def _until_online(self) -> None:
        """Waits for a connection accepted by CONNACK (at once when there is one): a QoS 0
        publish, a subscribe or an unsubscribe made while the driver reconnects waits for
        it, as QoS 1 and 2 publishes wait in the session."""
        while True:
            self._check_running()
            if self.client.is_connected:
                return
            await self._online.wait()
            if not self.client.is_connected and not self._stopped:
                self._online.clear()  # a connection that ended since: wait for the next

    @property
    def _wake(self) -> asyncio.Event:
        """Set when the I/O loop must look at the session's deadline again."""
        if self._wake_event is None:
            self._wake_event = asyncio.Event()
        return self._wake_event

    @property
    def _connected(self) -> "asyncio.Future[Connected]":
        if self._connected_future is None:
            self._connected_future = self._running.create_future()
        return self._connected_future

    def _now(self) -> float:
        return self._running.time()

    async def __aenter__(self) -> "AsyncClient":
        """Connects; see ``start``."""
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        """Disconnects cleanly."""
        await self.disconnect()

    async def start(self) -> Connected:
        """Opens the connection and waits for CONNACK; raises ``Refused`` if refused, and
        ``ConnectionLost`` if the connection failed or this driver was stopped already (a
        stopped driver does not start again: make a new one, with ``client=`` to keep the
        session). Cancelled, it stops the driver it started."""
        self._check_running()
        if self._task is not None:
            raise RuntimeError("start() was called already")
        self._task = asyncio.ensure_future(self._run())
        try:
            return await asyncio.shield(self._connected)
        except asyncio.CancelledError:
            # Nobody waits for this connection any more: it must not go on in the background,
            # and the session learns the connection is gone (it may be given to a new driver).
            self._closing = True
            self._task.cancel()
            if not self.client.is_connected:
                self.client.connection_lost(self._now())
                self.client.events()
            self._fail(ConnectionLost("start() was cancelled"))
            if self._connected.done() and not self._connected.cancelled():
                self._connected.exception()  # retrieved: the caller sees CancelledError
            raise

    def _flush(self) -> None:
        data = self.client.data_to_send()
        transport = self._transport
        if data and transport is not None and not transport.is_closing():
            transport.write(data)

    def _received(self, data: bytes) -> None:
        try:
            self.client.receive_data(data, self._now())
            self._after_input()
        except Exception as e:  # noqa: BLE001 - raised again by the I/O loop, see `_serve`
            self._input_failed(e)

    def _received_in_place(self, nbytes: int) -> None:
        try:
            self.client.buffer_updated(nbytes, self._now())
            self._after_input()
        except Exception as e:  # noqa: BLE001 - raised again by the I/O loop, see `_serve`
            self._input_failed(e)

    def _input_failed(self, error: BaseException) -> None:
        # Raised from an asyncio protocol callback it would only be logged (and over
        # WebSocket dropped): the I/O loop raises it, so the callers see it.
        if self._input_error is None:
            self._input_error = error
        self._wake.set()

    def _after_input(self) -> None:
        """What the session made of the input: events out, answers written, and the I/O loop
        woken when its deadline came nearer or the session ended the connection."""
        self._dispatch()
        self._flush()
        deadline = self.client.next_timeout()
        ended = (self._up or self._ended_by_session) and not self.client.is_connected
        if ended or (deadline is not None and (self._deadline is None or deadline < self._deadline)):
            self._wake.set()

    def _resubscribe(self, subscriptions: List[Subscription]) -> None:
        """Subscribes again to what a new session lost, with the properties each filter was
        subscribed with: one SUBSCRIBE per set of properties, or each filter alone when the
        server cannot take them together (too large, or one of them refused before
        sending)."""
        groups: List[Tuple[Optional[Properties], List[Subscription]]] = []
        for s in subscriptions:
            properties = self._subscribe_properties.get(s.filter)
            for held, group in groups:
                if held == properties:
                    group.append(s)
                    break
            else:
                groups.append((properties, [s]))
        for properties, group in groups:
            self._resubscribe_group(group, properties)

    def _resubscribe_group(self, subscriptions: List[Subscription], properties: Optional[Properties]) -> None:
        try:
            packet_id = self.client.subscribe(subscriptions, now=self._now(), properties=properties)
            self._resubscribing[packet_id] = list(subscriptions)
            return
        except (MqttError, ValueError):
            if len(subscriptions) == 1:
                return  # a server that cannot take it now: the application sees no messages
        for one in subscriptions:
            try:
                packet_id = self.client.subscribe([one], now=self._now(), properties=properties)
                self._resubscribing[packet_id] = [one]
            except (MqttError, ValueError):
                pass

    def _resolve(self, key: Tuple[str, int], value: Any, error: Optional[BaseException] = None) -> None:
        future = self._pending.pop(key, None)
        if future is not None and not future.done():
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(value)

    def _dispatch(self) -> None:
        for event in self.client.events():
            if isinstance(event, Message):
                self._messages.put_nowait(event)
                transport = self._transport
                full = self._messages.qsize() >= self.max_buffered_messages
                # Not while a PINGRESP is awaited: it may sit behind these messages, and
                # unread it would end the connection at the keep alive.
                pause = full and not self.client.awaiting_pingresp
                if pause and not self._reading_paused and transport is not None:
                    transport.pause_reading()
                    self._reading_paused = True
            elif isinstance(event, Connected):
                self._up = True
                self._online.set()
                if not self._connected.done():
                    self._connected.set_result(event)
                if self._resubscribe_next:
                    lost, self._resubscribe_next = self._resubscribe_next, []
                    self._resubscribe(lost)
            elif isinstance(event, ConnectionRefused):
                self._ended_by_session = True
                self._refused = event.reason_code
                if not self._connected.done():
                    # The first connection's refusal is the caller's to see, at once.
                    self._connected.set_exception(Refused(event.reason_code, event.server_speaks_v3))
                    self.reconnect = False
                elif event.reason_code not in _TRANSIENT_REFUSALS:
                    self.reconnect = False
            elif isinstance(event, Published):
                self._resolve(("pub", event.packet_id), event.packet_id)
            elif isinstance(event, PublishFailed):
                self._resolve(("pub", event.packet_id), None, PublishError(event))
            elif isinstance(event, Subscribed):
                self._resubscribing.pop(event.packet_id, None)
                self._resolve(("sub", event.packet_id), event.reason_codes)
            elif isinstance(event, Unsubscribed):
                self._resolve(("unsub", event.packet_id), event.reason_codes)
            elif isinstance(event, SubscribeLost):
                # The driver's own SUBSCRIBE of what a new session lost goes again on the
                # next connection: the session forgot those subscriptions when it was lost.
                self._resubscribe_next.extend(self._resubscribing.pop(event.packet_id, []))
                self._resolve(("sub", event.packet_id), None, ConnectionLost("no SUBACK: the connection ended"))
            elif isinstance(event, UnsubscribeLost):
                self._resolve(("unsub", event.packet_id), None, ConnectionLost("no UNSUBACK: the connection ended"))
            elif isinstance(event, SubscriptionsLost):
                # The server started a new session: the application's subscriptions are
                # made again, with their options, as a reconnecting client is expected to
                # keep them.
                self._resubscribe(event.subscriptions)
            elif isinstance(event, Disconnected):
                self._disconnected = event
                self._ended_by_session = True

    async def _run(self) -> None:
        try:
            await self._run_connections()
        except Exception as e:  # noqa: BLE001 - whatever stops the driver reaches its callers
            # The session refusing to connect (a CONNECT it cannot send, an authenticator
            # that raises) or any other failure: ``start()``, the pending calls and
            # ``messages()`` end with it instead of waiting for a task that is gone.
            self._fail(e)

    async def _run_connections(self) -> None:
        delay = self.backoff[0]
        while not self._closing:
            try:
                transport, link = await asyncio.wait_for(self._open(), self.connect_timeout)
            except (OSError, asyncio.TimeoutError, _WebSocketError) as e:
                # A certificate the server will keep presenting is not worth retrying, nor is
                # the first connection: its failure goes to the caller of ``start``.
                fatal = isinstance(e, _ssl.SSLCertVerificationError)
                first = not self._connected.done()
                if fatal or first or not self.reconnect or self._closing:
                    self._fail(ConnectionLost(str(e) or type(e).__name__))
                    return
                await asyncio.sleep(delay)  # backoff before the next attempt
                delay = min(delay * 2, self.backoff[1])
                continue
            self._transport = transport
            self._link = link
            self._up = False
            self._reading_paused = False
            self._writable.set()
            self._disconnected = None
            self._ended_by_session = False
            self._refused = None
            began = self._now()
            try:
                self.client.connect(self._now())
                self._flush()
                await self._serve(link)
            finally:
                self._transport = None
                if not self._stopped:
                    self._online.clear()
                transport.close()
                # A peer that takes no more bytes would hold the socket open for ever.
                self._running.call_later(_CLOSE_WAIT, _abort, transport)
            if not self._connected.done() or not self.reconnect or self._closing:
                break
            # Only a connection that served a while resets the backoff: one the server ends
            # at once (a takeover, a packet it refuses) must not be retried in a tight loop.
            if self._up and self._now() - began >= self.backoff[1]:
                delay = self.backoff[0]
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff[1])
        if self._refused is not None:
            # A reconnect the server refused for good: the error says why.
            lost = ConnectionLost(f"refused on reconnecting: {self._refused!r}")
            lost.reason_code = self._refused
            lost.by_server = True
            self._fail(lost)
            return
        self._fail(ConnectionLost("closed", self._disconnected))

    async def _open(self) -> Tuple[_Sink, Union[_Link, _WebSocketLink]]:
        """A new connection: TCP (TLS with ``ssl``), or a WebSocket over it."""
        if self.websocket_path is None:
            transport, link = await self._running.create_connection(
                lambda: _LINK(self), self.host, self.port, ssl=self.ssl
            )
            assert isinstance(transport, asyncio.Transport)
            return transport, link
        from websockets.asyncio.client import connect as ws_connect
        from websockets.typing import Subprotocol

        scheme = "ws" if self.ssl is None else "wss"
        ws = await ws_connect(
            f"{scheme}://{self.host}:{self.port}{self.websocket_path}",
            subprotocols=[Subprotocol("mqtt")],
            ssl=self.ssl,
            compression=None,
            proxy=None,
            # MQTT's keep alive is the session's; the WebSocket's own pings are off.
            ping_interval=None,
            close_timeout=_CLOSE_WAIT,
            max_size=_WS_MAX_MESSAGE,
        )
        ws_link = _WebSocketLink(self, ws)
        return ws_link, ws_link

    async def _serve(self, link: Union[_Link, _WebSocketLink]) -> None:
        """Keeps time for the session until the connection ends (the link hands over what
        arrives as it comes)."""
        accept_by = self._now() + self.connect_timeout
        while True:
            deadline = self._deadline = self.client.next_timeout()
            if not self._up:
                # CONNACK must come within the connect timeout.
                deadline = accept_by if deadline is None else min(deadline, accept_by)
            timeout = None if deadline is None else max(0.0, deadline - self._now())
            wake: "asyncio.Future[Any]" = asyncio.ensure_future(self._wake.wait())
            waiting: "Set[asyncio.Future[Any]]" = {link.closed, wake}
            done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            wake.cancel()
            self._wake.clear()
            if self._input_error is not None:
                raise self._input_error
            if link.closed.done():
                self.client.connection_lost(self._now())
                self._dispatch()
                return
            if not done and not self._up and self._now() >= accept_by:
                self.client.connection_lost(self._now())
                self._dispatch()
                return
            if not done:
                # A reader paused behind a slow application still has to see PINGRESP: it
                # reads again when the session's timer is due, and does not pause again
                # while the PINGRESP is awaited (see `_dispatch`).
                if self._reading_paused and self._transport is not None:
                    self._reading_paused = False
                    self._transport.resume_reading()
                self.client.handle_timeout(self._now())
            self._dispatch()
            self._flush()
            # Not connected after CONNACK came on this connection, or a refused or malformed
            # CONNACK: the session ended it, and the connection is closed at once
            # ([MQTT-4.13.1-1]) rather than when the connect timeout runs out.
            if not self.client.is_connected and (self._up or self._closing or self._ended_by_session):
                if self._closing:
                    return
                # The session ended the connection (keep alive, a protocol error).
                self.client.connection_lost(self._now())
                self._dispatch()
                return

    def _fail(self, error: BaseException) -> None:
        """The driver stops: every waiting call fails with ``error``, ``messages()`` ends."""
        connected = self._connected_future
        if connected is not None and not connected.done():
            connected.set_exception(error)
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()
        self._stopped = True
        self._messages.put_nowait(None)
        # Nobody waits on a flow that is over, nor for a connection.
        self._writable.set()
        self._online.set()

    def _check_running(self) -> None:
        if self._stopped:
            raise ConnectionLost("the driver stopped (disconnect(), or a failure it does not retry)")

    def _command(self) -> None:
        # One write per turn of the event loop for all the commands given in it, rather than
        # one each; the I/O loop wakes only if the session's deadline came nearer.
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._running.call_soon(self._scheduled_flush)
        deadline = self.client.next_timeout()
        if deadline is not None and (self._deadline is None or deadline < self._deadline):
            self._wake.set()

    def _scheduled_flush(self) -> None:
        self._flush_scheduled = False
        self._flush()

    async def publish(
        self,
        topic: str,
        payload: Union[bytes, bytearray, memoryview, str],
        qos: Union[QoS, int] = QoS.AT_MOST_ONCE,
        retain: bool = False,
        properties: Optional[Properties] = None,
    ) -> Optional[int]:
        """Publishes; returns once the flow completed (QoS 1: PUBACK, QoS 2: PUBCOMP) with the
        packet id, or for QoS 0 (None) once it is handed to the connection, after waiting
        while the connection's buffer is full. Raises ``PublishError`` if it failed. A QoS 1
        or 2 message survives reconnects when the server keeps the session
        (``clean_start=False``, and in 5.0 a ``session_expiry_interval``): the session
        resends it; without one it fails when the connection drops."""
        self._check_running()
        if int(qos) == 0:
            # Flow control before the message is queued: a caller that gives up while the
            # transport holds more than its high-water mark (or while the driver
            # reconnects) has queued nothing. Room may come from a new connection before
            # its CONNACK: wait for both.
            while True:
                await self._until_online()
                await self._writable.wait()
                self._check_running()
                if self.client.is_connected:
                    break
        packet_id = self.client.publish(topic, payload, qos=qos, retain=retain, properties=properties, now=self._now())
        if packet_id is None:
            self._command()
            # A loop of QoS 0 publishes yields to the event loop, which writes them.
            await asyncio.sleep(0)
            return None
        future: "asyncio.Future[Any]" = self._running.create_future()
        self._pending[("pub", packet_id)] = future
        self._command()
        result: Optional[int] = await future
        return result

    async def subscribe(
        self, subscriptions: _Subscriptions, *, properties: Optional[Properties] = None
    ) -> List[ReasonCode]:
        """Subscribes; returns the SUBACK's codes. ``properties`` (5.0): a Subscription
        Identifier, User Properties, kept to subscribe again with them when a new session
        lost the subscriptions. Waits for a connection while the driver reconnects;
        ``ConnectionLost`` if the connection ends before the SUBACK (the driver goes on:
        call again)."""
        if isinstance(subscriptions, (str, bytes)):
            raise TypeError("subscriptions must be an iterable of subscriptions, not a single str")
        subscriptions = list(subscriptions)
        await self._until_online()
        packet_id = self.client.subscribe(subscriptions, now=self._now(), properties=properties)
        for s in subscriptions:
            name = s.filter if isinstance(s, Subscription) else s if isinstance(s, str) else s[0]
            if properties:
                self._subscribe_properties[name] = properties
            else:
                self._subscribe_properties.pop(name, None)
        future: "asyncio.Future[Any]" = self._running.create_future()
        self._pending[("sub", packet_id)] = future
        self._command()
        codes: List[ReasonCode] = await future
        return codes

    async def unsubscribe(self, filters: Iterable[str]) -> List[ReasonCode]:
        """Unsubscribes; returns the UNSUBACK's codes (none in 3.1.1). Waits for a connection
        while the driver reconnects; ``ConnectionLost`` if the connection ends before the
        UNSUBACK (the driver goes on: call again)."""
        if isinstance(filters, (str, bytes)):
            raise TypeError("filters must be an iterable of str, not a single str")
        filters = list(filters)
        await self._until_online()
        packet_id = self.client.unsubscribe(filters, now=self._now())
        for name in filters:
            self._subscribe_properties.pop(name, None)
        future: "asyncio.Future[Any]" = self._running.create_future()
        self._pending[("unsub", packet_id)] = future
        self._command()
        codes: List[ReasonCode] = await future
        return codes

    async def messages(self) -> AsyncIterator[Message]:
        """The messages received, as they come; ends when the driver stops."""
        while True:
            message = await self._messages.get()
            if message is None:
                self._messages.put_nowait(None)  # for any other reader
                return
            if self._reading_paused and self._messages.qsize() <= self.max_buffered_messages // 2:
                self._reading_paused = False
                transport = self._transport
                if transport is not None and not transport.is_closing():
                    transport.resume_reading()
            yield message

    async def disconnect(self) -> None:
        """Sends DISCONNECT, closes the connection and stops the driver."""
        self._closing = True
        if self.client.is_connected:
            self.client.disconnect(self._now())
            self._flush()
        link = self._link
        if self._transport is not None:
            # The transport writes what it holds (the DISCONNECT), then closes.
            self._transport.close()
        if link is not None:
            try:
                await asyncio.wait_for(asyncio.shield(link.closed), _CLOSE_WAIT)
            except asyncio.TimeoutError:
                # A peer that does not take its last bytes does not hold us, nor the socket.
                if self._transport is not None:
                    _abort(self._transport)
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, MqttError):
                pass
        if not self.client.is_connected:
            # Cancelled while connecting: the session learns the connection is gone.
            self.client.connection_lost(self._now())
            self.client.events()
        # Cancelled, the task did not get to fail what still waits (a QoS 1 or 2 publish
        # without its acknowledgement).
        self._fail(ConnectionLost("closed by disconnect()"))


def connect(
    host: str,
    port: int = 1883,
    *,
    client_id: str = "",
    version: ProtocolVersion = ProtocolVersion.V5,
    keep_alive: int = 60,
    **options: Any,
) -> AsyncClient:
    """An ``AsyncClient`` to use with ``async with``: it connects on entry and disconnects
    on exit. Other keywords go to ``Client`` (clean_start, session_expiry_interval, ...) or
    to the driver (ssl, reconnect, backoff, websocket_path, connect_timeout,
    max_buffered_messages)."""
    driver_keys = {
        "ssl",
        "reconnect",
        "backoff",
        "client",
        "websocket_path",
        "connect_timeout",
        "max_buffered_messages",
    }
    driver = {k: v for k, v in options.items() if k in driver_keys}
    client_options = {k: v for k, v in options.items() if k not in driver_keys}
    return AsyncClient(
        host, port, client_id=client_id, version=version, keep_alive=keep_alive, **driver, **client_options
    )
