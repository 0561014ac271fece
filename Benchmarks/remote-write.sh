#!/usr/bin/env bash
# Remote write, measured beside Prometheus's own in the same run: a release
# `infermon serve` takes pushed traffic (KEYS label sets) on a 5 s rollup grid
# and remote-writes to VictoriaMetrics; a Prometheus 2.42 scrapes the same
# daemon's /metrics every 5 s (the same event series) and remote-writes to the
# same VictoriaMetrics. VictoriaMetrics is down for the first third of the run,
# so both build a backlog; infermon's drain rate is timed once it is back.
# Reported: samples and bytes each sender had acknowledged, bytes per sample,
# infermon's drain rate, and the daemon's CPU with remote write against a run of
# the same traffic without it.
#
#   Benchmarks/remote-write.sh          DURATION=90 KEYS=400 RATE=2000 Benchmarks/remote-write.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-packages.sh prometheus victoria-metrics curl python3 >/dev/null
BIN=${BIN:-$PWD/.build/release/infermon}
[ -x "$BIN" ] || { echo "build it first: swift build -c release --product infermon" >&2; exit 1; }
WORK=${BENCH_DIR:-$(mktemp -d /tmp/infermon-rw-bench-XXXXXX)}
mkdir -p "$WORK"
DURATION=${DURATION:-90}
KEYS=${KEYS:-400}
RATE=${RATE:-2000}
PORT=39470
VM_PORT=39471
PROM_PORT=39472
TOKEN="bench-$RANDOM$RANDOM$RANDOM$RANDOM"
echo "$TOKEN" > "$WORK/token"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

