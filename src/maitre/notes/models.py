"""The note table."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from maitre.db.base import Base, TimestampMixin


class NoteSubject(StrEnum):
    """What a note may be attached to besides its customer."""

    ORDER = "order"
    TICKET = "ticket"
    DEAL = "deal"


class Note(TimestampMixin, Base):
    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200), default="system")
    subject_type: Mapped[NoteSubject | None] = mapped_column(String(20))
    subject_id: Mapped[int | None]
