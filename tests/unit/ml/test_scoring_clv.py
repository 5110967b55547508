"""Lifetime value for stored scores: BG/NBD + Gamma-Gamma on per-buyer order summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from maitre.analytics.lifetime import lifetime_values
from maitre.errors import ValidationFailed


def _summary(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    T = rng.uniform(60, 700, n)
    frequency = rng.poisson(2.0, n).astype(float)
    recency = np.where(frequency > 0, rng.uniform(0, 1, n) * T, 0.0)
    monetary = rng.gamma(4.0, 15.0, n)
    return pd.DataFrame({"frequency": frequency, "recency": recency, "T": T, "monetary": monetary})


def test_recent_frequent_buyers_are_worth_more_than_lapsed_ones() -> None:
    frame = _summary(400)
    frame.loc[0] = (8.0, 395.0, 400.0, 50.0)  # bought 9 times, last a few days ago
    frame.loc[1] = (8.0, 50.0, 400.0, 50.0)  # same history, silent for a year
    out = lifetime_values(frame)
    assert out["probability_alive"].between(0, 1).all() and (out["clv"] >= 0).all()
    assert out.loc[0, "probability_alive"] > out.loc[1, "probability_alive"]
    assert out.loc[0, "clv"] > out.loc[1, "clv"] and np.isfinite(out["clv"]).all()


def test_too_little_history_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        lifetime_values(_summary(5))
