#!/usr/bin/env python3
"""Alert latency: from appending a log line that breaks a threshold rule to the
webhook receiving the firing notification, over many trials (p50, p99).

Two pipelines are measured on the same machine, with the same log lines and
the same webhook receiver:

  infermon   infermon serve: file collector -> store -> rule engine
             (evaluation_interval 1s) -> notification (group_wait 0) -> webhook.
  peer       the stack infermon replaces: infermon only ingests and exposes
             /metrics; Prometheus 2.42 scrapes it every second and evaluates the
             same threshold every second; Alertmanager (group_wait 0) calls the
             webhook. Needs Debian's prometheus and prometheus-alertmanager.

Each trial logs one request of a new model (so every alert is a new group,
notified at once) with a latency of 9s against a 5s threshold, then waits for
the webhook. Trials start at random offsets so they do not lock onto the
evaluation slots. Python standard library only.

  Benchmarks/alert-latency.py --infermon .build/release/infermon [--trials 100] [--mode both]
"""
import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """A webhook receiver that records when each firing notification arrives."""

    def __init__(self):
        self.arrivals = {}
        self.condition = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                now = time.monotonic()
                self.send_response(200)
                self.end_headers()
                try:
                    payload = json.loads(body)
                except ValueError:
                    return
                if payload.get("status") != "firing":
                    return
                with receiver.condition:
                    for alert in payload.get("alerts", []):
                        model = alert.get("labels", {}).get("model")
                        if model and alert.get("status") == "firing" and model not in receiver.arrivals:
                            receiver.arrivals[model] = now
                    receiver.condition.notify_all()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, model, timeout):
        deadline = time.monotonic() + timeout
        with self.condition:
            while model not in self.arrivals:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.condition.wait(left)
            return self.arrivals[model]

    def stop(self):
        self.server.shutdown()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_request(path, model, latency_ms):
    line = json.dumps({
        "timestamp": int(time.time() * 1000), "request_id": f"{model}-{time.time_ns()}", "model": model,
        "latency_ms": latency_ms})
    with open(path, "a") as f:
        f.write(line + "\n")
        f.flush()


