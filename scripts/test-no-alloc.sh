#!/usr/bin/env bash
# Proves that the core needs no allocator without its `alloc` feature: builds the #![no_std]
# program in mqtt-codec/tests/no-alloc (no #[global_allocator]; it parses and re-encodes
# every packet type of 3.1, 3.1.1 and 5.0, and runs a heap-free client session through a
# scripted exchange) for a Cortex-M4F, linked with --gc-sections, and
# runs its vectors on the host, with every version and side and with the subsets a device
# builds (features v3, v5, client, server). Installs the rustup target if missing.
set -euo pipefail
cd "$(dirname "$0")/../mqtt-codec/tests/no-alloc"

target=thumbv7em-none-eabihf
rustup target add "$target" >/dev/null 2>&1 || rustup target add "$target"

cargo fmt --check
# The full build, then the builds a device makes: a 3.1.1 client, a 5.0 client, a server.
for features in "" "v3,client" "v5,client" "v3,v5,server"; do
    echo "==> the vectors on the host, core without alloc, features: ${features:-all}"
    if [ -n "$features" ]; then
        cargo test --lib --locked -q --no-default-features --features "$features"
    else
        cargo test --lib --locked -q
    fi
done

echo "==> linked for $target with no global allocator"
cargo build --release --locked --target "$target"
image=../../../target/no-alloc/$target/release/no-alloc
if command -v llvm-size >/dev/null 2>&1; then
  llvm-size -A "$image" | awk '$1 ~ /^\.(text|rodata|data|bss|vector_table)$/ { print; flash += ($1 != ".bss") ? $2 : 0 } END { print "flash bytes (text + rodata + data):", flash }'
else
  ls -l "$image"
fi
