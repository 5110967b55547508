"""Lead and deal endpoints: parse, call the service, return schemas."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from maitre.api.deps import PageDep, SessionDep, actor_name, require
from maitre.common.ids import IdPath, IdQuery
from maitre.customers.schemas import CustomerRead
from maitre.sales import deals, leads
from maitre.sales.models import DealStage, LeadStatus
from maitre.sales.schemas import (
    DealCreate,
    DealPage,
    DealRead,
    DealUpdate,
    LeadConversion,
    LeadConvert,
    LeadCreate,
    LeadPage,
    LeadRead,
    LeadUpdate,
)
from maitre.users.service import Principal

leads_router = APIRouter(prefix="/leads", tags=["leads"])
deals_router = APIRouter(prefix="/deals", tags=["deals"])
LeadReader = Annotated[Principal, Depends(require("leads:read"))]
LeadWriter = Annotated[Principal, Depends(require("leads:write"))]
DealReader = Annotated[Principal, Depends(require("deals:read"))]
DealWriter = Annotated[Principal, Depends(require("deals:write"))]
Id = IdQuery
LeadId = IdPath
DealId = IdPath


@leads_router.get("", response_model=LeadPage)
def list_leads(
    session: SessionDep,
    _: LeadReader,
    page: PageDep,
    status: LeadStatus | None = None,
    owner_id: Id = None,
    customer_id: Id = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Search name, email, company.")
    ] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    source: Annotated[str | None, Query(max_length=60)] = None,
) -> LeadPage:
    filters = leads.LeadFilter(
        status=status, owner_id=owner_id, customer_id=customer_id, q=q, email=email, source=source
    )
    result = leads.list_(session=session, filters=filters, params=page)
    return result.serve(LeadPage, LeadRead.model_validate)


@leads_router.post("", response_model=LeadRead, status_code=status.HTTP_201_CREATED)
def create_lead(body: LeadCreate, session: SessionDep, who: LeadWriter) -> LeadRead:
    return LeadRead.model_validate(leads.create(session=session, data=body, actor=actor_name(who)))


@leads_router.get("/{lead_id}", response_model=LeadRead)
def get_lead(lead_id: LeadId, session: SessionDep, _: LeadReader) -> LeadRead:
    return LeadRead.model_validate(leads.get(session=session, lead_id=lead_id))


@leads_router.patch("/{lead_id}", response_model=LeadRead)
def update_lead(
    lead_id: LeadId, body: LeadUpdate, session: SessionDep, who: LeadWriter
) -> LeadRead:
    lead = leads.update(session=session, lead_id=lead_id, data=body, actor=actor_name(who))
    return LeadRead.model_validate(lead)


@leads_router.delete("/{lead_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_lead(lead_id: LeadId, session: SessionDep, _: LeadWriter) -> Response:
    leads.delete(session=session, lead_id=lead_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@leads_router.post(
    "/{lead_id}/convert",
    response_model=LeadConversion,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require("customers:write")), Depends(require("deals:write"))],
)
def convert_lead(
    lead_id: LeadId, session: SessionDep, who: LeadWriter, body: LeadConvert | None = None
) -> LeadConversion:
    """Create (or link by email) the lead's customer and open a deal, all or nothing."""
    result = leads.convert(
        session=session, lead_id=lead_id, data=body or LeadConvert(), actor=actor_name(who)
    )
    return LeadConversion(
        lead=LeadRead.model_validate(result.lead),
        customer=CustomerRead.model_validate(result.customer),
        customer_created=result.customer_created,
        deal=DealRead.model_validate(result.deal) if result.deal else None,
    )


@deals_router.get("", response_model=DealPage)
def list_deals(
    session: SessionDep,
    _: DealReader,
    page: PageDep,
    stage: DealStage | None = None,
    owner_id: Id = None,
    customer_id: Id = None,
    lead_id: Id = None,
) -> DealPage:
    filters = deals.DealFilter(
        stage=stage, owner_id=owner_id, customer_id=customer_id, lead_id=lead_id
    )
    result = deals.list_(session=session, filters=filters, params=page)
    return result.serve(DealPage, DealRead.model_validate)


@deals_router.post("", response_model=DealRead, status_code=status.HTTP_201_CREATED)
def create_deal(body: DealCreate, session: SessionDep, who: DealWriter) -> DealRead:
    return DealRead.model_validate(deals.create(session=session, data=body, actor=actor_name(who)))


@deals_router.get("/{deal_id}", response_model=DealRead)
def get_deal(deal_id: DealId, session: SessionDep, _: DealReader) -> DealRead:
    return DealRead.model_validate(deals.get(session=session, deal_id=deal_id))


@deals_router.patch("/{deal_id}", response_model=DealRead)
def update_deal(
    deal_id: DealId, body: DealUpdate, session: SessionDep, who: DealWriter
) -> DealRead:
    deal = deals.update(session=session, deal_id=deal_id, data=body, actor=actor_name(who))
    return DealRead.model_validate(deal)


@deals_router.delete("/{deal_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_deal(deal_id: DealId, session: SessionDep, who: DealWriter) -> Response:
    deals.delete(session=session, deal_id=deal_id, actor=actor_name(who))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
