"""Expectation checks: per reply (what it says, handoff, identity) and after a scenario (CRM)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from maitre.agent.evaluation.results import TurnRecord
from maitre.agent.evaluation.schema import FinalExpect, TurnExpect
from maitre.agent.evaluation.world import SIZE_SUFFIX, Binding, World, fill
from maitre.customers.models import Customer
from maitre.orders.models import Order
from maitre.tickets.models import Ticket

# Words a reply may use for an order's status; any one of them counts as mentioning it.
STATUS_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "pending": ("pending", "received", "processing", "being processed", "not yet shipped",
                    "not shipped", "hasn't shipped", "has not shipped", "placed", "awaiting"),
        "paid": ("paid", "payment", "processing", "being prepared", "preparing", "not yet shipped",
                 "not shipped", "hasn't shipped", "has not shipped", "confirmed"),
        "shipped": ("shipped", "on its way", "in transit", "dispatched", "on the way", "sent"),
        "delivered": ("delivered", "arrived"),
        "cancelled": ("cancelled", "canceled"),
        "return_requested": ("return",),
        "returned": ("returned", "return", "refund"),
    },
    "zh": {
        "pending": ("待", "处理", "未发货", "还没发货", "尚未发货", "已下单", "已收到"),
        "paid": ("已付款", "已支付", "付款", "处理", "未发货", "尚未发货", "备货", "准备"),
        "shipped": ("已发货", "发货", "运输", "在路上", "发出", "配送", "寄出"),
        "delivered": ("已送达", "送达", "签收", "妥投", "已到", "已交付"),
        "cancelled": ("取消",),
        "return_requested": ("退货", "退回"),
        "returned": ("退货", "退回", "退款"),
    },
}  # fmt: skip
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Snapshot:
    """The bound order, the other customer's order and the customer, before the scenario."""

    order: tuple[str, str | None] | None
    other_order: tuple[str, str | None] | None
    customer: tuple[str | None, str | None] | None


def _order_state(session: Session, order_id: int | None) -> tuple[str, str | None] | None:
    order = session.get(Order, order_id) if order_id is not None else None
    return (str(order.status), order.shipping_address) if order is not None else None


def snapshot(session: Session, binding: Binding) -> Snapshot:
    """Capture what the final checks compare against."""
    customer = session.get(Customer, binding.customer_id) if binding.customer_id else None
    return Snapshot(
        _order_state(session, binding.order_id),
        _order_state(session, binding.other_order_id),
        (customer.email, customer.phone) if customer is not None else None,
    )


def _contains(reply: str, wanted: str) -> bool:
    return wanted.strip().lower() in reply.lower()


def turn(
    expect: TurnExpect,
    record: TurnRecord,
    binding: Binding,
    world: World,
    *,
    state: dict[str, Any],
    conversation: dict[str, Any],
    reply: dict[str, Any],
    language: str,
) -> list[str]:
    """Return what one reply got wrong against its expectations."""
    failures: list[str] = []
    text = record.reply
    if not text.strip() and conversation.get("status") != "handed_off":
        failures.append("empty reply")  # a handed-off conversation may queue messages silently
    for template in expect.mentions:
        wanted = fill(template, binding.values)
        if not _contains(text, wanted):
            failures.append(f"reply does not mention {wanted!r}")
    if expect.mentions_any:
        options = [fill(t, binding.values) for t in expect.mentions_any]
        if not any(_contains(text, o) for o in options):
            failures.append(f"reply mentions none of {options}")
    for template in expect.not_mentions:
        unwanted = fill(template, binding.values)
        if unwanted.strip() and _contains(text, unwanted):
            failures.append(f"reply mentions {unwanted!r}")
    if expect.mentions_status is not None:
        order_id = binding.order_id if expect.mentions_status == "order" else binding.other_order_id
        order = world.order(order_id) if order_id is not None else None
        if order is not None:
            words = STATUS_WORDS[language].get(order.status, (order.status,))
            if not any(_contains(text, w) for w in words):
                failures.append(f"reply does not give the order's status ({order.status})")
    if expect.mentions_product is not None:
        wanted = expect.mentions_product
        names = [
            name.lower()
            for p in world.products
            if wanted == "any" or (p.category or "").lower() == wanted.lower()
            for name in (p.name, p.name_zh, SIZE_SUFFIX.sub("", p.name).strip())
        ]
        if not any(n and n in text.lower() for n in names):
            failures.append(f"reply names no catalogue product ({wanted})")
    if expect.intent_in is not None and record.intent not in expect.intent_in:
        failures.append(f"intent {record.intent!r} not in {expect.intent_in}")
    if expect.action_in is not None and record.action not in expect.action_in:
        failures.append(f"action {record.action!r} not in {expect.action_in}")
    handed_off = conversation.get("status") == "handed_off"
    if expect.handoff is not None and handed_off != expect.handoff:
        failures.append(f"handed off is {handed_off}, expected {expect.handoff}")
    if expect.verified is not None:
        identified = conversation.get("customer_id") is not None
        if identified != expect.verified:
            failures.append(f"customer identified is {identified}, expected {expect.verified}")
    if expect.language is not None:
        has_cjk = bool(CJK.search(text))
        if has_cjk != (expect.language == "zh"):
            failures.append(f"reply is not in {expect.language}")
    if expect.has_sources is not None and bool(reply.get("sources")) != expect.has_sources:
        failures.append(f"sources given is {bool(reply.get('sources'))}, expected otherwise")
    return failures


