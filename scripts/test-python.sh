#!/usr/bin/env bash
# Builds the Python extension (mqtt-codec-py) and runs its checks: mypy --strict on the
# package, tests and examples, then the pytest suite (round trips, errors, streaming,
# hypothesis, and interoperability with Debian's mosquitto and paho-mqtt).
# Installs what it needs first (as root on Debian), so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "mosquitto (Debian package)"
if ! command -v mosquitto >/dev/null 2>&1 && [ ! -x /usr/sbin/mosquitto ]; then
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends mosquitto; then
    apt-get update
    apt-get install -y --no-install-recommends mosquitto
  fi
fi

step "virtualenv with maturin, pytest, hypothesis, paho-mqtt, mypy"
venv="${MQTT_CODEC_PY_VENV:-target/python-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade maturin pytest hypothesis paho-mqtt mypy websockets

step "build and install mqtt_codec (maturin develop --release)"
(
  cd mqtt-codec-py
  VIRTUAL_ENV="$PWD/../$venv" PATH="$PWD/../$venv/bin:$PATH" "../$venv/bin/maturin" develop --release --quiet
)

step "mypy --strict (package, tests, examples)"
(
  cd mqtt-codec-py
  "../$venv/bin/mypy" --strict python/mqtt_codec tests examples
)

step "pytest (the abi3-py39 build)"
# Exit code 5 means no tests were collected: that must fail too, and it does under set -e.
(
  cd mqtt-codec-py
  "../$venv/bin/python" -m pytest -p no:cacheprovider tests
)

# The second wheel, for CPython 3.11 and later (fast call protocol), passes the same suite.
if "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  step "build and install the abi3-py311 build; pytest again"
  (
    cd mqtt-codec-py
    VIRTUAL_ENV="$PWD/../$venv" PATH="$PWD/../$venv/bin:$PATH" "../$venv/bin/maturin" develop \
      --release --quiet --no-default-features --features abi3-py311
    "../$venv/bin/python" -m pytest -p no:cacheprovider tests
  )
fi
