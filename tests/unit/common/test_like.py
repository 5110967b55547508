"""LIKE patterns built from user text: wildcards and the escape character are literal."""

from __future__ import annotations

from sqlalchemy import column, select
from sqlalchemy.dialects import postgresql, sqlite

from maitre.db import like


def test_escape_makes_wildcards_and_backslashes_literal() -> None:
    assert like.escape("50%_off\\now") == "50\\%\\_off\\\\now"
    assert like.escape("plain text") == "plain text"


def test_matches_is_a_case_insensitive_or_with_an_escape_clause() -> None:
    stmt = select(column("a")).where(like.matches(column("a"), column("b"), text="  x%  "))
    pg = stmt.compile(dialect=postgresql.dialect())
    assert str(pg).count("ILIKE") == 2 and " OR " in str(pg) and "ESCAPE" in str(pg)
    assert set(pg.params.values()) == {"%x\\%%"}  # stripped, % escaped, wrapped
    lite = stmt.compile(dialect=sqlite.dialect())
    assert str(lite).count("lower(a) LIKE lower(") == 1 and "ESCAPE" in str(lite)
