"""Optional trigram indexes that serve the customer search on PostgreSQL.

``GET /customers?q=`` matches name, email, company and phone by substring (``ILIKE '%q%'``),
which no b-tree can serve: PostgreSQL reads every row (1.4–3.2 s for a page and its total at a
million customers, ``benchmarks/search_bench.py``). pg_trgm's GIN indexes bring that to 4–360 ms
(the slowest: a term thousands of customers match), but every inserted row then updates them,
so bulk imports run about 1.5x slower; hence they are built on request
(``maitre db search-index``), for databases that are searched more than they are bulk-loaded.
They are built ``CONCURRENTLY``: the table stays writable meanwhile.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

from maitre.customers.service import SEARCH_COLUMNS
from maitre.errors import ValidationFailed

TABLE = "customers"


def index_name(column: str) -> str:
    return f"ix_{TABLE}_{column}_trgm"


#: the indexes ``create`` builds (``maitre.db.migrations.env`` leaves them out of autogenerate)
INDEX_NAMES = frozenset(index_name(c) for c in SEARCH_COLUMNS)


def _require_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        raise ValidationFailed(
            "Trigram search indexes are PostgreSQL's (pg_trgm); SQLite searches by scanning."
        )


def _existing(conn: Connection, *, valid_only: bool) -> set[str]:
    """Names of the customers table's indexes (only those usable by queries if ``valid_only``)."""
    rows = conn.execute(
        text(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = :t"
            + (" AND i.indisvalid" if valid_only else "")
        ),
        {"t": TABLE},
    )
    return set(rows.scalars())


def status(engine: Engine) -> dict[str, bool]:
    """Which search columns have a usable trigram index (all False on SQLite)."""
    if engine.dialect.name != "postgresql":
        return dict.fromkeys(SEARCH_COLUMNS, False)
    with engine.connect() as conn:
        present = _existing(conn, valid_only=True)
    return {column: index_name(column) in present for column in SEARCH_COLUMNS}


def create(engine: Engine) -> list[str]:
    """Create the extension and the missing indexes; return the names of those created."""
    _require_postgresql(engine)
    have = status(engine)
    created: list[str] = []
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction block.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        for column in SEARCH_COLUMNS:
            if have[column]:
                continue
            name = index_name(column)
            # A build interrupted earlier leaves an invalid index of that name (``status``
            # does not count it): replace it.
            conn.execute(text(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"'))
            conn.execute(
                text(
                    f'CREATE INDEX CONCURRENTLY "{name}" ON "{TABLE}" '
                    f'USING gin ("{column}" gin_trgm_ops)'
                )
            )
            created.append(name)
    return created


def drop(engine: Engine) -> list[str]:
    """Drop the indexes there (half-built ones too); return their names (the extension stays)."""
    _require_postgresql(engine)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        there = _existing(conn, valid_only=False)
        dropped = [index_name(c) for c in SEARCH_COLUMNS if index_name(c) in there]
        for name in dropped:
            conn.execute(text(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"'))
    return dropped
