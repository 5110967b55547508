"""Acting on orders, products, leads and deals from the staff pages, on both backends:
allowed and refused changes with inline errors, CSRF, and what each role may do and see."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from maitre.common.pagination import PageParams
from maitre.customers import service as customers
from maitre.errors import FieldError, ValidationFailed
from maitre.orders import service as orders
from maitre.products import service as products
from maitre.sales import deals, leads
from maitre.users.roles import Role
from tests.factories.orders import make_order
from tests.factories.products import make_product
from tests.factories.sales import make_lead
from tests.factories.web import XSS
from tests.integration.web.conftest import WebClient


def _pending_order(session_factory: sessionmaker[Session], shop: dict[str, Any]) -> int:
    with session_factory() as s:
        order = make_order(
            s, customer_id=shop["ada"], lines=[{"product_id": shop["product"], "quantity": 1}]
        )
        s.commit()
        return order.id


def _lead(session_factory: sessionmaker[Session], **overrides: Any) -> int:
    with session_factory() as s:
        lead = make_lead(s, **overrides)
        s.commit()
        return lead.id


def _options(html: str, select_id: str) -> list[str]:
    found = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert found is not None, html[:500]
    return re.findall(r'<option value="([^"]+)"', found.group(1))


def test_order_status_offers_and_saves_only_allowed_transitions(
    login: Callable[[Role], WebClient],
    shop: dict[str, Any],
    session_factory: sessionmaker[Session],
) -> None:
    order_id = _pending_order(session_factory, shop)
    agent = login(Role.AGENT)
    page = agent.get(f"/orders/{order_id}").text
    assert _options(page, "order-status-select") == ["paid", "shipped", "cancelled"]
    moved = agent.post(f"/orders/{order_id}/status", {"status": "paid"})
    assert moved.status_code == 303 and moved.headers["location"] == f"/orders/{order_id}"
    after = agent.get(f"/orders/{order_id}").text
    assert _options(after, "order-status-select") == ["shipped", "cancelled"]
    with session_factory() as s:
        assert orders.get(session=s, order_id=order_id).status == "paid"


def test_refused_order_transition_is_an_inline_error_and_changes_nothing(
    login: Callable[[Role], WebClient],
    shop: dict[str, Any],
    session_factory: sessionmaker[Session],
) -> None:
    order_id = _pending_order(session_factory, shop)
    admin = login(Role.ADMIN)
    refused = admin.post(f"/orders/{order_id}/status", {"status": "returned"})
    assert refused.status_code == 409
    assert 'id="err-status"' in refused.text and "cannot become returned" in refused.text
    assert 'id="order-status-select"' in refused.text  # the page itself, not an error page
    bogus = admin.post(f"/orders/{order_id}/status", {"status": "teleported"})
    assert bogus.status_code == 422 and 'id="err-status"' in bogus.text
    delivered = admin.get(f"/orders/{shop['order']}").text  # the shop's last order: delivered
    assert _options(delivered, "order-status-select") == ["return_requested", "returned"]
    with session_factory() as s:
        assert orders.get(session=s, order_id=order_id).status == "pending"


def test_order_shipping_saves_carrier_and_tracking_with_inline_errors(
    login: Callable[[Role], WebClient],
    shop: dict[str, Any],
    session_factory: sessionmaker[Session],
) -> None:
    order_id = _pending_order(session_factory, shop)
    agent = login(Role.AGENT)
    saved = agent.post(
        f"/orders/{order_id}/shipping", {"carrier": "DHL", "tracking_number": "JD0146 0000"}
    )
    assert saved.status_code == 303
    too_long = agent.post(
        f"/orders/{order_id}/shipping", {"carrier": "x" * 61, "tracking_number": "T-2"}
    )
    assert too_long.status_code == 422 and 'id="err-carrier"' in too_long.text
    assert 'value="T-2"' in too_long.text  # what was typed is shown again
    with session_factory() as s:
        order = orders.get(session=s, order_id=order_id)
        assert (order.carrier, order.tracking_number) == ("DHL", "JD0146 0000")
    cleared = agent.post(f"/orders/{order_id}/shipping", {"carrier": "", "tracking_number": ""})
    assert cleared.status_code == 303
    with session_factory() as s:
        order = orders.get(session=s, order_id=order_id)
        assert (order.carrier, order.tracking_number) == (None, None)


def test_product_create_shows_inline_errors_and_refuses_a_duplicate_sku(
    login: Callable[[Role], WebClient], session_factory: sessionmaker[Session]
) -> None:
    admin = login(Role.ADMIN)
    form = admin.get("/products/new")
    assert form.status_code == 200 and 'id="product-form"' in form.text
    good = {
        "sku": "TEA-GREEN-01",
        "name": f"Gyokuro {XSS}",
        "category": "Tea",
        "price": "24.50",
        "currency": "eur",
        "stock": "40",
        "description": "Shaded green tea.",
        "is_active": "1",
    }
    created = admin.post("/products/new", good)
    assert created.status_code == 303
    product_id = int(created.headers["location"].rsplit("/", 1)[1])
    page = admin.get(f"/products/{product_id}").text
    assert XSS not in page and "Gyokuro &lt;img" in page
    duplicate = admin.post("/products/new", {**good, "name": "Another"})
    assert duplicate.status_code == 409
    assert 'id="err-sku"' in duplicate.text and "TEA-GREEN-01" in duplicate.text
    assert 'value="Another"' in duplicate.text
    bad = admin.post("/products/new", {**good, "sku": "ok-2", "price": "cheap", "name": ""})
    assert bad.status_code == 422
    for field in ("price", "name"):
        assert f'id="err-{field}"' in bad.text, field
    with session_factory() as s:
        saved = products.get(session=s, product_id=product_id)
        assert (saved.name, saved.currency, saved.stock, saved.is_active) == (
            f"Gyokuro {XSS}",
            "EUR",
            40,
            True,
        )
        assert products.get_by_sku(session=s, sku="ok-2") is None
        assert (
            products.list_(
                session=s,
                filters=products.ProductFilter(q="Another"),
                params=PageParams(limit=5),
            ).items
            == []
        )


def test_product_edit_saves_and_refuses_another_products_sku(
    login: Callable[[Role], WebClient],
    shop: dict[str, Any],
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as s:
        other = make_product(s, sku="TAKEN-1").id
        s.commit()
    admin = login(Role.ADMIN)
    path = f"/products/{shop['product']}/edit"
    form = admin.get(path)
    assert form.status_code == 200 and 'value="Sencha tea"' in form.text
    values = {"sku": "SENCHA-1", "name": "Sencha", "price": "9.90", "stock": "12"}
    clash = admin.post(path, {**values, "sku": "TAKEN-1"})
    assert clash.status_code == 409 and 'id="err-sku"' in clash.text
    saved = admin.post(path, values)  # is_active left out: the unchecked box
    assert saved.status_code == 303 and saved.headers["location"] == f"/products/{shop['product']}"
    with session_factory() as s:
        product = products.get(session=s, product_id=shop["product"])
        assert (product.sku, product.name, str(product.price), product.stock) == (
            "SENCHA-1",
            "Sencha",
            "9.90",
            12,
        )
        assert product.is_active is False
        assert products.get(session=s, product_id=other).sku == "TAKEN-1"


def test_lead_create_status_and_convert_make_a_customer_and_deal(
    login: Callable[[Role], WebClient], session_factory: sessionmaker[Session]
) -> None:
    sales = login(Role.SALES)
    assert sales.get("/leads/new").status_code == 200
    bad = sales.post("/leads/new", {"name": "", "email": "not-an-email"})
    assert bad.status_code == 422 and 'id="err-name"' in bad.text and 'id="err-email"' in bad.text
    created = sales.post(
        "/leads/new",
        {"name": "Linus Pauling", "email": "linus@chem.example.com", "company": "Vitamin Co"},
    )
    assert created.status_code == 303
    lead_id = int(created.headers["location"].rsplit("/", 1)[1])
    assert "Linus Pauling" in sales.get("/leads").text
    assert sales.post(f"/leads/{lead_id}/status", {"status": "qualified"}).status_code == 303
    converted = sales.post(f"/leads/{lead_id}/convert", {"title": "Vitamin C", "value": "950"})
    assert converted.status_code == 303
    page = sales.get(f"/leads/{lead_id}").text
    assert "Vitamin C" in page and 'id="lead-convert"' not in page
    with session_factory() as s:
        lead = leads.get(session=s, lead_id=lead_id)
        assert lead.status == "converted" and lead.converted_at is not None
        customer = customers.get_by_email(session=s, email="linus@chem.example.com")
        assert customer is not None and lead.customer_id == customer.id
        opened = deals.list_(
            session=s, filters=deals.DealFilter(lead_id=lead_id), params=PageParams(limit=5)
        ).items
        assert [(d.title, str(d.value), d.customer_id) for d in opened] == [
            ("Vitamin C", "950.00", customer.id)
        ]
    again = sales.post(f"/leads/{lead_id}/convert", {})
    assert again.status_code == 409 and 'id="err-convert"' in again.text
    status = sales.post(f"/leads/{lead_id}/status", {"status": "new"})
    assert status.status_code == 409 and 'id="err-status"' in status.text
    with session_factory() as s:
        assert leads.get(session=s, lead_id=lead_id).status == "converted"
        assert (
            deals.list_(
                session=s, filters=deals.DealFilter(lead_id=lead_id), params=PageParams(limit=5)
            ).total
            == 1
        )


def test_lead_status_cannot_be_set_to_converted_by_hand(
    login: Callable[[Role], WebClient], session_factory: sessionmaker[Session]
) -> None:
    lead_id = _lead(session_factory)
    sales = login(Role.SALES)
    assert "converted" not in _options(sales.get(f"/leads/{lead_id}").text, "lead-status-select")
    refused = sales.post(f"/leads/{lead_id}/status", {"status": "converted"})
    assert refused.status_code == 422 and 'id="err-status"' in refused.text
    with session_factory() as s:
        assert leads.get(session=s, lead_id=lead_id).status == "new"


def test_lead_conversion_failing_midway_leaves_nothing_behind(
    login: Callable[[Role], WebClient],
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lead_id = _lead(session_factory, email="midway@example.com")

    def broken(**_: Any) -> Any:
        raise ValidationFailed(
            "No deal today.", errors=[FieldError(["body", "owner_id"], "No deal today.")]
        )

    monkeypatch.setattr(deals, "create", broken)  # fails after the customer was created
    response = login(Role.ADMIN).post(f"/leads/{lead_id}/convert", {"value": "10"})
    assert response.status_code == 422
    assert 'id="err-convert"' in response.text and "No deal today." in response.text
    with session_factory() as s:
        lead = leads.get(session=s, lead_id=lead_id)
        assert (lead.status, lead.customer_id, lead.converted_at) == ("new", None, None)
        assert customers.get_by_email(session=s, email="midway@example.com") is None


def test_new_deal_form_on_the_board_finds_the_customer_by_email_or_id(
    login: Callable[[Role], WebClient],
    shop: dict[str, Any],
    session_factory: sessionmaker[Session],
) -> None:
    sales = login(Role.SALES)
    assert 'id="deal-form"' in sales.get("/deals").text
    by_email = sales.post(
        "/deals/new",
        {"title": "Tea for the office", "customer": "ADA@shop.example.com", "value": "300"},
    )
    assert by_email.status_code == 303 and by_email.headers["location"].startswith("/deals#deal-")
    by_id = sales.post(
        "/deals/new", {"title": "Teapots", "customer": str(shop["evil"]), "stage": "proposal"}
    )
    assert by_id.status_code == 303
    unknown = sales.post("/deals/new", {"title": "Ghost", "customer": "nobody@example.com"})
    assert unknown.status_code == 422
    assert 'id="err-customer"' in unknown.text and "<details" in unknown.text
    assert 'value="Ghost"' in unknown.text and 'class="kanban"' in unknown.text
    missing_id = sales.post("/deals/new", {"title": "Ghost", "customer": "999999"})
    assert missing_id.status_code == 422 and 'id="err-customer"' in missing_id.text
    no_title = sales.post("/deals/new", {"title": "", "customer": str(shop["ada"])})
    assert no_title.status_code == 422 and 'id="err-title"' in no_title.text
    empty = sales.post("/deals/new", {"title": "", "customer": "", "value": "-1"})
    for field in ("title", "customer", "value"):  # every mistake at once
        assert f'id="err-{field}"' in empty.text, field
    with session_factory() as s:
        mine = {
            d.title: (d.customer_id, str(d.value), d.stage)
            for d in deals.list_(session=s, filters=deals.DealFilter(), params=PageParams()).items
        }
    assert mine["Tea for the office"] == (shop["ada"], "300.00", "qualification")
    assert mine["Teapots"] == (shop["evil"], "0.00", "proposal")
    assert "Ghost" not in mine


def _writes(shop: dict[str, Any], order_id: int, lead_id: int) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"/orders/{order_id}/status", {"status": "paid"}),
        (f"/orders/{order_id}/shipping", {"carrier": "UPS", "tracking_number": "1Z"}),
        ("/products/new", {"sku": "CSRF-1", "name": "x", "price": "1"}),
        (f"/products/{shop['product']}/edit", {"sku": "CSRF-2", "name": "x", "price": "1"}),
        ("/leads/new", {"name": "Sneaky lead"}),
        (f"/leads/{lead_id}/status", {"status": "qualified"}),
        (f"/leads/{lead_id}/convert", {}),
        ("/deals/new", {"title": "Sneaky deal", "customer": str(shop["ada"])}),
    ]


def _nothing_changed(
    session_factory: sessionmaker[Session], shop: dict[str, Any], order_id: int, lead_id: int
) -> None:
    with session_factory() as s:
        order = orders.get(session=s, order_id=order_id)
        assert (order.status, order.carrier) == ("pending", None)
        assert products.get(session=s, product_id=shop["product"]).name == "Sencha tea"
        assert products.get_by_sku(session=s, sku="CSRF-1") is None
        assert leads.get(session=s, lead_id=lead_id).status == "new"
        lead_names = [
            lead.name
            for lead in leads.list_(
                session=s, filters=leads.LeadFilter(q="Sneaky"), params=PageParams()
            ).items
        ]
        assert lead_names == []
        titles = [
            d.title
            for d in deals.list_(session=s, filters=deals.DealFilter(), params=PageParams()).items
        ]
        assert "Sneaky deal" not in titles


def test_action_posts_without_the_csrf_token_are_refused(
    login: Callable[[Role], WebClient],
    shop: dict[str, Any],
    session_factory: sessionmaker[Session],
) -> None:
    order_id, lead_id = _pending_order(session_factory, shop), _lead(session_factory)
    admin = login(Role.ADMIN)
    for path, data in _writes(shop, order_id, lead_id):
        assert admin.post(path, data, csrf=False).status_code == 403, path
        forged = admin.client.post(path, data={**data, "csrf_token": "forged"})
        assert forged.status_code == 403, path
    _nothing_changed(session_factory, shop, order_id, lead_id)


@pytest.mark.parametrize("role", [Role.ANALYST, Role.AGENT, Role.SALES])
def test_roles_without_the_write_permission_get_403_on_action_posts(
    role: Role,
    login: Callable[[Role], WebClient],
    shop: dict[str, Any],
    session_factory: sessionmaker[Session],
) -> None:
    order_id, lead_id = _pending_order(session_factory, shop), _lead(session_factory)
    client = login(role)
    may = {
        Role.ANALYST: set(),
        Role.AGENT: {"orders"},
        Role.SALES: {"leads", "deals"},
    }[role]
    refused = [
        (path, data)
        for path, data in _writes(shop, order_id, lead_id)
        if path.split("/")[1] not in may
    ]
    assert refused
    for path, data in refused:
        response = client.post(path, data)
        assert response.status_code == 403, (role, path)
        assert "403" in response.text
    for path in ("/products/new", f"/products/{shop['product']}/edit"):
        assert client.get(path).status_code == 403, path
    if role is Role.ANALYST:
        assert client.get("/leads/new").status_code == 403
        _nothing_changed(session_factory, shop, order_id, lead_id)


def test_analysts_do_not_see_the_action_buttons(
    login: Callable[[Role], WebClient],
    shop: dict[str, Any],
    session_factory: sessionmaker[Session],
) -> None:
    order_id, lead_id = _pending_order(session_factory, shop), _lead(session_factory)
    hidden = {
        f"/orders/{order_id}": (f"/orders/{order_id}/status", "/shipping"),
        "/products": ('href="/products/new"',),
        f"/products/{shop['product']}": ("/edit",),
        "/leads": ('href="/leads/new"',),
        f"/leads/{lead_id}": ("/convert", "/status"),
        "/deals": ('id="deal-form"', 'action="/deals/'),
    }
    analyst, admin = login(Role.ANALYST), login(Role.ADMIN)
    for path, markers in hidden.items():
        seen = analyst.get(path)
        assert seen.status_code == 200, path
        for marker in markers:
            assert marker not in seen.text, (path, marker)
            assert marker in admin.get(path).text, (path, marker)


def test_lead_pages_show_the_leads_text_escaped(
    login: Callable[[Role], WebClient], session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as s:
        hostile = leads.list_(
            session=s, filters=leads.LeadFilter(q="<img"), params=PageParams(limit=5)
        ).items
    assert len(hostile) == 1
    sales = login(Role.SALES)
    for path in ("/leads", f"/leads/{hostile[0].id}"):
        html = sales.get(path).text
        assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html, path
    refused = sales.post("/leads/new", {"name": XSS, "email": "bad"})
    assert refused.status_code == 422 and XSS not in refused.text


def test_anonymous_visitors_are_sent_to_login_from_the_action_pages(
    anon: TestClient, shop: dict[str, Any]
) -> None:
    for path in ("/products/new", f"/products/{shop['product']}/edit", "/leads/new", "/leads/1"):
        response = anon.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?next={path}", path
    posted = anon.post(f"/orders/{shop['order']}/status", data={"status": "returned"})
    assert posted.status_code == 403  # no session, so no CSRF token: refused before anything
