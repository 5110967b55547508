"""The table behind the ``Idempotency-Key`` header: one row per (caller, key)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from maitre.db.base import Base, JSONType, utcnow


class IdempotencyState(StrEnum):
    IN_FLIGHT = "in_flight"
    COMPLETED = "completed"


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("principal", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # A hash of the caller's credential (or "user:<id>" for web sessions), never the credential.
    principal: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(2000))
    state: Mapped[IdempotencyState] = mapped_column(String(20), default=IdempotencyState.IN_FLIGHT)
    status_code: Mapped[int | None]
    response_headers: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
