"""Build the world a scenario suite runs in: schema, demo shop, knowledge base, NLU, an API key.

Used by ``benchmarks/agent_bench.py`` and the integration test, on a fresh database. ``fast``
trains a lexical-only NLU (seconds) instead of the fine-tuned default (minutes).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from maitre.bootstrap import Runtime, build_runtime
from maitre.config import Settings
from maitre.db import models as _models  # noqa: F401  (every table is registered)
from maitre.db.base import Base
from maitre.db.session import unit_of_work
from maitre.users import service as users
from maitre.users.roles import Role

log = logging.getLogger("maitre.agent.evaluation")
FAST_NLU = {"use_encoder": False, "finetune": False, "val_fraction": 0.2}


@dataclass
class Environment:
    """A ready runtime, the token of a staff API key and how long each step took."""

    runtime: Runtime
    token: str
    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _timed(seconds: dict[str, float], name: str, fn: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    value = fn()
    seconds[name] = round(time.perf_counter() - started, 2)
    return value


def load_demo(runtime: Runtime, *, seed: int, customers: int, today: date | None) -> dict[str, int]:
    """Generate and load the demo shop (the ``maitre demo load`` code path)."""
    from maitre.demo import loader
    from maitre.demo.generator import DemoConfig, generate

    config = DemoConfig(seed=seed, customers=customers)
    if today is not None:
        config = DemoConfig(seed=seed, customers=customers, today=today)
    with unit_of_work(runtime.sessionmaker) as session:
        return loader.load(session=session, data=generate(config)).counts


def load_kb(runtime: Runtime) -> list[str]:
    """Import the shipped knowledge-base articles unless the demo load already wrote some."""
    from importlib.resources import files

    from sqlalchemy import func, select

    from maitre.kb import service as kb
    from maitre.kb.models import KbArticle

    folder = files("maitre.kb").joinpath("data")
    with unit_of_work(runtime.sessionmaker) as session:
        if session.scalar(select(func.count()).select_from(KbArticle)):
            return []
        names = sorted(p.name for p in folder.iterdir() if p.name.endswith((".md", ".txt")))
        for name in names:
            kb.upsert_by_source(
                session=session, filename=name, content=folder.joinpath(name).read_bytes()
            )
    return [f"kb: {len(names)} shipped articles"]


def train_nlu(runtime: Runtime, *, fast: bool) -> int:
    """Train and activate the default NLU (lexical-only when ``fast``); return its version."""
    from maitre.agent.nlu.tasks import DEFAULT_PARAMS, classifier_params
    from maitre.agent.nlu.trainer import train_and_register

    params = (
        dict(FAST_NLU) if fast else {k: v for k, v in DEFAULT_PARAMS.items() if k != "activate"}
    )
    outcome = train_and_register(
        factory=runtime.sessionmaker,
        models_dir=runtime.settings.models_dir,
        params=classifier_params(params),
        activate=True,
        actor="agent-eval",
    )
    return outcome.version


def prepare(
    settings: Settings,
    *,
    seed: int = 42,
    customers: int = 800,
    today: date | None = None,
    fast: bool = True,
) -> Environment:
    """Create tables, load the demo and its content, train the NLU and make a staff key."""
    runtime = build_runtime(settings)
    seconds: dict[str, float] = {}
    Base.metadata.create_all(runtime.engine)
    counts = _timed(
        seconds,
        "demo_load",
        lambda: load_demo(runtime, seed=seed, customers=customers, today=today),
    )
    hooks = _timed(seconds, "kb_load", lambda: load_kb(runtime))
    version = _timed(seconds, "nlu_train", lambda: train_nlu(runtime, fast=fast))
    with unit_of_work(runtime.sessionmaker) as session:
        _key, token = users.create_api_key(session=session, name="agent-eval", role=Role.AGENT)
    notes = [f"nlu v{version} ({'lexical' if fast else 'default'})", *hooks]
    log.info("agent.eval.prepared", extra={"seconds": seconds})
    return Environment(runtime, token, seconds, dict(counts), notes)
