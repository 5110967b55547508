"""Postal addresses: English street addresses and Chinese 省/市/区/路/号 addresses.

Rules, not a learned tagger: an address is anchored on what every address has (a house number
and a street type; a road or a district with a number) and extended over the parts that follow
(unit, city, state, postcode). The value keeps the text and the parts that were recognised.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from maitre.agent.nlu.entities.base import Entity, EntityType, Source, make

# Suffixes that are also everyday words ("by the way") need a capitalised street name.
_STREET_PLAIN = (
    r"(?i:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|parkway|pkwy|highway|hwy|alley)"
)
_STREET_PROPER = (
    r"(?:Way|Place|Pl|Court|Ct|Drive|Dr|Close|Row|Circle|Cir|Trail|Terrace|Square|Sq|Crescent)"
)
_WORD = (
    r"(?!(?i:the|a|an|of|on|at|and|or|for|by|in|to|my|your|with|from|is|was)\b)"
    r"[A-Za-z0-9][A-Za-z0-9.'-]*"
)
EN_ADDRESS = re.compile(
    r"\b(?P<number>\d{1,6}[A-Za-z]?)\s+(?P<street>(?:" + _WORD + r"\s+){0,4}" + _STREET_PLAIN
    + r"|(?:[A-Z][A-Za-z0-9.'-]*\s+){1,4}" + _STREET_PROPER + r")\b\.?"
    r"(?:\s+(?:N|S|E|W|NE|NW|SE|SW)\b)?"
    r"(?P<unit>,?\s*(?i:apt|apartment|suite|ste|unit|flat|floor|#)\.?\s*[A-Za-z0-9-]+)?"
    r"(?P<city>(?:,\s*[A-Z][A-Za-z.'-]*\b(?:\s+[A-Z][A-Za-z.'-]*\b){0,3}){0,2})"
    r"(?P<postcode>,?\s+(?:\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}))?",
    re.ASCII,
)  # fmt: skip
# Characters that end a phrase rather than belong to a place name ("寄到北京市…", "地址是…").
_ZH_NAME = r"(?:(?![的是我你到在把请要改成为址给送寄换了吗呢吧和或从往])[\u4e00-\u9fff]){1,8}"
_ZH_NUM = r"[0-9一二三四五六七八九十百零〇]+"
ZH_ADDRESS = re.compile(
    r"(?P<province>" + _ZH_NAME + r"(?:省|自治区|特别行政区))?"
    r"(?P<city>" + _ZH_NAME + r"市)?"
    r"(?P<district>" + _ZH_NAME + r"(?:区|县|旗|镇|乡))?"
    r"(?P<road>" + _ZH_NAME + r"(?:路|街|大道|大街|道|巷|弄|胡同|里))"
    r"(?P<number>" + _ZH_NUM + r"(?:号|號)(?:院)?)?"
    r"(?P<rest>(?:(?:"
    + _ZH_NUM
    + r"|[A-Za-z0-9-]+|[\u4e00-\u9fff]{1,6}?)(?:号楼|栋|幢|座|单元|楼|层|室|号|號))*)"
)


def _en_value(m: re.Match[str]) -> dict[str, Any]:
    parts: dict[str, Any] = {"text": re.sub(r"\s+", " ", m.group(0).strip(" ,."))}
    parts["street"] = f"{m['number']} {m['street']}".strip()
    if m["unit"]:
        parts["unit"] = m["unit"].strip(" ,")
    cities = [c.strip() for c in (m["city"] or "").split(",") if c.strip()]
    if cities:
        parts["city"] = cities[0]
    if len(cities) > 1:
        parts["region"] = cities[1]
    if m["postcode"]:
        parts["postcode"] = m["postcode"].strip(" ,")
    return parts


def addresses(text: str) -> Iterator[Entity]:
    """Yield addresses with their recognised parts."""
    for m in EN_ADDRESS.finditer(text):
        yield make(EntityType.ADDRESS, text, m.start(), m.end(), _en_value(m), Source.RULES, 0.9)
    for m in ZH_ADDRESS.finditer(text):
        has_area = any(m[k] for k in ("province", "city", "district"))
        if not (has_area or m["number"]):
            continue  # "马路" alone, or "这条街", is not an address
        value: dict[str, Any] = {"text": m.group(0)}
        for key in ("province", "city", "district", "road", "number"):
            if m[key]:
                value[key] = m[key]
        if m["rest"]:
            value["unit"] = m["rest"]
        yield make(EntityType.ADDRESS, text, m.start(), m.end(), value, Source.RULES, 0.9)