config() { # $1: with remote write (1) or not (0)
    cat <<YAML
storage: {path: $WORK/store-$1.db, rollup_interval: 5s}
sources: []
server: {listen: 127.0.0.1:$PORT, auth: {token_file: $WORK/token}}
detectors: {enabled: false}
quality: {enabled: false}
log: {level: warning}
YAML
    if [ "$1" = 1 ]; then
        cat <<YAML
remote_write:
  - url: http://127.0.0.1:$VM_PORT/api/v1/write
    name: victoria
    queue_config: {send_interval: 1s, delay: 5s, max_backoff: 1s}
YAML
    fi
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

push() { # pushes RATE events/s over KEYS label sets for $1 seconds
    python3 - "$1" "$KEYS" "$RATE" "$PORT" "$TOKEN" <<'PY'
import sys, time, urllib.request, random
seconds, keys, rate, port, token = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
end, n, batch = time.time() + seconds, 0, max(1, rate // 10)
random.seed(7)
while time.time() < end:
    now = int(time.time() * 1000)
    lines = []
    for _ in range(batch):
        n += 1
        k = n % keys
        lines.append('{"timestamp":%d,"request_id":"b%d","model":"m%d","tenant":"t%d","route":"/r%d",'
                     '"latency_ms":%d,"ttft_ms":%d,"prompt_tokens":%d,"completion_tokens":%d,"cost":0.001}'
                     % (now, n, k % 8, k // 8 % 25, k // 200, random.randint(20, 4000), random.randint(5, 800),
                        random.randint(10, 2000), random.randint(10, 500)))
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/events", data="\n".join(lines).encode(),
                                     headers={"Authorization": "Bearer " + token})
    try: urllib.request.urlopen(request).read()
    except Exception as error: print("push failed:", error, file=sys.stderr)
    time.sleep(max(0, 0.1 - (time.time() * 1000 - now) / 1000))
PY
}

metric() { # $1 url, $2 metric name prefix; sums matching lines
    curl -sf "$1" | awk -v m="$2" 'index($0, m) == 1 && ($0 ~ /^[^#]/) { s += $NF } END { printf "%.0f\n", s }'
}

start_daemon() {
    config "$1" > "$WORK/infermon-$1.yaml"
    "$BIN" serve --config "$WORK/infermon-$1.yaml" 2>"$WORK/serve-$1.log" &
    DAEMON=$!
    pids+=("$DAEMON")
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
}

start_vm() {
    victoria-metrics -storageDataPath="$WORK/vm" -httpListenAddr=127.0.0.1:$VM_PORT -loggerLevel=ERROR \
        >"$WORK/vm.log" 2>&1 &
    VM=$!
    pids+=("$VM")
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$VM_PORT/health" >/dev/null && break; sleep 0.1; done
}

# Prometheus scrapes the daemon's /metrics in both runs (the scrapes cost the daemon
# the same CPU in each), and remote-writes what it scrapes.
cat > "$WORK/prometheus.yml" <<YAML
global: {scrape_interval: 5s}
scrape_configs:
  - job_name: infermon
    static_configs: [{targets: ["127.0.0.1:$PORT"]}]
remote_write:
  - url: http://127.0.0.1:$VM_PORT/api/v1/write
YAML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom" \
    --web.listen-address=127.0.0.1:$PROM_PORT >"$WORK/prometheus.log" 2>&1 &
pids+=("$!")

# 1. The same traffic without remote write: the daemon's CPU baseline.
start_daemon 0
before=$(cpu_ticks "$DAEMON")
push "$DURATION"
base_ticks=$(($(cpu_ticks "$DAEMON") - before))
kill "$DAEMON"; wait "$DAEMON" 2>/dev/null || true

# 2. With remote write; VictoriaMetrics down for the first third.
start_daemon 1
before=$(cpu_ticks "$DAEMON")
push $((DURATION / 3))
pending=$(metric "http://127.0.0.1:$PORT/metrics" infermon_remote_storage_pending_samples)
start_vm
drain_start=$(date +%s.%N)
sent_before=$(metric "http://127.0.0.1:$PORT/metrics" infermon_remote_storage_samples_total)
push $((DURATION - DURATION / 3)) &
pusher=$!
drained=""
while kill -0 "$pusher" 2>/dev/null; do
    if [ -z "$drained" ] && [ "$(metric "http://127.0.0.1:$PORT/metrics" infermon_remote_storage_pending_samples)" = 0 ]; then
        drained=$(date +%s.%N)
        sent_drain=$(metric "http://127.0.0.1:$PORT/metrics" infermon_remote_storage_samples_total)
    fi
    sleep 0.2
done
rw_ticks=$(($(cpu_ticks "$DAEMON") - before))
sleep 12  # both senders catch up with the last intervals
inf_samples=$(metric "http://127.0.0.1:$PORT/metrics" infermon_remote_storage_samples_total)
inf_bytes=$(metric "http://127.0.0.1:$PORT/metrics" infermon_remote_storage_bytes_total)
prom_samples=$(metric "http://127.0.0.1:$PROM_PORT/metrics" prometheus_remote_storage_samples_total)
prom_bytes=$(metric "http://127.0.0.1:$PROM_PORT/metrics" prometheus_remote_storage_bytes_total)
python3 - <<PY
hz = 100
dur, keys, rate = $DURATION, $KEYS, $RATE
base, rw = $base_ticks / hz, $rw_ticks / hz
print(f"traffic: {rate} events/s over {keys} label sets for {dur} s; VictoriaMetrics down for the first {dur // 3} s")
print("| sender | samples acknowledged | bytes | bytes/sample |")
print("|---|---|---|---|")
print(f"| infermon remote write | {$inf_samples:,} | {$inf_bytes:,} | {$inf_bytes / max($inf_samples, 1):.2f} |")
print(f"| Prometheus 2.42 (scraping infermon /metrics every 5 s) | {$prom_samples:,} | {$prom_bytes:,} | {$prom_bytes / max($prom_samples, 1):.2f} |")
drained = "$drained"
if drained:
    seconds = float(drained) - $drain_start
    print(f"infermon backlog: {$pending:,} samples queued at the outage's end, drained in {seconds:.1f} s "
          f"({($sent_drain - $sent_before) / seconds:,.0f} samples/s acknowledged while new traffic kept coming)")
else:
    print("infermon backlog: not drained while traffic ran")
print(f"daemon CPU over the run: {base:.1f} s without remote write, {rw:.1f} s with it "
      f"(+{(rw - base) / dur * 100:.1f}% of one core)")
PY
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); all processes share them"
if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$WORK"; fi
