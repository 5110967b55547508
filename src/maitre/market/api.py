"""Market analysis endpoints (/market/...) and the product demand forecast."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from maitre.api.deps import SessionDep, require
from maitre.common.ids import IdPath
from maitre.market import service
from maitre.market.queries import SalesFilter
from maitre.market.schemas import (
    BasketReport,
    CohortMatrix,
    ForecastFreq,
    ForecastRead,
    LowStockReport,
    PairSort,
    Period,
    SalesReport,
)
from maitre.orders.status import OrderChannel
from maitre.users.service import Principal

router = APIRouter(prefix="/market", tags=["market"])
forecast_router = APIRouter(prefix="/products", tags=["market"])
Reader = Annotated[Principal, Depends(require("analytics:read"))]

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
Horizon = Annotated[int, Query(ge=1, le=52, description="Periods ahead to forecast.")]


def sales_filter(
    start: Annotated[date | None, Query(description="First day, inclusive.")] = None,
    end: Annotated[date | None, Query(description="Last day, inclusive.")] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    country: Annotated[str | None, Query(max_length=60)] = None,
    language: Annotated[str | None, Query(max_length=10)] = None,
    channel: Annotated[OrderChannel | None, Query()] = None,
) -> SalesFilter:
    """Read the shared sales filters from the query string."""
    # Clamp, so a far-off date is an empty answer rather than a database overflow.
    start = min(max(start, FIRST_DAY), LAST_DAY) if start else None
    end = min(max(end, FIRST_DAY), LAST_DAY) if end else None
    return SalesFilter(
        start=start,
        end=end,
        category=category,
        country=country,
        language=language,
        channel=channel.value if channel else None,
    )


Filters = Annotated[SalesFilter, Depends(sales_filter)]


@router.get("/sales", response_model=SalesReport)
def sales_by_period(
    session: SessionDep, _: Reader, filters: Filters, freq: Period = Period.MONTH
) -> SalesReport:
    """Revenue, orders and units per day, week (starting Monday) or month."""
    return service.sales(session=session, by="period", filters=filters, freq=freq.value)


@router.get("/sales/by-category", response_model=SalesReport)
def sales_by_category(session: SessionDep, _: Reader, filters: Filters) -> SalesReport:
    """Revenue, orders and units per product category."""
    return service.sales(session=session, by="category", filters=filters)


@router.get("/sales/by-channel", response_model=SalesReport)
def sales_by_channel(session: SessionDep, _: Reader, filters: Filters) -> SalesReport:
    """Revenue, orders and units per order channel."""
    return service.sales(session=session, by="channel", filters=filters)


@router.get("/sales/by-region", response_model=SalesReport)
def sales_by_region(session: SessionDep, _: Reader, filters: Filters) -> SalesReport:
    """Revenue, orders and units per customer country."""
    return service.sales(session=session, by="country", filters=filters)


@router.get("/cohorts", response_model=CohortMatrix)
def cohort_matrix(
    session: SessionDep,
    _: Reader,
    months: Annotated[
        int, Query(ge=1, le=60, description="Columns: months since first order.")
    ] = 12,
    start: Annotated[date | None, Query(description="Earliest cohort month.")] = None,
) -> CohortMatrix:
    """Monthly acquisition cohorts × months since first order, as the share still buying."""
    start = min(max(start, FIRST_DAY), LAST_DAY) if start else None
    return service.cohorts(session=session, months=months, start=start)


@router.get("/basket", response_model=BasketReport)
def basket_pairs(
    session: SessionDep,
    _: Reader,
    min_support: Annotated[float, Query(ge=0, le=1, description="Share of orders.")] = 0.001,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    sort: PairSort = PairSort.LIFT,
) -> BasketReport:
    """Frequently co-bought product pairs with support, confidence and lift."""
    return service.basket(session=session, min_support=min_support, limit=limit, sort=sort.value)


@router.get("/forecast", response_model=ForecastRead)
def category_forecast(
    session: SessionDep,
    _: Reader,
    category: Annotated[str, Query(min_length=1, max_length=100)],
    horizon: Horizon = 8,
    freq: ForecastFreq = ForecastFreq.WEEK,
) -> ForecastRead:
    """A category's unit demand forecast with an interval and backtest scores."""
    return service.forecast_category(
        session=session, category=category, horizon=horizon, freq=freq.value
    )


@router.get("/low-stock", response_model=LowStockReport)
def low_stock(
    session: SessionDep,
    _: Reader,
    lead_time_weeks: Annotated[int, Query(ge=1, le=26)] = 2,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> LowStockReport:
    """Active products whose stock is below the forecast demand over the lead time."""
    return service.low_stock(session=session, lead_time_weeks=lead_time_weeks, limit=limit)


@forecast_router.get("/{product_id}/forecast", response_model=ForecastRead)
def product_forecast(
    product_id: IdPath,
    session: SessionDep,
    _: Reader,
    horizon: Horizon = 8,
    freq: ForecastFreq = ForecastFreq.WEEK,
) -> ForecastRead:
    """A product's unit demand forecast with an interval and backtest scores."""
    return service.forecast_product(
        session=session, product_id=product_id, horizon=horizon, freq=freq.value
    )
