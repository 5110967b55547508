"""``maitre serve``: run the web UI and API with uvicorn."""

from __future__ import annotations

import typer
import uvicorn

from maitre.bootstrap import configure_logging
from maitre.config import get_settings


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="TCP port."),
    reload: bool = typer.Option(False, help="Reload on code changes (development)."),
) -> None:
    """Serve the web UI and the REST API (database from MAITRE_DATABASE_URL)."""
    settings = get_settings()
    configure_logging(settings.log_level)
    uvicorn.run(
        "maitre.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        log_level=settings.log_level.lower(),
    )
