"""Note operations; the only code that queries the notes table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from maitre.common.pagination import Page, PageParams, paginate, where_equal
from maitre.customers import service as customers
from maitre.db.lookup import get_or_404
from maitre.errors import FieldError, NotFound, ValidationFailed
from maitre.events import emit
from maitre.notes.models import Note, NoteSubject
from maitre.notes.schemas import NoteCreate, NoteRead, NoteUpdate
from maitre.orders import service as orders
from maitre.safety import service as safety
from maitre.sales import deals
from maitre.tickets import service as tickets
from maitre.timeline import service as timeline

SORTABLE = {
    "id": Note.id,
    "created_at": Note.created_at,
    "updated_at": Note.updated_at,
}


@dataclass(frozen=True)
class NoteFilter:
    """Filters a note list accepts."""

    customer_id: int | None = None
    subject_type: NoteSubject | None = None
    subject_id: int | None = None


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        message, errors=[FieldError(loc=["body", field], msg=message, type="invalid_reference")]
    )


def _subject_owner(session: Session, subject_type: NoteSubject, subject_id: int) -> int:
    """Return the customer id of the order, ticket or deal a note is attached to."""
    try:
        if subject_type == NoteSubject.ORDER:
            return orders.get(session=session, order_id=subject_id).customer_id
        if subject_type == NoteSubject.TICKET:
            return tickets.get(session=session, ticket_id=subject_id).customer_id
        return deals.get(session=session, deal_id=subject_id).customer_id
    except NotFound:
        raise _invalid("subject_id", f"There is no {subject_type} with id {subject_id}.") from None


def _check(session: Session, data: NoteCreate) -> None:
    try:
        customers.get(session=session, customer_id=data.customer_id)
    except NotFound:
        raise _invalid("customer_id", f"Customer {data.customer_id} does not exist.") from None
    if data.subject_type is None and data.subject_id is None:
        return
    if data.subject_type is None or data.subject_id is None:
        missing = "subject_type" if data.subject_type is None else "subject_id"
        raise _invalid(missing, "Give subject_type and subject_id together, or neither.")
    owner = _subject_owner(session, data.subject_type, data.subject_id)
    if owner != data.customer_id:
        raise _invalid(
            "subject_id",
            f"{data.subject_type.capitalize()} {data.subject_id} belongs to another customer.",
        )


def public(note: Note) -> dict[str, Any]:
    """Return the note's API shape as JSON-ready data (for events, webhooks, the 360 view)."""
    return NoteRead.model_validate(note).model_dump(mode="json")


def get(*, session: Session, note_id: int) -> Note:
    """Return a note or raise ``NotFound``."""
    return get_or_404(session, Note, note_id, "Note")


def list_(*, session: Session, filters: NoteFilter, params: PageParams) -> Page[Note]:
    """Return one page of notes matching ``filters``."""
    stmt = select(Note)
    stmt = where_equal(
        stmt,
        (Note.customer_id, filters.customer_id),
        (Note.subject_type, filters.subject_type),
        (Note.subject_id, filters.subject_id),
    )
    return paginate(session, stmt, id_column=Note.id, params=params, sortable=SORTABLE)


def list_for_customer(*, session: Session, customer_id: int, limit: int = 50) -> list[Note]:
    """Return a customer's notes, newest first."""
    stmt = (
        select(Note)
        .where(Note.customer_id == customer_id)
        .order_by(Note.created_at.desc(), Note.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def _excerpt(text: str, size: int = 120) -> str:
    line = " ".join(text.split())
    return line if len(line) <= size else line[: size - 1] + "…"


def create(*, session: Session, data: NoteCreate, actor: str = "system") -> Note:
    """Write a note on a customer (and optionally one of its orders, tickets or deals)."""
    _check(session, data)
    values = data.model_dump()
    values["author"] = values["author"] or actor
    note = Note(**values)
    session.add(note)
    session.flush()
    on = f" on {note.subject_type} #{note.subject_id}" if note.subject_type else ""
    timeline.record(
        session=session,
        customer_id=note.customer_id,
        kind="note.created",
        subject_type="note",
        subject_id=note.id,
        summary=f"Note by {note.author}{on}: {_excerpt(note.body)}",
        data={"subject_type": note.subject_type, "subject_id": note.subject_id},
        actor=actor,
    )
    emit(session=session, type="note.created", data=public(note))
    _check_text(session, note, actor)
    return note


def _check_text(session: Session, note: Note, actor: str) -> None:
    """Flag a note whose text tries to instruct the assistant (see maitre.safety)."""
    safety.check_text(
        session=session,
        subject_type="note",
        subject_id=note.id,
        text=note.body,
        customer_id=note.customer_id,
        actor=actor,
    )


def update(*, session: Session, note_id: int, data: NoteUpdate, actor: str = "system") -> Note:
    """Edit a note's text or author."""
    note = get(session=session, note_id=note_id)
    before = {"body": note.body, "author": note.author}
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(note, key, value)
    session.flush()
    diff = timeline.changes(before, {"body": note.body, "author": note.author})
    if diff:
        timeline.record(
            session=session,
            customer_id=note.customer_id,
            kind="note.updated",
            subject_type="note",
            subject_id=note.id,
            summary=f"Note #{note.id} edited: {_excerpt(note.body)}",
            data={
                "changes": {k: [_excerpt(str(a)), _excerpt(str(b))] for k, (a, b) in diff.items()}
            },
            actor=actor,
        )
        emit(session=session, type="note.updated", data={**public(note), "changes": sorted(diff)})
        if "body" in diff:
            _check_text(session, note, actor)
    return note


def delete(*, session: Session, note_id: int, actor: str = "system") -> None:
    """Delete a note; the customer's timeline keeps a line saying so."""
    note = get(session=session, note_id=note_id)
    data = public(note)
    timeline.delete_recorded(
        session=session,
        row=note,
        data=data,
        subject_type="note",
        subject_id=note_id,
        summary=f"Note #{note_id} deleted",
        actor=actor,
    )
