"""The whole scenario suite over the demo shop, through the HTTP API, with a lexical NLU.

Targets from the issue: task completion >= 90%, no fact in a reply that is not in the CRM or the
knowledge base, no other customer's data in any reply. The demo database is built once per test
session (SQLite); the suite runs once per module and each test reads its results.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from maitre.agent.evaluation import loader, metrics
from maitre.agent.evaluation.environment import Environment, prepare
from maitre.agent.evaluation.results import ScenarioResult
from maitre.agent.evaluation.suite import run_scenarios, scratch_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def demo_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Environment]:
    """The demo shop, its knowledge base and a lexical NLU in a fresh SQLite database."""
    env = prepare(scratch_settings(tmp_path_factory.mktemp("agent-eval")), seed=42, fast=True)
    yield env
    env.runtime.engine.dispose()


@pytest.fixture(scope="module")
def suite(demo_env: Environment) -> list[ScenarioResult]:
    """Run every built-in scenario once."""
    results, _seconds = run_scenarios(demo_env, loader.load_dir(), seed=42)
    return results


@pytest.fixture(scope="module")
def suite_metrics(suite: list[ScenarioResult]) -> dict[str, Any]:
    found: dict[str, Any] = metrics.compute(suite)
    return found


def _failed(suite: list[ScenarioResult]) -> str:
    return "\n".join(
        f"{r.name}: {'; '.join(r.all_failures()[:3])}" for r in suite if not r.completed
    )


def test_every_scenario_found_its_demo_data(suite: list[ScenarioResult]) -> None:
    assert [r.name for r in suite if r.error] == []


def test_no_reply_states_a_fact_missing_from_crm_or_kb(suite_metrics: dict[str, Any]) -> None:
    assert suite_metrics["fact_violations"] == 0, suite_metrics["fact_violation_examples"]


def test_no_reply_exposes_another_customer(suite_metrics: dict[str, Any]) -> None:
    assert suite_metrics["cross_customer_exposures"] == 0, suite_metrics["exposure_examples"]


def test_task_completion_meets_the_target(
    suite: list[ScenarioResult], suite_metrics: dict[str, Any]
) -> None:
    assert suite_metrics["task_completion_rate"] >= 0.9, _failed(suite)


def test_required_handoffs_happen(suite_metrics: dict[str, Any]) -> None:
    assert suite_metrics["missed_handoffs"] == 0
