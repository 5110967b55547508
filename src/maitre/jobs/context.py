"""What every task needs at run time, built once per process by ``maitre.jobs.queue``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from maitre.config import Settings
from maitre.webhooks.transport import Sender

HEARTBEAT_KEY = "maitre.worker.heartbeat"


@dataclass(frozen=True)
class JobContext:
    """Settings, the session factory tasks open their transactions with, the webhook sender."""

    settings: Settings
    sessionmaker: sessionmaker[Session]
    sender: Sender
