"""Flags raised on CRM text that tries to instruct the assistant (indirect prompt injection)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from maitre.db.base import Base, JSONType, utcnow


class FlagStatus(StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"  # an admin read it and found it harmless
    CONFIRMED = "confirmed"  # an admin read it and agrees it is an attack


class ContentFlag(Base):
    __tablename__ = "content_flags"
    __table_args__ = (Index("ix_content_flags_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(30))  # ticket, note …
    subject_id: Mapped[int]
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(60))
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    score: Mapped[float]
    excerpt: Mapped[str] = mapped_column(Text)
    status: Mapped[FlagStatus] = mapped_column(String(20), default=FlagStatus.OPEN, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
