"""The other task flows end to end: address, account, products, recommendations, refunds,
personalised greetings."""

from __future__ import annotations

from sqlalchemy.orm import Session

from maitre.customers import service as customers
from maitre.orders.status import OrderStatus
from tests.factories.orders import make_order
from tests.factories.products import make_product
from tests.integration.agent.conftest import Say
from tests.integration.agent.scenario_helpers import known_conversation, make_customer, order_in


def test_change_address_before_shipping_updates_the_order(session: Session, say: Say) -> None:
    customer = make_customer(session)
    order = order_in(session, customer, OrderStatus.PAID)
    cid = known_conversation(session, customer)
    first = say(cid, f"I need to change the delivery address of order {order.number}")
    assert first.state.pending and first.state.pending["slot"] == "address"
    asked = say(cid, "12 Baker Street, London NW1 6XE")
    assert "12 Baker Street, London NW1 6XE" in (asked.reply.text or "")
    assert asked.state.pending and asked.state.pending["kind"] == "confirm"
    done = say(cid, "yes, that's correct")
    assert done.reply.action == "confirmed"
    session.refresh(order)
    assert order.shipping_address == "12 Baker Street, London NW1 6XE"


def test_change_address_after_shipping_is_refused(session: Session, say: Say) -> None:
    customer = make_customer(session)
    order = order_in(session, customer, OrderStatus.SHIPPED)
    before = order.shipping_address
    cid = known_conversation(session, customer)
    result = say(cid, f"change the delivery address for order {order.number}")
    assert "already shipped" in (result.reply.text or "")
    assert result.state.task is None
    session.refresh(order)
    assert order.shipping_address == before


def test_product_question_mid_task_is_answered_and_the_task_resumes(
    session: Session, say: Say
) -> None:
    make_product(session, name="Wireless Earbuds", sku="EAR-1", stock=3, price="59.00")
    customer = make_customer(session)
    order = order_in(session, customer, OrderStatus.PAID)
    cid = known_conversation(session, customer)
    say(cid, f"I need to change the delivery address of order {order.number}")
    digression = say(cid, "do you have the wireless earbuds in stock?")
    text = digression.reply.text or ""
    assert "Wireless Earbuds" in text and "59.00 USD" in text
    assert "back to changing the delivery address" in text
    assert digression.state.task == "change_address"
    asked = say(cid, "7 Rose Lane, Bristol BS1 4DJ")
    assert "7 Rose Lane" in (asked.reply.text or "")
    say(cid, "yes")
    session.refresh(order)
    assert order.shipping_address == "7 Rose Lane, Bristol BS1 4DJ"


def test_product_not_in_the_catalogue(session: Session, say: Say) -> None:
    cid = known_conversation(session, make_customer(session))
    result = say(cid, "how much is the flux capacitor?")
    assert result.reply.intent == "product_question"
    assert "couldn't find" in (result.reply.text or "")


def test_recommendation_falls_back_to_popular_products(session: Session, say: Say) -> None:
    popular = make_product(session, name="Pour-over Kettle", category="Kitchen")
    buyer = make_customer(session)
    for _ in range(2):
        make_order(session, customer_id=buyer.id, lines=[{"product_id": popular.id, "quantity": 1}])
    cid = known_conversation(session, make_customer(session))
    result = say(cid, "can you recommend something?")
    assert "Pour-over Kettle" in (result.reply.text or "")


def test_account_update_asks_for_the_new_value(session: Session, say: Say) -> None:
    customer = make_customer(session)
    cid = known_conversation(session, customer)
    first = say(cid, "I want to change my email address")
    assert first.state.pending and "email" in first.state.pending["expected"]
    asked = say(cid, "new.address@example.com")
    assert "new.address@example.com" in (asked.reply.text or "")
    done = say(cid, "yes")
    assert "new.address@example.com" in (done.reply.text or "")
    assert customers.get(session=session, customer_id=customer.id).email == (
        "new.address@example.com"
    )


def test_refund_status_of_a_cancelled_order(session: Session, say: Say) -> None:
    customer = make_customer(session)
    order = order_in(session, customer, OrderStatus.PAID)
    order.status = OrderStatus.CANCELLED
    session.flush()
    cid = known_conversation(session, customer)
    result = say(cid, f"where is my refund for order {order.number}?")
    assert result.reply.intent == "refund_status"
    assert "refunded" in (result.reply.text or "")


def test_vip_greeting_uses_the_profile(session: Session, say: Say) -> None:
    customer = make_customer(session, name="Grace Hopper", tags=["vip"])
    order = order_in(session, customer, OrderStatus.SHIPPED)
    cid = known_conversation(session, customer)
    result = say(cid, "hello")
    text = result.reply.text or ""
    assert "Grace Hopper" in text and "VIP" in text and order.number in text


def test_anonymous_greeting_shows_no_personal_data(session: Session, say: Say) -> None:
    customer = make_customer(session, name="Grace Hopper", tags=["vip"])
    order_in(session, customer, OrderStatus.SHIPPED)
    from tests.integration.agent.scenario_helpers import anonymous_conversation

    result = say(anonymous_conversation(session), "hello")
    assert "Grace" not in (result.reply.text or "")
