#!/usr/bin/env bash
# Reads, side by side with a real Prometheus holding the same samples, in the
# same run: every row of the query table in the README.
#
#   1. 24 h range query at 1 m step over 100 label sets,
#      `sum by (model) (rate(…[5m]))`, through `promtool query range` and over
#      HTTP alone (a new connection per query, as curl does);
#   2. the same for `histogram_quantile(0.99, …)`;
#   3. 8 of the rate query one after another, then 8 at once (the speed-up);
#   4. the rate query again after a 1 M-line tail into the running daemon,
#      stamped after the queried window (idle latency, before and after);
#   5. the rate query again after 5 M more events outside the queried window
#      were stored (the days before it), on the restarted daemon;
#   6. bytes per sample: the whole file (raw events, rollups, sketches) and
#      each table, against Prometheus's blocks.
#
# The data: 10 models x 10 tenants, requests in every 15 s interval for 24 h,
# ingested into infermon (rollup interval 15s); infermon's own series are then
# exported as OpenMetrics and imported into Prometheus with
# `promtool tsdb create-blocks-from openmetrics`, so both answer from the same
# samples. Each figure is the median of RUNS rounds, infermon and Prometheus
# measured in alternation so that a busy machine slows both alike.
#
#   Benchmarks/query.sh          (needs the Debian package `prometheus`)
#   RUNS=11 OUTSIDE_EVENTS=5000000 TAIL_EVENTS=1000000 Benchmarks/query.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-packages.sh prometheus sqlite3 curl
. Benchmarks/lib.sh
bench_binaries
WORK=${BENCH_DIR:-$(mktemp -d /tmp/infermon-query-bench-XXXXXX)}
mkdir -p "$WORK"
RUNS=${RUNS:-7}
OUTSIDE_EVENTS=${OUTSIDE_EVENTS:-5000000}
TAIL_EVENTS=${TAIL_EVENTS:-1000000}
PROM_PORT=39090
INFERMON_PORT=39464
FRESH_PORT=39466
END=$(( $(date +%s) / 60 * 60 - 120 ))
START=$(( END - 86400 ))

cat > "$WORK/infermon.yaml" <<YAML
storage:
  path: $WORK/infermon.db
  rollup_interval: 15s
  retention: {events: 30d, rollups: 30d}
sources:
  - {name: tail, paths: ["$WORK/tail.jsonl"], profile: native}
server:
  listen: 127.0.0.1:$INFERMON_PORT
log:
  level: warning
YAML
rm -f "$WORK"/infermon.db* "$WORK/tail.jsonl"
touch "$WORK/tail.jsonl"
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
INFERMON_PID=
start_infermon() {
    "$BIN" serve --config "$WORK/infermon.yaml" 2>>"$WORK/infermon.log" &
    INFERMON_PID=$!
    for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$INFERMON_PORT/readyz" >/dev/null && return; sleep 0.2; done
    echo "infermon did not become ready" >&2
    exit 1
}
FRESH_PID=
trap 'kill $PROM_PID $INFERMON_PID $FRESH_PID 2>/dev/null || true; wait 2>/dev/null || true' EXIT
start_infermon
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null && break; sleep 0.2; done

# The measurements, in one Python process so that rounds interleave. `phase`
# names what it measures; results accumulate in $WORK/results.json.
measure() {
    python3 - "$1" "$START" "$END" "$RUNS" "http://127.0.0.1:$PROM_PORT" "http://127.0.0.1:$INFERMON_PORT" \
        "$WORK/results.json" "${2:-}" <<'PY'
import http.client, json, os, statistics, subprocess, sys, threading, time, urllib.parse
phase, start, end, runs, prom, inf, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), *sys.argv[5:8]
fresh = sys.argv[8]  # with the aged store: a daemon on the fresh one, measured in the same rounds
RATE = 'sum by (model) (rate(infermon_requests_total[5m]))'
QUANTILE = 'histogram_quantile(0.99, sum by (model, le) (rate(infermon_request_duration_seconds_bucket[5m])))'
results = json.load(open(out)) if os.path.exists(out) else {}

def http_range(base, query, parse=True):
    """One range query on a new connection; its wall time and its series (not
    parsed when `parse` is false: the concurrency rows time the server, and
    eight Python threads parsing JSON under one GIL would time the client)."""
    host, port = base.removeprefix("http://").split(":")
    path = "/api/v1/query_range?" + urllib.parse.urlencode({"query": query, "start": start, "end": end, "step": "60"})
    t = time.perf_counter()
    connection = http.client.HTTPConnection(host, int(port))
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - t
    connection.close()
    if not parse:
        return elapsed, None
    data = json.loads(body)
    assert data["status"] == "success", body[:300]
    return elapsed, data["data"]["result"]

