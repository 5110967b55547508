"""Customer profiles and segments, computed on demand from the CRM.

Profiles are not persisted (a profile adds the churn and CLV scores a refresh stored, see
``maitre.analytics.scoring``): ``snapshot`` builds the feature frame (``maitre.ml.features``),
scores RFM and clusters buyers, and keeps the result in a small in-process cache keyed by the
database, the UTC day and a fingerprint of the customer, order, ticket, conversation and product
tables (row count, max id, last update), so repeated requests on unchanged data are cheap and any
write through the services gives fresh results. Each process (API worker, CLI) has its own
cache. A change that touches no row count, id or ``updated_at`` (a conversation's csat) shows
up the next UTC day or on the next write.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from maitre.analytics import scores as stored_scores
from maitre.analytics.schemas import (
    ClusterRead,
    ClusterRef,
    ProfileRead,
    RFMRead,
    SegmentRead,
    SegmentsRead,
)
from maitre.conversations import service as conversations
from maitre.customers import service as customers
from maitre.errors import NotFound
from maitre.ml.features import NUMERIC_FEATURES, category_columns, customer_features
from maitre.ml.segments import SEGMENT_DESCRIPTIONS, CustomerClusterer, RFMModel, RFMSegment
from maitre.orders import service as orders
from maitre.products import service as products
from maitre.tickets import service as tickets

log = logging.getLogger("maitre.analytics")
CACHE_SIZE = 4
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


def _means(frame: pd.DataFrame) -> dict[str, float | None]:
    cols = [c for c in (*NUMERIC_FEATURES, *category_columns(frame)) if c in frame.columns]
    means = frame[cols].apply(pd.to_numeric, errors="coerce").mean()
    return {str(k): (None if math.isnan(v) else round(float(v), 4)) for k, v in means.items()}


def profile(*, session: Session, customer_id: int) -> ProfileRead:
    """Return one customer's features, RFM scores and segment, and cluster; NotFound if unknown."""
    customers.get(session=session, customer_id=customer_id)
    snap = snapshot(session=session)
    if customer_id not in snap.features.index:
        snap = snapshot(session=session, fresh=True)
        if customer_id not in snap.features.index:
            raise NotFound(f"Customer {customer_id} has no profile yet.")
    row = snap.features.loc[customer_id]
    scores = snap.rfm.loc[customer_id]
    segment = RFMSegment(str(scores["segment"]))
    label = int(snap.clusters.loc[customer_id])
    cluster = None
    if label >= 0:
        cluster = ClusterRef(id=label, description=snap.clusterer.descriptions_[label])

    def score(name: str) -> int | None:
        value = scores[name]
        return None if value is pd.NA or value is None else int(value)

    stored = stored_scores.get(session=session, customer_id=customer_id)
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
        as_of=snap.as_of,
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
    """Return every RFM segment and cluster with size, share, mean features and description."""
    snap = snapshot(session=session)
    total = len(snap.features)
    rfm: list[SegmentRead] = []
    for seg in RFMSegment:
        members = snap.features[snap.rfm["segment"] == seg.value]
        if len(members):
            rfm.append(
                SegmentRead(
                    name=seg.value,
                    size=len(members),
                    share=round(len(members) / total, 4),
                    mean_features=_means(members),
                    description=SEGMENT_DESCRIPTIONS[seg],
                )
            )
    clusters: list[ClusterRead] = []
    for label in sorted(int(x) for x in np.unique(snap.clusters.to_numpy()) if x >= 0):
        members = snap.features[snap.clusters == label]
        clusters.append(
            ClusterRead(
                id=label,
                size=len(members),
                share=round(len(members) / total, 4),
                mean_features=_means(members),
                description=snap.clusterer.descriptions_[label],
            )
        )
    return SegmentsRead(
        as_of=snap.as_of,
        customers=total,
        rfm=rfm,
        clusters=clusters,
        silhouette_by_k={k: round(v, 4) for k, v in snap.clusterer.silhouette_by_k_.items()},
    )
