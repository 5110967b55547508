"""Train the CRM churn model with a time-based split and register it as ``churn``.

Labels come from the CRM's own history: a customer who had bought by a cutoff date churned if
they placed no (uncancelled) order in the ``settings.churn_window_days`` after it. With ``end``
the last day with data, the model is fitted on the features as of ``end - 2 windows`` with
labels from the window after, and evaluated on the features as of ``end - 1 window`` with
labels from the last window: never a peek at the future. The metrics (ROC-AUC, PR-AUC, Brier,
decision metrics at the cost threshold, reliability curve, bias check per language, country
and RFM segment) describe that held-out window; the registered model is then refitted the same
way on the most recent labelled cutoff, so it serves with the freshest behaviour.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from maitre.config import Settings
from maitre.errors import ValidationFailed
from maitre.ml import registry
from maitre.ml.bias import group_report
from maitre.ml.churn import cost_threshold
from maitre.ml.churn_crm import CrmChurnFeatures, CrmChurnModel
from maitre.ml.churn_eval import metrics as churn_metrics
from maitre.ml.churn_eval import reliability
from maitre.ml.features import customer_features, last_order_at
from maitre.ml.models import ModelVersion
from maitre.ml.segments import RFMModel

log = logging.getLogger("maitre.ml.churn")
MODEL_NAME = "churn"
BUNDLE_FILE = "churn.joblib"
BIAS_GROUPS = ("language", "country", "segment")


@dataclass
class ChurnBundle:
    """What the registry stores for ``churn``: the feature aligner, the model, the threshold."""

    features: CrmChurnFeatures
    model: CrmChurnModel
    threshold: float
    window_days: int

    def save(self, path: Path) -> None:
        """Write the bundle into a version folder."""
        joblib.dump(self, path / BUNDLE_FILE, compress=3)


def load_bundle(path: Path, _mv: ModelVersion | None = None) -> ChurnBundle:
    """Load a registered churn bundle (the ``ActiveModelCache`` loader)."""
    bundle: ChurnBundle = joblib.load(path / BUNDLE_FILE)
    return bundle


def labelled(
    *, session: Session, cutoff: datetime, window_days: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Features of buyers as of ``cutoff`` and 1 for those with no order in the next window."""
    features = customer_features(session=session, as_of=cutoff)
    buyers = features[features["frequency"] > 0]
    later = last_order_at(session=session, as_of=cutoff + timedelta(days=window_days))
    bought = later.reindex(buyers.index) > pd.Timestamp(cutoff)
    return buyers, (~bought.fillna(False).astype(bool)).astype(int).to_numpy()


def data_end(*, session: Session) -> datetime:
    """The last day with orders (now if none is later), the end of the labelled history."""
    now = datetime.now(UTC)
    last = last_order_at(session=session, as_of=now)
    if last.empty:
        return now
    latest: datetime = pd.Timestamp(last.max()).to_pydatetime()
    return min(now, latest)


def fit_bundle(
    frame: pd.DataFrame, y: np.ndarray, *, settings: Settings, seed: int = 0
) -> ChurnBundle:
    """Fit the aligner and model on one labelled cutoff."""
    prep = CrmChurnFeatures().fit(frame)
    model = CrmChurnModel(random_state=seed).fit(prep.transform(frame), y)
    threshold = cost_threshold(
        lost_cost=settings.churn_lost_customer_cost,
        offer_cost=settings.churn_offer_cost,
        offer_success=settings.churn_offer_success,
    )
    return ChurnBundle(prep, model, threshold, settings.churn_window_days)


def evaluate(
    bundle: ChurnBundle, frame: pd.DataFrame, y: np.ndarray, *, max_recall_gap: float
) -> dict[str, Any]:
    """Held-out metrics, top features, reliability and the bias check on one labelled cutoff."""
    X = bundle.features.transform(frame)
    p = bundle.model.predict_proba(X)[:, 1]
    out: dict[str, Any] = {"test_customers": len(y), "test_churn_rate": round(float(y.mean()), 4)}
    if 0 < y.sum() < len(y):
        out.update(churn_metrics(y, p, bundle.threshold))
        out["reliability"] = reliability(y, p)
    contrib = np.abs(bundle.model.contributions(X)).mean(axis=0)
    order = np.argsort(-contrib)[:10]
    out["top_features"] = [
        {"feature": bundle.features.columns_[j], "mean_abs_shap": round(float(contrib[j]), 4)}
        for j in order
    ]
    segment = RFMModel().fit(frame).predict(frame)["segment"]
    groups = {
        "language": frame["language"],
        "country": frame["country"],
        "segment": segment.reindex(frame.index),
    }
    out["bias"] = group_report(y, p, bundle.threshold, groups, max_recall_gap=max_recall_gap)
    return out


