"""The optional LLM step: grounded rewording is used, invented facts fall back to the template."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from maitre.agent.dialogue import integrations
from maitre.agent.llm import FakeChatClient
from maitre.conversations import service as conversations
from maitre.orders.status import OrderStatus
from tests.integration.agent.conftest import Say
from tests.integration.agent.scenario_helpers import known_conversation, make_customer, order_in


def _with_llm(monkeypatch: pytest.MonkeyPatch, fake: FakeChatClient) -> None:
    monkeypatch.setattr(integrations, "llm_client", lambda settings: fake)


def test_a_grounded_rewording_is_used(
    session: Session, say: Say, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = make_customer(session)
    order = order_in(session, customer, OrderStatus.DELIVERED, number="5001")
    fake = FakeChatClient.scripted("Good news: order 5001 arrived on 2026-03-05!")
    _with_llm(monkeypatch, fake)
    cid = known_conversation(session, customer)
    result = say(cid, f"where is order {order.number}")
    assert result.reply.text == "Good news: order 5001 arrived on 2026-03-05!"
    assert customer.email not in fake.prompts[0]
    bot = conversations.list_messages(session=session, conversation_id=cid)[-1]
    assert bot.data["llm"] == {"used": True, "rejected": None}


def test_an_invented_fact_falls_back_to_the_template(
    session: Session, say: Say, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = make_customer(session)
    order_in(session, customer, OrderStatus.DELIVERED, number="5002")
    _with_llm(monkeypatch, FakeChatClient.scripted("Order 9999 was delivered on 2020-01-01."))
    cid = known_conversation(session, customer)
    result = say(cid, "where is order 5002")
    assert "5002" in (result.reply.text or "") and "9999" not in (result.reply.text or "")
    bot = conversations.list_messages(session=session, conversation_id=cid)[-1]
    assert bot.data["llm"]["used"] is False and bot.data["llm"]["rejected"]


def test_a_failing_llm_keeps_the_template(
    session: Session, say: Say, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = make_customer(session)
    order_in(session, customer, OrderStatus.SHIPPED, number="5003")
    _with_llm(monkeypatch, FakeChatClient.scripted(TimeoutError("slow")))
    cid = known_conversation(session, customer)
    result = say(cid, "where is order 5003")
    assert "5003" in (result.reply.text or "") and "shipped" in (result.reply.text or "")


def test_kb_answer_composed_by_the_llm_cites_the_article(
    session: Session, say: Say, monkeypatch: pytest.MonkeyPatch
) -> None:
    from maitre.kb import embedding
    from maitre.kb import service as kb
    from maitre.kb.schemas import ArticleCreate
    from tests.integration.agent.scenario_helpers import anonymous_conversation

    monkeypatch.setattr(embedding, "get_encoder", lambda **_: None)
    body = "You can return any item within 30 days of delivery for a full refund."
    kb.create(session=session, data=ArticleCreate(title="Returns policy", body=body, language="en"))
    _with_llm(monkeypatch, FakeChatClient.scripted("Returns are accepted within 30 days [1]."))
    result = say(anonymous_conversation(session), "what is your return policy?")
    text = result.reply.text or ""
    assert text.startswith("Returns are accepted within 30 days") and "Returns policy" in text
    assert result.reply.sources and result.reply.sources[0]["title"] == "Returns policy"
