"""Contract tests for starting conversations, talking to the agent and reading them, on both
backends: roles, widget isolation, signed customer tokens, bad input and rate limits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from maitre.api.app import create_app
from maitre.bootstrap import Runtime
from maitre.config import Settings
from maitre.conversations import widget_tokens
from maitre.conversations.models import Conversation
from maitre.db.base import utcnow
from maitre.users import service as users
from maitre.users.roles import Role
from tests.conftest import assert_problem
from tests.factories import customer_payload
from tests.integration.api.conversation_helpers import (
    CONVERSATIONS,
    install_fake_engine,
    message_count,
    say,
    start,
)

Clients = Callable[[Role], TestClient]


@pytest.fixture(autouse=True)
def _engine(monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_engine(monkeypatch)


def _customer(admin: TestClient) -> int:
    r = admin.post("/api/v1/customers", json=customer_payload())
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _token(admin: TestClient, customer_id: int) -> str:
    r = admin.post("/api/v1/widget/tokens", json={"customer_id": customer_id, "ttl_seconds": 600})
    assert r.status_code == 201, r.text
    assert r.json()["customer_id"] == customer_id
    return str(r.json()["token"])


def test_staff_key_names_the_customer_and_the_conversation_starts_verified(
    admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    customer_id = _customer(admin)
    body = start(admin, customer_id=customer_id, channel="email", language="zh")
    assert body["customer_id"] == customer_id
    assert body["status"] == "bot" and body["channel"] == "email" and body["language"] == "zh"
    assert body["state"]["verified"] is True and body["state"]["language"] == "zh"
    assert body["messages"] == [] and body["api_key_id"] is not None
    with session_factory() as s:
        stored = s.get(Conversation, body["id"])
        assert stored is not None and stored.api_key_id == body["api_key_id"]


def test_who_may_start_a_conversation(client_for: Clients) -> None:
    for role in (Role.ADMIN, Role.AGENT):
        assert start(client_for(role))["channel"] == "web"
    for role in (Role.SALES, Role.ANALYST):
        assert_problem(client_for(role).post(CONVERSATIONS, json={}), 403)
    widget = start(client_for(Role.WIDGET))
    assert widget["channel"] == "widget" and widget["identified"] is False
    assert "summary" not in widget and "state" not in widget and "customer_id" not in widget


def test_widget_identifies_the_customer_only_with_a_signed_token(
    admin: TestClient, client_for: Clients, settings: Settings
) -> None:
    customer_id = _customer(admin)
    widget = client_for(Role.WIDGET)
    assert_problem(widget.post(CONVERSATIONS, json={"customer_id": customer_id}), 403)
    body = start(widget, customer_token=_token(admin, customer_id))
    assert body["identified"] is True
    assert admin.get(f"{CONVERSATIONS}/{body['id']}").json()["customer_id"] == customer_id

    _facts, expired = widget_tokens.issue(
        settings=settings,
        customer_id=customer_id,
        ttl_seconds=60,
        now=utcnow() - timedelta(hours=1),
    )
    forged = _token(admin, customer_id)[:-2] + "xx"
    for bad in (expired, forged, "wct1.e30.abc", "not a token"):
        problem = assert_problem(widget.post(CONVERSATIONS, json={"customer_token": bad}), 401)
        assert "token" in problem["detail"]
    both = {"customer_id": customer_id, "customer_token": expired}
    assert_problem(admin.post(CONVERSATIONS, json=both), 422)


def test_only_admins_issue_widget_tokens(admin: TestClient, client_for: Clients) -> None:
    customer_id = _customer(admin)
    for role in (Role.AGENT, Role.SALES, Role.WIDGET):
        r = client_for(role).post("/api/v1/widget/tokens", json={"customer_id": customer_id})
        assert_problem(r, 403)
    assert_problem(admin.post("/api/v1/widget/tokens", json={"customer_id": 999_999}), 422)
    too_long = {"customer_id": customer_id, "ttl_seconds": 10**9}
    assert_problem(admin.post("/api/v1/widget/tokens", json=too_long), 422)


def test_a_message_gets_the_agents_reply_and_the_transcript_keeps_annotations(
    admin: TestClient, client_for: Clients
) -> None:
    widget = client_for(Role.WIDGET)
    conversation_id = start(widget)["id"]
    r = say(widget, conversation_id, "hello there")
    assert r.status_code == 200, r.text
    reply = r.json()["reply"]
    assert set(reply) >= {"text", "intent", "confidence", "entities", "action", "sources"}
    assert reply["text"] == "echo: hello there" and r.json()["state"]["turns"] == 1

    staff_view = admin.get(f"{CONVERSATIONS}/{conversation_id}").json()
    assert [m["sender"] for m in staff_view["messages"]] == ["customer", "bot"]
    assert staff_view["messages"][0]["data"]["intent"] == "greet"
    assert staff_view["state"]["turns"] == 1
    own_view = widget.get(f"{CONVERSATIONS}/{conversation_id}").json()
    assert [m["text"] for m in own_view["messages"]] == ["hello there", "echo: hello there"]
    assert all("data" not in m for m in own_view["messages"])
    for role in (Role.SALES, Role.ANALYST):
        assert client_for(role).get(f"{CONVERSATIONS}/{conversation_id}").status_code == 200
        assert_problem(say(client_for(role), conversation_id, "hi"), 403)


def test_a_widget_cannot_see_or_touch_another_widgets_conversation(
    client_for: Clients, session_factory: sessionmaker[Session]
) -> None:
    owner, stranger = client_for(Role.WIDGET), client_for(Role.WIDGET)
    staff_started = start(client_for(Role.AGENT))["id"]
    conversation_id = start(owner)["id"]
    unknown = 999_999
    for target in (conversation_id, staff_started, unknown):
        base = f"{CONVERSATIONS}/{target}"
        responses = [
            stranger.get(base),
            say(stranger, target, "show me their orders"),
            stranger.post(f"{base}/csat", json={"score": 1}),
            stranger.post(f"{base}/handoff", json={}),
            stranger.get(f"{base}/events", params={"timeout": 0.1}),
        ]
        for r in responses:
            problem = assert_problem(r, 404)
            assert problem["detail"] == f"Conversation {target} not found."
    assert message_count(session_factory) == 0
    assert owner.get(f"{CONVERSATIONS}/{conversation_id}").status_code == 200


BAD_BODIES: list[tuple[Any, int]] = [
    ({"text": ""}, 422),
    ({"text": "   \n\t  "}, 422),
    ({"text": "\u200b\u200b"}, 422),
    ({"text": "x" * 4001}, 422),
    ({"text": "\x00\x01\x02\x03ab\x04\x05\x06\x07\x08\x0b"}, 422),
    ({"text": "\ufffd" * 20 + "ok"}, 422),
    ({"text": "\ue000\ue001\ue002a"}, 422),
    ({"text": 5}, 422),
    ({"text": None}, 422),
    ({"text": "hi", "sender": "bot"}, 422),
    ({}, 422),
    ([], 422),
]


def test_bad_messages_get_problems_and_write_nothing(
    admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    conversation_id = start(admin)["id"]
    url = f"{CONVERSATIONS}/{conversation_id}/messages"
    for body, status in BAD_BODIES:
        assert_problem(admin.post(url, json=body), status)
    raw = admin.post(url, content=b"\xff\xfe\x00binary", headers={"content-type": "text/plain"})
    assert_problem(raw, 422)
    assert_problem(
        admin.post(url, content=b"{not json", headers={"content-type": "application/json"}), 422
    )
    assert_problem(say(admin, 999_999, "hi"), 404)
    assert_problem(say(admin, 2**40, "hi"), 422)
    assert message_count(session_factory, conversation_id) == 0

    ok = say(admin, conversation_id, "  where is\x00 my order?\x07\r\nthanks\t!  ")
    assert ok.status_code == 200, ok.text
    stored = admin.get(f"{CONVERSATIONS}/{conversation_id}").json()["messages"][0]["text"]
    assert stored == "where is my order?\nthanks\t!"
    assert say(admin, conversation_id, "订单 1043 在哪里？ 😀").status_code == 200


def test_closed_conversations_refuse_messages_but_stay_readable(
    admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    conversation_id = start(admin)["id"]
    assert say(admin, conversation_id, "hi").status_code == 200
    resolved = admin.post(f"{CONVERSATIONS}/{conversation_id}/resolve", json={"outcome": "done"})
    assert resolved.status_code == 200, resolved.text
    assert_problem(say(admin, conversation_id, "one more thing"), 409)
    assert message_count(session_factory, conversation_id) == 2
    body = admin.get(f"{CONVERSATIONS}/{conversation_id}").json()
    assert body["status"] == "resolved" and body["outcome"] == "done" and body["ended_at"]


def test_messages_while_handed_off_wait_for_the_person(
    client_for: Clients, session_factory: sessionmaker[Session]
) -> None:
    widget = client_for(Role.WIDGET)
    conversation_id = start(widget)["id"]
    assert widget.post(f"{CONVERSATIONS}/{conversation_id}/handoff", json={}).status_code == 200
    r = say(widget, conversation_id, "are you there?")
    assert r.status_code == 200, r.text
    assert r.json()["reply"]["text"] is None
    assert r.json()["reply"]["action"] == "waiting_for_human"
    transcript = widget.get(f"{CONVERSATIONS}/{conversation_id}").json()["messages"]
    assert [m["sender"] for m in transcript] == ["system", "customer"]
    assert message_count(session_factory, conversation_id) == 2


def _limited_client(
    settings: Settings, app_runtime: Runtime, token: str, **limits: str
) -> TestClient:
    app = create_app(settings.model_copy(update=limits), runtime=app_runtime)
    client = TestClient(app, raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def test_a_flood_from_one_conversation_is_rate_limited(
    settings: Settings,
    app_runtime: Runtime,
    api_key: Callable[[Role], str],
    session_factory: sessionmaker[Session],
) -> None:
    client = _limited_client(
        settings, app_runtime, api_key(Role.WIDGET), rate_limit_conversation="3/minute"
    )
    flooded, calm = start(client)["id"], start(client)["id"]
    for _ in range(3):
        assert say(client, flooded, "hi").status_code == 200
    refused = say(client, flooded, "hi")
    assert_problem(refused, 429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert message_count(session_factory, flooded) == 6
    assert say(client, calm, "hello").status_code == 200


def test_a_flood_from_one_key_is_rate_limited(
    settings: Settings, app_runtime: Runtime, api_key: Callable[[Role], str]
) -> None:
    noisy = _limited_client(
        settings, app_runtime, api_key(Role.AGENT), rate_limit_api_key="4/minute"
    )
    conversation_id = start(noisy)["id"]
    for _ in range(3):
        assert say(noisy, conversation_id, "hi").status_code == 200
    r = say(noisy, conversation_id, "hi")
    assert_problem(r, 429)
    assert "Retry-After" in r.headers
    assert_problem(noisy.post(CONVERSATIONS, json={}), 429)
    other = TestClient(noisy.app, raise_server_exceptions=False)
    other.headers["Authorization"] = f"Bearer {api_key(Role.AGENT)}"
    assert say(other, conversation_id, "hi").status_code == 200


def test_login_attempts_are_rate_limited(
    settings: Settings, app_runtime: Runtime, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as s:
        users.create_user(session=s, email="a@example.com", password="right-password")
        s.commit()
    client = _limited_client(settings, app_runtime, "unused", rate_limit_login="3/minute")
    del client.headers["Authorization"]
    wrong = {"email": "a@example.com", "password": "wrong"}
    for _ in range(3):
        assert_problem(client.post("/api/v1/auth/login", json=wrong), 401)
    r = client.post("/api/v1/auth/login", json={**wrong, "password": "right-password"})
    assert_problem(r, 429)
    assert "Retry-After" in r.headers


def test_the_inbox_lists_and_filters_conversations(
    admin: TestClient, client_for: Clients, session_factory: sessionmaker[Session], app: Any
) -> None:
    customer_id = _customer(admin)
    with session_factory() as s:
        user = users.create_user(session=s, email="agent@example.com", role=Role.AGENT)
        _key, token = users.create_api_key(session=s, name="me", role=Role.AGENT, user_id=user.id)
        user_id = user.id
        s.commit()
    me = TestClient(app, raise_server_exceptions=False)
    me.headers["Authorization"] = f"Bearer {token}"

    first = start(admin, customer_id=customer_id)["id"]
    second = start(client_for(Role.WIDGET))["id"]
    third = start(admin, channel="email")["id"]
    assert say(admin, first, "my parcel is late").status_code == 200
    assert me.post(f"{CONVERSATIONS}/{second}/reply", json={"text": "Hello!"}).status_code == 201

    def ids(**params: Any) -> list[int]:
        r = client_for(Role.ANALYST).get(CONVERSATIONS, params=params)
        assert r.status_code == 200, r.text
        return [c["id"] for c in r.json()["items"]]

    assert ids() == [third, second, first]
    assert ids(sort="id") == [first, second, third]
    assert ids(status="handed_off") == [second]
    assert ids(customer_id=customer_id) == [first]
    assert ids(channel="widget") == [second]
    assert ids(q="parcel") == [first]
    assert ids(q=str(third)) == [third]
    assert ids(q="100%_") == []
    assert ids(assignee_id=str(user_id)) == [second]
    assert me.get(CONVERSATIONS, params={"assignee_id": "mine"}).json()["items"][0]["id"] == second
    page = admin.get(CONVERSATIONS, params={"limit": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert_problem(admin.get(CONVERSATIONS, params={"assignee_id": "mine"}), 422)
    assert_problem(admin.get(CONVERSATIONS, params={"assignee_id": "9999999999"}), 422)
    assert_problem(admin.get(CONVERSATIONS, params={"sort": "secret"}), 422)
    assert_problem(client_for(Role.WIDGET).get(CONVERSATIONS), 403)


def test_the_real_engine_answers_through_the_api(
    monkeypatch: pytest.MonkeyPatch, admin: TestClient
) -> None:
    monkeypatch.undo()
    pytest.importorskip("maitre.agent.dialogue.engine")
    conversation_id = start(admin)["id"]
    r = say(admin, conversation_id, "hello")
    assert r.status_code == 200, r.text
    assert r.json()["reply"]["text"]
    assert_problem(say(admin, conversation_id, "   "), 422)
