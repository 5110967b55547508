"""Money as ``Decimal`` with two places: stored as ``Numeric(12, 2)``, sent as a JSON string.

A string (``"19.90"``) survives every JSON parser without float rounding; input accepts a JSON
number or a numeric string (``19.9``, ``"19.90"``) and is rounded to cents only if exact.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, PlainSerializer

CENT = Decimal("0.01")
MONEY_MAX = Decimal("9999999999.99")  # what Numeric(12, 2) holds
MONEY_DESCRIPTION = (
    'Decimal amount, serialised as a JSON string with two decimals (e.g. "19.90") so no '
    "precision is lost; input accepts a JSON number or a numeric string."
)


def quantize(value: Decimal) -> Decimal:
    """Return ``value`` rounded to cents."""
    return value.quantize(CENT)


def _fmt(value: Decimal) -> str:
    return f"{quantize(value):f}"


Money = Annotated[
    Decimal,
    PlainSerializer(_fmt, return_type=str, when_used="json"),
    Field(description=MONEY_DESCRIPTION),
]
"""A money amount on output."""

MoneyIn = Annotated[
    Decimal,
    Field(ge=0, max_digits=12, decimal_places=2, description=MONEY_DESCRIPTION),
    AfterValidator(quantize),
]
"""A non-negative money amount on input, at most 10 integer digits and 2 decimals."""
