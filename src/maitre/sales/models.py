"""Tables for leads and deals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from maitre.db.base import Base, TimestampMixin


class LeadStatus(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    UNQUALIFIED = "unqualified"
    CONVERTED = "converted"


class DealStage(StrEnum):
    """The pipeline, in order; ``won`` and ``lost`` close a deal."""

    QUALIFICATION = "qualification"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    WON = "won"
    LOST = "lost"


CLOSED_STAGES = frozenset({DealStage.WON, DealStage.LOST})


class Lead(TimestampMixin, Base):
    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    company: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[LeadStatus] = mapped_column(String(20), default=LeadStatus.NEW, index=True)
    score: Mapped[float | None]  # filled by lead scoring
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    converted_at: Mapped[datetime | None]


class Deal(TimestampMixin, Base):
    __tablename__ = "deals"
    __table_args__ = (CheckConstraint("value >= 0", name="value_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # No ON DELETE: a customer with deals cannot be deleted by accident (customers -> 409).
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), index=True
    )
    stage: Mapped[DealStage] = mapped_column(
        String(20), default=DealStage.QUALIFICATION, index=True
    )
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    expected_close: Mapped[date | None]
    closed_at: Mapped[datetime | None]
