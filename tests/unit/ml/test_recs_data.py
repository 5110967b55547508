"""Interaction encoding, the per-user split and side features."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from maitre.errors import ValidationFailed
from maitre.ml.recs_base import top_k
from maitre.ml.recs_data import SideFeatureEncoder, build_interactions, split_per_user


def test_string_ids_are_encoded_and_duplicates_collapse() -> None:
    data = build_interactions(["ann", "bob", "ann", "ann"], ["tea", "tea", "cake", "tea"])
    assert data.user_ids.tolist() == ["ann", "bob"]
    assert data.item_ids.tolist() == ["cake", "tea"]
    assert data.nnz == 3
    assert data.matrix.toarray().tolist() == [[1.0, 1.0], [0.0, 1.0]]


def test_no_interactions_is_a_validation_error() -> None:
    with pytest.raises(ValidationFailed):
        build_interactions([], [])


def test_split_is_per_user_disjoint_and_reproducible() -> None:
    rng = np.random.default_rng(0)
    dense = (rng.random((50, 40)) < 0.3).astype(np.float32)
    dense[0] = 0
    dense[0, 3] = 1  # a user with a single item stays in train only
    matrix = sp.csr_matrix(dense)
    train, test = split_per_user(matrix, seed=7)
    assert (train.multiply(test)).nnz == 0
    assert ((train + test) != matrix).nnz == 0
    assert test[0].nnz == 0 and train[0].nnz == 1
    counts = np.diff(matrix.indptr)
    for user in np.flatnonzero(counts >= 2):
        n_test = test[user].nnz
        assert 1 <= n_test <= counts[user] - 1
        assert n_test == int(np.floor(counts[user] * 0.25 + 0.5)) or counts[user] < 4
    _again_train, again_test = split_per_user(matrix, seed=7)
    assert (again_test != test).nnz == 0
    _, other_test = split_per_user(matrix, seed=8)
    assert (other_test != test).nnz > 0


def test_side_feature_encoder_one_hot_bins_and_unknown_tokens() -> None:
    records = [
        {"segment": "vip", "age": 20},
        {"segment": "new", "age": 40},
        {"segment": "vip", "age": 60},
        {},
    ]
    encoder = SideFeatureEncoder(numeric_bins=2).fit(records)
    matrix = encoder.transform(records)
    assert matrix.shape == (4, len(encoder.feature_names_))
    assert "segment=vip" in encoder.feature_names_
    assert any(name.startswith("age#bin") for name in encoder.feature_names_)
    np.testing.assert_allclose(np.asarray(matrix.sum(axis=1)).ravel(), [1, 1, 1, 0])
    unseen = encoder.transform([{"segment": "unknown-segment"}])
    assert unseen.nnz == 0


def test_top_k_excludes_and_pads() -> None:
    scores = np.array([[0.1, 0.9, 0.5], [0.3, 0.2, 0.1]], dtype=np.float32)
    exclude = sp.csr_matrix(np.array([[0, 1, 0], [1, 1, 1]], dtype=np.float32))
    out = top_k(scores, 3, exclude=exclude)
    assert out.tolist() == [[2, 0, -1], [-1, -1, -1]]
    assert top_k(scores, 2).tolist() == [[1, 2], [0, 1]]
