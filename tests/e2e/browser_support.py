"""What the browser tests share: Chromium, a logged-in tab, and the app served in a thread.

Chromium is Debian's (`make browser-deps` installs it with apt; never `playwright install`).
Without it the tests skip, unless ``MAITRE_REQUIRE_BROWSER=1`` (set by ``.ci/run``) makes that a
failure, so CI cannot pass without having run them.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy.orm import Session

from maitre.api.app import create_app
from maitre.config import Settings
from maitre.db import models as _models  # noqa: F401  (every table, for create_all)
from maitre.db.base import Base
from maitre.db.session import make_engine, make_sessionmaker
from maitre.users.roles import Role
from tests.factories.web import PASSWORD, STAFF, build_web_shop

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def require_chromium() -> None:
    """Skip (or, when CI requires browsers, fail) if Debian's Chromium is missing."""
    if CHROMIUM.exists():
        return
    message = "Chromium is not installed at /usr/bin/chromium (run `make browser-deps`)"
    if os.environ.get("MAITRE_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Run ``app`` under uvicorn on a free port in a background thread; yield its base URL."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def serve_shop(
    root: Path,
    prepare: Callable[[Session, dict[str, Any]], None] | None = None,
    **settings: Any,
) -> Iterator[dict[str, Any]]:
    """Serve the app over a fresh SQLite file under ``root`` holding the factory-made shop.

    ``prepare(session, ids)`` may add rows (and ids) before the commit; ``settings`` override
    the test defaults. Yields the shop's ids with the base URL under ``"base"``.
    """
    url = f"sqlite:///{root / 'maitre.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine)() as s:
        ids = build_web_shop(s)
        if prepare is not None:
            prepare(s, ids)
        s.commit()
    engine.dispose()
    config = Settings(
        data_dir=root / "var",
        database_url=url,
        queue_immediate=True,
        secret_key=f"browser-{root.name}-secret-key",
        rate_limit_login="1000/minute",  # every test logs in afresh from 127.0.0.1
        **settings,
    )
    with serve_in_thread(create_app(config)) as base:
        yield {"base": base, **ids}


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """Yield a headless Chromium browser driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


class Tab:
    """A logged-in page that records console errors and failed requests."""

    def __init__(self, browser: Any, base: str, role: Role, width: int = 1280) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: self.errors.append(f"dialog: {d.message}"))
        self.page.goto(f"{base}/login")
        self.page.fill("input[name=email]", STAFF[role])
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("form[action='/login'] button[type=submit]")
        self.page.wait_for_url(re.compile(r".*/customers$"))

    def open(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return response

    def close(self) -> None:
        self.context.close()
