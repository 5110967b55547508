"""English entity extraction, including the cases rules usually get wrong."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from maitre.agent.nlu.entities import Catalogue, CatalogueItem, EntityType, extract_entities

WEDNESDAY = date(2024, 5, 8)
CATALOGUE = Catalogue(
    [
        CatalogueItem("ELC-005", "Bluetooth Earbuds", 5),
        CatalogueItem("TEA-001", "Darjeeling First Flush 100 g", 1, ("大吉岭春摘红茶 100克",)),
        CatalogueItem("TEA-004", "Longjing Dragon Well Green Tea 100 g", 4, ("西湖龙井 100克",)),
        CatalogueItem("KIT-001", "Cast Iron Teapot 0.8 L", 7),
        CatalogueItem("KIT-002", "Glass Teapot with Infuser 1 L", 8),
        CatalogueItem("MUG-1", "Mug", 9),
    ]
)


def ents(text: str, **kwargs: Any) -> list[tuple[str, str, Any]]:
    found = extract_entities(text, today=WEDNESDAY, catalogue=CATALOGUE, **kwargs)
    for e in found:
        assert text[e.start : e.end] == e.text  # spans always point into the text
    return [(e.type.value, e.text, e.value) for e in found]


def values(text: str, kind: EntityType) -> list[Any]:
    return [v for t, _, v in ents(text) if t == kind.value]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Where is my order #1043?", "1043"),
        ("actually it's order 1043", "1043"),
        ("order number: A-10432 hasn't arrived", "A-10432"),
        ("I'm asking about MT-000123", "MT-000123"),
        ("my order no. 88231 is late", "88231"),
    ],
)
def test_order_numbers(text: str, expected: str) -> None:
    assert values(text, EntityType.ORDER_NUMBER) == [expected]


def test_bare_numbers_are_order_numbers_only_when_asked_for() -> None:
    assert values("1043", EntityType.ORDER_NUMBER) == []
    found = extract_entities("1043", expected=["order_number"])
    assert [(e.value, e.source.value) for e in found] == [("1043", "context")]


def test_email_is_lower_cased_and_does_not_leak_into_phone() -> None:
    found = ents("mail John.Doe+shop@Example.co.uk or call +44 20 7946 0958")
    assert ("email", "John.Doe+shop@Example.co.uk", "john.doe+shop@example.co.uk") in found
    assert ("phone", "+44 20 7946 0958", "+442079460958") in found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call me at (555) 123-4567", "+15551234567"),
        ("my number is +1 555-123-4567", "+15551234567"),
        ("phone: 5551234567", "5551234567"),
    ],
)
def test_phones(text: str, expected: str) -> None:
    assert values(text, EntityType.PHONE) == [expected]


def test_dates_and_order_numbers_are_not_phones() -> None:
    assert values("order 5551234567 placed 2024-05-03", EntityType.PHONE) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I ordered it last Tuesday", "2024-05-07"),
        ("it came on Monday", "2024-05-06"),
        ("yesterday", "2024-05-07"),
        ("the day before yesterday", "2024-05-06"),
        ("can it arrive next Friday", "2024-05-10"),
        ("3 days ago", "2024-05-05"),
        ("a week ago", "2024-05-01"),
        ("in 2 weeks", "2024-05-22"),
        ("placed on May 3rd", "2024-05-03"),
        ("on 3 May 2023", "2023-05-03"),
        ("on 2024-04-30", "2024-04-30"),
        ("on 12/25/2023", "2023-12-25"),
        ("on 25/12/2023", "2023-12-25"),
    ],
)
def test_dates(text: str, expected: str) -> None:
    assert [v["date"] for v in values(text, EntityType.DATE)] == [expected]


def test_last_weekday_on_that_weekday_is_a_week_back() -> None:
    assert [v["date"] for v in values("last Wednesday", EntityType.DATE)] == ["2024-05-01"]


def test_periods_have_a_start_and_an_end() -> None:
    (week,) = values("I ordered last week", EntityType.DATE)
    assert week == {"date": "2024-04-29", "end": "2024-05-05", "grain": "week"}
    (month,) = values("this month", EntityType.DATE)
    assert month == {"date": "2024-05-01", "end": "2024-05-31", "grain": "month"}


def test_impossible_dates_are_ignored() -> None:
    assert values("on 2024-02-30", EntityType.DATE) == []
    assert values("May I ask something", EntityType.DATE) == []


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("refund me $25.50", 25.5, "USD"),
        ("it cost 1,299.99 dollars", 1299.99, "USD"),
        ("I paid 19.99 EUR", 19.99, "EUR"),
        ("£12 shipping", 12.0, "GBP"),
    ],
)
def test_money(text: str, amount: float, currency: str) -> None:
    assert values(text, EntityType.MONEY) == [{"amount": amount, "currency": currency}]


def test_quantities_skip_time_spans_and_articles() -> None:
    assert values("I want 2 pairs of the earbuds", EntityType.QUANTITY) == [
        {"amount": 2, "unit": "pairs"}
    ]
    assert values("three mugs please", EntityType.QUANTITY) == [{"amount": 3, "unit": None}]
    assert values("it took 3 days", EntityType.QUANTITY) == []
    assert values("I want a refund", EntityType.QUANTITY) == []
    assert values("qty: 4", EntityType.QUANTITY) == [{"amount": 4, "unit": None}]


def test_products_exact_fuzzy_partial_and_by_sku() -> None:
    assert [v["sku"] for v in values("do you have bluetooth earbud", EntityType.PRODUCT)] == [
        "ELC-005"
    ]
    assert [v["matched"] for v in values("is the darjeeling in stock", EntityType.PRODUCT)] == [
        "partial"
    ]
    assert [v["sku"] for v in values("price of TEA-004?", EntityType.PRODUCT)] == ["TEA-004"]
    # Two teapots: "teapot" alone is ambiguous and is not guessed.
    assert values("my teapot broke", EntityType.PRODUCT) == []
    # A short name must match exactly: "mud" is not "Mug".
    assert values("mud on the box", EntityType.PRODUCT) == []


def test_unknown_sku_after_keyword_is_still_reported() -> None:
    assert values("SKU ZZ-999 is missing", EntityType.SKU) == ["ZZ-999"]


def test_addresses() -> None:
    (addr,) = values("send it to 42 Elm Drive, Springfield, IL 62704 please", EntityType.ADDRESS)
    assert addr["street"] == "42 Elm Drive"
    assert addr["city"] == "Springfield" and addr["region"] == "IL"
    assert addr["postcode"] == "62704"
    (uk,) = values("ship to 221B Baker Street, London NW1 6XE", EntityType.ADDRESS)
    assert uk["postcode"] == "NW1 6XE"
    assert values("I bought 2 pairs by the way", EntityType.ADDRESS) == []


def test_everything_in_one_sentence_without_overlaps() -> None:
    found = ents(
        "Hi, order #1043 (2 mugs, $18.50) placed last Tuesday should go to 12 Main St, "
        "email me at a@b.io"
    )
    kinds = [k for k, _, _ in found]
    assert kinds == ["order_number", "quantity", "money", "date", "address", "email"]
