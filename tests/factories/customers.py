"""Factories for test data: valid payloads and persisted rows with unique values."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from maitre.customers import service as customers
from maitre.customers.models import Customer
from maitre.customers.schemas import CustomerCreate

_seq = itertools.count(1)


def customer_payload(**overrides: Any) -> dict[str, Any]:
    """Return a valid customer-create body with a unique email."""
    n = next(_seq)
    data: dict[str, Any] = {
        "name": f"Ada Lovelace {n}",
        "email": f"ada{n}@example.com",
        "phone": f"+44 20 7946 {n:04d}",
        "company": "Analytical Engines Ltd",
        "language": "en",
        "address": f"{n} Marylebone Road, London",
        "tags": ["vip"] if n % 2 else [],
    }
    data.update(overrides)
    return data


def make_customer(session: Session, **overrides: Any) -> Customer:
    """Create and flush a customer through the service."""
    return customers.create(session=session, data=CustomerCreate(**customer_payload(**overrides)))
