#!/usr/bin/env bash
# JSONL file -> store, end to end on one core, on every input shape, each against
# two references on the same input in the same run: a Python loop of json.loads
# over the lines, and (for the native shapes, whose rows are the table's columns)
# the sqlite3 shell importing the same rows as CSV in one transaction.
#
# Shapes (SHAPES="..." to pick):
#   plain            1,000,000 native events of ~330 B, 100 label sets (EVENTS)
#   text             100,000 native events with prompt/response text, 4.7 KB (TEXT_EVENTS)
#   native-highcard  1,000,000 native events of ~330 B, 960 label sets, random
#                    32-hex request ids, `ts` in ms, HTTP codes as status (HIGHCARD_EVENTS)
#   litellm          20,000 LiteLLM standard-logging lines with bodies, ~20 KB (LITELLM_EVENTS;
#                    made from the real lines in $SAMPLES)
#   openai           200,000 OpenAI-compatible gateway lines, ~1.7 KB (OPENAI_EVENTS)
#
#   Benchmarks/ingest.sh                                  # all shapes, 5 rounds
#   ROUNDS=3 SHAPES="plain openai" Benchmarks/ingest.sh
#   BENCH_OUT=now.json Benchmarks/ingest.sh               # also write the medians as JSON
#   BENCH=.build-rel/release/infermon-bench Benchmarks/ingest.sh   # a build made elsewhere
#   Benchmarks/ingest.sh --compare Benchmarks/baselines/ingest-shapes.json
#       exits 1 if any shape lost more than 20 % (MAX_LOSS=0.2) against the baseline;
#       the measure compared is infermon ÷ Python in the same run (COMPARE_ON=ratio),
#       which holds across machines and the drift of a shared one; COMPARE_ON=rate
#       compares events/s, for the same machine; COMPARE_ON=cpu compares the ratio
#       of events per CPU second to Python's lines per CPU second, steadier still on
#       a machine others load (though it leaves out the kernel's writeback of the
#       database, which no process is charged for).
set -euo pipefail
cd "$(dirname "$0")/.."
BASELINE=${BASELINE:-}
if [ "${1:-}" = --compare ]; then BASELINE=${2:?--compare needs a baseline JSON file}; fi
[ -z "$BASELINE" ] || [ -r "$BASELINE" ] || { echo "cannot read baseline $BASELINE" >&2; exit 2; }
# BENCH=/path/to/infermon-bench measures that build (for example one made with
# --scratch-path .build-rel); otherwise a release build is made here. BUILD=0
# takes the release binary in .build as it is (when another SwiftPM holds .build).
. Benchmarks/lib.sh
if [ "${BUILD:-1}" = 0 ]; then BENCH=${BENCH:-$PWD/.build/release/infermon-bench}; fi
BIN=${BIN:-unused} bench_binaries # this script runs infermon-bench only
WORK=${BENCH_DIR:-$(mktemp -d /tmp/infermon-bench-XXXXXX)}
mkdir -p "$WORK"
# LiteLLM lines are made from real lines (litellm_lines.py): without them, that shape is left out.
SAMPLES=${SAMPLES:-/work/shared/samples/litellm-standard-logging.jsonl}
if [ -r "$SAMPLES" ]; then LITELLM=litellm; else LITELLM=""; echo "no $SAMPLES: shape litellm left out" >&2; fi
export SAMPLES
SHAPES=${SHAPES:-plain text native-highcard $LITELLM openai}
ROUNDS=${ROUNDS:-5}
PIN="taskset -c 1"
command -v taskset >/dev/null || PIN=""

# shape -> count, profile, whether a CSV of the same rows exists
declare -A COUNT=([plain]=${EVENTS:-1000000} [text]=${TEXT_EVENTS:-100000}
    [native-highcard]=${HIGHCARD_EVENTS:-1000000} [litellm]=${LITELLM_EVENTS:-20000} [openai]=${OPENAI_EVENTS:-200000})
