#!/usr/bin/env bash
# Tests the C ABI (mqtt-codec-ffi) from C: builds the library, checks the header as C99 and
# C++, runs the C tests (the codec, MQTT-SN, and the client session against a scripted
# server) under AddressSanitizer + UndefinedBehaviorSanitizer, under valgrind, and linked
# dynamically, then runs examples/pubsub.c (a client on the heap-free session, built with the same
# sanitizers) against a local mosquitto and the reference broker in MQTT 3.1.1 and 5.0.
# Installs what it needs (Debian, as root). Ends with "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAILED: $*"; }

# --- tools -------------------------------------------------------------------------------
step "tools"
missing=()
command -v gcc >/dev/null || missing+=(gcc)
command -v g++ >/dev/null || missing+=(g++)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)

work=$(mktemp -d)
mosquitto_pid=""
broker_pid=""
cleanup() {
    if [ -n "$mosquitto_pid" ]; then kill "$mosquitto_pid" 2>/dev/null || true; wait "$mosquitto_pid" 2>/dev/null || true; fi
    if [ -n "$broker_pid" ]; then kill "$broker_pid" 2>/dev/null || true; wait "$broker_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# --- library and header ------------------------------------------------------------------
step "build libmqtt_codec (cargo build -p mqtt-codec-ffi)"
cargo build -q -p mqtt-codec-ffi
target_dir=$(cargo metadata -q --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
lib="$target_dir/debug"
[ -f "$lib/libmqtt_codec.a" ] && [ -f "$lib/libmqtt_codec.so" ] && ok "libmqtt_codec.a and libmqtt_codec.so built" || bad "libraries missing in $lib"

CFLAGS=(-std=c99 -Wall -Wextra -Werror -pedantic -Iinclude)
LIBS=(-lpthread -ldl -lm)

step "header: C99 and C++"
printf '#include "mqtt_codec.h"\nint main(void) { return mqtt_status_str(MQTT_OK)[0] == 0; }\n' > "$work/h.c"
gcc "${CFLAGS[@]}" -c "$work/h.c" -o "$work/h.o" && ok "header compiles with gcc -std=c99 -Wall -Wextra -Werror -pedantic" || bad "header as C99"
g++ -fsyntax-only -x c++ -Wall -Wextra -Werror -pedantic include/mqtt_codec.h && ok "header compiles as C++ (g++ -fsyntax-only)" || bad "header as C++"

# --- C tests -----------------------------------------------------------------------------
step "C tests under AddressSanitizer + UndefinedBehaviorSanitizer"
tests=mqtt-codec-ffi/tests/c/test_codec.c
if gcc "${CFLAGS[@]}" -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    "$tests" "$lib/libmqtt_codec.a" "${LIBS[@]}" -o "$work/test_asan"; then
    if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$work/test_asan"; then
        ok "C tests pass under ASan/UBSan"
    else
        bad "C tests under ASan/UBSan"
    fi
else
    bad "building the C tests with sanitizers"
fi

step "C tests under valgrind"
if gcc "${CFLAGS[@]}" -g "$tests" "$lib/libmqtt_codec.a" "${LIBS[@]}" -o "$work/test_plain"; then
    if valgrind -q --error-exitcode=1 --leak-check=full "$work/test_plain"; then
        ok "C tests pass under valgrind, no errors, no leaks"
    else
        bad "C tests under valgrind"
    fi
else
    bad "building the C tests"
fi

step "C tests as firmware sees the header (MQTT_CODEC_NO_HEAP: decoders over caller buffers only)"
if gcc "${CFLAGS[@]}" -DMQTT_CODEC_NO_HEAP -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
    "$tests" "$lib/libmqtt_codec.a" "${LIBS[@]}" -o "$work/test_no_heap" &&
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "$work/test_no_heap" >/dev/null; then
    ok "C tests pass without the heap functions"
else
    bad "C tests with MQTT_CODEC_NO_HEAP"
fi

step "C tests linked dynamically (through the soname, as an installed library is found)"
soname=$(readelf -d "$lib/libmqtt_codec.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[[ "$soname" == libmqtt_codec.so.* ]] && ok "soname $soname" || bad "no soname on libmqtt_codec.so"
mkdir -p "$work/lib"
cp "$lib/libmqtt_codec.so" "$work/lib/$soname"
ln -sf "$soname" "$work/lib/libmqtt_codec.so"
if gcc "${CFLAGS[@]}" "$tests" -L"$work/lib" -lmqtt_codec -o "$work/test_shared" &&
    readelf -d "$work/test_shared" | grep -q "NEEDED.*\[$soname\]" &&
    LD_LIBRARY_PATH="$work/lib" "$work/test_shared" >/dev/null; then
    ok "C tests pass against $soname"
else
    bad "C tests against libmqtt_codec.so"
fi

# --- pubsub against mosquitto ------------------------------------------------------------
step "examples/pubsub.c against mosquitto"
gcc "${CFLAGS[@]}" -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    mqtt-codec-ffi/examples/pubsub.c "$lib/libmqtt_codec.a" "${LIBS[@]}" -o "$work/pubsub" &&
    ok "pubsub.c builds (with ASan/UBSan)" || bad "pubsub.c build"

port=""
for _ in $(seq 1 20); do
    try=$((20000 + RANDOM % 40000))
    printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$try" > "$work/mosquitto.conf"
    "$MOSQUITTO" -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
    mosquitto_pid=$!
    for _ in $(seq 1 50); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$try") 2>/dev/null; then port=$try; break; fi
        kill -0 "$mosquitto_pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$port" ] && break
    kill "$mosquitto_pid" 2>/dev/null || true
    wait "$mosquitto_pid" 2>/dev/null || true
    mosquitto_pid=""
done
# Runs pubsub in 3.1.1 and 5.0 against the broker on port $1 (named $2) and checks its lines.
pubsub_against() {
    local port=$1 broker=$2 flag name out line missing_lines
    for flag in "" "-5"; do
        name=${flag:+5.0}; name=${name:-3.1.1}
        if out=$(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 timeout 20 "$work/pubsub" $flag -p "$port" 2>&1); then
            echo "$out"
            want=("CONNACK reason 0x00" "SUBACK 1 granted QoS 2"
                "RECEIVED PV/sunshine qos=0 payload=qos0" "RECEIVED PV/sunshine qos=1 payload=qos1"
                "RECEIVED PV/sunshine qos=2 payload=qos2" "PUBACK 2" "PUBREC 3" "PUBCOMP 3" "DONE $name")
            missing_lines=0
            for line in "${want[@]}"; do
                grep -qxF "$line" <<<"$out" || { echo "missing: $line"; missing_lines=1; }
            done
            grep -q '^PUBREL ' <<<"$out" || { echo "missing: PUBREL"; missing_lines=1; }
            [ $missing_lines = 0 ] && ok "pubsub MQTT $name against $broker" || bad "pubsub MQTT $name output ($broker)"
        else
            echo "$out"
            bad "pubsub MQTT $name against $broker exited with an error"
        fi
    done
}

if [ -z "$port" ]; then
    bad "could not start mosquitto"; cat "$work/mosquitto.log" || true
else
    echo "mosquitto on port $port"
    pubsub_against "$port" mosquitto
fi

# --- pubsub against the reference broker -------------------------------------------------
step "examples/pubsub.c against the reference broker"
cargo build -q --release -p mqtt-codec --example broker
ref_port=""
for _ in $(seq 1 20); do
    try=$((20000 + RANDOM % 40000))
    "$target_dir/release/examples/broker" --listen "127.0.0.1:$try" > "$work/broker.log" 2>&1 &
    broker_pid=$!
    for _ in $(seq 1 50); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$try") 2>/dev/null; then ref_port=$try; break; fi
        kill -0 "$broker_pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$ref_port" ] && break
    kill "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
done
if [ -z "$ref_port" ]; then
    bad "could not start the reference broker"; cat "$work/broker.log" || true
else
    echo "reference broker on port $ref_port"
    pubsub_against "$ref_port" "the reference broker"
    kill "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