def train(
    *, session: Session, settings: Settings, end: datetime | None = None, seed: int = 0
) -> tuple[ChurnBundle, dict[str, Any], dict[str, Any], str]:
    """Fit on the older cutoff, evaluate on the newer, refit on the newer; return all of it."""
    started = time.perf_counter()
    window = settings.churn_window_days
    end = end or data_end(session=session)
    test_cut = end - timedelta(days=window)
    train_cut = test_cut - timedelta(days=window)
    train_x, train_y = labelled(session=session, cutoff=train_cut, window_days=window)
    test_x, test_y = labelled(session=session, cutoff=test_cut, window_days=window)
    for name, y in (("training", train_y), ("test", test_y)):
        if len(y) < 20 or min(y.sum(), len(y) - y.sum()) < 4:
            raise ValidationFailed(
                f"not enough history for churn: the {name} cutoff has {len(y)} buyers, "
                f"{int(y.sum())} churned (need 20 buyers and 4 of each outcome)"
            )
    held_out = fit_bundle(train_x, train_y, settings=settings, seed=seed)
    metrics = evaluate(held_out, test_x, test_y, max_recall_gap=settings.churn_bias_recall_gap)
    bundle = fit_bundle(test_x, test_y, settings=settings, seed=seed)
    metrics["model"] = bundle.model.describe()
    metrics["train_customers"] = len(train_y)
    metrics["seconds"] = round(time.perf_counter() - started, 2)
    params = {
        "window_days": window,
        "train_cutoff": train_cut.isoformat(),
        "test_cutoff": test_cut.isoformat(),
        "end": end.isoformat(),
        "threshold": round(bundle.threshold, 4),
        "costs": {
            "lost_customer": settings.churn_lost_customer_cost,
            "offer": settings.churn_offer_cost,
            "offer_success": settings.churn_offer_success,
        },
    }
    digest = registry.data_hash(
        (str(cid), str(int(label))) for cid, label in zip(test_x.index, test_y, strict=True)
    )
    return bundle, params, metrics, digest


def train_and_register(
    *, session: Session, settings: Settings, activate: bool = True, actor: str = "system"
) -> ModelVersion:
    """Train the CRM churn model and register it (active unless told otherwise)."""
    bundle, params, metrics, digest = train(session=session, settings=settings)
    staging = registry.staging_dir(settings.models_dir, MODEL_NAME)
    try:
        bundle.save(staging)
        mv = registry.register(
            session=session,
            models_dir=settings.models_dir,
            name=MODEL_NAME,
            staging=staging,
            data_hash=digest,
            params=params,
            metrics=metrics,
            activate=activate,
            actor=actor,
        )
    except BaseException:
        registry.discard(staging)
        raise
    log.info("ml.churn.trained", extra={"version": mv.version, "auc": metrics.get("roc_auc")})
    return mv


def train_default(rt: Any, echo: Any = None) -> str:
    """Train the CRM churn model on the CRM's orders; for ``maitre models train-defaults``."""
    from maitre.db.session import unit_of_work

    if echo is not None:
        echo(0.1, "building features at two cutoffs")
    with unit_of_work(rt.sessionmaker) as session:
        mv = train_and_register(session=session, settings=rt.settings, actor="defaults")
        auc = mv.metrics.get("roc_auc")
        flagged = len(mv.metrics.get("bias", {}).get("flagged", []))
        return (
            f"churn v{mv.version} (held-out ROC-AUC {auc}, {mv.metrics['test_customers']} "
            f"customers, {flagged} bias flag(s), {mv.metrics['seconds']} s)"
        )
