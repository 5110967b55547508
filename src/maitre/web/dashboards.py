"""Dashboards: sales by period, segments, cohort retention, top products and agent metrics."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from maitre.analytics import service as analytics
from maitre.api.deps import SessionDep
from maitre.conversations import metrics as agent
from maitre.market import queries as market_queries
from maitre.market import service as market
from maitre.market.queries import SalesFilter
from maitre.products import service as products
from maitre.web import insights
from maitre.web.core import PageRoute, WebUser, render, require

log = logging.getLogger("maitre.web")
router = APIRouter(route_class=PageRoute)
PERIODS = {"day": 60, "week": 52 * 7, "month": 730}


def _sales_chart(session: SessionDep, freq: str) -> dict[str, Any] | None:
    start = (datetime.now(UTC) - timedelta(days=PERIODS[freq])).date()
    report = market.sales(session=session, by="period", filters=SalesFilter(start=start), freq=freq)
    if not report.rows:
        return None
    return {
        "labels": [r.key for r in report.rows],
        "revenue": [float(r.revenue) for r in report.rows],
        "orders": [r.orders for r in report.rows],
        "total_revenue": float(report.total.revenue),
        "total_orders": report.total.orders,
    }


def _segments_chart(session: SessionDep) -> dict[str, Any] | None:
    try:
        found = analytics.segments(session=session)
    except analytics.NotRefreshed:
        return None  # a big database before its first refresh: the panel's empty state
    except Exception:  # an optional panel: no analytics data must not break the dashboard
        log.exception("web.dashboard.segments_failed")
        return None
    if not found.rfm:
        return None
    return {"labels": [s.name for s in found.rfm], "sizes": [s.size for s in found.rfm]}


def _top_products(session: SessionDep) -> dict[str, Any] | None:
    ranked = market_queries.top_products(session=session, limit=10)
    if not ranked:
        return None
    names = {p.id: p.name for p in products.get_many(session=session, ids=[i for i, _ in ranked])}
    return {
        "labels": [names.get(i, f"#{i}") for i, _ in ranked],
        "units": [u for _, u in ranked],
    }


def _agent(session: SessionDep) -> tuple[agent.AgentMetrics, dict[str, Any] | None]:
    since = datetime.now(UTC) - timedelta(days=180)
    found = agent.agent_metrics(session=session, since=since)
    if not found.weeks:
        return found, None
    chart = {
        "labels": [w.week for w in found.weeks],
        "completion": [w.completion for w in found.weeks],
        "containment": [w.containment for w in found.weeks],
        "handoff": [w.handoff for w in found.weeks],
        "intents": [name for name, _ in found.top_intents],
        "intent_counts": [n for _, n in found.top_intents],
    }
    return found, chart


def _churn_chart(session: SessionDep) -> dict[str, Any] | None:
    counts = insights.risk_histogram(session=session)
    if counts is None:
        return None
    width = 100 // len(counts)
    return {
        "labels": [f"{i * width}–{(i + 1) * width}%" for i in range(len(counts))],
        "sizes": counts,
    }


@router.get("/dashboards", response_class=HTMLResponse)
def dashboards(
    request: Request,
    session: SessionDep,
    user: WebUser,
    freq: Annotated[str, Query(max_length=10)] = "month",
) -> Response:
    require(user, "analytics:read")
    freq = freq if freq in PERIODS else "month"
    metrics, agent_chart = _agent(session)
    cohorts = market.cohorts(session=session, months=12)
    return render(
        request,
        "dashboards.html",
        freq=freq,
        periods=list(PERIODS),
        sales=_sales_chart(session, freq),
        segments=_segments_chart(session),
        churn=_churn_chart(session),
        top=_top_products(session),
        cohorts=cohorts.cohorts[-12:],
        cohort_months=cohorts.months,
        metrics=metrics,
        agent_chart=agent_chart,
    )
