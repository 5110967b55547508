"""What every CRM tool receives (``ToolContext``) and returns (``ToolResult``).

A tool acts with the conversation's permissions only: ``customer_id`` is the verified customer
(or None), and every read or change of customer data is scoped to that customer. A record that
belongs to someone else behaves exactly like one that does not exist. Tools flush, never commit:
the agent turn owns the transaction.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.orm import Session

from maitre.common.money import quantize
from maitre.config import Settings


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Recommender(Protocol):
    """A personalised recommender: product ids for a customer, best first (may be empty)."""

    def __call__(
        self, *, session: Session, customer_id: int, category: str | None, limit: int
    ) -> list[int]: ...


@dataclass(frozen=True)
class ToolContext:
    """The session, settings and identity a tool runs with; ``now`` is injectable for tests."""

    session: Session
    settings: Settings
    customer_id: int | None = None
    conversation_id: int | None = None
    now: datetime = field(default_factory=_utcnow)
    actor: str = ""
    recommender: Recommender | None = None

    def __post_init__(self) -> None:
        now = self.now.replace(tzinfo=UTC) if self.now.tzinfo is None else self.now
        object.__setattr__(self, "now", now.astimezone(UTC))
        if not self.actor:
            ref = self.conversation_id if self.conversation_id is not None else "none"
            object.__setattr__(self, "actor", f"agent:conversation:{ref}")

    @property
    def verified(self) -> bool:
        """Tell whether the conversation's customer is known."""
        return self.customer_id is not None

    def with_customer(self, customer_id: int | None) -> ToolContext:
        """Return a copy acting for ``customer_id`` (after the visitor verified)."""
        return replace(self, customer_id=customer_id)


@dataclass
class ToolResult:
    """A tool's answer: ``outcome`` (one of the tool's StrEnum codes) and the ``facts`` the
    reply may state; ``facts`` are JSON-ready and are the only values a reply may contain."""

    ok: bool
    outcome: str
    facts: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready data (for the conversation log)."""
        out: dict[str, Any] = {"ok": self.ok, "outcome": str(self.outcome), "facts": self.facts}
        if self.data is not None:
            out["data"] = self.data
        return out


def success(
    outcome: StrEnum, facts: dict[str, Any] | None = None, data: dict[str, Any] | None = None
) -> ToolResult:
    """Return a successful result."""
    return ToolResult(ok=True, outcome=outcome, facts=facts or {}, data=data)


def refusal(
    outcome: StrEnum, facts: dict[str, Any] | None = None, data: dict[str, Any] | None = None
) -> ToolResult:
    """Return a result for a request the tool declined or could not do."""
    return ToolResult(ok=False, outcome=outcome, facts=facts or {}, data=data)


def money(amount: Decimal, currency: str) -> str:
    """Format an amount for a reply: ``129.00 USD``."""
    return f"{quantize(amount):f} {currency}"


def iso_day(value: datetime | date | None) -> str | None:
    """Return the UTC calendar day of ``value`` as ``YYYY-MM-DD`` (None stays None)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.date().isoformat()
    return value.isoformat()


def plain(value: object, limit: int) -> str:
    """Return ``value`` as text without control characters (newlines and tabs kept), stripped
    and cut to ``limit``; anything but a string becomes empty (no database stores a NUL)."""
    if not isinstance(value, str):
        return ""
    kept = (
        ch
        for ch in value[: limit * 4]
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    )
    return "".join(kept).strip()[:limit]
