"""Store-level guarantees on both backends: savepoints roll back, WAL and foreign keys on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from maitre.customers.models import Customer
from tests.factories import make_customer


def test_savepoint_rollback_undoes_only_inner_work(session: Session) -> None:
    nested = session.begin_nested()
    make_customer(session, email="inner@example.com")
    nested.rollback()
    make_customer(session, email="outer@example.com")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Customer)) == 0


def test_first_write_in_savepoint_is_not_committed_early(session: Session, engine: Engine) -> None:
    with session.begin_nested():
        make_customer(session, email="early@example.com")
    session.rollback()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM customers")).scalar() == 0


def test_sqlite_uses_wal_and_foreign_keys(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
