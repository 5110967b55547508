"""A read-only snapshot of the CRM the scenarios run against, and the choice of who plays whom.

The evaluation is an oracle independent of the agent under test, so it reads the tables directly
(read-only) instead of going through the services the agent's tools use.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Session

from maitre.agent.evaluation.schema import CustomerSelector, ProductSelector, Scenario
from maitre.customers.models import Customer
from maitre.db.base import Base
from maitre.orders.models import Order
from maitre.products.models import Product

CENT = Decimal("0.01")
ZH_NAME = re.compile(r"中文名[:：]\s*(.+)")
SIZE_SUFFIX = re.compile(r"(,\s.*|\s[\d.,]+\s?(g|ml|L|W|mAh)|\s\d+\"?)$")


@dataclass(frozen=True)
class OrderFacts:
    id: int
    number: str
    customer_id: int
    status: str
    placed_at: datetime
    delivered_at: datetime | None
    tracking_number: str | None
    carrier: str | None
    shipping_address: str | None
    total: Decimal
    amounts: frozenset[Decimal]


@dataclass
class CustomerFacts:
    id: int
    name: str
    email: str | None
    phone: str | None
    address: str | None
    language: str
    tags: list[str]
    orders: list[OrderFacts] = field(default_factory=list)  # newest placed first


@dataclass(frozen=True)
class ProductFacts:
    id: int
    name: str
    name_zh: str
    category: str | None
    price: Decimal
    stock: int


@dataclass
class Binding:
    """The real records one scenario run plays with, and its template values."""

    values: dict[str, str]
    customer_id: int | None = None
    order_id: int | None = None
    other_customer_id: int | None = None
    other_order_id: int | None = None
    product_id: int | None = None


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _amounts(order: Order) -> frozenset[Decimal]:
    found = {order.total, order.subtotal, order.discount}
    for line in order.lines:
        found.update({line.unit_price, line.line_total})
    return frozenset(Decimal(a).quantize(CENT) for a in found)


def _kb_text(session: Session) -> str:
    """Return all text held in knowledge-base tables (whatever their layout), for fact checks."""
    parts: list[str] = []
    for name, table in Base.metadata.tables.items():
        if not name.startswith("kb"):
            continue
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        if not columns:
            continue
        for row in session.execute(select(*columns)):
            parts.extend(str(v) for v in row if v)
    return "\n".join(parts)


@dataclass
class World:
    """Customers with their orders, the catalogue and the knowledge base's text."""

    customers: dict[int, CustomerFacts]
    products: list[ProductFacts]
    kb_text: str
    max_order_id: int
    now: datetime
    orders_by_id: dict[int, OrderFacts] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.orders_by_id = {o.id: o for c in self.customers.values() for o in c.orders}

    @classmethod
    def load(cls, session: Session, *, now: datetime | None = None) -> World:
        """Read the snapshot from the database."""
        customers = {
            c.id: CustomerFacts(
                c.id, c.name, c.email, c.phone, c.address, c.language or "en", list(c.tags or [])
            )
            for c in session.scalars(select(Customer).order_by(Customer.id))
        }
        max_id = 0
        for o in session.scalars(select(Order).order_by(Order.placed_at.desc(), Order.id.desc())):
            max_id = max(max_id, o.id)
            facts = OrderFacts(
                id=o.id,
                number=o.number,
                customer_id=o.customer_id,
                status=str(o.status),
                placed_at=_aware(o.placed_at) or datetime.now(UTC),
                delivered_at=_aware(o.delivered_at),
                tracking_number=o.tracking_number,
                carrier=o.carrier,
                shipping_address=o.shipping_address,
                total=Decimal(o.total).quantize(CENT),
                amounts=_amounts(o),
            )
            if o.customer_id in customers:
                customers[o.customer_id].orders.append(facts)
        products = []
        for p in session.scalars(select(Product).where(Product.is_active).order_by(Product.id)):
            zh = ZH_NAME.search(p.description or "")
            products.append(
                ProductFacts(
                    p.id,
                    p.name,
                    zh.group(1).strip() if zh else p.name,
                    p.category,
                    Decimal(p.price).quantize(CENT),
                    p.stock,
                )
            )
        return cls(customers, products, _kb_text(session), max_id, now or datetime.now(UTC))

    def order(self, order_id: int) -> OrderFacts | None:
        """Return an order by id."""
        return self.orders_by_id.get(order_id)

    def _order_matches(self, o: OrderFacts, sel: CustomerSelector) -> bool:
        if sel.has_order_status and o.status != sel.has_order_status:
            return False
        if sel.delivered_within_days is not None:
            limit = self.now - timedelta(days=sel.delivered_within_days)
            if o.delivered_at is None or o.delivered_at < limit:
                return False
        if sel.delivered_before_days is not None:
            limit = self.now - timedelta(days=sel.delivered_before_days)
            if o.delivered_at is None or o.delivered_at > limit:
                return False
        if sel.has_tracking is not None and bool(o.tracking_number) != sel.has_tracking:
            return False
        if sel.order_total_above is not None and o.total <= Decimal(str(sel.order_total_above)):
            return False
        below = sel.order_total_below
        return below is None or o.total < Decimal(str(below))

    def _pick_order(self, c: CustomerFacts, sel: CustomerSelector) -> OrderFacts | None:
        if len(c.orders) < sel.min_orders:
            return None
        if sel.latest_order_status is not None:
            latest = c.orders[0] if c.orders else None
            ok = latest is not None and latest.status == sel.latest_order_status
            return (
                latest if ok and latest is not None and self._order_matches(latest, sel) else None
            )
        return next((o for o in c.orders if self._order_matches(o, sel)), None)

    def _customer_ok(self, c: CustomerFacts, sel: CustomerSelector) -> bool:
        if not c.email or (sel.language and c.language != sel.language):
            return False
        if sel.vip is not None and ("vip" in c.tags) != sel.vip:
            return False
        return sel.has_phone is None or bool(c.phone) == sel.has_phone

    def _pick_product(self, sel: ProductSelector, rng: random.Random) -> ProductFacts:
        found = [
            p
            for p in self.products
            if (sel.in_stock is None or (p.stock > 0) == sel.in_stock)
            and (sel.category is None or p.category == sel.category)
        ]
        if not found:
            raise LookupError(f"no product matches {sel.model_dump(exclude_none=True)}")
        return rng.choice(found)

    def bind(self, scenario: Scenario, *, used: set[int], rng: random.Random) -> Binding:
        """Choose unused real customers/orders/products for ``scenario``; mark them used."""
        values: dict[str, str] = {}
        binding = Binding(values)
        missing = self.max_order_id + 50_000 + rng.randrange(1000)
        values["missing_order.number"] = f"MT-{missing:06d}"
        values["missing_order.short"] = str(missing)
        if scenario.customer is not None:
            self._bind_customer(scenario.customer, binding, used, rng)
        if scenario.other_customer:
            self._bind_other(binding, used, rng)
        if scenario.product is not None:
            p = self._pick_product(scenario.product, rng)
            binding.product_id = p.id
            short = SIZE_SUFFIX.sub("", p.name).strip() or p.name
            values.update(
                {
                    "product.name": p.name,
                    "product.name_zh": p.name_zh,
                    "product.short_name": short,
                    "product.category": p.category or "",
                    "product.price": f"{p.price}",
                }
            )
        cid = binding.customer_id or 0
        values.update(
            {
                "new.address": f"{40 + cid % 50} Harbour View Road, Unit {cid % 90 + 2}, "
                "Wellington 6011, New Zealand",
                "new.address_zh": f"上海市浦东新区世纪大道{100 + cid % 300}号8栋{cid % 20 + 1}01室",
                "new.phone": f"+1 415 555 {1000 + cid % 9000:04d}",
                "new.email": f"eval.new.{cid}@example.net",
            }
        )
        return binding

    def _bind_customer(
        self, sel: CustomerSelector, binding: Binding, used: set[int], rng: random.Random
    ) -> None:
        candidates = [c for c in self.customers.values() if c.id not in used]
        rng.shuffle(candidates)
        for c in candidates:
            if not self._customer_ok(c, sel):
                continue
            order = self._pick_order(c, sel) if sel.min_orders > 0 else None
            if sel.min_orders > 0 and order is None:
                continue
            used.add(c.id)
            binding.customer_id = c.id
            v = binding.values
            first = c.name if c.language == "zh" else c.name.split(" ")[0]
            v.update(
                {
                    "customer.name": c.name,
                    "customer.first_name": first,
                    "customer.email": c.email or "",
                    "customer.email_upper": (c.email or "").upper(),
                    "customer.phone": c.phone or "",
                    "customer.address": c.address or "",
                }
            )
            if order is not None:
                binding.order_id = order.id
                v.update(_order_values("order", order))
                v["order.total"] = f"{order.total}"
                v["order.status"] = order.status
                v["order.carrier"] = order.carrier or ""
                second = next((o for o in c.orders if o.id != order.id), None)
                if second is not None:
                    v.update(_order_values("second_order", second))
            return
        raise LookupError(f"no unused customer matches {sel.model_dump(exclude_none=True)}")

    def _bind_other(self, binding: Binding, used: set[int], rng: random.Random) -> None:
        others = [c for c in self.customers.values() if c.id not in used and c.orders and c.email]
        if not others:
            raise LookupError("no other customer with orders left")
        other = rng.choice(others)
        used.add(other.id)
        order = other.orders[0]
        binding.other_customer_id, binding.other_order_id = other.id, order.id
        binding.values.update(
            {
                "other_customer.name": other.name,
                "other_customer.email": other.email or "",
                "other_customer.phone": other.phone or "",
                "other_customer.address": other.address or "",
                **_order_values("other_order", order),
            }
        )


def _order_values(prefix: str, order: OrderFacts) -> dict[str, str]:
    digits = re.sub(r"\D", "", order.number)
    return {
        f"{prefix}.number": order.number,
        f"{prefix}.number_lower": order.number.lower(),
        f"{prefix}.digits": digits,
        f"{prefix}.short": digits.lstrip("0") or "0",
        f"{prefix}.tracking_number": order.tracking_number or "",
    }


PLACEHOLDER_RE = re.compile(r"\{([a-z_]+\.[a-z_]+)\}")


def fill(template: str, values: dict[str, Any]) -> str:
    """Replace ``{binding.field}`` placeholders with the bound values; unknown ones raise."""

    def one(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"placeholder {{{key}}} has no value in this run")
        return str(values[key])

    return PLACEHOLDER_RE.sub(one, template)
