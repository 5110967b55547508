"""Account tools: update own details through the customers service; the personalisation profile."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from maitre.agent import tools
from maitre.analytics.models import CustomerScore
from maitre.config import Settings
from maitre.timeline import service as timeline
from tests.factories.agent import make_shop, tool_context
from tests.factories.customers import make_customer


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("email", " Alice.New@Example.COM ", "alice.new@example.com"),
        ("phone", "+33  1 23 45 67 89", "+33 1 23 45 67 89"),
        ("name", "  Alice   Dupont ", "Alice Dupont"),
        ("language", "ZH", "zh"),
        ("address", "9 Rue de Rivoli, Paris", "9 Rue de Rivoli, Paris"),
    ],
)
def test_update_account_field(
    session: Session, settings: Settings, field: str, value: str, stored: str
) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=shop.alice, conversation_id=None)
    result = tools.update_account(ctx, field, value)
    assert result.ok and result.outcome == tools.AccountOutcome.UPDATED
    assert result.facts == {"field": field, "value": stored}
    session.refresh(shop.alice)
    assert getattr(shop.alice, field) == stored
    events = timeline.list_for_customer(session=session, customer_id=shop.alice.id)
    assert events[0].kind == "customer.updated" and events[0].actor == "agent:conversation:none"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("phone", "call me maybe"),
        ("phone", "12"),
        ("name", "   "),
        ("language", "klingon!"),
        ("address", ""),
    ],
)
def test_update_account_rejects_bad_values(
    session: Session, settings: Settings, field: str, value: str
) -> None:
    shop = make_shop(session)
    before = getattr(shop.alice, field)
    ctx = tool_context(session, settings, customer=shop.alice)
    result = tools.update_account(ctx, field, value)
    assert result.outcome == "invalid_value" and not result.ok
    session.refresh(shop.alice)
    assert getattr(shop.alice, field) == before


def test_update_account_refuses_other_fields(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=shop.alice)
    for field in ("tags", "id", "customer_id", "marketing_consent"):
        assert tools.update_account(ctx, field, "x").outcome == "invalid_field"


def test_email_of_another_customer_is_rejected_without_naming_them(
    session: Session, settings: Settings
) -> None:
    shop = make_shop(session)
    assert shop.bob.email is not None
    ctx = tool_context(session, settings, customer=shop.alice)
    result = tools.update_account(ctx, "email", shop.bob.email)
    assert result.outcome == "rejected" and result.facts == {"field": "email"}
    session.refresh(shop.alice)
    assert shop.alice.email != shop.bob.email
    assert tools.update_account(ctx, "phone", "+33 1 23 45 67 89").outcome == "updated"


def test_same_value_is_unchanged(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=shop.alice)
    assert tools.update_account(ctx, "language", "en").outcome == "unchanged"


def test_profile_for_personalisation(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=shop.alice)
    result = tools.customer_profile(ctx)
    assert result.ok and result.outcome == tools.ProfileOutcome.FOUND
    assert result.facts == {
        "name": "Alice Martin",
        "first_name": "Alice",
        "language": "en",
        "vip": True,
        "segment": None,
        "last_order_number": shop.orders["paid"].number,
        "last_order_date": shop.orders["paid"].placed_at.date().isoformat(),
        "last_order_status": "paid",
    }
    bob = tools.customer_profile(tool_context(session, settings, customer=shop.bob))
    assert bob.facts["vip"] is False and bob.facts["language"] == "zh"
    newcomer = make_customer(session, tags=["VIP "])
    fresh = tools.customer_profile(tool_context(session, settings, customer=newcomer))
    assert fresh.facts["vip"] is True and fresh.facts["last_order_number"] is None


def test_profile_of_an_erased_customer_needs_verification(
    session: Session, settings: Settings
) -> None:
    ctx = tool_context(session, settings, customer=None).with_customer(2_000_000)
    assert tools.customer_profile(ctx).outcome == "needs_verification"
    assert tools.update_account(ctx, "name", "X").outcome == "needs_verification"


def test_top_rfm_segment_counts_as_vip(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=shop.bob)
    assert tools.customer_profile(ctx).facts["vip"] is False
    session.add(CustomerScore(customer_id=shop.bob.id, rfm_segment="champions"))
    session.flush()
    facts = tools.customer_profile(ctx).facts
    assert facts["vip"] is True and facts["segment"] == "champions"
