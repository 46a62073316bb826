"""Driver throughput, Python: what mqtt_codec.aio costs over the bare session, beside paho-mqtt.

Three clients, each run as one publisher and one subscriber of the same library, through one
reference broker process (``--broker-bin``) over loopback:

- (a) bare session: ``mqtt_codec.Client`` (the sans-IO session) under asyncio's lowest-level
  socket interface, an ``asyncio.Protocol``: ``data_received`` hands the bytes to the
  session, handles its events, and writes what it has to send; the lower bound, what the
  session costs with the least I/O code around it;
- (b) asyncio driver: ``mqtt_codec.aio.AsyncClient``, ``await publish(...)`` resolving at
  PUBACK, messages from ``messages()``;
- (c) paho-mqtt 2.x: ``paho.mqtt.client.Client`` with its network loop in its own thread
  (``loop_start``), publishing from the main thread, counting in its callbacks.

Each run: the subscriber connects and subscribes (QoS 1) to a topic of the run's own, the
publisher connects, then publishes ``--messages`` QoS 1 messages of 64 bytes (a sequence
number and filler), never more than ``--inflight`` unacknowledged: (a) counts the window
itself, (b) runs that many tasks each awaiting one ``publish`` at a time, (c) is paho's own
``max_inflight_messages_set`` (it queues the rest). Timed from the first publish to the last
PUBACK and to the last delivery (each sequence number counted once). MQTT 3.1.1, clean
sessions, keep alive 60 s, Nagle's algorithm off everywhere (asyncio turns it off on its
TCP sockets; paho does not, so it is turned off on paho's socket after connect).

The subscriber is of the same library, not a fixed one: a driver's overhead is on both paths
(publishes and acknowledgements out, messages in), and a fixed subscriber would cap every
delivery rate at its own speed.

Runs are interleaved round by round (a b c a b c ...) so that drift on the machine hits all
three alike; the ratios are taken per round and their median printed. Also printed: this
process's CPU time (both clients; ``time.process_time``) and the broker's (/proc) per
message.

Usage: python driver_throughput.py --broker-bin PATH [--messages N] [--rounds N]
       [--inflight N] [--timeout S]
"""

import argparse
import asyncio
import importlib.metadata
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

from mqtt_codec import Client, ProtocolVersion, QoS, aio
from mqtt_codec.client import (
    ConnectionRefused,
    Connected,
    Disconnected,
    Message,
    Published,
    PublishFailed,
    Subscribed,
)

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

PAYLOAD_LEN = 64
FILLER = b"x" * (PAYLOAD_LEN - 4)
SETUP_TIMEOUT = 10.0


def payload(seq: int) -> bytes:
    """Message ``seq``'s payload: the sequence number, then filler to 64 bytes. Built afresh
    for every message by all three clients, as an application would."""
    return seq.to_bytes(4, "big") + FILLER


class Deliveries:
    """The deliveries of a subscriber, by sequence number."""

    def __init__(self, messages: int) -> None:
        """None seen of ``messages``."""
        self.seen = bytearray(messages)
        self.unique = 0
        self.duplicates = 0
        self.messages = messages

    def record(self, data: bytes) -> bool:
        """Counts one delivery; true once every message arrived."""
        seq = int.from_bytes(data[:4], "big")
        if seq < self.messages and not self.seen[seq]:
            self.seen[seq] = 1
            self.unique += 1
        else:
            self.duplicates += 1
        return self.unique == self.messages


class RunFailed(Exception):
    """A run that did not complete: a refused or lost connection, a failed publish, a timeout."""


def check(event: Any) -> None:
    """Raises for an event that ends a run."""
    if isinstance(event, (ConnectionRefused, PublishFailed, Disconnected)):
        raise RunFailed(repr(event))


# (a) the bare session ---------------------------------------------------------------------


