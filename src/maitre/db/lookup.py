"""Load one row by primary key or raise the API's 404."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.orm import Session

from maitre.errors import NotFound

T = TypeVar("T")


def get_or_404(session: Session, model: type[T], key: Any, label: str) -> T:
    """Return ``model``'s row with primary key ``key``; ``NotFound("<label> <key> not found.")``."""
    row = session.get(model, key)
    if row is None:
        raise NotFound(f"{label} {key} not found.")
    return row
