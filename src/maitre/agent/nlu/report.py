"""Classification reports: accuracy, macro-F1, per-intent scores, confusion pairs and matrix.

Used by ``evaluate`` (a test file) and by the classifier on its held-out validation slice, whose
report the registry keeps in the version's metrics (``metrics["evaluation"]``) for the web page.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support

TOP_PAIRS = 15
CONFUSION_SIZE = 10


def classification_report(y_true: list[str], y_pred: list[str]) -> dict[str, Any]:
    """Return accuracy, macro-F1 over the test intents, per-intent scores and top confusions."""
    labels = sorted(set(y_true))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    pairs = Counter((t, p) for t, p in zip(y_true, y_pred, strict=True) if t != p)
    return {
        "accuracy": round(float(np.mean(np.array(y_true) == np.array(y_pred))), 4),
        "macro_f1": round(
            float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)), 4
        ),
        "per_intent": {
            label: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion_pairs": [
            {"true": t, "predicted": p, "count": n} for (t, p), n in pairs.most_common(TOP_PAIRS)
        ],
    }


def confusion_focus(
    y_true: list[str], y_pred: list[str], *, size: int = CONFUSION_SIZE
) -> dict[str, Any]:
    """Return the confusion matrix of the ``size`` intents most involved in mistakes.

    An intent's involvement is how many errors it takes part in, as truth or as prediction;
    ``matrix[i][j]`` counts rows of true ``labels[i]`` predicted as ``labels[j]`` (the diagonal
    is the correct ones). Empty when nothing was confused.
    """
    involved: Counter[str] = Counter()
    for t, p in zip(y_true, y_pred, strict=True):
        if t != p:
            involved[t] += 1
            involved[p] += 1
    labels = [name for name, _ in sorted(involved.items(), key=lambda kv: (-kv[1], kv[0]))][:size]
    index = {name: i for i, name in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(y_true, y_pred, strict=True):
        if t in index and p in index:
            matrix[index[t]][index[p]] += 1
    return {"labels": labels, "matrix": matrix}


def holdout_report(y_true: list[str], y_pred: list[str], *, split: str) -> dict[str, Any]:
    """Return the full report of one held-out split, as stored in a version's metrics."""
    return {
        "split": split,
        "n": len(y_true),
        **classification_report(y_true, y_pred),
        "confusion": confusion_focus(y_true, y_pred),
    }
