#!/usr/bin/env python3
"""Writes the census-employment fixture of PerformanceTests from the data the
nannyml PyPI package ships, with NannyML's own CBPE estimates and realised
performance on the same chunks. Run it in a venv with nannyml installed:

    python3 -m venv /tmp/nm && /tmp/nm/bin/pip install nannyml statsmodels
    /tmp/nm/bin/python Tests/PerformanceTests/testdata/make-census-fixture.py

It writes census-employment.csv (set,probability,truth: the sampled reference and
analysis rows) and census-employment-nannyml.json (per chunk: NannyML's estimate,
sampling error, bounds and realised value per metric). `make test` needs neither
the package nor the network: both files are committed.
"""
import json
import os
import sys
import warnings

os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")  # no telemetry calls

import numpy as np
import nannyml as nml

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE_ROWS = 5000
CHUNK_SIZE = 2000
CHUNKS = 8
METRICS = ["roc_auc", "f1", "precision", "recall", "accuracy"]

reference, analysis, targets = nml.load_us_census_ma_employment_data()
analysis = analysis.merge(targets, on="id")
# A fixed, evenly spread sample: every k-th row, so the analysis keeps its drift over the years.
reference = reference.iloc[:: len(reference) // REFERENCE_ROWS].head(REFERENCE_ROWS).reset_index(drop=True)
step = len(analysis) // (CHUNK_SIZE * CHUNKS)
analysis = analysis.iloc[::step].head(CHUNK_SIZE * CHUNKS).reset_index(drop=True)
reference["prediction"] = (reference["predicted_probability"] >= 0.5).astype(int)
analysis["prediction"] = (analysis["predicted_probability"] >= 0.5).astype(int)

estimator = nml.CBPE(
    problem_type="classification_binary", y_pred_proba="predicted_probability", y_pred="prediction",
    y_true="employed", metrics=METRICS, chunk_size=CHUNK_SIZE)
estimator.fit(reference)
estimated = estimator.estimate(analysis).filter(period="analysis").to_df()
calculator = nml.PerformanceCalculator(
    problem_type="classification_binary", y_pred_proba="predicted_probability", y_pred="prediction",
    y_true="employed", metrics=METRICS, chunk_size=CHUNK_SIZE)
calculator.fit(reference)
realised = calculator.calculate(analysis).filter(period="analysis").to_df()

chunks = []
for index in range(len(estimated)):
    chunk = {"start": int(estimated[("chunk", "start_index")].iloc[index]),
             "end": int(estimated[("chunk", "end_index")].iloc[index]), "metrics": {}}
    for metric in METRICS:
        chunk["metrics"][metric] = {
            "estimate": float(estimated[(metric, "value")].iloc[index]),
            "sampling_error": float(estimated[(metric, "sampling_error")].iloc[index]),
            "lower": float(estimated[(metric, "lower_confidence_boundary")].iloc[index]),
            "upper": float(estimated[(metric, "upper_confidence_boundary")].iloc[index]),
            "realised": float(realised[(metric, "value")].iloc[index]),
        }
    chunks.append(chunk)

document = {
    "source": "nannyml %s load_us_census_ma_employment_data()" % nml.__version__,
    "reference_rows": REFERENCE_ROWS, "chunk_size": CHUNK_SIZE,
    "needs_calibration": bool(estimator.needs_calibration),
    "chunks": chunks,
}
with open(os.path.join(HERE, "census-employment-nannyml.json"), "w") as out:
    json.dump(document, out, indent=1)
with open(os.path.join(HERE, "census-employment.csv"), "w") as out:
    out.write("set,probability,truth\n")
    for name, frame in (("reference", reference), ("analysis", analysis)):
        for probability, truth in zip(frame["predicted_probability"], frame["employed"]):
            out.write("%s,%.6f,%d\n" % (name, probability, truth))
print("needs_calibration:", estimator.needs_calibration, file=sys.stderr)
