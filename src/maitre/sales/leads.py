"""Lead operations, including conversion; the only code that queries the leads table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from maitre.common.pagination import Page, PageParams, paginate
from maitre.customers import service as customers
from maitre.customers.models import Customer
from maitre.customers.schemas import CustomerCreate
from maitre.db import like
from maitre.db.base import utcnow
from maitre.db.lookup import get_or_404
from maitre.errors import Conflict
from maitre.events import emit
from maitre.sales import deals
from maitre.sales.models import Deal, Lead, LeadStatus
from maitre.sales.schemas import DealCreate, LeadConvert, LeadCreate, LeadRead, LeadUpdate
from maitre.timeline import service as timeline

SORTABLE = {
    "id": Lead.id,
    "created_at": Lead.created_at,
    "updated_at": Lead.updated_at,
    "name": Lead.name,
    "score": Lead.score,
    "status": Lead.status,
}
_TRACKED = (
    "name",
    "email",
    "phone",
    "company",
    "source",
    "status",
    "score",
    "owner_id",
    "customer_id",
    "notes",
)


@dataclass(frozen=True)
class LeadFilter:
    """Filters a lead list accepts; ``q`` searches name, email and company."""

    status: LeadStatus | None = None
    owner_id: int | None = None
    q: str | None = None
    email: str | None = None
    source: str | None = None
    customer_id: int | None = None


@dataclass(frozen=True)
class Conversion:
    """What converting a lead produced."""

    lead: Lead
    customer: Customer
    customer_created: bool
    deal: Deal | None


def public(lead: Lead) -> dict[str, Any]:
    """Return the lead's API shape as JSON-ready data (for events and webhooks)."""
    return LeadRead.model_validate(lead).model_dump(mode="json")


def get(*, session: Session, lead_id: int) -> Lead:
    """Return a lead or raise ``NotFound``."""
    return get_or_404(session, Lead, lead_id, "Lead")


def list_(*, session: Session, filters: LeadFilter, params: PageParams) -> Page[Lead]:
    """Return one page of leads matching ``filters``."""
    stmt = select(Lead)
    if filters.status is not None:
        stmt = stmt.where(Lead.status == filters.status)
    if filters.owner_id is not None:
        stmt = stmt.where(Lead.owner_id == filters.owner_id)
    if filters.customer_id is not None:
        stmt = stmt.where(Lead.customer_id == filters.customer_id)
    if filters.email:
        stmt = stmt.where(Lead.email == filters.email.strip().lower())
    if filters.source:
        stmt = stmt.where(Lead.source == filters.source)
    if filters.q:
        stmt = stmt.where(like.matches(Lead.name, Lead.email, Lead.company, text=filters.q))
    return paginate(session, stmt, id_column=Lead.id, params=params, sortable=SORTABLE)


def _record(session: Session, lead: Lead, kind: str, summary: str, actor: str, **data: Any) -> None:
    if lead.customer_id is not None:
        timeline.record(
            session=session,
            customer_id=lead.customer_id,
            kind=kind,
            subject_type="lead",
            subject_id=lead.id,
            summary=summary,
            data=data,
            actor=actor,
        )


def create(*, session: Session, data: LeadCreate, actor: str = "system") -> Lead:
    """Record a new lead."""
    values = data.model_dump()
    deals.check_user(session, "owner_id", data.owner_id)
    deals.check_customer(session, "customer_id", data.customer_id)
    if values.get("email"):
        values["email"] = values["email"].lower()
    lead = Lead(**values)
    session.add(lead)
    session.flush()
    _record(session, lead, "lead.created", f"Lead #{lead.id} created: {lead.name}", actor)
    emit(session=session, type="lead.created", data=public(lead))
    return lead


def _snapshot(lead: Lead) -> dict[str, Any]:
    return {name: getattr(lead, name) for name in _TRACKED}


