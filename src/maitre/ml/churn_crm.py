"""Churn on the CRM's own history: LightGBM on profile features, calibrated, with TreeSHAP reasons.

``CrmChurnFeatures`` turns the frame of ``maitre.ml.features.customer_features`` into model
input (float columns plus ``category`` columns with the categories seen in training, so a
frame from any later date lines up). ``CrmChurnModel`` picks a LightGBM configuration from
``GBM_GRID`` by out-of-fold ROC-AUC, fits Platt scaling on the out-of-fold log-odds so
``predict_proba`` is calibrated, and refits on all rows. ``reasons`` turns LightGBM's exact
TreeSHAP contributions (``pred_contrib``) into words (``maitre.ml.explain``) column by column,
phrasing each distinct value once; ``reasons_json`` gives the same as JSON text for batch
writes. TreeSHAP costs about five predictions (800 three-leaf trees: ~0.15-0.25 ms a row on one
core), the bulk of a batch refresh, so predict and contributions take a thread count.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from maitre.errors import ValidationFailed
from maitre.ml.churn import GBM_GRID, make_gbm
from maitre.ml.explain import describe
from maitre.ml.features import CATEGORICAL_FEATURES, CATEGORY_PREFIX, NUMERIC_FEATURES

TEMPLATES: dict[str, str] = {
    "recency_days": "no order for {value:.0f} days",
    "frequency": "{value:.0f} orders so far",
    "monetary": "{value:,.0f} spent in all",
    "avg_basket": "average basket of {value:,.0f}",
    "tenure_days": "a customer for {value:.0f} days",
    "return_rate": "{value:.0%} of orders returned",
    "cancellation_rate": "{value:.0%} of orders cancelled",
    "discount_rate": "{value:.0%} of orders with a discount",
    "tickets_total": "{value:.0f} support tickets in all",
    "tickets_90d": "{value:.0f} support tickets in the last 90 days",
    "conversations_total": "{value:.0f} conversations with us",
    "csat_mean": "average satisfaction rating {value:.1f}",
}
MISSING_TEXT: dict[str, str] = {
    "recency_days": "no order yet",
    "csat_mean": "no satisfaction rating",
}


class CrmChurnFeatures:
    """Align a CRM feature frame to the columns and categories seen in training."""

    def fit(self, frame: pd.DataFrame) -> CrmChurnFeatures:
        """Remember the numeric columns and each categorical column's categories."""
        shares = sorted(str(c) for c in frame.columns if str(c).startswith(CATEGORY_PREFIX))
        self.numeric_ = [c for c in NUMERIC_FEATURES if c in frame.columns] + shares
        self.categories_ = {
            c: sorted(str(v) for v in frame[c].dropna().unique())
            for c in CATEGORICAL_FEATURES
            if c in frame.columns
        }
        return self

    @property
    def columns_(self) -> list[str]:
        """Model input columns, in order."""
        return [*self.numeric_, *self.categories_]

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return float and category columns in ``columns_`` order, named f0, f1, ..."""
        out = pd.DataFrame(index=frame.index)
        for col in self.numeric_:
            if col in frame.columns:
                out[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
            else:
                out[col] = 0.0 if col.startswith(CATEGORY_PREFIX) else np.nan
        for col, cats in self.categories_.items():
            if col in frame.columns:
                # a value unseen in training is missing (pandas deprecates passing it through)
                text = frame[col].astype(str)
                values = text.where(text.isin(cats))
            else:
                values = pd.Series(None, index=out.index, dtype=object)
            out[col] = pd.Categorical(values, categories=cats)
        # LightGBM refuses JSON punctuation in feature names ("cat:Tea"): number the columns.
        out.columns = [f"f{j}" for j in range(out.shape[1])]
        return out


def _threads(threads: int | None) -> dict[str, int]:
    """LightGBM predict options: rows are independent, so any thread count gives equal results."""
    return {} if threads is None else {"num_threads": threads}


class CrmChurnModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """LightGBM chosen from a small grid by out-of-fold AUC, Platt-calibrated."""

    def __init__(self, *, cv_folds: int = 3, random_state: int = 0) -> None:
        self.cv_folds = cv_folds
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: Any) -> CrmChurnModel:
        """Choose the configuration, calibrate on out-of-fold scores, refit on all rows."""
        target = np.asarray(y, dtype=int)
        minority = int(min(target.sum(), len(target) - target.sum()))
        if minority < 4:
            raise ValidationFailed("too few customers of one class to train (need 4 of each)")
        folds = max(2, min(self.cv_folds, minority // 2))
        cv = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        splits = list(cv.split(X, target))
        self.classes_ = np.array([0, 1])
        best: tuple[float, int, np.ndarray] | None = None
        self.cv_auc_: dict[str, float] = {}
        for i, params in enumerate(GBM_GRID):
            oof = np.zeros(len(target))
            for train, test in splits:
                model = make_gbm(params, self.random_state)
                model.fit(X.iloc[train], target[train])
                oof[test] = model.predict(X.iloc[test], raw_score=True)
            auc = float(roc_auc_score(target, oof))
            self.cv_auc_[f"gbm{i}"] = round(auc, 4)
            if best is None or auc > best[0]:
                best = (auc, i, oof)
        assert best is not None
        _, self.choice_, oof = best
        self.calibrator_ = LogisticRegression(C=1e4).fit(oof.reshape(-1, 1), target)
        self.gbm_ = clone(make_gbm(GBM_GRID[self.choice_], self.random_state)).fit(X, target)
        self.columns_ = [str(c) for c in X.columns]
        return self

    @property
    def _scale(self) -> tuple[float, float]:
        return float(self.calibrator_.coef_[0, 0]), float(self.calibrator_.intercept_[0])

    def log_odds(self, X: pd.DataFrame, *, threads: int | None = None) -> np.ndarray:
        """Calibrated log-odds of churn (``threads``: LightGBM threads, default the model's)."""
        check_is_fitted(self, "gbm_")
        a, b = self._scale
        raw = self.gbm_.predict(X, raw_score=True, **_threads(threads))
        return np.asarray(a * raw + b, dtype=float)

    def predict_proba(self, X: pd.DataFrame, *, threads: int | None = None) -> np.ndarray:
        """Calibrated probabilities, columns (stay, churn)."""
        p = expit(self.log_odds(X, threads=threads))
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame, threshold: float = 0.5) -> np.ndarray:
        """1 where the churn probability reaches ``threshold``."""
        return (self.predict_proba(X)[:, 1] >= threshold).astype(int)

    def contributions(self, X: pd.DataFrame, *, threads: int | None = None) -> np.ndarray:
        """TreeSHAP contributions per feature on the calibrated log-odds scale (rows x features)."""
        check_is_fitted(self, "gbm_")
        raw = np.asarray(self.gbm_.predict(X, pred_contrib=True, **_threads(threads)), dtype=float)
        return raw[:, :-1] * self._scale[0]

    def describe(self) -> dict[str, Any]:
        """What fit chose."""
        check_is_fitted(self, "gbm_")
        return {
            "lightgbm_params": dict(GBM_GRID[self.choice_]),
            "cv_roc_auc": dict(self.cv_auc_),
            "calibration": "Platt scaling on out-of-fold LightGBM log-odds",
        }


