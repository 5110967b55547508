"""CRM churn: a planted rule recovered on a time split, reasons in words, the bias check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session

from maitre.config import Settings
from maitre.ml import registry
from maitre.ml.bias import group_report
from maitre.ml.churn_crm import phrase
from maitre.ml.churn_crm_train import MODEL_NAME, load_bundle, train, train_and_register
from maitre.ml.features import customer_features
from tests.factories.planted import END, build_planted_churn


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", secret_key="k" * 32)  # type: ignore[arg-type]


def test_planted_churn_rule_is_recovered_on_a_time_split(session: Session, tmp_path: Path) -> None:
    build_planted_churn(session, customers=300)
    bundle, params, metrics, _ = train(session=session, settings=_settings(tmp_path), end=END)
    assert metrics["roc_auc"] >= 0.8
    assert params["train_cutoff"] < params["test_cutoff"] < params["end"]
    top = [f["feature"] for f in metrics["top_features"][:2]]
    assert set(top) == {"recency_days", "tickets_total"}
    assert 0 < bundle.threshold < 1 and metrics["threshold"] == round(bundle.threshold, 4)
    assert {"reliability", "brier", "pr_auc", "bias"} <= set(metrics)
    assert set(metrics["bias"]["groups"]) == {"language", "country", "segment"}


def test_churner_gets_calibrated_probability_and_reasons_in_words(
    session: Session, tmp_path: Path
) -> None:
    labels = build_planted_churn(session, customers=300)
    settings = _settings(tmp_path)
    mv = train_and_register(session=session, settings=settings)
    assert mv.name == MODEL_NAME and mv.is_active and "bias" in mv.metrics
    bundle = load_bundle(registry.absolute_path(settings.models_dir, mv), mv)
    frame = customer_features(session=session, as_of=END)
    churner = next(cid for cid, y in labels.items() if y == 1)
    loyal = next(
        cid for cid, y in labels.items() if y == 0 and frame.loc[cid, "tickets_total"] == 0
    )
    X = bundle.features.transform(frame.loc[[churner, loyal]])
    p = bundle.model.predict_proba(X)[:, 1]
    assert p[0] > 0.8 > p[1]
    contributions = bundle.model.contributions(X)
    # TreeSHAP is additive: contributions plus the base value give the calibrated log-odds.
    base = bundle.model.log_odds(X) - contributions.sum(axis=1)
    assert base[0] == pytest.approx(base[1])
    from maitre.ml.churn_crm import reasons

    words = reasons(contributions, frame.loc[[churner, loyal], bundle.features.columns_])
    assert any(r["text"].startswith("no order for") for r in words[0])
    assert any("support tickets" in str(r["text"]) for r in words[0])


def test_phrases_name_the_feature_and_handle_missing_values() -> None:
    assert phrase("recency_days", 140.2) == "no order for 140 days"
    assert phrase("recency_days", float("nan")) == "no order yet"
    assert phrase("tickets_90d", 3.0) == "3 support tickets in the last 90 days"
    assert phrase("cat:Tea", 0.5) == "50% of spend on Tea"
    assert phrase("language", "zh") == "language: zh"


def test_too_little_history_is_a_clear_error(session: Session, tmp_path: Path) -> None:
    from maitre.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="not enough history"):
        train(session=session, settings=_settings(tmp_path), end=END)


def test_bias_check_flags_a_planted_recall_gap() -> None:
    rng = np.random.default_rng(0)
    n = 400
    group = np.where(np.arange(n) % 4 == 0, "zh", "en")
    y = (rng.random(n) < 0.4).astype(int)
    # The model finds churners in "en" well and misses most of them in "zh".
    p = np.where(y == 1, np.where(group == "en", 0.9, 0.2), 0.1) + rng.normal(0, 0.02, n)
    report = group_report(y, p, 0.5, {"language": pd.Series(group)}, max_recall_gap=0.1)
    assert report["flagged"] == [
        {
            "by": "language",
            "group": "zh",
            "recall_gap": report["groups"]["language"]["zh"]["recall_gap"],
        }
    ]
    zh, en = report["groups"]["language"]["zh"], report["groups"]["language"]["en"]
    assert zh["recall"] < 0.1 and en["recall"] == 1.0 and not en["flagged"]
    assert {"precision", "roc_auc", "positive_rate", "n", "positives"} <= set(zh)


def test_bias_check_does_not_flag_groups_with_too_few_positives() -> None:
    y = np.array([1, 0, 0, 1, 1, 1, 1, 1])
    p = np.array([0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9])
    group = pd.Series(["a", "a", "a", "b", "b", "b", "b", "b"])
    report = group_report(y, p, 0.5, {"g": group}, min_positives=5)
    assert report["groups"]["g"]["a"]["recall"] == 0.0 and report["flagged"] == []
    assert report["groups"]["g"]["b"]["roc_auc"] is None  # one class only: AUC undefined
