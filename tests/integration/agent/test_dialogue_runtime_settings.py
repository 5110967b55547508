"""What an admin saves on the settings page changes the agent's next turn, without a restart."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from maitre.config import Settings
from maitre.conversations import service as conversations
from maitre.orders.status import OrderStatus
from maitre.runtime_settings import service as runtime_settings
from tests.integration.agent.conftest import Say
from tests.integration.agent.scenario_helpers import known_conversation, make_customer, order_in
from tests.integration.llm_server import Answer, completion, llm_server


def _set(session: Session, settings: Settings, **changes: Any) -> None:
    runtime_settings.update(session=session, base=settings, changes=changes, actor="user:admin")


def test_a_longer_return_window_accepts_a_return_the_default_refuses(
    session: Session, say: Say, settings: Settings
) -> None:
    customer = make_customer(session)
    order = order_in(session, customer, OrderStatus.DELIVERED, days_ago=45)
    refused = say(known_conversation(session, customer), f"I want to return order {order.number}")
    assert "no longer be returned" in (refused.reply.text or "")

    _set(session, settings, return_window_days=60)
    asked = say(known_conversation(session, customer), f"I want to return order {order.number}")
    assert "no longer be returned" not in (asked.reply.text or "")
    assert asked.state.pending and asked.state.pending["kind"] == "confirm"


def test_a_shorter_return_window_refuses_until_it_is_reset(
    session: Session, say: Say, settings: Settings
) -> None:
    customer = make_customer(session)
    order = order_in(session, customer, OrderStatus.DELIVERED, days_ago=10)
    _set(session, settings, return_window_days=7)
    refused = say(known_conversation(session, customer), f"I want to return order {order.number}")
    assert "no longer be returned" in (refused.reply.text or "")
    session.refresh(order)
    assert order.status == OrderStatus.DELIVERED

    _set(session, settings, return_window_days=None)
    asked = say(known_conversation(session, customer), f"I want to return order {order.number}")
    assert asked.state.pending and asked.state.pending["kind"] == "confirm"


def test_a_lower_refund_limit_hands_the_refund_to_a_person(
    session: Session, say: Say, settings: Settings
) -> None:
    customer = make_customer(session)
    order = order_in(session, customer, OrderStatus.DELIVERED)
    order.status = OrderStatus.RETURN_REQUESTED
    session.flush()
    assert order.total <= settings.refund_handoff_limit
    _set(session, settings, refund_handoff_limit="0")
    cid = known_conversation(session, customer)
    result = say(cid, f"where is the refund for order {order.number}")
    assert result.reply.handoff
    assert conversations.get(session=session, conversation_id=cid).summary["reason"] == (
        "refund_above_limit"
    )


def test_the_llm_endpoint_and_key_saved_by_an_admin_are_used_on_the_next_turn(
    session: Session, say: Say, settings: Settings
) -> None:
    customer = make_customer(session)
    order = order_in(session, customer, OrderStatus.SHIPPED, number="7001")
    cid = known_conversation(session, customer)
    with llm_server() as server:
        say(cid, f"where is order {order.number}")
        assert server.seen == []  # the environment has no LLM endpoint
        bot = conversations.list_messages(session=session, conversation_id=cid)[-1]
        assert bot.data["llm"] is None

        _set(session, settings, llm_base_url=server.url, llm_api_key="sk-from-admin")
        server.script(Answer(200, completion("Order 7001 has shipped.")))
        say(cid, f"where is order {order.number}")
    assert [r.path for r in server.seen] == ["/v1/chat/completions"]
    headers = {k.lower(): v for k, v in server.seen[0].headers.items()}
    assert headers["authorization"] == "Bearer sk-from-admin"
    assert server.seen[0].json()["model"] == settings.llm_model
    bot = conversations.list_messages(session=session, conversation_id=cid)[-1]
    assert bot.data["llm"] is not None  # the LLM step ran (its wording may be rejected)