def update(*, session: Session, lead_id: int, data: LeadUpdate, actor: str = "system") -> Lead:
    """Apply the fields set in ``data``; a converted lead keeps its status."""
    lead = get(session=session, lead_id=lead_id)
    values = data.model_dump(exclude_unset=True)
    deals.check_user(session, "owner_id", values.get("owner_id"))
    deals.check_customer(session, "customer_id", values.get("customer_id"))
    if lead.status == LeadStatus.CONVERTED and values.get("status", lead.status) != lead.status:
        raise Conflict(f"Lead {lead_id} is converted; its status can no longer change.")
    if values.get("email"):
        values["email"] = values["email"].lower()
    before = _snapshot(lead)
    for key, value in values.items():
        setattr(lead, key, value)
    session.flush()
    diff = timeline.changes(before, _snapshot(lead))
    if diff:
        changes = {
            k: [None if a is None else str(a), None if b is None else str(b)]
            for k, (a, b) in diff.items()
        }
        _record(
            session,
            lead,
            "lead.updated",
            f"Lead #{lead.id} updated: " + ", ".join(sorted(diff)),
            actor,
            changes=changes,
        )
        emit(session=session, type="lead.updated", data={**public(lead), "changes": sorted(diff)})
    return lead


def delete(*, session: Session, lead_id: int) -> None:
    """Delete a lead; deals opened from it keep their customer and lose the link."""
    lead = get(session=session, lead_id=lead_id)
    data = public(lead)
    session.delete(lead)
    session.flush()
    emit(session=session, type="lead.deleted", data=data)


def _customer_for(session: Session, lead: Lead, data: LeadConvert) -> tuple[Customer, bool]:
    if data.customer_id is not None:
        deals.check_customer(session, "customer_id", data.customer_id)
        return customers.get(session=session, customer_id=data.customer_id), False
    if lead.customer_id is not None:
        return customers.get(session=session, customer_id=lead.customer_id), False
    if lead.email:
        existing = customers.get_by_email(session=session, email=lead.email)
        if existing is not None:
            return existing, False
    new = CustomerCreate(name=lead.name, email=lead.email, phone=lead.phone, company=lead.company)
    return customers.create(session=session, data=new), True


def convert(
    *, session: Session, lead_id: int, data: LeadConvert, actor: str = "system"
) -> Conversion:
    """Turn a lead into a customer (linked by email when one exists) and a deal, all or nothing.

    Every step runs in the caller's transaction and nothing commits here, so when any step fails
    the caller's rollback (the request's, the CLI command's) leaves no customer, deal or lead
    change behind.
    """
    lead = get(session=session, lead_id=lead_id)
    if lead.status == LeadStatus.CONVERTED:
        raise Conflict(f"Lead {lead_id} was already converted (customer {lead.customer_id}).")
    # Write the lead first: on SQLite the UPDATE opens the real transaction, so the savepoint
    # customers.create uses is nested inside it instead of committing on release.
    lead.status = LeadStatus.CONVERTED
    lead.converted_at = utcnow()
    session.flush()
    customer, created = _customer_for(session, lead, data)
    lead.customer_id = customer.id
    session.flush()
    deal = None
    if data.create_deal:
        draft = data.deal
        deal = deals.create(
            session=session,
            data=DealCreate(
                title=draft.title or (lead.company or lead.name),
                customer_id=customer.id,
                lead_id=lead.id,
                stage=draft.stage,
                value=draft.value,
                currency=draft.currency,
                owner_id=draft.owner_id if draft.owner_id is not None else lead.owner_id,
                expected_close=draft.expected_close,
            ),
            actor=actor,
        )
    _record(
        session,
        lead,
        "lead.converted",
        f"Lead #{lead.id} converted" + (f" into deal #{deal.id}" if deal else ""),
        actor,
        customer_created=created,
        deal_id=deal.id if deal else None,
    )
    emit(
        session=session,
        type="lead.converted",
        data={**public(lead), "customer_created": created, "deal_id": deal.id if deal else None},
    )
    return Conversion(lead=lead, customer=customer, customer_created=created, deal=deal)
