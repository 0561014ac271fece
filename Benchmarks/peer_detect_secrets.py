"""Peer for `infermon-bench scanners`: Yelp's detect-secrets (PyPI) over the same
responses, one per line (`infermon-bench scanners --write-corpus FILE`), through
its usual file scan with the default plugins.

detect-secrets looks for secrets only (API keys, private keys, high-entropy
strings); infermon's scanners also look for personal data, prompt injection and
exfiltration, so the peer does less work per response than infermon does.
Usage: python3 Benchmarks/peer_detect_secrets.py FILE [LINES]
"""
import os
import sys
import tempfile
import time

from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings

path = sys.argv[1]
limit = int(sys.argv[2]) if len(sys.argv) > 2 else None
with open(path, encoding="utf-8") as handle:
    lines = handle.read().splitlines()[:limit]
with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as sample:
    sample.write("\n".join(lines) + "\n")

try:
    with default_settings():
        secrets = SecretsCollection()
        started = time.perf_counter()
        cpu_started = time.process_time()
        secrets.scan_file(sample.name)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    findings = sum(len(secrets[name]) for name in secrets.files)
finally:
    os.unlink(sample.name)

print(f"detect-secrets: {len(lines)} responses in {seconds:.2f} s wall ({cpu:.2f} s CPU): "
      f"{len(lines) / seconds:.0f} events/s, {len(lines) / cpu:.0f} per CPU second, "
      f"{findings} distinct secrets")
