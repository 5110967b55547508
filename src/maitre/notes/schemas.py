"""API shapes for notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from maitre.common.ids import RefId
from maitre.notes.models import NoteSubject

# Primary keys are 32-bit integers on PostgreSQL; larger ids would be a database error.
MAX_BODY = 20_000


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    customer_id: RefId
    body: str = Field(min_length=1, max_length=MAX_BODY)
    author: str | None = Field(
        default=None, min_length=1, max_length=200, description="Defaults to the caller's name."
    )
    subject_type: NoteSubject | None = None
    subject_id: RefId | None = None


class NoteUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    body: str | None = Field(default=None, min_length=1, max_length=MAX_BODY)
    author: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("body", "author", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null; omit the field to leave it unchanged")
        return value


class NoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    body: str
    author: str
    subject_type: NoteSubject | None
    subject_id: int | None
    created_at: datetime
    updated_at: datetime


class NotePage(BaseModel):
    items: list[NoteRead]
    total: int
    limit: int
    offset: int | None = None
    next_cursor: str | None = None
