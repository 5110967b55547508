"""One customer's purchase history: when they order, what, and how each order went.

Orders arrive as a Poisson process whose daily rate is the customer's own purchase rate (drawn
from a gamma distribution, so a few buy a lot and many buy once) times the calendar's weight. A
bad delivery experience (late, damaged, wrong item) makes the customer stop buying with a high
probability: that is the planted, learnable churn signal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

import numpy as np

from maitre.demo.catalogue import DemoProduct
from maitre.demo.people import UTC_OFFSET_HOURS
from maitre.demo.seasons import is_peak_logistics, is_sale_day

BAD_EXPERIENCE_CHURN = 0.55  # chance a customer never orders again after a bad experience
MIN_DAYS_BETWEEN_ORDERS = 3
LATEST_BEFORE_NOW = timedelta(hours=2)
CARRIERS = {
    "US": ("UPS", "USPS", "FedEx"),
    "CA": ("Canada Post", "UPS"),
    "GB": ("Royal Mail", "DPD"),
    "AU": ("Australia Post", "DHL"),
    "CN": ("SF Express", "ZTO Express", "China Post EMS"),
}
# Where orders come from (values of ``orders.status.OrderChannel``); Chinese customers use
# marketplaces (Tmall, JD) more.
ORDER_CHANNELS = {
    "en": (("web", "marketplace", "phone", "chat"), (0.84, 0.1, 0.03, 0.03)),
    "zh": (("web", "marketplace", "chat"), (0.58, 0.32, 0.1)),
}
# Shopping hours in the customer's local time (0-23), evening heavy.
HOUR_WEIGHTS = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 2, 2.5, 2.8, 3, 3.2, 3, 2.8, 2.8, 3, 3.2, 3.5, 4.2,
     4.8, 4.8, 3.8, 2.2],
)  # fmt: skip
HOUR_P = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()


class Experience(StrEnum):
    """How an order went, from the customer's side."""

    OK = "ok"
    LATE = "late"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    CHANGED_MIND = "changed_mind"
    CANCELLED = "cancelled"
    UNPAID = "unpaid"


BAD = frozenset({Experience.LATE, Experience.DAMAGED, Experience.WRONG_ITEM})


