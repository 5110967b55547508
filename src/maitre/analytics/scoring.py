"""Batch scoring: every customer's RFM segment, cluster, churn risk with reasons and CLV, stored.

``refresh`` builds the profile snapshot (features, RFM, clusters), loads the active ``churn``
model from the registry (no model: churn fields stay empty), fits BG/NBD + Gamma-Gamma on the
CRM's orders (on a sample when there are many buyers; skipped when the history is too thin),
then rewrites ``customer_scores`` in chunks of ``settings.analytics_score_chunk`` customers:
model input, TreeSHAP reasons (for customers at or above
``settings.churn_reasons_min_probability``) and rows exist for one chunk at a time, and rows
go in with the bulk inserter (COPY on PostgreSQL), built column by column with the reasons as
ready JSON text. LightGBM predicts and explains on ``settings.analytics_score_threads`` threads
(the results do not depend on it). The caller owns the transaction, so readers see the old
scores until the refresh commits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
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

from maitre.analytics import service as profiles
from maitre.analytics.models import CustomerScore
from maitre.config import Settings
from maitre.db.base import utcnow
from maitre.db.bulk import insert_rows
from maitre.errors import ValidationFailed
from maitre.ml.churn_crm import reasons_json
from maitre.ml.churn_crm_train import MODEL_NAME as CHURN_MODEL
from maitre.ml.churn_crm_train import ChurnBundle, load_bundle
from maitre.ml.clv import BetaGeoModel, GammaGammaModel
from maitre.ml.features import features_and_summary
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


@dataclass(frozen=True)
class Prepared:
    """Everything a refresh reads before it writes: snapshot, CLV, the churn model."""

    now: datetime
    snapshot: profiles.Snapshot
    clv: pd.DataFrame | None
    last_orders: pd.Series
    churn: tuple[ChurnBundle, int] | None
    reasons_from: float = 0.0
    threads: int = 1


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
    features, summary = features_and_summary(session=session, as_of=now)
    snap = profiles.compute(session=session, as_of=now, features=features)
    report(0.3, "fitting lifetime value")
    clv = _clv_frame(summary)
    churn = active_churn(session=session, settings=settings)
    reasons_from = settings.churn_reasons_min_probability
    threads = settings.analytics_score_threads
    return Prepared(now, snap, clv, summary["last_order_at"], churn, reasons_from, threads)


def store(
    *, session: Session, settings: Settings, prepared: Prepared, progress: Progress | None = None
) -> RefreshResult:
    """Replace every stored score with ``prepared``'s, one chunk of customers at a time."""
    started = time.perf_counter()
    report = progress or _quiet
    features = prepared.snapshot.features
    session.execute(delete(CustomerScore))
    total = len(features)
    chunk = settings.analytics_score_chunk
    for start in range(0, total, chunk):
        stop = min(total, start + chunk)
        part = features.iloc[start:stop]
        rows = _rows(part, _aligned(part.index, prepared), prepared)
        insert_rows(session, _write_table(), COLUMNS, rows)
        report(0.35 + 0.65 * stop / max(total, 1), f"scored {stop:,} of {total:,} customers")
    session.flush()
    churn = prepared.churn
    result = RefreshResult(
        customers=total,
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


def _aligned(index: pd.Index, prepared: Prepared) -> pd.DataFrame:
    """RFM, cluster, CLV and last order lined up with one chunk's feature rows."""
    snap, clv = prepared.snapshot, prepared.clv
    out = pd.DataFrame(index=index)
    rfm = snap.rfm.reindex(index)
    out["segment"] = rfm["segment"].astype(str)
    out["code"] = rfm["code"]
    out["cluster"] = snap.clusters.reindex(index).fillna(-1).astype(int)
    for name in ("clv", "expected_purchases", "probability_alive"):
        out[name] = clv[name].reindex(index).astype(float) if clv is not None else np.nan
    out["last_order_at"] = prepared.last_orders.reindex(index)
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
