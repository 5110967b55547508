"""The public demo shop page and the chat widget it embeds, on both backends."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from maitre.api.app import create_app
from maitre.bootstrap import Runtime
from maitre.config import Settings
from maitre.conversations import widget_tokens

WIDGET_TAG = re.compile(r'<script src="/static/widget.js" data-key="([^"]+)"')


def _key(html: str) -> str:
    found = WIDGET_TAG.search(html)
    assert found is not None, html[-800:]
    return found.group(1)


def test_demo_shop_is_public_and_embeds_a_reusable_widget_key(
    anon: TestClient, shop: dict[str, Any]
) -> None:
    page = anon.get("/demo-shop")
    assert page.status_code == 200 and "Sencha tea" in page.text
    assert "<script>" not in page.text  # only the widget's external script
    key = _key(page.text)
    assert _key(anon.get("/demo-shop").text) == key  # created once, then reused
    assert "data-token" not in page.text
    chat = anon.post(
        "/api/v1/conversations", json={"language": "en"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert chat.status_code == 201 and chat.json()["identified"] is False
    # The key may only chat: no staff data.
    staff_data = anon.get("/api/v1/customers", headers={"Authorization": f"Bearer {key}"})
    assert staff_data.status_code == 403
    assert anon.get("/static/widget.js").status_code == 200
    assert "zh-CN" in anon.get("/demo-shop?lang=zh").text


def test_customer_sign_in_is_off_unless_enabled(
    anon: TestClient, app: Any, shop: dict[str, Any]
) -> None:
    assert anon.get(f"/demo-shop?customer={shop['ada']}").status_code == 404
    app.state.settings.demo_shop_customer_tokens = True
    page = anon.get(f"/demo-shop?customer={shop['ada']}")
    assert page.status_code == 200 and "Ada Lovelace" in page.text
    token = re.search(r'data-token="([^"]+)"', page.text)
    assert token is not None
    facts = widget_tokens.verify(settings=app.state.settings, token=token.group(1))
    assert facts.customer_id == shop["ada"]
    assert anon.get("/demo-shop?customer=999999").status_code == 404
    listing = anon.get("/demo-shop").text
    assert "/demo-shop?customer=" in listing  # sample sign-in links in demo mode


def test_demo_shop_can_be_switched_off(anon: TestClient, app: Any) -> None:
    app.state.settings.demo_shop = False
    assert anon.get("/demo-shop").status_code == 404


def test_cors_lets_only_listed_shops_call_the_api_from_the_widget(
    settings: Settings, app_runtime: Runtime
) -> None:
    settings.cors_origins = ["https://shop.example"]
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    with TestClient(create_app(settings, runtime=app_runtime)) as client:
        allowed = client.options(
            "/api/v1/conversations", headers={"Origin": "https://shop.example", **preflight}
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
        other = client.options(
            "/api/v1/conversations", headers={"Origin": "https://evil.example", **preflight}
        )
        assert "access-control-allow-origin" not in other.headers
