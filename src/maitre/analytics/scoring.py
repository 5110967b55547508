"""Batch scoring: every customer's RFM segment, cluster, churn risk with reasons and CLV, stored.

A refresh streams through the customers in chunks of ``settings.analytics_score_chunk``
(keyset pagination by id: ``(after, upto]`` ranges), so its memory is bounded by the chunk,
not by the number of customers. Two passes:

``prepare`` learns what needs everyone, reading two cheap queries per chunk: which product
categories get a share column (one grouped query); the exact RFM quintile edges (it keeps each
buyer's recency, frequency and monetary value: 24 bytes a buyer, 24 MB at a million); the
customers the clusterer learns from and the buyers BG/NBD + Gamma-Gamma learn from, each a
bottom-k sample by id hash kept while the chunks go by (``maitre.ml.sampling``), so the
samples, and the models fitted on them, are those of the all-at-once computation whatever the
chunk size. It then builds the full features of the clusterer's sample only, fits the
clusterer and the CLV models (CLV skipped when the history is too thin) and loads the active
``churn`` model from the registry (no model: churn fields stay empty).

``store`` rewrites ``customer_scores`` chunk by chunk: the chunk's features and purchase
summaries (``maitre.ml.features.features_for``), RFM segment, cluster, CLV, churn probability
and TreeSHAP reasons (for customers at or above ``settings.churn_reasons_min_probability``),
rows built column by column with the reasons as ready JSON text and written with the bulk
inserter (COPY on PostgreSQL). Every per-customer value depends only on the customer's rows and
the fitted models, so the stored scores do not depend on the chunk size. LightGBM predicts and
explains on ``settings.analytics_score_threads`` threads (the results do not depend on it).
The caller owns the transaction, so readers see the old scores until the refresh commits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Column, MetaData, Table, Text, delete
from sqlalchemy.orm import Session

from maitre.analytics.lifetime import (
    CLV_FIT_SAMPLE,
    CLV_SEED,
    SUMMARY_COLUMNS,
    Lifetime,
    fit_lifetime,
)
from maitre.analytics.models import CustomerScore
from maitre.analytics.summary import SegmentTally
from maitre.analytics.summary import save as save_summary
from maitre.common.idspan import IdSpan
from maitre.config import Settings
from maitre.customers import service as customers
from maitre.db.base import utcnow
from maitre.db.bulk import insert_rows
from maitre.errors import ValidationFailed
from maitre.ml.churn_crm import reasons_json
from maitre.ml.churn_crm_train import MODEL_NAME as CHURN_MODEL
from maitre.ml.churn_crm_train import ChurnBundle, load_bundle
from maitre.ml.features import CategoryPlan, category_plan, features_for, order_profile
from maitre.ml.registry import ActiveModelCache
from maitre.ml.sampling import BottomK
from maitre.ml.segments import CustomerClusterer, RFMModel

log = logging.getLogger("maitre.analytics.scoring")
Progress = Callable[[float, str], None]
RFM_INPUTS = ("recency_days", "frequency", "monetary")
# Ids per IN list when reading the clusterer's sample (under SQLite's oldest parameter limit).
SAMPLE_BATCH = 900
PREPARE_SHARE = 0.3
COLUMNS = (
    "customer_id",
    "churn_probability",
    "churn_reasons",
    "churn_model_version",
    "clv",
    "expected_purchases",
    "probability_alive",
    "rfm_segment",
    "rfm_code",
    "cluster",
    "total_spent",
    "orders_count",
    "last_order_at",
    "scored_at",
)


@lru_cache(maxsize=1)
def _write_table() -> Table:
    """``customer_scores`` as the batch writer sees it: reasons arrive as ready JSON text."""
    columns = CustomerScore.__table__.columns
    return Table(
        CustomerScore.__tablename__,
        MetaData(),
        *(Column(c.name, Text() if c.name == "churn_reasons" else c.type) for c in columns),
    )


@dataclass(frozen=True)
class RefreshResult:
    """What one refresh did."""

    customers: int
    churn_model_version: int | None
    clv: bool
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {
            "customers": self.customers,
            "churn_model_version": self.churn_model_version,
            "clv": self.clv,
            "seconds": round(self.seconds, 2),
        }


@lru_cache(maxsize=8)
def churn_cache(models_dir: Path) -> ActiveModelCache[ChurnBundle]:
    """The per-process cache of the active churn model for ``models_dir``."""
    return ActiveModelCache(CHURN_MODEL, models_dir, load_bundle)


def active_churn(*, session: Session, settings: Settings) -> tuple[ChurnBundle, int] | None:
    """Return the active churn bundle and its version, if one is registered."""
    return churn_cache(settings.models_dir).get(session)


def spans(*, session: Session, size: int) -> Iterator[IdSpan]:
    """Yield keyset chunks of ``size`` customers by id; together they cover every id."""
    after: int | None = None
    while True:
        upto = customers.chunk_end(session=session, after=after, size=size)
        yield IdSpan(after=after, upto=upto)
        if upto is None:
            return
        after = upto


@dataclass(frozen=True)
class Prepared:
    """What a refresh learns from everyone before it scores anyone: plan, models, counts."""

    now: datetime
    plan: CategoryPlan
    rfm: RFMModel
    clusterer: CustomerClusterer
    lifetime: Lifetime | None
    churn: tuple[ChurnBundle, int] | None
    customers: int
    reasons_from: float = 0.0
    threads: int = 1


def _sample_features(
    session: Session, now: datetime, plan: CategoryPlan, ids: pd.Index
) -> pd.DataFrame:
    """Full features of the clusterer's sample (``fit_sample`` customers), read by id lists."""
    parts = [
        features_for(
            session=session, as_of=now, plan=plan, span=IdSpan.of(ids[i : i + SAMPLE_BATCH])
        )[0]
        for i in range(0, len(ids), SAMPLE_BATCH)
    ]
    if not parts:
        return features_for(session=session, as_of=now, plan=plan, span=IdSpan(ids=()))[0]
    return pd.concat(parts).sort_index()


