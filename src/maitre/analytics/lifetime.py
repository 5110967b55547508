"""Customer lifetime value for stored scores: BG/NBD + Gamma-Gamma fitted on a sample of buyers.

The models are fitted once on at most ``CLV_FIT_SAMPLE`` buyers' purchase summaries, the ones
with the smallest id hash (``maitre.ml.sampling``), so batch scoring can collect the sample
while it streams through the customers and then score any chunk: a prediction depends on
nothing but the fitted parameters and the customer's own summary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from maitre.errors import ValidationFailed
from maitre.ml.clv import BetaGeoModel, GammaGammaModel
from maitre.ml.sampling import sample_rows

CLV_DAYS = 365
CLV_FIT_SAMPLE = 20_000
CLV_SEED = 0
SUMMARY_COLUMNS = ("frequency", "recency", "T", "monetary")


@dataclass(frozen=True)
class Lifetime:
    """Fitted purchase (BG/NBD) and spend (Gamma-Gamma; None: too few repeat buyers) models."""

    purchases: BetaGeoModel
    spend: GammaGammaModel | None

    def values(self, summary: pd.DataFrame, *, days: int = CLV_DAYS) -> pd.DataFrame:
        """Return probability_alive, expected_purchases (next ``days``) and clv per row."""
        x, t_x, big_t = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
        out = pd.DataFrame(index=summary.index)
        out["probability_alive"] = self.purchases.p_alive(x, t_x, big_t)
        out["expected_purchases"] = self.purchases.expected_purchases(days, x, t_x, big_t)
        spend = summary["monetary"].fillna(0.0).to_numpy(float)
        value = spend if self.spend is None else self.spend.expected_spend(x, spend)
        value = np.where(np.isfinite(value), value, spend)
        out["clv"] = out["expected_purchases"] * value
        return out


def fit_lifetime(sample: pd.DataFrame) -> Lifetime:
    """Fit both models on a sample of purchase summaries; ValidationFailed if history is thin."""
    bg = BetaGeoModel(penalizer=0.001).fit(sample["frequency"], sample["recency"], sample["T"])
    try:
        gg: GammaGammaModel | None = GammaGammaModel().fit(
            sample["frequency"], sample["monetary"].fillna(0.0)
        )
    except ValidationFailed:
        gg = None
    return Lifetime(bg, gg)


def lifetime_values(
    summary: pd.DataFrame, *, days: int = CLV_DAYS, seed: int = CLV_SEED
) -> pd.DataFrame:
    """Fit on ``summary`` (its hash sample when large) and return p_alive, purchases and CLV."""
    model = fit_lifetime(sample_rows(summary[list(SUMMARY_COLUMNS)], CLV_FIT_SAMPLE, seed))
    return model.values(summary, days=days)
