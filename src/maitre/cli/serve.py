"""``maitre serve``: run the web UI and API with uvicorn, and a queue worker beside it."""

from __future__ import annotations

import os
import subprocess
import sys

import typer
import uvicorn

from maitre.bootstrap import configure_logging
from maitre.cli.common import console
from maitre.config import get_settings


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port."),
    reload: bool = typer.Option(False, help="Reload on code changes (development)."),
    worker: bool = typer.Option(
        True,
        "--worker/--no-worker",
        help="Also run `maitre worker` in a child process (webhooks, retries, training jobs).",
    ),
) -> None:
    """Serve the web UI and the REST API (database from MAITRE_DATABASE_URL)."""
    # The app is built by uvicorn from the environment: ask it to load models at start-up.
    os.environ.setdefault("MAITRE_WARM_MODELS", "1")
    get_settings.cache_clear()
    settings = get_settings()
    configure_logging(settings.log_level)
    child = None
    if worker and not settings.queue_immediate:
        child = subprocess.Popen([sys.executable, "-m", "maitre", "worker"])
        console.print(f"[dim]queue worker started (pid {child.pid})[/]")
    try:
        uvicorn.run(
            "maitre.api.app:create_app",
            factory=True,
            host=host,
            port=port,
            reload=reload,
            log_level=settings.log_level.lower(),
        )
    finally:
        if child is not None:
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
