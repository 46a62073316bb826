"""The client sessions over real TCP: examples/client.rs (the allocating sans-IO session on
tokio) and examples/fixed_client.rs (the heap-free session on a blocking socket) subscribe
to their own topic and get their QoS 0, 1 and 2 messages back, in MQTT 3.1.1 and 5.0, from
the reference broker and from Debian's mosquitto."""

import shutil
import socket
import subprocess
import time

import pytest

from conftest import BROKER_BIN, free_port
from mqtt_clients import TIMEOUT

CLIENTS = ["client", "fixed_client"]
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def run_client(client: str, port: int, protocol: str) -> str:
    done = subprocess.run(
        [str(BROKER_BIN.parent / client), "--port", str(port), "--protocol", protocol],
        capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("protocol", ["3.1.1", "5"])
def test_the_session_round_trips_through_the_reference_broker(broker, client, protocol):
    out = run_client(client, broker.port, protocol)
    assert sorted(line.split(": ", 1)[1] for line in out.splitlines()) == [
        "hello at QoS 0", "hello at QoS 1", "hello at QoS 2"
    ]


@pytest.fixture
def mosquitto(tmp_path):
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "mosquitto did not start"
            time.sleep(0.05)  # poll interval while mosquitto starts
    yield port
    proc.kill()
    proc.wait()


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("protocol", ["3.1.1", "5"])
def test_the_session_round_trips_through_mosquitto(mosquitto, client, protocol):
    out = run_client(client, mosquitto, protocol)
    assert sorted(line.split(": ", 1)[1] for line in out.splitlines()) == [
        "hello at QoS 0", "hello at QoS 1", "hello at QoS 2"
    ]
