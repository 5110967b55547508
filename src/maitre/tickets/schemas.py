"""API shapes for tickets."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from maitre.common.ids import RefId
from maitre.conversations.models import Channel
from maitre.tickets.models import TicketPriority, TicketStatus

# Primary keys are 32-bit integers on PostgreSQL; larger ids would be a database error, not a 404.


def clean_tags(tags: list[str] | None) -> list[str] | None:
    """Strip tags, drop empty ones and duplicates, keep the order given."""
    if tags is None:
        return None
    seen: list[str] = []
    for tag in tags:
        tag = tag.strip()
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def reject_null(value: object) -> object:
    """Refuse an explicit null for a field that cannot be empty (omit the field instead)."""
    if value is None:
        raise ValueError("may not be null; omit the field to leave it unchanged")
    return value


class TicketCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    customer_id: RefId
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(default="", max_length=20_000)
    status: TicketStatus = TicketStatus.OPEN
    priority: TicketPriority = TicketPriority.NORMAL
    channel: Channel = Channel.WEB
    tags: list[str] = Field(default_factory=list, max_length=50)
    assignee_id: RefId | None = None
    conversation_id: RefId | None = None
    order_id: RefId | None = None

    _tags = field_validator("tags")(clean_tags)


class TicketUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    subject: str | None = Field(default=None, min_length=1, max_length=300)
    body: str | None = Field(default=None, max_length=20_000)
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    channel: Channel | None = None
    tags: list[str] | None = Field(default=None, max_length=50)
    assignee_id: RefId | None = None
    conversation_id: RefId | None = None
    order_id: RefId | None = None

    _tags = field_validator("tags")(clean_tags)
    _not_null = field_validator(
        "subject", "body", "status", "priority", "channel", "tags", mode="before"
    )(reject_null)


class TicketRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    subject: str
    body: str
    status: TicketStatus
    priority: TicketPriority
    channel: Channel
    tags: list[str]
    assignee_id: int | None
    conversation_id: int | None
    order_id: int | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None


class TicketPage(BaseModel):
    items: list[TicketRead]
    total: int
    limit: int
    offset: int | None = None
    next_cursor: str | None = None