def phrase(feature: str, value: object) -> str:
    """Say one CRM feature value in words."""
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    if missing and feature in MISSING_TEXT:
        return MISSING_TEXT[feature]
    if feature.startswith(CATEGORY_PREFIX) and not missing:
        return f"{float(value):.0%} of spend on {feature.removeprefix(CATEGORY_PREFIX)}"  # type: ignore[arg-type]
    if not missing and feature in TEMPLATES:
        return TEMPLATES[feature].format(value=float(value))  # type: ignore[arg-type]
    return describe(feature, value)


def _top(contributions: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's ``k`` strongest pushes: feature indices, effects, and which count (effect > 0)."""
    top = np.argsort(-contributions, axis=1)[:, :k]
    effects = np.take_along_axis(contributions, top, axis=1)
    # Sorted descending: the first non-positive effect ends a row's reasons.
    keep = np.cumprod(effects > 0, axis=1).astype(bool)
    return top, effects, keep


def _value(value: object) -> object:
    """A feature value as stored in a reason (floats rounded, NaN as None)."""
    if isinstance(value, float | np.floating):
        return None if math.isnan(float(value)) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]


def _said(feature: str, value: object) -> tuple[object, str]:
    """A reason's stored value and its words."""
    return _value(value), phrase(feature, value)


def _cells(
    contributions: np.ndarray,
    rows: pd.DataFrame,
    k: int,
    render: Callable[[str, Any, float], Any],
    said: Callable[[str, object], Any] = _said,
) -> tuple[np.ndarray, np.ndarray]:
    """Render every kept (row, rank) reason column by column; return cells and the keep mask.

    ``said`` runs once per distinct value of a feature (values repeat a lot), ``render`` per cell.
    """
    top, effects, keep = _top(contributions, k)
    cells = np.empty(top.shape, dtype=object)
    for j, feature in enumerate(str(c) for c in rows.columns):
        r, c = np.nonzero((top == j) & keep)
        if not len(r):
            continue
        memo: dict[object, Any] = {}
        out = []
        column = rows.iloc[:, j].to_numpy(dtype=object)[r].tolist()
        for value, effect in zip(column, effects[r, c].tolist(), strict=True):
            if isinstance(value, float) and math.isnan(value):
                value = None
            key = repr(value) if isinstance(value, float) else value  # keeps -0.0 apart from 0.0
            payload = memo.get(key)
            if payload is None:
                payload = memo[key] = said(feature, value)
            out.append(render(feature, payload, effect))
        cells[r, c] = out
    return cells, keep


def reasons(
    contributions: np.ndarray, rows: pd.DataFrame, *, k: int = 3
) -> list[list[dict[str, object]]]:
    """The ``k`` features pushing each row hardest towards churn, as JSON-ready reasons."""

    def render(feature: str, said: tuple[object, str], effect: float) -> dict[str, object]:
        return {"feature": feature, "value": said[0], "effect": round(effect, 4), "text": said[1]}

    cells, keep = _cells(contributions, rows, k, render)
    return [list(cells[i, keep[i]]) for i in range(len(rows))]


_encode = json.JSONEncoder(separators=(", ", ": ")).encode


def reasons_json(contributions: np.ndarray, rows: pd.DataFrame, *, k: int = 3) -> list[str]:
    """``reasons`` already serialised as JSON text, one string per row (the batch-write form)."""

    def said(feature: str, value: object) -> tuple[str, str]:
        stored, text = _said(feature, value)
        head = f'{{"feature": {_encode(feature)}, "value": {_encode(stored)}, "effect": '
        return head, f', "text": {_encode(text)}}}'

    def render(feature: str, payload: tuple[str, str], effect: float) -> str:
        return payload[0] + repr(round(effect, 4)) + payload[1]  # JSON's own float form

    cells, keep = _cells(contributions, rows, k, render, said)
    return ["[" + ", ".join(cells[i, keep[i]]) + "]" for i in range(len(rows))]