class BareClient(asyncio.Protocol):
    """(a): a session under an ``asyncio.Protocol``. Everything happens in ``data_received``:
    the bytes go into the session, its events are handled (``on_event``), and whatever the
    session then has to send is written in one ``transport.write``."""

    def __init__(self, client_id: str, inflight: int, messages: int) -> None:
        """A session for a 3.1.1 clean connection with the run's window."""
        self.session = Client(
            client_id,
            version=ProtocolVersion.V3_1_1,
            max_inflight=inflight,
            receive_maximum=inflight,
            max_queued=messages,
        )
        self.loop = asyncio.get_running_loop()
        self.transport: Optional[asyncio.Transport] = None
        # Resolved at CONNACK, then at SUBACK (subscriber), then at the end of the run.
        self.waiter: "asyncio.Future[Any]" = self.loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Sends CONNECT."""
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.session.connect(self.loop.time())
        self.flush()

    def flush(self) -> None:
        """Writes what the session has to send."""
        data = self.session.data_to_send()
        if data and self.transport is not None:
            self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        """Bytes from the broker: into the session, events handled, the answers written."""
        now = self.loop.time()
        self.session.receive_data(data, now)
        # No timer of its own: under this load bytes arrive every few microseconds, and a run
        # is far shorter than the keep alive; a client for real use would also call later.
        deadline = self.session.next_timeout()
        if deadline is not None and deadline <= now:
            self.session.handle_timeout(now)
        try:
            for event in self.session.events():
                self.on_event(event)
        except RunFailed as e:
            self.fail(e)
        self.flush()

    def on_event(self, event: Any) -> None:
        """Handles one event of the session (CONNACK here; the roles add theirs)."""
        check(event)
        if isinstance(event, Connected):
            self.waiter.set_result(event)

    def fail(self, error: BaseException) -> None:
        """Ends the run in error."""
        if not self.waiter.done():
            self.waiter.set_exception(error)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        """The connection ended: a failure while the run lasts."""
        self.fail(RunFailed(f"connection lost: {exc}"))

    def next_waiter(self) -> "asyncio.Future[Any]":
        """A fresh future for the next step."""
        self.waiter = self.loop.create_future()
        return self.waiter

    def close(self) -> None:
        """DISCONNECT, then the socket closed."""
        if self.session.is_connected:
            self.session.disconnect(self.loop.time())
            self.flush()
        if self.transport is not None:
            self.transport.close()


class BarePublisher(BareClient):
    """(a)'s publisher: fills the window, and publishes the next message on each PUBACK."""

    def start(self, topic: str, messages: int, inflight: int) -> "asyncio.Future[Any]":
        """Publishes the first window; the future resolves at the last PUBACK."""
        self.topic, self.messages, self.sent, self.acked = topic, messages, 0, 0
        done = self.next_waiter()
        now = self.loop.time()
        for _ in range(min(inflight, messages)):
            self.publish_next(now)
        self.flush()
        return done

    def publish_next(self, now: float) -> None:
        """Hands the next message to the session."""
        self.session.publish(self.topic, payload(self.sent), qos=QoS.AT_LEAST_ONCE, now=now)
        self.sent += 1

    def on_event(self, event: Any) -> None:
        """A PUBACK frees a place in the window: the next message takes it."""
        if isinstance(event, Published):
            self.acked += 1
            if self.sent < self.messages:
                self.publish_next(self.loop.time())
            elif self.acked == self.messages:
                self.waiter.set_result(time.perf_counter())
        else:
            super().on_event(event)


class BareSubscriber(BareClient):
    """(a)'s subscriber: counts the messages (the session acknowledges each; ``flush`` in
    ``data_received`` writes the PUBACKs)."""

    deliveries: Optional[Deliveries] = None

    def on_event(self, event: Any) -> None:
        """SUBACK resolves the subscription; messages are counted."""
        if isinstance(event, Message):
            if self.deliveries is not None and self.deliveries.record(event.payload):
                self.waiter.set_result(time.perf_counter())
        elif isinstance(event, Subscribed):
            self.waiter.set_result(event)
        else:
            super().on_event(event)


async def run_bare(port: int, topic: str, messages: int, inflight: int, timeout: float) -> Tuple[float, float, float, int]:
    """One run of (a); returns the first publish's time, the last PUBACK's, the last
    delivery's, and the duplicates."""
    loop = asyncio.get_running_loop()
    _, sub = await loop.create_connection(lambda: BareSubscriber(f"{topic}-sub", inflight, messages), "127.0.0.1", port)
    await asyncio.wait_for(sub.waiter, SETUP_TIMEOUT)
    subscribed = sub.next_waiter()
    sub.session.subscribe([(topic, QoS.AT_LEAST_ONCE)], now=loop.time())
    sub.flush()
    await asyncio.wait_for(subscribed, SETUP_TIMEOUT)
    sub.deliveries = Deliveries(messages)
    delivered = sub.next_waiter()
    _, pub = await loop.create_connection(lambda: BarePublisher(f"{topic}-pub", inflight, messages), "127.0.0.1", port)
    await asyncio.wait_for(pub.waiter, SETUP_TIMEOUT)
    first = time.perf_counter()
    acked = pub.start(topic, messages, inflight)
    try:
        last_ack, last = await asyncio.wait_for(asyncio.gather(acked, delivered), timeout)
    except asyncio.TimeoutError:
        raise RunFailed(f"timed out: {pub.acked} of {messages} acknowledged, {sub.deliveries.unique} delivered")
    finally:
        pub.close()
        sub.close()
    return first, last_ack, last, sub.deliveries.duplicates


