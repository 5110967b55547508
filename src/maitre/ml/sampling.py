"""A uniform sample of customers that does not depend on how they were read: bottom-k by id hash.

Each id gets a pseudo-random 64-bit key (SplitMix64 of the id and a seed); the sample is the
``k`` ids with the smallest keys. That is a uniform random sample without replacement, and as
a key depends on nothing but its id, keeping the ``k`` smallest while chunks of customers go
by (``BottomK``) ends with exactly the sample of the whole set (``sample_rows``), whatever the
chunk size or order. Samples come back sorted by id, so a model fitted on one is the same
model however the rows were read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def id_keys(ids: np.ndarray, seed: int) -> np.ndarray:
    """Return each id's pseudo-random 64-bit sampling key (SplitMix64 of id and seed)."""
    with np.errstate(over="ignore"):
        z = np.asarray(ids, dtype=np.int64).astype(np.uint64)
        z = z + _GAMMA * np.uint64((seed % (1 << 32)) + 1)
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        keyed: np.ndarray = z ^ (z >> np.uint64(31))
    return keyed


def sample_rows(frame: pd.DataFrame, k: int, seed: int) -> pd.DataFrame:
    """Return the rows of ``frame`` (indexed by unique id) with the ``k`` smallest keys, by id."""
    if len(frame) <= k:
        return frame.sort_index()
    ids = frame.index.to_numpy(dtype=np.int64)
    order = np.lexsort((ids, id_keys(ids, seed)))[:k]
    return frame.iloc[np.sort(order)].sort_index()


class BottomK:
    """Keep ``sample_rows(all rows added, k, seed)`` while rows arrive a chunk at a time."""

    def __init__(self, k: int, seed: int) -> None:
        self.k = k
        self.seed = seed
        self._kept: pd.DataFrame | None = None

    def add(self, frame: pd.DataFrame) -> None:
        """Offer one chunk's rows (ids not offered before)."""
        if len(frame) == 0:  # not .empty: a frame of ids only has no columns but has rows
            if self._kept is None:
                self._kept = frame.iloc[:0]
            return
        part = sample_rows(frame, self.k, self.seed)
        both = part if self._kept is None or len(self._kept) == 0 else pd.concat([self._kept, part])
        self._kept = sample_rows(both, self.k, self.seed)

    def frame(self) -> pd.DataFrame | None:
        """The sample so far, sorted by id; None if nothing was offered."""
        return self._kept
