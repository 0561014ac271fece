#!/usr/bin/env bash
# Sustained HTTP push load: wrk POSTs batches of 100 events to
# /api/v1/events of a release-built `infermon serve` on 127.0.0.1; reports
# events/s, p50/p99 latency, and checks that every acknowledged event is stored.
#
#   Benchmarks/push.sh            DURATION=30s CONNECTIONS=32 Benchmarks/push.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-packages.sh wrk sqlite3
swift build -c release --product infermon >/dev/null
BIN=$PWD/.build/release/infermon
WORK=${BENCH_DIR:-$(mktemp -d /tmp/infermon-push-bench-XXXXXX)}
mkdir -p "$WORK"
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-32}
PORT=39465
export INFERMON_TOKEN="bench-$RANDOM$RANDOM"
echo "$INFERMON_TOKEN" > "$WORK/token"
rm -f "$WORK"/store.db*
cat > "$WORK/infermon.yaml" <<YAML
storage: {path: $WORK/store.db}
sources: []
server:
  listen: 127.0.0.1:$PORT
  auth: {token_file: $WORK/token}
detectors: {enabled: false}
quality: {enabled: false}
log: {level: warning}
YAML
"$BIN" serve --config "$WORK/infermon.yaml" 2>"$WORK/serve.log" &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
result=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s Benchmarks/push.lua "http://127.0.0.1:$PORT" | grep '^RESULT')
kill -TERM $PID; wait $PID 2>/dev/null || true
stored=$(sqlite3 "$WORK/store.db" "SELECT count(*) FROM events")
python3 - "$result" "$stored" "$CONNECTIONS" <<'PY'
import sys
fields = dict(item.split("=") for item in sys.argv[1].split()[1:])
stored, connections = int(sys.argv[2]), sys.argv[3]
requests = int(fields["requests"]) - int(fields["errors_status"])
seconds = int(fields["duration_us"]) / 1e6
print("| connections | batches/s | events/s | p50 ms | p99 ms | non-2xx | events stored / acknowledged |")
print("|---|---|---|---|---|---|---|")
print(f"| {connections} | {requests / seconds:,.0f} | {requests * 100 / seconds:,.0f} | {int(fields['p50_us']) / 1000:.1f} | "
      f"{int(fields['p99_us']) / 1000:.1f} | {fields['errors_status']} | {stored:,} / {requests * 100:,} |")
PY
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); wrk and infermon share them"
if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$WORK"; fi
