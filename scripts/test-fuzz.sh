#!/usr/bin/env bash
# Runs every cargo-fuzz target for a short bounded time (20 s each, about 3 minutes in all
# with the build), so CI catches a regression. Long runs: see fuzz/README.md.
# Installs cargo-fuzz if missing. Uses the nightly toolchain with AddressSanitizer when it is
# installed, else the stable one with RUSTC_BOOTSTRAP=1 and no sanitizer.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

SECS="${FUZZ_SECS:-20}"
ALL=(decode_stream roundtrip structured differential broker topic ffi sn sn_gateway client_session fixed_session broker_store)
# FUZZ_TARGETS="a b" runs only those (the long runs of scripts/long-checks.sh).
read -r -a TARGETS <<<"${FUZZ_TARGETS:-${ALL[*]}}"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

if rustup run nightly rustc --version >/dev/null 2>&1; then
  fuzz() { cargo +nightly fuzz "$@"; }
  SAN=()
else
  echo "==> no nightly toolchain: stable with RUSTC_BOOTSTRAP=1, no sanitizer"
  fuzz() { RUSTC_BOOTSTRAP=1 cargo fuzz "$@"; }
  SAN=(--sanitizer none)
fi

echo "==> building the fuzz targets"
fuzz build "${SAN[@]}"

# New inputs go to a scratch corpus; the committed seeds in corpus/<target> stay as they are.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for t in "${TARGETS[@]}"; do
  echo "==> fuzz $t (${SECS}s)"
  mkdir -p "$scratch/$t"
  fuzz run "${SAN[@]}" "$t" "$scratch/$t" "corpus/$t" -- \
    -max_total_time="$SECS" -dict=mqtt.dict -print_final_stats=1 2>"$scratch/$t.log" \
    || { tail -n 60 "$scratch/$t.log"; echo "fuzz target $t failed (input in fuzz/artifacts/$t/)" >&2; exit 1; }
  grep -E '^stat::number_of_executed_units|^#[0-9]+ +DONE' "$scratch/$t.log" | tail -n 2 || true
done
echo "==> all fuzz targets ran ${SECS}s without a finding"
