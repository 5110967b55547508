"""Customer search (``q``): substring semantics on both stores; trigram indexes on request."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from maitre.common.pagination import PageParams
from maitre.customers import search_index
from maitre.customers import service as customers
from maitre.customers.models import Customer
from maitre.customers.schemas import CustomerCreate
from maitre.errors import ValidationFailed


def _names(session: Session, q: str) -> list[str]:
    page = customers.list_(
        session=session, filters=customers.CustomerFilter(q=q), params=PageParams(limit=50)
    )
    return sorted(c.name for c in page.items)


def test_search_matches_substrings_without_case_and_takes_wildcards_literally(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as s:
        for name, email, company, phone in [
            ("Ada Lovelace", "ada@example.com", "Analytical Engines", "+44 20 7946 0001"),
            ("Grace Hopper", "grace@navy.example", "50% Off Ltd", "+1 202 555 0143"),
            ("Alan_Turing", "alan@example.org", None, None),
            ("李伟", "liwei@example.cn", "上海贸易有限公司", None),
        ]:
            data = CustomerCreate(name=name, email=email, company=company, phone=phone)
            customers.create(session=s, data=data)
        s.commit()
        assert _names(s, "LOVEL") == ["Ada Lovelace"]
        assert _names(s, "navy.EX") == ["Grace Hopper"]
        assert _names(s, "engines") == ["Ada Lovelace"]
        assert _names(s, "555 01") == ["Grace Hopper"]
        assert _names(s, "example") == ["Ada Lovelace", "Alan_Turing", "Grace Hopper", "李伟"]
        assert _names(s, "李") == ["李伟"] and _names(s, "贸易有限") == ["李伟"]
        # % and _ are characters to find, not wildcards
        assert _names(s, "50%") == ["Grace Hopper"]
        assert _names(s, "%") == ["Grace Hopper"]
        assert _names(s, "n_t") == ["Alan_Turing"]
        assert _names(s, "a_a") == []  # would match "Ada" and "Alan" as a wildcard


def test_trigram_indexes_are_built_on_request_and_serve_the_search(
    session_factory: sessionmaker[Session],
) -> None:
    engine = session_factory.kw["bind"]
    if engine.dialect.name != "postgresql":
        with pytest.raises(ValidationFailed, match="PostgreSQL"):
            search_index.create(engine)
        assert not any(search_index.status(engine).values())
        return
    try:
        assert not any(search_index.status(engine).values())
        built = search_index.create(engine)
        assert built == [search_index.index_name(c) for c in customers.SEARCH_COLUMNS]
        assert all(search_index.status(engine).values())
        assert search_index.create(engine) == []  # idempotent
        # a build interrupted halfway leaves an invalid index: not counted, and rebuilt
        half = search_index.index_name("email")
        with engine.begin() as conn:
            conn.exec_driver_sql(
                f"UPDATE pg_index SET indisvalid = false WHERE indexrelid = '{half}'::regclass"
            )
        assert search_index.status(engine)["email"] is False
        assert search_index.create(engine) == [half]
        assert all(search_index.status(engine).values())
        with session_factory() as s:
            s.connection().exec_driver_sql("SET LOCAL enable_seqscan = off")
            stmt = select(Customer.id).where(customers.search_condition("love_lace"))
            compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
            plan = "\n".join(s.connection().exec_driver_sql(f"EXPLAIN {compiled}").scalars())
            s.rollback()
        for name in built:
            assert name in plan, plan
    finally:
        dropped = search_index.drop(engine)
    assert sorted(dropped) == sorted(built)
    assert not any(search_index.status(engine).values())
