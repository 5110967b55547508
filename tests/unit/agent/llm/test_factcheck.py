"""Which facts the output checker sees in a text."""

from __future__ import annotations

from decimal import Decimal

from maitre.agent.llm.factcheck import dropped, extract, unsupported


def test_extracts_each_kind_once() -> None:
    claims = extract(
        "Order MT-000123 of $1,234.56 shipped 2024-05-03 (Friday); track at "
        "https://track.example.com/x?id=9 or call +1 415-555-0132. Arrives tomorrow."
    )
    assert claims.orders == {"MT-000123"}
    assert claims.numbers == {Decimal("1234.56")}  # the date, phone and URL digits are not numbers
    assert claims.dates == {(2024, 5, 3)}
    assert claims.urls == {"https://track.example.com/x?id=9"}
    assert claims.phones == {"14155550132"}
    assert claims.currencies == {"USD"}
    assert claims.weekdays == {4}
    assert claims.relative == {"tomorrow"}


def test_chinese_dates_numbers_and_number_words() -> None:
    claims = extract(
        "订单MT-000456（¥299.00）于2024年5月3日发货，三十天内可退，十分抱歉，一个包裹。"
    )
    assert claims.dates == {(2024, 5, 3)}
    assert claims.numbers == {Decimal("299"), Decimal("30")}  # 十分 (very) and 一个 are not counted
    assert claims.currencies == {"CNY"}


def test_english_dates_and_number_words() -> None:
    claims = extract(
        "Return within thirty days, by May 3rd or 3 May 2024; two hundred and fifty max."
    )
    assert claims.dates == {(None, 5, 3), (2024, 5, 3)}
    assert claims.numbers == {Decimal("30"), Decimal("250")}


def test_single_digits_are_not_checked() -> None:
    assert extract("Step 1 of 3, item 2").numbers == set()


def test_reformatted_values_are_supported() -> None:
    source = extract("Total 1234.50 EUR on 2024-05-03, call 0755-86013388")
    output = extract("Total €1,234.5 on May 3, 2024 (3 May), call +86 755 8601 3388")
    assert unsupported(output, source) == []
    assert dropped(source, output) == []


def test_year_not_in_source_is_unsupported() -> None:
    assert unsupported(extract("May 3, 2025"), extract("May 3")) == ["date (2025, 5, 3)"]


def test_dropped_lists_what_was_lost() -> None:
    assert dropped(extract("MT-000123 costs 99.00"), extract("Your order costs 99")) == [
        "order MT-000123"
    ]


def test_times_are_compared_on_the_clock() -> None:
    source = extract("We answer Monday to Friday, 9:00-17:00.")
    assert source.times == {540, 1020}
    assert source.numbers == set()
    assert unsupported(extract("Call us 9am to 5pm, Monday to Friday."), source) == []
    assert dropped(source, extract("Call us 9am to 5pm.")) == []
    assert unsupported(extract("Call us 8am to 5pm."), source) == ["time 8:00"]
    assert extract("工作时间上午9点到下午5点半").times == {540, 1050}
