"""Contract tests for /api/v1/settings/runtime: admin only, 422 problems, secrets write-only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from maitre.config import Settings
from maitre.runtime_settings import service
from maitre.users.roles import Role
from tests.conftest import assert_problem

URL = "/api/v1/settings/runtime"


def _items(response: Any) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.text
    return {item["key"]: item for item in response.json()["items"]}


def test_admin_reads_values_in_force_and_their_defaults(admin: TestClient) -> None:
    items = _items(admin.get(URL))
    assert items["return_window_days"] == {
        "key": "return_window_days",
        "section": "rules",
        "secret": False,
        "value": 30,
        "default": 30,
        "overridden": False,
        "is_set": True,
        "unreadable": False,
        "updated_by": None,
        "updated_at": None,
    }
    assert items["refund_handoff_limit"]["value"] == "500.00"
    assert items["llm_api_key"]["secret"] and items["llm_api_key"]["value"] is None


def test_patch_overrides_and_null_resets(
    admin: TestClient, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    items = _items(admin.patch(URL, json={"return_window_days": 14, "llm_model": "llama3.1"}))
    assert items["return_window_days"]["value"] == 14
    assert items["return_window_days"]["overridden"] is True
    assert items["return_window_days"]["updated_by"].startswith("api_key:")
    with session_factory() as s:
        assert service.effective(session=s, base=settings).return_window_days == 14
    items = _items(admin.patch(URL, json={"return_window_days": None}))
    assert items["return_window_days"]["value"] == 30
    assert items["return_window_days"]["overridden"] is False
    assert items["llm_model"]["value"] == "llama3.1"  # untouched keys keep their override


def test_the_llm_key_is_write_only(admin: TestClient) -> None:
    response = admin.patch(URL, json={"llm_api_key": "sk-topsecret-1"})
    assert "sk-topsecret-1" not in response.text
    items = _items(response)
    assert items["llm_api_key"]["is_set"] and items["llm_api_key"]["overridden"]
    assert "sk-topsecret-1" not in admin.get(URL).text


@pytest.mark.parametrize("role", [Role.AGENT, Role.SALES, Role.ANALYST, Role.WIDGET])
def test_only_admins_may_read_or_change(
    client_for: Callable[[Role], TestClient], role: Role
) -> None:
    client = client_for(role)
    assert_problem(client.get(URL), 403)
    assert_problem(client.patch(URL, json={"return_window_days": 1}), 403)


def test_anonymous_callers_are_refused(anon: TestClient) -> None:
    assert_problem(anon.get(URL), 401)


@pytest.mark.parametrize(
    "body",
    [
        {"secret_key": "x"},
        {"database_url": "sqlite://"},
        {"return_window_days": -1},
        {"return_window_days": 3651},
        {"return_window_days": "soon"},
        {"refund_handoff_limit": "1.001"},
        {"refund_handoff_limit": -5},
        {"cancel_allowed_statuses": ["shipped"]},
        {"llm_timeout_seconds": 0},
        {"llm_base_url": "file:///etc/passwd"},
        {"llm_api_key": "two words"},
    ],
)
def test_unknown_keys_and_invalid_values_are_422_problems(
    admin: TestClient, body: dict[str, Any]
) -> None:
    problem = assert_problem(admin.patch(URL, json=body), 422)
    assert problem["errors"] and next(iter(body)) in problem["errors"][0]["loc"]
    assert _items(admin.get(URL))["return_window_days"]["overridden"] is False


def test_a_non_object_body_is_a_422_problem(admin: TestClient) -> None:
    assert_problem(admin.patch(URL, json=[1, 2]), 422)
    assert_problem(
        admin.patch(URL, content=b"{", headers={"content-type": "application/json"}), 422
    )
