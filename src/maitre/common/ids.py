"""Bounds for object ids: primary keys are 32-bit INTEGER on PostgreSQL, so larger ids are bad
input (422), never a database error."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

MAX_ID = 2**31 - 1

RefId = Annotated[int, Field(ge=1, le=MAX_ID)]
"""A reference to another object in a request body."""

IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Object id.")]
"""An object id in the URL path."""

IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
"""An optional id filter in the query string."""
