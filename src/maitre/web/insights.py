"""What analytics knows about a customer, for the 360 page; every source is optional.

Churn risk, its reasons, CLV and the RFM segment come from the ``customer_scores`` table (written
by ``maitre analytics refresh``); without a stored score the segment is computed by
``maitre.analytics.service`` and the rest shows an empty state. Recommended products come from
``maitre.recommendations.service`` (the active recs model, else popular products).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from maitre.analytics import service as analytics
from maitre.config import Settings
from maitre.db.base import Base
from maitre.errors import NotFound
from maitre.ml.segments import RFMSegment
from maitre.recommendations import service as recommendations

log = logging.getLogger("maitre.web")
SCORES_TABLE = "customer_scores"
SEGMENTS = tuple(s.value for s in RFMSegment)
CHURN_KEYS = ("churn_probability", "churn_risk", "churn")
CLV_KEYS = ("clv", "clv_12m", "predicted_clv", "value")
REASON_KEYS = ("churn_reasons", "reasons")
RECS_KEYS = ("recommendations", "recommended_products", "recs")


@dataclass
class Insights:
    """The analytics block of the customer 360 page."""

    segment: str | None = None
    segment_description: str | None = None
    churn_risk: float | None = None
    reasons: list[str] = field(default_factory=list)
    clv: float | None = None
    recommendations: list[str] = field(default_factory=list)
    scored: bool = False


def _scores_table(session: Session) -> Table | None:
    table = Base.metadata.tables.get(SCORES_TABLE)
    if table is None or "customer_id" not in table.c:
        return None
    try:
        if not inspect(session.get_bind()).has_table(SCORES_TABLE):
            return None
    except SQLAlchemyError:
        return None
    return table


def _first(row: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((row[k] for k in keys if row.get(k) is not None), None)


def _texts(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [f"{k}: {v}" for k, v in value.items()]
    if isinstance(value, list | tuple):
        return [
            str(v.get("text") or v.get("name") or v.get("reason") or v)
            if isinstance(v, dict)
            else str(v)
            for v in value
        ]
    return [str(value)] if value else []


def scores_available(session: Session) -> bool:
    """Tell whether churn and value scores exist to filter and show."""
    return _scores_table(session) is not None


def _score_row(session: Session, customer_id: int) -> dict[str, Any] | None:
    table = _scores_table(session)
    if table is None:
        return None
    row = (
        session.execute(select(table).where(table.c.customer_id == customer_id).limit(1))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def _recommendations(session: Session, settings: Settings, customer_id: int) -> list[str]:
    try:
        picked = recommendations.recommend_for_customer(
            session=session, settings=settings, customer_id=customer_id, limit=5
        )
    except Exception:  # an optional panel: a broken recs model must not take the page down
        log.exception("web.insights.recs_failed", extra={"customer_id": customer_id})
        return []
    return [f"{r.name} — {r.reason}" for r in picked]


def for_customer(*, session: Session, settings: Settings, customer_id: int) -> Insights:
    """Gather the segment, recommendations and, when scored, churn risk, reasons and CLV."""
    found = Insights()
    found.recommendations = _recommendations(session, settings, customer_id)
    data = _score_row(session, customer_id)
    if data is not None:
        risk, clv = _first(data, CHURN_KEYS), _first(data, CLV_KEYS)
        found.scored = True
        found.churn_risk = float(risk) if risk is not None else None
        found.clv = float(clv) if clv is not None else None
        found.reasons = _texts(_first(data, REASON_KEYS))
        found.recommendations = found.recommendations or _texts(_first(data, RECS_KEYS))
        found.segment = data.get("rfm_segment") or None
    if found.segment is None:
        try:
            profile = analytics.profile(session=session, customer_id=customer_id)
            found.segment = profile.rfm.segment
            found.segment_description = profile.description
        except (NotFound, analytics.NotRefreshed):
            pass
        except Exception:  # an optional panel: analytics failing must not take the page down
            log.exception("web.insights.profile_failed", extra={"customer_id": customer_id})
    return found


def segment_members(*, session: Session, segment: str) -> frozenset[int]:
    """Return the ids of the customers in one RFM segment (empty when there is no data)."""
    table = _scores_table(session)
    if table is not None and "rfm_segment" in table.c:
        stmt = select(table.c.customer_id).where(table.c.rfm_segment == segment)
        stored = frozenset(int(r) for r in session.execute(stmt).scalars())
        # scored but nobody in this segment is an answer too: only unscored data goes live
        if stored or session.scalar(select(table.c.customer_id).limit(1)) is not None:
            return stored
    if not analytics.live_affordable(session):
        return frozenset()  # too many customers to rebuild on a page view: refresh first
    try:
        snap = analytics.snapshot(session=session)
    except Exception:  # an optional filter: no analytics means no members, not a broken page
        log.exception("web.insights.snapshot_failed")
        return frozenset()
    members = snap.rfm.index[snap.rfm["segment"] == segment]
    return frozenset(int(i) for i in members)


def risk_members(*, session: Session, minimum: float) -> frozenset[int] | None:
    """Return the ids of customers whose churn risk is at least ``minimum``; None if unscored."""
    table = _scores_table(session)
    column = next((table.c[k] for k in CHURN_KEYS if table is not None and k in table.c), None)
    if table is None or column is None:
        return None
    rows = session.execute(select(table.c.customer_id).where(column >= minimum)).scalars()
    return frozenset(int(r) for r in rows)


def scores_for(*, session: Session, ids: list[int]) -> dict[int, tuple[float | None, float | None]]:
    """Return (churn risk, CLV) of each scored customer among ``ids``."""
    table = _scores_table(session)
    if table is None or not ids:
        return {}
    risk = next((table.c[k] for k in CHURN_KEYS if k in table.c), None)
    clv = next((table.c[k] for k in CLV_KEYS if k in table.c), None)
    if risk is None or clv is None:
        return {}
    stmt = select(table.c.customer_id, risk, clv).where(table.c.customer_id.in_(ids))
    return {
        int(cid): (None if r is None else float(r), None if v is None else float(v))
        for cid, r, v in session.execute(stmt)
    }


def risk_histogram(*, session: Session, bins: int = 10) -> list[int] | None:
    """Count scored customers per churn-risk band of width 1/bins; None when nothing is scored."""
    table = _scores_table(session)
    risk = next((table.c[k] for k in CHURN_KEYS if table is not None and k in table.c), None)
    if table is None or risk is None:
        return None
    counts = [0] * bins
    for (value,) in session.execute(select(risk).where(risk.is_not(None))):
        counts[min(int(float(value) * bins), bins - 1)] += 1
    return counts if any(counts) else None
