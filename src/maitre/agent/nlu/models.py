"""Tables of the NLU: user-added training examples and the review queue of real utterances."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from maitre.db.base import Base, utcnow


class ExampleSource(StrEnum):
    """Where a training example came from."""

    USER = "user"
    REVIEW = "review"
    IMPORT = "import"


class NluExample(Base):
    """A labelled utterance added on top of the shipped training data."""

    __tablename__ = "nlu_examples"
    __table_args__ = (UniqueConstraint("intent", "text_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    intent: Mapped[str] = mapped_column(String(100), index=True)
    text: Mapped[str] = mapped_column(Text)
    # The text up to case, spacing and punctuation: the same example is not added twice.
    text_key: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(10), default="en")
    source: Mapped[ExampleSource] = mapped_column(String(20), default=ExampleSource.USER)
    created_by: Mapped[str] = mapped_column(String(200), default="system")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ReviewReason(StrEnum):
    """Why an utterance was queued for review."""

    LOW_CONFIDENCE = "low_confidence"
    OUT_OF_SCOPE = "out_of_scope"
    HANDOFF = "handoff"
    MANUAL = "manual"


class ReviewStatus(StrEnum):
    """Where a review item is."""

    PENDING = "pending"
    LABELLED = "labelled"
    DISMISSED = "dismissed"


class NluReviewItem(Base):
    """An utterance the model was unsure about, or that ended in a handoff, waiting for a label."""

    __tablename__ = "nlu_review_items"
    __table_args__ = (Index("ix_nlu_review_items_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(10), default="en")
    predicted_intent: Mapped[str | None] = mapped_column(String(100))
    confidence: Mapped[float | None]
    reason: Mapped[ReviewReason] = mapped_column(String(20), default=ReviewReason.LOW_CONFIDENCE)
    status: Mapped[ReviewStatus] = mapped_column(String(20), default=ReviewStatus.PENDING)
    label: Mapped[str | None] = mapped_column(String(100))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    message_id: Mapped[int | None]
    model_version: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    example_id: Mapped[int | None] = mapped_column(
        ForeignKey("nlu_examples.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
