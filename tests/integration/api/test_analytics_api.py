"""Contract tests for customer profiles and segments on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from maitre.users.roles import Role
from tests.conftest import assert_problem
from tests.factories import customer_payload
from tests.factories.analytics import build_tiny_crm

PROFILE = ("customer_id", "as_of", "features", "rfm", "cluster", "description")
SEGMENT = ("name", "size", "share", "mean_features", "description")


def _json(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _crm(session_factory: sessionmaker[Session]) -> dict[str, int]:
    with session_factory() as s:
        ids = build_tiny_crm(s)
        s.commit()
    return ids


def test_empty_database_gives_empty_segments(admin: TestClient) -> None:
    body = _json(admin.get("/api/v1/segments"))
    assert body["customers"] == 0 and body["rfm"] == [] and body["clusters"] == []


def test_profile_of_a_customer_without_orders(admin: TestClient) -> None:
    created = admin.post("/api/v1/customers", json=customer_payload(language="de"))
    cid = created.json()["id"]
    body = _json(admin.get(f"/api/v1/customers/{cid}/profile"))
    assert set(PROFILE) <= set(body)
    assert body["customer_id"] == cid and body["cluster"] is None
    assert body["rfm"] == {
        "r_score": None,
        "f_score": None,
        "m_score": None,
        "code": None,
        "segment": "no_orders",
    }
    assert body["features"]["frequency"] == 0 and body["features"]["recency_days"] is None
    assert body["features"]["language"] == "de" and body["description"] == "no order yet"
    segments = _json(admin.get("/api/v1/segments"))
    assert [s["name"] for s in segments["rfm"]] == ["no_orders"] and segments["clusters"] == []


def test_profile_and_segments_of_a_buyer(
    admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    ids = _crm(session_factory)
    body = _json(admin.get(f"/api/v1/customers/{ids['ada']}/profile"))
    features = body["features"]  # as of now: the 2026-02-01 order counts too
    assert features["frequency"] == 4 and features["monetary"] == 650.0
    assert features["cat:Teapot"] == round(540 / 730, 4) and features["channel"] == "web"
    assert body["rfm"]["segment"] not in ("no_orders",) and len(body["rfm"]["code"]) == 3
    assert body["cluster"] == {"id": 0, "description": body["description"]}
    late = _json(admin.get(f"/api/v1/customers/{ids['late']}/profile"))
    assert late["rfm"]["segment"] == "no_orders"

    segments = _json(admin.get("/api/v1/segments"))
    assert segments["customers"] == 3
    for seg in segments["rfm"]:
        assert set(SEGMENT) <= set(seg) and seg["size"] >= 1
    assert sum(s["size"] for s in segments["rfm"]) == 3
    assert {s["name"] for s in segments["rfm"]} >= {"no_orders", body["rfm"]["segment"]}
    [cluster] = segments["clusters"]
    assert cluster["id"] == 0 and cluster["size"] == 1 and cluster["share"] == round(1 / 3, 4)
    assert cluster["mean_features"]["monetary"] == 650.0


def test_profile_unknown_customer_and_bad_ids(admin: TestClient) -> None:
    assert_problem(admin.get("/api/v1/customers/999999/profile"), 404)
    assert_problem(admin.get(f"/api/v1/customers/{2**63}/profile"), 422)
    assert_problem(admin.get("/api/v1/customers/abc/profile"), 422)


def test_analytics_rbac(anon: TestClient, client_for: Callable[[Role], TestClient]) -> None:
    assert_problem(anon.get("/api/v1/segments"), 401)
    assert_problem(anon.get("/api/v1/customers/1/profile"), 401)
    widget = client_for(Role.WIDGET)
    assert_problem(widget.get("/api/v1/segments"), 403)
    assert_problem(widget.get("/api/v1/customers/1/profile"), 403)
    for role in (Role.ANALYST, Role.AGENT, Role.SALES):
        assert client_for(role).get("/api/v1/segments").status_code == 200
