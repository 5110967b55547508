"""The settings page's LLM endpoint and business-rule sections, on both backends."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from maitre.config import Settings
from maitre.runtime_settings import service as runtime_settings
from maitre.runtime_settings.models import RuntimeSetting
from maitre.users.roles import Role
from tests.integration.llm_server import Answer, llm_server
from tests.integration.web.conftest import WebClient

Login = Callable[[Role], WebClient]
RULES = {
    "return_window_days": "30",
    "refund_handoff_limit": "500.00",
    "delivery_estimate_days": "5",
    "kb_min_confidence": "0.45",
    "cancel_allowed_statuses": ["pending", "paid"],
}


def _effective(factory: sessionmaker[Session], settings: Settings) -> Settings:
    with factory() as s:
        return runtime_settings.effective(session=s, base=settings)


def _overrides(factory: sessionmaker[Session]) -> dict[str, object]:
    with factory() as s:
        return {r.key: r.value for r in s.scalars(select(RuntimeSetting))}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_admin_sees_the_llm_and_rules_sections_with_values_in_force(login: Login) -> None:
    page = login(Role.ADMIN).get("/settings")
    assert page.status_code == 200
    html = page.text
    assert 'id="llm"' in html and 'id="rules"' in html
    assert re.search(r'name="return_window_days"[^>]*value="30"', html)
    assert re.search(r'name="refund_handoff_limit"[^>]*value="500.00"', html)
    assert 'id="llm-key-state">not set<' in html
    assert html.count('action="/settings/rules"') == 1 and 'action="/settings/llm/test"' in html


def test_saving_the_return_window_applies_it_and_shows_who_changed_it(
    login: Login, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    admin = login(Role.ADMIN)
    saved = admin.post("/settings/rules", {**RULES, "return_window_days": "14"})
    assert saved.status_code == 303 and saved.headers["location"] == "/settings?saved=rules#rules"
    assert _overrides(session_factory) == {"return_window_days": 14}  # untouched fields: no row
    assert _effective(session_factory, settings).return_window_days == 14
    html = admin.get(saved.headers["location"]).text
    assert "Saved. The agent uses the new values" in html
    assert re.search(r'name="return_window_days"[^>]*value="14"', html)
    assert "server default: 30" in html and "Changed by user:admin user on " in html

    reset = admin.post("/settings/rules", {**RULES, "return_window_days": "14", "reset": "1"})
    assert reset.status_code == 303
    assert _overrides(session_factory) == {}


def test_unchecking_a_cancel_status_is_saved(
    login: Login, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    admin = login(Role.ADMIN)
    done = admin.post("/settings/rules", {**RULES, "cancel_allowed_statuses": ["pending"]})
    assert done.status_code == 303
    assert _effective(session_factory, settings).cancel_allowed_statuses == ["pending"]
    none = admin.post("/settings/rules", {k: v for k, v in RULES.items() if "cancel" not in k})
    assert none.status_code == 303
    assert _effective(session_factory, settings).cancel_allowed_statuses == []


def test_invalid_rules_show_inline_errors_and_save_nothing(
    login: Login, session_factory: sessionmaker[Session]
) -> None:
    admin = login(Role.ADMIN)
    bad = admin.post(
        "/settings/rules",
        {**RULES, "return_window_days": "99999", "refund_handoff_limit": "lots"},
    )
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]
    html = bad.text
    assert 'id="err-rt_return_window_days"' in html and 'id="err-rt_refund_handoff_limit"' in html
    assert 'aria-describedby="err-rt_return_window_days"' in html
    assert re.search(r'name="return_window_days"[^>]*value="99999"', html)  # kept for fixing
    assert 'id="err-rt_delivery_estimate_days"' not in html
    assert _overrides(session_factory) == {}


def test_forms_without_the_csrf_token_are_refused(
    login: Login, session_factory: sessionmaker[Session]
) -> None:
    admin = login(Role.ADMIN)
    assert (
        admin.post("/settings/rules", {**RULES, "return_window_days": "3"}, csrf=False).status_code
        == 403
    )
    assert admin.post("/settings/llm", {"llm_model": "x"}, csrf=False).status_code == 403
    assert admin.post("/settings/llm/test", csrf=False).status_code == 403
    assert _overrides(session_factory) == {}


def test_other_roles_get_403_pages(login: Login, session_factory: sessionmaker[Session]) -> None:
    for role in (Role.AGENT, Role.SALES, Role.ANALYST):
        client = login(role)
        refused = client.post("/settings/rules", {**RULES, "return_window_days": "3"})
        assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
        assert client.post("/settings/llm", {"llm_model": "x"}).status_code == 403
        assert client.post("/settings/llm/test").status_code == 403
    assert _overrides(session_factory) == {}


def test_the_llm_key_is_write_only_kept_when_blank_and_removable(
    login: Login, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    admin = login(Role.ADMIN)
    form = {
        "llm_base_url": "http://127.0.0.1:11434/v1",
        "llm_model": "qwen2.5:7b-instruct",
        "llm_timeout_seconds": "20",
        "llm_api_key": "sk-web-secret-42",
    }
    assert admin.post("/settings/llm", form).status_code == 303
    html = admin.get("/settings").text
    assert "sk-web-secret-42" not in html
    assert 'id="llm-key-state">set<' in html
    assert _effective(session_factory, settings).llm_api_key.get_secret_value() == (
        "sk-web-secret-42"
    )
    assert admin.post("/settings/llm", {**form, "llm_api_key": ""}).status_code == 303
    effective = _effective(session_factory, settings)
    assert effective.llm_api_key.get_secret_value() == "sk-web-secret-42"
    assert effective.llm_timeout_seconds == 20.0 and effective.llm_model == "qwen2.5:7b-instruct"
    cleared = admin.post("/settings/llm", {**form, "llm_api_key": "", "clear_api_key": "on"})
    assert cleared.status_code == 303
    assert _effective(session_factory, settings).llm_api_key.get_secret_value() == ""


def test_an_invalid_llm_endpoint_shows_inline_errors_without_echoing_the_key(
    login: Login, session_factory: sessionmaker[Session]
) -> None:
    bad = login(Role.ADMIN).post(
        "/settings/llm",
        {
            "llm_base_url": "javascript:alert(1)",
            "llm_model": "m",
            "llm_timeout_seconds": "0",
            "llm_api_key": "sk-not-saved",
        },
    )
    assert bad.status_code == 422
    assert 'id="err-rt_llm_base_url"' in bad.text and 'id="err-rt_llm_timeout_seconds"' in bad.text
    assert "sk-not-saved" not in bad.text
    assert _overrides(session_factory) == {}


def test_testing_a_down_endpoint_reports_it_without_a_server_error(login: Login) -> None:
    admin = login(Role.ADMIN)
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    assert (
        admin.post(
            "/settings/llm", {"llm_base_url": url, "llm_model": "m", "llm_timeout_seconds": "2"}
        ).status_code
        == 303
    )
    page = admin.post("/settings/llm/test")
    assert page.status_code == 200 and "Not working:" in page.text and "unreachable" in page.text
    fragment = admin.client.post(
        "/settings/llm/test", headers={"HX-Request": "true", "X-CSRF-Token": admin.csrf}
    )
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith(("{#", '<div id="llm-test"'))
    assert "<html" not in fragment.text and "Not working:" in fragment.text


def test_testing_a_working_endpoint_uses_the_saved_key(login: Login) -> None:
    admin = login(Role.ADMIN)
    with llm_server() as server:
        server.script(Answer(200, {"data": [{"id": "tiny-model"}]}))
        form = {
            "llm_base_url": server.url,
            "llm_model": "tiny-model",
            "llm_timeout_seconds": "5",
            "llm_api_key": "sk-tested",
        }
        assert admin.post("/settings/llm", form).status_code == 303
        page = admin.post("/settings/llm/test")
    assert page.status_code == 200 and "Working:" in page.text and "tiny-model" in page.text
    assert [r.path for r in server.seen] == ["/v1/models"]
    headers = {k.lower(): v for k, v in server.seen[0].headers.items()}
    assert headers["authorization"] == "Bearer sk-tested"


def test_the_sections_are_translated(login: Login) -> None:
    admin = login(Role.ADMIN)
    assert admin.post("/language", {"lang": "zh"}).status_code == 303
    html = admin.get("/settings").text
    assert "业务规则" in html and "大模型接口" in html and "退货期限" in html


def test_saved_text_is_escaped_on_the_page(login: Login) -> None:
    admin = login(Role.ADMIN)
    model = 'm"><img src=x onerror=alert(1)>'
    form = {"llm_base_url": "", "llm_model": model, "llm_timeout_seconds": "10"}
    assert admin.post("/settings/llm", form).status_code == 303
    html = admin.get("/settings").text
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
