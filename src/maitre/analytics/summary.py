"""The segments overview a refresh stores, so large databases never rebuild everyone on a request.

``maitre analytics refresh`` already streams through every customer; on the way it sums each
RFM segment's and each cluster's features (``GroupMeans``) and at the end writes one
``segment_summaries`` row: the overview ``GET /api/v1/segments`` shows, the RFM quintile edges
and the category-share plan. With those, a profile is one customer's features plus the stored
scores (see ``maitre.analytics.service``), whatever the number of customers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from maitre.analytics.models import SegmentSummary
from maitre.analytics.schemas import ClusterRead, SegmentRead, SegmentsRead
from maitre.ml.features import NUMERIC_FEATURES, CategoryPlan, category_columns
from maitre.ml.segments import SEGMENT_DESCRIPTIONS, CustomerClusterer, RFMModel, RFMSegment
from maitre.products import service as products

Means = dict[str, float | None]


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """The columns whose means describe a group: numeric features and category shares."""
    return [c for c in (*NUMERIC_FEATURES, *category_columns(frame)) if c in frame.columns]


def _rounded(sums: pd.Series, counts: pd.Series) -> Means:
    out: Means = {}
    for name, total in sums.items():
        count = float(counts[name])
        out[str(name)] = round(float(total) / count, 4) if count > 0 else None
    return out


def _numbers(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[feature_columns(frame)].apply(pd.to_numeric, errors="coerce")


class GroupMeans:
    """Sizes and feature sums per group, added chunk by chunk; means at the end."""

    def __init__(self) -> None:
        self.sizes: dict[Any, int] = {}
        self.sums: dict[Any, pd.Series] = {}
        self.counts: dict[Any, pd.Series] = {}

    def add(self, frame: pd.DataFrame, labels: pd.Series) -> None:
        """Add one chunk's feature rows, grouped by ``labels`` (aligned with ``frame``)."""
        grouped = _numbers(frame).groupby(labels.to_numpy())
        sums, counts = grouped.sum(), grouped.count()
        for key, size in grouped.size().items():
            self.sizes[key] = self.sizes.get(key, 0) + int(size)
            before = self.sums.get(key)
            self.sums[key] = sums.loc[key] if before is None else before.add(sums.loc[key])
            counted = self.counts.get(key)
            self.counts[key] = counts.loc[key] if counted is None else counted.add(counts.loc[key])

    def means(self, key: Any) -> Means:
        """The mean features of one group."""
        return _rounded(self.sums[key], self.counts[key])


def overview(
    *,
    as_of: datetime,
    total: int,
    rfm: Mapping[str, tuple[int, Means]],
    clusters: Mapping[int, tuple[int, Means]],
    descriptions: Mapping[int, str],
    silhouette_by_k: Mapping[int, float],
) -> SegmentsRead:
    """The segments overview from group sizes and mean features (segments in their order)."""
    share = (lambda size: round(size / total, 4)) if total else (lambda size: 0.0)
    return SegmentsRead(
        as_of=as_of,
        customers=total,
        rfm=[
            SegmentRead(
                name=seg.value,
                size=rfm[seg.value][0],
                share=share(rfm[seg.value][0]),
                mean_features=rfm[seg.value][1],
                description=SEGMENT_DESCRIPTIONS[seg],
            )
            for seg in RFMSegment
            if rfm.get(seg.value, (0, {}))[0] > 0
        ],
        clusters=[
            ClusterRead(
                id=label,
                size=clusters[label][0],
                share=share(clusters[label][0]),
                mean_features=clusters[label][1],
                description=descriptions[label],
            )
            for label in sorted(clusters)
        ],
        silhouette_by_k={int(k): round(float(v), 4) for k, v in silhouette_by_k.items()},
    )


