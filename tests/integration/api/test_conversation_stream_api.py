"""Live updates over SSE on both backends: replay, wake-up on a new message, the poll that
catches changes made elsewhere, and who may subscribe to what."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from maitre.api.app import create_app
from maitre.bootstrap import Runtime
from maitre.config import Settings
from maitre.conversations import service as conversations
from maitre.conversations.live import broker_for
from maitre.conversations.models import Channel, Sender
from maitre.conversations.schemas import ConversationCreate
from maitre.users.roles import Role
from tests.conftest import assert_problem
from tests.integration.api.conversation_helpers import (
    CONVERSATIONS,
    install_fake_engine,
    say,
    start,
)

Clients = Callable[[Role], TestClient]


@pytest.fixture(autouse=True)
def _engine(monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_engine(monkeypatch)


def parse(body: str) -> list[dict[str, Any]]:
    """Split an SSE body into frames of {event, id, data}."""
    frames = []
    for block in body.split("\n\n"):
        fields: dict[str, Any] = {}
        for line in block.splitlines():
            name, _, value = line.partition(": ")
            if name in {"event", "id"}:
                fields[name] = value
            elif name == "data":
                fields["data"] = json.loads(value)
        if "event" in fields:
            frames.append(fields)
    return frames


def test_a_conversation_stream_replays_messages_after_an_id(
    admin: TestClient, client_for: Clients
) -> None:
    widget = client_for(Role.WIDGET)
    conversation_id = start(widget)["id"]
    assert say(widget, conversation_id, "hello").status_code == 200
    url = f"{CONVERSATIONS}/{conversation_id}/events"

    r = widget.get(url, params={"after": 0, "limit": 3, "timeout": 5})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/event-stream")
    frames = parse(r.text)
    assert [f["event"] for f in frames] == ["message", "message", "status"]
    assert [f["data"]["text"] for f in frames[:2]] == ["hello", "echo: hello"]
    assert (
        "data" not in frames[0]["data"] and frames[0]["data"]["conversation_id"] == conversation_id
    )
    assert frames[2]["data"] == {"conversation_id": conversation_id, "status": "bot"}

    staff = parse(admin.get(url, params={"after": 0, "limit": 2, "timeout": 5}).text)
    assert staff[0]["data"]["data"]["intent"] == "greet"
    resumed = admin.get(
        url, params={"limit": 1, "timeout": 5}, headers={"Last-Event-ID": frames[0]["id"]}
    )
    assert parse(resumed.text)[0]["data"]["text"] == "echo: hello"
    quiet = parse(admin.get(url, params={"timeout": 0.2}).text)
    assert [f["event"] for f in quiet] == ["status"]


def test_a_stream_wakes_when_the_agent_replies(admin: TestClient, app: Any) -> None:
    conversation_id = start(admin)["id"]
    url = f"{CONVERSATIONS}/{conversation_id}/events"
    result: dict[str, Any] = {}

    def listen() -> None:
        result["response"] = admin.get(url, params={"limit": 3, "timeout": 20})

    listener = threading.Thread(target=listen)
    listener.start()
    broker = broker_for(app.state)
    for _ in range(200):
        if broker.waiting:
            break
        time.sleep(0.05)
    assert broker.waiting == 1
    assert say(admin, conversation_id, "ping").status_code == 200
    listener.join(timeout=30)
    assert not listener.is_alive()
    frames = parse(result["response"].text)
    assert [f["event"] for f in frames] == ["status", "message", "message"]
    assert frames[2]["data"]["text"] == "echo: ping"
    assert broker.waiting == 0


def test_the_inbox_stream_sees_changes_made_by_other_processes(
    settings: Settings,
    app_runtime: Runtime,
    api_key: Callable[[Role], str],
    session_factory: sessionmaker[Session],
) -> None:
    app = create_app(settings.model_copy(update={"live_poll_s": 0.1}), runtime=app_runtime)
    client = TestClient(app, raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {api_key(Role.ANALYST)}"
    result: dict[str, Any] = {}

    def listen() -> None:
        result["response"] = client.get(
            f"{CONVERSATIONS}/stream", params={"limit": 2, "timeout": 20}
        )

    listener = threading.Thread(target=listen)
    listener.start()
    broker = broker_for(app.state)
    for _ in range(200):
        if broker.waiting:
            break
        time.sleep(0.05)
    # Another process: a session factory the app's broker does not hear.
    with session_factory() as s:
        conversation = conversations.create(
            session=s, data=ConversationCreate(channel=Channel.EMAIL)
        )
        conversations.add_message(
            session=s, conversation_id=conversation.id, sender=Sender.CUSTOMER, text="from email"
        )
        s.commit()
        conversation_id = conversation.id
    listener.join(timeout=30)
    assert not listener.is_alive()
    frames = parse(result["response"].text)
    assert [f["event"] for f in frames] == ["message", "status"]
    assert frames[0]["data"]["text"] == "from email"
    assert frames[1]["data"] == {
        "conversation_id": conversation_id,
        "status": "bot",
        "assignee_id": None,
    }


def test_only_staff_subscribe_to_the_inbox_stream(client_for: Clients) -> None:
    assert_problem(client_for(Role.WIDGET).get(f"{CONVERSATIONS}/stream"), 403)
    r = client_for(Role.SALES).get(f"{CONVERSATIONS}/stream", params={"timeout": 0.1})
    assert r.status_code == 200 and r.text.startswith("retry:")
    assert_problem(
        client_for(Role.ADMIN).get(f"{CONVERSATIONS}/stream", params={"timeout": 0}), 422
    )
    assert_problem(client_for(Role.ADMIN).get(f"{CONVERSATIONS}/stream", params={"limit": 0}), 422)
