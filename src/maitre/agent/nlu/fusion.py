"""Calibrate each head's scores and fuse them, with every choice made on validation data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import log_softmax

TEMPERATURES = np.geomspace(0.05, 200.0, 48)
WEIGHTS = np.round(np.arange(0.0, 1.0001, 0.05), 2)


def nll(log_probs: np.ndarray, y: np.ndarray) -> float:
    """Return the mean negative log-likelihood of the true classes."""
    return float(-log_probs[np.arange(len(y)), y].mean())


def fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """Return the scale that makes ``softmax(scale * scores)`` best calibrated on ``y``."""
    losses = [nll(log_softmax(t * scores, axis=1), y) for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(losses))])


@dataclass(frozen=True)
class Fusion:
    """``log p = log_softmax(final * (w * lex + (1 - w) * emb))`` with per-head temperatures."""

    weight: float = 0.5
    lex_temperature: float = 1.0
    emb_temperature: float = 1.0
    final_temperature: float = 1.0

    def combine(self, lex: np.ndarray | None, emb: np.ndarray | None) -> np.ndarray:
        """Return fused log-probabilities from the two heads' raw scores."""
        parts: list[np.ndarray] = []
        if lex is not None:
            parts.append(
                (self.weight if emb is not None else 1.0)
                * log_softmax(self.lex_temperature * lex, axis=1)
            )
        if emb is not None:
            parts.append(
                (1.0 - self.weight if lex is not None else 1.0)
                * log_softmax(self.emb_temperature * emb, axis=1)
            )
        if not parts:
            raise ValueError("No head produced scores.")
        return log_softmax(self.final_temperature * sum(parts), axis=1)  # type: ignore[no-any-return]


def fit_fusion(lex: np.ndarray | None, emb: np.ndarray | None, y: np.ndarray) -> Fusion:
    """Pick temperatures and the mixing weight by validation likelihood.

    Likelihood, not accuracy: on a few hundred validation examples accuracy moves in steps of
    one example and picks noisy weights, while the likelihood curve is smooth.
    """
    lt = fit_temperature(lex, y) if lex is not None else 1.0
    et = fit_temperature(emb, y) if emb is not None else 1.0
    weights = WEIGHTS if lex is not None and emb is not None else np.array([1.0])
    best: tuple[float, float] = (-1.0, 0.0)
    chosen = Fusion(1.0, lt, et, 1.0)
    for w in weights:
        fusion = Fusion(float(w), lt, et, 1.0)
        fused = fusion.combine(lex, emb)
        key = (-nll(fused, y), float((fused.argmax(1) == y).mean()))
        if key > best:
            best, chosen = key, fusion
    raw = chosen.combine(lex, emb)
    final = fit_temperature(raw, y)
    return Fusion(chosen.weight, lt, et, final)
