"""Stored scores, churn risk, bias, refresh jobs, recommendations and saved segments over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from maitre.config import Settings
from maitre.ml.churn_crm_train import train_and_register as train_churn
from maitre.ml.recs_crm import train_and_register as train_recs
from maitre.users.roles import Role
from tests.conftest import assert_problem
from tests.factories.planted import build_planted_baskets, build_planted_churn

Clients = Callable[[Role], TestClient]


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def churn_crm(session_factory: sessionmaker[Session], settings: Settings) -> dict[int, int]:
    """A planted-churn CRM with the churn model trained on it."""
    with session_factory() as s:
        labels = build_planted_churn(s, customers=160)
        train_churn(session=s, settings=settings)
        s.commit()
    return labels


@pytest.mark.slow
def test_refresh_is_for_admins_and_analysts_and_reports_progress(
    client_for: Clients, churn_crm: dict[int, int]
) -> None:
    for role in (Role.WIDGET, Role.AGENT, Role.SALES):
        assert_problem(client_for(role).post("/api/v1/analytics/refresh"), 403)
    analyst = client_for(Role.ANALYST)
    run = _ok(analyst.post("/api/v1/analytics/refresh"), 202)
    assert run["model_name"] == "analytics_refresh"
    done = _ok(analyst.get(f"/api/v1/analytics/refresh/{run['id']}"))
    assert done["status"] == "succeeded" and done["progress"] == 1.0
    assert done["result"]["customers"] == len(churn_crm) and done["result"]["churn_model_version"]
    admin = client_for(Role.ADMIN)
    assert _ok(admin.post("/api/v1/analytics/refresh"), 202)["id"] != run["id"]
    assert_problem(admin.get("/api/v1/analytics/refresh/999999"), 404)
    assert_problem(client_for(Role.WIDGET).get(f"/api/v1/analytics/refresh/{run['id']}"), 403)


def test_profile_shows_churn_probability_reasons_and_clv_after_refresh(
    admin: TestClient, churn_crm: dict[int, int]
) -> None:
    churner = next(cid for cid, y in churn_crm.items() if y == 1)
    before = _ok(admin.get(f"/api/v1/customers/{churner}/profile"))
    assert before["churn_probability"] is None and before["churn_reasons"] == []
    assert before["rfm"]["segment"]  # existing fields unchanged
    _ok(admin.post("/api/v1/analytics/refresh"), 202)
    body = _ok(admin.get(f"/api/v1/customers/{churner}/profile"))
    assert body["churn_probability"] > 0.5 and body["churn_at_risk"] is True
    assert body["churn_model_version"] == 1 and body["scored_at"]
    texts = [r["text"] for r in body["churn_reasons"]]
    assert any(t.startswith("no order for") for t in texts), texts
    assert body["probability_alive"] is not None and body["clv"] is not None


def test_churn_risk_lists_riskiest_first_with_filters(
    client_for: Clients, churn_crm: dict[int, int]
) -> None:
    analyst = client_for(Role.ANALYST)
    assert _ok(analyst.get("/api/v1/analytics/churn-risk"))["total"] == 0  # nothing scored yet
    _ok(analyst.post("/api/v1/analytics/refresh"), 202)
    page = _ok(analyst.get("/api/v1/analytics/churn-risk", params={"limit": 200}))
    probs = [i["churn_probability"] for i in page["items"]]
    assert page["total"] == len(churn_crm) and probs == sorted(probs, reverse=True)
    risky = _ok(analyst.get("/api/v1/analytics/churn-risk", params={"min_probability": 0.5}))
    assert risky["total"] < page["total"] and all(
        i["churn_probability"] >= 0.5 for i in risky["items"]
    )
    top = {i["customer_id"] for i in risky["items"]}
    assert sum(churn_crm[c] for c in top) >= 0.8 * len(top)
    segment = page["items"][0]["rfm_segment"]
    same = _ok(analyst.get("/api/v1/analytics/churn-risk", params={"segment": segment}))
    assert same["total"] >= 1 and {i["rfm_segment"] for i in same["items"]} == {segment}
    assert_problem(analyst.get("/api/v1/analytics/churn-risk", params={"limit": 201}), 422)
    assert_problem(analyst.get("/api/v1/analytics/churn-risk", params={"min_probability": 2}), 422)
    assert_problem(client_for(Role.WIDGET).get("/api/v1/analytics/churn-risk"), 403)


def test_bias_report_of_the_active_churn_model(
    client_for: Clients, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    analyst = client_for(Role.ANALYST)
    assert_problem(analyst.get("/api/v1/analytics/bias"), 404)
    with session_factory() as s:
        build_planted_churn(s, customers=160)
        train_churn(session=s, settings=settings)
        s.commit()
    body = _ok(analyst.get("/api/v1/analytics/bias"))
    assert body["model"] == "churn" and body["version"] == 1
    report = body["report"]
    assert set(report["groups"]) == {"language", "country", "segment"}
    assert {"zh", "en"} == set(report["groups"]["language"])
    assert isinstance(report["flagged"], list) and report["max_recall_gap"] == 0.1
    assert_problem(client_for(Role.WIDGET).get("/api/v1/analytics/bias"), 403)


def test_recommendations_endpoint_gives_reasons_and_respects_roles(
    client_for: Clients, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    with session_factory() as s:
        ids = build_planted_baskets(s)
        s.commit()
    agent = client_for(Role.AGENT)
    url = f"/api/v1/customers/{ids['kettle_only']}/recommendations"
    cold = _ok(agent.get(url, params={"limit": 3}))
    assert cold["model_version"] is None and len(cold["items"]) == 3
    with session_factory() as s:
        train_recs(session=s, settings=settings)
        s.commit()
    body = _ok(agent.get(url, params={"limit": 3}))
    assert body["model_version"] == 1 and body["customer_id"] == ids["kettle_only"]
    first = body["items"][0]
    assert first["product_id"] == ids["filter"] and first["reason"] == "bought Kettle"
    assert {"sku", "name", "price", "score", "reason_kind", "category"} <= set(first)
    brewing = _ok(agent.get(url, params={"category": "Tea"}))
    assert all(i["category"] == "Tea" for i in brewing["items"])
    assert_problem(agent.get("/api/v1/customers/999999/recommendations"), 404)
    assert_problem(agent.get(url, params={"limit": 0}), 422)
    assert_problem(client_for(Role.WIDGET).get(url), 403)


RULE = {"languages": ["zh"], "churn_probability_gte": 0.5}


def test_saved_segments_crud_members_and_csv(
    client_for: Clients, churn_crm: dict[int, int]
) -> None:
    admin, analyst, sales = (client_for(r) for r in (Role.ADMIN, Role.ANALYST, Role.SALES))
    payload = {"name": "Chinese at risk", "description": "win back", "rule": RULE}
    assert_problem(analyst.post("/api/v1/segments/saved", json=payload), 403)
    created = _ok(sales.post("/api/v1/segments/saved", json=payload), 201)
    assert created["rule"]["languages"] == ["zh"] and created["created_by"]
    assert_problem(admin.post("/api/v1/segments/saved", json=payload), 409)
    sid = created["id"]
    # Evaluated live: nobody is scored yet, so no one matches a churn rule.
    assert _ok(analyst.get(f"/api/v1/segments/saved/{sid}/customers"))["total"] == 0
    _ok(admin.post("/api/v1/analytics/refresh"), 202)
    members = _ok(analyst.get(f"/api/v1/segments/saved/{sid}/customers", params={"limit": 200}))
    assert members["total"] >= 1
    assert all(m["language"] == "zh" and m["churn_probability"] >= 0.5 for m in members["items"])
    page = _ok(analyst.get(f"/api/v1/segments/saved/{sid}/customers", params={"limit": 1}))
    assert len(page["items"]) == 1 and page["total"] == members["total"]
    csv = analyst.get(f"/api/v1/segments/saved/{sid}/customers.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("customer_id,name") and len(lines) == members["total"] + 1
    listed = _ok(analyst.get("/api/v1/segments/saved"))
    assert listed["total"] == 1 and listed["items"][0]["id"] == sid
    patched = _ok(
        admin.patch(f"/api/v1/segments/saved/{sid}", json={"rule": {"languages": ["en"]}})
    )
    assert (
        patched["rule"]["languages"] == ["en"] and patched["rule"]["churn_probability_gte"] is None
    )
    en = _ok(analyst.get(f"/api/v1/segments/saved/{sid}/customers"))
    assert en["total"] == 120  # every fourth planted customer speaks Chinese
    assert_problem(analyst.delete(f"/api/v1/segments/saved/{sid}"), 403)
    assert admin.delete(f"/api/v1/segments/saved/{sid}").status_code == 204
    assert_problem(analyst.get(f"/api/v1/segments/saved/{sid}"), 404)
    assert_problem(client_for(Role.WIDGET).get("/api/v1/segments/saved"), 403)
    _ok(analyst.get("/api/v1/segments"))  # the existing overview still works


@pytest.mark.parametrize(
    "rule",
    [
        {"favourite_colour": "red"},
        {"rfm_segments": ["royalty"]},
        {"churn_probability_gte": 1.5},
        {"total_spent_gte": 100, "total_spent_lte": 10},
        {"last_order_before": "not a date"},
        {"clusters": [-1]},
    ],
)
def test_saved_segment_rules_are_validated(admin: TestClient, rule: dict[str, Any]) -> None:
    response = admin.post("/api/v1/segments/saved", json={"name": "x", "rule": rule})
    assert_problem(response, 422)
