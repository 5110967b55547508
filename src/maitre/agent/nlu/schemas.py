"""API shapes for the NLU: parse, intents, examples, review queue, training."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from maitre.agent.nlu.entities import EntityType
from maitre.agent.nlu.models import ExampleSource, ReviewReason, ReviewStatus
from maitre.common.ids import RefId

LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"


class ParseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000, description="The utterance to understand.")
    expected: list[EntityType] = Field(
        default_factory=list,
        max_length=10,
        description="Entity types the conversation just asked for (a bare '1043' is then read "
        "as an order number).",
    )


class RankedIntent(BaseModel):
    intent: str
    confidence: float


class EntityRead(BaseModel):
    type: EntityType
    text: str
    start: int
    end: int
    value: Any
    source: str
    confidence: float


class ParseResponse(BaseModel):
    text: str
    intent: str
    confidence: float
    ranking: list[RankedIntent]
    entities: list[EntityRead]
    language: str
    out_of_scope: bool
    model_version: int | None


class IntentRead(BaseModel):
    name: str
    description: str
    builtin: bool
    examples: dict[str, int]


class ExampleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    intent: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=2000)
    language: str | None = Field(default=None, pattern=LANGUAGE_PATTERN)


class ExampleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    intent: str
    text: str
    language: str
    source: ExampleSource
    created_by: str
    created_at: datetime


class ExamplePage(BaseModel):
    items: list[ExampleRead]
    total: int
    limit: int
    offset: int | None = None
    next_cursor: str | None = None


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=1, max_length=2000)
    reason: ReviewReason = ReviewReason.MANUAL
    conversation_id: RefId | None = None


class ReviewLabel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    intent: str = Field(min_length=1, max_length=100)


class ReviewRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    text: str
    language: str
    predicted_intent: str | None
    confidence: float | None
    reason: ReviewReason
    status: ReviewStatus
    label: str | None
    conversation_id: int | None
    message_id: int | None
    model_version: int | None
    created_at: datetime
    reviewed_at: datetime | None
    reviewed_by: str | None


class ReviewPage(BaseModel):
    items: list[ReviewRead]
    total: int
    limit: int
    offset: int | None = None
    next_cursor: str | None = None


class TrainRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    activate: bool = Field(default=True, description="Serve the new version when it is ready.")
    use_encoder: bool = Field(default=True, description="Use the sentence encoder head.")
    finetune: bool = Field(default=True, description="Fine-tune the encoder on the examples.")
