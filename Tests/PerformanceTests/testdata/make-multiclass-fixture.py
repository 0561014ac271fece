"""Writes multiclass-sklearn.json: seeded multiclass predictions and scikit-learn's
accuracy, macro precision/recall/F1 and log-loss on them, for MulticlassTests.
Run with scikit-learn installed: python3 make-multiclass-fixture.py (the output is
committed, so the tests need neither scikit-learn nor the network)."""
import json

import numpy as np
import sklearn
from sklearn.metrics import accuracy_score, f1_score, log_loss, precision_score, recall_score


def case(name, classes, n, seed, temperature=1.0, never_predicted=None):
    rng = np.random.default_rng(seed)
    k = len(classes)
    truths = rng.integers(0, k, size=n)
    logits = rng.normal(0, 1, size=(n, k))
    logits[np.arange(n), truths] += 1.2  # informative, far from perfect
    if never_predicted is not None:
        logits[:, never_predicted] -= 50  # a class that occurs as truth but is never predicted
    logits /= temperature
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    predicted = proba.argmax(axis=1)
    y_true = [classes[i] for i in truths]
    y_pred = [classes[i] for i in predicted]
    return {
        "name": name,
        "classes": classes,
        "truths": [int(i) for i in truths],
        "probabilities": [[float(p) for p in row] for row in proba],
        "sklearn": {
            "accuracy": accuracy_score(y_true, y_pred),
            "precision": precision_score(y_true, y_pred, average="macro", zero_division=0),
            "recall": recall_score(y_true, y_pred, average="macro", zero_division=0),
            "f1": f1_score(y_true, y_pred, average="macro", zero_division=0),
            "log_loss": log_loss(truths, proba, labels=list(range(k))),
        },
    }


cases = [
    case("three classes", ["cat", "dog", "fox"], 500, 1),
    case("five classes, sharp", ["a", "b", "c", "d", "e"], 800, 2, temperature=0.3),
    case("four classes, one never predicted", ["low", "mid", "high", "spam"], 300, 3, never_predicted=3),
]
with open("multiclass-sklearn.json", "w") as out:
    json.dump({"sklearn_version": sklearn.__version__, "cases": cases}, out)
    out.write("\n")
