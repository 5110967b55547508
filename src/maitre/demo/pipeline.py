"""The sales side of the demo: wholesale and corporate-gift leads, and deals in every stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np

from maitre.demo.catalogue import load_json

DEAL_OWNER = "sales@maitre.local"
SOURCES = ("website_form", "trade_show", "referral", "instagram", "cold_email", "wechat")
VENUES = (
    "Café", "Tea Room", "Boutique Hotel", "Coworking", "Gift Shop", "Bookshop", "Bakery",
    "Yoga Studio", "Design Agency", "Law Firm",
)  # fmt: skip
PITCHES = {
    "Café": "Wholesale tea for {c}",
    "Tea Room": "Loose-leaf tea supply for {c}",
    "Boutique Hotel": "In-room teaware and tea for {c}",
    "Coworking": "Kitchen and stationery restock for {c}",
    "Gift Shop": "Consignment stock for {c}",
    "Bookshop": "Stationery range for {c}",
    "Bakery": "Tea menu for {c}",
    "Yoga Studio": "Herbal tea and candles for {c}",
    "Design Agency": "Corporate gifts for {c}",
    "Law Firm": "Client gift boxes for {c}",
}
STAGES = ("qualification", "proposal", "negotiation")


@dataclass
class DemoDeal:
    title: str
    value: Decimal
    created_at: datetime
    expected_close: date | None
    customer: int | None = None  # index into ``DemoData.customers`` (else the lead's customer)
    events: list[tuple[str, datetime]] = field(default_factory=list)  # stage changes

    @property
    def stage(self) -> str:
        """Return the stage after the last change."""
        return self.events[-1][0] if self.events else "qualification"


@dataclass
class DemoLead:
    name: str
    email: str
    phone: str
    company: str
    source: str
    notes: str
    created_at: datetime
    events: list[tuple[str, datetime]] = field(default_factory=list)  # status changes
    deal: DemoDeal | None = None  # opened when the lead converts (last event)

    @property
    def status(self) -> str:
        """Return the status after the last change."""
        return self.events[-1][0] if self.events else "new"


def _stages(rng: np.random.Generator, deal: DemoDeal, start: datetime, now: datetime) -> DemoDeal:
    when = start
    for stage in ("proposal", "negotiation"):
        when = when + timedelta(days=float(rng.uniform(4, 25)))
        if when >= now or rng.random() < 0.3:
            break
        deal.events.append((stage, when))
    closing = when + timedelta(days=float(rng.uniform(5, 30)))
    if closing < now and rng.random() < 0.75:
        deal.events.append(("won" if rng.random() < 0.55 else "lost", closing))
        deal.expected_close = closing.date()
    else:
        deal.expected_close = (now + timedelta(days=float(rng.uniform(7, 90)))).date()
    return deal


def leads(rng: np.random.Generator, count: int, now: datetime) -> list[DemoLead]:
    """Make ``count`` leads from the last ten months, some converted into deals."""
    names = load_json("names")
    found: list[DemoLead] = []
    for i in range(count):
        given = str(names["en_given"][int(rng.integers(len(names["en_given"])))])
        family = str(names["en_family"][int(rng.integers(len(names["en_family"])))])
        venue = VENUES[int(rng.integers(len(VENUES)))]
        word = str(names["company_words"][int(rng.integers(len(names["company_words"])))])
        company = f"{word} {venue}"
        slug = "".join(ch for ch in word.lower() if ch.isalpha())
        created = now - timedelta(days=float(rng.uniform(1, 300)))
        lead = DemoLead(
            name=f"{given} {family}",
            email=f"{given.lower()}@{slug}{i}.example.com",
            phone=f"+1 555 01{int(rng.integers(100)):02d}",
            company=company,
            source=SOURCES[int(rng.integers(len(SOURCES)))],
            notes=f"Looking at {PITCHES[venue].format(c='their business').lower()}.",
            created_at=created,
        )
        when = created + timedelta(days=float(rng.uniform(1, 6)))
        if when < now:
            lead.events.append(("contacted", when))
            when += timedelta(days=float(rng.uniform(3, 20)))
            roll = rng.random()
            if when < now and roll < 0.65:
                lead.events.append(("qualified" if roll < 0.45 else "unqualified", when))
            if lead.status == "qualified" and rng.random() < 0.7:
                when += timedelta(days=float(rng.uniform(2, 10)))
                if when < now:
                    lead.events.append(("converted", when))
                    value = Decimal(int(rng.integers(8, 250)) * 100)
                    deal = DemoDeal(
                        title=PITCHES[venue].format(c=company),
                        value=value,
                        created_at=when,
                        expected_close=None,
                    )
                    lead.deal = _stages(rng, deal, when, now)
        found.append(lead)
    return found


def customer_deals(
    rng: np.random.Generator, companies: list[tuple[int, str]], now: datetime
) -> list[DemoDeal]:
    """Open deals with existing business customers (repeat corporate gift orders)."""
    found = []
    for index, company in companies:
        if rng.random() < 0.5:
            created = now - timedelta(days=float(rng.uniform(3, 330)))
            deal = DemoDeal(
                title=f"Corporate gifts for {company}",
                value=Decimal(int(rng.integers(5, 120)) * 100),
                created_at=created,
                expected_close=None,
                customer=index,
            )
            found.append(_stages(rng, deal, created, now))
    return found
