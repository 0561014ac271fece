#!/usr/bin/env bash
# Queries side by side, as a dashboard, the rule evaluator and API clients send
# them: 8 clients sending the same 24-hour, 1-minute-step range query at once
# (against one such query alone), and a 1-hour query sent while 2 or 4 of the
# 24-hour quantile queries run. Same data as Benchmarks/query.sh (10 models x 10
# tenants, 15 s rollups, 24 h), through /api/v1/query_range.
#
#   Benchmarks/concurrent-query.sh
#   OTHER_BIN=/path/to/older/infermon Benchmarks/concurrent-query.sh
#       (both builds at once, each on its own copy of the data, measured in
#       alternation so that a busy machine slows both alike; BIN and BENCH
#       name other builds of infermon and infermon-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/lib.sh
bench_binaries
WORK=${BENCH_DIR:-$(mktemp -d /tmp/infermon-concurrent-query-XXXXXX)}
ROUNDS=${ROUNDS:-10}
END=$(( $(date +%s) / 60 * 60 - 120 ))
START=$(( END - 86400 ))

config() {  # directory, port
    cat > "$1/infermon.yaml" <<YAML
storage:
  path: $1/infermon.db
  rollup_interval: 15s
  retention: {events: 30d, rollups: 30d}
sources: []
server:
  listen: 127.0.0.1:$2
log:
  level: warning
YAML
}

mkdir -p "$WORK/this"
config "$WORK/this" 39465
"$BENCH" query-data --span 24h --interval 15s --end "$END" --output "$WORK/events.jsonl"
"$BIN" ingest --config "$WORK/this/infermon.yaml" "$WORK/events.jsonl" >/dev/null
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
"$BIN" serve --config "$WORK/this/infermon.yaml" 2>"$WORK/this/infermon.log" &
PIDS+=($!)
URLS=("this=http://127.0.0.1:39465")
if [ -n "${OTHER_BIN:-}" ]; then
    mkdir -p "$WORK/other"
    config "$WORK/other" 39466
    cp "$WORK/this/infermon.db" "$WORK/other/"
    "$OTHER_BIN" serve --config "$WORK/other/infermon.yaml" 2>"$WORK/other/infermon.log" &
    PIDS+=($!)
    URLS=("other=http://127.0.0.1:39466" "${URLS[@]}")
fi
for port in 39465 39466; do
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
done
# Once ready, the detectors' first pass reads the day of events for several
# seconds (with one read connection, a query meanwhile waits for all of it);
# the measured queries start when it is done.
sleep "${SETTLE:-40}"

python3 - "$START" "$END" "$ROUNDS" "${URLS[@]}" <<'PY'
import json, statistics, sys, threading, time, urllib.error, urllib.parse, urllib.request
start, end, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
builds = dict(arg.split("=", 1) for arg in sys.argv[4:])
rate = 'sum by (model) (rate(infermon_requests_total[5m]))'
quantile = 'histogram_quantile(0.99, sum by (model, le) (rate(infermon_request_duration_seconds_bucket[5m])))'
hour_ago = str(int(end) - 3600)

failures = []

def ask(base, query, since=start):
    q = urllib.parse.urlencode({"query": query, "start": since, "end": end, "step": "60"})
    t = time.perf_counter()
    try:
        body = json.load(urllib.request.urlopen(f"{base}/api/v1/query_range?{q}"))
    except urllib.error.HTTPError as error:
        failures.append(f"{base}: {error.code} {error.read()[:200]!r}")
        return float("nan")
    assert body["status"] == "success" and body["data"]["result"], body
    return time.perf_counter() - t

def together(clients):
    """All released at once: the wall time until the last answer, and each one's latency."""
    barrier, latencies = threading.Barrier(len(clients) + 1), [0.0] * len(clients)
    def run(index, client):
        barrier.wait()
        latencies[index] = client()
    threads = [threading.Thread(target=run, args=item) for item in enumerate(clients)]
    for thread in threads: thread.start()
    barrier.wait()
    t = time.perf_counter()
    for thread in threads: thread.join()
    return time.perf_counter() - t, latencies

results = {name: {} for name in builds}
def note(name, measure, value): results[name].setdefault(measure, []).append(value)
for base in builds.values(): ask(base, rate); ask(base, quantile)  # warm the caches
for round in range(rounds):
    for name in (list(builds) if round % 2 == 0 else list(reversed(builds))):
        base = builds[name]
        for label, query in (("rate", rate), ("quantile", quantile)):
            note(name, f"`{label}` alone", ask(base, query))
            wall, latencies = together([lambda q=query: ask(base, q)] * 8)
            note(name, f"`{label}` × 8 at once: the last answer", wall)
            note(name, f"`{label}` × 8 at once: median latency", statistics.median(latencies))
        def short():
            time.sleep(0.05)  # sent once the long ones are running
            return ask(base, rate, since=hour_ago)
        for long_ones in (2, 4):
            _, latencies = together([lambda: ask(base, quantile)] * long_ones + [short])
            note(name, f"1-hour `rate` during {long_ones} 24-hour `quantile`", latencies[-1])
        note(name, "1-hour `rate` alone", ask(base, rate, since=hour_ago))

print("| seconds, median of", rounds, "rounds | " + " | ".join(builds) + " |")
print("|---|" + "---|" * len(builds))
for measure in results[next(iter(builds))]:
    print(f"| {measure} | " + " | ".join(f"{statistics.median(results[n][measure]):.3f}" for n in builds) + " |")
if failures: print(f"{len(failures)} queries failed, first: {failures[0]}")
PY
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$WORK"; fi
