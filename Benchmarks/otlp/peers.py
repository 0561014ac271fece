"""Python peers of Benchmarks/otlp/bench.sh, on the very bodies infermon measured.

OTLP: opentelemetry-proto's generated classes (the upb C parser), parse only and
parse + a dict of each span's attributes. Prometheus: prometheus_client's parser.
Usage: peers.py REQUEST.binpb PAGE.txt [ROUNDS]
"""
import sys
import time

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from prometheus_client.parser import text_string_to_metric_families

body = open(sys.argv[1], "rb").read()
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 50
spans = sum(len(s.spans) for r in ExportTraceServiceRequest.FromString(body).resource_spans for s in r.scope_spans)
start = time.perf_counter()
for _ in range(rounds):
    ExportTraceServiceRequest.FromString(body)
seconds = time.perf_counter() - start
print(f"protobuf (upb parse only): {len(body)} bytes, {spans} spans; {rounds} requests in {seconds:.3f} s = {int(spans * rounds / seconds)} spans/s")
start = time.perf_counter()
cpu_start = time.process_time()
for _ in range(rounds):
    request = ExportTraceServiceRequest.FromString(body)
    for resource in request.resource_spans:
        for scope in resource.scope_spans:
            for span in scope.spans:
                attributes = {kv.key: kv.value for kv in span.attributes}
seconds = time.perf_counter() - start
cpu_seconds = time.process_time() - cpu_start
print(f"protobuf (parse + attribute dicts): {int(spans * rounds / seconds)} spans/s; {int(spans * rounds / cpu_seconds)} spans per CPU second")

page = open(sys.argv[2]).read()
samples = sum(len(f.samples) for f in text_string_to_metric_families(page))
start = time.perf_counter()
for _ in range(rounds):
    for family in text_string_to_metric_families(page):
        pass
seconds = time.perf_counter() - start
print(f"prometheus_client text parser: {len(page)} bytes, {samples} samples; {rounds} bodies in {seconds:.3f} s = {int(samples * rounds / seconds)} samples/s")
