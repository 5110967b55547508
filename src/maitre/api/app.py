"""The FastAPI application factory."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from maitre import __version__
from maitre.api import errors
from maitre.api.idempotency import IdempotencyMiddleware
from maitre.api.routers import API_ROUTERS
from maitre.bootstrap import Runtime, build_runtime
from maitre.config import Settings, get_settings
from maitre.web import views as web

API_PREFIX = "/api/v1"
log = logging.getLogger("maitre.app")


def warm_models(runtime: Runtime) -> None:
    """Start loading the KB encoder and the active NLU model in a background thread."""
    from maitre.agent.nlu.serving import server_for
    from maitre.kb import embedding

    def load() -> None:
        embedding.warm()
        try:
            with runtime.sessionmaker() as session:
                server_for(runtime.settings).model(session)
        except Exception:  # no active model yet: the first parse says so clearly
            log.info("nlu.warm.skipped")

    threading.Thread(target=load, name="warm-models", daemon=True).start()


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """Build the app: the API under /api/v1 (and, later, the web UI at /)."""
    settings = settings or get_settings()
    runtime = runtime or build_runtime(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.warm_models:
            warm_models(runtime)
        yield
        runtime.close()

    app = FastAPI(
        title="Maitre",
        version=__version__,
        description="Self-hosted AI CRM: customers, orders, tickets, agent and analytics.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.sessionmaker = runtime.sessionmaker
    errors.install(app)

    api = APIRouter(prefix=API_PREFIX)

    @api.get("/health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    for router in API_ROUTERS:
        api.include_router(router)
    app.include_router(api)

    # Added before SessionMiddleware so the session (outermost) is visible to it.
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.resolved_secret_key(),
        session_cookie="maitre_session",
        max_age=12 * 3600,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    if settings.cors_origins:
        # Outermost, so preflights are answered; the widget sends a Bearer key, never cookies.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Last-Event-ID"],
            allow_credentials=False,
        )
    static_dir = Path(web.__file__).parent / "static"
    app.mount("/static", StaticFiles(directory=static_dir), name="static")
    app.include_router(web.router)

    async def _login_required(request: Request, _exc: Exception) -> Response:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    app.add_exception_handler(web.LoginRequired, _login_required)
    return app
