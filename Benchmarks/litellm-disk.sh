#!/usr/bin/env bash
# Bytes on disk per event for LiteLLM standard-logging lines with their request
# and response bodies (about 20 KB a line): lines shaped on the three real ones in
# Tests/CollectorsTests/testdata (Benchmarks/litellm_lines.py), imported with
# `infermon ingest --profile litellm`, then the file's bytes per event and where
# they are (SQLite's dbstat: payload and unused space per table), the text
# dictionaries the writer trained, and the import's wall time.
#
# The user turns and answers are sentences of README.md: about 200 KB of text,
# of which a 64 KiB dictionary holds much, so prompts and responses shrink more
# than a gateway's real traffic would; CORPUS= a larger text (a few MB of
# prose) measures them less kindly. The attributes (LiteLLM's own JSON, 60 % of
# a line) do not depend on it.
#
# BASELINE=another infermon binary (an older build) imports the same lines into
# a file of its own, before and after the one measured, for a before/after in
# one run.
#
#   Benchmarks/litellm-disk.sh                         # 20,000 lines, release build
#   EVENTS=2000 INFERMON=.build/debug/infermon Benchmarks/litellm-disk.sh
#   BASELINE=/tmp/infermon-old Benchmarks/litellm-disk.sh
#   CORPUS=/tmp/prose.txt Benchmarks/litellm-disk.sh     # user turns and answers from other text
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-20000}
if [ -z "${INFERMON:-}" ]; then
    swift build -c release --scratch-path .build-rel --product infermon >/dev/null
    INFERMON=$PWD/.build-rel/release/infermon
fi
WORK=$(mktemp -d /tmp/infermon-litellm-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
SAMPLES=Tests/CollectorsTests/testdata/litellm-standard-logging.jsonl CORPUS=${CORPUS:-README.md} \
    python3 Benchmarks/litellm_lines.py "$EVENTS" "$WORK/litellm.jsonl"
LINE_BYTES=$(stat -c %s "$WORK/litellm.jsonl")
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# One import into a new file: its seconds, then bytes per event and per table.
measure() {
    local name=$1 binary=$2 db=$WORK/$1.db
    rm -f "$db" "$db-wal" "$db-shm"
    local start end
    start=$(date +%s.%N)
    nice -n 19 "$binary" ingest --profile litellm --db "$db" "$WORK/litellm.jsonl" >/dev/null 2>&1
    end=$(date +%s.%N)
    python3 -c "
events, line, db, seconds = $EVENTS, $LINE_BYTES, $(stat -c %s "$db"), $end - $start
print(f'$name: lines {line / events:,.0f} B per event; stored {db / events:,.0f} B per event '
      f'({db / line:.3f}x the lines); import {seconds:.1f} s ({events / seconds:,.0f} events/s, nice 19)')"
    sqlite3 "$db" "SELECT printf('  %-20s %7d pages %8.0f B/event (payload %6.0f, unused %6.0f)', name, count(*),
        sum(pgsize) * 1.0 / $EVENTS, sum(payload) * 1.0 / $EVENTS, sum(unused) * 1.0 / $EVENTS)
        FROM dbstat GROUP BY name HAVING count(*) > 2 ORDER BY sum(pgsize) DESC"
    if [ "$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE name = 'text_dictionaries'")" = 1 ]; then
        sqlite3 "$db" "SELECT printf('  dictionary %d: %-10s %3d samples, %6d B, %.3f of the held-out texts', dict_id,
            kind, samples, length(bytes), ratio) FROM text_dictionaries ORDER BY dict_id"
    fi
}

if [ -n "${BASELINE:-}" ]; then measure before "$BASELINE"; fi
measure after "$INFERMON"
if [ -n "${BASELINE:-}" ]; then measure before-again "$BASELINE"; fi
