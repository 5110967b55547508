"""Build the Huey task queue from settings and register Maitre's tasks on it.

No queue exists at import time: ``build_queue`` creates a Huey instance (SQLite file in
``data_dir`` by default, Redis when ``MAITRE_REDIS_URL`` is set, in-memory and inline when
``MAITRE_QUEUE_IMMEDIATE`` is true) and lets each task module register its tasks on it, closing
over a ``JobContext`` (settings, session factory, webhook sender). The web process and the
``maitre worker`` process build identical registries, so task names match on both sides.

Adding tasks: write ``maitre/jobs/<topic>.py`` with ``register(huey, ctx) -> dict[str, task]``
(thin functions that open ``unit_of_work(ctx.sessionmaker)`` and call services) and add it to
``REGISTRARS``; enqueue with ``runtime.queue.enqueue("<topic>.<name>", *args)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from sqlalchemy.orm import Session, sessionmaker

from maitre.agent.nlu import tasks as nlu_tasks
from maitre.config import Settings
from maitre.db.base import utcnow
from maitre.jobs import analytics, conversations, maintenance, webhooks
from maitre.jobs.context import HEARTBEAT_KEY, JobContext
from maitre.webhooks.transport import GuardedSender, Sender

DEFAULT_NAME = "maitre"


Registrar = Callable[[Any, JobContext], dict[str, Any]]
REGISTRARS: tuple[Registrar, ...] = (
    webhooks.register,
    maintenance.register,
    nlu_tasks.register,
    analytics.register,
    conversations.register,
)


class UnknownTask(KeyError):
    """No task is registered under that name."""


@dataclass
class TaskQueue:
    """A Huey instance and the tasks registered on it, by dotted name."""

    huey: Any
    tasks: dict[str, Any]
    context: JobContext

    @property
    def settings(self) -> Settings:
        """The settings the queue was built from."""
        return self.context.settings

    @property
    def immediate(self) -> bool:
        """Tell whether tasks run inline instead of in a worker."""
        return bool(self.huey.immediate)

    def enqueue(self, name: str, *args: Any) -> Any:
        """Queue task ``name`` with ``args``; return Huey's result handle."""
        try:
            task = self.tasks[name]
        except KeyError:
            raise UnknownTask(name) from None
        return task(*args)

    def backend(self) -> str:
        """Describe where the queue lives, for ``maitre doctor`` and logs."""
        if self.immediate:
            return "inline (MAITRE_QUEUE_IMMEDIATE)"
        if isinstance(self.huey, RedisHuey):
            return f"Redis ({self.huey.name})"
        filename = getattr(self.huey.storage, "filename", "?")
        return f"SQLite {filename}"

    def last_heartbeat(self) -> datetime | None:
        """Return when a worker last reported in, if ever."""
        raw = self.huey.get(HEARTBEAT_KEY, peek=True)
        return datetime.fromisoformat(raw) if isinstance(raw, str) else None

    def checks(self, *, stale_after_s: float = 180.0) -> list[tuple[str, bool, str]]:
        """Return ``maitre doctor`` rows: is the queue reachable, and is a worker consuming it."""
        if self.immediate:
            return [("task queue", True, self.backend())]
        try:
            pending, scheduled = self.huey.pending_count(), self.huey.scheduled_count()
            beat = self.last_heartbeat()
        except Exception as exc:  # doctor reports, it does not raise
            hint = "start Redis or unset MAITRE_REDIS_URL" if self.settings.redis_url else ""
            return [("task queue", False, f"{self.backend()}: {exc}. {hint}".strip())]
        rows = [("task queue", True, f"{self.backend()}: {pending} queued, {scheduled} scheduled")]
        if beat is None:
            rows.append(("worker", False, "no worker has run yet: start `maitre worker`"))
        else:
            age = (utcnow() - beat).total_seconds()
            ok = age <= stale_after_s
            detail = f"last heartbeat {int(age)} s ago"
            rows.append(("worker", ok, detail if ok else f"{detail}: start `maitre worker`"))
        return rows

    def close(self) -> None:
        """Close the storage connection, if the backend keeps one."""
        close = getattr(self.huey.storage, "close", None)
        if callable(close):
            close()


def make_huey(settings: Settings, *, name: str = DEFAULT_NAME) -> Any:
    """Create the Huey instance ``settings`` describe (no tasks registered)."""
    if settings.queue_immediate:
        return MemoryHuey(name, immediate=True, utc=True)
    if settings.redis_url:
        return RedisHuey(name, url=settings.redis_url, utc=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str((settings.data_dir / "queue.db").resolve()), utc=True)


def build_queue(
    settings: Settings,
    factory: sessionmaker[Session],
    *,
    name: str = DEFAULT_NAME,
    sender: Sender | None = None,
) -> TaskQueue:
    """Create the queue for ``settings`` with every Maitre task registered on it."""
    huey: Huey = make_huey(settings, name=name)
    context = JobContext(
        settings=settings,
        sessionmaker=factory,
        sender=sender or GuardedSender(allow_private=settings.allow_private_webhook_targets),
    )
    tasks: dict[str, Any] = {}
    for register in REGISTRARS:
        tasks.update(register(huey, context))
    return TaskQueue(huey=huey, tasks=tasks, context=context)
