"""EASE^R (Steck, 2019): a closed-form item-item linear autoencoder for implicit feedback.

It learns an items × items weight matrix ``B`` with a zero diagonal that reconstructs each
user's history: ``B = I - P / diag(P)`` with ``P = (XᵀX + λI)⁻¹``. It needs a dense matrix over
the items, so only the ``max_items`` most popular items take part (memory ≈ 4·max_items² bytes
in float32); the others score below every supported item and are left to the other models.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import numpy.typing as npt
import scipy.linalg
import scipy.sparse as sp

from maitre.ml.recs_base import BaseRecommender, FloatArray, IntArray

#: below this many items the inverse is computed in float64; above it float32 halves memory
_FLOAT64_MAX_ITEMS = 4096
UNSUPPORTED_SCORE = np.float32(-1e6)
_GRAM_BLOCK = 1024


class EASERecommender(BaseRecommender):
    """Closed-form item-item model with L2 strength ``l2`` over at most ``max_items`` items."""

    def __init__(self, *, l2: float = 250.0, max_items: int = 12000) -> None:
        self.l2 = l2
        self.max_items = max_items

    def fit(
        self,
        X: sp.csr_matrix,
        *,
        user_features: sp.csr_matrix | None = None,
        item_features: sp.csr_matrix | None = None,
    ) -> Self:
        """Solve for the item-item weights on the most popular ``max_items`` items."""
        self.X_ = sp.csr_matrix(X, dtype=np.float32)
        n_items = self.X_.shape[1]
        counts = np.asarray(self.X_.sum(axis=0)).ravel()
        if n_items > self.max_items:
            support = np.sort(np.argsort(-counts, kind="stable")[: self.max_items])
        else:
            support = np.arange(n_items)
        self.support_ = support.astype(np.int64)
        self.B_ = self._solve(self.X_[:, support])
        return self

    def _solve(self, X: sp.csr_matrix) -> FloatArray:
        dtype = np.float64 if X.shape[1] <= _FLOAT64_MAX_ITEMS else np.float32
        n = X.shape[1]
        gram: npt.NDArray[np.floating[Any]] = np.empty((n, n), dtype=dtype)
        item_users = sp.csc_matrix(X)
        for start in range(0, n, _GRAM_BLOCK):
            # block by block: the sparse product of a dense-ish Gram would need ~3x the memory
            stop = min(start + _GRAM_BLOCK, n)
            gram[:, start:stop] = (item_users.T @ item_users[:, start:stop]).toarray()
        np.fill_diagonal(gram, gram.diagonal() + self.l2)
        # gram is symmetric, so its transpose is a Fortran-ordered view LAPACK can overwrite
        precision = scipy.linalg.inv(gram.T, overwrite_a=True, check_finite=False)
        del gram
        diag = np.diag(precision).copy()
        precision /= -diag[np.newaxis, :]
        precision[np.diag_indices_from(precision)] = 0.0
        return np.asarray(precision, dtype=np.float32)

    def score_history(self, history: sp.csr_matrix, *, users: IntArray | None = None) -> FloatArray:
        """Reconstruct each history row through ``B``; unsupported items score last."""
        self._check_fitted()
        if len(self.support_) == self.X_.shape[1]:
            return np.asarray(history @ self.B_, dtype=np.float32)
        scores = np.full((history.shape[0], self.X_.shape[1]), UNSUPPORTED_SCORE, np.float32)
        scores[:, self.support_] = np.asarray(history[:, self.support_] @ self.B_)
        return scores