class SegmentTally:
    """Each RFM segment's and cluster's size and mean features, added chunk by chunk."""

    def __init__(self) -> None:
        self.segments, self.clusters = GroupMeans(), GroupMeans()
        self.total = 0

    def add(self, frame: pd.DataFrame, segments: pd.Series, clusters: pd.Series) -> None:
        """Add feature rows with their RFM segment and cluster (-1: none) labels."""
        self.total += len(frame)
        self.segments.add(frame, segments)
        clustered = clusters.to_numpy() >= 0
        self.clusters.add(frame[clustered], clusters[clustered])

    def overview(self, *, as_of: datetime, clusterer: CustomerClusterer) -> SegmentsRead:
        """The segments overview of everything added, with the clusterer's descriptions."""
        by_segment, by_cluster = self.segments, self.clusters
        return overview(
            as_of=as_of,
            total=self.total,
            rfm={str(k): (n, by_segment.means(k)) for k, n in by_segment.sizes.items()},
            clusters={int(k): (n, by_cluster.means(k)) for k, n in by_cluster.sizes.items()},
            descriptions=getattr(clusterer, "descriptions_", {}),
            silhouette_by_k=getattr(clusterer, "silhouette_by_k_", {}),
        )


@dataclass(frozen=True)
class Stored:
    """The last refresh's overview, RFM edges and category plan, read back."""

    as_of: datetime
    segments: SegmentsRead
    rfm: RFMModel
    category_kept: frozenset[str]
    category_columns: tuple[str, ...]

    def cluster_description(self, label: int | None) -> str | None:
        """The stored description of cluster ``label`` (None when unknown)."""
        for cluster in self.segments.clusters:
            if cluster.id == label:
                return cluster.description
        return None

    def rfm_at(self, now: datetime) -> RFMModel:
        """The stored RFM model with its recency edges moved on by the days since the refresh.

        Without new orders everyone's recency grows by the same days, so a customer's R score
        stays what the refresh gave until they order again (then it rises), instead of sliding
        towards "lapsed" for everyone as the refresh ages.
        """
        elapsed = max((now - self.as_of).total_seconds() / 86_400, 0.0)
        moved = RFMModel(n_bins=self.rfm.n_bins)
        moved.edges_ = {col: edges.copy() for col, edges in self.rfm.edges_.items()}
        moved.edges_["recency_days"] = moved.edges_["recency_days"] + elapsed
        moved.n_customers_ = self.rfm.n_customers_
        return moved

    def plan(self, *, session: Session) -> CategoryPlan:
        """The refresh's category-share plan, with today's product categories."""
        found = products.categories(session=session)
        names = {pid: cat or "uncategorized" for pid, cat in found.items()}
        return CategoryPlan(names, self.category_kept, self.category_columns)


def save(
    *,
    session: Session,
    segments: SegmentsRead,
    rfm: RFMModel,
    plan: CategoryPlan,
) -> None:
    """Replace the stored summary (in the caller's transaction)."""
    session.execute(delete(SegmentSummary))
    payload: dict[str, Any] = {
        "segments": segments.model_dump(mode="json"),
        "rfm": {
            "n_bins": rfm.n_bins,
            "edges": {col: [float(x) for x in edges] for col, edges in rfm.edges_.items()},
            "buyers": int(rfm.n_customers_),
        },
        "categories": {"kept": sorted(plan.kept), "columns": list(plan.columns)},
    }
    session.add(SegmentSummary(as_of=segments.as_of, customers=segments.customers, payload=payload))
    session.flush()


def latest(*, session: Session) -> Stored | None:
    """The stored summary, or None before the first refresh (or from an older format)."""
    row = session.scalars(select(SegmentSummary).order_by(SegmentSummary.id.desc())).first()
    if row is None:
        return None
    payload = row.payload or {}
    try:
        rfm = RFMModel(n_bins=int(payload["rfm"]["n_bins"]))
        rfm.edges_ = {
            col: np.asarray(edges, dtype=float) for col, edges in payload["rfm"]["edges"].items()
        }
        rfm.n_customers_ = int(payload["rfm"]["buyers"])
        return Stored(
            as_of=row.as_of,
            segments=SegmentsRead.model_validate(payload["segments"]),
            rfm=rfm,
            category_kept=frozenset(payload["categories"]["kept"]),
            category_columns=tuple(payload["categories"]["columns"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
