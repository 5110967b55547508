"""Fast multi-row inserts for bulk paths (imports): ``COPY`` on PostgreSQL, prepared rows on SQLite.

The ORM costs tens of microseconds per row, which a million-row import cannot afford. These
helpers write plain rows in the session's own transaction, converting values exactly as the
column types would (SQLite) or in PostgreSQL's ``COPY`` text form, and hand back the new primary
keys in row order. Only domain services call them, for their own tables.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import datetime
from itertools import chain
from typing import Any

import psycopg
from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    FromClause,
    String,
    Table,
    TypeDecorator,
    any_,
    bindparam,
    cast,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

Processor = Callable[[Any], Any] | None
# Host parameters one SQLite statement may bind (32766 since SQLite 3.32, 999 before).
_SQLITE_MAX_PARAMS = 32_000 if sqlite3.sqlite_version_info >= (3, 32) else 999
_MISSING = object()
SQLITE_BULK_CACHE_KIB = 64 * 1024


_dumps = json.JSONEncoder(separators=(", ", ": ")).encode


def _json_text(value: Any) -> Any:
    if value is None:
        return None
    if not value and isinstance(value, list | dict):
        return "[]" if isinstance(value, list) else "{}"  # most tags and custom fields
    return _dumps(value)


def _copy_processor(table: Table, column: str, dialect: Dialect) -> Processor:
    """Return how a value of ``column`` becomes COPY input: JSON as text, decorators applied.

    Timestamps go as ISO text, which COPY parses just as it parses psycopg's own rendering:
    formatting a datetime is most of psycopg's per-row cost, and the memo does it once for
    the timestamp a whole batch shares.
    """
    col_type = table.c[column].type
    impl = col_type.dialect_impl(dialect)
    if isinstance(impl, JSON):
        return _json_text
    if isinstance(col_type, TypeDecorator):
        decorator = col_type
        if isinstance(impl, DateTime):

            def process_timestamp(value: Any) -> Any:
                return _iso(decorator.process_bind_param(value, dialect))

            return process_timestamp

        def process(value: Any) -> Any:
            return decorator.process_bind_param(value, dialect)

        return process
    if isinstance(impl, DateTime):
        return _iso
    return None


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _sqlite_json(value: Any) -> Any:
    return "null" if value is None else _json_text(value)


def _sqlite_processor(table: Table, column: str, dialect: Dialect) -> Processor:
    """Return the column type's bind processor, with a faster one for plain JSON columns.

    SQLAlchemy stores JSON on SQLite as ``json.dumps(value)`` (``None`` as ``null``); so does
    ``_sqlite_json``, without the per-value indirections and with no encoding for ``[]``/``{}``.
    """
    impl = table.c[column].type.dialect_impl(dialect)
    if isinstance(impl, JSON) and getattr(dialect, "_json_serializer", None) is None:
        return _sqlite_json
    return impl.bind_processor(dialect)


def _memo(process: Processor) -> Processor:
    """Reuse the last result when the same object comes again.

    A batch's shared timestamp, or the one ``data`` dict of a batch's timeline events. The
    memo holds the last object, so its identity cannot be reused while it is remembered.
    """
    if process is None:
        return process
    last: list[Any] = [_MISSING, None]

    def cached(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]

    return cached


def _check_columns(table: Table, names: Sequence[str]) -> None:
    unknown = [n for n in names if n not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no columns {unknown}")


def _driver_connection(session: Session) -> Any:
    session.flush()  # pending ORM changes must reach the database before the raw rows
    return session.connection().connection.driver_connection


def _sqlite_cursor(session: Session) -> Any:
    """Return a raw cursor whose connection caches enough pages for bulk index updates.

    SQLite's default page cache is 2 MB; a bulk insert into a table with a million rows
    touches index pages all over the file and, with that cache, re-reads them from the OS for
    almost every row. The larger cache stays with the pooled connection; like any page cache it
    only fills as pages are used.
    """
    conn = _driver_connection(session)
    cur = conn.cursor()
    size = cur.execute("PRAGMA cache_size").fetchone()[0]
    # Negative sizes are KiB, positive ones pages (of 4 KiB by default).
    if (-size if size < 0 else size * 4) < SQLITE_BULK_CACHE_KIB:
        cur.execute(f"PRAGMA cache_size = -{SQLITE_BULK_CACHE_KIB}")
    return cur


def insert_rows(
    session: Session,
    table: FromClause,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    return_ids: bool = False,
) -> list[int]:
    """Insert ``rows`` (value tuples in ``columns`` order) into ``table``; new ids when asked.

    The table's primary key must be an integer column named ``id``; the ids come back in row
    order.
    """
    if not rows:
        return []
    if not isinstance(table, Table):
        raise TypeError(f"bulk inserts need a Table, not {type(table).__name__}")
    _check_columns(table, columns)
    if session.get_bind().dialect.name == "postgresql":
        return _copy_rows(session, table, columns, rows, return_ids=return_ids)
    return _sqlite_rows(session, table, columns, rows, return_ids=return_ids)


def _convert(rows: Sequence[Sequence[Any]], procs: list[Processor]) -> Iterator[Sequence[Any]]:
    """Apply the column processors; only the columns that have one are touched."""
    todo = [(i, p) for i, p in enumerate(procs) if p is not None]
    if not todo:
        yield from rows
        return
    for row in rows:
        values = list(row)
        for i, process in todo:
            values[i] = process(values[i])
        yield values


def _copy_rows(
    session: Session,
    table: Table,
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    return_ids: bool,
) -> list[int]:
    dialect = session.get_bind().dialect
    conn = _driver_connection(session)
    ids: list[int] = []
    with conn.cursor() as cur:
        if return_ids:
            ids = _reserve_ids(cur, table.name, len(rows))
        procs = [_memo(_copy_processor(table, n, dialect)) for n in names]
        quoted = ", ".join(f'"{c}"' for c in (["id"] if return_ids else []) + list(names))
        with cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            write = copy.write_row
            if return_ids:
                for new_id, values in zip(ids, _convert(rows, procs), strict=True):
                    write((new_id, *values))
            else:
                for values in _convert(rows, procs):
                    write(values)
    return ids


def _reserve_ids(cur: Any, table: str, count: int) -> list[int]:
    """Take ``count`` ids from the table's own sequence, so later ORM inserts never collide.

    The sequence is looked up once (an init plan), not per row: ``pg_get_serial_sequence``
    costs the server more than ``nextval`` itself. Without concurrent inserts the ids are one
    run, sent back as its two ends; otherwise as an array.
    """
    cur.execute(
        "SELECT min(v), max(v), CASE WHEN max(v) - min(v) + 1 <> count(*) THEN array_agg(v) END "
        "FROM (SELECT nextval((SELECT pg_get_serial_sequence(%s, 'id'))::regclass) AS v "
        "FROM generate_series(1, %s)) AS s",
        (table, count),
    )
    low, high, scattered = cur.fetchone()
    return [int(v) for v in scattered] if scattered is not None else list(range(low, high + 1))


def _sqlite_rows(
    session: Session,
    table: Table,
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    return_ids: bool,
) -> list[int]:
    dialect = session.get_bind().dialect
    procs = [_memo(_sqlite_processor(table, n, dialect)) for n in names]
    quoted = ", ".join(f'"{n}"' for n in names)
    sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(names))})'
    cur = _sqlite_cursor(session)
    try:
        if not return_ids:
            cur.executemany(sql, _convert(rows, procs))
            return []
        # SQLite gives each new row max(rowid) + 1, and the transaction holds the write lock,
        # so one executemany yields consecutive ids; the check below proves it did.
        before = cur.execute(f'SELECT coalesce(max(id), 0) FROM "{table.name}"').fetchone()[0]
        cur.executemany(sql, _convert(rows, procs))
        last = cur.execute("SELECT last_insert_rowid()").fetchone()[0]
        if last != before + len(rows):
            raise RuntimeError(f"{table.name}: new ids are not consecutive; cannot map them")
        return list(range(before + 1, last + 1))
    finally:
        cur.close()


def insert_new(
    session: Session,
    table: FromClause,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    keys: Sequence[str],
) -> list[int | None]:
    """Insert the rows that collide with no existing unique value; skip the others.

    Returns, per row, the new id or ``None`` where a unique constraint already held the value.
    ``keys`` are the unique columns used to tell the new ids apart: every row needs a value in
    at least one of them, and no two rows may share one.
    """
    if not rows:
        return []
    if not isinstance(table, Table):
        raise TypeError(f"bulk inserts need a Table, not {type(table).__name__}")
    _check_columns(table, [*columns, *keys])
    if session.get_bind().dialect.name == "postgresql":
        return _insert_new_pg(session, table, columns, rows, keys)
    return _insert_new_sqlite(session, table, columns, rows, keys)


def _insert_new_pg(
    session: Session,
    table: Table,
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    keys: Sequence[str],
) -> list[int | None]:
    dialect = session.get_bind().dialect
    conn = _driver_connection(session)
    # Usually every row is new (a first import): COPY straight into the table, with ids taken
    # from its sequence, costs the server half of a staged insert. If a key is taken, the
    # savepoint undoes it (the sequence keeps a gap) and the staged path skips the taken rows.
    with conn.cursor() as cur:
        cur.execute("SAVEPOINT maitre_bulk_copy")
        try:
            ids = _copy_rows(session, table, names, rows, return_ids=True)
            cur.execute("RELEASE SAVEPOINT maitre_bulk_copy")
            return list(ids)
        except psycopg.errors.UniqueViolation:
            cur.execute("ROLLBACK TO SAVEPOINT maitre_bulk_copy")
    # Some key is taken: COPY into a temporary table (no indexes, no WAL), then one INSERT … ON
    # CONFLICT DO NOTHING from it; the unique indexes do the existence check a lookup would repeat.
    quoted = ", ".join(f'"{c}"' for c in names)
    stage = f"_bulk_{table.name}_{zlib.crc32(quoted.encode()):08x}"
    with conn.cursor() as cur:
        cur.execute(
            f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" ON COMMIT DELETE ROWS '
            f'AS SELECT {quoted} FROM "{table.name}" WITH NO DATA'
        )
        procs = [_memo(_copy_processor(table, n, dialect)) for n in names]
        with cur.copy(f'COPY "{stage}" ({quoted}) FROM STDIN') as copy:
            write = copy.write_row
            for values in _convert(rows, procs):
                write(values)
        key_list = ", ".join(f'"{k}"' for k in keys)
        cur.execute(
            f'INSERT INTO "{table.name}" ({quoted}) SELECT {quoted} FROM "{stage}" '
            f"ON CONFLICT DO NOTHING RETURNING id, {key_list}"
        )
        returned = cur.fetchall()
        # Empty it now, not only at commit: an all-or-nothing import reuses it in one transaction.
        cur.execute(f'TRUNCATE "{stage}"')
    return _map_ids(rows, [names.index(k) for k in keys], returned)


def _insert_new_sqlite(
    session: Session,
    table: Table,
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    keys: Sequence[str],
) -> list[int | None]:
    dialect = session.get_bind().dialect
    procs = [_memo(_sqlite_processor(table, n, dialect)) for n in names]
    quoted = ", ".join(f'"{n}"' for n in names)
    key_list = ", ".join(f'"{k}"' for k in keys)
    one = "(" + ", ".join("?" * len(names)) + ")"
    per = max(1, _SQLITE_MAX_PARAMS // len(names))
    values = list(_convert(rows, procs))
    returned: list[Sequence[Any]] = []
    cur = _sqlite_cursor(session)
    try:
        # Many rows per statement: one prepared INSERT … RETURNING per chunk, reused.
        for start in range(0, len(values), per):
            chunk = values[start : start + per]
            sql = (
                f'INSERT INTO "{table.name}" ({quoted}) VALUES {", ".join([one] * len(chunk))} '
                f"ON CONFLICT DO NOTHING RETURNING id, {key_list}"
            )
            returned.extend(cur.execute(sql, list(chain.from_iterable(chunk))).fetchall())
    finally:
        cur.close()
    return _map_ids(rows, [names.index(k) for k in keys], returned)


def _map_ids(
    rows: Sequence[Sequence[Any]], positions: list[int], returned: Sequence[Sequence[Any]]
) -> list[int | None]:
    """Give each input row the id returned for its first non-null key (``None``: not inserted)."""
    created = {
        (i, value): int(found[0])
        for found in returned
        for i, value in enumerate(found[1:])
        if value is not None
    }
    ids: list[int | None] = []
    for row in rows:
        new_id = None
        for i, pos in enumerate(positions):
            if row[pos] is not None:
                new_id = created.get((i, row[pos]))
                break
        ids.append(new_id)
    return ids


def in_values(session: Session, column: ColumnElement[Any], values: Collection[Any]) -> Any:
    """Return ``column IN values`` with the values sent as one JSON parameter.

    A plain ``in_()`` binds one parameter per value, and compiling or adapting thousands of
    them per batch costs more than the lookup itself.
    """
    param = bindparam(None, json.dumps(list(values)), type_=String)
    if session.get_bind().dialect.name == "postgresql":
        # ``= ANY(ARRAY(SELECT …))`` is an init plan the index scan can use; ``IN (SELECT …)``
        # inside an OR would scan the whole table for every batch.
        each = func.jsonb_array_elements_text(cast(param, JSONB)).table_valued("value")
        return column == any_(func.array(select(each.c.value).scalar_subquery()))
    each = func.json_each(param).table_valued("value")
    return column.in_(select(each.c.value))
