"""Market analysis and demand forecasting: the operations behind /api/v1/market and the
product forecast. Aggregation happens in SQL (``maitre.market.queries``); the models in
``maitre.ml.forecast`` see only the resulting per-period series."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from maitre.market import queries
from maitre.market.queries import SalesFilter
from maitre.market.schemas import (
    BacktestRead,
    BasketReport,
    CohortMatrix,
    CohortRow,
    ForecastPoint,
    ForecastRead,
    ItemPair,
    LowStockItem,
    LowStockReport,
    ProductRef,
    SalesReport,
    SalesRow,
)
from maitre.ml.forecast import DemandForecaster, backtest, regular_series
from maitre.products import service as products
from maitre.products.models import Product

BACKTEST_FOLDS = 3
CENT = Decimal("0.01")


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def sales(*, session: Session, by: str, filters: SalesFilter, freq: str = "month") -> SalesReport:
    """Return revenue, orders and units grouped by period, category, channel or country."""
    rows = queries.sales_by(session=session, by=by, filters=filters, freq=freq)
    items = [SalesRow(key=k, revenue=_money(r), orders=o, units=u) for k, r, o, u in rows]
    if by == "category":
        # Not the sum of the rows: an order spanning two categories appears in both.
        revenue, orders, units = queries.sales_total(session=session, filters=filters)
        total = SalesRow(key="total", revenue=_money(revenue), orders=orders, units=units)
    else:  # periods, channels and countries split orders without overlap
        total = SalesRow(
            key="total",
            revenue=sum((i.revenue for i in items), Decimal("0.00")),
            orders=sum(i.orders for i in items),
            units=sum(i.units for i in items),
        )
    return SalesReport(by=by, freq=freq if by == "period" else None, rows=items, total=total)


def _month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def cohorts(*, session: Session, months: int = 12, start: date | None = None) -> CohortMatrix:
    """Return monthly first-order cohorts and the share of each active N months later."""
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for cohort, active, n in queries.cohort_counts(session=session, start=start):
        offset = _month_index(active) - _month_index(cohort)
        if 0 <= offset < months:
            counts[cohort][offset] = n
    rows = []
    for cohort in sorted(counts):
        size = counts[cohort].get(0, 0)
        if size == 0:
            continue
        last = max(counts[cohort])
        retention = [round(counts[cohort].get(k, 0) / size, 4) for k in range(last + 1)]
        rows.append(CohortRow(cohort=cohort[:7], size=size, retention=retention))
    return CohortMatrix(months=months, cohorts=rows)


def _refs(session: Session, ids: set[int]) -> dict[int, ProductRef]:
    found = session.execute(
        select(Product.id, Product.sku, Product.name).where(Product.id.in_(ids))
    ).all()
    return {int(i): ProductRef(id=int(i), sku=s, name=n) for i, s, n in found}


def basket(
    *, session: Session, min_support: float = 0.001, limit: int = 20, sort: str = "lift"
) -> BasketReport:
    """Return frequent product pairs with support, confidence both ways and lift."""
    total, rows = queries.basket_counts(
        session=session, min_support=min_support, limit=limit, sort=sort
    )
    refs = _refs(session, {r[0] for r in rows} | {r[1] for r in rows})
    pairs = [
        ItemPair(
            a=refs[pa],
            b=refs[pb],
            orders=n,
            support=round(n / total, 6),
            confidence=round(n / na, 6),
            confidence_reverse=round(n / nb, 6),
            lift=round(n * total / (na * nb), 6),
        )
        for pa, pb, n, na, nb in rows
    ]
    return BasketReport(orders=total, min_support=min_support, pairs=pairs)


def _last_complete(freq: str, today: date) -> pd.Timestamp:
    """Start of the last whole period before ``today``."""
    day = pd.Timestamp(today)
    if freq == "week":
        return day - pd.Timedelta(days=day.day_of_week + 7)
    return day - pd.Timedelta(days=1)


def _series(points: dict[str, float], freq: str, today: date) -> pd.Series:
    end = _last_complete(freq, today)
    kept = {k: v for k, v in points.items() if pd.Timestamp(k) <= end}
    return regular_series(kept, freq, None, end)


def _clean(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


def _forecast(series: pd.Series, freq: str, horizon: int, with_backtest: bool) -> dict[str, Any]:
    model = DemandForecaster(freq=freq, horizon=horizon)
    frame = model.fit(series).predict()
    points = [
        ForecastPoint(ds=r.ds.date(), yhat=round(r.yhat, 3), lo=round(r.lo, 3), hi=round(r.hi, 3))
        for r in frame.itertuples()
    ]
    scores = None
    if with_backtest and not model.mean_only_:
        result = backtest(series, model, folds=BACKTEST_FOLDS)
        if result.folds:
            scores = BacktestRead(
                folds=result.folds,
                mase=_clean(result.mase),
                smape=_clean(result.smape),
                naive_mase=_clean(result.naive_mase),
                naive_smape=_clean(result.naive_smape),
                coverage=_clean(result.coverage),
            )
    return {
        "freq": freq,
        "horizon": horizon,
        "coverage": model.coverage,
        "history_periods": len(series),
        "points": points,
        "backtest": scores,
    }


def _today(today: date | None) -> date:
    return today or datetime.now(UTC).date()


def forecast_product(
    *,
    session: Session,
    product_id: int,
    horizon: int = 8,
    freq: str = "week",
    today: date | None = None,
) -> ForecastRead:
    """Forecast one product's units with an interval and its backtest scores."""
    products.get(session=session, product_id=product_id)
    rows = queries.units_by_period(session=session, freq=freq, product_id=product_id)
    series = _series({p: float(u) for _, p, u in rows}, freq, _today(today))
    return ForecastRead(product_id=product_id, **_forecast(series, freq, horizon, True))


