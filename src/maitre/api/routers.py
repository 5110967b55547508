"""Every router mounted under /api/v1, in the order they appear in the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter

from maitre.agent.nlu.api import router as nlu_router
from maitre.analytics.api import router as analytics_router
from maitre.customers.api import router as customers_router
from maitre.exports.api import router as exports_router
from maitre.imports.api import router as imports_router
from maitre.market.api import forecast_router as product_forecast_router
from maitre.market.api import router as market_router
from maitre.ml.registry_api import router as models_router
from maitre.notes.api import router as notes_router
from maitre.orders.api import router as orders_router
from maitre.products.api import router as products_router
from maitre.sales.api import deals_router, leads_router
from maitre.tickets.api import router as tickets_router
from maitre.timeline.api import router as timeline_router
from maitre.users.api import router as users_router
from maitre.webhooks.api import router as webhooks_router

API_ROUTERS: list[APIRouter] = [
    users_router,
    customers_router,
    timeline_router,
    products_router,
    orders_router,
    tickets_router,
    leads_router,
    deals_router,
    notes_router,
    webhooks_router,
    imports_router,
    exports_router,
    nlu_router,
    models_router,
    analytics_router,
    market_router,
    product_forecast_router,
]
