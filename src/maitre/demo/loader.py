"""Write the generated demo company into the CRM through the domain services, in one transaction.

Rows go through their domain's ``create``/``update`` so timelines, events and invariants are the
same as for live data; a ``DemoClock`` moves the timestamps the services stamp to the historical
moment each change happened (see ``maitre.demo.clock``). The order history, by far the largest
part, is bulk-inserted by ``maitre.demo.bulk`` (the orders service has no bulk function).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from maitre.common.pagination import PageParams
from maitre.customers import service as customers
from maitre.customers.schemas import CustomerCreate, CustomerUpdate
from maitre.demo import bulk, load_support
from maitre.demo.clock import DemoClock
from maitre.demo.generator import DemoData, DemoStaff
from maitre.kb import demo as kb_demo
from maitre.products import service as products
from maitre.products.schemas import ProductCreate
from maitre.users import service as users
from maitre.users.roles import Role

ACTOR = "demo"
Progress = Callable[[str, int], None]


@dataclass
class LoadResult:
    """What a load wrote: row counts per kind, and the staff accounts it created."""

    counts: dict[str, int] = field(default_factory=dict)
    staff_created: list[DemoStaff] = field(default_factory=list)
    staff_existing: list[DemoStaff] = field(default_factory=list)


def customer_count(*, session: Session) -> int:
    """Return how many customers the database holds."""
    page = customers.list_(
        session=session, filters=customers.CustomerFilter(), params=PageParams(limit=1)
    )
    return page.total


def steps(data: DemoData) -> int:
    """Return how many progress steps ``load`` reports for ``data``."""
    return (
        len(data.staff)
        + len(data.products)
        + len(data.customers)
        + len(data.orders)
        + len(data.tickets)
        + len(data.notes)
        + len(data.leads)
        + len(data.deals)
        + len(kb_demo.files())
    )


def _staff(session: Session, clock: DemoClock, data: DemoData, result: LoadResult) -> None:
    clock.at = min(s.created_at for s in data.products)
    for person in data.staff:
        if users.get_user_by_email(session=session, email=person.email) is not None:
            result.staff_existing.append(person)
            continue
        users.create_user(
            session=session,
            email=person.email,
            name=person.name,
            role=Role(person.role),
            password=person.password,
        )
        result.staff_created.append(person)


def _products(session: Session, clock: DemoClock, data: DemoData, tick: Progress) -> None:
    for item in data.products:
        clock.at = item.created_at
        p = item.product
        products.upsert(
            session=session,
            data=ProductCreate(
                sku=p.sku,
                name=p.name,
                category=p.category,
                price=p.price,
                currency=p.currency,
                stock=item.stock,
                description=f"{p.description}\n\n中文名：{p.name_zh}",
            ),
        )
        tick("products", 1)


def _customers(
    session: Session, clock: DemoClock, data: DemoData, tick: Progress
) -> dict[int, int]:
    ids: dict[int, int] = {}
    for c in data.customers:
        clock.at = c.created_at
        who = c.identity
        row = customers.create(
            session=session,
            data=CustomerCreate(
                name=who.name,
                email=who.email,
                phone=who.phone,
                company=who.company,
                language=who.language,
                address=who.address,
                country=who.country,
                tags=c.tags,
                custom_fields=who.custom_fields,
                marketing_consent=who.marketing_consent,
            ),
            actor=ACTOR,
        )
        ids[c.index] = row.id
        tick("customers", 1)
    return ids


def _vips(session: Session, clock: DemoClock, data: DemoData, customer_ids: dict[int, int]) -> None:
    vips = [(c.vip_since, c) for c in data.customers if c.vip_since and c.vip_since < data.now]
    for when, c in sorted(vips, key=lambda pair: (pair[0], pair[1].index)):
        clock.at = when
        customers.update(
            session=session,
            customer_id=customer_ids[c.index],
            data=CustomerUpdate(tags=[*c.tags, "vip"]),
            actor=ACTOR,
        )


def load(*, session: Session, data: DemoData, progress: Progress | None = None) -> LoadResult:
    """Write ``data`` into the CRM in the caller's transaction and return what was written."""
    tick: Progress = progress or (lambda _phase, _n: None)
    result = LoadResult()
    with DemoClock(session) as clock:
        _staff(session, clock, data, result)
        tick("staff", len(data.staff))
        _products(session, clock, data, tick)
        customer_ids = _customers(session, clock, data, tick)
        order_ids = bulk.insert_orders(
            session=session,
            orders=data.orders,
            customer_ids=customer_ids,
            products=products.get_many(
                session=session, skus=[s.product.sku for s in data.products]
            ),
            progress=lambda n: tick("orders", n),
        )
        _vips(session, clock, data, customer_ids)
        staff_ids = {
            s.email: user.id
            for s in data.staff
            if (user := users.get_user_by_email(session=session, email=s.email)) is not None
        }
        refs = load_support.Refs(customers=customer_ids, orders=order_ids, staff=staff_ids)
        support = load_support.load(session, clock, data, refs, tick)
        # The shop's help articles date from its opening, like the catalogue.
        clock.at = min(s.created_at for s in data.products)
        support["kb_articles"] = kb_demo.load(session=session)
        tick("kb", support["kb_articles"])
    result.counts = {
        "customers": len(data.customers) + support.pop("lead_customers", 0),
        "products": len(data.products),
        "orders": len(data.orders),
        **support,
    }
    return result
