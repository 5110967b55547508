"""``maitre widget token`` prints a token the API accepts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maitre.cli.main import app
from maitre.config import get_settings
from maitre.conversations import widget_tokens
from maitre.db.base import Base
from maitre.db.session import make_engine, make_sessionmaker, unit_of_work
from tests.factories import make_customer


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("MAITRE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MAITRE_QUEUE_IMMEDIATE", "true")
    monkeypatch.delenv("MAITRE_DATABASE_URL", raising=False)
    monkeypatch.delenv("MAITRE_REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def test_widget_token_names_an_existing_customer(data_dir: Path) -> None:
    settings = get_settings()
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    Base.metadata.create_all(engine)
    with unit_of_work(make_sessionmaker(engine)) as session:
        customer_id = make_customer(session).id
    engine.dispose()

    result = CliRunner().invoke(app, ["widget", "token", "--customer-id", str(customer_id)])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert widget_tokens.verify(settings=settings, token=token).customer_id == customer_id

    missing = CliRunner().invoke(app, ["widget", "token", "--customer-id", "999"])
    assert missing.exit_code == 1 and "not found" in missing.output
