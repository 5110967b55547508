"""Evaluate Maitre's recommender against tuned implicit ALS and popularity on MovieLens-100k.

    python benchmarks/recs_bench.py --json benchmarks/results/recs_bench.json

Runs exactly what ``maitre recs evaluate --interactions u.data --user-col 0 --item-col 1``
runs (per-user 75/25 split, seed 42; every rating an interaction; ALS and Maitre tuned on a
validation slice of the training split), through the same file reader, and adds the target
check (Maitre NDCG@10 at least 5% above tuned ALS in the same run), the published anchors
and the machine. ``--interactions``/``--user-col``/``--item-col`` point it at another log.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, write_json

from maitre.ml.recs_evaluate import evaluate_recommenders
from maitre.ml.recs_input import read_interactions

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "movielens100k" / "u.data"
TARGET_LIFT = 0.05
ANCHORS = {
    "source": "Microsoft Recommenders, MovieLens-100k, k=10",
    "ndcg_at_10": {"bpr": 0.442, "sar": 0.382, "bivae": 0.475},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--user-col", default="0")
    parser.add_argument("--item-col", default="1")
    parser.add_argument("--rating-col", default=None)
    parser.add_argument("--min-rating", type=float, default=None)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", default=None, help="write the result here")
    args = parser.parse_args()

    started = time.perf_counter()
    log = read_interactions(
        args.interactions,
        user_col=args.user_col,
        item_col=args.item_col,
        rating_col=args.rating_col,
    )
    read_seconds = time.perf_counter() - started
    report = evaluate_recommenders(
        log.users,
        log.items,
        ratings=log.ratings,
        min_rating=args.min_rating,
        seed=args.seed,
        progress=lambda message: print(f"... {message}", file=sys.stderr, flush=True),
    )
    als = report["baselines"]["als"]["ndcg_at_10"]
    result: dict[str, Any] = {
        "benchmark": "recs_bench",
        "dataset": str(args.interactions),
        "command": (
            f"maitre recs evaluate --interactions {args.interactions} "
            f"--user-col {args.user_col} --item-col {args.item_col}"
        ),
        "ndcg_at_10": report["ndcg_at_10"],
        "als_ndcg_at_10": als,
        "popularity_ndcg_at_10": report["baselines"]["popularity"]["ndcg_at_10"],
        "lift_over_als": report["ndcg_lift_over_als"],
        "target": f"maitre NDCG@10 >= {1 + TARGET_LIFT:.2f} x tuned ALS (same run)",
        "target_met": report["ndcg_at_10"] >= (1 + TARGET_LIFT) * als,
        "anchors": ANCHORS,
        "read_seconds": round(read_seconds, 3),
        "total_seconds": round(time.perf_counter() - started, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "machine": machine(),
        "report": report,
    }
    write_json(args.json, result)


if __name__ == "__main__":
    main()
