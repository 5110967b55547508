"""The NLU training pipeline: gather → clean → check → fit → save → register (→ activate).

The DB is touched only at the two ends, in short transactions, so a training run of several
minutes never holds a lock; anything that fails before ``register`` leaves the registry, and so
the active model, exactly as it was.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from maitre.agent.nlu.bundle import NluModel
from maitre.agent.nlu.classifier import ClassifierParams, IntentClassifier
from maitre.agent.nlu.cleaning import CleaningReport, clean
from maitre.agent.nlu.dataio import (
    OUT_OF_SCOPE,
    TrainingData,
    TrainingDataError,
    read_training_data,
)
from maitre.db.session import unit_of_work
from maitre.ml import registry

log = logging.getLogger("maitre.nlu.trainer")
MODEL_NAME = "nlu"
SHIPPED_DATA = Path(__file__).parent / "data"
Progress = Callable[[float, str], None]


@dataclass
class TrainResult:
    """A fitted model and what happened on the way."""

    model: NluModel
    report: CleaningReport
    warnings: list[str]
    data_hash: str
    seconds: float
    examples: int
    intents: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, Any]:
        """Return what the registry stores as metrics."""
        described = self.model.classifier.describe()
        metrics = {
            "train_seconds": round(self.seconds, 2),
            "examples": self.examples,
            "intents": len(self.intents),
            "validation": described["validation"],
            "threshold": described["threshold"],
            "fusion": described["fusion"],
            "finetune": described["finetune"],
        }
        if described["validation_report"]:
            # Per-intent scores and confusions on the held-out slice, for the report page.
            metrics["evaluation"] = described["validation_report"]
        return metrics


def shipped_data() -> TrainingData:
    """Return the built-in English and Chinese shop intents shipped in the package."""
    return read_training_data(SHIPPED_DATA)


def gather(*, session: Session, data_path: Path | None) -> TrainingData:
    """Return the training data: a file or folder if given, else shipped + user examples."""
    if data_path is not None:
        return read_training_data(data_path)
    from maitre.agent.nlu import service

    data = shipped_data()
    for example in service.all_examples(session=session):
        data.add(example.text, example.intent, f"example:{example.id}")
    return data


def check(texts: list[str], intents: list[str]) -> None:
    """Refuse data a classifier cannot be trained on, saying why."""
    if not texts:
        raise TrainingDataError("There are no training examples left after cleaning.")
    counts = Counter(intents)
    in_scope = [name for name in counts if name != OUT_OF_SCOPE]
    if not in_scope:
        raise TrainingDataError(
            "Every example is labelled out_of_scope; add examples of at least one real intent."
        )
    if len(counts) < 2:
        raise TrainingDataError(
            f"The training data has a single intent ({in_scope[0]!r}, {counts[in_scope[0]]} "
            "examples); a classifier needs at least two intents, or out-of-scope examples."
        )


def train(
    data: TrainingData,
    params: ClassifierParams | None = None,
    *,
    encoder: Any = None,
    progress: Progress | None = None,
) -> TrainResult:
    """Clean, check and fit; no database involved."""
    started = time.monotonic()
    texts, intents, report = clean(data.texts, data.intents)
    check(texts, intents)
    warnings = [*data.warnings, *report.summary()[1:]]
    classifier = IntentClassifier(params).fit(texts, intents, encoder=encoder, progress=progress)
    model = NluModel(classifier, finetuned=bool(classifier.finetune_stats_))
    return TrainResult(
        model=model,
        report=report,
        warnings=warnings,
        data_hash=registry.data_hash(zip(texts, intents, strict=True)),
        seconds=time.monotonic() - started,
        examples=len(texts),
        intents=sorted(set(intents)),
    )


@dataclass(frozen=True)
class Registered:
    """The version a training run registered."""

    version: int
    active: bool
    metrics: dict[str, Any]
    warnings: list[str]


def train_and_register(
    *,
    factory: sessionmaker[Session],
    models_dir: Path,
    data_path: Path | None = None,
    params: ClassifierParams | None = None,
    activate: bool = True,
    actor: str = "system",
    progress: Progress | None = None,
) -> Registered:
    """Train on ``data_path`` (or the shipped + user examples) and register a new version."""
    with unit_of_work(factory) as session:
        data = gather(session=session, data_path=data_path)
    result = train(data, params, progress=progress)
    staging = registry.staging_dir(models_dir, MODEL_NAME)
    try:
        metrics = result.metrics()
        result.model.save(staging, extra={"metrics": metrics, "cleaning": result.report.to_dict()})
        with unit_of_work(factory) as session:
            mv = registry.register(
                session=session,
                models_dir=models_dir,
                name=MODEL_NAME,
                staging=staging,
                data_hash=result.data_hash,
                params=result.model.classifier.describe()["params"],
                metrics=metrics,
                activate=activate,
                actor=actor,
            )
            outcome = Registered(mv.version, mv.is_active, metrics, result.warnings)
    except BaseException:
        registry.discard(staging)
        raise
    log.info("nlu.trained", extra={"version": outcome.version, "examples": result.examples})
    return outcome
