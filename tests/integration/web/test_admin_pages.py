"""Training, settings, login and session behaviour of the staff web app, on both backends."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from maitre.agent.nlu import service as nlu
from maitre.agent.nlu.models import ReviewStatus
from maitre.api.app import create_app
from maitre.bootstrap import Runtime
from maitre.common.pagination import PageParams
from maitre.config import Settings
from maitre.ml import registry
from maitre.users import service as users
from maitre.users.roles import Role
from maitre.webhooks import service as webhooks
from tests.factories.web import PASSWORD, STAFF
from tests.integration.web.conftest import WebClient

Login = Callable[[Role], WebClient]


def test_examples_can_be_added_deleted_and_imported(
    login: Login, shop: dict[str, Any], session_factory: sessionmaker[Session]
) -> None:
    admin = login(Role.ADMIN)
    added = admin.post("/training/examples", {"intent": "greet", "text": "good morning maitre"})
    assert added.status_code == 303 and added.headers["location"] == "/training?message=added"
    dup = admin.post("/training/examples", {"intent": "greet", "text": "good morning maitre"})
    assert "already has the example" in admin.get(dup.headers["location"]).text
    gone = admin.client.post(
        f"/training/examples/{shop['example']}/delete",
        headers={"HX-Request": "true", "X-CSRF-Token": admin.csrf},
    )
    assert gone.status_code == 200 and gone.text == ""
    csv_body = "intent,text,language\ngreet,hi there friend,en\n,no intent,en\ngreet,你好呀,zh\n"
    imported = admin.client.post(
        "/training/import",
        data={"csrf_token": admin.csrf},
        files={"file": ("examples.csv", csv_body.encode(), "text/csv")},
    )
    assert imported.status_code == 200
    assert "2 examples added" in imported.text and "3:" in imported.text
    bad = admin.client.post(
        "/training/import",
        data={"csrf_token": admin.csrf},
        files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")},
    )
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]
    with session_factory() as s:
        texts = {e.text for e in nlu.all_examples(session=s)}
    assert {"good morning maitre", "hi there friend", "你好呀"} <= texts
    assert "where is my tea" not in texts
    assert (
        login(Role.AGENT).post("/training/examples", {"intent": "x", "text": "y"}).status_code
        == 403
    )


def test_review_items_are_labelled_with_one_click(
    login: Login, shop: dict[str, Any], session_factory: sessionmaker[Session]
) -> None:
    admin = login(Role.ADMIN)
    page = admin.get("/training/review").text
    assert "Yes, order_status" in page
    done = admin.client.post(
        f"/training/review/{shop['review']}/label",
        data={"intent": "order_status"},
        headers={"HX-Request": "true", "X-CSRF-Token": admin.csrf},
    )
    assert done.status_code == 200 and done.text == ""
    with session_factory() as s:
        item = nlu.get_review(session=s, item_id=shop["review"])
        assert item.status == ReviewStatus.LABELLED and item.label == "order_status"
    assert "The review queue is empty" in admin.get("/training/review").text


def test_model_versions_can_be_activated_and_rolled_back(
    login: Login, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    with session_factory() as s:
        for _ in range(2):
            staging = registry.staging_dir(settings.models_dir, "demo")
            (staging / "model.txt").write_text("weights")
            registry.register(
                session=s,
                models_dir=settings.models_dir,
                name="demo",
                staging=staging,
                data_hash="abc",
                params={},
                metrics={"accuracy": 0.9},
            )
        s.commit()
    admin = login(Role.ADMIN)
    page = admin.get("/training/models").text
    assert "v1" in page and "v2" in page and "accuracy 0.900" in page
    assert admin.post("/training/models/demo/activate", {"version": "1"}).status_code == 303
    with session_factory() as s:
        assert registry.active_version(session=s, name="demo") is not None
        assert registry.get_active(session=s, name="demo").version == 1  # type: ignore[union-attr]
    assert admin.post("/training/models/demo/rollback", {}).status_code in (303, 409)
    refused = login(Role.ANALYST).post("/training/models/demo/activate", {"version": "2"})
    assert refused.status_code == 403


def test_settings_manage_users_keys_and_webhooks(
    login: Login, shop: dict[str, Any], session_factory: sessionmaker[Session]
) -> None:
    admin = login(Role.ADMIN)
    short = admin.post(
        "/settings/users", {"email": "new@x.example.com", "role": "agent", "password": "x"}
    )
    assert short.status_code == 422 and 'id="err-user_password"' in short.text
    made = admin.post(
        "/settings/users", {"email": "new@x.example.com", "role": "sales", "password": "p" * 12}
    )
    assert made.status_code == 303
    key = admin.post("/settings/keys", {"name": "shop backend", "role": "agent"})
    assert key.status_code == 200 and key.headers["cache-control"] == "no-store"
    token = re.search(r"(mtr_[0-9a-f]{8}_[A-Za-z0-9_-]+)", key.text)
    assert token is not None
    assert token.group(1) not in admin.get("/settings").text  # shown once only
    hook = admin.post(
        "/settings/webhooks", {"url": "https://93.184.216.34/hook", "event_types": "order.*"}
    )
    assert hook.status_code == 200 and "shown only once" in hook.text
    private = admin.post("/settings/webhooks", {"url": "http://127.0.0.1/hook"})
    assert private.status_code == 422
    with session_factory() as s:
        keys = users.list_api_keys(session=s)
        hooks = webhooks.list_(session=s, params=PageParams(limit=10)).items
        assert users.get_user_by_email(session=s, email="new@x.example.com") is not None
    assert len(keys) == 1 and len(hooks) == 1
    assert admin.post(f"/settings/keys/{keys[0].id}/revoke").status_code == 303
    assert admin.post(f"/settings/webhooks/{hooks[0].id}/delete").status_code == 303
    me = shop["staff"][Role.ADMIN]
    last = admin.post(f"/settings/users/{me}", {"role": "analyst", "active": "on"})
    assert last.status_code == 409 and "last active administrator" in last.text
    with session_factory() as s:
        assert users.list_api_keys(session=s)[0].revoked_at is not None
        assert webhooks.list_(session=s, params=PageParams(limit=10)).items == []
    assert (
        login(Role.AGENT).post("/settings/keys", {"name": "k", "role": "admin"}).status_code == 403
    )


def test_login_is_rate_limited(anon: TestClient, shop: dict[str, Any]) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', anon.get("/login").text)
    assert token is not None
    form = {"email": STAFF[Role.AGENT], "password": "wrong", "csrf_token": token.group(1)}
    codes = [anon.post("/login", data=form).status_code for _ in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429
    right = anon.post("/login", data={**form, "password": PASSWORD})
    assert right.status_code == 429  # still blocked inside the window


def test_session_cookie_is_httponly_lax_and_secure_over_https(
    settings: Settings, app_runtime: Runtime, shop: dict[str, Any], tmp_path: Path
) -> None:
    for secure in (False, True):
        app = create_app(settings.model_copy(update={"cookie_secure": secure}), runtime=app_runtime)
        with TestClient(app) as client:
            cookie = client.get("/login").headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert ("secure" in cookie.replace("samesite", "")) is secure


def test_language_switch_shows_chinese(login: Login) -> None:
    client = login(Role.AGENT)
    assert client.post("/language", {"lang": "zh", "next": "/customers"}).status_code == 303
    page = client.get("/customers").text
    assert 'lang="zh-CN"' in page and "客户" in page
    client.post("/language", {"lang": "xx", "next": "//evil.example.com"})
    assert 'lang="zh-CN"' in client.get("/customers").text


def test_dashboards_show_charts_from_the_shop(login: Login) -> None:
    page = login(Role.ANALYST).get("/dashboards").text
    for block in ("sales-data", "top-data", "agent-data"):
        assert f'id="{block}"' in page, block
    assert "order_status" in page and "heatmap" in page
