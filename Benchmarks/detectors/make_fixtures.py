#!/usr/bin/env python3
"""Generates the golden fixtures of the Detectors tests from the reference
implementations (scipy and Evidently). Run by hand, not by CI:

    python3 -m venv /tmp/fixtures-venv
    /tmp/fixtures-venv/bin/pip install scipy numpy "pandas<3" evidently
    /tmp/fixtures-venv/bin/python Benchmarks/detectors/make_fixtures.py

It writes Tests/DetectorsTests/testdata/golden.json. Samples are not stored:
both sides regenerate them from a seed with the generator below, whose every
step is exact IEEE arithmetic, so Swift and Python see bit-identical data.
"""
import json
import math
import os
import sys

import numpy as np
import pandas as pd
import scipy
from scipy import stats
from scipy.spatial import distance

MASK = (1 << 64) - 1
SQRT3 = math.sqrt(3.0)


def splitmix64(seed):
    state = seed & MASK
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)


def sample(spec):
    """loc + scale * sqrt(3) * (u1 + u2 + u3 + u4 - 2): mean loc, sd scale, bell-shaped.
    With 'step', values are floored to multiples of step (ties); with 'skew', exponentiated."""
    generator = splitmix64(spec["seed"])
    values = np.empty(spec["n"])
    inv = 2.0 ** -53
    for i in range(spec["n"]):
        s = 0.0
        for _ in range(4):
            s = s + float(next(generator) >> 11) * inv
        v = spec["loc"] + spec["scale"] * (SQRT3 * (s - 2.0))
        if spec.get("step"):
            v = math.floor(v / spec["step"]) * spec["step"]
        values[i] = v
    return values


def spec(seed, n, loc=0.0, scale=1.0, step=None):
    out = {"seed": seed, "n": n, "loc": loc, "scale": scale}
    if step:
        out["step"] = step
    return out


def evidently_functions():
    from evidently.legacy.calculations.stattests.jensenshannon import _jensenshannon
    from evidently.legacy.calculations.stattests.psi import _psi
    from evidently.legacy.calculations.stattests.wasserstein_distance_norm import _wasserstein_distance_norm
    from evidently.legacy.calculations.stattests.chisquare_stattest import _chi_stat_test
    from evidently.legacy.core import ColumnType
    return _psi, _jensenshannon, _wasserstein_distance_norm, _chi_stat_test, ColumnType


