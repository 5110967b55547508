"""Validation splits: a stratified hold-out, and intents held out to stand in for out-of-scope."""

from __future__ import annotations

import numpy as np

MIN_VAL = 10
HOLDOUT_SHARE = 0.25
MIN_INTENTS_FOR_HOLDOUT = 4


def stratified_split(
    y: np.ndarray, fraction: float, max_val: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return (train, validation) indices; every intent keeps at least two training examples.

    An intent with fewer than three examples gives none to validation. When the validation slice
    would be too small to learn anything from, it is empty and everything trains.
    """
    rng = np.random.default_rng(seed)
    n = len(y)
    if n == 0:
        return np.arange(0), np.arange(0)
    fraction = min(fraction, max_val / n) if n else fraction
    val: list[int] = []
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        if len(members) < 3:
            continue
        take = min(len(members) - 2, max(1, round(fraction * len(members))))
        val.extend(members[:take].tolist())
    val_idx = np.array(sorted(val), dtype=int)
    if len(val_idx) < MIN_VAL or len(np.unique(y[val_idx])) < 2:
        return np.arange(n), np.arange(0)
    train_idx = np.setdiff1d(np.arange(n), val_idx)
    return train_idx, val_idx


def holdout_intents(y: np.ndarray, seed: int, exclude: int | None = None) -> np.ndarray | None:
    """Pick a quarter of the intents to play out-of-scope, or None if there are too few."""
    classes = np.unique(y)
    if exclude is not None:
        classes = classes[classes != exclude]
    if len(classes) < MIN_INTENTS_FOR_HOLDOUT:
        return None
    rng = np.random.default_rng(seed + 1)
    count = max(1, round(HOLDOUT_SHARE * len(classes)))
    return np.sort(rng.choice(classes, size=count, replace=False))
