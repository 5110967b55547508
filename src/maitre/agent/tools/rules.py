"""The shop's business rules the agent applies, as pure functions of an order, a time and
the settings: return eligibility, cancellation, refunds a person must handle, delivery estimates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from maitre.config import Settings
from maitre.orders.models import Order
from maitre.orders.status import NOT_YET_SHIPPED, OrderStatus

ADDRESS_MIN, ADDRESS_MAX = 5, 2000
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]+$")
PHONE_DIGITS = (6, 15)  # E.164 allows at most 15 digits


class ReturnCheck(StrEnum):
    ELIGIBLE = "eligible"
    NOT_SHIPPED = "not_shipped"
    NOT_DELIVERED = "not_delivered"
    WINDOW_CLOSED = "not_eligible_window"
    ALREADY_REQUESTED = "already_requested"
    ALREADY_RETURNED = "already_returned"
    CANCELLED = "order_cancelled"
    UNKNOWN_DELIVERY = "unknown_delivery_date"


@dataclass(frozen=True)
class ReturnVerdict:
    """Whether an order may be returned now, and until which day."""

    check: ReturnCheck
    last_day: date | None = None
    days_since_delivery: int | None = None


def return_verdict(order: Order, *, now: datetime, settings: Settings) -> ReturnVerdict:
    """Judge a return request: delivered, and at most ``return_window_days`` calendar days ago."""
    status = OrderStatus(order.status)
    if status == OrderStatus.CANCELLED:
        return ReturnVerdict(ReturnCheck.CANCELLED)
    if status == OrderStatus.RETURN_REQUESTED:
        return ReturnVerdict(ReturnCheck.ALREADY_REQUESTED)
    if status == OrderStatus.RETURNED:
        return ReturnVerdict(ReturnCheck.ALREADY_RETURNED)
    if status in NOT_YET_SHIPPED:
        return ReturnVerdict(ReturnCheck.NOT_SHIPPED)
    if status == OrderStatus.SHIPPED:
        return ReturnVerdict(ReturnCheck.NOT_DELIVERED)
    if order.delivered_at is None:
        return ReturnVerdict(ReturnCheck.UNKNOWN_DELIVERY)
    delivered = order.delivered_at.date()
    last_day = delivered + timedelta(days=settings.return_window_days)
    days = (now.date() - delivered).days
    check = ReturnCheck.ELIGIBLE if now.date() <= last_day else ReturnCheck.WINDOW_CLOSED
    return ReturnVerdict(check, last_day=last_day, days_since_delivery=max(days, 0))


def may_cancel(order: Order, *, settings: Settings) -> bool:
    """Tell whether the agent may cancel ``order`` (not shipped, status allowed by settings)."""
    status = OrderStatus(order.status)
    return status in NOT_YET_SHIPPED and status.value in settings.cancel_allowed_statuses


def refund_needs_person(order: Order, *, settings: Settings) -> bool:
    """Tell whether a refund on ``order`` is above the limit the agent may discuss."""
    return order.total > settings.refund_handoff_limit


def estimated_delivery(order: Order, *, settings: Settings) -> date | None:
    """Return the expected delivery day of a shipped, undelivered order, if computable."""
    if OrderStatus(order.status) != OrderStatus.SHIPPED or order.shipped_at is None:
        return None
    return order.shipped_at.date() + timedelta(days=settings.delivery_estimate_days)


def clean_address(text: str) -> str | None:
    """Return a usable address (whitespace tidied) or None if it is empty or absurd."""
    lines = [" ".join(line.split()) for line in text.replace("\r", "").split("\n")]
    address = "\n".join(line for line in lines if line)
    if not ADDRESS_MIN <= len(address) <= ADDRESS_MAX:
        return None
    if not any(ch.isalnum() for ch in address):
        return None
    return address


def clean_phone(text: str) -> str | None:
    """Return a phone number (spacing tidied) if it has 6 to 15 digits and phone characters."""
    phone = " ".join(text.split())
    if not phone or len(phone) > 40 or not _PHONE_CHARS.match(phone):
        return None
    digits = sum(ch.isdigit() for ch in phone)
    return phone if PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1] else None
