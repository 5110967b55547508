"""Batch scoring: every customer's RFM segment, cluster, churn risk with reasons and CLV, stored.

``refresh`` builds the profile snapshot (features, RFM, clusters), loads the active ``churn``
model from the registry (no model: churn fields stay empty), fits BG/NBD + Gamma-Gamma on the
CRM's orders (on a sample when there are many buyers; skipped when the history is too thin),
then rewrites ``customer_scores`` in chunks of ``settings.analytics_score_chunk`` customers:
model input, TreeSHAP reasons (for customers at or above
``settings.churn_reasons_min_probability``) and rows exist for one chunk at a time, and rows
go in with the bulk inserter (COPY on PostgreSQL). The caller owns the transaction, so readers
see the old scores until the refresh commits.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete
from sqlalchemy.orm import Session

from maitre.analytics import service as profiles
from maitre.analytics.models import CustomerScore
from maitre.config import Settings
from maitre.db.base import utcnow
from maitre.db.bulk import insert_rows
from maitre.errors import ValidationFailed
from maitre.ml.churn_crm import reasons
from maitre.ml.churn_crm_train import MODEL_NAME as CHURN_MODEL
from maitre.ml.churn_crm_train import ChurnBundle, load_bundle
from maitre.ml.clv import BetaGeoModel, GammaGammaModel
from maitre.ml.features import purchase_summary
from maitre.ml.registry import ActiveModelCache

log = logging.getLogger("maitre.analytics.scoring")
Progress = Callable[[float, str], None]
CLV_DAYS = 365
CLV_FIT_SAMPLE = 20_000
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


def lifetime_values(summary: pd.DataFrame, *, days: int = CLV_DAYS, seed: int = 0) -> pd.DataFrame:
    """Fit BG/NBD + Gamma-Gamma on ``summary`` and return p_alive, expected purchases and CLV."""
    fit_on = summary
    if len(summary) > CLV_FIT_SAMPLE:
        fit_on = summary.sample(CLV_FIT_SAMPLE, random_state=seed)
    x, t_x, big_t = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    bg = BetaGeoModel(penalizer=0.001).fit(fit_on["frequency"], fit_on["recency"], fit_on["T"])
    out = pd.DataFrame(index=summary.index)
    out["probability_alive"] = bg.p_alive(x, t_x, big_t)
    out["expected_purchases"] = bg.expected_purchases(days, x, t_x, big_t)
    spend = summary["monetary"].fillna(0.0).to_numpy(float)
    try:
        gg = GammaGammaModel().fit(fit_on["frequency"], fit_on["monetary"].fillna(0.0))
        value = gg.expected_spend(x, spend)
    except ValidationFailed:
        value = spend
    value = np.where(np.isfinite(value), value, spend)
    out["clv"] = out["expected_purchases"] * value
    return out


def _clv_frame(summary: pd.DataFrame) -> pd.DataFrame | None:
    try:
        return lifetime_values(summary)
    except ValidationFailed as exc:
        log.info("analytics.clv.skipped", extra={"reason": str(exc)})
        return None


def _num(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return round(number, 6) if math.isfinite(number) else None


@dataclass(frozen=True)
class Prepared:
    """Everything a refresh reads before it writes: snapshot, CLV, the churn model."""

    now: datetime
    snapshot: profiles.Snapshot
    clv: pd.DataFrame | None
    last_orders: pd.Series
    churn: tuple[ChurnBundle, int] | None
    reasons_from: float = 0.0


def prepare(
    *,
    session: Session,
    settings: Settings,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Prepared:
    """Read what scoring needs (no writes, so progress can be recorded meanwhile)."""
    report = progress or _quiet
    now = now or utcnow()
    report(0.02, "building profile features")
    snap = profiles.compute(session=session, as_of=now)
    report(0.3, "fitting lifetime value")
    summary = purchase_summary(session=session, as_of=now)
    clv = _clv_frame(summary)
    churn = active_churn(session=session, settings=settings)
    reasons_from = settings.churn_reasons_min_probability
    return Prepared(now, snap, clv, summary["last_order_at"], churn, reasons_from)


def store(
    *, session: Session, settings: Settings, prepared: Prepared, progress: Progress | None = None
) -> RefreshResult:
    """Replace every stored score with ``prepared``'s, one chunk of customers at a time."""
    started = time.perf_counter()
    report = progress or _quiet
    features = prepared.snapshot.features
    session.execute(delete(CustomerScore))
    ids = features.index.to_numpy()
    chunk = settings.analytics_score_chunk
    table = CustomerScore.__table__
    for start in range(0, len(ids), chunk):
        part = features.iloc[start : start + chunk]
        insert_rows(session, table, COLUMNS, _rows(part, prepared))  # type: ignore[arg-type]
        done = min(len(ids), start + chunk)
        report(0.35 + 0.65 * done / max(len(ids), 1), f"scored {done:,} of {len(ids):,} customers")
    session.flush()
    churn = prepared.churn
    result = RefreshResult(
        customers=len(ids),
        churn_model_version=churn[1] if churn else None,
        clv=prepared.clv is not None,
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


def _rows(part: pd.DataFrame, prepared: Prepared) -> list[tuple[Any, ...]]:
    snap, churn, clv = prepared.snapshot, prepared.churn, prepared.clv
    last_orders, now = prepared.last_orders, prepared.now
    n = len(part)
    probability: list[float | None] = [None] * n
    why: list[list[dict[str, object]]] = [[] for _ in range(n)]
    version = churn[1] if churn else None
    if churn is not None:
        bundle = churn[0]
        X = bundle.features.transform(part)
        p = bundle.model.predict_proba(X)[:, 1]
        probability = [round(float(v), 6) for v in p]
        # TreeSHAP costs several predictions: explain only customers worth explaining.
        explain = np.flatnonzero(p >= prepared.reasons_from)
        if len(explain):
            rows = part[bundle.features.columns_].iloc[explain]
            found = reasons(bundle.model.contributions(X.iloc[explain]), rows)
            for i, items in zip(explain.tolist(), found, strict=True):
                why[i] = items
    rfm = snap.rfm.reindex(part.index)
    clusters = snap.clusters.reindex(part.index).fillna(-1).astype(int).tolist()
    codes = [c if isinstance(c, str) else None for c in rfm["code"].tolist()]
    none: list[float | None] = [None] * n
    columns: dict[str, list[float | None]] = {}
    for name in ("clv", "expected_purchases", "probability_alive"):
        columns[name] = (
            [_num(v) for v in clv[name].reindex(part.index).tolist()] if clv is not None else none
        )
    last = [
        None if pd.isna(w) else pd.Timestamp(w).to_pydatetime()
        for w in last_orders.reindex(part.index).tolist()
    ]
    return list(
        zip(
            part.index.astype(int).tolist(),
            probability,
            why,
            [version] * n,
            columns["clv"],
            columns["expected_purchases"],
            columns["probability_alive"],
            rfm["segment"].astype(str).tolist(),
            codes,
            [c if c >= 0 else None for c in clusters],
            part["monetary"].astype(float).tolist(),
            part["frequency"].astype(int).tolist(),
            last,
            [now] * n,
            strict=True,
        )
    )
