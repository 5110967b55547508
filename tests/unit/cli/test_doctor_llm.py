"""``maitre doctor`` reports the optional LLM endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maitre.cli.main import app
from maitre.config import get_settings


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("MAITRE_DATA_DIR", str(tmp_path / "var"))
    for name in ("DATABASE_URL", "REDIS_URL", "QUEUE_IMMEDIATE", "LLM_BASE_URL"):
        monkeypatch.delenv(f"MAITRE_{name}", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def test_doctor_says_templates_only_without_llm(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "200"})
    row = next(line for line in result.output.splitlines() if " llm " in line)
    assert "ok" in row and "not configured (templates only)" in row


def test_doctor_fails_on_unreachable_llm(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAITRE_LLM_BASE_URL", "http://127.0.0.1:9/v1")  # discard port: refused
    monkeypatch.setenv("MAITRE_LLM_TIMEOUT_SECONDS", "1")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    row = next(line for line in result.output.splitlines() if " llm " in line)
    assert "FAIL" in row and "unreachable" in row


def test_doctor_checks_the_endpoint_saved_on_the_settings_page(data_dir: Path) -> None:
    from maitre.cli.common import session_scope
    from maitre.runtime_settings import service as runtime_settings

    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    with session_scope() as session:
        runtime_settings.update(
            session=session,
            base=get_settings(),
            changes={"llm_base_url": "http://127.0.0.1:9/v1", "llm_timeout_seconds": 1},
            actor="test",
        )
    result = runner.invoke(app, ["doctor"], env={"COLUMNS": "200"})
    row = next(line for line in result.output.splitlines() if " llm " in line)
    assert "FAIL" in row and "unreachable" in row
