#!/usr/bin/env bash
# OTLP trace decoding and Prometheus text parsing, measured on infermon's
# release build and, on the very same bodies, on Python peers:
#   - opentelemetry-proto's generated protobuf classes (the upb C parser), which
#     is what the Python SDK and many receivers use to read OTLP;
#   - prometheus_client's text parser (text_string_to_metric_families).
# The peers only parse; infermon also maps every span to an event (or every
# line to labelled samples), so the comparison favours the peers.
#
# Usage: Benchmarks/otlp/bench.sh   (after `swift build -c release --product infermon-bench`)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/.build/release/infermon-bench"
work="$(mktemp -d /tmp/infermon-otlp-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
venv="${INFERMON_BENCH_VENV:-$HOME/.cache/infermon/bench-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check opentelemetry-proto==1.45.2 prometheus_client

echo "== infermon $(git -C "$root" rev-parse --short HEAD), $(nproc) cores"
"$bin" otlp --protobuf "$root/Tests/CollectorsTests/testdata/otlp-python-sdk-traces.binpb" \
    --json "$root/Tests/CollectorsTests/testdata/otlp-genai-traces.json" --copies 200 --rounds 50 \
    --write-protobuf "$work/request.binpb"
"$bin" exposition --page "$root/Tests/ScrapeTests/testdata/vllm-metrics.txt" --copies 50 --rounds 50 \
    --write-body "$work/page.txt"

echo "== Python peers on the same bodies"
"$venv/bin/python" - "$work/request.binpb" "$work/page.txt" <<'PY'
import sys, time
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from prometheus_client.parser import text_string_to_metric_families

body = open(sys.argv[1], "rb").read()
rounds = 50
spans = sum(len(s.spans) for r in ExportTraceServiceRequest.FromString(body).resource_spans for s in r.scope_spans)
start = time.perf_counter()
for _ in range(rounds):
    ExportTraceServiceRequest.FromString(body)
seconds = time.perf_counter() - start
print(f"protobuf (upb parse only): {len(body)} bytes, {spans} spans; {rounds} requests in {seconds:.3f} s = {int(spans * rounds / seconds)} spans/s")
start = time.perf_counter()
for _ in range(rounds):
    request = ExportTraceServiceRequest.FromString(body)
    for resource in request.resource_spans:
        for scope in resource.scope_spans:
            for span in scope.spans:
                attributes = {kv.key: kv.value for kv in span.attributes}
seconds = time.perf_counter() - start
print(f"protobuf (parse + attribute dicts): {int(spans * rounds / seconds)} spans/s")

page = open(sys.argv[2]).read()
samples = sum(len(f.samples) for f in text_string_to_metric_families(page))
start = time.perf_counter()
for _ in range(rounds):
    for family in text_string_to_metric_families(page):
        pass
seconds = time.perf_counter() - start
print(f"prometheus_client text parser: {len(page)} bytes, {samples} samples; {rounds} bodies in {seconds:.3f} s = {int(samples * rounds / seconds)} samples/s")
PY
