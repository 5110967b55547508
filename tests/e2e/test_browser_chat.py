"""The chat widget, the live inbox and the knowledge base in a real browser (Debian's Chromium).

The app runs under uvicorn in a thread over a temporary SQLite shop with an active lexical NLU
model and a help article. Pages with live streams never reach "network idle", so these tests
wait for selectors. Screenshots go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from maitre.api.app import create_app
from maitre.config import Settings
from maitre.db import models as _models  # noqa: F401
from maitre.db.base import Base
from maitre.db.session import make_engine, make_sessionmaker
from maitre.kb import embedding
from maitre.kb import service as kb
from maitre.kb.schemas import ArticleCreate
from maitre.orders import service as orders
from maitre.users.roles import Role
from tests.agent_support import activate_nlu, train_builtin_nlu
from tests.e2e.browser_support import SHOTS, launch_chromium, require_chromium, serve_in_thread
from tests.factories.web import PASSWORD, STAFF, XSS, build_web_shop

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
WAIT_MS = 20_000


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Serve the app over a shop with a trained NLU model; yield its URL and the shop's ids."""
    require_chromium()
    patch = pytest.MonkeyPatch()
    # BM25 alone: loading the sentence encoder would dominate the run and is tested elsewhere.
    patch.setattr(embedding, "get_encoder", lambda wait=None: None)
    patch.setattr(embedding, "embed", lambda texts, wait=None: None)
    root = tmp_path_factory.mktemp("browser-chat")
    url = f"sqlite:///{root / 'maitre.db'}"
    settings = Settings(
        data_dir=root / "var",
        database_url=url,
        queue_immediate=True,
        secret_key="browser-chat-secret-key",
        rate_limit_login="1000/minute",
        live_poll_s=0.5,
        demo_shop_customer_tokens=True,
    )  # type: ignore[arg-type]
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    model = train_builtin_nlu(root / "nlu")
    with make_sessionmaker(engine)() as s:
        ids = build_web_shop(s)
        activate_nlu(session=s, settings=settings, source=model)
        kb.create(
            session=s,
            data=ArticleCreate(
                title="Returns policy",
                body="# Returns\n\nYou can return any item within 30 days of delivery.",
                language="en",
            ),
        )
        ids["order_number"] = orders.get(session=s, order_id=ids["order"]).number
        pending = orders.list_for_customer(session=s, customer_id=ids["evil"])[0]
        ids["pending_number"] = pending.number
        s.commit()
    engine.dispose()
    with serve_in_thread(create_app(settings)) as base:
        yield {"base": base, **ids}
    patch.undo()


@pytest.fixture(scope="module")
def browser(served: dict[str, Any]) -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


class Window:
    """A browser context that records console errors; logs in when given a role."""

    def __init__(self, browser: Any, base: str, role: Role | None = None) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(WAIT_MS)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        if role is not None:
            self.page.goto(f"{base}/login")
            self.page.fill("input[name=email]", STAFF[role])
            self.page.fill("input[name=password]", PASSWORD)
            self.page.click("form[action='/login'] button[type=submit]")
            self.page.wait_for_url(re.compile(r".*/customers$"))

    def go(self, path: str, ready: str = "main h1") -> Any:
        response = self.page.goto(self.base + path, wait_until="domcontentloaded")
        self.page.wait_for_selector(ready)
        return response

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


def _open_chat(shopper: Window, path: str) -> Any:
    shopper.go(path, ready=".shop-main h1")
    page = shopper.page
    page.click("#maitre-chat .launcher")
    page.wait_for_selector("#maitre-chat .panel:not([hidden])")
    return page


def _say(page: Any, text: str) -> None:
    page.fill("#maitre-chat #mc-input", text)
    page.press("#maitre-chat #mc-input", "Enter")


def test_widget_answers_an_order_status_question(browser: Any, served: dict[str, Any]) -> None:
    shopper = Window(browser, served["base"])
    try:
        page = _open_chat(shopper, f"/demo-shop?customer={served['ada']}")
        number = served["order_number"]
        _say(page, f"Where is my order {number}?")
        answer = page.locator("#maitre-chat .from-bot", has_text=number)
        answer.wait_for()
        assert "delivered" in answer.inner_text()
        assert page.locator("#maitre-chat .from-customer").count() == 1
        shopper.shot("widget_order_status")
        # A reload resumes the same conversation; saying goodbye asks for a rating.
        page.reload(wait_until="domcontentloaded")
        page.click("#maitre-chat .launcher")
        page.locator("#maitre-chat .from-bot", has_text=number).wait_for()
        _say(page, "goodbye")
        page.wait_for_selector("#maitre-chat .csat:not([hidden]) button[data-score='4']")
        assert shopper.errors == []
    finally:
        shopper.close()