def promtool(base, query):
    t = time.perf_counter()
    subprocess.run(["promtool", "query", "range", f"--start={start}", f"--end={end}", "--step=1m", base, query],
                   capture_output=True, text=True, check=True)
    return time.perf_counter() - t

def together(base, query, n):
    barrier = threading.Barrier(n + 1)
    def run():
        barrier.wait()
        http_range(base, query, parse=False)
    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads: thread.start()
    barrier.wait()
    t = time.perf_counter()
    for thread in threads: thread.join()
    return time.perf_counter() - t

def agree(query):
    _, a = http_range(prom, query)
    _, b = http_range(inf, query)
    index = {json.dumps(r["metric"], sort_keys=True): {t: float(v) for t, v in r["values"]} for r in b}
    worst, points = 0.0, 0
    for r in a:
        theirs = index.get(json.dumps(r["metric"], sort_keys=True), {})
        for t, v in r["values"]:
            points += 1
            w = theirs.get(t)
            if w is None: worst = float("inf")
            elif v == v: worst = max(worst, abs(float(v) - w) / max(abs(float(v)), 1e-12))
    return f"{len(a)}/{len(b)} series, {points} points, max relative difference {worst:.1e}"

def record(name, values):
    results.setdefault(phase, {})[name] = statistics.median(values)

bases = {"infermon": inf, "prometheus": prom}
if fresh: bases["infermon-fresh"] = fresh
for base in bases.values():  # warm caches and connections
    http_range(base, RATE); http_range(base, QUANTILE)
samples = {}
def note(key, value): samples.setdefault(key, []).append(value)
for round in range(runs):
    order = list(bases.items()) if round % 2 == 0 else list(reversed(bases.items()))
    for name, base in order:
        if phase != "fresh":  # one row to measure: five samples a round, as one is noise at 40 ms
            for _ in range(5): note(f"{name} rate http", http_range(base, RATE)[0])
            continue
        note(f"{name} rate http", http_range(base, RATE)[0])
        note(f"{name} rate promtool", promtool(base, RATE))
        note(f"{name} quantile promtool", promtool(base, QUANTILE))
        note(f"{name} quantile http", http_range(base, QUANTILE)[0])
        t = time.perf_counter()
        for _ in range(8): http_range(base, RATE, parse=False)
        note(f"{name} 8 rate one after another", time.perf_counter() - t)
        note(f"{name} 8 rate at once", together(base, RATE, 8))
for key, values in samples.items(): record(key, values)
if phase == "fresh":
    results["agree"] = {"rate": agree(RATE), "quantile": agree(QUANTILE)}
json.dump(results, open(out, "w"), indent=1)
PY
}

rm -f "$WORK/results.json"
sleep "${SETTLE:-20}"  # the detectors' first pass over the day of events
measure fresh

