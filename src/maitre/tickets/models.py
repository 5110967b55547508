"""The ticket table."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from maitre.conversations.models import Channel
from maitre.db.base import Base, JSONType, TimestampMixin


class TicketStatus(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


DONE_STATUSES = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})


class TicketPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Ticket(TimestampMixin, Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No ON DELETE: a customer with tickets cannot be deleted by accident (customers -> 409).
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[TicketStatus] = mapped_column(String(20), default=TicketStatus.OPEN, index=True)
    priority: Mapped[TicketPriority] = mapped_column(
        String(20), default=TicketPriority.NORMAL, index=True
    )
    channel: Mapped[Channel] = mapped_column(String(20), default=Channel.WEB)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    resolved_at: Mapped[datetime | None]
