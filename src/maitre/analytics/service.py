"""Customer profiles and segments, computed on demand from the CRM.

Profiles are not persisted (a profile adds the churn and CLV scores a refresh stored, see
``maitre.analytics.scoring``): ``snapshot`` builds the feature frame (``maitre.ml.features``),
scores RFM and clusters buyers, and keeps the result in a small in-process cache keyed by the
database, the UTC day and a fingerprint of the customer, order, ticket, conversation and product
tables (row count, max id, last update), so repeated requests on unchanged data are cheap and any
write through the services gives fresh results. Each process (API worker, CLI) has its own
cache. A change that touches no row count, id or ``updated_at`` (a conversation's csat) shows
up the next UTC day or on the next write.

That rebuild reads every customer, which takes minutes at a million. So above
``LIVE_MAX_CUSTOMERS`` customers, once a refresh has run, nothing rebuilds everyone on a
request: a profile is that customer's features computed now, RFM-scored against the quintile
edges the refresh stored, with the cluster the refresh assigned; the segments overview is the
one the refresh stored (``maitre.analytics.summary``), dated by its ``as_of``.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from maitre.analytics import scores as stored_scores
from maitre.analytics import summary
from maitre.analytics.schemas import (
    ClusterRef,
    ProfileRead,
    RFMRead,
    SegmentsRead,
)
from maitre.common.idspan import IdSpan
from maitre.conversations import service as conversations
from maitre.customers import service as customers
from maitre.customers.models import Customer
from maitre.errors import Conflict, NotFound
from maitre.ml.features import customer_features, features_for
from maitre.ml.segments import SEGMENT_DESCRIPTIONS, CustomerClusterer, RFMModel, RFMSegment
from maitre.orders import service as orders
from maitre.products import service as products
from maitre.tickets import service as tickets

log = logging.getLogger("maitre.analytics")
CACHE_SIZE = 4
#: above this many customers, profiles and segments come from what the last refresh stored
#: (``maitre.analytics.summary``): rebuilding everyone's features takes minutes at a million
LIVE_MAX_CUSTOMERS = 10_000
_cache: OrderedDict[tuple[Any, ...], Snapshot] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class Snapshot:
    """Features, RFM scores and clusters of every customer at one moment."""

    as_of: datetime
    features: pd.DataFrame
    rfm: pd.DataFrame
    clusters: pd.Series
    clusterer: CustomerClusterer


def _key(session: Session, as_of: datetime) -> tuple[Any, ...]:
    return (
        session.get_bind().engine.url.render_as_string(hide_password=True),
        as_of.date(),
        customers.fingerprint(session=session),
        orders.fingerprint(session=session),
        tickets.fingerprint(session=session),
        conversations.fingerprint(session=session),
        products.fingerprint(session=session),
    )


def compute(*, session: Session, as_of: datetime, features: pd.DataFrame | None = None) -> Snapshot:
    """Build features (unless given), RFM scores and clusters as of ``as_of`` (no cache)."""
    if features is None:
        features = customer_features(session=session, as_of=as_of)
    rfm = RFMModel().fit(features).predict(features)
    clusterer = CustomerClusterer().fit(features)
    labels = pd.Series(clusterer.predict(features), index=features.index, dtype=int)
    log.info(
        "analytics.snapshot.computed",
        extra={"customers": len(features), "clusters": clusterer.k_},
    )
    return Snapshot(as_of=as_of, features=features, rfm=rfm, clusters=labels, clusterer=clusterer)


def snapshot(*, session: Session, fresh: bool = False) -> Snapshot:
    """Return the current snapshot, from the cache unless the data changed or ``fresh``."""
    now = datetime.now(UTC)
    key = _key(session, now)
    with _lock:
        cached = None if fresh else _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    result = compute(session=session, as_of=now)
    with _lock:
        _cache[key] = result
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return result


def _plain(value: Any) -> float | str | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, str):
        return value
    number = float(value)
    return None if math.isnan(number) else round(number, 4)


def _now() -> datetime:
    return datetime.now(UTC)


def live_affordable(session: Session) -> bool:
    """Whether rebuilding every customer's features on a request is cheap enough (ids ≤ limit)."""
    return (session.scalar(select(func.max(Customer.id))) or 0) <= LIVE_MAX_CUSTOMERS


class NotRefreshed(Conflict):
    """Too many customers to rebuild on a request, and no refresh has stored a summary yet."""


