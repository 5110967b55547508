"""``Idempotency-Key`` on POST: replays, mismatches, expiry and concurrency, on both databases."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from maitre.api import idempotency_store as store
from maitre.api.idempotency import fingerprint
from maitre.api.idempotency_models import IdempotencyRecord, IdempotencyState
from maitre.customers.models import Customer
from maitre.db.base import utcnow
from maitre.users.roles import Role
from tests.conftest import assert_problem
from tests.factories import customer_payload

URL = "/api/v1/customers"


def count_customers(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(Customer)) or 0)


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


def test_replay_returns_first_response_and_acts_once(
    admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    payload = customer_payload(email="once@example.com")
    first = admin.post(URL, json=payload, headers=key("order-1"))
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    again = admin.post(URL, json=payload, headers=key("order-1"))
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"] == first.headers["content-type"]
    assert count_customers(session_factory) == 1


def test_same_key_different_body_is_422(admin: TestClient) -> None:
    admin.post(URL, json=customer_payload(name="A"), headers=key("k-1"))
    body = assert_problem(admin.post(URL, json=customer_payload(name="B"), headers=key("k-1")), 422)
    assert body["type"].endswith("idempotency-key-reused")


def test_same_key_other_endpoint_is_422(admin: TestClient) -> None:
    admin.post(URL, json=customer_payload(), headers=key("k-2"))
    r = admin.post("/api/v1/notes", json={"body": "x"}, headers=key("k-2"))
    assert_problem(r, 422)


def test_keys_are_per_caller(
    client_for: Callable[[Role], TestClient], session_factory: sessionmaker[Session]
) -> None:
    payload = {"name": "No Email Ltd"}
    a = client_for(Role.ADMIN).post(URL, json=payload, headers=key("shared"))
    b = client_for(Role.AGENT).post(URL, json=payload, headers=key("shared"))
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert count_customers(session_factory) == 2


def test_failed_request_is_not_stored(admin: TestClient) -> None:
    assert_problem(admin.post(URL, json={"name": ""}, headers=key("retry-me")), 422)
    r = admin.post(URL, json={"name": ""}, headers=key("retry-me"))
    assert "idempotent-replayed" not in r.headers
    fixed = admin.post(URL, json=customer_payload(), headers=key("retry-me"))
    assert fixed.status_code == 201


def test_expired_key_runs_again(admin: TestClient, session_factory: sessionmaker[Session]) -> None:
    payload = {"name": "Expiring"}
    admin.post(URL, json=payload, headers=key("old"))
    with session_factory() as s:
        s.execute(update(IdempotencyRecord).values(expires_at=utcnow() - timedelta(seconds=1)))
        s.commit()
    r = admin.post(URL, json=payload, headers=key("old"))
    assert r.status_code == 201 and "idempotent-replayed" not in r.headers
    assert count_customers(session_factory) == 2
    with session_factory() as s:
        assert store.purge_expired(session=s, now=utcnow() + timedelta(hours=25)) == 1
        s.commit()


def test_request_in_flight_is_409(
    admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    auth = admin.headers["Authorization"]
    principal = "auth:" + hashlib.sha256(auth.encode()).hexdigest()
    body = json.dumps(customer_payload()).encode()
    with session_factory() as s:
        claimed = store.claim(
            session=s,
            principal=principal,
            key="busy",
            fingerprint=fingerprint("POST", URL, b"", body),
            method="POST",
            path=URL,
            now=utcnow(),
        )
        s.commit()
    assert isinstance(claimed, store.Claimed)
    headers = {**key("busy"), "Content-Type": "application/json"}
    problem = assert_problem(admin.post(URL, content=body, headers=headers), 409)
    assert problem["type"].endswith("idempotency-key-in-use")


def test_abandoned_claim_is_taken_over(
    admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    principal = "auth:" + hashlib.sha256(admin.headers["Authorization"].encode()).hexdigest()
    with session_factory() as s:
        store.claim(
            session=s,
            principal=principal,
            key="crashed",
            fingerprint="f" * 64,
            method="POST",
            path=URL,
            now=utcnow() - timedelta(minutes=10),
        )
        s.commit()
    assert admin.post(URL, json=customer_payload(), headers=key("crashed")).status_code == 201


def test_concurrent_duplicates_create_one_customer(
    admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    payload = customer_payload(email="race@example.com")
    admin.get(URL)  # use the key once first, so the race is only about the idempotency key
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def post() -> None:
        barrier.wait()
        statuses.append(admin.post(URL, json=payload, headers=key("race")).status_code)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert count_customers(session_factory) == 1
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}


def test_invalid_key_is_422(admin: TestClient) -> None:
    body = assert_problem(admin.post(URL, json=customer_payload(), headers=key("x" * 300)), 422)
    assert body["errors"][0]["loc"] == ["header", "Idempotency-Key"]


def test_without_key_or_on_get_nothing_is_stored(
    admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    admin.post(URL, json={"name": "Plain"})
    admin.get(URL, headers=key("ignored"))
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0


def test_state_values_are_pinned() -> None:
    assert [s.value for s in IdempotencyState] == ["in_flight", "completed"]
