"""Streaming refresh: scores read and written in chunks of 7 equal the all-at-once computation."""

from __future__ import annotations

import functools
from datetime import timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from maitre.analytics import lifetime, scoring, service, summary
from maitre.analytics.schemas import SegmentsRead
from maitre.config import Settings
from maitre.conversations.models import Conversation
from maitre.customers.models import Customer
from maitre.ml.churn_crm_train import train_and_register
from maitre.ml.features import category_plan as plan_of
from maitre.ml.features import customer_features, features_for, purchase_summary
from maitre.ml.sampling import BottomK, sample_rows
from maitre.ml.segments import CustomerClusterer, RFMModel
from maitre.orders.models import Order, OrderLine
from maitre.products.models import Product
from tests.factories.analytics import stored_scores
from tests.factories.planted import END, build_planted_churn
from tests.factories.planted import _order as _planted_order

CLUSTER_SAMPLE = 40
CLV_SAMPLE = 50


def _enrich(session: Session) -> None:
    """Add what the planted churn CRM lacks: 14 categories, lines, csat, cancels, non-buyers."""
    products = [
        Product(sku=f"ST-{i}", name=f"P{i}", category=f"Cat{i % 14}", price=Decimal(i + 3))
        for i in range(20)
    ] + [Product(sku="ST-none", name="Loose", category=None, price=Decimal("4.00"))]
    session.add_all(products)
    session.flush()
    orders = session.scalars(select(Order).order_by(Order.id)).all()
    for k, order in enumerate(orders):
        for j in range(1 + k % 3):
            p = products[(k * 5 + j * 3) % len(products)]
            line = OrderLine(
                product_id=p.id, sku=p.sku, name=p.name, quantity=1 + j, unit_price=p.price
            )
            order.lines.append(line)
        if k % 17 == 0:
            order.cancelled_at = order.placed_at + timedelta(days=1)
        elif k % 23 == 0:
            order.returned_at = order.placed_at + timedelta(days=9)
        if k % 5 == 0:
            order.discount = Decimal("2.50")
            order.channel = "phone"  # type: ignore[assignment]
    people = session.scalars(select(Customer.id).order_by(Customer.id)).all()
    for k, cid in enumerate(people[::4]):
        session.add(
            Conversation(customer_id=cid, started_at=END - timedelta(days=30 + k), csat=1 + k % 5)
        )
    session.add_all(
        [
            Customer(name=f"Window shopper {i}", created_at=END - timedelta(days=20 + i))
            for i in range(9)
        ]
        + [Customer(name="Not yet", created_at=END + timedelta(days=3))]
    )
    session.flush()


@pytest.fixture
def small_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    """Samples smaller than the data, so the bottom-k samples cross many chunks."""
    monkeypatch.setattr(
        scoring,
        "CustomerClusterer",
        functools.partial(CustomerClusterer, fit_sample=CLUSTER_SAMPLE),
    )
    monkeypatch.setattr(scoring, "CLV_FIT_SAMPLE", CLV_SAMPLE)


def _refresh(
    session: Session, settings: Settings, chunk: int, threads: int
) -> list[tuple[Any, ...]]:
    tuned = settings.model_copy(
        update={
            "analytics_score_chunk": chunk,
            "analytics_score_threads": threads,
            "churn_reasons_min_probability": 0.0,  # explain everyone: every row carries reasons
        }
    )
    result = scoring.refresh(session=session, settings=tuned, now=END)
    rows = stored_scores(session)
    assert result.customers == len(rows)
    return rows


@pytest.mark.usefixtures("small_samples")
def test_refresh_in_chunks_of_seven_equals_refresh_in_one_chunk(
    session: Session, settings: Settings
) -> None:
    build_planted_churn(session, customers=120)
    _enrich(session)
    train_and_register(session=session, settings=settings)
    whole = _refresh(session, settings, chunk=10_000, threads=1)
    sevens = _refresh(session, settings, chunk=7, threads=2)

    assert sevens == whole
    assert len(whole) == 129  # 120 planted + 9 window shoppers; "Not yet" does not exist yet
    assert all(row[1] is not None and row[4] is not None for row in whole if row[11] > 0)
    assert sum(bool(row[2]) for row in whole) > len(whole) // 2
    assert {row[7] for row in whole} > {"no_orders"}
    assert {row[9] for row in whole} - {None}


