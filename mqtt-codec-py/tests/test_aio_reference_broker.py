"""mqtt_codec.aio against the project's reference broker (mqtt-codec/examples/broker), over TCP,
TLS, WebSocket and WebSocket over TLS (the websockets package): QoS 0, 1 and 2 round trips in 3.1.1 and 5.0, and a client whose connection a proxy
cuts twice, once with its own QoS 1 and 2 messages in flight and once while they come back:
the driver reconnects, the session resumes, and every message arrives (QoS 2 exactly once).

The broker binary is built here, once per session, with `cargo build --release -p mqtt-codec
--example broker` (scripts/test.sh runs the Python tests before the broker's own); BROKER_BIN
names a prebuilt one instead. Without cargo or BROKER_BIN the tests are skipped. The TLS
certificates are made with openssl, as the broker's interop tests make them.
"""

import asyncio
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from mqtt_codec import ProtocolVersion, QoS, ReasonCode, aio
from test_aio import Proxy, run
from test_interop import TIMEOUT, free_port

WORKSPACE = Path(__file__).resolve().parents[2]
VERSIONS = [ProtocolVersion.V3_1_1, ProtocolVersion.V5]
VERSION_IDS = ["3.1.1", "5.0"]
TRANSPORTS = ["tcp", "tls", "ws", "wss"]

OPENSSL_CONF = """[req]
distinguished_name = dn
[dn]
[server]
subjectAltName = IP:127.0.0.1,DNS:localhost
extendedKeyUsage = serverAuth
"""


@pytest.fixture(scope="session")
def broker_bin() -> Path:
    """The reference broker's binary: BROKER_BIN, or built by cargo (a no-op when it is up
    to date), its path taken from cargo's own report of what it built."""
    given = os.environ.get("BROKER_BIN")
    if given:
        return Path(given)
    cargo = shutil.which("cargo")
    if cargo is None:
        pytest.skip("cargo is not installed (and BROKER_BIN is not set): cannot build the reference broker")
    done = subprocess.run(
        [cargo, "build", "--release", "-p", "mqtt-codec", "--example", "broker", "--message-format=json"],
        cwd=WORKSPACE, capture_output=True, text=True,
    )
    if done.returncode != 0:
        pytest.fail("cargo build of the reference broker failed:\n" + done.stderr[-4000:])
    for line in done.stdout.splitlines():
        message: Dict[str, Any] = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message["target"]["name"] == "broker":
            executable: Optional[str] = message.get("executable")
            if executable:
                return Path(executable)
    pytest.fail("cargo built no broker executable:\n" + done.stderr[-4000:])


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA and a server certificate for 127.0.0.1 signed by it."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: it makes the TLS certificates")
    d = tmp_path_factory.mktemp("pki")
    (d / "openssl.cnf").write_text(OPENSSL_CONF)

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=test CA", "-config", "openssl.cnf",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=127.0.0.1", "-config", "openssl.cnf")
    # The extensions make it an X.509 v3 certificate, which the broker's rustls requires.
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "openssl.cnf", "-extensions", "server")
    return d


def launch(broker_bin: Path, args: List[str], ports: List[int], log_path: Path) -> "subprocess.Popen[bytes]":
    """Starts the broker with `args` and returns once it listens on every one of `ports`."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(broker_bin), *args], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + TIMEOUT
    for port in ports:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the broker exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    proc.kill()
                    pytest.fail(f"the broker does not listen on {port}:\n{log_path.read_text()}")
                time.sleep(0.02)  # poll interval while the connection is refused
    return proc


@dataclass
class Endpoint:
    """Where a client connects: the port, and the TLS context for a TLS listener."""

    port: int
    ssl: Optional[ssl.SSLContext]
    websocket_path: Optional[str] = None


@pytest.fixture(params=TRANSPORTS)
def endpoint(request: pytest.FixtureRequest, broker_bin: Path, pki: Path, tmp_path: Path) -> Iterator[Endpoint]:
    """A reference broker of its own for the test, listening on TCP and TLS; the endpoint of
    the transport the test is parametrized with."""
    tcp, tls, ws, wss = free_port(), free_port(), free_port(), free_port()
    proc = launch(broker_bin, ["--listen", f"127.0.0.1:{tcp}", "--tls-listen", f"127.0.0.1:{tls}",
                               "--ws-listen", f"127.0.0.1:{ws}", "--wss-listen", f"127.0.0.1:{wss}",
                               "--tls-cert", str(pki / "server.pem"), "--tls-key", str(pki / "server.key")],
                  [tcp, tls, ws, wss], tmp_path / "broker.log")
    trusting = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    try:
        yield {
            "tcp": Endpoint(tcp, None),
            "tls": Endpoint(tls, trusting),
            "ws": Endpoint(ws, None, "/mqtt"),
            "wss": Endpoint(wss, trusting, "/mqtt"),
        }[request.param]
    finally:
        proc.kill()
        proc.wait(TIMEOUT)


@pytest.mark.parametrize("version", VERSIONS, ids=VERSION_IDS)
def test_publish_subscribe_round_trip(endpoint: Endpoint, version: ProtocolVersion) -> None:
    async def main() -> None:
        client = aio.connect("127.0.0.1", endpoint.port, client_id=f"aio-ref-{int(version)}", version=version,
                             ssl=endpoint.ssl, websocket_path=endpoint.websocket_path)
        async with client as c:
            codes = await c.subscribe([("aio/ref/#", QoS.EXACTLY_ONCE)])
            assert codes == [ReasonCode.GRANTED_QOS_2], codes
            for qos in QoS:
                await c.publish(f"aio/ref/{int(qos)}", f"m{int(qos)}".encode(), qos=qos)
            got: List[Any] = []
            async for m in c.messages():
                got.append((m.topic, m.payload, m.qos))
                if len(got) == 3:
                    break
            assert sorted(got) == [(f"aio/ref/{q}", f"m{q}".encode(), QoS(q)) for q in range(3)]

    run(main())


class CountingProxy(Proxy):
    """test_aio's cutting proxy, counting the connections made through it."""

    connections = 0

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await super()._handle(reader, writer)


