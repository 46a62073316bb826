#!/usr/bin/env bash
# Flash, RAM and stack of the C library on a Cortex-M3 (thumbv7m-none-eabi, profile firmware:
# opt-level z, fat LTO, panic=abort), beside coreMQTT built here with the same compiler.
# Prints the tables of benches/FIRMWARE-RESULTS.md; changes nothing. Not part of CI.
#
#   bash benches/firmware/run.sh
#   COREMQTT_GIT=/path/to/coreMQTT.git bash benches/firmware/run.sh   # a clone with its tags
#   PAHO_SN_GIT=/path/to/paho.mqtt-sn.embedded-c.git ...              # and Paho's MQTT-SN C
#
# Needs what scripts/test-firmware.sh installs (gcc-arm-none-eabi, libnewlib-arm-none-eabi,
# qemu-system-arm) and git. Without COREMQTT_GIT, coreMQTT is cloned from GitHub.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=$root/target/firmware-bench
mkdir -p "$out"
fw=mqtt-codec-ffi/examples/firmware
bench=benches/firmware
sizes() { python3 "$bench/map_sizes.py" "$1" libmqtt_codec.a --total; }
arch=(-mcpu=cortex-m3 -mthumb)
cflags=("${arch[@]}" -Os -std=c99 -Wall -Wextra -ffunction-sections -fdata-sections -Iinclude
    -DMQTT_CODEC_NO_HEAP)

