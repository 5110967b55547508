"""Tables for conversations and their messages."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from maitre.db.base import Base, utcnow


class Channel(StrEnum):
    """Where a conversation (or a ticket) came in."""

    WEB = "web"
    WIDGET = "widget"
    CHAT = "chat"
    EMAIL = "email"
    PHONE = "phone"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    WECHAT = "wechat"
    SOCIAL = "social"
    API = "api"
    OTHER = "other"


class ConversationStatus(StrEnum):
    BOT = "bot"
    HANDED_OFF = "handed_off"
    RESOLVED = "resolved"
    ABANDONED = "abandoned"


CLOSED_STATUSES = frozenset({ConversationStatus.RESOLVED, ConversationStatus.ABANDONED})


class Sender(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[Channel] = mapped_column(String(20), default=Channel.WEB)
    language: Mapped[str] = mapped_column(String(10), default="en")
    status: Mapped[ConversationStatus] = mapped_column(
        String(20), default=ConversationStatus.BOT, index=True
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(60))
    csat: Mapped[int | None]
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The handoff summary (reason, intent, slots, what was tried) once a person is needed.
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The dialogue state the agent tracks between turns (see maitre.agent.dialogue.state).
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The API key that started the conversation: a widget key may only use its own conversations.
    api_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL"), index=True
    )

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation",
        order_by="Message.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_at", "conversation_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    sender: Mapped[Sender] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # NLU annotations and agent actions for this turn: intent, confidence, entities, action ...
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