declare -A PROFILE=([plain]=native [text]=native [native-highcard]=native [litellm]=litellm [openai]=openai)
declare -A HAS_CSV=([plain]=1 [text]=1 [native-highcard]=1 [litellm]=0 [openai]=0)

for shape in $SHAPES; do
    [ -n "${COUNT[$shape]:-}" ] || { echo "unknown shape $shape" >&2; exit 2; }
    file=$WORK/$shape.jsonl
    [ -s "$file" ] && continue # BENCH_DIR kept from an earlier run: the same input
    case $shape in
    plain) "$BENCH" generate --events "${COUNT[$shape]}" --output "$file" --csv "$WORK/$shape.csv" ;;
    text) "$BENCH" generate --events "${COUNT[$shape]}" --text --output "$file" --csv "$WORK/$shape.csv" ;;
    native-highcard) python3 Benchmarks/shape_lines.py native-highcard "${COUNT[$shape]}" "$file" "$WORK/$shape.csv" ;;
    openai) python3 Benchmarks/shape_lines.py openai "${COUNT[$shape]}" "$file" ;;
    litellm) python3 Benchmarks/litellm_lines.py "${COUNT[$shape]}" "$file" ;;
    esac
done

seconds() { python3 -c "import sys,time; print(f'{time.time():.6f}')"; }

python_parse() {
    $PIN python3 - "$1" <<'PY'
import json, sys, time
start, cpu = time.perf_counter(), time.process_time()
n = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        json.loads(line)
        n += 1
print(f'{{"lines_per_second":{n / (time.perf_counter() - start):.0f},'
      f'"lines_per_cpu_second":{n / (time.process_time() - cpu):.0f}}}')
PY
}

