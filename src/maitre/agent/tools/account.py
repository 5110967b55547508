"""Account tools: update the customer's own details; the profile used to personalise replies."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from maitre.agent.tools import rules
from maitre.agent.tools.context import (
    ToolContext,
    ToolResult,
    iso_day,
    plain,
    refusal,
    success,
)
from maitre.agent.tools.scope import current_customer
from maitre.analytics import scores
from maitre.customers import service as customers
from maitre.customers.models import Customer
from maitre.customers.schemas import CustomerUpdate
from maitre.errors import Conflict
from maitre.ml.segments import RFMSegment
from maitre.orders import service as orders

VIP_TAGS = frozenset({"vip"})
VIP_SEGMENTS = frozenset({RFMSegment.CHAMPIONS.value})
NAME_MAX = 200
VALUE_MAX = 2000


class AccountField(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    NAME = "name"
    LANGUAGE = "language"
    ADDRESS = "address"


class AccountOutcome(StrEnum):
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    INVALID_FIELD = "invalid_field"
    INVALID_VALUE = "invalid_value"
    REJECTED = "rejected"  # e.g. the email is taken; said without naming who has it
    NEEDS_VERIFICATION = "needs_verification"


class ProfileOutcome(StrEnum):
    FOUND = "found"
    NEEDS_VERIFICATION = "needs_verification"


def _clean(field: AccountField, value: str) -> str | None:
    if field == AccountField.PHONE:
        return rules.clean_phone(value)
    if field == AccountField.ADDRESS:
        return rules.clean_address(value)
    if field == AccountField.EMAIL:
        return value.strip().lower() or None
    if field == AccountField.LANGUAGE:
        return value.strip().lower() or None
    name = " ".join(value.split())
    return name if 0 < len(name) <= NAME_MAX else None


def update_account(ctx: ToolContext, field: AccountField | str, value: str) -> ToolResult:
    """Change one of the customer's own details, validated by the customers schema."""
    customer = current_customer(ctx)
    if customer is None:
        return refusal(AccountOutcome.NEEDS_VERIFICATION)
    try:
        name = AccountField(field)
    except ValueError:
        return refusal(AccountOutcome.INVALID_FIELD, {"field": str(field)[:40]})
    clean = _clean(name, plain(value, VALUE_MAX))
    if clean is None:
        return refusal(AccountOutcome.INVALID_VALUE, {"field": str(name)})
    try:
        data = CustomerUpdate.model_validate({str(name): clean})
    except ValidationError:
        return refusal(AccountOutcome.INVALID_VALUE, {"field": str(name)})
    facts: dict[str, Any] = {"field": str(name), "value": getattr(data, str(name))}
    if getattr(customer, str(name)) == facts["value"]:
        return success(AccountOutcome.UNCHANGED, facts)
    if name == AccountField.EMAIL:
        holder = customers.get_by_email(session=ctx.session, email=str(facts["value"]))
        if holder is not None and holder.id != customer.id:
            return refusal(AccountOutcome.REJECTED, {"field": str(name)})
    try:
        customers.update(session=ctx.session, customer_id=customer.id, data=data, actor=ctx.actor)
    except Conflict:  # a concurrent writer took the email; the turn's transaction is spoilt
        return refusal(AccountOutcome.REJECTED, {"field": str(name)})
    facts["value"] = getattr(customer, str(name))
    return success(AccountOutcome.UPDATED, facts, {"customer_id": customer.id})


def is_vip(customer: Customer, segment: str | None = None) -> bool:
    """Tell whether the customer is a VIP: a ``vip`` tag, or a top RFM segment."""
    tagged = any(str(tag).strip().lower() in VIP_TAGS for tag in customer.tags or [])
    return tagged or segment in VIP_SEGMENTS


def customer_profile(ctx: ToolContext) -> ToolResult:
    """Return what replies may use to personalise: name, language, VIP, last order.

    The RFM segment comes from the stored scores (``maitre analytics refresh``), None before.
    """
    customer = current_customer(ctx)
    if customer is None:
        return refusal(ProfileOutcome.NEEDS_VERIFICATION)
    last = orders.latest_for_customer(session=ctx.session, customer_id=customer.id)
    score = scores.get(session=ctx.session, customer_id=customer.id)
    segment = score.rfm_segment if score is not None else None
    name = customer.name.strip()
    facts = {
        "name": name,
        "first_name": name.split()[0] if name else "",
        "language": customer.language,
        "vip": is_vip(customer, segment),
        "segment": segment,
        "last_order_number": last.number if last is not None else None,
        "last_order_date": iso_day(last.placed_at) if last is not None else None,
        "last_order_status": str(last.status) if last is not None else None,
    }
    return success(ProfileOutcome.FOUND, facts, {"customer_id": customer.id})
