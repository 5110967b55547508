"""Label a review-queue item and retrain the NLU model, in a real browser (Debian's Chromium).

The app runs under uvicorn in a thread over a temporary SQLite shop with an active lexical NLU
model (v1) and a pending review item. The test ticks "quick lexical model" on the models page so
the run trains without the sentence encoder in seconds; the inline queue runs it in the request.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from maitre.agent.nlu import service as nlu
from maitre.agent.nlu.models import ReviewReason
from maitre.api.app import create_app
from maitre.config import Settings
from maitre.db import models as _models  # noqa: F401
from maitre.db.base import Base
from maitre.db.session import make_engine, make_sessionmaker
from maitre.users.roles import Role
from tests.agent_support import activate_nlu, train_builtin_nlu
from tests.e2e.browser_support import (
    SHOTS,
    Tab,
    launch_chromium,
    require_chromium,
    serve_in_thread,
)
from tests.factories.web import build_web_shop

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
UTTERANCE = "has my parcel with the green teapot shipped yet"
WAIT_MS = 20_000
TRAIN_WAIT_MS = 60_000


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Serve a shop with NLU model v1 and a pending review item; yield its URL and ids."""
    require_chromium()
    root = tmp_path_factory.mktemp("browser-training")
    url = f"sqlite:///{root / 'maitre.db'}"
    settings = Settings(
        data_dir=root / "var",
        database_url=url,
        queue_immediate=True,
        secret_key="browser-training-secret-key",
        rate_limit_login="1000/minute",
    )  # type: ignore[arg-type]
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    model = train_builtin_nlu(root / "nlu")
    with make_sessionmaker(engine)() as s:
        ids = build_web_shop(s)
        ids["version"] = activate_nlu(session=s, settings=settings, source=model)
        item = nlu.enqueue_review(
            session=s,
            text=UTTERANCE,
            reason=ReviewReason.LOW_CONFIDENCE,
            predicted_intent="order_status",
            confidence=0.48,
            language="en",
        )
        ids["item"] = item.id
        s.commit()
    engine.dispose()
    with serve_in_thread(create_app(settings)) as base:
        yield {"base": base, **ids}


@pytest.fixture(scope="module")
def browser(served: dict[str, Any]) -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


def test_label_a_review_item_and_retrain(browser: Any, served: dict[str, Any]) -> None:
    tab = Tab(browser, served["base"], Role.ADMIN)
    tab.context.set_default_timeout(WAIT_MS)
    page = tab.page
    item = f"#review-{served['item']}"
    try:
        tab.open("/training/review")
        assert UTTERANCE in page.locator(item).inner_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "training_review_pending.png"), full_page=True)
        # One click accepts the predicted intent; the item leaves the pending list.
        page.click(f"{item} form:has(input[name=intent][value=order_status]) button")
        page.wait_for_selector(item, state="detached")
        tab.open("/training/review")
        assert page.locator(item).count() == 0
        assert UTTERANCE not in page.locator("main").inner_text()
        # It is now a training example of that intent.
        tab.open("/training?intent=order_status")
        row = page.locator("#h-examples").locator("xpath=..").locator("tr", has_text=UTTERANCE)
        assert row.count() == 1
        assert "order_status" in row.inner_text()
        # Train a quick lexical model and follow the page's progress display.
        tab.open("/training/models")
        nlu_versions = page.locator("section[aria-labelledby='h-m-nlu'] tbody tr")
        assert nlu_versions.count() == 1
        page.check("[data-train-form] input[name=quick]")
        with page.expect_request("**/api/v1/nlu/train") as posted:
            page.click("[data-train-button]")
        assert posted.value.post_data_json == {
            "activate": True,
            "use_encoder": False,
            "finetune": False,
        }
        page.wait_for_function(
            "() => /^(succeeded|failed|error)/.test("
            "document.querySelector('[data-train-message]').textContent)",
            timeout=TRAIN_WAIT_MS,
        )
        message = page.locator("[data-train-message]").inner_text()
        assert message.startswith("succeeded"), message
        assert page.locator("[data-train-progress]").evaluate("el => el.value") == 1
        # The new version is listed and serves as the active one.
        tab.open("/training/models")
        new = f"v{served['version'] + 1}"
        active = page.locator("section[aria-labelledby='h-m-nlu'] tr", has=page.locator(".active"))
        assert active.count() == 1
        assert active.locator("td").first.inner_text() == new
        assert nlu_versions.count() == 2
        assert "succeeded" in page.locator("[aria-labelledby='h-train'] tbody").inner_text()
        page.screenshot(path=str(SHOTS / "training_models_retrained.png"), full_page=True)
        # Its evaluation report: per-intent scores from the held-out slice, worst F1 first.
        active.locator("a[data-report-link]").click()
        page.wait_for_selector("[data-intent-table]")
        assert page.url.endswith(f"/training/models/nlu/{served['version'] + 1}")
        f1 = [
            float(x) for x in page.locator("[data-intent-table] tbody td strong").all_inner_texts()
        ]
        assert len(f1) > 5 and f1 == sorted(f1)
        page.wait_for_function(
            "() => !!window.Chart && !!window.Chart.getChart("
            "document.querySelector('canvas[data-chart=confusion]'))"
        )
        page.screenshot(path=str(SHOTS / "training_model_report.png"), full_page=True)
        assert tab.errors == []
    finally:
        tab.close()
