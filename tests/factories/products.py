"""Factories for products: valid payloads and persisted rows with unique skus."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from maitre.products import service as products
from maitre.products.models import Product
from maitre.products.schemas import ProductCreate

_seq = itertools.count(1)


def product_payload(**overrides: Any) -> dict[str, Any]:
    """Return a valid product-create body with a unique sku."""
    n = next(_seq)
    data: dict[str, Any] = {
        "sku": f"SKU-{n:05d}",
        "name": f"Espresso cup {n}",
        "category": "Kitchen",
        "price": "12.50",
        "currency": "USD",
        "stock": 100,
        "description": "Porcelain, 90 ml.",
    }
    data.update(overrides)
    return data


def make_product(session: Session, **overrides: Any) -> Product:
    """Create and flush a product through the service."""
    return products.create(session=session, data=ProductCreate(**product_payload(**overrides)))
