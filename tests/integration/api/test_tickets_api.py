"""Contract tests for /api/v1/tickets on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from maitre.users import service as users
from maitre.users.roles import Role
from tests.conftest import assert_problem
from tests.factories import customer_payload
from tests.factories.conversations import make_conversation
from tests.factories.tickets import make_order_row, ticket_payload

URL = "/api/v1/tickets"
CONTRACT = (
    "id",
    "customer_id",
    "subject",
    "body",
    "status",
    "priority",
    "assignee_id",
    "conversation_id",
    "order_id",
    "created_at",
    "updated_at",
    "resolved_at",
    "tags",
    "channel",
)


def _customer(client: TestClient) -> int:
    r = client.post("/api/v1/customers", json=customer_payload())
    assert r.status_code == 201, r.text
    cid: int = r.json()["id"]
    return cid


def _ticket(client: TestClient, customer_id: int, **overrides: Any) -> dict[str, Any]:
    r = client.post(URL, json=ticket_payload(customer_id, **overrides))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _user(factory: sessionmaker[Session], email: str) -> int:
    with factory() as s:
        user = users.create_user(session=s, email=email, name="Agent Smith", role=Role.AGENT)
        s.commit()
        return user.id


def _order(factory: sessionmaker[Session], customer_id: int) -> int:
    with factory() as s:
        order = make_order_row(s, customer_id)
        s.commit()
        return order.id


def test_create_then_get_returns_contract_fields(admin: TestClient) -> None:
    cid = _customer(admin)
    body = _ticket(admin, cid, subject="  Where is my order?  ")
    assert set(CONTRACT) <= set(body)
    assert body["subject"] == "Where is my order?"
    assert body["status"] == "open" and body["priority"] == "normal"
    assert body["resolved_at"] is None and body["tags"] == ["delivery"]
    fetched = admin.get(f"{URL}/{body['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == body


def test_unauthenticated_is_401(anon: TestClient) -> None:
    assert_problem(anon.get(URL), 401)
    assert_problem(anon.post(URL, json={"customer_id": 1, "subject": "x"}), 401)


def test_roles_agent_writes_analyst_reads_sales_and_widget_refused(
    admin: TestClient, client_for: Callable[[Role], TestClient]
) -> None:
    cid = _customer(admin)
    agent, analyst = client_for(Role.AGENT), client_for(Role.ANALYST)
    sales, widget = client_for(Role.SALES), client_for(Role.WIDGET)
    tid = agent.post(URL, json=ticket_payload(cid)).json()["id"]
    assert agent.patch(f"{URL}/{tid}", json={"status": "pending"}).status_code == 200
    assert analyst.get(f"{URL}/{tid}").status_code == 200
    assert_problem(analyst.post(URL, json=ticket_payload(cid)), 403)
    assert_problem(analyst.patch(f"{URL}/{tid}", json={"status": "closed"}), 403)
    assert_problem(sales.post(URL, json=ticket_payload(cid)), 403)
    assert_problem(widget.get(URL), 403)
    assert_problem(widget.delete(f"{URL}/{tid}"), 403)


def test_unknown_field_is_rejected_with_its_location(admin: TestClient) -> None:
    cid = _customer(admin)
    body = assert_problem(admin.post(URL, json=ticket_payload(cid, mood="grumpy")), 422)
    assert ["body", "mood"] in [e["loc"] for e in body["errors"]]
    tid = _ticket(admin, cid)["id"]
    body = assert_problem(admin.patch(f"{URL}/{tid}", json={"customer_id": cid}), 422)
    assert ["body", "customer_id"] in [e["loc"] for e in body["errors"]]


def test_dangling_references_are_422_at_their_field(admin: TestClient) -> None:
    cid = _customer(admin)
    tid = _ticket(admin, cid)["id"]
    for field in ("customer_id", "assignee_id", "order_id", "conversation_id"):
        payload = {**ticket_payload(cid), field: 987654}
        body = assert_problem(admin.post(URL, json=payload), 422)
        assert body["errors"][0]["loc"] == ["body", field]
        assert "987654" in body["detail"]
        if field != "customer_id":
            body = assert_problem(admin.patch(f"{URL}/{tid}", json={field: 987654}), 422)
            assert body["errors"][0]["loc"] == ["body", field]
    assert admin.get(URL).json()["total"] == 1


def test_order_of_another_customer_is_refused(
    admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    mine, theirs = _customer(admin), _customer(admin)
    their_order = _order(session_factory, theirs)
    body = assert_problem(admin.post(URL, json=ticket_payload(mine, order_id=their_order)), 422)
    assert body["errors"][0]["loc"] == ["body", "order_id"]
    assert "another customer" in body["detail"]


def test_links_to_order_assignee_and_filters(
    admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    cid, other = _customer(admin), _customer(admin)
    order_id = _order(session_factory, cid)
    agent_id = _user(session_factory, "smith@maitre.example")
    linked = _ticket(admin, cid, order_id=order_id, assignee_id=agent_id, priority="urgent")
    _ticket(admin, cid, priority="low")
    _ticket(admin, other)
    assert linked["order_id"] == order_id and linked["assignee_id"] == agent_id

    def ids(**params: Any) -> list[int]:
        r = admin.get(URL, params=params)
        assert r.status_code == 200, r.text
        return [t["id"] for t in r.json()["items"]]

    assert ids(order_id=order_id) == [linked["id"]]
    assert ids(assignee_id=agent_id) == [linked["id"]]
    assert ids(priority="urgent") == [linked["id"]]
    assert len(ids(customer_id=cid)) == 2
    assert len(ids(customer_id=cid, priority="low")) == 1
    assert ids(status="closed") == []
    assert_problem(admin.get(URL, params={"status": "exploded"}), 422)
    assert_problem(admin.get(URL, params={"priority": "meh"}), 422)
    assert_problem(admin.get(URL, params={"customer_id": "abc"}), 422)


def test_status_change_stamps_resolution_and_lands_on_timeline(admin: TestClient) -> None:
    cid = _customer(admin)
    tid = _ticket(admin, cid)["id"]
    resolved = admin.patch(f"{URL}/{tid}", json={"status": "resolved", "priority": "high"})
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["resolved_at"] is not None
    reopened = admin.patch(f"{URL}/{tid}", json={"status": "open"}).json()
    assert reopened["resolved_at"] is None

    view = admin.get(f"/api/v1/customers/{cid}/timeline").json()
    ticket_events = [e for e in view["events"] if e["subject_type"] == "ticket"]
    assert [e["kind"] for e in ticket_events] == [
        "ticket.updated",
        "ticket.updated",
        "ticket.created",
    ]
    first_update = ticket_events[1]
    assert first_update["data"]["changes"]["status"] == ["open", "resolved"]
    assert first_update["data"]["changes"]["priority"] == ["normal", "high"]
    assert "status open → resolved" in first_update["summary"]
    assert first_update["actor"].startswith("api_key:")
    assert [t["id"] for t in view["tickets"]] == [tid]
    assert view["tickets"][0]["status"] == "open"


def test_noop_patch_records_nothing(admin: TestClient) -> None:
    cid = _customer(admin)
    ticket = _ticket(admin, cid)
    assert (
        admin.patch(f"{URL}/{ticket['id']}", json={"subject": ticket["subject"]}).status_code == 200
    )
    kinds = [e["kind"] for e in admin.get(f"/api/v1/customers/{cid}/timeline").json()["events"]]
    assert kinds.count("ticket.updated") == 0


def test_customer_360_lists_tickets_and_conversations_newest_first(
    admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    cid = _customer(admin)
    ids = [_ticket(admin, cid)["id"] for _ in range(3)]
    with session_factory() as s:
        conv_ids = [make_conversation(s, customer_id=cid).id for _ in range(2)]
        s.commit()
    view = admin.get(f"/api/v1/customers/{cid}/timeline").json()
    assert [t["id"] for t in view["tickets"]] == ids[::-1]
    assert set(CONTRACT) <= set(view["tickets"][0])
    assert [c["id"] for c in view["conversations"]] == conv_ids[::-1]
    assert view["conversations"][0]["status"] == "bot"
    assert view["events"][0]["kind"] == "conversation.started"


BAD_PATCHES: list[dict[str, Any]] = [
    {"subject": None},
    {"status": None},
    {"status": "done"},
    {"priority": "critical"},
    {"subject": ""},
    {"tags": "vip"},
    {"assignee_id": 0},
    {"order_id": 2**40},
    {"body": ["not", "text"]},
]


def test_bad_patches_are_422_and_change_nothing(admin: TestClient) -> None:
    ticket = _ticket(admin, _customer(admin))
    for patch in BAD_PATCHES:
        assert_problem(admin.patch(f"{URL}/{ticket['id']}", json=patch), 422)
    assert admin.get(f"{URL}/{ticket['id']}").json() == ticket


def test_huge_ids_are_client_errors_not_500(admin: TestClient) -> None:
    assert_problem(admin.get(f"{URL}/{2**40}"), 422)
    assert_problem(admin.post(URL, json=ticket_payload(2**40)), 422)
    assert_problem(admin.get(URL, params={"customer_id": 2**40}), 422)


def test_missing_ticket_is_404(admin: TestClient) -> None:
    assert_problem(admin.get(f"{URL}/999999"), 404)
    assert_problem(admin.patch(f"{URL}/999999", json={"status": "closed"}), 404)
    assert_problem(admin.delete(f"{URL}/999999"), 404)


def test_delete_removes_ticket_and_keeps_a_timeline_line(admin: TestClient) -> None:
    cid = _customer(admin)
    tid = _ticket(admin, cid)["id"]
    assert admin.delete(f"{URL}/{tid}").status_code == 204
    assert_problem(admin.get(f"{URL}/{tid}"), 404)
    kinds = [e["kind"] for e in admin.get(f"/api/v1/customers/{cid}/timeline").json()["events"]]
    assert kinds[0] == "ticket.deleted"


def test_customer_with_tickets_cannot_be_deleted(admin: TestClient) -> None:
    cid = _customer(admin)
    _ticket(admin, cid)
    assert_problem(admin.delete(f"/api/v1/customers/{cid}"), 409)
    assert admin.get(f"/api/v1/customers/{cid}").status_code == 200


def test_pagination_and_sorting(admin: TestClient) -> None:
    cid = _customer(admin)
    ids = [_ticket(admin, cid, subject=s)["id"] for s in ["delta", "alpha", "echo", "charlie"]]
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, "sort": "id", "customer_id": cid}
        if cursor:
            params["cursor"] = cursor
        page = admin.get(URL, params=params).json()
        assert page["total"] == 4
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(ids)
    by_subject = admin.get(URL, params={"sort": "-subject", "limit": 2}).json()
    assert [t["subject"] for t in by_subject["items"]] == ["echo", "delta"]
    nxt = admin.get(
        URL, params={"sort": "-subject", "limit": 2, "cursor": by_subject["next_cursor"]}
    )
    assert [t["subject"] for t in nxt.json()["items"]] == ["charlie", "alpha"]
    assert admin.get(URL, params={"offset": 3, "sort": "id"}).json()["items"][0]["id"] == ids[3]
    assert_problem(admin.get(URL, params={"sort": "body"}), 422)
