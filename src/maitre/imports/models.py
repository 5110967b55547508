"""The import job table: one row per import, its counts kept current batch by batch."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from maitre.db.base import Base, utcnow


class Entity(StrEnum):
    """What an import or export holds."""

    CUSTOMERS = "customers"
    PRODUCTS = "products"
    ORDERS = "orders"


class ImportStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"


class ImportJob(Base):
    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[Entity] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[ImportStatus] = mapped_column(String(20), default=ImportStatus.RUNNING)
    all_or_nothing: Mapped[bool] = mapped_column(default=False)
    encoding: Mapped[str] = mapped_column(String(40), default="")
    rows: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200), default="system")
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
