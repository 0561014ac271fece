#!/usr/bin/env bash
# How long one scrape of /metrics takes with many active label sets.
#
# Makes a store of LABEL_SETS label sets (models x tenants x routes, some of
# them streamed) with EVENTS events over the last MINUTES minutes, stamped
# relative to now, through `infermon ingest`; then serves it with no sources
# and times SCRAPES scrapes of /metrics (curl's total time, the body read in
# full). With BEFORE=path/to/older/infermon the older build serves a copy of the
# same store in the same run, scrapes alternating between the two, so load
# moves both alike. Prints lines, bytes and the median and range of each.
#
#   LABEL_SETS=10000 BIN=.build-rel/release/infermon BENCH=/bin/true \
#     BEFORE=/tmp/infermon-before Benchmarks/metrics-scrape.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
LABEL_SETS=${LABEL_SETS:-10000}
EVENTS=${EVENTS:-$((LABEL_SETS * 12))}
MINUTES=${MINUTES:-10}
SCRAPES=${SCRAPES:-7}
PORT=${PORT:-39481}
BEFORE=${BEFORE:-}
scripts/ensure-packages.sh curl python3
bench_binaries
WORK=${BENCH_DIR:-$(mktemp -d /tmp/infermon-scrape-XXXXXX)}
mkdir -p "$WORK"
rm -rf "$WORK"/store*.db* "$WORK"/events.jsonl

python3 - "$WORK/events.jsonl" "$LABEL_SETS" "$EVENTS" "$MINUTES" <<'PY'
import random, sys, time
out, label_sets, events, minutes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(7)
routes = [f"/v1/route-{i}" for i in range(10)]
models = [f"model-{i}" for i in range(20)]
tenants = [f"tenant-{i:04d}" for i in range(max(1, label_sets // (len(routes) * len(models))))]
sets = [(m, t, r) for m in models for t in tenants for r in routes][:label_sets]
now = int(time.time() * 1000)
with open(out, "w") as f:
    for i in range(events):
        model, tenant, route = sets[i % len(sets)]
        ts = now - rng.randrange(minutes * 60_000)
        latency = round(rng.lognormvariate(6.0, 0.8), 1)
        stream = model[-1] in "02468"
        ttft = f',"ttft_ms":{round(latency * 0.2, 1)}' if stream else ""
        f.write(f'{{"ts":{ts},"request_id":"r{i}","model":"{model}","route":"{route}","tenant":"{tenant}",'
                f'"status":200,"latency_ms":{latency}{ttft},"prompt_tokens":{rng.randrange(2000)},'
                f'"completion_tokens":{rng.randrange(300)},"cost_usd":{rng.randrange(1000) / 1e6}}}\n')
PY
"$BIN" ingest --db "$WORK/store.db" "$WORK/events.jsonl" >/dev/null

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
serve() { # name binary port
    cp "$WORK/store.db" "$WORK/store-$1.db"
    printf 'storage: {path: %s}\nserver: {listen: 127.0.0.1:%s}\nlog: {level: warning}\n' \
        "$WORK/store-$1.db" "$3" >"$WORK/$1.yaml"
    "$2" serve --config "$WORK/$1.yaml" 2>"$WORK/$1.log" &
    pids+=($!)
    for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$3/readyz" >/dev/null && return; sleep 0.1; done
    echo "metrics-scrape: $1 did not become ready" >&2
    exit 1
}
names=(now)
serve now "$BIN" "$PORT"
if [ -n "$BEFORE" ]; then
    serve before "$BEFORE" $((PORT + 1))
    names+=(before)
fi
for name in "${names[@]}"; do : >"$WORK/$name.times"; done
for round in $(seq 1 "$SCRAPES"); do
    for index in "${!names[@]}"; do
        name=${names[$index]}
        curl -s -o "$WORK/$name.txt" -w '%{time_total}\n' "http://127.0.0.1:$((PORT + index))/metrics" \
            >>"$WORK/$name.times"
    done
done
echo "label sets $LABEL_SETS, events $EVENTS over $MINUTES min, $SCRAPES scrapes each, load $(cut -d' ' -f1-3 /proc/loadavg)"
for name in "${names[@]}"; do
    lines=$(grep -c . "$WORK/$name.txt")
    bytes=$(wc -c <"$WORK/$name.txt")
    sort -n "$WORK/$name.times" | awk -v name="$name" -v lines="$lines" -v bytes="$bytes" \
        '{t[NR]=$1} END {printf "%-7s %d lines, %d bytes: median %.3f s (%.3f-%.3f)\n", name, lines, bytes, t[int((NR+1)/2)], t[1], t[NR]}'
done
