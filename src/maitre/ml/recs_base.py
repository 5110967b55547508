"""What every recommender shares: the fit/score contract and top-k selection with exclusions.

Estimators follow the scikit-learn contract: ``__init__`` stores hyperparameters, ``fit``
learns from a users × items CSR matrix (plus optional side-feature matrices) and returns
``self``, and scoring refuses an unfitted model. Users and items are integer indices; mapping
them to CRM ids is the caller's job (see ``recs_data``).
"""

from __future__ import annotations

from typing import Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


class BaseRecommender:
    """Abstract recommender over a binary users × items interaction matrix."""

    #: rows scored at once, lowered for big catalogues so a score block stays ~64 MB
    batch_size: int = 2048
    #: the training interactions, set by ``fit``
    X_: sp.csr_matrix

    def fit(
        self,
        X: sp.csr_matrix,
        *,
        user_features: sp.csr_matrix | None = None,
        item_features: sp.csr_matrix | None = None,
    ) -> Self:
        """Learn from interactions ``X`` (users × items); side features are optional."""
        raise NotImplementedError

    def score_history(self, history: sp.csr_matrix, *, users: IntArray | None = None) -> FloatArray:
        """Score every item for the users behind ``history`` rows (``users``: index or -1)."""
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not hasattr(self, "X_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit() first")

    def recommend(self, users: IntArray, *, k: int = 10, exclude_seen: bool = True) -> IntArray:
        """Top-``k`` item indices for known ``users``; their training items are left out."""
        self._check_fitted()
        users = np.asarray(users, dtype=np.int64)
        out = np.full((len(users), k), -1, dtype=np.int64)
        rows = max(16, min(self.batch_size, 16_000_000 // max(self.X_.shape[1], 1)))
        for start in range(0, len(users), rows):
            batch = users[start : start + rows]
            history = self.X_[batch]
            scores = self.score_history(history, users=batch)
            out[start : start + len(batch)] = top_k(
                scores, k, exclude=history if exclude_seen else None
            )
        return out

    def recommend_history(
        self,
        history: sp.csr_matrix,
        *,
        k: int = 10,
        user_features: sp.csr_matrix | None = None,
    ) -> IntArray:
        """Top-``k`` items for users the model has not seen, from their history (and features)."""
        self._check_fitted()
        unknown = np.full(history.shape[0], -1, dtype=np.int64)
        scores = self.score_new(history, users=unknown, user_features=user_features)
        return top_k(scores, k, exclude=history)

    def score_new(
        self,
        history: sp.csr_matrix,
        *,
        users: IntArray | None,
        user_features: sp.csr_matrix | None,
    ) -> FloatArray:
        """Score items for users known (index) or not (-1), using side features when given."""
        return self.score_history(history, users=users)


def top_k(scores: FloatArray, k: int, *, exclude: sp.csr_matrix | None = None) -> IntArray:
    """Indices of the ``k`` best scores per row, best first; excluded cells never appear.

    Rows with fewer than ``k`` eligible items are padded with -1. Ties break by item index so
    results are deterministic.
    """
    scores = np.array(scores, dtype=np.float32, copy=True)
    if exclude is not None and exclude.nnz:
        coo = exclude.tocoo()
        scores[coo.row, coo.col] = -np.inf
    n_rows, n_items = scores.shape
    k_eff = min(k, n_items)
    out = np.full((n_rows, k), -1, dtype=np.int64)
    if k_eff == 0 or n_rows == 0:
        return out
    if k_eff < n_items:
        part = np.argpartition(-scores, k_eff - 1, axis=1)[:, :k_eff]
    else:
        part = np.tile(np.arange(n_items), (n_rows, 1))
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -part_scores), axis=1)
    best = np.take_along_axis(part, order, axis=1)
    best_scores = np.take_along_axis(part_scores, order, axis=1)
    best[~np.isfinite(best_scores)] = -1
    out[:, :k_eff] = best
    return out
