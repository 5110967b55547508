"""The scenario format: scripted customer conversations and what must hold after each of them.

A scenario names the kind of customer it needs (``customer``, resolved against the CRM when it
runs), how the customer is identified (``identity``), the customer's turns (text templates such as
``"where is {order.number}?"`` filled from the selected customer's real records) and expectations
per turn and at the end. Global invariants (no invented facts, no other customer's data) are
checked on every reply by the runner and need not be declared.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PLACEHOLDER = re.compile(r"\{([a-z_]+)\.([a-z_]+)\}")

# Placeholders a template may use: ``{binding.field}``.
FIELDS: dict[str, frozenset[str]] = {
    "customer": frozenset({"name", "first_name", "email", "phone", "address", "email_upper"}),
    "order": frozenset(
        {
            "number",
            "number_lower",
            "short",
            "digits",
            "tracking_number",
            "total",
            "status",
            "carrier",
        }
    ),
    "second_order": frozenset({"number", "short", "digits"}),
    "other_customer": frozenset({"name", "email", "phone", "address"}),
    "other_order": frozenset({"number", "short", "digits", "tracking_number"}),
    "product": frozenset({"name", "name_zh", "short_name", "category", "price"}),
    "missing_order": frozenset({"number", "short"}),
    "new": frozenset({"address", "address_zh", "phone", "email"}),
}
ORDER_STATUSES = (
    "pending",
    "paid",
    "shipped",
    "delivered",
    "cancelled",
    "return_requested",
    "returned",
)
OrderStatusName = Literal[
    "pending", "paid", "shipped", "delivered", "cancelled", "return_requested", "returned"
]


class Identity(StrEnum):
    """How the conversation knows who the customer is."""

    TRUSTED = "trusted"  # a staff back end names customer_id when creating the conversation
    ANONYMOUS = "anonymous"  # a visitor who must verify with email + order number


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CustomerSelector(_Strict):
    """Which customer (and order, product) a scenario needs; matched against the CRM at run time."""

    language: Literal["en", "zh"] | None = None
    has_order_status: OrderStatusName | None = None
    latest_order_status: OrderStatusName | None = None
    delivered_within_days: int | None = Field(default=None, ge=0, le=3650)
    delivered_before_days: int | None = Field(default=None, ge=0, le=3650)
    has_tracking: bool | None = None
    order_total_above: float | None = Field(default=None, ge=0)
    order_total_below: float | None = Field(default=None, ge=0)
    min_orders: int = Field(default=1, ge=0, le=1000)
    vip: bool | None = None
    has_phone: bool | None = None


class ProductSelector(_Strict):
    """Which product a scenario talks about."""

    in_stock: bool | None = None
    category: str | None = None


class OrderExpect(_Strict):
    """What the selected order must look like after the conversation."""

    status: OrderStatusName | None = None
    status_unchanged: bool = False
    address_contains: str | None = None
    address_unchanged: bool = False


class TicketExpect(_Strict):
    """A ticket the conversation must (or must not) have opened for the customer."""

    exists: bool = True
    for_order: bool = False
    priority_in: list[Literal["low", "normal", "high", "urgent"]] | None = None


class CustomerExpect(_Strict):
    """The customer's record after the conversation (account updates)."""

    phone_contains: str | None = None
    email: str | None = None
    unchanged: bool = False


class FinalExpect(_Strict):
    """What must hold once all turns are done."""

    order: OrderExpect | None = None
    other_order_unchanged: bool = False
    ticket: TicketExpect | None = None
    customer: CustomerExpect | None = None
    conversation_status: Literal["bot", "handed_off", "resolved", "abandoned"] | None = None
    verified: bool | None = None
    # At least one reply of the conversation mentions one of these (templates).
    replies_mention_any: list[str] = Field(default_factory=list)


class TurnExpect(_Strict):
    """What one bot reply must (not) say or do; texts are templates, matched case-insensitively."""

    mentions: list[str] = Field(default_factory=list)
    mentions_any: list[str] = Field(default_factory=list)
    not_mentions: list[str] = Field(default_factory=list)
    mentions_status: Literal["order", "other_order"] | None = None
    intent_in: list[str] | None = None
    action_in: list[str] | None = None
    handoff: bool | None = None
    verified: bool | None = None
    language: Literal["en", "zh"] | None = None
    has_sources: bool | None = None
    # The reply names a catalogue product (English or Chinese name), of this category if not "any".
    mentions_product: str | None = None


class Turn(_Strict):
    """One customer message and what the reply to it must satisfy."""

    say: str = Field(min_length=1, max_length=4000)
    expect: TurnExpect = Field(default_factory=TurnExpect)


class Scenario(_Strict):
    """One scripted conversation."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{2,80}$")
    description: str = ""
    language: Literal["en", "zh"]
    tags: list[str] = Field(min_length=1)
    identity: Identity = Identity.TRUSTED
    customer: CustomerSelector | None = None
    product: ProductSelector | None = None
    other_customer: bool = False
    channel: str = "web"
    send_language: bool = True
    turns: list[Turn] = Field(min_length=1, max_length=30)
    expect: FinalExpect = Field(default_factory=FinalExpect)
    # required: the scenario fails without a handoff; allowed: warranted either way;
    # no: a handoff is unwarranted and fails the scenario.
    handoff: Literal["required", "allowed", "no"] = "no"
    csat: int | None = Field(default=None, ge=1, le=5)

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: list[str]) -> list[str]:
        bad = [t for t in tags if not re.fullmatch(r"[a-z][a-z0-9_]*", t)]
        if bad:
            raise ValueError(f"tags must be lower_snake_case words: {bad}")
        return tags

    @model_validator(mode="after")
    def _placeholders(self) -> Scenario:
        needs_customer = {"customer", "order", "second_order"}
        for text in self.templates():
            for binding, attr in PLACEHOLDER.findall(text):
                if binding not in FIELDS or attr not in FIELDS[binding]:
                    raise ValueError(f"unknown placeholder {{{binding}.{attr}}} in {text!r}")
                if binding in needs_customer and self.customer is None:
                    raise ValueError(f"{{{binding}.{attr}}} needs a `customer` selector")
                if binding == "product" and self.product is None:
                    raise ValueError(f"{{{binding}.{attr}}} needs a `product` selector")
                if binding.startswith("other_") and not self.other_customer:
                    raise ValueError(f"{{{binding}.{attr}}} needs `other_customer: true`")
        if self.identity is Identity.TRUSTED and self.customer is None:
            raise ValueError("a trusted identity needs a `customer` selector")
        return self

    def templates(self) -> list[str]:
        """Return every text template in the scenario (turns and expectations)."""
        texts: list[str] = []
        for turn in self.turns:
            texts.append(turn.say)
            texts.extend(turn.expect.mentions + turn.expect.mentions_any)
            texts.extend(turn.expect.not_mentions)
        texts.extend(self.expect.replies_mention_any)
        return texts
