"""Contract tests for /api/v1/products on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from fastapi.testclient import TestClient

from maitre.users.roles import Role
from tests.conftest import assert_problem
from tests.factories.customers import customer_payload
from tests.factories.products import product_payload

URL = "/api/v1/products"
CONTRACT = ("id", "sku", "name", "category", "price", "currency", "stock", "description")


def test_create_then_get_returns_contract_fields(admin: TestClient) -> None:
    created = admin.post(URL, json=product_payload(sku="MUG-1", price=12.5, currency="usd"))
    assert created.status_code == 201, created.text
    body = created.json()
    for key in (*CONTRACT, "is_active", "created_at", "updated_at"):
        assert key in body
    assert body["sku"] == "MUG-1"
    assert body["price"] == "12.50"  # money is a decimal string with two places
    assert body["currency"] == "USD"
    fetched = admin.get(f"{URL}/{body['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == body


def test_currency_defaults_to_usd_and_price_accepts_numeric_string(admin: TestClient) -> None:
    payload = product_payload(price="7")
    del payload["currency"]
    body = admin.post(URL, json=payload).json()
    assert body["currency"] == "USD"
    assert body["price"] == "7.00"


def test_unauthenticated_is_401(anon: TestClient) -> None:
    assert_problem(anon.get(URL), 401)


def test_analyst_and_agent_read_but_cannot_write(client_for: Callable[[Role], TestClient]) -> None:
    for role in (Role.ANALYST, Role.AGENT):
        client = client_for(role)
        assert client.get(URL).status_code == 200
        assert_problem(client.post(URL, json=product_payload()), 403)


def test_widget_key_cannot_read_products(client_for: Callable[[Role], TestClient]) -> None:
    assert_problem(client_for(Role.WIDGET).get(URL), 403)


def test_unknown_field_is_rejected(admin: TestClient) -> None:
    body = assert_problem(admin.post(URL, json=product_payload(colour="red")), 422)
    assert any("colour" in e["loc"] for e in body["errors"])


BAD_FIELDS: list[tuple[dict[str, object], str]] = [
    ({"price": "-1"}, "price"),
    ({"price": "1.999"}, "price"),
    ({"price": "NaN"}, "price"),
    ({"price": "twelve"}, "price"),
    ({"price": True}, "price"),
    ({"price": "100000000000"}, "price"),
    ({"stock": -1}, "stock"),
    ({"stock": 10**12}, "stock"),
    ({"sku": "has space"}, "sku"),
    ({"sku": ""}, "sku"),
    ({"name": ""}, "name"),
    ({"currency": "dollars"}, "currency"),
]


def test_bad_payloads_get_422_at_the_field(admin: TestClient) -> None:
    for overrides, field in BAD_FIELDS:
        body = assert_problem(admin.post(URL, json=product_payload(**overrides)), 422)
        assert any(field in e["loc"] for e in body["errors"]), (overrides, body)
    assert admin.get(URL).json()["total"] == 0


def test_duplicate_sku_is_409_on_create_and_patch(admin: TestClient) -> None:
    admin.post(URL, json=product_payload(sku="DUP-1"))
    assert_problem(admin.post(URL, json=product_payload(sku="DUP-1")), 409)
    other = admin.post(URL, json=product_payload()).json()
    body = assert_problem(admin.patch(f"{URL}/{other['id']}", json={"sku": "DUP-1"}), 409)
    assert "DUP-1" in body["detail"]


def test_missing_product_is_404(admin: TestClient) -> None:
    assert_problem(admin.get(f"{URL}/999999"), 404)
    assert_problem(admin.patch(f"{URL}/999999", json={"name": "x"}), 404)
    assert_problem(admin.delete(f"{URL}/999999"), 404)


def test_patch_changes_only_given_fields(admin: TestClient) -> None:
    created = admin.post(URL, json=product_payload(price="10.00", stock=5)).json()
    r = admin.patch(f"{URL}/{created['id']}", json={"price": 11.25, "stock": 7})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["price"], body["stock"], body["name"]) == ("11.25", 7, created["name"])


def test_patch_refuses_null_for_required_fields(admin: TestClient) -> None:
    pid = admin.post(URL, json=product_payload()).json()["id"]
    body = assert_problem(admin.patch(f"{URL}/{pid}", json={"price": None}), 422)
    assert any("price" in e["loc"] for e in body["errors"])
    assert admin.patch(f"{URL}/{pid}", json={"category": None}).json()["category"] is None


def test_delete_removes_product(admin: TestClient) -> None:
    pid = admin.post(URL, json=product_payload()).json()["id"]
    assert admin.delete(f"{URL}/{pid}").status_code == 204
    assert_problem(admin.get(f"{URL}/{pid}"), 404)


def test_product_on_an_order_cannot_be_deleted(admin: TestClient) -> None:
    pid = admin.post(URL, json=product_payload()).json()["id"]
    cid = admin.post("/api/v1/customers", json=customer_payload()).json()["id"]
    order = {"customer_id": cid, "lines": [{"product_id": pid, "quantity": 1}]}
    assert admin.post("/api/v1/orders", json=order).status_code == 201
    body = assert_problem(admin.delete(f"{URL}/{pid}"), 409)
    assert "is_active" in body["detail"]
    assert admin.get(f"{URL}/{pid}").status_code == 200


def test_filters_by_category_search_sku_and_active(admin: TestClient) -> None:
    admin.post(URL, json=product_payload(sku="TEA-1", name="Green tea", category="Tea"))
    admin.post(URL, json=product_payload(sku="TEA-2", name="Oolong", category="Tea"))
    admin.post(URL, json=product_payload(sku="POT-1", name="Teapot", category="Kitchen"))
    admin.post(URL, json=product_payload(sku="OLD-1", name="Old mug", is_active=False))
    names = lambda **p: sorted(x["name"] for x in admin.get(URL, params=p).json()["items"])  # noqa: E731
    assert names(category="tea") == ["Green tea", "Oolong"]
    assert names(category="te_") == names(category="%") == []  # no wildcards in a category
    assert names(q="tea") == ["Green tea", "Oolong", "Teapot"]  # Oolong by sku TEA-2
    assert names(q="t_a") == []  # nor in a search
    assert names(q="pot-") == ["Teapot"]
    assert names(sku="TEA-2") == ["Oolong"]
    assert names(is_active="false") == ["Old mug"]
    assert admin.get(URL, params={"is_active": "true"}).json()["total"] == 3


def test_sorts_across_cursor_pages(admin: TestClient) -> None:
    for i, (p, s) in enumerate([("9.99", 3), ("1.50", 8), ("25.00", 1), ("4.75", 5), ("1.50", 2)]):
        admin.post(URL, json=product_payload(name=f"P{4 - i}", price=p, stock=s))
    for key, direction in itertools.product(["price", "stock", "name", "created_at"], ["", "-"]):
        first = admin.get(URL, params={"limit": 2, "sort": direction + key}).json()
        seen = first["items"]
        cursor = first["next_cursor"]
        while cursor:
            page = admin.get(URL, params={"limit": 2, "sort": direction + key, "cursor": cursor})
            seen += page.json()["items"]
            cursor = page.json()["next_cursor"]
        assert len({p["id"] for p in seen}) == 5
        values = [float(p[key]) if key == "price" else p[key] for p in seen]
        assert values == sorted(values, reverse=direction == "-")


def test_bad_sort_is_422(admin: TestClient) -> None:
    assert_problem(admin.get(URL, params={"sort": "cost"}), 422)
