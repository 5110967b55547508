"""Demand forecaster: beats seasonal naive on a series with known seasonality, intervals cover
about their nominal share, the estimator contract, and the metrics on hand-worked values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from maitre.errors import ValidationFailed
from maitre.ml.forecast import (
    DemandForecaster,
    backtest,
    mase,
    regular_series,
    seasonal_naive,
    smape,
)


def weekly(seed: int, weeks: int = 156, level: float = 30.0) -> pd.Series:
    """Poisson demand with a yearly cycle and a slow trend."""
    t = np.arange(weeks)
    rate = level * (1 + 0.5 * np.sin(2 * np.pi * t / 52)) + 0.05 * t
    values = np.random.default_rng(seed).poisson(rate).astype(float)
    return pd.Series(values, index=pd.date_range("2022-01-03", periods=weeks, freq="7D"))


def test_model_beats_seasonal_naive_on_seasonal_series() -> None:
    scores = [backtest(weekly(seed), DemandForecaster(horizon=8), folds=4) for seed in (1, 2)]
    for score in scores:
        assert score.folds == 4
        assert score.mase < score.naive_mase
        assert score.smape < score.naive_smape


def test_intervals_cover_about_the_nominal_share() -> None:
    coverage = [
        backtest(weekly(seed), DemandForecaster(horizon=8, coverage=0.8), folds=4).coverage
        for seed in (3, 4, 5)
    ]
    assert 0.6 <= float(np.mean(coverage)) <= 0.97


def test_predict_returns_ordered_bounds_for_each_step() -> None:
    frame = DemandForecaster(horizon=6).fit(weekly(7)).predict()
    assert list(frame.columns) == ["ds", "yhat", "lo", "hi"]
    assert len(frame) == 6
    assert (frame["ds"].diff().dropna() == pd.Timedelta(days=7)).all()
    assert (frame["lo"] <= frame["yhat"]).all() and (frame["yhat"] <= frame["hi"]).all()
    assert (frame["lo"] >= 0).all()


def test_daily_series_forecasts_the_weekday_pattern() -> None:
    days = pd.date_range("2024-01-01", periods=400, freq="D")
    rate = np.where(days.day_of_week >= 5, 30.0, 8.0)
    y = pd.Series(np.random.default_rng(0).poisson(rate).astype(float), index=days)
    frame = DemandForecaster(freq="day", horizon=7).fit(y).predict()
    weekend = frame[frame["ds"].dt.day_of_week >= 5]["yhat"].mean()
    weekday = frame[frame["ds"].dt.day_of_week < 5]["yhat"].mean()
    assert weekend > 2 * weekday


def test_short_series_gets_a_mean_forecast() -> None:
    y = pd.Series([2.0, 4.0, 3.0], index=pd.date_range("2025-01-06", periods=3, freq="7D"))
    model = DemandForecaster(horizon=2).fit(y)
    assert model.mean_only_
    assert model.predict()["yhat"].tolist() == [3.0, 3.0]


def test_contract_refuses_unfitted_and_bad_input() -> None:
    with pytest.raises(NotFittedError):
        DemandForecaster().predict()
    assert DemandForecaster(horizon=3).get_params()["horizon"] == 3
    with pytest.raises(ValidationFailed):
        DemandForecaster().fit(pd.Series([], dtype=float))
    with pytest.raises(ValidationFailed):
        DemandForecaster().fit(pd.Series([1.0, -1.0]))
    with pytest.raises(ValidationFailed):
        DemandForecaster(freq="month").fit(pd.Series([1.0]))


def test_metrics_on_hand_worked_values() -> None:
    train = np.array([1.0, 2.0, 3.0, 1.0, 2.0, 3.0])
    assert seasonal_naive(train, 4, 3).tolist() == [1.0, 2.0, 3.0, 1.0]
    assert seasonal_naive(train[:2], 2, 3).tolist() == [2.0, 2.0]  # shorter than a season
    # In-sample seasonal-naive error is 0 here, so MASE is undefined.
    assert np.isnan(mase(np.array([1.0]), np.array([2.0]), train, 3))
    assert mase(np.array([2.0, 4.0]), np.array([3.0, 3.0]), np.array([1.0, 3.0, 1.0]), 1) == 0.5
    assert smape(np.array([0.0, 10.0]), np.array([0.0, 30.0])) == pytest.approx(50.0)


def test_regular_series_fills_gaps_with_zero() -> None:
    s = regular_series(
        {"2025-01-06": 2.0, "2025-01-20": 5.0}, "week", None, pd.Timestamp("2025-01-27")
    )
    assert s.tolist() == [2.0, 0.0, 5.0, 0.0]


@pytest.mark.parametrize("weeks", [28, 30, 34, 40])
def test_short_history_with_a_long_horizon_still_forecasts(weeks: int) -> None:
    series = weekly(3, weeks=weeks)
    frame = DemandForecaster(freq="week", horizon=12).fit(series).predict()
    assert len(frame) == 12
    assert (frame["lo"] <= frame["yhat"]).all() and (frame["yhat"] <= frame["hi"]).all()
