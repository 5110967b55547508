"""Helpers for the conversation API tests: a stand-in agent engine, counters, starters."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from maitre.agent.dialogue.state import DialogueState
from maitre.config import Settings
from maitre.conversations import service as conversations
from maitre.conversations.api import ENGINE_MODULE
from maitre.conversations.models import CLOSED_STATUSES, ConversationStatus, Message, Sender
from maitre.errors import Conflict

CONVERSATIONS = "/api/v1/conversations"


@dataclass
class FakeTurn:
    reply: dict[str, Any]
    state: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"reply": self.reply, "state": self.state}


def fake_respond(
    *,
    session: Session,
    settings: Settings,
    conversation_id: int,
    text: str,
    now: datetime | None = None,
) -> FakeTurn:
    """Behave like the engine's contract: store both messages, update state, flush."""
    conversation = conversations.get(session=session, conversation_id=conversation_id)
    if conversation.status in CLOSED_STATUSES:
        raise Conflict(f"Conversation {conversation_id} is {conversation.status}.")
    if conversation.status == ConversationStatus.HANDED_OFF:
        conversations.add_message(
            session=session,
            conversation_id=conversation_id,
            sender=Sender.CUSTOMER,
            text=text,
            data={"action": "waiting_for_human"},
        )
        waiting = {"text": None, "action": "waiting_for_human", "handoff": True}
        return FakeTurn(reply=waiting, state=conversation.state)
    nlu = {"intent": "greet", "confidence": 0.9, "entities": []}
    conversations.add_message(
        session=session,
        conversation_id=conversation_id,
        sender=Sender.CUSTOMER,
        text=text,
        data=nlu,
    )
    reply = {
        "text": f"echo: {text}",
        "intent": "greet",
        "confidence": 0.9,
        "entities": [],
        "action": "utter_greet",
        "sources": [],
        "handoff": None,
    }
    conversations.add_message(
        session=session,
        conversation_id=conversation_id,
        sender=Sender.BOT,
        text=reply["text"],
        data={"action": "utter_greet"},
    )
    state = DialogueState.from_dict(conversation.state)
    state.turns += 1
    state.record(intent="greet", action="utter_greet")
    conversation.state = state.to_dict()
    session.flush()
    return FakeTurn(reply=reply, state=conversation.state)


def install_fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Put the stand-in engine where the API imports the real one from."""
    module = types.ModuleType(ENGINE_MODULE)
    module.respond = fake_respond  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, ENGINE_MODULE, module)


def message_count(factory: sessionmaker[Session], conversation_id: int | None = None) -> int:
    """Count stored messages (of one conversation, or all)."""
    with factory() as s:
        stmt = select(func.count(Message.id))
        if conversation_id is not None:
            stmt = stmt.where(Message.conversation_id == conversation_id)
        return int(s.scalar(stmt) or 0)


def start(client: TestClient, **body: Any) -> dict[str, Any]:
    """Start a conversation and return its JSON."""
    r = client.post(CONVERSATIONS, json=body)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


def say(client: TestClient, conversation_id: int, text: str) -> Any:
    """Post one customer message."""
    return client.post(f"{CONVERSATIONS}/{conversation_id}/messages", json={"text": text})
