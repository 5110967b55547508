"""Which customers a per-customer aggregate covers: an id range, a short list of ids, or all.

Batch analytics read the CRM one chunk of customers at a time (keyset pagination by id, so
memory is bounded by the chunk, not the customer count). The domain services that return one
row per customer take an optional ``IdSpan`` and add its condition to their query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, true
from sqlalchemy.orm import QueryableAttribute


@dataclass(frozen=True)
class IdSpan:
    """Ids in ``(after, upto]`` (an open end when None), and among ``ids`` when given."""

    after: int | None = None
    upto: int | None = None
    ids: tuple[int, ...] | None = None

    @classmethod
    def of(cls, ids: Sequence[int]) -> IdSpan:
        """The span of exactly these ids."""
        return cls(ids=tuple(int(i) for i in ids))

    def condition(
        self, column: ColumnElement[Any] | QueryableAttribute[Any]
    ) -> ColumnElement[bool]:
        """Return the SQL condition that ``column`` (a customer id) lies in the span."""
        parts: list[ColumnElement[bool]] = []
        if self.after is not None:
            parts.append(column > self.after)
        if self.upto is not None:
            parts.append(column <= self.upto)
        if self.ids is not None:
            parts.append(column.in_(self.ids))
        return and_(true(), *parts)
