#!/usr/bin/env bash
# OTLP trace decoding and Prometheus text parsing, measured on infermon's
# release build and, on the very same bodies, on Python peers (peers.py):
#   - opentelemetry-proto's generated protobuf classes (the upb C parser), which
#     is what the Python SDK and many receivers use to read OTLP;
#   - prometheus_client's text parser (text_string_to_metric_families).
# The peers only parse; infermon also maps every span to an event (or every
# line to labelled samples), so the comparison favours the peers.
#
# Usage: Benchmarks/otlp/bench.sh
#   BENCH=path/to/infermon-bench  the build to measure (default: built here, release)
#   BENCH_BEFORE=path             an older build, measured in the same rounds, interleaved
#   ROUNDS=N                      rounds of infermon (and the older build), then the peers (default 1)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
. Benchmarks/lib.sh
BIN=${BIN:-unused} bench_binaries
work="$(mktemp -d /tmp/infermon-otlp-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
venv="${INFERMON_BENCH_VENV:-$HOME/.cache/infermon/bench-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check opentelemetry-proto==1.45.2 prometheus_client

otlp() {
    "$1" otlp --protobuf "$root/Tests/CollectorsTests/testdata/otlp-python-sdk-traces.binpb" \
        --json "$root/Tests/CollectorsTests/testdata/otlp-genai-traces.json" --copies 200 --rounds 50 \
        --write-protobuf "$work/request.binpb"
}

echo "== infermon $(git rev-parse --short HEAD), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "${ROUNDS:-1}"); do {
    echo "-- round $round"
    if [ -n "${BENCH_BEFORE:-}" ]; then
        echo "older build ($BENCH_BEFORE):"
        otlp "$BENCH_BEFORE"
    fi
    otlp "$BENCH"
    "$BENCH" exposition --page "$root/Tests/ScrapeTests/testdata/vllm-metrics.txt" --copies 50 --rounds 50 \
        --write-body "$work/page.txt"
    echo "Python peers on the same bodies:"
    "$venv/bin/python" "$root/Benchmarks/otlp/peers.py" "$work/request.binpb" "$work/page.txt"
} | tee -a "$work/log"; done
echo "== load after $(cut -d' ' -f1-3 /proc/loadavg)"
# Per round: protobuf spans/s of the older build and of this one, the peer's
# parse + attribute dicts, and this build's ratio to the peer, by the wall
# clock and by CPU time (which moves less when others share the cores).
awk '/^older build/ { older = 1; next }
     /^protobuf: / { rate = $0; sub(/.*= /, "", rate); sub(/ spans.*/, "", rate)
                     cpu = $0; sub(/ spans per CPU second.*/, "", cpu); sub(/.*; /, "", cpu)
                     if (older) { before = rate; older = 0 } else { now = rate; nowcpu = cpu } }
     /^protobuf \(parse \+ attribute dicts\)/ { peer = $0; sub(/.*dicts\): /, "", peer); sub(/ spans.*/, "", peer)
                     peercpu = $0; sub(/ spans per CPU second.*/, "", peercpu); sub(/.*; /, "", peercpu)
                     printf "round %d: %sinfermon %s spans/s, Python upb + dicts %s, ratio %.2f; per CPU second %s and %s, ratio %.2f\n",
                         ++round, (before ? "older build " before ", " : ""), now, peer, now / peer,
                         nowcpu, peercpu, nowcpu / peercpu }' "$work/log"
