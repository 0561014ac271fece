#!/usr/bin/env python3
"""Pushes native events to `infermon serve` at a steady rate over N label sets.

Each label set is one (model, tenant, route) triple; every event goes to the
next set in a shuffled cycle, so every set sees the same rate and all stay
active. Events are stamped with the wall clock at the moment they are sent, as
a live gateway's would be. Prints one line per minute: events sent, batches
refused, seconds behind schedule.

    soak_push.py URL TOKEN --label-sets 10000 --rate 2000 --minutes 30
"""
import argparse
import json
import random
import sys
import time
import urllib.request


def label_sets(count):
    models = max(1, round(count ** (1 / 3) / 2))
    routes = 4
    tenants = -(-count // (models * routes))
    triples = [(f"model-{m}", f"tenant-{t}", f"/v1/route-{r}") for m in range(models) for t in range(tenants) for r in range(routes)]
    return triples[:count]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("--label-sets", type=int, default=10000)
    parser.add_argument("--rate", type=float, default=2000)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--batch", type=int, default=200)
    # Each label set's first error adds a key (status is part of it): 0 keeps
    # the keys fixed, to see whether memory is flat for a fixed set of them.
    parser.add_argument("--error-share", type=float, default=0.01)
    args = parser.parse_args()
    sets = label_sets(args.label_sets)
    random.seed(7)
    random.shuffle(sets)
    headers = {"Content-Type": "application/x-ndjson", "Authorization": f"Bearer {args.token}"}
    start = time.monotonic()
    end = start + args.minutes * 60
    sent = refused = 0
    cursor = 0
    next_report = start + 60
    while True:
        now = time.monotonic()
        if now >= end:
            break
        due = int((now - start) * args.rate)
        if sent + refused >= due:
            time.sleep(min(0.01, (sent + refused + args.batch - due) / args.rate))
            continue
        stamp = int(time.time() * 1000)
        lines = []
        for _ in range(args.batch):
            model, tenant, route = sets[cursor % len(sets)]
            cursor += 1
            lines.append(json.dumps({
                "timestamp": stamp, "request_id": f"s{cursor}", "model": model, "tenant": tenant, "route": route,
                "latency_ms": random.lognormvariate(5.5, 0.6), "prompt_tokens": random.randint(20, 2000),
                "completion_tokens": random.randint(1, 800), "status": "ok" if random.random() >= args.error_share else "error",
            }, separators=(",", ":")))
        request = urllib.request.Request(args.url, data="\n".join(lines).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
            sent += args.batch
        except Exception as error:  # a refused batch is counted, not retried: the rate stays the rate
            refused += args.batch
            print(f"push failed: {error}", file=sys.stderr)
        if time.monotonic() >= next_report:
            behind = ((time.monotonic() - start) * args.rate - sent - refused) / args.rate
            print(f"minute {round((time.monotonic() - start) / 60)}: sent {sent} refused {refused} behind {behind:.1f}s", flush=True)
            next_report += 60
    print(f"done: sent {sent} refused {refused}", flush=True)


if __name__ == "__main__":
    main()
