"""Ticket operations; the only code that queries the tickets table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from maitre.common.idspan import IdSpan
from maitre.common.pagination import Page, PageParams, paginate, where_equal
from maitre.conversations import service as conversations
from maitre.customers import service as customers
from maitre.db import like
from maitre.db.base import utcnow
from maitre.db.lookup import get_or_404
from maitre.errors import FieldError, NotFound, ValidationFailed
from maitre.events import emit
from maitre.orders import service as orders
from maitre.safety import service as safety
from maitre.tickets.models import DONE_STATUSES, Ticket, TicketPriority, TicketStatus
from maitre.tickets.schemas import TicketCreate, TicketRead, TicketUpdate
from maitre.timeline import service as timeline
from maitre.users import service as users

SORTABLE = {
    "id": Ticket.id,
    "created_at": Ticket.created_at,
    "updated_at": Ticket.updated_at,
    "resolved_at": Ticket.resolved_at,
    "status": Ticket.status,
    "subject": Ticket.subject,
}
_TRACKED = (
    "subject",
    "body",
    "status",
    "priority",
    "channel",
    "tags",
    "assignee_id",
    "conversation_id",
    "order_id",
)


@dataclass(frozen=True)
class TicketFilter:
    """Filters a ticket list accepts; ``q`` searches the subject and body."""

    customer_id: int | None = None
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    assignee_id: int | None = None
    order_id: int | None = None
    conversation_id: int | None = None
    q: str | None = None


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        message, errors=[FieldError(loc=["body", field], msg=message, type="invalid_reference")]
    )


def _check_refs(session: Session, values: dict[str, Any], customer_id: int) -> None:
    """Turn dangling or cross-customer ids into 422s before the database sees them."""
    if "customer_id" in values:
        try:
            customers.get(session=session, customer_id=customer_id)
        except NotFound:
            raise _invalid("customer_id", f"Customer {customer_id} does not exist.") from None
    assignee_id = values.get("assignee_id")
    if assignee_id is not None and users.get_user(session=session, user_id=assignee_id) is None:
        raise _invalid("assignee_id", f"User {assignee_id} does not exist.")
    conversation_id = values.get("conversation_id")
    if conversation_id is not None:
        try:
            conversation = conversations.get(session=session, conversation_id=conversation_id)
        except NotFound:
            raise _invalid(
                "conversation_id", f"Conversation {conversation_id} does not exist."
            ) from None
        if conversation.customer_id not in (None, customer_id):
            raise _invalid(
                "conversation_id",
                f"Conversation {conversation_id} belongs to another customer.",
            )
    order_id = values.get("order_id")
    if order_id is not None:
        try:
            order = orders.get(session=session, order_id=order_id)
        except NotFound:
            raise _invalid("order_id", f"Order {order_id} does not exist.") from None
        if order.customer_id != customer_id:
            raise _invalid("order_id", f"Order {order_id} belongs to another customer.")


def public(ticket: Ticket) -> dict[str, Any]:
    """Return the ticket's API shape as JSON-ready data (for events, webhooks, the 360 view)."""
    return TicketRead.model_validate(ticket).model_dump(mode="json")


def get(*, session: Session, ticket_id: int) -> Ticket:
    """Return a ticket or raise ``NotFound``."""
    return get_or_404(session, Ticket, ticket_id, "Ticket")


def list_(*, session: Session, filters: TicketFilter, params: PageParams) -> Page[Ticket]:
    """Return one page of tickets matching ``filters``."""
    stmt = select(Ticket)
    stmt = where_equal(
        stmt,
        (Ticket.customer_id, filters.customer_id),
        (Ticket.status, filters.status),
        (Ticket.priority, filters.priority),
        (Ticket.assignee_id, filters.assignee_id),
        (Ticket.order_id, filters.order_id),
        (Ticket.conversation_id, filters.conversation_id),
    )
    if filters.q:
        stmt = stmt.where(like.matches(Ticket.subject, Ticket.body, text=filters.q))
    return paginate(session, stmt, id_column=Ticket.id, params=params, sortable=SORTABLE)


