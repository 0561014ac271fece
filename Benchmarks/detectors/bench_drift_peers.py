#!/usr/bin/env python3
"""The Python peers of `infermon-bench drift speed`: Evidently's DataDriftPreset and
a scipy loop of ks_2samp + wasserstein_distance over the same samples, which
`infermon-bench drift speed --write-data DIR` wrote as raw float64 files.

Prints a table with the times, the ratios to infermon's time, and whether the
columns Evidently flags are the ones infermon flags. Run through bench_drift.sh.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats


def load(directory, fields, reference_rows, current_rows):
    reference = np.fromfile(os.path.join(directory, "reference.f64"), dtype="<f8").reshape(fields, reference_rows)
    current = np.fromfile(os.path.join(directory, "current.f64"), dtype="<f8").reshape(fields, current_rows)
    names = [f"f{i}" for i in range(fields)]
    return (pd.DataFrame({n: reference[i] for i, n in enumerate(names)}),
            pd.DataFrame({n: current[i] for i, n in enumerate(names)}))


def timed(function, repeats):
    runs = []
    cpu = []
    result = None
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = function()
        runs.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return statistics.median(runs), statistics.median(cpu), result


def evidently_run(reference, current):
    from evidently import Report
    from evidently.presets import DataDriftPreset
    snapshot = Report([DataDriftPreset()]).run(current_data=current, reference_data=reference)
    flagged = []
    for metric in snapshot.dict()["metrics"]:
        config = metric.get("config", {})
        if config.get("type", "").endswith("ValueDrift"):
            value, threshold = metric["value"], config["threshold"]
            p_value_test = "p_value" in config.get("method", "")
            drifted = value <= threshold if p_value_test else value >= threshold
            if drifted:
                flagged.append(config["column"])
    return sorted(flagged, key=lambda name: int(name[1:]))


def scipy_loop(reference, current):
    out = {}
    for name in reference.columns:
        a, b = reference[name].values, current[name].values
        out[name] = (stats.ks_2samp(a, b).pvalue, stats.wasserstein_distance(a, b))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--swift-json", required=True, help="output of `infermon-bench drift speed --json`")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    swift = json.load(open(args.swift_json))
    reference, current = load(args.data, swift["fields"], swift["reference_rows"], swift["current_rows"])

    evidently_seconds, evidently_cpu, evidently_flagged = timed(
        lambda: evidently_run(reference, current), args.repeats)
    scipy_seconds, scipy_cpu, _ = timed(lambda: scipy_loop(reference, current), args.repeats)
    ours, ours_cpu = swift["seconds"], swift["cpu_seconds"]
    same = sorted(swift["flagged"], key=lambda name: int(name[1:])) == evidently_flagged

    print(f"\n{swift['fields']} numeric fields x {swift['reference_rows']:,} reference x "
          f"{swift['current_rows']:,} current rows (median of runs)")
    print(f"{'implementation':<44}{'wall s':>8}{'ratio':>8}{'CPU s':>8}{'ratio':>8}  flagged")
    print(f"{'infermon (KS+Wasserstein+PSI+JS, calibrated)':<44}{ours:>8.3f}{'1.0x':>8}{ours_cpu:>8.3f}{'1.0x':>8}  "
          f"{','.join(swift['flagged'])}")
    print(f"{'Evidently DataDriftPreset':<44}{evidently_seconds:>8.3f}{evidently_seconds / ours:>7.1f}x"
          f"{evidently_cpu:>8.3f}{evidently_cpu / ours_cpu:>7.1f}x  {','.join(evidently_flagged)}")
    print(f"{'scipy loop: ks_2samp + wasserstein_distance':<44}{scipy_seconds:>8.3f}{scipy_seconds / ours:>7.1f}x"
          f"{scipy_cpu:>8.3f}{scipy_cpu / ours_cpu:>7.1f}x")
    print(f"same columns flagged as Evidently: {'yes' if same else 'NO'}")
    print(json.dumps({"infermon_seconds": ours, "evidently_seconds": evidently_seconds, "evidently_cpu": evidently_cpu,
                      "scipy_seconds": scipy_seconds, "scipy_cpu": scipy_cpu, "evidently_flagged": evidently_flagged,
                      "infermon_flagged": swift["flagged"], "same_flagged": same}), file=sys.stderr)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
