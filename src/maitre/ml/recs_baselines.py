"""Reference recommenders: popularity, item-to-item cosine neighbours and implicit's ALS.

Popularity and item-to-item are also the product's fallbacks (a customer with no history, a
"customers who bought X also bought" block); ALS is the baseline the hybrid model must beat.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from maitre.ml.recs_base import BaseRecommender, FloatArray, IntArray


class PopularityRecommender(BaseRecommender):
    """Recommend the items with the most interactions, the same list for everyone."""

    def fit(
        self,
        X: sp.csr_matrix,
        *,
        user_features: sp.csr_matrix | None = None,
        item_features: sp.csr_matrix | None = None,
    ) -> Self:
        """Count each item's interactions."""
        self.X_ = sp.csr_matrix(X, dtype=np.float32)
        counts = np.asarray(self.X_.sum(axis=0)).ravel().astype(np.float32)
        self.item_scores_ = counts / max(float(counts.max(initial=0.0)), 1.0)
        return self

    def score_history(self, history: sp.csr_matrix, *, users: IntArray | None = None) -> FloatArray:
        """Give every user the item popularity."""
        self._check_fitted()
        return np.tile(self.item_scores_, (history.shape[0], 1))


class ItemKNNRecommender(BaseRecommender):
    """Item-to-item cosine neighbours: score = sum of similarities to the user's items."""

    def __init__(self, *, neighbours: int = 100, shrink: float = 10.0, block: int = 1024) -> None:
        self.neighbours = neighbours
        self.shrink = shrink
        self.block = block

    def fit(
        self,
        X: sp.csr_matrix,
        *,
        user_features: sp.csr_matrix | None = None,
        item_features: sp.csr_matrix | None = None,
    ) -> Self:
        """Keep each item's ``neighbours`` most similar items (computed block by block)."""
        self.X_ = sp.csr_matrix(X, dtype=np.float32)
        item_users = sp.csc_matrix(self.X_)
        norms = np.sqrt(np.asarray(item_users.multiply(item_users).sum(axis=0)).ravel())
        n_items = self.X_.shape[1]
        rows: list[IntArray] = []
        cols: list[IntArray] = []
        vals: list[FloatArray] = []
        keep = min(self.neighbours, max(n_items - 1, 0))
        for start in range(0, n_items, self.block):
            stop = min(start + self.block, n_items)
            co = (item_users[:, start:stop].T @ item_users).toarray()
            co /= np.outer(norms[start:stop], norms) + self.shrink + 1e-9
            co[np.arange(stop - start), np.arange(start, stop)] = 0.0
            if keep == 0:
                continue
            idx = np.argpartition(-co, keep - 1, axis=1)[:, :keep]
            sims = np.take_along_axis(co, idx, axis=1)
            rows.append(np.repeat(np.arange(start, stop), keep))
            cols.append(idx.ravel())
            vals.append(sims.ravel().astype(np.float32))
        if rows:
            data = (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols)))
            sim = sp.csr_matrix(data, shape=(n_items, n_items), dtype=np.float32)
        else:
            sim = sp.csr_matrix((n_items, n_items), dtype=np.float32)
        sim.eliminate_zeros()
        self.similarity_ = sim
        return self

    def score_history(self, history: sp.csr_matrix, *, users: IntArray | None = None) -> FloatArray:
        """Sum each candidate item's similarity to the items in ``history``."""
        self._check_fitted()
        return np.asarray((history @ self.similarity_).toarray(), dtype=np.float32)

    def similar_items(self, item: int, *, k: int = 10) -> IntArray:
        """The ``k`` items most similar to ``item`` (for "customers who bought X also bought")."""
        self._check_fitted()
        row = self.similarity_.getrow(item)
        order = np.argsort(-row.data, kind="stable")[:k]
        return np.asarray(row.indices[order], dtype=np.int64)


class ALSRecommender(BaseRecommender):
    """implicit's alternating least squares on binary confidence (the baseline to beat)."""

    def __init__(
        self,
        *,
        factors: int = 64,
        regularization: float = 0.01,
        alpha: float = 1.0,
        iterations: int = 15,
        random_state: int = 42,
        num_threads: int = 0,
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.random_state = random_state
        self.num_threads = num_threads

    def fit(
        self,
        X: sp.csr_matrix,
        *,
        user_features: sp.csr_matrix | None = None,
        item_features: sp.csr_matrix | None = None,
    ) -> Self:
        """Factorise ``X`` with implicit's CPU ALS (BLAS pinned to one thread, as it advises)."""
        from implicit.cpu.als import AlternatingLeastSquares

        self.X_ = sp.csr_matrix(X, dtype=np.float32)
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                alpha=self.alpha,
                iterations=self.iterations,
                random_state=self.random_state,
                num_threads=self.num_threads,
            )
            model.fit(self.X_, show_progress=False)
        self.user_factors_ = np.asarray(model.user_factors, dtype=np.float32)
        self.item_factors_ = np.asarray(model.item_factors, dtype=np.float32)
        return self

    def score_history(self, history: sp.csr_matrix, *, users: IntArray | None = None) -> FloatArray:
        """Dot products of user and item factors; unseen users (-1) are folded in from history."""
        self._check_fitted()
        n = history.shape[0]
        if users is None:
            users = np.full(n, -1, dtype=np.int64)
        vectors = np.zeros((n, self.item_factors_.shape[1]), dtype=np.float32)
        known = users >= 0
        vectors[known] = self.user_factors_[users[known]]
        for row in np.flatnonzero(~known):
            vectors[row] = self._fold_in(
                history.indices[history.indptr[row] : history.indptr[row + 1]]
            )
        return np.asarray(vectors @ self.item_factors_.T, dtype=np.float32)

    def _fold_in(self, items: IntArray) -> FloatArray:
        """Solve one ALS user step for a user the model has not seen."""
        Y = self.item_factors_.astype(np.float64)
        Yi = Y[items]
        a = Y.T @ Y + self.regularization * np.eye(Y.shape[1])
        a += (self.alpha - 1.0) * (Yi.T @ Yi)
        b = self.alpha * Yi.sum(axis=0)
        return np.linalg.solve(a, b).astype(np.float32)
