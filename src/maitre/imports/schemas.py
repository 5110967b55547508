"""API shapes for imports."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from maitre.imports.models import Entity, ImportStatus


class ImportRead(BaseModel):
    """The summary of one import; ``errors_url`` serves its error report CSV."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    entity: Entity
    filename: str
    status: ImportStatus
    all_or_nothing: bool
    encoding: str
    rows: int = Field(description="Data rows read from the file.")
    created: int
    updated: int
    unchanged: int
    rejected: int
    error: str | None = Field(description="Why the file as a whole was refused, if it was.")
    actor: str
    started_at: datetime
    finished_at: datetime | None
    errors_url: str = ""
