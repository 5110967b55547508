"""Factories for leads and deals."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from maitre.sales import deals, leads
from maitre.sales.models import Deal, Lead
from maitre.sales.schemas import DealCreate, LeadCreate

_seq = itertools.count(1)


def lead_payload(**overrides: Any) -> dict[str, Any]:
    """Return a valid lead-create body with a unique email."""
    n = next(_seq)
    data: dict[str, Any] = {
        "name": f"Grace Hopper {n}",
        "email": f"grace{n}@navy.example.com",
        "company": f"Compilers {n} Inc",
        "source": "webinar",
        "notes": "Asked about volume pricing.",
    }
    data.update(overrides)
    return data


def make_lead(session: Session, **overrides: Any) -> Lead:
    """Create and flush a lead through the service."""
    return leads.create(session=session, data=LeadCreate(**lead_payload(**overrides)))


def deal_payload(customer_id: int, **overrides: Any) -> dict[str, Any]:
    """Return a valid deal-create body for ``customer_id``."""
    n = next(_seq)
    data: dict[str, Any] = {
        "title": f"Annual plan {n}",
        "customer_id": customer_id,
        "value": "1200.00",
        "currency": "USD",
        "expected_close": "2030-06-30",
    }
    data.update(overrides)
    return data


def make_deal(session: Session, customer_id: int, **overrides: Any) -> Deal:
    """Create and flush a deal through the service."""
    return deals.create(session=session, data=DealCreate(**deal_payload(customer_id, **overrides)))
