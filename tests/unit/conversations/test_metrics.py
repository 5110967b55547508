"""Agent metrics computed from conversations and message annotations, on both backends."""

from __future__ import annotations

from sqlalchemy.orm import Session

from maitre.conversations import service as conversations
from maitre.conversations.metrics import agent_metrics
from maitre.conversations.models import ConversationStatus, Sender
from maitre.conversations.schemas import ConversationUpdate
from tests.factories.conversations import make_conversation


def _say(session: Session, conversation_id: int, intent: str | None, sender: Sender) -> None:
    data = {"intent": intent, "confidence": 0.9} if intent else {}
    conversations.add_message(
        session=session, conversation_id=conversation_id, sender=sender, text="hi", data=data
    )


def test_rates_csat_and_intents_follow_the_documented_definitions(session: Session) -> None:
    resolved = make_conversation(session)
    _say(session, resolved.id, "order_status", Sender.CUSTOMER)
    _say(session, resolved.id, "order_status", Sender.BOT)  # bot echoes are not double counted
    conversations.update(
        session=session, conversation_id=resolved.id, data=ConversationUpdate(csat=5)
    )
    conversations.set_status(
        session=session, conversation_id=resolved.id, status=ConversationStatus.RESOLVED
    )
    handed = make_conversation(session)
    _say(session, handed.id, "out_of_scope", Sender.CUSTOMER)
    conversations.set_status(
        session=session, conversation_id=handed.id, status=ConversationStatus.HANDED_OFF
    )
    conversations.update(
        session=session, conversation_id=handed.id, data=ConversationUpdate(csat=2)
    )
    open_ = make_conversation(session)
    _say(session, open_.id, "order_status", Sender.CUSTOMER)
    _say(session, open_.id, None, Sender.CUSTOMER)
    session.flush()

    found = agent_metrics(session=session)

    assert (found.conversations, found.ended, found.resolved, found.contained) == (3, 2, 1, 1)
    assert found.handed_off == 1
    assert found.completion == 0.5 and found.containment == 0.5
    assert found.handoff_rate == 1 / 3
    assert found.csat_mean == 3.5 and found.csat_count == 2
    assert found.top_intents == [("order_status", 2), ("out_of_scope", 1)]
    assert found.fallbacks == 1 and found.annotated_messages == 3
    assert len(found.weeks) == 1 and found.weeks[0].conversations == 3


def test_no_conversations_gives_empty_metrics(session: Session) -> None:
    found = agent_metrics(session=session)
    assert found.conversations == 0 and found.weeks == [] and found.top_intents == []
    assert found.completion is None and found.handoff_rate is None and found.csat_mean is None
