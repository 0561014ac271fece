#!/usr/bin/env bash
# The PostgreSQL store against the SQLite store on the same data, in the same
# run: every row of the PostgreSQL table in the README.
#
#   1. `infermon ingest` into PostgreSQL with 1 writer and with 3 writers at
#      once, the file split in three shards either dealt line by line (the
#      writers share label sets and intervals, as collectors behind one load
#      balancer do: the contended case) or cut in thirds of its time span (they
#      share label sets, never an interval), against 1 writer into one SQLite
#      file (SQLite takes one event-writing process: a second `infermon
#      ingest` into the same file is refused while the first runs);
#      events/s = events / wall time from starting the
#      processes until the last one exits (process start and closing the
#      store included; the schema is created before). Two shapes: the query benchmark's day
#      (`infermon-bench query-data`, 100 label sets, every 15 s, ~1.15 M
#      events) and `infermon-bench generate` (varied labels, errors, bursts).
#      Interleaved rounds, medians. Every run is checked: events stored (SQL
#      count) and `sum(infermon_requests_total)` equal the lines ingested.
#   2. The two range queries of Benchmarks/query.sh (24 h at 1 m) over HTTP
#      from `infermon serve` on each store holding the same day, interleaved
#      rounds, medians, and how far the answers differ.
#   3. Bytes per event: pg_database_size (and the events, rollups and
#      sketches relations) against the SQLite file, after the ingest.
#   4. Failover: two `infermon serve` on one (empty) PostgreSQL database; the
#      one reporting `infermon_leader 1` in /metrics is killed with SIGKILL
#      and the other polled every 50 ms until it reports `infermon_leader 1`
#      (the kill at a random moment 3–6 s after both run: the follower tries
#      the lock every lease/5 = 3 s, so a takeover takes up to about 3 s).
#
# PostgreSQL 15 (Debian's `postgresql`) runs privately in a temporary
# directory on 127.0.0.1 (as the `postgres` user when run as root), with
# settings for a small shared machine: shared_buffers 256MB, work_mem 16MB,
# maintenance_work_mem 128MB, effective_cache_size 2GB, max_wal_size 2GB,
# fsync and synchronous_commit on (the defaults), autovacuum on.
#
#   Benchmarks/postgres.sh
#   ROUNDS=3 SPAN=6h GEN_EVENTS=300000 QUERY_RUNS=7 FAILOVERS=5 Benchmarks/postgres.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-packages.sh postgresql sqlite3 curl
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
. Benchmarks/lib.sh
bench_binaries
WORK=${BENCH_DIR:-$(mktemp -d /tmp/infermon-pg-bench-XXXXXX)}
mkdir -p "$WORK"
chmod 755 "$WORK"
ROUNDS=${ROUNDS:-3}
SPAN=${SPAN:-24h}
GEN_EVENTS=${GEN_EVENTS:-300000}
QUERY_RUNS=${QUERY_RUNS:-7}
FAILOVERS=${FAILOVERS:-5}
PG_PORT=${PG_PORT:-39532}
SQLITE_PORT=39467
POSTGRES_PORT=39468
FAILOVER_PORTS=(39469 39470)
END=$(($(date +%s) / 60 * 60 - 120))
SPAN_SECONDS=$(python3 -c "import sys; s=sys.argv[1]; print(int(s[:-1]) * {'s': 1, 'm': 60, 'h': 3600, 'd': 86400}[s[-1]])" "$SPAN")
START=$((END - SPAN_SECONDS))
started_at=$(date +%s)
loads=()
note_load() { loads+=("$(cut -d' ' -f1 /proc/loadavg)"); }
note_load

