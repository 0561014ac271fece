#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser of outside input (libFuzzer).
#
#   scripts/fuzz.sh                 every target, FUZZ_SECONDS (default 60) each
#   scripts/fuzz.sh promql rules    only those
#   FUZZ_SECONDS=300 FUZZ_PARALLEL=2 scripts/fuzz.sh
#
# Builds the libFuzzer binary (release, -sanitize=fuzzer,address, -DFUZZING) in
# .build-fuzz, copies each committed seed corpus (Fuzz/corpus/TARGET) into a
# working corpus under .build-fuzz/fuzz-work (generated inputs never go into the
# repository), runs the target for a fixed time and prints the executions it
# survived. A crash, leak, timeout or out-of-memory is kept under
# Fuzz/crashes/TARGET/ (git-ignored) with its demangled log, minimized when
# libFuzzer can, and makes the script exit non-zero. A minimized crash belongs in
# Fuzz/regressions/TARGET/ once fixed, where `make fuzz-replay` and `make test`
# replay it.
#
# Environment:
#   FUZZ_SECONDS     time per target (default 60)
#   FUZZ_PARALLEL    targets run at once, one core each (default 1)
#   FUZZ_RUNS        stop a target after this many executions (within FUZZ_SECONDS)
#   FUZZ_TIMEOUT     seconds one input may take before it counts as a hang (default 5)
#   FUZZ_SANITIZERS  swiftc -sanitize= list (default fuzzer,address)
#   FUZZ_SCRATCH     SwiftPM scratch path of the fuzz build (default .build-fuzz)
#   FUZZ_FRESH=1     start from the committed seeds, dropping the working corpora
#   FUZZ_SKIP_BUILD=1  use the binary already built
#   FUZZ_SUMMARY     where the results table is written (default $FUZZ_SCRATCH/fuzz-summary.md)
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
PARALLEL=${FUZZ_PARALLEL:-1}
TIMEOUT=${FUZZ_TIMEOUT:-5}
SANITIZERS=${FUZZ_SANITIZERS:-fuzzer,address}
SCRATCH=${FUZZ_SCRATCH:-.build-fuzz}
WORK=$SCRATCH/fuzz-work
SUMMARY=${FUZZ_SUMMARY:-$SCRATCH/fuzz-summary.md}
BINARY=$SCRATCH/release/infermon-fuzz

# The largest input worth mutating for each target: a little above its largest
# realistic seed, since time spent on long inputs is time not spent on variety.
max_len() {
    case "$1" in
    promql | template) echo 1024 ;;
    native | openai | otel-genai | push | exposition | dashboard) echo 4096 ;;
    *) echo 8192 ;;
    esac
}

