"""Entity extraction for English and Chinese: every extractor proposes, overlaps are resolved.

Exact things (emails, order numbers, phones, money, dates, quantities, addresses) come from rules;
products and SKUs from the catalogue the caller passes in. Each entity carries its character span
in the text as given, a normalised value and its source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from maitre.agent.nlu.entities.addresses import addresses
from maitre.agent.nlu.entities.base import Entity, EntityType, Source, make, resolve_overlaps
from maitre.agent.nlu.entities.catalogue import Catalogue, CatalogueItem
from maitre.agent.nlu.entities.dates import dates
from maitre.agent.nlu.entities.patterns import (
    emails,
    money,
    order_numbers,
    phones,
    quantities,
    skus,
)

__all__ = [
    "Catalogue",
    "CatalogueItem",
    "Entity",
    "EntityType",
    "Source",
    "extract_entities",
]

MAX_CHARS = 4_000
_BARE_ID = re.compile(
    r"^\s*#?\s*(?P<id>[A-Za-z]{0,6}-?\d[A-Za-z0-9-]{2,23})\s*[.!。！]?\s*$", re.ASCII
)


def _expected(text: str, expected: set[EntityType]) -> list[Entity]:
    """A reply that is only an identifier, to a question that asked for one ("1043")."""
    m = _BARE_ID.match(text)
    if not m or EntityType.ORDER_NUMBER not in expected:
        return []
    ident = m.group("id").upper()
    return [
        make(EntityType.ORDER_NUMBER, text, m.start("id"), m.end("id"), ident, Source.CONTEXT, 0.99)
    ]


def extract_entities(
    text: str,
    *,
    today: date | None = None,
    catalogue: Catalogue | None = None,
    expected: Iterable[EntityType | str] = (),
) -> list[Entity]:
    """Return the entities in ``text``, left to right, without overlaps.

    ``today`` anchors relative dates (default: the current date); ``expected`` names entity types
    the conversation just asked for, so a bare "1043" can be read as an order number.
    """
    text = text[:MAX_CHARS]
    today = today or date.today()
    candidates: list[Entity] = []
    candidates.extend(emails(text))
    candidates.extend(order_numbers(text))
    candidates.extend(skus(text))
    candidates.extend(phones(text))
    candidates.extend(money(text))
    candidates.extend(dates(text, today))
    candidates.extend(quantities(text))
    candidates.extend(addresses(text))
    if catalogue is not None and len(catalogue):
        for entity in catalogue.match(text):
            candidates.append(entity)
        candidates = [_known_sku(e, catalogue) for e in candidates]
    wanted = {EntityType(e) for e in expected}
    if wanted:
        candidates.extend(_expected(text, wanted))
    return resolve_overlaps(candidates)


def _known_sku(entity: Entity, catalogue: Catalogue) -> Entity:
    """A SKU named by keyword that the catalogue knows becomes that product."""
    if entity.type is not EntityType.SKU:
        return entity
    item = catalogue.by_sku(str(entity.value))
    if item is None:
        return entity
    value = {"sku": item.sku, "name": item.name, "id": item.id, "matched": "sku"}
    return Entity(
        EntityType.PRODUCT, entity.text, entity.start, entity.end, value, Source.CATALOGUE
    )
