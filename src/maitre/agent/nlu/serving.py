"""Serve the active NLU version: one loaded model per process, swapped when another is activated.

Each parse asks the registry which version is active (one indexed lookup); when that changed
since the last call — ``maitre models activate``/``rollback`` from another process, or a
training run that finished — the new version is loaded once and then served, no restart needed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from maitre.agent.nlu.bundle import NluModel, ParseResult
from maitre.agent.nlu.entities import Catalogue, EntityType
from maitre.agent.nlu.trainer import MODEL_NAME
from maitre.config import Settings
from maitre.errors import Conflict
from maitre.ml.models import ModelVersion
from maitre.ml.registry import ActiveModelCache

_servers: dict[Path, NluServer] = {}
_servers_lock = threading.Lock()


class NoActiveModel(Conflict):
    """No NLU version is active yet."""


def _load(path: Path, _mv: ModelVersion) -> NluModel:
    return NluModel.load(path)


class NluServer:
    """The active NLU model of one models folder."""

    def __init__(self, models_dir: Path) -> None:
        self.cache: ActiveModelCache[NluModel] = ActiveModelCache(MODEL_NAME, models_dir, _load)

    def model(self, session: Session) -> tuple[NluModel, int]:
        """Return the active model and its version, or raise ``NoActiveModel``."""
        found = self.cache.get(session)
        if found is None:
            raise NoActiveModel(
                "No NLU model is active yet; train one with `maitre nlu train` "
                "(or `maitre models train-defaults`) or POST /api/v1/nlu/train."
            )
        return found

    def parse(
        self,
        session: Session,
        text: str,
        *,
        catalogue: Catalogue | None = None,
        today: date | None = None,
        expected: Iterable[EntityType | str] = (),
    ) -> ParseResult:
        """Parse ``text`` with the active model."""
        model, version = self.model(session)
        result = model.parse(text, catalogue=catalogue, today=today, expected=expected)
        result.model_version = version
        return result


def server_for(settings: Settings) -> NluServer:
    """Return this process's server for ``settings.models_dir`` (created on first use)."""
    key = settings.models_dir.resolve()
    with _servers_lock:
        server = _servers.get(key)
        if server is None:
            server = NluServer(settings.models_dir)
            _servers[key] = server
        return server
