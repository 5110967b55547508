"""Note service behaviour on both backends: subjects, events, enums."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from maitre.errors import ValidationFailed
from maitre.events import EVENT_HANDLERS_KEY, DomainEvent
from maitre.notes import service as notes
from maitre.notes.models import NoteSubject
from maitre.notes.schemas import NoteUpdate
from tests.factories.customers import make_customer
from tests.factories.notes import make_note
from tests.factories.sales import make_deal
from tests.factories.tickets import make_ticket


def test_stored_subject_values_are_pinned(session: Session) -> None:
    assert [s.value for s in NoteSubject] == ["order", "ticket", "deal"]
    customer = make_customer(session)
    deal = make_deal(session, customer.id)
    note = make_note(session, customer.id, subject_type="deal", subject_id=deal.id)
    row = session.execute(
        text("SELECT subject_type, subject_id FROM notes WHERE id = :id"), {"id": note.id}
    ).one()
    assert tuple(row) == ("deal", deal.id)


def test_note_events_and_default_author(session: Session) -> None:
    customer = make_customer(session)
    seen: list[DomainEvent] = []
    session.info[EVENT_HANDLERS_KEY] = [lambda _s, event: seen.append(event)]
    note = make_note(session, customer.id)
    assert note.author == "system"
    notes.update(session=session, note_id=note.id, data=NoteUpdate(body="Changed"))
    notes.update(session=session, note_id=note.id, data=NoteUpdate(body="Changed"))
    notes.delete(session=session, note_id=note.id)
    assert [e.type for e in seen] == ["note.created", "note.updated", "note.deleted"]
    assert seen[1].data["body"] == "Changed" and seen[1].data["changes"] == ["body"]


def test_note_on_another_customers_ticket_is_refused(session: Session) -> None:
    mine, theirs = make_customer(session), make_customer(session)
    ticket = make_ticket(session, theirs.id)
    with pytest.raises(ValidationFailed) as err:
        make_note(session, mine.id, subject_type="ticket", subject_id=ticket.id)
    assert err.value.errors[0].loc == ["body", "subject_id"]
    listed = notes.list_for_customer(session=session, customer_id=mine.id)
    assert listed == []
