"""``maitre doctor`` says what is missing and how to fix it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from maitre.cli.main import app
from maitre.config import get_settings
from maitre.db import migrate


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("MAITRE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("MAITRE_DATABASE_URL", raising=False)
    monkeypatch.delenv("MAITRE_REDIS_URL", raising=False)
    monkeypatch.delenv("MAITRE_QUEUE_IMMEDIATE", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def test_unmigrated_database_points_to_db_upgrade(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "maitre db upgrade" in result.output


def test_migrated_database_without_model_or_worker_says_how_to_fix(data_dir: Path) -> None:
    migrate.upgrade(get_settings().resolved_database_url)
    result = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    head = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()
    assert f"at {head}" in result.output
    assert "maitre models train-defaults" in result.output
    assert "maitre worker" in result.output


def test_search_index_on_sqlite_says_it_is_postgresql_only(data_dir: Path) -> None:
    migrate.upgrade(get_settings().resolved_database_url)
    result = CliRunner().invoke(app, ["db", "search-index"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "PostgreSQL" in result.output and "Traceback" not in result.output
