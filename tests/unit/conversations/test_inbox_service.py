"""Inbox operations on both backends: idle conversations, handoff notices, the queue task."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from maitre.bootstrap import Runtime
from maitre.conversations import inbox
from maitre.conversations import service as conversations
from maitre.conversations.models import Conversation, ConversationStatus, Sender
from maitre.db.base import utcnow
from maitre.db.session import unit_of_work
from maitre.events import EVENT_HANDLERS_KEY, EVENT_INTEREST_KEY, DomainEvent
from maitre.jobs.conversations import ABANDON_IDLE
from tests.factories.conversations import make_conversation


def _age(session: Session, conversation: Conversation, minutes: int) -> None:
    """Pretend the conversation and its messages happened ``minutes`` ago."""
    then = utcnow() - timedelta(minutes=minutes)
    conversation.started_at = then
    for message in conversation.messages:
        message.created_at = then
    session.flush()


def test_idle_bot_conversations_are_abandoned(session: Session) -> None:
    seen: list[DomainEvent] = []
    idle_quiet = make_conversation(session)
    idle_talked = make_conversation(session)
    conversations.add_message(
        session=session, conversation_id=idle_talked.id, sender=Sender.CUSTOMER, text="hi"
    )
    recent_reply = make_conversation(session)
    with_person = make_conversation(session)
    for conversation in (idle_quiet, idle_talked, recent_reply, with_person):
        _age(session, conversation, 120)
    conversations.add_message(
        session=session, conversation_id=recent_reply.id, sender=Sender.BOT, text="still here"
    )
    conversations.set_status(
        session=session, conversation_id=with_person.id, status=ConversationStatus.HANDED_OFF
    )
    session.info[EVENT_HANDLERS_KEY] = [lambda _s, event: seen.append(event)]

    ids = inbox.abandon_idle(session=session, idle_for=timedelta(minutes=30))
    assert ids == [idle_quiet.id, idle_talked.id]
    assert idle_quiet.status == ConversationStatus.ABANDONED and idle_quiet.ended_at is not None
    assert idle_quiet.outcome == "abandoned"
    assert recent_reply.status == ConversationStatus.BOT
    assert with_person.status == ConversationStatus.HANDED_OFF
    assert [e.type for e in seen].count("conversation.abandoned") == 2
    assert inbox.abandon_idle(session=session, idle_for=timedelta(minutes=30)) == []


def test_the_periodic_task_abandons_idle_conversations(app_runtime: Runtime) -> None:
    with unit_of_work(app_runtime.sessionmaker) as s:
        conversation = make_conversation(s)
        _age(s, conversation, app_runtime.settings.conversation_idle_minutes + 1)
        conversation_id = conversation.id
    assert ABANDON_IDLE in app_runtime.queue.tasks
    app_runtime.queue.enqueue(ABANDON_IDLE)
    with unit_of_work(app_runtime.sessionmaker) as s:
        stored = conversations.get(session=s, conversation_id=conversation_id)
        assert stored.status == ConversationStatus.ABANDONED


def test_the_handoff_notice_speaks_the_customers_language_and_counts_the_queue(
    session: Session,
) -> None:
    waiting = make_conversation(session)
    conversations.set_status(
        session=session, conversation_id=waiting.id, status=ConversationStatus.HANDED_OFF
    )
    assert inbox.expected_wait_minutes(session=session, minutes_per_conversation=4) == 4
    assert inbox.expected_wait_minutes(session=session, minutes_per_conversation=0) is None
    assert "about 4 min" in inbox.handoff_notice(language="en", wait_minutes=4)
    assert "4 分钟" in inbox.handoff_notice(language="zh-CN", wait_minutes=4)
    assert "wait" not in inbox.handoff_notice(language="en", wait_minutes=None)


def test_each_inbox_step_announces_an_event(session: Session) -> None:
    seen: list[DomainEvent] = []
    conversation = make_conversation(session)
    session.info[EVENT_HANDLERS_KEY] = [lambda _s, event: seen.append(event)]
    session.info[EVENT_INTEREST_KEY] = [lambda _s, _type: True]
    inbox.request_handoff(
        session=session,
        conversation_id=conversation.id,
        reason="customer_request",
        minutes_per_conversation=3,
        actor="test",
    )
    inbox.agent_reply(
        session=session,
        conversation_id=conversation.id,
        text="Hello",
        user_id=None,
        author="Pat",
        actor="test",
    )
    inbox.assign(session=session, conversation_id=conversation.id, assignee_id=None, actor="test")
    inbox.hand_back(session=session, conversation_id=conversation.id, actor="test")
    inbox.resolve(session=session, conversation_id=conversation.id, outcome=None, actor="test")
    inbox.rate(session=session, conversation_id=conversation.id, score=4, comment=None, actor="t")
    types = {e.type for e in seen}
    assert {
        "conversation.handed_off",
        "conversation.message_added",
        "conversation.assigned",
        "conversation.handed_back",
        "conversation.resolved",
        "conversation.rated",
    } <= types
    added = [e for e in seen if e.type == "conversation.message_added"]
    assert [e.data["sender"] for e in added] == ["system", "agent", "system"]
    assert all(e.data["conversation_id"] == conversation.id for e in added)
