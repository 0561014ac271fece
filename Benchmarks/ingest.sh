#!/usr/bin/env bash
# JSONL file -> store, end to end on one core, against two references on the
# same rows in the same run: a Python loop of json.loads over the lines, and the
# sqlite3 shell importing the same rows as CSV in one transaction.
#
#   Benchmarks/ingest.sh            # 1,000,000 plain events and 100,000 with text
#   EVENTS=200000 TEXT_EVENTS=20000 Benchmarks/ingest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product infermon-bench >/dev/null
BENCH=$PWD/.build/release/infermon-bench
WORK=${BENCH_DIR:-$(mktemp -d /tmp/infermon-bench-XXXXXX)}
mkdir -p "$WORK"
EVENTS=${EVENTS:-1000000}
TEXT_EVENTS=${TEXT_EVENTS:-100000}
PIN="taskset -c 1"
command -v taskset >/dev/null || PIN=""

"$BENCH" generate --events "$EVENTS" --output "$WORK/plain.jsonl" --csv "$WORK/plain.csv"
"$BENCH" generate --events "$TEXT_EVENTS" --text --output "$WORK/text.jsonl" --csv "$WORK/text.csv"

seconds() { python3 -c "import sys,time; print(f'{time.time():.6f}')"; }

python_parse() {
    $PIN python3 - "$1" <<'PY'
import json, sys, time
start = time.perf_counter()
n = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        json.loads(line)
        n += 1
print(f"{n / (time.perf_counter() - start):.0f}")
PY
}

sqlite_import() {
    rm -f "$WORK/ref.db"
    local start end
    start=$(seconds)
    $PIN sqlite3 "$WORK/ref.db" <<SQL
.output /dev/null
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE events (ts INTEGER, model TEXT, model_version TEXT, route TEXT, tenant TEXT, status TEXT,
  request_id TEXT, error_type TEXT, latency REAL, ttft REAL, prompt_tokens INTEGER, completion_tokens INTEGER,
  cached_tokens INTEGER, reasoning_tokens INTEGER, cost REAL, finish_reason TEXT, streamed INTEGER,
  prompt TEXT, response TEXT, context TEXT);
.import --csv --skip 1 $1 events
.output stdout
SQL
    end=$(seconds)
    python3 -c "print(f'{$2 / ($end - $start):.0f}')"
}

# This machine's speed drifts by a third from minute to minute (a shared VM), so
# every case runs ROUNDS times with the three contenders interleaved, and the
# table gives medians with the range; the ratios are of medians.
ROUNDS=${ROUNDS:-5}
echo "| input | events | MB | infermon events/s (median, range) | MB/s | peak RSS MiB | python json.loads lines/s | sqlite3 CSV rows/s | infermon ÷ python | infermon ÷ sqlite3 |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for case in plain text; do
    count=$EVENTS
    [ "$case" = text ] && count=$TEXT_EVENTS
    results=()
    python_rates=()
    sqlite_rates=()
    for _ in $(seq "$ROUNDS"); do
        results+=("$($PIN "$BENCH" ingest --file "$WORK/$case.jsonl" --db "$WORK/$case.db" --json)")
        python_rates+=("$(python_parse "$WORK/$case.jsonl")")
        sqlite_rates+=("$(sqlite_import "$WORK/$case.csv" "$count")")
    done
    python3 - "$case" "${results[*]}" "${python_rates[*]}" "${sqlite_rates[*]}" <<'PY'
import json, statistics, sys
case = sys.argv[1]
results = [json.loads(line) for line in sys.argv[2].replace("} {", "}\n{").splitlines()]
py = [float(x) for x in sys.argv[3].split()]
sq = [float(x) for x in sys.argv[4].split()]
rates = [r["events_per_second"] for r in results]
rate, mb = statistics.median(rates), statistics.median(r["mb_per_second"] for r in results)
rss = max(r["peak_rss_mib"] for r in results)
pym, sqm = statistics.median(py), statistics.median(sq)
print(f"| {case} | {results[0]['events']:,} | {results[0]['bytes'] / 1e6:.0f} | "
      f"{rate:,.0f} ({min(rates):,.0f}–{max(rates):,.0f}) | {mb:.0f} | {rss:.0f} | "
      f"{pym:,.0f} ({min(py):,.0f}–{max(py):,.0f}) | {sqm:,.0f} ({min(sq):,.0f}–{max(sq):,.0f}) | "
      f"{rate / pym:.2f} | {rate / sqm:.2f} |")
PY
done
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB; work dir $WORK"
if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$WORK"; fi
