"""Contract tests for /api/v1/webhooks, with deliveries to a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from maitre.bootstrap import Runtime
from maitre.config import Settings
from maitre.db.base import utcnow
from maitre.users.roles import Role
from maitre.webhooks import signing
from tests.conftest import assert_problem
from tests.factories import customer_payload
from tests.integration.webhook_receiver import Receiver, webhook_receiver

URL = "/api/v1/webhooks"


@pytest.fixture
def refuse_private() -> None:
    """Request this to keep the default policy (private targets refused)."""


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The suite's settings with private targets allowed, so 127.0.0.1 can receive webhooks."""
    if "refuse_private" in request.fixturenames:
        return settings
    return settings.model_copy(update={"allow_private_webhook_targets": True})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as r:
        yield r


def register(client: TestClient, url: str, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"url": url, "event_types": ["customer.created"], **extra}
    response = client.post(URL, json=payload)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def run_scheduled_retries(runtime: Runtime) -> None:
    """Run the retries Huey scheduled (immediate mode keeps them in memory), ignoring their eta."""
    huey = runtime.queue.huey
    later = utcnow().replace(tzinfo=None) + timedelta(days=1)
    for task in huey.read_schedule(later):
        huey.execute(task, timestamp=later)


def test_register_returns_secret_once(admin: TestClient) -> None:
    created = register(admin, "https://hooks.example.com/maitre", description="CRM sync")
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 30
    assert created["event_types"] == ["customer.created"]
    assert created["is_active"] is True
    fetched = admin.get(f"{URL}/{created['id']}")
    assert fetched.status_code == 200
    assert "secret" not in fetched.json()
    listed = admin.get(URL).json()
    assert listed["total"] == 1 and "secret" not in listed["items"][0]


def test_given_secret_is_kept(admin: TestClient) -> None:
    created = register(admin, "https://hooks.example.com/a", secret="s" * 24)
    assert created["secret"] == "s" * 24


def test_patch_and_delete(admin: TestClient) -> None:
    wid = register(admin, "https://hooks.example.com/a")["id"]
    r = admin.patch(f"{URL}/{wid}", json={"event_types": ["order.*", "*"], "is_active": False})
    assert r.status_code == 200, r.text
    assert r.json()["event_types"] == ["order.*", "*"] and r.json()["is_active"] is False
    assert admin.delete(f"{URL}/{wid}").status_code == 204
    assert_problem(admin.get(f"{URL}/{wid}"), 404)
    assert_problem(admin.delete(f"{URL}/{wid}"), 404)


def test_only_admins_manage_webhooks(client_for: Callable[[Role], TestClient]) -> None:
    for role in (Role.AGENT, Role.SALES, Role.ANALYST, Role.WIDGET):
        client = client_for(role)
        assert_problem(client.get(URL), 403)
        assert_problem(
            client.post(URL, json={"url": "https://x.example.com", "event_types": ["*"]}), 403
        )


def test_unauthenticated_is_401(anon: TestClient) -> None:
    assert_problem(anon.get(URL), 401)


BAD_REGISTRATIONS: list[tuple[dict[str, Any], str]] = [
    ({"url": "ftp://example.com/x", "event_types": ["*"]}, "url"),
    ({"url": "javascript:alert(1)", "event_types": ["*"]}, "url"),
    ({"url": "http://169.254.169.254/latest/meta-data", "event_types": ["*"]}, "url"),
    ({"url": "http://metadata.google.internal/", "event_types": ["*"]}, "url"),
    ({"url": "http://[fd00:ec2::254]/", "event_types": ["*"]}, "url"),
    ({"url": "https://example.com", "event_types": []}, "event_types"),
    ({"url": "https://example.com", "event_types": ["Customer Created"]}, "event_types"),
    ({"url": "https://example.com", "event_types": ["*"], "secret": "short"}, "secret"),
    ({"url": "https://example.com", "event_types": ["*"], "colour": "red"}, "colour"),
]


def test_bad_registrations_are_422(admin: TestClient) -> None:
    for payload, field in BAD_REGISTRATIONS:
        body = assert_problem(admin.post(URL, json=payload), 422)
        assert any(field in e["loc"] for e in body["errors"]), (payload, body)
    assert admin.get(URL).json()["total"] == 0


