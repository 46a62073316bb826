#!/usr/bin/env bash
# The C library on microcontrollers: builds the no-std, no-heap libmqtt_codec.a for four
# targets (Cortex-M0+, Cortex-M3, Cortex-M4F, RISC-V RV32IMAC), then links the firmware
# example (mqtt-codec-ffi/examples/firmware: the C test vectors) for a Cortex-M3 and runs it
# in QEMU; its exit status is the verdict. Installs what it needs (Debian packages as root,
# rustup targets). Sizes and stack depths are measured by benches/firmware/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v arm-none-eabi-gcc >/dev/null || missing+=(gcc-arm-none-eabi)
[ -f /usr/lib/arm-none-eabi/newlib/libc.a ] || [ -d /usr/lib/arm-none-eabi/newlib ] || missing+=(libnewlib-arm-none-eabi)
command -v qemu-system-arm >/dev/null || missing+=(qemu-system-arm)
command -v make >/dev/null || missing+=(make)
if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi

targets=(thumbv6m-none-eabi thumbv7m-none-eabi thumbv7em-none-eabihf riscv32imac-unknown-none-elf)
for t in "${targets[@]}"; do
    rustup target add "$t" >/dev/null 2>&1 || rustup target add "$t"
    echo "==> libmqtt_codec.a for $t (no std, no heap)"
    # Only the static library (a cdylib makes no sense on these targets), every version and
    # side, no std and so no heap.
    cargo rustc -q -p mqtt-codec-ffi --profile firmware --no-default-features \
        --features v3,v5,client,server --target "$t" --crate-type staticlib
done

echo "==> the firmware example in QEMU (lm3s6965evb, Cortex-M3)"
out=target/firmware-example
make -s -C mqtt-codec-ffi/examples/firmware OUT="$PWD/$out" \
    LIB="$PWD/target/thumbv7m-none-eabi/firmware/libmqtt_codec.a" all 2>&1 |
    grep -v "GNU-stack\|NOTE: This behaviour" || true
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
timeout 600 qemu-system-arm -M lm3s6965evb -nographic -semihosting -kernel "$out/firmware.elf" \
    >"$log" 2>&1 || status=$?
grep -v "^Timer with period zero" "$log" | tail -n 5
if [ "$status" -ne 0 ] || ! grep -q " 0 failed" "$log"; then
    echo "firmware example failed (exit status $status)" >&2
    exit 1
fi
echo "==> flash taken by the library in the example (after --gc-sections)"
python3 benches/firmware/map_sizes.py "$out/firmware.map" libmqtt_codec.a --total
