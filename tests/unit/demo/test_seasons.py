"""The demo calendar: sale days and the weight of a day."""

from __future__ import annotations

from datetime import date

import pytest

from maitre.demo.seasons import black_friday, day_weight, is_sale_day


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2023, date(2023, 11, 24)), (2024, date(2024, 11, 29)), (2025, date(2025, 11, 28))],
)
def test_black_friday_follows_thanksgiving(year: int, expected: date) -> None:
    assert black_friday(year) == expected


def test_sale_days_depend_on_language() -> None:
    assert is_sale_day(date(2024, 11, 11), "zh")
    assert not is_sale_day(date(2024, 11, 11), "en")
    assert is_sale_day(date(2024, 12, 2), "en")  # Cyber Monday
    assert not is_sale_day(date(2024, 12, 2), "zh")


def test_december_outweighs_july() -> None:
    assert day_weight(date(2024, 12, 9), "en") > 1.5 * day_weight(date(2024, 7, 8), "en")


def test_chinese_new_year_is_quiet_for_chinese_customers() -> None:
    assert day_weight(date(2024, 2, 10), "zh") < 0.5 * day_weight(date(2024, 2, 10), "en")
