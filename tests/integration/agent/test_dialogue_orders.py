"""Multi-turn conversations about orders: status, slots, corrections, returns, cancellations."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from maitre.conversations import service as conversations
from maitre.orders.status import OrderStatus
from maitre.tickets.models import Ticket
from tests.integration.agent.conftest import Say
from tests.integration.agent.scenario_helpers import (
    anonymous_conversation,
    known_conversation,
    make_customer,
    order_in,
)


def test_order_status_happy_path_english(session: Session, say: Say) -> None:
    customer = make_customer(session)
    order = order_in(session, customer, OrderStatus.SHIPPED, tracking_number="TRK123")
    cid = known_conversation(session, customer)
    result = say(cid, f"Where is my order {order.number}?")
    assert result.reply.intent == "order_status"
    assert result.reply.action == "start"
    assert order.number in result.reply.text
    assert "TRK123" in result.reply.text
    assert result.state.task is None
    messages = conversations.list_messages(session=session, conversation_id=cid)
    assert [str(m.sender) for m in messages] == ["customer", "bot"]
    assert messages[0].data["nlu"]["intent"] == "order_status"
    assert messages[0].data["nlu"]["model_version"] >= 1
    assert messages[1].data["tool"]["outcome"] == "found"
    assert messages[1].data["latency_ms"] >= 0


def test_order_status_happy_path_chinese(session: Session, say: Say) -> None:
    customer = make_customer(session, language="zh")
    order = order_in(session, customer, OrderStatus.SHIPPED)
    cid = known_conversation(session, customer, language="zh")
    result = say(cid, f"我的订单{order.number}到哪了？")
    assert result.reply.intent == "order_status"
    assert order.number in result.reply.text
    assert "已发货" in result.reply.text
    assert result.state.language == "zh"


def test_missing_slot_then_bare_number(session: Session, say: Say) -> None:
    customer = make_customer(session)
    order_in(session, customer, OrderStatus.DELIVERED, number="1043")
    cid = known_conversation(session, customer)
    first = say(cid, "I want to return an item")
    assert first.state.task == "return_request"
    assert first.state.pending and first.state.pending["expected"] == ["order_number"]
    second = say(cid, "1043")
    assert second.reply.action == "continue"
    assert second.reply.entities[0]["type"] == "order_number"
    assert "1043" in (second.reply.text or "")
    assert second.state.pending and second.state.pending["kind"] == "confirm"
    third = say(cid, "yes")
    assert "registered" in (third.reply.text or "")
    assert third.state.task is None


def test_correction_overwrites_the_order_number(session: Session, say: Say) -> None:
    customer = make_customer(session)
    order_in(session, customer, OrderStatus.SHIPPED, number="1042")
    order_in(session, customer, OrderStatus.DELIVERED, number="1043")
    cid = known_conversation(session, customer)
    first = say(cid, "where is order 1042")
    assert "1042" in (first.reply.text or "")
    second = say(cid, "actually it's order 1043")
    assert "1043" in (second.reply.text or "")
    assert "delivered" in (second.reply.text or "")
    assert "1042" not in (second.reply.text or "")


def test_correction_while_confirming_asks_again_for_the_new_order(
    session: Session, say: Say
) -> None:
    customer = make_customer(session)
    order_in(session, customer, OrderStatus.PAID, number="2001")
    second = order_in(session, customer, OrderStatus.PAID, number="2002")
    cid = known_conversation(session, customer)
    assert "2001" in (say(cid, "please cancel order 2001").reply.text or "")
    again = say(cid, "sorry, I meant order 2002")
    assert "2002" in (again.reply.text or "")
    assert again.state.pending and again.state.pending["kind"] == "confirm"
    done = say(cid, "yes")
    assert done.reply.action == "confirmed"
    session.refresh(second)
    assert second.status == OrderStatus.CANCELLED


def test_cancel_that_drops_the_task(session: Session, say: Say) -> None:
    customer = make_customer(session)
    order = order_in(session, customer, OrderStatus.PAID)
    cid = known_conversation(session, customer)
    say(cid, "I want to cancel my order")
    result = say(cid, "cancel that")
    assert result.reply.action == "stop_task"
    assert result.state.task is None and result.state.pending is None
    session.refresh(order)
    assert order.status == OrderStatus.PAID


def test_cancel_declined_leaves_the_order(session: Session, say: Say) -> None:
    customer = make_customer(session)
    order = order_in(session, customer, OrderStatus.PAID)
    cid = known_conversation(session, customer)
    say(cid, f"cancel order {order.number}")
    result = say(cid, "no")
    assert result.reply.action == "declined"
    session.refresh(order)
    assert order.status == OrderStatus.PAID


def test_cancel_after_shipping_is_refused(session: Session, say: Say) -> None:
    customer = make_customer(session)
    order = order_in(session, customer, OrderStatus.SHIPPED)
    cid = known_conversation(session, customer)
    result = say(cid, f"cancel order {order.number}")
    assert "already shipped" in (result.reply.text or "")
    assert result.state.task is None
    session.refresh(order)
    assert order.status == OrderStatus.SHIPPED


def test_eligible_return_sets_status_and_opens_a_ticket(session: Session, say: Say) -> None:
    customer = make_customer(session)
    order = order_in(session, customer, OrderStatus.DELIVERED, days_ago=5)
    cid = known_conversation(session, customer)
    asked = say(cid, f"I'd like to return order {order.number}, it doesn't fit")
    assert asked.state.pending and asked.state.pending["kind"] == "confirm"
    session.refresh(order)
    assert order.status == OrderStatus.DELIVERED
    result = say(cid, "yes please, go ahead")
    assert "ticket" in (result.reply.text or "")
    session.refresh(order)
    assert order.status == OrderStatus.RETURN_REQUESTED
    ticket = session.scalars(select(Ticket).where(Ticket.order_id == order.id)).one()
    assert ticket.customer_id == customer.id and ticket.conversation_id == cid
    assert f"#{ticket.id}" in (result.reply.text or "")


def test_return_outside_the_window_is_refused(session: Session, say: Say) -> None:
    customer = make_customer(session)
    order = order_in(session, customer, OrderStatus.DELIVERED, days_ago=90)
    cid = known_conversation(session, customer)
    result = say(cid, f"I want to return order {order.number}")
    assert "no longer be returned" in (result.reply.text or "")
    session.refresh(order)
    assert order.status == OrderStatus.DELIVERED
    assert session.scalars(select(Ticket).where(Ticket.order_id == order.id)).first() is None


def test_cross_customer_order_reads_as_not_found(session: Session, say: Say) -> None:
    me = make_customer(session)
    other = make_customer(session)
    order_in(session, me, OrderStatus.SHIPPED)
    theirs = order_in(session, other, OrderStatus.SHIPPED, tracking_number="SECRET-TRK")
    cid = known_conversation(session, me)
    leaked = say(cid, f"where is order {theirs.number}")
    missing = say(cid, "where is order MT-999999")
    text = leaked.reply.text or ""
    assert "SECRET-TRK" not in text and other.name not in text
    assert text.replace(theirs.number, "X") == (missing.reply.text or "").replace("MT-999999", "X")


def test_unverified_visitor_must_verify_first(session: Session, say: Say) -> None:
    customer = make_customer(session)
    order = order_in(session, customer, OrderStatus.SHIPPED, tracking_number="TRK-PRIVATE")
    cid = anonymous_conversation(session)
    first = say(cid, f"where is my order {order.number}?")
    assert first.state.pending and first.state.pending["kind"] == "verify"
    assert "TRK-PRIVATE" not in (first.reply.text or "")
    wrong = say(cid, "it's someone.else@example.com")
    assert "couldn't match" in (wrong.reply.text or "")
    assert "TRK-PRIVATE" not in (wrong.reply.text or "")
    assert conversations.get(session=session, conversation_id=cid).customer_id is None
    right = say(cid, customer.email)
    assert "verified" in (right.reply.text or "")
    assert "TRK-PRIVATE" in (right.reply.text or "")
    assert conversations.get(session=session, conversation_id=cid).customer_id == customer.id
    assert right.state.verified


def test_three_failed_verifications_hand_off(session: Session, say: Say) -> None:
    customer = make_customer(session)
    order = order_in(session, customer, OrderStatus.SHIPPED)
    cid = anonymous_conversation(session)
    say(cid, f"where is order {order.number}")
    for attempt in range(3):
        result = say(cid, f"wrong{attempt}@example.com")
    assert result.reply.handoff
    conversation = conversations.get(session=session, conversation_id=cid)
    assert str(conversation.status) == "handed_off"
    assert conversation.summary["reason"] == "verification_failed"
    assert conversation.customer_id is None
