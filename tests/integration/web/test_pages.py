"""The staff web pages over HTTP on both backends: roles, login, CSRF, escaping, forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from maitre.customers import service as customers
from maitre.notes import service as notes
from maitre.sales import deals
from maitre.tickets import service as tickets
from maitre.users import service as users
from maitre.users.roles import Role
from tests.factories.web import XSS
from tests.integration.web.conftest import WebClient

ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
STAFF_ROLES = (Role.ADMIN, Role.AGENT, Role.SALES, Role.ANALYST)
WRITERS = {Role.ADMIN, Role.AGENT, Role.SALES}


def _pages(shop: dict[str, Any]) -> dict[str, set[Role]]:
    everyone = set(STAFF_ROLES)
    return {
        "/customers": everyone,
        "/customers?q=ada&language=en&tag=vip&sort=name&segment=champions": everyone,
        f"/customers/{shop['ada']}": everyone,
        f"/customers/{shop['evil']}": everyone,
        f"/customers/{shop['ada']}/edit": WRITERS,
        "/orders": everyone,
        "/orders?status=delivered&sort=-total": everyone,
        f"/orders/{shop['order']}": everyone,
        "/products": everyone,
        f"/products/{shop['product']}": everyone,
        "/tickets": everyone,
        "/tickets?status=open&priority=normal&q=teapot": everyone,
        f"/tickets/{shop['ticket']}": everyone,
        "/deals": everyone,
        "/leads": everyone,
        "/dashboards": everyone,
        "/dashboards?freq=week": everyone,
        "/training": everyone,
        "/training/review": everyone,
        "/training/models": everyone,
        "/settings": {Role.ADMIN},
    }


def test_anonymous_visitors_are_sent_to_login(anon: TestClient, shop: dict[str, Any]) -> None:
    for path in _pages(shop):
        response = anon.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=/"), path


def test_each_page_opens_for_allowed_roles_and_is_a_403_page_for_others(
    login: Callable[[Role], WebClient], shop: dict[str, Any]
) -> None:
    for role in STAFF_ROLES:
        client = login(role)
        for path, allowed in _pages(shop).items():
            response = client.get(path)
            expected = 200 if role in allowed else 403
            assert response.status_code == expected, (role, path, response.text[:300])
            assert response.headers["content-type"].startswith("text/html"), path
            assert "</html>" in response.text, path
            if expected == 403:
                assert "403" in response.text and role.value in response.text


def test_nav_shows_only_the_pages_a_role_may_open(login: Callable[[Role], WebClient]) -> None:
    assert 'href="/settings"' in login(Role.ADMIN).get("/customers").text
    assert 'href="/settings"' not in login(Role.ANALYST).get("/customers").text


def test_unknown_records_are_404_pages(login: Callable[[Role], WebClient]) -> None:
    client = login(Role.AGENT)
    for path in ("/customers/999999", "/orders/999999", "/tickets/999999", "/products/999999"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "text/html" in response.headers["content-type"]
    assert client.get("/customers/99999999999999999999999").status_code in (404, 422)


def test_customer_supplied_text_is_escaped_everywhere(
    login: Callable[[Role], WebClient], shop: dict[str, Any]
) -> None:
    client = login(Role.ADMIN)
    for path in (
        "/customers",
        f"/customers/{shop['evil']}",
        f"/customers/{shop['ada']}",
        f"/customers/{shop['evil']}/edit",
        "/tickets",
        f"/tickets/{shop['ticket']}",
        "/deals",
        "/leads",
        "/training/review",
    ):
        html = client.get(path).text
        assert XSS not in html, path
        assert ESCAPED in html or "&lt;img" in html, path


def test_contact_details_are_masked_for_analysts(
    login: Callable[[Role], WebClient], shop: dict[str, Any]
) -> None:
    path = f"/customers/{shop['ada']}"
    assert "ada@shop.example.com" in login(Role.AGENT).get(path).text
    masked = login(Role.ANALYST).get(path).text
    assert "ada@shop.example.com" not in masked and "a•••@shop.example.com" in masked
    assert "Marylebone" not in masked
    assert "ada@shop.example.com" not in login(Role.ANALYST).get("/customers").text


def test_writes_without_the_csrf_token_are_refused(
    login: Callable[[Role], WebClient],
    shop: dict[str, Any],
    session_factory: sessionmaker[Session],
) -> None:
    client = login(Role.ADMIN)
    posts: list[tuple[str, dict[str, Any]]] = [
        (f"/customers/{shop['ada']}/notes", {"body": "sneaky"}),
        (f"/customers/{shop['ada']}/edit", {"name": "Mallory", "language": "en"}),
        (f"/tickets/{shop['ticket']}/status", {"status": "closed"}),
        (f"/deals/{shop['deal']}/stage", {"stage": "won"}),
        ("/training/examples", {"intent": "greet", "text": "hello there"}),
        (f"/training/examples/{shop['example']}/delete", {}),
        (f"/training/review/{shop['review']}/label", {"intent": "greet"}),
        (f"/training/review/{shop['review']}/dismiss", {}),
        ("/settings/keys", {"name": "k", "role": "admin"}),
        ("/settings/webhooks", {"url": "https://93.184.216.34/hook"}),
        ("/settings/users", {"email": "x@example.com", "role": "admin", "password": "x" * 12}),
        ("/language", {"lang": "zh"}),
    ]
    for path, data in posts:
        missing = client.post(path, data, csrf=False)
        assert missing.status_code == 403, path
        wrong = client.client.post(path, data={**data, "csrf_token": "forged"})
        assert wrong.status_code == 403, path
        header = client.client.post(path, data=data, headers={"X-CSRF-Token": "forged"})
        assert header.status_code == 403, path
    with session_factory() as s:
        assert customers.get(session=s, customer_id=shop["ada"]).name == "Ada Lovelace"
        assert tickets.get(session=s, ticket_id=shop["ticket"]).status == "open"
        assert deals.get(session=s, deal_id=shop["deal"]).stage == "qualification"
        assert users.list_api_keys(session=s) == []


def test_adding_a_note_over_htmx_returns_the_escaped_list(
    login: Callable[[Role], WebClient],
    shop: dict[str, Any],
    session_factory: sessionmaker[Session],
) -> None:
    client = login(Role.AGENT)
    response = client.client.post(
        f"/customers/{shop['ada']}/notes",
        data={"body": f"Call back {XSS}"},
        headers={"HX-Request": "true", "X-CSRF-Token": client.csrf},
    )
    assert response.status_code == 200
    assert 'id="note-list"' in response.text and "Call back &lt;img" in response.text
    assert "<html" not in response.text
    plain = client.post(f"/customers/{shop['ada']}/notes", {"body": "Second note"})
    assert plain.status_code == 303
    with session_factory() as s:
        bodies = [n.body for n in notes.list_for_customer(session=s, customer_id=shop["ada"])]
    assert "Second note" in bodies and f"Call back {XSS}" in bodies
    refused = login(Role.ANALYST).post(f"/customers/{shop['ada']}/notes", {"body": "no"})
    assert refused.status_code == 403


def test_edit_form_shows_errors_inline_and_saves_valid_input(
    login: Callable[[Role], WebClient],
    shop: dict[str, Any],
    session_factory: sessionmaker[Session],
) -> None:
    client = login(Role.SALES)
    path = f"/customers/{shop['ada']}/edit"
    bad = client.post(path, {"name": "", "email": "not-an-email", "language": "english!"})
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.text
    for field in ("name", "email", "language"):
        assert f'id="err-{field}"' in bad.text, field
    clash = client.post(path, {"name": "Ada", "email": "evil@shop.example.com", "language": "en"})
    assert clash.status_code == 422 and 'id="err-email"' in clash.text
    good = client.post(
        path,
        {"name": "Ada King", "email": "ada@shop.example.com", "language": "en", "tags": "vip, tea"},
    )
    assert good.status_code == 303
    with session_factory() as s:
        saved = customers.get(session=s, customer_id=shop["ada"])
        assert saved.name == "Ada King" and saved.tags == ["vip", "tea"]
    assert login(Role.ANALYST).post(path, {"name": "x", "language": "en"}).status_code == 403


def test_ticket_status_and_deal_stage_changes_persist(
    login: Callable[[Role], WebClient],
    shop: dict[str, Any],
    session_factory: sessionmaker[Session],
) -> None:
    agent = login(Role.AGENT)
    changed = agent.client.post(
        f"/tickets/{shop['ticket']}/status",
        data={"status": "resolved"},
        headers={"HX-Request": "true", "X-CSRF-Token": agent.csrf},
    )
    assert changed.status_code == 200 and 'id="ticket-status"' in changed.text
    assert agent.post(f"/tickets/{shop['ticket']}/status", {"status": "bogus"}).status_code == 422
    sales = login(Role.SALES)
    moved = sales.client.post(
        f"/deals/{shop['deal']}/stage",
        data={"stage": "negotiation"},
        headers={"X-Requested-With": "fetch", "X-CSRF-Token": sales.csrf},
    )
    assert moved.status_code == 200 and f'id="deal-{shop["deal"]}"' in moved.text
    assert (
        login(Role.AGENT).post(f"/deals/{shop['deal']}/stage", {"stage": "won"}).status_code == 403
    )
    with session_factory() as s:
        assert tickets.get(session=s, ticket_id=shop["ticket"]).status == "resolved"
        assert deals.get(session=s, deal_id=shop["deal"]).stage == "negotiation"


def test_list_filters_keep_the_chosen_values_with_translated_labels(
    login: Callable[[Role], WebClient],
) -> None:
    page = login(Role.AGENT).get("/tickets?status=open&priority=high").text
    assert '<option value="open" selected>open</option>' in page
    assert '<option value="high" selected>' in page
    assert '<option value="">Any priority</option>' in page
    orders = login(Role.AGENT).get("/orders?status=return_requested&sort=-total").text
    assert '<option value="return_requested" selected>return requested</option>' in orders
    assert '<option value="-total" selected>' in orders
    products = login(Role.AGENT).get("/products").text
    assert '<select name="category">' in products and '<select name="sort">' in products
