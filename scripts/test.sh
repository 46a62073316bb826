#!/usr/bin/env bash
# Runs every check of the project, the same on a developer's machine and in CI.
# Installs what it needs first, so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain components"
rustup component add rustfmt clippy >/dev/null 2>&1 || true

step "formatting (cargo fmt --check)"
cargo fmt --all -- --check

step "lints (cargo clippy, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings -D clippy::incompatible_msrv

step "no_std builds of the core: no allocator, alloc, a 3.1.1 client, a 5.0 client, the broker core"
all="v3,v5,client,server"
cargo build -p mqtt-codec --no-default-features --features "$all"
cargo clippy -p mqtt-codec --no-default-features --features "$all" -- -D warnings
cargo build -p mqtt-codec --no-default-features --features "$all,alloc"
cargo clippy -p mqtt-codec --no-default-features --features v3,client -- -D warnings
cargo clippy -p mqtt-codec --no-default-features --features v5,client -- -D warnings
cargo build -p mqtt-codec --no-default-features --features broker

step "documentation (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc -p mqtt-codec --no-deps --features broker,tokio
RUSTDOCFLAGS="-D warnings" cargo doc -p mqtt-codec-ffi --no-deps

step "tests"
cargo test --workspace
# The example broker's own unit tests (its write queue and read switch). Named here: with
# `test = true` in Cargo.toml, `cargo test` would build the example only as a test harness,
# and the tests that run the broker binary would not find it.
cargo test -p mqtt-codec --example broker

step "benches: built once so that they cannot rot (a workspace of their own; not run here)"
(cd benches && cargo fmt -- --check && cargo clippy --all-targets -- -D warnings)

step "decode example"
out=$(cargo run -q -p mqtt-codec --example decode -- "10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63 C0 00")
echo "$out"
grep -q '^CONNECT' <<<"$out" && grep -q '^PINGREQ' <<<"$out"
if cargo run -q -p mqtt-codec --example decode -- "30 FF FF FF FF 7F" >/dev/null; then
  echo "decode example accepted a 5-byte remaining length" >&2
  exit 1
fi

# The bindings, the broker over real TCP, and the fuzzers: each script installs what it needs.
for part in no-alloc python ffi firmware broker fuzz; do
  script="scripts/test-$part.sh"
  if [ -f "$script" ]; then
    step "$script"
    bash "$script"
  fi
done

echo
echo "all checks passed"
