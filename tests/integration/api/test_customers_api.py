"""Contract tests for /api/v1/customers on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from maitre.users.roles import Role
from tests.conftest import assert_problem
from tests.factories import customer_payload

URL = "/api/v1/customers"


def test_create_then_get_returns_contract_fields(admin: TestClient) -> None:
    created = admin.post(URL, json=customer_payload(email="Grace@Example.com"))
    assert created.status_code == 201, created.text
    body = created.json()
    for key in (
        "id",
        "name",
        "email",
        "phone",
        "company",
        "language",
        "address",
        "tags",
        "custom_fields",
        "created_at",
        "updated_at",
    ):
        assert key in body
    assert body["email"] == "grace@example.com"
    fetched = admin.get(f"{URL}/{body['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == body


def test_unauthenticated_is_401_problem(anon: TestClient) -> None:
    assert_problem(anon.get(URL), 401)
    assert_problem(anon.get(URL, headers={"Authorization": "Bearer mtr_nope_nope"}), 401)


def test_analyst_reads_but_cannot_write(client_for: Callable[[Role], TestClient]) -> None:
    analyst = client_for(Role.ANALYST)
    assert analyst.get(URL).status_code == 200
    assert_problem(analyst.post(URL, json=customer_payload()), 403)


def test_widget_key_cannot_read_customers(client_for: Callable[[Role], TestClient]) -> None:
    assert_problem(client_for(Role.WIDGET).get(URL), 403)


def test_unknown_field_is_rejected_with_field_error(admin: TestClient) -> None:
    body = assert_problem(admin.post(URL, json=customer_payload(favourite_colour="red")), 422)
    assert any("favourite_colour" in e["loc"] for e in body["errors"])


@pytest.mark.parametrize(
    "payload",
    [
        {"name": ""},
        {"name": "X", "email": "not-an-email"},
        {"name": "X", "language": "English!"},
        {"name": "X", "tags": "vip"},
        {"name": 12345, "email": None, "custom_fields": []},
    ],
)
def test_bad_payloads_get_422(admin: TestClient, payload: dict[str, object]) -> None:
    assert_problem(admin.post(URL, json=payload), 422)


def test_malformed_json_gets_422(admin: TestClient) -> None:
    r = admin.post(URL, content=b"{not json", headers={"Content-Type": "application/json"})
    assert_problem(r, 422)


def test_duplicate_email_is_409(admin: TestClient) -> None:
    admin.post(URL, json=customer_payload(email="dup@example.com"))
    assert_problem(admin.post(URL, json=customer_payload(email="DUP@example.com")), 409)


def test_changing_email_to_another_customers_is_409_and_keeps_working(admin: TestClient) -> None:
    admin.post(URL, json=customer_payload(email="first@example.com"))
    second = admin.post(URL, json=customer_payload(email="second@example.com")).json()
    clash = admin.patch(f"{URL}/{second['id']}", json={"email": "FIRST@example.com"})
    assert_problem(clash, 409)
    ok = admin.patch(f"{URL}/{second['id']}", json={"name": "Renamed"})
    assert ok.status_code == 200 and ok.json()["email"] == "second@example.com"


def test_missing_customer_is_404(admin: TestClient) -> None:
    assert_problem(admin.get(f"{URL}/999999"), 404)
    assert_problem(admin.patch(f"{URL}/999999", json={"name": "x"}), 404)


def test_patch_updates_and_records_timeline(admin: TestClient) -> None:
    cid = admin.post(URL, json=customer_payload()).json()["id"]
    r = admin.patch(f"{URL}/{cid}", json={"company": "Babbage & Co", "tags": ["vip", "b2b"]})
    assert r.status_code == 200
    assert r.json()["company"] == "Babbage & Co"
    view = admin.get(f"{URL}/{cid}/timeline").json()
    kinds = [e["kind"] for e in view["events"]]
    assert kinds[0] == "customer.updated" and "customer.created" in kinds
    assert "company" in view["events"][0]["summary"]


def test_delete_removes_customer(admin: TestClient) -> None:
    cid = admin.post(URL, json=customer_payload()).json()["id"]
    assert admin.delete(f"{URL}/{cid}").status_code == 204
    assert_problem(admin.get(f"{URL}/{cid}"), 404)


def test_list_paginates_with_cursor_and_offset(admin: TestClient) -> None:
    ids = [admin.post(URL, json=customer_payload()).json()["id"] for _ in range(7)]
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 3, "sort": "id"}
        if cursor:
            params["cursor"] = cursor
        page = admin.get(URL, params=params).json()
        assert page["total"] == 7
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(ids)
    second = admin.get(URL, params={"limit": 3, "offset": 3, "sort": "id"}).json()
    assert [c["id"] for c in second["items"]] == sorted(ids)[3:6]


def test_list_sorts_by_name_descending_across_cursor_pages(admin: TestClient) -> None:
    for name in ["Carol", "alice", "Bob", "Dave", "Eve"]:
        admin.post(URL, json=customer_payload(name=name))
    first = admin.get(URL, params={"limit": 2, "sort": "-name"}).json()
    second = admin.get(
        URL, params={"limit": 2, "sort": "-name", "cursor": first["next_cursor"]}
    ).json()
    names = [c["name"] for c in first["items"] + second["items"]]
    assert names == sorted(names, reverse=True)
    assert len(set(names)) == 4


def test_bad_sort_and_cursor_are_422(admin: TestClient) -> None:
    assert_problem(admin.get(URL, params={"sort": "password"}), 422)
    assert_problem(admin.get(URL, params={"cursor": "!!!"}), 422)
    assert_problem(admin.get(URL, params={"limit": 0}), 422)


def test_filters_and_search(admin: TestClient) -> None:
    admin.post(
        URL,
        json=customer_payload(name="Li Wei", language="zh", tags=["vip"], email="liwei@example.cn"),
    )
    admin.post(URL, json=customer_payload(name="John Smith", company="Acme", tags=[]))
    assert [c["name"] for c in admin.get(URL, params={"language": "zh"}).json()["items"]] == [
        "Li Wei"
    ]
    assert admin.get(URL, params={"q": "acme"}).json()["total"] == 1
    assert admin.get(URL, params={"email": "LIWEI@example.cn"}).json()["total"] == 1
    tagged = admin.get(URL, params={"tag": "vip"}).json()["items"]
    assert "Li Wei" in [c["name"] for c in tagged]
    assert all("vip" in c["tags"] for c in tagged)