def main():
    import evidently
    _psi, _js, _wnorm, _chi, ColumnType = evidently_functions()
    out = {
        "versions": {"scipy": scipy.__version__, "numpy": np.__version__, "evidently": evidently.__version__},
        "generator": "splitmix64, sum of four 53-bit uniforms; see make_fixtures.py",
        "ks": [],
        "numeric": [],
        "categorical": [],
        "kolmogorov": [],
        "chi2": [],
    }
    pairs = [
        ("equal small", spec(1, 20), spec(2, 20, 0.8)),
        ("equal 50", spec(3, 50), spec(4, 50, 0.3)),
        ("equal 300 ties", spec(5, 300, step=0.25), spec(6, 300, 0.2, step=0.25)),
        ("equal 1000", spec(7, 1000), spec(8, 1000, 0.1)),
        ("unequal 30/45", spec(9, 30), spec(10, 45, 0.5)),
        ("unequal 100/250", spec(11, 100), spec(12, 250, 0.2, 1.3)),
        ("unequal 1000/700", spec(13, 1000), spec(14, 700, 0.15)),
        ("unequal 5000/3000", spec(15, 5000), spec(16, 3000, 0.05)),
        ("unequal 4000/2500 null", spec(17, 4000), spec(18, 2500)),
        ("asymp 12000/15000 small", spec(19, 12000), spec(20, 15000, 0.02)),
        ("asymp 12000/15000 shift", spec(21, 12000), spec(22, 15000, 0.1)),
        ("asymp 20000/500", spec(23, 20000), spec(24, 500, 0.1)),
        ("asymp 11000/100", spec(25, 11000), spec(26, 100, 0.2)),
        ("asymp 11000/60 far", spec(27, 11000), spec(28, 60, 0.9)),
        ("asymp 11000/120 null", spec(29, 11000), spec(30, 120)),
        ("asymp 100000/100000 null", spec(31, 100000), spec(32, 100000)),
        ("asymp 100000/100000 shift", spec(33, 100000), spec(34, 100000, 0.03)),
        ("asymp 50000/20000 ties", spec(35, 50000, step=0.5), spec(36, 20000, 0.05, step=0.5)),
    ]
    for name, a_spec, b_spec in pairs:
        a = sample(a_spec)
        b = sample(b_spec)
        result = stats.ks_2samp(a, b)
        n = max(len(a), len(b))
        out["ks"].append({
            "name": name, "a": a_spec, "b": b_spec,
            "method": "exact" if n <= 10000 else "asymptotic",
            "statistic": float(result.statistic), "pvalue": float(result.pvalue),
        })
        if len(a) >= 50 and len(b) >= 50:
            ra, rb = pd.Series(a), pd.Series(b)
            wn, _ = _wnorm(ra, rb, ColumnType.Numerical, 0.1)
            psi_value, _ = _psi(ra, rb, ColumnType.Numerical, 0.1)
            js_value, _ = _js(ra, rb, ColumnType.Numerical, 0.1)
            out["numeric"].append({
                "name": name, "a": a_spec, "b": b_spec,
                "wasserstein": float(stats.wasserstein_distance(a, b)),
                "wasserstein_normed": float(wn), "psi": float(psi_value), "jensenshannon": float(js_value),
                "bins": int(len(np.histogram_bin_edges(np.concatenate([a, b]), bins="sturges")) - 1)
                if ra.nunique() > 20 else None,
            })
        print(name, "done", file=sys.stderr)

    categorical = [
        ("three", {"stop": 700, "length": 200, "content_filter": 100}, {"stop": 600, "length": 330, "content_filter": 70}),
        ("two", {"ok": 950, "error": 50}, {"ok": 930, "error": 70}),
        ("many", {f"t{i}": 40 + 7 * i for i in range(12)}, {f"t{i}": 60 + 3 * (i % 5) for i in range(12)}),
        ("new category", {"a": 500, "b": 300}, {"a": 480, "b": 290, "c": 12}),
        ("equal", {"x": 100, "y": 200}, {"x": 100, "y": 200}),
    ]
    for name, ref, cur in categorical:
        ra = pd.Series([k for k, v in ref.items() for _ in range(v)])
        rb = pd.Series([k for k, v in cur.items() for _ in range(v)])
        keys = sorted(set(ref) | set(cur))
        table = np.array([[ref.get(k, 0) for k in keys], [cur.get(k, 0) for k in keys]])
        if len(keys) > 1:
            chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
        else:
            chi2, p, dof = 0.0, 1.0, 0
        entry = {
            "name": name, "reference": ref, "current": cur,
            "psi": float(_psi(ra, rb, ColumnType.Categorical, 0.1)[0]),
            "jensenshannon": float(_js(ra, rb, ColumnType.Categorical, 0.1)[0]),
            "contingency": {"statistic": float(chi2), "pvalue": float(p), "dof": int(dof)},
        }
        if all(k in ref for k in keys):
            entry["goodness_of_fit_pvalue"] = float(_chi(ra, rb, ColumnType.Categorical, 0.05)[0])
            f_exp = [ref[k] * len(rb) / len(ra) for k in keys]
            entry["goodness_of_fit_statistic"] = float(stats.chisquare([cur.get(k, 0) for k in keys], f_exp)[0])
        out["categorical"].append(entry)
        entry["jensenshannon_scipy"] = float(distance.jensenshannon(table[0] / table[0].sum(), table[1] / table[1].sum()))

    # The finite-n Kolmogorov survival function over every branch scipy's kolmogn picks.
    for n in [5, 30, 100, 140, 141, 500, 5000, 50000, 100000, 150000]:
        for z in [0.3, 0.6, 0.8, 0.9, 1.0, 1.2, 1.5, 2.0, 3.0, 5.0, 8.0]:
            x = z / math.sqrt(n)
            if x < 1:
                out["kolmogorov"].append({"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))})
        for x in [0.55, 0.75, 0.95, 1.0 / n + 1e-9, 0.75 / n]:
            if x < 1:
                out["kolmogorov"].append({"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))})
    for df in [1, 2, 3, 7, 30, 200]:
        for x in [0.01, 0.5, 1.0, 3.0, 10.0, 45.0, 300.0, 900.0]:
            out["chi2"].append({"df": df, "x": x, "sf": float(stats.chi2.sf(x, df))})

    here = os.path.dirname(os.path.abspath(__file__))
    target = os.path.join(here, "..", "..", "Tests", "DetectorsTests", "testdata", "golden.json")
    with open(target, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", os.path.normpath(target), file=sys.stderr)


if __name__ == "__main__":
    main()
