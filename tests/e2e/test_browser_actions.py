"""Acting on records and the dark theme in a real browser: Debian's headless Chromium.

Converting a lead into a deal and editing a product go through the forms as a person would.
Every main page is shot again in the dark theme (``dark_*.png``), and the customer list and
the inbox at a 390px phone width in both themes (``phone390_*.png``), into
``test-artifacts/screenshots/`` beside the light shots of ``test_browser.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from maitre.users.roles import Role
from tests.e2e.browser_support import SHOTS, Tab, launch_chromium, require_chromium, serve_shop
from tests.factories.products import make_product

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
PAGES = (
    "/customers",
    "/inbox",
    "/orders",
    "/products",
    "/tickets",
    "/deals",
    "/leads",
    "/dashboards",
    "/kb",
    "/training",
    "/settings",
)
PHONE = 390
TAKEN_SKU = "TAKEN-SKU-1"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Serve the app over a fresh SQLite shop with a second product; yield URL and ids."""
    require_chromium()

    def another_product(session: Session, ids: dict[str, Any]) -> None:
        make_product(session, sku=TAKEN_SKU, name="Matcha whisk")

    with serve_shop(tmp_path_factory.mktemp("browser-actions"), another_product) as shop:
        yield shop


@pytest.fixture(scope="module")
def browser(served: dict[str, Any]) -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def tab(browser: Any, served: dict[str, Any], request: pytest.FixtureRequest) -> Iterator[Tab]:
    opened = Tab(browser, served["base"], getattr(request, "param", Role.ADMIN))
    yield opened
    opened.close()


def _brightness(page: Any) -> int:
    """Return the sum of the page background's red, green and blue."""
    colour = page.evaluate("getComputedStyle(document.body).backgroundColor")
    channels = re.findall(r"\d+", colour)[:3]
    assert len(channels) == 3, colour
    return sum(int(c) for c in channels)


def _expect_refused(tab: Tab, status: int) -> None:
    """Accept the console's note of the form page answered with ``status``, and only that."""
    assert tab.errors and all(f"status of {status}" in e for e in tab.errors), tab.errors
    tab.errors.clear()


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("tab", [Role.SALES], indirect=True)
def test_create_a_lead_and_convert_it_into_a_deal(tab: Tab) -> None:
    page = tab.page
    tab.open("/leads")
    page.click("a[href='/leads/new']")
    page.fill("#f-name", "Rosalind Franklin")
    page.fill("#f-email", "rosalind@kings.example.com")
    page.fill("#f-company", "King's Lab")
    page.click("#lead-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/leads/\d+$"))
    page.select_option("#lead-status-select", "qualified")
    page.click("#lead-status-form button[type=submit]")
    page.wait_for_selector("#lead-status:has-text('qualified')")
    page.fill("#c-value", "not money")
    page.click("#lead-convert button[type=submit]")
    page.wait_for_selector("#err-value")
    assert page.get_attribute("#c-value", "aria-invalid") == "true"
    _expect_refused(tab, 422)
    page.fill("#c-title", "Lab tea service")
    page.fill("#c-value", "450")
    page.click("#lead-convert button[type=submit]")
    page.wait_for_selector("#lead-status:has-text('converted')")
    assert page.locator("#lead-convert").count() == 0
    page.click("a:has-text('Lab tea service')")
    page.wait_for_url(re.compile(r".*/deals#deal-\d+$"))
    card = page.locator(".kanban-col[data-stage=qualification] .deal-card", has_text="Lab tea")
    assert card.count() == 1 and "450" in card.inner_text()
    assert tab.errors == []


def test_edit_a_product_and_fix_a_taken_sku(tab: Tab, served: dict[str, Any]) -> None:
    page = tab.page
    tab.open(f"/products/{served['product']}")
    page.click(f"a[href='/products/{served['product']}/edit']")
    page.wait_for_selector("#product-form")
    page.fill("#f-sku", TAKEN_SKU)
    page.fill("#f-stock", "77")
    page.click("#product-form button[type=submit]")
    page.wait_for_selector("#err-sku")
    assert TAKEN_SKU in page.locator("#err-sku").inner_text()
    assert page.input_value("#f-stock") == "77"  # what was typed survives the refusal
    _expect_refused(tab, 409)
    page.fill("#f-sku", "SENCHA-FIRST-FLUSH")
    page.click("#product-form button[type=submit]")
    page.wait_for_url(re.compile(rf".*/products/{served['product']}$"))
    assert "SENCHA-FIRST-FLUSH" in page.locator("main h1").inner_text()
    assert "77" in page.locator("dl").inner_text()
    assert tab.errors == []


def test_main_pages_in_the_dark_theme(tab: Tab, served: dict[str, Any]) -> None:
    page = tab.page
    assert page.get_attribute("html", "data-theme") == "light"
    light = _brightness(page)
    page.click("[data-theme-toggle]")
    assert page.get_attribute("html", "data-theme") == "dark"
    assert page.evaluate("localStorage.getItem('maitre-theme')") == "dark"
    dark = _brightness(page)
    assert dark < light  # the variables really switched, not just the attribute
    extra = (f"/customers/{served['ada']}", f"/products/{served['product']}")
    for path in (*PAGES, *extra):
        response = tab.open(path)
        assert response is not None and response.status == 200, path
        assert page.get_attribute("html", "data-theme") == "dark", path
        assert page.get_attribute("[data-theme-toggle]", "aria-pressed") == "true", path
        assert _brightness(page) == dark, path
        _shot(page, "dark_" + path.strip("/").replace("/", "_"))
    assert tab.errors == []


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_customers_and_inbox_fit_a_phone_screen(
    browser: Any, served: dict[str, Any], theme: str
) -> None:
    phone = Tab(browser, served["base"], Role.AGENT, width=PHONE)
    try:
        page = phone.page
        page.evaluate("theme => localStorage.setItem('maitre-theme', theme)", theme)
        for path in ("/customers", "/inbox"):
            phone.open(path)
            assert page.get_attribute("html", "data-theme") == theme, path
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE, (path, width)  # no sideways scrolling of the whole page
            suffix = "" if theme == "light" else "_dark"
            _shot(page, f"phone{PHONE}_{path.strip('/')}{suffix}")
        assert phone.errors == []
    finally:
        phone.close()
