"""Best sellers for recommendations: units sold, active and in stock, by category."""

from __future__ import annotations

from sqlalchemy.orm import Session

from maitre.market import service as market
from maitre.products import service as products
from maitre.products.schemas import ProductUpdate
from tests.factories.customers import make_customer
from tests.factories.orders import make_order
from tests.factories.products import make_product


def test_popular_products_by_units_and_category(session: Session) -> None:
    buyer = make_customer(session)
    kettle = make_product(session, name="Kettle", category="Kitchen", stock=100)
    teapot = make_product(session, name="Teapot", category="Kitchen", stock=100)
    speaker = make_product(session, name="Speaker", category="Audio", stock=100)
    gone = make_product(session, name="Radio", category="Audio", stock=100)
    for product, units in ((kettle, 2), (teapot, 5), (speaker, 9), (gone, 30)):
        make_order(
            session, customer_id=buyer.id, lines=[{"product_id": product.id, "quantity": units}]
        )
    cancelled = make_order(
        session, customer_id=buyer.id, lines=[{"product_id": kettle.id, "quantity": 50}]
    )
    from maitre.orders import service as orders
    from maitre.orders.status import OrderStatus

    orders.set_status(session=session, order_id=cancelled.id, status=OrderStatus.CANCELLED)
    products.update(session=session, product_id=gone.id, data=ProductUpdate(is_active=False))
    assert market.popular_products(session=session, limit=3) == [speaker, teapot, kettle]
    assert market.popular_products(session=session, category=" KITCHEN ", limit=5) == [
        teapot,
        kettle,
    ]
    products.update(session=session, product_id=speaker.id, data=ProductUpdate(stock=0))
    assert market.popular_products(session=session, category="audio") == []
