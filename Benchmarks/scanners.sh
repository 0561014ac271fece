#!/usr/bin/env bash
# Throughput of the security scanners on the ingest path: 100,000 synthetic
# events with 2 KB responses (1% carrying a planted secret) through the
# SecurityStage, in a release build. Target: at least 50,000 events/s.
#
#   Benchmarks/scanners.sh [--json] [--events N] [--response-bytes B]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product infermon >/dev/null
.build/release/infermon bench scanners "$@"