# (b) the asyncio driver -------------------------------------------------------------------


async def run_aio(port: int, topic: str, messages: int, inflight: int, timeout: float) -> Tuple[float, float, float, int]:
    """One run of (b): ``inflight`` tasks each awaiting one ``publish`` at a time (it resolves
    at PUBACK), so that the window stays full as it does for the others."""

    def driver(role: str) -> aio.AsyncClient:
        # No reconnect: a lost connection fails the run instead of being hidden by a retry.
        return aio.AsyncClient(
            "127.0.0.1",
            port,
            reconnect=False,
            client_id=f"{topic}-{role}",
            version=ProtocolVersion.V3_1_1,
            max_inflight=inflight,
            receive_maximum=inflight,
            max_queued=messages,
        )

    sub = driver("sub")
    await asyncio.wait_for(sub.start(), SETUP_TIMEOUT)
    await asyncio.wait_for(sub.subscribe([(topic, QoS.AT_LEAST_ONCE)]), SETUP_TIMEOUT)
    pub = driver("pub")
    await asyncio.wait_for(pub.start(), SETUP_TIMEOUT)
    deliveries = Deliveries(messages)
    progress = {"acked": 0}

    async def receive() -> float:
        async for message in sub.messages():
            if deliveries.record(message.payload):
                break
        return time.perf_counter()

    next_seq = iter(range(messages))

    async def publisher() -> None:
        for seq in next_seq:
            await pub.publish(topic, payload(seq), qos=QoS.AT_LEAST_ONCE)
            progress["acked"] += 1

    receiving = asyncio.ensure_future(receive())
    first = time.perf_counter()
    workers = [asyncio.ensure_future(publisher()) for _ in range(min(inflight, messages))]

    async def publish_all() -> float:
        await asyncio.gather(*workers)
        return time.perf_counter()

    try:
        last_ack, last = await asyncio.wait_for(asyncio.gather(publish_all(), receiving), timeout)
    except asyncio.TimeoutError:
        raise RunFailed(f"timed out: {progress['acked']} of {messages} acknowledged, {deliveries.unique} delivered")
    finally:
        for task in [*workers, receiving]:
            task.cancel()
        await pub.disconnect()
        await sub.disconnect()
    return first, last_ack, last, deliveries.duplicates


# (c) paho-mqtt ----------------------------------------------------------------------------


def run_paho(port: int, topic: str, messages: int, inflight: int, timeout: float) -> Tuple[float, float, float, int]:
    """One run of (c): each client's network loop in its own thread (``loop_start``),
    publishing from this thread, counting in paho's callbacks."""
    deliveries = Deliveries(messages)
    times: Dict[str, float] = {}
    progress = {"acked": 0}
    connected = {"sub": threading.Event(), "pub": threading.Event()}
    subscribed, all_acked, all_delivered = threading.Event(), threading.Event(), threading.Event()

    def client(role: str) -> paho.Client:
        c = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"{topic}-{role}",
            protocol=paho.MQTTv311,
            clean_session=True,
        )
        c.max_inflight_messages_set(inflight)
        c.max_queued_messages_set(0)  # no limit: paho queues what the window does not take

        def on_connect(_c: Any, _u: Any, _flags: Any, reason_code: Any, _p: Any) -> None:
            if reason_code == 0:
                connected[role].set()

        c.on_connect = on_connect
        c.connect("127.0.0.1", port, keepalive=60)
        sock = c.socket()
        assert isinstance(sock, socket.socket)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.loop_start()
        if not connected[role].wait(SETUP_TIMEOUT):
            raise RunFailed(f"{role}: no CONNACK")
        return c

    def on_message(_c: Any, _u: Any, message: Any) -> None:
        if deliveries.record(message.payload):
            times["last"] = time.perf_counter()
            all_delivered.set()

    def on_publish(_c: Any, _u: Any, _mid: int, _rc: Any, _p: Any) -> None:
        progress["acked"] += 1
        if progress["acked"] == messages:
            times["last_ack"] = time.perf_counter()
            all_acked.set()

    sub = client("sub")
    pub: Optional[paho.Client] = None
    try:
        sub.on_message = on_message
        sub.on_subscribe = lambda *_: subscribed.set()
        sub.subscribe(topic, qos=1)
        if not subscribed.wait(SETUP_TIMEOUT):
            raise RunFailed("no SUBACK")
        pub = client("pub")
        pub.on_publish = on_publish
        first = time.perf_counter()
        for seq in range(messages):
            pub.publish(topic, payload(seq), qos=1)
        end = time.monotonic() + timeout
        if not (all_acked.wait(timeout) and all_delivered.wait(max(0.0, end - time.monotonic()))):
            raise RunFailed(f"timed out: {progress['acked']} of {messages} acknowledged, {deliveries.unique} delivered")
    finally:
        for c in (pub, sub):
            if c is not None:
                c.disconnect()
                c.loop_stop()
    return first, times["last_ack"], times["last"], deliveries.duplicates


