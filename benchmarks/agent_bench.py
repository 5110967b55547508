"""Conversational agent benchmark: the scenario suite over the demo shop, through the HTTP API.

    python benchmarks/agent_bench.py --json benchmarks/results/agent_bench.json [--fast]

Builds a fresh SQLite database in a temporary directory, creates the tables, loads the demo data
(the ``maitre demo load`` code path) and the shipped knowledge base, trains and activates the
default NLU (``--fast``: lexical-only, seconds instead of minutes), then runs every scenario in
``maitre/agent/evaluation/scenarios`` through a ``TestClient`` on ``create_app`` with a staff API
key, without an LLM. Targets (issue "The conversational agent"): task completion >= 90%, 0 facts
in replies not present in CRM/KB, 0 cross-customer exposures, p95 reply latency <= 100 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from _common import machine, write_json
from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table

from maitre.agent.evaluation import loader, metrics
from maitre.agent.evaluation.environment import prepare
from maitre.agent.evaluation.runner import Runner
from maitre.api.app import create_app
from maitre.config import Settings


def _settings(root: Path) -> Settings:
    return Settings(
        data_dir=root / "var",
        database_url=f"sqlite:///{root / 'agent_bench.db'}",
        queue_immediate=True,
        secret_key="agent-bench-secret-key-not-for-production",
        llm_base_url="",
    )  # type: ignore[arg-type]


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build the world, run the suite and return the result document."""
    scenarios = loader.load_dir(Path(args.scenarios) if args.scenarios else None)
    scenarios = loader.select(scenarios, tags=args.tag or None, language=args.language)
    with tempfile.TemporaryDirectory(prefix="agent-bench-") as tmp:
        env = prepare(
            _settings(Path(tmp)), seed=args.seed, customers=args.customers, fast=args.fast
        )
        app = create_app(env.runtime.settings, runtime=env.runtime)
        with TestClient(app, raise_server_exceptions=False) as client:
            client.headers["Authorization"] = f"Bearer {env.token}"
            runner = Runner(client=client, session_factory=env.runtime.sessionmaker, seed=args.seed)
            if not args.cold:
                runner.warm_up()
            started = time.perf_counter()
            results = runner.run(scenarios)
            suite_seconds = round(time.perf_counter() - started, 2)
        env.runtime.engine.dispose()
    return {
        "benchmark": "agent_bench",
        "machine": machine(),
        "config": {
            "seed": args.seed,
            "customers": args.customers,
            "nlu": "lexical (--fast)" if args.fast else "default (fine-tuned)",
            "llm": None,
            "database": "sqlite",
            "scenarios": len(scenarios),
            "warm_up": not args.cold,
        },
        "setup_seconds": env.seconds,
        "suite_seconds": suite_seconds,
        "setup_notes": env.notes,
        "demo_counts": env.counts,
        "metrics": metrics.compute(results),
        "results": [r.to_dict() for r in results],
    }


def summary(doc: dict[str, Any], results: list[dict[str, Any]], console: Console) -> None:
    """Print the headline metrics and the failed scenarios."""
    m = doc["metrics"]
    table = Table("metric", "value", "target", "met", title="Agent scenario suite")
    met = m["targets_met"]
    rows = [
        ("task completion", m["task_completion_rate"], ">= 0.90", met["task_completion_rate"]),
        ("fact violations", m["fact_violations"], "0", met["fact_violations"]),
        ("cross-customer exposures", m["cross_customer_exposures"], "0",
         met["cross_customer_exposures"]),
        ("p95 reply latency ms", m["latency_ms"]["p95"], "<= 100", met["p95_latency_ms"]),
        ("p50 reply latency ms", m["latency_ms"]["p50"], "", None),
        ("turns per completed task", m["turns_per_completed_task"], "", None),
        ("handoff rate", m["handoff_rate"], "", None),
        ("warranted handoff rate", m["warranted_handoff_rate"], "", None),
        ("missed handoffs", m["missed_handoffs"], "", None),
        ("containment rate", m["containment_rate"], "", None),
        ("fallback rate", m["fallback_rate"], "", None),
        ("CSAT mean", m["csat"]["mean"], "", None),
    ]  # fmt: skip
    for name, value, target, ok in rows:
        mark = "" if ok is None else ("[green]yes[/]" if ok else "[red]no[/]")
        table.add_row(name, str(value), target, mark)
    console.print(table)
    failed = [r for r in results if not r["completed"]]
    if failed:
        lines = Table("scenario", "first failures", title=f"{len(failed)} scenarios failed")
        for r in failed:
            lines.add_row(r["name"], "\n".join(r["failures"][:3]))
        console.print(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
    doc = run(args)
    if args.quiet:
        if args.json:
            write_json_quiet(args.json, doc)
    else:
        write_json(args.json, doc)
    summary(doc, doc["results"], Console(stderr=True))


def write_json_quiet(path: str, doc: dict[str, Any]) -> None:
    """Write the document without printing it."""
    import json

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(doc, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
