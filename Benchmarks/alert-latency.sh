#!/usr/bin/env bash
# Alert latency, log line to webhook, release build: infermon's own rule engine
# and notification against Prometheus 2.42 + Alertmanager scraping infermon's
# /metrics, in the same run (see the header of alert-latency.py).
#
#   Benchmarks/alert-latency.sh                 # 100 trials each
#   TRIALS=20 MODE=infermon Benchmarks/alert-latency.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product infermon >/dev/null
exec python3 Benchmarks/alert-latency.py --infermon .build/release/infermon \
    --trials "${TRIALS:-100}" --mode "${MODE:-both}"
