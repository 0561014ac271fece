#!/usr/bin/env python3
"""Eight range queries at once against the same eight one after another, on
one server: the concurrency row of Benchmarks/query.sh on its own, for an idle
machine (the full script runs for minutes, and anything else running on a
2-core machine moves this figure more than any other).

    BENCH_DIR=/tmp/qbench Benchmarks/query.sh      # keeps the data
    (cd /tmp/qbench && infermon serve --config fresh.yaml &)      # 127.0.0.1:39466
    prometheus --config.file=/tmp/qbench/prometheus.yml \\
        --storage.tsdb.path=/tmp/qbench/prometheus --web.listen-address=127.0.0.1:39090 &
    E=$(( $(date +%s) / 60 * 60 - 3600 )); S=$((E - 86400))
    Benchmarks/concurrency-check.py 127.0.0.1:39466 $S $E 9
    Benchmarks/concurrency-check.py 127.0.0.1:39090 $S $E 9

As in query.sh: the 24 h rate query at a 1 m step, a new connection per query,
each answer parsed, the eight started together at a barrier; medians of ROUNDS.
"""
import http.client, json, statistics, sys, threading, time, urllib.parse

base, start, end, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
RATE = 'sum by (model) (rate(infermon_requests_total[5m]))'
host, port = base.split(":")
path = "/api/v1/query_range?" + urllib.parse.urlencode({"query": RATE, "start": start, "end": end, "step": "60"})


def one():
    connection = http.client.HTTPConnection(host, int(port))
    connection.request("GET", path)
    body = connection.getresponse().read()
    connection.close()
    assert json.loads(body)["status"] == "success", body[:300]


def together(n):
    barrier = threading.Barrier(n + 1)

    def run():
        barrier.wait()
        one()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


one()
one()
sequential, concurrent = [], []
for _ in range(runs):
    began = time.perf_counter()
    for _ in range(8):
        one()
    sequential.append(time.perf_counter() - began)
    concurrent.append(together(8))
s, c = statistics.median(sequential), statistics.median(concurrent)
print(f"{base}: 8 one after another {s:.3f} s, 8 at once {c:.3f} s, speed-up {s / c:.2f}x (median of {runs})")
