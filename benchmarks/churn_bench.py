"""Evaluate Maitre's churn model against logistic regression and LightGBM on IBM Telco churn.

    python benchmarks/churn_bench.py --json benchmarks/results/churn_bench.json

Runs exactly what ``maitre churn evaluate --csv <telco> --target Churn --id customerID`` runs
(stratified 80/20 split, seed 42; everything tuned by cross-validation on the 80% only), through
the same file reader, and adds the target check (ROC-AUC at least 0.85), the published anchors
and the machine. ``--csv``/``--target``/``--id`` point it at another labelled table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, write_json

from maitre.ml.churn_eval import evaluate_churn_table
from maitre.ml.tabular import read_table

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = (
    ROOT.parent / "shared" / "data" / "telco_churn" / "WA_Fn-UseC_-Telco-Customer-Churn.csv"
)
TARGET_AUC = 0.85
ANCHORS = {
    "source": "commonly published results on the 7,043-row IBM Telco set",
    "roc_auc": {"logistic_regression": "about 0.84", "gradient_boosting": "about 0.84-0.85"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--target", default="Churn")
    parser.add_argument("--id", default="customerID")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", default=None, help="write the result here")
    args = parser.parse_args()

    started = time.perf_counter()
    report = evaluate_churn_table(
        read_table(args.csv), target=args.target, id_column=args.id, seed=args.seed
    )
    wall = time.perf_counter() - started
    result = {
        "benchmark": "churn_evaluate",
        "data": str(args.csv.name),
        "command": f"maitre churn evaluate --csv {args.csv.name} --target {args.target} "
        f"--id {args.id}",
        "target": {"roc_auc_at_least": TARGET_AUC, "met": report["roc_auc"] >= TARGET_AUC},
        "anchors": ANCHORS,
        "wall_seconds": round(wall, 1),
        "machine": machine(),
        "report": report,
    }
    write_json(args.json, result)


if __name__ == "__main__":
    main()
