"""Factories for notes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from maitre.notes import service as notes
from maitre.notes.models import Note
from maitre.notes.schemas import NoteCreate


def note_payload(customer_id: int, **overrides: Any) -> dict[str, Any]:
    """Return a valid note-create body for ``customer_id``."""
    data: dict[str, Any] = {"customer_id": customer_id, "body": "Prefers email over phone."}
    data.update(overrides)
    return data


def make_note(session: Session, customer_id: int, **overrides: Any) -> Note:
    """Create and flush a note through the service."""
    return notes.create(session=session, data=NoteCreate(**note_payload(customer_id, **overrides)))
