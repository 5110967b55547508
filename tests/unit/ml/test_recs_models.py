"""Recommenders on synthetic data with a planted pattern: they must find it."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from maitre.ml.recs import EASERecommender, HybridMFRecommender, MaitreRecommender
from maitre.ml.recs_base import BaseRecommender
from maitre.ml.recs_baselines import ALSRecommender, ItemKNNRecommender, PopularityRecommender
from maitre.ml.recs_data import SideFeatureEncoder, split_per_user
from maitre.ml.recs_metrics import evaluate_topk

N_CLUSTERS = 3
CLUSTER_SIZE = 15
N_POPULAR = 15
N_ITEMS = N_CLUSTERS * CLUSTER_SIZE + N_POPULAR


def planted(n_users: int = 240, seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray]:
    """Users of cluster c co-prefer items of block c; a popular block tempts everyone a bit."""
    rng = np.random.default_rng(seed)
    clusters = rng.integers(0, N_CLUSTERS, size=n_users)
    probs = np.full((n_users, N_ITEMS), 0.02)
    for user, cluster in enumerate(clusters):
        probs[user, cluster * CLUSTER_SIZE : (cluster + 1) * CLUSTER_SIZE] = 0.6
    probs[:, N_CLUSTERS * CLUSTER_SIZE :] = 0.35
    dense = (rng.random(probs.shape) < probs).astype(np.float32)
    return sp.csr_matrix(dense), clusters


def _ndcg(model: BaseRecommender, train: sp.csr_matrix, test: sp.csr_matrix) -> float:
    users = np.flatnonzero(np.diff(test.indptr) > 0)
    recs = model.fit(train).recommend(users, k=10)
    return evaluate_topk(recs, test[users], k=10, n_items=train.shape[1])["ndcg_at_10"]


@pytest.fixture(scope="module")
def split() -> tuple[sp.csr_matrix, sp.csr_matrix]:
    matrix, _ = planted()
    return split_per_user(matrix, seed=1)


def small_maitre(**overrides: float) -> MaitreRecommender:
    params = {"ease_l2": 20.0, "factors": 8, "mf_l2": 5.0, "mf_epochs": 30, "blend": 0.5}
    params.update(overrides)
    return MaitreRecommender(**params)  # type: ignore[arg-type]


def test_maitre_recovers_the_planted_co_preference(
    split: tuple[sp.csr_matrix, sp.csr_matrix],
) -> None:
    train, test = split
    popularity = _ndcg(PopularityRecommender(), train, test)
    maitre = _ndcg(small_maitre(), train, test)
    assert maitre > 1.3 * popularity
    _matrix, clusters = planted()
    model = small_maitre().fit(train)
    top5 = model.recommend(np.arange(train.shape[0]), k=5)
    in_block = (top5 // CLUSTER_SIZE) == clusters[:, None]
    assert in_block.mean() > 0.6


def test_three_member_blend_recovers_the_planted_co_preference(
    split: tuple[sp.csr_matrix, sp.csr_matrix],
) -> None:
    train, test = split
    model = small_maitre(als_share=0.5, als_factors=8, als_l2=1.0, blend=0.4)
    assert _ndcg(model, train, test) > 1.3 * _ndcg(PopularityRecommender(), train, test)
    assert model.ease_ is not None and model.als_ is not None and model.mf_ is not None
    assert model.weights() == pytest.approx({"ease": 0.4, "als": 0.3, "mf": 0.3})
    _matrix, clusters = planted()
    top5 = model.recommend(np.arange(train.shape[0]), k=5)
    assert ((top5 // CLUSTER_SIZE) == clusters[:, None]).mean() > 0.6


def test_blend_fits_only_the_members_it_weights(split: tuple[sp.csr_matrix, sp.csr_matrix]) -> None:
    train, _ = split
    ease_mf = small_maitre(als_share=0.0).fit(train)
    assert ease_mf.als_ is None and ease_mf.ease_ is not None and ease_mf.mf_ is not None
    ease_als = small_maitre(als_share=1.0, als_factors=8).fit(train)
    assert ease_als.mf_ is None and ease_als.als_ is not None
    with pytest.raises(ValueError, match="als_share"):
        small_maitre(als_share=1.5).fit(train)


def test_blend_assembled_from_components_scores_like_a_fitted_one(
    split: tuple[sp.csr_matrix, sp.csr_matrix],
) -> None:
    train, _ = split
    fitted = small_maitre(als_share=0.5, als_factors=8, als_l2=1.0).fit(train)
    assert fitted.ease_ is not None and fitted.mf_ is not None and fitted.als_ is not None
    assembled = MaitreRecommender.from_components(
        train, ease=fitted.ease_, mf=fitted.mf_, als=fitted.als_, blend=0.5, als_share=0.5
    )
    users = np.arange(20)
    np.testing.assert_allclose(
        assembled.score_history(train[users], users=users),
        fitted.score_history(train[users], users=users),
        rtol=1e-5,
        atol=1e-5,
    )
    assert assembled.als_factors == 8 and assembled.als_l2 == 1.0


def test_bundle_pickled_before_the_als_member_still_recommends(
    split: tuple[sp.csr_matrix, sp.csr_matrix],
) -> None:
    train, _ = split
    model = small_maitre().fit(train)
    expected = model.recommend(np.arange(10), k=5)
    del model.als_, model.als_share  # what an older saved bundle lacks
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.recommend(np.arange(10), k=5), expected)


@pytest.mark.parametrize(
    "model",
    [
        EASERecommender(l2=20.0),
        HybridMFRecommender(factors=8, l2=5.0, epochs=30),
        HybridMFRecommender(factors=8, l2=1e-3, loss="bpr", epochs=30, learning_rate=0.05),
        ALSRecommender(factors=8, regularization=1.0, iterations=10),
        ItemKNNRecommender(neighbours=20),
    ],
    ids=["ease", "mf-wmf", "mf-bpr", "als", "item-knn"],
)
def test_every_model_beats_popularity_on_the_planted_pattern(
    model: BaseRecommender, split: tuple[sp.csr_matrix, sp.csr_matrix]
) -> None:
    train, test = split
    assert _ndcg(model, train, test) > 1.15 * _ndcg(PopularityRecommender(), train, test)


def test_recommendations_exclude_training_items(split: tuple[sp.csr_matrix, sp.csr_matrix]) -> None:
    train, _ = split
    model = small_maitre().fit(train)
    users = np.arange(train.shape[0])
    recs = model.recommend(users, k=10)
    for user, row in zip(users, recs, strict=True):
        assert not set(row[row >= 0]) & set(train[user].indices)
    assert len(set(recs[0])) == 10


def test_unfitted_models_refuse_to_predict() -> None:
    for model in (small_maitre(), EASERecommender(), PopularityRecommender()):
        with pytest.raises(NotFittedError):
            model.recommend(np.array([0]))


def test_ease_caps_items_and_still_ranks_every_item() -> None:
    matrix, _ = planted(n_users=120)
    model = EASERecommender(l2=10.0, max_items=20).fit(matrix)
    assert model.B_.shape == (20, 20)
    recs = model.recommend(np.arange(5), k=N_ITEMS)
    eligible = N_ITEMS - np.diff(matrix[:5].indptr)
    assert ((recs >= 0).sum(axis=1) == eligible).all()


def test_cold_start_user_with_features_gets_their_segment() -> None:
    matrix, clusters = planted(n_users=300, seed=3)
    rng = np.random.default_rng(99)  # countries independent of the clusters
    records = [
        {"segment": f"s{c}", "country": str(rng.choice(["fr", "de", "cn"]))} for c in clusters
    ]
    encoder = SideFeatureEncoder().fit(records)
    features = encoder.transform(records)
    mf = HybridMFRecommender(factors=8, l2=5.0, epochs=60).fit(matrix, user_features=features)
    newcomer = encoder.transform([{"segment": "s1", "country": "fr"}])
    empty = sp.csr_matrix((1, N_ITEMS), dtype=np.float32)
    recs = mf.recommend_history(empty, k=10, user_features=newcomer)[0]
    block = set(range(CLUSTER_SIZE, 2 * CLUSTER_SIZE))
    assert len(block & set(recs)) >= 6
    blend = small_maitre().fit(matrix, user_features=features)
    recs = blend.recommend_history(empty, k=10, user_features=newcomer)[0]
    assert len(block & set(recs)) >= 6
    # no history and no features: the popular block
    recs = blend.recommend_history(empty, k=10)[0]
    popular = set(range(N_CLUSTERS * CLUSTER_SIZE, N_ITEMS))
    assert len(popular & set(recs)) >= 8


def test_new_user_with_a_short_history_gets_their_cluster() -> None:
    matrix, _ = planted(n_users=240, seed=5)
    model = small_maitre().fit(matrix)
    history = sp.csr_matrix(
        (np.ones(4, dtype=np.float32), ([0, 0, 0, 0], [30, 31, 32, 33])), shape=(1, N_ITEMS)
    )
    recs = model.recommend_history(history, k=5)[0]
    assert set(recs) <= set(range(34, 45)) | set(range(45, N_ITEMS))
    assert len(set(recs) & set(range(34, 45))) >= 3
    reasons = model.reasons(np.array([30, 31, 32, 33, 50]), int(recs[0]), k=2)
    assert reasons and set(reasons) <= {30, 31, 32, 33}


def test_item_to_item_neighbours_stay_in_block() -> None:
    matrix, _ = planted(n_users=240, seed=6)
    knn = ItemKNNRecommender(neighbours=10).fit(matrix)
    neighbours = knn.similar_items(2, k=5)
    assert set(neighbours.tolist()) <= set(range(CLUSTER_SIZE))


def test_als_folds_in_unseen_users() -> None:
    matrix, _ = planted(n_users=240, seed=7)
    als = ALSRecommender(factors=8, regularization=1.0, iterations=10).fit(matrix)
    history = sp.csr_matrix(
        (np.ones(5, dtype=np.float32), ([0] * 5, [0, 1, 2, 3, 4])), shape=(1, N_ITEMS)
    )
    recs = als.recommend_history(history, k=5)[0]
    assert len(set(recs) & set(range(5, CLUSTER_SIZE))) >= 3
