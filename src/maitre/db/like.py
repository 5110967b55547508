"""Substring search over text columns, with the user's ``%`` and ``_`` taken literally."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_

ESCAPE = "\\"


def escape(text: str) -> str:
    """``text`` with LIKE's wildcards and the escape character escaped."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def matches(*columns: Any, text: str) -> ColumnElement[bool]:
    """Any of ``columns`` contains ``text`` (stripped), ignoring case."""
    pattern = f"%{escape(text.strip())}%"
    return or_(*(column.ilike(pattern, escape=ESCAPE) for column in columns))


def equals_ignoring_case(column: Any, text: str) -> ColumnElement[bool]:
    """``column`` equals ``text`` (stripped), ignoring case (``ILIKE`` without wildcards)."""
    condition: ColumnElement[bool] = column.ilike(escape(text.strip()), escape=ESCAPE)
    return condition
