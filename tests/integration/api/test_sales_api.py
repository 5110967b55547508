"""Contract tests for /api/v1/leads, /api/v1/deals and lead conversion on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from maitre.errors import ExternalServiceError
from maitre.sales import leads as leads_service
from maitre.users import service as users
from maitre.users.roles import Role
from tests.conftest import assert_problem
from tests.factories import customer_payload
from tests.factories.sales import deal_payload, lead_payload

LEADS = "/api/v1/leads"
DEALS = "/api/v1/deals"
LEAD_FIELDS = ("id", "name", "email", "company", "source", "status", "score", "owner_id")
LEAD_FIELDS += ("customer_id", "notes", "created_at", "updated_at")
DEAL_FIELDS = ("id", "title", "customer_id", "lead_id", "stage", "value", "currency")
DEAL_FIELDS += ("owner_id", "expected_close", "closed_at", "created_at", "updated_at")


def _post(client: TestClient, url: str, payload: dict[str, Any]) -> dict[str, Any]:
    r = client.post(url, json=payload)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _customer(client: TestClient, **overrides: Any) -> int:
    cid: int = _post(client, "/api/v1/customers", customer_payload(**overrides))["id"]
    return cid


def _user(factory: sessionmaker[Session], email: str) -> int:
    with factory() as s:
        user = users.create_user(session=s, email=email, name="Seller", role=Role.SALES)
        s.commit()
        return user.id


def _count(client: TestClient, url: str, **params: Any) -> int:
    r = client.get(url, params=params)
    assert r.status_code == 200, r.text
    total: int = r.json()["total"]
    return total


# ---- leads ------------------------------------------------------------------------------------


def test_lead_crud_with_contract_fields(admin: TestClient) -> None:
    lead = _post(admin, LEADS, lead_payload(email="Grace@Navy.Example.com", score=72.5))
    assert set(LEAD_FIELDS) <= set(lead)
    assert lead["status"] == "new" and lead["email"] == "grace@navy.example.com"
    assert lead["score"] == 72.5 and lead["customer_id"] is None
    assert admin.get(f"{LEADS}/{lead['id']}").json() == lead
    patched = admin.patch(f"{LEADS}/{lead['id']}", json={"status": "qualified", "score": None})
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "qualified" and patched.json()["score"] is None
    assert admin.delete(f"{LEADS}/{lead['id']}").status_code == 204
    assert_problem(admin.get(f"{LEADS}/{lead['id']}"), 404)
    assert_problem(admin.patch(f"{LEADS}/{lead['id']}", json={"name": "x"}), 404)
    assert_problem(admin.delete(f"{LEADS}/{lead['id']}"), 404)


def test_lead_rbac(anon: TestClient, client_for: Callable[[Role], TestClient]) -> None:
    sales, agent = client_for(Role.SALES), client_for(Role.AGENT)
    analyst, widget = client_for(Role.ANALYST), client_for(Role.WIDGET)
    assert_problem(anon.get(LEADS), 401)
    lead = _post(sales, LEADS, lead_payload())
    assert agent.get(f"{LEADS}/{lead['id']}").status_code == 200
    assert analyst.get(LEADS).status_code == 200
    assert_problem(agent.post(LEADS, json=lead_payload()), 403)
    assert_problem(analyst.patch(f"{LEADS}/{lead['id']}", json={"status": "contacted"}), 403)
    assert_problem(agent.post(f"{LEADS}/{lead['id']}/convert"), 403)
    assert_problem(widget.get(LEADS), 403)
    assert_problem(widget.get(DEALS), 403)


def test_lead_validation(admin: TestClient) -> None:
    for payload in (
        lead_payload(name=""),
        lead_payload(email="nope"),
        lead_payload(status="converted"),
        lead_payload(status="hot"),
        lead_payload(score=101),
        lead_payload(owner_id=2**40),
        lead_payload(unexpected="x"),
    ):
        assert_problem(admin.post(LEADS, json=payload), 422)
    body = assert_problem(admin.post(LEADS, json=lead_payload(owner_id=4242)), 422)
    assert body["errors"][0]["loc"] == ["body", "owner_id"]
    body = assert_problem(admin.post(LEADS, json=lead_payload(customer_id=4242)), 422)
    assert body["errors"][0]["loc"] == ["body", "customer_id"]
    lead = _post(admin, LEADS, lead_payload())
    for patch in ({"name": None}, {"status": None}, {"status": "converted"}, {"score": -1}):
        assert_problem(admin.patch(f"{LEADS}/{lead['id']}", json=patch), 422)
    assert _count(admin, LEADS) == 1


def test_lead_filters_search_and_pagination(
    admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    owner = _user(session_factory, "seller@maitre.example")
    a = _post(admin, LEADS, lead_payload(name="Ada Byron", company="Engines", owner_id=owner))
    b = _post(admin, LEADS, lead_payload(name="Alan Turing", status="contacted", score=10))
    c = _post(admin, LEADS, lead_payload(name="Barbara Liskov", status="contacted", score=90))
    assert _count(admin, LEADS, status="contacted") == 2
    assert [x["id"] for x in admin.get(LEADS, params={"owner_id": owner}).json()["items"]] == [
        a["id"]
    ]
    assert _count(admin, LEADS, q="engines") == 1
    assert _count(admin, LEADS, q="AL") == 1  # Alan only; matching is case-insensitive
    assert _count(admin, LEADS, email=c["email"].upper()) == 1
    by_score = admin.get(LEADS, params={"sort": "-score", "status": "contacted"}).json()
    assert [x["id"] for x in by_score["items"]] == [c["id"], b["id"]]
    first = admin.get(LEADS, params={"limit": 2, "sort": "name"}).json()
    rest = admin.get(LEADS, params={"limit": 2, "sort": "name", "cursor": first["next_cursor"]})
    names = [x["name"] for x in first["items"] + rest.json()["items"]]
    assert names == ["Ada Byron", "Alan Turing", "Barbara Liskov"]
    assert_problem(admin.get(LEADS, params={"status": "warm"}), 422)
    assert_problem(admin.get(LEADS, params={"sort": "notes"}), 422)


# ---- deals ------------------------------------------------------------------------------------


def test_deal_crud_stage_pipeline_and_timeline(admin: TestClient) -> None:
    cid = _customer(admin)
    deal = _post(admin, DEALS, deal_payload(cid, value=99.5, currency="eur"))
    assert set(DEAL_FIELDS) <= set(deal)
    assert deal["value"] == "99.50" and deal["currency"] == "EUR"
    assert deal["stage"] == "qualification" and deal["closed_at"] is None
    assert deal["expected_close"] == "2030-06-30"
    assert admin.get(f"{DEALS}/{deal['id']}").json() == deal

    proposal = admin.patch(f"{DEALS}/{deal['id']}", json={"stage": "proposal"}).json()
    assert proposal["stage"] == "proposal" and proposal["closed_at"] is None
    won = admin.patch(f"{DEALS}/{deal['id']}", json={"stage": "won", "value": "150"}).json()
    assert won["closed_at"] is not None and won["value"] == "150.00"

    view = admin.get(f"/api/v1/customers/{cid}/timeline").json()
    deal_events = [e for e in view["events"] if e["subject_type"] == "deal"]
    assert [e["kind"] for e in deal_events] == [
        "deal.stage_changed",
        "deal.stage_changed",
        "deal.created",
    ]
    assert deal_events[0]["data"]["changes"]["stage"] == ["proposal", "won"]
    assert deal_events[0]["data"]["changes"]["value"] == ["99.50", "150.00"]
    assert admin.patch(f"{DEALS}/{deal['id']}", json={"title": "Bigger plan"}).status_code == 200
    view = admin.get(f"/api/v1/customers/{cid}/timeline").json()
    assert view["events"][0]["kind"] == "deal.updated"

    assert admin.delete(f"{DEALS}/{deal['id']}").status_code == 204
    assert_problem(admin.get(f"{DEALS}/{deal['id']}"), 404)


def test_deal_validation_and_rbac(
    admin: TestClient, client_for: Callable[[Role], TestClient]
) -> None:
    cid = _customer(admin)
    for payload in (
        deal_payload(cid, stage="closed"),
        deal_payload(cid, value=-1),
        deal_payload(cid, value="1.001"),
        deal_payload(cid, value="lots"),
        deal_payload(cid, currency="EURO"),
        deal_payload(cid, expected_close="next week"),
        deal_payload(cid, pipeline="b2b"),
    ):
        assert_problem(admin.post(DEALS, json=payload), 422)
    for field in ("customer_id", "owner_id", "lead_id"):
        body = assert_problem(admin.post(DEALS, json={**deal_payload(cid), field: 31337}), 422)
        assert body["errors"][0]["loc"] == ["body", field]
    deal = _post(admin, DEALS, deal_payload(cid))
    for patch in ({"stage": None}, {"value": None}, {"customer_id": cid}, {"owner_id": 31337}):
        assert_problem(admin.patch(f"{DEALS}/{deal['id']}", json=patch), 422)
    assert_problem(admin.get(f"{DEALS}/0"), 422)
    assert_problem(client_for(Role.AGENT).post(DEALS, json=deal_payload(cid)), 403)
    assert_problem(client_for(Role.ANALYST).delete(f"{DEALS}/{deal['id']}"), 403)
    assert (
        client_for(Role.SALES)
        .patch(f"{DEALS}/{deal['id']}", json={"stage": "lost"})
        .json()["closed_at"]
    )


def test_deal_filters_and_sort(admin: TestClient, session_factory: sessionmaker[Session]) -> None:
    owner = _user(session_factory, "closer@maitre.example")
    c1, c2 = _customer(admin), _customer(admin)
    small = _post(admin, DEALS, deal_payload(c1, value="10", owner_id=owner))
    big = _post(admin, DEALS, deal_payload(c1, value="5000", stage="negotiation"))
    mid = _post(admin, DEALS, deal_payload(c2, value="300", stage="negotiation"))
    assert _count(admin, DEALS, customer_id=c1) == 2
    assert _count(admin, DEALS, stage="negotiation") == 2
    assert [d["id"] for d in admin.get(DEALS, params={"owner_id": owner}).json()["items"]] == [
        small["id"]
    ]
    first = admin.get(DEALS, params={"sort": "-value", "limit": 2}).json()
    rest = admin.get(DEALS, params={"sort": "-value", "limit": 2, "cursor": first["next_cursor"]})
    assert [d["id"] for d in first["items"] + rest.json()["items"]] == [
        big["id"],
        mid["id"],
        small["id"],
    ]
    assert_problem(admin.get(DEALS, params={"stage": "won!"}), 422)


def test_customer_with_deals_cannot_be_deleted(admin: TestClient) -> None:
    cid = _customer(admin)
    _post(admin, DEALS, deal_payload(cid))
    assert_problem(admin.delete(f"/api/v1/customers/{cid}"), 409)


# ---- conversion -------------------------------------------------------------------------------


def test_convert_creates_customer_and_deal(admin: TestClient) -> None:
    lead = _post(admin, LEADS, lead_payload(name="Hedy Lamarr", phone="+1 555 0100"))
    r = admin.post(
        f"{LEADS}/{lead['id']}/convert",
        json={
            "deal": {"title": "Frequency hopping licence", "value": "25000", "stage": "proposal"}
        },
    )
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["customer_created"] is True
    customer, deal, converted = out["customer"], out["deal"], out["lead"]
    assert customer["name"] == "Hedy Lamarr" and customer["email"] == lead["email"]
    assert customer["phone"] == "+1 555 0100" and customer["company"] == lead["company"]
    assert converted["status"] == "converted" and converted["customer_id"] == customer["id"]
    assert converted["converted_at"] is not None
    assert deal["customer_id"] == customer["id"] and deal["lead_id"] == lead["id"]
    assert deal["value"] == "25000.00" and deal["stage"] == "proposal"
    assert admin.get(f"{DEALS}/{deal['id']}").json() == deal

    kinds = [
        e["kind"]
        for e in admin.get(f"/api/v1/customers/{customer['id']}/timeline").json()["events"]
    ]
    assert kinds == ["lead.converted", "deal.created", "customer.created"]
    assert_problem(admin.post(f"{LEADS}/{lead['id']}/convert"), 409)
    assert_problem(admin.patch(f"{LEADS}/{lead['id']}", json={"status": "new"}), 409)
    assert _count(admin, "/api/v1/customers") == 1 and _count(admin, DEALS) == 1


def test_convert_links_existing_customer_by_email(admin: TestClient) -> None:
    cid = _customer(admin, email="known@example.com")
    lead = _post(admin, LEADS, lead_payload(email="KNOWN@example.com"))
    out = admin.post(f"{LEADS}/{lead['id']}/convert", json={"create_deal": False}).json()
    assert out["customer_created"] is False and out["customer"]["id"] == cid
    assert out["deal"] is None and out["lead"]["customer_id"] == cid
    assert _count(admin, "/api/v1/customers") == 1 and _count(admin, DEALS) == 0


def test_convert_with_explicit_customer_and_default_deal(admin: TestClient) -> None:
    cid = _customer(admin)
    lead = _post(admin, LEADS, lead_payload(company="Bletchley Park"))
    out = admin.post(f"{LEADS}/{lead['id']}/convert", json={"customer_id": cid}).json()
    assert out["customer"]["id"] == cid and out["customer_created"] is False
    assert out["deal"]["title"] == "Bletchley Park" and out["deal"]["value"] == "0.00"
    missing = admin.post(f"{LEADS}/{lead['id'] + 1000}/convert")
    assert_problem(missing, 404)


def test_failed_conversion_leaves_nothing_behind(admin: TestClient) -> None:
    lead = _post(admin, LEADS, lead_payload())
    # The owner is only checked when the deal is opened, after the customer was created.
    body = assert_problem(
        admin.post(f"{LEADS}/{lead['id']}/convert", json={"deal": {"owner_id": 777777}}), 422
    )
    assert body["errors"][0]["loc"] == ["body", "owner_id"]
    assert _count(admin, "/api/v1/customers") == 0
    assert _count(admin, DEALS) == 0
    after = admin.get(f"{LEADS}/{lead['id']}").json()
    assert after == lead
    ok = admin.post(f"{LEADS}/{lead['id']}/convert")
    assert ok.status_code == 201, ok.text


def test_conversion_failing_late_rolls_everything_back(
    admin: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    lead = _post(admin, LEADS, lead_payload())

    def explode(*_args: Any, **_kwargs: Any) -> None:
        raise ExternalServiceError("timeline store is down")

    # Fail at the very last step, after customer and deal exist in the transaction.
    monkeypatch.setattr(leads_service, "_record", explode)
    assert_problem(admin.post(f"{LEADS}/{lead['id']}/convert"), 502)
    monkeypatch.undo()
    assert _count(admin, "/api/v1/customers") == 0
    assert _count(admin, DEALS) == 0
    assert admin.get(f"{LEADS}/{lead['id']}").json()["status"] == "new"


def test_convert_body_is_validated(admin: TestClient) -> None:
    lead = _post(admin, LEADS, lead_payload())
    url = f"{LEADS}/{lead['id']}/convert"
    assert_problem(admin.post(url, json={"deal": {"value": -5}}), 422)
    assert_problem(admin.post(url, json={"surprise": True}), 422)
    body = assert_problem(admin.post(url, json={"customer_id": 5555}), 422)
    assert body["errors"][0]["loc"] == ["body", "customer_id"]
    assert admin.get(f"{LEADS}/{lead['id']}").json()["status"] == "new"
