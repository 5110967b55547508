"""Business rules as pure functions: phone and address cleaning, the context's actor and clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from maitre.agent.tools import ToolContext, rules
from maitre.config import Settings


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("+86 138 0013 8000", "+86 138 0013 8000"),
        (" (020) 7946-0001 ", "(020) 7946-0001"),
        ("12345", None),
        ("+1 234 567 890 123 456 7", None),
        ("phone: 020 7946", None),
        ("", None),
    ],
)
def test_clean_phone(raw: str, clean: str | None) -> None:
    assert rules.clean_phone(raw) == clean


def test_clean_address() -> None:
    assert rules.clean_address(" 1 Main St \r\n\n Springfield ") == "1 Main St\nSpringfield"
    assert rules.clean_address("....") is None
    assert rules.clean_address("a" * 2001) is None


def test_context_actor_and_clock() -> None:
    settings = Settings()
    ctx = ToolContext(session=None, settings=settings, conversation_id=7)  # type: ignore[arg-type]
    assert ctx.actor == "agent:conversation:7" and not ctx.verified
    assert ctx.with_customer(3).customer_id == 3 and ctx.with_customer(3).actor == ctx.actor
    local = datetime(2026, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=8)))
    shifted = ToolContext(session=None, settings=settings, now=local)  # type: ignore[arg-type]
    assert shifted.now.tzinfo is not None and shifted.now.utcoffset() == timedelta(0)
    assert shifted.now.date().isoformat() == "2025-12-31"
    naive = ToolContext(session=None, settings=settings, now=datetime(2026, 1, 1))  # type: ignore[arg-type]
    assert naive.now.utcoffset() == timedelta(0)


def test_settings_defaults() -> None:
    settings = Settings()
    assert settings.return_window_days == 30
    assert str(settings.refund_handoff_limit) == "500.00"
    assert settings.cancel_allowed_statuses == ["pending", "paid"]