def forecast_category(
    *,
    session: Session,
    category: str,
    horizon: int = 8,
    freq: str = "week",
    today: date | None = None,
) -> ForecastRead:
    """Forecast a category's total units with an interval and its backtest scores."""
    totals: dict[str, float] = defaultdict(float)
    for _, period, units in queries.units_by_period(session=session, freq=freq, category=category):
        totals[period] += units
    series = _series(dict(totals), freq, _today(today))
    return ForecastRead(category=category, **_forecast(series, freq, horizon, True))


def low_stock(
    *, session: Session, lead_time_weeks: int = 2, limit: int = 50, today: date | None = None
) -> LowStockReport:
    """Return active products whose stock is below their forecast demand over the lead time."""
    per_product: dict[int, dict[str, float]] = defaultdict(dict)
    for pid, period, units in queries.units_by_period(session=session, freq="week"):
        per_product[pid][period] = float(units)
    active = session.scalars(select(Product).where(Product.is_active.is_(True))).all()
    day = _today(today)
    items: list[LowStockItem] = []
    for product in active:
        series = _series(per_product.get(product.id, {}), "week", day)
        recent = float(series.iloc[-13:].mean()) if len(series) else 0.0
        if recent <= 0 or product.stock > 3 * recent * lead_time_weeks:
            continue  # no recent demand, or stock far above any plausible forecast
        model = DemandForecaster(freq="week", horizon=lead_time_weeks, calibrate=False)
        demand = float(model.fit(series).predict()["yhat"].sum())
        if product.stock < demand:
            items.append(
                LowStockItem(
                    product_id=product.id,
                    sku=product.sku,
                    name=product.name,
                    stock=product.stock,
                    lead_time_weeks=lead_time_weeks,
                    forecast_demand=round(demand, 2),
                    shortfall=round(demand - product.stock, 2),
                )
            )
    items.sort(key=lambda i: (-i.shortfall, i.product_id))
    return LowStockReport(lead_time_weeks=lead_time_weeks, items=items[:limit])


def popular_products(
    *, session: Session, category: str | None = None, limit: int = 10, since: datetime | None = None
) -> list[Product]:
    """Return the best-selling active products in stock, in ``category`` if given."""
    ranked = queries.top_products(session=session, category=category, since=since, limit=limit)
    found = {p.id: p for p in products.get_many(session=session, ids=[pid for pid, _ in ranked])}
    return [found[pid] for pid, _ in ranked if pid in found]


__all__ = [
    "SalesFilter",
    "basket",
    "cohorts",
    "forecast_category",
    "forecast_product",
    "low_stock",
    "popular_products",
]
