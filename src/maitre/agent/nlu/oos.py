"""Learn the confidence below which an utterance counts as out of scope.

With out-of-scope examples in the validation data (real ones, or intents held out to stand in for
them), the threshold maximises the mean of in-scope accuracy and out-of-scope recall — both errors
cost about the same in a conversation: a wrong answer, or a needless "I did not understand".
Either way it never rejects more than ``MAX_BALANCED_REJECT`` of the correctly classified in-scope
examples. Without any out-of-scope examples, it rejects ``max_reject`` of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_REJECT = 0.03
MAX_BALANCED_REJECT = 0.10
MAX_THRESHOLD = 0.9


@dataclass(frozen=True)
class ThresholdFit:
    """The chosen threshold and what it scored on validation."""

    threshold: float
    in_scope_accuracy: float
    oos_recall: float | None
    method: str


def apply_threshold(
    confidence: np.ndarray, predicted_oos: np.ndarray, threshold: float
) -> np.ndarray:
    """Return a boolean mask: which predictions come back as out of scope."""
    return predicted_oos | (confidence < threshold)


def fit_threshold(
    confidence: np.ndarray,
    correct: np.ndarray,
    is_oos: np.ndarray,
    predicted_oos: np.ndarray | None = None,
    *,
    max_reject: float = MAX_REJECT,
) -> ThresholdFit:
    """Choose the threshold on validation confidences.

    ``confidence`` is the top in-scope probability, ``correct`` whether the in-scope prediction
    was right, ``is_oos`` whether the true label is out of scope and ``predicted_oos`` whether the
    model's own out-of-scope class won.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    is_oos = np.asarray(is_oos, dtype=bool)
    pred_oos = (
        np.zeros_like(is_oos) if predicted_oos is None else np.asarray(predicted_oos, dtype=bool)
    )
    inside = ~is_oos
    if not inside.any():
        return ThresholdFit(0.0, 0.0, 1.0, "no-in-scope")
    if is_oos.any():
        right = confidence[inside & correct & ~pred_oos]
        ceiling = np.quantile(right, MAX_BALANCED_REJECT) if right.size else MAX_THRESHOLD
        limit = min(MAX_THRESHOLD, float(ceiling))
        candidates = np.unique(np.concatenate([[0.0], confidence[confidence <= limit]]))
        best: tuple[float, float] = (-1.0, 0.0)
        best_fit = ThresholdFit(0.0, 0.0, 0.0, "balanced")
        for t in candidates:
            rejected = apply_threshold(confidence, pred_oos, float(t))
            in_acc = float((correct & ~rejected)[inside].mean())
            recall = float(rejected[is_oos].mean())
            score = (in_acc + recall) / 2
            # Among equal scores prefer the lower threshold: it rejects fewer real requests.
            if score > best[0] + 1e-12:
                best = (score, float(t))
                best_fit = ThresholdFit(float(t), in_acc, recall, "balanced")
        # Put the threshold halfway into the gap below the chosen value: the same decisions on
        # validation, with a margin on both sides for unseen text.
        below = candidates[candidates < best_fit.threshold]
        if below.size:
            middle = (best_fit.threshold + float(below.max())) / 2
            best_fit = ThresholdFit(
                middle, best_fit.in_scope_accuracy, best_fit.oos_recall, "balanced"
            )
        return best_fit
    right = confidence[inside & correct & ~pred_oos]
    if right.size == 0:
        return ThresholdFit(0.0, 0.0, None, "quantile")
    threshold = float(min(np.quantile(right, max_reject), MAX_THRESHOLD))
    rejected = apply_threshold(confidence, pred_oos, threshold)
    in_acc = float((correct & ~rejected)[inside].mean())
    return ThresholdFit(threshold, in_acc, None, "quantile")
