"""Synthetic CRMs with a known answer: a planted churn rule and a planted co-purchase pattern.

Churn: at any cutoff, a customer with no order for 200 days and at least 3 support tickets
never orders again; everyone else orders in the next 90 days with probability 0.92. History is
simulated over two 90-day windows ending at ``END`` so a time split can recover the rule.

Co-purchase: customers who buy a "kettle" also buy "filters"; "tea" buyers also buy "cups".
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
from sqlalchemy.orm import Session

from maitre.customers.models import Customer
from maitre.orders.models import Order, OrderLine
from maitre.orders.status import OrderStatus
from maitre.products.models import Product
from maitre.tickets.models import Ticket

# Relative to today, so scores computed "now" see the history as it ends.
END = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
WINDOW = 90
_seq = itertools.count(1)


def _order(customer_id: int, placed: datetime, lines: list[tuple[Product, int]] = ()) -> Order:  # type: ignore[assignment]
    n = next(_seq)
    total = sum((p.price * q for p, q in lines), Decimal("25.00")) if lines else Decimal("25.00")
    order = Order(
        number=f"PL-{n:07d}",
        customer_id=customer_id,
        status=OrderStatus.DELIVERED,
        subtotal=total,
        total=total,
        placed_at=placed,
    )
    order.lines = [
        OrderLine(product_id=p.id, sku=p.sku, name=p.name, quantity=q, unit_price=p.price)
        for p, q in lines
    ]
    return order


def build_planted_churn(session: Session, *, customers: int = 300, seed: int = 7) -> dict[int, int]:
    """Insert customers, orders and tickets following the churn rule; return final labels."""
    rng = np.random.default_rng(seed)
    c1 = END - timedelta(days=2 * WINDOW)
    c2 = END - timedelta(days=WINDOW)
    people = [
        Customer(
            name=f"Planted {i}",
            language="zh" if i % 4 == 0 else "en",
            country="CN" if i % 4 == 0 else "GB",
            created_at=c1 - timedelta(days=700),
        )
        for i in range(customers)
    ]
    session.add_all(people)
    session.flush()
    orders: list[Order] = []
    tickets: list[Ticket] = []
    labels: dict[int, int] = {}
    for person in people:
        recency = int(rng.integers(5, 420))
        last = c1 - timedelta(days=recency)
        for k in range(int(rng.integers(1, 5))):
            orders.append(_order(person.id, last - timedelta(days=35 * k)))
        n_tickets = int(rng.choice([0, 1, 2, 3, 4], p=[0.3, 0.15, 0.1, 0.25, 0.2]))
        for k in range(n_tickets):
            opened = last + timedelta(days=2 + k)
            tickets.append(Ticket(customer_id=person.id, subject="Problem", created_at=opened))
        churned = False
        for cutoff in (c1, c2):
            churned = (cutoff - last).days >= 200 and n_tickets >= 3
            if not churned and rng.random() < 0.92:
                last = cutoff + timedelta(days=int(rng.integers(1, WINDOW)))
                orders.append(_order(person.id, last))
        labels[person.id] = int(churned)
    session.add_all(orders + tickets)
    session.flush()
    return labels


def build_planted_baskets(
    session: Session, *, customers: int = 120, seed: int = 3
) -> dict[str, int]:
    """Insert products and customers whose baskets pair kettle+filter and tea+cup."""
    rng = np.random.default_rng(seed)
    names = ["kettle", "filter", "tea", "cup", "spoon", "tray", "honey", "mug"]
    products = {
        name: Product(
            sku=f"PL-{name}-{next(_seq)}",
            name=name.title(),
            category="Brewing" if name in ("kettle", "filter") else "Tea",
            price=Decimal("10.00"),
            stock=50,
        )
        for name in names
    }
    session.add_all(products.values())
    people = [
        Customer(name=f"Basket {i}", created_at=END - timedelta(days=400)) for i in range(customers)
    ]
    session.add_all(people)
    session.flush()
    orders: list[Order] = []
    for i, person in enumerate(people):
        pair = ("kettle", "filter") if i % 2 == 0 else ("tea", "cup")
        extra = names[4 + int(rng.integers(0, 4))]
        placed = END - timedelta(days=int(rng.integers(10, 300)))
        # Every customer but the last few of each kind buys the full pair.
        if i < customers - 4:
            orders.append(
                _order(person.id, placed, [(products[pair[0]], 1), (products[pair[1]], 1)])
            )
        else:
            orders.append(_order(person.id, placed, [(products[pair[0]], 1)]))
        orders.append(_order(person.id, placed - timedelta(days=30), [(products[extra], 1)]))
    session.add_all(orders)
    session.flush()
    ids = {name: p.id for name, p in products.items()}
    # customers is even, so the last four alternate kettle, tea, kettle, tea.
    ids["kettle_only"] = people[customers - 4].id
    ids["tea_only"] = people[customers - 3].id
    return ids
