"""The human inbox through the API on both backends: handoff, replies, hand back, resolve,
assign, CSAT, the transitions each allows and who may call them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from maitre.timeline import service as timeline
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


@pytest.fixture
def person(app: Any, session_factory: sessionmaker[Session]) -> tuple[TestClient, int]:
    """An agent whose API key belongs to a staff user (so replies assign to them)."""
    with session_factory() as s:
        user = users.create_user(session=s, email="pat@example.com", name="Pat", role=Role.AGENT)
        _key, token = users.create_api_key(session=s, name="pat", role=Role.AGENT, user_id=user.id)
        user_id = user.id
        s.commit()
    client = TestClient(app, raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {token}"
    return client, user_id


def _url(conversation_id: int, action: str) -> str:
    return f"{CONVERSATIONS}/{conversation_id}/{action}"


def test_a_customer_asking_for_a_person_reaches_the_inbox_with_a_summary(
    admin: TestClient, client_for: Clients
) -> None:
    widget = client_for(Role.WIDGET)
    conversation_id = start(widget)["id"]
    assert say(widget, conversation_id, "my order is broken").status_code == 200
    r = widget.post(_url(conversation_id, "handoff"), json={})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "handed_off" and "summary" not in r.json()
    notice = r.json()["messages"][-1]
    assert notice["sender"] == "system" and "Expected wait: about" in notice["text"]

    staff = admin.get(f"{CONVERSATIONS}/{conversation_id}").json()
    assert staff["summary"]["reason"] == "customer_request"
    assert staff["summary"]["last_messages"][0]["text"] == "my order is broken"
    assert "handed_off_at" in staff["summary"]

    chinese = start(widget, language="zh")["id"]
    notice_zh = widget.post(_url(chinese, "handoff"), json={"reason": "angry"}).json()
    assert "预计等待" in notice_zh["messages"][-1]["text"]
    inbox = admin.get(CONVERSATIONS, params={"status": "handed_off"}).json()
    assert {c["id"] for c in inbox["items"]} == {conversation_id, chinese}


def test_a_persons_reply_takes_over_and_assigns_the_conversation(
    person: tuple[TestClient, int], client_for: Clients
) -> None:
    agent, user_id = person
    conversation_id = start(client_for(Role.WIDGET))["id"]
    r = agent.post(_url(conversation_id, "reply"), json={"text": "Hi, Pat here.\x00"})
    assert r.status_code == 201, r.text
    assert r.json()["sender"] == "agent" and r.json()["text"] == "Hi, Pat here."
    assert r.json()["data"]["user_id"] == user_id
    body = agent.get(f"{CONVERSATIONS}/{conversation_id}").json()
    assert body["status"] == "handed_off" and body["assignee_id"] == user_id
    assert body["summary"]["reason"] == "agent_takeover"
    for role in (Role.SALES, Role.ANALYST, Role.WIDGET):
        assert_problem(
            client_for(role).post(_url(conversation_id, "reply"), json={"text": "x"}), 403
        )
    assert_problem(agent.post(_url(conversation_id, "reply"), json={"text": " "}), 422)


def test_status_transitions_are_checked(
    admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    conversation_id = start(admin)["id"]
    assert_problem(admin.post(_url(conversation_id, "handback")), 409)
    assert admin.post(_url(conversation_id, "handoff"), json={}).status_code == 200
    back = admin.post(_url(conversation_id, "handback"))
    assert back.status_code == 200, back.text
    assert back.json()["status"] == "bot" and back.json()["state"]["low_confidence"] == 0
    assert back.json()["messages"][-1]["data"]["action"] == "handback"
    assert say(admin, conversation_id, "thanks").status_code == 200

    resolved = admin.post(_url(conversation_id, "resolve"))
    assert resolved.status_code == 200 and resolved.json()["outcome"] == "resolved"
    before = message_count(session_factory, conversation_id)
    for action, body in (
        ("resolve", {}),
        ("handoff", {}),
        ("handback", None),
        ("reply", {"text": "late"}),
        ("assign", {"assignee_id": None}),
    ):
        assert_problem(admin.post(_url(conversation_id, action), json=body), 409)
    assert_problem(say(admin, conversation_id, "hello?"), 409)
    assert message_count(session_factory, conversation_id) == before
    assert_problem(admin.post(_url(999_999, "resolve")), 404)
    assert_problem(admin.post(_url(conversation_id, "resolve"), json={"outcome": "x" * 61}), 422)


def test_assigning_checks_the_user(
    admin: TestClient, person: tuple[TestClient, int], client_for: Clients
) -> None:
    _agent, user_id = person
    conversation_id = start(admin)["id"]
    r = admin.post(_url(conversation_id, "assign"), json={"assignee_id": user_id})
    assert r.status_code == 200 and r.json()["assignee_id"] == user_id
    assert_problem(admin.post(_url(conversation_id, "assign"), json={"assignee_id": 999_999}), 422)
    assert_problem(admin.post(_url(conversation_id, "assign"), json={}), 422)
    cleared = admin.post(_url(conversation_id, "assign"), json={"assignee_id": None})
    assert cleared.json()["assignee_id"] is None
    assert_problem(
        client_for(Role.SALES).post(_url(conversation_id, "assign"), json={"assignee_id": None}),
        403,
    )


def test_csat_is_given_once(
    admin: TestClient, client_for: Clients, session_factory: sessionmaker[Session]
) -> None:
    customer = admin.post("/api/v1/customers", json=customer_payload()).json()["id"]
    widget = client_for(Role.WIDGET)
    conversation_id = start(widget)["id"]
    assert_problem(widget.post(_url(conversation_id, "csat"), json={"score": 6}), 422)
    assert_problem(widget.post(_url(conversation_id, "csat"), json={"score": 0}), 422)
    r = widget.post(_url(conversation_id, "csat"), json={"score": 5, "comment": "great"})
    assert r.status_code == 200, r.text
    assert r.json()["csat"] == 5
    assert_problem(widget.post(_url(conversation_id, "csat"), json={"score": 1}), 409)
    staff = admin.get(f"{CONVERSATIONS}/{conversation_id}").json()
    assert staff["csat"] == 5 and staff["state"]["extra"]["csat"]["comment"] == "great"

    known = start(admin, customer_id=customer)["id"]
    assert admin.post(_url(known, "resolve")).status_code == 200
    assert admin.post(_url(known, "csat"), json={"score": 3}).status_code == 200
    assert_problem(client_for(Role.ANALYST).post(_url(known, "csat"), json={"score": 3}), 403)
    with session_factory() as s:
        kinds = [e.kind for e in timeline.list_for_customer(session=s, customer_id=customer)]
    assert "conversation.updated" in kinds and "conversation.status_changed" in kinds


def test_only_admins_and_agents_run_the_inbox(admin: TestClient, client_for: Clients) -> None:
    conversation_id = start(client_for(Role.WIDGET))["id"]
    actions = (("handback", None), ("resolve", {}), ("assign", {"assignee_id": None}))
    for role in (Role.SALES, Role.ANALYST, Role.WIDGET):
        client = client_for(role)
        for action, body in actions:
            assert_problem(client.post(_url(conversation_id, action), json=body), 403)
    agent = client_for(Role.AGENT)
    assert agent.post(_url(conversation_id, "handoff"), json={}).status_code == 200
    assert (
        agent.post(_url(conversation_id, "assign"), json={"assignee_id": None}).status_code == 200
    )
    assert agent.post(_url(conversation_id, "handback")).status_code == 200
    assert (
        agent.post(_url(conversation_id, "resolve"), json={"outcome": "answered"}).json()["outcome"]
        == "answered"
    )
