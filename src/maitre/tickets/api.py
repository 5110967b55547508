"""Ticket endpoints: parse, call the service, return schemas."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from maitre.api.deps import PageDep, SessionDep, actor_name, require
from maitre.common.ids import IdPath, IdQuery
from maitre.tickets import service
from maitre.tickets.models import TicketPriority, TicketStatus
from maitre.tickets.schemas import TicketCreate, TicketPage, TicketRead, TicketUpdate
from maitre.users.service import Principal

router = APIRouter(prefix="/tickets", tags=["tickets"])
Reader = Annotated[Principal, Depends(require("tickets:read"))]
Writer = Annotated[Principal, Depends(require("tickets:write"))]
Id = IdQuery
TicketId = IdPath


@router.get("", response_model=TicketPage)
def list_tickets(
    session: SessionDep,
    _: Reader,
    page: PageDep,
    customer_id: Id = None,
    status: TicketStatus | None = None,
    priority: TicketPriority | None = None,
    assignee_id: Id = None,
    order_id: Id = None,
    conversation_id: Id = None,
    q: Annotated[str | None, Query(max_length=200, description="Search subject and body.")] = None,
) -> TicketPage:
    filters = service.TicketFilter(
        customer_id=customer_id,
        status=status,
        priority=priority,
        assignee_id=assignee_id,
        order_id=order_id,
        conversation_id=conversation_id,
        q=q,
    )
    result = service.list_(session=session, filters=filters, params=page)
    return result.serve(TicketPage, TicketRead.model_validate)


@router.post("", response_model=TicketRead, status_code=status.HTTP_201_CREATED)
def create_ticket(body: TicketCreate, session: SessionDep, who: Writer) -> TicketRead:
    ticket = service.create(session=session, data=body, actor=actor_name(who))
    return TicketRead.model_validate(ticket)


@router.get("/{ticket_id}", response_model=TicketRead)
def get_ticket(ticket_id: TicketId, session: SessionDep, _: Reader) -> TicketRead:
    return TicketRead.model_validate(service.get(session=session, ticket_id=ticket_id))


@router.patch("/{ticket_id}", response_model=TicketRead)
def update_ticket(
    ticket_id: TicketId, body: TicketUpdate, session: SessionDep, who: Writer
) -> TicketRead:
    ticket = service.update(session=session, ticket_id=ticket_id, data=body, actor=actor_name(who))
    return TicketRead.model_validate(ticket)


@router.delete("/{ticket_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_ticket(ticket_id: TicketId, session: SessionDep, who: Writer) -> Response:
    service.delete(session=session, ticket_id=ticket_id, actor=actor_name(who))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
