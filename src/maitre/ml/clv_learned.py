"""A learned purchase-rate model, trained on pseudo-holdouts inside the calibration period.

Nothing after the calibration end is used: for several earlier cut-off dates the customers'
summaries up to the cut (plus Pareto/NBD's p(alive) and 30-day forecast fitted at that cut)
are paired with their purchase rate between the cut and the calibration end. A LightGBM Poisson
model learns that rate (weighted by the window length, so it is a Poisson model of counts with
the window as exposure); its number of trees is chosen by early stopping on held-out customers.
Its forecast for a horizon is rate x horizon: it assumes the rates seen recently persist, where
the Pareto/NBD assumes customers keep dropping out as fitted; ``clv_eval`` averages the two.
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from maitre.errors import ValidationFailed
from maitre.ml.clv import ParetoNBDModel
from maitre.ml.clv_features import holdout_actuals, rfm_summary

FEATURES = (
    "frequency",
    "recency",
    "T",
    "days_since_last",
    "monetary",
    "first_value",
    "total_value",
    "mean_gap",
    "last_gap",
    "purchases_30d",
    "purchases_90d",
    "p_alive",
    "expected_30d",
)


def customer_features(
    daily: pd.DataFrame, *, end: pd.Timestamp, model: ParetoNBDModel | None = None
) -> pd.DataFrame:
    """Summary features of every customer up to ``end``, with Pareto/NBD outputs fitted there."""
    summary = rfm_summary(daily, end=end)
    for days in (30, 90):
        recent = daily.loc[(daily["date"] > end - pd.Timedelta(days=days)) & (daily["date"] <= end)]
        counts = recent.groupby("customer").size()
        summary[f"purchases_{days}d"] = counts.reindex(summary.index, fill_value=0).astype(float)
    try:
        if model is None:
            model = ParetoNBDModel().fit(summary["frequency"], summary["recency"], summary["T"])
    except ValidationFailed:
        summary["p_alive"] = np.nan
        summary["expected_30d"] = np.nan
        return summary
    rfm = (summary["frequency"], summary["recency"], summary["T"])
    summary["p_alive"] = model.p_alive(*rfm)
    summary["expected_30d"] = model.expected_purchases(30, *rfm)
    return summary


def pseudo_cuts(
    daily: pd.DataFrame, *, end: pd.Timestamp, step_days: int = 30, max_cuts: int = 6
) -> list[pd.Timestamp]:
    """Cut-off dates every ``step_days`` before ``end``, leaving 90 days of history before each."""
    earliest = daily["date"].min() + pd.Timedelta(days=90)
    cuts = [end - pd.Timedelta(days=step_days * k) for k in range(1, max_cuts + 1)]
    return [c for c in cuts if c >= earliest]


def pseudo_training_set(daily: pd.DataFrame, *, end: pd.Timestamp) -> pd.DataFrame:
    """Features at each pseudo cut, with ``purchases`` in (cut, end] and the window ``days``."""
    frames = []
    for cut in pseudo_cuts(daily, end=end):
        feats = customer_features(daily, end=cut)
        actual = holdout_actuals(daily, feats.index, start=cut, end=end)
        feats["purchases"] = actual["purchases"]
        feats["days"] = float((end - cut).days)
        frames.append(feats)
    if not frames:
        raise ValidationFailed(
            "the calibration period is too short to train the learned model (need > 120 days)"
        )
    return pd.concat(frames)


class PurchaseRateModel:
    """LightGBM Poisson model of purchases per day, from customer summary features."""

    def __init__(
        self,
        *,
        num_leaves: int = 15,
        learning_rate: float = 0.03,
        max_trees: int = 1500,
        min_child_samples: int = 100,
        random_state: int = 0,
    ) -> None:
        self.num_leaves = num_leaves
        self.learning_rate = learning_rate
        self.max_trees = max_trees
        self.min_child_samples = min_child_samples
        self.random_state = random_state

    def fit(self, features: pd.DataFrame, purchases: Any, days: Any) -> PurchaseRateModel:
        """Fit on counts observed over windows of ``days``; trees chosen on held-out customers."""
        X = features.loc[:, list(FEATURES)].astype(float)
        counts = np.asarray(purchases, dtype=float)
        exposure = np.asarray(days, dtype=float)
        customers = features.index.to_numpy()
        rng = np.random.default_rng(self.random_state)
        unique = np.unique(customers)
        held = set(rng.choice(unique, size=max(1, len(unique) // 5), replace=False).tolist())
        valid = np.fromiter((c in held for c in customers), dtype=bool, count=len(customers))
        params: dict[str, Any] = {
            "objective": "poisson",
            "num_leaves": self.num_leaves,
            "learning_rate": self.learning_rate,
            "min_child_samples": self.min_child_samples,
            "subsample": 0.8,
            "subsample_freq": 1,
            "colsample_bytree": 0.8,
            "random_state": self.random_state,
            "n_jobs": 1,
            "verbose": -1,
        }
        probe = lgb.LGBMRegressor(n_estimators=self.max_trees, **params)
        probe.fit(
            X[~valid],
            counts[~valid] / exposure[~valid],
            sample_weight=exposure[~valid],
            eval_X=(X[valid],),
            eval_y=(counts[valid] / exposure[valid],),
            eval_sample_weight=[exposure[valid]],
            callbacks=[lgb.early_stopping(50, verbose=False)],
        )
        self.n_trees_ = max(10, int(probe.best_iteration_ or self.max_trees))
        self.model_ = lgb.LGBMRegressor(n_estimators=self.n_trees_, **params)
        self.model_.fit(X, counts / exposure, sample_weight=exposure)
        return self

    def predict_rate(self, features: pd.DataFrame) -> np.ndarray:
        """Expected purchases per day."""
        if not hasattr(self, "model_"):
            raise RuntimeError("PurchaseRateModel is not fitted; call fit() first")
        X = features.loc[:, list(FEATURES)].astype(float)
        return np.asarray(self.model_.predict(X), dtype=float)

    def expected_purchases(self, days: float, features: pd.DataFrame) -> np.ndarray:
        """Expected purchases in the next ``days``, assuming recent rates persist."""
        return self.predict_rate(features) * days
