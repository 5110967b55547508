"""The only place that picks real implementations: database engine, queue, LLM client."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from maitre.config import Settings
from maitre.db.session import make_engine, make_sessionmaker
from maitre.jobs.queue import DEFAULT_NAME, TaskQueue, build_queue
from maitre.jobs.webhooks import DELIVER
from maitre.webhooks import subscriber as webhook_subscriber
from maitre.webhooks.transport import Sender


@dataclass
class Runtime:
    """The process's live resources, built from settings."""

    settings: Settings
    engine: Engine
    sessionmaker: sessionmaker[Session]
    queue: TaskQueue

    def close(self) -> None:
        """Release the connection pool and the queue's storage connection."""
        self.queue.close()
        self.engine.dispose()


def build_runtime(
    settings: Settings,
    *,
    engine: Engine | None = None,
    queue_name: str = DEFAULT_NAME,
    webhook_sender: Sender | None = None,
) -> Runtime:
    """Create the engine, the session factory (with event subscribers) and the task queue.

    Tests pass their own ``engine``, a unique ``queue_name`` (Redis) or a fake ``webhook_sender``.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = engine or make_engine(settings.resolved_database_url)
    factory = make_sessionmaker(engine)
    queue = build_queue(settings, factory, name=queue_name, sender=webhook_sender)
    wire_events(factory, queue)
    return Runtime(settings=settings, engine=engine, sessionmaker=factory, queue=queue)


def wire_events(factory: sessionmaker[Session], queue: TaskQueue) -> None:
    """Subscribe webhooks to events of sessions made by ``factory``; deliveries go to ``queue``."""

    def enqueue_delivery(delivery_id: int) -> None:
        queue.enqueue(DELIVER, delivery_id)

    webhook_subscriber.install(factory, enqueue_delivery)


def configure_logging(level: str) -> None:
    """Send structured-ish log lines to stderr."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
