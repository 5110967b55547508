"""Hyperparameter selection for the recommenders on a validation slice of the training data.

The slice is carved from the training interactions only (a second per-user split with its
own seed), so the test split never influences a choice. On large data the slice keeps a
random sample of at most ``max_users`` users, which bounds tuning time and memory.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from maitre.ml.recs import MaitreRecommender
from maitre.ml.recs_base import BaseRecommender, IntArray
from maitre.ml.recs_baselines import ALSRecommender, PopularityRecommender
from maitre.ml.recs_data import split_per_user
from maitre.ml.recs_ease import EASERecommender
from maitre.ml.recs_metrics import evaluate_topk
from maitre.ml.recs_mf import HybridMFRecommender

#: The baseline's grid. Its regularisation reaches past where validation peaks (30 with
#: alpha 4 on MovieLens-100k): a grid stopping at 10 left the baseline under-tuned and made
#: Maitre's lift over it look four points larger than over a properly tuned ALS.
ALS_GRID: Mapping[str, Sequence[Any]] = {
    "factors": (16, 32, 64, 128),
    "regularization": (0.01, 0.1, 1.0, 10.0, 30.0, 100.0),
    "alpha": (1.0, 4.0),
}
EASE_L2_GRID: Sequence[float] = (50.0, 100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0)
#: MF carries the smaller share of the blend next to ALS, so its grid stays small (it is the slow
#: member to fit)
MF_GRID: Mapping[str, Sequence[Any]] = {
    "factors": (16, 32),
    "l2": (10.0, 30.0),
    "alpha": (4.0,),
}
BLEND_GRID: Sequence[float] = (0.0, 0.2, 0.35, 0.5, 0.65, 0.8, 1.0)
#: Maitre's own ALS member (tuned for itself, independently of the baseline's ``ALS_GRID``)
ALS_MEMBER_GRID: Mapping[str, Sequence[Any]] = {
    "factors": (16, 32, 64),
    "regularization": (1.0, 10.0, 30.0),
    "alpha": (4.0,),
}
#: the ALS member's share of the factor models' weight (``1 - blend``); the rest goes to MF
ALS_SHARE_GRID: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class ValidationSlice:
    """Fit and validation matrices carved from training data, and the users to score."""

    fit: sp.csr_matrix
    valid: sp.csr_matrix
    users: IntArray


@dataclass
class Tuned:
    """The chosen hyperparameters, their validation NDCG and every trial."""

    params: dict[str, Any]
    score: float
    trials: list[dict[str, Any]] = field(default_factory=list)


def validation_slice(
    train: sp.csr_matrix, *, seed: int, max_users: int = 20000, test_fraction: float = 0.25
) -> ValidationSlice:
    """Split each (sampled) user's training items again into fit and validation parts."""
    matrix = sp.csr_matrix(train)
    active = np.flatnonzero(np.diff(matrix.indptr) > 0)
    if len(active) > max_users:
        rng = np.random.default_rng(seed)
        matrix = matrix[np.sort(rng.choice(active, size=max_users, replace=False))]
    fit, valid = split_per_user(matrix, test_fraction=test_fraction, seed=seed)
    users = np.flatnonzero(np.diff(valid.indptr) > 0).astype(np.int64)
    return ValidationSlice(fit=fit, valid=valid, users=users)


def validation_ndcg(model: BaseRecommender, data: ValidationSlice, *, k: int = 10) -> float:
    """NDCG@k of a model fitted on ``data.fit`` against ``data.valid``."""
    recs = model.recommend(data.users, k=k)
    metrics = evaluate_topk(recs, data.valid[data.users], k=k, n_items=data.fit.shape[1])
    return metrics[f"ndcg_at_{k}"]


def grid_search(
    make: Callable[..., BaseRecommender],
    grid: Mapping[str, Sequence[Any]],
    data: ValidationSlice,
    *,
    k: int = 10,
) -> tuple[Tuned, BaseRecommender]:
    """Fit one model per grid point; return the best (first on ties) and its fitted model."""
    best: tuple[float, dict[str, Any], BaseRecommender] | None = None
    trials: list[dict[str, Any]] = []
    for values in itertools.product(*grid.values()):
        params = dict(zip(grid.keys(), values, strict=True))
        started = time.perf_counter()
        model = make(**params).fit(data.fit)
        score = validation_ndcg(model, data, k=k)
        seconds = round(time.perf_counter() - started, 3)
        trials.append({**params, "ndcg": round(score, 5), "seconds": seconds})
        if best is None or score > best[0]:
            best = (score, params, model)
    assert best is not None, "empty grid"
    return Tuned(params=best[1], score=best[0], trials=trials), best[2]


