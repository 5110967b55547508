"""The two intent heads, stored as plain float32 weight matrices (small, fast, easy to pickle).

Both map features to one score per intent; ``fusion`` turns scores into probabilities. An intent
absent from a head's training slice scores ``MISSING`` so it never wins.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

MISSING = -1e4


class _LinearHead:
    """Scores ``X @ W_ + b_`` over all ``n_classes`` intents."""

    W_: np.ndarray
    b_: np.ndarray

    def _store(self, model: Any, y: np.ndarray, n_classes: int, dim: int) -> None:
        present = np.unique(y)
        coef = np.asarray(model.coef_, dtype=np.float32)
        intercept = np.asarray(model.intercept_, dtype=np.float32)
        if len(present) == 2 and coef.shape[0] == 1:  # binary models keep one row
            coef = np.vstack([-coef / 2, coef / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2], dtype=np.float32)
        W = np.zeros((n_classes, dim), dtype=np.float32)
        self.b_ = np.full(n_classes, MISSING, dtype=np.float32)
        W[present] = coef
        self.b_[present] = intercept
        # Stored as (features, intents), contiguous: ``X @ W_`` then needs no copy per call
        # (a transposed view made scipy copy 12 MB for every single utterance).
        self.W_ = np.ascontiguousarray(W.T)

    def scores(self, X: Any) -> np.ndarray:
        """Return a ``(n, n_classes)`` float array of scores."""
        if not hasattr(self, "W_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted.")
        out: np.ndarray = np.asarray(X @ self.W_, dtype=np.float32) + self.b_
        return out


class LexicalHead(_LinearHead):
    """A linear SVM over TF-IDF n-grams (fast to train, strong on words and Chinese)."""

    def __init__(self, c: float = 1.0) -> None:
        self.c = c

    def fit(self, X: Any, y: np.ndarray, n_classes: int) -> LexicalHead:
        """Fit on sparse features ``X`` and class indices ``y``."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = LinearSVC(C=self.c, max_iter=5_000).fit(X, y)
        self._store(model, y, n_classes, X.shape[1])
        return self


class EmbeddingHead(_LinearHead):
    """Multinomial logistic regression over sentence embeddings."""

    def __init__(self, c: float = 20.0) -> None:
        self.c = c

    def fit(self, X: np.ndarray, y: np.ndarray, n_classes: int) -> EmbeddingHead:
        """Fit on dense embeddings ``X`` and class indices ``y``."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = LogisticRegression(C=self.c, max_iter=1_000).fit(X, y)
        self._store(model, y, n_classes, X.shape[1])
        return self
