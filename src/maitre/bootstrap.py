"""The only place that picks real implementations: database engine, queue, LLM client."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from maitre.config import Settings
from maitre.db.session import make_engine, make_sessionmaker


@dataclass
class Runtime:
    """The process's live resources, built from settings."""

    settings: Settings
    engine: Engine
    sessionmaker: sessionmaker[Session]

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()


def build_runtime(settings: Settings) -> Runtime:
    """Create the engine and session factory described by ``settings``."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    return Runtime(settings=settings, engine=engine, sessionmaker=make_sessionmaker(engine))


def configure_logging(level: str) -> None:
    """Send structured-ish log lines to stderr."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
