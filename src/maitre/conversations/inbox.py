"""The human side of a conversation: handoff, replies, hand back, resolve, assign, CSAT, idle.

Status transitions allowed here (anything else is a ``Conflict``)::

    bot ──handoff / agent reply──▶ handed_off ──hand back──▶ bot
    bot, handed_off ──resolve──▶ resolved        bot ──idle──▶ abandoned
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from maitre.agent.dialogue.handoff import build_summary
from maitre.agent.dialogue.state import DialogueState
from maitre.conversations import service
from maitre.conversations.models import (
    CLOSED_STATUSES,
    Conversation,
    ConversationStatus,
    Message,
    Sender,
)
from maitre.conversations.schemas import ConversationCreate, ConversationUpdate
from maitre.db.base import utcnow
from maitre.errors import Conflict
from maitre.events import emit

OPEN = (ConversationStatus.BOT, ConversationStatus.HANDED_OFF)
_NOTICES = {
    "en": {
        "handoff": "I'm passing you to a member of our team; they can see our conversation so "
        "far, so you won't need to repeat yourself.",
        "wait": " Expected wait: about {minutes} min.",
        "handback": "You're back with the virtual assistant. How else can I help?",
    },
    "zh": {
        "handoff": "我正在为您转接人工客服，客服可以看到我们之前的对话，您无需重复说明。",
        "wait": "预计等待约 {minutes} 分钟。",
        "handback": "您已回到智能助手。还有什么可以帮您？",
    },
}


def _texts(language: str | None) -> dict[str, str]:
    return _NOTICES["zh"] if (language or "").lower().startswith("zh") else _NOTICES["en"]


def _language(conversation: Conversation) -> str:
    return str((conversation.state or {}).get("language") or conversation.language or "en")


def _open(session: Session, conversation_id: int) -> Conversation:
    conversation = service.get(session=session, conversation_id=conversation_id)
    if conversation.status in CLOSED_STATUSES:
        raise Conflict(f"Conversation {conversation_id} is {conversation.status}.")
    return conversation


def start(
    *,
    session: Session,
    data: ConversationCreate,
    api_key_id: int | None,
    actor: str,
) -> Conversation:
    """Start a conversation; a named customer counts as verified (a trusted caller said so)."""
    state = DialogueState(language=data.language, verified=data.customer_id is not None)
    return service.create(
        session=session, data=data, actor=actor, api_key_id=api_key_id, state=state.to_dict()
    )


def expected_wait_minutes(*, session: Session, minutes_per_conversation: int) -> int | None:
    """Estimate the wait for a person from the conversations already waiting; None if unknown."""
    if minutes_per_conversation <= 0:
        return None
    waiting = session.scalar(
        select(func.count(Conversation.id)).where(
            Conversation.status == ConversationStatus.HANDED_OFF
        )
    )
    return max(1, math.ceil((waiting or 0) * minutes_per_conversation))


def handoff_notice(*, language: str | None, wait_minutes: int | None) -> str:
    """Return the message the customer sees on handoff, in their language."""
    texts = _texts(language)
    wait = texts["wait"].format(minutes=wait_minutes) if wait_minutes else ""
    return texts["handoff"] + wait


def request_handoff(
    *,
    session: Session,
    conversation_id: int,
    reason: str,
    minutes_per_conversation: int,
    actor: str,
) -> Conversation:
    """Hand a conversation to the human inbox with a summary and a notice for the customer."""
    conversation = _open(session, conversation_id)
    wait = expected_wait_minutes(session=session, minutes_per_conversation=minutes_per_conversation)
    return service.hand_off(
        session=session,
        conversation_id=conversation_id,
        reason=reason,
        summary=build_summary(conversation, reason=reason),
        notice=handoff_notice(language=_language(conversation), wait_minutes=wait),
        actor=actor,
    )


def agent_reply(
    *,
    session: Session,
    conversation_id: int,
    text: str,
    user_id: int | None,
    author: str,
    actor: str,
) -> Message:
    """Add a person's reply; takes over a bot conversation and assigns it if unassigned."""
    conversation = _open(session, conversation_id)
    if conversation.status == ConversationStatus.BOT:
        service.hand_off(
            session=session,
            conversation_id=conversation_id,
            reason="agent_takeover",
            summary=build_summary(conversation, reason="agent_takeover"),
            actor=actor,
        )
    if conversation.assignee_id is None and user_id is not None:
        service.update(
            session=session,
            conversation_id=conversation_id,
            data=ConversationUpdate(assignee_id=user_id),
            actor=actor,
        )
    return service.add_message(
        session=session,
        conversation_id=conversation_id,
        sender=Sender.AGENT,
        text=text,
        data={"author": author, "user_id": user_id},
    )