@pytest.mark.parametrize("version", VERSIONS, ids=VERSION_IDS)
def test_two_cuts_lose_no_message_and_deliver_qos_2_once(endpoint: Endpoint, version: ProtocolVersion) -> None:
    async def main() -> None:
        proxy = CountingProxy(endpoint.port)
        port = await proxy.start()
        # A session the broker keeps across connections: 3.1.1 without clean session; 5.0
        # starts clean and keeps it by its expiry interval.
        keep = (
            {"clean_start": False} if version == ProtocolVersion.V3_1_1 else {"session_expiry_interval": 300}
        )
        client = aio.connect("127.0.0.1", port, client_id=f"aio-ref-cut-{int(version)}", version=version,
                             ssl=endpoint.ssl, websocket_path=endpoint.websocket_path, backoff=(0.01, 0.5),
                             **keep)
        async with client as c:
            await c.subscribe([("aio/ref-cut/#", QoS.EXACTLY_ONCE)])
            count = 40
            publishes = [
                asyncio.ensure_future(c.publish("aio/ref-cut/x", f"{i}".encode(), qos=QoS(1 + i % 2)))
                for i in range(count)
            ]
            await asyncio.sleep(0)  # one turn of the loop: the PUBLISHes are written, no ack is back
            proxy.cut()
            got: List[int] = []
            async for m in c.messages():
                got.append(int(m.payload))
                if len(got) == count // 4:
                    proxy.cut()  # again, while messages come back
                if len(set(got)) == count:
                    break
            await asyncio.gather(*publishes)  # each completed (PUBACK, PUBCOMP), none failed
            qos2 = [i for i in got if i % 2 == 1]
            assert len(qos2) == len(set(qos2)), f"QoS 2 delivered twice: {got}"
            assert sorted(set(got)) == list(range(count))
        assert proxy.connections == 3, "the driver did not reconnect after each cut"

    run(main())


def test_a_certificate_the_client_does_not_trust_fails_at_once(endpoint: Endpoint) -> None:
    """A server certificate from a CA the client does not trust ends the connect with
    ConnectionLost instead of being retried for ever (it will not change on a retry)."""
    if endpoint.ssl is None:
        pytest.skip("TLS only")
    port = endpoint.port

    async def main() -> None:
        untrusting = ssl.create_default_context()  # the system's CAs, not the test CA
        client = aio.connect("127.0.0.1", port, client_id="aio-ref-untrusted", ssl=untrusting,
                             websocket_path=endpoint.websocket_path)
        with pytest.raises(aio.ConnectionLost):
            await asyncio.wait_for(client.start(), TIMEOUT)

    run(main())


@pytest.mark.parametrize("version", VERSIONS, ids=VERSION_IDS)
def test_a_broker_killed_mid_traffic_loses_nothing(broker_bin: Path, tmp_path: Path,
                                                   version: ProtocolVersion) -> None:
    """The broker runs with --persistence and is killed with SIGKILL while the client's QoS 1
    and 2 messages go round, then started again on the same port and store: the driver
    reconnects, the session resends, every publish completes, every message comes back and
    none at QoS 2 twice."""
    port = free_port()
    args = ["--listen", f"127.0.0.1:{port}", "--persistence", str(tmp_path / "store")]
    brokers = [launch(broker_bin, args, [port], tmp_path / "broker0.log")]

    def restart() -> None:
        brokers[0].kill()
        brokers[0].wait(TIMEOUT)
        brokers.append(launch(broker_bin, args, [port], tmp_path / "broker1.log"))

    async def main() -> None:
        keep = (
            {"clean_start": False} if version == ProtocolVersion.V3_1_1 else {"session_expiry_interval": 300}
        )
        client = aio.connect("127.0.0.1", port, client_id=f"aio-restart-{int(version)}", version=version,
                             backoff=(0.02, 0.2), **keep)
        async with client as c:
            await c.subscribe([("aio/restart/#", QoS.EXACTLY_ONCE)])
            count = 60
            publishes = [
                asyncio.ensure_future(c.publish("aio/restart/x", f"{i}".encode(), qos=QoS(1 + i % 2)))
                for i in range(count)
            ]
            got: List[int] = []
            async for m in c.messages():
                got.append(int(m.payload))
                if len(got) == 5:
                    # The broker starts in another thread: its wait for the port blocks.
                    await asyncio.get_running_loop().run_in_executor(None, restart)
                if len(set(got)) == count:
                    break
            await asyncio.gather(*publishes)  # each completed (PUBACK, PUBCOMP), none failed
            qos2 = [i for i in got if i % 2 == 1]
            assert len(qos2) == len(set(qos2)), f"QoS 2 delivered twice: {got}"
            assert sorted(set(got)) == list(range(count))

    try:
        run(main())
    finally:
        for proc in brokers:
            proc.kill()
            proc.wait(TIMEOUT)
