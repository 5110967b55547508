"""Identity verification: email and order number must belong to the same customer."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from maitre.agent import tools
from maitre.config import Settings
from tests.factories.agent import make_shop, tool_context


def test_matching_email_and_order_verify(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=None)
    assert shop.alice.email is not None
    number = shop.orders["shipped"].number
    result = tools.verify_identity(ctx, f"  {shop.alice.email.upper()} ", f"#{number.lower()}")
    assert result.ok and result.outcome == tools.VerifyOutcome.VERIFIED
    assert result.facts == {"customer_id": shop.alice.id, "name": "Alice Martin", "language": "en"}
    verified = ctx.with_customer(result.facts["customer_id"])
    assert tools.order_status(verified, number).outcome == "found"


def test_verify_with_short_number(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=None)
    assert shop.alice.email is not None
    digits = str(int(shop.orders["paid"].number.removeprefix("MT-")))
    assert tools.verify_identity(ctx, shop.alice.email, digits).outcome == "verified"


@pytest.mark.parametrize("case", ["other_order", "unknown_order", "unknown_email", "empty", "junk"])
def test_failures_have_one_shape(session: Session, settings: Settings, case: str) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=None)
    assert shop.alice.email is not None
    email, number = {
        "other_order": (shop.alice.email, shop.bob_orders["delivered"].number),
        "unknown_order": (shop.alice.email, "MT-999999"),
        "unknown_email": ("nobody@example.com", shop.orders["delivered"].number),
        "empty": ("", ""),
        "junk": ("\x00" * 500, "%" * 500),
    }[case]
    result = tools.verify_identity(ctx, email, number)
    assert (result.ok, result.outcome, result.facts, result.data) == (
        False,
        "not_verified",
        {},
        None,
    )
