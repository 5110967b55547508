"""Read-only aggregate queries over orders, lines, products and customers, grouped in the database.

Sales count every order that is not cancelled or returned; revenue is the sum of line totals
(quantity × unit price, before order-level discounts), so it splits cleanly by category.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, distinct, func, literal, literal_column, select
from sqlalchemy.orm import Session, aliased

from maitre.customers.models import Customer
from maitre.orders.models import Order, OrderLine
from maitre.orders.status import OrderStatus
from maitre.products.models import Product

NOT_SALES = (OrderStatus.CANCELLED.value, OrderStatus.RETURNED.value)
UNCATEGORISED = "uncategorised"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class SalesFilter:
    """Optional narrowing shared by every sales breakdown."""

    start: date | None = None
    end: date | None = None  # inclusive
    category: str | None = None
    country: str | None = None
    language: str | None = None
    channel: str | None = None


def period_start(session: Session, column: Any, freq: str) -> ColumnElement[str]:
    """SQL for the date (YYYY-MM-DD) starting the day, week (Monday) or month of ``column``."""
    # Inline constants, not bound parameters: PostgreSQL matches GROUP BY expressions by text.
    if freq not in ("day", "week", "month"):
        raise ValueError(f"unknown period {freq!r}")
    if session.get_bind().dialect.name == "postgresql":
        utc = func.timezone(literal_column("'UTC'"), column)
        trunc = func.date_trunc(literal_column(f"'{freq}'"), utc)
        return func.to_char(trunc, literal_column("'YYYY-MM-DD'"))
    if freq == "week":
        return func.date(column, literal_column("'weekday 0'"), literal_column("'-6 days'"))
    fmt = "%Y-%m-01" if freq == "month" else "%Y-%m-%d"
    return func.strftime(literal_column(f"'{fmt}'"), column)


def _sales_conditions(filters: SalesFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Order.status.not_in(NOT_SALES)]
    if filters.start is not None:
        conds.append(Order.placed_at >= datetime.combine(filters.start, time.min))
    if filters.end is not None:
        conds.append(Order.placed_at < datetime.combine(filters.end + timedelta(days=1), time.min))
    if filters.category is not None:
        conds.append(func.lower(Product.category) == filters.category.lower())
    if filters.country is not None:
        conds.append(func.lower(Customer.country) == filters.country.lower())
    if filters.language is not None:
        conds.append(func.lower(Customer.language) == filters.language.lower())
    if filters.channel is not None:
        conds.append(Order.channel == filters.channel)
    return conds


def _sales_from(stmt: Select[Any], filters: SalesFilter, by: str | None = None) -> Select[Any]:
    """Join lines to orders, and products or customers only when a key or filter needs them."""
    stmt = stmt.select_from(Order).join(OrderLine, OrderLine.order_id == Order.id)
    if by == "category" or filters.category is not None:
        stmt = stmt.join(Product, Product.id == OrderLine.product_id)
    if by == "country" or filters.country is not None or filters.language is not None:
        stmt = stmt.join(Customer, Customer.id == Order.customer_id)
    return stmt.where(and_(*_sales_conditions(filters)))


def _measures() -> tuple[ColumnElement[Any], ...]:
    return (
        func.sum(OrderLine.quantity * OrderLine.unit_price).label("revenue"),
        func.count(distinct(Order.id)).label("orders"),
        func.sum(OrderLine.quantity).label("units"),
    )


def sales_total(*, session: Session, filters: SalesFilter) -> tuple[Any, int, int]:
    """Return (revenue, orders, units) over all sales the filters keep."""
    row = session.execute(_sales_from(select(*_measures()), filters)).one()
    return row.revenue, int(row.orders or 0), int(row.units or 0)


def sales_by(
    *, session: Session, by: str, filters: SalesFilter, freq: str = "month"
) -> list[tuple[str, Any, int, int]]:
    """Return (key, revenue, orders, units) rows grouped by period, category, channel or country."""
    keys: dict[str, Any] = {
        "category": func.coalesce(Product.category, literal_column(f"'{UNCATEGORISED}'")),
        "channel": Order.channel,
        "country": func.coalesce(Customer.country, literal_column(f"'{UNKNOWN}'")),
    }
    key = period_start(session, Order.placed_at, freq) if by == "period" else keys[by]
    stmt = _sales_from(select(key.label("key"), *_measures()), filters, by)
    stmt = stmt.group_by(key).order_by(key)
    return [(str(r.key), r.revenue, int(r.orders), int(r.units)) for r in session.execute(stmt)]


def cohort_counts(*, session: Session, start: date | None = None) -> list[tuple[str, str, int]]:
    """Return (cohort month, active month, customers) for monthly first-order cohorts."""
    month = period_start(session, Order.placed_at, "month")
    active = (
        select(Order.customer_id.label("cid"), month.label("m"))
        .where(Order.status.not_in(NOT_SALES))
        .group_by(Order.customer_id, month)
        .cte("active")
    )
    first = (
        select(active.c.cid, func.min(active.c.m).label("cohort")).group_by(active.c.cid).subquery()
    )
    stmt = (
        select(first.c.cohort, active.c.m, func.count().label("n"))
        .join(active, active.c.cid == first.c.cid)
        .group_by(first.c.cohort, active.c.m)
        .order_by(first.c.cohort, active.c.m)
    )
    if start is not None:
        stmt = stmt.where(first.c.cohort >= start.strftime("%Y-%m-01"))
    return [(str(r.cohort), str(r.m), int(r.n)) for r in session.execute(stmt)]


def basket_counts(
    *, session: Session, min_support: float, limit: int, sort: str = "lift"
) -> tuple[int, list[tuple[int, int, int, int, int]]]:
    """Return the order count and (a, b, orders with both, orders with a, with b) pairs."""
    valid = Order.status.not_in(NOT_SALES)
    total = session.scalar(select(func.count()).select_from(Order).where(valid)) or 0
    if total == 0:
        return 0, []
    min_orders = max(1, math.ceil(min_support * total))
    per_order = (
        select(OrderLine.order_id.label("oid"), OrderLine.product_id.label("pid"))
        .join(Order, Order.id == OrderLine.order_id)
        .where(valid)
        .distinct()
        .cte("per_order")
    )
    items = select(per_order.c.pid, func.count().label("n")).group_by(per_order.c.pid).subquery()
    a, b = aliased(per_order), aliased(per_order)
    pairs = (
        select(a.c.pid.label("pa"), b.c.pid.label("pb"), func.count().label("n"))
        .join(b, and_(a.c.oid == b.c.oid, a.c.pid < b.c.pid))
        .group_by(a.c.pid, b.c.pid)
        .having(func.count() >= literal(min_orders))
        .subquery()
    )
    ia, ib = aliased(items), aliased(items)
    ratio = (pairs.c.n * 1.0) / (ia.c.n * ib.c.n)
    first = ratio.desc() if sort == "lift" else pairs.c.n.desc()
    rows = session.execute(
        select(pairs.c.pa, pairs.c.pb, pairs.c.n, ia.c.n.label("na"), ib.c.n.label("nb"))
        .join(ia, ia.c.pid == pairs.c.pa)
        .join(ib, ib.c.pid == pairs.c.pb)
        .order_by(first, pairs.c.n.desc(), pairs.c.pa, pairs.c.pb)
        .limit(limit)
    ).all()
    return int(total), [(int(r.pa), int(r.pb), int(r.n), int(r.na), int(r.nb)) for r in rows]


def units_by_period(
    *, session: Session, freq: str, product_id: int | None = None, category: str | None = None
) -> list[tuple[int, str, int]]:
    """Return (product id, period start, units sold) for one product, a category or all."""
    key = period_start(session, Order.placed_at, freq)
    stmt = (
        select(OrderLine.product_id, key.label("p"), func.sum(OrderLine.quantity).label("u"))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.status.not_in(NOT_SALES))
        .group_by(OrderLine.product_id, key)
    )
    if product_id is not None:
        stmt = stmt.where(OrderLine.product_id == product_id)
    if category is not None:
        stmt = stmt.join(Product, Product.id == OrderLine.product_id).where(
            func.lower(Product.category) == category.lower()
        )
    return [(int(r.product_id), str(r.p), int(r.u)) for r in session.execute(stmt)]


def last_sale(*, session: Session) -> datetime | None:
    """Return when the latest counted order was placed."""
    return session.scalar(select(func.max(Order.placed_at)).where(Order.status.not_in(NOT_SALES)))


def top_products(
    *, session: Session, category: str | None = None, since: datetime | None = None, limit: int = 10
) -> list[tuple[int, int]]:
    """Return (product id, units sold) of active, in-stock products, best sellers first."""
    units = func.sum(OrderLine.quantity).label("u")
    stmt = (
        select(OrderLine.product_id, units)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(Order.status.not_in(NOT_SALES), Product.is_active.is_(True), Product.stock > 0)
        .group_by(OrderLine.product_id)
        .order_by(units.desc(), OrderLine.product_id)
        .limit(limit)
    )
    if category is not None:
        stmt = stmt.where(func.lower(Product.category) == category.strip().lower())
    if since is not None:
        stmt = stmt.where(Order.placed_at >= since)
    return [(int(r.product_id), int(r.u)) for r in session.execute(stmt)]