PIDS=()
PG_PID=
cleanup() {
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    if [ -n "$PG_PID" ]; then kill -INT "$PG_PID" 2>/dev/null || true; fi
    wait 2>/dev/null || true
    if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

# --- A private PostgreSQL -------------------------------------------------
PGDIR=$WORK/pg
rm -rf "$PGDIR"
mkdir -p "$PGDIR"
python3 -c "import secrets; print(secrets.token_hex(12))" > "$WORK/password"
chmod 644 "$WORK/password"
AS_PG=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$PGDIR"
    AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi
LC_ALL=C "${AS_PG[@]}" "$PG_BIN/initdb" -D "$PGDIR/data" -U infermon --pwfile="$WORK/password" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync >"$WORK/initdb.log" 2>&1
PG_SETTINGS=(-c shared_buffers=256MB -c work_mem=16MB -c maintenance_work_mem=128MB -c effective_cache_size=2GB
    -c max_wal_size=2GB -c max_connections=100)
LC_ALL=C "${AS_PG[@]}" "$PG_BIN/postgres" -D "$PGDIR/data" -p "$PG_PORT" -k "$PGDIR" \
    -c listen_addresses=127.0.0.1 "${PG_SETTINGS[@]}" >"$WORK/postgres.log" 2>&1 &
PG_PID=$!
for _ in $(seq 1 300); do "$PG_BIN/pg_isready" -q -h "$PGDIR" -p "$PG_PORT" && break; sleep 0.2; done
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PG_PORT" -U infermon -At "$@"; }
PG_VERSION=$(psql_ -d postgres -c "SHOW server_version" | cut -d' ' -f1)

# --- Data -----------------------------------------------------------------
"$BENCH" query-data --span "$SPAN" --interval 15s --end "$END" --output "$WORK/day.jsonl"
"$BENCH" generate --events "$GEN_EVENTS" --output "$WORK/gen.jsonl" --seed 7
: >"$WORK/empty.jsonl"
for shape in day gen; do
    awk -v w="$WORK/$shape" '{ print > (w "." (NR % 3) ".jsonl") }' "$WORK/$shape.jsonl"
    lines=$(wc -l <"$WORK/$shape.jsonl")
    awk -v w="$WORK/$shape" -v n="$lines" '{ print > (w ".t" int(3 * (NR - 1) / n) ".jsonl") }' "$WORK/$shape.jsonl"
done

# A configuration per store: `pg:NAME` is database NAME, `sqlite:NAME` the file NAME.db;
# then the port to serve on (0: none), the daemon's host name and the file's name.
config() {
    local store=$1 port=${2:-0} host=${3:-bench}
    local file=$WORK/${4:-${store#*:}}.yaml
    {
        echo "storage:"
        if [ "${store%%:*}" = pg ]; then
            echo "  backend: postgres"
            echo "  postgres:"
            echo "    url: postgres://infermon@127.0.0.1:$PG_PORT/${store#*:}"
            echo "    password_file: $WORK/password"
            echo "    host_name: $host"
        else
            echo "  path: $WORK/${store#*:}.db"
        fi
        echo "  rollup_interval: 15s"
        echo "  retention: {events: 400d, rollups: 400d}"
        echo "sources: []"
        # A day's range query on PostgreSQL takes longer than the default 30 s limit under load.
        if [ "$port" != 0 ]; then echo "server: {listen: 127.0.0.1:$port, query_timeout: 10m}"; fi
        echo "log: {level: warning}"
    } >"$file"
    echo "$file"
}

fresh() {
    local store=$1
    if [ "${store%%:*}" = pg ]; then
        psql_ -d postgres -c "DROP DATABASE IF EXISTS ${store#*:}" -c "CREATE DATABASE ${store#*:}"
    else
        rm -f "$WORK/${store#*:}.db"*
    fi
}

count_events() {
    local store=$1
    if [ "${store%%:*}" = pg ]; then
        psql_ -d "${store#*:}" -c "SELECT count(*) FROM events"
    else
        sqlite3 "$WORK/${store#*:}.db" "SELECT count(*) FROM events"
    fi
}

requests_total() {
    "$BIN" query --config "$1" --format json 'sum(infermon_requests_total)' |
        python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(int(float(r[0]["value"][1])) if r else 0)'
}

# ingest SHAPE STORE WRITERS: sets RATE (events/s) after checking the counts.
RATE=
ingest() {
    local shape=$1 store=$2 writers=$3 cfg lines t0 t1 pids=() status=0
    cfg=$(config "$store")
    fresh "$store"
    # The schema first (three first opens of one new SQLite file race to create it).
    "$BIN" ingest --config "$cfg" "$WORK/empty.jsonl" >>"$WORK/ingest.log" 2>&1
    lines=$(wc -l <"$WORK/$shape.jsonl")
    t0=$(date +%s.%N)
    if [ "$writers" = 1 ]; then
        "$BIN" ingest --config "$cfg" "$WORK/$shape.jsonl" >>"$WORK/ingest.log" 2>&1 &
        pids+=($!)
    else
        local prefix=""
        [ "$writers" = 3t ] && prefix=t
        for shard in 0 1 2; do
            "$BIN" ingest --config "$cfg" "$WORK/$shape.$prefix$shard.jsonl" >>"$WORK/ingest.log" 2>&1 &
            pids+=($!)
        done
    fi
    PIDS+=("${pids[@]}")
    for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
    t1=$(date +%s.%N)
    if [ "$status" != 0 ]; then
        echo "ingest into $store failed ($status):" >&2
        tail -20 "$WORK/ingest.log" >&2
        exit 1
    fi
    local stored counted
    stored=$(count_events "$store")
    counted=$(requests_total "$cfg")
    if [ "$stored" != "$lines" ] || [ "$counted" != "$lines" ]; then
        echo "$shape into $store with $writers writer(s): $lines lines, $stored events stored, sum(infermon_requests_total) $counted" >&2
        exit 1
    fi
    RATE=$(python3 -c "print(f'{$lines / ($t1 - $t0):.0f}')")
}

# --- 1. Ingest ------------------------------------------------------------
declare -A rates
for round in $(seq 1 "$ROUNDS"); do
    cases=("day pg 1" "day sqlite 1" "day pg 3" "day pg 3t" "gen pg 1" "gen sqlite 1" "gen pg 3" "gen pg 3t")
    if [ $((round % 2)) = 0 ]; then cases=("day pg 3t" "day pg 3" "day sqlite 1" "day pg 1" "gen pg 3t" "gen pg 3" "gen sqlite 1" "gen pg 1"); fi
    for case in "${cases[@]}"; do
        read -r shape kind writers <<<"$case"
        ingest "$shape" "$kind:${shape}_${kind}_$writers" "$writers"
        rates["$shape $kind $writers"]+="$RATE "
        echo "round $round: $shape → $kind, $writers writer(s): $RATE events/s (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    done
    note_load
done

# --- 3. Size per event (the last round's 1-writer stores) ------------------
psql_ -d day_pg_1 -c "CHECKPOINT"
size_row() {
    local shape=$1 events
    events=$(wc -l <"$WORK/$shape.jsonl")
    local pg_db pg_events pg_rollups pg_sketches sqlite_file
    pg_db=$(psql_ -d "${shape}_pg_1" -c "SELECT pg_database_size(current_database())")
    pg_events=$(psql_ -d "${shape}_pg_1" -c "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass")
    pg_rollups=$(psql_ -d "${shape}_pg_1" -c "SELECT pg_total_relation_size('rollups')")
    pg_sketches=$(psql_ -d "${shape}_pg_1" -c "SELECT pg_total_relation_size('rollup_sketches')")
    empty=$(psql_ -d postgres -c "SELECT pg_database_size('template1')")
    sqlite_file=$(stat -c %s "$WORK/${shape}_sqlite_1.db")
    echo "$shape $events $pg_db $pg_events $pg_rollups $pg_sketches $empty $sqlite_file"
}
SIZES=("$(size_row day)" "$(size_row gen)")

# --- 2. Query latency -------------------------------------------------------
# start_serve CONFIG PORT: sets SERVE_PID once /readyz answers.
SERVE_PID=
start_serve() {
    "$BIN" serve --config "$1" >>"$WORK/serve-$2.log" 2>&1 &
    SERVE_PID=$!
    PIDS+=("$SERVE_PID")
    for _ in $(seq 1 300); do
        curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && return
        kill -0 "$SERVE_PID" 2>/dev/null || break
        sleep 0.2
    done
    echo "infermon serve on port $2 did not become ready:" >&2
    tail -20 "$WORK/serve-$2.log" >&2
    exit 1
}
start_serve "$(config sqlite:day_sqlite_1 $SQLITE_PORT)" $SQLITE_PORT
SQLITE_PID=$SERVE_PID
start_serve "$(config pg:day_pg_1 $POSTGRES_PORT)" $POSTGRES_PORT
POSTGRES_PID=$SERVE_PID
sleep "${SETTLE:-20}" # the detectors' first pass over the day of events
note_load
QUERIES=$(python3 - "$START" "$END" "$QUERY_RUNS" "http://127.0.0.1:$SQLITE_PORT" "http://127.0.0.1:$POSTGRES_PORT" <<'PY'
import http.client, json, statistics, sys, time, urllib.parse
start, end, runs, sqlite, postgres = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
QUERIES = {
    "rate": 'sum by (model) (rate(infermon_requests_total[5m]))',
    "quantile": 'histogram_quantile(0.99, sum by (model, le) (rate(infermon_request_duration_seconds_bucket[5m])))',
}
def http_range(base, query):
    host, port = base.removeprefix("http://").split(":")
    path = "/api/v1/query_range?" + urllib.parse.urlencode({"query": query, "start": start, "end": end, "step": "60"})
    t = time.perf_counter()
    connection = http.client.HTTPConnection(host, int(port), timeout=600)
    connection.request("GET", path)
    body = connection.getresponse().read()
    elapsed = time.perf_counter() - t
    connection.close()
    data = json.loads(body)
    assert data["status"] == "success", body[:300]
    return elapsed, data["data"]["result"]
bases = {"sqlite": sqlite, "postgres": postgres}
answers = {}
for name, base in bases.items():  # warm caches and connections; keep the answers
    for query, text in QUERIES.items():
        answers[name, query] = http_range(base, text)[1]
samples = {}
for round in range(runs):
    order = list(bases.items()) if round % 2 == 0 else list(reversed(bases.items()))
    for name, base in order:
        for query, text in QUERIES.items():
            samples.setdefault(f"{name} {query}", []).append(http_range(base, text)[0])
out = {key: statistics.median(values) for key, values in samples.items()}
out.update({f"{key} range": [min(values), max(values)] for key, values in samples.items()})
for query in QUERIES:
    a, b = answers["sqlite", query], answers["postgres", query]
    index = {json.dumps(r["metric"], sort_keys=True): {t: float(v) for t, v in r["values"]} for r in b}
    worst, points = 0.0, 0
    for r in a:
        theirs = index.get(json.dumps(r["metric"], sort_keys=True), {})
        for t, v in r["values"]:
            points += 1
            w = theirs.get(t)
            if w is None: worst = float("inf")
            elif float(v) == float(v): worst = max(worst, abs(float(v) - w) / max(abs(float(v)), 1e-12))
    out[f"agree {query}"] = f"{len(a)}/{len(b)} series, {points} points, max relative difference {worst:.1e}"
print(json.dumps(out))
PY
)
note_load
kill "$SQLITE_PID" "$POSTGRES_PID" 2>/dev/null || true
wait "$SQLITE_PID" "$POSTGRES_PID" 2>/dev/null || true

# --- 4. Failover ------------------------------------------------------------
fresh pg:failover
leader_of() { # prints 1, 0 or nothing (not answering)
    { curl -sf --max-time 1 "http://127.0.0.1:$1/metrics" 2>/dev/null || true; } |
        awk '$1 == "infermon_leader" { print $2 + 0 }'
}
declare -A serve_pid
for index in 0 1; do
    port=${FAILOVER_PORTS[$index]}
    start_serve "$(config pg:failover "$port" "bench-$index" "failover-$index")" "$port"
    serve_pid[$port]=$SERVE_PID
done
FAILOVER_TIMES=()
for trial in $(seq 1 "$FAILOVERS"); do
    leader=
    for _ in $(seq 1 600); do
        for port in "${FAILOVER_PORTS[@]}"; do [ "$(leader_of "$port")" = 1 ] && leader=$port; done
        [ -n "$leader" ] && break
        sleep 0.1
    done
    [ -n "$leader" ] || { echo "no leader" >&2; exit 1; }
    other=${FAILOVER_PORTS[0]}
    [ "$leader" = "$other" ] && other=${FAILOVER_PORTS[1]}
    [ "$(leader_of "$other")" = 0 ] || { echo "the follower on $other does not say infermon_leader 0" >&2; exit 1; }
    # The follower tries the lock every lease/5 = 3 s from its start: kill at a
    # random phase of that, as a crash would come.
    sleep "$(python3 -c 'import random; print(f"{random.uniform(3, 6):.2f}")')"
    t0=$(date +%s.%N)
    kill -9 "${serve_pid[$leader]}"
    wait "${serve_pid[$leader]}" 2>/dev/null || true
    took=
    for _ in $(seq 1 1200); do
        if [ "$(leader_of "$other")" = 1 ]; then took=$(python3 -c "import time; print(f'{time.time() - $t0:.2f}')"); break; fi
        sleep 0.05
    done
    [ -n "$took" ] || { echo "no takeover within 60 s" >&2; exit 1; }
    FAILOVER_TIMES+=("$took")
    echo "failover $trial: ${took} s" >&2
    # The killed daemon comes back (as a follower) for the next trial.
    index=0
    [ "$leader" = "${FAILOVER_PORTS[1]}" ] && index=1
    start_serve "$WORK/failover-$index.yaml" "$leader"
    serve_pid[$leader]=$SERVE_PID
done
for port in "${FAILOVER_PORTS[@]}"; do kill "${serve_pid[$port]}" 2>/dev/null || true; done
wait "${serve_pid[@]}" 2>/dev/null || true
note_load

# --- Table --------------------------------------------------------------------
RATES=$(for key in "${!rates[@]}"; do echo "$key:${rates[$key]}"; done)
python3 - "$RATES" "$QUERIES" "${FAILOVER_TIMES[*]}" "$SPAN" "$ROUNDS" "$QUERY_RUNS" "${SIZES[@]}" <<'PY'
import json, statistics, sys
rates = {}
for line in sys.argv[1].splitlines():
    key, values = line.split(":")
    rates[key] = [float(v) for v in values.split()]
queries, failovers, span, rounds, runs = json.loads(sys.argv[2]), [float(x) for x in sys.argv[3].split()], *sys.argv[4:7]
sizes = {s.split()[0]: [int(x) for x in s.split()[1:]] for s in sys.argv[7:]}
shapes = {"day": f"query-data, {span} × 100 label sets every 15 s", "gen": "generate (varied labels, errors, bursts)"}
def m(key):
    values = rates[key]
    return statistics.median(values), min(values), max(values)
print(f"| what (medians of {rounds} interleaved rounds) | PostgreSQL | SQLite, same run | PostgreSQL ÷ SQLite |")
print("|---|---|---|---|")
for shape in ("day", "gen"):
    events = sizes[shape][0]
    sq = m(f"{shape} sqlite 1")
    for writers, label in (("1", "1 writer"), ("3", "3 writers at once, shards dealt line by line"),
                           ("3t", "3 writers at once, shards by time (thirds)")):
        pg = m(f"{shape} pg {writers}")
        print(f"| ingest {shape} ({shapes[shape]}, {events:,} events), {label}, events/s | **{pg[0]:,.0f}** ({pg[1]:,.0f}–{pg[2]:,.0f}) "
              f"| 1 writer: {sq[0]:,.0f} ({sq[1]:,.0f}–{sq[2]:,.0f}) | {pg[0] / sq[0]:.2f} |")
for query, label in (("rate", "`sum by (model) (rate(infermon_requests_total[5m]))`"),
                     ("quantile", "`histogram_quantile(0.99, sum by (model, le) (rate(…_bucket[5m])))`")):
    pg, sq = queries[f"postgres {query}"], queries[f"sqlite {query}"]
    pr, sr = queries[f"postgres {query} range"], queries[f"sqlite {query} range"]
    print(f"| {span} range query @ 1 m over HTTP, {label}, s (median of {runs}) | **{pg:.3f}** ({pr[0]:.3f}–{pr[1]:.3f}) "
          f"| {sq:.3f} ({sr[0]:.3f}–{sr[1]:.3f}) | {pg / sq:.2f} |")
for shape in ("day", "gen"):
    events, pg_db, pg_events, pg_rollups, pg_sketches, empty, sqlite_file = sizes[shape]
    print(f"| bytes per event, {shape} ({events:,} events) | **{pg_db / events:.0f}** (database {pg_db / 1e6:.0f} MB; "
          f"events {pg_events / events:.0f}, rollups {pg_rollups / events:.0f}, sketches {pg_sketches / events:.0f}; "
          f"an empty database is {empty / 1e6:.1f} MB) | {sqlite_file / events:.0f} (file {sqlite_file / 1e6:.0f} MB) "
          f"| {pg_db / sqlite_file:.1f} |")
print(f"| failover: SIGKILL of the evaluator → the other daemon reports `infermon_leader 1`, s (default lease 15 s) "
      f"| **{statistics.median(failovers):.2f}** median of {len(failovers)} ({min(failovers):.2f}–{max(failovers):.2f}) | – | – |")
print()
print(f"- answers: rate {queries['agree rate']}; quantile {queries['agree quantile']}")
PY
echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB; PostgreSQL $PG_VERSION on the same host (127.0.0.1); load average at the phases: ${loads[*]}; took $(($(date +%s) - started_at)) s"
