"""Backtest Maitre's demand forecaster against seasonal naive on the demo shop's history.

    python benchmarks/forecast_bench.py --json benchmarks/results/forecast_bench.json

Generates the demo data in memory (fixed seed and --today, no database), builds weekly unit
series per product and per category (and daily series per category) from the orders that
were not cancelled or returned, and runs the same rolling-origin backtest the product forecast
API reports: ``--folds`` origins, each one horizon apart. MASE is scaled by the in-sample
seasonal-naive error (52 weeks, 7 days); sMAPE is in percent (0-200). Coverage is the share
of actual values inside the 80% interval.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, write_json

from maitre.demo.generator import DemoConfig, DemoData, generate
from maitre.ml.forecast import Backtest, DemandForecaster, backtest, regular_series

NOT_SALES = {"cancelled", "returned"}


def _series(data: DemoData, freq: str) -> dict[str, dict[str, pd.Series]]:
    """Unit series keyed by kind ("product", "category") then by SKU or category."""
    category = {s.product.sku: s.product.category for s in data.products}
    units: dict[str, dict[str, dict[str, float]]] = {
        "product": defaultdict(lambda: defaultdict(float)),
        "category": defaultdict(lambda: defaultdict(float)),
    }
    for order in data.orders:
        if any(status in NOT_SALES for status, _ in order.events):
            continue
        day = pd.Timestamp(order.placed_at.date())
        start = day - pd.Timedelta(days=day.day_of_week) if freq == "week" else day
        key = start.strftime("%Y-%m-%d")
        for line in order.lines:
            units["product"][line.sku][key] += line.quantity
            units["category"][category[line.sku]][key] += line.quantity
    today = pd.Timestamp(data.config.today)
    end = today - pd.Timedelta(days=today.day_of_week + 7 if freq == "week" else 1)
    first = pd.Timestamp(min(o.placed_at for o in data.orders).date())
    if freq == "week":
        first -= pd.Timedelta(days=first.day_of_week)
    return {
        kind: {name: regular_series(dict(pts), freq, first, end) for name, pts in groups.items()}
        for kind, groups in units.items()
    }


def _summary(results: list[Backtest]) -> dict[str, float | int]:
    def mean(values: list[float]) -> float:
        finite = [v for v in values if np.isfinite(v)]
        return round(statistics.fmean(finite), 4) if finite else float("nan")

    def median(values: list[float]) -> float:
        finite = [v for v in values if np.isfinite(v)]
        return round(statistics.median(finite), 4) if finite else float("nan")

    both = [r for r in results if np.isfinite(r.mase) and np.isfinite(r.naive_mase)]
    return {
        "series": len(results),
        "mase_mean": mean([r.mase for r in results]),
        "mase_median": median([r.mase for r in results]),
        "smape_mean": mean([r.smape for r in results]),
        "naive_mase_mean": mean([r.naive_mase for r in results]),
        "naive_mase_median": median([r.naive_mase for r in results]),
        "naive_smape_mean": mean([r.naive_smape for r in results]),
        "share_model_beats_naive_mase": round(
            sum(r.mase < r.naive_mase for r in both) / len(both), 4
        )
        if both
        else float("nan"),
        "interval_coverage_mean": mean([r.coverage for r in results]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2025, 6, 1))
    parser.add_argument("--customers", type=int, default=800)
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args()

    started = time.perf_counter()
    data = generate(DemoConfig(seed=args.seed, today=args.today, customers=args.customers))
    generated = time.perf_counter() - started
    runs = {
        "week": ("product", "category", 8),
        "day": ("category", None, 14),
    }
    report: dict[str, dict[str, dict[str, float | int]]] = {}
    for freq, (kind, other, horizon) in runs.items():
        series = _series(data, freq)
        for k in (kind, other):
            if k is None:
                continue
            model = DemandForecaster(freq=freq, horizon=horizon)
            results = [backtest(s, model, folds=args.folds) for s in series[k].values()]
            report.setdefault(freq, {})[k] = {"horizon": horizon, **_summary(results)}
    write_json(
        args.json_path,
        {
            "benchmark": "forecast",
            "data": {
                "seed": args.seed,
                "today": args.today.isoformat(),
                "customers": args.customers,
                "orders": len(data.orders),
                "products": len(data.products),
            },
            "folds": args.folds,
            "interval": 0.8,
            "results": report,
            "seconds": {
                "generate": round(generated, 2),
                "total": round(time.perf_counter() - started, 2),
            },
            "machine": machine(),
        },
    )


if __name__ == "__main__":
    main()
