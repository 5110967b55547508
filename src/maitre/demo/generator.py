"""Generate the demo company as plain data, deterministically from a seed and a reference date.

``generate(DemoConfig(seed=7, today=date(2025, 6, 1)))`` always returns the same data. Each part
(customer identities, each customer's history, support, sales) draws from its own random stream
derived from the seed, so asking for more customers or leads does not reshuffle the others.
Nothing here touches the database; ``maitre.demo.loader`` writes the result through the services.

What is planted for analytics to find: gamma-distributed purchase rates (a few heavy buyers,
many one-off buyers), category preferences per customer, co-purchase pairs (teapot → tea,
fountain pen → ink, charger → cable), seasonality (weekly cycle, November/December peak,
summer dip, Singles' Day for Chinese customers) and churn that follows bad experiences (a late,
damaged or wrong delivery makes a customer stop buying with probability
``history.BAD_EXPERIENCE_CHURN``). The truth (``churned_on``, ``churn_cause``, ``rate``,
``prefs``) stays on the dataclasses and is never written to the CRM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import numpy as np

from maitre.demo import catalogue, history, people, pipeline, seasons, support
from maitre.demo.catalogue import DemoProduct
from maitre.demo.history import DemoOrder
from maitre.demo.people import Identity
from maitre.demo.pipeline import DemoDeal, DemoLead
from maitre.demo.support import DemoNote, DemoTicket

WINDOW_DAYS = 730  # two years of orders before the reference date
SHOP_AGE_DAYS = 1100
NEVER_BOUGHT = 0.04  # registered (newsletter, abandoned cart) but never ordered
VIP_SHARE = 0.05
DEFAULT_CUSTOMERS = 800
# Products launched during the window (days before the reference date): no sales before then.
LAUNCHED_DAYS_AGO = {
    "TEA-009": 420, "TWR-005": 400, "HOM-007": 300, "HOM-008": 300, "KIT-009": 200,
    "ELC-011": 120, "STA-008": 60,
}  # fmt: skip
# Streams of randomness, one per part, so parts do not disturb each other.
_IDENTITY, _BEHAVIOUR, _HISTORY, _SUPPORT, _SALES, _CATALOGUE = range(6)


@dataclass(frozen=True)
class DemoConfig:
    """What to generate. ``today`` is the data's reference date: all activity lies before it."""

    seed: int = 42
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    customers: int = DEFAULT_CUSTOMERS
    zh_share: float = 0.18
    mean_orders_per_year: float = 17.0
    leads: int | None = None  # default: one per nine customers

    @property
    def zh_customers(self) -> int:
        """Return how many customers speak Chinese (at least one when there are two or more)."""
        return max(1 if self.customers >= 2 else 0, round(self.customers * self.zh_share))

    @property
    def lead_count(self) -> int:
        """Return the number of leads to make."""
        return self.leads if self.leads is not None else max(3, self.customers // 9)


@dataclass
class DemoStaff:
    email: str
    name: str
    role: str
    password: str


STAFF = (
    DemoStaff("admin@maitre.local", "Alex Morgan", "admin", "maitre-admin"),
    DemoStaff("agent@maitre.local", "Sam Rivera", "agent", "maitre-agent"),
    DemoStaff("sales@maitre.local", "Jordan Lee", "sales", "maitre-sales"),
)


@dataclass
class DemoStock:
    product: DemoProduct
    stock: int
    created_at: datetime


@dataclass
class DemoCustomer:
    index: int
    identity: Identity
    created_at: datetime
    tags: list[str]
    rate: float
    prefs: dict[str, float]
    vip_since: datetime | None = None
    churned_on: date | None = None
    churn_cause: str | None = None


@dataclass
class DemoData:
    config: DemoConfig
    now: datetime  # the reference instant: midnight UTC at the start of ``today``
    staff: tuple[DemoStaff, ...]
    products: list[DemoStock]
    customers: list[DemoCustomer]
    orders: list[DemoOrder]  # by placed_at; numbers MT-000001 … follow that order
    tickets: list[DemoTicket]
    notes: list[DemoNote]
    leads: list[DemoLead]
    deals: list[DemoDeal]  # deals with existing customers (lead deals hang off their lead)


def _rng(seed: int, part: int, index: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, part, index])


def _products(seed: int, now: datetime) -> list[DemoStock]:
    rng = _rng(seed, _CATALOGUE)
    stocked = []
    for product in catalogue.products():
        stock = int(rng.integers(25, 400))
        if rng.random() < 0.1:
            stock = int(rng.integers(1, 6))  # low stock, for the alerts
        age = LAUNCHED_DAYS_AGO.get(product.sku, SHOP_AGE_DAYS)
        created = now - timedelta(days=age, hours=float(rng.uniform(0, 12)))
        stocked.append(DemoStock(product=product, stock=stock, created_at=created))
    stocked[int(rng.integers(len(stocked)))].stock = 0  # one item sold out
    return stocked


