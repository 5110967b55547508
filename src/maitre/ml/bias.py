"""Bias check for a binary classifier: metrics per group, flags for groups whose recall trails.

``group_report`` takes held-out labels, probabilities, the decision threshold and one or more
grouping columns (language, region, segment, ...) and returns, for every group, its size,
positives, recall, precision, ROC-AUC (when both classes occur) and positive (flag) rate, and
flags a group when the overall recall minus the group's exceeds ``max_recall_gap`` and the
group has at least ``min_positives`` positives (fewer make recall meaningless).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score


def _rates(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, Any]:
    flagged = p >= threshold
    positives = int(y.sum())
    hits = int((flagged & (y == 1)).sum())
    auc = float(roc_auc_score(y, p)) if 0 < positives < len(y) else None
    return {
        "n": len(y),
        "positives": positives,
        "recall": round(hits / positives, 4) if positives else None,
        "precision": round(hits / int(flagged.sum()), 4) if flagged.any() else None,
        "roc_auc": round(auc, 4) if auc is not None else None,
        "positive_rate": round(float(flagged.mean()), 4) if len(y) else None,
    }


def group_report(
    y: np.ndarray,
    p: np.ndarray,
    threshold: float,
    groups: Mapping[str, pd.Series | np.ndarray],
    *,
    max_recall_gap: float = 0.1,
    min_positives: int = 5,
) -> dict[str, Any]:
    """Metrics overall and per group of each grouping, with the groups whose recall trails."""
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    overall = _rates(y, p, threshold)
    report: dict[str, Any] = {
        "threshold": round(threshold, 4),
        "max_recall_gap": max_recall_gap,
        "min_positives": min_positives,
        "overall": overall,
        "groups": {},
        "flagged": [],
    }
    for name, values in groups.items():
        labels = np.asarray(pd.Series(values).astype(str).to_numpy())
        per: dict[str, Any] = {}
        for group in sorted(set(labels.tolist())):
            mask = labels == group
            stats = _rates(y[mask], p[mask], threshold)
            gap = None
            if overall["recall"] is not None and stats["recall"] is not None:
                gap = round(overall["recall"] - stats["recall"], 4)
            stats["recall_gap"] = gap
            flag = gap is not None and gap > max_recall_gap and stats["positives"] >= min_positives
            stats["flagged"] = bool(flag)
            per[group] = stats
            if flag:
                report["flagged"].append({"by": name, "group": group, "recall_gap": gap})
        report["groups"][name] = per
    return report