@pytest.mark.usefixtures("small_samples")
def test_streamed_scores_equal_the_all_at_once_models(session: Session, settings: Settings) -> None:
    build_planted_churn(session, customers=120)
    _enrich(session)
    train_and_register(session=session, settings=settings)
    stored = {
        i: list(col) for i, col in enumerate(zip(*_refresh(session, settings, 7, 1), strict=True))
    }

    features = customer_features(session=session, as_of=END)
    shares = features.filter(like="cat:").columns
    assert len(shares) == 13 and "cat:other" in shares  # the top 12 and "other"
    rfm = RFMModel().fit(features).predict(features)
    clusters = CustomerClusterer(fit_sample=CLUSTER_SAMPLE).fit(features).predict(features)
    summary = purchase_summary(session=session, as_of=END)
    fitted = lifetime.fit_lifetime(
        sample_rows(summary[list(lifetime.SUMMARY_COLUMNS)], CLV_SAMPLE, 0)
    )
    clv = fitted.values(summary).reindex(features.index)
    bundle, version = scoring.active_churn(session=session, settings=settings) or (None, None)
    assert bundle is not None
    churn = bundle.model.predict_proba(bundle.features.transform(features))[:, 1]

    assert stored[0] == features.index.tolist()
    assert stored[7] == rfm["segment"].tolist()
    assert stored[8] == [c if isinstance(c, str) else None for c in rfm["code"]]
    assert stored[9] == [c if c >= 0 else None for c in clusters.tolist()]
    assert stored[1] == [round(float(p), 6) for p in churn]
    assert set(stored[3]) == {version}
    for col, name in ((4, "clv"), (5, "expected_purchases"), (6, "probability_alive")):
        expected = [None if np.isnan(v) else round(float(v), 6) for v in clv[name]]
        assert stored[col] == expected
    assert stored[10] == features["monetary"].tolist()
    assert stored[11] == features["frequency"].astype(int).tolist()


def test_chunk_features_are_the_same_rows_as_everyones(session: Session) -> None:
    build_planted_churn(session, customers=40)
    _enrich(session)
    everyone = customer_features(session=session, as_of=END)
    plan = plan_of(session=session, as_of=END)
    parts = [
        features_for(session=session, as_of=END, plan=plan, span=span)[0]
        for span in scoring.spans(session=session, size=7)
    ]
    pd.testing.assert_frame_equal(pd.concat(parts), everyone, check_exact=True)


def test_bottom_k_over_chunks_is_the_sample_of_the_whole() -> None:
    rng = np.random.default_rng(5)
    ids = rng.choice(10_000_000, 5_000, replace=False)
    frame = pd.DataFrame({"x": rng.normal(size=len(ids))}, index=pd.Index(ids, dtype=np.int64))
    whole = sample_rows(frame, 300, seed=11)
    streamed = BottomK(300, seed=11)
    ordered = frame.sort_index()
    for rows in np.array_split(np.arange(len(ordered)), 37):
        streamed.add(ordered.iloc[rows])
    got = streamed.frame()
    assert got is not None
    pd.testing.assert_frame_equal(got, whole)
    assert len(whole) == 300 and whole.index.is_monotonic_increasing
    other = sample_rows(frame, 300, seed=12)
    assert len(set(other.index) & set(whole.index)) < 100  # another seed, another sample


def _without_none(values: dict[str, float | None]) -> dict[str, float]:
    return {k: v for k, v in values.items() if v is not None}