if [[ $# -gt 0 ]]; then
    TARGETS=("$@")
else
    TARGETS=()
    for directory in Fuzz/corpus/*/; do TARGETS+=("$(basename "$directory")"); done
fi
for target in "${TARGETS[@]}"; do
    [[ -d Fuzz/corpus/$target ]] || { echo "fuzz.sh: no seed corpus Fuzz/corpus/$target" >&2; exit 2; }
done

if [[ ${FUZZ_SKIP_BUILD:-0} != 1 ]]; then
    # C dependencies (libyaml under Yams) get coverage and ASan too, so a bug
    # there is seen rather than passed over as a black box.
    csan="fuzzer-no-link"
    [[ $SANITIZERS == *address* ]] && csan="$csan,address"
    echo "fuzz.sh: building $BINARY (-sanitize=$SANITIZERS)" >&2
    $SWIFT build -c release --product infermon-fuzz --scratch-path "$SCRATCH" \
        -Xswiftc "-sanitize=$SANITIZERS" -Xswiftc -DFUZZING -Xcc "-fsanitize=$csan" \
        -Xswiftc -enable-experimental-feature -Xswiftc Extern 2>&1 |
        grep -v 'Cannot export local symbol' >&2  # gold's noise about ASan's helpers
fi
[[ -x $BINARY ]] || { echo "fuzz.sh: $BINARY missing" >&2; exit 2; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:symbolize=1:handle_abort=1}
# Swift's own crash reporter would fork a backtracer under libFuzzer's signal
# handler and hold the output open; libFuzzer and ASan report the stack.
export SWIFT_BACKTRACE=enable=no
symbolizer=$(command -v llvm-symbolizer || true)
[[ -z $symbolizer && -x "$(dirname "$(command -v "$SWIFT")")/llvm-symbolizer" ]] &&
    symbolizer="$(dirname "$(command -v "$SWIFT")")/llvm-symbolizer"
[[ -n $symbolizer ]] && export ASAN_SYMBOLIZER_PATH=$symbolizer

mkdir -p "$WORK/logs"
[[ ${FUZZ_FRESH:-0} == 1 ]] && rm -rf "$WORK/corpus"

# One target: working corpus, run, result line in $WORK/logs/TARGET.result.
run_target() {
    set +e  # a grep that finds nothing is an empty column, not a reason to lose the row
    local target=$1
    local corpus=$WORK/corpus/$target log=$WORK/logs/$target.log crashes=Fuzz/crashes/$target
    local dict=Fuzz/dict/$target.dict
    mkdir -p "$corpus" "$crashes"
    cp -n Fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
    local args=(
        "$corpus" "-max_total_time=$SECONDS_PER_TARGET" "-max_len=$(max_len "$target")"
        "-timeout=$TIMEOUT" -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1
        "-artifact_prefix=$crashes/"
    )
    [[ -f $dict ]] && args+=("-dict=$dict")
    [[ -n ${FUZZ_RUNS:-} ]] && args+=("-runs=$FUZZ_RUNS")
    local status=0
    INFERMON_FUZZ_TARGET=$target "$BINARY" "${args[@]}" >"$log" 2>&1 || status=$?

    local executions rate coverage features corpus_size rss result elapsed
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
    coverage=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    features=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    corpus_size=$(find "$corpus" -type f | wc -l)
    # The time actually fuzzed: a failure stops the run early.
    elapsed=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    [[ -z $elapsed && -n $executions && ${rate:-0} -gt 0 ]] && elapsed=$((executions / rate))
    if [[ $status == 0 ]]; then
        result=ok
    else
        local artifact kind
        artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
        kind=$(grep -oE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer): [a-z-]+' "$log" | head -1 | sed 's/.*: //')
        kind=${kind:-"exit $status"}
        result="FAILED ($kind)"
        if [[ -n $artifact && -f $artifact ]]; then
            swift demangle <"$log" >"$artifact.log" 2>/dev/null || cp "$log" "$artifact.log"
            result="$result: $artifact"
            if [[ $kind != timeout && $kind != out-of-memory ]]; then
                INFERMON_FUZZ_TARGET=$target "$BINARY" -minimize_crash=1 -max_total_time=60 -runs=100000 \
                    "-exact_artifact_path=$artifact.min" "$artifact" >"$log.minimize" 2>&1 || true
                [[ -f $artifact.min ]] && result="$result (minimized: $artifact.min)"
            fi
        fi
    fi
    printf '| %s | %s | %s | %s | %s | %s | %s | %s MB | %s |\n' "$target" "${elapsed:-?}" \
        "${executions:-?}" "${rate:-?}" "${coverage:-?}" "${features:-?}" "$corpus_size" "${rss:-?}" "$result" \
        >"$WORK/logs/$target.result"
    echo "fuzz.sh: $target: ${executions:-?} executions, ${rate:-?} exec/s: $result" >&2
}

echo "fuzz.sh: ${#TARGETS[@]} targets, ${SECONDS_PER_TARGET}s each, $PARALLEL at a time" >&2
running=0
for target in "${TARGETS[@]}"; do
    rm -f "$WORK/logs/$target.result"
    run_target "$target" &
    running=$((running + 1))
    if ((running >= PARALLEL)); then
        wait -n || true
        running=$((running - 1))
    fi
done
wait || true

mkdir -p "$(dirname "$SUMMARY")"
{
    echo "Fuzzing on $(date -u +%Y-%m-%d) ($(nproc) cores, $(uname -m), $($SWIFT --version 2>/dev/null | head -1))"
    echo
    echo "| target | seconds | executions | exec/s | cov | ft | corpus | peak RSS | result |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
    for target in "${TARGETS[@]}"; do
        cat "$WORK/logs/$target.result" 2>/dev/null || echo "| $target | | | | | | | | FAILED (no result) |"
    done
} >"$SUMMARY"
cat "$SUMMARY"
echo "fuzz.sh: summary in $SUMMARY, logs in $WORK/logs" >&2
if grep -q FAILED "$SUMMARY"; then
    echo "fuzz.sh: failures above; inputs are in Fuzz/crashes/" >&2
    exit 1
fi
