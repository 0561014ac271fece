#!/usr/bin/env bash
# Throughput of the security scanners on the ingest path: 100,000 synthetic
# events with 2 KB responses (1% carrying a planted secret) through the
# SecurityStage, in a release build. Target: at least 50,000 events/s.
# Then the peer, Yelp's detect-secrets (PyPI), on the first PEER_LINES of the
# same responses (it is about three orders of magnitude slower; see its script).
#
#   Benchmarks/scanners.sh            # PEER_LINES=0 skips the peer
set -euo pipefail
cd "$(dirname "$0")/.."
PEER_LINES="${PEER_LINES:-5000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

swift build -c release --product infermon-bench >/dev/null
.build/release/infermon-bench scanners --write-corpus "$work/responses.txt" "$@"
if [ "$PEER_LINES" -gt 0 ]; then
    python3 -m pip install --quiet detect-secrets==1.5.0
    python3 Benchmarks/peer_detect_secrets.py "$work/responses.txt" "$PEER_LINES"
fi
