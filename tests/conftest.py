"""Shared fixtures: a database per backend (SQLite file and a fresh PostgreSQL database), an app,
API clients per role and factories.

Store and API tests take the ``db_url`` fixture, which runs each of them on both backends.
PostgreSQL is at 127.0.0.1:5432 (user postgres, trust auth); each test session creates its own
database and drops it afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session, sessionmaker

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from maitre.api.app import create_app
from maitre.bootstrap import Runtime, build_runtime
from maitre.config import Settings
from maitre.db import models as _models  # noqa: F401
from maitre.db.base import Base
from maitre.db.session import make_engine, make_sessionmaker
from maitre.users import service as users
from maitre.users.roles import Role

PG_ADMIN_DSN = os.environ.get("MAITRE_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _pg_url(dbname: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{dbname}"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """Create a PostgreSQL database for this test session (one per xdist worker) and drop it."""
    name = f"maitre_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for each backend; PostgreSQL gets an empty schema for each test."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'maitre.db'}"
    url: str = request.getfixturevalue("pg_database")
    return url


def _reset(engine: Engine) -> None:
    """Give the test empty tables: TRUNCATE on PostgreSQL when the schema is intact (fast)."""
    if engine.dialect.name == "postgresql":
        existing = set(inspect(engine).get_table_names())
        wanted = set(Base.metadata.tables)
        if wanted <= existing and "alembic_version" not in existing:
            names = ", ".join(f'"{t}"' for t in wanted)
            with engine.begin() as conn:
                conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            return
        Base.metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    Base.metadata.create_all(engine)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine with every table created fresh."""
    eng = make_engine(db_url)
    _reset(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for service tests; whatever the test does is rolled back at the end."""
    s = session_factory()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url=db_url,
        queue_immediate=True,
        secret_key="test-secret-key-for-tests-only",
    )  # type: ignore[arg-type]


@pytest.fixture
def app_runtime(settings: Settings, engine: Engine) -> Runtime:
    """The app's runtime on the test engine: queue and event subscribers wired as in production."""
    return build_runtime(settings, engine=engine)


@pytest.fixture
def app(settings: Settings, app_runtime: Runtime) -> Any:
    return create_app(settings, runtime=app_runtime)


@pytest.fixture
def api_key(session_factory: sessionmaker[Session]) -> Callable[[Role], str]:
    """Make an API key for a role and return its token."""

    def make(role: Role) -> str:
        with session_factory() as s:
            _key, token = users.create_api_key(session=s, name=f"test-{role}", role=role)
            s.commit()
        return token

    return make


@pytest.fixture
def client_for(app: Any, api_key: Callable[[Role], str]) -> Iterator[Callable[[Role], TestClient]]:
    """Return a function that gives an authenticated ``TestClient`` for a role."""
    clients: list[TestClient] = []

    def make(role: Role) -> TestClient:
        c = TestClient(app, raise_server_exceptions=False)
        c.headers["Authorization"] = f"Bearer {api_key(role)}"
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def admin(client_for: Callable[[Role], TestClient]) -> TestClient:
    """A client acting with the admin role."""
    return client_for(Role.ADMIN)


@pytest.fixture
def anon(app: Any) -> Iterator[TestClient]:
    """A client with no credentials."""
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """Check that ``response`` is a problem+json body with ``status`` and return it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"] and body["type"] and "detail" in body
    return body
