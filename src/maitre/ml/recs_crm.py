"""Train the recommender on the CRM's orders and register it as ``recs``.

Interactions are customer × product pairs bought (uncancelled order lines). The metrics come
from a per-customer random 75/25 split (``recs_data.split_per_user``): the blend of EASE^R, ALS
and hybrid MF next to the popularity baseline, at k = 10. The registered model is then fitted on
every pair; ``RecsBundle`` keeps the customer and product ids behind the matrix rows/columns.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sqlalchemy.orm import Session

from maitre.config import Settings
from maitre.errors import ValidationFailed
from maitre.ml import registry
from maitre.ml.features import purchases
from maitre.ml.models import ModelVersion
from maitre.ml.recs import MaitreRecommender
from maitre.ml.recs_baselines import PopularityRecommender
from maitre.ml.recs_data import build_interactions, split_per_user
from maitre.ml.recs_metrics import evaluate_topk

log = logging.getLogger("maitre.ml.recs")
MODEL_NAME = "recs"
BUNDLE_FILE = "recs.joblib"
K = 10
#: the blend used on CRM orders: small catalogues, few epochs (``make_model`` adds one thread)
CRM_PARAMS: dict[str, Any] = {"blend": 0.5, "als_share": 0.5, "factors": 16, "mf_epochs": 30}


@dataclass
class RecsBundle:
    """The fitted recommender and the CRM ids of its rows (customers) and columns (products)."""

    model: MaitreRecommender
    customer_ids: np.ndarray
    product_ids: np.ndarray

    def row_of(self, customer_id: int) -> int:
        """Return the matrix row of ``customer_id``, or -1 if they bought nothing at training."""
        i = int(np.searchsorted(self.customer_ids, customer_id))
        found = i < len(self.customer_ids) and int(self.customer_ids[i]) == customer_id
        return i if found else -1

    def save(self, path: Path) -> None:
        """Write the bundle into a version folder."""
        joblib.dump(self, path / BUNDLE_FILE, compress=3)


def load_bundle(path: Path, _mv: ModelVersion | None = None) -> RecsBundle:
    """Load a registered recs bundle (the ``ActiveModelCache`` loader)."""
    bundle: RecsBundle = joblib.load(path / BUNDLE_FILE)
    return bundle


def make_model(seed: int = 42) -> MaitreRecommender:
    """The configuration used on CRM orders: small catalogues, few epochs, one thread."""
    return MaitreRecommender(**CRM_PARAMS, random_state=seed, threads=1)


def train(*, session: Session, seed: int = 42) -> tuple[RecsBundle, dict[str, Any], str]:
    """Evaluate on a per-customer split, then fit on all pairs; return bundle, metrics, hash."""
    started = time.perf_counter()
    pairs = purchases(session=session)
    if pairs.empty:
        raise ValidationFailed("no orders with products yet: nothing to recommend from")
    data = build_interactions(pairs["customer_id"].to_numpy(), pairs["product_id"].to_numpy())
    if data.n_items < 2:
        raise ValidationFailed("need at least two products bought to recommend")
    train_m, test_m = split_per_user(data.matrix, seed=seed)
    metrics: dict[str, Any] = {"customers": data.n_users, "products": data.n_items}
    evaluated = np.flatnonzero(np.diff(test_m.indptr) > 0)
    if len(evaluated):
        held = make_model(seed).fit(train_m)
        test_rows = test_m[evaluated]
        recommended = held.recommend(evaluated, k=K)
        metrics.update(evaluate_topk(recommended, test_rows, k=K, n_items=data.n_items))
        popular = PopularityRecommender().fit(train_m).recommend(evaluated, k=K)
        baseline = evaluate_topk(popular, test_rows, k=K, n_items=data.n_items)
        metrics["baselines"] = {"popularity": baseline}
        metrics["evaluated_customers"] = len(evaluated)
    model = make_model(seed).fit(data.matrix)
    bundle = RecsBundle(model, np.asarray(data.user_ids), np.asarray(data.item_ids))
    metrics["seconds"] = round(time.perf_counter() - started, 2)
    digest = registry.data_hash(
        (str(c), str(p)) for c, p in zip(pairs["customer_id"], pairs["product_id"], strict=True)
    )
    return bundle, {k: _round(v) for k, v in metrics.items()}, digest


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    return value


def train_and_register(
    *, session: Session, settings: Settings, activate: bool = True, actor: str = "system"
) -> ModelVersion:
    """Train the recommender on the CRM's orders and register it."""
    bundle, metrics, digest = train(session=session)
    staging = registry.staging_dir(settings.models_dir, MODEL_NAME)
    try:
        bundle.save(staging)
        mv = registry.register(
            session=session,
            models_dir=settings.models_dir,
            name=MODEL_NAME,
            staging=staging,
            data_hash=digest,
            params={**CRM_PARAMS, "k": K},
            metrics=metrics,
            activate=activate,
            actor=actor,
        )
    except BaseException:
        registry.discard(staging)
        raise
    log.info("ml.recs.trained", extra={"version": mv.version, "ndcg": metrics.get("ndcg_at_10")})
    return mv


def train_default(rt: Any, echo: Any = None) -> str:
    """Train the recommender on the CRM's orders; for ``maitre models train-defaults``."""
    from maitre.db.session import unit_of_work

    if echo is not None:
        echo(0.1, "reading purchases")
    with unit_of_work(rt.sessionmaker) as session:
        mv = train_and_register(session=session, settings=rt.settings, actor="defaults")
        m = mv.metrics
        pop = m.get("baselines", {}).get("popularity", {}).get("ndcg_at_10")
        return (
            f"recs v{mv.version} (NDCG@10 {m.get('ndcg_at_10')} vs popularity {pop}, "
            f"{m['customers']} customers, {m['products']} products, {m['seconds']} s)"
        )
