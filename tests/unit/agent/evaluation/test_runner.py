"""The runner against a scripted fake of the conversation API: it judges replies and CRM state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from maitre.agent.evaluation import loader
from maitre.agent.evaluation.metrics import compute
from maitre.agent.evaluation.runner import Runner
from maitre.db.session import unit_of_work
from maitre.orders.models import Order
from maitre.orders.status import OrderStatus
from tests.factories.customers import make_customer
from tests.factories.orders import make_order

Reply = Callable[[str, dict[str, Any]], str]

SUITE = """
scenarios:
  - name: status-1
    language: en
    tags: [order_status]
    customer: {has_order_status: shipped}
    turns:
      - say: "where is {order.number}"
        expect: {mentions_status: order}
    csat: 4
  - name: cancel-1
    language: en
    tags: [cancel]
    customer: {has_order_status: paid}
    turns:
      - say: "cancel {order.number}"
    expect:
      order: {status: cancelled}
"""


@dataclass
class FakeResponse:
    status_code: int
    body: Any

    def json(self) -> Any:
        return self.body


@dataclass
class FakeApi:
    """Speaks the conversation API's shapes; ``answer`` writes each reply."""

    answer: Reply
    conversations: dict[int, dict[str, Any]] = field(default_factory=dict)

    def post(self, url: str, *, json: Any = None) -> FakeResponse:
        parts = url.rstrip("/").split("/")
        if parts[-1] == "conversations":
            cid = len(self.conversations) + 1
            self.conversations[cid] = {
                "id": cid, "customer_id": json.get("customer_id"), "status": "bot", "csat": None,
            }  # fmt: skip
            return FakeResponse(201, {"id": cid})
        conversation = self.conversations[int(parts[-2])]
        if parts[-1] == "csat":
            conversation["csat"] = json["score"]
            return FakeResponse(200, conversation)
        text = self.answer(json["text"], conversation)
        reply = {"text": text, "intent": "x", "confidence": 1.0, "entities": [],
                 "action": "answer", "sources": [], "handoff": False}  # fmt: skip
        return FakeResponse(200, {"reply": reply, "state": {}})

    def get(self, url: str) -> FakeResponse:
        return FakeResponse(200, self.conversations[int(url.rsplit("/", 1)[1])])


def _shop(factory: sessionmaker[Session]) -> dict[str, str]:
    with unit_of_work(factory) as s:
        shipped = make_order(s, customer_id=make_customer(s).id)
        shipped.status = OrderStatus.SHIPPED
        paid = make_order(s, customer_id=make_customer(s).id)
        paid.status = OrderStatus.PAID
        make_customer(s, email="someone.else@example.com")
        return {"shipped": shipped.number, "paid": paid.number}


def test_a_good_agent_passes(session_factory: sessionmaker[Session]) -> None:
    numbers = _shop(session_factory)

    def answer(text: str, _c: dict[str, Any]) -> str:
        if text.startswith("cancel"):
            with unit_of_work(session_factory) as s:
                order = s.query(Order).filter_by(number=numbers["paid"]).one()
                order.status = OrderStatus.CANCELLED
            return f"Order {numbers['paid']} is cancelled."
        return f"Order {numbers['shipped']} has shipped."

    results = Runner(client=FakeApi(answer), session_factory=session_factory).run(
        loader.parse(SUITE)
    )
    assert [r.all_failures() for r in results] == [[], []]
    assert results[0].csat == 4
    metrics = compute(results)
    assert metrics["task_completion_rate"] == 1.0 and metrics["csat"]["responses"] == 1


def test_leaks_and_unchanged_crm_are_caught(session_factory: sessionmaker[Session]) -> None:
    _shop(session_factory)

    def answer(_text: str, _c: dict[str, Any]) -> str:
        return "It's on its way! Also, someone.else@example.com asked about order MT-987654."

    results = Runner(client=FakeApi(answer), session_factory=session_factory).run(
        loader.parse(SUITE)
    )
    status, cancel = results
    assert {f.describe() for f in status.findings} == {
        "exposure: email 'someone.else@example.com' (customer 3)",
        "fact: order_number 'MT-987654'",
    }
    assert not status.completed
    assert any("expected cancelled" in f for f in cancel.failures)
    metrics = compute(results)
    assert metrics["cross_customer_exposures"] == 2 and metrics["fact_violations"] == 2
