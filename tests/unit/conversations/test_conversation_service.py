"""Conversation service behaviour on both backends: status, transcript, links, events."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from maitre.conversations import service as conversations
from maitre.conversations.models import Channel, ConversationStatus, Sender
from maitre.conversations.schemas import ConversationCreate, ConversationUpdate
from maitre.errors import Conflict, NotFound, ValidationFailed
from maitre.events import EVENT_HANDLERS_KEY, DomainEvent
from maitre.timeline import service as timeline
from tests.factories.conversations import make_conversation
from tests.factories.customers import make_customer


def _record_events(session: Session) -> list[DomainEvent]:
    seen: list[DomainEvent] = []
    session.info[EVENT_HANDLERS_KEY] = [lambda _s, event: seen.append(event)]
    return seen


def test_stored_enum_values_are_pinned(session: Session) -> None:
    assert [s.value for s in ConversationStatus] == ["bot", "handed_off", "resolved", "abandoned"]
    assert [s.value for s in Sender] == ["customer", "bot", "agent", "system"]
    assert {"web", "widget", "email", "phone", "api"} <= {c.value for c in Channel}
    conv = make_conversation(session, channel="widget")
    conversations.add_message(
        session=session, conversation_id=conv.id, sender=Sender.BOT, text="Hi"
    )
    conversations.set_status(
        session=session, conversation_id=conv.id, status=ConversationStatus.HANDED_OFF
    )
    row = session.execute(
        text("SELECT status, channel FROM conversations WHERE id = :id"), {"id": conv.id}
    ).one()
    assert tuple(row) == ("handed_off", "widget")
    assert session.scalar(text("SELECT sender FROM messages")) == "bot"


def test_transcript_keeps_order_and_nlu_annotations(session: Session) -> None:
    conv = make_conversation(session)
    conversations.add_message(
        session=session, conversation_id=conv.id, sender=Sender.CUSTOMER, text="Where is 1043?"
    )
    conversations.add_message(
        session=session,
        conversation_id=conv.id,
        sender=Sender.BOT,
        text="Order 1043 shipped yesterday.",
        data={"intent": "order_status", "confidence": 0.93, "entities": {"order": "1043"}},
    )
    texts = [m.text for m in conv.messages]  # the loaded transcript stays in step
    assert texts == ["Where is 1043?", "Order 1043 shipped yesterday."]
    fetched = conversations.list_messages(session=session, conversation_id=conv.id)
    assert [m.sender for m in fetched] == ["customer", "bot"]
    assert fetched[1].data["intent"] == "order_status"
    last = conversations.list_messages(session=session, conversation_id=conv.id, limit=1)
    assert [m.text for m in last] == ["Order 1043 shipped yesterday."]


def test_closing_stamps_ended_at_and_refuses_new_messages(session: Session) -> None:
    conv = make_conversation(session)
    conversations.set_status(
        session=session,
        conversation_id=conv.id,
        status=ConversationStatus.RESOLVED,
        outcome="order_status_answered",
    )
    assert conv.ended_at is not None and conv.outcome == "order_status_answered"
    with pytest.raises(Conflict):
        conversations.add_message(
            session=session, conversation_id=conv.id, sender=Sender.CUSTOMER, text="hello?"
        )
    conversations.add_message(
        session=session,
        conversation_id=conv.id,
        sender=Sender.SYSTEM,
        text="CSAT 5",
        allow_closed=True,
    )
    conversations.set_status(session=session, conversation_id=conv.id, status="bot")  # type: ignore[arg-type]
    assert conv.ended_at is None and conv.status == ConversationStatus.BOT


def test_bad_messages_and_ids_are_refused(session: Session) -> None:
    conv = make_conversation(session)
    for bad in ("", "   \n", "x" * 4001):
        with pytest.raises(ValidationFailed):
            conversations.add_message(
                session=session, conversation_id=conv.id, sender=Sender.CUSTOMER, text=bad
            )
    with pytest.raises(NotFound):
        conversations.add_message(
            session=session, conversation_id=conv.id + 99, sender=Sender.BOT, text="hi"
        )
    with pytest.raises(ValidationFailed) as err:
        make_conversation(session, customer_id=424242)
    assert err.value.errors[0].loc == ["body", "customer_id"]
    with pytest.raises(ValidationFailed):
        conversations.update(
            session=session, conversation_id=conv.id, data=ConversationUpdate(assignee_id=4242)
        )
    assert conversations.list_messages(session=session, conversation_id=conv.id) == []


def test_linking_a_customer_and_status_changes_reach_the_timeline(session: Session) -> None:
    customer = make_customer(session)
    events = _record_events(session)
    anonymous = make_conversation(session, channel="widget")
    conversations.update(
        session=session,
        conversation_id=anonymous.id,
        data=ConversationUpdate(customer_id=customer.id, csat=4),
        actor="agent:bot",
    )
    conversations.set_status(
        session=session, conversation_id=anonymous.id, status=ConversationStatus.HANDED_OFF
    )
    kinds = [e.kind for e in timeline.list_for_customer(session=session, customer_id=customer.id)]
    assert kinds[:2] == ["conversation.status_changed", "conversation.updated"]
    assert [e.type for e in events] == [
        "conversation.created",
        "conversation.updated",
        "conversation.updated",
    ]
    assert events[1].data["customer_id"] == customer.id
    assert sorted(events[1].data["changes"]) == ["csat", "customer_id"]


def test_list_for_customer_is_newest_first(session: Session) -> None:
    customer, other = make_customer(session), make_customer(session)
    ids = [make_conversation(session, customer_id=customer.id).id for _ in range(3)]
    make_conversation(session, customer_id=other.id)
    listed = conversations.list_for_customer(session=session, customer_id=customer.id)
    assert [c.id for c in listed] == ids[::-1]
    started = timeline.list_for_customer(session=session, customer_id=customer.id)
    assert [e.kind for e in started] == ["conversation.started"] * 3 + ["customer.created"]
    assert isinstance(conversations.public(listed[0])["started_at"], str)


def test_create_schema_rejects_unknown_fields() -> None:
    with pytest.raises(ValueError):
        ConversationCreate.model_validate({"channel": "web", "mood": "happy"})
    with pytest.raises(ValueError):
        ConversationCreate.model_validate({"channel": "carrier-pigeon"})
    with pytest.raises(ValueError):
        ConversationUpdate.model_validate({"language": None})
