"""Encoder fine-tuning, on a tiny torch encoder so it runs in a blink."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import torch

from maitre.agent.nlu.finetune import FinetuneParams, _batches, finetune
from maitre.agent.nlu.text import tokenize
from tests.unit.agent.nlu.conftest import toy_data


class TinyEncoder:
    """Hashed bag of words into a trainable embedding table: the encoder interface, in small."""

    dim = 16

    def __init__(self) -> None:
        torch.manual_seed(0)
        self.backbone = torch.nn.EmbeddingBag(512, self.dim, mode="mean")

    def features(self, texts: list[str]) -> dict[str, Any]:
        ids, offsets = [], []
        for text in texts:
            offsets.append(len(ids))
            words = tokenize(text) or [""]
            ids.extend(int(hashlib.md5(w.encode()).hexdigest(), 16) % 512 for w in words)
        return {"ids": torch.tensor(ids), "offsets": torch.tensor(offsets)}

    def embed(self, features: dict[str, Any]) -> Any:
        out = self.backbone(features["ids"], features["offsets"])
        return torch.nn.functional.normalize(out, dim=-1)


def test_batches_hold_several_examples_of_each_intent() -> None:
    y = np.repeat(np.arange(8), 10)
    batches = _batches(y, FinetuneParams(batch_size=16, per_class=4), np.random.default_rng(0))
    assert sorted(i for b in batches for i in b) == list(range(80))
    first = y[batches[0]]
    assert max(np.bincount(first)) >= 2  # positives for the contrastive term


def test_finetuning_lowers_the_loss_and_runs_the_planned_steps() -> None:
    texts, intents = toy_data()
    encoder = TinyEncoder()
    before = encoder.backbone.weight.detach().clone()
    stats = finetune(encoder, texts, intents, FinetuneParams(epochs=30, lr=5e-2, batch_size=8))
    assert stats["steps"] == stats["planned_steps"] > 0
    assert not torch.equal(before, encoder.backbone.weight)
    assert not encoder.backbone.training
    with torch.no_grad():
        emb = encoder.embed(encoder.features(["where is my order", "track my package", "hello"]))
    same, other = float(emb[0] @ emb[1]), float(emb[0] @ emb[2])
    assert same > other


def test_a_time_budget_shortens_the_run() -> None:
    texts, intents = toy_data()
    params = FinetuneParams(epochs=500, lr=1e-2, batch_size=8, time_budget_s=0.3)
    stats = finetune(TinyEncoder(), texts, intents, params)
    assert stats["steps"] < stats["planned_steps"]
    assert stats["seconds"] < 5
