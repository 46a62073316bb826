"""An asyncio MQTT client on mqtt_codec.Client, the sans-IO session: it connects, subscribes
to its own topic, publishes at QoS 0, 1 and 2, prints what comes back, and disconnects.

    python examples/asyncio_client.py [HOST] [PORT] [5|3.1.1]

The session decides everything (packet ids, acknowledgements, keep alive); this file only
moves bytes between it and the socket, and tells it the time.
"""

import asyncio
import sys
import time
from typing import List

from mqtt_codec import Client, ProtocolVersion, QoS
from mqtt_codec.client import Connected, ConnectionRefused, Disconnected, Event, Message, Published, Subscribed


class AsyncClient:
    """Drives a Client over an asyncio stream."""

    def __init__(self, client: Client, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Wraps a session and its connection."""
        self.client = client
        self.reader = reader
        self.writer = writer
        self.events: "asyncio.Queue[Event]" = asyncio.Queue()
        self.task = asyncio.ensure_future(self._run())

    @staticmethod
    def now() -> float:
        """The session's clock."""
        return time.monotonic()

    async def flush(self) -> None:
        """Writes what the session has to send."""
        data = self.client.data_to_send()
        if data:
            self.writer.write(data)
            await self.writer.drain()

    async def _run(self) -> None:
        """Reads the socket, feeds the session, runs its timers."""
        while True:
            deadline = self.client.next_timeout()
            timeout = None if deadline is None else max(0.0, deadline - self.now())
            try:
                data = await asyncio.wait_for(self.reader.read(65536), timeout)
            except asyncio.TimeoutError:
                self.client.handle_timeout(self.now())
            else:
                if not data:
                    self.client.connection_lost(self.now())
                    self._take_events()
                    return
                self.client.receive_data(data, self.now())
            self._take_events()
            await self.flush()

    def _take_events(self) -> None:
        for event in self.client.events():
            self.events.put_nowait(event)

    async def next_event(self, timeout: float = 10.0) -> Event:
        """The next event, waiting for it."""
        return await asyncio.wait_for(self.events.get(), timeout)


async def main(host: str, port: int, version: ProtocolVersion) -> List[str]:
    """Connects, round-trips three messages through the broker, and disconnects; returns the
    payloads received."""
    reader, writer = await asyncio.open_connection(host, port)
    client = Client(f"asyncio-{int(time.time() * 1000) % 100000}", version=version, keep_alive=30)
    conn = AsyncClient(client, reader, writer)
    client.connect(conn.now())
    await conn.flush()
    event = await conn.next_event()
    if isinstance(event, ConnectionRefused):
        raise SystemExit(f"refused: {event.reason_code!r}")
    assert isinstance(event, Connected), event
    topic = f"mqtt-codec/asyncio/{client.client_id}"
    client.subscribe([(topic, QoS.EXACTLY_ONCE)], conn.now())
    await conn.flush()
    assert isinstance(await conn.next_event(), Subscribed)
    for qos in (QoS.AT_MOST_ONCE, QoS.AT_LEAST_ONCE, QoS.EXACTLY_ONCE):
        client.publish(topic, f"hello at {qos.name}".encode(), qos=qos, now=conn.now())
    await conn.flush()
    received: List[str] = []
    published = 0
    while len(received) < 3 or published < 2:
        event = await conn.next_event()
        if isinstance(event, Message):
            received.append(event.payload.decode())
            print(f"{event.topic} (QoS {int(event.qos)}): {event.payload.decode()}")
        elif isinstance(event, Published):
            published += 1
        elif isinstance(event, Disconnected):
            raise SystemExit(f"disconnected: {event!r}")
    client.disconnect(conn.now())
    await conn.flush()
    writer.close()
    conn.task.cancel()
    return received


if __name__ == "__main__":
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 1883
    version = ProtocolVersion.V3_1_1 if sys.argv[3:] == ["3.1.1"] else ProtocolVersion.V5
    asyncio.run(main(host, port, version))
