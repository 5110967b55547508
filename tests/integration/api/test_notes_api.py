"""Contract tests for /api/v1/notes on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from maitre.users.roles import Role
from tests.conftest import assert_problem
from tests.factories import customer_payload
from tests.factories.notes import note_payload
from tests.factories.sales import deal_payload
from tests.factories.tickets import make_order_row, ticket_payload

URL = "/api/v1/notes"
CONTRACT = ("id", "customer_id", "body", "author", "created_at", "subject_type", "subject_id")


def _post(client: TestClient, url: str, payload: dict[str, Any]) -> dict[str, Any]:
    r = client.post(url, json=payload)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _customer(client: TestClient) -> int:
    cid: int = _post(client, "/api/v1/customers", customer_payload())["id"]
    return cid


def test_note_crud_and_default_author(admin: TestClient) -> None:
    cid = _customer(admin)
    note = _post(admin, URL, note_payload(cid))
    assert set(CONTRACT) <= set(note)
    assert note["author"] == "test-admin"  # the caller's name when none is given
    assert note["subject_type"] is None and note["subject_id"] is None
    assert admin.get(f"{URL}/{note['id']}").json() == note
    signed = _post(admin, URL, note_payload(cid, author="Margaret H."))
    assert signed["author"] == "Margaret H."
    edited = admin.patch(f"{URL}/{note['id']}", json={"body": "Prefers WeChat."})
    assert edited.status_code == 200 and edited.json()["body"] == "Prefers WeChat."
    assert admin.delete(f"{URL}/{note['id']}").status_code == 204
    assert_problem(admin.get(f"{URL}/{note['id']}"), 404)
    assert_problem(admin.patch(f"{URL}/{note['id']}", json={"body": "x"}), 404)
    assert_problem(admin.delete(f"{URL}/{note['id']}"), 404)


def test_notes_rbac(anon: TestClient, client_for: Callable[[Role], TestClient]) -> None:
    agent, sales = client_for(Role.AGENT), client_for(Role.SALES)
    analyst, widget = client_for(Role.ANALYST), client_for(Role.WIDGET)
    cid = _customer(agent)
    assert_problem(anon.get(URL), 401)
    by_agent = _post(agent, URL, note_payload(cid))
    _post(sales, URL, note_payload(cid))
    assert analyst.get(URL, params={"customer_id": cid}).json()["total"] == 2
    assert_problem(analyst.post(URL, json=note_payload(cid)), 403)
    assert_problem(analyst.patch(f"{URL}/{by_agent['id']}", json={"body": "x"}), 403)
    assert_problem(widget.get(URL), 403)


def test_note_validation(admin: TestClient) -> None:
    cid = _customer(admin)
    for payload in (
        note_payload(cid, body=""),
        note_payload(cid, body="   "),
        note_payload(cid, subject_type="invoice", subject_id=1),
        note_payload(cid, pinned=True),
        note_payload(2**40),
        note_payload(cid, body="x" * 20_001),
    ):
        assert_problem(admin.post(URL, json=payload), 422)
    body = assert_problem(admin.post(URL, json=note_payload(424242)), 422)
    assert body["errors"][0]["loc"] == ["body", "customer_id"]
    body = assert_problem(admin.post(URL, json=note_payload(cid, subject_type="ticket")), 422)
    assert body["errors"][0]["loc"] == ["body", "subject_id"]
    body = assert_problem(admin.post(URL, json=note_payload(cid, subject_id=3)), 422)
    assert body["errors"][0]["loc"] == ["body", "subject_type"]
    note = _post(admin, URL, note_payload(cid))
    for patch in ({"body": None}, {"author": None}, {"customer_id": cid}, {"body": ""}):
        assert_problem(admin.patch(f"{URL}/{note['id']}", json=patch), 422)
    assert admin.get(URL).json()["total"] == 1


def test_notes_attach_to_order_ticket_and_deal_of_the_same_customer(
    admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    cid, other = _customer(admin), _customer(admin)
    with session_factory() as s:
        order_id, foreign_order = make_order_row(s, cid).id, make_order_row(s, other).id
        s.commit()
    ticket_id = _post(admin, "/api/v1/tickets", ticket_payload(cid))["id"]
    deal_id = _post(admin, "/api/v1/deals", deal_payload(cid))["id"]
    for kind, sid in (("order", order_id), ("ticket", ticket_id), ("deal", deal_id)):
        note = _post(admin, URL, note_payload(cid, subject_type=kind, subject_id=sid))
        assert (note["subject_type"], note["subject_id"]) == (kind, sid)
        listed = admin.get(URL, params={"subject_type": kind, "subject_id": sid}).json()
        assert [n["id"] for n in listed["items"]] == [note["id"]]
    for kind, sid in (("order", foreign_order), ("ticket", 999), ("deal", 999), ("order", 999)):
        body = assert_problem(
            admin.post(URL, json=note_payload(cid, subject_type=kind, subject_id=sid)), 422
        )
        assert body["errors"][0]["loc"] == ["body", "subject_id"]
    foreign = note_payload(other, subject_type="ticket", subject_id=ticket_id)
    assert "another customer" in assert_problem(admin.post(URL, json=foreign), 422)["detail"]


def test_notes_list_filters_and_paginates(admin: TestClient) -> None:
    c1, c2 = _customer(admin), _customer(admin)
    ids = [_post(admin, URL, note_payload(c1, body=f"note {i}"))["id"] for i in range(5)]
    _post(admin, URL, note_payload(c2))
    page = admin.get(URL, params={"customer_id": c1, "limit": 2}).json()
    assert page["total"] == 5 and [n["id"] for n in page["items"]] == ids[::-1][:2]
    seen = [n["id"] for n in page["items"]]
    while page["next_cursor"]:
        page = admin.get(
            URL, params={"customer_id": c1, "limit": 2, "cursor": page["next_cursor"]}
        ).json()
        seen += [n["id"] for n in page["items"]]
    assert seen == ids[::-1]
    oldest = admin.get(URL, params={"customer_id": c1, "sort": "created_at", "limit": 1}).json()
    assert oldest["items"][0]["id"] == ids[0]
    assert_problem(admin.get(URL, params={"sort": "body"}), 422)
    assert_problem(admin.get(URL, params={"customer_id": "x"}), 422)


def test_notes_on_timeline_and_customer_360(admin: TestClient) -> None:
    cid = _customer(admin)
    first = _post(admin, URL, note_payload(cid, body="Called about a refund."))
    second = _post(admin, URL, note_payload(cid, body="Sent a voucher."))
    admin.patch(f"{URL}/{first['id']}", json={"body": "Called about a refund; resolved."})
    view = admin.get(f"/api/v1/customers/{cid}/timeline").json()
    assert [n["id"] for n in view["notes"]] == [second["id"], first["id"]]
    assert view["notes"][1]["body"] == "Called about a refund; resolved."
    note_events = [e for e in view["events"] if e["subject_type"] == "note"]
    assert [e["kind"] for e in note_events] == ["note.updated", "note.created", "note.created"]
    assert "Sent a voucher." in note_events[1]["summary"]


def test_deleting_a_customer_deletes_its_notes(admin: TestClient) -> None:
    cid = _customer(admin)
    note = _post(admin, URL, note_payload(cid))
    assert admin.delete(f"/api/v1/customers/{cid}").status_code == 204
    assert_problem(admin.get(f"{URL}/{note['id']}"), 404)
