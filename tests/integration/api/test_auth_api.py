"""Login with a password (argon2), cookie sessions with CSRF, users and API keys."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from maitre.users import service as users
from maitre.users.models import ApiKey
from maitre.users.roles import Role
from tests.conftest import assert_problem
from tests.factories import customer_payload


def _make_user(factory: sessionmaker[Session], role: Role = Role.AGENT) -> None:
    with factory() as s:
        users.create_user(
            session=s,
            email="Staff@Example.com",
            name="Sam",
            role=role,
            password="correct horse battery",
        )
        s.commit()


def test_password_login_sets_cookie_and_me_works(
    anon: TestClient, session_factory: sessionmaker[Session]
) -> None:
    _make_user(session_factory)
    r = anon.post(
        "/api/v1/auth/login",
        json={"email": "staff@example.com", "password": "correct horse battery"},
    )
    assert r.status_code == 200, r.text
    assert "maitre_session" in r.cookies or "maitre_session" in anon.cookies
    cookie_header = r.headers["set-cookie"].lower()
    assert "httponly" in cookie_header and "samesite=lax" in cookie_header
    me = anon.get("/api/v1/auth/me").json()
    assert me["role"] == "agent" and me["kind"] == "user"


def test_wrong_password_is_401(anon: TestClient, session_factory: sessionmaker[Session]) -> None:
    _make_user(session_factory)
    assert_problem(
        anon.post("/api/v1/auth/login", json={"email": "staff@example.com", "password": "nope"}),
        401,
    )
    assert_problem(
        anon.post("/api/v1/auth/login", json={"email": "ghost@example.com", "password": "nope"}),
        401,
    )


def test_cookie_session_needs_csrf_header_for_writes(
    anon: TestClient, session_factory: sessionmaker[Session]
) -> None:
    _make_user(session_factory)
    login = anon.post(
        "/api/v1/auth/login",
        json={"email": "staff@example.com", "password": "correct horse battery"},
    )
    csrf = login.json()["csrf_token"]
    assert_problem(anon.post("/api/v1/customers", json=customer_payload()), 403)
    ok = anon.post("/api/v1/customers", json=customer_payload(), headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201, ok.text


def test_password_is_stored_as_argon2(session: Session) -> None:
    user = users.create_user(session=session, email="a@b.co", password="s3cret-password")
    assert user.password_hash and user.password_hash.startswith("$argon2")


def test_api_keys_store_only_a_hash_and_can_be_revoked(admin: TestClient, session: Session) -> None:
    created = admin.post("/api/v1/apikeys", json={"name": "shop", "role": "widget"})
    assert created.status_code == 201
    token = created.json()["key"]
    assert re.fullmatch(r"mtr_[0-9a-f]{8}_[\w-]+", token)
    stored = session.get(ApiKey, created.json()["id"])
    assert stored is not None and token not in (stored.key_hash, stored.prefix)
    assert all("key" not in k for k in admin.get("/api/v1/apikeys").json())
    assert admin.delete(f"/api/v1/apikeys/{created.json()['id']}").status_code == 204
    revoked = TestClient(admin.app, raise_server_exceptions=False)
    revoked.headers["Authorization"] = f"Bearer {token}"
    assert_problem(revoked.get("/api/v1/auth/me"), 401)


def test_only_admin_manages_users(client_for: Callable[[Role], TestClient]) -> None:
    body = {"email": "new@example.com", "password": "long-enough-pw", "role": "sales"}
    assert_problem(client_for(Role.AGENT).post("/api/v1/users", json=body), 403)
    assert client_for(Role.ADMIN).post("/api/v1/users", json=body).status_code == 201
    assert_problem(client_for(Role.ADMIN).post("/api/v1/users", json=body), 409)


def test_web_login_flow_and_customer_pages(
    anon: TestClient, session_factory: sessionmaker[Session], admin: TestClient
) -> None:
    _make_user(session_factory)
    cid = admin.post(
        "/api/v1/customers", json=customer_payload(name="<img src=x onerror=alert(1)>")
    ).json()["id"]
    first = anon.get("/customers", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/login")
    page = anon.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    bad = anon.post(
        "/login", data={"email": "staff@example.com", "password": "x", "csrf_token": csrf.group(1)}
    )
    assert bad.status_code == 401 and "Wrong email or password" in bad.text
    forged = anon.post(
        "/login",
        data={"email": "staff@example.com", "password": "correct horse battery", "csrf_token": "x"},
    )
    assert forged.status_code == 400
    ok = anon.post(
        "/login",
        data={
            "email": "staff@example.com",
            "password": "correct horse battery",
            "csrf_token": csrf.group(1),
            "next": "/customers",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/customers"
    listing = anon.get("/customers")
    assert listing.status_code == 200 and "&lt;img src=x" in listing.text
    assert "<img src=x" not in listing.text
    detail = anon.get(f"/customers/{cid}")
    assert detail.status_code == 200 and "customer.created" in detail.text