sqlite_import() {
    rm -f "$WORK/ref.db" "$WORK/ref.db-wal" "$WORK/ref.db-shm"
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
# every shape runs ROUNDS times, the rounds go through all shapes in turn and the
# contenders are interleaved within a round; the table gives medians with the
# range, and the ratios are of medians.
RESULTS=$WORK/results.jsonl
: >"$RESULTS"
started=$(date +%s)
for round in $(seq "$ROUNDS"); do
    for shape in $SHAPES; do
        infermon=$($PIN "$BENCH" ingest --profile "${PROFILE[$shape]}" --file "$WORK/$shape.jsonl" \
            --db "$WORK/$shape.db" --json)
        python=$(python_parse "$WORK/$shape.jsonl")
        sqlite=null
        [ "${HAS_CSV[$shape]}" = 1 ] && sqlite=$(sqlite_import "$WORK/$shape.csv" "${COUNT[$shape]}")
        echo "{\"shape\":\"$shape\",\"round\":$round,\"infermon\":$infermon,\"python\":$python,\"sqlite\":$sqlite}" >>"$RESULTS"
    done
done
rm -f "$WORK"/*.db "$WORK"/*.db-wal "$WORK"/*.db-shm

MACHINE="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB"
status=0
python3 - "$RESULTS" "$MACHINE" "$(uptime | sed 's/.*load average: //')" "$(($(date +%s) - started))" \
    "$(git rev-parse --short HEAD)" "${BENCH_OUT:-}" "$BASELINE" "${MAX_LOSS:-0.2}" "${COMPARE_ON:-ratio}" \
    <<'PY' || status=$?
import json, statistics, sys, time
path, machine, load, elapsed, commit, out, baseline, max_loss, compare_on = sys.argv[1:]
rows = [json.loads(line) for line in open(path)]
shapes = list(dict.fromkeys(r["shape"] for r in rows))
med = statistics.median
summary = {}
print("| shape | events | MB | infermon events/s (median, range) | MB/s | peak RSS MiB | python json.loads lines/s | "
      "sqlite3 CSV rows/s | infermon ÷ python | per CPU second: infermon ÷ python | infermon ÷ sqlite3 |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for shape in shapes:
    runs = [r for r in rows if r["shape"] == shape]
    first = runs[0]["infermon"]
    rates = [r["infermon"]["events_per_second"] for r in runs]
    py = [r["python"]["lines_per_second"] for r in runs]
    # On a shared machine the wall clock counts the time other processes took
    # the core; CPU seconds do not, so their ratio holds steadier between rounds.
    cpu_ratios = [r["infermon"]["events"] / r["infermon"]["cpu_seconds"] / r["python"]["lines_per_cpu_second"]
                  for r in runs]
    sq = [r["sqlite"] for r in runs if r["sqlite"] is not None]
    rate, pym = med(rates), med(py)
    sqm = med(sq) if sq else None
    rejected = max(r["infermon"]["rejected"] for r in runs)
    summary[shape] = {
        "events": first["events"], "rejected": rejected, "bytes": first["bytes"], "rounds": len(runs),
        "events_per_second": round(rate), "events_per_second_range": [round(min(rates)), round(max(rates))],
        "mb_per_second": round(med(r["infermon"]["mb_per_second"] for r in runs), 1),
        "peak_rss_mib": round(max(r["infermon"]["peak_rss_mib"] for r in runs)),
        "python_lines_per_second": round(pym), "python_range": [round(min(py)), round(max(py))],
        "sqlite_rows_per_second": round(sqm) if sqm else None,
        "sqlite_range": [round(min(sq)), round(max(sq))] if sq else None,
        "ratio_python": round(rate / pym, 3), "ratio_python_cpu": round(med(cpu_ratios), 3),
        "ratio_python_cpu_range": [round(min(cpu_ratios), 3), round(max(cpu_ratios), 3)],
        "ratio_sqlite": round(rate / sqm, 3) if sqm else None,
    }
    s = summary[shape]
    sqlite_text = f"{sqm:,.0f} ({min(sq):,.0f}–{max(sq):,.0f})" if sq else "n/a"
    print(f"| {shape} | {s['events']:,}{f' ({rejected:,} rejected)' if rejected else ''} | {s['bytes'] / 1e6:.0f} | "
          f"{rate:,.0f} ({min(rates):,.0f}–{max(rates):,.0f}) | {s['mb_per_second']:.0f} | {s['peak_rss_mib']} | "
          f"{pym:,.0f} ({min(py):,.0f}–{max(py):,.0f}) | {sqlite_text} | {rate / pym:.2f} | "
          f"{s['ratio_python_cpu']:.2f} ({min(cpu_ratios):.2f}–{max(cpu_ratios):.2f}) | "
          f"{f'{rate / sqm:.2f}' if sqm else 'n/a'} |")
print(f"\nmachine: {machine}; load average at the end {load}; {len(rows) // len(shapes)} rounds in {elapsed} s")
if out:
    json.dump({"commit": commit, "date": time.strftime("%Y-%m-%d", time.gmtime()), "machine": machine,
               "load_average_at_end": load, "shapes": summary}, open(out, "w"), indent=2)
    open(out, "a").write("\n")
    print(f"medians written to {out}")
if baseline:
    base = json.load(open(baseline))["shapes"]
    key = {"ratio": "ratio_python", "cpu": "ratio_python_cpu"}.get(compare_on, "events_per_second")
    lost = []
    names = {"ratio_python": "infermon ÷ python", "ratio_python_cpu": "infermon ÷ python per CPU second"}
    print(f"\nagainst {baseline} (compared: {names.get(key, 'events/s')}; "
          f"more than {float(max_loss):.0%} lost fails)")
    for shape in shapes:
        if key not in base.get(shape, {}):
            print(f"  {shape}: not in the baseline")
            continue
        now, then = summary[shape][key], base[shape][key]
        change = now / then - 1
        rate_change = summary[shape]["events_per_second"] / base[shape]["events_per_second"] - 1
        verdict = "LOST" if change < -float(max_loss) else "ok"
        if verdict == "LOST":
            lost.append(shape)
        print(f"  {shape}: {then:,.3g} -> {now:,.3g} ({change:+.1%}; events/s {rate_change:+.1%}) {verdict}")
    if lost:
        print(f"regression: {', '.join(lost)} lost more than {float(max_loss):.0%}")
        sys.exit(1)
PY
echo "work dir $WORK"
if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$WORK"; fi
exit $status
