"""Per-customer purchase summaries for CLV models, from any transaction log.

Counting rule (CDNOW's standard practice): all of a customer's transactions on one calendar day
are one purchase, whose value is their sum. Time is measured in days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from maitre.errors import ValidationFailed


def daily_purchases(
    customers: pd.Series, dates: pd.Series, amounts: pd.Series | None = None
) -> pd.DataFrame:
    """Collapse transactions to one row per customer and day: customer, date, amount."""
    frame = pd.DataFrame(
        {
            "customer": customers.astype(str).to_numpy(),
            "date": pd.to_datetime(dates).dt.normalize().to_numpy(),
            "amount": (amounts if amounts is not None else pd.Series(0.0, index=dates.index))
            .astype(float)
            .to_numpy(),
        }
    )
    return frame.groupby(["customer", "date"], as_index=False, sort=True)["amount"].sum()


def rfm_summary(daily: pd.DataFrame, *, end: pd.Timestamp) -> pd.DataFrame:
    """Frequency, recency, T and repeat-purchase features of each customer up to ``end``.

    Columns: ``frequency`` (repeat purchase days), ``recency`` (days from first to last
    purchase), ``T`` (days from first purchase to ``end``), ``monetary`` (mean value of repeat
    purchases, 0 without any), ``first_value``, ``total_value``, ``mean_gap`` and ``last_gap``
    (days between purchases), ``days_since_last``. Customers who first bought after ``end`` are
    left out.
    """
    seen = daily.loc[daily["date"] <= end]
    if seen.empty:
        raise ValidationFailed(f"no purchases on or before {end.date()}")
    g = seen.groupby("customer", sort=True)
    first = g["date"].min()
    last = g["date"].max()
    count = g.size()
    total = g["amount"].sum()
    first_value = g["amount"].first()
    out = pd.DataFrame(
        {
            "frequency": (count - 1).astype(float),
            "recency": (last - first).dt.days.astype(float),
            "T": (end - first).dt.days.astype(float),
            "first_value": first_value.astype(float),
            "total_value": total.astype(float),
        }
    )
    repeats = out["frequency"] > 0
    out["monetary"] = np.where(
        repeats, (out["total_value"] - out["first_value"]) / out["frequency"].clip(lower=1), 0.0
    )
    gaps = seen["date"].diff().dt.days.where(seen["customer"].eq(seen["customer"].shift()))
    gap_frame = pd.DataFrame({"customer": seen["customer"], "gap": gaps}).dropna()
    gap_stats = gap_frame.groupby("customer")["gap"].agg(["mean", "last"])
    out["mean_gap"] = gap_stats["mean"].reindex(out.index).astype(float)
    out["last_gap"] = gap_stats["last"].reindex(out.index).astype(float)
    out["days_since_last"] = out["T"] - out["recency"]
    return out


def holdout_actuals(
    daily: pd.DataFrame, customers: pd.Index, *, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Purchases (days) and value per customer in ``(start, end]``, zero for the silent ones."""
    window = daily.loc[(daily["date"] > start) & (daily["date"] <= end)]
    g = window.groupby("customer")
    out = pd.DataFrame({"purchases": g.size().astype(float), "value": g["amount"].sum()})
    return out.reindex(customers, fill_value=0.0)
