"""API shapes for the timeline and the customer 360 view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from maitre.customers.schemas import CustomerRead


class TimelineEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    subject_type: str
    subject_id: int | None
    summary: str
    data: dict[str, Any]
    actor: str
    occurred_at: datetime


class Customer360(BaseModel):
    """Everything known about one customer, newest first in every list."""

    customer: CustomerRead
    orders: list[dict[str, Any]]
    tickets: list[dict[str, Any]]
    conversations: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    events: list[TimelineEventRead]
