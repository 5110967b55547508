"""Verify an anonymous visitor: an email and an order number that belong to the same customer."""

from __future__ import annotations

from enum import StrEnum

from maitre.agent.tools.context import ToolContext, ToolResult, plain, refusal, success
from maitre.customers import service as customers
from maitre.orders import service as orders

EMAIL_MAX = 320
NUMBER_MAX = 40
_NOBODY = -1  # a customer id no row has, so a failed email lookup still runs the order lookup


class VerifyOutcome(StrEnum):
    VERIFIED = "verified"
    NOT_VERIFIED = "not_verified"


def verify_identity(ctx: ToolContext, email: str, order_number: str) -> ToolResult:
    """Return the customer whose email and order number both match, else ``not_verified``.

    Failure has one shape whatever was wrong (unknown email, unknown order, an order of
    someone else), so a caller learns nothing about which part exists. Counting attempts is
    the caller's job. ``ctx.customer_id`` is ignored: verification names the customer.
    """
    email, number = plain(email, EMAIL_MAX), plain(order_number, NUMBER_MAX)
    customer = customers.get_by_email(session=ctx.session, email=email) if email else None
    order = orders.get_by_number_for_customer(
        session=ctx.session,
        customer_id=customer.id if customer is not None else _NOBODY,
        number=number,
    )
    if customer is None or order is None:
        return refusal(VerifyOutcome.NOT_VERIFIED)
    facts = {"customer_id": customer.id, "name": customer.name, "language": customer.language}
    return success(VerifyOutcome.VERIFIED, facts, {"customer_id": customer.id})
