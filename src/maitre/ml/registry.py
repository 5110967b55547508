"""The model registry: versions on disk under ``settings.models_dir`` plus a row each in the DB.

Every learned model (``nlu``, ``churn``, ...) goes through it: a trainer writes its files into a
staging folder, ``register`` moves the folder to ``<models_dir>/<name>/v<version>`` and records
the version, ``activate`` / ``rollback`` flip the one active version per name. Serving processes
hold an ``ActiveModelCache`` that asks the database which version is active (one indexed
lookup) and loads a new one when it changed, so activation takes effect without a restart.
A failed training never reaches ``register``, so the active model is untouched.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from maitre.db.base import utcnow
from maitre.errors import Conflict, NotFound, ValidationFailed
from maitre.events import emit
from maitre.ml.models import ModelVersion

log = logging.getLogger("maitre.ml.registry")
T = TypeVar("T")
NAME_PATTERN = "abcdefghijklmnopqrstuvwxyz0123456789_-"


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid model name (lower-case letters, digits, ``_``, ``-``)."""
    if not name or len(name) > 60 or any(ch not in NAME_PATTERN for ch in name):
        raise ValidationFailed(
            f"Invalid model name {name!r}: use 1-60 lower-case letters, digits, '_' or '-'."
        )
    return name


def data_hash(rows: Iterable[tuple[str, ...]]) -> str:
    """Return a stable SHA-256 over training rows (order-independent)."""
    digest = hashlib.sha256()
    for row in sorted(rows):
        digest.update(json.dumps(row, ensure_ascii=False).encode())
    return digest.hexdigest()


def staging_dir(models_dir: Path, name: str) -> Path:
    """Create and return a fresh folder for a trainer to write a new version into."""
    path = models_dir / check_name(name) / f".staging-{uuid.uuid4().hex[:12]}"
    path.mkdir(parents=True)
    return path


def discard(path: Path) -> None:
    """Remove a staging folder (after a failed training run)."""
    shutil.rmtree(path, ignore_errors=True)


def absolute_path(models_dir: Path, mv: ModelVersion) -> Path:
    """Return where the files of ``mv`` live."""
    return models_dir / mv.path


def public(mv: ModelVersion) -> dict[str, Any]:
    """Return a version as JSON-ready data (events, API, CLI)."""
    return {
        "id": mv.id,
        "name": mv.name,
        "version": mv.version,
        "data_hash": mv.data_hash,
        "params": mv.params,
        "metrics": mv.metrics,
        "path": mv.path,
        "created_at": mv.created_at.isoformat() if mv.created_at else None,
        "is_active": mv.is_active,
        "activated_at": mv.activated_at.isoformat() if mv.activated_at else None,
        "created_by": mv.created_by,
    }


def register(
    *,
    session: Session,
    models_dir: Path,
    name: str,
    staging: Path,
    data_hash: str,
    params: dict[str, Any],
    metrics: dict[str, Any],
    activate: bool = True,
    actor: str = "system",
) -> ModelVersion:
    """Move ``staging`` into place as the next version of ``name`` and record it."""
    check_name(name)
    if not staging.is_dir():
        raise ValidationFailed(f"Staging folder {staging} does not exist.")
    latest = session.scalar(select(func.max(ModelVersion.version)).where(ModelVersion.name == name))
    version = (latest or 0) + 1
    target = models_dir / name / f"v{version}"
    while target.exists():  # a folder left by a run whose transaction rolled back
        version += 1
        target = models_dir / name / f"v{version}"
    staging.rename(target)
    mv = ModelVersion(
        name=name,
        version=version,
        data_hash=data_hash,
        params=params,
        metrics=metrics,
        path=str(target.relative_to(models_dir)),
        created_by=actor,
    )
    session.add(mv)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        target.rename(staging)
        raise Conflict(f"Version {version} of {name!r} was registered concurrently.") from exc
    emit(session=session, type="model.registered", data=public(mv))
    if activate:
        _activate(session, mv)
    log.info("ml.registry.registered", extra={"model": name, "version": version})
    return mv


def list_(*, session: Session, name: str | None = None) -> list[ModelVersion]:
    """Return versions, newest first, of one model or of all."""
    stmt = select(ModelVersion).order_by(ModelVersion.name, ModelVersion.version.desc())
    if name:
        stmt = stmt.where(ModelVersion.name == name)
    return list(session.scalars(stmt))


