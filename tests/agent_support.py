"""A trained NLU model for agent tests: fitted once per test session on the built-in intents
(lexical only, a couple of seconds), then registered and activated in each test's database.

Use the ``agent_nlu`` fixture (tests/integration/agent/conftest.py) or, from another conftest,
``builtin_nlu_dir`` + ``activate_nlu``::

    from tests.agent_support import activate_nlu, train_builtin_nlu
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from maitre.agent.nlu.tasks import classifier_params
from maitre.agent.nlu.trainer import MODEL_NAME, shipped_data, train
from maitre.config import Settings
from maitre.ml import registry

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
FAST = {"use_encoder": False, "val_fraction": 0.2}


def train_builtin_nlu(target: Path) -> Path:
    """Fit a lexical model on the shipped English and Chinese intents and save it in ``target``."""
    result = train(shipped_data(), classifier_params(FAST))
    result.model.save(target, extra={"metrics": result.metrics()})
    (target / "data_hash").write_text(result.data_hash)
    return target


def activate_nlu(*, session: Session, settings: Settings, source: Path) -> int:
    """Register a copy of the model in ``source`` in ``settings.models_dir``; return the version."""
    staging = registry.staging_dir(settings.models_dir, MODEL_NAME)
    shutil.copytree(source, staging, dirs_exist_ok=True)
    mv = registry.register(
        session=session,
        models_dir=settings.models_dir,
        name=MODEL_NAME,
        staging=staging,
        data_hash=(source / "data_hash").read_text(),
        params={"fast": True},
        metrics={},
        activate=True,
        actor="tests",
    )
    return int(mv.version)
