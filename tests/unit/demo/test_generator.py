"""The demo generator: sizes, determinism, and the patterns planted for analytics to find."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from maitre.conversations.models import Channel
from maitre.demo import catalogue
from maitre.demo.generator import (
    LAUNCHED_DAYS_AGO,
    WINDOW_DAYS,
    DemoConfig,
    DemoData,
    generate,
)
from maitre.demo.history import BAD
from maitre.orders.status import OrderChannel, OrderStatus
from maitre.sales.models import DealStage, LeadStatus
from maitre.tickets.models import TicketPriority, TicketStatus
from maitre.users.roles import Role

TODAY = date(2025, 6, 1)
FINAL = {"delivered", "returned", "cancelled"}
CJK = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


@pytest.fixture(scope="module")
def demo() -> DemoData:
    """The full-size default demo at a fixed date (generated once for the module)."""
    return generate(DemoConfig(today=TODAY))


def _fingerprint(data: DemoData) -> tuple[object, ...]:
    return (
        [asdict(c.identity) for c in data.customers],
        [c.created_at for c in data.customers],
        [(o.number, o.customer, o.placed_at, o.status, o.total, o.events) for o in data.orders],
        [(t.customer, t.subject, t.created_at, t.status) for t in data.tickets],
        [(lead.email, lead.status) for lead in data.leads],
        [(s.product.sku, s.stock) for s in data.products],
    )


def test_same_seed_and_date_give_the_same_data() -> None:
    config = DemoConfig(seed=5, today=TODAY, customers=40)
    assert _fingerprint(generate(config)) == _fingerprint(generate(config))


def test_another_seed_gives_other_data() -> None:
    a = generate(DemoConfig(seed=5, today=TODAY, customers=40))
    b = generate(DemoConfig(seed=6, today=TODAY, customers=40))
    assert [c.identity.email for c in a.customers] != [c.identity.email for c in b.customers]


def test_default_demo_has_the_promised_sizes(demo: DemoData) -> None:
    languages = Counter(c.identity.language for c in demo.customers)
    assert languages["en"] >= 500
    assert languages["zh"] >= 100
    assert len(demo.products) >= 40
    assert len({s.product.category for s in demo.products}) >= 5
    assert len(demo.orders) >= 5000
    assert len(demo.tickets) >= 300
    assert len(demo.leads) >= 50
    deals = demo.deals + [lead.deal for lead in demo.leads if lead.deal]
    assert {d.stage for d in deals} >= {"qualification", "proposal", "negotiation", "won", "lost"}
    assert {lead.status for lead in demo.leads} >= {"contacted", "qualified", "converted"}
    assert len(demo.notes) >= 10


def test_emails_are_unique_and_reserved_example_domains(demo: DemoData) -> None:
    emails = [c.identity.email for c in demo.customers]
    assert len(set(emails)) == len(emails)
    assert all(e.split("@")[1] in {"example.com", "example.net", "example.org"} for e in emails)


def test_chinese_customers_look_chinese(demo: DemoData) -> None:
    zh = [c.identity for c in demo.customers if c.identity.language == "zh"]
    assert all(CJK.match(i.name) for i in zh)
    assert all(i.phone.startswith("+86 1") and i.country == "CN" for i in zh)
    assert all(("市" in i.address and "号" in i.address) for i in zh)
    en = [c.identity for c in demo.customers if c.identity.language == "en"]
    assert not any(CJK.search(i.name) for i in en)
    assert {i.country for i in en} >= {"US", "GB", "CA", "AU"}


def test_orders_lie_in_the_two_years_before_the_reference_date(demo: DemoData) -> None:
    first = demo.now - timedelta(days=WINDOW_DAYS + 1)
    assert all(first <= o.placed_at < demo.now for o in demo.orders)
    assert all(when < demo.now for o in demo.orders for _s, when in o.events)
    numbers = [o.number for o in demo.orders]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert [o.placed_at for o in demo.orders] == sorted(o.placed_at for o in demo.orders)


def test_statuses_are_consistent_with_age(demo: DemoData) -> None:
    statuses = Counter(o.status for o in demo.orders)
    assert set(statuses) == {
        "pending", "paid", "shipped", "delivered", "cancelled", "return_requested", "returned"
    }  # fmt: skip
    old = [o for o in demo.orders if demo.now - o.placed_at > timedelta(days=45)]
    assert all(o.status in FINAL for o in old)
    for o in demo.orders:
        age = demo.now - o.placed_at
        if o.status == "pending":
            assert age < timedelta(days=2)
        if o.status in {"shipped", "delivered", "return_requested", "returned"}:
            assert o.carrier and o.tracking_number
            shipped, delivered = o.at("shipped"), o.at("delivered")
            assert shipped is not None and o.placed_at < shipped
            assert delivered is None or shipped < delivered
        else:
            assert o.tracking_number is None
    assert statuses["delivered"] > 0.8 * len(demo.orders)


def test_order_totals_are_lines_less_discount(demo: DemoData) -> None:
    prices = {p.sku: p.price for p in catalogue.products()}
    for o in demo.orders[:500]:
        assert all(line.unit_price == prices[line.sku] for line in o.lines)
        assert Decimal(0) <= o.discount < o.subtotal
        assert o.total == o.subtotal - o.discount
    assert any(o.discount > 0 for o in demo.orders)


def _daily_orders(demo: DemoData, months: set[int]) -> float:
    days = Counter(o.placed_at.date() for o in demo.orders if o.placed_at.month in months)
    span = [demo.now.date() - timedelta(days=i) for i in range(1, WINDOW_DAYS)]
    n_days = sum(1 for d in span if d.month in months)
    return sum(days.values()) / n_days


def test_holiday_peak_and_summer_dip(demo: DemoData) -> None:
    peak = _daily_orders(demo, {11, 12})
    summer = _daily_orders(demo, {7, 8})
    spring = _daily_orders(demo, {3, 4, 5})
    assert peak > 1.5 * summer
    assert spring > 1.15 * summer


def test_weekly_cycle(demo: DemoData) -> None:
    by_weekday = Counter(o.placed_at.weekday() for o in demo.orders)
    assert by_weekday[0] > 1.2 * by_weekday[5]  # Monday busier than Saturday


def test_few_heavy_buyers_many_one_off_buyers(demo: DemoData) -> None:
    per_customer = Counter(o.customer for o in demo.orders)
    counts = np.array(sorted((per_customer.get(c.index, 0) for c in demo.customers), reverse=True))
    top_decile = counts[: len(counts) // 10].sum() / counts.sum()
    assert top_decile > 0.35
    assert (counts == 1).mean() > 0.2
    assert (counts == 0).mean() < 0.1


def _churn_rates(demo: DemoData) -> tuple[float, float]:
    """Share of customers with no order in the last 180 days, with and without a bad
    experience, among customers with at least two orders before that window."""
    cutoff = demo.now - timedelta(days=180)
    orders: dict[int, list[object]] = {}
    for o in demo.orders:
        orders.setdefault(o.customer, []).append(o)
    groups: dict[bool, list[bool]] = {True: [], False: []}
    for mine in orders.values():
        before = [o for o in mine if o.placed_at < cutoff]  # type: ignore[attr-defined]
        if len(before) < 2:
            continue
        bad = any(o.experience in BAD for o in before)  # type: ignore[attr-defined]
        churned = not any(o.placed_at >= cutoff for o in mine)  # type: ignore[attr-defined]
        groups[bad].append(churned)
    return float(np.mean(groups[True])), float(np.mean(groups[False]))


def test_bad_experiences_drive_churn(demo: DemoData) -> None:
    bad, fine = _churn_rates(demo)
    assert bad > fine + 0.2
    causes = Counter(c.churn_cause for c in demo.customers)
    assert causes["bad_experience"] > 50 and causes["drifted"] > 20


def test_bad_experiences_leave_tickets(demo: DemoData) -> None:
    kinds = Counter(t.kind for t in demo.tickets)
    assert kinds["late"] > 50 and kinds["damaged"] > 10 and kinds["wrong_item"] > 5
    for t in demo.tickets:
        if t.order is not None:
            assert demo.orders[t.order].customer == t.customer
            assert t.subject.find(demo.orders[t.order].number) >= 0
    assert {t.status for t in demo.tickets} >= {"open", "pending", "closed"}
    assert {t.priority for t in demo.tickets} == {"low", "normal", "high", "urgent"}


def test_teapots_come_with_tea(demo: DemoData) -> None:
    teapots = {"TWR-001", "TWR-002", "TWR-003", "TWR-004"}
    with_pot = [o for o in demo.orders if teapots & {ln.sku for ln in o.lines}]
    without = [o for o in demo.orders if not teapots & {ln.sku for ln in o.lines}]

    def tea_share(orders: list[object]) -> float:
        return float(
            np.mean([any(ln.sku.startswith("TEA-") for ln in o.lines) for o in orders])  # type: ignore[attr-defined]
        )

    assert len(with_pot) > 50
    assert tea_share(with_pot) > tea_share(without) + 0.15


def test_customers_prefer_a_few_categories(demo: DemoData) -> None:
    by_sku = {p.sku: p.category for p in catalogue.products()}
    shares = []
    per_customer: dict[int, Counter[str]] = {}
    for o in demo.orders:
        for ln in o.lines:
            per_customer.setdefault(o.customer, Counter())[by_sku[ln.sku]] += 1
    for counts in per_customer.values():
        total = sum(counts.values())
        if total >= 10:
            shares.append(max(counts.values()) / total)
    assert len(shares) > 50
    assert float(np.mean(shares)) > 0.45  # uniform over six categories would give ~0.25


def test_new_products_sell_only_after_launch(demo: DemoData) -> None:
    for o in demo.orders:
        for ln in o.lines:
            days = LAUNCHED_DAYS_AGO.get(ln.sku)
            if days is not None:
                assert o.placed_at >= demo.now - timedelta(days=days + 1)
    sold = Counter(ln.sku for o in demo.orders for ln in o.lines)
    assert all(sold[s.product.sku] > 0 for s in demo.products)


def test_top_spenders_become_vip(demo: DemoData) -> None:
    vips = [c for c in demo.customers if c.vip_since is not None]
    assert 0.03 * len(demo.customers) <= len(vips) <= 0.06 * len(demo.customers)
    assert all(c.created_at < c.vip_since for c in vips if c.vip_since)


def test_small_demo_keeps_both_languages() -> None:
    data = generate(DemoConfig(today=TODAY, customers=12))
    assert {c.identity.language for c in data.customers} == {"en", "zh"}
    assert data.orders and data.products


@pytest.mark.parametrize("today", [date(2024, 1, 15), date(2026, 8, 31)])
def test_any_reference_date_works(today: date) -> None:
    data = generate(DemoConfig(today=today, customers=60))
    assert all(o.placed_at.date() < today for o in data.orders)
    assert any(today - o.placed_at.date() < timedelta(days=7) for o in data.orders)


def test_generated_choices_are_valid_domain_values(demo: DemoData) -> None:
    assert {o.status for o in demo.orders} <= {s.value for s in OrderStatus}
    assert {o.channel for o in demo.orders} == {"web", "marketplace", "phone", "chat"}
    assert {o.channel for o in demo.orders} <= {c.value for c in OrderChannel}
    assert {s for t in demo.tickets for s, _ in t.events} <= {s.value for s in TicketStatus}
    assert {t.priority for t in demo.tickets} <= {p.value for p in TicketPriority}
    assert {t.channel for t in demo.tickets} <= {c.value for c in Channel}
    assert {s for lead in demo.leads for s, _ in lead.events} <= {s.value for s in LeadStatus}
    deals = demo.deals + [lead.deal for lead in demo.leads if lead.deal]
    assert {s for d in deals for s, _ in d.events} <= {s.value for s in DealStage}
    assert {s.role for s in demo.staff} <= {r.value for r in Role}
