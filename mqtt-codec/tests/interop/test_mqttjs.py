"""MQTT.js, the client of Node.js and the browser, against the broker: MQTT 3.1, 3.1.1 and
5.0 over TCP and over WebSocket (mqttjs_client.js says what it checks).

MQTT.js lives where scripts/test-broker.sh installs it (npm, `MQTTJS_DIR`); without that
variable these tests are skipped, as when pytest runs on its own.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import free_port

HERE = Path(__file__).resolve().parent
MQTTJS_DIR = os.environ.get("MQTTJS_DIR")


def run_mqttjs(url: str, version: str) -> str:
    node = shutil.which("node")
    if MQTTJS_DIR is None or node is None:
        pytest.skip("MQTT.js not installed (scripts/test-broker.sh installs it and sets MQTTJS_DIR)")
    env = dict(os.environ, NODE_PATH=str(Path(MQTTJS_DIR) / "node_modules"))
    done = subprocess.run(
        [node, str(HERE / "mqttjs_client.js"), url, version],
        env=env, capture_output=True, text=True, timeout=30,
    )
    assert done.returncode == 0, f"MQTT.js {version} on {url}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.parametrize("version", ["3.1", "3.1.1", "5.0"])
def test_mqttjs_over_tcp(broker, version):
    run_mqttjs(f"mqtt://127.0.0.1:{broker.port}", version)


@pytest.mark.parametrize("version", ["3.1.1", "5.0"])
def test_mqttjs_over_websocket(start_broker, version):
    ws_port = free_port()
    start_broker("--ws-listen", f"127.0.0.1:{ws_port}")
    run_mqttjs(f"ws://127.0.0.1:{ws_port}/mqtt", version)