@pytest.mark.usefixtures("small_samples")
def test_large_databases_read_profiles_and_segments_from_the_last_refresh(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_planted_churn(session, customers=120)
    _enrich(session)
    monkeypatch.setattr(
        service,
        "CustomerClusterer",
        functools.partial(CustomerClusterer, fit_sample=CLUSTER_SAMPLE),
    )
    snap = service.compute(session=session, as_of=END)
    live = service.overview_of(snap)
    stored_rows = {row[0]: row for row in _refresh(session, settings, chunk=7, threads=1)}
    # 129 customers count as a large database from here on: nothing may rebuild everyone.
    monkeypatch.setattr(service, "LIVE_MAX_CUSTOMERS", 100)
    monkeypatch.setattr(service, "_now", lambda: END)

    def rebuild(**_: Any) -> None:
        raise AssertionError("a request rebuilt every customer's features")

    monkeypatch.setattr(service, "compute", rebuild)

    overview = service.segments(session=session)
    assert overview.as_of == END and overview.customers == live.customers == 129
    assert overview.silhouette_by_k == live.silhouette_by_k
    # Cluster descriptions read the refresh's clusterer sample, not everyone: not compared.
    pairs = [
        *((a, b, {"mean_features"}) for a, b in zip(overview.rfm, live.rfm, strict=True)),
        *(
            (a, b, {"mean_features", "description"})
            for a, b in zip(overview.clusters, live.clusters, strict=True)
        ),
    ]
    for got, want, skip in pairs:
        assert got.model_dump(exclude=skip) == want.model_dump(exclude=skip)
        assert _without_none(got.mean_features) == pytest.approx(
            _without_none(want.mean_features), abs=2e-4
        )
    assert {s.name for s in overview.rfm} > {"no_orders"} and overview.clusters

    for cid in list(stored_rows)[::9]:
        got = service.profile(session=session, customer_id=cid)
        row = stored_rows[cid]
        assert (got.rfm.segment, got.rfm.code) == (row[7], row[8])
        assert (got.cluster.id if got.cluster else None) == row[9] == _cluster(snap, cid)
        want = snap.features.loc[cid]
        assert got.features == {str(k): service._plain(v) for k, v in want.items()}

    # A window shopper's first order shows in their profile at once, before any refresh.
    shopper = session.scalars(select(Customer.id).where(Customer.name == "Window shopper 0")).one()
    before = service.profile(session=session, customer_id=shopper)
    assert before.rfm.segment == "no_orders" and before.features["frequency"] == 0
    session.add(_planted_order(shopper, END - timedelta(days=1)))
    session.flush()
    after = service.profile(session=session, customer_id=shopper)
    assert after.features["frequency"] == 1 and after.rfm.r_score == 5
    assert after.rfm.segment != "no_orders"


def _cluster(snap: service.Snapshot, cid: int) -> int | None:
    label = int(snap.clusters.loc[cid])
    return label if label >= 0 else None


def test_stored_recency_edges_move_on_with_the_days_since_the_refresh() -> None:
    rfm = RFMModel().fit(
        pd.DataFrame(
            {
                "recency_days": np.arange(1.0, 101.0),
                "frequency": np.ones(100),
                "monetary": np.full(100, 10.0),
            }
        )
    )
    kept = summary.Stored(
        as_of=END,
        segments=SegmentsRead(as_of=END, customers=0, rfm=[], clusters=[], silhouette_by_k={}),
        rfm=rfm,
        category_kept=frozenset(),
        category_columns=(),
    )
    later = kept.rfm_at(END + timedelta(days=30))
    people = pd.DataFrame(
        {"recency_days": [10.0, 40.0, 95.0], "frequency": [1, 1, 1], "monetary": [10.0] * 3}
    )
    aged = people.assign(recency_days=people["recency_days"] + 30)
    assert later.predict(aged)["r_score"].tolist() == rfm.predict(people)["r_score"].tolist()
    assert kept.rfm_at(END - timedelta(days=1)).edges_["recency_days"].tolist() == pytest.approx(
        rfm.edges_["recency_days"].tolist()
    )


def test_large_databases_without_a_refresh_refuse_instead_of_rebuilding_everyone(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_planted_churn(session, customers=30)
    some = session.scalars(select(Customer.id).limit(1)).one()
    small = service.profile(session=session, customer_id=some)  # small: live, as before
    assert small.customer_id == some
    monkeypatch.setattr(service, "LIVE_MAX_CUSTOMERS", 10)

    def rebuild(**_: Any) -> None:
        raise AssertionError("a request rebuilt every customer's features")

    monkeypatch.setattr(service, "compute", rebuild)
    monkeypatch.setattr(service, "snapshot", rebuild)
    for ask in (
        lambda: service.profile(session=session, customer_id=some),
        lambda: service.segments(session=session),
    ):
        with pytest.raises(service.NotRefreshed, match="maitre analytics refresh") as caught:
            ask()
        assert caught.value.status == 409
