"""Maitre's recommender: EASE^R blended with two factor models, with fallbacks.

* ``EASERecommender`` (``recs_ease``) is the item-item workhorse for anyone with a history;
  its weights also give the "because you bought X" reasons.
* ``HybridMFRecommender`` (``recs_mf``) adds collaborative structure plus customer and product
  side features, and is what a new customer with only features gets.
* ``ALSRecommender`` (implicit's ALS, ``recs_baselines``) is a second, exactly solved factor
  model over the interactions alone; its errors differ from the gradient-trained MF's, so the
  two together rank better than either.
* ``PopularityRecommender`` answers when there is nothing else to go on.

The blend standardises each model's scores per user and mixes them: weight ``blend`` for EASE,
the rest split between ALS (share ``als_share``) and MF. The weights and every member's
hyperparameters are picked on a validation slice of the training data (``recs_tuning``). The
estimator knows nothing about files or the database.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import scipy.sparse as sp

from maitre.ml.recs_base import BaseRecommender, FloatArray, IntArray
from maitre.ml.recs_baselines import ALSRecommender, PopularityRecommender
from maitre.ml.recs_ease import EASERecommender
from maitre.ml.recs_mf import HybridMFRecommender

__all__ = [
    "ALSRecommender",
    "EASERecommender",
    "HybridMFRecommender",
    "MaitreRecommender",
    "standardise",
]


class MaitreRecommender(BaseRecommender):
    """EASE^R (weight ``blend``), ALS and hybrid MF (``1 - blend``, ALS taking ``als_share``).

    ``als_share=0`` is the EASE + MF blend alone; side features always go through MF.
    """

    def __init__(
        self,
        *,
        blend: float = 0.5,
        als_share: float = 0.0,
        ease_l2: float = 400.0,
        ease_max_items: int = 12000,
        factors: int = 32,
        mf_l2: float = 20.0,
        mf_alpha: float = 3.0,
        mf_epochs: int = 50,
        als_factors: int = 16,
        als_l2: float = 10.0,
        als_alpha: float = 4.0,
        als_iterations: int = 15,
        random_state: int = 42,
        threads: int | None = None,
    ) -> None:
        self.blend = blend
        self.als_share = als_share
        self.ease_l2 = ease_l2
        self.ease_max_items = ease_max_items
        self.factors = factors
        self.mf_l2 = mf_l2
        self.mf_alpha = mf_alpha
        self.mf_epochs = mf_epochs
        self.als_factors = als_factors
        self.als_l2 = als_l2
        self.als_alpha = als_alpha
        self.als_iterations = als_iterations
        self.random_state = random_state
        self.threads = threads

    def weights(self) -> dict[str, float]:
        """Each member's weight in the blend for users with a history (they sum to one)."""
        rest = 1.0 - self.blend
        share = getattr(self, "als_share", 0.0)  # bundles saved before the ALS member
        return {"ease": self.blend, "als": rest * share, "mf": rest * (1.0 - share)}

    def fit(
        self,
        X: sp.csr_matrix,
        *,
        user_features: sp.csr_matrix | None = None,
        item_features: sp.csr_matrix | None = None,
    ) -> Self:
        """Fit the members with a weight (MF always when side features are given)."""
        if not 0.0 <= self.blend <= 1.0:
            raise ValueError("blend must be between 0 and 1")
        if not 0.0 <= self.als_share <= 1.0:
            raise ValueError("als_share must be between 0 and 1")
        weights = self.weights()
        self.X_ = sp.csr_matrix(X, dtype=np.float32)
        self.popularity_ = PopularityRecommender().fit(self.X_)
        self.ease_: EASERecommender | None = None
        self.als_: ALSRecommender | None = None
        self.mf_: HybridMFRecommender | None = None
        if weights["ease"] > 0.0:
            self.ease_ = EASERecommender(l2=self.ease_l2, max_items=self.ease_max_items)
            self.ease_.fit(self.X_)
        if weights["als"] > 0.0:
            self.als_ = ALSRecommender(
                factors=self.als_factors,
                regularization=self.als_l2,
                alpha=self.als_alpha,
                iterations=self.als_iterations,
                random_state=self.random_state,
                num_threads=self.threads or 0,
            )
            self.als_.fit(self.X_)
        has_features = user_features is not None or item_features is not None
        if weights["mf"] > 0.0 or has_features:
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
        als: ALSRecommender | None = None,
        als_share: float = 0.0,
    ) -> MaitreRecommender:
        """Assemble a fitted blend from components already fitted on ``X`` (for tuning)."""
        model = cls(blend=blend, als_share=als_share if als is not None else 0.0)
        weights = model.weights()
        model.X_ = sp.csr_matrix(X, dtype=np.float32)
        model.popularity_ = PopularityRecommender().fit(model.X_)
        model.ease_ = ease if weights["ease"] > 0.0 else None
        model.als_ = als if weights["als"] > 0.0 else None
        model.mf_ = mf if weights["mf"] > 0.0 else None
        if ease is not None:
            model.ease_l2, model.ease_max_items = ease.l2, ease.max_items
        if mf is not None:
            model.factors, model.mf_l2, model.mf_alpha = mf.factors, mf.l2, mf.alpha
            model.mf_epochs = mf.epochs
        if als is not None:
            model.als_factors, model.als_l2 = als.factors, als.regularization
            model.als_alpha, model.als_iterations = als.alpha, als.iterations
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
        weights = self._fitted_weights()
        scores = np.zeros((n, self.X_.shape[1]), dtype=np.float32)
        if self.ease_ is not None and weights["ease"] > 0.0:
            ease = self.ease_.score_history(history, users=users)
            scores += weights["ease"] * standardise(ease, columns=self.ease_.support_)
        als_model: ALSRecommender | None = getattr(self, "als_", None)
        if als_model is not None and weights["als"] > 0.0:
            scores += weights["als"] * standardise(als_model.score_history(history, users=users))
        if self.mf_ is not None:
            mf = self.mf_.score_new(history, users=users, user_features=user_features)
            # a newcomer with features but no history: MF is the only member that knows them
            mf_weight = np.where(has_history | (users >= 0), weights["mf"], 1.0)
            scores += mf_weight[:, None].astype(np.float32) * standardise(mf)
        nothing = ~has_history & (users < 0) & (~has_features | (self.mf_ is None))
        if nothing.any():
            scores[nothing] = standardise(self.popularity_.item_scores_[None, :])
        return scores

    def _fitted_weights(self) -> dict[str, float]:
        """``weights()`` renormalised over the members actually fitted."""
        fitted = {
            "ease": self.ease_ is not None,
            "als": getattr(self, "als_", None) is not None,
            "mf": self.mf_ is not None,
        }
        weights = {name: w if fitted[name] else 0.0 for name, w in self.weights().items()}
        total = sum(weights.values())
        if total <= 0.0:  # components assembled without the weighted ones: use what is there
            return {name: 1.0 if fitted[name] else 0.0 for name in weights}
        return {name: w / total for name, w in weights.items()}

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
