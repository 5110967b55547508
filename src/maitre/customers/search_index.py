"""Optional trigram indexes that serve the customer search on PostgreSQL.

``GET /customers?q=`` matches name, email, company and phone by substring (``ILIKE '%q%'``),
which no b-tree can serve: PostgreSQL reads every row (about 1.5 s at a million customers).
pg_trgm's GIN indexes answer the same search in milliseconds, but each inserted row then costs
about 60 µs more, which halves bulk-import speed; so they are built on request
(``maitre db search-index``), for databases that are searched more than they are bulk-loaded.
They are built ``CONCURRENTLY``: the table stays writable meanwhile.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from maitre.customers.service import SEARCH_COLUMNS
from maitre.errors import ValidationFailed

TABLE = "customers"


def index_name(column: str) -> str:
    return f"ix_{TABLE}_{column}_trgm"


def _require_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        raise ValidationFailed(
            "Trigram search indexes are PostgreSQL's (pg_trgm); SQLite searches by scanning."
        )


def status(engine: Engine) -> dict[str, bool]:
    """Which search columns have their trigram index (all False on SQLite)."""
    if engine.dialect.name != "postgresql":
        return dict.fromkeys(SEARCH_COLUMNS, False)
    with engine.connect() as conn:
        present = set(
            conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE tablename = :t"), {"t": TABLE}
            ).scalars()
        )
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
            # A build interrupted earlier leaves an invalid index of that name: replace it.
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
    """Drop the indexes that exist; return their names (the extension stays)."""
    _require_postgresql(engine)
    dropped: list[str] = []
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for column, present in status(engine).items():
            if present:
                conn.execute(text(f'DROP INDEX CONCURRENTLY IF EXISTS "{index_name(column)}"'))
                dropped.append(index_name(column))
    return dropped
