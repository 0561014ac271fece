#!/usr/bin/env bash
# 24-hour range queries at 1-minute step over 100 label sets, against infermon
# and against a real Prometheus holding the same samples, both through
# `promtool query range`, in the same run.
#
# The data: 10 models x 10 tenants, requests in every 15 s interval for 24 h,
# ingested into infermon (rollup interval 15s); infermon's own series are then
# exported as OpenMetrics and imported into Prometheus with
# `promtool tsdb create-blocks-from openmetrics`, so both answer from the same samples.
#
#   Benchmarks/query.sh          (needs the Debian package `prometheus`)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-packages.sh prometheus sqlite3
swift build -c release --product infermon >/dev/null
swift build -c release --product infermon-bench >/dev/null
BIN=$PWD/.build/release/infermon
BENCH=$PWD/.build/release/infermon-bench
WORK=${BENCH_DIR:-$(mktemp -d /tmp/infermon-query-bench-XXXXXX)}
RUNS=${RUNS:-7}
PROM_PORT=39090
INFERMON_PORT=39464
END=$(( $(date +%s) / 60 * 60 - 120 ))
START=$(( END - 86400 ))

cat > "$WORK/infermon.yaml" <<YAML
storage:
  path: $WORK/infermon.db
  rollup_interval: 15s
  retention: {events: 30d, rollups: 30d}
sources: []
server:
  listen: 127.0.0.1:$INFERMON_PORT
log:
  level: warning
YAML
rm -f "$WORK"/infermon.db*
"$BENCH" query-data --span 24h --interval 15s --end "$END" --output "$WORK/events.jsonl"
"$BIN" ingest --config "$WORK/infermon.yaml" "$WORK/events.jsonl" >/dev/null
SAMPLES=$("$BENCH" export-openmetrics --config "$WORK/infermon.yaml" --start "$START" --end "$END" \
    --match 'infermon_requests_total' --match 'infermon_request_duration_seconds_bucket' --output "$WORK/data.om")
rm -rf "$WORK/prometheus"
promtool tsdb create-blocks-from openmetrics "$WORK/data.om" "$WORK/prometheus" >/dev/null
printf 'global:\n  scrape_interval: 15s\n' > "$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prometheus" \
    --storage.tsdb.retention.time=30d --web.listen-address=127.0.0.1:$PROM_PORT >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
"$BIN" serve --config "$WORK/infermon.yaml" 2>"$WORK/infermon.log" &
INFERMON_PID=$!
trap 'kill $PROM_PID $INFERMON_PID 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for url in "http://127.0.0.1:$PROM_PORT/-/ready" "http://127.0.0.1:$INFERMON_PORT/readyz"; do
    for _ in $(seq 1 100); do curl -sf "$url" >/dev/null && break; sleep 0.2; done
done

RATE='sum by (model) (rate(infermon_requests_total[5m]))'
QUANTILE='histogram_quantile(0.99, sum by (model, le) (rate(infermon_request_duration_seconds_bucket[5m])))'

# Median wall time of RUNS promtool invocations, and the answer's point count (to check both agree).
measure() {
    local url=$1 query=$2
    python3 - "$url" "$query" "$START" "$END" "$RUNS" <<'PY'
import subprocess, sys, time, statistics
url, query, start, end, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
times, points = [], 0
for _ in range(runs):
    t = time.perf_counter()
    out = subprocess.run(["promtool", "query", "range", f"--start={start}", f"--end={end}", "--step=1m", url, query],
                         capture_output=True, text=True, check=True).stdout
    times.append(time.perf_counter() - t)
    points = sum(1 for line in out.splitlines() if " @[" in line)
print(f"{statistics.median(times):.3f} {points}")
PY
}

# Both answers, compared value by value (Prometheus 2.42 and infermon follow the same semantics).
compare() {
    python3 - "$1" "$START" "$END" "http://127.0.0.1:$PROM_PORT" "http://127.0.0.1:$INFERMON_PORT" <<'PY'
import json, sys, urllib.parse, urllib.request
query, start, end, prom, inf = sys.argv[1:6]
def get(base):
    q = urllib.parse.urlencode({"query": query, "start": start, "end": end, "step": "60"})
    data = json.load(urllib.request.urlopen(f"{base}/api/v1/query_range?{q}"))["data"]["result"]
    return {json.dumps(r["metric"], sort_keys=True): {t: float(v) for t, v in r["values"]} for r in data}
a, b = get(prom), get(inf)
worst = 0.0
for key in a:
    for t, v in a[key].items():
        w = b.get(key, {}).get(t)
        if w is None: worst = float("inf"); continue
        if v == v: worst = max(worst, abs(v - w) / max(abs(v), 1e-12))
print(f"{len(a)}/{len(b)} series, max relative difference {worst:.2e}")
PY
}

echo "| query | Prometheus 2.42 (s) | infermon (s) | infermon ÷ Prometheus | points | answers agree |"
echo "|---|---|---|---|---|---|"
for name in rate quantile; do
    query=$RATE; [ $name = quantile ] && query=$QUANTILE
    read -r prom_time prom_points <<<"$(measure "http://127.0.0.1:$PROM_PORT" "$query")"
    read -r inf_time inf_points <<<"$(measure "http://127.0.0.1:$INFERMON_PORT" "$query")"
    agreement=$(compare "$query")
    ratio=$(python3 -c "print(f'{$inf_time / $prom_time:.2f}')")
    echo "| \`$query\` | $prom_time | $inf_time | $ratio | $prom_points / $inf_points | $agreement |"
done

prom_bytes=$(du -sb "$WORK/prometheus" | cut -f1)
kill $INFERMON_PID; wait $INFERMON_PID 2>/dev/null || true
inf_bytes=$(stat -c %s "$WORK/infermon.db")
rollup_bytes=$(sqlite3 "$WORK/infermon.db" "SELECT sum(pgsize) FROM dbstat WHERE name = 'rollups'" 2>/dev/null || echo 0)
sketch_bytes=$(sqlite3 "$WORK/infermon.db" "SELECT sum(pgsize) FROM dbstat WHERE name = 'rollup_sketches'" 2>/dev/null || echo 0)
echo
python3 - "$SAMPLES" "$prom_bytes" "$inf_bytes" "$rollup_bytes" "$sketch_bytes" <<'PY'
import sys
samples, prom, inf, rollups, sketches = (int(x or 0) for x in sys.argv[1:6])
print(f"same {samples:,} samples (requests counters and latency buckets) in both:")
print(f"- Prometheus TSDB blocks: {prom:,} bytes = {prom / samples:.2f} bytes/sample")
print(f"- infermon rollups table: {rollups:,} bytes = {rollups / samples:.2f} bytes/sample (each row also holds latency/TTFT sums and counts, TTFT buckets, four token counters and cost)")
print(f"- infermon rollup_sketches table (five quantile sketches per interval, not needed by these queries): {sketches:,} bytes")
print(f"- infermon whole file incl. raw events: {inf:,} bytes")
PY
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB"
if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$WORK"; fi
