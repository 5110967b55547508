"""Orders from CSV: one row per order line, the order's rows consecutive.

Shape::

    number,customer_email,status,placed_at,sku,quantity,unit_price
    1001,ada@example.com,delivered,2024-03-01T10:00:00Z,MUG-01,2,12.50
    1001,,,,TEE-02,1,
    1002,grace@example.com,paid,2024-03-02T09:30:00Z,MUG-01,1,

* ``number`` (required) identifies the order; rows with the same number that follow each
  other form one order. The same number again later in the file is a duplicate and rejected.
* The customer is named by ``customer_id``, ``customer_email`` or ``customer_external_id``.
* Order columns (``status``, ``channel``, ``currency``, ``placed_at``, ``shipped_at``,
  ``delivered_at``, ``cancelled_at``, ``returned_at``, ``tracking_number``, ``carrier``,
  ``shipping_address``, ``discount``) may repeat on every row of the order or be left empty
  after the first; rows that disagree reject the whole order.
* Line columns: ``sku`` or ``product_id``, ``quantity``, and optionally ``unit_price`` (the
  product's price when empty).

An order is written all or nothing: a bad line rejects it, and every row of it is reported.
Orders are upserted by number through ``orders.service.upsert``; give ``placed_at`` for
history, since an order placed more than an hour ago does not take stock.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from maitre.customers import bulk as customers_bulk
from maitre.customers.bulk import Outcome
from maitre.errors import MaitreError
from maitre.imports.kinds import (
    Item,
    Rejection,
    Result,
    WriteContext,
    Written,
    duplicate,
    service_rejection,
    validate,
)
from maitre.imports.mapping import FieldSpec, Plan
from maitre.orders import service as orders
from maitre.orders.schemas import OrderCreate, OrderLineIn

LINE_FIELDS = tuple(OrderLineIn.model_fields)
CUSTOMER_REFS = ("customer_id", "customer_email", "customer_external_id")
ORDER_FIELDS = tuple(f for f in OrderCreate.model_fields if f != "lines") + CUSTOMER_REFS[1:]
# Rows kept per order while grouping; OrderCreate itself refuses orders with too many lines.
MAX_GROUP_ROWS = 1000


class Orders:
    """Orders grouped from line rows, upserted one by one through ``orders.service``."""

    name = "orders"
    tables: tuple[str, ...] = ("orders", "order_lines")
    parallel = False  # grouping and writing read the rows' values
    spec = FieldSpec(
        fields=ORDER_FIELDS + LINE_FIELDS,
        required=(("number",), CUSTOMER_REFS, ("sku", "product_id"), ("quantity",)),
        ignored=frozenset(
            {"id", "subtotal", "total", "line_total", "name", "created_at", "updated_at"}
        ),
    )

    def group(self, items: Iterator[Item], plan: Plan) -> Iterator[Item]:
        """Merge consecutive rows with the same order number into one order item."""
        current: list[Item] = []
        for item in items:
            number = item.values.get("number")
            if current and number is not None and number == current[0].values.get("number"):
                if len(current) < MAX_GROUP_ROWS:
                    current.append(item)
                else:  # keep memory bounded; the order is refused anyway
                    current[-1].lines.extend(item.lines)
                    current[-1].error = Rejection(
                        plan.column_for("number"), f"an order may not span {MAX_GROUP_ROWS}+ rows"
                    )
                continue
            if current:
                yield _merge(current, plan)
            current = [item]
        if current:
            yield _merge(current, plan)

    def check(self, item: Item, plan: Plan) -> None:
        """Nothing to do before the customers are looked up; ``write`` validates."""

    def write(self, session: Session, items: list[Item], ctx: WriteContext) -> list[Result]:
        by_email, by_ext = customers_bulk.find_ids(
            session=session,
            emails=[str(i.values["customer_email"]) for i in items if "customer_email" in i.values],
            external_ids=[
                str(i.values["customer_external_id"])
                for i in items
                if "customer_external_id" in i.values
            ],
        )
        return [self._write_one(session, item, ctx, by_email, by_ext) for item in items]

    def _write_one(
        self,
        session: Session,
        item: Item,
        ctx: WriteContext,
        by_email: dict[str, int],
        by_ext: dict[str, int],
    ) -> Result:
        values = dict(item.values)
        if not values.get("number"):
            return Rejection(
                ctx.plan.column_for("number"), "an imported order needs a number to be matched on"
            )
        customer = _customer_id(values, by_email, by_ext, ctx)
        if isinstance(customer, Rejection):
            return customer
        if customer is not None:
            values["customer_id"] = customer
        checked = validate(OrderCreate, values, ctx.plan)
        if not isinstance(checked, OrderCreate):
            assert isinstance(checked, Rejection)
            return checked
        assert checked.number is not None
        existing = orders.get_by_number_exact(session=session, number=checked.number)
        if existing is not None and existing.id in ctx.ledger:
            first = ctx.ledger.lines_of([existing.id]).get(existing.id)
            reason = duplicate(f"duplicate order number {checked.number!r}", first)
            return Rejection(ctx.plan.column_for("number"), reason)
        try:
            with session.begin_nested():
                order, outcome = orders.upsert(session=session, data=checked, actor=ctx.actor)
        except MaitreError as exc:
            return service_rejection(exc, ctx.plan)
        ctx.ledger.add(order.id, item.lines[0])  # later rows of this batch see it
        return Written(Outcome(outcome), order.id)


def _customer_id(
    values: dict[str, Any], by_email: dict[str, int], by_ext: dict[str, int], ctx: WriteContext
) -> Any:
    """Resolve the customer columns into one ``customer_id`` (``None`` if none is given)."""
    found: dict[str, Any] = {}
    email = values.pop("customer_email", None)
    ext = values.pop("customer_external_id", None)
    if email is not None:
        found["customer_email"] = by_email.get(str(email).strip().lower())
        if found["customer_email"] is None:
            column = ctx.plan.column_for("customer_email")
            return Rejection(column, f"no customer with email {email!r}")
    if ext is not None:
        found["customer_external_id"] = by_ext.get(str(ext))
        if found["customer_external_id"] is None:
            column = ctx.plan.column_for("customer_external_id")
            return Rejection(column, f"no customer with external_id {ext!r}")
    if "customer_id" in values:
        found["customer_id"] = values["customer_id"]
    if len({str(v) for v in found.values()}) > 1:
        named = ", ".join(f"{k}={v}" for k, v in found.items())
        column = ctx.plan.column_for(next(iter(found)))
        return Rejection(column, f"the customer columns name different customers: {named}")
    return next(iter(found.values()), None)


def _merge(rows: list[Item], plan: Plan) -> Item:
    """Build one order item from its line rows; disagreeing order columns reject it."""
    lines = [line for row in rows for line in row.lines]
    raws = [raw for row in rows for raw in row.raws]
    failed = next((row.error for row in rows if row.error), None)
    if failed is not None:
        return Item(lines=lines, raws=raws, values={}, error=failed)
    order: dict[str, Any] = {}
    for row in rows:
        for key, value in row.values.items():
            if key in LINE_FIELDS:
                continue
            if key in order and order[key] != value:
                reason = (
                    f"the rows of order {rows[0].values.get('number')!r} disagree on {key} "
                    f"({order[key]!r} on line {rows[0].lines[0]}, {value!r} on line {row.lines[0]})"
                )
                return Item(lines, raws, {}, error=Rejection(plan.column_for(key), reason))
            order[key] = value
    order["lines"] = [{k: v for k, v in row.values.items() if k in LINE_FIELDS} for row in rows]
    return Item(lines=lines, raws=raws, values=order)
