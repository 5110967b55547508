"""Top-k ranking metrics for recommendations: precision, recall, NDCG, MAP and coverage.

Conventions (those of Microsoft Recommenders): a user counts only if they have at least one
held-out item; precision divides by ``k`` even when fewer items were recommended; NDCG uses
binary gains with the ideal ranking of ``min(k, relevant)`` hits; MAP@k divides each user's
sum of precisions at the hit positions by ``min(k, relevant)``; coverage is the share of the
catalogue that appears in at least one user's top-k list.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

METRIC_NAMES = ("precision_at_10", "recall_at_10", "ndcg_at_10", "map_at_10", "coverage")


def hits_from_sparse(
    recommended: npt.NDArray[np.int64], relevant: sp.csr_matrix
) -> npt.NDArray[np.bool_]:
    """Mark which recommended items (rows aligned with ``relevant``, -1 = none) are relevant."""
    n, k = recommended.shape
    if n == 0:
        return np.zeros((0, k), dtype=bool)
    rows = np.repeat(np.arange(n), k)
    cols = recommended.ravel()
    valid = cols >= 0
    hits = np.zeros(n * k, dtype=bool)
    hits[valid] = np.asarray(relevant[rows[valid], cols[valid]]).ravel() > 0
    return hits.reshape(n, k)


def ranking_metrics(
    hits: npt.NDArray[np.bool_], n_relevant: npt.NDArray[np.int64], k: int
) -> dict[str, float]:
    """Average precision/recall/NDCG/MAP at ``k`` over users with at least one relevant item."""
    hits = hits[:, :k].astype(np.float64)
    if hits.shape[1] < k:
        hits = np.pad(hits, ((0, 0), (0, k - hits.shape[1])))
    keep = n_relevant > 0
    hits, n_rel = hits[keep], n_relevant[keep].astype(np.float64)
    if len(n_rel) == 0:
        return {"precision": 0.0, "recall": 0.0, "ndcg": 0.0, "map": 0.0}
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = hits @ discounts
    ideal_len = np.minimum(n_rel, k).astype(np.int64)
    idcg = np.cumsum(discounts)[ideal_len - 1]
    precision_at_i = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    average_precision = (precision_at_i * hits).sum(axis=1) / np.minimum(n_rel, k)
    n_hits = hits.sum(axis=1)
    return {
        "precision": float(np.mean(n_hits / k)),
        "recall": float(np.mean(n_hits / n_rel)),
        "ndcg": float(np.mean(dcg / idcg)),
        "map": float(np.mean(average_precision)),
    }


def catalog_coverage(recommended: npt.NDArray[np.int64], n_items: int) -> float:
    """Share of the ``n_items`` catalogue recommended to at least one user."""
    if n_items == 0:
        return 0.0
    distinct = np.unique(recommended[recommended >= 0])
    return float(len(distinct) / n_items)


def evaluate_topk(
    recommended: npt.NDArray[np.int64], test: sp.csr_matrix, *, k: int = 10, n_items: int
) -> dict[str, float]:
    """Compute the report's metric set for recommendations aligned with the rows of ``test``."""
    hits = hits_from_sparse(recommended[:, :k], test)
    n_relevant = np.diff(test.indptr).astype(np.int64)
    scores = ranking_metrics(hits, n_relevant, k)
    return {
        f"precision_at_{k}": scores["precision"],
        f"recall_at_{k}": scores["recall"],
        f"ndcg_at_{k}": scores["ndcg"],
        f"map_at_{k}": scores["map"],
        "coverage": catalog_coverage(recommended[:, :k], n_items),
    }


def metrics_for_lists(
    recommended: Sequence[Sequence[int]], relevant: Sequence[Collection[int]], k: int
) -> dict[str, float]:
    """Compute precision/recall/NDCG/MAP at ``k`` from plain Python lists (one per user)."""
    hits = np.zeros((len(recommended), k), dtype=bool)
    for row, (recs, rel) in enumerate(zip(recommended, relevant, strict=True)):
        for col, item in enumerate(list(recs)[:k]):
            hits[row, col] = item in rel
    n_relevant = np.asarray([len(rel) for rel in relevant], dtype=np.int64)
    return ranking_metrics(hits, n_relevant, k)