def list_for_customer(*, session: Session, customer_id: int, limit: int = 50) -> list[Ticket]:
    """Return a customer's tickets, newest first."""
    stmt = (
        select(Ticket)
        .where(Ticket.customer_id == customer_id)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def _stamp_resolution(ticket: Ticket) -> None:
    if ticket.status in DONE_STATUSES:
        ticket.resolved_at = ticket.resolved_at or utcnow()
    else:
        ticket.resolved_at = None


def create(*, session: Session, data: TicketCreate, actor: str = "system") -> Ticket:
    """Open a ticket (the agent passes ``order_id``/``conversation_id``) and record it."""
    values = data.model_dump()
    _check_refs(session, values, data.customer_id)
    ticket = Ticket(**values)
    _stamp_resolution(ticket)
    session.add(ticket)
    session.flush()
    timeline.record(
        session=session,
        customer_id=ticket.customer_id,
        kind="ticket.created",
        subject_type="ticket",
        subject_id=ticket.id,
        summary=f"Ticket #{ticket.id} opened: {ticket.subject}",
        data={
            "status": str(ticket.status),
            "priority": str(ticket.priority),
            "order_id": ticket.order_id,
            "conversation_id": ticket.conversation_id,
        },
        actor=actor,
    )
    emit(session=session, type="ticket.created", data=public(ticket))
    _check_text(session, ticket, actor)
    return ticket


def _check_text(session: Session, ticket: Ticket, actor: str) -> None:
    """Flag a ticket whose text tries to instruct the assistant (see maitre.safety)."""
    safety.check_text(
        session=session,
        subject_type="ticket",
        subject_id=ticket.id,
        text=f"{ticket.subject}\n{ticket.body or ''}",
        customer_id=ticket.customer_id,
        actor=actor,
    )


def _snapshot(ticket: Ticket) -> dict[str, Any]:
    return {name: getattr(ticket, name) for name in _TRACKED}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | list):
        return value
    return str(value)


def update(
    *, session: Session, ticket_id: int, data: TicketUpdate, actor: str = "system"
) -> Ticket:
    """Apply the fields set in ``data`` and record what changed."""
    ticket = get(session=session, ticket_id=ticket_id)
    values = data.model_dump(exclude_unset=True)
    _check_refs(session, values, ticket.customer_id)
    before = _snapshot(ticket)
    for key, value in values.items():
        setattr(ticket, key, value)
    _stamp_resolution(ticket)
    session.flush()
    diff = timeline.changes(before, _snapshot(ticket))
    if diff:
        changes = {k: [_plain(a), _plain(b)] for k, (a, b) in diff.items()}
        parts = [
            f"{k} {a} → {b}" if k in ("status", "priority") else k
            for k, (a, b) in sorted(changes.items())
        ]
        timeline.record(
            session=session,
            customer_id=ticket.customer_id,
            kind="ticket.updated",
            subject_type="ticket",
            subject_id=ticket.id,
            summary=f"Ticket #{ticket.id} updated: " + ", ".join(parts),
            data={"changes": changes},
            actor=actor,
        )
        emit(
            session=session, type="ticket.updated", data={**public(ticket), "changes": sorted(diff)}
        )
        if {"subject", "body"} & set(diff):
            _check_text(session, ticket, actor)
    return ticket


def delete(*, session: Session, ticket_id: int, actor: str = "system") -> None:
    """Delete a ticket; the customer's timeline keeps a line saying so."""
    ticket = get(session=session, ticket_id=ticket_id)
    data = public(ticket)
    timeline.delete_recorded(
        session=session,
        row=ticket,
        data=data,
        subject_type="ticket",
        subject_id=ticket_id,
        summary=f"Ticket #{ticket_id} deleted: {data['subject']}",
        actor=actor,
    )


def ticket_facts(
    *, session: Session, as_of: datetime, recent_since: datetime, span: IdSpan | None = None
) -> list[tuple[Any, ...]]:
    """Return (customer_id, tickets, tickets since ``recent_since``) opened by ``as_of``."""
    stmt = (
        select(
            Ticket.customer_id,
            func.count(Ticket.id),
            func.sum(case((Ticket.created_at >= recent_since, 1), else_=0)),
        )
        .where(Ticket.created_at <= as_of)
        .group_by(Ticket.customer_id)
    )
    if span is not None:
        stmt = stmt.where(span.condition(Ticket.customer_id))
    return [tuple(row) for row in session.execute(stmt)]


def fingerprint(*, session: Session) -> tuple[Any, ...]:
    """Return (count, max id, max updated_at) of tickets, to tell when ticket data changed."""
    stmt = select(func.count(Ticket.id), func.max(Ticket.id), func.max(Ticket.updated_at))
    return tuple(session.execute(stmt).one())
