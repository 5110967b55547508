"""Lead and deal services on both backends: conversion is all-or-nothing, events, enums."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from maitre.customers.models import Customer
from maitre.db.session import unit_of_work
from maitre.errors import Conflict, ValidationFailed
from maitre.events import EVENT_HANDLERS_KEY, DomainEvent
from maitre.sales import deals, leads
from maitre.sales.models import Deal, DealStage, Lead, LeadStatus
from maitre.sales.schemas import DealDraft, DealUpdate, LeadConvert, LeadUpdate
from tests.factories.customers import make_customer
from tests.factories.sales import make_deal, make_lead


def _record_events(session: Session) -> list[DomainEvent]:
    seen: list[DomainEvent] = []
    session.info[EVENT_HANDLERS_KEY] = [lambda _s, event: seen.append(event)]
    return seen


def _count(session: Session, model: type[Any]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_stored_enum_values_are_pinned(session: Session) -> None:
    assert [s.value for s in LeadStatus] == [
        "new",
        "contacted",
        "qualified",
        "unqualified",
        "converted",
    ]
    assert [s.value for s in DealStage] == [
        "qualification",
        "proposal",
        "negotiation",
        "won",
        "lost",
    ]
    lead = make_lead(session, status="qualified")
    deal = make_deal(session, make_customer(session).id, stage="negotiation")
    assert session.scalar(text(f"SELECT status FROM leads WHERE id = {lead.id}")) == "qualified"
    assert session.scalar(text(f"SELECT stage FROM deals WHERE id = {deal.id}")) == "negotiation"


def test_conversion_emits_events_and_links_everything(session: Session) -> None:
    lead = make_lead(session, score=55.0)
    events = _record_events(session)
    result = leads.convert(
        session=session,
        lead_id=lead.id,
        data=LeadConvert(deal=DealDraft(value=Decimal("499.99"), currency="gbp")),
        actor="user:grace",
    )
    assert result.customer_created and result.deal is not None
    assert result.deal.value == Decimal("499.99") and result.deal.currency == "GBP"
    assert result.lead.customer_id == result.customer.id
    assert [e.type for e in events] == ["customer.created", "deal.created", "lead.converted"]
    assert events[-1].data["deal_id"] == result.deal.id
    assert events[-1].data["status"] == "converted"
    with pytest.raises(Conflict):
        leads.convert(session=session, lead_id=lead.id, data=LeadConvert())


def _assert_untouched(factory: sessionmaker[Session], lead_id: int) -> None:
    with factory() as s:
        assert _count(s, Customer) == 0 and _count(s, Deal) == 0
        lead = s.get(Lead, lead_id)
        assert lead is not None
        assert lead.status == LeadStatus.NEW and lead.customer_id is None
        assert lead.converted_at is None


def test_failed_conversion_leaves_nothing_after_rollback(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_factory() as s:
        lead_id = make_lead(s).id
        s.commit()

    def broken_deal(**_kwargs: Any) -> Deal:
        raise ValidationFailed("deal store refused the deal")

    monkeypatch.setattr(deals, "create", broken_deal)
    with pytest.raises(ValidationFailed), unit_of_work(session_factory) as s:
        leads.convert(session=s, lead_id=lead_id, data=LeadConvert())
    _assert_untouched(session_factory, lead_id)


def test_conversion_commits_nothing_behind_the_callers_back(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as s:
        lead_id = make_lead(s).id
        s.commit()
    with session_factory() as s:
        result = leads.convert(session=s, lead_id=lead_id, data=LeadConvert())
        assert result.customer_created and result.deal is not None
        s.rollback()  # the caller decides: its rollback undoes the whole conversion
    _assert_untouched(session_factory, lead_id)


def test_converted_lead_status_is_frozen_but_other_fields_edit(session: Session) -> None:
    lead = make_lead(session)
    leads.convert(session=session, lead_id=lead.id, data=LeadConvert(create_deal=False))
    with pytest.raises(Conflict):
        leads.update(session=session, lead_id=lead.id, data=LeadUpdate(status=LeadStatus.QUALIFIED))
    leads.update(session=session, lead_id=lead.id, data=LeadUpdate(score=91.5))
    assert lead.score == 91.5 and lead.status == LeadStatus.CONVERTED


def test_lead_events_and_email_normalised(session: Session) -> None:
    events = _record_events(session)
    lead = make_lead(session, email="Mixed.Case@Example.COM")
    assert lead.email == "mixed.case@example.com"
    leads.update(session=session, lead_id=lead.id, data=LeadUpdate(status=LeadStatus.CONTACTED))
    leads.update(session=session, lead_id=lead.id, data=LeadUpdate(status=LeadStatus.CONTACTED))
    leads.delete(session=session, lead_id=lead.id)
    assert [e.type for e in events] == ["lead.created", "lead.updated", "lead.deleted"]
    assert events[1].data["changes"] == ["status"]


def test_deal_stage_changes_stamp_closed_at_and_emit(session: Session) -> None:
    customer = make_customer(session)
    deal = make_deal(session, customer.id)
    events = _record_events(session)
    deals.update(session=session, deal_id=deal.id, data=DealUpdate(stage=DealStage.LOST))
    assert deal.closed_at is not None
    deals.update(session=session, deal_id=deal.id, data=DealUpdate(stage=DealStage.PROPOSAL))
    assert deal.closed_at is None
    deals.update(session=session, deal_id=deal.id, data=DealUpdate(value=Decimal("1200")))
    assert [e.type for e in events] == ["deal.updated", "deal.updated"]
    assert events[0].data["stage"] == "lost" and events[0].data["value"] == "1200.00"
    listed = deals.list_for_customer(session=session, customer_id=customer.id)
    assert [d.id for d in listed] == [deal.id]