def _customer(seed: int, index: int, identity: Identity, now: datetime) -> DemoCustomer:
    rng = _rng(seed, _BEHAVIOUR, index)
    cats = catalogue.categories()
    alpha = np.full(len(cats), 0.45)
    if identity.language == "zh":
        alpha[cats.index("Tea")] += 1.2
        alpha[cats.index("Teaware")] += 0.8
    prefs = dict(zip(cats, (float(x) + 0.01 for x in rng.dirichlet(alpha)), strict=True))
    rate = float(rng.gamma(0.55, 1.0 / 0.55))
    if identity.company:
        rate *= 1.8
    if identity.channel == "referral":
        rate *= 1.3
    # More sign-ups lately (the shop grows); a fifth signed up before the two-year window.
    if rng.random() < 0.2:
        days_ago = float(rng.uniform(WINDOW_DAYS, SHOP_AGE_DAYS - 30))
    else:
        days_ago = float(WINDOW_DAYS * (1 - np.sqrt(rng.uniform(0.0, 1.0))) + 2)
    created = datetime.combine((now - timedelta(days=days_ago)).date(), time(0), UTC)
    created += timedelta(hours=float(rng.uniform(7, 23)))
    tags = ["b2b"] if identity.company else []
    return DemoCustomer(
        index=index, identity=identity, created_at=created, tags=tags, rate=rate, prefs=prefs
    )


def _identities(config: DemoConfig) -> list[Identity]:
    rng = _rng(config.seed, _IDENTITY)
    taken: set[str] = set()
    n_zh = config.zh_customers
    # Spread Chinese speakers evenly through the list so any prefix has both languages.
    zh_slots = {round((i + 0.5) * config.customers / n_zh) for i in range(n_zh)} if n_zh else set()
    return [
        people.chinese(rng, taken) if i in zh_slots else people.english(rng, taken)
        for i in range(config.customers)
    ]


def _mark_vips(customers: list[DemoCustomer], orders: list[DemoOrder]) -> None:
    kept = {"paid", "shipped", "delivered"}
    spend: dict[int, Decimal] = {}
    for order in orders:
        if order.status in kept:
            spend[order.customer] = spend.get(order.customer, Decimal(0)) + order.total
    ranked = sorted(spend, key=lambda c: (-spend[c], c))
    top = ranked[: max(1, round(len(customers) * VIP_SHARE))] if ranked else []
    threshold = min((spend[c] for c in top), default=Decimal(0))
    for index in top:
        running = Decimal(0)
        for order in orders:
            if order.customer == index and order.status in kept:
                running += order.total
                if running >= threshold:
                    customers[index].vip_since = order.placed_at + timedelta(days=1)
                    break


def generate(config: DemoConfig) -> DemoData:
    """Build the whole demo company for ``config``."""
    now = datetime.combine(config.today, time(0), UTC)
    window_start = config.today - timedelta(days=WINDOW_DAYS)
    products = _products(config.seed, now)
    customers = [
        _customer(config.seed, i, identity, now) for i, identity in enumerate(_identities(config))
    ]
    # Rescale the heavy-tailed rates to mean one, so the order count depends little on the seed.
    mean_rate = float(np.mean([c.rate for c in customers])) if customers else 1.0
    for c in customers:
        c.rate /= mean_rate
    weights = {lang: seasons.weights(window_start, WINDOW_DAYS, lang) for lang in ("en", "zh")}
    launched = {s.product.sku: s.created_at.date() for s in products}
    orders: list[DemoOrder] = []
    for c in customers:
        rng = _rng(config.seed, _HISTORY, c.index)
        lifetime = timedelta(days=float(rng.exponential(1500)))
        shopper = history.Shopper(
            index=c.index,
            language=c.identity.language,
            country=c.identity.country,
            address=c.identity.address,
            signup=c.created_at.date(),
            rate=c.rate * config.mean_orders_per_year,
            prefs=c.prefs,
            lifetime_end=c.created_at.date() + lifetime,
        )
        outcome = history.simulate(
            rng,
            shopper,
            catalogue=tuple(s.product for s in products),
            launched=launched,
            window_start=window_start,
            day_weights=weights[c.identity.language],
            now=now,
            buys_at_signup=bool(rng.random() >= NEVER_BOUGHT),
        )
        c.churned_on, c.churn_cause = outcome.churned_on, outcome.churn_cause
        orders.extend(outcome.orders)
    orders.sort(key=lambda o: (o.placed_at, o.customer))
    for i, order in enumerate(orders):
        order.number = f"MT-{i + 1:06d}"
    _mark_vips(customers, orders)

    by_customer: dict[int, list[tuple[int, DemoOrder]]] = {}
    for i, order in enumerate(orders):
        by_customer.setdefault(order.customer, []).append((i, order))
    tickets: list[DemoTicket] = []
    notes: list[DemoNote] = []
    for c in customers:
        rng = _rng(config.seed, _SUPPORT, c.index)
        mine = support.tickets_for(
            rng,
            customer=c.index,
            language=c.identity.language,
            orders=by_customer.get(c.index, []),
            signup=c.created_at,
            now=now,
        )
        tickets.extend(mine)
        heavy = len(by_customer.get(c.index, [])) >= 12 or c.vip_since is not None
        notes.extend(
            support.notes_for(
                rng,
                customer=c.index,
                tickets=mine,
                signup=c.created_at,
                now=now,
                heavy=heavy,
            )
        )
    tickets.sort(key=lambda t: (t.created_at, t.customer))
    notes.sort(key=lambda n: (n.created_at, n.customer))

    sales_rng = _rng(config.seed, _SALES)
    leads = pipeline.leads(sales_rng, config.lead_count, now)
    companies = [(c.index, c.identity.company) for c in customers if c.identity.company]
    deals = pipeline.customer_deals(sales_rng, companies, now)
    return DemoData(
        config=config,
        now=now,
        staff=STAFF,
        products=products,
        customers=customers,
        orders=orders,
        tickets=tickets,
        notes=notes,
        leads=sorted(leads, key=lambda lead: lead.created_at),
        deals=sorted(deals, key=lambda d: d.created_at),
    )
