"""API shapes for conversations and messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from maitre.common.ids import RefId
from maitre.conversations.models import Channel, ConversationStatus, Sender

LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"
MAX_MESSAGE_CHARS = 4000
# Primary keys are 32-bit integers on PostgreSQL; larger ids would be a database error.


class ConversationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    customer_id: RefId | None = None
    channel: Channel = Channel.WEB
    language: str = Field(default="en", pattern=LANGUAGE_PATTERN)
    assignee_id: RefId | None = None


class ConversationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    customer_id: RefId | None = None
    language: str | None = Field(default=None, pattern=LANGUAGE_PATTERN)
    assignee_id: RefId | None = None
    outcome: str | None = Field(default=None, max_length=60)
    csat: int | None = Field(default=None, ge=1, le=5)
    summary: dict[str, Any] | None = None

    @field_validator("language", "summary", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null; omit the field to leave it unchanged")
        return value


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    conversation_id: int
    sender: Sender
    text: str
    created_at: datetime
    data: dict[str, Any]


class ConversationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int | None
    channel: Channel
    language: str
    status: ConversationStatus
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None
    csat: int | None
    assignee_id: int | None
    summary: dict[str, Any]


class ConversationDetail(ConversationRead):
    """A conversation with its transcript, oldest message first."""

    messages: list[MessageRead]


class ConversationPage(BaseModel):
    items: list[ConversationRead]
    total: int
    limit: int
    offset: int | None = None
    next_cursor: str | None = None
