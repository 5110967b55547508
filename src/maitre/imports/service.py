"""Import job records; the only code that queries the import_jobs table."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from maitre.db.base import utcnow
from maitre.db.lookup import get_or_404
from maitre.imports.models import Entity, ImportJob, ImportStatus


@dataclass
class Counts:
    """Running totals of an import."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


def create(
    *, session: Session, entity: str, filename: str, all_or_nothing: bool, actor: str
) -> ImportJob:
    """Record that an import has started."""
    job = ImportJob(
        entity=Entity(entity),
        filename=filename[:255],
        all_or_nothing=all_or_nothing,
        actor=actor[:200],
        status=ImportStatus.RUNNING,
    )
    session.add(job)
    session.flush()
    return job


def get(*, session: Session, import_id: int) -> ImportJob:
    """Return an import or raise ``NotFound``."""
    return get_or_404(session, ImportJob, import_id, "Import")


def save_progress(
    *,
    session: Session,
    import_id: int,
    counts: Counts,
    encoding: str = "",
    status: ImportStatus = ImportStatus.RUNNING,
    error: str | None = None,
) -> ImportJob:
    """Store the counts so far (in the batch's transaction) and, when done, the final status."""
    job = get(session=session, import_id=import_id)
    job.rows, job.created, job.updated = counts.rows, counts.created, counts.updated
    job.unchanged, job.rejected = counts.unchanged, counts.rejected
    if encoding:
        job.encoding = encoding
    job.status = status
    job.error = error
    if status is not ImportStatus.RUNNING:
        job.finished_at = utcnow()
    session.flush()
    return job
