"""API shapes for conversations and messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from maitre.common.ids import RefId
from maitre.conversations.models import Channel, ConversationStatus, Sender
from maitre.conversations.text import clean_text

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


class ConversationStart(BaseModel):
    """Start a conversation: a trusted back end may name the customer, a widget passes a token."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    customer_id: RefId | None = Field(
        default=None, description="Staff and agent keys only: the customer, already identified."
    )
    customer_token: str | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description="A signed widget token (POST /widget/tokens) naming the logged-in customer.",
    )
    channel: Channel | None = Field(
        default=None, description="Defaults to 'widget' for widget keys, else 'web'."
    )
    language: str = Field(default="en", pattern=LANGUAGE_PATTERN)


class MessagePost(BaseModel):
    """A customer's (or a person's) chat message; control characters are stripped."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)

    @field_validator("text")
    @classmethod
    def _clean(cls, value: str) -> str:
        return clean_text(value)


class TurnReply(BaseModel):
    """The agent's answer to one message; ``text`` is null while a person has the conversation."""

    model_config = ConfigDict(extra="allow")

    text: str | None = None
    intent: str | None = None
    confidence: float | None = None
    entities: Any = None
    action: str | None = None
    sources: list[Any] = Field(default_factory=list)
    handoff: Any = None


class TurnResponse(BaseModel):
    reply: TurnReply
    state: dict[str, Any]


class ConversationTranscript(ConversationRead):
    """What staff see: the conversation, its dialogue state and the annotated transcript."""

    state: dict[str, Any]
    api_key_id: int | None
    messages: list[MessageRead]


class PublicMessage(BaseModel):
    """A message as the customer's widget sees it: no NLU annotations."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    sender: Sender
    text: str
    created_at: datetime


class PublicConversation(BaseModel):
    """A conversation as the customer's widget sees it: no summary, state or annotations."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: Channel
    language: str
    status: ConversationStatus
    started_at: datetime
    ended_at: datetime | None
    csat: int | None
    identified: bool
    messages: list[PublicMessage]


class CsatCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)


class HandoffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str | None = Field(default=None, max_length=200)


class AgentReplyCreate(MessagePost):
    """A person's reply in the inbox."""


class ResolveCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    outcome: str | None = Field(default=None, min_length=1, max_length=60)


class AssignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee_id: RefId | None = Field(description="The staff user; null to unassign.")


class WidgetTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: RefId
    ttl_seconds: int = Field(default=3600, ge=60, le=30 * 86_400)


class WidgetTokenRead(BaseModel):
    token: str
    customer_id: int
    expires_at: datetime
