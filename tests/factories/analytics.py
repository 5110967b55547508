"""A tiny hand-built CRM with known profile features (rows inserted directly, no side effects)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from maitre.analytics.models import CustomerScore
from maitre.conversations.models import Conversation
from maitre.customers.models import Customer
from maitre.orders.models import Order, OrderLine
from maitre.orders.status import OrderChannel, OrderStatus
from maitre.products.models import Product
from maitre.tickets.models import Ticket

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)
_seq = itertools.count(1)


def at(year: int, month: int, day: int) -> datetime:
    """Return midnight UTC of a date."""
    return datetime(year, month, day, tzinfo=UTC)


def _order(
    session: Session,
    customer: Customer,
    placed: datetime,
    lines: list[tuple[Product, int, str]],
    **extra: object,
) -> Order:
    n = next(_seq)
    total = sum(Decimal(price) * qty for _, qty, price in lines)
    order = Order(
        number=f"AN-{n:06d}",
        customer_id=customer.id,
        status=extra.pop("status", OrderStatus.DELIVERED),
        channel=extra.pop("channel", OrderChannel.WEB),
        subtotal=total,
        total=total,
        placed_at=placed,
        **extra,
    )
    order.lines = [
        OrderLine(product_id=p.id, sku=p.sku, name=p.name, quantity=q, unit_price=Decimal(price))
        for p, q, price in lines
    ]
    session.add(order)
    return order


def build_tiny_crm(session: Session) -> dict[str, int]:
    """Insert a buyer ("ada"), a customer with no orders ("bob") and one created after AS_OF.

    Ada by AS_OF: 4 orders placed (one cancelled, one returned), kept value 150 over 2 kept
    orders, last live order 2025-12-02 (recency 30 days), joined 2025-01-01 (tenure 365 days),
    1 discounted order, Tea 190 / Teapot 40 of line spend, 2 tickets (1 in the last 90 days),
    2 conversations rated 4 and 2, channels web 2 / store 2 (tie -> "store").
    """
    n = next(_seq)
    tea = Product(sku=f"TEA-{n}", name="Sencha", category="Tea", price=Decimal("10"), stock=100)
    pot = Product(sku=f"POT-{n}", name="Kyusu", category="Teapot", price=Decimal("40"), stock=9)
    ada = Customer(name="Ada", language="en", country="GB", created_at=at(2025, 1, 1))
    bob = Customer(name="Bob", language="zh", created_at=at(2025, 6, 1))
    late = Customer(name="Late", language="fr", created_at=at(2026, 3, 1))
    session.add_all([tea, pot, ada, bob, late])
    session.flush()
    _order(session, ada, at(2025, 6, 1), [(tea, 2, "30"), (pot, 1, "40")], discount=Decimal("10"))
    _order(session, ada, at(2025, 12, 2), [(tea, 1, "50")], channel=OrderChannel.STORE)
    _order(
        session,
        ada,
        at(2025, 11, 1),
        [(tea, 1, "80")],
        channel=OrderChannel.STORE,
        status=OrderStatus.RETURNED,
        returned_at=at(2025, 11, 20),
    )
    _order(
        session,
        ada,
        at(2025, 12, 20),
        [(pot, 1, "999")],
        status=OrderStatus.CANCELLED,
        cancelled_at=at(2025, 12, 21),
    )
    _order(session, ada, at(2026, 2, 1), [(pot, 5, "100")])  # after AS_OF: ignored
    session.add_all(
        [
            Ticket(customer_id=ada.id, subject="Late parcel", created_at=at(2025, 12, 15)),
            Ticket(customer_id=ada.id, subject="Wrong tea", created_at=at(2025, 3, 1)),
            Conversation(customer_id=ada.id, started_at=at(2025, 7, 1), csat=4),
            Conversation(customer_id=ada.id, started_at=at(2025, 8, 1), csat=2),
        ]
    )
    session.flush()
    return {"ada": ada.id, "bob": bob.id, "late": late.id}


def stored_scores(session: Session) -> list[tuple[Any, ...]]:
    """Return every stored score row as a tuple, ordered by customer."""
    session.expire_all()
    scores = session.scalars(select(CustomerScore).order_by(CustomerScore.customer_id)).all()
    return [
        (
            s.customer_id,
            s.churn_probability,
            s.churn_reasons,
            s.churn_model_version,
            s.clv,
            s.expected_purchases,
            s.probability_alive,
            s.rfm_segment,
            s.rfm_code,
            s.cluster,
            s.total_spent,
            s.orders_count,
            s.last_order_at,
            s.scored_at,
        )
        for s in scores
    ]
