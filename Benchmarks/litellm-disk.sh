#!/usr/bin/env bash
# Bytes on disk per event for LiteLLM standard-logging lines with their request
# and response bodies (about 20 KB a line): lines shaped on the three real ones in
# Tests/CollectorsTests/testdata (Benchmarks/litellm_lines.py), imported with
# `infermon ingest --profile litellm`, then the file's bytes per event and where
# they are (SQLite's dbstat: payload and unused space per table).
#
#   Benchmarks/litellm-disk.sh                         # 20,000 lines, release build
#   EVENTS=2000 INFERMON=.build/debug/infermon Benchmarks/litellm-disk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-20000}
if [ -z "${INFERMON:-}" ]; then
    swift build -c release --product infermon >/dev/null
    INFERMON=$PWD/.build/release/infermon
fi
WORK=$(mktemp -d /tmp/infermon-litellm-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
SAMPLES=Tests/CollectorsTests/testdata/litellm-standard-logging.jsonl CORPUS=README.md \
    python3 Benchmarks/litellm_lines.py "$EVENTS" "$WORK/litellm.jsonl"
nice -n 19 "$INFERMON" ingest --profile litellm --db "$WORK/store.db" "$WORK/litellm.jsonl" 2>/dev/null | tail -1
LINE_BYTES=$(stat -c %s "$WORK/litellm.jsonl")
DB_BYTES=$(stat -c %s "$WORK/store.db")
python3 -c "
events, line, db = $EVENTS, $LINE_BYTES, $DB_BYTES
print(f'lines: {line / events:,.0f} B per event; stored: {db / events:,.0f} B per event ({db / line:.2f}x the lines)')"
sqlite3 "$WORK/store.db" "SELECT printf('  %-16s %7d pages %8.0f B/event (payload %6.0f, unused %6.0f)', name, count(*),
    sum(pgsize) * 1.0 / $EVENTS, sum(payload) * 1.0 / $EVENTS, sum(unused) * 1.0 / $EVENTS)
    FROM dbstat GROUP BY name HAVING count(*) > 2 ORDER BY sum(pgsize) DESC"
