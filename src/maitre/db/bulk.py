"""Fast multi-row inserts for bulk paths (imports): ``COPY`` on PostgreSQL, prepared rows on SQLite.

The ORM costs tens of microseconds per row, which a million-row import cannot afford. These
helpers write plain rows in the session's own transaction, converting values exactly as the
column types would (SQLite) or in PostgreSQL's ``COPY`` text form, and hand back the new primary
keys in row order. Only domain services call them, for their own tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    FromClause,
    String,
    Table,
    TypeDecorator,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

Processor = Callable[[Any], Any] | None
_MISSING = object()


def _json_text(value: Any) -> Any:
    return None if value is None else json.dumps(value)


def _copy_processor(table: Table, column: str, dialect: Dialect) -> Processor:
    """Return how a value of ``column`` becomes COPY input: JSON as text, decorators applied."""
    col_type = table.c[column].type
    if isinstance(col_type.dialect_impl(dialect), JSON):
        return _json_text
    if isinstance(col_type, TypeDecorator):
        decorator = col_type

        def process(value: Any) -> Any:
            return decorator.process_bind_param(value, dialect)

        return process
    return None


def _memo(process: Processor) -> Processor:
    """Reuse the last result when the same object comes again (a batch's shared timestamp)."""
    if process is None:
        return None
    last: list[Any] = [_MISSING, None]

    def cached(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]

    return cached


def _columns(table: Table, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    names = list(rows[0])
    unknown = [n for n in names if n not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no columns {unknown}")
    return names


def _driver_connection(session: Session) -> Any:
    session.flush()  # pending ORM changes must reach the database before the raw rows
    return session.connection().connection.driver_connection


def insert_rows(
    session: Session,
    table: FromClause,
    rows: Sequence[Mapping[str, Any]],
    *,
    return_ids: bool = False,
) -> list[int]:
    """Insert ``rows`` (all with the same keys) into ``table``; return new ids when asked.

    The table's primary key must be an integer column named ``id``.
    """
    if not rows:
        return []
    if not isinstance(table, Table):
        raise TypeError(f"bulk inserts need a Table, not {type(table).__name__}")
    names = _columns(table, rows)
    if session.get_bind().dialect.name == "postgresql":
        return _copy_rows(session, table, names, rows, return_ids=return_ids)
    return _sqlite_rows(session, table, names, rows, return_ids=return_ids)


def _copy_rows(
    session: Session,
    table: Table,
    names: list[str],
    rows: Sequence[Mapping[str, Any]],
    *,
    return_ids: bool,
) -> list[int]:
    dialect = session.get_bind().dialect
    conn = _driver_connection(session)
    ids: list[int] = []
    with conn.cursor() as cur:
        if return_ids:
            # Take the ids from the table's own sequence, so later ORM inserts never collide.
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                (table.name, len(rows)),
            )
            ids = [int(r[0]) for r in cur.fetchall()]
        procs = [_memo(_copy_processor(table, n, dialect)) for n in names]
        columns = (["id"] if return_ids else []) + names
        quoted = ", ".join(f'"{c}"' for c in columns)
        with cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for i, row in enumerate(rows):
                values = [p(row[n]) if p else row[n] for n, p in zip(names, procs, strict=True)]
                copy.write_row([ids[i], *values] if return_ids else values)
    return ids


def _sqlite_rows(
    session: Session,
    table: Table,
    names: list[str],
    rows: Sequence[Mapping[str, Any]],
    *,
    return_ids: bool,
) -> list[int]:
    dialect = session.get_bind().dialect
    procs: list[Processor] = [
        _memo(table.c[n].type.dialect_impl(dialect).bind_processor(dialect)) for n in names
    ]
    params = [
        tuple(p(row[n]) if p else row[n] for n, p in zip(names, procs, strict=True)) for row in rows
    ]
    quoted = ", ".join(f'"{n}"' for n in names)
    sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(names))})'
    cur = _driver_connection(session).cursor()
    try:
        if not return_ids:
            cur.executemany(sql, params)
            return []
        ids: list[int] = []
        for p in params:
            cur.execute(sql, p)
            ids.append(int(cur.lastrowid))
        return ids
    finally:
        cur.close()


def in_values(session: Session, column: ColumnElement[Any], values: Collection[Any]) -> Any:
    """Return ``column IN values`` as one bound parameter, however many values there are.

    A plain ``in_()`` binds one parameter per value, and compiling thousands of them per batch
    costs more than the lookup itself: PostgreSQL gets ``= ANY(array)``, SQLite ``json_each``.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    each = func.json_each(bindparam(None, json.dumps(list(values)), type_=String)).table_valued(
        "value"
    )
    return column.in_(select(each.c.value))
