#!/usr/bin/env bash
# Memory of the whole daemon under steady push traffic over many label sets, with
# Prometheus 2 beside it scraping the daemon's /metrics (the same series, as a
# team that already runs Prometheus would see them) in the same run.
#
# Release-built `infermon serve` on its embedded defaults (storage, listen and a
# token set); Benchmarks/soak_push.py pushes RATE events/s of wall-clock time
# over LABEL_SETS (model, tenant, route) triples for MINUTES (ERROR_SHARE of the
# events are errors, each set's first one adding a key; 0 keeps the keys fixed); every SAMPLE
# seconds the RSS (and its anonymous part) of both processes is recorded, and
# at the end the table per PRINT_EVERY minutes, the growth from the end of the
# warm-up (WARMUP minutes) to the end, and Prometheus's own view of its scrapes.
#
#   Benchmarks/memory-soak.sh                              # 10,000 label sets, 30 minutes
#   LABEL_SETS=1000 MINUTES=5 PROMETHEUS=0 Benchmarks/memory-soak.sh
#   BIN=/path/to/infermon Benchmarks/memory-soak.sh        # a build of your own
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
LABEL_SETS=${LABEL_SETS:-10000}
RATE=${RATE:-2000}
ERROR_SHARE=${ERROR_SHARE:-0.01}
MINUTES=${MINUTES:-30}
WARMUP=${WARMUP:-5}
SAMPLE=${SAMPLE:-30}
PRINT_EVERY=${PRINT_EVERY:-5}
PROMETHEUS=${PROMETHEUS:-1}
PORT=${PORT:-39471}
PROM_PORT=${PROM_PORT:-39472}
[ "$PROMETHEUS" = 0 ] || scripts/ensure-packages.sh prometheus curl
bench_binaries
WORK=${BENCH_DIR:-$(mktemp -d /tmp/infermon-soak-XXXXXX)}
mkdir -p "$WORK"
rm -rf "$WORK"/store.db* "$WORK/prometheus" "$WORK/rss.csv"
TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$TOKEN" > "$WORK/token"
cat > "$WORK/infermon.yaml" <<YAML
storage: {path: $WORK/store.db}
server:
  listen: 127.0.0.1:$PORT
  auth: {token_file: $WORK/token}
log: {level: warning}
YAML
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
"$BIN" serve --config "$WORK/infermon.yaml" 2>"$WORK/serve.log" &
INFERMON=$!
pids+=("$INFERMON")
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
PROM=""
if [ "$PROMETHEUS" != 0 ]; then
    cat > "$WORK/prometheus.yml" <<YAML
global: {scrape_interval: 15s, scrape_timeout: 10s}
scrape_configs:
  - job_name: infermon
    authorization: {credentials_file: $WORK/token}
    static_configs: [{targets: ["127.0.0.1:$PORT"]}]
YAML
    prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prometheus" \
        --web.listen-address=127.0.0.1:$PROM_PORT >"$WORK/prometheus.log" 2>&1 &
    PROM=$!
    pids+=("$PROM")
fi
python3 Benchmarks/soak_push.py "http://127.0.0.1:$PORT/api/v1/events" "$TOKEN" --label-sets "$LABEL_SETS" \
    --rate "$RATE" --minutes "$MINUTES" --error-share "$ERROR_SHARE" >"$WORK/push.log" 2>&1 &
PUSH=$!
pids+=("$PUSH")
rss() { awk '/^VmRSS/ {r=$2} /^RssAnon/ {a=$2} END {printf "%d,%d", r, a}' "/proc/$1/status" 2>/dev/null || echo "0,0"; }
start=$(date +%s)
echo "seconds,infermon_rss_kb,infermon_anon_kb,prometheus_rss_kb,prometheus_anon_kb" > "$WORK/rss.csv"
while kill -0 "$PUSH" 2>/dev/null; do
    sleep "$SAMPLE"
    line="$(( $(date +%s) - start )),$(rss "$INFERMON"),$([ -n "$PROM" ] && rss "$PROM" || echo 0,0)"
    echo "$line" >> "$WORK/rss.csv"
done
scrape=""
if [ -n "$PROM" ]; then
    q() { curl -sf "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" \
        | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")'; }
    scrape="$(q 'max_over_time(scrape_duration_seconds[1h])') $(q 'avg_over_time(scrape_duration_seconds[1h])') \
$(q 'min_over_time(up[1h])') $(q 'scrape_samples_scraped') $(q 'prometheus_tsdb_head_series')"
fi
series=$(curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/metrics" | grep -vc '^#' || true)
python3 - "$WORK/rss.csv" "$WARMUP" "$PRINT_EVERY" "$LABEL_SETS" "$series" "$(tail -1 "$WORK/push.log")" "$scrape" <<'PY'
import csv, sys
path, warmup, every, label_sets, series, push, scrape = sys.argv[1:8]
rows = [{k: int(v) for k, v in r.items()} for r in csv.DictReader(open(path))]
warmup, every = int(warmup) * 60, int(every) * 60
mib = lambda kb: kb / 1024
print(f"{label_sets} label sets; push: {push}; /metrics at the end: {series} series")
print("| minute | infermon RSS MiB (anonymous) | Prometheus RSS MiB (anonymous) |")
print("|---|---|---|")
mark = 0
for r in rows:
    if r["seconds"] >= mark or r is rows[-1]:
        print(f"| {r['seconds'] / 60:.1f} | {mib(r['infermon_rss_kb']):.1f} ({mib(r['infermon_anon_kb']):.1f}) | "
              f"{mib(r['prometheus_rss_kb']):.1f} ({mib(r['prometheus_anon_kb']):.1f}) |")
        while mark <= r["seconds"]: mark += every
after = [r for r in rows if r["seconds"] >= warmup]
if len(after) >= 2:
    for name in ("infermon", "prometheus"):
        first, last = after[0][f"{name}_rss_kb"], after[-1][f"{name}_rss_kb"]
        peak = max(r[f"{name}_rss_kb"] for r in after)
        minutes = (after[-1]["seconds"] - after[0]["seconds"]) / 60
        print(f"{name}: after warm-up {mib(first):.1f} MiB -> end {mib(last):.1f} MiB (peak {mib(peak):.1f}) over "
              f"{minutes:.0f} min: {mib(last - first) / max(minutes, 1e-9):+.2f} MiB/min")
if scrape.strip():
    mx, avg, up, samples, head = scrape.split()
    print(f"Prometheus: scrape duration max {mx} s, mean {avg} s; min(up) {up}; samples per scrape {samples}; "
          f"head series {head}")
PY
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "work files: $WORK"
