"""Factories for conversations and messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from maitre.conversations import service as conversations
from maitre.conversations.models import Conversation
from maitre.conversations.schemas import ConversationCreate


def make_conversation(session: Session, **overrides: Any) -> Conversation:
    """Start and flush a conversation through the service."""
    data: dict[str, Any] = {"channel": "web", "language": "en"}
    data.update(overrides)
    return conversations.create(session=session, data=ConversationCreate(**data))
