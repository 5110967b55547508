"""Fixtures for NLU unit tests: tiny training sets and a deterministic fake encoder."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from maitre.agent.nlu.text import tokenize

TOY: dict[str, list[str]] = {
    "order_status": [
        "where is my order",
        "has my order shipped",
        "track my package",
        "when will my parcel arrive",
        "status of my order please",
        "is my order on its way",
        "where is my parcel",
        "track order 1043",
    ],
    "refund_status": [
        "where is my refund",
        "when do I get my money back",
        "has my refund been processed",
        "refund status please",
        "I am still waiting for my refund",
        "did you refund me yet",
        "when will the refund arrive",
        "check my refund",
    ],
    "greeting": [
        "hello",
        "hi there",
        "good morning",
        "hey",
        "hello, anyone there",
        "hi, I have a question",
        "good evening",
        "hiya",
    ],
}


def toy_data() -> tuple[list[str], list[str]]:
    """Return the toy examples as parallel lists."""
    texts = [t for examples in TOY.values() for t in examples]
    intents = [name for name, examples in TOY.items() for _ in examples]
    return texts, intents


class FakeEncoder:
    """Bag-of-hashed-words vectors: deterministic, instant, good enough to exercise fusion."""

    dim = 64
    quantized = False

    def quantize(self, *, keep_float: bool = True) -> None:
        self.quantized = True

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in tokenize(text):
                h = int(hashlib.md5(word.encode()).hexdigest(), 16)
                out[i, h % self.dim] += 1.0
            norm = np.linalg.norm(out[i])
            if norm:
                out[i] /= norm
        return out


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()
