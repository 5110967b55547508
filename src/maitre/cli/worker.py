"""``maitre worker``: run the Huey consumer (webhook deliveries, retries, periodic sweeps)."""

from __future__ import annotations

import typer

from maitre.bootstrap import configure_logging
from maitre.cli.common import console, fail, runtime
from maitre.config import get_settings


def worker(
    workers: int = typer.Option(2, min=1, max=64, help="Worker threads."),
    periodic: bool = typer.Option(
        True, "--periodic/--no-periodic", help="Run periodic tasks (sweeps, housekeeping)."
    ),
) -> None:
    """Process background tasks from the queue until interrupted (Ctrl-C)."""
    settings = get_settings()
    if settings.queue_immediate:
        fail(
            "MAITRE_QUEUE_IMMEDIATE is set, so tasks run inline and there is nothing to consume; "
            "unset it to use a worker."
        )
    configure_logging(settings.log_level)
    with runtime() as rt:
        console.print(
            f"[bold]maitre worker[/]: {workers} thread(s) on {rt.queue.backend()}, "
            f"{len(rt.queue.tasks)} tasks registered"
        )
        consumer = rt.queue.huey.create_consumer(
            workers=workers, worker_type="thread", periodic=periodic
        )
        consumer.run()
