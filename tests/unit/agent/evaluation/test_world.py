"""Binding scenarios to real CRM records and filling their text templates."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from maitre.agent.evaluation import loader
from maitre.agent.evaluation.world import World, fill
from maitre.orders.status import OrderStatus
from tests.factories.customers import make_customer
from tests.factories.orders import make_order
from tests.factories.products import make_product

NOW = datetime.now(UTC)

SCENARIOS = """
scenarios:
  - name: ret-1
    language: en
    tags: [return]
    customer: {has_order_status: delivered, delivered_within_days: 10}
    other_customer: true
    product: {in_stock: true}
    turns:
      - say: "return {order.number} ({order.short}) for {customer.email}, not {other_order.number}; {product.name}"
  - name: zh-1
    language: zh
    tags: [order_status]
    customer: {language: zh, latest_order_status: shipped}
    turns:
      - say: "我的订单{order.number}到哪了？{missing_order.number}"
"""  # noqa: E501


def _shop(session: Session) -> dict[str, int]:
    make_product(session, name="Cast Iron Teapot 0.8 L", stock=0)
    teacup = make_product(session, name="Tea Cup", stock=5)
    lines = [{"product_id": teacup.id, "quantity": 1}]
    ann = make_customer(session, name="Ann Lee", email="ann@example.com", language="en")
    fresh = make_order(session, customer_id=ann.id, lines=lines)
    fresh.status, fresh.delivered_at = OrderStatus.DELIVERED, NOW - timedelta(days=3)
    old = make_order(session, customer_id=ann.id, lines=lines)
    old.status, old.delivered_at = OrderStatus.DELIVERED, NOW - timedelta(days=90)
    li = make_customer(session, name="李娜娜", email="li@example.org", language="zh")
    shipped = make_order(session, customer_id=li.id, lines=lines)
    shipped.status, shipped.tracking_number = OrderStatus.SHIPPED, "EK103975267AU"
    bob = make_customer(session, name="Bob Stone", email="bob@example.net")
    make_order(session, customer_id=bob.id, lines=lines)
    session.flush()
    return {"ann": ann.id, "fresh": fresh.id, "li": li.id, "shipped": shipped.id, "bob": bob.id}


def test_bind_picks_matching_records_and_fills_templates(session: Session) -> None:
    ids = _shop(session)
    world = World.load(session)
    ret, zh = loader.parse(SCENARIOS)
    used: set[int] = set()
    zh_binding = world.bind(zh, used=used, rng=random.Random(0))
    assert zh_binding.customer_id == ids["li"] and zh_binding.order_id == ids["shipped"]
    binding = world.bind(ret, used=used, rng=random.Random(0))
    assert binding.customer_id == ids["ann"] and binding.order_id == ids["fresh"]
    assert binding.other_customer_id == ids["bob"]
    number = world.order(ids["fresh"]).number  # type: ignore[union-attr]
    text = fill(ret.turns[0].say, binding.values)
    assert text.startswith(f"return {number} ({number.split('-')[1].lstrip('0')}) for ann@")
    assert "Tea Cup" in text  # the only product in stock
    assert used == {ids["li"], ids["ann"], ids["bob"]}


def test_a_customer_plays_in_one_scenario_only(session: Session) -> None:
    _shop(session)
    world = World.load(session)
    ret = loader.parse(SCENARIOS)[0]
    used: set[int] = set()
    world.bind(ret, used=used, rng=random.Random(1))
    with pytest.raises(LookupError, match="no unused customer"):
        world.bind(ret, used=used, rng=random.Random(1))


def test_missing_order_number_does_not_exist(session: Session) -> None:
    _shop(session)
    world = World.load(session)
    zh = loader.parse(SCENARIOS)[1]
    binding = world.bind(zh, used=set(), rng=random.Random(0))
    missing = binding.values["missing_order.number"]
    assert all(o.number != missing for c in world.customers.values() for o in c.orders)


def test_fill_refuses_a_placeholder_without_value() -> None:
    assert fill("order {order.number}!", {"order.number": "MT-000001"}) == "order MT-000001!"
    with pytest.raises(KeyError, match=r"order\.tracking_number"):
        fill("{order.tracking_number}", {})
