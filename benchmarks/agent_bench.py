"""Conversational agent benchmark: the scenario suite over the demo shop, through the HTTP API.

    python benchmarks/agent_bench.py --json benchmarks/results/agent_bench.json [--fast]

Builds a fresh SQLite database in a temporary directory, creates the tables, loads the demo data
(the ``maitre demo load`` code path) and the shipped knowledge base, trains and activates the
default NLU (``--fast``: lexical-only, seconds instead of minutes), then runs every scenario in
``maitre/agent/evaluation/scenarios`` through a ``TestClient`` on ``create_app`` with a staff API
key, without an LLM. Targets (issue "The conversational agent"): task completion >= 90%, 0 facts
in replies not present in CRM/KB, 0 cross-customer exposures, p95 reply latency <= 100 ms.
``maitre agent evaluate`` runs the same suite.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from _common import machine, write_json
from rich.console import Console

from maitre.agent.evaluation.suite import SuiteOptions, print_summary, run_suite


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", help="Write the result document here.")
    parser.add_argument("--fast", action="store_true", help="Lexical-only NLU (seconds).")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--customers", type=int, default=800)
    parser.add_argument("--scenarios", help="A directory of scenario YAML files.")
    parser.add_argument("--tag", action="append", help="Only scenarios with this tag.")
    parser.add_argument("--language", choices=["en", "zh"])
    parser.add_argument(
        "--cold", action="store_true", help="Skip the untimed warm-up messages (lazy loads count)."
    )
    parser.add_argument("--quiet", action="store_true", help="Do not print the JSON.")
    args = parser.parse_args()
    options = SuiteOptions(
        seed=args.seed,
        customers=args.customers,
        fast=args.fast,
        scenarios=Path(args.scenarios) if args.scenarios else None,
        tags=args.tag or [],
        language=args.language,
        cold=args.cold,
    )
    doc = {"benchmark": "agent_bench", "machine": machine(), **run_suite(options)}
    if args.quiet and args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(doc, indent=2, default=str) + "\n")
    elif not args.quiet:
        write_json(args.json, doc)
    print_summary(doc, Console(stderr=True))


if __name__ == "__main__":
    main()
