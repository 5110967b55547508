"""Order operations; the only code that queries the orders and order lines tables.

Stock rule: a live order takes its quantities out of product stock when it is created (or when
its lines change before shipping) and gives them back when it is cancelled, returned or
deleted. Stock never goes negative: an order that needs more than is in stock is refused with
409. A historical import, an order whose ``placed_at`` is given and lies more than an hour in the
past, or an order created already cancelled or returned, does not touch stock.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from maitre.common.idspan import IdSpan
from maitre.common.pagination import Page, PageParams, paginate
from maitre.customers import service as customers
from maitre.db.base import utcnow
from maitre.db.lookup import get_or_404
from maitre.errors import Conflict, FieldError, NotFound, ValidationFailed
from maitre.events import emit
from maitre.orders import changes
from maitre.orders import lines as order_lines
from maitre.orders.models import Order, OrderLine
from maitre.orders.schemas import OrderCreate, OrderRead, OrderUpdate
from maitre.orders.status import RELEASES_STOCK, OrderStatus
from maitre.timeline import service as timeline

HISTORY_CUTOFF = timedelta(hours=1)
NUMBER_PREFIX = "MT-"

SORTABLE = {
    "id": Order.id,
    "number": Order.number,
    "status": Order.status,
    "placed_at": Order.placed_at,
    "total": Order.total,
    "created_at": Order.created_at,
    "updated_at": Order.updated_at,
}


@dataclass(frozen=True)
class OrderFilter:
    """Filters an order list accepts; ``placed_from`` is inclusive, ``placed_to`` exclusive."""

    customer_id: int | None = None
    status: OrderStatus | None = None
    number: str | None = None
    placed_from: datetime | None = None
    placed_to: datetime | None = None
    product_id: int | None = None


def generated_number(order_id: int) -> str:
    """Return the order number generated for ``order_id`` (``MT-000123``)."""
    return f"{NUMBER_PREFIX}{order_id:06d}"


def get(*, session: Session, order_id: int) -> Order:
    """Return an order with its lines or raise ``NotFound``."""
    return get_or_404(session, Order, order_id, "Order")


def get_by_number(*, session: Session, number: str) -> Order | None:
    """Return the order with ``number``; ``#1043``, ``mt-001043`` or ``1043`` find ``MT-001043``.

    An exact match always wins, so imported numbers like ``1043`` are found as they are.
    """
    wanted = number.strip().lstrip("#")
    candidates = [wanted, wanted.upper()]
    if wanted.isdigit() and len(wanted) <= 12:
        candidates.append(generated_number(int(wanted)))
    for candidate in dict.fromkeys(candidates):
        order = session.scalar(select(Order).where(Order.number == candidate))
        if order is not None:
            return order
    return None


def get_by_number_exact(*, session: Session, number: str) -> Order | None:
    """Return the order whose number is exactly ``number``, if any."""
    return session.scalar(select(Order).where(Order.number == number))


def get_by_number_for_customer(*, session: Session, customer_id: int, number: str) -> Order | None:
    """Return ``customer_id``'s order with ``number`` (read as ``get_by_number`` does), if any.

    Another customer's order is not found, exactly like a number that does not exist.
    """
    wanted = number.replace("\x00", "").strip().lstrip("#")
    if not wanted or len(wanted) > 40:
        return None
    candidates = [wanted, wanted.upper()]
    if wanted.isdigit() and len(wanted) <= 12:
        candidates.append(generated_number(int(wanted)))
    for candidate in dict.fromkeys(candidates):
        order = session.scalar(
            select(Order).where(Order.number == candidate, Order.customer_id == customer_id)
        )
        if order is not None:
            return order
    return None


def latest_for_customer(*, session: Session, customer_id: int) -> Order | None:
    """Return the customer's most recently placed order, if any."""
    found = list_for_customer(session=session, customer_id=customer_id, limit=1)
    return found[0] if found else None