def test_private_targets_refused_by_default(admin: TestClient, refuse_private: None) -> None:
    for url in (
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://[::1]/hook",
        "http://169.254.10.10/hook",
        "http://[fe80::1]/hook",
        "http://2130706433/hook",
    ):
        body = assert_problem(admin.post(URL, json={"url": url, "event_types": ["*"]}), 422)
        assert "MAITRE_ALLOW_PRIVATE_WEBHOOK_TARGETS" in body["detail"], (url, body)
    assert register(admin, "https://hooks.example.com/x")["url"] == "https://hooks.example.com/x"


def test_metadata_address_refused_on_patch(admin: TestClient) -> None:
    wid = register(admin, "https://hooks.example.com/a")["id"]
    r = admin.patch(f"{URL}/{wid}", json={"url": "http://169.254.169.254/"})
    assert_problem(r, 422)


def test_created_customer_is_delivered_signed(admin: TestClient, receiver: Receiver) -> None:
    hook = register(admin, receiver.url)
    customer = admin.post("/api/v1/customers", json=customer_payload()).json()
    [request] = receiver.wait_for(1)
    headers = request.headers
    assert headers["x-maitre-event"] == "customer.created"
    assert headers["content-type"] == "application/json"
    assert signing.verify(
        secret=hook["secret"],
        timestamp=headers["x-maitre-timestamp"],
        body=request.body,
        signature=headers["x-maitre-signature"],
    )
    body = request.json()
    assert set(body) == {"id", "type", "occurred_at", "data"}
    assert body["type"] == "customer.created" and body["data"]["id"] == customer["id"]

    deliveries = admin.get(f"{URL}/{hook['id']}/deliveries").json()
    assert deliveries["total"] == 1
    [delivery] = deliveries["items"]
    assert delivery["id"] == int(headers["x-maitre-delivery"])
    assert delivery["status"] == "succeeded" and delivery["attempt_count"] == 1
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] == 200 and attempt["error"] is None
    assert attempt["duration_ms"] >= 0 and attempt["attempted_at"]


def test_unsubscribed_and_inactive_endpoints_get_nothing(
    admin: TestClient, receiver: Receiver
) -> None:
    other = register(admin, receiver.url, event_types=["order.updated"])
    off = register(admin, receiver.url, event_types=["*"], is_active=False)
    admin.post("/api/v1/customers", json=customer_payload())
    assert receiver.requests == []
    for hook in (other, off):
        assert admin.get(f"{URL}/{hook['id']}/deliveries").json()["total"] == 0


def test_failed_request_writes_no_delivery(admin: TestClient, receiver: Receiver) -> None:
    hook = register(admin, receiver.url)
    admin.post("/api/v1/customers", json=customer_payload(email="dup@example.com"))
    r = admin.post("/api/v1/customers", json=customer_payload(email="dup@example.com"))
    assert r.status_code == 409
    assert admin.get(f"{URL}/{hook['id']}/deliveries").json()["total"] == 1


def test_ping_and_retry_on_500_records_every_attempt(
    admin: TestClient, app_runtime: Runtime
) -> None:
    with webhook_receiver(statuses=[500]) as receiver:
        hook = register(admin, receiver.url, event_types=["order.updated"])
        r = admin.post(f"{URL}/{hook['id']}/test")
        assert r.status_code == 202, r.text
        assert r.json()["event_type"] == "ping"
        receiver.wait_for(1)
        pending = admin.get(f"{URL}/{hook['id']}/deliveries").json()["items"][0]
        assert pending["status"] == "pending" and pending["next_attempt_at"]
        assert [a["status_code"] for a in pending["attempts"]] == [500]
        assert pending["attempts"][0]["error"] == "HTTP 500"

        run_scheduled_retries(app_runtime)
        second = receiver.wait_for(2)[1]
    assert second.json()["type"] == "ping"
    assert second.headers["x-maitre-delivery"] == str(pending["id"])
    assert signing.verify(
        secret=hook["secret"],
        timestamp=second.headers["x-maitre-timestamp"],
        body=second.body,
        signature=second.headers["x-maitre-signature"],
    )
    done = admin.get(f"{URL}/{hook['id']}/deliveries", params={"status": "succeeded"}).json()
    [delivery] = done["items"]
    assert [a["number"] for a in delivery["attempts"]] == [1, 2]
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 200]
    assert delivery["delivered_at"] and delivery["next_attempt_at"] is None


def test_deliveries_of_missing_webhook_is_404(admin: TestClient) -> None:
    assert_problem(admin.get(f"{URL}/424242/deliveries"), 404)
    assert_problem(admin.post(f"{URL}/424242/test"), 404)
    assert_problem(admin.get(f"{URL}/1/deliveries", params={"status": "lost"}), 422)
