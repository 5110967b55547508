"""Every router mounted under /api/v1, in the order they appear in the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter

from maitre.agent.nlu.api import router as nlu_router
from maitre.analytics.api import router as analytics_router
from maitre.analytics.saved_api import router as saved_segments_router
from maitre.conversations.api import router as conversations_router
from maitre.conversations.inbox_api import router as inbox_router
from maitre.conversations.inbox_api import widget_router
from maitre.conversations.stream_api import router as conversation_stream_router
from maitre.customers.api import router as customers_router
from maitre.exports.api import router as exports_router
from maitre.imports.api import router as imports_router
from maitre.kb.api import router as kb_router
from maitre.market.api import forecast_router as product_forecast_router
from maitre.market.api import router as market_router
from maitre.ml.registry_api import router as models_router
from maitre.notes.api import router as notes_router
from maitre.orders.api import router as orders_router
from maitre.products.api import router as products_router
from maitre.recommendations.api import router as recommendations_router
from maitre.runtime_settings.api import router as runtime_settings_router
from maitre.safety.api import router as safety_router
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
    # The stream's fixed path must precede /conversations/{conversation_id}.
    conversation_stream_router,
    conversations_router,
    inbox_router,
    widget_router,
    kb_router,
    leads_router,
    deals_router,
    notes_router,
    webhooks_router,
    runtime_settings_router,
    safety_router,
    imports_router,
    exports_router,
    nlu_router,
    models_router,
    analytics_router,
    saved_segments_router,
    recommendations_router,
    market_router,
    product_forecast_router,
]
