"""What an extracted entity looks like, and how overlapping candidates are resolved."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class EntityType(StrEnum):
    """Entity kinds the extractors produce (stored in review items and conversation logs)."""

    ORDER_NUMBER = "order_number"
    EMAIL = "email"
    PHONE = "phone"
    DATE = "date"
    MONEY = "money"
    PRODUCT = "product"
    SKU = "sku"
    QUANTITY = "quantity"
    ADDRESS = "address"


class Source(StrEnum):
    """How an entity was found."""

    REGEX = "regex"
    RULES = "rules"
    CATALOGUE = "catalogue"
    CONTEXT = "context"


# Higher wins when two candidates overlap and neither is longer: an email's digits are not a
# phone number, an order number is not a quantity.
PRIORITY: dict[EntityType, int] = {
    EntityType.EMAIL: 90,
    EntityType.ORDER_NUMBER: 80,
    EntityType.SKU: 75,
    EntityType.PRODUCT: 70,
    EntityType.ADDRESS: 65,
    EntityType.MONEY: 60,
    EntityType.DATE: 55,
    EntityType.PHONE: 50,
    EntityType.QUANTITY: 40,
}


@dataclass(frozen=True)
class Entity:
    """One entity: its type, the text and character span it covers, its normalised value."""

    type: EntityType
    text: str
    start: int
    end: int
    value: Any
    source: Source
    confidence: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        """Return the entity as JSON-ready data."""
        data = asdict(self)
        data["type"] = self.type.value
        data["source"] = self.source.value
        return data


def make(
    kind: EntityType,
    text: str,
    start: int,
    end: int,
    value: Any,
    source: Source,
    confidence: float = 1.0,
) -> Entity:
    """Build an entity for ``text[start:end]`` with surrounding whitespace trimmed."""
    span = text[start:end]
    left = len(span) - len(span.lstrip())
    right = len(span.rstrip())
    return Entity(kind, span.strip(), start + left, start + right, value, source, confidence)


def resolve_overlaps(candidates: list[Entity]) -> list[Entity]:
    """Keep a non-overlapping subset: confident, then high-priority, then long candidates first."""
    ranked = sorted(
        candidates,
        key=lambda e: (-e.confidence, -PRIORITY[e.type], -(e.end - e.start), e.start),
    )
    kept: list[Entity] = []
    for cand in ranked:
        if cand.end <= cand.start:
            continue
        if all(cand.end <= k.start or cand.start >= k.end for k in kept):
            kept.append(cand)
    return sorted(kept, key=lambda e: e.start)