def test_widget_offers_yes_no_buttons_when_the_agent_asks_to_confirm(
    browser: Any, served: dict[str, Any]
) -> None:
    shopper = Window(browser, served["base"])
    try:
        page = _open_chat(shopper, f"/demo-shop?customer={served['evil']}")
        _say(page, f"I want to cancel my order {served['pending_number']}")
        page.wait_for_selector("#maitre-chat .quick button[data-say='no']")
        shopper.shot("widget_quick_replies")
        page.click("#maitre-chat .quick button[data-say='no']")
        page.wait_for_selector("#maitre-chat .from-customer >> nth=1")
        page.wait_for_selector("#maitre-chat .from-bot >> nth=2")
        assert page.locator("#maitre-chat .quick button").count() == 0
        assert shopper.errors == []
    finally:
        shopper.close()


def test_handoff_taken_over_in_the_inbox_reaches_the_widget_live(
    browser: Any, served: dict[str, Any]
) -> None:
    shopper = Window(browser, served["base"])
    agent = Window(browser, served["base"], Role.AGENT)
    try:
        agent.go("/inbox?tab=handed_off", ready="[data-live-state].on")
        page = _open_chat(shopper, "/demo-shop")
        _say(page, "I want to talk to a human")
        page.wait_for_selector("#maitre-chat .banner:not([hidden])")
        # The inbox list refreshes from the stream: the new conversation appears without reload.
        row = agent.page.locator("[data-inbox-list] tr[data-conversation] a").first
        row.wait_for()
        agent.shot("inbox")
        row.click()
        agent.page.wait_for_selector("[data-transcript] .msg-customer")
        assert "talk to a human" in agent.page.locator("[data-transcript]").inner_text()
        agent.page.click("button[data-action=takeover]")
        agent.page.wait_for_selector("#reply-text")
        agent.page.fill("#reply-text", f"Hello, I'm here to help {XSS}")
        agent.page.click("[data-reply-form] button[type=submit]")
        agent.page.wait_for_selector("[data-transcript] .msg-agent")
        agent.shot("inbox_conversation")
        # The widget shows the person's reply live, as text.
        reply = page.locator("#maitre-chat .from-agent")
        reply.wait_for()
        assert XSS in reply.inner_text()
        assert page.locator("#maitre-chat .log img").count() == 0
        # The customer answers; the transcript in the inbox updates live.
        _say(page, "Thanks, my parcel is late")
        agent.page.locator("[data-transcript] .msg-customer", has_text="parcel is late").wait_for()
        agent.page.click("button[data-action=resolve]")
        page.wait_for_selector("#maitre-chat .csat:not([hidden])")
        page.click("#maitre-chat .csat button[data-score='5']")
        page.locator("#maitre-chat .csat", has_text="Thank you").wait_for()
        shopper.shot("widget_handoff_csat")
        assert shopper.errors == [] and agent.errors == []
    finally:
        shopper.close()
        agent.close()


def test_knowledge_base_search_shows_hits(browser: Any, served: dict[str, Any]) -> None:
    staff = Window(browser, served["base"], Role.AGENT)
    try:
        staff.go("/kb")
        staff.page.fill("input[name=ask]", "how long do I have to return an item")
        staff.page.click("form[action='/kb'] button[type=submit] >> nth=0")
        staff.page.wait_for_selector(".kb-hits .kb-hit")
        assert "Returns policy" in staff.page.locator(".kb-hits").inner_text()
        staff.shot("kb_search")
        staff.go("/kb/new")
        staff.page.fill("#f-body", f"**Bold** {XSS}")
        staff.page.click("button[hx-post='/kb/preview']")
        staff.page.wait_for_selector("#preview strong")
        assert XSS in staff.page.locator("#preview").inner_text()
        assert staff.page.locator("#preview img").count() == 0
        assert staff.errors == []
    finally:
        staff.close()


def test_new_pages_load_without_console_errors(browser: Any, served: dict[str, Any]) -> None:
    admin = Window(browser, served["base"], Role.ADMIN)
    try:
        for path, name in (
            ("/inbox", "inbox_waiting"),
            ("/inbox?tab=resolved", "inbox_resolved"),
            ("/kb", "kb"),
            ("/kb/new", "kb_new"),
        ):
            response = admin.go(path)
            assert response is not None and response.status == 200, path
            assert admin.page.locator("main h1").count() == 1, path
            admin.shot(name)
        response = admin.go("/demo-shop", ready=".shop-main h1")
        assert response is not None and response.status == 200
        admin.page.wait_for_selector("#maitre-chat .launcher")
        admin.shot("demo_shop")
        assert admin.errors == []
    finally:
        admin.close()
    phone = browser.new_context(viewport={"width": 375, "height": 740})
    try:
        page = phone.new_page()
        page.goto(served["base"] + "/demo-shop", wait_until="domcontentloaded")
        page.click("#maitre-chat .launcher")
        page.wait_for_selector("#maitre-chat .panel:not([hidden])")
        assert page.evaluate("document.documentElement.scrollWidth") <= 380
        page.screenshot(path=str(SHOTS / "phone_demo_shop_chat.png"))
    finally:
        phone.close()
