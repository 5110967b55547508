"""The inbox pages over HTTP on both backends: roles, CSRF, escaping, takeover, reply, live rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from maitre.conversations import inbox
from maitre.conversations import service as conversations
from maitre.conversations.models import ConversationStatus, Sender
from maitre.users.roles import Role
from tests.factories.conversations import make_conversation
from tests.factories.web import XSS
from tests.integration.web.conftest import WebClient

ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture
def waiting(session_factory: sessionmaker[Session], shop: dict[str, Any]) -> int:
    """A conversation with an annotated hostile message, handed off to the inbox."""
    with session_factory() as s:
        conv = make_conversation(s, customer_id=shop["ada"])
        conversations.add_message(
            session=s,
            conversation_id=conv.id,
            sender=Sender.CUSTOMER,
            text=f"where is my order {XSS}",
            data={
                "nlu": {
                    "intent": "order_status",
                    "confidence": 0.87,
                    "entities": [{"type": "order_number", "value": XSS}],
                }
            },
        )
        conversations.add_message(
            session=s,
            conversation_id=conv.id,
            sender=Sender.BOT,
            text="Which order is it about?",
            data={"action": "ask_slot", "intent": "order_status"},
        )
        conv.state = {"task": "order_status", "slots": {"order_number": "MT-1043"}}
        inbox.request_handoff(
            session=s,
            conversation_id=conv.id,
            reason="customer_request",
            minutes_per_conversation=3,
            actor="test",
        )
        s.commit()
        return conv.id


def test_inbox_is_for_admins_and_agents(login: Callable[[Role], WebClient], waiting: int) -> None:
    for role in (Role.ADMIN, Role.AGENT):
        client = login(role)
        assert client.get("/inbox").status_code == 200
        assert client.get(f"/inbox/{waiting}").status_code == 200
        assert 'href="/inbox"' in client.get("/customers").text
    for role in (Role.SALES, Role.ANALYST):
        client = login(role)
        for path in ("/inbox", f"/inbox/{waiting}", "/inbox/rows"):
            response = client.get(path)
            assert response.status_code == 403, path
            assert "403" in response.text
        assert 'href="/inbox"' not in client.get("/customers").text
        assert client.post(f"/inbox/{waiting}/reply", {"text": "hi"}).status_code == 403


def test_tabs_list_conversations_by_status(
    login: Callable[[Role], WebClient], waiting: int
) -> None:
    client = login(Role.AGENT)
    waiting_tab = client.get("/inbox?tab=handed_off").text
    assert f'href="/inbox/{waiting}"' in waiting_tab
    assert "Ada Lovelace" in waiting_tab
    assert f'href="/inbox/{waiting}"' not in client.get("/inbox?tab=bot").text
    assert "No conversations are assigned to you." in client.get("/inbox?tab=mine").text
    resolved = client.get("/inbox?tab=resolved").text
    assert ESCAPED in resolved and XSS not in resolved  # the shop's conversation's last message
    assert client.get("/inbox?tab=nonsense").status_code == 200
    rows = client.get("/inbox/rows?tab=handed_off")
    assert rows.status_code == 200 and "<html" not in rows.text
    assert f'href="/inbox/{waiting}"' in rows.text and "data-counts" in rows.text


def test_transcript_shows_annotations_summary_and_sidebar_escaped(
    login: Callable[[Role], WebClient], waiting: int, shop: dict[str, Any]
) -> None:
    page = login(Role.AGENT).get(f"/inbox/{waiting}").text
    assert ESCAPED in page and XSS not in page
    assert "order_status" in page and "0.87" in page  # intent and confidence
    assert "order_number=" + ESCAPED in page  # an entity, escaped
    assert "customer_request" in page  # the handoff reason
    assert "order_number=MT-1043" in page  # the summary's slots
    assert f'href="/customers/{shop["ada"]}"' in page
    assert "ada@shop.example.com" in page  # agents see contact details
    assert "MT-1043" in page  # the suggested reply names the order
    assert 'name="text"' in page and 'src="/static/inbox.js"' in page
    assert "<script>" not in page  # no inline scripts


def test_take_over_reply_hand_back_and_resolve(
    login: Callable[[Role], WebClient],
    waiting: int,
    session_factory: sessionmaker[Session],
    shop: dict[str, Any],
) -> None:
    client = login(Role.AGENT)
    assert client.post(f"/inbox/{waiting}/takeover").status_code == 303
    assert f'href="/inbox/{waiting}"' in client.get("/inbox?tab=mine").text
    empty = client.post(f"/inbox/{waiting}/reply", {"text": "   "})
    assert empty.status_code == 422 and "Write a reply first." in empty.text
    sent = client.post(f"/inbox/{waiting}/reply", {"text": f"On its way {XSS}"})
    assert sent.status_code == 303
    page = client.get(f"/inbox/{waiting}").text
    assert f"On its way {ESCAPED}" in page
    assert client.post(f"/inbox/{waiting}/handback").status_code == 303
    with session_factory() as s:
        conv = conversations.get(session=s, conversation_id=waiting)
        assert conv.status == ConversationStatus.BOT
        assert conv.assignee_id == shop["staff"][Role.AGENT]
        agent = [m for m in conv.messages if m.sender == Sender.AGENT]
        assert agent[-1].text == f"On its way {XSS}"
    assert client.post(f"/inbox/{waiting}/resolve").status_code == 303
    closed = client.get(f"/inbox/{waiting}")
    assert "This conversation is closed." in closed.text and 'name="text"' not in closed.text
    again = client.post(f"/inbox/{waiting}/reply", {"text": "late"})
    assert again.status_code == 409


def test_inbox_writes_need_the_csrf_token(
    login: Callable[[Role], WebClient], waiting: int, session_factory: sessionmaker[Session]
) -> None:
    client = login(Role.ADMIN)
    for action in ("takeover", "assign", "handback", "resolve"):
        assert client.post(f"/inbox/{waiting}/{action}", csrf=False).status_code == 403
    forged = client.client.post(
        f"/inbox/{waiting}/reply", data={"text": "x", "csrf_token": "forged"}
    )
    assert forged.status_code == 403
    with session_factory() as s:
        conv = conversations.get(session=s, conversation_id=waiting)
        assert conv.status == ConversationStatus.HANDED_OFF and conv.assignee_id is None


def test_unknown_conversation_is_a_404_page(login: Callable[[Role], WebClient]) -> None:
    client = login(Role.AGENT)
    assert client.get("/inbox/999999").status_code == 404
    assert client.get("/inbox/99999999999999").status_code in (404, 422)


def test_the_inbox_stream_accepts_the_cookie_session(
    login: Callable[[Role], WebClient], waiting: int
) -> None:
    client = login(Role.AGENT)
    response = client.get(f"/api/v1/conversations/{waiting}/events?after=0&limit=1&timeout=5")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert "event: message" in response.text
