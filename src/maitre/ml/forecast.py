"""Demand forecasting: a LightGBM direct multi-horizon model on lag and calendar features, with
prediction intervals from backtest residual quantiles, and a rolling-origin backtest against a
seasonal-naive baseline (MASE and sMAPE).

``DemandForecaster`` follows the scikit-learn contract on a regular series (a ``pd.Series``
with a ``DatetimeIndex`` of weekly or daily periods): ``fit`` learns one model for every step
ahead ``h`` (``h`` is a feature), on targets scaled by the recent level so one tree ensemble
serves slow and fast sellers and the level may drift outside the training range. The interval
is calibrated by fitting the same model on the earlier part of the series, forecasting the
later part from every origin, and taking quantiles of the scaled errors — then the model is
refitted on everything. A series too short for lags gets a mean forecast with empirical
quantiles. Nothing here reads the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from maitre.errors import ValidationFailed

SEASON = {"week": 52, "day": 7}
LEVEL_WINDOW = {"week": 13, "day": 28}
MIN_HISTORY = {"week": 16, "day": 42}
MIN_SCALE = 0.5  # units per period: keeps scaled targets sane for new or dormant items


def _window_mean(csum: np.ndarray, end: np.ndarray, width: int) -> np.ndarray:
    """Mean of y[end-width+1 .. end] for every end index (fewer points near the start)."""
    lo = np.maximum(end - width + 1, 0)
    means: np.ndarray = (csum[end + 1] - csum[lo]) / (end + 1 - lo)
    return means


def _calendar(dates: pd.DatetimeIndex, freq: str) -> np.ndarray:
    day_of_year = dates.day_of_year.to_numpy(dtype=float)
    angle = 2 * np.pi * day_of_year / 365.25
    cols = [np.sin(angle), np.cos(angle), dates.month.to_numpy(dtype=float)]
    if freq == "day":
        cols.append(dates.day_of_week.to_numpy(dtype=float))
    return np.column_stack(cols)


def _features(
    y: np.ndarray, dates: pd.DatetimeIndex, origins: np.ndarray, h: int, freq: str
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of features for targets ``origins + h`` seen from ``origins``; also the scales."""
    m = SEASON[freq]
    csum = np.concatenate([[0.0], np.cumsum(y)])
    scale = _window_mean(csum, origins, LEVEL_WINDOW[freq])
    overall = csum[origins + 1] / (origins + 1)
    scale = np.maximum(scale, MIN_SCALE)
    seasonal_at = origins + h - m
    valid = seasonal_at >= 1
    clipped = np.clip(seasonal_at, 1, None)
    seasonal = np.where(valid, _window_mean(csum, np.minimum(clipped + 1, origins), 3), np.nan)
    days = (origins + h) * (7 if freq == "week" else 1)
    target_dates = pd.DatetimeIndex(dates[0] + pd.to_timedelta(days, unit="D"))
    base = np.column_stack(
        [
            np.full(len(origins), float(h)),
            y[origins] / scale,
            _window_mean(csum, origins, 4) / scale,
            _window_mean(csum, origins, m) / scale,
            seasonal / scale,
            overall / scale,
            np.log1p(scale),
        ]
    )
    return np.column_stack([base, _calendar(target_dates, freq)]), scale


