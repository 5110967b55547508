"""Pydantic models for saved segments: the rule language and the API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from maitre.ml.segments import RFMSegment

Code = Annotated[str, Field(min_length=1, max_length=60)]
Money = Annotated[float, Field(ge=0, le=1e12)]
Probability = Annotated[float, Field(ge=0, le=1)]


class SegmentRule(BaseModel):
    """Filters over profile fields, all of which must hold; a list means any of its values."""

    model_config = ConfigDict(extra="forbid")

    rfm_segments: list[RFMSegment] | None = Field(default=None, max_length=20)
    clusters: list[Annotated[int, Field(ge=0, le=1000)]] | None = Field(default=None, max_length=50)
    churn_probability_gte: Probability | None = None
    churn_probability_lte: Probability | None = None
    languages: list[Code] | None = Field(default=None, max_length=50)
    countries: list[Code] | None = Field(default=None, max_length=250)
    tags: list[Code] | None = Field(default=None, max_length=20, description="Any of these tags.")
    total_spent_gte: Money | None = None
    total_spent_lte: Money | None = None
    clv_gte: Money | None = None
    orders_gte: int | None = Field(default=None, ge=0, le=1_000_000)
    last_order_before: datetime | None = None
    last_order_after: datetime | None = None

    @model_validator(mode="after")
    def _ranges(self) -> SegmentRule:
        pairs = (
            (self.churn_probability_gte, self.churn_probability_lte, "churn_probability"),
            (self.total_spent_gte, self.total_spent_lte, "total_spent"),
        )
        for low, high, name in pairs:
            if low is not None and high is not None and low > high:
                raise ValueError(f"{name}_gte must not exceed {name}_lte")
        return self


class SavedSegmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=2000)
    rule: SegmentRule


class SavedSegmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=2000)
    rule: SegmentRule | None = None


class SavedSegmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    rule: SegmentRule
    created_by: str
    created_at: datetime
    updated_at: datetime


class SavedSegmentPage(BaseModel):
    items: list[SavedSegmentRead]
    total: int
    limit: int
    offset: int


class MemberRead(BaseModel):
    customer_id: int
    name: str
    email: str | None
    language: str
    country: str | None
    rfm_segment: str | None
    cluster: int | None
    churn_probability: float | None
    clv: float | None
    total_spent: float | None
    last_order_at: datetime | None


class MemberPage(BaseModel):
    items: list[MemberRead]
    total: int
    limit: int
    offset: int
