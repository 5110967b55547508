"""Read stored customer scores: one customer's, the churn-risk list, the churn bias report."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from maitre.analytics.models import CustomerScore
from maitre.analytics.schemas import BiasRead, ChurnRiskPage, ChurnRiskRead, ReasonRead
from maitre.customers.models import Customer
from maitre.errors import NotFound
from maitre.ml import registry

CHURN_MODEL = "churn"


def get(*, session: Session, customer_id: int) -> CustomerScore | None:
    """Return a customer's stored scores, if a refresh has scored them."""
    return session.get(CustomerScore, customer_id)


def churn_threshold(*, session: Session) -> float | None:
    """Return the active churn model's decision threshold, if a model is active."""
    mv = registry.get_active(session=session, name=CHURN_MODEL)
    value = mv.params.get("threshold") if mv is not None else None
    return float(value) if isinstance(value, int | float) else None


def reasons(score: CustomerScore) -> list[ReasonRead]:
    """Return the stored reasons as API models (malformed entries are skipped)."""
    out: list[ReasonRead] = []
    for item in score.churn_reasons or []:
        if isinstance(item, dict):
            out.append(ReasonRead.model_validate(item))
    return out


def list_churn_risk(
    *,
    session: Session,
    min_probability: float = 0.0,
    segment: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ChurnRiskPage:
    """Return scored customers at or above ``min_probability``, riskiest first."""
    stmt = (
        select(CustomerScore, Customer.name, Customer.email)
        .join(Customer, Customer.id == CustomerScore.customer_id)
        .where(
            CustomerScore.churn_probability.is_not(None),
            CustomerScore.churn_probability >= min_probability,
        )
    )
    if segment:
        stmt = stmt.where(CustomerScore.rfm_segment == segment)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    ordered = stmt.order_by(CustomerScore.churn_probability.desc(), CustomerScore.customer_id.asc())
    items = [
        ChurnRiskRead(
            customer_id=score.customer_id,
            name=name,
            email=email,
            churn_probability=float(score.churn_probability or 0.0),
            churn_reasons=reasons(score),
            rfm_segment=score.rfm_segment,
            cluster=score.cluster,
            clv=score.clv,
            total_spent=score.total_spent,
            last_order_at=score.last_order_at,
            scored_at=score.scored_at,
        )
        for score, name, email in session.execute(ordered.offset(offset).limit(limit))
    ]
    return ChurnRiskPage(items=items, total=int(total), limit=limit, offset=offset)


def bias(*, session: Session) -> BiasRead:
    """Return the bias check stored with the active churn model; NotFound without one."""
    mv = registry.get_active(session=session, name=CHURN_MODEL)
    if mv is None:
        raise NotFound("No churn model is active: run `maitre models train-defaults`.")
    report: dict[str, Any] = mv.metrics.get("bias") or {}
    return BiasRead(model=mv.name, version=mv.version, report=report)
