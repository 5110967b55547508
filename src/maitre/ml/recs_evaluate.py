"""Offline evaluation of the recommenders on an interaction log (``maitre recs evaluate``).

Protocol: optional rating filter, duplicate (user, item) pairs collapsed, a per-user random
75/25 split with a fixed seed, hyperparameters picked on a validation slice carved from the
training part only, then every model refitted on the whole training part and scored on the
test part with each user's training items excluded from their recommendations.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from maitre.errors import ValidationFailed
from maitre.ml.recs import MaitreRecommender
from maitre.ml.recs_base import BaseRecommender
from maitre.ml.recs_baselines import ALSRecommender, PopularityRecommender
from maitre.ml.recs_data import build_interactions, split_per_user
from maitre.ml.recs_metrics import evaluate_topk
from maitre.ml.recs_tuning import (
    Tuned,
    popularity_validation,
    tune_als,
    tune_maitre,
    validation_slice,
)

Progress = Callable[[str], None]


def evaluate_recommenders(
    users: Sequence[Any] | npt.NDArray[Any],
    items: Sequence[Any] | npt.NDArray[Any],
    *,
    ratings: npt.NDArray[np.float64] | None = None,
    min_rating: float | None = None,
    seed: int = 42,
    k: int = 10,
    test_fraction: float = 0.25,
    max_tuning_users: int = 20000,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Split, tune, fit and score Maitre's recommender, tuned ALS and popularity."""
    say = progress or (lambda _message: None)
    users_arr, items_arr = np.asarray(users), np.asarray(items)
    n_rows = len(users_arr)
    if min_rating is not None:
        if ratings is None:
            raise ValidationFailed("--min-rating needs a rating column (--rating-col)")
        keep = np.asarray(ratings, dtype=float) >= min_rating
        users_arr, items_arr = users_arr[keep], items_arr[keep]
        if not keep.any():
            raise ValidationFailed(f"no interaction has a rating of at least {min_rating:g}")
    data = build_interactions(users_arr, items_arr)
    train, test = split_per_user(data.matrix, test_fraction=test_fraction, seed=seed)
    eval_users = np.flatnonzero(np.diff(test.indptr) > 0)
    if len(eval_users) == 0:
        raise ValidationFailed(
            "no user has two or more distinct items, so no user can be evaluated"
        )
    say(f"{data.nnz} interactions, {data.n_users} users, {data.n_items} items")

    started = time.perf_counter()
    tuning = validation_slice(train, seed=seed + 1, max_users=max_tuning_users)
    if len(tuning.users) == 0:
        als_tuned = Tuned(params={}, score=float("nan"))
        maitre_tuned = Tuned(params={}, score=float("nan"))
    else:
        say(f"tuning ALS on a validation slice of {len(tuning.users)} users")
        als_tuned = tune_als(tuning, seed=seed)
        say("tuning Maitre's recommender on the same slice")
        maitre_tuned = tune_maitre(tuning, seed=seed)
    tuning_seconds = time.perf_counter() - started

    models: dict[str, BaseRecommender] = {
        "maitre": MaitreRecommender(random_state=seed, **maitre_tuned.params),
        "als": ALSRecommender(random_state=seed, **als_tuned.params),
        "popularity": PopularityRecommender(),
    }
    results: dict[str, dict[str, float]] = {}
    fit_seconds: dict[str, float] = {}
    for name, model in models.items():
        say(f"fitting {name} on the training split")
        t0 = time.perf_counter()
        model.fit(train)
        fit_seconds[name] = round(time.perf_counter() - t0, 3)
        recs = model.recommend(eval_users, k=k)
        results[name] = {
            key: round(value, 5)
            for key, value in evaluate_topk(
                recs, test[eval_users], k=k, n_items=data.n_items
            ).items()
        }

    maitre = results["maitre"]
    als_ndcg = results["als"][f"ndcg_at_{k}"]
    return {
        **maitre,
        "baselines": {"als": results["als"], "popularity": results["popularity"]},
        "ndcg_lift_over_als": round(maitre[f"ndcg_at_{k}"] / als_ndcg - 1.0, 5)
        if als_ndcg > 0
        else None,
        "model": {"name": "maitre (EASE^R + ALS + hybrid MF blend)", "params": maitre_tuned.params},
        "tuning": {
            "validation_users": len(tuning.users),
            "validation_seed": seed + 1,
            "seconds": round(tuning_seconds, 3),
            "maitre": {"ndcg_at_10": _r(maitre_tuned.score), "trials": maitre_tuned.trials},
            "als": {
                "ndcg_at_10": _r(als_tuned.score),
                "params": als_tuned.params,
                "trials": als_tuned.trials,
            },
            "popularity": {
                "ndcg_at_10": _r(popularity_validation(tuning)) if len(tuning.users) else None
            },
        },
        "data": {
            "rows": int(n_rows),
            "rows_used": len(users_arr),
            "min_rating": min_rating,
            "interactions": data.nnz,
            "duplicates_collapsed": int(len(users_arr) - data.nnz),
            "users": data.n_users,
            "items": data.n_items,
            "users_evaluated": len(eval_users),
            "users_too_few_interactions": int(data.n_users - len(eval_users)),
            "train_interactions": int(train.nnz),
            "test_interactions": int(test.nnz),
        },
        "users_evaluated": len(eval_users),
        "items": data.n_items,
        "train_interactions": int(train.nnz),
        "test_interactions": int(test.nnz),
        "k": k,
        "test_fraction": test_fraction,
        "seed": seed,
        "fit_seconds": fit_seconds,
        "cpu_count": os.cpu_count(),
    }


def _r(value: float) -> float | None:
    return None if np.isnan(value) else round(value, 5)
