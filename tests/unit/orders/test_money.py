"""Money fields: decimal strings out, numbers or numeric strings in, cents only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from maitre.common.money import Money, MoneyIn


class _In(BaseModel):
    amount: MoneyIn


class _Out(BaseModel):
    amount: Money


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(12.5, "12.50"), ("7", "7.00"), ("19.900", "19.90"), (0, "0.00"), ("1e2", "100.00")],
)
def test_input_is_quantized_to_cents(raw: object, expected: str) -> None:
    assert _In(amount=raw).amount == Decimal(expected)
    assert str(_In(amount=raw).amount) == expected


@pytest.mark.parametrize("raw", ["-0.01", "1.999", "NaN", "Infinity", "abc", True, "1e20"])
def test_bad_amounts_are_refused(raw: object) -> None:
    with pytest.raises(ValidationError):
        _In(amount=raw)


def test_output_is_a_two_place_string_in_json_and_a_decimal_in_python() -> None:
    out = _Out(amount=Decimal("3.5"))
    assert out.model_dump(mode="json") == {"amount": "3.50"}
    assert out.model_dump() == {"amount": Decimal("3.5")}
