"""``maitre analytics refresh`` and ``maitre churn bias`` on a planted CRM; the refresh job."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from maitre.analytics.models import CustomerScore
from maitre.bootstrap import build_runtime
from maitre.cli.main import app
from maitre.config import Settings, get_settings
from maitre.db.base import Base
from maitre.db.session import make_engine, make_sessionmaker, unit_of_work
from maitre.jobs import analytics as jobs
from maitre.ml import runs
from maitre.ml.churn_crm_train import train_and_register
from tests.factories.planted import build_planted_churn


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("MAITRE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MAITRE_QUEUE_IMMEDIATE", "true")
    monkeypatch.delenv("MAITRE_DATABASE_URL", raising=False)
    monkeypatch.delenv("MAITRE_REDIS_URL", raising=False)
    get_settings.cache_clear()
    cfg = get_settings()
    engine = make_engine(cfg.resolved_database_url)
    Base.metadata.create_all(engine)
    with unit_of_work(make_sessionmaker(engine)) as session:
        build_planted_churn(session, customers=120)
        train_and_register(session=session, settings=cfg)
    engine.dispose()
    yield cfg
    get_settings.cache_clear()


def _scored(cfg: Settings) -> int:
    engine = make_engine(cfg.resolved_database_url)
    with make_sessionmaker(engine)() as session:
        count = session.scalar(select(func.count()).select_from(CustomerScore)) or 0
    engine.dispose()
    return int(count)


@pytest.mark.slow
def test_refresh_command_scores_everyone_and_bias_prints_groups(settings: Settings) -> None:
    result = CliRunner().invoke(app, ["analytics", "refresh"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Scored 120 customers" in result.output and "churn model v1" in result.output
    assert _scored(settings) == 120
    again = CliRunner().invoke(app, ["analytics", "refresh"], env={"COLUMNS": "200"})
    assert again.exit_code == 0 and _scored(settings) == 120  # replaced, not appended
    report = settings.data_dir / "bias.json"
    bias = CliRunner().invoke(app, ["churn", "bias", "--json", str(report)])
    assert bias.exit_code == 0, bias.output
    assert "churn v1" in bias.output
    groups = json.loads(report.read_text())["groups"]
    assert "zh" in groups["language"]


def test_refresh_task_records_its_run_and_a_nightly_schedule_exists(settings: Settings) -> None:
    rt = build_runtime(settings)
    try:
        assert jobs.REFRESH in rt.queue.tasks and jobs.SCHEDULED_REFRESH in rt.queue.tasks
        with unit_of_work(rt.sessionmaker) as session:
            run_id = jobs.request_refresh(session=session, actor="test")
        rt.queue.enqueue(jobs.REFRESH, run_id)
        with unit_of_work(rt.sessionmaker) as session:
            run = runs.get(session=session, run_id=run_id)
            assert run.status == "succeeded" and run.result["customers"] == 120
    finally:
        rt.close()
    assert _scored(settings) == 120
    off = build_runtime(settings.model_copy(update={"analytics_refresh_hour": None}))
    try:
        assert jobs.SCHEDULED_REFRESH not in off.queue.tasks
    finally:
        off.close()
