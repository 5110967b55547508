"""Pydantic models for the analytics API (responses only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

FeatureValue = float | str | None


class RFMRead(BaseModel):
    r_score: int | None = Field(description="Recency score 1..5 (5 = most recent); null: no order.")
    f_score: int | None
    m_score: int | None
    code: str | None = Field(description='The three scores as a string, e.g. "545".')
    segment: str = Field(description="Named RFM segment, e.g. champions, at_risk, no_orders.")


class ClusterRef(BaseModel):
    id: int
    description: str


class ReasonRead(BaseModel):
    feature: str
    value: float | str | None
    effect: float = Field(description="Push towards churn on the log-odds scale (SHAP).")
    text: str = Field(description='The reason in words, e.g. "no order for 140 days".')


class ProfileRead(BaseModel):
    customer_id: int
    as_of: datetime
    features: dict[str, FeatureValue]
    rfm: RFMRead
    cluster: ClusterRef | None = Field(description="null for a customer without orders.")
    description: str = Field(description="The cluster's description, or the RFM segment's.")
    churn_probability: float | None = Field(
        default=None, description="Calibrated churn probability from the last refresh."
    )
    churn_reasons: list[ReasonRead] = Field(default_factory=list)
    churn_model_version: int | None = None
    churn_at_risk: bool | None = Field(
        default=None, description="Probability at or above the model's cost-based threshold."
    )
    clv: float | None = Field(default=None, description="Expected value over the next year.")
    expected_purchases: float | None = Field(default=None, description="Next 365 days.")
    probability_alive: float | None = None
    scored_at: datetime | None = Field(default=None, description="When scores were refreshed.")


class SegmentRead(BaseModel):
    name: str
    size: int
    share: float
    mean_features: dict[str, float | None]
    description: str


class ClusterRead(BaseModel):
    id: int
    size: int
    share: float
    mean_features: dict[str, float | None]
    description: str


class SegmentsRead(BaseModel):
    as_of: datetime
    customers: int
    rfm: list[SegmentRead]
    clusters: list[ClusterRead]
    silhouette_by_k: dict[int, float] = Field(description="Silhouette of each k tried.")


class ChurnRiskRead(BaseModel):
    customer_id: int
    name: str
    email: str | None
    churn_probability: float
    churn_reasons: list[ReasonRead]
    rfm_segment: str
    cluster: int | None
    clv: float | None
    total_spent: float
    last_order_at: datetime | None
    scored_at: datetime


class ChurnRiskPage(BaseModel):
    items: list[ChurnRiskRead]
    total: int
    limit: int
    offset: int


class BiasRead(BaseModel):
    model: str
    version: int
    report: dict[str, Any] = Field(description="Overall and per-group metrics, flagged groups.")
