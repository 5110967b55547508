"""Sorting and pagination for list endpoints: offset or opaque keyset cursors.

A cursor encodes the sort value and id of the last row served, so the next page starts right
after it even when rows are inserted meanwhile (keyset pagination). Sorting on a nullable column
falls back to an offset inside the cursor, since NULLs have no place in a keyset comparison.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from maitre.errors import FieldError, ValidationFailed

T = TypeVar("T")
S = TypeVar("S")


@dataclass(frozen=True)
class PageParams:
    """What a caller asked for: page size, where to start, and the sort key (``-`` = descending)."""

    limit: int = 50
    offset: int | None = None
    cursor: str | None = None
    sort: str | None = None


@dataclass
class Page(Generic[T]):
    """One page of results."""

    items: list[T]
    total: int
    limit: int
    offset: int | None
    next_cursor: str | None

    def serve(self, schema: Callable[..., S], read: Callable[[T], Any]) -> S:
        """The API's page ``schema`` of this page, each item converted by ``read``."""
        return schema(
            items=[read(item) for item in self.items],
            total=self.total,
            limit=self.limit,
            offset=self.offset,
            next_cursor=self.next_cursor,
        )


def _encode(payload: Any) -> str:
    raw = json.dumps(payload, separators=(",", ":"), default=_json_default).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> Any:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValidationFailed(
            "The cursor is not valid; use the next_cursor of a previous page.",
            errors=[FieldError(loc=["query", "cursor"], msg="invalid cursor")],
        ) from None


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    raise TypeError(f"cannot encode {type(value)!r} in a cursor")


def _restore(value: Any) -> Any:
    if isinstance(value, dict) and "dt" in value:
        return datetime.fromisoformat(value["dt"])
    if isinstance(value, dict) and "dec" in value:
        return Decimal(value["dec"])
    return value


def parse_sort(
    sort: str | None, sortable: dict[str, InstrumentedAttribute[Any]], default: str
) -> tuple[str, InstrumentedAttribute[Any], bool]:
    """Resolve ``sort`` (``name`` or ``-name``) against the allowed columns."""
    key = sort or default
    descending = key.startswith("-")
    name = key.lstrip("-+")
    if name not in sortable:
        raise ValidationFailed(
            f"Cannot sort by {name!r}; choose one of: {', '.join(sorted(sortable))}.",
            errors=[FieldError(loc=["query", "sort"], msg=f"unknown sort key {name!r}")],
        )
    return name, sortable[name], descending


def where_equal(stmt: Select[T], *pairs: tuple[InstrumentedAttribute[Any], Any]) -> Select[T]:
    """Add ``column == value`` to ``stmt`` for each pair whose value is given (not ``None``)."""
    for column, value in pairs:
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def paginate(
    session: Session,
    stmt: Select[T],
    *,
    id_column: InstrumentedAttribute[Any],
    params: PageParams,
    sortable: dict[str, InstrumentedAttribute[Any]],
    default_sort: str = "-id",
) -> Page[T]:
    """Apply sort, cursor/offset and limit to ``stmt`` and return a page with its total."""
    name, column, descending = parse_sort(params.sort, sortable, default_sort)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    nullable = (
        bool(getattr(column.property.columns[0], "nullable", True)) and column is not id_column
    )
    order = [column.desc(), id_column.desc()] if descending else [column.asc(), id_column.asc()]
    if column is id_column:
        order = order[:1]
    stmt = stmt.order_by(*order)

    offset = params.offset or 0
    if params.cursor:
        state = _decode(params.cursor)
        if not isinstance(state, dict) or state.get("s") != (("-" if descending else "") + name):
            raise ValidationFailed(
                "The cursor belongs to a different sort order.",
                errors=[FieldError(loc=["query", "cursor"], msg="cursor does not match sort")],
            )
        if "o" in state:
            offset = int(state["o"])
        else:
            last_value, last_id = _restore(state["v"]), state["id"]
            if column is id_column:
                cond = id_column < last_id if descending else id_column > last_id
            elif descending:
                cond = or_(column < last_value, and_(column == last_value, id_column < last_id))
            else:
                cond = or_(column > last_value, and_(column == last_value, id_column > last_id))
            stmt = stmt.where(cond)
            offset = 0
    rows = list(session.scalars(stmt.offset(offset).limit(params.limit + 1)))
    items = rows[: params.limit]
    next_cursor = None
    if len(rows) > params.limit and items:
        sort_key = ("-" if descending else "") + name
        if nullable:
            next_cursor = _encode({"s": sort_key, "o": offset + params.limit})
        else:
            last = items[-1]
            next_cursor = _encode(
                {
                    "s": sort_key,
                    "v": getattr(last, column.key),
                    "id": getattr(last, id_column.key),
                }
            )
    return Page(
        items=items,
        total=int(total),
        limit=params.limit,
        offset=params.offset,
        next_cursor=next_cursor,
    )
