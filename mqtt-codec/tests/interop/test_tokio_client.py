"""The tokio driver (mqtt_codec::tokio::Client) over real connections: examples/tokio_client.rs
subscribes to its own topic, publishes at QoS 0, 1 and 2 and checks that everything came back
in order (QoS 2 exactly once), in MQTT 3.1.1 and 5.0, through the reference broker over TCP,
TLS, WebSocket and WebSocket over TLS, and through Debian's mosquitto over TCP. Then through a
proxy that cuts the connection mid-run: the driver reconnects, the session resumes, and every
QoS 1 and 2 message still arrives (QoS 2 exactly once)."""

import re
import socket
import subprocess
import threading

import pytest

from conftest import BROKER_BIN, free_port
from test_client_example import mosquitto  # noqa: F401  (the mosquitto fixture)
from test_tls import pki, tls_args  # noqa: F401  (the certificates fixture)

CLIENT_BIN = BROKER_BIN.parent / "tokio_client"
VERSIONS = ["3.1.1", "5.0"]
#: Bound on one run of the example; it takes milliseconds when nothing is wrong.
RUN_TIMEOUT = 60


def run_client(port: int, version: str, *args: str, count: int = 100) -> str:
    """Runs the example to its end; returns its report once it exited 0."""
    if not CLIENT_BIN.exists():
        pytest.fail(f"{CLIENT_BIN} missing: cargo build --release -p mqtt-codec --example tokio_client")
    done = subprocess.run(
        [str(CLIENT_BIN), "--port", str(port), "--version", version, "--count", str(count),
         "--timeout", "30", *args],
        capture_output=True, text=True, timeout=RUN_TIMEOUT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # The example checked the rest; QoS 0 may miss messages after a lost connection.
    for qos in (1, 2):
        assert f"QoS {qos}: {count} of {count} received" in done.stdout, done.stdout
    return done.stdout


def connections(report: str) -> int:
    """How many connections CONNACK accepted, as the example reports it."""
    found = re.search(r"^connections: (\d+)$", report, re.M)
    assert found, report
    return int(found.group(1))


@pytest.mark.parametrize("version", VERSIONS)
def test_tcp_through_the_reference_broker(broker, version):
    report = run_client(broker.port, version)
    assert "QoS 0: 100 of 100 received, 0 duplicates" in report
    assert connections(report) == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_tls_through_the_reference_broker(start_broker, pki, version):  # noqa: F811
    port = free_port()
    start_broker("--tls-listen", f"127.0.0.1:{port}", *tls_args(pki))
    run_client(port, version, "--tls-ca", str(pki / "ca.pem"))


@pytest.mark.parametrize("version", VERSIONS)
def test_websocket_through_the_reference_broker(start_broker, version):
    port = free_port()
    start_broker("--ws-listen", f"127.0.0.1:{port}")
    run_client(port, version, "--ws", "/mqtt")


@pytest.mark.parametrize("version", VERSIONS)
def test_websocket_over_tls_through_the_reference_broker(start_broker, pki, version):  # noqa: F811
    port = free_port()
    start_broker("--wss-listen", f"127.0.0.1:{port}", *tls_args(pki))
    # The certificate names localhost too: the name checked is the flag's, not the host.
    run_client(port, version, "--tls-ca", str(pki / "ca.pem"), "--server-name", "localhost", "--ws", "/mqtt")


def test_a_certificate_from_another_ca_is_refused(start_broker, pki, tmp_path):  # noqa: F811
    port = free_port()
    start_broker("--tls-listen", f"127.0.0.1:{port}", *tls_args(pki))
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key",
         "-out", "other.pem", "-days", "1", "-subj", "/CN=other CA"],
        check=True, capture_output=True, cwd=tmp_path,
    )
    done = subprocess.run(
        [str(CLIENT_BIN), "--port", str(port), "--tls-ca", str(tmp_path / "other.pem"), "--timeout", "2"],
        capture_output=True, text=True, timeout=RUN_TIMEOUT,
    )
    assert done.returncode == 1, done.stdout + done.stderr


@pytest.mark.parametrize("version", VERSIONS)
def test_tcp_through_mosquitto(mosquitto, version):  # noqa: F811
    report = run_client(mosquitto, version)
    assert "QoS 0: 100 of 100 received, 0 duplicates" in report


class CuttingProxy:
    """A TCP proxy towards `target` that cuts its first connection, both ways, once `after`
    bytes went through it in one direction (`to_broker` or not); later connections pass
    untouched."""

    def __init__(self, target: int, after: int, to_broker: bool):
        self.target = target
        self.after = after
        self.to_broker = to_broker
        self.counted = 0
        self.cuts = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                return  # closed
            pair = (client, upstream)
            for s in pair:
                # As the broker and the client do: without it, Nagle's algorithm and delayed
                # acknowledgements hold each small packet up to 40 ms.
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._pipe, args=(client, upstream, pair, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, pair, False), daemon=True).start()

    def _pipe(self, src, dst, pair, to_broker):
        while True:
            try:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
            except OSError:
                break
            if to_broker == self.to_broker:
                with self.lock:
                    self.counted += len(data)
                    if self.cuts == 0 and self.counted >= self.after:
                        # Just after a chunk went through: its answer is lost, and what is
                        # under way the other way.
                        self.cuts += 1
                        break
        # Both sockets at once: shutdown wakes the other direction's blocked recv.
        for s in pair:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        src.close()

    def close(self):
        self.listener.close()


@pytest.fixture
def cutting_proxy():
    made = []

    def make(target: int, after: int, to_broker: bool) -> CuttingProxy:
        made.append(CuttingProxy(target, after, to_broker))
        return made[-1]

    yield make
    for p in made:
        p.close()


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("server", ["reference", "mosquitto"])
@pytest.mark.parametrize("to_broker", [True, False], ids=["cut-after-upload", "cut-after-download"])
def test_a_connection_cut_mid_run_loses_no_qos_1_or_2_message(request, cutting_proxy, to_broker, server, version):
    port = request.getfixturevalue("broker").port if server == "reference" else request.getfixturevalue("mosquitto")
    # 200 messages at each QoS make some 30 KB each way: the cut comes early in the run.
    proxy = cutting_proxy(port, after=6000, to_broker=to_broker)
    report = run_client(proxy.port, version, count=200)
    assert proxy.cuts == 1, report
    assert connections(report) >= 2, report
    # run_client checked QoS 1 and 2 complete; the example, that QoS 2 had no duplicate.
    assert re.search(r"^QoS 2: 200 of 200 received, 0 duplicates$", report, re.M), report
