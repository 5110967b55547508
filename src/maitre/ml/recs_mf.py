"""Hybrid matrix factorisation on implicit feedback, trained with torch (LightFM-style towers).

A customer's vector is their id embedding plus the weighted sum of their side-feature
embeddings (segment, country, …); a product's likewise from its id and product features, plus
a bias. Because features carry part of each vector, a customer or product the model has never
seen still gets a vector from its features alone: the cold-start path the CRM needs.

Two losses: ``"wmf"`` is implicit ALS's weighted squared loss over every (user, item) cell,
computed exactly with the Gramian trick; ``"bpr"`` ranks each observed item above sampled ones
(with ``negatives > 1`` only the hardest sample counts, as in WARP).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal, Self

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

from maitre.ml.recs_base import BaseRecommender, FloatArray, IntArray


class _Bag:
    """EmbeddingBag inputs for a batch of CSR rows."""

    def __init__(self, matrix: sp.csr_matrix, rows: IntArray) -> None:
        starts = matrix.indptr[rows]
        lengths = matrix.indptr[rows + 1] - starts
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
        flat = np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))
        self.indices = torch.from_numpy(matrix.indices[flat].astype(np.int64))
        self.offsets = torch.from_numpy(offsets)
        self.weights = torch.from_numpy(matrix.data[flat].astype(np.float32))


class _Tower(nn.Module):
    """One side's vectors: id embeddings plus a bag of weighted side-feature embeddings."""

    def __init__(self, n_ids: int, features: sp.csr_matrix | None, dim: int, *, use_ids: bool):
        super().__init__()
        self.dim = dim
        self.n_ids = n_ids
        self.feature_matrix = features
        self.ids = nn.Embedding(n_ids, dim) if use_ids or features is None else None
        self.features = (
            nn.EmbeddingBag(features.shape[1], dim, mode="sum") if features is not None else None
        )
        for table in (self.ids, self.features):
            if table is not None:
                nn.init.normal_(table.weight, std=0.1 / np.sqrt(dim))

    def forward(self, rows: IntArray, *, id_dropout: float = 0.0) -> torch.Tensor:
        out = torch.zeros(len(rows), self.dim)
        if self.ids is not None:
            ids = self.ids(torch.from_numpy(rows))
            if id_dropout > 0.0 and self.features is not None:
                # Hide some ids so the features must carry the signal alone (cold start).
                ids = ids * (torch.rand(len(rows), 1) >= id_dropout)
            out = out + ids
        if self.features is not None and self.feature_matrix is not None:
            bag = _Bag(self.feature_matrix, rows)
            out = out + self.features(bag.indices, bag.offsets, per_sample_weights=bag.weights)
        return out

    def penalty(self, rows: IntArray) -> torch.Tensor:
        """Squared norm of the parameters behind ``rows`` (feature tables pro rata)."""
        total = torch.zeros(())
        if self.ids is not None:
            total = total + self.ids(torch.from_numpy(rows)).pow(2).sum()
        if self.features is not None:
            total = total + self.features.weight.pow(2).sum() * len(rows) / self.n_ids
        return total


