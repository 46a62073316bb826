#!/usr/bin/env bash
# Tests the reference broker over real TCP with clients nobody here wrote: Debian's
# mosquitto_pub / mosquitto_sub, paho-mqtt (Python) and MQTT.js (npm), in MQTT 3.1, 3.1.1
# and 5.0, and for the MQTT-SN gateway the mqtt_sn_pub / mqtt_sn_sub tools of PyPI's
# mqtt-sn-12.
#
# Installs what it needs on a fresh Debian machine (as root, or with sudo): the
# mosquitto-clients, python3-venv, nodejs and npm packages, a virtualenv with paho-mqtt and
# pytest under target/broker-venv, and MQTT.js under target/mqttjs. Then builds the broker
# and runs the pytest suite in mqtt-codec/tests/interop/, which starts a broker per test on
# a free port.
#
#   bash scripts/test-broker.sh                 # everything
#   bash scripts/test-broker.sh -k retained -v  # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

VENV=target/broker-venv
MQTTJS=target/mqttjs
MQTTJS_VERSION=5.16.0
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi

# apt-get update only when the package lists are missing or an install fails without it.
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
    $SUDO apt-get update -q
  fi
  if ! $SUDO apt-get install -y -q "$@"; then
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q "$@"
  fi
}

step "system packages"
missing=()
command -v mosquitto_pub >/dev/null 2>&1 && command -v mosquitto_sub >/dev/null 2>&1 || missing+=(mosquitto-clients)
# The mosquitto broker itself, for the bridge test (a mosquitto bridge connecting to ours).
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
# openssl makes the certificates of the TLS tests.
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# Node.js and npm, for MQTT.js.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# Debian's own python3 (the one python3-venv serves), else whatever python3 is on PATH.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
  missing+=(python3 python3-venv)
  PY=/usr/bin/python3
elif ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt_install "${missing[@]}"
else
  echo "mosquitto, mosquitto-clients and python3-venv present"
fi
command -v stdbuf >/dev/null 2>&1 || apt_install coreutils

step "python virtualenv ($VENV): paho-mqtt 2.x, pytest, mqtt-sn-12"
if ! "$VENV/bin/python" -c 'import paho.mqtt, pytest, mqttsn12, sys; sys.exit(not paho.mqtt.__version__.startswith("2."))' >/dev/null 2>&1; then
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check 'paho-mqtt>=2.0,<3' pytest 'mqtt-sn-12==1.0.9'
fi
"$VENV/bin/python" -c 'import paho.mqtt, pytest; print("paho-mqtt", paho.mqtt.__version__, "/ pytest", pytest.__version__)'

step "MQTT.js (npm mqtt@$MQTTJS_VERSION) under $MQTTJS"
if ! (cd "$MQTTJS" && node -e "process.exit(require('mqtt/package.json').version === '$MQTTJS_VERSION' ? 0 : 1)") >/dev/null 2>&1; then
  rm -rf "$MQTTJS"
  mkdir -p "$MQTTJS"
  npm install --prefix "$MQTTJS" --no-audit --no-fund --silent "mqtt@$MQTTJS_VERSION"
fi
export MQTTJS_DIR="$PWD/$MQTTJS"

step "build the broker and the client examples (cargo build --release -p mqtt-codec --example broker --example client --example fixed_client --example tokio_client)"
cargo build --release -p mqtt-codec --example broker --example client --example fixed_client --example tokio_client
export BROKER_BIN="$PWD/target/release/examples/broker"

step "interop tests (pytest mqtt-codec/tests/interop/)"
export PYTHONDONTWRITEBYTECODE=1
exec "$VENV/bin/python" -m pytest mqtt-codec/tests/interop/ -o cache_dir=target/.pytest_cache -rfE "$@"