def _final_order(
    session: Session, expect: FinalExpect, binding: Binding, before: Snapshot
) -> list[str]:
    failures: list[str] = []
    oe = expect.order
    order = session.get(Order, binding.order_id) if binding.order_id is not None else None
    if oe is None:
        return failures
    if order is None or before.order is None:
        return ["the scenario's order is missing"]
    session.refresh(order)
    status, address = str(order.status), order.shipping_address or ""
    if oe.status is not None and status != oe.status:
        failures.append(f"order {order.number} is {status}, expected {oe.status}")
    if oe.status_unchanged and status != before.order[0]:
        failures.append(f"order {order.number} changed from {before.order[0]} to {status}")
    if oe.address_contains is not None:
        wanted = fill(oe.address_contains, binding.values)
        if wanted.lower() not in address.lower():
            failures.append(f"order {order.number} address is {address!r}, expected {wanted!r}")
    if oe.address_unchanged and address != (before.order[1] or ""):
        failures.append(f"order {order.number} address changed to {address!r}")
    return failures


def final(
    session: Session,
    expect: FinalExpect,
    binding: Binding,
    before: Snapshot,
    conversation: dict[str, Any],
    *,
    new_tickets: list[Ticket],
    replies: list[str],
) -> list[str]:
    """Return what the CRM and the conversation look like wrongly after a scenario."""
    failures = _final_order(session, expect, binding, before)
    if expect.replies_mention_any:
        options = [fill(t, binding.values) for t in expect.replies_mention_any]
        if not any(_contains(r, o) for r in replies for o in options):
            failures.append(f"no reply mentions any of {options}")
    if expect.other_order_unchanged and binding.other_order_id is not None:
        now = _order_state(session, binding.other_order_id)
        if now != before.other_order:
            failures.append(f"another customer's order changed: {before.other_order} -> {now}")
    te = expect.ticket
    if te is not None:
        matching = [
            t
            for t in new_tickets
            if (not te.for_order or t.order_id == binding.order_id)
            and (te.priority_in is None or str(t.priority) in te.priority_in)
        ]
        if te.exists and not matching:
            got = [(t.id, t.order_id, str(t.priority)) for t in new_tickets]
            failures.append(f"no matching new ticket (new tickets: {got})")
        if not te.exists and new_tickets:
            failures.append(f"{len(new_tickets)} ticket(s) opened, none expected")
    ce = expect.customer
    if ce is not None and binding.customer_id is not None and before.customer is not None:
        customer = session.get(Customer, binding.customer_id)
        assert customer is not None
        session.refresh(customer)
        if ce.unchanged and (customer.email, customer.phone) != before.customer:
            failures.append("the customer's record changed")
        if ce.email is not None:
            wanted = fill(ce.email, binding.values).lower()
            if (customer.email or "").lower() != wanted:
                failures.append(f"customer email is {customer.email!r}, expected {wanted!r}")
        if ce.phone_contains is not None:
            wanted = re.sub(r"\D", "", fill(ce.phone_contains, binding.values))
            if wanted not in re.sub(r"\D", "", customer.phone or ""):
                failures.append(f"customer phone is {customer.phone!r}, expected {wanted}")
    status = conversation.get("status")
    if expect.conversation_status is not None and status != expect.conversation_status:
        failures.append(f"conversation is {status}, expected {expect.conversation_status}")
    if expect.verified is not None:
        identified = conversation.get("customer_id") is not None
        if identified != expect.verified:
            failures.append(f"customer identified is {identified}, expected {expect.verified}")
    return failures