def _training_rows(
    y: np.ndarray, dates: pd.DatetimeIndex, horizon: int, freq: str, last_origin: int
) -> tuple[np.ndarray, np.ndarray]:
    first = min(LEVEL_WINDOW[freq] // 2, max(last_origin - 1, 0))
    xs: list[np.ndarray] = []
    ts: list[np.ndarray] = []
    for h in range(1, horizon + 1):
        origins = np.arange(first, min(last_origin, len(y) - 1 - h) + 1)
        if len(origins) == 0:
            continue
        x, scale = _features(y, dates, origins, h, freq)
        xs.append(x)
        ts.append(y[origins + h] / scale)
    if not xs:
        return np.empty((0, 0)), np.empty(0)
    return np.vstack(xs), np.concatenate(ts)


def _as_series(series: pd.Series, freq: str) -> tuple[np.ndarray, pd.DatetimeIndex]:
    if freq not in SEASON:
        raise ValidationFailed(f"freq must be 'week' or 'day', not {freq!r}.")
    if len(series) == 0:
        raise ValidationFailed("Cannot forecast an empty series.")
    values = np.asarray(series.to_numpy(dtype=float))
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValidationFailed("Demand must be finite and not negative.")
    return values, pd.DatetimeIndex(series.index)


class DemandForecaster(BaseEstimator):  # type: ignore[misc]
    """Forecast unit demand ``horizon`` periods ahead with a central ``coverage`` interval."""

    def __init__(
        self,
        freq: str = "week",
        horizon: int = 8,
        coverage: float = 0.8,
        n_estimators: int = 60,
        learning_rate: float = 0.03,
        num_leaves: int = 4,
        min_child_samples: int = 25,
        calibrate: bool = True,
        random_state: int = 0,
    ) -> None:
        self.freq = freq
        self.horizon = horizon
        self.coverage = coverage
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.calibrate = calibrate
        self.random_state = random_state

    def _gbm(self) -> lgb.LGBMRegressor:
        return lgb.LGBMRegressor(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.9,
            random_state=self.random_state,
            n_jobs=1,
            verbose=-1,
        )

    def _fit_gbm(self, y: np.ndarray, dates: pd.DatetimeIndex, last: int) -> lgb.LGBMRegressor:
        x, t = _training_rows(y, dates, self.horizon, self.freq, last)
        return self._gbm().fit(x, t)

    def fit(self, series: pd.Series, _unused: Any = None) -> DemandForecaster:
        """Learn the model (and its interval) from the history ``series``."""
        if not 1 <= self.horizon <= 365 or not 0 < self.coverage < 1:
            raise ValidationFailed("horizon must be 1..365 and coverage between 0 and 1.")
        y, dates = _as_series(series, self.freq)
        self.y_, self.dates_ = y, dates
        tail = 1 - self.coverage
        self.mean_only_ = self._too_short(len(y))
        if self.mean_only_:
            self.model_ = None
            recent = y[-LEVEL_WINDOW[self.freq] :]
            self.level_ = float(recent.mean())
            self.q_ = (
                float(np.quantile(recent, tail / 2)) - self.level_,
                float(np.quantile(recent, 1 - tail / 2)) - self.level_,
            )
            return self
        self.q_ = (0.0, 0.0)
        if self.calibrate:
            self.q_ = self._calibrate(y, dates, tail)
        self.model_ = self._fit_gbm(y, dates, len(y) - 1)
        return self

    def _too_short(self, n: int) -> bool:
        """Tell whether ``n`` periods are too few to train (and calibrate) the tree model."""
        if n < MIN_HISTORY[self.freq] + self.horizon:
            return True
        if not self.calibrate:
            return False
        # The interval is learned by a model fitted before the held-out tail; it needs rows.
        cut = n - 1 - max(2 * self.horizon, n // 2)
        return cut - self.horizon <= LEVEL_WINDOW[self.freq] // 2

    def _calibrate(
        self, y: np.ndarray, dates: pd.DatetimeIndex, tail: float
    ) -> tuple[float, float]:
        """Quantiles of scaled errors when forecasting the last part of the series."""
        held = max(2 * self.horizon, len(y) // 2)
        cut = len(y) - 1 - held
        early = self._fit_gbm(y, dates, cut - self.horizon)
        errors: list[np.ndarray] = []
        for h in range(1, self.horizon + 1):
            origins = np.arange(cut, len(y) - h)
            if len(origins) == 0:
                continue
            x, scale = _features(y, dates, origins, h, self.freq)
            yhat = np.maximum(early.predict(x) * scale, 0)
            errors.append((y[origins + h] - yhat) / scale)
        err = np.concatenate(errors) if errors else np.zeros(1)
        return float(np.quantile(err, tail / 2)), float(np.quantile(err, 1 - tail / 2))

    def predict(self, horizon: int | None = None) -> pd.DataFrame:
        """Return ``ds``, ``yhat``, ``lo`` and ``hi`` for the next ``horizon`` periods."""
        check_is_fitted(self, "q_")
        steps = min(horizon or self.horizon, self.horizon)
        y, dates = self.y_, self.dates_
        delta = pd.Timedelta(days=7 if self.freq == "week" else 1)
        ds = pd.DatetimeIndex([dates[-1] + delta * h for h in range(1, steps + 1)])
        if self.model_ is None:
            yhat = np.full(steps, self.level_)
            lo, hi = yhat + self.q_[0], yhat + self.q_[1]
        else:
            origin = np.array([len(y) - 1])
            parts = [_features(y, dates, origin, h, self.freq) for h in range(1, steps + 1)]
            x = np.vstack([p[0] for p in parts])
            scale = np.concatenate([p[1] for p in parts])
            yhat = np.maximum(self.model_.predict(x) * scale, 0)
            lo, hi = yhat + self.q_[0] * scale, yhat + self.q_[1] * scale
        return pd.DataFrame(
            {"ds": ds, "yhat": yhat, "lo": np.maximum(lo, 0), "hi": np.maximum(hi, yhat)}
        )


def seasonal_naive(y: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """Repeat the last observed season (the last value when the history is shorter)."""
    m = season if len(y) >= season else 1
    last = y[-m:]
    return np.array([last[(h - 1) % m] for h in range(1, horizon + 1)], dtype=float)


def mase(actual: np.ndarray, forecast: np.ndarray, train: np.ndarray, season: int) -> float:
    """Mean absolute error scaled by the in-sample seasonal-naive error (nan if that is 0)."""
    m = season if len(train) > season else 1
    scale = float(np.mean(np.abs(train[m:] - train[:-m]))) if len(train) > m else 0.0
    return float(np.mean(np.abs(actual - forecast)) / scale) if scale > 0 else float("nan")


def smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Symmetric MAPE in percent (0..200); periods where both are 0 count as exact."""
    denom = np.abs(actual) + np.abs(forecast)
    terms = np.where(denom > 0, 2 * np.abs(actual - forecast) / np.where(denom > 0, denom, 1), 0)
    return float(100 * np.mean(terms))


@dataclass(frozen=True)
class Backtest:
    """Rolling-origin scores of the model and the seasonal-naive baseline."""

    folds: int
    mase: float
    smape: float
    naive_mase: float
    naive_smape: float
    coverage: float

    def as_dict(self) -> dict[str, float | int]:
        """Return the scores as a JSON-friendly dict."""
        return {
            "folds": self.folds,
            "mase": self.mase,
            "smape": self.smape,
            "naive_mase": self.naive_mase,
            "naive_smape": self.naive_smape,
            "coverage": self.coverage,
        }


def _nanmean(values: list[float]) -> float:
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


def backtest(series: pd.Series, model: DemandForecaster, folds: int = 3) -> Backtest:
    """Refit ``model`` at ``folds`` rolling origins, each ``horizon`` apart, and score both."""
    y, _ = _as_series(series, model.freq)
    h, m = model.horizon, SEASON[model.freq]
    scores: dict[str, list[float]] = {k: [] for k in ("m", "s", "nm", "ns", "c")}
    used = 0
    for fold in range(folds, 0, -1):
        origin = len(y) - fold * h
        if origin < MIN_HISTORY[model.freq]:
            continue
        train, actual = y[:origin], y[origin : origin + h]
        fitted = model.__class__(**model.get_params()).fit(series.iloc[:origin])
        pred = fitted.predict(h)
        naive = seasonal_naive(train, h, m)
        scores["m"].append(mase(actual, pred["yhat"].to_numpy(), train, m))
        scores["s"].append(smape(actual, pred["yhat"].to_numpy()))
        scores["nm"].append(mase(actual, naive, train, m))
        scores["ns"].append(smape(actual, naive))
        inside = (actual >= pred["lo"].to_numpy()) & (actual <= pred["hi"].to_numpy())
        scores["c"].append(float(np.mean(inside)))
        used += 1
    return Backtest(
        folds=used,
        mase=_nanmean(scores["m"]),
        smape=_nanmean(scores["s"]),
        naive_mase=_nanmean(scores["nm"]),
        naive_smape=_nanmean(scores["ns"]),
        coverage=_nanmean(scores["c"]),
    )


def regular_series(
    points: dict[str, float], freq: str, start: pd.Timestamp | None, end: pd.Timestamp
) -> pd.Series:
    """Turn sparse ``{period_start: units}`` into a gap-free series ending at ``end``."""
    index_points = pd.Series(points, dtype=float)
    index_points.index = pd.DatetimeIndex(index_points.index)
    first = start if start is not None else (index_points.index.min() if points else end)
    step = pd.Timedelta(days=7 if freq == "week" else 1)
    index = pd.date_range(first, end, freq=step)
    return index_points.reindex(index, fill_value=0.0).astype(float)
