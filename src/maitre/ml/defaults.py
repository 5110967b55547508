"""Default models trained by ``maitre models train-defaults`` (``make run``), one entry per name.

Each entry points at a function ``train(runtime, echo) -> str`` that trains and registers the
model from data shipped with Maitre or already in the CRM, and returns a one-line summary. Entries
are import paths, so listing them loads nothing heavy; add yours to ``DEFAULT_TRAINERS``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Echo = Callable[[float, str], None]
Trainer = Callable[[Any, Echo | None], str]


@dataclass(frozen=True)
class DefaultModel:
    """A model ``train-defaults`` knows how to train."""

    name: str
    description: str
    target: str  # "package.module:function"

    def trainer(self) -> Trainer:
        """Import and return the training function."""
        module, _, attr = self.target.partition(":")
        fn: Trainer = getattr(importlib.import_module(module), attr)
        return fn


DEFAULT_TRAINERS: tuple[DefaultModel, ...] = (
    DefaultModel(
        "nlu",
        "Intents and out-of-scope, English and Chinese, from the shipped shop examples",
        "maitre.agent.nlu.tasks:train_default",
    ),
    DefaultModel(
        "churn",
        "Churn risk with reasons, LightGBM on a time split of the CRM's orders",
        "maitre.ml.churn_crm_train:train_default",
    ),
    DefaultModel(
        "recs",
        "Product recommendations (EASE + hybrid MF) from the CRM's orders",
        "maitre.ml.recs_crm:train_default",
    ),
)