def list_(*, session: Session, filters: OrderFilter, params: PageParams) -> Page[Order]:
    """Return one page of orders matching ``filters`` (newest placed first by default)."""
    stmt = select(Order)
    if filters.customer_id is not None:
        stmt = stmt.where(Order.customer_id == filters.customer_id)
    if filters.status is not None:
        stmt = stmt.where(Order.status == filters.status.value)
    if filters.number:
        stmt = stmt.where(Order.number == filters.number.strip().lstrip("#"))
    if filters.placed_from is not None:
        stmt = stmt.where(Order.placed_at >= filters.placed_from)
    if filters.placed_to is not None:
        stmt = stmt.where(Order.placed_at < filters.placed_to)
    if filters.product_id is not None:
        stmt = stmt.where(
            exists().where(
                OrderLine.order_id == Order.id, OrderLine.product_id == filters.product_id
            )
        )
    return paginate(
        session,
        stmt,
        id_column=Order.id,
        params=params,
        sortable=SORTABLE,
        default_sort="-placed_at",
    )


def list_for_customer(*, session: Session, customer_id: int, limit: int = 50) -> list[Order]:
    """Return a customer's orders with their lines, newest placed first."""
    stmt = (
        select(Order)
        .where(Order.customer_id == customer_id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def public(order: Order) -> dict[str, Any]:
    """Return the order's API shape as JSON-ready data (for events, webhooks and the 360 view)."""
    return OrderRead.model_validate(order).model_dump(mode="json")


def _flush(session: Session, number: str) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"An order numbered {number!r} already exists.") from exc


def _assign_number(session: Session, order: Order) -> None:
    # Derived from the id, which the database makes unique, so concurrent creates never clash;
    # a suffix steps around a number some import already used.
    base = generated_number(order.id)
    for attempt in range(20):
        candidate = base if attempt == 0 else f"{base}-{attempt}"
        if session.scalar(select(Order.id).where(Order.number == candidate)) is not None:
            continue
        order.number = candidate
        try:
            with session.begin_nested():
                session.flush()
            return
        except IntegrityError:
            continue
    raise Conflict(f"Could not generate a free order number for order {order.id}.")


def _customer_exists(session: Session, customer_id: int) -> None:
    try:
        customers.get(session=session, customer_id=customer_id)
    except NotFound as exc:
        raise ValidationFailed(
            f"Customer {customer_id} does not exist.",
            errors=[FieldError(["body", "customer_id"], f"no customer with id {customer_id}")],
        ) from exc


def create(*, session: Session, data: OrderCreate, actor: str = "system") -> Order:
    """Create an order with its lines, take its stock, and record it on the timeline."""
    _customer_exists(session, data.customer_id)
    if data.number and get_by_number_exact(session=session, number=data.number) is not None:
        raise Conflict(f"An order numbered {data.number!r} already exists.")
    now = utcnow()
    historical = data.placed_at is not None and data.placed_at < now - HISTORY_CUTOFF
    live = not historical and data.status not in RELEASES_STOCK
    priced, currency = order_lines.price_lines(
        session=session, lines=data.lines, currency=data.currency, for_sale=live
    )
    subtotal, total = order_lines.totals(priced, data.discount)
    values = data.model_dump(exclude={"lines", "number", "currency", "discount"})
    order = Order(
        **values,
        number=data.number or f"tmp-{uuid.uuid4().hex}",
        currency=currency,
        discount=data.discount,
        subtotal=subtotal,
        total=total,
        lines=order_lines.to_rows(priced),
    )
    order.placed_at = data.placed_at or now
    changes.stamp(order, data.status, order.placed_at)
    with session.begin_nested():  # a stock shortage undoes the lines already taken
        if live:
            order_lines.move_stock(
                session=session, take=order_lines.quantities(priced), give_back=Counter()
            )
            order.stock_reserved = True
        session.add(order)
        _flush(session, order.number)
        if not data.number:
            _assign_number(session, order)
    items = sum(line.quantity for line in order.lines)
    timeline.record(
        session=session,
        customer_id=order.customer_id,
        kind="order.created",
        subject_type="order",
        subject_id=order.id,
        summary=f"Order {order.number} placed: {items} item(s), {total} {currency}",
        data={"number": order.number, "status": str(order.status), "total": str(total)},
        actor=actor,
        occurred_at=order.placed_at,
    )
    emit(session=session, type="order.created", data=public(order))
    return order


def _save(
    session: Session, order: Order, values: dict[str, Any], *, actor: str, enforce: bool
) -> bool:
    """Apply ``values``, then record the change on the timeline and announce it."""
    change = changes.apply(session, order, values, enforce=enforce)
    if not change.diff:
        return False
    old, new = change.old_status.value, change.new_status.value
    if change.status_changed:
        timeline.record(
            session=session,
            customer_id=order.customer_id,
            kind="order.status_changed",
            subject_type="order",
            subject_id=order.id,
            summary=f"Order {order.number}: {old} → {new}",
            data={"number": order.number, "from": old, "to": new},
            actor=actor,
        )
    others = change.other_fields()
    if others:
        timeline.record(
            session=session,
            customer_id=order.customer_id,
            kind="order.updated",
            subject_type="order",
            subject_id=order.id,
            summary=f"Order {order.number}: updated " + ", ".join(sorted(others)),
            data={
                "number": order.number,
                "changes": {k: [str(a), str(b)] for k, (a, b) in others.items()},
            },
            actor=actor,
        )
    event: dict[str, Any] = {**public(order), "changes": sorted(change.diff)}
    if change.status_changed:
        event["previous_status"] = old
    emit(session=session, type="order.updated", data=event)
    return True


def update(*, session: Session, order_id: int, data: OrderUpdate, actor: str = "system") -> Order:
    """Apply a PATCH: status by the allowed transitions, lines and address only before shipping."""
    order = get(session=session, order_id=order_id)
    values = {key: getattr(data, key) for key in data.model_fields_set}  # lines stay models
    _save(session, order, values, actor=actor, enforce=True)
    return order


def set_status(
    *, session: Session, order_id: int, status: OrderStatus, actor: str = "system"
) -> Order:
    """Move an order to ``status`` (cancel, request a return …) or raise ``Conflict``."""
    order = get(session=session, order_id=order_id)
    _save(session, order, {"status": status}, actor=actor, enforce=True)
    return order


def change_shipping_address(
    *, session: Session, order_id: int, shipping_address: str, actor: str = "system"
) -> Order:
    """Change where an order goes; ``Conflict`` once it has shipped."""
    order = get(session=session, order_id=order_id)
    _save(session, order, {"shipping_address": shipping_address}, actor=actor, enforce=True)
    return order


def upsert(*, session: Session, data: OrderCreate, actor: str = "system") -> tuple[Order, str]:
    """Create or update by number (imports); return the order and ``created``/``updated``/
    ``unchanged``. Fields are taken as given: history may jump statuses."""
    existing = get_by_number_exact(session=session, number=data.number) if data.number else None
    if existing is None:
        return create(session=session, data=data, actor=actor), "created"
    if existing.customer_id != data.customer_id:
        raise Conflict(
            f"Order {existing.number} belongs to customer {existing.customer_id}, "
            f"not {data.customer_id}."
        )
    values = {
        key: getattr(data, key)
        for key in data.model_fields_set
        if key not in ("number", "customer_id", "currency")
    }
    changed = _save(session, existing, values, actor=actor, enforce=False)
    return existing, ("updated" if changed else "unchanged")


def delete(*, session: Session, order_id: int, actor: str = "system") -> None:
    """Delete an order and its lines, giving back any stock it holds."""
    order = get(session=session, order_id=order_id)
    data = public(order)
    changes.release_stock(session, order)
    timeline.record(
        session=session,
        customer_id=order.customer_id,
        kind="order.deleted",
        subject_type="order",
        subject_id=order.id,
        summary=f"Order {order.number} deleted",
        data={"number": order.number},
        actor=actor,
    )
    session.delete(order)
    session.flush()
    emit(session=session, type="order.deleted", data=data)


def order_facts(
    *, session: Session, as_of: datetime, span: IdSpan | None = None
) -> list[tuple[Any, ...]]:
    """Return one row of order aggregates per customer, counting only what happened by ``as_of``.

    Columns: customer_id, orders (placed), cancelled, returned, kept_value (total of orders
    neither cancelled nor returned), discounted (orders with a discount), first_at, last_at
    (first and last order that was not cancelled).
    """
    cancelled = Order.cancelled_at.is_not(None) & (Order.cancelled_at <= as_of)
    returned = ~cancelled & Order.returned_at.is_not(None) & (Order.returned_at <= as_of)
    live_at = case((~cancelled, Order.placed_at))  # NULL for cancelled orders
    stmt = (
        select(
            Order.customer_id,
            func.count(Order.id),
            func.sum(case((cancelled, 1), else_=0)),
            func.sum(case((returned, 1), else_=0)),
            func.sum(case((cancelled | returned, 0), else_=Order.total)),
            func.sum(case((Order.discount > 0, 1), else_=0)),
            func.min(live_at),
            func.max(live_at),
        )
        .where(Order.placed_at <= as_of)
        .group_by(Order.customer_id)
    )
    if span is not None:
        stmt = stmt.where(span.condition(Order.customer_id))
    return [tuple(row) for row in session.execute(stmt)]


def channel_counts(
    *, session: Session, as_of: datetime, span: IdSpan | None = None
) -> list[tuple[Any, ...]]:
    """Return (customer_id, channel, orders) for orders placed by ``as_of``."""
    stmt = (
        select(Order.customer_id, Order.channel, func.count(Order.id))
        .where(Order.placed_at <= as_of)
        .group_by(Order.customer_id, Order.channel)
    )
    if span is not None:
        stmt = stmt.where(span.condition(Order.customer_id))
    return [tuple(row) for row in session.execute(stmt)]


def line_spend(
    *, session: Session, as_of: datetime, span: IdSpan | None = None
) -> list[tuple[Any, ...]]:
    """Return (customer_id, product_id, amount) of order lines not cancelled by ``as_of``."""
    cancelled = Order.cancelled_at.is_not(None) & (Order.cancelled_at <= as_of)
    stmt = (
        select(
            Order.customer_id,
            OrderLine.product_id,
            func.sum(OrderLine.unit_price * OrderLine.quantity),
        )
        .join(Order, OrderLine.order_id == Order.id)
        .where(Order.placed_at <= as_of, ~cancelled)
        .group_by(Order.customer_id, OrderLine.product_id)
    )
    if span is not None:
        stmt = stmt.where(span.condition(Order.customer_id))
    return [tuple(row) for row in session.execute(stmt)]


def product_spend(*, session: Session, as_of: datetime) -> list[tuple[Any, ...]]:
    """Return (product_id, amount) over order lines not cancelled by ``as_of``, all customers."""
    cancelled = Order.cancelled_at.is_not(None) & (Order.cancelled_at <= as_of)
    stmt = (
        select(OrderLine.product_id, func.sum(OrderLine.unit_price * OrderLine.quantity))
        .join(Order, OrderLine.order_id == Order.id)
        .where(Order.placed_at <= as_of, ~cancelled)
        .group_by(OrderLine.product_id)
    )
    return [tuple(row) for row in session.execute(stmt)]


def fingerprint(*, session: Session) -> tuple[Any, ...]:
    """Return (count, max id, max updated_at) of orders, to tell when order data changed."""
    stmt = select(func.count(Order.id), func.max(Order.id), func.max(Order.updated_at))
    return tuple(session.execute(stmt).one())


def top_products(*, session: Session, limit: int = 100) -> list[tuple[int, int]]:
    """Return (product_id, distinct buyers) of the most widely bought products, uncancelled."""
    stmt = (
        select(OrderLine.product_id, func.count(func.distinct(Order.customer_id)).label("n"))
        .join(Order, OrderLine.order_id == Order.id)
        .where(Order.cancelled_at.is_(None))
        .group_by(OrderLine.product_id)
        .order_by(func.count(func.distinct(Order.customer_id)).desc(), OrderLine.product_id)
        .limit(limit)
    )
    return [(int(pid), int(n)) for pid, n in session.execute(stmt)]