# the run ----------------------------------------------------------------------------------

LIBS: List[Tuple[str, str]] = [
    ("bare", "(a) bare session"),
    ("aio", "(b) asyncio driver"),
    ("paho", "(c) paho-mqtt"),
]


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago, for the broker."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_broker(binary: str, inflight: int, messages: int, log_path: str) -> Tuple["subprocess.Popen[bytes]", int]:
    """Starts our broker on a free port (its window towards the subscriber the publishers'
    window, a queue above the run's message count) and waits until it listens."""
    port = free_port()
    os.makedirs(os.path.dirname(log_path) or ".", exist_ok=True)
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [binary, "--listen", f"127.0.0.1:{port}", "--receive-maximum", str(inflight),
         "--max-queued", str(max(1000, 2 * messages)), "--log-level", "warn"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the broker exited at start ({proc.returncode}); see {log_path}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.02)
    proc.kill()
    raise SystemExit(f"the broker did not listen on port {port}")


def cpu_of(pid: int) -> Optional[float]:
    """The CPU time of process ``pid``'s threads so far, in seconds: the sum of their
    /proc/PID/task/TID/schedstat, in nanoseconds (/proc/PID/stat counts 10 ms ticks, too
    coarse for runs of a fraction of a second). None where /proc does not say."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, IndexError, ValueError):
            continue  # a thread that ended while we listed them
    return total / 1e9


def run_one(lib: str, round_no: int, port: int, broker_pid: int, args: argparse.Namespace) -> Dict[str, float]:
    """One run of ``lib``: its rates and CPU per message."""
    topic = f"bench-{lib}-{round_no}"
    cpu0, broker0 = time.process_time(), cpu_of(broker_pid)
    if lib == "bare":
        first, last_ack, last, dup = asyncio.run(run_bare(port, topic, args.messages, args.inflight, args.timeout))
    elif lib == "aio":
        first, last_ack, last, dup = asyncio.run(run_aio(port, topic, args.messages, args.inflight, args.timeout))
    else:
        first, last_ack, last, dup = run_paho(port, topic, args.messages, args.inflight, args.timeout)
    cpu1, broker1 = time.process_time(), cpu_of(broker_pid)
    n = args.messages
    return {
        "acked": n / (last_ack - first),
        "delivered": n / (last - first),
        "dup": dup,
        "client_cpu": (cpu1 - cpu0) * 1e6 / n,
        "broker_cpu": (broker1 - broker0) * 1e6 / n if broker0 is not None and broker1 is not None else float("nan"),
    }


def fmt(value: float, decimals: int) -> str:
    """A figure, or ? for NaN."""
    return "?" if value != value else f"{value:.{decimals}f}"


def table(results: Dict[Tuple[int, str], Dict[str, float]], rounds: int) -> str:
    """Per client the medians over the rounds; then the ratios, each the median of the
    per-round ratios (runs of one round are seconds apart, so drift cancels)."""
    lines = [
        "| client | msg/s to last PUBACK (median; min–max) | msg/s to last delivery (median; min–max) "
        "| client CPU µs/msg | broker CPU µs/msg | runs | dup |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]

    def med(values: List[float]) -> float:
        values = [v for v in values if v == v]
        return statistics.median(values) if values else float("nan")

    def spread(values: List[float]) -> str:
        return f"{min(values):.0f}–{max(values):.0f}" if values else "?"

    for lib, name in LIBS:
        runs = [r for (_, l), r in sorted(results.items()) if l == lib]
        acked = [r["acked"] for r in runs]
        delivered = [r["delivered"] for r in runs]
        lines.append(
            f"| {name} | {fmt(med(acked), 0)} ({spread(acked)}) | {fmt(med(delivered), 0)} ({spread(delivered)}) "
            f"| {fmt(med([r['client_cpu'] for r in runs]), 1)} | {fmt(med([r['broker_cpu'] for r in runs]), 1)} "
            f"| {len(runs)} of {rounds} | {sum(int(r['dup']) for r in runs)} |"
        )
    lines += ["", "| ratio (median of per-round ratios) | msg/s to last PUBACK | msg/s to last delivery | client CPU µs/msg |",
              "|---|---:|---:|---:|"]

    def ratio(num: str, den: str, key: str) -> str:
        per_round = [
            results[(r, num)][key] / results[(r, den)][key]
            for r in range(rounds)
            if (r, num) in results and (r, den) in results and results[(r, den)][key]
        ]
        return fmt(med(per_round), 2)

    for label, num, den in [
        ("(b)/(a): asyncio driver / bare session", "aio", "bare"),
        ("(b)/(c): asyncio driver / paho-mqtt", "aio", "paho"),
        ("(a)/(c): bare session / paho-mqtt", "bare", "paho"),
    ]:
        lines.append(f"| {label} | {ratio(num, den, 'acked')} | {ratio(num, den, 'delivered')} | {ratio(num, den, 'client_cpu')} |")
    return "\n".join(lines)


def main() -> None:
    """Starts the broker, runs the rounds, prints the tables (progress goes to stderr)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--broker-bin", default="target/release/examples/broker", help="our reference broker")
    parser.add_argument("--messages", type=int, default=20000, help="QoS 1 messages per run")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of (a), (b), (c)")
    parser.add_argument("--inflight", type=int, default=100, help="QoS 1 in-flight window of every publisher")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a run may take before it fails")
    parser.add_argument("--log", default="target/driver_throughput/broker-python.log", help="the broker's log")
    args = parser.parse_args()
    broker, port = start_broker(args.broker_bin, args.inflight, args.messages, args.log)
    results: Dict[Tuple[int, str], Dict[str, float]] = {}
    failures: List[str] = []
    try:
        for round_no in range(args.rounds):
            # The three back to back in every round, so that drift hits them alike.
            for lib, name in LIBS:
                print(f"round {round_no + 1} {name} ... ", end="", file=sys.stderr, flush=True)
                try:
                    r = run_one(lib, round_no, port, broker.pid, args)
                except (RunFailed, OSError, aio.ConnectionLost) as e:
                    print(f"failed: {e}", file=sys.stderr)
                    failures.append(f"round {round_no + 1} {name}: {e}")
                    continue
                results[(round_no, lib)] = r
                print(
                    f"{r['acked']:.0f} msg/s acked, {r['delivered']:.0f} msg/s delivered, "
                    f"client CPU {r['client_cpu']:.1f} µs/msg, broker CPU {fmt(r['broker_cpu'], 1)} µs/msg"
                    + (f", {int(r['dup'])} duplicates" if r["dup"] else ""),
                    file=sys.stderr,
                )
                if broker.poll() is not None:
                    raise SystemExit(f"the broker died; see {args.log}")
    finally:
        broker.kill()
        broker.wait()
    print(table(results, args.rounds))
    print()
    print(
        f"{args.messages} QoS 1 messages of {PAYLOAD_LEN} bytes per run, in-flight window {args.inflight}, "
        f"{args.rounds} rounds (a b c per round), one publisher and one subscriber per run, MQTT 3.1.1, "
        f"our broker on loopback; Python {sys.version.split()[0]}, paho-mqtt {importlib.metadata.version('paho-mqtt')}."
    )
    if failures:
        print("\nFailed runs:")
        for f in failures:
            print(f"- {f}")
        sys.exit(1)


if __name__ == "__main__":
    main()
