"""API shapes for webhook endpoints and their deliveries."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from maitre.webhooks.models import DeliveryStatus

# "customer.created", "order.*" or "*" for every event.
EVENT_TYPE_PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?)$")


def _clean_event_types(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    cleaned: list[str] = []
    for value in values:
        value = value.strip()
        if not EVENT_TYPE_PATTERN.match(value):
            raise ValueError(
                f"{value!r} is not an event type; use names like 'customer.created', "
                "'order.*' or '*'"
            )
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(min_length=1, max_length=2000, description="http(s) URL to POST events to.")
    event_types: list[str] = Field(
        min_length=1,
        max_length=100,
        description="Event types to send, e.g. customer.created, order.*; '*' for all.",
    )
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=200,
        description="Signing secret; generated (and shown once) when omitted.",
    )
    description: str = Field(default="", max_length=500)
    is_active: bool = True

    _event_types = field_validator("event_types")(_clean_event_types)


class WebhookUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str | None = Field(default=None, min_length=1, max_length=2000)
    event_types: list[str] | None = Field(default=None, min_length=1, max_length=100)
    secret: str | None = Field(default=None, min_length=16, max_length=200)
    description: str | None = Field(default=None, max_length=500)
    is_active: bool | None = None

    _event_types = field_validator("event_types")(_clean_event_types)


class WebhookRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    event_types: list[str]
    description: str
    is_active: bool
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="The signing secret; shown only in this response.")


class WebhookPage(BaseModel):
    items: list[WebhookRead]
    total: int
    limit: int
    offset: int | None = None
    next_cursor: str | None = None


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: float
    response_excerpt: str | None


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    webhook_id: int = Field(validation_alias="endpoint_id")
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempt_count: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    payload: dict[str, Any]
    attempts: list[AttemptRead]


class DeliveryPage(BaseModel):
    items: list[DeliveryRead]
    total: int
    limit: int
    offset: int | None = None
    next_cursor: str | None = None
