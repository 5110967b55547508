"""Product service behaviour on both backends: upsert by sku, events, stock adjustments."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from maitre.db.session import unit_of_work
from maitre.errors import Conflict
from maitre.events import EVENT_HANDLERS_KEY, DomainEvent
from maitre.products import service as products
from maitre.products.schemas import ProductCreate, ProductUpdate
from tests.factories.products import make_product, product_payload


def test_upsert_by_sku_reports_what_happened(session: Session) -> None:
    row = product_payload(sku="UP-1", price="3.10")
    product, outcome = products.upsert(session=session, data=ProductCreate(**row))
    assert outcome == "created" and product.price == Decimal("3.10")
    assert products.upsert(session=session, data=ProductCreate(**row))[1] == "unchanged"
    row["price"] = "3.20"
    again, outcome = products.upsert(session=session, data=ProductCreate(**row))
    assert (again.id, outcome, again.price) == (product.id, "updated", Decimal("3.20"))


def test_create_and_update_emit_product_events(session: Session) -> None:
    seen: list[DomainEvent] = []
    session.info[EVENT_HANDLERS_KEY] = [lambda _s, event: seen.append(event)]
    product = make_product(session, price="4.00")
    products.update(session=session, product_id=product.id, data=ProductUpdate(price="4.50"))
    products.update(session=session, product_id=product.id, data=ProductUpdate(price="4.5"))
    assert [e.type for e in seen] == ["product.created", "product.updated"]
    assert seen[0].data["price"] == "4.00"
    assert seen[1].data["price"] == "4.50" and seen[1].data["changes"] == ["price"]


def test_get_by_sku_and_get_many(session: Session) -> None:
    a = make_product(session, sku="GM-1")
    b = make_product(session, sku="GM-2")
    make_product(session, sku="GM-3")
    assert products.get_by_sku(session=session, sku=" GM-1 ") is a
    assert products.get_by_sku(session=session, sku="gm-1") is None
    found = products.get_many(session=session, ids=[a.id], skus=["GM-2", "NOPE"])
    assert {p.id for p in found} == {a.id, b.id}
    assert products.get_many(session=session) == []


def test_adjust_stock_never_goes_below_zero(session: Session) -> None:
    product = make_product(session, stock=2)
    products.adjust_stock(session=session, product_id=product.id, delta=-2)
    assert product.stock == 0
    with pytest.raises(Conflict) as caught:
        products.adjust_stock(session=session, product_id=product.id, delta=-1)
    assert caught.value.extra == {"sku": product.sku, "requested": 1, "available": 0}
    products.adjust_stock(session=session, product_id=product.id, delta=5)
    assert product.stock == 5


def test_adjust_stock_sees_changes_made_by_others(session_factory: sessionmaker[Session]) -> None:
    if session_factory.kw["bind"].dialect.name == "sqlite":
        pytest.skip("SQLite writers are serialised by BEGIN IMMEDIATE; they cannot interleave")
    with unit_of_work(session_factory) as s:
        product_id = make_product(s, stock=5).id
    with session_factory() as mine:
        product = products.get(session=mine, product_id=product_id)  # holds stock == 5
        with unit_of_work(session_factory) as other:
            products.adjust_stock(session=other, product_id=product_id, delta=-4)
        products.adjust_stock(session=mine, product_id=product_id, delta=-1)
        assert product.stock == 0
        with pytest.raises(Conflict):
            products.adjust_stock(session=mine, product_id=product_id, delta=-1)
        mine.commit()
    with session_factory() as check:
        assert products.get(session=check, product_id=product_id).stock == 0
