"""Tables of customer analytics: stored scores per customer and saved (dynamic) segments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from maitre.db.base import Base, JSONType, TimestampMixin, utcnow


class CustomerScore(Base):
    """The latest batch scores of one customer (rewritten by ``maitre analytics refresh``)."""

    __tablename__ = "customer_scores"

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    churn_probability: Mapped[float | None] = mapped_column(Float, index=True)
    churn_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    churn_model_version: Mapped[int | None]
    clv: Mapped[float | None] = mapped_column(Float)
    expected_purchases: Mapped[float | None] = mapped_column(Float)
    probability_alive: Mapped[float | None] = mapped_column(Float)
    rfm_segment: Mapped[str] = mapped_column(String(40), index=True)
    rfm_code: Mapped[str | None] = mapped_column(String(3))
    cluster: Mapped[int | None] = mapped_column(index=True)
    total_spent: Mapped[float] = mapped_column(Float, default=0.0)
    orders_count: Mapped[int] = mapped_column(default=0)
    last_order_at: Mapped[datetime | None]
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedSegment(TimestampMixin, Base):
    """A named rule over profile fields; its members are evaluated when asked (a dynamic list)."""

    __tablename__ = "saved_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    rule: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by: Mapped[str] = mapped_column(String(200), default="system")


class SegmentSummary(Base):
    """What the last ``maitre analytics refresh`` learned about everyone, for large databases.

    The segments overview (sizes, shares, mean features, descriptions), the RFM quintile edges
    and the category-share plan: with these a profile is computed for one customer and the
    segments page is read back, instead of rebuilding every customer's features on a request.
    A refresh replaces the row.
    """

    __tablename__ = "segment_summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[datetime]
    customers: Mapped[int] = mapped_column(default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
