#!/usr/bin/env bash
# Python driver throughput (benches/python/driver_throughput.py): builds our reference broker
# and mqtt_codec (maturin develop --release, into the venv scripts/test-python.sh uses, with
# paho-mqtt 2.x beside it), then runs the bare session, mqtt_codec.aio and paho-mqtt through
# one broker process and prints the tables. Extra arguments go to the script (--messages,
# --rounds, --inflight, --timeout). The Rust counterpart and the results: benches/DRIVER-RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv="${MQTT_CODEC_PY_VENV:-target/python-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check maturin "paho-mqtt>=2,<3"

echo "==> reference broker (cargo build --release --example broker)" >&2
cargo build --release -p mqtt-codec --example broker >&2

echo "==> mqtt_codec (maturin develop --release)" >&2
(
    cd mqtt-codec-py
    VIRTUAL_ENV="$PWD/../$venv" PATH="$PWD/../$venv/bin:$PATH" "../$venv/bin/maturin" develop --release --quiet >&2
)

echo "==> benchmark" >&2
"$venv/bin/python" benches/python/driver_throughput.py --broker-bin target/release/examples/broker "$@"
