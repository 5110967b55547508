"""Write the demo's tickets (with chat transcripts), notes, leads and deals through the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from maitre.conversations import service as conversations
from maitre.conversations.models import Channel, ConversationStatus, Sender
from maitre.conversations.schemas import ConversationCreate
from maitre.demo.clock import DemoClock
from maitre.demo.generator import DemoData
from maitre.demo.pipeline import DEAL_OWNER, DemoDeal
from maitre.demo.support import DemoTicket
from maitre.notes import service as notes
from maitre.notes.models import NoteSubject
from maitre.notes.schemas import NoteCreate
from maitre.sales import deals, leads
from maitre.sales.models import DealStage, LeadStatus
from maitre.sales.schemas import (
    DealCreate,
    DealDraft,
    DealUpdate,
    LeadConvert,
    LeadCreate,
    LeadUpdate,
)
from maitre.tickets import service as tickets
from maitre.tickets.models import TicketPriority, TicketStatus
from maitre.tickets.schemas import TicketCreate, TicketUpdate

ACTOR = "demo"
Progress = Callable[[str, int], None]


@dataclass
class Refs:
    """Database ids of what was already loaded: customer and order by generator index, staff by
    email."""

    customers: dict[int, int]
    orders: list[int]
    staff: dict[str, int]


def _conversation(session: Session, clock: DemoClock, ticket: DemoTicket, customer_id: int) -> int:
    clock.at = ticket.transcript[0][2]
    convo = conversations.create(
        session=session,
        data=ConversationCreate(
            customer_id=customer_id, channel=Channel(ticket.channel), language=ticket.language
        ),
        actor=ACTOR,
    )
    for sender, text, when in ticket.transcript:
        clock.at = when
        conversations.add_message(
            session=session, conversation_id=convo.id, sender=Sender(sender), text=text
        )
        if sender == "bot":
            conversations.set_status(
                session=session,
                conversation_id=convo.id,
                status=ConversationStatus.HANDED_OFF,
                actor=ACTOR,
            )
    return convo.id


def _close_conversation(session: Session, clock: DemoClock, convo_id: int) -> None:
    conversations.set_status(
        session=session,
        conversation_id=convo_id,
        status=ConversationStatus.RESOLVED,
        outcome="resolved_by_agent",
        actor=ACTOR,
    )


def _ticket(session: Session, clock: DemoClock, ticket: DemoTicket, refs: Refs) -> int:
    customer_id = refs.customers[ticket.customer]
    convo_id = _conversation(session, clock, ticket, customer_id) if ticket.transcript else None
    clock.at = ticket.created_at
    row = tickets.create(
        session=session,
        data=TicketCreate(
            customer_id=customer_id,
            subject=ticket.subject,
            body=ticket.body,
            priority=TicketPriority(ticket.priority),
            channel=Channel(ticket.channel),
            tags=[ticket.kind.replace("_", "-")],
            conversation_id=convo_id,
            order_id=refs.orders[ticket.order] if ticket.order is not None else None,
        ),
        actor=ACTOR,
    )
    assignee = refs.staff.get(ticket.assignee) if ticket.assignee else None
    for i, (status, when) in enumerate(ticket.events):
        clock.at = when
        update = TicketUpdate(status=TicketStatus(status))
        if i == 0 and assignee is not None:
            update = TicketUpdate(status=TicketStatus(status), assignee_id=assignee)
        tickets.update(session=session, ticket_id=row.id, data=update, actor=ACTOR)
        if status == "resolved" and convo_id is not None:
            _close_conversation(session, clock, convo_id)
    if not ticket.events and assignee is not None:
        tickets.update(
            session=session, ticket_id=row.id, data=TicketUpdate(assignee_id=assignee), actor=ACTOR
        )
    return row.id


def _deal_stages(session: Session, clock: DemoClock, deal: DemoDeal, deal_id: int) -> None:
    for stage, when in deal.events:
        clock.at = when
        deals.update(
            session=session, deal_id=deal_id, data=DealUpdate(stage=DealStage(stage)), actor=ACTOR
        )


def _leads(session: Session, clock: DemoClock, data: DemoData, refs: Refs, tick: Progress) -> int:
    owner = refs.staff.get(DEAL_OWNER)
    converted = 0
    for lead in data.leads:
        clock.at = lead.created_at
        row = leads.create(
            session=session,
            data=LeadCreate(
                name=lead.name,
                email=lead.email,
                phone=lead.phone,
                company=lead.company,
                source=lead.source,
                owner_id=owner,
                notes=lead.notes,
            ),
            actor=ACTOR,
        )
        for status, when in lead.events:
            clock.at = when
            if status != "converted":
                leads.update(
                    session=session,
                    lead_id=row.id,
                    data=LeadUpdate(status=LeadStatus(status)),
                    actor=ACTOR,
                )
                continue
            deal = lead.deal
            assert deal is not None  # a converted lead always opened a deal
            done = leads.convert(
                session=session,
                lead_id=row.id,
                data=LeadConvert(
                    deal=DealDraft(
                        title=deal.title,
                        value=deal.value,
                        owner_id=owner,
                        expected_close=deal.expected_close,
                    )
                ),
                actor=ACTOR,
            )
            converted += int(done.customer_created)
            if done.deal is not None:
                _deal_stages(session, clock, deal, done.deal.id)
        tick("leads", 1)
    return converted


def load(
    session: Session, clock: DemoClock, data: DemoData, refs: Refs, tick: Progress
) -> dict[str, int]:
    """Write tickets, notes, leads and deals; return row counts (``lead_customers`` included)."""
    ticket_ids: dict[int, int] = {}
    for ticket in data.tickets:
        ticket_ids[id(ticket)] = _ticket(session, clock, ticket, refs)
        tick("tickets", 1)
    for note in data.notes:
        clock.at = note.created_at
        on_ticket = note.ticket is not None
        notes.create(
            session=session,
            data=NoteCreate(
                customer_id=refs.customers[note.customer],
                body=note.body,
                author=note.author,
                subject_type=NoteSubject.TICKET if on_ticket else None,
                subject_id=ticket_ids[id(note.ticket)] if note.ticket is not None else None,
            ),
            actor=ACTOR,
        )
        tick("notes", 1)
    lead_customers = _leads(session, clock, data, refs, tick)
    owner = refs.staff.get(DEAL_OWNER)
    for deal in data.deals:
        assert deal.customer is not None  # customer deals name their customer
        clock.at = deal.created_at
        row = deals.create(
            session=session,
            data=DealCreate(
                title=deal.title,
                customer_id=refs.customers[deal.customer],
                value=deal.value,
                owner_id=owner,
                expected_close=deal.expected_close,
            ),
            actor=ACTOR,
        )
        _deal_stages(session, clock, deal, row.id)
        tick("deals", 1)
    lead_deals = sum(1 for lead in data.leads if lead.deal is not None)
    return {
        "tickets": len(data.tickets),
        "conversations": sum(1 for t in data.tickets if t.transcript),
        "notes": len(data.notes),
        "leads": len(data.leads),
        "deals": len(data.deals) + lead_deals,
        "lead_customers": lead_customers,
    }