@dataclass
class DemoLine:
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass
class DemoOrder:
    """An order and the status changes it went through up to the reference instant."""

    customer: int
    placed_at: datetime
    lines: list[DemoLine]
    shipping_address: str
    experience: Experience
    carrier: str | None = None
    tracking_number: str | None = None
    discount_code: str | None = None
    discount: Decimal = Decimal("0.00")
    channel: str = "web"
    events: list[tuple[str, datetime]] = field(default_factory=list)
    number: str = ""

    @property
    def status(self) -> str:
        """Return the status after the last change (``pending`` if none)."""
        return self.events[-1][0] if self.events else "pending"

    def at(self, status: str) -> datetime | None:
        """Return when the order entered ``status``, if it did."""
        return next((when for s, when in self.events if s == status), None)

    @property
    def subtotal(self) -> Decimal:
        """Return the sum of the lines."""
        return sum((ln.unit_price * ln.quantity for ln in self.lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        """Return the subtotal less the discount."""
        return self.subtotal - self.discount


@dataclass
class Shopper:
    """What the simulation needs to know about one customer."""

    index: int
    language: str
    country: str
    address: str
    signup: date
    rate: float  # expected orders per year on an ordinary day
    prefs: dict[str, float]  # category -> weight
    lifetime_end: date  # when they would drift away even if everything went well


@dataclass
class Outcome:
    orders: list[DemoOrder]
    churned_on: date | None
    churn_cause: str | None


def _tracking(rng: np.random.Generator, carrier: str) -> str:
    def digits(n: int) -> str:
        return "".join(str(int(d)) for d in rng.integers(0, 10, size=n))

    if carrier == "UPS":
        return "1Z" + "".join(rng.choice(list("0123456789ABCDEFGHJKLMNPRSTUVWXY"), size=16))
    if carrier == "USPS":
        return "9400" + digits(18)
    if carrier == "SF Express":
        return "SF" + digits(13)
    if carrier in {"Royal Mail", "China Post EMS", "Canada Post", "Australia Post"}:
        prefix = {"Royal Mail": "GB", "China Post EMS": "CN", "Canada Post": "CA"}.get(
            carrier, "AU"
        )
        return f"E{chr(65 + int(rng.integers(26)))}{digits(9)}{prefix}"
    return digits(12)


class _Chooser:
    """Pick a customer's baskets: their category taste, what they own, what goes with it."""

    def __init__(
        self, shopper: Shopper, catalogue: tuple[DemoProduct, ...], launched: dict[str, date]
    ) -> None:
        self.catalogue = catalogue
        self.index = {p.sku: i for i, p in enumerate(catalogue)}
        self.base = np.array([shopper.prefs[p.category] * p.popularity for p in catalogue])
        self.launch = np.array([launched[p.sku].toordinal() for p in catalogue])
        # Consumables are bought again; durable goods rarely twice.
        self.rebuy = np.array([4.0 if p.consumable else 0.08 for p in catalogue])
        self.owned = np.zeros(len(catalogue), dtype=bool)
        self.wanted = np.zeros(len(catalogue), dtype=bool)

    def basket(self, rng: np.random.Generator, day: date) -> list[DemoProduct]:
        on_sale = self.launch <= day.toordinal()
        weights = self.base * on_sale
        weights = np.where(self.owned, weights * self.rebuy, weights)
        weights = np.where(self.wanted & ~self.owned, weights * 3.0, weights)
        gifting = day.month in {11, 12}
        count = 1 + min(3, int(rng.poisson(0.9 if gifting else 0.45)))
        count = min(count, int(np.count_nonzero(weights)))
        chosen = rng.choice(
            len(self.catalogue), size=count, replace=False, p=weights / weights.sum()
        )
        basket = [self.catalogue[int(i)] for i in chosen]
        for product in list(basket):
            # Co-purchase: a teapot comes with tea, a fountain pen with ink, a charger with a cable.
            if product.goes_with and rng.random() < 0.55:
                sku = product.goes_with[int(rng.integers(len(product.goes_with)))]
                extra = self.catalogue[self.index[sku]]
                if extra not in basket and on_sale[self.index[sku]]:
                    basket.append(extra)
        return basket

    def bought(self, basket: list[DemoProduct]) -> None:
        for product in basket:
            self.owned[self.index[product.sku]] = True
            for sku in product.goes_with:
                self.wanted[self.index[sku]] = True


def _lines(rng: np.random.Generator, basket: list[DemoProduct]) -> list[DemoLine]:
    lines = []
    for p in basket:
        qty = 1 + int(rng.poisson(0.5)) if p.consumable else (2 if rng.random() < 0.06 else 1)
        lines.append(DemoLine(sku=p.sku, quantity=qty, unit_price=p.price))
    return lines


def _experience(rng: np.random.Generator, shopper: Shopper, day: date, now: datetime) -> Experience:
    placed_recently = (now.date() - day).days <= 1
    if placed_recently and rng.random() < 0.35:
        return Experience.UNPAID
    roll = rng.random()
    late = (0.05 if shopper.language == "zh" else 0.04) * (1.8 if is_peak_logistics(day) else 1.0)
    for experience, p in (
        (Experience.CANCELLED, 0.025),
        (Experience.UNPAID, 0.006),
        (Experience.LATE, late),
        (Experience.DAMAGED, 0.012),
        (Experience.WRONG_ITEM, 0.008),
        (Experience.CHANGED_MIND, 0.025),
    ):
        if roll < p:
            return experience
        roll -= p
    return Experience.OK


def _channel(rng: np.random.Generator, language: str) -> str:
    names, weights = ORDER_CHANNELS[language]
    return names[int(rng.choice(len(names), p=weights))]


def _hours(rng: np.random.Generator, low: float, high: float) -> timedelta:
    return timedelta(hours=float(rng.uniform(low, high)))


def _events(
    rng: np.random.Generator, order: DemoOrder, shopper: Shopper, now: datetime
) -> list[tuple[str, datetime]]:
    placed, exp = order.placed_at, order.experience
    if exp is Experience.UNPAID:
        # Payment never arrived: recent orders are still pending, old ones were cancelled.
        return [("cancelled", placed + _hours(rng, 47, 50))]
    events = [("paid", placed + timedelta(minutes=float(rng.uniform(1, 40))))]
    if exp is Experience.CANCELLED:
        return [*events, ("cancelled", events[0][1] + _hours(rng, 0.5, 20))]
    peak = is_peak_logistics(placed.date())
    shipped = events[0][1] + _hours(rng, 6, 60 if peak else 40)
    if rng.random() < 0.12:
        shipped += timedelta(days=float(rng.uniform(1, 5)))  # waited for stock
    events.append(("shipped", shipped))
    transit = (
        float(rng.uniform(1, 4)) if shopper.country in {"US", "GB", "CN"} else rng.uniform(2, 7)
    )
    if exp is Experience.LATE:
        transit += float(rng.uniform(6, 15))
    delivered = shipped + timedelta(days=float(transit))
    events.append(("delivered", delivered))
    if exp in {Experience.DAMAGED, Experience.WRONG_ITEM}:
        requested = delivered + _hours(rng, 2, 72)
    elif exp is Experience.CHANGED_MIND:
        requested = delivered + timedelta(days=float(rng.uniform(3, 25)))
    else:
        return events
    events.append(("return_requested", requested))
    events.append(("returned", requested + timedelta(days=float(rng.uniform(6, 14)))))
    return events


def simulate(
    rng: np.random.Generator,
    shopper: Shopper,
    *,
    catalogue: tuple[DemoProduct, ...],
    launched: dict[str, date],
    window_start: date,
    day_weights: np.ndarray,
    now: datetime,
    buys_at_signup: bool,
) -> Outcome:
    """Simulate one customer's orders between ``window_start`` and ``now``."""
    days = len(day_weights)
    first = max(0, (shopper.signup - window_start).days)
    growth = 0.75 + 0.5 * np.arange(days) / days
    p = np.minimum(0.9, shopper.rate / 365.0 * day_weights * growth)
    hits = np.flatnonzero(rng.random(days) < p)
    candidates = sorted(
        {int(d) for d in hits if d >= first} | ({first} if buys_at_signup else set())
    )
    end = (shopper.lifetime_end - window_start).days
    orders: list[DemoOrder] = []
    chooser = _Chooser(shopper, catalogue, launched)
    last = -MIN_DAYS_BETWEEN_ORDERS
    churned_on: date | None = None
    cause: str | None = None
    offset = timedelta(hours=UTC_OFFSET_HOURS[shopper.country])
    for d in candidates:
        if d >= end or d - last < MIN_DAYS_BETWEEN_ORDERS or d >= days:
            continue
        day = window_start + timedelta(days=d)
        local = datetime.combine(day, time(int(rng.choice(24, p=HOUR_P))), UTC)
        placed = local + timedelta(minutes=float(rng.uniform(0, 60))) - offset
        if placed >= now - LATEST_BEFORE_NOW:
            # Keep every order clear of the last hours, so none counts as a live sale.
            placed = now - LATEST_BEFORE_NOW - timedelta(minutes=float(rng.uniform(10, 600)))
        basket = chooser.basket(rng, day)
        code, rate = None, Decimal("0")
        if is_sale_day(day, shopper.language):
            code, rate = ("SINGLES15" if shopper.language == "zh" else "CYBER15"), Decimal("0.15")
        elif not orders and rng.random() < 0.3:
            code, rate = "WELCOME10", Decimal("0.10")
        order = DemoOrder(
            customer=shopper.index,
            placed_at=placed,
            lines=_lines(rng, basket),
            shipping_address=shopper.address,
            experience=_experience(rng, shopper, day, now),
            discount_code=code,
            channel=_channel(rng, shopper.language),
        )
        order.discount = (order.subtotal * rate).quantize(Decimal("0.01"))
        order.events = [(s, when) for s, when in _events(rng, order, shopper, now) if when < now]
        if order.at("shipped") is not None:
            order.carrier = str(rng.choice(CARRIERS[shopper.country]))
            order.tracking_number = _tracking(rng, order.carrier)
        orders.append(order)
        chooser.bought(basket)
        last = d
        if order.experience in BAD and rng.random() < BAD_EXPERIENCE_CHURN:
            churned_on, cause = day, "bad_experience"
            break
    if churned_on is None and orders and shopper.lifetime_end < now.date():
        churned_on, cause = orders[-1].placed_at.date(), "drifted"
    return Outcome(orders=orders, churned_on=churned_on, churn_cause=cause)
