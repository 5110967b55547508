"""``maitre agent evaluate`` runs scenarios in a scratch demo shop and writes the metrics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maitre.cli.main import app


@pytest.mark.slow
def test_agent_evaluate_runs_the_selected_scenarios(tmp_path: Path) -> None:
    out = tmp_path / "agent.json"
    result = CliRunner().invoke(
        app, ["agent", "evaluate", "--fast", "--tag", "injection", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["config"]["scenarios"] >= 5
    assert all("injection" in r["tags"] for r in doc["results"])
    assert doc["metrics"]["cross_customer_exposures"] == 0
    assert "task completion" in result.output


def test_agent_evaluate_refuses_a_missing_scenario_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["agent", "evaluate", "--scenarios", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "Invalid value for '--scenarios'" in result.output
