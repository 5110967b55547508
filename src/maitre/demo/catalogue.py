"""The demo shop's shipped reference data: products, names and places (``demo/data/*.json``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class DemoProduct:
    """A catalogue entry; ``goes_with`` lists SKUs often bought together with this one."""

    sku: str
    name: str
    name_zh: str
    category: str
    price: Decimal
    currency: str
    description: str
    popularity: float
    consumable: bool
    goes_with: tuple[str, ...]


@cache
def load_json(name: str) -> dict[str, Any]:
    """Read one of the shipped data files by its base name (``names``, ``places``, ...)."""
    text = resources.files("maitre.demo").joinpath("data", f"{name}.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def products() -> tuple[DemoProduct, ...]:
    """Return the catalogue in its shipped order."""
    data = load_json("catalogue")
    return tuple(
        DemoProduct(
            sku=p["sku"],
            name=p["name"],
            name_zh=p["name_zh"],
            category=p["category"],
            price=Decimal(p["price"]),
            currency=data["currency"],
            description=p["description"],
            popularity=float(p["popularity"]),
            consumable=bool(p["consumable"]),
            goes_with=tuple(p["goes_with"]),
        )
        for p in data["products"]
    )


@cache
def categories() -> tuple[str, ...]:
    """Return the category names in a stable order."""
    return tuple(load_json("catalogue")["categories"])


def category_zh(category: str) -> str:
    """Return the Chinese name of a category."""
    name: str = load_json("catalogue")["categories"][category]
    return name
