"""Analytics jobs: refresh every customer's stored scores on demand and on a nightly schedule.

A refresh is recorded as a training run named ``analytics_refresh`` (``maitre.ml.runs``), so
``GET /api/v1/analytics/refresh/{id}`` follows it like any training run. It reads in one
session (progress is recorded meanwhile) and writes the scores in one transaction; on SQLite
that transaction holds the only write lock, so progress during the write phase is recorded on
PostgreSQL only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from huey import crontab
from sqlalchemy.orm import Session, sessionmaker

from maitre.config import Settings
from maitre.db.session import unit_of_work
from maitre.errors import Conflict, MaitreError
from maitre.jobs.context import JobContext
from maitre.ml import runs

log = logging.getLogger("maitre.jobs.analytics")
REFRESH = "analytics.refresh"
SCHEDULED_REFRESH = "analytics.scheduled_refresh"
RUN_NAME = "analytics_refresh"
STALE_RUN = timedelta(hours=2)
PROGRESS_EVERY_S = 2.0
Progress = Callable[[float, str], None]


def request_refresh(*, session: Session, actor: str) -> int:
    """Record a queued refresh run, unless one is already under way (Conflict)."""
    busy = runs.in_progress(session=session, model_name=RUN_NAME, within=STALE_RUN)
    if busy is not None:
        raise Conflict(
            f"Refresh {busy.id} is already {busy.status}; "
            f"follow it at /api/v1/analytics/refresh/{busy.id}."
        )
    return runs.create(session=session, model_name=RUN_NAME, params={}, actor=actor).id


def _reporter(factory: sessionmaker[Session], run_id: int, *, enabled: bool) -> Progress:
    last = [0.0]

    def report(fraction: float, message: str) -> None:
        now = time.monotonic()
        if not enabled or (now - last[0] < PROGRESS_EVERY_S and fraction < 1.0):
            return
        last[0] = now
        with unit_of_work(factory) as session:
            runs.progress(session=session, run_id=run_id, fraction=fraction, message=message)

    return report


def run_refresh(factory: sessionmaker[Session], settings: Settings, run_id: int) -> bool:
    """Execute refresh run ``run_id``; record the outcome on the run."""
    from maitre.analytics import scoring  # heavy (LightGBM): only where a refresh runs

    with unit_of_work(factory) as session:
        runs.start(session=session, run_id=run_id)
    try:
        with factory() as session:
            prepared = scoring.prepare(
                session=session,
                settings=settings,
                progress=_reporter(factory, run_id, enabled=True),
            )
            postgres = session.get_bind().dialect.name == "postgresql"
        with unit_of_work(factory) as session:
            result = scoring.store(
                session=session,
                settings=settings,
                prepared=prepared,
                progress=_reporter(factory, run_id, enabled=postgres),
            )
    except MaitreError as exc:
        with unit_of_work(factory) as session:
            runs.fail(session=session, run_id=run_id, error=str(exc))
        return False
    except Exception as exc:  # record it; the stored scores stay as they were
        log.exception("analytics.refresh.crashed", extra={"run_id": run_id})
        with unit_of_work(factory) as session:
            runs.fail(session=session, run_id=run_id, error=f"Internal error: {exc!r}")
        return False
    with unit_of_work(factory) as session:
        runs.succeed(session=session, run_id=run_id, version_id=None, result=result.as_dict())
    return True


def register(huey: Any, ctx: JobContext) -> dict[str, Any]:
    """Register the refresh task, and the nightly refresh when a refresh hour is set."""

    def refresh(run_id: int) -> bool:
        return run_refresh(ctx.sessionmaker, ctx.settings, run_id)

    def scheduled() -> bool:
        with unit_of_work(ctx.sessionmaker) as session:
            try:
                run_id = request_refresh(session=session, actor="schedule")
            except Conflict:
                return False
        return run_refresh(ctx.sessionmaker, ctx.settings, run_id)

    tasks = {REFRESH: huey.task(name="analytics_refresh")(refresh)}
    hour = ctx.settings.analytics_refresh_hour
    if hour is not None:
        nightly = crontab(minute="5", hour=str(hour))
        tasks[SCHEDULED_REFRESH] = huey.periodic_task(nightly, name="analytics_nightly_refresh")(
            scheduled
        )
    return tasks
