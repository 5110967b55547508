"""Ranking metrics against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from maitre.ml.recs_metrics import (
    catalog_coverage,
    evaluate_topk,
    hits_from_sparse,
    metrics_for_lists,
)


def test_single_user_metrics_match_hand_computation() -> None:
    # recommended [1, 2, 3], relevant {2, 5}: one hit at rank 2
    m = metrics_for_lists([[1, 2, 3]], [{2, 5}], k=3)
    assert m["precision"] == pytest.approx(1 / 3)
    assert m["recall"] == pytest.approx(1 / 2)
    dcg = 1 / math.log2(3)
    idcg = 1 + 1 / math.log2(3)
    assert m["ndcg"] == pytest.approx(dcg / idcg)
    # AP@3: precision 1/2 at the hit, divided by min(3, 2) relevant
    assert m["map"] == pytest.approx(0.25)


def test_metrics_average_over_users_and_skip_users_without_relevant_items() -> None:
    recommended = [[4, 5], [7, 8], [1, 2]]
    relevant: list[set[int]] = [{4, 5}, {8}, set()]
    m = metrics_for_lists(recommended, relevant, k=2)
    assert m["precision"] == pytest.approx((1.0 + 0.5) / 2)
    assert m["recall"] == pytest.approx((1.0 + 1.0) / 2)
    ndcg_second = (1 / math.log2(3)) / 1.0
    assert m["ndcg"] == pytest.approx((1.0 + ndcg_second) / 2)
    # user 1: (1/1 + 2/2) / 2 = 1; user 2: (1/2) / 1 = 0.5
    assert m["map"] == pytest.approx(0.75)


def test_perfect_and_empty_rankings() -> None:
    assert metrics_for_lists([[0, 1]], [{0, 1}], k=2) == pytest.approx(
        {"precision": 1.0, "recall": 1.0, "ndcg": 1.0, "map": 1.0}
    )
    assert metrics_for_lists([[2, 3]], [{0, 1}], k=2) == pytest.approx(
        {"precision": 0.0, "recall": 0.0, "ndcg": 0.0, "map": 0.0}
    )


def test_short_lists_still_divide_precision_by_k() -> None:
    m = metrics_for_lists([[3]], [{3}], k=10)
    assert m["precision"] == pytest.approx(0.1)
    assert m["recall"] == pytest.approx(1.0)
    assert m["ndcg"] == pytest.approx(1.0)


def test_sparse_evaluation_matches_lists_and_ignores_padding() -> None:
    recommended = np.array([[1, 2, -1], [0, 3, 2]])
    relevant = sp.csr_matrix(np.array([[0, 0, 1, 0, 1], [1, 0, 0, 0, 0]], dtype=np.float32))
    hits = hits_from_sparse(recommended, relevant)
    assert hits.tolist() == [[False, True, False], [True, False, False]]
    m = evaluate_topk(recommended, relevant, k=3, n_items=5)
    lists = metrics_for_lists([[1, 2], [0, 3, 2]], [{2, 4}, {0}], k=3)
    assert m["precision_at_3"] == pytest.approx(lists["precision"])
    assert m["ndcg_at_3"] == pytest.approx(lists["ndcg"])
    assert m["map_at_3"] == pytest.approx(lists["map"])
    assert m["coverage"] == pytest.approx(4 / 5)


def test_catalog_coverage_counts_distinct_items() -> None:
    assert catalog_coverage(np.array([[0, 1], [1, -1]]), 4) == pytest.approx(0.5)
    assert catalog_coverage(np.zeros((0, 2), dtype=np.int64), 0) == 0.0
