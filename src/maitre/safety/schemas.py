"""API shapes for content flags."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from maitre.safety.models import FlagStatus


class FlagRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subject_type: str
    subject_id: int
    customer_id: int | None
    kind: str
    reasons: list[str]
    score: float
    excerpt: str
    status: FlagStatus
    created_at: datetime
    reviewed_at: datetime | None
    reviewed_by: str | None


class FlagPage(BaseModel):
    items: list[FlagRead]
    total: int
    limit: int
    offset: int | None = None
    next_cursor: str | None = None


class FlagReview(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["dismissed", "confirmed"]