def wait_for_text(path, pattern, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                match = re.search(pattern, f.read())
            if match:
                return match
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {pattern!r} in {path}")


def start_infermon(binary, work, config):
    stderr = open(os.path.join(work, "infermon.log"), "w")
    process = subprocess.Popen([binary, "serve", "--config", config], stdout=subprocess.DEVNULL, stderr=stderr)
    match = wait_for_text(os.path.join(work, "infermon.log"), r"listening address=127\.0\.0\.1:(\d+)")
    wait_for_text(os.path.join(work, "infermon.log"), r"infermon ready")
    return process, int(match.group(1))


def infermon_config(work, extra):
    os.makedirs(os.path.join(work, "logs"), exist_ok=True)
    config = os.path.join(work, "infermon.yaml")
    with open(config, "w") as f:
        f.write(f"""storage:
  path: {work}/store.db
server:
  listen: 127.0.0.1:0
sources:
  - name: app
    paths: ["{work}/logs/*.jsonl"]
log:
  level: info
{extra}""")
    return config


def run_trials(log, receiver, trials, prefix, timeout=30):
    latencies = []
    for trial in range(trials):
        time.sleep(random.uniform(0, 1.0))
        model = f"{prefix}-{trial}"
        start = time.monotonic()
        log_request(log, model, 9000)
        arrived = receiver.wait_for(model, timeout)
        if arrived is None:
            print(f"  trial {trial}: no notification within {timeout}s", file=sys.stderr)
            continue
        latencies.append(arrived - start)
        # Resolve it, so the number of firing alerts stays small.
        log_request(log, model, 100)
    return latencies


def measure_infermon(binary, trials, receiver):
    work = tempfile.mkdtemp(prefix="infermon-alert-latency-")
    with open(os.path.join(work, "rules.yaml"), "w") as f:
        f.write("""groups:
  - name: latency
    rules:
      - alert: SlowRequest
        expr: infermon_request_duration_seconds > 5
        labels: {severity: page}
""")
    config = infermon_config(work, f"""rule_files: [rules.yaml]
evaluation_interval: 1s
notifications:
  route:
    receiver: hook
    group_by: [model]
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 1h
  receivers:
    - name: hook
      webhook_configs:
        - url: http://127.0.0.1:{receiver.port}/hook
""")
    process, _ = start_infermon(binary, work, config)
    try:
        return run_trials(os.path.join(work, "logs", "app.jsonl"), receiver, trials, "infermon")
    finally:
        process.terminate()
        process.wait()
        shutil.rmtree(work, ignore_errors=True)


def measure_peer(binary, trials, receiver):
    work = tempfile.mkdtemp(prefix="infermon-alert-latency-peer-")
    config = infermon_config(work, "rule_files: []\n")
    infermon, infermon_port = start_infermon(binary, work, config)
    am_port, prom_port = free_port(), free_port()
    with open(os.path.join(work, "alertmanager.yml"), "w") as f:
        f.write(f"""route:
  receiver: hook
  group_by: [model]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:{receiver.port}/hook
""")
    with open(os.path.join(work, "rules.yaml"), "w") as f:
        f.write("""groups:
  - name: latency
    rules:
      - alert: SlowRequest
        expr: sum by (model) (infermon_request_duration_seconds_count) - sum by (model) (infermon_request_duration_seconds_bucket{le="5.12"}) > 0
        labels: {severity: page}
""")
    with open(os.path.join(work, "prometheus.yml"), "w") as f:
        f.write(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [rules.yaml]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:{am_port}"]
scrape_configs:
  - job_name: infermon
    static_configs:
      - targets: ["127.0.0.1:{infermon_port}"]
""")
    alertmanager = subprocess.Popen([
        shutil.which("prometheus-alertmanager") or "alertmanager", f"--config.file={work}/alertmanager.yml",
        f"--storage.path={work}/am", f"--web.listen-address=127.0.0.1:{am_port}", "--cluster.listen-address="],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "alertmanager.log"), "w"))
    prometheus = subprocess.Popen([
        "prometheus", f"--config.file={work}/prometheus.yml", f"--storage.tsdb.path={work}/prom",
        f"--web.listen-address=127.0.0.1:{prom_port}"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "prometheus.log"), "w"))
    try:
        wait_for_text(os.path.join(work, "prometheus.log"), r"Server is ready to receive web requests")
        wait_for_text(os.path.join(work, "alertmanager.log"), r"Listening")
        time.sleep(3)  # a few scrapes, so the target is up
        return run_trials(os.path.join(work, "logs", "app.jsonl"), receiver, trials, "peer")
    finally:
        for process in (prometheus, alertmanager, infermon):
            process.terminate()
            process.wait()
        shutil.rmtree(work, ignore_errors=True)


def percentile(values, fraction):
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(round(fraction * len(ordered) + 0.5)) - 1))
    return ordered[index]


def summary(name, latencies, trials):
    if not latencies:
        return {"pipeline": name, "trials": trials, "received": 0}
    return {
        "pipeline": name, "trials": trials, "received": len(latencies),
        "p50_s": round(percentile(latencies, 0.50), 3), "p90_s": round(percentile(latencies, 0.90), 3),
        "p99_s": round(percentile(latencies, 0.99), 3), "max_s": round(max(latencies), 3),
        "mean_s": round(sum(latencies) / len(latencies), 3)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--infermon", default=".build/release/infermon")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--mode", choices=["infermon", "peer", "both"], default="both")
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()
    random.seed(arguments.seed)
    binary = os.path.abspath(arguments.infermon)
    receiver = Receiver()
    results = []
    try:
        if arguments.mode in ("infermon", "both"):
            results.append(summary("infermon", measure_infermon(binary, arguments.trials, receiver), arguments.trials))
        if arguments.mode in ("peer", "both"):
            if shutil.which("prometheus") and (shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")):
                results.append(summary(
                    "prometheus+alertmanager", measure_peer(binary, arguments.trials, receiver), arguments.trials))
            else:
                print("peer skipped: prometheus or alertmanager not installed", file=sys.stderr)
    finally:
        receiver.stop()
    print(f"{'pipeline':<26}{'trials':>7}{'got':>5}{'p50 s':>8}{'p90 s':>8}{'p99 s':>8}{'max s':>8}{'mean s':>8}")
    for row in results:
        print(f"{row['pipeline']:<26}{row['trials']:>7}{row['received']:>5}"
              + "".join(f"{row.get(key, float('nan')):>8.3f}" for key in ("p50_s", "p90_s", "p99_s", "max_s", "mean_s")))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
