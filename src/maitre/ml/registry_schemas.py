"""API shapes for the model registry and training runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from maitre.ml.models import RunStatus


class ModelVersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, protected_namespaces=())

    id: int
    name: str
    version: int
    data_hash: str
    params: dict[str, Any]
    metrics: dict[str, Any]
    path: str
    created_at: datetime
    is_active: bool
    activated_at: datetime | None
    created_by: str


class ActivateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=2**31 - 1)


class TrainingRunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, protected_namespaces=())

    id: int
    model_name: str
    status: RunStatus
    progress: float
    message: str
    params: dict[str, Any]
    result: dict[str, Any]
    error: str | None
    version_id: int | None
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
