"""Contract tests for /api/v1/market and the product forecast on SQLite and PostgreSQL, on a tiny
hand-built shop with known answers (cohorts, a planted co-purchase pair, sales totals)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from maitre.db.session import unit_of_work
from maitre.market import service as market
from maitre.orders import service as orders
from maitre.orders.schemas import OrderCreate
from maitre.users.roles import Role
from tests.conftest import assert_problem
from tests.factories.customers import make_customer
from tests.factories.orders import order_payload
from tests.factories.products import make_product

URL = "/api/v1/market"

# (customer, month, products, channel): ten counted orders, one cancelled.
ORDERS: list[tuple[int, int, list[int], str]] = [
    (1, 1, [1, 2, 3], "web"),
    (2, 1, [1, 2], "web"),
    (3, 1, [3, 4], "store"),
    (4, 1, [3, 5], "web"),
    (1, 2, [1, 2], "web"),
    (2, 2, [3], "web"),
    (5, 2, [3, 4], "store"),
    (6, 2, [1, 2, 3], "web"),
    (1, 3, [3, 5], "web"),
    (5, 3, [4], "web"),
]


@pytest.fixture
def shop(session_factory: sessionmaker[Session]) -> dict[str, Any]:
    with unit_of_work(session_factory) as s:
        customers = {i: make_customer(s, country="US" if i <= 3 else "DE").id for i in range(1, 7)}
        products = {
            i: make_product(
                s,
                price="10.00",
                stock=0 if i == 3 else 100,
                category="Coffee" if i <= 2 else "Kitchen",
            ).id
            for i in range(1, 6)
        }
        placed = [(c, datetime(2025, m, 15, 12, tzinfo=UTC), p, ch) for c, m, p, ch in ORDERS]
        placed.append((3, datetime(2025, 3, 12, tzinfo=UTC), [4, 5], "web"))
        for n, (c, when, items, channel) in enumerate(placed):
            extra: dict[str, Any] = {"placed_at": when.isoformat(), "channel": channel}
            if n == len(ORDERS):
                extra.update(status="cancelled", cancelled_at=when.isoformat())
            lines = [{"product_id": products[i], "quantity": 1} for i in items]
            orders.create(
                session=s, data=OrderCreate(**order_payload(customers[c], lines, **extra))
            )
    return {"customers": customers, "products": products}


def test_sales_by_month_counts_only_kept_orders(admin: TestClient, shop: dict[str, Any]) -> None:
    body = admin.get(f"{URL}/sales", params={"freq": "month"}).json()
    assert body["by"] == "period"
    assert [(r["key"], r["revenue"], r["orders"], r["units"]) for r in body["rows"]] == [
        ("2025-01-01", "90.00", 4, 9),
        ("2025-02-01", "80.00", 4, 8),
        ("2025-03-01", "30.00", 2, 3),
    ]
    assert body["total"] == {"key": "total", "revenue": "200.00", "orders": 10, "units": 20}


def test_sales_by_week_starts_on_monday_and_filters(
    admin: TestClient, shop: dict[str, Any]
) -> None:
    body = admin.get(f"{URL}/sales", params={"freq": "week", "category": "coffee"}).json()
    assert [(r["key"], r["orders"], r["units"]) for r in body["rows"]] == [
        ("2025-01-13", 2, 4),
        ("2025-02-10", 2, 4),
    ]
    de = admin.get(f"{URL}/sales", params={"country": "de", "channel": "store"}).json()
    assert de["total"]["orders"] == 1


def test_sales_by_category_channel_and_region(admin: TestClient, shop: dict[str, Any]) -> None:
    cat = admin.get(f"{URL}/sales/by-category").json()
    assert {r["key"]: (r["orders"], r["units"]) for r in cat["rows"]} == {
        "Coffee": (4, 8),
        "Kitchen": (8, 12),
    }
    assert cat["total"]["orders"] == 10  # an order in two categories counts once
    channel = admin.get(f"{URL}/sales/by-channel").json()
    assert {r["key"]: r["orders"] for r in channel["rows"]} == {"store": 2, "web": 8}
    region = admin.get(f"{URL}/sales/by-region", params={"end": "2025-01-31"}).json()
    assert {r["key"]: r["revenue"] for r in region["rows"]} == {"DE": "20.00", "US": "70.00"}


def test_cohort_matrix_has_known_retention(admin: TestClient, shop: dict[str, Any]) -> None:
    body = admin.get(f"{URL}/cohorts", params={"months": 6}).json()
    assert body["cohorts"] == [
        {"cohort": "2025-01", "size": 4, "retention": [1.0, 0.5, 0.25]},
        {"cohort": "2025-02", "size": 2, "retention": [1.0, 0.5]},
    ]


def test_planted_pair_has_highest_lift(admin: TestClient, shop: dict[str, Any]) -> None:
    body = admin.get(f"{URL}/basket", params={"min_support": 0.15, "limit": 10}).json()
    assert body["orders"] == 10
    top = body["pairs"][0]
    ids = shop["products"]
    assert {top["a"]["id"], top["b"]["id"]} == {ids[1], ids[2]}
    assert top["orders"] == 4 and top["support"] == 0.4
    assert top["confidence"] == 1.0 and top["lift"] == 2.5
    assert all(p["orders"] >= 2 for p in body["pairs"])  # 15% of 10 orders
    by_support = admin.get(f"{URL}/basket", params={"sort": "support"}).json()
    assert by_support["pairs"][0]["orders"] == 4


def test_product_forecast_contract(admin: TestClient, shop: dict[str, Any]) -> None:
    pid = shop["products"][3]
    body = admin.get(f"/api/v1/products/{pid}/forecast", params={"horizon": 4}).json()
    assert body["product_id"] == pid and body["freq"] == "week" and body["horizon"] == 4
    assert len(body["points"]) == 4
    for point in body["points"]:
        assert 0 <= point["lo"] <= point["yhat"] <= point["hi"]
    assert "backtest" in body
    daily = admin.get(f"/api/v1/products/{pid}/forecast", params={"freq": "day", "horizon": 3})
    assert len(daily.json()["points"]) == 3
    cat = admin.get(f"{URL}/forecast", params={"category": "Kitchen", "horizon": 2}).json()
    assert cat["category"] == "Kitchen" and len(cat["points"]) == 2


def test_forecast_bad_input_is_a_problem(admin: TestClient, shop: dict[str, Any]) -> None:
    assert_problem(admin.get("/api/v1/products/999999/forecast"), 404)
    pid = shop["products"][1]
    assert_problem(admin.get(f"/api/v1/products/{pid}/forecast", params={"horizon": 0}), 422)
    assert_problem(admin.get(f"/api/v1/products/{pid}/forecast", params={"freq": "year"}), 422)
    assert_problem(admin.get(f"{URL}/basket", params={"min_support": 2}), 422)


def test_low_stock_lists_products_below_lead_time_demand(
    session: Session, shop: dict[str, Any], admin: TestClient
) -> None:
    report = market.low_stock(session=session, lead_time_weeks=2, today=date(2025, 4, 1))
    assert [i.product_id for i in report.items] == [shop["products"][3]]
    assert report.items[0].forecast_demand > 0 and report.items[0].stock == 0
    # Today the shop has sold nothing for over a year, so nothing is short.
    assert admin.get(f"{URL}/low-stock").json() == {"lead_time_weeks": 2, "items": []}


def test_empty_shop_gives_empty_results(admin: TestClient) -> None:
    for path in ("/sales", "/sales/by-category", "/sales/by-channel", "/sales/by-region"):
        body = admin.get(URL + path).json()
        assert body["rows"] == [] and body["total"]["orders"] == 0
    assert admin.get(f"{URL}/cohorts").json()["cohorts"] == []
    assert admin.get(f"{URL}/basket").json() == {"orders": 0, "min_support": 0.001, "pairs": []}
    assert admin.get(f"{URL}/low-stock").json()["items"] == []
    forecast = admin.get(f"{URL}/forecast", params={"category": "none"}).json()
    assert forecast["backtest"] is None and all(p["yhat"] == 0 for p in forecast["points"])


def test_analytics_permission_is_required(
    anon: TestClient, client_for: Callable[[Role], TestClient]
) -> None:
    assert_problem(anon.get(f"{URL}/sales"), 401)
    assert_problem(client_for(Role.WIDGET).get(f"{URL}/cohorts"), 403)
    assert client_for(Role.ANALYST).get(f"{URL}/basket").status_code == 200