def names(*, session: Session) -> list[str]:
    """Return the names that have at least one version."""
    return list(session.scalars(select(ModelVersion.name).distinct().order_by(ModelVersion.name)))


def get(*, session: Session, name: str, version: int) -> ModelVersion:
    """Return one version or raise ``NotFound``."""
    mv = session.scalar(
        select(ModelVersion).where(ModelVersion.name == name, ModelVersion.version == version)
    )
    if mv is None:
        raise NotFound(f"Model {name!r} has no version {version}.")
    return mv


def get_active(*, session: Session, name: str) -> ModelVersion | None:
    """Return the active version of ``name``, if any."""
    return session.scalar(
        select(ModelVersion).where(ModelVersion.name == name, ModelVersion.is_active.is_(True))
    )


def active_version(*, session: Session, name: str) -> tuple[int, int] | None:
    """Return ``(id, version)`` of the active version: the cheap per-request check."""
    row = session.execute(
        select(ModelVersion.id, ModelVersion.version).where(
            ModelVersion.name == name, ModelVersion.is_active.is_(True)
        )
    ).first()
    return (int(row[0]), int(row[1])) if row else None


def _activate(session: Session, mv: ModelVersion) -> ModelVersion:
    # Deactivate first and flush: the partial unique index allows one active row per name.
    session.execute(
        update(ModelVersion)
        .where(ModelVersion.name == mv.name, ModelVersion.id != mv.id)
        .values(is_active=False)
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
    mv.is_active = True
    mv.activated_at = utcnow()
    session.flush()
    emit(session=session, type="model.activated", data=public(mv))
    log.info("ml.registry.activated", extra={"model": mv.name, "version": mv.version})
    return mv


def activate(*, session: Session, models_dir: Path, name: str, version: int) -> ModelVersion:
    """Make ``version`` the one served for ``name``."""
    mv = get(session=session, name=name, version=version)
    if not absolute_path(models_dir, mv).is_dir():
        raise Conflict(f"The files of {name} v{version} are missing under {models_dir}.")
    return _activate(session, mv)


def rollback(*, session: Session, models_dir: Path, name: str) -> ModelVersion:
    """Activate the newest version older than the active one whose files still exist."""
    current = get_active(session=session, name=name)
    if current is None:
        raise Conflict(f"Model {name!r} has no active version to roll back from.")
    older = session.scalars(
        select(ModelVersion)
        .where(ModelVersion.name == name, ModelVersion.version < current.version)
        .order_by(ModelVersion.version.desc())
    )
    for mv in older:
        if absolute_path(models_dir, mv).is_dir():
            return _activate(session, mv)
    raise Conflict(f"Model {name!r} has no version older than v{current.version} to roll back to.")


@dataclass
class _Loaded(Generic[T]):
    key: tuple[int, int]
    model: T


class ActiveModelCache(Generic[T]):
    """Hold the loaded active version of one model; reload when another version is activated.

    ``get`` costs one indexed query when nothing changed. Loading happens outside the lock's
    fast path, and concurrent callers during a reload wait for the one load instead of each
    loading the model.
    """

    def __init__(self, name: str, models_dir: Path, loader: Callable[[Path, ModelVersion], T]):
        self.name = check_name(name)
        self.models_dir = models_dir
        self.loader = loader
        self._lock = threading.Lock()
        self._loaded: _Loaded[T] | None = None
        self.loads = 0

    def get(self, session: Session) -> tuple[T, int] | None:
        """Return the active model and its version number, or None if none is active."""
        key = active_version(session=session, name=self.name)
        if key is None:
            return None
        loaded = self._loaded
        if loaded is not None and loaded.key == key:
            return loaded.model, key[1]
        with self._lock:
            loaded = self._loaded
            if loaded is None or loaded.key != key:
                mv = session.get(ModelVersion, key[0])
                if mv is None:  # deleted between the two statements
                    return None
                model = self.loader(absolute_path(self.models_dir, mv), mv)
                loaded = _Loaded(key, model)
                self._loaded = loaded
                self.loads += 1
                log.info("ml.registry.loaded", extra={"model": self.name, "version": key[1]})
        return loaded.model, key[1]

    def clear(self) -> None:
        """Forget the loaded model (the next ``get`` loads again)."""
        with self._lock:
            self._loaded = None