def _fit_lifetime(sample: pd.DataFrame | None) -> Lifetime | None:
    try:
        return fit_lifetime(sample if sample is not None else pd.DataFrame(columns=SUMMARY_COLUMNS))
    except ValidationFailed as exc:
        log.info("analytics.clv.skipped", extra={"reason": str(exc)})
        return None


def prepare(
    *,
    session: Session,
    settings: Settings,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Prepared:
    """First pass: learn the RFM edges, clusters and CLV models from everyone (no writes)."""
    report = progress or _quiet
    now = now or utcnow()
    report(0.02, "learning from every customer")
    plan = category_plan(session=session, as_of=now)
    clusterer = CustomerClusterer()
    cluster_sample = BottomK(clusterer.fit_sample, clusterer.random_state)
    clv_sample = BottomK(CLV_FIT_SAMPLE, CLV_SEED)
    rfm_inputs: list[np.ndarray] = []
    total, expected = 0, max(int(customers.fingerprint(session=session)[0] or 0), 1)
    for span in spans(session=session, size=settings.analytics_score_chunk):
        orders, summary = order_profile(session=session, as_of=now, span=span)
        buyers = orders[orders["frequency"] > 0]
        rfm_inputs.append(buyers[list(RFM_INPUTS)].to_numpy(dtype=float))
        cluster_sample.add(buyers.iloc[:, :0])
        clv_sample.add(summary[list(SUMMARY_COLUMNS)])
        total += len(orders)
        report(0.02 + 0.2 * min(1.0, total / expected), f"read {total:,} of {expected:,} customers")
    rfm = RFMModel().fit(pd.DataFrame(np.concatenate(rfm_inputs), columns=list(RFM_INPUTS)))
    del rfm_inputs
    report(0.22, "clustering a sample of customers")
    picked = cluster_sample.frame()
    ids = picked.index if picked is not None else pd.Index([], dtype=np.int64)
    clusterer.fit(_sample_features(session, now, plan, ids))
    report(0.27, "fitting lifetime value")
    lifetime = _fit_lifetime(clv_sample.frame())
    churn = active_churn(session=session, settings=settings)
    return Prepared(
        now=now,
        plan=plan,
        rfm=rfm,
        clusterer=clusterer,
        lifetime=lifetime,
        churn=churn,
        customers=total,
        reasons_from=settings.churn_reasons_min_probability,
        threads=settings.analytics_score_threads,
    )


def store(
    *, session: Session, settings: Settings, prepared: Prepared, progress: Progress | None = None
) -> RefreshResult:
    """Second pass: score each chunk of customers and replace every stored score."""
    started = time.perf_counter()
    report = progress or _quiet
    session.execute(delete(CustomerScore))
    done, expected = 0, max(prepared.customers, 1)
    tally = SegmentTally()
    for span in spans(session=session, size=settings.analytics_score_chunk):
        part, summary = features_for(
            session=session, as_of=prepared.now, plan=prepared.plan, span=span
        )
        if part.empty:
            continue
        aligned = _aligned(part, summary, prepared)
        rows = _rows(part, aligned, prepared)
        insert_rows(session, _write_table(), COLUMNS, rows)
        tally.add(part, aligned["segment"], aligned["cluster"])
        done += len(part)
        fraction = PREPARE_SHARE + (1 - PREPARE_SHARE) * min(1.0, done / expected)
        report(fraction, f"scored {done:,} of {prepared.customers:,} customers")
    save_summary(
        session=session,
        segments=tally.overview(as_of=prepared.now, clusterer=prepared.clusterer),
        rfm=prepared.rfm,
        plan=prepared.plan,
    )
    session.flush()
    churn = prepared.churn
    result = RefreshResult(
        customers=done,
        churn_model_version=churn[1] if churn else None,
        clv=prepared.lifetime is not None,
        seconds=time.perf_counter() - started,
    )
    log.info("analytics.refresh.stored", extra=result.as_dict())
    return result


def refresh(
    *,
    session: Session,
    settings: Settings,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> RefreshResult:
    """Recompute profiles and segments and rewrite every customer's stored scores."""
    started = time.perf_counter()
    prepared = prepare(session=session, settings=settings, progress=progress, now=now)
    result = store(session=session, settings=settings, prepared=prepared, progress=progress)
    return RefreshResult(
        result.customers, result.churn_model_version, result.clv, time.perf_counter() - started
    )


def _quiet(fraction: float, message: str) -> None:
    """Ignore progress."""


def _aligned(part: pd.DataFrame, summary: pd.DataFrame, prepared: Prepared) -> pd.DataFrame:
    """RFM, cluster, CLV and last order lined up with one chunk's feature rows."""
    index = part.index
    out = pd.DataFrame(index=index)
    rfm = prepared.rfm.predict(part)
    out["segment"] = rfm["segment"].astype(str)
    out["code"] = rfm["code"]
    out["cluster"] = prepared.clusterer.predict(part)
    clv = prepared.lifetime.values(summary) if prepared.lifetime is not None else None
    for name in ("clv", "expected_purchases", "probability_alive"):
        out[name] = clv[name].reindex(index).astype(float) if clv is not None else np.nan
    out["last_order_at"] = summary["last_order_at"].reindex(index)
    return out


def _floats(values: Any) -> list[float | None]:
    """Rounded to 6 places (exactly as ``round``), non-finite as None."""
    array = np.asarray(values, dtype=float)
    rounded: list[float | None] = list(map(round, array.tolist(), repeat(6)))
    for i in np.flatnonzero(~np.isfinite(array)).tolist():
        rounded[i] = None
    return rounded


def _times(values: pd.Series) -> list[datetime | None]:
    """Timestamps as ``datetime`` objects, missing as None."""
    missing = values.isna().to_numpy()
    out: list[datetime | None] = list(values.dt.to_pydatetime())
    for i in np.flatnonzero(missing).tolist():
        out[i] = None
    return out


def _churn(part: pd.DataFrame, prepared: Prepared) -> tuple[list[float | None], list[str]]:
    """Churn probabilities and reasons (JSON text) of one chunk; empty without a model."""
    n = len(part)
    if prepared.churn is None:
        return [None] * n, ["[]"] * n
    bundle = prepared.churn[0]
    X = bundle.features.transform(part)
    threads = prepared.threads
    p = bundle.model.predict_proba(X, threads=threads)[:, 1]
    why = ["[]"] * n
    # TreeSHAP costs several predictions: explain only customers worth explaining.
    explain = np.flatnonzero(p >= prepared.reasons_from)
    if len(explain):
        rows = part[bundle.features.columns_].iloc[explain]
        found = reasons_json(bundle.model.contributions(X.iloc[explain], threads=threads), rows)
        for i, text in zip(explain.tolist(), found, strict=True):
            why[i] = text
    return _floats(p), why


def _rows(part: pd.DataFrame, aligned: pd.DataFrame, prepared: Prepared) -> list[tuple[Any, ...]]:
    """One chunk's rows in ``COLUMNS`` order, built column by column."""
    n = len(part)
    probability, why = _churn(part, prepared)
    version = prepared.churn[1] if prepared.churn else None
    clusters = aligned["cluster"].to_numpy()
    codes = aligned["code"].tolist()
    return list(
        zip(
            part.index.astype(int).tolist(),
            probability,
            why,
            repeat(version, n),
            _floats(aligned["clv"]),
            _floats(aligned["expected_purchases"]),
            _floats(aligned["probability_alive"]),
            aligned["segment"].tolist(),
            [c if isinstance(c, str) else None for c in codes],
            [c if c >= 0 else None for c in clusters.tolist()],
            part["monetary"].astype(float).tolist(),
            part["frequency"].astype(int).tolist(),
            _times(aligned["last_order_at"]),
            repeat(prepared.now, n),
            strict=True,
        )
    )
