"""Maitre's recommender: EASE^R blended with hybrid matrix factorisation, with fallbacks.

* ``EASERecommender`` (``recs_ease``) is the item-item workhorse for anyone with a history;
  its weights also give the "because you bought X" reasons.
* ``HybridMFRecommender`` (``recs_mf``) adds collaborative structure plus customer and product
  side features, and is what a new customer with only features gets.
* ``PopularityRecommender`` answers when there is nothing else to go on.

The blend standardises each model's scores per user and mixes them with weight ``blend`` for
EASE; the weight and both models' hyperparameters are picked on a validation slice of the
training data (``recs_tuning``). The estimator knows nothing about files or the database.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import scipy.sparse as sp

from maitre.ml.recs_base import BaseRecommender, FloatArray, IntArray
from maitre.ml.recs_baselines import PopularityRecommender
from maitre.ml.recs_ease import EASERecommender
from maitre.ml.recs_mf import HybridMFRecommender

__all__ = ["EASERecommender", "HybridMFRecommender", "MaitreRecommender", "standardise"]


class MaitreRecommender(BaseRecommender):
    """Blend of EASE^R (weight ``blend``) and hybrid MF (``1 - blend``); popularity fallback."""

    def __init__(
        self,
        *,
        blend: float = 0.5,
        ease_l2: float = 400.0,
        ease_max_items: int = 12000,
        factors: int = 32,
        mf_l2: float = 20.0,
        mf_alpha: float = 3.0,
        mf_epochs: int = 50,
        random_state: int = 42,
        threads: int | None = None,
    ) -> None:
        self.blend = blend
        self.ease_l2 = ease_l2
        self.ease_max_items = ease_max_items
        self.factors = factors
        self.mf_l2 = mf_l2
        self.mf_alpha = mf_alpha
        self.mf_epochs = mf_epochs
        self.random_state = random_state
        self.threads = threads

    def fit(
        self,
        X: sp.csr_matrix,
        *,
        user_features: sp.csr_matrix | None = None,
        item_features: sp.csr_matrix | None = None,
    ) -> Self:
        """Fit the components the blend needs (MF always when side features are given)."""
        if not 0.0 <= self.blend <= 1.0:
            raise ValueError("blend must be between 0 and 1")
        self.X_ = sp.csr_matrix(X, dtype=np.float32)
        self.popularity_ = PopularityRecommender().fit(self.X_)
        self.ease_: EASERecommender | None = None
        self.mf_: HybridMFRecommender | None = None
        if self.blend > 0.0:
            self.ease_ = EASERecommender(l2=self.ease_l2, max_items=self.ease_max_items)
            self.ease_.fit(self.X_)
        has_features = user_features is not None or item_features is not None
        if self.blend < 1.0 or has_features:
            self.mf_ = HybridMFRecommender(
                factors=self.factors,
                l2=self.mf_l2,
                alpha=self.mf_alpha,
                epochs=self.mf_epochs,
                random_state=self.random_state,
                threads=self.threads,
            )
            self.mf_.fit(self.X_, user_features=user_features, item_features=item_features)
        return self

    @classmethod
    def from_components(
        cls,
        X: sp.csr_matrix,
        *,
        ease: EASERecommender | None,
        mf: HybridMFRecommender | None,
        blend: float,
    ) -> MaitreRecommender:
        """Assemble a fitted blend from components already fitted on ``X`` (for tuning)."""
        model = cls(blend=blend)
        model.X_ = sp.csr_matrix(X, dtype=np.float32)
        model.popularity_ = PopularityRecommender().fit(model.X_)
        model.ease_ = ease if blend > 0.0 else None
        model.mf_ = mf if blend < 1.0 else None
        if ease is not None:
            model.ease_l2, model.ease_max_items = ease.l2, ease.max_items
        if mf is not None:
            model.factors, model.mf_l2, model.mf_alpha = mf.factors, mf.l2, mf.alpha
            model.mf_epochs = mf.epochs
        return model

    def score_history(self, history: sp.csr_matrix, *, users: IntArray | None = None) -> FloatArray:
        """Blend the standardised component scores for users given by their history rows."""
        return self.score_new(history, users=users, user_features=None)

    def score_new(
        self,
        history: sp.csr_matrix,
        *,
        users: IntArray | None,
        user_features: sp.csr_matrix | None,
    ) -> FloatArray:
        self._check_fitted()
        n = history.shape[0]
        users = np.full(n, -1, dtype=np.int64) if users is None else np.asarray(users)
        has_history = np.diff(history.indptr) > 0
        has_features = (
            np.diff(sp.csr_matrix(user_features).indptr) > 0
            if user_features is not None
            else np.zeros(n, dtype=bool)
        )
        weight = self.blend if self.mf_ is not None else 1.0
        scores = np.zeros((n, self.X_.shape[1]), dtype=np.float32)
        if self.ease_ is not None and weight > 0.0:
            ease = self.ease_.score_history(history, users=users)
            scores += weight * standardise(ease, columns=self.ease_.support_)
        if self.mf_ is not None:
            mf = self.mf_.score_new(history, users=users, user_features=user_features)
            mf_weight = np.where(has_history | (users >= 0), 1.0 - weight, 1.0)
            scores += mf_weight[:, None].astype(np.float32) * standardise(mf)
        nothing = ~has_history & (users < 0) & (~has_features | (self.mf_ is None))
        if nothing.any():
            scores[nothing] = standardise(self.popularity_.item_scores_[None, :])
        return scores

    def reasons(self, history_items: IntArray, item: int, *, k: int = 3) -> list[int]:
        """The history items that contribute most to recommending ``item`` (EASE weights)."""
        self._check_fitted()
        if self.ease_ is None or len(history_items) == 0:
            return []
        support = self.ease_.support_
        position = np.searchsorted(support, item)
        if position >= len(support) or support[position] != item:
            return []
        seen = np.asarray(history_items, dtype=np.int64)
        rows = np.searchsorted(support, seen)
        ok = (rows < len(support)) & (support[np.minimum(rows, len(support) - 1)] == seen)
        weights = self.ease_.B_[rows[ok], position]
        order = np.argsort(-weights, kind="stable")[:k]
        return [int(seen[ok][i]) for i in order if weights[i] > 0]


def standardise(scores: FloatArray, *, columns: IntArray | None = None) -> FloatArray:
    """Z-score each row (over ``columns`` when given; the others get the row's minimum)."""
    scores = np.asarray(scores, dtype=np.float32)
    part = scores if columns is None else scores[:, columns]
    mean = part.mean(axis=1, keepdims=True)
    std = part.std(axis=1, keepdims=True)
    z = (part - mean) / np.where(std > 0, std, 1.0)
    if columns is None:
        return np.asarray(z, dtype=np.float32)
    out = np.repeat(z.min(axis=1, keepdims=True), scores.shape[1], axis=1)
    out[:, columns] = z
    return np.asarray(out, dtype=np.float32)
