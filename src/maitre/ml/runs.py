"""Training runs: a row per background training job, with progress, for every model type."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from maitre.db.base import utcnow
from maitre.db.lookup import get_or_404
from maitre.ml.models import RunStatus, TrainingRun
from maitre.ml.registry import check_name

MAX_MESSAGE = 500


def public(run: TrainingRun) -> dict[str, Any]:
    """Return a run as JSON-ready data."""
    return {
        "id": run.id,
        "model_name": run.model_name,
        "status": run.status,
        "progress": run.progress,
        "message": run.message,
        "params": run.params,
        "result": run.result,
        "error": run.error,
        "version_id": run.version_id,
        "requested_by": run.requested_by,
        "created_at": run.created_at.isoformat() if run.created_at else None,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def create(
    *, session: Session, model_name: str, params: dict[str, Any], actor: str = "system"
) -> TrainingRun:
    """Record a queued training run."""
    run = TrainingRun(
        model_name=check_name(model_name),
        params=params,
        requested_by=actor,
        status=RunStatus.QUEUED,
        message="queued",
    )
    session.add(run)
    session.flush()
    return run


def get(*, session: Session, run_id: int) -> TrainingRun:
    """Return a run or raise ``NotFound``."""
    return get_or_404(session, TrainingRun, run_id, "Training run")


def list_(*, session: Session, model_name: str | None = None, limit: int = 50) -> list[TrainingRun]:
    """Return the latest runs, newest first."""
    stmt = select(TrainingRun).order_by(TrainingRun.id.desc()).limit(limit)
    if model_name:
        stmt = stmt.where(TrainingRun.model_name == model_name)
    return list(session.scalars(stmt))


def in_progress(*, session: Session, model_name: str, within: timedelta) -> TrainingRun | None:
    """Return a queued or running run of ``model_name`` created within ``within``, if any."""
    return session.scalar(
        select(TrainingRun)
        .where(
            TrainingRun.model_name == model_name,
            TrainingRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]),
            TrainingRun.created_at >= utcnow() - within,
        )
        .order_by(TrainingRun.id.desc())
        .limit(1)
    )


def start(*, session: Session, run_id: int) -> TrainingRun:
    """Mark a run as running."""
    run = get(session=session, run_id=run_id)
    run.status = RunStatus.RUNNING
    run.started_at = utcnow()
    run.message = "started"
    session.flush()
    return run


def progress(*, session: Session, run_id: int, fraction: float, message: str) -> None:
    """Record how far a run got."""
    run = get(session=session, run_id=run_id)
    run.progress = round(max(0.0, min(1.0, fraction)), 4)
    run.message = message[:MAX_MESSAGE]
    session.flush()


def succeed(
    *, session: Session, run_id: int, version_id: int | None, result: dict[str, Any]
) -> TrainingRun:
    """Mark a run as finished with the version it registered."""
    run = get(session=session, run_id=run_id)
    run.status = RunStatus.SUCCEEDED
    run.progress = 1.0
    run.message = "done"
    run.version_id = version_id
    run.result = result
    run.finished_at = utcnow()
    session.flush()
    return run


def fail(*, session: Session, run_id: int, error: str) -> TrainingRun:
    """Mark a run as failed with a readable reason."""
    run = get(session=session, run_id=run_id)
    run.status = RunStatus.FAILED
    run.message = "failed"
    run.error = error[:4000]
    run.finished_at = utcnow()
    session.flush()
    return run