def tune_als(
    data: ValidationSlice,
    *,
    seed: int,
    grid: Mapping[str, Sequence[Any]] | None = None,
    iterations: int = 15,
) -> Tuned:
    """Pick ALS factors, regularisation and alpha (``ALS_GRID``) by validation NDCG@10."""

    def make(**params: Any) -> ALSRecommender:
        return ALSRecommender(iterations=iterations, random_state=seed, **params)

    tuned, _ = grid_search(make, ALS_GRID if grid is None else grid, data)
    tuned.params["iterations"] = iterations
    return tuned


def tune_maitre(
    data: ValidationSlice,
    *,
    seed: int,
    ease_grid: Sequence[float] | None = None,
    mf_grid: Mapping[str, Sequence[Any]] | None = None,
    als_grid: Mapping[str, Sequence[Any]] | None = None,
    blend_grid: Sequence[float] | None = None,
    als_share_grid: Sequence[float] | None = None,
    ease_max_items: int = 12000,
    mf_epochs: int = 50,
    als_iterations: int = 15,
) -> Tuned:
    """Tune EASE's L2, the MF grid and the ALS member's grid separately, then the weights.

    The weights are searched jointly: EASE's ``blend`` and the ALS member's share of the rest.
    Grids default to the module's ``EASE_L2_GRID``, ``MF_GRID``, ``ALS_MEMBER_GRID``,
    ``BLEND_GRID`` and ``ALS_SHARE_GRID``.
    """

    def make_ease(l2: float) -> EASERecommender:
        return EASERecommender(l2=l2, max_items=ease_max_items)

    def make_mf(**params: Any) -> HybridMFRecommender:
        return HybridMFRecommender(epochs=mf_epochs, random_state=seed, **params)

    def make_als(**params: Any) -> ALSRecommender:
        return ALSRecommender(iterations=als_iterations, random_state=seed, **params)

    ease_l2s = tuple(EASE_L2_GRID if ease_grid is None else ease_grid)
    ease_tuned, ease = grid_search(make_ease, {"l2": ease_l2s}, data)
    mf_tuned, mf = grid_search(make_mf, MF_GRID if mf_grid is None else mf_grid, data)
    als_tuned, als = grid_search(make_als, ALS_MEMBER_GRID if als_grid is None else als_grid, data)
    assert isinstance(ease, EASERecommender) and isinstance(mf, HybridMFRecommender)
    assert isinstance(als, ALSRecommender)
    trials = [{"model": "ease", **t} for t in ease_tuned.trials]
    trials += [{"model": "mf", **t} for t in mf_tuned.trials]
    trials += [{"model": "als", **t} for t in als_tuned.trials]
    best_blend, best_share, best_score = 1.0, 0.0, -1.0
    blends = BLEND_GRID if blend_grid is None else blend_grid
    shares = ALS_SHARE_GRID if als_share_grid is None else als_share_grid
    for blend, share in itertools.product(blends, shares):
        if blend == 1.0 and share != shares[0]:
            continue  # EASE alone: the share changes nothing
        model = MaitreRecommender.from_components(
            data.fit, ease=ease, mf=mf, als=als, blend=blend, als_share=share
        )
        score = validation_ndcg(model, data)
        trials.append(
            {"model": "blend", "blend": blend, "als_share": share, "ndcg": round(score, 5)}
        )
        if score > best_score:
            best_blend, best_share, best_score = blend, share, score
    params = {
        "blend": best_blend,
        "als_share": best_share,
        "ease_l2": ease_tuned.params["l2"],
        "ease_max_items": ease_max_items,
        "factors": mf_tuned.params["factors"],
        "mf_l2": mf_tuned.params["l2"],
        "mf_alpha": mf_tuned.params["alpha"],
        "mf_epochs": mf_epochs,
        "als_factors": als_tuned.params["factors"],
        "als_l2": als_tuned.params["regularization"],
        "als_alpha": als_tuned.params["alpha"],
        "als_iterations": als_iterations,
    }
    return Tuned(params=params, score=best_score, trials=trials)


def popularity_validation(data: ValidationSlice) -> float:
    """Validation NDCG@10 of the popularity baseline (a floor for the tuned models)."""
    return validation_ndcg(PopularityRecommender().fit(data.fit), data)
