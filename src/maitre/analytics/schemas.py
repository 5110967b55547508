"""Pydantic models for the analytics API (responses only)."""

from __future__ import annotations

from datetime import datetime

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


class ProfileRead(BaseModel):
    customer_id: int
    as_of: datetime
    features: dict[str, FeatureValue]
    rfm: RFMRead
    cluster: ClusterRef | None = Field(description="null for a customer without orders.")
    description: str = Field(description="The cluster's description, or the RFM segment's.")


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
