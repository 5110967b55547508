"""API shapes for market analysis and demand forecasts."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from maitre.common.money import Money


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class ForecastFreq(StrEnum):
    DAY = "day"
    WEEK = "week"


class PairSort(StrEnum):
    LIFT = "lift"
    SUPPORT = "support"


class SalesRow(BaseModel):
    key: str = Field(description="Period start (YYYY-MM-DD), category, channel or country.")
    revenue: Money
    orders: int
    units: int


class SalesReport(BaseModel):
    by: str
    freq: Period | None = None
    rows: list[SalesRow]
    total: SalesRow


class CohortRow(BaseModel):
    cohort: str = Field(description="Month of the customers' first order, YYYY-MM.")
    size: int
    retention: list[float] = Field(description="Share of the cohort active N months later.")


class CohortMatrix(BaseModel):
    months: int
    cohorts: list[CohortRow]


class ProductRef(BaseModel):
    id: int
    sku: str
    name: str


class ItemPair(BaseModel):
    a: ProductRef
    b: ProductRef
    orders: int = Field(description="Orders holding both products.")
    support: float
    confidence: float = Field(description="P(b in order | a in order).")
    confidence_reverse: float = Field(description="P(a in order | b in order).")
    lift: float


class BasketReport(BaseModel):
    orders: int
    min_support: float
    pairs: list[ItemPair]


class ForecastPoint(BaseModel):
    ds: date = Field(description="Start of the period (Monday for weeks).")
    yhat: float
    lo: float
    hi: float


class BacktestRead(BaseModel):
    folds: int
    mase: float | None
    smape: float | None
    naive_mase: float | None
    naive_smape: float | None
    coverage: float | None


class ForecastRead(BaseModel):
    product_id: int | None = None
    category: str | None = None
    freq: ForecastFreq
    horizon: int
    coverage: float
    history_periods: int
    points: list[ForecastPoint]
    backtest: BacktestRead | None


class LowStockItem(BaseModel):
    product_id: int
    sku: str
    name: str
    stock: int
    lead_time_weeks: int
    forecast_demand: float
    shortfall: float


class LowStockReport(BaseModel):
    lead_time_weeks: int
    items: list[LowStockItem]
