"""Fixtures: the reference broker as a real process on a free port, and client factories
that clean up after themselves.

The broker binary is target/release/examples/broker (BROKER_BIN overrides it); build it
first with `cargo build --release -p mqtt-codec --example broker` (scripts/test-broker.sh
does everything).
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from mqtt_clients import TIMEOUT, MosquittoSub, PahoClient, RawClient

REPO = Path(__file__).resolve().parents[3]
BROKER_BIN = Path(os.environ.get("BROKER_BIN", REPO / "target" / "release" / "examples" / "broker"))

# 500 paho clients hold two descriptors each (socket and wake-up pipe): lift the soft limit
# (inherited by the broker, which holds 500 more).
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
_want = 8192 if _hard == resource.RLIM_INFINITY else min(_hard, 8192)
if _soft != resource.RLIM_INFINITY and _soft < _want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (_want, _hard))


def _die_with_parent():
    """The broker gets SIGKILL if pytest itself dies (Linux PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)
    except OSError:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """One broker process. `port` is where it listens; `log` is its stderr."""

    def __init__(self, args: list[str], log_path: Path, port: int | None = None):
        if not BROKER_BIN.exists():
            pytest.fail(f"{BROKER_BIN} missing: cargo build --release -p mqtt-codec --example broker")
        self.port = port or free_port()
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.ended = False  # stopped by the test itself (terminate), not crashed
        self.proc = subprocess.Popen(
            [str(BROKER_BIN), "--listen", f"127.0.0.1:{self.port}", *args],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + TIMEOUT
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"broker exited with {self.proc.returncode}:\n{self.log_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"broker not accepting connections on {self.port}:\n{self.log_text()}")
                time.sleep(0.02)  # poll interval while connect is refused

    def log_text(self, tail: int = 60) -> str:
        if not self._log.closed:
            self._log.flush()
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-tail:])

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_for_log(self, text: str):
        """Waits until `text` shows in the log (the broker's answer to a signal, which has no
        other reply to await)."""
        deadline = time.monotonic() + TIMEOUT
        while text not in self.log_path.read_text(errors="replace"):
            if self.proc.poll() is not None:
                pytest.fail(f"broker exited with {self.proc.returncode}:\n{self.log_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"{text!r} never logged:\n{self.log_text()}")
            time.sleep(0.02)  # poll interval: a log file cannot be awaited

    def terminate(self) -> int:
        """SIGTERM, as a service manager stops it; returns the exit status."""
        self.ended = True
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(TIMEOUT)

    def kill(self):
        """SIGKILL: the process dies at once, with nothing flushed."""
        self.ended = True
        self.proc.kill()
        self.proc.wait(TIMEOUT)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(TIMEOUT)
        self._log.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture
def start_broker(request, tmp_path):
    """Starts a broker with extra flags; all of them are killed when the test ends."""
    brokers: list[Broker] = []

    def start(*args: str, port: int | None = None) -> Broker:
        """`port` reuses a port (a restart); a free one is found otherwise."""
        b = Broker(list(args), tmp_path / f"broker{len(brokers)}.log", port)
        brokers.append(b)
        return b

    yield start
    crashed = [b for b in brokers if not b.alive() and not b.ended]
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for b in brokers:
        b.stop()
        if failed or b in crashed:
            print(f"\n--- broker log ({b.log_path}) ---\n{b.log_text()}")
    if crashed:
        pytest.fail(f"broker died during the test (exit {crashed[0].proc.returncode})")


@pytest.fixture
def broker(start_broker) -> Broker:
    """A broker with default settings."""
    return start_broker()


def _default_port(request) -> int:
    return request.getfixturevalue("broker").port


@pytest.fixture
def paho(request):
    """paho(version, **kw) -> a connected PahoClient on the default broker."""
    made: list[PahoClient] = []

    def make(version: str = "5.0", port: int | None = None, **kw) -> PahoClient:
        connect = kw.pop("connect", True)
        c = PahoClient(port or _default_port(request), version=version, connect=False, **kw)
        made.append(c)
        if connect:
            c.connect()
        return c

    yield make
    for c in made:
        c.close()


@pytest.fixture
def mosq_sub(request):
    """mosq_sub(*topics, version=..., ...) -> a subscribed MosquittoSub on the default broker."""
    made: list[MosquittoSub] = []

    def make(*topics: str, port: int | None = None, **kw) -> MosquittoSub:
        s = MosquittoSub(port or _default_port(request), *topics, **kw)
        made.append(s)
        return s

    yield make
    for s in made:
        s.stop(signal.SIGKILL)


@pytest.fixture
def raw(request):
    made: list[RawClient] = []

    def make(port: int | None = None, **kw) -> RawClient:
        c = RawClient(port or _default_port(request), **kw)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()
