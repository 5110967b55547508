"""Deal operations; the only code that queries the deals table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from maitre.common.pagination import Page, PageParams, paginate
from maitre.customers import service as customers
from maitre.db.base import utcnow
from maitre.db.lookup import get_or_404
from maitre.errors import FieldError, NotFound, ValidationFailed
from maitre.events import emit
from maitre.sales.models import CLOSED_STAGES, Deal, DealStage, Lead
from maitre.sales.schemas import DealCreate, DealRead, DealUpdate
from maitre.timeline import service as timeline
from maitre.users import service as users

SORTABLE = {
    "id": Deal.id,
    "created_at": Deal.created_at,
    "updated_at": Deal.updated_at,
    "title": Deal.title,
    "value": Deal.value,
    "stage": Deal.stage,
    "expected_close": Deal.expected_close,
    "closed_at": Deal.closed_at,
}
_TRACKED = ("title", "stage", "value", "currency", "owner_id", "expected_close")


@dataclass(frozen=True)
class DealFilter:
    """Filters a deal list accepts."""

    stage: DealStage | None = None
    owner_id: int | None = None
    customer_id: int | None = None
    lead_id: int | None = None


def invalid(field: str, message: str) -> ValidationFailed:
    """Return a 422 error pointing at body field ``field``."""
    return ValidationFailed(
        message, errors=[FieldError(loc=["body", field], msg=message, type="invalid_reference")]
    )


def check_user(session: Session, field: str, user_id: int | None) -> None:
    """Raise a 422 on ``field`` unless ``user_id`` is empty or names a user."""
    if user_id is not None and users.get_user(session=session, user_id=user_id) is None:
        raise invalid(field, f"User {user_id} does not exist.")


def check_customer(session: Session, field: str, customer_id: int | None) -> None:
    """Raise a 422 on ``field`` unless ``customer_id`` is empty or names a customer."""
    if customer_id is None:
        return
    try:
        customers.get(session=session, customer_id=customer_id)
    except NotFound:
        raise invalid(field, f"Customer {customer_id} does not exist.") from None


def public(deal: Deal) -> dict[str, Any]:
    """Return the deal's API shape as JSON-ready data (for events and webhooks)."""
    return DealRead.model_validate(deal).model_dump(mode="json")


def get(*, session: Session, deal_id: int) -> Deal:
    """Return a deal or raise ``NotFound``."""
    return get_or_404(session, Deal, deal_id, "Deal")


def list_(*, session: Session, filters: DealFilter, params: PageParams) -> Page[Deal]:
    """Return one page of deals matching ``filters``."""
    stmt = select(Deal)
    if filters.stage is not None:
        stmt = stmt.where(Deal.stage == filters.stage)
    if filters.owner_id is not None:
        stmt = stmt.where(Deal.owner_id == filters.owner_id)
    if filters.customer_id is not None:
        stmt = stmt.where(Deal.customer_id == filters.customer_id)
    if filters.lead_id is not None:
        stmt = stmt.where(Deal.lead_id == filters.lead_id)
    return paginate(session, stmt, id_column=Deal.id, params=params, sortable=SORTABLE)


def list_for_customer(*, session: Session, customer_id: int, limit: int = 50) -> list[Deal]:
    """Return a customer's deals, newest first."""
    stmt = (
        select(Deal)
        .where(Deal.customer_id == customer_id)
        .order_by(Deal.created_at.desc(), Deal.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def _stamp_close(deal: Deal) -> None:
    if deal.stage in CLOSED_STAGES:
        deal.closed_at = deal.closed_at or utcnow()
    else:
        deal.closed_at = None


def create(*, session: Session, data: DealCreate, actor: str = "system") -> Deal:
    """Open a deal for a customer and record it on the customer's timeline."""
    check_customer(session, "customer_id", data.customer_id)
    check_user(session, "owner_id", data.owner_id)
    if data.lead_id is not None and session.get(Lead, data.lead_id) is None:
        raise invalid("lead_id", f"Lead {data.lead_id} does not exist.")
    deal = Deal(**data.model_dump())
    _stamp_close(deal)
    session.add(deal)
    session.flush()
    timeline.record(
        session=session,
        customer_id=deal.customer_id,
        kind="deal.created",
        subject_type="deal",
        subject_id=deal.id,
        summary=f"Deal #{deal.id} opened: {deal.title} ({deal.value:.2f} {deal.currency})",
        data={"stage": str(deal.stage), "value": f"{deal.value:.2f}", "currency": deal.currency},
        actor=actor,
    )
    emit(session=session, type="deal.created", data=public(deal))
    return deal


def _snapshot(deal: Deal) -> dict[str, Any]:
    return {name: getattr(deal, name) for name in _TRACKED}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value if value is None or isinstance(value, int) else str(value)


def update(*, session: Session, deal_id: int, data: DealUpdate, actor: str = "system") -> Deal:
    """Apply the fields set in ``data``; a stage change is its own timeline entry."""
    deal = get(session=session, deal_id=deal_id)
    values = data.model_dump(exclude_unset=True)
    check_user(session, "owner_id", values.get("owner_id"))
    before = _snapshot(deal)
    for key, value in values.items():
        setattr(deal, key, value)
    _stamp_close(deal)
    session.flush()
    diff = timeline.changes(before, _snapshot(deal))
    if not diff:
        return deal
    changes = {k: [_plain(a), _plain(b)] for k, (a, b) in diff.items()}
    if "stage" in diff:
        kind = "deal.stage_changed"
        summary = f"Deal #{deal.id} {changes['stage'][0]} → {changes['stage'][1]}: {deal.title}"
    else:
        kind = "deal.updated"
        summary = f"Deal #{deal.id} updated: " + ", ".join(sorted(diff))
    timeline.record(
        session=session,
        customer_id=deal.customer_id,
        kind=kind,
        subject_type="deal",
        subject_id=deal.id,
        summary=summary,
        data={"changes": changes},
        actor=actor,
    )
    emit(session=session, type="deal.updated", data={**public(deal), "changes": sorted(diff)})
    return deal


def delete(*, session: Session, deal_id: int, actor: str = "system") -> None:
    """Delete a deal; the customer's timeline keeps a line saying so."""
    deal = get(session=session, deal_id=deal_id)
    data = public(deal)
    timeline.delete_recorded(
        session=session,
        row=deal,
        data=data,
        subject_type="deal",
        subject_id=deal_id,
        summary=f"Deal #{deal_id} deleted: {data['title']}",
        actor=actor,
    )
