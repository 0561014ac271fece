#!/usr/bin/env python3
"""Cross-checks the PromQL test files against a real Prometheus.

Run by hand (needs `promtool`, Debian package `prometheus`; no Python packages):

    python3 Tests/QueryTests/oracle/check-against-promtool.py Tests/QueryTests/testdata/*.test

Every `eval instant` / `eval_ordered instant` with its expected lines becomes a
`promtool test rules` case over the same input series; promtool then reports
where Prometheus disagrees with our expectations. Skipped: eval_fail, range
evals, range-vector results, and infermon extensions (sketches).

promtool compares values exactly: a NaN never equals NaN, and results that
differ in the last digit (0.15 vs 0.15000000000000002) are reported too; the
test files compare with promqltest's relative tolerance of 1e-6. Read the
exp/got lines of a report with that in mind.
"""
import math
import os
import re
import subprocess
import sys
import tempfile

UNITS = {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000, "w": 604800000, "y": 31536000000}


def duration(text):
    total, pos = 0, 0
    for number, unit in re.findall(r"(\d+)(ms|s|m|h|d|w|y)", text):
        total += int(number) * UNITS[unit]
        pos += len(number) + len(unit)
    if pos != len(text) or not text:
        return int(float(text) * 1000)
    return total


def number(text):
    low = text.lower()
    if low in ("inf", "+inf"):
        return math.inf
    if low == "-inf":
        return -math.inf
    if low in ("nan", "+nan", "-nan"):
        return math.nan
    return float(text)


def expand(text):
    values = []
    for word in text.split():
        if word == "_":
            values.append(None)
        elif word.startswith("_x"):
            values += [None] * int(word[2:])
        elif word == "stale":
            values.append("stale")
        elif "x" in word:
            head, count = word.rsplit("x", 1)
            split = next((k for k in range(1, len(head)) if head[k] in "+-" and head[k - 1] not in "eE"), None)
            start, delta = (number(head[:split]), number(head[split:])) if split else (number(head), 0.0)
            values += [start + i * delta for i in range(int(count) + 1)]
        else:
            values.append(number(word))
    return values


def split_series(text):
    depth, quoted, end = 0, False, 0
    for end, ch in enumerate(text):
        if ch == '"' and (end == 0 or text[end - 1] != "\\"):
            quoted = not quoted
        if not quoted and ch == "{":
            depth += 1
        if not quoted and ch == "}":
            depth -= 1
            if depth == 0:
                return text[: end + 1], text[end + 1 :].strip()
        if not quoted and depth == 0 and ch in " \t":
            return text[:end], text[end:].strip()
    return text, ""


def fmt(value):
    if value is None:
        return "_"
    if value == "stale":
        return "stale"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    return repr(value)


def quote(text):
    return "'" + text.replace("'", "''") + "'"


def parse(path):
    groups, current = [], {"series": [], "evals": []}
    lines = open(path).read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        block = []
        while i < len(lines) and lines[i].strip() and (lines[i][:1] in " \t"):
            if not lines[i].strip().startswith("#"):
                block.append((i + 1, lines[i].strip()))
            i += 1
        word = line.split()[0]
        if word == "clear":
            groups.append(current)
            current = {"series": [], "evals": []}
        elif word == "load":
            interval = duration(line.split()[1])
            for _, entry in block:
                labels, rest = split_series(entry)
                current["series"].append((interval, labels, expand(rest)))
        elif word in ("eval", "eval_ordered"):
            m = re.match(r"^\S+ instant at (\S+) (.*)$", line)
            if not m or "sketch_quantile_over_time" in m.group(2) or m.group(2).rstrip().endswith("]"):
                continue
            expected = []
            for _, entry in block:
                if " " not in entry:
                    expected.append(("{}", number(entry)))
                else:
                    labels, rest = split_series(entry)
                    expected.append((labels, number(rest)))
            current["evals"].append((i, duration(m.group(1)), m.group(2), expected))
    groups.append(current)
    return groups


def to_yaml(groups, rules_path):
    out = ["rule_files: [" + quote(rules_path) + "]", "evaluation_interval: 1m", "tests:"]
    for group in groups:
        if not group["evals"]:
            continue
        intervals = [s[0] for s in group["series"]] or [60000]
        base = intervals[0]
        for value in intervals[1:]:
            base = math.gcd(base, value)
        out.append(f"  - interval: {base}ms")
        out.append("    input_series:")
        for interval, labels, values in group["series"]:
            dense = []
            for index, value in enumerate(values):
                dense.append(value)
                dense += [None] * (interval // base - 1)
            while dense and dense[-1] is None:
                dense.pop()
            out.append(f"      - series: {quote(labels)}")
            out.append(f"        values: {quote(' '.join(fmt(v) for v in dense))}")
        out.append("    promql_expr_test:")
        for line, time, expr, expected in group["evals"]:
            out.append(f"      - expr: {quote(expr)}  # line {line}")
            out.append(f"        eval_time: {time}ms")
            out.append("        exp_samples:" + ("" if expected else " []"))
            for labels, value in expected:
                out.append(f"          - labels: {quote(labels)}")
                yaml_value = ".nan" if math.isnan(value) else ".inf" if value == math.inf else "-.inf" if value == -math.inf else repr(value)
                out.append(f"            value: {yaml_value}")
    return "\n".join(out) + "\n"


def main():
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        rules = os.path.join(tmp, "rules.yaml")
        open(rules, "w").write("groups: []\n")
        for path in sys.argv[1:]:
            test = os.path.join(tmp, os.path.basename(path) + ".yaml")
            open(test, "w").write(to_yaml(parse(path), rules))
            result = subprocess.run(["promtool", "test", "rules", test], capture_output=True, text=True)
            status = "ok" if result.returncode == 0 else "DISAGREES"
            print(f"{path}: {status}")
            if result.returncode != 0:
                failed += 1
                print(result.stdout[-6000:], result.stderr[-3000:])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
