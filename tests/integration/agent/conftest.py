"""Fixtures for agent tests: a trained NLU (once per session) active in each test's database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from maitre.agent.dialogue.engine import TurnResult, respond
from maitre.config import Settings
from tests.agent_support import NOW, activate_nlu, train_builtin_nlu


@pytest.fixture(scope="session")
def builtin_nlu_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lexical NLU model fitted on the built-in intents, trained once per test session."""
    return train_builtin_nlu(tmp_path_factory.mktemp("nlu") / "model")


@pytest.fixture
def agent_nlu(session: Session, settings: Settings, builtin_nlu_dir: Path) -> int:
    """Activate the built-in NLU model in this test's database; return its version."""
    return activate_nlu(session=session, settings=settings, source=builtin_nlu_dir)


Say = Callable[..., TurnResult]


@pytest.fixture
def say(session: Session, settings: Settings, agent_nlu: int) -> Say:
    """Send one customer message to a conversation and return the turn's result."""

    def send(conversation_id: int, text: str, **kwargs: Any) -> TurnResult:
        return respond(
            session=session,
            settings=kwargs.pop("settings", settings),
            conversation_id=conversation_id,
            text=text,
            now=kwargs.pop("now", NOW),
        )

    return send
