"""Evaluate Maitre's CLV forecasts against BG/NBD, Pareto/NBD and naive baselines on CDNOW.

    python benchmarks/clv_bench.py --json benchmarks/results/clv_bench.json

Runs exactly what ``maitre clv evaluate --transactions CDNOW_master.txt --customer-col 0
--date-col 1 --amount-col 3 --calibration-end 1997-09-30`` runs (all 23,570 customers; one
purchase per customer per day; holdout to the end of the data), through the same file reader,
and adds the target check (purchases MAE at most 0.82 and total predicted purchases within 10%
of actual), the reference points from the issue and the machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, write_json

from maitre.ml.clv_eval import evaluate_clv_table
from maitre.ml.tabular import read_table

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "cdnow" / "CDNOW_master.txt"
TARGET_MAE = 0.82
TARGET_TOTAL = 0.10
REFERENCE = {
    "bgnbd_mle": {"purchases_mae": 0.819, "total": "14% low"},
    "zero_forecast": {"purchases_mae": 0.835},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--customer-col", default="0")
    parser.add_argument("--date-col", default="1")
    parser.add_argument("--amount-col", default="3")
    parser.add_argument("--calibration-end", default="1997-09-30")
    parser.add_argument("--json", default=None, help="write the result here")
    args = parser.parse_args()

    started = time.perf_counter()
    report = evaluate_clv_table(
        read_table(args.transactions),
        customer_col=args.customer_col,
        date_col=args.date_col,
        amount_col=args.amount_col,
        calibration_end=args.calibration_end,
    )
    wall = time.perf_counter() - started
    ratio = report["total_predicted"] / max(report["total_actual"], 1e-9)
    result = {
        "benchmark": "clv_evaluate",
        "data": str(args.transactions.name),
        "command": f"maitre clv evaluate --transactions {args.transactions.name} "
        f"--customer-col {args.customer_col} --date-col {args.date_col} "
        f"--amount-col {args.amount_col} --calibration-end {args.calibration_end}",
        "target": {
            "purchases_mae_at_most": TARGET_MAE,
            "total_within": TARGET_TOTAL,
            "met": report["purchases_mae"] <= TARGET_MAE and abs(ratio - 1) <= TARGET_TOTAL,
        },
        "reference": REFERENCE,
        "wall_seconds": round(wall, 1),
        "machine": machine(),
        "report": report,
    }
    write_json(args.json, result)


if __name__ == "__main__":
    main()
