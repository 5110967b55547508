"""Run the scenario suite in a scratch world and return one result document.

Shared by ``maitre agent evaluate`` and ``benchmarks/agent_bench.py``. The suite changes the CRM
(returns, cancellations, tickets), so it always runs on a fresh SQLite database in a temporary
directory with the demo shop loaded, never on the configured one.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from maitre.agent.evaluation import loader, metrics
from maitre.agent.evaluation.environment import Environment, prepare
from maitre.agent.evaluation.results import ScenarioResult
from maitre.agent.evaluation.runner import Runner
from maitre.agent.evaluation.schema import Scenario
from maitre.config import Settings


@dataclass(frozen=True)
class SuiteOptions:
    """What to run and in which world."""

    seed: int = 42
    customers: int = 800
    fast: bool = False
    scenarios: Path | None = None
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    cold: bool = False


def scratch_settings(root: Path) -> Settings:
    """Return settings for a throwaway world under ``root`` (no LLM, jobs run inline)."""
    return Settings(
        data_dir=root / "var",
        database_url=f"sqlite:///{root / 'agent_eval.db'}",
        queue_immediate=True,
        secret_key="agent-evaluation-scratch-key-not-for-production",
        llm_base_url="",
    )  # type: ignore[call-arg]


def run_scenarios(
    env: Environment, scenarios: list[Scenario], *, seed: int, warm_up: bool = True
) -> tuple[list[ScenarioResult], float]:
    """Drive ``scenarios`` through the HTTP API of ``env``; return results and suite seconds."""
    from fastapi.testclient import TestClient

    from maitre.api.app import create_app

    app = create_app(env.runtime.settings, runtime=env.runtime)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {env.token}"
        runner = Runner(client=client, session_factory=env.runtime.sessionmaker, seed=seed)
        if warm_up:
            runner.warm_up()
        started = time.perf_counter()
        results = runner.run(scenarios)
        return results, round(time.perf_counter() - started, 2)


def run_suite(options: SuiteOptions) -> dict[str, Any]:
    """Build the world, run the selected scenarios and return metrics and per-scenario results."""
    scenarios = loader.select(
        loader.load_dir(options.scenarios), tags=options.tags or None, language=options.language
    )
    with tempfile.TemporaryDirectory(prefix="maitre-agent-eval-") as tmp:
        env = prepare(
            scratch_settings(Path(tmp)),
            seed=options.seed,
            customers=options.customers,
            fast=options.fast,
        )
        try:
            results, suite_seconds = run_scenarios(
                env, scenarios, seed=options.seed, warm_up=not options.cold
            )
        finally:
            env.runtime.engine.dispose()
    return {
        "config": {
            "seed": options.seed,
            "customers": options.customers,
            "nlu": "lexical (--fast)" if options.fast else "default (fine-tuned)",
            "llm": None,
            "database": "sqlite",
            "scenarios": len(scenarios),
            "warm_up": not options.cold,
        },
        "setup_seconds": env.seconds,
        "suite_seconds": suite_seconds,
        "setup_notes": env.notes,
        "demo_counts": env.counts,
        "metrics": metrics.compute(results),
        "results": [r.to_dict() for r in results],
    }


def print_summary(doc: dict[str, Any], console: Console) -> None:
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
    failed = [r for r in doc["results"] if not r["completed"]]
    if failed:
        lines = Table("scenario", "first failures", title=f"{len(failed)} scenarios failed")
        for r in failed:
            lines.add_row(r["name"], "\n".join(r["failures"][:3]))
        console.print(lines)