echo "## The library (thumbv7m-none-eabi, arm-none-eabi-gcc $(arm-none-eabi-gcc -dumpversion))"
echo
echo "| build | features | firmware example (every C test vector) | a typical client (client_app.c) | a client on the heap-free session (session_app.c) |"
echo "|---|---|---|---|---|"
for spec in "full:v3,v5,client,server" "client 3.1.1:v3,client" "client 5.0:v5,client"; do
    name=${spec%%:*}
    features=${spec#*:}
    dir="$out/$(echo "$name" | tr ' .' '__')"
    mkdir -p "$dir"
    cargo rustc -q -p mqtt-codec-ffi --profile firmware --no-default-features \
        --features "$features" --target thumbv7m-none-eabi --crate-type staticlib 2>/dev/null
    cp target/thumbv7m-none-eabi/firmware/libmqtt_codec.a "$dir/libmqtt_codec.a"
    make -s -C "$fw" OUT="$dir/example" LIB="$dir/libmqtt_codec.a" all >/dev/null 2>&1
    version=MQTT_V3_1_1
    [ "$features" = "v5,client" ] && version=MQTT_V5
    arm-none-eabi-gcc "${cflags[@]}" -DAPP_VERSION="$version" -c "$bench/client_app.c" -o "$dir/app.o"
    arm-none-eabi-gcc "${cflags[@]}" -c "$bench/client_stubs.c" -o "$dir/stubs.o"
    arm-none-eabi-gcc "${cflags[@]}" -c "$fw/startup.c" -o "$dir/startup.o"
    arm-none-eabi-gcc "${arch[@]}" -nostartfiles --specs=nosys.specs -T "$fw/lm3s6965.ld" \
        -Wl,--gc-sections -Wl,--no-warn-rwx-segments -Wl,-Map="$dir/app.map" \
        "$dir/startup.o" "$dir/stubs.o" "$dir/app.o" "$dir/libmqtt_codec.a" -o "$dir/app.elf" \
        2>/dev/null
    session="(no client side)"
    if [ "$features" != "${features/client/}" ]; then
        arm-none-eabi-gcc "${cflags[@]}" -DAPP_VERSION="$version" -c "$bench/session_app.c" \
            -o "$dir/session_app.o"
        arm-none-eabi-gcc "${arch[@]}" -nostartfiles --specs=nosys.specs -T "$fw/lm3s6965.ld" \
            -Wl,--gc-sections -Wl,--no-warn-rwx-segments -Wl,-Map="$dir/session_app.map" \
            "$dir/startup.o" "$dir/stubs.o" "$dir/session_app.o" "$dir/libmqtt_codec.a" \
            -o "$dir/session_app.elf" 2>/dev/null
        session=$(sizes "$dir/session_app.map")
    fi
    echo "| $name | \`$features\` | $(sizes "$dir/example/firmware.map") | $(sizes "$dir/app.map") | $session |"
done
echo
echo "Sizes are the bytes the library's archive puts in the linked image after --gc-sections"
echo "(its Rust code and the compiler_builtins mem* routines it brings); data and bss are the"
echo "library's static RAM."
echo

echo "## MQTT-SN 1.2 client (sn_client_app.c, build \`v3,client\`: the MQTT-SN codec is in every build)"
echo
dir="$out/client_3_1_1"
arm-none-eabi-gcc "${cflags[@]}" -c "$bench/sn_client_app.c" -o "$dir/sn_app.o"
arm-none-eabi-gcc "${cflags[@]}" -c "$bench/sn_client_stubs.c" -o "$dir/sn_stubs.o"
arm-none-eabi-gcc "${arch[@]}" -nostartfiles --specs=nosys.specs -T "$fw/lm3s6965.ld" \
    -Wl,--gc-sections -Wl,--no-warn-rwx-segments -Wl,-Map="$dir/sn_app.map" \
    "$dir/startup.o" "$dir/sn_stubs.o" "$dir/sn_app.o" "$dir/libmqtt_codec.a" -o "$dir/sn_app.elf" \
    2>/dev/null
echo "| library in the linked MQTT-SN client |"
echo "|---|"
echo "| $(sizes "$dir/sn_app.map") |"
echo
paho_sn=${PAHO_SN_GIT:-}
if [ -n "$paho_sn" ]; then
    src="$out/paho-mqtt-sn"
    rm -rf "$src" && mkdir -p "$src"
    git -C "$paho_sn" archive HEAD MQTTSNPacket/src | tar -x -C "$src"
    client=0
    for f in MQTTSNPacket MQTTSNConnectClient MQTTSNSearchClient MQTTSNSerializePublish \
        MQTTSNDeserializePublish MQTTSNSubscribeClient MQTTSNUnsubscribeClient; do
        o="$src/$f.o"
        arm-none-eabi-gcc "${arch[@]}" -Os -ffunction-sections -fdata-sections \
            -I"$src/MQTTSNPacket/src" -c "$src/MQTTSNPacket/src/$f.c" -o "$o"
        n=$(arm-none-eabi-size -A "$o" | awk '$1 ~ /^\.(text|rodata)/ { s += $2 } END { print s + 0 }')
        client=$((client + n))
    done
    echo "Paho MQTTSNPacket (embedded C), its client-side files built here, objects before"
    echo "--gc-sections, text + rodata: $client bytes."
    echo
fi

echo "## Largest contributors (full build, firmware example)"
echo
python3 "$bench/map_sizes.py" "$out/full/example/firmware.map" libmqtt_codec.a | sed 's/17h[0-9a-f]*E$//' | head -n 16
echo

echo "## Stack, painted in QEMU (full build)"
echo
timeout 600 qemu-system-arm -M lm3s6965evb -nographic -semihosting \
    -kernel "$out/full/example/firmware.elf" 2>/dev/null | grep '^firmware: stack' || true
if rustup run nightly rustc --version >/dev/null 2>&1 &&
    rustup target add --toolchain nightly thumbv7m-none-eabi >/dev/null 2>&1; then
    echo
    echo "## Largest Rust frames (nightly -Z emit-stack-sizes, full build)"
    echo
    RUSTFLAGS="-Z emit-stack-sizes" cargo +nightly rustc -q -p mqtt-codec-ffi --profile firmware \
        --no-default-features --features v3,v5,client,server --target thumbv7m-none-eabi \
        --crate-type staticlib --target-dir "$out/nightly" 2>/dev/null || true
    lib="$out/nightly/thumbv7m-none-eabi/firmware/libmqtt_codec.a"
    if [ -f "$lib" ] && command -v llvm-readelf >/dev/null; then
        llvm-readelf --stack-sizes "$lib" 2>/dev/null | awk '$1 ~ /^[0-9]+$/ { print $1, $2 }' |
            sort -rn | head -n 12
    fi
fi
echo

echo "## coreMQTT, built here (objects before --gc-sections, text + rodata)"
echo
git_src=${COREMQTT_GIT:-}
if [ -z "$git_src" ]; then
    git_src="$out/coremqtt.git"
    [ -d "$git_src" ] || git clone -q --bare https://github.com/FreeRTOS/coreMQTT.git "$git_src"
fi
echo "| release | all files | serializer (and property files) |"
echo "|---|---|---|"
for tag in v2.3.1 v5.0.2; do
    src="$out/coremqtt-$tag"
    rm -rf "$src" && mkdir -p "$src"
    git -C "$git_src" archive "$tag" source | tar -x -C "$src"
    all=0
    ser=0
    for c in "$src"/source/*.c; do
        o="$src/$(basename "$c" .c).o"
        arm-none-eabi-gcc "${arch[@]}" -Os -ffunction-sections -fdata-sections \
            -DMQTT_DO_NOT_USE_CUSTOM_CONFIG -I"$src/source/include" -I"$src/source/interface" \
            -c "$c" -o "$o"
        n=$(arm-none-eabi-size -A "$o" | awk '$1 ~ /^\.(text|rodata)/ { s += $2 } END { print s + 0 }')
        all=$((all + n))
        case "$(basename "$c")" in
            *serializer*|*prop_*) ser=$((ser + n)) ;;
        esac
    done
    echo "| $tag | $all | $ser |"
done