def hand_back(*, session: Session, conversation_id: int, actor: str) -> Conversation:
    """Return a handed-off conversation to the bot, with a fresh low-confidence count."""
    conversation = _open(session, conversation_id)
    if conversation.status != ConversationStatus.HANDED_OFF:
        raise Conflict(f"Conversation {conversation_id} is not with a person.")
    conversation.state = {**(conversation.state or {}), "low_confidence": 0}
    service.set_status(
        session=session,
        conversation_id=conversation_id,
        status=ConversationStatus.BOT,
        actor=actor,
    )
    service.add_message(
        session=session,
        conversation_id=conversation_id,
        sender=Sender.SYSTEM,
        text=_texts(_language(conversation))["handback"],
        data={"action": "handback"},
    )
    emit(session=session, type="conversation.handed_back", data=service.public(conversation))
    return conversation


def resolve(
    *, session: Session, conversation_id: int, outcome: str | None, actor: str
) -> Conversation:
    """Close an open conversation as resolved."""
    _open(session, conversation_id)
    conversation = service.set_status(
        session=session,
        conversation_id=conversation_id,
        status=ConversationStatus.RESOLVED,
        outcome=outcome or "resolved",
        actor=actor,
    )
    emit(session=session, type="conversation.resolved", data=service.public(conversation))
    return conversation


def assign(
    *, session: Session, conversation_id: int, assignee_id: int | None, actor: str
) -> Conversation:
    """Give an open conversation to a staff user (or nobody)."""
    _open(session, conversation_id)
    values: dict[str, Any] = {"assignee_id": assignee_id}
    conversation = service.update(
        session=session,
        conversation_id=conversation_id,
        data=ConversationUpdate.model_validate(values),
        actor=actor,
    )
    emit(session=session, type="conversation.assigned", data=service.public(conversation))
    return conversation


def rate(
    *, session: Session, conversation_id: int, score: int, comment: str | None, actor: str
) -> Conversation:
    """Record the customer's satisfaction score, once per conversation."""
    conversation = service.get(session=session, conversation_id=conversation_id)
    if conversation.csat is not None:
        raise Conflict(f"Conversation {conversation_id} already has a rating.")
    rating = {"score": score, "comment": comment, "at": utcnow().isoformat()}
    state = dict(conversation.state or {})
    state["extra"] = {**dict(state.get("extra") or {}), "csat": rating}
    conversation.state = state
    conversation = service.update(
        session=session,
        conversation_id=conversation_id,
        data=ConversationUpdate(csat=score),
        actor=actor,
    )
    emit(
        session=session,
        type="conversation.rated",
        data={**service.public(conversation), "comment": comment},
    )
    return conversation


def abandon_idle(
    *, session: Session, idle_for: timedelta, now: datetime | None = None, limit: int = 500
) -> list[int]:
    """Mark bot conversations with no message for ``idle_for`` as abandoned; return their ids."""
    cutoff = (now or utcnow()) - idle_for
    last = (
        select(Message.conversation_id, func.max(Message.created_at).label("at"))
        .group_by(Message.conversation_id)
        .subquery()
    )
    stmt = (
        select(Conversation.id)
        .outerjoin(last, last.c.conversation_id == Conversation.id)
        .where(
            Conversation.status == ConversationStatus.BOT,
            func.coalesce(last.c.at, Conversation.started_at) < cutoff,
        )
        .order_by(Conversation.id)
        .limit(limit)
    )
    ids = list(session.scalars(stmt))
    for conversation_id in ids:
        conversation = service.set_status(
            session=session,
            conversation_id=conversation_id,
            status=ConversationStatus.ABANDONED,
            outcome="abandoned",
            actor="system:idle",
        )
        emit(session=session, type="conversation.abandoned", data=service.public(conversation))
    return ids
