#!/usr/bin/env bash
# The long runs of the client session and the MQTT-SN gateway, too long for every CI run:
# run before resolving an issue that touches them, and report the figures in its note.
#
#   bash scripts/long-checks.sh                       # about 20 minutes on 2 cores
#   SIM_SEEDS=100000 FUZZ_SECS=3600 bash scripts/long-checks.sh
#
# - the deterministic simulation of both sessions and the broker core (tests/simulation/)
#   over SIM_SEEDS seeds (default 100,000; the test run does 200);
# - each session against its model (tests/client_session_model.rs,
#   tests/fixed_session_model.rs) with MODEL_CASES cases (default 200,000; the test run
#   does 256);
# - the fuzz targets of both sessions, the broker and the MQTT-SN gateway for FUZZ_SECS
#   seconds each (default 300; the test run gives every target 20).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "simulation: ${SIM_SEEDS:=100000} seeds (release)"
SIM_SEEDS="$SIM_SEEDS" cargo test --release -p mqtt-codec --test simulation -- --nocapture

step "session against the model: ${MODEL_CASES:=200000} cases (release)"
MODEL_CASES="$MODEL_CASES" cargo test --release -p mqtt-codec --test client_session_model \
    --test fixed_session_model

step "fuzz: client_session, fixed_session, broker, sn_gateway, ${FUZZ_SECS:=300} s each"
FUZZ_SECS="$FUZZ_SECS" FUZZ_TARGETS="client_session fixed_session broker sn_gateway" \
    bash scripts/test-fuzz.sh

step "long checks passed"
