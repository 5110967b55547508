"""Pydantic models for the recommendations API (responses only)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

ReasonKind = Literal["bought", "similar_customers", "popular_in_category", "popular"]


class RecommendationRead(BaseModel):
    product_id: int
    sku: str
    name: str
    category: str | None
    price: Decimal
    score: float = Field(description="Higher is better; comparable within one list only.")
    reason: str = Field(description='Why, in words: "bought Kettle", "popular in Tea", ...')
    reason_kind: ReasonKind
    because_product_ids: list[int] = Field(description="The bought items behind the reason.")


class RecommendationList(BaseModel):
    customer_id: int
    model_version: int | None = Field(description="The recs model used; null: popularity only.")
    items: list[RecommendationRead]
