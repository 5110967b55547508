"""The NLU training job: thin, it records progress and calls the trainer.

``register`` follows ``maitre.jobs.queue``'s registrar contract; ``run_training`` is also what
``maitre nlu train`` calls in the foreground, so both paths record a training run the same way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from maitre.db.session import unit_of_work
from maitre.errors import MaitreError
from maitre.ml import registry, runs

log = logging.getLogger("maitre.nlu.tasks")
TRAIN = "nlu.train"
# The default model: fine-tuned on the shipped examples (a few minutes on two cores, once).
DEFAULT_PARAMS: dict[str, Any] = {"activate": True, "finetune": True}
PROGRESS_EVERY_S = 2.0
Progress = Callable[[float, str], None]


class TrainingFailed(MaitreError):
    """A training run ended without registering a model."""


def classifier_params(raw: dict[str, Any]) -> Any:
    """Build ``ClassifierParams`` from a run's stored parameters, ignoring unknown keys."""
    from maitre.agent.nlu.classifier import ClassifierParams

    known = {f.name for f in fields(ClassifierParams)}
    return ClassifierParams(**{k: v for k, v in raw.items() if k in known})


def _reporter(factory: sessionmaker[Session], run_id: int, echo: Progress | None) -> Progress:
    last = [0.0]

    def report(fraction: float, message: str) -> None:
        if echo is not None:
            echo(fraction, message)
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY_S and fraction < 1.0:
            return
        last[0] = now
        with unit_of_work(factory) as session:
            runs.progress(session=session, run_id=run_id, fraction=fraction, message=message)

    return report


def run_training(
    factory: sessionmaker[Session],
    models_dir: Path,
    run_id: int,
    *,
    data_path: Path | None = None,
    echo: Progress | None = None,
) -> bool:
    """Execute training run ``run_id``; record success or the reason it failed."""
    from maitre.agent.nlu import trainer

    with unit_of_work(factory) as session:
        run = runs.start(session=session, run_id=run_id)
        params, actor = dict(run.params), run.requested_by
    activate = bool(params.pop("activate", True))
    try:
        outcome = trainer.train_and_register(
            factory=factory,
            models_dir=models_dir,
            data_path=data_path,
            params=classifier_params(params),
            activate=activate,
            actor=actor,
            progress=_reporter(factory, run_id, echo),
        )
    except MaitreError as exc:
        with unit_of_work(factory) as session:
            runs.fail(session=session, run_id=run_id, error=str(exc))
        log.info("nlu.train.failed", extra={"run_id": run_id, "error": str(exc)})
        return False
    except Exception as exc:  # record it; the active model stays as it was
        log.exception("nlu.train.crashed", extra={"run_id": run_id})
        with unit_of_work(factory) as session:
            runs.fail(session=session, run_id=run_id, error=f"Internal error: {exc!r}")
        return False
    with unit_of_work(factory) as session:
        mv = registry.get(session=session, name=trainer.MODEL_NAME, version=outcome.version)
        runs.succeed(
            session=session,
            run_id=run_id,
            version_id=mv.id,
            result={
                "version": outcome.version,
                "active": outcome.active,
                "metrics": outcome.metrics,
                "warnings": outcome.warnings[:50],
            },
        )
    return True


def register(huey: Any, ctx: Any) -> dict[str, Any]:
    """Register the NLU tasks on ``huey`` (see ``maitre.jobs.queue``)."""

    def train(run_id: int) -> bool:
        return run_training(ctx.sessionmaker, ctx.settings.models_dir, run_id)

    return {TRAIN: huey.task(name="nlu_train")(train)}


def train_default(rt: Any, echo: Progress | None = None) -> str:
    """Train the default NLU model from the shipped (and user) examples; for ``train-defaults``."""
    from maitre.agent.nlu.trainer import MODEL_NAME

    with unit_of_work(rt.sessionmaker) as session:
        run_id = runs.create(
            session=session, model_name=MODEL_NAME, params=dict(DEFAULT_PARAMS), actor="defaults"
        ).id
    ok = run_training(rt.sessionmaker, rt.settings.models_dir, run_id, echo=echo)
    with unit_of_work(rt.sessionmaker) as session:
        run = runs.get(session=session, run_id=run_id)
        if not ok:
            raise TrainingFailed(f"NLU training failed: {run.error}")
        examples = run.result.get("metrics", {}).get("examples")
        return f"nlu v{run.result.get('version')} ({examples} examples)"
