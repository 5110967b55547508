"""Evaluate churn models on a labelled customer table: what ``maitre churn evaluate`` runs.

Stratified 80/20 split with a fixed seed; ``TableFeatures`` and ``ChurnModel`` learn on the 80%
only; the 20% gives ROC-AUC, PR-AUC, Brier score, F1 at the cost-based threshold, a reliability
curve, the most important features (mean |SHAP|) and reasons for a few customers, next to a
plain logistic regression and the tuned LightGBM alone, measured on the same split.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split

from maitre.errors import ValidationFailed
from maitre.ml.churn import ChurnModel, cost_threshold, make_linear, split_columns
from maitre.ml.explain import shapley_values, top_reasons
from maitre.ml.table_features import TableFeatures
from maitre.ml.tabular import bool_values, resolve_column

_POSITIVE_WORDS = ("churn", "left", "leave", "lost", "cancel", "exit", "attrit", "closed", "gone")
_NEGATIVE_WORDS = ("stay", "retain", "active", "exist", "current", "loyal", "kept", "remain")


@dataclass(frozen=True)
class Costs:
    """The stated economics of a retention offer."""

    lost_customer: float = 500.0
    offer: float = 50.0
    offer_success: float = 0.3


def encode_target(values: pd.Series, positive: str | None = None) -> tuple[pd.Series, str, str]:
    """Map a two-valued column to 1 (churned) / 0, returning (codes, positive, negative)."""
    present = values.dropna().astype(str)
    levels = sorted(present.unique())
    if len(levels) != 2:
        shown = ", ".join(repr(v) for v in levels[:5]) + (" …" if len(levels) > 5 else "")
        raise ValidationFailed(
            f"target column {values.name!r} must have exactly two values, found {len(levels)}: "
            f"{shown}"
        )
    if positive is not None:
        if positive not in levels:
            raise ValidationFailed(f"positive value {positive!r} is not in the target column")
        pos = positive
    else:
        pos = _guess_positive(present, levels)
    neg = next(v for v in levels if v != pos)
    codes = values.astype("string").map({pos: 1, neg: 0}, na_action="ignore")
    return codes.astype("Float64"), pos, neg


def _guess_positive(present: pd.Series, levels: list[str]) -> str:
    flags = bool_values(present)
    if flags is not None:
        return next(v for v in levels if flags[present == v].iloc[0] == 1.0)
    for words in (_POSITIVE_WORDS, _NEGATIVE_WORDS):
        hits = [v for v in levels if any(w in v.lower() for w in words)]
        if len(hits) == 1:
            return hits[0] if words is _POSITIVE_WORDS else next(v for v in levels if v != hits[0])
    counts = present.value_counts()
    return str(counts.index[-1])  # otherwise the rarer value is the event


def metrics(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, float]:
    """Ranking, calibration and decision metrics of probabilities ``p``."""
    flagged = (p >= threshold).astype(int)
    return {
        "roc_auc": round(float(roc_auc_score(y, p)), 4),
        "pr_auc": round(float(average_precision_score(y, p)), 4),
        "brier": round(float(brier_score_loss(y, p)), 4),
        "f1_at_threshold": round(float(f1_score(y, flagged, zero_division=0)), 4),
        "precision_at_threshold": round(float(precision_score(y, flagged, zero_division=0)), 4),
        "recall_at_threshold": round(float(recall_score(y, flagged, zero_division=0)), 4),
        "threshold": round(threshold, 4),
    }


def reliability(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Mean predicted vs observed churn rate per probability decile."""
    order = np.argsort(p)
    out = []
    for chunk in np.array_split(order, min(bins, len(p))):
        if len(chunk):
            out.append(
                {
                    "predicted": round(float(p[chunk].mean()), 4),
                    "observed": round(float(y[chunk].mean()), 4),
                    "n": len(chunk),
                }
            )
    return out


def offer_cost(y: np.ndarray, p: np.ndarray, threshold: float, costs: Costs) -> float:
    """Total cost on ``y`` of offering to every customer at or above ``threshold``."""
    flagged = p >= threshold
    kept = costs.offer_success * costs.lost_customer * float(np.sum(flagged & (y == 1)))
    return float(costs.offer * flagged.sum() + costs.lost_customer * y.sum() - kept)


