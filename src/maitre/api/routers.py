"""Every router mounted under /api/v1, in the order they appear in the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter

from maitre.customers.api import router as customers_router
from maitre.timeline.api import router as timeline_router
from maitre.users.api import router as users_router

API_ROUTERS: list[APIRouter] = [
    users_router,
    customers_router,
    timeline_router,
]
