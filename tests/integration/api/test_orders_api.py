"""Contract tests for /api/v1/orders on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from maitre.users.roles import Role
from tests.conftest import assert_problem
from tests.factories.customers import customer_payload
from tests.factories.orders import order_payload
from tests.factories.products import product_payload

URL = "/api/v1/orders"
CONTRACT = (
    "id",
    "number",
    "customer_id",
    "status",
    "placed_at",
    "shipped_at",
    "delivered_at",
    "tracking_number",
    "carrier",
    "shipping_address",
    "lines",
    "total",
    "currency",
    "updated_at",
)


def _customer(client: TestClient) -> int:
    r = client.post("/api/v1/customers", json=customer_payload())
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _product(client: TestClient, **overrides: Any) -> dict[str, Any]:
    r = client.post("/api/v1/products", json=product_payload(**overrides))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _stock(client: TestClient, product_id: int) -> int:
    return int(client.get(f"/api/v1/products/{product_id}").json()["stock"])


def _order(client: TestClient, **overrides: Any) -> dict[str, Any]:
    """Create an order of one new product for a new customer."""
    lines = overrides.pop("lines", None)
    if lines is None:
        lines = [{"product_id": _product(client)["id"], "quantity": 1}]
    customer_id = overrides.pop("customer_id", None) or _customer(client)
    r = client.post(URL, json=order_payload(customer_id, lines, **overrides))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def test_create_by_product_id_and_sku_computes_total(admin: TestClient) -> None:
    cup = _product(admin, sku="CUP-1", price="12.50")
    pot = _product(admin, sku="POT-1", price="30.00")
    cid = _customer(admin)
    lines = [
        {"product_id": cup["id"], "quantity": 2},
        {"sku": "POT-1", "quantity": 1, "unit_price": "27.99"},
    ]
    r = admin.post(URL, json=order_payload(cid, lines, discount="5"))
    assert r.status_code == 201, r.text
    body = r.json()
    for key in CONTRACT:
        assert key in body
    assert body["customer_id"] == cid and body["status"] == "pending"
    assert body["currency"] == "USD"
    assert [(x["product_id"], x["sku"], x["quantity"], x["unit_price"]) for x in body["lines"]] == [
        (cup["id"], "CUP-1", 2, "12.50"),
        (pot["id"], "POT-1", 1, "27.99"),
    ]
    assert body["lines"][0]["line_total"] == "25.00"
    assert (body["subtotal"], body["discount"], body["total"]) == ("52.99", "5.00", "47.99")
    assert admin.get(f"{URL}/{body['id']}").json() == body


def test_number_is_generated_readable_and_unique(admin: TestClient) -> None:
    numbers = [_order(admin)["number"] for _ in range(3)]
    assert all(re.fullmatch(r"MT-\d{6}", n) for n in numbers), numbers
    assert len(set(numbers)) == 3


def test_given_number_is_kept_and_duplicates_are_409(admin: TestClient) -> None:
    order = _order(admin, number="#A-1001")
    assert order["number"] == "A-1001"
    body = assert_problem(
        admin.post(
            URL, json=order_payload(order["customer_id"], order_lines(order), number="A-1001")
        ),
        409,
    )
    assert "A-1001" in body["detail"]
    assert admin.get(URL, params={"number": "A-1001"}).json()["total"] == 1


def order_lines(order: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"product_id": x["product_id"], "quantity": x["quantity"]} for x in order["lines"]]


def test_generated_number_steps_around_an_imported_one(admin: TestClient) -> None:
    first = _order(admin)
    taken = f"MT-{first['id'] + 1:06d}"  # the number the next order would get
    imported = _order(admin, number=taken)
    following = _order(admin)
    assert imported["number"] == taken
    assert following["number"] not in {first["number"], taken}


def test_unknown_sku_or_product_is_422_at_the_line(admin: TestClient) -> None:
    cid = _customer(admin)
    good = _product(admin)
    lines = [
        {"product_id": good["id"], "quantity": 1},
        {"sku": "NOPE-1", "quantity": 1},
        {"product_id": 999999, "quantity": 1},
    ]
    body = assert_problem(admin.post(URL, json=order_payload(cid, lines)), 422)
    locs = [e["loc"] for e in body["errors"]]
    assert ["body", "lines", 1, "sku"] in locs
    assert ["body", "lines", 2, "product_id"] in locs
    assert "NOPE-1" in str(body["errors"])
    assert admin.get(URL).json()["total"] == 0


def test_line_needs_a_product_and_matching_sku(admin: TestClient) -> None:
    cid = _customer(admin)
    p = _product(admin, sku="REAL-1")
    for lines in (
        [{"quantity": 1}],
        [{"product_id": p["id"], "sku": "OTHER-1", "quantity": 1}],
        [{"product_id": p["id"], "quantity": 0}],
        [],
    ):
        assert_problem(admin.post(URL, json=order_payload(cid, lines)), 422)


def test_bad_orders_get_422(admin: TestClient) -> None:
    cid = _customer(admin)
    p = _product(admin, price="10.00")
    line = [{"product_id": p["id"], "quantity": 1}]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"customer_id": 999999}, "customer_id"),
        ({"colour": "red"}, "colour"),
        ({"status": "lost"}, "status"),
        ({"channel": "pigeon"}, "channel"),
        ({"discount": "10.01"}, "discount"),
        ({"placed_at": _ago(days=-2)}, "placed_at"),
        ({"number": "has space"}, "number"),
        (
            {"lines": [{"product_id": p["id"], "quantity": 1_000_000, "unit_price": "99999.99"}]},
            "lines",
        ),
    ]
    for overrides, field in cases:
        payload = order_payload(cid, line)
        payload.update(overrides)
        body = assert_problem(admin.post(URL, json=payload), 422)
        assert any(field in e["loc"] for e in body.get("errors", [])), (overrides, body)
    late = order_payload(cid, line, placed_at=_ago(days=3), shipped_at=_ago(days=4))
    assert_problem(admin.post(URL, json=late), 422)


def test_rbac(client_for: Callable[[Role], TestClient], admin: TestClient) -> None:
    order = _order(admin)
    analyst = client_for(Role.ANALYST)
    assert analyst.get(URL).json()["total"] == 1
    assert analyst.get(f"{URL}/{order['id']}").status_code == 200
    assert_problem(analyst.patch(f"{URL}/{order['id']}", json={"carrier": "UPS"}), 403)
    assert_problem(
        analyst.post(URL, json=order_payload(order["customer_id"], order_lines(order))), 403
    )
    assert_problem(client_for(Role.SALES).delete(f"{URL}/{order['id']}"), 403)
    assert_problem(client_for(Role.WIDGET).get(URL), 403)
    agent = client_for(Role.AGENT)
    r = agent.patch(f"{URL}/{order['id']}", json={"carrier": "UPS"})
    assert r.status_code == 200 and r.json()["carrier"] == "UPS"


def test_unauthenticated_is_401(anon: TestClient) -> None:
    assert_problem(anon.get(URL), 401)
    assert_problem(anon.post(URL, json={}), 401)


def test_missing_order_is_404(admin: TestClient) -> None:
    assert_problem(admin.get(f"{URL}/999999"), 404)
    assert_problem(admin.patch(f"{URL}/999999", json={"carrier": "x"}), 404)
    assert_problem(admin.delete(f"{URL}/999999"), 404)


def test_status_walks_the_allowed_path_and_stamps_times(admin: TestClient) -> None:
    order = _order(admin)
    url = f"{URL}/{order['id']}"
    assert order["shipped_at"] is None and order["delivered_at"] is None
    assert admin.patch(url, json={"status": "paid"}).json()["status"] == "paid"
    shipped = admin.patch(
        url, json={"status": "shipped", "tracking_number": "1Z999", "carrier": "UPS"}
    ).json()
    assert shipped["status"] == "shipped" and shipped["shipped_at"] is not None
    assert shipped["tracking_number"] == "1Z999"
    delivered = admin.patch(url, json={"status": "delivered"}).json()
    assert delivered["delivered_at"] is not None
    assert delivered["shipped_at"] == shipped["shipped_at"]
    assert admin.patch(url, json={"status": "delivered"}).status_code == 200  # no-op
    assert admin.patch(url, json={"status": "return_requested"}).status_code == 200
    returned = admin.patch(url, json={"status": "returned"}).json()
    assert returned["status"] == "returned" and returned["returned_at"] is not None


def test_invalid_transitions_are_409_with_a_clear_detail(admin: TestClient) -> None:
    order = _order(admin)
    url = f"{URL}/{order['id']}"
    assert admin.patch(url, json={"status": "shipped"}).status_code == 200
    body = assert_problem(admin.patch(url, json={"status": "cancelled"}), 409)
    assert "shipped" in body["detail"] and "cancelled" in body["detail"]
    assert body["current_status"] == "shipped"
    other = _order(admin)
    other_url = f"{URL}/{other['id']}"
    assert admin.patch(other_url, json={"status": "cancelled"}).json()["cancelled_at"]
    body = assert_problem(admin.patch(other_url, json={"status": "shipped"}), 409)
    assert "final" in body["detail"]
    assert admin.get(other_url).json()["status"] == "cancelled"


def test_stock_is_taken_on_create_and_given_back_on_cancel(admin: TestClient) -> None:
    p = _product(admin, stock=5)
    order = _order(admin, lines=[{"product_id": p["id"], "quantity": 3}])
    assert _stock(admin, p["id"]) == 2
    admin.patch(f"{URL}/{order['id']}", json={"status": "cancelled"})
    assert _stock(admin, p["id"]) == 5


def test_not_enough_stock_is_409_and_takes_nothing(admin: TestClient) -> None:
    plenty = _product(admin, stock=10)
    scarce = _product(admin, stock=1)
    cid = _customer(admin)
    lines = [{"product_id": plenty["id"], "quantity": 4}, {"sku": scarce["sku"], "quantity": 2}]
    body = assert_problem(admin.post(URL, json=order_payload(cid, lines)), 409)
    assert body["sku"] == scarce["sku"] and body["available"] == 1 and body["requested"] == 2
    assert (_stock(admin, plenty["id"]), _stock(admin, scarce["id"])) == (10, 1)
    assert admin.get(URL).json()["total"] == 0


def test_historical_import_does_not_touch_stock(admin: TestClient) -> None:
    p = _product(admin, stock=1)
    order = _order(
        admin,
        lines=[{"product_id": p["id"], "quantity": 5}],
        placed_at=_ago(days=400),
        status="delivered",
    )
    assert order["placed_at"].startswith(_ago(days=400)[:10])
    assert order["delivered_at"] == order["placed_at"]
    assert _stock(admin, p["id"]) == 1
    admin.patch(f"{URL}/{order['id']}", json={"status": "returned"})
    assert _stock(admin, p["id"]) == 1


def test_return_gives_stock_back(admin: TestClient) -> None:
    p = _product(admin, stock=4)
    order = _order(admin, lines=[{"product_id": p["id"], "quantity": 2}])
    url = f"{URL}/{order['id']}"
    for status in ("paid", "shipped", "delivered", "return_requested"):
        assert admin.patch(url, json={"status": status}).status_code == 200
    assert _stock(admin, p["id"]) == 2
    admin.patch(url, json={"status": "returned"})
    assert _stock(admin, p["id"]) == 4


def test_lines_change_before_shipping_moves_stock_by_the_difference(admin: TestClient) -> None:
    p = _product(admin, stock=3, price="2.00")
    order = _order(admin, lines=[{"product_id": p["id"], "quantity": 2}])
    url = f"{URL}/{order['id']}"
    r = admin.patch(url, json={"lines": [{"product_id": p["id"], "quantity": 3}]})
    assert r.status_code == 200, r.text
    assert (r.json()["total"], _stock(admin, p["id"])) == ("6.00", 0)
    admin.patch(url, json={"status": "shipped"})
    body = assert_problem(
        admin.patch(url, json={"lines": [{"product_id": p["id"], "quantity": 1}]}), 409
    )
    assert "lines" in body["detail"]
    assert_problem(admin.patch(url, json={"shipping_address": "Elsewhere"}), 409)
    assert admin.patch(url, json={"tracking_number": "TRK-1"}).status_code == 200


def test_delete_gives_stock_back(admin: TestClient) -> None:
    p = _product(admin, stock=2)
    order = _order(admin, lines=[{"product_id": p["id"], "quantity": 2}])
    assert admin.delete(f"{URL}/{order['id']}").status_code == 204
    assert_problem(admin.get(f"{URL}/{order['id']}"), 404)
    assert _stock(admin, p["id"]) == 2


def test_customer_with_orders_cannot_be_deleted(admin: TestClient) -> None:
    order = _order(admin)
    assert_problem(admin.delete(f"/api/v1/customers/{order['customer_id']}"), 409)


def test_timeline_and_360_show_orders_newest_first(admin: TestClient) -> None:
    cid = _customer(admin)
    old = _order(admin, customer_id=cid, placed_at=_ago(days=30))
    new = _order(admin, customer_id=cid)
    admin.patch(f"{URL}/{new['id']}", json={"status": "paid", "carrier": "DHL"})
    view = admin.get(f"/api/v1/customers/{cid}/timeline").json()
    assert [o["number"] for o in view["orders"]] == [new["number"], old["number"]]
    assert view["orders"][0]["lines"][0]["sku"] == new["lines"][0]["sku"]
    assert view["orders"][0]["status"] == "paid"
    kinds = [(e["kind"], e["subject_id"]) for e in view["events"]]
    assert ("order.status_changed", new["id"]) in kinds
    assert ("order.updated", new["id"]) in kinds
    assert ("order.created", old["id"]) in kinds
    changed = next(e for e in view["events"] if e["kind"] == "order.status_changed")
    assert changed["data"]["from"] == "pending" and changed["data"]["to"] == "paid"
    assert "pending → paid" in changed["summary"]
    # the imported order's event sits at its placed_at, below everything that happened today
    assert kinds.index(("order.created", old["id"])) > kinds.index(("order.created", new["id"]))


def test_list_filters(admin: TestClient) -> None:
    cid = _customer(admin)
    mug = _product(admin)
    a = _order(
        admin,
        customer_id=cid,
        placed_at=_ago(days=10),
        lines=[{"product_id": mug["id"], "quantity": 1}],
    )
    b = _order(admin, customer_id=cid, placed_at=_ago(days=5))
    c = _order(admin)
    admin.patch(f"{URL}/{c['id']}", json={"status": "paid"})
    ids = lambda **p: [o["id"] for o in admin.get(URL, params=p).json()["items"]]  # noqa: E731
    assert ids() == [c["id"], b["id"], a["id"]]  # newest placed first
    assert ids(customer_id=cid) == [b["id"], a["id"]]
    assert ids(status="paid") == [c["id"]]
    assert ids(number=a["number"]) == [a["id"]]
    assert ids(product_id=mug["id"]) == [a["id"]]
    assert ids(placed_from=_ago(days=7)) == [c["id"], b["id"]]
    assert ids(placed_to=_ago(days=7).replace("+00:00", "")) == [a["id"]]
    assert_problem(admin.get(URL, params={"status": "lost"}), 422)
    assert_problem(admin.get(URL, params={"placed_from": "yesterday"}), 422)


def test_sort_by_total_and_paginate(admin: TestClient) -> None:
    cid = _customer(admin)
    made = []
    for price in ("5.00", "50.00", "20.00", "20.00", "1.00"):
        p = _product(admin, price=price)
        made.append(_order(admin, customer_id=cid, lines=[{"product_id": p["id"], "quantity": 1}]))
    for sort in ("total", "-total", "id", "-placed_at"):
        seen: list[dict[str, Any]] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 2, "sort": sort}
            if cursor:
                params["cursor"] = cursor
            page = admin.get(URL, params=params).json()
            assert page["total"] == 5
            seen += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(o["id"] for o in seen) == sorted(o["id"] for o in made)
        key = sort.lstrip("-")
        values = [float(o[key]) if key == "total" else o[key] for o in seen]
        assert values == sorted(values, reverse=sort.startswith("-"))
    offset_page = admin.get(URL, params={"limit": 2, "offset": 2, "sort": "id"}).json()
    assert [o["id"] for o in offset_page["items"]] == [made[2]["id"], made[3]["id"]]
    assert_problem(admin.get(URL, params={"sort": "customer_email"}), 422)


def test_bad_patches_get_422_and_change_nothing(admin: TestClient) -> None:
    order = _order(admin)
    url = f"{URL}/{order['id']}"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"delivered_at": _ago(days=5)}, "delivered_at"),
        ({"discount": "1000.00"}, "discount"),
        ({"status": None}, "status"),
        ({"lines": []}, "lines"),
        ({"customer_id": 2}, "customer_id"),
        ({"shipped_at": _ago(hours=1), "delivered_at": _ago(hours=2)}, "body"),
    ]
    for patch, field in cases:
        body = assert_problem(admin.patch(url, json=patch), 422)
        assert any(field in e["loc"] for e in body["errors"]), (patch, body)
    assert admin.get(url).json() == order


def test_discount_patch_recomputes_total(admin: TestClient) -> None:
    p = _product(admin, price="10.00")
    order = _order(admin, lines=[{"product_id": p["id"], "quantity": 3}])
    r = admin.patch(f"{URL}/{order['id']}", json={"discount": 2.5})
    assert (r.json()["subtotal"], r.json()["discount"], r.json()["total"]) == (
        "30.00",
        "2.50",
        "27.50",
    )