def _stored(session: Session) -> summary.Stored | None:
    """The last refresh's summary when the database is too big to rebuild everyone live.

    Big means more than ``LIVE_MAX_CUSTOMERS`` customers at the refresh, or ids beyond that
    now (an index lookup, where counting a million rows on each request would not be). Big and
    never refreshed raises ``NotRefreshed``: only a rebuild of every customer could answer.
    """
    stored = summary.latest(session=session)
    if stored is not None and stored.segments.customers > LIVE_MAX_CUSTOMERS:
        return stored
    if live_affordable(session):
        return None
    if stored is None:
        raise NotRefreshed(
            f"More than {LIVE_MAX_CUSTOMERS:,} customers and no analytics refresh yet: run "
            "`maitre analytics refresh` (or POST /api/v1/analytics/refresh), then ask again."
        )
    return stored


def _one_profile(
    session: Session, stored: summary.Stored, customer_id: int
) -> tuple[datetime, pd.Series, pd.Series]:
    """One customer's features now and their RFM scores against the stored quintile edges."""
    now = _now()
    features = features_for(
        session=session, as_of=now, plan=stored.plan(session=session), span=IdSpan.of([customer_id])
    )[0]
    if customer_id not in features.index:
        raise NotFound(f"Customer {customer_id} has no profile yet.")
    return now, features.loc[customer_id], stored.rfm_at(now).predict(features).loc[customer_id]


def profile(*, session: Session, customer_id: int) -> ProfileRead:
    """Return one customer's features, RFM scores and segment, and cluster; NotFound if unknown."""
    customers.get(session=session, customer_id=customer_id)
    stored = stored_scores.get(session=session, customer_id=customer_id)
    summary_row = _stored(session)
    if summary_row is not None:
        as_of, row, scores = _one_profile(session, summary_row, customer_id)
        label = stored.cluster if stored is not None else None
        description = summary_row.cluster_description(label)
        cluster = ClusterRef(id=label, description=description) if description else None
    else:
        snap = snapshot(session=session)
        if customer_id not in snap.features.index:
            snap = snapshot(session=session, fresh=True)
            if customer_id not in snap.features.index:
                raise NotFound(f"Customer {customer_id} has no profile yet.")
        as_of, row, scores = snap.as_of, snap.features.loc[customer_id], snap.rfm.loc[customer_id]
        found = int(snap.clusters.loc[customer_id])
        cluster = (
            ClusterRef(id=found, description=snap.clusterer.descriptions_[found])
            if found >= 0
            else None
        )
    segment = RFMSegment(str(scores["segment"]))

    def score(name: str) -> int | None:
        value = scores[name]
        return None if value is pd.NA or value is None else int(value)

    threshold = stored_scores.churn_threshold(session=session) if stored else None
    probability = stored.churn_probability if stored else None
    return ProfileRead(
        churn_probability=probability,
        churn_reasons=stored_scores.reasons(stored) if stored else [],
        churn_model_version=stored.churn_model_version if stored else None,
        churn_at_risk=(
            probability >= threshold if probability is not None and threshold is not None else None
        ),
        clv=stored.clv if stored else None,
        expected_purchases=stored.expected_purchases if stored else None,
        probability_alive=stored.probability_alive if stored else None,
        scored_at=stored.scored_at if stored else None,
        customer_id=customer_id,
        as_of=as_of,
        features={str(k): _plain(v) for k, v in row.items()},
        rfm=RFMRead(
            r_score=score("r_score"),
            f_score=score("f_score"),
            m_score=score("m_score"),
            code=scores["code"] if isinstance(scores["code"], str) else None,
            segment=segment.value,
        ),
        cluster=cluster,
        description=cluster.description if cluster else SEGMENT_DESCRIPTIONS[segment],
    )


def segments(*, session: Session) -> SegmentsRead:
    """Return every RFM segment and cluster with size, share, mean features and description.

    Above ``LIVE_MAX_CUSTOMERS`` customers, the overview the last refresh stored.
    """
    stored = _stored(session)
    if stored is not None:
        return stored.segments
    return overview_of(snapshot(session=session))


def overview_of(snap: Snapshot) -> SegmentsRead:
    """The segments overview of one snapshot (tallied as a refresh tallies its chunks)."""
    tally = summary.SegmentTally()
    tally.add(snap.features, snap.rfm["segment"], snap.clusters)
    return tally.overview(as_of=snap.as_of, clusterer=snap.clusterer)