@contextmanager
def _torch_threads(n: int | None) -> Iterator[None]:
    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class HybridMFRecommender(BaseRecommender):
    """Factorisation with id and side-feature embeddings on implicit feedback; CPU torch."""

    def __init__(
        self,
        *,
        factors: int = 32,
        epochs: int = 50,
        learning_rate: float = 0.01,
        l2: float = 20.0,
        alpha: float = 3.0,
        loss: Literal["wmf", "bpr"] = "wmf",
        negatives: int = 4,
        steps_per_epoch: int = 50,
        use_ids: bool = True,
        id_dropout: float = 0.25,
        random_state: int = 42,
        threads: int | None = None,
    ) -> None:
        self.factors = factors
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.l2 = l2
        self.alpha = alpha
        self.loss = loss
        self.negatives = negatives
        self.steps_per_epoch = steps_per_epoch
        self.use_ids = use_ids
        self.id_dropout = id_dropout
        self.random_state = random_state
        self.threads = threads

    def fit(
        self,
        X: sp.csr_matrix,
        *,
        user_features: sp.csr_matrix | None = None,
        item_features: sp.csr_matrix | None = None,
    ) -> Self:
        """Train the towers; ``user_features``/``item_features`` rows align with ``X``."""
        self.X_ = sp.csr_matrix(X, dtype=np.float32)
        n_users, n_items = self.X_.shape
        uf = _aligned(user_features, n_users)
        itf = _aligned(item_features, n_items)
        with _torch_threads(self.threads):
            torch.manual_seed(self.random_state)
            users = _Tower(n_users, uf, self.factors, use_ids=self.use_ids)
            items = _Tower(n_items, itf, self.factors, use_ids=True)
            bias = nn.Parameter(torch.zeros(n_items))
            params = [*users.parameters(), *items.parameters(), bias]
            optimiser = torch.optim.Adam(params, lr=self.learning_rate)
            train = self._train_wmf if self.loss == "wmf" else self._train_bpr
            train(users, items, bias, optimiser)
            with torch.no_grad():
                self.user_vectors_ = users(np.arange(n_users)).numpy()
                self.item_vectors_ = items(np.arange(n_items)).numpy()
                self.item_bias_ = bias.detach().numpy().copy()
                self.user_feature_vectors_ = (
                    users.features.weight.detach().numpy().copy() if users.features else None
                )
        return self

    def _train_wmf(
        self, users: _Tower, items: _Tower, bias: nn.Parameter, optimiser: torch.optim.Optimizer
    ) -> None:
        """Weighted squared loss: observed cells target 1 with weight 1 + alpha, others 0.

        ``Σ_i s_ui² = u'ᵀ(V'ᵀV')u'`` with ``u' = [u, 1]``, ``v' = [v, b]``, so a step costs
        O((batch + items)·f²) and never builds the dense users × items matrix.
        """
        n_users, n_items = self.X_.shape
        rng = np.random.default_rng(self.random_state)
        all_items = np.arange(n_items)
        batch_size = max(128, -(-n_users // self.steps_per_epoch))
        for _ in range(self.epochs):
            order = rng.permutation(n_users)
            for start in range(0, n_users, batch_size):
                batch = order[start : start + batch_size]
                uvec = users(batch, id_dropout=self.id_dropout)
                U = torch.cat([uvec, torch.ones(len(batch), 1)], dim=1)
                ivec = items(all_items, id_dropout=self.id_dropout)
                V = torch.cat([ivec, bias.unsqueeze(1)], dim=1)
                dense = ((U @ (V.T @ V)) * U).sum()
                cells = self.X_[batch].tocoo()
                s = (U[torch.from_numpy(cells.row)] * V[torch.from_numpy(cells.col)]).sum(1)
                observed = ((1.0 + self.alpha) * (s - 1.0).pow(2) - s.pow(2)).sum()
                share = len(batch) / n_users
                reg = users.penalty(batch) + items.penalty(all_items) * share
                loss = (dense + observed + self.l2 * reg) / len(batch)
                optimiser.zero_grad()
                torch.autograd.backward(loss)
                optimiser.step()

    def _train_bpr(
        self, users: _Tower, items: _Tower, bias: nn.Parameter, optimiser: torch.optim.Optimizer
    ) -> None:
        """Pairwise ranking loss against the hardest of ``negatives`` uniform samples."""
        coo = self.X_.tocoo()
        pos_u, pos_i = coo.row.astype(np.int64), coo.col.astype(np.int64)
        n_items = self.X_.shape[1]
        rng = np.random.default_rng(self.random_state)
        n_neg = max(1, self.negatives)
        batch_size = max(256, -(-len(pos_u) // self.steps_per_epoch))
        for _ in range(self.epochs):
            order = rng.permutation(len(pos_u))
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                u, i = pos_u[idx], pos_i[idx]
                j = rng.integers(0, n_items, size=len(idx) * n_neg)
                uvec = users(u, id_dropout=self.id_dropout)
                ivec = items(i, id_dropout=self.id_dropout)
                jvec = items(j, id_dropout=self.id_dropout).view(len(idx), n_neg, -1)
                pos = (uvec * ivec).sum(1) + bias[torch.from_numpy(i)]
                neg = (uvec.unsqueeze(1) * jvec).sum(2) + bias[torch.from_numpy(j)].view(
                    len(idx), n_neg
                )
                hardest = neg.max(dim=1).values
                reg = users.penalty(u) + items.penalty(i) + items.penalty(j) / n_neg
                loss = nn.functional.softplus(hardest - pos).mean() + self.l2 * reg / len(idx)
                optimiser.zero_grad()
                torch.autograd.backward(loss)
                optimiser.step()

    def score_history(self, history: sp.csr_matrix, *, users: IntArray | None = None) -> FloatArray:
        """Score items for known users; unknown ones (-1) are folded in from their history."""
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
        users = np.full(n, -1, dtype=np.int64) if users is None else users
        vectors = np.zeros((n, self.factors), dtype=np.float32)
        known = users >= 0
        vectors[known] = self.user_vectors_[users[known]]
        unknown = np.flatnonzero(~known)
        if len(unknown):
            features = user_features[unknown] if user_features is not None else None
            vectors[unknown] = self.cold_user_vectors(history[unknown], features)
        return np.asarray(vectors @ self.item_vectors_.T + self.item_bias_, dtype=np.float32)

    def cold_user_vectors(
        self, history: sp.csr_matrix, user_features: sp.csr_matrix | None = None
    ) -> FloatArray:
        """Vectors for unseen users: their side features plus a ridge fold-in of any history."""
        self._check_fitted()
        out = np.zeros((history.shape[0], self.factors), dtype=np.float32)
        if user_features is not None and self.user_feature_vectors_ is not None:
            out += np.asarray(user_features @ self.user_feature_vectors_, dtype=np.float32)
        has_history = np.diff(history.indptr) > 0
        if has_history.any():
            # One ALS user step with the learned item vectors, the same objective as training.
            V = self.item_vectors_.astype(np.float64)
            b = self.item_bias_.astype(np.float64)
            rows = history[has_history]
            for k, row in zip(np.flatnonzero(has_history), range(rows.shape[0]), strict=True):
                seen = rows.indices[rows.indptr[row] : rows.indptr[row + 1]]
                Vs = V[seen]
                a = V.T @ V + self.alpha * (Vs.T @ Vs) + self.l2 * np.eye(self.factors)
                rhs = (1.0 + self.alpha) * Vs.sum(0) - V.T @ b - self.alpha * Vs.T @ b[seen]
                out[k] += np.linalg.solve(a, rhs).astype(np.float32)
        return out


def _aligned(matrix: sp.csr_matrix | None, n_rows: int) -> sp.csr_matrix | None:
    if matrix is None or matrix.shape[1] == 0:
        return None
    if matrix.shape[0] != n_rows:
        raise ValueError(f"side features have {matrix.shape[0]} rows, expected {n_rows}")
    csr = sp.csr_matrix(matrix, dtype=np.float32)
    csr.sort_indices()
    return csr
