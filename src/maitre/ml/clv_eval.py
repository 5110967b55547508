"""Evaluate CLV models on a transaction log: what ``maitre clv evaluate`` runs.

Everything is fitted on transactions up to the calibration end; the holdout is every day after
it up to the last date in the file. Purchases are counted per customer and calendar day (several
transactions on one day are one purchase, worth their sum). Models compared in the same run:
BG/NBD and Pareto/NBD (scipy maximum likelihood), the learned purchase-rate model, and the
reported forecast, the average of Pareto/NBD and the learned model; spend per purchase comes
from Gamma-Gamma. Baselines: the calibration-period repeat rate x holdout length, and zero.
"""

from __future__ import annotations

import itertools
import os
import time
from typing import Any

import numpy as np
import pandas as pd

from maitre.errors import ValidationFailed
from maitre.ml.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel
from maitre.ml.clv_features import daily_purchases, holdout_actuals, rfm_summary
from maitre.ml.clv_learned import PurchaseRateModel, customer_features, pseudo_training_set
from maitre.ml.tabular import date_column, numeric_column, resolve_column


def parse_day(text: str) -> pd.Timestamp:
    """Parse an ISO (1997-09-30) or compact (19970930) date given on the command line."""
    frame = pd.DataFrame({"date": [text]}, index=pd.Index([1], name="line"))
    try:
        return pd.Timestamp(date_column(frame, "date").iloc[0]).normalize()
    except ValidationFailed as exc:
        raise ValidationFailed(f"calibration end {text!r} is not a date") from exc


def accuracy(
    predicted: np.ndarray, actual: np.ndarray, value_pred: np.ndarray, value: np.ndarray
) -> dict[str, float]:
    """Per-customer errors of purchase and value forecasts, and the totals."""
    return {
        "purchases_mae": round(float(np.mean(np.abs(predicted - actual))), 4),
        "purchases_rmse": round(float(np.sqrt(np.mean((predicted - actual) ** 2))), 4),
        "value_mae": round(float(np.mean(np.abs(value_pred - value))), 4),
        "total_predicted": round(float(predicted.sum()), 1),
        "total_actual": round(float(actual.sum()), 1),
        "total_error_pct": round(float(100 * (predicted.sum() / max(actual.sum(), 1e-9) - 1)), 2),
        "value_total_predicted": round(float(value_pred.sum()), 2),
        "value_total_actual": round(float(value.sum()), 2),
    }