def evaluate_churn_table(
    table: pd.DataFrame,
    *,
    target: str,
    id_column: str | None = None,
    positive: str | None = None,
    costs: Costs | None = None,
    test_size: float = 0.2,
    seed: int = 42,
    n_examples: int = 5,
    explain_rows: int = 40,
) -> dict[str, Any]:
    """Train on a stratified 80% of ``table`` and report metrics on the other 20%."""
    started = time.perf_counter()
    costs = costs or Costs()
    threshold = cost_threshold(
        lost_cost=costs.lost_customer, offer_cost=costs.offer, offer_success=costs.offer_success
    )
    target_col = resolve_column(table, target)
    id_col = resolve_column(table, id_column) if id_column is not None else None
    if id_col == target_col:
        raise ValidationFailed("the id column and the target column are the same")
    codes, pos, neg = encode_target(table[target_col], positive)
    keep = codes.notna().to_numpy()
    data = table.loc[keep]
    y = codes[keep].astype(int).to_numpy()
    minority = int(min(y.sum(), len(y) - y.sum()))
    if minority < 10:
        raise ValidationFailed(
            f"target column {target_col!r} has only {minority} rows of its rarer value; "
            "need at least 10 of each"
        )
    features_in = data.drop(columns=[c for c in (target_col, id_col) if c is not None])
    train_idx, test_idx = train_test_split(
        np.arange(len(data)), test_size=test_size, stratify=y, random_state=seed
    )
    builder = TableFeatures().fit(features_in.iloc[train_idx])
    X_train = builder.transform(features_in.iloc[train_idx])
    X_test = builder.transform(features_in.iloc[test_idx])
    y_train, y_test = y[train_idx], y[test_idx]
    model = ChurnModel(random_state=seed).fit(X_train, y_train)
    p_test = model.predict_proba(X_test)[:, 1]

    # The baseline sees the columns as they are: no derived ratios, no splines, default C.
    base_cols = [c for c in X_train.columns if c not in builder.describe()["ratios"]]
    numeric, categorical = split_columns(X_train[base_cols])
    plain = make_linear(numeric, categorical, C=1.0, splines=False)
    plain.fit(X_train[base_cols], y_train)
    p_plain = plain.predict_proba(X_test[base_cols])[:, 1]
    p_gbm = model.gbm_proba(X_test)

    used = builder.used_columns()
    raw_train = features_in.iloc[train_idx][used]
    raw_test = features_in.iloc[test_idx][used]

    def score(raw: pd.DataFrame) -> np.ndarray:
        return model.calibrated_log_odds(builder.transform(raw))

    rng = np.random.default_rng(seed)
    background = raw_train.iloc[rng.choice(len(raw_train), min(25, len(raw_train)), replace=False)]
    sample = np.sort(rng.choice(len(raw_test), min(explain_rows, len(raw_test)), replace=False))
    examples_at = _example_rows(p_test, n_examples)
    explain_at = np.union1d(sample, examples_at)
    shap = shapley_values(score, raw_test.iloc[explain_at], background, random_state=seed)
    importance = np.abs(shap[np.isin(explain_at, sample)]).mean(axis=0)
    top = np.argsort(-importance)[:10]
    binary = builder.binary_columns()
    ids = data[id_col].to_numpy()[test_idx] if id_col else None
    examples = []
    for i in examples_at:
        row = builder.display_row(raw_test.iloc[i])
        contributions = shap[int(np.searchsorted(explain_at, i))]
        examples.append(
            {
                "id": str(ids[i]) if ids is not None else None,
                "line": int(data.index[test_idx[i]]),
                "churn_probability": round(float(p_test[i]), 4),
                "actual": pos if y_test[i] == 1 else neg,
                "reasons": [r.as_dict() for r in top_reasons(contributions, row, binary=binary)],
                "protective": [
                    r.as_dict()
                    for r in top_reasons(contributions, row, binary=binary, k=2, direction=-1)
                ],
            }
        )
    report: dict[str, Any] = {
        **metrics(y_test, p_test, threshold),
        "top_features": [
            {"feature": used[j], "mean_abs_shap": round(float(importance[j]), 4)} for j in top
        ],
        "examples": examples,
        "baselines": {
            "logistic_regression": metrics(y_test, p_plain, threshold),
            "lightgbm": metrics(y_test, p_gbm, threshold),
        },
        "costs": {
            "lost_customer": costs.lost_customer,
            "offer": costs.offer,
            "offer_success": costs.offer_success,
            "rule": "offer when p(churn) x offer_success x lost_customer > offer",
            "test_cost_with_offers": round(offer_cost(y_test, p_test, threshold, costs), 2),
            "test_cost_without_offers": round(float(costs.lost_customer * y_test.sum()), 2),
        },
        "reliability": reliability(y_test, p_test),
        "model": model.describe(),
        "data": {
            "rows": len(table),
            "rows_used": len(data),
            "rows_without_target": int((~keep).sum()),
            "target": target_col,
            "positive_label": pos,
            "negative_label": neg,
            "positive_rate": round(float(y.mean()), 4),
            "id_column": id_col,
            "features": builder.describe(),
        },
        "split": {
            "method": "stratified",
            "test_size": test_size,
            "seed": seed,
            "train_rows": len(train_idx),
            "test_rows": len(test_idx),
        },
        "shap": {
            "scale": "calibrated log-odds of churn",
            "method": "permutation sampling over input columns (6 orders, antithetic), "
            "against 25 training rows",
            "rows_for_top_features": len(sample),
        },
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_count": os.cpu_count(),
    }
    return report


def _example_rows(p: np.ndarray, n: int) -> np.ndarray:
    """The riskiest customers plus one safe and one middling one, for the reasons section."""
    order = np.argsort(-p)
    picks = list(order[: max(1, n - 2)])
    picks += [order[len(order) // 2], order[-1]]
    return np.array(sorted(set(int(i) for i in picks[:n] if i < len(p))))