# A 1 M-line tail into the running daemon, stamped after the queried window
# (the same label sets, spread over the minutes since its end): the query's
# answer is unchanged, so its latency should be too once the tail is stored.
python3 - "$WORK/events.jsonl" "$WORK/tail.jsonl" "$TAIL_EVENTS" "$END" <<'PY'
import re, sys, time
source, target, count, end = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) * 1000
first, last = end + 1000, int(time.time() * 1000) - 1000
stamp = re.compile(rb'"timestamp":\d+')
with open(source, "rb") as lines, open(target, "ab") as out:
    for index, line in enumerate(lines):
        if index == count: break
        out.write(stamp.sub(b'"timestamp":%d' % (first + (last - first) * index // count), line, 1))
PY
want=$(( $(wc -l < "$WORK/events.jsonl") + $(wc -l < "$WORK/tail.jsonl") ))
tail_started=$(date +%s.%N)
for _ in $(seq 1 600); do
    stored=$(curl -s "http://127.0.0.1:$INFERMON_PORT/api/v1/query?query=sum(infermon_requests_total)" |
        python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(int(float(r[0]["value"][1])) if r else 0)')
    [ "$stored" -ge "$want" ] && break
    sleep 0.5
done
tail_seconds=$(python3 -c "import time; print(f'{time.time() - $tail_started:.1f}')")
sleep "${SETTLE:-20}"
measure after-tail

# 5 M more events outside the queried window: the same day's traffic shifted
# one, two, … days back. A store that holds them is built as a store gets old:
# the history first, then the day that is queried, through the ingest path.
kill "$INFERMON_PID"; wait "$INFERMON_PID" 2>/dev/null || true
bytes_before=$(stat -c %s "$WORK/infermon.db")
python3 - "$WORK/events.jsonl" "$WORK/outside.jsonl" "$OUTSIDE_EVENTS" <<'PY'
import re, sys
source, target, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
stamp = re.compile(rb'"timestamp":(\d+)')
lines = open(source, "rb").read().splitlines(keepends=True)
days = -(-count // len(lines))
written = 0
with open(target, "wb") as out:
    for day in range(days, 0, -1):
        for line in lines[: min(len(lines), count - written)]:
            out.write(stamp.sub(lambda m: b'"timestamp":%d' % (int(m.group(1)) - day * 86_400_000), line, 1))
        written += min(len(lines), count - written)
PY
mv "$WORK/infermon.db" "$WORK/fresh.db"
rm -f "$WORK"/infermon.db-*
"$BIN" ingest --config "$WORK/infermon.yaml" "$WORK/outside.jsonl" >/dev/null
"$BIN" ingest --config "$WORK/infermon.yaml" "$WORK/events.jsonl" >/dev/null
bytes_after=$(stat -c %s "$WORK/infermon.db")
: > "$WORK/tail.jsonl"  # the new store's file source starts from nothing
start_infermon
# The fresh store beside it, so both are measured in the same rounds.
sed -e "s#$WORK/infermon.db#$WORK/fresh.db#" -e "s#:$INFERMON_PORT#:$FRESH_PORT#" -e '/^sources:/,/^server:/{/^sources:/s/.*/sources: []/;/^  - /d}' \
    "$WORK/infermon.yaml" > "$WORK/fresh.yaml"
"$BIN" serve --config "$WORK/fresh.yaml" 2>>"$WORK/infermon-fresh.log" &
FRESH_PID=$!
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$FRESH_PORT/readyz" >/dev/null && break; sleep 0.2; done
sleep "${SETTLE:-20}"
measure after-outside "http://127.0.0.1:$FRESH_PORT"
kill "$FRESH_PID"; wait "$FRESH_PID" 2>/dev/null || true

kill "$INFERMON_PID"; wait "$INFERMON_PID" 2>/dev/null || true
prom_bytes=$(du -sb "$WORK/prometheus" | cut -f1)
table_bytes=$(sqlite3 "$WORK/fresh.db" \
    "SELECT name, sum(pgsize) FROM dbstat WHERE name IN ('events','events_ts','event_texts','rollups','rollup_sketches','rollup_blocks','chunks') GROUP BY name" 2>/dev/null |
    tr '\n' ' ')
python3 - "$WORK/results.json" "$SAMPLES" "$prom_bytes" "$bytes_before" "$bytes_after" "$tail_seconds" \
    "$TAIL_EVENTS" "$OUTSIDE_EVENTS" "$table_bytes" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
samples, prom_bytes, before, after = (int(x) for x in sys.argv[2:6])
tail_seconds, tail_events, outside_events, tables = float(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8]), sys.argv[9]
f = r["fresh"]
def row(label, key):
    i, p = f[f"infermon {key}"], f[f"prometheus {key}"]
    print(f"| {label} | {i:.3f} | {p:.3f} | {i / p:.2f} |")
print("| query / situation (seconds, median) | infermon | Prometheus 2.42 | ratio |")
print("|---|---|---|---|")
row("24 h @ 1 m `sum by (model) (rate(…[5m]))`, promtool", "rate promtool")
row("same, HTTP only", "rate http")
row("`histogram_quantile(0.99, …)`, promtool", "quantile promtool")
row("same, HTTP only", "quantile http")
row("8 rate queries one after another, HTTP", "8 rate one after another")
row("the same 8 at once", "8 rate at once")
for name in ("infermon", "prometheus"):
    print(f"- {name}: 8 at once {f[f'{name} 8 rate one after another'] / f[f'{name} 8 rate at once']:.2f}× faster than one after another")
fresh = f["infermon rate http"]
tail = r["after-tail"]["infermon rate http"]
outside = r["after-outside"]["infermon rate http"]
outside_fresh = r["after-outside"]["infermon-fresh rate http"]
print(f"- idle rate query over HTTP before / after a {tail_events:,}-line tail into the running daemon "
      f"(stored in {tail_seconds:.1f} s): {fresh:.3f} s → {tail:.3f} s ({tail / fresh:.2f}×; Prometheus in the same rounds "
      f"{f['prometheus rate http']:.3f} → {r['after-tail']['prometheus rate http']:.3f} s)")
print(f"- a store that also holds {outside_events:,} events of the days before the window (file {before / 1e6:.0f} MB → {after / 1e6:.0f} MB): "
      f"{outside:.3f} s against {outside_fresh:.3f} s from the fresh store in the same rounds ({outside / outside_fresh:.2f}×)")
print(f"- answers: rate {r['agree']['rate']}; quantile {r['agree']['quantile']}")
print(f"- same {samples:,} samples (requests counters and latency buckets): Prometheus blocks {prom_bytes:,} B = "
      f"{prom_bytes / samples:.2f} B/sample; infermon's whole file {before:,} B = {before / samples:.2f} B/sample "
      f"(it also holds every raw event, the quantile sketches and the 1 M tail); tables of the fresh store: {tables}")
PY
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$WORK"; fi
