"""Interaction matrices for the recommenders: id encoding, side features and the per-user split.

Everything here builds inputs; nothing here learns. The estimators in ``recs.py`` and
``recs_baselines.py`` only ever see integer indices and sparse matrices, so the same model
trains on a file (``maitre recs evaluate``) or on CRM orders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from maitre.errors import ValidationFailed

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Interactions:
    """A binary users × items matrix and the original ids behind its rows and columns."""

    matrix: sp.csr_matrix
    user_ids: npt.NDArray[Any]
    item_ids: npt.NDArray[Any]

    @property
    def n_users(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def n_items(self) -> int:
        return int(self.matrix.shape[1])

    @property
    def nnz(self) -> int:
        return int(self.matrix.nnz)


def binary_csr(rows: IntArray, cols: IntArray, shape: tuple[int, int]) -> sp.csr_matrix:
    """Build a 0/1 float32 CSR matrix from (row, col) pairs; duplicate pairs count once."""
    data = np.ones(len(rows), dtype=np.float32)
    matrix = sp.csr_matrix((data, (rows, cols)), shape=shape, dtype=np.float32)
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    matrix.sort_indices()
    return matrix


def build_interactions(
    users: Sequence[Any] | npt.NDArray[Any], items: Sequence[Any] | npt.NDArray[Any]
) -> Interactions:
    """Encode (user, item) pairs as a binary matrix; repeated pairs collapse to one interaction."""
    if len(users) != len(items):
        raise ValidationFailed("users and items must have the same length")
    if len(users) == 0:
        raise ValidationFailed("no interactions to learn from")
    user_ids, user_idx = np.unique(np.asarray(users), return_inverse=True)
    item_ids, item_idx = np.unique(np.asarray(items), return_inverse=True)
    matrix = binary_csr(
        user_idx.astype(np.int64), item_idx.astype(np.int64), (len(user_ids), len(item_ids))
    )
    return Interactions(matrix=matrix, user_ids=user_ids, item_ids=item_ids)


def split_per_user(
    matrix: sp.csr_matrix,
    *,
    test_fraction: float = 0.25,
    seed: int = 42,
    min_interactions: int = 2,
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Hold out a random ``test_fraction`` of each user's items; returns (train, test).

    A user with fewer than ``min_interactions`` items keeps them all in train (and so is not
    evaluated); every other user keeps at least one item on each side.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValidationFailed("test_fraction must be between 0 and 1")
    coo = matrix.tocoo()
    rows = coo.row.astype(np.int64)
    cols = coo.col.astype(np.int64)
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(len(rows)), rows))
    rows, cols = rows[order], cols[order]
    counts = np.bincount(rows, minlength=matrix.shape[0])
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.arange(len(rows)) - starts[rows]
    n_test = np.floor(counts * test_fraction + 0.5).astype(np.int64)
    n_test = np.clip(n_test, 1, np.maximum(counts - 1, 1))
    n_test[counts < max(min_interactions, 2)] = 0
    is_test = rank < n_test[rows]
    shape = (int(matrix.shape[0]), int(matrix.shape[1]))
    train = binary_csr(rows[~is_test], cols[~is_test], shape)
    test = binary_csr(rows[is_test], cols[is_test], shape)
    return train, test


class SideFeatureEncoder:
    """One-hot encode per-entity attributes (customer or product side features).

    Text values become ``column=value`` tokens; a column whose values are all numbers is cut
    into quantile bins learned in ``fit``. Rows are scaled to sum to one, so an entity with many
    attributes does not get a larger vector than one with few; unknown tokens are ignored.
    """

    def __init__(self, *, numeric_bins: int = 4) -> None:
        self.numeric_bins = numeric_bins

    def fit(self, records: Sequence[Mapping[str, Any]]) -> SideFeatureEncoder:
        """Learn the token vocabulary and numeric bin edges from ``records``."""
        columns = sorted({key for record in records for key in record})
        edges: dict[str, npt.NDArray[np.float64]] = {}
        for column in columns:
            values = [r[column] for r in records if r.get(column) is not None]
            if values and all(_is_number(v) for v in values):
                quantiles = np.linspace(0, 1, self.numeric_bins + 1)[1:-1]
                edges[column] = np.unique(np.quantile(np.asarray(values, dtype=float), quantiles))
        self.bin_edges_ = edges
        vocabulary: dict[str, int] = {}
        for record in records:
            for token in self._tokens(record):
                vocabulary.setdefault(token, len(vocabulary))
        self.vocabulary_ = vocabulary
        return self

    def transform(self, records: Sequence[Mapping[str, Any]]) -> sp.csr_matrix:
        """Encode ``records`` (one row each) with the fitted vocabulary."""
        if not hasattr(self, "vocabulary_"):
            raise ValidationFailed("SideFeatureEncoder is not fitted")
        rows: list[int] = []
        cols: list[int] = []
        for row, record in enumerate(records):
            for token in self._tokens(record):
                col = self.vocabulary_.get(token)
                if col is not None:
                    rows.append(row)
                    cols.append(col)
        shape = (len(records), len(self.vocabulary_))
        matrix = binary_csr(np.asarray(rows, np.int64), np.asarray(cols, np.int64), shape)
        return normalize_rows(matrix)

    def fit_transform(self, records: Sequence[Mapping[str, Any]]) -> sp.csr_matrix:
        """Fit on ``records`` and encode them."""
        return self.fit(records).transform(records)

    @property
    def feature_names_(self) -> list[str]:
        return list(self.vocabulary_)

    def _tokens(self, record: Mapping[str, Any]) -> list[str]:
        tokens = []
        for column, value in sorted(record.items()):
            if value is None:
                continue
            edges = getattr(self, "bin_edges_", {}).get(column)
            if edges is not None and _is_number(value):
                tokens.append(f"{column}#bin{int(np.searchsorted(edges, float(value)))}")
            else:
                tokens.append(f"{column}={value}")
        return tokens


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def normalize_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Scale each non-empty row of a non-negative matrix to sum to one."""
    sums = np.asarray(matrix.sum(axis=1)).ravel()
    scale = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)
    return sp.csr_matrix(sp.diags(scale.astype(np.float32)) @ matrix, dtype=np.float32)
