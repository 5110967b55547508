"""Fixtures for the web page tests: a small shop and logged-in browser-like clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from maitre.users.roles import Role
from tests.factories.web import PASSWORD, STAFF, build_web_shop


@pytest.fixture
def shop(session_factory: sessionmaker[Session]) -> dict[str, Any]:
    with session_factory() as s:
        ids = build_web_shop(s)
        s.commit()
    return ids


class WebClient:
    """A browser-like client: a logged-in TestClient and the session's CSRF token."""

    def __init__(self, client: TestClient, csrf: str) -> None:
        self.client = client
        self.csrf = csrf

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, follow_redirects=False, **kw)

    def post(
        self, url: str, data: dict[str, Any] | None = None, csrf: bool = True, **kw: Any
    ) -> Any:
        body = dict(data or {})
        if csrf:
            body["csrf_token"] = self.csrf
        return self.client.post(url, data=body, follow_redirects=False, **kw)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, html[:500]
    return found.group(1)


@pytest.fixture
def login(app: Any, shop: dict[str, Any]) -> Iterator[Callable[[Role], WebClient]]:
    opened: list[TestClient] = []

    def make(role: Role) -> WebClient:
        client = TestClient(app, raise_server_exceptions=False)
        opened.append(client)
        token = _csrf(client.get("/login").text)
        done = client.post(
            "/login",
            data={"email": STAFF[role], "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        return WebClient(client, _csrf(client.get("/customers").text))

    yield make
    for c in opened:
        c.close()