def evaluate_clv_table(
    table: pd.DataFrame,
    *,
    customer_col: str,
    date_col: str,
    amount_col: str,
    calibration_end: str,
    seed: int = 0,
) -> dict[str, Any]:
    """Fit CLV models up to ``calibration_end`` and score their holdout forecasts."""
    started = time.perf_counter()
    cust = resolve_column(table, customer_col)
    day = resolve_column(table, date_col)
    amt = resolve_column(table, amount_col)
    if len({cust, day, amt}) < 3:
        raise ValidationFailed("the customer, date and amount columns must be different")
    if table[cust].isna().any():
        line = table.index[table[cust].isna().to_numpy().argmax()]
        raise ValidationFailed(f"column {cust!r}: line {line} is missing")
    cal = parse_day(calibration_end)
    daily = daily_purchases(table[cust], date_column(table, day), numeric_column(table, amt))
    first_day, last_day = daily["date"].min(), daily["date"].max()
    if not first_day < cal < last_day:
        raise ValidationFailed(
            f"calibration end {cal.date()} must fall inside the data ({first_day.date()} to "
            f"{last_day.date()})"
        )
    horizon = float((last_day - cal).days)
    summary = rfm_summary(daily, end=cal)
    actual = holdout_actuals(daily, summary.index, start=cal, end=last_day)
    y, value = actual["purchases"].to_numpy(), actual["value"].to_numpy()
    rfm = (summary["frequency"], summary["recency"], summary["T"])

    bgnbd = BetaGeoModel().fit(*rfm)
    pareto = ParetoNBDModel().fit(*rfm)
    spend_model = GammaGammaModel().fit(summary["frequency"], summary["monetary"])
    spend = spend_model.expected_spend(summary["frequency"], summary["monetary"])
    training = pseudo_training_set(daily, end=cal)
    learned = PurchaseRateModel(random_state=seed).fit(
        training, training["purchases"], training["days"]
    )
    features = customer_features(daily, end=cal, model=pareto)

    forecasts = {
        "bgnbd": bgnbd.expected_purchases(horizon, *rfm),
        "pareto_nbd": pareto.expected_purchases(horizon, *rfm),
        "learned": learned.expected_purchases(horizon, features),
    }
    forecasts["blend"] = (forecasts["pareto_nbd"] + forecasts["learned"]) / 2
    models = {name: accuracy(f, y, f * spend, value) for name, f in forecasts.items()}

    mean_value = (summary["total_value"] / (summary["frequency"] + 1)).to_numpy()
    rate = summary["frequency"] / summary["T"].where(summary["T"] > 0)
    naive = rate.fillna(0.0).to_numpy() * horizon
    zero = np.zeros_like(y)
    p_alive = pareto.p_alive(*rfm)
    final = forecasts["blend"]
    report: dict[str, Any] = {
        **{k: v for k, v in models["blend"].items()},
        "model": "blend: mean of Pareto/NBD and the learned purchase-rate model",
        "models": models,
        "baselines": {
            "naive": accuracy(naive, y, naive * mean_value, value),
            "zero": accuracy(zero, y, zero, value),
        },
        "p_alive": _p_alive_report(p_alive, bgnbd.p_alive(*rfm), y),
        "parameters": {
            "bgnbd": bgnbd.params_,
            "pareto_nbd": pareto.params_,
            "gamma_gamma": spend_model.params_,
            "learned": {"trees": learned.n_trees_, "training_rows": len(training)},
        },
        "examples": _examples(summary.index, final, final * spend, p_alive, y, value),
        "data": {
            "rows": len(table),
            "purchase_days": len(daily),
            "customers": len(summary),
            "customers_first_buying_after_calibration": int(
                daily["customer"].nunique() - len(summary)
            ),
            "first_date": str(first_day.date()),
            "last_date": str(last_day.date()),
            "calibration_end": str(cal.date()),
            "holdout_days": int(horizon),
            "counting_rule": "one purchase per customer per calendar day (same-day amounts summed)",
            "time_unit": "day",
        },
        "naive_rule": "repeat purchases in calibration / days since first purchase x holdout days",
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_count": os.cpu_count(),
    }
    return report


def _p_alive_report(p_pareto: np.ndarray, p_bgnbd: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Mean p(alive) and, per p(alive) band, the share of customers who bought again."""
    bands = []
    edges = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0001]
    for lo, hi in itertools.pairwise(edges):
        inside = (p_pareto >= lo) & (p_pareto < hi)
        if inside.any():
            bands.append(
                {
                    "p_alive": f"{lo:.1f}-{min(hi, 1.0):.1f}",
                    "customers": int(inside.sum()),
                    "bought_in_holdout": round(float((y[inside] > 0).mean()), 4),
                }
            )
    return {
        "model": "pareto_nbd",
        "mean": round(float(p_pareto.mean()), 4),
        "mean_bgnbd": round(float(p_bgnbd.mean()), 4),
        "by_band": bands,
    }


def _examples(
    ids: pd.Index,
    purchases: np.ndarray,
    value: np.ndarray,
    p_alive: np.ndarray,
    actual: np.ndarray,
    actual_value: np.ndarray,
    n: int = 5,
) -> list[dict[str, Any]]:
    order = np.argsort(-value)[:n]
    return [
        {
            "customer": str(ids[i]),
            "p_alive": round(float(p_alive[i]), 4),
            "expected_purchases": round(float(purchases[i]), 3),
            "expected_value": round(float(value[i]), 2),
            "actual_purchases": int(actual[i]),
            "actual_value": round(float(actual_value[i]), 2),
        }
        for i in order
    ]
